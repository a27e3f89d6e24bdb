// SPDX-License-Identifier: GPL-2.0
/*
 * Load: many connections at once, in each of the ways that make a
 * transport protocol hold a lock, a port or memory longer than it should.
 *
 *  - timewait_many: N connections to TW_DESTS listeners left in TIME-WAIT
 *    (the module reloaded with a lifetime of 10 min plus 50 ms per
 *    connection, or TOY_STRESS_TW_MS): connect() keeps its pace as they
 *    accumulate and keeps working after, and /proc/net/toy lists them
 *    within a time linear in N.
 *  - unaccepted_and_orphans: clients beyond a full backlog, then closed
 *    sockets with data queued to a peer that never reads (its window is
 *    shut): the listener's children are bounded by its backlog and their
 *    buffers by their rcvbuf, and the orphans die once their retries are
 *    spent.
 *  - syn_flood: SYNs from random spoofed addresses (the fake peer of
 *    peer.h on the network of toy_fsm.c) while a real client keeps
 *    connecting: its connects succeed within TOY_IO_MS, and the listener's
 *    children stay bounded by its backlog.
 *  - connect_accept_loop: one thread connects and closes, another accepts
 *    and closes, round after round (accept() owns the listener now and
 *    then, so some SYNs wait in its backlog).
 *  - listener_owned_storm: the same, with a third thread calling
 *    getsockopt(SOL_TOY) on the listener without pause: most SYNs then
 *    meet an owned listener and create their child from its backlog, in
 *    process context. In both, every round connects within the deadline,
 *    every connection is accepted, and no socket is left after.
 *  - timers_while_owned: a retransmission timer that keeps expiring while
 *    another thread owns the socket: its work is deferred to release_sock()
 *    and done there, and the timer outlives the owner.
 *  - delack_while_owned: the same for the delayed-ACK timer: a deferred
 *    delayed ACK is sent from release_sock(), never lost.
 *  - ipver_race: four threads race to bind or connect one socket, in
 *    IPv4 and in IPv6: it ends in one version, by its name and by the
 *    /proc file that lists it.
 *  - rmmod_after: with everything closed the module unloads, and is loaded
 *    again the way run_tests.sh loads it.
 * The two cases that may hang the kernel run last but one, so that the
 * others have reported by then.
 *
 * Memory is counted in sockets: /proc/net/toy's rows, and the active
 * objects of the TOY slab cache when /proc/slabinfo shows it (boot with
 * slab_nomerge, as vm-check.sh does).
 *
 * Each case prints its figures (rates, times, peaks). Sizes are the
 * `make check` ones; TOY_STRESS_SCALE=F (or --scale=F) multiplies them
 * (0.25 for the debug kernel, 10 for the long form: 30000 TIME-WAIT, 200000
 * SYNs), and TOY_STRESS_ROUNDS, _TIMEWAIT, _ORPHANS, _SYNS, _FLOOD_MS (or
 * --rounds=N ...) set one each. TOY_STRESS_TW_MS=60000 runs timewait_many
 * with the default TIME-WAIT lifetime, which holds only while connections
 * are made faster than they expire. TOY_STRESS_SEED (--seed=N) fixes the
 * flood's addresses; the seed in use is printed. Deadlines, and the
 * harness' timeouts, grow with the sizes.
 *
 * Runs as root in the VM: it reloads toy.ko from $TOY_KO (default
 * /toy/toy.ko) and always leaves it loaded with timewait_ms=200.
 */
#define _GNU_SOURCE
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <sys/resource.h>

#include "toy_test.h"
#include "states.h"
#include "peer.h"
#include "toy_harness.h"

#define PARAMS		"/sys/module/toy/parameters/"
#define TW_TEST_MS	200	/* what run_tests.sh loads the module with */
/*
 * timewait_many's TIME-WAIT: none may expire while the case runs (30000
 * connections take 12 s under TCG on an idle host, but a debug kernel or
 * a busy host is 50 times slower: longer than the default 60 s lifetime),
 * and toyss -K ends them after.
 */
#define TW_LONG_MS	600000
/* ms per connection added to it: every one must outlive making the rest */
#define TW_PER_CONN_MS	50
/*
 * Listeners timewait_many connects to, in turn: the 4-tuples to one of
 * them are as many as ip_local_port_range's ports (28232 by default), and
 * the long form makes 30000.
 */
#define TW_DESTS	4
#define IDLE_MS		15000	/* earlier sockets are gone */
#define UNLOAD_MS	10000	/* rmmod once nothing holds the module */

#define BACKLOG		16	/* unaccepted_and_orphans: the full listener */
#define FLOOD_BACKLOG	128	/* syn_flood: a listener as servers set it */
/*
 * syn_flood: the real client's patience, five SYNs (at 0, 1, 3, 7 and
 * 15 s). Without syncookies a SYN gets in only when an embryo has aged,
 * and the flood takes most of those: on a debug kernel beside a busy host
 * one connect in 38 once needed more than the four SYNs of 10 s.
 */
#define FLOOD_CONNECT_MS	20000
#define ORPHAN_MS	20000	/* an orphan's retries are spent by then */
#define SLAB_SLACK	16	/* sockets freed after an RCU grace period */
/*
 * The backlog check reads the queue lengths without a lock, as TCP's
 * does: SYNs handled on other CPUs at the same moment may each pass it.
 */
#define RACE_SLACK	((int)sysconf(_SC_NPROCESSORS_ONLN) - 1)
/* Spoofed sources: 198.18.0.0/15 (RFC 2544), routed to the peer. */
#define FLOOD_NET	0xc6120000U
#define FLOOD_MASK	0x0001ffffU
#define FLOOD_ROUTE	"198.18.0.0/15"

/* ---- sizes ---------------------------------------------------------------- */

static struct {
	double scale;
	long rounds;		/* connect/accept rounds of the two loops */
	long timewait;		/* TIME-WAIT sockets */
	long clients;		/* clients of the full listener */
	long orphans;
	long syns;
	long flood_ms;		/* the flood is spread over this long */
	long tw_ms;		/* timewait_ms for timewait_many, 0: long */
	unsigned int seed;
} cfg;

static long env_long(const char *name, long dflt)
{
	const char *v = getenv(name);

	return v && *v ? strtol(v, NULL, 0) : dflt;
}

static long scaled(long n)
{
	n = (long)(n * cfg.scale);
	return n > 0 ? n : 1;
}

static void cfg_init(void)
{
	const char *s = getenv("TOY_STRESS_SCALE");

	cfg.scale = s && *s ? strtod(s, NULL) : 1.0;
	if (!(cfg.scale > 0))
		cfg.scale = 1.0;
	cfg.rounds = env_long("TOY_STRESS_ROUNDS", scaled(2000));
	cfg.timewait = env_long("TOY_STRESS_TIMEWAIT", scaled(3000));
	cfg.clients = 4 * BACKLOG;
	cfg.orphans = env_long("TOY_STRESS_ORPHANS", scaled(16));
	cfg.syns = env_long("TOY_STRESS_SYNS", scaled(20000));
	cfg.flood_ms = env_long("TOY_STRESS_FLOOD_MS", 6000);
	cfg.tw_ms = env_long("TOY_STRESS_TW_MS", 0);
	cfg.seed = env_long("TOY_STRESS_SEED", time(NULL) ^ (getpid() << 16));
}

/*
 * --scale=F, --rounds=N, --timewait=N, --orphans=N, --syns=N,
 * --flood-ms=N, --tw-ms=N, --seed=N: the environment variables by another
 * name.
 * They are taken out of argv, which the harness parses after us.
 */
