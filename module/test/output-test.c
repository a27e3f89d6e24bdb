// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for output.c: the receive window we advertise and the
 * header and checksum every segment leaves with. #included at the end of
 * output.c when CONFIG_TOY_KUNIT_TEST is set.
 */
#include <kunit/test.h>

/* docs/protocol.md 5.1: the SYN 127.0.0.1:40000 -> 127.0.0.1:7000, seq 1000. */
static const u8 toy_doc_syn[] = {
	0x9c, 0x40, 0x1b, 0x58, 0x00, 0x00, 0x03, 0xe8, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x02, 0x06, 0x43, 0x60, 0x00, 0x00,
};

/* docs/protocol.md 5.2: ACK seq 1001 ack 5001 carrying "abc". */
static const u8 toy_doc_ack_abc[] = {
	0x9c, 0x40, 0x1b, 0x58, 0x00, 0x00, 0x03, 0xe9, 0x00, 0x00, 0x13, 0x89,
	0x00, 0x01, 0x00, 0x00, 0x00, 0x03, 0x10, 0x06, 0x5d, 0x6d, 0x00, 0x00,
	0x61, 0x62, 0x63,
};

struct toy_window_case {
	const char *desc;
	int rcvbuf;
	int rmem;
	u32 window;
};

/* Half the room left in the receive buffer; never negative. */
static const struct toy_window_case toy_window_cases[] = {
	{ "empty buffer", 1000, 0, 500 },
	{ "odd buffer rounds down", 1001, 0, 500 },
	{ "partly used", 1000, 400, 300 },
	{ "one byte of room", 1000, 999, 0 },
	{ "two bytes of room", 1000, 998, 1 },
	{ "full", 1000, 1000, 0 },
	{ "over-committed", 1000, 1500, 0 },
	{ "no buffer", 0, 0, 0 },
	{ "default-sized", 212992, 0, 106496 },
	{ "largest buffer", INT_MAX, 0, INT_MAX / 2 },
};

KUNIT_ARRAY_PARAM_DESC(toy_window, toy_window_cases, desc);

static void toy_rcv_window_room(struct kunit *test)
{
	const struct toy_window_case *c = test->param_value;
	struct toy_sock *ts = kunit_kzalloc(test, sizeof(*ts), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, ts);
	ts->sk.sk_rcvbuf = c->rcvbuf;
	atomic_set(&ts->sk.sk_rmem_alloc, c->rmem);
	KUNIT_EXPECT_EQ(test, toy_rcv_window(&ts->sk), c->window);
}

/*
 * Build a segment with push_header(), leave its checksum to the device
 * as xmit() does, then finish it as a device without offload would, with
 * skb_checksum_help(): the pseudo-header's sum, csum_start and
 * csum_offset must together give the documented checksum.
 */
static struct sk_buff *toy_test_build(struct kunit *test, u32 seq, u32 ack,
				      u8 flags, const void *data, int len)
{
	__be32 lo = htonl(INADDR_LOOPBACK);
	struct sk_buff *skb;
	struct toyhdr *th;

	skb = alloc_skb(TOY_HLEN + len, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, skb);
	skb_reserve(skb, TOY_HLEN);
	skb_put_data(skb, data, len);

	th = push_header(skb, htons(40000), htons(7000), seq, ack, flags,
			 65536, 0);
	KUNIT_EXPECT_PTR_EQ(test, (void *)th, (void *)skb->data);
	KUNIT_EXPECT_PTR_EQ(test, (void *)th, (void *)skb_transport_header(skb));
	csum_offload(skb, lo, lo);
	KUNIT_EXPECT_EQ(test, (int)skb->ip_summed, CHECKSUM_PARTIAL);
	KUNIT_EXPECT_EQ(test, skb_checksum_start_offset(skb), 0);
	KUNIT_EXPECT_EQ(test, skb_checksum_help(skb), 0);
	KUNIT_EXPECT_EQ(test, (int)skb->ip_summed, CHECKSUM_NONE);
	return skb;
}

static void toy_xmit_csum_syn(struct kunit *test)
{
	struct sk_buff *skb = toy_test_build(test, 1000, 0, TOYHDR_SYN, "", 0);
	const struct toyhdr *th = (const struct toyhdr *)skb->data;

	KUNIT_EXPECT_EQ(test, ntohs((__force __be16)th->check), 0x4360);
	KUNIT_ASSERT_EQ(test, skb->len, sizeof(toy_doc_syn));
	KUNIT_EXPECT_MEMEQ(test, skb->data, toy_doc_syn, sizeof(toy_doc_syn));
	kfree_skb(skb);
}

