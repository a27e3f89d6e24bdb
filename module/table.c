// SPDX-License-Identifier: GPL-2.0
/*
 * Toy Stream Protocol: the per-netns socket tables.
 *
 * Three hash tables, like TCP's bhash/lhash/ehash:
 *   bind   - every socket owning a local port (bind conflicts, ephemeral
 *            port choice, /proc and sock_diag), by port,
 *   listen - listeners, found by the SYNs that create connections,
 *   est    - connections, found by 4-tuple for every other segment.
 * Writers hold toy_net.lock; the receive path reads under RCU and takes a
 * reference with refcount_inc_not_zero(), which is safe because sockets are
 * freed after a grace period (SOCK_RCU_FREE). Each entry holds a reference.
 *
 * The chains are hlist_nulls, as TCP's ehash: each ends in a marker whose
 * value names its table and bucket. A socket leaves a chain with
 * hlist_nulls_del_init_rcu(), which keeps its ->next for readers standing
 * on it, and may be added to another chain at once, with no grace period in
 * between (a connection that closes and connects again, a listener that
 * stops and connects): a reader standing on it then follows it into the
 * other chain and would miss the rest of its own, so the RCU lookups check
 * the marker they end on and start over if it is not their bucket's
 * (__inet_lookup_established() does the same). Those under the lock never
 * see a socket move.
 *
 * Ports (inet_csk_get_port(), __inet_hash_connect()): bind() and listen()
 * take a port for themselves, checked against every socket bound to it.
 * connect() takes an ephemeral port from net.ipv4.ip_local_port_range,
 * starting at an offset hashed from the destination (RFC 6056 3.3.4, as
 * TCP), and may share it with other connections that connect() made, as
 * long as the 4-tuple is unique in the est table, TIME_WAIT included. The
 * searches take the lock one port at a time and reschedule in between, so
 * softirqs never wait for a whole range.
 */
#include <linux/hash.h>
#include <linux/jhash.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/random.h>
#include <linux/rculist_nulls.h>
#include <linux/sched.h>
#include <net/ip.h>
#include <net/secure_seq.h>
#include <net/tcp_states.h>

#include "toy.h"

/* The nulls values ending the chains: one per bucket, none shared. */
#define TOY_NULLS_BIND		0U
#define TOY_NULLS_LISTEN	(TOY_NULLS_BIND + TOY_BIND_SIZE)
#define TOY_NULLS_EST		(TOY_NULLS_LISTEN + TOY_LISTEN_SIZE)

/*
 * Per-destination perturbation of the ephemeral port offset, moved on by
 * every connect(), as TCP's table_perturb (RFC 6056 3.3.4 "Algorithm 4").
 */
#define TOY_PERTURB_SIZE	256
static u32 toy_port_perturb[TOY_PERTURB_SIZE];

static u32 toy_hash_secret __read_mostly;

static u32 ehashfn(__be32 laddr, u16 lport, __be32 faddr, __be16 fport)
{
	net_get_random_once(&toy_hash_secret, sizeof(toy_hash_secret));
	return jhash_3words((__force u32)laddr, (__force u32)faddr,
			    ((u32)lport << 16) | (__force u32)fport,
			    toy_hash_secret);
}

static u32 ehashfn6(const struct in6_addr *laddr, u16 lport,
		    const struct in6_addr *faddr, __be16 fport)
{
	net_get_random_once(&toy_hash_secret, sizeof(toy_hash_secret));
	return jhash_3words(__ipv6_addr_jhash(laddr, toy_hash_secret),
			    __ipv6_addr_jhash(faddr, toy_hash_secret),
			    ((u32)lport << 16) | (__force u32)fport,
			    toy_hash_secret);
}

static u32 est_slot(const struct toy_net *tn, __be32 laddr, u16 lport,
		    __be32 faddr, __be16 fport)
{
	return ehashfn(laddr, lport, faddr, fport) & tn->est_mask;
}

static u32 est_slot6(const struct toy_net *tn, const struct in6_addr *laddr,
		     u16 lport, const struct in6_addr *faddr, __be16 fport)
{
	return ehashfn6(laddr, lport, faddr, fport) & tn->est_mask;
}

