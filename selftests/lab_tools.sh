#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# README's "In the tools you already use", each command run as README
# writes it, in the VM image that holds them (TOY_VM_LAB=1: Debian's
# python3 with Scapy, socat, nstat, perf, bpftrace; tcpdump is in every
# image). scripts/vm-check.sh boots it once per kernel:
#
#   nstat      PROC_NET_SNMP=/proc/net/toy_stat nstat: deltas equal to
#              /proc/net/toy_stat's own, and --json
#   tcpdump    -ni lo 'ip proto 253': the handshake's three segments
#   socat      SOCKET-LISTEN / SOCKET-CONNECT with domain 25 and the
#              sockaddr in hex: 1 MiB across, byte for byte
#   perf       perf trace -e 'toy:*', perf record + perf script, and
#              toytrace drawing perf script's output, SACK blocks too
#   bpftrace   a count of toy:toy_set_state by new state
#   drops      perf script -e skb:kfree_skb names the reason of a drop;
#              toy:toy_drop too, for a bad checksum forged with Scapy, a
#              full listener, and the hostile segments of three harness
#              tests
#   scapy      lab/rst_lab.py (docs/lab-scapy.md): each step a test
#
# Environment: toy.ko loaded; the tools on PATH; toycat and toytrace on
# PATH or in TOY_BIN_DIR; lab/ in TOY_LAB_DIR (default /toy/lab).

. "$(dirname "$0")/lib.sh"

BIN=${TOY_BIN_DIR:-/toy/bin}
LAB=${TOY_LAB_DIR:-/toy/lab}
PATH=$BIN:$PATH
TMP=${TMPDIR:-/tmp}/lab_tools.$$
mkdir -p "$TMP"
trap 'rm -rf "$TMP"' EXIT
# Every command is bounded: a hang fails its test, not the run.
T="timeout 60"

have() { command -v "$1" >/dev/null 2>&1; }

# stat NAME: a counter of /proc/net/toy_stat
stat() {
	awk -v k="$1" 'NR == 1 { for (i = 2; i <= NF; i++) col[$i] = i }
		NR == 2 { print $col[k] }' /proc/net/toy_stat
}

# serve PORT: a toycat listener for one connection, its pid in $srv
# serve6 PORT: the same on [::1]
serve6() {
	$T toycat -6 -l ::1 "$1" >/dev/null </dev/null &
	srv=$!
	i=0
	while [ $i -lt 300 ]; do
		toyss -lnH 2>/dev/null | grep -q "\[::1\]:$1 " && return 0
		i=$((i + 1))
		sleep 0.1
	done
	return 1
}

serve() {
	$T toycat -l 127.0.0.1 "$1" >/dev/null </dev/null &
	srv=$!
	# it listens when toyss sees it (no fixed sleep)
	i=0
	while [ $i -lt 300 ]; do
		toyss -lnH 2>/dev/null | grep -q ":$1 " && return 0
		i=$((i + 1))
		sleep 0.1
	done
	return 1
}

# traced NAME EVENT... -- CMD...: perf record EVENTs system-wide around CMD,
# then perf script's output in $TMP/NAME
traced() {
	_name=$1
	shift
	_ev=
	while [ "$1" != -- ]; do
		_ev="$_ev -e $1"
		shift
	done
	shift
	set -f	# toy:* is perf's pattern, not the shell's
	# shellcheck disable=SC2086 # one word per -e EVENT
	$T perf record -q $_ev -a -o "$TMP/$_name.data" -- "$@" >/dev/null 2>&1
	set +f
	$T perf script -i "$TMP/$_name.data" >"$TMP/$_name" 2>/dev/null
}

for t in python3 socat nstat perf bpftrace tcpdump; do
	if ! have $t; then
		skip "the lab's tools" "no $t: boot with TOY_VM_LAB=1"
		$T perf script -i "$TMP/lab.data" >"$TMP/labdrops" 2>/dev/null
