/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Toy Stream Protocol: freeing a received segment that went no further,
 * saying why (enum toy_drop in toy.h): toy:toy_drop in Toy's words, then
 * kfree_skb_reason() with the kernel's nearest reason for skb:kfree_skb
 * and perf. Inline, so that the leaf files (rcvq.c) stay leaves.
 * docs/protocol.md 16.2 has the table; scripts/sockopt-check.py holds it
 * to this one.
 */
#ifndef _TOY_DROP_H
#define _TOY_DROP_H

#include <linux/skbuff.h>

#include "toy.h"
#include "trace.h"

/* What skb:kfree_skb says for each enum toy_drop. */
static inline enum skb_drop_reason toy_skb_drop_reason(enum toy_drop why)
{
	switch (why) {
	case TOY_DROP_OTHERHOST:
		return SKB_DROP_REASON_OTHERHOST;
	case TOY_DROP_SHORT:
		return SKB_DROP_REASON_PKT_TOO_SMALL;
	case TOY_DROP_HEADER:
		return SKB_DROP_REASON_INVALID_PROTO;
	case TOY_DROP_CSUM:
		return SKB_DROP_REASON_TCP_CSUM;
	case TOY_DROP_FLAGS:
		return SKB_DROP_REASON_TCP_FLAGS;
	case TOY_DROP_NO_SOCKET:
		return SKB_DROP_REASON_NO_SOCKET;
	case TOY_DROP_FILTER:
		return SKB_DROP_REASON_SOCKET_FILTER;
	case TOY_DROP_BACKLOG:
		return SKB_DROP_REASON_SOCKET_BACKLOG;
	case TOY_DROP_SEQUENCE:
		return SKB_DROP_REASON_TCP_INVALID_SEQUENCE;
	case TOY_DROP_RST:
		return SKB_DROP_REASON_TCP_RESET;
	case TOY_DROP_RCVBUF:
		return SKB_DROP_REASON_SOCKET_RCVBUFF;
	case TOY_DROP_DUPLICATE:
		return SKB_DROP_REASON_TCP_OLD_DATA;
	case TOY_DROP_LISTEN_OVERFLOW:
		return SKB_DROP_REASON_SOCKET_BACKLOG;
	case TOY_DROP_ACK_UNSENT:
		return SKB_DROP_REASON_TCP_ACK_UNSENT_DATA;
	case TOY_DROP_ACK_OLD:
		return SKB_DROP_REASON_TCP_TOO_OLD_ACK;
	case TOY_DROP_CLOSED:
		return SKB_DROP_REASON_TCP_CLOSE;
	default:
		return SKB_DROP_REASON_NOT_SPECIFIED;
	}
}

/**
 * toy_drop_skb - free a received segment that went no further, saying why
 * @skb: the segment; its IP header is in place
 * @why: the reason, for toy:toy_drop and (mapped) skb:kfree_skb
 */
static inline void toy_drop_skb(struct sk_buff *skb, enum toy_drop why)
{
	const struct toyhdr *th = NULL;

	/* The header as far as it arrived whole and in the linear part. */
	if (skb_transport_header_was_set(skb) &&
	    skb_transport_header(skb) + TOY_HLEN <= skb_tail_pointer(skb))
		th = toy_hdr(skb);
	trace_toy_drop(skb, th, why);
	kfree_skb_reason(skb, toy_skb_drop_reason(why));
}

#endif /* _TOY_DROP_H */
