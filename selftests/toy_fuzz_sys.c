// SPDX-License-Identifier: GPL-2.0
/*
 * The system call fuzzer: worker processes, each with several threads,
 * issue random sequences of socket calls on a pool of AF_TOY sockets they
 * share, while connections to their own listeners over 127.0.0.1 carry
 * real data. Every call of the socket API is in the mix with hostile
 * arguments (addresses, lengths, flags, option names and values, bad
 * pointers), and so are close/dup/dup2 races, fork, poll and epoll, ioctl,
 * sock_diag dumps and SOCK_DESTROY, and reads of /proc/net/toy*. Half the
 * sequences prefer a "hot" pair of slots, which often holds both ends of
 * one connection, and bursts of calls there ("storms") overlap between
 * threads: races on one socket need that.
 *
 * The workers run as nobody (65534) after the setup; the last one stays
 * root, with fewer threads, for what only root may do (SOCK_DESTROY, low
 * ports, SO_BINDTODEVICE). The test passes when every process exits by
 * itself, no cheap oracle fired (a kernel-internal errno such as
 * ERESTARTSYS reaching userspace, a read longer than asked, a getsockopt
 * length beyond the buffer, an unprivileged SOCK_DESTROY that worked), no
 * cell of the state table marked unreachable was taken, and once
 * everything is closed the module holds no socket. The VM judge fails
 * the run on any kernel report besides.
 *
 * Nothing blocks for long: sockets get small SO_RCVTIMEO/SO_SNDTIMEO, many
 * calls are non-blocking, and each thread has a timer that interrupts it
 * (SIGUSR1, no SA_RESTART) every INTR_MS, whatever timeouts the fuzzing
 * itself set. The whole run has a deadline.
 *
 * Reproducing: the run's seed is printed ("# seed: N") with each thread's,
 * and goes to the kernel's console too, where it survives a crash;
 * sequence j of thread t of worker w always draws the same calls from the
 * same seed (the interleaving with other threads differs, of course). The
 * end of a run prints the totals: sequences, calls, calls by kind, errnos.
 *
 *   toy_fuzz_sys [--seed N] [--iters N] [--seconds N] [--procs N]
 *                [--threads N] [--verbose] [harness options]
 *
 * --iters is the number of call sequences, all threads together; the run
 * stops at --iters or --seconds, whichever comes first. The environment
 * variables TOY_FUZZ_SEED, TOY_FUZZ_ITERS and TOY_FUZZ_SECONDS give the
 * defaults (so run_tests.sh and scripts/fuzz.sh can set them).
 */
#define _GNU_SOURCE
#include <grp.h>
#include <limits.h>
#include <linux/filter.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <linux/sockios.h>
#include <pthread.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/syscall.h>
#include <sys/uio.h>

#include "toy_test.h"
#include "toy_harness.h"

#define NSLOTS		24	/* sockets each worker keeps in its pool */
#define MAX_PORTS	64	/* listener ports anyone may connect to */
#define MAX_ERRNO	600	/* above 511: kernel-internal, never returned */
#define MAX_BAD		8	/* oracle messages kept */
#define BUFSZ		(256 * 1024)
#define SEQ_MAX_CALLS	12	/* calls in one sequence, at most */
#define INTR_MS		100	/* a blocked thread is interrupted this often */
#define CHILD_OPS	16	/* calls of a forked child, at most */
#define CHILD_MS	20000	/* a forked child must be gone by then */
#define GRACE_MS	60000	/* workers must be gone this long after the deadline */
#define IDLE_MS		120000	/* the module must be empty this long after */
#define SETUP_LISTENERS	4
#define NOBODY		65534

/* ---- configuration, and what every process shares ------------------------- */

static struct {
	uint64_t seed;
	long iters;
	long seconds;
	int procs;
	int threads;
	int verbose;
} cfg = {
	.iters = 6000,
	.seconds = 45,
	.procs = 3,
	.threads = 3,
};

enum {
	OP_PAIR, OP_SOCKET, OP_BIND, OP_LISTEN, OP_CONNECT, OP_ACCEPT,
	OP_SEND, OP_RECV, OP_SENDMSG, OP_RECVMSG, OP_RW, OP_MMSG, OP_SPLICE,
	OP_SHUTDOWN, OP_CLOSE, OP_DUP, OP_FORK, OP_POLL, OP_EPOLL, OP_IOCTL,
	OP_FCNTL, OP_SOCKOPT, OP_TOYOPT, OP_GETNAME, OP_DIAG, OP_DESTROY,
	OP_PROC, OP_STORM, NR_OPS
};

struct shared {
	volatile int stop;
	long start, deadline;		/* CLOCK_MONOTONIC ms */
	long seqs_started;		/* the --iters budget */
	int nports;			/* ports[] is a ring of nports entries */
	int ports[MAX_PORTS];
	long seqs, calls, ok, forks;
	long op_calls[NR_OPS];
	long err[MAX_ERRNO + 1];
	int nbad;
	char bad[MAX_BAD][200];
	int npre;			/* sockets there before the run */
	struct toy_row pre[TOY_MAX_ROWS];
	int nnever;			/* unreachable state table cells */
	struct never {
		char cell[72];		/* "STATE EVENT" */
		unsigned long long hits;	/* before the run */
	} never[256];
};

static struct shared *sh;

/* ---- per-process state of a worker ------------------------------------------ */

static int slots[NSLOTS];		/* fds, -1 when empty */
static int hot_slot;			/* even: it and the next one are hot */
static char *guard;			/* a page, then a PROT_NONE page */
static long page_size;
static int worker_root;

struct ctx {
	uint64_t seed;			/* this thread's */
	uint64_t rng;
	int wid, tid;
	long seq;			/* this thread's sequence number */
	int child;			/* a forked child: no fork, no timer */
	int focus;			/* this sequence prefers hot_slot */
	int epfd;
	int pipefd[2];
	int memfd;
	char *buf;
	long calls, ok;
	long op_calls[NR_OPS];
	long err[MAX_ERRNO + 1];
};

static const char * const op_names[NR_OPS] = {
	[OP_PAIR] = "pair", [OP_SOCKET] = "socket", [OP_BIND] = "bind",
	[OP_LISTEN] = "listen", [OP_CONNECT] = "connect",
	[OP_ACCEPT] = "accept", [OP_SEND] = "send", [OP_RECV] = "recv",
	[OP_SENDMSG] = "sendmsg", [OP_RECVMSG] = "recvmsg", [OP_RW] = "rw",
	[OP_MMSG] = "mmsg", [OP_SPLICE] = "splice",
	[OP_SHUTDOWN] = "shutdown", [OP_CLOSE] = "close", [OP_DUP] = "dup",
	[OP_FORK] = "fork", [OP_POLL] = "poll", [OP_EPOLL] = "epoll",
	[OP_IOCTL] = "ioctl", [OP_FCNTL] = "fcntl",
	[OP_SOCKOPT] = "sockopt", [OP_TOYOPT] = "toyopt",
	[OP_GETNAME] = "getname", [OP_DIAG] = "diag",
	[OP_DESTROY] = "destroy", [OP_PROC] = "proc", [OP_STORM] = "storm",
};

/* How often each call is drawn, relative to the others. */
static const int op_weight[NR_OPS] = {
	[OP_PAIR] = 8, [OP_SOCKET] = 7, [OP_BIND] = 5, [OP_LISTEN] = 5,
	[OP_CONNECT] = 8, [OP_ACCEPT] = 6, [OP_SEND] = 10, [OP_RECV] = 10,
	[OP_SENDMSG] = 5, [OP_RECVMSG] = 5, [OP_RW] = 5, [OP_MMSG] = 2,
	[OP_SPLICE] = 3, [OP_SHUTDOWN] = 4, [OP_CLOSE] = 6, [OP_DUP] = 3,
	[OP_FORK] = 1, [OP_POLL] = 3, [OP_EPOLL] = 3, [OP_IOCTL] = 4,
	[OP_FCNTL] = 3, [OP_SOCKOPT] = 6, [OP_TOYOPT] = 8, [OP_GETNAME] = 3,
	[OP_DIAG] = 2, [OP_DESTROY] = 1, [OP_PROC] = 2, [OP_STORM] = 4,
};

/* ---- randomness ------------------------------------------------------------- */

static uint64_t splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint32_t rnd(struct ctx *c, uint32_t n)
{
	return n ? splitmix(&c->rng) % n : 0;
}

static int chance(struct ctx *c, int pct)
{
	return rnd(c, 100) < (uint32_t)pct;
}

#define PICK(c, a)	((a)[rnd((c), ARRAY_SIZE(a))])

/* Integers at and around every boundary the module and the core check. */
static const int edge_ints[] = {
	0, 1, 2, 3, 4, 7, 8, 16, 50, 100, 127, 128, 200, 255, 256, 1000, 1023,
	1024, 4096, 32767, 32768, 60000, 60001, 65535, 65536, 120000, 120001,
	INT_MAX, INT_MIN, -1, -2,
};

static int rnd_int(struct ctx *c)
{
	switch (rnd(c, 5)) {
	case 0:
		return rnd(c, 300);
	case 1:
		return (int)splitmix(&c->rng);
	default:
		return PICK(c, edge_ints);
	}
}

static const size_t edge_lens[] = {
	0, 1, 2, 7, 100, 535, 536, 537, 1000, 1460, 1500, 4095, 4096, 4097,
	16384, 65535, 65536, 100000, BUFSZ,
};

static size_t rnd_len(struct ctx *c)
{
	return chance(c, 70) ? PICK(c, edge_lens) : rnd(c, BUFSZ);
}

/* Mostly @good; sometimes NULL, unmapped, straddling a hole, or the kernel's. */
static void *rnd_ptr(struct ctx *c, void *good)
{
	switch (rnd(c, 24)) {
	case 0:
		return NULL;
	case 1:
		return (void *)1;
	case 2:
		return guard + page_size;
	case 3:
		return guard + page_size - 1 - rnd(c, 64);
	case 4:
		return (void *)0xffff888000000000UL;
	default:
		return good;
	}
}

/* ---- bookkeeping -------------------------------------------------------------- */

static void bad(const char *fmt, ...)
{
	int i = __atomic_fetch_add(&sh->nbad, 1, __ATOMIC_RELAXED);
	va_list ap;

	if (i >= MAX_BAD)
		return;
	va_start(ap, fmt);
	vsnprintf(sh->bad[i], sizeof(sh->bad[i]), fmt, ap);
	va_end(ap);
}

/* With --verbose, a line per call; write(2) so forked children may too. */
static void trace(struct ctx *c, const char *what, long ret, int err)
{
	char line[160];
	int n;

	if (!cfg.verbose)
		return;
	n = snprintf(line, sizeof(line), "# w%d.t%d%s seq %ld: %s = %ld%s%s\n",
		     c->wid, c->tid, c->child ? " child" : "", c->seq, what,
		     ret, ret < 0 ? " " : "",
		     ret < 0 ? (strerrorname_np(err) ?: "?") : "");
	if (write(2, line, n) < 0)
		return;
}

