// SPDX-License-Identifier: GPL-2.0
/*
 * Toy Stream Protocol: the receive queue.
 *
 * What the peer sent, from the moment a segment is accepted to the moment
 * recvmsg() may copy it: in-order data on sk_receive_queue, data beyond a
 * hole on the out-of-order queue (sorted, touching runs coalesced), the
 * memory both may take, the receive window we offer, and the SACK blocks
 * that describe the out-of-order queue to the sender.
 *
 * Receiver's SACK: toy_sack_build() describes the out-of-order queue in at
 * most TOYHDR_SACK_MAX blocks, the block of the latest arrival first, so
 * that over a window every block is reported at least once (RFC 2018 4).
 * Data that arrives twice is reported once, ahead of the others, as a
 * D-SACK block (RFC 2883): the sender learns that it resent too early.
 *
 * Receive-buffer autotuning (tcp_rcv_space_adjust()): the window a fixed
 * buffer offers caps a connection at buffer / RTT, whatever the path can
 * carry. So, once per round trip, the buffer grows to twice what the
 * reader took in the last one, up to TOY_RMEM_MAX, unless SO_RCVBUF fixed
 * it: the window follows the bandwidth-delay product the application
 * really drains. The round trip is the receiver's own measure, the time a
 * window of data takes to arrive (the sender cannot fill more than one
 * window per RTT), or the socket's SRTT if it sends too.
 *
 * A leaf: it calls nothing of the module above it (input.c calls in and
 * sends the ACKs). Everything runs under the socket lock.
 */
#include <linux/skbuff.h>
#include <net/sock.h>

#include "toy.h"
#include "drop.h"

/*
 * The receive window: free space we offer the peer, half the room left in
 * the buffer, as memory (truesize) runs ahead of payload bytes.
 */
u32 toy_rcv_window(const struct sock *sk)
{
	int room = READ_ONCE(sk->sk_rcvbuf) - atomic_read(&sk->sk_rmem_alloc);

	return room > 0 ? room / 2 : 0;
}

/*
 * The window the peer was last offered, from rcv_nxt on: what our ACKs
 * promised (rcv_wup + rcv_wnd), never below 0.
 */
u32 toy_rcvq_offered(const struct sock *sk)
{
	const struct toy_sock *ts = toy_sk(sk);
	s32 offered = (s32)(ts->rcv_wup + ts->rcv_wnd - ts->rcv_nxt);

	return max(offered, 0);
}

/* The window we must accept data in: what we offered, or more if we can. */
u32 toy_rcvq_accept_window(const struct sock *sk)
{
	return max(toy_rcvq_offered(sk), toy_rcv_window(sk));
}

/*
 * Append an in-order skb (seq <= rcv_nxt) to the receive queue, merging it
 * into the tail skb when it continues it exactly, so that many small
 * segments do not cost a buffer each (tcp_try_coalesce()). Bytes we
 * already have stay in the skb: recvmsg() skips them (its offset is
 * copied_seq - seq). Trimming them here would pskb_pull() an skb that
 * may already be charged to the socket (from the out-of-order queue),
 * reallocating its head behind truesize's back; TCP never does that.
 * Return: true if the skb was queued or merged.
 */
/*
 * The time a window of data takes to arrive bounds the RTT from above
 * (tcp_rcv_rtt_measure()): a new estimate below the old one is taken at
 * once, a larger one slowly.
 */
static void rcv_rtt_measure(struct toy_sock *ts)
{
	u64 now = toy_now_us();
	u32 sample;

	if (ts->rcv_rtt_time && !toy_before(ts->rcv_nxt, ts->rcv_rtt_seq)) {
		sample = max_t(u64, min_t(u64, now - ts->rcv_rtt_time, U32_MAX), 1);
		if (!ts->rcv_rtt_us || sample < ts->rcv_rtt_us)
			ts->rcv_rtt_us = sample;
		else
			ts->rcv_rtt_us = (7 * (u64)ts->rcv_rtt_us + sample) / 8;
		ts->rcv_rtt_time = 0;
	}
	if (!ts->rcv_rtt_time && ts->rcv_wnd) {
		ts->rcv_rtt_seq = ts->rcv_nxt + ts->rcv_wnd;
		ts->rcv_rtt_time = now;
	}
}

