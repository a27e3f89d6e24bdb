// SPDX-License-Identifier: GPL-2.0
/*
 * Toy Stream Protocol: socket options at level SOL_TOY.
 *
 * One table says everything about an option: the field of struct toy_sock
 * it lives in, its range and default, the floor under which a value needs
 * CAP_NET_ADMIN, and what must follow a change. setsockopt(), getsockopt()
 * and a new socket's defaults only read it; scripts/sockopt-check.py holds
 * the uapi header's comments and docs/protocol.md 15.3 to it. Two are
 * outside it: TOY_INFO, read-only, and TOY_CONGESTION, a name (cong.c).
 *
 * Functions local to this file carry no toy_ prefix.
 */
#include <linux/capability.h>
#include <linux/nospec.h>
#include <linux/sockptr.h>
#include <linux/uaccess.h>
#include <net/tcp_states.h>

#include "toy.h"

/**
 * struct toy_sockopt - one option at SOL_TOY, an int in user space
 * @offset: of its field in struct toy_sock
 * @size: of that field: 1, 2 or 4 bytes, unsigned (bool is 1)
 * @min: the smallest value accepted, else EINVAL
 * @max: the largest
 * @dflt: what a new socket starts with
 * @admin_below: values under it need CAP_NET_ADMIN in the socket's
 *	network namespace, else EPERM (0: none do)
 * @after_set: what a new value must start, or NULL; called with the
 *	socket locked
 *
 * Constant: the table is read without a lock.
 */
struct toy_sockopt {
	unsigned short offset;
	unsigned char size;
	int min;
	int max;
	int dflt;
	int admin_below;
	void (*after_set)(struct sock *sk);
};

/* The RTO follows its bounds at once: the upper bound wins if they cross. */
static void rto_bounds_set(struct sock *sk)
{
	struct toy_sock *ts = toy_sk(sk);

	ts->rto = toy_rto_clamp(ts, ts->rto);
}

/*
 * RTO bounds under the default floor make a socket retransmit every
 * millisecond: that is for the administrator of the namespace (as a
 * route's rto_min is for TCP), not for any user.
 */
static const struct toy_sockopt toy_sockopts[] = {
	[TOY_NODELAY] = {
		.offset = offsetof(struct toy_sock, nodelay),
		.size = sizeof_field(struct toy_sock, nodelay),
		.min = 0, .max = 1, .dflt = 0,
	},
	[TOY_SYN_RETRIES] = {
		.offset = offsetof(struct toy_sock, syn_retries),
		.size = sizeof_field(struct toy_sock, syn_retries),
		.min = 1, .max = 127, .dflt = TOY_SYN_RETRIES_DEF,
	},
	[TOY_RETRIES] = {
		.offset = offsetof(struct toy_sock, retries),
		.size = sizeof_field(struct toy_sock, retries),
		.min = 1, .max = 255, .dflt = TOY_RETRIES_DEF,
	},
	[TOY_RTO_MIN] = {
		.offset = offsetof(struct toy_sock, rto_min),
		.size = sizeof_field(struct toy_sock, rto_min),
		.min = 1, .max = 60000, .dflt = TOY_RTO_MIN_MS,
		.admin_below = TOY_RTO_MIN_MS, .after_set = rto_bounds_set,
	},
	[TOY_RTO_MAX] = {
		.offset = offsetof(struct toy_sock, rto_max),
		.size = sizeof_field(struct toy_sock, rto_max),
		.min = 1, .max = TOY_RTO_MAX_MS, .dflt = TOY_RTO_MAX_MS,
		.admin_below = TOY_RTO_MIN_MS, .after_set = rto_bounds_set,
	},
	[TOY_KEEPIDLE] = {
		.offset = offsetof(struct toy_sock, keepidle),
		.size = sizeof_field(struct toy_sock, keepidle),
		.min = 1, .max = TOY_KEEP_MAX, .dflt = TOY_KEEPIDLE_DEF,
		.after_set = toy_keepalive_reset,
	},
	[TOY_KEEPINTVL] = {
		.offset = offsetof(struct toy_sock, keepintvl),
		.size = sizeof_field(struct toy_sock, keepintvl),
		.min = 1, .max = TOY_KEEP_MAX, .dflt = TOY_KEEPINTVL_DEF,
	},
	[TOY_KEEPCNT] = {
		.offset = offsetof(struct toy_sock, keepcnt),
		.size = sizeof_field(struct toy_sock, keepcnt),
		.min = 1, .max = 127, .dflt = TOY_KEEPCNT_DEF,
	},
};

/* The entry of @name, or NULL (unknown, or TOY_INFO). */
static const struct toy_sockopt *lookup(int name)
{
	if (name < 0 || name >= ARRAY_SIZE(toy_sockopts) ||
	    !toy_sockopts[name].size)
		return NULL;
	return &toy_sockopts[array_index_nospec(name,
						ARRAY_SIZE(toy_sockopts))];
}

static int field_get(const struct toy_sock *ts, const struct toy_sockopt *o)
{
	const void *p = (const char *)ts + o->offset;

	switch (o->size) {
	case 1:
		return *(const u8 *)p;
	case 2:
		return *(const u16 *)p;
	default:
		return *(const u32 *)p;
	}
}

