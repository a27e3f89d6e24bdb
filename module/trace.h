/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tracepoints of the Toy Stream Protocol: toy:toy_set_state,
 * toy:toy_segment, toy:toy_retransmit, toy:toy_reset, toy:toy_cwnd (every
 * change of the congestion window or its state). They carry the
 * 4-tuple so that a tool (toytrace, perf, bpftrace) can follow one
 * connection; toytrace draws the handshake diagram from them.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM toy

#if !defined(_TOY_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _TOY_TRACE_H

#include <linux/ip.h>
#include <linux/tracepoint.h>
#include <net/ipv6.h>
#include <net/tcp_states.h>

#ifndef _TOY_TRACE_ADDRS
#define _TOY_TRACE_ADDRS
/*
 * The addresses an event shows: saddr and daddr for IPv4 (0.0.0.0 for an
 * IPv6 socket), and saddrv6 and daddrv6 for both (v4-mapped for an IPv4
 * socket), as TCP's sock:inet_sock_set_state shows them.
 */
static inline void toy_trace_addrs6(__be32 s4, __be32 d4,
				    const struct in6_addr *s6,
				    const struct in6_addr *d6,
				    u8 *saddr, u8 *daddr, u8 *saddr6, u8 *daddr6)
{
	struct in6_addr a, b;

	if (s6) {
		a = *s6;
		b = *d6;
		s4 = 0;
		d4 = 0;
	} else {
		ipv6_addr_set_v4mapped(s4, &a);
		ipv6_addr_set_v4mapped(d4, &b);
	}
	memcpy(saddr, &s4, 4);
	memcpy(daddr, &d4, 4);
	memcpy(saddr6, &a, 16);
	memcpy(daddr6, &b, 16);
}

static inline void toy_trace_addrs(const struct sock *sk, u8 *saddr,
				   u8 *daddr, u8 *saddr6, u8 *daddr6)
{
	if (toy_sk(sk)->ipv6)
		toy_trace_addrs6(0, 0, &sk->sk_v6_rcv_saddr, &sk->sk_v6_daddr,
				 saddr, daddr, saddr6, daddr6);
	else
		toy_trace_addrs6(sk->sk_rcv_saddr, sk->sk_daddr, NULL, NULL,
				 saddr, daddr, saddr6, daddr6);
}
#endif

/* So that perf and bpftrace, reading the format, can name them too. */
TRACE_DEFINE_ENUM(TCP_ESTABLISHED);
TRACE_DEFINE_ENUM(TCP_SYN_SENT);
TRACE_DEFINE_ENUM(TCP_SYN_RECV);
TRACE_DEFINE_ENUM(TCP_FIN_WAIT1);
TRACE_DEFINE_ENUM(TCP_FIN_WAIT2);
TRACE_DEFINE_ENUM(TCP_TIME_WAIT);
TRACE_DEFINE_ENUM(TCP_CLOSE);
TRACE_DEFINE_ENUM(TCP_CLOSE_WAIT);
TRACE_DEFINE_ENUM(TCP_LAST_ACK);
TRACE_DEFINE_ENUM(TCP_LISTEN);
TRACE_DEFINE_ENUM(TCP_CLOSING);

TRACE_DEFINE_ENUM(TOY_DROP_NONE);
TRACE_DEFINE_ENUM(TOY_DROP_OTHERHOST);
TRACE_DEFINE_ENUM(TOY_DROP_SHORT);
TRACE_DEFINE_ENUM(TOY_DROP_HEADER);
TRACE_DEFINE_ENUM(TOY_DROP_CSUM);
TRACE_DEFINE_ENUM(TOY_DROP_FLAGS);
TRACE_DEFINE_ENUM(TOY_DROP_NO_SOCKET);
TRACE_DEFINE_ENUM(TOY_DROP_FILTER);
TRACE_DEFINE_ENUM(TOY_DROP_BACKLOG);
TRACE_DEFINE_ENUM(TOY_DROP_SEQUENCE);
TRACE_DEFINE_ENUM(TOY_DROP_RST);
TRACE_DEFINE_ENUM(TOY_DROP_RCVBUF);
TRACE_DEFINE_ENUM(TOY_DROP_DUPLICATE);
TRACE_DEFINE_ENUM(TOY_DROP_LISTEN_OVERFLOW);
TRACE_DEFINE_ENUM(TOY_DROP_ACK_UNSENT);
TRACE_DEFINE_ENUM(TOY_DROP_ACK_OLD);
TRACE_DEFINE_ENUM(TOY_DROP_CLOSED);

