// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the state table (fsm.c). #included at the end of fsm.c
 * when CONFIG_TOY_KUNIT_TEST is set.
 *
 * toy_fsm[][] is checked against a second copy of the table, typed in here
 * from docs/protocol.md section 10 rather than derived from fsm.c, so that
 * the code and the document cannot drift apart unnoticed.
 */
#include <kunit/test.h>
#include <linux/net.h>

/* The states a connection can be in: TCP_ESTABLISHED .. TCP_CLOSING. */
#define TOY_TEST_FIRST_STATE	TCP_ESTABLISHED
#define TOY_TEST_NR_CELLS	((TCP_CLOSING - TOY_TEST_FIRST_STATE + 1) * TOY_NR_EVENTS)

/* docs/protocol.md section 10: one row of the transition table. */
struct toy_doc_row {
	u8 state;
	u8 ev;
	u16 actions;
	u8 next;
};

#define ROW(st, e, acts, nx) \
	{ TCP_##st, TOY_EV_##e, (acts), TCP_##nx }

#define A_SYN		TOY_ACT_SEND_SYN
#define A_SYNACK	TOY_ACT_SEND_SYNACK
#define A_FIN		TOY_ACT_SEND_FIN
#define A_ACK		TOY_ACT_SEND_ACK
#define A_RST		TOY_ACT_SEND_RST
#define A_REPLY		TOY_ACT_REPLY_RST
#define A_CHILD		TOY_ACT_NEW_CHILD
#define E_REFUSED	TOY_ACT_ERR_REFUSED
#define E_RESET		TOY_ACT_ERR_RESET	/* ECONNRESET, EPIPE in CLOSE_WAIT */
#define E_TIMEDOUT	TOY_ACT_ERR_TIMEDOUT
#define A_TWRESTART	TOY_ACT_TW_RESTART

/* Every row of the table, in the document's order; other pairs cannot occur. */
static const struct toy_doc_row toy_doc_table[] = {
	ROW(CLOSE, CONNECT, A_SYN, SYN_SENT),
	ROW(CLOSE, LISTEN, 0, LISTEN),
	ROW(CLOSE, CLOSE, 0, CLOSE),
	ROW(CLOSE, RCV_SYN, A_SYNACK, SYN_RECV),

	ROW(LISTEN, LISTEN, 0, LISTEN),
	ROW(LISTEN, CLOSE, 0, CLOSE),
	ROW(LISTEN, SHUTDOWN, 0, LISTEN),
	ROW(LISTEN, RCV_SYN, A_CHILD, LISTEN),
	ROW(LISTEN, RCV_SYNACK, A_REPLY, LISTEN),
	ROW(LISTEN, RCV_ACK, A_REPLY, LISTEN),
	ROW(LISTEN, RCV_RST, 0, LISTEN),

	ROW(SYN_SENT, CLOSE, 0, CLOSE),
	ROW(SYN_SENT, SHUTDOWN, 0, CLOSE),
	ROW(SYN_SENT, ABORT, 0, CLOSE),
	ROW(SYN_SENT, RCV_SYN, 0, SYN_SENT),
	ROW(SYN_SENT, RCV_SYNACK, A_ACK, ESTABLISHED),
	ROW(SYN_SENT, RCV_ACK, 0, SYN_SENT),
	ROW(SYN_SENT, RCV_RST, E_REFUSED, CLOSE),
	ROW(SYN_SENT, TIMEOUT, E_TIMEDOUT, CLOSE),

	ROW(SYN_RECV, ABORT, A_RST, CLOSE),
	ROW(SYN_RECV, RCV_SYN, A_SYNACK, SYN_RECV),
	ROW(SYN_RECV, RCV_SYNACK, A_REPLY, SYN_RECV),
	ROW(SYN_RECV, RCV_ACK, 0, ESTABLISHED),
	ROW(SYN_RECV, RCV_RST, 0, CLOSE),
	ROW(SYN_RECV, TIMEOUT, 0, CLOSE),

	ROW(ESTABLISHED, CLOSE, A_FIN, FIN_WAIT1),
	ROW(ESTABLISHED, SHUTDOWN, A_FIN, FIN_WAIT1),
	ROW(ESTABLISHED, ABORT, A_RST, CLOSE),
	ROW(ESTABLISHED, RCV_SYN, A_ACK, ESTABLISHED),
	ROW(ESTABLISHED, RCV_SYNACK, A_ACK, ESTABLISHED),
	ROW(ESTABLISHED, RCV_FIN, A_ACK, CLOSE_WAIT),
	ROW(ESTABLISHED, RCV_RST, E_RESET, CLOSE),
	ROW(ESTABLISHED, TIMEOUT, E_TIMEDOUT, CLOSE),

	ROW(FIN_WAIT1, CLOSE, 0, FIN_WAIT1),
	ROW(FIN_WAIT1, SHUTDOWN, 0, FIN_WAIT1),
	ROW(FIN_WAIT1, ABORT, A_RST, CLOSE),
	ROW(FIN_WAIT1, RCV_SYN, A_ACK, FIN_WAIT1),
	ROW(FIN_WAIT1, RCV_SYNACK, A_ACK, FIN_WAIT1),
	ROW(FIN_WAIT1, RCV_ACK, 0, FIN_WAIT2),
	ROW(FIN_WAIT1, RCV_FIN, A_ACK, CLOSING),
	ROW(FIN_WAIT1, RCV_RST, E_RESET, CLOSE),
	ROW(FIN_WAIT1, TIMEOUT, E_TIMEDOUT, CLOSE),

	ROW(FIN_WAIT2, CLOSE, 0, FIN_WAIT2),
	ROW(FIN_WAIT2, SHUTDOWN, 0, FIN_WAIT2),
	ROW(FIN_WAIT2, ABORT, A_RST, CLOSE),
	ROW(FIN_WAIT2, RCV_SYN, A_ACK, FIN_WAIT2),
	ROW(FIN_WAIT2, RCV_SYNACK, A_ACK, FIN_WAIT2),
	ROW(FIN_WAIT2, RCV_FIN, A_ACK, TIME_WAIT),
	ROW(FIN_WAIT2, RCV_RST, E_RESET, CLOSE),
	ROW(FIN_WAIT2, TIMEOUT, E_TIMEDOUT, CLOSE),
	ROW(FIN_WAIT2, TW_EXPIRE, 0, CLOSE),

	ROW(TIME_WAIT, CLOSE, 0, TIME_WAIT),
	ROW(TIME_WAIT, SHUTDOWN, 0, TIME_WAIT),
	ROW(TIME_WAIT, ABORT, 0, CLOSE),
	ROW(TIME_WAIT, RCV_SYN, A_ACK, TIME_WAIT),
	ROW(TIME_WAIT, RCV_SYNACK, A_ACK, TIME_WAIT),
	ROW(TIME_WAIT, RCV_FIN, A_ACK | A_TWRESTART, TIME_WAIT),
	ROW(TIME_WAIT, RCV_RST, 0, CLOSE),
	ROW(TIME_WAIT, TW_EXPIRE, 0, CLOSE),

	ROW(CLOSE_WAIT, CLOSE, A_FIN, LAST_ACK),
	ROW(CLOSE_WAIT, SHUTDOWN, A_FIN, LAST_ACK),
	ROW(CLOSE_WAIT, ABORT, A_RST, CLOSE),
	ROW(CLOSE_WAIT, RCV_SYN, A_ACK, CLOSE_WAIT),
	ROW(CLOSE_WAIT, RCV_SYNACK, A_ACK, CLOSE_WAIT),
	ROW(CLOSE_WAIT, RCV_FIN, A_ACK, CLOSE_WAIT),
	ROW(CLOSE_WAIT, RCV_RST, E_RESET, CLOSE),
	ROW(CLOSE_WAIT, TIMEOUT, E_TIMEDOUT, CLOSE),

	ROW(LAST_ACK, CLOSE, 0, LAST_ACK),
	ROW(LAST_ACK, SHUTDOWN, 0, LAST_ACK),
	ROW(LAST_ACK, ABORT, 0, CLOSE),
	ROW(LAST_ACK, RCV_SYN, A_ACK, LAST_ACK),
	ROW(LAST_ACK, RCV_SYNACK, A_ACK, LAST_ACK),
	ROW(LAST_ACK, RCV_ACK, 0, CLOSE),
	ROW(LAST_ACK, RCV_FIN, A_ACK, LAST_ACK),
	ROW(LAST_ACK, RCV_RST, 0, CLOSE),
	ROW(LAST_ACK, TIMEOUT, E_TIMEDOUT, CLOSE),

	ROW(CLOSING, CLOSE, 0, CLOSING),
	ROW(CLOSING, SHUTDOWN, 0, CLOSING),
	ROW(CLOSING, ABORT, 0, CLOSE),
	ROW(CLOSING, RCV_SYN, A_ACK, CLOSING),
	ROW(CLOSING, RCV_SYNACK, A_ACK, CLOSING),
	ROW(CLOSING, RCV_ACK, 0, TIME_WAIT),
	ROW(CLOSING, RCV_FIN, A_ACK, CLOSING),
	ROW(CLOSING, RCV_RST, 0, CLOSE),
	ROW(CLOSING, TIMEOUT, E_TIMEDOUT, CLOSE),
};

/* The document's names (section 9), independent of toy_state_names[]. */
static const char * const toy_doc_states[TOY_NR_STATES] = {
	[TCP_ESTABLISHED] = "ESTABLISHED", [TCP_SYN_SENT] = "SYN_SENT",
	[TCP_SYN_RECV] = "SYN_RECV", [TCP_FIN_WAIT1] = "FIN_WAIT1",
	[TCP_FIN_WAIT2] = "FIN_WAIT2", [TCP_TIME_WAIT] = "TIME_WAIT",
	[TCP_CLOSE] = "CLOSED", [TCP_CLOSE_WAIT] = "CLOSE_WAIT",
	[TCP_LAST_ACK] = "LAST_ACK", [TCP_LISTEN] = "LISTEN",
	[TCP_CLOSING] = "CLOSING",
};

static const char * const toy_doc_events[TOY_NR_EVENTS] = {
	"CONNECT", "LISTEN", "CLOSE", "SHUTDOWN", "ABORT", "RCV_SYN",
	"RCV_SYNACK", "RCV_ACK", "RCV_FIN", "RCV_RST", "TIMEOUT", "TW_EXPIRE",
};

static const struct toy_doc_row *toy_doc_find(int state, int ev)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(toy_doc_table); i++)
		if (toy_doc_table[i].state == state && toy_doc_table[i].ev == ev)
			return &toy_doc_table[i];
	return NULL;
}

