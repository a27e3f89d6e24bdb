// SPDX-License-Identifier: GPL-2.0
/*
 * Host-side unit test for libtoy and toyss: address parsing, the
 * /proc/net/toy and /proc/net/toy_stat parsers, and toyss's exact output
 * on the fixtures in testdata/ (golden files in testdata/golden/).
 *
 * Run from userspace/ (make test). UPDATE_GOLDEN=1 rewrites the golden
 * files from the current toyss instead of comparing: review the diff.
 * Ends with "N passed, N failed"; exits 1 if anything failed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "libtoy.h"

#define TESTDATA	"testdata"
#define TOYSS		"./toyss"

static int passed, failed;

static void check(bool ok, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void check(bool ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s: ", ok ? "ok" : "FAIL");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	if (ok)
		passed++;
	else
		failed++;
}

/* ---- toy_addr_parse / toy_addr_str / toy_state_name ------------------- */

static void test_addr_valid(const char *host, const char *port,
			    const char *want_ip, unsigned int want_port)
{
	struct sockaddr_toy sa, zero;
	struct in_addr in;
	char buf[TOY_ADDRSTRLEN], want[TOY_ADDRSTRLEN];
	int r;

	memset(&sa, 0xa5, sizeof(sa));
	r = toy_addr_parse(host, port, &sa);
	inet_pton(AF_INET, want_ip, &in);
	memset(&zero, 0, sizeof(zero));
	check(r == 0 && sa.stoy_addr.v4 == in.s_addr &&
	      ntohs(sa.stoy_port) == want_port && sa.stoy_ipver == TOY_IPVER_4 &&
	      !memcmp(sa.stoy_zero, zero.stoy_zero, sizeof(sa.stoy_zero)) &&
	      !memcmp(sa.stoy_addr.v6 + 4, zero.stoy_addr.v6 + 4, 12) &&
	      sa.stoy_scope_id == 0 && sa.stoy_family == toy_family(),
	      "toy_addr_parse(%s%s%s, %s) = %s:%u", host ? "\"" : "",
	      host ? host : "NULL", host ? "\"" : "", port, want_ip, want_port);

	snprintf(want, sizeof(want), "%s:%u", want_ip, want_port);
	check(r == 0 && toy_addr_str(&sa, buf, sizeof(buf)) &&
	      !strcmp(buf, want), "toy_addr_str() = \"%s\"", want);
}

static void test_addr_invalid(const char *host, const char *port)
{
	struct sockaddr_toy sa, before;
	int r;

	memset(&sa, 0x5a, sizeof(sa));
	before = sa;
	r = toy_addr_parse(host, port, &sa);
	check(r == -EINVAL && !memcmp(&sa, &before, sizeof(sa)),
	      "toy_addr_parse(\"%s\", \"%s\") = -EINVAL, sa untouched",
	      host ? host : "NULL", port ? port : "NULL");
}

static void test_addr(void)
{
	static const char *const bad_hosts[] = {
		"", "1.2.3", "1.2.3.4.5", "256.0.0.1", "a.b.c.d", " 1.2.3.4",
		"1.2.3.4 ", "::1", "127.0.0.1:7000", "localhost.", "0x7f.0.0.1",
		"example.com",
	};
	static const char *const bad_ports[] = {
		"", "65536", "-1", "+7", " 7", "7 ", "7x", "0x10", "99999999999",
	};
	struct sockaddr_toy sa;
	char small[8];
	size_t i;

	test_addr_valid("127.0.0.1", "7000", "127.0.0.1", 7000);
	test_addr_valid("localhost", "1", "127.0.0.1", 1);
	test_addr_valid("*", "0", "0.0.0.0", 0);
	test_addr_valid("0.0.0.0", "65535", "0.0.0.0", 65535);
	test_addr_valid(NULL, "7000", "0.0.0.0", 7000);
	test_addr_valid("255.255.255.255", "65535", "255.255.255.255", 65535);
	test_addr_valid("10.66.0.2", "00080", "10.66.0.2", 80);

	for (i = 0; i < sizeof(bad_hosts) / sizeof(bad_hosts[0]); i++)
		test_addr_invalid(bad_hosts[i], "7000");
	for (i = 0; i < sizeof(bad_ports) / sizeof(bad_ports[0]); i++)
		test_addr_invalid("127.0.0.1", bad_ports[i]);
	test_addr_invalid("127.0.0.1", NULL);

	toy_addr_parse("255.255.255.255", "65535", &sa);
	errno = 0;
	check(!toy_addr_str(&sa, small, sizeof(small)) && errno == ENOSPC,
	      "toy_addr_str() into a short buffer fails with ENOSPC");
	sa.stoy_ipver = TOY_IPVER_6;
	check(!toy_addr_str(&sa, small, sizeof(small)),
	      "toy_addr_str() refuses an IPv6 sockaddr_toy");
}