check "scapy lab under perf: the RSTs dropped as reason=SEQUENCE and reason=RST" \
	sh -c "grep -q 'flags=RST .*reason=SEQUENCE' '$TMP/labdrops' &&
		grep -q 'flags=RST .*reason=RST' '$TMP/labdrops'"

tap_end
		exit 4
	fi
done

# --- nstat ------------------------------------------------------------------
export PROC_NET_SNMP=/proc/net/toy_stat
nstat -n
in0=$(stat InSegs)
serve 7101
$T toycat -z 127.0.0.1 7101
wait "$srv"
in1=$(stat InSegs)
nstat 'Toy*' >"$TMP/nstat"
got=$(awk '$1 == "ToyInSegs" { print $2 }' "$TMP/nstat")
check "nstat: ToyInSegs delta $got = /proc/net/toy_stat's $((in1 - in0))" \
	[ "$got" = $((in1 - in0)) ]
nstat --json -a ToyActiveOpens >"$TMP/nstat.json"
check "nstat --json -a: ToyActiveOpens is /proc/net/toy_stat's $(stat ActiveOpens)" \
	python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(d["kernel"]["ToyActiveOpens"] != int(sys.argv[2]))' \
	"$TMP/nstat.json" "$(stat ActiveOpens)"
unset PROC_NET_SNMP

# --- tcpdump ------------------------------------------------------------------
serve 7102
$T tcpdump -ni lo -c 3 -w "$TMP/hs.pcap" 'ip proto 253' 2>"$TMP/tcpdump.err" &
dump=$!
i=0
while [ $i -lt 300 ] && ! grep -q "listening on" "$TMP/tcpdump.err"; do
	i=$((i + 1))
	sleep 0.1
done
$T toycat -z 127.0.0.1 7102
wait "$dump"
wait "$srv"
tcpdump -nr "$TMP/hs.pcap" 2>/dev/null >"$TMP/hs.txt"
sed 's/^/# /' "$TMP/tcpdump.err" "$TMP/hs.txt"
check "tcpdump -ni lo 'ip proto 253': three segments, ip-proto-253" \
	[ "$(grep -c 'ip-proto-253' "$TMP/hs.txt")" = 3 ]

# --- socat --------------------------------------------------------------------
# struct sockaddr_toy after its family: port, ipver 4, 3 zero bytes, the
# address in 16 bytes, the scope id in 4. README spells 127.0.0.1:7000.
addr=x1b5904000000$(printf '%02x' 127 0 0 1)00000000000000000000000000000000
head -c 1048576 /dev/urandom >"$TMP/in"
$T socat -u "SOCKET-LISTEN:25:0:$addr" "CREATE:$TMP/out" &
srv=$!
i=0
while [ $i -lt 300 ] && ! toyss -lnH 2>/dev/null | grep -q ":7001 "; do
	i=$((i + 1))
	sleep 0.1
done
$T socat -u "FILE:$TMP/in" "SOCKET-CONNECT:25:0:$addr"
wait "$srv"
check "socat SOCKET-LISTEN/SOCKET-CONNECT:25: 1 MiB byte for byte" \
	cmp -s "$TMP/in" "$TMP/out"

# --- perf ---------------------------------------------------------------------
serve 7103
$T perf trace -e 'toy:*' -- toycat -z 127.0.0.1 7103 >"$TMP/ptrace" 2>&1
wait "$srv"
check "perf trace -e 'toy:*': toy_set_state and toy_segment events" \
	sh -c "grep -q 'toy:toy_set_state(' '$TMP/ptrace' &&
		grep -q 'toy:toy_segment(' '$TMP/ptrace'"

serve 7104
traced pscript 'toy:*' -- toycat -z 127.0.0.1 7104
wait "$srv"
check "perf record -e 'toy:*' -a; perf script: the SYN's flags=SYN|SACKOK" \
	grep -q 'toy:toy_segment: out sport=[0-9]* dport=7104 .*flags=SYN|SACKOK' \
	"$TMP/pscript"
