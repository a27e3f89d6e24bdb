// SPDX-License-Identifier: GPL-2.0
/*
 * Inspection: sock_diag, spoken over NETLINK_SOCK_DIAG directly, and the
 * toy:* tracepoints, read from tracefs directly.
 *  - a dump agrees with /proc/net/toy, socket by socket and field by field,
 *    with a socket held in every state: LISTEN, SYN_SENT, SYN_RECV,
 *    ESTABLISHED, FIN_WAIT1, FIN_WAIT2, CLOSE_WAIT, LAST_ACK, TIME_WAIT,
 *    CLOSING, and a bound one (CLOSE);
 *  - the kernel's filters (state bitmap, sport, dport) return exactly the
 *    matching sockets;
 *  - SOCK_DESTROY aborts a connection (ECONNABORTED here, ECONNRESET at the
 *    peer, OutRsts + 1), needs the cookie, and needs CAP_NET_ADMIN, checked
 *    before the lookup;
 *  - without CAP_NET_ADMIN a dump hides the sequence numbers of sockets the
 *    requester does not own; pad and sdiag_protocol must be 0;
 *  - the tracepoints fire in the expected order for a connection's life, a
 *    lost SYN and a refused connect.
 *
 * Transient states are held still by the network: a dummy interface eats
 * what goes to 10.66.0.2 (SYN_SENT; SYN_RECV, whose SYN|ACK goes there), and
 * a netem delay on lo keeps FINs and ACKs in flight (FIN_WAIT1, LAST_ACK,
 * CLOSING).
 */
#define _GNU_SOURCE
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/ip.h>
#include <sched.h>
#include <sys/prctl.h>

#include "toy_test.h"
#include "toy_harness.h"

#define MAX_SOCKS	256
#define DELAY_MS	400	/* netem delay on lo, each way */
#define FAKE_PORT	4242	/* the SYN_RECV child's peer port */

/* ---- sock_diag ----------------------------------------------------------- */

struct dsock {
	struct toy_diag_msg m;
	int has_info;
	struct toy_info info;
	int shutdown;		/* TOY_DIAG_SHUTDOWN, -1 if absent */
};

static struct toy_diag_req req_all(void)
{
	struct toy_diag_req r;

	memset(&r, 0, sizeof(r));
	r.sdiag_family = toy_family();
	return r;
}

