// SPDX-License-Identifier: GPL-2.0
/*
 * Toy Stream Protocol: congestion control.
 *
 * The receiver's window says how much it can take; the congestion window
 * says how much the network can. A sender keeps at most snd_cwnd segments
 * in flight (toy_in_flight(), RFC 6675's pipe), and the algorithm moves
 * snd_cwnd as ACKs and losses tell it about the path (RFC 5681):
 *
 * - slow start: from TOY_INIT_CWND segments (RFC 6928), one more per
 *   segment acknowledged, doubling every round trip, up to snd_ssthresh;
 *   the first one, which has no snd_ssthresh to stop it, ends when the
 *   RTT rises (HyStart++, below) rather than when the queue overflows;
 * - congestion avoidance: above it, the algorithm's own rule: Reno adds
 *   one segment per round trip, CUBIC (cubic.c) follows a cubic curve
 *   of the time since the last loss;
 * - a loss repaired by fast retransmit (TOY_CA_RECOVERY): snd_ssthresh
 *   falls to what the algorithm says (Reno: half the window; CUBIC: 0.7)
 *   and snd_cwnd with it, and the window holds still until the recovery
 *   ends (RFC 6675 5: new data goes out as the pipe drains below it);
 * - an RTO (TOY_CA_LOSS): snd_ssthresh falls the same way and snd_cwnd
 *   to one segment: slow start again, as the retransmissions come back.
 *
 * A reduction found needless is undone (RFC 2883 and Linux's
 * tcp_try_undo_dsack()): when every retransmission of the episode comes
 * back as a D-SACK, the receiver had the originals, the path only
 * reordered them, and the window and threshold return to what they were.
 * The paths of a VM reorder often: a veth delivers on the CPU that sent,
 * and segments sent from two CPUs overtake each other.
 *
 * A window grows only when it is what limits the sender (RFC 7661): an
 * application that writes little would otherwise earn a window it never
 * used. After an idle period longer than an RTO, the window falls back to
 * the initial one (RFC 5681 4.1): the path may be busy with others now.
 *
 * The algorithms are a constant table, as tcp_congestion_ops are a list:
 * a socket picks one with TOY_CONGESTION (a name, like TCP_CONGESTION),
 * a new socket takes the congestion= parameter's, and a child its
 * listener's. Adding one is a file with a struct toy_cong_ops and a line
 * in toy_cong_algos[]. They are not registered by other modules: a socket
 * then would need a reference on the module its algorithm lives in, and
 * this model has nothing to teach there.
 *
 * Functions local to this file carry no toy_ prefix.
 */
#include <linux/ip.h>
#include <linux/jiffies.h>
#include <linux/minmax.h>
#include <linux/moduleparam.h>
#include <linux/string.h>
#include <net/tcp_states.h>

#include "toy.h"
#include "trace.h"

static const struct toy_cong_ops *const toy_cong_algos[] = {
	&toy_cubic,
	&toy_reno,
};

/* The congestion= parameter: a new socket's algorithm. */
static const struct toy_cong_ops *cong_default = &toy_cubic;

/**
 * toy_cong_find - the algorithm called @name
 * @name: NUL-terminated
 *
 * Return: the algorithm, or NULL if there is none of that name.
 */
const struct toy_cong_ops *toy_cong_find(const char *name)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(toy_cong_algos); i++)
		if (!strcmp(toy_cong_algos[i]->name, name))
			return toy_cong_algos[i];
	return NULL;
}

const struct toy_cong_ops *toy_cong_default(void)
{
	return READ_ONCE(cong_default);
}

static int param_set_congestion(const char *val, const struct kernel_param *kp)
{
	char name[TOY_CA_NAME_MAX];
	const struct toy_cong_ops *ops;

	if (strscpy(name, val, sizeof(name)) < 0)
		return -ENOENT;
	ops = toy_cong_find(strim(name));
	if (!ops)
		return -ENOENT;
	WRITE_ONCE(cong_default, ops);
	return 0;
}

static int param_get_congestion(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%s\n", toy_cong_default()->name);
}

static const struct kernel_param_ops param_ops_congestion = {
	.set = param_set_congestion,
	.get = param_get_congestion,
};

module_param_cb(congestion, &param_ops_congestion, NULL, 0644);
MODULE_PARM_DESC(congestion, "congestion control of new sockets: cubic (default) or reno");