/* Counts a call's result; a kernel-internal errno leaking out is a bug. */
static long rec(struct ctx *c, const char *what, long ret)
{
	int err = errno;

	c->calls++;
	if (ret >= 0) {
		c->ok++;
	} else {
		c->err[err > 0 && err <= MAX_ERRNO ? err : 0]++;
		if (err >= 512)
			bad("w%d.t%d seq %ld: %s returned errno %d",
			    c->wid, c->tid, c->seq, what, err);
	}
	trace(c, what, ret, err);
	errno = err;
	return ret;
}

static void flush_counts(struct ctx *c, int all)
{
	int i;

	__atomic_fetch_add(&sh->calls, c->calls, __ATOMIC_RELAXED);
	__atomic_fetch_add(&sh->ok, c->ok, __ATOMIC_RELAXED);
	c->calls = c->ok = 0;
	if (!all)
		return;
	for (i = 0; i < NR_OPS; i++) {
		__atomic_fetch_add(&sh->op_calls[i], c->op_calls[i], __ATOMIC_RELAXED);
		c->op_calls[i] = 0;
	}
	for (i = 0; i <= MAX_ERRNO; i++) {
		if (c->err[i])
			__atomic_fetch_add(&sh->err[i], c->err[i], __ATOMIC_RELAXED);
		c->err[i] = 0;
	}
}

static long now_ms(void)
{
	return toy_now_ms();
}

static int time_up(void)
{
	return sh->stop || now_ms() >= sh->deadline;
}

/* ---- the socket pool ---------------------------------------------------------- */

static int slot_fd(struct ctx *c)
{
	static const int odd_fds[] = { -1, 0, 9999, INT_MAX };

	int i = rnd(c, NSLOTS);

	if (chance(c, 3))
		return chance(c, 50) ? PICK(c, odd_fds) : c->memfd;
	/*
	 * Races need two threads on one socket: make them common. The hot
	 * pair of slots often holds both ends of one connection (op_pair),
	 * so that data flows while the threads gang up on it.
	 */
	if (c->focus && chance(c, 60))
		i = __atomic_load_n(&hot_slot, __ATOMIC_RELAXED) + rnd(c, 2);
	return __atomic_load_n(&slots[i], __ATOMIC_RELAXED);
}

/* Puts fd in slot i; what was there is closed. */
static void slot_put_at(struct ctx *c, int i, int fd)
{
	int old;

	if (fd < 0)
		return;
	old = __atomic_exchange_n(&slots[i], fd, __ATOMIC_RELAXED);
	if (old >= 0)
		rec(c, "close(old)", close(old));
}

/* Puts fd in a random slot; what was there is closed. */
static void slot_put(struct ctx *c, int fd)
{
	int i;

	if (fd < 0)
		return;
	i = c->focus && chance(c, 30) ? __atomic_load_n(&hot_slot, __ATOMIC_RELAXED) +
					 (int)rnd(c, 2) : (int)rnd(c, NSLOTS);
	slot_put_at(c, i, fd);
}

static void publish_port(int port)
{
	int i;

	if (port <= 0)
		return;
	i = __atomic_fetch_add(&sh->nports, 1, __ATOMIC_RELAXED);
	__atomic_store_n(&sh->ports[i % MAX_PORTS], port, __ATOMIC_RELAXED);
}

static int rnd_port(struct ctx *c)
{
	static const int odd_ports[] = { 0, 1, 7, 80, 1023, 1024, 7000,
					 32768, 60999, 65535 };
	int n = __atomic_load_n(&sh->nports, __ATOMIC_RELAXED);

	/* The newest listeners mostly: the hot pair may hold one. */
	if (n && chance(c, 40))
		return sh->ports[(n - 1 - rnd(c, 4 < n ? 4 : n)) % MAX_PORTS];
	if (n && chance(c, 70))
		return sh->ports[rnd(c, n < MAX_PORTS ? n : MAX_PORTS)];
	return chance(c, 50) ? PICK(c, odd_ports) : (int)rnd(c, 65536);
}

/* Small timeouts, so that a blocking call returns soon by itself. */
static void small_timeouts(struct ctx *c, int fd)
{
	int ms = 1 + rnd(c, 300);

	toy_set_timeouts(fd, ms);
}

static void publish_listener(int fd)
{
	publish_port(toy_local_port(fd));
}

/* ---- addresses ------------------------------------------------------------------ */

static in_addr_t rnd_addr(struct ctx *c)
{
	static const char * const addrs[] = {
		"127.0.0.1", "127.0.0.1", "127.0.0.1", "127.0.0.1", "0.0.0.0",
		"127.0.0.2", "127.1.2.3", TOY_DUMMY_LOCAL, TOY_DUMMY_PEER,
		"192.0.2.1", "255.255.255.255", "224.0.0.1",
	};

	return inet_addr(PICK(c, addrs));
}

/*
 * A sockaddr for bind() or connect(): mostly a good one to a listener we
 * know; otherwise one flaw or several (family, length, ipver, padding,
 * scope, IPv6 tail, pointer).
 */
static const struct sockaddr *rnd_sockaddr(struct ctx *c,
					   struct sockaddr_storage *ss,
					   socklen_t *len)
{
	struct sockaddr_toy *sa = (struct sockaddr_toy *)ss;
	static const int families[] = { AF_UNSPEC, AF_INET, AF_INET6, AF_UNIX,
					0xffff, AF_TOY_DEFAULT + 1 };
	int flaws;

	memset(ss, 0, sizeof(*ss));
	*sa = toy_sa(rnd_addr(c), rnd_port(c));
	*len = sizeof(*sa);
	if (chance(c, 70))
		return (struct sockaddr *)ss;
	for (flaws = 1 + rnd(c, 2); flaws; flaws--) {
		switch (rnd(c, 9)) {
		case 0:
			sa->stoy_family = PICK(c, families);
			break;
		case 1:
			*len = rnd(c, sizeof(*sa));
			break;
		case 2:
			*len = sizeof(*sa) + rnd(c, sizeof(*ss) - sizeof(*sa) + 1);
			memset((char *)ss + sizeof(*sa), rnd(c, 256),
			       sizeof(*ss) - sizeof(*sa));
			break;
		case 3:
			sa->stoy_ipver = PICK(c, ((const int[]){ 0, 5, 6, 255 }));
			break;
		case 4:
			sa->stoy_zero[rnd(c, 3)] = 1 + rnd(c, 255);
			break;
		case 5:
			sa->stoy_scope_id = 1 + rnd(c, 100);
			break;
		case 6:
			sa->stoy_addr.v6[4 + rnd(c, 12)] = 1 + rnd(c, 255);
			break;
		case 7:
			*len = PICK(c, ((const int[]){ -1, 129, 4096, INT_MAX }));
			break;
		default:
			return rnd_ptr(c, ss);
		}
	}
	return (struct sockaddr *)ss;
}

/* ---- flags -------------------------------------------------------------------- */

static const int send_flags[] = {
	MSG_DONTWAIT, MSG_NOSIGNAL, MSG_MORE, MSG_OOB, MSG_EOR, MSG_CONFIRM,
	MSG_DONTROUTE, MSG_FASTOPEN, MSG_ZEROCOPY, MSG_WAITALL, MSG_PEEK,
	MSG_TRUNC, 0x10 /* MSG_PROBE */, MSG_BATCH,
};

static const int recv_flags[] = {
	MSG_PEEK, MSG_DONTWAIT, MSG_WAITALL, MSG_TRUNC, MSG_OOB, MSG_ERRQUEUE,
	MSG_CMSG_CLOEXEC, MSG_NOSIGNAL, MSG_CTRUNC, MSG_WAITFORONE, MSG_PEEK,
	MSG_DONTWAIT, MSG_WAITALL,
};

static int rnd_flags(struct ctx *c, const int *set, int n)
{
	int f = 0, k;

	if (chance(c, 4))
		return (int)splitmix(&c->rng);
	for (k = rnd(c, 4); k; k--)
		f |= set[rnd(c, n)];
	/* Most calls must not wait: keep the run moving. */
	if (chance(c, 50))
		f |= MSG_DONTWAIT;
	return f;
}

/* ---- the calls -------------------------------------------------------------------- */

static void set_toy_opts(struct ctx *c, int fd);

static void op_socket(struct ctx *c)
{
	static const int types[] = {
		SOCK_STREAM, SOCK_STREAM, SOCK_STREAM, SOCK_STREAM | SOCK_NONBLOCK,
		SOCK_STREAM | SOCK_CLOEXEC, SOCK_DGRAM, SOCK_RAW, SOCK_SEQPACKET,
		SOCK_STREAM | 0x4000,
	};
	int family = toy_family(), proto = 0, fd;

	if (chance(c, 10))
		proto = PICK(c, ((const int[]){ IPPROTO_TOY, IPPROTO_TCP, -1, 254 }));
	fd = rec(c, "socket", socket(chance(c, 97) ? family : rnd_int(c),
				     PICK(c, types), proto));
	if (fd < 0)
		return;
	if (chance(c, 90))
		small_timeouts(c, fd);
	if (chance(c, 20))
		set_toy_opts(c, fd);
	slot_put(c, fd);
}

static void op_bind(struct ctx *c)
{
	struct sockaddr_storage ss;
	const struct sockaddr *sa;
	socklen_t len;

	sa = rnd_sockaddr(c, &ss, &len);
	/* Mostly an ephemeral port: a fixed one is busy more often than not. */
	if (sa == (struct sockaddr *)&ss && chance(c, 60))
		((struct sockaddr_toy *)&ss)->stoy_port = 0;
	rec(c, "bind", bind(slot_fd(c), sa, len));
}

static void op_listen(struct ctx *c)
{
	int fd = slot_fd(c);

	if (rec(c, "listen", listen(fd, chance(c, 70) ? (int)rnd(c, 9) :
				   rnd_int(c))) == 0)
		publish_listener(fd);
}

static void op_connect(struct ctx *c)
{
	struct sockaddr_storage ss;
	const struct sockaddr *sa;
	socklen_t len;
	int fd = slot_fd(c);

	sa = rnd_sockaddr(c, &ss, &len);
	if (chance(c, 30))
		fcntl(fd, F_SETFL, O_NONBLOCK);
	rec(c, "connect", connect(fd, sa, len));
}

