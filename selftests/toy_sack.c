// SPDX-License-Identifier: GPL-2.0
/*
 * Selective acknowledgements on the wire, against the fake peer of
 * peer.h (the network of toy_fsm.c: the socket in toyfsm-a, the peer
 * on the other end of its veth).
 *
 * Negotiation: TOYHDR_SACKOK in both SYNs or no SACK at all, and the
 * module parameter sack=0 stops the offer. Receiver: the blocks of an ACK
 * describe the out-of-order queue exactly, the latest arrival's block
 * first, and vanish when the hole is filled. Sender: a hole the blocks
 * show is resent at once (no RTO: it is 3 s here), once, retransmissions
 * found lost are resent together, and blocks that make no sense are
 * ignored and counted (SackDiscard).
 */
#define _GNU_SOURCE
#include <sched.h>

#include "toy_test.h"
#include "peer.h"
#include "toy_harness.h"

#define PEER_PORT	7778
#define PEER_ISS	0xffffff00U	/* our sequence numbers wrap */
#define RTO_SLOW	3000		/* ms: no RTO during a test */
#define REPLY_MS	2000
#define QUIET_MS	300
#define SACK_PARAM	"/sys/module/toy/parameters/sack"
#define NSEG		5
#define NRTX		10		/* the initial window */

FIXTURE(sack) {
	struct toy_peer p;
	int ns_orig, ns_a;
	int fd, lfd, lport;
	uint32_t m_nxt;		/* the module's snd_nxt, from the wire */
	uint32_t p_nxt;		/* ours */
	int mss;
};

FIXTURE_SETUP(sack)
{
	self->fd = self->lfd = -1;
	PEER_CASE_SETUP(self, PEER_PORT);
}

FIXTURE_TEARDOWN(sack)
{
	peer_case_close(&self->p, &self->fd, &self->lfd, self->ns_orig,
			self->ns_a);
}

/* The next segment, which must come within REPLY_MS. */
static void next_seg(struct __test_metadata *_metadata, FIXTURE_DATA(sack) *self,
		     struct toy_seg *s)
{
	PEER_ASSERT_SEG(&self->p, s, REPLY_MS);
}

/* Nothing comes for QUIET_MS. */
static void quiet(struct __test_metadata *_metadata, FIXTURE_DATA(sack) *self)
{
	struct toy_seg s;

	ASSERT_EQ(0, peer_recv(&self->p, &s, QUIET_MS))
		TH_LOG("unexpected segment seq %u len %u", s.seq, s.len);
}

/* A passive open: the peer's SYN offers SACK if @sack; our SYN-ACK agrees. */
static void passive(struct __test_metadata *_metadata, FIXTURE_DATA(sack) *self,
		    int sack)
{
	struct peer_open o;
	const char *why = "";
	int err;

	err = peer_passive(&self->p, PEER_ISS, sack ? TOYHDR_SACKOK : 0,
			   RTO_SLOW, REPLY_MS, &o, &why);
	self->lfd = o.lfd;
	self->fd = o.fd;
	self->lport = o.lport;
	ASSERT_EQ(0, err) TH_LOG("passive open: %s: %s", why, strerror(errno));
	ASSERT_EQ(TOYHDR_SYN | TOYHDR_ACK | (sack ? TOYHDR_SACKOK : 0), o.synack);
	self->m_nxt = o.m_nxt;
	self->p_nxt = o.p_nxt;
}

/* The peer sends @len bytes at our sequence number + @off. */
static void pdata(struct __test_metadata *_metadata, FIXTURE_DATA(sack) *self,
		  uint32_t off, size_t len)
{
	char buf[PEER_MAXDATA];

	memset(buf, 'a' + off % 26, len);
	ASSERT_EQ(0, peer_send(&self->p, self->p_nxt + off, self->m_nxt,
			       TOYHDR_ACK, buf, len));
}

