// SPDX-License-Identifier: GPL-2.0
/*
 * The state table, cell by cell, against a fake peer (peer.h).
 *
 * The socket under test lives in network namespace toyfsm-a with
 * 10.77.0.1/24 on a veth. The peer owns 10.77.0.2, which no interface has:
 * it sends and receives raw Ethernet frames on the veth's other end, in
 * toyfsm-b, whose IP stack therefore never sees them. A permanent neighbour
 * entry in toyfsm-a saves ARP.
 *
 * Each variant is one (state, event) cell of docs/protocol.md section 10:
 * the peer drives the socket into the state, checking every segment on the
 * way, then the event is injected and the test asserts the segments the
 * module sends (flags, seq, ack), the state it ends in, the socket error,
 * the counters of /proc/net/toy_stat (exact: peer.c sees that no
 * other socket is in the namespace), and that /proc/net/toy_fsm counted
 * exactly this cell once.
 *
 * Retransmission timers are held at 3 s so that nothing is retransmitted
 * while a test runs, except in the TIMEOUT cells, which lower them to 50 ms
 * with one retry.
 */
#define _GNU_SOURCE
#include <sched.h>

#include "toy_test.h"
#include "states.h"
#include "peer.h"
#include "toy_harness.h"


#define PEER_PORT	7777
#define PEER_ISS	0xfffffff0U	/* our sequence numbers wrap */
#define RTO_SLOW	3000		/* ms: no retransmission during a test */
#define RTO_FAST	50		/* ms: TIMEOUT cells */
#define REPLY_MS	2000		/* wait for an expected segment */
#define QUIET_MS	150		/* "nothing else is sent" is watched for */
#define GONE_MS		6000		/* a TIMEOUT cell: RTO_SLOW + retries */
#define RTO_LISTEN	1000		/* ms: the SYN-RECEIVED TIMEOUT cell */
/*
 * TIME-WAIT and an orphan's FIN-WAIT-2 outlive a cell on the slowest
 * (debug) kernel; the teardown's RST ends them.
 */
#define TIMEWAIT_MS	20000

/* Events as /proc/net/toy_fsm names them (the ones a test can inject). */
enum ev {
	EV_CLOSE, EV_SHUTDOWN, EV_ABORT, EV_RCV_SYN, EV_RCV_SYNACK,
	EV_RCV_ACK, EV_RCV_FIN, EV_RCV_RST, EV_TIMEOUT,
};

static const char * const ev_names[] = {
	"CLOSE", "SHUTDOWN", "ABORT", "RCV_SYN", "RCV_SYNACK", "RCV_ACK",
	"RCV_FIN", "RCV_RST", "TIMEOUT",
};

/* RFC 9293's state names, as /proc/net/toy_fsm prints them (libtoy.c) */
#define st_name(state)	(toy_state_names(state)->rfc)

/* How often /proc/net/toy_fsm says the cell was taken; -1 if not found. */
static long long fsm_hits(int state, int ev)
{
	FILE *f = fopen("/proc/net/toy_fsm", "r");
	char line[512], s[32], e[32];
	long long hits = -1, h;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%31s %31s %*s %*s %lld", s, e, &h) == 3 &&
		    !strcmp(s, st_name(state)) && !strcmp(e, ev_names[ev]))
			hits = h;
	fclose(f);
	return hits;
}

/* Which socket the cell is about. */
enum sut { SUT_FD, SUT_CHILD, SUT_LISTENER };

#define MAX_SENT	16

FIXTURE(fsm) {
	struct toy_peer p;
	int ns_orig, ns_a;
	int fd, lfd, lport;
	enum sut sut;
	uint32_t m_iss, m_nxt;	/* the module's ISS and snd_nxt, from the wire */
	uint32_t p_nxt;		/* ours, i.e. the module's rcv_nxt */
	/* SYN, FIN and data segments seen, to tell retransmissions */
	struct { uint32_t seq; uint8_t flags; uint16_t len; } sent[MAX_SENT];
	int nsent;
	int rtx;		/* retransmissions seen */
	int segs;		/* segments received from the module */
	int timewait_ms;	/* the module's, to put back; -1: not changed */
};

FIXTURE_VARIANT(fsm) {
	int state;
	enum ev ev;
};

FIXTURE_SETUP(fsm)
{
	self->fd = self->lfd = -1;
	self->timewait_ms = toy_set_timewait_ms(TIMEWAIT_MS);
	ASSERT_LE(0, self->timewait_ms) TH_LOG("timewait_ms: %s", strerror(errno));
	PEER_CASE_SETUP(self, PEER_PORT);
}

static int sut_state(FIXTURE_DATA(fsm) *self);