/* The est bucket of connection @sk with local port @lport. */
static u32 sk_est_slot(const struct toy_net *tn, const struct sock *sk,
		       u16 lport)
{
	if (toy_sk(sk)->ipv6)
		return est_slot6(tn, &sk->sk_v6_rcv_saddr, lport,
				 &sk->sk_v6_daddr, sk->sk_dport);
	return est_slot(tn, sk->sk_rcv_saddr, lport, sk->sk_daddr,
			sk->sk_dport);
}

/* Is @sk's local address the wildcard? */
static bool laddr_any(const struct sock *sk)
{
	if (toy_sk(sk)->ipv6)
		return ipv6_addr_any(&sk->sk_v6_rcv_saddr);
	return !sk->sk_rcv_saddr;
}

/* Same IP version and the same local address? */
static bool laddr_eq(const struct sock *a, const struct sock *b)
{
	if (toy_sk(a)->ipv6 != toy_sk(b)->ipv6)
		return false;
	if (toy_sk(a)->ipv6)
		return ipv6_addr_equal(&a->sk_v6_rcv_saddr, &b->sk_v6_rcv_saddr);
	return a->sk_rcv_saddr == b->sk_rcv_saddr;
}

/* Same IP version and the same 4-tuple but for the local port? */
static bool tuple_eq(const struct sock *a, const struct sock *b)
{
	if (!laddr_eq(a, b) || a->sk_dport != b->sk_dport)
		return false;
	if (toy_sk(a)->ipv6)
		return ipv6_addr_equal(&a->sk_v6_daddr, &b->sk_v6_daddr);
	return a->sk_daddr == b->sk_daddr;
}

static u32 bind_slot(u16 port)
{
	return hash_32(port, TOY_BIND_BITS);
}

static u32 listen_slot(u16 port)
{
	return hash_32(port, TOY_LISTEN_BITS);
}

/* The chain of the bind table that holds @port (proc.c and diag.c too). */
struct hlist_nulls_head *toy_bind_chain(struct toy_net *tn, u16 port)
{
	return &tn->bind[bind_slot(port)];
}

/*
 * Buckets of a namespace's est table. The initial namespace's is sized
 * from memory as TCP's ehash is (tcp_init(): one bucket per 128 KB, at
 * most 512K), so that a lookup walks a short chain at any number of
 * connections memory allows. Other namespaces get TOY_EST_MIN, as TCP's
 * own tables for them are opt-in (tcp_child_ehash_entries): a user
 * namespace lets anyone make namespaces.
 */
static unsigned long est_size(const struct net *net)
{
	unsigned long n;

	if (!net_eq(net, &init_net))
		return TOY_EST_MIN;
	n = totalram_pages() >> max(17 - PAGE_SHIFT, 0);
	return roundup_pow_of_two(clamp(n, TOY_EST_MIN, TOY_EST_MAX));
}

/**
 * toy_table_init - the empty tables of a new namespace
 * @net: the namespace
 * @tn: its state
 *
 * Return: 0 or -ENOMEM.
 */
int toy_table_init(struct net *net, struct toy_net *tn)
{
	unsigned long i, size = est_size(net);

	tn->est = kvmalloc_array(size, sizeof(*tn->est), GFP_KERNEL);
	if (!tn->est)
		return -ENOMEM;
	tn->est_mask = size - 1;
	spin_lock_init(&tn->lock);
	for (i = 0; i < TOY_BIND_SIZE; i++)
		INIT_HLIST_NULLS_HEAD(&tn->bind[i], TOY_NULLS_BIND + i);
	for (i = 0; i < TOY_LISTEN_SIZE; i++)
		INIT_HLIST_NULLS_HEAD(&tn->listen[i], TOY_NULLS_LISTEN + i);
	for (i = 0; i < size; i++)
		INIT_HLIST_NULLS_HEAD(&tn->est[i], TOY_NULLS_EST + i);
	return 0;
}

/* The namespace is going: its sockets are all gone from the tables. */
void toy_table_exit(struct toy_net *tn)
{
	kvfree(tn->est);
}

/* A listener, or about to be one: toy_hash_listen() has taken the port. */
static bool listening(const struct sock *sk)
{
	return sk->sk_state == TCP_LISTEN || toy_sk(sk)->in_listen;
}

