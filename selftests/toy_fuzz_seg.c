// SPDX-License-Identifier: GPL-2.0
/*
 * Segment fuzzer: the fake peer of peer.h (the network of toy_fsm.c)
 * opens real connections with toy.ko sockets, half of them with the toy
 * side connecting to the peer and half with the peer connecting to a toy
 * listener, so that sequence and acknowledgement numbers are known and
 * mutations land in the window. Then it mixes legitimate traffic (the toy
 * side writes and reads with nonblocking calls, the peer sends, resends,
 * reorders and acknowledges) with mutated segments: every flag byte, every
 * doff, len fields that lie, SACK blocks of every shape, sequence numbers
 * at the window edges and near the wrap, FIN with and before data, RST and
 * SYN in and out of the window, overlapping out-of-order data, zero and
 * huge windows, bad checksums, IP options and IP fragments.
 *
 * Each test runs twice, over IPv4 and over IPv6 (the fixture's variants
 * ipv4 and ipv6): the peer frames either, and IPv6's options are those of
 * a Destination Options header, its fragments those of Fragment headers.
 *
 * Oracles beyond "the kernel did not crash":
 *  - Every payload byte the peer sends that a correct receiver may take is
 *    the peer's stream at that sequence number: a pattern of 7-bit bytes.
 *    A segment a correct receiver must drop (section 4 failure, SYN, RST,
 *    no ACK, or an ACK of data never sent) carries bytes with the top bit
 *    set instead. So whatever the module accepts or reassembles, the reader
 *    must get exactly the pattern, byte for byte.
 *  - The toy side writes its own pattern: every payload byte the module
 *    sends must be that pattern at its offset, and never beyond what was
 *    written; the module never acknowledges what the peer never sent; and
 *    every segment it sends passes section 4 (peer.c's validation).
 *  - The namespace is new, so its counters are exact: InErrs counts the
 *    section 4 failures the peer sent, InCsumErrors the bad checksums.
 *  - After the run every socket is gone from /proc/net/toy within a
 *    deadline (toy sockets get short timers) and CurrEstab is back to 0.
 *
 * Seeded and reproducible (the peer's choices depend only on the seed and
 * on what the module sends):
 *
 *   toy_fuzz_seg [--seed N] [--iters N] [--seconds N] [harness options]
 *
 * --iters is the number of mutated segments, --seconds a time limit, for
 * the fuzzing test, whichever ends first; the two IP versions get half of
 * each. Defaults from TOY_FUZZ_SEED (else
 * the clock), TOY_FUZZ_ITERS and TOY_FUZZ_SECONDS, sized for make check.
 * TOY_FUZZ_SKIP=class,... leaves mutation classes out (names as printed),
 * e.g. to get past a known crash while looking for the next one.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <stdarg.h>

#include "toy_test.h"
#include "peer.h"
#include "toy_harness.h"

#ifndef PACKET_IGNORE_OUTGOING
#define PACKET_IGNORE_OUTGOING	23
#endif

#define ITERS_DEF	100000	/* mutated segments in make check */
#define SECONDS_DEF	40	/* and at most this long; half per IP version */
#define REPLY_MS	2000	/* a handshake reply */
#define IDLE_MS		20000	/* every socket gone after the run */
#define BACKLOG		64
#define MAX_SEG		(PEER_HLEN + 8 * TOYHDR_SACK_MAX + 4 + PEER_MAXDATA)
#define DGRAM_DATA	1400	/* payload that fits one datagram */
#define IO_MAX		8192	/* bytes per read() or write() */
#define HISTORY		8	/* segments remembered for a report */
#define REPORTS		5	/* oracle failures printed in detail */
#define PORT_BASE	20000	/* the peer's ports, one per connection */
#define PORT_SPAN	20000
#define PROGRESS_MS	60000	/* a progress line on the console */

/* ---- configuration: main() sets it before the harness forks ------------- */

static struct toy_fuzz_opts cfg = { 0, ITERS_DEF, SECONDS_DEF };
static unsigned int skip;	/* mutation classes left out, 1 << class */

enum mclass {
	M_FLAGS, M_DOFF, M_LEN, M_SACK, M_SEQ, M_FIN, M_RSTSYN, M_OVERLAP,
	M_WINDOW, M_CSUM, M_IPOPT, M_FRAG, M_ICMP, M_NR
};

static const char * const mnames[M_NR] = {
	"flags", "doff", "len", "sack", "seq", "fin", "rstsyn", "overlap",
	"window", "csum", "ipopt", "frag", "icmp",
};

/* ---- a seeded generator (splitmix64) ---------------------------------- */

static uint64_t rng;

static uint64_t rnd64(void)
{
	uint64_t z = (rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint32_t rnd32(void)
{
	return rnd64() >> 32;
}

/* 0..n-1 */
static uint32_t rnd(uint32_t n)
{
	return n ? rnd64() % n : 0;
}

static int chance(int pct)
{
	return (int)rnd(100) < pct;
}

static int seq_after(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) > 0;
}

static int seq_before(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}

/*
 * The streams: 7-bit bytes that depend on the offset, so that a byte in
 * the wrong place shows. Bytes a receiver must not take have bit 7 set.
 */
static uint8_t pat(uint32_t salt, uint32_t off)
{
	uint32_t x = off * 0x9e3779b1U + salt;

	x ^= x >> 15;
	x *= 0x85ebca6bU;
	x ^= x >> 13;
	return x & 0x7f;
}

static void pat_fill(unsigned char *buf, uint32_t salt, uint32_t off,
		     size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = pat(salt, off + i);
}

static void poison_fill(unsigned char *buf, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = 0x80 | rnd(128);
}

/* ---- state ------------------------------------------------------------- */

/**
 * struct conn - one connection between a toy socket and the peer
 * @fd: the toy socket (nonblocking), -1 once closed
 * @active: the toy side connected (else it was accepted)
 * @sack: SACK agreed in the handshake
 * @pport: the peer's port
 * @p_iss: the peer's ISN; its stream's offset 0 is @p_iss + 1
 * @p_nxt: the peer's snd_nxt: its legitimate data goes up to here
 * @p_max: the end of all the peer's valid data and FINs (ours at @p_nxt
 *	counts one): the module must never acknowledge beyond it
 * @p_fin: the peer sent its own FIN at @p_nxt (orderly close)
 * @m_iss: the module's ISN; its stream's offset 0 is @m_iss + 1
 * @m_ack: the highest ACK from the module, i.e. its rcv_nxt as last seen
 * @m_wnd: the window it advertised last
 * @m_rcv: what the peer acknowledges: the module's stream in order
 * @m_hi: the end of the module's data seen so far
 * @m_fin: the module's FIN arrived
 * @psalt, @tsalt: the patterns of the peer's and the toy side's streams
 * @rd, @wr: bytes the toy side read and wrote
 * @eof, @shut, @dead: read() saw EOF; the toy side sent FIN; the
 *	connection is over (reset, timed out, closed)
 * @reset: the application saw ECONNRESET or EPIPE
 * @rst_maybe: the peer sent a valid RST that may have been at rcv_nxt
 * @syn_ack, @nsyn: what an ACK of the last SYNs sent would carry
 * @muts, @budget: mutated segments sent on it, and how many it gets
 * @hist, @nhist: the last segments, for a report
 */
struct conn {
	int fd;
	int active, sack;
	uint16_t pport;
	uint32_t p_iss, p_nxt, p_max;
	int p_fin;
	uint32_t m_iss, m_ack, m_wnd, m_rcv, m_hi;
	int m_fin;
	uint32_t psalt, tsalt;
	uint64_t rd, wr;
	int eof, shut, dead, reset, rst_maybe;
	uint32_t syn_ack[4];
	unsigned int nsyn;
	long muts, budget;
	char hist[HISTORY][112];
	int nhist;
};

struct totals {
	long mutated, legit, stray;
	long conns, active, passive, hs_fail;
	long resets, eofs, rsts_rcvd;
	long invalid, csum_bad;		/* section 4 failures sent */
	long invalid_unsure;		/* the same, with odd IP options */
	long csum_late;			/* bad checksums failing rule 7/8 too */
	long icmp;			/* ICMP errors sent (InErrs if stale) */
	long by_class[M_NR];
	long bad_read, bad_data, bad_ack;	/* oracle failures */
	long read_bytes, sent_bytes;
};

FIXTURE(fuzz) {
	struct toy_peer p;
	int v6;			/* the variant: the peer speaks IPv6 */
	int ns_orig, ns_a;
	int lfd, lport;
	struct conn c;
	struct totals t;
	unsigned int next_port;
	unsigned int flag_ctr, doff_ctr;
	int stray;		/* the segment goes to no connection of ours */
	long deadline;
};

/*
 * Both IP versions: the same mutations reach toy_v4_rcv() and
 * toy_v6_rcv(), through each version's options (IPv6: a Destination
 * Options header) and reassembly (IPv6: Fragment headers).
 */
FIXTURE_VARIANT(fuzz) {
	int v6;
};

FIXTURE_VARIANT_ADD(fuzz, ipv4) {
	.v6 = 0,
};

FIXTURE_VARIANT_ADD(fuzz, ipv6) {
	.v6 = 1,
};

FIXTURE_SETUP(fuzz)
{
	int one = 1, big = 4 << 20, err;

	self->c.fd = -1;
	self->lfd = -1;
	self->c.dead = 1;
	self->v6 = variant->v6;
	self->ns_orig = open("/proc/self/ns/net", O_RDONLY);
	ASSERT_LE(0, self->ns_orig);
	err = (self->v6 ? peer_netns_open6 : peer_netns_open)(&self->p,
							      &self->ns_a);
	if (err > 0 && self->v6)
		SKIP(return, "no IPv6, namespaces or veth");
	if (err > 0)
		SKIP(return, "no network namespaces or veth (modprobe veth?)");
	ASSERT_EQ(0, err) TH_LOG("peer network: %s", strerror(errno));
	/* our own frames would only fill the socket's buffer */
	setsockopt(self->p.fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one,
		   sizeof(one));
	setsockopt(self->p.fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big));
	rng = cfg.seed;
}

