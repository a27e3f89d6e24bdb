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
set -eu

PORT=7000
TMP=/tmp/demo
EVT=$TMP/evt
CTL=$TMP/ctl
TRACE=$TMP/handshake.trace
EXPORT=${TOY_EXPORT_DIR:-/tmp/toy-export}

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
		echo "close() sent a FIN; the server ACKed it. The client waits for the"
		echo "server's FIN (FIN-WAIT-2), the server waits for its program to close"
		echo "(CLOSE-WAIT)." ;;
	read-eof)
		echo "read() returning 0 is how a program learns the peer sent FIN." ;;
	close-server)
		echo "The server's FIN, ACKed by the client: the server side is gone. The"
		echo "client lingers in TIME-WAIT (here 200 ms) so that a late segment of"
		echo "this connection cannot be taken for part of a new one." ;;
	close-listener)
		echo "The listener is gone too; only TIME-WAIT may remain, for a moment." ;;
	*)
		echo "(unexpected step '$1')" ;;
	esac
}

cleanup() {
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
	explain "$tag" | sed 's/^/   /'
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
toytrace -r "$TRACE"

section "What the protocol counted: toyss -s"
toyss -s
