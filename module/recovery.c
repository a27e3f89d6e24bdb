// SPDX-License-Identifier: GPL-2.0
/*
 * Toy Stream Protocol: loss recovery.
 *
 * Everything the sender does about segments that may be lost, under the
 * socket lock: what the RTT is (RFC 6298), what to resend and when, and
 * what an acceptable ACK tells about both. input.c hands each ACK to
 * toy_recovery_ack(), timer.c each retransmission timeout to
 * toy_recovery_timeout(); segments leave through output.c. Calls run that
 * way only, but for the timer that resends: output.c arms it (timer.c)
 * whenever data leaves, and its expiry comes back here.
 *
 * Without SACK, loss is learnt from three duplicate ACKs (fast
 * retransmit) or the RTO, and one hole is repaired per round trip: a
 * partial ACK shows the next (NewReno, RFC 6582).
 *
 * A cumulative ACK tells the sender only where the first hole is. On a
 * path that loses one segment in ten, a window holds dozens of holes, and
 * repairing one per round trip crawls. With SACK the receiver also
 * reports what it holds beyond the hole (its blocks are built in rcvq.c),
 * and the sender repairs every hole it learns of in the same round trip.
 * sack_update() marks the skbs of rtx_queue a block covers (the
 * scoreboard). A segment is taken as lost once @reordering segments'
 * worth of data above it was SACKed (the forward-acknowledgement rule of
 * Mathis and Mahdavi, simpler than RFC 6675's count of segments).
 * @reordering starts at TOY_DUPTHRESH and grows, as Linux's does, when a
 * segment never resent turns up that far below the highest SACKed one:
 * the path reorders, and holes that short were not losses.
 * sack_retransmit() resends each lost segment once. A retransmission can
 * be lost too: once a segment sent well after it arrives, it is resent
 * again (RACK's time rule, sack_resend_lost_rtx()), the head even with
 * the window full, since it is what holds the window back; anything else
 * waits for the RTO, after which every lost segment may be resent once
 * more.
 *
 * The scoreboard also counts what is in flight (toy_in_flight(), RFC
 * 6675's pipe): segments sent, less those SACKed or taken as lost, plus
 * their retransmissions, as Linux's packets_out, sacked_out, lost_out and
 * retrans_out. Congestion control (cong.c) keeps that below snd_cwnd:
 * new data waits in toy_push(), and retransmissions here, but for the
 * first of a recovery (the fast retransmit) and the RTO's.
 *
 * SACKed data stays queued until the cumulative ACK covers it: a receiver
 * may drop out-of-order data it reported (reneging, when memory runs
 * short). An RTO that finds the head SACKed takes that as reneging and
 * forgets the scoreboard.
 *
 * Functions local to this file carry no toy_ prefix.
 */
#include <linux/jiffies.h>
#include <linux/minmax.h>
#include <linux/skbuff.h>
#include <net/tcp_states.h>

#include "toy.h"
#include "trace.h"

/* ---- round-trip time and retransmission timeout (RFC 6298) ---------- */

/* RTO within the socket's bounds; the upper bound wins if they cross. */
u32 toy_rto_clamp(const struct toy_sock *ts, u64 rto_us)
{
	rto_us = max_t(u64, rto_us, (u64)ts->rto_min * USEC_PER_MSEC);
	return min_t(u64, rto_us, (u64)ts->rto_max * USEC_PER_MSEC);
}

/*
 * RTO = SRTT + max(G, 4 * RTTVAR) (RFC 6298 2.3), G one clock tick, with
 * TOY_RTO_MIN as a floor under the variance term as Linux puts it
 * (tcp_rtt_estimator()): on a steady path RTTVAR decays towards zero and
 * RTO would hug SRTT, firing at the first hiccup of a virtual machine.
 */
static void rto_update(struct toy_sock *ts)
{
	u64 var = max_t(u64, jiffies_to_usecs(1), 4 * (u64)ts->rttvar);

	var = max_t(u64, var, (u64)ts->rto_min * USEC_PER_MSEC);
	ts->rto = toy_rto_clamp(ts, (u64)ts->srtt + var);
}

/**
 * toy_rtt_sample - feed one round-trip measurement to the estimator
 * @ts: the connection
 * @rtt_us: the measured RTT of a segment sent once (Karn's rule)
 *
 * RFC 6298 section 2: SRTT and RTTVAR with alpha 1/8 and beta 1/4,
 * RTO = SRTT + max(G, 4 * RTTVAR, RTO_MIN) with G one clock tick.
 */
void toy_rtt_sample(struct toy_sock *ts, u32 rtt_us)
{
	if (!rtt_us)
		rtt_us = 1;
	if (!ts->srtt) {
		ts->srtt = rtt_us;
		ts->rttvar = rtt_us / 2;
	} else {
		u32 delta = ts->srtt > rtt_us ? ts->srtt - rtt_us :
						rtt_us - ts->srtt;

		ts->rttvar = (3 * (u64)ts->rttvar + delta) / 4;
		ts->srtt = (7 * (u64)ts->srtt + rtt_us) / 8;
	}
	rto_update(ts);
}

