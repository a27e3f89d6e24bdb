// SPDX-License-Identifier: GPL-2.0
/*
 * Toy Stream Protocol: timers.
 *
 * Three timers per socket, each holding a socket reference while pending
 * (sk_reset_timer()/sk_stop_timer()):
 *   rtx_timer    - retransmission (RFC 6298) or zero-window probe,
 *   sk_timer     - TIME-WAIT, the life of an orphan in FIN-WAIT-2, and
 *                  keepalive (SO_KEEPALIVE) in the states that can idle,
 *   delack_timer - the delayed ACK delack.c arms.
 * A timer that finds the socket owned by a process leaves its work to
 * release_sock(): it must not touch protocol state the owner is changing.
 */
#include <linux/jiffies.h>
#include <linux/minmax.h>
#include <net/tcp_states.h>

#include "toy.h"

static void reset_rtx_timer(struct sock *sk, u8 kind)
{
	struct toy_sock *ts = toy_sk(sk);

	ts->timer_kind = kind;
	sk_reset_timer(sk, &ts->rtx_timer,
		       jiffies + usecs_to_jiffies(ts->rto));
}

/**
 * toy_rearm_rtx - make the retransmission timer match what is outstanding
 * @sk: the socket, locked
 * @restart: new data was acknowledged (RFC 6298 5.3): start over
 */
void toy_rearm_rtx(struct sock *sk, bool restart)
{
	struct toy_sock *ts = toy_sk(sk);
	bool pending = timer_pending(&ts->rtx_timer);

	sock_owned_by_me(sk);
	if (ts->snd_una != ts->snd_nxt) {
		if (restart || !pending || ts->timer_kind != TOY_TIMER_RETRANS)
			reset_rtx_timer(sk, TOY_TIMER_RETRANS);
	} else if (toy_send_head(sk) || toy_fin_unsent(ts)) {
		/*
		 * Data waits for the window to open: probe it. Or data or
		 * our FIN could not leave (no route: a device bound with
		 * SO_BINDTODEVICE went away): try again, as TCP's probe0.
		 */
		if (!pending || ts->timer_kind != TOY_TIMER_PROBE)
			reset_rtx_timer(sk, TOY_TIMER_PROBE);
	} else if (pending) {
		ts->timer_kind = TOY_TIMER_NONE;
		sk_stop_timer(sk, &ts->rtx_timer);
	}
}

static void rtx_expired(struct sock *sk)
{
	struct toy_sock *ts = toy_sk(sk);
	u8 limit;

	if (ts->timer_kind == TOY_TIMER_PROBE) {
		bool shut = !ts->snd_wnd && toy_send_head(sk);

		if (!toy_send_head(sk) && !toy_fin_unsent(ts))
			return;
		/*
		 * A peer that never answers is gone, and so is a path our
		 * segments cannot take; an orphan gives up after
		 * TOY_ORPHAN_RETRIES even if answered, or a peer that keeps
		 * its window shut would pin it forever (tcp_probe_timer()).
		 */
		if (ts->probes_out >= ts->retries ||
		    (sock_flag(sk, SOCK_DEAD) &&
		     ts->backoff >= TOY_ORPHAN_RETRIES)) {
			TOY_INC_STATS(sock_net(sk), TOY_MIB_TIMEOUTS);
			toy_fsm_event(sk, TOY_EV_TIMEOUT, NULL);
			return;
		}
		ts->probes_out++;
		toy_rto_backoff(ts);
		if (shut) {
			toy_send_probe(sk);
			reset_rtx_timer(sk, TOY_TIMER_PROBE);
		} else {
			toy_push(sk);	/* re-arms the timer for what is left */
		}
		return;
	}
	if (ts->snd_una == ts->snd_nxt)
		return;

	limit = (1 << sk->sk_state) & (TCPF_SYN_SENT | TCPF_SYN_RECV) ?
		ts->syn_retries : ts->retries;
	/* Nobody will read what an orphan resends: fewer tries (TCP's 8). */
	if (sock_flag(sk, SOCK_DEAD))
		limit = min_t(u8, limit, TOY_ORPHAN_RETRIES);
	if (ts->retransmits >= limit) {
		TOY_INC_STATS(sock_net(sk), TOY_MIB_TIMEOUTS);
		toy_fsm_event(sk, TOY_EV_TIMEOUT, NULL);
		return;
	}
	toy_recovery_timeout(sk);
	reset_rtx_timer(sk, TOY_TIMER_RETRANS);
}