static int nl_open(void)
{
	struct timeval tv = { 3, 0 };
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);

	if (fd >= 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

static int nl_send(int fd, int type, int flags, const struct toy_diag_req *req)
{
	struct {
		struct nlmsghdr nlh;
		struct toy_diag_req req;
	} msg;
	struct sockaddr_nl nladdr = { .nl_family = AF_NETLINK };

	memset(&msg, 0, sizeof(msg));
	msg.nlh.nlmsg_len = sizeof(msg);
	msg.nlh.nlmsg_type = type;
	msg.nlh.nlmsg_flags = NLM_F_REQUEST | flags;
	msg.nlh.nlmsg_seq = 1;
	msg.req = *req;
	return sendto(fd, &msg, sizeof(msg), 0, (struct sockaddr *)&nladdr,
		      sizeof(nladdr)) == sizeof(msg) ? 0 : -1;
}

static void parse_attrs(struct dsock *d, struct nlmsghdr *h)
{
	int len = h->nlmsg_len - NLMSG_LENGTH(sizeof(d->m));
	struct nlattr *a = (struct nlattr *)((char *)NLMSG_DATA(h) +
					     NLMSG_ALIGN(sizeof(d->m)));

	d->has_info = 0;
	d->shutdown = -1;
	while (len >= (int)sizeof(*a) && a->nla_len >= sizeof(*a) &&
	       a->nla_len <= len) {
		void *p = (char *)a + NLA_HDRLEN;
		int plen = a->nla_len - NLA_HDRLEN;

		if (a->nla_type == TOY_DIAG_INFO && plen >= (int)sizeof(d->info)) {
			memcpy(&d->info, p, sizeof(d->info));
			d->has_info = 1;
		} else if (a->nla_type == TOY_DIAG_SHUTDOWN && plen >= 1) {
			d->shutdown = *(unsigned char *)p;
		}
		len -= NLA_ALIGN(a->nla_len);
		a = (struct nlattr *)((char *)a + NLA_ALIGN(a->nla_len));
	}
}

/* Dumps what req matches into out; returns the count or -errno. */
static int diag_dump(const struct toy_diag_req *req, struct dsock *out, int max)
{
	static char buf[65536];
	int fd = nl_open(), n = 0, err = 0, done = 0;

	if (fd < 0)
		return -errno;
	if (nl_send(fd, SOCK_DIAG_BY_FAMILY, NLM_F_DUMP, req)) {
		err = -errno;
		goto out;
	}
	while (!done) {
		ssize_t len = recv(fd, buf, sizeof(buf), 0);
		struct nlmsghdr *h = (struct nlmsghdr *)buf;

		if (len <= 0) {
			err = len < 0 ? -errno : -EIO;
			break;
		}
		for (; NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
			if (h->nlmsg_type == NLMSG_DONE) {
				done = 1;
				break;
			}
			if (h->nlmsg_type == NLMSG_ERROR) {
				struct nlmsgerr *e = NLMSG_DATA(h);

				err = e->error ? e->error : -EIO;
				done = 1;
				break;
			}
			if (h->nlmsg_type != SOCK_DIAG_BY_FAMILY ||
			    h->nlmsg_len < NLMSG_LENGTH(sizeof(struct toy_diag_msg)))
				continue;
			if (n < max) {
				memcpy(&out[n].m, NLMSG_DATA(h), sizeof(out[n].m));
				parse_attrs(&out[n], h);
			}
			n++;
		}
	}
out:
	close(fd);
	return err ? err : n;
}

/* SOCK_DESTROY; returns 0 or the kernel's -errno. */
static int diag_destroy(const struct toy_diag_req *req)
{
	char buf[4096];
	struct nlmsghdr *h = (struct nlmsghdr *)buf;
	int fd = nl_open(), err;
	ssize_t len;

	if (fd < 0)
		return -errno;
	if (nl_send(fd, SOCK_DESTROY, NLM_F_ACK, req)) {
		err = -errno;
	} else {
		len = recv(fd, buf, sizeof(buf), 0);
		if (len < 0)
			err = -errno;
		else if (!NLMSG_OK(h, len) || h->nlmsg_type != NLMSG_ERROR)
			err = -EIO;
		else
			err = ((struct nlmsgerr *)NLMSG_DATA(h))->error;
	}
	close(fd);
	return err;
}

/* The one socket with these ports (host order); 1 found, 0 not, <0 error. */
static int diag_find(int lport, int rport, struct dsock *out)
{
	struct toy_diag_req req = req_all();
	static struct dsock d[MAX_SOCKS];
	int i, n;

	req.tdiag_sport = htons(lport);
	req.tdiag_dport = htons(rport);
	n = diag_dump(&req, d, MAX_SOCKS);
	for (i = 0; i < n; i++) {
		if (ntohs(d[i].m.tdiag_dport) != rport)
			continue;	/* dport 0 in the request is "any" */
		if (out)
			*out = d[i];
		return 1;
	}
	return n < 0 ? n : 0;
}

/* ---- diag and /proc must agree ------------------------------------------- */

static int row_same(const struct toy_row *a, const struct toy_row *b)
{
	return a->laddr == b->laddr && a->lport == b->lport &&
	       a->raddr == b->raddr && a->rport == b->rport &&
	       a->state == b->state && a->tx_queue == b->tx_queue &&
	       a->rx_queue == b->rx_queue && a->timer == b->timer &&
	       a->retrnsmt == b->retrnsmt && a->uid == b->uid &&
	       a->inode == b->inode;
}

static int rows_same(const struct toy_row *a, int na, const struct toy_row *b,
		     int nb)
{
	int i, j;

	if (na != nb)
		return 0;
	for (i = 0; i < na; i++) {
		for (j = 0; j < nb; j++)
			if (row_same(&a[i], &b[j]))
				break;
		if (j == nb)
			return 0;
	}
	return 1;
}

static int diag_is_row(const struct dsock *d, const struct toy_row *r)
{
	return d->m.tdiag_src == r->laddr && ntohs(d->m.tdiag_sport) == r->lport &&
	       d->m.tdiag_dst == r->raddr && ntohs(d->m.tdiag_dport) == r->rport;
}

/*
 * Reads /proc/net/toy, dumps, reads /proc again, until both reads agree
 * (so nothing moved during the dump), then checks that every socket is in
 * both with the same addresses, ports, state, queues, timer kind,
 * retransmissions, uid and inode, and the timer's expiry within 100 ms.
 * Then checks that the socket (lport, rport) is there in state want.
 */
static void check_agree(struct __test_metadata *_metadata, int lport,
			int rport, int want)
{
	static struct toy_row r1[MAX_SOCKS], r2[MAX_SOCKS];
	static struct dsock d[MAX_SOCKS];
	int n1, n2, nd = 0, i, j, tries, found = 0;
	long t0 = 0, span = 0;

	for (tries = 0; tries < 50; tries++) {
		t0 = toy_now_ms();
		n1 = toy_rows(r1, MAX_SOCKS);
		nd = diag_dump(&(struct toy_diag_req){ .sdiag_family = toy_family() },
			       d, MAX_SOCKS);
		n2 = toy_rows(r2, MAX_SOCKS);
		span = toy_now_ms() - t0;
		ASSERT_LE(0, n1);
		ASSERT_LE(0, nd) TH_LOG("dump: %s", strerror(-nd));
		if (rows_same(r1, n1, r2, n2))
			break;
	}
	ASSERT_GT(50, tries) TH_LOG("/proc/net/toy never held still");
	ASSERT_EQ(n1, nd) TH_LOG("%d sockets in /proc/net/toy, %d in the dump", n1, nd);
	for (i = 0; i < n1; i++) {
		const struct toy_row *r = &r1[i];
		const struct dsock *m = NULL;
		unsigned long proc_ms;

		for (j = 0; j < nd; j++)
			if (diag_is_row(&d[j], r) && !m)
				m = &d[j];
		ASSERT_NE(NULL, m) TH_LOG("%08X:%d %08X:%d (state %d) not in the dump",
					  r->laddr, r->lport, r->raddr, r->rport, r->state);
		EXPECT_EQ(toy_family(), m->m.tdiag_family);
		EXPECT_EQ(r->state, m->m.tdiag_state);
		EXPECT_EQ(r->tx_queue, m->m.tdiag_wqueue) TH_LOG("port %d", r->lport);
		EXPECT_EQ(r->rx_queue, m->m.tdiag_rqueue) TH_LOG("port %d", r->lport);
		EXPECT_EQ(r->timer, m->m.tdiag_timer) TH_LOG("port %d", r->lport);
		EXPECT_EQ(r->retrnsmt, m->m.tdiag_retrans);
		EXPECT_EQ(r->uid, m->m.tdiag_uid);
		EXPECT_EQ(r->inode, m->m.tdiag_inode);
		EXPECT_TRUE(m->has_info);
		if (m->has_info)
			EXPECT_EQ(r->state, m->info.state);
		/*
		 * /proc counts clock ticks (USER_HZ, 100 here), diag ms; the
		 * two were read up to @span ms apart (a busy emulated CPU once
		 * took 118 ms between them), and the timer ran meanwhile.
		 */
		proc_ms = r->when * 1000 / sysconf(_SC_CLK_TCK);
		if (r->timer)
			EXPECT_GE(100 + span,
				  labs((long)proc_ms - (long)m->m.tdiag_expires))
				TH_LOG("port %d: timer %lu ms in /proc, %u ms in diag, read %ld ms apart",
				       r->lport, proc_ms, m->m.tdiag_expires,
				       span);
		if (r->lport == lport && r->rport == rport) {
			found = 1;
			EXPECT_EQ(want, r->state);
		}
	}
	EXPECT_TRUE(found) TH_LOG("no socket %d -> %d", lport, rport);
}

/* ---- network helpers ----------------------------------------------------- */

static int netem(int on)
{
	if (!on)
		return toy_sh("tc qdisc del dev lo root");
	toy_sh("modprobe sch_netem");
	toy_sh("tc qdisc del dev lo root");
	return toy_sh("tc qdisc add dev lo root netem delay 400ms");
}

/* A long RTO, so that segments held up by netem are not retransmitted. */
static int slow_rto(int fd)
{
	return toy_set_int(fd, SOL_TOY, TOY_RTO_MIN, 3 * DELAY_MS * 2);
}

static uint16_t ip_csum(const void *data, size_t len)
{
	const unsigned char *p = data;
	uint32_t sum = 0;

	for (; len > 1; p += 2, len -= 2)
		sum += (p[0] << 8) | p[1];
	if (len)
		sum += p[0] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/*
 * Sends a SYN from src:sport to dst:dport with a hand-made IP header (the
 * source is not ours: the SYN|ACK goes to the dummy and is lost).
 */
static int send_fake_syn(in_addr_t src, int sport, in_addr_t dst, int dport)
{
	unsigned char pkt[sizeof(struct iphdr) + sizeof(struct toyhdr)];
	unsigned char ph[12 + sizeof(struct toyhdr)];
	struct iphdr *ip = (struct iphdr *)pkt;
	struct toyhdr *th = (struct toyhdr *)(pkt + sizeof(*ip));
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_addr.s_addr = dst };
	uint16_t seglen = htons(sizeof(*th));
	int fd, one = 1, ret;

	memset(pkt, 0, sizeof(pkt));
	ip->version = 4;
	ip->ihl = 5;
	ip->ttl = 64;
	ip->protocol = toy_ipproto();
	ip->tot_len = htons(sizeof(pkt));
	ip->saddr = src;
	ip->daddr = dst;
	th->source = htons(sport);
	th->dest = htons(dport);
	th->seq = htonl(123456);
	th->window = htonl(65535);
	th->flags = TOYHDR_SYN;
	th->doff = TOYHDR_DOFF;
	memcpy(ph, &src, 4);
	memcpy(ph + 4, &dst, 4);
	ph[8] = 0;
	ph[9] = toy_ipproto();
	memcpy(ph + 10, &seglen, 2);
	memcpy(ph + 12, th, sizeof(*th));
	th->check = htons(ip_csum(ph, sizeof(ph)));

	fd = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
	if (fd < 0)
		return -1;
	setsockopt(fd, IPPROTO_IP, IP_HDRINCL, &one, sizeof(one));
	ret = sendto(fd, pkt, sizeof(pkt), 0, (struct sockaddr *)&to,
		     sizeof(to)) == sizeof(pkt) ? 0 : -1;
	close(fd);
	return ret;
}

/* ---- agreement, state by state ------------------------------------------- */

FIXTURE(agree) {
	int lfd, cfd, sfd, lport, cport;
	int timewait_ms;	/* the module's, to put back; -1: not changed */
};

FIXTURE_SETUP(agree)
{
	self->lfd = self->cfd = self->sfd = -1;
	self->lport = self->cport = 0;
	self->timewait_ms = -1;
}

FIXTURE_TEARDOWN(agree)
{
	netem(0);
	toy_close(&self->cfd);
	toy_close(&self->sfd);
	toy_close(&self->lfd);
	if (self->timewait_ms >= 0)
		toy_set_timewait_ms(self->timewait_ms);
}

TEST_F(agree, listen_and_bound)
{
	int bfd, bport;

	self->lfd = toy_listener(TOY_LO, 5, &self->lport);
	ASSERT_LE(0, self->lfd);
	check_agree(_metadata, self->lport, 0, TOY_ST_LISTEN);
	bfd = toy_socket();
	ASSERT_LE(0, bfd);
	ASSERT_EQ(0, toy_bind(bfd, TOY_ANY, 0));
	bport = toy_local_port(bfd);
	check_agree(_metadata, bport, 0, TOY_ST_CLOSE);
	close(bfd);
}

TEST_F(agree, syn_sent)
{
	ASSERT_EQ(0, toy_dummy_setup());
	self->cfd = toy_socket_flags(SOCK_NONBLOCK);
	ASSERT_LE(0, self->cfd);
	ASSERT_EQ(-1, toy_connect(self->cfd, inet_addr(TOY_DUMMY_PEER), 7));
	ASSERT_EQ(EINPROGRESS, errno);
	self->cport = toy_local_port(self->cfd);
	check_agree(_metadata, self->cport, 7, TOY_ST_SYN_SENT);
}

TEST_F(agree, syn_recv)
{
	ASSERT_EQ(0, toy_dummy_setup());
	self->lfd = toy_listener(TOY_ANY, 5, &self->lport);
	ASSERT_LE(0, self->lfd);
	ASSERT_EQ(0, send_fake_syn(inet_addr(TOY_DUMMY_PEER), FAKE_PORT,
				   inet_addr(TOY_DUMMY_LOCAL), self->lport));
	ASSERT_EQ(0, toy_wait_state(self->lport, FAKE_PORT, TOY_ST_SYN_RECV, TOY_WAIT_MS));
	check_agree(_metadata, self->lport, FAKE_PORT, TOY_ST_SYN_RECV);
	check_agree(_metadata, self->lport, 0, TOY_ST_LISTEN);
}

/* Unread data on both sides shows in both sources' receive queues. */
TEST_F(agree, established)
{
	char buf[300] = { 0 };

	ASSERT_EQ(0, toy_pair(&self->lfd, &self->cfd, &self->sfd, &self->lport,
			      &self->cport));
	ASSERT_EQ(100, toy_send_all(self->cfd, buf, 100));
	ASSERT_EQ(300, toy_send_all(self->sfd, buf, 300));
	ASSERT_EQ(0, toy_wait_rx_queue(self->lport, self->cport, 100, TOY_WAIT_MS));
	ASSERT_EQ(0, toy_wait_rx_queue(self->cport, self->lport, 300, TOY_WAIT_MS));
	check_agree(_metadata, self->cport, self->lport, TOY_ST_ESTABLISHED);
	check_agree(_metadata, self->lport, self->cport, TOY_ST_ESTABLISHED);
}

/* Unacknowledged data: netem holds the ACK, Send-Q shows it in both. */
TEST_F(agree, established_unacked)
{
	char buf[500] = { 0 };

	ASSERT_EQ(0, toy_pair(&self->lfd, &self->cfd, &self->sfd, &self->lport,
			      &self->cport));
	ASSERT_EQ(0, slow_rto(self->cfd));
	ASSERT_EQ(0, netem(1));
	ASSERT_EQ(500, toy_send_all(self->cfd, buf, 500));
	check_agree(_metadata, self->cport, self->lport, TOY_ST_ESTABLISHED);
}

TEST_F(agree, fin_wait2_close_wait)
{
	ASSERT_EQ(0, toy_pair(&self->lfd, &self->cfd, &self->sfd, &self->lport,
			      &self->cport));
	ASSERT_EQ(0, shutdown(self->cfd, SHUT_WR));
	ASSERT_EQ(0, toy_wait_state(self->cport, self->lport, TOY_ST_FIN_WAIT2, TOY_WAIT_MS));
	ASSERT_EQ(0, toy_wait_state(self->lport, self->cport, TOY_ST_CLOSE_WAIT, TOY_WAIT_MS));
	check_agree(_metadata, self->cport, self->lport, TOY_ST_FIN_WAIT2);
	check_agree(_metadata, self->lport, self->cport, TOY_ST_CLOSE_WAIT);
}

/*
 * With 400 ms each way: FIN_WAIT1 while the client's FIN travels, LAST_ACK
 * while the client's last ACK travels, TIME_WAIT meanwhile: for 2 s, as
 * 200 ms can pass between two looks on a debug kernel. The filters' 3 s
 * wait for idle outlasts it.
 */
TEST_F(agree, fin_wait1_last_ack_time_wait)
{
	char c;

	ASSERT_EQ(0, toy_pair(&self->lfd, &self->cfd, &self->sfd, &self->lport,
			      &self->cport));
	ASSERT_EQ(0, slow_rto(self->cfd));
	ASSERT_EQ(0, slow_rto(self->sfd));
	self->timewait_ms = toy_set_timewait_ms(2000);
	ASSERT_LE(0, self->timewait_ms) TH_LOG("timewait_ms: %s", strerror(errno));
	ASSERT_EQ(0, netem(1));
	ASSERT_EQ(0, shutdown(self->cfd, SHUT_WR));
	check_agree(_metadata, self->cport, self->lport, TOY_ST_FIN_WAIT1);
	ASSERT_EQ(0, recv(self->sfd, &c, 1, 0));	/* EOF after 400 ms */
	ASSERT_EQ(0, toy_wait_state(self->cport, self->lport, TOY_ST_FIN_WAIT2, TOY_WAIT_MS));
	toy_close(&self->sfd);
	check_agree(_metadata, self->lport, self->cport, TOY_ST_LAST_ACK);
	ASSERT_EQ(0, toy_wait_state(self->cport, self->lport, TOY_ST_TIME_WAIT, TOY_WAIT_MS));
	check_agree(_metadata, self->cport, self->lport, TOY_ST_TIME_WAIT);
}

/* Both FINs cross in flight: each side is in CLOSING until its FIN's ACK. */
TEST_F(agree, closing)
{
	ASSERT_EQ(0, toy_pair(&self->lfd, &self->cfd, &self->sfd, &self->lport,
			      &self->cport));
	ASSERT_EQ(0, slow_rto(self->cfd));
	ASSERT_EQ(0, slow_rto(self->sfd));
	ASSERT_EQ(0, netem(1));
	ASSERT_EQ(0, shutdown(self->cfd, SHUT_WR));
	ASSERT_EQ(0, shutdown(self->sfd, SHUT_WR));
	ASSERT_EQ(0, toy_wait_state(self->cport, self->lport, TOY_ST_CLOSING, TOY_WAIT_MS));
	ASSERT_EQ(0, toy_wait_state(self->lport, self->cport, TOY_ST_CLOSING, TOY_WAIT_MS));
	check_agree(_metadata, self->cport, self->lport, TOY_ST_CLOSING);
	check_agree(_metadata, self->lport, self->cport, TOY_ST_CLOSING);
}

/* The uid column is the socket owner's in both. */
TEST_F(agree, uid)
{
	int pfd[2], port = 0, st;
	struct toy_row r;
	pid_t pid;

	ASSERT_EQ(0, pipe(pfd));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int fd;

		if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
			_exit(1);
		fd = toy_listener(TOY_LO, 1, &port);
		if (fd < 0 || write(pfd[1], &port, sizeof(port)) != sizeof(port))
			_exit(2);
		pause();	/* holds the listener until the parent kills us */
		_exit(0);
	}
	close(pfd[1]);
	ASSERT_EQ((ssize_t)sizeof(port), read(pfd[0], &port, sizeof(port)));
	ASSERT_EQ(1, toy_find(port, 0, &r));
	EXPECT_EQ(65534U, r.uid);
	check_agree(_metadata, port, 0, TOY_ST_LISTEN);
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	close(pfd[0]);
}

