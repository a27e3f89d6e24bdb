// SPDX-License-Identifier: GPL-2.0
/*
 * Toy Stream Protocol: the AF_TOY socket calls (struct proto_ops).
 *
 * The errors follow AF_INET/TCP's (net/ipv4/af_inet.c, tcp.c) so that one
 * program can drive both and expect the same answers.
 *
 * Listener life cycle, as af_vsock.c's: a SYN creates a child in SYN_RECV
 * on the listener's syn_queue (toy_child_create()); the final ACK moves it
 * to accept_queue (toy_child_established()); accept() takes it from there.
 * A child that dies first leaves its queue (toy_child_drop()); a listener
 * that closes resets what is still queued (toy_listen_stop()). The queues
 * and the listener's `accepting` flag are under its accept_lock.
 */
#include <linux/capability.h>
#include <linux/module.h>
#include <linux/poll.h>
#include <linux/sched/signal.h>
#include <linux/sockios.h>
#include <asm/ioctls.h>
#include <linux/uaccess.h>
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

	memset((char *)ts + sizeof(struct sock), 0,
	       sizeof(*ts) - sizeof(struct sock));
	spin_lock_init(&ts->accept_lock);
	INIT_LIST_HEAD(&ts->syn_queue);
	INIT_LIST_HEAD(&ts->accept_queue);
	INIT_LIST_HEAD(&ts->accept_node);
	skb_queue_head_init(&ts->ooo_queue);
	toy_timers_init(sk);
	ts->syn_retries = TOY_SYN_RETRIES_DEF;
	ts->retries = TOY_RETRIES_DEF;
	ts->rto_min = TOY_RTO_MIN_MS;
	ts->rto_max = TOY_RTO_MAX_MS;
	ts->rto = toy_rto_clamp(ts, TOY_RTO_INIT_MS * USEC_PER_MSEC);
	ts->mss = 536;
	ts->keepidle = TOY_KEEPIDLE_DEF;
	ts->keepintvl = TOY_KEEPINTVL_DEF;
	ts->keepcnt = TOY_KEEPCNT_DEF;

	sk->sk_backlog_rcv = toy_do_rcv;
	sk->sk_write_space = toy_write_space;
	sock_set_flag(sk, SOCK_RCU_FREE);
}

static void toy_sock_destruct(struct sock *sk)
{
	struct toy_sock *ts = toy_sk(sk);

	__skb_queue_purge(&sk->sk_receive_queue);
	toy_wmem_purge(sk);
	__skb_queue_purge(&ts->ooo_queue);
	skb_queue_purge(&sk->sk_error_queue);
	dst_release(rcu_dereference_protected(sk->sk_dst_cache, 1));
	sk_mem_reclaim_final(sk);
	sk_sockets_allocated_dec(sk);
	WARN_ON_ONCE(ts->in_bind || ts->in_hash);
	WARN_ON_ONCE(atomic_read(&sk->sk_rmem_alloc));
	WARN_ON_ONCE(sk->sk_forward_alloc);
}