static void op_accept(struct ctx *c)
{
	static const int flags[] = { 0, 0, SOCK_NONBLOCK, SOCK_CLOEXEC, 1, -1 };
	struct sockaddr_storage ss;
	socklen_t len = rnd(c, 2) ? sizeof(ss) : (socklen_t)rnd_int(c);
	int fd;

	if (chance(c, 50))
		fd = accept(slot_fd(c), rnd_ptr(c, &ss), rnd_ptr(c, &len));
	else
		fd = accept4(slot_fd(c), chance(c, 50) ? NULL : rnd_ptr(c, &ss),
			     chance(c, 50) ? NULL : rnd_ptr(c, &len), PICK(c, flags));
	if (rec(c, "accept", fd) < 0)
		return;
	if (chance(c, 50))
		small_timeouts(c, fd);
	slot_put(c, fd);
}

static void op_send(struct ctx *c)
{
	struct sockaddr_storage ss;
	size_t len = rnd_len(c);
	int flags = rnd_flags(c, send_flags, ARRAY_SIZE(send_flags));
	void *p = rnd_ptr(c, c->buf);
	ssize_t n;

	if (p != c->buf && chance(c, 50))
		len = chance(c, 50) ? SIZE_MAX : (size_t)INT_MAX + 1;
	if (chance(c, 70)) {
		n = send(slot_fd(c), p, len, flags);
	} else {
		socklen_t alen;
		const struct sockaddr *sa = rnd_sockaddr(c, &ss, &alen);

		n = sendto(slot_fd(c), p, len, flags, sa, alen);
	}
	if (rec(c, "send", n) > (ssize_t)len)
		bad("w%d.t%d seq %ld: send of %zu returned %zd", c->wid, c->tid,
		    c->seq, len, n);
}

static void op_recv(struct ctx *c)
{
	struct sockaddr_storage ss;
	socklen_t alen = sizeof(ss);
	size_t len = rnd_len(c);
	int flags = rnd_flags(c, recv_flags, ARRAY_SIZE(recv_flags));
	void *p = rnd_ptr(c, c->buf);
	ssize_t n;

	if (chance(c, 70))
		n = recv(slot_fd(c), p, len, flags);
	else
		n = recvfrom(slot_fd(c), p, len, flags, rnd_ptr(c, &ss),
			     rnd_ptr(c, &alen));
	/* MSG_TRUNC may report more than the buffer took, as TCP's may not. */
	if (rec(c, "recv", n) > (ssize_t)len && !(flags & MSG_TRUNC))
		bad("w%d.t%d seq %ld: recv of %zu returned %zd", c->wid, c->tid,
		    c->seq, len, n);
}

/* iovecs over c->buf, with NULL, bad and straddling bases among them. */
static int fill_iov(struct ctx *c, struct iovec *iov, int max, size_t *total)
{
	int n = rnd(c, 9), i;
	size_t off = 0;

	if (chance(c, 3))
		n = max;
	*total = 0;
	for (i = 0; i < n && i < max; i++) {
		size_t len = rnd(c, 3) ? rnd(c, 8192) : rnd_len(c);

		if (off + len > BUFSZ)
			off = 0;
		if (len > BUFSZ)
			len = BUFSZ;
		iov[i].iov_base = rnd_ptr(c, c->buf + off);
		iov[i].iov_len = len;
		off += len;
		*total += len;
	}
	return i;
}

#define MAX_IOV	1030	/* a little more than UIO_MAXIOV */

static void rnd_msghdr(struct ctx *c, struct msghdr *m, struct iovec *iov,
		       struct sockaddr_storage *ss, char *cbuf, size_t cmax,
		       size_t *total, int sending)
{
	socklen_t alen = sizeof(*ss);

	memset(m, 0, sizeof(*m));
	m->msg_iov = iov;
	m->msg_iovlen = fill_iov(c, iov, MAX_IOV, total);
	if (chance(c, 5))
		m->msg_iov = rnd_ptr(c, iov);
	if (chance(c, 25)) {
		m->msg_name = sending ? (void *)rnd_sockaddr(c, ss, &alen) :
					rnd_ptr(c, ss);
		m->msg_namelen = chance(c, 80) ? alen : (socklen_t)rnd_int(c);
	}
	if (chance(c, 20)) {
		size_t i;

		for (i = 0; i < cmax; i++)
			cbuf[i] = rnd(c, 256);
		if (sending && chance(c, 50)) {
			struct cmsghdr *cm = (struct cmsghdr *)cbuf;

			cm->cmsg_len = CMSG_LEN(rnd(c, 16));
			cm->cmsg_level = chance(c, 50) ? SOL_SOCKET : SOL_TOY;
			cm->cmsg_type = rnd(c, 5);
		}
		m->msg_control = rnd_ptr(c, cbuf);
		/* Received control data must fit: it would land on our stack. */
		m->msg_controllen = chance(c, 80) || !sending ? rnd(c, cmax + 1) :
								rnd_len(c);
	}
}

static void op_sendmsg(struct ctx *c)
{
	static __thread struct iovec iov[MAX_IOV];
	struct sockaddr_storage ss;
	char cbuf[64] __attribute__((aligned(8)));
	struct msghdr m;
	size_t total;

	rnd_msghdr(c, &m, iov, &ss, cbuf, sizeof(cbuf), &total, 1);
	rec(c, "sendmsg", sendmsg(slot_fd(c), &m,
				  rnd_flags(c, send_flags, ARRAY_SIZE(send_flags))));
}

static void op_recvmsg(struct ctx *c)
{
	static __thread struct iovec iov[MAX_IOV];
	struct sockaddr_storage ss;
	char cbuf[64] __attribute__((aligned(8)));
	struct msghdr m;
	size_t total;
	ssize_t n;
	int flags;

	rnd_msghdr(c, &m, iov, &ss, cbuf, sizeof(cbuf), &total, 0);
	flags = rnd_flags(c, recv_flags, ARRAY_SIZE(recv_flags));
	n = rec(c, "recvmsg", recvmsg(slot_fd(c), &m, flags));
	if (n > (ssize_t)total && !(flags & MSG_TRUNC) && m.msg_iov == iov)
		bad("w%d.t%d seq %ld: recvmsg into %zu returned %zd", c->wid,
		    c->tid, c->seq, total, n);
}

static void op_rw(struct ctx *c)
{
	static __thread struct iovec iov[MAX_IOV];
	size_t len = rnd_len(c), total;
	int fd = slot_fd(c), n;

	switch (rnd(c, 5)) {
	case 0:
		rec(c, "read", read(fd, rnd_ptr(c, c->buf), len));
		break;
	case 1:
		rec(c, "write", write(fd, rnd_ptr(c, c->buf), len));
		break;
	case 2:
		n = fill_iov(c, iov, MAX_IOV, &total);
		rec(c, "readv", readv(fd, iov, n));
		break;
	case 3:
		n = fill_iov(c, iov, MAX_IOV, &total);
		rec(c, "writev", writev(fd, iov, n));
		break;
	default:
		rec(c, "pread", pread(fd, c->buf, len % BUFSZ, rnd(c, 100)));
		break;
	}
}

static void op_mmsg(struct ctx *c)
{
	struct iovec iov[4][4];
	struct mmsghdr mm[4];
	struct timespec ts = { 0, 1000000L * rnd(c, 50) };
	unsigned int n = 1 + rnd(c, 4), i;
	size_t total;

	memset(mm, 0, sizeof(mm));
	for (i = 0; i < n; i++) {
		mm[i].msg_hdr.msg_iov = iov[i];
		mm[i].msg_hdr.msg_iovlen = fill_iov(c, iov[i], 4, &total);
	}
	if (chance(c, 50))
		rec(c, "sendmmsg", sendmmsg(slot_fd(c), rnd_ptr(c, mm), n,
					    rnd_flags(c, send_flags,
						      ARRAY_SIZE(send_flags))));
	else
		rec(c, "recvmmsg", recvmmsg(slot_fd(c), rnd_ptr(c, mm), n,
					    rnd_flags(c, recv_flags,
						      ARRAY_SIZE(recv_flags)),
					    chance(c, 50) ? &ts : NULL));
}

/* splice() both ways through a pipe, and sendfile() from a memfd. */
static void op_splice(struct ctx *c)
{
	unsigned int flags = SPLICE_F_NONBLOCK | (rnd(c, 2) ? SPLICE_F_MOVE : 0);
	size_t len = rnd(c, 3) ? 1 + rnd(c, 65536) : rnd_len(c);
	int fd = slot_fd(c);
	off_t off;

	switch (rnd(c, 3)) {
	case 0:
		rec(c, "splice(sock>pipe)", splice(fd, NULL, c->pipefd[1], NULL,
						   len, flags));
		break;
	case 1:
		if (write(c->pipefd[1], c->buf, 1 + rnd(c, 8192)) < 0)
			break;
		rec(c, "splice(pipe>sock)", splice(c->pipefd[0], NULL, fd, NULL,
						   len, flags));
		break;
	default:
		off = rnd(c, 4) ? (off_t)rnd(c, 65536) : -1;
		rec(c, "sendfile", sendfile(fd, c->memfd, &off, len));
		break;
	}
	/* Empty the pipe for the next time. */
	while (read(c->pipefd[0], c->buf, BUFSZ) > 0)
		;
}

static void op_shutdown(struct ctx *c)
{
	static const int hows[] = { SHUT_RD, SHUT_WR, SHUT_RDWR, SHUT_RD,
				    SHUT_WR, SHUT_RDWR, -1, 3, 100, INT_MAX };

	rec(c, "shutdown", shutdown(slot_fd(c), PICK(c, hows)));
}

static void op_close(struct ctx *c)
{
	int fd = __atomic_exchange_n(&slots[rnd(c, NSLOTS)], -1,
				     __ATOMIC_RELAXED);

	if (fd >= 0) {
		/* SO_LINGER with a long time makes close() wait: let it. */
		rec(c, "close", close(fd));
	}
}

/*
 * dup() into a slot, or dup2()/dup3() over a slot's fd while other threads
 * may be using it: the slot is emptied first so that nobody closes the
 * number meanwhile, then refilled with whatever file it now holds.
 */
static void op_dup(struct ctx *c)
{
	int i = rnd(c, NSLOTS), src = slot_fd(c), dst;

	switch (rnd(c, 3)) {
	case 0:
		slot_put(c, rec(c, "dup", chance(c, 50) ? dup(src) :
				fcntl(src, F_DUPFD_CLOEXEC, rnd(c, 64))));
		break;
	default:
		dst = __atomic_exchange_n(&slots[i], -1, __ATOMIC_RELAXED);
		if (dst < 0)
			break;
		if (chance(c, 50))
			rec(c, "dup2", dup2(src, dst));
		else
			rec(c, "dup3", dup3(src, dst, chance(c, 50) ? O_CLOEXEC : 0));
		dst = __atomic_exchange_n(&slots[i], dst, __ATOMIC_RELAXED);
		if (dst >= 0)
			close(dst);
		break;
	}
}

