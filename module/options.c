// SPDX-License-Identifier: GPL-2.0
/*
 * Toy Stream Protocol: header options.
 *
 * An option is offered by a flag of our SYN, agreed when the peer's SYN
 * (or SYN-ACK) carries the same flag, and may then add blocks of 32-bit
 * words after the fixed header, doff growing by their size
 * (docs/protocol.md 3.1). One entry of toy_options[] says all of that:
 * which flag, which segments may carry its blocks and how many, whether we
 * offer it, where a connection keeps it, and how its blocks are written.
 * Validation (input.c), the SYNs and the header writer (output.c), the
 * handshake (handshake.c) and struct toy_info (sockopt.c) ask this file,
 * never the option itself. A block is parsed where it is used: SACK's by
 * the scoreboard (recovery.c).
 *
 * A new option is an entry here with its hooks, its state in struct
 * toy_sock, its flag in <linux/toy.h> (and trace.h's flag names), its
 * section in docs/protocol.md, and the code that acts on it.
 *
 * This file calls only the leaves (params.c, rcvq.c); functions local to
 * it carry no toy_ prefix.
 */
#include <linux/skbuff.h>
#include <net/tcp_states.h>

#include "toy.h"

/**
 * struct toy_option - one header option
 * @syn_flag: the flag of a SYN or SYN-ACK that offers or agrees to it;
 *	on any other segment the header is invalid (docs 4, rule 8)
 * @info: its TOY_INFO_OPT_* bit in struct toy_info.options
 * @block_words: 32-bit words of one of its blocks after the header, or 0
 * @max_blocks: how many blocks one header may carry
 * @block_flags: SYN and ACK as a segment that carries blocks has them
 * @offer: do we offer it (and agree to it) now
 * @on: is it on for @sk (offered in SYN-SENT, agreed after)
 * @set: switch it on or off for @sk, locked, before its SYN or SYN-ACK
 * @write: append its blocks to @skb, a segment of @sk with @flags whose
 *	payload is in place, if it has any to send and room for them; return
 *	the 32-bit words appended
 *
 * Constant: the table is read without a lock.
 */
struct toy_option {
	u8 syn_flag;
	u8 info;
	u8 block_words;
	u8 max_blocks;
	u8 block_flags;
	bool (*offer)(void);
	bool (*on)(const struct sock *sk);
	void (*set)(struct sock *sk, bool on);
	int (*write)(struct sock *sk, struct sk_buff *skb, u8 flags);
};

/* ---- SACK (docs/protocol.md 3.1) ---------------------------------------- */

static bool sack_offer(void)
{
	return READ_ONCE(toy_sack);
}

static bool sack_on(const struct sock *sk)
{
	return toy_sk(sk)->sack_ok;
}

static void sack_set(struct sock *sk, bool on)
{
	toy_sk(sk)->sack_ok = on;
}

/* On pure ACKs only, so that data keeps its full MSS. */
static int sack_write(struct sock *sk, struct sk_buff *skb, u8 flags)
{
	struct toy_sack_block blocks[TOYHDR_SACK_MAX];
	struct toy_sock *ts = toy_sk(sk);
	int n;

	if (skb->len || (RB_EMPTY_ROOT(&ts->ooo_queue) && !ts->dsack) ||
	    skb_tailroom(skb) < sizeof(blocks))
		return 0;
	n = toy_sack_build(sk, blocks);
	skb_put_data(skb, blocks, n * sizeof(*blocks));
	return n * sizeof(*blocks) / 4;
}

static const struct toy_option toy_options[] = {
	{
		.syn_flag = TOYHDR_SACKOK,
		.info = TOY_INFO_OPT_SACK,
		.block_words = sizeof(struct toy_sack_block) / 4,
		.max_blocks = TOYHDR_SACK_MAX,
		.block_flags = TOYHDR_ACK,
		.offer = sack_offer,
		.on = sack_on,
		.set = sack_set,
		.write = sack_write,
	},
};

#define TOY_OPTIONS_END	(toy_options + ARRAY_SIZE(toy_options))

