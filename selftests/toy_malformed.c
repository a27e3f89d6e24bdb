// SPDX-License-Identifier: GPL-2.0
/*
 * Hand-crafted Toy segments sent through a raw IPv4 socket (protocol 253,
 * the kernel adds the IP header) to 127.0.0.1:
 *  - each malformed form is dropped silently and counted in InErrs
 *    (InCsumErrors too for a bad checksum), and never answered;
 *  - valid segments to a closed port are answered with the right RST;
 *  - a SYN to a listener is answered with SYN|ACK.
 * The same raw socket receives every protocol-253 packet that crosses lo,
 * our own included, so replies are picked out by their direction (ports).
 */
#define _GNU_SOURCE
#include <netinet/ip.h>

#include "toy_test.h"
#include "peer.h"
#include "toy_harness.h"

#define HDRLEN		((int)sizeof(struct toyhdr))	/* 24 */
#define REPLY_MS	1000	/* how long to wait for an expected reply */
#define SILENCE_MS	150	/* how long "no reply" is watched for */

/* ---- Internet checksum: peer.c's (docs/protocol.md section 5) ---- */

/* Fills in hdr->check for a segment of len bytes from src to dst. */
static void toy_set_check(unsigned char *seg, size_t len, int proto)
{
	struct toyhdr *h = (struct toyhdr *)seg;

	h->check = htons(peer_seg_check(TOY_LO, TOY_LO, proto, seg, len));
}

/*
 * A received segment is valid when everything, check included, sums to ~0.
 * The module leaves every checksum to the device (CHECKSUM_PARTIAL), and
 * loopback never fills it in, so a raw socket sees the pseudo-header's
 * sum there: completed as a device would (peer_csum_complete()), the
 * segment is valid only if that sum was right.
 */
static int toy_check_ok(in_addr_t src, in_addr_t dst, int proto,
			unsigned char *seg, size_t len)
{
	peer_csum_complete(seg, len);
	return peer_seg_sum(src, dst, proto, seg, len) == 0xffff;
}

/* ---- segments ------------------------------------------------------------ */

struct seg {
	unsigned char buf[256];
	size_t len;		/* bytes handed to sendto() */
};

/* A well-formed segment with plen payload bytes ("abcd..."). */
static void seg_build(struct seg *s, int sport, int dport, uint32_t seq,
		      uint32_t ack, int flags, size_t plen, int proto)
{
	struct toyhdr *h = (struct toyhdr *)s->buf;
	size_t i;

	memset(s->buf, 0, sizeof(s->buf));
	h->source = htons(sport);
	h->dest = htons(dport);
	h->seq = htonl(seq);
	h->ack_seq = htonl(ack);
	h->window = htonl(65535);
	h->len = htons(plen);
	h->flags = flags;
	h->doff = TOYHDR_DOFF;
	for (i = 0; i < plen; i++)
		s->buf[HDRLEN + i] = 'a' + i % 26;
	s->len = HDRLEN + plen;
	toy_set_check(s->buf, s->len, proto);
}

static int seg_send(int fd, const struct seg *s)
{
	struct sockaddr_in to = {
		.sin_family = AF_INET,
		.sin_addr.s_addr = TOY_LO,
	};

	return sendto(fd, s->buf, s->len, 0, (struct sockaddr *)&to,
		      sizeof(to)) == (ssize_t)s->len ? 0 : -1;
}

struct reply {
	struct toyhdr h;
	size_t seglen;
	int csum_ok;
};

/*
 * Waits up to ms for a segment from sport to dport (i.e. a reply) and
 * returns 1 with it in *r, or 0 if none came.
 */
static int seg_wait(int fd, int proto, int sport, int dport, int ms,
		    struct reply *r)
{
	long end = toy_now_ms() + ms;
	unsigned char pkt[65536];

	for (;;) {
		long left = end - toy_now_ms();
		struct iphdr *ip = (struct iphdr *)pkt;
		struct toyhdr *h;
		size_t ihl;
		ssize_t n;

		if (left <= 0)
			return 0;
		if (!(toy_poll(fd, POLLIN, left) & POLLIN))
			return 0;
		n = recv(fd, pkt, sizeof(pkt), MSG_DONTWAIT);
		if (n < (ssize_t)sizeof(*ip))
			continue;
		ihl = ip->ihl * 4;
		if (ip->protocol != proto || n < (ssize_t)ihl + HDRLEN)
			continue;
		h = (struct toyhdr *)(pkt + ihl);
		if (ntohs(h->source) != sport || ntohs(h->dest) != dport)
			continue;
		r->h = *h;
		r->seglen = n - ihl;
		r->csum_ok = toy_check_ok(ip->saddr, ip->daddr, proto, pkt + ihl,
					  r->seglen);
		return 1;
	}
}

