#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# `make bench`, inside the VM (busybox sh; toy.ko loaded): toyperf over
# AF_TOY and over TCP, side by side, in the same kernel and the same run.
#
# Paths: loopback, and a veth pair (MTU 1500) between two namespaces.
# Measurements: STREAM (Mbit/s, and CPU ns per byte), RR and CRR
# (transactions/s, and CPU us per transaction), each TOY_BENCH_SECS long;
# then slab bytes per idle established socket (toyperf --idle). Every
# measurement is repeated TOY_BENCH_REPS times, AF_TOY and TCP alternating
# (which goes first alternates too), and the table gives the median and
# the spread (min..max) of each, and the ratio of the medians.
#
# A background load (TOY_BENCH_LOAD=N busy loops in the guest) shows what
# CPU contention does to each.
#
# Scale: TOY_BENCH_SCALE idle connections of each protocol, how fast
# they were made and their slab memory, and RR over one more connection
# beside them next to RR beside 100: what finding a connection among many
# costs each segment.
#
# Environment: TOY_BENCH_REPS (default 3), TOY_BENCH_SECS (default 5),
# TOY_BENCH_IDLE (connections for --idle, default 2000), TOY_BENCH_LOAD
# (default 0), TOY_BENCH_SCALE (default 100000, 0 for none),
# TOY_BENCH_QUICK=1 (one repetition of 1 s each, 300 connections: the
# smoke run of `make check`).
set -eu

PERF=$(command -v toyperf 2>/dev/null || echo /toy/bin/toyperf)
REPS=${TOY_BENCH_REPS:-3}
SECS=${TOY_BENCH_SECS:-5}
IDLE=${TOY_BENCH_IDLE:-2000}
LOAD=${TOY_BENCH_LOAD:-0}
SCALE=${TOY_BENCH_SCALE:-100000}
if [ "${TOY_BENCH_QUICK:-0}" = 1 ]; then
	REPS=1 SECS=1 IDLE=200 SCALE=300
fi
OUT=${TMPDIR:-/tmp}/bench.$$
A=10.77.0.1
B=10.77.0.2
PIDS=""

cleanup() {
	for p in $PIDS; do
		kill "$p" 2>/dev/null || true
	done
	ip netns del bench-a 2>/dev/null || true
	ip netns del bench-b 2>/dev/null || true
}
trap cleanup EXIT

fail() {
	echo "bench: $*" >&2
	exit 1
}

# The veth path: bench-a (client) 10.77.0.1 <-> bench-b (server) 10.77.0.2.
setup_veth() {
	ip netns add bench-a
	ip netns add bench-b
	ip link add bench0 netns bench-a type veth peer name bench1 netns bench-b
	ip -n bench-a link set lo up
	ip -n bench-b link set lo up
	ip -n bench-a addr add $A/24 dev bench0
	ip -n bench-b addr add $B/24 dev bench1
	ip -n bench-a link set bench0 mtu 1500 up
	ip -n bench-b link set bench1 mtu 1500 up
}

# A server of each protocol on each path.
start_servers() {
	"$PERF" -s -p 5201 >/dev/null 2>&1 &
	PIDS="$PIDS $!"
	"$PERF" -s -p 5202 --tcp >/dev/null 2>&1 &
	PIDS="$PIDS $!"
	ip netns exec bench-b "$PERF" -s -p 5201 >/dev/null 2>&1 &
	PIDS="$PIDS $!"
	ip netns exec bench-b "$PERF" -s -p 5202 --tcp >/dev/null 2>&1 &
	PIDS="$PIDS $!"
}

start_load() {
	i=0
	while [ "$i" -lt "$LOAD" ]; do
		sh -c 'while :; do :; done' &
		PIDS="$PIDS $!"
		i=$((i + 1))
	done
}

