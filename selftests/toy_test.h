/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the AF_TOY selftests, defined in toy_test.c, which
 * every test program links. Everything here returns a plain value (-1 and
 * errno on failure) so tests can ASSERT on the result; nothing depends on
 * the userspace tools.
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

long toy_now_ms(void);
void toy_sleep_ms(long ms);

/* Reads one integer from a sysfs/procfs file; dflt if it cannot. */
int toy_read_int(const char *path, int dflt);

/*
 * The family and IP protocol numbers in force. If the module is not loaded
 * the defaults are returned, and socket() then fails with EAFNOSUPPORT,
 * which the tests report as an assertion failure.
 */
int toy_family(void);
int toy_ipproto(void);

/*
 * Sets the module's timewait_ms (TIME-WAIT and orphan FIN-WAIT-2 lifetime)
 * for timers armed from now on. Returns the value it had, or -1 with errno.
 * run_tests.sh puts back 200 before each test, should one die holding it.
 */
int toy_set_timewait_ms(int ms);

/* The ephemeral port range (net.ipv4.ip_local_port_range). */
void toy_eph_range(int *lo, int *hi);

/* addr is network order (TOY_LO, inet_addr(...)), port host order. */
struct sockaddr_toy toy_sa(in_addr_t addr, uint16_t port);
/* An IPv6 name from the literal @addr ("fd00:77::1"). */
struct sockaddr_toy toy_sa6(const char *addr, uint16_t port);
int toy_set_timeouts(int fd, int ms);
int toy_set_int(int fd, int level, int opt, int val);

/* Returns the option's value, or -1 with errno set (values are >= 0). */
int toy_get_int(int fd, int level, int opt);
int toy_get_info(int fd, struct toy_info *ti);

/* socket(AF_TOY, SOCK_STREAM | flags, 0) with the I/O timeouts set. */
int toy_socket_flags(int flags);
int toy_socket(void);
int toy_bind(int fd, in_addr_t addr, uint16_t port);
int toy_connect(int fd, in_addr_t addr, uint16_t port);

/* Local port (host order) of a socket, or -1. */
int toy_local_port(int fd);

/* A listener bound to addr and an ephemeral port; *port gets the port. */
int toy_listener(in_addr_t addr, int backlog, int *port);
/* The same on the IPv6 literal @addr. */
int toy_listener6(const char *addr, int backlog, int *port);

/* accept() whose new socket also gets the I/O timeouts. */
int toy_accept(int lfd);

/*
 * An established loopback connection: *lfd listens on *lport, *cfd is the
 * client (local port *cport), *sfd the accepted server side.
 */
int toy_pair(int *lfd, int *cfd, int *sfd, int *lport,
	     int *cport);

void toy_close(int *fd);

/* Makes the next connect() give up after one SYN retransmission (~200 ms). */
int toy_fast_syn(int fd);

/* poll() one fd; returns revents (0 on timeout), -1 on error. */
int toy_poll(int fd, short events, int ms);

/* Sends / receives exactly len bytes; returns len, or -1 / short count. */
ssize_t toy_send_all(int fd, const void *buf, size_t len);
ssize_t toy_recv_all(int fd, void *buf, size_t len);

/* ---- /proc/net/toy ---------------------------------------------------- */

