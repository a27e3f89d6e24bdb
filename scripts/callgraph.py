#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The module's file-to-file call graph, from its source text.

    scripts/callgraph.py [--check] [MODULE_DIR]

Prints, for module/*.c: which file calls which (with the functions), the
pairs of files that call each other both ways, and the groups of files that
form a call cycle (strongly connected components). A function "belongs" to
the file that defines it without `static`; a call is its name followed by
"(" anywhere in another file's code (comments and strings left out), so a
function passed by pointer (a timer, proto_ops) is not a call. Tests under
module/test/ do not count.

--check exits 1 if a file that must be a leaf (LEAVES below) calls another
file of the module, or one that may call only leaves (ON_LEAVES) calls any
other file: docs/callgraph.txt is this script's output.
"""
import os
import re
import sys

LEAVES = ("params.c", "rcvq.c", "isn.c", "mem.c", "delack.c")
ON_LEAVES = ("options.c",)

DEF = re.compile(r"^(?!static\b)[A-Za-z_][\w \t\*]*?\b(toy_\w+)\s*\(", re.M)
CALL = re.compile(r"\b(toy_\w+)\s*\(")


def strip(text):
    """C text without comments, string or character literals."""
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    text = re.sub(r"//[^\n]*", " ", text)
    text = re.sub(r'"(\\.|[^"\\])*"', '""', text)
    return re.sub(r"'(\\.|[^'\\])*'", "''", text)


def graph(mdir):
    files = sorted(f for f in os.listdir(mdir) if f.endswith(".c")
                   and not f.endswith(".mod.c"))
    code = {}
    for f in files:
        with open(os.path.join(mdir, f), encoding="utf-8") as fh:
            text = strip(fh.read())
        # the KUnit suites #included at the end do not count
        code[f] = re.split(r"#if IS_ENABLED\(CONFIG_TOY_KUNIT_TEST\)", text)[0]
    owner = {}
    for f in files:
        for m in DEF.finditer(code[f]):
            line = code[f][m.start():code[f].find("\n", m.start())]
            if line.rstrip().endswith(";"):
                continue        # a declaration, not a definition
            owner.setdefault(m.group(1), f)
    edges = {}
    for f in files:
        for m in CALL.finditer(code[f]):
            g = owner.get(m.group(1))
            if g and g != f:
                edges.setdefault((f, g), set()).add(m.group(1))
    return files, edges


def sccs(files, edges):
    """Tarjan's strongly connected components, those of two files or more."""
    succ = {f: sorted(g for (a, g) in edges if a == f) for f in files}
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in succ[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for f in files:
        if f not in index:
            visit(f)
    return sorted(out, key=lambda c: (-len(c), c))


def main(argv):
    check = "--check" in argv
    args = [a for a in argv if a != "--check"]
    mdir = args[0] if args else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "module")
    files, edges = graph(mdir)
    print("# module/ call graph (scripts/callgraph.py): caller -> callee: functions")
    for (a, b) in sorted(edges):
        print("%s -> %s: %s" % (a, b, " ".join(sorted(edges[(a, b)]))))
    both = sorted((a, b) for (a, b) in edges if a < b and (b, a) in edges)
    print("\n# pairs that call each other both ways: %d" % len(both))
    for a, b in both:
        print("%s <-> %s" % (a, b))
    comps = sccs(files, edges)
    print("\n# call cycles (files that all reach each other): %d" % len(comps))
    for c in comps:
        print("%d files: %s" % (len(c), " ".join(c)))
    bad = sorted((a, b) for (a, b) in edges if a in LEAVES)
    print("\n# leaves (%s): %s" % (" ".join(LEAVES),
          "none calls another file" if not bad else
          "; ".join("%s calls %s" % e for e in bad)))
    above = sorted((a, b) for (a, b) in edges
                   if a in ON_LEAVES and b not in LEAVES)
    print("# on the leaves (%s): %s" % (" ".join(ON_LEAVES),
          "none calls more than leaves" if not above else
          "; ".join("%s calls %s" % e for e in above)))
    return 1 if check and (bad or above) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
