// SPDX-License-Identifier: GPL-2.0
/*
 * Blind injection (RFC 5961) against an established connection between a
 * toy socket and the fake peer of peer.h (the network of toy_fsm.c).
 *
 * The attacker is off the path: it knows the 4-tuple (it sends from the
 * peer's address and port) but not the sequence numbers. It sends RSTs,
 * SYNs and data with ACK, with random sequence and acknowledgement
 * numbers, or sweeps the whole sequence space with a stride smaller than
 * the receive window (the attack RFC 5961 section 1 describes), so that
 * some of its segments are sure to fall in the window. Its payload bytes
 * have the top bit set; the real peer's stream is a 7-bit pattern. None of
 * it may be accepted: the connection stays ESTABLISHED, the reader gets no
 * injected byte, the application sees no reset, and afterwards the real
 * peer's transfer in both directions completes, byte for byte.
 *
 * The attacker's luck that RFC 5961 accepts is left out, so that a test
 * fails only for a fault: it never sends an RST with the exact rcv_nxt
 * (a 2^-32 guess), and never data whose ACK lies in the acceptable range
 * [snd_una - max_window, snd_nxt] (a 2^-16 guess).
 *
 * Then the cases RFC 5961 names, one by one: an RST in the window but not
 * exact gets a challenge ACK, the exact one resets (3.2); a SYN gets a
 * challenge ACK and no reset (4.2); data whose ACK is below snd_una -
 * max_window or beyond snd_nxt is dropped with an ACK (5.2); and the
 * answers to unacceptable segments without payload are rate limited (7).
 *
 *   toy_blind [--seed N] [--iters N] [--seconds N] [harness options]
 *
 * --iters is the number of random segments of random_injection (default
 * 50000, TOY_FUZZ_ITERS), --seconds its time limit (40, TOY_FUZZ_SECONDS),
 * --seed the generator's seed (TOY_FUZZ_SEED, else the clock).
 */
#define _GNU_SOURCE
#include <sched.h>

#include "toy_test.h"
#include "peer.h"
#include "toy_harness.h"

#ifndef PACKET_IGNORE_OUTGOING
#define PACKET_IGNORE_OUTGOING	23
#endif

#define ITERS_DEF	50000
#define SECONDS_DEF	40
#define PEER_PORT	7779
#define RTO_SLOW	3000	/* ms: nothing is retransmitted during a test */
#define REPLY_MS	2000
#define QUIET_MS	300
#define BIG_RCVBUF	(8 << 20)	/* a window of 8 MiB */
#define SWEEP_RCVBUF	(64 << 20)	/* 32 MiB and more: 256 strides cover 2^32 */
#define FLOOD		1000
#define CHUNK		1000	/* bytes per segment of the real peer */
#define XFER		20000	/* bytes each way after an attack */
#define XFER_MS		20000
#define OOW_MS		500	/* RFC 5961 7: one answer per 500 ms */

static struct toy_fuzz_opts cfg = { 0, ITERS_DEF, SECONDS_DEF };

/* ---- a seeded generator (splitmix64) ---------------------------------- */

static uint64_t rng;

static uint32_t rnd32(void)
{
	uint64_t z = (rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return (z ^ (z >> 31)) >> 32;
}

static uint32_t rnd(uint32_t n)
{
	return n ? rnd32() % n : 0;
}

static int seq_after(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) > 0;
}

/* [lo, hi] in sequence space */
static int seq_between(uint32_t x, uint32_t lo, uint32_t hi)
{
	return x - lo <= hi - lo;
}

/* The real peer's and the toy side's streams: 7-bit bytes. */
static uint8_t pat(uint32_t salt, uint32_t off)
{
	uint32_t x = off * 0x9e3779b1U + salt;

	x ^= x >> 15;
	x *= 0x85ebca6bU;
	x ^= x >> 13;
	return x & 0x7f;
}

/* ---- the connection ----------------------------------------------------- */

FIXTURE(blind) {
	struct toy_peer p;
	int ns_orig, ns_a;
	int fd, lfd, lport;
	uint32_t m_iss, m_nxt;	/* the module's ISS and snd_nxt, from the wire */
	uint32_t m_rcv;		/* its stream in order at the peer */
	uint32_t p_iss, p_nxt;	/* the real peer's: p_nxt is its snd_nxt */
	uint32_t wnd;		/* the module's receive window */
	uint32_t psalt, tsalt;
	uint64_t rd, wr;	/* the toy side's stream offsets */
	struct toy_stats s0;
	/* what the module sent, and what it must not have */
	long segs, sacked, bad_ack, bad_data, rsts;
	long injected;		/* attacker bytes the reader got */
};

