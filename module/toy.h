/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Toy Stream Protocol: the objects every part of the module shares.
 *
 * Lifetime and locking, in one place:
 *
 * - struct toy_sock embeds struct sock and is freed by the last sock_put().
 *   References are held by: the struct socket (from sk_alloc() until
 *   release()), or, for a child not yet accepted, by the listener's queue;
 *   each table the socket is hashed in (bind, listen, est); each pending
 *   timer (sk_reset_timer()); each lookup in the receive path. A socket that
 *   reaches TCP_CLOSE is unhashed and its timers stopped, so an orphan dies
 *   as soon as the context that closed it drops its reference.
 * - sk_dst_cache holds a reference on the connection's route from its
 *   first segment (route_out(), output.c) until it closes or connects anew
 *   (sk_dst_reset()); toy_sock_destruct() drops what an RST sent after
 *   closing cached again.
 * - Sockets are freed after an RCU grace period (SOCK_RCU_FREE), so that the
 *   receive path may walk the tables under rcu_read_lock() and take a
 *   reference with refcount_inc_not_zero().
 * - Lock order: socket lock (lock_sock or bh_lock_sock) -> a listener's
 *   accept_lock -> toy_net.lock. A child's socket lock nests inside its
 *   listener's (SINGLE_DEPTH_NESTING) only in toy_listen_stop().
 * - All protocol state in struct toy_sock is protected by the socket lock;
 *   softirq input runs under bh_lock_sock() and defers to the backlog when
 *   the socket is owned by a process. Fields read locklessly by /proc and
 *   poll use READ_ONCE()/WRITE_ONCE().
 */
#ifndef _TOY_H
#define _TOY_H

#include <linux/ktime.h>
#include <linux/list.h>
#include <linux/list_nulls.h>
#include <linux/skbuff.h>
#include <linux/spinlock.h>
#include <linux/timer.h>
#include <linux/types.h>
#include <linux/ipv6.h>
#include <net/inet_sock.h>
#include <net/ipv6.h>
#include <net/sock.h>
#include <linux/toy.h>

/*
 * Module parameters (params.c): family, ipproto, timewait_ms and fixed_isn
 * are read-only after load; sack and max_orphans may change at any time
 * (read once per use).
 */
extern int toy_family;
extern int toy_ipproto;
extern unsigned int toy_timewait_ms;
extern unsigned int toy_fixed_isn;
extern bool toy_sack;
extern bool toy_gso;
extern bool toy_hystart;
extern unsigned int toy_hystart_css_rounds;
extern unsigned int toy_max_orphans;
extern unsigned int toy_limit_output_bytes;
extern atomic_t toy_orphans;
extern bool toy_gso_ok;
extern bool toy_ipv6_ok;

#define TOY_HLEN		((int)sizeof(struct toyhdr))
#define TOY_MAX_HEADER		(MAX_HEADER + sizeof(struct ipv6hdr) + TOY_HLEN)
/* Room for the option blocks one header may carry (options.c). */
#define TOY_OPT_BYTES		(TOYHDR_SACK_MAX * sizeof(struct toy_sack_block))
/* Segments SACKed above a hole before it counts as lost (RFC 6675). */
#define TOY_DUPTHRESH		3
#define TOY_MAX_REORDERING	300	/* as Linux's sysctl_tcp_max_reordering */
#define TOY_MIN_MSS		64
/*
 * A super-segment (offload.c): at most this many segments, and as much
 * payload as one IPv4 datagram carries after the largest header.
 */
#define TOY_GSO_MAX_SEGS	64
#define TOY_GSO_MAX_BYTES	(65535 - (int)sizeof(struct iphdr) - \
				 TOY_HLEN - (int)TOY_OPT_BYTES)
#define TOY_DEFAULT_MSS		536	/* RFC 9293 3.7.1 */

/*
 * Delayed ACKs (delack.c): at most TOY_DELACK_MS late (TCP_DELACK_MIN;
 * RFC 9293 allows 500 ms), and the first TOY_QUICKACKS in-order segments
 * of a connection acknowledged at once (TCP_MAX_QUICKACKS).
 */
#define TOY_DELACK_MS		40
#define TOY_QUICKACKS		16

/*
 * The largest window a peer may offer us: sequence arithmetic modulo 2^32
 * holds only within 2^31, and TCP's largest scaled window is 2^30.
 */
#define TOY_MAX_WINDOW		BIT(30)
/* At most one answer to unacceptable segments per socket per this long. */
#define TOY_OOW_INTERVAL	(HZ / 2)

/* Defaults and bounds of the SOL_TOY knobs (docs/protocol.md). */
#define TOY_RTO_INIT_MS		1000
#define TOY_RTO_MIN_MS		200
#define TOY_RTO_MAX_MS		120000
#define TOY_SYN_RETRIES_DEF	6
#define TOY_RETRIES_DEF		15
#define TOY_KEEPIDLE_DEF	7200
#define TOY_KEEPINTVL_DEF	75
#define TOY_KEEPCNT_DEF		9
#define TOY_KEEP_MAX		32767
/* Retries of an orphan, whose data nobody will read (TCP's default 8). */
#define TOY_ORPHAN_RETRIES	8

/*
 * Buffer autotuning stops here (tcp_rmem[2] and tcp_wmem[2]'s defaults),
 * and never touches a buffer SO_RCVBUF or SO_SNDBUF set.
 */
#define TOY_RMEM_MAX		(6 << 20)
#define TOY_WMEM_MAX		(4 << 20)

/* Congestion window, in segments (cong.c). */
#define TOY_INIT_CWND		10		/* RFC 6928 */
#define TOY_INFINITE_SSTHRESH	0x7fffffff
#define TOY_CWND_MAX		BIT(20)

