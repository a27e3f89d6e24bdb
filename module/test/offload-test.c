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
#define TOY_GSO_TEST_MEMBERS	3

#define TOY_GSO_TEST_MSS	1000

/* Member lengths: linear, in a page, linear and short (the last). */
static const unsigned int toy_gso_test_len[TOY_GSO_TEST_MEMBERS] = {
	TOY_GSO_TEST_MSS, TOY_GSO_TEST_MSS, 333
};

static u8 toy_gso_test_byte(unsigned int off)
{
	return off * 7 + 3;
}

static struct sk_buff *toy_gso_test_member(struct kunit *test, int i,
					   unsigned int off)
{
	unsigned int len = toy_gso_test_len[i], j;
	struct sk_buff *skb = alloc_skb(len, GFP_KERNEL);
	u8 *p;

	KUNIT_ASSERT_NOT_NULL(test, skb);
	if (i == 1) {
		struct page *page = alloc_page(GFP_KERNEL);

		KUNIT_ASSERT_NOT_NULL(test, page);
		p = kmap_local_page(page);
		for (j = 0; j < len; j++)
			p[j] = toy_gso_test_byte(off + j);
		kunmap_local(p);
		skb_fill_page_desc(skb, 0, page, 0, len);
		skb->len = len;
		skb->data_len = len;
		skb->truesize += PAGE_SIZE;
	} else {
		p = skb_put(skb, len);
		for (j = 0; j < len; j++)
			p[j] = toy_gso_test_byte(off + j);
	}
	return skb;
}

/*
 * A super-segment as inet_gso_segment() hands it over: IPv4 header
 * behind skb->data, our header at it, the payload in the members.
 */
static struct sk_buff *toy_gso_test_build(struct kunit *test)
{
	struct sk_buff *skb, **tail;
	unsigned int total = 0;
	struct toyhdr *th;
	struct iphdr *iph;
	int i;

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

	tail = &skb_shinfo(skb)->frag_list;
	for (i = 0; i < TOY_GSO_TEST_MEMBERS; i++) {
		struct sk_buff *m = toy_gso_test_member(test, i, total);

		*tail = m;
		tail = &m->next;
		skb->len += m->len;
		skb->data_len += m->len;
		skb->truesize += m->truesize;
		total += m->len;
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
	skb_shinfo(skb)->gso_segs = TOY_GSO_TEST_MEMBERS;
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

		KUNIT_ASSERT_LT(test, i, TOY_GSO_TEST_MEMBERS);
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
	KUNIT_EXPECT_EQ(test, i, TOY_GSO_TEST_MEMBERS);
	kfree_skb_list(segs);
	kfree_skb(skb);
}

static void toy_gso_break_size(struct sk_buff *skb)
{
	skb_shinfo(skb)->gso_size = GSO_BY_FRAGS;
}

/* The cuts would fall inside the first member. */
static void toy_gso_break_cut(struct sk_buff *skb)
{
	skb_shinfo(skb)->gso_size = TOY_GSO_TEST_MSS - 100;
}

/* A short member in the middle: the next cut would fall inside. */
static void toy_gso_break_short(struct sk_buff *skb)
{
	struct sk_buff *m = skb_shinfo(skb)->frag_list;
	struct toyhdr *th = (struct toyhdr *)skb->data;

	skb_trim(m, TOY_GSO_TEST_MSS - 1);
	skb->len--;
	skb->data_len--;
	th->len = htons(ntohs(th->len) - 1);
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

static void toy_gso_break_empty_member(struct sk_buff *skb)
{
	struct sk_buff *m = skb_shinfo(skb)->frag_list;

	skb->len -= m->len;
	skb->data_len -= m->len;
	((struct toyhdr *)skb->data)->len =
		htons(ntohs(((struct toyhdr *)skb->data)->len) - m->len);
	skb_trim(m, 0);
}

static void toy_gso_break_no_list(struct sk_buff *skb)
{
	struct sk_buff *list = skb_shinfo(skb)->frag_list;

	skb_shinfo(skb)->frag_list = NULL;
	skb->len -= skb->data_len;
	skb->data_len = 0;
	((struct toyhdr *)skb->data)->len = 0;
	kfree_skb_list(list);
}

struct toy_gso_bad_case {
	const char *desc;
	void (*breaks)(struct sk_buff *skb);
};

static const struct toy_gso_bad_case toy_gso_bad_cases[] = {
	{ "gso_size GSO_BY_FRAGS", toy_gso_break_size },
	{ "gso_size 0", toy_gso_break_no_size },
	{ "cuts inside a member", toy_gso_break_cut },
	{ "a short member before the last", toy_gso_break_short },
	{ "a TCP super-segment", toy_gso_break_type },
	{ "from an untrusted source", toy_gso_break_dodgy },
	{ "length field off by one", toy_gso_break_len },
	{ "SYN", toy_gso_break_syn },
	{ "FIN", toy_gso_break_fin },
	{ "header shorter than ours", toy_gso_break_doff },
	{ "header longer than the linear part", toy_gso_break_doff_long },
	{ "an empty member", toy_gso_break_empty_member },
	{ "no members", toy_gso_break_no_list },
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
