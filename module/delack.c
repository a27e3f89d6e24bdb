// SPDX-License-Identifier: GPL-2.0
/*
 * Toy Stream Protocol: delayed acknowledgments (RFC 9293 3.8.6.3, RFC 1122
 * 4.2.3.2, RFC 5681 4.2).
 *
 * In-order data is not acknowledged segment by segment. An ACK goes out
 * once more than one full-sized segment arrived since the last ACK, or
 * when the delayed-ACK timer fires, TOY_DELACK_MS after the first data
 * it covers (timer.c); whatever we send first carries it instead (a
 * reply, a window update: send_seg() clears @ack_pending). Some data is
 * acknowledged at once, as __tcp_ack_snd_check() does:
 *  - the first TOY_QUICKACKS segments of a connection, so that the
 *    sender's slow start does not wait for our timer;
 *  - data that fills a hole, whole or in part: the sender's loss
 *    recovery runs on these ACKs;
 *  - data we already had (its ACK carries a D-SACK).
 * input.c answers out-of-order data and data it had to drop at once, as
 * before.
 */
#include <linux/jiffies.h>

#include "toy.h"

/**
 * toy_ack_now - must in-order data just received be acknowledged now?
 * @sk: the connection, locked
 * @now: the data filled a hole, or duplicated data we had
 *
 * If not, the delayed-ACK timer is armed, unless it already runs for
 * earlier data.
 *
 * Return: true if the caller must send the ACK now.
 */
bool toy_ack_now(struct sock *sk, bool now)
{
	struct toy_sock *ts = toy_sk(sk);

	sock_owned_by_me(sk);
	if (ts->ack_quick) {
		ts->ack_quick--;
		now = true;
	}
	/* More than one full-sized segment since our last ACK (RFC 5681). */
	if (now || ts->rcv_nxt - ts->rcv_wup > ts->rcv_mss)
		return true;
	if (!ts->ack_pending) {
		ts->ack_pending = true;
		sk_reset_timer(sk, &ts->delack_timer,
			       jiffies + msecs_to_jiffies(TOY_DELACK_MS));
	}
	return false;
}

/**
 * toy_ack_seen_data - note the size of an in-order segment of the peer
 * @sk: the connection, locked
 * @len: its payload bytes
 *
 * The largest is the peer's full-sized segment (tcp_measure_rcv_mss()).
 */
void toy_ack_seen_data(struct sock *sk, u32 len)
{
	struct toy_sock *ts = toy_sk(sk);

	if (len > ts->rcv_mss)
		ts->rcv_mss = min_t(u32, len, U16_MAX);
}

/* A new connection, or one connected again: quick ACKs first. */
void toy_ack_init(struct sock *sk)
{
	struct toy_sock *ts = toy_sk(sk);

	ts->ack_quick = TOY_QUICKACKS;
	ts->ack_pending = false;
	ts->rcv_mss = TOY_DEFAULT_MSS;
}

#if IS_ENABLED(CONFIG_TOY_KUNIT_TEST)
#include "test/delack-test.c"
#endif