static void toy_xmit_csum_odd_payload(struct kunit *test)
{
	struct sk_buff *skb = toy_test_build(test, 1001, 5001, TOYHDR_ACK,
					     "abc", 3);
	const struct toyhdr *th = (const struct toyhdr *)skb->data;

	KUNIT_EXPECT_EQ(test, ntohs((__force __be16)th->check), 0x5d6d);
	KUNIT_EXPECT_EQ(test, ntohs(th->len), 3);
	KUNIT_ASSERT_EQ(test, skb->len, sizeof(toy_doc_ack_abc));
	KUNIT_EXPECT_MEMEQ(test, skb->data, toy_doc_ack_abc, sizeof(toy_doc_ack_abc));
	kfree_skb(skb);
}

/* The header builder fills every field and zeroes the rest. */
static void toy_push_header_fields(struct kunit *test)
{
	struct sk_buff *skb = toy_test_build(test, 0xfffffffe, 0x80000001,
					     TOYHDR_FIN | TOYHDR_ACK, "xy", 2);
	const struct toyhdr *th = (const struct toyhdr *)skb->data;

	KUNIT_EXPECT_EQ(test, ntohs(th->source), 40000);
	KUNIT_EXPECT_EQ(test, ntohs(th->dest), 7000);
	KUNIT_EXPECT_EQ(test, ntohl(th->seq), 0xfffffffe);
	KUNIT_EXPECT_EQ(test, ntohl(th->ack_seq), 0x80000001);
	KUNIT_EXPECT_EQ(test, ntohl(th->window), 65536);
	KUNIT_EXPECT_EQ(test, ntohs(th->len), 2);
	KUNIT_EXPECT_EQ(test, th->flags, TOYHDR_FIN | TOYHDR_ACK);
	KUNIT_EXPECT_EQ(test, th->doff, TOYHDR_DOFF);
	KUNIT_EXPECT_EQ(test, th->reserved, 0);
	KUNIT_EXPECT_TRUE(test, toy_validate(th, skb->len));
	kfree_skb(skb);
}

struct toy_pmtu_case {
	const char *desc;
	u16 mss;
	u32 mtu;
	u16 want;
};

/* What a Packet Too Big's MTU does to an IPv6 connection's MSS. */
static const struct toy_pmtu_case toy_pmtu_cases[] = {
	{ "1500 link, 1280 path", 1436, 1280, 1216 },
	{ "1500 link, 1400 path", 1436, 1400, 1336 },
	{ "exactly the segment", 1436, 1500, 1436 },
	{ "one byte short", 1436, 1499, 1435 },
	{ "larger than the link: never raised", 1216, 1500, 1216 },
	{ "huge: never raised", 1436, 70000, 1436 },
	{ "below IPv6's minimum: taken as 1280", 1436, 500, 1216 },
	{ "zero: taken as 1280", 1436, 0, 1216 },
	{ "already at the minimum", 1216, 1280, 1216 },
	{ "loopback's 64 KiB", 65411, 9000, 8936 },
};

KUNIT_ARRAY_PARAM_DESC(toy_pmtu, toy_pmtu_cases, desc);

static void toy_mss_for_pmtu(struct kunit *test)
{
	const struct toy_pmtu_case *c = test->param_value;

	KUNIT_EXPECT_EQ(test, mss_for_mtu6(c->mss, c->mtu), c->want);
}

static struct kunit_case toy_output_test_cases[] = {
	KUNIT_CASE_PARAM(toy_mss_for_pmtu, toy_pmtu_gen_params),
	KUNIT_CASE_PARAM(toy_rcv_window_room, toy_window_gen_params),
	KUNIT_CASE(toy_xmit_csum_syn),
	KUNIT_CASE(toy_xmit_csum_odd_payload),
	KUNIT_CASE(toy_push_header_fields),
	{}
};

static struct kunit_suite toy_output_test_suite = {
	.name = "toy_output",
	.test_cases = toy_output_test_cases,
};

kunit_test_suites(&toy_output_test_suite);
