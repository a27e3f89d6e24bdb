#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Small queues (module/tsq.c): an AF_TOY sender whose own qdisc is the
# bottleneck keeps its data in its write queue, not in the qdisc. Two
# namespaces joined by a veth whose sending side has a 20 Mbit/s tbf
# (TOY_TSQ_MBIT: the debug kernel cannot send that much, so it asks for 2)
# with room for 8 MB (so nothing is ever dropped); toyperf sends for 3 s with
# 4 MB buffers, once with the default limit_output_bytes and once with 0
# (no limit), while the tbf's backlog is sampled. With the limit the
# backlog stays near two skbs and one run (under 256 KB) and TSQThrottled
# counts; without it the backlog grows with the congestion window (at
# least 4 times as high and over 64 KB; 10 times on 6.12), which shows
# that the measure can see the difference. Both runs
# must keep the link busy: the limit holds data back, it must not starve
# the link (at least 40% of the rate, a bound far from what a stalled
# sender gets, so a busy host does not fail it). Then senders are killed
# while the tbf holds their data, and the data freed under orphans and
# destroyed sockets ("closing while the qdisc holds the data", below).
# Prints TAP.
#
# Environment: toyperf on PATH or in TOY_BIN_DIR; toy.ko loaded; tc,
# veth and sch_tbf.
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=selftests/lib.sh
. "$HERE/lib.sh"
PERF=$(command -v toyperf 2>/dev/null || echo "${TOY_BIN_DIR:-/toy/bin}/toyperf")
TMP=${TMPDIR:-/tmp}/toy_tsq.$$
NA=toy-tsq-a
NB=toy-tsq-b
BUF=4194304
MBIT=${TOY_TSQ_MBIT:-20}
BUSY=$(awk -v m="$MBIT" 'BEGIN { print m * 0.4 }')
PIDS=""

cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	ip netns del "$NA" 2>/dev/null
	ip netns del "$NB" 2>/dev/null
	[ -n "${LIMIT0:-}" ] && echo "$LIMIT0" >"$TOY_PARAMS/limit_output_bytes"
	[ -n "${TW0:-}" ] && echo "$TW0" >"$TOY_PARAMS/timewait_ms"
	rm -f "$TMP".*
}
trap cleanup EXIT

if ! loaded || [ ! -w "$TOY_PARAMS/limit_output_bytes" ]; then
	not_ok "toy.ko with a writable limit_output_bytes"
	tap_end
	exit 1
fi
LIMIT0=$(param limit_output_bytes)

modprobe sch_tbf 2>/dev/null
veth_pair "$NA" "$NB" 10.9.0 &&
	ip netns exec "$NA" tc qdisc add dev a0 root tbf rate "${MBIT}mbit" \
		burst 16kb limit 8mb
check "namespaces, veth and a $MBIT Mbit/s tbf" [ $? -eq 0 ]

ip netns exec "$NB" "$PERF" -s -B 10.9.0.2 -p 5401 --buf "$BUF" \
	>"$TMP.srv" 2>&1 &
SRV=$!
PIDS="$PIDS $SRV"

# backlog: the tbf's backlog now, in bytes
backlog() {
	ip netns exec "$NA" tc -s qdisc show dev a0 |
		sed -n 's/.* backlog \([0-9]*\)b.*/\1/p' | head -n 1
}

# dropped: the packets the tbf dropped so far
dropped() {
	ip netns exec "$NA" tc -s qdisc show dev a0 |
		sed -n 's/.*(dropped \([0-9]*\),.*/\1/p' | head -n 1
}

# counter NAME: a counter of /proc/net/toy_stat in the sender's namespace
counter() { ns_counter "$NA" "$1"; }