/**
 * toy_rto_backoff - a timeout: double the RTO, within its bounds
 * @ts: the connection
 */
void toy_rto_backoff(struct toy_sock *ts)
{
	ts->backoff++;
	ts->rto = toy_rto_clamp(ts, (u64)ts->rto * 2);
}

/* ---- retransmission ------------------------------------------------- */

/* @segs segments from @seq left again, in one transmission. */
static void count_retransmit(struct sock *sk, u32 seq, u32 segs)
{
	struct toy_sock *ts = toy_sk(sk);

	ts->total_retrans += segs;
	toy_cong_retransmitted(sk, segs);
	trace_toy_retransmit(sk, seq, ts->retransmits, ts->rto);
	TOY_ADD_STATS(sock_net(sk), TOY_MIB_RETRANSSEGS, segs);
}

/* @cb is taken as lost: it leaves the pipe until it is resent. */
static void mark_lost(struct toy_sock *ts, struct toy_skb_cb *cb)
{
	if (cb->lost || cb->sacked)
		return;
	cb->lost = true;
	ts->lost_out += cb->pcount;
}

/* @cb was SACKed or acknowledged: neither lost nor resent in flight. */
static void unmark(struct toy_sock *ts, struct toy_skb_cb *cb)
{
	if (cb->lost) {
		cb->lost = false;
		ts->lost_out -= cb->pcount;
	}
	if (cb->rtx_out) {
		cb->rtx_out = false;
		ts->retrans_out -= cb->pcount;
	}
}

/*
 * @skb stands for as many segments as the MSS now cuts it into: every
 * count it is in follows (tcp_adjust_pcount()). It changes when @skb is
 * cut, or when the MSS fell since it was sent.
 */
static void recount(struct toy_sock *ts, struct sk_buff *skb)
{
	struct toy_skb_cb *cb = TOY_SKB_CB(skb);
	u16 segs = DIV_ROUND_UP(cb->end_seq - cb->seq, ts->mss);
	int delta = (int)segs - (int)cb->pcount;

	if (!delta)
		return;
	cb->pcount = segs;
	ts->packets_out += delta;
	if (cb->sacked)
		ts->sacked_out += delta;
	if (cb->lost)
		ts->lost_out += delta;
	if (cb->rtx_out)
		ts->retrans_out += delta;
}

/*
 * Cut @skb of rtx_queue after @len bytes (toy_fragment()); the rest, with
 * the same marks, follows it. Return: 0, or -ENOMEM with @skb unchanged.
 */
static int rtx_split(struct sock *sk, struct sk_buff *skb, u32 len)
{
	struct toy_sock *ts = toy_sk(sk);
	struct sk_buff *nskb;
	u32 limit;

	/*
	 * Each cut costs an skb head, charged whatever the buffer: none
	 * once the queue holds twice the send buffer and two full skbs,
	 * but at either end of the queue, which recovery must always be
	 * able to cut (the bound tcp_fragment() puts on a peer's SACK
	 * blocks, CVE-2019-11478).
	 */
	limit = READ_ONCE(sk->sk_sndbuf) + 2 * SKB_TRUESIZE(TOY_GSO_MAX_BYTES);
	if (unlikely((READ_ONCE(sk->sk_wmem_queued) >> 1) > limit &&
		     skb != toy_rtx_head(ts) &&
		     skb != skb_rb_last(&ts->rtx_queue))) {
		TOY_INC_STATS(sock_net(sk), TOY_MIB_WQUEUETOOBIG);
		return -ENOMEM;
	}
	nskb = toy_fragment(sk, skb, len);
	if (!nskb)
		return -ENOMEM;
	TOY_SKB_CB(nskb)->pcount = 0;	/* in no count yet */
	toy_rtx_insert(ts, nskb);
	recount(ts, skb);
	recount(ts, nskb);
	return 0;
}

/*
 * Make @skb of rtx_queue stand for at most @segs segments of the current
 * MSS, and for no more than one transmission may carry
 * (tcp_retransmit_skb()). Return: 0, or -ENOMEM.
 */
static int rtx_trim(struct sock *sk, struct sk_buff *skb, u32 segs)
{
	struct toy_sock *ts = toy_sk(sk);

	recount(ts, skb);
	segs = clamp(segs, 1U, toy_tso_segs(ts));
	if (TOY_SKB_CB(skb)->pcount <= segs)
		return 0;
	return rtx_split(sk, skb, segs * ts->mss);
}

/*
 * Without SACK, duplicate ACKs stand in for SACKed segments, and there
 * may be more of them than segments beyond the hole (duplicated ACKs, a
 * window update taken for one): never more than leaves one hole, as
 * tcp_limit_reno_sacked().
 */
