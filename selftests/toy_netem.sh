#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# A reliable byte stream over a lossy network: AF_TOY transfers through a
# router whose egress interfaces run netem, one fault profile at a time,
# plus network-namespace isolation checks and an optional benchmark.
# Runs as root in the VM (dash), prints TAP.
#
#    ns toy-cli              ns toy-rtr (ip_forward=1)           ns toy-srv
#  +--------------+      +------------------------------+      +--------------+
#  | c0           | veth | r0              r1           | veth | s0           |
#  | 10.1.0.2/24  |------| 10.1.0.1/24     10.2.0.1/24  |------| 10.2.0.2/24  |
#  | default via  |      | netem on r0 egress (-> cli)  |      | default via  |
#  | 10.1.0.1     |      | netem on r1 egress (-> srv)  |      | 10.2.0.1     |
#  +--------------+      +------------------------------+      +--------------+
#  util_xfer -c                 forwards only                   util_xfer -s
#
#   toy_netem.sh [netns] [netem] [bench]     default: netns netem
#
# netns: a listener in one namespace is invisible (/proc/net/toy, toyss) and
#        unreachable from the others except through the routed path, and
#        each namespace counts in its own /proc/net/toy_stat.
# netem: for each profile, TOY_NETEM_BYTES up and then down (util_xfer
#        checks every byte and both hashes), then the counters summed over
#        cli and srv must show the fault: RetransSegs (and SackRetrans:
#        holes repaired from SACK blocks) under loss,
#        InCsumErrors under corruption, DupSegs under duplication,
#        OfoQueued under reordering, an MSS of 1280 - 20 - 24 = 1236 on
#        both ends of the MTU 1280 path, at least one 200 ms RTT under
#        delay; "all" must show the first four at once.
# bench: TOY_BENCH_MIB over loopback and over the clean routed path with
#        TCP and AF_TOY; prints "# bench:" lines with the ratio toy/tcp.
#        Never fails on a ratio, only on a wrong byte.
#
# Environment:
#   TOY_NETEM_BYTES     bytes per transfer (default 8 MiB = 8388608, what
#                       `make check` moves; `make check-full` 64 MiB)
#   TOY_NETEM_PROFILES  profiles to run (default: clean nogso gsooff loss
#                       dup reorder corrupt delay all mtu1280 v6clean
#                       v6loss v6reorder v6mtu1280 v6pmtu)
#   TOY_NETEM_RTO_MIN   TOY_RTO_MIN in ms for the lossy profiles (default
#                       20; 0 keeps the module's 200 ms)
#   TOY_NETEM_TIMEOUT   seconds per transfer before util_xfer gives up
#                       (default 600)
#   TOY_BENCH_MIB       MiB per benchmark transfer (default 16)
#
# clean also shows segmentation offload at work: the client sends
# super-segments (OutSuperSegs), fewer packets than segments, and they
# reach the server whole (InSuperSegs). How many segments each carries
# depends on the RTT (a millisecond's worth), so only that is checked.
# nogso is clean with c0 and s0 unable to carry them or to sum or gather
# (ethtool -K: tx-sctp-segmentation, sg, tx-checksum-ip-generic off):
# toy_gso_segment() cuts every super-segment into linear, summed
# segments, c0 sends at least one packet per segment, and none arrives
# whole. gsooff is clean with the module's gso parameter off: no
# super-segment is sent at all.
#
# The v6 profiles move the same bytes over IPv6 (fd00:1::2 to fd00:2::2,
# through the same router and qdiscs), where segments travel one by one
# (no IPv6 offload): v6clean (no super-segment either way), v6loss,
# v6reorder, v6mtu1280 (MSS 1280 - 40 - 24 = 1216 on both ends), and
# v6pmtu: only the router's link to the server has MTU 1280, so the
# client's 1500-byte packets meet a router that cannot forward them (IPv6
# routers never fragment): its Packet Too Big must lower the client's path
# MTU (ip -6 route get shows 1280) and its MSS to 1216, after which the
# client cuts its segments to the path instead of sending fragments (only
# what was in flight at the old size may go again in fragments).
#
# "all" puts every fault on one path at once, at rates a congestion
# controlled sender can cross in CI's time: with 10% loss on a 200 ms RTT
# (what it was before the congestion window), any sender that backs off
# on loss, TCP included, moves ~30 KB/s (Mathis et al.: MSS / RTT * 1.22 /
# sqrt(p)); with 3% on a 20 ms RTT, ~0.5 MB/s. "loss" keeps 10% on the
# sub-ms veth RTT.
#
# Under QEMU TCG (no KVM) with SACK, 8 MiB exercises the same repairs as
# 64 MiB (hundreds of retransmissions per profile) in a fraction of the
# time, which is why it is the default. Buffers (TOY_NETEM_BUF, default
# 2 MiB, set on both ends by util_xfer --buf) let the window cover the
# 200 ms RTT of "delay": the default 208 KiB would cap it at ~0.5 MB/s.
# Why TOY_RTO_MIN 20 ms on lossy profiles: a retransmission lost again,
# with nothing sent after it, waits for the RTO; the 200 ms floor against
# a sub-ms veth RTT makes each such stall cost 200 ms. The delay and
# mtu1280 profiles keep the default.

