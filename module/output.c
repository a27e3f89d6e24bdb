// SPDX-License-Identifier: GPL-2.0
/*
 * Toy Stream Protocol: building and sending segments.
 *
 * Every segment leaves through xmit() or xmit6(): route, IP header,
 * ip_local_out() or ip6_local_out().
 * The IP layer gets sk == NULL, as for the kernel's own control packets:
 * it would otherwise apply the socket's IP options (none, zeroed) and
 * cgroup programs to it. Data segments are still owned by their socket
 * (skb->sk, tsq.c), which is what the qdisc and the device see.
 *
 * The checksum is left to the device, CHECKSUM_PARTIAL, as TCP leaves it:
 * the header's check holds the pseudo-header's sum and csum_start and
 * csum_offset say where the device is to sum from and store the result.
 * Loopback and veth need no sum at all (the receiver takes PARTIAL as
 * verified); a device that cannot sum for protocol 253 gets it done in
 * software by skb_checksum_help() on the way out, and so does anything
 * that must look at the bytes first (netem's corruption, fragmentation).
 * The sum is never computed here.
 *
 * Data waits in sk_write_queue, payload only, in skbs of up to a
 * super-segment's worth of whole segments (toy_size_goal()), and moves to
 * the rtx_queue rbtree once sent, until it is acknowledged (the
 * scoreboard of recovery.c searches it by sequence number). toy_push()
 * cuts each transmission from the head of the queue (toy_fragment(), as
 * tcp_write_xmit() cuts with tso_fragment()): whole segments, as many as
 * the windows allow. Each transmission sends a clone, as
 * tcp_transmit_skb() does: the headers go in the headroom, which the
 * queued skb gave up (__skb_header_release()), and the payload is shared,
 * so no transmission copies it. One of several segments is a
 * super-segment (offload.c), which the stack cuts into its segments only
 * where it must; the congestion window and loss recovery still count
 * each segment (cb->pcount).
 */
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/skbuff.h>
#include <net/checksum.h>
#include <net/ip.h>
#include <net/ip6_checksum.h>
#include <net/ip6_fib.h>
#include <net/ip6_route.h>
#include <net/ipv6.h>
#include <net/route.h>
#include <net/tcp_states.h>

#include "toy.h"
#include "trace.h"

static struct sk_buff *alloc_ctl(void)
{
	struct sk_buff *skb = alloc_skb(TOY_MAX_HEADER + TOY_OPT_BYTES,
					GFP_ATOMIC);

	if (skb)	/* the tailroom left is for option blocks */
		skb_reserve(skb, TOY_MAX_HEADER);
	return skb;
}

/*
 * Push the header in front of the payload, and of the @words of option
 * blocks the caller put after it.
 */
static struct toyhdr *push_header(struct sk_buff *skb, __be16 sport,
				  __be16 dport, u32 seq, u32 ack, u8 flags,
				  u32 window, int words)
{
	unsigned int len = skb->len - words * 4;
	struct toyhdr *th;

	th = skb_push(skb, TOY_HLEN);
	skb_reset_transport_header(skb);
	memset(th, 0, TOY_HLEN);
	th->source = sport;
	th->dest = dport;
	th->seq = htonl(seq);
	th->ack_seq = htonl(ack);
	th->window = htonl(window);
	th->len = htons(len);
	th->flags = flags;
	th->doff = TOYHDR_DOFF + words;
	return th;
}

/*
 * The route from @saddr to @daddr, referenced. A connection keeps its
 * route in sk_dst_cache, as TCP does, and looks it up again only when
 * dst_check() says the routing changed; sock_setsockopt() drops it when
 * the device or mark changes, and toy_set_state() when the connection
 * closes. @sk: the connection, locked, or NULL (a reply to no socket).
 */
