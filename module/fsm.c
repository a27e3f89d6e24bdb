// SPDX-License-Identifier: GPL-2.0
/*
 * Toy Stream Protocol: the connection state machine.
 *
 * toy_fsm[] is the single source of every state change: the socket calls
 * (socket.c), the input path (input.c) and the timers (timer.c) only
 * classify what happened into an event and call toy_fsm_event(). The table
 * is printed by /proc/net/toy_fsm together with how often each pair was
 * taken, checked cell by cell by KUnit, and drawn in docs/protocol.md.
 *
 * A cell either names the next state and the actions to perform, or says
 * why the (state, event) pair cannot happen. No cell is left undefined.
 *
 * States are the TCP_* values so that ss-like tools decode sk_state; their
 * RFC 9293 names are in toy_state_names[].
 */
#include <net/tcp_states.h>

#include "toy.h"

#define CREATE_TRACE_POINTS
#include "trace.h"

const char * const toy_state_names[TOY_NR_STATES] = {
	[0]			= "INVALID",
	[TCP_ESTABLISHED]	= "ESTABLISHED",
	[TCP_SYN_SENT]		= "SYN-SENT",
	[TCP_SYN_RECV]		= "SYN-RECEIVED",
	[TCP_FIN_WAIT1]		= "FIN-WAIT-1",
	[TCP_FIN_WAIT2]		= "FIN-WAIT-2",
	[TCP_TIME_WAIT]		= "TIME-WAIT",
	[TCP_CLOSE]		= "CLOSED",
	[TCP_CLOSE_WAIT]	= "CLOSE-WAIT",
	[TCP_LAST_ACK]		= "LAST-ACK",
	[TCP_LISTEN]		= "LISTEN",
	[TCP_CLOSING]		= "CLOSING",
};

const char * const toy_event_names[TOY_NR_EVENTS] = {
	[TOY_EV_CONNECT]	= "CONNECT",
	[TOY_EV_LISTEN]		= "LISTEN",
	[TOY_EV_CLOSE]		= "CLOSE",
	[TOY_EV_SHUTDOWN]	= "SHUTDOWN",
	[TOY_EV_ABORT]		= "ABORT",
	[TOY_EV_RCV_SYN]	= "RCV_SYN",
	[TOY_EV_RCV_SYNACK]	= "RCV_SYNACK",
	[TOY_EV_RCV_ACK]	= "RCV_ACK",
	[TOY_EV_RCV_FIN]	= "RCV_FIN",
	[TOY_EV_RCV_RST]	= "RCV_RST",
	[TOY_EV_TIMEOUT]	= "TIMEOUT",
	[TOY_EV_TW_EXPIRE]	= "TW_EXPIRE",
};

const char * const toy_action_names[TOY_NR_ACTIONS] = {
	[TOY_ACT_BIT_SEND_SYN]		= "send_syn",
	[TOY_ACT_BIT_SEND_SYNACK]	= "send_synack",
	[TOY_ACT_BIT_SEND_FIN]		= "send_fin",
	[TOY_ACT_BIT_SEND_ACK]		= "send_ack",
	[TOY_ACT_BIT_SEND_RST]		= "send_rst",
	[TOY_ACT_BIT_REPLY_RST]		= "reply_rst",
	[TOY_ACT_BIT_NEW_CHILD]		= "new_child",
	[TOY_ACT_BIT_ERR_REFUSED]	= "err_refused",
	[TOY_ACT_BIT_ERR_RESET]		= "err_reset",
	[TOY_ACT_BIT_ERR_TIMEDOUT]	= "err_timedout",
	[TOY_ACT_BIT_TW_RESTART]	= "tw_restart",
};

#define GO(state, acts)	{ .next = TCP_##state, .actions = (acts) }
#define NEVER(state, why) { .next = TCP_##state, .unreachable = (why) }

#define SEND_SYN	TOY_ACT_SEND_SYN
#define SEND_SYNACK	TOY_ACT_SEND_SYNACK
#define SEND_FIN	TOY_ACT_SEND_FIN
#define SEND_ACK	TOY_ACT_SEND_ACK
#define SEND_RST	TOY_ACT_SEND_RST
#define REPLY_RST	TOY_ACT_REPLY_RST
#define NEW_CHILD	TOY_ACT_NEW_CHILD
#define ERR_REFUSED	TOY_ACT_ERR_REFUSED
#define ERR_RESET	TOY_ACT_ERR_RESET
#define ERR_TIMEDOUT	TOY_ACT_ERR_TIMEDOUT
#define TW_RESTART	TOY_ACT_TW_RESTART