/* A quick loopback connection with a round trip: the stack still works. */
static int stack_works(void)
{
	int lfd, cfd, sfd, lport, cport, ok = 0;
	char c = 0;

	if (!toy_pair(&lfd, &cfd, &sfd, &lport, &cport) &&
	    send(cfd, "!", 1, MSG_NOSIGNAL) == 1 && recv(sfd, &c, 1, 0) == 1)
		ok = c == '!';
	toy_close(&cfd);
	toy_close(&sfd);
	toy_close(&lfd);
	return ok;
}

/* ---- fixtures: a raw socket and a port nobody listens on ------------------ */

struct rawenv {
	int raw, hold;
	int proto;
	int port;	/* the module's side: bound, not listening */
	int peer;	/* our fake peer's port */
};

static void rawenv_setup(struct __test_metadata *_metadata, struct rawenv *e)
{
	e->hold = -1;
	/* let earlier tests' sockets go, so no stray segment moves counters */
	toy_wait_idle(3000);
	e->proto = toy_ipproto();
	e->raw = socket(AF_INET, SOCK_RAW, e->proto);
	ASSERT_LE(0, e->raw) TH_LOG("raw socket: %s", strerror(errno));
	e->hold = toy_socket();
	ASSERT_LE(0, e->hold);
	ASSERT_EQ(0, toy_bind(e->hold, TOY_LO, 0));
	e->port = toy_local_port(e->hold);
	/* a port no AF_TOY socket uses: ephemeral ports are >= 32768 */
	e->peer = 1000 + getpid() % 20000;
}

static void rawenv_teardown(struct rawenv *e)
{
	toy_close(&e->raw);
	toy_close(&e->hold);
}

/* "raw": well-formed segments; "bad": one variant per malformation */
FIXTURE(raw) {
	struct rawenv e;
};

FIXTURE_SETUP(raw)
{
	rawenv_setup(_metadata, &self->e);
}

FIXTURE_TEARDOWN(raw)
{
	rawenv_teardown(&self->e);
}

FIXTURE(bad) {
	struct rawenv e;
};

FIXTURE_SETUP(bad)
{
	rawenv_setup(_metadata, &self->e);
}

FIXTURE_TEARDOWN(bad)
{
	rawenv_teardown(&self->e);
}

/* ---- malformed segments --------------------------------------------------- */

enum bad_kind {
	BAD_TRUNC,		/* cut to .arg bytes */
	BAD_DOFF,		/* doff = .arg, length kept consistent */
	BAD_RESERVED,		/* reserved = .arg */
	BAD_FLAGS,		/* flags = .arg */
	BAD_LEN,		/* len field = .arg with 4 payload bytes */
	BAD_CSUM,		/* check ^= .arg (0: check = 0) */
};

FIXTURE_VARIANT(bad) {
	enum bad_kind kind;
	int arg;
	int csum_err;	/* InCsumErrors expected to move */
};

FIXTURE_VARIANT_ADD(bad, truncated_23) { BAD_TRUNC, 23, 0 };
FIXTURE_VARIANT_ADD(bad, truncated_8) { BAD_TRUNC, 8, 0 };
FIXTURE_VARIANT_ADD(bad, truncated_0) { BAD_TRUNC, 0, 0 };
FIXTURE_VARIANT_ADD(bad, doff_5) { BAD_DOFF, 5, 0 };
FIXTURE_VARIANT_ADD(bad, doff_7) { BAD_DOFF, 7, 0 };
FIXTURE_VARIANT_ADD(bad, doff_0) { BAD_DOFF, 0, 0 };
/* SACK blocks (doff 8..14) ride on ACKs only, never on a SYN; at most 4. */
FIXTURE_VARIANT_ADD(bad, doff_8_on_syn) { BAD_DOFF, 8, 0 };
FIXTURE_VARIANT_ADD(bad, doff_9) { BAD_DOFF, 9, 0 };
FIXTURE_VARIANT_ADD(bad, doff_16) { BAD_DOFF, 16, 0 };
FIXTURE_VARIANT_ADD(bad, reserved_1) { BAD_RESERVED, 1, 0 };
FIXTURE_VARIANT_ADD(bad, reserved_8000) { BAD_RESERVED, 0x8000, 0 };
FIXTURE_VARIANT_ADD(bad, flag_08) { BAD_FLAGS, TOYHDR_SYN | 0x08, 0 };
FIXTURE_VARIANT_ADD(bad, sackok_without_syn) {
	BAD_FLAGS, TOYHDR_ACK | TOYHDR_SACKOK, 0 };