static void reno_limit_sacked(struct toy_sock *ts)
{
	u32 holes;

	if (ts->sack_ok)
		return;
	holes = min(max(ts->lost_out, 1U), ts->packets_out);
	if (ts->sacked_out + holes > ts->packets_out)
		ts->sacked_out = ts->packets_out - holes;
}

/* The counts must add up, as tcp_verify_left_out() checks. */
static void verify_left_out(const struct toy_sock *ts)
{
	WARN_ON_ONCE(ts->sacked_out + ts->lost_out > ts->packets_out ||
		     ts->retrans_out > ts->packets_out);
}

/*
 * Send a segment of rtx_queue again (@skb: sent, not acknowledged).
 * Return: 0, or the error that kept it from leaving (not counted).
 */
static int retransmit_skb(struct sock *sk, struct sk_buff *skb)
{
	struct toy_skb_cb *cb = TOY_SKB_CB(skb);
	struct toy_sock *ts = toy_sk(sk);
	int err;

	sock_owned_by_me(sk);
	/* Cut to the MSS before, if it fell since @skb was sent. */
	err = rtx_trim(sk, skb, cb->pcount);
	if (err)
		return err;
	cb->retrans = true;
	cb->rtx_epoch = ts->rtx_epoch;
	cb->when = toy_now_us();	/* Karn: no RTT sample from it now */
	err = toy_send_data(sk, skb);
	if (err)
		return err;
	if (!cb->rtx_out) {
		cb->rtx_out = true;
		ts->retrans_out += cb->pcount;
	}
	count_retransmit(sk, cb->seq, cb->pcount);
	return 0;
}

/*
 * The retransmission timer fired or three duplicate ACKs came: resend the
 * oldest unacknowledged segment (our SYN, SYN-ACK, data or FIN).
 */
static void retransmit_head(struct sock *sk)
{
	struct toy_sock *ts = toy_sk(sk);
	struct sk_buff *skb;

	switch (sk->sk_state) {
	case TCP_SYN_SENT:
	case TCP_SYN_RECV:
		toy_send_syn_again(sk);
		break;
	default:
		skb = toy_rtx_head(ts);
		if (skb) {
			/* Its first segment, if it holds more; no memory: later */
			if (rtx_trim(sk, skb, 1))
				return;
			mark_lost(ts, TOY_SKB_CB(skb));
			retransmit_skb(sk, skb);
			return;
		}
		if (!ts->fin_queued || ts->snd_una != ts->fin_seq ||
		    ts->snd_nxt != ts->fin_seq + 1)
			return;
		toy_send_fin(sk);
	}
	count_retransmit(sk, ts->snd_una, 1);
}

/* ---- the SACK scoreboard -------------------------------------------- */

/* Data ending at @end arrived after data up to @fack: raise @reordering. */
static void sack_reorder_seen(struct toy_sock *ts, u32 end, u32 fack)
{
	u32 dist;

	if (!toy_after(fack, end))
		return;
	dist = DIV_ROUND_UP(fack - end, ts->mss) + 1;
	if (dist > ts->reordering)
		ts->reordering = min_t(u32, dist, TOY_MAX_REORDERING);
}

/**
 * sack_acked - @cb is newly acknowledged or SACKed
 * @ts: the sender
 * @cb: the segment
 * @prior_fack: the highest end SACKed before this ACK (sack_fack())
 *
 * It was delivered, so was everything sent before it (@rack_when). And if
 * data beyond it had been SACKed by earlier ACKs and it was never resent,
 * it was overtaken: the path reordered by that many segments. (Only
 * earlier ACKs count: one ACK reports its latest block first and lower
 * ones after.)
 */
static void sack_acked(struct toy_sock *ts, const struct toy_skb_cb *cb,
		       u32 prior_fack)
{
	if (cb->when > ts->rack_when)
		ts->rack_when = cb->when;
	if (!cb->retrans)
		sack_reorder_seen(ts, cb->end_seq, prior_fack);
}

/* The first skb of rtx_queue that ends after @seq, or NULL. */
static struct sk_buff *rtx_find(const struct toy_sock *ts, u32 seq)
{
	struct rb_node *n = ts->rtx_queue.rb_node;
	struct sk_buff *found = NULL;

	while (n) {
		struct sk_buff *skb = rb_to_skb(n);

		if (toy_after(TOY_SKB_CB(skb)->end_seq, seq)) {
			found = skb;
			n = n->rb_left;
		} else {
			n = n->rb_right;
		}
	}
	return found;
}

/*
 * Mark the skbs that the block [start, end) covers whole, of those that
 * end after @from and start before @to: the part of the block to walk.
 */
