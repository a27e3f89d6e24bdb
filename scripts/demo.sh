#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make demo`: boot Debian's newest 6.12 kernel in QEMU with toy.ko and the
# userspace tools, run scripts/demo-guest.sh there, and stream its output
# (the VM's side channel) to the terminal as it happens. Kernel messages stay
# in the console log, which is shown only if something goes wrong.
set -euo pipefail

here=$(dirname "${BASH_SOURCE[0]}")
# shellcheck source=scripts/vm.sh
source "$here/vm.sh"

"$here/deps.sh"
ver=$(toy_kernel_612)
echo "demo: building toy.ko and the tools, booting $ver under QEMU (TCG)..."
if TOY_VM_STREAM=1 toy_vm_run "$ver" "$TOY_ROOT/scripts/demo-guest.sh"; then
	echo "demo: finished in ${TOY_VM_SECONDS}s"
else
	echo "demo: FAILED (logs in $TOY_VM_DIR)" >&2
	exit 1
fi