/*
 * Would @sk own its local address and @port alongside the sockets bound to
 * it? SO_REUSEADDR on both lets them share it while neither listens, as
 * TCP's inet_bind_conflict() (relaxed, without SO_REUSEPORT). Sockets of
 * the other IP version never conflict: an IPv6 socket is IPv6-only
 * (IPV6_V6ONLY), so the two families' wildcards may share a port.
 */
static bool bind_conflict(struct toy_net *tn, const struct sock *sk, u16 port)
{
	struct hlist_nulls_node *node;
	struct toy_sock *other;

	lockdep_assert_held(&tn->lock);

	hlist_nulls_for_each_entry(other, node, toy_bind_chain(tn, port),
				   bind_node) {
		const struct sock *osk = &other->sk;

		if (osk == sk || osk->sk_num != port ||
		    other->ipv6 != toy_sk(sk)->ipv6)
			continue;
		if (!laddr_any(sk) && !laddr_any(osk) && !laddr_eq(sk, osk))
			continue;
		if (sk->sk_reuse && osk->sk_reuse && !listening(osk))
			continue;
		return true;
	}
	return false;
}

static void __toy_bind(struct toy_net *tn, struct sock *sk, u16 port)
{
	struct toy_sock *ts = toy_sk(sk);

	lockdep_assert_held(&tn->lock);
	sk->sk_num = port;
	sock_hold(sk);
	hlist_nulls_add_head_rcu(&ts->bind_node, toy_bind_chain(tn, port));
	ts->in_bind = true;
}

/*
 * A free port for bind(port 0) or listen() without bind(), as
 * inet_csk_find_open_port(): from a random point of the range, odd ports
 * first (connect() starts with even ones), one port per lock hold.
 */
static int pick_port(struct toy_net *tn, struct sock *sk)
{
	struct net *net = sock_net(sk);
	u32 remaining, offset, i;
	int low, high, port;

	inet_get_local_port_range(net, &low, &high);
	high++;
	remaining = high - low;
	if (likely(remaining > 1))
		remaining &= ~1U;
	offset = get_random_u32_below(remaining) | 1U;
other_parity:
	port = low + offset;
	for (i = 0; i < remaining; i += 2, port += 2) {
		bool taken;

		if (unlikely(port >= high))
			port -= remaining;
		if (inet_is_local_reserved_port(net, port))
			continue;
		spin_lock_bh(&tn->lock);
		taken = bind_conflict(tn, sk, port);
		if (!taken)
			__toy_bind(tn, sk, port);
		spin_unlock_bh(&tn->lock);
		if (!taken)
			return 0;
		cond_resched();
	}
	offset--;
	if (!(offset & 1))
		goto other_parity;
	return -EADDRINUSE;
}

/**
 * toy_bind_port - give @sk a local port
 * @sk: an unbound socket, locked by its owner (process context), its local
 *	address (or the wildcard) and IP version set
 * @port: local port, or 0 for one from ip_local_port_range
 *
 * Return: 0 or -EADDRINUSE.
 */
int toy_bind_port(struct sock *sk, u16 port)
{
	struct toy_net *tn = toy_pernet(sock_net(sk));
	int ret = 0;

	sock_owned_by_me(sk);
	if (!port)
		return pick_port(tn, sk);

	spin_lock_bh(&tn->lock);
	if (bind_conflict(tn, sk, port))
		ret = -EADDRINUSE;
	else
		__toy_bind(tn, sk, port);
	spin_unlock_bh(&tn->lock);
	return ret;
}

/* A listener's child shares its port: no conflict check, as TCP's bhash. */
void toy_bind_child(struct sock *child)
{
	struct toy_net *tn = toy_pernet(sock_net(child));

	spin_lock_bh(&tn->lock);
	__toy_bind(tn, child, child->sk_num);
	spin_unlock_bh(&tn->lock);
}

/* Called with tn->lock held; the caller drops the references. */
static int __toy_unbind(struct toy_sock *ts)
{
	if (!ts->in_bind)
		return 0;
	hlist_nulls_del_init_rcu(&ts->bind_node);
	ts->in_bind = false;
	ts->connect_port = false;
	ts->sk.sk_num = 0;
	return 1;
}

static int __toy_unhash(struct toy_sock *ts)
{
	if (!ts->in_hash)
		return 0;
	hlist_nulls_del_init_rcu(&ts->hash_node);
	ts->in_hash = false;
	ts->in_listen = false;
	return 1;
}

