// SPDX-License-Identifier: GPL-2.0
/*
 * Hostile peers and hostile local users: one case per bug the security
 * review found, each written to fail (or crash the kernel) before its fix.
 *
 * The "wire" cases play the peer with the fake peer of peer.h (the
 * network of toy_fsm.c): segments no honest stack sends, RFC 5961's blind
 * and in-window attacks, an ICMP error, a peer that keeps its window shut.
 * The others need only loopback: racing readers, reconnecting after a
 * reset, unprivileged socket options, the listen() backlog.
 */
#define _GNU_SOURCE
#include <linux/filter.h>
#include <linux/if_packet.h>
#include <linux/virtio_net.h>
#include <pthread.h>
#include <sched.h>
#include <sys/wait.h>

#include "toy_test.h"
#include "peer.h"
#include "toy_harness.h"

/* A loaded host under TCG is slow: each case gets 2 minutes, not 30 s. */
#undef TEST_TIMEOUT_DEFAULT
#define TEST_TIMEOUT_DEFAULT	120

#define PEER_PORT	7779
#define PEER_ISS	0x7ffffff0U
#define RTO_SLOW	3000		/* ms: no RTO during a case */
#define REPLY_MS	2000
#define QUIET_MS	300

FIXTURE(wire) {
	struct toy_peer p;
	int ns_orig, ns_a;
	int fd, lfd, lport;
	uint32_t m_nxt;		/* the module's snd_nxt, from the wire */
	uint32_t p_nxt;		/* ours */
};

FIXTURE_SETUP(wire)
{
	self->fd = self->lfd = -1;
	PEER_CASE_SETUP(self, PEER_PORT);
}

FIXTURE_TEARDOWN(wire)
{
	peer_case_close(&self->p, &self->fd, &self->lfd, self->ns_orig,
			self->ns_a);
}

static void next_seg(struct __test_metadata *_metadata, FIXTURE_DATA(wire) *self,
		     struct toy_seg *s)
{
	PEER_ASSERT_SEG(&self->p, s, REPLY_MS);
}

/* Segments the module sends within @ms (each ACK of a flood, say). */
static int count_segs(FIXTURE_DATA(wire) *self, int ms)
{
	long end = toy_now_ms() + ms;
	struct toy_seg s;
	int n = 0;

	while (toy_now_ms() < end &&
	       peer_recv(&self->p, &s, end - toy_now_ms()) == 1)
		n++;
	return n;
}

/* The peer's byte at stream offset @off: overlapping sends agree. */
static char stream_byte(uint32_t off)
{
	return 'A' + (off * 7 + off / 26) % 26;
}

/* The peer sends its stream's bytes [@off, @off + @len) with @flags. */
static int pdata(FIXTURE_DATA(wire) *self, uint32_t off, size_t len, int flags)
{
	char buf[PEER_MAXDATA];
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = stream_byte(off + i);
	return peer_send(&self->p, self->p_nxt + off, self->m_nxt,
			 TOYHDR_ACK | flags, buf, len);
}

/* A passive open from the peer; the accepted socket in self->fd. */
static void passive(struct __test_metadata *_metadata, FIXTURE_DATA(wire) *self)
{
	struct peer_open o;
	const char *why = "";
	int err;

	err = peer_passive(&self->p, PEER_ISS, 0, RTO_SLOW, REPLY_MS, &o, &why);
	self->lfd = o.lfd;
	self->fd = o.fd;
	self->lport = o.lport;
	ASSERT_EQ(0, err) TH_LOG("passive open: %s: %s", why, strerror(errno));
	ASSERT_EQ(TOYHDR_SYN | TOYHDR_ACK, o.synack);
	self->m_nxt = o.m_nxt;
	self->p_nxt = o.p_nxt;
}

/* Exactly @len bytes of the peer's stream from @off are readable, then no more. */
static void expect_stream(struct __test_metadata *_metadata, int fd,
			  uint32_t off, size_t len)
{
	char buf[4096];
	size_t i;

	ASSERT_LE(len, sizeof(buf));
	ASSERT_EQ(0, toy_set_timeouts(fd, REPLY_MS));
	ASSERT_EQ((ssize_t)len, toy_recv_all(fd, buf, len));
	for (i = 0; i < len; i++)
		ASSERT_EQ(stream_byte(off + i), buf[i]) TH_LOG("byte %zu", i);
	ASSERT_EQ(-1, recv(fd, buf, sizeof(buf), MSG_DONTWAIT));
	ASSERT_EQ(EAGAIN, errno);
}

/*
 * Payload and FIN in one in-order segment, merged into the tail of the
 * receive queue: the merged skb is freed, and its control block was read
 * afterwards (a use-after-free KASAN reports on the debug kernel).
 */
TEST_F(wire, data_fin_merged_into_tail)
{
	char buf[16];

	passive(_metadata, self);
	ASSERT_EQ(0, pdata(self, 0, 5, 0));
	ASSERT_EQ(0, toy_wait_rx_queue(self->lport, PEER_PORT, 5, REPLY_MS));
	ASSERT_EQ(0, pdata(self, 5, 5, TOYHDR_FIN));
	ASSERT_EQ(0, toy_wait_state(self->lport, PEER_PORT, TOY_ST_CLOSE_WAIT,
				    REPLY_MS));
	ASSERT_EQ(0, toy_set_timeouts(self->fd, REPLY_MS));
	ASSERT_EQ(10, toy_recv_all(self->fd, buf, 10));
	ASSERT_EQ(0, memcmp(buf, "AHOVCJQXEL", 10)) TH_LOG("%.10s", buf);
	ASSERT_EQ(0, recv(self->fd, buf, sizeof(buf), 0));	/* EOF */
}

/*
 * Out-of-order data, then in-order data that overlaps it: the charged
 * out-of-order skb must not be trimmed (pskb_pull() under truesize), and
 * the reader gets each byte once, in order.
 */
