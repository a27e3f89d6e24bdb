// SPDX-License-Identifier: GPL-2.0
/*
 * Toy Stream Protocol: the AF_TOY socket calls (struct proto_ops).
 *
 * The errors follow AF_INET/TCP's (net/ipv4/af_inet.c, tcp.c) so that one
 * program can drive both and expect the same answers.
 *
 * The handshake (connect(), listen(), accept() and the listener's queues)
 * is in handshake.c; this file is the rest of the glue and the data path:
 * bind, poll, ioctl, shutdown and close, the send buffer, the receive copy
 * and the socket options.
 */
#include <linux/capability.h>
#include <linux/module.h>
#include <linux/poll.h>
#include <linux/sched/signal.h>
#include <linux/sockios.h>
#include <asm/ioctls.h>
#include <linux/uaccess.h>
#include <net/addrconf.h>
#include <net/checksum.h>
#include <net/ip.h>
#include <net/route.h>
#include <net/sock.h>
#include <net/tcp_states.h>

#include "toy.h"

/* sk_stream_write_space(), which is not exported: wake blocked writers. */
static void toy_write_space(struct sock *sk)
{
	struct socket *sock = sk->sk_socket;
	struct socket_wq *wq;

	if (!sock || !sk_stream_is_writeable(sk))
		return;
	clear_bit(SOCK_NOSPACE, &sock->flags);
	rcu_read_lock();
	wq = rcu_dereference(sk->sk_wq);
	if (skwq_has_sleeper(wq))
		wake_up_interruptible_poll(&wq->wait, EPOLLOUT | EPOLLWRNORM |
						      EPOLLWRBAND);
	if (wq && wq->fasync_list && !(sk->sk_shutdown & SEND_SHUTDOWN))
		sock_wake_async(wq, SOCK_WAKE_SPACE, POLL_OUT);
	rcu_read_unlock();
}

/* Protocol fields of a new socket, or of a child after sk_clone_lock(). */
void toy_sock_init(struct sock *sk)
{
	struct toy_sock *ts = toy_sk(sk);
	bool ipv6 = ts->ipv6;	/* a child's is its listener's */

	/* The inet_sock fields too (struct toy_sock). */
	memset((char *)ts + sizeof(struct sock), 0,
	       sizeof(*ts) - sizeof(struct sock));
	ts->ipv6 = ipv6;
	spin_lock_init(&ts->accept_lock);
	INIT_LIST_HEAD(&ts->syn_queue);
	INIT_LIST_HEAD(&ts->accept_queue);
	INIT_LIST_HEAD(&ts->accept_node);
	INIT_LIST_HEAD(&ts->tsq_node);
	ts->ooo_queue = RB_ROOT;
	ts->rtx_queue = RB_ROOT;
	toy_timers_init(sk);
	toy_sockopt_defaults(ts);
	ts->rto = toy_rto_clamp(ts, TOY_RTO_INIT_MS * USEC_PER_MSEC);
	ts->mss = TOY_DEFAULT_MSS;
	toy_ack_init(sk);

	sk->sk_backlog_rcv = toy_do_rcv;
	sk->sk_write_space = toy_write_space;
	sock_set_flag(sk, SOCK_RCU_FREE);
}

static void toy_sock_destruct(struct sock *sk)
{
	struct toy_sock *ts = toy_sk(sk);

	__skb_queue_purge(&sk->sk_receive_queue);
	toy_wmem_purge(sk);
	toy_rcvq_ooo_purge(sk);
	skb_queue_purge(&sk->sk_error_queue);
	dst_release(rcu_dereference_protected(sk->sk_dst_cache, 1));
	sk_mem_reclaim_final(sk);
	sk_sockets_allocated_dec(sk);
	WARN_ON_ONCE(ts->in_bind || ts->in_hash);
	WARN_ON_ONCE(atomic_read(&sk->sk_rmem_alloc));
	WARN_ON_ONCE(sk->sk_forward_alloc);
}

/*
 * A sockaddr_toy from the user: 0, or the errno AF_INET(6) would give.
 * The scope id of an IPv6 address is checked where it is used.
 */