static void drop_refs(struct sock *sk, int refs)
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
	drop_refs(sk, refs);
}

/**
 * toy_hash_listen - enter a bound socket in the listen table
 * @sk: the socket, bound, locked by its owner, about to enter LISTEN
 *
 * The port is checked again first, as inet_csk_listen_start() calls
 * get_port(): a socket that shared it through SO_REUSEADDR while neither
 * listened must not listen beside another listener, or it would take
 * connections meant for that one (whoever owns it). The check and the
 * insertion are one critical section, so two listen() calls cannot both
 * pass; until the state machine says LISTEN, @in_listen stands for it.
 *
 * Return: 0, or -EADDRINUSE.
 */
int toy_hash_listen(struct sock *sk)
{
	struct toy_net *tn = toy_pernet(sock_net(sk));
	struct toy_sock *ts = toy_sk(sk);
	int ret = 0;

	spin_lock_bh(&tn->lock);
	if (ts->in_hash)
		goto out;
	if (bind_conflict(tn, sk, sk->sk_num)) {
		ret = -EADDRINUSE;
		goto out;
	}
	sock_hold(sk);
	hlist_nulls_add_head_rcu(&ts->hash_node,
				 &tn->listen[listen_slot(sk->sk_num)]);
	ts->in_hash = true;
	ts->in_listen = true;
out:
	spin_unlock_bh(&tn->lock);
	return ret;
}

/* Is the 4-tuple of @sk, with local port @port, in the est table? */
static bool est_taken(struct toy_net *tn, const struct sock *sk, u16 port)
{
	u32 slot = sk_est_slot(tn, sk, port);
	struct hlist_nulls_node *node;
	struct toy_sock *other;

	lockdep_assert_held(&tn->lock);

	hlist_nulls_for_each_entry(other, node, &tn->est[slot], hash_node) {
		const struct sock *osk = &other->sk;

		if (osk != sk && osk->sk_num == port && tuple_eq(osk, sk))
			return true;
	}
	return false;
}

static void __toy_hash_est(struct toy_net *tn, struct sock *sk)
{
	struct toy_sock *ts = toy_sk(sk);
	u32 slot = sk_est_slot(tn, sk, sk->sk_num);

	sock_hold(sk);
	hlist_nulls_add_head_rcu(&ts->hash_node, &tn->est[slot]);
	ts->in_hash = true;
}

/**
 * toy_hash_est - enter a bound connection in the 4-tuple table
 * @sk: a bound socket whose peer address and port are set
 *
 * Return: 0, or -EADDRNOTAVAIL if the 4-tuple is already in use.
 */
int toy_hash_est(struct sock *sk)
{
	struct toy_net *tn = toy_pernet(sock_net(sk));
	int ret = 0;

	spin_lock_bh(&tn->lock);
	if (est_taken(tn, sk, sk->sk_num))
		ret = -EADDRNOTAVAIL;
	else
		__toy_hash_est(tn, sk);
	spin_unlock_bh(&tn->lock);
	return ret;
}

/*
 * May connect() use @port for @sk? Only if every socket bound to it got it
 * from connect() too (a port taken by bind() or listen() is its owner's,
 * as TCP's bind buckets with fastreuse >= 0), and the 4-tuple is free.
 */
static bool port_connectable(struct toy_net *tn, const struct sock *sk,
			     u16 port)
{
	struct hlist_nulls_node *node;
	struct toy_sock *other;

	lockdep_assert_held(&tn->lock);

	hlist_nulls_for_each_entry(other, node, toy_bind_chain(tn, port),
				   bind_node)
		if (other->sk.sk_num == port && !other->connect_port)
			return false;
	return !est_taken(tn, sk, port);
}