TEST_F(wire, overlap_of_queued_out_of_order)
{
	passive(_metadata, self);
	ASSERT_EQ(0, pdata(self, 700, 600, 0));
	ASSERT_EQ(0, pdata(self, 100, 700, 0));
	ASSERT_EQ(0, pdata(self, 50, 1000, 0));
	ASSERT_EQ(0, pdata(self, 0, 1200, 0));
	expect_stream(_metadata, self->fd, 0, 1300);
}

/* RFC 5961 3.2: a RST in the window but not exact gets a challenge ACK. */
TEST_F(wire, rst_in_window_challenged)
{
	struct toy_info ti;
	struct toy_seg s;
	char c;

	passive(_metadata, self);
	ASSERT_EQ(0, peer_send(&self->p, self->p_nxt + 1000, 0, TOYHDR_RST,
			       NULL, 0));
	next_seg(_metadata, self, &s);
	ASSERT_EQ(TOYHDR_ACK, s.flags);
	ASSERT_EQ(self->p_nxt, s.ack);
	ASSERT_EQ(0, toy_get_info(self->fd, &ti));
	ASSERT_EQ(TOY_ST_ESTABLISHED, ti.state);
	/* The real peer answers with the exact number: that one resets. */
	ASSERT_EQ(0, peer_send(&self->p, s.ack, 0, TOYHDR_RST, NULL, 0));
	ASSERT_EQ(0, toy_set_timeouts(self->fd, REPLY_MS));
	ASSERT_EQ(-1, recv(self->fd, &c, 1, 0));
	ASSERT_EQ(ECONNRESET, errno);
}

/* RFC 5961 4.2: a SYN on a connection never resets it; an ACK answers. */
TEST_F(wire, syn_in_established_challenged)
{
	struct toy_info ti;
	struct toy_seg s;

	passive(_metadata, self);
	ASSERT_EQ(0, peer_send(&self->p, 12345, 0, TOYHDR_SYN, NULL, 0));
	next_seg(_metadata, self, &s);
	ASSERT_EQ(TOYHDR_ACK, s.flags);
	ASSERT_EQ(self->p_nxt, s.ack);
	ASSERT_EQ(0, toy_get_info(self->fd, &ti));
	ASSERT_EQ(TOY_ST_ESTABLISHED, ti.state);
	ASSERT_EQ(0, pdata(self, 0, 3, 0));
	expect_stream(_metadata, self->fd, 0, 3);
}

/*
 * RFC 5961 5.2: data at the right sequence number whose ACK is older than
 * anything the peer could have sent (below SND.UNA - MAX.SND.WND) is not
 * from the peer: dropped, answered with an ACK, never read.
 */
TEST_F(wire, data_with_forged_ack_dropped)
{
	long long before = toy_stat("ChallengeACKs");
	char buf[8];
	struct toy_seg s;

	passive(_metadata, self);
	ASSERT_EQ(0, peer_send(&self->p, self->p_nxt, self->m_nxt - 0x40000000U,
			       TOYHDR_ACK, "EVIL", 4));
	next_seg(_metadata, self, &s);
	ASSERT_EQ(TOYHDR_ACK, s.flags);
	ASSERT_EQ(self->p_nxt, s.ack) TH_LOG("the forged data was acknowledged");
	ASSERT_EQ(-1, recv(self->fd, buf, sizeof(buf), MSG_DONTWAIT));
	ASSERT_EQ(EAGAIN, errno);
	ASSERT_LT(before, toy_stat("ChallengeACKs"));
	/* The real peer's bytes at that number still go through. */
	ASSERT_EQ(0, pdata(self, 0, 4, 0));
	expect_stream(_metadata, self->fd, 0, 4);
}

/*
 * Out-of-window pure ACKs and challenges are answered at most once per
 * 500 ms: two ends that disagree would otherwise ACK each other forever.
 */
TEST_F(wire, out_of_window_acks_rate_limited)
{
	long long before = toy_stat("OutOfWindowAckSkipped");
	long t0, took;
	int i, n;

	passive(_metadata, self);
	t0 = toy_now_ms();
	for (i = 0; i < 50; i++) {
		uint32_t seq = self->p_nxt + 0x20000000U + i;

		ASSERT_EQ(0, peer_send(&self->p, seq, self->m_nxt, TOYHDR_ACK,
				       NULL, 0));
		ASSERT_EQ(0, peer_send(&self->p, self->p_nxt + 100 + i, 0,
				       TOYHDR_RST, NULL, 0));
	}
	took = toy_now_ms() - t0;
	n = count_segs(self, QUIET_MS);
	/*
	 * One answer per 500 ms the flood took, give or take one; twice
	 * that by CLOCK_MONOTONIC, which the guest's jiffies may outrun
	 * under TCG on a busy host. Without the limit: 100.
	 */
	ASSERT_GE(n, 1);
	ASSERT_LE(n, 2 + took / 250)
		TH_LOG("%d answers to 100 unacceptable segments in %ld ms", n, took);
	/* the counter is per namespace, which earlier cases used too */
	ASSERT_LT(before, toy_stat("OutOfWindowAckSkipped"));
}

/*
 * A window of 2^31 or more would turn the sender's sequence arithmetic
 * around (snd_una + wnd "before" snd_nxt): it is taken as 2^30.
 */
TEST_F(wire, huge_window_still_sends)
{
	char buf[1000];
	struct toy_seg s;

	passive(_metadata, self);
	self->p.window = 0x80010000U;
	ASSERT_EQ(0, peer_send(&self->p, self->p_nxt, self->m_nxt, TOYHDR_ACK,
			       NULL, 0));
	memset(buf, 'x', sizeof(buf));
	ASSERT_EQ((ssize_t)sizeof(buf), send(self->fd, buf, sizeof(buf), 0));
	next_seg(_metadata, self, &s);
	ASSERT_EQ(self->m_nxt, s.seq);
	ASSERT_LT(0, s.len) TH_LOG("no data under a 0x80010000 window");
}