FIXTURE_VARIANT_ADD(bad, flag_40) { BAD_FLAGS, TOYHDR_SYN | 0x40, 0 };
FIXTURE_VARIANT_ADD(bad, flag_80) { BAD_FLAGS, TOYHDR_SYN | 0x80, 0 };
FIXTURE_VARIANT_ADD(bad, syn_fin) { BAD_FLAGS, TOYHDR_SYN | TOYHDR_FIN, 0 };
FIXTURE_VARIANT_ADD(bad, syn_rst) { BAD_FLAGS, TOYHDR_SYN | TOYHDR_RST, 0 };
FIXTURE_VARIANT_ADD(bad, syn_fin_ack) {
	BAD_FLAGS, TOYHDR_SYN | TOYHDR_FIN | TOYHDR_ACK, 0 };
FIXTURE_VARIANT_ADD(bad, len_larger) { BAD_LEN, 10, 0 };
FIXTURE_VARIANT_ADD(bad, len_smaller) { BAD_LEN, 2, 0 };
FIXTURE_VARIANT_ADD(bad, len_zero) { BAD_LEN, 0, 0 };
FIXTURE_VARIANT_ADD(bad, bad_checksum) { BAD_CSUM, 0x1234, 1 };
FIXTURE_VARIANT_ADD(bad, bad_checksum_1bit) { BAD_CSUM, 0x0001, 1 };
FIXTURE_VARIANT_ADD(bad, zero_checksum) { BAD_CSUM, 0, 1 };

/*
 * Builds a segment that would be a valid SYN to the closed port (and so
 * would be answered with an RST) except for the one flaw of the variant.
 */
static void bad_build(struct seg *s, const FIXTURE_VARIANT(bad) *v,
		      int sport, int dport, int proto)
{
	struct toyhdr *h = (struct toyhdr *)s->buf;
	uint32_t seq = 1000;

	switch (v->kind) {
	case BAD_TRUNC:
		seg_build(s, sport, dport, seq, 0, TOYHDR_SYN, 0, proto);
		s->len = v->arg;
		break;
	case BAD_DOFF:
		/* IP payload = doff * 4 + len: only doff is wrong */
		seg_build(s, sport, dport, seq, 0, TOYHDR_SYN, 0, proto);
		h->doff = v->arg;
		s->len = v->arg * 4 > HDRLEN ? v->arg * 4 : HDRLEN;
		h->len = htons(s->len - v->arg * 4);
		toy_set_check(s->buf, s->len, proto);
		break;
	case BAD_RESERVED:
		seg_build(s, sport, dport, seq, 0, TOYHDR_SYN, 0, proto);
		h->reserved = htons(v->arg);
		toy_set_check(s->buf, s->len, proto);
		break;
	case BAD_FLAGS:
		seg_build(s, sport, dport, seq, 0, v->arg, 0, proto);
		break;
	case BAD_LEN:
		seg_build(s, sport, dport, seq, 0, TOYHDR_SYN, 4, proto);
		h->len = htons(v->arg);
		toy_set_check(s->buf, s->len, proto);
		break;
	case BAD_CSUM:
		/* make sure the right checksum is not 0, so 0 is wrong */
		do {
			seg_build(s, sport, dport, seq++, 0, TOYHDR_SYN, 0, proto);
		} while (!h->check);
		h->check = v->arg ? h->check ^ htons(v->arg) : 0;
		break;
	}
}