set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
XFER=$HERE/util_xfer
TOYSS=$(command -v toyss 2>/dev/null || echo "${TOY_BIN_DIR:-/toy/bin}/toyss")
BYTES=${TOY_NETEM_BYTES:-8388608}
# Spaces or commas (the kernel command line, which carries the VM's
# environment, takes no spaces in a value).
PROFILES=$(echo "${TOY_NETEM_PROFILES:-clean nogso gsooff loss dup reorder corrupt delay all mtu1280 v6clean v6loss v6reorder v6mtu1280 v6pmtu}" | tr , ' ')
BUF=${TOY_NETEM_BUF:-2097152}
RTO_MIN=${TOY_NETEM_RTO_MIN:-20}
TIMEOUT=${TOY_NETEM_TIMEOUT:-600}
BENCH_MIB=${TOY_BENCH_MIB:-16}
TMP=${TMPDIR:-/tmp}/toy_netem.$$

NS_CLI="toy-cli"
NS_RTR="toy-rtr"
NS_SRV="toy-srv"
NS_ISO="toy-iso"
CLI_IP=10.1.0.2
SRV_IP=10.2.0.2
CLI_IP6=fd00:1::2
SRV_IP6=fd00:2::2
PORT=5000		# the AF_TOY server in srv, for the whole run
PORT6=5003		# and its IPv6 twin
TCP_PORT=5001		# the TCP server in srv (bench)
LO_PORT=5002		# loopback servers in cli (bench)
MTU_SMALL=1280

PIDS=

# shellcheck source=selftests/lib.sh
. "$HERE/lib.sh"

# One wrapper per namespace: "cli CMD..." runs CMD in toy-cli, and so on.
cli() { ip netns exec "$NS_CLI" "$@"; }
rtr() { ip netns exec "$NS_RTR" "$@"; }
srv() { ip netns exec "$NS_SRV" "$@"; }
iso() { ip netns exec "$NS_ISO" "$@"; }

# poll TENTHS CMD...: retry CMD every 0.1 s until it succeeds or time is up.
poll() {
	tries=$1
	shift
	while ! "$@" 2>/dev/null; do
		tries=$((tries - 1))
		[ "$tries" -gt 0 ] || return 1
		sleep 0.1
	done
}

cleanup() {
	for pid in $PIDS; do
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	# A connection left behind (a killed transfer whose RST was lost, an
	# orphan still sending its FIN) would retransmit into a deleted path
	# for minutes, holding its namespace and toy.ko: abort them all, as an
	# administrator would with ss -K, and wait for the tables to empty.
	for ns in $NS_CLI $NS_SRV $NS_ISO; do
		ip netns exec "$ns" "$TOYSS" -K -a >/dev/null 2>&1 || true
		poll 50 ns_toy_empty "$ns" || true
	done
	for ns in $NS_CLI $NS_RTR $NS_SRV $NS_ISO; do
		# The state table counts per namespace: run_tests.sh's
		# coverage (TOY_FSM_DIR) gets what this one took.
		[ -z "${TOY_FSM_DIR:-}" ] ||
			ip netns exec "$ns" cat /proc/net/toy_fsm \
				>"$TOY_FSM_DIR/netem.$ns.$$" 2>/dev/null || true
		ip netns del "$ns" 2>/dev/null || true
	done
	rm -f "$TMP".*
}

