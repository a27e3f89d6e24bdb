// SPDX-License-Identifier: GPL-2.0
/*
 * Differential tests: AF_TOY against TCP.
 *
 * Every case runs four times through FIXTURE_VARIANT: over AF_INET /
 * SOCK_STREAM / IPPROTO_TCP with sockaddr_in, over AF_TOY with
 * sockaddr_toy, and both again over IPv6 (AF_INET6 with sockaddr_in6, and
 * AF_TOY with TOY_IPVER_6), where d_addr() maps each IPv4 address a case
 * names to its IPv6 twin: the loopback to ::1, the wildcard to ::, any
 * other to D_V6_PREFIX plus its 32 bits (the black hole of toy0 too). The cases reach sockets only through the small family layer
 * below (d_addr(), d_bind(), d_connect(), d_opt() ...), and each asserts
 * results that BOTH protocols must produce: errnos, return values, bytes,
 * poll/select/epoll masks, EOF and resets. The expected values are what TCP
 * gives on the Debian 6.1 and 6.12 kernels; a case that fails on one
 * variant only is a difference between AF_TOY and TCP.
 *
 * Left out on purpose, because the two legitimately differ: the length of
 * TIME_WAIT (60 s against the module's timewait_ms), the state a socket
 * reports once its connection went to TIME_WAIT (TCP moves the connection to
 * a separate timewait sock and shows CLOSE), /proc files, option values
 * outside the ranges both document the same way, the shortest address
 * each takes (an AF_INET6 socket takes RFC 2133's 24-byte sockaddr_in6,
 * AF_TOY only its whole sockaddr_toy), and the IP version of a socket with
 * no address yet: AF_TOY's is the first address's, so until then it
 * answers as IPv4 and listen() takes an IPv4 port (docs/protocol.md 15.2).
 *
 * At exit the program prints how many cases ran per variant and every case
 * whose result differs between the two.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/select.h>
#include <linux/sockios.h>
#include <netinet/tcp.h>

#include "toy_test.h"
#include "toy_harness.h"

/* ---- the address-family layer ------------------------------------------- */

/* Protocol-level options, by meaning; d_opt() maps them to each protocol. */
enum d_opt {
	D_NODELAY,	/* TCP_NODELAY	 / TOY_NODELAY */
	D_SYNCNT,	/* TCP_SYNCNT	 / TOY_SYN_RETRIES */
	D_KEEPIDLE,	/* TCP_KEEPIDLE	 / TOY_KEEPIDLE */
	D_KEEPINTVL,	/* TCP_KEEPINTVL / TOY_KEEPINTVL */
	D_KEEPCNT,	/* TCP_KEEPCNT	 / TOY_KEEPCNT */
	D_NOPTS,
};

static const int d_tcp_opts[D_NOPTS] = {
	TCP_NODELAY, TCP_SYNCNT, TCP_KEEPIDLE, TCP_KEEPINTVL, TCP_KEEPCNT,
};
static const int d_toy_opts[D_NOPTS] = {
	TOY_NODELAY, TOY_SYN_RETRIES, TOY_KEEPIDLE, TOY_KEEPINTVL, TOY_KEEPCNT,
};

/* The family in force in this test process; the fixture setup fills it. */
static struct {
	bool toy;
	bool v6;	/* over IPv6 */
	const char *name;
	int family;
	int proto;		/* socket()'s protocol argument */
	int level;		/* SOL_TCP or SOL_TOY */
	const int *opts;
} F;

static void d_family_init(bool toy, bool v6)
{
	F.toy = toy;
	F.v6 = v6;
	F.name = toy ? (v6 ? "toy6" : "toy") : (v6 ? "tcp6" : "tcp");
	F.family = toy ? toy_family() : v6 ? AF_INET6 : AF_INET;
	F.proto = toy ? 0 : IPPROTO_TCP;
	F.level = toy ? SOL_TOY : SOL_TCP;
	F.opts = toy ? d_toy_opts : d_tcp_opts;
}

/* A family number that is not the one in force (for EAFNOSUPPORT). */
static int d_other_family(void)
{
	return F.toy || F.v6 ? AF_INET : AF_INET6;
}

/* An address length both protocols refuse as too short. */
static socklen_t d_short(socklen_t len)
{
	return F.v6 ? 23 : len - 1;	/* below SIN6_LEN_RFC2133 (24) */
}

/*
 * An AF_TOY socket with no address speaks IPv4 (see the top): a case that
 * looks at one in the IPv6 run brackets that part with these.
 */
static bool d_v6_saved;

static void d_unbound_begin(void)
{
	d_v6_saved = F.v6;
	if (F.toy)
		F.v6 = false;
}

static void d_unbound_end(void)
{
	F.v6 = d_v6_saved;
}

/* IPv6 twins of IPv4 addresses: fd00:7e57::/96 plus the 32 bits. */
#define D_V6_PREFIX	"fd00:7e57::"

static void d_addr6(struct in6_addr *a6, in_addr_t addr)
{
	if (addr == htonl(INADDR_LOOPBACK)) {
		*a6 = in6addr_loopback;
	} else if (addr == htonl(INADDR_ANY)) {
		*a6 = in6addr_any;
	} else {
		inet_pton(AF_INET6, D_V6_PREFIX, a6);
		memcpy(&a6->s6_addr[12], &addr, 4);
	}
}

/* The reverse: 0xffffffff for an address that is no twin. */
static in_addr_t d_addr4(const struct in6_addr *a6)
{
	struct in6_addr prefix;
	in_addr_t addr;

	if (IN6_IS_ADDR_LOOPBACK(a6))
		return htonl(INADDR_LOOPBACK);
	if (IN6_IS_ADDR_UNSPECIFIED(a6))
		return htonl(INADDR_ANY);
	inet_pton(AF_INET6, D_V6_PREFIX, &prefix);
	if (memcmp(&prefix, a6, 12))
		return 0xffffffff;
	memcpy(&addr, &a6->s6_addr[12], 4);
	return addr;
}

/* make_addr: addr in network order, port in host order. */
static socklen_t d_addr(struct sockaddr_storage *ss, in_addr_t addr,
			uint16_t port)
{
	memset(ss, 0, sizeof(*ss));
	if (F.toy) {
		struct sockaddr_toy *sa = (struct sockaddr_toy *)ss;

		sa->stoy_family = F.family;
		sa->stoy_port = htons(port);
		if (F.v6) {
			sa->stoy_ipver = TOY_IPVER_6;
			d_addr6((struct in6_addr *)sa->stoy_addr.v6, addr);
		} else {
			sa->stoy_ipver = TOY_IPVER_4;
			sa->stoy_addr.v4 = addr;
		}
		return sizeof(*sa);
	} else if (F.v6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		d_addr6(&sin6->sin6_addr, addr);
		return sizeof(*sin6);
	} else {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		sin->sin_addr.s_addr = addr;
		return sizeof(*sin);
	}
}

/* The reverse: family, address and port of a returned address. */
static int d_parse(const struct sockaddr_storage *ss, in_addr_t *addr,
		   int *port)
{
	if (F.toy) {
		const struct sockaddr_toy *sa = (const struct sockaddr_toy *)ss;

		if (sa->stoy_ipver != (F.v6 ? TOY_IPVER_6 : TOY_IPVER_4))
			return -1;
		*addr = F.v6 ? d_addr4((const struct in6_addr *)sa->stoy_addr.v6) :
			       sa->stoy_addr.v4;
		*port = ntohs(sa->stoy_port);
		return sa->stoy_family;
	} else if (F.v6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;

		*addr = d_addr4(&sin6->sin6_addr);
		*port = ntohs(sin6->sin6_port);
		return sin6->sin6_family;
	} else {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;

		*addr = sin->sin_addr.s_addr;
		*port = ntohs(sin->sin_port);
		return sin->sin_family;
	}
}

static int d_socket_flags(int flags)
{
	int fd = socket(F.family, SOCK_STREAM | flags, F.proto);

	if (fd < 0)
		return -1;
	if (toy_set_timeouts(fd, TOY_IO_MS)) {
		close(fd);
		return -1;
	}
	return fd;
}

static int d_socket(void)
{
	return d_socket_flags(0);
}

static int d_bind(int fd, in_addr_t addr, uint16_t port)
{
	struct sockaddr_storage ss;
	socklen_t len = d_addr(&ss, addr, port);

	return bind(fd, (struct sockaddr *)&ss, len);
}

static int d_connect(int fd, in_addr_t addr, uint16_t port)
{
	struct sockaddr_storage ss;
	socklen_t len = d_addr(&ss, addr, port);

	return connect(fd, (struct sockaddr *)&ss, len);
}

/* getsockname/getpeername: 0 and *addr, *port filled, or -1. */
static int d_name(int fd, bool peer, in_addr_t *addr, int *port)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int ret;

	memset(&ss, 0, sizeof(ss));
	ret = peer ? getpeername(fd, (struct sockaddr *)&ss, &len) :
		     getsockname(fd, (struct sockaddr *)&ss, &len);
	if (ret)
		return -1;
	if (d_parse(&ss, addr, port) != F.family) {
		errno = EPROTO;
		return -1;
	}
	return 0;
}

static int d_port(int fd)
{
	in_addr_t a;
	int port;

	return d_name(fd, false, &a, &port) ? -1 : port;
}

static int d_setopt(int fd, enum d_opt opt, int val)
{
	return toy_set_int(fd, F.level, F.opts[opt], val);
}

static int d_getopt(int fd, enum d_opt opt)
{
	return toy_get_int(fd, F.level, F.opts[opt]);
}

/* The TCP_* state number: TCP_INFO's tcpi_state or TOY_INFO's state. */
static int d_state(int fd)
{
	if (F.toy) {
		struct toy_info ti;

		return toy_get_info(fd, &ti) ? -1 : ti.state;
	} else {
		struct tcp_info ti;
		socklen_t len = sizeof(ti);

		if (getsockopt(fd, SOL_TCP, TCP_INFO, &ti, &len))
			return -1;
		return ti.tcpi_state;
	}
}

/* A listener on addr, ephemeral port unless *port; SO_REUSEADDR if asked. */
static int d_listener_opt(in_addr_t addr, int backlog, int *port, bool reuse)
{
	int fd = d_socket();

	if (fd < 0)
		return -1;
	if (reuse && toy_set_int(fd, SOL_SOCKET, SO_REUSEADDR, 1))
		goto fail;
	if (d_bind(fd, addr, *port) || listen(fd, backlog))
		goto fail;
	*port = d_port(fd);
	if (*port <= 0)
		goto fail;
	return fd;
fail:
	close(fd);
	return -1;
}

static int d_listener(int backlog, int *port)
{
	*port = 0;
	return d_listener_opt(TOY_LO, backlog, port, false);
}