/* ---- filters ------------------------------------------------------------- */

FIXTURE(filter) {
	int l1, l2, b, c[2], s[2];
	int p1, p2, pb, cp[2];
};

FIXTURE_SETUP(filter)
{
	int i;

	toy_wait_idle(3000);
	self->l1 = toy_listener(TOY_LO, 4, &self->p1);
	ASSERT_LE(0, self->l1);
	self->l2 = toy_listener(TOY_ANY, 4, &self->p2);
	ASSERT_LE(0, self->l2);
	self->b = toy_socket();
	ASSERT_LE(0, self->b);
	ASSERT_EQ(0, toy_bind(self->b, TOY_LO, 0));
	self->pb = toy_local_port(self->b);
	for (i = 0; i < 2; i++) {
		self->c[i] = toy_socket();
		ASSERT_LE(0, self->c[i]);
		ASSERT_EQ(0, toy_connect(self->c[i], TOY_LO, self->p1));
		self->cp[i] = toy_local_port(self->c[i]);
		self->s[i] = toy_accept(self->l1);
		ASSERT_LE(0, self->s[i]);
	}
}

FIXTURE_TEARDOWN(filter)
{
	int i;

	for (i = 0; i < 2; i++) {
		toy_close(&self->c[i]);
		toy_close(&self->s[i]);
	}
	toy_close(&self->b);
	toy_close(&self->l1);
	toy_close(&self->l2);
}

