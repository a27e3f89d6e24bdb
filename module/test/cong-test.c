// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for congestion control (cong.c), #included at its end when
 * CONFIG_TOY_KUNIT_TEST is set: slow start, Reno's additive increase, what
 * a fast recovery, an RTO and idleness do to the window, the undoing of a
 * needless cut, HyStart++'s end of the first slow start, when an ACK may
 * grow it, and the choice of algorithm by name. The socket is a zeroed
 * struct toy_sock; nothing is sent. CUBIC's curve is cubic-test.c's.
 */
#include <kunit/test.h>

static struct toy_sock *toy_test_cong_sock(struct kunit *test,
					   const struct toy_cong_ops *ops)
{
	struct toy_sock *ts = kunit_kzalloc(test, sizeof(*ts), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, ts);
	sock_net_set(&ts->sk, &init_net);
	ts->ca_ops = ops;
	ts->rto = 200 * USEC_PER_MSEC;
	toy_cong_init(&ts->sk);
	return ts;
}

static void toy_cong_starts_at_the_initial_window(struct kunit *test)
{
	struct toy_sock *ts = toy_test_cong_sock(test, &toy_cubic);

	KUNIT_EXPECT_EQ(test, ts->snd_cwnd, 10U);
	KUNIT_EXPECT_EQ(test, ts->snd_ssthresh, TOY_INFINITE_SSTHRESH);
	KUNIT_EXPECT_EQ(test, ts->ca_state, TOY_CA_OPEN);
}

/* One segment per segment acknowledged, and no further than ssthresh. */
static void toy_cong_slow_start_stops_at_ssthresh(struct kunit *test)
{
	struct toy_sock *ts = toy_test_cong_sock(test, &toy_reno);

	KUNIT_EXPECT_EQ(test, toy_cong_slow_start(ts, 5), 0U);
	KUNIT_EXPECT_EQ(test, ts->snd_cwnd, 15U);
	ts->snd_ssthresh = 18;
	KUNIT_EXPECT_EQ(test, toy_cong_slow_start(ts, 5), 2U);
	KUNIT_EXPECT_EQ(test, ts->snd_cwnd, 18U);
}

/* Above ssthresh, Reno gains one segment per window acknowledged. */
static void toy_cong_reno_one_per_window(struct kunit *test)
{
	struct toy_sock *ts = toy_test_cong_sock(test, &toy_reno);
	int i;

	ts->snd_ssthresh = 10;
	ts->cwnd_limited = true;
	for (i = 0; i < 9; i++)
		toy_cong_ack(&ts->sk, 1);
	KUNIT_EXPECT_EQ(test, ts->snd_cwnd, 10U);
	toy_cong_ack(&ts->sk, 1);
	KUNIT_EXPECT_EQ(test, ts->snd_cwnd, 11U);
	/* a stretch ACK of 22 segments: two more, 0 left over */
	toy_cong_ack(&ts->sk, 22);
	KUNIT_EXPECT_EQ(test, ts->snd_cwnd, 13U);
	KUNIT_EXPECT_EQ(test, ts->snd_cwnd_cnt, 0U);
}

/* A window that did not limit the sender does not grow (RFC 7661). */
static void toy_cong_grows_only_when_limited(struct kunit *test)
{
	struct toy_sock *ts = toy_test_cong_sock(test, &toy_reno);

	ts->packets_out = 4;
	KUNIT_EXPECT_TRUE(test, toy_cong_can_send(&ts->sk));
	KUNIT_EXPECT_FALSE(test, ts->cwnd_limited);
	toy_cong_ack(&ts->sk, 4);
	KUNIT_EXPECT_EQ(test, ts->snd_cwnd, 10U);

	/* in slow start, half the window busy is enough */
	ts->packets_out = 5;
	KUNIT_EXPECT_TRUE(test, toy_cong_can_send(&ts->sk));
	KUNIT_EXPECT_TRUE(test, ts->cwnd_limited);
	toy_cong_ack(&ts->sk, 4);
	KUNIT_EXPECT_EQ(test, ts->snd_cwnd, 14U);

	/* above ssthresh, the whole window must be */
	ts->snd_ssthresh = 14;
	ts->packets_out = 13;
	KUNIT_EXPECT_TRUE(test, toy_cong_can_send(&ts->sk));
	KUNIT_EXPECT_FALSE(test, ts->cwnd_limited);
	ts->packets_out = 14;
	KUNIT_EXPECT_FALSE(test, toy_cong_can_send(&ts->sk));
	KUNIT_EXPECT_TRUE(test, ts->cwnd_limited);
}