static int cfg_options(int argc, char **argv)
{
	static const char * const opts[][2] = {
		{ "--scale=", "TOY_STRESS_SCALE" },
		{ "--rounds=", "TOY_STRESS_ROUNDS" },
		{ "--timewait=", "TOY_STRESS_TIMEWAIT" },
		{ "--orphans=", "TOY_STRESS_ORPHANS" },
		{ "--syns=", "TOY_STRESS_SYNS" },
		{ "--flood-ms=", "TOY_STRESS_FLOOD_MS" },
		{ "--tw-ms=", "TOY_STRESS_TW_MS" },
		{ "--seed=", "TOY_STRESS_SEED" },
	};
	int i, j, n = 1;

	for (i = 1; i < argc; i++) {
		for (j = 0; j < (int)ARRAY_SIZE(opts); j++) {
			size_t len = strlen(opts[j][0]);

			if (!strncmp(argv[i], opts[j][0], len)) {
				setenv(opts[j][1], argv[i] + len, 1);
				break;
			}
		}
		if (j == (int)ARRAY_SIZE(opts))
			argv[n++] = argv[i];
	}
	argv[n] = NULL;
	return n;
}

/* ---- clocks and figures ----------------------------------------------------- */

static long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000L + ts.tv_nsec / 1000L;
}

static double per_s(long n, long ms)
{
	return ms > 0 ? n * 1000.0 / ms : 0;
}

/*
 * Active objects of the "TOY" slab cache (proto_register() makes one for
 * struct toy_sock): every socket the module holds, closed ones included
 * until they are freed. -1 if /proc/slabinfo does not list it (the cache
 * may be merged with another one of the same size) or under KASAN.
 */
static long toy_slab(void)
{
	char line[512], name[64];
	static int kasan = -1;
	long active = -1, a;
	FILE *f;

	/*
	 * KASAN keeps freed objects in quarantine, still active for the
	 * slab: the count then says nothing about what the module holds.
	 */
	if (kasan < 0)
		kasan = !toy_sh("grep -q ' kasan_report$' /proc/kallsyms");
	if (kasan)
		return -1;
	f = fopen("/proc/slabinfo", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%63s %ld", name, &a) == 2 &&
		    !strcmp(name, "TOY"))
			active = a;
	fclose(f);
	return active;
}

/* MemAvailable in KiB, for the logs. */
static long mem_avail_kb(void)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char line[256];
	long kb = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "MemAvailable: %ld", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

/*
 * The "TOY:" line of /proc/net/sockstat (as TCP's: inuse, orphan, tw,
 * alloc, mem), once the module accounts its memory; "" until then.
 */
static const char *sockstat_line(char *buf, size_t len)
{
	FILE *f = fopen("/proc/net/sockstat", "r");
	char line[256];

	snprintf(buf, len, "no TOY line in /proc/net/sockstat");
	if (!f)
		return buf;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "TOY:", 4)) {
			line[strcspn(line, "\n")] = 0;
			snprintf(buf, len, "%s", line);
		}
	fclose(f);
	return buf;
}

/* ---- /proc/net/toy, any number of rows ---------------------------------- */

/* What /proc/net/toy says about listener port @port and its connections. */
struct scan {
	int rows;		/* every row */
	int state[16];		/* every row, by state */
	int backlog;		/* the listener's accept queue, -1 if none */
	int children;		/* local port @port, not the listener */
	int syn_recv;		/* of those, in SYN_RECV */
	long child_rx;		/* their Recv-Q, bytes */
	int clients;		/* remote port @port */
	int client_state[16];
	long client_tx;		/* their Send-Q, bytes */
};

/* Fills *s for @port (-1: the totals only); returns the rows, or -1. */
static int scan(int port, struct scan *s)
{
	FILE *f = fopen("/proc/net/toy", "r");
	char line[512];
	struct toy_row r;

	memset(s, 0, sizeof(*s));
	s->backlog = -1;
	if (!f)
		return -1;
	if (!fgets(line, sizeof(line), f)) {	/* header */
		fclose(f);
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		if (toy_row_parse(line, &r))
			continue;
		s->rows++;
		s->state[r.state & 15]++;
		if (port < 0)
			continue;
		if (r.lport == port && r.state == TOY_ST_LISTEN) {
			s->backlog = r.rx_queue;
		} else if (r.lport == port) {
			s->children++;
			s->syn_recv += r.state == TOY_ST_SYN_RECV;
			s->child_rx += r.rx_queue;
		} else if (r.rport == port) {
			s->clients++;
			s->client_state[r.state & 15]++;
			s->client_tx += r.tx_queue;
		}
	}
	fclose(f);
	return s->rows;
}

/* "3 TIME_WAIT, 1 LISTEN": the rows left, for messages. */
static const char *rows_left(char *buf, size_t len)
{
	struct scan s;
	size_t n = 0;
	int i;

	buf[0] = 0;
	if (scan(-1, &s) < 0)
		return "no /proc/net/toy";
	for (i = 0; i < 16; i++)
		if (s.state[i])
			n += snprintf(buf + n, len - n, "%s%d %s", n ? ", " : "",
				      s.state[i], toy_state_names(i)->kernel);
	return n ? buf : "none";
}

/*
 * Reads /proc/net/toy up to @max rows, 8 KiB (64 rows) a read(); returns
 * microseconds.
 */
static long proc_read_once(int max, int *rows)
{
	static char buf[8192];
	long t0 = now_us();
	int fd, lines = 0;
	ssize_t n, i;

	fd = open("/proc/net/toy", O_RDONLY);
	if (fd < 0)
		return -1;
	while (lines <= max && (n = read(fd, buf, sizeof(buf))) > 0)
		for (i = 0; i < n; i++)
			lines += buf[i] == '\n';
	close(fd);
	*rows = lines - 1;	/* the header */
	return now_us() - t0;
}

/*
 * The fastest of five reads of the first @small rows (*small_us) and of
 * all of them (the return value), taken in turns: the two figures are
 * compared, and a loaded host slows a whole stretch of reads at once.
 */
static long proc_read_us(int small, long *small_us, int *small_rows, int *rows)
{
	long best = -1, us;
	int pass;

	*small_us = -1;
	for (pass = 0; pass < 5; pass++) {
		us = proc_read_once(small, small_rows);
		if (us >= 0 && (*small_us < 0 || us < *small_us))
			*small_us = us;
		us = proc_read_once(INT_MAX, rows);
		if (us >= 0 && (best < 0 || us < best))
			best = us;
		if (best > 2000000)	/* seconds a read: no need for more */
			break;
	}
	return best;
}

/* ---- the module ------------------------------------------------------------ */

static const char *ko_path(void)
{
	const char *ko = getenv("TOY_KO");

	return ko && *ko ? ko : "/toy/toy.ko";
}

static int ko_available(void)
{
	return !access(ko_path(), R_OK);
}

static int mod_loaded(void)
{
	return !access("/sys/module/toy", F_OK);
}

static int tw_param(void)
{
	return toy_read_int(PARAMS "timewait_ms", -1);
}

/* rmmod, retried until @max_ms: closing sockets still hold the module. */
static int mod_unload(int max_ms)
{
	long end = toy_now_ms() + max_ms;

	while (toy_sh("rmmod toy") && mod_loaded()) {
		if (toy_now_ms() >= end)
			return -1;
		toy_sleep_ms(100);
	}
	return 0;
}

static int mod_load(const char *params)
{
	char cmd[384];

	snprintf(cmd, sizeof(cmd), "insmod %s %s", ko_path(), params);
	return toy_sh(cmd) ? -1 : 0;
}

/* Destroys every AF_TOY socket of this namespace, as ss -K would. */
static void kill_all(void)
{
	const char *bin = getenv("TOY_BIN_DIR");
	char cmd[384];

	snprintf(cmd, sizeof(cmd), "%s/toyss -K -a",
		 bin && *bin ? bin : "/toy/bin");
	if (toy_sh(cmd))
		toy_sh("toyss -K -a");
}