/**
 * toy_rcvq_space_adjust - grow the receive buffer to what the reader drains
 * @sk: the socket, locked; recvmsg() just copied data out
 */
void toy_rcvq_space_adjust(struct sock *sk)
{
	struct toy_sock *ts = toy_sk(sk);
	u64 now = toy_now_us();
	u32 rtt, copied;
	u64 rcvbuf;

	sock_owned_by_me(sk);
	rtt = ts->rcv_rtt_us;
	if (ts->srtt && (!rtt || ts->srtt < rtt))
		rtt = ts->srtt;
	if (!ts->rcvq_time) {
		ts->rcvq_time = now;
		ts->rcvq_seq = ts->copied_seq;
		return;
	}
	if (!rtt || now - ts->rcvq_time < rtt)
		return;
	copied = ts->copied_seq - ts->rcvq_seq;
	ts->rcvq_seq = ts->copied_seq;
	ts->rcvq_time = now;
	if (copied <= ts->rcvq_space)
		return;
	ts->rcvq_space = copied;
	if (sk->sk_userlocks & SOCK_RCVBUF_LOCK)
		return;
	/*
	 * A window of twice that, and some segments, lets the sender grow
	 * (slow start doubles per round trip); the window is half the
	 * buffer's room (toy_rcv_window()).
	 */
	rcvbuf = 2 * (2 * (u64)copied + 16 * (u64)ts->mss);
	rcvbuf = min_t(u64, rcvbuf, TOY_RMEM_MAX);
	if (rcvbuf > READ_ONCE(sk->sk_rcvbuf))
		WRITE_ONCE(sk->sk_rcvbuf, rcvbuf);
}

bool toy_rcvq_in_order(struct sock *sk, struct sk_buff *skb)
{
	struct toy_skb_cb *cb = TOY_SKB_CB(skb);
	struct toy_sock *ts = toy_sk(sk);
	struct sk_buff *tail;
	bool fragstolen;
	int delta;

	if (!toy_after(cb->end_seq, ts->rcv_nxt))
		return false;
	ts->rcv_nxt = cb->end_seq;
	rcv_rtt_measure(ts);

	tail = skb_peek_tail(&sk->sk_receive_queue);
	if (tail && TOY_SKB_CB(tail)->end_seq == cb->seq &&
	    skb_try_coalesce(tail, skb, &fragstolen, &delta)) {
		TOY_SKB_CB(tail)->end_seq = cb->end_seq;
		atomic_add(delta, &sk->sk_rmem_alloc);
		sk_mem_charge(sk, delta);
		kfree_skb_partial(skb, fragstolen);
		return true;
	}
	if (!skb->sk)
		skb_set_owner_r(skb, sk);
	__skb_queue_tail(&sk->sk_receive_queue, skb);
	return true;
}

/*
 * The out-of-order queue is an rbtree keyed by sequence number, as TCP's
 * is since SegmentSmack (CVE-2018-5390): a sorted list, walked for each
 * arrival, lets a peer that sends tiny segments in the worst order cost
 * us quadratic time. Entries are kept sorted by seq, and each ends after
 * the one before (end_seq increases): no entry holds all of another, so
 * only the entry before an arrival can hold all of it, and the search for
 * the arrival's place passes that entry (the last node it leaves to the
 * right). An arrival that an entry holds is dropped; entries that an
 * arrival holds go.
 */

/*
 * Does @a hold all of @b's bytes? Then @b's FIN, if it has one where @a
 * ends, is @a's too. A FIN inside data already queued is the peer
 * contradicting itself: the data stands, as TCP would have it.
 */
static bool ooo_absorbs(struct toy_skb_cb *a, const struct toy_skb_cb *b)
{
	if (toy_before(b->seq, a->seq) || toy_after(b->end_seq, a->end_seq))
		return false;
	if (b->end_seq == a->end_seq)
		a->flags |= b->flags & TOYHDR_FIN;
	return true;
}

static void ooo_erase(struct toy_sock *ts, struct sk_buff *skb)
{
	if (ts->ooo_last_skb == skb)
		ts->ooo_last_skb = skb_rb_prev(skb);
	rb_erase(&skb->rbnode, &ts->ooo_queue);
}

