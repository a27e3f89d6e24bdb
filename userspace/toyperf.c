// SPDX-License-Identifier: GPL-2.0
/*
 * toyperf: measure an AF_TOY (or, with --tcp, a TCP) connection the way
 * iperf3 and netperf do, so that the two can be compared in one run.
 *
 *   toyperf -s [-B ADDR] [-p PORT] [--tcp] [--buf BYTES]
 *   toyperf -c HOST [-p PORT] [-t SECS] [-P FLOWS] [--rr | --crr]
 *           [-l BYTES] [-i MS] [-C ALGO] [--buf BYTES] [--tcp] [-J]
 *   toyperf --idle N [--rr] [-t SECS] [--tcp] [-J]
 *
 * STREAM (the default): each flow writes for -t seconds, then half-closes;
 * the server answers with the bytes it read, and the rate is what arrived,
 * over the time until that answer came. RR: one connection per flow, a
 * request of -l bytes (default 1) and a reply as long, in turn, as fast as
 * they go. CRR: a new connection per transaction (connect, a 16-byte
 * request, a reply of -l bytes, close), which is what a web server does
 * all day.
 *
 * Every run prints the system's CPU time per byte (STREAM) or per
 * transaction (RR, CRR), from /proc/stat: both ends are on this machine
 * when the server is local, and so is everything the kernel did for them.
 * With -P, Jain's fairness index of the flows; with -i, each flow's rate
 * per interval (the data of a throughput-over-time plot).
 *
 * --idle N: kernel memory per idle established socket. N connections over
 * loopback, both ends in this process (no server threads, whose stacks
 * would count too); the growth of /proc/meminfo's Slab, per socket,
 * counted from a Slab at rest (the sockets of a run before may still be
 * leaving), with the caches it went to when /proc/slabinfo can be read
 * (root), and how fast they were made (connect and accept, one at a
 * time). They end with an RST (SO_LINGER 0), so that none lingers in
 * TIME_WAIT into the next run's count. With
 * --rr, then -t seconds of 1-byte request/reply over one more connection
 * beside them, in this one thread: compared with a run of few idle
 * connections, what finding one among many costs each segment. The
 * servers are 127.0.0.1, .2, ... (10000 connections each: one
 * destination has only as many ports as ip_local_port_range).
 *
 * Every socket has 10 s send and receive timeouts: a stalled connection
 * ends the run with an error, never a hang. Exit 0 on success, 1 on a
 * failed measurement, 2 on a usage error.
 */
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "libtoy.h"

#define PERF_MAGIC	0x746f7970U	/* "toyp" */
#define PERF_PORT	"5201"
#define PERF_CHUNK	(128 * 1024)
#define PERF_IO_TIMEOUT	10		/* s, every socket */
#define PERF_MAX_FLOWS	64
#define PERF_MAX_TICKS	3600

enum perf_mode { MODE_STREAM, MODE_RR, MODE_CRR };

static const char *const mode_names[] = { "stream", "rr", "crr" };

/* What a client says first on every connection, network order. */
struct perf_hello {
	uint32_t magic;
	uint32_t mode;
	uint32_t len;		/* RR/CRR: bytes per request and reply */
	uint32_t pad;
};

struct opts {
	bool server, tcp, json;
	const char *host, *bind_host, *port, *algo;
	enum perf_mode mode;
	int secs, flows, interval_ms, buf;
	uint32_t len;
};

static struct opts o = {
	.port = PERF_PORT, .secs = 10, .flows = 1, .len = 1,
};

/**
 * struct flow - one client flow, run by its own thread
 * @id: 0..flows - 1
 * @bytes: STREAM: bytes written so far (read by the sampler)
 * @trans: RR/CRR: transactions completed so far
 * @delivered: STREAM: what the server says it read
 * @secs: from the first write to the server's answer
 * @err: 0, or the errno that ended it
 * @what: the call that failed
 * @retrans: segments retransmitted (TOY_INFO or TCP_INFO), STREAM and RR
 * @ticks: per-interval counters, @nticks of them
 */
struct flow {
	int id;
	pthread_t thread;
	volatile unsigned long long bytes, trans;
	unsigned long long delivered;
	double secs;
	int err;
	const char *what;
	unsigned int retrans;
	unsigned long long *ticks;
	int nticks;
};

static struct flow flows[PERF_MAX_FLOWS];

