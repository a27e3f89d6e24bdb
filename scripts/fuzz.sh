#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make fuzz`: the fuzzers with big budgets, inside QEMU, by default on the
# KASAN/lockdep/kmemleak debug kernel (scripts/debug-kernel.sh, built or
# reused from the cache). Each fuzzer that exists among
#   toy_fuzz_sys   system calls with hostile arguments, threads and processes
#   toy_fuzz_seg   crafted segments against live sockets
#   toy_blind      blind in-window injection (RFC 5961)
# runs in a VM of its own, so that a crash in one leaves the others their
# turn; all of them get the same seed. A run is clean when the fuzzer
# passed (its processes ended by themselves, its oracles stayed quiet, the
# module ended up empty) and vm.sh's judge saw no kernel report. The console
# and the fuzzer's output of every run are kept under
# $TOY_CACHE/fuzz/<date>/<kernel>-<fuzzer>/. Ends with a table and
#   N passed, N failed, N skipped
#
#   scripts/fuzz.sh [SECONDS]
#
# Environment:
#   SECONDS / TOY_FUZZ_SECONDS  fuzzing time per kernel, shared among the
#                    fuzzers (default 1800); the argument wins
#   FUZZ_KERNELS     where to run, in order (default: debug); e.g.
#                    "debug 6.12 6.1" (vm.sh names: debug, 6.1, 6.12, or
#                    a `uname -r`)
#   FUZZ_SEED / TOY_FUZZ_SEED  the seed (default: a fresh one, printed);
#                    a failure is replayed with the same seed
#   FUZZ_TESTS       which fuzzers (default: those above that exist)
#   TOY_CACHE, TOY_MODULE_SRC as for vm.sh
#
# Bash's own $SECONDS counts the shell's seconds: the budget is what the
# environment says SECONDS is.
budget=${1:-${TOY_FUZZ_SECONDS:-$(printenv SECONDS || echo 1800)}}
SECONDS=0
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=scripts/vm.sh
source "$here/vm.sh"

FUZZERS=(toy_fuzz_sys toy_fuzz_seg toy_blind)

# Print the fuzzers to run: FUZZ_TESTS, or those whose source exists.
fuzz_tests() {
	local t
	if [ -n "${FUZZ_TESTS:-}" ]; then
		local names
		read -ra names <<<"${FUZZ_TESTS//,/ }"
		printf '%s\n' "${names[@]}"
		return 0
	fi
	for t in "${FUZZERS[@]}"; do
		[ -f "$TOY_ROOT/selftests/$t.c" ] && echo "$t"
	done
	return 0
}

# Print the fuzzer's own figures: its first "# totals:", "# fuzz:" or
# "# blind:" line (each fuzzer's summary), else a count of its TAP lines.
fuzz_figures() {
	local out=$1 t
	t=$(grep -aE '^# (totals|fuzz|blind): [0-9]' "$out" | head -n 1 |
		sed -E 's/^# [a-z]+: *//')
	[ -n "$t" ] || t=$(grep -acE '^(not )?ok ' "$out" | sed 's/$/ TAP results/')
	echo "$t"
}

