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
#
# Environment: TOY_NETEM_BYTES and TOY_STRESS_SCALE reach the guest's tests
# when set (check.sh --full sets the first to 64 MiB; toy_netem.sh's
# default is 8 MiB); TOY_SKIP_TESTS (comma-separated) leaves tests out;
# TOY_VM_TIMEOUT, TOY_TEST_TIMEOUT (per test program), TOY_VM_APPEND.
set -euo pipefail

here=$(dirname "${BASH_SOURCE[0]}")
# shellcheck source=scripts/vm.sh
source "$here/vm.sh"

# The default run (8 MiB per netem transfer) takes 8 to 13 min per kernel
# under TCG, as loaded as the host is; a full one (64 MiB) 4 more. The
# timeouts only end a hung run.
export TOY_VM_TIMEOUT=${TOY_VM_TIMEOUT:-2700}
# Guest settings travel as name=value words of the kernel command line,
# which /init gets as its environment (no spaces in a value).
# softlockup_panic=1, panic_on_rcu_stall: a CPU stuck in the kernel (a
# deadlock with BHs off, say) ends the run within ~25 s, its report on the
# console for the judge, instead of hanging it until TOY_VM_TIMEOUT (the
# judge fails on such a report anyway). slab_nomerge: the "TOY" cache of
# /proc/slabinfo counts the module's sockets alone (toy_stress reads it).
toy_guest_env() {
	local v env="TOY_TEST_TIMEOUT=${TOY_TEST_TIMEOUT:-1500}"
	for v in TOY_NETEM_BYTES TOY_STRESS_SCALE TOY_SKIP_TESTS; do
		[ -n "${!v:-}" ] && env+=" $v=${!v}"
	done
	echo "$env softlockup_panic=1 sysctl.kernel.panic_on_rcu_stall=1 slab_nomerge"
}
TOY_VM_APPEND="$(toy_guest_env)${TOY_VM_APPEND:+ $TOY_VM_APPEND}"
export TOY_VM_APPEND

main() {
	local script=${1:-$TOY_ROOT/selftests/run_tests.sh}
	[ $# -gt 0 ] && shift
	"$here/deps.sh"
	local vers ver
	vers=$(toy_kernels)
	local tp=0 tf=0 ts=0 p f s ok rows=() run lab=
	# Per kernel: the suite, then (default suite only) README's tools in
	# the lab image, a boot of its own (~1 min) with the memory its
	# ~300 MB of programs take, and a boot with IPv6 disabled (~15 s).
	local runs=("$script" "$@")
	[ "$script" = "$TOY_ROOT/selftests/run_tests.sh" ] && [ $# -eq 0 ] && lab=1
	for ver in $vers; do
	for run in main ${lab:+lab noipv6}; do
		ok=1
		TOY_VM_DIR='' TOY_VM_SECONDS='?'
		if [ "$run" = lab ]; then
			echo "=== $ver: lab_tools.sh (TOY_VM_LAB=1)"
			TOY_VM_LAB=1 TOY_VM_MEM=2048 TOY_VM_NAME=lab_tools \
				toy_vm_run "$ver" "$script" lab_tools.sh || ok=0
		elif [ "$run" = noipv6 ]; then
			echo "=== $ver: toy_ipv6 toy_data, booted with ipv6.disable=1"
			TOY_VM_APPEND="$TOY_VM_APPEND ipv6.disable=1" TOY_VM_NAME=noipv6 \
				toy_vm_run "$ver" "$script" toy_ipv6 toy_data || ok=0
		else
			echo "=== $ver: $(basename "$script")"
			toy_vm_run "$ver" "${runs[@]}" || ok=0
		fi
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
		rows+=("$(printf '%-32s %6s %6s %7s %8s  %s' "$ver$([ "$run" != main ] && echo " $run")" "$p" "$f" "$s" \
			"${TOY_VM_SECONDS}s" "$([ "$ok" = 1 ] && echo ok || echo FAILED)")")
		tp=$((tp + p)) tf=$((tf + f)) ts=$((ts + s))
	done
	done
	echo
	printf '%-32s %6s %6s %7s %8s  %s\n' kernel passed failed skipped wall vm
	printf '%s\n' "${rows[@]}"
	echo "$tp passed, $tf failed, $ts skipped"
	[ "$tf" -eq 0 ]
}

main "$@"
