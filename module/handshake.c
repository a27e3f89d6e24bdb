// SPDX-License-Identifier: GPL-2.0
/*
 * Toy Stream Protocol: the three-way handshake, both ends of it.
 *
 * Active open: connect() picks the route and a port, sends the SYN
 * (do_connect()) and waits for SYN-SENT to end; the SYN-ACK that
 * acknowledges our SYN arrives in toy_rcv_syn_sent().
 *
 * Passive open, the listener's life cycle, as af_vsock.c's: a SYN creates
 * a child in SYN_RECV on the listener's syn_queue (toy_child_create()); the
 * final ACK (toy_rcv_syn_recv_ack()) moves it to accept_queue
 * (toy_child_established()); accept() takes it from there. A child that
 * dies first leaves its queue (toy_child_drop()); a listener that closes
 * resets what is still queued (toy_listen_stop()). The queues and the
 * listener's `accepting` flag are under its accept_lock. A full listener
 * makes room by evicting its oldest embryo (toy_listen_evict()).
 *
 * The state changes themselves are cells of the state table (fsm.c), whose
 * actions call back here to create, queue and drop children.
 */
#include <linux/ip.h>
#include <linux/sched/signal.h>
#include <net/ip.h>
#include <net/route.h>
#include <net/sock.h>
#include <net/tcp_states.h>

#include "toy.h"
#include "trace.h"

/*
 * The send side of a connection about to send its SYN or SYN-ACK, whose
 * addresses and ports are set. @options: the option flags to offer (SYN)
 * or agree to (SYN-ACK).
 */
static void init_send(struct sock *sk, u8 options)
{
	struct toy_sock *ts = toy_sk(sk);

	if (ts->ipv6)
		ts->iss = toy_isn6(&sk->sk_v6_rcv_saddr, &sk->sk_v6_daddr,
				   htons(sk->sk_num), sk->sk_dport);
	else
		ts->iss = toy_isn(sk->sk_rcv_saddr, sk->sk_daddr,
				  htons(sk->sk_num), sk->sk_dport);
	ts->snd_una = ts->iss;
	ts->snd_nxt = ts->iss + 1;
	ts->write_seq = ts->iss + 1;
	ts->ctl_when = toy_now_us();
	toy_recovery_init(sk);
	toy_options_set(sk, options);
	/* A route cached by an earlier attempt may lead elsewhere. */
	sk_dst_reset(sk);
}

/*
 * A closed socket about to connect again forgets the last connection, as
 * tcp_disconnect(): no EOF, no shutdown, and none of its bytes: unread
 * data of the old stream would be read at the new stream's numbers.
 */
static void disconnect(struct sock *sk)
{
	struct toy_sock *ts = toy_sk(sk);

	sock_owned_by_me(sk);
	__skb_queue_purge(&sk->sk_receive_queue);
	toy_rcvq_ooo_purge(sk);
	ts->rcv_nxt = 0;
	ts->copied_seq = 0;
	ts->rcv_wup = 0;
	ts->rcv_wnd = 0;
	ts->dsack = false;
	toy_ack_init(sk);
	ts->max_window = 0;
	ts->last_oow_ack = 0;
	WRITE_ONCE(sk->sk_err_soft, 0);
	WRITE_ONCE(sk->sk_shutdown, 0);
	sock_reset_flag(sk, SOCK_DONE);
	if (!(sk->sk_userlocks & SOCK_BINDADDR_LOCK)) {
		sk->sk_rcv_saddr = 0;
		sk->sk_v6_rcv_saddr = in6addr_any;
	}
}

/* Forget the peer connect() set, and the source address it chose. */
static void connect_undo(struct sock *sk)
{
	sk->sk_daddr = 0;
	sk->sk_v6_daddr = in6addr_any;
	sk->sk_dport = 0;
	if (!(sk->sk_userlocks & SOCK_BINDADDR_LOCK)) {
		sk->sk_rcv_saddr = 0;
		sk->sk_v6_rcv_saddr = in6addr_any;
	}
}

/* The peer and our address for connect() over IPv4. */
static int connect_addr4(struct sock *sk, const struct sockaddr_toy *sa)
{
	__be32 daddr = sa->stoy_addr.v4 ?: htonl(INADDR_LOOPBACK);
	__be32 saddr = sk->sk_rcv_saddr;
	int err;

	err = toy_route_saddr(sk, daddr, &saddr);
	if (err)
		return err;
	sk->sk_rcv_saddr = saddr;
	sk->sk_daddr = daddr;
	return 0;
}

/*
 * The same over IPv6 (tcp_v6_connect()): :: means the loopback, as
 * 0.0.0.0 does; a multicast or v4-mapped peer is unreachable to an
 * IPv6-only socket; a link-local one needs its interface (toy_scope6()),
 * which the socket is then bound to.
 */