static void die(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "toyperf: ");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(code);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void usage(FILE *f)
{
	fprintf(f,
"usage: toyperf -s [-B ADDR] [-p PORT] [--tcp] [--buf BYTES]\n"
"       toyperf -c HOST [-p PORT] [-t SECS] [-P FLOWS] [--rr | --crr]\n"
"               [-l BYTES] [-i MS] [-C ALGO] [--buf BYTES] [--tcp] [-J]\n"
"       toyperf --idle N [--rr] [-t SECS] [--tcp] [-J]\n"
"\n"
"  -s, --server      answer clients (one thread per connection)\n"
"  -c, --client HOST measure towards HOST (a dotted quad, localhost or an\n"
"                    IPv6 address)\n"
"  -B, --bind ADDR   server: listen on ADDR only (default all)\n"
"  -p, --port PORT   default " PERF_PORT "\n"
"  -t, --time SECS   client: how long to run (default 10)\n"
"  -P, --parallel N  client: N flows at once (default 1, at most %d)\n"
"      --rr          request/response transactions per second\n"
"      --crr         connect/request/response/close per second\n"
"  -l, --len BYTES   RR/CRR: request and reply size (default 1)\n"
"  -i, --interval MS report each flow's rate every MS ms (STREAM)\n"
"  -C, --congestion ALGO  the sender's congestion control\n"
"      --buf BYTES   SO_SNDBUF and SO_RCVBUF of every socket\n"
"      --idle N      slab memory per idle established socket, N connections,\n"
"                    and connections/s; with --rr, then RR beside them\n"
"      --tcp         the same measurement over TCP (AF_INET, or AF_INET6\n"
"                    for an IPv6 HOST or ADDR)\n"
"  -J, --json        one JSON object on stdout\n",
		PERF_MAX_FLOWS);
}

static long parse_num(const char *s, long lo, long hi, const char *what)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || !*s || v < lo || v > hi) {
		fprintf(stderr, "toyperf: invalid %s: %s (%ld..%ld)\n", what, s,
			lo, hi);
		exit(2);
	}
	return v;
}

/* ---- sockets ------------------------------------------------------------ */

static int set_timeouts(int fd)
{
	struct timeval tv = { .tv_sec = PERF_IO_TIMEOUT };

	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)))
		return -1;
	if (o.buf && (setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &o.buf,
				 sizeof(o.buf)) ||
		      setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &o.buf,
				 sizeof(o.buf))))
		return -1;
	return 0;
}

/* TCP's family: AF_INET6 once an IPv6 address was given. */
static int tcp_family = AF_INET;

/*
 * The address of -c/-B and -p, in the family of the run: an IPv6 one (it
 * has a ':') makes the run IPv6, for AF_TOY as for TCP.
 */
static socklen_t make_addr(const char *host, struct sockaddr_storage *ss)
{
	if (o.tcp && host && strchr(host, ':')) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

		memset(sin6, 0, sizeof(*sin6));
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)parse_num(o.port, 0, 65535,
							     "port"));
		if (inet_pton(AF_INET6, host, &sin6->sin6_addr) != 1)
			die(2, "invalid address: %s", host);
		tcp_family = AF_INET6;
		return sizeof(*sin6);
	}
	if (o.tcp) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		memset(sin, 0, sizeof(*sin));
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)parse_num(o.port, 0, 65535,
							   "port"));
		if (!host || !strcmp(host, "*"))
			sin->sin_addr.s_addr = htonl(INADDR_ANY);
		else if (!strcmp(host, "localhost"))
			sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		else if (inet_pton(AF_INET, host, &sin->sin_addr) != 1)
			die(2, "invalid address: %s", host);
		return sizeof(*sin);
	}
	if (toy_addr_parse(host, o.port, (struct sockaddr_toy *)ss))
		die(2, "invalid address or port: %s %s", host ? host : "*",
		    o.port);
	return sizeof(struct sockaddr_toy);
}

static int new_socket(void)
{
	int fd = o.tcp ? socket(tcp_family, SOCK_STREAM, 0) : toy_socket(0);

	if (fd < 0)
		return -1;
	if (set_timeouts(fd)) {
		close(fd);
		return -1;
	}
	return fd;
}

static int set_algo(int fd)
{
	if (!o.algo)
		return 0;
	if (o.tcp)
		return setsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, o.algo,
				  (socklen_t)strlen(o.algo));
	return setsockopt(fd, SOL_TOY, TOY_CONGESTION, o.algo,
			  (socklen_t)strlen(o.algo));
}