/* The pipe: SACKed and lost segments have left, retransmissions are in. */
static void toy_cong_in_flight_is_the_pipe(struct kunit *test)
{
	struct toy_sock *ts = toy_test_cong_sock(test, &toy_reno);

	ts->packets_out = 12;
	ts->sacked_out = 3;
	ts->lost_out = 2;
	ts->retrans_out = 1;
	KUNIT_EXPECT_EQ(test, toy_in_flight(ts), 8U);
	KUNIT_EXPECT_TRUE(test, toy_cong_can_send(&ts->sk));
	ts->retrans_out = 2;
	KUNIT_EXPECT_TRUE(test, toy_cong_can_send(&ts->sk));
	ts->sacked_out = 1;
	KUNIT_EXPECT_FALSE(test, toy_cong_can_send(&ts->sk));
}

/* Fast recovery: half the window, held until it ends; Reno's floor is 2. */
static void toy_cong_recovery_halves_and_holds(struct kunit *test)
{
	struct toy_sock *ts = toy_test_cong_sock(test, &toy_reno);

	ts->snd_cwnd = 40;
	ts->cwnd_limited = true;
	toy_cong_state(&ts->sk, TOY_CA_RECOVERY);
	KUNIT_EXPECT_EQ(test, ts->snd_ssthresh, 20U);
	KUNIT_EXPECT_EQ(test, ts->snd_cwnd, 20U);
	toy_cong_ack(&ts->sk, 10);
	KUNIT_EXPECT_EQ(test, ts->snd_cwnd, 20U);
	toy_cong_state(&ts->sk, TOY_CA_OPEN);
	KUNIT_EXPECT_EQ(test, ts->snd_cwnd, 20U);
	KUNIT_EXPECT_EQ(test, ts->ca_state, TOY_CA_OPEN);

	ts->snd_cwnd = 3;
	toy_cong_state(&ts->sk, TOY_CA_RECOVERY);
	KUNIT_EXPECT_EQ(test, ts->snd_ssthresh, 2U);
}

/*
 * An RTO: one segment, slow start up to the new ssthresh. Backing off
 * again without progress keeps ssthresh; after progress, a new RTO sets it
 * anew. One during a fast recovery keeps the recovery's.
 */
static void toy_cong_rto_restarts_slow_start(struct kunit *test)
{
	struct toy_sock *ts = toy_test_cong_sock(test, &toy_reno);

	ts->snd_cwnd = 40;
	toy_cong_state(&ts->sk, TOY_CA_LOSS);
	KUNIT_EXPECT_EQ(test, ts->snd_cwnd, 1U);
	KUNIT_EXPECT_EQ(test, ts->snd_ssthresh, 20U);
	ts->retransmits = 1;
	toy_cong_state(&ts->sk, TOY_CA_LOSS);
	KUNIT_EXPECT_EQ(test, ts->snd_ssthresh, 20U);

	/* slow start in LOSS: the retransmissions come back */
	ts->cwnd_limited = true;
	toy_cong_ack(&ts->sk, 5);
	KUNIT_EXPECT_EQ(test, ts->snd_cwnd, 6U);
	ts->retransmits = 0;
	toy_cong_state(&ts->sk, TOY_CA_LOSS);
	KUNIT_EXPECT_EQ(test, ts->snd_ssthresh, 3U);

	toy_cong_state(&ts->sk, TOY_CA_OPEN);
	ts->snd_cwnd = 30;
	toy_cong_state(&ts->sk, TOY_CA_RECOVERY);
	KUNIT_EXPECT_EQ(test, ts->snd_ssthresh, 15U);
	toy_cong_state(&ts->sk, TOY_CA_LOSS);
	KUNIT_EXPECT_EQ(test, ts->snd_ssthresh, 15U);
	KUNIT_EXPECT_EQ(test, ts->snd_cwnd, 1U);
}

/*
 * Every retransmission of the episode came back as a D-SACK: the cut is
 * undone. One D-SACK short, it stays; a D-SACK outside an episode does
 * nothing.
 */
