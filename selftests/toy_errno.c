// SPDX-License-Identifier: GPL-2.0
/*
 * The errno matrix of AF_TOY: every socket call in every state where it can
 * be made, asserting the exact errno the spec (docs, mirroring AF_INET/TCP)
 * promises.
 */
#define _GNU_SOURCE
#include <limits.h>
#include <signal.h>
#include <sys/types.h>

#include "toy_test.h"
#include "toy_harness.h"

#define NA	(-1)	/* combination not applicable: nothing to check */

/* ---- socket() ------------------------------------------------------------ */

FIXTURE(create) {
	int fd;
};

FIXTURE_VARIANT(create) {
	int type;
	int proto;	/* -1: the ipproto in force (253) */
	int err;
};

FIXTURE_VARIANT_ADD(create, stream_0) { SOCK_STREAM, 0, 0 };
FIXTURE_VARIANT_ADD(create, stream_ipproto) { SOCK_STREAM, -1, 0 };
FIXTURE_VARIANT_ADD(create, stream_nonblock_cloexec) {
	SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, 0 };
FIXTURE_VARIANT_ADD(create, stream_tcp) { SOCK_STREAM, IPPROTO_TCP, EPROTONOSUPPORT };
FIXTURE_VARIANT_ADD(create, stream_udp) { SOCK_STREAM, IPPROTO_UDP, EPROTONOSUPPORT };
FIXTURE_VARIANT_ADD(create, dgram) { SOCK_DGRAM, 0, ESOCKTNOSUPPORT };
FIXTURE_VARIANT_ADD(create, raw) { SOCK_RAW, 0, ESOCKTNOSUPPORT };
FIXTURE_VARIANT_ADD(create, seqpacket) { SOCK_SEQPACKET, 0, ESOCKTNOSUPPORT };
FIXTURE_VARIANT_ADD(create, rdm) { SOCK_RDM, 0, ESOCKTNOSUPPORT };

FIXTURE_SETUP(create)
{
	self->fd = -1;
}

FIXTURE_TEARDOWN(create)
{
	toy_close(&self->fd);
}

TEST_F(create, socket)
{
	int proto = variant->proto < 0 ? toy_ipproto() : variant->proto;

	self->fd = socket(toy_family(), variant->type, proto);
	if (variant->err) {
		ASSERT_EQ(-1, self->fd);
		ASSERT_EQ(variant->err, errno);
		return;
	}
	ASSERT_LE(0, self->fd) TH_LOG("socket: %s", strerror(errno));
	EXPECT_EQ(SOCK_STREAM, toy_get_int(self->fd, SOL_SOCKET, SO_TYPE));
	EXPECT_EQ(toy_family(), toy_get_int(self->fd, SOL_SOCKET, SO_DOMAIN));
	EXPECT_EQ(0, toy_get_int(self->fd, SOL_SOCKET, SO_ERROR));
	EXPECT_EQ(!!(variant->type & SOCK_NONBLOCK),
		  !!(fcntl(self->fd, F_GETFL) & O_NONBLOCK));
	EXPECT_EQ(!!(variant->type & SOCK_CLOEXEC),
		  !!(fcntl(self->fd, F_GETFD) & FD_CLOEXEC));
}

/* ---- address validation: bind() and connect() ------------------------------ */

FIXTURE(addr) {
	int fd, lfd, lport;
};

FIXTURE_VARIANT(addr) {
	const char *ip;
	int family;		/* 0: AF_TOY in force, -1: AF_UNSPEC (0) */
	int ipver;		/* 0: TOY_IPVER_4, else stoy_ipver = ipver & 0xff */
	int zero_mask;		/* stoy_zero[i] = 1 for each bit i */
	int v6_idx;		/* stoy_addr.v6[i] = 1 if nonzero (i >= 4) */
	uint32_t scope;
	int len_delta;		/* addrlen = sizeof + len_delta */
	int bind_err;
	int connect_err;	/* connecting to a live listener; NA: skip */
};

#define ADDR(_ip) .ip = _ip
FIXTURE_VARIANT_ADD(addr, loopback) { ADDR("127.0.0.1"), .bind_err = 0, .connect_err = 0 };
FIXTURE_VARIANT_ADD(addr, any) { ADDR("0.0.0.0"), .bind_err = 0, .connect_err = NA };
FIXTURE_VARIANT_ADD(addr, len_long) {
	ADDR("127.0.0.1"), .len_delta = 4, .bind_err = 0, .connect_err = 0 };
FIXTURE_VARIANT_ADD(addr, len_short) {
	ADDR("127.0.0.1"), .len_delta = -1, .bind_err = EINVAL, .connect_err = EINVAL };
FIXTURE_VARIANT_ADD(addr, len_sockaddr) {
	ADDR("127.0.0.1"), .len_delta = 16 - (int)sizeof(struct sockaddr_toy),
	.bind_err = EINVAL, .connect_err = EINVAL };
FIXTURE_VARIANT_ADD(addr, len_family_only) {
	ADDR("127.0.0.1"), .len_delta = 2 - (int)sizeof(struct sockaddr_toy),
	.bind_err = EINVAL, .connect_err = EINVAL };
FIXTURE_VARIANT_ADD(addr, family_inet) {
	ADDR("127.0.0.1"), .family = AF_INET,
	.bind_err = EAFNOSUPPORT, .connect_err = EAFNOSUPPORT };
FIXTURE_VARIANT_ADD(addr, family_unspec) {
	ADDR("127.0.0.1"), .family = -1,
	.bind_err = EAFNOSUPPORT, .connect_err = NA };
/* 7f00:1:: as an IPv6 address: not this host's, and no route to it. */
FIXTURE_VARIANT_ADD(addr, ipver6) {
	ADDR("127.0.0.1"), .ipver = TOY_IPVER_6,
	.bind_err = EADDRNOTAVAIL, .connect_err = ENETUNREACH };
FIXTURE_VARIANT_ADD(addr, ipver0) {
	ADDR("127.0.0.1"), .ipver = 0x100, .bind_err = EINVAL, .connect_err = EINVAL };
FIXTURE_VARIANT_ADD(addr, ipver5) {
	ADDR("127.0.0.1"), .ipver = 5, .bind_err = EINVAL, .connect_err = EINVAL };
FIXTURE_VARIANT_ADD(addr, ipver255) {
	ADDR("127.0.0.1"), .ipver = 255, .bind_err = EINVAL, .connect_err = EINVAL };
FIXTURE_VARIANT_ADD(addr, zero0) {
	ADDR("127.0.0.1"), .zero_mask = 1, .bind_err = EINVAL, .connect_err = EINVAL };