/*
 * An ICMP error of @type and @code (an IPv6 peer: ICMPv6) quoting the
 * module's SYN @s to the peer, with @seq for its sequence number: the
 * SYN's IP header, rebuilt, and its first 8 bytes.
 */
static int icmp_for_syn(struct toy_peer *p, int type, int code,
			const struct toy_seg *s, uint32_t seq)
{
	unsigned char msg[8 + PEER_IP6_HLEN + 8] = { type, code };
	unsigned char *th;
	uint16_t v16;
	uint32_t v32;

	th = msg + 8 + peer_quote_ip(p, msg + 8, PEER_HLEN);
	v16 = htons(s->sport);
	memcpy(th, &v16, 2);
	v16 = htons(s->dport);
	memcpy(th + 2, &v16, 2);
	v32 = htonl(seq);
	memcpy(th + 4, &v32, 4);
	return peer_send_icmp(p, msg, th + 8 - msg);
}

/*
 * ICMP protocol unreachable for our SYN: nobody speaks Toy there, and
 * connect() fails at once with ENOPROTOOPT (as TCP's icmp_err_convert)
 * instead of retrying for minutes.
 * One quoting a sequence number we never sent is ignored.
 */
TEST_F(wire, icmp_unreachable_fails_connect)
{
	struct sockaddr_toy sa = toy_sa(inet_addr(ADDR_B), PEER_PORT);
	struct toy_seg s;
	int err = 0;
	socklen_t el = sizeof(err);

	self->fd = toy_socket_flags(SOCK_NONBLOCK);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(-1, connect(self->fd, (struct sockaddr *)&sa, sizeof(sa)));
	ASSERT_EQ(EINPROGRESS, errno);
	self->p.dport = toy_local_port(self->fd);
	next_seg(_metadata, self, &s);
	ASSERT_EQ(TOYHDR_SYN | TOYHDR_SACKOK, s.flags);

	/* destination unreachable, protocol unreachable; not ours: ignored */
	ASSERT_EQ(0, icmp_for_syn(&self->p, 3, 2, &s, s.seq + 100000));
	ASSERT_EQ(0, toy_poll(self->fd, POLLOUT, QUIET_MS));

	ASSERT_EQ(0, icmp_for_syn(&self->p, 3, 2, &s, s.seq));
	ASSERT_LT(0, toy_poll(self->fd, POLLOUT, REPLY_MS));
	ASSERT_EQ(0, getsockopt(self->fd, SOL_SOCKET, SO_ERROR, &err, &el));
	ASSERT_EQ(ENOPROTOOPT, err);
}

/*
 * The same over IPv6: an ICMPv6 port unreachable (RFC 4443 3.1, code 4)
 * for our SYN fails connect() with ECONNREFUSED (icmpv6_err_convert());
 * one quoting a sequence number we never sent is ignored and counted in
 * InErrs. The peer of this case speaks IPv6 (peer_netns_open6()).
 */
TEST(icmpv6_unreachable_fails_connect)
{
	struct sockaddr_toy sa = toy_sa6(ADDR6_B, PEER_PORT);
	int err = 0, ns_orig, ns_a, fd, i, r;
	socklen_t el = sizeof(err);
	long long errs0;
	struct toy_peer p;
	struct toy_seg s;

	ns_orig = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, ns_orig);
	r = peer_netns_open6(&p, &ns_a);
	if (r > 0)
		SKIP(return, "no IPv6, namespaces or veth");
	ASSERT_EQ(0, r) TH_LOG("peer network: %s", strerror(errno));
	p.port = PEER_PORT;
	errs0 = toy_stat("InErrs");
	fd = toy_socket_flags(SOCK_NONBLOCK);
	ASSERT_LE(0, fd);
	ASSERT_EQ(-1, connect(fd, (struct sockaddr *)&sa, sizeof(sa)));
	ASSERT_EQ(EINPROGRESS, errno);
	p.dport = toy_local_port(fd);
	PEER_ASSERT_SEG(&p, &s, REPLY_MS);
	ASSERT_EQ(TOYHDR_SYN | TOYHDR_SACKOK, s.flags);

	for (i = 0; i < 2; i++) {
		/* type 1 code 4: port unreachable */
		ASSERT_EQ(0, icmp_for_syn(&p, 1, 4, &s,
					  s.seq + (i ? 0 : 100000)));
		if (!i) {	/* not ours: still connecting */
			ASSERT_EQ(0, toy_wait_stat("InErrs", errs0 + 1,
						   REPLY_MS));
			ASSERT_EQ(0, toy_poll(fd, POLLOUT, QUIET_MS));
		}
	}
	ASSERT_LT(0, toy_poll(fd, POLLOUT, REPLY_MS));
	ASSERT_EQ(0, getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el));
	EXPECT_EQ(ECONNREFUSED, err);
	close(fd);
	peer_close(&p);
	peer_netns_close(ns_orig, ns_a);
}

/*
 * A peer that keeps its window shut and answers every probe would pin an
 * orphan for good: an orphan gives up after 8 backed-off probes.
 */
TEST_F(wire, zero_window_orphan_gives_up)
{
	long end = toy_now_ms() + 60000;
	struct toy_seg s;
	char buf[100];

	passive(_metadata, self);
	self->p.window = 0;
	ASSERT_EQ(0, peer_send(&self->p, self->p_nxt, self->m_nxt, TOYHDR_ACK,
			       NULL, 0));
	ASSERT_EQ(0, toy_set_int(self->fd, SOL_TOY, TOY_RTO_MIN, 10));
	ASSERT_EQ(0, toy_set_int(self->fd, SOL_TOY, TOY_RTO_MAX, 200));
	memset(buf, 'z', sizeof(buf));
	ASSERT_EQ((ssize_t)sizeof(buf), send(self->fd, buf, sizeof(buf), 0));
	toy_close(&self->fd);
	/* Answer every probe with the same zero window until the orphan dies. */
	while (toy_find(self->lport, PEER_PORT, NULL) == 1) {
		ASSERT_LT(toy_now_ms(), end) TH_LOG("the orphan probes forever");
		if (peer_recv(&self->p, &s, 100) == 1 && !(s.flags & TOYHDR_RST))
			ASSERT_EQ(0, peer_send(&self->p, self->p_nxt,
					       self->m_nxt, TOYHDR_ACK, NULL, 0));
	}
}

