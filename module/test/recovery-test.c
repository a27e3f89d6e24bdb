// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for loss recovery (recovery.c), #included at its end when
 * CONFIG_TOY_KUNIT_TEST is set:
 *  - toy_sack: the blocks a receiver builds from its out-of-order queue
 *    (rcvq.c), and the sender's scoreboard (marking, the loss rule,
 *    reordering, reneging, hints). The socket is a zeroed struct toy_sock
 *    in init_net with hand-made queues: nothing here sends a segment (the
 *    wire side is in selftests/toy_sack.c).
 *  - toy_rto: the RTO estimator (RFC 6298). The clock is fake:
 *    toy_rtt_sample() takes the measured RTT as an argument, so each case
 *    feeds chosen samples and nothing sleeps. The expected values are
 *    worked out by hand (docs/protocol.md 12.2).
 */
#include <kunit/test.h>
#include <linux/prandom.h>
#include <linux/random.h>

#define TOY_TEST_MSS	1000

static void toy_test_sack_free(void *arg)
{
	struct toy_sock *ts = arg;

	__skb_queue_purge(&ts->sk.sk_write_queue);
	skb_rbtree_purge(&ts->rtx_queue);
	skb_rbtree_purge(&ts->ooo_queue);
}

static struct toy_sock *toy_test_sack_sock(struct kunit *test)
{
	struct toy_sock *ts = kunit_kzalloc(test, sizeof(*ts), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, ts);
	sock_net_set(&ts->sk, &init_net);
	skb_queue_head_init(&ts->sk.sk_write_queue);
	ts->ooo_queue = RB_ROOT;
	ts->rtx_queue = RB_ROOT;
	ts->mss = TOY_TEST_MSS;
	ts->sack_ok = true;
	ts->reordering = TOY_DUPTHRESH;
	/* A window that never holds a retransmission back. */
	ts->ca_ops = &toy_reno;
	ts->snd_cwnd = TOY_CWND_MAX;
	ts->snd_ssthresh = TOY_INFINITE_SSTHRESH;
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, toy_test_sack_free,
							ts), 0);
	return ts;
}

static struct sk_buff *toy_test_seg(struct kunit *test, u32 seq, u32 end)
{
	struct sk_buff *skb = alloc_skb(0, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, skb);
	TOY_SKB_CB(skb)->seq = seq;
	TOY_SKB_CB(skb)->end_seq = end;
	TOY_SKB_CB(skb)->pcount = DIV_ROUND_UP(end - seq, TOY_TEST_MSS);
	return skb;
}

/* Put @skb last in the rbtree @root. */
static void toy_test_rb_tail(struct rb_root *root, struct sk_buff *skb)
{
	struct rb_node *parent = NULL, **p = &root->rb_node;

	while (*p) {
		parent = *p;
		p = &parent->rb_right;
	}
	rb_link_node(&skb->rbnode, parent, p);
	rb_insert_color(&skb->rbnode, root);
}

/* The out-of-order queue holds [seq, end) pairs, in order. */
static void toy_test_ooo(struct kunit *test, struct toy_sock *ts,
			 const u32 (*segs)[2], int n)
{
	struct sk_buff *skb;
	int i;

	for (i = 0; i < n; i++) {
		skb = toy_test_seg(test, segs[i][0], segs[i][1]);
		toy_test_rb_tail(&ts->ooo_queue, skb);
		ts->ooo_last_skb = skb;
	}
}

static void toy_test_expect_blocks(struct kunit *test, struct toy_sock *ts,
				   const u32 (*want)[2], int n)
{
	struct toy_sack_block b[TOYHDR_SACK_MAX];
	int i, got = toy_sack_build(&ts->sk, b);

	KUNIT_ASSERT_EQ(test, got, n);
	for (i = 0; i < n; i++) {
		KUNIT_EXPECT_EQ_MSG(test, ntohl(b[i].start), want[i][0], "block %d", i);
		KUNIT_EXPECT_EQ_MSG(test, ntohl(b[i].end), want[i][1], "block %d", i);
	}
}

static void toy_sack_build_empty(struct kunit *test)
{
	struct toy_sock *ts = toy_test_sack_sock(test);

	toy_test_expect_blocks(test, ts, NULL, 0);
}

/* Touching segments make one block; the latest arrival's block goes first. */
static void toy_sack_build_merges_and_orders(struct kunit *test)
{
	static const u32 q[][2] = {
		{ 100, 200 }, { 200, 300 }, { 400, 500 }, { 450, 600 }, { 700, 800 },
	};
	static const u32 want[][2] = { { 400, 600 }, { 100, 300 }, { 700, 800 } };
	struct toy_sock *ts = toy_test_sack_sock(test);

	toy_test_ooo(test, ts, q, ARRAY_SIZE(q));
	ts->ooo_last = 450;
	toy_test_expect_blocks(test, ts, want, ARRAY_SIZE(want));
}

/* Six blocks: the latest, then the three lowest others. */
static void toy_sack_build_at_most_four(struct kunit *test)
{
	static const u32 q[][2] = {
		{ 10, 20 }, { 30, 40 }, { 50, 60 }, { 70, 80 }, { 90, 100 }, { 110, 120 },
	};
	static const u32 want[][2] = { { 90, 100 }, { 10, 20 }, { 30, 40 }, { 50, 60 } };
	static const u32 last[][2] = { { 110, 120 }, { 10, 20 }, { 30, 40 }, { 50, 60 } };
	struct toy_sock *ts = toy_test_sack_sock(test);

	toy_test_ooo(test, ts, q, ARRAY_SIZE(q));
	ts->ooo_last = 95;
	toy_test_expect_blocks(test, ts, want, ARRAY_SIZE(want));
	ts->ooo_last = 110;
	toy_test_expect_blocks(test, ts, last, ARRAY_SIZE(last));
}