static void conn_abort(struct conn *c);

FIXTURE_TEARDOWN(fuzz)
{
	conn_abort(&self->c);
	toy_close(&self->lfd);
	peer_close(&self->p);
	peer_netns_close(self->ns_orig, self->ns_a);
}

/* ---- segments from the module ------------------------------------------- */

static __printf(2, 3) void hist_add(struct conn *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->hist[c->nhist++ % HISTORY], sizeof(c->hist[0]), fmt, ap);
	va_end(ap);
}

static void hist_print(struct __test_metadata *_metadata, struct conn *c)
{
	int i, n = c->nhist < HISTORY ? c->nhist : HISTORY;

	for (i = n; i > 0; i--)
		TH_LOG("  sent %d before: %s", i,
		       c->hist[(c->nhist - i) % HISTORY]);
}

/* The peer's ACK of the module's stream, at its own snd_nxt. */
static void send_ack(FIXTURE_DATA(fuzz) *self)
{
	struct conn *c = &self->c;

	peer_send(&self->p, c->p_nxt + c->p_fin, c->m_rcv, TOYHDR_ACK, NULL, 0);
	self->t.legit++;
}

/* Check a segment from the module against the oracles; follow its state. */
static void module_seg(struct __test_metadata *_metadata,
		       FIXTURE_DATA(fuzz) *self, const struct toy_seg *s)
{
	struct conn *c = &self->c;
	uint32_t off = s->seq - (c->m_iss + 1);
	uint32_t end = s->seq + s->len;
	int i;

	if (s->flags & TOYHDR_RST) {
		self->t.rsts_rcvd++;
		c->dead = 1;
		return;
	}
	if (s->flags & TOYHDR_SYN)
		return;		/* a SYN|ACK again: the handshake is done */
	if (s->flags & TOYHDR_ACK) {
		for (i = 0; i < 4 && i < (int)c->nsyn; i++)
			if (s->ack == c->syn_ack[i]) {
				/* it closed in between: a new connection */
				c->dead = 1;
				return;
			}
		if (seq_after(s->ack, c->p_max)) {
			if (self->t.bad_ack++ < REPORTS) {
				TH_LOG("conn %ld: the module acknowledged %u, "
				       "the peer sent up to %u",
				       self->t.conns, s->ack, c->p_max);
				hist_print(_metadata, c);
			}
		} else if (seq_after(s->ack, c->m_ack)) {
			c->m_ack = s->ack;
			if (seq_after(c->m_ack, c->p_nxt))
				c->p_nxt = c->m_ack;	/* it took mutated data */
		}
		c->m_wnd = s->window;
	}
	/* Payload: the toy side's pattern, and nothing it did not write. */
	if (s->len) {
		if ((uint64_t)off + s->len > c->wr) {
			if (self->t.bad_data++ < REPORTS)
				TH_LOG("conn %ld: the module sent offset %u+%u, "
				       "only %llu written",
				       self->t.conns, off, s->len,
				       (unsigned long long)c->wr);
		} else {
			for (i = 0; i < s->len && i < PEER_MAXDATA; i++) {
				if (s->data[i] == pat(c->tsalt, off + i))
					continue;
				if (self->t.bad_data++ < REPORTS)
					TH_LOG("conn %ld: the module sent 0x%02x at "
					       "offset %u, written was 0x%02x",
					       self->t.conns, s->data[i], off + i,
					       pat(c->tsalt, off + i));
				break;
			}
		}
	}
	/* Cumulative: a segment past a hole means the module moved on. */
	if (!seq_after(s->seq, c->m_rcv) || chance(50)) {
		if (seq_after(end, c->m_rcv))
			c->m_rcv = end;
	}
	if (seq_after(end, c->m_hi))
		c->m_hi = end;
	if ((s->flags & TOYHDR_FIN) && end == c->m_rcv && !c->m_fin) {
		c->m_rcv++;
		c->m_fin = 1;
	}
	if ((s->len || (s->flags & TOYHDR_FIN)) && chance(85))
		send_ack(self);
}

/* Everything the module sent for this connection so far. */
static void drain(struct __test_metadata *_metadata, FIXTURE_DATA(fuzz) *self)
{
	struct pollfd pfd = { .fd = self->p.fd, .events = POLLIN };
	struct toy_seg s;

	while (poll(&pfd, 1, 0) == 1 && peer_recv(&self->p, &s, 1) == 1)
		if (!self->c.dead)
			module_seg(_metadata, self, &s);
}

/* The next segment with exactly these flags (SACKOK aside), or 0 after ms. */
static int wait_flags(FIXTURE_DATA(fuzz) *self, struct toy_seg *s, int flags,
		      int ms)
{
	long end = peer_now_ms() + ms;

	for (;;) {
		long left = end - peer_now_ms();

		if (left <= 0 || peer_recv(&self->p, s, left) != 1)
			return 0;
		if ((s->flags & ~TOYHDR_SACKOK) == flags)
			return 1;
	}
}

/* ---- the toy side ------------------------------------------------------- */

/* Short timers, so that what the run leaves behind goes away quickly. */
static void toy_opts(int fd)
{
	/* RTO_MIN first: the module may refuse RTO_MAX < RTO_MIN */
	toy_set_int(fd, SOL_TOY, TOY_RTO_MIN, 100);
	toy_set_int(fd, SOL_TOY, TOY_RTO_MAX, 400);
	toy_set_int(fd, SOL_TOY, TOY_RETRIES, 4);
	toy_set_int(fd, SOL_TOY, TOY_SYN_RETRIES, 2);
}

/* Read what there is and check it; return what recv() did. */
static ssize_t toy_read(struct __test_metadata *_metadata,
			FIXTURE_DATA(fuzz) *self)
{
	unsigned char buf[IO_MAX];
	struct conn *c = &self->c;
	ssize_t n, i;

	n = recv(c->fd, buf, 1 + rnd(sizeof(buf)), MSG_DONTWAIT);
	if (n == 0) {
		self->t.eofs += !c->eof;
		c->eof = 1;
		return 0;
	}
	if (n < 0) {
		if (errno == ECONNRESET || errno == EPIPE) {
			c->reset = 1;
			c->dead = 1;
		} else if (errno != EAGAIN) {
			c->dead = 1;
		}
		return n;
	}
	for (i = 0; i < n; i++) {
		uint8_t want = pat(c->psalt, c->rd + i);

		if (buf[i] == want)
			continue;
		if (self->t.bad_read++ < REPORTS) {
			TH_LOG("conn %ld (%s): read 0x%02x at offset %llu "
			       "(seq %u), the peer's stream has 0x%02x%s",
			       self->t.conns, c->active ? "active" : "passive",
			       buf[i], (unsigned long long)(c->rd + i),
			       (uint32_t)(c->p_iss + 1 + c->rd + i), want,
			       buf[i] & 0x80 ? ": a byte of a segment that had to be dropped" : "");
			hist_print(_metadata, c);
		}
		break;
	}
	c->rd += n;
	self->t.read_bytes += n;
	return n;
}

static void toy_write(FIXTURE_DATA(fuzz) *self)
{
	unsigned char buf[IO_MAX];
	struct conn *c = &self->c;
	size_t len = 1 + rnd(sizeof(buf));
	ssize_t n;

	if (c->shut)
		return;
	pat_fill(buf, c->tsalt, c->wr, len);
	n = send(c->fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);
	if (n > 0) {
		c->wr += n;
		self->t.sent_bytes += n;
	} else if (n < 0 && (errno == ECONNRESET || errno == EPIPE)) {
		c->reset = 1;
		c->dead = 1;
	} else if (n < 0 && errno != EAGAIN) {
		c->dead = 1;
	}
}

/* ---- building and sending a segment of any shape ------------------------ */

