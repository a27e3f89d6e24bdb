#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build (or reuse) the debug kernel of `make check-debug`: Debian's
# linux-source-6.12 for x86_64, allnoconfig + scripts/debug.config (KASAN,
# UBSAN, kmemleak, lockdep, debug objects, ...). Prints the kernel's cache
# directory, which holds
#
#   bzImage  System.map  config  kernelrelease  build.log
#   build/            the O= build tree: `make -C build M=...` builds toy.ko
#   modules/lib/modules/<kernelrelease>/   modules.dep, modules.builtin, ...
#                     (everything is built in; the files tell modprobe so)
#
# The directory is $TOY_CACHE/debug-kernel/<key>, the key a hash of the
# fragment, the source package's version and the compiler, so editing the
# fragment or a new linux-source-6.12 builds a new kernel; an interrupted
# build resumes (make is incremental) and a finished one is reused. The
# source tree (shared with kunit.sh, which splices net/toy into it) is never
# written to: everything goes to O=. CONFIG_TOY stays unset there; toy.ko is
# built out of tree, like for Debian's kernels.
#
#   scripts/debug-kernel.sh [--force]   --force: rebuild from nothing
#
# A new key's build tree starts as a copy of the newest finished one, so a
# fragment edit recompiles only what it affects; --force skips that too.
#
# Environment: TOY_CACHE (default ~/.cache/toy).
set -euo pipefail

TOY_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TOY_CACHE=${TOY_CACHE:-$HOME/.cache/toy}
DK_SRC_PKG=linux-source-6.12
DK_SRC_DIR=$TOY_CACHE/src/$DK_SRC_PKG
DK_FRAGMENT=$TOY_ROOT/scripts/debug.config
# One kernel build at a time on this machine: every helper takes this lock.
DK_LOCK=/tmp/toy-kernel-build.lock
# Bump when the recipe below changes in a way that changes the result.
DK_RECIPE=1

dk_log() { echo "debug-kernel: $*" >&2; }

# The source tarball and what a kernel build needs (Debian package names).
dk_deps() {
	# shellcheck source=scripts/deps.sh
	source "$TOY_ROOT/scripts/deps.sh"
	toy_apt_install "$DK_SRC_PKG" gcc make bc flex bison libelf-dev \
		libssl-dev kmod cpio xz-utils
}

# The tree, extracted once (scripts/linux-source.sh, shared with kunit.sh).
dk_source() {
	"$TOY_ROOT/scripts/linux-source.sh" >/dev/null
}

# The cache key: what decides the kernel's content.
dk_key() {
	{
		echo "recipe $DK_RECIPE"
		dpkg-query -W -f='${Package} ${Version}\n' "$DK_SRC_PKG"
		gcc --version | head -n 1
		cat "$DK_FRAGMENT"
	} | sha256sum | cut -c1-16
}

# Fail unless every setting of the fragment made it into .config $1:
# Kconfig silently drops a symbol whose dependencies are not met.
dk_verify_config() {
	local config=$1 line sym bad=0
	while IFS= read -r line; do
		case $line in
		CONFIG_*=*)
			grep -qxF -- "$line" "$config" && continue
			dk_log "fragment wants '$line'; .config has:" \
				"'$(grep -E "^(# )?${line%%=*}[= ]" "$config" || echo nothing)'"
			bad=1
			;;
		"# CONFIG_"*" is not set")
			sym=${line#\# }
			sym=${sym%% *}
			grep -q "^$sym=" "$config" || continue
			dk_log "fragment wants $sym unset; .config has it set"
			bad=1
			;;
		esac
	done <"$DK_FRAGMENT"
	return "$bad"
}

# Start a new build tree $1/build as a copy of the newest finished one, if
# any: after a fragment edit make then recompiles only what the changed
# symbols touch (fixdep records which CONFIG_ each object depends on)
# instead of everything. tools/ goes: its dependency files name the old
# tree by absolute path, and objtool is quick to rebuild.
dk_seed() {
	local dir=$1 prev
	[ -e "$dir/build/.config" ] && return 0
	prev=$(find "$TOY_CACHE/debug-kernel" -mindepth 2 -maxdepth 2 \
		-name .complete -printf '%T@ %h\n' | sort -rn |
		awk -v self="$dir" '$2 != self { print $2; exit }')
	[ -n "$prev" ] && [ -d "$prev/build" ] || return 0
	dk_log "seeding the build tree from $prev"
	cp -a "$prev/build/." "$dir/build/"
	rm -rf "$dir/build/tools"
}

# Configure and build in $1/build, then publish the results in $1. $2
# non-empty: from nothing (no seed).
dk_build() {
	local dir=$1 build=$1/build t0 mk
	t0=$SECONDS
	mkdir -p "$build"
	mk=(make -C "$DK_SRC_DIR" O="$build" ARCH=x86_64 -j"$(nproc)")
	[ -n "${2:-}" ] || dk_seed "$dir"
	# allnoconfig with the fragment as the values to force: what
	# merge_config.sh -n does, without its temporary files.
	"${mk[@]}" KCONFIG_ALLCONFIG="$DK_FRAGMENT" allnoconfig >&2
	dk_verify_config "$build/.config" || {
		dk_log "scripts/debug.config does not hold in the final .config"
		return 1
	}
	# `all`: bzImage, modules (none: all is built in) and Module.symvers,
	# which out-of-tree module builds need.
	"${mk[@]}" all >&2
	rm -rf "$dir/modules"
	"${mk[@]}" INSTALL_MOD_PATH="$dir/modules" modules_install >&2
	cp "$build/arch/x86/boot/bzImage" "$build/System.map" "$dir/"
	cp "$build/.config" "$dir/config"
	"${mk[@]}" -s kernelrelease >"$dir/kernelrelease"
	dk_log "built $(cat "$dir/kernelrelease") in $((SECONDS - t0)) s"
	touch "$dir/.complete"
}

# Print the cache directory of the debug kernel, building it if needed.
toy_debug_kernel() {
	local force=${1:-} key dir
	dk_deps
	dk_source
	key=$(dk_key)
	dir=$TOY_CACHE/debug-kernel/$key
	if [ -z "$force" ] && [ -f "$dir/.complete" ]; then
		echo "$dir"
		return 0
	fi
	mkdir -p "$dir"
	dk_log "building in $dir (waiting for $DK_LOCK)"
	(
		flock 9
		# Someone else may have finished it while we waited.
		if [ -n "$force" ] || [ ! -f "$dir/.complete" ]; then
			[ -n "$force" ] && rm -rf "$dir/build" "$dir/.complete"
			dk_build "$dir" "$force" >"$dir/build.log.tmp" 2>&1 || {
				tail -n 60 "$dir/build.log.tmp" >&2
				dk_log "build failed (log: $dir/build.log)"
				mv "$dir/build.log.tmp" "$dir/build.log"
				exit 1
			}
			mv "$dir/build.log.tmp" "$dir/build.log"
			grep '^debug-kernel:' "$dir/build.log" >&2 || true
		fi
	) 9>"$DK_LOCK"
	echo "$dir"
}

if [ "${#BASH_SOURCE[@]}" -eq 1 ]; then
	case ${1:-} in
	--force) toy_debug_kernel force ;;
	"") toy_debug_kernel ;;
	*) echo "usage: $0 [--force]" >&2; exit 2 ;;
	esac
fi
