// SPDX-License-Identifier: GPL-2.0
/*
 * AF_TOY over IPv6 (docs/protocol.md 15.2): a socket speaks the version of
 * its first bind() or connect(), and an IPv6 socket is IPv6-only. Over
 * ::1: connect, accept and a transfer both ways, the names each end gives,
 * /proc/net/toy6, the RST of a closed port, the errno of every address an
 * IPv6 socket must refuse, the two versions side by side on one port, and
 * hostile segments sent through a raw IPv6 socket (a bad checksum, a short
 * header, a lying length), each dropped and counted. On a kernel booted
 * with ipv6.disable=1 (vm-check.sh boots one), those are skipped and
 * ipv6_disabled checks that IPv6 addresses are refused and IPv4 works.
 */
#define _GNU_SOURCE
#include <net/if.h>
#include <netinet/ip6.h>

#include "toy_test.h"
#include "toy_harness.h"

#define XFER_BYTES	(1 << 20)

/* Is IPv6 up? ipv6.disable=1 leaves no /proc/net/if_inet6. */
static bool ipv6_up(void)
{
	return access("/proc/net/if_inet6", F_OK) == 0;
}

#define NEED_IPV6() do {						\
	if (!ipv6_up())							\
		SKIP(return, "IPv6 is disabled (ipv6.disable=1)");	\
} while (0)

static int bind6(int fd, const char *addr, uint16_t port)
{
	struct sockaddr_toy sa = toy_sa6(addr, port);

	return bind(fd, (struct sockaddr *)&sa, sizeof(sa));
}

static int connect6(int fd, const char *addr, uint16_t port)
{
	struct sockaddr_toy sa = toy_sa6(addr, port);

	return connect(fd, (struct sockaddr *)&sa, sizeof(sa));
}

/* The local or peer name of @fd; its ipver, or -1. */
static int name6(int fd, bool peer, struct sockaddr_toy *sa)
{
	socklen_t len = sizeof(*sa);
	int r;

	memset(sa, 0, sizeof(*sa));
	r = peer ? getpeername(fd, (struct sockaddr *)sa, &len) :
		   getsockname(fd, (struct sockaddr *)sa, &len);
	if (r || len != sizeof(*sa))
		return -1;
	return sa->stoy_ipver;
}

static bool is_addr(const struct sockaddr_toy *sa, const char *want)
{
	unsigned char a[16];

	inet_pton(AF_INET6, want, a);
	return sa->stoy_ipver == TOY_IPVER_6 &&
	       !memcmp(sa->stoy_addr.v6, a, sizeof(a));
}

/* Lines of /proc/net/@file that hold @needle. */
static int proc_lines(const char *file, const char *needle)
{
	char path[64], line[512];
	int n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/net/%s", file);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		n += !!strstr(line, needle);
	fclose(f);
	return n;
}

/*
 * Connect, accept, 1 MiB each way checked byte for byte, the names of both
 * ends, the listener in /proc/net/toy6 and not in /proc/net/toy, and an
 * orderly close.
 */