/*
 * Dumps with the filter and checks the result is exactly the n sockets
 * given as (lport, rport) pairs, in any order.
 */
static void expect_set(struct __test_metadata *_metadata, uint32_t states,
		       int sport, int dport, int n, const int (*want)[2])
{
	static struct dsock d[MAX_SOCKS];
	struct toy_diag_req req = req_all();
	int got, i, j;

	req.tdiag_states = states;
	req.tdiag_sport = htons(sport);
	req.tdiag_dport = htons(dport);
	got = diag_dump(&req, d, MAX_SOCKS);
	ASSERT_EQ(n, got) TH_LOG("states %#x sport %d dport %d: %d sockets, want %d",
				 states, sport, dport, got, n);
	for (i = 0; i < n; i++) {
		for (j = 0; j < got; j++)
			if (ntohs(d[j].m.tdiag_sport) == want[i][0] &&
			    ntohs(d[j].m.tdiag_dport) == want[i][1])
				break;
		EXPECT_GT(got, j) TH_LOG("states %#x sport %d dport %d: %d -> %d missing",
					 states, sport, dport, want[i][0], want[i][1]);
		if (j < got) {
			if (states)
				EXPECT_NE(0U, states & (1U << d[j].m.tdiag_state));
		}
	}
}

#define F(x)	(1U << (x))

TEST_F(filter, state_listen)
{
	const int want[][2] = { { self->p1, 0 }, { self->p2, 0 } };

	expect_set(_metadata, F(TOY_ST_LISTEN), 0, 0, 2, want);
}

TEST_F(filter, state_close)
{
	const int want[][2] = { { self->pb, 0 } };

	expect_set(_metadata, F(TOY_ST_CLOSE), 0, 0, 1, want);
}

TEST_F(filter, sport_listener_port)
{
	const int want[][2] = { { self->p1, 0 }, { self->p1, self->cp[0] },
				{ self->p1, self->cp[1] } };

	expect_set(_metadata, 0, self->p1, 0, 3, want);
}

TEST_F(filter, sport_and_state)
{
	const int want[][2] = { { self->p1, self->cp[0] }, { self->p1, self->cp[1] } };

	expect_set(_metadata, F(TOY_ST_ESTABLISHED), self->p1, 0, 2, want);
}

TEST_F(filter, dport)
{
	const int want[][2] = { { self->cp[0], self->p1 }, { self->cp[1], self->p1 } };

	expect_set(_metadata, 0, 0, self->p1, 2, want);
}

TEST_F(filter, sport_and_dport)
{
	const int want[][2] = { { self->cp[1], self->p1 } };
	const int back[][2] = { { self->p1, self->cp[0] } };

	expect_set(_metadata, 0, self->cp[1], self->p1, 1, want);
	expect_set(_metadata, F(TOY_ST_ESTABLISHED), self->p1, self->cp[0], 1, back);
}

TEST_F(filter, states_bitmap)
{
	const int want[][2] = { { self->p1, 0 }, { self->p1, self->cp[0] },
				{ self->p1, self->cp[1] } };

	expect_set(_metadata, F(TOY_ST_LISTEN) | F(TOY_ST_ESTABLISHED), self->p1,
		   0, 3, want);
}

TEST_F(filter, zero_matches)
{
	expect_set(_metadata, F(TOY_ST_SYN_SENT), 0, self->p1, 0, NULL);
	expect_set(_metadata, F(TOY_ST_LISTEN), self->cp[0], 0, 0, NULL);
	expect_set(_metadata, 0, self->p2, self->p1, 0, NULL);
	expect_set(_metadata, F(TOY_ST_CLOSING) | F(TOY_ST_LAST_ACK), self->p1,
		   0, 0, NULL);
}

/* Every socket /proc lists is in the unfiltered dump, and no other. */
TEST_F(filter, all_agree)
{
	check_agree(_metadata, self->p1, 0, TOY_ST_LISTEN);
}