# ns_toy_empty NS: /proc/net/toy in NS lists no socket (only its header).
ns_toy_empty() {
	[ "$(ip netns exec "$1" cat /proc/net/toy 2>/dev/null | wc -l)" -le 1 ]
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- topology ----------------------------------------------------------------

setup_topology() {
	modprobe veth 2>/dev/null || true
	modprobe sch_netem 2>/dev/null || true
	for ns in $NS_CLI $NS_RTR $NS_SRV $NS_ISO; do
		ip netns add "$ns"
		ip -n "$ns" link set lo up
	done
	ip link add c0 netns "$NS_CLI" type veth peer name r0 netns "$NS_RTR"
	ip link add s0 netns "$NS_SRV" type veth peer name r1 netns "$NS_RTR"
	ip -n "$NS_CLI" addr add "$CLI_IP/24" dev c0
	ip -n "$NS_RTR" addr add 10.1.0.1/24 dev r0
	ip -n "$NS_RTR" addr add 10.2.0.1/24 dev r1
	ip -n "$NS_SRV" addr add "$SRV_IP/24" dev s0
	ip -n "$NS_CLI" link set c0 up
	ip -n "$NS_RTR" link set r0 up
	ip -n "$NS_RTR" link set r1 up
	ip -n "$NS_SRV" link set s0 up
	ip -n "$NS_CLI" route add default via 10.1.0.1
	ip -n "$NS_SRV" route add default via 10.2.0.1
	rtr sh -c 'echo 1 >/proc/sys/net/ipv4/ip_forward'
	# IPv6 beside it, usable at once (nodad)
	ip -n "$NS_CLI" addr add "$CLI_IP6/64" dev c0 nodad
	ip -n "$NS_RTR" addr add fd00:1::1/64 dev r0 nodad
	ip -n "$NS_RTR" addr add fd00:2::1/64 dev r1 nodad
	ip -n "$NS_SRV" addr add "$SRV_IP6/64" dev s0 nodad
	ip -n "$NS_CLI" -6 route add default via fd00:1::1
	ip -n "$NS_SRV" -6 route add default via fd00:2::1
	rtr sh -c 'echo 1 >/proc/sys/net/ipv6/conf/all/forwarding'
	# toy-iso has only its loopback: it must not reach anything.
	poll 50 cli ping -c 1 -W 1 "$SRV_IP" >/dev/null
	poll 50 cli ping -c 1 -W 1 "$SRV_IP6" >/dev/null
}

set_mtu() {
	ip -n "$NS_CLI" link set c0 mtu "$1"
	ip -n "$NS_RTR" link set r0 mtu "$1"
	ip -n "$NS_RTR" link set r1 mtu "$1"
	ip -n "$NS_SRV" link set s0 mtu "$1"
}

# netem PARAMS...: the same netem on both router egresses; none if empty.
# set_offload on|off: what c0 and s0 may leave to the device.
set_offload() {
	cli ethtool -K c0 tx-sctp-segmentation "$1" sg "$1" \
		tx-checksum-ip-generic "$1" >/dev/null
	srv ethtool -K s0 tx-sctp-segmentation "$1" sg "$1" \
		tx-checksum-ip-generic "$1" >/dev/null
}

# tx_packets: what c0 has sent, in packets as the device counts them.
tx_packets() { cli cat /sys/class/net/c0/statistics/tx_packets; }

set_netem() {
	for dev in r0 r1; do
		rtr tc qdisc del dev "$dev" root 2>/dev/null || true
		# netem queues 1000 packets by default: less than the window.
		[ $# -eq 0 ] || rtr tc qdisc add dev "$dev" root netem limit 100000 "$@"
	done
}

# listening NS PORT: /proc/net/toy of NS shows a listener on PORT.
listening() {
	hex=$(printf '%04X' "$2")
	ip netns exec "$1" grep -q ":$hex 00000000:0000 0A " /proc/net/toy
}

# start_server NS FAMILY ADDR PORT: a util_xfer server, until cleanup.
start_server() {
	ip netns exec "$1" "$XFER" -s -f "$2" -b "$3" -p "$4" \
		>"$TMP.srv.$2.$4" 2>&1 &
	PIDS="$PIDS $!"
	poll 100 grep -q '^listening' "$TMP.srv.$2.$4"
}

# --- counters ----------------------------------------------------------------

snap() { ip netns exec "$1" cat /proc/net/toy_stat >"$2"; }

# The fragments IPv6 has made of the client's packets (0 without IPv6).
frag_creates() {
	cli cat /proc/net/snmp6 2>/dev/null |
		awk '$1 == "Ip6FragCreates" { n = $2 } END { print n + 0 }'
}

# counter FILE NAME: a counter by name from a toy_stat snapshot ("" if absent).
counter() {
	awk -v k="$2" 'NR == 1 { for (i = 2; i <= NF; i++) if ($i == k) c = i }
		NR == 2 && c { print $c }' "$1"
}

# changed SIDE: "Name=increase" for each counter of SIDE (cli or srv) that
# moved between the .0 and .1 snapshots.
changed() {
	awk 'FNR == 1 { for (i = 2; i <= NF; i++) name[i] = $i }
		FNR == 2 { for (i = 2; i <= NF; i++) v[FILENAME, i] = $i; n = NF }
		END { for (i = 2; i <= n; i++) {
			d = v[ARGV[2], i] - v[ARGV[1], i]
			if (d) printf "%s=%d ", name[i], d } }' \
		"$TMP.stat.$1.0" "$TMP.stat.$1.1"
}

# delta NAME: increase of NAME in cli plus srv between the .0 and .1 snapshots.
delta() {
	sum=0
	for side in cli srv; do
		a=$(counter "$TMP.stat.$side.0" "$1")
		b=$(counter "$TMP.stat.$side.1" "$1")
		if [ -z "$a" ] || [ -z "$b" ]; then
			echo "missing"
			return
		fi
		sum=$((sum + b - a))
	done
	echo "$sum"
}

gt0() { [ "$1" != missing ] && [ "$1" -gt 0 ]; }

# --- netns isolation ---------------------------------------------------------

# sees_listener NS PORT: toyss in NS lists a listener on PORT.
sees_listener() {
	ip netns exec "$1" "$TOYSS" -lnH 2>/dev/null | grep -q ":$2 "
}

# connect_fails NS ADDR ERRTEXT: a connection from NS to ADDR:PORT fails
# with the error whose strerror() text is ERRTEXT.
connect_fails() {
	if ip netns exec "$1" "$XFER" -c "$2" -p "$PORT" -n 1 -t 30 \
		>"$TMP.out" 2>"$TMP.err"; then
		diag "connection from $1 to $2 succeeded"
		return 1
	fi
	grep -q "$3" "$TMP.err" || { diag "$(cat "$TMP.err")"; return 1; }
}

# small_xfer ADDR: 64 KiB each way at once from cli to ADDR:PORT.
small_xfer() {
	if cli "$XFER" -c "$1" -p "$PORT" -n 65536 -d both -t 60 >"$TMP.out" 2>&1; then
		rc=0
	else
		rc=$?
	fi
	sed 's/^/# /' "$TMP.out"
	return "$rc"
}

run_netns() {
	diag "netns: listener on $SRV_IP:$PORT in $NS_SRV"
	check "netns: /proc/net/toy of $NS_SRV lists the listener" \
		listening "$NS_SRV" "$PORT"
	for ns in $NS_CLI $NS_RTR $NS_ISO; do
		check "netns: /proc/net/toy of $ns does not list it" \
			not listening "$ns" "$PORT"
	done
	check "netns: toyss (sock_diag) in $NS_SRV lists it" \
		sees_listener "$NS_SRV" "$PORT"
	check "netns: toyss (sock_diag) in $NS_CLI does not" \
		not sees_listener "$NS_CLI" "$PORT"
	check "netns: $NS_CLI -> 127.0.0.1:$PORT is refused (own loopback)" \
		connect_fails "$NS_CLI" 127.0.0.1 "Connection refused"
	check "netns: $NS_ISO -> $SRV_IP:$PORT: no route" \
		connect_fails "$NS_ISO" "$SRV_IP" "Network is unreachable"

	# The same port is free in every other namespace.
	cli "$XFER" -s -b 127.0.0.1 -p "$PORT" >"$TMP.clisrv" 2>&1 &
	clipid=$!
	PIDS="$PIDS $clipid"
	check "netns: $NS_CLI can listen on port $PORT too" \
		poll 100 grep -q '^listening' "$TMP.clisrv"
	check "netns: $NS_CLI -> 127.0.0.1:$PORT reaches its own listener" \
		small_xfer 127.0.0.1
	kill "$clipid" 2>/dev/null || true
	wait "$clipid" 2>/dev/null || true

	# Through the router, and each namespace counts only its own part.
	for ns in cli rtr srv; do snap "toy-$ns" "$TMP.stat.$ns.0"; done
	check "netns: $NS_CLI -> $SRV_IP:$PORT through $NS_RTR" \
		small_xfer "$SRV_IP"
	for ns in cli rtr srv; do snap "toy-$ns" "$TMP.stat.$ns.1"; done
	check "netns: ActiveOpens +1 in $NS_CLI only" counted ActiveOpens 1 0 0
	check "netns: PassiveOpens +1 in $NS_SRV only" counted PassiveOpens 0 0 1
	check "netns: $NS_RTR (forwarding only) saw no segment" \
		counted InSegs any 0 any
}

not() { ! "$@"; }

# counted NAME CLI RTR SRV: the increase of NAME in each namespace, or "any".
counted() {
	cname=$1
	shift
	for ns in cli rtr srv; do
		want=$1
		shift
		got=$(($(counter "$TMP.stat.$ns.1" "$cname") - $(counter "$TMP.stat.$ns.0" "$cname")))
		if [ "$want" != any ] && [ "$got" -ne "$want" ]; then
			diag "$cname in toy-$ns went up by $got, want $want"
			return 1
		fi
	done
}

# --- netem profiles ----------------------------------------------------------

# What each profile puts on the router's egresses.
profile_netem() {
	case $1 in
	clean | nogso | gsooff | mtu1280 | v6clean | v6mtu1280 | v6pmtu) ;;
	loss | v6loss) echo "loss 10%" ;;
	dup) echo "duplicate 5%" ;;
	reorder | v6reorder) echo "delay 10ms reorder 25% 50%" ;;
	corrupt) echo "corrupt 1%" ;;
	delay) echo "delay 100ms" ;;
	all) echo "delay 10ms reorder 25% 50% loss 3% duplicate 5% corrupt 1%" ;;
	*) return 1 ;;
	esac
}