/*
 * A timer that finds the socket owned by a process leaves its work to
 * release_sock() (toy_release_cb()), holding a reference until then, as
 * tcp_write_timer() does. Re-arming it instead would clobber whatever
 * the owner armed meanwhile. TimersDeferred counts these expiries.
 */
static void defer(struct sock *sk, int bit)
{
	TOY_INC_STATS(sock_net(sk), TOY_MIB_TIMERSDEFERRED);
	if (!test_and_set_bit(bit, &toy_sk(sk)->deferred))
		sock_hold(sk);
}

static void rtx_handler(struct sock *sk)
{
	struct toy_sock *ts = toy_sk(sk);

	/* Re-armed (or stopped and closed) while we waited. */
	if (sk->sk_state != TCP_CLOSE && !timer_pending(&ts->rtx_timer))
		rtx_expired(sk);
}

/*
 * The delayed ACK is due, unless a segment carried it meanwhile (or the
 * connection has stopped taking data: the ACK of a FIN carried it).
 */
static void delack_handler(struct sock *sk)
{
	struct toy_sock *ts = toy_sk(sk);

	if (timer_pending(&ts->delack_timer) || !ts->ack_pending ||
	    !((1 << sk->sk_state) & (TCPF_ESTABLISHED | TCPF_FIN_WAIT1 |
				     TCPF_FIN_WAIT2)))
		return;
	TOY_INC_STATS(sock_net(sk), TOY_MIB_DELAYEDACKS);
	toy_send_ack(sk);
}

/*
 * Keepalive runs in the states that can idle with a file attached: a
 * half-closed FIN-WAIT-2 too, whose peer may still send (an orphan's
 * FIN-WAIT-2 timer is its lifetime instead).
 */
static bool keepalive_state(const struct sock *sk)
{
	if (!sock_flag(sk, SOCK_KEEPOPEN))
		return false;
	if (sk->sk_state == TCP_FIN_WAIT2)
		return !sock_flag(sk, SOCK_DEAD);
	return (1 << sk->sk_state) & (TCPF_ESTABLISHED | TCPF_CLOSE_WAIT);
}

/* (Re)start the keepalive clock: the peer was just heard, or it is turned on. */
void toy_keepalive_reset(struct sock *sk)
{
	struct toy_sock *ts = toy_sk(sk);

	ts->probes_out = 0;
	ts->last_rcv = jiffies;
	if (keepalive_state(sk))
		sk_reset_timer(sk, &sk->sk_timer,
			       jiffies + (unsigned long)ts->keepidle * HZ);
}

/* struct proto's keepalive: SO_KEEPALIVE was set or cleared. */
void toy_keepalive(struct sock *sk, int on)
{
	if (on) {
		sock_set_flag(sk, SOCK_KEEPOPEN);
		toy_keepalive_reset(sk);
	} else if (!((1 << sk->sk_state) & (TCPF_TIME_WAIT | TCPF_FIN_WAIT2))) {
		sk_stop_timer(sk, &sk->sk_timer);
	}
}

/* RFC 9293 3.8.4: probe an idle connection, give up after keepcnt. */
static void keepalive_expired(struct sock *sk)
{
	struct toy_sock *ts = toy_sk(sk);
	unsigned long idle = jiffies - ts->last_rcv;
	unsigned long keepidle = (unsigned long)ts->keepidle * HZ;

	/* Data in flight: the retransmission timer watches the peer. */
	if (ts->snd_una != ts->snd_nxt || toy_send_head(sk)) {
		sk_reset_timer(sk, &sk->sk_timer, jiffies + keepidle);
		return;
	}
	if (idle < keepidle) {
		sk_reset_timer(sk, &sk->sk_timer, jiffies + keepidle - idle);
		return;
	}
	if (ts->probes_out >= ts->keepcnt) {
		TOY_INC_STATS(sock_net(sk), TOY_MIB_TIMEOUTS);
		toy_fsm_event(sk, TOY_EV_TIMEOUT, NULL);
		return;
	}
	toy_send_keepalive(sk);
	ts->probes_out++;
	sk_reset_timer(sk, &sk->sk_timer,
		       jiffies + (unsigned long)ts->keepintvl * HZ);
}