/* __inet_hash_connect() for a socket without a port. */
static int connect_port(struct toy_net *tn, struct sock *sk)
{
	struct net *net = sock_net(sk);
	u32 remaining, offset, index, i;
	u64 port_offset;
	int low, high, port;

	if (toy_sk(sk)->ipv6)
		port_offset = secure_ipv6_port_ephemeral(sk->sk_v6_rcv_saddr.s6_addr32,
							 sk->sk_v6_daddr.s6_addr32,
							 sk->sk_dport);
	else
		port_offset = secure_ipv4_port_ephemeral(sk->sk_rcv_saddr,
							 sk->sk_daddr,
							 sk->sk_dport);
	get_random_once(toy_port_perturb, sizeof(toy_port_perturb));
	index = port_offset & (TOY_PERTURB_SIZE - 1);

	inet_get_local_port_range(net, &low, &high);
	high++;
	remaining = high - low;
	if (likely(remaining > 1))
		remaining &= ~1U;
	offset = READ_ONCE(toy_port_perturb[index]) + (port_offset >> 32);
	offset %= remaining;
	/* Even ports first: bind() starts with odd ones. */
	offset &= ~1U;
other_parity:
	port = low + offset;
	for (i = 0; i < remaining; i += 2, port += 2) {
		bool ok;

		if (unlikely(port >= high))
			port -= remaining;
		if (inet_is_local_reserved_port(net, port))
			continue;
		spin_lock_bh(&tn->lock);
		ok = port_connectable(tn, sk, port);
		if (ok) {
			__toy_bind(tn, sk, port);
			toy_sk(sk)->connect_port = true;
			__toy_hash_est(tn, sk);
		}
		spin_unlock_bh(&tn->lock);
		if (ok)
			goto found;
		cond_resched();
	}
	offset++;
	if ((offset & 1) && remaining > 1)
		goto other_parity;
	return -EADDRNOTAVAIL;

found:
	/*
	 * The next connection to this destination starts a little further
	 * on, by a random step while ports are plenty (TCP's reasoning).
	 */
	i = max_t(u32, i, get_random_u32_below(8) * 2);
	WRITE_ONCE(toy_port_perturb[index],
		   READ_ONCE(toy_port_perturb[index]) + i + 2);
	return 0;
}

/**
 * toy_hash_connect - a port and the est table for a connecting socket
 * @sk: locked by its owner, its local address and peer address and port
 *	set; bound by bind() or not bound at all
 *
 * An unbound socket gets an ephemeral port whose 4-tuple is unique, and
 * enters both tables at once (inet_hash_connect()).
 *
 * Return: 0, or -EADDRNOTAVAIL (no free 4-tuple).
 */
int toy_hash_connect(struct sock *sk)
{
	struct toy_net *tn = toy_pernet(sock_net(sk));

	if (toy_sk(sk)->in_bind)
		return toy_hash_est(sk);
	return connect_port(tn, sk);
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
	drop_refs(sk, refs);
}

/**
 * struct toy_key - what a received segment is looked up by
 * @v6: the version of the addresses that are set
 * @saddr: IPv4 source, the peer
 * @daddr: IPv4 destination, us
 * @saddr6: IPv6 source
 * @daddr6: IPv6 destination
 * @sport: the peer's port
 * @port: ours, host order
 * @dif: the device it came in through (IPv6: a socket bound to another
 *	one does not hear it)
 *
 * On the stack of toy_lookup() or toy_lookup6() for one lookup.
 */
struct toy_key {
	bool v6;
	__be32 saddr, daddr;
	const struct in6_addr *saddr6, *daddr6;
	__be16 sport;
	u16 port;
	int dif;
};

/* An IPv6 socket bound to a device (a link-local one is) hears only it. */
static bool dev_ok(const struct sock *sk, const struct toy_key *k)
{
	int bound = READ_ONCE(sk->sk_bound_dev_if);

	return !k->v6 || !bound || bound == k->dif;
}

static bool est_match(const struct sock *sk, const struct toy_key *k)
{
	if (sk->sk_num != k->port || sk->sk_dport != k->sport ||
	    toy_sk(sk)->ipv6 != k->v6)
		return false;
	if (!k->v6)
		return sk->sk_daddr == k->saddr && sk->sk_rcv_saddr == k->daddr;
	return ipv6_addr_equal(&sk->sk_v6_daddr, k->saddr6) &&
	       ipv6_addr_equal(&sk->sk_v6_rcv_saddr, k->daddr6) &&
	       dev_ok(sk, k);
}

/*
 * A listener found under RCU and referenced: is it still one, of that port
 * and version? It may have stopped and been bound anew meanwhile.
 */
static bool still_listening(const struct sock *sk, u16 port, bool v6)
{
	return sk->sk_num == port && toy_sk(sk)->ipv6 == v6 &&
	       READ_ONCE(sk->sk_state) == TCP_LISTEN;
}