/**
 * struct mseg - a segment to send, and how to break it
 * @seq, @ack, @window, @flags: header fields (@ack is sent as given)
 * @nsack, @sack: blocks after the header
 * @len: payload bytes; their content is chosen by send_mseg()
 * @doff: the doff field if >= 0 (else 6 + 2 * @nsack); words beyond the
 *	24-byte header that the blocks do not fill are random
 * @len_field: the len field if >= 0 (else @len)
 * @reserved: the reserved field
 * @bad_csum: xor into the checksum (0: correct)
 * @trunc: send only this many bytes of it if > 0
 * @trailer: bytes of junk after the payload
 * @opt, @optlen: IP options; @frag, @fflags: fragments (peer_send_ip())
 * @ip_unsure: the options may be malformed, and the datagram dropped
 */
struct mseg {
	uint32_t seq, ack, window;
	int flags;
	int nsack;
	uint32_t sack[TOYHDR_SACK_MAX][2];
	size_t len;
	int doff, len_field;
	uint16_t reserved, bad_csum;
	size_t trunc, trailer;
	unsigned char opt[PEER_IPOPT_MAX];
	size_t optlen, frag;
	int fflags, ip_unsure;
};

static void mseg_init(FIXTURE_DATA(fuzz) *self, struct mseg *m, uint32_t seq,
		      uint32_t ack, int flags, size_t len)
{
	memset(m, 0, sizeof(*m));
	m->seq = seq;
	m->ack = ack;
	m->flags = flags;
	m->len = len;
	m->window = self->p.window;
	m->doff = -1;
	m->len_field = -1;
}

/* Lay the segment out in seg; return its length (before truncation). */
static size_t mseg_build(FIXTURE_DATA(fuzz) *self, const struct mseg *m,
			 unsigned char *seg, const unsigned char *payload)
{
	struct toyhdr *h = (struct toyhdr *)seg;
	int doff = m->doff >= 0 ? m->doff : TOYHDR_DOFF + 2 * m->nsack;
	size_t hlen = doff * 4 > PEER_HLEN ? (size_t)doff * 4 : PEER_HLEN;
	size_t seglen = hlen + m->len + m->trailer, i;

	memset(seg, 0, hlen);
	h->source = htons(self->p.port);
	h->dest = htons(self->p.dport);
	h->seq = htonl(m->seq);
	h->ack_seq = htonl(m->ack);
	h->window = htonl(m->window);
	h->len = htons(m->len_field >= 0 ? m->len_field : (int)m->len);
	h->flags = m->flags;
	h->doff = doff;
	h->reserved = htons(m->reserved);
	for (i = PEER_HLEN; i < hlen; i += 4) {
		int b = (i - PEER_HLEN) / 8, w = (i - PEER_HLEN) / 4 % 2;
		uint32_t v = b < m->nsack ? htonl(m->sack[b][w]) : rnd32();

		memcpy(seg + i, &v, 4);
	}
	memcpy(seg + hlen, payload, m->len);
	for (i = 0; i < m->trailer; i++)
		seg[hlen + m->len + i] = 0x80 | rnd(128);
	h->check = htons(peer_check_out(&self->p, seg, seglen) ^ m->bad_csum);
	return seglen;
}

/* Section 4 on a segment the peer sends: 0, or the rule it breaks. */
static int seg_rule(FIXTURE_DATA(fuzz) *self, const unsigned char *seg,
		    size_t len)
{
	const struct toy_peer *p = &self->p;

	if (p->v6)
		return peer_validate6(&p->addr6, &p->dst6, p->proto, seg, len);
	return peer_validate(p->addr, p->dst, p->proto, seg, len);
}

/* The IP header's bytes before the segment, options included. */
static size_t ip_hlen(FIXTURE_DATA(fuzz) *self, const struct mseg *m)
{
	if (self->v6)	/* a Destination Options header, 8-byte units */
		return PEER_IP6_HLEN + (m->optlen ? (2 + m->optlen + 7) & ~7UL : 0);
	return 20 + m->optlen;
}

/*
 * May a correct receiver take this segment's payload? Not if it fails
 * section 4, carries SYN or RST, has no ACK, or acknowledges what the
 * module cannot have sent yet (beyond the bytes written, FIN included).
 */
static int must_drop(FIXTURE_DATA(fuzz) *self, const struct mseg *m, int rule)
{
	struct conn *c = &self->c;
	uint32_t bound = c->m_iss + 2 + (uint32_t)c->wr;
	int32_t beyond = m->ack - bound;

	if (rule || self->stray)
		return 1;
	if ((m->flags & (TOYHDR_SYN | TOYHDR_RST)) || !(m->flags & TOYHDR_ACK))
		return 1;
	return beyond > 0 && beyond < 0x40000000;
}

/* Section 4's rule 7 or 8 (checked after the checksum, rule 6). */
static int rule_7_8(int flags)
{
	return ((flags & TOYHDR_SYN) && (flags & (TOYHDR_FIN | TOYHDR_RST))) ||
	       ((flags & TOYHDR_SACKOK) && !(flags & TOYHDR_SYN));
}

/* Has the module closed the connection (within ms)? */
static int conn_closed(FIXTURE_DATA(fuzz) *self, int ms)
{
	long end = peer_now_ms() + ms;
	struct toy_info ti;

	for (;;) {
		if (self->c.fd < 0 || toy_get_info(self->c.fd, &ti) ||
		    ti.state == TOY_ST_CLOSE)
			return 1;
		if (peer_now_ms() >= end)
			return 0;
		toy_sleep_ms(1);
	}
}

static void send_mseg(FIXTURE_DATA(fuzz) *self, struct mseg *m,
		      const char *what)
{
	unsigned char seg[MAX_SEG + 64], payload[PEER_MAXDATA];
	struct conn *c = &self->c;
	size_t seglen, sendlen;
	int rule, poison;
	char fl[48];

	/*
	 * Once the module closed the connection (an RST that hit, retries
	 * or probes run out), a SYN opens a new one on the same ports
	 * (through the listener), whose ACKs are not about this stream:
	 * make sure first, waiting a little after an RST that may have hit.
	 */
	if (!self->stray && (m->flags & TOYHDR_SYN)) {
		if (conn_closed(self, c->rst_maybe ? 20 : 0)) {
			c->dead = 1;
			return;
		}
		c->rst_maybe = 0;
		c->syn_ack[c->nsyn++ % 4] = m->seq + 1;
	}

	if (m->len > PEER_MAXDATA)
		m->len = PEER_MAXDATA;
	pat_fill(payload, c->psalt, m->seq - (c->p_iss + 1), m->len);
	seglen = mseg_build(self, m, seg, payload);
	sendlen = m->trunc && m->trunc < seglen ? m->trunc : seglen;
	rule = seg_rule(self, seg, sendlen);
	poison = must_drop(self, m, rule);
	if (poison && m->len) {
		poison_fill(payload, m->len);
		seglen = mseg_build(self, m, seg, payload);
		rule = seg_rule(self, seg, sendlen);
	}
	/* what fits one datagram goes whole, the rest in fragments */
	if (!m->frag && ip_hlen(self, m) + sendlen > PEER_IP_MTU) {
		if (m->ip_unsure)
			m->optlen = 0;
		m->frag = self->v6 ? PEER_IP6_FRAG : m->optlen ? 1440 : 1480;
	}
	if (peer_send_ip(&self->p, m->opt, m->optlen, seg, sendlen, m->frag,
			 m->fflags))
		return;
	/* options the IP layer may refuse: the segment may never arrive */
	if (rule && m->ip_unsure) {
		self->t.invalid_unsure++;
	} else if (rule) {
		self->t.invalid++;
		self->t.csum_bad += rule == 6;
		self->t.csum_late += rule == 6 && rule_7_8(m->flags);
	}
	if (!self->stray) {
		uint32_t e = m->seq + m->len + !!(m->flags & TOYHDR_FIN);
		int32_t ahead = e - c->m_ack;

		/* rcv_nxt is somewhere in [m_ack, p_max] */
		if (!rule && (m->flags & TOYHDR_RST) &&
		    m->seq - c->m_ack <= c->p_max - c->m_ack) {
			if (conn_closed(self, 0))
				c->dead = 1;
			else
				c->rst_maybe = 1;
		}

		/* the module may take any valid data: it is the stream */
		if (!poison && ahead > 0 && ahead < 0x40000000 &&
		    seq_after(e, c->p_max))
			c->p_max = e;
	}
	hist_add(c, "%s %s seq=%u(rcv_nxt%+d) ack=%u win=%u len=%zu%s rule=%d%s%s",
		 what, peer_flags(m->flags, fl, sizeof(fl)), m->seq,
		 (int32_t)(m->seq - c->m_ack), m->ack, m->window, m->len,
		 poison ? " poison" : "", rule, m->optlen ? " ipopt" : "",
		 m->frag ? " frag" : "");
}

/* ---- choices ------------------------------------------------------------ */