static void test_names(void)
{
	static const char *const want[] = {
		"UNKNOWN", "ESTAB", "SYN-SENT", "SYN-RECV", "FIN-WAIT-1",
		"FIN-WAIT-2", "TIME-WAIT", "UNCONN", "CLOSE-WAIT", "LAST-ACK",
		"LISTEN", "CLOSING", "UNKNOWN",
	};
	bool ok = true;
	int s;

	for (s = 0; s <= 12; s++)
		ok &= !strcmp(toy_state_name(s), want[s]);
	ok &= !strcmp(toy_state_name(-1), "UNKNOWN");
	check(ok, "toy_state_name() gives ss's names for 0..12");

	check(!strcmp(toy_timer_name(1), "on") &&
	      !strcmp(toy_timer_name(3), "timewait") &&
	      !strcmp(toy_timer_name(4), "persist") &&
	      !strcmp(toy_timer_name(9), "unknown"),
	      "toy_timer_name() gives ss's names");

	if (access(TOY_FAMILY_SYSFS, F_OK) == 0)
		return;	/* module loaded here: the number is whatever it is */
	errno = 0;
	check(toy_family() == AF_TOY_DEFAULT && errno == ENOENT,
	      "toy_family() without the module: %d, errno ENOENT",
	      AF_TOY_DEFAULT);
	check(toy_ipproto() == IPPROTO_TOY, "toy_ipproto() without the module: %d",
	      IPPROTO_TOY);
}

/* ---- /proc/net/toy ------------------------------------------------------ */

struct collected {
	struct toy_sock_entry	e[16];
	int			n;
	int			stop_after;
};

static int collect(const struct toy_sock_entry *e, void *arg)
{
	struct collected *c = arg;

	if (c->n < 16)
		c->e[c->n] = *e;
	c->n++;
	return c->stop_after && c->n >= c->stop_after;
}

static bool entry_is(const struct toy_sock_entry *e, unsigned int sl,
		     const char *laddr, unsigned int lport, const char *raddr,
		     unsigned int rport, int st, unsigned int tx, unsigned int rx,
		     int tr, unsigned long when, unsigned int retr,
		     unsigned int uid, int timeout, unsigned long ino)
{
	struct in_addr l, r;

	inet_pton(AF_INET, laddr, &l);
	inet_pton(AF_INET, raddr, &r);
	return e->sl == sl && e->local.stoy_addr.v4 == l.s_addr &&
	       ntohs(e->local.stoy_port) == lport &&
	       e->remote.stoy_addr.v4 == r.s_addr &&
	       ntohs(e->remote.stoy_port) == rport &&
	       e->local.stoy_ipver == TOY_IPVER_4 && e->state == st &&
	       e->tx_queue == tx && e->rx_queue == rx && e->timer == tr &&
	       e->timer_when == when && e->retransmits == retr &&
	       e->uid == uid && e->timeout == timeout && e->inode == ino;
}

static int write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -1;
	fputs(text, f);
	return fclose(f);
}