int toy_check_addr(const struct sockaddr_toy *sa, int len)
{
	if (len < (int)sizeof(*sa))
		return -EINVAL;
	if (sa->stoy_family != toy_family)
		return -EAFNOSUPPORT;
	if (memchr_inv(sa->stoy_zero, 0, sizeof(sa->stoy_zero)))
		return -EINVAL;
	if (sa->stoy_ipver == TOY_IPVER_6)
		return toy_ipv6_ok ? 0 : -EAFNOSUPPORT;
	if (sa->stoy_ipver != TOY_IPVER_4 || sa->stoy_scope_id ||
	    memchr_inv(sa->stoy_addr.v6 + 4, 0, sizeof(sa->stoy_addr.v6) - 4))
		return -EINVAL;
	return 0;
}

/**
 * toy_set_ipver - take the IP version of the address the user gave
 * @sk: the socket, locked by its owner
 * @sa: an address that passed toy_check_addr()
 *
 * A socket speaks the version of its first bind() or connect(); one that
 * holds a port keeps it, as an AF_INET or AF_INET6 socket keeps its
 * family (docs/protocol.md 15.2).
 *
 * Return: 0, or -EAFNOSUPPORT for an address of the other version.
 */
int toy_set_ipver(struct sock *sk, const struct sockaddr_toy *sa)
{
	struct toy_sock *ts = toy_sk(sk);
	bool ipv6 = sa->stoy_ipver == TOY_IPVER_6;

	sock_owned_by_me(sk);
	if (ts->ipv6 == ipv6)
		return 0;
	if (ts->in_bind)
		return -EAFNOSUPPORT;
	ts->ipv6 = ipv6;
	sk->sk_rcv_saddr = 0;
	sk->sk_daddr = 0;
	sk->sk_v6_rcv_saddr = in6addr_any;
	sk->sk_v6_daddr = in6addr_any;
	return 0;
}

/*
 * An IPv6 link-local address names an interface: the scope id, or the
 * one the socket is bound to (they must agree). Any other address takes
 * no scope id. Sets *@dif to the interface (0 for none).
 */
int toy_scope6(const struct sock *sk, const struct sockaddr_toy *sa,
	       int *dif)
{
	const struct in6_addr *addr = (const struct in6_addr *)sa->stoy_addr.v6;
	int bound = sk->sk_bound_dev_if;

	*dif = bound;
	if (!(ipv6_addr_type(addr) & IPV6_ADDR_LINKLOCAL))
		return sa->stoy_scope_id ? -EINVAL : 0;
	if (sa->stoy_scope_id) {
		if (bound && bound != (int)sa->stoy_scope_id)
			return -EINVAL;
		*dif = sa->stoy_scope_id;
	}
	return *dif ? 0 : -EINVAL;
}

/* Bytes received in order and not yet read (the FIN occupies one seq). */
u32 toy_inq(const struct sock *sk)
{
	const struct toy_sock *ts = toy_sk(sk);
	u32 inq = READ_ONCE(ts->rcv_nxt) - READ_ONCE(ts->copied_seq);

	if (inq && sock_flag(sk, SOCK_DONE))
		inq--;
	return inq;
}

/*
 * Is @addr one of this host's, on interface @dif if it names one
 * (inet6_bind())? A v4-mapped address is refused: IPv6 sockets are
 * IPv6-only.
 */
static int bind_addr6(struct sock *sk, const struct sockaddr_toy *sa,
		      int *dif)
{
	const struct in6_addr *addr = (const struct in6_addr *)sa->stoy_addr.v6;
	struct net *net = sock_net(sk);
	struct net_device *dev = NULL;
	int type = ipv6_addr_type(addr), err;

	if (type & (IPV6_ADDR_MAPPED | IPV6_ADDR_MULTICAST))
		return -EINVAL;
	*dif = sk->sk_bound_dev_if;
	if (type == IPV6_ADDR_ANY)
		return sa->stoy_scope_id ? -EINVAL : 0;
	err = toy_scope6(sk, sa, dif);
	if (err)
		return err;
	rcu_read_lock();
	if (*dif) {
		dev = dev_get_by_index_rcu(net, *dif);
		if (!dev) {
			rcu_read_unlock();
			return -ENODEV;
		}
	}
	err = ipv6_chk_addr(net, addr, dev, 0) ? 0 : -EADDRNOTAVAIL;
	rcu_read_unlock();
	return err;
}