static void toy_cong_dsack_undoes_a_needless_cut(struct kunit *test)
{
	struct toy_sock *ts = toy_test_cong_sock(test, &toy_reno);

	toy_cong_dsack(&ts->sk, 1);
	KUNIT_EXPECT_EQ(test, ts->snd_cwnd, 10U);

	ts->snd_cwnd = 40;
	ts->snd_ssthresh = 30;
	toy_cong_state(&ts->sk, TOY_CA_RECOVERY);
	toy_cong_retransmitted(&ts->sk, 1);
	toy_cong_retransmitted(&ts->sk, 1);
	KUNIT_EXPECT_EQ(test, ts->snd_cwnd, 20U);
	toy_cong_dsack(&ts->sk, 1);
	KUNIT_EXPECT_EQ(test, ts->snd_cwnd, 20U);
	KUNIT_EXPECT_EQ(test, ts->snd_ssthresh, 20U);
	toy_cong_dsack(&ts->sk, 1);
	KUNIT_EXPECT_EQ(test, ts->snd_cwnd, 40U);
	KUNIT_EXPECT_EQ(test, ts->snd_ssthresh, 30U);
	/* once only */
	ts->snd_cwnd = 25;
	toy_cong_dsack(&ts->sk, 1);
	KUNIT_EXPECT_EQ(test, ts->snd_cwnd, 25U);

	/* an RTO in the episode keeps it one episode */
	toy_cong_state(&ts->sk, TOY_CA_OPEN);
	ts->snd_cwnd = 40;
	toy_cong_state(&ts->sk, TOY_CA_RECOVERY);
	toy_cong_retransmitted(&ts->sk, 1);
	toy_cong_state(&ts->sk, TOY_CA_LOSS);
	toy_cong_retransmitted(&ts->sk, 1);
	toy_cong_dsack(&ts->sk, 1);
	toy_cong_dsack(&ts->sk, 1);
	KUNIT_EXPECT_EQ(test, ts->snd_cwnd, 40U);
}

/*
 * Retransmissions and D-SACKs count segments: a super-segment of four
 * resent, of which a D-SACK reports three, is no needless episode; the
 * fourth's D-SACK makes it one.
 */
static void toy_cong_dsack_counts_segments(struct kunit *test)
{
	struct toy_sock *ts = toy_test_cong_sock(test, &toy_reno);

	ts->snd_cwnd = 40;
	ts->snd_ssthresh = 30;
	toy_cong_state(&ts->sk, TOY_CA_RECOVERY);
	toy_cong_retransmitted(&ts->sk, 4);
	toy_cong_dsack(&ts->sk, 3);
	KUNIT_EXPECT_EQ(test, ts->snd_cwnd, 20U);
	toy_cong_dsack(&ts->sk, 1);
	KUNIT_EXPECT_EQ(test, ts->snd_cwnd, 40U);
	KUNIT_EXPECT_EQ(test, ts->snd_ssthresh, 30U);

	/* more than was resent is as much as was resent */
	toy_cong_state(&ts->sk, TOY_CA_OPEN);
	ts->snd_cwnd = 40;
	toy_cong_state(&ts->sk, TOY_CA_RECOVERY);
	toy_cong_retransmitted(&ts->sk, 2);
	toy_cong_dsack(&ts->sk, 5);
	KUNIT_EXPECT_EQ(test, ts->snd_cwnd, 40U);
}

/* Idle for longer than an RTO: the initial window, 3/4 remembered. */
static void toy_cong_restart_after_idle(struct kunit *test)
{
	struct toy_sock *ts = toy_test_cong_sock(test, &toy_cubic);

	ts->snd_cwnd = 100;
	ts->snd_ssthresh = 50;
	ts->lsndtime = jiffies;
	toy_cong_restart(&ts->sk);
	KUNIT_EXPECT_EQ(test, ts->snd_cwnd, 100U);

	ts->lsndtime = jiffies - usecs_to_jiffies(ts->rto) - 2;
	toy_cong_restart(&ts->sk);
	KUNIT_EXPECT_EQ(test, ts->snd_cwnd, 10U);
	KUNIT_EXPECT_EQ(test, ts->snd_ssthresh, 75U);
}