/* Counters of /proc/net/toy_stat, in the order they are printed. */
enum toy_mib_field {
	TOY_MIB_ACTIVEOPENS,
	TOY_MIB_PASSIVEOPENS,
	TOY_MIB_ATTEMPTFAILS,
	TOY_MIB_ESTABRESETS,
	TOY_MIB_CURRESTAB,
	TOY_MIB_INSEGS,
	TOY_MIB_OUTSEGS,
	TOY_MIB_RETRANSSEGS,
	TOY_MIB_INERRS,
	TOY_MIB_INCSUMERRORS,
	TOY_MIB_OUTRSTS,
	TOY_MIB_INNOSOCKET,
	TOY_MIB_LISTENOVERFLOWS,
	TOY_MIB_LISTENDROPS,
	TOY_MIB_RCVQDROPS,
	TOY_MIB_OUTOFWINDOW,
	TOY_MIB_OFOQUEUED,
	TOY_MIB_DUPSEGS,
	TOY_MIB_FASTRETRANS,
	TOY_MIB_TIMEOUTS,
	TOY_MIB_WINPROBES,
	TOY_MIB_KEEPALIVEPROBES,
	TOY_MIB_OFOPRUNED,
	TOY_MIB_SACKRECOVERY,
	TOY_MIB_SACKRETRANS,
	TOY_MIB_SACKLOSTRETRANS,
	TOY_MIB_SACKRENEGING,
	TOY_MIB_SACKDISCARD,
	TOY_MIB_RTOEXPIRES,
	TOY_MIB_DSACKRECV,
	TOY_MIB_CHALLENGEACKS,
	TOY_MIB_OOWACKSKIPPED,
	TOY_MIB_ABORTONORPHANS,
	TOY_MIB_SYNEVICTIONS,
	TOY_MIB_TIMERSDEFERRED,
	TOY_MIB_DELAYEDACKS,
	TOY_MIB_OUTSUPERSEGS,
	TOY_MIB_INSUPERSEGS,
	TOY_MIB_TSQTHROTTLED,
	TOY_MIB_WQUEUETOOBIG,
	TOY_MIB_HYSTARTDELAYDETECT,
	TOY_MIB_HYSTARTDELAYCWND,
	__TOY_MIB_MAX
};

/* The events of the state machine (fsm.c); its states are TCP_*. */
enum toy_event {
	TOY_EV_CONNECT,
	TOY_EV_LISTEN,
	TOY_EV_CLOSE,
	TOY_EV_SHUTDOWN,
	TOY_EV_ABORT,
	TOY_EV_RCV_SYN,
	TOY_EV_RCV_SYNACK,
	TOY_EV_RCV_ACK,
	TOY_EV_RCV_FIN,
	TOY_EV_RCV_RST,
	TOY_EV_TIMEOUT,
	TOY_EV_TW_EXPIRE,
	TOY_NR_EVENTS
};

#define TOY_NR_STATES		(TCP_CLOSING + 1)

/**
 * struct toy_mib - a namespace's counters, per CPU
 * @mibs: /proc/net/toy_stat, by enum toy_mib_field
 * @fsm_hits: how often each (state, event) cell of the state table was
 *	taken, for /proc/net/toy_fsm: per namespace like the others, so that
 *	one namespace cannot watch another's connections come and go
 */
struct toy_mib {
	u64 mibs[__TOY_MIB_MAX];
	u64 fsm_hits[TOY_NR_STATES][TOY_NR_EVENTS];
};

#define TOY_BIND_BITS		10
#define TOY_LISTEN_BITS		6
#define TOY_BIND_SIZE		BIT(TOY_BIND_BITS)
#define TOY_LISTEN_SIZE		BIT(TOY_LISTEN_BITS)
/* The est table's buckets: sized from memory (table.c), within these. */
#define TOY_EST_MIN		1024UL
#define TOY_EST_MAX		(512UL * 1024)

/**
 * struct toy_net - per network namespace state
 * @lock: serialises writers of the three tables (BH-safe); readers use RCU
 * @bind: every socket that owns a local port, by port (bind_node)
 * @listen: listeners, by port (hash_node)
 * @est: connections from SYN_SENT/SYN_RECV to TIME_WAIT, by 4-tuple
 *	(hash_node); @est_mask + 1 buckets, allocated with the namespace
 * @mib: per-CPU counters, summed by /proc/net/toy_stat
 *
 * Each table entry holds a reference on its socket. Every chain ends in a
 * nulls marker naming its table and bucket (table.c explains why).
 */
struct toy_net {
	spinlock_t lock;		/* the tables */
	struct hlist_nulls_head bind[TOY_BIND_SIZE];
	struct hlist_nulls_head listen[TOY_LISTEN_SIZE];
	struct hlist_nulls_head *est;
	u32 est_mask;
	struct toy_mib __percpu *mib;
};

/* What a socket's timers are doing, as /proc/net/tcp's "tr" column. */
enum toy_timer_kind {
	TOY_TIMER_NONE		= 0,
	TOY_TIMER_RETRANS	= 1,
	TOY_TIMER_KEEPALIVE	= 2,
	TOY_TIMER_TIMEWAIT	= 3,
	TOY_TIMER_PROBE		= 4,
};

struct toy_sock;

/* Where HyStart++ (cong.c) is in the first slow start. */
enum {
	TOY_HS_OFF,		/* done, or not used */
	TOY_HS_SS,		/* slow start, watching the RTT */
	TOY_HS_CSS,		/* conservative slow start: the RTT rose */
};

/* The most rounds of conservative slow start the parameter may ask for. */
#define TOY_HS_CSS_ROUNDS_MAX	100

/**
 * struct toy_hystart - HyStart++ (RFC 9406): the end of the first slow
 *	start, found when the queue it builds raises the RTT, before it
 *	overflows; in toy_sock, under the socket lock
 * @end_seq: the round ends when the peer acknowledges this (SND.NXT when
 *	it began)
 * @last_min: the smallest RTT of the round before, usecs (U32_MAX: none)
 * @cur_min: the smallest of this round so far (U32_MAX: none)
 * @css_base: @cur_min when conservative slow start began
 * @samples: RTT samples taken in this round
 * @css_rounds: rounds begun in conservative slow start
 * @css_max: the rounds it lasts (the hystart_css_rounds parameter when
 *	the connection began); 0: none, slow start ends where the RTT rose
 * @mode: TOY_HS_*
 * @css_acked: segments acknowledged towards the next conservative increase
 */
