/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the AF_TOY selftests. Everything here returns a plain
 * value (-1 and errno on failure) so tests can ASSERT on the result; nothing
 * depends on the userspace tools.
 *
 * Every socket made through these helpers gets SO_RCVTIMEO and SO_SNDTIMEO,
 * so no blocking call in a test can hang forever even if the module
 * misbehaves; the harness' per-test TIMEOUT is the second line of defence.
 */
#ifndef TOY_TEST_H
#define TOY_TEST_H

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/toy.h>

/* Default timeout of every blocking socket call made by a test. */
#define TOY_IO_MS		3000

/*
 * Deadline for a condition that should come true soon (a state, a counter,
 * a socket gone). The waits return as soon as it holds, so a passing test
 * never waits it out; it is this long because under TCG on a busy host a
 * 200 ms timer can fire seconds late.
 */
#define TOY_WAIT_MS		10000

/* Port range for ephemeral ports when the sysctl cannot be read. */
#define TOY_EPH_LO		32768
#define TOY_EPH_HI		60999

/* The dummy interface whose peer address silently drops everything. */
#define TOY_DUMMY_IF		"toy0"
#define TOY_DUMMY_LOCAL		"10.66.0.1"
#define TOY_DUMMY_PEER		"10.66.0.2"	/* routed to toy0, never answers */

/* TCP_* state numbers as shown in /proc/net/toy and struct toy_info. */
enum {
	TOY_ST_ESTABLISHED = 1,
	TOY_ST_SYN_SENT,
	TOY_ST_SYN_RECV,
	TOY_ST_FIN_WAIT1,
	TOY_ST_FIN_WAIT2,
	TOY_ST_TIME_WAIT,
	TOY_ST_CLOSE,
	TOY_ST_CLOSE_WAIT,
	TOY_ST_LAST_ACK,
	TOY_ST_LISTEN,
	TOY_ST_CLOSING,
};

#define TOY_LO		htonl(INADDR_LOOPBACK)
#define TOY_ANY		htonl(INADDR_ANY)

static inline long toy_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static inline void toy_sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* Reads one integer from a sysfs/procfs file; dflt if it cannot. */
static inline int toy_read_int(const char *path, int dflt)
{
	FILE *f = fopen(path, "r");
	int v;

	if (!f)
		return dflt;
	if (fscanf(f, "%d", &v) != 1)
		v = dflt;
	fclose(f);
	return v;
}

/*
 * The family and IP protocol numbers in force. If the module is not loaded
 * the defaults are returned, and socket() then fails with EAFNOSUPPORT,
 * which the tests report as an assertion failure.
 */
static inline int toy_family(void)
{
	return toy_read_int(TOY_FAMILY_SYSFS, AF_TOY_DEFAULT);
}

static inline int toy_ipproto(void)
{
	return toy_read_int(TOY_IPPROTO_SYSFS, IPPROTO_TOY);
}

/* The ephemeral port range (net.ipv4.ip_local_port_range). */
static inline void toy_eph_range(int *lo, int *hi)
{
	FILE *f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "r");

	*lo = TOY_EPH_LO;
	*hi = TOY_EPH_HI;
	if (!f)
		return;
	if (fscanf(f, "%d %d", lo, hi) != 2) {
		*lo = TOY_EPH_LO;
		*hi = TOY_EPH_HI;
	}
	fclose(f);
}

/* addr is network order (TOY_LO, inet_addr(...)), port host order. */
static inline struct sockaddr_toy toy_sa(in_addr_t addr, uint16_t port)
{
	struct sockaddr_toy sa;

	memset(&sa, 0, sizeof(sa));
	sa.stoy_family = toy_family();
	sa.stoy_port = htons(port);
	sa.stoy_ipver = TOY_IPVER_4;
	sa.stoy_addr.v4 = addr;
	return sa;
}

static inline int toy_set_timeouts(int fd, int ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)))
		return -1;
	return setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

static inline int toy_set_int(int fd, int level, int opt, int val)
{
	return setsockopt(fd, level, opt, &val, sizeof(val));
}

