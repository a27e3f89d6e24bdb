#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot one of Debian's stock kernels in QEMU (TCG) with a busybox initramfs
# holding toy.ko, the userspace tools and the selftests, run a guest script
# in it, and judge the run. Library (source it) and command:
#
#   scripts/vm.sh [--mode MODE] [--stream] KERNEL GUEST_SCRIPT [ARG...]
#
# KERNEL is a `uname -r` string, or 6.1 / 6.12 for the version Debian's
# meta-package names today, or debug for the KASAN/lockdep/kmemleak kernel
# of scripts/debug-kernel.sh (built or reused; sets the TOY_VM_KERNEL_IMAGE,
# TOY_VM_KBUILD and TOY_VM_MODULES_DIR below). GUEST_SCRIPT is a host path;
# ARGs reach it in the guest (no commas or spaces inside one ARG: they
# travel on the kernel command line as toy.args=a,b,c). MODE: run (default:
# insmod toy.ko timewait_ms=200 first) or noinsmod (the script loads it
# itself, e.g. to test autoloading through net-pf-25).
#
# A run passes only if the guest's /init ended the side channel (ttyS1, a
# file on the host; never the console, where kernel messages could cut or
# fake it) with "TOY-RESULT: success" after the script exited 0, QEMU ended
# before the timeout, and neither the
# console nor the guest's final dmesg (ttyS2) shows an oops, WARN, BUG,
# KASAN/UBSAN/lockdep/kmemleak report.
#
# Files come back from the guest too: whatever the script leaves in
# $TOY_EXPORT_DIR (/tmp/toy-export) when it ends travels base64-encoded on
# the side channel (between "TOY-EXPORT-BEGIN name" and "TOY-EXPORT-END"
# lines, which --stream hides) and lands in $TOY_VM_DIR/export/ on the host.
#
# Environment:
#   TOY_CACHE        where everything built goes (default ~/.cache/toy)
#   TOY_VM_TIMEOUT   seconds before a run is killed (default 900)
#   TOY_VM_APPEND    extra kernel command line
#   TOY_VM_NAME      the run directory's name under runs/KERNEL/ (default:
#                    the script's name)
#   TOY_VM_QEMU_ARGS extra QEMU options (word-split)
#   TOY_VM_MEM       the guest's memory, MiB (default 1024)
#   TOY_VM_SMP       its CPUs (default 2)
#   TOY_VM_LAB       1: the image also holds python3 with Scapy, socat,
#                    nstat, perf, bpftrace and lab/ (toy_initramfs_lab)
#   TOY_MODULE_SRC   tree with Kbuild and module/ (default: this repo)
#   TOY_VM_KMODS     kernel modules the guest gets (default: veth dummy
#                    sch_netem sch_tbf), with their dependencies; built-in ones
#                    are skipped
#   TOY_VM_KMODS_OPT the same where the kernel has them (default: virtio_pci
#                    virtio_net, scripts/wire.sh's NIC; the debug kernel has
#                    no such driver)
# A kernel that is not a Debian package (KERNEL is then its `uname -r`):
#   TOY_VM_KERNEL_IMAGE  the bzImage to boot (default /boot/vmlinuz-KERNEL)
#   TOY_VM_KBUILD        its build tree for toy.ko (default
#                        /usr/src/linux-headers-KERNEL)
#   TOY_VM_MODULES_DIR   the dir holding KERNEL/modules.dep (default
#                        /lib/modules)
set -euo pipefail

[ -n "${_TOY_VM_LOADED:-}" ] && return 0
_TOY_VM_LOADED=1

TOY_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TOY_CACHE=${TOY_CACHE:-$HOME/.cache/toy}
TOY_VM_TIMEOUT=${TOY_VM_TIMEOUT:-900}
TOY_MODULE_SRC=${TOY_MODULE_SRC:-$TOY_ROOT}
TOY_VM_KMODS=${TOY_VM_KMODS:-veth dummy sch_netem sch_tbf}
TOY_VM_KMODS_OPT=${TOY_VM_KMODS_OPT:-virtio_pci virtio_net}
TOY_VM_MODULES_DIR=${TOY_VM_MODULES_DIR:-/lib/modules}

# shellcheck source=scripts/kernels.sh
source "$TOY_ROOT/scripts/kernels.sh"