struct toy_hystart {
	u32 end_seq;
	u32 last_min;
	u32 cur_min;
	u32 css_base;
	u16 samples;
	u8 css_rounds;
	u8 css_max;
	u8 mode;
	u32 css_acked;
};

/**
 * struct toy_cong_ops - a congestion control algorithm, as
 *	struct tcp_congestion_ops (cong.c holds the table of them)
 * @name: as TOY_CONGESTION and the congestion= parameter spell it
 * @init: the algorithm starts on a connection (or replaces another on it):
 *	its ca_priv is zeroed; snd_cwnd and snd_ssthresh are left as they are
 * @ssthresh: a loss: the slow-start threshold to fall back to (required)
 * @cong_avoid: @acked segments were newly acknowledged while the window
 *	limited the sender and no loss is being repaired: grow snd_cwnd
 *	(required)
 * @set_state: the connection enters TOY_CA_* @state (optional)
 * @restart: sending resumes after an idle period (optional)
 * @rtt_sample: a round-trip time was measured, usecs (optional)
 *
 * Every hook runs under the socket lock. The table is constant: an
 * algorithm is a const object of the module, and a socket's pointer to it
 * needs no reference.
 */
struct toy_cong_ops {
	const char *name;
	void (*init)(struct toy_sock *ts);
	u32 (*ssthresh)(struct toy_sock *ts);
	void (*cong_avoid)(struct toy_sock *ts, u32 acked);
	void (*set_state)(struct toy_sock *ts, u8 state);
	void (*restart)(struct toy_sock *ts);
	void (*rtt_sample)(struct toy_sock *ts, u32 rtt_us);
};