static void sack_mark(struct sock *sk, u32 start, u32 end, u32 from, u32 to,
		      u32 prior_fack, u64 *first_when)
{
	struct toy_sock *ts = toy_sk(sk);
	struct sk_buff *skb;

	for (skb = rtx_find(ts, from);
	     skb && toy_before(TOY_SKB_CB(skb)->seq, to);
	     skb = skb_rb_next(skb)) {
		struct toy_skb_cb *cb = TOY_SKB_CB(skb);

		if (cb->sacked)
			continue;
		/*
		 * Covered in part: cut where the block starts or ends, but
		 * only between whole segments of the skb, as
		 * tcp_match_skb_to_sack() does, so that no peer can cut the
		 * queue finer than it was sent. The loop goes on with the
		 * part in the block.
		 */
		if (toy_before(cb->seq, start)) {
			u32 len = roundup(start - cb->seq, ts->mss);

			if (len < skb->len)
				rtx_split(sk, skb, len);
			continue;
		}
		if (toy_after(cb->end_seq, end)) {
			u32 len = rounddown(end - cb->seq, ts->mss);

			if (!len || rtx_split(sk, skb, len))
				continue;
		}
		cb->sacked = true;
		unmark(ts, cb);
		sack_acked(ts, cb, prior_fack);
		if (!cb->retrans && (!*first_when || cb->when < *first_when))
			*first_when = cb->when;
		if (!ts->sacked_out || toy_after(cb->end_seq, ts->high_sacked))
			ts->high_sacked = cb->end_seq;
		ts->sacked_out += cb->pcount;
	}
}

/*
 * Mark what the block [start, end) covers. Where a block of the last ACK
 * overlaps it, that part was marked then: only what lies outside it is
 * walked, so a block that grows by a segment per ACK costs a search and
 * a segment, not the whole block (and a peer that sends blocks in any
 * order costs a search per block, not a walk from the head). The cache
 * counts only while something is SACKed (@cached): every mark it stands
 * for was made since, so it is not a stale range from 2^32 bytes ago.
 */
static void sack_block(struct sock *sk, u32 start, u32 end, u32 prior_fack,
		       bool cached, u64 *first_when)
{
	struct toy_sock *ts = toy_sk(sk);
	const struct toy_sack_range *c;
	int i;

	for (i = 0; cached && i < TOYHDR_SACK_MAX; i++) {
		c = &ts->sack_cache[i];
		if (c->start == c->end || !toy_before(c->start, end) ||
		    !toy_after(c->end, start))
			continue;
		if (toy_before(start, c->start))
			sack_mark(sk, start, end, start, c->start, prior_fack,
				  first_when);
		if (toy_before(c->end, end))
			sack_mark(sk, start, end, c->end, end, prior_fack,
				  first_when);
		return;
	}
	sack_mark(sk, start, end, start, end, prior_fack, first_when);
}

/* The highest end SACKed so far, or snd_una if nothing is. */
static u32 sack_fack(const struct toy_sock *ts)
{
	return ts->sacked_out ? ts->high_sacked : ts->snd_una;
}

/**
 * sack_update - take in the SACK blocks of an acceptable ACK
 * @sk: the sending socket, locked, with SACK agreed
 * @th: the ACK; its header and blocks are linear
 * @prior_fack: sack_fack() before this ACK
 *
 * Blocks outside [snd_una, snd_nxt] or empty are ignored and counted
 * (SackDiscard), as Linux ignores them.
 *
 * Return: when the earliest segment newly SACKed was sent, if it was sent
 * only once (an RTT sample, Karn's rule permitting, as Linux's sack_rtt),
 * else 0.
 */
static u64 sack_update(struct sock *sk, const struct toyhdr *th, u32 prior_fack)
{
	const struct toy_sack_block *b = (const struct toy_sack_block *)(th + 1);
	struct toy_sack_range seen[TOYHDR_SACK_MAX] = {};
	int i, n = (th->doff - TOYHDR_DOFF) / 2, kept = 0;
	struct toy_sock *ts = toy_sk(sk);
	bool cached = ts->sacked_out;
	u64 first_when = 0;

	sock_owned_by_me(sk);
	for (i = 0; i < n; i++) {
		u32 start = ntohl(b[i].start), end = ntohl(b[i].end);

		/*
		 * D-SACK (RFC 2883 4): a first block below the cumulative
		 * ACK, or inside the second block, reports data received
		 * twice. Without loss, that is a retransmission sent while
		 * the original was only late: learn how late.
		 */
		if (!i && toy_before(start, end) &&
		    (!toy_after(end, ntohl(th->ack_seq)) ||
		     (n > 1 && !toy_before(start, ntohl(b[1].start)) &&
		      !toy_after(end, ntohl(b[1].end))))) {
			TOY_INC_STATS(sock_net(sk), TOY_MIB_DSACKRECV);
			sack_reorder_seen(ts, end, prior_fack);
			/* A retransmission arrives whole, or cut (offload.c) */
			toy_cong_dsack(sk, min_t(u32, DIV_ROUND_UP(end - start,
								   ts->mss),
						 TOY_GSO_MAX_SEGS));
			continue;
		}

		if (!toy_before(start, end) || toy_before(start, ts->snd_una) ||
		    toy_after(end, ts->snd_nxt)) {
			TOY_INC_STATS(sock_net(sk), TOY_MIB_SACKDISCARD);
			continue;
		}
		sack_block(sk, start, end, prior_fack, cached, &first_when);
		seen[kept].start = start;
		seen[kept++].end = end;
	}
	memcpy(ts->sack_cache, seen, sizeof(seen));
	return first_when;
}