/* The latest arrival is gone (drained): the lowest blocks, nothing else. */
static void toy_sack_build_without_latest(struct kunit *test)
{
	static const u32 q[][2] = { { 100, 200 }, { 300, 400 } };
	struct toy_sock *ts = toy_test_sack_sock(test);

	toy_test_ooo(test, ts, q, ARRAY_SIZE(q));
	ts->ooo_last = 50;
	toy_test_expect_blocks(test, ts, q, ARRAY_SIZE(q));
}

/* Blocks across 2^32. */
static void toy_sack_build_wraps(struct kunit *test)
{
	static const u32 q[][2] = { { 0xfffffff0, 0x10 }, { 0x20, 0x30 } };
	static const u32 want[][2] = { { 0x20, 0x30 }, { 0xfffffff0, 0x10 } };
	struct toy_sock *ts = toy_test_sack_sock(test);

	toy_test_ooo(test, ts, q, ARRAY_SIZE(q));
	ts->ooo_last = 0x20;
	toy_test_expect_blocks(test, ts, want, ARRAY_SIZE(want));
}

/* A sender with @n segments of TOY_TEST_MSS in flight from @una. */
static struct toy_sock *toy_test_sender(struct kunit *test, u32 una, int n)
{
	struct toy_sock *ts = toy_test_sack_sock(test);
	int i;

	for (i = 0; i < n; i++)
		toy_test_rb_tail(&ts->rtx_queue,
				 toy_test_seg(test, una + i * TOY_TEST_MSS,
					      una + (i + 1) * TOY_TEST_MSS));
	ts->snd_una = una;
	ts->snd_nxt = una + n * TOY_TEST_MSS;
	toy_recovery_reset(&ts->sk);
	ts->packets_out = n;
	return ts;
}

/* An ACK of @ack followed by @n blocks, as toy_rcv() leaves it linear. */
static void toy_test_sack_ack_at(struct toy_sock *ts, u32 ack,
				 const u32 (*blocks)[2], int n)
{
	struct {
		struct toyhdr th;
		struct toy_sack_block b[TOYHDR_SACK_MAX];
	} seg = {};
	int i;

	seg.th.doff = TOYHDR_DOFF + 2 * n;
	seg.th.flags = TOYHDR_ACK;
	seg.th.ack_seq = htonl(ack);
	for (i = 0; i < n; i++) {
		seg.b[i].start = htonl(blocks[i][0]);
		seg.b[i].end = htonl(blocks[i][1]);
	}
	sack_update(&ts->sk, &seg.th, sack_fack(ts));
}

static void toy_test_sack_ack(struct toy_sock *ts, const u32 (*blocks)[2], int n)
{
	toy_test_sack_ack_at(ts, ts->snd_una, blocks, n);
}

/* Which of the first @n skbs are marked, as a bitmap. */
static u32 toy_test_sacked(struct toy_sock *ts)
{
	struct sk_buff *skb;
	u32 map = 0;
	int i = 0;

	skb_rbtree_walk(skb, &ts->rtx_queue)
		map |= (u32)TOY_SKB_CB(skb)->sacked << i++;
	return map;
}

static void toy_sack_marks_whole_segments(struct kunit *test)
{
	static const u32 b1[][2] = { { 2000, 4000 } };
	static const u32 b2[][2] = { { 4000, 4500 }, { 5000, 6000 } };
	struct toy_sock *ts = toy_test_sender(test, 0, 8);

	toy_test_sack_ack(ts, b1, 1);
	KUNIT_EXPECT_EQ(test, toy_test_sacked(ts), 0x0cU);
	KUNIT_EXPECT_EQ(test, ts->sacked_out, 2U);
	KUNIT_EXPECT_EQ(test, ts->high_sacked, 4000U);

	/* half of segment 4 is not all of it; segment 5 is */
	toy_test_sack_ack(ts, b2, 2);
	KUNIT_EXPECT_EQ(test, toy_test_sacked(ts), 0x2cU);
	KUNIT_EXPECT_EQ(test, ts->sacked_out, 3U);
	KUNIT_EXPECT_EQ(test, ts->high_sacked, 6000U);

	/* the same again changes nothing */
	toy_test_sack_ack(ts, b1, 1);
	KUNIT_EXPECT_EQ(test, ts->sacked_out, 3U);
}

static void toy_sack_discards_nonsense(struct kunit *test)
{
	static const u32 bad[][2] = {
		{ 7000, 9000 },		/* past snd_nxt */
		{ 0xffffff00, 1000 },	/* before snd_una */
		{ 3000, 3000 },		/* empty */
		{ 4000, 3000 },		/* backwards */
	};
	struct toy_sock *ts = toy_test_sender(test, 0, 8);
	struct toy_net *tn = toy_pernet(&init_net);
	u64 before = toy_stat_read(tn, TOY_MIB_SACKDISCARD);

	toy_test_sack_ack(ts, bad, ARRAY_SIZE(bad));
	KUNIT_EXPECT_EQ(test, toy_test_sacked(ts), 0U);
	KUNIT_EXPECT_EQ(test, toy_stat_read(tn, TOY_MIB_SACKDISCARD) - before, 4ULL);
}

/* Lost once data TOY_DUPTHRESH segments beyond it is SACKed (FACK). */
static void toy_sack_head_lost_rule(struct kunit *test)
{
	static const u32 two[][2] = { { 3000, 4000 } };
	static const u32 three[][2] = { { 3000, 5000 } };
	struct toy_sock *ts = toy_test_sender(test, 1000, 8);

	KUNIT_EXPECT_FALSE(test, sack_head_lost(&ts->sk));
	toy_test_sack_ack(ts, two, 1);		/* head ends at 2000 */
	KUNIT_EXPECT_FALSE(test, sack_head_lost(&ts->sk));
	toy_test_sack_ack(ts, three, 1);
	KUNIT_EXPECT_TRUE(test, sack_head_lost(&ts->sk));

	/* a path seen to reorder by 5 segments needs more */
	ts->reordering = 5;
	KUNIT_EXPECT_FALSE(test, sack_head_lost(&ts->sk));

	/* but not in a recovery an RTO started: 3 are enough again */
	ts->ca_state = TOY_CA_LOSS;
	KUNIT_EXPECT_TRUE(test, sack_head_lost(&ts->sk));
	ts->ca_state = TOY_CA_OPEN;
	KUNIT_EXPECT_FALSE(test, sack_head_lost(&ts->sk));
}

