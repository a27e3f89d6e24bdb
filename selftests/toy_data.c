// SPDX-License-Identifier: GPL-2.0
/*
 * Data transfer over a loopback AF_TOY connection: round trips, a 4 MiB
 * checked stream each way, half-close, MSG_PEEK, poll() readiness and the
 * two ways close() turns into a reset.
 */
#define _GNU_SOURCE
#include <pthread.h>

#include "toy_test.h"
#include "toy_harness.h"

/* Data tests allow more time per call: TCG is slow. */
#define DATA_IO_MS	10000

/* A reproducible pseudo-random byte stream: xorshift32 from a seed. */
struct stream {
	uint32_t x;
	uint64_t pos;
};

static void stream_init(struct stream *s, uint32_t seed)
{
	s->x = seed ? seed : 0x9e3779b9;
	s->pos = 0;
}

static void stream_fill(struct stream *s, unsigned char *buf, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		s->x ^= s->x << 13;
		s->x ^= s->x >> 17;
		s->x ^= s->x << 5;
		buf[i] = s->x >> 24;
	}
	s->pos += len;
}

/* FNV-1a, 64 bit */
static uint64_t fnv1a(uint64_t h, const unsigned char *p, size_t len)
{
	while (len--) {
		h ^= *p++;
		h *= 0x100000001b3ULL;
	}
	return h;
}

#define FNV_INIT 0xcbf29ce484222325ULL

struct xfer {
	int fd;
	uint32_t seed;
	size_t total;
	/* results */
	int err;		/* errno of the failing call, 0 if none */
	size_t done;
	uint64_t hash;
	int64_t first_bad;	/* receiver: offset of the first wrong byte */
};

/* Sends total bytes of the seed's stream in varying chunk sizes. */
static void *sender(void *arg)
{
	struct xfer *x = arg;
	static __thread unsigned char buf[65536];
	struct stream s;
	size_t chunk = 1;

	stream_init(&s, x->seed);
	x->hash = FNV_INIT;
	while (x->done < x->total) {
		size_t len = x->total - x->done;
		ssize_t n;

		/* 1, 7, 49, ... up to 64 KiB: exercises small and big sends */
		chunk = chunk * 7 % 65521 + 1;
		if (len > chunk)
			len = chunk;
		stream_fill(&s, buf, len);
		x->hash = fnv1a(x->hash, buf, len);
		n = toy_send_all(x->fd, buf, len);
		if (n != (ssize_t)len) {
			x->err = errno ? errno : EIO;
			break;
		}
		x->done += len;
	}
	return NULL;
}

/* Receives total bytes and checks each against the regenerated stream. */
static void *receiver(void *arg)
{
	struct xfer *x = arg;
	static __thread unsigned char buf[65536], want[65536];
	struct stream s;

	stream_init(&s, x->seed);
	x->hash = FNV_INIT;
	x->first_bad = -1;
	while (x->done < x->total) {
		size_t len = x->total - x->done;
		ssize_t n, i;

		if (len > sizeof(buf))
			len = sizeof(buf);
		n = recv(x->fd, buf, len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			x->err = n ? errno : EPIPE;	/* EPIPE: early EOF */
			break;
		}
		stream_fill(&s, want, n);
		if (x->first_bad < 0)
			for (i = 0; i < n; i++)
				if (buf[i] != want[i]) {
					x->first_bad = x->done + i;
					break;
				}
		x->hash = fnv1a(x->hash, buf, n);
		x->done += n;
	}
	return NULL;
}

FIXTURE(conn) {
	int lfd, cfd, sfd, lport, cport;
};

FIXTURE_SETUP(conn)
{
	ASSERT_EQ(0, toy_pair(&self->lfd, &self->cfd, &self->sfd,
			      &self->lport, &self->cport));
	ASSERT_EQ(0, toy_set_timeouts(self->cfd, DATA_IO_MS));
	ASSERT_EQ(0, toy_set_timeouts(self->sfd, DATA_IO_MS));
}