/* Retransmitted segments of @fd's connection, 0 if unknown. */
static unsigned int retrans_of(int fd)
{
	if (o.tcp) {
		struct tcp_info ti;
		socklen_t len = sizeof(ti);

		if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len))
			return 0;
		return ti.tcpi_total_retrans;
	} else {
		struct toy_info ti;
		socklen_t len = sizeof(ti);

		if (getsockopt(fd, SOL_TOY, TOY_INFO, &ti, &len))
			return 0;
		return ti.total_retrans;
	}
}

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Exactly @len bytes; EPIPE-like ECONNRESET for an early EOF. */
static int read_all(int fd, void *buf, size_t len)
{
	char *p = buf;

	while (len) {
		ssize_t n = read(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0)
			errno = ECONNRESET;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* ---- server ------------------------------------------------------------- */

static void *serve(void *arg)
{
	int fd = (int)(intptr_t)arg;
	struct perf_hello h;
	char *buf = malloc(PERF_CHUNK);
	uint64_t total = 0, be;
	uint32_t len;
	ssize_t n;

	if (!buf || read_all(fd, &h, sizeof(h)) || ntohl(h.magic) != PERF_MAGIC)
		goto out;
	len = ntohl(h.len);
	if (len < 1 || len > PERF_CHUNK)
		goto out;
	switch (ntohl(h.mode)) {
	case MODE_STREAM:
		while ((n = read(fd, buf, PERF_CHUNK)) > 0)
			total += (uint64_t)n;
		if (n == 0) {
			be = htobe64(total);
			write_all(fd, &be, sizeof(be));
		}
		break;
	case MODE_RR:
		while (!read_all(fd, buf, len) && !write_all(fd, buf, len))
			;
		break;
	case MODE_CRR:
		/* the hello was the request */
		memset(buf, 'c', len);
		write_all(fd, buf, len);
		break;
	}
out:
	free(buf);
	close(fd);
	return NULL;
}

static __attribute__((noreturn)) void run_server(void)
{
	struct sockaddr_storage ss;
	socklen_t sl = make_addr(o.bind_host, &ss);
	int lfd = new_socket(), one = 1;

	if (lfd < 0)
		die(1, "socket: %s", o.tcp ? strerror(errno) :
		    toy_socket_strerror(errno));
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(lfd, (struct sockaddr *)&ss, sl) || listen(lfd, 1024))
		die(1, "bind/listen on port %s: %s", o.port, strerror(errno));
	fprintf(stderr, "toyperf: %s server on port %s\n",
		o.tcp ? "TCP" : "AF_TOY", o.port);
	for (;;) {
		pthread_attr_t attr;
		pthread_t t;
		int fd = accept(lfd, NULL, NULL);

		if (fd < 0) {
			if (errno == EINTR || errno == EAGAIN ||
			    errno == ECONNABORTED || errno == EMFILE)
				continue;
			die(1, "accept: %s", strerror(errno));
		}
		pthread_attr_init(&attr);
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		if (pthread_create(&t, &attr, serve, (void *)(intptr_t)fd))
			close(fd);
		pthread_attr_destroy(&attr);
	}
}

/* ---- client ------------------------------------------------------------- */

static struct sockaddr_storage server_addr;
static socklen_t server_len;
static double deadline;

static int flow_fail(struct flow *f, const char *what, int fd)
{
	f->err = errno ? errno : EIO;
	f->what = what;
	if (fd >= 0)
		close(fd);
	return -1;
}

static int flow_connect(struct flow *f, enum perf_mode mode)
{
	struct perf_hello h = {
		.magic = htonl(PERF_MAGIC), .mode = htonl(mode),
		.len = htonl(o.len),
	};
	int fd = new_socket();

	if (fd < 0)
		return flow_fail(f, "socket", -1);
	if (set_algo(fd))
		return flow_fail(f, "setsockopt(congestion)", fd);
	if (connect(fd, (struct sockaddr *)&server_addr, server_len))
		return flow_fail(f, "connect", fd);
	if (write_all(fd, &h, sizeof(h)))
		return flow_fail(f, "write", fd);
	return fd;
}

static void flow_stream(struct flow *f)
{
	char *buf = calloc(1, PERF_CHUNK);
	double t0 = now_s();
	uint64_t be;
	int fd;

	if (!buf) {
		flow_fail(f, "malloc", -1);
		return;
	}
	fd = flow_connect(f, MODE_STREAM);
	if (fd < 0)
		goto out;
	while (now_s() < deadline) {
		ssize_t n = write(fd, buf, PERF_CHUNK);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			flow_fail(f, "write", fd);
			goto out;
		}
		f->bytes += (unsigned long long)n;
	}
	if (shutdown(fd, SHUT_WR) || read_all(fd, &be, sizeof(be))) {
		flow_fail(f, "waiting for the server's count", fd);
		goto out;
	}
	f->secs = now_s() - t0;
	f->delivered = be64toh(be);
	f->retrans = retrans_of(fd);
	close(fd);
out:
	free(buf);
}