/* By name: ENOENT for a name nobody has; the window stays. */
static void toy_cong_chosen_by_name(struct kunit *test)
{
	struct toy_sock *ts = toy_test_cong_sock(test, &toy_cubic);

	KUNIT_EXPECT_PTR_EQ(test, toy_cong_find("reno"), &toy_reno);
	KUNIT_EXPECT_PTR_EQ(test, toy_cong_find("cubic"), &toy_cubic);
	KUNIT_EXPECT_PTR_EQ(test, toy_cong_find("bbr"), NULL);
	KUNIT_EXPECT_PTR_EQ(test, toy_cong_find(""), NULL);
	KUNIT_EXPECT_PTR_EQ(test, toy_cong_find("cubic "), NULL);

	ts->snd_cwnd = 33;
	KUNIT_EXPECT_EQ(test, toy_cong_set(&ts->sk, "reno"), 0);
	KUNIT_EXPECT_PTR_EQ(test, ts->ca_ops, &toy_reno);
	KUNIT_EXPECT_EQ(test, ts->snd_cwnd, 33U);
	KUNIT_EXPECT_EQ(test, toy_cong_set(&ts->sk, "Reno"), -ENOENT);
	KUNIT_EXPECT_PTR_EQ(test, ts->ca_ops, &toy_reno);
}

/* Every algorithm has what cong.c calls without asking, and a short name. */
static void toy_cong_algos_complete(struct kunit *test)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(toy_cong_algos); i++) {
		const struct toy_cong_ops *ops = toy_cong_algos[i];

		KUNIT_EXPECT_NOT_NULL(test, ops->ssthresh);
		KUNIT_EXPECT_NOT_NULL(test, ops->cong_avoid);
		KUNIT_EXPECT_LT(test, strlen(ops->name), TOY_CA_NAME_MAX);
		KUNIT_EXPECT_PTR_EQ(test, toy_cong_find(ops->name), ops);
	}
}

/* A socket whose HyStart++ has @rounds of conservative slow start. */
static struct toy_sock *toy_test_hs_sock(struct kunit *test,
					 const struct toy_cong_ops *ops,
					 unsigned int rounds)
{
	unsigned int saved = toy_hystart_css_rounds;
	struct toy_sock *ts;

	toy_hystart_css_rounds = rounds;
	ts = toy_test_cong_sock(test, ops);
	toy_hystart_css_rounds = saved;
	KUNIT_EXPECT_EQ(test, ts->hs.css_max, rounds);
	return ts;
}

/*
 * After slow start ended at @cwnd: congestion avoidance, Reno's one
 * segment per window acknowledged.
 */
static void toy_test_hs_then_one_per_window(struct kunit *test,
					    struct toy_sock *ts, u32 cwnd)
{
	ts->cwnd_limited = true;
	toy_cong_ack(&ts->sk, cwnd - 1);
	KUNIT_EXPECT_EQ(test, ts->snd_cwnd, cwnd);
	toy_cong_ack(&ts->sk, 1);
	KUNIT_EXPECT_EQ(test, ts->snd_cwnd, cwnd + 1);
}

/*
 * One round trip of HyStart++: the peer acknowledges all that was sent
 * (the round before ends), more is sent, and @n ACKs each bring an RTT
 * sample of @rtt_us.
 */
static void toy_test_hs_round(struct toy_sock *ts, u32 rtt_us, int n)
{
	ts->snd_una = ts->snd_nxt;
	ts->snd_nxt += 100000;
	while (n--)
		toy_cong_rtt(&ts->sk, rtt_us);
}

/*
 * The first slow start watches each round's smallest RTT; a rise of an
 * eighth (here 5 ms over 40) once eight samples are in ends it, by
 * default at once, as Linux's HyStart: congestion avoidance from the
 * window reached.
 */
