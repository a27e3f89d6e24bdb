#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install everything every test tier needs, on a fresh Debian 12 machine.
# Idempotent and cheap when nothing is missing: it asks dpkg first and only
# talks to the network for packages that are really absent. `apt-get update`
# runs only when the package lists are missing or older than a day, or when
# an install fails (a stale list names a .deb the mirror no longer has).
#
# Usable as a command (scripts/deps.sh) or as a library (source it and call
# toy_deps_install).
set -euo pipefail

# kernels.sh sources this file and this file sources kernels.sh: load once.
[ -n "${_TOY_DEPS_LOADED:-}" ] && return 0
_TOY_DEPS_LOADED=1

TOY_DEPS_PKGS=(
	qemu-system-x86 busybox-static cpio gcc make libc6-dev bc flex bison
	libelf-dev libssl-dev sparse iproute2 ethtool kmod xz-utils python3
	rsync shellcheck
	# tcpdump goes into the guest (the Wireshark tier's capture)
	tcpdump
	# README's tools, in the lab image (selftests/lab_tools.sh, scripts/vm.sh)
	python3-scapy socat bpftrace linux-perf
	# selftests/Makefile takes kselftest_harness.h from this tarball.
	linux-source-6.12
)

# Run a command as root: sudo when we are not root already.
toy_as_root() {
	if [ "$(id -u)" -eq 0 ]; then
		"$@"
	else
		sudo "$@"
	fi
}

# True when `apt-get update` has never run or ran more than a day ago.
toy_apt_lists_stale() {
	local lists=/var/lib/apt/lists
	# No Packages index at all: a fresh container.
	if ! compgen -G "$lists/*_Packages*" >/dev/null; then
		return 0
	fi
	[ -n "$(find "$lists" -maxdepth 1 -name '*_Packages*' -mtime +0 -print -quit)" ]
}

TOY_APT_UPDATED=0
toy_apt_update() {
	[ "$TOY_APT_UPDATED" = 1 ] && return 0
	echo "deps: apt-get update" >&2
	toy_as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q >&2
	TOY_APT_UPDATED=1
}

# Refresh the lists only if they are stale (apt-cache look-ups need them).
toy_apt_update_if_stale() {
	if toy_apt_lists_stale; then
		toy_apt_update
	fi
}

# Print the packages from "$@" that are not installed (one dpkg-query call:
# this runs on every `make` target, so it must stay fast).
toy_missing_pkgs() {
	local installed
	installed=$(dpkg-query -W -f='${Package}:${Status}\n' "$@" 2>/dev/null |
		awk -F: '/install ok installed$/ { print $1 }') || true
	local p
	for p in "$@"; do
		grep -qxF -- "$p" <<<"$installed" || echo "$p"
	done
}

# apt-get install the missing ones among "$@"; retry once after an update.
toy_apt_install() {
	local missing
	mapfile -t missing < <(toy_missing_pkgs "$@")
	[ "${#missing[@]}" -eq 0 ] && return 0
	echo "deps: installing ${missing[*]}" >&2
	toy_apt_update_if_stale
	local apt=(env DEBIAN_FRONTEND=noninteractive apt-get install -y -q
		--no-install-recommends)
	if ! toy_as_root "${apt[@]}" "${missing[@]}" >&2; then
		toy_apt_update
		toy_as_root "${apt[@]}" "${missing[@]}" >&2
	fi
}

toy_deps_install() {
	toy_apt_install "${TOY_DEPS_PKGS[@]}"
	# The kernels are resolved through apt, so kernels.sh needs the tools
	# above (and possibly fresh lists) first.
	# shellcheck source=scripts/kernels.sh
	source "$(dirname "${BASH_SOURCE[0]}")/kernels.sh"
	toy_kernels_install
}

# Run only when executed, not when sourced (BASH_SOURCE then has callers).
if [ "${#BASH_SOURCE[@]}" -eq 1 ]; then
	toy_deps_install
fi