static struct rtable *route_out(struct net *net, struct sock *sk,
				__be32 saddr, __be32 daddr)
{
	struct dst_entry *dst;
	struct flowi4 fl4;
	struct rtable *rt;

	if (sk) {
		dst = __sk_dst_check(sk, 0);
		if (dst) {
			dst_hold(dst);
			return container_of(dst, struct rtable, dst);
		}
	}
	flowi4_init_output(&fl4, sk ? sk->sk_bound_dev_if : 0,
			   sk ? sk->sk_mark : 0, 0, RT_SCOPE_UNIVERSE,
			   toy_ipproto, 0, daddr, saddr, 0, 0,
			   sock_net_uid(net, sk));
	rt = ip_route_output_key(net, &fl4);
	if (sk && !IS_ERR(rt))
		sk_dst_set(sk, dst_clone(&rt->dst));
	return rt;
}

/*
 * Leave the checksum of the segment at skb->data to the device: the
 * pseudo-header's sum in check, and where to sum from and store
 * (__tcp_v4_send_check()).
 */
static void csum_offload(struct sk_buff *skb, __be32 saddr, __be32 daddr)
{
	struct toyhdr *th = (struct toyhdr *)skb->data;

	th->check = ~csum_tcpudp_magic(saddr, daddr, skb->len, toy_ipproto, 0);
	skb->ip_summed = CHECKSUM_PARTIAL;
	skb->csum_start = skb->data - skb->head;
	skb->csum_offset = offsetof(struct toyhdr, check);
}

/*
 * Route and send a segment whose Toy header is at skb->data, its checksum
 * left to the device (see the top of this file). Consumes @skb.
 */
static int xmit(struct net *net, struct sock *sk,
		struct sk_buff *skb, __be32 saddr, __be32 daddr)
{
	struct toyhdr *th = (struct toyhdr *)skb->data;
	struct rtable *rt;
	struct iphdr *iph;
	int err;

	csum_offload(skb, saddr, daddr);
	/*
	 * A transmission of queued data is a clone, and cb came with it: our
	 * toy_skb_cb, which the IP layer would read as its own IPCB (options,
	 * flags, frag_max_size: a retransmission would leave in fragments).
	 * TCP clears it the same way (__tcp_transmit_skb()).
	 */
	memset(IPCB(skb), 0, sizeof(*IPCB(skb)));
	rt = route_out(net, sk, saddr, daddr);
	if (IS_ERR(rt)) {
		kfree_skb(skb);
		return PTR_ERR(rt);
	}

	/* No DF: a segment larger than a later, smaller path MTU fragments. */
	iph = skb_push(skb, sizeof(*iph));
	skb_reset_network_header(skb);
	iph->version = 4;
	iph->ihl = sizeof(*iph) / 4;
	iph->tos = 0;
	iph->frag_off = 0;
	iph->ttl = ip4_dst_hoplimit(&rt->dst);
	iph->protocol = toy_ipproto;
	iph->saddr = saddr;
	iph->daddr = daddr;
	skb->protocol = htons(ETH_P_IP);
	skb->priority = sk ? READ_ONCE(sk->sk_priority) : 0;
	skb->mark = sk ? READ_ONCE(sk->sk_mark) : 0;
	skb_dst_set(skb, &rt->dst);
	ip_select_ident_segs(net, skb, NULL, toy_skb_segs(skb));

	trace_toy_segment(true, saddr, daddr, NULL, NULL, th);
	TOY_ADD_STATS(net, TOY_MIB_OUTSEGS, toy_skb_segs(skb));
	if (skb_is_gso(skb))
		TOY_INC_STATS(net, TOY_MIB_OUTSUPERSEGS);
	err = ip_local_out(net, NULL, skb);
	return net_xmit_eval(err);
}

/*
 * IPv6's route_out(). The route lookup gets no socket: the IPv6 stack
 * would read the inet6 part (source preferences) that AF_TOY sockets do
 * not have; the socket's device, mark and uid go in the flow instead. The
 * cached route is checked with its cookie (ip6_dst_check()).
 */
