// SPDX-License-Identifier: GPL-2.0
/*
 * Congestion control on the wire, against the fake peer of peer.h (the
 * network of toy_fsm.c): the peer decides which segments "arrive", so
 * every window is counted exactly.
 *
 * The option: TOY_CONGESTION names the algorithm as TCP_CONGESTION does
 * ("cubic" by default, "reno"), ENOENT for any other name, EINVAL without
 * one; the congestion= parameter picks a new socket's; a child takes its
 * listener's.
 * The window: 10 segments before the first ACK (RFC 6928); slow start
 * doubles it per round trip; a loss repaired by SACK halves it (Reno) or
 * takes 0.7 of it (CUBIC) and holds it; an RTO leaves one segment, and
 * slow start then resends the lost ones two, four... at a time.
 * The buffers (over loopback): they grow with the data unless set.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <sys/wait.h>

#include "toy_test.h"
#include "peer.h"
#include "toy_harness.h"

#define PEER_PORT	7779
#define PEER_ISS	0x7fffff00U
#define RTO_SLOW	3000		/* ms: no RTO during a test */
#define RTO_TEST	1000		/* ms: the RTO of rto_collapses_to_one */
#define REPLY_MS	2000
#define QUIET_MS	300
#define CONG_PARAM	"/sys/module/toy/parameters/congestion"
#define NSEG		40
#define IW		10U
#define NO_SSTHRESH	0x7fffffffU

FIXTURE(cong) {
	struct toy_peer p;
	int ns_orig, ns_a;
	int fd, lfd, lport;
	uint32_t m_nxt;		/* the module's first data sequence number */
	uint32_t p_nxt;		/* ours */
	int mss;
	char param[32];		/* the parameter as it was, to restore */
};

