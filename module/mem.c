// SPDX-License-Identifier: GPL-2.0
/*
 * Toy Stream Protocol: memory accounting, as TCP's tcp_mem.
 *
 * Every byte a socket queues (send queue, receive and out-of-order queues)
 * is charged to it in sk_forward_alloc quanta, which net/core/sock.c draws
 * from toy_memory_allocated, the module's total in pages (and from the
 * socket's memory cgroup, if any). struct proto's sysctl_mem gives the
 * three thresholds of that total, as tcp_mem does: below mem[0] no
 * pressure; above mem[1] the module is under pressure and new charges
 * beyond each socket's minimum (rmem[0]/wmem[0]) are refused; above
 * mem[2] every new charge is refused. Refused receive charges drop the
 * segment (RcvQDrops: the peer resends it); refused send charges make
 * sendmsg() wait for memory, or fail with EAGAIN.
 *
 * The totals are in /proc/net/protocols (the TOY line's "memory" column,
 * in pages) and in the module parameter mem (read-write, pages).
 */
#include <linux/moduleparam.h>
#include <linux/mm.h>
#include <linux/percpu.h>
#include <linux/percpu_counter.h>
#include <net/sock.h>

#include "toy.h"

static atomic_long_t toy_memory_allocated ____cacheline_aligned_in_smp;
static DEFINE_PER_CPU(int, toy_memory_per_cpu_fw_alloc);
static struct percpu_counter toy_sockets_allocated;
static unsigned long toy_memory_pressure;

/* Pages: pressure starts, pressure ends (hard limit). Set at load. */
static long toy_mem[3];
module_param_array_named(mem, toy_mem, long, NULL, 0644);
MODULE_PARM_DESC(mem, "memory limits in pages: low, pressure, high (default as tcp_mem)");

/* Bytes every socket may hold whatever the pressure, default, maximum. */
static int toy_wmem[3] = { 4096, 16384, 4194304 };
static int toy_rmem[3] = { 4096, 131072, 6291456 };

static void toy_enter_memory_pressure(struct sock *sk)
{
	WRITE_ONCE(toy_memory_pressure, 1);
}

static void toy_leave_memory_pressure(struct sock *sk)
{
	WRITE_ONCE(toy_memory_pressure, 0);
}

/* What struct proto (socket.c) points at. */
void toy_mem_proto(struct proto *prot)
{
	prot->memory_allocated = &toy_memory_allocated;
	prot->per_cpu_fw_alloc = &toy_memory_per_cpu_fw_alloc;
	prot->sockets_allocated = &toy_sockets_allocated;
	prot->memory_pressure = &toy_memory_pressure;
	prot->enter_memory_pressure = toy_enter_memory_pressure;
	prot->leave_memory_pressure = toy_leave_memory_pressure;
	prot->sysctl_mem = toy_mem;
	prot->sysctl_wmem = toy_wmem;
	prot->sysctl_rmem = toy_rmem;
}

/* The limits tcp_init_mem() gives TCP: a sixteenth of buffer memory. */
int toy_mem_init(void)
{
	unsigned long limit = max(nr_free_buffer_pages() / 16, 128UL);

	toy_mem[0] = limit / 4 * 3;
	toy_mem[1] = limit;
	toy_mem[2] = toy_mem[0] * 2;
	return percpu_counter_init(&toy_sockets_allocated, 0, GFP_KERNEL);
}

void toy_mem_exit(void)
{
	percpu_counter_destroy(&toy_sockets_allocated);
}

/**
 * toy_wmem_charge - account a new skb of the write queue
 * @sk: the socket, owned
 * @skb: the skb, not yet queued
 * @force: charge even beyond the limits (a split of charged data)
 *
 * Return: true if charged; false if memory is short (the caller frees it).
 */
bool toy_wmem_charge(struct sock *sk, struct sk_buff *skb, bool force)
{
	if (!force && !sk_wmem_schedule(sk, skb->truesize))
		return false;
	TOY_SKB_CB(skb)->charge = skb->truesize;
	sk_wmem_queued_add(sk, skb->truesize);
	sk_mem_charge(sk, skb->truesize);
	return true;
}

/* Uncharge and free an skb taken off the write or retransmit queue. */
void toy_wmem_free(struct sock *sk, struct sk_buff *skb)
{
	int charge = TOY_SKB_CB(skb)->charge;

	sk_wmem_queued_add(sk, -charge);
	sk_mem_uncharge(sk, charge);
	consume_skb(skb);
}

/* Both queues, sent and unsent: the connection closed. */
void toy_wmem_purge(struct sock *sk)
{
	struct toy_sock *ts = toy_sk(sk);
	struct sk_buff *skb;

	while ((skb = toy_rtx_head(ts))) {
		rb_erase(&skb->rbnode, &ts->rtx_queue);
		toy_wmem_free(sk, skb);
	}
	while ((skb = __skb_dequeue(&sk->sk_write_queue)))
		toy_wmem_free(sk, skb);
	WARN_ON_ONCE(sk->sk_wmem_queued);
}
