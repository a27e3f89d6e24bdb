#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The Wireshark tier of `make check`, on the host: Debian's tshark with
# wireshark/toy.lua on segments built from docs/protocol.md's worked
# examples (every field, flags, SACK blocks, good, bad and offloaded
# checksums, a malformed header, relative numbers, the summary line), and
# on wireshark/testdata/real.pcap, captured with tcpdump from a real run
# in the VM (scripts/wireshark-capture.sh), against its expected fields.
# Ends with "N passed, N failed".
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/deps.sh
source scripts/deps.sh
toy_apt_install tshark python3
python3 wireshark/test_dissector.py
