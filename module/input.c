// SPDX-License-Identifier: GPL-2.0
/*
 * Toy Stream Protocol: receiving segments.
 *
 * toy_rcv() and toy_v6_rcv() are the IPv4 and IPv6 protocol handlers: they
 * validate a segment, find its socket and hand it over under the socket
 * lock (or to the backlog when a process owns the socket). toy_do_rcv() then classifies the
 * segment into state-machine events (fsm.c) and does the data transfer
 * part: acknowledgements, windows, in-order and out-of-order data.
 */
#include <linux/filter.h>
#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <linux/ip.h>
#include <linux/skbuff.h>
#include <net/checksum.h>
#include <net/icmp.h>
#include <net/ip.h>
#include <net/ip6_checksum.h>
#include <net/ip6_route.h>
#include <net/ipv6.h>
#include <net/ndisc.h>
#include <net/route.h>
#include <net/tcp_states.h>

#include "toy.h"
#include "trace.h"
#include "drop.h"

/*
 * Section 4's rules 1 to 5 of docs/protocol.md: the header against the
 * length it arrived with. @len: bytes from the header to the end of the
 * IP payload.
 */
static bool validate_hdr(const struct toyhdr *th, unsigned int len)
{
	if (len < TOY_HLEN || th->doff < TOYHDR_DOFF || th->reserved)
		return false;
	if (!toy_options_hdr_ok(th))
		return false;
	if (th->flags & ~TOYHDR_FLAGS)
		return false;
	return th->doff * 4 + ntohs(th->len) == len;
}

/* Rules 7 and 8, which come after the checksum (rule 6). */
static bool validate_flags(const struct toyhdr *th)
{
	if ((th->flags & TOYHDR_SYN) && (th->flags & (TOYHDR_FIN | TOYHDR_RST)))
		return false;
	return toy_options_flags_ok(th->flags);
}

/**
 * toy_validate - check a header against the length it arrived with
 * @th: the header
 * @len: bytes from the start of the header to the end of the IP payload
 *
 * Return: true if the header is well formed (docs/protocol.md, 4), the
 * checksum aside.
 */
bool toy_validate(const struct toyhdr *th, unsigned int len)
{
	return validate_hdr(th, len) && validate_flags(th);
}

/*
 * Rule 6. A segment the device (or the stack) already verified,
 * CHECKSUM_UNNECESSARY, or one that never left this machine and whose sum
 * a device was to fill in, CHECKSUM_PARTIAL, is taken as it is, as TCP
 * takes them (skb_csum_unnecessary()). A device's sum over the packet,
 * CHECKSUM_COMPLETE, saves reading the bytes when it agrees; otherwise
 * they are summed here.
 */
static bool csum_ok(struct sk_buff *skb)
{
	const struct iphdr *iph = ip_hdr(skb);

	if (skb_csum_unnecessary(skb))
		return true;
	if (skb->ip_summed == CHECKSUM_COMPLETE &&
	    !csum_tcpudp_magic(iph->saddr, iph->daddr, skb->len,
			       iph->protocol, skb->csum))
		return true;
	return !csum_tcpudp_magic(iph->saddr, iph->daddr, skb->len,
				  iph->protocol,
				  skb_checksum(skb, 0, skb->len, 0));
}

/* The same over IPv6: the pseudo-header of RFC 8200 8.1. */
static bool csum_ok6(struct sk_buff *skb)
{
	const struct ipv6hdr *ip6h = ipv6_hdr(skb);

	if (skb_csum_unnecessary(skb))
		return true;
	if (skb->ip_summed == CHECKSUM_COMPLETE &&
	    !csum_ipv6_magic(&ip6h->saddr, &ip6h->daddr, skb->len,
			     toy_ipproto, skb->csum))
		return true;
	return !csum_ipv6_magic(&ip6h->saddr, &ip6h->daddr, skb->len,
				toy_ipproto, skb_checksum(skb, 0, skb->len, 0));
}

/*
 * Section 4's rules, in order, on a segment at skb->data whose IP header
 * was pulled; a valid one gets its control block. Returns TOY_DROP_NONE,
 * or why the segment is invalid.
 */
static enum toy_drop rcv_check(struct net *net, struct sk_buff *skb, bool v6)
{
	const struct toyhdr *th;
	struct toy_skb_cb *cb;