static int d_accept(int lfd)
{
	int fd = accept(lfd, NULL, NULL);

	if (fd >= 0 && toy_set_timeouts(fd, TOY_IO_MS)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* An established loopback connection: client *c, accepted server side *s. */
static int d_pair(int *l, int *c, int *s, int *lport)
{
	*c = *s = -1;
	*l = d_listener(8, lport);
	if (*l < 0)
		return -1;
	*c = d_socket();
	if (*c < 0 || d_connect(*c, TOY_LO, *lport))
		return -1;
	*s = d_accept(*l);
	return *s < 0 ? -1 : 0;
}

/* A port on 127.0.0.1 where nothing listens: kept bound by *holder. */
static int d_closed_port(int *holder)
{
	*holder = d_socket();
	if (*holder < 0 || d_bind(*holder, TOY_LO, 0))
		return -1;
	return d_port(*holder);
}

static int d_set_linger(int fd, int onoff, int secs)
{
	struct linger lg = { .l_onoff = onoff, .l_linger = secs };

	return setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
}

static int d_set_timeo(int fd, int opt, int ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	return setsockopt(fd, SOL_SOCKET, opt, &tv, sizeof(tv));
}

static int d_ioctl(int fd, unsigned long req)
{
	int v = -1;

	return ioctl(fd, req, &v) ? -1 : v;
}

/* Polls every 10 ms until ioctl(req) reads want; returns the last value. */
static int d_wait_ioctl(int fd, unsigned long req, int want, int ms)
{
	long end = toy_now_ms() + ms;
	int v;

	for (;;) {
		v = d_ioctl(fd, req);
		if (v == want || toy_now_ms() >= end)
			return v;
		toy_sleep_ms(10);
	}
}

/* Polls every 10 ms until the TCP_* state is want; returns the last one. */
static int d_wait_state(int fd, int want, int ms)
{
	long end = toy_now_ms() + ms;
	int st;

	for (;;) {
		st = d_state(fd);
		if (st == want || toy_now_ms() >= end)
			return st;
		toy_sleep_ms(10);
	}
}

static int d_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

/* The call's result as one number: the return value, or -errno. */
#define R(call) ({ long _r = (call); _r < 0 ? -errno : _r; })

/* ---- readiness ------------------------------------------------------------ */

#define D_EVENTS (POLLIN | POLLPRI | POLLOUT | POLLRDHUP | POLLRDNORM | \
		  POLLRDBAND | POLLWRNORM | POLLWRBAND)

#define IN	(POLLIN | POLLRDNORM)
#define OUT	(POLLOUT | POLLWRNORM)
#define RDHUP	POLLRDHUP
#define HUP	POLLHUP
#define ERR	POLLERR

/* select()'s view of a poll mask: bit 0 readable, 1 writable, 2 except. */
static int d_sel_bits(int m)
{
	int r = !!(m & (POLLIN | POLLRDNORM | POLLRDBAND | POLLHUP | POLLERR));
	int w = !!(m & (POLLOUT | POLLWRNORM | POLLWRBAND | POLLERR));
	int x = !!(m & POLLPRI);

	return r | w << 1 | x << 2;
}

struct d_ready {
	int poll, epoll, sel;
};

/* The three readiness APIs, all asked at once with a zero timeout. */
static int d_ready(int fd, struct d_ready *r)
{
	struct pollfd p = { .fd = fd, .events = D_EVENTS };
	struct epoll_event ev = { .events = D_EVENTS };
	struct timeval tv = { 0, 0 };
	fd_set rs, ws, es;
	int ep, n;

	if (poll(&p, 1, 0) < 0)
		return -1;
	r->poll = p.revents;

	ep = epoll_create1(0);
	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev))
		return -1;
	memset(&ev, 0, sizeof(ev));
	n = epoll_wait(ep, &ev, 1, 0);
	close(ep);
	if (n < 0)
		return -1;
	r->epoll = n ? (int)ev.events : 0;

	FD_ZERO(&rs);
	FD_ZERO(&ws);
	FD_ZERO(&es);
	FD_SET(fd, &rs);
	FD_SET(fd, &ws);
	FD_SET(fd, &es);
	if (select(fd + 1, &rs, &ws, &es, &tv) < 0)
		return -1;
	r->sel = FD_ISSET(fd, &rs) | FD_ISSET(fd, &ws) << 1 |
		 FD_ISSET(fd, &es) << 2;
	return 0;
}

static const char *d_mask_str(int m, char *buf, size_t len)
{
	static const struct { int bit; const char *name; } names[] = {
		{ POLLIN, "IN" }, { POLLPRI, "PRI" }, { POLLOUT, "OUT" },
		{ POLLERR, "ERR" }, { POLLHUP, "HUP" }, { POLLNVAL, "NVAL" },
		{ POLLRDNORM, "RDNORM" }, { POLLRDBAND, "RDBAND" },
		{ POLLWRNORM, "WRNORM" }, { POLLWRBAND, "WRBAND" },
		{ POLLRDHUP, "RDHUP" },
	};
	size_t i, off = 0;

	buf[0] = 0;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (m & names[i].bit)
			off += snprintf(buf + off, len - off, "%s%s",
					off ? "|" : "", names[i].name);
	if (!off)
		snprintf(buf, len, "0");
	return buf;
}

/* poll, epoll and select must all show exactly want (a poll mask). */
#define EXPECT_READY(fd, want) do {					\
	struct d_ready _r;						\
	int _w = (want);						\
	ASSERT_EQ(0, d_ready((fd), &_r));				\
	if (_r.poll != _w || _r.epoll != _w ||				\
	    _r.sel != d_sel_bits(_w)) {					\
		char _b1[96], _b2[96], _b3[96];				\
		TH_LOG("%s: want %s, poll %s, epoll %s, select %d/%d",	\
		       #fd, d_mask_str(_w, _b1, sizeof(_b1)),		\
		       d_mask_str(_r.poll, _b2, sizeof(_b2)),		\
		       d_mask_str(_r.epoll, _b3, sizeof(_b3)),		\
		       _r.sel, d_sel_bits(_w));				\
	}								\
	EXPECT_EQ(_w, _r.poll);						\
	EXPECT_EQ(_w, _r.epoll);					\
	EXPECT_EQ(d_sel_bits(_w), _r.sel);				\
} while (0)

/* Polls until one of events shows (or ms pass); returns the revents. */
static int d_wait(int fd, int events, int ms)
{
	struct pollfd p = { .fd = fd, .events = D_EVENTS };
	long end = toy_now_ms() + ms;

	for (;;) {
		long left = end - toy_now_ms();

		if (poll(&p, 1, left > 0 ? (int)left : 0) < 0)
			return -1;
		if ((p.revents & events) || left <= 0)
			return p.revents;
		/* other bits (POLLOUT) keep poll() from sleeping */
		toy_sleep_ms(10);
	}
}

/* ---- environment ------------------------------------------------------- */

/*
 * Brings up toy0 for connections that stay in SYN_SENT; 0 if it worked.
 * Over IPv6 toy0 gets the twins of its addresses too, as a /120: the
 * other twins stay unroutable.
 */
static int d_blackhole(void)
{
	if (toy_sh("ip link show dev " TOY_DUMMY_IF)) {
		toy_sh("modprobe dummy");
		if (toy_sh("ip link add " TOY_DUMMY_IF " type dummy"))
			return -1;
	}
	if (toy_dummy_setup())
		return -1;
	if (!F.v6)
		return 0;
	toy_sh("ip -6 addr add " D_V6_PREFIX "a42:1/120 dev " TOY_DUMMY_IF " nodad 2>/dev/null");
	return toy_sh("ip -6 addr show dev " TOY_DUMMY_IF " | grep -q " D_V6_PREFIX "a42:1/120") ?
	       -1 : 0;
}

/* A non-blocking connect into the black hole: stays in SYN_SENT. */
static int d_connecting(void)
{
	int fd = d_socket_flags(SOCK_NONBLOCK);

	if (fd < 0)
		return -1;
	if (d_connect(fd, inet_addr(TOY_DUMMY_PEER), 9) == 0 ||
	    errno != EINPROGRESS) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Every packet on lo vanishes from now on (sch_netem), 0 if it worked. */
static int d_lo_blackhole(void)
{
	toy_sh("modprobe sch_netem");
	return toy_sh("tc qdisc add dev lo root netem loss 100%");
}

static void d_lo_restore(void)
{
	toy_sh("tc qdisc del dev lo root");
}

static volatile sig_atomic_t d_sigpipes;

static void d_on_sigpipe(int sig)
{
	d_sigpipes++;
}

/* ---- summary: cases per variant, and the cases where they disagree ----- */

#define D_MAX_CASES	256

struct d_case {
	char name[64];
	char res[2];	/* [tcp, toy]: 0 not run, 'P' pass, 'F' fail, 'S' skip */
};

static struct {
	int n;
	struct d_case c[D_MAX_CASES];
} *d_sum;
static pid_t d_main_pid;

/* Shared with the forked test processes, which record into it. */
static void __attribute__((constructor)) d_sum_init(void)
{
	d_sum = mmap(NULL, sizeof(*d_sum), PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (d_sum == MAP_FAILED)
		d_sum = NULL;
	d_main_pid = getpid();
}

/* Results are kept by case, an IPv6 run's under the name plus " (IPv6)". */
static void d_record(const char *test, bool toy, char res)
{
	char name[64];
	int i;

	if (!d_sum)
		return;
	snprintf(name, sizeof(name), "%s%s", test, F.v6 ? " (IPv6)" : "");
	for (i = 0; i < d_sum->n; i++)
		if (!strcmp(d_sum->c[i].name, name))
			break;
	if (i == d_sum->n) {
		if (i == D_MAX_CASES)
			return;
		snprintf(d_sum->c[i].name, sizeof(d_sum->c[i].name), "%s",
			 name);
		d_sum->n++;
	}
	d_sum->c[i].res[toy] = res;
}

static void __attribute__((destructor)) d_sum_print(void)
{
	int i, v, run[2] = { 0 }, pass[2] = { 0 }, skip[2] = { 0 };
	int agree = 0, differ = 0;

	if (!d_sum || getpid() != d_main_pid)
		return;
	for (i = 0; i < d_sum->n; i++) {
		struct d_case *c = &d_sum->c[i];

		for (v = 0; v < 2; v++) {
			run[v] += !!c->res[v];
			pass[v] += c->res[v] == 'P';
			skip[v] += c->res[v] == 'S';
		}
		if (!c->res[0] || !c->res[1])
			continue;
		if (c->res[0] == c->res[1] && c->res[0] == 'P') {
			agree++;
		} else if (c->res[0] != c->res[1]) {
			differ++;
			printf("# toy_diff: DIFFERS %s: tcp %c, toy %c\n",
			       c->name, c->res[0], c->res[1]);
		}
	}
	printf("# toy_diff: cases run: tcp %d (%d passed, %d skipped), toy %d (%d passed, %d skipped)\n",
	       run[0], pass[0], skip[0], run[1], pass[1], skip[1]);
	printf("# toy_diff: %d cases pass on both, %d differ\n", agree, differ);
	fflush(stdout);
}

/* ---- the fixture ---------------------------------------------------------- */

FIXTURE(diff) {
	int l, c, s, port;
	bool netem;
};

FIXTURE_VARIANT(diff) {
	bool toy;
	bool v6;
};

FIXTURE_VARIANT_ADD(diff, tcp) { .toy = false };
FIXTURE_VARIANT_ADD(diff, toy) { .toy = true };
FIXTURE_VARIANT_ADD(diff, tcp6) { .toy = false, .v6 = true };
FIXTURE_VARIANT_ADD(diff, toy6) { .toy = true, .v6 = true };

FIXTURE_SETUP(diff)
{
	struct sigaction sa = { .sa_handler = d_on_sigpipe };

	self->l = self->c = self->s = -1;
	self->netem = false;
	d_family_init(variant->toy, variant->v6);
	d_record(_metadata->name, F.toy, 'F');	/* until teardown says more */
	sigaction(SIGPIPE, &sa, NULL);
	d_sigpipes = 0;
	if (F.toy && access(TOY_FAMILY_SYSFS, R_OK)) {
		d_record(_metadata->name, F.toy, 'S');
		SKIP(return, "toy.ko is not loaded");
	}
}

FIXTURE_TEARDOWN(diff)
{
	if (self->netem)
		d_lo_restore();
	toy_close(&self->c);
	toy_close(&self->s);
	toy_close(&self->l);
	d_record(_metadata->name, F.toy,
		 _metadata->exit_code == KSFT_PASS ? 'P' :
		 _metadata->exit_code == KSFT_SKIP ? 'S' : 'F');
}

/* ====================================================================== */
/* errnos                                                                  */
/* ====================================================================== */

TEST_F(diff, bind_twice)
{
	int fd = d_socket();

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, d_bind(fd, TOY_LO, 0));
	EXPECT_EQ(-EINVAL, R(d_bind(fd, TOY_LO, 0)));
	EXPECT_EQ(-EINVAL, R(d_bind(fd, TOY_ANY, 0)));
	close(fd);
}

TEST_F(diff, bind_errors)
{
	struct sockaddr_storage ss;
	int fd = d_socket(), lo, hi, port;
	socklen_t len;
	pid_t pid;
	int st;

	ASSERT_LE(0, fd);
	len = d_addr(&ss, TOY_LO, 0);
	EXPECT_EQ(-EINVAL, R(bind(fd, (struct sockaddr *)&ss, d_short(len))));
	ss.ss_family = d_other_family();
	EXPECT_EQ(-EAFNOSUPPORT, R(bind(fd, (struct sockaddr *)&ss, len)));
	EXPECT_EQ(-EADDRNOTAVAIL, R(d_bind(fd, inet_addr("192.0.2.1"), 0)));

	/* port 0: an ephemeral port, and the address as bound */
	ASSERT_EQ(0, d_bind(fd, TOY_LO, 0));
	toy_eph_range(&lo, &hi);
	port = d_port(fd);
	EXPECT_LE(lo, port);
	EXPECT_GE(hi, port);
	close(fd);

	/* a privileged port without CAP_NET_BIND_SERVICE */
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int ufd = d_socket();

		if (ufd < 0 || setresgid(65534, 65534, 65534) ||
		    setresuid(65534, 65534, 65534))
			_exit(2);
		_exit(d_bind(ufd, TOY_LO, 80) == -1 && errno == EACCES ? 0 : 1);
	}
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	EXPECT_TRUE(WIFEXITED(st));
	EXPECT_EQ(0, WEXITSTATUS(st));
}