# run PATH MODE PROTO: one measurement; appends "path mode proto value cpu".
run() {
	path=$1 mode=$2 proto=$3
	port=5201 flag="" mflag=""
	[ "$proto" = tcp ] && port=5202 flag=--tcp
	[ "$mode" = rr ] && mflag=--rr
	[ "$mode" = crr ] && mflag=--crr
	if [ "$path" = lo ]; then
		set -- "$PERF" -c 127.0.0.1
	else
		set -- ip netns exec bench-a "$PERF" -c $B
	fi
	# Wait for the server to listen: the first connect may race it.
	tries=0
	until json=$("$@" -p $port -t "$SECS" $flag $mflag -J 2>"$OUT.err"); do
		tries=$((tries + 1))
		[ "$tries" -lt 5 ] || fail "$path $mode $proto: $(cat "$OUT.err")"
		sleep 1
	done
	case $mode in
	stream)
		v=$(echo "$json" | sed -n 's/.*"mbit_s": \([0-9.]*\).*/\1/p')
		c=$(echo "$json" | sed -n 's/.*"cpu_ns_per_byte": \([0-9.]*\).*/\1/p')
		;;
	*)
		v=$(echo "$json" | sed -n 's/.*"per_s": \([0-9.]*\).*/\1/p')
		c=$(echo "$json" | sed -n 's/.*"cpu_us_per_transaction": \([0-9.]*\).*/\1/p')
		;;
	esac
	[ -n "$v" ] || fail "$path $mode $proto: no result in $json"
	echo "$path $mode $proto $v $c" >>"$OUT"
}

idle() {
	proto=$1 flag=""
	[ "$proto" = tcp ] && flag=--tcp
	json=$("$PERF" --idle "$IDLE" $flag -J) || fail "idle $proto"
	v=$(echo "$json" | sed -n 's/.*"slab_bytes_per_socket": \(-*[0-9]*\).*/\1/p')
	echo "lo idle $proto $v 0" >>"$OUT"
	# where the bytes went, per slab cache (a comment in the results)
	echo "# idle $proto slab caches, bytes per socket: $(echo "$json" |
		sed -n 's/.*"caches": {\([^}]*\)}.*/\1/p' | tr -d '"')"
}

setup_veth
start_servers
start_load
: >"$OUT"
rep=1
while [ "$rep" -le "$REPS" ]; do
	if [ $((rep % 2)) = 1 ]; then order="toy tcp"; else order="tcp toy"; fi
	for path in lo veth; do
		for mode in stream rr crr; do
			for proto in $order; do
				run "$path" "$mode" "$proto"
			done
		done
	done
	for proto in $order; do
		idle "$proto"
	done
	rep=$((rep + 1))
done