/* Was @skb resent since the last RTO (and so is in flight again)? */
static bool sack_resent(const struct toy_sock *ts, const struct toy_skb_cb *cb)
{
	return cb->retrans && cb->rtx_epoch == ts->rtx_epoch;
}

/*
 * Is the un-SACKed @skb lost: @reordering segments SACKed beyond it? After
 * an RTO, TOY_DUPTHRESH are enough, as tcp_enter_loss() falls back to the
 * default reordering: a large allowance would leave the last holes of a
 * transfer, with too little data after them, to one RTO each.
 */
static bool sack_lost(const struct toy_sock *ts, const struct sk_buff *skb)
{
	u32 allowance = (ts->ca_state == TOY_CA_LOSS ? TOY_DUPTHRESH :
			 ts->reordering) * ts->mss;

	return ts->sacked_out &&
	       !toy_before(ts->high_sacked, TOY_SKB_CB(skb)->end_seq + allowance);
}

/**
 * sack_head_lost - is there a loss to repair before 3 duplicate ACKs?
 * @sk: the sending socket, locked
 *
 * Return: true if the head segment counts as lost by the SACK rule.
 */
static bool sack_head_lost(const struct sock *sk)
{
	const struct toy_sock *ts = toy_sk(sk);
	struct sk_buff *skb = toy_rtx_head(ts);

	return skb && !TOY_SKB_CB(skb)->sacked && sack_lost(ts, skb);
}

/*
 * Was the retransmission of @cb lost? It was if something sent a quarter
 * of an RTT after it has arrived (the time rule of RACK, RFC 8985 6.2):
 * when the window is full, no new data can follow it and show the loss
 * by sequence, and the connection would wait for the RTO.
 */
static bool sack_rtx_lost(const struct toy_sock *ts,
			  const struct toy_skb_cb *cb)
{
	return !cb->sacked && sack_resent(ts, cb) &&
	       ts->rack_when > cb->when + ts->srtt / 4;
}

/*
 * Resend the retransmissions found lost, wherever they are before the
 * first hole not yet resent (tcp_rack_detect_loss() marks them all):
 * retransmissions lost together, at a full queue, are repaired together,
 * not one per round trip as each comes to the head. The head goes even
 * with the window full: it is what holds everything behind it. A walk
 * that found all it could is not made again until something newer
 * arrives (@rack_walked), so a run of ACKs that deliver nothing new costs
 * none; one that stopped for want of room or memory is.
 */
static void sack_resend_lost_rtx(struct sock *sk)
{
	struct toy_sock *ts = toy_sk(sk);
	struct sk_buff *skb = toy_rtx_head(ts);

	if (ts->rack_when == ts->rack_walked)
		return;
	ts->rack_walked = ts->rack_when;
	for (; skb; skb = skb_rb_next(skb)) {
		struct toy_skb_cb *cb = TOY_SKB_CB(skb);
		bool head = skb == toy_rtx_head(ts);

		if (cb->sacked)
			continue;
		if (!sack_resent(ts, cb))
			break;	/* sack_retransmit()'s walk goes on from here */
		if (!sack_rtx_lost(ts, cb))
			continue;
		if ((!head && !toy_cong_can_send(sk)) ||
		    rtx_trim(sk, skb, head ? 1 : ts->snd_cwnd -
						 toy_in_flight(ts)) ||
		    retransmit_skb(sk, skb)) {
			ts->rack_walked = 0;	/* again at the next ACK */
			break;
		}
		TOY_INC_STATS(sock_net(sk), TOY_MIB_SACKLOSTRETRANS);
	}
}

/**
 * sack_retransmit - resend the lost segments not yet resent
 * @sk: the sending socket, locked, in recovery
 *
 * Walks the write queue once between two RTOs: @rtx_hint remembers where
 * the last call stopped, at the first segment not yet known to be lost,
 * or the first the congestion window had no room for (RFC 6675 5: a
 * retransmission goes only while the pipe is below cwnd).
 */
static void sack_retransmit(struct sock *sk)
{
	struct toy_sock *ts = toy_sk(sk);
	struct sk_buff *skb, *next;

	sack_resend_lost_rtx(sk);

	skb = ts->rtx_hint ?: toy_rtx_head(ts);

	while (skb) {
		struct toy_skb_cb *cb = TOY_SKB_CB(skb);

		if (!cb->sacked) {
			if (!cb->lost && !sack_lost(ts, skb))
				break;
			mark_lost(ts, cb);
			if (!sack_resent(ts, cb)) {
				if (!toy_cong_can_send(sk))
					break;
				/* As many of its segments as the window has room for */
				if (rtx_trim(sk, skb,
					     ts->snd_cwnd - toy_in_flight(ts)) ||
				    retransmit_skb(sk, skb))
					break;	/* no memory: the RTO retries */
				TOY_INC_STATS(sock_net(sk), TOY_MIB_SACKRETRANS);
			}
		}
		/* At the last, stay there: what is sent next follows it. */
		next = skb_rb_next(skb);
		if (!next)
			break;
		skb = next;
		ts->rtx_hint = skb;
	}
}

