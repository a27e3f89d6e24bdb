#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make check-debug`: the selftests inside QEMU on the debug kernel of
# scripts/debug-kernel.sh (KASAN, UBSAN, kmemleak, lockdep, PROVE_RCU, debug
# objects, DEBUG_LIST, SLUB debugging), built or reused from the cache.
# toy.ko is built against that kernel's tree (W=1, warnings fail). The run
# fails on any report of those checkers, on a WARN or oops (vm.sh's judge),
# and on a leak kmemleak finds once /init has unloaded toy.ko after the
# tests; the report is then printed in full. Ends with
#   N passed, N failed, N skipped
#
#   scripts/debug-check.sh [GUEST_SCRIPT [ARG...]]  default selftests/run_tests.sh
#
# Environment: TOY_CACHE; TOY_VM_TIMEOUT (default 5400: KASAN and lockdep
# under TCG make the suite several times slower than on a stock kernel);
# TOY_TEST_TIMEOUT (seconds per test program in run_tests.sh, default 1800);
# TOY_DEBUG_NETEM_BYTES (default 1 MiB), TOY_DEBUG_STRESS_SCALE (default
# 0.25); TOY_MODULE_SRC (see vm.sh).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# Before vm.sh, which sets its own default.
TOY_VM_TIMEOUT=${TOY_VM_TIMEOUT:-5400}
# shellcheck source=scripts/vm.sh
source "$here/vm.sh"

# Print the kernel reports of run dir $1: the console from the first line
# vm.sh's judge objects to, to the end (the console carries only warnings
# and up, and kmemleak's list), at most 400 lines.
print_reports() {
	local con=$1/console.log first
	[ -f "$con" ] || return 0
	first=$(grep -anE "$TOY_VM_BAD" "$con" | head -n 1 | cut -d: -f1 || true)
	[ -n "$first" ] || return 0
	echo "=== kernel report ($con from line $first)"
	tail -n +"$first" "$con" | tr -d '\r' | head -n 400
}

main() {
	local script=${1:-$TOY_ROOT/selftests/run_tests.sh}
	[ $# -gt 0 ] && shift
	local t0=$SECONDS ver ok=1 p=0 f=0 s=0
	"$TOY_ROOT/scripts/deps.sh"
	if ! toy_vm_use_debug_kernel; then
		echo "debug-check: no debug kernel"
		echo "0 passed, 1 failed, 0 skipped"
		return 1
	fi
	ver=$TOY_VM_DEBUG_VER
	echo "debug-check: kernel $ver ready after $((SECONDS - t0)) s"
	# Unknown name=value words of the kernel command line become the
	# environment of /init, and so of run_tests.sh.
	# The whole suite, but smaller: toy_netem.sh moves 1 MiB per transfer
	# instead of 8, through 7 of its 15 profiles (one per code path:
	# super-segments whole and cut, loss and SACK, every fault at once, a
	# small MSS, and IPv6 lossy and learning a path MTU), toy_stress
	# runs a quarter of its sizes, toy_tsq.sh sends through a 2 Mbit/s tbf
	# instead of 20, and toy_diff runs AF_TOY's variants only (TCP's
	# side, the reference, is checked on the stock kernels). KASAN and
	# lockdep under TCG are several times slower, and the fault paths,
	# not the volume, are what matters here (lockdep reports a lock
	# inversion the first time it happens). TOY_SKIP_TESTS can leave
	# tests out (comma-separated). A CPU stuck in the kernel (the RCU stall
	# detector sees it: this kernel has no soft-lockup detector) panics
	# the guest, so a deadlock fails the run in ~25 s instead of holding
	# it for TOY_VM_TIMEOUT.
	TOY_VM_APPEND="TOY_TEST_TIMEOUT=${TOY_TEST_TIMEOUT:-1800} TOY_NETEM_BYTES=${TOY_DEBUG_NETEM_BYTES:-1048576} TOY_NETEM_PROFILES=${TOY_DEBUG_NETEM_PROFILES:-clean,nogso,loss,all,mtu1280,v6loss,v6pmtu} TOY_STRESS_SCALE=${TOY_DEBUG_STRESS_SCALE:-0.25} TOY_TSQ_MBIT=2 TOY_HYSTART_MBIT=2 TOY_DIFF_VARIANTS=toy,toy6${TOY_SKIP_TESTS:+ TOY_SKIP_TESTS=$TOY_SKIP_TESTS} sysctl.kernel.panic_on_rcu_stall=1${TOY_VM_APPEND:+ $TOY_VM_APPEND}"
	echo "=== $ver: $(basename "$script")"
	TOY_VM_DIR='' TOY_VM_SECONDS='?'
	toy_vm_run "$ver" "$script" "$@" || ok=0
	if [ -n "$TOY_VM_DIR" ] && [ -f "$TOY_VM_DIR/result.txt" ]; then
		grep -v '^TOY-' "$TOY_VM_DIR/result.txt" || true
		read -r p f s < <(toy_vm_counts "$TOY_VM_DIR/result.txt")
		[ "$ok" = 1 ] || print_reports "$TOY_VM_DIR"
	fi
	# A failed run (kernel report, leak, timeout) counts one failure
	# unless the tests already reported some.
	if [ "$ok" = 0 ] && [ "$f" -eq 0 ]; then
		f=1
	fi
	echo "debug-check: $ver: run ${TOY_VM_SECONDS}s, total $((SECONDS - t0))s," \
		"$([ "$ok" = 1 ] && echo clean || echo FAILED)"
	echo "$p passed, $f failed, $s skipped"
	[ "$f" -eq 0 ]
}

main "$@"