static int connect_addr6(struct sock *sk, const struct sockaddr_toy *sa)
{
	struct in6_addr daddr = *(const struct in6_addr *)sa->stoy_addr.v6;
	struct in6_addr saddr = sk->sk_v6_rcv_saddr;
	int type, err, dif, bound = sk->sk_bound_dev_if;

	if (ipv6_addr_any(&daddr))
		daddr = in6addr_loopback;
	type = ipv6_addr_type(&daddr);
	if (type & (IPV6_ADDR_MULTICAST | IPV6_ADDR_MAPPED))
		return -ENETUNREACH;
	err = toy_scope6(sk, sa, &dif);
	if (err)
		return err;
	sk->sk_bound_dev_if = dif;
	err = toy_route_saddr6(sk, &daddr, &saddr);
	if (err) {
		sk->sk_bound_dev_if = bound;
		return err;
	}
	sk->sk_v6_rcv_saddr = saddr;
	sk->sk_v6_daddr = daddr;
	return 0;
}

static int do_connect(struct sock *sk, const struct sockaddr_toy *sa)
{
	struct toy_sock *ts = toy_sk(sk);
	int err;

	err = toy_set_ipver(sk, sa);
	if (err)
		return err;
	err = ts->ipv6 ? connect_addr6(sk, sa) : connect_addr4(sk, sa);
	if (err)
		return err;
	sk->sk_dport = sa->stoy_port;
	err = toy_hash_connect(sk);
	if (err) {
		connect_undo(sk);
		return err;
	}

	init_send(sk, toy_options_offer());
	/* As tcp_connect_init(): a new attempt gets a fresh SYN budget. */
	ts->retransmits = 0;
	ts->backoff = 0;
	ts->rto = toy_rto_clamp(ts, TOY_RTO_INIT_MS * USEC_PER_MSEC);
	TOY_INC_STATS(sock_net(sk), TOY_MIB_ACTIVEOPENS);
	toy_fsm_event(sk, TOY_EV_CONNECT, NULL);
	return 0;
}

static long wait_connect(struct sock *sk, long timeo)
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
		err = do_connect(sk, (struct sockaddr_toy *)uaddr);
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
		timeo = wait_connect(sk, timeo);
		if ((1 << sk->sk_state) & (TCPF_SYN_SENT | TCPF_SYN_RECV)) {
			if (signal_pending(current))
				return sock_intr_errno(timeo);
			return err;
		}
	}

	if (sk->sk_state == TCP_CLOSE) {
		err = sock_error(sk) ?: -ECONNABORTED;
		sock->state = SS_UNCONNECTED;
		disconnect(sk);
		return err;
	}
	sock->state = SS_CONNECTED;
	return 0;
}

int toy_connect(struct socket *sock, struct sockaddr *uaddr, int len,
		int flags)
{
	int err;

	lock_sock(sock->sk);
	err = __toy_connect(sock, uaddr, len, flags);
	release_sock(sock->sk);
	return err;
}

int toy_listen(struct socket *sock, int backlog)
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
			sk->sk_rcv_saddr = 0;
			sk->sk_v6_rcv_saddr = in6addr_any;
			err = toy_bind_port(sk, 0);
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

/*
 * The child's addresses are the SYN's, swapped; the route back must leave
 * from the address the SYN was sent to. Returns 0 if it does.
 */
static int child_addrs(struct sock *child, const struct sk_buff *skb)
{
	if (toy_sk(child)->ipv6) {
		const struct ipv6hdr *ip6h = ipv6_hdr(skb);
		struct in6_addr saddr = ip6h->daddr;

		child->sk_v6_daddr = ip6h->saddr;
		child->sk_v6_rcv_saddr = ip6h->daddr;
		/* A link-local peer is reached through where it came from. */
		if (ipv6_addr_type(&ip6h->saddr) & IPV6_ADDR_LINKLOCAL)
			child->sk_bound_dev_if = TOY_SKB_CB(skb)->iif;
		if (toy_route_saddr6(child, &ip6h->saddr, &saddr) ||
		    !ipv6_addr_equal(&saddr, &ip6h->daddr))
			return -EHOSTUNREACH;
	} else {
		const struct iphdr *iph = ip_hdr(skb);
		__be32 saddr = iph->daddr;

		child->sk_daddr = iph->saddr;
		child->sk_rcv_saddr = iph->daddr;
		if (toy_route_saddr(child, iph->saddr, &saddr) ||
		    saddr != iph->daddr)
			return -EHOSTUNREACH;
	}
	return 0;
}

/* toy_child_create() with BHs off: see there. */
static struct sock *child_create_bh(struct sock *lsk, struct sk_buff *skb)
{
	const struct toyhdr *th = (const struct toyhdr *)skb_transport_header(skb);
	struct toy_sock *lts = toy_sk(lsk), *ts;
	struct sock *child;

	sock_owned_by_me(lsk);
	child = sk_clone_lock(lsk, GFP_ATOMIC);
	if (!child)
		return NULL;
	/* sk_clone_lock() returns the child bh-locked. */
	__acquire(&child->sk_lock.slock);
	ts = toy_sk(child);
	toy_sock_init(child);
	toy_sockopt_inherit(ts, lts);
	ts->rto = toy_rto_clamp(ts, TOY_RTO_INIT_MS * USEC_PER_MSEC);
	child->sk_state = TCP_CLOSE;
	child->sk_ack_backlog = 0;
	child->sk_max_ack_backlog = 0;
	child->sk_dport = th->source;
	child->sk_num = lsk->sk_num;

