// SPDX-License-Identifier: GPL-2.0
/*
 * Toy Stream Protocol: selective acknowledgements.
 *
 * A cumulative ACK tells the sender only where the first hole is. On a
 * path that loses one segment in ten, a window holds dozens of holes, and
 * repairing one per round trip (NewReno) crawls. With SACK the receiver
 * also reports what it holds beyond the hole, and the sender repairs every
 * hole it learns of in the same round trip.
 *
 * The receiver's half, the blocks it sends, is in rcvq.c. Here is the
 * sender's: toy_sack_update() marks the skbs of sk_write_queue a block
 * covers (the scoreboard). A segment is taken as lost once @reordering
 * segments' worth of data above it was SACKed (the forward-acknowledgement
 * rule of Mathis and Mahdavi, simpler than RFC 6675's count of segments).
 * @reordering starts at TOY_DUPTHRESH and grows, as Linux's does, when a
 * segment never resent turns up that far below the highest SACKed one: the
 * path reorders, and holes that short were not losses.
 * toy_sack_retransmit() resends each lost segment once. A retransmission
 * can be lost too: once a segment sent well after it arrives, the head is
 * resent again (RACK's time rule, checked on the head only, which is what
 * holds the window back); anything else waits for the RTO, after which
 * every lost segment may be resent once more. There is no congestion window:
 * the peer's receive window is the only limit, as everywhere else in this
 * protocol.
 *
 * SACKed data stays queued until the cumulative ACK covers it: a receiver
 * may drop out-of-order data it reported (reneging, when memory runs
 * short). An RTO that finds the head SACKed takes that as reneging and
 * forgets the scoreboard.
 *
 * All of it runs under the socket lock.
 */
#include <linux/skbuff.h>

#include "toy.h"

/* Data ending at @end arrived after data up to @fack: raise @reordering. */
static void toy_sack_reorder_seen(struct toy_sock *ts, u32 end, u32 fack)
{
	u32 dist;

	if (!toy_after(fack, end))
		return;
	dist = DIV_ROUND_UP(fack - end, ts->mss) + 1;
	if (dist > ts->reordering)
		ts->reordering = min_t(u32, dist, TOY_MAX_REORDERING);
}

/**
 * toy_sack_acked - @cb is newly acknowledged or SACKed
 * @ts: the sender
 * @cb: the segment
 * @prior_fack: the highest end SACKed before this ACK (toy_sack_fack())
 *
 * It was delivered, so was everything sent before it (@rack_when). And if
 * data beyond it had been SACKed by earlier ACKs and it was never resent,
 * it was overtaken: the path reordered by that many segments. (Only
 * earlier ACKs count: one ACK reports its latest block first and lower
 * ones after.)
 */
void toy_sack_acked(struct toy_sock *ts, const struct toy_skb_cb *cb,
		    u32 prior_fack)
{
	if (cb->when > ts->rack_when)
		ts->rack_when = cb->when;
	if (!cb->retrans)
		toy_sack_reorder_seen(ts, cb->end_seq, prior_fack);
}

/* Mark what [start, end) covers, from @skb on. Return: where it stopped. */
static struct sk_buff *toy_sack_mark(struct sock *sk, struct sk_buff *skb,
				     u32 start, u32 end, u32 prior_fack,
				     u64 *first_when)
{
	struct toy_sock *ts = toy_sk(sk);

	for (; skb && skb != ts->send_head;
	     skb = skb_queue_is_last(&sk->sk_write_queue, skb) ? NULL : skb->next) {
		struct toy_skb_cb *cb = TOY_SKB_CB(skb);

		if (!toy_after(cb->end_seq, start))
			continue;
		if (!toy_before(cb->seq, end))
			break;
		if (cb->sacked || toy_before(cb->seq, start) ||
		    toy_after(cb->end_seq, end))
			continue;	/* known, or covered only in part */
		cb->sacked = true;
		toy_sack_acked(ts, cb, prior_fack);
		if (!cb->retrans && (!*first_when || cb->when < *first_when))
			*first_when = cb->when;
		if (!ts->sacked_out++ || toy_after(cb->end_seq, ts->high_sacked))
			ts->high_sacked = cb->end_seq;
	}
	return skb;
}

/* The highest end SACKed so far, or snd_una if nothing is. */
u32 toy_sack_fack(const struct toy_sock *ts)
{
	return ts->sacked_out ? ts->high_sacked : ts->snd_una;
}