# What in a console log or the guest's dmesg fails a run. Most reports
# start with BUG: or WARNING:; the rest are named so that a report whose
# first line got cut still counts (lockdep, RCU, debug objects, kmemleak).
# A device that cannot go away when its namespace is deleted has a leaked
# reference (a route cached by a socket, say): unregister_netdevice says so.
TOY_VM_BAD='Oops|WARNING:|BUG:|KASAN|UBSAN|kernel BUG|Call Trace|general protection|possible circular locking|possible recursive locking|inconsistent lock state|suspicious RCU usage|sleeping function called from invalid context|ODEBUG|unreferenced object|Kernel panic|unregister_netdevice: waiting'

toy_log() { echo "vm: $*" >&2; }

# Print "passed failed skipped" for side-channel log $1: run_tests.sh's
# summary line if it got that far, else its TAP lines so far.
toy_vm_counts() {
	local sum
	sum=$(sed -n 's/^# toy-selftests: \([0-9]*\) passed, \([0-9]*\) failed, \([0-9]*\) skipped$/\1 \2 \3/p' "$1" | tail -n 1)
	if [ -n "$sum" ]; then
		echo "$sum"
		return 0
	fi
	awk '/^ok .*# *SKIP/ { s++; next } /^ok / { p++ } /^not ok / { f++ }
		END { print p + 0, f + 0, s + 0 }' "$1"
}

# Accept "6.1"/"6.12" as shorthands for today's Debian versions.
toy_vm_kernel() {
	case $1 in
	6.1) toy_kernels | head -n 1 ;;
	6.12) toy_kernel_612 ;;
	*) echo "$1" ;;
	esac
}

# --- a. the module --------------------------------------------------------

# Build toy.ko for kernel $1 out of tree; print its path. Any compiler or
# modpost warning fails the build, and then the build dir is wiped so that
# the next incremental build recompiles (and re-warns) every file.
toy_build_module() {
	local ver=$1 kdir=${TOY_VM_KBUILD:-/usr/src/linux-headers-$1}
	local bdir=$TOY_CACHE/build/$ver
	# A custom tree may be rebuilt under the same version: one dir per tree.
	[ -n "${TOY_VM_KBUILD:-}" ] &&
		bdir+=-$(echo "$TOY_VM_KBUILD" | sha256sum | cut -c1-8)
	local log=$bdir.log
	if [ ! -d "$kdir" ]; then
		toy_log "no headers at $kdir (scripts/deps.sh installs them)"
		return 1
	fi
	if [ ! -f "$TOY_MODULE_SRC/Kbuild" ] || [ ! -d "$TOY_MODULE_SRC/module" ]; then
		toy_log "no Kbuild + module/ in $TOY_MODULE_SRC"
		return 1
	fi
	mkdir -p "$bdir"
	# Build products are excluded, so --delete keeps them (incremental
	# builds) yet removes sources that left the tree. --checksum and no -t:
	# a file is rewritten, with a fresh mtime, exactly when its content
	# changed, so make rebuilds it even if the source's own mtime is older
	# than our object (another checkout, another TOY_MODULE_SRC).
	rsync -rl --checksum --delete \
		--exclude='*.o' --exclude='*.ko' --exclude='*.mod' \
		--exclude='*.mod.c' --exclude='.*.cmd' --exclude='*.a' \
		--exclude='modules.order' --exclude='Module.symvers' \
		--exclude='.tmp_*' --exclude='*.dwo' \
		"$TOY_MODULE_SRC/Kbuild" "$TOY_MODULE_SRC/module" "$bdir/"
	if ! make -C "$kdir" M="$bdir" W=1 -j"$(nproc)" modules >"$log" 2>&1; then
		cat "$log" >&2
		toy_log "module build failed for $ver (log: $log)"
		return 1
	fi
	if grep -E '(warning|WARNING):' "$log" >&2; then
		toy_log "module build for $ver has warnings: failing (log: $log)"
		rm -rf "$bdir"
		return 1
	fi
	local ko
	ko=$(find "$bdir" -name toy.ko -print -quit)
	if [ -z "$ko" ]; then
		toy_log "the build produced no toy.ko in $bdir"
		return 1
	fi
	echo "$ko"
}

# --- b. userspace and selftests -------------------------------------------

