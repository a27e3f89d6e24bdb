// SPDX-License-Identifier: GPL-2.0
/*
 * util_xfer: move a deterministic pseudo-random byte stream over AF_TOY or
 * TCP and prove it arrived intact. Used by toy_netem.sh and toy_bench.sh.
 *
 *   util_xfer -s [-f toy|tcp] [-b addr] -p port [-t secs]
 *   (addr: a dotted quad, or an IPv6 address: "-b ::" serves IPv6)
 *   util_xfer -c addr -p port -n BYTES [-d up|down|both] [-f toy|tcp]
 *             [--rto-min ms] [--buf BYTES] [--seed N] [-t secs]
 *             [--io-timeout secs]
 *
 * The server serves clients one after the other until -t seconds have
 * passed without one (default: forever). The client connects and sends a
 * 32-byte request (magic, direction, byte count, seed, RTO floor); then
 *
 *   client -> server: request | BYTES of stream "up" (up, both) | FIN
 *   server -> client: BYTES of stream "down" (down, both) | trailer | FIN
 *
 * The trailer (sent after the server has read the client's FIN) reports
 * what the server received: byte count, FNV-1a 64 hash, first byte that
 * differs from the generator. Each receiver checks every byte against the
 * generator as it arrives (reporting the first differing offset), and the
 * hashes of both ends are compared, so a wrong, missing, extra or
 * reordered byte is caught twice. "both" runs the two directions at once
 * (a sending thread). The client prints one line
 *
 *   dir=up bytes=N secs=S mbps=M hash=H ok=1 [mss=M peer_mss=P retrans=R]
 *
 * (mbps counts the payload of both directions; hash is up/down for both;
 * mss, peer_mss and retrans, AF_TOY only, come from struct toy_info of
 * the client's and the server's socket: MSS and total retransmissions)
 * and exits 0 only if everything matched: 1 on a mismatch, 2 on usage,
 * 3 on an I/O error or timeout. Every blocking call has a timeout:
 * SO_RCVTIMEO/SO_SNDTIMEO (--io-timeout, default 30 s, means "no progress
 * for that long") and an alarm for the whole transfer (-t, default 600 s).
 * On an AF_TOY error the socket's struct toy_info goes to stderr.
 *
 * --buf sets SO_SNDBUF and SO_RCVBUF on both ends (with the FORCE variants
 * when allowed, so past net.core.[rw]mem_max): a path with a long round
 * trip needs a window of bandwidth times RTT, which TCP reaches by
 * autotuning and AF_TOY only by asking.
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>

#include "toy_test.h"

#define XFER_MAGIC	0x746f7958u	/* "Xyot" */
#define XFER_CHUNK	(64 * 1024)
#define FNV_OFFSET	0xcbf29ce484222325ull
#define FNV_PRIME	0x100000001b3ull
#define NO_MISMATCH	UINT64_MAX

enum { DIR_UP = 1, DIR_DOWN = 2, DIR_BOTH = 3 };

/* On the wire, all fields big-endian. */
struct xfer_req {
	uint32_t magic;
	uint32_t dir;
	uint64_t bytes;
	uint64_t seed;
	uint32_t rto_min_ms;
	uint32_t buf_bytes;	/* SO_SNDBUF/SO_RCVBUF for both ends, 0: default */
};

struct xfer_trailer {
	uint32_t magic;
	uint32_t mss;		/* the server's MSS (AF_TOY), else 0 */
	uint64_t bytes;		/* what the server received */
	uint64_t hash;		/* FNV-1a 64 of it */
	uint64_t first_bad;	/* first offset unlike the generator */
};

static const char *prog = "util_xfer";
static bool use_toy = true;
static bool use_v6;		/* the address given is an IPv6 one */
static int io_timeout_s = 30;
static int xfer_fd = -1;		/* for the alarm's diagnostics */
static uint64_t sent_total;		/* bytes the sending thread wrote */