TEST(loopback_transfer)
{
	int lfd, cfd, sfd, port, cport;
	struct sockaddr_toy sa;
	unsigned char *out, *in;
	char needle[64];
	size_t i;

	NEED_IPV6();
	lfd = toy_listener6("::1", 8, &port);
	ASSERT_LE(0, lfd);
	ASSERT_LT(0, port);
	cfd = toy_socket();
	ASSERT_LE(0, cfd);
	ASSERT_EQ(0, connect6(cfd, "::1", port));
	sfd = toy_accept(lfd);
	ASSERT_LE(0, sfd);

	ASSERT_EQ(TOY_IPVER_6, name6(cfd, false, &sa));
	EXPECT_TRUE(is_addr(&sa, "::1"));
	cport = ntohs(sa.stoy_port);
	EXPECT_LT(0, cport);
	EXPECT_EQ(0u, sa.stoy_scope_id);
	ASSERT_EQ(TOY_IPVER_6, name6(cfd, true, &sa));
	EXPECT_TRUE(is_addr(&sa, "::1"));
	EXPECT_EQ(port, ntohs(sa.stoy_port));
	ASSERT_EQ(TOY_IPVER_6, name6(sfd, true, &sa));
	EXPECT_TRUE(is_addr(&sa, "::1"));
	EXPECT_EQ(cport, ntohs(sa.stoy_port));
	ASSERT_EQ(TOY_IPVER_6, name6(lfd, false, &sa));
	EXPECT_TRUE(is_addr(&sa, "::1"));

	/* ::1 as /proc/net/tcp6 prints it: four native-order words. */
	snprintf(needle, sizeof(needle), "00000000000000000000000001000000:%04X",
		 port);
	/* The listener's and the server end's local, the client's remote */
	EXPECT_EQ(3, proc_lines("toy6", needle));
	snprintf(needle, sizeof(needle), ":%04X ", port);
	EXPECT_EQ(0, proc_lines("toy", needle));

	out = malloc(XFER_BYTES);
	in = malloc(XFER_BYTES);
	ASSERT_TRUE(out && in);
	for (i = 0; i < XFER_BYTES; i++)
		out[i] = (unsigned char)(i * 131 + (i >> 12));
	ASSERT_EQ(XFER_BYTES, toy_send_all(cfd, out, XFER_BYTES));
	ASSERT_EQ(XFER_BYTES, toy_recv_all(sfd, in, XFER_BYTES));
	EXPECT_EQ(0, memcmp(out, in, XFER_BYTES));
	ASSERT_EQ(XFER_BYTES, toy_send_all(sfd, in, XFER_BYTES));
	memset(in, 0, XFER_BYTES);
	ASSERT_EQ(XFER_BYTES, toy_recv_all(cfd, in, XFER_BYTES));
	EXPECT_EQ(0, memcmp(out, in, XFER_BYTES));

	ASSERT_EQ(0, shutdown(cfd, SHUT_WR));
	EXPECT_EQ(0, toy_recv_all(sfd, in, 1));		/* EOF */
	close(sfd);
	EXPECT_EQ(0, toy_recv_all(cfd, in, 1));
	close(cfd);
	close(lfd);
	free(out);
	free(in);
}

/* A listener on :: takes connections to ::1; a closed port answers RST. */
TEST(wildcard_and_refused)
{
	int lfd, cfd, sfd, port;
	struct sockaddr_toy sa;

	NEED_IPV6();
	lfd = toy_listener6("::", 8, &port);
	ASSERT_LE(0, lfd);
	ASSERT_EQ(TOY_IPVER_6, name6(lfd, false, &sa));
	EXPECT_TRUE(is_addr(&sa, "::"));
	cfd = toy_socket();
	ASSERT_LE(0, cfd);
	/* :: as a destination means the loopback, as 0.0.0.0 does. */
	ASSERT_EQ(0, connect6(cfd, "::", port));
	sfd = toy_accept(lfd);
	ASSERT_LE(0, sfd);
	ASSERT_EQ(TOY_IPVER_6, name6(sfd, false, &sa));
	EXPECT_TRUE(is_addr(&sa, "::1"));
	close(sfd);
	close(cfd);
	close(lfd);

	cfd = toy_socket();
	ASSERT_LE(0, cfd);
	EXPECT_EQ(-1, connect6(cfd, "::1", port));
	EXPECT_EQ(ECONNREFUSED, errno);
	close(cfd);
}

/*
 * IPv6-only: an IPv4 client does not reach an IPv6 listener, and the
 * two versions' wildcards share a port, each serving its own.
 */
TEST(v6only)
{
	int l6, l4, cfd, sfd, port;
	struct sockaddr_toy sa;

	NEED_IPV6();
	l6 = toy_listener6("::", 8, &port);
	ASSERT_LE(0, l6);
	cfd = toy_socket();
	ASSERT_LE(0, cfd);
	EXPECT_EQ(-1, toy_connect(cfd, TOY_LO, port));
	EXPECT_EQ(ECONNREFUSED, errno);
	close(cfd);

	l4 = toy_socket();
	ASSERT_LE(0, l4);
	ASSERT_EQ(0, toy_bind(l4, htonl(INADDR_ANY), port));
	ASSERT_EQ(0, listen(l4, 4));
	cfd = toy_socket();
	ASSERT_LE(0, cfd);
	ASSERT_EQ(0, toy_connect(cfd, TOY_LO, port));
	sfd = toy_accept(l4);
	ASSERT_LE(0, sfd);
	EXPECT_EQ(TOY_IPVER_4, name6(sfd, true, &sa));
	close(sfd);
	close(cfd);

	cfd = toy_socket();
	ASSERT_LE(0, cfd);
	ASSERT_EQ(0, connect6(cfd, "::1", port));
	sfd = toy_accept(l6);
	ASSERT_LE(0, sfd);
	EXPECT_EQ(TOY_IPVER_6, name6(sfd, true, &sa));
	close(sfd);
	close(cfd);

	/* But two IPv6 wildcards do not. */
	cfd = toy_socket();
	ASSERT_LE(0, cfd);
	EXPECT_EQ(-1, bind6(cfd, "::", port));
	EXPECT_EQ(EADDRINUSE, errno);
	close(cfd);
	close(l4);
	close(l6);
}

