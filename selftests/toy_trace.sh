#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# toytrace's drawing of a scripted connection, compared with a golden file.
# The module is reloaded with fixed_isn=1000 (every ISN is 1000 + the local
# port) and toydemo binds the client to port 40000, so every number in the
# diagram is known in advance; only the time column varies, and it is
# blanked before comparing with golden/handshake.txt. Prints TAP. Runs
# after the other tests and before toy_module.sh (it reloads the module),
# and leaves the module loaded as found: timewait_ms=200, no fixed_isn.
#
# Environment: TOY_KO (default /toy/toy.ko); toytrace and toydemo on PATH
# or in TOY_BIN_DIR.
#
# To regenerate the golden file after a deliberate change, run this in the
# VM with TOY_TRACE_SAVE=1 and copy $TMP.txt out (scripts/vm.sh can export
# it: cp it to $TOY_EXPORT_DIR); then read it through before committing.

set -u

HERE=$(cd "$(dirname "$0")" && pwd)
TOY_KO=${TOY_KO:-/toy/toy.ko}
PATH=${TOY_BIN_DIR:-/toy/bin}:$PATH
GOLDEN=$HERE/golden/handshake.txt
TMP=${TMPDIR:-/tmp}/toy_trace.$$
SERVER_PORT=7000
CLIENT_PORT=40000

# shellcheck source=selftests/lib.sh
. "$HERE/lib.sh"

# reload [PARAM=VALUE...]: with timewait_ms=200 and the parameters given,
# rmmod retried for up to 5 s first if it is loaded.
# shellcheck disable=SC2120 # check passes the arguments, shellcheck misses it
reload() {
	{ ! loaded || unload 50; } || { diag "rmmod toy failed"; return 1; }
	load timewait_ms=200 "$@"
}

# The diagram without its time column (the first 10 characters of a row).
untimed() {
	sed -E 's/^ *[0-9]+\.[0-9]{3} /          /' "$1"
}

same_as_golden() {
	untimed "$TMP.txt" >"$TMP.untimed"
	cmp -s "$GOLDEN" "$TMP.untimed" && return 0
	diag "diagram differs from $GOLDEN (- expected, + got):"
	diff -u "$GOLDEN" "$TMP.untimed" | sed 's/^/# /'
	return 1
}

svg_ok() {
	head -n 1 "$TMP.svg" | grep -q '^<?xml' && grep -q '</svg>' "$TMP.svg" &&
		grep -q 'SYN|ACK|SACKOK seq=8000 ack=41001' "$TMP.svg"
}

cleanup() {
	rm -f "$TMP".*
	# Whatever happened, leave the module as the other tests want it.
	if [ ! -d /sys/module/toy ] || ! param_is fixed_isn 0; then
		reload >/dev/null 2>&1
	fi
}
trap cleanup EXIT

echo "TAP version 13"

check "reload with fixed_isn=1000" reload fixed_isn=1000
check "fixed_isn is 1000 in sysfs" param_is fixed_isn 1000

# toytrace records in a tracefs instance of its own: the global buffer
# (a marker written there now), its switch and other tracers are left alone.
TRACEFS=/sys/kernel/tracing
[ -d "$TRACEFS/instances" ] || TRACEFS=/sys/kernel/debug/tracing
echo "toy_trace.sh marker $$" >"$TRACEFS/trace_marker" 2>/dev/null
tracing_on=$(cat "$TRACEFS/tracing_on" 2>/dev/null)

# toydemo runs straight through (stdin at EOF): socket, bind, listen,
# connect, accept, write, read, echo, read, close, EOF, close.
toytrace -s "$TMP.trace" -o "$TMP.svg" -- \
	toydemo -p "$SERVER_PORT" -c "$CLIENT_PORT" </dev/null >"$TMP.txt" 2>"$TMP.err"
rc=$?
check "the global trace buffer kept what it had (toytrace used its own)" \
	grep -q "toy_trace.sh marker $$" "$TRACEFS/trace"
check "tracing_on left as it was ($tracing_on)" \
	[ "$(cat "$TRACEFS/tracing_on" 2>/dev/null)" = "$tracing_on" ]
check "toytrace removed its tracefs instance" \
	[ -z "$(ls -d "$TRACEFS"/instances/toytrace.* 2>/dev/null)" ]
check "no overrun reported" [ -z "$(grep overran "$TMP.err")" ]
# toydemo's own lines come first; the diagram starts at "Connection 1:".
sed -n '/^\[/p' "$TMP.txt" >"$TMP.steps"
sed -i -n '/^Connection 1:/,$p' "$TMP.txt"
if [ "$rc" -eq 0 ]; then ok "toytrace -- toydemo exits 0"; else
	not_ok "toytrace -- toydemo exits 0 (got $rc)"
	sed 's/^/# /' "$TMP.err" "$TMP.steps"
fi
check "toydemo made all 14 steps" [ "$(wc -l <"$TMP.steps")" -eq 14 ]
check "the diagram matches golden/handshake.txt" same_as_golden
if [ "${TOY_TRACE_SAVE:-0}" = 1 ] && [ -n "${TOY_EXPORT_DIR:-}" ]; then
	untimed "$TMP.txt" >"$TOY_EXPORT_DIR/handshake.txt"
	cp "$TMP.txt" "$TOY_EXPORT_DIR/handshake-timed.txt"
fi

toytrace -r "$TMP.trace" >"$TMP.replay" 2>&1
check "toytrace -r of the saved trace draws the same, times included" \
	cmp -s "$TMP.txt" "$TMP.replay"
check "the SVG is complete and has the real numbers" svg_ok

check "reload without fixed_isn" reload
check "fixed_isn is 0 again" param_is fixed_isn 0
tap_end