/* A sequence number for a segment of len bytes, mostly near the window. */
static uint32_t pick_seq(struct conn *c, size_t len)
{
	uint32_t base = c->m_ack, wnd = c->m_wnd ? c->m_wnd : 1;

	switch (rnd(14)) {
	case 0: case 1: case 2:
		return base;
	case 3:
		return base - 1 - rnd(len + 1);		/* overlaps old data */
	case 4:
		return base - len;			/* ends at rcv_nxt */
	case 5: case 6:
		return base + rnd(wnd);			/* in the window */
	case 7:
		return base + wnd - 1 - rnd(2);		/* its last bytes */
	case 8:
		return base + wnd + rnd(2);		/* just beyond */
	case 9:
		return base + wnd - len / 2;		/* straddles the edge */
	case 10:
		return base - rnd(0x20000);		/* old */
	case 11:
		return base + 0x80000000U - 1 + rnd(3);	/* half the space */
	case 12:
		return 0xffffffffU - rnd(len + 2);	/* at the wrap */
	default:
		return rnd32();
	}
}

/* An acknowledgement number: mostly right, else old, beyond or random. */
static uint32_t pick_ack(struct conn *c)
{
	switch (rnd(12)) {
	case 0: case 1: case 2: case 3: case 4: case 5:
		return c->m_rcv;
	case 6:
		return c->m_hi;
	case 7:
		return c->m_rcv - 1 - rnd(0x20000);	/* old, maybe too old */
	case 8:
		return c->m_iss + 2 + (uint32_t)c->wr + rnd(0x10000); /* unsent */
	case 9:
		return c->m_rcv + 0x80000000U - 1 + rnd(3);
	case 10:
		return c->m_iss + rnd(3);		/* around our SYN */
	default:
		return rnd32();
	}
}

static size_t pick_len(void)
{
	switch (rnd(6)) {
	case 0: case 1:
		return 0;
	case 2:
		return 1 + rnd(8);
	case 3:
		return 1 + rnd(DGRAM_DATA);
	default:
		return 1 + rnd(600);
	}
}

/* A SACK block of some shape relative to what is in flight. */
static void pick_block(struct conn *c, uint32_t *b)
{
	uint32_t una = c->m_rcv, span = c->m_hi - c->m_rcv + 1;

	switch (rnd(11)) {
	case 0: case 1: case 2:		/* a real hole's far side */
		b[0] = una + 1 + rnd(span);
		b[1] = b[0] + 1 + rnd(span);
		break;
	case 3:				/* reversed */
		b[1] = una + rnd(span);
		b[0] = b[1] + 1 + rnd(1000);
		break;
	case 4:				/* below snd_una */
		b[0] = una - 1 - rnd(100000);
		b[1] = b[0] + 1 + rnd(200000);
		break;
	case 5:				/* beyond snd_nxt */
		b[0] = c->m_hi + rnd(100000);
		b[1] = b[0] + 1 + rnd(100000);
		break;
	case 6:				/* across the wrap */
		b[0] = 0xffffffffU - rnd(1000);
		b[1] = rnd(1000);
		break;
	case 7:				/* empty */
		b[0] = una + rnd(span);
		b[1] = b[0];
		break;
	case 8:				/* a D-SACK below the ACK */
		b[1] = una - rnd(100);
		b[0] = b[1] - 1 - rnd(1000);
		break;
	case 9:				/* half the space */
		b[0] = una;
		b[1] = una + 0x80000000U;
		break;
	default:
		b[0] = rnd32();
		b[1] = rnd32();
		break;
	}
}

static void pick_blocks(struct conn *c, struct mseg *m)
{
	int i;

	m->nsack = 1 + rnd(TOYHDR_SACK_MAX);
	for (i = 0; i < m->nsack; i++) {
		if (i && chance(30)) {	/* overlapping the previous one */
			m->sack[i][0] = m->sack[i - 1][0] + rnd(64);
			m->sack[i][1] = m->sack[i - 1][1] + rnd(64) - 32;
		} else {
			pick_block(c, m->sack[i]);
		}
	}
}

/*
 * IP options: padding, record route, timestamps, unknown ones, or (unless
 * @sane) random bytes. A datagram whose options the IP layer refuses never
 * reaches the module; a first fragment refused leaves the others waiting
 * for 30 s in the reassembly queue, which then fills up and refuses every
 * fragment: so fragments get sane options only.
 */
static void pick_opts(struct mseg *m, int sane)
{
	size_t n = 4 * (1 + rnd(PEER_IPOPT_MAX / 4)), i = 0, l;

	while (i < n) {
		switch (rnd(sane ? 5 : 6)) {
		case 0:
			m->opt[i++] = 1;			/* NOP */
			break;
		case 1:
			m->opt[i++] = 0;			/* EOL */
			break;
		case 2:		/* record route */
		case 3:		/* timestamps only */
			l = 4 + 4 * rnd(3);
			if (i + l > n)
				break;
			memset(m->opt + i, 0, l);
			m->opt[i] = rnd(2) ? 7 : 68;
			m->opt[i + 1] = l;
			/* a pointer past the end when there is no room: full */
			m->opt[i + 2] = m->opt[i] == 7 ? 4 : 5;
			if (m->opt[i + 2] + 3U > l)
				m->opt[i + 2] = l + 1;
			i += l;
			break;
		case 4:		/* unknown, not copied */
			l = 2 + rnd(4);
			if (i + l > n)
				break;
			m->opt[i] = 0x1e + rnd(8);
			m->opt[i + 1] = l;
			i += l;
			break;
		default:	/* whatever: the IP layer may drop it */
			m->opt[i++] = rnd(256);
			m->ip_unsure |= m->opt[i - 1] > 1;
			break;
		}
	}
	m->optlen = n;
}

/*
 * IPv6's options: the option area of a Destination Options header (RFC
 * 8200 4.2), which send_ip6() frames, of 6 + 8k bytes so that it needs no
 * padding of its own. @sane: options of unknown types whose action is
 * "skip" (the top bits 00), PadN and Pad1 as IPv6 wants them (zeros, no
 * run of more than 7 bytes: Linux drops the packet otherwise), at most 5
 * options (under max_dst_opts_cnt, 8); else, now and then, random bytes
 * or an option whose action is to discard the packet.
 */
static void pick_opts6(struct mseg *m, int sane)
{
	size_t n = 6 + 8 * rnd((PEER_IPOPT_MAX - 6) / 8 + 1), i = 0, l, k;
	int opts = 0;

	memset(m->opt, 0, sizeof(m->opt));
	while (n - i > 7 && opts < 4) {
		l = rnd(n - i - 2 < 8 ? n - i - 2 + 1 : 9);
		m->opt[i] = 0x1e + rnd(8);		/* unknown, skip it */
		m->opt[i + 1] = l;
		for (k = 0; k < l; k++)
			m->opt[i + 2 + k] = rnd(256);
		i += 2 + l;
		opts++;
	}
	l = n - i;
	if (l > 7) {		/* the rest in one more option */
		m->opt[i] = 0x1e + rnd(8);
		m->opt[i + 1] = l - 2;
	} else if (l >= 2) {	/* PadN, zeros */
		m->opt[i] = 1;
		m->opt[i + 1] = l - 2;
	}			/* else Pad1: the 0 already there */
	if (!sane && chance(40)) {
		i = rnd(n);
		switch (rnd(3)) {
		case 0:		/* a type whose action is to discard */
			m->opt[0] = 0x40 + rnd(192);
			break;
		case 1:		/* a length that runs past the end */
			m->opt[1] = n + rnd(100);
			break;
		default:	/* any byte */
			m->opt[i] = rnd(256);
			break;
		}
		m->ip_unsure = 1;
	}
	m->optlen = n;
}

static void pick_ip_opts(FIXTURE_DATA(fuzz) *self, struct mseg *m, int sane)
{
	if (self->v6)
		pick_opts6(m, sane);
	else
		pick_opts(m, sane);
}

/* ---- mutation classes ---------------------------------------------------- */

static void mut_flags(FIXTURE_DATA(fuzz) *self)
{
	struct conn *c = &self->c;
	size_t len = chance(50) ? 0 : 1 + rnd(600);
	struct mseg m;

	/* all 256 flag bytes in turn */
	mseg_init(self, &m, pick_seq(c, len), pick_ack(c),
		  self->flag_ctr++ & 0xff, len);
	if (chance(20))
		m.window = rnd32();
	send_mseg(self, &m, "flags");
}

static void mut_doff(FIXTURE_DATA(fuzz) *self)
{
	struct conn *c = &self->c;
	size_t len = pick_len(), total;
	struct mseg m;

	mseg_init(self, &m, chance(60) ? c->m_ack : pick_seq(c, len),
		  pick_ack(c), chance(80) ? TOYHDR_ACK : rnd(0x40), len);
	m.doff = self->doff_ctr++ & 15;		/* 0..15 in turn */
	if (m.doff > TOYHDR_DOFF) {
		pick_blocks(c, &m);
		m.nsack = (m.doff - TOYHDR_DOFF) / 2;
		if (m.nsack > TOYHDR_SACK_MAX)
			m.nsack = TOYHDR_SACK_MAX;
	}
	/* half the time len agrees with doff, so only doff is wrong */
	total = (m.doff * 4 > PEER_HLEN ? m.doff * 4 : PEER_HLEN) + len;
	if (chance(50))
		m.len_field = (total - m.doff * 4) & 0xffff;
	send_mseg(self, &m, "doff");
}