/* ---- SOCK_DESTROY ---------------------------------------------------------- */

FIXTURE(destroy) {
	int lfd, cfd, sfd, lport, cport;
};

FIXTURE_SETUP(destroy)
{
	ASSERT_EQ(0, toy_pair(&self->lfd, &self->cfd, &self->sfd, &self->lport,
			      &self->cport));
}

FIXTURE_TEARDOWN(destroy)
{
	toy_close(&self->cfd);
	toy_close(&self->sfd);
	toy_close(&self->lfd);
}

static struct toy_diag_req destroy_req(const struct dsock *d)
{
	struct toy_diag_req req = req_all();

	req.tdiag_sport = d->m.tdiag_sport;
	req.tdiag_dport = d->m.tdiag_dport;
	req.tdiag_src = d->m.tdiag_src;
	req.tdiag_dst = d->m.tdiag_dst;
	req.tdiag_cookie[0] = d->m.tdiag_cookie[0];
	req.tdiag_cookie[1] = d->m.tdiag_cookie[1];
	return req;
}

TEST_F(destroy, client_resets_peer)
{
	struct toy_stats before, after;
	struct toy_diag_req req;
	struct dsock d;
	char c;

	ASSERT_EQ(1, diag_find(self->cport, self->lport, &d));
	req = destroy_req(&d);
	ASSERT_EQ(0, toy_stats_read(&before));
	ASSERT_EQ(0, diag_destroy(&req));

	/* the destroyed socket: ECONNABORTED, and it is gone */
	EXPECT_EQ(-1, recv(self->cfd, &c, 1, 0));
	EXPECT_EQ(ECONNABORTED, errno);
	/* the peer got an RST */
	EXPECT_NE(0, toy_poll(self->sfd, POLLIN, 1000) & (POLLIN | POLLERR | POLLHUP));
	EXPECT_EQ(-1, recv(self->sfd, &c, 1, 0));
	EXPECT_EQ(ECONNRESET, errno);
	EXPECT_EQ(0, toy_wait_gone(self->cport, self->lport, TOY_WAIT_MS));
	EXPECT_EQ(0, toy_wait_gone(self->lport, self->cport, TOY_WAIT_MS));
	ASSERT_EQ(0, toy_stats_read(&after));
	EXPECT_EQ(1, toy_stats_delta(&before, &after, "OutRsts"));
	/* both ends left ESTABLISHED for CLOSE */
	EXPECT_EQ(2, toy_stats_delta(&before, &after, "EstabResets"));
	/* a second time: nothing left to destroy */
	EXPECT_EQ(-ENOENT, diag_destroy(&req));
}

TEST_F(destroy, server_side_resets_client)
{
	struct toy_diag_req req;
	struct dsock d;
	char c;

	ASSERT_EQ(1, diag_find(self->lport, self->cport, &d));
	req = destroy_req(&d);
	ASSERT_EQ(0, diag_destroy(&req));
	EXPECT_EQ(-1, recv(self->sfd, &c, 1, 0));
	EXPECT_EQ(ECONNABORTED, errno);
	EXPECT_EQ(-1, recv(self->cfd, &c, 1, 0));
	EXPECT_EQ(ECONNRESET, errno);
	/* the listener is untouched */
	check_agree(_metadata, self->lport, 0, TOY_ST_LISTEN);
}

TEST_F(destroy, any_cookie)
{
	struct toy_diag_req req;
	struct dsock d;
	char c;

	ASSERT_EQ(1, diag_find(self->cport, self->lport, &d));
	req = destroy_req(&d);
	req.tdiag_cookie[0] = req.tdiag_cookie[1] = ~0U;
	ASSERT_EQ(0, diag_destroy(&req));
	EXPECT_EQ(-1, recv(self->cfd, &c, 1, 0));
	EXPECT_EQ(ECONNABORTED, errno);
}

TEST_F(destroy, wrong_cookie_or_tuple)
{
	struct toy_diag_req req;
	struct dsock d;

	ASSERT_EQ(1, diag_find(self->cport, self->lport, &d));
	req = destroy_req(&d);
	req.tdiag_cookie[0] ^= 1;
	EXPECT_EQ(-ENOENT, diag_destroy(&req));
	req = destroy_req(&d);
	req.tdiag_dport = htons(self->lport + 1);
	EXPECT_EQ(-ENOENT, diag_destroy(&req));
	/* still connected */
	ASSERT_EQ(1, toy_send_all(self->cfd, "x", 1));
	EXPECT_EQ(0, toy_wait_rx_queue(self->lport, self->cport, 1, TOY_WAIT_MS));
}

TEST_F(destroy, listener)
{
	struct toy_diag_req req;
	struct dsock d;
	int fd;

	ASSERT_EQ(1, diag_find(self->lport, 0, &d));
	req = destroy_req(&d);
	ASSERT_EQ(0, diag_destroy(&req));
	/* as tcp_abort(): no longer listening, still bound (bind() was explicit) */
	EXPECT_EQ(0, toy_wait_state(self->lport, 0, TOY_ST_CLOSE, TOY_WAIT_MS));
	check_agree(_metadata, self->lport, 0, TOY_ST_CLOSE);
	/* no new connection is accepted there */
	fd = toy_socket();
	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, toy_connect(fd, TOY_LO, self->lport));
	EXPECT_EQ(ECONNREFUSED, errno);
	close(fd);
}

/*
 * In a child without CAP_NET_ADMIN: how is chosen by `how` (0: a new user
 * namespace, whose capabilities do not count in ours; 1: setresuid to
 * nobody, which drops them all). Returns the child's destroy result.
 */