/*
 * One network for every test: building it takes seconds under TCG, more
 * than most tests. main() builds it; each test joins it with a new packet
 * socket, and its counters are deltas from the test's own start.
 */
static int net_state = -1;	/* 0 built, 1 not available, -1 failed */

static void net_build(void)
{
	int ns_orig = open("/proc/self/ns/net", O_RDONLY), ns_a;
	struct toy_peer p;

	net_state = peer_netns_open(&p, &ns_a);
	peer_close(&p);
	if (ns_a >= 0)
		close(ns_a);
	if (ns_orig < 0 || setns(ns_orig, CLONE_NEWNET))
		net_state = -1;
	if (ns_orig >= 0)
		close(ns_orig);
	if (!net_state)
		atexit(peer_net_delete);
}

/* peer_netns_open() on the network net_build() left. 0, or -1. */
static int net_join(struct toy_peer *p, int *ns_a)
{
	int ns_b = open(NETNS_DIR NS_B, O_RDONLY), err;

	p->fd = -1;
	*ns_a = open(NETNS_DIR NS_A, O_RDONLY);
	if (ns_b < 0 || *ns_a < 0 || setns(ns_b, CLONE_NEWNET)) {
		if (ns_b >= 0)
			close(ns_b);
		return -1;
	}
	err = peer_open(p, IF_B);
	close(ns_b);
	if (err || setns(*ns_a, CLONE_NEWNET))
		return -1;
	peer_mac_parse(MAC_A, p->dst_mac);
	p->addr = inet_addr(ADDR_B);
	p->dst = inet_addr(ADDR_A);
	p->proto = toy_ipproto();
	return 0;
}

FIXTURE_SETUP(blind)
{
	int one = 1, big = 4 << 20;

	self->fd = -1;
	self->lfd = -1;
	self->ns_a = -1;
	self->ns_orig = open("/proc/self/ns/net", O_RDONLY);
	ASSERT_LE(0, self->ns_orig);
	if (net_state > 0)
		SKIP(return, "no network namespaces or veth (modprobe veth?)");
	ASSERT_EQ(0, net_state) TH_LOG("the peer's network could not be built");
	ASSERT_EQ(0, net_join(&self->p, &self->ns_a))
		TH_LOG("peer network: %s", strerror(errno));
	setsockopt(self->p.fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one,
		   sizeof(one));
	setsockopt(self->p.fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big));
	self->p.port = PEER_PORT;
	rng = cfg.seed;
	self->psalt = rnd32();
	self->tsalt = rnd32();
}

FIXTURE_TEARDOWN(blind)
{
	struct linger lg = { 1, 0 };

	if (self->fd >= 0)
		setsockopt(self->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	toy_close(&self->fd);
	toy_close(&self->lfd);
	peer_close(&self->p);
	if (self->ns_a >= 0)
		close(self->ns_a);
	if (self->ns_orig >= 0 && setns(self->ns_orig, CLONE_NEWNET) == 0)
		close(self->ns_orig);
}

/* A segment from the module: follow its stream, note what must not be. */
static void seen(FIXTURE_DATA(blind) *self, const struct toy_seg *s)
{
	uint32_t off = s->seq - (self->m_iss + 1);
	int i;

	self->segs++;
	if (s->flags & TOYHDR_RST) {
		self->rsts++;
		return;
	}
	/*
	 * The real peer's data comes in order: a block above the ACK means
	 * attacker data was queued. Blocks below it are D-SACKs, which echo
	 * old-looking segments (half the sequence space) as TCP does.
	 */
	for (i = 0; i < s->nsack; i++)
		self->sacked += seq_after(s->sack[i][1], s->ack);
	if ((s->flags & TOYHDR_ACK) && seq_after(s->ack, self->p_nxt))
		self->bad_ack++;
	for (i = 0; i < s->len && i < PEER_MAXDATA; i++)
		if (s->data[i] != pat(self->tsalt, off + i))
			self->bad_data++;
	if (s->len && !seq_after(s->seq, self->m_rcv) &&
	    seq_after(s->seq + s->len, self->m_rcv))
		self->m_rcv = s->seq + s->len;
	if (seq_after(s->seq + s->len, self->m_nxt))
		self->m_nxt = s->seq + s->len;
}

/* Segments from the module for ms; returns how many. */
static long drain(FIXTURE_DATA(blind) *self, int ms)
{
	long end = peer_now_ms() + ms, n = 0;
	struct pollfd pfd = { .fd = self->p.fd, .events = POLLIN };
	struct toy_seg s;

	for (;;) {
		long left = end - peer_now_ms();

		if (left < 0)
			left = 0;
		if (poll(&pfd, 1, left) != 1 ||
		    peer_recv(&self->p, &s, 1) != 1) {
			if (left)
				continue;
			return n;
		}
		seen(self, &s);
		n++;
	}
}

/* The next segment from the module, within REPLY_MS. */
static int next_seg(FIXTURE_DATA(blind) *self, struct toy_seg *s)
{
	if (peer_recv(&self->p, s, REPLY_MS) != 1)
		return -1;
	seen(self, s);
	return 0;
}

static void toy_opts(struct __test_metadata *_metadata, int fd, int big)
{
	int buf = big;

	ASSERT_EQ(0, toy_set_int(fd, SOL_TOY, TOY_RTO_MAX, RTO_SLOW));
	ASSERT_EQ(0, toy_set_int(fd, SOL_TOY, TOY_RTO_MIN, RTO_SLOW));
	if (big)
		ASSERT_EQ(0, setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &buf,
					sizeof(buf)));
}

