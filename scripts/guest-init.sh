#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The guest's /init (scripts/vm.sh puts it in the base initramfs): set up,
# load toy.ko, run the guest script named by toy.script= with the
# comma-separated toy.args=, and report on ttyS1: the script's output, any
# exported files, then "TOY-RESULT: success" or "TOY-RESULT: failure (why)"
# as the last line. toy.mode=noinsmod leaves toy.ko to the script. On a
# debug kernel it also unloads toy.ko and prints kmemleak's findings; a
# tainted kernel fails the run.
export PATH=/toy/bin:/toy/selftests:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root TERM=dumb
export TOY_KO=/toy/toy.ko TOY_BIN_DIR=/toy/bin TOY_SELFTESTS_DIR=/toy/selftests
export TOY_EXPORT_DIR=/tmp/toy-export

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run
mkdir -p "$TOY_EXPORT_DIR"
[ -d /sys/kernel/debug ] && mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
[ -d /sys/kernel/tracing ] && mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
ip link set lo up
hostname toyvm

# loglevel=4 keeps the boot quiet; from now on let KERN_WARNING through too,
# so a WARN or a lockdep report reaches the console log that the host scans.
echo 5 >/proc/sys/kernel/printk

# The side channel: only this port carries test output and the verdict.
stty -F /dev/ttyS1 raw -echo 2>/dev/null
exec 3>/dev/ttyS1

finish() {
	# kmemleak (debug kernels only): unload toy.ko so that whatever it
	# allocated and did not free is unreferenced, then scan twice (a leak
	# must stay unreferenced across scans) and print leaks on the console.
	if [ -w /sys/kernel/debug/kmemleak ]; then
		if [ -d /sys/module/toy ] && ! unload_toy; then
			echo "TOY-RMMOD: toy.ko still in use after the script" >&3
			[ "$1" = success ] && set -- failure "(rmmod toy failed)"
		fi
		# RCU callbacks run; kmemleak ignores objects younger than 5 s.
		sleep 6
		echo scan >/sys/kernel/debug/kmemleak
		echo scan >/sys/kernel/debug/kmemleak
		cat /sys/kernel/debug/kmemleak >/dev/console
	fi
	# A WARN, oops, bad page or soft lockup taints the kernel even when the
	# message itself was lost: fail on those taint bits.
	t=$(cat /proc/sys/kernel/tainted)
	if [ $((t & 17056)) -ne 0 ]; then
		echo "TOY-TAINT: kernel tainted $t" >&3
		[ "$1" = success ] && set -- failure "(tainted $t)"
	fi
	dmesg >/dev/ttyS2 2>/dev/null
	# Files for the host: base64 on the side channel, which only we write
	# now that the script has ended.
	for f in "$TOY_EXPORT_DIR"/*; do
		[ -f "$f" ] || continue
		echo "TOY-EXPORT-BEGIN ${f##*/}" >&3
		base64 "$f" >&3
		echo "TOY-EXPORT-END" >&3
	done
	echo "TOY-UPTIME: end $(cut -d' ' -f1 /proc/uptime)" >&3
	echo "TOY-RESULT: $*" >&3
	exec 3>&-	# closing a tty waits for its output to drain
	poweroff -f
	sleep 10
}

# rmmod toy, retried for 30 s: sockets in TIME_WAIT hold the module.
unload_toy() {
	i=0
	while ! rmmod toy 2>/dev/null; do
		i=$((i + 1))
		[ "$i" -lt 60 ] || { rmmod toy >&3 2>&3; return 1; }
		sleep 0.5
	done
}

mode=run args='' script=''
# shellcheck disable=SC2013 # the command line is words, not lines
for w in $(cat /proc/cmdline); do
	case $w in
	toy.mode=*) mode=${w#toy.mode=} ;;
	toy.args=*) args=${w#toy.args=} ;;
	toy.script=*) script=${w#toy.script=} ;;
	esac
done
echo "TOY-UPTIME: start $(cut -d' ' -f1 /proc/uptime)" >&3

if [ "$mode" != noinsmod ]; then
	for dep in $(modinfo -F depends /toy/toy.ko 2>/dev/null | tr , ' '); do
		modprobe "$dep"
	done
	if ! insmod /toy/toy.ko timewait_ms=200 >&3 2>&3; then
		finish failure "(insmod /toy/toy.ko failed)"
	fi
fi

if [ -z "$script" ] || [ ! -f "$script" ]; then
	finish failure "(no guest script '$script')"
fi
oldifs=$IFS
IFS=,
# shellcheck disable=SC2086 # toy.args is a comma-separated list
set -- $args
IFS=$oldifs
cd "$(dirname "$script")" || finish failure "(cd $(dirname "$script") failed)"
if [ -x "$script" ]; then
	"$script" "$@" </dev/null >&3 2>&3
else
	sh "$script" "$@" </dev/null >&3 2>&3
fi
rc=$?
if [ "$rc" -eq 0 ]; then
	finish success
fi
finish failure "(guest script exited $rc)"