/* Returns the option's value, or -1 with errno set (values are >= 0). */
static inline int toy_get_int(int fd, int level, int opt)
{
	socklen_t len = sizeof(int);
	int val;

	if (getsockopt(fd, level, opt, &val, &len))
		return -1;
	return val;
}

static inline int toy_get_info(int fd, struct toy_info *ti)
{
	socklen_t len = sizeof(*ti);

	memset(ti, 0, sizeof(*ti));
	return getsockopt(fd, SOL_TOY, TOY_INFO, ti, &len);
}

/* socket(AF_TOY, SOCK_STREAM | flags, 0) with the I/O timeouts set. */
static inline int toy_socket_flags(int flags)
{
	int fd = socket(toy_family(), SOCK_STREAM | flags, 0);

	if (fd < 0)
		return -1;
	if (toy_set_timeouts(fd, TOY_IO_MS)) {
		close(fd);
		return -1;
	}
	return fd;
}

static inline int toy_socket(void)
{
	return toy_socket_flags(0);
}

static inline int toy_bind(int fd, in_addr_t addr, uint16_t port)
{
	struct sockaddr_toy sa = toy_sa(addr, port);

	return bind(fd, (struct sockaddr *)&sa, sizeof(sa));
}

static inline int toy_connect(int fd, in_addr_t addr, uint16_t port)
{
	struct sockaddr_toy sa = toy_sa(addr, port);

	return connect(fd, (struct sockaddr *)&sa, sizeof(sa));
}

/* Local port (host order) of a socket, or -1. */
static inline int toy_local_port(int fd)
{
	struct sockaddr_toy sa;
	socklen_t len = sizeof(sa);

	if (getsockname(fd, (struct sockaddr *)&sa, &len))
		return -1;
	return ntohs(sa.stoy_port);
}

/* A listener bound to addr and an ephemeral port; *port gets the port. */
static inline int toy_listener(in_addr_t addr, int backlog, int *port)
{
	int fd = toy_socket();

	if (fd < 0)
		return -1;
	if (toy_bind(fd, addr, 0) || listen(fd, backlog))
		goto fail;
	*port = toy_local_port(fd);
	if (*port <= 0)
		goto fail;
	return fd;
fail:
	close(fd);
	return -1;
}