/* The module's ACK: cumulative @ack and exactly the blocks given. */
static void expect_ack(struct __test_metadata *_metadata,
		       FIXTURE_DATA(sack) *self, uint32_t ack, int nsack,
		       const uint32_t (*blocks)[2])
{
	struct toy_seg s;
	int i;

	next_seg(_metadata, self, &s);
	ASSERT_EQ(TOYHDR_ACK, s.flags);
	ASSERT_EQ(0, s.len);
	ASSERT_EQ(ack, s.ack);
	ASSERT_EQ(nsack, s.nsack);
	for (i = 0; i < nsack; i++) {
		EXPECT_EQ(blocks[i][0], s.sack[i][0]) TH_LOG("block %d start", i);
		EXPECT_EQ(blocks[i][1], s.sack[i][1]) TH_LOG("block %d end", i);
	}
}

TEST_F(sack, synack_agrees_when_offered)
{
	passive(_metadata, self, 1);
}

TEST_F(sack, synack_silent_when_not_offered)
{
	passive(_metadata, self, 0);
}

/* The module parameter, 'Y' or 'N'; -1 if unreadable. */
static int sack_param(void)
{
	FILE *f = fopen(SACK_PARAM, "r");
	int c;

	if (!f)
		return -1;
	c = fgetc(f);
	fclose(f);
	return c;
}

static int sack_param_set(int c)
{
	FILE *f = fopen(SACK_PARAM, "w");

	if (!f)
		return -1;
	fputc(c, f);
	return fclose(f);
}

TEST_F(sack, syn_offers_unless_turned_off)
{
	struct sockaddr_toy sa = toy_sa(inet_addr(ADDR_B), PEER_PORT);
	int before = sack_param(), round;
	struct toy_seg s;

	ASSERT_EQ('Y', before) TH_LOG("sack= should default to Y");
	for (round = 0; round < 2; round++) {
		ASSERT_EQ(0, sack_param_set(round ? 'N' : 'Y'));
		self->fd = toy_socket_flags(SOCK_NONBLOCK);
		ASSERT_LE(0, self->fd);
		ASSERT_EQ(-1, connect(self->fd, (struct sockaddr *)&sa, sizeof(sa)));
		ASSERT_EQ(EINPROGRESS, errno);
		self->p.dport = toy_local_port(self->fd);
		next_seg(_metadata, self, &s);
		EXPECT_EQ(TOYHDR_SYN | (round ? 0 : TOYHDR_SACKOK), s.flags);
		toy_close(&self->fd);
	}
	ASSERT_EQ(0, sack_param_set(before));
}

/*
 * A SYN|ACK with SACKOK that answers a SYN without it: SACK stays off (the
 * option is on only when both SYNs carry it), so out-of-order data gets a
 * duplicate ACK without blocks.
 */
TEST_F(sack, synack_sackok_not_offered_is_ignored)
{
	struct sockaddr_toy sa = toy_sa(inet_addr(ADDR_B), PEER_PORT);
	int before = sack_param();
	uint32_t b[1][2] = { { 0, 0 } };
	struct toy_info ti;
	struct toy_seg s;

	ASSERT_EQ('Y', before);
	ASSERT_EQ(0, sack_param_set('N'));	/* read at connect() */
	self->fd = toy_socket_flags(SOCK_NONBLOCK);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(-1, connect(self->fd, (struct sockaddr *)&sa, sizeof(sa)));
	ASSERT_EQ(EINPROGRESS, errno);
	ASSERT_EQ(0, sack_param_set(before));
	self->p.dport = toy_local_port(self->fd);
	next_seg(_metadata, self, &s);
	ASSERT_EQ(TOYHDR_SYN, s.flags);
	self->m_nxt = s.seq + 1;
	self->p_nxt = PEER_ISS + 1;
	ASSERT_EQ(0, peer_send(&self->p, PEER_ISS, self->m_nxt,
			       TOYHDR_SYN | TOYHDR_ACK | TOYHDR_SACKOK, NULL, 0));
	next_seg(_metadata, self, &s);
	ASSERT_EQ(TOYHDR_ACK, s.flags);
	ASSERT_EQ(self->p_nxt, s.ack);
	ASSERT_EQ(0, toy_get_info(self->fd, &ti));
	EXPECT_EQ(TOY_ST_ESTABLISHED, ti.state);
	EXPECT_EQ(0, ti.options & TOY_INFO_OPT_SACK);

	pdata(_metadata, self, 100, 100);
	expect_ack(_metadata, self, self->p_nxt, 0, b);
}