/**
 * struct toy_sock - an AF_TOY socket
 * @sk: the generic socket; must stay first
 * @inet: the same socket seen as an inet_sock, its own fields all zero:
 *	transmissions are owned (tsq.c), and code below IP that finds one
 *	in skb->sk takes it for an IP socket (VRF reads inet_sk()->pmtudisc,
 *	nft_socket its flags), as it may for SCTP's; zero is "nothing set"
 * @bind_node: link in toy_net.bind; under toy_net.lock
 * @hash_node: link in toy_net.listen or toy_net.est; under toy_net.lock
 * @ipv6: the socket speaks IPv6: its addresses are sk_v6_rcv_saddr and
 *	sk_v6_daddr, and it meets IPv4 sockets neither in lookups nor in
 *	bind conflicts. Set by the first bind() or connect() to a
 *	TOY_IPVER_6 address, or from the listener (a child), while the
 *	socket is unbound; fixed from then on (toy_sock_init() keeps it)
 * @dst_cookie: the cookie of the IPv6 route in sk_dst_cache, which
 *	__sk_dst_check() needs (ip6_dst_check())
 * @in_bind: @bind_node is linked; under toy_net.lock
 * @in_hash: @hash_node is linked; under toy_net.lock
 * @in_listen: @hash_node is in toy_net.listen: the socket counts as a
 *	listener for bind conflicts before its state says so; under toy_net.lock
 * @connect_port: connect() chose the port; connections to other
 *	destinations may share it (never a port taken by bind() or listen());
 *	under toy_net.lock
 *
 * Listener side, all under @accept_lock:
 * @accept_lock: protects the two queues, @accepting and each queued
 *	child's @accept_node
 * @syn_queue: children in SYN_RECV
 * @accept_queue: children ESTABLISHED and waiting for accept()
 * @syn_qlen: length of @syn_queue; sk_ack_backlog counts @accept_queue
 * @accepting: false once the listener stops; children then abort
 *
 * Child side:
 * @accept_node: link in the listener's queues, under its @accept_lock
 * @parent: the listener; a reference is held while the child is queued
 * @in_accept_queue: the child is on accept_queue, not syn_queue
 *
 * Everything below is under the socket lock.
 * @iss: our initial sequence number
 * @snd_una: oldest unacknowledged sequence number
 * @snd_nxt: next sequence number to send
 * @write_seq: sequence number after the last byte sendmsg() queued
 * @snd_wnd: send window the peer last advertised
 * @snd_wl1: seq of the segment that last updated @snd_wnd
 * @snd_wl2: ack of the segment that last updated @snd_wnd
 * @max_window: largest window the peer advertised: how far below @snd_una
 *	an acceptable ACK may be (RFC 5961 5.2)
 * @last_oow_ack: jiffies of our last answer to an unacceptable segment,
 *	0 for never: the rate limit of oow_rate_limited() in input.c
 * @high_seq: snd_nxt when loss recovery started; recovery while before it
 * @packets_out: skbs sent and not acknowledged, those of @rtx_queue
 * @sacked_out: of those, skbs the peer SACKed (TOY_SKB_CB.sacked)
 * @lost_out: of those, skbs taken as lost and not SACKed (.lost)
 * @retrans_out: of those, skbs retransmitted since they were taken as lost
 *	(or since the last RTO), not SACKed: in flight again (.rtx_out)
 * @high_sacked: highest end_seq SACKed, valid while @sacked_out
 * @rtx_epoch: counts RTOs; an skb whose rtx_epoch equals it was
 *	retransmitted since the last one
 * @rtx_queue: skbs sent and not acknowledged, an rbtree by sequence
 *	number (the scoreboard: a SACK block finds its first skb by a
 *	search); sk_write_queue holds only skbs not yet sent
 * @sack_cache: the blocks of the last ACK with SACK blocks, all marked
 *	already: a block that grows is walked only where it grew
 *	(tcp_sacktag_write_queue()'s recv_sack_cache); zeroed, not taken
 *	as blocks, when the marks are forgotten
 * @rtx_hint: where the SACK loss walk resumes, or NULL for the head; an
 *	skb of @rtx_queue, cleared before that skb is freed
 * @rack_when: the latest @when of a segment acknowledged or SACKed: what
 *	was sent before it and is still missing was likely lost (RACK)
 * @rack_walked: @rack_when when the retransmissions were last searched
 *	for lost ones, and all found were sent again; 0: search again
 * @reordering: segments SACKed beyond a hole before it counts as lost;
 *	TOY_DUPTHRESH, raised when the path is seen to reorder more
 * @fin_seq: sequence number of our FIN, valid when @fin_queued
 * @irs: the peer's initial sequence number
 * @rcv_nxt: next sequence number expected from the peer
 * @copied_seq: next sequence number recvmsg() hands to the user
 * @rcv_wup: rcv_nxt when the window was last advertised
 * @rcv_wnd: window last advertised
 * @ooo_queue: out-of-order segments, an rbtree by sequence number (rcvq.c)
 * @ooo_last_skb: its last entry, or NULL: where most arrivals go
 * @ooo_last: first sequence number of the latest out-of-order arrival;
 *	its block goes first in our SACK blocks (RFC 2018 4)
 * @dsack: our next ACK reports [@dsack_start, @dsack_end), received twice
 * @rcv_rtt_us: the receiver's RTT estimate: how long a window of data
 *	takes to arrive (tcp_rcv_rtt_measure()), 0 until measured
 * @rcv_rtt_seq: the measurement ends when rcv_nxt reaches it
 * @rcv_rtt_time: when it began, usecs (0: none running)
 * @rcvq_space: bytes the reader took in the last round trip (autotuning)
 * @rcvq_seq: copied_seq when that round trip began
 * @rcvq_time: when it began, usecs
 * @rcv_mss: the largest in-order segment of the peer: a full-sized one
 * @ack_quick: in-order segments still to acknowledge at once (delack.c)
 * @ack_pending: in-order data waits for a delayed ACK; cleared by any
 *	segment that carries our ACK
 * @delack_timer: sends that ACK, TOY_DELACK_MS after the first such data
 * @rtx_timer: retransmission and zero-window probe timer
 * @timer_kind: what @rtx_timer or sk_timer is armed for (TOY_TIMER_*)
 * @rto: retransmission timeout, usecs
 * @srtt: smoothed RTT, usecs (RFC 6298), 0 until the first sample
 * @rttvar: RTT variation, usecs
 * @ctl_when: when our SYN or SYN-ACK was first sent, usecs (RTT sample)
 * @retransmits: retries of the current head segment (reset by new ACKs)
 * @backoff: exponent of the current RTO backoff
 * @dupacks: duplicate ACKs seen in a row
 * @ca_state: TOY_CA_OPEN; TOY_CA_RECOVERY, a loss was repaired and
 *	@high_seq is not yet acknowledged; TOY_CA_LOSS, the same after an
 *	RTO (TOY_DUPTHRESH, not @reordering, makes a hole lost until it ends)
 * @snd_cwnd: congestion window, segments (cong.c)
 * @snd_ssthresh: slow-start threshold, segments
 * @snd_cwnd_cnt: ACKed segments counted towards the next increase
 * @cwnd_limited: the last push stopped at @snd_cwnd (or, in slow start,
 *	used half of it): only then may an ACK grow the window
 * @lsndtime: jiffies when new data last left: restart after idle
 * @prior_cwnd: snd_cwnd before the current loss episode (undo)
 * @prior_ssthresh: snd_ssthresh before it
 * @undo_retrans: retransmissions of the episode not yet reported as
 *	needless by a D-SACK; -1 when there is nothing to undo
 * @ca_ops: the congestion control algorithm, one of cong.c's table
 * @ca_priv: its private state, zeroed when it starts
 * @hs: HyStart++ in the first slow start, whatever the algorithm
 * @total_retrans: segments retransmitted over the connection's life
 * @mss: payload bytes per segment, from the route's MTU; lowered, never
 *	raised, by a Packet Too Big (toy_mtu_reduced())
 * @mtu_info: the MTU of the latest Packet Too Big for a segment in flight,
 *	for toy_mtu_reduced() (written under bh_lock_sock())
 * @syn_retries: TOY_SYN_RETRIES
 * @retries: TOY_RETRIES
 * @rto_min: TOY_RTO_MIN, ms
 * @rto_max: TOY_RTO_MAX, ms
 * @nodelay: TOY_NODELAY
 * @sack_ok: SACK is on: offered in our SYN (SYN-SENT), else agreed by both
 * @fin_queued: our FIN is due after the write queue drains
 * @orphan: counted in toy_orphans, until the socket reaches CLOSED
 * @keepidle: TOY_KEEPIDLE, seconds
 * @keepintvl: TOY_KEEPINTVL, seconds
 * @keepcnt: TOY_KEEPCNT
 * @probes_out: keepalive or zero-window probes sent since the peer was
 *	last heard
 * @deferred: TOY_DEFER_* timer work left to toy_release_cb() (atomic
 *	bitops: set by timers under bh_lock_sock(), cleared by the owner)
 * @tsq_flags: TOY_TSQ_* (atomic bitops: tsq.c, from any context)
 * @tsq_node: on a CPU's list of sockets to push again (tsq.c), while
 *	TOY_TSQ_QUEUED
 * @last_rcv: jiffies when the peer was last heard
 */
struct toy_sock {
	union {
		struct sock sk;
		struct inet_sock inet;
	};

	struct hlist_nulls_node bind_node;
	struct hlist_nulls_node hash_node;
	bool ipv6;
	u32 dst_cookie;
	bool in_bind;
	bool in_hash;
	bool in_listen;
	bool connect_port;

	spinlock_t accept_lock;		/* the queues, accepting */
	struct list_head syn_queue;
	struct list_head accept_queue;
	u32 syn_qlen;
	bool accepting;

	struct list_head accept_node;
	struct sock *parent;
	bool in_accept_queue;

	u32 iss;
	u32 snd_una;
	u32 snd_nxt;
	u32 write_seq;
	u32 snd_wnd;
	u32 snd_wl1;
	u32 snd_wl2;
	u32 max_window;
	u32 last_oow_ack;
	u32 high_seq;
	u32 packets_out;
	u32 sacked_out;
	u32 lost_out;
	u32 retrans_out;
	u32 high_sacked;
	u16 rtx_epoch;
	struct rb_root rtx_queue;
	struct toy_sack_range {
		u32 start;
		u32 end;
	} sack_cache[TOYHDR_SACK_MAX];
	struct sk_buff *rtx_hint;
	u32 reordering;
	u64 rack_when;
	u64 rack_walked;
	u32 fin_seq;

