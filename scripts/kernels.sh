# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Sourced library: which Debian kernels the VM tiers boot.
#
# The versions are never written down: they are what Debian's meta-packages
# depend on today, asked of apt at run time, so a point release (6.1.0-NN
# bumping) is picked up without an edit. TOY_KERNELS="ver1 ver2" (uname -r
# strings) overrides the lookup.
#
#   toy_kernels            print the target versions, one a line
#   toy_kernel_612         print the 6.12 version (the newest target)
#   toy_kernels_install    install linux-image/linux-headers of each target

[ -n "${_TOY_KERNELS_LOADED:-}" ] && return 0
_TOY_KERNELS_LOADED=1

# The meta-packages whose dependency is the kernel to test, oldest first.
TOY_KERNEL_METAS=(linux-image-cloud-amd64 linux-image-6.12-cloud-amd64)

_toy_kernels_dir=$(dirname "${BASH_SOURCE[0]}")
# shellcheck source=scripts/deps.sh
source "$_toy_kernels_dir/deps.sh"

# Print, for each meta-package in "$@" in that order, the kernel version it
# depends on ("linux-image-<ver>" -> <ver>); one apt-cache call (~1 s each).
_toy_kernel_deps() {
	apt-cache depends "$@" 2>/dev/null | awk '
		/^[^ ]/ { meta = $1 }
		$1 == "Depends:" && $2 ~ /^linux-image-[0-9]/ && !(meta in ver) {
			sub(/^linux-image-/, "", $2); ver[meta] = $2 }
		END { n = split(metas, m, " ")
		      for (i = 1; i <= n; i++) print (m[i] in ver) ? ver[m[i]] : "-" }
	' metas="$*"
}

toy_kernels() {
	if [ -n "${TOY_KERNELS:-}" ]; then
		local vers
		read -ra vers <<<"$TOY_KERNELS"
		printf '%s\n' "${vers[@]}"
		return 0
	fi
	local out
	toy_apt_update_if_stale
	out=$(_toy_kernel_deps "${TOY_KERNEL_METAS[@]}")
	if grep -qx -- - <<<"$out"; then
		# The lists may predate a meta-package: one refresh, then give up.
		toy_apt_update
		out=$(_toy_kernel_deps "${TOY_KERNEL_METAS[@]}")
	fi
	if grep -qx -- - <<<"$out"; then
		echo "kernels: apt knows no kernel behind one of" \
			"${TOY_KERNEL_METAS[*]} (got: $(tr "\n" " " <<<"$out"))" >&2
		return 1
	fi
	echo "$out"
}

# The newest target: the last one listed (the 6.12 meta-package by default).
toy_kernel_612() {
	toy_kernels | tail -n 1
}

toy_kernels_install() {
	local vers ver pkgs=()
	vers=$(toy_kernels) || return 1
	for ver in $vers; do
		pkgs+=("linux-image-$ver" "linux-headers-$ver")
	done
	toy_apt_install "${pkgs[@]}"
}
