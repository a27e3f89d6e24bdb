// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the receive path (input.c): header validation, the
 * receive-side checksum, sequence arithmetic and acceptability, the
 * out-of-order queue, and whole segments fed to a listener. #included at
 * the end of input.c when CONFIG_TOY_KUNIT_TEST is set, so that the static
 * helpers are in reach.
 *
 * The cases that route (a SYN creating a child, segments through toy_rcv())
 * need 127.0.0.1: KUnit runs before userspace, so the toy_rcv suite brings
 * lo up itself and puts it back down afterwards. If it cannot, those cases
 * are skipped; segments the module sends may still fail with ENETUNREACH,
 * which the protocol treats as a lost segment.
 */
#include <kunit/test.h>
#include <linux/inetdevice.h>
#include <linux/netdevice.h>
#include <linux/prandom.h>
#include <linux/random.h>
#include <linux/rtnetlink.h>

/* ---- helpers ---- */

static void toy_test_sock_release(void *sock)
{
	sock_release(sock);
}

/* A new AF_TOY socket, released when the test ends unless released before. */
static struct socket *toy_test_socket(struct kunit *test)
{
	struct socket *sock;
	int err;

	err = sock_create_kern(&init_net, toy_family, SOCK_STREAM, 0, &sock);
	KUNIT_ASSERT_EQ_MSG(test, err, 0, "sock_create_kern(family %d)", toy_family);
	err = kunit_add_action_or_reset(test, toy_test_sock_release, sock);
	KUNIT_ASSERT_EQ(test, err, 0);
	return sock;
}

/* Release @sock now and check nothing else still holds its sock. */
static void toy_test_release_check(struct kunit *test, struct socket *sock)
{
	struct sock *sk = sock->sk;

	sock_hold(sk);
	kunit_release_action(test, toy_test_sock_release, sock);
	KUNIT_EXPECT_EQ_MSG(test, refcount_read(&sk->sk_refcnt), 1,
			    "references left after release");
	sock_put(sk);
}

/* Sum over the pseudo-header and the segment, as a sender computes it. */
static __sum16 toy_test_csum(__be32 saddr, __be32 daddr, const void *seg, int len)
{
	return csum_tcpudp_magic(saddr, daddr, len, IPPROTO_TOY,
				 csum_partial(seg, len, 0));
}

/*
 * An skb as toy_rcv() gets it: a fake IPv4 header before the segment,
 * network header set, skb->data at the transport header.
 */
static struct sk_buff *toy_test_rx_skb(struct kunit *test, __be32 saddr,
				       __be32 daddr, const void *seg, int len)
{
	struct sk_buff *skb;
	struct iphdr *iph;

	skb = alloc_skb(sizeof(*iph) + len, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, skb);
	skb_reserve(skb, sizeof(*iph));
	skb_put_data(skb, seg, len);
	skb_reset_transport_header(skb);

	iph = skb_push(skb, sizeof(*iph));
	skb_reset_network_header(skb);
	memset(iph, 0, sizeof(*iph));
	iph->version = 4;
	iph->ihl = sizeof(*iph) / 4;
	iph->ttl = 64;
	iph->protocol = IPPROTO_TOY;
	iph->tot_len = htons(sizeof(*iph) + len);
	iph->saddr = saddr;
	iph->daddr = daddr;
	iph->check = ip_fast_csum(iph, iph->ihl);
	skb_pull(skb, sizeof(*iph));
	skb->protocol = htons(ETH_P_IP);
	skb->ip_summed = CHECKSUM_NONE;
	return skb;
}

/* A well-formed segment between two 127.0.0.1 ports, checksummed. */
static struct sk_buff *toy_test_seg(struct kunit *test, u16 sport, u16 dport,
				    u32 seq, u32 ack, u8 flags, const void *data,
				    int len)
{
	__be32 lo = htonl(INADDR_LOOPBACK);
	u8 buf[TOY_HLEN + 64] = {};
	struct toyhdr *th = (struct toyhdr *)buf;

	KUNIT_ASSERT_LE(test, len, 64);
	th->source = htons(sport);
	th->dest = htons(dport);
	th->seq = htonl(seq);
	th->ack_seq = htonl(ack);
	th->window = htonl(65536);
	th->len = htons(len);
	th->flags = flags;
	th->doff = TOYHDR_DOFF;
	if (len)
		memcpy(buf + TOY_HLEN, data, len);
	th->check = toy_test_csum(lo, lo, buf, TOY_HLEN + len);
	return toy_test_rx_skb(test, lo, lo, buf, TOY_HLEN + len);
}

static u64 toy_test_stat(int field)
{
	return toy_stat_read(toy_pernet(&init_net), field);
}

/* ---- toy_validate: docs/protocol.md section 4, rules 1-5, 7 and 8 ---- */

struct toy_validate_case {
	const char *desc;
	unsigned int ip_len;	/* IP payload length */
	u16 len;		/* the header's len field */
	u8 flags;
	u8 doff;
	u16 reserved;
	bool valid;
};

#define TOY_V(d, iplen, l, fl, dof, res, ok) \
	{ .desc = d, .ip_len = iplen, .len = l, .flags = fl, .doff = dof, \
	  .reserved = res, .valid = ok }

static const struct toy_validate_case toy_validate_cases[] = {
	/* rule 1: truncated */
	TOY_V("short: 0 bytes", 0, 0, TOYHDR_ACK, 6, 0, false),
	TOY_V("short: 23 bytes", 23, 0, TOYHDR_ACK, 6, 0, false),
	TOY_V("short: len says 0, 23 bytes", 23, 0, TOYHDR_SYN, 6, 0, false),
	/* rule 2: doff */
	TOY_V("doff 5", 24, 0, TOYHDR_ACK, 5, 0, false),
	TOY_V("doff 7", 28, 4, TOYHDR_ACK, 7, 0, false),
	TOY_V("doff 0", 24, 0, TOYHDR_ACK, 0, 0, false),
	TOY_V("doff 255", 24, 0, TOYHDR_ACK, 255, 0, false),
	TOY_V("doff 8, no room for the block", 24, 0, TOYHDR_ACK, 8, 0, false),
	TOY_V("doff 9: half a block", 36, 0, TOYHDR_ACK, 9, 0, false),
	TOY_V("doff 16: five blocks", 64, 0, TOYHDR_ACK, 16, 0, false),
	TOY_V("blocks on SYN|ACK", 32, 0, TOYHDR_SYN | TOYHDR_ACK, 8, 0, false),
	TOY_V("blocks without ACK", 32, 0, TOYHDR_RST, 8, 0, false),
	/* rule 3: reserved */
	TOY_V("reserved 0x0001", 24, 0, TOYHDR_ACK, 6, 0x0001, false),
	TOY_V("reserved 0x8000", 24, 0, TOYHDR_ACK, 6, 0x8000, false),
	/* rule 4: unknown flags */
	TOY_V("unknown flag 0x20", 24, 0, 0x20, 6, 0, false),
	TOY_V("ACK|0x20", 24, 0, TOYHDR_ACK | 0x20, 6, 0, false),
	TOY_V("PSH 0x08", 24, 0, TOYHDR_ACK | 0x08, 6, 0, false),
	TOY_V("ECE 0x40", 24, 0, TOYHDR_ACK | 0x40, 6, 0, false),
	TOY_V("CWR 0x80", 24, 0, TOYHDR_ACK | 0x80, 6, 0, false),
	TOY_V("all flag bits", 24, 0, 0xff, 6, 0, false),
	/* rule 5: length */
	TOY_V("len too big", 24 + 5, 10, TOYHDR_ACK, 6, 0, false),
	TOY_V("len too small", 24 + 5, 3, TOYHDR_ACK, 6, 0, false),
	TOY_V("len 1, no payload", 24, 1, TOYHDR_ACK, 6, 0, false),
	TOY_V("trailing byte", 24 + 1, 0, TOYHDR_ACK, 6, 0, false),
	TOY_V("len 65535", 24 + 100, 65535, TOYHDR_ACK, 6, 0, false),
	/* rule 7: SYN with FIN or RST */
	TOY_V("SYN|FIN", 24, 0, TOYHDR_SYN | TOYHDR_FIN, 6, 0, false),
	TOY_V("SYN|RST", 24, 0, TOYHDR_SYN | TOYHDR_RST, 6, 0, false),
	TOY_V("SYN|FIN|ACK", 24, 0, TOYHDR_SYN | TOYHDR_FIN | TOYHDR_ACK, 6, 0, false),
	TOY_V("SYN|RST|ACK", 24, 0, TOYHDR_SYN | TOYHDR_RST | TOYHDR_ACK, 6, 0, false),
	/* rule 8: SACKOK only on a SYN */
	TOY_V("ACK|SACKOK", 24, 0, TOYHDR_ACK | TOYHDR_SACKOK, 6, 0, false),
	TOY_V("FIN|ACK|SACKOK", 24, 0, TOYHDR_FIN | TOYHDR_ACK | TOYHDR_SACKOK, 6, 0, false),
	/* well-formed */
	TOY_V("SYN|SACKOK", 24, 0, TOYHDR_SYN | TOYHDR_SACKOK, 6, 0, true),
	TOY_V("SYN|ACK|SACKOK", 24, 0, TOYHDR_SYN | TOYHDR_ACK | TOYHDR_SACKOK, 6, 0, true),
	TOY_V("ACK, 1 SACK block", 32, 0, TOYHDR_ACK, 8, 0, true),
	TOY_V("ACK, 4 SACK blocks", 56, 0, TOYHDR_ACK, 14, 0, true),
	TOY_V("ACK, 1 block and 4 bytes", 36, 4, TOYHDR_ACK, 8, 0, true),
	TOY_V("SYN", 24, 0, TOYHDR_SYN, 6, 0, true),
	TOY_V("SYN|ACK", 24, 0, TOYHDR_SYN | TOYHDR_ACK, 6, 0, true),
	TOY_V("ACK", 24, 0, TOYHDR_ACK, 6, 0, true),
	TOY_V("FIN|ACK", 24, 0, TOYHDR_FIN | TOYHDR_ACK, 6, 0, true),
	TOY_V("RST", 24, 0, TOYHDR_RST, 6, 0, true),
	TOY_V("RST|ACK", 24, 0, TOYHDR_RST | TOYHDR_ACK, 6, 0, true),
	TOY_V("ACK with 1 byte", 25, 1, TOYHDR_ACK, 6, 0, true),
	TOY_V("ACK with 1000 bytes", 1024, 1000, TOYHDR_ACK, 6, 0, true),
	TOY_V("FIN|ACK with 3 bytes", 27, 3, TOYHDR_FIN | TOYHDR_ACK, 6, 0, true),
	TOY_V("largest len", 65535, 65535 - 24, TOYHDR_ACK, 6, 0, true),
	/* Sections 4 and 11 leave these to the state machine, not to validation. */
	TOY_V("no flags", 24, 0, 0, 6, 0, true),
	TOY_V("FIN|RST|ACK", 24, 0, TOYHDR_FIN | TOYHDR_RST | TOYHDR_ACK, 6, 0, true),
};

