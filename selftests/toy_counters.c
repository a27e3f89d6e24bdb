// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/net/toy_stat counters move by the expected amounts. Every test
 * first waits until no AF_TOY socket is left (earlier TIME_WAITs expire in
 * 200 ms), so nothing else moves the counters while it measures.
 */
#define _GNU_SOURCE
#include "toy_test.h"
#include "toy_harness.h"

#define IDLE_MS		3000

#define DELTA(name)	toy_stats_delta(&s0, &s1, name)

static const char *const all_counters[] = {
	"ActiveOpens", "PassiveOpens", "AttemptFails", "EstabResets",
	"CurrEstab", "InSegs", "OutSegs", "RetransSegs", "InErrs",
	"InCsumErrors", "OutRsts", "InNoSocket", "ListenOverflows",
	"ListenDrops", "RcvQDrops", "OutOfWindow",
};

/* The file has exactly the documented counters, each once. */
TEST(stat_format)
{
	struct toy_stats s;
	unsigned int i;
	int j, k;

	ASSERT_EQ(0, toy_stats_read(&s));
	for (i = 0; i < sizeof(all_counters) / sizeof(all_counters[0]); i++) {
		const char *name = all_counters[i];

		if (toy_stats_get(&s, name) < 0)
			TH_LOG("counter %s missing", name);
		EXPECT_LE(0, toy_stats_get(&s, name));
	}
	for (j = 0; j < s.n; j++)
		for (k = 0; k < j; k++)
			EXPECT_NE(0, strcmp(s.name[j], s.name[k]));
	/* More counters may follow the ones every reader can rely on. */
	EXPECT_LE((int)(sizeof(all_counters) / sizeof(all_counters[0])), s.n);
}

TEST(full_connection)
{
	int lfd, cfd, sfd, lport, cport;
	struct toy_stats s0, s1;
	char buf[100] = { 0 };

	ASSERT_EQ(0, toy_wait_idle(IDLE_MS)) TH_LOG("AF_TOY sockets left over");
	ASSERT_EQ(0, toy_stats_read(&s0));
	ASSERT_EQ(0, toy_pair(&lfd, &cfd, &sfd, &lport, &cport));
	ASSERT_EQ(0, toy_stats_read(&s1));
	EXPECT_EQ(1, DELTA("ActiveOpens"));
	EXPECT_EQ(1, DELTA("PassiveOpens"));
	EXPECT_EQ(2, DELTA("CurrEstab"));
	EXPECT_EQ(0, DELTA("AttemptFails"));

	ASSERT_EQ(100, toy_send_all(cfd, buf, 100));
	ASSERT_EQ(100, toy_recv_all(sfd, buf, 100));
	ASSERT_EQ(100, toy_send_all(sfd, buf, 100));
	ASSERT_EQ(100, toy_recv_all(cfd, buf, 100));
	ASSERT_EQ(0, toy_stats_read(&s1));
	EXPECT_EQ(2, DELTA("CurrEstab"));

	close(cfd);
	ASSERT_EQ(0, recv(sfd, buf, 1, 0));
	close(sfd);
	close(lfd);
	ASSERT_EQ(0, toy_wait_idle(IDLE_MS)) TH_LOG("TIME_WAIT never ended");
	ASSERT_EQ(0, toy_stats_read(&s1));
	EXPECT_EQ(0, DELTA("CurrEstab"));
	EXPECT_EQ(1, DELTA("ActiveOpens"));
	EXPECT_EQ(1, DELTA("PassiveOpens"));
	EXPECT_EQ(0, DELTA("EstabResets"));
	EXPECT_EQ(0, DELTA("AttemptFails"));
	EXPECT_EQ(0, DELTA("OutRsts"));
	EXPECT_EQ(0, DELTA("InErrs"));
	EXPECT_EQ(0, DELTA("InNoSocket"));
	/* over loopback every segment sent is also received */
	EXPECT_EQ(DELTA("OutSegs"), DELTA("InSegs"));
	/* SYN, SYN|ACK, ACK, two data, two FINs at the very least */
	EXPECT_LE(7, DELTA("OutSegs"));
}