FIXTURE_VARIANT_ADD(addr, zero2) {
	ADDR("127.0.0.1"), .zero_mask = 4, .bind_err = EINVAL, .connect_err = EINVAL };
FIXTURE_VARIANT_ADD(addr, v6_tail4) {
	ADDR("127.0.0.1"), .v6_idx = 4, .bind_err = EINVAL, .connect_err = EINVAL };
FIXTURE_VARIANT_ADD(addr, v6_tail15) {
	ADDR("127.0.0.1"), .v6_idx = 15, .bind_err = EINVAL, .connect_err = EINVAL };
FIXTURE_VARIANT_ADD(addr, scope_id) {
	ADDR("127.0.0.1"), .scope = 1, .bind_err = EINVAL, .connect_err = EINVAL };
FIXTURE_VARIANT_ADD(addr, not_local) {
	ADDR("192.0.2.1"), .bind_err = EADDRNOTAVAIL, .connect_err = NA };

FIXTURE_SETUP(addr)
{
	self->fd = toy_socket();
	ASSERT_LE(0, self->fd);
	self->lfd = toy_listener(TOY_LO, 4, &self->lport);
	ASSERT_LE(0, self->lfd);
}

FIXTURE_TEARDOWN(addr)
{
	toy_close(&self->fd);
	toy_close(&self->lfd);
}

/* Builds the variant's address in a buffer big enough for len_long. */
static socklen_t addr_build(const FIXTURE_VARIANT(addr) *v, uint16_t port,
			    char buf[64])
{
	struct sockaddr_toy sa = toy_sa(inet_addr(v->ip), port);
	int i;

	if (v->family)
		sa.stoy_family = v->family < 0 ? AF_UNSPEC : v->family;
	if (v->ipver)
		sa.stoy_ipver = v->ipver & 0xff;
	for (i = 0; i < 3; i++)
		if (v->zero_mask & (1 << i))
			sa.stoy_zero[i] = 1;
	if (v->v6_idx)
		sa.stoy_addr.v6[v->v6_idx] = 1;
	sa.stoy_scope_id = v->scope;
	memset(buf, 0, 64);
	memcpy(buf, &sa, sizeof(sa));
	return sizeof(sa) + v->len_delta;
}

TEST_F(addr, bind)
{
	struct sockaddr_toy got;
	socklen_t len = sizeof(got);
	int lo, hi, port;
	char buf[64];

	len = addr_build(variant, 0, buf);
	if (variant->bind_err) {
		ASSERT_EQ(-1, bind(self->fd, (struct sockaddr *)buf, len));
		ASSERT_EQ(variant->bind_err, errno);
		/* a refused bind leaves the socket unbound */
		ASSERT_EQ(0, toy_local_port(self->fd));
		return;
	}
	ASSERT_EQ(0, bind(self->fd, (struct sockaddr *)buf, len))
		TH_LOG("bind: %s", strerror(errno));
	len = sizeof(got);
	ASSERT_EQ(0, getsockname(self->fd, (struct sockaddr *)&got, &len));
	EXPECT_EQ(sizeof(got), len);
	EXPECT_EQ(toy_family(), got.stoy_family);
	EXPECT_EQ(TOY_IPVER_4, got.stoy_ipver);
	EXPECT_EQ(inet_addr(variant->ip), got.stoy_addr.v4);
	toy_eph_range(&lo, &hi);
	port = ntohs(got.stoy_port);
	EXPECT_LE(lo, port);
	EXPECT_GE(hi, port);
}

TEST_F(addr, connect)
{
	socklen_t len;
	char buf[64];
	int afd;

	if (variant->connect_err == NA)
		return;
	len = addr_build(variant, self->lport, buf);
	if (variant->connect_err) {
		ASSERT_EQ(-1, connect(self->fd, (struct sockaddr *)buf, len));
		ASSERT_EQ(variant->connect_err, errno);
		/* nothing reached the listener */
		toy_sleep_ms(20);
		EXPECT_EQ(0, toy_poll(self->lfd, POLLIN, 0));
		return;
	}
	ASSERT_EQ(0, connect(self->fd, (struct sockaddr *)buf, len))
		TH_LOG("connect: %s", strerror(errno));
	afd = toy_accept(self->lfd);
	ASSERT_LE(0, afd);
	close(afd);
}

/* ---- bind() in other states ------------------------------------------------ */

TEST(bind_twice)
{
	int fd = toy_socket();

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, toy_bind(fd, TOY_LO, 0));
	ASSERT_EQ(-1, toy_bind(fd, TOY_LO, 0));
	ASSERT_EQ(EINVAL, errno);
	ASSERT_EQ(-1, toy_bind(fd, TOY_ANY, 0));
	ASSERT_EQ(EINVAL, errno);
	close(fd);
}

TEST(bind_connected)
{
	int lfd, cfd, sfd, lport, cport;

	ASSERT_EQ(0, toy_pair(&lfd, &cfd, &sfd, &lport, &cport));
	ASSERT_EQ(-1, toy_bind(cfd, TOY_LO, 0));
	ASSERT_EQ(EINVAL, errno);
	ASSERT_EQ(-1, toy_bind(sfd, TOY_LO, 0));
	ASSERT_EQ(EINVAL, errno);
	ASSERT_EQ(-1, toy_bind(lfd, TOY_LO, 0));
	ASSERT_EQ(EINVAL, errno);
	close(cfd);
	close(sfd);
	close(lfd);
}

TEST(bind_after_autobind_listen)
{
	int fd = toy_socket();

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, listen(fd, 1));
	ASSERT_EQ(-1, toy_bind(fd, TOY_LO, 0));
	ASSERT_EQ(EINVAL, errno);
	close(fd);
}

/* Ephemeral ports are distinct and inside ip_local_port_range. */
TEST(bind_ephemeral_range)
{
	int fd[16], port[16], lo, hi, i, j;

	toy_eph_range(&lo, &hi);
	for (i = 0; i < 16; i++) {
		fd[i] = toy_socket();
		ASSERT_LE(0, fd[i]);
		ASSERT_EQ(0, toy_bind(fd[i], i % 2 ? TOY_LO : TOY_ANY, 0));
		port[i] = toy_local_port(fd[i]);
		EXPECT_LE(lo, port[i]);
		EXPECT_GE(hi, port[i]);
		for (j = 0; j < i; j++)
			EXPECT_NE(port[j], port[i]);
	}
	for (i = 0; i < 16; i++)
		close(fd[i]);
}

/* EADDRINUSE with and without SO_REUSEADDR. */
FIXTURE(reuse) {
	int fd1, fd2;
};

FIXTURE_VARIANT(reuse) {
	const char *ip1, *ip2;
	int reuse1, reuse2, listen1;
	int err;
};

