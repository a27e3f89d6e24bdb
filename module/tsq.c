// SPDX-License-Identifier: GPL-2.0
/*
 * Toy Stream Protocol: small queues (TCP's TSQ, tcp_output.c).
 *
 * A data segment leaves owned by its socket: skb->sk is set and its
 * truesize counted in sk_wmem_alloc until the stack frees it. Loopback
 * frees it as it takes it, veth once the peer's IP layer has it
 * (ip_rcv_core()), so there it costs two atomic operations; a qdisc that
 * holds it (tbf, fq_codel, a slow device) holds the socket's bytes.
 * Whoever finds it in skb->sk may take it for an inet_sock: struct
 * toy_sock has one, zeroed. toy_push() stops while more than
 * about 2 ms of the connection's rate (at least two skbs, at most the
 * limit_output_bytes parameter) are held below the socket, and the
 * destructor of the skb that takes it under the limit queues the socket
 * on this CPU's tasklet, which pushes again. So a bulk sender keeps its
 * data in its own write queue, where ACKs and the congestion window
 * govern it, instead of in a qdisc, where it only adds delay and, when the
 * qdisc overflows, losses.
 *
 * Lifetime: each owned skb holds its truesize of sk_wmem_alloc, which
 * keeps the struct sock (and the module, through the proto's owner)
 * alive past close(). A socket on a tasklet's list keeps one more unit,
 * dropped by sk_free() once the tasklet has pushed.
 */
#include <linux/interrupt.h>
#include <linux/percpu.h>
#include <net/sock.h>

#include "toy.h"

/**
 * struct toy_tsq - one CPU's sockets to push again
 * @tasklet: runs toy_tsq_tasklet() on this CPU
 * @head: toy_sock.tsq_node of each; added with interrupts off (the
 *	destructor may run in any context), spliced off by the tasklet
 */
struct toy_tsq {
	struct tasklet_struct tasklet;
	struct list_head head;
};

static DEFINE_PER_CPU(struct toy_tsq, toy_tsq);

/*
 * The limit of bytes below the socket: about 2 ms at the rate the
 * congestion window allows (TCP takes 1 ms of its pacing rate, which is
 * 1.2 to 2 times that), at least two of these skbs, at most
 * limit_output_bytes.
 */
static unsigned long tsq_limit(const struct toy_sock *ts,
			       const struct sk_buff *skb)
{
	unsigned long limit = 2 * skb->truesize;

	if (ts->srtt)
		limit = max_t(unsigned long, limit,
			      div_u64(2ULL * ts->snd_cwnd * ts->mss *
				      USEC_PER_MSEC, ts->srtt));
	return min_t(unsigned long, limit, READ_ONCE(toy_limit_output_bytes));
}

/**
 * toy_tsq_throttled - whether @sk has enough bytes below it already
 * @sk: the sending socket, owned or under bh_lock_sock()
 * @skb: the next skb it would send
 *
 * If so, the socket is marked throttled: the skb freed under the limit
 * pushes it again (toy_tsq_wfree()). With at most one skb sent and not
 * acknowledged, it always sends: no completion that might be slow is
 * waited for (tcp_small_queue_check()).
 */
bool toy_tsq_throttled(struct sock *sk, const struct sk_buff *skb)
{
	struct toy_sock *ts = toy_sk(sk);
	struct rb_node *node = ts->rtx_queue.rb_node;
	unsigned long limit;

	sock_owned_by_me(sk);
	if (!READ_ONCE(toy_limit_output_bytes))
		return false;
	limit = tsq_limit(ts, skb);
	if (refcount_read(&sk->sk_wmem_alloc) <= limit)
		return false;
	if (!node || (!node->rb_left && !node->rb_right))
		return false;
	set_bit(TOY_TSQ_THROTTLED, &ts->tsq_flags);
	/* The last skb may have gone before the bit was set: look again. */
	smp_mb__after_atomic();
	if (refcount_read(&sk->sk_wmem_alloc) <= limit)
		return false;
	TOY_INC_STATS(sock_net(sk), TOY_MIB_TSQTHROTTLED);
	return true;
}

