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
and "string" in both). The table of struct
toy_info in 15.3 (offset, size, field, and its size in bytes) is checked
against what the compiler makes of <linux/toy.h>. Prints one line per
disagreement; exits 1 if there is any.
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


def toy_info_layout():
    """{field: (offset, size)} and sizeof(struct toy_info), from a compiler."""
    src = read("module/uapi/linux/toy.h")
    body = src[src.index("struct toy_info {"):]
    body = body[:body.index("};")]
    fields = re.findall(r"^\s*__[us]\d+\s+(\w+)(?:\[\d+\])?;", body, re.M)
    prog = ["#include <stdio.h>", "#include <stddef.h>", "#include <linux/toy.h>",
            "int main(void) {"]
    for f in fields:
        prog.append('printf("%%s %%zu %%zu\\n", "%s", offsetof(struct toy_info, %s), '
                    'sizeof(((struct toy_info *)0)->%s));' % (f, f, f))
    prog.append('printf("sizeof %zu 0\\n", sizeof(struct toy_info)); return 0; }')
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


def toy_info_errs():
    """docs/protocol.md 15.3's struct toy_info table against the compiler's."""
    layout = toy_info_layout()
    size = layout.pop("sizeof")[0]
    src = read("docs/protocol.md")
    sec = src[src.index("### 15.3 Socket options"):]
    sec = sec[:sec.index("\n### ", 1)]
    errs = []
    m = re.search(r"fills `struct toy_info` \((\d+) bytes", sec)
    if not m or int(m.group(1)) != size:
        errs.append("toy_info: docs say %s bytes, sizeof is %d"
                    % (m.group(1) if m else "no number of", size))
    rows = {m.group(3): (int(m.group(1)), int(m.group(2))) for m in
            re.finditer(r"^\| (\d+) \| (\d+) \| `(\w+)` \|", sec, re.M)}
    for name, where in layout.items():
        if name not in rows:
            errs.append("toy_info.%s: no row in docs/protocol.md 15.3" % name)
        elif rows[name] != where:
            errs.append("toy_info.%s: docs say offset %d size %d, the header %d %d"
                        % ((name,) + rows[name] + where))
    for name in rows:
        if name not in layout:
            errs.append("toy_info.%s: in the docs, not in <linux/toy.h>" % name)
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
    errs += toy_info_errs()
    for e in errs:
        print(e)
    print("sockopt-check: %d options and struct toy_info, %d disagreements"
          % (len(opts), len(errs)))
    return 1 if errs else 0


if __name__ == "__main__":
    sys.exit(main())