/* A never-resent segment SACKed far below the highest raises reordering. */
static void toy_sack_learns_reordering(struct kunit *test)
{
	static const u32 high[][2] = { { 6000, 7000 } };
	static const u32 low[][2] = { { 1000, 2000 } };
	struct toy_sock *ts = toy_test_sender(test, 0, 8);

	toy_test_sack_ack(ts, high, 1);
	KUNIT_EXPECT_EQ(test, ts->reordering, (u32)TOY_DUPTHRESH);
	toy_test_sack_ack(ts, low, 1);
	/* 2000 arrived with 7000 SACKed: 5 segments late, plus itself */
	KUNIT_EXPECT_EQ(test, ts->reordering, 6U);
}

/* One ACK reports the latest block first: lower blocks in it are no news. */
static void toy_sack_one_ack_is_not_reordering(struct kunit *test)
{
	static const u32 b[][2] = { { 6000, 7000 }, { 1000, 2000 } };
	struct toy_sock *ts = toy_test_sender(test, 0, 8);

	toy_test_sack_ack(ts, b, 2);
	KUNIT_EXPECT_EQ(test, toy_test_sacked(ts), 0x42U);
	KUNIT_EXPECT_EQ(test, ts->reordering, (u32)TOY_DUPTHRESH);
}

static void toy_sack_resent_is_not_reordering(struct kunit *test)
{
	static const u32 high[][2] = { { 6000, 7000 } };
	static const u32 low[][2] = { { 1000, 2000 } };
	struct toy_sock *ts = toy_test_sender(test, 0, 8);

	TOY_SKB_CB(skb_rb_next(toy_rtx_head(ts)))->retrans = true;
	toy_test_sack_ack(ts, high, 1);
	toy_test_sack_ack(ts, low, 1);
	KUNIT_EXPECT_EQ(test, ts->reordering, (u32)TOY_DUPTHRESH);
}

/*
 * D-SACK: a first block below the ACK, or inside the second block, is data
 * received twice. It is counted, marks nothing, and shows reordering.
 */
static void toy_sack_dsack(struct kunit *test)
{
	static const u32 high[][2] = { { 7000, 8000 } };
	static const u32 below[][2] = { { 500, 1000 } };
	static const u32 inside[][2] = { { 7200, 7400 }, { 7000, 8000 } };
	struct toy_sock *ts = toy_test_sender(test, 1000, 8);
	struct toy_net *tn = toy_pernet(&init_net);
	u64 before = toy_stat_read(tn, TOY_MIB_DSACKRECV);

	toy_test_sack_ack(ts, high, 1);
	toy_test_sack_ack_at(ts, 1000, below, 1);
	KUNIT_EXPECT_EQ(test, toy_stat_read(tn, TOY_MIB_DSACKRECV) - before, 1ULL);
	/* 1000 arrived twice while 8000 was SACKed: 7 segments, plus itself */
	KUNIT_EXPECT_EQ(test, ts->reordering, 8U);
	toy_test_sack_ack(ts, inside, 2);
	KUNIT_EXPECT_EQ(test, toy_stat_read(tn, TOY_MIB_DSACKRECV) - before, 2ULL);
	KUNIT_EXPECT_EQ(test, ts->sacked_out, 1U);
}

/* The receiver reports a duplicate once, first, then the queue. */
static void toy_sack_build_dsack_first(struct kunit *test)
{
	static const u32 q[][2] = { { 100, 200 }, { 300, 400 } };
	static const u32 want[][2] = { { 300, 400 }, { 300, 400 }, { 100, 200 } };
	struct toy_sock *ts = toy_test_sack_sock(test);

	toy_test_ooo(test, ts, q, ARRAY_SIZE(q));
	ts->ooo_last = 300;
	toy_sack_duplicate(&ts->sk, 300, 400);
	toy_test_expect_blocks(test, ts, want, ARRAY_SIZE(want));
	toy_test_expect_blocks(test, ts, want + 1, 2);
}

/* The head SACKed at RTO time: the receiver dropped it; forget all marks. */
static void toy_sack_reneging(struct kunit *test)
{
	static const u32 b[][2] = { { 0, 1000 }, { 3000, 4000 } };
	struct toy_sock *ts = toy_test_sender(test, 0, 8);

	KUNIT_EXPECT_FALSE(test, sack_reneged(&ts->sk));
	toy_test_sack_ack(ts, b, 2);
	KUNIT_EXPECT_EQ(test, ts->sacked_out, 2U);
	KUNIT_EXPECT_TRUE(test, sack_reneged(&ts->sk));
	KUNIT_EXPECT_EQ(test, toy_test_sacked(ts), 0U);
	KUNIT_EXPECT_EQ(test, ts->sacked_out, 0U);
	/* What the last blocks covered is no longer marked. */
	KUNIT_EXPECT_EQ(test, ts->sack_cache[0].start, ts->sack_cache[0].end);
}

/* Unlinking keeps the count and never leaves a hint dangling. */
static void toy_sack_unlink_hints(struct kunit *test)
{
	static const u32 b[][2] = { { 0, 2000 } };
	struct toy_sock *ts = toy_test_sender(test, 0, 4);
	struct sk_buff *head = toy_rtx_head(ts);

	toy_test_sack_ack(ts, b, 1);
	ts->rtx_hint = head;
	sack_unlink(&ts->sk, head);
	kfree_skb(head);
	KUNIT_EXPECT_EQ(test, ts->sacked_out, 1U);
	KUNIT_EXPECT_NULL(test, ts->rtx_hint);
	KUNIT_EXPECT_EQ(test, TOY_SKB_CB(toy_rtx_head(ts))->seq, 1000U);
}