KUNIT_ARRAY_PARAM_DESC(toy_validate, toy_validate_cases, desc);

static void toy_validate_header(struct kunit *test)
{
	const struct toy_validate_case *c = test->param_value;
	struct toyhdr th = {
		.source = htons(40000),
		.dest = htons(7000),
		.seq = htonl(1000),
		.window = htonl(65536),
		.len = htons(c->len),
		.flags = c->flags,
		.doff = c->doff,
		.reserved = htons(c->reserved),
	};

	/* toy_validate() reads only the header: the payload need not exist. */
	KUNIT_EXPECT_EQ(test, toy_validate(&th, c->ip_len), c->valid);
}

static struct kunit_case toy_validate_test_cases[] = {
	KUNIT_CASE_PARAM(toy_validate_header, toy_validate_gen_params),
	{}
};

static struct kunit_suite toy_validate_test_suite = {
	.name = "toy_validate",
	.test_cases = toy_validate_test_cases,
};

/* ---- receive-side checksum: docs/protocol.md section 5 ---- */

/* 5.1: SYN 127.0.0.1:40000 -> 127.0.0.1:7000, seq 1000, check 0x4360. */
static const u8 toy_rx_doc_syn[] = {
	0x9c, 0x40, 0x1b, 0x58, 0x00, 0x00, 0x03, 0xe8, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x02, 0x06, 0x43, 0x60, 0x00, 0x00,
};

/* 5.2: ACK seq 1001 ack 5001 with "abc", check 0x5d6d. */
static const u8 toy_rx_doc_ack_abc[] = {
	0x9c, 0x40, 0x1b, 0x58, 0x00, 0x00, 0x03, 0xe9, 0x00, 0x00, 0x13, 0x89,
	0x00, 0x01, 0x00, 0x00, 0x00, 0x03, 0x10, 0x06, 0x5d, 0x6d, 0x00, 0x00,
	0x61, 0x62, 0x63,
};

/* 5.3: ACK seq 5001 ack 1004 with the SACK block [1010, 1020), check 0x19db. */
static const u8 toy_rx_doc_ack_sack[] = {
	0x1b, 0x58, 0x9c, 0x40, 0x00, 0x00, 0x13, 0x89, 0x00, 0x00, 0x03, 0xec,
	0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x10, 0x08, 0x19, 0xdb, 0x00, 0x00,
	0x00, 0x00, 0x03, 0xf2, 0x00, 0x00, 0x03, 0xfc,
};

struct toy_csum_vector {
	const char *desc;
	const u8 *seg;
	int len;
	u16 check;
};

static const struct toy_csum_vector toy_csum_vectors[] = {
	{ "SYN (5.1)", toy_rx_doc_syn, sizeof(toy_rx_doc_syn), 0x4360 },
	{ "ACK with abc (5.2)", toy_rx_doc_ack_abc, sizeof(toy_rx_doc_ack_abc), 0x5d6d },
	{ "ACK with a SACK block (5.3)", toy_rx_doc_ack_sack,
	  sizeof(toy_rx_doc_ack_sack), 0x19db },
};

KUNIT_ARRAY_PARAM_DESC(toy_csum, toy_csum_vectors, desc);

/* The documented segments are valid as received, and our sum agrees. */
static void toy_csum_doc_vector_ok(struct kunit *test)
{
	const struct toy_csum_vector *v = test->param_value;
	__be32 lo = htonl(INADDR_LOOPBACK);
	u8 seg[64];
	struct toyhdr *th = (struct toyhdr *)seg;
	struct sk_buff *skb;

	memcpy(seg, v->seg, v->len);
	KUNIT_EXPECT_TRUE(test, toy_validate(th, v->len));
	th->check = 0;
	KUNIT_EXPECT_EQ(test, ntohs((__force __be16)toy_test_csum(lo, lo, seg, v->len)),
			v->check);

	skb = toy_test_rx_skb(test, lo, lo, v->seg, v->len);
	KUNIT_EXPECT_TRUE(test, csum_ok(skb));
	kfree_skb(skb);
}

/* Any single flipped bit, anywhere in the segment, is caught. */
static void toy_csum_doc_vector_bitflip(struct kunit *test)
{
	const struct toy_csum_vector *v = test->param_value;
	__be32 lo = htonl(INADDR_LOOPBACK);
	struct sk_buff *skb;
	int bit, missed = 0;

	skb = toy_test_rx_skb(test, lo, lo, v->seg, v->len);
	for (bit = 0; bit < v->len * 8; bit++) {
		skb->data[bit / 8] ^= BIT(bit % 8);
		if (csum_ok(skb)) {
			kunit_info(test, "flipped bit %d accepted", bit);
			missed++;
		}
		skb->data[bit / 8] ^= BIT(bit % 8);
	}
	KUNIT_EXPECT_EQ(test, missed, 0);
	KUNIT_EXPECT_TRUE(test, csum_ok(skb));

	/* The pseudo-header counts: another source address fails. */
	ip_hdr(skb)->saddr = htonl(INADDR_LOOPBACK + 1);
	KUNIT_EXPECT_FALSE(test, csum_ok(skb));
	kfree_skb(skb);
}

/* check = 0 is not "no checksum" (unlike UDP). */
static void toy_csum_zero_is_not_none(struct kunit *test)
{
	__be32 lo = htonl(INADDR_LOOPBACK);
	u8 seg[sizeof(toy_rx_doc_syn)];
	struct sk_buff *skb;

	memcpy(seg, toy_rx_doc_syn, sizeof(seg));
	((struct toyhdr *)seg)->check = 0;
	skb = toy_test_rx_skb(test, lo, lo, seg, sizeof(seg));
	KUNIT_EXPECT_FALSE(test, csum_ok(skb));
	kfree_skb(skb);
}

/* A device sum (CHECKSUM_COMPLETE) is used when right, ignored when wrong. */
static void toy_csum_complete(struct kunit *test)
{
	__be32 lo = htonl(INADDR_LOOPBACK);
	struct sk_buff *skb;

	skb = toy_test_rx_skb(test, lo, lo, toy_rx_doc_ack_abc,
			      sizeof(toy_rx_doc_ack_abc));
	skb->ip_summed = CHECKSUM_COMPLETE;
	skb->csum = csum_partial(skb->data, skb->len, 0);
	KUNIT_EXPECT_TRUE(test, csum_ok(skb));
	/* A stale device sum: the full check still accepts a good segment. */
	skb->csum = csum_add(skb->csum, (__force __wsum)1);
	KUNIT_EXPECT_TRUE(test, csum_ok(skb));
	/* ... and a bad segment is refused whatever the device said. */
	skb->data[TOY_HLEN] ^= 0x01;
	skb->csum = csum_partial(skb->data, skb->len, 0);
	KUNIT_EXPECT_FALSE(test, csum_ok(skb));
	kfree_skb(skb);
}

