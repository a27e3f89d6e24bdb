#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Capture wireshark/testdata/real.pcap again: tcpdump on lo in the 6.12 VM
# while AF_TOY refuses a connection, then moves 32 KB each way through 10%
# loss (wireshark/capture-guest.sh); then record what tshark decodes in
# real.fields, for scripts/wireshark-check.sh to hold later runs to. Look
# at the new fields before committing them: they become the expectation.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/vm.sh
source scripts/vm.sh
toy_apt_install tshark python3
TOY_VM_NAME=wireshark-capture toy_vm_run "$(toy_vm_kernel 6.12)" "$PWD/wireshark/capture-guest.sh"
cp "$TOY_VM_DIR/export/real.pcap" wireshark/testdata/real.pcap
python3 wireshark/test_dissector.py --write-fields wireshark/testdata/real.pcap
echo "wireshark/testdata/real.pcap and real.fields: $(wc -l <wireshark/testdata/real.fields) segments"