/*
 * The head is lost and a block grows by a segment per ACK, as in a
 * recovery: each ACK marks one more segment, through the cache of the
 * last ACK's blocks, and the count follows.
 */
static void toy_sack_block_grows(struct kunit *test)
{
	struct toy_sock *ts = toy_test_sender(test, 0, 32);
	u32 b[1][2];
	int k;

	for (k = 1; k < 32; k++) {
		b[0][0] = TOY_TEST_MSS;
		b[0][1] = (k + 1) * TOY_TEST_MSS;
		toy_test_sack_ack(ts, b, 1);
		KUNIT_EXPECT_EQ(test, ts->sacked_out, (u32)k);
		KUNIT_EXPECT_EQ(test, ts->high_sacked, (u32)(k + 1) * TOY_TEST_MSS);
	}
	KUNIT_EXPECT_EQ(test, toy_test_sacked(ts), 0xfffffffeU);
}

/*
 * Blocks of any size, at any byte, in any order, against a model: a
 * segment is marked once a block (not a D-SACK one) covered all of it,
 * whatever the cache of the last ACK's blocks skipped. Seed printed.
 */
static void toy_sack_random_model(struct kunit *test)
{
	const int segs = 48, span = segs * TOY_TEST_MSS;
	struct toy_sock *ts = toy_test_sender(test, 0, segs);
	u32 seed = get_random_u32(), b[TOYHDR_SACK_MAX][2] = {}, want;
	bool model[48] = {};
	s32 d0, d1;
	struct rnd_state rnd;
	struct sk_buff *skb;
	int ack, i, j, n;

	kunit_info(test, "seed %u\n", seed);
	prandom_seed_state(&rnd, seed);
	for (ack = 0; ack < 400; ack++) {
		n = 1 + prandom_u32_state(&rnd) % TOYHDR_SACK_MAX;
		for (i = 0; i < n; i++) {
			/*
			 * Half of them the last ACK's block in that place,
			 * moved or grown at either edge (what the cache
			 * skips), half anywhere.
			 */
			if (b[i][1] && prandom_u32_state(&rnd) % 2) {
				d0 = (s32)(prandom_u32_state(&rnd) % 3001) - 1500;
				d1 = (s32)(prandom_u32_state(&rnd) % 3001) - 1500;
				b[i][0] = clamp_t(s32, b[i][0] + d0, 0, span - 1);
				b[i][1] = clamp_t(s32, b[i][1] + d1, b[i][0] + 1, span);
				continue;
			}
			b[i][0] = prandom_u32_state(&rnd) % span;
			b[i][1] = b[i][0] + 1 +
				  prandom_u32_state(&rnd) % (span - b[i][0]);
		}
		toy_test_sack_ack(ts, (const u32 (*)[2])b, n);
		for (i = 0; i < n; i++) {
			/* A first block inside the second is a D-SACK one. */
			if (!i && n > 1 && b[0][0] >= b[1][0] && b[0][1] <= b[1][1])
				continue;
			for (j = 0; j < segs; j++)
				if (b[i][0] <= j * TOY_TEST_MSS &&
				    b[i][1] >= (j + 1) * TOY_TEST_MSS)
					model[j] = true;
		}
		want = 0;
		j = 0;
		skb_rbtree_walk(skb, &ts->rtx_queue) {
			KUNIT_ASSERT_EQ_MSG(test, TOY_SKB_CB(skb)->sacked, model[j],
					    "ack %d segment %d", ack, j);
			want += model[j++];
		}
		KUNIT_ASSERT_EQ(test, ts->sacked_out, want);
	}
}

/* ---- skbs of several segments (TSO-style, output.c) ---------------- */

static struct proto toy_test_noacct;	/* no memory accounting */

static u8 toy_test_byte(u32 seq)
{
	return seq * 13 + 7;
}

/*
 * A sent skb of rtx_queue, [@seq, @seq + @len), its payload in page
 * fragments as sendmsg() leaves it, each byte toy_test_byte() of its
 * sequence number.
 */
static struct sk_buff *toy_test_data(struct kunit *test, struct toy_sock *ts,
				     u32 seq, u32 len)
{
	struct sk_buff *skb = alloc_skb_fclone(TOY_MAX_HEADER, GFP_KERNEL);
	u32 off = 0, i;

	KUNIT_ASSERT_NOT_NULL(test, skb);
	skb_reserve(skb, TOY_MAX_HEADER);
	while (off < len) {
		struct page *page = alloc_page(GFP_KERNEL);
		u32 n = min_t(u32, len - off, PAGE_SIZE);
		u8 *p;

		KUNIT_ASSERT_NOT_NULL(test, page);
		p = kmap_local_page(page);
		for (i = 0; i < n; i++)
			p[i] = toy_test_byte(seq + off + i);
		kunmap_local(p);
		skb_fill_page_desc(skb, skb_shinfo(skb)->nr_frags, page, 0, n);
		skb->len += n;
		skb->data_len += n;
		skb->truesize += PAGE_SIZE;
		off += n;
	}
	toy_wmem_charge(&ts->sk, skb, true);
	TOY_SKB_CB(skb)->seq = seq;
	TOY_SKB_CB(skb)->end_seq = seq + len;
	TOY_SKB_CB(skb)->pcount = DIV_ROUND_UP(len, TOY_TEST_MSS);
	__skb_header_release(skb);
	return skb;
}

/* Does @skb hold the bytes of [@seq, @seq + skb->len)? */
static bool toy_test_bytes_ok(const struct sk_buff *skb, u32 seq)
{
	u32 i;
	u8 b;

	for (i = 0; i < skb->len; i++)
		if (skb_copy_bits(skb, i, &b, 1) || b != toy_test_byte(seq + i))
			return false;
	return true;
}

