#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The `make demo` lesson, run inside the VM (toy.ko already loaded). toydemo
# makes one AF_TOY connection over loopback one system call at a time: after
# each call it prints what it did and waits for us, we say in one line what
# the kernel did and show the sockets as the kernel sees them (toyss -a),
# then let it go on. The whole run is traced, so the end shows the segments
# that crossed as a sequence diagram with their real numbers, and the
# protocol's counters. POSIX sh: the guest has dash and busybox.
#
# Synchronisation is a pair of FIFOs, never a sleep: toydemo writes a line to
# EVT after each call and blocks reading CTL until we answer.
#
# What a step says about states is what was seen: the explanation of a
# close waits (up to AWAIT_S) for the states it is about and, if they do
# not come, says what came instead. TIME-WAIT and an orphan's FIN-WAIT-2
# last TW_MS here, long enough to be seen on a slow machine, short enough
# to watch.
#
# For scripts/demo-check.sh: DEMO_BUSY=N keeps N CPUs busy during the run,
# DEMO_TW_MS sets TW_MS (1 shows the lesson when the orphan times out),
# and DEMO_CHECK=1 ends it with TAP lines that hold the narration to the
# diagram drawn from the same run's trace.
set -eu

PORT=7000
TMP=/tmp/demo
EVT=$TMP/evt
CTL=$TMP/ctl
TRACE=$TMP/handshake.trace
EXPORT=${TOY_EXPORT_DIR:-/tmp/toy-export}
TW_MS=${DEMO_TW_MS:-5000}
AWAIT_S=5
CPORT=
TOLD=		# what the close-server step said: timewait, rst or other
BUSY_PIDS=

section() {
	echo
	echo "==== $* ===="
	echo
}

# toyss -a, indented under the step it illustrates. The Process column is
# always empty here (-p is not asked for): drop its header.
sockets() {
	out=$(toyss -a | sed -e 's/ *Process *$//' -e 's/ *$//' -e 's/^/    /')
	if [ "$(echo "$out" | wc -l)" -le 1 ]; then
		echo "    (toyss -a: no AF_TOY socket has an address yet)"
	else
		echo "$out"
	fi
}

# The state of the socket with local port $1 and peer port $2 (0 for a
# listener's "*"), as toyss names it; "gone" if there is none.
state_of() {
	toyss -aH | awk -v l=":$1" -v r=":$2" '
		{ lp = $4; sub(/.*:/, ":", lp); rp = $5; sub(/.*:/, ":", rp)
		  if (rp == ":*") rp = ":0"
		  if (lp == l && rp == r) { print $1; found = 1; exit } }
		END { if (!found) print "gone" }'
}

# Waits up to AWAIT_S for the socket ($1, $2) to be in state $3; prints the
# state it is in then.
await_state() {
	_tries=$((AWAIT_S * 20))
	while :; do
		_st=$(state_of "$1" "$2")
		if [ "$_st" = "$3" ] || [ "$_tries" -le 0 ]; then
			echo "$_st"
			return
		fi
		_tries=$((_tries - 1))
		sleep 0.05
	done
}

# After close(): the client should be in FIN-WAIT-2, the server in CLOSE-WAIT.
explain_close() {
	c=$(await_state "$CPORT" "$PORT" FIN-WAIT-2)
	s=$(await_state "$PORT" "$CPORT" CLOSE-WAIT)
	if [ "$c" = FIN-WAIT-2 ] && [ "$s" = CLOSE-WAIT ]; then
		echo "close() sent a FIN; the server ACKed it. The client waits for the"
		echo "server's FIN (FIN-WAIT-2), the server waits for its program to close"
		echo "(CLOSE-WAIT)."
	else
		echo "close() sent a FIN. The client should now wait in FIN-WAIT-2 for the"
		echo "server's FIN and the server in CLOSE-WAIT for its program, but after"
		echo "${AWAIT_S} s the client is $c and the server $s."
	fi
}