/* Reasons shared by many cells. */
#define R_NOTABLE	"a closed socket is in no table: no segment reaches it"
#define R_ISCONN	"connect() on this socket fails (EISCONN/EALREADY) in socket.c"
#define R_NOLISTEN	"listen() on a connecting or connected socket fails EINVAL in socket.c"
#define R_NOFILE	"an embryonic child has no file until accept(): no system call reaches it"
#define R_NOTIMER	"no retransmission or TIME-WAIT timer runs in this state"
#define R_NOFIN		"RCV_ACK means our SYN or FIN was acknowledged: neither is outstanding"
#define R_NORETX	"all we sent is acknowledged: nothing to retransmit"
#define R_SHUTCLOSED	"shutdown() of an unconnected socket fails ENOTCONN first"
#define R_ABORTCLOSED	"aborting a closed socket is a plain close"
#define R_ABORTLISTEN	"a listener has no peer to reset: it is closed instead"
#define R_FINLISTEN	"a FIN with ACK to a listener is RCV_ACK; without ACK it is dropped"
#define R_FINSYNSENT	"a FIN before SYN-ACK is dropped before classification"
#define R_FINSYNRECV	"a FIN acking our SYN is RCV_ACK first; one that does not is reset"
#define R_TWSTART	"the orphan timer starts in FIN-WAIT-2"

