#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# One end of the two-host test: scripts/wire.sh boots two guests, each on
# its own Debian kernel, joined by a virtio-net NIC on a QEMU dgram netdev
# (MTU 1500), and runs this script in both. Prints TAP.
#
#   wire_peer.sh ROLE SELF PEER BYTES LOSS_BYTES LOSS SELF6 PEER6 PEERLL
#
# ROLE is a or b; SELF and PEER are the two IPv4 addresses (a /24), SELF6
# and PEER6 IPv6 ones (a /64), PEERLL the peer's link-local address. There
# are four rounds: IPv4 with a as the client and b the server, then the
# reverse, then the same two over IPv6 (where the handshake goes to the
# peer's link-local address, scope %eth0). Both ends walk the same steps,
# and every step is a connection between them, so neither end can run
# ahead of the other. The client of a round:
#
#   handshake  toycat -z to the server's toycat -l; retried until the
#              server listens (it may still be booting)
#   transfer   util_xfer, BYTES up, then BYTES down: every byte checked
#              against the generator, both hashes compared, MSS 1456
#              (1500 - 20 - 24; over IPv6 1436) on both ends
#   half-close toycat sends "ping" and shuts down its side; the server
#              answers only after it has read that EOF, with what it read
#              and its kernel's release
#   refused    toycat -z to a port nobody listens on: the peer's RST,
#              "Connection refused"
#   reset      the server aborts the connection (SO_LINGER 0): toycat reads
#              "Connection reset by peer"
#   lossy      netem drops LOSS of what leaves the client's NIC, while
#              util_xfer moves LOSS_BYTES both ways at once: intact, and
#              the client retransmitted (what netem dropped of its data)
#   done       toycat -z: the round is over, the server checks its side
#
# The server checks each of its listeners' results after "done". At the
# end both ends check their counters: no checksum error and no malformed
# segment came from the other kernel. scripts/wire.sh checks the capture.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=selftests/lib.sh
. "$HERE/lib.sh"

ROLE=${1:?role a or b}
SELF=${2:?own address}
PEER=${3:?peer address}
BYTES=${4:-4194304}
LOSS_BYTES=${5:-1048576}
LOSS=${6:-2%}
SELF6=${7:?own IPv6 address}
PEER6=${8:?peer IPv6 address}
PEERLL=${9:?peer link-local address}
DEV=eth0
# Deadline for the peer to appear: it boots at the same time, but under TCG
# on a loaded host it can be minutes later, and vm.sh boots it once more if
# its kernel died early.
PEER_WAIT=${TOY_WIRE_PEER_WAIT:-400}
TMP=$(mktemp -d)
XFER=$HERE/util_xfer

# Wait until "$@" succeeds, for at most $1 seconds (tries every 0.2 s).
retry() {
	_secs=$1
	shift
	_end=$(($(date +%s) + _secs))
	until "$@"; do
		[ "$(date +%s)" -lt "$_end" ] || return 1
		sleep 0.2
	done
}

# Wait for background job $1 for at most $2 seconds, then kill it (and
# every toycat: its own is in a pipeline inside it); its
# exit status, or 124 if it had to be killed.
wait_pid() {
	_end=$(($(date +%s) + $2))
	while kill -0 "$1" 2>/dev/null; do
		if [ "$(date +%s)" -ge "$_end" ]; then
			kill "$1" 2>/dev/null
			killall toycat 2>/dev/null	# the test has failed: free the pipe
			wait "$1" 2>/dev/null
			return 124
		fi
		sleep 0.2
	done
	wait "$1"
}

# A value of /proc/net/toy_stat (header and value lines, as /proc/net/snmp).
stat_of() {
	awk -v k="$1" '$1 == "Toy:" && !h { for (i = 2; i <= NF; i++) name[i] = $i; h = 1; next }
		$1 == "Toy:" { for (i = 2; i <= NF; i++) if (name[i] == k) print $i }' \
		/proc/net/toy_stat
}

# --- the NIC ---------------------------------------------------------------