FIXTURE_TEARDOWN(fsm)
{
	int st, rst = 0;

	/* Reset what is left, as a peer would: accepted in every state. */
	st = sut_state(self);
	if (self->p.fd >= 0 && st == TOY_ST_SYN_SENT)
		rst = !peer_send(&self->p, 0, self->m_nxt,
				 TOYHDR_RST | TOYHDR_ACK, NULL, 0);
	else if (self->p.fd >= 0 && st != TOY_ST_CLOSE && st != TOY_ST_LISTEN)
		rst = !peer_send(&self->p, self->p_nxt, self->m_nxt,
				 TOYHDR_RST | TOYHDR_ACK, NULL, 0);
	if (rst)
		toy_wait_gone(self->lport, PEER_PORT, 2000);
	/* A socket the RST missed goes away with an abort. */
	peer_case_close(&self->p, &self->fd, &self->lfd, self->ns_orig,
			self->ns_a);
	if (self->timewait_ms >= 0)
		toy_set_timewait_ms(self->timewait_ms);
}

/* ---- segments ------------------------------------------------------------ */

static int sent_find(FIXTURE_DATA(fsm) *self, const struct toy_seg *s)
{
	int i;

	for (i = 0; i < self->nsent; i++)
		if (self->sent[i].seq == s->seq && self->sent[i].len == s->len &&
		    self->sent[i].flags == (s->flags & (TOYHDR_SYN | TOYHDR_FIN)))
			return 1;
	return 0;
}

static void sent_add(FIXTURE_DATA(fsm) *self, const struct toy_seg *s)
{
	if (!(s->flags & (TOYHDR_SYN | TOYHDR_FIN)) && !s->len)
		return;	/* bare ACKs and RSTs are never retransmitted */
	if (sent_find(self, s) || self->nsent == MAX_SENT)
		return;
	self->sent[self->nsent].seq = s->seq;
	self->sent[self->nsent].len = s->len;
	self->sent[self->nsent].flags = s->flags & (TOYHDR_SYN | TOYHDR_FIN);
	self->nsent++;
}

static int is_rtx(FIXTURE_DATA(fsm) *self, const struct toy_seg *s)
{
	return ((s->flags & (TOYHDR_SYN | TOYHDR_FIN)) || s->len) &&
	       !(s->flags & TOYHDR_RST) && sent_find(self, s);
}

static const char *fl(int flags)
{
	static char buf[4][32];
	static int i;

	i = (i + 1) % 4;
	return peer_flags(flags, buf[i], sizeof(buf[i]));
}

/*
 * The next segment must be flags/seq/ack with len payload bytes. A
 * retransmission of an earlier SYN, FIN or data segment that is not the
 * one expected is counted in self->rtx and skipped.
 */
static void expect_seg(struct __test_metadata *_metadata,
		       FIXTURE_DATA(fsm) *self, int flags, uint32_t seq,
		       uint32_t ack, uint16_t len, struct toy_seg *out)
{
	struct toy_seg s;
	int r;

	for (;;) {
		r = peer_recv(&self->p, &s, REPLY_MS);
		ASSERT_EQ(1, r) TH_LOG("expected %s seq=%u ack=%u len=%u: %s",
				       fl(flags), seq, ack, len,
				       r ? strerror(errno) : "nothing came");
		self->segs++;
		if (s.flags == flags && s.seq == seq && s.ack == ack &&
		    s.len == len)
			break;
		if (is_rtx(self, &s)) {
			self->rtx++;
			continue;
		}
		ASSERT_TRUE(0) TH_LOG("expected %s seq=%u ack=%u len=%u, got %s seq=%u ack=%u len=%u",
				      fl(flags), seq, ack, len, fl(s.flags),
				      s.seq, s.ack, s.len);
	}
	/* RFC-style details of section 3 and 11.1 */
	EXPECT_EQ(0, s.flags & TOYHDR_ACK ? 0 : (int)s.ack);
	if ((flags & TOYHDR_RST) && !(flags & TOYHDR_ACK)) {
		EXPECT_EQ(0U, s.window);	/* an RST in reply has window 0 */
	} else if (!(flags & TOYHDR_RST)) {
		EXPECT_LT(0U, s.window);
	}
	sent_add(self, &s);
	if (out)
		*out = s;
}

/* Nothing but retransmissions (counted) for ms. */
static void expect_quiet(struct __test_metadata *_metadata,
			 FIXTURE_DATA(fsm) *self, int ms)
{
	long end = toy_now_ms() + ms;
	struct toy_seg s;

	for (;;) {
		long left = end - toy_now_ms();

		if (left <= 0 || peer_recv(&self->p, &s, left) != 1)
			return;
		self->segs++;
		if (is_rtx(self, &s)) {
			self->rtx++;
			continue;
		}
		ASSERT_TRUE(0) TH_LOG("unexpected %s seq=%u ack=%u len=%u",
				      fl(s.flags), s.seq, s.ack, s.len);
	}
}