/* What the device or the stack verified, or will fill in, is not summed. */
static void toy_csum_unnecessary_and_partial(struct kunit *test)
{
	__be32 lo = htonl(INADDR_LOOPBACK);
	struct sk_buff *skb;

	skb = toy_test_rx_skb(test, lo, lo, toy_rx_doc_ack_abc,
			      sizeof(toy_rx_doc_ack_abc));
	skb->data[TOY_HLEN] ^= 0x01;
	KUNIT_EXPECT_FALSE(test, csum_ok(skb));
	skb->ip_summed = CHECKSUM_UNNECESSARY;
	KUNIT_EXPECT_TRUE(test, csum_ok(skb));
	skb->ip_summed = CHECKSUM_PARTIAL;
	skb->csum_start = skb_headroom(skb);
	skb->csum_offset = offsetof(struct toyhdr, check);
	KUNIT_EXPECT_TRUE(test, csum_ok(skb));
	kfree_skb(skb);
}

static struct kunit_case toy_csum_test_cases[] = {
	KUNIT_CASE_PARAM(toy_csum_doc_vector_ok, toy_csum_gen_params),
	KUNIT_CASE_PARAM(toy_csum_doc_vector_bitflip, toy_csum_gen_params),
	KUNIT_CASE(toy_csum_zero_is_not_none),
	KUNIT_CASE(toy_csum_complete),
	KUNIT_CASE(toy_csum_unnecessary_and_partial),
	{}
};

static struct kunit_suite toy_csum_test_suite = {
	.name = "toy_csum",
	.test_cases = toy_csum_test_cases,
};

/* ---- sequence arithmetic and acceptability ---- */

static void toy_seq_before_after(struct kunit *test)
{
	static const struct {
		u32 a, b;
		bool before;
	} cases[] = {
		{ 0, 1, true },
		{ 1000, 2000, true },
		{ 0xffffffff, 0, true },		/* across the wrap */
		{ 0xfffffff0, 0x10, true },
		{ 0x7fffffff, 0x80000000, true },
		{ 0, 0x7fffffff, true },		/* just under half the space */
		{ 0x80000001, 0, true },		/* "negative" is before 0 */
		{ 5, 5, false },
	};
	int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		u32 a = cases[i].a, b = cases[i].b;

		KUNIT_EXPECT_EQ_MSG(test, toy_before(a, b), cases[i].before,
				    "before(%#x, %#x)", a, b);
		KUNIT_EXPECT_EQ_MSG(test, toy_after(b, a), cases[i].before,
				    "after(%#x, %#x)", b, a);
		if (a != b) {
			KUNIT_EXPECT_FALSE_MSG(test, toy_before(b, a),
					       "before(%#x, %#x)", b, a);
			KUNIT_EXPECT_FALSE_MSG(test, toy_after(a, b),
					       "after(%#x, %#x)", a, b);
		}
	}
	/* Neither is after itself. */
	KUNIT_EXPECT_FALSE(test, toy_after(0xffffffff, 0xffffffff));
}

static void toy_seq_between(struct kunit *test)
{
	static const struct {
		u32 seq, low, high;
		bool in;
	} cases[] = {
		{ 5, 0, 10, true },
		{ 0, 0, 10, true },			/* both ends are inside */
		{ 10, 0, 10, true },
		{ 11, 0, 10, false },
		{ 0xffffffff, 0, 10, false },
		{ 7, 7, 7, true },			/* a window of one */
		{ 8, 7, 7, false },
		/* windows across 2^32 */
		{ 5, 0xfffffff0, 10, true },
		{ 0xfffffff0, 0xfffffff0, 10, true },
		{ 0xffffffff, 0xfffffff0, 10, true },
		{ 0, 0xfffffff0, 10, true },
		{ 10, 0xfffffff0, 10, true },
		{ 11, 0xfffffff0, 10, false },
		{ 0xffffffef, 0xfffffff0, 10, false },
		{ 0x80000000, 0xfffffff0, 10, false },
	};
	int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++)
		KUNIT_EXPECT_EQ_MSG(test, toy_between(cases[i].seq, cases[i].low,
						      cases[i].high),
				    cases[i].in, "between(%#x, %#x, %#x)",
				    cases[i].seq, cases[i].low, cases[i].high);
}

struct toy_acceptable_case {
	const char *desc;
	u32 rcv_nxt;
	u32 rcv_wnd;	/* window last advertised, from rcv_nxt */
	int rcvbuf;	/* toy_rcv_window() is half of it: it may widen rcv_wnd */
	u32 seq;
	u32 seg_len;
	bool ok;
};

/* RFC 9293 3.10.7.4: the four cases of segment length and window. */
static const struct toy_acceptable_case toy_acceptable_cases[] = {
	{ "len 0, wnd 0, seq = rcv_nxt", 1000, 0, 0, 1000, 0, true },
	{ "len 0, wnd 0, seq = rcv_nxt + 1", 1000, 0, 0, 1001, 0, false },
	{ "len 0, wnd 0, seq = rcv_nxt - 1", 1000, 0, 0, 999, 0, false },
	{ "len 0, wnd 100, seq = rcv_nxt", 1000, 100, 0, 1000, 0, true },
	{ "len 0, wnd 100, last in window", 1000, 100, 0, 1099, 0, true },
	{ "len 0, wnd 100, just past window", 1000, 100, 0, 1100, 0, false },
	{ "len 0, wnd 100, old", 1000, 100, 0, 999, 0, false },
	{ "len 10, wnd 0, seq = rcv_nxt", 1000, 0, 0, 1000, 10, false },
	{ "len 1, wnd 0, seq = rcv_nxt", 1000, 0, 0, 1000, 1, false },
	{ "len 10, wnd 100, at rcv_nxt", 1000, 100, 0, 1000, 10, true },
	{ "len 10, wnd 100, starts inside, ends past", 1000, 100, 0, 1095, 10, true },
	{ "len 10, wnd 100, starts old, ends inside", 1000, 100, 0, 995, 10, true },
	{ "len 10, wnd 100, all old", 1000, 100, 0, 990, 10, false },
	{ "len 10, wnd 100, all past", 1000, 100, 0, 1100, 10, false },
	{ "len 200, wnd 100, covers the window", 1000, 100, 0, 950, 200, false },
	/* The window across 2^32. */
	{ "wrap: len 0 after the wrap", 0xfffffff0, 0x20, 0, 5, 0, true },
	{ "wrap: len 0 at the end", 0xfffffff0, 0x20, 0, 0xf, 0, true },
	{ "wrap: len 0 past the end", 0xfffffff0, 0x20, 0, 0x10, 0, false },
	{ "wrap: data ending across", 0xfffffff0, 0x20, 0, 0xffffffe8, 0x10, true },
	{ "wrap: data all old", 0xfffffff0, 0x20, 0, 0xffffffe0, 0x10, false },
	{ "wrap: len 0, wnd 0, seq = rcv_nxt", 0xffffffff, 0, 0, 0xffffffff, 0, true },
	{ "wrap: len 0, wnd 0, seq after", 0xffffffff, 0, 0, 0, 0, false },
	/* Room made by reading since the last advertisement counts too. */
	{ "wnd 0 but buffer room", 1000, 0, 2000, 1999, 1, true },
	{ "wnd 0 but buffer room, past it", 1000, 0, 2000, 2000, 1, false },
};

KUNIT_ARRAY_PARAM_DESC(toy_acceptable, toy_acceptable_cases, desc);

static void toy_seq_acceptable_table(struct kunit *test)
{
	const struct toy_acceptable_case *c = test->param_value;
	struct toy_sock *ts = kunit_kzalloc(test, sizeof(*ts), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, ts);
	ts->rcv_nxt = c->rcv_nxt;
	ts->rcv_wup = c->rcv_nxt;
	ts->rcv_wnd = c->rcv_wnd;
	ts->sk.sk_rcvbuf = c->rcvbuf;
	KUNIT_EXPECT_EQ(test, seq_acceptable(&ts->sk, c->seq, c->seg_len), c->ok);
}

/* The window we promised stays open even if the buffer filled since. */
static void toy_seq_acceptable_offered(struct kunit *test)
{
	struct toy_sock *ts = kunit_kzalloc(test, sizeof(*ts), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, ts);
	ts->rcv_wup = 1000;
	ts->rcv_wnd = 500;
	ts->rcv_nxt = 1200;		/* 200 of the 500 arrived since */
	ts->sk.sk_rcvbuf = 0;		/* and now there is no room at all */
	KUNIT_EXPECT_EQ(test, toy_rcvq_accept_window(&ts->sk), 300);
	KUNIT_EXPECT_TRUE(test, seq_acceptable(&ts->sk, 1499, 1));
	KUNIT_EXPECT_FALSE(test, seq_acceptable(&ts->sk, 1500, 1));
	/* rcv_nxt beyond the old advertisement: nothing offered, not negative. */
	ts->rcv_nxt = 1600;
	KUNIT_EXPECT_EQ(test, toy_rcvq_accept_window(&ts->sk), 0);
}