/* The first and last bytes of @skb: those of [@seq, @seq + skb->len)? */
static bool toy_test_ends_ok(const struct sk_buff *skb, u32 seq)
{
	u8 b0, b1;

	return skb->len && !skb_copy_bits(skb, 0, &b0, 1) &&
	       !skb_copy_bits(skb, skb->len - 1, &b1, 1) &&
	       b0 == toy_test_byte(seq) &&
	       b1 == toy_test_byte(seq + skb->len - 1);
}

/*
 * rtx_queue is whole: each skb where the last ended, its bytes its own,
 * and the counts what its skbs' segments add up to.
 */
static void toy_test_counts(struct kunit *test, struct toy_sock *ts)
{
	u32 packets = 0, sacked = 0, lost = 0, seq = ts->snd_una;
	struct sk_buff *skb;

	skb_rbtree_walk(skb, &ts->rtx_queue) {
		struct toy_skb_cb *cb = TOY_SKB_CB(skb);

		KUNIT_EXPECT_EQ(test, cb->seq, seq);
		KUNIT_EXPECT_EQ(test, cb->end_seq - cb->seq, skb->len);
		KUNIT_EXPECT_EQ(test, (u32)cb->pcount,
				DIV_ROUND_UP(skb->len, TOY_TEST_MSS));
		KUNIT_EXPECT_TRUE(test, toy_test_ends_ok(skb, cb->seq));
		packets += cb->pcount;
		sacked += cb->sacked ? cb->pcount : 0;
		lost += cb->lost ? cb->pcount : 0;
		seq = cb->end_seq;
	}
	KUNIT_EXPECT_EQ(test, seq, ts->snd_nxt);
	KUNIT_EXPECT_EQ(test, ts->packets_out, packets);
	KUNIT_EXPECT_EQ(test, ts->sacked_out, sacked);
	KUNIT_EXPECT_EQ(test, ts->lost_out, lost);
}

static struct toy_sock *toy_test_tso_sender(struct kunit *test)
{
	struct toy_sock *ts = toy_test_sack_sock(test);

	ts->sk.sk_prot = &toy_test_noacct;
	toy_recovery_reset(&ts->sk);
	return ts;
}

static void toy_test_tso_queue(struct toy_sock *ts, struct sk_buff *skb)
{
	toy_rtx_insert(ts, skb);
	ts->packets_out += TOY_SKB_CB(skb)->pcount;
	ts->snd_nxt = TOY_SKB_CB(skb)->end_seq;
}

/*
 * One skb of eight segments, its transmission still alive (a clone): a
 * block that covers it in part cuts it, between whole segments only; a
 * partial ACK cuts and frees what it covers; a retransmission of one
 * segment cuts that off. The transmission keeps its bytes throughout.
 */
static void toy_sack_cuts_super_segments(struct kunit *test)
{
	static const u32 b[][2] = { { 2500, 5500 } };
	struct toy_sock *ts = toy_test_tso_sender(test);
	struct sk_buff *skb = toy_test_data(test, ts, 0, 8 * TOY_TEST_MSS);
	struct sk_buff *clone = skb_clone(skb, GFP_KERNEL), *head;
	bool sampled;

	KUNIT_ASSERT_NOT_NULL(test, clone);
	toy_test_tso_queue(ts, skb);

	toy_test_sack_ack(ts, b, 1);
	/* [0, 3000) [3000, 5000) SACKed [5000, 8000) */
	KUNIT_EXPECT_EQ(test, toy_test_sacked(ts), 0x2U);
	KUNIT_EXPECT_EQ(test, ts->sacked_out, 2U);
	KUNIT_EXPECT_EQ(test, ts->high_sacked, 5000U);
	toy_test_counts(test, ts);

	/*
	 * Half a segment acknowledged: [0, 1500) goes, and what remains is
	 * 7 segments: one left the pipe, not the 2 the cut part stands for.
	 */
	KUNIT_EXPECT_EQ(test, clean_acked(&ts->sk, 1500, 5000, &sampled), 1U);
	ts->snd_una = 1500;
	head = toy_rtx_head(ts);
	KUNIT_EXPECT_EQ(test, TOY_SKB_CB(head)->seq, 1500U);
	KUNIT_EXPECT_EQ(test, ts->packets_out, 7U);
	toy_test_counts(test, ts);

	/* The head lost, one segment of it resent: the rest stays lost. */
	mark_lost(ts, TOY_SKB_CB(head));
	KUNIT_EXPECT_EQ(test, ts->lost_out, 2U);
	KUNIT_EXPECT_EQ(test, rtx_trim(&ts->sk, head, 1), 0);
	KUNIT_EXPECT_EQ(test, TOY_SKB_CB(head)->end_seq, 2500U);
	KUNIT_EXPECT_EQ(test, ts->lost_out, 2U);
	toy_test_counts(test, ts);

	KUNIT_EXPECT_EQ(test, clone->len, 8U * TOY_TEST_MSS);
	KUNIT_EXPECT_TRUE(test, toy_test_bytes_ok(clone, 0));
	kfree_skb(clone);
}

/*
 * A peer's blocks cut the queue no finer than it was sent, whatever
 * bytes they name: one segment inside a block of less than a segment is
 * not marked, and the skbs never outnumber the segments.
 */
static void toy_sack_cuts_no_finer_than_segments(struct kunit *test)
{
	static const u32 b[][2] = { { 2001, 2999 }, { 4100, 4200 },
				    { 6999, 7001 } };
	struct toy_sock *ts = toy_test_tso_sender(test);
	struct sk_buff *skb;
	int n = 0;

	toy_test_tso_queue(ts, toy_test_data(test, ts, 0, 8 * TOY_TEST_MSS));
	toy_test_sack_ack(ts, b, ARRAY_SIZE(b));
	KUNIT_EXPECT_EQ(test, ts->sacked_out, 0U);
	skb_rbtree_walk(skb, &ts->rtx_queue) {
		KUNIT_EXPECT_EQ(test, TOY_SKB_CB(skb)->seq % TOY_TEST_MSS, 0U);
		n++;
	}
	KUNIT_EXPECT_LE(test, n, 8);
	toy_test_counts(test, ts);
}