TEST_F(bad, dropped)
{
	struct toy_stats s0, s1;
	struct reply r;
	struct seg s;

	bad_build(&s, variant, self->e.peer, self->e.port, self->e.proto);
	ASSERT_EQ(0, toy_stats_read(&s0));
	ASSERT_EQ(0, seg_send(self->e.raw, &s)) TH_LOG("sendto: %s", strerror(errno));
	EXPECT_EQ(0, toy_wait_stat("InErrs", toy_stats_get(&s0, "InErrs") + 1,
				   TOY_WAIT_MS));
	/* no RST (or anything else) comes back */
	EXPECT_EQ(0, seg_wait(self->e.raw, self->e.proto, self->e.port, self->e.peer,
			      SILENCE_MS, &r));
	ASSERT_EQ(0, toy_stats_read(&s1));
	EXPECT_EQ(1, toy_stats_delta(&s0, &s1, "InErrs"));
	EXPECT_EQ(variant->csum_err, toy_stats_delta(&s0, &s1, "InCsumErrors"));
	EXPECT_EQ(0, toy_stats_delta(&s0, &s1, "InNoSocket"));
	EXPECT_EQ(0, toy_stats_delta(&s0, &s1, "OutRsts"));
	EXPECT_EQ(0, toy_stats_delta(&s0, &s1, "OutSegs"));
	EXPECT_EQ(0, toy_stats_delta(&s0, &s1, "PassiveOpens"));
	EXPECT_TRUE(stack_works());
}

/* The same malformed segment aimed at a listener creates nothing either. */
TEST_F(bad, to_listener)
{
	struct toy_stats s0, s1;
	struct toy_row row;
	struct reply r;
	struct seg s;
	int lfd, lport;

	lfd = toy_listener(TOY_LO, 4, &lport);
	ASSERT_LE(0, lfd);
	bad_build(&s, variant, self->e.peer, lport, self->e.proto);
	ASSERT_EQ(0, toy_stats_read(&s0));
	ASSERT_EQ(0, seg_send(self->e.raw, &s));
	EXPECT_EQ(0, toy_wait_stat("InErrs", toy_stats_get(&s0, "InErrs") + 1,
				   TOY_WAIT_MS));
	EXPECT_EQ(0, seg_wait(self->e.raw, self->e.proto, lport, self->e.peer,
			      SILENCE_MS, &r));
	ASSERT_EQ(0, toy_stats_read(&s1));
	EXPECT_EQ(1, toy_stats_delta(&s0, &s1, "InErrs"));
	EXPECT_EQ(0, toy_find(lport, self->e.peer, &row));
	ASSERT_EQ(1, toy_find(lport, 0, &row));
	EXPECT_EQ(0U, row.rx_queue);
	close(lfd);
}

/* ---- well-formed segments ------------------------------------------------- */

/* A SYN to a closed port: RST|ACK, seq 0, ack = seq + 1. */
TEST_F(raw, syn_to_closed_port)
{
	struct toy_stats s0, s1;
	struct reply r;
	struct seg s;

	ASSERT_EQ(0, toy_stats_read(&s0));
	seg_build(&s, self->e.peer, self->e.port, 0x12345678, 0, TOYHDR_SYN, 0,
		  self->e.proto);
	ASSERT_EQ(0, seg_send(self->e.raw, &s));
	ASSERT_EQ(1, seg_wait(self->e.raw, self->e.proto, self->e.port, self->e.peer,
			      REPLY_MS, &r));
	EXPECT_EQ(TOYHDR_RST | TOYHDR_ACK, r.h.flags);
	EXPECT_EQ(0U, ntohl(r.h.seq));
	EXPECT_EQ(0x12345679U, ntohl(r.h.ack_seq));
	EXPECT_EQ(TOYHDR_DOFF, r.h.doff);
	EXPECT_EQ(0, ntohs(r.h.len));
	EXPECT_EQ(0, r.h.reserved);
	EXPECT_EQ((size_t)HDRLEN, r.seglen);
	EXPECT_TRUE(r.csum_ok);
	ASSERT_EQ(0, toy_stats_wait(&s0, &s1, "OutRsts", 1, TOY_WAIT_MS));
	EXPECT_EQ(1, toy_stats_delta(&s0, &s1, "OutRsts"));
	/* ours, and perhaps the RST itself coming back over lo */
	EXPECT_LE(1, toy_stats_delta(&s0, &s1, "InNoSocket"));
	EXPECT_GE(2, toy_stats_delta(&s0, &s1, "InNoSocket"));
	EXPECT_EQ(0, toy_stats_delta(&s0, &s1, "InErrs"));
}