FIXTURE_VARIANT_ADD(reuse, same_addr) { "127.0.0.1", "127.0.0.1", 0, 0, 0, EADDRINUSE };
FIXTURE_VARIANT_ADD(reuse, any_then_lo) { "0.0.0.0", "127.0.0.1", 0, 0, 0, EADDRINUSE };
FIXTURE_VARIANT_ADD(reuse, lo_then_any) { "127.0.0.1", "0.0.0.0", 0, 0, 0, EADDRINUSE };
FIXTURE_VARIANT_ADD(reuse, any_then_any) { "0.0.0.0", "0.0.0.0", 0, 0, 0, EADDRINUSE };
FIXTURE_VARIANT_ADD(reuse, first_reuse_only) { "127.0.0.1", "127.0.0.1", 1, 0, 0, EADDRINUSE };
FIXTURE_VARIANT_ADD(reuse, second_reuse_only) { "127.0.0.1", "127.0.0.1", 0, 1, 0, EADDRINUSE };
FIXTURE_VARIANT_ADD(reuse, both_reuse) { "127.0.0.1", "127.0.0.1", 1, 1, 0, 0 };
FIXTURE_VARIANT_ADD(reuse, both_reuse_any_lo) { "0.0.0.0", "127.0.0.1", 1, 1, 0, 0 };
FIXTURE_VARIANT_ADD(reuse, both_reuse_listening) {
	"127.0.0.1", "127.0.0.1", 1, 1, 1, EADDRINUSE };
FIXTURE_VARIANT_ADD(reuse, listening) { "127.0.0.1", "127.0.0.1", 0, 0, 1, EADDRINUSE };

FIXTURE_SETUP(reuse)
{
	self->fd1 = toy_socket();
	self->fd2 = toy_socket();
	ASSERT_LE(0, self->fd1);
	ASSERT_LE(0, self->fd2);
}

FIXTURE_TEARDOWN(reuse)
{
	toy_close(&self->fd1);
	toy_close(&self->fd2);
}

TEST_F(reuse, bind_same_port)
{
	int port;

	ASSERT_EQ(0, toy_set_int(self->fd1, SOL_SOCKET, SO_REUSEADDR,
				 variant->reuse1));
	ASSERT_EQ(0, toy_set_int(self->fd2, SOL_SOCKET, SO_REUSEADDR,
				 variant->reuse2));
	ASSERT_EQ(0, toy_bind(self->fd1, inet_addr(variant->ip1), 0));
	port = toy_local_port(self->fd1);
	ASSERT_LT(0, port);
	if (variant->listen1)
		ASSERT_EQ(0, listen(self->fd1, 1));
	if (variant->err) {
		ASSERT_EQ(-1, toy_bind(self->fd2, inet_addr(variant->ip2), port));
		ASSERT_EQ(variant->err, errno);
	} else {
		ASSERT_EQ(0, toy_bind(self->fd2, inet_addr(variant->ip2), port))
			TH_LOG("bind: %s", strerror(errno));
		ASSERT_EQ(port, toy_local_port(self->fd2));
	}
}

/* The port is free again once its owner is closed. */
TEST(bind_port_freed_by_close)
{
	int fd1 = toy_socket(), fd2 = toy_socket(), port;

	ASSERT_LE(0, fd1);
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, toy_bind(fd1, TOY_LO, 0));
	port = toy_local_port(fd1);
	close(fd1);
	ASSERT_EQ(0, toy_bind(fd2, TOY_LO, port)) TH_LOG("%s", strerror(errno));
	close(fd2);
}

/* Privileged ports. Each TEST runs in its own child, so dropping is local. */
static int drop_privileges(void)
{
	if (setresgid(65534, 65534, 65534))
		return -1;
	return setresuid(65534, 65534, 65534);
}

FIXTURE(lowport) {
	int fd;
};

FIXTURE_VARIANT(lowport) {
	int port;
	int unprivileged;
	int err;
};

FIXTURE_VARIANT_ADD(lowport, root_1023) { 1023, 0, 0 };
FIXTURE_VARIANT_ADD(lowport, nobody_1) { 1, 1, EACCES };
FIXTURE_VARIANT_ADD(lowport, nobody_1023) { 1023, 1, EACCES };
FIXTURE_VARIANT_ADD(lowport, nobody_1024) { 1024, 1, 0 };
FIXTURE_VARIANT_ADD(lowport, nobody_0) { 0, 1, 0 };

FIXTURE_SETUP(lowport)
{
	self->fd = -1;
}

FIXTURE_TEARDOWN(lowport)
{
	toy_close(&self->fd);
}

TEST_F(lowport, bind)
{
	int fd2;

	/* One socket made while privileged, one after dropping. */
	self->fd = toy_socket();
	ASSERT_LE(0, self->fd);
	if (variant->unprivileged)
		ASSERT_EQ(0, drop_privileges());
	fd2 = toy_socket();
	ASSERT_LE(0, fd2);
	if (variant->err) {
		ASSERT_EQ(-1, toy_bind(self->fd, TOY_LO, variant->port));
		ASSERT_EQ(variant->err, errno);
		ASSERT_EQ(-1, toy_bind(fd2, TOY_LO, variant->port));
		ASSERT_EQ(variant->err, errno);
	} else {
		ASSERT_EQ(0, toy_bind(fd2, TOY_LO, variant->port))
			TH_LOG("bind: %s", strerror(errno));
		if (variant->port)
			ASSERT_EQ(variant->port, toy_local_port(fd2));
	}
	close(fd2);
}

/* ---- listen() ------------------------------------------------------------ */

TEST(listen_unbound_autobinds)
{
	struct sockaddr_toy sa;
	socklen_t len = sizeof(sa);
	struct toy_row r;
	int fd = toy_socket(), lo, hi, port;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, listen(fd, 4));
	ASSERT_EQ(0, getsockname(fd, (struct sockaddr *)&sa, &len));
	port = ntohs(sa.stoy_port);
	toy_eph_range(&lo, &hi);
	EXPECT_LE(lo, port);
	EXPECT_GE(hi, port);
	EXPECT_EQ(TOY_ANY, sa.stoy_addr.v4);
	ASSERT_EQ(1, toy_find(port, 0, &r));
	EXPECT_EQ(TOY_ST_LISTEN, r.state);
	EXPECT_EQ(0U, r.laddr);
	close(fd);
}

TEST(listen_twice)
{
	int fd = toy_socket();

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, toy_bind(fd, TOY_LO, 0));
	ASSERT_EQ(0, listen(fd, 1));
	ASSERT_EQ(0, listen(fd, 16));
	close(fd);
}