/*
 * Segments arrive out of order: each ACK carries the queue as blocks, the
 * latest arrival's first, merged when a hole between them closes, and
 * none once the first hole is filled.
 */
TEST_F(sack, receiver_reports_blocks)
{
	uint32_t b[TOYHDR_SACK_MAX][2];
	uint32_t p = 0;

	passive(_metadata, self, 1);
	p = self->p_nxt;
	pdata(_metadata, self, 100, 100);
	b[0][0] = p + 100, b[0][1] = p + 200;
	expect_ack(_metadata, self, p, 1, b);

	pdata(_metadata, self, 300, 100);
	b[0][0] = p + 300, b[0][1] = p + 400;
	b[1][0] = p + 100, b[1][1] = p + 200;
	expect_ack(_metadata, self, p, 2, b);

	pdata(_metadata, self, 500, 50);
	b[0][0] = p + 500, b[0][1] = p + 550;
	b[1][0] = p + 100, b[1][1] = p + 200;
	b[2][0] = p + 300, b[2][1] = p + 400;
	expect_ack(_metadata, self, p, 3, b);

	/* 200..300 closes the hole between the first two blocks */
	pdata(_metadata, self, 200, 100);
	b[0][0] = p + 100, b[0][1] = p + 400;
	b[1][0] = p + 500, b[1][1] = p + 550;
	expect_ack(_metadata, self, p, 2, b);

	/* the first hole: all up to 400 is in order, 500..550 still not */
	pdata(_metadata, self, 0, 100);
	b[0][0] = p + 500, b[0][1] = p + 550;
	expect_ack(_metadata, self, p + 400, 1, b);

	pdata(_metadata, self, 400, 100);
	expect_ack(_metadata, self, p + 550, 0, b);
}

/* More holes than blocks: four blocks, the latest first, then the lowest. */
TEST_F(sack, receiver_reports_four_blocks_at_most)
{
	uint32_t b[TOYHDR_SACK_MAX][2];
	static const int order[] = { 2, 4, 6, 8, 12, 10 };
	uint32_t p;
	int i;

	passive(_metadata, self, 1);
	p = self->p_nxt;
	/* six blocks of 100 bytes with holes between; 1000 arrives last */
	for (i = 0; i < 6; i++) {
		struct toy_seg s;

		pdata(_metadata, self, 100 * order[i], 100);
		next_seg(_metadata, self, &s);
	}
	pdata(_metadata, self, 1450, 10);
	b[0][0] = p + 1450, b[0][1] = p + 1460;
	b[1][0] = p + 200, b[1][1] = p + 300;
	b[2][0] = p + 400, b[2][1] = p + 500;
	b[3][0] = p + 600, b[3][1] = p + 700;
	expect_ack(_metadata, self, p, 4, b);
}

/*
 * Data that arrives twice is reported once as a D-SACK block, first: a
 * duplicate of queued data lies inside the next block; one of data
 * already read, below the cumulative ACK.
 */
TEST_F(sack, receiver_reports_duplicates_once)
{
	uint32_t b[TOYHDR_SACK_MAX][2];
	uint32_t p;

	passive(_metadata, self, 1);
	p = self->p_nxt;
	pdata(_metadata, self, 100, 200);
	b[0][0] = p + 100, b[0][1] = p + 300;
	expect_ack(_metadata, self, p, 1, b);

	pdata(_metadata, self, 100, 200);
	b[1][0] = p + 100, b[1][1] = p + 300;
	expect_ack(_metadata, self, p, 2, b);

	/* the D-SACK is not repeated */
	pdata(_metadata, self, 400, 100);
	b[0][0] = p + 400, b[0][1] = p + 500;
	b[1][0] = p + 100, b[1][1] = p + 300;
	expect_ack(_metadata, self, p, 2, b);

	pdata(_metadata, self, 0, 100);
	b[0][0] = p + 400, b[0][1] = p + 500;
	expect_ack(_metadata, self, p + 300, 1, b);

	/* old data again: below ack_seq, then the queue as before */
	pdata(_metadata, self, 0, 100);
	b[0][0] = p, b[0][1] = p + 100;
	b[1][0] = p + 400, b[1][1] = p + 500;
	expect_ack(_metadata, self, p + 300, 2, b);
}