static void flow_rr(struct flow *f)
{
	char *p = malloc(o.len);
	double t0 = now_s();
	int fd;

	if (!p) {
		flow_fail(f, "malloc", -1);
		return;
	}
	memset(p, 'r', o.len);
	fd = flow_connect(f, MODE_RR);
	if (fd < 0)
		goto out;
	while (now_s() < deadline) {
		if (write_all(fd, p, o.len) || read_all(fd, p, o.len)) {
			flow_fail(f, "request/reply", fd);
			goto out;
		}
		f->trans++;
	}
	f->secs = now_s() - t0;
	f->retrans = retrans_of(fd);
	close(fd);
out:
	free(p);
}

static void flow_crr(struct flow *f)
{
	char *p = calloc(1, o.len);
	double t0 = now_s();
	char eof;

	if (!p) {
		flow_fail(f, "malloc", -1);
		return;
	}
	while (now_s() < deadline) {
		int fd = flow_connect(f, MODE_CRR);

		if (fd < 0)
			goto out;
		/* the hello was the request; the reply, then the server's FIN */
		if (read_all(fd, p, o.len) || read(fd, &eof, 1) != 0) {
			flow_fail(f, "reply", fd);
			goto out;
		}
		close(fd);
		f->trans++;
	}
	f->secs = now_s() - t0;
out:
	free(p);
}

static void *flow_main(void *arg)
{
	struct flow *f = arg;

	switch (o.mode) {
	case MODE_STREAM:
		flow_stream(f);
		break;
	case MODE_RR:
		flow_rr(f);
		break;
	case MODE_CRR:
		flow_crr(f);
		break;
	}
	return NULL;
}

/* Busy and total jiffies of all CPUs, from /proc/stat's first line. */
static int cpu_read(unsigned long long *busy, unsigned long long *total)
{
	unsigned long long v[8] = { 0 };
	FILE *f = fopen("/proc/stat", "r");
	int n;

	if (!f)
		return -1;
	n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0],
		   &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]);
	fclose(f);
	if (n < 5)
		return -1;
	*total = v[0] + v[1] + v[2] + v[3] + v[4] + v[5] + v[6] + v[7];
	*busy = *total - v[3] - v[4];	/* less idle and iowait */
	return 0;
}

static double jain(const double *x, int n)
{
	double sum = 0, sq = 0;
	int i;

	for (i = 0; i < n; i++) {
		sum += x[i];
		sq += x[i] * x[i];
	}
	return sq > 0 ? sum * sum / (n * sq) : 1.0;
}

/* Sample each flow's byte count every -i ms until the flows end. */
static void sample_intervals(void)
{
	unsigned long long last[PERF_MAX_FLOWS] = { 0 };
	int i, t;

	for (t = 0; t < PERF_MAX_TICKS; t++) {
		struct timespec ts = {
			.tv_sec = o.interval_ms / 1000,
			.tv_nsec = (o.interval_ms % 1000) * 1000000L,
		};

		nanosleep(&ts, NULL);
		if (now_s() > deadline + o.interval_ms / 2000.0)
			break;
		for (i = 0; i < o.flows; i++) {
			unsigned long long b = flows[i].bytes;

			flows[i].ticks[t] = b - last[i];
			flows[i].nticks = t + 1;
			last[i] = b;
		}
	}
}

static void print_json(double cpu_s, double wall, const char *cong)
{
	unsigned long long total = 0, trans = 0;
	double rates[PERF_MAX_FLOWS];
	unsigned int retrans = 0;
	int i, t;

	for (i = 0; i < o.flows; i++) {
		struct flow *f = &flows[i];

		total += f->delivered;
		trans += f->trans;
		retrans += f->retrans;
		rates[i] = o.mode == MODE_STREAM ?
			   (f->secs > 0 ? f->delivered * 8 / f->secs / 1e6 : 0) :
			   (f->secs > 0 ? f->trans / f->secs : 0);
	}
	printf("{\"proto\": \"%s\", \"mode\": \"%s\", \"flows\": %d, "
	       "\"seconds\": %d, \"len\": %u, \"cong\": \"%s\", ",
	       o.tcp ? "tcp" : "toy", mode_names[o.mode], o.flows, o.secs,
	       o.len, cong);
	if (o.mode == MODE_STREAM) {
		double sum = 0;

		for (i = 0; i < o.flows; i++)
			sum += rates[i];
		printf("\"bytes\": %llu, \"mbit_s\": %.2f, ", total, sum);
		printf("\"cpu_ns_per_byte\": %.3f, ",
		       total ? cpu_s * 1e9 / total : 0);
	} else {
		printf("\"transactions\": %llu, \"per_s\": %.1f, ", trans,
		       wall > 0 ? trans / wall : 0);
		printf("\"cpu_us_per_transaction\": %.2f, ",
		       trans ? cpu_s * 1e6 / trans : 0);
	}
	printf("\"retrans\": %u, \"jain\": %.4f, \"per_flow\": [", retrans,
	       jain(rates, o.flows));
	for (i = 0; i < o.flows; i++)
		printf("%s%.2f", i ? ", " : "", rates[i]);
	printf("]");
	if (o.interval_ms && o.mode == MODE_STREAM) {
		printf(", \"interval_ms\": %d, \"intervals\": [", o.interval_ms);
		for (t = 0; t < flows[0].nticks; t++) {
			printf("%s[", t ? ", " : "");
			for (i = 0; i < o.flows; i++)
				printf("%s%.2f", i ? ", " : "",
				       flows[i].ticks[t] * 8.0 /
				       o.interval_ms / 1000.0);
			printf("]");
		}
		printf("]");
	}
	printf("}\n");
}