static void mut_len(FIXTURE_DATA(fuzz) *self)
{
	struct conn *c = &self->c;
	size_t len = 1 + rnd(600);
	struct mseg m;

	mseg_init(self, &m, chance(70) ? c->m_ack : pick_seq(c, len),
		  c->m_rcv, TOYHDR_ACK | (chance(20) ? TOYHDR_FIN : 0), len);
	switch (rnd(6)) {
	case 0:		/* claims less */
		m.len_field = rnd(len);
		break;
	case 1:		/* claims more */
		m.len_field = len + 1 + rnd(64);
		break;
	case 2:
		m.len_field = 0xffff;
		break;
	case 3:		/* shorter than a header */
		m.trunc = 1 + rnd(PEER_HLEN - 1);
		break;
	case 4:		/* junk after the payload */
		m.trailer = 1 + rnd(16);
		break;
	default:
		m.reserved = 1 + rnd(0xffff);
		break;
	}
	send_mseg(self, &m, "len");
}

static void mut_sack(FIXTURE_DATA(fuzz) *self)
{
	struct conn *c = &self->c;
	int n = 1 + rnd(4), i;
	struct mseg m;

	mseg_init(self, &m, c->p_nxt, chance(80) ? c->m_rcv : pick_ack(c),
		  TOYHDR_ACK, chance(80) ? 0 : 1 + rnd(600));
	if (m.len)
		m.seq = c->m_ack;
	if (chance(5))
		m.flags |= TOYHDR_SYN;		/* blocks on a SYN: invalid */
	pick_blocks(c, &m);
	/* the same ACK again and again: duplicate ACKs drive recovery */
	for (i = 0; i < n; i++)
		send_mseg(self, &m, "sack");
	self->t.mutated += n - 1;
	c->muts += n - 1;
}

static void mut_seq(FIXTURE_DATA(fuzz) *self)
{
	struct conn *c = &self->c;
	size_t len = 1 + rnd(DGRAM_DATA);
	struct mseg m;

	mseg_init(self, &m, pick_seq(c, len),
		  chance(80) ? c->m_rcv : pick_ack(c), TOYHDR_ACK, len);
	send_mseg(self, &m, "seq");
}

static void mut_fin(FIXTURE_DATA(fuzz) *self)
{
	struct conn *c = &self->c;
	size_t len = pick_len();
	uint32_t x = chance(40) ? c->m_ack + rnd(3000) : pick_seq(c, len);
	struct mseg m;

	mseg_init(self, &m, x, c->m_rcv, TOYHDR_FIN | TOYHDR_ACK, len);
	send_mseg(self, &m, "fin");
	if (chance(50)) {	/* then data after (or at) the FIN */
		size_t l2 = 1 + rnd(600);

		mseg_init(self, &m, x + len + rnd(2), c->m_rcv,
			  TOYHDR_ACK | (chance(30) ? TOYHDR_FIN : 0), l2);
		send_mseg(self, &m, "fin-data");
		self->t.mutated++;
		c->muts++;
	}
}

static void mut_rstsyn(FIXTURE_DATA(fuzz) *self)
{
	static const int fl[] = {
		TOYHDR_RST, TOYHDR_RST | TOYHDR_ACK, TOYHDR_SYN,
		TOYHDR_SYN | TOYHDR_ACK, TOYHDR_SYN | TOYHDR_SACKOK,
		TOYHDR_SYN | TOYHDR_ACK | TOYHDR_SACKOK,
	};
	struct conn *c = &self->c;
	uint32_t wnd = c->m_wnd ? c->m_wnd : 1, seq;
	int flags = fl[rnd(6)];
	struct mseg m;

	switch (rnd(8)) {
	case 0:		/* exact: an RST resets (rarely, to keep going) */
		seq = chance(30) ? c->m_ack : c->m_ack + 1;
		break;
	case 1: case 2:
		seq = c->m_ack + 1 + rnd(wnd);		/* in the window */
		break;
	case 3:
		seq = c->m_ack - 1 - rnd(0x10000);	/* before it */
		break;
	case 4:
		seq = c->m_ack + wnd + rnd(0x10000);	/* after it */
		break;
	case 5:
		seq = c->m_ack - 1;
		break;
	default:
		seq = rnd32();
		break;
	}
	mseg_init(self, &m, seq, pick_ack(c), flags,
		  chance(80) ? 0 : 1 + rnd(100));
	send_mseg(self, &m, "rstsyn");
}

/*
 * Out-of-order segments that overlap each other in part, then one in
 * order that overlaps them: the reassembly has to trim both ends. Now and
 * then they come in IP fragments, so that the queued skbs are not linear
 * (a frag_list) and trimming them has to pull.
 */
static void overlap_send(FIXTURE_DATA(fuzz) *self, struct mseg *m,
			 size_t frag, const char *what)
{
	m->frag = frag;
	send_mseg(self, m, what);
}

static void mut_overlap(FIXTURE_DATA(fuzz) *self)
{
	struct conn *c = &self->c;
	uint32_t base = c->m_ack, a = 1 + rnd(400), la = 1 + rnd(500);
	uint32_t b = a + rnd(la), lb = 1 + rnd(500), d, ld;
	size_t frag = chance(30) ? 8 * (1 + rnd(16)) : 0;
	struct mseg m;
	int n = 2;

	mseg_init(self, &m, base + a, c->m_rcv, TOYHDR_ACK, la);
	overlap_send(self, &m, frag, "overlap-a");
	mseg_init(self, &m, base + b, c->m_rcv, TOYHDR_ACK, lb);
	overlap_send(self, &m, frag, "overlap-b");
	if (chance(50)) {	/* one starting before both, ending inside */
		d = a - rnd(a);
		mseg_init(self, &m, base + d, c->m_rcv, TOYHDR_ACK,
			  a - d + rnd(la + 1) + 1);
		overlap_send(self, &m, frag, "overlap-c");
		n++;
	}
	/* in order, ending inside a, inside b, or past both */
	ld = a + rnd(b + lb - a + 64);
	mseg_init(self, &m, base - rnd(8), c->m_rcv, TOYHDR_ACK, ld ? ld : 1);
	overlap_send(self, &m, chance(50) ? frag : 0, "overlap-in-order");
	self->t.mutated += n;
	c->muts += n;
}

static void mut_window(FIXTURE_DATA(fuzz) *self)
{
	static const uint32_t w[] = {
		0, 1, 0x7fffffff, 0x80000000U, 0xffffffffU, 536,
	};
	struct conn *c = &self->c;
	size_t len = chance(70) ? 0 : 1 + rnd(600);
	struct mseg m;

	mseg_init(self, &m, len ? c->m_ack : c->p_nxt,
		  chance(70) ? c->m_rcv : c->m_hi, TOYHDR_ACK, len);
	m.window = chance(70) ? w[rnd(6)] : chance(50) ?
		   0x80000000U + rnd32() / 2 : rnd32();
	send_mseg(self, &m, "window");
}

static void mut_csum(FIXTURE_DATA(fuzz) *self)
{
	struct conn *c = &self->c;
	size_t len = pick_len();
	struct mseg m;

	mseg_init(self, &m, chance(60) ? c->m_ack : pick_seq(c, len),
		  c->m_rcv, chance(80) ? TOYHDR_ACK : rnd(0x40), len);
	m.bad_csum = chance(80) ? 1U << rnd(16) : 1 + rnd(0xffff);
	if (chance(20))
		pick_blocks(c, &m);
	send_mseg(self, &m, "csum");
}

/* A valid segment (a bad checksum now and then) with IP options. */
static void mut_ipopt(FIXTURE_DATA(fuzz) *self)
{
	struct conn *c = &self->c;
	size_t len = chance(30) ? 0 : 1 + rnd(1300);
	struct mseg m;

	mseg_init(self, &m, chance(50) ? c->m_ack : pick_seq(c, len),
		  c->m_rcv, TOYHDR_ACK | (chance(5) ? TOYHDR_FIN : 0), len);
	if (chance(10))
		m.bad_csum = 1;
	if (c->sack && chance(20))
		pick_blocks(c, &m);
	pick_ip_opts(self, &m, 0);
	send_mseg(self, &m, "ipopt");
}

/* A segment of up to PEER_MAXDATA bytes in fragments, some last first. */
static void mut_frag(FIXTURE_DATA(fuzz) *self)
{
	static const size_t sizes[] = { 8, 16, 24, 64, 256, 512, 1024, 1480 };
	struct conn *c = &self->c;
	size_t len = 1 + rnd(PEER_MAXDATA);
	struct mseg m;

	mseg_init(self, &m, chance(50) ? c->m_ack : pick_seq(c, len),
		  c->m_rcv, TOYHDR_ACK, len);
	m.frag = sizes[rnd(8)];
	while ((len + 64) / m.frag > 32)	/* at most ~32 fragments */
		m.frag *= 2;
	if (m.frag > 1480)
		m.frag = 1480;
	m.fflags = chance(30) ? PEER_IP_REVERSE : 0;
	if (chance(20))
		pick_ip_opts(self, &m, 1);
	if (self->v6) {
		/* the first fragment holds the options and a byte beyond */
		if (m.frag > PEER_IP6_FRAG)
			m.frag = PEER_IP6_FRAG;
		while (m.optlen && m.frag < 2 + m.optlen + 1)
			m.frag *= 2;
	} else if (m.optlen && m.frag > 1440) {
		m.frag = 1440;
	}
	if (chance(10))
		m.bad_csum = 1U << rnd(16);
	else if (chance(5))
		m.len_field = len - 1;
	if (c->sack && chance(20))
		pick_blocks(c, &m);
	send_mseg(self, &m, "frag");
}