static void psend(struct __test_metadata *_metadata, FIXTURE_DATA(fsm) *self,
		  uint32_t seq, uint32_t ack, int flags)
{
	ASSERT_EQ(0, peer_send(&self->p, seq, ack, flags, NULL, 0))
		TH_LOG("peer send: %s", strerror(errno));
}

/* ---- the socket under test ----------------------------------------------- */

/* Its state: TOY_INFO while we hold it, else /proc/net/toy; CLOSE if gone. */
static int sut_state(FIXTURE_DATA(fsm) *self)
{
	struct toy_info ti;
	struct toy_row r;

	if (self->sut == SUT_FD && self->fd >= 0 && !toy_get_info(self->fd, &ti))
		return ti.state;
	if (self->lport <= 0)
		return TOY_ST_CLOSE;
	if (toy_find(self->lport, self->sut == SUT_LISTENER ? 0 : PEER_PORT,
		     &r) == 1)
		return r.state;
	return TOY_ST_CLOSE;
}

static void expect_state(struct __test_metadata *_metadata,
			 FIXTURE_DATA(fsm) *self, int state)
{
	long end = toy_now_ms() + REPLY_MS;
	int st;

	/* a state reached without a segment back may take a moment */
	while ((st = sut_state(self)) != state && toy_now_ms() < end)
		toy_sleep_ms(5);
	ASSERT_EQ(state, st) TH_LOG("state %s, expected %s", st_name(st),
				    st_name(state));
}

static int so_error(int fd)
{
	socklen_t len = sizeof(int);
	int err = -1;

	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len))
		return -1;
	return err;
}

static void set_rto(struct __test_metadata *_metadata, int fd, int ms)
{
	/* RTO_MIN first when lowering it, RTO_MAX first when raising it. */
	if (ms <= toy_get_int(fd, SOL_TOY, TOY_RTO_MIN)) {
		ASSERT_EQ(0, toy_set_int(fd, SOL_TOY, TOY_RTO_MIN, ms));
		ASSERT_EQ(0, toy_set_int(fd, SOL_TOY, TOY_RTO_MAX, ms));
	} else {
		ASSERT_EQ(0, toy_set_int(fd, SOL_TOY, TOY_RTO_MAX, ms));
		ASSERT_EQ(0, toy_set_int(fd, SOL_TOY, TOY_RTO_MIN, ms));
	}
}

static void listener(struct __test_metadata *_metadata, FIXTURE_DATA(fsm) *self,
		     int fast)
{
	self->lfd = toy_listener(inet_addr(ADDR_A), 8, &self->lport);
	ASSERT_LE(0, self->lfd);
	set_rto(_metadata, self->lfd, fast ? RTO_LISTEN : RTO_SLOW);
	if (fast)
		ASSERT_EQ(0, toy_set_int(self->lfd, SOL_TOY, TOY_SYN_RETRIES, 1));
	self->p.dport = self->lport;
}

/*
 * Drives the socket under test into state, checking every segment: an
 * active open for everything but LISTEN and SYN-RECEIVED (a child of a
 * listener), then shutdown(SHUT_WR) and the peer's FIN as needed.
 */