static void toy_seg_len_counts_syn_fin(struct kunit *test)
{
	struct toyhdr th = { .len = htons(10) };

	KUNIT_EXPECT_EQ(test, seg_len(&th), 10);
	th.flags = TOYHDR_SYN;
	KUNIT_EXPECT_EQ(test, seg_len(&th), 11);
	th.flags = TOYHDR_FIN | TOYHDR_ACK;
	KUNIT_EXPECT_EQ(test, seg_len(&th), 11);
	th.len = 0;
	th.flags = TOYHDR_RST | TOYHDR_ACK;
	KUNIT_EXPECT_EQ(test, seg_len(&th), 0);
}

static struct kunit_case toy_seq_test_cases[] = {
	KUNIT_CASE(toy_seq_before_after),
	KUNIT_CASE(toy_seq_between),
	KUNIT_CASE_PARAM(toy_seq_acceptable_table, toy_acceptable_gen_params),
	KUNIT_CASE(toy_seq_acceptable_offered),
	KUNIT_CASE(toy_seg_len_counts_syn_fin),
	{}
};

static struct kunit_suite toy_seq_test_suite = {
	.name = "toy_seq",
	.test_cases = toy_seq_test_cases,
};

/* ---- out-of-order queue ---- */

/*
 * A received payload as rcv_data() queues it out of order: cb filled by
 * toy_rcv(), header pulled, charged to the socket.
 */
static struct sk_buff *toy_test_data(struct kunit *test, struct sock *sk,
				     u32 seq, const char *data, u8 flags)
{
	int len = strlen(data);
	struct toy_skb_cb *cb;
	struct sk_buff *skb;

	skb = alloc_skb(len, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, skb);
	skb_put_data(skb, data, len);
	cb = TOY_SKB_CB(skb);
	memset(cb, 0, sizeof(*cb));
	cb->seq = seq;
	cb->end_seq = seq + len;
	cb->flags = flags;
	skb_set_owner_r(skb, sk);
	return skb;
}

/*
 * A queue as text, "seq:bytes" per skb, to compare with what a case
 * expects. With @runs, an skb that continues the previous one is printed
 * as part of the same run: the receive queue may coalesce segments
 * (skb_try_coalesce()) or not, depending on room in the tail skb, and only
 * the stream matters: bytes an skb repeats from the one before are skipped,
 * as recvmsg() skips them. An skb whose length disagrees with its sequence
 * numbers is marked "!".
 */
static void toy_test_skb_str(struct sk_buff *skb, bool runs, bool *first,
			     u32 *next, char *buf, size_t size, size_t *n)
{
	const struct toy_skb_cb *cb = TOY_SKB_CB(skb);
	char data[64];
	u32 off = 0;
	int len;

	/* A reader skips what an earlier skb of the stream had. */
	if (runs && !*first && toy_before(cb->seq, *next) &&
	    toy_after(cb->end_seq, *next))
		off = *next - cb->seq;
	len = min_t(int, skb->len - off, 64);
	if (skb_copy_bits(skb, off, data, len))
		len = 0;
	if (*first || !runs || cb->seq + off != *next)
		*n += scnprintf(buf + *n, size - *n, "%s%u:", *first ? "" : " ",
				cb->seq + off);
	*n += scnprintf(buf + *n, size - *n, "%.*s%s", len, data,
			cb->end_seq - cb->seq == skb->len ? "" : "!");
	*next = cb->end_seq;
	*first = false;
}

static void toy_test_queue_str(struct sk_buff_head *q, bool runs, char *buf,
			       size_t size)
{
	struct sk_buff *skb;
	bool first = true;
	u32 next = 0;
	size_t n = 0;

	buf[0] = 0;
	skb_queue_walk(q, skb)
		toy_test_skb_str(skb, runs, &first, &next, buf, size, &n);
}

/* The out-of-order queue in order, each entry after the one before. */
static void toy_test_ooo_str(struct toy_sock *ts, char *buf, size_t size)
{
	struct sk_buff *skb, *prev = NULL;
	bool first = true;
	u32 next = 0;
	size_t n = 0;

	buf[0] = 0;
	skb_rbtree_walk(skb, &ts->ooo_queue) {
		if (prev && (!toy_after(TOY_SKB_CB(skb)->seq, TOY_SKB_CB(prev)->seq) ||
			     !toy_after(TOY_SKB_CB(skb)->end_seq,
					TOY_SKB_CB(prev)->end_seq)))
			n += scnprintf(buf + n, size - n, " <unordered>");
		toy_test_skb_str(skb, false, &first, &next, buf, size, &n);
		prev = skb;
	}
	if (ts->ooo_last_skb != prev)
		n += scnprintf(buf + n, size - n, " <ooo_last_skb wrong>");
}

/* Entries on the out-of-order queue. */
static unsigned int toy_test_ooo_len(struct toy_sock *ts)
{
	unsigned int n = 0;
	struct sk_buff *skb;

	skb_rbtree_walk(skb, &ts->ooo_queue)
		n++;
	return n;
}

#define TOY_EXPECT_QUEUE(test, q, runs, want) do {			\
	char __buf[256];						\
	toy_test_queue_str(q, runs, __buf, sizeof(__buf));		\
	KUNIT_EXPECT_STREQ(test, __buf, want);				\
} while (0)

/* The out-of-order queue skb by skb; the receive queue as a byte stream. */
#define TOY_EXPECT_OOO(test, ts, want) do {				\
	char __buf[256];						\
	toy_test_ooo_str(ts, __buf, sizeof(__buf));			\
	KUNIT_EXPECT_STREQ(test, __buf, want);				\
} while (0)
#define TOY_EXPECT_RCVQ(test, sk, want)					\
	TOY_EXPECT_QUEUE(test, &(sk)->sk_receive_queue, true, want)

struct toy_ooo_ctx {
	struct socket *sock;
	struct sock *sk;
	struct toy_sock *ts;
};

static int toy_ooo_init(struct kunit *test)
{
	struct toy_ooo_ctx *ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);

	if (!ctx)
		return -ENOMEM;
	ctx->sock = toy_test_socket(test);
	ctx->sk = ctx->sock->sk;
	ctx->ts = toy_sk(ctx->sk);
	ctx->ts->rcv_nxt = 1000;
	ctx->ts->copied_seq = 1000;
	test->priv = ctx;
	/*
	 * No lock_sock(): init, case and exit run in different kthreads, and
	 * the socket is in no table, so nothing else can reach it.
	 */
	return 0;
}

static void toy_ooo_exit(struct kunit *test)
{
	struct toy_ooo_ctx *ctx = test->priv;

	if (!ctx)
		return;
	/* What the tests queued is "read": close without an abort. */
	__skb_queue_purge(&ctx->sk->sk_receive_queue);
	toy_rcvq_ooo_purge(ctx->sk);
	ctx->ts->copied_seq = ctx->ts->rcv_nxt;
	/* Every byte charged on the way (coalescing included) came back. */
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx->sk->sk_rmem_alloc), 0);
	toy_test_release_check(test, ctx->sock);
}

/* Segments inserted in any order are kept in order, touching ones merged. */
static void toy_ooo_sorted_drain(struct kunit *test)
{
	struct toy_ooo_ctx *ctx = test->priv;
	struct sock *sk = ctx->sk;

	toy_rcvq_ooo_insert(sk, toy_test_data(test, sk, 1020, "CCCCCCCCCC", 0));
	toy_rcvq_ooo_insert(sk, toy_test_data(test, sk, 1040, "EEEEE", 0));
	toy_rcvq_ooo_insert(sk, toy_test_data(test, sk, 1010, "BBBBBBBBBB", 0));
	toy_rcvq_ooo_insert(sk, toy_test_data(test, sk, 1030, "DDDDDDDDDD", 0));
	TOY_EXPECT_OOO(test, ctx->ts,
		       "1010:BBBBBBBBBBCCCCCCCCCCDDDDDDDDDDEEEEE");

	/* Nothing is in order yet. */
	KUNIT_EXPECT_FALSE(test, toy_rcvq_ooo_drain(sk));
	KUNIT_EXPECT_EQ(test, ctx->ts->rcv_nxt, 1000);
	KUNIT_EXPECT_TRUE(test, skb_queue_empty(&sk->sk_receive_queue));

	/* The hole is filled: everything moves, rcv_nxt follows. */
	toy_rcvq_ooo_insert(sk, toy_test_data(test, sk, 1000, "AAAAAAAAAA", 0));
	KUNIT_EXPECT_FALSE(test, toy_rcvq_ooo_drain(sk));
	KUNIT_EXPECT_EQ(test, ctx->ts->rcv_nxt, 1045);
	KUNIT_EXPECT_TRUE(test, RB_EMPTY_ROOT(&ctx->ts->ooo_queue));
	TOY_EXPECT_RCVQ(test, sk, "1000:AAAAAAAAAABBBBBBBBBBCCCCCCCCCCDDDDDDDDDDEEEEE");
}