/*
 * An ICMP (IPv6: ICMPv6) error from the peer's address quoting a segment
 * of the module's: destination unreachable of every code, "fragmentation
 * needed" and "packet too big" with any MTU, time exceeded, parameter
 * problem, and types nobody sends; the quoted sequence number in flight or
 * not, the quote cut anywhere. toy_v4_err() and toy_v6_err() may take a
 * soft error (or, for IPv6, a path MTU no smaller than the link's); the
 * stream must stay whole, and a quote of a sequence number not in flight
 * counts in InErrs.
 */
static void mut_icmp(FIXTURE_DATA(fuzz) *self)
{
	unsigned char msg[8 + PEER_IP6_HLEN + MAX_SEG];
	size_t tlen = PEER_HLEN + rnd(64), ih, q;
	uint32_t seq, mtu = chance(50) ? 1200 + rnd(400) : rnd(70000);
	struct toy_peer *p = &self->p;
	struct conn *c = &self->c;
	int live = chance(60);
	struct toyhdr *h;
	unsigned char *th;
	uint16_t v16;

	memset(msg, 0, sizeof(msg));
	if (p->v6) {
		static const uint8_t types[] = { 1, 2, 3, 4 };

		msg[0] = chance(90) ? types[rnd(4)] : rnd(128);
		msg[1] = rnd(msg[0] == 1 ? 8 : 4);
	} else {
		static const uint8_t types[] = { 3, 3, 3, 11, 12, 4 };

		msg[0] = chance(90) ? types[rnd(6)] : rnd(256);
		msg[1] = msg[0] == 3 && chance(40) ? 4 : rnd(16);
	}
	/*
	 * A Packet Too Big for a segment in flight lowers the route's path
	 * MTU for ten minutes, and the module then fragments (the peer
	 * reads no fragments): in flight, an MTU the link already allows.
	 * The small ones go with sequence numbers not in flight.
	 */
	if (p->v6 && live && msg[0] == 2 && mtu < PEER_IP_MTU)
		mtu = PEER_IP_MTU + rnd(70000 - PEER_IP_MTU);
	v16 = htons(mtu);	/* IPv4: next-hop MTU; IPv6: the low half */
	memcpy(msg + 6, &v16, 2);
	if (p->v6)
		msg[5] = mtu >> 16;
	ih = peer_quote_ip(p, msg + 8, tlen + rnd(1400));
	/* the module's segment, as it sent it: ours are its source and dest */
	th = msg + 8 + ih;
	h = (struct toyhdr *)th;
	seq = live ? c->m_rcv + rnd(c->m_hi - c->m_rcv + 1) :
		     c->m_hi + 0x40000000 + rnd(0x40000000);
	h->source = htons(p->dport);
	h->dest = htons(p->port);
	h->seq = htonl(seq);
	h->ack_seq = htonl(c->m_ack);
	h->doff = TOYHDR_DOFF;
	h->flags = TOYHDR_ACK;
	for (q = PEER_HLEN; q < tlen; q++)
		th[q] = rnd(256);
	/* cut anywhere, mostly after the ports and sequence number */
	q = chance(80) ? ih + 8 + rnd(tlen - 8 + 1) : rnd(ih + tlen + 1);
	if (!peer_send_icmp(p, msg, 8 + q))
		self->t.icmp++;
	hist_add(c, "icmp type=%u code=%u seq=%u(snd_una%+d) mtu=%u quote=%zu",
		 msg[0], msg[1], seq, (int32_t)(seq - c->m_rcv), mtu, q);
}

static void (*const mutators[M_NR])(FIXTURE_DATA(fuzz) *) = {
	mut_flags, mut_doff, mut_len, mut_sack, mut_seq, mut_fin, mut_rstsyn,
	mut_overlap, mut_window, mut_csum, mut_ipopt, mut_frag, mut_icmp,
};

/* One mutation; 3% go to a 4-tuple of no connection (or the listener). */
static void mutate(FIXTURE_DATA(fuzz) *self)
{
	uint16_t port = self->p.port, dport = self->p.dport;
	int cls;

	do {
		cls = rnd(M_NR);
		if (cls == M_FIN && chance(50))	/* it ends streams: less */
			cls = M_SEQ;
	} while (skip & (1U << cls));
	self->stray = chance(3);
	if (self->stray) {
		self->p.port = 1024 + rnd(60000);
		self->p.dport = chance(50) ? (uint32_t)self->lport :
					     1024 + rnd(60000);
		self->t.stray++;
	}
	mutators[cls](self);
	self->stray = 0;
	self->p.port = port;
	self->p.dport = dport;
	self->t.by_class[cls]++;
	self->t.mutated++;
	self->c.muts++;
}

/* ---- legitimate traffic from the peer ------------------------------------- */

static void legit_data(FIXTURE_DATA(fuzz) *self)
{
	unsigned char buf[DGRAM_DATA];
	struct conn *c = &self->c;
	uint32_t edge = c->m_ack + c->m_wnd, seq, len;
	int r = rnd(10);

	if (seq_before(c->p_nxt, c->m_ack))
		c->p_nxt = c->m_ack;
	if (c->p_fin || c->eof) {
		send_ack(self);
		return;
	}
	if (r < 6 && seq_after(edge, c->p_nxt)) {		/* new data */
		seq = c->p_nxt;
		len = edge - seq;
	} else if (r < 8 && seq_before(c->m_ack, c->p_nxt)) {	/* resend */
		seq = c->m_ack;
		len = c->p_nxt - seq;
	} else if (r < 9 && seq_after(edge, c->p_nxt + 2)) {	/* reorder */
		seq = c->p_nxt + 1 + rnd(edge - c->p_nxt - 1);
		len = edge - seq;
	} else {
		send_ack(self);
		return;
	}
	if (len > 1 + rnd(DGRAM_DATA))
		len = 1 + rnd(DGRAM_DATA);
	if (len > sizeof(buf))
		len = sizeof(buf);
	pat_fill(buf, c->psalt, seq - (c->p_iss + 1), len);
	if (peer_send(&self->p, seq, c->m_rcv, TOYHDR_ACK, buf, len))
		return;
	self->t.legit++;
	if (seq == c->p_nxt)
		c->p_nxt += len;
	if (seq_after(seq + len, c->p_max))
		c->p_max = seq + len;
}

/* ---- connections ----------------------------------------------------------- */

static uint32_t pick_iss(void)
{
	switch (rnd(8)) {
	case 0: case 1:
		return 0xffffffffU - rnd(4000);		/* wraps soon */
	case 2:
		return 0x7fffffffU - rnd(4000);
	default:
		return rnd32();
	}
}

static void conn_abort(struct conn *c)
{
	struct linger lg = { 1, 0 };

	if (c->fd < 0)
		return;
	setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	toy_close(&c->fd);
}

static void conn_init(FIXTURE_DATA(fuzz) *self, int fd, uint32_t m_iss,
		      uint32_t wnd)
{
	struct conn *c = &self->c;

	c->fd = fd;
	c->m_iss = m_iss;
	c->p_nxt = c->p_iss + 1;
	c->p_max = c->p_nxt;
	c->m_ack = c->p_nxt;
	c->m_rcv = m_iss + 1;
	c->m_hi = c->m_rcv;
	c->m_wnd = wnd;
	c->psalt = rnd32();
	c->tsalt = rnd32();
	c->budget = 50 + rnd(chance(20) ? 5000 : 1000);
	self->t.conns++;
}

/* The peer connects to the toy listener. Return: 0, or -1. */
static int open_passive(FIXTURE_DATA(fuzz) *self)
{
	struct conn *c = &self->c;
	struct sockaddr_toy sa;
	socklen_t sl = sizeof(sa);
	int sackok = chance(70), tries, fd;
	struct toy_seg s;

	self->p.dport = self->lport;
	for (tries = 0; tries < 3; tries++) {
		peer_send(&self->p, c->p_iss, 0,
			  TOYHDR_SYN | (sackok ? TOYHDR_SACKOK : 0), NULL, 0);
		if (wait_flags(self, &s, TOYHDR_SYN | TOYHDR_ACK, REPLY_MS) &&
		    s.ack == c->p_iss + 1)
			break;
	}
	if (tries == 3)
		return -1;
	c->sack = sackok && (s.flags & TOYHDR_SACKOK);
	peer_send(&self->p, c->p_iss + 1, s.seq + 1, TOYHDR_ACK, NULL, 0);
	for (;;) {
		if (!(toy_poll(self->lfd, POLLIN, REPLY_MS) & POLLIN))
			return -1;
		fd = accept4(self->lfd, (struct sockaddr *)&sa, &sl,
			     SOCK_NONBLOCK);
		if (fd < 0)
			return -1;
		if (ntohs(sa.stoy_port) == c->pport)
			break;
		close(fd);	/* not ours */
	}
	conn_init(self, fd, s.seq, s.window);
	self->t.passive++;
	return 0;
}