	if (!pskb_may_pull(skb, TOY_HLEN))
		return TOY_DROP_SHORT;
	th = toy_hdr(skb);
	if (!validate_hdr(th, skb->len))
		return TOY_DROP_HEADER;
	/* The SACK blocks too: rcv_ack() reads them in place. */
	if (!pskb_may_pull(skb, th->doff * 4))
		return TOY_DROP_HEADER;
	th = toy_hdr(skb);
	if (!(v6 ? csum_ok6(skb) : csum_ok(skb))) {
		TOY_INC_STATS(net, TOY_MIB_INCSUMERRORS);
		return TOY_DROP_CSUM;
	}
	if (!validate_flags(th))
		return TOY_DROP_FLAGS;
	skb->ip_summed = CHECKSUM_UNNECESSARY;
	nf_reset_ct(skb);

	cb = TOY_SKB_CB(skb);
	memset(cb, 0, sizeof(*cb));
	cb->seq = ntohl(th->seq) + !!(th->flags & TOYHDR_SYN);
	cb->end_seq = cb->seq + ntohs(th->len);
	cb->flags = th->flags;
	return TOY_DROP_NONE;
}

/* A segment occupies its payload, plus one for SYN and one for FIN. */
static u32 seg_len(const struct toyhdr *th)
{
	return ntohs(th->len) + !!(th->flags & TOYHDR_SYN) +
	       !!(th->flags & TOYHDR_FIN);
}

/* RFC 9293 3.10.7.4, first check: is any of the segment in the window? */
static bool seq_acceptable(const struct sock *sk, u32 seq, u32 seg_len)
{
	u32 rcv_nxt = toy_sk(sk)->rcv_nxt;
	u32 wnd = toy_rcvq_accept_window(sk);

	if (!seg_len)
		return wnd ? toy_between(seq, rcv_nxt, rcv_nxt + wnd - 1) :
			     seq == rcv_nxt;
	if (!wnd)
		return false;
	return toy_between(seq, rcv_nxt, rcv_nxt + wnd - 1) ||
	       toy_between(seq + seg_len - 1, rcv_nxt, rcv_nxt + wnd - 1);
}

/* The peer's FIN is in order: the stream from the peer has ended. */
static void rcv_fin(struct sock *sk)
{
	struct toy_sock *ts = toy_sk(sk);

	ts->rcv_nxt++;
	toy_rcvq_ooo_purge(sk);
	WRITE_ONCE(sk->sk_shutdown, sk->sk_shutdown | RCV_SHUTDOWN);
	sock_set_flag(sk, SOCK_DONE);
	toy_fsm_event(sk, TOY_EV_RCV_FIN, NULL);
	if (!sock_flag(sk, SOCK_DEAD)) {
		sk->sk_state_change(sk);
		if (sk->sk_shutdown == SHUTDOWN_MASK ||
		    sk->sk_state == TCP_CLOSE)
			sk_wake_async(sk, SOCK_WAKE_WAITD, POLL_HUP);
		else
			sk_wake_async(sk, SOCK_WAKE_WAITD, POLL_IN);
	}
}

/*
 * The payload and FIN of an acceptable segment. Return: true if the skb
 * was kept (queued for the reader or out of order).
 */
static bool rcv_data(struct sock *sk, struct sk_buff *skb)
{
	struct toy_skb_cb *cb = TOY_SKB_CB(skb);
	struct toy_sock *ts = toy_sk(sk);
	bool fin = cb->flags & TOYHDR_FIN;
	bool kept = false, hole;
	u32 end_seq;

	__skb_pull(skb, toy_hdr(skb)->doff * 4);
	if (!skb->len && !fin)
		return false;

	/* Data or FIN after the user closed: nobody will read it (tcp_reset). */
	if (sock_flag(sk, SOCK_DEAD) && skb->len &&
	    toy_after(cb->end_seq, ts->rcv_nxt)) {
		toy_fsm_event(sk, TOY_EV_ABORT, NULL);
		toy_drop_mark(skb, TOY_DROP_CLOSED);
		return false;
	}

	if (skb->len && !toy_rcvq_room(sk, skb)) {
		TOY_INC_STATS(sock_net(sk), TOY_MIB_RCVQDROPS);
		toy_send_ack(sk);
		toy_drop_mark(skb, TOY_DROP_RCVBUF);
		return false;
	}
	skb_dst_drop(skb);

	if (toy_after(cb->seq, ts->rcv_nxt)) {
		ts->ooo_last = cb->seq;
		skb_set_owner_r(skb, sk);
		toy_rcvq_ooo_insert(sk, skb);
		toy_send_ack(sk);	/* a duplicate ACK: the sender's hint */
		return true;
	}

	/* Once queued, @skb may be merged into the tail and freed. */
	end_seq = cb->end_seq;
	hole = !RB_EMPTY_ROOT(&ts->ooo_queue);
	if (skb->len) {
		toy_ack_seen_data(sk, skb->len / toy_skb_segs(skb));
		kept = toy_rcvq_in_order(sk, skb);
		if (!kept) {
			toy_sack_duplicate(sk, cb->seq, cb->end_seq);
			/* A new FIN behind old data is not a drop. */
			if (!fin)
				toy_drop_mark(skb, TOY_DROP_DUPLICATE);
		}
	}
	if (!fin || end_seq != ts->rcv_nxt)
		fin = toy_rcvq_ooo_drain(sk);
	if (kept || !skb_queue_empty(&sk->sk_receive_queue))
		sk->sk_data_ready(sk);
	if (fin)
		rcv_fin(sk);	/* the state table ACKs the FIN at once */
	else if (toy_ack_now(sk, hole || !kept))
		toy_send_ack(sk);
	return kept;
}