/* Only what is contiguous with rcv_nxt moves; a later hole stops the drain. */
static void toy_ooo_partial_drain(struct kunit *test)
{
	struct toy_ooo_ctx *ctx = test->priv;
	struct sock *sk = ctx->sk;

	toy_rcvq_ooo_insert(sk, toy_test_data(test, sk, 1030, "DDDDD", 0));
	toy_rcvq_ooo_insert(sk, toy_test_data(test, sk, 1000, "AAAAA", 0));
	toy_rcvq_ooo_insert(sk, toy_test_data(test, sk, 1005, "BBBBB", 0));
	KUNIT_EXPECT_FALSE(test, toy_rcvq_ooo_drain(sk));
	KUNIT_EXPECT_EQ(test, ctx->ts->rcv_nxt, 1010);
	TOY_EXPECT_RCVQ(test, sk, "1000:AAAAABBBBB");
	TOY_EXPECT_OOO(test, ctx->ts, "1030:DDDDD");
}

/* Exact and covered duplicates are dropped on insert and counted. */
static void toy_ooo_duplicates(struct kunit *test)
{
	struct toy_ooo_ctx *ctx = test->priv;
	u64 dups = toy_test_stat(TOY_MIB_DUPSEGS);
	struct sock *sk = ctx->sk;

	toy_rcvq_ooo_insert(sk, toy_test_data(test, sk, 1010, "0123456789", 0));
	toy_rcvq_ooo_insert(sk, toy_test_data(test, sk, 1010, "0123456789", 0));
	toy_rcvq_ooo_insert(sk, toy_test_data(test, sk, 1012, "234", 0));
	toy_rcvq_ooo_insert(sk, toy_test_data(test, sk, 1019, "9", 0));
	KUNIT_EXPECT_EQ(test, toy_test_ooo_len(ctx->ts), 1);
	KUNIT_EXPECT_EQ(test, toy_test_stat(TOY_MIB_DUPSEGS), dups + 3);

	/* Holds all of the queued one: takes its place. */
	toy_rcvq_ooo_insert(sk, toy_test_data(test, sk, 1010, "0123456789ab", 0));
	KUNIT_EXPECT_EQ(test, toy_test_ooo_len(ctx->ts), 1);
	KUNIT_EXPECT_EQ(test, toy_test_stat(TOY_MIB_DUPSEGS), dups + 4);
	TOY_EXPECT_OOO(test, ctx->ts, "1010:0123456789ab");

	toy_rcvq_ooo_insert(sk, toy_test_data(test, sk, 1000, "xxxxxxxxxx", 0));
	toy_rcvq_ooo_drain(sk);
	KUNIT_EXPECT_EQ(test, ctx->ts->rcv_nxt, 1022);
	TOY_EXPECT_RCVQ(test, sk, "1000:xxxxxxxxxx0123456789ab");
	KUNIT_EXPECT_TRUE(test, RB_EMPTY_ROOT(&ctx->ts->ooo_queue));
}

/* Overlapping segments: the overlap is trimmed off the later one. */
static void toy_ooo_overlap_trimmed(struct kunit *test)
{
	struct toy_ooo_ctx *ctx = test->priv;
	struct sock *sk = ctx->sk;

	toy_rcvq_ooo_insert(sk, toy_test_data(test, sk, 1015, "fghijklmno", 0));
	toy_rcvq_ooo_insert(sk, toy_test_data(test, sk, 1005, "56789abcde", 0));
	toy_rcvq_ooo_insert(sk, toy_test_data(test, sk, 1000, "0123456789", 0));
	/* 1005 continues 1015 exactly and merges; 1000 overlaps and does not */
	TOY_EXPECT_OOO(test, ctx->ts, "1000:0123456789 1005:56789abcdefghijklmno");
	KUNIT_EXPECT_FALSE(test, toy_rcvq_ooo_drain(sk));
	KUNIT_EXPECT_EQ(test, ctx->ts->rcv_nxt, 1025);
	TOY_EXPECT_RCVQ(test, sk, "1000:0123456789abcdefghijklmno");
}

/*
 * An out-of-order skb is charged to the socket (its truesize): when it
 * becomes in order it must not be trimmed with pskb_pull(), which may
 * reallocate its head behind truesize's back (and made skb_try_coalesce()
 * WARN). The overlap stays in the skb, and readers skip it.
 */
static void toy_ooo_overlap_not_pulled(struct kunit *test)
{
	struct toy_ooo_ctx *ctx = test->priv;
	struct sock *sk = ctx->sk;
	unsigned int truesize;
	struct sk_buff *ooo, *in_order;
	unsigned char *head;

	ooo = toy_test_data(test, sk, 1005, "56789abcde", 0);
	/* Our own reference: the skb stays readable whatever the drain does. */
	skb_get(ooo);
	head = ooo->head;
	truesize = ooo->truesize;
	toy_rcvq_ooo_insert(sk, ooo);
	in_order = toy_test_data(test, sk, 1000, "0123456789", 0);
	KUNIT_EXPECT_TRUE(test, toy_rcvq_in_order(sk, in_order));
	KUNIT_EXPECT_FALSE(test, toy_rcvq_ooo_drain(sk));
	KUNIT_EXPECT_EQ(test, ctx->ts->rcv_nxt, 1015);
	KUNIT_EXPECT_EQ(test, ooo->len, 10);
	KUNIT_EXPECT_PTR_EQ(test, ooo->head, head);
	KUNIT_EXPECT_EQ(test, ooo->truesize, truesize);
	KUNIT_EXPECT_EQ(test, TOY_SKB_CB(ooo)->seq, 1005);
	TOY_EXPECT_RCVQ(test, sk, "1000:0123456789abcde");
	kfree_skb(ooo);
}

/* A segment entirely below rcv_nxt is freed, not delivered twice. */
static void toy_ooo_old_dropped(struct kunit *test)
{
	struct toy_ooo_ctx *ctx = test->priv;
	struct sock *sk = ctx->sk;

	toy_rcvq_ooo_insert(sk, toy_test_data(test, sk, 990, "old-bytes!", 0));
	KUNIT_EXPECT_FALSE(test, toy_rcvq_ooo_drain(sk));
	KUNIT_EXPECT_EQ(test, ctx->ts->rcv_nxt, 1000);
	KUNIT_EXPECT_TRUE(test, RB_EMPTY_ROOT(&ctx->ts->ooo_queue));
	KUNIT_EXPECT_TRUE(test, skb_queue_empty(&sk->sk_receive_queue));
}

/* A queued FIN is reported once the data before it is in. */
static void toy_ooo_fin(struct kunit *test)
{
	struct toy_ooo_ctx *ctx = test->priv;
	struct sock *sk = ctx->sk;

	toy_rcvq_ooo_insert(sk, toy_test_data(test, sk, 1005, "world", TOYHDR_FIN | TOYHDR_ACK));
	KUNIT_EXPECT_FALSE(test, toy_rcvq_ooo_drain(sk));
	toy_rcvq_ooo_insert(sk, toy_test_data(test, sk, 1000, "hello", TOYHDR_ACK));
	KUNIT_EXPECT_TRUE(test, toy_rcvq_ooo_drain(sk));
	/* The FIN's own sequence number is rcv_fin()'s to consume. */
	KUNIT_EXPECT_EQ(test, ctx->ts->rcv_nxt, 1010);
	TOY_EXPECT_RCVQ(test, sk, "1000:helloworld");
}

/* ---- the out-of-order queue against a model ---- */

#define TOY_MODEL_BASE	1000	/* rcv_nxt: the hole before everything */
#define TOY_MODEL_SPAN	1500	/* bytes the segments fall in */

/* The byte at sequence number @seq, the same in every copy of it. */
static char toy_model_byte(u32 seq)
{
	return 'a' + seq % 26;
}

static struct sk_buff *toy_model_seg(struct kunit *test, struct sock *sk,
				     u32 seq, u32 len)
{
	char data[64];
	u32 i;

	for (i = 0; i < len; i++)
		data[i] = toy_model_byte(seq + i);
	data[len] = 0;
	return toy_test_data(test, sk, seq, data, 0);
}

/*
 * Is the queue what the model holds: entries in order, each ending after
 * the one before, each byte right, and together exactly the bytes
 * received? Return: false after the first failed expectation.
 */
static bool toy_model_check(struct kunit *test, struct toy_sock *ts,
			    const unsigned long *have)
{
	DECLARE_BITMAP(seen, TOY_MODEL_SPAN) = { 0 };
	struct sk_buff *skb, *prev = NULL;

	skb_rbtree_walk(skb, &ts->ooo_queue) {
		const struct toy_skb_cb *cb = TOY_SKB_CB(skb);
		u32 i, off = cb->seq - TOY_MODEL_BASE;
		char c;

		KUNIT_ASSERT_EQ(test, cb->end_seq - cb->seq, skb->len);
		if (prev) {
			KUNIT_ASSERT_TRUE(test, toy_after(cb->seq, TOY_SKB_CB(prev)->seq));
			KUNIT_ASSERT_TRUE(test, toy_after(cb->end_seq,
							  TOY_SKB_CB(prev)->end_seq));
		}
		KUNIT_ASSERT_LE(test, off + skb->len, TOY_MODEL_SPAN);
		for (i = 0; i < skb->len; i++) {
			KUNIT_ASSERT_EQ(test, skb_copy_bits(skb, i, &c, 1), 0);
			KUNIT_ASSERT_EQ(test, c, toy_model_byte(cb->seq + i));
			set_bit(off + i, seen);
		}
		prev = skb;
	}
	KUNIT_ASSERT_PTR_EQ(test, ts->ooo_last_skb, prev);
	KUNIT_ASSERT_TRUE(test, bitmap_equal(seen, have, TOY_MODEL_SPAN));
	return true;
}