static void dump_info(int fd)
{
	struct toy_info ti;

	if (!use_toy || fd < 0 || toy_get_info(fd, &ti))
		return;
	fprintf(stderr,
		"%s: toy_info state=%u retransmits=%u rto_us=%u srtt_us=%u rttvar_us=%u "
		"snd_una=%u snd_nxt=%u rcv_nxt=%u snd_wnd=%u rcv_wnd=%u "
		"total_retrans=%u mss=%u\n", prog, ti.state, ti.retransmits,
		ti.rto_us, ti.srtt_us, ti.rttvar_us, ti.snd_una, ti.snd_nxt,
		ti.rcv_nxt, ti.snd_wnd, ti.rcv_wnd, ti.total_retrans, ti.mss);
}

static void on_alarm(int sig)
{
	(void)sig;
	/* Not async-signal-safe in theory; we are about to exit anyway. */
	fprintf(stderr, "%s: overall timeout\n", prog);
	dump_info(xfer_fd);
	_exit(3);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint64_t hton64(uint64_t v)
{
	return ((uint64_t)htonl(v & 0xffffffff) << 32) | htonl(v >> 32);
}

#define ntoh64 hton64

/*
 * The stream: byte i is byte (i % 8) of splitmix64(seed + i / 8), so any
 * offset can be regenerated without replaying the stream.
 */
static uint64_t splitmix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

static void gen_fill(uint64_t seed, uint64_t off, uint8_t *buf, size_t len)
{
	size_t i = 0;

	while (i < len) {
		uint64_t pos = off + i, w = splitmix64(seed + pos / 8);
		unsigned int b;

		for (b = pos % 8; b < 8 && i < len; b++, i++)
			buf[i] = w >> (8 * b);
	}
}

static uint64_t fnv1a(uint64_t h, const uint8_t *p, size_t len)
{
	while (len--) {
		h ^= *p++;
		h *= FNV_PRIME;
	}
	return h;
}

/* Each direction of a connection uses its own stream. */
static uint64_t stream_seed(uint64_t seed, int dir)
{
	return dir == DIR_UP ? seed : splitmix64(seed ^ 0x646f776eull);
}

static int set_timeouts(int fd)
{
	return toy_set_timeouts(fd, io_timeout_s * 1000);
}

/* Full write; -1 with errno (EAGAIN: no progress for io_timeout_s). */
static int write_all(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= n;
	}
	return 0;
}

/* Full read; 0, or 1 at a clean EOF before anything, -1 otherwise. */
static int read_all(int fd, void *buf, size_t len)
{
	uint8_t *p = buf;
	size_t got = 0;

	while (got < len) {
		ssize_t n = recv(fd, p + got, len - got, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0) {
			if (!got)
				return 1;
			errno = EPIPE;
			return -1;
		}
		got += n;
	}
	return 0;
}

struct stream {
	int fd;
	uint64_t seed;
	uint64_t bytes;		/* sender: to send; receiver: received */
	uint64_t limit;		/* receiver: what to expect at most */
	uint64_t hash;
	uint64_t first_bad;
	int err;		/* errno of a failure, 0 if none */
	const char *what;
};

static void *send_stream(void *arg)
{
	struct stream *s = arg;
	static __thread uint8_t buf[XFER_CHUNK];
	uint64_t off = 0;

	s->hash = FNV_OFFSET;
	while (off < s->bytes) {
		size_t len = s->bytes - off < XFER_CHUNK ? s->bytes - off : XFER_CHUNK;

		gen_fill(s->seed, off, buf, len);
		s->hash = fnv1a(s->hash, buf, len);
		if (write_all(s->fd, buf, len)) {
			s->err = errno;
			fprintf(stderr, "%s: send %s at offset %" PRIu64 ": %s\n",
				prog, s->what, off, strerror(errno));
			return NULL;
		}
		off += len;
		__atomic_store_n(&sent_total, off, __ATOMIC_RELAXED);
	}
	return NULL;
}

/*
 * Receive up to s->limit bytes of the stream, checking each against the
 * generator. With @until_eof, read to the FIN and count extra bytes as
 * bytes (a mismatch); otherwise stop at s->limit.
 */