/* The toy side connects to the peer. Return: 0, or -1. */
static int open_active(FIXTURE_DATA(fuzz) *self)
{
	static const int bufs[] = { 2048, 8192, 65536, 262144 };
	struct sockaddr_toy sa = self->v6 ? toy_sa6(ADDR6_B, self->c.pport) :
				 toy_sa(inet_addr(ADDR_B), self->c.pport);
	struct conn *c = &self->c;
	struct toy_seg s;
	int fd, sackok;

	fd = toy_socket_flags(SOCK_NONBLOCK);
	if (fd < 0)
		return -1;
	toy_opts(fd);
	if (chance(50))
		toy_set_int(fd, SOL_SOCKET, SO_RCVBUF, bufs[rnd(4)]);
	if (chance(30))
		toy_set_int(fd, SOL_SOCKET, SO_SNDBUF, bufs[rnd(4)]);
	self->p.dport = 0;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 ||
	    errno != EINPROGRESS || !wait_flags(self, &s, TOYHDR_SYN, REPLY_MS))
		goto fail;
	self->p.dport = s.sport;
	sackok = (s.flags & TOYHDR_SACKOK) && chance(70);
	peer_send(&self->p, c->p_iss, s.seq + 1,
		  TOYHDR_SYN | TOYHDR_ACK | (sackok ? TOYHDR_SACKOK : 0),
		  NULL, 0);
	if (!(toy_poll(fd, POLLOUT, REPLY_MS) & POLLOUT) ||
	    toy_get_int(fd, SOL_SOCKET, SO_ERROR) != 0)
		goto fail;
	c->sack = sackok;
	conn_init(self, fd, s.seq, s.window);
	self->t.active++;
	return 0;
fail:
	close(fd);
	return -1;
}

static int conn_open(FIXTURE_DATA(fuzz) *self)
{
	struct conn *c = &self->c;
	int active = chance(50);

	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->active = active;
	c->pport = PORT_BASE + self->next_port++ % PORT_SPAN;
	c->p_iss = pick_iss();
	self->p.port = c->pport;
	if ((active ? open_active : open_passive)(self)) {
		self->t.hs_fail++;
		c->dead = 1;
		return -1;
	}
	return 0;
}

/*
 * The end of a connection: an abort (RST from the toy side), an orderly
 * close (FINs both ways), or an RST from the peer at its snd_nxt.
 */
static void conn_end(struct __test_metadata *_metadata,
		     FIXTURE_DATA(fuzz) *self)
{
	struct conn *c = &self->c;
	int how = rnd(10), i;
	long end;

	/* reset: what was queued, then the error, for the application */
	for (i = 0; i < 64 && c->fd >= 0 && !c->reset && conn_closed(self, 0);
	     i++)
		if (toy_read(_metadata, self) <= 0)
			break;
	self->t.resets += c->reset;
	if (c->fd < 0)
		return;
	if (c->dead || how < 4) {
		conn_abort(c);
		return;
	}
	if (how < 8) {
		close(c->fd);
		c->fd = -1;
		/* its FIN, then ours (an abort if it had unread data) */
		end = peer_now_ms() + 300;
		while (!c->m_fin && !c->dead && peer_now_ms() < end) {
			struct toy_seg s;

			if (peer_recv(&self->p, &s, 20) == 1)
				module_seg(_metadata, self, &s);
		}
		if (c->m_fin && !c->dead) {
			drain(_metadata, self);	/* p_nxt as the module has it */
			peer_send(&self->p, c->p_nxt, c->m_rcv,
				  TOYHDR_FIN | TOYHDR_ACK, NULL, 0);
			c->p_fin = 1;
			/*
			 * Our FIN ends the stream at p_nxt, but the module may
			 * have taken mutated data beyond it and be ACKing it
			 * right now: the bound only ever grows.
			 */
			if (seq_after(c->p_nxt + 1, c->p_max))
				c->p_max = c->p_nxt + 1;
			drain(_metadata, self);
		}
		return;
	}
	drain(_metadata, self);
	peer_send(&self->p, c->m_ack, c->m_rcv, TOYHDR_RST | TOYHDR_ACK, NULL, 0);
	conn_abort(c);
}

/* Is the module done with the connection? Now and then: our FIN. */
static void conn_check(FIXTURE_DATA(fuzz) *self)
{
	struct conn *c = &self->c;
	struct toy_info ti;

	if (!toy_get_info(c->fd, &ti) && ti.state == TOY_ST_CLOSE)
		c->dead = 1;
	if (rnd(300) == 0 && !c->shut) {
		shutdown(c->fd, SHUT_WR);
		c->shut = 1;
	}
}

/* ---- the run ----------------------------------------------------------------- */

/* A counter of /proc/net/snmp6 ("Ip6InReceives  12"; this namespace). */
static long long snmp6(const char *name)
{
	FILE *f = fopen("/proc/net/snmp6", "r");
	char line[256], k[128];
	long long v = -1, x;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%127s %lld", k, &x) == 2 && !strcmp(k, name)) {
			v = x;
			break;
		}
	fclose(f);
	return v;
}

/*
 * A counter from the "Ip:" lines of /proc/net/snmp (this namespace), or
 * for IPv6 (@v6) IPv6's counter of that name.
 */
static long long snmp_ip(int v6, const char *name)
{
	char n6[64];

	if (v6) {
		snprintf(n6, sizeof(n6), "Ip6%s", name);
		return snmp6(n6);
	}
	char names[1024], vals[1024], *np, *vp, *ns, *vs;
	FILE *f = fopen("/proc/net/snmp", "r");
	long long v = -1;

	if (!f)
		return -1;
	while (fgets(names, sizeof(names), f) && fgets(vals, sizeof(vals), f)) {
		if (strncmp(names, "Ip: ", 4))
			continue;
		strtok_r(names, " \n", &ns);
		strtok_r(vals, " \n", &vs);
		while ((np = strtok_r(NULL, " \n", &ns)) &&
		       (vp = strtok_r(NULL, " \n", &vs)))
			if (!strcmp(np, name))
				v = strtoll(vp, NULL, 10);
		break;
	}
	fclose(f);
	return v;
}

/*
 * Datagrams lost on the way, not to be expected at the module: packets
 * the receive backlogs dropped (all CPUs, all namespaces: an upper bound)
 * plus reassembly queues still waiting for a fragment (this namespace).
 */
static long long path_drops(void)
{
	FILE *f = fopen("/proc/net/softnet_stat", "r");
	unsigned int processed, dropped;
	long long n = 0;
	char line[512];

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%x %x", &processed, &dropped) == 2)
			n += dropped;
	fclose(f);
	return n;
}

static long long frags_waiting(int v6)
{
	FILE *f = fopen(v6 ? "/proc/net/sockstat6" : "/proc/net/sockstat", "r");
	long long n = 0;
	char line[256];

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, v6 ? "FRAG6: inuse %lld" : "FRAG: inuse %lld",
			   &n) == 1)
			break;
	fclose(f);
	return n;
}

static const char * const ip_names[] = {
	"InReceives", "InHdrErrors", "InDiscards", "InDelivers", "ReasmReqds",
	"ReasmOKs", "ReasmFails",
};
#define IP_N		((int)ARRAY_SIZE(ip_names))
#define IP_REASMFAILS	6

static void print_totals(const struct totals *t, long ms)
{
	int i;

	printf("# fuzz: %ld mutated + %ld legitimate segments "
	       "(%ld to stray 4-tuples), %.1f s\n",
	       t->mutated, t->legit, t->stray, ms / 1000.0);
	printf("# fuzz: %ld connections (%ld active, %ld passive, "
	       "%ld handshakes failed), %ld resets seen by the application, "
	       "%ld RSTs from the module, %ld EOFs\n",
	       t->conns, t->active, t->passive, t->hs_fail, t->resets,
	       t->rsts_rcvd, t->eofs);
	printf("# fuzz: %ld bytes read, %ld written; %ld invalid segments "
	       "sent (%ld bad checksums, %ld of them breaking rule 7 or 8 "
	       "too), %ld more with odd IP options\n",
	       t->read_bytes, t->sent_bytes, t->invalid, t->csum_bad,
	       t->csum_late, t->invalid_unsure);
	printf("# fuzz: by class:");
	for (i = 0; i < M_NR; i++)
		printf(" %s=%ld", mnames[i], t->by_class[i]);
	printf("\n");
	fflush(stdout);
}

