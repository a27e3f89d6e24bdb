#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The install tier of `make check`, on the host: what someone who installs
# AF_TOY on their own machine gets, staged under a temporary directory so
# that this machine's /lib/modules and /usr/local are left alone.
#
#   - the man pages render with `man --warnings` silent, and each names
#     every option its tool's --help lists;
#   - `make install DESTDIR=...` for the 6.12 kernel: toy.ko under
#     lib/modules/KVER/updates with depmod's alias for autoloading
#     (net-pf-25), the tools, <linux/toy.h>, the pages; `make uninstall`
#     takes every file away again;
#   - `make dkms` with private DKMS trees, for each Debian kernel: built,
#     signed, installed, its vermagic that kernel's and its version
#     dkms.conf's; `make dkms-remove` removes it.
#
# DKMS signs with its machine owner key, /var/lib/dkms/mok.key, which it
# creates on first use (as it would for a user). Prints TAP, then
# "N passed, N failed".
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
# shellcheck source=scripts/kernels.sh
source scripts/kernels.sh

n=0 pass=0 fail=0
ok() { n=$((n + 1)) pass=$((pass + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)) fail=$((fail + 1)); echo "not ok $n - $1"; }
check() {
	local what=$1
	shift
	if "$@"; then ok "$what"; else not_ok "$what"; fi
}

T=$(mktemp -d /tmp/toy-install.XXXXXX)
trap 'rm -rf "$T"' EXIT

