// SPDX-License-Identifier: GPL-2.0
/*
 * Toy Stream Protocol: sock_diag, what ss and toyss read.
 *
 * A dump walks the namespace's bind table (every socket with a port) a
 * bucket at a time under its lock, filtered in the kernel by state and
 * ports; without CAP_NET_ADMIN, others' sequence numbers read 0.
 * SOCK_DESTROY needs CAP_NET_ADMIN, then finds one socket by 4-tuple and
 * cookie and aborts it through sock_diag_destroy().
 */
#include <linux/capability.h>
#include <linux/inet_diag.h>
#include <linux/module.h>
#include <linux/netlink.h>
#include <linux/rculist_nulls.h>
#include <linux/sock_diag.h>
#include <net/netlink.h>
#include <net/sock.h>
#include <net/tcp_states.h>

#include "toy.h"

static bool diag_match(const struct sock *sk, const struct toy_diag_req *req)
{
	if (req->tdiag_states && !(req->tdiag_states & (1 << sk->sk_state)))
		return false;
	if (req->tdiag_sport && req->tdiag_sport != htons(sk->sk_num))
		return false;
	if (req->tdiag_dport && req->tdiag_dport != sk->sk_dport)
		return false;
	return true;
}

static int put_addrs6(struct sk_buff *skb, const struct sock *sk)
{
	struct toy_diag_addrs6 a = {};

	memcpy(a.src, &sk->sk_v6_rcv_saddr, sizeof(a.src));
	memcpy(a.dst, &sk->sk_v6_daddr, sizeof(a.dst));
	a.scope_id = ipv6_iface_scope_id(&sk->sk_v6_rcv_saddr,
					 sk->sk_bound_dev_if);
	return nla_put(skb, TOY_DIAG_ADDRS6, sizeof(a), &a);
}

/*
 * What the requester may see. The absolute sequence numbers of a
 * connection are what it takes to inject into it blindly (RFC 5961): only
 * CAP_NET_ADMIN in the namespace (inet_diag's net_admin) and the socket's
 * owner get them; everybody else reads zeros there.
 */
struct toy_diag_who {
	bool net_admin;
	kuid_t uid;
	struct user_namespace *ns;
};

static int diag_fill(struct sock *sk, struct sk_buff *skb, u32 portid,
		     u32 seq, u32 flags, const struct toy_diag_who *who)
{
	struct toy_sock *ts = toy_sk(sk);
	unsigned long expires = jiffies;
	struct toy_diag_msg *rep;
	struct toy_info info;
	struct nlmsghdr *nlh;
	kuid_t uid;

	nlh = nlmsg_put(skb, portid, seq, SOCK_DIAG_BY_FAMILY, sizeof(*rep),
			flags);
	if (!nlh)
		return -EMSGSIZE;

	rep = nlmsg_data(nlh);
	memset(rep, 0, sizeof(*rep));
	rep->tdiag_family = toy_family;
	rep->tdiag_state = READ_ONCE(sk->sk_state);
	rep->tdiag_retrans = READ_ONCE(ts->retransmits);
	rep->tdiag_sport = htons(sk->sk_num);
	rep->tdiag_dport = sk->sk_dport;
	rep->tdiag_src = sk->sk_rcv_saddr;
	rep->tdiag_dst = sk->sk_daddr;
	if (timer_pending(&sk->sk_timer)) {
		rep->tdiag_timer = (1 << rep->tdiag_state) &
				   (TCPF_TIME_WAIT | TCPF_FIN_WAIT2) ?
				   TOY_TIMER_TIMEWAIT : TOY_TIMER_KEEPALIVE;
		expires = sk->sk_timer.expires;
	} else if (timer_pending(&ts->rtx_timer)) {
		rep->tdiag_timer = READ_ONCE(ts->timer_kind);
		expires = ts->rtx_timer.expires;
	}
	if (rep->tdiag_timer && time_after(expires, jiffies))
		rep->tdiag_expires = jiffies_to_msecs(expires - jiffies);
	if (rep->tdiag_state == TCP_LISTEN) {
		rep->tdiag_rqueue = READ_ONCE(sk->sk_ack_backlog);
		rep->tdiag_wqueue = READ_ONCE(sk->sk_max_ack_backlog);
	} else if (!((1 << rep->tdiag_state) &
		     (TCPF_CLOSE | TCPF_SYN_SENT | TCPF_SYN_RECV))) {
		rep->tdiag_rqueue = toy_inq(sk);
		rep->tdiag_wqueue = READ_ONCE(ts->write_seq) -
				    READ_ONCE(ts->snd_una);
	}
	uid = sock_i_uid(sk);
	rep->tdiag_uid = from_kuid_munged(who->ns, uid);
	rep->tdiag_inode = sock_i_ino(sk);
	sock_diag_save_cookie(sk, rep->tdiag_cookie);

	toy_get_info(sk, &info);
	if (!who->net_admin && !uid_eq(uid, who->uid)) {
		info.snd_una = 0;
		info.snd_nxt = 0;
		info.rcv_nxt = 0;
	}
	if (nla_put(skb, TOY_DIAG_INFO, sizeof(info), &info) ||
	    sock_diag_put_meminfo(sk, skb, TOY_DIAG_MEMINFO) ||
	    nla_put_u8(skb, TOY_DIAG_SHUTDOWN, READ_ONCE(sk->sk_shutdown)) ||
	    nla_put_string(skb, TOY_DIAG_CONG, READ_ONCE(ts->ca_ops)->name) ||
	    (ts->ipv6 && put_addrs6(skb, sk))) {
		nlmsg_cancel(skb, nlh);
		return -EMSGSIZE;
	}
	nlmsg_end(skb, nlh);
	return 0;
}

