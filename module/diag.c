// SPDX-License-Identifier: GPL-2.0
/*
 * Toy Stream Protocol: sock_diag, what ss and toyss read.
 *
 * A dump walks the namespace's bind table (every socket with a port) under
 * its lock, filtered in the kernel by state and ports. SOCK_DESTROY finds
 * one connection by 4-tuple and cookie and aborts it through
 * sock_diag_destroy(), which checks CAP_NET_ADMIN.
 */
#include <linux/module.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <net/netlink.h>
#include <net/sock.h>
#include <net/tcp_states.h>

#include "toy.h"

static bool toy_diag_match(const struct sock *sk, const struct toy_diag_req *req)
{
	if (req->tdiag_states && !(req->tdiag_states & (1 << sk->sk_state)))
		return false;
	if (req->tdiag_sport && req->tdiag_sport != htons(sk->sk_num))
		return false;
	if (req->tdiag_dport && req->tdiag_dport != sk->sk_dport)
		return false;
	return true;
}

static int toy_diag_fill(struct sock *sk, struct sk_buff *skb, u32 portid,
			 u32 seq, u32 flags, struct user_namespace *ns)
{
	struct toy_sock *ts = toy_sk(sk);
	unsigned long expires = jiffies;
	struct toy_diag_msg *rep;
	struct toy_info info;
	struct nlmsghdr *nlh;

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
	rep->tdiag_uid = from_kuid_munged(ns, sock_i_uid(sk));
	rep->tdiag_inode = sock_i_ino(sk);
	sock_diag_save_cookie(sk, rep->tdiag_cookie);

	toy_get_info(sk, &info);
	if (nla_put(skb, TOY_DIAG_INFO, sizeof(info), &info) ||
	    sock_diag_put_meminfo(sk, skb, TOY_DIAG_MEMINFO) ||
	    nla_put_u8(skb, TOY_DIAG_SHUTDOWN, READ_ONCE(sk->sk_shutdown))) {
		nlmsg_cancel(skb, nlh);
		return -EMSGSIZE;
	}
	nlmsg_end(skb, nlh);
	return 0;
}

static int toy_diag_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	const struct toy_diag_req *req = nlmsg_data(cb->nlh);
	struct net *net = sock_net(skb->sk);
	struct toy_net *tn = toy_pernet(net);
	long skip = cb->args[0], i = 0;
	struct toy_sock *ts;
	int bkt;

	spin_lock_bh(&tn->lock);
	hash_for_each(tn->bind, bkt, ts, bind_node) {
		if (i++ < skip || !toy_diag_match(&ts->sk, req))
			continue;
		if (toy_diag_fill(&ts->sk, skb, NETLINK_CB(cb->skb).portid,
				  cb->nlh->nlmsg_seq, NLM_F_MULTI,
				  sk_user_ns(NETLINK_CB(cb->skb).sk)) < 0) {
			i--;
			break;
		}
	}
	spin_unlock_bh(&tn->lock);
	cb->args[0] = i;
	return skb->len;
}

/* Find the socket a SOCK_DESTROY request names; a reference is taken. */
static struct sock *toy_diag_find(struct net *net,
				  const struct toy_diag_req *req)
{
	struct toy_net *tn = toy_pernet(net);
	struct sock *found = NULL;
	struct toy_sock *ts;
	int bkt;

	spin_lock_bh(&tn->lock);
	hash_for_each(tn->bind, bkt, ts, bind_node) {
		struct sock *sk = &ts->sk;

		if (htons(sk->sk_num) != req->tdiag_sport ||
		    sk->sk_dport != req->tdiag_dport ||
		    sk->sk_rcv_saddr != req->tdiag_src ||
		    sk->sk_daddr != req->tdiag_dst ||
		    sock_diag_check_cookie(sk, req->tdiag_cookie))
			continue;
		sock_hold(sk);
		found = sk;
		break;
	}
	spin_unlock_bh(&tn->lock);
	return found;
}

static int toy_diag_handler_dump(struct sk_buff *skb, struct nlmsghdr *h)
{
	struct net *net = sock_net(skb->sk);

	if (nlmsg_len(h) < (int)sizeof(struct toy_diag_req))
		return -EINVAL;
	if (h->nlmsg_flags & NLM_F_DUMP) {
		struct netlink_dump_control c = {
			.dump = toy_diag_dump,
		};

		return netlink_dump_start(net->diag_nlsk, skb, h, &c);
	}
	return -EOPNOTSUPP;
}

static int toy_diag_handler_destroy(struct sk_buff *skb, struct nlmsghdr *h)
{
	struct net *net = sock_net(skb->sk);
	struct sock *sk;
	int err;

	if (nlmsg_len(h) < (int)sizeof(struct toy_diag_req))
		return -EINVAL;
	sk = toy_diag_find(net, nlmsg_data(h));
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