static void test_proc(const char *tmpdir)
{
	struct collected c = { 0 };
	char path[PATH_MAX];
	int r;

	r = toy_proc_read(TESTDATA "/proc/toy", collect, &c);
	check(r == 4 && c.n == 4, "toy_proc_read(fixture) finds 4 sockets (got %d)", r);
	check(entry_is(&c.e[0], 0, "0.0.0.0", 7000, "0.0.0.0", 0, 10, 0, 1,
		       0, 0, 0, 1000, 0, 21337),
	      "line 0: listener 0.0.0.0:7000, accept queue 1, uid 1000, inode 21337");
	check(entry_is(&c.e[1], 1, "127.0.0.1", 7000, "127.0.0.1", 41234, 1,
		       0, 5, 0, 0, 0, 1000, 0, 21345),
	      "line 1: server side of the pair, 5 bytes unread");
	check(entry_is(&c.e[2], 2, "127.0.0.1", 41234, "127.0.0.1", 7000, 1,
		       12, 0, 1, 120, 1, 1000, 0, 21344),
	      "line 2: client side, retransmit timer 120 ticks, 1 retransmit");
	check(entry_is(&c.e[3], 3, "127.0.0.1", 41230, "127.0.0.1", 7000, 6,
		       0, 0, 3, 20, 0, 0, 0, 0),
	      "line 3: TIME_WAIT, timer kind 3, inode 0");
	if (sysconf(_SC_CLK_TCK) == 100)
		check(toy_timer_ms(&c.e[2]) == 1200 && toy_timer_ms(&c.e[3]) == 200,
		      "toy_timer_ms() converts USER_HZ ticks to ms");

	setenv(TOY_PROC_DIR_ENV, TESTDATA "/proc-busy", 1);
	memset(&c, 0, sizeof(c));
	r = toy_proc_read(NULL, collect, &c);
	check(r == 12 && entry_is(&c.e[11], 11, "10.0.2.15", 40004, "10.0.2.2", 9,
				  1, 0, 0, 4, 150, 0, 0, 2, 30012),
	      "toy_proc_read(NULL) reads $TOY_PROC_DIR/toy (got %d)", r);

	memset(&c, 0, sizeof(c));
	c.stop_after = 2;
	r = toy_proc_read(NULL, collect, &c);
	check(r == 2 && c.n == 2, "a nonzero callback return stops the walk");

	setenv(TOY_PROC_DIR_ENV, tmpdir, 1);
	check(toy_proc_read(NULL, NULL, NULL) == -ENOENT,
	      "toy_proc_read() of a missing file: -ENOENT");

	snprintf(path, sizeof(path), "%s/toy", tmpdir);
	write_file(path, "  sl  local_address rem_address   st\n");
	check(toy_proc_read(path, NULL, NULL) == 0, "header only: 0 sockets");
	write_file(path, "  sl  local_address\n   0: 0100007F:1B58 garbage\n");
	check(toy_proc_read(path, NULL, NULL) == -EINVAL,
	      "a malformed line: -EINVAL");
	unsetenv(TOY_PROC_DIR_ENV);
}

/* ---- /proc/net/toy_stat -------------------------------------------------- */

static void test_stat(const char *tmpdir)
{
	struct toy_stat st;
	char path[PATH_MAX];
	long long v = -1, w = -1;
	int r;

	r = toy_stat_read(TESTDATA "/proc/toy_stat", &st);
	check(r == 16 && st.n == 16, "toy_stat_read(fixture) finds 16 counters (got %d)", r);
	check(!toy_stat_get(&st, "ActiveOpens", &v) && v == 2 &&
	      !toy_stat_get(&st, "RetransSegs", &w) && w == 1,
	      "ActiveOpens 2, RetransSegs 1");
	check(!strcmp(st.v[0].name, "ActiveOpens") &&
	      !strcmp(st.v[15].name, "OutOfWindow"), "counters kept in file order");
	check(toy_stat_get(&st, "NoSuchCounter", &v) == -ENOENT,
	      "toy_stat_get() of an unknown name: -ENOENT");

	/* By name, not by position: other order, extra group, negative value */
	snprintf(path, sizeof(path), "%s/toy_stat", tmpdir);
	write_file(path, "Toy: OutSegs ActiveOpens\nToy: 9 -1\n"
		   "ToyExt: Foo\nToyExt: 42\n");
	r = toy_stat_read(path, &st);
	check(r == 3 && !toy_stat_get(&st, "ActiveOpens", &v) && v == -1 &&
	      !toy_stat_get(&st, "Foo", &w) && w == 42,
	      "toy_stat_read() pairs names and values by name");

	write_file(path, "Toy: A B C\nToy: 1 2\n");
	check(toy_stat_read(path, &st) == -EINVAL, "a missing value: -EINVAL");
	write_file(path, "Toy: A B\nTcp: 1 2\n");
	check(toy_stat_read(path, &st) == -EINVAL, "mismatched prefixes: -EINVAL");
	write_file(path, "Toy: A\nToy: x\n");
	check(toy_stat_read(path, &st) == -EINVAL, "a non-number: -EINVAL");
	write_file(path, "Toy: A\n");
	check(toy_stat_read(path, &st) == -EINVAL, "names without values: -EINVAL");

	setenv(TOY_PROC_DIR_ENV, TESTDATA "/proc-busy", 1);
	r = toy_stat_read(NULL, &st);
	check(r == 16 && !toy_stat_get(&st, "OutOfWindow", &v) && v == 6,
	      "toy_stat_read(NULL) reads $TOY_PROC_DIR/toy_stat");
	unsetenv(TOY_PROC_DIR_ENV);
}