static void op_poll(struct ctx *c)
{
	static const short evs[] = { POLLIN, POLLOUT, POLLPRI, POLLRDHUP,
				     POLLERR, POLLHUP, POLLRDNORM, POLLWRNORM };
	struct pollfd p[8];
	int n = 1 + rnd(c, 8), i, k;

	for (i = 0; i < n; i++) {
		p[i].fd = slot_fd(c);
		p[i].events = 0;
		for (k = rnd(c, 4); k; k--)
			p[i].events |= PICK(c, evs);
	}
	rec(c, "poll", poll(p, n, rnd(c, 20)));
}

static void op_epoll(struct ctx *c)
{
	static const uint32_t evs[] = { EPOLLIN, EPOLLOUT, EPOLLRDHUP,
					EPOLLPRI, EPOLLET, EPOLLONESHOT,
					EPOLLEXCLUSIVE, EPOLLWAKEUP };
	struct epoll_event ev = { 0 }, out[8];
	int k;

	for (k = rnd(c, 4); k; k--)
		ev.events |= PICK(c, evs);
	switch (rnd(c, 4)) {
	case 0:
		rec(c, "epoll_ctl(add)", epoll_ctl(c->epfd, EPOLL_CTL_ADD,
						   slot_fd(c), &ev));
		break;
	case 1:
		rec(c, "epoll_ctl(mod)", epoll_ctl(c->epfd, EPOLL_CTL_MOD,
						   slot_fd(c), &ev));
		break;
	case 2:
		rec(c, "epoll_ctl(del)", epoll_ctl(c->epfd, EPOLL_CTL_DEL,
						   slot_fd(c), &ev));
		break;
	default:
		rec(c, "epoll_wait", epoll_wait(c->epfd, out, ARRAY_SIZE(out),
						rnd(c, 20)));
		break;
	}
}

static void op_ioctl(struct ctx *c)
{
	static const unsigned long cmds[] = {
		SIOCINQ, SIOCOUTQ, SIOCOUTQNSD, FIONBIO, FIOASYNC, SIOCATMARK,
		SIOCGSTAMP, SIOCGSTAMPNS, FIOCLEX, FIONCLEX, SIOCGIFNAME,
		SIOCGIFINDEX, SIOCGIFCONF, SIOCINQ, SIOCOUTQ, FIONBIO,
	};
	unsigned long cmd = PICK(c, cmds);
	/*
	 * Room for what any command writes back (struct ifreq, ifconf),
	 * zeroed so that no pointer inside leads into our memory.
	 */
	char arg[128] __attribute__((aligned(8))) = { 0 };

	arg[0] = rnd(c, 2);

	/*
	 * Unknown commands reach dev_ioctl(), whose set commands root may
	 * use: random ones only where they fail EPERM.
	 */
	if (!worker_root && chance(c, 25))
		cmd = rnd(c, 2) ? 0x8900 + rnd(c, 0x100) : (uint32_t)splitmix(&c->rng);
	rec(c, "ioctl", ioctl(slot_fd(c), cmd, rnd_ptr(c, arg)));
}

static void op_fcntl(struct ctx *c)
{
	int fd = slot_fd(c), fl;

	switch (rnd(c, 4)) {
	case 0:
		fl = fcntl(fd, F_GETFL);
		if (fl >= 0)
			rec(c, "fcntl(setfl)", fcntl(fd, F_SETFL, fl ^ O_NONBLOCK));
		break;
	case 1:
		rec(c, "fcntl(setfl)", fcntl(fd, F_SETFL,
					     chance(c, 50) ? O_NONBLOCK : 0));
		break;
	case 2:
		rec(c, "fcntl(setown)", fcntl(fd, F_SETOWN, getpid()));
		break;
	default:
		rec(c, "fcntl(setfd)", fcntl(fd, F_SETFD, rnd(c, 2)));
		break;
	}
}

/* ---- socket options --------------------------------------------------------------- */

static const int so_names[] = {
	SO_DEBUG, SO_REUSEADDR, SO_TYPE, SO_ERROR, SO_DONTROUTE, SO_BROADCAST,
	SO_SNDBUF, SO_RCVBUF, SO_SNDBUFFORCE, SO_RCVBUFFORCE, SO_KEEPALIVE,
	SO_OOBINLINE, SO_NO_CHECK, SO_PRIORITY, SO_LINGER, SO_REUSEPORT,
	SO_PASSCRED, SO_PEERCRED, SO_RCVLOWAT, SO_SNDLOWAT, SO_RCVTIMEO,
	SO_SNDTIMEO, SO_BINDTODEVICE, SO_ATTACH_FILTER, SO_DETACH_FILTER,
	SO_PEERNAME, SO_TIMESTAMP, SO_ACCEPTCONN, SO_PEERSEC, SO_PASSSEC,
	SO_TIMESTAMPNS, SO_MARK, SO_TIMESTAMPING, SO_PROTOCOL, SO_DOMAIN,
	SO_RXQ_OVFL, SO_PEEK_OFF, SO_LOCK_FILTER, SO_BUSY_POLL,
	SO_MAX_PACING_RATE, SO_INCOMING_CPU, SO_ATTACH_BPF, SO_MEMINFO,
	SO_COOKIE, SO_PEERGROUPS, SO_ZEROCOPY, SO_TXTIME, SO_BINDTOIFINDEX,
	SO_NETNS_COOKIE, SO_BUF_LOCK, SO_RESERVE_MEM, SO_TXREHASH, SO_RCVMARK,
	SO_RCVTIMEO, SO_SNDTIMEO, SO_LINGER, SO_RCVBUF, SO_SNDBUF, SO_RCVLOWAT,
};

/* Fills val for option name at SOL_SOCKET; returns its natural length. */
static socklen_t so_value(struct ctx *c, int name, char *val, size_t max)
{
	static const char * const devs[] = { "lo", "lo", "", "nosuchdev0",
					     "lo\x01garbage" };
	static struct sock_filter drop = BPF_STMT(BPF_RET | BPF_K, 0);
	int v = rnd_int(c);

	memset(val, 0, max);
	switch (name) {
	case SO_RCVTIMEO:
	case SO_SNDTIMEO: {
		struct timeval tv = { 0, 1000 * (1 + rnd(c, 300)) };

		/* Zero means forever: the interval timer rescues us then. */
		if (chance(c, 15))
			tv = (struct timeval){ rnd_int(c), rnd_int(c) };
		memcpy(val, &tv, sizeof(tv));
		return sizeof(tv);
	}
	case SO_LINGER: {
		struct linger l = { rnd(c, 2), chance(c, 50) ? 0 : rnd_int(c) };

		memcpy(val, &l, sizeof(l));
		return sizeof(l);
	}
	case SO_BINDTODEVICE: {
		const char *d = PICK(c, devs);

		memcpy(val, d, strlen(d) + 1);
		return strlen(d) + (chance(c, 50) ? 1 : 0);
	}
	case SO_ATTACH_FILTER: {
		struct sock_fprog prog = { .len = 1, .filter = &drop };

		if (chance(c, 30))
			prog.len = rnd_int(c);
		if (chance(c, 20))
			prog.filter = rnd_ptr(c, &drop);
		memcpy(val, &prog, sizeof(prog));
		return sizeof(prog);
	}
	case SO_RCVLOWAT:
		if (chance(c, 70))
			v = rnd(c, 4096);
		break;
	case SO_SNDBUFFORCE:
	case SO_RCVBUFFORCE:
		/* root passes wmem_max: queues nobody reads must stay small */
		v = rnd(c, 4 << 20);
		break;
	}
	memcpy(val, &v, sizeof(v));
	return sizeof(v);
}

/* A length: the natural one mostly, else 0, short, long, or absurd. */
static socklen_t rnd_optlen(struct ctx *c, socklen_t natural)
{
	static const int lens[] = { 0, 1, 2, 3, 7, 8, 15, 16, 17, 64, 4096,
				    INT_MAX, -1 };

	return chance(c, 75) ? natural : (socklen_t)PICK(c, lens);
}

static void op_sockopt(struct ctx *c)
{
	char val[256] __attribute__((aligned(8)));
	int name = chance(c, 85) ? PICK(c, so_names) : (int)rnd(c, 90);
	int fd = slot_fd(c);
	socklen_t len;

	if (chance(c, 50)) {
		/*
		 * Timestamps switch a static key (netstamp_needed_key) on and
		 * off; live code patching under QEMU's TCG now and then runs
		 * into a stale int3 and oopses. Not ours to test.
		 */
		if (name == SO_TIMESTAMP_OLD || name == SO_TIMESTAMPNS_OLD ||
		    name == SO_TIMESTAMPING_OLD || name == SO_TIMESTAMP_NEW ||
		    name == SO_TIMESTAMPNS_NEW || name == SO_TIMESTAMPING_NEW)
			name = SO_DEBUG;
		len = rnd_optlen(c, so_value(c, name, val, sizeof(val)));
		rec(c, "setsockopt(SOL_SOCKET)",
		    setsockopt(fd, SOL_SOCKET, name, rnd_ptr(c, val),
			       len > sizeof(val) && rnd(c, 2) ? sizeof(val) : len));
	} else {
		len = rnd_optlen(c, rnd(c, 2) ? sizeof(int) : sizeof(val));
		if (len > sizeof(val))
			len = sizeof(val);	/* a true buffer overrun is ours */
		if (chance(c, 10))
			len = (socklen_t)-1;
		rec(c, "getsockopt(SOL_SOCKET)",
		    getsockopt(fd, SOL_SOCKET, name, rnd_ptr(c, val),
			       rnd_ptr(c, &len)));
	}
}

static const int toy_vals[] = {
	-1, 0, 1, 2, 50, 100, 126, 127, 128, 200, 254, 255, 256, 1000, 32767,
	32768, 60000, 60001, 119999, 120000, 120001, INT_MAX, INT_MIN,
};

/* Sane values mostly: protocol knobs that connections can live with. */
static void set_toy_opts(struct ctx *c, int fd)
{
	toy_set_int(fd, SOL_TOY, TOY_NODELAY, rnd(c, 2));
	toy_set_int(fd, SOL_TOY, TOY_RTO_MIN, 1 + rnd(c, 300));
	toy_set_int(fd, SOL_TOY, TOY_RTO_MAX, 100 + rnd(c, 2000));
	toy_set_int(fd, SOL_TOY, TOY_SYN_RETRIES, 1 + rnd(c, 3));
	toy_set_int(fd, SOL_TOY, TOY_RETRIES, 1 + rnd(c, 8));
	if (chance(c, 50))
		setsockopt(fd, SOL_TOY, TOY_CONGESTION,
			   rnd(c, 2) ? "reno" : "cubic", 5);
}

/* TOY_CONGESTION takes a name: real ones switch a live connection's. */
static const char *const cong_names[] = {
	"reno", "cubic", "cubic\0junk", "", "renoreno", "bbr",
	"cubiccubiccubiccubic",
};