/* accept() whose new socket also gets the I/O timeouts. */
static inline int toy_accept(int lfd)
{
	int fd = accept(lfd, NULL, NULL);

	if (fd >= 0 && toy_set_timeouts(fd, TOY_IO_MS)) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * An established loopback connection: *lfd listens on *lport, *cfd is the
 * client (local port *cport), *sfd the accepted server side.
 */
static inline int toy_pair(int *lfd, int *cfd, int *sfd, int *lport,
			   int *cport)
{
	*cfd = *sfd = -1;
	*lfd = toy_listener(TOY_LO, 8, lport);
	if (*lfd < 0)
		return -1;
	*cfd = toy_socket();
	if (*cfd < 0 || toy_connect(*cfd, TOY_LO, *lport))
		return -1;
	*cport = toy_local_port(*cfd);
	*sfd = toy_accept(*lfd);
	return *sfd < 0 ? -1 : 0;
}

static inline void toy_close(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* Makes the next connect() give up after one SYN retransmission (~200 ms). */
static inline int toy_fast_syn(int fd)
{
	/* RTO_MIN first: the module may refuse RTO_MAX < RTO_MIN. */
	if (toy_set_int(fd, SOL_TOY, TOY_RTO_MIN, 50) ||
	    toy_set_int(fd, SOL_TOY, TOY_RTO_MAX, 100))
		return -1;
	return toy_set_int(fd, SOL_TOY, TOY_SYN_RETRIES, 1);
}

/* poll() one fd; returns revents (0 on timeout), -1 on error. */
static inline int toy_poll(int fd, short events, int ms)
{
	struct pollfd p = { .fd = fd, .events = events };
	int ret = poll(&p, 1, ms);

	return ret < 0 ? -1 : (ret ? p.revents : 0);
}

/* Sends / receives exactly len bytes; returns len, or -1 / short count. */
static inline ssize_t toy_send_all(int fd, const void *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = send(fd, (const char *)buf + done, len - done,
				 MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		done += n;
	}
	return done;
}

static inline ssize_t toy_recv_all(int fd, void *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = recv(fd, (char *)buf + done, len - done, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		done += n;
	}
	return done;
}

/* ---- /proc/net/toy ---------------------------------------------------- */

struct toy_row {
	uint32_t laddr;		/* as printed: the __be32 read as a u32 */
	uint32_t raddr;
	int lport, rport;	/* host order */
	int state;
	uint32_t tx_queue, rx_queue;
	int timer;
	unsigned long when;
	uint32_t retrnsmt;
	unsigned int uid;
	int timeout;
	unsigned long inode;
};

/* Reads up to max rows; returns the number read or -1. */
static inline int toy_rows(struct toy_row *rows, int max)
{
	FILE *f = fopen("/proc/net/toy", "r");
	char line[512];
	int n = 0;

	if (!f)
		return -1;
	if (!fgets(line, sizeof(line), f)) {	/* header */
		fclose(f);
		return -1;
	}
	while (n < max && fgets(line, sizeof(line), f)) {
		struct toy_row *r = &rows[n];
		int sl;

		if (sscanf(line, "%d: %x:%x %x:%x %x %x:%x %x:%lx %x %u %d %lu",
			   &sl, &r->laddr, &r->lport, &r->raddr, &r->rport,
			   &r->state, &r->tx_queue, &r->rx_queue, &r->timer,
			   &r->when, &r->retrnsmt, &r->uid, &r->timeout,
			   &r->inode) == 14)
			n++;
	}
	fclose(f);
	return n;
}

#define TOY_MAX_ROWS	256

/*
 * Finds the row with this local and remote port (a listener's remote port
 * is 0; -1 matches anything). Returns 1 and fills *out, 0 if absent, -1 on
 * error.
 */
static inline int toy_find(int lport, int rport, struct toy_row *out)
{
	struct toy_row rows[TOY_MAX_ROWS];
	int i, n = toy_rows(rows, TOY_MAX_ROWS);

	for (i = 0; i < n; i++) {
		if (lport >= 0 && rows[i].lport != lport)
			continue;
		if (rport >= 0 && rows[i].rport != rport)
			continue;
		if (out)
			*out = rows[i];
		return 1;
	}
	return n < 0 ? -1 : 0;
}

/* Rows matching the ports and, if state > 0, that state. */
static inline int toy_count(int lport, int rport, int state)
{
	struct toy_row rows[TOY_MAX_ROWS];
	int i, c = 0, n = toy_rows(rows, TOY_MAX_ROWS);

	for (i = 0; i < n; i++) {
		if (lport >= 0 && rows[i].lport != lport)
			continue;
		if (rport >= 0 && rows[i].rport != rport)
			continue;
		if (state > 0 && rows[i].state != state)
			continue;
		c++;
	}
	return n < 0 ? -1 : c;
}

/* Polls every 10 ms until the row shows state; 0 when it did, -1 if not. */
static inline int toy_wait_state(int lport, int rport, int state, int max_ms)
{
	long end = toy_now_ms() + max_ms;
	struct toy_row r;

	for (;;) {
		if (toy_find(lport, rport, &r) == 1 && r.state == state)
			return 0;
		if (toy_now_ms() >= end)
			return -1;
		toy_sleep_ms(10);
	}
}

/* Polls every 10 ms until the row's rx_queue is q; 0 or -1 on timeout. */
static inline int toy_wait_rx_queue(int lport, int rport, uint32_t q,
				    int max_ms)
{
	long end = toy_now_ms() + max_ms;
	struct toy_row r;

	for (;;) {
		if (toy_find(lport, rport, &r) == 1 && r.rx_queue == q)
			return 0;
		if (toy_now_ms() >= end)
			return -1;
		toy_sleep_ms(10);
	}
}

/* Polls every 10 ms until no row matches; 0 when gone, -1 if not. */
static inline int toy_wait_gone(int lport, int rport, int max_ms)
{
	long end = toy_now_ms() + max_ms;

	for (;;) {
		if (toy_find(lport, rport, NULL) == 0)
			return 0;
		if (toy_now_ms() >= end)
			return -1;
		toy_sleep_ms(10);
	}
}

/* Waits until /proc/net/toy is empty: earlier tests' sockets are gone. */
static inline int toy_wait_idle(int max_ms)
{
	return toy_wait_gone(-1, -1, max_ms);
}

/* ---- /proc/net/toy_stat ----------------------------------------------- */

#define TOY_MAX_STATS	64

struct toy_stats {
	int n;
	char name[TOY_MAX_STATS][40];
	long long val[TOY_MAX_STATS];
};

/* Parses the "Toy: names" / "Toy: values" pair by name. 0 or -1. */
static inline int toy_stats_read(struct toy_stats *s)
{
	FILE *f = fopen("/proc/net/toy_stat", "r");
	char names[2048], vals[2048], *np, *vp, *ns, *vs, *nt, *vt;
	int n = 0;

	s->n = 0;
	if (!f)
		return -1;
	if (!fgets(names, sizeof(names), f) || !fgets(vals, sizeof(vals), f)) {
		fclose(f);
		return -1;
	}
	fclose(f);
	nt = strtok_r(names, " \n", &ns);
	vt = strtok_r(vals, " \n", &vs);
	if (!nt || !vt || strcmp(nt, "Toy:") || strcmp(vt, "Toy:"))
		return -1;
	while (n < TOY_MAX_STATS) {
		np = strtok_r(NULL, " \n", &ns);
		vp = strtok_r(NULL, " \n", &vs);
		if (!np || !vp)
			break;
		snprintf(s->name[n], sizeof(s->name[n]), "%s", np);
		s->val[n] = strtoll(vp, NULL, 10);
		n++;
	}
	s->n = n;
	return n ? 0 : -1;
}

/* A counter's value, or -1 if it is not there. */
static inline long long toy_stats_get(const struct toy_stats *s,
				      const char *name)
{
	int i;

	for (i = 0; i < s->n; i++)
		if (!strcmp(s->name[i], name))
			return s->val[i];
	return -1;
}

static inline long long toy_stat(const char *name)
{
	struct toy_stats s;

	if (toy_stats_read(&s))
		return -1;
	return toy_stats_get(&s, name);
}

static inline long long toy_stats_delta(const struct toy_stats *before,
					const struct toy_stats *after,
					const char *name)
{
	return toy_stats_get(after, name) - toy_stats_get(before, name);
}

/*
 * Re-reads *after every 10 ms until counter name has grown by at least
 * delta since *before; 0 when it has, -1 on timeout. *after is left with
 * the last reading, for exact checks of the other counters.
 */
static inline int toy_stats_wait(const struct toy_stats *before,
				 struct toy_stats *after, const char *name,
				 long long delta, int max_ms)
{
	long end = toy_now_ms() + max_ms;

	for (;;) {
		if (!toy_stats_read(after) &&
		    toy_stats_delta(before, after, name) >= delta)
			return 0;
		if (toy_now_ms() >= end)
			return -1;
		toy_sleep_ms(10);
	}
}

/* Polls every 10 ms until counter name >= min; 0 or -1 on timeout. */
static inline int toy_wait_stat(const char *name, long long min, int max_ms)
{
	long end = toy_now_ms() + max_ms;

	for (;;) {
		if (toy_stat(name) >= min)
			return 0;
		if (toy_now_ms() >= end)
			return -1;
		toy_sleep_ms(10);
	}
}

/* ---- a fuzzer's budget and seed ----------------------------------------- */

/* What a seeded, bounded run does: set it to the defaults, then parse. */
struct toy_fuzz_opts {
	unsigned long long seed;
	long iters;		/* of whatever the program counts */
	long seconds;
};

/* Parses a number >= 0 named name into *out; -1 with a message if not. */
static inline int toy_fuzz_num(const char *name, const char *val, long long *out)
{
	char *end;

	errno = 0;
	*out = strtoll(val ? val : "", &end, 0);
	if (!val || !*val || errno || *end || *out < 0) {
		fprintf(stderr, "%s: a number >= 0, please\n", name);
		return -1;
	}
	return 0;
}

static inline int toy_fuzz_env(const char *name, long long *out)
{
	const char *v = getenv(name);

	return v && *v ? toy_fuzz_num(name, v, out) : 0;
}

/*
 * Fills *o from TOY_FUZZ_SEED, TOY_FUZZ_ITERS and TOY_FUZZ_SECONDS, then
 * from --seed N, --iters N and --seconds N, which it takes out of argv so
 * that the rest goes to the harness; with no seed, one from the clock
 * (printed by the caller, so that the run can be replayed). Returns the new
 * argc, or -1 on a bad value.
 */
static inline int toy_fuzz_args(int argc, char **argv, struct toy_fuzz_opts *o)
{
	long long seed = -1, iters = o->iters, secs = o->seconds, *dst;
	int i, n = 1;

	if (toy_fuzz_env("TOY_FUZZ_SEED", &seed) ||
	    toy_fuzz_env("TOY_FUZZ_ITERS", &iters) ||
	    toy_fuzz_env("TOY_FUZZ_SECONDS", &secs))
		return -1;
	for (i = 1; i < argc; i++) {
		dst = !strcmp(argv[i], "--seed") ? &seed :
		      !strcmp(argv[i], "--iters") ? &iters :
		      !strcmp(argv[i], "--seconds") ? &secs : NULL;
		if (!dst) {
			argv[n++] = argv[i];
			continue;
		}
		if (toy_fuzz_num(argv[i], argv[i + 1], dst))
			return -1;
		i++;
	}
	argv[n] = NULL;
	if (seed < 0) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		seed = (ts.tv_sec * 1000000LL + ts.tv_nsec / 1000) & 0xffffffffLL;
	}
	o->seed = seed;
	o->iters = iters;
	o->seconds = secs;
	return n;
}

/*
 * A line on the kernel's console too, "<prog>: ...": run_tests.sh shows a
 * program's output only once it has exited, and when the kernel dies first
 * the console is all that is left to tell the seed or the progress.
 */
static inline void toy_kmsg(const char *prog, const char *fmt, ...)
{
	int fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
	char line[256];
	va_list ap;
	int n;

	if (fd < 0)
		return;
	n = snprintf(line, sizeof(line), "<4>%s: ", prog);
	va_start(ap, fmt);
	n += vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	va_end(ap);
	if (n >= (int)sizeof(line))
		n = sizeof(line) - 1;
	if (write(fd, line, n) < 0)
		n = 0;
	close(fd);
}

/* ---- environment -------------------------------------------------------- */

/* Runs a shell command quietly; returns its exit status (or -1). */
static inline int toy_sh(const char *cmd)
{
	char buf[512];
	int st;

	snprintf(buf, sizeof(buf), "%s >/dev/null 2>&1", cmd);
	st = system(buf);
	if (st == -1 || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

/*
 * Brings up toy0 (dummy) with 10.66.0.1/24: 10.66.0.2 is then routable but
 * every segment sent to it vanishes, which is how tests provoke SYN_SENT
 * and ETIMEDOUT. Idempotent; returns 0 when the address is configured.
 */
static inline int toy_dummy_setup(void)
{
	toy_sh("modprobe dummy");
	toy_sh("ip link add " TOY_DUMMY_IF " type dummy");
	toy_sh("ip addr add " TOY_DUMMY_LOCAL "/24 dev " TOY_DUMMY_IF);
	toy_sh("ip link set " TOY_DUMMY_IF " up");
	return toy_sh("ip addr show dev " TOY_DUMMY_IF " | grep -q '"
		      TOY_DUMMY_LOCAL "/24'") ? -1 : 0;
}

/*
 * Whether the main routing table has a route covering addr (network
 * order). Used to find out if a connect() there must fail ENETUNREACH.
 */
static inline int toy_has_route(in_addr_t addr)
{
	FILE *f = fopen("/proc/net/route", "r");
	char line[256], ifn[64];
	unsigned int dst, gw, flags, refcnt, use, metric, mask;
	int found = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%63s %x %x %x %u %u %u %x", ifn, &dst, &gw,
			   &flags, &refcnt, &use, &metric, &mask) != 8)
			continue;	/* header */
		if ((addr & mask) == dst)
			found = 1;
	}
	fclose(f);
	return found;
}

#endif /* TOY_TEST_H */