# Print the files of built directory $1 that go into the guest: what
# `make print-bins` names if the Makefile has that target, else every
# executable; plus every *.sh (the guest scripts).
_toy_dir_files() {
	local dir=$1 list f
	if list=$(make -s --no-print-directory -C "$dir" print-bins 2>/dev/null) &&
		[ -n "$list" ]; then
		for f in $list; do
			case $f in
			/*) echo "$f" ;;
			*) echo "$dir/$f" ;;
			esac
		done
	else
		find "$dir" -maxdepth 1 -type f -perm -u+x
	fi
	find "$dir" -maxdepth 1 -type f -name '*.sh'
}

# Build userspace/ and selftests/ (if they have Makefiles yet) on the host.
toy_build_userspace() {
	local d
	for d in userspace selftests; do
		if [ -f "$TOY_ROOT/$d/Makefile" ]; then
			make -s -C "$TOY_ROOT/$d" -j"$(nproc)" >&2 ||
				{ toy_log "make -C $d failed"; return 1; }
		fi
	done
}

# --- c. the initramfs -----------------------------------------------------

# Copy ELF $1 to $2 (a path in the image root $3) with the shared
# libraries it needs, so dynamically linked tools run in the guest too.
_toy_copy_elf() {
	local src=$1 dst=$2 root=$3 lib
	mkdir -p "$root/$(dirname "$dst")"
	cp -L "$src" "$root/$dst"
	# Static binaries make ldd fail: nothing more to copy then.
	for lib in $(ldd "$src" 2>/dev/null |
		awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }'); do
		if [ ! -e "$root/$lib" ]; then
			mkdir -p "$root/$(dirname "$lib")"
			cp -L "$lib" "$root/$lib"
		fi
	done
}

# Print the modules.dep paths of kernel modules "$@" (names) and all their
# dependencies, for kernel $ver; built-in ones (modules.builtin) need none.
_toy_kmod_closure() {
	local ver=$1 mdir=$TOY_VM_MODULES_DIR/$1 builtin=/dev/null
	shift
	[ -f "$mdir/modules.builtin" ] && builtin=$mdir/modules.builtin
	awk -v want="$*" -v builtin="$builtin" '
		BEGIN { n = split(want, w, " "); for (i = 1; i <= n; i++) need[w[i]] = 1 }
		FILENAME == builtin {
			name = $1; sub(/.*\//, "", name); sub(/\.ko$/, "", name)
			gsub(/-/, "_", name)
			inkernel[name] = 1
			next
		}
		{
			path = $1; sub(/:$/, "", path)
			name = path; sub(/.*\//, "", name); sub(/\.ko(\.[a-z]+)?$/, "", name)
			gsub(/-/, "_", name)
			deps[path] = ""
			for (i = 2; i <= NF; i++) deps[path] = deps[path] " " $i
			byname[name] = path
		}
		END {
			for (m in need) {
				key = m; gsub(/-/, "_", key)
				if (key in inkernel) continue
				if (!(key in byname)) { print "missing:" m; continue }
				todo[byname[key]] = 1
			}
			do {
				more = 0
				for (p in todo) {
					if (p in done) continue
					done[p] = 1; print p
					k = split(deps[p], d, " ")
					for (i = 1; i <= k; i++) if (!(d[i] in done)) { todo[d[i]] = 1; more = 1 }
				}
			} while (more)
		}' "$builtin" "$mdir/modules.dep"
}

# Build (or reuse) the part of the image that does not depend on toy.ko,
# the tools or the guest script: busybox, ip/tc/ss/bash, tcpdump, kernel
# modules and /init. Print the path of its stage dir; its .cpio.gz sits beside it.
toy_initramfs_base() {
	local ver=$1 key stage root kmod path tcpdump
	tcpdump=$(command -v tcpdump || true)
	key=$( {
		echo "$ver $TOY_VM_KMODS / $TOY_VM_KMODS_OPT $TOY_VM_MODULES_DIR"
		sha256sum "${BASH_SOURCE[0]}" "$TOY_ROOT/scripts/guest-init.sh" \
			"$(command -v busybox)" \
			/usr/sbin/ip /usr/sbin/tc /usr/sbin/ethtool /bin/dash /bin/bash \
			${tcpdump:+"$tcpdump"}
	} | sha256sum | cut -c1-16)
	stage=$TOY_CACHE/initramfs/$ver/base-$key
	if [ -f "$stage.cpio.gz" ]; then
		echo "$stage"
		return 0
	fi
	toy_log "building the base initramfs for $ver"
	rm -rf "$TOY_CACHE/initramfs/$ver"
	root=$stage/root
	mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc/modprobe.d,proc,sys,dev,tmp,run,root,toy/bin,toy/selftests}

	# busybox-static and its applet links (relative targets work anywhere).
	cp "$(command -v busybox)" "$root/bin/busybox"
	local applet
	for applet in $(busybox --list-full); do
		[ -e "$root/$applet" ] && continue
		mkdir -p "$root/$(dirname "$applet")"
		ln -s /bin/busybox "$root/$applet"
	done
	# The real iproute2 (busybox tc has no netem, busybox ip lacks most of
	# `ip link add`), bash for scripts that ask for it, and dash as /bin/sh
	# as on Debian: busybox's sh runs its own applets for ip/tc whatever
	# PATH says, so it must not be the shell that runs the tests.
	rm -f "$root/sbin/ip" "$root/sbin/tc" "$root/bin/bash" "$root/bin/sh"
	_toy_copy_elf /usr/sbin/ip sbin/ip "$root"
	_toy_copy_elf /usr/sbin/tc sbin/tc "$root"
	_toy_copy_elf /usr/sbin/ethtool sbin/ethtool "$root"
	# tcpdump (scripts/deps.sh installs it): the dissector's real capture
	if [ -n "$tcpdump" ]; then
		_toy_copy_elf "$tcpdump" usr/bin/tcpdump "$root"
	fi
	_toy_copy_elf /bin/bash bin/bash "$root"
	_toy_copy_elf /bin/dash bin/dash "$root"
	ln -s dash "$root/bin/sh"

	# tcpdump drops root for its own user, as on Debian.
	printf 'root:x:0:0:root:/root:/bin/sh\ntcpdump:x:100:101::/nonexistent:/bin/false\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' \
		>"$root/etc/passwd"
	printf 'root:x:0:\ntcpdump:x:101:\nnogroup:x:65534:\n' >"$root/etc/group"
	printf '127.0.0.1\tlocalhost\n' >"$root/etc/hosts"
	# Autoloading (socket(AF_TOY) -> net-pf-25) gets the test options too.
	echo 'options toy timewait_ms=200' >"$root/etc/modprobe.d/toy.conf"

	# Kernel modules the tests need, decompressed (busybox modprobe reads
	# plain .ko), plus the files depmod needs to know what is built in.
	local mdir=$root/lib/modules/$ver src=$TOY_VM_MODULES_DIR/$ver
	mkdir -p "$mdir"
	local opt=() o
	for o in $TOY_VM_KMODS_OPT; do
		_toy_kmod_closure "$ver" "$o" | grep -q '^missing:' || opt+=("$o")
	done
	for kmod in $(_toy_kmod_closure "$ver" "$TOY_VM_KMODS ${opt[*]}"); do
		case $kmod in missing:*)
			toy_log "kernel $ver has no module ${kmod#missing:}"
			return 1 ;;
		esac
		path=$mdir/$kmod
		mkdir -p "$(dirname "$path")"
		case $kmod in
		*.ko.xz) xz -dc "$src/$kmod" >"${path%.xz}" ;;
		*.ko.zst) zstd -qdc "$src/$kmod" >"${path%.zst}" ;;
		*.ko.gz) gzip -dc "$src/$kmod" >"${path%.gz}" ;;
		*) cp "$src/$kmod" "$path" ;;
		esac
	done
	for f in modules.builtin modules.builtin.modinfo modules.order; do
		[ -f "$src/$f" ] && cp "$src/$f" "$mdir/"
	done

	cp "$TOY_ROOT/scripts/guest-init.sh" "$root/init"
	chmod 755 "$root/init"
	(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$stage.cpio.gz.tmp"
	mv "$stage.cpio.gz.tmp" "$stage.cpio.gz"
	echo "$stage"
}

# The programs of README's "In the tools you already use" that the base
# image lacks: Debian's python3 with Scapy, socat, nstat, perf and bpftrace,
# with their libraries (lab/ goes in the small archive of each run).
# Kernel-independent and large (~90 MB
# compressed), so only TOY_VM_LAB=1 runs get it (selftests/lab_tools.sh).
# Print the path of the cached archive.
TOY_VM_LAB_PKGS="python3.11-minimal libpython3.11-stdlib python3-scapy socat iproute2 linux-perf bpftrace"
toy_initramfs_lab() {
	local key out root f lib py
	key=$( {
		dpkg-query -W $TOY_VM_LAB_PKGS
		sha256sum "${BASH_SOURCE[0]}"
	} | sha256sum | cut -c1-16)
	out=$TOY_CACHE/initramfs/lab-$key.cpio.gz
	if [ -f "$out" ]; then
		echo "$out"
		return 0
	fi
	toy_log "building the lab initramfs (python3, scapy, socat, nstat, perf, bpftrace)"
	rm -f "$TOY_CACHE"/initramfs/lab-*.cpio.gz
	root=$(mktemp -d "$TOY_CACHE/initramfs/lab.XXXXXX")
	py=$(readlink -f /usr/bin/python3)
	_toy_copy_elf "$py" usr/bin/python3 "$root"
	mkdir -p "$root/usr/lib"
	rsync -a --exclude test --exclude idlelib --exclude tkinter \
		--exclude turtledemo --exclude ensurepip --exclude lib2to3 \
		--exclude 'config-*' --exclude pydoc_data \
		"/usr/lib/$(basename "$py")/" "$root/usr/lib/$(basename "$py")/" || return 1
	# The extension modules' own libraries (ctypes' libffi, ...).
	for f in "$root/usr/lib/$(basename "$py")"/lib-dynload/*.so; do
		for lib in $(ldd "$f" 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// { print $3 }'); do
			[ -e "$root/$lib" ] && continue
			mkdir -p "$root/$(dirname "$lib")"
			cp -L "$lib" "$root/$lib"
		done
	done
	mkdir -p "$root/usr/lib/python3/dist-packages" "$root/etc"
	cp -a /usr/lib/python3/dist-packages/scapy "$root/usr/lib/python3/dist-packages/"
	for f in /etc/protocols /etc/services /etc/ethertypes; do
		[ -f "$f" ] && cp "$f" "$root/etc/"
	done
	_toy_copy_elf /usr/bin/socat usr/bin/socat "$root"
	_toy_copy_elf /usr/bin/nstat usr/bin/nstat "$root"
	_toy_copy_elf /usr/bin/perf usr/bin/perf "$root"
	_toy_copy_elf /usr/bin/bpftrace usr/bin/bpftrace "$root"
	(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$out.tmp"
	mv "$out.tmp" "$out"
	rm -rf "$root"
	echo "$out"
}

# Build the image for kernel $1 with toy.ko $2 and guest script $3: the
# cached base plus a small second archive (the kernel unpacks concatenated
# archives in order). Prints the image path.
toy_initramfs() {
	local ver=$1 ko=$2 script=$3 base out stage f
	base=$(toy_initramfs_base "$ver") || return 1
	out=$TOY_CACHE/initramfs/$ver
	stage=$(mktemp -d "$out/payload.XXXXXX")
	mkdir -p "$stage/toy/bin" "$stage/toy/selftests" "$stage/toy/guest"
	cp "$ko" "$stage/toy/toy.ko" || return 1
	if [ -d "$TOY_ROOT/userspace" ]; then
		for f in $(_toy_dir_files "$TOY_ROOT/userspace"); do
			_toy_copy_elf_or_file "$f" "toy/bin/$(basename "$f")" "$stage"
		done
	fi
	if [ -d "$TOY_ROOT/selftests" ]; then
		for f in $(_toy_dir_files "$TOY_ROOT/selftests"); do
			_toy_copy_elf_or_file "$f" "toy/selftests/$(basename "$f")" "$stage"
		done
	fi
	# What the selftests compare their output with (toy_trace.sh).
	if [ -d "$TOY_ROOT/selftests/golden" ]; then
		cp -r "$TOY_ROOT/selftests/golden" "$stage/toy/selftests/golden"
	fi
	cp "$script" "$stage/toy/guest/$(basename "$script")"
	chmod 755 "$stage/toy/guest/$(basename "$script")"

	# modules.dep/alias covering toy.ko (extra/) and the kernel modules, so
	# busybox modprobe and net-pf-25 autoloading work: depmod over a
	# hard-linked copy of the base tree, then ship the results.
	local tree
	tree=$(mktemp -d "$out/depmod.XXXXXX")
	cp -al "$base/root/lib" "$tree/lib"
	mkdir -p "$tree/lib/modules/$ver/extra"
	cp "$ko" "$tree/lib/modules/$ver/extra/toy.ko"
	depmod -b "$tree" "$ver" || return 1
	mkdir -p "$stage/lib/modules/$ver/extra"
	cp "$ko" "$stage/lib/modules/$ver/extra/toy.ko"
	cp "$tree/lib/modules/$ver"/modules.* "$stage/lib/modules/$ver/"
	rm -rf "$tree"

	local lab=
	if [ "${TOY_VM_LAB:-0}" = 1 ]; then
		lab=$(toy_initramfs_lab) || return 1
		mkdir -p "$stage/toy/lab"
		cp "$TOY_ROOT"/lab/*.py "$stage/toy/lab/"
	fi
	(cd "$stage" && find . | cpio -o -H newc --quiet | gzip -1) >"$stage.cpio.gz"
	cat "$base.cpio.gz" ${lab:+"$lab"} "$stage.cpio.gz" >"$out/initrd.img"
	rm -rf "$stage" "$stage.cpio.gz"
	echo "$out/initrd.img"
}

# Scripts go in as they are; ELF files with their libraries.
_toy_copy_elf_or_file() {
	if [ "$(head -c 4 "$1")" = $'\x7fELF' ]; then
		_toy_copy_elf "$1" "$2" "$3"
	else
		mkdir -p "$3/$(dirname "$2")"
		cp "$1" "$3/$2"
	fi
}

# --- d./e. boot and judge -------------------------------------------------

# Boot kernel $1 with initrd $2, guest script path (in the guest) $3, mode
# $4, comma-joined args $5; logs go to dir $6. Returns QEMU's status via
# timeout (124: timed out). TOY_VM_STREAM=1 prints the side channel live.
_toy_qemu() {
	local ver=$1 initrd=$2 script=$3 mode=$4 args=$5 dir=$6 kernel qpid rc=0
	kernel=${TOY_VM_KERNEL_IMAGE:-/boot/vmlinuz-$ver}
	if [ ! -r "$kernel" ]; then
		# Debian's /boot/vmlinuz-* is root-only: keep a readable copy.
		mkdir -p "$TOY_CACHE/boot"
		toy_as_root cat "$kernel" >"$TOY_CACHE/boot/vmlinuz-$ver"
		kernel=$TOY_CACHE/boot/vmlinuz-$ver
	fi
	: >"$dir/console.log"
	: >"$dir/result.log"
	: >"$dir/dmesg.log"
	local append="console=ttyS0 panic=-1 panic_on_warn=1 oops=panic loglevel=4"
	append+=" toy.mode=$mode toy.script=$script"
	[ -n "$args" ] && append+=" toy.args=$args"
	[ -n "${TOY_VM_APPEND:-}" ] && append+=" $TOY_VM_APPEND"
	local extra=()
	read -ra extra <<<"${TOY_VM_QEMU_ARGS:-}"
	timeout -k 10 "$TOY_VM_TIMEOUT" qemu-system-x86_64 \
		-accel tcg -m "${TOY_VM_MEM:-1024}" -smp "${TOY_VM_SMP:-2}" -nographic -no-reboot \
		-nodefaults \
		-monitor none \
		-serial "file:$dir/console.log" \
		-serial "file:$dir/result.log" \
		-serial "file:$dir/dmesg.log" \
		-kernel "$kernel" -initrd "$initrd" -append "$append" \
		"${extra[@]}" \
		</dev/null >"$dir/qemu.log" 2>&1 &
	qpid=$!
	if [ "${TOY_VM_STREAM:-0}" = 1 ]; then
		# tail ends by itself when QEMU (its --pid) has gone.
		tail -n +1 -s 0.2 -F --pid="$qpid" "$dir/result.log" 2>/dev/null |
			sed -u -e 's/\r$//' -e '/^TOY-UPTIME:/d' \
				-e '/^TOY-EXPORT-BEGIN /,/^TOY-EXPORT-END$/d' || true
	fi
	wait "$qpid" || rc=$?
	return "$rc"
}

# Unpack the files the guest exported (see the header) from side channel
# $1 into directory $2, which is emptied first. Names are reduced to their
# last component so that a guest cannot write outside $2.
_toy_vm_exports() {
	local chan=$1 dir=$2 name='' line tmp
	rm -rf "$dir"
	mkdir -p "$dir"
	tmp=$dir/.b64
	while IFS= read -r line; do
		case $line in
		'TOY-EXPORT-BEGIN '*)
			name=${line#TOY-EXPORT-BEGIN }
			name=${name##*/}
			: >"$tmp" ;;
		TOY-EXPORT-END)
			if [ -n "$name" ] && [ "$name" != . ] && [ "$name" != .. ]; then
				base64 -d "$tmp" >"$dir/$name" ||
					toy_log "export $name: bad base64"
			fi
			name= ;;
		*) [ -n "$name" ] && echo "$line" >>"$tmp" ;;
		esac
	done <"$chan"
	rm -f "$tmp"
}