static void drive(struct __test_metadata *_metadata, FIXTURE_DATA(fsm) *self,
		  int state, enum ev ev)
{
	struct toy_seg s;
	struct sockaddr_toy sa;
	char c;

	if (state == TOY_ST_LISTEN || state == TOY_ST_SYN_RECV) {
		self->sut = state == TOY_ST_LISTEN ? SUT_LISTENER : SUT_CHILD;
		listener(_metadata, self, ev == EV_TIMEOUT);
		if (state == TOY_ST_LISTEN)
			return;
		psend(_metadata, self, PEER_ISS, 0, TOYHDR_SYN);
		ASSERT_EQ(1, peer_recv(&self->p, &s, REPLY_MS)) TH_LOG("no SYN|ACK");
		self->segs++;
		ASSERT_EQ(TOYHDR_SYN | TOYHDR_ACK, s.flags);
		ASSERT_EQ(PEER_ISS + 1, s.ack);
		ASSERT_EQ(0, s.len);
		sent_add(self, &s);
		self->m_iss = s.seq;
		self->m_nxt = s.seq + 1;
		self->p_nxt = PEER_ISS + 1;
		expect_state(_metadata, self, TOY_ST_SYN_RECV);
		return;
	}

	self->sut = SUT_FD;
	self->fd = toy_socket_flags(SOCK_NONBLOCK);
	ASSERT_LE(0, self->fd);
	set_rto(_metadata, self->fd, RTO_SLOW);
	sa = toy_sa(inet_addr(ADDR_B), PEER_PORT);
	ASSERT_EQ(-1, connect(self->fd, (struct sockaddr *)&sa, sizeof(sa)));
	ASSERT_EQ(EINPROGRESS, errno);
	self->lport = toy_local_port(self->fd);
	ASSERT_LT(0, self->lport);
	self->p.dport = self->lport;
	ASSERT_EQ(1, peer_recv(&self->p, &s, REPLY_MS)) TH_LOG("no SYN");
	self->segs++;
	ASSERT_EQ(TOYHDR_SYN | TOYHDR_SACKOK, s.flags);
	ASSERT_EQ(0U, s.ack);
	ASSERT_EQ(0, s.len);
	sent_add(self, &s);
	self->m_iss = s.seq;
	self->m_nxt = s.seq + 1;
	expect_state(_metadata, self, TOY_ST_SYN_SENT);
	if (state == TOY_ST_SYN_SENT)
		return;

	psend(_metadata, self, PEER_ISS, self->m_nxt, TOYHDR_SYN | TOYHDR_ACK);
	self->p_nxt = PEER_ISS + 1;
	expect_seg(_metadata, self, TOYHDR_ACK, self->m_nxt, self->p_nxt, 0, NULL);
	ASSERT_EQ(POLLOUT, toy_poll(self->fd, POLLOUT, REPLY_MS) & POLLOUT);
	ASSERT_EQ(0, so_error(self->fd));
	expect_state(_metadata, self, TOY_ST_ESTABLISHED);
	if (state == TOY_ST_ESTABLISHED)
		return;

	if (state == TOY_ST_CLOSE_WAIT || state == TOY_ST_LAST_ACK) {
		psend(_metadata, self, self->p_nxt, self->m_nxt, TOYHDR_FIN | TOYHDR_ACK);
		self->p_nxt++;
		expect_seg(_metadata, self, TOYHDR_ACK, self->m_nxt, self->p_nxt, 0, NULL);
		expect_state(_metadata, self, TOY_ST_CLOSE_WAIT);
		ASSERT_EQ(0, recv(self->fd, &c, 1, 0));	/* EOF */
		if (state == TOY_ST_CLOSE_WAIT)
			return;
		ASSERT_EQ(0, shutdown(self->fd, SHUT_WR));
		expect_seg(_metadata, self, TOYHDR_FIN | TOYHDR_ACK, self->m_nxt,
			   self->p_nxt, 0, NULL);
		self->m_nxt++;
		expect_state(_metadata, self, TOY_ST_LAST_ACK);
		return;
	}

	ASSERT_EQ(0, shutdown(self->fd, SHUT_WR));
	expect_seg(_metadata, self, TOYHDR_FIN | TOYHDR_ACK, self->m_nxt,
		   self->p_nxt, 0, NULL);
	self->m_nxt++;
	expect_state(_metadata, self, TOY_ST_FIN_WAIT1);
	if (state == TOY_ST_FIN_WAIT1)
		return;
	if (state == TOY_ST_CLOSING) {
		/* our FIN crosses the peer's, which does not acknowledge it */
		psend(_metadata, self, self->p_nxt, self->m_nxt - 1,
		      TOYHDR_FIN | TOYHDR_ACK);
		self->p_nxt++;
		expect_seg(_metadata, self, TOYHDR_ACK, self->m_nxt, self->p_nxt, 0, NULL);
		expect_state(_metadata, self, TOY_ST_CLOSING);
		return;
	}
	psend(_metadata, self, self->p_nxt, self->m_nxt, TOYHDR_ACK);
	expect_state(_metadata, self, TOY_ST_FIN_WAIT2);
	if (state == TOY_ST_FIN_WAIT2)
		return;
	psend(_metadata, self, self->p_nxt, self->m_nxt, TOYHDR_FIN | TOYHDR_ACK);
	self->p_nxt++;
	expect_seg(_metadata, self, TOYHDR_ACK, self->m_nxt, self->p_nxt, 0, NULL);
	expect_state(_metadata, self, TOY_ST_TIME_WAIT);
}

/* ---- events ------------------------------------------------------------- */

static int synchronized(int st)
{
	return st != TOY_ST_LISTEN && st != TOY_ST_SYN_SENT &&
	       st != TOY_ST_SYN_RECV && st != TOY_ST_CLOSE;
}