/**
 * toy_sack_update - take in the SACK blocks of an acceptable ACK
 * @sk: the sending socket, locked, with SACK agreed
 * @th: the ACK; its header and blocks are linear
 * @prior_fack: toy_sack_fack() before this ACK
 *
 * Blocks outside [snd_una, snd_nxt] or empty are ignored and counted
 * (SackDiscard), as Linux ignores them.
 *
 * Return: when the earliest segment newly SACKed was sent, if it was sent
 * only once (an RTT sample, Karn's rule permitting, as Linux's sack_rtt),
 * else 0.
 */
u64 toy_sack_update(struct sock *sk, const struct toyhdr *th, u32 prior_fack)
{
	const struct toy_sack_block *b = (const struct toy_sack_block *)(th + 1);
	int i, n = (th->doff - TOYHDR_DOFF) / 2;
	struct toy_sock *ts = toy_sk(sk);
	u64 first_when = 0;

	sock_owned_by_me(sk);
	for (i = 0; i < n; i++) {
		u32 start = ntohl(b[i].start), end = ntohl(b[i].end);
		struct sk_buff *from = ts->sack_hint;

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
			toy_sack_reorder_seen(ts, end, prior_fack);
			continue;
		}

		if (!toy_before(start, end) || toy_before(start, ts->snd_una) ||
		    toy_after(end, ts->snd_nxt)) {
			TOY_INC_STATS(sock_net(sk), TOY_MIB_SACKDISCARD);
			continue;
		}
		/* Blocks mostly grow at the right edge: start where we were. */
		if (!from || toy_after(TOY_SKB_CB(from)->seq, start))
			from = skb_peek(&sk->sk_write_queue);
		ts->sack_hint = toy_sack_mark(sk, from, start, end, prior_fack,
					      &first_when);
	}
	return first_when;
}

/* Was @skb resent since the last RTO (and so is in flight again)? */
static bool toy_sack_resent(const struct toy_sock *ts,
			    const struct toy_skb_cb *cb)
{
	return cb->retrans && cb->rtx_epoch == ts->rtx_epoch;
}

/*
 * Is the un-SACKed @skb lost: @reordering segments SACKed beyond it? After
 * an RTO, TOY_DUPTHRESH are enough, as tcp_enter_loss() falls back to the
 * default reordering: a large allowance would leave the last holes of a
 * transfer, with too little data after them, to one RTO each.
 */
static bool toy_sack_lost(const struct toy_sock *ts, const struct sk_buff *skb)
{
	u32 allowance = (ts->rto_recovery ? TOY_DUPTHRESH : ts->reordering) * ts->mss;

	return ts->sacked_out &&
	       !toy_before(ts->high_sacked, TOY_SKB_CB(skb)->end_seq + allowance);
}

/**
 * toy_sack_head_lost - is there a loss to repair before 3 duplicate ACKs?
 * @sk: the sending socket, locked
 *
 * Return: true if the head segment counts as lost by the SACK rule.
 */
bool toy_sack_head_lost(const struct sock *sk)
{
	const struct toy_sock *ts = toy_sk(sk);
	struct sk_buff *skb = skb_peek(&sk->sk_write_queue);

	return skb && skb != ts->send_head && !TOY_SKB_CB(skb)->sacked &&
	       toy_sack_lost(ts, skb);
}

/*
 * Was the head's retransmission lost? It was if something sent a quarter
 * of an RTT after it has arrived (the time rule of RACK, RFC 8985): when
 * the window is full, no new data can follow it and show the loss by
 * sequence, and the connection would wait for the RTO.
 */
static bool toy_sack_head_rtx_lost(const struct sock *sk)
{
	const struct toy_sock *ts = toy_sk(sk);
	struct sk_buff *skb = skb_peek(&sk->sk_write_queue);
	const struct toy_skb_cb *cb;

	if (!skb || skb == ts->send_head)
		return false;
	cb = TOY_SKB_CB(skb);
	return !cb->sacked && toy_sack_resent(ts, cb) &&
	       ts->rack_when > cb->when + ts->srtt / 4;
}

/**
 * toy_sack_retransmit - resend the lost segments not yet resent
 * @sk: the sending socket, locked, in recovery
 *
 * Walks the write queue once between two RTOs: @rtx_hint remembers where
 * the last call stopped, at the first segment not yet known to be lost.
 */