# Run guest script $2 (host path) on kernel $1 with args "${@:3}".
# Mode from TOY_VM_MODE (run|noinsmod). Sets TOY_VM_DIR (logs; the guest's
# exported files in its export/) and TOY_VM_SECONDS (wall time); returns 0
# only for a clean, successful run.
toy_vm_run() {
	local t0 rc=0
	toy_vm_prepare "$@" || return 1
	t0=$(date +%s.%N)
	toy_vm_boot || rc=$?
	TOY_VM_SECONDS=$(echo "$(date +%s.%N) - $t0" | bc | xargs printf '%.1f')
	toy_vm_judge "$rc"
}

# The parts of toy_vm_run, for a caller that boots several guests at once
# (scripts/wire.sh). toy_vm_prepare KERNEL SCRIPT [ARG...] builds toy.ko
# and the image and sets TOY_VM_VER, TOY_VM_DIR (its initrd.img is the
# image), TOY_VM_GSCRIPT and TOY_VM_ARGS; toy_vm_boot boots it (again if
# the kernel died before /init) and returns QEMU's status; toy_vm_judge RC
# unpacks the exports and judges the logs. TOY_VM_* settings are read when
# each part runs.
toy_vm_prepare() {
	local script=$2 ko initrd name
	TOY_VM_VER=$1
	shift 2
	TOY_VM_ARGS=$(IFS=,; echo "$*")
	ko=$(toy_build_module "$TOY_VM_VER") || return 1
	toy_build_userspace || return 1
	initrd=$(toy_initramfs "$TOY_VM_VER" "$ko" "$script") || return 1
	name=${TOY_VM_NAME:-$(basename "$script" .sh)}
	TOY_VM_DIR=$TOY_CACHE/runs/$TOY_VM_VER/$name
	mkdir -p "$TOY_VM_DIR"
	mv "$initrd" "$TOY_VM_DIR/initrd.img"
	# Selftests run where they were packaged (they may find siblings via
	# $0); any other script from /toy/guest/.
	case $(cd "$(dirname "$script")" && pwd) in
	"$TOY_ROOT/selftests") TOY_VM_GSCRIPT=/toy/selftests/$(basename "$script") ;;
	*) TOY_VM_GSCRIPT=/toy/guest/$(basename "$script") ;;
	esac
}