static int toy_bind(struct socket *sock, struct sockaddr *uaddr, int len)
{
	struct sockaddr_toy *sa = (struct sockaddr_toy *)uaddr;
	struct sock *sk = sock->sk;
	struct net *net = sock_net(sk);
	bool any;
	u16 port;
	int err, dif = 0;

	err = toy_check_addr(sa, len);
	if (err)
		return err;
	if (sa->stoy_ipver == TOY_IPVER_4 && sa->stoy_addr.v4 &&
	    inet_addr_type(net, sa->stoy_addr.v4) != RTN_LOCAL)
		return -EADDRNOTAVAIL;
	port = ntohs(sa->stoy_port);
	if (port && inet_port_requires_bind_service(net, port) &&
	    !ns_capable(net->user_ns, CAP_NET_BIND_SERVICE))
		return -EACCES;

	lock_sock(sk);
	if (sk->sk_state != TCP_CLOSE || toy_sk(sk)->in_bind) {
		err = -EINVAL;
		goto out;
	}
	err = toy_set_ipver(sk, sa);
	if (err)
		goto out;
	if (toy_sk(sk)->ipv6) {
		err = bind_addr6(sk, sa, &dif);
		if (err)
			goto out;
		sk->sk_v6_rcv_saddr = *(const struct in6_addr *)sa->stoy_addr.v6;
		any = ipv6_addr_any(&sk->sk_v6_rcv_saddr);
	} else {
		sk->sk_rcv_saddr = sa->stoy_addr.v4;
		any = !sa->stoy_addr.v4;
	}
	err = toy_bind_port(sk, port);
	if (err) {
		sk->sk_rcv_saddr = 0;
		sk->sk_v6_rcv_saddr = in6addr_any;
		goto out;
	}
	/* A link-local address binds the socket to its interface. */
	if (dif)
		sk->sk_bound_dev_if = dif;
	sk->sk_userlocks |= SOCK_BINDPORT_LOCK;
	if (!any)
		sk->sk_userlocks |= SOCK_BINDADDR_LOCK;
out:
	release_sock(sk);
	return err;
}

static int toy_getname(struct socket *sock, struct sockaddr *uaddr, int peer)
{
	struct sockaddr_toy *sa = (struct sockaddr_toy *)uaddr;
	const struct in6_addr *addr6;
	struct sock *sk = sock->sk;
	int ret = sizeof(*sa);

	memset(sa, 0, sizeof(*sa));
	sa->stoy_family = toy_family;

	lock_sock(sk);
	if (peer) {
		if (!sk->sk_dport ||
		    ((1 << sk->sk_state) & (TCPF_CLOSE | TCPF_SYN_SENT |
					    TCPF_LISTEN))) {
			ret = -ENOTCONN;
			goto out;
		}
		sa->stoy_port = sk->sk_dport;
		addr6 = &sk->sk_v6_daddr;
		sa->stoy_addr.v4 = sk->sk_daddr;
	} else {
		sa->stoy_port = htons(sk->sk_num);
		addr6 = &sk->sk_v6_rcv_saddr;
		sa->stoy_addr.v4 = sk->sk_rcv_saddr;
	}
	if (toy_sk(sk)->ipv6) {
		sa->stoy_ipver = TOY_IPVER_6;
		memcpy(sa->stoy_addr.v6, addr6, sizeof(sa->stoy_addr.v6));
		sa->stoy_scope_id = ipv6_iface_scope_id(addr6,
							sk->sk_bound_dev_if);
	} else {
		sa->stoy_ipver = TOY_IPVER_4;
	}
out:
	release_sock(sk);
	return ret;
}