# After the server's close(): the client should be in TIME-WAIT.
explain_close_server() {
	c=$(await_state "$CPORT" "$PORT" TIME-WAIT)
	case $c in
	TIME-WAIT)
		TOLD=timewait
		echo "The server's FIN, ACKed by the client: the server side is gone. The"
		echo "client lingers in TIME-WAIT (here $(cat /sys/module/toy/parameters/timewait_ms) ms; 60 s by default) so that a"
		echo "late segment of this connection cannot be taken for part of a new one." ;;
	gone)
		TOLD=rst
		echo "The server sent its FIN, but the client's side was already gone: an"
		echo "orphan waits in FIN-WAIT-2 only timewait_ms ($(cat /sys/module/toy/parameters/timewait_ms) ms) for it, and this"
		echo "machine was slower than that. The FIN met no connection and was"
		echo "answered with RST (see the diagram below)." ;;
	*)
		TOLD=other
		echo "The server sent its FIN; the client should have ACKed it and entered"
		echo "TIME-WAIT, but after ${AWAIT_S} s it is $c." ;;
	esac
}

# The one-line explanation of what the kernel did in step $1 (toydemo's tag).
explain() {
	case $1 in
	socket)
		echo "A socket is only a file descriptor so far: no address, no state"
		echo "the kernel lists, so toyss shows nothing." ;;
	bind)
		echo "The socket now owns 127.0.0.1:$PORT. Nothing was sent; it is"
		echo "neither listening nor connected (ss calls that UNCONN)." ;;
	listen)
		echo "LISTEN: the kernel will now answer connection requests to port"
		echo "$PORT by itself. Send-Q shows the backlog (8)." ;;
	socket-client)
		echo "The client's socket: again nothing to list until it has a port." ;;
	connect)
		echo "The three-way handshake: SYN (client -> server), SYN|ACK (server ->"
		echo "client), ACK (client -> server). Both ends are ESTABLISHED, and the"
		echo "new connection waits in the listener's queue (its Recv-Q is 1)"
		echo "until the program calls accept(). The kernel picked the client's port."
		echo "Both SYNs carry SACKOK: the two ends agree to selective"
		echo "acknowledgments, which repair many losses per round trip." ;;
	accept)
		echo "accept() only takes the connection out of the queue: nothing crosses"
		echo "the wire, the listener's Recv-Q is back to 0." ;;
	write)
		echo "One segment carried the 6 bytes and the server's kernel acknowledged"
		echo "them at once: they wait in the server's receive queue (Recv-Q 6)"
		echo "until the program reads them." ;;
	read)
		echo "read() took the bytes from the kernel's queue: Recv-Q is 0 again." ;;
	write-back)
		echo "The same in the other direction: 6 bytes to the client, ACKed;"
		echo "they wait in the client's Recv-Q." ;;
	read-back)
		echo "The client has its echo. Both queues are empty." ;;
	close)
		explain_close ;;
	read-eof)
		echo "read() returning 0 is how a program learns the peer sent FIN." ;;
	close-server)
		explain_close_server ;;
	close-listener)
		if [ "$(state_of "$CPORT" "$PORT")" = TIME-WAIT ]; then
			echo "The listener is gone too; only the client's TIME-WAIT remains,"
			echo "until its timer runs out."
		else
			echo "The listener is gone too: no socket of this demo is left."
		fi ;;
	*)
		echo "(unexpected step '$1')" ;;
	esac
}

cleanup() {
	# shellcheck disable=SC2086 # a list of PIDs
	[ -z "$BUSY_PIDS" ] || kill $BUSY_PIDS 2>/dev/null || true
	exec 3<&- 4>&- 2>/dev/null || true
	rm -rf "$TMP"
}
trap cleanup EXIT

section "AF_TOY, a teaching stream protocol"
echo "toy.ko is loaded: socket(AF_TOY = $(cat /sys/module/toy/parameters/family)," \
	"SOCK_STREAM, 0) makes a Toy"
echo "socket; its segments travel in IPv4 packets of protocol" \
	"$(cat /sys/module/toy/parameters/ipproto)."
echo "toydemo plays both server and client, one system call at a time. After"
echo "each call: what the kernel did, and the sockets it knows (toyss -a)."

# TIME-WAIT and an orphan's FIN-WAIT-2 long enough to be seen (TW_MS).
if [ "$(cat /sys/module/toy/parameters/timewait_ms)" != "$TW_MS" ]; then
	rmmod toy && insmod /toy/toy.ko timewait_ms="$TW_MS"
fi

i=0
while [ "$i" -lt "${DEMO_BUSY:-0}" ]; do
	(while :; do :; done) &
	BUSY_PIDS="$BUSY_PIDS $!"
	i=$((i + 1))
done