/*
 * The destructor of an owned skb. A throttled socket not yet queued goes
 * on this CPU's list, keeping one unit of sk_wmem_alloc; otherwise that
 * unit goes too. sk_free() frees the socket if this was its last skb
 * after close().
 */
static void toy_tsq_wfree(struct sk_buff *skb)
{
	struct sock *sk = skb->sk;
	struct toy_sock *ts = toy_sk(sk);
	unsigned long flags, oval, nval;
	struct toy_tsq *tsq;
	bool empty;

	WARN_ON(refcount_sub_and_test(skb->truesize - 1, &sk->sk_wmem_alloc));

	/* Pairs with the barrier after set_bit() in toy_tsq_throttled(). */
	oval = smp_load_acquire(&ts->tsq_flags);
	do {
		if (!(oval & BIT(TOY_TSQ_THROTTLED)) ||
		    (oval & BIT(TOY_TSQ_QUEUED)))
			goto out;
		nval = (oval & ~BIT(TOY_TSQ_THROTTLED)) | BIT(TOY_TSQ_QUEUED);
	} while (!try_cmpxchg(&ts->tsq_flags, &oval, nval));

	local_irq_save(flags);
	tsq = this_cpu_ptr(&toy_tsq);
	empty = list_empty(&tsq->head);
	list_add(&ts->tsq_node, &tsq->head);
	if (empty)
		tasklet_schedule(&tsq->tasklet);
	local_irq_restore(flags);
	return;
out:
	sk_free(sk);
}

/**
 * toy_tsq_own - @skb leaves owned by @sk
 * @sk: the sending socket
 * @skb: a transmission (a clone, or the head of a super-segment), not
 *	owned yet; its truesize covers what it holds
 */
void toy_tsq_own(struct sock *sk, struct sk_buff *skb)
{
	skb->sk = sk;
	skb->destructor = toy_tsq_wfree;
	refcount_add(skb->truesize, &sk->sk_wmem_alloc);
}

/* Whether @skb is owned as toy_tsq_own() does it (for the GSO callback). */
bool toy_tsq_owned(const struct sk_buff *skb)
{
	return skb->destructor == toy_tsq_wfree;
}

static void toy_tsq_tasklet(struct tasklet_struct *t)
{
	struct toy_tsq *tsq = from_tasklet(tsq, t, tasklet);
	struct toy_sock *ts, *tmp;
	unsigned long flags;
	LIST_HEAD(list);

	local_irq_save(flags);
	list_splice_init(&tsq->head, &list);
	local_irq_restore(flags);

	list_for_each_entry_safe(ts, tmp, &list, tsq_node) {
		struct sock *sk = &ts->sk;

		list_del(&ts->tsq_node);
		/* Off the list before a destructor may queue it again. */
		smp_mb__before_atomic();
		clear_bit(TOY_TSQ_QUEUED, &ts->tsq_flags);

		/*
		 * An owner pushes in release_sock() (toy_release_cb()), with
		 * a reference held until then, as for a timer's work.
		 */
		bh_lock_sock(sk);
		if (!sock_owned_by_user(sk))
			toy_push(sk);
		else if (!test_and_set_bit(TOY_DEFER_TSQ, &ts->deferred))
			sock_hold(sk);
		bh_unlock_sock(sk);
		sk_free(sk);	/* the unit toy_tsq_wfree() kept */
	}
}

void toy_tsq_init(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct toy_tsq *tsq = per_cpu_ptr(&toy_tsq, cpu);

		INIT_LIST_HEAD(&tsq->head);
		tasklet_setup(&tsq->tasklet, toy_tsq_tasklet);
	}
}

/* Once no socket is left: nothing can queue one, a run may be ending. */
void toy_tsq_exit(void)
{
	int cpu;

	for_each_possible_cpu(cpu)
		tasklet_kill(&per_cpu_ptr(&toy_tsq, cpu)->tasklet);
}
