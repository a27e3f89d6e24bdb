// SPDX-License-Identifier: GPL-2.0
/*
 * Delayed ACKs on the wire, against the fake peer of peer.h (the network
 * of toy_fsm.c): the peer sends the module data and reads its every ACK.
 *
 * The first TOY_QUICKACKS (16) in-order segments of a connection are each
 * ACKed at once. After them an ACK waits, at most the delayed-ACK timer's
 * 40 ms (DelayedACKs counts its expiries), for a second full-sized
 * segment, which is ACKed at once; data that fills a hole and data the
 * module already had are ACKed at once; and a reply carries the ACK of
 * its request, so request/response costs no extra segment.
 *
 * Whether the timer fired is read from DelayedACKs, never from the clock:
 * a case whose two segments the emulated host happened to space more
 * than 40 ms apart is tried again (TRIES), and fails only if it never
 * sees them close together.
 */
#include "toy_test.h"
#include "peer.h"
#include "toy_harness.h"

#define PEER_PORT	7781
#define PEER_ISS	0x10000000U
#define RTO_SLOW	3000
#define REPLY_MS	2000
#define QUICKACKS	16	/* TOY_QUICKACKS */
#define FULL		1000	/* the peer's full-sized segment */
#define TRIES		5

FIXTURE(delack) {
	struct toy_peer p;
	int ns_orig, ns_a;
	int fd, lfd;
	uint32_t m_nxt;		/* the module's next sequence number */
	uint32_t p_nxt;		/* ours */
	char buf[FULL];
};

FIXTURE_SETUP(delack)
{
	struct peer_open o;
	const char *why = "";
	int err;

	self->fd = self->lfd = -1;
	PEER_CASE_SETUP(self, PEER_PORT);
	self->p.window = 1 << 20;
	err = peer_passive(&self->p, PEER_ISS, TOYHDR_SACKOK, RTO_SLOW,
			   REPLY_MS, &o, &why);
	self->lfd = o.lfd;
	self->fd = o.fd;
	ASSERT_EQ(0, err) TH_LOG("passive open: %s: %s", why, strerror(errno));
	self->m_nxt = o.m_nxt;
	self->p_nxt = o.p_nxt;
	ASSERT_EQ(0, toy_set_timeouts(self->fd, TOY_WAIT_MS));
	memset(self->buf, 'd', sizeof(self->buf));
}

FIXTURE_TEARDOWN(delack)
{
	peer_case_close(&self->p, &self->fd, &self->lfd, self->ns_orig,
			self->ns_a);
}

/* @len bytes at @seq, past whatever the peer sent before. */
static int send_at(FIXTURE_DATA(delack) *self, uint32_t seq, size_t len)
{
	return peer_send(&self->p, seq, self->m_nxt, TOYHDR_ACK, self->buf, len);
}

/* The next in-order @len bytes. */
static int send_next(FIXTURE_DATA(delack) *self, size_t len)
{
	int err = send_at(self, self->p_nxt, len);

	self->p_nxt += len;
	return err;
}

/* The module's next segment must be a pure ACK of @ack. */
static void expect_ack(struct __test_metadata *_metadata,
		       FIXTURE_DATA(delack) *self, uint32_t ack)
{
	struct toy_seg s;

	PEER_ASSERT_SEG(&self->p, &s, REPLY_MS);
	EXPECT_EQ(TOYHDR_ACK, s.flags);
	EXPECT_EQ(0U, s.len);
	EXPECT_EQ(ack, s.ack) TH_LOG("ACK of %u, expected %u", s.ack, ack);
}

/* The quick ACKs of a new connection, @len bytes each; none delayed. */
static void quick_phase(struct __test_metadata *_metadata,
			FIXTURE_DATA(delack) *self, size_t len)
{
	long long d0 = toy_stat("DelayedACKs");
	int i;

	ASSERT_LE(0, d0);
	for (i = 0; i < QUICKACKS; i++) {
		ASSERT_EQ(0, send_next(self, len));
		expect_ack(_metadata, self, self->p_nxt);
	}
	EXPECT_EQ(d0, toy_stat("DelayedACKs"));
}

/* Reads @len bytes the peer sent, so the window stays open. */
static void drain(struct __test_metadata *_metadata,
		  FIXTURE_DATA(delack) *self, size_t len)
{
	char *got = malloc(len);

	ASSERT_NE(NULL, got);
	EXPECT_EQ((ssize_t)len, toy_recv_all(self->fd, got, len));
	free(got);
}