TEST_F(diff, bind_in_use)
{
	int a, b, port;

	/* a bound (not listening) socket holds the port */
	a = d_socket();
	ASSERT_LE(0, a);
	ASSERT_EQ(0, d_bind(a, TOY_LO, 0));
	port = d_port(a);
	b = d_socket();
	ASSERT_LE(0, b);
	EXPECT_EQ(-EADDRINUSE, R(d_bind(b, TOY_LO, port)));
	EXPECT_EQ(-EADDRINUSE, R(d_bind(b, TOY_ANY, port)));
	/* SO_REUSEADDR on the newcomer only is not enough */
	ASSERT_EQ(0, toy_set_int(b, SOL_SOCKET, SO_REUSEADDR, 1));
	EXPECT_EQ(-EADDRINUSE, R(d_bind(b, TOY_LO, port)));
	close(b);
	close(a);

	/* both set SO_REUSEADDR before bind, none listening: shared */
	a = d_socket();
	b = d_socket();
	ASSERT_LE(0, a);
	ASSERT_LE(0, b);
	ASSERT_EQ(0, toy_set_int(a, SOL_SOCKET, SO_REUSEADDR, 1));
	ASSERT_EQ(0, toy_set_int(b, SOL_SOCKET, SO_REUSEADDR, 1));
	ASSERT_EQ(0, d_bind(a, TOY_LO, 0));
	port = d_port(a);
	EXPECT_EQ(0, R(d_bind(b, TOY_LO, port)));
	EXPECT_EQ(port, d_port(b));
	close(b);

	/* ... but not once the holder listens */
	ASSERT_EQ(0, listen(a, 4));
	b = d_socket();
	ASSERT_LE(0, b);
	ASSERT_EQ(0, toy_set_int(b, SOL_SOCKET, SO_REUSEADDR, 1));
	EXPECT_EQ(-EADDRINUSE, R(d_bind(b, TOY_LO, port)));
	EXPECT_EQ(-EADDRINUSE, R(d_bind(b, TOY_ANY, port)));
	close(b);
	close(a);
}

/*
 * Two sockets share a port through SO_REUSEADDR while neither listens. The
 * first listen() takes the port; the second must fail EADDRINUSE (TCP's
 * inet_csk_listen_start() runs the bind conflict check again), or it would
 * receive connections meant for the first. Then the port is still bound by
 * the loser, and a connection reaches the first listener.
 */
static void listen_hijack(struct __test_metadata *_metadata, bool first_wins)
{
	int a, b, port, c, s, win, lose;

	a = d_socket();
	b = d_socket();
	ASSERT_LE(0, a);
	ASSERT_LE(0, b);
	ASSERT_EQ(0, toy_set_int(a, SOL_SOCKET, SO_REUSEADDR, 1));
	ASSERT_EQ(0, toy_set_int(b, SOL_SOCKET, SO_REUSEADDR, 1));
	ASSERT_EQ(0, d_bind(a, TOY_LO, 0));
	port = d_port(a);
	ASSERT_EQ(0, d_bind(b, TOY_LO, port));
	win = first_wins ? a : b;
	lose = first_wins ? b : a;
	ASSERT_EQ(0, listen(win, 4));
	EXPECT_EQ(-EADDRINUSE, R(listen(lose, 4)));
	EXPECT_EQ(port, d_port(lose));
	EXPECT_EQ(-EINVAL, R(accept(lose, NULL, NULL)));

	c = d_socket();
	ASSERT_LE(0, c);
	ASSERT_EQ(0, d_connect(c, TOY_LO, port));
	s = d_accept(win);
	EXPECT_LE(0, s);
	toy_close(&s);
	close(c);
	close(b);
	close(a);
}

TEST_F(diff, listen_rechecks_bind_first)
{
	listen_hijack(_metadata, true);
}

TEST_F(diff, listen_rechecks_bind_second)
{
	listen_hijack(_metadata, false);
}

/*
 * The same with the second socket owned by another user: nobody binds the
 * root listener's port with SO_REUSEADDR before root listens, then tries to
 * listen too. Without SO_REUSEPORT the owner plays no part in TCP.
 */
TEST_F(diff, listen_rechecks_bind_other_user)
{
	int a, port, c, s, st, res = 0, go[2], done[2];
	pid_t pid;

	a = d_socket();
	ASSERT_LE(0, a);
	ASSERT_EQ(0, toy_set_int(a, SOL_SOCKET, SO_REUSEADDR, 1));
	ASSERT_EQ(0, d_bind(a, TOY_LO, 0));
	port = d_port(a);
	ASSERT_EQ(0, pipe(go));
	ASSERT_EQ(0, pipe(done));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int b = d_socket(), r = 1;

		if (b < 0 || setresgid(65534, 65534, 65534) ||
		    setresuid(65534, 65534, 65534) ||
		    toy_set_int(b, SOL_SOCKET, SO_REUSEADDR, 1) ||
		    d_bind(b, TOY_LO, port))
			r = -1000;
		/* tell the parent we are bound, wait until it listens */
		if (write(done[1], &r, sizeof(r)) != sizeof(r) ||
		    read(go[0], &r, sizeof(r)) != sizeof(r))
			_exit(1);
		r = R(listen(b, 4));
		if (write(done[1], &r, sizeof(r)) != sizeof(r))
			_exit(1);
		/* hold the socket until the parent connected */
		if (read(go[0], &r, sizeof(r)) != sizeof(r))
			_exit(1);
		_exit(0);
	}
	ASSERT_EQ((ssize_t)sizeof(res), read(done[0], &res, sizeof(res)));
	ASSERT_EQ(1, res) TH_LOG("nobody could not bind port %d", port);
	ASSERT_EQ(0, listen(a, 4));
	ASSERT_EQ((ssize_t)sizeof(res), write(go[1], &res, sizeof(res)));
	ASSERT_EQ((ssize_t)sizeof(res), read(done[0], &res, sizeof(res)));
	EXPECT_EQ(-EADDRINUSE, res);

	c = d_socket();
	ASSERT_LE(0, c);
	ASSERT_EQ(0, d_connect(c, TOY_LO, port));
	s = d_accept(a);
	EXPECT_LE(0, s);
	ASSERT_EQ((ssize_t)sizeof(res), write(go[1], &res, sizeof(res)));
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	EXPECT_TRUE(WIFEXITED(st) && !WEXITSTATUS(st));
	toy_close(&s);
	close(c);
	close(a);
	close(go[0]);
	close(go[1]);
	close(done[0]);
	close(done[1]);
}

TEST_F(diff, listen_errors)
{
	int fd, port;

	/* unbound: implicit ephemeral port on 0.0.0.0; twice is fine */
	fd = d_socket();
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, listen(fd, 4));
	d_unbound_begin();
	EXPECT_LT(0, d_port(fd));
	d_unbound_end();
	EXPECT_EQ(0, listen(fd, 8));
	close(fd);

	ASSERT_EQ(0, d_pair(&self->l, &self->c, &self->s, &self->port));
	EXPECT_EQ(-EINVAL, R(listen(self->c, 4)));
	EXPECT_EQ(-EINVAL, R(listen(self->s, 4)));

	/* connecting (non-blocking, handshake not awaited) */
	fd = d_socket_flags(SOCK_NONBLOCK);
	ASSERT_LE(0, fd);
	port = self->port;
	EXPECT_EQ(-EINPROGRESS, R(d_connect(fd, TOY_LO, port)));
	EXPECT_EQ(-EINVAL, R(listen(fd, 4)));
	close(fd);
}

TEST_F(diff, accept_errors)
{
	int fd, port;
	long t0;

	fd = d_socket();
	ASSERT_LE(0, fd);
	EXPECT_EQ(-EINVAL, R(accept(fd, NULL, NULL)));		/* unbound */
	ASSERT_EQ(0, d_bind(fd, TOY_LO, 0));
	EXPECT_EQ(-EINVAL, R(accept(fd, NULL, NULL)));		/* not listening */
	ASSERT_EQ(0, listen(fd, 4));
	ASSERT_EQ(0, d_nonblock(fd));
	EXPECT_EQ(-EAGAIN, R(accept(fd, NULL, NULL)));		/* empty queue */
	close(fd);

	/* blocking accept with SO_RCVTIMEO: EAGAIN after the timeout */
	fd = d_listener(4, &port);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, d_set_timeo(fd, SO_RCVTIMEO, 200));
	t0 = toy_now_ms();
	EXPECT_EQ(-EAGAIN, R(accept(fd, NULL, NULL)));
	/* it waited: a quarter of the timeout, as the guest's timers and
	 * clock drift apart under TCG on a busy host
	 */
	EXPECT_LE(50, toy_now_ms() - t0);
	close(fd);

	ASSERT_EQ(0, d_pair(&self->l, &self->c, &self->s, &self->port));
	EXPECT_EQ(-EINVAL, R(accept(self->c, NULL, NULL)));	/* connected */
	EXPECT_EQ(-EINVAL, R(accept(self->s, NULL, NULL)));
}

TEST_F(diff, accept_peer_address)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	in_addr_t a;
	int port, fd;

	self->l = d_listener(4, &self->port);
	ASSERT_LE(0, self->l);
	self->c = d_socket();
	ASSERT_LE(0, self->c);
	ASSERT_EQ(0, d_connect(self->c, TOY_LO, self->port));
	memset(&ss, 0, sizeof(ss));
	fd = accept4(self->l, (struct sockaddr *)&ss, &len,
		     SOCK_NONBLOCK | SOCK_CLOEXEC);
	ASSERT_LE(0, fd);
	self->s = fd;
	EXPECT_EQ(d_addr(&(struct sockaddr_storage){ 0 }, 0, 0), len);
	EXPECT_EQ(F.family, d_parse(&ss, &a, &port));
	EXPECT_EQ(TOY_LO, a);
	EXPECT_EQ(d_port(self->c), port);
	EXPECT_EQ(O_NONBLOCK, fcntl(fd, F_GETFL) & O_NONBLOCK);
	EXPECT_EQ(FD_CLOEXEC, fcntl(fd, F_GETFD) & FD_CLOEXEC);
	/* both ends name each other */
	ASSERT_EQ(0, d_name(self->c, true, &a, &port));
	EXPECT_EQ(TOY_LO, a);
	EXPECT_EQ(self->port, port);
	ASSERT_EQ(0, d_name(self->s, false, &a, &port));
	EXPECT_EQ(self->port, port);
}

TEST_F(diff, connect_errors)
{
	struct sockaddr_storage ss;
	int fd, holder, port, p;
	socklen_t len;
	char buf[8];
	in_addr_t a;

	fd = d_socket();
	ASSERT_LE(0, fd);
	port = d_closed_port(&holder);
	ASSERT_LT(0, port);
	len = d_addr(&ss, TOY_LO, port);
	EXPECT_EQ(-EINVAL, R(connect(fd, (struct sockaddr *)&ss, d_short(len))));
	ss.ss_family = d_other_family();
	EXPECT_EQ(-EAFNOSUPPORT, R(connect(fd, (struct sockaddr *)&ss, len)));
	/* refused, twice: a blocking failure leaves the socket reusable */
	EXPECT_EQ(-ECONNREFUSED, R(d_connect(fd, TOY_LO, port)));
	EXPECT_EQ(-ECONNREFUSED, R(d_connect(fd, TOY_LO, port)));
	EXPECT_EQ(-ECONNREFUSED, R(d_connect(fd, TOY_LO, 0)));
	/*
	 * The failed attempt left nothing: no address, no EOF, no shutdown.
	 * (TCP's getsockname still shows the port connect() had picked,
	 * though it released it: not compared.)
	 */
	ASSERT_EQ(0, d_name(fd, false, &a, &p));
	EXPECT_EQ(TOY_ANY, a);
	EXPECT_EQ(-ENOTCONN, R(recv(fd, buf, sizeof(buf), MSG_DONTWAIT)));
	/* and then it can still connect somewhere, and carry data */
	self->l = d_listener(4, &self->port);
	ASSERT_LE(0, self->l);
	EXPECT_EQ(0, R(d_connect(fd, TOY_LO, self->port)));
	EXPECT_EQ(-EISCONN, R(d_connect(fd, TOY_LO, self->port)));
	self->s = d_accept(self->l);
	ASSERT_LE(0, self->s);
	EXPECT_READY(fd, OUT);
	EXPECT_EQ(2, R(send(fd, "up", 2, MSG_NOSIGNAL)));
	EXPECT_EQ(2, R(recv(self->s, buf, sizeof(buf), 0)));
	EXPECT_EQ(4, R(send(self->s, "down", 4, MSG_NOSIGNAL)));
	EXPECT_EQ(4, R(recv(fd, buf, sizeof(buf), 0)));
	close(fd);
	close(holder);

	/* no route at all: only where the VM has none */
	if (toy_has_route(inet_addr("203.0.113.1")) == 0) {
		fd = d_socket();
		ASSERT_LE(0, fd);
		EXPECT_EQ(-ENETUNREACH, R(d_connect(fd, inet_addr("203.0.113.1"), 9)));
		close(fd);
	}
}