/**
 * oow_rate_limited - may we not answer this unacceptable segment?
 * @sk: the connection
 * @th: the segment
 *
 * Two ends that disagree on the sequence space (or a blind attacker)
 * would otherwise make us ACK each out-of-window ACK at once, forever. At
 * most one answer per TOY_OOW_INTERVAL, as tcp_oow_rate_limited(). Data
 * without SYN is not part of such a loop and is always answered: a
 * retransmission of data we have needs its (D-SACK) ACK.
 *
 * Return: true if the answer must be skipped.
 */
static bool oow_rate_limited(struct sock *sk, const struct toyhdr *th)
{
	struct toy_sock *ts = toy_sk(sk);
	u32 now = jiffies;

	if (th->len && !(th->flags & TOYHDR_SYN))
		return false;
	if (ts->last_oow_ack && (s32)(now - ts->last_oow_ack) >= 0 &&
	    (s32)(now - ts->last_oow_ack) < TOY_OOW_INTERVAL) {
		TOY_INC_STATS(sock_net(sk), TOY_MIB_OOWACKSKIPPED);
		return true;
	}
	ts->last_oow_ack = now ?: 1;
	return false;
}

/* RFC 5961 3.2, 4.2 and 5.2: prove you see our traffic, rate limited. */
static void challenge_ack(struct sock *sk, const struct toyhdr *th)
{
	if (oow_rate_limited(sk, th))
		return;
	TOY_INC_STATS(sock_net(sk), TOY_MIB_CHALLENGEACKS);
	toy_send_ack(sk);
}

/*
 * ACK processing for a synchronized connection (RFC 9293 3.10.7.4, fifth
 * check). Return: false if the segment must be dropped.
 */
static bool rcv_ack(struct sock *sk, struct sk_buff *skb,
		    const struct toyhdr *th)
{
	u32 ack = ntohl(th->ack_seq), seq = ntohl(th->seq);
	u32 win = toy_hdr_window(th);
	struct toy_sock *ts = toy_sk(sk);
	bool wnd_changed = false;

	/* It acknowledges what we never sent (RFC 9293): answer, drop. */
	if (toy_after(ack, ts->snd_nxt)) {
		if (!oow_rate_limited(sk, th))
			toy_send_ack(sk);
		toy_drop_mark(skb, TOY_DROP_ACK_UNSENT);
		return false;
	}
	/*
	 * RFC 5961 5.2: an ACK further back than the peer could ever have
	 * sent (SND.UNA - MAX.SND.WND) is not from the peer. Without this
	 * check a blind sender needs only the sequence number to inject.
	 */
	if (toy_before(ack, ts->snd_una - ts->max_window)) {
		challenge_ack(sk, th);
		toy_drop_mark(skb, TOY_DROP_ACK_OLD);
		return false;
	}
	if (toy_before(ack, ts->snd_una))
		return true;

	if (toy_before(ts->snd_wl1, seq) ||
	    (ts->snd_wl1 == seq && !toy_before(ack, ts->snd_wl2))) {
		wnd_changed = ts->snd_wnd != win;
		ts->snd_wnd = win;
		ts->max_window = max(ts->max_window, win);
		ts->snd_wl1 = seq;
		ts->snd_wl2 = ack;
	}

	/* Nothing new, or a duplicate: recovery.c decides what to resend. */
	if (!toy_recovery_ack(sk, th, !th->len && !wnd_changed)) {
		toy_push(sk);
		return true;
	}
	/* Something got through: an ICMP error heard before is stale. */
	WRITE_ONCE(sk->sk_err_soft, 0);
	sk->sk_write_space(sk);
	toy_rearm_rtx(sk, true);
	toy_push(sk);

	/* Our FIN is acknowledged. */
	if (ts->fin_queued && ack == ts->fin_seq + 1 &&
	    ((1 << sk->sk_state) & (TCPF_FIN_WAIT1 | TCPF_CLOSING | TCPF_LAST_ACK)))
		toy_fsm_event(sk, TOY_EV_RCV_ACK, NULL);
	return sk->sk_state != TCP_CLOSE;
}

