#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The demo-check tier of `make check`: `make demo`'s lesson
# (scripts/demo-guest.sh) on Debian's 6.12 with both vCPUs kept busy, a
# machine slower than any reader's, ended by its own TAP checks that the
# narration agrees with the diagram drawn from the same run's trace (the
# close it tells is the close that happened). Ends with
#   N passed, N failed
# A failed VM run (timeout, oops, WARN, no success signal) counts one
# failure on top.
set -euo pipefail

here=$(dirname "${BASH_SOURCE[0]}")
# shellcheck source=scripts/vm.sh
source "$here/vm.sh"

export TOY_VM_TIMEOUT=${TOY_VM_TIMEOUT:-900}
export TOY_VM_APPEND="DEMO_BUSY=2 DEMO_CHECK=1${TOY_VM_APPEND:+ $TOY_VM_APPEND}"
export TOY_VM_NAME=${TOY_VM_NAME:-demo-check}

"$here/deps.sh"
ver=$(toy_kernel_612)
echo "=== $ver: demo-guest.sh under load"
ok=1
TOY_VM_DIR=''
toy_vm_run "$ver" "$TOY_ROOT/scripts/demo-guest.sh" || ok=0
p=0 f=0
if [ -n "$TOY_VM_DIR" ] && [ -f "$TOY_VM_DIR/result.txt" ]; then
	sed -e '/^TOY-EXPORT-BEGIN /,/^TOY-EXPORT-END$/d' -e '/^TOY-/d' \
		"$TOY_VM_DIR/result.txt"
	read -r p f _ < <(toy_vm_counts "$TOY_VM_DIR/result.txt")
fi
if [ "$ok" = 0 ] && [ "$f" -eq 0 ]; then
	f=1
fi
echo "$p passed, $f failed"
[ "$f" -eq 0 ]
