// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for offload.c: toy_gso_segment() cuts a super-segment into
 * its segments, each with its own sequence number, length and checksum,
 * whatever the device can do, and refuses anything output.c would not
 * have built. #included at the end of offload.c when
 * CONFIG_TOY_KUNIT_TEST is set.
 */
#include <kunit/test.h>
#include <linux/highmem.h>

#define TOY_GSO_TEST_SEQ	0xfffffc00	/* the segments wrap past 2^32 */
#define TOY_GSO_TEST_SEGS	3

#define TOY_GSO_TEST_MSS	1000

/* Segment lengths: two whole ones, then a short last one. */
static const unsigned int toy_gso_test_len[TOY_GSO_TEST_SEGS] = {
	TOY_GSO_TEST_MSS, TOY_GSO_TEST_MSS, 333
};

/*
 * The payload's page fragments: neither ends where a segment does, so
 * that skb_segment() must cut inside them.
 */
static const unsigned int toy_gso_test_frag[] = { 1500, 600, 233 };

static u8 toy_gso_test_byte(unsigned int off)
{
	return off * 7 + 3;
}

/*
 * A super-segment as inet_gso_segment() hands it over: IPv4 header
 * behind skb->data, our header at it, the payload in page fragments.
 */
static struct sk_buff *toy_gso_test_build(struct kunit *test)
{
	unsigned int total = 0, i, j;
	struct toyhdr *th;
	struct sk_buff *skb;
	struct iphdr *iph;

	skb = alloc_skb(MAX_HEADER + sizeof(*iph) + TOY_HLEN, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, skb);
	skb_reserve(skb, MAX_HEADER);
	skb_reset_mac_header(skb);
	skb_reset_network_header(skb);
	iph = skb_put_zero(skb, sizeof(*iph));
	iph->version = 4;
	iph->ihl = 5;
	iph->ttl = 64;
	iph->protocol = toy_ipproto;
	iph->saddr = htonl(0x0a4d0001);
	iph->daddr = htonl(0x0a4d0002);
	skb_set_transport_header(skb, sizeof(*iph));
	th = skb_put_zero(skb, TOY_HLEN);
	skb->protocol = htons(ETH_P_IP);
	__skb_pull(skb, sizeof(*iph));

	for (i = 0; i < ARRAY_SIZE(toy_gso_test_frag); i++) {
		unsigned int len = toy_gso_test_frag[i];
		struct page *page = alloc_page(GFP_KERNEL);
		u8 *p;

		KUNIT_ASSERT_NOT_NULL(test, page);
		p = kmap_local_page(page);
		for (j = 0; j < len; j++)
			p[j + 100] = toy_gso_test_byte(total + j);
		kunmap_local(p);
		skb_fill_page_desc(skb, i, page, 100, len);
		skb->len += len;
		skb->data_len += len;
		skb->truesize += PAGE_SIZE;
		total += len;
	}
	th->source = htons(40000);
	th->dest = htons(7000);
	th->seq = htonl(TOY_GSO_TEST_SEQ);
	th->ack_seq = htonl(5001);
	th->window = htonl(65536);
	th->len = htons(total);
	th->flags = TOYHDR_ACK;
	th->doff = TOYHDR_DOFF;
	skb->ip_summed = CHECKSUM_PARTIAL;
	skb->csum_start = skb->data - skb->head;
	skb->csum_offset = offsetof(struct toyhdr, check);
	skb_shinfo(skb)->gso_size = TOY_GSO_TEST_MSS;
	skb_shinfo(skb)->gso_type = SKB_GSO_SCTP;
	skb_shinfo(skb)->gso_segs = TOY_GSO_TEST_SEGS;
	return skb;
}

struct toy_gso_test_case {
	const char *desc;
	netdev_features_t features;
};

static const struct toy_gso_test_case toy_gso_test_cases[] = {
	{ "scatter-gather, any checksum", NETIF_F_SG | NETIF_F_HW_CSUM },
	{ "linear only, any checksum", NETIF_F_HW_CSUM },
	{ "scatter-gather, TCP/UDP checksum only", NETIF_F_SG | NETIF_F_IP_CSUM },
	{ "nothing", 0 },
};