TEST_F(sack, no_blocks_without_agreement)
{
	passive(_metadata, self, 0);
	pdata(_metadata, self, 100, 100);
	expect_ack(_metadata, self, self->p_nxt, 0, NULL);
}

/*
 * The module sends @n more full segments, @from on; their sequence
 * numbers go to @seq[@from..].
 */
static void send_n(struct __test_metadata *_metadata,
		   FIXTURE_DATA(sack) *self, uint32_t *seq, int from, int n)
{
	struct toy_info ti;
	struct toy_seg s;
	char *buf;
	int i;

	ASSERT_EQ(0, toy_get_info(self->fd, &ti));
	self->mss = ti.mss;
	ASSERT_GE(PEER_MAXDATA, self->mss);
	buf = calloc(n, self->mss);
	ASSERT_NE(NULL, buf);
	ASSERT_EQ(n * self->mss, toy_send_all(self->fd, buf, n * self->mss));
	free(buf);
	for (i = from; i < from + n; i++) {
		next_seg(_metadata, self, &s);
		ASSERT_EQ(self->mss, s.len);
		ASSERT_EQ(self->m_nxt + i * self->mss, s.seq);
		seq[i] = s.seq;
	}
}

/* The module sends NSEG full segments; returns their sequence numbers. */
static void send_segments(struct __test_metadata *_metadata,
			  FIXTURE_DATA(sack) *self, uint32_t *seq)
{
	send_n(_metadata, self, seq, 0, NSEG);
}

/*
 * Segment 1 of 5 is lost: the peer acknowledges 0 and SACKs 2..4. The
 * module resends 1 at once, and only 1, and only once however many such
 * ACKs follow.
 */
TEST_F(sack, sender_resends_the_hole_once)
{
	uint32_t seq[NSEG], blk[1][2];
	struct toy_stats s0, s1;
	struct toy_seg s;

	passive(_metadata, self, 1);
	ASSERT_EQ(0, toy_stats_read(&s0));
	send_segments(_metadata, self, seq);
	blk[0][0] = seq[2];
	blk[0][1] = seq[4] + self->mss;
	ASSERT_EQ(0, peer_send_sack(&self->p, self->p_nxt, seq[1], TOYHDR_ACK,
				    blk, 1, NULL, 0));
	next_seg(_metadata, self, &s);
	EXPECT_EQ(seq[1], s.seq);
	EXPECT_EQ(self->mss, s.len);
	ASSERT_EQ(0, peer_send_sack(&self->p, self->p_nxt, seq[1], TOYHDR_ACK,
				    blk, 1, NULL, 0));
	quiet(_metadata, self);
	ASSERT_EQ(0, peer_send(&self->p, self->p_nxt, seq[4] + self->mss,
			       TOYHDR_ACK, NULL, 0));
	quiet(_metadata, self);
	ASSERT_EQ(0, toy_stats_read(&s1));
	EXPECT_EQ(1, toy_stats_delta(&s0, &s1, "RetransSegs"));
	EXPECT_EQ(1, toy_stats_delta(&s0, &s1, "SackRecovery"));
	EXPECT_EQ(0, toy_stats_delta(&s0, &s1, "RtoExpires"));
	EXPECT_EQ(0, toy_stats_delta(&s0, &s1, "SackDiscard"));
}

/*
 * The peer acknowledges @seq[0] and SACKs @blk: the module resends
 * @seq[0] and then @seq[1], which is left in @s.
 */