TEST(listen_connected)
{
	int lfd, cfd, sfd, lport, cport;

	ASSERT_EQ(0, toy_pair(&lfd, &cfd, &sfd, &lport, &cport));
	ASSERT_EQ(-1, listen(cfd, 1));
	ASSERT_EQ(EINVAL, errno);
	ASSERT_EQ(-1, listen(sfd, 1));
	ASSERT_EQ(EINVAL, errno);
	close(cfd);
	close(sfd);
	close(lfd);
}

TEST(listen_connecting)
{
	int fd;

	if (toy_dummy_setup())
		SKIP(return, "cannot create dummy interface " TOY_DUMMY_IF);
	fd = toy_socket_flags(SOCK_NONBLOCK);
	ASSERT_LE(0, fd);
	ASSERT_EQ(-1, toy_connect(fd, inet_addr(TOY_DUMMY_PEER), 9));
	ASSERT_EQ(EINPROGRESS, errno);
	ASSERT_EQ(-1, listen(fd, 1));
	ASSERT_EQ(EINVAL, errno);
	close(fd);
}

/* ---- accept() ------------------------------------------------------------ */

TEST(accept_unbound)
{
	int fd = toy_socket();

	ASSERT_LE(0, fd);
	ASSERT_EQ(-1, accept(fd, NULL, NULL));
	ASSERT_EQ(EINVAL, errno);
	close(fd);
}

TEST(accept_bound_not_listening)
{
	int fd = toy_socket();

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, toy_bind(fd, TOY_LO, 0));
	ASSERT_EQ(-1, accept(fd, NULL, NULL));
	ASSERT_EQ(EINVAL, errno);
	close(fd);
}

TEST(accept_connected)
{
	int lfd, cfd, sfd, lport, cport;

	ASSERT_EQ(0, toy_pair(&lfd, &cfd, &sfd, &lport, &cport));
	ASSERT_EQ(-1, accept(cfd, NULL, NULL));
	ASSERT_EQ(EINVAL, errno);
	ASSERT_EQ(-1, accept(sfd, NULL, NULL));
	ASSERT_EQ(EINVAL, errno);
	close(cfd);
	close(sfd);
	close(lfd);
}

TEST(accept_nonblock_empty)
{
	int fd = toy_socket_flags(SOCK_NONBLOCK), port;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, toy_bind(fd, TOY_LO, 0));
	ASSERT_EQ(0, listen(fd, 1));
	ASSERT_EQ(-1, accept(fd, NULL, NULL));
	ASSERT_EQ(EAGAIN, errno);
	close(fd);

	/* the same through fcntl(O_NONBLOCK) on a blocking listener */
	fd = toy_listener(TOY_LO, 1, &port);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK));
	ASSERT_EQ(-1, accept4(fd, NULL, NULL, SOCK_CLOEXEC));
	ASSERT_EQ(EAGAIN, errno);
	close(fd);
}

TEST(accept_rcvtimeo)
{
	int fd, port;
	long t0, dt;

	fd = toy_listener(TOY_LO, 1, &port);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, toy_set_timeouts(fd, 150));
	t0 = toy_now_ms();
	ASSERT_EQ(-1, accept(fd, NULL, NULL));
	ASSERT_EQ(EAGAIN, errno);
	dt = toy_now_ms() - t0;
	EXPECT_LE(130, dt);
	EXPECT_GE(2000, dt);
	close(fd);
}

TEST(accept4_bad_flags)
{
	int fd, port;

	fd = toy_listener(TOY_LO, 1, &port);
	ASSERT_LE(0, fd);
	ASSERT_EQ(-1, accept4(fd, NULL, NULL, O_APPEND));
	ASSERT_EQ(EINVAL, errno);
	close(fd);
}

FIXTURE(accept_flags) {
	int lfd, cfd, afd, lport;
};

FIXTURE_VARIANT(accept_flags) {
	int flags;
};

FIXTURE_VARIANT_ADD(accept_flags, none) { 0 };
FIXTURE_VARIANT_ADD(accept_flags, nonblock) { SOCK_NONBLOCK };
FIXTURE_VARIANT_ADD(accept_flags, cloexec) { SOCK_CLOEXEC };
FIXTURE_VARIANT_ADD(accept_flags, nonblock_cloexec) { SOCK_NONBLOCK | SOCK_CLOEXEC };

FIXTURE_SETUP(accept_flags)
{
	self->afd = self->cfd = -1;
	self->lfd = toy_listener(TOY_LO, 4, &self->lport);
	ASSERT_LE(0, self->lfd);
	self->cfd = toy_socket();
	ASSERT_LE(0, self->cfd);
	ASSERT_EQ(0, toy_connect(self->cfd, TOY_LO, self->lport));
}

FIXTURE_TEARDOWN(accept_flags)
{
	toy_close(&self->afd);
	toy_close(&self->cfd);
	toy_close(&self->lfd);
}

TEST_F(accept_flags, flags_and_peer)
{
	struct sockaddr_toy sa;
	socklen_t len;

	memset(&sa, 0xaa, sizeof(sa));
	len = sizeof(sa);
	self->afd = accept4(self->lfd, (struct sockaddr *)&sa, &len,
			    variant->flags);
	ASSERT_LE(0, self->afd) TH_LOG("accept4: %s", strerror(errno));
	EXPECT_EQ(!!(variant->flags & SOCK_NONBLOCK),
		  !!(fcntl(self->afd, F_GETFL) & O_NONBLOCK));
	EXPECT_EQ(!!(variant->flags & SOCK_CLOEXEC),
		  !!(fcntl(self->afd, F_GETFD) & FD_CLOEXEC));
	EXPECT_EQ(sizeof(sa), len);
	EXPECT_EQ(toy_family(), sa.stoy_family);
	EXPECT_EQ(TOY_IPVER_4, sa.stoy_ipver);
	EXPECT_EQ(TOY_LO, sa.stoy_addr.v4);
	EXPECT_EQ(toy_local_port(self->cfd), ntohs(sa.stoy_port));
	EXPECT_EQ(0, sa.stoy_zero[0] | sa.stoy_zero[1] | sa.stoy_zero[2]);
	EXPECT_EQ(0U, sa.stoy_scope_id);
	if (variant->flags & SOCK_NONBLOCK) {
		char c;

		ASSERT_EQ(-1, recv(self->afd, &c, 1, 0));
		ASSERT_EQ(EAGAIN, errno);
	}
}

/* ---- connect() ----------------------------------------------------------- */

TEST(connect_refused)
{
	int hold = toy_socket(), fd = toy_socket(), port;

	ASSERT_LE(0, hold);
	ASSERT_LE(0, fd);
	/* a bound, non-listening socket reserves a port nobody listens on */
	ASSERT_EQ(0, toy_bind(hold, TOY_LO, 0));
	port = toy_local_port(hold);
	ASSERT_EQ(-1, toy_connect(fd, TOY_LO, port));
	ASSERT_EQ(ECONNREFUSED, errno);
	ASSERT_EQ(0, toy_get_int(fd, SOL_SOCKET, SO_ERROR));
	close(fd);
	close(hold);
}