/* States from SYN-RECEIVED on. Return: true if the skb was kept. */
static bool rcv_synchronized(struct sock *sk, struct sk_buff *skb)
{
	const struct toyhdr *th = toy_hdr(skb);
	struct toy_sock *ts = toy_sk(sk);
	u32 seq = ntohl(th->seq);

	if (th->flags & TOYHDR_SYN) {
		/* In SYN-RECEIVED, the peer's SYN again: resend our SYN-ACK. */
		if (sk->sk_state == TCP_SYN_RECV && seq != ts->irs)
			return false;
		/*
		 * Elsewhere a SYN, whatever its sequence number, gets a
		 * challenge ACK (RFC 5961 4.2), never a reset: the state
		 * table sends it; the rate limit is ours.
		 */
		if (sk->sk_state != TCP_SYN_RECV && oow_rate_limited(sk, th))
			return false;
		if (!(th->flags & TOYHDR_ACK) && sk->sk_state != TCP_SYN_RECV)
			TOY_INC_STATS(sock_net(sk), TOY_MIB_CHALLENGEACKS);
		toy_fsm_event(sk, th->flags & TOYHDR_ACK ? TOY_EV_RCV_SYNACK :
			      TOY_EV_RCV_SYN, skb);
		return false;
	}

	/* The peer's FIN again, exactly: our ACK of it was lost. */
	if ((th->flags & TOYHDR_FIN) && !(th->flags & TOYHDR_RST) &&
	    seq + ntohs(th->len) + 1 == ts->rcv_nxt &&
	    ((1 << sk->sk_state) & (TCPF_CLOSE_WAIT | TCPF_CLOSING |
				    TCPF_LAST_ACK | TCPF_TIME_WAIT))) {
		toy_fsm_event(sk, TOY_EV_RCV_FIN, skb);
		return false;
	}

	if (!seq_acceptable(sk, seq, seg_len(th))) {
		if (!(th->flags & TOYHDR_RST)) {
			/* Data we already have, entirely: also a duplicate. */
			if (th->len && !toy_after(seq + seg_len(th), ts->rcv_nxt))
				toy_sack_duplicate(sk, seq, seq + ntohs(th->len));
			TOY_INC_STATS(sock_net(sk), TOY_MIB_OUTOFWINDOW);
			if (!oow_rate_limited(sk, th))
				toy_send_ack(sk);
		}
		toy_drop_mark(skb, TOY_DROP_SEQUENCE);
		return false;
	}

	if (th->flags & TOYHDR_RST) {
		/*
		 * RFC 5961 3.2: only an exact match resets the connection; one
		 * elsewhere in the window gets a challenge ACK, whose answer
		 * from a real peer is a RST with the exact number.
		 */
		if (seq == ts->rcv_nxt) {
			trace_toy_reset(sk, false);
			toy_fsm_event(sk, TOY_EV_RCV_RST, skb);
		} else {
			challenge_ack(sk, th);
			toy_drop_mark(skb, TOY_DROP_RST);
		}
		return false;
	}

	if (!(th->flags & TOYHDR_ACK)) {
		toy_drop_mark(skb, TOY_DROP_FLAGS);
		return false;
	}
	if (sock_flag(sk, SOCK_KEEPOPEN))
		toy_keepalive_reset(sk);
	if (sk->sk_state == TCP_SYN_RECV) {
		if (!toy_rcv_syn_recv_ack(sk, skb))
			return false;
	} else if (!rcv_ack(sk, skb, th)) {
		return false;
	}
	/* The peer answers: zero-window probes go on (rtx_expired(), timer.c). */
	ts->probes_out = 0;

	/* After the peer's FIN, nothing more of its stream is expected. */
	if (!((1 << sk->sk_state) & (TCPF_ESTABLISHED | TCPF_FIN_WAIT1 |
				     TCPF_FIN_WAIT2)))
		return false;
	return rcv_data(sk, skb);
}