# run LIMIT: one 3 s transfer with limit_output_bytes=LIMIT; sets MAXQ
# (the largest backlog seen), RATE (Mbit/s), THROTTLED, RETRANS, RTOS
# (RtoExpires) and DROPS (the tbf's)
run() {
	echo "$1" >"$TOY_PARAMS/limit_output_bytes"
	th0=$(counter TSQThrottled) rt0=$(counter RetransSegs)
	rto0=$(counter RtoExpires) dr0=$(dropped)
	stats "$NA" >"$TMP.a0"
	stats "$NB" >"$TMP.b0"
	tries=0
	while :; do
		ip netns exec "$NA" "$PERF" -c 10.9.0.2 -p 5401 -t 3 -J \
			--buf "$BUF" >"$TMP.out" 2>"$TMP.err" &
		pid=$!
		MAXQ=0
		while kill -0 "$pid" 2>/dev/null; do
			q=$(backlog)
			[ -n "$q" ] && [ "$q" -gt "$MAXQ" ] && MAXQ=$q
			sleep 0.05
		done
		wait "$pid" && break
		tries=$((tries + 1))
		[ "$tries" -lt 5 ] || break
		sleep 0.5	# the server may not listen yet
	done
	RATE=$(sed -n 's/.*"mbit_s": \([0-9.]*\).*/\1/p' "$TMP.out")
	THROTTLED=$(($(counter TSQThrottled) - th0))
	RETRANS=$(($(counter RetransSegs) - rt0))
	RTOS=$(($(counter RtoExpires) - rto0))
	DROPS=$(($(dropped) - dr0))
	stats "$NA" >"$TMP.a1"
	stats "$NB" >"$TMP.b1"
	diag "limit_output_bytes=$1: moved: sender $(moved "$TMP.a0" "$TMP.a1"), receiver $(moved "$TMP.b0" "$TMP.b1")"
	diag "limit_output_bytes=$1: ${RATE:-?} Mbit/s, tbf backlog at most $MAXQ B," \
		"TSQThrottled +$THROTTLED, RetransSegs +$RETRANS, RtoExpires +$RTOS," \
		"tbf dropped +$DROPS $(cat "$TMP.err")"
}

# stats NS: the module's counters in NS, one "name value" a line
stats() {
	ip netns exec "$1" cat /proc/net/toy_stat |
		awk 'NR == 1 { for (i = 2; i <= NF; i++) c[i] = $i }
		     NR == 2 { for (i = 2; i <= NF; i++) print c[i], $i }'
}

# moved BEFORE AFTER: "name=+delta" of each counter that changed
moved() {
	paste "$1" "$2" | awk '$4 != $2 { printf "%s=+%d ", $1, $4 - $2 }'
}

# at_least VALUE MIN: VALUE is a number >= MIN
at_least() {
	[ -n "$1" ] && awk -v v="$1" -v m="$2" 'BEGIN { exit !(v >= m) }'
}

run "$LIMIT0"
LIMITED=$MAXQ
check "limit $LIMIT0: the transfer ran" at_least "$RATE" 0.01
check "limit $LIMIT0: the link stayed busy (>= $BUSY Mbit/s)" at_least "$RATE" "$BUSY"
check "limit $LIMIT0: tbf backlog under 256 KB ($MAXQ B)" [ "$MAXQ" -lt 262144 ]
check "limit $LIMIT0: TSQThrottled counted ($THROTTLED)" [ "$THROTTLED" -gt 0 ]
# The limit keeps the data out of the tbf, so the tbf drops nothing.
# Retransmissions are reported with every counter that moved on either
# side, not judged: the path may reorder. With the limit, the tasklet on
# one CPU and the sender on the other both run the tbf, and each hands
# what it dequeues to its own CPU's backlog (veth, no RPS): on 6.1 a run
# showed the receiver's OfoQueued +1, the sender's SackRetrans +6, and
# the receiver's DupSegs and the sender's DsackRecv +7, i.e. one segment
# overtaken and its neighbours resent needlessly, which D-SACK reported.
# A stalled guest can also let the RTO fire (another run: 7 after a
# timeout).
check "limit $LIMIT0: the tbf dropped nothing ($DROPS)" [ "$DROPS" -eq 0 ]

run 0
check "no limit: the transfer ran" at_least "$RATE" 0.01
check "no limit: the link stayed busy (>= $BUSY Mbit/s)" at_least "$RATE" "$BUSY"
check "no limit: tbf backlog 4 times as high, and over 64 KB ($MAXQ B)" \
	[ "$MAXQ" -ge $((4 * LIMITED)) ] && [ "$MAXQ" -gt 65536 ]
check "no limit: TSQThrottled not counted ($THROTTLED)" [ "$THROTTLED" -eq 0 ]
# Retransmissions without the limit are reported (diag above), not judged:
# that is the behaviour before small queues (on 6.1, a few per run).

# ---- closing while the qdisc holds the data ---------------------------------
#
# Each skb below a socket holds its truesize of sk_wmem_alloc, which keeps
# the struct sock (and the module) alive after the socket is gone; its
# destructor (toy_tsq_wfree()) may then run on an orphan, or on a socket
# already destroyed, from the qdisc's reset as well as from the device.
# STRESS_FLOWS senders fill the tbf, are killed (orphans with data queued
# and below), and then, per round:
#   purge    the qdisc is deleted under the orphans (their skbs freed at
#            once, throttled ones pushed by the tasklet);
#   reset    the server is killed: its RSTs destroy the orphans while the
#            tbf still holds their skbs, which the qdisc's deletion frees
#            afterwards, the last unit of each socket with them.
# Round by round with limit_output_bytes 0 (megabytes in the tbf) and the
# default (throttled sockets on the tasklet's list when they die). In the
# end no socket is left and the module's reference count is what it was;
# the debug kernel's KASAN and lockdep watch every step.
STRESS_FLOWS=8