static void recv_stream(struct stream *s, bool until_eof)
{
	static __thread uint8_t buf[XFER_CHUNK], want[XFER_CHUNK];
	uint64_t seen = 0;

	s->hash = FNV_OFFSET;
	s->bytes = 0;
	s->first_bad = NO_MISMATCH;
	for (;;) {
		size_t room = XFER_CHUNK;
		ssize_t n;

		if (!until_eof && s->limit - s->bytes < room)
			room = s->limit - s->bytes;
		if (!room)
			return;
		n = recv(s->fd, buf, room, 0);
		if (n < 0 && errno == EINTR)
			continue;
		/*
		 * Nothing came for io_timeout_s: fine as long as our own
		 * sending direction moves (the peer sends its FIN only after
		 * it has received all of ours, which may take longer).
		 */
		if (n < 0 && errno == EAGAIN &&
		    __atomic_load_n(&sent_total, __ATOMIC_RELAXED) != seen) {
			seen = __atomic_load_n(&sent_total, __ATOMIC_RELAXED);
			continue;
		}
		if (n < 0) {
			s->err = errno;
			fprintf(stderr, "%s: recv %s at offset %" PRIu64 ": %s\n",
				prog, s->what, s->bytes, strerror(errno));
			return;
		}
		if (n == 0)
			return;
		s->hash = fnv1a(s->hash, buf, n);
		if (s->first_bad == NO_MISMATCH) {
			gen_fill(s->seed, s->bytes, want, n);
			if (memcmp(buf, want, n)) {
				ssize_t i = 0;

				while (buf[i] == want[i])
					i++;
				s->first_bad = s->bytes + i;
				fprintf(stderr, "%s: %s: first differing byte at offset %"
					PRIu64 ": got 0x%02x, want 0x%02x\n", prog,
					s->what, s->first_bad, buf[i], want[i]);
			}
		}
		s->bytes += n;
	}
}

static int make_socket(void)
{
	int fd = socket(use_toy ? toy_family() : use_v6 ? AF_INET6 : AF_INET,
			SOCK_STREAM, 0);

	if (fd < 0) {
		fprintf(stderr, "%s: socket: %s\n", prog, strerror(errno));
		return -1;
	}
	if (set_timeouts(fd)) {
		fprintf(stderr, "%s: SO_RCVTIMEO/SO_SNDTIMEO: %s\n", prog,
			strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* An IPv6 @host (it has a ':') for AF_TOY or AF_INET6; 0 if bad. */
static socklen_t make_addr6(struct sockaddr_storage *ss, const char *host,
			    int port)
{
	struct in6_addr a;

	if (inet_pton(AF_INET6, host, &a) != 1)
		return 0;
	use_v6 = true;
	memset(ss, 0, sizeof(*ss));
	if (use_toy) {
		struct sockaddr_toy *sa = (struct sockaddr_toy *)ss;

		sa->stoy_family = toy_family();
		sa->stoy_ipver = TOY_IPVER_6;
		sa->stoy_port = htons(port);
		memcpy(sa->stoy_addr.v6, &a, sizeof(a));
		return sizeof(*sa);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		sin6->sin6_addr = a;
		return sizeof(*sin6);
	}
}

/*
 * Fill an AF_TOY or AF_INET address, or an IPv6 one if @host has a ':';
 * returns its length, 0 if bad.
 */
static socklen_t make_addr(struct sockaddr_storage *ss, const char *host,
			   int port)
{
	struct in_addr a;

	if (host && strchr(host, ':'))
		return make_addr6(ss, host, port);
	if (!host)
		a.s_addr = htonl(INADDR_ANY);
	else if (!inet_aton(host, &a))
		return 0;
	memset(ss, 0, sizeof(*ss));
	if (use_toy) {
		struct sockaddr_toy sa = toy_sa(a.s_addr, port);

		memcpy(ss, &sa, sizeof(sa));
		return sizeof(sa);
	} else {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		sin->sin_addr = a;
		return sizeof(*sin);
	}
}

static int set_bufs(int fd, int bytes)
{
	if (bytes <= 0)
		return 0;
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &bytes, sizeof(bytes)) &&
	    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &bytes, sizeof(bytes)))
		goto err;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &bytes, sizeof(bytes)) &&
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof(bytes)))
		goto err;
	return 0;