/*
 * Merge @skb into @prev when it continues it exactly, as
 * tcp_ooo_try_coalesce(): a run of segments behind one hole then costs
 * one skb, and toy_sack_build() walks one entry per block. @skb is taken
 * off the queue first if @queued.
 */
static bool ooo_coalesce(struct sock *sk, struct sk_buff *prev,
			 struct sk_buff *skb, bool queued)
{
	struct toy_skb_cb *pcb = TOY_SKB_CB(prev), *cb = TOY_SKB_CB(skb);
	bool fragstolen;
	int delta;

	if (pcb->end_seq != cb->seq || (pcb->flags & TOYHDR_FIN) ||
	    !skb_try_coalesce(prev, skb, &fragstolen, &delta))
		return false;
	if (queued)
		ooo_erase(toy_sk(sk), skb);
	pcb->end_seq = cb->end_seq;
	pcb->flags |= cb->flags;
	atomic_add(delta, &sk->sk_rmem_alloc);
	sk_mem_charge(sk, delta);
	kfree_skb_partial(skb, fragstolen);
	return true;
}

/* Widen the range [*start, *end) of data that arrived twice. */
static void ooo_dup(u32 *start, u32 *end, u32 seq, u32 end_seq)
{
	if (*start == *end || toy_before(seq, *start))
		*start = seq;
	if (*start == *end || toy_after(end_seq, *end))
		*end = end_seq;
}

/**
 * toy_rcvq_ooo_insert - queue a segment that arrived beyond a hole
 * @sk: the receiving socket, locked
 * @skb: the segment, charged to @sk, seq after rcv_nxt
 *
 * An arrival beyond the last entry, the common case, goes to its right
 * without a search. Data that arrived twice is counted, once per arrival,
 * and reported as a D-SACK block (toy_sack_duplicate()).
 */
void toy_rcvq_ooo_insert(struct sock *sk, struct sk_buff *skb)
{
	struct toy_skb_cb *ncb, *pcb, *cb = TOY_SKB_CB(skb);
	struct rb_node **p, *parent = NULL;
	struct toy_sock *ts = toy_sk(sk);
	struct sk_buff *prev = NULL, *next;
	u32 dup_start = 0, dup_end = 0;

	TOY_INC_STATS(sock_net(sk), TOY_MIB_OFOQUEUED);
	if (ts->ooo_last_skb &&
	    !toy_before(cb->seq, TOY_SKB_CB(ts->ooo_last_skb)->seq)) {
		prev = ts->ooo_last_skb;
		parent = &prev->rbnode;
		p = &parent->rb_right;
	} else {
		p = &ts->ooo_queue.rb_node;
		while (*p) {
			parent = *p;
			if (toy_before(cb->seq, TOY_SKB_CB(rb_to_skb(parent))->seq)) {
				p = &parent->rb_left;
			} else {
				prev = rb_to_skb(parent);
				p = &parent->rb_right;
			}
		}
	}

	if (prev) {
		pcb = TOY_SKB_CB(prev);
		if (ooo_absorbs(pcb, cb)) {
			toy_sack_duplicate(sk, cb->seq, cb->end_seq);
			toy_drop_skb(skb, TOY_DROP_DUPLICATE);
			return;
		}
		if (toy_before(cb->seq, pcb->end_seq))
			ooo_dup(&dup_start, &dup_end, cb->seq, pcb->end_seq);
		if (pcb->seq == cb->seq) {
			/* @skb holds all of @prev: it takes its place. */
			rb_replace_node(&prev->rbnode, &skb->rbnode, &ts->ooo_queue);
			if (ts->ooo_last_skb == prev)
				ts->ooo_last_skb = skb;
			toy_drop_skb(prev, TOY_DROP_DUPLICATE);
			goto merge_right;
		}
		if (ooo_coalesce(sk, prev, skb, false)) {
			skb = prev;
			cb = pcb;
			goto merge_right;
		}
	}
	rb_link_node(&skb->rbnode, parent, p);
	rb_insert_color(&skb->rbnode, &ts->ooo_queue);

merge_right:
	/* Entries that @skb holds go; the next may continue it exactly. */
	while ((next = skb_rb_next(skb))) {
		ncb = TOY_SKB_CB(next);
		if (toy_after(ncb->seq, cb->end_seq))
			break;
		if (ooo_absorbs(cb, ncb)) {
			ooo_dup(&dup_start, &dup_end, ncb->seq, ncb->end_seq);
			ooo_erase(ts, next);
			toy_drop_skb(next, TOY_DROP_DUPLICATE);
			continue;
		}
		if (toy_before(ncb->seq, cb->end_seq))
			ooo_dup(&dup_start, &dup_end, ncb->seq, cb->end_seq);
		if (!ooo_coalesce(sk, skb, next, true))
			break;
	}
	if (!next)
		ts->ooo_last_skb = skb;
	if (dup_start != dup_end)
		toy_sack_duplicate(sk, dup_start, dup_end);
}