/**
 * toy_do_rcv - process one segment for a socket
 * @sk: the socket, under bh_lock_sock() or owned (backlog)
 * @skb: the segment, transport header at skb->data
 *
 * Also the socket's sk_backlog_rcv. Always consumes @skb.
 */
int toy_do_rcv(struct sock *sk, struct sk_buff *skb)
{
	bool kept = false;
	int state = sk->sk_state;

	sock_owned_by_me(sk);
	/*
	 * Found, then the socket closed and took an address of the other IP
	 * version while the segment waited (a listener anew, say): it is no
	 * longer this socket's, as for a closed one.
	 */
	if (unlikely(toy_skb_v6(skb) != toy_sk(sk)->ipv6))
		state = TCP_CLOSE;
	switch (state) {
	case TCP_LISTEN:
		toy_rcv_listen(sk, skb);
		break;
	case TCP_SYN_SENT:
		toy_rcv_syn_sent(sk, skb);
		break;
	case TCP_CLOSE:
		/* Closed while the segment waited in the backlog. */
		TOY_INC_STATS(sock_net(sk), TOY_MIB_INNOSOCKET);
		toy_reply_rst(sock_net(sk), skb);
		toy_drop_mark(skb, TOY_DROP_NO_SOCKET);
		break;
	default:
		kept = rcv_synchronized(sk, skb);
		break;
	}
	if (!kept && TOY_SKB_CB(skb)->drop)
		toy_drop_skb(skb, TOY_SKB_CB(skb)->drop);
	else if (!kept)
		consume_skb(skb);
	return 0;
}

/*
 * The end of both protocol handlers: @skb to the socket the lookup found
 * (its reference is ours to drop), or, if none, a reset for the sender.
 */
static int deliver(struct net *net, struct sock *sk, struct sk_buff *skb)
{
	int ret = 0;

	if (!sk) {
		TOY_INC_STATS(net, TOY_MIB_INNOSOCKET);
		toy_reply_rst(net, skb);
		toy_drop_skb(skb, TOY_DROP_NO_SOCKET);
		return 0;
	}

	/*
	 * The socket's filter (SO_ATTACH_FILTER) and the LSM's receive hook.
	 * The cap is the whole segment: a filter may drop it, never trim it
	 * under the length its header promises.
	 */
	if (sk_filter_trim_cap(sk, skb, skb->len)) {
		TOY_INC_STATS(sock_net(sk), TOY_MIB_INERRS);
		toy_drop_skb(skb, TOY_DROP_FILTER);
		sock_put(sk);
		return 0;
	}

	/* Nested: a listener's lock is held while it creates a child. */
	bh_lock_sock_nested(sk);
	if (!sock_owned_by_user(sk)) {
		ret = toy_do_rcv(sk, skb);
	} else if (sk_add_backlog(sk, skb, 2 * READ_ONCE(sk->sk_rcvbuf) +
					   READ_ONCE(sk->sk_sndbuf))) {
		TOY_INC_STATS(sock_net(sk), TOY_MIB_RCVQDROPS);
		toy_drop_skb(skb, TOY_DROP_BACKLOG);
	}
	bh_unlock_sock(sk);
	sock_put(sk);
	return ret;
}

/**
 * toy_rcv - the IPv4 protocol handler
 * @skb: a packet for our protocol number, IP header pulled
 *
 * Return: 0 (the packet is always consumed).
 */