static int toy_check_addr(const struct sockaddr_toy *sa, int len)
{
	if (len < (int)sizeof(*sa))
		return -EINVAL;
	if (sa->stoy_family != toy_family)
		return -EAFNOSUPPORT;
	if (sa->stoy_ipver == TOY_IPVER_6)
		return -EAFNOSUPPORT;
	if (sa->stoy_ipver != TOY_IPVER_4 || sa->stoy_scope_id ||
	    memchr_inv(sa->stoy_zero, 0, sizeof(sa->stoy_zero)) ||
	    memchr_inv(sa->stoy_addr.v6 + 4, 0, sizeof(sa->stoy_addr.v6) - 4))
		return -EINVAL;
	return 0;
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

static int toy_bind(struct socket *sock, struct sockaddr *uaddr, int len)
{
	struct sockaddr_toy *sa = (struct sockaddr_toy *)uaddr;
	struct sock *sk = sock->sk;
	struct net *net = sock_net(sk);
	u16 port;
	int err;

	err = toy_check_addr(sa, len);
	if (err)
		return err;
	if (sa->stoy_addr.v4 &&
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
	err = toy_bind_port(sk, sa->stoy_addr.v4, port);
	if (err)
		goto out;
	sk->sk_userlocks |= SOCK_BINDPORT_LOCK;
	if (sa->stoy_addr.v4)
		sk->sk_userlocks |= SOCK_BINDADDR_LOCK;
out:
	release_sock(sk);
	return err;
}

/*
 * The send side of a connection about to send its SYN or SYN-ACK, whose
 * addresses and ports are set. @sack: offer SACK (SYN), or agree to it.
 */
static void toy_init_send(struct sock *sk, bool sack)
{
	struct toy_sock *ts = toy_sk(sk);

	ts->iss = toy_isn(sk->sk_rcv_saddr, sk->sk_daddr, htons(sk->sk_num),
			  sk->sk_dport);
	ts->snd_una = ts->iss;
	ts->snd_nxt = ts->iss + 1;
	ts->write_seq = ts->iss + 1;
	ts->ctl_when = toy_now_us();
	toy_sack_init(sk, sack);
	/* A route cached by an earlier attempt may lead elsewhere. */
	sk_dst_reset(sk);
}

/*
 * A closed socket about to connect again forgets the last connection, as
 * tcp_disconnect(): no EOF, no shutdown, and none of its bytes: unread
 * data of the old stream would be read at the new stream's numbers.
 */
static void toy_disconnect(struct sock *sk)
{
	struct toy_sock *ts = toy_sk(sk);

	sock_owned_by_me(sk);
	__skb_queue_purge(&sk->sk_receive_queue);
	__skb_queue_purge(&ts->ooo_queue);
	ts->rcv_nxt = 0;
	ts->copied_seq = 0;
	ts->rcv_wup = 0;
	ts->rcv_wnd = 0;
	ts->dsack = false;
	ts->max_window = 0;
	ts->last_oow_ack = 0;
	WRITE_ONCE(sk->sk_err_soft, 0);
	WRITE_ONCE(sk->sk_shutdown, 0);
	sock_reset_flag(sk, SOCK_DONE);
	if (!(sk->sk_userlocks & SOCK_BINDADDR_LOCK))
		sk->sk_rcv_saddr = 0;
}

static int toy_do_connect(struct sock *sk, const struct sockaddr_toy *sa)
{
	__be32 daddr = sa->stoy_addr.v4 ?: htonl(INADDR_LOOPBACK);
	struct toy_sock *ts = toy_sk(sk);
	__be32 saddr = sk->sk_rcv_saddr;
	int err;

	err = toy_route_saddr(sk, daddr, &saddr);
	if (err)
		return err;
	sk->sk_rcv_saddr = saddr;
	sk->sk_daddr = daddr;
	sk->sk_dport = sa->stoy_port;
	err = toy_hash_connect(sk);
	if (err) {
		sk->sk_daddr = 0;
		sk->sk_dport = 0;
		if (!(sk->sk_userlocks & SOCK_BINDADDR_LOCK))
			sk->sk_rcv_saddr = 0;
		return err;
	}

	toy_init_send(sk, READ_ONCE(toy_sack));
	/* As tcp_connect_init(): a new attempt gets a fresh SYN budget. */
	ts->retransmits = 0;
	ts->backoff = 0;
	ts->rto = toy_rto_clamp(ts, TOY_RTO_INIT_MS * USEC_PER_MSEC);
	TOY_INC_STATS(sock_net(sk), TOY_MIB_ACTIVEOPENS);
	toy_fsm_event(sk, TOY_EV_CONNECT, NULL);
	return 0;
}

static long toy_wait_connect(struct sock *sk, long timeo)
{
	DEFINE_WAIT_FUNC(wait, woken_wake_function);

	add_wait_queue(sk_sleep(sk), &wait);
	while ((1 << sk->sk_state) & (TCPF_SYN_SENT | TCPF_SYN_RECV)) {
		release_sock(sk);
		timeo = wait_woken(&wait, TASK_INTERRUPTIBLE, timeo);
		lock_sock(sk);
		if (signal_pending(current) || !timeo)
			break;
	}
	remove_wait_queue(sk_sleep(sk), &wait);
	return timeo;
}

/* inet_stream_connect(), including its answers to repeated calls. */
static int __toy_connect(struct socket *sock, struct sockaddr *uaddr,
			 int len, int flags)
{
	struct sock *sk = sock->sk;
	long timeo;
	int err;

	switch (sock->state) {
	default:
		return -EINVAL;
	case SS_CONNECTED:
		return -EISCONN;
	case SS_CONNECTING:
		err = -EALREADY;
		break;
	case SS_UNCONNECTED:
		if (sk->sk_state != TCP_CLOSE)
			return -EISCONN;
		err = toy_check_addr((struct sockaddr_toy *)uaddr, len);
		if (err)
			return err;
		err = toy_do_connect(sk, (struct sockaddr_toy *)uaddr);
		if (err)
			return err;
		sock->state = SS_CONNECTING;
		err = -EINPROGRESS;
		break;
	}

	timeo = sock_sndtimeo(sk, flags & O_NONBLOCK);
	if ((1 << sk->sk_state) & (TCPF_SYN_SENT | TCPF_SYN_RECV)) {
		if (!timeo)
			return err;
		timeo = toy_wait_connect(sk, timeo);
		if ((1 << sk->sk_state) & (TCPF_SYN_SENT | TCPF_SYN_RECV)) {
			if (signal_pending(current))
				return sock_intr_errno(timeo);
			return err;
		}
	}

	if (sk->sk_state == TCP_CLOSE) {
		err = sock_error(sk) ?: -ECONNABORTED;
		sock->state = SS_UNCONNECTED;
		toy_disconnect(sk);
		return err;
	}
	sock->state = SS_CONNECTED;
	return 0;
}

static int toy_connect(struct socket *sock, struct sockaddr *uaddr, int len,
		       int flags)
{
	int err;

	lock_sock(sock->sk);
	err = __toy_connect(sock, uaddr, len, flags);
	release_sock(sock->sk);
	return err;
}

static int toy_listen(struct socket *sock, int backlog)
{
	struct sock *sk = sock->sk;
	int err = -EINVAL;

	lock_sock(sk);
	if (sock->state != SS_UNCONNECTED ||
	    !((1 << sk->sk_state) & (TCPF_CLOSE | TCPF_LISTEN)))
		goto out;

	WRITE_ONCE(sk->sk_max_ack_backlog, backlog);
	if (sk->sk_state == TCP_CLOSE) {
		if (!toy_sk(sk)->in_bind) {
			err = toy_bind_port(sk, 0, 0);
			if (err)
				goto out;
		}
		err = toy_hash_listen(sk);
		if (err)
			goto out;
		spin_lock_bh(&toy_sk(sk)->accept_lock);
		toy_sk(sk)->accepting = true;
		spin_unlock_bh(&toy_sk(sk)->accept_lock);
	}
	err = toy_fsm_event(sk, TOY_EV_LISTEN, NULL);
out:
	release_sock(sk);
	return err;
}

/* toy_child_create() with BHs off: see there. */
static struct sock *toy_child_create_bh(struct sock *lsk, struct sk_buff *skb)
{
	const struct toyhdr *th = (const struct toyhdr *)skb_transport_header(skb);
	const struct iphdr *iph = ip_hdr(skb);
	struct toy_sock *lts = toy_sk(lsk), *ts;
	__be32 saddr = iph->daddr;
	struct sock *child;

	sock_owned_by_me(lsk);
	child = sk_clone_lock(lsk, GFP_ATOMIC);
	if (!child)
		return NULL;
	/* sk_clone_lock() returns the child bh-locked. */
	__acquire(&child->sk_lock.slock);
	ts = toy_sk(child);
	toy_sock_init(child);
	ts->syn_retries = lts->syn_retries;
	ts->retries = lts->retries;
	ts->rto_min = lts->rto_min;
	ts->rto_max = lts->rto_max;
	ts->nodelay = lts->nodelay;
	ts->keepidle = lts->keepidle;
	ts->keepintvl = lts->keepintvl;
	ts->keepcnt = lts->keepcnt;
	ts->rto = toy_rto_clamp(ts, TOY_RTO_INIT_MS * USEC_PER_MSEC);
	child->sk_state = TCP_CLOSE;
	child->sk_ack_backlog = 0;
	child->sk_max_ack_backlog = 0;
	child->sk_daddr = iph->saddr;
	child->sk_dport = th->source;
	child->sk_rcv_saddr = iph->daddr;
	child->sk_num = lsk->sk_num;

	if (toy_route_saddr(child, iph->saddr, &saddr) ||
	    saddr != iph->daddr) {
		__release(&child->sk_lock.slock);
		sk_free_unlock_clone(child);
		return NULL;
	}

	/*
	 * Nothing may fail once the child is in a table: from then on a
	 * lookup (the receive path, sock_diag) may hold a reference, and
	 * only sock_put() may free it, not sk_free_unlock_clone().
	 */
	if (toy_hash_est(child)) {
		__release(&child->sk_lock.slock);
		sk_free_unlock_clone(child);
		return NULL;
	}
	toy_bind_child(child);

	ts->irs = ntohl(th->seq);
	ts->rcv_nxt = ts->irs + 1;
	ts->rcv_wup = ts->rcv_nxt;
	ts->copied_seq = ts->rcv_nxt;
	ts->snd_wnd = toy_hdr_window(th);
	ts->max_window = ts->snd_wnd;
	ts->snd_wl1 = ts->irs;
	toy_init_send(child, READ_ONCE(toy_sack) && (th->flags & TOYHDR_SACKOK));

	/*
	 * sk_clone_lock() gave two references: the queue keeps one. The
	 * listener cannot stop meanwhile: we hold its lock.
	 */
	sock_hold(lsk);
	ts->parent = lsk;
	spin_lock_bh(&lts->accept_lock);
	list_add_tail(&ts->accept_node, &lts->syn_queue);
	WRITE_ONCE(lts->syn_qlen, lts->syn_qlen + 1);
	spin_unlock_bh(&lts->accept_lock);

	TOY_INC_STATS(sock_net(lsk), TOY_MIB_PASSIVEOPENS);
	toy_fsm_event(child, TOY_EV_RCV_SYN, skb);
	bh_unlock_sock(child);
	sock_put(child);
	return child;
}

/**
 * toy_child_create - a listener's answer to a SYN
 * @lsk: the listener, under bh_lock_sock() or owned
 * @skb: the SYN
 *
 * A SYN that waited in the listener's backlog comes here from
 * release_sock(), in process context with BHs on. The child is born
 * spin-locked (sk_clone_lock()) and sends its SYN-ACK before we unlock
 * it: over loopback the peer's ACK is then processed by the softirq that
 * the transmit path runs on this very CPU, and it spins on the child's
 * lock for good. Keep BHs off while the child's spinlock is ours.
 *
 * Return: the new child in SYN_RECV, queued on @lsk's syn_queue, or NULL.
 */
struct sock *toy_child_create(struct sock *lsk, struct sk_buff *skb)
{
	struct sock *child;

	local_bh_disable();
	child = toy_child_create_bh(lsk, skb);
	local_bh_enable();
	return child;
}

/* The child's handshake completed: from the SYN queue to the accept queue. */
void toy_child_established(struct sock *child)
{
	struct toy_sock *ts = toy_sk(child);
	struct sock *lsk = ts->parent;
	struct toy_sock *lts = toy_sk(lsk);
	bool queued = false;

	spin_lock_bh(&lts->accept_lock);
	if (lts->accepting && !list_empty(&ts->accept_node)) {
		list_move_tail(&ts->accept_node, &lts->accept_queue);
		WRITE_ONCE(lts->syn_qlen, lts->syn_qlen - 1);
		ts->in_accept_queue = true;
		sk_acceptq_added(lsk);
		queued = true;
	}
	spin_unlock_bh(&lts->accept_lock);
	if (queued)
		lsk->sk_data_ready(lsk);
}

/* The child reached CLOSED before accept(): forget it. */
void toy_child_drop(struct sock *child)
{
	struct toy_sock *ts = toy_sk(child);
	struct sock *lsk = ts->parent;
	struct toy_sock *lts = toy_sk(lsk);
	bool dropped = false;

	spin_lock_bh(&lts->accept_lock);
	if (lts->accepting && !list_empty(&ts->accept_node)) {
		list_del_init(&ts->accept_node);
		if (ts->in_accept_queue)
			sk_acceptq_removed(lsk);
		else
			WRITE_ONCE(lts->syn_qlen, lts->syn_qlen - 1);
		dropped = true;
	}
	spin_unlock_bh(&lts->accept_lock);
	if (!dropped)
		return;	/* toy_listen_stop() owns it now */
	ts->parent = NULL;
	sock_put(lsk);
	sock_put(child);	/* the queue's reference; the caller holds one */
}

/**
 * toy_listen_evict - make room in a full listener for a new SYN
 * @lsk: the listener, under bh_lock_sock() or owned
 *
 * A SYN from an address that never completes the handshake (a spoofed
 * one) keeps its slot until its SYN-ACKs run out, a minute: a flood of
 * them fills the queues and locks real clients out. A real client
 * answers within a round trip, so the oldest embryonic connection is the
 * one to drop, once its first SYN-ACK went unanswered for a whole RTO
 * (it has been retransmitted): a young one may be a real client whose ACK
 * is on its way. It is discarded silently, as its timeout would (no RST).
 * A real client's SYN that finds only young ones is dropped, and its
 * retransmission gets in. Nothing is evicted for a full accept queue:
 * the program must accept.
 *
 * Return: true if a slot was freed.
 */
bool toy_listen_evict(struct sock *lsk)
{
	struct toy_sock *lts = toy_sk(lsk), *ts;
	struct sock *child = NULL;
	bool evicted = false;

	sock_owned_by_me(lsk);
	if (sk_acceptq_is_full(lsk))
		return false;
	spin_lock_bh(&lts->accept_lock);
	ts = list_first_entry_or_null(&lts->syn_queue, struct toy_sock,
				      accept_node);
	if (ts) {
		child = &ts->sk;
		sock_hold(child);
	}
	spin_unlock_bh(&lts->accept_lock);
	if (!child)
		return false;

	/* As toy_child_create(): the child's spinlock with BHs off. */
	local_bh_disable();
	bh_lock_sock(child);
	if (!sock_owned_by_user(child) && child->sk_state == TCP_SYN_RECV &&
	    toy_sk(child)->retransmits) {
		TOY_INC_STATS(sock_net(lsk), TOY_MIB_SYNEVICTIONS);
		toy_fsm_event(child, TOY_EV_TIMEOUT, NULL);
		evicted = true;
	}
	bh_unlock_sock(child);
	local_bh_enable();
	sock_put(child);
	return evicted;
}

/* The listener closes: reset every child it still holds. */
void toy_listen_stop(struct sock *sk)
{
	struct toy_sock *lts = toy_sk(sk), *ts, *tmp;
	LIST_HEAD(children);

	sock_owned_by_me(sk);
	spin_lock_bh(&lts->accept_lock);
	lts->accepting = false;
	list_splice_init(&lts->syn_queue, &children);
	list_splice_tail_init(&lts->accept_queue, &children);
	WRITE_ONCE(lts->syn_qlen, 0);
	WRITE_ONCE(sk->sk_ack_backlog, 0);
	spin_unlock_bh(&lts->accept_lock);

	list_for_each_entry_safe(ts, tmp, &children, accept_node) {
		struct sock *child = &ts->sk;

		list_del_init(&ts->accept_node);
		lock_sock_nested(child, SINGLE_DEPTH_NESTING);
		ts->parent = NULL;
		if (child->sk_state != TCP_CLOSE)
			toy_fsm_event(child, TOY_EV_ABORT, NULL);
		release_sock(child);
		sock_put(sk);
		sock_put(child);
	}
}

static int toy_accept_locked(struct sock *sk, struct sock **childp, int flags)
{
	struct toy_sock *lts = toy_sk(sk), *ts;
	long timeo = sock_rcvtimeo(sk, flags & O_NONBLOCK);
	DEFINE_WAIT(wait);
	int err = 0;

	for (;;) {
		if (sk->sk_state != TCP_LISTEN)
			return -EINVAL;
		if (!list_empty(&lts->accept_queue))
			break;
		if (!timeo)
			return -EAGAIN;
		if (signal_pending(current))
			return sock_intr_errno(timeo);
		prepare_to_wait_exclusive(sk_sleep(sk), &wait,
					  TASK_INTERRUPTIBLE);
		release_sock(sk);
		if (list_empty(&lts->accept_queue))
			timeo = schedule_timeout(timeo);
		/*
		 * Running again before lock_sock(), which may sleep: a child
		 * that came in after prepare_to_wait() skipped the schedule
		 * and left us TASK_INTERRUPTIBLE (a WARN on debug kernels).
		 */
		finish_wait(sk_sleep(sk), &wait);
		lock_sock(sk);
	}

	spin_lock_bh(&lts->accept_lock);
	ts = list_first_entry(&lts->accept_queue, struct toy_sock, accept_node);
	list_del_init(&ts->accept_node);
	sk_acceptq_removed(sk);
	spin_unlock_bh(&lts->accept_lock);

	*childp = &ts->sk;
	return err;
}

int toy_accept(struct socket *sock, struct socket *newsock, int flags,
	       bool kern)
{
	struct sock *sk = sock->sk, *child = NULL;
	int err;

	lock_sock(sk);
	err = toy_accept_locked(sk, &child, flags);
	if (err) {
		release_sock(sk);
		return err;
	}
	lock_sock_nested(child, SINGLE_DEPTH_NESTING);
	toy_sk(child)->parent = NULL;
	toy_sk(child)->in_accept_queue = false;
	sock_graft(child, newsock);
	newsock->state = SS_CONNECTED;
	release_sock(child);
	release_sock(sk);
	sock_put(sk);	/* the child's reference on its listener */
	return 0;
}

static int toy_getname(struct socket *sock, struct sockaddr *uaddr, int peer)
{
	struct sockaddr_toy *sa = (struct sockaddr_toy *)uaddr;
	struct sock *sk = sock->sk;
	int ret = sizeof(*sa);

	memset(sa, 0, sizeof(*sa));
	sa->stoy_family = toy_family;
	sa->stoy_ipver = TOY_IPVER_4;

	lock_sock(sk);
	if (peer) {
		if (!sk->sk_dport ||
		    ((1 << sk->sk_state) & (TCPF_CLOSE | TCPF_SYN_SENT |
					    TCPF_LISTEN))) {
			ret = -ENOTCONN;
			goto out;
		}
		sa->stoy_port = sk->sk_dport;
		sa->stoy_addr.v4 = sk->sk_daddr;
	} else {
		sa->stoy_port = htons(sk->sk_num);
		sa->stoy_addr.v4 = sk->sk_rcv_saddr;
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
static void toy_close(struct sock *sk)
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
static void toy_orphan(struct sock *sk)
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
	toy_close(sk);
	sock_orphan(sk);
	if (!((1 << sk->sk_state) & (TCPF_CLOSE | TCPF_TIME_WAIT)))
		toy_orphan(sk);
	if (sk->sk_state == TCP_CLOSE)
		toy_unbind(sk);
	else if (sk->sk_state == TCP_FIN_WAIT2)
		toy_arm_timewait(sk);
	release_sock(sk);
	sock->sk = NULL;
	sock_put(sk);
	return 0;
}

static int toy_wait_data(struct sock *sk, long *timeo, struct sk_buff *last)
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
static void toy_window_update(struct sock *sk)
{
	u32 step = min_t(u32, toy_sk(sk)->mss, READ_ONCE(sk->sk_rcvbuf) / 4);
	u32 offered = toy_rcvq_offered(sk), now = toy_rcv_window(sk);

	if (!((1 << sk->sk_state) & (TCPF_ESTABLISHED | TCPF_FIN_WAIT1 |
				     TCPF_FIN_WAIT2)))
		return;
	if (now >= offered + step || (!offered && now))
		toy_send_ack(sk);
}

static int toy_recvmsg_locked(struct sock *sk, struct msghdr *msg, size_t len,
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
		toy_window_update(sk);
		toy_wait_data(sk, &timeo, last);
	}
	if (!(flags & MSG_PEEK))
		toy_window_update(sk);
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
	ret = toy_recvmsg_locked(sk, msg, len, flags);
	release_sock(sk);
	return ret;
}

/*
 * Small writes while the last queued skb is still unsent go into it, so
 * that they leave as one segment when the window opens (tcp_sendmsg()).
 * Return: bytes taken, or a negative errno.
 */
static int toy_append_tail(struct sock *sk, struct msghdr *msg, size_t len)
{
	struct sk_buff *skb = skb_peek_tail(&sk->sk_write_queue);
	struct toy_sock *ts = toy_sk(sk);
	struct toy_skb_cb *cb;
	int copy, off;

	if (!skb || !ts->send_head || skb_is_nonlinear(skb))
		return 0;
	copy = min_t(int, skb_tailroom(skb), ts->mss - (int)skb->len);
	copy = min_t(int, copy, len);
	if (copy <= 0)
		return 0;

	off = skb->len;
	if (copy_from_iter(skb_put(skb, copy), copy, &msg->msg_iter) != copy) {
		skb_trim(skb, off);
		return -EFAULT;
	}
	cb = TOY_SKB_CB(skb);
	cb->csum = csum_block_add(cb->csum, csum_partial(skb->data + off, copy, 0),
				  off);
	cb->end_seq += copy;
	ts->write_seq += copy;
	return copy;
}

/* One segment's worth of the user's data, queued for sending. */
static int toy_queue_chunk(struct sock *sk, struct msghdr *msg, size_t size)
{
	struct toy_sock *ts = toy_sk(sk);
	struct toy_skb_cb *cb;
	struct sk_buff *skb;
	int err;

	/*
	 * Small writes stay linear, with room for more small writes to join
	 * them (toy_append_tail()); large ones go in page fragments.
	 */
	if (size < PAGE_SIZE) {
		skb = alloc_skb(TOY_MAX_HEADER +
				max_t(size_t, size, min_t(size_t, ts->mss, 1024)),
				sk->sk_allocation);
		if (skb) {
			skb_reserve(skb, TOY_MAX_HEADER);
			skb_put(skb, size);
		}
	} else {
		skb = alloc_skb_with_frags(TOY_MAX_HEADER, size,
					   PAGE_ALLOC_COSTLY_ORDER, &err,
					   sk->sk_allocation);
		if (skb) {
			skb_reserve(skb, TOY_MAX_HEADER);
			skb->data_len = size;
			skb->len = size;
		}
	}
	if (!skb)
		return -ENOBUFS;
	/* Room in the module's memory (mem.c) first: the copy can't be undone. */
	if (!sk_wmem_schedule(sk, skb->truesize)) {
		kfree_skb(skb);
		return -ENOMEM;
	}

	err = skb_copy_datagram_from_iter(skb, 0, &msg->msg_iter, size);
	if (err) {
		kfree_skb(skb);
		return err;
	}
	cb = TOY_SKB_CB(skb);
	memset(cb, 0, sizeof(*cb));
	cb->seq = ts->write_seq;
	cb->end_seq = cb->seq + size;
	cb->csum = skb_checksum(skb, 0, size, 0);
	toy_wmem_charge(sk, skb, true);	/* scheduled above */
	ts->write_seq = cb->end_seq;
	__skb_queue_tail(&sk->sk_write_queue, skb);
	if (!ts->send_head)
		ts->send_head = skb;
	return 0;
}

/* tcp_sendmsg_locked(), without its zero-copy and out-of-band parts. */
static int toy_sendmsg_locked(struct sock *sk, struct msghdr *msg, size_t len)
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
		size_t size = min_t(size_t, len - copied, ts->mss);

		err = -EPIPE;
		if (sk->sk_err || (sk->sk_shutdown & SEND_SHUTDOWN))
			goto do_error;
		err = toy_append_tail(sk, msg, size);
		if (err < 0)
			goto do_error;
		if (err) {
			copied += err;
			continue;
		}
		if (!sk_stream_memory_free(sk)) {
			toy_push(sk);
			err = sk_stream_wait_memory(sk, &timeo);
			if (err)
				goto do_error;
			continue;
		}
		err = toy_queue_chunk(sk, msg, size);
		if (err == -ENOMEM) {
			/* The module is short of memory: wait as for buffer. */
			set_bit(SOCK_NOSPACE, &sk->sk_socket->flags);
			toy_push(sk);
			err = sk_stream_wait_memory(sk, &timeo);
			if (err)
				goto do_error;
			continue;
		}
		if (err)
			goto do_error;
		copied += size;
		toy_push(sk);
	}
	toy_push(sk);
	return copied;

do_error:
	if (copied)
		return copied;
	return sk_stream_error(sk, msg->msg_flags, err);
}

