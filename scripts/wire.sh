#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Two kernels on one wire: boot two QEMU guests at once, a on Debian's 6.1
# and b on 6.12, each with toy.ko and a virtio-net NIC (the driver is the
# Debian package's own module). The two NICs are joined by QEMU dgram
# netdevs sending to each other over UDP on the host's loopback: a wire
# with MTU 1500 that no other machine sees. QEMU's filter-dump on a's NIC
# writes every frame of the wire to a pcap.
#
#      guest a (6.1)                               guest b (6.12)
#   +----------------+   UDP 127.0.0.1:P1 <-> P2   +----------------+
#   | eth0 10.9.0.1  |=============================| eth0 10.9.0.2  |
#   +----------------+   filter-dump -> wire.pcap  +----------------+
#
# Both run selftests/wire_peer.sh (a client in round 1, b in round 2:
# handshake, transfers checked byte for byte, half-close, refused, reset,
# a lossy wire). Then scripts/wire-pcap.py holds the capture to the spec
# with tshark and wireshark/toy.lua: every segment decodes with a good
# checksum, every handshake is exactly j, k, j+1, k+1, and so on.
# Ends with "N passed, N failed" over the guests' tests and the capture's.
#
#   scripts/wire.sh [--bytes N] [--loss-bytes N] [--loss PCT] [--pcap FILE]
#
# --bytes       each clean transfer, up and down per round (default 8 MiB;
#               `make wire` 64 MiB)
# --loss-bytes  the lossy transfer, both ways at once (default 1 MiB)
# --loss        netem loss on the client's NIC (default 2%)
# --pcap FILE   also copy the capture to FILE
#
# TOY_WIRE_BYTES is --bytes' default (check.sh --full: 64 MiB).
# TOY_WIRE_A and TOY_WIRE_B pick other kernels (`uname -r`, 6.1 or 6.12).
# A guest's logs are in $TOY_CACHE/runs/KERNEL/wire, the capture in a's.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=scripts/vm.sh
source "$here/vm.sh"

BYTES=${TOY_WIRE_BYTES:-8388608} LOSS_BYTES=1048576 LOSS=2% PCAP_OUT=
ADDR_A=10.9.0.1 ADDR_B=10.9.0.2
# IPv6: a unique local prefix; the link-local addresses follow from the MACs
# (EUI-64 of 52:54:00:09:00:0N).
ADDR6_A=fd00:9::1 ADDR6_B=fd00:9::2
LL_A=fe80::5054:ff:fe09:1 LL_B=fe80::5054:ff:fe09:2

# Two free UDP ports on the host's loopback, one per end of the wire.
free_udp_ports() {
	python3 - <<'EOF'
import socket
socks = [socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(2)]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))
EOF
}

# QEMU options for one end of the wire: local UDP port $1, the other end's
# $2, MAC suffix $3.
wire_args() {
	echo "-netdev dgram,id=wire,local.type=inet,local.host=127.0.0.1,local.port=$1,remote.type=inet,remote.host=127.0.0.1,remote.port=$2" \
		"-device virtio-net-pci,netdev=wire,mac=52:54:00:09:00:0$3"
}

# The lossy transfers of round $2 tried again, from guest dir $1's output.
extra_tries() {
	local n
	n=$(sed -n "s/^ok [0-9]* - round $2, .* (try \([0-9]*\))\$/\1/p" "$1/result.txt" |
		head -n 1)
	echo $((${n:-1} - 1))
}