/* The readiness TCP reports (tcp_poll()), state by state. */
static __poll_t toy_poll(struct file *file, struct socket *sock,
			 poll_table *wait)
{
	struct sock *sk = sock->sk;
	__poll_t mask = 0;
	u8 shutdown;
	int state;

	sock_poll_wait(file, sock, wait);

	/* Pairs with smp_store_release() in toy_set_state(). */
	state = smp_load_acquire(&sk->sk_state);
	if (state == TCP_LISTEN)
		return READ_ONCE(sk->sk_ack_backlog) ? EPOLLIN | EPOLLRDNORM : 0;

	shutdown = READ_ONCE(sk->sk_shutdown);
	if (shutdown == SHUTDOWN_MASK || state == TCP_CLOSE)
		mask |= EPOLLHUP;
	if (shutdown & RCV_SHUTDOWN)
		mask |= EPOLLIN | EPOLLRDNORM | EPOLLRDHUP;

	if (state != TCP_SYN_SENT && state != TCP_SYN_RECV) {
		if (toy_inq(sk) >= (u32)max(READ_ONCE(sk->sk_rcvlowat), 1))
			mask |= EPOLLIN | EPOLLRDNORM;

		if (!(shutdown & SEND_SHUTDOWN)) {
			if (sk_stream_is_writeable(sk)) {
				mask |= EPOLLOUT | EPOLLWRNORM;
			} else {
				sk_set_bit(SOCKWQ_ASYNC_NOSPACE, sk);
				set_bit(SOCK_NOSPACE, &sk->sk_socket->flags);
				/* Order the bit before the second look, against
				 * an ACK freeing space meanwhile (tcp_poll()).
				 */
				smp_mb__after_atomic();
				if (sk_stream_is_writeable(sk))
					mask |= EPOLLOUT | EPOLLWRNORM;
			}
		} else {
			mask |= EPOLLOUT | EPOLLWRNORM;
		}
	}

	/* Pairs with smp_wmb() before the state change in fsm.c. */
	smp_rmb();
	if (READ_ONCE(sk->sk_err) ||
	    !skb_queue_empty_lockless(&sk->sk_error_queue))
		mask |= EPOLLERR;
	return mask;
}

static int toy_ioctl(struct socket *sock, unsigned int cmd, unsigned long arg)
{
	struct sock *sk = sock->sk;
	struct toy_sock *ts = toy_sk(sk);
	int answ;

	switch (cmd) {
	case SIOCINQ:
		if (sk->sk_state == TCP_LISTEN)
			return -EINVAL;
		lock_sock(sk);
		answ = toy_inq(sk);
		release_sock(sk);
		break;
	case SIOCOUTQ:
		if (sk->sk_state == TCP_LISTEN)
			return -EINVAL;
		lock_sock(sk);
		answ = ts->write_seq - ts->snd_una;
		if (ts->fin_queued && answ)
			answ--;
		if ((1 << sk->sk_state) & (TCPF_CLOSE | TCPF_SYN_SENT))
			answ = 0;
		release_sock(sk);
		break;
	default:
		return -ENOIOCTLCMD;
	}
	return put_user(answ, (int __user *)arg);
}

/* inet_shutdown() and tcp_shutdown(). */
static int toy_shutdown(struct socket *sock, int how)
{
	struct sock *sk = sock->sk;
	int err = 0;

	how++;	/* SHUT_RD (0) becomes RCV_SHUTDOWN (1), and so on */
	if ((how & ~SHUTDOWN_MASK) || !how)
		return -EINVAL;

	lock_sock(sk);
	if (sock->state == SS_CONNECTING) {
		if ((1 << sk->sk_state) &
		    (TCPF_SYN_SENT | TCPF_SYN_RECV | TCPF_CLOSE))
			sock->state = SS_DISCONNECTING;
		else
			sock->state = SS_CONNECTED;
	}

	switch (sk->sk_state) {
	case TCP_CLOSE:
		err = -ENOTCONN;
		WRITE_ONCE(sk->sk_shutdown, sk->sk_shutdown | how);
		break;
	case TCP_LISTEN:
		if (how & RCV_SHUTDOWN) {
			toy_listen_stop(sk);
			toy_fsm_event(sk, TOY_EV_CLOSE, NULL);
			sock->state = SS_UNCONNECTED;
		} else {
			toy_fsm_event(sk, TOY_EV_SHUTDOWN, NULL);
		}
		break;
	default:
		WRITE_ONCE(sk->sk_shutdown, sk->sk_shutdown | how);
		if (how & SEND_SHUTDOWN)
			toy_fsm_event(sk, TOY_EV_SHUTDOWN, NULL);
		break;
	}
	sk->sk_state_change(sk);
	release_sock(sk);
	return err;
}