/* ---- toyss golden output -------------------------------------------------- */

/* Run toyss on fixture @procdir (and fake /proc @procroot); collect stdout. */
static int run_toyss(char *const argv[], const char *procdir,
		     const char *procroot, char *out, size_t len, size_t *got)
{
	int pfd[2], status, devnull;
	ssize_t n;
	pid_t pid;

	if (pipe(pfd))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		dup2(pfd[1], STDOUT_FILENO);
		devnull = open("/dev/null", O_WRONLY);
		dup2(devnull, STDERR_FILENO);
		close(pfd[0]);
		close(pfd[1]);
		setenv(TOY_PROC_DIR_ENV, procdir, 1);
		if (procroot)
			setenv("TOY_PROC_ROOT", procroot, 1);
		execv(TOYSS, argv);
		_exit(127);
	}
	close(pfd[1]);
	*got = 0;
	while ((n = read(pfd[0], out + *got, len - 1 - *got)) > 0)
		*got += (size_t)n;
	out[*got] = '\0';
	close(pfd[0]);
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static char *slurp(const char *path, size_t *len)
{
	static char buf[65536];
	FILE *f = fopen(path, "r");

	if (!f)
		return NULL;
	*len = fread(buf, 1, sizeof(buf) - 1, f);
	buf[*len] = '\0';
	fclose(f);
	return buf;
}

struct golden {
	const char	*name;		/* testdata/golden/<name>.out */
	const char	*dir;		/* fixture under testdata/ */
	bool		fake_proc;	/* -p: point TOY_PROC_ROOT at fake pids */
	const char	*argv[8];
};

static const struct golden goldens[] = {
	{ "default",		"proc",      false, { NULL } },
	{ "all",		"proc",      false, { "-a" } },
	{ "listen",		"proc",      false, { "-l" } },
	{ "all-noheader",	"proc",      false, { "-aH" } },
	{ "all-numeric",	"proc",      false, { "-an" } },
	{ "all-extended",	"proc",      false, { "-ae" } },
	{ "all-processes",	"proc",      true,  { "-ap" } },
	{ "state-time-wait",	"proc",      false, { "-n", "state", "time-wait" } },
	{ "state-estab-listen",	"proc",      false, { "state", "established", "state", "listening" } },
	{ "sport",		"proc",      false, { "-a", "sport", "=", ":7000" } },
	{ "sport-bare",		"proc",      false, { "sport", ":41234" } },
	{ "dport",		"proc",      false, { "-a", "dport", "=", ":7000" } },
	{ "no-match",		"proc",      false, { "-a", "sport", "=", ":1" } },
	{ "json",		"proc",      true,  { "-a", "-j", "-p" } },
	{ "json-empty",		"proc",      false, { "-j", "state", "closing" } },
	{ "summary",		"proc",      false, { "-s" } },
	{ "busy-all",		"proc-busy", false, { "-a" } },
	{ "busy-default",	"proc-busy", false, { NULL } },
	{ "busy-listen",	"proc-busy", false, { "-l" } },
	{ "busy-extended",	"proc-busy", false, { "-ae" } },
	{ "busy-timers",	"proc-busy", false, { "-ao" } },
	{ "busy-exclude",	"proc-busy", false, { "-a", "exclude", "listening", "sport", ">", ":30000" } },
	{ "busy-summary",	"proc-busy", false, { "-s" } },
};