static int toy_sendmsg(struct socket *sock, struct msghdr *msg, size_t len)
{
	struct sock *sk = sock->sk;
	int ret;

	if (msg->msg_flags & MSG_OOB)
		return -EOPNOTSUPP;

	lock_sock(sk);
	ret = toy_sendmsg_locked(sk, msg, len);
	release_sock(sk);
	return ret;
}

/*
 * RTO bounds under the default floor make a socket retransmit every
 * millisecond: that is for the administrator of the namespace (as a
 * route's rto_min is for TCP), not for any user.
 */
static bool toy_rto_allowed(const struct sock *sk, int ms)
{
	return ms >= TOY_RTO_MIN_MS ||
	       ns_capable(sock_net(sk)->user_ns, CAP_NET_ADMIN);
}

static int toy_setsockopt(struct socket *sock, int level, int optname,
			  sockptr_t optval, unsigned int optlen)
{
	struct sock *sk = sock->sk;
	struct toy_sock *ts = toy_sk(sk);
	int val, err = 0;

	if (level != SOL_TOY)
		return -ENOPROTOOPT;
	if (optname == TOY_INFO)
		return -ENOPROTOOPT;
	if (optlen < sizeof(int))
		return -EINVAL;
	if (copy_from_sockptr(&val, optval, sizeof(val)))
		return -EFAULT;

	lock_sock(sk);
	switch (optname) {
	case TOY_NODELAY:
		if (val < 0 || val > 1)
			err = -EINVAL;
		else
			ts->nodelay = val;
		break;
	case TOY_SYN_RETRIES:
		if (val < 1 || val > 127)
			err = -EINVAL;
		else
			ts->syn_retries = val;
		break;
	case TOY_RETRIES:
		if (val < 1 || val > 255)
			err = -EINVAL;
		else
			ts->retries = val;
		break;
	case TOY_RTO_MIN:
		if (val < 1 || val > 60000)
			err = -EINVAL;
		else if (!toy_rto_allowed(sk, val))
			err = -EPERM;
		else
			ts->rto_min = val;
		break;
	case TOY_RTO_MAX:
		if (val < 1 || val > TOY_RTO_MAX_MS)
			err = -EINVAL;
		else if (!toy_rto_allowed(sk, val))
			err = -EPERM;
		else
			ts->rto_max = val;
		break;
	case TOY_KEEPIDLE:
		if (val < 1 || val > TOY_KEEP_MAX) {
			err = -EINVAL;
		} else {
			ts->keepidle = val;
			toy_keepalive_reset(sk);
		}
		break;
	case TOY_KEEPINTVL:
		if (val < 1 || val > TOY_KEEP_MAX)
			err = -EINVAL;
		else
			ts->keepintvl = val;
		break;
	case TOY_KEEPCNT:
		if (val < 1 || val > 127)
			err = -EINVAL;
		else
			ts->keepcnt = val;
		break;
	default:
		err = -ENOPROTOOPT;
		break;
	}
	if (!err && (optname == TOY_RTO_MIN || optname == TOY_RTO_MAX))
		ts->rto = toy_rto_clamp(ts, ts->rto);
	release_sock(sk);
	return err;
}