err:
	fprintf(stderr, "%s: buffers of %d bytes: %s\n", prog, bytes,
		strerror(errno));
	return -1;
}

static int set_rto_min(int fd, int ms)
{
	if (!use_toy || ms <= 0)
		return 0;
	if (toy_set_int(fd, SOL_TOY, TOY_RTO_MIN, ms)) {
		fprintf(stderr, "%s: TOY_RTO_MIN %d: %s\n", prog, ms,
			strerror(errno));
		return -1;
	}
	return 0;
}

/* --- server ------------------------------------------------------------ */

static int serve_one(int fd)
{
	struct stream up = { .fd = fd, .what = "up" };
	struct stream down = { .fd = fd, .what = "down" };
	struct xfer_trailer tr;
	struct xfer_req req;
	struct toy_info ti;
	pthread_t tid;
	bool sending;
	int rc;

	rc = read_all(fd, &req, sizeof(req));
	if (rc) {
		fprintf(stderr, "%s: server: no request: %s\n", prog,
			rc > 0 ? "EOF" : strerror(errno));
		return -1;
	}
	req.dir = ntohl(req.dir);
	req.bytes = ntoh64(req.bytes);
	req.seed = ntoh64(req.seed);
	if (ntohl(req.magic) != XFER_MAGIC || !req.dir || req.dir > DIR_BOTH) {
		fprintf(stderr, "%s: server: bad request\n", prog);
		return -1;
	}
	if (set_rto_min(fd, ntohl(req.rto_min_ms)) ||
	    set_bufs(fd, ntohl(req.buf_bytes)))
		return -1;

	down.seed = stream_seed(req.seed, DIR_DOWN);
	down.bytes = req.dir & DIR_DOWN ? req.bytes : 0;
	sending = down.bytes > 0;
	if (sending && pthread_create(&tid, NULL, send_stream, &down)) {
		fprintf(stderr, "%s: pthread_create failed\n", prog);
		return -1;
	}
	/* Whatever the direction, read to the client's FIN. */
	up.seed = stream_seed(req.seed, DIR_UP);
	recv_stream(&up, true);
	if (sending)
		pthread_join(tid, NULL);
	if (up.err || down.err) {
		dump_info(fd);
		return -1;
	}

	memset(&tr, 0, sizeof(tr));
	tr.magic = htonl(XFER_MAGIC);
	if (use_toy && !toy_get_info(fd, &ti))
		tr.mss = htonl(ti.mss);
	tr.bytes = hton64(up.bytes);
	tr.hash = hton64(up.hash);
	tr.first_bad = hton64(up.first_bad);
	if (write_all(fd, &tr, sizeof(tr)) || shutdown(fd, SHUT_WR)) {
		fprintf(stderr, "%s: server: trailer: %s\n", prog, strerror(errno));
		dump_info(fd);
		return -1;
	}
	return 0;
}

static int run_server(const char *bind_addr, int port, int life_s)
{
	struct sockaddr_storage ss;
	socklen_t sl = make_addr(&ss, bind_addr, port);
	double deadline = life_s ? now_s() + life_s : 0;
	int lfd, one = 1;

	if (!sl) {
		fprintf(stderr, "%s: bad address %s\n", prog, bind_addr);
		return 2;
	}
	lfd = make_socket();
	if (lfd < 0)
		return 3;
	if (!use_toy)
		setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(lfd, (struct sockaddr *)&ss, sl) || listen(lfd, 8)) {
		fprintf(stderr, "%s: bind/listen port %d: %s\n", prog, port,
			strerror(errno));
		return 3;
	}
	printf("listening port=%d family=%s\n", port, use_toy ? "toy" : "tcp");
	fflush(stdout);

	/* accept() times out every io_timeout_s: check the deadline then. */
	while (!deadline || now_s() < deadline) {
		int fd = accept(lfd, NULL, NULL);

		if (fd < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			fprintf(stderr, "%s: accept: %s\n", prog, strerror(errno));
			return 3;
		}
		if (set_timeouts(fd) || serve_one(fd))
			fprintf(stderr, "%s: server: connection failed\n", prog);
		close(fd);
	}
	close(lfd);
	return 0;
}

