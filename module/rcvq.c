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
 * Merge @skb into @prev when it continues it exactly, as
 * tcp_ooo_try_coalesce(): a run of segments behind one hole then costs
 * one skb, and toy_sack_build() walks one entry per block.
 */
static bool ooo_coalesce(struct sock *sk, struct sk_buff *prev,
			 struct sk_buff *skb)
{
	struct toy_skb_cb *pcb = TOY_SKB_CB(prev), *cb = TOY_SKB_CB(skb);
	bool fragstolen;
	int delta;

	if (pcb->end_seq != cb->seq || (pcb->flags & TOYHDR_FIN) ||
	    !skb_try_coalesce(prev, skb, &fragstolen, &delta))
		return false;
	pcb->end_seq = cb->end_seq;
	pcb->flags |= cb->flags;
	atomic_add(delta, &sk->sk_rmem_alloc);
	sk_mem_charge(sk, delta);
	kfree_skb_partial(skb, fragstolen);
	return true;
}

void toy_rcvq_ooo_insert(struct sock *sk, struct sk_buff *skb)
{
	struct toy_skb_cb *cb = TOY_SKB_CB(skb);
	struct toy_sock *ts = toy_sk(sk);
	struct sk_buff *pos, *next;

	/* Keep the queue sorted; drop an exact or covered duplicate. */
	skb_queue_reverse_walk(&ts->ooo_queue, pos) {
		struct toy_skb_cb *pcb = TOY_SKB_CB(pos);

		if (!toy_after(pcb->seq, cb->seq)) {
			if (!toy_after(cb->end_seq, pcb->end_seq) &&
			    (pcb->flags & TOYHDR_FIN) >= (cb->flags & TOYHDR_FIN)) {
				toy_sack_duplicate(sk, cb->seq, cb->end_seq);
				kfree_skb(skb);
				return;
			}
			TOY_INC_STATS(sock_net(sk), TOY_MIB_OFOQUEUED);
			if (ooo_coalesce(sk, pos, skb))
				skb = pos;
			else
				__skb_queue_after(&ts->ooo_queue, pos, skb);
			goto merge_next;
		}
	}
	TOY_INC_STATS(sock_net(sk), TOY_MIB_OFOQUEUED);
	__skb_queue_head(&ts->ooo_queue, skb);
merge_next:
	/* The hole after @skb may be closed now. */
	if (!skb_queue_is_last(&ts->ooo_queue, skb)) {
		next = skb->next;
		__skb_unlink(next, &ts->ooo_queue);
		if (!ooo_coalesce(sk, skb, next))
			__skb_queue_after(&ts->ooo_queue, skb, next);
	}
}

/* Move what became in order from the out-of-order queue. */
bool toy_rcvq_ooo_drain(struct sock *sk)
{
	struct toy_sock *ts = toy_sk(sk);
	struct sk_buff *skb;
	bool fin = false;

	while ((skb = skb_peek(&ts->ooo_queue)) &&
	       !toy_after(TOY_SKB_CB(skb)->seq, ts->rcv_nxt)) {
		struct toy_skb_cb *cb = TOY_SKB_CB(skb);

		__skb_unlink(skb, &ts->ooo_queue);
		fin = (cb->flags & TOYHDR_FIN) && !toy_before(cb->end_seq, ts->rcv_nxt);
		if (!toy_rcvq_in_order(sk, skb))
			kfree_skb(skb);
		if (fin)
			break;
	}
	return fin;
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
		last = skb_peek_tail(&ts->ooo_queue);
		if (!last || !toy_after(TOY_SKB_CB(last)->seq, TOY_SKB_CB(skb)->seq))
			return false;
		__skb_unlink(last, &ts->ooo_queue);
		kfree_skb(last);
		TOY_INC_STATS(sock_net(sk), TOY_MIB_OFOPRUNED);
	}
	return true;
}

/* Blocks being filled: slot 0 waits for the latest arrival's block. */
struct sack_fill {
	struct toy_sack_block *blocks;
	int n;
	int max;
	u32 last;
	bool have_last;
};

/* Place the block [start, end). Return: false once no block can follow. */
static bool sack_put(struct sack_fill *f, u32 start, u32 end)
{
	struct toy_sack_block *b = NULL;

	if (!f->have_last && toy_between(f->last, start, end - 1)) {
		b = &f->blocks[0];
		f->have_last = true;
	} else if (f->n < f->max) {
		b = &f->blocks[f->n++];
	}
	if (b) {
		b->start = htonl(start);
		b->end = htonl(end);
	}
	return !f->have_last || f->n < f->max;
}

/* Up to @max blocks of the out-of-order queue, the latest arrival's first. */
static int sack_ooo_blocks(const struct toy_sock *ts,
			   struct toy_sack_block *blocks, int max)
{
	struct sack_fill f = {
		.blocks = blocks, .n = 1, .max = max, .last = ts->ooo_last,
	};
	u32 start = 0, end = 0;
	bool open = false;
	struct sk_buff *skb;

	skb_queue_walk(&ts->ooo_queue, skb) {
		const struct toy_skb_cb *cb = TOY_SKB_CB(skb);

		if (open && !toy_after(cb->seq, end)) {
			if (toy_after(cb->end_seq, end))
				end = cb->end_seq;
			continue;
		}
		if (open && !sack_put(&f, start, end))
			return f.n;
		start = cb->seq;
		end = cb->end_seq;
		open = start != end;	/* a bare FIN is no data to SACK */
	}
	if (open)
		sack_put(&f, start, end);
	if (f.have_last)
		return f.n;
	/* No block holds the latest arrival (drained or pruned): shift. */
	memmove(&blocks[0], &blocks[1], (f.n - 1) * sizeof(*blocks));
	return f.n - 1;
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
