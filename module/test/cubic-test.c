// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for CUBIC (cubic.c), #included at its end when
 * CONFIG_TOY_KUNIT_TEST is set: the integer cube root, K, the curve's
 * shape around it, what a loss remembers (fast convergence), and the
 * Reno-friendly region. Time is moved by setting the epoch's start back;
 * the expected values are worked out from RFC 9438's formulas.
 */
#include <kunit/test.h>

static struct toy_sock *toy_test_cubic_sock(struct kunit *test)
{
	struct toy_sock *ts = kunit_kzalloc(test, sizeof(*ts), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, ts);
	sock_net_set(&ts->sk, &init_net);
	ts->ca_ops = &toy_cubic;
	toy_cong_init(&ts->sk);
	return ts;
}

static void toy_cubic_cbrt_exact(struct kunit *test)
{
	static const struct { u64 x; u32 root; } cases[] = {
		{ 0, 0 }, { 1, 1 }, { 7, 1 }, { 8, 2 }, { 26, 2 }, { 27, 3 },
		{ 999999, 99 }, { 1000000, 100 }, { 75000000000ULL, 4217 },
		{ 1ULL << 63, 2097152 }, { U64_MAX, 2642245 },
	};
	int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++)
		KUNIT_EXPECT_EQ_MSG(test, cubic_cbrt(cases[i].x), cases[i].root,
				    "cbrt(%llu)", cases[i].x);
}

/* W_max 100 after a loss at 100: cwnd 70, K = cbrt(30 / 0.4) s = 4.217 s. */
static void toy_cubic_curve_through_w_max(struct kunit *test)
{
	struct cubic c = { .origin = 100 };

	c.k_ms = cubic_k_ms(30);
	KUNIT_EXPECT_EQ(test, c.k_ms, 4217U);
	KUNIT_EXPECT_EQ(test, cubic_window(&c, c.k_ms), 100U);
	/*
	 * concave before K: 0.4 * 4.217^3 = 29.99 below, the window after
	 * the loss (the division truncates towards zero: 71)
	 */
	KUNIT_EXPECT_EQ(test, cubic_window(&c, 0), 71U);
	/* flat around K: 1 s either side is 0.4 segment */
	KUNIT_EXPECT_EQ(test, cubic_window(&c, c.k_ms - 1000), 100U);
	KUNIT_EXPECT_EQ(test, cubic_window(&c, c.k_ms + 1000), 100U);
	/* convex after: 5 s past K is 0.4 * 125 = 50 more */
	KUNIT_EXPECT_EQ(test, cubic_window(&c, c.k_ms + 5000), 150U);
	/* far away it is clamped, not wrapped */
	KUNIT_EXPECT_EQ(test, cubic_window(&c, U32_MAX), TOY_CWND_MAX);
}

/* A loss: beta 0.7; a second one below W_max remembers 0.85 of it. */
static void toy_cubic_loss_and_fast_convergence(struct kunit *test)
{
	struct toy_sock *ts = toy_test_cubic_sock(test);
	struct cubic *c = cubic_of(ts);

	ts->snd_cwnd = 100;
	toy_cong_state(&ts->sk, TOY_CA_RECOVERY);
	KUNIT_EXPECT_EQ(test, c->w_max, 100U);
	KUNIT_EXPECT_EQ(test, ts->snd_ssthresh, 70U);
	KUNIT_EXPECT_EQ(test, ts->snd_cwnd, 70U);
	toy_cong_state(&ts->sk, TOY_CA_OPEN);

	ts->snd_cwnd = 80;
	toy_cong_state(&ts->sk, TOY_CA_RECOVERY);
	KUNIT_EXPECT_EQ(test, c->w_max, 68U);
	KUNIT_EXPECT_EQ(test, ts->snd_ssthresh, 56U);

	/* an RTO forgets the curve */
	toy_cong_state(&ts->sk, TOY_CA_LOSS);
	KUNIT_EXPECT_EQ(test, c->w_max, 0U);
	KUNIT_EXPECT_EQ(test, ts->snd_cwnd, 1U);
}

/* Right after the loss the window barely grows; K later, fast again. */
static void toy_cubic_grows_along_the_curve(struct kunit *test)
{
	struct toy_sock *ts = toy_test_cubic_sock(test);
	struct cubic *c = cubic_of(ts);

	ts->snd_cwnd = 100;
	toy_cong_state(&ts->sk, TOY_CA_RECOVERY);
	toy_cong_state(&ts->sk, TOY_CA_OPEN);
	ts->cwnd_limited = true;

	/* W(0) = 71: one segment more per window acknowledged */
	toy_cong_ack(&ts->sk, 1);
	KUNIT_EXPECT_EQ(test, c->k_ms, 4217U);
	KUNIT_EXPECT_EQ(test, c->origin, 100U);
	KUNIT_EXPECT_EQ(test, c->cnt, 70U);
	KUNIT_EXPECT_EQ(test, ts->snd_cwnd, 70U);

	/* 2 s on: W = 100 - 0.4 * 2.217^3 = 95.6 (96): 70 / 26 = 2 ACKs each */
	c->epoch_start -= 2000 * USEC_PER_MSEC;
	toy_cong_ack(&ts->sk, 1);
	KUNIT_EXPECT_EQ(test, c->cnt, 2U);

	/* at K the window is at W_max: the plateau, hardly any growth */
	ts->snd_cwnd = 100;
	c->epoch_start -= 2217 * USEC_PER_MSEC;
	toy_cong_ack(&ts->sk, 1);
	KUNIT_EXPECT_GE(test, c->cnt, 100U);
}

/* No loss yet, tiny curve: the Reno estimate sets the pace (4.3). */
static void toy_cubic_reno_friendly(struct kunit *test)
{
	struct toy_sock *ts = toy_test_cubic_sock(test);
	struct cubic *c = cubic_of(ts);

	ts->snd_ssthresh = 10;
	ts->cwnd_limited = true;
	toy_cong_ack(&ts->sk, 1);
	KUNIT_EXPECT_EQ(test, c->origin, 10U);
	KUNIT_EXPECT_EQ(test, c->k_ms, 0U);
	/* 10 * 17 / 9 = 18 ACKs per estimated segment: 36 make w_est 12 */
	ts->snd_cwnd = 10;
	ts->snd_cwnd_cnt = 0;
	c->w_est = 10;
	c->est_cnt = 0;
	toy_cong_ack(&ts->sk, 36);
	KUNIT_EXPECT_EQ(test, c->w_est, 12U);
	KUNIT_EXPECT_EQ(test, c->cnt, 5U);
}

static struct kunit_case toy_cubic_test_cases[] = {
	KUNIT_CASE(toy_cubic_cbrt_exact),
	KUNIT_CASE(toy_cubic_curve_through_w_max),
	KUNIT_CASE(toy_cubic_loss_and_fast_convergence),
	KUNIT_CASE(toy_cubic_grows_along_the_curve),
	KUNIT_CASE(toy_cubic_reno_friendly),
	{}
};

static struct kunit_suite toy_cubic_test_suite = {
	.name = "toy_cubic",
	.test_cases = toy_cubic_test_cases,
};

kunit_test_suite(toy_cubic_test_suite);