static void print_counters(int v6, const struct toy_stats *s0,
			   const struct toy_stats *s1, const long long *ip)
{
	static const char * const names[] = {
		"InSegs", "InErrs", "InCsumErrors", "OutOfWindow", "OfoQueued",
		"DupSegs", "RcvQDrops", "OfoPruned", "SackDiscard", "OutRsts",
		"EstabResets", "ChallengeACKs", "OutOfWindowAckSkipped",
	};
	size_t i;

	printf("# fuzz: counters:");
	for (i = 0; i < ARRAY_SIZE(names); i++)
		if (toy_stats_get(s1, names[i]) >= 0)
			printf(" %s %lld", names[i],
			       toy_stats_delta(s0, s1, names[i]));
	printf("\n# fuzz: %s:", v6 ? "IPv6" : "IP");
	for (i = 0; i < IP_N; i++)
		printf(" %s %lld", ip_names[i], ip[i]);
	printf("\n");
	fflush(stdout);
}

static void run(struct __test_metadata *_metadata, FIXTURE_DATA(fuzz) *self)
{
	struct totals *t = &self->t;
	long long ip[IP_N], errs, csum, lost, drops, frags;
	long t0 = peer_now_ms(), next_progress;
	struct toy_stats s0, s1;
	int i;

	ASSERT_EQ(0, toy_stats_read(&s0));
	for (i = 0; i < IP_N; i++)
		ip[i] = snmp_ip(self->v6, ip_names[i]);
	drops = path_drops();
	frags = frags_waiting(self->v6);
	self->lfd = self->v6 ? toy_listener6(ADDR6_A, BACKLOG, &self->lport) :
			       toy_listener(inet_addr(ADDR_A), BACKLOG, &self->lport);
	ASSERT_LE(0, self->lfd);
	toy_opts(self->lfd);
	self->deadline = t0 + cfg.seconds * 500;
	next_progress = t0 + PROGRESS_MS;
	toy_kmsg("toy_fuzz_seg", "seed %llu, %s: %ld mutated segments or %ld s\n",
		 cfg.seed, self->v6 ? "IPv6" : "IPv4", (cfg.iters + 1) / 2,
		 cfg.seconds / 2);

	while (t->mutated < (cfg.iters + 1) / 2 &&
	       peer_now_ms() < self->deadline && t->hs_fail <= 20) {
		struct conn *c = &self->c;
		int r;

		if (peer_now_ms() > next_progress) {
			toy_kmsg("toy_fuzz_seg", "seed %llu: %ld mutated, %ld legitimate segments\n",
				 cfg.seed, t->mutated, t->legit);
			next_progress += PROGRESS_MS;
		}

		if (c->dead || c->fd < 0 || c->muts >= c->budget) {
			conn_end(_metadata, self);
			drain(_metadata, self);
			conn_open(self);
			continue;
		}
		drain(_metadata, self);
		r = rnd(100);
		if (r < 45)
			mutate(self);
		else if (r < 65)
			legit_data(self);
		else if (r < 78)
			toy_write(self);
		else if (r < 96)
			toy_read(_metadata, self);
		else
			conn_check(self);
	}
	conn_end(_metadata, self);
	toy_close(&self->lfd);
	drain(_metadata, self);
	print_totals(t, peer_now_ms() - t0);

	/* every socket goes away: orphans have short timers */
	EXPECT_EQ(0, toy_wait_idle(IDLE_MS)) {
		struct toy_row rows[16];
		int n = toy_rows(rows, 16);

		for (i = 0; i < n; i++)
			TH_LOG("left: port %d -> %d state %d", rows[i].lport,
			       rows[i].rport, rows[i].state);
	}
	ASSERT_EQ(0, toy_stats_read(&s1));
	for (i = 0; i < IP_N; i++)
		ip[i] = snmp_ip(self->v6, ip_names[i]) - ip[i];
	print_counters(self->v6, &s0, &s1, ip);
	drops = path_drops() - drops;
	frags = frags_waiting(self->v6) - frags;
	if (drops || frags)
		printf("# fuzz: on the way: %lld packets dropped by receive backlogs, %lld datagrams still in reassembly\n",
		       drops, frags);

	EXPECT_EQ(0, t->bad_read)
		TH_LOG("the reader got bytes the peer did not send there");
	EXPECT_EQ(0, t->bad_data)
		TH_LOG("the module sent bytes the application did not write");
	EXPECT_EQ(0, t->bad_ack)
		TH_LOG("the module acknowledged data never sent");
	EXPECT_EQ(0U, self->p.bad)
		TH_LOG("the module sent a segment failing section 4, rule %u",
		       self->p.bad_rule);
	if (_metadata->exit_code)
		TH_LOG("seed %llu: toy_fuzz_seg --seed %llu --iters %ld",
		       cfg.seed, cfg.seed, cfg.iters);
	EXPECT_LT(1, t->conns);
	EXPECT_GE(1, t->hs_fail) TH_LOG("%ld handshakes failed", t->hs_fail);
	EXPECT_EQ(0, toy_stats_get(&s1, "CurrEstab"));
	/*
	 * Exact, but for datagrams whose odd IP options the IP layer drops,
	 * fragments it could not (or not yet) reassemble, and packets lost
	 * on the way (a backlog full on a slow kernel).
	 */
	errs = toy_stats_delta(&s0, &s1, "InErrs");
	csum = toy_stats_delta(&s0, &s1, "InCsumErrors");
	lost = ip[IP_REASMFAILS] + (frags > 0 ? frags : 0) + drops;
	EXPECT_LE(t->invalid - lost, errs)
		TH_LOG("InErrs: fewer than the invalid segments sent");
	EXPECT_GE(t->invalid + t->invalid_unsure + t->icmp, errs)
		TH_LOG("InErrs: more than the invalid segments and ICMP errors sent");
	EXPECT_LE(t->csum_bad - lost, csum)
		TH_LOG("InCsumErrors: fewer than the bad checksums sent");
	EXPECT_GE(t->csum_bad + t->invalid_unsure, csum)
		TH_LOG("InCsumErrors: more than the bad checksums sent");
}

TEST_F_TIMEOUT(fuzz, mutated_segments, SECONDS_DEF / 2 + 90)
{
	run(_metadata, self);
}

/*
 * Found by the fuzzer: section 4 runs the checksum (rule 6) before rules 7
 * and 8, so a bad checksum on a SYN|FIN, a SYN|RST or a SACKOK without SYN
 * counts in InCsumErrors as well as in InErrs.
 */
TEST_F(fuzz, checksum_before_rules_7_and_8)
{
	static const int flags[] = {
		TOYHDR_SYN | TOYHDR_FIN, TOYHDR_SYN | TOYHDR_RST,
		TOYHDR_ACK | TOYHDR_SACKOK,
	};
	struct toy_stats s0, s1;
	struct mseg m;
	int i;

	self->p.port = PORT_BASE;
	self->p.dport = 7;
	ASSERT_EQ(0, toy_stats_read(&s0));
	for (i = 0; i < 3; i++) {
		mseg_init(self, &m, 1000, 0, flags[i], 0);
		m.bad_csum = 0x0100;
		self->stray = 1;
		send_mseg(self, &m, "rule 6 and 7/8");
	}
	ASSERT_EQ(0, toy_wait_stat("InErrs", toy_stats_get(&s0, "InErrs") + 3,
				   REPLY_MS));
	ASSERT_EQ(0, toy_stats_read(&s1));
	EXPECT_EQ(3, toy_stats_delta(&s0, &s1, "InErrs"));
	EXPECT_EQ(3, toy_stats_delta(&s0, &s1, "InCsumErrors"))
		TH_LOG("a bad checksum is rule 6, checked before rules 7 and 8");
}

/* ---- options, then the harness --------------------------------------------- */

/* TOY_FUZZ_SKIP=class,...: the mutation classes left out. */
static int skip_opt(const char *list)
{
	char buf[256], *tok, *save;
	int i;

	snprintf(buf, sizeof(buf), "%s", list);
	for (tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		for (i = 0; i < M_NR && strcmp(tok, mnames[i]); i++)
			;
		if (i == M_NR) {
			fprintf(stderr, "TOY_FUZZ_SKIP: no class '%s'\n", tok);
			return -1;
		}
		skip |= 1U << i;
	}
	if (skip == (1U << M_NR) - 1) {
		fprintf(stderr, "TOY_FUZZ_SKIP: every class left out\n");
		return -1;
	}
	return 0;
}

/* Our options out of argv, the rest for the harness. */
int main(int argc, char **argv)
{
	struct __fixture_metadata *f;
	struct __test_metadata *t;
	int n;

	if (getenv("TOY_FUZZ_SKIP") && skip_opt(getenv("TOY_FUZZ_SKIP")))
		return KSFT_FAIL;
	n = toy_fuzz_args(argc, argv, &cfg);
	if (n < 0)
		return KSFT_FAIL;
	printf("# seed: %llu (iters %ld, seconds %ld%s%s)\n", cfg.seed,
	       cfg.iters, cfg.seconds, skip ? ", TOY_FUZZ_SKIP=" : "",
	       skip ? getenv("TOY_FUZZ_SKIP") : "");
	fflush(stdout);
	/* the harness' per-test timeout follows --seconds */
	for (f = __fixture_list; f; f = f->next)
		for (t = f->tests; t; t = t->next)
			t->timeout = cfg.seconds / 2 + 90;
	return test_harness_run(n, argv);
}