static struct dst_entry *route_out6(struct net *net, struct sock *sk,
				    const struct in6_addr *saddr,
				    const struct in6_addr *daddr, int oif)
{
	struct flowi6 fl6 = {
		.flowi6_proto = toy_ipproto,
		.flowi6_oif = oif,
		.daddr = *daddr,
		.saddr = *saddr,
		.flowi6_uid = sock_net_uid(net, sk),
	};
	struct dst_entry *dst;

	if (sk) {
		dst = __sk_dst_check(sk, toy_sk(sk)->dst_cookie);
		if (dst) {
			dst_hold(dst);
			return dst;
		}
		fl6.flowi6_oif = sk->sk_bound_dev_if;
		fl6.flowi6_mark = sk->sk_mark;
	}
	dst = ip6_dst_lookup_flow(net, NULL, &fl6, NULL);
	if (sk && !IS_ERR(dst)) {
		toy_sk(sk)->dst_cookie = rt6_get_cookie((struct rt6_info *)dst);
		sk_dst_set(sk, dst_clone(dst));
	}
	return dst;
}

/*
 * xmit() over IPv6. The segment may be fragmented here, by its source, as
 * IPv6 allows (ignore_df): a path MTU learned from a Packet Too Big after
 * the segment was cut does not strand it (see toy_v6_err()). @oif: the
 * interface to leave by when @sk is NULL (0: any). Consumes @skb.
 */
static int xmit6(struct net *net, struct sock *sk, struct sk_buff *skb,
		 const struct in6_addr *saddr, const struct in6_addr *daddr,
		 int oif)
{
	struct toyhdr *th = (struct toyhdr *)skb->data;
	struct dst_entry *dst;
	struct ipv6hdr *ip6h;
	int err;

	th->check = ~csum_ipv6_magic(saddr, daddr, skb->len, toy_ipproto, 0);
	skb->ip_summed = CHECKSUM_PARTIAL;
	skb->csum_start = skb->data - skb->head;
	skb->csum_offset = offsetof(struct toyhdr, check);
	memset(IP6CB(skb), 0, sizeof(*IP6CB(skb)));
	dst = route_out6(net, sk, saddr, daddr, oif);
	if (IS_ERR(dst)) {
		kfree_skb(skb);
		return PTR_ERR(dst);
	}

	ip6h = skb_push(skb, sizeof(*ip6h));
	skb_reset_network_header(skb);
	ip6_flow_hdr(ip6h, 0, 0);
	ip6h->nexthdr = toy_ipproto;
	ip6h->hop_limit = ip6_dst_hoplimit(dst);
	ip6h->saddr = *saddr;
	ip6h->daddr = *daddr;
	skb->protocol = htons(ETH_P_IPV6);
	skb->priority = sk ? READ_ONCE(sk->sk_priority) : 0;
	skb->mark = sk ? READ_ONCE(sk->sk_mark) : 0;
	skb->ignore_df = 1;
	skb_dst_set(skb, dst);

	trace_toy_segment(true, 0, 0, saddr, daddr, th);
	TOY_ADD_STATS(net, TOY_MIB_OUTSEGS, toy_skb_segs(skb));
	err = ip6_local_out(net, NULL, skb);
	return net_xmit_eval(err);
}

/* Send a segment of connection @sk: seq and flags given, ack and window ours. */
static int send_seg(struct sock *sk, struct sk_buff *skb, u32 seq, u8 flags)
{
	struct toy_sock *ts = toy_sk(sk);
	u32 ack = 0, window = toy_rcv_window(sk);
	int words;

	sock_owned_by_me(sk);
	words = toy_options_write(sk, skb, flags);

	if (flags & TOYHDR_ACK) {
		s32 offered = (s32)(ts->rcv_wup + ts->rcv_wnd - ts->rcv_nxt);

		/* Never take back what was offered (RFC 9293 3.8.6.2.2): the
		 * window only shrinks as data fills it, and duplicate ACKs
		 * carry the same window, as fast retransmit expects.
		 */
		if ((s32)window < offered)
			window = offered;
		ack = ts->rcv_nxt;
		ts->rcv_wup = ts->rcv_nxt;
		ts->rcv_wnd = window;
		ts->ack_pending = false;	/* this carries it (delack.c) */
	}
	push_header(skb, htons(sk->sk_num), sk->sk_dport, seq, ack, flags,
		    window, words);
	if (ts->ipv6)
		return xmit6(sock_net(sk), sk, skb, &sk->sk_v6_rcv_saddr,
			     &sk->sk_v6_daddr, 0);
	return xmit(sock_net(sk), sk, skb, sk->sk_rcv_saddr, sk->sk_daddr);
}