/**
 * toy_options_hdr_ok - may a header with these flags be this long?
 * @th: the header; doff is at least TOYHDR_DOFF
 *
 * Past the fixed header, only whole blocks of one option, no more than
 * it allows, on a segment that may carry them (docs 4, rule 2).
 *
 * Return: true if so.
 */
bool toy_options_hdr_ok(const struct toyhdr *th)
{
	unsigned int words = th->doff - TOYHDR_DOFF;
	const struct toy_option *o;

	if (!words)
		return true;
	for (o = toy_options; o < TOY_OPTIONS_END; o++)
		if (o->block_words &&
		    (th->flags & (TOYHDR_SYN | TOYHDR_ACK)) == o->block_flags &&
		    words % o->block_words == 0 &&
		    words / o->block_words <= o->max_blocks)
			return true;
	return false;
}

/**
 * toy_options_flags_ok - are option flags only on a SYN? (docs 4, rule 8)
 * @flags: the header's flags
 *
 * Return: true if so.
 */
bool toy_options_flags_ok(u8 flags)
{
	const struct toy_option *o;

	if (flags & TOYHDR_SYN)
		return true;
	for (o = toy_options; o < TOY_OPTIONS_END; o++)
		if (flags & o->syn_flag)
			return false;
	return true;
}

/**
 * toy_options_offer - the options our SYN offers now
 *
 * Return: their flags.
 */
u8 toy_options_offer(void)
{
	const struct toy_option *o;
	u8 flags = 0;

	for (o = toy_options; o < TOY_OPTIONS_END; o++)
		if (o->offer())
			flags |= o->syn_flag;
	return flags;
}

/**
 * toy_options_set - switch a connection's options on or off
 * @sk: the socket, locked, before its SYN or SYN-ACK leaves
 * @flags: the options that are on: what our SYN offers, what both SYNs
 *	carried (toy_options_offer() & the peer's flags), or what stays on
 *	of an offer once the SYN-ACK is in (toy_options_syn(sk) & its flags)
 */
void toy_options_set(struct sock *sk, u8 flags)
{
	const struct toy_option *o;

	for (o = toy_options; o < TOY_OPTIONS_END; o++)
		o->set(sk, flags & o->syn_flag);
}

/**
 * toy_options_syn - the option flags of @sk's SYN or SYN-ACK
 * @sk: the socket
 *
 * Return: the flags of the options that are on.
 */
u8 toy_options_syn(const struct sock *sk)
{
	const struct toy_option *o;
	u8 flags = 0;

	for (o = toy_options; o < TOY_OPTIONS_END; o++)
		if (o->on(sk))
			flags |= o->syn_flag;
	return flags;
}

/**
 * toy_options_write - append the option blocks of a segment
 * @sk: the socket, locked
 * @skb: the segment, payload in place, header not yet pushed
 * @flags: the segment's flags
 *
 * Return: the 32-bit words appended, which doff will count.
 */
int toy_options_write(struct sock *sk, struct sk_buff *skb, u8 flags)
{
	const struct toy_option *o;

	sock_owned_by_me(sk);
	for (o = toy_options; o < TOY_OPTIONS_END; o++)
		if (o->write && o->on(sk) &&
		    (flags & (TOYHDR_SYN | TOYHDR_ACK)) == o->block_flags) {
			int words = o->write(sk, skb, flags);

			if (words)
				return words;	/* one option's blocks a segment */
		}
	return 0;
}

/**
 * toy_options_info - struct toy_info.options
 * @sk: the socket
 *
 * Return: the TOY_INFO_OPT_* bits of the options both ends agreed to.
 */
u32 toy_options_info(const struct sock *sk)
{
	const struct toy_option *o;
	u32 info = 0;

	if (sk->sk_state == TCP_SYN_SENT)	/* offered, not agreed */
		return 0;
	for (o = toy_options; o < TOY_OPTIONS_END; o++)
		if (o->on(sk))
			info |= o->info;
	return info;
}