# The emulator's own failure, not the kernel's: "Oops: int3" with RIP in
# the core kernel. x86 patches a static key or alternative by writing an
# int3 over the site, then the new bytes, then syncing every CPU; under
# multi-threaded TCG an idle vCPU can still run the translated int3 after
# the patch is done, and the kernel, no longer expecting it, oopses
# (console.boot-failed.log of CI runs: sched_clock_idle_wakeup_event at
# boot, __schedule when perf enabled its events). toy.ko places no int3
# anywhere, so a trap inside it is never this and still fails the run; so
# does one in a function's int3 padding (__pfx_*: a jump to a bad
# address), and any run in which a test had already failed (its results
# would be lost with the run). Prints the RIP line when console $1 and
# side channel $2 show such a trap.
_toy_vm_emulator_int3() {
	local rip
	grep -aq 'Oops: int3' "$1" || return 1
	grep -aq '^not ok' "$2" && return 1
	rip=$(grep -a -m1 -A8 'Oops: int3' "$1" | grep -a -m1 'RIP: ') || return 1
	case $rip in
	*'[toy]'*|*toy_*|*__pfx_*) return 1 ;;
	esac
	echo "${rip#*RIP: }" | tr -d '\r'
}

toy_vm_boot() {
	local rc=0 mode=${TOY_VM_MODE:-run} rip
	_toy_qemu "$TOY_VM_VER" "$TOY_VM_DIR/initrd.img" "$TOY_VM_GSCRIPT" \
		"$mode" "$TOY_VM_ARGS" "$TOY_VM_DIR" || rc=$?
	# A kernel that died before /init ran never saw toy.ko or a test, and
	# one the emulator tripped (above) was not judged by a test: boot once
	# more, keeping the first console. Never twice.
	if ! grep -aq '^TOY-UPTIME: start' "$TOY_VM_DIR/result.log"; then
		cp "$TOY_VM_DIR/console.log" "$TOY_VM_DIR/console.boot-failed.log"
		toy_log "$TOY_VM_VER: the kernel did not reach /init (rc $rc;" \
			"$TOY_VM_DIR/console.boot-failed.log): booting once more"
	elif rip=$(_toy_vm_emulator_int3 "$TOY_VM_DIR/console.log" \
		   "$TOY_VM_DIR/result.log"); then
		cp "$TOY_VM_DIR/console.log" "$TOY_VM_DIR/console.emulator-int3.log"
		cp "$TOY_VM_DIR/result.log" "$TOY_VM_DIR/result.emulator-int3.log"
		toy_log "$TOY_VM_VER: TCG code-patching trap, not a test's (Oops:" \
			"int3 at $rip; $TOY_VM_DIR/console.emulator-int3.log):" \
			"running once more"
	else
		return "$rc"
	fi
	rc=0
	_toy_qemu "$TOY_VM_VER" "$TOY_VM_DIR/initrd.img" "$TOY_VM_GSCRIPT" \
		"$mode" "$TOY_VM_ARGS" "$TOY_VM_DIR" || rc=$?
	return "$rc"
}