/*
 * An established connection: the toy side connects to the peer (@active)
 * or the peer to a toy listener. @big: SO_RCVBUFFORCE, bytes (0: the
 * default), for a receive window of at least half that.
 */
static void establish(struct __test_metadata *_metadata,
		      FIXTURE_DATA(blind) *self, int active, int big)
{
	struct toy_info ti;
	struct toy_seg s;

	self->p_iss = rnd32();
	self->p_nxt = self->p_iss + 1;
	if (active) {
		struct sockaddr_toy sa = toy_sa(inet_addr(ADDR_B), PEER_PORT);

		self->fd = toy_socket_flags(SOCK_NONBLOCK);
		ASSERT_LE(0, self->fd);
		toy_opts(_metadata, self->fd, big);
		ASSERT_EQ(-1, connect(self->fd, (struct sockaddr *)&sa,
				      sizeof(sa)));
		ASSERT_EQ(EINPROGRESS, errno);
		self->p.dport = toy_local_port(self->fd);
		ASSERT_EQ(0, next_seg(self, &s)) TH_LOG("no SYN");
		ASSERT_EQ(TOYHDR_SYN, s.flags & ~TOYHDR_SACKOK);
		self->m_iss = s.seq;
		ASSERT_EQ(0, peer_send(&self->p, self->p_iss, s.seq + 1,
				       TOYHDR_SYN | TOYHDR_ACK |
				       (s.flags & TOYHDR_SACKOK), NULL, 0));
		ASSERT_EQ(POLLOUT, toy_poll(self->fd, POLLOUT, REPLY_MS) & POLLOUT);
		ASSERT_EQ(0, toy_get_int(self->fd, SOL_SOCKET, SO_ERROR));
	} else {
		self->lfd = toy_listener(inet_addr(ADDR_A), 8, &self->lport);
		ASSERT_LE(0, self->lfd);
		toy_opts(_metadata, self->lfd, big);
		self->p.dport = self->lport;
		ASSERT_EQ(0, peer_send(&self->p, self->p_iss, 0,
				       TOYHDR_SYN | TOYHDR_SACKOK, NULL, 0));
		ASSERT_EQ(0, next_seg(self, &s)) TH_LOG("no SYN|ACK");
		ASSERT_EQ(TOYHDR_SYN | TOYHDR_ACK, s.flags & ~TOYHDR_SACKOK);
		ASSERT_EQ(self->p_nxt, s.ack);
		self->m_iss = s.seq;
		ASSERT_EQ(0, peer_send(&self->p, self->p_nxt, s.seq + 1,
				       TOYHDR_ACK, NULL, 0));
		ASSERT_LT(0, toy_poll(self->lfd, POLLIN, REPLY_MS));
		self->fd = accept4(self->lfd, NULL, NULL, SOCK_NONBLOCK);
		ASSERT_LE(0, self->fd);
		toy_close(&self->lfd);
	}
	self->m_nxt = self->m_iss + 1;
	self->m_rcv = self->m_nxt;
	ASSERT_EQ(0, toy_get_info(self->fd, &ti));
	ASSERT_EQ(TOY_ST_ESTABLISHED, ti.state);
	ASSERT_EQ(self->p_nxt, ti.rcv_nxt);
	self->wnd = ti.rcv_wnd;
	if (big)
		ASSERT_LE((uint32_t)big / 2, self->wnd);
	drain(self, 0);
	ASSERT_EQ(0, toy_stats_read(&self->s0));
}

/* ---- the real peer -------------------------------------------------------- */