TEST_F(diff, connect_on_listener)
{
	self->l = d_listener(4, &self->port);
	ASSERT_LE(0, self->l);
	EXPECT_EQ(-EISCONN, R(d_connect(self->l, TOY_LO, self->port)));
}

TEST_F(diff, connect_nonblocking_completes)
{
	int fd;

	self->l = d_listener(4, &self->port);
	ASSERT_LE(0, self->l);
	fd = d_socket_flags(SOCK_NONBLOCK);
	ASSERT_LE(0, fd);
	self->c = fd;
	EXPECT_EQ(-EINPROGRESS, R(d_connect(fd, TOY_LO, self->port)));
	EXPECT_EQ(OUT, d_wait(fd, POLLOUT, TOY_IO_MS) & OUT);
	EXPECT_EQ(0, toy_get_int(fd, SOL_SOCKET, SO_ERROR));
	EXPECT_EQ(0, R(d_connect(fd, TOY_LO, self->port)));
	EXPECT_EQ(-EISCONN, R(d_connect(fd, TOY_LO, self->port)));
	EXPECT_EQ(TOY_ST_ESTABLISHED, d_state(fd));
}

TEST_F(diff, connect_nonblocking_ealready)
{
	int fd;

	if (d_blackhole())
		SKIP(return, "no dummy interface for a black hole");
	fd = d_socket_flags(SOCK_NONBLOCK);
	ASSERT_LE(0, fd);
	self->c = fd;
	EXPECT_EQ(-EINPROGRESS, R(d_connect(fd, inet_addr(TOY_DUMMY_PEER), 9)));
	EXPECT_EQ(-EALREADY, R(d_connect(fd, inet_addr(TOY_DUMMY_PEER), 9)));
	EXPECT_EQ(-EALREADY, R(d_connect(fd, inet_addr(TOY_DUMMY_PEER), 9)));
	EXPECT_EQ(TOY_ST_SYN_SENT, d_state(fd));
	EXPECT_EQ(-ENOTCONN, R(getpeername(fd, NULL, &(socklen_t){ 0 })));
	EXPECT_EQ(-EINVAL, R(listen(fd, 1)));
	EXPECT_EQ(0, toy_get_int(fd, SOL_SOCKET, SO_ERROR));
}

TEST_F_TIMEOUT(diff, connect_timeout, 60)
{
	long t0, dt1, dt2;
	char buf[4];
	int fd;

	if (d_blackhole())
		SKIP(return, "no dummy interface for a black hole");
	fd = d_socket();
	ASSERT_LE(0, fd);
	self->c = fd;
	/* TCP: 1 s + 2 s; the module's RTO starts at 1 s too */
	ASSERT_EQ(0, d_setopt(fd, D_SYNCNT, 1));
	ASSERT_EQ(0, d_set_timeo(fd, SO_SNDTIMEO, 20000));
	t0 = toy_now_ms();
	EXPECT_EQ(-ETIMEDOUT, R(d_connect(fd, inet_addr(TOY_DUMMY_PEER), 9)));
	dt1 = toy_now_ms() - t0;
	EXPECT_LE(2500, dt1);
	EXPECT_GE(15000, dt1);
	EXPECT_EQ(TOY_ST_CLOSE, d_state(fd));
	EXPECT_EQ(0, toy_get_int(fd, SOL_SOCKET, SO_ERROR));
	/* a second attempt starts over: as many SYNs, the same backoff */
	t0 = toy_now_ms();
	EXPECT_EQ(-ETIMEDOUT, R(d_connect(fd, inet_addr(TOY_DUMMY_PEER), 9)));
	dt2 = toy_now_ms() - t0;
	EXPECT_LE(dt1 - 500, dt2) TH_LOG("first %ld ms, second %ld ms", dt1, dt2);
	EXPECT_GE(dt1 + 1500, dt2) TH_LOG("first %ld ms, second %ld ms", dt1, dt2);
	/* and a live peer is reached */
	self->l = d_listener(4, &self->port);
	ASSERT_LE(0, self->l);
	EXPECT_EQ(0, R(d_connect(fd, TOY_LO, self->port)));
	self->s = d_accept(self->l);
	ASSERT_LE(0, self->s);
	EXPECT_EQ(2, R(send(fd, "up", 2, MSG_NOSIGNAL)));
	EXPECT_EQ(2, R(recv(self->s, buf, sizeof(buf), 0)));
}

TEST_F(diff, getpeername_unconnected)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	in_addr_t a;
	int fd, port;

	fd = d_socket();
	ASSERT_LE(0, fd);
	EXPECT_EQ(-ENOTCONN, R(getpeername(fd, (struct sockaddr *)&ss, &len)));
	/* getsockname of an unbound socket: the family, 0.0.0.0:0 */
	d_unbound_begin();
	EXPECT_EQ(0, d_name(fd, false, &a, &port));
	d_unbound_end();
	EXPECT_EQ(TOY_ANY, a);
	EXPECT_EQ(0, port);
	ASSERT_EQ(0, d_bind(fd, TOY_LO, 0));
	EXPECT_EQ(-ENOTCONN, R(getpeername(fd, (struct sockaddr *)&ss, &len)));
	ASSERT_EQ(0, listen(fd, 1));
	EXPECT_EQ(-ENOTCONN, R(getpeername(fd, (struct sockaddr *)&ss, &len)));
	close(fd);
}

TEST_F(diff, send_before_connect)
{
	int fd = d_socket();

	ASSERT_LE(0, fd);
	EXPECT_EQ(-EPIPE, R(send(fd, "x", 1, 0)));
	EXPECT_EQ(1, d_sigpipes);
	EXPECT_EQ(-EPIPE, R(write(fd, "x", 1)));
	EXPECT_EQ(2, d_sigpipes);
	EXPECT_EQ(-EPIPE, R(send(fd, "x", 1, MSG_NOSIGNAL)));
	EXPECT_EQ(2, d_sigpipes);
	EXPECT_EQ(-EPIPE, R(send(fd, "x", 1, MSG_NOSIGNAL | MSG_DONTWAIT)));
	EXPECT_EQ(2, d_sigpipes);
	/* a bound socket is no different */
	ASSERT_EQ(0, d_bind(fd, TOY_LO, 0));
	EXPECT_EQ(-EPIPE, R(send(fd, "x", 1, MSG_NOSIGNAL)));
	close(fd);
}

TEST_F(diff, recv_before_connect)
{
	char buf[4];
	int fd = d_socket();

	ASSERT_LE(0, fd);
	EXPECT_EQ(-ENOTCONN, R(recv(fd, buf, sizeof(buf), 0)));
	EXPECT_EQ(-ENOTCONN, R(recv(fd, buf, sizeof(buf), MSG_DONTWAIT)));
	EXPECT_EQ(-ENOTCONN, R(read(fd, buf, sizeof(buf))));
	close(fd);
}

TEST_F(diff, recv_on_listener)
{
	char buf[4];

	self->l = d_listener(4, &self->port);
	ASSERT_LE(0, self->l);
	EXPECT_EQ(-ENOTCONN, R(recv(self->l, buf, sizeof(buf), 0)));
	EXPECT_EQ(-ENOTCONN, R(recv(self->l, buf, sizeof(buf), MSG_DONTWAIT)));
	EXPECT_EQ(-EPIPE, R(send(self->l, "x", 1, MSG_NOSIGNAL)));
}

TEST_F(diff, shutdown_errors)
{
	int fd = d_socket();

	ASSERT_LE(0, fd);
	EXPECT_EQ(-ENOTCONN, R(shutdown(fd, SHUT_RD)));
	EXPECT_EQ(-ENOTCONN, R(shutdown(fd, SHUT_WR)));
	EXPECT_EQ(-ENOTCONN, R(shutdown(fd, SHUT_RDWR)));
	EXPECT_EQ(-EINVAL, R(shutdown(fd, 3)));
	EXPECT_EQ(-EINVAL, R(shutdown(fd, -1)));
	close(fd);

	ASSERT_EQ(0, d_pair(&self->l, &self->c, &self->s, &self->port));
	EXPECT_EQ(-EINVAL, R(shutdown(self->c, 3)));
	EXPECT_EQ(-EINVAL, R(shutdown(self->c, 100)));
	EXPECT_EQ(0, R(shutdown(self->c, SHUT_WR)));
	EXPECT_EQ(0, R(shutdown(self->c, SHUT_WR)));		/* again */
	EXPECT_EQ(0, R(shutdown(self->c, SHUT_RDWR)));
}

/*
 * The errno matrix: each call made on a fresh socket brought to each state.
 * Results are the return value, or -errno. Expected values are TCP's.
 */
enum m_state {
	M_FRESH, M_BOUND, M_LISTEN, M_CONNECTING, M_ESTABLISHED, M_SHUT_WR,
	M_CLOSE_WAIT, M_RESET, M_REFUSED, M_NSTATES,
};

enum m_call {
	MC_BIND, MC_LISTEN, MC_CONNECT, MC_ACCEPT, MC_GETPEERNAME,
	MC_SHUTDOWN, MC_RECV, MC_SEND, MC_NCALLS,
};

static const char *const m_state_names[M_NSTATES] = {
	"fresh", "bound", "listen", "connecting", "established", "shut_wr",
	"close_wait", "reset", "refused",
};

static const char *const m_call_names[MC_NCALLS] = {
	"bind", "listen", "connect", "accept", "getpeername", "shutdown",
	"recv", "send",
};

static const int m_expect[M_NSTATES][MC_NCALLS] = {
	/*                bind     listen   connect     accept   getpeername shutdown   recv        send */
	[M_FRESH]       = { 0,       0,       0,          -EINVAL, -ENOTCONN, -ENOTCONN, -ENOTCONN, -EPIPE },
	[M_BOUND]       = { -EINVAL, 0,       0,          -EINVAL, -ENOTCONN, -ENOTCONN, -ENOTCONN, -EPIPE },
	[M_LISTEN]      = { -EINVAL, 0,       -EISCONN,   -EAGAIN, -ENOTCONN, 0,         -ENOTCONN, -EPIPE },
	[M_CONNECTING]  = { -EINVAL, -EINVAL, -EALREADY,  -EINVAL, -ENOTCONN, 0,         -EAGAIN,   -EAGAIN },
	[M_ESTABLISHED] = { -EINVAL, -EINVAL, -EISCONN,   -EINVAL, 0,         0,         -EAGAIN,   1 },
	[M_SHUT_WR]     = { -EINVAL, -EINVAL, -EISCONN,   -EINVAL, 0,         0,         -EAGAIN,   -EPIPE },
	[M_CLOSE_WAIT]  = { -EINVAL, -EINVAL, -EISCONN,   -EINVAL, 0,         0,         0,         1 },
	[M_RESET]       = { 0,       -EINVAL, -EISCONN,   -EINVAL, -ENOTCONN, -ENOTCONN, 0,         -EPIPE },
	[M_REFUSED]     = { 0,       0,       0,          -EINVAL, -ENOTCONN, -ENOTCONN, -ENOTCONN, -EPIPE },
};

struct m_env {
	int sl, sport;		/* peers for the states: accepted from here */
	int tl, tport;		/* connect()'s target: never accepted */
	int closed, cport;	/* a bound port without a listener */
};