/*
 * The SACK blocks are the model's runs: the one that holds the latest
 * arrival first, then the lowest others, TOYHDR_SACK_MAX in all.
 */
static void toy_model_check_sack(struct kunit *test, struct toy_sock *ts,
				 const unsigned long *have)
{
	struct toy_sack_block b[TOYHDR_SACK_MAX];
	u32 want[TOYHDR_SACK_MAX][2];
	unsigned int start = 0, end, last = ts->ooo_last - TOY_MODEL_BASE;
	int n = 0, got, i;

	if (test_bit(last, have)) {
		start = last;
		while (start && test_bit(start - 1, have))
			start--;
		end = find_next_zero_bit(have, TOY_MODEL_SPAN, last);
		want[n][0] = start;
		want[n++][1] = end;
	}
	for (start = find_first_bit(have, TOY_MODEL_SPAN);
	     start < TOY_MODEL_SPAN && n < TOYHDR_SACK_MAX;
	     start = find_next_bit(have, TOY_MODEL_SPAN, end)) {
		end = find_next_zero_bit(have, TOY_MODEL_SPAN, start);
		if (!test_bit(last, have) || last < start || last >= end) {
			want[n][0] = start;
			want[n++][1] = end;
		}
	}
	ts->dsack = false;
	got = toy_sack_build(&ts->sk, b);
	if (2 * toy_test_ooo_len(ts) >= TOY_SACK_WALK) {
		/*
		 * The walk (the latest's block, then the queue from its
		 * start) may stop early: what it says must still be true.
		 */
		for (i = 0; i < got; i++) {
			start = ntohl(b[i].start) - TOY_MODEL_BASE;
			end = ntohl(b[i].end) - TOY_MODEL_BASE;
			KUNIT_ASSERT_LT(test, start, end);
			KUNIT_EXPECT_EQ(test, find_next_zero_bit(have, end, start), end);
		}
		return;
	}
	KUNIT_ASSERT_EQ(test, got, n);
	for (i = 0; i < n; i++) {
		KUNIT_EXPECT_EQ_MSG(test, ntohl(b[i].start) - TOY_MODEL_BASE,
				    want[i][0], "block %d", i);
		KUNIT_EXPECT_EQ_MSG(test, ntohl(b[i].end) - TOY_MODEL_BASE,
				    want[i][1], "block %d", i);
	}
}

/*
 * Random segments, overlapping, repeated and in any order, against a
 * bitmap of the bytes received: after each, the queue, its invariants and
 * the SACK blocks are checked; then the hole is filled, and the reader
 * gets exactly the bytes up to the first byte never sent. The seed is
 * printed: a failure can be replayed.
 */
static void toy_ooo_random_model(struct kunit *test)
{
	struct toy_ooo_ctx *ctx = test->priv;
	DECLARE_BITMAP(have, TOY_MODEL_SPAN) = { 0 };
	u32 seed = get_random_u32(), seq, len, i, hole;
	struct sock *sk = ctx->sk;
	struct rnd_state rnd;
	struct sk_buff *skb;
	char c;

	kunit_info(test, "seed %u\n", seed);
	prandom_seed_state(&rnd, seed);
	for (i = 0; i < 600; i++) {
		len = 1 + prandom_u32_state(&rnd) % 40;
		seq = 1 + prandom_u32_state(&rnd) % (TOY_MODEL_SPAN - len);
		ctx->ts->ooo_last = TOY_MODEL_BASE + seq;
		toy_rcvq_ooo_insert(sk, toy_model_seg(test, sk, TOY_MODEL_BASE + seq, len));
		bitmap_set(have, seq, len);
		if (!toy_model_check(test, ctx->ts, have))
			return;
		toy_model_check_sack(test, ctx->ts, have);
	}

	toy_rcvq_ooo_insert(sk, toy_model_seg(test, sk, TOY_MODEL_BASE, 1));
	set_bit(0, have);
	KUNIT_EXPECT_FALSE(test, toy_rcvq_ooo_drain(sk));
	hole = find_first_zero_bit(have, TOY_MODEL_SPAN);
	KUNIT_EXPECT_EQ(test, ctx->ts->rcv_nxt, TOY_MODEL_BASE + hole);
	bitmap_clear(have, 0, hole);
	toy_model_check(test, ctx->ts, have);
	seq = TOY_MODEL_BASE;
	skb_queue_walk(&sk->sk_receive_queue, skb) {
		const struct toy_skb_cb *cb = TOY_SKB_CB(skb);

		for (i = seq - cb->seq; i < skb->len; i++, seq++) {
			KUNIT_ASSERT_EQ(test, skb_copy_bits(skb, i, &c, 1), 0);
			KUNIT_ASSERT_EQ(test, c, toy_model_byte(seq));
		}
	}
	KUNIT_EXPECT_EQ(test, seq, TOY_MODEL_BASE + hole);
}

/*
 * The worst order for a sorted list: one-byte segments, every other
 * byte, last first. Each lands at the front of the queue.
 */
static void toy_ooo_reverse_many(struct kunit *test)
{
	struct toy_ooo_ctx *ctx = test->priv;
	struct sock *sk = ctx->sk;
	u32 i, n = 4000;

	for (i = n; i > 0; i--)
		toy_rcvq_ooo_insert(sk, toy_model_seg(test, sk, 1000 + 2 * i, 1));
	KUNIT_EXPECT_EQ(test, toy_test_ooo_len(ctx->ts), n);
	KUNIT_EXPECT_EQ(test, TOY_SKB_CB(skb_rb_first(&ctx->ts->ooo_queue))->seq, 1002);
	KUNIT_EXPECT_EQ(test, TOY_SKB_CB(ctx->ts->ooo_last_skb)->seq, 1000 + 2 * n);
}

/*
 * A peer that overlaps every segment with the one before makes one long
 * block of many entries: the blocks built walk a bounded number of them,
 * and say only what was received.
 */
static void toy_ooo_sack_walk_bounded(struct kunit *test)
{
	struct toy_ooo_ctx *ctx = test->priv;
	struct toy_sack_block b[TOYHDR_SACK_MAX];
	struct sock *sk = ctx->sk;
	u32 i, n = 1000;
	int got;

	for (i = 0; i < n; i++)
		toy_rcvq_ooo_insert(sk, toy_model_seg(test, sk, 1010 + i, 2));
	KUNIT_EXPECT_EQ(test, toy_test_ooo_len(ctx->ts), n);
	ctx->ts->ooo_last = 1010 + n - 1;
	ctx->ts->dsack = false;
	got = toy_sack_build(sk, b);
	KUNIT_ASSERT_EQ(test, got, 1);
	/* The latest arrival's end, and no more than TOY_SACK_WALK back. */
	KUNIT_EXPECT_EQ(test, ntohl(b[0].end), 1010 + n + 1);
	KUNIT_EXPECT_GE(test, ntohl(b[0].start), 1010 + n - 1 - TOY_SACK_WALK);
}

static struct kunit_case toy_ooo_test_cases[] = {
	KUNIT_CASE(toy_ooo_sorted_drain),
	KUNIT_CASE(toy_ooo_partial_drain),
	KUNIT_CASE(toy_ooo_duplicates),
	KUNIT_CASE(toy_ooo_overlap_trimmed),
	KUNIT_CASE(toy_ooo_overlap_not_pulled),
	KUNIT_CASE(toy_ooo_old_dropped),
	KUNIT_CASE(toy_ooo_fin),
	KUNIT_CASE(toy_ooo_random_model),
	KUNIT_CASE(toy_ooo_reverse_many),
	KUNIT_CASE(toy_ooo_sack_walk_bounded),
	{}
};

static struct kunit_suite toy_ooo_test_suite = {
	.name = "toy_ooo",
	.init = toy_ooo_init,
	.exit = toy_ooo_exit,
	.test_cases = toy_ooo_test_cases,
};

/* ---- whole segments to a listener ---- */

#define TOY_TEST_PORT		7001
#define TOY_TEST_PEER_PORT	40001

static bool toy_test_lo_raised;
static int toy_test_lo_err;