profile_rto_min() {
	case $1 in
	loss | dup | reorder | corrupt | all | v6loss | v6reorder) echo "$RTO_MIN" ;;
	*) echo 0 ;;
	esac
}

# xfer PROFILE DIR: one transfer, one TAP line; appends to the summary.
xfer() {
	profile=$1
	dir=$2
	rto=$(profile_rto_min "$profile")
	case $profile in
	v6*) dst=$SRV_IP6 port=$PORT6 ;;
	*) dst=$SRV_IP port=$PORT ;;
	esac
	if cli "$XFER" -c "$dst" -p "$port" -n "$BYTES" -d "$dir" \
		--rto-min "$rto" --buf "$BUF" -t "$TIMEOUT" >"$TMP.out" 2>"$TMP.err"; then
		rc=0
	else
		rc=$?
	fi
	line=$(cat "$TMP.out")
	secs=$(echo "$line" | sed -n 's/.* secs=\([0-9.]*\).*/\1/p')
	mbps=$(echo "$line" | sed -n 's/.* mbps=\([0-9.]*\).*/\1/p')
	mss=$(echo "$line" | sed -n 's/.* mss=\([0-9]*\).*/\1/p')
	peer_mss=$(echo "$line" | sed -n 's/.* peer_mss=\([0-9]*\).*/\1/p')
	if [ "$rc" -eq 0 ] && echo "$line" | grep -q ' ok=1'; then
		ok "$profile $dir $BYTES ${secs}s"
	else
		not_ok "$profile $dir $BYTES (util_xfer exit $rc)"
		sed 's/^/# /' "$TMP.out" "$TMP.err"
		investigate
		secs=- mbps=-
	fi
	echo "$profile $dir $BYTES ${secs:--} ${mbps:--}" >>"$TMP.rows"
	if [ "$dir" = up ]; then
		XFER_SECS=${secs:-0}
		XFER_MSS="${mss:-?}/${peer_mss:-?}"
	fi
}