# sockets_a: AF_TOY sockets in the senders' namespace
# (nothing, which no check takes for 0, if the file cannot be read)
sockets_a() {
	ip netns exec "$NA" awk 'NR > 1 { n++ } END { print n + 0 }' \
		/proc/net/toy
}

# wait_until TENTHS CMD...: CMD succeeds within TENTHS tenths of a second
wait_until() {
	_t=$1
	shift
	while ! "$@"; do
		_t=$((_t - 1))
		[ "$_t" -gt 0 ] || return 1
		sleep 0.1
	done
}

no_sockets_a() { [ "$(sockets_a)" -eq 0 ]; }
backlog_over() { q=$(backlog); [ -n "$q" ] && [ "$q" -gt "$1" ]; }
listening() {
	ip netns exec "$NB" awk 'NR > 1 && $4 == "0A" { f = 1 } END { exit !f }' \
		/proc/net/toy
}
refcnt_is() { [ "$(cat /sys/module/toy/refcnt)" -eq "$1" ]; }

start_server() {
	ip netns exec "$NB" "$PERF" -s -B 10.9.0.2 -p 5401 --buf "$BUF" \
		>"$TMP.srv" 2>&1 &
	SRV=$!
	PIDS="$PIDS $SRV"
	wait_until 100 listening
}

tbf_add() {
	ip netns exec "$NA" tc qdisc add dev a0 root tbf rate "${MBIT}mbit" \
		burst 16kb limit 8mb
}

# stress_round HOW LIMIT: one round as described above
stress_round() {
	how=$1
	echo "$2" >"$TOY_PARAMS/limit_output_bytes"
	cpids=""
	i=0
	while [ "$i" -lt "$STRESS_FLOWS" ]; do
		ip netns exec "$NA" "$PERF" -c 10.9.0.2 -p 5401 -t 60 \
			--buf "$BUF" >/dev/null 2>&1 &
		cpids="$cpids $!"
		i=$((i + 1))
	done
	# with no limit, megabytes; with it, at least a little
	want=1048576
	[ "$2" -eq 0 ] || want=16384
	wait_until 300 backlog_over "$want"
	held=$?
	q=$(backlog)
	for p in $cpids; do kill -9 "$p" 2>/dev/null; done
	for p in $cpids; do wait "$p" 2>/dev/null; done
	check "stress $how limit $2: the tbf held the senders' data (${q:-?} B > $want)" \
		[ "$held" -eq 0 ]
	if [ "$how" = reset ]; then
		kill -9 "$SRV" 2>/dev/null
		wait "$SRV" 2>/dev/null
		wait_until 300 no_sockets_a
		r=$?
		check "stress $how limit $2: the server's resets destroyed the orphans ($(sockets_a) left)" \
			[ "$r" -eq 0 ]
		diag "stress $how limit $2: tbf backlog ${q:-?} B then, $(backlog) B now"
	fi
	ip netns exec "$NA" tc qdisc del dev a0 root
	wait_until 600 no_sockets_a
	r=$?
	check "stress $how limit $2: no socket left after the purge ($(sockets_a))" \
		[ "$r" -eq 0 ]
	tbf_add
	[ "$how" = reset ] && start_server
}

# The server's listener is the only socket now: the transfers' TIME-WAIT
# ones go within timewait_ms, which run_tests.sh sets to 200 ms (set here
# too, for a run of this script alone).
TW0=$(param timewait_ms)
echo 200 >"$TOY_PARAMS/timewait_ms"
wait_until 300 no_sockets_a
r=$?
check "stress: the first part's sockets are gone ($(sockets_a) left)" \
	[ "$r" -eq 0 ]
REF0=$(cat /sys/module/toy/refcnt)
for limit in 0 "$LIMIT0"; do
	stress_round purge "$limit"
	stress_round reset "$limit"
done
echo "$LIMIT0" >"$TOY_PARAMS/limit_output_bytes"
wait_until 300 refcnt_is "$REF0"
r=$?
check "stress: the module's reference count is back to $REF0 ($(cat /sys/module/toy/refcnt))" \
	[ "$r" -eq 0 ]

tap_end
