// SPDX-License-Identifier: GPL-2.0
/*
 * The helpers of toy_test.h, linked into every test program (each is one
 * static binary: the VM has no libc).
 */
#include "toy_test.h"

long toy_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

void toy_sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

int toy_read_int(const char *path, int dflt)
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

int toy_family(void)
{
	return toy_read_int(TOY_FAMILY_SYSFS, AF_TOY_DEFAULT);
}

int toy_ipproto(void)
{
	return toy_read_int(TOY_IPPROTO_SYSFS, IPPROTO_TOY);
}

#define TOY_TIMEWAIT_SYSFS	"/sys/module/toy/parameters/timewait_ms"

int toy_set_timewait_ms(int ms)
{
	int old = toy_read_int(TOY_TIMEWAIT_SYSFS, -1);
	FILE *f;

	if (old < 0)
		return -1;
	f = fopen(TOY_TIMEWAIT_SYSFS, "w");
	if (!f)
		return -1;
	fprintf(f, "%d\n", ms);
	if (fclose(f))
		return -1;
	return old;
}

void toy_eph_range(int *lo, int *hi)
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

struct sockaddr_toy toy_sa(in_addr_t addr, uint16_t port)
{
	struct sockaddr_toy sa;

	memset(&sa, 0, sizeof(sa));
	sa.stoy_family = toy_family();
	sa.stoy_port = htons(port);
	sa.stoy_ipver = TOY_IPVER_4;
	sa.stoy_addr.v4 = addr;
	return sa;
}

struct sockaddr_toy toy_sa6(const char *addr, uint16_t port)
{
	struct sockaddr_toy sa;

	memset(&sa, 0, sizeof(sa));
	sa.stoy_family = toy_family();
	sa.stoy_ipver = TOY_IPVER_6;
	sa.stoy_port = htons(port);
	inet_pton(AF_INET6, addr, sa.stoy_addr.v6);
	return sa;
}

int toy_set_timeouts(int fd, int ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)))
		return -1;
	return setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

int toy_set_int(int fd, int level, int opt, int val)
{
	return setsockopt(fd, level, opt, &val, sizeof(val));
}

int toy_get_int(int fd, int level, int opt)
{
	socklen_t len = sizeof(int);
	int val;

	if (getsockopt(fd, level, opt, &val, &len))
		return -1;
	return val;
}

int toy_get_info(int fd, struct toy_info *ti)
{
	socklen_t len = sizeof(*ti);

	memset(ti, 0, sizeof(*ti));
	return getsockopt(fd, SOL_TOY, TOY_INFO, ti, &len);
}

int toy_socket_flags(int flags)
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

int toy_socket(void)
{
	return toy_socket_flags(0);
}

int toy_bind(int fd, in_addr_t addr, uint16_t port)
{
	struct sockaddr_toy sa = toy_sa(addr, port);

	return bind(fd, (struct sockaddr *)&sa, sizeof(sa));
}

int toy_connect(int fd, in_addr_t addr, uint16_t port)
{
	struct sockaddr_toy sa = toy_sa(addr, port);

	return connect(fd, (struct sockaddr *)&sa, sizeof(sa));
}

int toy_local_port(int fd)
{
	struct sockaddr_toy sa;
	socklen_t len = sizeof(sa);

	if (getsockname(fd, (struct sockaddr *)&sa, &len))
		return -1;
	return ntohs(sa.stoy_port);
}

/* toy_listener() and toy_listener6(): on @sa, its port chosen. */
static int listener_on(const struct sockaddr_toy *sa, int backlog, int *port)
{
	int fd = toy_socket();

	if (fd < 0)
		return -1;
	if (bind(fd, (const struct sockaddr *)sa, sizeof(*sa)) ||
	    listen(fd, backlog))
		goto fail;
	*port = toy_local_port(fd);
	if (*port <= 0)
		goto fail;
	return fd;
fail:
	close(fd);
	return -1;
}

int toy_listener(in_addr_t addr, int backlog, int *port)
{
	struct sockaddr_toy sa = toy_sa(addr, 0);

	return listener_on(&sa, backlog, port);
}

int toy_listener6(const char *addr, int backlog, int *port)
{
	struct sockaddr_toy sa = toy_sa6(addr, 0);

	return listener_on(&sa, backlog, port);
}

int toy_accept(int lfd)
{
	int fd = accept(lfd, NULL, NULL);

	if (fd >= 0 && toy_set_timeouts(fd, TOY_IO_MS)) {
		close(fd);
		return -1;
	}
	return fd;
}