# After a failure: what the sockets, the server and the counters say.
investigate() {
	sed 's/^/# server: /' "$TMP.srv.toy.$PORT"
	for ns in $NS_CLI $NS_SRV; do
		diag "$ns: toyss -tani"
		ip netns exec "$ns" "$TOYSS" -ani 2>&1 | sed 's/^/#   /' || true
		diag "$ns: $(ip netns exec "$ns" sed -n 2p /proc/net/toy_stat)"
	done
}

run_profile() {
	profile=$1
	# shellcheck disable=SC2046 # the netem parameters are words
	set_netem $(profile_netem "$profile")
	case $profile in mtu1280 | v6mtu1280) set_mtu "$MTU_SMALL" ;; esac
	if [ "$profile" = v6pmtu ]; then
		ip -n "$NS_RTR" link set r1 mtu "$MTU_SMALL"
		ip -n "$NS_SRV" link set s0 mtu "$MTU_SMALL"
	fi
	[ "$profile" != nogso ] || set_offload off
	[ "$profile" != gsooff ] || echo 0 >/sys/module/toy/parameters/gso
	snap "$NS_CLI" "$TMP.stat.cli.0"
	snap "$NS_SRV" "$TMP.stat.srv.0"
	frags0=$(frag_creates)
	pkts0=$(tx_packets)
	xfer "$profile" up
	xfer "$profile" down
	pkts=$(($(tx_packets) - pkts0))
	frags=$(($(frag_creates) - frags0))
	snap "$NS_CLI" "$TMP.stat.cli.1"
	snap "$NS_SRV" "$TMP.stat.srv.1"
	set_netem
	pmtu=$(cli ip -6 route get "$SRV_IP6" | sed -n 's/.* mtu \([0-9]*\).*/\1/p')
	case $profile in mtu1280 | v6mtu1280 | v6pmtu) set_mtu 1500 ;; esac
	# Forget the learned path MTU: the next profile starts afresh.
	cli ip -6 route flush cache 2>/dev/null || true
	[ "$profile" != nogso ] || set_offload on
	[ "$profile" != gsooff ] || echo 1 >/sys/module/toy/parameters/gso
	segs=$(($(counter "$TMP.stat.cli.1" OutSegs) - $(counter "$TMP.stat.cli.0" OutSegs)))
	osup=$(($(counter "$TMP.stat.cli.1" OutSuperSegs) - $(counter "$TMP.stat.cli.0" OutSuperSegs)))
	isup=$(($(counter "$TMP.stat.srv.1" InSuperSegs) - $(counter "$TMP.stat.srv.0" InSuperSegs)))

	retr=$(delta RetransSegs)
	csum=$(delta InCsumErrors)
	dups=$(delta DupSegs)
	ofo=$(delta OfoQueued)
	fast=$(delta FastRetrans)
	tmo=$(delta RtoExpires)
	srtx=$(delta SackRetrans)
	diag "$profile: cli $(changed cli)"
	diag "$profile: srv $(changed srv)"
	echo "$profile $retr $csum $dups $ofo $fast $tmo $srtx $XFER_MSS" >>"$TMP.counters"

	case $profile in
	clean)
		check "clean: super-segments: cli OutSuperSegs $osup > 0, srv InSuperSegs $isup > 0" \
			[ "$osup" -gt 0 -a "$isup" -gt 0 ]
		check "clean: cli OutSegs $segs > $pkts packets on c0" \
			[ "$segs" -gt "$pkts" ] ;;
	v6clean)
		check "v6clean: no super-segment over IPv6: cli OutSuperSegs $osup = 0, srv InSuperSegs $isup = 0" \
			[ "$osup" = 0 -a "$isup" = 0 ] ;;
	v6loss)
		check "v6loss: RetransSegs $retr > 0" gt0 "$retr"
		check "v6loss: SackRetrans $srtx > 0" gt0 "$srtx" ;;
	v6reorder)
		check "v6reorder: OfoQueued $ofo > 0" gt0 "$ofo" ;;
	v6mtu1280)
		check "v6mtu1280: MSS client/server $XFER_MSS = $((MTU_SMALL - 64))/$((MTU_SMALL - 64))" \
			[ "$XFER_MSS" = "$((MTU_SMALL - 64))/$((MTU_SMALL - 64))" ] ;;
	v6pmtu)
		check "v6pmtu: MSS client/server $XFER_MSS = $((MTU_SMALL - 64))/$((MTU_SMALL - 64)): the client began at 1436, a Packet Too Big lowered it" \
			[ "$XFER_MSS" = "$((MTU_SMALL - 64))/$((MTU_SMALL - 64))" ]
		check "v6pmtu: the client cut segments to the path: Ip6FragCreates $frags < cli OutSegs $segs / 10" \
			[ "$((frags * 10))" -lt "$segs" ]
		check "v6pmtu: a Packet Too Big taught the client the path MTU (${pmtu:-none} = $MTU_SMALL)" \
			[ "${pmtu:-0}" = "$MTU_SMALL" ] ;;
	nogso)
		check "nogso: cut before c0: $pkts packets >= cli OutSegs $segs" \
			[ "$pkts" -ge "$segs" ]
		check "nogso: srv InSuperSegs $isup = 0" [ "$isup" = 0 ]
		check "nogso: InCsumErrors $csum = 0" [ "$csum" = 0 ] ;;
	gsooff)
		check "gsooff: cli OutSuperSegs $osup = 0, srv InSuperSegs $isup = 0" \
			[ "$osup" = 0 -a "$isup" = 0 ] ;;
	loss)
		check "loss: RetransSegs $retr > 0" gt0 "$retr"
		check "loss: SackRetrans $srtx > 0 (holes repaired from SACK blocks)" \
			gt0 "$srtx" ;;
	corrupt)
		check "corrupt: InCsumErrors $csum > 0" gt0 "$csum" ;;
	dup)
		check "dup: DupSegs $dups > 0" gt0 "$dups" ;;
	reorder)
		check "reorder: OfoQueued $ofo > 0" gt0 "$ofo" ;;
	all)
		check "all: RetransSegs $retr > 0" gt0 "$retr"
		check "all: InCsumErrors $csum > 0" gt0 "$csum"
		check "all: DupSegs $dups > 0" gt0 "$dups"
		check "all: OfoQueued $ofo > 0" gt0 "$ofo" ;;
	delay)
		check "delay: the up transfer took ${XFER_SECS}s >= one 200 ms RTT" \
			awk -v s="$XFER_SECS" 'BEGIN { exit !(s >= 0.2) }' ;;
	mtu1280)
		check "mtu1280: MSS client/server $XFER_MSS = $((MTU_SMALL - 44))/$((MTU_SMALL - 44))" \
			[ "$XFER_MSS" = "$((MTU_SMALL - 44))/$((MTU_SMALL - 44))" ] ;;
	esac
}