# openssl: DKMS makes its signing key with it
toy_apt_install dkms man-db groff-base openssl
toy_kernels_install
mapfile -t KVERS < <(toy_kernels)
K612=${KVERS[${#KVERS[@]} - 1]}
VERSION=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' dkms.conf)
TOOLS=(toycat toyss toytrace toydemo toyperf)
echo "# kernels: ${KVERS[*]}; dkms.conf version $VERSION"

# --- man pages ---------------------------------------------------------------
make -s -C userspace "${TOOLS[@]}" >/dev/null
check "man pages render without warnings" make -s -C man check

# Every option in a tool's --help, short or long, is in its page.
page_has_options() {
	local tool=$1 page=$2 opt missing=()
	while read -r opt; do
		grep -qF -- "$(sed 's/-/\\-/g' <<<"$opt")" "man/$page" ||
			missing+=("$opt")
	done < <(userspace/"$tool" --help 2>&1 |
		 grep -oE '(^|[ ,[])--?[A-Za-z0-9][A-Za-z0-9-]*' |
		 sed 's/^[ ,[]*//' | sort -u)
	[ "${#missing[@]}" -eq 0 ] && return 0
	echo "# $page lacks: ${missing[*]}"
	return 1
}
for tool in "${TOOLS[@]}"; do
	page=$(cd man && ls "$tool".[18] 2>/dev/null | head -n 1)
	if [ -z "$page" ]; then
		not_ok "$tool has a man page"
		continue
	fi
	check "$page lists every option of $tool --help" page_has_options "$tool" "$page"
done

# --- make install / uninstall ---------------------------------------------------
# From a copy of the sources, so that the build leaves this tree as it was.
src=$T/src
mkdir -p "$src"
tar -C "$ROOT" --exclude=.git --exclude='*.o' --exclude='*.ko' --exclude=build \
	-cf - Makefile Kbuild dkms.conf module userspace man | tar -C "$src" -xf -
dest=$T/root
if make -s -C "$src" install DESTDIR="$dest" PREFIX=/usr/local \
	KDIR="/usr/src/linux-headers-$K612" > "$T/install.log" 2>&1; then
	ok "make install DESTDIR=... for $K612"
else
	not_ok "make install DESTDIR=... for $K612"
	sed 's/^/# /' "$T/install.log" | tail -n 20
fi
mods=$dest/lib/modules/$K612
# compressed as the kernel's own modules are (Debian: xz)
ko=$(find "$mods/updates" -name 'toy.ko*' 2>/dev/null | head -n 1)
check "toy.ko in lib/modules/$K612/updates" test -n "$ko"
check "its vermagic is $K612's" \
	grep -q "^$K612 " <(modinfo -F vermagic "$ko" 2>/dev/null)
check "its version is dkms.conf's ($VERSION)" \
	test "$(modinfo -F version "$ko" 2>/dev/null)" = "$VERSION"
check "depmod: modules.dep lists it" \
	grep -q "^${ko#"$mods/"}:" "$mods/modules.dep"
check "depmod: socket(25, ...) autoloads it (alias net-pf-25)" \
	grep -qx 'alias net-pf-25 toy' "$mods/modules.alias"
check "depmod: a sock_diag request for family 25 does too" \
	grep -qx 'alias net-pf-16-proto-4-type-25 toy' "$mods/modules.alias"
installed_tools() {
	local t
	for t in "${TOOLS[@]}"; do
		[ -x "$dest/usr/local/bin/$t" ] || return 1
	done
}
check "the tools in /usr/local/bin" installed_tools
check "<linux/toy.h> in /usr/local/include" \
	cmp -s module/uapi/linux/toy.h "$dest/usr/local/include/linux/toy.h"
check "toy(7) installed" test -f "$dest/usr/local/share/man/man7/toy.7"
check "toyss(8) installed" test -f "$dest/usr/local/share/man/man8/toyss.8"
check "man finds toy(7) there" \
	eval 'MANPATH=$dest/usr/local/share/man man -w 7 toy >/dev/null 2>&1'
make -s -C "$src" uninstall DESTDIR="$dest" PREFIX=/usr/local \
	KDIR="/usr/src/linux-headers-$K612" > "$T/uninstall.log" 2>&1 || true
left=$(find "$dest" -type f \( -path '*/updates/*' -o -path '*/usr/local/*' \) | sed "s|^$dest||")
if [ -z "$left" ]; then
	ok "make uninstall leaves nothing"
else
	not_ok "make uninstall leaves nothing"
	sed 's/^/# left: /' <<<"$left"
fi

# --- DKMS -----------------------------------------------------------------------
dk=$T/dkms
mkdir -p "$dk/tree" "$dk/src"
flags="--dkmstree $dk/tree --sourcetree $dk/src --installtree $dk/lib"
for kver in "${KVERS[@]}"; do
	mkdir -p "$dk/lib/$kver"
	if make -s -C "$src" dkms DKMS_KVER="$kver" DKMS_SRCTREE="$dk/src" \
		DKMS_FLAGS="$flags" > "$T/dkms.log" 2>&1; then
		ok "make dkms for $kver"
	else
		not_ok "make dkms for $kver"
		sed 's/^/# /' "$T/dkms.log" | tail -n 20
	fi
	ko=$(find "$dk/lib/$kver" -name 'toy.ko*' | head -n 1)
	check "dkms installed toy.ko for $kver" test -n "$ko"
	if [ -n "$ko" ]; then
		check "its vermagic is $kver's" \
			grep -q "^$kver " <(modinfo -F vermagic "$ko")
		check "its version is $VERSION" test "$(modinfo -F version "$ko")" = "$VERSION"
		check "it is signed (DKMS's MOK key)" test -n "$(modinfo -F sig_id "$ko")"
	fi
	# shellcheck disable=SC2086 # flags are words
	check "dkms status says installed for $kver" \
		grep -q "^toy/$VERSION, $kver, .*: installed" <(dkms status $flags 2>/dev/null)
done
make -s -C "$src" dkms-remove DKMS_SRCTREE="$dk/src" DKMS_FLAGS="$flags" \
	> "$T/dkms-remove.log" 2>&1 || true
check "make dkms-remove: no module left" \
	test -z "$(find "$dk/lib" -name 'toy.ko*')"
# shellcheck disable=SC2086
check "make dkms-remove: dkms knows no toy" \
	test -z "$(dkms status $flags 2>/dev/null | grep '^toy/')"

echo "1..$n"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