/* FIN with 5 data bytes, no ACK: RST|ACK, ack = seq + 5 + 1. */
TEST_F(raw, fin_data_to_closed_port)
{
	struct reply r;
	struct seg s;

	seg_build(&s, self->e.peer, self->e.port, 0xfffffffe, 0, TOYHDR_FIN, 5,
		  self->e.proto);
	ASSERT_EQ(0, seg_send(self->e.raw, &s));
	ASSERT_EQ(1, seg_wait(self->e.raw, self->e.proto, self->e.port, self->e.peer,
			      REPLY_MS, &r));
	EXPECT_EQ(TOYHDR_RST | TOYHDR_ACK, r.h.flags);
	EXPECT_EQ(0U, ntohl(r.h.seq));
	/* sequence numbers wrap */
	EXPECT_EQ(4U, ntohl(r.h.ack_seq));
	EXPECT_TRUE(r.csum_ok);
}

/* An ACK to a closed port: RST with seq = its ack_seq and no ACK flag. */
TEST_F(raw, ack_to_closed_port)
{
	struct reply r;
	struct seg s;

	seg_build(&s, self->e.peer, self->e.port, 500, 0xabcdef01, TOYHDR_ACK, 3,
		  self->e.proto);
	ASSERT_EQ(0, seg_send(self->e.raw, &s));
	ASSERT_EQ(1, seg_wait(self->e.raw, self->e.proto, self->e.port, self->e.peer,
			      REPLY_MS, &r));
	EXPECT_EQ(TOYHDR_RST, r.h.flags);
	EXPECT_EQ(0xabcdef01U, ntohl(r.h.seq));
	EXPECT_TRUE(r.csum_ok);
}

/* Never an RST to an RST. */
TEST_F(raw, rst_to_closed_port)
{
	struct toy_stats s0, s1;
	struct reply r;
	struct seg s;

	ASSERT_EQ(0, toy_stats_read(&s0));
	seg_build(&s, self->e.peer, self->e.port, 77, 0, TOYHDR_RST, 0, self->e.proto);
	ASSERT_EQ(0, seg_send(self->e.raw, &s));
	EXPECT_EQ(0, seg_wait(self->e.raw, self->e.proto, self->e.port, self->e.peer,
			      SILENCE_MS, &r));
	seg_build(&s, self->e.peer, self->e.port, 77, 88, TOYHDR_RST | TOYHDR_ACK, 0,
		  self->e.proto);
	ASSERT_EQ(0, seg_send(self->e.raw, &s));
	EXPECT_EQ(0, seg_wait(self->e.raw, self->e.proto, self->e.port, self->e.peer,
			      SILENCE_MS, &r));
	ASSERT_EQ(0, toy_stats_read(&s1));
	EXPECT_EQ(0, toy_stats_delta(&s0, &s1, "OutRsts"));
	EXPECT_EQ(0, toy_stats_delta(&s0, &s1, "InErrs"));
}

/*
 * A SYN to a listener: SYN|ACK with ack = seq + 1. Our fake peer has no
 * socket, so the module will also see its own SYN|ACK come back over lo and
 * may reset the embryonic connection itself; we send the RST anyway.
 */
TEST_F(raw, syn_to_listener)
{
	struct toy_row row;
	struct reply r;
	struct seg s;
	int lfd, lport;

	lfd = toy_listener(TOY_LO, 4, &lport);
	ASSERT_LE(0, lfd);
	seg_build(&s, self->e.peer, lport, 0x7ffffff0, 0, TOYHDR_SYN, 0,
		  self->e.proto);
	ASSERT_EQ(0, seg_send(self->e.raw, &s));
	ASSERT_EQ(1, seg_wait(self->e.raw, self->e.proto, lport, self->e.peer,
			      REPLY_MS, &r));
	EXPECT_EQ(TOYHDR_SYN | TOYHDR_ACK, r.h.flags);
	EXPECT_EQ(0x7ffffff1U, ntohl(r.h.ack_seq));
	EXPECT_EQ(TOYHDR_DOFF, r.h.doff);
	EXPECT_EQ(0, ntohs(r.h.len));
	EXPECT_LT(0U, ntohl(r.h.window));
	EXPECT_TRUE(r.csum_ok);

	seg_build(&s, self->e.peer, lport, 0x7ffffff1, 0, TOYHDR_RST, 0,
		  self->e.proto);
	ASSERT_EQ(0, seg_send(self->e.raw, &s));
	EXPECT_EQ(0, toy_wait_gone(lport, self->e.peer, TOY_WAIT_MS));
	/* nothing reached the accept queue */
	ASSERT_EQ(1, toy_find(lport, 0, &row));
	EXPECT_EQ(0U, row.rx_queue);
	EXPECT_EQ(0, toy_poll(lfd, POLLIN, 0));
	close(lfd);
	EXPECT_TRUE(stack_works());
}