/* Bring lo up (it gets 127.0.0.1) unless userspace did already. */
static int toy_rcv_suite_init(struct kunit_suite *suite)
{
	struct net_device *lo = init_net.loopback_dev;

	toy_test_lo_raised = false;
	toy_test_lo_err = -ENODEV;
	if (!lo)
		return 0;
	rtnl_lock();
	if (lo->flags & IFF_UP) {
		toy_test_lo_err = 0;
	} else {
		toy_test_lo_err = dev_change_flags(lo, lo->flags | IFF_UP, NULL);
		toy_test_lo_raised = !toy_test_lo_err;
	}
	rtnl_unlock();
	if (!toy_test_lo_err &&
	    inet_addr_type(&init_net, htonl(INADDR_LOOPBACK)) != RTN_LOCAL)
		toy_test_lo_err = -EADDRNOTAVAIL;
	return 0;
}

static void toy_rcv_suite_exit(struct kunit_suite *suite)
{
	struct net_device *lo = init_net.loopback_dev;

	if (!toy_test_lo_raised)
		return;
	rtnl_lock();
	dev_change_flags(lo, lo->flags & ~IFF_UP, NULL);
	rtnl_unlock();
}

static void toy_test_need_lo(struct kunit *test)
{
	if (toy_test_lo_err)
		kunit_skip(test, "no 127.0.0.1 (lo: %d)", toy_test_lo_err);
}

/* A listener on 127.0.0.1:TOY_TEST_PORT (0.0.0.0 if lo is unusable). */
static struct socket *toy_test_listener(struct kunit *test)
{
	struct socket *sock = toy_test_socket(test);
	struct sockaddr_toy sa = {
		.stoy_family = toy_family,
		.stoy_port = htons(TOY_TEST_PORT),
		.stoy_ipver = TOY_IPVER_4,
		.stoy_addr.v4 = toy_test_lo_err ? 0 : htonl(INADDR_LOOPBACK),
	};
	int err;

	err = kernel_bind(sock, (struct sockaddr *)&sa, sizeof(sa));
	KUNIT_ASSERT_EQ_MSG(test, err, 0, "bind");
	err = kernel_listen(sock, 8);
	KUNIT_ASSERT_EQ_MSG(test, err, 0, "listen");
	KUNIT_ASSERT_EQ(test, sock->sk->sk_state, TCP_LISTEN);
	/* toy.h: the struct socket, the bind table and the listen table. */
	KUNIT_ASSERT_EQ_MSG(test, refcount_read(&sock->sk->sk_refcnt), 3,
			    "listener references");
	return sock;
}

/* Give @skb what toy_rcv() expects of an IP input: device and route. */
static void toy_test_route_input(struct kunit *test, struct sk_buff *skb)
{
	struct flowi4 fl4 = {
		.daddr = htonl(INADDR_LOOPBACK),
		.flowi4_proto = IPPROTO_TOY,
	};
	struct rtable *rt;

	rt = ip_route_output_key(&init_net, &fl4);
	if (IS_ERR(rt)) {
		kfree_skb(skb);
		kunit_skip(test, "no route to 127.0.0.1: %ld", PTR_ERR(rt));
	}
	skb_dst_set(skb, &rt->dst);
	skb->dev = init_net.loopback_dev;
	skb->pkt_type = PACKET_HOST;
}

/* Hand @skb to @sk as deliver() would (call with BH off). */
static void toy_test_do_rcv(struct sock *sk, struct sk_buff *skb)
{
	/* Nested, as deliver(): sk_clone_lock() takes the child's lock. */
	bh_lock_sock_nested(sk);
	toy_do_rcv(sk, skb);
	bh_unlock_sock(sk);
}

/* What a listener looked like at one moment. */
struct toy_test_child_view {
	u32 syn_qlen;
	u32 ack_backlog;
	struct sock *child;	/* first on the SYN queue, held */
	struct sock *found;	/* toy_lookup() of the 4-tuple, held */
	/*
	 * The child's identity at that moment: once BH is back on, the
	 * SYN-ACK meets no peer on lo, the RST that answers it resets the
	 * child, and unhashing clears its port.
	 */
	int state;
	struct sock *parent;
	u16 num;
	__be16 dport;
	__be32 daddr;
};

static void toy_test_look(struct sock *lsk, struct toy_test_child_view *v)
{
	struct toy_sock *lts = toy_sk(lsk), *ts;
	__be32 lo = htonl(INADDR_LOOPBACK);

	spin_lock_bh(&lts->accept_lock);
	v->syn_qlen = lts->syn_qlen;
	v->ack_backlog = READ_ONCE(lsk->sk_ack_backlog);
	ts = list_first_entry_or_null(&lts->syn_queue, struct toy_sock, accept_node);
	v->child = ts ? &ts->sk : NULL;
	if (v->child) {
		sock_hold(v->child);
		v->state = v->child->sk_state;
		v->parent = ts->parent;
		v->num = v->child->sk_num;
		v->dport = v->child->sk_dport;
		v->daddr = v->child->sk_daddr;
	}
	spin_unlock_bh(&lts->accept_lock);
	v->found = toy_lookup(&init_net, lo, htons(TOY_TEST_PEER_PORT), lo,
			      htons(TOY_TEST_PORT));
}

static void toy_test_check_child(struct kunit *test, struct sock *lsk,
				 struct toy_test_child_view *v)
{
	struct toy_sock *ts;

	KUNIT_EXPECT_EQ(test, v->syn_qlen, 1);
	KUNIT_EXPECT_EQ(test, v->ack_backlog, 0);
	KUNIT_ASSERT_NOT_NULL(test, v->child);
	KUNIT_EXPECT_PTR_EQ(test, v->found, v->child);
	ts = toy_sk(v->child);
	KUNIT_EXPECT_EQ(test, v->state, TCP_SYN_RECV);
	KUNIT_EXPECT_PTR_EQ(test, v->parent, lsk);
	KUNIT_EXPECT_EQ(test, v->num, TOY_TEST_PORT);
	KUNIT_EXPECT_EQ(test, ntohs(v->dport), TOY_TEST_PEER_PORT);
	KUNIT_EXPECT_EQ(test, v->daddr, htonl(INADDR_LOOPBACK));
	KUNIT_EXPECT_EQ(test, ts->irs, 1000);
	KUNIT_EXPECT_EQ(test, ts->rcv_nxt, 1001);
	KUNIT_EXPECT_EQ(test, ts->snd_wnd, 65536);
	KUNIT_EXPECT_EQ(test, ts->snd_nxt, ts->iss + 1);
}

/*
 * Close the listener: whatever the SYN-ACK's fate on lo meanwhile, the
 * child ends up closed and unhashed, and every reference is returned.
 */
static void toy_test_close_listener(struct kunit *test, struct socket *sock,
				    struct toy_test_child_view *v)
{
	__be32 lo = htonl(INADDR_LOOPBACK);
	struct sock *sk;

	if (v->found)
		sock_put(v->found);
	toy_test_release_check(test, sock);
	if (!v->child)
		return;
	KUNIT_EXPECT_EQ(test, v->child->sk_state, TCP_CLOSE);
	KUNIT_EXPECT_NULL(test, toy_sk(v->child)->parent);
	sk = toy_lookup(&init_net, lo, htons(TOY_TEST_PEER_PORT), lo,
			htons(TOY_TEST_PORT));
	KUNIT_EXPECT_NULL(test, sk);
	if (sk)
		sock_put(sk);
	KUNIT_EXPECT_EQ_MSG(test, refcount_read(&v->child->sk_refcnt), 1,
			    "child references left");
	sock_put(v->child);
}

/* A SYN handed to a listener creates a child in SYN_RECV on its SYN queue. */
static void toy_rcv_syn_creates_child(struct kunit *test)
{
	u64 passive = toy_test_stat(TOY_MIB_PASSIVEOPENS), passive_now;
	struct toy_test_child_view v = {};
	struct socket *sock;
	struct sk_buff *skb;

	toy_test_need_lo(test);
	sock = toy_test_listener(test);
	skb = toy_test_seg(test, TOY_TEST_PEER_PORT, TOY_TEST_PORT, 1000, 0,
			   TOYHDR_SYN, NULL, 0);

	/* BH off: the SYN-ACK and its answer wait until we have looked. */
	local_bh_disable();
	toy_test_do_rcv(sock->sk, skb);
	toy_test_look(sock->sk, &v);
	passive_now = toy_test_stat(TOY_MIB_PASSIVEOPENS);
	local_bh_enable();

	toy_test_check_child(test, sock->sk, &v);
	KUNIT_EXPECT_EQ(test, passive_now, passive + 1);
	toy_test_close_listener(test, sock, &v);
}

/* The same SYN through the protocol handler: validated, looked up, delivered. */
static void toy_rcv_syn_via_toy_rcv(struct kunit *test)
{
	u64 insegs = toy_test_stat(TOY_MIB_INSEGS), insegs_now;
	u64 inerrs = toy_test_stat(TOY_MIB_INERRS), inerrs_now;
	struct toy_test_child_view v = {};
	struct socket *sock;
	struct sk_buff *skb;

	toy_test_need_lo(test);
	sock = toy_test_listener(test);
	skb = toy_test_seg(test, TOY_TEST_PEER_PORT, TOY_TEST_PORT, 1000, 0,
			   TOYHDR_SYN, NULL, 0);
	toy_test_route_input(test, skb);

	local_bh_disable();
	KUNIT_EXPECT_EQ(test, toy_rcv(skb), 0);
	toy_test_look(sock->sk, &v);
	/* Before BH is back on: then the SYN-ACK and its RST arrive too. */
	insegs_now = toy_test_stat(TOY_MIB_INSEGS);
	inerrs_now = toy_test_stat(TOY_MIB_INERRS);
	local_bh_enable();

	toy_test_check_child(test, sock->sk, &v);
	KUNIT_EXPECT_EQ(test, insegs_now, insegs + 1);
	KUNIT_EXPECT_EQ(test, inerrs_now, inerrs);
	toy_test_close_listener(test, sock, &v);
}