static int send_ctl(struct sock *sk, u32 seq, u8 flags)
{
	struct sk_buff *skb = alloc_ctl();

	if (!skb)
		return -ENOBUFS;
	return send_seg(sk, skb, seq, flags);
}

/* SYN or SYN-ACK, with the options we offer (SYN-SENT) or both do. */
static int send_syn_flags(struct sock *sk, u8 flags)
{
	return send_ctl(sk, toy_sk(sk)->iss, flags | toy_options_syn(sk));
}

int toy_send_syn(struct sock *sk)
{
	int err = send_syn_flags(sk, TOYHDR_SYN);

	toy_rearm_rtx(sk, false);
	return err;
}

int toy_send_synack(struct sock *sk)
{
	int err = send_syn_flags(sk, TOYHDR_SYN | TOYHDR_ACK);

	toy_rearm_rtx(sk, false);
	return err;
}

/**
 * toy_send_syn_again - our SYN (SYN-SENT) or SYN-ACK (SYN-RECEIVED) again
 * @sk: the socket, locked, in one of those states
 *
 * The retransmission timer is left as it is.
 *
 * Return: 0 or the error that kept it from leaving.
 */
int toy_send_syn_again(struct sock *sk)
{
	if (sk->sk_state == TCP_SYN_RECV)
		return send_syn_flags(sk, TOYHDR_SYN | TOYHDR_ACK);
	return send_syn_flags(sk, TOYHDR_SYN);
}

/* Our FIN, at fin_seq; toy_push() sends it the first time. */
int toy_send_fin(struct sock *sk)
{
	return send_ctl(sk, toy_sk(sk)->fin_seq, TOYHDR_FIN | TOYHDR_ACK);
}

void toy_send_ack(struct sock *sk)
{
	send_ctl(sk, toy_sk(sk)->snd_nxt, TOYHDR_ACK);
}

/* Abort: RST|ACK at the next sequence number, as tcp_send_active_reset(). */
void toy_send_rst(struct sock *sk)
{
	trace_toy_reset(sk, true);
	TOY_INC_STATS(sock_net(sk), TOY_MIB_OUTRSTS);
	send_ctl(sk, toy_sk(sk)->snd_nxt, TOYHDR_RST | TOYHDR_ACK);
}

/* Zero-window probe: an old sequence number the peer must answer. */
void toy_send_probe(struct sock *sk)
{
	TOY_INC_STATS(sock_net(sk), TOY_MIB_WINPROBES);
	send_ctl(sk, toy_sk(sk)->snd_una - 1, TOYHDR_ACK);
}

/* Keepalive probe: the same old sequence number, answered with an ACK. */
void toy_send_keepalive(struct sock *sk)
{
	TOY_INC_STATS(sock_net(sk), TOY_MIB_KEEPALIVEPROBES);
	send_ctl(sk, toy_sk(sk)->snd_una - 1, TOYHDR_ACK);
}

/**
 * toy_reply_rst - answer a segment that no connection accepts
 * @net: namespace it arrived in
 * @in: the segment, network and transport headers set
 *
 * RFC 9293 3.10.7.1: if it had ACK, the RST takes its ack_seq as
 * sequence number; otherwise RST|ACK acknowledges all it occupied.
 */
void toy_reply_rst(struct net *net, struct sk_buff *in)
{
	const struct toyhdr *th = (const struct toyhdr *)skb_transport_header(in);
	u32 seq = 0, ack = 0;
	struct sk_buff *skb;
	u8 flags = TOYHDR_RST;

	if (th->flags & TOYHDR_RST)
		return;

	if (th->flags & TOYHDR_ACK) {
		seq = ntohl(th->ack_seq);
	} else {
		flags |= TOYHDR_ACK;
		ack = ntohl(th->seq) + ntohs(th->len) +
		      !!(th->flags & TOYHDR_SYN) + !!(th->flags & TOYHDR_FIN);
	}

	skb = alloc_ctl();
	if (!skb)
		return;
	push_header(skb, th->dest, th->source, seq, ack, flags, 0, 0);
	TOY_INC_STATS(net, TOY_MIB_OUTRSTS);
	/* A link-local peer is answered through where it spoke. */
	if (toy_skb_v6(in))
		xmit6(net, NULL, skb, &ipv6_hdr(in)->daddr,
		      &ipv6_hdr(in)->saddr,
		      ipv6_addr_type(&ipv6_hdr(in)->saddr) & IPV6_ADDR_LINKLOCAL ?
		      TOY_SKB_CB(in)->iif : 0);
	else
		xmit(net, NULL, skb, ip_hdr(in)->daddr, ip_hdr(in)->saddr);
}