int toy_rcv(struct sk_buff *skb)
{
	struct net *net = dev_net(skb->dev);
	const struct toyhdr *th;
	const struct iphdr *iph;
	unsigned int segs = toy_skb_segs(skb);
	enum toy_drop why;
	struct sock *sk;

	TOY_ADD_STATS(net, TOY_MIB_INSEGS, segs);
	if (segs > 1)
		TOY_INC_STATS(net, TOY_MIB_INSUPERSEGS);
	if (skb->pkt_type != PACKET_HOST ||
	    skb_rtable(skb)->rt_flags & (RTCF_BROADCAST | RTCF_MULTICAST)) {
		why = TOY_DROP_OTHERHOST;
		goto discard;
	}
	why = rcv_check(net, skb, false);
	if (why != TOY_DROP_NONE)
		goto bad;
	th = toy_hdr(skb);
	iph = ip_hdr(skb);
	trace_toy_segment(false, iph->saddr, iph->daddr, NULL, NULL, th);

	sk = toy_lookup(net, iph->saddr, th->source, iph->daddr, th->dest);
	return deliver(net, sk, skb);

bad:
	TOY_INC_STATS(net, TOY_MIB_INERRS);
discard:
	toy_drop_skb(skb, why);
	return 0;
}

/*
 * What an ICMP error about one of our segments does to its connection,
 * as tcp_v4_err(): a connection not yet established fails at once on a
 * hard error (protocol or port unreachable: nobody speaks Toy there);
 * an established one keeps trying and records it in sk_err_soft, which
 * a timeout then reports. The quoted sequence number must be one we
 * have in flight, or anyone could abort connections with forged ICMP.
 * Segments leave without DF (output.c), so there is no path MTU to learn.
 */
static void icmp_apply(struct sock *sk, u32 seq, int err, bool fatal)
{
	struct toy_sock *ts = toy_sk(sk);

	if (!toy_between(seq, ts->snd_una, ts->snd_nxt)) {
		TOY_INC_STATS(sock_net(sk), TOY_MIB_INERRS);
		return;
	}
	if (fatal && ((1 << sk->sk_state) & (TCPF_SYN_SENT | TCPF_SYN_RECV)) &&
	    !sock_owned_by_user(sk) && !ts->parent) {
		WRITE_ONCE(sk->sk_err, err);
		/* Make the error visible before the state change. */
		smp_wmb();
		sk_error_report(sk);
		toy_fsm_event(sk, TOY_EV_ABORT, NULL);
		return;
	}
	WRITE_ONCE(sk->sk_err_soft, err);
}

/**
 * toy_err - the IPv4 protocol's ICMP error handler
 * @skb: the ICMP message, skb->data at the IP header it quotes
 * @info: ICMP extra information (the MTU for FRAG_NEEDED)
 *
 * Return: 0, or -ENOENT when no connection sent the quoted segment.
 */
int toy_err(struct sk_buff *skb, u32 info)
{
	const struct iphdr *iph = (const struct iphdr *)skb->data;
	int type = icmp_hdr(skb)->type, code = icmp_hdr(skb)->code;
	struct net *net = dev_net(skb->dev);
	const struct toyhdr *th;
	bool fatal = false;
	struct sock *sk;
	int err;

	/* icmp_unreach() guarantees the IP header and 8 bytes after it. */
	th = (const struct toyhdr *)(skb->data + (iph->ihl << 2));
	sk = toy_lookup(net, iph->daddr, th->dest, iph->saddr, th->source);
	if (!sk || sk->sk_state == TCP_LISTEN) {
		TOY_INC_STATS(net, TOY_MIB_INERRS);
		if (sk)
			sock_put(sk);
		return -ENOENT;
	}

	switch (type) {
	case ICMP_DEST_UNREACH:
		if (code > NR_ICMP_UNREACH || code == ICMP_FRAG_NEEDED)
			goto out;
		err = icmp_err_convert[code].errno;
		fatal = icmp_err_convert[code].fatal;
		break;
	case ICMP_TIME_EXCEEDED:
		err = EHOSTUNREACH;
		break;
	case ICMP_PARAMETERPROB:
		err = EPROTO;
		fatal = true;
		break;
	default:
		goto out;
	}
	bh_lock_sock(sk);
	icmp_apply(sk, ntohl(th->seq), err, fatal);
	bh_unlock_sock(sk);
out:
	sock_put(sk);
	return 0;
}

/**
 * toy_v6_rcv - the IPv6 protocol handler
 * @skb: a packet for our protocol number, IPv6 header (and any extension
 *	headers) pulled
 *
 * Only IPv6 sockets see it: they are IPv6-only, and IPv4 sockets never
 * hear from an IPv6 peer (docs/protocol.md 15.2). No GRO, no GSO: IPv6
 * segments travel one by one.
 *
 * Return: 0 (the packet is always consumed).
 */