TEST(connect_refused_port0)
{
	int fd = toy_socket();

	ASSERT_LE(0, fd);
	ASSERT_EQ(-1, toy_connect(fd, TOY_LO, 0));
	ASSERT_EQ(ECONNREFUSED, errno);
	close(fd);
}

TEST(connect_listener)
{
	int fd, port;

	fd = toy_listener(TOY_LO, 1, &port);
	ASSERT_LE(0, fd);
	ASSERT_EQ(-1, toy_connect(fd, TOY_LO, port));
	ASSERT_EQ(EISCONN, errno);
	close(fd);
}

TEST(connect_established)
{
	int lfd, cfd, sfd, lport, cport;

	ASSERT_EQ(0, toy_pair(&lfd, &cfd, &sfd, &lport, &cport));
	ASSERT_EQ(-1, toy_connect(cfd, TOY_LO, lport));
	ASSERT_EQ(EISCONN, errno);
	ASSERT_EQ(-1, toy_connect(sfd, TOY_LO, cport));
	ASSERT_EQ(EISCONN, errno);
	close(cfd);
	close(sfd);
	close(lfd);
}

TEST(connect_nonblock_loopback)
{
	int lfd, fd, afd, lport, ev;

	lfd = toy_listener(TOY_LO, 4, &lport);
	ASSERT_LE(0, lfd);
	fd = toy_socket_flags(SOCK_NONBLOCK);
	ASSERT_LE(0, fd);
	ASSERT_EQ(-1, toy_connect(fd, TOY_LO, lport));
	ASSERT_EQ(EINPROGRESS, errno);
	ev = toy_poll(fd, POLLOUT, TOY_IO_MS);
	ASSERT_TRUE(ev & POLLOUT);
	ASSERT_FALSE(ev & POLLERR);
	ASSERT_EQ(0, toy_get_int(fd, SOL_SOCKET, SO_ERROR));
	/* As inet_stream_connect(): the next call completes, then EISCONN. */
	ASSERT_EQ(0, toy_connect(fd, TOY_LO, lport));
	ASSERT_EQ(-1, toy_connect(fd, TOY_LO, lport));
	ASSERT_EQ(EISCONN, errno);
	afd = toy_accept(lfd);
	ASSERT_LE(0, afd);
	close(afd);
	close(fd);
	close(lfd);
}

TEST(connect_nonblock_ealready)
{
	int fd;

	if (toy_dummy_setup())
		SKIP(return, "cannot create dummy interface " TOY_DUMMY_IF);
	fd = toy_socket_flags(SOCK_NONBLOCK);
	ASSERT_LE(0, fd);
	ASSERT_EQ(-1, toy_connect(fd, inet_addr(TOY_DUMMY_PEER), 9));
	ASSERT_EQ(EINPROGRESS, errno);
	ASSERT_EQ(-1, toy_connect(fd, inet_addr(TOY_DUMMY_PEER), 9));
	ASSERT_EQ(EALREADY, errno);
	EXPECT_EQ(0, toy_poll(fd, POLLOUT, 50));
	close(fd);
}

TEST(connect_nonblock_refused)
{
	int hold = toy_socket(), fd, port, ev;

	ASSERT_LE(0, hold);
	ASSERT_EQ(0, toy_bind(hold, TOY_LO, 0));
	port = toy_local_port(hold);
	fd = toy_socket_flags(SOCK_NONBLOCK);
	ASSERT_LE(0, fd);
	ASSERT_EQ(-1, toy_connect(fd, TOY_LO, port));
	ASSERT_EQ(EINPROGRESS, errno);
	ev = toy_poll(fd, POLLOUT, TOY_IO_MS);
	ASSERT_TRUE(ev & POLLERR) TH_LOG("revents %#x", ev);
	ASSERT_EQ(ECONNREFUSED, toy_get_int(fd, SOL_SOCKET, SO_ERROR));
	ASSERT_EQ(0, toy_get_int(fd, SOL_SOCKET, SO_ERROR));
	close(fd);
	close(hold);
}

TEST(connect_timeout)
{
	long t0, dt;
	int fd;

	if (toy_dummy_setup())
		SKIP(return, "cannot create dummy interface " TOY_DUMMY_IF);
	fd = toy_socket();
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, toy_fast_syn(fd));
	t0 = toy_now_ms();
	ASSERT_EQ(-1, toy_connect(fd, inet_addr(TOY_DUMMY_PEER), 9));
	ASSERT_EQ(ETIMEDOUT, errno);
	dt = toy_now_ms() - t0;
	/* one retransmission: SYN at 0, again after 50..100 ms, give up */
	EXPECT_LE(90, dt);
	EXPECT_GE(1500, dt);
	close(fd);
}

TEST(connect_timeout_nonblock)
{
	int fd, ev;

	if (toy_dummy_setup())
		SKIP(return, "cannot create dummy interface " TOY_DUMMY_IF);
	fd = toy_socket_flags(SOCK_NONBLOCK);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, toy_fast_syn(fd));
	ASSERT_EQ(-1, toy_connect(fd, inet_addr(TOY_DUMMY_PEER), 9));
	ASSERT_EQ(EINPROGRESS, errno);
	ev = toy_poll(fd, POLLOUT, TOY_IO_MS);
	ASSERT_TRUE(ev & POLLERR) TH_LOG("revents %#x", ev);
	ASSERT_EQ(ETIMEDOUT, toy_get_int(fd, SOL_SOCKET, SO_ERROR));
	ASSERT_EQ(0, toy_get_int(fd, SOL_SOCKET, SO_ERROR));
	close(fd);
}

TEST(connect_netunreach)
{
	in_addr_t dst = inet_addr("198.51.100.7");	/* TEST-NET-2 */
	int fd;

	if (toy_has_route(dst))
		SKIP(return, "a route (default?) covers 198.51.100.7");
	fd = toy_socket();
	ASSERT_LE(0, fd);
	ASSERT_EQ(-1, toy_connect(fd, dst, 9));
	ASSERT_EQ(ENETUNREACH, errno);
	close(fd);
}

/* ---- getsockname() / getpeername() ------------------------------------------ */