FIXTURE_TEARDOWN(conn)
{
	toy_close(&self->cfd);
	toy_close(&self->sfd);
	toy_close(&self->lfd);
}

TEST_F(conn, small_round_trip)
{
	char buf[64];
	const char msg[] = "hello, toy";

	ASSERT_EQ((ssize_t)sizeof(msg), send(self->cfd, msg, sizeof(msg), MSG_NOSIGNAL));
	ASSERT_EQ((ssize_t)sizeof(msg), toy_recv_all(self->sfd, buf, sizeof(msg)));
	ASSERT_EQ(0, memcmp(msg, buf, sizeof(msg)));
	/* echo it back */
	ASSERT_EQ((ssize_t)sizeof(msg), send(self->sfd, buf, sizeof(msg), MSG_NOSIGNAL));
	memset(buf, 0, sizeof(buf));
	ASSERT_EQ((ssize_t)sizeof(msg), toy_recv_all(self->cfd, buf, sizeof(msg)));
	ASSERT_EQ(0, memcmp(msg, buf, sizeof(msg)));
	/* write()/read() are the same calls */
	ASSERT_EQ(3, write(self->cfd, "abc", 3));
	ASSERT_EQ(3, toy_recv_all(self->sfd, buf, 3));
	ASSERT_EQ(0, memcmp("abc", buf, 3));
}

/* Many one-byte messages arrive complete and in order. */
TEST_F(conn, many_small_sends)
{
	unsigned char buf[1000];
	int i;

	ASSERT_EQ(0, toy_set_int(self->cfd, SOL_TOY, TOY_NODELAY, 1));
	for (i = 0; i < 1000; i++) {
		unsigned char c = i * 31;

		ASSERT_EQ(1, send(self->cfd, &c, 1, MSG_NOSIGNAL));
	}
	ASSERT_EQ(1000, toy_recv_all(self->sfd, buf, sizeof(buf)));
	for (i = 0; i < 1000; i++)
		ASSERT_EQ((unsigned char)(i * 31), buf[i]);
}

TEST_F_TIMEOUT(conn, bulk_4mib, 180)
{
	struct xfer tx = { .fd = self->cfd, .seed = 1234, .total = 4 << 20 };
	struct xfer rx = { .fd = self->sfd, .seed = 1234, .total = 4 << 20 };
	struct toy_info ti;
	pthread_t t;

	ASSERT_EQ(0, pthread_create(&t, NULL, sender, &tx));
	receiver(&rx);
	pthread_join(t, NULL);
	ASSERT_EQ(0, tx.err) TH_LOG("send: %s", strerror(tx.err));
	ASSERT_EQ(0, rx.err) TH_LOG("recv after %zu bytes: %s", rx.done,
				    strerror(rx.err));
	ASSERT_EQ(tx.total, rx.done);
	EXPECT_EQ(-1, rx.first_bad);
	EXPECT_EQ(tx.hash, rx.hash);
	/* all of it acknowledged: snd_una catches up with snd_nxt */
	ASSERT_EQ(0, toy_get_info(self->cfd, &ti));
	EXPECT_EQ(TOY_ST_ESTABLISHED, ti.state);
	EXPECT_LT(0U, ti.srtt_us);
}