/* Every cell names a next state and is either reachable or says why not. */
static void toy_fsm_every_cell_defined(struct kunit *test)
{
	int state, ev;

	for (state = TOY_TEST_FIRST_STATE; state <= TCP_CLOSING; state++) {
		KUNIT_EXPECT_NOT_ERR_OR_NULL(test, toy_state_names[state]);
		for (ev = 0; ev < TOY_NR_EVENTS; ev++) {
			const struct toy_transition *t = &toy_fsm[state][ev];

			KUNIT_EXPECT_NE_MSG(test, t->next, 0, "%s/%s: no next state",
					    toy_doc_states[state], toy_doc_events[ev]);
			KUNIT_EXPECT_LE(test, t->next, TCP_CLOSING);
			if (!t->unreachable)
				continue;
			KUNIT_EXPECT_GT_MSG(test, strlen(t->unreachable), 0,
					    "%s/%s: empty reason",
					    toy_doc_states[state], toy_doc_events[ev]);
			/* An impossible pair must not pretend to do anything. */
			KUNIT_EXPECT_EQ_MSG(test, t->actions, 0,
					    "%s/%s: unreachable but has actions",
					    toy_doc_states[state], toy_doc_events[ev]);
		}
	}
	for (ev = 0; ev < TOY_NR_EVENTS; ev++)
		KUNIT_EXPECT_NOT_ERR_OR_NULL(test, toy_event_names[ev]);
	/* every action bit has a name, and fits a cell's mask */
	for (ev = 0; ev < TOY_NR_ACTIONS; ev++)
		KUNIT_EXPECT_NOT_ERR_OR_NULL(test, toy_action_names[ev]);
	KUNIT_EXPECT_LE(test, TOY_NR_ACTIONS,
			BITS_PER_BYTE * sizeof(toy_fsm[0][0].actions));
}