/* A fake /proc: two processes holding the fixture's sockets. */
static int make_fake_proc(const char *root)
{
	static const struct {
		const char	*pid, *comm, *fd, *target;
	} links[] = {
		{ "1234", "toycat", "0", "/dev/null" },
		{ "1234", "toycat", "3", "socket:[21337]" },
		{ "1234", "toycat", "4", "socket:[21345]" },
		{ "1250", "toy \"cli\"", "3", "socket:[21344]" },
		{ "1250", "toy \"cli\"", "7", "socket:[21345]" },
		{ "77",   "other", "5", "socket:[999]" },
	};
	char path[PATH_MAX], comm[32];
	size_t i;

	for (i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", root, links[i].pid);
		mkdir(path, 0755);
		snprintf(path, sizeof(path), "%s/%s/fd", root, links[i].pid);
		mkdir(path, 0755);
		snprintf(path, sizeof(path), "%s/%s/comm", root, links[i].pid);
		snprintf(comm, sizeof(comm), "%s\n", links[i].comm);
		if (write_file(path, comm))
			return -1;
		snprintf(path, sizeof(path), "%s/%s/fd/%s", root, links[i].pid,
			 links[i].fd);
		if (symlink(links[i].target, path))
			return -1;
	}
	return 0;
}

static void test_toyss(const char *fakeproc)
{
	static char out[65536];
	bool update = getenv("UPDATE_GOLDEN") != NULL;
	char path[PATH_MAX], dir[PATH_MAX], args[256];
	char *argv[10], *want;
	size_t i, j, got, wlen;
	int rc;

	for (i = 0; i < sizeof(goldens) / sizeof(goldens[0]); i++) {
		const struct golden *g = &goldens[i];

		argv[0] = "toyss";
		args[0] = '\0';
		for (j = 0; g->argv[j]; j++) {
			argv[j + 1] = (char *)g->argv[j];
			strcat(args, " ");
			strcat(args, g->argv[j]);
		}
		argv[j + 1] = NULL;
		snprintf(dir, sizeof(dir), TESTDATA "/%s", g->dir);
		snprintf(path, sizeof(path), TESTDATA "/golden/%s.out", g->name);

		rc = run_toyss(argv, dir, g->fake_proc ? fakeproc : "/nonexistent",
			       out, sizeof(out), &got);
		if (update) {
			write_file(path, out);
			printf("wrote %s\n", path);
			continue;
		}
		want = slurp(path, &wlen);
		check(rc == 0 && want && wlen == got && !memcmp(want, out, got),
		      "toyss%s on %s matches golden/%s.out", args, g->dir, g->name);
		if (want && (wlen != got || memcmp(want, out, got)))
			printf("--- want\n%s--- got\n%s---\n", want, out);
	}

	argv[0] = "toyss";
	argv[1] = "-h";
	argv[2] = NULL;
	rc = run_toyss(argv, TESTDATA "/proc", NULL, out, sizeof(out), &got);
	check(rc == 0 && !strncmp(out, "Usage: toyss", 12), "toyss -h prints usage, exit 0");
	argv[1] = "-Z";
	rc = run_toyss(argv, TESTDATA "/proc", NULL, out, sizeof(out), &got);
	check(rc == 2, "toyss with a bad option exits 2");
	argv[1] = "state";
	argv[2] = "bogus";
	argv[3] = NULL;
	rc = run_toyss(argv, TESTDATA "/proc", NULL, out, sizeof(out), &got);
	check(rc == 2, "toyss with a bad state name exits 2");
	argv[1] = "-a";
	argv[2] = NULL;
	rc = run_toyss(argv, "/nonexistent", NULL, out, sizeof(out), &got);
	check(rc == 1 && got == 0, "toyss without /proc/net/toy exits 1");
}

int main(void)
{
	char tmpdir[] = "/tmp/test_libtoy.XXXXXX", fake[64];
	char cmd[128];

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(fake, sizeof(fake), "%s/proc", tmpdir);
	mkdir(fake, 0755);
	if (make_fake_proc(fake)) {
		perror("fake proc");
		return 1;
	}

	test_addr();
	test_names();
	test_proc(tmpdir);
	test_stat(tmpdir);
	test_toyss(fake);

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd))
		fprintf(stderr, "could not remove %s\n", tmpdir);
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