/*
 * A queue already far over its send buffer is cut no more, but at its
 * ends (WQueueTooBig): the middle skb stays whole and unmarked, the head
 * is still cut for a block.
 */
static void toy_sack_wqueue_too_big(struct kunit *test)
{
	static const u32 mid[][2] = { { 10000, 12000 } };
	static const u32 head[][2] = { { 0, 3000 } };
	struct toy_sock *ts = toy_test_tso_sender(test);
	struct toy_net *tn = toy_pernet(&init_net);
	u64 before = toy_stat_read(tn, TOY_MIB_WQUEUETOOBIG);
	int i;

	for (i = 0; i < 3; i++)
		toy_test_tso_queue(ts, toy_test_data(test, ts, i * 8000, 8000));
	ts->sk.sk_sndbuf = SOCK_MIN_SNDBUF;
	ts->sk.sk_wmem_queued = 2 * (SOCK_MIN_SNDBUF +
				     2 * SKB_TRUESIZE(TOY_GSO_MAX_BYTES)) + 2;
	toy_test_sack_ack(ts, mid, 1);
	KUNIT_EXPECT_EQ(test, ts->sacked_out, 0U);
	KUNIT_EXPECT_EQ(test, toy_stat_read(tn, TOY_MIB_WQUEUETOOBIG) - before,
			1ULL);
	toy_test_sack_ack(ts, head, 1);
	KUNIT_EXPECT_EQ(test, ts->sacked_out, 3U);
	ts->sk.sk_wmem_queued = 0;
	toy_test_counts(test, ts);
}

/*
 * ACK division: a receiver that acknowledges a byte at a time takes no
 * segment out of the pipe until a whole one is acknowledged, and the
 * window grows by what left it, not by the ACKs.
 */
static void toy_sack_ack_division(struct kunit *test)
{
	struct toy_sock *ts = toy_test_tso_sender(test);
	u32 ack, acked = 0;
	bool sampled;

	toy_test_tso_queue(ts, toy_test_data(test, ts, 0, 8 * TOY_TEST_MSS));
	for (ack = 1; ack <= 2 * TOY_TEST_MSS; ack++) {
		acked += clean_acked(&ts->sk, ack, ack - 1, &sampled);
		ts->snd_una = ack;
	}
	KUNIT_EXPECT_EQ(test, acked, 2U);
	KUNIT_EXPECT_EQ(test, ts->packets_out, 6U);
	toy_test_counts(test, ts);
}

/*
 * toy_sack_random_model's blocks and model, over skbs of 1 to 8
 * segments, some with a transmission alive, and cumulative ACKs that
 * move between whole segments: every segment of an skb is marked as the
 * model says, the counts add up and no byte moves. Seed printed.
 */
static void toy_sack_super_random_model(struct kunit *test)
{
	const int segs = 48, span = segs * TOY_TEST_MSS;
	struct toy_sock *ts = toy_test_tso_sender(test);
	struct sk_buff *clones[48] = {}, *skb;
	u32 seed = get_random_u32(), b[TOYHDR_SACK_MAX][2];
	int ack, i, j, n, nclones = 0;
	struct rnd_state rnd;
	bool model[48] = {};
	bool sampled;
	u32 una;

	kunit_info(test, "seed %u\n", seed);
	prandom_seed_state(&rnd, seed);
	for (i = 0; i < segs; i += n) {
		n = min(segs - i, 1 + (int)(prandom_u32_state(&rnd) % 8));
		skb = toy_test_data(test, ts, i * TOY_TEST_MSS,
				    n * TOY_TEST_MSS);
		if (prandom_u32_state(&rnd) % 2) {
			clones[nclones] = skb_clone(skb, GFP_KERNEL);
			KUNIT_ASSERT_NOT_NULL(test, clones[nclones]);
			nclones++;
		}
		toy_test_tso_queue(ts, skb);
	}
	for (ack = 0; ack < 400 && ts->snd_una != ts->snd_nxt; ack++) {
		una = ts->snd_una;
		if (prandom_u32_state(&rnd) % 16 == 0) {
			una += TOY_TEST_MSS *
			       (1 + prandom_u32_state(&rnd) % 4);
			una = min_t(u32, una, span);
			clean_acked(&ts->sk, una, sack_fack(ts), &sampled);
			ts->snd_una = una;
			toy_test_counts(test, ts);
			continue;
		}
		n = 1 + prandom_u32_state(&rnd) % TOYHDR_SACK_MAX;
		for (i = 0; i < n; i++) {
			b[i][0] = una + prandom_u32_state(&rnd) % (span - una);
			b[i][1] = b[i][0] + 1 +
				  prandom_u32_state(&rnd) % (span - b[i][0]);
		}
		toy_test_sack_ack(ts, (const u32 (*)[2])b, n);
		for (i = 0; i < n; i++) {
			/* A first block inside the second is a D-SACK one. */
			if (!i && n > 1 && b[0][0] >= b[1][0] && b[0][1] <= b[1][1])
				continue;
			for (j = 0; j < segs; j++)
				if (b[i][0] <= j * TOY_TEST_MSS &&
				    b[i][1] >= (j + 1) * TOY_TEST_MSS)
					model[j] = true;
		}
		skb_rbtree_walk(skb, &ts->rtx_queue) {
			const struct toy_skb_cb *cb = TOY_SKB_CB(skb);

			for (j = cb->seq / TOY_TEST_MSS;
			     j < cb->end_seq / TOY_TEST_MSS; j++)
				KUNIT_ASSERT_EQ_MSG(test, cb->sacked, model[j],
						    "ack %d segment %d", ack, j);
		}
		toy_test_counts(test, ts);
	}
	skb_rbtree_walk(skb, &ts->rtx_queue) {
		bool ok = toy_test_bytes_ok(skb, TOY_SKB_CB(skb)->seq);

		KUNIT_EXPECT_TRUE(test, ok);
	}
	for (i = 0; i < nclones; i++) {
		bool ok = toy_test_bytes_ok(clones[i],
					    TOY_SKB_CB(clones[i])->seq);

		KUNIT_EXPECT_TRUE(test, ok);
		kfree_skb(clones[i]);
	}
}