summary() {
	diag "summary (counters: cli + srv over both transfers of the profile)"
	diag "$(printf '%-8s %-4s %10s %8s %8s | %7s %7s %7s %7s %7s %7s %7s %9s' \
		profile dir bytes secs mbps Retrans CsumErr DupSegs OfoQ \
		FastRtx RTOs SackRtx mss)"
	while read -r profile dir bytes secs mbps; do
		c=$(awk -v p="$profile" '$1 == p { print $2, $3, $4, $5, $6, $7, $8, $9 }' \
			"$TMP.counters")
		# shellcheck disable=SC2086 # split the counters
		set -- $c
		diag "$(printf '%-8s %-4s %10s %8s %8s | %7s %7s %7s %7s %7s %7s %7s %9s' \
			"$profile" "$dir" "$bytes" "$secs" "$mbps" "$@")"
	done <"$TMP.rows"
}

run_netem() {
	diag "netem: $BYTES bytes each way per profile; TOY_RTO_MIN ${RTO_MIN} ms on lossy profiles; buffers $BUF"
	: >"$TMP.rows"
	: >"$TMP.counters"
	t0=$(date +%s)
	for p in $PROFILES; do
		if ! profile_netem "$p" >/dev/null; then
			not_ok "unknown profile $p"
			continue
		fi
		run_profile "$p"
	done
	summary
	diag "netem: $(($(date +%s) - t0)) s for all profiles"
}