static void print_text(double cpu_s, double wall, const char *cong)
{
	double rates[PERF_MAX_FLOWS], sum = 0;
	unsigned long long trans = 0, total = 0;
	int i, t;

	printf("%s %s to %s:%s, %d flow%s, %d s, congestion control %s\n",
	       o.tcp ? "TCP" : "AF_TOY", mode_names[o.mode], o.host, o.port,
	       o.flows, o.flows > 1 ? "s" : "", o.secs, cong);
	if (o.interval_ms && o.mode == MODE_STREAM) {
		for (t = 0; t < flows[0].nticks; t++) {
			printf("  %6.1f s", (t + 1) * o.interval_ms / 1000.0);
			for (i = 0; i < o.flows; i++)
				printf("  %9.2f", flows[i].ticks[t] * 8.0 /
				       o.interval_ms / 1000.0);
			printf("  Mbit/s\n");
		}
	}
	for (i = 0; i < o.flows; i++) {
		struct flow *f = &flows[i];

		total += f->delivered;
		trans += f->trans;
		if (o.mode == MODE_STREAM) {
			rates[i] = f->secs > 0 ? f->delivered * 8 / f->secs / 1e6 : 0;
			printf("flow %2d: %12llu bytes in %.2f s: %10.2f Mbit/s, %u retransmitted\n",
			       i, f->delivered, f->secs, rates[i], f->retrans);
		} else {
			rates[i] = f->secs > 0 ? f->trans / f->secs : 0;
			printf("flow %2d: %10llu transactions in %.2f s: %10.1f /s\n",
			       i, f->trans, f->secs, rates[i]);
		}
		sum += rates[i];
	}
	if (o.mode == MODE_STREAM)
		printf("total: %.2f Mbit/s, CPU %.3f ns per byte", sum,
		       total ? cpu_s * 1e9 / total : 0);
	else
		printf("total: %.1f transactions/s, CPU %.2f us per transaction",
		       wall > 0 ? trans / wall : 0,
		       trans ? cpu_s * 1e6 / trans : 0);
	if (o.flows > 1)
		printf(", Jain's index %.4f", jain(rates, o.flows));
	printf("\n");
}

static int run_client(void)
{
	unsigned long long b0 = 0, t0 = 0, b1 = 0, t1 = 0;
	double cpu_s = 0, wall;
	char cong[TOY_CA_NAME_MAX + 1] = "default";
	int i, err = 0, probe;

	server_len = make_addr(o.host, &server_addr);
	probe = new_socket();
	if (probe < 0)
		die(1, "socket: %s", o.tcp ? strerror(errno) :
		    toy_socket_strerror(errno));
	if (o.algo && set_algo(probe))
		die(1, "congestion control %s: %s", o.algo, strerror(errno));
	else {
		socklen_t len = TOY_CA_NAME_MAX;

		memset(cong, 0, sizeof(cong));
		if (getsockopt(probe, o.tcp ? IPPROTO_TCP : SOL_TOY,
			       o.tcp ? TCP_CONGESTION : TOY_CONGESTION, cong,
			       &len))
			strcpy(cong, "?");
	}
	close(probe);

	for (i = 0; i < o.flows; i++) {
		flows[i].id = i;
		if (o.interval_ms) {
			flows[i].ticks = calloc(PERF_MAX_TICKS, sizeof(*flows[i].ticks));
			if (!flows[i].ticks)
				die(1, "out of memory");
		}
	}
	deadline = now_s() + o.secs;
	cpu_read(&b0, &t0);
	for (i = 0; i < o.flows; i++)
		if (pthread_create(&flows[i].thread, NULL, flow_main, &flows[i]))
			die(1, "pthread_create failed");
	if (o.interval_ms && o.mode == MODE_STREAM)
		sample_intervals();
	for (i = 0; i < o.flows; i++)
		pthread_join(flows[i].thread, NULL);
	wall = now_s() - (deadline - o.secs);
	if (!cpu_read(&b1, &t1))
		cpu_s = (double)(b1 - b0) / sysconf(_SC_CLK_TCK);

	for (i = 0; i < o.flows; i++) {
		if (flows[i].err) {
			fprintf(stderr, "toyperf: flow %d: %s: %s\n", i,
				flows[i].what, strerror(flows[i].err));
			err = 1;
		}
	}
	if (err)
		return 1;
	if (o.json)
		print_json(cpu_s, wall, cong);
	else
		print_text(cpu_s, wall, cong);
	return 0;
}