static void toy_hystart_ends_slow_start_at_the_rise(struct kunit *test)
{
	struct toy_sock *ts = toy_test_cong_sock(test, &toy_reno);

	KUNIT_EXPECT_EQ(test, ts->hs.css_max, 0U);
	KUNIT_EXPECT_EQ(test, ts->hs.mode, TOY_HS_SS);
	toy_test_hs_round(ts, 40000, 20);
	ts->snd_cwnd = 70;
	toy_test_hs_round(ts, 46000, 7);
	KUNIT_EXPECT_EQ(test, ts->hs.mode, TOY_HS_SS);
	KUNIT_EXPECT_EQ(test, ts->snd_ssthresh, TOY_INFINITE_SSTHRESH);
	toy_cong_rtt(&ts->sk, 45000);
	KUNIT_EXPECT_EQ(test, ts->hs.mode, TOY_HS_OFF);
	KUNIT_EXPECT_EQ(test, ts->snd_ssthresh, 70U);

	/* one segment per window; a lower RTT later changes nothing */
	toy_test_hs_then_one_per_window(test, ts, 70);
	toy_test_hs_round(ts, 30000, 8);
	KUNIT_EXPECT_EQ(test, ts->hs.mode, TOY_HS_OFF);
	KUNIT_EXPECT_EQ(test, ts->snd_ssthresh, 70U);
}

/*
 * With hystart_css_rounds=5 (RFC 9406's), the rise turns slow start
 * conservative instead: a segment per four acknowledged, for five rounds,
 * then congestion avoidance from the window reached.
 */
static void toy_hystart_finds_the_rise(struct kunit *test)
{
	struct toy_sock *ts = toy_test_hs_sock(test, &toy_reno, 5);
	int i;

	KUNIT_EXPECT_EQ(test, ts->hs.mode, TOY_HS_SS);
	toy_test_hs_round(ts, 40000, 20);
	/* seven samples of a round are not enough to judge it */
	toy_test_hs_round(ts, 46000, 7);
	KUNIT_EXPECT_EQ(test, ts->hs.mode, TOY_HS_SS);
	toy_cong_rtt(&ts->sk, 45000);
	KUNIT_EXPECT_EQ(test, ts->hs.mode, TOY_HS_CSS);
	KUNIT_EXPECT_EQ(test, ts->hs.css_base, 45000U);

	ts->snd_cwnd = 100;
	KUNIT_EXPECT_EQ(test, toy_cong_slow_start(ts, 3), 0U);
	KUNIT_EXPECT_EQ(test, ts->snd_cwnd, 100U);
	KUNIT_EXPECT_EQ(test, toy_cong_slow_start(ts, 1), 0U);
	KUNIT_EXPECT_EQ(test, ts->snd_cwnd, 101U);
	KUNIT_EXPECT_EQ(test, toy_cong_slow_start(ts, 40), 0U);
	KUNIT_EXPECT_EQ(test, ts->snd_cwnd, 111U);
	KUNIT_EXPECT_EQ(test, ts->snd_ssthresh, TOY_INFINITE_SSTHRESH);

	for (i = 0; i < 4; i++)
		toy_test_hs_round(ts, 60000, 10);
	KUNIT_EXPECT_EQ(test, ts->hs.mode, TOY_HS_CSS);
	toy_test_hs_round(ts, 60000, 1);
	KUNIT_EXPECT_EQ(test, ts->hs.mode, TOY_HS_OFF);
	KUNIT_EXPECT_EQ(test, ts->snd_ssthresh, 111U);

	/* from here on, congestion avoidance: one segment per window */
	toy_test_hs_then_one_per_window(test, ts, 111);
}

/* The rise it waits for is an eighth of the RTT, within 4 and 16 ms. */
static void toy_hystart_threshold_clamped(struct kunit *test)
{
	static const struct {
		u32 base, below, at;
	} c[] = {
		{ 200000, 215999, 216000 },	/* 25 ms: 16 */
		{ 10000, 13999, 14000 },	/* 1.25 ms: 4 */
		{ 80000, 89999, 90000 },	/* 10 ms */
	};
	int i;

	for (i = 0; i < ARRAY_SIZE(c); i++) {
		struct toy_sock *ts = toy_test_hs_sock(test, &toy_cubic, 5);

		toy_test_hs_round(ts, c[i].base, 8);
		toy_test_hs_round(ts, c[i].below, 8);
		KUNIT_EXPECT_EQ_MSG(test, ts->hs.mode, TOY_HS_SS, "base %u",
				    c[i].base);
		ts = toy_test_hs_sock(test, &toy_cubic, 5);
		toy_test_hs_round(ts, c[i].base, 8);
		toy_test_hs_round(ts, c[i].at, 8);
		KUNIT_EXPECT_EQ_MSG(test, ts->hs.mode, TOY_HS_CSS, "base %u",
				    c[i].base);
	}
}

/*
 * A round whose RTT falls below where the rise was seen says the rise
 * was noise: slow start again, at full pace.
 */