/*
 * A SYN that breaks two rules a peer must follow (section 3): it carries
 * payload, and an ack_seq without ACK. The listener takes the SYN alone:
 * the SYN|ACK acknowledges seq + 1, not the payload (which the peer sends
 * again once established), and the stray ack_seq changes nothing.
 */
TEST_F(raw, syn_with_payload_and_ack_seq)
{
	struct reply r;
	struct seg s;
	int lfd, lport;

	lfd = toy_listener(TOY_LO, 4, &lport);
	ASSERT_LE(0, lfd);
	seg_build(&s, self->e.peer, lport, 0x10000, 0xdeadbeef, TOYHDR_SYN, 5,
		  self->e.proto);
	ASSERT_EQ(0, seg_send(self->e.raw, &s));
	ASSERT_EQ(1, seg_wait(self->e.raw, self->e.proto, lport, self->e.peer,
			      REPLY_MS, &r));
	EXPECT_EQ(TOYHDR_SYN | TOYHDR_ACK, r.h.flags);
	EXPECT_EQ(0x10001U, ntohl(r.h.ack_seq));
	EXPECT_EQ(0, ntohs(r.h.len));
	EXPECT_TRUE(r.csum_ok);

	seg_build(&s, self->e.peer, lport, 0x10001, 0, TOYHDR_RST, 0,
		  self->e.proto);
	ASSERT_EQ(0, seg_send(self->e.raw, &s));
	EXPECT_EQ(0, toy_wait_gone(lport, self->e.peer, TOY_WAIT_MS));
	close(lfd);
	EXPECT_TRUE(stack_works());
}

/* Our own checksum agrees with the module's on real traffic. */
TEST_F(raw, checksums_of_real_traffic)
{
	int lfd, cfd, sfd, lport, cport, seen = 0;
	char buf[333];
	struct reply r;

	ASSERT_EQ(0, toy_pair(&lfd, &cfd, &sfd, &lport, &cport));
	memset(buf, 'q', sizeof(buf));	/* odd length: tests the padding */
	ASSERT_EQ((ssize_t)sizeof(buf), send(cfd, buf, sizeof(buf), MSG_NOSIGNAL));
	ASSERT_EQ((ssize_t)sizeof(buf), toy_recv_all(sfd, buf, sizeof(buf)));
	/* the handshake's ACK and the data went client -> server */
	while (seg_wait(self->e.raw, self->e.proto, cport, lport, 200, &r)) {
		EXPECT_TRUE(r.csum_ok);
		EXPECT_EQ(r.seglen, (size_t)(HDRLEN + ntohs(r.h.len)));
		seen++;
	}
	EXPECT_LE(2, seen);
	close(cfd);
	close(sfd);
	close(lfd);
}

/*
 * After all of the above the stack still works normally. A fixture of its
 * own, declared last, so that it runs after the "raw" and "bad" ones.
 */
FIXTURE(after) {
	int unused;
};

FIXTURE_SETUP(after)
{
}

FIXTURE_TEARDOWN(after)
{
}

TEST_F(after, normal_connection)
{
	int lfd, cfd, sfd, lport, cport;
	char buf[4096], got[4096];

	ASSERT_EQ(0, toy_pair(&lfd, &cfd, &sfd, &lport, &cport));
	memset(buf, 0x3c, sizeof(buf));
	ASSERT_EQ((ssize_t)sizeof(buf), toy_send_all(cfd, buf, sizeof(buf)));
	ASSERT_EQ((ssize_t)sizeof(got), toy_recv_all(sfd, got, sizeof(got)));
	ASSERT_EQ(0, memcmp(buf, got, sizeof(buf)));
	close(cfd);
	ASSERT_EQ(0, recv(sfd, got, 1, 0));
	close(sfd);
	close(lfd);
}

TEST_HARNESS_MAIN
