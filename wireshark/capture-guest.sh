#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Guest script (scripts/vm.sh) of scripts/wireshark-capture.sh: tcpdump
# 'ip proto 253' on lo while one AF_TOY connection does what a dissector
# must show: a SYN to a closed port and its RST, a handshake, 32 KB each
# way through 10% loss (so SACK blocks and retransmissions), and both
# FINs. lo gets Ethernet's MTU and the module sends one segment per packet
# (gso=N), as on a real link. The capture lands in
# $TOY_EXPORT_DIR/real.pcap.
set -u
PATH=/toy/bin:$PATH
OUT=${TOY_EXPORT_DIR:-/tmp/toy-export}/real.pcap
TMP=/tmp/capture.$$
mkdir -p "$TMP"

[ -d /sys/module/toy ] || insmod /toy/toy.ko timewait_ms=200
ip link set lo up mtu 1500
echo N >/sys/module/toy/parameters/gso

tcpdump -Z root -i lo -s 0 -U -w "$OUT" 'ip proto 253' 2>"$TMP/tcpdump.err" &
dump=$!
# wait until it listens: its first line on stderr
i=0
until grep -q "listening on" "$TMP/tcpdump.err" 2>/dev/null; do
	i=$((i + 1))
	[ "$i" -le 100 ] || { echo "tcpdump did not start:"; cat "$TMP/tcpdump.err"; exit 1; }
	sleep 0.1
done

# a SYN to a closed port: RST|ACK
toycat -w 5 127.0.0.1 7999 </dev/null 2>/dev/null

# a connection: 32 KB up through 10% loss, 32 KB down, both FINs
tc qdisc add dev lo root netem loss 10%
head -c 32768 /dev/zero | tr '\0' 'u' >"$TMP/up"
toycat -v -l 127.0.0.1 7000 >"$TMP/got" 2>"$TMP/srv.err" <"$TMP/up" &
srv=$!
i=0
until grep -q "listening on" "$TMP/srv.err" 2>/dev/null; do
	i=$((i + 1))
	[ "$i" -le 100 ] || exit 1
	sleep 0.1
done
toycat -w 30 127.0.0.1 7000 <"$TMP/up" >"$TMP/down"
rc=$?
wait "$srv"
tc qdisc del dev lo root

sleep 1	# the last segments reach the capture file (-U flushes each)
kill "$dump"
wait "$dump"
cat "$TMP/tcpdump.err"
cmp -s "$TMP/up" "$TMP/got" && cmp -s "$TMP/up" "$TMP/down" ||
	{ echo "the transfer failed (toycat $rc)"; exit 1; }
ls -l "$OUT"