static struct kunit_case toy_sack_test_cases[] = {
	KUNIT_CASE(toy_sack_build_empty),
	KUNIT_CASE(toy_sack_build_merges_and_orders),
	KUNIT_CASE(toy_sack_build_at_most_four),
	KUNIT_CASE(toy_sack_build_without_latest),
	KUNIT_CASE(toy_sack_build_wraps),
	KUNIT_CASE(toy_sack_marks_whole_segments),
	KUNIT_CASE(toy_sack_discards_nonsense),
	KUNIT_CASE(toy_sack_head_lost_rule),
	KUNIT_CASE(toy_sack_learns_reordering),
	KUNIT_CASE(toy_sack_one_ack_is_not_reordering),
	KUNIT_CASE(toy_sack_resent_is_not_reordering),
	KUNIT_CASE(toy_sack_dsack),
	KUNIT_CASE(toy_sack_build_dsack_first),
	KUNIT_CASE(toy_sack_reneging),
	KUNIT_CASE(toy_sack_unlink_hints),
	KUNIT_CASE(toy_sack_block_grows),
	KUNIT_CASE(toy_sack_random_model),
	KUNIT_CASE(toy_sack_cuts_super_segments),
	KUNIT_CASE(toy_sack_cuts_no_finer_than_segments),
	KUNIT_CASE(toy_sack_ack_division),
	KUNIT_CASE(toy_sack_wqueue_too_big),
	KUNIT_CASE(toy_sack_super_random_model),
	{}
};

static struct kunit_suite toy_sack_test_suite = {
	.name = "toy_sack",
	.test_cases = toy_sack_test_cases,
};

/* ---- the RTO estimator ---- */

/* A zeroed connection with the given RTO bounds (ms): all the estimator reads. */
static struct toy_sock *toy_test_rto_sock(struct kunit *test, u32 rto_min,
					  u32 rto_max)
{
	struct toy_sock *ts = kunit_kzalloc(test, sizeof(*ts), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, ts);
	ts->rto_min = rto_min;
	ts->rto_max = rto_max;
	return ts;
}

/* G of RFC 6298: one clock tick. */
static u32 toy_test_g(void)
{
	return jiffies_to_usecs(1);
}

/* First sample R: SRTT = R, RTTVAR = R/2, RTO = SRTT + max(G, 4 RTTVAR, RTO_MIN). */
static void toy_rtt_first_sample(struct kunit *test)
{
	struct toy_sock *ts = toy_test_rto_sock(test, TOY_RTO_MIN_MS, TOY_RTO_MAX_MS);

	toy_rtt_sample(ts, 100000);
	KUNIT_EXPECT_EQ(test, ts->srtt, 100000);
	KUNIT_EXPECT_EQ(test, ts->rttvar, 50000);
	KUNIT_EXPECT_EQ(test, ts->rto, 300000);

	/* 10 ms: the variance term (20 ms) is raised to the 200 ms floor. */
	ts = toy_test_rto_sock(test, TOY_RTO_MIN_MS, TOY_RTO_MAX_MS);
	toy_rtt_sample(ts, 10000);
	KUNIT_EXPECT_EQ(test, ts->srtt, 10000);
	KUNIT_EXPECT_EQ(test, ts->rttvar, 5000);
	KUNIT_EXPECT_EQ(test, ts->rto, 210000);

	/* The same with a 1 ms floor: 10 + 4 * 5 = 30 ms (G is at most 10 ms). */
	ts = toy_test_rto_sock(test, 1, TOY_RTO_MAX_MS);
	toy_rtt_sample(ts, 10000);
	KUNIT_EXPECT_EQ(test, ts->rto, 10000 + max(toy_test_g(), 20000U));

	/* An odd sample: RTTVAR rounds down. */
	ts = toy_test_rto_sock(test, 1, TOY_RTO_MAX_MS);
	toy_rtt_sample(ts, 333333);
	KUNIT_EXPECT_EQ(test, ts->srtt, 333333);
	KUNIT_EXPECT_EQ(test, ts->rttvar, 166666);
	KUNIT_EXPECT_EQ(test, ts->rto, 333333 + 4 * 166666);
}

/* With a tiny RTT, the clock granularity G dominates 4 * RTTVAR. */
static void toy_rtt_granularity(struct kunit *test)
{
	struct toy_sock *ts = toy_test_rto_sock(test, 1, TOY_RTO_MAX_MS);
	u32 g = toy_test_g();

	toy_rtt_sample(ts, 200);
	KUNIT_EXPECT_EQ(test, ts->srtt, 200);
	KUNIT_EXPECT_EQ(test, ts->rttvar, 100);
	/* 4 * 100 us is below any tick and below the 1 ms floor. */
	KUNIT_EXPECT_EQ(test, ts->rto, 200 + max(g, 1000U));

	/* A zero sample counts as 1 us, so SRTT stays "measured" (non-zero). */
	ts = toy_test_rto_sock(test, 1, TOY_RTO_MAX_MS);
	toy_rtt_sample(ts, 0);
	KUNIT_EXPECT_EQ(test, ts->srtt, 1);
	KUNIT_EXPECT_EQ(test, ts->rttvar, 0);
	KUNIT_EXPECT_EQ(test, ts->rto, 1 + max(g, 1000U));
}