/* The error an accepted RST leaves (section 11.2). */
static int rst_error(int st)
{
	switch (st) {
	case TOY_ST_SYN_SENT:
		return ECONNREFUSED;
	case TOY_ST_ESTABLISHED:
	case TOY_ST_FIN_WAIT1:
	case TOY_ST_FIN_WAIT2:
		return ECONNRESET;
	case TOY_ST_CLOSE_WAIT:
		return EPIPE;
	}
	return 0;
}

/* The ACK every synchronized state answers with: seq=snd_nxt ack=rcv_nxt. */
static void expect_ack(struct __test_metadata *_metadata, FIXTURE_DATA(fsm) *self)
{
	expect_seg(_metadata, self, TOYHDR_ACK, self->m_nxt, self->p_nxt, 0, NULL);
}

/*
 * Injects ev in state st and checks the segments sent; returns the state
 * the socket must be in afterwards and sets *err to the socket error it
 * must report (-1: not checked, the file is closed).
 */
static int inject(struct __test_metadata *_metadata, FIXTURE_DATA(fsm) *self,
		  int st, enum ev ev, int *err)
{
	struct linger lg = { 1, 0 };
	int next = st;

	*err = self->fd >= 0 ? 0 : -1;
	switch (ev) {
	case EV_CLOSE:
		if (st == TOY_ST_LISTEN) {
			toy_close(&self->lfd);
			return TOY_ST_CLOSE;
		}
		toy_close(&self->fd);
		*err = -1;
		if (st == TOY_ST_SYN_SENT)
			return TOY_ST_CLOSE;
		if (st == TOY_ST_ESTABLISHED || st == TOY_ST_CLOSE_WAIT) {
			expect_seg(_metadata, self, TOYHDR_FIN | TOYHDR_ACK,
				   self->m_nxt++, self->p_nxt, 0, NULL);
			return st == TOY_ST_ESTABLISHED ? TOY_ST_FIN_WAIT1 :
							  TOY_ST_LAST_ACK;
		}
		return st;	/* an orphan, until its peer or timer ends it */

	case EV_SHUTDOWN:
		if (st == TOY_ST_LISTEN) {
			ASSERT_EQ(0, shutdown(self->lfd, SHUT_WR));
			return st;
		}
		ASSERT_EQ(0, shutdown(self->fd, SHUT_WR));
		if (st == TOY_ST_SYN_SENT)
			return TOY_ST_CLOSE;
		if (st == TOY_ST_ESTABLISHED || st == TOY_ST_CLOSE_WAIT) {
			expect_seg(_metadata, self, TOYHDR_FIN | TOYHDR_ACK,
				   self->m_nxt++, self->p_nxt, 0, NULL);
			return st == TOY_ST_ESTABLISHED ? TOY_ST_FIN_WAIT1 :
							  TOY_ST_LAST_ACK;
		}
		return st;

	case EV_ABORT:
		*err = -1;
		if (st == TOY_ST_SYN_RECV) {
			toy_close(&self->lfd);	/* resets its queued children */
		} else {
			ASSERT_EQ(0, setsockopt(self->fd, SOL_SOCKET, SO_LINGER,
						&lg, sizeof(lg)));
			toy_close(&self->fd);
		}
		/* section 11.1 case 3; SYN-SENT and the later states send nothing */
		if (st == TOY_ST_SYN_RECV || st == TOY_ST_ESTABLISHED ||
		    st == TOY_ST_FIN_WAIT1 || st == TOY_ST_FIN_WAIT2 ||
		    st == TOY_ST_CLOSE_WAIT)
			expect_seg(_metadata, self, TOYHDR_RST | TOYHDR_ACK,
				   self->m_nxt, self->p_nxt, 0, NULL);
		return TOY_ST_CLOSE;

	case EV_RCV_SYN:
		if (st == TOY_ST_LISTEN) {	/* a new child answers */
			struct toy_seg s;

			psend(_metadata, self, PEER_ISS, 0, TOYHDR_SYN);
			ASSERT_EQ(1, peer_recv(&self->p, &s, REPLY_MS));
			self->segs++;
			EXPECT_EQ(TOYHDR_SYN | TOYHDR_ACK, s.flags);
			EXPECT_EQ(PEER_ISS + 1, s.ack);
			EXPECT_EQ(0, s.len);
			EXPECT_LT(0U, s.window);
			sent_add(self, &s);
			EXPECT_EQ(1, toy_count(self->lport, PEER_PORT, TOY_ST_SYN_RECV));
			return st;
		}
		psend(_metadata, self, PEER_ISS, 0, TOYHDR_SYN);
		if (st == TOY_ST_SYN_RECV)	/* our SYN|ACK was lost */
			expect_seg(_metadata, self, TOYHDR_SYN | TOYHDR_ACK,
				   self->m_iss, PEER_ISS + 1, 0, NULL);
		else if (synchronized(st))	/* RFC 5961 challenge ACK */
			expect_ack(_metadata, self);
		return st;			/* SYN-SENT: ignored */

	case EV_RCV_SYNACK:
		if (st == TOY_ST_LISTEN) {
			psend(_metadata, self, PEER_ISS, 0x12345678, TOYHDR_SYN | TOYHDR_ACK);
			expect_seg(_metadata, self, TOYHDR_RST, 0x12345678, 0, 0, NULL);
			return st;
		}
		psend(_metadata, self, PEER_ISS, self->m_nxt, TOYHDR_SYN | TOYHDR_ACK);
		if (st == TOY_ST_SYN_SENT) {
			self->p_nxt = PEER_ISS + 1;
			expect_ack(_metadata, self);
			return TOY_ST_ESTABLISHED;
		}
		if (st == TOY_ST_SYN_RECV)
			expect_seg(_metadata, self, TOYHDR_RST, self->m_nxt, 0, 0, NULL);
		else
			expect_ack(_metadata, self);
		return st;

	case EV_RCV_ACK:
		if (st == TOY_ST_LISTEN) {
			psend(_metadata, self, PEER_ISS, 0x12345678, TOYHDR_ACK);
			expect_seg(_metadata, self, TOYHDR_RST, 0x12345678, 0, 0, NULL);
			return st;
		}
		if (st == TOY_ST_SYN_SENT) {
			/* acknowledges our SYN but has no SYN: dropped */
			psend(_metadata, self, PEER_ISS + 1, self->m_nxt, TOYHDR_ACK);
			return st;
		}
		psend(_metadata, self, self->p_nxt, self->m_nxt, TOYHDR_ACK);
		switch (st) {
		case TOY_ST_SYN_RECV:
			next = TOY_ST_ESTABLISHED;
			break;
		case TOY_ST_FIN_WAIT1:
			next = TOY_ST_FIN_WAIT2;
			break;
		case TOY_ST_CLOSING:
			next = TOY_ST_TIME_WAIT;
			break;
		case TOY_ST_LAST_ACK:
			next = TOY_ST_CLOSE;
			break;
		}
		return next;

	case EV_RCV_FIN:
		if (st == TOY_ST_ESTABLISHED || st == TOY_ST_FIN_WAIT2 ||
		    st == TOY_ST_FIN_WAIT1) {
			/* in FIN-WAIT-1 the FIN does not acknowledge ours */
			psend(_metadata, self, self->p_nxt,
			      self->m_nxt - (st == TOY_ST_FIN_WAIT1),
			      TOYHDR_FIN | TOYHDR_ACK);
			self->p_nxt++;
			expect_ack(_metadata, self);
			return st == TOY_ST_ESTABLISHED ? TOY_ST_CLOSE_WAIT :
			       st == TOY_ST_FIN_WAIT2 ? TOY_ST_TIME_WAIT :
							TOY_ST_CLOSING;
		}
		/* the peer's FIN again: our ACK of it was lost */
		psend(_metadata, self, self->p_nxt - 1, self->m_nxt,
		      TOYHDR_FIN | TOYHDR_ACK);
		expect_ack(_metadata, self);
		return st;

	case EV_RCV_RST:
		if (st == TOY_ST_LISTEN) {
			psend(_metadata, self, PEER_ISS, 0, TOYHDR_RST);
			return st;
		}
		if (st == TOY_ST_SYN_SENT)
			psend(_metadata, self, 0, self->m_nxt, TOYHDR_RST | TOYHDR_ACK);
		else
			psend(_metadata, self, self->p_nxt, self->m_nxt,
			      TOYHDR_RST | TOYHDR_ACK);
		if (self->fd >= 0)
			*err = rst_error(st);
		return TOY_ST_CLOSE;

	case EV_TIMEOUT:
		/*
		 * One retry, 50 ms. A SYN or FIN already out is retransmitted
		 * when its 3 s timer fires, then times out 50 ms later; data
		 * goes out now. SYN-RECEIVED: the listener was set up so.
		 */
		if (self->fd >= 0) {
			ASSERT_EQ(0, toy_set_int(self->fd, SOL_TOY,
						 st == TOY_ST_SYN_SENT ? TOY_SYN_RETRIES :
						 TOY_RETRIES, 1));
			set_rto(_metadata, self->fd, RTO_FAST);
		}
		if (st == TOY_ST_ESTABLISHED || st == TOY_ST_CLOSE_WAIT) {
			ASSERT_EQ(8, send(self->fd, "timeout!", 8, MSG_NOSIGNAL));
			expect_seg(_metadata, self, TOYHDR_ACK, self->m_nxt,
				   self->p_nxt, 8, NULL);
		}
		{
			long end = toy_now_ms() + GONE_MS;

			while (sut_state(self) != TOY_ST_CLOSE &&
			       toy_now_ms() < end)
				expect_quiet(_metadata, self, 20);
		}
		if (self->fd >= 0)
			*err = ETIMEDOUT;
		return TOY_ST_CLOSE;
	}
	return next;
}