TEST_F_TIMEOUT(conn, bulk_both_directions, 180)
{
	struct xfer ctx = { .fd = self->cfd, .seed = 1, .total = 2 << 20 };
	struct xfer srx = { .fd = self->sfd, .seed = 1, .total = 2 << 20 };
	struct xfer stx = { .fd = self->sfd, .seed = 2, .total = 2 << 20 };
	struct xfer crx = { .fd = self->cfd, .seed = 2, .total = 2 << 20 };
	pthread_t t[3];

	ASSERT_EQ(0, pthread_create(&t[0], NULL, sender, &ctx));
	ASSERT_EQ(0, pthread_create(&t[1], NULL, sender, &stx));
	ASSERT_EQ(0, pthread_create(&t[2], NULL, receiver, &crx));
	receiver(&srx);
	pthread_join(t[0], NULL);
	pthread_join(t[1], NULL);
	pthread_join(t[2], NULL);
	ASSERT_EQ(0, ctx.err) TH_LOG("client send: %s", strerror(ctx.err));
	ASSERT_EQ(0, stx.err) TH_LOG("server send: %s", strerror(stx.err));
	ASSERT_EQ(0, srx.err) TH_LOG("server recv: %s", strerror(srx.err));
	ASSERT_EQ(0, crx.err) TH_LOG("client recv: %s", strerror(crx.err));
	EXPECT_EQ(-1, srx.first_bad);
	EXPECT_EQ(-1, crx.first_bad);
	EXPECT_EQ(ctx.hash, srx.hash);
	EXPECT_EQ(stx.hash, crx.hash);
}

/* The sender shuts down its side: EOF there, the other way still works. */
TEST_F(conn, half_close)
{
	char buf[16];
	struct toy_row r;

	ASSERT_EQ(4, send(self->cfd, "last", 4, MSG_NOSIGNAL));
	ASSERT_EQ(0, shutdown(self->cfd, SHUT_WR));
	ASSERT_EQ(4, toy_recv_all(self->sfd, buf, 4));
	ASSERT_EQ(0, memcmp("last", buf, 4));
	ASSERT_EQ(0, recv(self->sfd, buf, sizeof(buf), 0));
	ASSERT_EQ(0, recv(self->sfd, buf, sizeof(buf), 0));
	ASSERT_EQ(0, toy_wait_state(self->cport, self->lport, TOY_ST_FIN_WAIT2, TOY_WAIT_MS));
	ASSERT_EQ(1, toy_find(self->lport, self->cport, &r));
	EXPECT_EQ(TOY_ST_CLOSE_WAIT, r.state);

	/* CLOSE_WAIT can still send; FIN_WAIT2 can still receive */
	ASSERT_EQ(5, send(self->sfd, "reply", 5, MSG_NOSIGNAL));
	ASSERT_EQ(5, toy_recv_all(self->cfd, buf, 5));
	ASSERT_EQ(0, memcmp("reply", buf, 5));
	ASSERT_EQ(-1, send(self->cfd, "x", 1, MSG_NOSIGNAL));
	ASSERT_EQ(EPIPE, errno);

	toy_close(&self->sfd);
	ASSERT_EQ(0, recv(self->cfd, buf, sizeof(buf), 0));
}

TEST_F(conn, msg_peek)
{
	char buf[16];

	ASSERT_EQ(6, send(self->sfd, "abcdef", 6, MSG_NOSIGNAL));
	ASSERT_TRUE(toy_poll(self->cfd, POLLIN, DATA_IO_MS) & POLLIN);
	ASSERT_EQ(3, recv(self->cfd, buf, 3, MSG_PEEK));
	ASSERT_EQ(0, memcmp("abc", buf, 3));
	ASSERT_EQ(6, recv(self->cfd, buf, sizeof(buf), MSG_PEEK));
	ASSERT_EQ(0, memcmp("abcdef", buf, 6));
	/* peeking consumed nothing */
	ASSERT_EQ(2, recv(self->cfd, buf, 2, 0));
	ASSERT_EQ(0, memcmp("ab", buf, 2));
	ASSERT_EQ(4, recv(self->cfd, buf, sizeof(buf), MSG_PEEK | MSG_DONTWAIT));
	ASSERT_EQ(0, memcmp("cdef", buf, 4));
	ASSERT_EQ(4, recv(self->cfd, buf, sizeof(buf), 0));
	ASSERT_EQ(0, memcmp("cdef", buf, 4));
	ASSERT_EQ(-1, recv(self->cfd, buf, sizeof(buf), MSG_PEEK | MSG_DONTWAIT));
	ASSERT_EQ(EAGAIN, errno);
	ASSERT_EQ(-1, recv(self->cfd, buf, sizeof(buf), MSG_DONTWAIT));
	ASSERT_EQ(EAGAIN, errno);
}