const struct toy_transition toy_fsm[TOY_NR_STATES][TOY_NR_EVENTS] = {
	[TCP_CLOSE] = {
		[TOY_EV_CONNECT]	= GO(SYN_SENT, SEND_SYN),
		[TOY_EV_LISTEN]		= GO(LISTEN, 0),
		[TOY_EV_CLOSE]		= GO(CLOSE, 0),
		[TOY_EV_SHUTDOWN]	= NEVER(CLOSE, R_SHUTCLOSED),
		[TOY_EV_ABORT]		= NEVER(CLOSE, R_ABORTCLOSED),
		/* The child a listener creates for a SYN starts here. */
		[TOY_EV_RCV_SYN]	= GO(SYN_RECV, SEND_SYNACK),
		[TOY_EV_RCV_SYNACK]	= NEVER(CLOSE, R_NOTABLE),
		[TOY_EV_RCV_ACK]	= NEVER(CLOSE, R_NOTABLE),
		[TOY_EV_RCV_FIN]	= NEVER(CLOSE, R_NOTABLE),
		[TOY_EV_RCV_RST]	= NEVER(CLOSE, R_NOTABLE),
		[TOY_EV_TIMEOUT]	= NEVER(CLOSE, R_NOTIMER),
		[TOY_EV_TW_EXPIRE]	= NEVER(CLOSE, R_NOTIMER),
	},
	[TCP_LISTEN] = {
		[TOY_EV_CONNECT]	= NEVER(LISTEN, R_ISCONN),
		[TOY_EV_LISTEN]		= GO(LISTEN, 0),
		/* toy_listen_stop() resets the children still queued. */
		[TOY_EV_CLOSE]		= GO(CLOSE, 0),
		[TOY_EV_SHUTDOWN]	= GO(LISTEN, 0),
		[TOY_EV_ABORT]		= NEVER(LISTEN, R_ABORTLISTEN),
		[TOY_EV_RCV_SYN]	= GO(LISTEN, NEW_CHILD),
		[TOY_EV_RCV_SYNACK]	= GO(LISTEN, REPLY_RST),
		[TOY_EV_RCV_ACK]	= GO(LISTEN, REPLY_RST),
		[TOY_EV_RCV_FIN]	= NEVER(LISTEN, R_FINLISTEN),
		[TOY_EV_RCV_RST]	= GO(LISTEN, 0),
		[TOY_EV_TIMEOUT]	= NEVER(LISTEN, R_NOTIMER),
		[TOY_EV_TW_EXPIRE]	= NEVER(LISTEN, R_NOTIMER),
	},
	[TCP_SYN_SENT] = {
		[TOY_EV_CONNECT]	= NEVER(SYN_SENT, R_ISCONN),
		[TOY_EV_LISTEN]		= NEVER(SYN_SENT, R_NOLISTEN),
		[TOY_EV_CLOSE]		= GO(CLOSE, 0),
		/* As TCP: shutdown(SHUT_WR) before the handshake ends aborts it. */
		[TOY_EV_SHUTDOWN]	= GO(CLOSE, 0),
		[TOY_EV_ABORT]		= GO(CLOSE, 0),
		/* Simultaneous open is not supported: the SYN is ignored. */
		[TOY_EV_RCV_SYN]	= GO(SYN_SENT, 0),
		[TOY_EV_RCV_SYNACK]	= GO(ESTABLISHED, SEND_ACK),
		/* An ACK without SYN that acks our SYN is dropped (RFC 9293). */
		[TOY_EV_RCV_ACK]	= GO(SYN_SENT, 0),
		[TOY_EV_RCV_FIN]	= NEVER(SYN_SENT, R_FINSYNSENT),
		[TOY_EV_RCV_RST]	= GO(CLOSE, ERR_REFUSED),
		[TOY_EV_TIMEOUT]	= GO(CLOSE, ERR_TIMEDOUT),
		[TOY_EV_TW_EXPIRE]	= NEVER(SYN_SENT, R_NOTIMER),
	},
	[TCP_SYN_RECV] = {
		[TOY_EV_CONNECT]	= NEVER(SYN_RECV, R_NOFILE),
		[TOY_EV_LISTEN]		= NEVER(SYN_RECV, R_NOFILE),
		[TOY_EV_CLOSE]		= NEVER(SYN_RECV, R_NOFILE),
		[TOY_EV_SHUTDOWN]	= NEVER(SYN_RECV, R_NOFILE),
		/* The listener closes: its embryonic children are reset. */
		[TOY_EV_ABORT]		= GO(CLOSE, SEND_RST),
		/* The SYN again: our SYN-ACK was lost. */
		[TOY_EV_RCV_SYN]	= GO(SYN_RECV, SEND_SYNACK),
		[TOY_EV_RCV_SYNACK]	= GO(SYN_RECV, REPLY_RST),
		[TOY_EV_RCV_ACK]	= GO(ESTABLISHED, 0),
		[TOY_EV_RCV_FIN]	= NEVER(SYN_RECV, R_FINSYNRECV),
		[TOY_EV_RCV_RST]	= GO(CLOSE, 0),
		[TOY_EV_TIMEOUT]	= GO(CLOSE, 0),
		[TOY_EV_TW_EXPIRE]	= NEVER(SYN_RECV, R_NOTIMER),
	},
	[TCP_ESTABLISHED] = {
		[TOY_EV_CONNECT]	= NEVER(ESTABLISHED, R_ISCONN),
		[TOY_EV_LISTEN]		= NEVER(ESTABLISHED, R_NOLISTEN),
		[TOY_EV_CLOSE]		= GO(FIN_WAIT1, SEND_FIN),
		[TOY_EV_SHUTDOWN]	= GO(FIN_WAIT1, SEND_FIN),
		[TOY_EV_ABORT]		= GO(CLOSE, SEND_RST),
		/* RFC 5961 challenge ACK; a repeated SYN-ACK means our ACK was lost. */
		[TOY_EV_RCV_SYN]	= GO(ESTABLISHED, SEND_ACK),
		[TOY_EV_RCV_SYNACK]	= GO(ESTABLISHED, SEND_ACK),
		[TOY_EV_RCV_ACK]	= NEVER(ESTABLISHED, R_NOFIN),
		[TOY_EV_RCV_FIN]	= GO(CLOSE_WAIT, SEND_ACK),
		[TOY_EV_RCV_RST]	= GO(CLOSE, ERR_RESET),
		[TOY_EV_TIMEOUT]	= GO(CLOSE, ERR_TIMEDOUT),
		[TOY_EV_TW_EXPIRE]	= NEVER(ESTABLISHED, R_NOTIMER),
	},
	[TCP_FIN_WAIT1] = {
		[TOY_EV_CONNECT]	= NEVER(FIN_WAIT1, R_ISCONN),
		[TOY_EV_LISTEN]		= NEVER(FIN_WAIT1, R_NOLISTEN),
		[TOY_EV_CLOSE]		= GO(FIN_WAIT1, 0),
		[TOY_EV_SHUTDOWN]	= GO(FIN_WAIT1, 0),
		[TOY_EV_ABORT]		= GO(CLOSE, SEND_RST),
		[TOY_EV_RCV_SYN]	= GO(FIN_WAIT1, SEND_ACK),
		[TOY_EV_RCV_SYNACK]	= GO(FIN_WAIT1, SEND_ACK),
		[TOY_EV_RCV_ACK]	= GO(FIN_WAIT2, 0),
		[TOY_EV_RCV_FIN]	= GO(CLOSING, SEND_ACK),
		[TOY_EV_RCV_RST]	= GO(CLOSE, ERR_RESET),
		[TOY_EV_TIMEOUT]	= GO(CLOSE, ERR_TIMEDOUT),
		[TOY_EV_TW_EXPIRE]	= NEVER(FIN_WAIT1, R_TWSTART),
	},
	[TCP_FIN_WAIT2] = {
		[TOY_EV_CONNECT]	= NEVER(FIN_WAIT2, R_ISCONN),
		[TOY_EV_LISTEN]		= NEVER(FIN_WAIT2, R_NOLISTEN),
		[TOY_EV_CLOSE]		= GO(FIN_WAIT2, 0),
		[TOY_EV_SHUTDOWN]	= GO(FIN_WAIT2, 0),
		[TOY_EV_ABORT]		= GO(CLOSE, SEND_RST),
		[TOY_EV_RCV_SYN]	= GO(FIN_WAIT2, SEND_ACK),
		[TOY_EV_RCV_SYNACK]	= GO(FIN_WAIT2, SEND_ACK),
		[TOY_EV_RCV_ACK]	= NEVER(FIN_WAIT2, R_NOFIN),
		[TOY_EV_RCV_FIN]	= GO(TIME_WAIT, SEND_ACK),
		[TOY_EV_RCV_RST]	= GO(CLOSE, ERR_RESET),
		/* Keepalive's last probe unanswered (half-closed, file open). */
		[TOY_EV_TIMEOUT]	= GO(CLOSE, ERR_TIMEDOUT),
		/* An orphan whose peer never sends its FIN. */
		[TOY_EV_TW_EXPIRE]	= GO(CLOSE, 0),
	},
	[TCP_TIME_WAIT] = {
		[TOY_EV_CONNECT]	= NEVER(TIME_WAIT, R_ISCONN),
		[TOY_EV_LISTEN]		= NEVER(TIME_WAIT, R_NOLISTEN),
		[TOY_EV_CLOSE]		= GO(TIME_WAIT, 0),
		[TOY_EV_SHUTDOWN]	= GO(TIME_WAIT, 0),
		[TOY_EV_ABORT]		= GO(CLOSE, 0),
		[TOY_EV_RCV_SYN]	= GO(TIME_WAIT, SEND_ACK),
		[TOY_EV_RCV_SYNACK]	= GO(TIME_WAIT, SEND_ACK),
		[TOY_EV_RCV_ACK]	= NEVER(TIME_WAIT, R_NOFIN),
		/* The peer's FIN again: our ACK was lost; TIME-WAIT restarts. */
		[TOY_EV_RCV_FIN]	= GO(TIME_WAIT, SEND_ACK | TW_RESTART),
		[TOY_EV_RCV_RST]	= GO(CLOSE, 0),
		[TOY_EV_TIMEOUT]	= NEVER(TIME_WAIT, R_NORETX),
		[TOY_EV_TW_EXPIRE]	= GO(CLOSE, 0),
	},
	[TCP_CLOSE_WAIT] = {
		[TOY_EV_CONNECT]	= NEVER(CLOSE_WAIT, R_ISCONN),
		[TOY_EV_LISTEN]		= NEVER(CLOSE_WAIT, R_NOLISTEN),
		[TOY_EV_CLOSE]		= GO(LAST_ACK, SEND_FIN),
		[TOY_EV_SHUTDOWN]	= GO(LAST_ACK, SEND_FIN),
		[TOY_EV_ABORT]		= GO(CLOSE, SEND_RST),
		[TOY_EV_RCV_SYN]	= GO(CLOSE_WAIT, SEND_ACK),
		[TOY_EV_RCV_SYNACK]	= GO(CLOSE_WAIT, SEND_ACK),
		[TOY_EV_RCV_ACK]	= NEVER(CLOSE_WAIT, R_NOFIN),
		[TOY_EV_RCV_FIN]	= GO(CLOSE_WAIT, SEND_ACK),
		[TOY_EV_RCV_RST]	= GO(CLOSE, ERR_RESET),
		[TOY_EV_TIMEOUT]	= GO(CLOSE, ERR_TIMEDOUT),
		[TOY_EV_TW_EXPIRE]	= NEVER(CLOSE_WAIT, R_NOTIMER),
	},
	[TCP_LAST_ACK] = {
		[TOY_EV_CONNECT]	= NEVER(LAST_ACK, R_ISCONN),
		[TOY_EV_LISTEN]		= NEVER(LAST_ACK, R_NOLISTEN),
		[TOY_EV_CLOSE]		= GO(LAST_ACK, 0),
		[TOY_EV_SHUTDOWN]	= GO(LAST_ACK, 0),
		[TOY_EV_ABORT]		= GO(CLOSE, 0),
		[TOY_EV_RCV_SYN]	= GO(LAST_ACK, SEND_ACK),
		[TOY_EV_RCV_SYNACK]	= GO(LAST_ACK, SEND_ACK),
		[TOY_EV_RCV_ACK]	= GO(CLOSE, 0),
		[TOY_EV_RCV_FIN]	= GO(LAST_ACK, SEND_ACK),
		[TOY_EV_RCV_RST]	= GO(CLOSE, 0),
		[TOY_EV_TIMEOUT]	= GO(CLOSE, ERR_TIMEDOUT),
		[TOY_EV_TW_EXPIRE]	= NEVER(LAST_ACK, R_NOTIMER),
	},
	[TCP_CLOSING] = {
		[TOY_EV_CONNECT]	= NEVER(CLOSING, R_ISCONN),
		[TOY_EV_LISTEN]		= NEVER(CLOSING, R_NOLISTEN),
		[TOY_EV_CLOSE]		= GO(CLOSING, 0),
		[TOY_EV_SHUTDOWN]	= GO(CLOSING, 0),
		[TOY_EV_ABORT]		= GO(CLOSE, 0),
		[TOY_EV_RCV_SYN]	= GO(CLOSING, SEND_ACK),
		[TOY_EV_RCV_SYNACK]	= GO(CLOSING, SEND_ACK),
		[TOY_EV_RCV_ACK]	= GO(TIME_WAIT, 0),
		[TOY_EV_RCV_FIN]	= GO(CLOSING, SEND_ACK),
		[TOY_EV_RCV_RST]	= GO(CLOSE, 0),
		[TOY_EV_TIMEOUT]	= GO(CLOSE, ERR_TIMEDOUT),
		[TOY_EV_TW_EXPIRE]	= NEVER(CLOSING, R_NOTIMER),
	},
};

