#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make bench`: boot each target kernel (Debian's 6.1 and 6.12) once and
# run scripts/bench-guest.sh there: toyperf over AF_TOY and over TCP,
# alternating, over loopback and over veth (MTU 1500), STREAM, RR, CRR and
# the slab memory of an idle established socket; per kernel, a table of
# medians with their spread and the ratio AF_TOY / TCP. A benchmark, not a
# test: it fails only when a measurement could not be made. Not part of
# `make check` (toy_perf.sh there is its smoke run).
#
# Environment (passed to the guest): TOY_BENCH_REPS (default 3),
# TOY_BENCH_SECS (default 5), TOY_BENCH_IDLE (default 2000),
# TOY_BENCH_LOAD (busy loops beside the benchmark in the guest, default
# 0), TOY_BENCH_SCALE (idle connections of the scale case, default
# 100000; 0 leaves it out), TOY_BENCH_FAIR=0 (leave out the bottleneck
# cases),
# TOY_BENCH_FAIR_SECS, TOY_BENCH_FAIR_RATE; BENCH_HOST_LOAD=N also keeps N
# host CPUs busy outside the VM (the contention of a shared machine).
set -euo pipefail

here=$(dirname "${BASH_SOURCE[0]}")
# The bottleneck of the fairness cases is a tbf (before vm.sh sets the
# default list).
export TOY_VM_KMODS=${TOY_VM_KMODS:-veth dummy sch_netem sch_tbf}
# Before vm.sh too, whose default (900 s) is far too short for the scale
# case.
export TOY_VM_TIMEOUT=${TOY_VM_TIMEOUT:-3600}
# shellcheck source=scripts/vm.sh
source "$here/vm.sh"

# 100000 idle connections of each protocol are 200000 sockets and files.
export TOY_VM_MEM=${TOY_VM_MEM:-3072}
env=""
for v in TOY_BENCH_REPS TOY_BENCH_SECS TOY_BENCH_IDLE TOY_BENCH_LOAD \
	TOY_BENCH_FAIR TOY_BENCH_FAIR_SECS TOY_BENCH_FAIR_RATE \
	TOY_BENCH_SCALE; do
	[ -n "${!v:-}" ] && env+=" $v=${!v}"
done
export TOY_VM_APPEND="${env# }${TOY_VM_APPEND:+ $TOY_VM_APPEND}"
export TOY_VM_NAME=${TOY_VM_NAME:-bench}

loads=()
stop_loads() {
	local p
	for p in "${loads[@]}"; do
		kill "$p" 2>/dev/null || true
	done
}
trap stop_loads EXIT

"$here/deps.sh"
for ((i = 0; i < ${BENCH_HOST_LOAD:-0}; i++)); do
	(while :; do :; done) &
	loads+=($!)
done

rc=0
for ver in $(toy_kernels); do
	echo "=== $ver: make bench${BENCH_HOST_LOAD:+ (host load ${BENCH_HOST_LOAD})}"
	TOY_VM_DIR=''
	if ! toy_vm_run "$ver" "$TOY_ROOT/scripts/bench-guest.sh"; then
		rc=1
	fi
	if [ -n "$TOY_VM_DIR" ] && [ -f "$TOY_VM_DIR/result.txt" ]; then
		grep '^# ' "$TOY_VM_DIR/result.txt" | sed 's/^# //'
	fi
done
exit $rc