/* MSG_WAITALL waits for the whole amount even if it comes in pieces. */
TEST_F(conn, msg_waitall)
{
	char buf[8];

	ASSERT_EQ(4, send(self->sfd, "1234", 4, MSG_NOSIGNAL));
	ASSERT_TRUE(toy_poll(self->cfd, POLLIN, DATA_IO_MS) & POLLIN);
	ASSERT_EQ(4, send(self->sfd, "5678", 4, MSG_NOSIGNAL));
	ASSERT_EQ(8, recv(self->cfd, buf, 8, MSG_WAITALL));
	ASSERT_EQ(0, memcmp("12345678", buf, 8));
}

TEST_F(conn, poll_readiness)
{
	char c;
	int ev;

	/* idle connection: writable, nothing to read */
	ev = toy_poll(self->cfd, POLLIN | POLLOUT | POLLRDHUP, 0);
	EXPECT_EQ(POLLOUT, ev);
	/* data: POLLIN, gone once read */
	ASSERT_EQ(1, send(self->sfd, "d", 1, MSG_NOSIGNAL));
	ev = toy_poll(self->cfd, POLLIN, DATA_IO_MS);
	EXPECT_EQ(POLLIN, ev);
	ASSERT_EQ(1, recv(self->cfd, &c, 1, 0));
	EXPECT_EQ(0, toy_poll(self->cfd, POLLIN, 0));
	/* peer's FIN: POLLIN | POLLRDHUP, but not POLLHUP yet */
	ASSERT_EQ(0, shutdown(self->sfd, SHUT_WR));
	ev = toy_poll(self->cfd, POLLIN | POLLRDHUP, DATA_IO_MS);
	EXPECT_EQ(POLLIN | POLLRDHUP, ev);
	ev = toy_poll(self->cfd, POLLIN | POLLOUT | POLLRDHUP, 0);
	EXPECT_TRUE(ev & POLLOUT);
	EXPECT_FALSE(ev & POLLHUP);
	/* both directions shut: POLLHUP */
	ASSERT_EQ(0, shutdown(self->cfd, SHUT_WR));
	ev = toy_poll(self->cfd, POLLIN, DATA_IO_MS);
	EXPECT_TRUE(ev & POLLHUP) TH_LOG("revents %#x", ev);
	EXPECT_FALSE(ev & POLLERR);
}

TEST(poll_listener)
{
	int lfd, cfd, lport, afd;

	lfd = toy_listener(TOY_LO, 2, &lport);
	ASSERT_LE(0, lfd);
	EXPECT_EQ(0, toy_poll(lfd, POLLIN | POLLOUT, 0));
	cfd = toy_socket();
	ASSERT_LE(0, cfd);
	ASSERT_EQ(0, toy_connect(cfd, TOY_LO, lport));
	EXPECT_EQ(POLLIN, toy_poll(lfd, POLLIN, TOY_IO_MS));
	afd = toy_accept(lfd);
	ASSERT_LE(0, afd);
	EXPECT_EQ(0, toy_poll(lfd, POLLIN, 0));
	close(afd);
	close(cfd);
	close(lfd);
}