struct toy_row {
	uint32_t laddr;		/* as printed: the __be32 read as a u32 */
	uint32_t raddr;		/* (both 0 in a row of /proc/net/toy6) */
	int v6;			/* the row is /proc/net/toy6's */
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

/* One row of /proc/net/toy into *r: 0, or -1 if it is not one. */
int toy_row_parse(const char *line, struct toy_row *r);

/* The same for /proc/net/toy6, whose addresses are not kept. */
int toy_row_parse6(const char *line, struct toy_row *r);

/*
 * Reads up to max rows, /proc/net/toy's then /proc/net/toy6's (where IPv6
 * is up); returns the number read or -1.
 */
int toy_rows(struct toy_row *rows, int max);

#define TOY_MAX_ROWS	256

/*
 * Finds the row with this local and remote port (a listener's remote port
 * is 0; -1 matches anything). Returns 1 and fills *out, 0 if absent, -1 on
 * error.
 */
int toy_find(int lport, int rport, struct toy_row *out);

/* Rows matching the ports and, if state > 0, that state. */
int toy_count(int lport, int rport, int state);

/* Polls every 10 ms until the row shows state; 0 when it did, -1 if not. */
int toy_wait_state(int lport, int rport, int state, int max_ms);

/* Polls every 10 ms until the row's rx_queue is q; 0 or -1 on timeout. */
int toy_wait_rx_queue(int lport, int rport, uint32_t q,
		      int max_ms);

/* Polls every 10 ms until no row matches; 0 when gone, -1 if not. */
int toy_wait_gone(int lport, int rport, int max_ms);

/* Waits until /proc/net/toy is empty: earlier tests' sockets are gone. */
int toy_wait_idle(int max_ms);

/* ---- /proc/net/toy_stat ----------------------------------------------- */

#define TOY_MAX_STATS	64

struct toy_stats {
	int n;
	char name[TOY_MAX_STATS][40];
	long long val[TOY_MAX_STATS];
};

/* Parses the "Toy: names" / "Toy: values" pair by name. 0 or -1. */
int toy_stats_read(struct toy_stats *s);

/* A counter's value, or -1 if it is not there. */
long long toy_stats_get(const struct toy_stats *s,
			const char *name);

long long toy_stat(const char *name);
long long toy_stats_delta(const struct toy_stats *before,
			  const struct toy_stats *after,
			  const char *name);

/*
 * Re-reads *after every 10 ms until counter name has grown by at least
 * delta since *before; 0 when it has, -1 on timeout. *after is left with
 * the last reading, for exact checks of the other counters.
 */
int toy_stats_wait(const struct toy_stats *before,
		   struct toy_stats *after, const char *name,
		   long long delta, int max_ms);

/* Polls every 10 ms until counter name >= min; 0 or -1 on timeout. */
int toy_wait_stat(const char *name, long long min, int max_ms);

/* ---- a fuzzer's budget and seed ----------------------------------------- */

/* What a seeded, bounded run does: set it to the defaults, then parse. */
struct toy_fuzz_opts {
	unsigned long long seed;
	long iters;		/* of whatever the program counts */
	long seconds;
};

/* Parses a number >= 0 named name into *out; -1 with a message if not. */
int toy_fuzz_num(const char *name, const char *val, long long *out);
int toy_fuzz_env(const char *name, long long *out);

/*
 * Fills *o from TOY_FUZZ_SEED, TOY_FUZZ_ITERS and TOY_FUZZ_SECONDS, then
 * from --seed N, --iters N and --seconds N, which it takes out of argv so
 * that the rest goes to the harness; with no seed, one from the clock
 * (printed by the caller, so that the run can be replayed). Returns the new
 * argc, or -1 on a bad value.
 */
int toy_fuzz_args(int argc, char **argv, struct toy_fuzz_opts *o);

/*
 * A line on the kernel's console too, "<prog>: ...": run_tests.sh shows a
 * program's output only once it has exited, and when the kernel dies first
 * the console is all that is left to tell the seed or the progress.
 */
void toy_kmsg(const char *prog, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* ---- environment -------------------------------------------------------- */

/* Runs a shell command quietly; returns its exit status (or -1). */
int toy_sh(const char *cmd);

/*
 * Brings up toy0 (dummy) with 10.66.0.1/24: 10.66.0.2 is then routable but
 * every segment sent to it vanishes, which is how tests provoke SYN_SENT
 * and ETIMEDOUT. Idempotent; returns 0 when the address is configured.
 */
int toy_dummy_setup(void);

/*
 * Whether the main routing table has a route covering addr (network
 * order). Used to find out if a connect() there must fail ENETUNREACH.
 */
int toy_has_route(in_addr_t addr);

#endif /* TOY_TEST_H */