TEST_F(fsm, cell)
{
	int st = variant->state, next, err;
	struct toy_stats s0, s1;
	long long h0, h1;

	/*
	 * The counters cover the drive too: a segment sent while the drive
	 * ends but seen only after it is still counted on both sides.
	 */
	ASSERT_EQ(0, toy_stats_read(&s0));
	drive(_metadata, self, st, variant->ev);
	/* a slow kernel may see the SYN-RECEIVED cell's timer fire early */
	if (variant->ev != EV_TIMEOUT || st != TOY_ST_SYN_RECV)
		ASSERT_EQ(0, self->rtx) TH_LOG("retransmissions while driving");
	ASSERT_EQ(st, sut_state(self));
	h0 = fsm_hits(st, variant->ev);
	ASSERT_LE(0, h0);

	next = inject(_metadata, self, st, variant->ev, &err);
	/* TIME-WAIT and an orphan's FIN-WAIT-2 last TIMEWAIT_MS */
	expect_state(_metadata, self, next);
	expect_quiet(_metadata, self, QUIET_MS);
	if (err >= 0)
		EXPECT_EQ(err, so_error(self->fd));

	h1 = fsm_hits(st, variant->ev);
	EXPECT_EQ(h0 + 1, h1) TH_LOG("%s/%s counted %lld times", st_name(st),
				     ev_names[variant->ev], h1 - h0);
	EXPECT_EQ(0U, self->p.bad) TH_LOG("invalid segment (section 4 rule %u)",
					  self->p.bad_rule);
	ASSERT_EQ(0, toy_stats_read(&s1));
	/* every segment the module sent, we saw: nothing else went out */
	EXPECT_EQ(self->segs, toy_stats_delta(&s0, &s1, "OutSegs"));
	EXPECT_EQ(self->rtx, toy_stats_delta(&s0, &s1, "RetransSegs"));
	if (variant->ev == EV_TIMEOUT) {
		EXPECT_EQ(1, self->rtx);	/* TOY_*RETRIES = 1 */
		EXPECT_EQ(1, toy_stats_delta(&s0, &s1, "Timeouts"));
	} else {
		EXPECT_EQ(0, self->rtx);
	}
	/* section 10, side effects of entering CLOSED */
	EXPECT_EQ(next == TOY_ST_CLOSE && (st == TOY_ST_ESTABLISHED ||
					   st == TOY_ST_CLOSE_WAIT),
		  toy_stats_delta(&s0, &s1, "EstabResets"));
	EXPECT_EQ(next == TOY_ST_CLOSE && st != TOY_ST_LISTEN &&
		  (st == TOY_ST_SYN_SENT || st == TOY_ST_SYN_RECV),
		  toy_stats_delta(&s0, &s1, "AttemptFails"));
}