toy_vm_judge() {
	local rc=$1 ver=$TOY_VM_VER ok=1 name
	name=$(basename "$TOY_VM_DIR")
	tr -d '\r' <"$TOY_VM_DIR/result.log" >"$TOY_VM_DIR/result.txt"
	_toy_vm_exports "$TOY_VM_DIR/result.txt" "$TOY_VM_DIR/export"

	local why=()
	[ "$rc" -eq 124 ] && why+=("timed out after ${TOY_VM_TIMEOUT}s")
	[ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] && why+=("qemu exited $rc")
	# The verdict is the channel's last line: /init writes it after the
	# script has exited, so a stray "TOY-RESULT:" from a test cannot count.
	if [ "$(tail -n 1 "$TOY_VM_DIR/result.txt")" != 'TOY-RESULT: success' ]; then
		why+=("no success signal ($(grep '^TOY-RESULT:' "$TOY_VM_DIR/result.txt" |
			tail -n 1 | grep . || echo 'no TOY-RESULT line'))")
	fi
	local bad
	bad=$(grep -aEn "$TOY_VM_BAD" "$TOY_VM_DIR/console.log" "$TOY_VM_DIR/dmesg.log" || true)
	[ -n "$bad" ] && why+=("kernel reported a problem")
	if [ "${#why[@]}" -gt 0 ]; then
		ok=0
		{
			echo "=== $ver: FAILED: ${why[*]}"
			echo "--- console tail ($TOY_VM_DIR/console.log)"
			tail -n 40 "$TOY_VM_DIR/console.log" | tr -d '\r'
			echo "--- side channel tail ($TOY_VM_DIR/result.txt)"
			tail -n 20 "$TOY_VM_DIR/result.txt"
			if [ -n "$bad" ]; then
				echo "--- offending lines"
				echo "$bad" | tr -d '\r' | head -n 40
			fi
			[ -s "$TOY_VM_DIR/qemu.log" ] && cat "$TOY_VM_DIR/qemu.log"
		} >&2
	fi
	toy_log "$ver: $name $([ "$ok" = 1 ] && echo passed || echo FAILED)" \
		"in ${TOY_VM_SECONDS}s (boot to init: $(awk '$1 == "TOY-UPTIME:" && $2 == "start" { print $3 "s" }' "$TOY_VM_DIR/result.txt"), logs: $TOY_VM_DIR)"
	[ "$ok" = 1 ]
}