int toy_v6_rcv(struct sk_buff *skb)
{
	struct net *net = dev_net(skb->dev);
	int iif = inet6_iif(skb);	/* before rcv_check() clears IP6CB */
	const struct ipv6hdr *ip6h;
	const struct toyhdr *th;
	enum toy_drop why;
	struct sock *sk;

	TOY_INC_STATS(net, TOY_MIB_INSEGS);
	/* Multicast and anycast destinations too (tcp_v6_rcv()) */
	if (skb->pkt_type != PACKET_HOST || !ipv6_unicast_destination(skb)) {
		why = TOY_DROP_OTHERHOST;
		goto discard;
	}
	why = rcv_check(net, skb, true);
	if (why != TOY_DROP_NONE)
		goto bad;
	TOY_SKB_CB(skb)->iif = iif;
	th = toy_hdr(skb);
	ip6h = ipv6_hdr(skb);
	trace_toy_segment(false, 0, 0, &ip6h->saddr, &ip6h->daddr, th);

	sk = toy_lookup6(net, &ip6h->saddr, th->source, &ip6h->daddr,
			 th->dest, iif);
	return deliver(net, sk, skb);

bad:
	TOY_INC_STATS(net, TOY_MIB_INERRS);
discard:
	toy_drop_skb(skb, why);
	return 0;
}

/**
 * toy_v6_err - the IPv6 protocol's ICMPv6 error handler
 * @skb: the ICMPv6 message, skb->data at the IPv6 header it quotes
 * @opt: unused
 * @type: ICMPv6 type
 * @code: ICMPv6 code
 * @offset: from skb->data to the quoted Toy header
 * @info: the MTU for a Packet Too Big
 *
 * As toy_err(), with icmpv6_err_convert()'s answers. A Packet Too Big for
 * a segment in flight lowers the route's path MTU (ip6_update_pmtu()) and
 * the connection's MSS with it (toy_mtu_reduced(), now or when the owner
 * releases the socket, as tcp_v6_err() does): IPv6 routers never
 * fragment, and segments cut to the path need no fragments from us either.
 *
 * Return: 0, or -ENOENT when no connection sent the quoted segment.
 */
int toy_v6_err(struct sk_buff *skb, struct inet6_skb_parm *opt, u8 type,
	       u8 code, int offset, __be32 info)
{
	const struct ipv6hdr *hdr = (const struct ipv6hdr *)skb->data;
	struct net *net = dev_net(skb->dev);
	const struct toyhdr *th;
	struct toy_sock *ts;
	struct sock *sk;
	bool fatal;
	u32 seq;
	int err;

	/* icmpv6_notify() guarantees 8 bytes of the quoted header. */
	th = (const struct toyhdr *)(skb->data + offset);
	sk = toy_lookup6(net, &hdr->daddr, th->dest, &hdr->saddr, th->source,
			 skb->dev->ifindex);
	if (!sk || sk->sk_state == TCP_LISTEN) {
		TOY_INC_STATS(net, TOY_MIB_INERRS);
		if (sk)
			sock_put(sk);
		return -ENOENT;
	}
	/* A Redirect is routing's business (ndisc), not the connection's. */
	if (type == NDISC_REDIRECT) {
		sock_put(sk);
		return 0;
	}
	seq = ntohl(th->seq);
	ts = toy_sk(sk);
	bh_lock_sock(sk);
	if (type == ICMPV6_PKT_TOOBIG) {
		if (!toy_between(seq, ts->snd_una, ts->snd_nxt)) {
			TOY_INC_STATS(net, TOY_MIB_INERRS);
		} else if (ntohl(info) >= IPV6_MIN_MTU) {
			/* A smaller MTU is bogus (RFC 8200 5; tcp_v6_err()) */
			ip6_update_pmtu(skb, net, info, sk->sk_bound_dev_if,
					READ_ONCE(sk->sk_mark), sk->sk_uid);
			WRITE_ONCE(ts->mtu_info, ntohl(info));
			if (!sock_owned_by_user(sk))
				toy_mtu_reduced(sk);
			else if (!test_and_set_bit(TOY_DEFER_MTU, &ts->deferred))
				sock_hold(sk);
		}
	} else {
		fatal = icmpv6_err_convert(type, code, &err);
		icmp_apply(sk, seq, err, fatal);
	}
	bh_unlock_sock(sk);
	sock_put(sk);
	return 0;
}

#if IS_ENABLED(CONFIG_TOY_KUNIT_TEST)
#include "test/input-test.c"
#endif