/**
 * sack_recover - enter recovery: resend the head and the known losses
 * @sk: the sending socket, locked, with SACK agreed
 *
 * The head goes again unless it is SACKed or already resent: three
 * duplicate ACKs say it is lost even when the blocks are too short to.
 */
static void sack_recover(struct sock *sk)
{
	struct toy_sock *ts = toy_sk(sk);
	struct sk_buff *skb = toy_rtx_head(ts);

	ts->rtx_hint = NULL;
	if (!skb) {
		retransmit_head(sk);	/* only our FIN is out */
	} else if (!TOY_SKB_CB(skb)->sacked &&
		   !sack_resent(ts, TOY_SKB_CB(skb))) {
		if (!rtx_trim(sk, skb, 1)) {
			mark_lost(ts, TOY_SKB_CB(skb));
			retransmit_skb(sk, skb);
		}
	}
	sack_retransmit(sk);
}

/**
 * sack_reneged - forget the scoreboard if the receiver dropped SACKed data
 * @sk: the sending socket, locked; called when the RTO fires
 *
 * Return: true if the head was SACKed, so the scoreboard was wrong.
 */
static bool sack_reneged(struct sock *sk)
{
	struct toy_sock *ts = toy_sk(sk);
	struct sk_buff *skb = toy_rtx_head(ts);

	if (!skb || !TOY_SKB_CB(skb)->sacked)
		return false;
	TOY_INC_STATS(sock_net(sk), TOY_MIB_SACKRENEGING);
	skb_rbtree_walk(skb, &ts->rtx_queue)
		TOY_SKB_CB(skb)->sacked = false;
	ts->sacked_out = 0;
	ts->high_sacked = ts->snd_una;
	ts->rtx_hint = NULL;
	memset(ts->sack_cache, 0, sizeof(ts->sack_cache));
	return true;
}

/*
 * An RTO: everything in flight that was not SACKed is taken as lost, and
 * so are the retransmissions (tcp_enter_loss()). The one walk of the
 * whole queue, once per RTO, that makes the counts exact again.
 */
static void mark_all_lost(struct sock *sk)
{
	struct toy_sock *ts = toy_sk(sk);
	struct sk_buff *skb;

	ts->lost_out = 0;
	ts->retrans_out = 0;
	if (!ts->sack_ok)
		ts->sacked_out = 0;	/* duplicate ACKs counted as such */
	skb_rbtree_walk(skb, &ts->rtx_queue) {
		struct toy_skb_cb *cb = TOY_SKB_CB(skb);

		cb->rtx_out = false;
		cb->lost = !cb->sacked;
		if (cb->lost)
			ts->lost_out += cb->pcount;
	}
}

/**
 * sack_timeout - the retransmission timer fired with SACK in use
 * @sk: the sending socket, locked
 *
 * Resend the head, then every lost segment once more, even those resent
 * before, as the congestion window allows; until the recovery ends,
 * TOY_DUPTHRESH makes a hole lost (see sack_lost()). A SACKed head means
 * the receiver reneged.
 */
static void sack_timeout(struct sock *sk)
{
	struct toy_sock *ts = toy_sk(sk);

	ts->rtx_epoch++;
	ts->rtx_hint = NULL;
	retransmit_head(sk);
	sack_retransmit(sk);
}

/**
 * sack_unlink - @skb leaves rtx_queue, acknowledged
 * @sk: the sending socket, locked
 * @skb: the skb, sent and still linked
 */
static void sack_unlink(struct sock *sk, struct sk_buff *skb)
{
	struct toy_sock *ts = toy_sk(sk);

	unmark(ts, TOY_SKB_CB(skb));
	ts->packets_out -= TOY_SKB_CB(skb)->pcount;
	if (TOY_SKB_CB(skb)->sacked)
		ts->sacked_out -= TOY_SKB_CB(skb)->pcount;
	if (ts->rtx_hint == skb)
		ts->rtx_hint = NULL;
	rb_erase(&skb->rbnode, &ts->rtx_queue);
}

/* ---- what an ACK says ---------------------------------------------- */

/* An RTT sample: for the estimator, and for the congestion control. */
static void rtt_sample(struct sock *sk, u64 sent_us)
{
	u32 rtt_us = min_t(u64, toy_now_us() - sent_us, U32_MAX);

	toy_rtt_sample(toy_sk(sk), rtt_us);
	toy_cong_rtt(sk, rtt_us);
}