TEST(refused)
{
	int hold, fd, port;
	struct toy_stats s0, s1;

	ASSERT_EQ(0, toy_wait_idle(IDLE_MS)) TH_LOG("AF_TOY sockets left over");
	hold = toy_socket();
	ASSERT_LE(0, hold);
	ASSERT_EQ(0, toy_bind(hold, TOY_LO, 0));
	port = toy_local_port(hold);
	fd = toy_socket();
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, toy_stats_read(&s0));
	ASSERT_EQ(-1, toy_connect(fd, TOY_LO, port));
	ASSERT_EQ(ECONNREFUSED, errno);
	/* the SYN and the RST, each counted out and in */
	ASSERT_EQ(0, toy_stats_wait(&s0, &s1, "InSegs", 2, TOY_WAIT_MS));
	ASSERT_EQ(0, toy_stats_wait(&s0, &s1, "OutSegs", 2, TOY_WAIT_MS));
	EXPECT_EQ(1, DELTA("AttemptFails"));
	EXPECT_EQ(1, DELTA("OutRsts"));
	EXPECT_EQ(1, DELTA("InNoSocket"));
	EXPECT_EQ(0, DELTA("CurrEstab"));
	EXPECT_EQ(0, DELTA("PassiveOpens"));
	EXPECT_EQ(0, DELTA("EstabResets"));
	EXPECT_EQ(DELTA("OutSegs"), DELTA("InSegs"));
	EXPECT_EQ(2, DELTA("OutSegs"));
	close(fd);
	close(hold);
}

TEST(syn_timeout)
{
	struct toy_stats s0, s1;
	int fd;

	if (toy_dummy_setup())
		SKIP(return, "cannot create dummy interface " TOY_DUMMY_IF);
	ASSERT_EQ(0, toy_wait_idle(IDLE_MS)) TH_LOG("AF_TOY sockets left over");
	fd = toy_socket();
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, toy_fast_syn(fd));
	ASSERT_EQ(0, toy_stats_read(&s0));
	ASSERT_EQ(-1, toy_connect(fd, inet_addr(TOY_DUMMY_PEER), 9));
	ASSERT_EQ(ETIMEDOUT, errno);
	ASSERT_EQ(0, toy_stats_read(&s1));
	EXPECT_EQ(1, DELTA("ActiveOpens"));
	EXPECT_EQ(1, DELTA("AttemptFails"));
	/* TOY_SYN_RETRIES=1: one retransmission, then give up */
	EXPECT_EQ(1, DELTA("RetransSegs"));
	EXPECT_EQ(0, DELTA("InSegs"));
	EXPECT_EQ(0, DELTA("CurrEstab"));
	close(fd);
}

/* The peer aborts an established connection. */
TEST(reset)
{
	int lfd, cfd, sfd, lport, cport;
	struct linger lg = { 1, 0 };
	struct toy_stats s0, s1;
	char c;

	ASSERT_EQ(0, toy_wait_idle(IDLE_MS)) TH_LOG("AF_TOY sockets left over");
	ASSERT_EQ(0, toy_stats_read(&s0));
	ASSERT_EQ(0, toy_pair(&lfd, &cfd, &sfd, &lport, &cport));
	ASSERT_EQ(0, setsockopt(sfd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)));
	close(sfd);
	ASSERT_EQ(-1, recv(cfd, &c, 1, 0));
	ASSERT_EQ(ECONNRESET, errno);
	close(cfd);
	close(lfd);
	ASSERT_EQ(0, toy_wait_idle(IDLE_MS));
	ASSERT_EQ(0, toy_stats_read(&s1));
	EXPECT_EQ(1, DELTA("OutRsts"));
	/* the receiver's count; an implementation may also count the sender's */
	EXPECT_LE(1, DELTA("EstabResets"));
	EXPECT_GE(2, DELTA("EstabResets"));
	EXPECT_EQ(0, DELTA("CurrEstab"));
	EXPECT_EQ(DELTA("OutSegs"), DELTA("InSegs"));
}

/* CurrEstab follows the number of live connections. */
TEST(curr_estab_many)
{
	int lfd, lport, cfd[4], sfd[4], i;
	long long base;

	ASSERT_EQ(0, toy_wait_idle(IDLE_MS)) TH_LOG("AF_TOY sockets left over");
	base = toy_stat("CurrEstab");
	ASSERT_LE(0, base);
	lfd = toy_listener(TOY_LO, 4, &lport);
	ASSERT_LE(0, lfd);
	for (i = 0; i < 4; i++) {
		cfd[i] = toy_socket();
		ASSERT_LE(0, cfd[i]);
		ASSERT_EQ(0, toy_connect(cfd[i], TOY_LO, lport));
		sfd[i] = toy_accept(lfd);
		ASSERT_LE(0, sfd[i]);
		EXPECT_EQ(base + 2 * (i + 1), toy_stat("CurrEstab"));
	}
	for (i = 0; i < 4; i++) {
		close(cfd[i]);
		close(sfd[i]);
	}
	close(lfd);
	ASSERT_EQ(0, toy_wait_idle(IDLE_MS));
	EXPECT_EQ(base, toy_stat("CurrEstab"));
}

TEST_HARNESS_MAIN
