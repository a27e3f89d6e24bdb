#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make demo`: boot Debian's newest 6.12 kernel in QEMU with toy.ko and the
# userspace tools, run scripts/demo-guest.sh there, and stream its output
# (the VM's side channel) to the terminal as it happens. Kernel messages stay
# in the console log, which is shown only if something goes wrong.
#
#   scripts/demo.sh [--save DIR]
#
# --save DIR also writes what the demo printed to DIR/demo-output.txt, the
# connection's diagram, drawn by toytrace in the guest, to
# DIR/handshake.svg, the congestion window's plot to DIR/cwnd.svg, and the
# state table drawn as a diagram to DIR/fsm.svg (that is how docs/ gets
# them).
set -euo pipefail

here=$(dirname "${BASH_SOURCE[0]}")
# shellcheck source=scripts/vm.sh
source "$here/vm.sh"

save=
case ${1:-} in
--save) save=${2:?--save needs a directory}; shift 2 ;;
-h|--help) sed -n '3,/^set -e/p' "${BASH_SOURCE[0]}" | sed '$d'; exit 0 ;;
esac

# The guest's output as the terminal showed it, without the harness' lines.
save_outputs() {
	local dir=$1
	mkdir -p "$dir"
	sed -e '/^TOY-UPTIME:/d' -e '/^TOY-RESULT:/d' \
		-e '/^TOY-EXPORT-BEGIN /,/^TOY-EXPORT-END$/d' \
		"$TOY_VM_DIR/result.txt" >"$dir/demo-output.txt"
	cp "$TOY_VM_DIR/export/handshake.svg" "$dir/handshake.svg"
	cp "$TOY_VM_DIR/export/cwnd.svg" "$dir/cwnd.svg"
	cp "$TOY_VM_DIR/export/fsm.svg" "$dir/fsm.svg"
	echo "demo: saved $dir/demo-output.txt, $dir/handshake.svg, $dir/cwnd.svg and $dir/fsm.svg"
}

"$here/deps.sh"
ver=$(toy_kernel_612)
echo "demo: building toy.ko and the tools, booting $ver under QEMU (TCG)..."
if TOY_VM_STREAM=1 toy_vm_run "$ver" "$TOY_ROOT/scripts/demo-guest.sh"; then
	echo "demo: finished in ${TOY_VM_SECONDS}s"
	[ -z "$save" ] || save_outputs "$save"
else
	echo "demo: FAILED (logs in $TOY_VM_DIR)" >&2
	exit 1
fi