/* Move what became in order from the out-of-order queue. */
bool toy_rcvq_ooo_drain(struct sock *sk)
{
	struct toy_sock *ts = toy_sk(sk);
	struct sk_buff *skb;
	bool fin = false;

	while ((skb = skb_rb_first(&ts->ooo_queue)) &&
	       !toy_after(TOY_SKB_CB(skb)->seq, ts->rcv_nxt)) {
		struct toy_skb_cb *cb = TOY_SKB_CB(skb);

		ooo_erase(ts, skb);
		fin = (cb->flags & TOYHDR_FIN) && !toy_before(cb->end_seq, ts->rcv_nxt);
		if (!toy_rcvq_in_order(sk, skb))
			toy_drop_skb(skb, TOY_DROP_DUPLICATE);
		if (fin)
			break;
	}
	return fin;
}

/**
 * toy_rcvq_ooo_purge - free the out-of-order queue
 * @sk: the socket, locked or no longer reachable
 */
void toy_rcvq_ooo_purge(struct sock *sk)
{
	struct toy_sock *ts = toy_sk(sk);
	struct sk_buff *skb;

	/* skb_rbtree_purge() is not exported to modules. */
	while ((skb = ts->ooo_last_skb)) {
		ooo_erase(ts, skb);
		kfree_skb(skb);
	}
}

/*
 * Is there memory for @skb? The window offers half the free buffer in
 * bytes, which small segments (more overhead per byte) can overrun: data
 * we offered room for may use up to twice the buffer, and not a byte more.
 * When that is used up, or the module's memory (mem.c) refuses the
 * charge, out-of-order data beyond @skb makes room, as
 * tcp_prune_ofo_queue() does: otherwise the segment that fills the first
 * hole could never be taken, and the connection would stall for good.
 */
bool toy_rcvq_room(struct sock *sk, struct sk_buff *skb)
{
	unsigned int limit = 2 * READ_ONCE(sk->sk_rcvbuf);
	struct toy_sock *ts = toy_sk(sk);
	struct sk_buff *last;

	while (atomic_read(&sk->sk_rmem_alloc) + skb->truesize > limit ||
	       !sk_rmem_schedule(sk, skb, skb->truesize)) {
		last = ts->ooo_last_skb;
		if (!last || !toy_after(TOY_SKB_CB(last)->seq, TOY_SKB_CB(skb)->seq))
			return false;
		ooo_erase(ts, last);
		toy_drop_skb(last, TOY_DROP_RCVBUF);
		TOY_INC_STATS(sock_net(sk), TOY_MIB_OFOPRUNED);
	}
	return true;
}

/*
 * The block that @skb starts: it and the entries after it that touch or
 * overlap, [seq of @skb, *@end). Return: the entry after the block, or
 * NULL at the end of the queue or of the budget (then *@budget <= 0).
 */
static struct sk_buff *sack_run(struct sk_buff *skb, u32 *end, int *budget)
{
	*end = TOY_SKB_CB(skb)->end_seq;
	while ((skb = skb_rb_next(skb)) &&
	       !toy_after(TOY_SKB_CB(skb)->seq, *end)) {
		if (--*budget <= 0)
			return NULL;
		if (toy_after(TOY_SKB_CB(skb)->end_seq, *end))
			*end = TOY_SKB_CB(skb)->end_seq;
	}
	return skb;
}