/* A socket in state st (and, for some states, its peer in *peer). */
static int m_make(enum m_state st, struct m_env *e, int *peer)
{
	int fd, s;

	*peer = -1;
	if (st == M_CONNECTING)
		return d_connecting();
	fd = d_socket();
	if (fd < 0)
		return -1;
	switch (st) {
	case M_FRESH:
		return fd;
	case M_BOUND:
		return d_bind(fd, TOY_LO, 0) ? -1 : fd;
	case M_LISTEN:
		return d_bind(fd, TOY_LO, 0) || listen(fd, 4) ? -1 : fd;
	case M_REFUSED:
		return d_connect(fd, TOY_LO, e->cport) == -1 &&
		       errno == ECONNREFUSED ? fd : -1;
	default:
		break;
	}
	if (d_connect(fd, TOY_LO, e->sport))
		return -1;
	s = d_accept(e->sl);
	if (s < 0)
		return -1;
	*peer = s;
	switch (st) {
	case M_SHUT_WR:
		if (shutdown(fd, SHUT_WR) || recv(s, &(char){ 0 }, 1, 0) != 0)
			return -1;
		break;
	case M_CLOSE_WAIT:
		close(s);
		*peer = -1;
		if (recv(fd, &(char){ 0 }, 1, 0) != 0)
			return -1;
		break;
	case M_RESET:
		if (d_set_linger(s, 1, 0))
			return -1;
		close(s);
		*peer = -1;
		if (recv(fd, &(char){ 0 }, 1, 0) != -1 || errno != ECONNRESET)
			return -1;
		break;
	default:
		break;
	}
	return fd;
}

static int m_call(enum m_call call, int fd, struct m_env *e)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char c;
	int r;

	switch (call) {
	case MC_BIND:
		return R(d_bind(fd, TOY_LO, 0));
	case MC_LISTEN:
		return R(listen(fd, 4));
	case MC_CONNECT:
		return R(d_connect(fd, TOY_LO, e->tport));
	case MC_ACCEPT:
		if (d_nonblock(fd))
			return -1000;
		r = R(accept(fd, NULL, NULL));
		if (r >= 0) {
			close(r);
			r = 0;
		}
		return r;
	case MC_GETPEERNAME:
		return R(getpeername(fd, (struct sockaddr *)&ss, &len));
	case MC_SHUTDOWN:
		return R(shutdown(fd, SHUT_RDWR));
	case MC_RECV:
		return R(recv(fd, &c, 1, MSG_DONTWAIT));
	case MC_SEND:
		return R(send(fd, "x", 1, MSG_DONTWAIT | MSG_NOSIGNAL));
	default:
		return -1000;
	}
}

static void m_run(struct __test_metadata *_metadata, enum m_state st)
{
	struct m_env e;
	int call, fd, peer;

	e.sl = d_listener(16, &e.sport);
	ASSERT_LE(0, e.sl);
	e.tl = d_listener(64, &e.tport);
	ASSERT_LE(0, e.tl);
	e.cport = d_closed_port(&e.closed);
	ASSERT_LT(0, e.cport);

	for (call = 0; call < MC_NCALLS; call++) {
		int got, want = m_expect[st][call];

		fd = m_make(st, &e, &peer);
		ASSERT_LE(0, fd) TH_LOG("cannot bring a socket to %s: %s",
					m_state_names[st], strerror(errno));
		got = m_call(call, fd, &e);
		if (got != want)
			TH_LOG("%s in %s: got %d (%s), want %d (%s)",
			       m_call_names[call], m_state_names[st], got,
			       got < 0 ? strerror(-got) : "ok", want,
			       want < 0 ? strerror(-want) : "ok");
		EXPECT_EQ(want, got);
		close(fd);
		if (peer >= 0)
			close(peer);
	}
	close(e.sl);
	close(e.tl);
	close(e.closed);
}

TEST_F(diff, matrix_fresh) { m_run(_metadata, M_FRESH); }
TEST_F(diff, matrix_bound) { m_run(_metadata, M_BOUND); }
TEST_F(diff, matrix_listen) { m_run(_metadata, M_LISTEN); }
TEST_F(diff, matrix_established) { m_run(_metadata, M_ESTABLISHED); }
TEST_F(diff, matrix_shut_wr) { m_run(_metadata, M_SHUT_WR); }
TEST_F(diff, matrix_close_wait) { m_run(_metadata, M_CLOSE_WAIT); }
TEST_F(diff, matrix_reset) { m_run(_metadata, M_RESET); }
TEST_F(diff, matrix_refused) { m_run(_metadata, M_REFUSED); }

TEST_F(diff, matrix_connecting)
{
	if (d_blackhole())
		SKIP(return, "no dummy interface for a black hole");
	m_run(_metadata, M_CONNECTING);
}

/* ====================================================================== */
/* data                                                                    */
/* ====================================================================== */

TEST_F(diff, data_roundtrip)
{
	char buf[64];

	ASSERT_EQ(0, d_pair(&self->l, &self->c, &self->s, &self->port));
	EXPECT_EQ(5, send(self->c, "hello", 5, 0));
	EXPECT_EQ(5, recv(self->s, buf, sizeof(buf), 0));
	EXPECT_EQ(0, memcmp(buf, "hello", 5));
	EXPECT_EQ(6, write(self->s, "world!", 6));
	EXPECT_EQ(6, read(self->c, buf, sizeof(buf)));
	EXPECT_EQ(0, memcmp(buf, "world!", 6));
	/* a zero-length send is a no-op */
	EXPECT_EQ(0, send(self->c, "", 0, 0));
	EXPECT_EQ(-EAGAIN, R(recv(self->s, buf, sizeof(buf), MSG_DONTWAIT)));
}

TEST_F(diff, data_peek)
{
	char buf[16];

	ASSERT_EQ(0, d_pair(&self->l, &self->c, &self->s, &self->port));
	ASSERT_EQ(6, send(self->c, "abcdef", 6, 0));
	ASSERT_EQ(6, d_wait_ioctl(self->s, SIOCINQ, 6, TOY_IO_MS));
	EXPECT_EQ(3, recv(self->s, buf, 3, MSG_PEEK));
	EXPECT_EQ(0, memcmp(buf, "abc", 3));
	EXPECT_EQ(6, recv(self->s, buf, sizeof(buf), MSG_PEEK));
	EXPECT_EQ(0, memcmp(buf, "abcdef", 6));
	EXPECT_EQ(6, d_ioctl(self->s, SIOCINQ));
	EXPECT_EQ(2, recv(self->s, buf, 2, 0));
	EXPECT_EQ(0, memcmp(buf, "ab", 2));
	EXPECT_EQ(4, recv(self->s, buf, sizeof(buf), MSG_PEEK | MSG_DONTWAIT));
	EXPECT_EQ(0, memcmp(buf, "cdef", 4));
	EXPECT_EQ(4, recv(self->s, buf, sizeof(buf), 0));
	EXPECT_EQ(-EAGAIN, R(recv(self->s, buf, sizeof(buf),
				  MSG_PEEK | MSG_DONTWAIT)));
}

struct d_later {
	int fd, ms;
	const char *buf;
	size_t len;
};

static void *d_send_later(void *arg)
{
	struct d_later *l = arg;

	toy_sleep_ms(l->ms);
	send(l->fd, l->buf, l->len, MSG_NOSIGNAL);
	return NULL;
}

TEST_F(diff, data_waitall)
{
	struct d_later later;
	pthread_t th;
	char buf[16];

	ASSERT_EQ(0, d_pair(&self->l, &self->c, &self->s, &self->port));
	/* without MSG_WAITALL: what is there */
	ASSERT_EQ(3, send(self->c, "abc", 3, 0));
	ASSERT_EQ(3, d_wait_ioctl(self->s, SIOCINQ, 3, TOY_IO_MS));
	later = (struct d_later){ self->c, 300, "def", 3 };
	ASSERT_EQ(0, pthread_create(&th, NULL, d_send_later, &later));
	EXPECT_EQ(3, recv(self->s, buf, 6, 0));
	pthread_join(th, NULL);

	/* with it: the rest arrives later, and recv waits for it */
	ASSERT_EQ(3, d_wait_ioctl(self->s, SIOCINQ, 3, TOY_IO_MS));
	later = (struct d_later){ self->c, 300, "ghi", 3 };
	ASSERT_EQ(0, pthread_create(&th, NULL, d_send_later, &later));
	EXPECT_EQ(6, recv(self->s, buf, 6, MSG_WAITALL));
	EXPECT_EQ(0, memcmp(buf, "defghi", 6));
	pthread_join(th, NULL);

	/* MSG_WAITALL stops short at EOF */
	ASSERT_EQ(2, send(self->c, "jk", 2, 0));
	ASSERT_EQ(0, shutdown(self->c, SHUT_WR));
	EXPECT_EQ(2, recv(self->s, buf, 6, MSG_WAITALL));
	EXPECT_EQ(0, recv(self->s, buf, 6, MSG_WAITALL));
}

TEST_F(diff, data_dontwait)
{
	char buf[8];

	ASSERT_EQ(0, d_pair(&self->l, &self->c, &self->s, &self->port));
	EXPECT_EQ(-EAGAIN, R(recv(self->s, buf, sizeof(buf), MSG_DONTWAIT)));
	ASSERT_EQ(0, d_nonblock(self->s));
	EXPECT_EQ(-EAGAIN, R(recv(self->s, buf, sizeof(buf), 0)));
	EXPECT_EQ(-EAGAIN, R(read(self->s, buf, sizeof(buf))));
	ASSERT_EQ(1, send(self->c, "z", 1, 0));
	ASSERT_EQ(1, d_wait_ioctl(self->s, SIOCINQ, 1, TOY_IO_MS));
	EXPECT_EQ(1, recv(self->s, buf, sizeof(buf), 0));
	EXPECT_EQ(-EAGAIN, R(recv(self->s, buf, sizeof(buf), 0)));
}

TEST_F(diff, data_rcvlowat)
{
	struct d_later later;
	pthread_t th;
	char buf[16];
	long t0;

	ASSERT_EQ(0, d_pair(&self->l, &self->c, &self->s, &self->port));
	ASSERT_EQ(1, toy_get_int(self->s, SOL_SOCKET, SO_RCVLOWAT));
	ASSERT_EQ(0, toy_set_int(self->s, SOL_SOCKET, SO_RCVLOWAT, 5));
	EXPECT_EQ(5, toy_get_int(self->s, SOL_SOCKET, SO_RCVLOWAT));

	/* 3 < 5 bytes: not readable; recv returns them after SO_RCVTIMEO */
	ASSERT_EQ(3, send(self->c, "abc", 3, 0));
	ASSERT_EQ(3, d_wait_ioctl(self->s, SIOCINQ, 3, TOY_IO_MS));
	EXPECT_READY(self->s, OUT);
	ASSERT_EQ(0, d_set_timeo(self->s, SO_RCVTIMEO, 300));
	t0 = toy_now_ms();
	EXPECT_EQ(3, recv(self->s, buf, sizeof(buf), 0));
	EXPECT_LE(75, toy_now_ms() - t0);	/* it waited (see accept) */

	/* 5 bytes: readable at once */
	ASSERT_EQ(5, send(self->c, "defgh", 5, 0));
	ASSERT_EQ(5, d_wait_ioctl(self->s, SIOCINQ, 5, TOY_IO_MS));
	EXPECT_READY(self->s, IN | OUT);
	EXPECT_EQ(5, recv(self->s, buf, sizeof(buf), 0));

	/* 3 now, 2 later: recv waits for the low-water mark */
	ASSERT_EQ(0, d_set_timeo(self->s, SO_RCVTIMEO, TOY_IO_MS));
	ASSERT_EQ(3, send(self->c, "ijk", 3, 0));
	ASSERT_EQ(3, d_wait_ioctl(self->s, SIOCINQ, 3, TOY_IO_MS));
	later = (struct d_later){ self->c, 300, "lm", 2 };
	ASSERT_EQ(0, pthread_create(&th, NULL, d_send_later, &later));
	EXPECT_EQ(5, recv(self->s, buf, sizeof(buf), 0));
	EXPECT_EQ(0, memcmp(buf, "ijklm", 5));
	pthread_join(th, NULL);

	/* MSG_DONTWAIT takes what is there below the mark */
	ASSERT_EQ(2, send(self->c, "no", 2, 0));
	ASSERT_EQ(2, d_wait_ioctl(self->s, SIOCINQ, 2, TOY_IO_MS));
	EXPECT_EQ(2, recv(self->s, buf, sizeof(buf), MSG_DONTWAIT));

	/* EOF makes it readable whatever the mark */
	ASSERT_EQ(1, send(self->c, "p", 1, 0));
	ASSERT_EQ(0, shutdown(self->c, SHUT_WR));
	EXPECT_EQ(RDHUP, d_wait(self->s, RDHUP, TOY_IO_MS) & RDHUP);
	EXPECT_READY(self->s, IN | OUT | RDHUP);
	EXPECT_EQ(1, recv(self->s, buf, sizeof(buf), 0));
	EXPECT_EQ(0, recv(self->s, buf, sizeof(buf), 0));
}