/* An RST (with or without ACK) to a listener is ignored: nothing changes. */
static void toy_rcv_rst_to_listener(struct kunit *test)
{
	u64 hits = toy_fsm_hits(&init_net, TCP_LISTEN, TOY_EV_RCV_RST);
	u64 rsts = toy_test_stat(TOY_MIB_OUTRSTS);
	struct toy_test_child_view v = {};
	struct socket *sock;

	sock = toy_test_listener(test);
	local_bh_disable();
	toy_test_do_rcv(sock->sk, toy_test_seg(test, TOY_TEST_PEER_PORT,
					       TOY_TEST_PORT, 1000, 0,
					       TOYHDR_RST, NULL, 0));
	toy_test_do_rcv(sock->sk, toy_test_seg(test, TOY_TEST_PEER_PORT,
					       TOY_TEST_PORT, 1000, 5000,
					       TOYHDR_RST | TOYHDR_ACK, NULL, 0));
	toy_test_look(sock->sk, &v);
	local_bh_enable();

	/* The 4-tuple finds the listener itself: no connection was made. */
	KUNIT_EXPECT_PTR_EQ(test, v.found, sock->sk);
	if (v.found) {
		sock_put(v.found);
		v.found = NULL;
	}
	KUNIT_EXPECT_EQ(test, sock->sk->sk_state, TCP_LISTEN);
	KUNIT_EXPECT_EQ(test, v.syn_qlen, 0);
	KUNIT_EXPECT_EQ(test, v.ack_backlog, 0);
	KUNIT_EXPECT_NULL(test, v.child);
	KUNIT_EXPECT_EQ(test, toy_fsm_hits(&init_net, TCP_LISTEN, TOY_EV_RCV_RST), hits + 2);
	/* Never an RST in answer to an RST. */
	KUNIT_EXPECT_EQ(test, toy_test_stat(TOY_MIB_OUTRSTS), rsts);
	KUNIT_EXPECT_EQ_MSG(test, refcount_read(&sock->sk->sk_refcnt), 3,
			    "listener references");
	toy_test_close_listener(test, sock, &v);
}

/* Malformed segments stop at toy_validate() and are counted in InErrs. */
static void toy_rcv_malformed_rejected(struct kunit *test)
{
	static const struct {
		const char *what;
		u8 flags_or;
		u8 doff;
		u16 reserved;
		int extra;	/* bytes beyond what len says */
	} bad[] = {
		{ "doff 5", 0, 5, 0, 0 },
		{ "doff 7", 0, 7, 0, 0 },
		{ "reserved", 0, 6, 1, 0 },
		{ "flag 0x40", 0x40, 6, 0, 0 },
		{ "SYN|FIN", TOYHDR_FIN, 6, 0, 0 },
		{ "SYN|RST", TOYHDR_RST, 6, 0, 0 },
		{ "trailing byte", 0, 6, 0, 1 },
	};
	u64 inerrs = toy_test_stat(TOY_MIB_INERRS);
	u64 csumerrs = toy_test_stat(TOY_MIB_INCSUMERRORS);
	__be32 lo = htonl(INADDR_LOOPBACK);
	struct toy_test_child_view v = {};
	struct socket *sock;
	int i;

	toy_test_need_lo(test);
	sock = toy_test_listener(test);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		u8 buf[TOY_HLEN + 1] = {};
		struct toyhdr *th = (struct toyhdr *)buf;
		int len = TOY_HLEN + bad[i].extra;
		struct sk_buff *skb;

		th->source = htons(TOY_TEST_PEER_PORT);
		th->dest = htons(TOY_TEST_PORT);
		th->seq = htonl(1000);
		th->window = htonl(65536);
		th->flags = TOYHDR_SYN | bad[i].flags_or;
		th->doff = bad[i].doff;
		th->reserved = htons(bad[i].reserved);
		/* A correct checksum: only the header is wrong. */
		th->check = toy_test_csum(lo, lo, buf, len);
		KUNIT_EXPECT_FALSE_MSG(test, toy_validate(th, len), "%s", bad[i].what);

		skb = toy_test_rx_skb(test, lo, lo, buf, len);
		toy_test_route_input(test, skb);
		local_bh_disable();
		toy_rcv(skb);
		local_bh_enable();
	}
	KUNIT_EXPECT_EQ(test, toy_test_stat(TOY_MIB_INERRS), inerrs + ARRAY_SIZE(bad));
	KUNIT_EXPECT_EQ(test, toy_test_stat(TOY_MIB_INCSUMERRORS), csumerrs);

	toy_test_look(sock->sk, &v);
	KUNIT_EXPECT_EQ(test, sock->sk->sk_state, TCP_LISTEN);
	KUNIT_EXPECT_EQ(test, v.syn_qlen, 0);
	KUNIT_EXPECT_NULL(test, v.child);
	if (v.found) {
		sock_put(v.found);
		v.found = NULL;
	}
	toy_test_close_listener(test, sock, &v);
}

/* A wrong checksum counts in InCsumErrors and InErrs, and nothing else. */
static void toy_rcv_bad_checksum(struct kunit *test)
{
	u64 inerrs = toy_test_stat(TOY_MIB_INERRS);
	u64 csumerrs = toy_test_stat(TOY_MIB_INCSUMERRORS);
	struct toy_test_child_view v = {};
	struct socket *sock;
	struct sk_buff *skb;

	toy_test_need_lo(test);
	sock = toy_test_listener(test);
	skb = toy_test_seg(test, TOY_TEST_PEER_PORT, TOY_TEST_PORT, 1000, 0,
			   TOYHDR_SYN, NULL, 0);
	((struct toyhdr *)skb->data)->seq = htonl(1001);
	toy_test_route_input(test, skb);
	local_bh_disable();
	toy_rcv(skb);
	local_bh_enable();

	KUNIT_EXPECT_EQ(test, toy_test_stat(TOY_MIB_INERRS), inerrs + 1);
	KUNIT_EXPECT_EQ(test, toy_test_stat(TOY_MIB_INCSUMERRORS), csumerrs + 1);
	toy_test_look(sock->sk, &v);
	KUNIT_EXPECT_EQ(test, v.syn_qlen, 0);
	KUNIT_EXPECT_NULL(test, v.child);
	if (v.found) {
		sock_put(v.found);
		v.found = NULL;
	}
	toy_test_close_listener(test, sock, &v);
}

/* A SYN to a port nobody listens on is answered with an RST and counted. */
static void toy_rcv_no_socket(struct kunit *test)
{
	u64 nosock = toy_test_stat(TOY_MIB_INNOSOCKET), nosock_now;
	u64 rsts = toy_test_stat(TOY_MIB_OUTRSTS), rsts_now;
	struct sk_buff *skb;

	toy_test_need_lo(test);
	skb = toy_test_seg(test, TOY_TEST_PEER_PORT, TOY_TEST_PORT + 1, 1000, 0,
			   TOYHDR_SYN, NULL, 0);
	toy_test_route_input(test, skb);
	local_bh_disable();
	toy_rcv(skb);
	/* Before BH is back on: our RST then loops back to no socket too. */
	nosock_now = toy_test_stat(TOY_MIB_INNOSOCKET);
	rsts_now = toy_test_stat(TOY_MIB_OUTRSTS);
	local_bh_enable();
	KUNIT_EXPECT_EQ(test, nosock_now, nosock + 1);
	KUNIT_EXPECT_EQ(test, rsts_now, rsts + 1);
}

static struct kunit_case toy_rcv_test_cases[] = {
	KUNIT_CASE(toy_rcv_syn_creates_child),
	KUNIT_CASE(toy_rcv_syn_via_toy_rcv),
	KUNIT_CASE(toy_rcv_rst_to_listener),
	KUNIT_CASE(toy_rcv_malformed_rejected),
	KUNIT_CASE(toy_rcv_bad_checksum),
	KUNIT_CASE(toy_rcv_no_socket),
	{}
};

static struct kunit_suite toy_rcv_test_suite = {
	.name = "toy_rcv",
	.suite_init = toy_rcv_suite_init,
	.suite_exit = toy_rcv_suite_exit,
	.test_cases = toy_rcv_test_cases,
};

kunit_test_suites(&toy_validate_test_suite, &toy_csum_test_suite,
		  &toy_seq_test_suite, &toy_ooo_test_suite, &toy_rcv_test_suite);
