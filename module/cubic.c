// SPDX-License-Identifier: GPL-2.0
/*
 * Toy Stream Protocol: CUBIC congestion control (RFC 9438).
 *
 * Reno grows the window by one segment per round trip, which on a path
 * whose bandwidth-delay product is thousands of segments takes minutes to
 * refill after a loss. CUBIC grows it as a function of the time since the
 * last loss instead:
 *
 *	W(t) = C * (t - K)^3 + W_max,	K = cbrt((W_max - cwnd_start) / C)
 *
 * with C = 0.4 and t in seconds. W_max is the window when the loss came,
 * cwnd_start the window after the reduction (beta = 0.7 of it). The
 * curve climbs fast towards W_max, flattens there (concave: where the
 * last loss happened, probe gently), and past K accelerates again
 * (convex: the path has more room). The window follows W(t + RTT), the
 * target one round trip ahead, by one segment every @cnt ACKs.
 *
 * Where Reno would do better (short RTTs, small windows), CUBIC grows at
 * least as fast as a Reno flow with the same beta would (4.3, the
 * "Reno-friendly region"), tracking that flow's window as @w_est.
 * Fast convergence (4.7): a loss below the last W_max means a new flow
 * took a share; remember a lower W_max and make room for it.
 *
 * Slow start is Reno's; where Linux's tcp_cubic.c has HyStart, the end of
 * the first slow start is cong.c's HyStart++ (RFC 9406), for either
 * algorithm. Everything is integer arithmetic: time in ms,
 * windows in segments.
 *
 * Functions local to this file carry no toy_ prefix.
 */
#include <linux/build_bug.h>
#include <linux/math64.h>
#include <linux/minmax.h>

#include "toy.h"

/* beta = 7/10, C = 4/10; (1 + beta) / 2 = 17/20; Reno-friendly alpha 9/17. */
#define CUBIC_BETA_NUM		7
#define CUBIC_BETA_DEN		10
#define CUBIC_FAST_NUM		17
#define CUBIC_FAST_DEN		20
#define CUBIC_ALPHA_NUM		9
#define CUBIC_ALPHA_DEN		17
/* |t - K| in ms is kept below this, so that 4 * (t - K)^3 fits in s64. */
#define CUBIC_MAX_DELTA_MS	1000000

/**
 * struct cubic - the state of one connection, in toy_sock.ca_priv
 * @w_max: the window when the last loss came, segments (0: none yet)
 * @origin: the curve's plateau: @w_max, or the window if that was above
 * @k_ms: when the curve reaches @origin, ms after @epoch_start
 * @cnt: ACKed segments per one-segment increase
 * @w_est: the window a Reno flow would have now (4.3)
 * @est_cnt: ACKed segments counted towards @w_est's next increase
 * @rtt_min: the smallest RTT seen, usecs (0: none yet)
 * @epoch_start: when growth after the last loss began, usecs (0: not yet)
 */
struct cubic {
	u32 w_max;
	u32 origin;
	u32 k_ms;
	u32 cnt;
	u32 w_est;
	u32 est_cnt;
	u32 rtt_min;
	u64 epoch_start;
};

static struct cubic *cubic_of(struct toy_sock *ts)
{
	BUILD_BUG_ON(sizeof(struct cubic) > sizeof(ts->ca_priv));
	return (struct cubic *)ts->ca_priv;
}

/* floor(cbrt(@x)), a digit of the root per 3 bits of @x (Hacker's Delight). */
static u32 cubic_cbrt(u64 x)
{
	u64 y = 0, b;
	int s;

	for (s = 63; s >= 0; s -= 3) {
		y <<= 1;
		b = 3 * y * (y + 1) + 1;
		if ((x >> s) >= b) {
			x -= b << s;
			y++;
		}
	}
	return y;
}

/* K = cbrt(@segs / C) seconds, in ms: cbrt(@segs * 2.5e9). */
static u32 cubic_k_ms(u32 segs)
{
	return cubic_cbrt((u64)segs * 2500000000ULL);
}