static void op_toyopt(struct ctx *c)
{
	char val[128] __attribute__((aligned(8)));
	int name = chance(c, 90) ? (int)rnd(c, 12) : rnd_int(c);
	int level = chance(c, 95) ? SOL_TOY : rnd_int(c);
	int fd = slot_fd(c), v, ret;
	socklen_t len, asked;

	if (chance(c, 50)) {
		v = chance(c, 80) ? PICK(c, toy_vals) : rnd_int(c);
		memset(val, 0, sizeof(val));
		memcpy(val, &v, sizeof(v));
		len = rnd_optlen(c, sizeof(int));
		if (name == TOY_CONGESTION && chance(c, 70)) {
			const char *n = PICK(c, cong_names);

			memset(val, 0, sizeof(val));
			strcpy(val, n);
			len = chance(c, 80) ? (socklen_t)strlen(n) + rnd(c, 2) :
					      rnd_optlen(c, 16);
		}
		rec(c, "setsockopt(SOL_TOY)",
		    setsockopt(fd, level, name, rnd_ptr(c, val), len));
		return;
	}
	len = chance(c, 70) ? PICK(c, ((const socklen_t[]){ 4, sizeof(struct toy_info) })) :
			      rnd_optlen(c, sizeof(int));
	if (len > sizeof(val) && len != (socklen_t)-1)
		len = sizeof(val);
	asked = len;
	ret = rec(c, "getsockopt(SOL_TOY)",
		  getsockopt(fd, level, name, rnd_ptr(c, val), rnd_ptr(c, &len)));
	if (ret == 0 && level == SOL_TOY && len > asked)
		bad("w%d.t%d seq %ld: getsockopt(SOL_TOY, %d) gave %u bytes for %u",
		    c->wid, c->tid, c->seq, name, len, asked);
}

static void op_getname(struct ctx *c)
{
	static const int lens[] = { -1, 0, 1, 2, 27, 28, 29, 128, INT_MAX };
	struct sockaddr_storage ss;
	socklen_t len = chance(c, 60) ? sizeof(ss) : (socklen_t)PICK(c, lens);

	if (len > sizeof(ss) && len != (socklen_t)-1 && rnd(c, 2))
		len = sizeof(ss);
	if (chance(c, 50))
		rec(c, "getsockname", getsockname(slot_fd(c), rnd_ptr(c, &ss),
						  rnd_ptr(c, &len)));
	else
		rec(c, "getpeername", getpeername(slot_fd(c), rnd_ptr(c, &ss),
						  rnd_ptr(c, &len)));
}

/* ---- sock_diag -------------------------------------------------------------------- */

#define MAX_DIAG	64

static int nl_open(struct ctx *c)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);

	if (fd >= 0)
		toy_set_timeouts(fd, 500);
	return fd;
}

static int nl_send(struct ctx *c, int fd, int type, int flags,
		   const struct toy_diag_req *req, int mangle)
{
	struct {
		struct nlmsghdr nlh;
		struct toy_diag_req req;
		char extra[32];
	} msg;
	struct sockaddr_nl nladdr = { .nl_family = AF_NETLINK };
	size_t len = NLMSG_LENGTH(sizeof(*req));

	memset(&msg, 0, sizeof(msg));
	msg.req = *req;
	if (mangle) {
		switch (rnd(c, 3)) {
		case 0:	/* short: the handler must refuse it */
			len = NLMSG_HDRLEN + rnd(c, sizeof(*req));
			break;
		case 1:	/* trailing garbage */
			len = sizeof(msg);
			memset(msg.extra, rnd(c, 256), sizeof(msg.extra));
			break;
		default:
			flags = rnd(c, 65536);
			break;
		}
	}
	msg.nlh.nlmsg_len = len;
	msg.nlh.nlmsg_type = type;
	msg.nlh.nlmsg_flags = NLM_F_REQUEST | flags;
	msg.nlh.nlmsg_seq = c->seq;
	return sendto(fd, &msg, len, 0, (struct sockaddr *)&nladdr,
		      sizeof(nladdr)) == (ssize_t)len ? 0 : -1;
}

/*
 * Dumps what a random request matches into out (at most MAX_DIAG);
 * returns the count, or -1 with errno. Replies are read with a random
 * buffer size, and sometimes the socket is closed in mid-dump.
 */
static int diag_dump(struct ctx *c, struct toy_diag_msg *out)
{
	static const size_t bufs[] = { 64, 256, 4096, 32768, 65536 };
	struct toy_diag_req req;
	int fd = nl_open(c), n = 0, done = 0, rounds;
	size_t bsz = PICK(c, bufs);

	if (fd < 0)
		return rec(c, "diag socket", -1);
	memset(&req, 0, sizeof(req));
	req.sdiag_family = chance(c, 95) ? toy_family() : (int)rnd(c, 256);
	if (chance(c, 5))
		req.sdiag_protocol = rnd(c, 256);
	if (chance(c, 40))
		req.tdiag_states = chance(c, 80) ? rnd(c, 1 << 12) : (uint32_t)rnd_int(c);
	if (chance(c, 20))
		req.tdiag_sport = htons(rnd_port(c));
	if (chance(c, 10))
		req.tdiag_dport = htons(rnd_port(c));
	if (rec(c, "diag dump", nl_send(c, fd, SOCK_DIAG_BY_FAMILY,
					chance(c, 95) ? NLM_F_DUMP : 0, &req,
					chance(c, 10))) < 0)
		goto out;
	for (rounds = 0; !done && rounds < 200 && !time_up(); rounds++) {
		ssize_t len = recv(fd, c->buf, bsz, 0);
		struct nlmsghdr *h = (struct nlmsghdr *)c->buf;

		if (rec(c, "diag recv", len) <= 0)
			break;
		if (chance(c, 3))
			break;	/* leave the dump unfinished */
		for (; NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
			if (h->nlmsg_type == NLMSG_DONE ||
			    h->nlmsg_type == NLMSG_ERROR) {
				done = 1;
				break;
			}
			if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*out)))
				continue;
			if (out && n < MAX_DIAG)
				memcpy(&out[n++], NLMSG_DATA(h), sizeof(*out));
		}
	}
out:
	close(fd);
	return n;
}

static void op_diag(struct ctx *c)
{
	diag_dump(c, NULL);
}

/*
 * SOCK_DESTROY of a socket from a dump, sometimes with the wildcard cookie
 * or a wrong tuple. Only root may: for nobody, success is a bug.
 */
static void op_destroy(struct ctx *c)
{
	struct toy_diag_msg d[MAX_DIAG];
	char reply[4096] __attribute__((aligned(8)));
	struct nlmsghdr *h = (struct nlmsghdr *)reply;
	struct toy_diag_req req;
	int n = diag_dump(c, d), fd, err;
	const struct toy_diag_msg *m;
	ssize_t len;

	if (n <= 0)
		return;
	m = &d[rnd(c, n)];
	memset(&req, 0, sizeof(req));
	req.sdiag_family = toy_family();
	req.tdiag_sport = m->tdiag_sport;
	req.tdiag_dport = m->tdiag_dport;
	req.tdiag_src = m->tdiag_src;
	req.tdiag_dst = m->tdiag_dst;
	req.tdiag_cookie[0] = m->tdiag_cookie[0];
	req.tdiag_cookie[1] = m->tdiag_cookie[1];
	if (chance(c, 20))
		req.tdiag_cookie[0] = req.tdiag_cookie[1] = ~0U;
	if (chance(c, 10))
		req.tdiag_dport ^= htons(1);
	fd = nl_open(c);
	if (fd < 0)
		return;
	if (rec(c, "destroy", nl_send(c, fd, SOCK_DESTROY, NLM_F_ACK, &req,
				      chance(c, 5))) < 0)
		goto out;
	len = rec(c, "destroy recv", recv(fd, reply, sizeof(reply), 0));
	if (len < 0 || !NLMSG_OK(h, len) || h->nlmsg_type != NLMSG_ERROR)
		goto out;
	err = ((struct nlmsgerr *)NLMSG_DATA(h))->error;
	errno = -err;
	rec(c, "destroy ack", err ? -1 : 0);
	if (!err && !worker_root)
		bad("w%d.t%d seq %ld: SOCK_DESTROY as uid %d succeeded", c->wid,
		    c->tid, c->seq, getuid());
out:
	close(fd);
}

/* ---- /proc ------------------------------------------------------------------------ */

static void op_proc(struct ctx *c)
{
	static const char * const files[] = {
		"/proc/net/toy", "/proc/net/toy", "/proc/net/toy_stat",
		"/proc/net/toy_fsm", "/sys/module/toy/parameters/family",
		"/sys/module/toy/parameters/timewait_ms",
	};
	static const size_t chunks[] = { 1, 7, 64, 150, 4096, 65536 };
	int fd = open(PICK(c, files), O_RDONLY | O_CLOEXEC), i;
	size_t chunk = PICK(c, chunks);

	if (rec(c, "open(proc)", fd) < 0)
		return;
	if (chance(c, 20))
		rec(c, "lseek(proc)", lseek(fd, rnd(c, 2000), SEEK_SET));
	for (i = 0; i < 2000 && !time_up(); i++) {
		if (chance(c, 2))
			break;	/* stop in the middle */
		if (rec(c, "read(proc)", read(fd, c->buf, chunk)) <= 0)
			break;
	}
	close(fd);
}

/* ---- a connection that really carries data -------------------------------------- */

static int wait_writable(int fd)
{
	return toy_poll(fd, POLLOUT, 200);
}

/*
 * A listener (new, or one we know of), a client connected to it, the
 * accepted socket, data both ways with random flags, then some end:
 * shutdown, close of either or both, or all left in the pool for the
 * other calls to race on.
 */