static void toy_hystart_noise_resumes_slow_start(struct kunit *test)
{
	struct toy_sock *ts = toy_test_hs_sock(test, &toy_reno, 5);

	toy_test_hs_round(ts, 40000, 8);
	toy_test_hs_round(ts, 46000, 8);
	KUNIT_ASSERT_EQ(test, ts->hs.mode, TOY_HS_CSS);
	toy_test_hs_round(ts, 46000, 8);
	KUNIT_EXPECT_EQ(test, ts->hs.mode, TOY_HS_CSS);
	toy_test_hs_round(ts, 45999, 8);
	KUNIT_EXPECT_EQ(test, ts->hs.mode, TOY_HS_SS);
	KUNIT_EXPECT_EQ(test, toy_cong_slow_start(ts, 3), 0U);
	KUNIT_EXPECT_EQ(test, ts->snd_cwnd, 13U);
}

/*
 * A loss ends it, whatever the RTT does next; so does a threshold set by
 * other means (an undo, an idle restart); hystart=0 never starts it.
 */
static void toy_hystart_only_the_first_slow_start(struct kunit *test)
{
	struct toy_sock *ts = toy_test_cong_sock(test, &toy_cubic);
	bool saved = toy_hystart;

	toy_test_hs_round(ts, 40000, 8);
	toy_cong_state(&ts->sk, TOY_CA_RECOVERY);
	KUNIT_EXPECT_EQ(test, ts->hs.mode, TOY_HS_OFF);
	toy_cong_state(&ts->sk, TOY_CA_OPEN);
	ts->snd_ssthresh = TOY_INFINITE_SSTHRESH;
	toy_test_hs_round(ts, 90000, 8);
	KUNIT_EXPECT_EQ(test, ts->hs.mode, TOY_HS_OFF);

	ts = toy_test_cong_sock(test, &toy_cubic);
	toy_test_hs_round(ts, 40000, 8);
	ts->snd_ssthresh = 30;
	toy_test_hs_round(ts, 90000, 8);
	KUNIT_EXPECT_EQ(test, ts->hs.mode, TOY_HS_OFF);
	KUNIT_EXPECT_EQ(test, ts->snd_ssthresh, 30U);

	toy_hystart = false;
	ts = toy_test_cong_sock(test, &toy_cubic);
	toy_hystart = saved;
	KUNIT_EXPECT_EQ(test, ts->hs.mode, TOY_HS_OFF);
	toy_test_hs_round(ts, 40000, 8);
	toy_test_hs_round(ts, 90000, 8);
	KUNIT_EXPECT_EQ(test, ts->hs.mode, TOY_HS_OFF);
	KUNIT_EXPECT_EQ(test, ts->snd_ssthresh, TOY_INFINITE_SSTHRESH);
}

static struct kunit_case toy_cong_test_cases[] = {
	KUNIT_CASE(toy_cong_starts_at_the_initial_window),
	KUNIT_CASE(toy_cong_slow_start_stops_at_ssthresh),
	KUNIT_CASE(toy_cong_reno_one_per_window),
	KUNIT_CASE(toy_cong_grows_only_when_limited),
	KUNIT_CASE(toy_cong_in_flight_is_the_pipe),
	KUNIT_CASE(toy_cong_recovery_halves_and_holds),
	KUNIT_CASE(toy_cong_rto_restarts_slow_start),
	KUNIT_CASE(toy_cong_dsack_undoes_a_needless_cut),
	KUNIT_CASE(toy_cong_dsack_counts_segments),
	KUNIT_CASE(toy_cong_restart_after_idle),
	KUNIT_CASE(toy_cong_chosen_by_name),
	KUNIT_CASE(toy_cong_algos_complete),
	KUNIT_CASE(toy_hystart_ends_slow_start_at_the_rise),
	KUNIT_CASE(toy_hystart_finds_the_rise),
	KUNIT_CASE(toy_hystart_threshold_clamped),
	KUNIT_CASE(toy_hystart_noise_resumes_slow_start),
	KUNIT_CASE(toy_hystart_only_the_first_slow_start),
	{}
};

static struct kunit_suite toy_cong_test_suite = {
	.name = "toy_cong",
	.test_cases = toy_cong_test_cases,
};

kunit_test_suite(toy_cong_test_suite);