/*
 * Free what the peer acknowledged; sample the RTT from it (Karn's rule).
 * No sample if the ACK covers a retransmitted segment: it was sent when
 * that hole was repaired, so the later segments' send times would count
 * the whole recovery (RTOs included) as RTT (FLAG_RETRANS_DATA_ACKED).
 * An skb acknowledged in part is cut, and its acknowledged part freed
 * (tcp_trim_head()); without memory it stays whole until the rest is.
 * Return: the segments that left packets_out; *@sampled, whether the RTT
 * was sampled.
 */
static u32 clean_acked(struct sock *sk, u32 ack, u32 prior_fack,
		       bool *sampled)
{
	struct toy_sock *ts = toy_sk(sk);
	u32 prior_packets = ts->packets_out;
	bool retrans_acked = false;
	u64 sample_when = 0;
	struct sk_buff *skb;

	while ((skb = toy_rtx_head(ts))) {
		struct toy_skb_cb *cb = TOY_SKB_CB(skb);

		if (toy_after(cb->end_seq, ack) &&
		    (!toy_after(ack, cb->seq) ||
		     rtx_split(sk, skb, ack - cb->seq)))
			break;
		retrans_acked |= cb->retrans;
		sample_when = cb->when;
		if (ts->sack_ok && !cb->sacked)
			sack_acked(ts, cb, prior_fack);
		sack_unlink(sk, skb);
		toy_wmem_free(sk, skb);
	}
	*sampled = sample_when && !retrans_acked;
	if (*sampled)
		rtt_sample(sk, sample_when);
	/*
	 * What left the pipe: a cut part counts as many segments as it
	 * took from what remains, no more (tcp_tso_acked()), so that ACKs
	 * of a byte at a time do not grow the window a segment at a time
	 * (ACK division).
	 */
	return prior_packets > ts->packets_out ?
	       prior_packets - ts->packets_out : 0;
}

/*
 * Three duplicate ACKs, or SACK blocks TOY_DUPTHRESH segments beyond the
 * head: resend the head without waiting for the RTO (fast retransmit),
 * and with SACK every other hole known to be lost.
 */
static void enter_recovery(struct sock *sk)
{
	struct toy_sock *ts = toy_sk(sk);

	TOY_INC_STATS(sock_net(sk), TOY_MIB_FASTRETRANS);
	ts->high_seq = ts->snd_nxt;
	toy_cong_state(sk, TOY_CA_RECOVERY);
	if (ts->sack_ok) {
		TOY_INC_STATS(sock_net(sk), TOY_MIB_SACKRECOVERY);
		sack_recover(sk);
	} else {
		retransmit_head(sk);
	}
}

/*
 * An ACK of nothing new. A duplicate ACK (no data, no window update, data
 * in flight) says the receiver is missing our oldest segment; with SACK,
 * the blocks may show the loss before 3 of them. Without SACK, each one
 * also says a segment left the network: it counts in sacked_out until
 * the cumulative ACK moves (tcp_add_reno_sack()), so that new data can
 * follow during the recovery.
 */
static void dup_ack(struct sock *sk, bool dup, u64 sack_when)
{
	struct toy_sock *ts = toy_sk(sk);

	if (sack_when)
		rtt_sample(sk, sack_when);

	if (dup)
		ts->dupacks++;
	if (!ts->sack_ok) {
		if (dup)
			ts->sacked_out++;
		reno_limit_sacked(ts);
		if (dup && ts->dupacks == TOY_DUPTHRESH)
			enter_recovery(sk);
		reno_limit_sacked(ts);
	} else if (ts->ca_state != TOY_CA_OPEN) {
		sack_retransmit(sk);
	} else if (ts->dupacks >= ts->reordering || sack_head_lost(sk)) {
		/* as many duplicates as the path reorders: a loss */
		enter_recovery(sk);
	}
}

/* An ACK of new data, up to @ack. */
static void new_ack(struct sock *sk, u32 ack, u32 prior_fack, u64 sack_when)
{
	struct toy_sock *ts = toy_sk(sk);
	bool sampled;
	u32 acked;

	ts->snd_una = ack;
	ts->dupacks = 0;
	ts->retransmits = 0;
	ts->backoff = 0;
	/*
	 * The path delivers again: drop the backed-off RTO too. Karn's rule
	 * takes no sample from ACKs that cover retransmissions, which on a
	 * lossy path is most of them, so waiting for a sample would let
	 * each loss double the RTO for good (seconds, then minutes).
	 */
	if (ts->srtt)
		rto_update(ts);
	else	/* never measured (a lost SYN): back to the initial RTO */
		ts->rto = toy_rto_clamp(ts, TOY_RTO_INIT_MS * USEC_PER_MSEC);
	acked = clean_acked(sk, ack, prior_fack, &sampled);
	if (!sampled && sack_when)
		rtt_sample(sk, sack_when);
	/* The first of them filled the hole; the rest were counted. */
	if (!ts->sack_ok) {
		ts->sacked_out -= min(ts->sacked_out, acked ? acked - 1 : 0);
		reno_limit_sacked(ts);
	}
	/*
	 * The ACK that ends a fast recovery does not grow the window: what
	 * it acknowledges was delivered during the recovery.
	 */
	if (ts->ca_state != TOY_CA_OPEN && !toy_before(ack, ts->high_seq)) {
		if (!ts->sack_ok)
			ts->sacked_out = 0;
		if (ts->ca_state == TOY_CA_RECOVERY)
			acked = 0;
		toy_cong_state(sk, TOY_CA_OPEN);
	}
	toy_cong_ack(sk, acked);
	if (ts->ca_state != TOY_CA_OPEN) {
		/* A partial ACK: the next hole is the new head (NewReno). */
		if (ts->sack_ok)
			sack_retransmit(sk);
		else
			retransmit_head(sk);
		reno_limit_sacked(ts);
	} else if (ts->sack_ok && sack_head_lost(sk)) {
		enter_recovery(sk);
	}
}