void toy_sack_retransmit(struct sock *sk)
{
	struct toy_sock *ts = toy_sk(sk);
	struct sk_buff *skb;

	if (toy_sack_head_rtx_lost(sk)) {
		TOY_INC_STATS(sock_net(sk), TOY_MIB_SACKLOSTRETRANS);
		toy_retransmit_skb(sk, skb_peek(&sk->sk_write_queue));
	}

	skb = ts->rtx_hint ?: skb_peek(&sk->sk_write_queue);

	while (skb && skb != ts->send_head) {
		struct toy_skb_cb *cb = TOY_SKB_CB(skb);

		if (!cb->sacked) {
			if (!toy_sack_lost(ts, skb))
				break;
			if (!toy_sack_resent(ts, cb)) {
				if (toy_retransmit_skb(sk, skb))
					break;	/* no memory: the RTO retries */
				TOY_INC_STATS(sock_net(sk), TOY_MIB_SACKRETRANS);
			}
		}
		skb = skb_queue_is_last(&sk->sk_write_queue, skb) ? NULL : skb->next;
		ts->rtx_hint = skb;
	}
}

/**
 * toy_sack_recover - enter recovery: resend the head and the known losses
 * @sk: the sending socket, locked, with SACK agreed
 *
 * The head goes again unless it is SACKed or already resent: three
 * duplicate ACKs say it is lost even when the blocks are too short to.
 */
void toy_sack_recover(struct sock *sk)
{
	struct toy_sock *ts = toy_sk(sk);
	struct sk_buff *skb = skb_peek(&sk->sk_write_queue);

	ts->rtx_hint = NULL;
	if (!skb || skb == ts->send_head)
		toy_retransmit_head(sk);	/* only our FIN is out */
	else if (!TOY_SKB_CB(skb)->sacked &&
		 !toy_sack_resent(ts, TOY_SKB_CB(skb)))
		toy_retransmit_skb(sk, skb);
	toy_sack_retransmit(sk);
}

/**
 * toy_sack_timeout - the retransmission timer fired with SACK in use
 * @sk: the sending socket, locked
 *
 * Resend the head, then every lost segment once more, even those resent
 * before; until the recovery ends, TOY_DUPTHRESH makes a hole lost (see
 * toy_sack_lost()). A SACKed head means the receiver reneged.
 */
void toy_sack_timeout(struct sock *sk)
{
	struct toy_sock *ts = toy_sk(sk);

	toy_sack_reneged(sk);
	ts->rtx_epoch++;
	ts->rto_recovery = true;
	ts->rtx_hint = NULL;
	toy_retransmit_head(sk);
	toy_sack_retransmit(sk);
}

/**
 * toy_sack_reneged - forget the scoreboard if the receiver dropped SACKed data
 * @sk: the sending socket, locked; called when the RTO fires
 *
 * Return: true if the head was SACKed, so the scoreboard was wrong.
 */
bool toy_sack_reneged(struct sock *sk)
{
	struct toy_sock *ts = toy_sk(sk);
	struct sk_buff *skb = skb_peek(&sk->sk_write_queue);

	if (!skb || skb == ts->send_head || !TOY_SKB_CB(skb)->sacked)
		return false;
	TOY_INC_STATS(sock_net(sk), TOY_MIB_SACKRENEGING);
	skb_queue_walk(&sk->sk_write_queue, skb)
		TOY_SKB_CB(skb)->sacked = false;
	toy_sack_reset(sk);
	return true;
}

/**
 * toy_sack_unlink - @skb leaves sk_write_queue (acknowledged or purged)
 * @sk: the sending socket, locked
 * @skb: the skb, still linked
 */
void toy_sack_unlink(struct sock *sk, struct sk_buff *skb)
{
	struct toy_sock *ts = toy_sk(sk);

	if (TOY_SKB_CB(skb)->sacked)
		ts->sacked_out--;
	if (ts->rtx_hint == skb)
		ts->rtx_hint = NULL;
	if (ts->sack_hint == skb)
		ts->sack_hint = NULL;
}

/**
 * toy_sack_init - SACK state of a connection about to send its SYN or SYN-ACK
 * @sk: the socket, locked
 * @sack: offer SACK (SYN), or agree to it (SYN-ACK)
 */
void toy_sack_init(struct sock *sk, bool sack)
{
	struct toy_sock *ts = toy_sk(sk);

	sock_owned_by_me(sk);
	ts->sack_ok = sack;
	ts->reordering = TOY_DUPTHRESH;
	ts->rack_when = 0;
	ts->dsack = false;
	ts->rto_recovery = false;
	toy_sack_reset(sk);
}

/**
 * toy_sack_reset - an empty scoreboard (the write queue was purged)
 * @sk: the sending socket, locked
 */
void toy_sack_reset(struct sock *sk)
{
	struct toy_sock *ts = toy_sk(sk);

	sock_owned_by_me(sk);
	ts->sacked_out = 0;
	ts->high_sacked = ts->snd_una;
	ts->rtx_hint = NULL;
	ts->sack_hint = NULL;
}

#if IS_ENABLED(CONFIG_TOY_KUNIT_TEST)
#include "test/sack-test.c"
#endif