/*
 * A passive open, SO_KEEPALIVE (1 s idle and interval, @cnt probes), our
 * FIN acknowledged: FIN-WAIT-2 with the file open. Then the first
 * keepalive probe, which carries an old sequence number.
 */
static void fin_wait2_keepalive(struct __test_metadata *_metadata,
				FIXTURE_DATA(wire) *self, int cnt)
{
	struct toy_seg s;
	int on = 1;

	passive(_metadata, self);
	ASSERT_EQ(0, setsockopt(self->fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof(on)));
	ASSERT_EQ(0, toy_set_int(self->fd, SOL_TOY, TOY_KEEPIDLE, 1));
	ASSERT_EQ(0, toy_set_int(self->fd, SOL_TOY, TOY_KEEPINTVL, 1));
	ASSERT_EQ(0, toy_set_int(self->fd, SOL_TOY, TOY_KEEPCNT, cnt));
	ASSERT_EQ(0, shutdown(self->fd, SHUT_WR));
	next_seg(_metadata, self, &s);
	ASSERT_EQ(TOYHDR_FIN | TOYHDR_ACK, s.flags);
	ASSERT_EQ(0, peer_send(&self->p, self->p_nxt, s.seq + 1, TOYHDR_ACK,
			       NULL, 0));
	self->m_nxt = s.seq + 1;
	ASSERT_EQ(0, toy_wait_state(self->lport, PEER_PORT, TOY_ST_FIN_WAIT2,
				    REPLY_MS));
	/* A keepalive probe comes (after keepidle, 1 s): an old number. */
	ASSERT_EQ(1, peer_recv(&self->p, &s, 5000)) TH_LOG("no keepalive probe");
	ASSERT_EQ(TOYHDR_ACK, s.flags);
	ASSERT_EQ(self->m_nxt - 1, s.seq);
}

/*
 * SO_KEEPALIVE on a half-closed connection (FIN-WAIT-2, the file still
 * open): the keepalive timer probes, it does not end the connection as
 * if it were an orphan's lifetime.
 */
TEST_F(wire, keepalive_in_fin_wait2_probes)
{
	fin_wait2_keepalive(_metadata, self, 9);
	ASSERT_EQ(0, peer_send(&self->p, self->p_nxt, self->m_nxt, TOYHDR_ACK,
			       NULL, 0));
	/* Still open for the peer's data. */
	ASSERT_EQ(0, pdata(self, 0, 6, 0));
	expect_stream(_metadata, self->fd, 0, 6);
}

/*
 * The same, with a peer that has gone: one probe, unanswered, and the
 * connection fails with ETIMEDOUT, sending nothing more (no RST), as in
 * ESTABLISHED. Before, TIMEOUT in FIN-WAIT-2 was a cell "never" taken:
 * the event was refused, the timer not re-armed, and the connection held
 * its file in FIN-WAIT-2 for good.
 */
TEST_F(wire, keepalive_in_fin_wait2_times_out)
{
	long end = toy_now_ms() + 15000;
	struct toy_info ti;
	struct toy_seg s;
	char c;

	fin_wait2_keepalive(_metadata, self, 1);
	/* Unanswered: the connection fails. */
	for (;;) {
		ASSERT_EQ(0, toy_get_info(self->fd, &ti));
		if (ti.state == TOY_ST_CLOSE)
			break;
		ASSERT_LT(toy_now_ms(), end)
			TH_LOG("still in state %u after the last probe",
			       ti.state);
		if (peer_recv(&self->p, &s, 100) == 1)
			ASSERT_EQ(0, s.flags & TOYHDR_RST) TH_LOG("an RST");
	}
	ASSERT_EQ(-1, recv(self->fd, &c, 1, MSG_DONTWAIT));
	EXPECT_EQ(ETIMEDOUT, errno);
	EXPECT_EQ(0, count_segs(self, QUIET_MS));
}

/*
 * A SYN flood from ports that never answer fills a listener's queues; the
 * oldest embryonic connection, once its SYN-ACK has been retransmitted,
 * makes room, so a real client that retransmits its SYN as TCP does (1 s)
 * gets its SYN-ACK and completes the handshake (SynEvictions counts).
 */
TEST_F(wire, syn_flood_evicts_oldest_half_open)
{
	long long before = toy_stat("SynEvictions");
	struct linger lg = { 1, 0 };
	struct toy_seg s;
	int i, fd;

	self->lfd = toy_listener(inet_addr(ADDR_A), 4, &self->lport);
	ASSERT_LE(0, self->lfd);
	self->p.dport = self->lport;
	for (i = 0; i < 200; i++) {
		self->p.port = 20000 + i;
		ASSERT_EQ(0, peer_send(&self->p, 1000 * i, 0, TOYHDR_SYN, NULL, 0));
	}
	/* The SYN-ACKs to the flood are not ours to answer. */
	self->p.port = PEER_PORT;
	for (i = 0; i < 8; i++) {
		ASSERT_EQ(0, peer_send(&self->p, PEER_ISS, 0, TOYHDR_SYN, NULL, 0));
		if (peer_recv(&self->p, &s, 1000) == 1)
			break;
	}
	ASSERT_GT(8, i) TH_LOG("no SYN-ACK for the real client");
	ASSERT_EQ(TOYHDR_SYN | TOYHDR_ACK, s.flags);
	ASSERT_EQ(PEER_ISS + 1, s.ack);
	ASSERT_EQ(0, peer_send(&self->p, PEER_ISS + 1, s.seq + 1, TOYHDR_ACK,
			       NULL, 0));
	ASSERT_LT(0, toy_poll(self->lfd, POLLIN, REPLY_MS));
	fd = toy_accept(self->lfd);
	ASSERT_LE(0, fd);
	ASSERT_LT(before, toy_stat("SynEvictions"));
	/* Reset, not FIN: the fake peer would never answer, and the orphan
	 * would hold the module for its retries.
	 */
	ASSERT_EQ(0, setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)));
	close(fd);
}