/* /proc/meminfo's Slab, in bytes; -1 if unreadable. */
static long long slab_bytes(void)
{
	FILE *f = fopen("/proc/meminfo", "r");
	long long kb = -1;
	char line[128];

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Slab: %lld kB", &kb) == 1)
			break;
	fclose(f);
	return kb < 0 ? -1 : kb * 1024;
}

#define PERF_SETTLE_STEP_MS	200
#define PERF_SETTLE_READS	5		/* a second of quiet */
#define PERF_SETTLE_SPAN	(64 * 1024)	/* bytes */
#define PERF_SETTLE_DEADLINE	60		/* s */

/*
 * Slab once it has stopped moving: PERF_SETTLE_READS readings in a row
 * within PERF_SETTLE_SPAN bytes. A run's sockets are not freed when
 * close() returns (FIN, TIME_WAIT, RCU): the sockets of a run just before
 * would otherwise leave during this one's count and pass for this
 * protocol's savings. *@settled says whether it came to rest before the
 * deadline.
 */
static long long slab_settled(bool *settled)
{
	long long lo = slab_bytes(), hi = lo, v;
	double end = now_s() + PERF_SETTLE_DEADLINE;
	int quiet = 1;

	*settled = false;
	while (lo >= 0 && now_s() < end) {
		if (quiet >= PERF_SETTLE_READS) {
			*settled = true;
			break;
		}
		usleep(PERF_SETTLE_STEP_MS * 1000);
		v = slab_bytes();
		if (v < lo)
			lo = v;
		if (v > hi)
			hi = v;
		quiet++;
		if (hi - lo > PERF_SETTLE_SPAN) {
			lo = hi = v;
			quiet = 1;
		}
	}
	return slab_bytes();
}

#define PERF_MAX_CACHES	1024
#define PERF_SHOW_CACHES	8

/* One line of /proc/slabinfo: the bytes of its objects in use. */
struct slab_cache {
	char name[64];
	long long bytes;
};

struct slab_snap {
	struct slab_cache c[PERF_MAX_CACHES];
	int n;
};

/* /proc/slabinfo (root only): false if it cannot be read. */
static bool slab_snap(struct slab_snap *s)
{
	FILE *f = fopen("/proc/slabinfo", "r");
	long long active, total, size;
	char line[512];

	s->n = 0;
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f) && s->n < PERF_MAX_CACHES) {
		struct slab_cache *c = &s->c[s->n];

		if (line[0] == '#' ||
		    sscanf(line, "%63s %lld %lld %lld", c->name, &active,
			   &total, &size) != 4)
			continue;
		c->bytes = active * size;
		s->n++;
	}
	fclose(f);
	return s->n > 0;
}

static int cache_cmp(const void *a, const void *b)
{
	const struct slab_cache *x = a, *y = b;

	return (y->bytes > x->bytes) - (y->bytes < x->bytes);
}

/*
 * Where the bytes went: the caches that grew from @before to @after,
 * largest first, into @d (room for after->n) as bytes per socket (of
 * @socks); how many of them to show.
 */
static int slab_diff(const struct slab_snap *before,
		     const struct slab_snap *after, int socks,
		     struct slab_cache *d)
{
	int i, j, n = 0;

	for (i = 0; i < after->n; i++) {
		long long b = 0;

		for (j = 0; j < before->n; j++)
			if (!strcmp(before->c[j].name, after->c[i].name)) {
				b = before->c[j].bytes;
				break;
			}
		if ((after->c[i].bytes - b) / socks < 8)
			continue;
		d[n] = after->c[i];
		d[n].bytes = (after->c[i].bytes - b) / socks;
		n++;
	}
	qsort(d, n, sizeof(*d), cache_cmp);
	return n < PERF_SHOW_CACHES ? n : PERF_SHOW_CACHES;
}