main() {
	while [ $# -gt 0 ]; do
		case $1 in
		--bytes) BYTES=$2; shift 2 ;;
		--loss-bytes) LOSS_BYTES=$2; shift 2 ;;
		--loss) LOSS=$2; shift 2 ;;
		--pcap) PCAP_OUT=$(realpath -m "$2"); shift 2 ;;
		-h|--help) sed -n '3,/^set -e/p' "${BASH_SOURCE[0]}" | sed '$d'; return 0 ;;
		*) echo "usage: $0 [--bytes N] [--loss-bytes N] [--loss PCT] [--pcap FILE]" >&2; return 2 ;;
		esac
	done
	"$here/deps.sh"
	toy_apt_install tshark python3

	local ver_a ver_b pa pb dir_a dir_b
	ver_a=$(toy_vm_kernel "${TOY_WIRE_A:-6.1}")
	ver_b=$(toy_vm_kernel "${TOY_WIRE_B:-6.12}")
	read -r pa pb < <(free_udp_ports)
	export TOY_VM_TIMEOUT=${TOY_VM_TIMEOUT:-1800} TOY_VM_SMP=1
	# The guests' settings, as vm-check.sh gives them (see there).
	export TOY_VM_APPEND="softlockup_panic=1 sysctl.kernel.panic_on_rcu_stall=1"

	echo "=== wire: a $ver_a ($ADDR_A, udp $pa) <-> b $ver_b ($ADDR_B, udp $pb)," \
		"$BYTES bytes, $LOSS_BYTES through $LOSS loss"
	TOY_VM_NAME=wire toy_vm_prepare "$ver_a" "$TOY_ROOT/selftests/wire_peer.sh" \
		a $ADDR_A $ADDR_B "$BYTES" "$LOSS_BYTES" "$LOSS" $ADDR6_A $ADDR6_B $LL_B ||
		{ echo "0 passed, 1 failed"; return 1; }
	dir_a=$TOY_VM_DIR
	local gs_a=$TOY_VM_GSCRIPT args_a=$TOY_VM_ARGS
	TOY_VM_NAME=wire toy_vm_prepare "$ver_b" "$TOY_ROOT/selftests/wire_peer.sh" \
		b $ADDR_B $ADDR_A "$BYTES" "$LOSS_BYTES" "$LOSS" $ADDR6_B $ADDR6_A $LL_A ||
		{ echo "0 passed, 1 failed"; return 1; }
	dir_b=$TOY_VM_DIR
	rm -f "$dir_a/wire.pcap" "$dir_a/boot.rc" "$dir_b/boot.rc"

	local t0=$SECONDS pid_a pid_b
	(
		TOY_VM_VER=$ver_a TOY_VM_DIR=$dir_a TOY_VM_GSCRIPT=$gs_a TOY_VM_ARGS=$args_a
		TOY_VM_QEMU_ARGS="$(wire_args "$pa" "$pb" 1) -object filter-dump,id=dump,netdev=wire,file=$dir_a/wire.pcap"
		rc=0
		toy_vm_boot || rc=$?
		echo "$rc" >"$dir_a/boot.rc"
	) &
	pid_a=$!
	(
		TOY_VM_VER=$ver_b TOY_VM_DIR=$dir_b
		TOY_VM_QEMU_ARGS=$(wire_args "$pb" "$pa" 2)
		rc=0
		toy_vm_boot || rc=$?
		echo "$rc" >"$dir_b/boot.rc"
	) &
	pid_b=$!
	wait "$pid_a" "$pid_b" || true
	TOY_VM_SECONDS=$((SECONDS - t0))

	local tp=0 tf=0 p f ok dir ver
	for dir in "$dir_a" "$dir_b"; do
		ver=$([ "$dir" = "$dir_a" ] && echo "$ver_a" || echo "$ver_b")
		ok=1
		TOY_VM_VER=$ver TOY_VM_DIR=$dir toy_vm_judge "$(cat "$dir/boot.rc" 2>/dev/null || echo 1)" || ok=0
		echo "--- $ver ($(basename "$(dirname "$dir")"))"
		grep -v '^TOY-' "$dir/result.txt" || true
		read -r p f _ < <(toy_vm_counts "$dir/result.txt")
		[ "$ok" = 0 ] && [ "$f" -eq 0 ] && f=1
		tp=$((tp + p)) tf=$((tf + f))
	done

	echo "--- the capture ($dir_a/wire.pcap, $(stat -c %s "$dir_a/wire.pcap" 2>/dev/null || echo 0) bytes)"
	# A lossy step tried again made one more connection: its client says
	# "(try N)" (rounds 1 and 3: a, over IPv4 then IPv6; 2 and 4: b).
	local again out rc=0
	again="4a=$(extra_tries "$dir_a" 1),4b=$(extra_tries "$dir_b" 2)"
	again+=",6a=$(extra_tries "$dir_a" 3),6b=$(extra_tries "$dir_b" 4)"
	out=$(python3 "$here/wire-pcap.py" --extra "$again" "$dir_a/wire.pcap" \
		"$ADDR_A" "$ADDR_B" "$ADDR6_A" "$ADDR6_B" "$LL_A" "$LL_B" 2>&1) || rc=$?
	printf '%s\n' "$out"
	read -r p f < <(printf '%s\n' "$out" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' | tail -n 1 | grep . || echo "0 1")
	[ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && f=1
	tp=$((tp + p)) tf=$((tf + f))
	[ -n "$PCAP_OUT" ] && [ -f "$dir_a/wire.pcap" ] && cp "$dir_a/wire.pcap" "$PCAP_OUT"
	echo "wire: both guests in ${TOY_VM_SECONDS}s"
	echo "$tp passed, $tf failed"
	[ "$tf" -eq 0 ]
}

main "$@"