	u32 irs;
	u32 rcv_nxt;
	u32 copied_seq;
	u32 rcv_wup;
	u32 rcv_wnd;
	struct rb_root ooo_queue;
	struct sk_buff *ooo_last_skb;
	u32 ooo_last;
	u32 dsack_start;
	u32 dsack_end;
	bool dsack;
	u32 rcv_rtt_us;
	u32 rcv_rtt_seq;
	u64 rcv_rtt_time;
	u32 rcvq_space;
	u32 rcvq_seq;
	u64 rcvq_time;
	u16 rcv_mss;
	u8 ack_quick;
	bool ack_pending;
	struct timer_list delack_timer;

	struct timer_list rtx_timer;
	u8 timer_kind;
	u32 rto;
	u32 srtt;
	u32 rttvar;
	u64 ctl_when;
	u8 retransmits;
	u8 backoff;
	u8 dupacks;
	u8 ca_state;
	u32 total_retrans;
	u16 mss;
	u32 mtu_info;

	u8 syn_retries;
	u8 retries;
	u32 rto_min;
	u32 rto_max;
	bool nodelay;
	bool sack_ok;
	bool fin_queued;
	bool orphan;

	u16 keepidle;
	u16 keepintvl;
	u8 keepcnt;
	u8 probes_out;
	unsigned long last_rcv;
	unsigned long deferred;
	unsigned long tsq_flags;
	struct list_head tsq_node;

	u32 snd_cwnd;
	u32 snd_ssthresh;
	u32 snd_cwnd_cnt;
	bool cwnd_limited;
	u32 lsndtime;
	u32 prior_cwnd;
	u32 prior_ssthresh;
	int undo_retrans;
	const struct toy_cong_ops *ca_ops;
	u64 ca_priv[8];
	struct toy_hystart hs;
};

/* Bits of toy_sock.deferred: which timer fired while a process owned it. */
enum {
	TOY_DEFER_RTX,
	TOY_DEFER_SK,
	TOY_DEFER_DELACK,
	TOY_DEFER_TSQ,		/* not a timer: tsq.c's push */
	TOY_DEFER_MTU,		/* not a timer: a Packet Too Big (input.c) */
	__TOY_DEFER_MAX
};

/* Bits of toy_sock.tsq_flags (tsq.c). */
enum {
	TOY_TSQ_THROTTLED,	/* held back: the next skb freed pushes */
	TOY_TSQ_QUEUED,		/* on a CPU's list, to push */
};

static inline struct toy_sock *toy_sk(const struct sock *sk)
{
	return container_of(sk, struct toy_sock, sk);
}

/**
 * struct toy_skb_cb - per-segment state kept in skb->cb
 * @seq: first sequence number of the payload
 * @end_seq: seq + payload length (a FIN is kept in @flags, not counted)
 * @when: time of the last transmission, usecs: the RTT sample of a
 *	segment sent once (Karn), or when a retransmission left
 * @charge: bytes charged to sk_wmem_queued for this skb
 * @flags: TOYHDR_* of the received segment (receive side)
 * @retrans: retransmitted at least once (Karn's rule: no RTT sample)
 * @sacked: the peer SACKed all of it (send side)
 * @lost: taken as lost, counted in toy_sock.lost_out (send side)
 * @rtx_out: retransmitted and counted in toy_sock.retrans_out (send side)
 * @rtx_epoch: toy_sock.rtx_epoch when last retransmitted (send side)
 * @pcount: the segments it stands for, once sent: DIV_ROUND_UP(end_seq -
 *	seq, mss), counted as many times in packets_out, and in sacked_out,
 *	lost_out and retrans_out with its marks (send side, recovery.c)
 * @drop: why toy_do_rcv() frees it (receive side)
 * @iif: IPv6: the interface it arrived on, saved before the block was
 *	cleared (receive side): a link-local peer is reached through it
 */
struct toy_skb_cb {
	u32 seq;
	u32 end_seq;
	u64 when;
	u32 charge;
	u8 flags;
	bool retrans;
	bool sacked;
	bool lost;
	bool rtx_out;
	u16 rtx_epoch;
	u16 pcount;
	u8 drop;	/* enum toy_drop: why toy_do_rcv() frees it */
	int iif;	/* IPv6: the interface it arrived on (inet6_iif()) */
};

#define TOY_SKB_CB(skb)	((struct toy_skb_cb *)&((skb)->cb[0]))

/* Did the segment come over IPv6? (KUnit's skbs have no protocol: IPv4.) */
static inline bool toy_skb_v6(const struct sk_buff *skb)
{
	return skb->protocol == htons(ETH_P_IPV6);
}

/* Sequence arithmetic modulo 2^32 (RFC 9293 3.4). */
static inline bool toy_before(u32 a, u32 b)
{
	return (s32)(a - b) < 0;
}

#define toy_after(a, b)		toy_before(b, a)

/* The clock of RTT samples and send times (skb cb->when), in us. */
static inline u64 toy_now_us(void)
{
	return ktime_to_us(ktime_get());
}

/*
 * Segments in the network, as RFC 6675's "pipe" (tcp_packets_in_flight()):
 * sent and not acknowledged, less those SACKed or taken as lost, plus
 * their retransmissions.
 */
static inline u32 toy_in_flight(const struct toy_sock *ts)
{
	return ts->packets_out - ts->sacked_out - ts->lost_out +
	       ts->retrans_out;
}

/* The first skb not yet sent, or NULL: the sent ones are on rtx_queue. */
static inline struct sk_buff *toy_send_head(const struct sock *sk)
{
	return skb_peek(&sk->sk_write_queue);
}

/* The oldest skb sent and not acknowledged, or NULL. */
static inline struct sk_buff *toy_rtx_head(const struct toy_sock *ts)
{
	return skb_rb_first(&ts->rtx_queue);
}

/* Our FIN is due and nothing else, but it has not left yet. */
static inline bool toy_fin_unsent(const struct toy_sock *ts)
{
	return ts->fin_queued && ts->snd_nxt == ts->fin_seq &&
	       !toy_send_head(&ts->sk);
}

