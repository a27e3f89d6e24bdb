// SPDX-License-Identifier: GPL-2.0
/*
 * Toy Stream Protocol: the per-netns socket tables.
 *
 * Three hash tables, like TCP's bhash/lhash/ehash:
 *   bind   - every socket owning a local port (bind conflicts, ephemeral
 *            port choice, and the /proc listing),
 *   listen - listeners, found by the SYNs that create connections,
 *   est    - connections, found by 4-tuple for every other segment.
 * Writers hold toy_net.lock; the receive path reads under RCU and takes a
 * reference with refcount_inc_not_zero(), which is safe because sockets are
 * freed after a grace period (SOCK_RCU_FREE). Each entry holds a reference.
 */
#include <linux/jhash.h>
#include <linux/random.h>
#include <net/tcp_states.h>

#include "toy.h"

static u32 toy_hash_secret __read_mostly;

static u32 toy_ehashfn(__be32 laddr, u16 lport, __be32 faddr, __be16 fport)
{
	net_get_random_once(&toy_hash_secret, sizeof(toy_hash_secret));
	return jhash_3words((__force u32)laddr, (__force u32)faddr,
			    ((u32)lport << 16) | (__force u32)fport,
			    toy_hash_secret);
}

static u32 toy_sk_ehash(const struct sock *sk)
{
	return toy_ehashfn(sk->sk_rcv_saddr, sk->sk_num, sk->sk_daddr,
			   sk->sk_dport);
}

void toy_table_init(struct toy_net *tn)
{
	spin_lock_init(&tn->lock);
	hash_init(tn->bind);
	hash_init(tn->listen);
	hash_init(tn->est);
	tn->port_rover = get_random_u32();
}

/* Would binding @sk to @addr:@port clash with a socket already bound? */
static bool toy_bind_conflict(struct toy_net *tn, const struct sock *sk,
			      __be32 addr, u16 port)
{
	struct toy_sock *other;

	lockdep_assert_held(&tn->lock);

	hash_for_each_possible(tn->bind, other, bind_node, port) {
		const struct sock *osk = &other->sk;

		if (osk == sk || osk->sk_num != port)
			continue;
		if (addr && osk->sk_rcv_saddr && addr != osk->sk_rcv_saddr)
			continue;
		/* SO_REUSEADDR on both, and the other is not listening. */
		if (sk->sk_reuse && osk->sk_reuse && osk->sk_state != TCP_LISTEN)
			continue;
		return true;
	}
	return false;
}

static int toy_pick_port(struct toy_net *tn, const struct sock *sk,
			 __be32 addr)
{
	const u32 range = TOY_EPHEMERAL_HIGH - TOY_EPHEMERAL_LOW + 1;
	u32 i;

	for (i = 0; i < range; i++) {
		u16 port = TOY_EPHEMERAL_LOW + (tn->port_rover + i) % range;

		if (!toy_bind_conflict(tn, sk, addr, port)) {
			tn->port_rover += i + 1;
			return port;
		}
	}
	return -EADDRINUSE;
}

/**
 * toy_bind_port - give @sk a local address and port
 * @sk: an unbound socket, locked by its owner (or a new child)
 * @addr: local address, or 0 for any
 * @port: local port, or 0 for an ephemeral one
 *
 * Return: 0 or -EADDRINUSE.
 */
int toy_bind_port(struct sock *sk, __be32 addr, u16 port)
{
	struct toy_net *tn = toy_pernet(sock_net(sk));
	struct toy_sock *ts = toy_sk(sk);
	int ret = 0;

	spin_lock_bh(&tn->lock);
	if (!port) {
		ret = toy_pick_port(tn, sk, addr);
		if (ret < 0)
			goto out;
		port = ret;
		ret = 0;
	} else if (toy_bind_conflict(tn, sk, addr, port)) {
		ret = -EADDRINUSE;
		goto out;
	}
	sk->sk_rcv_saddr = addr;
	sk->sk_num = port;
	sock_hold(sk);
	hash_add_rcu(tn->bind, &ts->bind_node, port);
	ts->in_bind = true;
out:
	spin_unlock_bh(&tn->lock);
	return ret;
}

/* A listener's child shares its port: no conflict check, as TCP's bhash. */
void toy_bind_child(struct sock *child)
{
	struct toy_net *tn = toy_pernet(sock_net(child));
	struct toy_sock *ts = toy_sk(child);

	spin_lock_bh(&tn->lock);
	sock_hold(child);
	hash_add_rcu(tn->bind, &ts->bind_node, child->sk_num);
	ts->in_bind = true;
	spin_unlock_bh(&tn->lock);
}

/* Called with tn->lock held; the caller drops the references. */
static int __toy_unbind(struct toy_sock *ts)
{
	if (!ts->in_bind)
		return 0;
	hash_del_rcu(&ts->bind_node);
	ts->in_bind = false;
	ts->sk.sk_num = 0;
	return 1;
}

static int __toy_unhash(struct toy_sock *ts)
{
	if (!ts->in_hash)
		return 0;
	hash_del_rcu(&ts->hash_node);
	ts->in_hash = false;
	return 1;
}

static void toy_drop_refs(struct sock *sk, int refs)
{
	while (refs--)
		sock_put(sk);
}