/*
 * Mark @skb, about to leave as @segs segments of @mss, as a super-segment
 * (offload.c), or as a plain segment. @skb's shared info is its own: no
 * earlier transmission shares it (toy_send_data()).
 */
static void set_gso(struct sk_buff *skb, u16 segs, u16 mss)
{
	struct skb_shared_info *shinfo = skb_shinfo(skb);

	if (segs > 1) {
		shinfo->gso_size = mss;
		shinfo->gso_segs = segs;
		shinfo->gso_type = SKB_GSO_SCTP;
	} else {
		shinfo->gso_size = 0;
		shinfo->gso_segs = 0;
		shinfo->gso_type = 0;
	}
}

/**
 * toy_send_data - send one skb of rtx_queue (again)
 * @sk: the socket, locked
 * @skb: the queued skb, which stays queued for retransmission; its
 *	cb->pcount segments of the current MSS, more than one only where
 *	toy_tso_segs() allows
 *
 * Return: 0 or the error that kept it from leaving.
 */
int toy_send_data(struct sock *sk, struct sk_buff *skb)
{
	struct toy_skb_cb *cb = TOY_SKB_CB(skb);
	struct toy_sock *ts = toy_sk(sk);
	struct sk_buff *copy;

	/*
	 * While an earlier transmission is alive (in a qdisc, or in the
	 * peer's receive queue on loopback) its headers are in the shared
	 * headroom, and its segment size in the shared info: this one gets
	 * a head of its own (__tcp_transmit_skb()).
	 */
	if (unlikely(skb_cloned(skb))) {
		copy = pskb_copy(skb, GFP_ATOMIC);
		if (copy)
			set_gso(copy, cb->pcount, ts->mss);
	} else {
		set_gso(skb, cb->pcount, ts->mss);
		copy = skb_clone(skb, GFP_ATOMIC);
	}
	if (!copy)
		return -ENOBUFS;
	copy->dev = NULL;	/* aliased with rbnode.rb_left on rtx_queue */
	toy_tsq_own(sk, copy);
	return send_seg(sk, copy, cb->seq, TOYHDR_ACK);
}

/*
 * The segments one transmission may carry: a super-segment's worth with
 * GSO (the gso parameter, and an offload slot, offload.c), else one.
 */
u32 toy_tso_segs(const struct toy_sock *ts)
{
	/* No offload is registered for IPv6 (offload.c) */
	if (!toy_gso_ok || !READ_ONCE(toy_gso) || ts->ipv6)
		return 1;
	return clamp_t(u32, TOY_GSO_MAX_BYTES / ts->mss, 1, TOY_GSO_MAX_SEGS);
}

/**
 * toy_size_goal - how large sendmsg() lets an skb of sk_write_queue grow
 * @ts: the sender, locked
 *
 * As many whole segments as one transmission may carry
 * (tcp_xmit_size_goal()): toy_push() then cuts what each transmission
 * takes from the head of the queue.
 *
 * Return: bytes, a multiple of the MSS.
 */
u32 toy_size_goal(const struct toy_sock *ts)
{
	return toy_tso_segs(ts) * ts->mss;
}

/*
 * The segments of one transmission: about a millisecond's worth at the
 * rate the congestion window allows, as tcp_tso_autosize() sizes a TSO
 * burst, so that a slow bottleneck does not get 64 KB at a time; at least
 * two segments, at most toy_tso_segs().
 */