#define toy_show_drop(r)						\
	__print_symbolic(r,						\
			 { TOY_DROP_NONE, "NONE" },			\
			 { TOY_DROP_OTHERHOST, "OTHERHOST" },		\
			 { TOY_DROP_SHORT, "SHORT" },			\
			 { TOY_DROP_HEADER, "HEADER" },			\
			 { TOY_DROP_CSUM, "CSUM" },			\
			 { TOY_DROP_FLAGS, "FLAGS" },			\
			 { TOY_DROP_NO_SOCKET, "NO_SOCKET" },		\
			 { TOY_DROP_FILTER, "FILTER" },			\
			 { TOY_DROP_BACKLOG, "BACKLOG" },		\
			 { TOY_DROP_SEQUENCE, "SEQUENCE" },		\
			 { TOY_DROP_RST, "RST" },			\
			 { TOY_DROP_RCVBUF, "RCVBUF" },			\
			 { TOY_DROP_DUPLICATE, "DUPLICATE" },		\
			 { TOY_DROP_LISTEN_OVERFLOW, "LISTEN_OVERFLOW" },	\
			 { TOY_DROP_ACK_UNSENT, "ACK_UNSENT" },		\
			 { TOY_DROP_ACK_OLD, "ACK_OLD" },		\
			 { TOY_DROP_CLOSED, "CLOSED" })

#define toy_show_state(s)						\
	__print_symbolic(s,						\
			 { TCP_ESTABLISHED, "ESTABLISHED" },		\
			 { TCP_SYN_SENT, "SYN_SENT" },			\
			 { TCP_SYN_RECV, "SYN_RECV" },			\
			 { TCP_FIN_WAIT1, "FIN_WAIT1" },		\
			 { TCP_FIN_WAIT2, "FIN_WAIT2" },		\
			 { TCP_TIME_WAIT, "TIME_WAIT" },		\
			 { TCP_CLOSE, "CLOSE" },			\
			 { TCP_CLOSE_WAIT, "CLOSE_WAIT" },		\
			 { TCP_LAST_ACK, "LAST_ACK" },			\
			 { TCP_LISTEN, "LISTEN" },			\
			 { TCP_CLOSING, "CLOSING" })

#define toy_show_flags(f)						\
	__print_flags(f, "|",						\
		      { TOYHDR_SYN, "SYN" }, { TOYHDR_FIN, "FIN" },	\
		      { TOYHDR_RST, "RST" }, { TOYHDR_ACK, "ACK" },	\
		      { TOYHDR_SACKOK, "SACKOK" })

TRACE_EVENT(toy_set_state,
	TP_PROTO(const struct sock *sk, int oldstate, int newstate),
	TP_ARGS(sk, oldstate, newstate),
	TP_STRUCT__entry(
		__field(const void *, skaddr)
		__field(int, oldstate)
		__field(int, newstate)
		__field(__u16, sport)
		__field(__u16, dport)
		__array(__u8, saddr, 4)
		__array(__u8, daddr, 4)
		__array(__u8, saddrv6, 16)
		__array(__u8, daddrv6, 16)
	),
	TP_fast_assign(
		__entry->skaddr = sk;
		__entry->oldstate = oldstate;
		__entry->newstate = newstate;
		__entry->sport = sk->sk_num;
		__entry->dport = ntohs(sk->sk_dport);
		toy_trace_addrs(sk, __entry->saddr, __entry->daddr,
				__entry->saddrv6, __entry->daddrv6);
	),
	TP_printk("sport=%u dport=%u saddr=%pI4 daddr=%pI4 saddrv6=%pI6c daddrv6=%pI6c oldstate=%s newstate=%s",
		  __entry->sport, __entry->dport, __entry->saddr,
		  __entry->daddr, __entry->saddrv6, __entry->daddrv6,
		  toy_show_state(__entry->oldstate),
		  toy_show_state(__entry->newstate))
);