TEST(getsockname_unbound)
{
	struct sockaddr_toy sa;
	socklen_t len = sizeof(sa);
	int fd = toy_socket();

	ASSERT_LE(0, fd);
	memset(&sa, 0xaa, sizeof(sa));
	ASSERT_EQ(0, getsockname(fd, (struct sockaddr *)&sa, &len));
	EXPECT_EQ(sizeof(sa), len);
	EXPECT_EQ(toy_family(), sa.stoy_family);
	EXPECT_EQ(0, sa.stoy_port);
	EXPECT_EQ(TOY_ANY, sa.stoy_addr.v4);
	EXPECT_EQ(TOY_IPVER_4, sa.stoy_ipver);
	close(fd);
}

TEST(getpeername_unconnected)
{
	struct sockaddr_toy sa;
	socklen_t len = sizeof(sa);
	int fd = toy_socket(), lfd, port;

	ASSERT_LE(0, fd);
	ASSERT_EQ(-1, getpeername(fd, (struct sockaddr *)&sa, &len));
	ASSERT_EQ(ENOTCONN, errno);
	ASSERT_EQ(0, toy_bind(fd, TOY_LO, 0));
	ASSERT_EQ(-1, getpeername(fd, (struct sockaddr *)&sa, &len));
	ASSERT_EQ(ENOTCONN, errno);
	lfd = toy_listener(TOY_LO, 1, &port);
	ASSERT_LE(0, lfd);
	ASSERT_EQ(-1, getpeername(lfd, (struct sockaddr *)&sa, &len));
	ASSERT_EQ(ENOTCONN, errno);
	close(lfd);
	close(fd);
}

static void check_name(struct __test_metadata *_metadata, int fd, int peer,
		       in_addr_t addr, int port)
{
	struct sockaddr_toy sa;
	socklen_t len = sizeof(sa);

	int ret;

	memset(&sa, 0xaa, sizeof(sa));
	if (peer)
		ret = getpeername(fd, (struct sockaddr *)&sa, &len);
	else
		ret = getsockname(fd, (struct sockaddr *)&sa, &len);
	ASSERT_EQ(0, ret);
	EXPECT_EQ(sizeof(sa), len);
	EXPECT_EQ(toy_family(), sa.stoy_family);
	EXPECT_EQ(TOY_IPVER_4, sa.stoy_ipver);
	EXPECT_EQ(addr, sa.stoy_addr.v4);
	EXPECT_EQ(port, ntohs(sa.stoy_port));
}

TEST(names_connected)
{
	int lfd, cfd, sfd, lport, cport, lo, hi;

	ASSERT_EQ(0, toy_pair(&lfd, &cfd, &sfd, &lport, &cport));
	toy_eph_range(&lo, &hi);
	/* connect() bound the client to the route's source and a free port */
	EXPECT_LE(lo, cport);
	EXPECT_GE(hi, cport);
	check_name(_metadata, cfd, 0, TOY_LO, cport);
	check_name(_metadata, cfd, 1, TOY_LO, lport);
	check_name(_metadata, sfd, 0, TOY_LO, lport);
	check_name(_metadata, sfd, 1, TOY_LO, cport);
	close(cfd);
	close(sfd);
	close(lfd);
}

/* ---- send() / recv() ----------------------------------------------------- */

static volatile sig_atomic_t sigpipes;

static void on_sigpipe(int sig)
{
	(void)sig;
	sigpipes++;
}

static void catch_sigpipe(void)
{
	struct sigaction sa = { .sa_handler = on_sigpipe };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGPIPE, &sa, NULL);
	sigpipes = 0;
}

TEST(send_unconnected_epipe)
{
	int fd = toy_socket(), lfd, port;

	catch_sigpipe();
	ASSERT_LE(0, fd);
	ASSERT_EQ(-1, send(fd, "x", 1, MSG_NOSIGNAL));
	ASSERT_EQ(EPIPE, errno);
	ASSERT_EQ(0, toy_bind(fd, TOY_LO, 0));
	ASSERT_EQ(-1, send(fd, "x", 1, MSG_NOSIGNAL));
	ASSERT_EQ(EPIPE, errno);
	lfd = toy_listener(TOY_LO, 1, &port);
	ASSERT_LE(0, lfd);
	ASSERT_EQ(-1, send(lfd, "x", 1, MSG_NOSIGNAL));
	ASSERT_EQ(EPIPE, errno);
	EXPECT_EQ(0, sigpipes);
	close(lfd);
	close(fd);
}

TEST(write_unconnected_sigpipe)
{
	int fd = toy_socket();

	catch_sigpipe();
	ASSERT_LE(0, fd);
	ASSERT_EQ(-1, write(fd, "x", 1));
	ASSERT_EQ(EPIPE, errno);
	EXPECT_EQ(1, sigpipes);
	ASSERT_EQ(-1, send(fd, "x", 1, 0));
	ASSERT_EQ(EPIPE, errno);
	EXPECT_EQ(2, sigpipes);
	close(fd);
}

/* Without a handler the default action kills the sender. */
TEST_SIGNAL(write_unconnected_kills, SIGPIPE)
{
	int fd = toy_socket();

	ASSERT_LE(0, fd);
	signal(SIGPIPE, SIG_DFL);
	if (write(fd, "x", 1) < 0)
		TH_LOG("write: %s", strerror(errno));
	TH_LOG("write on an unconnected socket did not raise SIGPIPE");
}

TEST(recv_unconnected)
{
	int fd = toy_socket(), lfd, port;
	char c;

	ASSERT_LE(0, fd);
	ASSERT_EQ(-1, recv(fd, &c, 1, 0));
	ASSERT_EQ(ENOTCONN, errno);
	ASSERT_EQ(0, toy_bind(fd, TOY_LO, 0));
	ASSERT_EQ(-1, read(fd, &c, 1));
	ASSERT_EQ(ENOTCONN, errno);
	lfd = toy_listener(TOY_LO, 1, &port);
	ASSERT_LE(0, lfd);
	ASSERT_EQ(-1, recv(lfd, &c, 1, 0));
	ASSERT_EQ(ENOTCONN, errno);
	close(lfd);
	close(fd);
}

TEST(send_after_shutdown_wr)
{
	int lfd, cfd, sfd, lport, cport;

	catch_sigpipe();
	ASSERT_EQ(0, toy_pair(&lfd, &cfd, &sfd, &lport, &cport));
	ASSERT_EQ(0, shutdown(cfd, SHUT_WR));
	ASSERT_EQ(-1, send(cfd, "x", 1, MSG_NOSIGNAL));
	ASSERT_EQ(EPIPE, errno);
	EXPECT_EQ(0, sigpipes);
	ASSERT_EQ(-1, write(cfd, "x", 1));
	ASSERT_EQ(EPIPE, errno);
	EXPECT_EQ(1, sigpipes);
	close(cfd);
	close(sfd);
	close(lfd);
}