static u32 tso_autosize(const struct toy_sock *ts)
{
	u32 max = toy_tso_segs(ts);
	u64 bytes;

	if (max == 1 || !ts->srtt)
		return max;
	bytes = div_u64((u64)ts->snd_cwnd * ts->mss * USEC_PER_MSEC, ts->srtt);
	return clamp_t(u64, div_u64(bytes, ts->mss), min(2U, max), max);
}

/**
 * toy_fragment - cut an skb of either queue in two
 * @sk: the socket, locked
 * @skb: a data skb of sk_write_queue or rtx_queue, longer than @len
 * @len: the bytes it keeps, more than none
 *
 * The rest moves to a new skb, which takes a copy of @skb's marks and
 * which the caller links right after it; the caller recounts segments
 * (recovery.c). A transmission still holding @skb's data keeps its own
 * view of it: @skb gets a head of its own first (tcp_fragment()).
 *
 * Return: the new skb, or NULL without memory.
 */
struct sk_buff *toy_fragment(struct sock *sk, struct sk_buff *skb, u32 len)
{
	struct toy_skb_cb *cb = TOY_SKB_CB(skb), *ncb;
	u32 nlen = skb->len - len;
	struct sk_buff *nskb;

	sock_owned_by_me(sk);
	if (WARN_ON_ONCE(!len || len >= skb->len))
		return NULL;
	if (skb_cloned(skb)) {
		/*
		 * skb_unclone_keeptruesize() is TCP's own: the same, for an
		 * skb with no owner (its charge is in cb->charge).
		 */
		u32 truesize = skb->truesize;

		if (pskb_expand_head(skb, 0, 0, GFP_ATOMIC))
			return NULL;
		skb->truesize = truesize;
		__skb_header_release(skb);
	}
	nskb = alloc_skb_fclone(TOY_MAX_HEADER + skb_headlen(skb), GFP_ATOMIC);
	if (!nskb)
		return NULL;
	skb_reserve(nskb, TOY_MAX_HEADER);
	/* Forced: the data was charged once already, in @skb. */
	toy_wmem_charge(sk, nskb, true);
	ncb = TOY_SKB_CB(nskb);
	skb_split(skb, nskb, len);
	__skb_header_release(nskb);
	/*
	 * The bytes that moved take their truesize, and its charge, along
	 * (tcp_fragment()): a receiver on this machine gets clones of both,
	 * and coalescing one (skb_try_coalesce()) relies on truesize
	 * covering its bytes.
	 */
	nskb->truesize += nlen;
	skb->truesize -= nlen;
	*ncb = *cb;
	ncb->charge = nskb->truesize;
	cb->charge -= nlen;
	ncb->seq = cb->seq + len;
	cb->end_seq = ncb->seq;
	return nskb;
}

/* Cut @skb of sk_write_queue after @len bytes; the rest follows it. */
static int split_skb(struct sock *sk, struct sk_buff *skb, u32 len)
{
	struct sk_buff *nskb = toy_fragment(sk, skb, len);

	if (!nskb)
		return -ENOBUFS;
	__skb_queue_after(&sk->sk_write_queue, skb, nskb);
	return 0;
}

/**
 * toy_rtx_insert - link a sent skb into rtx_queue, by sequence number
 * @ts: the sender, locked
 * @skb: the skb, not linked, overlapping none of rtx_queue
 */
void toy_rtx_insert(struct toy_sock *ts, struct sk_buff *skb)
{
	struct rb_node **p = &ts->rtx_queue.rb_node, *parent = NULL;
	u32 seq = TOY_SKB_CB(skb)->seq;

	while (*p) {
		parent = *p;
		if (toy_before(seq, TOY_SKB_CB(rb_to_skb(parent))->seq))
			p = &parent->rb_left;
		else
			p = &parent->rb_right;
	}
	rb_link_node(&skb->rbnode, parent, p);
	rb_insert_color(&skb->rbnode, &ts->rtx_queue);
}

static bool can_send_data(const struct sock *sk)
{
	return (1 << sk->sk_state) & (TCPF_ESTABLISHED | TCPF_CLOSE_WAIT |
				      TCPF_FIN_WAIT1 | TCPF_CLOSING |
				      TCPF_LAST_ACK);
}