/* The doc table itself: no pair twice, and the size section 10 has. */
static void toy_fsm_doc_table_sane(struct kunit *test)
{
	int i, j;

	KUNIT_EXPECT_EQ(test, ARRAY_SIZE(toy_doc_table), 85);
	for (i = 0; i < ARRAY_SIZE(toy_doc_table); i++) {
		const struct toy_doc_row *a = &toy_doc_table[i];

		for (j = i + 1; j < ARRAY_SIZE(toy_doc_table); j++) {
			const struct toy_doc_row *b = &toy_doc_table[j];

			KUNIT_EXPECT_FALSE_MSG(test, a->state == b->state && a->ev == b->ev,
					       "%s/%s twice", toy_doc_states[a->state],
					       toy_doc_events[a->ev]);
		}
	}
}

static void toy_fsm_expect(struct kunit *test, int state, int ev, int next,
			   unsigned int actions)
{
	const struct toy_transition *t = &toy_fsm[state][ev];

	KUNIT_EXPECT_NULL(test, t->unreachable);
	KUNIT_EXPECT_EQ(test, t->next, next);
	KUNIT_EXPECT_EQ(test, t->actions, actions);
}

/* A few transitions everybody knows from TCP, spelled out. */
static void toy_fsm_spot_checks(struct kunit *test)
{
	toy_fsm_expect(test, TCP_ESTABLISHED, TOY_EV_RCV_FIN, TCP_CLOSE_WAIT,
		       TOY_ACT_SEND_ACK);
	toy_fsm_expect(test, TCP_SYN_SENT, TOY_EV_RCV_RST, TCP_CLOSE,
		       TOY_ACT_ERR_REFUSED);
	toy_fsm_expect(test, TCP_LAST_ACK, TOY_EV_RCV_ACK, TCP_CLOSE, 0);
	toy_fsm_expect(test, TCP_TIME_WAIT, TOY_EV_TW_EXPIRE, TCP_CLOSE, 0);
	toy_fsm_expect(test, TCP_CLOSE, TOY_EV_CONNECT, TCP_SYN_SENT,
		       TOY_ACT_SEND_SYN);
	toy_fsm_expect(test, TCP_SYN_SENT, TOY_EV_RCV_SYNACK, TCP_ESTABLISHED,
		       TOY_ACT_SEND_ACK);
	toy_fsm_expect(test, TCP_LISTEN, TOY_EV_RCV_SYN, TCP_LISTEN,
		       TOY_ACT_NEW_CHILD);
	toy_fsm_expect(test, TCP_ESTABLISHED, TOY_EV_CLOSE, TCP_FIN_WAIT1,
		       TOY_ACT_SEND_FIN);
	toy_fsm_expect(test, TCP_FIN_WAIT1, TOY_EV_RCV_FIN, TCP_CLOSING,
		       TOY_ACT_SEND_ACK);
	toy_fsm_expect(test, TCP_CLOSE_WAIT, TOY_EV_RCV_RST, TCP_CLOSE,
		       TOY_ACT_ERR_RESET);
	KUNIT_EXPECT_NOT_NULL(test, toy_fsm[TCP_ESTABLISHED][TOY_EV_RCV_ACK].unreachable);
	KUNIT_EXPECT_NOT_NULL(test, toy_fsm[TCP_LISTEN][TOY_EV_CONNECT].unreachable);
}