TEST_F(diff, data_rcvtimeo)
{
	char buf[8];
	long t0, dt;

	ASSERT_EQ(0, d_pair(&self->l, &self->c, &self->s, &self->port));
	ASSERT_EQ(0, d_set_timeo(self->s, SO_RCVTIMEO, 300));
	t0 = toy_now_ms();
	EXPECT_EQ(-EAGAIN, R(recv(self->s, buf, sizeof(buf), 0)));
	dt = toy_now_ms() - t0;
	EXPECT_LE(250, dt);
	EXPECT_GE(2500, dt);
	/* still a healthy connection */
	ASSERT_EQ(2, send(self->c, "ok", 2, 0));
	EXPECT_EQ(2, recv(self->s, buf, sizeof(buf), 0));
}

/*
 * The peer never reads: its receive buffer and our send buffer fill up,
 * and then send() gives up with EAGAIN after SO_SNDTIMEO. Bytes are
 * conserved: everything send() took is either unread at the peer
 * (SIOCINQ) or not yet acknowledged here (SIOCOUTQ).
 */
TEST_F_TIMEOUT(diff, data_sndtimeo, 120)
{
	static char buf[65536];
	long total = 0, t0 = 0, got;
	int i, n = -1, inq, outq;

	self->l = d_socket();
	ASSERT_LE(0, self->l);
	ASSERT_EQ(0, toy_set_int(self->l, SOL_SOCKET, SO_RCVBUF, 65536));
	ASSERT_EQ(0, d_bind(self->l, TOY_LO, 0));
	ASSERT_EQ(0, listen(self->l, 4));
	self->port = d_port(self->l);
	self->c = d_socket();
	ASSERT_LE(0, self->c);
	ASSERT_EQ(0, toy_set_int(self->c, SOL_SOCKET, SO_SNDBUF, 65536));
	ASSERT_EQ(0, d_connect(self->c, TOY_LO, self->port));
	self->s = d_accept(self->l);
	ASSERT_LE(0, self->s);
	ASSERT_EQ(0, d_set_timeo(self->c, SO_SNDTIMEO, 300));

	memset(buf, 'x', sizeof(buf));
	for (i = 0; i < 1024; i++) {
		t0 = toy_now_ms();
		n = send(self->c, buf, sizeof(buf), MSG_NOSIGNAL);
		if (n < 0)
			break;
		total += n;
	}
	ASSERT_EQ(-1, n) TH_LOG("64 MiB went into a peer that never reads");
	EXPECT_EQ(EAGAIN, errno);
	EXPECT_LE(75, toy_now_ms() - t0);	/* it waited (see accept) */
	EXPECT_LT(0, total);
	EXPECT_EQ(-EAGAIN, R(send(self->c, buf, 1, MSG_DONTWAIT | MSG_NOSIGNAL)));
	/* not writable, nothing to read */
	EXPECT_READY(self->c, 0);

	/* conservation, once the ACKs settled */
	for (i = 0; i < 300; i++) {
		inq = d_ioctl(self->s, SIOCINQ);
		outq = d_ioctl(self->c, SIOCOUTQ);
		if (inq + outq == total)
			break;
		toy_sleep_ms(10);
	}
	EXPECT_EQ(total, inq + outq) TH_LOG("inq %d outq %d total %ld",
					    inq, outq, total);
	EXPECT_LT(0, inq);

	/* reading everything drains the sender */
	ASSERT_EQ(0, d_set_timeo(self->s, SO_RCVTIMEO, 10000));
	for (got = 0; got < total; got += n) {
		n = recv(self->s, buf, sizeof(buf), 0);
		ASSERT_LT(0, n) TH_LOG("after %ld of %ld bytes: %s", got,
				       total, strerror(errno));
	}
	EXPECT_EQ(total, got);
	EXPECT_EQ(0, d_wait_ioctl(self->c, SIOCOUTQ, 0, 10000));
	EXPECT_EQ(OUT, d_wait(self->c, POLLOUT, TOY_IO_MS) & OUT);
	EXPECT_READY(self->c, OUT);
}

TEST_F(diff, data_ioctl_queues)
{
	char buf[16];

	/* unconnected: both queues empty; a listener refuses both */
	self->c = d_socket();
	ASSERT_LE(0, self->c);
	EXPECT_EQ(0, d_ioctl(self->c, SIOCINQ));
	EXPECT_EQ(0, d_ioctl(self->c, SIOCOUTQ));
	toy_close(&self->c);
	self->l = d_listener(4, &self->port);
	ASSERT_LE(0, self->l);
	EXPECT_EQ(-EINVAL, R(ioctl(self->l, SIOCINQ, &(int){ 0 })));
	EXPECT_EQ(-EINVAL, R(ioctl(self->l, SIOCOUTQ, &(int){ 0 })));
	toy_close(&self->l);

	ASSERT_EQ(0, d_pair(&self->l, &self->c, &self->s, &self->port));
	ASSERT_EQ(10, send(self->c, "0123456789", 10, 0));
	EXPECT_EQ(10, d_wait_ioctl(self->s, SIOCINQ, 10, TOY_IO_MS));
	EXPECT_EQ(0, d_wait_ioctl(self->c, SIOCOUTQ, 0, TOY_IO_MS));
	EXPECT_EQ(4, recv(self->s, buf, 4, 0));
	EXPECT_EQ(6, d_ioctl(self->s, SIOCINQ));
	/* the FIN is not a byte to read, nor one to send */
	ASSERT_EQ(0, shutdown(self->c, SHUT_WR));
	EXPECT_EQ(RDHUP, d_wait(self->s, RDHUP, TOY_IO_MS) & RDHUP);
	EXPECT_EQ(6, d_ioctl(self->s, SIOCINQ));
	EXPECT_EQ(0, d_wait_ioctl(self->c, SIOCOUTQ, 0, TOY_IO_MS));
	EXPECT_EQ(6, recv(self->s, buf, sizeof(buf), 0));
	EXPECT_EQ(0, d_ioctl(self->s, SIOCINQ));
}

TEST_F(diff, data_half_close)
{
	char buf[16];

	ASSERT_EQ(0, d_pair(&self->l, &self->c, &self->s, &self->port));
	ASSERT_EQ(4, send(self->c, "last", 4, 0));
	ASSERT_EQ(0, shutdown(self->c, SHUT_WR));
	EXPECT_EQ(4, recv(self->s, buf, sizeof(buf), 0));
	EXPECT_EQ(0, recv(self->s, buf, sizeof(buf), 0));
	EXPECT_EQ(0, recv(self->s, buf, sizeof(buf), 0));	/* EOF stays */
	/* the other direction still works */
	EXPECT_EQ(4, send(self->s, "pong", 4, 0));
	EXPECT_EQ(4, recv(self->c, buf, sizeof(buf), 0));
	EXPECT_EQ(0, memcmp(buf, "pong", 4));
	EXPECT_EQ(-EPIPE, R(send(self->c, "x", 1, MSG_NOSIGNAL)));
	EXPECT_EQ(0, d_sigpipes);
	EXPECT_EQ(-EPIPE, R(send(self->c, "x", 1, 0)));
	EXPECT_EQ(1, d_sigpipes);
	EXPECT_EQ(TOY_ST_FIN_WAIT2, d_wait_state(self->c, TOY_ST_FIN_WAIT2,
						 TOY_IO_MS));
	EXPECT_EQ(TOY_ST_CLOSE_WAIT, d_state(self->s));
	/* the server's close ends it: EOF for the client */
	toy_close(&self->s);
	EXPECT_EQ(0, recv(self->c, buf, sizeof(buf), 0));
}

TEST_F(diff, data_eof_after_close)
{
	char buf[16];

	ASSERT_EQ(0, d_pair(&self->l, &self->c, &self->s, &self->port));
	ASSERT_EQ(3, send(self->s, "bye", 3, 0));
	toy_close(&self->s);
	EXPECT_EQ(3, recv(self->c, buf, sizeof(buf), 0));
	EXPECT_EQ(0, recv(self->c, buf, sizeof(buf), 0));
	EXPECT_EQ(0, recv(self->c, buf, sizeof(buf), MSG_DONTWAIT));
	EXPECT_EQ(TOY_ST_CLOSE_WAIT, d_state(self->c));
	/* our side may still send: the data reaches a closed socket */
	EXPECT_EQ(1, send(self->c, "x", 1, MSG_NOSIGNAL));
}

/* The peer answers data for its closed socket with a reset: EPIPE here. */
TEST_F(diff, data_write_after_peer_close)
{
	char buf[4];

	ASSERT_EQ(0, d_pair(&self->l, &self->c, &self->s, &self->port));
	toy_close(&self->s);
	EXPECT_EQ(0, recv(self->c, buf, sizeof(buf), 0));
	EXPECT_EQ(1, send(self->c, "x", 1, MSG_NOSIGNAL));
	EXPECT_EQ(ERR, d_wait(self->c, POLLERR, TOY_IO_MS) & ERR);
	EXPECT_READY(self->c, IN | OUT | RDHUP | HUP | ERR);
	EXPECT_EQ(EPIPE, toy_get_int(self->c, SOL_SOCKET, SO_ERROR));
	EXPECT_EQ(-EPIPE, R(send(self->c, "x", 1, MSG_NOSIGNAL)));
	EXPECT_EQ(0, recv(self->c, buf, sizeof(buf), 0));
	EXPECT_EQ(TOY_ST_CLOSE, d_state(self->c));
}

TEST_F(diff, reset_close_unread)
{
	char buf[16];

	ASSERT_EQ(0, d_pair(&self->l, &self->c, &self->s, &self->port));
	ASSERT_EQ(5, send(self->c, "unred", 5, 0));
	ASSERT_EQ(5, d_wait_ioctl(self->s, SIOCINQ, 5, TOY_IO_MS));
	toy_close(&self->s);
	EXPECT_EQ(-ECONNRESET, R(recv(self->c, buf, sizeof(buf), 0)));
	EXPECT_EQ(0, recv(self->c, buf, sizeof(buf), 0));
	EXPECT_EQ(-EPIPE, R(send(self->c, "x", 1, MSG_NOSIGNAL)));
	EXPECT_EQ(TOY_ST_CLOSE, d_state(self->c));
}

TEST_F(diff, reset_linger_zero)
{
	char buf[16];

	ASSERT_EQ(0, d_pair(&self->l, &self->c, &self->s, &self->port));
	ASSERT_EQ(0, d_set_linger(self->s, 1, 0));
	toy_close(&self->s);
	EXPECT_EQ(-ECONNRESET, R(recv(self->c, buf, sizeof(buf), 0)));
	EXPECT_EQ(0, recv(self->c, buf, sizeof(buf), 0));
	EXPECT_EQ(TOY_ST_CLOSE, d_state(self->c));
}

TEST_F(diff, reset_then_send)
{
	ASSERT_EQ(0, d_pair(&self->l, &self->c, &self->s, &self->port));
	ASSERT_EQ(0, d_set_linger(self->s, 1, 0));
	toy_close(&self->s);
	EXPECT_EQ(ERR, d_wait(self->c, POLLERR, TOY_IO_MS) & ERR);
	EXPECT_EQ(-ECONNRESET, R(send(self->c, "x", 1, MSG_NOSIGNAL)));
	EXPECT_EQ(-EPIPE, R(send(self->c, "x", 1, MSG_NOSIGNAL)));
	EXPECT_EQ(0, d_sigpipes);
	EXPECT_EQ(-EPIPE, R(send(self->c, "x", 1, 0)));
	EXPECT_EQ(1, d_sigpipes);
}

