#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Module-level selftests, run as root inside the VM (busybox sh, no bash):
# rmmod is refused while any AF_TOY socket exists (TIME_WAIT included),
# socket() autoloads the module, and the family/ipproto parameters show in
# sysfs. Prints TAP. Leaves the module loaded with timewait_ms=200, as found.
#
# Environment: TOY_KO (default /toy/toy.ko); util_hold next to this script.

set -u

HERE=$(cd "$(dirname "$0")" && pwd)
TOY_KO=${TOY_KO:-/toy/toy.ko}
HOLD=$HERE/util_hold
TMP=${TMPDIR:-/tmp}/toy_module.$$
HOLD_PID=

# shellcheck source=selftests/lib.sh
. "$HERE/lib.sh"

not() { ! "$@"; }

# One rmmod attempt that must fail and leave the module loaded.
rmmod_refused() {
	if rmmod toy 2>/dev/null; then
		diag "rmmod toy succeeded while a socket existed"
		return 1
	fi
	loaded
}

# Waits up to $1 tenths of a second for /proc/net/toy to list no socket.
wait_idle() {
	tries=${1:-30}
	[ -e /proc/net/toy ] || return 0	# module not loaded: no sockets
	while [ "$(wc -l < /proc/net/toy)" -gt 1 ]; do
		tries=$((tries - 1))
		[ "$tries" -gt 0 ] || return 1
		sleep 0.1
	done
}

# Waits up to 5 s for "ready PORT" from util_hold listen.
wait_ready() {
	tries=50
	until grep -q '^ready ' "$TMP.hold" 2>/dev/null; do
		tries=$((tries - 1))
		[ "$tries" -gt 0 ] || return 1
		sleep 0.1
	done
}

# Whether /proc/net/toy shows a listener (state 0A) on local port $1.
listed_listening() {
	hex=$(printf '%04X' "$1")
	grep -q ":$hex 00000000:0000 0A " /proc/net/toy
}

stop_holder() {
	if [ -n "$HOLD_PID" ]; then
		kill "$HOLD_PID" 2>/dev/null
		wait "$HOLD_PID" 2>/dev/null
		HOLD_PID=
	fi
}

# Whatever happened, leave the module loaded the way the other tests want.
cleanup() {
	stop_holder
	rm -f "$TMP.hold"
	if loaded && ! param_is family 25; then
		unload 50
	fi
	loaded || insmod "$TOY_KO" timewait_ms=200 2>/dev/null
}
trap cleanup EXIT

echo "TAP version 13"

# --- parameters as loaded by the harness --------------------------------------
loaded || load timewait_ms=200
check "module is loaded" loaded
check "sysfs family is 25" param_is family 25
check "sysfs ipproto is 253" param_is ipproto 253
check "/proc/net/toy and /proc/net/toy_stat exist" \
	test -r /proc/net/toy -a -r /proc/net/toy_stat

# --- rmmod while a socket is open -----------------------------------------------
wait_idle 50 || diag "AF_TOY sockets left over from earlier tests"
"$HOLD" listen 30 > "$TMP.hold" &
HOLD_PID=$!
if wait_ready; then
	port=$(sed -n 's/^ready //p' "$TMP.hold")
	check "held listener is listed in /proc/net/toy" listed_listening "$port"
	check "rmmod fails while a socket is open" rmmod_refused
else
	not_ok "held listener is listed in /proc/net/toy"
	not_ok "rmmod fails while a socket is open"
fi
stop_holder
check "rmmod succeeds once every socket is closed" unload 30
check "/proc/net/toy is gone after rmmod" not test -e /proc/net/toy

# --- autoload ---------------------------------------------------------------------
alias_file=/lib/modules/$(uname -r)/modules.alias
if loaded; then
	skip "socket(25) autoloads the module" "module could not be unloaded"
elif [ ! -x /sbin/modprobe ]; then
	skip "socket(25) autoloads the module" "no /sbin/modprobe"
elif ! grep -qE '^alias net[-_]pf[-_]25( |$)' "$alias_file" 2>/dev/null; then
	skip "socket(25) autoloads the module" "no net-pf-25 in $alias_file"
else
	"$HOLD" probe 25
	check "socket(25) autoloads the module" loaded
fi
loaded && unload 30

# --- family=27 --------------------------------------------------------------------
if load family=27 timewait_ms=200; then
	check "insmod family=27: sysfs family is 27" param_is family 27
	check "insmod family=27: sysfs ipproto is still 253" param_is ipproto 253
	check "insmod family=27: socket(27) works" "$HOLD" probe 27
	check "insmod family=27: socket(25) is refused" not "$HOLD" probe 25
	check "insmod family=27: rmmod succeeds" unload 30
else
	not_ok "insmod family=27: sysfs family is 27"
fi

# --- ipproto=254 ------------------------------------------------------------------
loaded && unload 30
if load ipproto=254 timewait_ms=200; then
	check "insmod ipproto=254: sysfs ipproto is 254" param_is ipproto 254
	check "insmod ipproto=254: rmmod succeeds" unload 30
else
	not_ok "insmod ipproto=254: sysfs ipproto is 254"
fi

# --- TIME_WAIT holds the module ---------------------------------------------------
# A 3 s TIME_WAIT leaves time to try rmmod deterministically.
loaded && unload 30
if load timewait_ms=3000; then
	if "$HOLD" timewait; then
		check "rmmod fails while a connection is in TIME_WAIT" rmmod_refused
	else
		not_ok "rmmod fails while a connection is in TIME_WAIT"
	fi
	check "TIME_WAIT expires after timewait_ms" wait_idle 60
	check "rmmod succeeds after TIME_WAIT expired" unload 30
else
	not_ok "rmmod fails while a connection is in TIME_WAIT"
fi

# --- back to the state the other tests expect -------------------------------------
loaded && unload 50
load timewait_ms=200
check "module reloaded with timewait_ms=200" param_is family 25

tap_end