/* The header of a received segment: the transport header. */
static inline const struct toyhdr *toy_hdr(const struct sk_buff *skb)
{
	return (const struct toyhdr *)skb_transport_header(skb);
}

/* A peer's advertised window, as we use it (TOY_MAX_WINDOW). */
static inline u32 toy_hdr_window(const struct toyhdr *th)
{
	return min_t(u32, ntohl(th->window), TOY_MAX_WINDOW);
}

/* The segments @skb stands for: more than one for a super-segment. */
static inline unsigned int toy_skb_segs(const struct sk_buff *skb)
{
	return skb_is_gso(skb) ? max_t(u16, skb_shinfo(skb)->gso_segs, 1) : 1;
}

static inline bool toy_between(u32 seq, u32 low, u32 high)
{
	return high - low >= seq - low;
}

/* params.c: the per-netns state, registered by main.c under toy_net_id */
extern unsigned int toy_net_id;
struct toy_net *toy_pernet(const struct net *net);

/* stats */
#define TOY_INC_STATS(net, field)	\
	this_cpu_inc(toy_pernet(net)->mib->mibs[field])
#define TOY_ADD_STATS(net, field, val)	\
	this_cpu_add(toy_pernet(net)->mib->mibs[field], val)
#define TOY_DEC_STATS(net, field)	\
	this_cpu_dec(toy_pernet(net)->mib->mibs[field])
#define TOY_INC_FSM(net, state, ev)	\
	this_cpu_inc(toy_pernet(net)->mib->fsm_hits[state][ev])
u64 toy_stat_read(struct toy_net *tn, int field);
u64 toy_fsm_hits(const struct net *net, int state, int ev);
extern const char * const toy_mib_names[__TOY_MIB_MAX];

/*
 * fsm.c: the connection state machine (enum toy_event is above). Its
 * actions call the rooms that do them (handshake.c's children, timer.c's
 * timers, output.c), and those feed it events back: the two ways of the
 * pairs fsm.c <-> handshake.c and fsm.c <-> timer.c are one table's cells
 * and the events that select them.
 */

/*
 * Actions, performed in this order when an event fires: a cell's actions
 * are a mask of TOY_ACT_*, bit TOY_ACT_BIT_* each; toy_action_names[] (fsm.c)
 * names them by bit, as /proc/net/toy_fsm prints them.
 */
enum toy_action_bit {
	TOY_ACT_BIT_SEND_SYN,
	TOY_ACT_BIT_SEND_SYNACK,
	TOY_ACT_BIT_SEND_FIN,
	TOY_ACT_BIT_SEND_ACK,
	TOY_ACT_BIT_SEND_RST,
	TOY_ACT_BIT_REPLY_RST,
	TOY_ACT_BIT_NEW_CHILD,
	TOY_ACT_BIT_ERR_REFUSED,
	TOY_ACT_BIT_ERR_RESET,
	TOY_ACT_BIT_ERR_TIMEDOUT,
	TOY_ACT_BIT_TW_RESTART,
	TOY_NR_ACTIONS
};

enum toy_action {
	TOY_ACT_SEND_SYN	= BIT(TOY_ACT_BIT_SEND_SYN),
	TOY_ACT_SEND_SYNACK	= BIT(TOY_ACT_BIT_SEND_SYNACK),
	TOY_ACT_SEND_FIN	= BIT(TOY_ACT_BIT_SEND_FIN),
	TOY_ACT_SEND_ACK	= BIT(TOY_ACT_BIT_SEND_ACK),
	TOY_ACT_SEND_RST	= BIT(TOY_ACT_BIT_SEND_RST),
	TOY_ACT_REPLY_RST	= BIT(TOY_ACT_BIT_REPLY_RST),
	TOY_ACT_NEW_CHILD	= BIT(TOY_ACT_BIT_NEW_CHILD),
	TOY_ACT_ERR_REFUSED	= BIT(TOY_ACT_BIT_ERR_REFUSED),
	TOY_ACT_ERR_RESET	= BIT(TOY_ACT_BIT_ERR_RESET),
	TOY_ACT_ERR_TIMEDOUT	= BIT(TOY_ACT_BIT_ERR_TIMEDOUT),
	TOY_ACT_TW_RESTART	= BIT(TOY_ACT_BIT_TW_RESTART),
};

/**
 * struct toy_transition - one cell of the state table
 * @next: state after the event (a TCP_* value; 0 means "not defined")
 * @actions: TOY_ACT_* mask
 * @unreachable: why the pair cannot occur, or NULL if it can
 */
struct toy_transition {
	u8 next;
	u16 actions;
	const char *unreachable;
};

extern const struct toy_transition toy_fsm[TOY_NR_STATES][TOY_NR_EVENTS];
extern const char * const toy_state_names[TOY_NR_STATES];
extern const char * const toy_event_names[TOY_NR_EVENTS];
extern const char * const toy_action_names[TOY_NR_ACTIONS];
int toy_fsm_event(struct sock *sk, enum toy_event ev, struct sk_buff *skb);
void toy_set_state(struct sock *sk, int state);

/* table.c */
int toy_bind_port(struct sock *sk, u16 port);
void toy_unbind(struct sock *sk);
void toy_bind_child(struct sock *child);
int toy_hash_listen(struct sock *sk);
int toy_hash_est(struct sock *sk);
int toy_hash_connect(struct sock *sk);
void toy_unhash(struct sock *sk);
struct sock *toy_lookup(struct net *net, __be32 saddr, __be16 sport,
			__be32 daddr, __be16 dport);
struct sock *toy_lookup6(struct net *net, const struct in6_addr *saddr,
			 __be16 sport, const struct in6_addr *daddr,
			 __be16 dport, int dif);
struct hlist_nulls_head *toy_bind_chain(struct toy_net *tn, u16 port);
int toy_table_init(struct net *net, struct toy_net *tn);
void toy_table_exit(struct toy_net *tn);

/* isn.c */
u32 toy_isn(__be32 saddr, __be32 daddr, __be16 sport, __be16 dport);
u32 toy_isn6(const struct in6_addr *saddr, const struct in6_addr *daddr,
	     __be16 sport, __be16 dport);