/* --- client ------------------------------------------------------------ */

static int run_client(const char *host, int port, uint64_t bytes, int dir,
		      uint64_t seed, int rto_min, int buf)
{
	struct stream up = { .what = "up" }, down = { .what = "down" };
	struct sockaddr_storage ss;
	socklen_t sl = make_addr(&ss, host, port);
	struct xfer_trailer tr;
	struct xfer_req req;
	struct toy_info ti;
	double t0, secs;
	pthread_t tid;
	bool ok = true;
	int fd, rc;

	if (!sl) {
		fprintf(stderr, "%s: bad address %s\n", prog, host);
		return 2;
	}
	fd = make_socket();
	if (fd < 0)
		return 3;
	xfer_fd = fd;
	if (set_rto_min(fd, rto_min) || set_bufs(fd, buf))
		return 3;
	t0 = now_s();
	if (connect(fd, (struct sockaddr *)&ss, sl)) {
		fprintf(stderr, "%s: connect %s:%d: %s\n", prog, host, port,
			strerror(errno));
		return 3;
	}

	memset(&req, 0, sizeof(req));
	req.magic = htonl(XFER_MAGIC);
	req.dir = htonl(dir);
	req.bytes = hton64(bytes);
	req.seed = hton64(seed);
	req.rto_min_ms = htonl(rto_min > 0 ? rto_min : 0);
	req.buf_bytes = htonl(buf > 0 ? buf : 0);
	if (write_all(fd, &req, sizeof(req))) {
		fprintf(stderr, "%s: request: %s\n", prog, strerror(errno));
		return 3;
	}

	up.fd = down.fd = fd;
	up.seed = stream_seed(seed, DIR_UP);
	up.bytes = dir & DIR_UP ? bytes : 0;
	down.seed = stream_seed(seed, DIR_DOWN);
	down.limit = dir & DIR_DOWN ? bytes : 0;
	if (pthread_create(&tid, NULL, send_stream, &up)) {
		fprintf(stderr, "%s: pthread_create failed\n", prog);
		return 3;
	}
	recv_stream(&down, false);
	pthread_join(tid, NULL);
	if (!up.err && shutdown(fd, SHUT_WR))
		up.err = errno;
	if (up.err || down.err) {
		dump_info(fd);
		return 3;
	}

	rc = read_all(fd, &tr, sizeof(tr));
	if (rc || ntohl(tr.magic) != XFER_MAGIC) {
		fprintf(stderr, "%s: no trailer from the server: %s\n", prog,
			rc > 0 ? "EOF" : rc ? strerror(errno) : "bad magic");
		dump_info(fd);
		return rc < 0 ? 3 : 1;
	}
	/* After the trailer only the server's FIN may come. */
	{
		char c;
		ssize_t n = recv(fd, &c, 1, 0);

		if (n != 0) {
			fprintf(stderr, "%s: %s after the trailer\n", prog,
				n > 0 ? "extra bytes" : strerror(errno));
			dump_info(fd);
			return n > 0 ? 1 : 3;
		}
	}
	secs = now_s() - t0;
	if (use_toy && toy_get_info(fd, &ti))
		memset(&ti, 0, sizeof(ti));
	close(fd);

	tr.bytes = ntoh64(tr.bytes);
	tr.hash = ntoh64(tr.hash);
	tr.first_bad = ntoh64(tr.first_bad);
	if (tr.bytes != up.bytes || tr.hash != up.hash ||
	    tr.first_bad != NO_MISMATCH) {
		fprintf(stderr, "%s: up: server got %" PRIu64 " bytes hash %016"
			PRIx64 " first bad %" PRId64 "; sent %" PRIu64
			" bytes hash %016" PRIx64 "\n", prog, tr.bytes, tr.hash,
			tr.first_bad == NO_MISMATCH ? -1 : (int64_t)tr.first_bad,
			up.bytes, up.hash);
		ok = false;
	}
	if (dir & DIR_DOWN) {
		uint8_t buf[XFER_CHUNK];
		uint64_t want = FNV_OFFSET, off;

		/* The hash the server's stream must have had, recomputed here. */
		for (off = 0; off < bytes; off += XFER_CHUNK) {
			size_t len = bytes - off < XFER_CHUNK ? bytes - off : XFER_CHUNK;

			gen_fill(down.seed, off, buf, len);
			want = fnv1a(want, buf, len);
		}
		if (down.bytes != bytes || down.hash != want ||
		    down.first_bad != NO_MISMATCH) {
			fprintf(stderr, "%s: down: got %" PRIu64 " bytes hash %016"
				PRIx64 ", want %" PRIu64 " bytes hash %016" PRIx64
				"\n", prog, down.bytes, down.hash, bytes, want);
			ok = false;
		}
	}

	printf("dir=%s bytes=%" PRIu64 " secs=%.3f mbps=%.2f hash=",
	       dir == DIR_UP ? "up" : dir == DIR_DOWN ? "down" : "both", bytes,
	       secs, (dir == DIR_BOTH ? 2.0 : 1.0) * bytes * 8 / secs / 1e6);
	if (dir & DIR_UP)
		printf("%016" PRIx64 "%s", up.hash, dir == DIR_BOTH ? "/" : "");
	if (dir & DIR_DOWN)
		printf("%016" PRIx64, down.hash);
	printf(" ok=%d", ok);
	if (use_toy)
		printf(" mss=%u peer_mss=%u retrans=%u", ti.mss, ntohl(tr.mss),
		       ti.total_retrans);
	printf("\n");
	return ok ? 0 : 1;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: %s -s [-f toy|tcp] [-b addr] -p port [-t secs]\n"
		"       %s -c addr -p port -n BYTES [-d up|down|both] [-f toy|tcp]\n"
		"          [--rto-min ms] [--buf BYTES] [--seed N] [-t secs]\n"
		"          [--io-timeout secs]\n",
		prog, prog);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "rto-min", required_argument, NULL, 'R' },
		{ "buf", required_argument, NULL, 'B' },
		{ "seed", required_argument, NULL, 'S' },
		{ "io-timeout", required_argument, NULL, 'T' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *host = NULL, *bind_addr = NULL;
	int server = 0, port = -1, dir = DIR_UP, rto_min = 0, timeout_s = -1;
	int buf = 0;
	uint64_t bytes = 0, seed = 1;
	char *end;
	int ch;

	while ((ch = getopt_long(argc, argv, "sc:b:p:n:d:f:t:h", longopts,
				 NULL)) != -1) {
		switch (ch) {
		case 's': server = 1; break;
		case 'c': host = optarg; break;
		case 'b': bind_addr = optarg; break;
		case 'p': port = atoi(optarg); break;
		case 'n':
			bytes = strtoull(optarg, &end, 0);
			if (*end) {
				usage(stderr);
				return 2;
			}
			break;
		case 'd':
			dir = !strcmp(optarg, "up") ? DIR_UP :
			      !strcmp(optarg, "down") ? DIR_DOWN :
			      !strcmp(optarg, "both") ? DIR_BOTH : 0;
			break;
		case 'f':
			if (strcmp(optarg, "toy") && strcmp(optarg, "tcp")) {
				usage(stderr);
				return 2;
			}
			use_toy = !strcmp(optarg, "toy");
			break;
		case 't': timeout_s = atoi(optarg); break;
		case 'R': rto_min = atoi(optarg); break;
		case 'B': buf = atoi(optarg); break;
		case 'S': seed = strtoull(optarg, NULL, 0); break;
		case 'T': io_timeout_s = atoi(optarg); break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc || server == !!host || port < 0 || port > 65535 ||
	    !dir || io_timeout_s <= 0 || (!server && !port)) {
		usage(stderr);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	if (server)
		return run_server(bind_addr, port, timeout_s > 0 ? timeout_s : 0);

	signal(SIGALRM, on_alarm);
	alarm(timeout_s > 0 ? timeout_s : 600);
	return run_client(host, port, bytes, dir, seed, rto_min, buf);
}
