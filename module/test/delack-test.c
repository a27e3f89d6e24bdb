// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for delack.c, #included at its end when CONFIG_TOY_KUNIT_TEST
 * is set: which in-order data is acknowledged at once and which waits for
 * the timer. The socket is a zeroed struct toy_sock whose delayed-ACK
 * timer does nothing; the ACK itself is the caller's to send.
 */
#include <kunit/test.h>

static void toy_test_delack_fn(struct timer_list *t)
{
}

static void toy_test_delack_exit(void *data)
{
	struct toy_sock *ts = data;

	sk_stop_timer(&ts->sk, &ts->delack_timer);
}

static struct toy_sock *toy_test_delack_sock(struct kunit *test)
{
	struct toy_sock *ts = kunit_kzalloc(test, sizeof(*ts), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, ts);
	refcount_set(&ts->sk.sk_refcnt, 1);	/* a pending timer holds one */
	timer_setup(&ts->delack_timer, toy_test_delack_fn, 0);
	toy_ack_init(&ts->sk);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test,
							toy_test_delack_exit,
							ts), 0);
	return ts;
}

/* @len more in-order bytes arrived. */
static bool toy_test_delack_rcv(struct toy_sock *ts, u32 len, bool now)
{
	toy_ack_seen_data(&ts->sk, len);
	ts->rcv_nxt += len;
	return toy_ack_now(&ts->sk, now);
}

/* What a segment carrying our ACK does (send_seg()). */
static void toy_test_delack_sent(struct toy_sock *ts)
{
	ts->rcv_wup = ts->rcv_nxt;
	ts->ack_pending = false;
}

/* The first TOY_QUICKACKS segments: each at once, the timer never armed. */
static void toy_delack_quick_at_start(struct kunit *test)
{
	struct toy_sock *ts = toy_test_delack_sock(test);
	int i;

	for (i = 0; i < TOY_QUICKACKS; i++) {
		KUNIT_EXPECT_TRUE(test, toy_test_delack_rcv(ts, 10, false));
		toy_test_delack_sent(ts);
	}
	KUNIT_EXPECT_EQ(test, ts->ack_quick, 0);
	KUNIT_EXPECT_FALSE(test, timer_pending(&ts->delack_timer));
	KUNIT_EXPECT_FALSE(test, toy_test_delack_rcv(ts, 10, false));
	KUNIT_EXPECT_TRUE(test, ts->ack_pending);
	KUNIT_EXPECT_TRUE(test, timer_pending(&ts->delack_timer));
}

/* Then at most every second full-sized segment; small ones add up. */
static void toy_delack_second_full_segment(struct kunit *test)
{
	struct toy_sock *ts = toy_test_delack_sock(test);
	unsigned long expires;

	ts->ack_quick = 0;
	KUNIT_EXPECT_FALSE(test, toy_test_delack_rcv(ts, 1000, false));
	KUNIT_EXPECT_EQ(test, ts->rcv_mss, 1000);
	expires = ts->delack_timer.expires;
	/* the timer runs from the first data that waits, not the latest */
	KUNIT_EXPECT_FALSE(test, toy_test_delack_rcv(ts, 0, false));
	KUNIT_EXPECT_EQ(test, ts->delack_timer.expires, expires);
	KUNIT_EXPECT_TRUE(test, toy_test_delack_rcv(ts, 1000, false));
	toy_test_delack_sent(ts);

	/* 536 bytes until a larger segment is seen: 6 of 100 pass it */
	ts = toy_test_delack_sock(test);
	ts->ack_quick = 0;
	KUNIT_EXPECT_EQ(test, ts->rcv_mss, TOY_DEFAULT_MSS);
	KUNIT_EXPECT_FALSE(test, toy_test_delack_rcv(ts, 100, false));
	KUNIT_EXPECT_FALSE(test, toy_test_delack_rcv(ts, 100, false));
	KUNIT_EXPECT_FALSE(test, toy_test_delack_rcv(ts, 100, false));
	KUNIT_EXPECT_FALSE(test, toy_test_delack_rcv(ts, 100, false));
	KUNIT_EXPECT_FALSE(test, toy_test_delack_rcv(ts, 100, false));
	KUNIT_EXPECT_TRUE(test, toy_test_delack_rcv(ts, 100, false));
}

/* A hole filled, or a duplicate: at once, whatever was pending. */
static void toy_delack_now_when_asked(struct kunit *test)
{
	struct toy_sock *ts = toy_test_delack_sock(test);

	ts->ack_quick = 0;
	KUNIT_EXPECT_FALSE(test, toy_test_delack_rcv(ts, 100, false));
	KUNIT_EXPECT_TRUE(test, toy_test_delack_rcv(ts, 100, true));
}

/* The full-sized segment is the largest seen, within 16 bits. */
static void toy_delack_rcv_mss(struct kunit *test)
{
	struct toy_sock *ts = toy_test_delack_sock(test);

	toy_ack_seen_data(&ts->sk, 100);
	KUNIT_EXPECT_EQ(test, ts->rcv_mss, TOY_DEFAULT_MSS);
	toy_ack_seen_data(&ts->sk, 65000);
	KUNIT_EXPECT_EQ(test, ts->rcv_mss, 65000);
	toy_ack_seen_data(&ts->sk, 1000);
	KUNIT_EXPECT_EQ(test, ts->rcv_mss, 65000);
	toy_ack_seen_data(&ts->sk, 70000);
	KUNIT_EXPECT_EQ(test, ts->rcv_mss, U16_MAX);
}

static struct kunit_case toy_delack_test_cases[] = {
	KUNIT_CASE(toy_delack_quick_at_start),
	KUNIT_CASE(toy_delack_second_full_segment),
	KUNIT_CASE(toy_delack_now_when_asked),
	KUNIT_CASE(toy_delack_rcv_mss),
	{}
};

static struct kunit_suite toy_delack_test_suite = {
	.name = "toy_delack",
	.test_cases = toy_delack_test_cases,
};

kunit_test_suite(toy_delack_test_suite);