section "One connection, step by step"
mkdir -p "$TMP" "$EXPORT"
mkfifo "$EVT" "$CTL"
# toytrace records the toy:* tracepoints while toydemo runs; -q: the
# diagram is drawn later from the saved trace, -o keeps an SVG for the host.
toytrace -q -s "$TRACE" -o "$EXPORT/handshake.svg" -- \
	toydemo -p "$PORT" <"$CTL" >"$EVT" &
demo=$!
# Same order as toydemo's redirections (CTL, then EVT), or both block.
exec 4>"$CTL"
exec 3<"$EVT"
n=0
while IFS= read -r line <&3; do
	tag=${line%%]*}
	tag=${tag#\[}
	n=$((n + 1))
	# printf, not echo: dash's echo would turn toydemo's \n into a newline.
	printf '%s\n' "$n. ${line#*] }"
	if [ "$tag" = error ]; then
		break
	fi
	case $tag in
	accept)	# "... the client is 127.0.0.1:50604"
		CPORT=${line##*:} ;;
	esac
	# Not in a pipeline: explain() notes what it told (TOLD).
	explain "$tag" >"$TMP/explain"
	sed 's/^/   /' "$TMP/explain"
	sockets
	echo
	echo >&4
done
exec 3<&- 4>&-
wait "$demo" || { echo "toydemo failed"; exit 1; }

section "The segments that crossed, drawn by toytrace"
echo "Client on the left, server on the right; time goes down. seq numbers"
echo "count bytes (a SYN and a FIN count as one), ack says \"I have everything"
echo "before this\". The first ones are random: each side's ISN."
echo
toytrace -r "$TRACE" >"$TMP/diagram"
cat "$TMP/diagram"

# plural N ONE MANY
plural() {
	if [ "$1" = 1 ]; then echo "$2"; else echo "$3"; fi
}

# The window chapter: a transfer over a path with a delay and some loss,
# its congestion window traced (toy_cwnd) and told from what was traced.
cwnd_chapter() {
	section "Congestion control: slow start and the repair of a loss"
	echo "A second connection, between two network namespaces joined by a"
	echo "virtual cable that delays each packet ${CW_DELAY} ms and drops ${CW_LOSS} of"
	echo "the data. The client sends for ${CW_SECS} s with toyperf; the kernel's"
	echo "congestion control (CUBIC) decides how many segments may be in flight"
	echo "(cwnd), and toytrace records every change of it."
	echo
	ip netns add demo-a && ip netns add demo-b
	ip link add demo0 netns demo-a type veth peer name demo1 netns demo-b
	ip -n demo-a addr add 10.78.0.1/24 dev demo0
	ip -n demo-b addr add 10.78.0.2/24 dev demo1
	ip -n demo-a link set demo0 up
	ip -n demo-b link set demo1 up
	ip netns exec demo-a tc qdisc add dev demo0 root netem \
		delay "${CW_DELAY}ms" loss "$CW_LOSS"
	ip netns exec demo-b tc qdisc add dev demo1 root netem \
		delay "${CW_DELAY}ms"
	ip netns exec demo-b toyperf -s -p 5201 >/dev/null 2>&1 &
	CW_SRV=$!
	tries=0
	until toytrace -c "$EXPORT/cwnd.svg" -- ip netns exec demo-a \
		toyperf -c 10.78.0.2 -p 5201 -t "$CW_SECS" --buf 1048576 \
		>"$TMP/cwnd" 2>"$TMP/cwnd.err"; do
		tries=$((tries + 1))
		if [ "$tries" -ge 5 ]; then	# the server may not listen yet
			cat "$TMP/cwnd.err"
			kill "$CW_SRV"
			return 1
		fi
		sleep 1
	done
	kill "$CW_SRV"
	ip netns del demo-a
	ip netns del demo-b
	# toyperf's line, then toytrace's for the client's window
	grep '^flow  0' "$TMP/cwnd" | sed 's/^flow  0: /toyperf: /'
	line=$(grep '^cwnd 10.78.0.1:' "$TMP/cwnd" | head -1)
	echo "toytrace: $line"
	echo
	CW_HI=$(echo "$line" | sed -n 's/.*cwnd [0-9]*\.\.\([0-9]*\) segments.*/\1/p')
	CW_FR=$(echo "$line" | sed -n 's/.* \([0-9]*\) fast recover.*/\1/p')
	CW_RTO=$(echo "$line" | sed -n 's/.* \([0-9]*\) RTO.*/\1/p')
	echo "The window started at 10 segments (RFC 6928) and, in slow start,"
	echo "grew by one segment per segment acknowledged: it doubles every round"
	echo "trip. It reached ${CW_HI:-?} segments in this run."
	if [ "${CW_FR:-0}" -gt 0 ]; then
		echo "$CW_FR $(plural "$CW_FR" time times) the receiver's SACK blocks showed a hole: fast"
		echo "recovery resent it at once and cut the window to 0.7 of itself"
		echo "(CUBIC's beta), the ssthresh line; then it grew back along CUBIC's"
		echo "curve, fast at first, slowly near the old maximum: the sawtooth."
	else
		echo "No loss was repaired by fast recovery in this run: the window"
		echo "only grew (the receiver's window, not loss, held it)."
	fi
	if [ "${CW_RTO:-0}" -gt 0 ]; then
		echo "$CW_RTO $(plural "$CW_RTO" time times) the retransmission timer fired: the window fell"
		echo "to one segment, and slow start began again."
	fi
	echo
	echo "The picture is docs/cwnd.svg (cwnd solid, ssthresh dashed, a"
	echo "triangle at each fast recovery, a cross at each RTO)."
}
CW_DELAY=10
CW_LOSS=0.5%
CW_SECS=2
CW_FR=
cwnd_chapter || { echo "the congestion window chapter failed"; exit 1; }

section "What the protocol counted: toyss -s"
toyss -s

section "The state machine, drawn from the module's own table"
toytrace -f "$EXPORT/fsm.svg" >/dev/null || { echo "toytrace -f failed"; exit 1; }
echo "Every state change above went through one table, module/fsm.c's, which"
echo "/proc/net/toy_fsm prints with how often each row was taken (in this"
echo "network namespace: the window chapter's namespaces count their own)."
echo "This run took these rows (state, event, actions, next state, times):"
echo
awk 'NR > 1 && $3 != "unreachable" && $5 > 0 {
	printf "  %-12s %-10s %-24s -> %-12s x%s\n", $1, $2, $4, $3, $5 }' /proc/net/toy_fsm