static int destroy_unprivileged(const struct toy_diag_req *req, int how)
{
	int st, pfd[2], res = 1;
	pid_t pid;

	if (pipe(pfd))
		return 1;
	pid = fork();
	if (pid < 0)
		return 1;
	if (pid == 0) {
		int err;

		if (how == 0 ? unshare(CLONE_NEWUSER) :
		    setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
			err = 1;
		else
			err = diag_destroy(req);
		if (write(pfd[1], &err, sizeof(err)) != sizeof(err))
			_exit(3);
		_exit(0);
	}
	close(pfd[1]);
	if (read(pfd[0], &res, sizeof(res)) != sizeof(res))
		res = 2;
	close(pfd[0]);
	waitpid(pid, &st, 0);
	return res;
}

TEST_F(destroy, eperm_user_namespace)
{
	struct toy_diag_req req;
	struct dsock d;

	ASSERT_EQ(1, diag_find(self->cport, self->lport, &d));
	req = destroy_req(&d);
	EXPECT_EQ(-EPERM, destroy_unprivileged(&req, 0));
	ASSERT_EQ(1, diag_find(self->cport, self->lport, &d));
	EXPECT_EQ(TOY_ST_ESTABLISHED, d.m.tdiag_state);
}

TEST_F(destroy, eperm_nobody)
{
	struct toy_diag_req req;
	struct dsock d;

	ASSERT_EQ(1, diag_find(self->cport, self->lport, &d));
	req = destroy_req(&d);
	EXPECT_EQ(-EPERM, destroy_unprivileged(&req, 1));
	ASSERT_EQ(1, diag_find(self->cport, self->lport, &d));
	EXPECT_EQ(TOY_ST_ESTABLISHED, d.m.tdiag_state);
	/* and root still can */
	EXPECT_EQ(0, diag_destroy(&req));
}

/*
 * Without CAP_NET_ADMIN, SOCK_DESTROY fails EPERM before anything is looked
 * up, so that the answer does not tell whether the 4-tuple and cookie exist
 * (inet_diag checks the capability first too).
 */
TEST_F(destroy, eperm_before_lookup)
{
	struct toy_diag_req req;
	struct dsock d;

	ASSERT_EQ(1, diag_find(self->cport, self->lport, &d));
	req = destroy_req(&d);
	req.tdiag_dport = htons(self->lport + 1);
	EXPECT_EQ(-ENOENT, diag_destroy(&req));
	EXPECT_EQ(-EPERM, destroy_unprivileged(&req, 0));
	EXPECT_EQ(-EPERM, destroy_unprivileged(&req, 1));
}

/* ---- what a user without CAP_NET_ADMIN sees ------------------------------- */

struct seen {
	int found;		/* the socket was in the dump, with TOY_DIAG_INFO */
	uint32_t una, nxt, rcv;	/* its snd_una, snd_nxt, rcv_nxt */
};

static void seen_of(const struct dsock *d, int n, int lport, int rport,
		    struct seen *out)
{
	int i;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < n; i++) {
		if (ntohs(d[i].m.tdiag_sport) != lport ||
		    ntohs(d[i].m.tdiag_dport) != rport || !d[i].has_info)
			continue;
		out->found = 1;
		out->una = d[i].info.snd_una;
		out->nxt = d[i].info.snd_nxt;
		out->rcv = d[i].info.rcv_nxt;
	}
}

/*
 * The absolute sequence numbers of a connection are what an attacker needs
 * to inject into it: the dump shows them only to CAP_NET_ADMIN and to the
 * socket's owner. nobody dumps: root's connection comes without them (the
 * rest of TOY_DIAG_INFO is there), nobody's own connection with them.
 */
TEST_F(destroy, unprivileged_dump_hides_sequence_numbers)
{
	static struct dsock d[MAX_SOCKS];
	struct seen res[2], mine;
	int pfd[2], st, n;
	pid_t pid;

	ASSERT_EQ(0, pipe(pfd));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int l, c, s, lp, cp;
		struct seen r[2];

		memset(r, 0, sizeof(r));
		if (!setresgid(65534, 65534, 65534) &&
		    !setresuid(65534, 65534, 65534) &&
		    !toy_pair(&l, &c, &s, &lp, &cp)) {
			n = diag_dump(&(struct toy_diag_req){
					.sdiag_family = toy_family() },
				      d, MAX_SOCKS);
			seen_of(d, n, self->cport, self->lport, &r[0]);
			seen_of(d, n, cp, lp, &r[1]);
		}
		if (write(pfd[1], r, sizeof(r)) != sizeof(r))
			_exit(1);
		_exit(0);
	}
	close(pfd[1]);
	ASSERT_EQ((ssize_t)sizeof(res), read(pfd[0], res, sizeof(res)));
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	close(pfd[0]);

	ASSERT_TRUE(res[0].found);
	EXPECT_EQ(0U, res[0].una);
	EXPECT_EQ(0U, res[0].nxt);
	EXPECT_EQ(0U, res[0].rcv);
	ASSERT_TRUE(res[1].found);
	EXPECT_NE(0U, res[1].nxt);
	EXPECT_NE(0U, res[1].rcv);

	/* root (CAP_NET_ADMIN) sees them */
	n = diag_dump(&(struct toy_diag_req){ .sdiag_family = toy_family() },
		      d, MAX_SOCKS);
	seen_of(d, n, self->cport, self->lport, &mine);
	ASSERT_TRUE(mine.found);
	EXPECT_NE(0U, mine.nxt);
	EXPECT_NE(0U, mine.rcv);
}

/* ---- malformed requests --------------------------------------------------- */

/* pad and sdiag_protocol must be 0 (EINVAL), as the uapi header says. */
TEST(request_pad_and_protocol)
{
	static struct dsock d[MAX_SOCKS];
	struct toy_diag_req req = req_all();

	req.pad = 1;
	EXPECT_EQ(-EINVAL, diag_dump(&req, d, MAX_SOCKS));
	req.pad = 0x100;
	EXPECT_EQ(-EINVAL, diag_dump(&req, d, MAX_SOCKS));
	req = req_all();
	req.sdiag_protocol = IPPROTO_TCP;
	EXPECT_EQ(-EINVAL, diag_dump(&req, d, MAX_SOCKS));
	req.sdiag_protocol = 255;
	EXPECT_EQ(-EINVAL, diag_dump(&req, d, MAX_SOCKS));
	req = req_all();
	EXPECT_LE(0, diag_dump(&req, d, MAX_SOCKS));

	/* SOCK_DESTROY too, before the lookup */
	req = req_all();
	req.tdiag_cookie[0] = req.tdiag_cookie[1] = ~0U;
	req.pad = 1;
	EXPECT_EQ(-EINVAL, diag_destroy(&req));
	req.pad = 0;
	req.sdiag_protocol = IPPROTO_TCP;
	EXPECT_EQ(-EINVAL, diag_destroy(&req));
	req.sdiag_protocol = 0;
	EXPECT_EQ(-ENOENT, diag_destroy(&req));
}

/* ---- tracepoints ------------------------------------------------------------ */

static const char *tracefs(void)
{
	static const char *dirs[] = { "/sys/kernel/tracing",
				      "/sys/kernel/debug/tracing" };
	char path[128];
	size_t i;

	for (i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/events/toy/enable", dirs[i]);
		if (!access(path, W_OK))
			return dirs[i];
	}
	return NULL;
}

static int tfs_write(const char *file, const char *val)
{
	char path[160];
	int fd, ok;

	snprintf(path, sizeof(path), "%s/%s", tracefs(), file);
	fd = open(path, O_WRONLY | O_TRUNC);
	if (fd < 0)
		return -1;
	ok = write(fd, val, strlen(val)) == (ssize_t)strlen(val);
	close(fd);
	return ok ? 0 : -1;
}

static int trace_start(void)
{
	if (!tracefs())
		return -1;
	if (tfs_write("trace", "") || tfs_write("events/toy/enable", "1"))
		return -1;
	return tfs_write("tracing_on", "1");
}

#define MAX_EVENTS	128
#define EV_LEN		96

/*
 * Stops tracing and turns each toy event of the connection between ports a
 * (the client) and b (the server) into a line the tests compare exactly:
 *   "C state SYN_SENT>ESTABLISHED"    (C: the client, S: the server side,
 *                                      L: the listener on b)
 *   "C out SYN seq=0", "S in SYN|ACK seq=0 ack=1 len=5"
 *                                     (seq relative to the sender's ISN,
 *                                      ack to the receiver's: their SYN's
 *                                      seq, 0 for a side that sent none)
 *   "C retransmit SYN_SENT seq=0 n=1", "C reset received SYN_SENT"
 * Returns the number of lines.
 */
