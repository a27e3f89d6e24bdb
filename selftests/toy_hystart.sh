#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# HyStart++ (RFC 9406, module/cong.c) on a real queue: the first slow
# start of a transfer into a bottleneck ends when the queue it builds
# raises the RTT. Two namespaces joined by a veth whose sending side
# delays by 40 ms (netem) and then limits to TOY_HYSTART_MBIT Mbit/s (tbf,
# default 20; the debug kernel cannot send that much and asks for 2), with
# room for 8 MB, so that the queue grows and nothing is dropped. One 3 s
# transfer with hystart=Y: HystartDelayDetect counts in the sender's
# namespace, and HystartDelayCwnd says the window then was at least the
# initial one (10 segments) and not past what the queue could hold; the
# same with hystart_css_rounds=5 (RFC 9406's conservative slow start
# after the rise; the default, 0, ends slow start there), which takes 0
# to 100 and refuses 101. One with hystart=N: neither counts, which shows
# that it was HyStart++ and not the path. Prints TAP.
#
# Environment: toyperf on PATH or in TOY_BIN_DIR; toy.ko loaded; tc,
# veth, sch_netem and sch_tbf.
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=selftests/lib.sh
. "$HERE/lib.sh"
PERF=$(command -v toyperf 2>/dev/null || echo "${TOY_BIN_DIR:-/toy/bin}/toyperf")
TMP=${TMPDIR:-/tmp}/toy_hystart.$$
NA=toy-hs-a
NB=toy-hs-b
MBIT=${TOY_HYSTART_MBIT:-20}
# 8 MB of queue, in segments of 1456 bytes: no window at detection is
# larger than the path and the queue together
MAXCWND=$((8 * 1024 * 1024 / 1456 + MBIT * 1000 * 40 / 8 / 1456))
SRV=""

cleanup() {
	[ -n "$SRV" ] && kill "$SRV" 2>/dev/null
	wait 2>/dev/null
	ip netns del "$NA" 2>/dev/null
	ip netns del "$NB" 2>/dev/null
	[ -n "${HS0:-}" ] && echo "$HS0" >"$TOY_PARAMS/hystart"
	[ -n "${CSS0:-}" ] && echo "$CSS0" >"$TOY_PARAMS/hystart_css_rounds"
	rm -f "$TMP".*
}
trap cleanup EXIT

if ! loaded || [ ! -w "$TOY_PARAMS/hystart" ]; then
	not_ok "toy.ko with a writable hystart parameter"
	tap_end
	exit 1
fi
HS0=$(param hystart)
CSS0=$(param hystart_css_rounds)
check "hystart_css_rounds is 0 by default ($CSS0)" [ "$CSS0" = 0 ]
# the shell's own redirection error, not the write's, if run as a non-root
if (echo 101 >"$TOY_PARAMS/hystart_css_rounds") 2>/dev/null; then
	not_ok "hystart_css_rounds=101 refused"
else
	check "hystart_css_rounds=101 refused, 0 kept" \
		[ "$(param hystart_css_rounds)" = 0 ]
fi

modprobe sch_netem 2>/dev/null
modprobe sch_tbf 2>/dev/null
veth_pair "$NA" "$NB" 10.9.1 &&
	ip netns exec "$NA" tc qdisc add dev a0 root handle 1: netem \
		delay 40ms limit 100000 &&
	ip netns exec "$NA" tc qdisc add dev a0 parent 1: handle 2: tbf \
		rate "${MBIT}mbit" burst 16kb limit 8mb
check "namespaces, veth, 40 ms and a $MBIT Mbit/s tbf" [ $? -eq 0 ]

ip netns exec "$NB" "$PERF" -s -B 10.9.1.2 -p 5411 >"$TMP.srv" 2>&1 &
SRV=$!

# run Y|N: one 3 s transfer with hystart=Y|N; sets DETECT and CWND (the
# deltas of HystartDelayDetect and HystartDelayCwnd) and RETRANS
run() {
	echo "$1" >"$TOY_PARAMS/hystart"
	d0=$(ns_counter "$NA" HystartDelayDetect)
	c0=$(ns_counter "$NA" HystartDelayCwnd)
	r0=$(ns_counter "$NA" RetransSegs)
	tries=0
	# the server may not listen yet: a refused connection is retried
	until ip netns exec "$NA" "$PERF" -c 10.9.1.2 -p 5411 -t 3 -J \
		>"$TMP.out" 2>"$TMP.err"; do
		tries=$((tries + 1))
		[ "$tries" -lt 5 ] || break
		sleep 0.5
	done
	DETECT=$(($(ns_counter "$NA" HystartDelayDetect) - d0))
	CWND=$(($(ns_counter "$NA" HystartDelayCwnd) - c0))
	RETRANS=$(($(ns_counter "$NA" RetransSegs) - r0))
	diag "hystart=$1: $(sed -n 's/.*"mbit_s": \([0-9.]*\).*/\1/p' "$TMP.out") Mbit/s," \
		"HystartDelayDetect +$DETECT, HystartDelayCwnd +$CWND," \
		"RetransSegs +$RETRANS $(cat "$TMP.err")"
}

# detected CASE: the checks of a transfer in which HyStart++ was on
detected() {
	if [ "$DETECT" -ge 1 ]; then
		ok "$1: the RTT's rise ended slow start ($DETECT times)"
		per=$((CWND / DETECT))
		check "$1: the window then, $per segments, is within 10..$MAXCWND" \
			test "$per" -ge 10 -a "$per" -le "$MAXCWND"
	else
		not_ok "$1: HystartDelayDetect did not count"
	fi
}

run Y
detected "hystart=Y"
echo 5 >"$TOY_PARAMS/hystart_css_rounds"
check "hystart_css_rounds=5 taken" [ "$(param hystart_css_rounds)" = 5 ]
run Y
detected "hystart=Y hystart_css_rounds=5"
echo "$CSS0" >"$TOY_PARAMS/hystart_css_rounds"

run N
check "hystart=N: HystartDelayDetect stays (+$DETECT)" [ "$DETECT" -eq 0 ]
check "hystart=N: HystartDelayCwnd stays (+$CWND)" [ "$CWND" -eq 0 ]

tap_end