/*
 * How much of @skb, the head of sk_write_queue, may leave now: whole
 * segments within the peer's window, the congestion window's room and
 * one transmission's size (@segs); 0 if none (tcp_mss_split_point()).
 */
static u32 send_limit(struct sock *sk, const struct sk_buff *skb, u32 segs)
{
	const struct toy_skb_cb *cb = TOY_SKB_CB(skb);
	struct toy_sock *ts = toy_sk(sk);
	u32 wnd_end = ts->snd_una + ts->snd_wnd;
	bool in_flight = ts->snd_nxt != ts->snd_una;
	u32 limit = skb->len, room;

	/*
	 * Nagle (RFC 896), unless TOY_NODELAY: a short last segment waits
	 * while data is in flight, and later writes join it.
	 */
	if (!ts->nodelay && in_flight &&
	    skb_queue_is_last(&sk->sk_write_queue, skb)) {
		limit = rounddown(limit, ts->mss);
		if (!limit)
			return 0;
	}
	limit = min(limit, segs * ts->mss);
	if (!toy_before(cb->seq, wnd_end))
		return 0;
	room = wnd_end - cb->seq;
	if (limit > room) {
		/* A part segment only with nothing in flight (no silly window). */
		if (room >= ts->mss)
			limit = rounddown(room, ts->mss);
		else if (!in_flight)
			limit = room;
		else
			return 0;
	}
	return limit;
}

/*
 * Send @skb, the head of sk_write_queue, whole: it moves to rtx_queue,
 * counted as sent; if it could not leave, it stays where it was, unsent.
 */
static int send_new(struct sock *sk, struct sk_buff *skb)
{
	struct toy_skb_cb *cb = TOY_SKB_CB(skb);
	struct toy_sock *ts = toy_sk(sk);
	int err;

	cb->pcount = DIV_ROUND_UP(skb->len, ts->mss);
	cb->when = toy_now_us();
	err = toy_send_data(sk, skb);
	if (err)
		return err;
	ts->packets_out += cb->pcount;
	ts->lsndtime = jiffies;
	ts->snd_nxt = cb->end_seq;
	__skb_unlink(skb, &sk->sk_write_queue);
	toy_rtx_insert(ts, skb);
	return 0;
}

/**
 * toy_push - send what the windows allow: queued data, then our FIN
 * @sk: a connected socket, locked
 *
 * The peer's window bounds the bytes, the congestion window (cong.c) the
 * segments in flight, and what already waits in qdiscs (tsq.c) when the
 * next transmission may start. Each takes up to tso_autosize() segments
 * from the head of the queue, cut from an skb that sendmsg() filled up to
 * toy_size_goal(), and leaves as one super-segment (offload.c).
 */
void toy_push(struct sock *sk)
{
	struct toy_sock *ts = toy_sk(sk);
	struct sk_buff *skb;
	u32 segs, limit;

	sock_owned_by_me(sk);
	if (!can_send_data(sk))
		return;

	if (toy_send_head(sk) && !ts->packets_out)
		toy_cong_restart(sk);
	segs = tso_autosize(ts);
	while ((skb = toy_send_head(sk))) {
		if (!toy_cong_can_send(sk))
			break;
		limit = send_limit(sk, skb, min(segs, ts->snd_cwnd -
						toy_in_flight(ts)));
		if (!limit)
			break;
		if (limit < skb->len && split_skb(sk, skb, limit))
			break;
		/*
		 * It waits while enough of ours is below (tsq.c), judged by
		 * the size of what would leave: after the cut, as
		 * tcp_write_xmit() checks after tso_fragment().
		 */
		if (toy_tsq_throttled(sk, skb))
			break;
		if (send_new(sk, skb))
			break;
	}

	if (!toy_send_head(sk) && ts->fin_queued && ts->snd_nxt == ts->fin_seq &&
	    !toy_send_fin(sk))
		ts->snd_nxt = ts->fin_seq + 1;

	toy_rearm_rtx(sk, false);
}

/*
 * The MSS that fits a path MTU of @mtu over IPv6, never below IPv6's
 * minimum MTU (toy_v6_err() ignores a Packet Too Big with a smaller one,
 * RFC 8200 5), and never above @mss.
 */