/* Is @name one of the |-separated flags in @flags ("SYN|ACK|SACKOK")? */
static int has_flag(const char *flags, const char *name)
{
	size_t n = strlen(name);
	const char *p;

	for (p = flags; (p = strstr(p, name)); p += n)
		if ((p == flags || p[-1] == '|') && (p[n] == '|' || !p[n]))
			return 1;
	return 0;
}

static int trace_stop(int a, int b, char ev[][EV_LEN])
{
	char path[160], line[512], f[32], sa[16], da[16];
	uint32_t isn[2] = { 0, 0 };
	int have[2] = { 0, 0 }, n = 0;
	FILE *fp;

	tfs_write("events/toy/enable", "0");
	snprintf(path, sizeof(path), "%s/trace", tracefs());
	fp = fopen(path, "r");
	if (!fp)
		return -1;
	while (n < MAX_EVENTS && fgets(line, sizeof(line), fp)) {
		unsigned int sp, dp, seq, ack, len, win, r, rto;
		char *p, who, os[16], ns[16], dir[16];

		if ((p = strstr(line, "toy_set_state: ")) &&
		    sscanf(p, "toy_set_state: sport=%u dport=%u saddr=%15s daddr=%15s saddrv6=%*s daddrv6=%*s oldstate=%15s newstate=%15s",
			   &sp, &dp, sa, da, os, ns) == 6) {
			if (sp == (unsigned int)a && dp == (unsigned int)b)
				who = 'C';
			else if (sp == (unsigned int)b && dp == (unsigned int)a)
				who = 'S';
			else if (sp == (unsigned int)b && dp == 0)
				who = 'L';
			else
				continue;
			snprintf(ev[n++], EV_LEN, "%c state %s>%s", who, os, ns);
		} else if ((p = strstr(line, "toy_segment: ")) &&
			   sscanf(p, "toy_segment: %15s sport=%u dport=%u saddr=%15s daddr=%15s saddrv6=%*s daddrv6=%*s flags=%31s seq=%u ack=%u len=%u window=%u",
				  dir, &sp, &dp, sa, da, f, &seq, &ack, &len, &win) == 10) {
			int from;

			if (sp == (unsigned int)a && dp == (unsigned int)b)
				from = 0;
			else if (sp == (unsigned int)b && dp == (unsigned int)a)
				from = 1;
			else
				continue;
			/* A side that sent no SYN (no socket) counts from 0. */
			if (strstr(f, "SYN") && !have[from]) {
				isn[from] = seq;
				have[from] = 1;
			}
			if (has_flag(f, "ACK"))
				snprintf(ev[n++], EV_LEN, "%c %s %s seq=%u ack=%u len=%u",
					 from ? 'S' : 'C', dir, f, seq - isn[from],
					 ack - isn[!from], len);
			else
				snprintf(ev[n++], EV_LEN, "%c %s %s seq=%u len=%u",
					 from ? 'S' : 'C', dir, f, seq - isn[from], len);
		} else if ((p = strstr(line, "toy_retransmit: ")) &&
			   sscanf(p, "toy_retransmit: sport=%u dport=%u saddr=%15s daddr=%15s saddrv6=%*s daddrv6=%*s state=%15s seq=%u retransmits=%u rto_us=%u",
				  &sp, &dp, sa, da, ns, &seq, &r, &rto) == 8) {
			if (sp == (unsigned int)a && dp == (unsigned int)b)
				who = 'C';
			else if (sp == (unsigned int)b && dp == (unsigned int)a)
				who = 'S';
			else
				continue;
			snprintf(ev[n++], EV_LEN, "%c retransmit %s seq=%u n=%u", who,
				 ns, seq - isn[who == 'S'], r);
		} else if ((p = strstr(line, "toy_reset: ")) &&
			   sscanf(p, "toy_reset: %15s sport=%u dport=%u saddr=%15s daddr=%15s saddrv6=%*s daddrv6=%*s state=%15s",
				  dir, &sp, &dp, sa, da, ns) == 6) {
			if (sp == (unsigned int)a && dp == (unsigned int)b)
				who = 'C';
			else if (sp == (unsigned int)b && dp == (unsigned int)a)
				who = 'S';
			else
				continue;
			snprintf(ev[n++], EV_LEN, "%c reset %s %s", who, dir, ns);
		}
	}
	fclose(fp);
	return n;
}

/* Compares the events with the expected lines, printing both on mismatch. */
static void expect_events(struct __test_metadata *_metadata, char ev[][EV_LEN],
			  int n, const char *const *want, int nwant)
{
	int i, same = n == nwant;

	for (i = 0; same && i < n; i++)
		same = !strcmp(ev[i], want[i]);
	if (!same) {
		for (i = 0; i < n || i < nwant; i++)
			TH_LOG("%2d got %-44s want %s", i, i < n ? ev[i] : "-",
			       i < nwant ? want[i] : "-");
	}
	EXPECT_TRUE(same);
}

/*
 * Are @want's lines among the events, in that order, others between? For
 * events of two sockets that no segment orders: the client's own state
 * change and the server's reception of its RST may come either way round
 * (loopback delivers in a softirq, now or later).
 */
static void expect_in_order(struct __test_metadata *_metadata,
			    char ev[][EV_LEN], int n, const char *const *want,
			    int nwant)
{
	int i, j = 0;

	for (i = 0; i < n && j < nwant; i++)
		j += !strcmp(ev[i], want[j]);
	if (j < nwant) {
		for (i = 0; i < n; i++)
			TH_LOG("%2d got %s", i, ev[i]);
		TH_LOG("missing, or out of order: %s", want[j]);
	}
	EXPECT_EQ(nwant, j);
}

/* Binds a fresh socket to a free port >= base; returns it, *port set. */
static int bound_at(int base, int *port)
{
	int fd = toy_socket(), p;

	if (fd < 0)
		return -1;
	for (p = base; p < base + 100; p++) {
		if (!toy_bind(fd, TOY_LO, p)) {
			*port = p;
			return fd;
		}
	}
	close(fd);
	return -1;
}

FIXTURE(trace) {
	char ev[MAX_EVENTS][EV_LEN];
};

FIXTURE_SETUP(trace)
{
	if (!tracefs())
		SKIP(return, "no tracefs with toy events");
	toy_wait_idle(3000);
}

FIXTURE_TEARDOWN(trace)
{
	if (tracefs())
		tfs_write("events/toy/enable", "0");
}