/* One parameter per (state, event) cell of the connection states. */
struct toy_fsm_cell {
	u8 state;
	u8 ev;
};

static struct toy_fsm_cell toy_fsm_cells[TOY_TEST_NR_CELLS];

static const void *toy_fsm_cell_gen(const void *prev, char *desc)
{
	const struct toy_fsm_cell *c = prev;
	int i;

	if (!c) {
		for (i = 0; i < TOY_TEST_NR_CELLS; i++) {
			toy_fsm_cells[i].state = TOY_TEST_FIRST_STATE + i / TOY_NR_EVENTS;
			toy_fsm_cells[i].ev = i % TOY_NR_EVENTS;
		}
		c = toy_fsm_cells;
	} else if (++c == toy_fsm_cells + TOY_TEST_NR_CELLS) {
		return NULL;
	}
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s/%s", toy_doc_states[c->state],
		 toy_doc_events[c->ev]);
	return c;
}

static void toy_fsm_cell_matches_doc(struct kunit *test)
{
	const struct toy_fsm_cell *c = test->param_value;
	const struct toy_transition *t = &toy_fsm[c->state][c->ev];
	const struct toy_doc_row *row = toy_doc_find(c->state, c->ev);

	if (!row) {
		KUNIT_EXPECT_NOT_NULL_MSG(test, t->unreachable,
					  "not in docs section 10, but reachable in fsm.c");
		return;
	}
	KUNIT_EXPECT_NULL_MSG(test, t->unreachable,
			      "in docs section 10, but fsm.c says: %s", t->unreachable);
	KUNIT_EXPECT_EQ_MSG(test, t->next, row->next, "next state: fsm.c %s, docs %s",
			    toy_doc_states[t->next], toy_doc_states[row->next]);
	KUNIT_EXPECT_EQ_MSG(test, t->actions, row->actions, "actions: fsm.c %#x, docs %#x",
			    t->actions, row->actions);
}