static void trace_cwnd(struct sock *sk)
{
	struct toy_sock *ts = toy_sk(sk);

	trace_toy_cwnd(sk, ts->snd_cwnd, ts->snd_ssthresh, toy_in_flight(ts),
		       ts->ca_state, ts->srtt);
}

/*
 * The send buffer follows the window (tcp_sndbuf_expand()): room for two
 * windows of segments, one in flight and one being written, up to
 * TOY_WMEM_MAX, unless SO_SNDBUF fixed it, from the initial window on.
 * Without it, a window larger than the default buffer could never be
 * filled, and so never grow.
 */
static void sndbuf_expand(struct sock *sk)
{
	struct toy_sock *ts = toy_sk(sk);
	u64 want;

	if (sk->sk_userlocks & SOCK_SNDBUF_LOCK)
		return;
	want = 2 * (u64)max_t(u32, ts->snd_cwnd, TOY_INIT_CWND) *
	       SKB_TRUESIZE(ts->mss + TOY_MAX_HEADER);
	want = min_t(u64, want, TOY_WMEM_MAX);
	if (want > READ_ONCE(sk->sk_sndbuf))
		WRITE_ONCE(sk->sk_sndbuf, want);
}

/* ---- HyStart++ (RFC 9406) ------------------------------------------ */

/*
 * The first slow start has no threshold: it doubles the window each round
 * trip until the bottleneck's queue overflows, and then loses up to half
 * a window at once, often the retransmissions too, as they meet the same
 * full queue (and, when two flows start together, each the other's).
 * HyStart++ watches the smallest RTT of each round trip instead: once
 * it rises by an eighth (4 to 16 ms), the queue is growing.
 *
 * There the RFC has slow start go on at a quarter of its pace
 * (conservative slow start, CSS) for five rounds before congestion
 * avoidance, and return to full pace if the RTT falls back below where it
 * rose to: the rise was noise. Linux's CUBIC (HyStart, tcp_cubic.c) ends
 * slow start there instead, and so does this by default
 * (hystart_css_rounds=0): a queue another flow builds raises the RTT as
 * much as one's own, and a flow that goes on growing by up to 1.25^5 while
 * a TCP flow beside it stops ends up with a larger window, which CUBIC's
 * reductions, the same fraction for both at the same losses, then keep
 * for the whole transfer (measured on the bench's bottleneck: AF_TOY's
 * share beside TCP's was up to 3.7 times TCP's with five rounds). Either
 * way, for both algorithms, without pacing (L unbounded).
 */
#define HS_MIN_RTT_THRESH	4000	/* usecs */
#define HS_MAX_RTT_THRESH	16000
#define HS_MIN_RTT_DIVISOR	8
#define HS_N_RTT_SAMPLE		8
#define HS_CSS_GROWTH_DIVISOR	4

static void hystart_init(struct toy_sock *ts)
{
	struct toy_hystart *hs = &ts->hs;

	memset(hs, 0, sizeof(*hs));
	hs->mode = READ_ONCE(toy_hystart) ? TOY_HS_SS : TOY_HS_OFF;
	/* at most TOY_HS_CSS_ROUNDS_MAX: the parameter refuses more */
	hs->css_max = READ_ONCE(toy_hystart_css_rounds);
	hs->end_seq = ts->snd_nxt;
	hs->last_min = U32_MAX;
	hs->cur_min = U32_MAX;
	hs->css_base = U32_MAX;
}

/* A round trip begins: the peer acknowledged all that was sent before. */
static void hystart_round(struct sock *sk)
{
	struct toy_sock *ts = toy_sk(sk);
	struct toy_hystart *hs = &ts->hs;

	hs->last_min = hs->cur_min;
	hs->cur_min = U32_MAX;
	hs->samples = 0;
	hs->end_seq = ts->snd_nxt;
	if (hs->mode == TOY_HS_CSS && ++hs->css_rounds >= hs->css_max) {
		/* Enough: congestion avoidance from the window reached. */
		hs->mode = TOY_HS_OFF;
		ts->snd_ssthresh = ts->snd_cwnd;
		trace_cwnd(sk);
	}
}