/* Release the local port of a socket that is no longer connected. */
void toy_unbind(struct sock *sk)
{
	struct toy_net *tn = toy_pernet(sock_net(sk));
	int refs;

	spin_lock_bh(&tn->lock);
	refs = __toy_unhash(toy_sk(sk)) + __toy_unbind(toy_sk(sk));
	spin_unlock_bh(&tn->lock);
	toy_drop_refs(sk, refs);
}

void toy_hash_listen(struct sock *sk)
{
	struct toy_net *tn = toy_pernet(sock_net(sk));
	struct toy_sock *ts = toy_sk(sk);

	spin_lock_bh(&tn->lock);
	if (!ts->in_hash) {
		sock_hold(sk);
		hash_add_rcu(tn->listen, &ts->hash_node, sk->sk_num);
		ts->in_hash = true;
	}
	spin_unlock_bh(&tn->lock);
}

/**
 * toy_hash_est - enter a connection in the 4-tuple table
 * @sk: a bound socket whose peer address and port are set
 *
 * Return: 0, or -EADDRNOTAVAIL if the 4-tuple is already in use.
 */
int toy_hash_est(struct sock *sk)
{
	struct toy_net *tn = toy_pernet(sock_net(sk));
	struct toy_sock *ts = toy_sk(sk), *other;
	u32 hash = toy_sk_ehash(sk);
	int ret = 0;

	spin_lock_bh(&tn->lock);
	hash_for_each_possible(tn->est, other, hash_node, hash) {
		struct sock *osk = &other->sk;

		if (osk->sk_num == sk->sk_num &&
		    osk->sk_rcv_saddr == sk->sk_rcv_saddr &&
		    osk->sk_daddr == sk->sk_daddr &&
		    osk->sk_dport == sk->sk_dport) {
			ret = -EADDRNOTAVAIL;
			goto out;
		}
	}
	sock_hold(sk);
	hash_add_rcu(tn->est, &ts->hash_node, hash);
	ts->in_hash = true;
out:
	spin_unlock_bh(&tn->lock);
	return ret;
}

/*
 * A connection reached CLOSED: leave the listen/est table, and the bind
 * table too unless a file still owns a port the user bound explicitly.
 */
void toy_unhash(struct sock *sk)
{
	struct toy_net *tn = toy_pernet(sock_net(sk));
	struct toy_sock *ts = toy_sk(sk);
	int refs;

	spin_lock_bh(&tn->lock);
	refs = __toy_unhash(ts);
	if (!sk->sk_socket || !(sk->sk_userlocks & SOCK_BINDPORT_LOCK))
		refs += __toy_unbind(ts);
	spin_unlock_bh(&tn->lock);
	toy_drop_refs(sk, refs);
}

static struct sock *toy_lookup_est(struct toy_net *tn, __be32 saddr,
				   __be16 sport, __be32 daddr, u16 port)
{
	u32 hash = toy_ehashfn(daddr, port, saddr, sport);
	struct toy_sock *ts;

	hash_for_each_possible_rcu(tn->est, ts, hash_node, hash) {
		struct sock *sk = &ts->sk;

		if (sk->sk_num != port || sk->sk_dport != sport ||
		    sk->sk_daddr != saddr || sk->sk_rcv_saddr != daddr)
			continue;
		if (!refcount_inc_not_zero(&sk->sk_refcnt))
			continue;
		/* Re-check: the socket may have been rehashed meanwhile. */
		if (sk->sk_num == port && sk->sk_dport == sport &&
		    sk->sk_daddr == saddr && sk->sk_rcv_saddr == daddr)
			return sk;
		sock_put(sk);
	}
	return NULL;
}

static struct sock *toy_lookup_listener(struct toy_net *tn, __be32 daddr,
					u16 port)
{
	struct sock *best = NULL;
	struct toy_sock *ts;

	hash_for_each_possible_rcu(tn->listen, ts, hash_node, port) {
		struct sock *sk = &ts->sk;

		if (sk->sk_num != port ||
		    READ_ONCE(sk->sk_state) != TCP_LISTEN)
			continue;
		if (sk->sk_rcv_saddr == daddr) {
			best = sk;
			break;
		}
		if (!sk->sk_rcv_saddr && !best)
			best = sk;
	}
	if (best && !refcount_inc_not_zero(&best->sk_refcnt))
		best = NULL;
	return best;
}

/**
 * toy_lookup - find the socket a segment is for
 * @net: namespace the segment arrived in
 * @saddr: source address (the peer)
 * @sport: source port
 * @daddr: destination address (ours)
 * @dport: destination port
 *
 * Return: a referenced socket (connection first, then listener), or NULL.
 */
struct sock *toy_lookup(struct net *net, __be32 saddr, __be16 sport,
			__be32 daddr, __be16 dport)
{
	struct toy_net *tn = toy_pernet(net);
	u16 port = ntohs(dport);
	struct sock *sk;

	rcu_read_lock();
	sk = toy_lookup_est(tn, saddr, sport, daddr, port);
	if (!sk)
		sk = toy_lookup_listener(tn, daddr, port);
	rcu_read_unlock();
	return sk;
}
