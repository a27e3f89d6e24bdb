#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The Linux source tree that KUnit (scripts/kunit.sh), the debug kernel
# (scripts/debug-kernel.sh) and the selftests' harness headers
# (selftests/Makefile) are built from: Debian's linux-source-6.12 tarball,
# extracted once under $TOY_CACHE/src. Prints the tree's path.
#
#   scripts/linux-source.sh            the whole tree
#   scripts/linux-source.sh PATH...    at least these files of it (paths
#                                      inside the tree), e.g. the selftests'
#                                      two headers, without the 1.5 GB rest
#
# A whole extraction leaves a marker (.toy-extracted), so an interrupted one
# is redone rather than used; one of single files never does. The tarball
# comes from apt when it is missing (scripts/deps.sh).
#
# Environment: TOY_CACHE (default ~/.cache/toy).
set -euo pipefail

TOY_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TOY_CACHE=${TOY_CACHE:-$HOME/.cache/toy}
LS_PKG=linux-source-6.12
LS_TAR=/usr/src/$LS_PKG.tar.xz
LS_DIR=$TOY_CACHE/src/$LS_PKG

ls_log() { echo "linux-source: $*" >&2; }

ls_tarball() {
	[ -f "$LS_TAR" ] && return 0
	ls_log "installing $LS_PKG"
	# shellcheck source=scripts/deps.sh
	source "$TOY_ROOT/scripts/deps.sh"
	toy_apt_install "$LS_PKG" xz-utils
	[ -f "$LS_TAR" ] || { ls_log "$LS_PKG did not bring $LS_TAR"; return 1; }
}

# The whole tree, unless a whole extraction finished before.
ls_whole() {
	[ -f "$LS_DIR/.toy-extracted" ] && return 0
	ls_tarball
	ls_log "extracting $LS_TAR into $TOY_CACHE/src"
	rm -rf "$LS_DIR"
	mkdir -p "$TOY_CACHE/src"
	tar -C "$TOY_CACHE/src" -xf "$LS_TAR"
	touch "$LS_DIR/.toy-extracted"
}

# Files $@ of the tree, those that are missing.
ls_files() {
	local f missing=()
	for f in "$@"; do
		[ -f "$LS_DIR/$f" ] || missing+=("$LS_PKG/$f")
	done
	[ "${#missing[@]}" -eq 0 ] && return 0
	ls_tarball
	mkdir -p "$TOY_CACHE/src"
	tar -C "$TOY_CACHE/src" -xJf "$LS_TAR" "${missing[@]}"
}

if [ "$#" -eq 0 ]; then
	ls_whole
else
	ls_files "$@"
fi
echo "$LS_DIR"