# No duplicate address detection: the addresses are usable at once.
echo 0 >/proc/sys/net/ipv6/conf/default/accept_dad
modprobe virtio_pci 2>/dev/null	# built in on 6.12
modprobe virtio_net || diag "modprobe virtio_net failed"
retry 20 test -e /sys/class/net/$DEV
drv=$(basename "$(readlink /sys/class/net/$DEV/device/driver 2>/dev/null)" 2>/dev/null)
check "$ROLE: $DEV is a virtio-net NIC (driver $drv)" [ "$drv" = virtio_net ]
ip link set $DEV mtu 1500 up
ip addr add "$SELF/24" dev $DEV
ip -6 addr add "$SELF6/64" dev $DEV nodad
diag "$ROLE: $(uname -r), $SELF and $SELF6 on $DEV, peer $PEER, $PEER6, $PEERLL"
for peer in "$PEER" "$PEER6" "$PEERLL"; do
	if retry "$PEER_WAIT" ping -c 1 -W 1 -I $DEV "$peer" >/dev/null 2>&1; then
		ok "$ROLE: the peer $peer answers on the wire"
	else
		not_ok "$ROLE: the peer $peer never answered (${PEER_WAIT}s)"
		tap_end
		exit 1
	fi
done

# --- one round, as the client or the server --------------------------------

# Ports of round $1: base + step.
port() { echo $((7000 + $1 * 100 + $2)); }

# What round $1 speaks: IPv4 in rounds 1 and 2, IPv6 in 3 and 4. Sets
# P (the peer), HS (the peer for the handshake: its link-local address
# over IPv6), MSS, V (toycat's -4 or -6), ANY (the wildcard to listen on)
# and AB (util_hold's version argument).
round_of() {
	if [ "$1" -le 2 ]; then
		P=$PEER HS=$PEER MSS=1456 V=-4 ANY=0.0.0.0 AB=4
	else
		P=$PEER6 HS="$PEERLL%$DEV" MSS=1436 V=-6 ANY=:: AB=6
	fi
}

client() {
	r=$1
	round_of "$r"
	tag="round $r, $ROLE -> $P"
	if retry "$PEER_WAIT" toycat $V -z -w 10 "$HS" "$(port "$r" 1)" 2>"$TMP/hs.err"; then
		ok "$tag: handshake (toycat $V -z $HS)"
	else
		not_ok "$tag: handshake (toycat $V -z $HS): $(tail -n 1 "$TMP/hs.err")"
	fi

	for dir in up down; do
		if out=$("$XFER" -c "$P" -p "$(port "$r" 2)" -n "$BYTES" -d "$dir" -t 600 2>&1); then
			diag "$out"
			case " $out " in
			*" mss=$MSS peer_mss=$MSS "*) ok "$tag: $BYTES bytes $dir, intact, MSS $MSS on both ends" ;;
			*) not_ok "$tag: $BYTES bytes $dir: intact, but not MSS $MSS on both ends" ;;
			esac
		else
			diag "$out"
			not_ok "$tag: $BYTES bytes $dir"
		fi
	done

	reply=$(printf 'ping\n' | timeout 60 toycat -w 30 "$P" "$(port "$r" 3)" 2>"$TMP/hc.err")
	rc=$?
	diag "half-close reply: $reply"
	case $reply in
	"pong ping "?*) ok "$tag: half-close: the server read our EOF, then answered (exit $rc)" ;;
	*) not_ok "$tag: half-close: reply '$reply', exit $rc, $(cat "$TMP/hc.err")" ;;
	esac
	[ "$rc" -eq 0 ] || not_ok "$tag: half-close: toycat exited $rc"

	err=$(timeout 60 toycat -z -w 10 "$P" "$(port "$r" 4)" 2>&1)
	rc=$?
	case $rc:$err in
	"1:"*"Connection refused"*) ok "$tag: a closed port answers RST: $err" ;;
	*) not_ok "$tag: a closed port: exit $rc, '$err' (want 1, Connection refused)" ;;
	esac

	# stdin stays open (and empty) until the reset ends toycat.
	mkfifo "$TMP/rst.in"
	sleep 120 >"$TMP/rst.in" &
	holder=$!
	err=$(timeout 60 toycat -w 30 "$P" "$(port "$r" 5)" <"$TMP/rst.in" 2>&1)
	rc=$?
	kill "$holder" 2>/dev/null
	wait "$holder" 2>/dev/null
	case $rc:$err in
	"1:"*"Connection reset by peer"*) ok "$tag: an aborted connection: $err" ;;
	*) not_ok "$tag: an aborted connection: exit $rc, '$err' (want 1, Connection reset by peer)" ;;
	esac
	rm -f "$TMP/rst.in"

	# netem drops whole skbs, and the sender's are super-segments (GSO)
	# cut only after the qdisc: a transfer can pass with no data lost. Try
	# again (at most 5 times) until a loss made the client retransmit.
	tries=0 retrans=0 bad=0
	while [ "$tries" -lt 5 ] && [ "$retrans" -eq 0 ] && [ "$bad" -eq 0 ]; do
		tries=$((tries + 1))
		tc qdisc add dev $DEV root netem loss "$LOSS"
		out=$("$XFER" -c "$P" -p "$(port "$r" 2)" -n "$LOSS_BYTES" -d both -t 600 2>&1) || bad=1
		drops=$(tc -s qdisc show dev $DEV | sed -n 's/.*dropped \([0-9]*\).*/\1/p' | head -n 1)
		tc qdisc del dev $DEV root
		diag "$out (netem dropped ${drops:-?})"
		retrans=$(echo "$out" | sed -n 's/.* retrans=\([0-9]*\).*/\1/p')
		retrans=${retrans:-0}
	done
	if [ "$bad" -eq 0 ] && [ "$retrans" -gt 0 ]; then
		ok "$tag: $LOSS_BYTES bytes both ways through $LOSS loss, intact, $retrans segments retransmitted (try $tries)"
	else
		not_ok "$tag: $LOSS_BYTES bytes both ways through $LOSS loss: failed $bad, $retrans retransmitted in $tries tries"
	fi

	check "$tag: done" timeout 60 toycat -z -w 30 "$P" "$(port "$r" 9)"
}

