#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The source tier of `make check`: checks of the tree itself, on the host,
# in seconds. Ends with "N passed, N failed".
#  - callgraph: the leaf files of module/ (params.c, rcvq.c, isn.c, mem.c,
#    delack.c) call no other file of the module, and options.c only leaves
#    (scripts/callgraph.py --check);
#  - callgraph-doc: docs/callgraph.txt is what scripts/callgraph.py prints
#    now (regenerate it with `scripts/callgraph.py >docs/callgraph.txt`);
#  - sockopt: <linux/toy.h> and docs/protocol.md 15.3 agree with the
#    module's table of SOL_TOY options, and 15.3's struct toy_info with
#    the compiler's layout of it (scripts/sockopt-check.py);
#  - shellcheck: every shell script, warnings and errors.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1

pass=0 fail=0

# Run check $1: the rest of the arguments, quietly; its output if it fails.
check() {
	local name=$1 out
	shift
	if out=$("$@" 2>&1); then
		echo "ok - $name"
		pass=$((pass + 1))
	else
		echo "not ok - $name"
		printf '%s\n' "$out" | head -n 40 | sed 's/^/# /'
		fail=$((fail + 1))
	fi
}

doc_current() {
	scripts/callgraph.py | diff -u docs/callgraph.txt -
}

check callgraph scripts/callgraph.py --check
check callgraph-doc doc_current
check sockopt scripts/sockopt-check.py
if command -v shellcheck >/dev/null; then
	check shellcheck shellcheck -x -S warning scripts/*.sh selftests/*.sh
else
	echo "ok - shellcheck # SKIP shellcheck is not installed"
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