/* Every address an IPv6 socket must refuse, with its exact errno. */
TEST(bad_addresses)
{
	struct sockaddr_toy sa;
	int fd, v4;

	NEED_IPV6();
	fd = toy_socket();
	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, bind6(fd, "::ffff:127.0.0.1", 0));	/* v4-mapped */
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, bind6(fd, "ff02::1", 0));			/* multicast */
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, bind6(fd, "2001:db8::1", 0));		/* not ours */
	EXPECT_EQ(EADDRNOTAVAIL, errno);
	EXPECT_EQ(-1, bind6(fd, "fe80::1", 0));			/* no scope */
	EXPECT_EQ(EINVAL, errno);
	sa = toy_sa6("::1", 0);
	sa.stoy_scope_id = 1;					/* not link-local */
	EXPECT_EQ(-1, bind(fd, (struct sockaddr *)&sa, sizeof(sa)));
	EXPECT_EQ(EINVAL, errno);
	sa = toy_sa6("fe80::1", 0);
	sa.stoy_scope_id = 0x7fffffff;				/* no such device */
	EXPECT_EQ(-1, bind(fd, (struct sockaddr *)&sa, sizeof(sa)));
	EXPECT_EQ(ENODEV, errno);
	sa = toy_sa6("::1", 0);
	sa.stoy_zero[1] = 1;
	EXPECT_EQ(-1, bind(fd, (struct sockaddr *)&sa, sizeof(sa)));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, bind(fd, (struct sockaddr *)&sa, sizeof(sa) - 1));
	EXPECT_EQ(EINVAL, errno);

	EXPECT_EQ(-1, connect6(fd, "ff02::1", 7));
	EXPECT_EQ(ENETUNREACH, errno);
	EXPECT_EQ(-1, connect6(fd, "::ffff:127.0.0.1", 7));
	EXPECT_EQ(ENETUNREACH, errno);
	EXPECT_EQ(-1, connect6(fd, "fe80::1", 7));		/* no scope */
	EXPECT_EQ(EINVAL, errno);

	/* Bound to one version, a socket refuses the other's addresses. */
	ASSERT_EQ(0, bind6(fd, "::1", 0));
	EXPECT_EQ(-1, toy_connect(fd, TOY_LO, 7));
	EXPECT_EQ(EAFNOSUPPORT, errno);
	close(fd);
	v4 = toy_socket();
	ASSERT_LE(0, v4);
	ASSERT_EQ(0, toy_bind(v4, TOY_LO, 0));
	EXPECT_EQ(-1, connect6(v4, "::1", 7));
	EXPECT_EQ(EAFNOSUPPORT, errno);
	close(v4);
}