/* RTTVAR = 3/4 RTTVAR + 1/4 |SRTT - R|, then SRTT = 7/8 SRTT + 1/8 R. */
static void toy_rtt_later_samples(struct kunit *test)
{
	static const struct {
		u32 r, srtt, rttvar, rto;
	} steps[] = {
		{ 100000, 100000, 50000, 300000 },
		/* delta 40000: (150000 + 40000) / 4, (700000 + 60000) / 8 */
		{ 60000, 95000, 47500, 295000 },	/* 4 RTTVAR < 200 ms */
		/* delta 105000: (142500 + 105000) / 4, (665000 + 200000) / 8 */
		{ 200000, 108125, 61875, 355625 },
		/* delta 0: 185625 / 4 rounds down */
		{ 108125, 108125, 46406, 308125 },	/* 4 RTTVAR < 200 ms */
		/* a fast sample: the 200 ms floor is not reached yet */
		{ 1000, 94734, 61585, 341074 },
	};
	struct toy_sock *ts = toy_test_rto_sock(test, TOY_RTO_MIN_MS, TOY_RTO_MAX_MS);
	int i;

	for (i = 0; i < ARRAY_SIZE(steps); i++) {
		toy_rtt_sample(ts, steps[i].r);
		KUNIT_EXPECT_EQ_MSG(test, ts->srtt, steps[i].srtt, "sample %d", i);
		KUNIT_EXPECT_EQ_MSG(test, ts->rttvar, steps[i].rttvar, "sample %d", i);
		KUNIT_EXPECT_EQ_MSG(test, ts->rto, steps[i].rto, "sample %d", i);
	}
}

/* A huge sample is capped by TOY_RTO_MAX, not wrapped around. */
static void toy_rtt_huge_sample(struct kunit *test)
{
	struct toy_sock *ts = toy_test_rto_sock(test, TOY_RTO_MIN_MS, TOY_RTO_MAX_MS);

	toy_rtt_sample(ts, U32_MAX);
	KUNIT_EXPECT_EQ(test, ts->srtt, U32_MAX);
	KUNIT_EXPECT_EQ(test, ts->rto, TOY_RTO_MAX_MS * USEC_PER_MSEC);
}

static void toy_rto_clamp_bounds(struct kunit *test)
{
	struct toy_sock *ts = toy_test_rto_sock(test, TOY_RTO_MIN_MS, TOY_RTO_MAX_MS);

	KUNIT_EXPECT_EQ(test, toy_rto_clamp(ts, 0), 200000);
	KUNIT_EXPECT_EQ(test, toy_rto_clamp(ts, 199999), 200000);
	KUNIT_EXPECT_EQ(test, toy_rto_clamp(ts, 200001), 200001);
	KUNIT_EXPECT_EQ(test, toy_rto_clamp(ts, 120000000), 120000000);
	KUNIT_EXPECT_EQ(test, toy_rto_clamp(ts, 120000001), 120000000);
	/* Wider than u32: no truncation before the clamp. */
	KUNIT_EXPECT_EQ(test, toy_rto_clamp(ts, 1ULL << 40), 120000000);
}

/* TOY_RTO_MAX below TOY_RTO_MIN: the upper bound is applied last and wins. */
static void toy_rto_max_below_min(struct kunit *test)
{
	struct toy_sock *ts = toy_test_rto_sock(test, 500, 100);

	KUNIT_EXPECT_EQ(test, toy_rto_clamp(ts, 0), 100000);
	KUNIT_EXPECT_EQ(test, toy_rto_clamp(ts, 300000), 100000);
	KUNIT_EXPECT_EQ(test, toy_rto_clamp(ts, 10000000), 100000);
	toy_rtt_sample(ts, 1000);
	KUNIT_EXPECT_EQ(test, ts->rto, 100000);
	toy_rtt_sample(ts, 5000000);
	KUNIT_EXPECT_EQ(test, ts->rto, 100000);
}

/* Each timeout doubles the RTO, up to TOY_RTO_MAX (docs 12.2). */
static void toy_rto_backoff_doubles(struct kunit *test)
{
	static const u32 expect_ms[] = {
		2000, 4000, 8000, 16000, 32000, 64000, 120000, 120000, 120000,
	};
	struct toy_sock *ts = toy_test_rto_sock(test, TOY_RTO_MIN_MS, TOY_RTO_MAX_MS);
	int i;

	ts->rto = toy_rto_clamp(ts, TOY_RTO_INIT_MS * USEC_PER_MSEC);
	KUNIT_EXPECT_EQ(test, ts->rto, 1000000);
	for (i = 0; i < ARRAY_SIZE(expect_ms); i++) {
		toy_rto_backoff(ts);
		KUNIT_EXPECT_EQ_MSG(test, ts->rto, expect_ms[i] * USEC_PER_MSEC,
				    "timeout %d", i + 1);
		KUNIT_EXPECT_EQ(test, ts->backoff, i + 1);
	}

	/* A lower ceiling: the initial RTO and every backoff stay at it. */
	ts = toy_test_rto_sock(test, TOY_RTO_MIN_MS, 100);
	ts->rto = toy_rto_clamp(ts, TOY_RTO_INIT_MS * USEC_PER_MSEC);
	KUNIT_EXPECT_EQ(test, ts->rto, 100000);
	toy_rto_backoff(ts);
	KUNIT_EXPECT_EQ(test, ts->rto, 100000);

	/* Doubling starts from a measured RTO too. */
	ts = toy_test_rto_sock(test, TOY_RTO_MIN_MS, TOY_RTO_MAX_MS);
	toy_rtt_sample(ts, 100000);
	toy_rto_backoff(ts);
	KUNIT_EXPECT_EQ(test, ts->rto, 600000);
}

static struct kunit_case toy_rto_test_cases[] = {
	KUNIT_CASE(toy_rtt_first_sample),
	KUNIT_CASE(toy_rtt_granularity),
	KUNIT_CASE(toy_rtt_later_samples),
	KUNIT_CASE(toy_rtt_huge_sample),
	KUNIT_CASE(toy_rto_clamp_bounds),
	KUNIT_CASE(toy_rto_max_below_min),
	KUNIT_CASE(toy_rto_backoff_doubles),
	{}
};

static struct kunit_suite toy_rto_test_suite = {
	.name = "toy_rto",
	.test_cases = toy_rto_test_cases,
};

kunit_test_suites(&toy_sack_test_suite, &toy_rto_test_suite);