/* Filling the peer's window blocks the sender; reading unblocks it. */
TEST_F(conn, send_blocks_when_peer_does_not_read)
{
	static char buf[65536];
	long total = 0;
	ssize_t n;
	int ev;

	ASSERT_EQ(0, fcntl(self->cfd, F_SETFL, O_NONBLOCK));
	for (;;) {
		n = send(self->cfd, buf, sizeof(buf), MSG_NOSIGNAL);
		if (n < 0)
			break;
		total += n;
		ASSERT_GT(256L << 20, total) TH_LOG("no flow control?");
	}
	ASSERT_EQ(EAGAIN, errno);
	EXPECT_LT(0, total);
	/* once the reader drains, the writer becomes writable again */
	while (total > 0) {
		n = recv(self->sfd, buf, sizeof(buf), 0);
		ASSERT_LT(0, n);
		total -= n;
	}
	ev = toy_poll(self->cfd, POLLOUT, DATA_IO_MS);
	EXPECT_TRUE(ev & POLLOUT);
}

/* close() with unread data sends RST: the peer gets ECONNRESET. */
TEST_F(conn, close_with_unread_data)
{
	long long resets0 = toy_stat("EstabResets"), rsts0 = toy_stat("OutRsts");
	char c;

	ASSERT_EQ(3, send(self->sfd, "zzz", 3, MSG_NOSIGNAL));
	ASSERT_TRUE(toy_poll(self->cfd, POLLIN, DATA_IO_MS) & POLLIN);
	toy_close(&self->cfd);
	/* no orderly FIN_WAIT/TIME_WAIT: the client is gone at once */
	EXPECT_EQ(0, toy_wait_gone(self->cport, self->lport, TOY_WAIT_MS));
	ASSERT_EQ(-1, recv(self->sfd, &c, 1, 0));
	ASSERT_EQ(ECONNRESET, errno);
	ASSERT_EQ(0, recv(self->sfd, &c, 1, 0));
	ASSERT_EQ(-1, send(self->sfd, "x", 1, MSG_NOSIGNAL));
	ASSERT_EQ(EPIPE, errno);
	EXPECT_LE(rsts0 + 1, toy_stat("OutRsts"));
	EXPECT_LE(resets0 + 1, toy_stat("EstabResets"));
	/* a reset socket has nothing to linger for once closed */
	toy_close(&self->sfd);
	EXPECT_EQ(0, toy_wait_gone(self->lport, self->cport, TOY_WAIT_MS));
}

/* SO_LINGER {1, 0}: close() aborts with RST even with nothing unread. */
TEST_F(conn, linger_zero_rst)
{
	struct linger lg = { 1, 0 };
	char c;
	int ev;

	ASSERT_EQ(0, setsockopt(self->cfd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)));
	toy_close(&self->cfd);
	EXPECT_EQ(0, toy_wait_gone(self->cport, self->lport, TOY_WAIT_MS));
	ev = toy_poll(self->sfd, POLLIN, DATA_IO_MS);
	EXPECT_TRUE(ev & POLLHUP) TH_LOG("revents %#x", ev);
	ASSERT_EQ(-1, recv(self->sfd, &c, 1, 0));
	ASSERT_EQ(ECONNRESET, errno);
	toy_close(&self->sfd);
	EXPECT_EQ(0, toy_wait_gone(self->lport, self->cport, TOY_WAIT_MS));
}

/* SO_LINGER {1, 0} with unsent data still resets, and fast. */
TEST_F(conn, linger_zero_with_data_in_flight)
{
	struct linger lg = { 1, 0 };
	static char buf[65536];

	ASSERT_EQ(0, setsockopt(self->cfd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)));
	ASSERT_LT(0, send(self->cfd, buf, sizeof(buf), MSG_NOSIGNAL | MSG_DONTWAIT));
	toy_close(&self->cfd);
	EXPECT_EQ(0, toy_wait_gone(self->cport, self->lport, TOY_WAIT_MS));
	/* whatever arrived before the RST may be read, then the reset shows */
	for (;;) {
		ssize_t n = recv(self->sfd, buf, sizeof(buf), 0);

		if (n <= 0) {
			ASSERT_EQ(-1, n);
			ASSERT_EQ(ECONNRESET, errno);
			break;
		}
	}
}

TEST_HARNESS_MAIN