static void sack_resends_first_two(struct __test_metadata *_metadata,
				   FIXTURE_DATA(sack) *self, uint32_t *seq,
				   uint32_t (*blk)[2], struct toy_seg *s)
{
	ASSERT_EQ(0, peer_send_sack(&self->p, self->p_nxt, seq[0], TOYHDR_ACK,
				    blk, 1, NULL, 0));
	next_seg(_metadata, self, s);
	EXPECT_EQ(seq[0], s->seq);
	next_seg(_metadata, self, s);
	EXPECT_EQ(seq[1], s->seq);
}

/*
 * Segments 0 and 1 of 10 are lost, and so are both their
 * retransmissions. Segment 10, sent well over a quarter RTT after them,
 * is SACKed: both retransmissions were lost (RACK's time rule), and both
 * go again at once, not the head alone and the other a round trip
 * later, when it has come to the head.
 */
TEST_F(sack, lost_retransmissions_resent_together)
{
	uint32_t seq[NRTX + 1], blk[1][2];
	struct toy_stats s0, s1;
	struct toy_seg s;

	passive(_metadata, self, 1);
	ASSERT_EQ(0, toy_stats_read(&s0));
	send_n(_metadata, self, seq, 0, NRTX);
	blk[0][0] = seq[2];
	blk[0][1] = seq[NRTX - 1] + self->mss;
	sack_resends_first_two(_metadata, self, seq, blk, &s);
	/* both lost; the RTT is a few ms, the quiet time 300 */
	quiet(_metadata, self);
	send_n(_metadata, self, seq, NRTX, 1);
	blk[0][1] = seq[NRTX] + self->mss;
	sack_resends_first_two(_metadata, self, seq, blk, &s);
	EXPECT_EQ(self->mss, s.len);
	quiet(_metadata, self);
	ASSERT_EQ(0, toy_stats_read(&s1));
	EXPECT_EQ(2, toy_stats_delta(&s0, &s1, "SackLostRetrans"));
	EXPECT_EQ(4, toy_stats_delta(&s0, &s1, "RetransSegs"));
	EXPECT_EQ(0, toy_stats_delta(&s0, &s1, "RtoExpires"));
}

/*
 * A segment SACKed two beyond a hole does not make it a loss: a hole is
 * lost once data TOY_DUPTHRESH (3) segments beyond it is SACKed.
 */
TEST_F(sack, sender_waits_for_three_segments)
{
	uint32_t seq[NSEG], blk[1][2];

	passive(_metadata, self, 1);
	send_segments(_metadata, self, seq);
	blk[0][0] = seq[3];
	blk[0][1] = seq[4];
	ASSERT_EQ(0, peer_send_sack(&self->p, self->p_nxt, seq[1], TOYHDR_ACK,
				    blk, 1, NULL, 0));
	quiet(_metadata, self);
}

/* Blocks outside what is in flight, or empty, are ignored and counted. */
TEST_F(sack, nonsense_blocks_are_discarded)
{
	uint32_t seq[NSEG], blk[3][2];
	struct toy_stats s0, s1;

	passive(_metadata, self, 1);
	send_segments(_metadata, self, seq);
	ASSERT_EQ(0, toy_stats_read(&s0));
	blk[0][0] = seq[4] + self->mss;			/* beyond snd_nxt */
	blk[0][1] = seq[4] + 2 * self->mss;
	blk[1][0] = seq[0] - 100;			/* before snd_una */
	blk[1][1] = seq[2];
	blk[2][0] = seq[3];				/* empty */
	blk[2][1] = seq[3];
	ASSERT_EQ(0, peer_send_sack(&self->p, self->p_nxt, seq[0], TOYHDR_ACK,
				    blk, 3, NULL, 0));
	quiet(_metadata, self);
	ASSERT_EQ(0, toy_stats_read(&s1));
	EXPECT_EQ(3, toy_stats_delta(&s0, &s1, "SackDiscard"));
	EXPECT_EQ(0, toy_stats_delta(&s0, &s1, "RetransSegs"));
}

TEST_HARNESS_MAIN