/* close(): FIN, or RST where TCP sends one (tcp_close()). */
static void do_close(struct sock *sk)
{
	bool unread;

	WRITE_ONCE(sk->sk_shutdown, SHUTDOWN_MASK);
	if (sk->sk_state == TCP_LISTEN) {
		toy_listen_stop(sk);
		toy_fsm_event(sk, TOY_EV_CLOSE, NULL);
		return;
	}

	unread = toy_inq(sk) > 0;
	__skb_queue_purge(&sk->sk_receive_queue);
	if (sk->sk_state == TCP_CLOSE) {
		toy_fsm_event(sk, TOY_EV_CLOSE, NULL);
	} else if (unread ||
		   (sock_flag(sk, SOCK_LINGER) && !sk->sk_lingertime)) {
		toy_fsm_event(sk, TOY_EV_ABORT, NULL);
	} else {
		toy_fsm_event(sk, TOY_EV_CLOSE, NULL);
		if (sock_flag(sk, SOCK_LINGER))
			sk_stream_wait_close(sk, sk->sk_lingertime);
	}
}

/*
 * A closed socket lives on to finish its connection: count it, and past
 * max_orphans reset it instead, as tcp_close() does when
 * tcp_check_oom() finds too many orphans. Each one may hold a send
 * buffer of data and its namespace: the count bounds what closed
 * sockets pin. toy_set_state() uncounts it when it reaches CLOSED.
 */
static void orphan(struct sock *sk)
{
	struct toy_sock *ts = toy_sk(sk);

	sock_owned_by_me(sk);
	ts->orphan = true;
	if (atomic_inc_return(&toy_orphans) <= READ_ONCE(toy_max_orphans))
		return;
	net_info_ratelimited("toy: too many orphaned sockets\n");
	TOY_INC_STATS(sock_net(sk), TOY_MIB_ABORTONORPHANS);
	toy_fsm_event(sk, TOY_EV_ABORT, NULL);
}

static int toy_release(struct socket *sock)
{
	struct sock *sk = sock->sk;

	if (!sk)
		return 0;

	lock_sock(sk);
	do_close(sk);
	sock_orphan(sk);
	if (!((1 << sk->sk_state) & (TCPF_CLOSE | TCPF_TIME_WAIT)))
		orphan(sk);
	if (sk->sk_state == TCP_CLOSE)
		toy_unbind(sk);
	else if (sk->sk_state == TCP_FIN_WAIT2)
		toy_arm_timewait(sk);
	release_sock(sk);
	sock->sk = NULL;
	sock_put(sk);
	return 0;
}

static int wait_data(struct sock *sk, long *timeo, struct sk_buff *last)
{
	DEFINE_WAIT_FUNC(wait, woken_wake_function);
	int rc;

	add_wait_queue(sk_sleep(sk), &wait);
	sk_set_bit(SOCKWQ_ASYNC_WAITDATA, sk);
	rc = sk_wait_event(sk, timeo,
			   skb_peek_tail(&sk->sk_receive_queue) != last ||
			   READ_ONCE(sk->sk_err) ||
			   (READ_ONCE(sk->sk_shutdown) & RCV_SHUTDOWN), &wait);
	sk_clear_bit(SOCKWQ_ASYNC_WAITDATA, sk);
	remove_wait_queue(sk_sleep(sk), &wait);
	return rc;
}

/* Tell the peer about the room reading made, if it is worth a segment. */
static void window_update(struct sock *sk)
{
	u32 step = min_t(u32, toy_sk(sk)->mss, READ_ONCE(sk->sk_rcvbuf) / 4);
	u32 offered = toy_rcvq_offered(sk), now = toy_rcv_window(sk);

	if (!((1 << sk->sk_state) & (TCPF_ESTABLISHED | TCPF_FIN_WAIT1 |
				     TCPF_FIN_WAIT2)))
		return;
	if (now >= offered + step || (!offered && now))
		toy_send_ack(sk);
}

