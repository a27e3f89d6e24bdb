#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The Wireshark and Scapy tier of `make check`, on the host:
# - Debian's tshark with wireshark/toy.lua on segments built from
#   docs/protocol.md's worked examples (every field, flags, SACK blocks,
#   good, bad and offloaded checksums, a malformed header, relative
#   numbers, the summary line), and on wireshark/testdata/real.pcap,
#   captured with tcpdump from a real run in the VM
#   (scripts/wireshark-capture.sh), against its expected fields;
# - Debian's Scapy with lab/toy_scapy.py on the same worked examples and
#   the same capture, and against the dissector on random segments
#   (lab/test_scapy.py; TOY_SEED repeats a run, TOY_SCAPY_N sizes it);
# - scripts/wire-pcap.py on docs/two-hosts.pcap, the capture of a real
#   two-host run (scripts/wire.sh) that docs/two-hosts.md shows.
# The VM tier runs the Scapy lab itself (selftests/toy_lab.sh).
# Ends with "N passed, N failed" over both.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/deps.sh
source scripts/deps.sh
toy_apt_install tshark python3 python3-scapy

tp=0 tf=0 rc=0
for t in "python3 wireshark/test_dissector.py" "/usr/bin/python3 lab/test_scapy.py" \
	"python3 scripts/wire-pcap.py docs/two-hosts.pcap 10.9.0.1 10.9.0.2 fd00:9::1 fd00:9::2 fe80::5054:ff:fe09:1 fe80::5054:ff:fe09:2"; do
	echo "# $t"
	out=$($t 2>&1) || rc=1
	printf '%s\n' "$out" | sed 's/^\([0-9]* passed, [0-9]* failed\)$/# \1/'
	sum=$(printf '%s\n' "$out" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' | tail -n 1)
	if [ -z "$sum" ]; then
		echo "# $t printed no summary"
		sum="0 1"
	fi
	read -r p f <<<"$sum"
	tp=$((tp + p)) tf=$((tf + f))
done
[ "$rc" -ne 0 ] && [ "$tf" -eq 0 ] && tf=1
echo "$tp passed, $tf failed"
[ "$tf" -eq 0 ]