static int param_read(char *buf, size_t len)
{
	FILE *f = fopen(CONG_PARAM, "r");
	int ok;

	if (!f)
		return -1;
	ok = fgets(buf, (int)len, f) != NULL;
	fclose(f);
	if (!ok)
		return -1;
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

/* Write @val to the parameter. Return: 0, or the errno of the write. */
static int param_write(const char *val)
{
	int fd = open(CONG_PARAM, O_WRONLY), err = 0;

	if (fd < 0)
		return errno;
	if (write(fd, val, strlen(val)) < 0)
		err = errno;
	close(fd);
	return err;
}

FIXTURE_SETUP(cong)
{
	self->fd = self->lfd = -1;
	ASSERT_EQ(0, param_read(self->param, sizeof(self->param)));
	PEER_CASE_SETUP(self, PEER_PORT);
	self->p.window = 1 << 20;
}

FIXTURE_TEARDOWN(cong)
{
	peer_case_close(&self->p, &self->fd, &self->lfd, self->ns_orig,
			self->ns_a);
	param_write(self->param);
}

static int cong_get(int fd, char *name, socklen_t *len)
{
	return getsockopt(fd, SOL_TOY, TOY_CONGESTION, name, len);
}

static int cong_set(int fd, const char *name, socklen_t len)
{
	return setsockopt(fd, SOL_TOY, TOY_CONGESTION, name, len);
}

/* The algorithm of @fd, "" on error. */
static const char *cong_of(int fd)
{
	static char name[TOY_CA_NAME_MAX + 1];
	socklen_t len = TOY_CA_NAME_MAX;

	memset(name, 0, sizeof(name));
	if (cong_get(fd, name, &len))
		name[0] = '\0';
	return name;
}

/* The next segment, which must come within REPLY_MS. */
static void next_seg(struct __test_metadata *_metadata, FIXTURE_DATA(cong) *self,
		     struct toy_seg *s)
{
	PEER_ASSERT_SEG(&self->p, s, REPLY_MS);
}

/* Nothing comes for QUIET_MS. */
static void quiet(struct __test_metadata *_metadata, FIXTURE_DATA(cong) *self)
{
	struct toy_seg s;

	ASSERT_EQ(0, peer_recv(&self->p, &s, QUIET_MS))
		TH_LOG("unexpected segment seq %u len %u", s.seq, s.len);
}

/*
 * A passive open whose SYN carries @syn_flags; the accepted socket uses
 * @algo and an RTO of @rto ms, and NSEG full segments wait in its send
 * queue. open_and_write() offers SACK.
 */
static void open_with(struct __test_metadata *_metadata,
		      FIXTURE_DATA(cong) *self, const char *algo, int rto,
		      int syn_flags)
{
	struct peer_open o;
	const char *why = "";
	struct toy_info ti;
	char *buf;
	int err;

	err = peer_passive(&self->p, PEER_ISS, syn_flags, rto, REPLY_MS, &o,
			   &why);
	self->lfd = o.lfd;
	self->fd = o.fd;
	self->lport = o.lport;
	ASSERT_EQ(0, err) TH_LOG("passive open: %s: %s", why, strerror(errno));
	ASSERT_EQ(TOYHDR_SYN | TOYHDR_ACK | syn_flags, o.synack);
	self->m_nxt = o.m_nxt;
	self->p_nxt = o.p_nxt;
	ASSERT_EQ(0, cong_set(self->fd, algo, strlen(algo)));
	ASSERT_EQ(0, toy_set_int(self->fd, SOL_SOCKET, SO_SNDBUF, 1 << 20));

	ASSERT_EQ(0, toy_get_info(self->fd, &ti));
	self->mss = ti.mss;
	ASSERT_GE(PEER_MAXDATA, self->mss);
	buf = calloc(NSEG, self->mss);
	ASSERT_NE(NULL, buf);
	ASSERT_EQ(NSEG * self->mss, toy_send_all(self->fd, buf, NSEG * self->mss));
	free(buf);
}

static void open_and_write(struct __test_metadata *_metadata,
			   FIXTURE_DATA(cong) *self, const char *algo, int rto)
{
	open_with(_metadata, self, algo, rto, TOYHDR_SACKOK);
}

/* The sequence number of data segment @i. */
static uint32_t seg_seq(FIXTURE_DATA(cong) *self, int i)
{
	return self->m_nxt + (uint32_t)(i * self->mss);
}

/* Exactly segments @from..@to - 1 arrive, in order, and then nothing. */
static void expect_segs(struct __test_metadata *_metadata,
			FIXTURE_DATA(cong) *self, int from, int to)
{
	struct toy_seg s;
	int i;

	for (i = from; i < to; i++) {
		next_seg(_metadata, self, &s);
		ASSERT_EQ(seg_seq(self, i), s.seq) TH_LOG("segment %d", i);
		ASSERT_EQ(self->mss, s.len);
	}
	quiet(_metadata, self);
}

static void ack(struct __test_metadata *_metadata, FIXTURE_DATA(cong) *self,
		int upto, int sack_from, int sack_to)
{
	uint32_t blk[1][2] = { { seg_seq(self, sack_from), seg_seq(self, sack_to) } };

	ASSERT_EQ(0, peer_send_sack(&self->p, self->p_nxt, seg_seq(self, upto),
				    TOYHDR_ACK, blk, sack_to > sack_from,
				    NULL, 0));
}

static void expect_window(struct __test_metadata *_metadata, int fd,
			  uint8_t state, uint32_t cwnd, uint32_t ssthresh)
{
	struct toy_info ti;

	ASSERT_EQ(0, toy_get_info(fd, &ti));
	EXPECT_EQ(state, ti.ca_state);
	EXPECT_EQ(cwnd, ti.snd_cwnd);
	EXPECT_EQ(ssthresh, ti.snd_ssthresh);
}

/* Names as TCP_CONGESTION takes them, and its errnos. */
TEST_F(cong, option_names)
{
	char name[64], longname[40];
	int fd = toy_socket();
	socklen_t len;

	ASSERT_LE(0, fd);
	EXPECT_STREQ(self->param, cong_of(fd));
	/* the length comes back as TOY_CA_NAME_MAX, the name NUL-padded */
	memset(name, 'x', sizeof(name));
	len = sizeof(name);
	ASSERT_EQ(0, cong_get(fd, name, &len));
	EXPECT_EQ((socklen_t)TOY_CA_NAME_MAX, len);
	EXPECT_EQ(0, name[TOY_CA_NAME_MAX - 1]);
	EXPECT_EQ('x', name[TOY_CA_NAME_MAX]);

	EXPECT_EQ(0, cong_set(fd, "reno", 4));		/* no NUL needed */
	EXPECT_STREQ("reno", cong_of(fd));
	EXPECT_EQ(0, cong_set(fd, "cubic\0junk", 10));	/* or it ends there */
	EXPECT_STREQ("cubic", cong_of(fd));

	EXPECT_EQ(-1, cong_set(fd, "bbr", 3));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_EQ(-1, cong_set(fd, "cubi", 4));
	EXPECT_EQ(ENOENT, errno);
	memset(longname, 'a', sizeof(longname));
	memcpy(longname, "cubic", 5);
	EXPECT_EQ(-1, cong_set(fd, longname, sizeof(longname)));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_EQ(-1, cong_set(fd, "", 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, cong_set(fd, NULL, 5));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_STREQ("cubic", cong_of(fd));

	/* a short buffer gets a prefix */
	len = 2;
	ASSERT_EQ(0, cong_get(fd, name, &len));
	EXPECT_EQ(2U, len);
	EXPECT_EQ(0, memcmp(name, "cu", 2));
	close(fd);
}

/* congestion= picks a new socket's algorithm; a child takes its listener's. */
TEST_F(cong, param_and_inheritance)
{
	int lfd, cfd = -1, sfd = -1, lport, fd;

	EXPECT_EQ(ENOENT, param_write("vegas"));
	ASSERT_EQ(0, param_write("reno"));
	fd = toy_socket();
	ASSERT_LE(0, fd);
	EXPECT_STREQ("reno", cong_of(fd));
	close(fd);
	ASSERT_EQ(0, param_write("cubic\n"));

	lfd = toy_listener(inet_addr(ADDR_A), 8, &lport);
	ASSERT_LE(0, lfd);
	ASSERT_EQ(0, cong_set(lfd, "reno", 4));
	cfd = toy_socket();
	ASSERT_LE(0, cfd);
	EXPECT_STREQ("cubic", cong_of(cfd));
	ASSERT_EQ(0, toy_connect(cfd, inet_addr(ADDR_A), lport));
	sfd = toy_accept(lfd);
	ASSERT_LE(0, sfd);
	EXPECT_STREQ("reno", cong_of(sfd));
	EXPECT_STREQ("cubic", cong_of(cfd));
	close(sfd);
	close(cfd);
	close(lfd);
}

/* Ten segments before the first ACK; each ACKed one lets two go. */
TEST_F(cong, initial_window_and_slow_start)
{
	struct toy_info ti;

	open_and_write(_metadata, self, "cubic", RTO_SLOW);
	expect_segs(_metadata, self, 0, IW);
	ASSERT_EQ(0, toy_get_info(self->fd, &ti));
	EXPECT_EQ(IW, ti.snd_cwnd);
	EXPECT_EQ(IW, ti.packets_out);
	EXPECT_EQ(NO_SSTHRESH, ti.snd_ssthresh);
	EXPECT_EQ(TOY_CA_OPEN, ti.ca_state);

	/* one ACK of all ten: the window doubles, twenty go */
	ack(_metadata, self, IW, 0, 0);
	expect_segs(_metadata, self, IW, 3 * IW);
	expect_window(_metadata, self->fd, TOY_CA_OPEN, 2 * IW, NO_SSTHRESH);
}

/*
 * Segment 0 of 10 is lost, 1..9 SACKed: fast recovery, the window falls
 * to @beta tenths and holds until the hole is filled. Only the hole is
 * resent; with 9 segments out of the pipe and a window of 7 (or 5), new
 * data follows as the window allows.
 */
static void fast_recovery(struct __test_metadata *_metadata,
			  FIXTURE_DATA(cong) *self, const char *algo,
			  uint32_t wnd)
{
	struct toy_seg s;

	open_and_write(_metadata, self, algo, RTO_SLOW);
	expect_segs(_metadata, self, 0, IW);
	ack(_metadata, self, 0, 1, IW);
	/* the hole, then new data while the pipe (1) is below the window */
	next_seg(_metadata, self, &s);
	EXPECT_EQ(seg_seq(self, 0), s.seq);
	expect_segs(_metadata, self, IW, IW + (int)wnd - 1);
	expect_window(_metadata, self->fd, TOY_CA_RECOVERY, wnd, wnd);
	/*
	 * The recovery ends when all that was out at its start is
	 * acknowledged; that ACK does not grow the window, and one more
	 * segment fills it.
	 */
	ack(_metadata, self, IW, 0, 0);
	expect_segs(_metadata, self, IW + (int)wnd - 1, IW + (int)wnd);
	expect_window(_metadata, self->fd, TOY_CA_OPEN, wnd, wnd);
}

TEST_F(cong, fast_recovery_cubic)
{
	fast_recovery(_metadata, self, "cubic", 7);
}

TEST_F(cong, fast_recovery_reno)
{
	fast_recovery(_metadata, self, "reno", 5);
}

/*
 * Without SACK, duplicate ACKs are all the sender learns, and each stands
 * for a segment that left the network. The first two let a new segment
 * each into the window of 10 (segments 10 and 11). The third resends
 * segment 0 and cuts the window to 7 (CUBIC): 12 sent, 3 gone, 1 lost
 * and resent is 9 in flight, so nothing new may go until three more
 * duplicates bring it to 6.
 */
TEST_F(cong, fast_recovery_without_sack)
{
	struct toy_seg s;

	open_with(_metadata, self, "cubic", RTO_SLOW, 0);
	expect_segs(_metadata, self, 0, IW);
	ack(_metadata, self, 0, 0, 0);
	expect_segs(_metadata, self, IW, IW + 1);
	ack(_metadata, self, 0, 0, 0);
	expect_segs(_metadata, self, IW + 1, IW + 2);
	ack(_metadata, self, 0, 0, 0);
	next_seg(_metadata, self, &s);
	EXPECT_EQ(seg_seq(self, 0), s.seq);
	quiet(_metadata, self);
	expect_window(_metadata, self->fd, TOY_CA_RECOVERY, 7, 7);
	ack(_metadata, self, 0, 0, 0);
	quiet(_metadata, self);
	ack(_metadata, self, 0, 0, 0);
	quiet(_metadata, self);
	ack(_metadata, self, 0, 0, 0);
	expect_segs(_metadata, self, IW + 2, IW + 3);
}

/*
 * Nothing is acknowledged: the RTO resends segment 0 alone, with a window
 * of one. Its ACK makes the window two: segments 1 and 2 go, and no new
 * data while the lost ones wait.
 */
TEST_F(cong, rto_collapses_to_one)
{
	struct toy_info ti;

	open_and_write(_metadata, self, "cubic", RTO_TEST);
	expect_segs(_metadata, self, 0, IW);
	expect_segs(_metadata, self, 0, 1);
	ASSERT_EQ(0, toy_get_info(self->fd, &ti));
	EXPECT_EQ(TOY_CA_LOSS, ti.ca_state);
	EXPECT_EQ(1U, ti.snd_cwnd);
	EXPECT_EQ(7U, ti.snd_ssthresh);
	EXPECT_EQ(IW, ti.packets_out);
	EXPECT_EQ(IW, ti.lost);
	EXPECT_EQ(1U, ti.retrans);

	ack(_metadata, self, 1, 0, 0);
	expect_segs(_metadata, self, 1, 3);
	expect_window(_metadata, self->fd, TOY_CA_LOSS, 2, 7);
}

/*
 * Buffer autotuning, over loopback: a connection whose buffers nobody set
 * grows them as the data flows (the receiver's to twice what the reader
 * drains per round trip, the sender's to two windows); one whose receive
 * buffer SO_RCVBUF fixed keeps it.
 */
#define AUTO_BYTES	(16 << 20)

/*
 * Move AUTO_BYTES from @cfd to @sfd (a child writes); 0 on success. The
 * writes are large: within one, the ACKs wait in the socket's backlog
 * until it is released, so the window fills and is what limits the
 * sender (over loopback, small writes are ACKed before the next one).
 */
static int autotune_transfer(int cfd, int sfd)
{
	static char buf[1 << 20];
	size_t got = 0;
	int status;
	pid_t pid;
	ssize_t n;

	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		size_t sent = 0;

		close(sfd);
		while (sent < AUTO_BYTES) {
			n = write(cfd, buf, sizeof(buf));
			if (n <= 0)
				_exit(1);
			sent += (size_t)n;
		}
		_exit(0);
	}
	close(cfd);
	while (got < AUTO_BYTES && (n = read(sfd, buf, sizeof(buf))) > 0)
		got += (size_t)n;
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		return -1;
	return got == AUTO_BYTES ? 0 : -1;
}

/* The receiver's buffer grows with what its reader drains. */
TEST(autotune_grows_rcvbuf)
{
	int lfd, cfd, sfd, lport, cport, r0, r1;

	ASSERT_EQ(0, toy_pair(&lfd, &cfd, &sfd, &lport, &cport));
	r0 = toy_get_int(sfd, SOL_SOCKET, SO_RCVBUF);
	ASSERT_LT(0, r0);
	ASSERT_EQ(0, autotune_transfer(dup(cfd), sfd));
	r1 = toy_get_int(sfd, SOL_SOCKET, SO_RCVBUF);
	EXPECT_LT(r0, r1) TH_LOG("SO_RCVBUF %d -> %d", r0, r1);
	EXPECT_LE(r1, 6 << 20);
	close(cfd);
	close(sfd);
	close(lfd);
}

/*
 * The sender's follows its congestion window, which grows only where it
 * is the limit: the receiver's window is made large (SO_RCVBUFFORCE, root)
 * so that it is not.
 */
TEST(autotune_grows_sndbuf)
{
	int lfd, cfd = -1, sfd, lport, s0, s1;

	lfd = toy_listener(TOY_LO, 8, &lport);
	ASSERT_LE(0, lfd);
	if (toy_set_int(lfd, SOL_SOCKET, SO_RCVBUFFORCE, 16 << 20))
		SKIP(close(lfd); return, "SO_RCVBUFFORCE needs CAP_NET_ADMIN");
	cfd = toy_socket();
	ASSERT_LE(0, cfd);
	ASSERT_EQ(0, toy_connect(cfd, TOY_LO, lport));
	sfd = toy_accept(lfd);
	ASSERT_LE(0, sfd);
	s0 = toy_get_int(cfd, SOL_SOCKET, SO_SNDBUF);
	ASSERT_LT(0, s0);
	ASSERT_EQ(0, autotune_transfer(dup(cfd), sfd));
	s1 = toy_get_int(cfd, SOL_SOCKET, SO_SNDBUF);
	EXPECT_LT(s0, s1) TH_LOG("SO_SNDBUF %d -> %d", s0, s1);
	EXPECT_LE(s1, 4 << 20);
	close(cfd);
	close(sfd);
	close(lfd);
}

TEST(autotune_leaves_so_rcvbuf)
{
	int lfd, cfd = -1, sfd, lport, r0, r1;

	lfd = toy_listener(TOY_LO, 8, &lport);
	ASSERT_LE(0, lfd);
	ASSERT_EQ(0, toy_set_int(lfd, SOL_SOCKET, SO_RCVBUF, 65536));
	cfd = toy_socket();
	ASSERT_LE(0, cfd);
	ASSERT_EQ(0, toy_connect(cfd, TOY_LO, lport));
	sfd = toy_accept(lfd);
	ASSERT_LE(0, sfd);
	r0 = toy_get_int(sfd, SOL_SOCKET, SO_RCVBUF);
	EXPECT_EQ(2 * 65536, r0);
	ASSERT_EQ(0, autotune_transfer(dup(cfd), sfd));
	r1 = toy_get_int(sfd, SOL_SOCKET, SO_RCVBUF);
	EXPECT_EQ(r0, r1);
	close(cfd);
	close(sfd);
	close(lfd);
}

TEST_HARNESS_MAIN