int toy_pair(int *lfd, int *cfd, int *sfd, int *lport,
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

void toy_close(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

int toy_fast_syn(int fd)
{
	/* RTO_MIN first: the module may refuse RTO_MAX < RTO_MIN. */
	if (toy_set_int(fd, SOL_TOY, TOY_RTO_MIN, 50) ||
	    toy_set_int(fd, SOL_TOY, TOY_RTO_MAX, 100))
		return -1;
	return toy_set_int(fd, SOL_TOY, TOY_SYN_RETRIES, 1);
}

int toy_poll(int fd, short events, int ms)
{
	struct pollfd p = { .fd = fd, .events = events };
	int ret = poll(&p, 1, ms);

	return ret < 0 ? -1 : (ret ? p.revents : 0);
}

ssize_t toy_send_all(int fd, const void *buf, size_t len)
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

ssize_t toy_recv_all(int fd, void *buf, size_t len)
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

int toy_row_parse(const char *line, struct toy_row *r)
{
	int sl;

	r->v6 = 0;
	return sscanf(line, "%d: %x:%x %x:%x %x %x:%x %x:%lx %x %u %d %lu",
		      &sl, &r->laddr, &r->lport, &r->raddr, &r->rport,
		      &r->state, &r->tx_queue, &r->rx_queue, &r->timer,
		      &r->when, &r->retrnsmt, &r->uid, &r->timeout,
		      &r->inode) == 14 ? 0 : -1;
}

int toy_row_parse6(const char *line, struct toy_row *r)
{
	int sl;

	r->laddr = r->raddr = 0;
	r->v6 = 1;
	return sscanf(line, "%d: %*32[0-9A-F]:%x %*32[0-9A-F]:%x %x %x:%x %x:%lx %x %u %d %lu",
		      &sl, &r->lport, &r->rport, &r->state, &r->tx_queue,
		      &r->rx_queue, &r->timer, &r->when, &r->retrnsmt,
		      &r->uid, &r->timeout, &r->inode) == 12 ? 0 : -1;
}

/* Rows of @path, parsed by @parse, into @rows[@n..@max); the new @n. */
static int rows_of(const char *path, int (*parse)(const char *, struct toy_row *),
		   struct toy_row *rows, int n, int max)
{
	FILE *f = fopen(path, "r");
	char line[512];

	if (!f)
		return -1;
	if (!fgets(line, sizeof(line), f)) {	/* header */
		fclose(f);
		return -1;
	}
	while (n < max && fgets(line, sizeof(line), f))
		if (!parse(line, &rows[n]))
			n++;
	fclose(f);
	return n;
}

int toy_rows(struct toy_row *rows, int max)
{
	int n = rows_of("/proc/net/toy", toy_row_parse, rows, 0, max), n6;

	if (n < 0 || access("/proc/net/toy6", F_OK))
		return n;
	n6 = rows_of("/proc/net/toy6", toy_row_parse6, rows, n, max);
	return n6 < 0 ? -1 : n6;
}

int toy_find(int lport, int rport, struct toy_row *out)
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

int toy_count(int lport, int rport, int state)
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

int toy_wait_state(int lport, int rport, int state, int max_ms)
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

int toy_wait_rx_queue(int lport, int rport, uint32_t q,
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

int toy_wait_gone(int lport, int rport, int max_ms)
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

int toy_wait_idle(int max_ms)
{
	return toy_wait_gone(-1, -1, max_ms);
}

int toy_stats_read(struct toy_stats *s)
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

long long toy_stats_get(const struct toy_stats *s,
			const char *name)
{
	int i;

	for (i = 0; i < s->n; i++)
		if (!strcmp(s->name[i], name))
			return s->val[i];
	return -1;
}

long long toy_stat(const char *name)
{
	struct toy_stats s;

	if (toy_stats_read(&s))
		return -1;
	return toy_stats_get(&s, name);
}

long long toy_stats_delta(const struct toy_stats *before,
			  const struct toy_stats *after,
			  const char *name)
{
	return toy_stats_get(after, name) - toy_stats_get(before, name);
}

int toy_stats_wait(const struct toy_stats *before,
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

int toy_wait_stat(const char *name, long long min, int max_ms)
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

int toy_fuzz_num(const char *name, const char *val, long long *out)
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

int toy_fuzz_env(const char *name, long long *out)
{
	const char *v = getenv(name);

	return v && *v ? toy_fuzz_num(name, v, out) : 0;
}

int toy_fuzz_args(int argc, char **argv, struct toy_fuzz_opts *o)
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

void toy_kmsg(const char *prog, const char *fmt, ...)
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

int toy_sh(const char *cmd)
{
	char buf[512];
	int st;

	snprintf(buf, sizeof(buf), "%s >/dev/null 2>&1", cmd);
	st = system(buf);
	if (st == -1 || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

int toy_dummy_setup(void)
{
	toy_sh("modprobe dummy");
	toy_sh("ip link add " TOY_DUMMY_IF " type dummy");
	toy_sh("ip addr add " TOY_DUMMY_LOCAL "/24 dev " TOY_DUMMY_IF);
	toy_sh("ip link set " TOY_DUMMY_IF " up");
	return toy_sh("ip addr show dev " TOY_DUMMY_IF " | grep -q '"
		      TOY_DUMMY_LOCAL "/24'") ? -1 : 0;
}

int toy_has_route(in_addr_t addr)
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