TRACE_EVENT(toy_segment,
	TP_PROTO(bool out, __be32 saddr, __be32 daddr,
		 const struct in6_addr *saddr6, const struct in6_addr *daddr6,
		 const struct toyhdr *th),
	TP_ARGS(out, saddr, daddr, saddr6, daddr6, th),
	TP_STRUCT__entry(
		__field(bool, out)
		__field(__u16, sport)
		__field(__u16, dport)
		__array(__u8, saddr, 4)
		__array(__u8, daddr, 4)
		__array(__u8, saddrv6, 16)
		__array(__u8, daddrv6, 16)
		__field(__u32, seq)
		__field(__u32, ack)
		__field(__u32, window)
		__field(__u16, len)
		__field(__u8, flags)
		__field(__u8, sack_len)
		__array(__u32, sack, 8)
	),
	TP_fast_assign(
		/* The blocks follow the header; "in" is validated first. */
		const __be32 *blk = (const __be32 *)(th + 1);
		int i;

		BUILD_BUG_ON(2 * TOYHDR_SACK_MAX != 8);
		/* start, end per block: what perf's parser can print */
		__entry->sack_len = th->doff > TOYHDR_DOFF ?
			2 * min_t(int, (th->doff - TOYHDR_DOFF) / 2, TOYHDR_SACK_MAX) : 0;
		for (i = 0; i < 8; i++)
			__entry->sack[i] = i < __entry->sack_len ? ntohl(blk[i]) : 0;
		__entry->out = out;
		__entry->sport = ntohs(th->source);
		__entry->dport = ntohs(th->dest);
		toy_trace_addrs6(saddr, daddr, saddr6, daddr6, __entry->saddr,
				 __entry->daddr, __entry->saddrv6,
				 __entry->daddrv6);
		__entry->seq = ntohl(th->seq);
		__entry->ack = ntohl(th->ack_seq);
		__entry->window = ntohl(th->window);
		__entry->len = ntohs(th->len);
		__entry->flags = th->flags;
	),
	TP_printk("%s sport=%u dport=%u saddr=%pI4 daddr=%pI4 saddrv6=%pI6c daddrv6=%pI6c flags=%s seq=%u ack=%u len=%u window=%u sack=%s",
		  __entry->out ? "out" : "in", __entry->sport, __entry->dport,
		  __entry->saddr, __entry->daddr, __entry->saddrv6, __entry->daddrv6,
		  toy_show_flags(__entry->flags), __entry->seq, __entry->ack,
		  __entry->len, __entry->window,
		  __print_array(__entry->sack, __entry->sack_len, 4))
);

TRACE_EVENT(toy_retransmit,
	TP_PROTO(const struct sock *sk, u32 seq, u8 retransmits, u32 rto_us),
	TP_ARGS(sk, seq, retransmits, rto_us),
	TP_STRUCT__entry(
		__field(__u16, sport)
		__field(__u16, dport)
		__array(__u8, saddr, 4)
		__array(__u8, daddr, 4)
		__array(__u8, saddrv6, 16)
		__array(__u8, daddrv6, 16)
		__field(__u32, seq)
		__field(__u8, retransmits)
		__field(__u32, rto_us)
		__field(int, state)
	),
	TP_fast_assign(
		__entry->sport = sk->sk_num;
		__entry->dport = ntohs(sk->sk_dport);
		toy_trace_addrs(sk, __entry->saddr, __entry->daddr,
				__entry->saddrv6, __entry->daddrv6);
		__entry->seq = seq;
		__entry->retransmits = retransmits;
		__entry->rto_us = rto_us;
		__entry->state = sk->sk_state;
	),
	TP_printk("sport=%u dport=%u saddr=%pI4 daddr=%pI4 saddrv6=%pI6c daddrv6=%pI6c state=%s seq=%u retransmits=%u rto_us=%u",
		  __entry->sport, __entry->dport, __entry->saddr,
		  __entry->daddr, __entry->saddrv6, __entry->daddrv6,
		  toy_show_state(__entry->state),
		  __entry->seq, __entry->retransmits, __entry->rto_us)
);

TRACE_EVENT(toy_reset,
	TP_PROTO(const struct sock *sk, bool out),
	TP_ARGS(sk, out),
	TP_STRUCT__entry(
		__field(bool, out)
		__field(__u16, sport)
		__field(__u16, dport)
		__array(__u8, saddr, 4)
		__array(__u8, daddr, 4)
		__array(__u8, saddrv6, 16)
		__array(__u8, daddrv6, 16)
		__field(int, state)
	),
	TP_fast_assign(
		__entry->out = out;
		__entry->sport = sk->sk_num;
		__entry->dport = ntohs(sk->sk_dport);
		toy_trace_addrs(sk, __entry->saddr, __entry->daddr,
				__entry->saddrv6, __entry->daddrv6);
		__entry->state = sk->sk_state;
	),
	TP_printk("%s sport=%u dport=%u saddr=%pI4 daddr=%pI4 saddrv6=%pI6c daddrv6=%pI6c state=%s",
		  __entry->out ? "sent" : "received", __entry->sport,
		  __entry->dport, __entry->saddr, __entry->daddr,
		  __entry->saddrv6, __entry->daddrv6,
		  toy_show_state(__entry->state))
);