/* Handshake, 5 bytes each way, the client closes first, TIME_WAIT ends. */
TEST_F(trace, connection_life)
{
	static const char *const want[] = {
		"L state CLOSE>LISTEN",
		"C state CLOSE>SYN_SENT",
		"C out SYN|SACKOK seq=0 len=0",
		"C in SYN|SACKOK seq=0 len=0",
		"S state CLOSE>SYN_RECV",
		"S out SYN|ACK|SACKOK seq=0 ack=1 len=0",
		"S in SYN|ACK|SACKOK seq=0 ack=1 len=0",
		"C state SYN_SENT>ESTABLISHED",
		"C out ACK seq=1 ack=1 len=0",
		"C in ACK seq=1 ack=1 len=0",
		"S state SYN_RECV>ESTABLISHED",
		"C out ACK seq=1 ack=1 len=5",
		"C in ACK seq=1 ack=1 len=5",
		"S out ACK seq=1 ack=6 len=0",
		"S in ACK seq=1 ack=6 len=0",
		"S out ACK seq=1 ack=6 len=5",
		"S in ACK seq=1 ack=6 len=5",
		"C out ACK seq=6 ack=6 len=0",
		"C in ACK seq=6 ack=6 len=0",
		"C state ESTABLISHED>FIN_WAIT1",
		"C out FIN|ACK seq=6 ack=6 len=0",
		"C in FIN|ACK seq=6 ack=6 len=0",
		"S state ESTABLISHED>CLOSE_WAIT",
		"S out ACK seq=6 ack=7 len=0",
		"S in ACK seq=6 ack=7 len=0",
		"C state FIN_WAIT1>FIN_WAIT2",
		"S state CLOSE_WAIT>LAST_ACK",
		"S out FIN|ACK seq=6 ack=7 len=0",
		"S in FIN|ACK seq=6 ack=7 len=0",
		"C state FIN_WAIT2>TIME_WAIT",
		"C out ACK seq=7 ack=7 len=0",
		"C in ACK seq=7 ack=7 len=0",
		"S state LAST_ACK>CLOSE",
		"L state LISTEN>CLOSE",
		"C state TIME_WAIT>CLOSE",
	};
	int lfd, cfd, sfd, lport, cport, n;
	char buf[8];

	lfd = bound_at(7100, &lport);
	ASSERT_LE(0, lfd);
	cfd = bound_at(47100, &cport);
	ASSERT_LE(0, cfd);
	ASSERT_EQ(0, trace_start());
	ASSERT_EQ(0, listen(lfd, 1));
	ASSERT_EQ(0, toy_connect(cfd, TOY_LO, lport));
	sfd = toy_accept(lfd);
	ASSERT_LE(0, sfd);
	ASSERT_EQ(5, toy_send_all(cfd, "hello", 5));
	ASSERT_EQ(5, toy_recv_all(sfd, buf, 5));
	ASSERT_EQ(5, toy_send_all(sfd, "world", 5));
	ASSERT_EQ(5, toy_recv_all(cfd, buf, 5));
	close(cfd);
	ASSERT_EQ(0, recv(sfd, buf, 1, 0));
	ASSERT_EQ(0, toy_wait_state(cport, lport, TOY_ST_FIN_WAIT2, TOY_WAIT_MS));
	close(sfd);
	ASSERT_EQ(0, toy_wait_gone(lport, cport, TOY_WAIT_MS));
	close(lfd);
	ASSERT_EQ(0, toy_wait_gone(cport, lport, TOY_WAIT_MS));
	n = trace_stop(cport, lport, self->ev);
	expect_events(_metadata, self->ev, n, want, sizeof(want) / sizeof(*want));
}

/* A SYN into the dummy: sent, retransmitted once, then the connect fails. */
TEST_F(trace, lost_syn_retransmit)
{
	static const char *const want[] = {
		"C state CLOSE>SYN_SENT",
		"C out SYN|SACKOK seq=0 len=0",
		"C out SYN|SACKOK seq=0 len=0",
		"C retransmit SYN_SENT seq=0 n=1",
		"C state SYN_SENT>CLOSE",
	};
	int fd, cport, n;

	ASSERT_EQ(0, toy_dummy_setup());
	fd = toy_socket();
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, toy_fast_syn(fd));
	ASSERT_EQ(0, toy_bind(fd, TOY_ANY, 0));
	cport = toy_local_port(fd);
	ASSERT_EQ(0, trace_start());
	ASSERT_EQ(-1, toy_connect(fd, inet_addr(TOY_DUMMY_PEER), 9));
	EXPECT_EQ(ETIMEDOUT, errno);
	n = trace_stop(cport, 9, self->ev);
	expect_events(_metadata, self->ev, n, want, sizeof(want) / sizeof(*want));
	close(fd);
}

/* A SYN to a port nobody listens on: RST|ACK back, toy_reset, CLOSE. */
TEST_F(trace, refused_reset)
{
	static const char *const want[] = {
		"C state CLOSE>SYN_SENT",
		"C out SYN|SACKOK seq=0 len=0",
		"C in SYN|SACKOK seq=0 len=0",
		"S out RST|ACK seq=0 ack=1 len=0",
		"S in RST|ACK seq=0 ack=1 len=0",
		"C reset received SYN_SENT",
		"C state SYN_SENT>CLOSE",
	};
	int fd, cport, port, hold, n;

	/* a port that is bound (so nobody else takes it) but not listening */
	hold = toy_socket();
	ASSERT_LE(0, hold);
	ASSERT_EQ(0, toy_bind(hold, TOY_LO, 0));
	port = toy_local_port(hold);
	fd = toy_socket();
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, toy_bind(fd, TOY_LO, 0));
	cport = toy_local_port(fd);
	ASSERT_EQ(0, trace_start());
	ASSERT_EQ(-1, toy_connect(fd, TOY_LO, port));
	EXPECT_EQ(ECONNREFUSED, errno);
	n = trace_stop(cport, port, self->ev);
	expect_events(_metadata, self->ev, n, want, sizeof(want) / sizeof(*want));
	close(fd);
	close(hold);
}

/* SOCK_DESTROY of an established client: toy_reset sent, then CLOSE. */
TEST_F(trace, destroy_sends_reset)
{
	/* What the RST causes at the server, and at the client. */
	static const char *const server[] = {
		"C reset sent ESTABLISHED",
		"C out RST|ACK seq=1 ack=1 len=0",
		"C in RST|ACK seq=1 ack=1 len=0",
		"S reset received ESTABLISHED",
		"S state ESTABLISHED>CLOSE",
	};
	static const char *const client[] = {
		"C reset sent ESTABLISHED",
		"C out RST|ACK seq=1 ack=1 len=0",
		"C state ESTABLISHED>CLOSE",
	};
	int lfd, cfd, sfd, lport, cport, n, i;
	struct toy_diag_req req;
	struct dsock d;

	/* the handshake is traced too, for the ISNs; compared from the RST */
	ASSERT_EQ(0, trace_start());
	ASSERT_EQ(0, toy_pair(&lfd, &cfd, &sfd, &lport, &cport));
	ASSERT_EQ(1, diag_find(cport, lport, &d));
	req = destroy_req(&d);
	ASSERT_EQ(0, diag_destroy(&req));
	ASSERT_EQ(0, toy_wait_gone(lport, cport, TOY_WAIT_MS));
	n = trace_stop(cport, lport, self->ev);
	for (i = 0; i < n && strncmp(self->ev[i], "C reset", 7); i++)
		;
	ASSERT_GT(n, i) TH_LOG("no toy_reset in the trace");
	/* Those events, and no others, the two orders as they may mix. */
	EXPECT_EQ(6, n - i);
	expect_in_order(_metadata, self->ev + i, n - i, server,
			sizeof(server) / sizeof(*server));
	expect_in_order(_metadata, self->ev + i, n - i, client,
			sizeof(client) / sizeof(*client));
	close(cfd);
	close(sfd);
	close(lfd);
}

TEST_HARNESS_MAIN