/* Counter @col (1 = rx_bytes ... 12 = tx_drop) of @ifname in /proc/net/dev. */
static long long if_counter(const char *ifname, int col)
{
	char line[512], name[IFNAMSIZ + 2];
	long long v[16], found = -1;
	FILE *f = fopen("/proc/net/dev", "r");

	if (!f)
		return -1;
	snprintf(name, sizeof(name), "%s:", ifname);
	while (fgets(line, sizeof(line), f)) {
		char *p = line;

		while (*p == ' ')
			p++;
		if (strncmp(p, name, strlen(name)))
			continue;
		if (sscanf(p + strlen(name),
			   "%lld %lld %lld %lld %lld %lld %lld %lld %lld %lld %lld %lld",
			   &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7], &v[8],
			   &v[9], &v[10], &v[11], &v[12]) == 12)
			found = v[col];
	}
	fclose(f);
	return found;
}

/*
 * The kernel picks the GSO callback by IP protocol alone, so once the
 * module registers one (offload.c), any GSO skb of protocol 253 reaches
 * it: here a TCP-typed one, with a gso_size of its own, that a user with
 * CAP_NET_RAW in a namespace of their own sends through PACKET_VNET_HDR
 * (a tap or a guest's virtio-net could as well). IF_A can't carry TCP's
 * GSO, so it must be cut; the callback must refuse it (the device counts
 * the drop) rather than cut what it did not build.
 */
TEST_F(wire, foreign_gso_refused)
{
	struct {
		struct virtio_net_hdr v;
		unsigned char eth[ETH_HLEN];
		unsigned char ip[20];
		unsigned char seg[PEER_HLEN + 3000];
	} __attribute__((packed)) pkt;
	const size_t seglen = sizeof(pkt.seg);
	struct toyhdr th;
	long long drop0;
	struct sockaddr_ll sll;
	in_addr_t saddr, daddr;
	int fd, one = 1;
	uint16_t check;
	ssize_t n;

	ASSERT_EQ(0, peer_if_feature(IF_A, "tx-tcp-segmentation", 0))
		TH_LOG("ethtool: %s", strerror(errno));
	memset(&pkt, 0, sizeof(pkt));
	pkt.v.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	pkt.v.gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
	pkt.v.hdr_len = ETH_HLEN + 20 + PEER_HLEN;
	pkt.v.gso_size = 1000;
	pkt.v.csum_start = ETH_HLEN + 20;
	pkt.v.csum_offset = 16;		/* TCP's, which the kernel checks */
	peer_mac_parse(MAC_B, pkt.eth);
	peer_mac_parse(MAC_A, pkt.eth + ETH_ALEN);
	pkt.eth[12] = ETH_P_IP >> 8;
	pkt.eth[13] = ETH_P_IP & 0xff;
	pkt.ip[0] = 0x45;
	pkt.ip[2] = (20 + seglen) >> 8;
	pkt.ip[3] = (20 + seglen) & 0xff;
	pkt.ip[8] = 64;
	pkt.ip[9] = self->p.proto;
	saddr = inet_addr(ADDR_A);
	daddr = inet_addr(ADDR_B);
	memcpy(&pkt.ip[12], &saddr, 4);
	memcpy(&pkt.ip[16], &daddr, 4);
	check = peer_ip_check(pkt.ip, 20);
	memcpy(&pkt.ip[10], &check, 2);
	/* a data segment's header, ACK set */
	memset(&th, 0, sizeof(th));
	th.source = htons(self->p.port);
	th.dest = htons(PEER_PORT);
	/* The device layer reads a TCP header here (qdisc_pkt_len_init())
	 * and drops the skb (EINVAL) unless its doff, the window's top
	 * nibble, says at least 20 bytes: this one must get to our callback.
	 */
	th.window = htonl(0x50000000);
	th.len = htons(seglen - PEER_HLEN);
	th.flags = TOYHDR_ACK;
	th.doff = TOYHDR_DOFF;
	memcpy(pkt.seg, &th, sizeof(th));

	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, setsockopt(fd, SOL_PACKET, PACKET_VNET_HDR, &one,
				sizeof(one)));
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_IP);
	sll.sll_ifindex = if_nametoindex(IF_A);
	ASSERT_LT(0, sll.sll_ifindex);
	ASSERT_EQ(0, bind(fd, (struct sockaddr *)&sll, sizeof(sll)));

	drop0 = if_counter(IF_A, 12);
	ASSERT_LE(0, drop0);
	n = send(fd, &pkt, sizeof(pkt), 0);
	/* Dropped by validate_xmit_skb() (ENOMEM, as any drop there); never
	 * EINVAL: that is the packet or device layer, before our callback.
	 */
	if (n < 0) {
		ASSERT_NE(EINVAL, errno) TH_LOG("refused before the callback");
	} else {
		ASSERT_EQ((ssize_t)sizeof(pkt), n);
	}
	close(fd);
	/* veth has no queue: the drop is counted before send() returns. */
	EXPECT_EQ(drop0 + 1, if_counter(IF_A, 12));
	/*
	 * And nothing of it reaches the peer. IF_A's own packet count would
	 * also see the IPv6 neighbour discovery of a just-built network.
	 */
	EXPECT_EQ(0, count_segs(self, QUIET_MS));
	peer_if_feature(IF_A, "tx-tcp-segmentation", 1);
}

/* ---- local users -------------------------------------------------------- */

struct peek_race {
	int fd;
	volatile int stop;
	long peeks, reads;
};