toy_vm_main() {
	local mode=run
	while [ $# -gt 0 ]; do
		case $1 in
		--mode) mode=$2; shift 2 ;;
		--stream) export TOY_VM_STREAM=1; shift ;;
		-h|--help) sed -n '3,/^set -e/p' "${BASH_SOURCE[0]}" | sed '$d'; return 0 ;;
		*) break ;;
		esac
	done
	if [ $# -lt 2 ]; then
		echo "usage: $0 [--mode run|noinsmod] [--stream] KERNEL GUEST_SCRIPT [ARG...]" >&2
		return 2
	fi
	local ver
	if [ "$1" = debug ]; then
		toy_vm_use_debug_kernel || return 1
		ver=$TOY_VM_DEBUG_VER
	else
		ver=$(toy_vm_kernel "$1") || return 1
	fi
	shift
	TOY_VM_MODE=$mode toy_vm_run "$ver" "$@"
}

# Build or reuse the debug kernel and point the run at it: sets
# TOY_VM_KERNEL_IMAGE, TOY_VM_KBUILD, TOY_VM_MODULES_DIR and
# TOY_VM_DEBUG_VER (its `uname -r`).
toy_vm_use_debug_kernel() {
	local dir
	dir=$("$TOY_ROOT/scripts/debug-kernel.sh") || return 1
	TOY_VM_KERNEL_IMAGE=$dir/bzImage
	TOY_VM_KBUILD=$dir/build
	TOY_VM_MODULES_DIR=$dir/modules/lib/modules
	TOY_VM_DEBUG_VER=$(cat "$dir/kernelrelease")
}

if [ "${#BASH_SOURCE[@]}" -eq 1 ]; then
	toy_vm_main "$@"
fi