echo "# bench: $(uname -r), $REPS repetitions of $SECS s, load $LOAD, $(nproc) CPUs"
# The table: median (min..max) per protocol, the ratio of the medians.
awk -v reps="$REPS" '
function median(key, n,   i, j, t, a) {
	for (i = 1; i <= n; i++)
		a[i] = vals[key, i]
	for (i = 2; i <= n; i++)
		for (j = i; j > 1 && a[j - 1] > a[j]; j--) {
			t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
		}
	lo[key] = a[1]; hi[key] = a[n]
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
{
	key = $1 " " $2 " " $3
	n[key]++
	vals[key, n[key]] = $4
	cpu[key, n[key]] = $5
	if (!((($1 " " $2) in seen))) {
		seen[$1 " " $2] = 1
		order[++rows] = $1 " " $2
	}
}
END {
	printf "# %-12s %-8s %26s %26s %7s\n", "path", "test", "AF_TOY median (min..max)", "TCP median (min..max)", "ratio"
	for (r = 1; r <= rows; r++) {
		split(order[r], pm, " ")
		unit = pm[2] == "stream" ? "Mbit/s" : pm[2] == "idle" ? "B/sock" : "/s"
		t = median(order[r] " toy", n[order[r] " toy"])
		c = median(order[r] " tcp", n[order[r] " tcp"])
		printf "# %-12s %-8s %10.1f (%.1f..%.1f) %10.1f (%.1f..%.1f) %6.2fx %s\n", pm[1], pm[2], t, lo[order[r] " toy"], hi[order[r] " toy"], c, lo[order[r] " tcp"], hi[order[r] " tcp"], (c > 0 ? t / c : 0), unit
		printf "BENCH %s %s %s %s %s %s %s %s\n", pm[1], pm[2], t, lo[order[r] " toy"], hi[order[r] " toy"], c, lo[order[r] " tcp"], hi[order[r] " tcp"]
	}
}' "$OUT"
echo "# bench: CPU cost, median per protocol (stream: ns/byte; rr, crr: us/transaction)"
awk '$2 != "idle" { k = $1 " " $2 " " $3; s[k] = s[k] " " $5 }
END { for (k in s) print "#   " k ":" s[k] }' "$OUT" | sort
mkdir -p "${TOY_EXPORT_DIR:-/tmp/toy-export}"
cp "$OUT" "${TOY_EXPORT_DIR:-/tmp/toy-export}/bench-raw.txt"

# ---- scale: many idle connections -------------------------------------------

json_num() {
	echo "$1" | sed -n "s/.*\"$2\": \(-*[0-9.]*\).*/\1/p"
}

if [ "$SCALE" -gt 0 ]; then
	echo "# scale: $SCALE idle loopback connections; RR ($SECS s) over one more beside them and beside 100"
	for proto in toy tcp; do
		flag=""
		[ "$proto" = tcp ] && flag=--tcp
		few=$("$PERF" --idle 100 --rr -t "$SECS" $flag -J) ||
			fail "scale $proto: 100 connections"
		many=$("$PERF" --idle "$SCALE" --rr -t "$SECS" $flag -J) ||
			fail "scale $proto: $SCALE connections"
		rr_few=$(json_num "$few" rr_per_s)
		rr_many=$(json_num "$many" rr_per_s)
		if [ -z "$rr_few" ] || [ -z "$rr_many" ]; then
			fail "scale $proto: no result in $few $many"
		fi
		echo "# scale $proto: $(json_num "$many" connects_per_s) connections/s," \
			"$(json_num "$many" slab_bytes_per_socket) B of slab per socket;" \
			"RR beside 100: $rr_few/s, beside $SCALE: $rr_many/s" \
			"($(awk -v a="$rr_many" -v b="$rr_few" 'BEGIN { printf "%.2fx", (b > 0 ? a / b : 0) }'))"
		echo "SCALE $proto $SCALE $(json_num "$many" connects_per_s) $(json_num "$many" slab_bytes_per_socket) $rr_few $rr_many"
	done
fi

# ---- fairness on a bottleneck ----------------------------------------------
#
# bench-a's egress is the bottleneck: FAIR_RATE through a tbf whose queue
# holds FAIR_LIMIT bytes, under a netem delay of FAIR_DELAY ms (the reverse
# path is only delayed). Each case runs FAIR_SECS; the queue's backlog is
# sampled every second. Neither protocol's buffers are set: both autotune,
# as they would on a real host.
FAIR_SECS=${TOY_BENCH_FAIR_SECS:-30}
FAIR_RATE=${TOY_BENCH_FAIR_RATE:-50}	# Mbit/s
FAIR_DELAY=20
FAIR_LIMIT=375000			# bytes: 3 BDPs of 50 Mbit/s x 20 ms

# The AF_TOY counters of the senders' namespace that loss recovery moves.
toy_counters() {
	ip netns exec bench-a cat /proc/net/toy_stat | awk '
		NR == 1 { for (i = 2; i <= NF; i++) name[i] = $i }
		NR == 2 { for (i = 2; i <= NF; i++)
			if (name[i] ~ /^(RetransSegs|FastRetrans|RtoExpires|SackLostRetrans|DsackRecv)$/)
				print name[i], $i }'
}

fair_setup() {
	ip netns exec bench-a tc qdisc add dev bench0 root handle 1: netem \
		delay "${FAIR_DELAY}ms" limit 100000
	ip netns exec bench-a tc qdisc add dev bench0 parent 1: handle 2: tbf \
		rate "${FAIR_RATE}mbit" burst 32kbit limit "$FAIR_LIMIT"
	ip netns exec bench-b tc qdisc add dev bench1 root netem \
		delay "${FAIR_DELAY}ms" limit 100000
	ip netns exec bench-b "$PERF" -s -p 5211 >/dev/null 2>&1 &
	PIDS="$PIDS $!"
	ip netns exec bench-b "$PERF" -s -p 5212 --tcp >/dev/null 2>&1 &
	PIDS="$PIDS $!"
	sleep 1
}

# The tbf's backlog in bytes, every second, into $OUT.q.$1
queue_watch() {
	while :; do
		ip netns exec bench-a tc -s qdisc show dev bench0 |
			awk '/qdisc tbf/ { t = 1 } t && /backlog/ { sub(/b$/, "", $2); print $2; exit }'
		sleep 1
	done >"$OUT.q.$1" 2>/dev/null
}

# fair_run NAME SPEC...: SPEC is toy or tcp, one toyperf process each, at
# once; prints one line per flow and the case's Jain index and queue.
fair_run() {
	name=$1
	shift
	i=0
	toy_counters >"$OUT.c0"
	queue_watch "$name" &
	qw=$!
	for spec in "$@"; do
		if [ "$spec" = tcp ]; then
			set -- --tcp -p 5212
		else
			set -- -p 5211
		fi
		ip netns exec bench-a "$PERF" -c $B -t "$FAIR_SECS" -i 1000 -J \
			"$@" >"$OUT.f.$name.$i" 2>&1 &
		eval "fp_$i=\$!"
		i=$((i + 1))
	done
	j=0
	while [ "$j" -lt "$i" ]; do
		eval "wait \$fp_$j" || fail "fairness $name: $(cat "$OUT.f.$name.$j")"
		j=$((j + 1))
	done
	kill "$qw" 2>/dev/null
	wait "$qw" 2>/dev/null || true
	qmax=$(sort -n "$OUT.q.$name" | tail -1)
	toy_counters >"$OUT.c1"
	j=0 rates=""
	while [ "$j" -lt "$i" ]; do
		proto=$(sed -n 's/.*"proto": "\([a-z]*\)".*/\1/p' "$OUT.f.$name.$j")
		r=$(sed -n 's/.*"mbit_s": \([0-9.]*\).*/\1/p' "$OUT.f.$name.$j")
		rates="$rates $r"
		echo "FAIR $name flow$j $proto $r"
		# the throughput of each second, for a plot
		sed -n 's/.*"intervals": \[\(.*\)\]}/\1/p' "$OUT.f.$name.$j" |
			tr -d '[]' | tr ',' '\n' | awk -v n="$name" -v f="$j" -v p="$proto" \
			'{ printf "SERIES %s flow%s %s %d %s\n", n, f, p, NR, $1 }'
		j=$((j + 1))
	done
	echo "$rates" | awk -v n="$name" -v q="${qmax:-0}" -v rate="$FAIR_RATE" '
		{ s = 0; sq = 0; for (i = 1; i <= NF; i++) { s += $i; sq += $i * $i }
		  printf "# fair: %-10s", n
		  for (i = 1; i <= NF; i++) printf " %7.2f", $i
		  printf "  Mbit/s; link %3.0f%% busy, Jain %.3f, queue max %d B\n", 100 * s / rate, s * s / (NF * sq), q }'
	# what the AF_TOY senders lived through
	paste "$OUT.c0" "$OUT.c1" | awk -v n="$name" '
		$4 > $2 { d = d " " $1 "=" $4 - $2 }
		END { if (d != "") print "# fair: " n " AF_TOY:" d }'
}

if [ "${TOY_BENCH_FAIR:-1}" = 1 ]; then
	fair_setup
	echo "# fair: $FAIR_RATE Mbit/s tbf, ${FAIR_DELAY} ms each way, queue limit $FAIR_LIMIT B, $FAIR_SECS s per case"
	fair_run toy toy
	fair_run tcp tcp
	fair_run toy+toy toy toy
	fair_run tcp+tcp tcp tcp
	fair_run toy+tcp toy tcp
fi
echo "# bench: done"