static u16 mss_for_mtu6(u16 mss, u32 mtu)
{
	mtu = max_t(u32, mtu, IPV6_MIN_MTU);
	if (mtu >= (u32)mss + sizeof(struct ipv6hdr) + TOY_HLEN)
		return mss;
	return mtu - sizeof(struct ipv6hdr) - TOY_HLEN;
}

/**
 * toy_mtu_reduced - a Packet Too Big lowered the path MTU: lower the MSS
 * @sk: the connection, owned, or under bh_lock_sock() with no owner
 *
 * tcp_v6_mtu_reduced(), from toy_v6_err() or toy_release_cb(): new
 * segments are cut to the path MTU (send_limit()), and so is a
 * retransmission of what left at the old size (recovery.c). What is in
 * flight at the old size and arrives needs no second transmission.
 */
void toy_mtu_reduced(struct sock *sk)
{
	struct toy_sock *ts = toy_sk(sk);
	u16 mss;

	sock_owned_by_me(sk);
	if (!ts->ipv6 || (1 << sk->sk_state) & (TCPF_CLOSE | TCPF_LISTEN))
		return;
	mss = mss_for_mtu6(ts->mss, READ_ONCE(ts->mtu_info));
	if (mss < ts->mss)
		WRITE_ONCE(ts->mss, mss);
}

/**
 * toy_route_saddr - check that @daddr is reachable and pick our address
 * @sk: the connecting socket; its MSS is set from the route's MTU
 * @daddr: destination
 * @saddr: in: bound address or 0; out: the source address to use
 *
 * Return: 0 or the routing error (-ENETUNREACH, ...).
 */
int toy_route_saddr(struct sock *sk, __be32 daddr, __be32 *saddr)
{
	struct net *net = sock_net(sk);
	struct flowi4 fl4;
	struct rtable *rt;
	int mss;

	flowi4_init_output(&fl4, sk->sk_bound_dev_if, sk->sk_mark, 0,
			   RT_SCOPE_UNIVERSE, toy_ipproto, 0, daddr, *saddr,
			   0, 0, sock_net_uid(net, sk));
	rt = ip_route_output_key(net, &fl4);
	if (IS_ERR(rt))
		return PTR_ERR(rt);
	if (rt->rt_flags & (RTCF_MULTICAST | RTCF_BROADCAST)) {
		ip_rt_put(rt);
		return -ENETUNREACH;
	}
	*saddr = fl4.saddr;
	mss = dst_mtu(&rt->dst) - (int)sizeof(struct iphdr) - TOY_HLEN;
	toy_sk(sk)->mss = clamp(mss, TOY_MIN_MSS, 65535 - TOY_HLEN -
				(int)sizeof(struct iphdr));
	ip_rt_put(rt);
	return 0;
}

/**
 * toy_route_saddr6 - toy_route_saddr() over IPv6
 * @sk: the connecting socket; its MSS is set from the route's MTU
 * @daddr: destination
 * @saddr: in: bound address or ::; out: the source address to use
 *
 * Return: 0 or the routing error.
 */
int toy_route_saddr6(struct sock *sk, const struct in6_addr *daddr,
		     struct in6_addr *saddr)
{
	struct net *net = sock_net(sk);
	struct flowi6 fl6 = {
		.flowi6_proto = toy_ipproto,
		.flowi6_oif = sk->sk_bound_dev_if,
		.flowi6_mark = sk->sk_mark,
		.flowi6_uid = sock_net_uid(net, sk),
		.daddr = *daddr,
		.saddr = *saddr,
	};
	struct dst_entry *dst;
	int mss;

	dst = ip6_dst_lookup_flow(net, NULL, &fl6, NULL);
	if (IS_ERR(dst))
		return PTR_ERR(dst);
	*saddr = fl6.saddr;
	mss = dst_mtu(dst) - (int)sizeof(struct ipv6hdr) - TOY_HLEN;
	toy_sk(sk)->mss = clamp(mss, TOY_MIN_MSS, 65535 - TOY_HLEN);
	dst_release(dst);
	return 0;
}

#if IS_ENABLED(CONFIG_TOY_KUNIT_TEST)
#include "test/output-test.c"
#endif