/* Back to what the other tests expect: loaded, TIME-WAIT of 200 ms. */
static int mod_restore(void)
{
	char params[64];

	if (mod_loaded() && tw_param() == TW_TEST_MS)
		return 0;
	if (!ko_available())
		return mod_loaded() ? 0 : -1;
	if (mod_loaded()) {
		kill_all();
		toy_wait_idle(IDLE_MS);
		if (mod_unload(UNLOAD_MS))
			return -1;
	}
	snprintf(params, sizeof(params), "timewait_ms=%d", TW_TEST_MS);
	return mod_load(params);
}

/* ---- the fixture ----------------------------------------------------------- */

FIXTURE(stress) {
	struct toy_peer p;	/* syn_flood's network, when ns_a >= 0 */
	int ns_orig, ns_a;
	int lfd;
};

FIXTURE_SETUP(stress)
{
	char buf[256];

	self->p.fd = -1;
	self->ns_orig = -1;
	self->ns_a = -1;
	self->lfd = -1;
	ASSERT_EQ(0, mod_restore())
		TH_LOG("toy.ko not loaded with timewait_ms=%d (%s)", TW_TEST_MS,
		       ko_path());
	ASSERT_EQ(0, toy_wait_idle(IDLE_MS))
		TH_LOG("sockets of earlier tests left: %s",
		       rows_left(buf, sizeof(buf)));
}

FIXTURE_TEARDOWN(stress)
{
	toy_close(&self->lfd);
	if (self->ns_a >= 0) {
		/* The flood's children and clients, before their network goes. */
		kill_all();
		toy_wait_idle(IDLE_MS);
		peer_close(&self->p);
		/* The network outlives the case (peer_net.c): as it was. */
		toy_sh("ip -n " NS_A " route del " FLOOD_ROUTE);
		peer_netns_close(self->ns_orig, self->ns_a);
	}
	if (self->ns_orig >= 0)
		close(self->ns_orig);
	kill_all();
	toy_wait_idle(IDLE_MS);
	mod_restore();
}

/* ---- timewait_many ------------------------------------------------------- */

/* One connection to @port of listener @lfd that the client closes first. */
static int tw_round(int lfd, int port)
{
	int c = toy_socket(), s, err = 0;
	ssize_t n;
	char b;

	if (c < 0)
		return errno;
	if (toy_connect(c, TOY_LO, port)) {
		err = errno;
		close(c);
		return err;
	}
	s = toy_accept(lfd);
	if (s < 0) {
		err = errno;
		close(c);
		return err;
	}
	close(c);
	/* Its FIN first: the client, not the server, ends in TIME-WAIT. */
	n = recv(s, &b, 1, 0);
	if (n)
		err = n < 0 ? errno : EPROTO;
	close(s);
	return err;
}

/* The clients in TIME-WAIT with a remote port of @port[]. */
static long tw_clients(const int *port)
{
	long sum = 0;
	struct scan s;
	int i;

	for (i = 0; i < TW_DESTS; i++)
		if (scan(port[i], &s) >= 0)
			sum += s.client_state[TOY_ST_TIME_WAIT];
	return sum;
}

/*
 * Reading N rows may cost 200 ms plus 100 us a row (TCG reads one in
 * ~10 us), and all N rows at most READ_GROWTH times the first N / 8: 8 if
 * the cost is linear, up to 64 if each row walks the table from its
 * start. An O(N^2) listing still reads 3000 rows in well under a second
 * (0.1 to 0.3 s under TCG, 25 to 75 times the first 375 rows), so at the
 * `make check` size the growth, not the time, tells them apart.
 */
#define READ_BASE_US	200000L
#define READ_ROW_US	100L
#define READ_GROWTH	16.0
#define READ_MIN_ROWS	200	/* the smaller listing, for a growth figure */

TEST_F(stress, timewait_many)
{
	long n = cfg.timewait, made = 0, t0, ms, q_us = -1, us, budget;
	long tenth = n / 10 > 0 ? n / 10 : 1, t_first = 0, t_last;
	int lfd[TW_DESTS], port[TW_DESTS], lfd2 = -1, port2;
	int q_rows = 0, rows, err = 0, i;
	/*
	 * Long enough that the first connection is still in TIME-WAIT when
	 * the last is made at 20/s, which a busy emulated host may be down
	 * to. (30000 to one listener took 614 s at 49/s: once the even ports
	 * are taken, each connect() walks all of them; to four, 13 s.)
	 */
	long long_ms = cfg.tw_ms ? cfg.tw_ms : TW_LONG_MS + n * TW_PER_CONN_MS;
	char buf[256];

	if (tw_param() < long_ms || (cfg.tw_ms && tw_param() != long_ms)) {
		char params[64];

		if (!ko_available())
			SKIP(return, "TIME-WAIT lasts %d ms, and no %s to reload the module with",
			     tw_param(), ko_path());
		ASSERT_EQ(0, mod_unload(UNLOAD_MS));
		snprintf(params, sizeof(params), "timewait_ms=%ld", long_ms);
		ASSERT_EQ(0, mod_load(params));
	}
	ASSERT_LE(long_ms, tw_param());
	for (i = 0; i < TW_DESTS; i++) {
		lfd[i] = toy_listener(TOY_LO, 128, &port[i]);
		ASSERT_LE(0, lfd[i]);
	}
	self->lfd = lfd[0];
	lfd2 = toy_listener(TOY_LO, 8, &port2);
	ASSERT_LE(0, lfd2);

	t0 = toy_now_ms();
	t_last = t0;
	while (made < n) {
		err = tw_round(lfd[made % TW_DESTS], port[made % TW_DESTS]);
		if (err)
			break;
		made++;
		if (made == tenth)
			t_first = toy_now_ms() - t0;
		if (made == n - tenth)
			t_last = toy_now_ms();
	}
	ms = toy_now_ms() - t0;
	TH_LOG("%ld of %ld connections closed into TIME-WAIT in %ld ms (%.0f/s; the first %ld at %.0f/s, the last %ld at %.0f/s)",
	       made, n, ms, per_s(made, ms), tenth, per_s(tenth, t_first),
	       tenth, per_s(tenth, toy_now_ms() - t_last));
	EXPECT_EQ(n, made)
		TH_LOG("connection %ld failed: %s (%ld are held in TIME-WAIT)",
		       made + 1, strerror(err), made);

	/* The last server FINs are acknowledged: every client is in TIME-WAIT. */
	t0 = toy_now_ms();
	while (tw_clients(port) < made && toy_now_ms() - t0 < 10000)
		toy_sleep_ms(20);
	ASSERT_EQ(made, tw_clients(port))
		TH_LOG("rows: %s", rows_left(buf, sizeof(buf)));

	us = proc_read_us(made / 8, &q_us, &q_rows, &rows);
	ASSERT_LE(made, rows);
	budget = READ_BASE_US + READ_ROW_US * rows;
	TH_LOG("reading /proc/net/toy: the first %d rows in %ld us, all %d in %ld us (x%.1f for x%.1f rows)",
	       q_rows, q_us, rows, us, q_us > 0 ? (double)us / q_us : 0,
	       q_rows > 0 ? (double)rows / q_rows : 0);
	TH_LOG("%s; MemAvailable %ld KiB; TOY slab %ld objects", sockstat_line(buf, sizeof(buf)),
	       mem_avail_kb(), toy_slab());
	EXPECT_GE(budget, us)
		TH_LOG("reading %d rows took %ld ms, more than %ld ms",
		       rows, us / 1000, budget / 1000);
	if (q_rows >= READ_MIN_ROWS && q_us > 0)
		EXPECT_GE(READ_GROWTH * q_us * rows / (8.0 * q_rows), (double)us)
			TH_LOG("%.1f times the rows took %.1f times as long: the listing is quadratic (each row walks the table from its start)",
			       (double)rows / q_rows, (double)us / q_us);

	/* connect() still works: to the same listener, and to another one. */
	t0 = toy_now_ms();
	err = tw_round(lfd[0], port[0]);
	EXPECT_EQ(0, err) TH_LOG("connect() after %ld TIME-WAIT: %s", made, strerror(err));
	err = tw_round(lfd2, port2);
	EXPECT_EQ(0, err) TH_LOG("connect() to another port after %ld TIME-WAIT: %s",
				 made, strerror(err));
	TH_LOG("two more connections in %ld ms", toy_now_ms() - t0);

	close(lfd2);
	for (i = 1; i < TW_DESTS; i++)
		close(lfd[i]);
	toy_close(&self->lfd);
	t0 = toy_now_ms();
	kill_all();
	/* Each destroy walks the table: ~0.2 ms a socket at 3000 under TCG. */
	ASSERT_EQ(0, toy_wait_idle(IDLE_MS + 5 * (int)n))
		TH_LOG("toyss -K left: %s", rows_left(buf, sizeof(buf)));
	TH_LOG("toyss -K destroyed them in %ld ms", toy_now_ms() - t0);
}