	if (child_addrs(child, skb)) {
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
	init_send(child, toy_options_offer() & th->flags);

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
	child = child_create_bh(lsk, skb);
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

static int accept_locked(struct sock *sk, struct sock **childp, int flags)
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
	err = accept_locked(sk, &child, flags);
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

/* LISTEN: a SYN makes a child, if there is room (RST and ACK: fsm.c). */
void toy_rcv_listen(struct sock *sk, struct sk_buff *skb)
{
	const struct toyhdr *th = toy_hdr(skb);
	struct toy_sock *ts = toy_sk(sk);

	if (th->flags & TOYHDR_RST) {
		toy_fsm_event(sk, TOY_EV_RCV_RST, skb);
	} else if (th->flags & TOYHDR_ACK) {
		toy_fsm_event(sk, th->flags & TOYHDR_SYN ? TOY_EV_RCV_SYNACK :
			      TOY_EV_RCV_ACK, skb);
	} else if (th->flags & TOYHDR_SYN) {
		/*
		 * Both queues are bounded by the backlog, as
		 * sk_acceptq_is_full(). A flood of SYNs from addresses that
		 * never answer would fill them for good: the oldest
		 * embryonic connection makes room (toy_listen_evict()).
		 */
		if (READ_ONCE(ts->syn_qlen) + READ_ONCE(sk->sk_ack_backlog) >
		    READ_ONCE(sk->sk_max_ack_backlog) && !toy_listen_evict(sk)) {
			TOY_INC_STATS(sock_net(sk), TOY_MIB_LISTENOVERFLOWS);
			TOY_INC_STATS(sock_net(sk), TOY_MIB_LISTENDROPS);
			toy_drop_mark(skb, TOY_DROP_LISTEN_OVERFLOW);
			return;
		}
		if (toy_fsm_event(sk, TOY_EV_RCV_SYN, skb))
			TOY_INC_STATS(sock_net(sk), TOY_MIB_LISTENDROPS);
	}
}

/* Our SYN or SYN-ACK is acknowledged by @th: the send side starts. */
static void syn_acked(struct sock *sk, const struct toyhdr *th)
{
	struct toy_sock *ts = toy_sk(sk);

	ts->snd_una = ntohl(th->ack_seq);
	ts->snd_wnd = toy_hdr_window(th);
	ts->max_window = max(ts->max_window, ts->snd_wnd);
	ts->snd_wl1 = ntohl(th->seq);
	ts->snd_wl2 = ts->snd_una;
	/* Karn's rule: a retransmitted SYN gives no sample. */
	if (!ts->retransmits)
		toy_rtt_sample(ts, toy_now_us() - ts->ctl_when);
	ts->retransmits = 0;
	ts->backoff = 0;
	toy_rearm_rtx(sk, true);
}

/* SYN-SENT: the SYN-ACK that acknowledges our SYN, or what else came. */
void toy_rcv_syn_sent(struct sock *sk, struct sk_buff *skb)
{
	const struct toyhdr *th = toy_hdr(skb);
	struct toy_sock *ts = toy_sk(sk);
	u32 ack = ntohl(th->ack_seq);

	if ((th->flags & TOYHDR_ACK) && ack != ts->snd_nxt) {
		toy_reply_rst(sock_net(sk), skb);
		return;
	}
	if (th->flags & TOYHDR_RST) {
		if (th->flags & TOYHDR_ACK) {
			trace_toy_reset(sk, false);
			toy_fsm_event(sk, TOY_EV_RCV_RST, skb);
		}
		return;
	}
	if (!(th->flags & TOYHDR_SYN)) {
		if (th->flags & TOYHDR_ACK)
			toy_fsm_event(sk, TOY_EV_RCV_ACK, skb);
		return;
	}
	if (!(th->flags & TOYHDR_ACK)) {
		toy_fsm_event(sk, TOY_EV_RCV_SYN, skb);
		return;
	}

	ts->irs = ntohl(th->seq);
	ts->rcv_nxt = ts->irs + 1;
	ts->rcv_wup = ts->rcv_nxt;
	ts->copied_seq = ts->rcv_nxt;
	toy_options_set(sk, toy_options_syn(sk) & th->flags);
	syn_acked(sk, th);
	toy_fsm_event(sk, TOY_EV_RCV_SYNACK, skb);
}

/* SYN-RECEIVED: the ACK of our SYN-ACK completes the handshake. */
bool toy_rcv_syn_recv_ack(struct sock *sk, struct sk_buff *skb)
{
	const struct toyhdr *th = toy_hdr(skb);
	struct toy_sock *ts = toy_sk(sk);
	u32 ack = ntohl(th->ack_seq);

	if (ack != ts->snd_nxt) {
		toy_reply_rst(sock_net(sk), skb);
		return false;
	}
	syn_acked(sk, th);
	toy_fsm_event(sk, TOY_EV_RCV_ACK, skb);
	return true;
}