static void field_set(struct toy_sock *ts, const struct toy_sockopt *o,
		      int val)
{
	void *p = (char *)ts + o->offset;

	switch (o->size) {
	case 1:
		*(u8 *)p = val;
		break;
	case 2:
		*(u16 *)p = val;
		break;
	default:
		*(u32 *)p = val;
		break;
	}
}

/**
 * toy_sockopt_defaults - a new socket's option values
 * @ts: the socket, not yet visible to anyone else
 */
void toy_sockopt_defaults(struct toy_sock *ts)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(toy_sockopts); i++)
		if (toy_sockopts[i].size)
			field_set(ts, &toy_sockopts[i], toy_sockopts[i].dflt);
	ts->ca_ops = toy_cong_default();
}

/**
 * toy_sockopt_inherit - a child starts with its listener's option values
 * @ts: the child, not yet visible to anyone else
 * @lts: its listener, locked
 */
void toy_sockopt_inherit(struct toy_sock *ts, const struct toy_sock *lts)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(toy_sockopts); i++)
		if (toy_sockopts[i].size)
			field_set(ts, &toy_sockopts[i],
				  field_get(lts, &toy_sockopts[i]));
	ts->ca_ops = lts->ca_ops;
}

/*
 * TOY_CONGESTION: a name, NUL-terminated or not, as TCP_CONGESTION takes
 * it; ENOENT if no algorithm has it.
 */
static int set_congestion(struct sock *sk, sockptr_t optval,
			  unsigned int optlen)
{
	char name[TOY_CA_NAME_MAX];
	int err;

	if (optlen < 1)
		return -EINVAL;
	optlen = min_t(unsigned int, optlen, sizeof(name) - 1);
	if (copy_from_sockptr(name, optval, optlen))
		return -EFAULT;
	name[optlen] = 0;

	lock_sock(sk);
	err = toy_cong_set(sk, name);
	release_sock(sk);
	return err;
}

int toy_setsockopt(struct socket *sock, int level, int optname,
		   sockptr_t optval, unsigned int optlen)
{
	struct sock *sk = sock->sk;
	const struct toy_sockopt *o;
	int val;

	if (level != SOL_TOY || optname == TOY_INFO)
		return -ENOPROTOOPT;
	if (optname == TOY_CONGESTION)
		return set_congestion(sk, optval, optlen);
	if (optlen < sizeof(int))
		return -EINVAL;
	if (copy_from_sockptr(&val, optval, sizeof(val)))
		return -EFAULT;
	o = lookup(optname);
	if (!o)
		return -ENOPROTOOPT;
	if (val < o->min || val > o->max)
		return -EINVAL;
	if (val < o->admin_below &&
	    !ns_capable(sock_net(sk)->user_ns, CAP_NET_ADMIN))
		return -EPERM;

	lock_sock(sk);
	field_set(toy_sk(sk), o, val);
	if (o->after_set)
		o->after_set(sk);
	release_sock(sk);
	return 0;
}

/**
 * toy_get_info - the connection's state, as TOY_INFO and sock_diag give it
 * @sk: the socket, locked
 * @info: filled in whole
 */
void toy_get_info(struct sock *sk, struct toy_info *info)
{
	struct toy_sock *ts = toy_sk(sk);

	memset(info, 0, sizeof(*info));
	info->state = sk->sk_state;
	info->retransmits = ts->retransmits;
	info->mss = READ_ONCE(ts->mss);	/* toy_mtu_reduced() */
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
	info->options = toy_options_info(sk);
	info->ca_state = ts->ca_state;
	info->snd_cwnd = ts->snd_cwnd;
	info->snd_ssthresh = ts->snd_ssthresh;
	info->packets_out = ts->packets_out;
	info->lost = ts->lost_out;
	info->retrans = ts->retrans_out;
}

int toy_getsockopt(struct socket *sock, int level, int optname,
		   char __user *optval, int __user *optlen)
{
	struct sock *sk = sock->sk;
	const struct toy_sockopt *o;
	char name[TOY_CA_NAME_MAX] = {};
	struct toy_info info;
	void *src = &info;
	int len, val;

	if (level != SOL_TOY)
		return -ENOPROTOOPT;
	if (get_user(len, optlen))
		return -EFAULT;
	if (len < 0)
		return -EINVAL;
	o = lookup(optname);
	if (!o && optname != TOY_INFO && optname != TOY_CONGESTION)
		return -ENOPROTOOPT;

	lock_sock(sk);
	if (optname == TOY_CONGESTION) {
		strscpy(name, toy_sk(sk)->ca_ops->name, sizeof(name));
		src = name;
		len = min_t(int, len, sizeof(name));
	} else if (o) {
		val = field_get(toy_sk(sk), o);
		src = &val;
		len = min_t(int, len, sizeof(val));
	} else {
		toy_get_info(sk, &info);
		len = min_t(int, len, sizeof(info));
	}
	release_sock(sk);
	if (put_user(len, optlen) || copy_to_user(optval, src, len))
		return -EFAULT;
	return 0;
}

#if IS_ENABLED(CONFIG_TOY_KUNIT_TEST)
#include "test/sockopt-test.c"
#endif