/* Dump state in cb->args: where to resume, and who asked. */
enum {
	TOY_DIAG_ARG_BUCKET,	/* bind table bucket */
	TOY_DIAG_ARG_OFFSET,	/* sockets of the bucket already walked */
	TOY_DIAG_ARG_ADMIN,	/* the requester has CAP_NET_ADMIN */
	TOY_DIAG_ARG_UID,	/* the requester's uid */
};

/*
 * Who asks is settled once, when the dump starts, as inet_diag_dump_start()
 * does: later parts of the dump run in whatever recvmsg() pulls them.
 */
static int toy_diag_dump_start(struct netlink_callback *cb)
{
	struct sock *nlsk = NETLINK_CB(cb->skb).sk;

	cb->args[TOY_DIAG_ARG_ADMIN] = netlink_net_capable(cb->skb,
							   CAP_NET_ADMIN);
	cb->args[TOY_DIAG_ARG_UID] = __kuid_val(sock_i_uid(nlsk));
	return 0;
}

/*
 * The bind table holds every socket with a port. Like inet_diag_dump_icsk(),
 * one bucket at a time under the lock, and each part of the dump resumes at
 * the bucket and offset where the last stopped, instead of walking again
 * from the start.
 */
static int toy_diag_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	const struct toy_diag_req *req = nlmsg_data(cb->nlh);
	struct toy_net *tn = toy_pernet(sock_net(skb->sk));
	long bucket = cb->args[TOY_DIAG_ARG_BUCKET];
	long skip = cb->args[TOY_DIAG_ARG_OFFSET];
	struct toy_diag_who who = {
		.net_admin = cb->args[TOY_DIAG_ARG_ADMIN],
		.uid = KUIDT_INIT(cb->args[TOY_DIAG_ARG_UID]),
		.ns = sk_user_ns(NETLINK_CB(cb->skb).sk),
	};

	for (; bucket < TOY_BIND_SIZE; bucket++, skip = 0) {
		struct hlist_nulls_node *node;
		struct toy_sock *ts;
		long i = 0;
		int err = 0;

		if (hlist_nulls_empty(&tn->bind[bucket]))
			continue;
		spin_lock_bh(&tn->lock);
		hlist_nulls_for_each_entry(ts, node, &tn->bind[bucket],
					   bind_node) {
			if (i++ < skip || !diag_match(&ts->sk, req))
				continue;
			err = diag_fill(&ts->sk, skb,
					NETLINK_CB(cb->skb).portid,
					cb->nlh->nlmsg_seq, NLM_F_MULTI,
					&who);
			if (err < 0) {
				i--;
				break;
			}
		}
		spin_unlock_bh(&tn->lock);
		if (err < 0) {
			skip = i;
			break;
		}
	}
	cb->args[TOY_DIAG_ARG_BUCKET] = bucket;
	cb->args[TOY_DIAG_ARG_OFFSET] = skip;
	return skb->len;
}