/* An RTT sample during the first slow start. */
static void hystart_sample(struct sock *sk, u32 rtt_us)
{
	struct toy_sock *ts = toy_sk(sk);
	struct toy_hystart *hs = &ts->hs;
	u32 thresh;

	if (hs->mode == TOY_HS_OFF)
		return;
	/* A loss, an undo or an idle restart set a threshold: not first. */
	if (ts->snd_ssthresh != TOY_INFINITE_SSTHRESH) {
		hs->mode = TOY_HS_OFF;
		return;
	}
	if (!toy_before(ts->snd_una, hs->end_seq))
		hystart_round(sk);
	if (hs->mode == TOY_HS_OFF)
		return;
	hs->cur_min = min(hs->cur_min, rtt_us);
	if (hs->samples < U16_MAX)
		hs->samples++;
	if (hs->samples < HS_N_RTT_SAMPLE || hs->last_min == U32_MAX)
		return;
	if (hs->mode == TOY_HS_SS) {
		thresh = clamp_t(u32, hs->last_min / HS_MIN_RTT_DIVISOR,
				 HS_MIN_RTT_THRESH, HS_MAX_RTT_THRESH);
		if (hs->cur_min < hs->last_min + thresh)
			return;
		TOY_INC_STATS(sock_net(sk), TOY_MIB_HYSTARTDELAYDETECT);
		TOY_ADD_STATS(sock_net(sk), TOY_MIB_HYSTARTDELAYCWND,
			      ts->snd_cwnd);
		if (!hs->css_max) {
			/* As Linux's HyStart: congestion avoidance from here */
			hs->mode = TOY_HS_OFF;
			ts->snd_ssthresh = ts->snd_cwnd;
		} else {
			hs->mode = TOY_HS_CSS;
			hs->css_base = hs->cur_min;
			hs->css_rounds = 0;
			hs->css_acked = 0;
		}
		trace_cwnd(sk);
	} else if (hs->cur_min < hs->css_base) {
		hs->mode = TOY_HS_SS;
		hs->css_base = U32_MAX;
		trace_cwnd(sk);
	}
}

/**
 * toy_cong_init - the congestion state of a connection about to open
 * @sk: the socket, locked; its algorithm is chosen, its MSS known
 */
void toy_cong_init(struct sock *sk)
{
	struct toy_sock *ts = toy_sk(sk);

	sock_owned_by_me(sk);
	ts->snd_cwnd = TOY_INIT_CWND;
	ts->snd_ssthresh = TOY_INFINITE_SSTHRESH;
	ts->snd_cwnd_cnt = 0;
	ts->cwnd_limited = false;
	ts->ca_state = TOY_CA_OPEN;
	ts->lsndtime = jiffies;
	ts->undo_retrans = -1;
	memset(ts->ca_priv, 0, sizeof(ts->ca_priv));
	hystart_init(ts);
	if (ts->ca_ops->init)
		ts->ca_ops->init(ts);
	sndbuf_expand(sk);
}

/**
 * toy_cong_set - TOY_CONGESTION: use the algorithm called @name
 * @sk: the socket, locked
 * @name: NUL-terminated
 *
 * A connection keeps its window and threshold; the new algorithm starts
 * from them, with its own state fresh (tcp_reinit_congestion_control()).
 *
 * Return: 0, or -ENOENT if no algorithm has that name.
 */
int toy_cong_set(struct sock *sk, const char *name)
{
	const struct toy_cong_ops *ops = toy_cong_find(name);
	struct toy_sock *ts = toy_sk(sk);

	sock_owned_by_me(sk);
	if (!ops)
		return -ENOENT;
	if (ops == ts->ca_ops)
		return 0;
	WRITE_ONCE(ts->ca_ops, ops);
	ts->snd_cwnd_cnt = 0;
	memset(ts->ca_priv, 0, sizeof(ts->ca_priv));
	if (ops->init)
		ops->init(ts);
	return 0;
}

/**
 * toy_cong_slow_start - grow the window by one segment per segment acked
 * @ts: the sender
 * @acked: segments newly acknowledged
 *
 * Not beyond snd_ssthresh (RFC 5681 3.1, as tcp_slow_start()). In
 * HyStart++'s conservative slow start, one segment per four.
 *
 * Return: the acknowledged segments left over for congestion avoidance.
 */
u32 toy_cong_slow_start(struct toy_sock *ts, u32 acked)
{
	u32 cwnd;

	if (ts->hs.mode == TOY_HS_CSS) {
		ts->hs.css_acked += acked;
		acked = ts->hs.css_acked / HS_CSS_GROWTH_DIVISOR;
		ts->hs.css_acked %= HS_CSS_GROWTH_DIVISOR;
		if (!acked)
			return 0;
	}
	cwnd = min(ts->snd_cwnd + acked, ts->snd_ssthresh);

	acked -= cwnd - ts->snd_cwnd;
	ts->snd_cwnd = min_t(u32, cwnd, TOY_CWND_MAX);
	return acked;
}