/* output.c */
int toy_send_syn(struct sock *sk);
int toy_send_synack(struct sock *sk);
void toy_send_ack(struct sock *sk);
void toy_send_rst(struct sock *sk);
void toy_reply_rst(struct net *net, struct sk_buff *skb);

/**
 * enum toy_drop - why a received segment went no further
 * @TOY_DROP_NONE: it did not: it was consumed (consume_skb())
 * @TOY_DROP_OTHERHOST: not addressed to this host alone (section 2)
 * @TOY_DROP_SHORT: shorter than its header (section 4, rule 1)
 * @TOY_DROP_HEADER: doff, reserved, flag bits or len wrong (rules 2 to 5)
 * @TOY_DROP_CSUM: bad checksum (rule 6)
 * @TOY_DROP_FLAGS: SYN with FIN or RST, or SACKOK without SYN (rules 7, 8)
 * @TOY_DROP_NO_SOCKET: no connection or listener matches (section 7)
 * @TOY_DROP_FILTER: the socket's filter or the LSM refused it
 * @TOY_DROP_BACKLOG: the owner held the socket and its backlog was full
 * @TOY_DROP_SEQUENCE: outside the receive window (section 13.3)
 * @TOY_DROP_RST: an RST in the window but not at rcv_nxt (section 11.2)
 * @TOY_DROP_RCVBUF: no room in the receive buffer
 * @TOY_DROP_DUPLICATE: data the receiver already held
 * @TOY_DROP_LISTEN_OVERFLOW: a SYN to a listener whose queues are full
 * @TOY_DROP_ACK_UNSENT: it acknowledges what was never sent
 * @TOY_DROP_ACK_OLD: it acknowledges further back than the peer could
 * @TOY_DROP_CLOSED: data for a socket its owner has closed (an abort)
 * @TOY_DROP_MAX: the number of reasons
 *
 * toy:toy_drop shows these names; toy_drop_skb() (drop.h) gives
 * skb:kfree_skb (perf) the kernel's nearest reason, TCP's where the
 * meaning is TCP's: docs/protocol.md 16.2 has the table.
 */
enum toy_drop {
	TOY_DROP_NONE,
	TOY_DROP_OTHERHOST,
	TOY_DROP_SHORT,
	TOY_DROP_HEADER,
	TOY_DROP_CSUM,
	TOY_DROP_FLAGS,
	TOY_DROP_NO_SOCKET,
	TOY_DROP_FILTER,
	TOY_DROP_BACKLOG,
	TOY_DROP_SEQUENCE,
	TOY_DROP_RST,
	TOY_DROP_RCVBUF,
	TOY_DROP_DUPLICATE,
	TOY_DROP_LISTEN_OVERFLOW,
	TOY_DROP_ACK_UNSENT,
	TOY_DROP_ACK_OLD,
	TOY_DROP_CLOSED,
	TOY_DROP_MAX,
};

/* Mark a received segment for toy_do_rcv() to drop, not consume. */
static inline void toy_drop_mark(struct sk_buff *skb, enum toy_drop why)
{
	TOY_SKB_CB(skb)->drop = why;
}

void toy_send_probe(struct sock *sk);
void toy_send_keepalive(struct sock *sk);
void toy_push(struct sock *sk);
void toy_mtu_reduced(struct sock *sk);
int toy_send_syn_again(struct sock *sk);
int toy_send_fin(struct sock *sk);
int toy_send_data(struct sock *sk, struct sk_buff *skb);
u32 toy_size_goal(const struct toy_sock *ts);
u32 toy_tso_segs(const struct toy_sock *ts);
struct sk_buff *toy_fragment(struct sock *sk, struct sk_buff *skb, u32 len);
void toy_rtx_insert(struct toy_sock *ts, struct sk_buff *skb);
int toy_route_saddr(struct sock *sk, __be32 daddr, __be32 *saddr);
int toy_route_saddr6(struct sock *sk, const struct in6_addr *daddr,
		     struct in6_addr *saddr);

/* rcvq.c: the receive queue, window and SACK blocks (a leaf) */

/*
 * Out-of-order entries one toy_sack_build() visits at most. Touching
 * entries are merged on arrival, so a block is one entry or a few; only a
 * peer that overlaps its segments on purpose makes long runs, and our ACKs
 * then report TOY_SACK_WALK entries' worth of them, which is still true.
 */
#define TOY_SACK_WALK	256

u32 toy_rcv_window(const struct sock *sk);
u32 toy_rcvq_offered(const struct sock *sk);
u32 toy_rcvq_accept_window(const struct sock *sk);
bool toy_rcvq_room(struct sock *sk, struct sk_buff *skb);
bool toy_rcvq_in_order(struct sock *sk, struct sk_buff *skb);
void toy_rcvq_ooo_insert(struct sock *sk, struct sk_buff *skb);
bool toy_rcvq_ooo_drain(struct sock *sk);
void toy_rcvq_ooo_purge(struct sock *sk);
int toy_sack_build(struct sock *sk, struct toy_sack_block *blocks);
void toy_rcvq_space_adjust(struct sock *sk);
void toy_sack_duplicate(struct sock *sk, u32 seq, u32 end);

/*
 * recovery.c: RTT and RTO, retransmission, the SACK scoreboard, and the
 * sender's half of an ACK. input.c gives it each ACK, timer.c each RTO
 * (the handshake, socket options and fsm.c set it up); it calls only
 * output.c, mem.c and cong.c (what each ACK and loss does to the
 * window). output.c arms the timer whose expiry comes back here: the one
 * loop, on purpose (a timer that resends).
 */
u32 toy_rto_clamp(const struct toy_sock *ts, u64 rto_us);
void toy_rtt_sample(struct toy_sock *ts, u32 rtt_us);
void toy_rto_backoff(struct toy_sock *ts);
bool toy_recovery_ack(struct sock *sk, const struct toyhdr *th, bool dup);
void toy_recovery_timeout(struct sock *sk);
void toy_recovery_init(struct sock *sk);
void toy_recovery_reset(struct sock *sk);

/*
 * delack.c: when in-order data is acknowledged (a leaf: input.c sends the
 * ACK it asks for, timer.c the one it delays)
 */