/*
 * Find the socket a SOCK_DESTROY request names, by its port's chain, with a
 * reference as inet_diag_find_one_icsk() takes one: never on a socket whose
 * count already dropped to zero.
 */
static struct sock *diag_find(struct net *net,
			      const struct toy_diag_req *req)
{
	struct toy_net *tn = toy_pernet(net);
	u16 port = ntohs(req->tdiag_sport);
	struct hlist_nulls_node *node;
	struct sock *found = NULL;
	struct toy_sock *ts;

	spin_lock_bh(&tn->lock);
	hlist_nulls_for_each_entry(ts, node, toy_bind_chain(tn, port),
				   bind_node) {
		struct sock *sk = &ts->sk;

		/* Its v4 fields are 0: an IPv6 socket goes by cookie alone. */
		if (ts->ipv6 && req->tdiag_cookie[0] == INET_DIAG_NOCOOKIE &&
		    req->tdiag_cookie[1] == INET_DIAG_NOCOOKIE)
			continue;
		if (sk->sk_num != port ||
		    sk->sk_dport != req->tdiag_dport ||
		    sk->sk_rcv_saddr != req->tdiag_src ||
		    sk->sk_daddr != req->tdiag_dst ||
		    sock_diag_check_cookie(sk, req->tdiag_cookie))
			continue;
		if (refcount_inc_not_zero(&sk->sk_refcnt))
			found = sk;
		break;
	}
	spin_unlock_bh(&tn->lock);
	return found;
}

/* The request is whole and its reserved fields are 0 (the uapi says so). */
static int diag_check_req(const struct nlmsghdr *h)
{
	const struct toy_diag_req *req = nlmsg_data(h);

	if (nlmsg_len(h) < (int)sizeof(*req))
		return -EINVAL;
	if (req->sdiag_protocol || req->pad)
		return -EINVAL;
	return 0;
}

static int toy_diag_handler_dump(struct sk_buff *skb, struct nlmsghdr *h)
{
	struct net *net = sock_net(skb->sk);
	int err;

	err = diag_check_req(h);
	if (err)
		return err;
	if (h->nlmsg_flags & NLM_F_DUMP) {
		struct netlink_dump_control c = {
			.start = toy_diag_dump_start,
			.dump = toy_diag_dump,
		};

		return netlink_dump_start(net->diag_nlsk, skb, h, &c);
	}
	return -EOPNOTSUPP;
}

/*
 * The capability first, before any lookup: an unprivileged requester
 * learns nothing (not even whether the socket exists) and never holds a
 * reference on another user's socket.
 */
static int toy_diag_handler_destroy(struct sk_buff *skb, struct nlmsghdr *h)
{
	struct net *net = sock_net(skb->sk);
	struct sock *sk;
	int err;

	err = diag_check_req(h);
	if (err)
		return err;
	if (!netlink_net_capable(skb, CAP_NET_ADMIN))
		return -EPERM;
	sk = diag_find(net, nlmsg_data(h));
	if (!sk)
		return -ENOENT;
	err = sock_diag_destroy(sk, ECONNABORTED);
	sock_put(sk);
	return err;
}

/* struct proto's diag_destroy: abort as tcp_abort() does. */
int toy_diag_abort(struct sock *sk, int err)
{
	lock_sock(sk);
	if (sk->sk_state == TCP_LISTEN) {
		toy_listen_stop(sk);
		toy_fsm_event(sk, TOY_EV_CLOSE, NULL);
	} else if (sk->sk_state != TCP_CLOSE) {
		WRITE_ONCE(sk->sk_err, err);
		sk_error_report(sk);
		toy_fsm_event(sk, TOY_EV_ABORT, NULL);
	}
	release_sock(sk);
	return 0;
}

static struct sock_diag_handler toy_diag_handler = {
	.owner = THIS_MODULE,
	.dump = toy_diag_handler_dump,
	.destroy = toy_diag_handler_destroy,
};

int toy_diag_init(void)
{
	toy_diag_handler.family = toy_family;
	return sock_diag_register(&toy_diag_handler);
}

void toy_diag_exit(void)
{
	sock_diag_unregister(&toy_diag_handler);
}