static void op_pair(struct ctx *c)
{
	int lfd = -1, cfd = -1, afd = -1, port = 0, i;
	in_addr_t la = chance(c, 70) ? TOY_LO : TOY_ANY;
	struct sockaddr_toy sa;

	lfd = rec(c, "socket(pair)", socket(toy_family(), SOCK_STREAM, 0));
	if (lfd < 0)
		return;
	small_timeouts(c, lfd);
	if (chance(c, 30))
		set_toy_opts(c, lfd);
	if (rec(c, "bind(pair)", toy_bind(lfd, la, 0)) ||
	    rec(c, "listen(pair)", listen(lfd, 1 + rnd(c, 8))))
		goto out;
	port = toy_local_port(lfd);
	publish_port(port);

	cfd = rec(c, "socket(pair)", socket(toy_family(), SOCK_STREAM |
					     (rnd(c, 2) ? SOCK_NONBLOCK : 0), 0));
	if (cfd < 0)
		goto out;
	small_timeouts(c, cfd);
	if (chance(c, 30))
		set_toy_opts(c, cfd);
	sa = toy_sa(chance(c, 80) ? TOY_LO : PICK(c, ((const in_addr_t[]){
		TOY_ANY, inet_addr("127.0.0.2") })), port);
	if (rec(c, "connect(pair)", connect(cfd, (struct sockaddr *)&sa,
					    sizeof(sa))) < 0 &&
	    errno == EINPROGRESS)
		wait_writable(cfd);
	toy_poll(lfd, POLLIN, 200);
	afd = rec(c, "accept(pair)", accept4(lfd, NULL, NULL,
					     rnd(c, 2) ? SOCK_NONBLOCK : 0));
	if (afd >= 0 && chance(c, 50))
		small_timeouts(c, afd);

	for (i = rnd(c, 6); i && afd >= 0 && !time_up(); i--) {
		int from = rnd(c, 2) ? cfd : afd, to = from == cfd ? afd : cfd;
		size_t len = rnd(c, 4) ? 1 + rnd(c, 4096) : rnd_len(c);

		if (len > BUFSZ || !len)
			len = 1;
		rec(c, "send(pair)", send(from, c->buf, len,
					  MSG_NOSIGNAL | (rnd(c, 2) ? MSG_DONTWAIT : 0)));
		toy_poll(to, POLLIN, 50);
		if (chance(c, 30))
			rec(c, "recv(pair, peek)", recv(to, c->buf, len,
							MSG_PEEK | MSG_DONTWAIT));
		rec(c, "recv(pair)", recv(to, c->buf, len,
					  rnd_flags(c, recv_flags,
						    ARRAY_SIZE(recv_flags)) &
					  ~(MSG_OOB | MSG_ERRQUEUE)));
	}

	switch (rnd(c, 5)) {
	case 0:
		rec(c, "shutdown(pair)", shutdown(rnd(c, 2) ? cfd : afd, rnd(c, 3)));
		break;
	case 1:
		rec(c, "close(pair)", close(cfd));
		cfd = -1;
		break;
	case 2:
		if (afd >= 0)
			rec(c, "close(pair)", close(afd));
		afd = -1;
		break;
	case 3:
		/* The listener first: it resets what is still queued. */
		rec(c, "close(pair)", close(lfd));
		lfd = -1;
		break;
	default:
		break;
	}
out:
	/*
	 * Left to the pool, where the other threads find them; in a focused
	 * sequence, two of them in the hot pair of slots.
	 */
	if (c->focus) {
		int hot = __atomic_load_n(&hot_slot, __ATOMIC_RELAXED);

		if (chance(c, 70) && cfd >= 0 && afd >= 0) {
			slot_put_at(c, hot, cfd);
			slot_put_at(c, hot + 1, afd);
			cfd = afd = -1;
		} else if (lfd >= 0 && cfd >= 0) {
			slot_put_at(c, hot, lfd);
			slot_put_at(c, hot + 1, cfd);
			lfd = cfd = -1;
		}
	}
	slot_put(c, lfd);
	slot_put(c, cfd);
	slot_put(c, afd);
}

/*
 * A burst of calls on the hot pair, meant to overlap with other threads'
 * bursts: on a connection, small sends on either end and blocking reads,
 * peeks and MSG_WAITALL reads that sleep while the others read and send;
 * on a listener, socket options read and set in a loop while connections
 * arrive and are accepted.
 */
static void op_storm(struct ctx *c)
{
	static const int rflags[] = { 0, MSG_PEEK, MSG_PEEK | MSG_WAITALL,
				      MSG_WAITALL, MSG_DONTWAIT,
				      MSG_PEEK | MSG_DONTWAIT, MSG_TRUNC };
	int hot = __atomic_load_n(&hot_slot, __ATOMIC_RELAXED);
	int a = __atomic_load_n(&slots[hot], __ATOMIC_RELAXED);
	int b = __atomic_load_n(&slots[hot + 1], __ATOMIC_RELAXED);
	int n = 4 + rnd(c, 13), listening = 0, v, port;
	socklen_t len = sizeof(v);

	if (!getsockopt(a, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) &&
	    listening) {
		port = toy_local_port(a);
		for (; n && !time_up(); n--) {
			struct toy_info ti;
			int fd;

			len = rnd(c, 2) ? sizeof(ti) : sizeof(int);
			rec(c, "storm getsockopt", getsockopt(a, SOL_TOY,
							      rnd(c, 10), &ti, &len));
			if (chance(c, 30))
				rec(c, "storm setsockopt",
				    toy_set_int(a, SOL_TOY, 1 + rnd(c, 9),
						PICK(c, toy_vals)));
			if (chance(c, 40)) {
				fd = socket(toy_family(), SOCK_STREAM | SOCK_NONBLOCK, 0);
				if (fd >= 0) {
					rec(c, "storm connect", toy_connect(fd, TOY_LO, port));
					slot_put(c, fd);
				}
			}
			if (chance(c, 30))
				slot_put(c, rec(c, "storm accept",
						accept4(a, NULL, NULL, SOCK_NONBLOCK)));
		}
		return;
	}
	for (; n && !time_up(); n--) {
		int fd = rnd(c, 2) ? a : b;
		size_t len = 1 + rnd(c, rnd(c, 4) ? 2000 : 65536);

		if (chance(c, 40))
			rec(c, "storm send", send(fd, c->buf, len,
						  MSG_NOSIGNAL | MSG_DONTWAIT));
		else
			rec(c, "storm recv", recv(fd, c->buf, len, PICK(c, rflags)));
	}
}

/* ---- fork ---------------------------------------------------------------------------- */

static void run_op(struct ctx *c, int op);

/*
 * A child that shares every socket of the pool with us, makes a few calls
 * and exits. Single-threaded, so it has no per-thread timer: an interval
 * ITIMER_REAL interrupts its blocking calls instead. No stdio in there:
 * another thread may have held its lock when we forked.
 */
static void op_fork(struct ctx *c)
{
	struct itimerval it = { { 0, INTR_MS * 1000 }, { 0, INTR_MS * 1000 } };
	long end = now_ms() + CHILD_MS;
	int ops = 1 + rnd(c, CHILD_OPS), st;
	pid_t pid;

	pid = fork();
	if (rec(c, "fork", pid) < 0)
		return;
	if (pid == 0) {
		int i;

		/* The counts so far are the parent's to report. */
		c->calls = c->ok = 0;
		memset(c->op_calls, 0, sizeof(c->op_calls));
		for (i = 0; i <= MAX_ERRNO; i++)
			c->err[i] = 0;
		c->child = 1;
		setitimer(ITIMER_REAL, &it, NULL);
		while (ops-- && !time_up())
			run_op(c, -1);
		flush_counts(c, 1);
		_exit(0);
	}
	__atomic_fetch_add(&sh->forks, 1, __ATOMIC_RELAXED);
	while (waitpid(pid, &st, WNOHANG) == 0) {
		if (now_ms() > end) {
			bad("w%d.t%d seq %ld: forked child %d still running after %d ms",
			    c->wid, c->tid, c->seq, pid, CHILD_MS);
			kill(pid, SIGKILL);
			while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
				;
			return;
		}
		toy_sleep_ms(5);
	}
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		bad("w%d.t%d seq %ld: forked child ended with status 0x%x",
		    c->wid, c->tid, c->seq, st);
}

/* ---- sequences --------------------------------------------------------------------- */

static void (*const op_fn[NR_OPS])(struct ctx *c) = {
	[OP_PAIR] = op_pair, [OP_SOCKET] = op_socket, [OP_BIND] = op_bind,
	[OP_LISTEN] = op_listen, [OP_CONNECT] = op_connect,
	[OP_ACCEPT] = op_accept, [OP_SEND] = op_send, [OP_RECV] = op_recv,
	[OP_SENDMSG] = op_sendmsg, [OP_RECVMSG] = op_recvmsg, [OP_RW] = op_rw,
	[OP_MMSG] = op_mmsg, [OP_SPLICE] = op_splice,
	[OP_SHUTDOWN] = op_shutdown, [OP_CLOSE] = op_close, [OP_DUP] = op_dup,
	[OP_FORK] = op_fork, [OP_POLL] = op_poll, [OP_EPOLL] = op_epoll,
	[OP_IOCTL] = op_ioctl, [OP_FCNTL] = op_fcntl,
	[OP_SOCKOPT] = op_sockopt, [OP_TOYOPT] = op_toyopt,
	[OP_GETNAME] = op_getname, [OP_DIAG] = op_diag,
	[OP_DESTROY] = op_destroy, [OP_PROC] = op_proc, [OP_STORM] = op_storm,
};

/* Runs op, or (-1) one drawn by weight; a forked child does not fork. */
static void run_op(struct ctx *c, int op)
{
	int total = 0, r, i;

	if (op < 0) {
		for (i = 0; i < NR_OPS; i++)
			total += op_weight[i];
		do {
			r = rnd(c, total);
			for (op = 0; r >= op_weight[op]; op++)
				r -= op_weight[op];
		} while (op == OP_FORK && c->child);
	}
	c->op_calls[op]++;
	op_fn[op](c);
}

/* Sequence j of a thread starts from the same state in every run. */
static void run_sequence(struct ctx *c)
{
	uint64_t s = c->seed ^ (0x9e3779b97f4a7c15ULL * (uint64_t)(c->seq + 1));
	int n;

	c->rng = splitmix(&s);
	c->focus = chance(c, 50);
	if (c->tid == 0 && chance(c, 10))
		__atomic_store_n(&hot_slot, rnd(c, NSLOTS) & ~1, __ATOMIC_RELAXED);
	for (n = 1 + rnd(c, SEQ_MAX_CALLS); n && !time_up(); n--)
		run_op(c, -1);
	__atomic_fetch_add(&sh->seqs, 1, __ATOMIC_RELAXED);
	flush_counts(c, 0);
}

static void on_signal(int sig)
{
	(void)sig;	/* only here to interrupt a blocking call */
}

/*
 * Every INTR_MS, SIGUSR1 to this thread alone: no call it makes can block
 * longer than that, whatever timeouts the fuzzing set (or cleared).
 */
static int thread_timer(timer_t *t)
{
	struct itimerspec its = { { 0, INTR_MS * 1000000L },
				  { 0, INTR_MS * 1000000L } };
	struct sigevent sev;

	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_THREAD_ID;
	sev.sigev_signo = SIGUSR1;
	sev._sigev_un._tid = gettid();
	if (timer_create(CLOCK_MONOTONIC, &sev, t))
		return -1;
	return timer_settime(*t, 0, &its, NULL);
}

static void *fuzz_thread(void *arg)
{
	struct ctx *c = arg;
	int timer_ok;
	timer_t t;

	timer_ok = !thread_timer(&t);
	if (!timer_ok)
		bad("w%d.t%d: timer_create: %s", c->wid, c->tid, strerror(errno));
	while (!time_up()) {
		if (__atomic_fetch_add(&sh->seqs_started, 1, __ATOMIC_RELAXED) >=
		    cfg.iters)
			break;
		run_sequence(c);
		c->seq++;
	}
	if (timer_ok)
		timer_delete(t);
	flush_counts(c, 1);
	return NULL;
}