/* The pseudo-header sum over IPv6 (RFC 8200 8.1), as the spec gives it. */
static uint16_t sum6(const struct in6_addr *src, const struct in6_addr *dst,
		     const unsigned char *seg, size_t len)
{
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i < 16; i += 2) {
		sum += (src->s6_addr[i] << 8) | src->s6_addr[i + 1];
		sum += (dst->s6_addr[i] << 8) | dst->s6_addr[i + 1];
	}
	sum += (uint32_t)len >> 16;
	sum += len & 0xffff;
	sum += toy_ipproto();
	for (i = 0; i + 1 < len; i += 2)
		sum += (seg[i] << 8) | seg[i + 1];
	if (len & 1)
		sum += seg[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/*
 * A SYN from ::1 to a closed port, sent through a raw IPv6 socket: right,
 * it is answered (InNoSocket); with a wrong checksum, a short header or a
 * length that lies, it is counted and dropped without a word.
 */
TEST(hostile_segments)
{
	struct sockaddr_in6 dst = { .sin6_family = AF_INET6 };
	struct toy_stats s0, s1;
	unsigned char seg[sizeof(struct toyhdr) + 8];
	struct toyhdr *th = (struct toyhdr *)seg;
	uint16_t sum;
	int raw;

	NEED_IPV6();
	raw = socket(AF_INET6, SOCK_RAW, toy_ipproto());
	ASSERT_LE(0, raw) TH_LOG("raw IPv6 socket: %s", strerror(errno));
	inet_pton(AF_INET6, "::1", &dst.sin6_addr);

	memset(seg, 0, sizeof(seg));
	th->source = htons(40000);
	th->dest = htons(9);
	th->seq = htonl(1000);
	th->window = htonl(65536);
	th->flags = TOYHDR_SYN;
	th->doff = TOYHDR_DOFF;
	sum = sum6(&dst.sin6_addr, &dst.sin6_addr, seg, sizeof(*th));
	th->check = htons(sum);

	ASSERT_EQ(0, toy_stats_read(&s0));
	ASSERT_EQ((ssize_t)sizeof(*th),
		  sendto(raw, seg, sizeof(*th), 0, (struct sockaddr *)&dst,
			 sizeof(dst)));
	/* Ours, then the RST it got, which finds no socket either. */
	ASSERT_EQ(0, toy_stats_wait(&s0, &s1, "InNoSocket", 2, TOY_WAIT_MS));
	EXPECT_EQ(0, toy_stats_delta(&s0, &s1, "InErrs"));
	EXPECT_EQ(1, toy_stats_delta(&s0, &s1, "OutRsts"));

	/* The same with one bit of the checksum wrong. */
	th->check ^= htons(1);
	ASSERT_EQ(0, toy_stats_read(&s0));
	ASSERT_EQ((ssize_t)sizeof(*th),
		  sendto(raw, seg, sizeof(*th), 0, (struct sockaddr *)&dst,
			 sizeof(dst)));
	ASSERT_EQ(0, toy_stats_wait(&s0, &s1, "InCsumErrors", 1, TOY_WAIT_MS));
	EXPECT_EQ(1, toy_stats_delta(&s0, &s1, "InErrs"));
	EXPECT_EQ(0, toy_stats_delta(&s0, &s1, "InNoSocket"));
	th->check ^= htons(1);

	/* Shorter than a header. */
	ASSERT_EQ(0, toy_stats_read(&s0));
	ASSERT_EQ(10, sendto(raw, seg, 10, 0, (struct sockaddr *)&dst,
			     sizeof(dst)));
	ASSERT_EQ(0, toy_stats_wait(&s0, &s1, "InErrs", 1, TOY_WAIT_MS));
	EXPECT_EQ(0, toy_stats_delta(&s0, &s1, "InNoSocket"));

	/* A length that promises 8 more bytes than came. */
	th->len = htons(16);
	ASSERT_EQ(0, toy_stats_read(&s0));
	ASSERT_EQ((ssize_t)sizeof(seg),
		  sendto(raw, seg, sizeof(seg), 0, (struct sockaddr *)&dst,
			 sizeof(dst)));
	ASSERT_EQ(0, toy_stats_wait(&s0, &s1, "InErrs", 1, TOY_WAIT_MS));
	EXPECT_EQ(0, toy_stats_delta(&s0, &s1, "InNoSocket"));
	close(raw);
}

/*
 * Booted with ipv6.disable=1, the kernel has no IPv6 routing: IPv6
 * addresses are refused with EAFNOSUPPORT, as socket(AF_INET6) is, and
 * IPv4 is untouched.
 */
TEST(ipv6_disabled)
{
	int lfd, cfd, sfd, lport, cport;
	char c = 'x';

	if (ipv6_up())
		SKIP(return, "IPv6 is up");
	cfd = toy_socket();
	ASSERT_LE(0, cfd);
	EXPECT_EQ(-1, bind6(cfd, "::1", 0));
	EXPECT_EQ(EAFNOSUPPORT, errno);
	EXPECT_EQ(-1, connect6(cfd, "::1", 7));
	EXPECT_EQ(EAFNOSUPPORT, errno);
	EXPECT_EQ(-1, connect6(cfd, "2001:db8::1", 7));
	EXPECT_EQ(EAFNOSUPPORT, errno);
	close(cfd);
	EXPECT_EQ(-1, socket(AF_INET6, SOCK_STREAM, 0));

	ASSERT_EQ(0, toy_pair(&lfd, &cfd, &sfd, &lport, &cport));
	ASSERT_EQ(1, send(cfd, &c, 1, 0));
	c = 0;
	ASSERT_EQ(1, recv(sfd, &c, 1, 0));
	EXPECT_EQ('x', c);
	close(sfd);
	close(cfd);
	close(lfd);
}

TEST_HARNESS_MAIN