KUNIT_ARRAY_PARAM_DESC(toy_gso, toy_gso_test_cases, desc);

/* Each segment: its bytes, header fields and a checksum that verifies. */
static void toy_gso_cut(struct kunit *test)
{
	const struct toy_gso_test_case *c = test->param_value;
	struct sk_buff *skb = toy_gso_test_build(test), *segs, *seg;
	u32 seq = TOY_GSO_TEST_SEQ;
	unsigned int off = 0;
	int i = 0;

	segs = toy_gso_segment(skb, c->features);
	KUNIT_ASSERT_FALSE(test, IS_ERR_OR_NULL(segs));
	for (seg = segs; seg; seg = seg->next, i++) {
		unsigned int hoff = skb_transport_offset(seg);
		const struct iphdr *iph = ip_hdr(seg);
		struct toyhdr th;
		unsigned int j, len;
		__wsum sum;
		u8 b;

		KUNIT_ASSERT_LT(test, i, TOY_GSO_TEST_SEGS);
		len = toy_gso_test_len[i];
		KUNIT_ASSERT_EQ(test, seg->len, hoff + TOY_HLEN + len);
		KUNIT_ASSERT_EQ(test, skb_copy_bits(seg, hoff, &th, TOY_HLEN), 0);
		KUNIT_EXPECT_EQ(test, ntohl(th.seq), seq);
		KUNIT_EXPECT_EQ(test, ntohs(th.len), len);
		KUNIT_EXPECT_EQ(test, ntohl(th.ack_seq), 5001);
		KUNIT_EXPECT_EQ(test, th.flags, TOYHDR_ACK);
		for (j = 0; j < len; j++) {
			skb_copy_bits(seg, hoff + TOY_HLEN + j, &b, 1);
			if (b != toy_gso_test_byte(off + j)) {
				KUNIT_FAIL(test, "segment %d byte %u", i, j);
				break;
			}
		}
		if (!(c->features & NETIF_F_SG))
			KUNIT_EXPECT_FALSE(test, skb_is_nonlinear(seg));
		if (c->features & NETIF_F_HW_CSUM) {
			KUNIT_EXPECT_EQ(test, (int)seg->ip_summed,
					CHECKSUM_PARTIAL);
			KUNIT_EXPECT_EQ(test, skb_checksum_start_offset(seg),
					(int)hoff);
			KUNIT_EXPECT_EQ(test, skb_checksum_help(seg), 0);
		} else {
			KUNIT_EXPECT_NE(test, (int)seg->ip_summed,
					CHECKSUM_PARTIAL);
		}
		/* What a receiver computes: the sum over it all folds to 0. */
		sum = skb_checksum(seg, hoff, seg->len - hoff, 0);
		KUNIT_EXPECT_EQ(test, (u16)csum_tcpudp_magic(iph->saddr,
							     iph->daddr,
							     TOY_HLEN + len,
							     toy_ipproto, sum),
				0);
		seq += len;
		off += len;
	}
	KUNIT_EXPECT_EQ(test, i, TOY_GSO_TEST_SEGS);
	kfree_skb_list(segs);
	kfree_skb(skb);
}

static void toy_gso_break_size(struct sk_buff *skb)
{
	skb_shinfo(skb)->gso_size = GSO_BY_FRAGS;
}

/* More segments than a super-segment holds. */
static void toy_gso_break_many(struct sk_buff *skb)
{
	skb_shinfo(skb)->gso_size = 30;
}

/* One segment's worth is no super-segment. */
static void toy_gso_break_one(struct sk_buff *skb)
{
	skb_shinfo(skb)->gso_size = skb->len;
}

static void toy_gso_break_no_size(struct sk_buff *skb)
{
	skb_shinfo(skb)->gso_size = 0;
}

static void toy_gso_break_type(struct sk_buff *skb)
{
	skb_shinfo(skb)->gso_type = SKB_GSO_TCPV4;
}

static void toy_gso_break_dodgy(struct sk_buff *skb)
{
	skb_shinfo(skb)->gso_type |= SKB_GSO_DODGY;
}

static void toy_gso_break_len(struct sk_buff *skb)
{
	struct toyhdr *th = (struct toyhdr *)skb->data;

	th->len = htons(ntohs(th->len) + 1);
}