# Over IPv6 the same events carry the addresses in saddrv6 and daddrv6
# (an IPv4 socket's v4-mapped), which perf must parse (%pI6c).
serve6 7110
traced pscript6 toy:toy_set_state toy:toy_segment -- toycat -6 -z ::1 7110
wait "$srv"
check "perf script over IPv6: toy_segment and toy_set_state with saddrv6=::1 daddrv6=::1" \
	sh -c "grep -q 'toy:toy_segment: out .*dport=7110 .*saddrv6=::1 daddrv6=::1' '$TMP/pscript6' &&
		grep -q 'toy:toy_set_state: .*saddrv6=::1 daddrv6=::1' '$TMP/pscript6'"
check "perf script over IPv4: saddrv6 v4-mapped (::ffff:127.0.0.1)" \
	grep -q 'dport=7104 .*saddrv6=::ffff:127.0.0.1' "$TMP/pscript"
toytrace -r "$TMP/pscript" >"$TMP/ptt" 2>&1
check "toytrace -r draws perf script's output: a connection to :7104, ESTABLISHED" \
	sh -c "grep -q ':7104' '$TMP/ptt' && grep -q ESTABLISHED '$TMP/ptt'"

# SACK blocks: toy_sack's receiver case makes the module report three at
# once; perf prints them (sack={...}) and toytrace draws them.
traced sack toy:toy_segment -- "$(dirname "$0")/toy_sack" -t receiver_reports_blocks
check "perf script: an ACK with three SACK blocks, sack={6 numbers}" \
	grep -Eq 'toy_segment: out .*flags=ACK .*sack=\{?((0x[0-9a-f]+|[0-9]+)[, ]+){5}(0x[0-9a-f]+|[0-9]+)' \
	"$TMP/sack"
toytrace -r "$TMP/sack" >"$TMP/sacktt" 2>&1
check "toytrace -r draws them: sack=[a,b)[c,d)[e,f)" \
	grep -Eq 'sack=(\[[0-9]+,[0-9]+\)){3}' "$TMP/sacktt"
grep -q 'sack=\[' "$TMP/sacktt" || sed 's/^/# /' "$TMP/sacktt" | head -20

# --- bpftrace -----------------------------------------------------------------
serve 7105
$T bpftrace -e 'tracepoint:toy:toy_set_state { @[args->newstate] = count(); }' \
	-c "$BIN/toycat -z 127.0.0.1 7105" >"$TMP/bt" 2>&1
wait "$srv"
# both ends reach ESTABLISHED (1) once
check "bpftrace: tracepoint:toy:toy_set_state counts @[1]: 2 (both ends established)" \
	grep -qx '@\[1\]: 2' "$TMP/bt"

# --- drops and their reasons --------------------------------------------------
traced drop skb:kfree_skb -- toycat -z 127.0.0.1 7109
check "perf: the SYN to a closed port is dropped with reason NO_SOCKET" \
	grep -q 'protocol=2048 .*reason: NO_SOCKET' "$TMP/drop"

# A segment with a bad checksum, forged with Scapy: toy:toy_drop names it
# CSUM, skb:kfree_skb TCP_CSUM (docs/protocol.md 16.2).
traced csum toy:toy_drop skb:kfree_skb -- python3 -c 'import sys; sys.path.insert(0, sys.argv[1])
from toy_scapy import Toy
from scapy.layers.inet import IP
from scapy.supersocket import L3RawSocket
L3RawSocket().send(IP(dst="127.0.0.1") / Toy(sport=1, dport=7110, seq=7, chksum=0x1234))' \
	"$LAB"
check "perf: a forged bad checksum is toy:toy_drop reason=CSUM" \
	grep -q 'toy:toy_drop: sport=1 dport=7110 .*seq=7 .*reason=CSUM' "$TMP/csum"