static uint64_t thread_seed(int w, int t)
{
	uint64_t s = cfg.seed ^ ((uint64_t)(w + 1) << 32) ^ (uint64_t)(t + 1);

	return splitmix(&s);
}

static int ctx_init(struct ctx *c, int w, int t)
{
	memset(c, 0, sizeof(*c));
	c->wid = w;
	c->tid = t;
	c->seed = thread_seed(w, t);
	c->buf = malloc(BUFSZ);
	c->epfd = epoll_create1(EPOLL_CLOEXEC);
	c->memfd = memfd_create("toy-fuzz", MFD_CLOEXEC);
	if (!c->buf || c->epfd < 0 || c->memfd < 0 ||
	    pipe2(c->pipefd, O_NONBLOCK | O_CLOEXEC))
		return -1;
	memset(c->buf, 'a' + t, BUFSZ);
	if (write(c->memfd, c->buf, BUFSZ) != BUFSZ)
		return -1;
	return 0;
}

/*
 * A worker process: drops to nobody unless it is the root one, then runs
 * its threads until the budget or the deadline. Exits 0; anything the
 * oracles saw is in the shared area.
 */
static void worker(int w, int nthreads, int root)
{
	struct sigaction sa = { .sa_handler = on_signal };
	pthread_t th[16];
	struct ctx *c;
	int i;

	worker_root = root;
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGALRM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGIO, SIG_IGN);
	if (!root && (setgroups(0, NULL) || setgid(NOBODY) || setuid(NOBODY))) {
		bad("worker %d: cannot become nobody: %s", w, strerror(errno));
		_exit(1);
	}
	guard = mmap(NULL, 2 * page_size, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (guard == MAP_FAILED || mprotect(guard + page_size, page_size, PROT_NONE))
		_exit(1);
	c = calloc(nthreads, sizeof(*c));
	if (!c)
		_exit(1);
	for (i = 0; i < nthreads; i++) {
		if (ctx_init(&c[i], w, i)) {
			bad("worker %d: setup: %s", w, strerror(errno));
			_exit(1);
		}
	}
	for (i = 0; i < nthreads; i++) {
		if (pthread_create(&th[i], NULL, fuzz_thread, &c[i])) {
			bad("worker %d: pthread_create failed", w);
			nthreads = i;
			break;
		}
	}
	for (i = 0; i < nthreads; i++)
		pthread_join(th[i], NULL);
	_exit(0);
}

/* ---- the tests --------------------------------------------------------------------- */

/*
 * The cells of /proc/net/toy_fsm marked unreachable, with their hits:
 * fills out (at most max) and returns the count, or -1.
 */
static int never_cells(struct never *out, int max)
{
	FILE *f = fopen("/proc/net/toy_fsm", "r");
	char line[512], st[32], ev[32], next[32], acts[128];
	unsigned long long hits;
	int n = 0;

	if (!f)
		return -1;
	while (n < max && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%31s %31s %31s %127s %llu", st, ev, next, acts,
			   &hits) != 5 || strcmp(next, "unreachable"))
			continue;
		snprintf(out[n].cell, sizeof(out[n].cell), "%s %s", st, ev);
		out[n++].hits = hits;
	}
	fclose(f);
	return n;
}

static void print_totals(void)
{
	int order[MAX_ERRNO + 1], n = 0, i, j;
	char line[4096];
	size_t o = 0;

	printf("# totals: %ld sequences, %ld calls (%ld succeeded), %ld forks in %.1f s\n",
	       sh->seqs, sh->calls, sh->ok, sh->forks,
	       (now_ms() - sh->start) / 1000.0);
	for (i = 0; i < NR_OPS; i++)
		o += snprintf(line + o, sizeof(line) - o, " %s %ld",
			      op_names[i], sh->op_calls[i]);
	printf("# by call:%s\n", line);
	for (i = 0; i <= MAX_ERRNO; i++)
		if (sh->err[i])
			order[n++] = i;
	/* by count, most frequent first */
	for (i = 1; i < n; i++)
		for (j = i; j > 0 && sh->err[order[j]] > sh->err[order[j - 1]]; j--) {
			int t = order[j];

			order[j] = order[j - 1];
			order[j - 1] = t;
		}
	o = 0;
	for (i = 0; i < n; i++)
		o += snprintf(line + o, sizeof(line) - o, " %s %ld",
			      order[i] ? strerrorname_np(order[i]) ?: "?" : "other",
			      sh->err[order[i]]);
	printf("# errno:%s\n", n ? line : " none");
	fflush(stdout);
}

/* Root's listeners, made before the workers fork: all of them share them. */
static int setup_listeners(int *fds)
{
	int i, port;

	for (i = 0; i < SETUP_LISTENERS; i++) {
		fds[i] = toy_listener(i % 2 ? TOY_ANY : TOY_LO, 8, &port);
		if (fds[i] < 0)
			return -1;
		toy_set_timeouts(fds[i], 100);
		publish_port(port);
	}
	return 0;
}

FIXTURE(fuzz) {
	int listeners[SETUP_LISTENERS];
};

FIXTURE_SETUP(fuzz)
{
	int i;

	for (i = 0; i < SETUP_LISTENERS; i++)
		self->listeners[i] = -1;
	page_size = sysconf(_SC_PAGESIZE);
}

FIXTURE_TEARDOWN(fuzz)
{
	int i;

	for (i = 0; i < SETUP_LISTENERS; i++)
		toy_close(&self->listeners[i]);
}

/*
 * The run. The harness' timeout is set from --seconds in main(); this
 * value is only its floor.
 */
TEST_F_TIMEOUT(fuzz, syscalls, 600)
{
	static struct never never[ARRAY_SIZE(sh->never)];
	int status[64], done[64] = { 0 };
	pid_t pids[64];
	int w, i, left, root_threads;
	long next_progress, hard_end;

	ASSERT_EQ(0, access(TOY_FAMILY_SYSFS, R_OK)) TH_LOG("toy.ko is not loaded");
	toy_dummy_setup();
	sh->nnever = never_cells(sh->never, ARRAY_SIZE(sh->never));
	/* What earlier tests left is theirs: the idle test leaves it alone. */
	next_progress = now_ms();
	if (toy_wait_idle(30000)) {
		sh->npre = toy_rows(sh->pre, TOY_MAX_ROWS);
		TH_LOG("%d sockets of earlier tests are still in /proc/net/toy",
		       sh->npre);
	}
	printf("# waited %.1f s for earlier tests' sockets\n",
	       (now_ms() - next_progress) / 1000.0);
	ASSERT_EQ(0, setup_listeners(self->listeners));
	for (i = 0; i < NSLOTS; i++)
		slots[i] = i < SETUP_LISTENERS ? self->listeners[i] : -1;

	printf("# seed: %llu\n", (unsigned long long)cfg.seed);
	printf("# %ld sequences at most, %ld s at most; %d workers (the last as root) x %d threads\n",
	       cfg.iters, cfg.seconds, cfg.procs, cfg.threads);
	root_threads = cfg.procs > 1 ? (cfg.threads + 1) / 2 : cfg.threads;
	for (w = 0; w < cfg.procs; w++) {
		int root = w == cfg.procs - 1 && cfg.procs > 1;
		int n = root ? root_threads : cfg.threads;

		for (i = 0; i < n; i++)
			printf("# worker %d (%s) thread %d: seed %llu\n", w,
			       root ? "root" : "nobody", i,
			       (unsigned long long)thread_seed(w, i));
	}
	fflush(stdout);
	fflush(stderr);
	toy_kmsg("toy_fuzz_sys", "seed %llu, %ld sequences or %ld s, %d workers x %d threads\n",
	     (unsigned long long)cfg.seed, cfg.iters, cfg.seconds, cfg.procs,
	     cfg.threads);

	sh->start = now_ms();
	sh->deadline = sh->start + cfg.seconds * 1000;
	for (w = 0; w < cfg.procs; w++) {
		int root = w == cfg.procs - 1 && cfg.procs > 1;

		pids[w] = fork();
		ASSERT_LE(0, pids[w]);
		if (pids[w] == 0)
			worker(w, root ? root_threads : cfg.threads, root);
	}
	/* The workers hold the listeners now. */
	for (i = 0; i < SETUP_LISTENERS; i++)
		toy_close(&self->listeners[i]);

	next_progress = now_ms() + 10000;
	hard_end = sh->deadline + GRACE_MS;
	for (left = cfg.procs; left; toy_sleep_ms(50)) {
		for (w = 0; w < cfg.procs; w++) {
			if (!done[w] && waitpid(pids[w], &status[w], WNOHANG) == pids[w]) {
				done[w] = 1;
				left--;
			}
		}
		if (left && now_ms() > next_progress) {
			printf("# progress: %ld sequences, %ld calls\n", sh->seqs,
			       sh->calls);
			fflush(stdout);
			toy_kmsg("toy_fuzz_sys", "seed %llu: %ld sequences, %ld calls\n",
			     (unsigned long long)cfg.seed, sh->seqs, sh->calls);
			next_progress += 10000;
		}
		if (left && now_ms() > hard_end) {
			for (w = 0; w < cfg.procs; w++) {
				if (done[w])
					continue;
				TH_LOG("worker %d did not exit %d s after the deadline: killed",
				       w, GRACE_MS / 1000);
				kill(pids[w], SIGKILL);
				waitpid(pids[w], &status[w], 0);
				done[w] = 1;
			}
			break;
		}
	}
	sh->stop = 1;

	print_totals();
	/* The state table says these cannot happen: the fuzzing did not either. */
	if (sh->nnever > 0 && never_cells(never, ARRAY_SIZE(never)) == sh->nnever) {
		for (i = 0; i < sh->nnever; i++)
			EXPECT_EQ(sh->never[i].hits, never[i].hits)
				TH_LOG("unreachable cell %s taken (seed %llu)",
				       never[i].cell, (unsigned long long)cfg.seed);
	}
	for (w = 0; w < cfg.procs; w++)
		EXPECT_TRUE(WIFEXITED(status[w]) && WEXITSTATUS(status[w]) == 0)
			TH_LOG("worker %d ended with status 0x%x (seed %llu)", w,
			       status[w], (unsigned long long)cfg.seed);
	for (i = 0; i < sh->nbad && i < MAX_BAD; i++)
		TH_LOG("%s (seed %llu)", sh->bad[i], (unsigned long long)cfg.seed);
	EXPECT_EQ(0, sh->nbad) TH_LOG("%d oracle failures", sh->nbad);
	EXPECT_LT(0, sh->seqs);
}

/*
 * What sock_diag knows of the sockets left over, for whoever has to find
 * out why they stay: state, sequence numbers, windows, timer, shutdown.
 */