TEST(recv_after_peer_close)
{
	int lfd, cfd, sfd, lport, cport;
	char c;

	ASSERT_EQ(0, toy_pair(&lfd, &cfd, &sfd, &lport, &cport));
	close(sfd);
	ASSERT_EQ(0, recv(cfd, &c, 1, 0));
	ASSERT_EQ(0, recv(cfd, &c, 1, 0));
	close(cfd);
	close(lfd);
}

/* The peer aborts with SO_LINGER {1, 0}; first_send picks the first call. */
FIXTURE(reset) {
	int lfd, cfd, sfd, lport, cport;
};

FIXTURE_VARIANT(reset) {
	int first_send;
};

FIXTURE_VARIANT_ADD(reset, recv_first) { 0 };
FIXTURE_VARIANT_ADD(reset, send_first) { 1 };

FIXTURE_SETUP(reset)
{
	struct linger lg = { 1, 0 };

	ASSERT_EQ(0, toy_pair(&self->lfd, &self->cfd, &self->sfd,
			      &self->lport, &self->cport));
	ASSERT_EQ(0, setsockopt(self->sfd, SOL_SOCKET, SO_LINGER, &lg,
				sizeof(lg)));
}

FIXTURE_TEARDOWN(reset)
{
	toy_close(&self->cfd);
	toy_close(&self->sfd);
	toy_close(&self->lfd);
}

TEST_F(reset, after_rst)
{
	char c;
	int ev;

	toy_close(&self->sfd);
	/* reset connections report POLLHUP (and the pending error) */
	ev = toy_poll(self->cfd, POLLIN, TOY_IO_MS);
	ASSERT_TRUE(ev & POLLHUP) TH_LOG("revents %#x", ev);
	if (variant->first_send) {
		ASSERT_EQ(-1, send(self->cfd, "x", 1, MSG_NOSIGNAL));
	} else {
		ASSERT_EQ(-1, recv(self->cfd, &c, 1, 0));
	}
	ASSERT_EQ(ECONNRESET, errno);
	ASSERT_EQ(-1, send(self->cfd, "x", 1, MSG_NOSIGNAL));
	ASSERT_EQ(EPIPE, errno);
	ASSERT_EQ(0, recv(self->cfd, &c, 1, 0));
}

/* ---- shutdown() ---------------------------------------------------------- */

TEST(shutdown_unconnected)
{
	int fd = toy_socket(), how;

	ASSERT_LE(0, fd);
	for (how = SHUT_RD; how <= SHUT_RDWR; how++) {
		ASSERT_EQ(-1, shutdown(fd, how));
		ASSERT_EQ(ENOTCONN, errno);
	}
	ASSERT_EQ(0, toy_bind(fd, TOY_LO, 0));
	ASSERT_EQ(-1, shutdown(fd, SHUT_RDWR));
	ASSERT_EQ(ENOTCONN, errno);
	close(fd);
}

TEST(shutdown_bad_how)
{
	int lfd, cfd, sfd, lport, cport;

	ASSERT_EQ(0, toy_pair(&lfd, &cfd, &sfd, &lport, &cport));
	ASSERT_EQ(-1, shutdown(cfd, 3));
	ASSERT_EQ(EINVAL, errno);
	ASSERT_EQ(-1, shutdown(cfd, -1));
	ASSERT_EQ(EINVAL, errno);
	ASSERT_EQ(-1, shutdown(cfd, 100));
	ASSERT_EQ(EINVAL, errno);
	/* still usable */
	ASSERT_EQ(1, send(cfd, "x", 1, MSG_NOSIGNAL));
	close(cfd);
	close(sfd);
	close(lfd);
}

/* ---- SOL_TOY options ----------------------------------------------------- */

FIXTURE(opt) {
	int fd;
};

FIXTURE_VARIANT(opt) {
	int opt, min, max, dflt;
};

FIXTURE_VARIANT_ADD(opt, nodelay) { TOY_NODELAY, 0, 1, 0 };
FIXTURE_VARIANT_ADD(opt, syn_retries) { TOY_SYN_RETRIES, 1, 127, 6 };
FIXTURE_VARIANT_ADD(opt, retries) { TOY_RETRIES, 1, 255, 15 };
FIXTURE_VARIANT_ADD(opt, rto_min) { TOY_RTO_MIN, 1, 60000, 200 };
FIXTURE_VARIANT_ADD(opt, rto_max) { TOY_RTO_MAX, 1, 120000, 120000 };
FIXTURE_VARIANT_ADD(opt, keepidle) { TOY_KEEPIDLE, 1, 32767, 7200 };
FIXTURE_VARIANT_ADD(opt, keepintvl) { TOY_KEEPINTVL, 1, 32767, 75 };
FIXTURE_VARIANT_ADD(opt, keepcnt) { TOY_KEEPCNT, 1, 127, 9 };

FIXTURE_SETUP(opt)
{
	self->fd = toy_socket();
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(opt)
{
	toy_close(&self->fd);
}

TEST_F(opt, range)
{
	int fd = self->fd, opt = variant->opt, v = 0;
	int bad[] = { variant->min - 1, variant->max + 1, INT_MIN, INT_MAX, -1 };
	unsigned int i;

	ASSERT_EQ(variant->dflt, toy_get_int(fd, SOL_TOY, opt));

	/* RTO_MAX may not go below RTO_MIN (default 200): lower that first */
	if (opt == TOY_RTO_MAX)
		ASSERT_EQ(0, toy_set_int(fd, SOL_TOY, TOY_RTO_MIN, 1));
	ASSERT_EQ(0, toy_set_int(fd, SOL_TOY, opt, variant->min));
	ASSERT_EQ(variant->min, toy_get_int(fd, SOL_TOY, opt));
	ASSERT_EQ(0, toy_set_int(fd, SOL_TOY, opt, variant->max));
	ASSERT_EQ(variant->max, toy_get_int(fd, SOL_TOY, opt));
	if (variant->max > variant->min + 1) {
		ASSERT_EQ(0, toy_set_int(fd, SOL_TOY, opt, variant->min + 1));
		ASSERT_EQ(variant->min + 1, toy_get_int(fd, SOL_TOY, opt));
		ASSERT_EQ(0, toy_set_int(fd, SOL_TOY, opt, variant->max));
	}

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (bad[i] >= variant->min && bad[i] <= variant->max)
			continue;
		ASSERT_EQ(-1, toy_set_int(fd, SOL_TOY, opt, bad[i]))
			TH_LOG("value %d accepted", bad[i]);
		ASSERT_EQ(EINVAL, errno);
	}
	/* a refused value changes nothing */
	ASSERT_EQ(variant->max, toy_get_int(fd, SOL_TOY, opt));

	ASSERT_EQ(-1, setsockopt(fd, SOL_TOY, opt, &v, sizeof(int) - 1));
	ASSERT_EQ(EINVAL, errno);
	ASSERT_EQ(-1, setsockopt(fd, SOL_TOY, opt, &v, 0));
	ASSERT_EQ(EINVAL, errno);
	ASSERT_EQ(variant->max, toy_get_int(fd, SOL_TOY, opt));
}