/**
 * toy_recovery_ack - the sender's half of an acceptable ACK
 * @sk: a synchronized socket, locked
 * @th: the ACK, its SACK blocks linear; it acknowledges nothing unsent
 *	and nothing older than snd_una
 * @dup: it is a duplicate, if it acknowledges nothing new
 *
 * Takes in the SACK blocks and the RTT, frees what is acknowledged, and
 * resends what is found lost.
 *
 * Return: true if it acknowledged new data (snd_una moved).
 */
bool toy_recovery_ack(struct sock *sk, const struct toyhdr *th, bool dup)
{
	struct toy_sock *ts = toy_sk(sk);
	u32 ack = ntohl(th->ack_seq);
	u32 prior_fack = sack_fack(ts);
	u64 sack_when = 0;

	sock_owned_by_me(sk);
	if (ts->sack_ok && th->doff > TOYHDR_DOFF)
		sack_when = sack_update(sk, th, prior_fack);

	if (ack == ts->snd_una) {
		dup_ack(sk, dup && ts->snd_una != ts->snd_nxt, sack_when);
		verify_left_out(ts);
		return false;
	}
	new_ack(sk, ack, prior_fack, sack_when);
	verify_left_out(ts);
	return true;
}

/**
 * toy_recovery_timeout - the retransmission timer fired with data out
 * @sk: the socket, locked; its retries are not yet spent
 *
 * Everything in flight is taken as lost: back off, the congestion window
 * falls to one segment, and the head is resent (with SACK, every lost
 * segment once more, as the window grows back). A lost SYN or SYN-ACK
 * leaves an initial window of one segment (RFC 6928 2).
 */
void toy_recovery_timeout(struct sock *sk)
{
	struct toy_sock *ts = toy_sk(sk);

	sock_owned_by_me(sk);
	TOY_INC_STATS(sock_net(sk), TOY_MIB_RTOEXPIRES);
	if ((1 << sk->sk_state) & (TCPF_SYN_SENT | TCPF_SYN_RECV)) {
		/* A SYN or SYN-ACK was lost: data starts from one segment. */
		ts->snd_cwnd = 1;
	} else {
		if (ts->sack_ok)
			sack_reneged(sk);
		mark_all_lost(sk);
		toy_cong_state(sk, TOY_CA_LOSS);
	}
	ts->retransmits++;
	ts->high_seq = ts->snd_nxt;
	ts->dupacks = 0;
	toy_rto_backoff(ts);
	if (ts->sack_ok)
		sack_timeout(sk);
	else
		retransmit_head(sk);
	verify_left_out(ts);
}

/* ---- a connection's start ------------------------------------------- */

/**
 * toy_recovery_init - loss recovery of a connection about to send its SYN
 *	or SYN-ACK: no reordering seen, an empty scoreboard
 * @sk: the socket, locked
 */
void toy_recovery_init(struct sock *sk)
{
	struct toy_sock *ts = toy_sk(sk);

	sock_owned_by_me(sk);
	ts->reordering = TOY_DUPTHRESH;
	ts->rack_when = 0;
	ts->rack_walked = 0;
	ts->dsack = false;
	toy_recovery_reset(sk);
	toy_cong_init(sk);
}

/**
 * toy_recovery_reset - an empty scoreboard (the write queue is purged)
 * @sk: the sending socket, locked
 */
void toy_recovery_reset(struct sock *sk)
{
	struct toy_sock *ts = toy_sk(sk);

	sock_owned_by_me(sk);
	ts->packets_out = 0;
	ts->lost_out = 0;
	ts->retrans_out = 0;
	ts->sacked_out = 0;
	ts->high_sacked = ts->snd_una;
	ts->rtx_hint = NULL;
	memset(ts->sack_cache, 0, sizeof(ts->sack_cache));
}

#if IS_ENABLED(CONFIG_TOY_KUNIT_TEST)
#include "test/recovery-test.c"
#endif