TEST_F(diff, reset_then_recv)
{
	char buf[4];

	ASSERT_EQ(0, d_pair(&self->l, &self->c, &self->s, &self->port));
	ASSERT_EQ(0, d_set_linger(self->s, 1, 0));
	toy_close(&self->s);
	EXPECT_EQ(ERR, d_wait(self->c, POLLERR, TOY_IO_MS) & ERR);
	EXPECT_EQ(-ECONNRESET, R(recv(self->c, buf, sizeof(buf), 0)));
	EXPECT_EQ(0, recv(self->c, buf, sizeof(buf), 0));
	EXPECT_EQ(0, recv(self->c, buf, sizeof(buf), MSG_DONTWAIT));
	EXPECT_EQ(0, toy_get_int(self->c, SOL_SOCKET, SO_ERROR));
}

/* The listener's unaccepted connection is reset when the listener closes. */
TEST_F(diff, reset_listener_close)
{
	char buf[4];

	self->l = d_listener(4, &self->port);
	ASSERT_LE(0, self->l);
	self->c = d_socket();
	ASSERT_LE(0, self->c);
	ASSERT_EQ(0, d_connect(self->c, TOY_LO, self->port));
	EXPECT_EQ(IN, d_wait(self->l, POLLIN, TOY_IO_MS) & IN);
	toy_close(&self->l);
	EXPECT_EQ(-ECONNRESET, R(recv(self->c, buf, sizeof(buf), 0)));
	EXPECT_EQ(-ECONNREFUSED, R(d_connect(self->s = d_socket(), TOY_LO,
					     self->port)));
}

TEST_F(diff, so_error_refused)
{
	int holder, port, fd;

	port = d_closed_port(&holder);
	ASSERT_LT(0, port);
	fd = d_socket_flags(SOCK_NONBLOCK);
	ASSERT_LE(0, fd);
	self->c = fd;
	EXPECT_EQ(-EINPROGRESS, R(d_connect(fd, TOY_LO, port)));
	EXPECT_EQ(ERR, d_wait(fd, POLLERR, TOY_IO_MS) & ERR);
	EXPECT_EQ(ECONNREFUSED, toy_get_int(fd, SOL_SOCKET, SO_ERROR));
	EXPECT_EQ(0, toy_get_int(fd, SOL_SOCKET, SO_ERROR));
	/* the error was taken: the pending connect reports an abort */
	EXPECT_EQ(-ECONNABORTED, R(d_connect(fd, TOY_LO, port)));
	/* and then a new attempt starts */
	EXPECT_EQ(-EINPROGRESS, R(d_connect(fd, TOY_LO, port)));
	EXPECT_EQ(ERR, d_wait(fd, POLLERR, TOY_IO_MS) & ERR);
	/* not taken this time: connect() reports it */
	EXPECT_EQ(-ECONNREFUSED, R(d_connect(fd, TOY_LO, port)));
	EXPECT_EQ(0, toy_get_int(fd, SOL_SOCKET, SO_ERROR));
	close(holder);
}

/* ====================================================================== */
/* readiness: poll, select and epoll at each step                           */
/* ====================================================================== */

TEST_F(diff, ready_fresh)
{
	self->c = d_socket();
	ASSERT_LE(0, self->c);
	EXPECT_READY(self->c, OUT | HUP);
	ASSERT_EQ(0, d_bind(self->c, TOY_LO, 0));
	EXPECT_READY(self->c, OUT | HUP);
}

TEST_F(diff, ready_listener)
{
	int fd;

	self->l = d_listener(4, &self->port);
	ASSERT_LE(0, self->l);
	EXPECT_READY(self->l, 0);
	self->c = d_socket();
	ASSERT_LE(0, self->c);
	ASSERT_EQ(0, d_connect(self->c, TOY_LO, self->port));
	EXPECT_EQ(IN, d_wait(self->l, POLLIN, TOY_IO_MS) & IN);
	EXPECT_READY(self->l, IN);
	fd = d_accept(self->l);
	ASSERT_LE(0, fd);
	self->s = fd;
	EXPECT_READY(self->l, 0);
	/* shutdown(SHUT_RD) stops listening */
	EXPECT_EQ(0, shutdown(self->l, SHUT_RD));
	EXPECT_EQ(-EINVAL, R(accept(self->l, NULL, NULL)));
}

TEST_F(diff, ready_connecting)
{
	if (d_blackhole())
		SKIP(return, "no dummy interface for a black hole");
	self->c = d_connecting();
	ASSERT_LE(0, self->c);
	EXPECT_READY(self->c, 0);
	EXPECT_EQ(TOY_ST_SYN_SENT, d_state(self->c));
}

TEST_F(diff, ready_established)
{
	char buf[8];

	ASSERT_EQ(0, d_pair(&self->l, &self->c, &self->s, &self->port));
	EXPECT_READY(self->c, OUT);
	EXPECT_READY(self->s, OUT);
	ASSERT_EQ(3, send(self->c, "abc", 3, 0));
	EXPECT_EQ(IN, d_wait(self->s, POLLIN, TOY_IO_MS) & IN);
	EXPECT_READY(self->s, IN | OUT);
	EXPECT_READY(self->c, OUT);
	EXPECT_EQ(3, recv(self->s, buf, sizeof(buf), 0));
	EXPECT_READY(self->s, OUT);
}

TEST_F(diff, ready_shutdown)
{
	char buf[8];

	ASSERT_EQ(0, d_pair(&self->l, &self->c, &self->s, &self->port));
	/* the server half-closes */
	ASSERT_EQ(0, shutdown(self->s, SHUT_WR));
	EXPECT_READY(self->s, OUT);
	EXPECT_EQ(RDHUP, d_wait(self->c, RDHUP, TOY_IO_MS) & RDHUP);
	EXPECT_READY(self->c, IN | OUT | RDHUP);
	EXPECT_EQ(0, recv(self->c, buf, sizeof(buf), 0));
	EXPECT_READY(self->c, IN | OUT | RDHUP);
	/* and the client too: both directions are shut on both sides */
	ASSERT_EQ(0, shutdown(self->c, SHUT_WR));
	EXPECT_READY(self->c, IN | OUT | RDHUP | HUP);
	EXPECT_EQ(RDHUP, d_wait(self->s, RDHUP, TOY_IO_MS) & RDHUP);
	EXPECT_READY(self->s, IN | OUT | RDHUP | HUP);
}

TEST_F(diff, ready_shut_rd)
{
	ASSERT_EQ(0, d_pair(&self->l, &self->c, &self->s, &self->port));
	ASSERT_EQ(0, shutdown(self->c, SHUT_RD));
	EXPECT_READY(self->c, IN | OUT | RDHUP);
	ASSERT_EQ(0, shutdown(self->c, SHUT_WR));
	EXPECT_READY(self->c, IN | OUT | RDHUP | HUP);
}

TEST_F(diff, ready_reset)
{
	char buf[4];

	ASSERT_EQ(0, d_pair(&self->l, &self->c, &self->s, &self->port));
	ASSERT_EQ(0, d_set_linger(self->s, 1, 0));
	toy_close(&self->s);
	EXPECT_EQ(ERR, d_wait(self->c, POLLERR, TOY_IO_MS) & ERR);
	EXPECT_READY(self->c, IN | OUT | RDHUP | HUP | ERR);
	EXPECT_EQ(-ECONNRESET, R(recv(self->c, buf, sizeof(buf), 0)));
	EXPECT_READY(self->c, IN | OUT | RDHUP | HUP);
}

TEST_F(diff, ready_refused)
{
	int holder, port, fd;

	port = d_closed_port(&holder);
	ASSERT_LT(0, port);
	fd = d_socket_flags(SOCK_NONBLOCK);
	ASSERT_LE(0, fd);
	self->c = fd;
	EXPECT_EQ(-EINPROGRESS, R(d_connect(fd, TOY_LO, port)));
	EXPECT_EQ(ERR, d_wait(fd, POLLERR, TOY_IO_MS) & ERR);
	EXPECT_READY(fd, IN | OUT | RDHUP | HUP | ERR);
	EXPECT_EQ(ECONNREFUSED, toy_get_int(fd, SOL_SOCKET, SO_ERROR));
	EXPECT_READY(fd, IN | OUT | RDHUP | HUP);
	/* a blocking refusal leaves the socket as if fresh */
	close(fd);
	fd = d_socket();
	ASSERT_LE(0, fd);
	self->c = fd;
	EXPECT_EQ(-ECONNREFUSED, R(d_connect(fd, TOY_LO, port)));
	EXPECT_READY(fd, OUT | HUP);
	close(holder);
}

/* ====================================================================== */
/* keepalive                                                               */
/* ====================================================================== */

static int d_keepalive(int fd, int idle, int intvl, int cnt)
{
	if (toy_set_int(fd, SOL_SOCKET, SO_KEEPALIVE, 1) ||
	    d_setopt(fd, D_KEEPIDLE, idle) || d_setopt(fd, D_KEEPINTVL, intvl))
		return -1;
	return d_setopt(fd, D_KEEPCNT, cnt);
}

/*
 * The peer goes silent: everything on lo is dropped (netem), so neither
 * the probes nor their answers arrive. idle 1 + 2 probes 1 s apart: the
 * connection dies with ETIMEDOUT about 3 s later.
 */
TEST_F_TIMEOUT(diff, keepalive_timeout, 60)
{
	char buf[4];
	long t0, dt;

	ASSERT_EQ(0, d_pair(&self->l, &self->c, &self->s, &self->port));
	/* the idle clock runs from the handshake's last segment: from here */
	t0 = toy_now_ms();
	ASSERT_EQ(0, d_keepalive(self->c, 1, 1, 2));
	ASSERT_EQ(0, d_set_timeo(self->c, SO_RCVTIMEO, 20000));
	if (d_lo_blackhole())
		SKIP(return, "cannot add a netem qdisc on lo");
	self->netem = true;
	EXPECT_EQ(-ETIMEDOUT, R(recv(self->c, buf, sizeof(buf), 0)));
	dt = toy_now_ms() - t0;
	d_lo_restore();
	self->netem = false;
	EXPECT_LE(2500, dt);
	EXPECT_GE(12000, dt);
	EXPECT_EQ(TOY_ST_CLOSE, d_state(self->c));
	EXPECT_EQ(0, recv(self->c, buf, sizeof(buf), 0));
	EXPECT_EQ(-EPIPE, R(send(self->c, "x", 1, MSG_NOSIGNAL)));
}

/* A healthy idle peer answers the probes: the connection outlives them. */
TEST_F_TIMEOUT(diff, keepalive_healthy, 60)
{
	char buf[4];

	ASSERT_EQ(0, d_pair(&self->l, &self->c, &self->s, &self->port));
	ASSERT_EQ(0, d_keepalive(self->c, 1, 1, 2));
	toy_sleep_ms(5000);	/* idle + 4 probe intervals, > idle + cnt */
	EXPECT_EQ(TOY_ST_ESTABLISHED, d_state(self->c));
	EXPECT_EQ(TOY_ST_ESTABLISHED, d_state(self->s));
	EXPECT_EQ(0, toy_get_int(self->c, SOL_SOCKET, SO_ERROR));
	EXPECT_READY(self->c, OUT);
	EXPECT_READY(self->s, OUT);
	EXPECT_EQ(2, send(self->c, "hi", 2, 0));
	EXPECT_EQ(2, recv(self->s, buf, sizeof(buf), 0));
	EXPECT_EQ(2, send(self->s, "yo", 2, 0));
	EXPECT_EQ(2, recv(self->c, buf, sizeof(buf), 0));
	/* turning it off is accepted on a live connection */
	EXPECT_EQ(0, toy_set_int(self->c, SOL_SOCKET, SO_KEEPALIVE, 0));
	EXPECT_EQ(0, toy_get_int(self->c, SOL_SOCKET, SO_KEEPALIVE));
}

/* ====================================================================== */
/* TIME_WAIT and SO_REUSEADDR                                              */
/* ====================================================================== */

/*
 * The server closes first, so the connection on the listener's port ends
 * in TIME_WAIT there. While it lasts, a new listener on that port needs
 * SO_REUSEADDR (the old listener had it, and its connection inherits it).
 * The module's TIME_WAIT is 200 ms in the VM: the bind without
 * SO_REUSEADDR is only judged if it came early enough to fall inside it.
 */