/* W(t) for @t_ms after the epoch began, in segments, never below 1. */
static u32 cubic_window(const struct cubic *c, u64 t_ms)
{
	s64 d = (s64)t_ms - c->k_ms, w;

	d = clamp_t(s64, d, -CUBIC_MAX_DELTA_MS, CUBIC_MAX_DELTA_MS);
	/* C * d^3 with d in ms: 0.4 * d^3 / 1e9 = 4 * d^3 / 1e10 */
	w = (s64)c->origin + div64_s64(4 * d * d * d, 10000000000LL);
	return clamp_t(s64, w, 1, TOY_CWND_MAX);
}

/* Work out @cnt for the window now (RFC 9438 4.2 to 4.4). */
static void cubic_update(struct toy_sock *ts, u32 acked)
{
	struct cubic *c = cubic_of(ts);
	u32 cwnd = ts->snd_cwnd, target, per;
	u64 now = toy_now_us(), t_ms;

	if (!c->epoch_start) {
		c->epoch_start = now;
		if (c->w_max > cwnd) {
			c->k_ms = cubic_k_ms(c->w_max - cwnd);
			c->origin = c->w_max;
		} else {
			c->k_ms = 0;
			c->origin = cwnd;
		}
		c->w_est = cwnd;
		c->est_cnt = 0;
	}

	/* The target is one round trip ahead (4.2). */
	t_ms = div_u64(now - c->epoch_start + c->rtt_min, USEC_PER_MSEC);
	target = cubic_window(c, t_ms);
	/* At most 1.5 times the window per round trip (4.2). */
	target = min(target, cwnd + cwnd / 2);
	if (target > cwnd)
		c->cnt = cwnd / (target - cwnd);
	else
		c->cnt = 100 * cwnd;	/* at the plateau: barely grow */

	/* A Reno flow would gain alpha segments per window acknowledged. */
	per = max(cwnd * CUBIC_ALPHA_DEN / CUBIC_ALPHA_NUM, 1U);
	c->est_cnt += acked;
	c->w_est += c->est_cnt / per;
	c->est_cnt %= per;
	if (c->w_est > cwnd)
		c->cnt = min(c->cnt, cwnd / (c->w_est - cwnd));
	c->cnt = max(c->cnt, 1U);
}

static void cubic_cong_avoid(struct toy_sock *ts, u32 acked)
{
	struct cubic *c = cubic_of(ts);

	if (ts->snd_cwnd < ts->snd_ssthresh) {
		acked = toy_cong_slow_start(ts, acked);
		if (!acked)
			return;
	}
	cubic_update(ts, acked);
	toy_cong_avoid_ai(ts, c->cnt, acked);
}

/* A loss: remember the window (4.6, 4.7), fall to beta of it. */
static u32 cubic_ssthresh(struct toy_sock *ts)
{
	struct cubic *c = cubic_of(ts);
	u32 cwnd = ts->snd_cwnd;

	c->epoch_start = 0;
	if (cwnd < c->w_max)
		c->w_max = cwnd * CUBIC_FAST_NUM / CUBIC_FAST_DEN;
	else
		c->w_max = cwnd;
	return max(cwnd * CUBIC_BETA_NUM / CUBIC_BETA_DEN, 2U);
}

/* An RTO: what the curve knew of the path is stale (4.8). */
static void cubic_set_state(struct toy_sock *ts, u8 state)
{
	struct cubic *c = cubic_of(ts);

	if (state == TOY_CA_LOSS) {
		c->w_max = 0;
		c->epoch_start = 0;
	}
}

/* Idle: start a new epoch from the window left (4.8's restart). */
static void cubic_restart(struct toy_sock *ts)
{
	cubic_of(ts)->epoch_start = 0;
}

static void cubic_rtt_sample(struct toy_sock *ts, u32 rtt_us)
{
	struct cubic *c = cubic_of(ts);

	if (!c->rtt_min || rtt_us < c->rtt_min)
		c->rtt_min = rtt_us;
}

const struct toy_cong_ops toy_cubic = {
	.name		= "cubic",
	.ssthresh	= cubic_ssthresh,
	.cong_avoid	= cubic_cong_avoid,
	.set_state	= cubic_set_state,
	.restart	= cubic_restart,
	.rtt_sample	= cubic_rtt_sample,
};

#if IS_ENABLED(CONFIG_TOY_KUNIT_TEST)
#include "test/cubic-test.c"
#endif