static void *peeker(void *arg)
{
	struct peek_race *r = arg;
	char buf[8192];

	while (!r->stop)
		if (recv(r->fd, buf, sizeof(buf), MSG_PEEK) > 0)
			r->peeks++;
	return NULL;
}

static void *reader(void *arg)
{
	struct peek_race *r = arg;
	char buf[8192];

	while (!r->stop)
		if (recv(r->fd, buf, sizeof(buf), 0) > 0)
			r->reads++;
	return NULL;
}

/*
 * One thread blocks in recv(MSG_PEEK) while another reads the same socket
 * and the peer keeps writing. The peek position was taken once, before the
 * lock was dropped to wait: after the other reader consumed the queue it
 * pointed before the first skb, and the copy ran off its end (a usercopy
 * BUG on Debian's 6.12, a kernel memory leak without hardened usercopy).
 */
TEST(peek_race)
{
	struct peek_race r = { 0 };
	int lfd, cfd, sfd, lport, cport;
	long end = toy_now_ms() + 4000;
	pthread_t a, b;
	char buf[1500];

	ASSERT_EQ(0, toy_pair(&lfd, &cfd, &sfd, &lport, &cport));
	ASSERT_EQ(0, toy_set_timeouts(sfd, 20));
	r.fd = sfd;
	ASSERT_EQ(0, pthread_create(&a, NULL, peeker, &r));
	ASSERT_EQ(0, pthread_create(&b, NULL, reader, &r));
	memset(buf, 'p', sizeof(buf));
	while (toy_now_ms() < end) {
		ASSERT_LT(0, send(cfd, buf, 1 + (toy_now_ms() % sizeof(buf)), 0));
		if (toy_now_ms() % 3 == 0)
			toy_sleep_ms(1);
	}
	r.stop = 1;
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	TH_LOG("%ld peeks, %ld reads", r.peeks, r.reads);
	ASSERT_LT(0, r.reads);
	toy_close(&cfd);
	toy_close(&sfd);
	toy_close(&lfd);
}

/*
 * A connection reset before the program looked, then connect() again: the
 * old connection's unread bytes must not show up in the new stream.
 */
TEST(reconnect_after_reset_forgets_old_stream)
{
	int l1, l2, p1, p2, s1, s2, c, err = 0;
	struct linger lg = { 1, 0 };
	socklen_t el = sizeof(err);
	char buf[16];

	l1 = toy_listener(TOY_LO, 8, &p1);
	l2 = toy_listener(TOY_LO, 8, &p2);
	ASSERT_LE(0, l1);
	ASSERT_LE(0, l2);
	c = toy_socket_flags(SOCK_NONBLOCK);
	ASSERT_LE(0, c);
	ASSERT_EQ(-1, toy_connect(c, TOY_LO, p1));
	ASSERT_EQ(EINPROGRESS, errno);
	ASSERT_LT(0, toy_poll(l1, POLLIN, REPLY_MS));
	s1 = toy_accept(l1);
	ASSERT_LE(0, s1);
	ASSERT_EQ(3, send(s1, "OLD", 3, 0));
	ASSERT_EQ(0, toy_wait_rx_queue(toy_local_port(c), p1, 3, REPLY_MS));
	ASSERT_EQ(0, setsockopt(s1, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)));
	toy_close(&s1);
	ASSERT_EQ(0, toy_wait_gone(toy_local_port(c), p1, REPLY_MS));

	/* The repeated connect() reports the reset, and may start anew. */
	ASSERT_EQ(0, getsockopt(c, SOL_SOCKET, SO_ERROR, &err, &el));
	ASSERT_EQ(ECONNRESET, err);
	ASSERT_EQ(-1, toy_connect(c, TOY_LO, p1));
	ASSERT_EQ(ECONNABORTED, errno);
	ASSERT_EQ(-1, toy_connect(c, TOY_LO, p2));
	ASSERT_EQ(EINPROGRESS, errno);
	ASSERT_LT(0, toy_poll(l2, POLLIN, REPLY_MS));
	s2 = toy_accept(l2);
	ASSERT_LE(0, s2);
	ASSERT_EQ(3, send(s2, "new", 3, 0));
	ASSERT_LT(0, toy_poll(c, POLLIN, REPLY_MS));
	ASSERT_EQ(3, recv(c, buf, sizeof(buf), 0));
	ASSERT_EQ(0, memcmp(buf, "new", 3));
	toy_close(&s2);
	toy_close(&c);
	toy_close(&l1);
	toy_close(&l2);
}

/* Below 200 ms, RTO bounds are for CAP_NET_ADMIN: an unprivileged user gets EPERM. */
TEST(rto_bounds_unprivileged)
{
	int status, fd;
	pid_t pid = fork();

	ASSERT_LE(0, pid);
	if (!pid) {
		if (setgid(65534) || setuid(65534))
			_exit(10);
		fd = toy_socket();
		if (fd < 0)
			_exit(11);
		if (!toy_set_int(fd, SOL_TOY, TOY_RTO_MIN, 1) || errno != EPERM)
			_exit(12);
		if (!toy_set_int(fd, SOL_TOY, TOY_RTO_MAX, 50) || errno != EPERM)
			_exit(13);
		if (toy_set_int(fd, SOL_TOY, TOY_RTO_MIN, 200) ||
		    toy_set_int(fd, SOL_TOY, TOY_RTO_MAX, 1000))
			_exit(14);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));
	/* Root may. */
	fd = toy_socket();
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, toy_set_int(fd, SOL_TOY, TOY_RTO_MIN, 1));
	close(fd);
}

/*
 * listen(fd, N) completes N + 1 handshakes before accept(), as TCP does
 * (sk_acceptq_is_full() is "more than the backlog"); the next client
 * waits in SYN-SENT and gets in once a connection is accepted.
 */