/*
 * The address of the @i-th idle connection's server: 127.0.0.1, then .2,
 * ... every PERF_IDLE_PER_ADDR connections. One destination has only as
 * many ports as ip_local_port_range (28232), and connect() tries the even
 * half first: past 14116, every connect() would scan all of them (TCP's
 * as AF_TOY's), which is not what this measures.
 */
#define PERF_IDLE_PER_ADDR	10000

static socklen_t idle_addr(int i, uint16_t port, struct sockaddr_storage *ss)
{
	char host[INET_ADDRSTRLEN];
	socklen_t sl;

	snprintf(host, sizeof(host), "127.0.0.%d", 1 + i / PERF_IDLE_PER_ADDR);
	sl = make_addr(host, ss);
	if (o.tcp)
		((struct sockaddr_in *)ss)->sin_port = htons(port);
	else
		((struct sockaddr_toy *)ss)->stoy_port = htons(port);
	return sl;
}

/* One more pair beside the idle ones: @secs of 1-byte request/reply. */
static double idle_rr(int lfd, uint16_t port, int secs)
{
	struct sockaddr_storage ss;
	socklen_t sl = idle_addr(0, port, &ss);
	unsigned long long n = 0;
	double t0, end;
	int c, a;
	char b = 'r';

	c = new_socket();
	if (c < 0 || connect(c, (struct sockaddr *)&ss, sl))
		die(1, "RR connection: %s", strerror(errno));
	a = accept(lfd, NULL, NULL);
	if (a < 0)
		die(1, "RR accept: %s", strerror(errno));
	t0 = now_s();
	end = t0 + secs;
	while (now_s() < end) {
		if (write_all(c, &b, 1) || read_all(a, &b, 1) ||
		    write_all(a, &b, 1) || read_all(c, &b, 1))
			die(1, "RR beside the idle connections: %s",
			    strerror(errno));
		n++;
	}
	close(c);
	close(a);
	return n / (now_s() - t0);
}

/* Close without TIME_WAIT or FIN exchanges: an RST, as SO_LINGER 0 does. */
static void close_abort(int fd)
{
	struct linger l = { .l_onoff = 1, .l_linger = 0 };

	setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
	close(fd);
}

static struct slab_snap snap_before, snap_after;
static struct slab_cache caches[PERF_MAX_CACHES];

static int run_idle(int n)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	long long before, after;
	struct rlimit rl = { 2 * n + 64, 2 * n + 64 };
	double t0, rate, rr = 0;
	int lfd, i, *fds, ncache = 0;
	bool settled, have_caches;
	uint16_t port;

	if (setrlimit(RLIMIT_NOFILE, &rl))
		die(1, "%d connections need %d files: %s", n, 2 * n + 64,
		    strerror(errno));
	fds = calloc(2 * (size_t)n, sizeof(*fds));
	if (!fds)
		die(1, "out of memory");
	o.port = "0";
	sl = make_addr("*", &ss);
	lfd = new_socket();
	if (lfd < 0)
		die(1, "socket: %s", o.tcp ? strerror(errno) :
		    toy_socket_strerror(errno));
	if (bind(lfd, (struct sockaddr *)&ss, sl) || listen(lfd, 64) ||
	    getsockname(lfd, (struct sockaddr *)&ss, &sl))
		die(1, "listener: %s", strerror(errno));
	port = ntohs(o.tcp ? ((struct sockaddr_in *)&ss)->sin_port :
		     ((struct sockaddr_toy *)&ss)->stoy_port);
	before = slab_settled(&settled);
	have_caches = slab_snap(&snap_before);
	t0 = now_s();
	for (i = 0; i < n; i++) {
		sl = idle_addr(i, port, &ss);
		fds[2 * i] = new_socket();
		if (fds[2 * i] < 0 ||
		    connect(fds[2 * i], (struct sockaddr *)&ss, sl))
			die(1, "connection %d: %s", i, strerror(errno));
		fds[2 * i + 1] = accept(lfd, NULL, NULL);
		if (fds[2 * i + 1] < 0)
			die(1, "accept %d: %s", i, strerror(errno));
	}
	rate = n / (now_s() - t0);
	after = slab_bytes();
	if (before < 0 || after < 0)
		die(1, "/proc/meminfo has no Slab line");
	if (have_caches && slab_snap(&snap_after))
		ncache = slab_diff(&snap_before, &snap_after, 2 * n, caches);
	if (o.mode == MODE_RR)
		rr = idle_rr(lfd, port, o.secs);
	if (o.json) {
		printf("{\"proto\": \"%s\", \"mode\": \"idle\", \"sockets\": %d, "
		       "\"slab_bytes_per_socket\": %lld, \"slab_settled\": %s, "
		       "\"connects_per_s\": %.0f, \"rr_per_s\": %.0f, "
		       "\"caches\": {",
		       o.tcp ? "tcp" : "toy", 2 * n,
		       (after - before) / (2 * n), settled ? "true" : "false",
		       rate, rr);
		for (i = 0; i < ncache; i++)
			printf("%s\"%s\": %lld", i ? ", " : "", caches[i].name,
			       caches[i].bytes);
		printf("}}\n");
	} else {
		printf("%s: %d idle established sockets: %lld bytes of slab each%s, %.0f connections/s",
		       o.tcp ? "TCP" : "AF_TOY", 2 * n,
		       (after - before) / (2 * n),
		       settled ? "" : " (slab was still moving before)", rate);
		if (o.mode == MODE_RR)
			printf(", %.0f RR transactions/s beside them", rr);
		printf("\n");
		for (i = 0; i < ncache; i++)
			printf("%s%s %lld%s", i ? ", " : "  of which (bytes per socket): ",
			       caches[i].name, caches[i].bytes,
			       i == ncache - 1 ? "\n" : "");
	}
	for (i = 0; i < 2 * n; i++)
		close_abort(fds[i]);
	close(lfd);
	free(fds);
	return 0;
}