/*
 * Sockets left because their own options made them slow: an RTO the
 * fuzzer set to 30 s or more (TOY_RTO_MIN/MAX take up to 120 s) leaves an
 * orphan retransmitting its FIN that rarely, for as many tries as
 * TOY_RETRIES says. print_leftovers() notes them; the idle case then
 * destroys them and wants the module empty. Any other socket must go by
 * itself within IDLE_MS: one whose timer keeps it alive for ever is a
 * bug this case is here to find (a CI run's slowest took 104 s).
 */
#define SLOW_RTO_US	30000000U
#define MAX_SLOW	64
static struct toy_diag_msg slow[MAX_SLOW];
static int nslow;

static void print_leftovers(struct __test_metadata *_metadata)
{
	struct toy_diag_req req = { .sdiag_family = toy_family() };
	struct sockaddr_nl nladdr = { .nl_family = AF_NETLINK };
	static char buf[65536] __attribute__((aligned(8)));
	struct {
		struct nlmsghdr nlh;
		struct toy_diag_req req;
	} msg = {
		.nlh = { .nlmsg_len = sizeof(msg), .nlmsg_type = SOCK_DIAG_BY_FAMILY,
			 .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP, .nlmsg_seq = 1 },
		.req = req,
	};
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	int shown = 0, done = 0;

	if (fd < 0)
		return;
	toy_set_timeouts(fd, 2000);
	if (sendto(fd, &msg, sizeof(msg), 0, (struct sockaddr *)&nladdr,
		   sizeof(nladdr)) != sizeof(msg))
		goto out;
	while (!done) {
		ssize_t len = recv(fd, buf, sizeof(buf), 0);
		struct nlmsghdr *h = (struct nlmsghdr *)buf;

		if (len <= 0)
			break;
		for (; NLMSG_OK(h, len) && !done; h = NLMSG_NEXT(h, len)) {
			struct toy_diag_msg *m = NLMSG_DATA(h);
			int alen = h->nlmsg_len - NLMSG_LENGTH(sizeof(*m));
			struct nlattr *a = (struct nlattr *)((char *)m + NLMSG_ALIGN(sizeof(*m)));
			struct toy_info ti = { 0 };
			int shut = -1;

			if (h->nlmsg_type != SOCK_DIAG_BY_FAMILY) {
				done = 1;
				break;
			}
			for (; alen >= (int)sizeof(*a) && a->nla_len >= sizeof(*a) &&
			       a->nla_len <= alen;
			     alen -= NLA_ALIGN(a->nla_len),
			     a = (struct nlattr *)((char *)a + NLA_ALIGN(a->nla_len))) {
				if (a->nla_type == TOY_DIAG_INFO &&
				    a->nla_len - NLA_HDRLEN >= (int)sizeof(ti))
					memcpy(&ti, (char *)a + NLA_HDRLEN, sizeof(ti));
				if (a->nla_type == TOY_DIAG_SHUTDOWN)
					shut = *((unsigned char *)a + NLA_HDRLEN);
			}
			if (m->tdiag_timer && ti.rto_us >= SLOW_RTO_US &&
			    nslow < MAX_SLOW)
				slow[nslow++] = *m;
			if (shown++ >= 20)
				continue;
			TH_LOG("diag: %d -> %d state %d timer %d (%u ms) retrans %u shutdown %d rq %u wq %u uid %u; snd_una %u snd_nxt %u rcv_nxt %u snd_wnd %u rcv_wnd %u rto %u us mss %u total_retrans %u sacked %u",
			       ntohs(m->tdiag_sport), ntohs(m->tdiag_dport),
			       m->tdiag_state, m->tdiag_timer, m->tdiag_expires,
			       m->tdiag_retrans, shut, m->tdiag_rqueue,
			       m->tdiag_wqueue, m->tdiag_uid, ti.snd_una,
			       ti.snd_nxt, ti.rcv_nxt, ti.snd_wnd, ti.rcv_wnd,
			       ti.rto_us, ti.mss, ti.total_retrans, ti.sacked);
		}
	}
out:
	close(fd);
}

/* The rows of /proc/net/toy that were not there before the run. */
static int new_rows(struct toy_row *rows)
{
	int n = toy_rows(rows, TOY_MAX_ROWS), i, j, k = 0;

	for (i = 0; i < n; i++) {
		for (j = 0; j < sh->npre; j++)
			if (rows[i].laddr == sh->pre[j].laddr &&
			    rows[i].lport == sh->pre[j].lport &&
			    rows[i].raddr == sh->pre[j].raddr &&
			    rows[i].rport == sh->pre[j].rport)
				break;
		if (j == sh->npre)
			rows[k++] = rows[i];
	}
	return n < 0 ? -1 : k;
}

/*
 * Everything is closed: every socket must leave /proc/net/toy, after
 * TIME_WAIT (200 ms in tests) and orphans finishing their FINs.
 */
/* SOCK_DESTROY the slow sockets print_leftovers() found (we are root). */
static void destroy_slow(struct __test_metadata *_metadata)
{
	struct sockaddr_nl nladdr = { .nl_family = AF_NETLINK };
	char reply[4096] __attribute__((aligned(8)));
	struct {
		struct nlmsghdr nlh;
		struct toy_diag_req req;
	} msg;
	int fd, i;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (fd < 0)
		return;
	toy_set_timeouts(fd, 2000);
	for (i = 0; i < nslow; i++) {
		memset(&msg, 0, sizeof(msg));
		msg.nlh.nlmsg_len = sizeof(msg);
		msg.nlh.nlmsg_type = SOCK_DESTROY;
		msg.nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
		msg.nlh.nlmsg_seq = 2 + i;
		msg.req.sdiag_family = toy_family();
		msg.req.tdiag_sport = slow[i].tdiag_sport;
		msg.req.tdiag_dport = slow[i].tdiag_dport;
		msg.req.tdiag_src = slow[i].tdiag_src;
		msg.req.tdiag_dst = slow[i].tdiag_dst;
		msg.req.tdiag_cookie[0] = slow[i].tdiag_cookie[0];
		msg.req.tdiag_cookie[1] = slow[i].tdiag_cookie[1];
		if (sendto(fd, &msg, sizeof(msg), 0, (struct sockaddr *)&nladdr,
			   sizeof(nladdr)) != sizeof(msg) ||
		    recv(fd, reply, sizeof(reply), 0) < 0)
			break;
		TH_LOG("destroyed %d -> %d: its RTO was the fuzzer's, >= %u s",
		       ntohs(slow[i].tdiag_sport), ntohs(slow[i].tdiag_dport),
		       SLOW_RTO_US / 1000000);
	}
	close(fd);
}

TEST_F_TIMEOUT(fuzz, idle, IDLE_MS / 1000 + 60)
{
	long t0 = now_ms(), end = t0 + IDLE_MS;
	struct toy_row rows[TOY_MAX_ROWS];
	struct toy_stats st;
	int n, i;

	while ((n = new_rows(rows)) > 0 && now_ms() < end)
		toy_sleep_ms(20);
	printf("# idle: %d sockets left after %.1f s\n", n,
	       (now_ms() - t0) / 1000.0);
	if (!n)
		return;
	for (i = 0; i < n && i < 40; i++)
		TH_LOG("left: %08X:%d -> %08X:%d state %d tx %u rx %u timer %d retr %u uid %u",
		       rows[i].laddr, rows[i].lport, rows[i].raddr, rows[i].rport,
		       rows[i].state, rows[i].tx_queue, rows[i].rx_queue,
		       rows[i].timer, rows[i].retrnsmt, rows[i].uid);
	print_leftovers(_metadata);
	if (toy_stats_read(&st) == 0) {
		char line[2048];
		size_t o = 0;

		for (i = 0; i < st.n; i++)
			o += snprintf(line + o, sizeof(line) - o, " %s %lld",
				      st.name[i], st.val[i]);
		TH_LOG("toy_stat:%s", line);
	}
	/*
	 * Only sockets slowed by their own options may outlive the wait:
	 * destroyed, they must go, and nothing else may be left.
	 */
	if (nslow > 0) {
		destroy_slow(_metadata);
		end = now_ms() + 10000;
		while ((n = new_rows(rows)) > 0 && now_ms() < end)
			toy_sleep_ms(20);
	}
	EXPECT_EQ(0, n) TH_LOG("%d sockets still in /proc/net/toy after %d s (seed %llu)",
			       n, IDLE_MS / 1000, (unsigned long long)cfg.seed);
}

/* ---- options ------------------------------------------------------------------------- */

static long env_long(const char *name, long dflt)
{
	const char *v = getenv(name);

	return v && *v ? strtol(v, NULL, 0) : dflt;
}

/*
 * Takes our options out of argv (the rest goes to the harness) and sets
 * the harness' timeout of the run from --seconds.
 */
static int parse_args(int argc, char **argv)
{
	int i, n = 1;

	cfg.seed = env_long("TOY_FUZZ_SEED", 0);
	if (!cfg.seed) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		cfg.seed = ((uint64_t)ts.tv_sec * 1000003ULL) ^ ts.tv_nsec ^ getpid();
		cfg.seed &= 0xffffffffffffULL;
	}
	cfg.iters = env_long("TOY_FUZZ_ITERS", cfg.iters);
	cfg.seconds = env_long("TOY_FUZZ_SECONDS", cfg.seconds);
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--verbose")) {
			cfg.verbose = 1;
			continue;
		}
		if (i + 1 < argc) {
			long v = strtoll(argv[i + 1], NULL, 0);

			if (!strcmp(a, "--seed")) {
				cfg.seed = strtoull(argv[++i], NULL, 0);
				continue;
			}
			if (!strcmp(a, "--iters")) {
				cfg.iters = v, i++;
				continue;
			}
			if (!strcmp(a, "--seconds")) {
				cfg.seconds = v, i++;
				continue;
			}
			if (!strcmp(a, "--procs")) {
				cfg.procs = v, i++;
				continue;
			}
			if (!strcmp(a, "--threads")) {
				cfg.threads = v, i++;
				continue;
			}
		}
		argv[n++] = argv[i];
	}
	argv[n] = NULL;
	if (cfg.procs < 1 || cfg.procs > 64 || cfg.threads < 1 ||
	    cfg.threads > 16 || cfg.seconds < 1 || cfg.iters < 1) {
		fprintf(stderr, "toy_fuzz_sys: --procs 1..64, --threads 1..16, "
			"--seconds and --iters >= 1\n");
		exit(KSFT_FAIL);
	}
	/* The run, the workers' grace, and the setup's wait for idleness. */
	_fuzz_syscalls_object->timeout = cfg.seconds + GRACE_MS / 1000 + 60;
	return n;
}

int main(int argc, char **argv)
{
	argc = parse_args(argc, argv);
	/* Shared by the tests, each in a process of its own, and the workers. */
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED) {
		perror("mmap");
		return KSFT_FAIL;
	}
	return test_harness_run(argc, argv);
}