/* The toy side reads what there is; every byte must be the peer's. */
static ssize_t toy_read(FIXTURE_DATA(blind) *self)
{
	unsigned char buf[8192];
	ssize_t n, i;

	n = recv(self->fd, buf, sizeof(buf), MSG_DONTWAIT);
	for (i = 0; i < n; i++)
		if (buf[i] != pat(self->psalt, self->rd + i))
			self->injected++;
	if (n > 0)
		self->rd += n;
	return n;
}

/*
 * The real peer sends @n bytes and the toy side reads them; then the toy
 * side writes @n bytes and the peer takes them, acknowledging as it goes.
 */
static void transfer(struct __test_metadata *_metadata,
		     FIXTURE_DATA(blind) *self, size_t n)
{
	unsigned char buf[CHUNK];
	uint64_t rd_end = self->rd + n, wr_end = self->wr + n;
	long end = peer_now_ms() + XFER_MS;
	size_t i;

	while (self->rd < rd_end) {
		uint32_t unread = self->p_nxt - (self->p_iss + 1) - self->rd;
		size_t len = rd_end - self->rd - unread;

		ASSERT_GT(end, peer_now_ms())
			TH_LOG("peer to toy: %llu of %zu bytes read",
			       (unsigned long long)(n - (rd_end - self->rd)), n);
		if (len > CHUNK)
			len = CHUNK;
		if (len && unread < 32 * CHUNK) {
			for (i = 0; i < len; i++)
				buf[i] = pat(self->psalt, self->rd + unread + i);
			ASSERT_EQ(0, peer_send(&self->p, self->p_nxt, self->m_rcv,
					       TOYHDR_ACK, buf, len));
			self->p_nxt += len;
		}
		drain(self, 0);
		if (toy_read(self) < 0 && errno != EAGAIN)
			ASSERT_EQ(EAGAIN, errno) TH_LOG("recv: %s", strerror(errno));
		if (!len)
			toy_poll(self->fd, POLLIN, 10);
	}
	while (self->m_rcv - (self->m_iss + 1) < wr_end) {
		ssize_t w;

		ASSERT_GT(end, peer_now_ms())
			TH_LOG("toy to peer: %u of %zu bytes arrived",
			       self->m_rcv - (self->m_iss + 1), n);
		if (self->wr < wr_end) {
			size_t len = wr_end - self->wr > CHUNK ? CHUNK :
				     wr_end - self->wr;

			for (i = 0; i < len; i++)
				buf[i] = pat(self->tsalt, self->wr + i);
			w = send(self->fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);
			if (w > 0)
				self->wr += w;
			else
				ASSERT_EQ(EAGAIN, errno) TH_LOG("send: %s", strerror(errno));
		}
		drain(self, 5);
		ASSERT_EQ(0, peer_send(&self->p, self->p_nxt, self->m_rcv,
				       TOYHDR_ACK, NULL, 0));
	}
	ASSERT_EQ(0, self->injected) TH_LOG("the reader got %ld bytes of the attacker's",
					    self->injected);
	ASSERT_EQ(0, self->bad_data);
}

/*
 * Nothing the attacker sent was taken: the socket is ESTABLISHED with no
 * error and nothing to read, rcv_nxt is the real peer's snd_nxt, nothing
 * was queued out of order, no ACK acknowledged more than the peer sent.
 */
static void untouched(struct __test_metadata *_metadata,
		      FIXTURE_DATA(blind) *self)
{
	struct toy_stats s1;
	struct toy_info ti;
	char c;

	drain(self, QUIET_MS);
	ASSERT_EQ(0, toy_get_info(self->fd, &ti));
	EXPECT_EQ(TOY_ST_ESTABLISHED, ti.state);
	EXPECT_EQ(0, toy_get_int(self->fd, SOL_SOCKET, SO_ERROR));
	EXPECT_EQ(self->p_nxt, ti.rcv_nxt)
		TH_LOG("rcv_nxt moved by %d: attacker data taken in order",
		       (int32_t)(ti.rcv_nxt - self->p_nxt));
	EXPECT_EQ(-1, recv(self->fd, &c, 1, MSG_DONTWAIT | MSG_PEEK));
	EXPECT_EQ(EAGAIN, errno) TH_LOG("recv: %s", strerror(errno));
	ASSERT_EQ(0, toy_stats_read(&s1));
	EXPECT_EQ(0, toy_stats_delta(&self->s0, &s1, "OfoQueued"))
		TH_LOG("attacker data queued out of order");
	EXPECT_EQ(0, toy_stats_delta(&self->s0, &s1, "EstabResets"));
	EXPECT_EQ(0, self->sacked) TH_LOG("ACKs with SACK blocks: attacker data queued");
	EXPECT_EQ(0, self->bad_ack) TH_LOG("ACKs beyond what the peer sent");
	EXPECT_EQ(0, self->rsts) TH_LOG("the module sent an RST");
}

