#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Runs the AF_TOY selftests inside the VM (busybox sh, no bash): every
# harness binary, then toy_module.sh last (it unloads and reloads the
# module). Each program gets an overall timeout. Ends with
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
# unloads and reloads the module.
default_tests() {
	for f in "$HERE"/toy_*; do
		case ${f##*/} in
		*.sh | *.c) ;;
		*) [ -x "$f" ] && echo "${f##*/}" ;;
		esac
	done
	for f in "$HERE"/toy_*.sh; do
		[ "${f##*/}" = toy_module.sh ] || echo "${f##*/}"
	done
	echo toy_module.sh
}
TESTS=${*:-$(default_tests)}
OUT=${TMPDIR:-/tmp}/toy-selftest.$$

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
	run_limited "$prog" > "$OUT" 2>&1
	rc=$?
	cat "$OUT"
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

echo "# toy-selftests: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