static void toy_gso_break_syn(struct sk_buff *skb)
{
	((struct toyhdr *)skb->data)->flags |= TOYHDR_SYN;
}

static void toy_gso_break_fin(struct sk_buff *skb)
{
	((struct toyhdr *)skb->data)->flags |= TOYHDR_FIN;
}

static void toy_gso_break_doff(struct sk_buff *skb)
{
	((struct toyhdr *)skb->data)->doff = 2;
}

/* doff past the linear header: pulling it would eat the payload. */
static void toy_gso_break_doff_long(struct sk_buff *skb)
{
	((struct toyhdr *)skb->data)->doff = TOYHDR_DOFF + 2;
}

/* A frag_list member: output.c puts the payload in fragments only. */
static void toy_gso_break_frag_list(struct sk_buff *skb)
{
	struct sk_buff *m = alloc_skb(TOY_GSO_TEST_MSS, GFP_KERNEL);
	struct toyhdr *th = (struct toyhdr *)skb->data;

	if (!m)
		return;
	skb_put_zero(m, TOY_GSO_TEST_MSS);
	skb_shinfo(skb)->frag_list = m;
	skb->len += m->len;
	skb->data_len += m->len;
	skb->truesize += m->truesize;
	th->len = htons(ntohs(th->len) + m->len);
}

/* Payload in the linear part, after the header: pulled into it. */
static void toy_gso_break_linear(struct sk_buff *skb)
{
	pskb_may_pull(skb, skb_headlen(skb) + 8);
}

/* No payload at all. */
static void toy_gso_break_no_payload(struct sk_buff *skb)
{
	int i;

	for (i = 0; i < skb_shinfo(skb)->nr_frags; i++)
		put_page(skb_frag_page(&skb_shinfo(skb)->frags[i]));
	skb_shinfo(skb)->nr_frags = 0;
	skb->len -= skb->data_len;
	skb->data_len = 0;
	((struct toyhdr *)skb->data)->len = 0;
}

struct toy_gso_bad_case {
	const char *desc;
	void (*breaks)(struct sk_buff *skb);
};

static const struct toy_gso_bad_case toy_gso_bad_cases[] = {
	{ "gso_size GSO_BY_FRAGS", toy_gso_break_size },
	{ "gso_size 0", toy_gso_break_no_size },
	{ "more segments than a super-segment holds", toy_gso_break_many },
	{ "one segment's worth", toy_gso_break_one },
	{ "a TCP super-segment", toy_gso_break_type },
	{ "from an untrusted source", toy_gso_break_dodgy },
	{ "length field off by one", toy_gso_break_len },
	{ "SYN", toy_gso_break_syn },
	{ "FIN", toy_gso_break_fin },
	{ "header shorter than ours", toy_gso_break_doff },
	{ "header longer than the linear part", toy_gso_break_doff_long },
	{ "a frag_list", toy_gso_break_frag_list },
	{ "payload in the linear part", toy_gso_break_linear },
	{ "no payload", toy_gso_break_no_payload },
};

KUNIT_ARRAY_PARAM_DESC(toy_gso_bad, toy_gso_bad_cases, desc);

/* inet_gso_segment() calls us for any skb of our protocol: refuse. */
static void toy_gso_refuses(struct kunit *test)
{
	const struct toy_gso_bad_case *c = test->param_value;
	struct sk_buff *skb = toy_gso_test_build(test), *segs;

	c->breaks(skb);
	segs = toy_gso_segment(skb, NETIF_F_SG | NETIF_F_HW_CSUM);
	KUNIT_EXPECT_TRUE(test, IS_ERR(segs));
	if (!IS_ERR_OR_NULL(segs))
		kfree_skb_list(segs);
	kfree_skb(skb);
}

static struct kunit_case toy_offload_test_cases[] = {
	KUNIT_CASE_PARAM(toy_gso_cut, toy_gso_gen_params),
	KUNIT_CASE_PARAM(toy_gso_refuses, toy_gso_bad_gen_params),
	{}
};

static struct kunit_suite toy_offload_test_suite = {
	.name = "toy_offload",
	.test_cases = toy_offload_test_cases,
};

kunit_test_suite(toy_offload_test_suite);