check "perf: ... and skb:kfree_skb reason: TCP_CSUM" \
	grep -q 'protocol=2048 .*reason: TCP_CSUM' "$TMP/csum"
grep -q 'reason' "$TMP/csum" || sed 's/^/# /' "$TMP/csum"

# A listener with listen(0) that never accepts: the second client's SYN
# finds its queues full, LISTEN_OVERFLOW (SOCKET_BACKLOG for the kernel).
traced lo toy:toy_drop -- python3 -c 'import socket, sys, time; sys.path.insert(0, sys.argv[1])
from rst_lab import family, libc, sockaddr, sys_addr
f = family()
l = socket.socket(f, socket.SOCK_STREAM, 0)
sys_addr(libc.bind, l, sockaddr(f, "127.0.0.1", 7111))
l.listen(0)
cs = [socket.socket(f, socket.SOCK_STREAM, 0) for _ in range(2)]
for c in cs:
    c.setblocking(False)
    libc.connect(c.fileno(), sockaddr(f, "127.0.0.1", 7111), 28)
time.sleep(0.5)' "$LAB"
check "perf: a SYN to a full listener is toy:toy_drop reason=LISTEN_OVERFLOW" \
	grep -q 'dport=7111 .*flags=SYN.*reason=LISTEN_OVERFLOW' "$TMP/lo"

# The reasons of the harness tests' hostile segments: every malformed kind
# of toy_malformed, ACKs that a blind sender forged (toy_blind), a socket
# filter (toy_hostile).
ST=$(dirname "$0")
traced bad toy:toy_drop -- "$ST/toy_malformed" -t dropped
for r in SHORT HEADER CSUM FLAGS; do
	check "toy_malformed's bad segments: some dropped as reason=$r" \
		grep -Eq "toy:toy_drop: .*reason=$r( |$)" "$TMP/bad"
done
traced blind toy:toy_drop -- "$ST/toy_blind" \
	-t data_with_ack_below_max_window_dropped \
	-t data_with_ack_beyond_snd_nxt_dropped
for r in ACK_OLD ACK_UNSENT; do
	check "toy_blind's forged ACKs: dropped as reason=$r" \
		grep -Eq "toy:toy_drop: .*reason=$r( |$)" "$TMP/blind"
done
traced filter toy:toy_drop -- "$ST/toy_hostile" -t socket_filter_applies
check "toy_hostile's socket filter: its refusals dropped as reason=FILTER" \
	grep -Eq "toy:toy_drop: .*reason=FILTER( |$)" "$TMP/filter"

# --- the Scapy lab ------------------------------------------------------------
# Under perf, as docs/lab-scapy.md's first exercise: the two RSTs that
# went nowhere are toy:toy_drop SEQUENCE and RST.
$T perf record -q -e toy:toy_drop -a -o "$TMP/lab.data" -- \
	python3 "$LAB/rst_lab.py" >"$TMP/lab" 2>&1
lab=$?
sed 's/^/# /' "$TMP/lab"
grep '^  ' "$TMP/lab" | grep -v '^    ' >"$TMP/steps"
while IFS= read -r line; do
	case $line in
	*FAILED:*) not_ok "scapy lab: ${line#*FAILED: }" ;;
	*) ok "scapy lab:${line#* }" ;;
	esac
done <"$TMP/steps"
steps=$(wc -l <"$TMP/steps")
check "scapy lab: exit 0 and all of its 11 steps seen ($steps)" \
	test "$lab" = 0 -a "$steps" -eq 11

$T perf script -i "$TMP/lab.data" >"$TMP/labdrops" 2>/dev/null
check "scapy lab under perf: the RSTs dropped as reason=SEQUENCE and reason=RST" \
	sh -c "grep -q 'flags=RST .*reason=SEQUENCE' '$TMP/labdrops' &&
		grep -q 'flags=RST .*reason=RST' '$TMP/labdrops'"

tap_end