/* The last entry that starts at or before @seq, or NULL. */
static struct sk_buff *ooo_find(const struct toy_sock *ts, u32 seq)
{
	struct rb_node *n = ts->ooo_queue.rb_node;
	struct sk_buff *found = NULL;

	while (n) {
		struct sk_buff *skb = rb_to_skb(n);

		if (toy_before(seq, TOY_SKB_CB(skb)->seq)) {
			n = n->rb_left;
		} else {
			found = skb;
			n = n->rb_right;
		}
	}
	return found;
}

/*
 * The block that holds the latest arrival, @ooo_last, in [*@start, *@end).
 * Return: false if none does (it was drained or pruned).
 */
static bool sack_latest(const struct toy_sock *ts, u32 *start, u32 *end,
			int *budget)
{
	struct sk_buff *skb = ooo_find(ts, ts->ooo_last), *prev;

	if (!skb || !toy_before(ts->ooo_last, TOY_SKB_CB(skb)->end_seq))
		return false;
	sack_run(skb, end, budget);
	*start = TOY_SKB_CB(skb)->seq;
	while (*budget > 0 && (prev = skb_rb_prev(skb)) &&
	       !toy_before(TOY_SKB_CB(prev)->end_seq, *start)) {
		--*budget;
		*start = TOY_SKB_CB(prev)->seq;
		skb = prev;
	}
	return true;
}

static void sack_put(struct toy_sack_block *b, u32 start, u32 end)
{
	b->start = htonl(start);
	b->end = htonl(end);
}

/*
 * Up to @max blocks of the out-of-order queue: the latest arrival's
 * first, then the lowest others, so that over a window every block is
 * reported (RFC 2018 4).
 */
static int sack_ooo_blocks(const struct toy_sock *ts,
			   struct toy_sack_block *blocks, int max)
{
	int n = 0, budget = TOY_SACK_WALK;
	u32 lstart = 0, lend = 0, start, end;
	struct sk_buff *skb;

	if (sack_latest(ts, &lstart, &lend, &budget))
		sack_put(&blocks[n++], lstart, lend);
	skb = skb_rb_first(&ts->ooo_queue);
	while (skb && n < max && budget > 0) {
		start = TOY_SKB_CB(skb)->seq;
		skb = sack_run(skb, &end, &budget);
		/* Not the latest's again; a bare FIN is no data to SACK. */
		if (start != end &&
		    (lstart == lend || !toy_before(start, lend) ||
		     !toy_after(end, lstart)))
			sack_put(&blocks[n++], start, end);
	}
	return n;
}

/**
 * toy_sack_build - the blocks to send with an ACK
 * @sk: the receiving socket, locked, with SACK agreed
 * @blocks: room for TOYHDR_SACK_MAX blocks, filled in network order
 *
 * A pending D-SACK block goes first, and only in this ACK.
 *
 * Return: the number of blocks, 0 if there is nothing to report.
 */
int toy_sack_build(struct sock *sk, struct toy_sack_block *blocks)
{
	struct toy_sock *ts = toy_sk(sk);

	sock_owned_by_me(sk);
	if (!ts->dsack)
		return sack_ooo_blocks(ts, blocks, TOYHDR_SACK_MAX);
	ts->dsack = false;
	blocks[0].start = htonl(ts->dsack_start);
	blocks[0].end = htonl(ts->dsack_end);
	return 1 + sack_ooo_blocks(ts, blocks + 1, TOYHDR_SACK_MAX - 1);
}

/**
 * toy_sack_duplicate - data in [@seq, @end) arrived that we already had
 * @sk: the receiving socket, locked
 * @seq: its first sequence number
 * @end: the one after its last
 */
void toy_sack_duplicate(struct sock *sk, u32 seq, u32 end)
{
	struct toy_sock *ts = toy_sk(sk);

	TOY_INC_STATS(sock_net(sk), TOY_MIB_DUPSEGS);
	if (!ts->sack_ok || !toy_before(seq, end))
		return;
	ts->dsack = true;
	ts->dsack_start = seq;
	ts->dsack_end = end;
}