TEST(backlog_takes_n_plus_one)
{
	int lfd, lport, c[4], i, s, established;
	long end;

	lfd = toy_listener(TOY_LO, 2, &lport);
	ASSERT_LE(0, lfd);
	for (i = 0; i < 4; i++) {
		c[i] = toy_socket_flags(SOCK_NONBLOCK);
		ASSERT_LE(0, c[i]);
		ASSERT_EQ(0, toy_set_int(c[i], SOL_TOY, TOY_RTO_MAX, 300));
		ASSERT_EQ(-1, toy_connect(c[i], TOY_LO, lport));
		ASSERT_EQ(EINPROGRESS, errno);
		/* One at a time, so that the order is known. */
		if (i < 3)
			ASSERT_LT(0, toy_poll(c[i], POLLOUT, REPLY_MS));
	}
	ASSERT_EQ(0, toy_wait_state(toy_local_port(c[3]), lport, TOY_ST_SYN_SENT,
				    REPLY_MS));
	established = toy_count(-1, lport, TOY_ST_ESTABLISHED);
	ASSERT_EQ(3, established);
	ASSERT_EQ(0, toy_poll(c[3], POLLOUT, 0));
	s = toy_accept(lfd);
	ASSERT_LE(0, s);
	end = toy_now_ms() + 10000;
	while (!(toy_poll(c[3], POLLOUT, 100) > 0))
		ASSERT_LT(toy_now_ms(), end) TH_LOG("the 4th never got in");
	close(s);
	for (i = 0; i < 4; i++)
		close(c[i]);
	close(lfd);
}

/* The TOY line of /proc/net/protocols: sockets and memory (pages). */
static int toy_protocols(long *sockets, long *pages)
{
	FILE *f = fopen("/proc/net/protocols", "r");
	char line[512], name[32];
	int found = 0;
	long size;

	if (!f)
		return -1;
	while (!found && fgets(line, sizeof(line), f))
		found = sscanf(line, "%31s %ld %ld %ld", name, &size, sockets,
			       pages) == 4 && !strcmp(name, "TOY");
	fclose(f);
	return found ? 0 : -1;
}