FSM_ALL=$(awk 'NR > 1 && $3 != "unreachable"' /proc/net/toy_fsm | wc -l)
FSM_TAKEN=$(awk 'NR > 1 && $3 != "unreachable" && $5 > 0' /proc/net/toy_fsm | wc -l)
echo
echo "That is $FSM_TAKEN of the table's $FSM_ALL transitions. The picture is"
echo "docs/fsm.svg: every transition an arrow labelled event/actions, the"
echo "ones this run took in red, with their counts."

[ "${DEMO_CHECK:-0}" = 1 ] || exit 0
# The narration against the diagram of the same run.
section "demo-check"
failed=0
tap() {
	if [ "$1" = 0 ]; then echo "ok $2 - $3"; else
		echo "not ok $2 - $3"; failed=$((failed + 1)); fi
}
r=0; [ "$n" -eq 14 ] || r=1
tap "$r" 1 "the demo made all 14 steps (made $n)"
r=0
case $TOLD in
timewait)
	grep -q 'TIME_WAIT' "$TMP/diagram" || r=1
	! grep -q 'RST' "$TMP/diagram" || r=1
	tap "$r" 2 "told TIME-WAIT: the diagram has the client's TIME_WAIT and no RST" ;;
rst)
	grep -q 'RST' "$TMP/diagram" || r=1
	tap "$r" 2 "told the FIN met RST: the diagram has the RST" ;;
*)
	tap 1 2 "the close was told as it was seen (${TOLD:-nothing}), not as the lesson has it" ;;
esac
r=0
grep -q '<polyline class="cwnd"' "$EXPORT/cwnd.svg" || r=1
[ -n "$CW_FR" ] || r=1
tap "$r" 3 "the window chapter drew cwnd.svg and told ${CW_FR:-no} fast recoveries from its trace"
# The drawing against the table it was drawn from, and what was told.
r=0
[ "$(grep -o 'class="cell' "$EXPORT/fsm.svg" | wc -l)" -eq "$FSM_ALL" ] || r=1
[ "$(grep -o 'class="cell taken"' "$EXPORT/fsm.svg" | wc -l)" -eq "$FSM_TAKEN" ] || r=1
[ "$FSM_TAKEN" -gt 0 ] || r=1
tap "$r" 4 "fsm.svg draws the table's $FSM_ALL transitions and highlights the $FSM_TAKEN told"
echo "1..4"
[ "$failed" -eq 0 ]