bool toy_ack_now(struct sock *sk, bool now);
void toy_ack_seen_data(struct sock *sk, u32 len);
void toy_ack_init(struct sock *sk);

/* input.c */
int toy_rcv(struct sk_buff *skb);
int toy_err(struct sk_buff *skb, u32 info);
int toy_v6_rcv(struct sk_buff *skb);
int toy_v6_err(struct sk_buff *skb, struct inet6_skb_parm *opt, u8 type,
	       u8 code, int offset, __be32 info);
int toy_do_rcv(struct sock *sk, struct sk_buff *skb);
bool toy_validate(const struct toyhdr *th, unsigned int len);

/*
 * timer.c: every expiry runs here, its work elsewhere (fsm.c events,
 * output.c probes, recovery.c retransmissions); output.c and recovery.c's
 * callers arm it as segments leave and ACKs arrive. A timer that resends
 * calls back into what armed it: output.c <-> timer.c, as WireGuard's
 * send.c and timers.c.
 */
void toy_timers_init(struct sock *sk);
void toy_timers_stop(struct sock *sk);
void toy_release_cb(struct sock *sk);
void toy_rearm_rtx(struct sock *sk, bool restart);
void toy_arm_timewait(struct sock *sk);
void toy_keepalive_reset(struct sock *sk);
void toy_keepalive(struct sock *sk, int on);

/* socket.c: the socket calls and the data path */
void toy_sock_init(struct sock *sk);
int toy_check_addr(const struct sockaddr_toy *sa, int len);
int toy_set_ipver(struct sock *sk, const struct sockaddr_toy *sa);
int toy_scope6(const struct sock *sk, const struct sockaddr_toy *sa,
	       int *dif);
u32 toy_inq(const struct sock *sk);
extern struct proto toy_proto;
extern const struct proto_ops toy_ops;
extern struct net_proto_family toy_family_ops;

/*
 * handshake.c: active and passive open. Its calls to socket.c (a new
 * socket's defaults, the address check) and socket.c's to it (the
 * proto_ops, a closing listener) run both ways: the handshake is a part of
 * the socket calls that has a room of its own.
 */
int toy_connect(struct socket *sock, struct sockaddr *uaddr, int len,
		int flags);
int toy_listen(struct socket *sock, int backlog);
void toy_listen_stop(struct sock *sk);
bool toy_listen_evict(struct sock *lsk);
void toy_child_established(struct sock *child);
void toy_child_drop(struct sock *child);
struct sock *toy_child_create(struct sock *lsk, struct sk_buff *skb);
void toy_rcv_listen(struct sock *sk, struct sk_buff *skb);
void toy_rcv_syn_sent(struct sock *sk, struct sk_buff *skb);
bool toy_rcv_syn_recv_ack(struct sock *sk, struct sk_buff *skb);

/*
 * cong.c: congestion control. recovery.c tells it about ACKs, losses and
 * their repair, output.c asks it how much may be in flight; the
 * algorithms (Reno here, CUBIC in cubic.c) are leaves.
 */
extern const struct toy_cong_ops toy_reno;
extern const struct toy_cong_ops toy_cubic;
u32 toy_cong_slow_start(struct toy_sock *ts, u32 acked);
void toy_cong_avoid_ai(struct toy_sock *ts, u32 w, u32 acked);
u32 toy_reno_ssthresh(struct toy_sock *ts);
const struct toy_cong_ops *toy_cong_default(void);
const struct toy_cong_ops *toy_cong_find(const char *name);
int toy_cong_set(struct sock *sk, const char *name);
void toy_cong_init(struct sock *sk);
void toy_cong_ack(struct sock *sk, u32 acked);
void toy_cong_state(struct sock *sk, u8 state);
void toy_cong_restart(struct sock *sk);
void toy_cong_rtt(struct sock *sk, u32 rtt_us);
void toy_cong_retransmitted(struct sock *sk, u32 segs);
void toy_cong_dsack(struct sock *sk, u32 segs);
bool toy_cong_can_send(struct sock *sk);

/* options.c: the header options, one table (calls only leaves) */
bool toy_options_hdr_ok(const struct toyhdr *th);
bool toy_options_flags_ok(u8 flags);
u8 toy_options_offer(void);
void toy_options_set(struct sock *sk, u8 flags);
u8 toy_options_syn(const struct sock *sk);
int toy_options_write(struct sock *sk, struct sk_buff *skb, u8 flags);
u32 toy_options_info(const struct sock *sk);

/* sockopt.c: the options at SOL_TOY, one table */
void toy_sockopt_defaults(struct toy_sock *ts);
void toy_sockopt_inherit(struct toy_sock *ts, const struct toy_sock *lts);
int toy_setsockopt(struct socket *sock, int level, int optname,
		   sockptr_t optval, unsigned int optlen);
int toy_getsockopt(struct socket *sock, int level, int optname,
		   char __user *optval, int __user *optlen);
void toy_get_info(struct sock *sk, struct toy_info *info);

/* mem.c */
void toy_mem_proto(struct proto *prot);
int toy_mem_init(void);
void toy_mem_exit(void);
bool toy_wmem_charge(struct sock *sk, struct sk_buff *skb, bool force);
void toy_wmem_free(struct sock *sk, struct sk_buff *skb);
void toy_wmem_purge(struct sock *sk);

/* diag.c */
int toy_diag_init(void);
void toy_diag_exit(void);
int toy_diag_abort(struct sock *sk, int err);

/* offload.c */
void toy_offload_init(void);
void toy_offload_exit(void);

/*
 * tsq.c: data leaves owned by its socket, and stops while enough of it
 * waits below; output.c <-> tsq.c, as output.c <-> timer.c.
 */
void toy_tsq_init(void);
void toy_tsq_exit(void);
bool toy_tsq_throttled(struct sock *sk, const struct sk_buff *skb);
void toy_tsq_own(struct sock *sk, struct sk_buff *skb);
bool toy_tsq_owned(const struct sk_buff *skb);

/* proc.c */
int toy_proc_init(struct net *net);
void toy_proc_exit(struct net *net);

#endif /* _TOY_H */
