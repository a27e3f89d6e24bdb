#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make kunit`: run the KUnit suites of module/test/ in User Mode Linux.
#
# The module is spliced into a Linux 6.12 source tree as net/toy/ (the same
# Kbuild serves both builds) and tools/testing/kunit/kunit.py builds and
# boots a UML kernel with CONFIG_TOY=y and CONFIG_TOY_KUNIT_TEST=y. The
# source tree and the build directory live in the cache, outside the repo,
# so a second run only recompiles what changed.
#
# Ends with one line "N passed, N failed[, N skipped]" counting test cases
# (each parameter of a parameterised case counts as one, as kunit.py
# reports them); exits non-zero on a failure, a crash or a build error.
#
# Environment:
#   TOY_CACHE      cache directory (default ~/.cache/toy)
#   KUNIT_ARGS     extra kunit.py arguments, e.g. a filter glob 'toy_fsm*'
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TOY_CACHE=${TOY_CACHE:-$HOME/.cache/toy}
SRC_VER=6.12
SRC_DIR=$TOY_CACHE/src/linux-source-$SRC_VER
BUILD_DIR=$TOY_CACHE/kunit-build
# One kernel build at a time on this machine: every helper takes this lock.
BUILD_LOCK=/tmp/toy-kernel-build.lock
KUNITCONFIG=net/toy/test/.kunitconfig

log() {
	echo "kunit: $*" >&2
}

# The tree (scripts/linux-source.sh, shared with the debug kernel) and
# what a UML build needs.
ensure_source() {
	# shellcheck source=scripts/deps.sh
	source "$REPO/scripts/deps.sh"
	toy_apt_install bc flex bison gcc make python3 rsync
	"$REPO/scripts/linux-source.sh" >/dev/null
}

# Append $2 to file $1 unless a line equal to it is already there.
append_once() {
	grep -qxF -- "$2" "$1" || printf '%s\n' "$2" >>"$1"
}

# Copy module/ to net/toy/ and hook it into net/Kconfig and net/Makefile.
splice_module() {
	# Compare by content and do not copy mtimes: a changed file gets the
	# current time, so make rebuilds it even if it was edited before the
	# last build; an unchanged one is not touched and not rebuilt.
	rsync -a --no-times --checksum --delete \
		--exclude='*.o' --exclude='*.ko' --exclude='*.mod' \
		--exclude='*.mod.c' --exclude='.*.cmd' --exclude='*.a' \
		--exclude='modules.order' --exclude='Module.symvers' \
		"$REPO/module/" "$SRC_DIR/net/toy/"
	# Inside the `if NET` block, like the other protocols: Kconfig reads
	# the source line wherever it is, but `endif` closes it at the end.
	if ! grep -qxF 'source "net/toy/Kconfig"' "$SRC_DIR/net/Kconfig"; then
		sed -i '0,/^source "net\/mctp\/Kconfig"$/s//&\nsource "net\/toy\/Kconfig"/' \
			"$SRC_DIR/net/Kconfig"
	fi
	grep -qxF 'source "net/toy/Kconfig"' "$SRC_DIR/net/Kconfig" || {
		log "could not add net/toy/Kconfig to net/Kconfig"
		exit 1
	}
	# shellcheck disable=SC2016 # a make variable, not a shell one
	append_once "$SRC_DIR/net/Makefile" 'obj-$(CONFIG_TOY) += toy/'
}

# Read kunit.py's summary line ("Testing complete. Ran 9 tests: passed: 8,
# failed: 1") from file $1 into PASSED, FAILED (crashed tests count as
# failed) and SKIPPED. Returns 1 if there is none (build error, no boot).
PASSED=0 FAILED=0 SKIPPED=0
parse_summary() {
	local line
	line=$(sed 's/\x1b\[[0-9;]*m//g' "$1" |
		grep -o 'Testing complete\. Ran [0-9]* tests.*' | tail -n1) || true
	[ -n "$line" ] || return 1
	PASSED=$(count passed "$line")
	FAILED=$(($(count failed "$line") + $(count crashed "$line")))
	SKIPPED=$(count skipped "$line")
}

# The number after "$1: " in $2, or 0 (kunit.py omits zero counts).
count() {
	local n
	n=$(grep -o "$1: [0-9]*" <<<"$2" | grep -o '[0-9]*$') || n=0
	echo "$n"
}

OUT=
main() {
	local start rc=0
	start=$(date +%s)

	ensure_source
	splice_module
	mkdir -p "$BUILD_DIR"

	OUT=$(mktemp /tmp/toy-kunit.XXXXXX)
	trap 'rm -f "$OUT"' EXIT
	log "building and running in $BUILD_DIR (waiting for $BUILD_LOCK)"
	# kunit.py must run from the source tree; its output is shown as it
	# comes and kept for the summary.
	# shellcheck disable=SC2086
	(cd "$SRC_DIR" && flock "$BUILD_LOCK" \
		python3 tools/testing/kunit/kunit.py run --arch=um \
		--kunitconfig="$KUNITCONFIG" --build_dir="$BUILD_DIR" \
		--jobs="$(nproc)" --timeout=300 ${KUNIT_ARGS:-}) 2>&1 |
		tee "$OUT" || rc=$?
	log "total time $(($(date +%s) - start)) s"

	if ! parse_summary "$OUT"; then
		log "no test results (kunit.py exit $rc): build or boot failed"
		FAILED=1
	elif [ "$rc" -ne 0 ] && [ "$FAILED" -eq 0 ]; then
		# kunit.py saw something wrong the counts do not show (e.g. the
		# kernel crashed after the last case, or a parse error).
		log "kunit.py exited $rc"
		FAILED=1
	fi
	if [ "$SKIPPED" -gt 0 ]; then
		echo "$PASSED passed, $FAILED failed, $SKIPPED skipped"
	else
		echo "$PASSED passed, $FAILED failed"
	fi
	[ "$FAILED" -eq 0 ]
}

main "$@"