/* ---- the attacker ---------------------------------------------------------- */

/* One segment from the peer's 4-tuple; its payload has bit 7 set. */
static int attack(FIXTURE_DATA(blind) *self, uint32_t seq, uint32_t ack,
		  int flags, size_t len)
{
	unsigned char buf[CHUNK];
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = 0x80 | rnd(128);
	return peer_send(&self->p, seq, ack, flags, buf, len);
}

/*
 * An acknowledgement number the attacker might send, minus its luck: none
 * in [snd_una - 2 * 65536, snd_nxt], a superset of what RFC 5961 5.2 lets
 * through (max_window is the real peer's 65536).
 */
static uint32_t blind_ack(FIXTURE_DATA(blind) *self, uint32_t ack)
{
	while (seq_between(ack, self->m_rcv - 2 * 65536, self->m_nxt))
		ack = rnd32();
	return ack;
}

/* ---- the attack at random ---------------------------------------------------- */

/* Reset the connection from the toy side and forget it. */
static void abort_conn(FIXTURE_DATA(blind) *self)
{
	struct linger lg = { 1, 0 };

	setsockopt(self->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	toy_close(&self->fd);
	drain(self, 50);	/* its RST */
	self->rd = 0;
	self->wr = 0;
	self->segs = 0;
	self->sacked = 0;
	self->bad_ack = 0;
	self->bad_data = 0;
	self->rsts = 0;
	self->injected = 0;
}

/*
 * Random sequence and acknowledgement numbers, a quarter of the budget on
 * each of two connections: the toy side as client, then as server. The
 * real peer keeps transferring between bursts, so the numbers move.
 */
TEST_F_TIMEOUT(blind, random_injection, SECONDS_DEF + 90)
{
	long end = peer_now_ms() + cfg.seconds * 1000, sent = 0;
	long kinds[4] = { 0 };
	int round;

	for (round = 0; round < 2; round++) {
		long i, n = cfg.iters / 2;

		establish(_metadata, self, round == 0, BIG_RCVBUF);
		transfer(_metadata, self, 4 * CHUNK);
		for (i = 0; i < n && peer_now_ms() < end; i++) {
			uint32_t seq = rnd32(), ack = rnd32();
			int k = rnd(100), flags;
			size_t len = 0;

			if (k < 25) {
				flags = rnd(2) ? TOYHDR_RST : TOYHDR_RST | TOYHDR_ACK;
				while (seq == self->p_nxt)
					seq = rnd32();
				kinds[0]++;
			} else if (k < 45) {
				flags = rnd(4) ? TOYHDR_SYN : TOYHDR_SYN | TOYHDR_ACK;
				kinds[1]++;
			} else if (k < 90) {
				flags = TOYHDR_ACK;
				len = 1 + rnd(CHUNK);
				kinds[2]++;
			} else {
				flags = TOYHDR_ACK;
				kinds[3]++;
			}
			if (flags & TOYHDR_ACK)
				ack = blind_ack(self, ack);
			ASSERT_EQ(0, attack(self, seq, ack, flags, len));
			sent++;
			if (i % 64 == 63)
				drain(self, 0);
			if (i % 4096 == 4095) {
				untouched(_metadata, self);
				if (_metadata->exit_code)	/* said once */
					return;
				transfer(_metadata, self, 2 * CHUNK);
			}
		}
		untouched(_metadata, self);
		transfer(_metadata, self, XFER);
		untouched(_metadata, self);
		TH_LOG("%s: %ld segments so far, window %u, %ld segments back",
		       round ? "passive" : "active", sent, self->wnd, self->segs);
		abort_conn(self);
	}
	printf("# blind: %ld segments (RST %ld, SYN %ld, data %ld, ACK %ld) in %.1f s\n",
	       sent, kinds[0], kinds[1], kinds[2], kinds[3],
	       (cfg.seconds * 1000 - (end - peer_now_ms())) / 1000.0);
	fflush(stdout);
}

/* ---- sweeps: some of it is sure to land in the window ------------------------ */

/* The stride of a sweep: a quarter window, so four hit it. */
static uint32_t stride(FIXTURE_DATA(blind) *self)
{
	return self->wnd / 4 ? self->wnd / 4 : 1;
}

/* RSTs over the whole space (the exact number aside) reset nothing. */
TEST_F(blind, rst_sweep_never_resets)
{
	uint32_t s, off = rnd32(), k;

	establish(_metadata, self, 1, SWEEP_RCVBUF);
	transfer(_metadata, self, 4 * CHUNK);
	s = stride(self);
	for (k = 0; k <= 0xffffffffU / s; k++) {
		uint32_t seq = off + k * s;

		if (seq == self->p_nxt)
			seq++;
		ASSERT_EQ(0, attack(self, seq, blind_ack(self, rnd32()),
				    k % 2 ? TOYHDR_RST : TOYHDR_RST | TOYHDR_ACK,
				    0));
		if (k % 64 == 63)
			drain(self, 0);
	}
	untouched(_metadata, self);
	transfer(_metadata, self, XFER);
}

/* SYNs over the whole space reset nothing. */
TEST_F(blind, syn_sweep_never_resets)
{
	uint32_t s, off = rnd32(), k;

	establish(_metadata, self, 0, SWEEP_RCVBUF);
	transfer(_metadata, self, 4 * CHUNK);
	s = stride(self);
	for (k = 0; k <= 0xffffffffU / s; k++) {
		ASSERT_EQ(0, attack(self, off + k * s, blind_ack(self, rnd32()),
				    k % 4 ? TOYHDR_SYN : TOYHDR_SYN | TOYHDR_ACK,
				    0));
		if (k % 64 == 63)
			drain(self, 0);
	}
	untouched(_metadata, self);
	transfer(_metadata, self, XFER);
}

/*
 * Data over the whole space, each sequence number twice, with ACKs half
 * the space apart: before RFC 5961 5.2 half of all ACK values pass (they
 * are "old"), so without it one of each pair in the window is taken.
 */
TEST_F(blind, data_sweep_never_delivered)
{
	uint32_t s, off = rnd32(), k;

	establish(_metadata, self, 1, SWEEP_RCVBUF);
	transfer(_metadata, self, 4 * CHUNK);
	s = stride(self);
	for (k = 0; k <= 0xffffffffU / s; k++) {
		uint32_t ack = blind_ack(self, rnd32());

		ASSERT_EQ(0, attack(self, off + k * s, ack, TOYHDR_ACK, 100));
		ASSERT_EQ(0, attack(self, off + k * s,
				    blind_ack(self, ack + 0x80000000U),
				    TOYHDR_ACK, 100));
		if (k % 32 == 31)
			drain(self, 0);
	}
	untouched(_metadata, self);
	transfer(_metadata, self, XFER);
}

/* ---- RFC 5961, case by case -------------------------------------------------- */

/* The next segment is a bare ACK at snd_nxt of the real peer's rcv_nxt. */
static void expect_ack(struct __test_metadata *_metadata,
		       FIXTURE_DATA(blind) *self, const char *what)
{
	struct toy_seg s;

	ASSERT_EQ(0, next_seg(self, &s)) TH_LOG("no ACK answered %s", what);
	ASSERT_EQ(TOYHDR_ACK, s.flags) TH_LOG("%s", what);
	ASSERT_EQ(0, s.len);
	ASSERT_EQ(self->m_nxt, s.seq);
	ASSERT_EQ(self->p_nxt, s.ack) TH_LOG("%s", what);
}

static void expect_quiet(struct __test_metadata *_metadata,
			 FIXTURE_DATA(blind) *self, const char *what)
{
	ASSERT_EQ(0, drain(self, QUIET_MS)) TH_LOG("%s was answered", what);
}

/* RFC 5961 3.2: an RST in the window but not at rcv_nxt: a challenge ACK. */
TEST_F(blind, rst_in_window_gets_challenge_ack)
{
	establish(_metadata, self, 0, 0);
	ASSERT_EQ(0, attack(self, self->p_nxt + 1, 0, TOYHDR_RST, 0));
	expect_ack(_metadata, self, "an RST at rcv_nxt + 1");
	untouched(_metadata, self);
	transfer(_metadata, self, XFER);
}

/* The same at the window's last byte, with ACK set. */
TEST_F(blind, rst_at_window_edge_gets_challenge_ack)
{
	establish(_metadata, self, 1, 0);
	ASSERT_EQ(0, attack(self, self->p_nxt + self->wnd - 1, self->m_nxt,
			    TOYHDR_RST | TOYHDR_ACK, 0));
	expect_ack(_metadata, self, "an RST|ACK at rcv_nxt + rcv_wnd - 1");
	untouched(_metadata, self);
}

/* RFC 5961 3.2: outside the window an RST is dropped without a word. */
TEST_F(blind, rst_out_of_window_dropped_silently)
{
	establish(_metadata, self, 0, 0);
	ASSERT_EQ(0, attack(self, self->p_nxt - 1, 0, TOYHDR_RST, 0));
	expect_quiet(_metadata, self, "an RST at rcv_nxt - 1");
	ASSERT_EQ(0, attack(self, self->p_nxt + self->wnd, 0, TOYHDR_RST, 0));
	expect_quiet(_metadata, self, "an RST at rcv_nxt + rcv_wnd");
	untouched(_metadata, self);
	transfer(_metadata, self, XFER);
}

/* RFC 5961 3.2: the RST at exactly rcv_nxt resets. */
TEST_F(blind, rst_exact_seq_resets)
{
	char c;

	establish(_metadata, self, 0, 0);
	ASSERT_EQ(0, attack(self, self->p_nxt, 0, TOYHDR_RST, 0));
	ASSERT_LT(0, toy_poll(self->fd, POLLIN, REPLY_MS));
	ASSERT_EQ(-1, recv(self->fd, &c, 1, MSG_DONTWAIT));
	ASSERT_EQ(ECONNRESET, errno);
}

/* RFC 5961 4.2: a SYN in the window gets a challenge ACK, not a reset. */
TEST_F(blind, syn_in_window_gets_challenge_ack)
{
	establish(_metadata, self, 0, 0);
	ASSERT_EQ(0, attack(self, self->p_nxt + 10, 0, TOYHDR_SYN, 0));
	expect_ack(_metadata, self, "a SYN at rcv_nxt + 10");
	untouched(_metadata, self);
	transfer(_metadata, self, XFER);
}

/* RFC 5961 4.2: so does one at rcv_nxt, or outside the window. */
TEST_F(blind, syn_anywhere_gets_challenge_ack)
{
	establish(_metadata, self, 1, 0);
	ASSERT_EQ(0, attack(self, self->p_nxt, 0, TOYHDR_SYN, 0));
	expect_ack(_metadata, self, "a SYN at rcv_nxt");
	toy_sleep_ms(OOW_MS + 100);	/* the rate limit's interval */
	ASSERT_EQ(0, attack(self, self->p_nxt - 100000, 0, TOYHDR_SYN, 0));
	expect_ack(_metadata, self, "a SYN at rcv_nxt - 100000");
	untouched(_metadata, self);
	transfer(_metadata, self, XFER);
}

/*
 * RFC 5961 5.2: data at exactly rcv_nxt whose ACK is below snd_una -
 * max_window (the real peer's window, 65536) cannot be the peer's: dropped,
 * with an ACK, and never read. Before 5.2, any "old" ACK let it in.
 */
TEST_F(blind, data_with_ack_below_max_window_dropped)
{
	uint32_t una;

	establish(_metadata, self, 0, 0);
	transfer(_metadata, self, 4 * CHUNK);
	una = self->m_rcv;
	ASSERT_EQ(0, attack(self, self->p_nxt, una - 65536 - 1, TOYHDR_ACK, 100));
	expect_ack(_metadata, self, "data with ACK snd_una - max_window - 1");
	ASSERT_EQ(0, attack(self, self->p_nxt, una - 0x7fffffffU, TOYHDR_ACK, 100));
	expect_ack(_metadata, self, "data with ACK snd_una - 2^31 + 1");
	untouched(_metadata, self);
	transfer(_metadata, self, XFER);
}

/* RFC 5961 5.2: the oldest ACK the peer can send still delivers its data. */
TEST_F(blind, data_with_ack_at_max_window_delivered)
{
	unsigned char buf[100];
	struct toy_seg s;
	size_t i;

	establish(_metadata, self, 0, 0);
	transfer(_metadata, self, 4 * CHUNK);
	for (i = 0; i < sizeof(buf); i++)
		buf[i] = pat(self->psalt, self->rd + i);
	ASSERT_EQ(0, peer_send(&self->p, self->p_nxt, self->m_rcv - 65536,
			       TOYHDR_ACK, buf, sizeof(buf)));
	self->p_nxt += sizeof(buf);
	ASSERT_EQ(0, next_seg(self, &s));
	ASSERT_EQ(self->p_nxt, s.ack) TH_LOG("data with ACK snd_una - max_window not taken");
	ASSERT_LT(0, toy_poll(self->fd, POLLIN, REPLY_MS));
	ASSERT_EQ((ssize_t)sizeof(buf), toy_read(self));
	ASSERT_EQ(0, self->injected);
	untouched(_metadata, self);
}

/* RFC 9293 / 5961 5.2: data acknowledging what was never sent: dropped. */
TEST_F(blind, data_with_ack_beyond_snd_nxt_dropped)
{
	establish(_metadata, self, 1, 0);
	transfer(_metadata, self, 4 * CHUNK);
	ASSERT_EQ(0, attack(self, self->p_nxt, self->m_nxt + 1, TOYHDR_ACK, 100));
	expect_ack(_metadata, self, "data with ACK snd_nxt + 1");
	ASSERT_EQ(0, attack(self, self->p_nxt, self->m_nxt + 0x7fffffffU,
			    TOYHDR_ACK, 100));
	expect_ack(_metadata, self, "data with ACK snd_nxt + 2^31 - 1");
	untouched(_metadata, self);
	transfer(_metadata, self, XFER);
}

/*
 * RFC 5961 7 (and Linux's tcp_invalid_ratelimit): a flood of segments
 * without payload that each deserve an ACK gets at most one per 500 ms,
 * and at least one. Returns the answers, asserted on by the caller.
 */
static long flood(FIXTURE_DATA(blind) *self, int flags, uint32_t seq_lo,
		  uint32_t seq_span, long *ms)
{
	long t0 = peer_now_ms(), n = 0;
	int i;

	for (i = 0; i < FLOOD; i++) {
		if (attack(self, seq_lo + rnd(seq_span), self->m_nxt, flags, 0))
			return -1;
		if (i % 64 == 63)
			n += drain(self, 0);
	}
	*ms = peer_now_ms() - t0;
	return n + drain(self, OOW_MS + 200);
}

/*
 * At most one answer per 500 ms of flood, plus the first, plus jiffies;
 * per 250 ms by CLOCK_MONOTONIC, which the guest's jiffies may outrun
 * under TCG on a busy host.
 */
#define RATE_BOUND(ms)	(3 + (ms) / (OOW_MS / 2))

TEST_F(blind, out_of_window_acks_rate_limited)
{
	long ms, n;

	establish(_metadata, self, 0, 0);
	n = flood(self, TOYHDR_ACK, self->p_nxt + 0x40000000U, 0x10000000U, &ms);
	EXPECT_LE(1, n) TH_LOG("no answer at all");
	EXPECT_GE(RATE_BOUND(ms), n) TH_LOG("%ld ACKs answered %d out-of-window ACKs in %ld ms",
					    n, FLOOD, ms);
	untouched(_metadata, self);
	transfer(_metadata, self, XFER);
}

TEST_F(blind, syn_challenge_acks_rate_limited)
{
	long ms, n;

	establish(_metadata, self, 1, 0);
	n = flood(self, TOYHDR_SYN, 0, 0xffffffffU, &ms);
	EXPECT_LE(1, n) TH_LOG("no challenge ACK at all");
	EXPECT_GE(RATE_BOUND(ms), n) TH_LOG("%ld ACKs answered %d SYNs in %ld ms",
					    n, FLOOD, ms);
	untouched(_metadata, self);
	transfer(_metadata, self, XFER);
}

TEST_F(blind, rst_challenge_acks_rate_limited)
{
	long ms, n;

	establish(_metadata, self, 0, 0);
	n = flood(self, TOYHDR_RST, self->p_nxt + 1, self->wnd - 1, &ms);
	EXPECT_LE(1, n) TH_LOG("no challenge ACK at all");
	EXPECT_GE(RATE_BOUND(ms), n) TH_LOG("%ld ACKs answered %d in-window RSTs in %ld ms",
					    n, FLOOD, ms);
	untouched(_metadata, self);
	transfer(_metadata, self, XFER);
}

/* ---- options, then the harness --------------------------------------------- */

/* Our options out of argv, the rest for the harness. */
int main(int argc, char **argv)
{
	struct __fixture_metadata *f;
	struct __test_metadata *t;
	int i, n;

	n = toy_fuzz_args(argc, argv, &cfg);
	if (n < 0)
		return KSFT_FAIL;
	printf("# seed: %llu (iters %ld, seconds %ld)\n", cfg.seed, cfg.iters,
	       cfg.seconds);
	fflush(stdout);
	for (i = 1; i < n && strcmp(argv[i], "-l") && strcmp(argv[i], "-h"); i++)
		;
	if (i == n)	/* tests will run */
		net_build();
	/* room for a slow (debug) kernel; the random test follows --seconds */
	for (f = __fixture_list; f; f = f->next)
		for (t = f->tests; t; t = t->next)
			t->timeout = strcmp(t->name, "random_injection") ? 120 :
				     cfg.seconds + 90;
	return test_harness_run(n, argv);
}