static void sk_handler(struct sock *sk)
{
	if (timer_pending(&sk->sk_timer))
		return;	/* re-armed while we waited */
	if (sk->sk_state == TCP_TIME_WAIT ||
	    (sk->sk_state == TCP_FIN_WAIT2 && sock_flag(sk, SOCK_DEAD)))
		toy_fsm_event(sk, TOY_EV_TW_EXPIRE, NULL);
	else if (keepalive_state(sk))
		keepalive_expired(sk);
}

/* What each timer does when it fires, by its TOY_DEFER_* bit. */
static void (* const timer_handlers[__TOY_DEFER_MAX])(struct sock *sk) = {
	[TOY_DEFER_RTX]		= rtx_handler,
	[TOY_DEFER_SK]		= sk_handler,
	[TOY_DEFER_DELACK]	= delack_handler,
	[TOY_DEFER_TSQ]		= toy_push,	/* tsq.c: bytes drained below */
	[TOY_DEFER_MTU]		= toy_mtu_reduced,	/* input.c: toy_v6_err() */
};

/*
 * Every timer: its work now, under the socket's spinlock, or left to the
 * owner (defer()); then the reference sk_reset_timer() took goes.
 */
static void timer_fire(struct sock *sk, int bit)
{
	bh_lock_sock(sk);
	if (sock_owned_by_user(sk))
		defer(sk, bit);
	else
		timer_handlers[bit](sk);
	bh_unlock_sock(sk);
	sock_put(sk);
}

static void toy_rtx_timer(struct timer_list *t)
{
	struct toy_sock *ts = from_timer(ts, t, rtx_timer);

	timer_fire(&ts->sk, TOY_DEFER_RTX);
}

static void toy_sk_timer(struct timer_list *t)
{
	struct sock *sk = from_timer(sk, t, sk_timer);

	timer_fire(sk, TOY_DEFER_SK);
}

static void toy_delack_timer(struct timer_list *t)
{
	struct toy_sock *ts = from_timer(ts, t, delack_timer);

	timer_fire(&ts->sk, TOY_DEFER_DELACK);
}

/**
 * toy_release_cb - struct proto's release_cb: timer work deferred
 * @sk: the socket, still owned, its spinlock held (release_sock())
 */
void toy_release_cb(struct sock *sk)
{
	struct toy_sock *ts = toy_sk(sk);
	int bit;

	sock_owned_by_me(sk);
	for (bit = 0; bit < __TOY_DEFER_MAX; bit++) {
		if (test_and_clear_bit(bit, &ts->deferred)) {
			timer_handlers[bit](sk);
			__sock_put(sk);
		}
	}
}

void toy_arm_timewait(struct sock *sk)
{
	sk_reset_timer(sk, &sk->sk_timer,
		       jiffies + msecs_to_jiffies(READ_ONCE(toy_timewait_ms)));
}

void toy_timers_init(struct sock *sk)
{
	timer_setup(&toy_sk(sk)->rtx_timer, toy_rtx_timer, 0);
	timer_setup(&sk->sk_timer, toy_sk_timer, 0);
	timer_setup(&toy_sk(sk)->delack_timer, toy_delack_timer, 0);
}

void toy_timers_stop(struct sock *sk)
{
	struct toy_sock *ts = toy_sk(sk);

	ts->timer_kind = TOY_TIMER_NONE;
	sk_stop_timer(sk, &ts->rtx_timer);
	sk_stop_timer(sk, &sk->sk_timer);
	ts->ack_pending = false;
	sk_stop_timer(sk, &ts->delack_timer);
}