/* An orphan has finished its work: it no longer counts (orphan(), socket.c). */
static void unorphan(struct sock *sk)
{
	struct toy_sock *ts = toy_sk(sk);

	if (ts->orphan) {
		ts->orphan = false;
		atomic_dec(&toy_orphans);
	}
}

/*
 * Entering a state has side effects that do not depend on the event that
 * caused it: counters, timers, table membership and wakeups. They live here
 * so that every path into a state gets them.
 */
void toy_set_state(struct sock *sk, int state)
{
	struct toy_sock *ts = toy_sk(sk);
	struct net *net = sock_net(sk);
	int old = sk->sk_state;

	if (old == state)
		return;

	if (state == TCP_ESTABLISHED)
		TOY_INC_STATS(net, TOY_MIB_CURRESTAB);
	else if (old == TCP_ESTABLISHED)
		TOY_DEC_STATS(net, TOY_MIB_CURRESTAB);
	if (state == TCP_CLOSE) {
		if (old == TCP_ESTABLISHED || old == TCP_CLOSE_WAIT)
			TOY_INC_STATS(net, TOY_MIB_ESTABRESETS);
		if (old == TCP_SYN_SENT || old == TCP_SYN_RECV)
			TOY_INC_STATS(net, TOY_MIB_ATTEMPTFAILS);
	}

	trace_toy_set_state(sk, old, state);
	/* Pairs with READ_ONCE() in poll and /proc. */
	smp_store_release(&sk->sk_state, state);

	switch (state) {
	case TCP_ESTABLISHED:
		toy_keepalive_reset(sk);
		if (ts->parent) {
			toy_child_established(sk);
		} else {
			sk->sk_state_change(sk);
			sk_wake_async(sk, SOCK_WAKE_IO, POLL_OUT);
		}
		break;
	case TCP_FIN_WAIT2:
		if (sock_flag(sk, SOCK_DEAD))
			toy_arm_timewait(sk);
		break;
	case TCP_TIME_WAIT:
		/* Its memory is all it pins now, and TIME-WAIT is bounded. */
		unorphan(sk);
		WRITE_ONCE(sk->sk_shutdown, SHUTDOWN_MASK);
		toy_arm_timewait(sk);
		break;
	case TCP_CLOSE:
		unorphan(sk);
		toy_timers_stop(sk);
		toy_recovery_reset(sk);
		toy_wmem_purge(sk);
		toy_rcvq_ooo_purge(sk);
		sk_dst_reset(sk);
		WRITE_ONCE(sk->sk_shutdown, SHUTDOWN_MASK);
		if (ts->parent)
			toy_child_drop(sk);
		toy_unhash(sk);
		if (!sock_flag(sk, SOCK_DEAD))
			sk->sk_state_change(sk);
		break;
	}
}

