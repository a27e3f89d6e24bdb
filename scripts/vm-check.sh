#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make check-vm`: the selftests inside QEMU on each target kernel (Debian's
# 6.1 and 6.12 by default; see kernels.sh). Reports per kernel and ends with
#   N passed, N failed, N skipped
# totalled over the kernels. A kernel whose VM run failed (timeout, crash,
# kernel warning, missing success signal) counts one failure on top of the
# test failures it reported, unless it already reported some.
#
#   scripts/vm-check.sh [GUEST_SCRIPT [ARG...]]   default selftests/run_tests.sh
set -euo pipefail

here=$(dirname "${BASH_SOURCE[0]}")
# shellcheck source=scripts/vm.sh
source "$here/vm.sh"

# 64 MiB each way per netem profile: toy_netem.sh alone takes ~5 min.
export TOY_VM_TIMEOUT=${TOY_VM_TIMEOUT:-2700}
TOY_VM_APPEND="TOY_TEST_TIMEOUT=${TOY_TEST_TIMEOUT:-1500}${TOY_VM_APPEND:+ $TOY_VM_APPEND}"
export TOY_VM_APPEND

main() {
	local script=${1:-$TOY_ROOT/selftests/run_tests.sh}
	[ $# -gt 0 ] && shift
	"$here/deps.sh"
	local vers ver
	vers=$(toy_kernels)
	local tp=0 tf=0 ts=0 p f s ok rows=()
	for ver in $vers; do
		echo "=== $ver: $(basename "$script")"
		ok=1
		TOY_VM_DIR='' TOY_VM_SECONDS='?'
		toy_vm_run "$ver" "$script" "$@" || ok=0
		if [ -n "$TOY_VM_DIR" ] && [ -f "$TOY_VM_DIR/result.txt" ]; then
			# The test output, for the CI log.
			grep -v '^TOY-' "$TOY_VM_DIR/result.txt" || true
			read -r p f s < <(toy_vm_counts "$TOY_VM_DIR/result.txt")
		else
			p=0 f=0 s=0	# never booted (build failure)
		fi
		if [ "$ok" = 0 ] && [ "$f" -eq 0 ]; then
			f=1
		fi
		rows+=("$(printf '%-32s %6s %6s %7s %8s  %s' "$ver" "$p" "$f" "$s" \
			"${TOY_VM_SECONDS}s" "$([ "$ok" = 1 ] && echo ok || echo FAILED)")")
		tp=$((tp + p)) tf=$((tf + f)) ts=$((ts + s))
	done
	echo
	printf '%-32s %6s %6s %7s %8s  %s\n' kernel passed failed skipped wall vm
	printf '%s\n' "${rows[@]}"
	echo "$tp passed, $tf failed, $ts skipped"
	[ "$tf" -eq 0 ]
}

main "$@"
