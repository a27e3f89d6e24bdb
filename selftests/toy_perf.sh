#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# toyperf, the smoke run of `make bench` (scripts/bench-guest.sh): each
# measurement once, 1 s, over AF_TOY and over TCP on loopback, with its
# JSON checked for a result, and toyperf's errors checked for their exit
# codes. Never fails on a rate, only on a measurement that could not be
# made or an answer of the wrong shape.
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=selftests/lib.sh
. "$HERE/lib.sh"
PERF=$(command -v toyperf 2>/dev/null || echo "${TOY_BIN_DIR:-/toy/bin}/toyperf")
TMP=${TMPDIR:-/tmp}/toy_perf.$$
PIDS=""

cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	rm -f "$TMP".*
}
trap cleanup EXIT

"$PERF" -s -p 5301 >"$TMP.srv" 2>&1 &
PIDS="$PIDS $!"
"$PERF" -s -p 5302 --tcp >"$TMP.srvt" 2>&1 &
PIDS="$PIDS $!"
# IPv6 twins, if IPv6 is up
if [ -e /proc/net/if_inet6 ]; then
	"$PERF" -s -B :: -p 5303 >"$TMP.srv6" 2>&1 &
	PIDS="$PIDS $!"
	"$PERF" -s -B :: -p 5304 --tcp >"$TMP.srvt6" 2>&1 &
	PIDS="$PIDS $!"
fi

# field JSON NAME: the number after "NAME": in JSON
field() {
	echo "$1" | sed -n "s/.*\"$2\": \([0-9.]*\).*/\1/p"
}

# positive VALUE: a number above zero
positive() {
	[ -n "$1" ] && awk -v v="$1" 'BEGIN { exit !(v > 0) }'
}

# measure NAME FIELD ARGS...: one run; ok if FIELD is positive (HOST:
# the client's -c, 127.0.0.1 unless set)
measure() {
	name=$1 f=$2
	shift 2
	tries=0
	until out=$("$PERF" -c "${HOST:-127.0.0.1}" -t 1 -J "$@" 2>"$TMP.err"); do
		tries=$((tries + 1))
		if [ "$tries" -ge 5 ]; then
			not_ok "$name: $(cat "$TMP.err")"
			return
		fi
		sleep 0.5	# the server may not listen yet
	done
	v=$(field "$out" "$f")
	if positive "$v"; then
		ok "$name: $f $v"
	else
		not_ok "$name: no $f in $out"
	fi
	diag "$out"
}

measure "toy stream" mbit_s -p 5301
measure "tcp stream" mbit_s -p 5302 --tcp
measure "toy rr" per_s -p 5301 --rr
measure "tcp rr" per_s -p 5302 --tcp --rr
measure "toy crr" per_s -p 5301 --crr
measure "toy stream, 2 flows, reno" jain -p 5301 -P 2 -C reno
measure "toy stream, intervals" mbit_s -p 5301 -i 250
if [ -e /proc/net/if_inet6 ]; then
	HOST=::1 measure "toy stream over IPv6" mbit_s -p 5303
	HOST=::1 measure "tcp stream over IPv6" mbit_s -p 5304 --tcp
	HOST=::1 measure "toy rr over IPv6" per_s -p 5303 --rr
fi

# Slab's growth over 200 sockets is a measurement, not a check: frees
# that RCU or kmemleak held back from earlier tests can outweigh it on
# the debug kernel. It must be there, a number.
out=$("$PERF" --idle 100 --rr -t 1 -J 2>"$TMP.err")
v=$(echo "$out" | sed -n 's/.*"slab_bytes_per_socket": \(-*[0-9][0-9]*\),.*/\1/p')
if [ -n "$v" ]; then
	ok "toy idle: $v slab bytes per socket"
else
	not_ok "toy idle: $out $(cat "$TMP.err")"
fi
# Where it went: the protocol's own cache (one object per socket) is
# among the caches that grew. SLUB counts a CPU's current slab as in use
# whole, so over 200 sockets the figure is coarse: present, not exact.
v=$(echo "$out" | sed -n 's/.*"caches": {[^}]*"TOY": \([0-9][0-9]*\).*/\1/p')
if [ -n "$v" ] && [ "$v" -ge 256 ]; then
	ok "toy idle: $v bytes of the TOY cache per socket"
else
	not_ok "toy idle: the TOY cache is not among the caches that grew: $out"
fi
for f in connects_per_s rr_per_s; do
	v=$(field "$out" "$f")
	if positive "$v"; then
		ok "toy idle: $f $v"
	else
		not_ok "toy idle: no $f in $out"
	fi
done

# Errors: 2 for usage, 1 for a measurement that cannot be made, named.
# expect_exit NAME CODE PATTERN ARGS...
expect_exit() {
	name=$1 code=$2 pat=$3
	shift 3
	"$PERF" "$@" >"$TMP.out" 2>&1
	rc=$?
	if [ "$rc" -eq "$code" ] && grep -q "$pat" "$TMP.out"; then
		ok "$name: exit $code"
	else
		not_ok "$name: exit $rc, $(cat "$TMP.out")"
	fi
}

expect_exit "-t 0" 2 "invalid time" -c 127.0.0.1 -p 5301 -t 0
expect_exit "-c and -s" 2 "exactly one" -c 127.0.0.1 -s
expect_exit "-C nosuch" 1 "nosuch" -c 127.0.0.1 -p 5301 -t 1 -C nosuch
expect_exit "no server" 1 "refused" -c 127.0.0.1 -p 5399 -t 1

tap_end