static void fsm_set_error(struct sock *sk, int err)
{
	WRITE_ONCE(sk->sk_err, err);
	/* Make the error visible before the state change that wakes readers. */
	smp_wmb();
	sk_error_report(sk);
}

/**
 * toy_fsm_event - feed one event to a socket's state machine
 * @sk: the socket, locked by its owner or under bh_lock_sock()
 * @ev: what happened
 * @skb: the segment that caused it, for RCV_* events; else NULL
 *
 * Return: 0, or a negative errno if an action failed (e.g. no route for
 * the SYN, or no memory for a child).
 */
int toy_fsm_event(struct sock *sk, enum toy_event ev, struct sk_buff *skb)
{
	const struct toy_transition *t = &toy_fsm[sk->sk_state][ev];
	unsigned int act = t->actions;
	int err = 0;

	sock_owned_by_me(sk);
	TOY_INC_FSM(sock_net(sk), sk->sk_state, ev);
	if (unlikely(!t->next || t->unreachable)) {
		/* Counted above: the coverage check reports it. */
		net_warn_ratelimited("unexpected event %s in state %s\n",
				     toy_event_names[ev],
				     toy_state_names[sk->sk_state]);
		return -EPROTO;
	}

	if (act & TOY_ACT_ERR_REFUSED)
		fsm_set_error(sk, ECONNREFUSED);
	if (act & TOY_ACT_ERR_RESET)
		/* As tcp_reset(): the peer had already finished sending. */
		fsm_set_error(sk, sk->sk_state == TCP_CLOSE_WAIT ?
			      EPIPE : ECONNRESET);
	if (act & TOY_ACT_ERR_TIMEDOUT)
		/* As tcp_write_err(): an ICMP error heard meanwhile says why. */
		fsm_set_error(sk, READ_ONCE(sk->sk_err_soft) ?: ETIMEDOUT);

	/* A RST goes out while the connection still has its sequence numbers. */
	if (act & TOY_ACT_SEND_RST)
		toy_send_rst(sk);
	if (act & TOY_ACT_REPLY_RST)
		toy_reply_rst(sock_net(sk), skb);

	toy_set_state(sk, t->next);

	if (act & TOY_ACT_SEND_SYN)
		err = toy_send_syn(sk);
	if (act & TOY_ACT_SEND_SYNACK)
		err = toy_send_synack(sk);
	if (act & TOY_ACT_SEND_FIN) {
		toy_sk(sk)->fin_queued = true;
		toy_sk(sk)->fin_seq = toy_sk(sk)->write_seq++;
		toy_push(sk);
	}
	if (act & TOY_ACT_SEND_ACK)
		toy_send_ack(sk);
	if (act & TOY_ACT_TW_RESTART)
		toy_arm_timewait(sk);
	if ((act & TOY_ACT_NEW_CHILD) && !toy_child_create(sk, skb))
		err = -ENOBUFS;
	return err;
}

#if IS_ENABLED(CONFIG_TOY_KUNIT_TEST)
#include "test/fsm-test.c"
#endif