# --- benchmark ---------------------------------------------------------------

# bench_one PATH FAMILY ADDR PORT NS: one up transfer; prints its Mbit/s.
bench_one() {
	if ip netns exec "$5" "$XFER" -c "$3" -p "$4" -f "$2" \
		-n $((BENCH_MIB * 1048576)) -t "$TIMEOUT" >"$TMP.out" 2>"$TMP.err" &&
		grep -q ' ok=1' "$TMP.out"; then
		ok "bench: $1 $2 $((BENCH_MIB * 1048576)) bytes"
	else
		not_ok "bench: $1 $2 $((BENCH_MIB * 1048576)) bytes"
		sed 's/^/# /' "$TMP.out" "$TMP.err"
	fi
	sed -n 's/.* mbps=\([0-9.]*\).*/\1/p' "$TMP.out"
}

run_bench() {
	start_server "$NS_SRV" tcp "$SRV_IP" "$TCP_PORT"
	start_server "$NS_CLI" toy 127.0.0.1 "$LO_PORT"
	start_server "$NS_CLI" tcp 127.0.0.1 "$LO_PORT"
	for path in loopback veth; do
		if [ "$path" = loopback ]; then
			addr=127.0.0.1 tport=$LO_PORT yport=$LO_PORT
		else
			addr=$SRV_IP tport=$TCP_PORT yport=$PORT
		fi
		bench_one "$path" tcp "$addr" "$tport" "$NS_CLI" >"$TMP.tcp"
		bench_one "$path" toy "$addr" "$yport" "$NS_CLI" >"$TMP.toy"
		grep -h '^ok\|^not ok\|^#' "$TMP.tcp" "$TMP.toy" || true
		tcp=$(tail -n 1 "$TMP.tcp")
		toy=$(tail -n 1 "$TMP.toy")
		ratio=$(awk -v a="$toy" -v b="$tcp" \
			'BEGIN { if (b + 0 > 0 && a + 0 > 0) printf "%.3f", a / b; else print "n/a" }')
		diag "bench: path=$path MiB=$BENCH_MIB tcp_mbps=${tcp:-n/a} toy_mbps=${toy:-n/a} ratio_toy_tcp=$ratio"
	done
}

# --- main --------------------------------------------------------------------

MODES=${*:-netns netem}
echo "TAP version 13"
setup_topology
start_server "$NS_SRV" toy "$SRV_IP" "$PORT"
start_server "$NS_SRV" toy :: "$PORT6"
poll 50 listening "$NS_SRV" "$PORT"
for mode in $MODES; do
	case $mode in
	netns) run_netns ;;
	netem) run_netem ;;
	bench) run_bench ;;
	*) not_ok "unknown mode $mode" ;;
	esac
done
tap_end