static int recvmsg_locked(struct sock *sk, struct msghdr *msg, size_t len,
			  int flags)
{
	struct toy_sock *ts = toy_sk(sk);
	u32 peek_seq = ts->copied_seq;
	u32 *seq = flags & MSG_PEEK ? &peek_seq : &ts->copied_seq;
	long timeo = sock_rcvtimeo(sk, flags & MSG_DONTWAIT);
	int target = sock_rcvlowat(sk, flags & MSG_WAITALL, len);
	size_t copied = 0;
	int err = 0;

	if (sk->sk_state == TCP_LISTEN)
		return -ENOTCONN;

	while (copied < len) {
		struct sk_buff *skb, *last = skb_peek_tail(&sk->sk_receive_queue);
		bool found = false;

		/*
		 * Another reader took data while we waited without the lock:
		 * the bytes we were peeking at are gone (tcp_recvmsg_locked()).
		 */
		if ((flags & MSG_PEEK) && peek_seq - copied != ts->copied_seq) {
			net_dbg_ratelimited("toy: race in MSG_PEEK (%s, pid %d)\n",
					    current->comm, task_pid_nr(current));
			peek_seq = ts->copied_seq + copied;
		}

		skb_queue_walk(&sk->sk_receive_queue, skb) {
			struct toy_skb_cb *cb = TOY_SKB_CB(skb);
			u32 offset = *seq - cb->seq;
			size_t chunk;

			if (!toy_before(*seq, cb->end_seq))
				continue;
			/* The queue has no holes: @seq is inside this skb. */
			if (WARN_ON_ONCE(toy_before(*seq, cb->seq)))
				return copied ?: -EFAULT;
			found = true;
			chunk = min_t(size_t, skb->len - offset, len - copied);
			err = skb_copy_datagram_msg(skb, offset, msg, chunk);
			if (err)
				return copied ?: err;
			*seq += chunk;
			copied += chunk;
			if (!(flags & MSG_PEEK) && *seq == cb->end_seq) {
				__skb_unlink(skb, &sk->sk_receive_queue);
				consume_skb(skb);
			}
			break;
		}
		if (found)
			continue;

		if (copied >= target)
			break;
		if (copied) {
			if (sk->sk_err || sk->sk_state == TCP_CLOSE ||
			    (sk->sk_shutdown & RCV_SHUTDOWN) || !timeo ||
			    signal_pending(current))
				break;
		} else {
			if (sock_flag(sk, SOCK_DONE))
				break;
			if (sk->sk_err) {
				copied = sock_error(sk);
				break;
			}
			if (sk->sk_shutdown & RCV_SHUTDOWN)
				break;
			if (sk->sk_state == TCP_CLOSE) {
				copied = -ENOTCONN;
				break;
			}
			if (!timeo) {
				copied = -EAGAIN;
				break;
			}
			if (signal_pending(current)) {
				copied = sock_intr_errno(timeo);
				break;
			}
		}
		window_update(sk);
		wait_data(sk, &timeo, last);
	}
	if (!(flags & MSG_PEEK)) {
		toy_rcvq_space_adjust(sk);
		window_update(sk);
	}
	return copied;
}

static int toy_recvmsg(struct socket *sock, struct msghdr *msg, size_t len,
		       int flags)
{
	struct sock *sk = sock->sk;
	int ret;

	if (flags & MSG_OOB)
		return -EINVAL;
	if (flags & MSG_ERRQUEUE)
		return -EAGAIN;

	lock_sock(sk);
	ret = recvmsg_locked(sk, msg, len, flags);
	release_sock(sk);
	return ret;
}

/*
 * A new, empty skb at the tail of sk_write_queue, for the data that
 * follows @ts->write_seq, its head charged (mem.c). Return: the skb, or
 * NULL with *@err set: -ENOMEM if the module is short of memory.
 */