/* Writes without blocking until the socket refuses; returns the bytes taken. */
static long fill(int fd)
{
	static char buf[65536];
	long total = 0;
	ssize_t n;

	while ((n = send(fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0)
		total += n;
	return total;
}

#define TOY_MEM_PARAM	"/sys/module/toy/parameters/mem"
#define MEM_CONNS	16
/*
 * sock.c keeps up to 1 MiB per CPU of charges in per-CPU reserves before
 * the total (SK_MEMORY_PCPU_RESERVE): what /proc/net/protocols may lag by.
 */
#define PCPU_RESERVE_PAGES	256

/*
 * Every byte queued is charged to the module (struct proto's
 * memory_allocated, as tcp_mem): /proc/net/protocols shows it, the mem=
 * limit bounds what all sockets together may queue, and when every socket
 * is gone the total is back to (per-CPU reserves of) zero.
 */
TEST(memory_accounted_and_bounded)
{
	int l[MEM_CONNS], c[MEM_CONNS], sv[MEM_CONNS], lp, cp, n, i;
	long sockets, pages0, pages = 0, queued = 0, second, end;
	long slack = PCPU_RESERVE_PAGES * sysconf(_SC_NPROCESSORS_ONLN);
	int l2, c2, s2, p2, cp2;
	char saved[128] = "";
	FILE *f;

	ASSERT_EQ(0, toy_wait_idle(10000));
	/* Idle, the total may still show what per-CPU reserves hold. */
	ASSERT_EQ(0, toy_protocols(&sockets, &pages0));
	ASSERT_LE(0, pages0) TH_LOG("no memory accounting (memory column -1)");
	f = fopen(TOY_MEM_PARAM, "r");
	ASSERT_NE(NULL, f);
	ASSERT_NE(NULL, fgets(saved, sizeof(saved), f));
	fclose(f);

	/* Queue until the charges show past the per-CPU reserves. */
	pages = pages0;
	for (n = 0; n < MEM_CONNS && pages <= pages0; n++) {
		ASSERT_EQ(0, toy_pair(&l[n], &c[n], &sv[n], &lp, &cp));
		queued += fill(c[n]);
		ASSERT_EQ(0, toy_protocols(&sockets, &pages));
	}
	TH_LOG("%d connections: %ld bytes queued, %ld -> %ld pages charged", n,
	       queued, pages0, pages);
	ASSERT_LT(pages0, pages);
	ASSERT_GE(pages0 + queued / 4096 + slack, pages);

	/* Now the module is over its limit: a new connection gets little. */
	f = fopen(TOY_MEM_PARAM, "w");
	ASSERT_NE(NULL, f);
	fputs("1,2,3\n", f);
	ASSERT_EQ(0, fclose(f));
	if (toy_pair(&l2, &c2, &s2, &p2, &cp2))
		l2 = c2 = s2 = -1;
	second = c2 < 0 ? -1 : fill(c2);
	/* Put the limits back before anything can fail: later tests need them. */
	f = fopen(TOY_MEM_PARAM, "w");
	ASSERT_NE(NULL, f);
	fputs(saved, f);
	ASSERT_EQ(0, fclose(f));
	TH_LOG("over the limit (mem=1,2,3; %ld pages): %ld bytes queued", pages,
	       second);
	ASSERT_LE(0, c2);
	/* One segment forced through, as TCP (sock.c's suppress_allocation). */
	ASSERT_GT(queued / n / 4, second);

	/* The receivers close with unread data: RSTs free everything. */
	for (i = 0; i < n; i++) {
		toy_close(&sv[i]);
		toy_close(&c[i]);
		toy_close(&l[i]);
	}
	toy_close(&s2);
	toy_close(&c2);
	toy_close(&l2);
	end = toy_now_ms() + 20000;
	for (;;) {
		ASSERT_EQ(0, toy_protocols(&sockets, &pages));
		if (pages <= pages0 + slack && toy_wait_idle(0) == 0)
			break;
		ASSERT_LT(toy_now_ms(), end) TH_LOG("%ld pages still charged", pages);
		toy_sleep_ms(20);
	}
}

/*
 * A socket filter (SO_ATTACH_FILTER) sees every segment before the
 * protocol does, as for TCP: one that drops everything keeps data out
 * (counted in InErrs) until it is detached; then the retransmission
 * gets through.
 */
TEST(socket_filter_applies)
{
	struct sock_filter drop = BPF_STMT(BPF_RET | BPF_K, 0);
	struct sock_fprog prog = { .len = 1, .filter = &drop };
	int lfd, cfd, sfd, lport, cport, dummy = 0;
	long long before;
	char c;

	ASSERT_EQ(0, toy_pair(&lfd, &cfd, &sfd, &lport, &cport));
	ASSERT_EQ(0, toy_set_int(cfd, SOL_TOY, TOY_RTO_MAX, 300));
	ASSERT_EQ(0, setsockopt(sfd, SOL_SOCKET, SO_ATTACH_FILTER, &prog,
				sizeof(prog)));
	before = toy_stat("InErrs");
	ASSERT_EQ(1, send(cfd, "x", 1, 0));
	ASSERT_EQ(0, toy_wait_stat("InErrs", before + 1, REPLY_MS));
	ASSERT_EQ(-1, recv(sfd, &c, 1, MSG_DONTWAIT));
	ASSERT_EQ(EAGAIN, errno);
	ASSERT_EQ(0, setsockopt(sfd, SOL_SOCKET, SO_DETACH_FILTER, &dummy,
				sizeof(dummy)));
	ASSERT_EQ(0, toy_set_timeouts(sfd, 5000));
	ASSERT_EQ(1, recv(sfd, &c, 1, 0));
	ASSERT_EQ('x', c);
	close(cfd);
	close(sfd);
	close(lfd);
}

/*
 * A connection whose segments cannot leave (bound with SO_BINDTODEVICE to
 * a device with no route to the peer) must still end: its FIN is retried
 * on the probe timer and the orphan gives up, as TCP's probe0 does. It
 * used to sit in LAST_ACK with no timer for good, pinning the module.
 */
TEST(unroutable_orphan_ends)
{
	int lfd, cfd, sfd, lport, cport;
	long end;
	char c;

	ASSERT_EQ(0, toy_dummy_setup());
	ASSERT_EQ(0, toy_pair(&lfd, &cfd, &sfd, &lport, &cport));
	ASSERT_EQ(0, toy_set_int(cfd, SOL_TOY, TOY_RTO_MAX, 50));
	ASSERT_EQ(0, toy_set_int(sfd, SOL_TOY, TOY_RTO_MIN, 10));
	ASSERT_EQ(0, toy_set_int(sfd, SOL_TOY, TOY_RTO_MAX, 50));
	ASSERT_EQ(0, setsockopt(sfd, SOL_SOCKET, SO_BINDTODEVICE, TOY_DUMMY_IF,
				sizeof(TOY_DUMMY_IF)));
	close(cfd);
	ASSERT_EQ(0, toy_set_timeouts(sfd, REPLY_MS));
	ASSERT_EQ(0, recv(sfd, &c, 1, 0));	/* the client's FIN came in */
	close(sfd);
	close(lfd);
	end = toy_now_ms() + 30000;
	while (toy_find(lport, cport, NULL) == 1 ||
	       toy_find(cport, lport, NULL) == 1) {
		ASSERT_LT(toy_now_ms(), end) TH_LOG("an unroutable orphan lives on");
		toy_sleep_ms(20);
	}
}

/*
 * Data written while its segments cannot leave (no route) stays queued,
 * unsent, and leaves whole, in order, once the route is back. A short
 * segment ahead of full ones makes toy_push() send the short one alone
 * before the rest: when that failed, the loop left with the run still
 * counted and sent it a second time, which with sent segments kept in an
 * rbtree took skbs off a tree that did not hold them (a NULL dereference,
 * found by toy_fuzz_sys).
 */
TEST(unroutable_write_stays_queued)
{
	static char buf[96 * 1024], got[sizeof(buf)];
	int lfd, cfd, sfd, lport, cport, i;
	ssize_t n, first, done = 0;

	for (i = 0; i < (int)sizeof(buf); i++)
		buf[i] = (char)(i * 7 + i / 251);
	ASSERT_EQ(0, toy_dummy_setup());
	ASSERT_EQ(0, toy_pair(&lfd, &cfd, &sfd, &lport, &cport));
	ASSERT_EQ(0, toy_set_int(sfd, SOL_TOY, TOY_RTO_MIN, 10));
	ASSERT_EQ(0, toy_set_int(sfd, SOL_TOY, TOY_RTO_MAX, 50));
	ASSERT_EQ(0, setsockopt(sfd, SOL_SOCKET, SO_BINDTODEVICE, TOY_DUMMY_IF,
				sizeof(TOY_DUMMY_IF)));
	/* A short segment, then full ones behind it: two runs. */
	first = send(sfd, buf, 100, MSG_DONTWAIT);
	ASSERT_EQ(100, first);
	n = send(sfd, buf + first, sizeof(buf) - first, MSG_DONTWAIT);
	ASSERT_LT(0, n) TH_LOG("send: %s", strerror(errno));
	n += first;
	ASSERT_EQ(0, setsockopt(sfd, SOL_SOCKET, SO_BINDTODEVICE, "", 0));

	ASSERT_EQ(0, toy_set_timeouts(cfd, REPLY_MS));
	while (done < n) {
		ssize_t r = recv(cfd, got + done, n - done, 0);

		ASSERT_LT(0, r) TH_LOG("after %zd of %zd bytes: %s", done, n,
				       r ? strerror(errno) : "EOF");
		done += r;
	}
	ASSERT_EQ(0, memcmp(buf, got, n));
	close(cfd);
	close(sfd);
	close(lfd);
}

TEST_HARNESS_MAIN