/* ---- unaccepted_and_orphans ------------------------------------------------- */

/* Writes until the socket takes no more (EAGAIN); returns the bytes. */
static long fill(int fd, long cap)
{
	static char buf[65536];
	long total = 0;
	ssize_t n;

	while (total < cap) {
		n = send(fd, buf, sizeof(buf), MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		total += n;
	}
	return total;
}

static int estab(int fd)
{
	struct toy_info ti;

	return !toy_get_info(fd, &ti) && ti.state == TOY_ST_ESTABLISHED;
}

/*
 * More clients than the backlog: the children (SYN_RECV and waiting to be
 * accepted) never exceed backlog + 1 (and RACE_SLACK), whatever the
 * clients' SYNs do, and what the clients send them is bounded by their
 * receive buffers.
 */
static void unaccepted(struct __test_metadata *_metadata,
		       FIXTURE_DATA(stress) *self)
{
	long over0, slab0, slab, max_slab = -1, end, sent = 0, max_rx = 0;
	int i, m = cfg.clients, port, rcvbuf, est = 0, r;
	int max_children = 0, max_backlog = 0;
	socklen_t len = sizeof(rcvbuf);
	int *fds = calloc(m, sizeof(*fds));
	struct scan s;

	ASSERT_NE(NULL, fds);
	self->lfd = toy_listener(TOY_LO, BACKLOG, &port);
	ASSERT_LE(0, self->lfd);
	ASSERT_EQ(0, getsockopt(self->lfd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, &len));
	over0 = toy_stat("ListenOverflows");
	slab0 = toy_slab();

	/* Their SYNs come back every 100 ms: the queue stays under pressure. */
	for (i = 0; i < m; i++) {
		fds[i] = toy_socket_flags(SOCK_NONBLOCK);
		ASSERT_LE(0, fds[i]);
		ASSERT_EQ(0, toy_set_int(fds[i], SOL_TOY, TOY_RTO_MIN, 50));
		ASSERT_EQ(0, toy_set_int(fds[i], SOL_TOY, TOY_RTO_MAX, 100));
		ASSERT_EQ(0, toy_set_int(fds[i], SOL_TOY, TOY_SYN_RETRIES, 100));
		r = toy_connect(fds[i], TOY_LO, port);
		ASSERT_TRUE(!r || errno == EINPROGRESS) TH_LOG("connect %d: %s", i,
							       strerror(errno));
	}
	end = toy_now_ms() + 10000;
	while (scan(port, &s) >= 0 && s.backlog < BACKLOG && toy_now_ms() < end)
		toy_sleep_ms(20);
	ASSERT_LE(BACKLOG, s.backlog) TH_LOG("the accept queue holds %d of %d",
					     s.backlog, BACKLOG);
	/* An upper bound holds at every look: look for 2 s (20 SYN rounds). */
	end = toy_now_ms() + 2000;
	do {
		ASSERT_LE(0, scan(port, &s));
		if (s.children > max_children)
			max_children = s.children;
		if (s.backlog > max_backlog)
			max_backlog = s.backlog;
		slab = toy_slab();
		if (slab > max_slab)
			max_slab = slab;
		toy_sleep_ms(50);
	} while (toy_now_ms() < end);
	for (i = 0; i < m; i++)
		est += estab(fds[i]);
	TH_LOG("%d clients, backlog %d: %d established, at most %d children, accept queue %d, ListenOverflows +%lld, TOY slab %ld -> %ld",
	       m, BACKLOG, est, max_children, max_backlog,
	       toy_stat("ListenOverflows") - over0, slab0, max_slab);
	ASSERT_GE(BACKLOG + 1 + RACE_SLACK, max_children);
	ASSERT_GE(BACKLOG + 1 + RACE_SLACK, max_backlog);
	ASSERT_GE(BACKLOG + 1 + RACE_SLACK, est);
	ASSERT_LT(over0, toy_stat("ListenOverflows"));
	if (slab0 >= 0)
		ASSERT_GE(slab0 + m + BACKLOG + 1 + RACE_SLACK + SLAB_SLACK,
			  max_slab);

	/* What the established ones send stays in the children's buffers. */
	for (i = 0; i < m; i++)
		if (estab(fds[i]))
			sent += fill(fds[i], 4L << 20);
	end = toy_now_ms() + 1000;
	do {
		ASSERT_LE(0, scan(port, &s));
		if (s.child_rx > max_rx)
			max_rx = s.child_rx;
		toy_sleep_ms(50);
	} while (toy_now_ms() < end);
	TH_LOG("they sent %ld bytes; the children hold at most %ld (rcvbuf %d)",
	       sent, max_rx, rcvbuf);
	ASSERT_GE((long)(BACKLOG + 1 + RACE_SLACK) * 2 * rcvbuf, max_rx);

	for (i = 0; i < m; i++)
		close(fds[i]);
	free(fds);
	toy_close(&self->lfd);
}

/*
 * Orphans: each client fills the window of a server that never reads,
 * then closes. Its FIN waits behind the data, the window stays shut and
 * nobody will ever read: with TOY_RETRIES 3 and RTOs of 50..200 ms the
 * orphan must give up (TCP kills an orphan after tcp_orphan_retries
 * zero-window probes) well before ORPHAN_MS.
 */
static void orphaned(struct __test_metadata *_metadata,
		     FIXTURE_DATA(stress) *self)
{
	int i, k = cfg.orphans, port, *c, *sv, left;
	long sent = 0, t0, end, bytes;
	struct toy_info ti;
	char buf[256];
	struct scan s;

	c = calloc(k, sizeof(*c));
	sv = calloc(k, sizeof(*sv));
	ASSERT_TRUE(c && sv);
	self->lfd = toy_listener(TOY_LO, k + 4, &port);
	ASSERT_LE(0, self->lfd);
	for (i = 0; i < k; i++) {
		c[i] = toy_socket();
		ASSERT_LE(0, c[i]);
		ASSERT_EQ(0, toy_set_int(c[i], SOL_TOY, TOY_RETRIES, 3));
		ASSERT_EQ(0, toy_set_int(c[i], SOL_TOY, TOY_RTO_MIN, 50));
		ASSERT_EQ(0, toy_set_int(c[i], SOL_TOY, TOY_RTO_MAX, 200));
		ASSERT_EQ(0, toy_connect(c[i], TOY_LO, port))
			TH_LOG("connect %d: %s", i, strerror(errno));
		sv[i] = toy_accept(self->lfd);
		ASSERT_LE(0, sv[i]);
	}
	for (i = 0; i < k; i++)
		sent += fill(c[i], 64L << 20);
	/* The window shuts once the server's buffer is full. */
	for (i = 0; i < k; i++) {
		end = toy_now_ms() + 10000;
		while (!toy_get_info(c[i], &ti) &&
		       (ti.snd_wnd || ti.snd_una != ti.snd_nxt) &&
		       toy_now_ms() < end)
			toy_sleep_ms(20);
		ASSERT_EQ(0U, ti.snd_wnd) TH_LOG("client %d: the window never shut", i);
	}
	for (i = 0; i < k; i++)
		close(c[i]);
	ASSERT_LE(0, scan(port, &s));
	bytes = s.client_tx;
	TH_LOG("%d orphans (%d in FIN_WAIT1) hold %ld of the %ld bytes sent; %s",
	       s.clients, s.client_state[TOY_ST_FIN_WAIT1], bytes, sent,
	       sockstat_line(buf, sizeof(buf)));
	ASSERT_EQ(k, s.clients);

	t0 = toy_now_ms();
	while (scan(port, &s) >= 0 && s.clients && toy_now_ms() - t0 < ORPHAN_MS)
		toy_sleep_ms(50);
	left = s.clients;
	if (!left)
		TH_LOG("the orphans died in %ld ms", toy_now_ms() - t0);
	EXPECT_EQ(0, left)
		TH_LOG("%d of %d orphans still alive after %d ms, holding %ld bytes: zero-window probes to a peer that answers them never give up",
		       left, k, ORPHAN_MS, s.client_tx);

	/* Unread data: the servers' close resets what is left. */
	for (i = 0; i < k; i++)
		close(sv[i]);
	toy_close(&self->lfd);
	free(c);
	free(sv);
	ASSERT_EQ(0, toy_wait_idle(IDLE_MS)) TH_LOG("left: %s", rows_left(buf, sizeof(buf)));
}

TEST_F(stress, unaccepted_and_orphans)
{
	char buf[256];

	unaccepted(_metadata, self);
	ASSERT_EQ(0, toy_wait_idle(IDLE_MS)) TH_LOG("left: %s", rows_left(buf, sizeof(buf)));
	orphaned(_metadata, self);
}

/* ---- syn_flood ------------------------------------------------------------- */

struct flood {
	struct toy_peer *p;
	int lfd;
	in_addr_t addr;		/* the listener's */
	int port;
	long syns, dur_ms;
	unsigned int seed;
	atomic_int done;	/* the flood is over */
	atomic_int stop;	/* the acceptor stops */
	/* the flood */
	long sent, errs, ms;
	int first_err;
	/* the legitimate client */
	int tries, ok, first_errno;
	long max_ms, sum_ms;
	atomic_long accepted;
};

static uint32_t xorshift(uint32_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	return *x;
}

/* SYNs from random addresses and ports, spread over dur_ms. */
static void *flood_syns(void *arg)
{
	struct flood *f = arg;
	uint32_t x = f->seed ? f->seed : 1;
	long i, t0 = toy_now_ms(), ahead;

	for (i = 0; i < f->syns; i++) {
		f->p->addr = htonl(FLOOD_NET | (xorshift(&x) & FLOOD_MASK));
		f->p->port = 1024 + xorshift(&x) % 64512;
		if (peer_send(f->p, xorshift(&x), 0, TOYHDR_SYN | TOYHDR_SACKOK,
			      NULL, 0)) {
			if (!f->errs++)
				f->first_err = errno;
		} else {
			f->sent++;
		}
		if (i % 64 == 63) {
			ahead = i * f->dur_ms / f->syns - (toy_now_ms() - t0);
			if (ahead > 0)
				toy_sleep_ms(ahead);
		}
	}
	f->ms = toy_now_ms() - t0;
	atomic_store(&f->done, 1);
	return NULL;
}

/* Connects as a real client would, again and again until the flood ends. */
static void *flood_client(void *arg)
{
	struct flood *f = arg;

	do {
		int c = toy_socket(), r;
		long t0 = toy_now_ms(), ms;

		if (c < 0) {
			f->first_errno = f->first_errno ?: errno;
			break;
		}
		/*
		 * As long as a real client waits (its SYN goes again at 1,
		 * 3, 7 and 15 s): a SYN that finds only young embryos is
		 * dropped, and its retransmission evicts one that aged.
		 */
		toy_set_timeouts(c, FLOOD_CONNECT_MS);
		r = toy_connect(c, f->addr, f->port);
		ms = toy_now_ms() - t0;
		if (!r)
			f->ok++;
		else if (!f->first_errno)
			f->first_errno = errno;
		close(c);
		f->tries++;
		f->sum_ms += ms;
		if (ms > f->max_ms)
			f->max_ms = ms;
		toy_sleep_ms(100);
	} while (!atomic_load(&f->done));
	return NULL;
}

static void *flood_acceptor(void *arg)
{
	struct flood *f = arg;

	while (!atomic_load(&f->stop)) {
		int fd = accept(f->lfd, NULL, NULL);

		if (fd >= 0) {
			close(fd);
			atomic_fetch_add(&f->accepted, 1);
		} else if (errno != EAGAIN && errno != EINTR) {
			break;
		}
	}
	return NULL;
}

TEST_F_TIMEOUT(stress, syn_flood, 120)
{
	long over0, in0, slab0, slab, max_slab = -1;
	int max_children = 0, max_syn_recv = 0, err, c;
	pthread_t tf, tc, ta;
	struct flood f;
	char buf[256];
	struct scan s;

	memset(&f, 0, sizeof(f));
	self->ns_orig = open("/proc/self/ns/net", O_RDONLY);
	ASSERT_LE(0, self->ns_orig);
	err = peer_netns_open(&self->p, &self->ns_a);
	if (err > 0)
		SKIP(return, "no network namespaces or veth (modprobe veth?)");
	ASSERT_EQ(0, err) TH_LOG("peer network: %s", strerror(errno));
	/* The SYN-ACKs to the spoofed sources go to the peer, which drops them. */
	ASSERT_EQ(0, toy_sh("ip -n " NS_A " route add " FLOOD_ROUTE " via " ADDR_B));
	c = 1;
	setsockopt(self->p.fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &c, sizeof(c));

	f.p = &self->p;
	f.addr = inet_addr(ADDR_A);
	f.syns = cfg.syns;
	f.dur_ms = cfg.flood_ms;
	f.seed = cfg.seed;
	self->lfd = toy_socket();
	ASSERT_LE(0, self->lfd);
	ASSERT_EQ(0, toy_bind(self->lfd, f.addr, 0));
	ASSERT_EQ(0, listen(self->lfd, FLOOD_BACKLOG));
	f.lfd = self->lfd;
	f.port = toy_local_port(self->lfd);
	self->p.dport = f.port;
	ASSERT_EQ(0, pthread_create(&ta, NULL, flood_acceptor, &f));

	/* Before the flood, a connect succeeds. */
	c = toy_socket();
	ASSERT_LE(0, c);
	ASSERT_EQ(0, toy_connect(c, f.addr, f.port)) TH_LOG("%s", strerror(errno));
	close(c);

	over0 = toy_stat("ListenOverflows");
	in0 = toy_stat("InSegs");
	slab0 = toy_slab();
	ASSERT_EQ(0, pthread_create(&tf, NULL, flood_syns, &f));
	ASSERT_EQ(0, pthread_create(&tc, NULL, flood_client, &f));
	/* Children and sockets stay bounded at every look. */
	while (!atomic_load(&f.done)) {
		ASSERT_LE(0, scan(f.port, &s));
		if (s.children > max_children)
			max_children = s.children;
		if (s.syn_recv > max_syn_recv)
			max_syn_recv = s.syn_recv;
		slab = toy_slab();
		if (slab > max_slab)
			max_slab = slab;
		toy_sleep_ms(100);
	}
	pthread_join(tf, NULL);
	pthread_join(tc, NULL);
	atomic_store(&f.stop, 1);
	shutdown(self->lfd, SHUT_RDWR);	/* wakes the acceptor */
	pthread_join(ta, NULL);

	TH_LOG("seed %u: %ld SYNs from %s sent in %ld ms (%.0f/s, %ld send errors%s%s), InSegs +%lld, ListenOverflows +%lld",
	       f.seed, f.sent, FLOOD_ROUTE, f.ms, per_s(f.sent, f.ms), f.errs,
	       f.errs ? ": " : "", f.errs ? strerror(f.first_err) : "",
	       toy_stat("InSegs") - in0, toy_stat("ListenOverflows") - over0);
	TH_LOG("backlog %d: at most %d children (%d SYN_RECV); TOY slab %ld -> %ld; MemAvailable %ld KiB",
	       FLOOD_BACKLOG, max_children, max_syn_recv, slab0, max_slab,
	       mem_avail_kb());
	TH_LOG("the real client: %d of %d connects succeeded, slowest %ld ms, mean %ld ms%s%s",
	       f.ok, f.tries, f.max_ms, f.tries ? f.sum_ms / f.tries : 0,
	       f.first_errno ? ", first error: " : "",
	       f.first_errno ? strerror(f.first_errno) : "");

	ASSERT_LT(over0 + FLOOD_BACKLOG, toy_stat("ListenOverflows"))
		TH_LOG("the flood never filled the queue");
	/* The real client's children and sockets come on top. */
	ASSERT_GE(FLOOD_BACKLOG + 1 + RACE_SLACK + f.tries, max_children);
	/*
	 * Evicted children (SynEvictions) wait for an RCU grace period
	 * before their memory goes: up to one more backlog of them.
	 */
	if (slab0 >= 0)
		ASSERT_GE(slab0 + 2 * (FLOOD_BACKLOG + 1) + RACE_SLACK +
			  2 * f.tries + SLAB_SLACK, max_slab);
	EXPECT_EQ(f.tries, f.ok)
		TH_LOG("spoofed SYNs keep the queue full: the oldest embryos should make room (SynEvictions)");

	toy_close(&self->lfd);
	kill_all();
	ASSERT_EQ(0, toy_wait_idle(IDLE_MS)) TH_LOG("left: %s", rows_left(buf, sizeof(buf)));
}

/* ---- the connect/accept loops ---------------------------------------------- */

struct storm {
	int lfd, port;
	long rounds, deadline;
	atomic_int stop;
	atomic_long connected, accepted, owned;
	long fail_round;
	int fail_errno;
	const char *fail_what;
};

/* getsockopt() on the listener without pause: each call owns it briefly. */
static void *storm_owner(void *arg)
{
	struct storm *st = arg;
	struct toy_info ti;

	while (!atomic_load(&st->stop)) {
		toy_get_info(st->lfd, &ti);
		toy_get_int(st->lfd, SOL_TOY, TOY_NODELAY);
		atomic_fetch_add(&st->owned, 2);
	}
	return NULL;
}

static void *storm_client(void *arg)
{
	struct storm *st = arg;
	long i;

	for (i = 0; i < st->rounds; i++) {
		int fd;

		if (toy_now_ms() > st->deadline) {
			st->fail_what = "deadline";
			break;
		}
		fd = toy_socket();
		if (fd < 0) {
			st->fail_what = "socket";
			st->fail_errno = errno;
			break;
		}
		if (toy_connect(fd, TOY_LO, st->port)) {
			st->fail_what = "connect";
			st->fail_errno = errno;
			close(fd);
			break;
		}
		close(fd);
		atomic_fetch_add(&st->connected, 1);
	}
	st->fail_round = i;
	return NULL;
}

static void *storm_acceptor(void *arg)
{
	struct storm *st = arg;

	while (!atomic_load(&st->stop)) {
		int fd = accept(st->lfd, NULL, NULL);

		if (fd >= 0) {
			close(fd);
			atomic_fetch_add(&st->accepted, 1);
		} else if (errno != EAGAIN && errno != EINTR) {
			break;
		}
	}
	return NULL;
}

/* Rounds of connect+close against accept+close; @owner adds getsockopt(). */
static void storm_run(struct __test_metadata *_metadata,
		      FIXTURE_DATA(stress) *self, int owner)
{
	pthread_t tc, ta, to;
	long t0, ms, end;
	struct storm st;
	char buf[256];

	memset(&st, 0, sizeof(st));
	st.rounds = cfg.rounds;
	self->lfd = toy_listener(TOY_LO, 1024, &st.port);
	ASSERT_LE(0, self->lfd);
	st.lfd = self->lfd;
	t0 = toy_now_ms();
	/* 30 ms a round: ~10 times what TCG needs. */
	st.deadline = t0 + 20000 + 30 * st.rounds;
	ASSERT_EQ(0, pthread_create(&ta, NULL, storm_acceptor, &st));
	if (owner)
		ASSERT_EQ(0, pthread_create(&to, NULL, storm_owner, &st));
	ASSERT_EQ(0, pthread_create(&tc, NULL, storm_client, &st));
	pthread_join(tc, NULL);
	ms = toy_now_ms() - t0;
	end = toy_now_ms() + 5000;
	while (atomic_load(&st.accepted) < atomic_load(&st.connected) &&
	       toy_now_ms() < end)
		toy_sleep_ms(10);
	atomic_store(&st.stop, 1);
	shutdown(self->lfd, SHUT_RDWR);	/* wakes the acceptor */
	pthread_join(ta, NULL);
	if (owner)
		pthread_join(to, NULL);
	toy_close(&self->lfd);

	TH_LOG("%ld of %ld rounds in %ld ms (%.0f/s), %ld accepted, %ld getsockopt() calls",
	       atomic_load(&st.connected), st.rounds, ms,
	       per_s(atomic_load(&st.connected), ms), atomic_load(&st.accepted),
	       atomic_load(&st.owned));
	ASSERT_EQ(st.rounds, atomic_load(&st.connected))
		TH_LOG("round %ld: %s%s%s", st.fail_round + 1, st.fail_what,
		       st.fail_errno ? ": " : "",
		       st.fail_errno ? strerror(st.fail_errno) : "");
	ASSERT_EQ(atomic_load(&st.connected), atomic_load(&st.accepted));
	ASSERT_EQ(0, toy_wait_idle(IDLE_MS)) TH_LOG("left: %s", rows_left(buf, sizeof(buf)));
}

TEST_F(stress, connect_accept_loop)
{
	storm_run(_metadata, self, 0);
}

TEST_F(stress, listener_owned_storm)
{
	storm_run(_metadata, self, 1);
}

/* ---- timers_while_owned ---------------------------------------------------- */

struct owner {
	int fd;
	atomic_int stop;
	atomic_long calls;
};

/* getsockopt() on a connecting socket without pause: it is owned often. */
static void *timer_owner(void *arg)
{
	struct owner *o = arg;
	struct toy_info ti;

	while (!atomic_load(&o->stop)) {
		toy_get_info(o->fd, &ti);
		atomic_fetch_add(&o->calls, 1);
	}
	return NULL;
}

/* Polls until the socket has retransmitted its SYN at least n times. */
static int wait_retransmits(int fd, unsigned int n, int max_ms)
{
	long end = toy_now_ms() + max_ms;
	struct toy_info ti;

	while (!toy_get_info(fd, &ti) && ti.state == TOY_ST_SYN_SENT) {
		if (ti.retransmits >= n)
			return 0;
		if (toy_now_ms() >= end)
			break;
		toy_sleep_ms(10);
	}
	return -1;
}

/*
 * A SYN retransmitted every 200 ms to an address where it vanishes, while
 * another thread keeps the socket owned: expiries that find it owned are
 * deferred to release_sock() (TimersDeferred), and the deferred work runs
 * there, so the SYN goes on being retransmitted while the owner hammers;
 * and when the owner stops, the timer is still armed: no expiry was lost
 * to the deferral, and none re-armed over another.
 */
TEST_F(stress, timers_while_owned)
{
	long long d0 = toy_stat("TimersDeferred");
	struct toy_info ti;
	struct owner o;
	struct toy_row r;
	pthread_t th[2];
	int port, err, i;

	if (toy_dummy_setup())
		SKIP(return, "cannot create dummy interface " TOY_DUMMY_IF);
	ASSERT_LE(0, d0);
	memset(&o, 0, sizeof(o));
	self->lfd = toy_socket_flags(SOCK_NONBLOCK);
	ASSERT_LE(0, self->lfd);
	o.fd = self->lfd;
	ASSERT_EQ(0, toy_set_int(o.fd, SOL_TOY, TOY_RTO_MIN, 200));
	ASSERT_EQ(0, toy_set_int(o.fd, SOL_TOY, TOY_RTO_MAX, 200));
	ASSERT_EQ(0, toy_set_int(o.fd, SOL_TOY, TOY_SYN_RETRIES, 127));
	ASSERT_EQ(-1, toy_connect(o.fd, inet_addr(TOY_DUMMY_PEER), 9));
	ASSERT_EQ(EINPROGRESS, errno);
	port = toy_local_port(o.fd);

	/*
	 * Two owners, one per CPU: while one holds the socket the other
	 * waits for it, so it is owned nearly all the time and an expiry
	 * finds it owned often. One owner alone left it owned so briefly
	 * on a busy host that only 2 of 98 expiries were deferred in 20 s.
	 */
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, pthread_create(&th[i], NULL, timer_owner, &o));
	err = toy_wait_stat("TimersDeferred", d0 + 3, 60000);
	ASSERT_EQ(0, toy_get_info(o.fd, &ti));
	/* the deferred expiries did their work: two more SYNs went out */
	if (!err)
		err = wait_retransmits(o.fd, ti.retransmits + 2, TOY_WAIT_MS);
	atomic_store(&o.stop, 1);
	for (i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	TH_LOG("%lld expiries deferred, %ld getsockopt() calls, %u retransmissions",
	       toy_stat("TimersDeferred") - d0, atomic_load(&o.calls),
	       ti.retransmits);
	ASSERT_EQ(0, err) TH_LOG("no deferred expiry, or no SYN after one");

	/* the owner gone, the timer goes on from where it was */
	ASSERT_EQ(0, toy_get_info(o.fd, &ti));
	EXPECT_EQ(TOY_ST_SYN_SENT, ti.state);
	EXPECT_EQ(0, wait_retransmits(o.fd, ti.retransmits + 2, TOY_WAIT_MS));
	ASSERT_EQ(1, toy_find(port, 9, &r));
	EXPECT_EQ(TOY_ST_SYN_SENT, r.state);
	EXPECT_EQ(1, r.timer) TH_LOG("retransmit timer kind");
	toy_close(&self->lfd);
	EXPECT_EQ(0, toy_wait_gone(port, 9, TOY_WAIT_MS));
}

/* ---- delack_while_owned ---------------------------------------------------- */

/*
 * One byte at a time to a receiver two threads keep owned, past its
 * sixteen quick ACKs: each byte's ACK waits for the delayed-ACK timer,
 * and an expiry that finds the receiver owned is deferred to
 * release_sock() (TimersDeferred; the receiver has no other timer
 * running). Every byte must be acknowledged well before the sender's
 * 5 s RTO could repair a lost ACK: a deferred delayed ACK is sent, not
 * dropped, and DelayedACKs counts it.
 */
TEST_F(stress, delack_while_owned)
{
	long long d0 = toy_stat("TimersDeferred");
	long long a0 = toy_stat("DelayedACKs");
	int lfd = -1, cfd = -1, sfd = -1, lport, cport, i, rounds = 0;
	struct toy_info ti;
	struct owner o;
	pthread_t th[2];
	long end, ack_by;
	int err = -1;

	ASSERT_LE(0, d0);
	ASSERT_LE(0, a0);
	ASSERT_EQ(0, toy_pair(&lfd, &cfd, &sfd, &lport, &cport));
	toy_close(&lfd);
	ASSERT_EQ(0, toy_set_int(cfd, SOL_TOY, TOY_NODELAY, 1));
	ASSERT_EQ(0, toy_set_int(cfd, SOL_TOY, TOY_RTO_MIN, 5000));
	/* the quick ACKs go first, answered at once */
	for (i = 0; i < 20; i++)
		ASSERT_EQ(1, send(cfd, "q", 1, 0));

	memset(&o, 0, sizeof(o));
	o.fd = sfd;
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, pthread_create(&th[i], NULL, timer_owner, &o));
	end = toy_now_ms() + 60000;
	while (toy_now_ms() < end) {
		if (toy_stat("TimersDeferred") >= d0 + 3) {
			err = 0;
			break;
		}
		if (send(cfd, "d", 1, 0) != 1)
			break;
		rounds++;
		ack_by = toy_now_ms() + 2500;
		while (!toy_get_info(cfd, &ti) && ti.snd_una != ti.snd_nxt &&
		       toy_now_ms() < ack_by)
			toy_sleep_ms(5);
		if (ti.snd_una != ti.snd_nxt) {
			err = -2;
			break;
		}
	}
	atomic_store(&o.stop, 1);
	for (i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	TH_LOG("%d bytes, %lld delayed ACKs, %lld expiries deferred, %ld getsockopt() calls",
	       rounds, toy_stat("DelayedACKs") - a0,
	       toy_stat("TimersDeferred") - d0, atomic_load(&o.calls));
	EXPECT_NE(-2, err) TH_LOG("byte %d was not acknowledged in 2.5 s", rounds);
	EXPECT_EQ(0, err) TH_LOG("fewer than 3 expiries deferred in 60 s");
	EXPECT_LE(d0 + 3, toy_stat("TimersDeferred"));
	EXPECT_LE(a0 + 3, toy_stat("DelayedACKs"));
	toy_close(&cfd);
	toy_close(&sfd);
	EXPECT_EQ(0, toy_wait_idle(IDLE_MS));
}

/* ---- ipver_race ------------------------------------------------------------ */

/*
 * A socket's first bind or connect fixes its IP version (toy_set_ipver(),
 * under the socket lock). Four threads race for one socket: bind to
 * 127.0.0.1, bind to ::1, connect to an IPv4 listener, connect to an IPv6
 * one; round after round, a new socket each. Whichever wins, the socket is
 * of one version: no call of the other took it (a bind that succeeded, a
 * connect that started the connection: EINPROGRESS), its name has the
 * winner's version, and its port is listed in /proc/net/toy or in
 * /proc/net/toy6 (as the winner's), never in both. A connect() that
 * returns 0 took nothing: as TCP's, it reports that a connection the
 * socket already made is up, whatever address it was given.
 */
#define RACERS	4

struct race {
	pthread_barrier_t go, done;
	int fd, lport4, lport6;
	atomic_int stop;
	int rc[RACERS], err[RACERS];
};

struct racer {
	struct race *r;
	int i;
};

static void *racer(void *arg)
{
	struct racer *me = arg;
	struct race *r = me->r;

	for (;;) {
		struct sockaddr_toy sa;
		int rc;

		pthread_barrier_wait(&r->go);
		if (atomic_load(&r->stop))
			return NULL;
		switch (me->i) {
		case 0:
			sa = toy_sa(TOY_LO, 0);
			break;
		case 1:
			sa = toy_sa6("::1", 0);
			break;
		case 2:
			sa = toy_sa(TOY_LO, r->lport4);
			break;
		default:
			sa = toy_sa6("::1", r->lport6);
			break;
		}
		rc = me->i < 2 ? bind(r->fd, (struct sockaddr *)&sa, sizeof(sa)) :
			connect(r->fd, (struct sockaddr *)&sa, sizeof(sa));
		r->rc[me->i] = rc;
		r->err[me->i] = rc ? errno : 0;
		pthread_barrier_wait(&r->done);
	}
}

/* Accept and abort whatever the (nonblocking) listener has queued. */
static void race_drain(int lfd)
{
	struct linger lg = { 1, 0 };
	int fd;

	while ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		close(fd);
	}
}