/*
 * toy_fsm_event() on a real socket: an impossible pair changes nothing and
 * is counted; a possible one is taken and counted.
 */
static void toy_fsm_event_counts(struct kunit *test)
{
	u64 never, taken;
	struct socket *sock;
	struct sock *sk;
	int err;

	err = sock_create_kern(&init_net, toy_family, SOCK_STREAM, 0, &sock);
	KUNIT_ASSERT_EQ(test, err, 0);
	sk = sock->sk;
	KUNIT_EXPECT_EQ(test, sk->sk_state, TCP_CLOSE);

	never = toy_fsm_hits(&init_net, TCP_CLOSE, TOY_EV_TIMEOUT);
	taken = toy_fsm_hits(&init_net, TCP_CLOSE, TOY_EV_CLOSE);
	lock_sock(sk);
	KUNIT_EXPECT_EQ(test, toy_fsm_event(sk, TOY_EV_TIMEOUT, NULL), -EPROTO);
	KUNIT_EXPECT_EQ(test, sk->sk_state, TCP_CLOSE);
	KUNIT_EXPECT_EQ(test, toy_fsm_event(sk, TOY_EV_CLOSE, NULL), 0);
	KUNIT_EXPECT_EQ(test, sk->sk_state, TCP_CLOSE);
	release_sock(sk);
	KUNIT_EXPECT_EQ(test, toy_fsm_hits(&init_net, TCP_CLOSE, TOY_EV_TIMEOUT), never + 1);
	KUNIT_EXPECT_EQ(test, toy_fsm_hits(&init_net, TCP_CLOSE, TOY_EV_CLOSE), taken + 1);

	/* Only the struct socket holds the unbound socket. */
	KUNIT_EXPECT_EQ(test, refcount_read(&sk->sk_refcnt), 1);
	sock_release(sock);
}

static struct kunit_case toy_fsm_test_cases[] = {
	KUNIT_CASE(toy_fsm_every_cell_defined),
	KUNIT_CASE(toy_fsm_doc_table_sane),
	KUNIT_CASE(toy_fsm_spot_checks),
	KUNIT_CASE_PARAM(toy_fsm_cell_matches_doc, toy_fsm_cell_gen),
	KUNIT_CASE(toy_fsm_event_counts),
	{}
};

static struct kunit_suite toy_fsm_test_suite = {
	.name = "toy_fsm",
	.test_cases = toy_fsm_test_cases,
};

kunit_test_suites(&toy_fsm_test_suite);