TEST_F(diff, timewait_reuseaddr)
{
	int a, b, c2, s2, port = 0;
	char buf[8];
	long t0;

	self->l = d_listener_opt(TOY_LO, 4, &port, true);
	ASSERT_LE(0, self->l);
	self->port = port;
	self->c = d_socket();
	ASSERT_LE(0, self->c);
	ASSERT_EQ(0, d_connect(self->c, TOY_LO, port));
	self->s = d_accept(self->l);
	ASSERT_LE(0, self->s);
	toy_close(&self->l);

	ASSERT_EQ(0, shutdown(self->s, SHUT_WR));		/* active close */
	ASSERT_EQ(0, recv(self->c, buf, sizeof(buf), 0));
	ASSERT_EQ(0, shutdown(self->c, SHUT_WR));
	ASSERT_EQ(0, recv(self->s, buf, sizeof(buf), 0));	/* -> TIME_WAIT */
	t0 = toy_now_ms();

	a = d_socket();
	ASSERT_LE(0, a);
	if (d_bind(a, TOY_LO, port) == 0) {
		long dt = toy_now_ms() - t0;

		if (!F.toy || dt < 150) {
			TH_LOG("bound %ld ms into TIME_WAIT", dt);
			EXPECT_EQ(EADDRINUSE, 0);
		} else {
			TH_LOG("bind came %ld ms late: TIME_WAIT was over", dt);
		}
	} else {
		EXPECT_EQ(EADDRINUSE, errno);
	}
	close(a);

	b = d_socket();
	ASSERT_LE(0, b);
	ASSERT_EQ(0, toy_set_int(b, SOL_SOCKET, SO_REUSEADDR, 1));
	EXPECT_EQ(0, R(d_bind(b, TOY_LO, port)));
	EXPECT_EQ(0, R(listen(b, 4)));
	c2 = d_socket();
	ASSERT_LE(0, c2);
	EXPECT_EQ(0, R(d_connect(c2, TOY_LO, port)));
	s2 = d_accept(b);
	ASSERT_LE(0, s2);
	EXPECT_EQ(4, send(c2, "new!", 4, 0));
	EXPECT_EQ(4, recv(s2, buf, sizeof(buf), 0));
	close(s2);
	close(c2);
	close(b);
}

/* ====================================================================== */
/* options                                                                 */
/* ====================================================================== */

TEST_F(diff, opt_defaults)
{
	self->c = d_socket();
	ASSERT_LE(0, self->c);
	EXPECT_EQ(0, d_getopt(self->c, D_NODELAY));
	EXPECT_EQ(6, d_getopt(self->c, D_SYNCNT));
	EXPECT_EQ(7200, d_getopt(self->c, D_KEEPIDLE));
	EXPECT_EQ(75, d_getopt(self->c, D_KEEPINTVL));
	EXPECT_EQ(9, d_getopt(self->c, D_KEEPCNT));
	EXPECT_EQ(0, toy_get_int(self->c, SOL_SOCKET, SO_KEEPALIVE));
	EXPECT_EQ(0, toy_get_int(self->c, SOL_SOCKET, SO_REUSEADDR));
	EXPECT_EQ(0, toy_get_int(self->c, SOL_SOCKET, SO_ERROR));
	EXPECT_EQ(1, toy_get_int(self->c, SOL_SOCKET, SO_RCVLOWAT));
	EXPECT_EQ(SOCK_STREAM, toy_get_int(self->c, SOL_SOCKET, SO_TYPE));
	EXPECT_EQ(F.family, toy_get_int(self->c, SOL_SOCKET, SO_DOMAIN));
	/* the protocol number is each protocol's own */
	EXPECT_EQ(F.toy ? toy_ipproto() : IPPROTO_TCP,
		  toy_get_int(self->c, SOL_SOCKET, SO_PROTOCOL));
	EXPECT_EQ(0, toy_get_int(self->c, SOL_SOCKET, SO_ACCEPTCONN));
	ASSERT_EQ(0, listen(self->c, 1));
	EXPECT_EQ(1, toy_get_int(self->c, SOL_SOCKET, SO_ACCEPTCONN));
}

/* Ranges both define the same way: TCP's MAX_TCP_* are the module's. */
TEST_F(diff, opt_ranges)
{
	static const struct {
		enum d_opt opt;
		int lo, hi;
	} r[] = {
		{ D_SYNCNT, 1, 127 },
		{ D_KEEPIDLE, 1, 32767 },
		{ D_KEEPINTVL, 1, 32767 },
		{ D_KEEPCNT, 1, 127 },
	};
	unsigned int i;

	self->c = d_socket();
	ASSERT_LE(0, self->c);
	for (i = 0; i < sizeof(r) / sizeof(r[0]); i++) {
		int fd = self->c, o = r[i].opt;

		EXPECT_EQ(-EINVAL, R(d_setopt(fd, o, r[i].lo - 1))) TH_LOG("opt %d", o);
		EXPECT_EQ(-EINVAL, R(d_setopt(fd, o, -1))) TH_LOG("opt %d", o);
		EXPECT_EQ(-EINVAL, R(d_setopt(fd, o, r[i].hi + 1))) TH_LOG("opt %d", o);
		EXPECT_EQ(0, R(d_setopt(fd, o, r[i].lo)));
		EXPECT_EQ(r[i].lo, d_getopt(fd, o));
		EXPECT_EQ(0, R(d_setopt(fd, o, r[i].hi)));
		EXPECT_EQ(r[i].hi, d_getopt(fd, o));
	}
	toy_close(&self->c);
	/* the same on a connected socket */
	ASSERT_EQ(0, d_pair(&self->l, &self->c, &self->s, &self->port));
	EXPECT_EQ(-EINVAL, R(d_setopt(self->c, D_KEEPIDLE, 0)));
	EXPECT_EQ(-EINVAL, R(d_setopt(self->s, D_KEEPCNT, 128)));
	EXPECT_EQ(0, R(d_setopt(self->s, D_KEEPINTVL, 5)));
	EXPECT_EQ(5, d_getopt(self->s, D_KEEPINTVL));
}

/*
 * NODELAY: 0 and 1 mean the same for both. The ranges differ: TCP takes
 * any int (nonzero is on), the module documents 0..1 and refuses the rest.
 */
TEST_F(diff, opt_nodelay)
{
	self->c = d_socket();
	ASSERT_LE(0, self->c);
	EXPECT_EQ(0, d_setopt(self->c, D_NODELAY, 1));
	EXPECT_EQ(1, d_getopt(self->c, D_NODELAY));
	EXPECT_EQ(0, d_setopt(self->c, D_NODELAY, 0));
	EXPECT_EQ(0, d_getopt(self->c, D_NODELAY));
	if (F.toy) {
		EXPECT_EQ(-EINVAL, R(d_setopt(self->c, D_NODELAY, 2)));
		EXPECT_EQ(0, d_getopt(self->c, D_NODELAY));
	} else {
		EXPECT_EQ(0, R(d_setopt(self->c, D_NODELAY, 2)));
		EXPECT_EQ(1, d_getopt(self->c, D_NODELAY));
	}
}

TEST_F(diff, opt_errors)
{
	int info = F.toy ? TOY_INFO : TCP_INFO, val = 1;
	socklen_t len;
	char big[512];

	self->c = d_socket();
	ASSERT_LE(0, self->c);
	/* optlen below an int */
	EXPECT_EQ(-EINVAL, R(setsockopt(self->c, F.level, F.opts[D_SYNCNT],
					&val, 2)));
	/* unknown option, and the read-only info */
	EXPECT_EQ(-ENOPROTOOPT, R(toy_set_int(self->c, F.level, 200, 1)));
	EXPECT_EQ(-ENOPROTOOPT, R(toy_get_int(self->c, F.level, 200)));
	EXPECT_EQ(-ENOPROTOOPT, R(setsockopt(self->c, F.level, info, big,
					     sizeof(big))));
	/* getsockopt: negative length refused, short length truncates */
	len = -1;
	EXPECT_EQ(-EINVAL, R(getsockopt(self->c, F.level, F.opts[D_SYNCNT],
					&val, &len)));
	ASSERT_EQ(0, d_setopt(self->c, D_SYNCNT, 0x41));
	val = 0;
	len = 1;
	EXPECT_EQ(0, getsockopt(self->c, F.level, F.opts[D_SYNCNT], &val, &len));
	EXPECT_EQ(1U, len);
	EXPECT_EQ(0x41, val);
	/* generic SOL_SOCKET checks are the same code for both */
	EXPECT_EQ(-EINVAL, R(setsockopt(self->c, SOL_SOCKET, SO_LINGER, &val, 2)));
	EXPECT_EQ(-EDOM, R(setsockopt(self->c, SOL_SOCKET, SO_RCVTIMEO,
				      &(struct timeval){ 0, 1000000 },
				      sizeof(struct timeval))));
}

TEST_F(diff, opt_sol_socket)
{
	struct linger lg;
	socklen_t len = sizeof(lg);

	self->c = d_socket();
	ASSERT_LE(0, self->c);
	ASSERT_EQ(0, toy_set_int(self->c, SOL_SOCKET, SO_RCVBUF, 4096));
	EXPECT_EQ(8192, toy_get_int(self->c, SOL_SOCKET, SO_RCVBUF));
	ASSERT_EQ(0, toy_set_int(self->c, SOL_SOCKET, SO_SNDBUF, 4096));
	EXPECT_EQ(8192, toy_get_int(self->c, SOL_SOCKET, SO_SNDBUF));
	ASSERT_EQ(0, toy_set_int(self->c, SOL_SOCKET, SO_RCVLOWAT, 0));
	EXPECT_EQ(1, toy_get_int(self->c, SOL_SOCKET, SO_RCVLOWAT));
	ASSERT_EQ(0, toy_set_int(self->c, SOL_SOCKET, SO_KEEPALIVE, 5));
	EXPECT_EQ(1, toy_get_int(self->c, SOL_SOCKET, SO_KEEPALIVE));
	ASSERT_EQ(0, toy_set_int(self->c, SOL_SOCKET, SO_REUSEADDR, 1));
	EXPECT_EQ(1, toy_get_int(self->c, SOL_SOCKET, SO_REUSEADDR));
	ASSERT_EQ(0, d_set_linger(self->c, 1, 5));
	ASSERT_EQ(0, getsockopt(self->c, SOL_SOCKET, SO_LINGER, &lg, &len));
	EXPECT_EQ(1, lg.l_onoff);
	EXPECT_EQ(5, lg.l_linger);
}

TEST_F(diff, opt_info_state)
{
	int fd;

	fd = d_socket();
	ASSERT_LE(0, fd);
	EXPECT_EQ(TOY_ST_CLOSE, d_state(fd));
	ASSERT_EQ(0, listen(fd, 1));
	EXPECT_EQ(TOY_ST_LISTEN, d_state(fd));
	close(fd);

	ASSERT_EQ(0, d_pair(&self->l, &self->c, &self->s, &self->port));
	EXPECT_EQ(TOY_ST_ESTABLISHED, d_state(self->c));
	EXPECT_EQ(TOY_ST_ESTABLISHED, d_state(self->s));
	ASSERT_EQ(0, shutdown(self->c, SHUT_WR));
	ASSERT_EQ(0, recv(self->s, &(char){ 0 }, 1, 0));
	EXPECT_EQ(TOY_ST_CLOSE_WAIT, d_state(self->s));
	EXPECT_EQ(TOY_ST_FIN_WAIT2, d_wait_state(self->c, TOY_ST_FIN_WAIT2,
						 TOY_IO_MS));
	ASSERT_EQ(0, shutdown(self->s, SHUT_WR));
	ASSERT_EQ(0, recv(self->c, &(char){ 0 }, 1, 0));
	/* LAST_ACK until the client's ACK of our FIN arrives */
	EXPECT_EQ(TOY_ST_CLOSE, d_wait_state(self->s, TOY_ST_CLOSE, TOY_IO_MS));
}

/*
 * TOY_DIFF_VARIANTS=toy,toy6 runs only those variants (the harness' -v):
 * the debug kernel's tier checks AF_TOY against the same expectations and
 * leaves TCP's side, already checked on the stock kernels, out.
 */
int main(int argc, char **argv)
{
	const char *env = getenv("TOY_DIFF_VARIANTS");
	char *list, *tok, *save, **av;
	int n = 0, i;

	if (!env || !*env)
		return test_harness_run(argc, argv);
	list = strdup(env);
	av = calloc(argc + 2 * strlen(env) + 2, sizeof(*av));
	if (!list || !av)
		return KSFT_FAIL;
	for (i = 0; i < argc; i++)
		av[n++] = argv[i];
	for (tok = strtok_r(list, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		av[n++] = "-v";
		av[n++] = tok;
	}
	printf("# TOY_DIFF_VARIANTS=%s: those variants only\n", env);
	fflush(stdout);
	return test_harness_run(n, av);
}