/* Sixteen ACKs at once, then one the timer sends. */
TEST_F(delack, quick_then_delayed)
{
	long long d0;

	quick_phase(_metadata, self, 100);
	d0 = toy_stat("DelayedACKs");
	ASSERT_EQ(0, send_next(self, 100));
	expect_ack(_metadata, self, self->p_nxt);
	EXPECT_EQ(d0 + 1, toy_stat("DelayedACKs"))
		TH_LOG("the 17th segment's ACK was not the timer's");
	drain(_metadata, self, QUICKACKS * 100 + 100);
}

/* A second full-sized segment is ACKed at once, with the first. */
TEST_F(delack, every_second_full_segment)
{
	int i;

	quick_phase(_metadata, self, FULL);
	for (i = 0; i < TRIES; i++) {
		long long d0 = toy_stat("DelayedACKs");
		uint32_t first = self->p_nxt;
		struct toy_seg s;

		ASSERT_EQ(0, send_next(self, FULL));
		ASSERT_EQ(0, send_next(self, FULL));
		PEER_ASSERT_SEG(&self->p, &s, REPLY_MS);
		if (toy_stat("DelayedACKs") == d0) {
			/* no timer: one ACK for both */
			EXPECT_EQ(self->p_nxt, s.ack);
			EXPECT_EQ(0U, s.len);
			break;
		}
		/* the first waited its 40 ms before the second came: again */
		TH_LOG("try %d: segments more than 40 ms apart", i + 1);
		if (s.ack == first + FULL)
			expect_ack(_metadata, self, self->p_nxt);
	}
	ASSERT_GT(TRIES, i);
	drain(_metadata, self, (QUICKACKS + 2 * (i + 1)) * FULL);
}

/* Out of order: a duplicate ACK at once; the segment that fills the hole too. */
TEST_F(delack, hole_filled_at_once)
{
	long long d0;
	uint32_t hole;

	quick_phase(_metadata, self, 100);
	d0 = toy_stat("DelayedACKs");
	hole = self->p_nxt;
	ASSERT_EQ(0, send_at(self, hole + 100, 100));
	expect_ack(_metadata, self, hole);
	ASSERT_EQ(0, send_next(self, 100));
	self->p_nxt += 100;
	expect_ack(_metadata, self, self->p_nxt);
	EXPECT_EQ(d0, toy_stat("DelayedACKs"));
	drain(_metadata, self, QUICKACKS * 100 + 200);
}

/* Data the module already has: ACKed at once (with its D-SACK). */
TEST_F(delack, duplicate_at_once)
{
	long long d0;
	struct toy_seg s;

	quick_phase(_metadata, self, 100);
	d0 = toy_stat("DelayedACKs");
	ASSERT_EQ(0, send_at(self, self->p_nxt - 100, 100));
	PEER_ASSERT_SEG(&self->p, &s, REPLY_MS);
	EXPECT_EQ(self->p_nxt, s.ack);
	EXPECT_EQ(1, s.nsack);
	EXPECT_EQ(d0, toy_stat("DelayedACKs"));
	drain(_metadata, self, QUICKACKS * 100);
}

/*
 * A request answered at once: the reply is the first segment, and it
 * carries the request's ACK; no pure ACK, no timer.
 */
TEST_F(delack, reply_carries_the_ack)
{
	char req[64];
	int i;

	quick_phase(_metadata, self, 100);
	drain(_metadata, self, QUICKACKS * 100);
	for (i = 0; i < TRIES; i++) {
		long long d0 = toy_stat("DelayedACKs");
		struct toy_seg s;

		ASSERT_EQ(0, send_next(self, sizeof(req)));
		ASSERT_EQ((ssize_t)sizeof(req),
			  toy_recv_all(self->fd, req, sizeof(req)));
		ASSERT_EQ(3, send(self->fd, "ok\n", 3, MSG_NOSIGNAL));
		/* skip what acknowledges only older data (window updates) */
		do {
			PEER_ASSERT_SEG(&self->p, &s, REPLY_MS);
		} while (!s.len && s.ack != self->p_nxt);
		if (s.len == 3) {
			EXPECT_EQ(self->p_nxt, s.ack);
			EXPECT_EQ(self->m_nxt, s.seq);
			EXPECT_EQ(d0, toy_stat("DelayedACKs"));
			self->m_nxt += 3;
			break;
		}
		/* this process took longer than 40 ms to answer: again */
		TH_LOG("try %d: the timer's ACK came first", i + 1);
		EXPECT_EQ(self->p_nxt, s.ack);
		EXPECT_EQ(d0 + 1, toy_stat("DelayedACKs"));
		PEER_ASSERT_SEG(&self->p, &s, REPLY_MS);
		EXPECT_EQ(3U, s.len);
		self->m_nxt += 3;
		ASSERT_EQ(0, peer_send(&self->p, self->p_nxt, self->m_nxt,
				       TOYHDR_ACK, NULL, 0));
	}
	EXPECT_GT(TRIES, i);
}

TEST_HARNESS_MAIN
