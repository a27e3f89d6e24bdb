# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# What the shell tests share, sourced (POSIX sh: busybox runs them in the
# VM): TAP output, and loading and unloading the module.
#
#   ok NAME, not_ok NAME, skip NAME WHY, diag TEXT
#   check NAME CMD...      one TAP line from CMD's exit status
#   tap_end                the plan line; fails if any test did
#   loaded                 toy.ko is loaded
#   param NAME             a parameter's value; param_is NAME VALUE
#   ns_counter NS NAME     a counter of /proc/net/toy_stat in namespace NS
#   veth_pair NA NB NET    namespaces NA and NB joined by a veth, a0 in NA
#                          (NET.1/24) and b0 in NB (NET.2/24), all up
#   load [PARAM=VALUE...]  insmod $TOY_KO
#   unload [TENTHS]        rmmod, retried for TENTHS tenths of a second
#                          (default 30): TIME-WAIT sockets hold the module
#
# The caller sets TOY_KO (default /toy/toy.ko) before load.

n=0
failed=0
TOY_PARAMS=/sys/module/toy/parameters

ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); echo "not ok $n - $*"; failed=$((failed + 1)); }
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }
diag() { echo "# $*"; }

check() {
	_check_name=$1
	shift
	if "$@"; then ok "$_check_name"; else not_ok "$_check_name"; fi
}

tap_end() {
	echo "1..$n"
	[ "$failed" -eq 0 ]
}

loaded() { [ -d /sys/module/toy ]; }
param() { cat "$TOY_PARAMS/$1" 2>/dev/null; }
param_is() { [ "$(param "$1")" = "$2" ]; }

veth_pair() {
	modprobe veth 2>/dev/null
	ip netns add "$1" && ip netns add "$2" &&
		ip link add a0 netns "$1" type veth peer name b0 netns "$2" &&
		ip -n "$1" addr add "$3.1/24" dev a0 &&
		ip -n "$2" addr add "$3.2/24" dev b0 &&
		ip -n "$1" link set a0 up && ip -n "$2" link set b0 up &&
		ip -n "$1" link set lo up && ip -n "$2" link set lo up
}

ns_counter() {
	ip netns exec "$1" cat /proc/net/toy_stat |
		awk -v n="$2" 'NR == 1 { for (i = 2; i <= NF; i++) c[i] = $i }
			       NR == 2 { for (i = 2; i <= NF; i++) if (c[i] == n) print $i }'
}

load() {
	insmod "${TOY_KO:-/toy/toy.ko}" "$@" ||
		{ diag "insmod ${TOY_KO:-/toy/toy.ko} $* failed"; return 1; }
}

unload() {
	_tries=${1:-30}
	while :; do
		rmmod toy 2>/dev/null && return 0
		_tries=$((_tries - 1))
		[ "$_tries" -gt 0 ] || return 1
		sleep 0.1
	done
}
