#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make check`: every test tier that exists, one after the other. Each tier
# is a script that ends with "N passed, N failed[, N skipped]" and exits
# non-zero on failure. Prints a per-tier table and ends with the total line
#   N passed, N failed, N skipped
# A tier that exits non-zero without reporting a failure, or prints no
# summary at all, counts as one failure.
#
#   scripts/check.sh [--full]
#
# --full (`make check-full`): the same tiers, with the bulk transfers of
# toy_netem.sh at 64 MiB each way per profile on the stock kernels instead
# of 8 MiB (about 5 more minutes per kernel under TCG), and the two-host
# wire's at 64 MiB instead of 8 (two minutes more). TOY_NETEM_BYTES and
# TOY_WIRE_BYTES, if set, win.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# Tiers in the order they run; a missing script is skipped (not yet written).
TIERS=(source-check userspace install-check wireshark-check kunit vm-check wire demo-check debug-check)

main() {
	local tier log rc p f s sum rows=() tp=0 tf=0 ts=0 t0 secs
	local logdir=${TOY_CACHE:-$HOME/.cache/toy}/check
	case ${1:-} in
	--full)
		export TOY_NETEM_BYTES=${TOY_NETEM_BYTES:-67108864}
		export TOY_WIRE_BYTES=${TOY_WIRE_BYTES:-67108864} ;;
	'') ;;
	*) echo "usage: $0 [--full]" >&2; return 2 ;;
	esac
	mkdir -p "$logdir"
	for tier in "${TIERS[@]}"; do
		if [ ! -x "$here/$tier.sh" ]; then
			echo "=== $tier: no scripts/$tier.sh, skipped"
			continue
		fi
		echo "=== $tier"
		log=$logdir/$tier.log
		t0=$SECONDS
		rc=0
		"$here/$tier.sh" 2>&1 | tee "$log" || rc=${PIPESTATUS[0]}
		secs=$((SECONDS - t0))
		# The tier's last summary line; skipped is optional.
		sum=$(sed -n 's/^\([0-9][0-9]*\) passed, \([0-9][0-9]*\) failed\(, \([0-9][0-9]*\) skipped\)\{0,1\}$/\1 \2 \4/p' \
			"$log" | tail -n 1)
		if [ -n "$sum" ]; then
			read -r p f s <<<"$sum"
			s=${s:-0}
		else
			echo "check: $tier printed no 'N passed, N failed' line" >&2
			p=0 f=0 s=0
		fi
		if { [ "$rc" -ne 0 ] || [ -z "$sum" ]; } && [ "$f" -eq 0 ]; then
			f=1
		fi
		rows+=("$(printf '%-14s %7s %7s %8s %7ss  %s' "$tier" "$p" "$f" "$s" "$secs" \
			"$([ "$rc" -eq 0 ] && [ "$f" -eq 0 ] && echo ok || echo FAILED)")")
		tp=$((tp + p)) tf=$((tf + f)) ts=$((ts + s))
	done
	echo
	printf '%-14s %7s %7s %8s %8s  %s\n' tier passed failed skipped time result
	[ "${#rows[@]}" -gt 0 ] && printf '%s\n' "${rows[@]}"
	echo "$tp passed, $tf failed, $ts skipped"
	[ "$tf" -eq 0 ]
}

main "$@"
