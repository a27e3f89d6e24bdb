#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The `make demo` walk-through, run inside the VM (toy.ko already loaded):
# a toycat server and client exchange a line over AF_TOY on loopback while
# toyss and /proc/net/toy_stat show what the kernel sees. POSIX sh: the
# guest has dash and busybox, no bash needed.
set -eu

step() {
	echo
	echo "### $*"
}

# Wait up to ~5 s for a listener on port $1 (hex in /proc/net/toy, state 0A).
wait_listen() {
	hex=$(printf '%04X' "$1")
	i=0
	while ! grep -q ":$hex 00000000:0000 0A " /proc/net/toy 2>/dev/null; do
		i=$((i + 1))
		[ "$i" -lt 50 ] || { echo "no listener on port $1"; return 1; }
		sleep 0.1
	done
}

step "toy.ko is loaded: AF_TOY is family $(cat /sys/module/toy/parameters/family)," \
	"carried in IP protocol $(cat /sys/module/toy/parameters/ipproto)"

step "start a server: toycat -l 127.0.0.1 7000 (in the background)"
toycat -v -l 127.0.0.1 7000 >/tmp/server.out 2>&1 &
server=$!
wait_listen 7000

step "the listening socket: toyss -ltn"
toyss -ltn

step "connect a client and send a line: echo hello | toycat 127.0.0.1 7000"
echo hello | toycat 127.0.0.1 7000

step "the server received:"
wait "$server" || { echo "server failed:"; cat /tmp/server.out; exit 1; }
cat /tmp/server.out

step "all sockets now (the closed connection lingers in TIME_WAIT): toyss -an"
toyss -an

step "protocol counters: cat /proc/net/toy_stat"
cat /proc/net/toy_stat

step "demo done"