static struct sk_buff *new_tail(struct sock *sk, int *err)
{
	struct toy_sock *ts = toy_sk(sk);
	struct toy_skb_cb *cb;
	struct sk_buff *skb;

	*err = -ENOBUFS;
	skb = alloc_skb_fclone(TOY_MAX_HEADER, sk->sk_allocation);
	if (!skb)
		return NULL;
	skb_reserve(skb, TOY_MAX_HEADER);
	cb = TOY_SKB_CB(skb);
	memset(cb, 0, sizeof(*cb));
	if (!toy_wmem_charge(sk, skb, false)) {
		kfree_skb(skb);
		*err = -ENOMEM;
		return NULL;
	}
	cb->seq = ts->write_seq;
	cb->end_seq = cb->seq;
	/* Transmissions are clones that put their headers in the headroom. */
	__skb_header_release(skb);
	__skb_queue_tail(&sk->sk_write_queue, skb);
	return skb;
}

/*
 * Up to @size bytes of the user's data onto the end of @skb, the unsent
 * tail of sk_write_queue, in the page fragment the task (or socket)
 * carves its sends from, as tcp_sendmsg_locked() fills its skbs: no
 * allocation of our own per segment, and a truesize close to the bytes.
 *
 * Return: the bytes taken; 0 if @skb has no fragment slot left; or
 * -ENOMEM (the module is short of memory), -ENOBUFS, -EFAULT.
 */
static int append_frag(struct sock *sk, struct sk_buff *skb,
		       struct msghdr *msg, size_t size)
{
	struct page_frag *pfrag = sk_page_frag(sk);
	struct toy_skb_cb *cb = TOY_SKB_CB(skb);
	int i = skb_shinfo(skb)->nr_frags;
	bool merge;
	int copy;

	if (!sk_page_frag_refill(sk, pfrag))
		return -ENOBUFS;
	merge = skb_can_coalesce(skb, i, pfrag->page, pfrag->offset);
	if (!merge && i >= MAX_SKB_FRAGS)
		return 0;
	copy = min_t(size_t, size, pfrag->size - pfrag->offset);
	/* Room in the module's memory (mem.c) first: the copy can't be undone */
	if (!sk_wmem_schedule(sk, copy))
		return -ENOMEM;
	if (copy_from_iter(page_address(pfrag->page) + pfrag->offset, copy,
			   &msg->msg_iter) != copy)
		return -EFAULT;
	if (merge) {
		skb_frag_size_add(&skb_shinfo(skb)->frags[i - 1], copy);
	} else {
		skb_fill_page_desc(skb, i, pfrag->page, pfrag->offset, copy);
		get_page(pfrag->page);
	}
	pfrag->offset += copy;
	skb->len += copy;
	skb->data_len += copy;
	skb->truesize += copy;
	cb->charge += copy;
	sk_wmem_queued_add(sk, copy);
	sk_mem_charge(sk, copy);
	cb->end_seq += copy;
	toy_sk(sk)->write_seq += copy;
	return copy;
}

/* An skb that sendmsg() queued and then put nothing in goes again. */
static void drop_empty_tail(struct sock *sk)
{
	struct sk_buff *skb = skb_peek_tail(&sk->sk_write_queue);

	if (skb && !skb->len) {
		__skb_unlink(skb, &sk->sk_write_queue);
		toy_wmem_free(sk, skb);
	}
}

/*
 * tcp_sendmsg_locked(), without its zero-copy and out-of-band parts: the
 * data goes onto the last unsent skb until it holds toy_size_goal(), then
 * into a new one.
 */
