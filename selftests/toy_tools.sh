#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# toycat with nc's habits, over loopback: -q SECS quits that long after
# stdin EOF whether or not the peer closes, -z only tells whether a port
# accepts, and -N, -n and -4 are taken in a real transfer. Then toyss with
# ss's: a filter expression on a live connection, and -N NETNS. Prints TAP.
# Every wait has a deadline; none sleeps a fixed time and then asserts,
# but for the one case that must still be waiting after it.
#
# Environment: toycat and toyss on PATH or in TOY_BIN_DIR; toy.ko loaded;
# ip (netns).

set -u

HERE=$(cd "$(dirname "$0")" && pwd)
PATH=${TOY_BIN_DIR:-/toy/bin}:$PATH
TMP=${TMPDIR:-/tmp}/toy_tools.$$
PIDS=""

# shellcheck source=selftests/lib.sh
. "$HERE/lib.sh"

cleanup() {
	for p in $PIDS; do
		kill "$p" 2>/dev/null
	done
	wait 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
mkdir -p "$TMP"

if timeout 1 true 2>/dev/null; then
	limited() { timeout "$@"; }
else
	limited() { _t=$1; shift; timeout -t "$_t" "$@"; }
fi

# Wait up to 20 s for file $1 to contain $2.
wait_for() {
	_i=0
	while ! grep -q "$2" "$1" 2>/dev/null; do
		_i=$((_i + 1))
		[ "$_i" -le 200 ] || return 1
		sleep 0.1
	done
}

# serve PORT OUT: a toycat server whose stdin never ends (the peer's EOF
# never comes from it), writing what it reads to OUT. Returns once it
# listens.
serve() {
	mkfifo "$TMP/in.$1"
	sleep 60 >"$TMP/in.$1" &
	PIDS="$PIDS $!"
	toycat -v -l 127.0.0.1 "$1" <"$TMP/in.$1" >"$2" 2>"$TMP/err.$1" &
	PIDS="$PIDS $!"
	wait_for "$TMP/err.$1" "listening on"
}

if ! loaded; then
	skip "toycat" "toy.ko is not loaded"
	tap_end
	exit
fi

# -q 0: quit once stdin is sent, though the server never closes.
serve 7301 "$TMP/out.7301" || diag "no server on 7301: $(cat "$TMP/err.7301")"
printf 'hello' | limited 20 toycat -q 0 127.0.0.1 7301
rc=$?
check "toycat -q 0 quits after stdin EOF (exit $rc, want 0)" [ "$rc" -eq 0 ]
wait_for "$TMP/out.7301" hello
check "the server got the bytes -q 0 sent" [ "$(cat "$TMP/out.7301")" = hello ]

# -q 1 waits its second, then quits.
serve 7302 "$TMP/out.7302"
printf 'x' | limited 20 toycat -q 1 127.0.0.1 7302
rc=$?
check "toycat -q 1 quits a second after stdin EOF (exit $rc, want 0)" [ "$rc" -eq 0 ]

# No -q: it waits for the peer's EOF, which never comes.
serve 7303 "$TMP/out.7303"
printf 'x' | limited 3 toycat 127.0.0.1 7303
rc=$?
timed_out=false
{ [ "$rc" -eq 124 ] || [ "$rc" -eq 143 ]; } && timed_out=true
check "without -q, toycat still waits for the peer's EOF after 3 s (exit $rc)" \
	$timed_out

# -z: a listening port says yes, a closed one no, with the reason.
serve 7304 "$TMP/out.7304"
limited 20 toycat -z 127.0.0.1 7304 </dev/null >"$TMP/z.out" 2>&1
rc=$?
good=false
[ "$rc" -eq 0 ] && [ ! -s "$TMP/z.out" ] && good=true
check "toycat -z on a listening port: exit $rc, want 0, nothing printed" $good
limited 20 toycat -z 127.0.0.1 7399 </dev/null >"$TMP/z.out" 2>&1
rc=$?
good=false
[ "$rc" -eq 1 ] && grep -q "Connection refused" "$TMP/z.out" && good=true
check "toycat -z on a closed port: exit $rc, want 1, 'Connection refused'" $good

# nc's -N -n -4 in a whole exchange; -k serves one connection after another.
toycat -N -n -4 -v -lk 127.0.0.1 7305 </dev/null >"$TMP/out.7305" \
	2>"$TMP/err.7305" &
PIDS="$PIDS $!"
wait_for "$TMP/err.7305" "listening on"
printf 'both ways' | limited 20 toycat -N -n -4 127.0.0.1 7305 >/dev/null
rc=$?
good=false
[ "$rc" -eq 0 ] && wait_for "$TMP/out.7305" "both ways" && good=true
check "toycat -N -n -4 moves the bytes (exit $rc)" $good

# The peer's EOF ends toycat's stdout while it still sends: a server that
# reads the whole request, then answers (the fifo carries the answer back
# into toycat's stdin). No timeout(1) in that pipeline: it would hold the
# pipe open after toycat let go of it; -w bounds the wait instead.
mkfifo "$TMP/rr"
{ toycat -w 20 -v -l 127.0.0.1 7307 <"$TMP/rr" | wc -c >"$TMP/rr"; } \
	2>"$TMP/err.7307" &
rr=$!
PIDS="$PIDS $rr"
wait_for "$TMP/err.7307" "listening on"
reply=$(printf 'request' | limited 20 toycat 127.0.0.1 7307)
rc=$?
wait "$rr"
reply=$(echo $reply)	# wc pads its count with spaces
good=false
[ "$rc" -eq 0 ] && [ "$reply" = 7 ] && good=true
check "toycat -l <fifo | wc -c >fifo answers after the request's EOF (reply '$reply', exit $rc)" \
	$good

# toyss's expression, on a live connection: its two ends and the listener
# match the port either way round, a negation leaves the other sockets.
# -k: the listener stays while it serves the connection
mkfifo "$TMP/in.srv" "$TMP/in.cli"
sleep 60 >"$TMP/in.srv" &
PIDS="$PIDS $!"
sleep 60 >"$TMP/in.cli" &
PIDS="$PIDS $!"
toycat -k -v -l 127.0.0.1 7306 <"$TMP/in.srv" >/dev/null 2>"$TMP/err.7306" &
PIDS="$PIDS $!"
wait_for "$TMP/err.7306" "listening on"
toycat 127.0.0.1 7306 <"$TMP/in.cli" >/dev/null 2>&1 &
PIDS="$PIDS $!"
# rows NAME ARGS...: toyss -H's output lines for ARGS, into $rows
rows() { rows=$(toyss -H "$@" 2>&1 | wc -l); }
estab_both() { rows state established '( sport = :7306 or dport = :7306 )'; [ "$rows" -eq 2 ]; }
_i=0
until estab_both; do
	_i=$((_i + 1))
	[ "$_i" -le 200 ] || break
	sleep 0.1
done
check "toyss state established '( sport = :7306 or dport = :7306 )': both ends ($rows)" \
	[ "$rows" -eq 2 ]
rows -a '( sport = :7306 or dport = :7306 )'
check "toyss -a, the same expression: and the listener ($rows)" [ "$rows" -eq 3 ]
rows -a sport = :7306 and not dst 127.0.0.1
check "toyss -a sport = :7306 and not dst 127.0.0.1: the listener only ($rows)" \
	[ "$rows" -eq 1 ]
toyss -a '( sport = :7306' >"$TMP/ss.err" 2>&1
rc=$?
good=false
[ "$rc" -eq 2 ] && [ "$(wc -l <"$TMP/ss.err")" -eq 2 ] && good=true
check "toyss with a ')' missing: exit $rc, one line then where help is" $good

# -N: another namespace's sockets (none), and a namespace that is not there
if ip netns add toy-tools-ns 2>/dev/null; then
	out=$(toyss -N toy-tools-ns -aH 2>&1)
	rc=$?
	good=false
	[ "$rc" -eq 0 ] && [ -z "$out" ] && good=true
	check "toyss -N toy-tools-ns -aH: exit $rc, nothing listed" $good
	ip netns del toy-tools-ns
else
	skip "toyss -N" "no ip netns"
fi
toyss -N toy-tools-none -a >/dev/null 2>&1
rc=$?
check "toyss -N of a missing namespace: exit $rc, want 1" [ "$rc" -eq 1 ]

tap_end
