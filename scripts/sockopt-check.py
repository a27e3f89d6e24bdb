#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Hold the SOL_TOY option docs to the module's one table of them.

module/sockopt.c's toy_sockopts[] gives each option its range, default and
CAP_NET_ADMIN floor. This checks, option by option, that
  - <linux/toy.h> (module/uapi/linux/toy.h) comments "min..max, default D",
  - docs/protocol.md 15.3 has a row "| `NAME` | number | min..max | D |"
    that says "Below F needs `CAP_NET_ADMIN`" exactly when the table does,
and that neither lists an option the table lacks (TOY_INFO, read-only, and
TOY_CONGESTION, a string, are outside the table and must say "read-only"
and "string" in both). The tables of struct toy_info in 15.3 and of
struct toy_diag_req and struct toy_diag_msg in 16.1 (offset, size, field,
and the struct's size in bytes) are checked against what the compiler
makes of <linux/toy.h>. Every module parameter has a row in 15.1's table
(saying "Writable." exactly when sysfs lets root write it) and in
README's. Prints one line per disagreement; exits 1 if there is any.
"""
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")


def read(path):
    with open(os.path.join(ROOT, path), encoding="utf-8") as f:
        return f.read()


def defines(*paths):
    """Every '#define NAME value' of the files, values as text."""
    out = {}
    for path in paths:
        for m in re.finditer(r"^#define\s+(\w+)\s+([^\s/]+)", read(path), re.M):
            out[m.group(1)] = m.group(2)
    return out


def value(text, macros):
    """An integer from a literal or a chain of macros."""
    seen = 0
    while not re.fullmatch(r"-?\d+", text):
        if text not in macros or seen > 8:
            raise ValueError("cannot resolve %r" % text)
        text = macros[text]
        seen += 1
    return int(text)


def table(macros):
    """toy_sockopts[]: {NAME: {min, max, dflt, admin_below}}."""
    src = read("module/sockopt.c")
    body = src[src.index("toy_sockopts[] = {"):]
    body = body[:body.index("\n};")]
    opts = {}
    for m in re.finditer(r"\[(TOY_\w+)\] = \{(.*?)\n\t\}", body, re.S):
        fields = dict(re.findall(r"\.(\w+) = ([\w-]+)", m.group(2)))
        opts[m.group(1)] = {
            k: value(fields.get(k, "0"), macros)
            for k in ("min", "max", "dflt", "admin_below")
        }
    return opts


def uapi():
    """NAME: (number, comment) of the options in <linux/toy.h>."""
    src = read("module/uapi/linux/toy.h")
    start = src.index("Options at level SOL_TOY")
    block = src[start:]
    block = block[:block.index("\n\n")]
    out = {}
    for m in re.finditer(r"^#define\s+(TOY_\w+)\s+(\d+)\s+/\* (.*?) \*/",
                         block, re.M):
        out[m.group(1)] = (int(m.group(2)), m.group(3))
    return out


def docs():
    """NAME: (number, range, default, meaning) of docs/protocol.md 15.3."""
    src = read("docs/protocol.md")
    sec = src[src.index("### 15.3 Socket options"):]
    sec = sec[:sec.index("\n### ", 1)]
    out = {}
    for m in re.finditer(r"^\| `(TOY_\w+)` \| (\d+) \| ([^|]*) \| ([^|]*) \| (.*) \|$",
                         sec, re.M):
        out[m.group(1)] = (int(m.group(2)), m.group(3).strip(),
                           m.group(4).strip(), m.group(5))
    return out


def struct_layout(struct):
    """{field: (offset, size)} and "sizeof" of a <linux/toy.h> struct, from a compiler."""
    src = read("module/uapi/linux/toy.h")
    body = src[src.index("struct %s {" % struct):]
    body = body[:body.index("};")]
    fields = re.findall(r"^\s*__(?:[us]|be|le)\d+\s+(\w+)(?:\[\d+\])?;", body, re.M)
    prog = ["#include <stdio.h>", "#include <stddef.h>", "#include <linux/toy.h>",
            "int main(void) {"]
    for f in fields:
        prog.append('printf("%%s %%zu %%zu\\n", "%s", offsetof(struct %s, %s), '
                    'sizeof(((struct %s *)0)->%s));' % (f, struct, f, struct, f))
    prog.append('printf("sizeof %%zu 0\\n", sizeof(struct %s)); return 0; }' % struct)
    with tempfile.TemporaryDirectory() as tmp:
        c, exe = os.path.join(tmp, "t.c"), os.path.join(tmp, "t")
        with open(c, "w", encoding="utf-8") as f:
            f.write("\n".join(prog) + "\n")
        subprocess.run(["cc", "-I", os.path.join(ROOT, "module/uapi"), "-o", exe, c],
                       check=True)
        out = subprocess.run([exe], check=True, capture_output=True, text=True).stdout
    layout = {}
    for line in out.splitlines():
        name, off, size = line.split()
        layout[name] = (int(off), int(size))
    return layout


def struct_errs(struct, heading):
    """The table after "`struct NAME` (N bytes" in docs section HEADING
    against the compiler's layout of <linux/toy.h>'s struct."""
    layout = struct_layout(struct)
    size = layout.pop("sizeof")[0]
    src = read("docs/protocol.md")
    sec = src[src.index(heading):]
    sec = sec[:sec.index("\n#", len(heading))]
    errs = []
    m = re.search(r"`struct %s` \((\d+)\s+bytes" % struct, sec)
    if not m or int(m.group(1)) != size:
        errs.append("%s: docs say %s bytes, sizeof is %d"
                    % (struct, m.group(1) if m else "no number of", size))
    rows = {}
    if m:
        rest = sec[m.end():]
        first = rest.index("\n|")
        table = []
        for line in rest[first + 1:].splitlines():
            if not line.startswith("|"):
                break
            table.append(line)
        rows = {r.group(3): (int(r.group(1)), int(r.group(2))) for r in
                (re.match(r"^\| (\d+) \| (\d+) \| `(\w+)` \|", t) for t in table) if r}
    for name, where in layout.items():
        if name not in rows:
            errs.append("%s.%s: no row in docs/protocol.md %s" % (struct, name, heading))
        elif rows[name] != where:
            errs.append("%s.%s: docs say offset %d size %d, the header %d %d"
                        % ((struct, name) + rows[name] + where))
    for name in rows:
        if name not in layout:
            errs.append("%s.%s: in the docs, not in <linux/toy.h>" % (struct, name))
    return errs


def params_errs():
    """Every module parameter (module_param*() in module/*.c) has a row in
    docs/protocol.md 15.1's table, which says "Writable." exactly for the
    ones sysfs lets root write, and in README's table; neither lists one
    the module lacks."""
    params = {}
    for name in sorted(os.listdir(os.path.join(ROOT, "module"))):
        if not name.endswith(".c"):
            continue
        for m in re.finditer(r"module_param(?:_named|_array_named|_cb)?\((\w+),.*?(0[0-7]{3})\);",
                             read(os.path.join("module", name))):
            params[m.group(1)] = int(m.group(2), 8) & 0o222 != 0
    src = read("docs/protocol.md")
    sec = src[src.index("### 15.1 Finding the family number"):]
    sec = sec[:sec.index("\n### ", 1)]
    doc = {m.group(1): m.group(2) for m in
           re.finditer(r"^\| `(\w+)` \| [^|]* \|(.*)\|$", sec, re.M)}
    readme = read("README.md")
    rsec = readme[readme.index("| parameter | default | meaning |"):]
    rsec = rsec[:rsec.index("\n\n")]
    rows = set(re.findall(r"^\| `(\w+)` \|", rsec, re.M))
    errs = []
    for name, writable in params.items():
        if name not in doc:
            errs.append("parameter %s: no row in docs/protocol.md 15.1" % name)
        elif writable != doc[name].strip().startswith("Writable."):
            errs.append("parameter %s: sysfs %s, docs %s" % (
                name, "writable" if writable else "read-only",
                "say Writable." if not writable else "do not say Writable."))
        if name not in rows:
            errs.append("parameter %s: no row in README's table" % name)
    for name in sorted((set(doc) | rows) - set(params)):
        errs.append("parameter %s: documented, not in the module" % name)
    return errs


def drops_errs():
    """docs/protocol.md 16.2's table against enum toy_drop (module/toy.h),
    the tracepoint's names (module/trace.h) and the kernel reasons of
    toy_skb_drop_reason() (module/drop.h)."""
    errs = []
    toy = read("module/toy.h")
    enum = re.search(r"enum toy_drop \{(.*?)\};", toy, re.S).group(1)
    names = [n for n in re.findall(r"TOY_DROP_(\w+),", enum)
             if n not in ("NONE", "MAX")]
    trace = dict(re.findall(r'\{ TOY_DROP_(\w+), "(\w+)" \}', read("module/trace.h")))
    mapping = dict(re.findall(r"case TOY_DROP_(\w+):\s*return SKB_DROP_REASON_(\w+);",
                              read("module/drop.h")))
    text = read("docs/protocol.md")
    sec = text[text.index("### 16.2 "):text.index("## 17. ")]
    doc = dict(re.findall(r"^\| `(\w+)` \| `(\w+)` \|", sec, re.M))
    for n in names:
        if trace.get(n) != n:
            errs.append("TOY_DROP_%s: module/trace.h names it %r" % (n, trace.get(n)))
        if n not in mapping:
            errs.append("TOY_DROP_%s: no kernel reason in module/drop.h" % n)
        if n not in doc:
            errs.append("TOY_DROP_%s: no row in docs/protocol.md 16.2" % n)
        elif doc[n] != mapping.get(n):
            errs.append("TOY_DROP_%s: docs say %s, module/drop.h %s"
                        % (n, doc[n], mapping.get(n)))
    for n in set(doc) - set(names):
        errs.append("docs/protocol.md 16.2: %s is not in enum toy_drop" % n)
    if not names:
        errs.append("module/toy.h: no enum toy_drop")
    return errs


def main():
    macros = defines("module/toy.h", "module/uapi/linux/toy.h")
    opts, hdr, doc = table(macros), uapi(), docs()
    errs = []
    if not opts:
        errs.append("module/sockopt.c: no toy_sockopts[] entries found")
    for name, o in sorted(opts.items()):
        rng = "%d..%d" % (o["min"], o["max"])
        if name not in hdr:
            errs.append("%s: not in <linux/toy.h>" % name)
        else:
            c = hdr[name][1]
            if not re.search(r"(^|, )%s, default %d:" % (re.escape(rng), o["dflt"]), c):
                errs.append("%s: <linux/toy.h> says %r, the table %s, default %d"
                            % (name, c, rng, o["dflt"]))
        if name not in doc:
            errs.append("%s: no row in docs/protocol.md 15.3" % name)
            continue
        num, drange, ddflt, meaning = doc[name]
        if name in hdr and num != hdr[name][0]:
            errs.append("%s: docs say option %d, <linux/toy.h> %d"
                        % (name, num, hdr[name][0]))
        if not re.fullmatch(r"%s( \(\w+\))?" % re.escape(rng), drange):
            errs.append("%s: docs give the range %r, the table %s"
                        % (name, drange, rng))
        if ddflt != str(o["dflt"]):
            errs.append("%s: docs give the default %r, the table %d"
                        % (name, ddflt, o["dflt"]))
        floor = re.search(r"Below (\d+) needs `CAP_NET_ADMIN`", meaning)
        want = o["admin_below"]
        if (int(floor.group(1)) if floor else 0) != want:
            errs.append("%s: docs say %s, the table %s" % (
                name, floor.group(0) if floor else "no CAP_NET_ADMIN floor",
                "below %d needs CAP_NET_ADMIN" % want if want else "none"))
    for name in sorted(set(hdr) | set(doc)):
        if name in opts:
            continue
        outside = {"TOY_INFO": "read-only", "TOY_CONGESTION": "string"}
        if name in outside:
            word = outside[name]
            if not hdr.get(name, (0, ""))[1].startswith(word):
                errs.append("%s: <linux/toy.h> does not say %s" % (name, word))
            if doc.get(name, (0, ""))[1] != word:
                errs.append("%s: docs do not say %s" % (name, word))
            continue
        errs.append("%s: documented, but not in module/sockopt.c's table" % name)
    errs += struct_errs("toy_info", "### 15.3 Socket options")
    errs += struct_errs("toy_diag_req", "### 16.1 sock_diag")
    errs += struct_errs("toy_diag_msg", "### 16.1 sock_diag")
    errs += params_errs()
    errs += drops_errs()
    for e in errs:
        print(e)
    print("sockopt-check: %d options, struct toy_info, toy_diag_req and "
          "toy_diag_msg, the module parameters, the drop reasons, %d disagreements"
          % (len(opts), len(errs)))
    return 1 if errs else 0


if __name__ == "__main__":
    sys.exit(main())