#define CELL(name, st, ev) \
	FIXTURE_VARIANT_ADD(fsm, name) { TOY_ST_##st, EV_##ev }

CELL(listen_close, LISTEN, CLOSE);
CELL(listen_shutdown, LISTEN, SHUTDOWN);
CELL(listen_rcv_syn, LISTEN, RCV_SYN);
CELL(listen_rcv_synack, LISTEN, RCV_SYNACK);
CELL(listen_rcv_ack, LISTEN, RCV_ACK);
CELL(listen_rcv_rst, LISTEN, RCV_RST);

CELL(syn_sent_close, SYN_SENT, CLOSE);
CELL(syn_sent_shutdown, SYN_SENT, SHUTDOWN);
CELL(syn_sent_abort, SYN_SENT, ABORT);
CELL(syn_sent_rcv_syn, SYN_SENT, RCV_SYN);
CELL(syn_sent_rcv_synack, SYN_SENT, RCV_SYNACK);
CELL(syn_sent_rcv_ack, SYN_SENT, RCV_ACK);
CELL(syn_sent_rcv_rst, SYN_SENT, RCV_RST);
CELL(syn_sent_timeout, SYN_SENT, TIMEOUT);

CELL(syn_recv_abort, SYN_RECV, ABORT);
CELL(syn_recv_rcv_syn, SYN_RECV, RCV_SYN);
CELL(syn_recv_rcv_synack, SYN_RECV, RCV_SYNACK);
CELL(syn_recv_rcv_ack, SYN_RECV, RCV_ACK);
CELL(syn_recv_rcv_rst, SYN_RECV, RCV_RST);
CELL(syn_recv_timeout, SYN_RECV, TIMEOUT);

CELL(established_close, ESTABLISHED, CLOSE);
CELL(established_shutdown, ESTABLISHED, SHUTDOWN);
CELL(established_abort, ESTABLISHED, ABORT);
CELL(established_rcv_syn, ESTABLISHED, RCV_SYN);
CELL(established_rcv_synack, ESTABLISHED, RCV_SYNACK);
CELL(established_rcv_fin, ESTABLISHED, RCV_FIN);
CELL(established_rcv_rst, ESTABLISHED, RCV_RST);
CELL(established_timeout, ESTABLISHED, TIMEOUT);

CELL(fin_wait1_close, FIN_WAIT1, CLOSE);
CELL(fin_wait1_shutdown, FIN_WAIT1, SHUTDOWN);
CELL(fin_wait1_abort, FIN_WAIT1, ABORT);
CELL(fin_wait1_rcv_syn, FIN_WAIT1, RCV_SYN);
CELL(fin_wait1_rcv_synack, FIN_WAIT1, RCV_SYNACK);
CELL(fin_wait1_rcv_ack, FIN_WAIT1, RCV_ACK);
CELL(fin_wait1_rcv_fin, FIN_WAIT1, RCV_FIN);
CELL(fin_wait1_rcv_rst, FIN_WAIT1, RCV_RST);
CELL(fin_wait1_timeout, FIN_WAIT1, TIMEOUT);

CELL(fin_wait2_close, FIN_WAIT2, CLOSE);
CELL(fin_wait2_shutdown, FIN_WAIT2, SHUTDOWN);
CELL(fin_wait2_abort, FIN_WAIT2, ABORT);
CELL(fin_wait2_rcv_syn, FIN_WAIT2, RCV_SYN);
CELL(fin_wait2_rcv_synack, FIN_WAIT2, RCV_SYNACK);
CELL(fin_wait2_rcv_fin, FIN_WAIT2, RCV_FIN);
CELL(fin_wait2_rcv_rst, FIN_WAIT2, RCV_RST);

CELL(time_wait_close, TIME_WAIT, CLOSE);
CELL(time_wait_shutdown, TIME_WAIT, SHUTDOWN);
CELL(time_wait_abort, TIME_WAIT, ABORT);
CELL(time_wait_rcv_syn, TIME_WAIT, RCV_SYN);
CELL(time_wait_rcv_synack, TIME_WAIT, RCV_SYNACK);
CELL(time_wait_rcv_fin, TIME_WAIT, RCV_FIN);
CELL(time_wait_rcv_rst, TIME_WAIT, RCV_RST);

CELL(close_wait_close, CLOSE_WAIT, CLOSE);
CELL(close_wait_shutdown, CLOSE_WAIT, SHUTDOWN);
CELL(close_wait_abort, CLOSE_WAIT, ABORT);
CELL(close_wait_rcv_syn, CLOSE_WAIT, RCV_SYN);
CELL(close_wait_rcv_synack, CLOSE_WAIT, RCV_SYNACK);
CELL(close_wait_rcv_fin, CLOSE_WAIT, RCV_FIN);
CELL(close_wait_rcv_rst, CLOSE_WAIT, RCV_RST);
CELL(close_wait_timeout, CLOSE_WAIT, TIMEOUT);

CELL(last_ack_close, LAST_ACK, CLOSE);
CELL(last_ack_shutdown, LAST_ACK, SHUTDOWN);
CELL(last_ack_abort, LAST_ACK, ABORT);
CELL(last_ack_rcv_syn, LAST_ACK, RCV_SYN);
CELL(last_ack_rcv_synack, LAST_ACK, RCV_SYNACK);
CELL(last_ack_rcv_ack, LAST_ACK, RCV_ACK);
CELL(last_ack_rcv_fin, LAST_ACK, RCV_FIN);
CELL(last_ack_rcv_rst, LAST_ACK, RCV_RST);
CELL(last_ack_timeout, LAST_ACK, TIMEOUT);

CELL(closing_close, CLOSING, CLOSE);
CELL(closing_shutdown, CLOSING, SHUTDOWN);
CELL(closing_abort, CLOSING, ABORT);
CELL(closing_rcv_syn, CLOSING, RCV_SYN);
CELL(closing_rcv_synack, CLOSING, RCV_SYNACK);
CELL(closing_rcv_ack, CLOSING, RCV_ACK);
CELL(closing_rcv_fin, CLOSING, RCV_FIN);
CELL(closing_rcv_rst, CLOSING, RCV_RST);
CELL(closing_timeout, CLOSING, TIMEOUT);

TEST_HARNESS_MAIN