/**
 * toy_cong_avoid_ai - additive increase: one segment per @w acked
 * @ts: the sender
 * @w: segments to acknowledge for one more; at least 1
 * @acked: segments newly acknowledged
 */
void toy_cong_avoid_ai(struct toy_sock *ts, u32 w, u32 acked)
{
	w = max(w, 1U);
	/* The window shrank under a count made for a larger one. */
	if (ts->snd_cwnd_cnt >= w) {
		ts->snd_cwnd_cnt = 0;
		ts->snd_cwnd++;
	}
	ts->snd_cwnd_cnt += acked;
	if (ts->snd_cwnd_cnt >= w) {
		ts->snd_cwnd += ts->snd_cwnd_cnt / w;
		ts->snd_cwnd_cnt %= w;
	}
	ts->snd_cwnd = min_t(u32, ts->snd_cwnd, TOY_CWND_MAX);
}

/* ---- Reno (RFC 5681) ------------------------------------------------ */

/*
 * Half the window. RFC 5681 (3.1, equation 4) halves the data in flight,
 * which is the window itself for a sender the window limits; Linux's
 * tcp_reno_ssthresh() halves the window too.
 */
u32 toy_reno_ssthresh(struct toy_sock *ts)
{
	return max(ts->snd_cwnd / 2, 2U);
}

static void reno_cong_avoid(struct toy_sock *ts, u32 acked)
{
	if (ts->snd_cwnd < ts->snd_ssthresh) {
		acked = toy_cong_slow_start(ts, acked);
		if (!acked)
			return;
	}
	toy_cong_avoid_ai(ts, ts->snd_cwnd, acked);
}

const struct toy_cong_ops toy_reno = {
	.name		= "reno",
	.ssthresh	= toy_reno_ssthresh,
	.cong_avoid	= reno_cong_avoid,
};

/* ---- what recovery.c and output.c tell it --------------------------- */

/**
 * toy_cong_ack - @acked segments were newly acknowledged
 * @sk: the sender, locked
 * @acked: segments freed from the write queue by this ACK
 *
 * The window grows in TOY_CA_OPEN and TOY_CA_LOSS (slow start after an
 * RTO), never while a fast recovery repairs a loss, and only if the
 * window was the limit.
 */
void toy_cong_ack(struct sock *sk, u32 acked)
{
	struct toy_sock *ts = toy_sk(sk);

	sock_owned_by_me(sk);
	if (!acked || ts->ca_state == TOY_CA_RECOVERY || !ts->cwnd_limited)
		return;
	ts->ca_ops->cong_avoid(ts, acked);
	sndbuf_expand(sk);
	trace_cwnd(sk);
}

/**
 * toy_cong_state - the sender enters TOY_CA_* @state
 * @sk: the sender, locked
 * @state: TOY_CA_RECOVERY (fast retransmit), TOY_CA_LOSS (an RTO) or
 *	TOY_CA_OPEN (the recovery ended)
 *
 * A loss sets snd_ssthresh once per episode: an RTO during a recovery, or
 * one that backs off again without any progress, keeps it, as
 * tcp_enter_loss() does. An RTO leaves one segment in the window; a fast
 * recovery and its end leave snd_ssthresh.
 */
void toy_cong_state(struct sock *sk, u8 state)
{
	struct toy_sock *ts = toy_sk(sk);
	u8 prior = ts->ca_state;

	sock_owned_by_me(sk);
	/* A loss ends slow start by itself (RFC 9406 4.2). */
	if (state != TOY_CA_OPEN)
		ts->hs.mode = TOY_HS_OFF;
	if (prior == TOY_CA_OPEN && state != TOY_CA_OPEN) {
		/* A new episode: what to return to if it was needless. */
		ts->prior_cwnd = ts->snd_cwnd;
		ts->prior_ssthresh = ts->snd_ssthresh;
		ts->undo_retrans = 0;
	}
	switch (state) {
	case TOY_CA_RECOVERY:
		ts->snd_ssthresh = ts->ca_ops->ssthresh(ts);
		ts->snd_cwnd = ts->snd_ssthresh;
		break;
	case TOY_CA_LOSS:
		if (prior == TOY_CA_OPEN ||
		    (prior == TOY_CA_LOSS && !ts->retransmits))
			ts->snd_ssthresh = ts->ca_ops->ssthresh(ts);
		ts->snd_cwnd = 1;
		break;
	default:
		if (prior == TOY_CA_RECOVERY)
			ts->snd_cwnd = min(ts->snd_cwnd, ts->snd_ssthresh);
		break;
	}
	ts->snd_cwnd_cnt = 0;
	ts->ca_state = state;
	if (ts->ca_ops->set_state)
		ts->ca_ops->set_state(ts, state);
	trace_cwnd(sk);
}

