// SPDX-License-Identifier: GPL-2.0
/*
 * Toy Stream Protocol: initial sequence numbers.
 *
 * As secure_tcp_seq() and secure_tcpv6_seq() (RFC 6528): a keyed hash of
 * the 4-tuple, so that an off-path attacker cannot guess it, plus a clock
 * ticking every 64 ns, so that a new incarnation of the same 4-tuple
 * starts above the old one.
 */
#include <linux/ktime.h>
#include <linux/net.h>
#include <linux/siphash.h>

#include "toy.h"

static siphash_aligned_key_t toy_isn_key;

u32 toy_isn(__be32 saddr, __be32 daddr, __be16 sport, __be16 dport)
{
	u32 hash;

	/* Test knob: reproducible numbers for diagrams and golden files. */
	if (toy_fixed_isn)
		return toy_fixed_isn + ntohs(sport);

	net_get_random_once(&toy_isn_key, sizeof(toy_isn_key));
	hash = siphash_3u32((__force u32)saddr, (__force u32)daddr,
			    (__force u32)sport << 16 | (__force u32)dport,
			    &toy_isn_key);
	return hash + (u32)(ktime_get_real_ns() >> 6);
}

/* The same for an IPv6 4-tuple (secure_tcpv6_seq()). */
u32 toy_isn6(const struct in6_addr *saddr, const struct in6_addr *daddr,
	     __be16 sport, __be16 dport)
{
	const struct {
		struct in6_addr saddr;
		struct in6_addr daddr;
		__be16 sport;
		__be16 dport;
	} __aligned(SIPHASH_ALIGNMENT) combined = {
		.saddr = *saddr,
		.daddr = *daddr,
		.sport = sport,
		.dport = dport,
	};
	u32 hash;

	if (toy_fixed_isn)
		return toy_fixed_isn + ntohs(sport);

	net_get_random_once(&toy_isn_key, sizeof(toy_isn_key));
	hash = siphash(&combined, offsetofend(typeof(combined), dport),
		       &toy_isn_key);
	return hash + (u32)(ktime_get_real_ns() >> 6);
}
