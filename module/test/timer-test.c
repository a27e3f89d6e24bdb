// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the RTO estimator (timer.c, RFC 6298). #included at the
 * end of timer.c when CONFIG_TOY_KUNIT_TEST is set.
 *
 * The clock is fake: toy_rtt_sample() takes the measured RTT as an
 * argument, so each case feeds chosen samples and nothing sleeps. The
 * expected values are worked out by hand (docs/protocol.md 12.2).
 */
#include <kunit/test.h>

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
		toy_backoff(ts);
		KUNIT_EXPECT_EQ_MSG(test, ts->rto, expect_ms[i] * USEC_PER_MSEC,
				    "timeout %d", i + 1);
		KUNIT_EXPECT_EQ(test, ts->backoff, i + 1);
	}

	/* A lower ceiling: the initial RTO and every backoff stay at it. */
	ts = toy_test_rto_sock(test, TOY_RTO_MIN_MS, 100);
	ts->rto = toy_rto_clamp(ts, TOY_RTO_INIT_MS * USEC_PER_MSEC);
	KUNIT_EXPECT_EQ(test, ts->rto, 100000);
	toy_backoff(ts);
	KUNIT_EXPECT_EQ(test, ts->rto, 100000);

	/* Doubling starts from a measured RTO too. */
	ts = toy_test_rto_sock(test, TOY_RTO_MIN_MS, TOY_RTO_MAX_MS);
	toy_rtt_sample(ts, 100000);
	toy_backoff(ts);
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

kunit_test_suites(&toy_rto_test_suite);