TEST_F(stress, ipver_race)
{
	long rounds = cfg.rounds / 4, n, won[2] = { 0, 0 };
	struct racer who[RACERS];
	pthread_t th[RACERS];
	struct race r;
	int l6, i;

	if (access("/proc/net/if_inet6", F_OK))
		SKIP(return, "IPv6 is disabled");
	memset(&r, 0, sizeof(r));
	self->lfd = toy_listener(TOY_LO, BACKLOG, &r.lport4);
	ASSERT_LE(0, self->lfd);
	l6 = toy_listener6("::1", BACKLOG, &r.lport6);
	ASSERT_LE(0, l6);
	ASSERT_EQ(0, fcntl(self->lfd, F_SETFL, O_NONBLOCK));
	ASSERT_EQ(0, fcntl(l6, F_SETFL, O_NONBLOCK));
	ASSERT_EQ(0, pthread_barrier_init(&r.go, NULL, RACERS + 1));
	ASSERT_EQ(0, pthread_barrier_init(&r.done, NULL, RACERS + 1));
	for (i = 0; i < RACERS; i++) {
		who[i] = (struct racer){ &r, i };
		ASSERT_EQ(0, pthread_create(&th[i], NULL, racer, &who[i]));
	}
	for (n = 0; n < rounds && !_metadata->exit_code; n++) {
		struct toy_row rows[TOY_MAX_ROWS];
		struct linger lg = { 1, 0 };
		struct sockaddr_toy name;
		socklen_t len = sizeof(name);
		int ok4, ok6, k, in4 = 0, in6 = 0, port;

		r.fd = toy_socket_flags(SOCK_NONBLOCK);
		ASSERT_LE(0, r.fd);
		pthread_barrier_wait(&r.go);
		pthread_barrier_wait(&r.done);
		ok4 = !r.rc[0] || r.err[2] == EINPROGRESS;
		ok6 = !r.rc[1] || r.err[3] == EINPROGRESS;
		EXPECT_FALSE(ok4 && ok6)
			TH_LOG("round %ld: both versions took: bind4 %d bind6 %d connect4 %d connect6 %d",
			       n, r.err[0], r.err[1], r.err[2], r.err[3]);
		ASSERT_EQ(0, getsockname(r.fd, (struct sockaddr *)&name, &len));
		port = ntohs(name.stoy_port);
		if (ok4 || ok6) {
			EXPECT_EQ(ok6 ? TOY_IPVER_6 : TOY_IPVER_4, name.stoy_ipver)
				TH_LOG("round %ld: the name's version is not the winner's",
				       n);
			won[ok6]++;
		}
		k = toy_rows(rows, TOY_MAX_ROWS);
		for (i = 0; i < k; i++)
			if (rows[i].lport == port && port != r.lport4 &&
			    port != r.lport6) {
				in6 += rows[i].v6;
				in4 += !rows[i].v6;
			}
		EXPECT_FALSE(in4 && in6)
			TH_LOG("round %ld: port %d in both /proc/net/toy and toy6",
			       n, port);
		EXPECT_TRUE(!(ok4 || ok6) || (ok6 ? in6 : in4))
			TH_LOG("round %ld: port %d not in the winner's /proc file",
			       n, port);
		setsockopt(r.fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		close(r.fd);
		race_drain(self->lfd);
		race_drain(l6);
	}
	atomic_store(&r.stop, 1);
	pthread_barrier_wait(&r.go);
	for (i = 0; i < RACERS; i++)
		pthread_join(th[i], NULL);
	TH_LOG("%ld rounds: IPv4 won %ld, IPv6 won %ld", n, won[0], won[1]);
	/* the first call always takes the fresh socket */
	EXPECT_EQ(n, won[0] + won[1]);
	close(l6);
	toy_close(&self->lfd);
	EXPECT_EQ(0, toy_wait_idle(TOY_WAIT_MS));
}

/* ---- rmmod_after ----------------------------------------------------------- */

TEST_F(stress, rmmod_after)
{
	char buf[256];
	long t0;
	int fd;

	if (!ko_available())
		SKIP(return, "no %s to load the module again", ko_path());
	t0 = toy_now_ms();
	ASSERT_EQ(0, mod_unload(UNLOAD_MS))
		TH_LOG("rmmod toy refused for %d ms with no socket left (%s): a reference leaked",
		       UNLOAD_MS, rows_left(buf, sizeof(buf)));
	ASSERT_FALSE(mod_loaded());
	TH_LOG("rmmod took %ld ms", toy_now_ms() - t0);
	ASSERT_EQ(0, mod_load("timewait_ms=200"));
	ASSERT_EQ(TW_TEST_MS, tw_param());
	fd = toy_socket();
	ASSERT_LE(0, fd) TH_LOG("socket() after the reload: %s", strerror(errno));
	close(fd);
}

/* ---- main ------------------------------------------------------------------- */

/*
 * The harness' per-test timeout (SIGALRM in the parent) is a backstop for
 * a kernel that hangs: the cases' own deadlines fire first. It grows with
 * the sizes, which are only known at run time, so it is set on the
 * harness' test list before the run.
 */
static int case_timeout(const char *name)
{
	if (!strcmp(name, "timewait_many"))
		return 120 + cfg.timewait * TW_PER_CONN_MS * 6 / 5000;
	if (!strcmp(name, "unaccepted_and_orphans"))
		return 120 + cfg.orphans;
	if (!strcmp(name, "syn_flood"))
		return 90 + cfg.flood_ms / 1000 + cfg.syns / 1000;
	if (!strcmp(name, "connect_accept_loop") ||
	    !strcmp(name, "listener_owned_storm"))
		return 60 + cfg.rounds * 40 / 1000;
	if (!strcmp(name, "timers_while_owned") ||
	    !strcmp(name, "delack_while_owned"))
		return 150;
	if (!strcmp(name, "ipver_race"))
		return 60 + cfg.rounds / 20;
	return 90;
}

int main(int argc, char **argv)
{
	struct rlimit rl = { 65536, 65536 };
	struct __fixture_metadata *f;
	struct __test_metadata *t;
	int ret;

	argc = cfg_options(argc, argv);
	cfg_init();
	setrlimit(RLIMIT_NOFILE, &rl);
	for (f = __fixture_list; f; f = f->next)
		for (t = f->tests; t; t = t->next)
			t->timeout = case_timeout(t->name);
	ret = test_harness_run(argc, argv);
	if (mod_restore()) {
		printf("# toy_stress: could not leave toy.ko loaded with timewait_ms=%d\n",
		       TW_TEST_MS);
		ret = 1;
	}
	return ret;
}