/**
 * toy_cong_retransmitted - segments were retransmitted
 * @sk: the sender, locked
 * @segs: how many, in one transmission
 */
void toy_cong_retransmitted(struct sock *sk, u32 segs)
{
	struct toy_sock *ts = toy_sk(sk);

	if (ts->undo_retrans >= 0)
		ts->undo_retrans += segs;
}

/**
 * toy_cong_dsack - a D-SACK: a retransmission arrived as a duplicate
 * @sk: the sender, locked
 * @segs: the segments its block covers (tcp_dsack_seen()'s dup_segs)
 *
 * Once every retransmission of the episode was a duplicate, the episode
 * was needless: the window and threshold it cut are restored. The repair
 * itself goes on: what is marked lost is resent, as the window allows.
 */
void toy_cong_dsack(struct sock *sk, u32 segs)
{
	struct toy_sock *ts = toy_sk(sk);

	sock_owned_by_me(sk);
	if (ts->undo_retrans <= 0)
		return;
	ts->undo_retrans -= min_t(u32, segs, ts->undo_retrans);
	if (ts->undo_retrans)
		return;
	ts->undo_retrans = -1;
	ts->snd_cwnd = max(ts->snd_cwnd, ts->prior_cwnd);
	ts->snd_ssthresh = max(ts->snd_ssthresh, ts->prior_ssthresh);
	ts->snd_cwnd_cnt = 0;
	trace_cwnd(sk);
}

/**
 * toy_cong_rtt - a round-trip time was measured
 * @sk: the sender, locked
 * @rtt_us: the sample
 */
void toy_cong_rtt(struct sock *sk, u32 rtt_us)
{
	struct toy_sock *ts = toy_sk(sk);

	sock_owned_by_me(sk);
	hystart_sample(sk, rtt_us);
	if (ts->ca_ops->rtt_sample)
		ts->ca_ops->rtt_sample(ts, rtt_us);
}

/**
 * toy_cong_restart - new data is about to leave an idle connection
 * @sk: the sender, locked, with nothing in flight
 *
 * Idle longer than an RTO: the window we had says nothing of the path
 * now. Fall back to the initial window, remembering three quarters of the
 * old one in snd_ssthresh, as tcp_cwnd_restart() does.
 */
void toy_cong_restart(struct sock *sk)
{
	struct toy_sock *ts = toy_sk(sk);
	u32 idle = jiffies - ts->lsndtime;

	sock_owned_by_me(sk);
	if (ts->snd_cwnd <= TOY_INIT_CWND || idle <= usecs_to_jiffies(ts->rto))
		return;
	ts->snd_ssthresh = max(ts->snd_ssthresh, ts->snd_cwnd / 4 * 3);
	ts->snd_cwnd = TOY_INIT_CWND;
	ts->snd_cwnd_cnt = 0;
	if (ts->ca_ops->restart)
		ts->ca_ops->restart(ts);
	trace_cwnd(sk);
}

/**
 * toy_cong_can_send - may one more segment leave?
 * @sk: the sender, locked
 *
 * Also notes whether the window is what holds the sender back: it is if
 * it is full, or in slow start half full (tcp_is_cwnd_limited(): the
 * window doubles each round trip, and a sender that keeps half of it busy
 * would fill the next one).
 *
 * Return: true if fewer than snd_cwnd segments are in flight.
 */
bool toy_cong_can_send(struct sock *sk)
{
	struct toy_sock *ts = toy_sk(sk);
	u32 flight = toy_in_flight(ts);

	sock_owned_by_me(sk);
	if (ts->snd_cwnd < ts->snd_ssthresh)
		ts->cwnd_limited = 2 * flight >= ts->snd_cwnd;
	else
		ts->cwnd_limited = flight >= ts->snd_cwnd;
	return flight < ts->snd_cwnd;
}

#if IS_ENABLED(CONFIG_TOY_KUNIT_TEST)
#include "test/cong-test.c"
#endif