static int sendmsg_locked(struct sock *sk, struct msghdr *msg, size_t len)
{
	long timeo = sock_sndtimeo(sk, msg->msg_flags & MSG_DONTWAIT);
	struct toy_sock *ts = toy_sk(sk);
	size_t copied = 0;
	int err;

	if ((1 << sk->sk_state) & ~(TCPF_ESTABLISHED | TCPF_CLOSE_WAIT)) {
		err = sk_stream_wait_connect(sk, &timeo);
		if (err)
			goto do_error;
	}

	while (copied < len) {
		struct sk_buff *skb = skb_peek_tail(&sk->sk_write_queue);
		u32 goal = toy_size_goal(ts);
		int n = 0;

		err = -EPIPE;
		if (sk->sk_err || (sk->sk_shutdown & SEND_SHUTDOWN))
			goto do_error;
		if (skb && skb->len < goal)
			n = append_frag(sk, skb, msg,
					min_t(size_t, len - copied,
					      goal - skb->len));
		if (!n) {
			/* @skb is full: a new one, if the buffer has room. */
			if (!sk_stream_memory_free(sk))
				goto wait;
			skb = new_tail(sk, &n);
			if (skb)
				n = append_frag(sk, skb, msg,
						min_t(size_t, len - copied,
						      goal));
		}
		if (n == -ENOMEM) {
			/* The module is short of memory: wait as for buffer. */
			set_bit(SOCK_NOSPACE, &sk->sk_socket->flags);
			goto wait;
		}
		err = n;
		if (n < 0)
			goto do_error;
		copied += n;
		/*
		 * Send as the data comes only once a super-segment's worth
		 * waits (forced_push() in tcp_sendmsg_locked()): until then,
		 * more data can join the tail.
		 */
		if (ts->write_seq - ts->snd_nxt >= goal)
			toy_push(sk);
		continue;
wait:
		drop_empty_tail(sk);
		toy_push(sk);
		err = sk_stream_wait_memory(sk, &timeo);
		if (err)
			goto do_error;
	}
	toy_push(sk);
	return copied;

do_error:
	drop_empty_tail(sk);
	if (copied) {
		toy_push(sk);
		return copied;
	}
	return sk_stream_error(sk, msg->msg_flags, err);
}

static int toy_sendmsg(struct socket *sock, struct msghdr *msg, size_t len)
{
	struct sock *sk = sock->sk;
	int ret;

	if (msg->msg_flags & MSG_OOB)
		return -EOPNOTSUPP;

	lock_sock(sk);
	ret = sendmsg_locked(sk, msg, len);
	release_sock(sk);
	return ret;
}

static int toy_create(struct net *net, struct socket *sock, int protocol,
		      int kern)
{
	struct sock *sk;

	if (sock->type != SOCK_STREAM)
		return -ESOCKTNOSUPPORT;
	if (protocol && protocol != toy_ipproto)
		return -EPROTONOSUPPORT;

	sk = sk_alloc(net, toy_family, GFP_KERNEL, &toy_proto, kern);
	if (!sk)
		return -ENOMEM;

	sock->ops = &toy_ops;
	sock->state = SS_UNCONNECTED;
	sock_init_data(sock, sk);
	sk->sk_protocol = toy_ipproto;
	sk->sk_destruct = toy_sock_destruct;
	/* sk_clone_lock() counts children itself. */
	sk_sockets_allocated_inc(sk);
	toy_sock_init(sk);
	return 0;
}

struct proto toy_proto = {
	.name		= "TOY",
	.owner		= THIS_MODULE,
	.obj_size	= sizeof(struct toy_sock),
	.backlog_rcv	= toy_do_rcv,
	.release_cb	= toy_release_cb,
	.diag_destroy	= toy_diag_abort,
	.keepalive	= toy_keepalive,
};

/*
 * .family is informational here (the core never reads it); the number in
 * force, a module parameter, is toy_family.
 */
const struct proto_ops toy_ops = {
	.family		= AF_TOY_DEFAULT,
	.owner		= THIS_MODULE,
	.release	= toy_release,
	.bind		= toy_bind,
	.connect	= toy_connect,
	.socketpair	= sock_no_socketpair,
	.accept		= toy_compat_accept,
	.getname	= toy_getname,
	.poll		= toy_poll,
	.ioctl		= toy_ioctl,
	.listen		= toy_listen,
	.shutdown	= toy_shutdown,
	.setsockopt	= toy_setsockopt,
	.getsockopt	= toy_getsockopt,
	.sendmsg	= toy_sendmsg,
	.recvmsg	= toy_recvmsg,
	.mmap		= sock_no_mmap,
};

struct net_proto_family toy_family_ops = {
	.create		= toy_create,
	.owner		= THIS_MODULE,
};