void toy_get_info(struct sock *sk, struct toy_info *info)
{
	struct toy_sock *ts = toy_sk(sk);

	memset(info, 0, sizeof(*info));
	info->state = sk->sk_state;
	info->retransmits = ts->retransmits;
	info->mss = ts->mss;
	info->rto_us = ts->rto;
	info->srtt_us = ts->srtt;
	info->rttvar_us = ts->rttvar;
	info->snd_una = ts->snd_una;
	info->snd_nxt = ts->snd_nxt;
	info->rcv_nxt = ts->rcv_nxt;
	info->snd_wnd = ts->snd_wnd;
	info->rcv_wnd = ts->rcv_wnd;
	info->total_retrans = ts->total_retrans;
	info->reordering = ts->reordering;
	info->sacked = ts->sacked_out;
	if (ts->sack_ok && sk->sk_state != TCP_SYN_SENT)
		info->options |= TOY_INFO_OPT_SACK;
}

static int toy_getsockopt(struct socket *sock, int level, int optname,
			  char __user *optval, int __user *optlen)
{
	struct sock *sk = sock->sk;
	struct toy_sock *ts = toy_sk(sk);
	struct toy_info info;
	void *src = &info;
	int len, val;

	if (level != SOL_TOY)
		return -ENOPROTOOPT;
	if (get_user(len, optlen))
		return -EFAULT;
	if (len < 0)
		return -EINVAL;

	lock_sock(sk);
	switch (optname) {
	case TOY_NODELAY:
		val = ts->nodelay;
		break;
	case TOY_SYN_RETRIES:
		val = ts->syn_retries;
		break;
	case TOY_RETRIES:
		val = ts->retries;
		break;
	case TOY_RTO_MIN:
		val = ts->rto_min;
		break;
	case TOY_RTO_MAX:
		val = ts->rto_max;
		break;
	case TOY_KEEPIDLE:
		val = ts->keepidle;
		break;
	case TOY_KEEPINTVL:
		val = ts->keepintvl;
		break;
	case TOY_KEEPCNT:
		val = ts->keepcnt;
		break;
	case TOY_INFO:
		toy_get_info(sk, &info);
		release_sock(sk);
		len = min_t(int, len, sizeof(info));
		goto copy;
	default:
		release_sock(sk);
		return -ENOPROTOOPT;
	}
	release_sock(sk);
	src = &val;
	len = min_t(int, len, sizeof(val));
copy:
	if (put_user(len, optlen) || copy_to_user(optval, src, len))
		return -EFAULT;
	return 0;
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
