#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Runs the AF_TOY selftests inside the VM (busybox sh, no bash): every
# harness binary, then toy_module.sh last (it unloads and reloads the
# module). Each program gets an overall timeout. Then one more test, the
# state table coverage (every reachable cell of /proc/net/toy_fsm taken by
# some program; only when no TEST is named). Ends with
#   # toy-selftests: N passed, N failed, N skipped
# and exits 1 if anything failed.
#
#   run_tests.sh [TEST...]    default: all of them, in the order below
#
# Environment: TOY_KO (default /toy/toy.ko), TOY_TEST_TIMEOUT (seconds per
# program, default 600).

set -u

HERE=$(cd "$(dirname "$0")" && pwd)
TOY_KO=${TOY_KO:-/toy/toy.ko}
export TOY_KO
TIMEOUT=${TOY_TEST_TIMEOUT:-600}
# Every toy_* program, then every toy_*.sh script, toy_module.sh last: it
# unloads and reloads the module. TOY_SKIP_TESTS (comma-separated names)
# leaves some out of the full suite.
skipped_test() {
	case ",${TOY_SKIP_TESTS:-}," in
	*",$1,"*) echo "# $1: skipped (TOY_SKIP_TESTS)" >&2; return 0 ;;
	esac
	return 1
}
default_tests() {
	for f in "$HERE"/toy_*; do
		case ${f##*/} in
		*.sh | *.c) ;;
		*) [ -x "$f" ] && ! skipped_test "${f##*/}" && echo "${f##*/}" ;;
		esac
	done
	for f in "$HERE"/toy_*.sh; do
		[ "${f##*/}" = toy_module.sh ] || skipped_test "${f##*/}" ||
			echo "${f##*/}"
	done
	echo toy_module.sh
}
TESTS=${*:-$(default_tests)}
NARGS=$#	# coverage is judged on the full suite only
OUT=${TMPDIR:-/tmp}/toy-selftest.$$
# Snapshots of /proc/net/toy_fsm, one per program: a module reload resets
# the hit counters, so coverage is the union over all of them.
FSM=${TMPDIR:-/tmp}/toy-fsm.$$
mkdir -p "$FSM"
# The counts are per namespace: tests that run in namespaces of their own
# leave a snapshot of each here before deleting it.
TOY_FSM_DIR=$FSM
export TOY_FSM_DIR

passed=0
failed=0
skipped=0

# busybox >= 1.30 and coreutils take "timeout SECS PROG"; older busybox
# wants "timeout -t SECS PROG".
if timeout 5 true 2>/dev/null; then
	run_limited() { timeout "$TIMEOUT" "$@"; }
elif timeout -t 5 true 2>/dev/null; then
	run_limited() { timeout -t "$TIMEOUT" "$@"; }
else
	echo "# warning: no usable timeout command, running without a limit"
	run_limited() { "$@"; }
fi

# Adds the harness' "# Totals: pass:N fail:N xfail:N xpass:N skip:N error:N".
count_harness() {
	totals=$(sed -n 's/^# Totals: pass:\([0-9]*\) fail:\([0-9]*\) xfail:\([0-9]*\) xpass:\([0-9]*\) skip:\([0-9]*\) error:\([0-9]*\).*/\1 \2 \3 \4 \5 \6/p' "$OUT" | tail -n 1)
	[ -n "$totals" ] || return 1
	# shellcheck disable=SC2086 # word splitting wanted
	set -- $totals
	passed=$((passed + $1 + $3))		# pass + xfail
	failed=$((failed + $2 + $4 + $6))	# fail + xpass + error
	skipped=$((skipped + $5))
}

# Adds a TAP stream's "ok"/"not ok" lines; "# SKIP" ones count as skipped.
count_tap() {
	p=$(grep -c '^ok ' "$OUT")
	s=$(grep -c '^ok .*# *SKIP' "$OUT")
	f=$(grep -c '^not ok ' "$OUT")
	[ $((p + f)) -gt 0 ] || return 1
	passed=$((passed + p - s))
	skipped=$((skipped + s))
	failed=$((failed + f))
}

# Make sure the module is there as the tests expect it.
if [ ! -d /sys/module/toy ] && [ -f "$TOY_KO" ]; then
	insmod "$TOY_KO" timewait_ms=200 ||
		echo "# warning: insmod $TOY_KO timewait_ms=200 failed"
fi

for t in $TESTS; do
	prog=$HERE/$t
	echo "# ==== $t"
	if [ ! -x "$prog" ]; then
		echo "# $t: missing"
		failed=$((failed + 1))
		continue
	fi
	# as loaded, should the test before have died while it held another
	[ -w /sys/module/toy/parameters/timewait_ms ] &&
		echo 200 > /sys/module/toy/parameters/timewait_ms
	t0=$(cut -d' ' -f1 /proc/uptime)
	run_limited "$prog" > "$OUT" 2>&1
	rc=$?
	t1=$(cut -d' ' -f1 /proc/uptime)
	cat /proc/net/toy_fsm > "$FSM/$t" 2>/dev/null || rm -f "$FSM/$t"
	cat "$OUT"
	echo "# $t: $(echo "$t0 $t1" | awk '{ printf "%.1f", $2 - $1 }')s"
	before=$failed
	case $t in
	*.sh) count_tap ;;
	*) count_harness ;;
	esac || {
		echo "# $t: no results (exit status $rc)"
		failed=$((failed + 1))
		continue
	}
	# a crash or timeout after the last result still counts as a failure
	if [ "$rc" -ne 0 ] && [ "$failed" -eq "$before" ]; then
		echo "# $t: exit status $rc"
		failed=$((failed + 1))
	fi
done
rm -f "$OUT"

# The state table check: every reachable (state, event) cell of
# /proc/net/toy_fsm was taken in some snapshot, and no "unreachable" one was.
# Columns: state event next actions hits [# reason].
fsm_coverage() {
	set -- "$FSM"/*
	[ -f "$1" ] || { echo "# no /proc/net/toy_fsm snapshot"; return 1; }
	awk '$1 == "state" { next }
	{ c = $1 " " $2; if (!(c in seen)) { seen[c] = 1; cell[++n] = c } }
	$3 == "unreachable" { never[c] = 1 }
	$5 > 0 { hit[c] = 1 }
	END {
		for (i = 1; i <= n; i++) {
			c = cell[i]
			if (c in never) {
				u++
				if (c in hit) { print "# unreachable cell taken: " c; bad++ }
			} else if (c in hit) {
				h++
			} else {
				print "# not exercised: " c; bad++
			}
		}
		printf "# state table: %d pairs defined, %d reachable, %d unreachable with a reason, %d exercised\n", n, n - u, u, h
		printf "%s - state table coverage: %d of %d reachable pairs exercised\n", bad ? "not ok " N : "ok " N, h, n - u
		exit bad != 0
	}' N=$((passed + failed + skipped + 1)) "$@"
}
echo "# ==== state table coverage"
if [ "$NARGS" -gt 0 ]; then
	echo "# skipped: a subset of the tests ran"
elif fsm_coverage; then
	passed=$((passed + 1))
else
	failed=$((failed + 1))
fi
rm -rf "$FSM"

echo "# toy-selftests: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