# Run fuzzer $2 on kernel $1 (a vm.sh name) for $3 seconds with seed $4;
# logs go to $5. Prints one table row; returns 0 when the run was clean.
fuzz_one() {
	local kernel=$1 test=$2 secs=$3 seed=$4 logs=$5 ver='' ok=1 p=0 f=0 s=0
	local dir
	if [ "$kernel" = debug ]; then
		toy_vm_use_debug_kernel >&2 && ver=$TOY_VM_DEBUG_VER
	else
		unset TOY_VM_KERNEL_IMAGE TOY_VM_KBUILD
		TOY_VM_MODULES_DIR=/lib/modules
		ver=$(toy_vm_kernel "$kernel") || ver=''
	fi
	if [ -z "$ver" ]; then
		printf '%-10s %-14s %6s %9s  %-6s %s\n' "$kernel" "$test" "$secs" - \
			skipped "no such kernel"
		return 2
	fi
	dir=$logs/$kernel-$test
	echo "=== $kernel ($ver): $test, $secs s, seed $seed" >&2
	# name=value words on the kernel command line are /init's environment,
	# and so the fuzzer's. Generous limits: the fuzzer stops by itself at
	# its deadline, then waits for the module to empty.
	# (toy_vm_run sets TOY_VM_DIR and TOY_VM_SECONDS: no prefix
	# assignments for those, a function's are undone when it returns.)
	TOY_VM_DIR='' TOY_VM_SECONDS='?'
	# A run directory of its own: two `make fuzz` may share the machine.
	TOY_VM_NAME=fuzz-$test-$seed \
	TOY_VM_APPEND="TOY_FUZZ_SEED=$seed TOY_FUZZ_SECONDS=$secs TOY_FUZZ_ITERS=1000000000 TOY_TEST_TIMEOUT=$((secs + 900))${TOY_VM_APPEND:+ $TOY_VM_APPEND}" \
	TOY_VM_TIMEOUT=$((secs + 1800)) \
		toy_vm_run "$ver" "$TOY_ROOT/selftests/run_tests.sh" "$test" >&2 || ok=0
	mkdir -p "$dir"
	if [ -n "${TOY_VM_DIR:-}" ] && [ -f "$TOY_VM_DIR/result.txt" ]; then
		cp "$TOY_VM_DIR"/*.log "$TOY_VM_DIR/result.txt" "$dir/" 2>/dev/null || true
		grep -av '^TOY-' "$TOY_VM_DIR/result.txt" >"$dir/output.txt" || true
		read -r p f s < <(toy_vm_counts "$TOY_VM_DIR/result.txt")
	else
		echo "no VM run (build failed?)" >"$dir/output.txt"
	fi
	[ "$f" -eq 0 ] || ok=0
	if [ "$ok" = 0 ] && [ -f "$dir/console.log" ]; then
		# The kernel's report, from the first line the judge objects to.
		local first
		first=$(grep -anE "$TOY_VM_BAD" "$dir/console.log" | head -n 1 | cut -d: -f1 || true)
		if [ -n "$first" ]; then
			tail -n +"$first" "$dir/console.log" | tr -d '\r' | head -n 200 \
				>"$dir/report.txt"
			echo "--- kernel report ($dir/report.txt)" >&2
			head -n 60 "$dir/report.txt" >&2
		fi
		echo "--- fuzzer output (tail of $dir/output.txt)" >&2
		tail -n 30 "$dir/output.txt" >&2
	fi
	printf '%-10s %-14s %6s %8ss  %-6s %s\n' "$kernel" "$test" "$secs" \
		"${TOY_VM_SECONDS:-?}" "$([ "$ok" = 1 ] && echo clean || echo FAILED)" \
		"$(fuzz_figures "$dir/output.txt")"
	[ "$ok" = 1 ]
}

main() {
	local seed=${FUZZ_SEED:-${TOY_FUZZ_SEED:-}} kernels=${FUZZ_KERNELS:-debug}
	local tests=() logs rows=() kernel t secs rc p=0 f=0 s=0
	case $budget in
	'' | *[!0-9]*) echo "fuzz: SECONDS must be a number, got '$budget'" >&2; return 2 ;;
	esac
	[ -n "$seed" ] || seed=$(od -An -N6 -tu8 /dev/urandom | tr -d ' ')
	mapfile -t tests < <(fuzz_tests)
	if [ "${#tests[@]}" -eq 0 ]; then
		echo "fuzz: no fuzzer in selftests/"
		echo "0 passed, 1 failed, 0 skipped"
		return 1
	fi
	secs=$((budget / ${#tests[@]}))
	[ "$secs" -ge 10 ] || secs=10
	logs=$TOY_CACHE/fuzz/$(date +%Y%m%d-%H%M%S)
	mkdir -p "$logs"
	"$here/deps.sh"
	echo "fuzz: seed $seed; $secs s each for ${tests[*]}; kernels: $kernels; logs: $logs"
	for kernel in $kernels; do
		for t in "${tests[@]}"; do
			rc=0
			rows+=("$(fuzz_one "$kernel" "$t" "$secs" "$seed" "$logs")") || rc=$?
			case $rc in
			0) p=$((p + 1)) ;;
			2) s=$((s + 1)) ;;
			*) f=$((f + 1)) ;;
			esac
		done
	done
	echo
	echo "fuzz: seed $seed (replay: FUZZ_SEED=$seed SECONDS=$budget make fuzz), logs in $logs"
	printf '%-10s %-14s %6s %9s  %-6s %s\n' kernel fuzzer budget wall result figures
	printf '%s\n' "${rows[@]}"
	echo "fuzz: $((SECONDS / 60)) min in all, $([ "$f" -eq 0 ] && echo clean || echo NOT clean)"
	echo "$p passed, $f failed, $s skipped"
	[ "$f" -eq 0 ]
}

main "$@"