/* The connection of @k in chain @slot, referenced; NULL if none. */
static struct sock *lookup_est(struct toy_net *tn, u32 slot,
			       const struct toy_key *k)
{
	struct hlist_nulls_node *node;
	struct toy_sock *ts;

begin:
	hlist_nulls_for_each_entry_rcu(ts, node, &tn->est[slot], hash_node) {
		struct sock *sk = &ts->sk;

		if (!est_match(sk, k))
			continue;
		if (!refcount_inc_not_zero(&sk->sk_refcnt))
			continue;
		/* Re-check: the socket may have been rehashed meanwhile. */
		if (est_match(sk, k))
			return sk;
		sock_put(sk);
		goto begin;
	}
	/* We followed a socket into another chain: ours may hold more. */
	if (get_nulls_value(node) != TOY_NULLS_EST + slot)
		goto begin;
	return NULL;
}

/* How listener @sk takes @k: 0 not, 1 as a wildcard, 2 by its address. */
static int listen_match(const struct sock *sk, const struct toy_key *k)
{
	if (sk->sk_num != k->port || toy_sk(sk)->ipv6 != k->v6 ||
	    READ_ONCE(sk->sk_state) != TCP_LISTEN || !dev_ok(sk, k))
		return 0;
	if (!k->v6)
		return sk->sk_rcv_saddr == k->daddr ? 2 : !sk->sk_rcv_saddr;
	if (ipv6_addr_equal(&sk->sk_v6_rcv_saddr, k->daddr6))
		return 2;
	return ipv6_addr_any(&sk->sk_v6_rcv_saddr);
}

/* The listener for @k, on its address or else the wildcard; referenced. */
static struct sock *lookup_listener(struct toy_net *tn,
				    const struct toy_key *k)
{
	u32 slot = listen_slot(k->port);
	struct hlist_nulls_node *node;
	struct sock *best;
	struct toy_sock *ts;
	int m;

begin:
	best = NULL;
	hlist_nulls_for_each_entry_rcu(ts, node, &tn->listen[slot], hash_node) {
		m = listen_match(&ts->sk, k);
		if (m == 2) {
			best = &ts->sk;
			goto found;
		}
		if (m && !best)
			best = &ts->sk;
	}
	if (get_nulls_value(node) != TOY_NULLS_LISTEN + slot)
		goto begin;
found:
	if (best && !refcount_inc_not_zero(&best->sk_refcnt))
		best = NULL;
	if (best && !still_listening(best, k->port, k->v6)) {
		sock_put(best);
		goto begin;
	}
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
	struct toy_key k = {
		.saddr = saddr, .daddr = daddr, .sport = sport,
		.port = ntohs(dport),
	};
	struct toy_net *tn = toy_pernet(net);
	struct sock *sk;

	rcu_read_lock();
	sk = lookup_est(tn, est_slot(tn, daddr, k.port, saddr, sport), &k);
	if (!sk)
		sk = lookup_listener(tn, &k);
	rcu_read_unlock();
	return sk;
}

/**
 * toy_lookup6 - toy_lookup() for a segment that came over IPv6
 * @net: namespace it arrived in
 * @saddr: source address (the peer)
 * @sport: source port
 * @daddr: destination address (ours)
 * @dport: destination port
 * @dif: the interface it arrived on
 *
 * Only IPv6 sockets match: they are IPv6-only (docs/protocol.md 15.2).
 * A socket bound to a device (a link-local address needs one) takes only
 * what arrived through it.
 *
 * Return: a referenced socket (connection first, then listener), or NULL.
 */
struct sock *toy_lookup6(struct net *net, const struct in6_addr *saddr,
			 __be16 sport, const struct in6_addr *daddr,
			 __be16 dport, int dif)
{
	struct toy_key k = {
		.v6 = true, .saddr6 = saddr, .daddr6 = daddr, .sport = sport,
		.port = ntohs(dport), .dif = dif,
	};
	struct toy_net *tn = toy_pernet(net);
	struct sock *sk;

	rcu_read_lock();
	sk = lookup_est(tn, est_slot6(tn, daddr, k.port, saddr, sport), &k);
	if (!sk)
		sk = lookup_listener(tn, &k);
	rcu_read_unlock();
	return sk;
}