TRACE_EVENT(toy_cwnd,
	TP_PROTO(const struct sock *sk, u32 cwnd, u32 ssthresh, u32 in_flight,
		 u8 ca_state, u32 srtt_us),
	TP_ARGS(sk, cwnd, ssthresh, in_flight, ca_state, srtt_us),
	TP_STRUCT__entry(
		__field(__u16, sport)
		__field(__u16, dport)
		__array(__u8, saddr, 4)
		__array(__u8, daddr, 4)
		__array(__u8, saddrv6, 16)
		__array(__u8, daddrv6, 16)
		__field(__u32, cwnd)
		__field(__u32, ssthresh)
		__field(__u32, in_flight)
		__field(__u32, srtt_us)
		__field(__u8, ca_state)
	),
	TP_fast_assign(
		__entry->sport = sk->sk_num;
		__entry->dport = ntohs(sk->sk_dport);
		toy_trace_addrs(sk, __entry->saddr, __entry->daddr,
				__entry->saddrv6, __entry->daddrv6);
		__entry->cwnd = cwnd;
		__entry->ssthresh = ssthresh;
		__entry->in_flight = in_flight;
		__entry->srtt_us = srtt_us;
		__entry->ca_state = ca_state;
	),
	TP_printk("sport=%u dport=%u saddr=%pI4 daddr=%pI4 saddrv6=%pI6c daddrv6=%pI6c ca_state=%s cwnd=%u ssthresh=%u in_flight=%u srtt_us=%u",
		  __entry->sport, __entry->dport, __entry->saddr,
		  __entry->daddr, __entry->saddrv6, __entry->daddrv6,
		  __print_symbolic(__entry->ca_state,
				   { TOY_CA_OPEN, "open" },
				   { TOY_CA_RECOVERY, "recovery" },
				   { TOY_CA_LOSS, "loss" }),
		  __entry->cwnd, __entry->ssthresh, __entry->in_flight,
		  __entry->srtt_us)
);

/*
 * A received segment dropped (enum toy_drop): the header's fields when it
 * had a whole header, else zeros. skb:kfree_skb follows with the kernel's
 * reason for the same skb.
 */
TRACE_EVENT(toy_drop,
	TP_PROTO(const struct sk_buff *skb, const struct toyhdr *th, int reason),
	TP_ARGS(skb, th, reason),
	TP_STRUCT__entry(
		__field(__u16, sport)
		__field(__u16, dport)
		__array(__u8, saddr, 4)
		__array(__u8, daddr, 4)
		__array(__u8, saddrv6, 16)
		__array(__u8, daddrv6, 16)
		__field(__u32, seq)
		__field(__u32, ack)
		__field(__u16, len)
		__field(__u8, flags)
		__field(int, reason)
	),
	TP_fast_assign(
		/* Only what came through IP has its header (not KUnit's). */
		if (skb->protocol == htons(ETH_P_IPV6))
			toy_trace_addrs6(0, 0, &ipv6_hdr(skb)->saddr,
					 &ipv6_hdr(skb)->daddr, __entry->saddr,
					 __entry->daddr, __entry->saddrv6,
					 __entry->daddrv6);
		else if (skb->protocol == htons(ETH_P_IP))
			toy_trace_addrs6(ip_hdr(skb)->saddr, ip_hdr(skb)->daddr,
					 NULL, NULL, __entry->saddr,
					 __entry->daddr, __entry->saddrv6,
					 __entry->daddrv6);
		else
			toy_trace_addrs6(0, 0, NULL, NULL, __entry->saddr,
					 __entry->daddr, __entry->saddrv6,
					 __entry->daddrv6);
		__entry->sport = th ? ntohs(th->source) : 0;
		__entry->dport = th ? ntohs(th->dest) : 0;
		__entry->seq = th ? ntohl(th->seq) : 0;
		__entry->ack = th ? ntohl(th->ack_seq) : 0;
		__entry->len = th ? ntohs(th->len) : 0;
		__entry->flags = th ? th->flags : 0;
		__entry->reason = reason;
	),
	TP_printk("sport=%u dport=%u saddr=%pI4 daddr=%pI4 saddrv6=%pI6c daddrv6=%pI6c flags=%s seq=%u ack=%u len=%u reason=%s",
		  __entry->sport, __entry->dport, __entry->saddr,
		  __entry->daddr, __entry->saddrv6, __entry->daddrv6,
		  toy_show_flags(__entry->flags),
		  __entry->seq, __entry->ack, __entry->len,
		  toy_show_drop(__entry->reason))
);

#endif /* _TOY_TRACE_H */

/* This part must be outside the include guard. */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