/* Options also apply to listeners and connected sockets. */
TEST_F(opt, connected)
{
	int lfd, cfd, sfd, lport, cport;

	ASSERT_EQ(0, toy_pair(&lfd, &cfd, &sfd, &lport, &cport));
	ASSERT_EQ(variant->dflt, toy_get_int(sfd, SOL_TOY, variant->opt));
	ASSERT_EQ(0, toy_set_int(cfd, SOL_TOY, variant->opt, variant->max));
	ASSERT_EQ(variant->max, toy_get_int(cfd, SOL_TOY, variant->opt));
	ASSERT_EQ(0, toy_set_int(lfd, SOL_TOY, variant->opt, variant->max));
	ASSERT_EQ(variant->max, toy_get_int(lfd, SOL_TOY, variant->opt));
	close(cfd);
	close(sfd);
	close(lfd);
}

TEST(opt_unknown)
{
	int fd = toy_socket(), bad[] = { 0, TOY_CONGESTION + 1, 99, -1 }, v = 1;
	socklen_t len = sizeof(v);
	unsigned int i;

	ASSERT_LE(0, fd);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ASSERT_EQ(-1, toy_set_int(fd, SOL_TOY, bad[i], 1));
		ASSERT_EQ(ENOPROTOOPT, errno);
		len = sizeof(v);
		ASSERT_EQ(-1, getsockopt(fd, SOL_TOY, bad[i], &v, &len));
		ASSERT_EQ(ENOPROTOOPT, errno);
	}
	close(fd);
}

TEST(opt_info_read_only)
{
	struct toy_info ti;
	int fd = toy_socket();

	ASSERT_LE(0, fd);
	memset(&ti, 0, sizeof(ti));
	ASSERT_EQ(-1, setsockopt(fd, SOL_TOY, TOY_INFO, &ti, sizeof(ti)));
	ASSERT_EQ(ENOPROTOOPT, errno);
	ASSERT_EQ(-1, toy_set_int(fd, SOL_TOY, TOY_INFO, 0));
	ASSERT_EQ(ENOPROTOOPT, errno);
	close(fd);
}

TEST(opt_info_lengths)
{
	struct { struct toy_info ti; char pad[16]; } big;
	struct toy_info ti;
	socklen_t len;
	__u8 state;
	int fd = toy_socket();

	ASSERT_LE(0, fd);
	len = sizeof(ti);
	ASSERT_EQ(0, getsockopt(fd, SOL_TOY, TOY_INFO, &ti, &len));
	EXPECT_EQ(sizeof(ti), len);
	EXPECT_EQ(TOY_ST_CLOSE, ti.state);

	len = sizeof(big);
	memset(&big, 0x5a, sizeof(big));
	ASSERT_EQ(0, getsockopt(fd, SOL_TOY, TOY_INFO, &big, &len));
	EXPECT_EQ(sizeof(ti), len);
	EXPECT_EQ(0x5a, big.pad[0]);

	len = 1;
	state = 0xff;
	ASSERT_EQ(0, getsockopt(fd, SOL_TOY, TOY_INFO, &state, &len));
	EXPECT_EQ(1U, len);
	EXPECT_EQ(TOY_ST_CLOSE, state);
	close(fd);
}

TEST(opt_info_states)
{
	int lfd, cfd, sfd, lport, cport;
	struct toy_info ti;

	ASSERT_EQ(0, toy_pair(&lfd, &cfd, &sfd, &lport, &cport));
	ASSERT_EQ(0, toy_get_info(lfd, &ti));
	EXPECT_EQ(TOY_ST_LISTEN, ti.state);
	ASSERT_EQ(0, toy_get_info(cfd, &ti));
	EXPECT_EQ(TOY_ST_ESTABLISHED, ti.state);
	EXPECT_LT(0, ti.mss);
	EXPECT_LT(0U, ti.rto_us);
	EXPECT_EQ(ti.snd_una, ti.snd_nxt);
	EXPECT_LT(0U, ti.rcv_wnd);
	EXPECT_LT(0U, ti.snd_wnd);
	ASSERT_EQ(0, toy_get_info(sfd, &ti));
	EXPECT_EQ(TOY_ST_ESTABLISHED, ti.state);
	close(cfd);
	close(sfd);
	close(lfd);
}

/* ---- SOL_SOCKET options are the generic ones ------------------------------- */

TEST(sol_socket)
{
	struct linger lg = { 1, 5 }, got;
	struct timeval tv = { 1, 500000 }, tvgot;
	socklen_t len;
	int fd = toy_socket();

	ASSERT_LE(0, fd);
	EXPECT_EQ(0, toy_get_int(fd, SOL_SOCKET, SO_REUSEADDR));
	ASSERT_EQ(0, toy_set_int(fd, SOL_SOCKET, SO_REUSEADDR, 1));
	EXPECT_EQ(1, toy_get_int(fd, SOL_SOCKET, SO_REUSEADDR));

	EXPECT_EQ(0, toy_get_int(fd, SOL_SOCKET, SO_KEEPALIVE));
	ASSERT_EQ(0, toy_set_int(fd, SOL_SOCKET, SO_KEEPALIVE, 1));
	EXPECT_EQ(1, toy_get_int(fd, SOL_SOCKET, SO_KEEPALIVE));

	ASSERT_EQ(0, setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)));
	len = sizeof(got);
	ASSERT_EQ(0, getsockopt(fd, SOL_SOCKET, SO_LINGER, &got, &len));
	EXPECT_EQ(1, got.l_onoff);
	EXPECT_EQ(5, got.l_linger);

	ASSERT_EQ(0, setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));
	len = sizeof(tvgot);
	ASSERT_EQ(0, getsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tvgot, &len));
	EXPECT_EQ(1, tvgot.tv_sec);

	/* the kernel doubles the value for bookkeeping, as for TCP */
	ASSERT_EQ(0, toy_set_int(fd, SOL_SOCKET, SO_RCVBUF, 65536));
	EXPECT_LE(65536, toy_get_int(fd, SOL_SOCKET, SO_RCVBUF));
	ASSERT_EQ(0, toy_set_int(fd, SOL_SOCKET, SO_SNDBUF, 65536));
	EXPECT_LE(65536, toy_get_int(fd, SOL_SOCKET, SO_SNDBUF));

	EXPECT_EQ(0, toy_get_int(fd, SOL_SOCKET, SO_ERROR));
	close(fd);
}

TEST_HARNESS_MAIN