int main(int argc, char **argv)
{
	enum { OPT_RR = 256, OPT_CRR, OPT_TCP, OPT_BUF, OPT_IDLE };
	int idle = 0;
	static const struct option longopts[] = {
		{ "server", no_argument, NULL, 's' },
		{ "client", required_argument, NULL, 'c' },
		{ "bind", required_argument, NULL, 'B' },
		{ "port", required_argument, NULL, 'p' },
		{ "time", required_argument, NULL, 't' },
		{ "parallel", required_argument, NULL, 'P' },
		{ "len", required_argument, NULL, 'l' },
		{ "interval", required_argument, NULL, 'i' },
		{ "congestion", required_argument, NULL, 'C' },
		{ "json", no_argument, NULL, 'J' },
		{ "help", no_argument, NULL, 'h' },
		{ "rr", no_argument, NULL, OPT_RR },
		{ "crr", no_argument, NULL, OPT_CRR },
		{ "tcp", no_argument, NULL, OPT_TCP },
		{ "buf", required_argument, NULL, OPT_BUF },
		{ "idle", required_argument, NULL, OPT_IDLE },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	while ((ch = getopt_long(argc, argv, "sc:B:p:t:P:l:i:C:Jh", longopts,
				 NULL)) != -1) {
		switch (ch) {
		case 's':
			o.server = true;
			break;
		case 'c':
			o.host = optarg;
			break;
		case 'B':
			o.bind_host = optarg;
			break;
		case 'p':
			parse_num(optarg, 1, 65535, "port");
			o.port = optarg;
			break;
		case 't':
			o.secs = (int)parse_num(optarg, 1, 3600, "time");
			break;
		case 'P':
			o.flows = (int)parse_num(optarg, 1, PERF_MAX_FLOWS,
						 "flow count");
			break;
		case 'l':
			o.len = (uint32_t)parse_num(optarg, 1, PERF_CHUNK,
						    "length");
			break;
		case 'i':
			o.interval_ms = (int)parse_num(optarg, 10, 60000,
						       "interval");
			break;
		case 'C':
			if (strlen(optarg) >= TOY_CA_NAME_MAX)
				die(2, "congestion control name too long: %s",
				    optarg);
			o.algo = optarg;
			break;
		case 'J':
			o.json = true;
			break;
		case OPT_RR:
			o.mode = MODE_RR;
			break;
		case OPT_CRR:
			o.mode = MODE_CRR;
			break;
		case OPT_TCP:
			o.tcp = true;
			break;
		case OPT_BUF:
			o.buf = (int)parse_num(optarg, 1024, 1 << 30, "buffer");
			break;
		case OPT_IDLE:
			idle = (int)parse_num(optarg, 1, 200000, "connection count");
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			fprintf(stderr, "toyperf: try toyperf -h\n");
			return 2;
		}
	}
	if (optind < argc)
		die(2, "unexpected argument: %s (try toyperf -h)", argv[optind]);
	if (idle && !o.server && !o.host)
		return run_idle(idle);
	if (o.server == !!o.host)
		die(2, "give exactly one of -s and -c HOST (try toyperf -h)");
	signal(SIGPIPE, SIG_IGN);
	if (o.server)
		run_server();
	return run_client();
}