server() {
	r=$1
	round_of "$r"
	tag="round $r, $ROLE <- $P"
	"$XFER" -s -b $ANY -p "$(port "$r" 2)" -t 900 >"$TMP/xfer.out" 2>&1 &
	xfer=$!
	# half-close: toycat's stdin is a fifo that gets the answer only after
	# toycat's stdout (what the client sent) has ended.
	mkfifo "$TMP/hc.in"
	# No timeout(1) around toycat here: it would hold the pipe open after
	# toycat let go of it. -w bounds the connection; the wait for it is
	# bounded by wait_pid below.
	{
		toycat $V -w 60 -l "$(port "$r" 3)" <"$TMP/hc.in" | {
			exec 4>"$TMP/hc.in"
			got=$(cat)
			echo "$got" >"$TMP/hc.got"
			printf 'pong %s %s\n' "$got" "$(uname -r)" >&4
		}
	} 2>"$TMP/hc.err" &
	hc=$!
	timeout 300 util_hold abort "$(port "$r" 5)" 280 $AB >"$TMP/abort.out" 2>&1 &
	abort=$!
	# Listen last: the client's first success means the rest listen too.
	if timeout 300 toycat $V -l "$(port "$r" 1)" </dev/null >/dev/null 2>"$TMP/hs.err"; then
		ok "$tag: handshake (toycat $V -l)"
	else
		not_ok "$tag: handshake (toycat -l): $(cat "$TMP/hs.err")"
	fi
	if timeout 900 toycat $V -l "$(port "$r" 9)" </dev/null >/dev/null 2>"$TMP/done.err"; then
		ok "$tag: done"
	else
		not_ok "$tag: done: $(cat "$TMP/done.err")"
	fi
	wait_pid "$hc" 120
	rc=$?
	got=$(cat "$TMP/hc.got" 2>/dev/null)
	if [ "$rc" -eq 0 ] && [ "$got" = ping ]; then
		ok "$tag: half-close: read 'ping' and the client's EOF, answered after it"
	else
		not_ok "$tag: half-close: read '$got', exit $rc, $(cat "$TMP/hc.err")"
	fi
	wait "$abort"
	rc=$?
	if [ "$rc" -eq 0 ] && grep -q aborted "$TMP/abort.out"; then
		ok "$tag: aborted a connection with SO_LINGER 0"
	else
		not_ok "$tag: util_hold abort: exit $rc, $(cat "$TMP/abort.out")"
	fi
	kill "$xfer" 2>/dev/null
	wait "$xfer" 2>/dev/null
	rm -f "$TMP/hc.in" "$TMP/hc.got"
}

for r in 1 2 3 4; do
	if { [ $((r % 2)) = 1 ] && [ "$ROLE" = a ]; } ||
		{ [ $((r % 2)) = 0 ] && [ "$ROLE" = b ]; }; then
		client "$r"
	else
		server "$r"
	fi
done

# Everything the other kernel sent was well-formed and summed right.
for c in InCsumErrors InErrs; do
	v=$(stat_of $c)
	check "$ROLE: $c is 0 (read ${v:-nothing})" [ "${v:-x}" = 0 ]
done
diag "$ROLE: $(awk '$1 == "Toy:" && !h { split($0, name); h = 1; next }
	$1 == "Toy:" { for (i = 2; i <= NF; i++) if (name[i] ~ /^(ActiveOpens|PassiveOpens|InSegs|OutSegs|RetransSegs|OutRsts|EstabResets)$/) printf "%s=%s ", name[i], $i }' /proc/net/toy_stat)"
rm -rf "$TMP"
tap_end
