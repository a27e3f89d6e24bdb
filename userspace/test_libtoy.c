// SPDX-License-Identifier: GPL-2.0
/*
 * Host-side unit test for libtoy, toyss and toytrace: address parsing, the
 * /proc/net/toy and /proc/net/toy_stat parsers, the sock_diag decoder on
 * constructed netlink buffers, toyss's exact output on the fixtures in
 * testdata/ (from /proc files and from recorded sock_diag replies), and
 * toytrace's diagrams of the saved traces in testdata/trace/ (golden files
 * in testdata/golden/; the SVG is checked to be well-formed XML).
 *
 * Run from userspace/ (make test). UPDATE_GOLDEN=1 rewrites the golden
 * files from the current tools instead of comparing: review the diff.
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
#include <linux/netlink.h>

#include "libtoy.h"

#define TESTDATA	"testdata"
#define TOYSS		"./toyss"
#define TOYTRACE	"./toytrace"

/* Recorded sock_diag replies for toyss (TOY_DIAG_FILE), or NULL */
static const char *diag_file;

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

/* An IPv6 @host: version, port, scope, and the string it prints as. */
static void test_addr_valid6(const char *host, const char *port,
			     const char *want)
{
	struct sockaddr_toy sa;
	char buf[TOY_ADDRSTRLEN];
	int r;

	memset(&sa, 0xa5, sizeof(sa));
	r = toy_addr_parse(host, port, &sa);
	check(r == 0 && sa.stoy_ipver == TOY_IPVER_6 &&
	      sa.stoy_family == toy_family() && toy_addr_str(&sa, buf, sizeof(buf)) &&
	      !strcmp(buf, want), "toy_addr_parse(\"%s\", %s) prints as %s",
	      host, port, want);
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
		"1.2.3.4 ", "127.0.0.1:7000", "localhost.", "0x7f.0.0.1",
		"example.com", ":::1", "[::1", "::1]", "[]", "::1%", "fe80::1%nosuchif",
		"::1%99999999999", "1:2:3:4:5:6:7:8:9", "[::1]:7000",
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
	test_addr_valid6("::1", "7000", "[::1]:7000");
	test_addr_valid6("[::1]", "1", "[::1]:1");
	test_addr_valid6("::", "0", "[::]:0");
	test_addr_valid6("2001:db8::a:b", "65535", "[2001:db8::a:b]:65535");
	test_addr_valid6("fe80::1%1", "7", "[fe80::1%1]:7");
	test_addr_valid6("[fe80::1%lo]", "7", "[fe80::1%1]:7");
	test_addr_valid6("::ffff:1.2.3.4", "7", "[::ffff:1.2.3.4]:7");
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
	sa.stoy_ipver = 5;
	check(!toy_addr_str(&sa, small, sizeof(small)) && errno == EAFNOSUPPORT,
	      "toy_addr_str() refuses an IP version it does not know");
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

	/* /proc/net/toy6: tcp6's four words per address */
	memset(&c, 0, sizeof(c));
	r = toy_proc_read(TESTDATA "/proc6/toy6", collect, &c);
	{
		char l[TOY_ADDRSTRLEN], p[TOY_ADDRSTRLEN];

		check(r == 2 && toy_addr_str(&c.e[0].local, l, sizeof(l)) &&
		      !strcmp(l, "[::1]:7000") && c.e[0].state == 10 &&
		      c.e[0].rx_queue == 1 && c.e[0].inode == 21400,
		      "toy_proc_read(toy6) line 0: listener [::1]:7000 (got %d)", r);
		check(r == 2 && toy_addr_str(&c.e[1].local, l, sizeof(l)) &&
		      toy_addr_str(&c.e[1].remote, p, sizeof(p)) &&
		      !strcmp(l, "[2001:db8::1]:41234") &&
		      !strcmp(p, "[2001:db8::2]:7000") && c.e[1].tx_queue == 12,
		      "toy_proc_read(toy6) line 1: [2001:db8::1]:41234 -> [2001:db8::2]:7000");
	}

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

/*
 * Run @prog with $TOY_PROC_DIR at @procdir (and a fake /proc at @procroot)
 * if given, $TOY_DIAG_FILE at diag_file; collect stdout, drop stderr.
 */
static int run_prog(const char *prog, char *const argv[], const char *procdir,
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
		if (procdir)
			setenv(TOY_PROC_DIR_ENV, procdir, 1);
		if (procroot)
			setenv("TOY_PROC_ROOT", procroot, 1);
		if (diag_file)
			setenv("TOY_DIAG_FILE", diag_file, 1);
		execv(prog, argv);
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

static int run_toyss(char *const argv[], const char *procdir,
		     const char *procroot, char *out, size_t len, size_t *got)
{
	return run_prog(TOYSS, argv, procdir, procroot, out, len, got);
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

/*
 * The one table of state names against the module's own: trace.h's
 * __print_symbolic() names and fsm.c's RFC names (/proc/net/toy_fsm),
 * found by the TCP_* symbol each is written next to.
 */
static void test_state_names_agree(void)
{
	char want[96], *src, *at;
	bool trace_ok = true, fsm_ok = true;
	size_t len;
	int s;

	for (s = 1; s <= 11; s++) {
		const struct toy_state_names *n = toy_state_names(s);

		src = slurp("../module/trace.h", &len);
		snprintf(want, sizeof(want), "{ TCP_%s, \"%s\" }", n->kernel,
			 n->kernel);
		if (!src || !strstr(src, want)) {
			printf("# trace.h has no %s\n", want);
			trace_ok = false;
		}
		src = slurp("../module/fsm.c", &len);
		snprintf(want, sizeof(want), "[TCP_%s]", n->kernel);
		at = src ? strstr(src, want) : NULL;
		if (at)
			at += strspn(at + strlen(want), "\t =") + strlen(want);
		snprintf(want, sizeof(want), "\"%s\",", n->rfc);
		if (!at || strncmp(at, want, strlen(want))) {
			printf("# fsm.c does not name TCP_%s %s\n", n->kernel,
			       want);
			fsm_ok = false;
		}
	}
	check(trace_ok, "toy_state_names() spells states as trace.h does");
	check(fsm_ok, "toy_state_names() spells states as fsm.c (RFC 9293) does");
	check(!strcmp(toy_state_names(0)->rfc, "UNKNOWN") &&
	      !strcmp(toy_state_names(12)->kernel, "UNKNOWN"),
	      "toy_state_names() of an unknown state is UNKNOWN");
}

/* Runs a shell command line; its output (stdout and stderr) into @out. */
static int run_sh(const char *cmd, char *out, size_t len)
{
	FILE *p = popen(cmd, "r");
	size_t n;
	int status;

	if (!p)
		return -1;
	n = fread(out, 1, len - 1, p);
	out[n] = '\0';
	status = pclose(p);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* One line, and it names the module. */
static bool names_module(const char *out)
{
	const char *nl = strchr(out, '\n');

	return strstr(out, "is toy.ko loaded?") && nl && !nl[1];
}

/*
 * Without the module, the tools say so in one line, not with the bare
 * EAFNOSUPPORT text. Skipped where AF_TOY works (toy.ko is there).
 */
static void test_no_module(void)
{
	char out[1024];
	int fd = toy_socket(0), rc;

	if (fd >= 0 || errno != EAFNOSUPPORT) {
		if (fd >= 0)
			close(fd);
		printf("# toy_socket() works here: the no-module messages are not tested\n");
		return;
	}
	rc = run_sh("./toycat 127.0.0.1 7000 </dev/null 2>&1", out, sizeof(out));
	if (rc != 1 || !names_module(out))
		printf("# toycat: exit %d: %s", rc, out);
	check(rc == 1 && names_module(out) && !strncmp(out, "toycat: socket: AF_TOY", 22),
	      "toycat without toy.ko says so in one line, exit 1");
	rc = run_sh("./toydemo 2>&1", out, sizeof(out));
	if (rc != 1 || !names_module(out))
		printf("# toydemo: exit %d: %s", rc, out);
	check(rc == 1 && names_module(out) && !strncmp(out, "[error] socket: AF_TOY", 22),
	      "toydemo without toy.ko says so in one line, exit 1");
}

/*
 * toyss's mistakes as ss's users make them: one line saying what is
 * wrong and where, then where help is, exit 2 (a missing namespace: 1).
 */
static void test_toyss_args(void)
{
	static const struct {
		const char *args;
		const char *first;
		int rc;
	} cases[] = {
		{ "-Z", "toyss: unknown option -Z", 2 },
		{ "--bogus", "toyss: unknown option --bogus", 2 },
		{ "-N", "toyss: option -N needs an argument", 2 },
		{ "state bogus", "toyss: wrong state name: bogus", 2 },
		{ "'( dport = :7000'", "toyss: ')' is missing in the filter at '(end)'", 2 },
		{ "sport = :99999", "toyss: bad port in the filter at ':99999'", 2 },
		{ "src 300.1.1.1", "toyss: bad address in the filter at '300.1.1.1'", 2 },
		{ "src '<' 127.0.0.1", "toyss: an address compares with = or != only in the filter at '<'", 2 },
		{ "dport = :7000 or", "toyss: a condition is missing at the end in the filter at '(end)'", 2 },
		{ "bogus", "toyss: unknown filter word in the filter at 'bogus'", 2 },
		{ "-N /nonexistent/ns", "toyss: cannot enter network namespace /nonexistent/ns: No such file or directory", 1 },
	};
	char cmd[512], out[1024], want[512];
	size_t i;
	int rc;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(cmd, sizeof(cmd),
			 "TOY_PROC_DIR=" TESTDATA "/proc ./toyss %s </dev/null 2>&1",
			 cases[i].args);
		rc = run_sh(cmd, out, sizeof(out));
		snprintf(want, sizeof(want), cases[i].rc == 2 ?
			 "%s\nTry 'toyss --help' for more.\n" : "%s\n",
			 cases[i].first);
		if (rc != cases[i].rc || strcmp(out, want))
			printf("# toyss %s: exit %d:\n%s", cases[i].args, rc, out);
		check(rc == cases[i].rc && !strcmp(out, want), "toyss %s: exit %d, %s",
		      cases[i].args, cases[i].rc, cases[i].first);
	}
}

/*
 * toycat's arguments as nc's users type them: each mistake in two lines
 * (what is wrong, then where help is), exit 2; nc's flags that mean
 * what toycat always does are taken. No module needed: arguments are
 * checked first.
 */
static void test_toycat_args(void)
{
	static const struct {
		const char *args;
		const char *first;	/* the first line of stderr, or NULL */
		int rc;
	} cases[] = {
		{ "-q", "toycat: option -q needs an argument", 2 },
		{ "-w", "toycat: option -w needs an argument", 2 },
		{ "-q x 127.0.0.1 7", "toycat: invalid -q seconds: x", 2 },
		{ "-Z 127.0.0.1 7", "toycat: unknown option -Z", 2 },
		{ "--bogus 127.0.0.1 7", "toycat: unknown option --bogus", 2 },
		{ "-6 127.0.0.1 7", "toycat: -6: not an IPv6 address: 127.0.0.1", 2 },
		{ "-4 ::1 7", "toycat: -4: not an IPv4 address: ::1", 2 },
		{ "-q 0 ::1%nosuchif 7", "toycat: invalid address: ::1%nosuchif", 2 },
		{ "-q 0", "toycat: missing host or port", 2 },
		{ "-N -n -4 -q 0 -z 127.0.0.1 notaport",
		  "toycat: invalid port: notaport", 2 },
		/* --quiet hides what goes wrong later, not what was typed */
		{ "--quiet -q 0", "toycat: missing host or port", 2 },
	};
	char cmd[256], out[1024], want[256];
	size_t i;
	int rc;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(cmd, sizeof(cmd), "./toycat %s </dev/null 2>&1",
			 cases[i].args);
		rc = run_sh(cmd, out, sizeof(out));
		if (cases[i].first)
			snprintf(want, sizeof(want),
				 "%s\nTry 'toycat --help' for more.\n",
				 cases[i].first);
		else
			want[0] = 0;
		if (rc != cases[i].rc || strcmp(out, want))
			printf("# toycat %s: exit %d:\n%s", cases[i].args, rc, out);
		check(rc == cases[i].rc && !strcmp(out, want),
		      "toycat %s: exit %d, %s", cases[i].args, cases[i].rc,
		      cases[i].first ? cases[i].first : "silent");
	}
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
	{ "expr-quoted",	"proc",      false, { "-a", "( dport = :7000 or sport = :7000 )" } },
	{ "expr-state-paren",	"proc",      false, { "state", "established", "( dport = :7000 )" } },
	{ "expr-not",		"proc",      false, { "-a", "not", "sport", "eq", ":7000" } },
	{ "expr-bang-and",	"proc",      false, { "-a", "!(sport", "=", ":7000)", "and", "dst", "127.0.0.0/8:7000" } },
	{ "expr-src",		"proc",      false, { "-a", "src", "*:7000" } },
	{ "expr-dst-ne",	"proc",      false, { "-a", "dst", "!=", "127.0.0.1" } },
	{ "expr-or-prec",	"proc-busy", false, { "-a", "sport = :22000 or dport = :9 sport > :40002" } },
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

/* ---- sock_diag decoding ---------------------------------------------------- */

/* A netlink stream under construction, as the kernel would send it. */
struct nlbuf {
	unsigned char	b[16384] __attribute__((aligned(NLMSG_ALIGNTO)));
	size_t		n;
};

static struct nlmsghdr *nl_msg(struct nlbuf *nb, __u16 type, __u16 flags,
			       const void *data, size_t len)
{
	struct nlmsghdr *h = (struct nlmsghdr *)(nb->b + nb->n);

	memset(h, 0, NLMSG_SPACE(len));
	h->nlmsg_len = (__u32)NLMSG_LENGTH(len);
	h->nlmsg_type = type;
	h->nlmsg_flags = flags;
	h->nlmsg_seq = 1;
	memcpy(NLMSG_DATA(h), data, len);
	nb->n += NLMSG_SPACE(len);
	return h;
}

static void nl_attr(struct nlbuf *nb, struct nlmsghdr *h, __u16 type,
		    const void *data, size_t len)
{
	struct nlattr *a = (struct nlattr *)(nb->b + nb->n);

	memset(a, 0, NLA_ALIGN(NLA_HDRLEN + len));
	a->nla_len = (__u16)(NLA_HDRLEN + len);
	a->nla_type = type;
	memcpy((char *)a + NLA_HDRLEN, data, len);
	nb->n += NLA_ALIGN(NLA_HDRLEN + len);
	h->nlmsg_len = (__u32)((unsigned char *)nb->b + nb->n - (unsigned char *)h);
}

static struct toy_diag_msg diag_msg(int state, const char *src, unsigned int sport,
				    const char *dst, unsigned int dport,
				    unsigned int rq, unsigned int wq, int timer,
				    unsigned int expires, unsigned int retrans,
				    unsigned int uid, unsigned int ino)
{
	struct toy_diag_msg m;
	struct in_addr a;

	memset(&m, 0, sizeof(m));
	m.tdiag_family = AF_TOY_DEFAULT;
	m.tdiag_state = (__u8)state;
	m.tdiag_timer = (__u8)timer;
	m.tdiag_retrans = (__u8)retrans;
	m.tdiag_sport = htons((uint16_t)sport);
	m.tdiag_dport = htons((uint16_t)dport);
	inet_pton(AF_INET, src, &a);
	m.tdiag_src = a.s_addr;
	inet_pton(AF_INET, dst, &a);
	m.tdiag_dst = a.s_addr;
	m.tdiag_expires = expires;
	m.tdiag_rqueue = rq;
	m.tdiag_wqueue = wq;
	m.tdiag_uid = uid;
	m.tdiag_inode = ino;
	m.tdiag_cookie[0] = ino * 7 + 1;
	m.tdiag_cookie[1] = 0xffff8880u;
	return m;
}

/*
 * The sockets of testdata/proc/toy as a sock_diag dump would give them,
 * with info, meminfo and shutdown attributes on the connections, and the
 * closing NLMSG_DONE. toyss must print the same rows from both.
 */
static void diag_fixture(struct nlbuf *nb)
{
	struct toy_info info;
	struct toy_diag_msg m;
	struct nlmsghdr *h;
	__u32 mem[SK_MEMINFO_VARS] = { 0, 131072, 0, 16384, 0, 0, 0, 0, 0 };
	__u8 shut;
	int done = 0;

	nb->n = 0;
	m = diag_msg(10, "0.0.0.0", 7000, "0.0.0.0", 0, 1, 0, 0, 0, 0, 1000, 21337);
	h = nl_msg(nb, SOCK_DIAG_BY_FAMILY, NLM_F_MULTI, &m, sizeof(m));
	memset(&info, 0, sizeof(info));
	info.state = 10;
	info.rto_us = 1000000;
	info.mss = 65467;
	nl_attr(nb, h, TOY_DIAG_INFO, &info, sizeof(info));
	nl_attr(nb, h, TOY_DIAG_MEMINFO, mem, sizeof(mem));

	m = diag_msg(1, "127.0.0.1", 7000, "127.0.0.1", 41234, 5, 0, 0, 0, 0, 1000, 21345);
	h = nl_msg(nb, SOCK_DIAG_BY_FAMILY, NLM_F_MULTI, &m, sizeof(m));
	info.state = 1;
	info.rto_us = 204000;
	info.srtt_us = 123;
	info.rttvar_us = 61;
	info.snd_una = info.snd_nxt = 3000000001u;
	info.rcv_nxt = 1006;
	info.snd_wnd = 106496;
	info.rcv_wnd = 106491;
	info.snd_cwnd = 10;
	info.snd_ssthresh = 0x7fffffff;
	nl_attr(nb, h, TOY_DIAG_INFO, &info, sizeof(info));
	nl_attr(nb, h, TOY_DIAG_CONG, "cubic", 6);
	mem[SK_MEMINFO_RMEM_ALLOC] = 768;
	mem[SK_MEMINFO_FWD_ALLOC] = 3328;
	nl_attr(nb, h, TOY_DIAG_MEMINFO, mem, sizeof(mem));
	shut = 1;
	nl_attr(nb, h, TOY_DIAG_SHUTDOWN, &shut, 1);

	m = diag_msg(1, "127.0.0.1", 41234, "127.0.0.1", 7000, 0, 12, 1, 1200, 1, 1000, 21344);
	h = nl_msg(nb, SOCK_DIAG_BY_FAMILY, NLM_F_MULTI, &m, sizeof(m));
	info.rto_us = 2000000;
	info.srtt_us = 1500;
	info.rttvar_us = 750;
	info.retransmits = 1;
	info.total_retrans = 3;
	info.snd_una = 1001;
	info.snd_nxt = 1013;
	info.rcv_nxt = 3000000001u;
	info.snd_wnd = 0;
	info.rcv_wnd = 106496;
	info.options = TOY_INFO_OPT_SACK;
	info.reordering = 3;
	info.sacked = 1;
	info.ca_state = TOY_CA_LOSS;
	info.snd_cwnd = 1;
	info.snd_ssthresh = 7;
	info.packets_out = 4;
	info.lost = 2;
	info.retrans = 1;
	nl_attr(nb, h, TOY_DIAG_INFO, &info, sizeof(info));
	/* not NUL-terminated, and longer than any name: cut short */
	nl_attr(nb, h, TOY_DIAG_CONG, "renorenorenoreno-", 17);
	mem[SK_MEMINFO_RMEM_ALLOC] = 0;
	mem[SK_MEMINFO_WMEM_QUEUED] = 2316;
	mem[SK_MEMINFO_DROPS] = 2;
	nl_attr(nb, h, TOY_DIAG_MEMINFO, mem, sizeof(mem));
	shut = 0;
	nl_attr(nb, h, TOY_DIAG_SHUTDOWN, &shut, 1);

	/* TIME_WAIT: no file, no attributes worth sending */
	m = diag_msg(6, "127.0.0.1", 41230, "127.0.0.1", 7000, 0, 0, 3, 200, 0, 0, 0);
	nl_msg(nb, SOCK_DIAG_BY_FAMILY, NLM_F_MULTI, &m, sizeof(m));
	nl_msg(nb, NLMSG_DONE, NLM_F_MULTI, &done, sizeof(done));
}

struct diag_got {
	struct toy_diag_entry	d[8];
	int			n, stop_after;
};

static int diag_collect(const struct toy_diag_entry *d, void *arg)
{
	struct diag_got *g = arg;

	if (g->n < 8)
		g->d[g->n] = *d;
	g->n++;
	return g->stop_after && g->n >= g->stop_after;
}

static void test_diag_parse(void)
{
	static struct nlbuf nb;
	struct diag_got g = { 0 };
	struct toy_diag_entry *d;
	struct nlmsgerr err;
	struct nlmsghdr *h;
	struct toy_diag_msg m;
	__u8 shortinfo[8] = { 1, 0, 0xbb, 0xff, 0x40, 0x1f, 0x03, 0x00 };
	bool done = false;
	int r, neg;

	diag_fixture(&nb);
	r = toy_diag_parse(nb.b, nb.n, diag_collect, &g, &done);
	check(r == 4 && g.n == 4 && done,
	      "toy_diag_parse(4 sockets + NLMSG_DONE) = 4, done (got %d)", r);
	d = &g.d[2];
	check(entry_is(&d->e, 2, "127.0.0.1", 41234, "127.0.0.1", 7000, 1, 12, 0,
		       1, d->e.timer_when, 1, 1000, 0, 21344) &&
	      d->e.local.stoy_family == AF_TOY_DEFAULT,
	      "socket 2: 4-tuple, state, queues, timer, retrans, uid, inode");
	check(d->timer_ms == 1200 && d->cookie[0] == 21344 * 7 + 1 &&
	      d->cookie[1] == 0xffff8880u, "socket 2: expires 1200 ms, cookie");
	check(d->has_info && d->info.rto_us == 2000000 && d->info.srtt_us == 1500 &&
	      d->info.total_retrans == 3 && d->info.snd_nxt == 1013 &&
	      d->info.mss == 65467, "socket 2: TOY_DIAG_INFO decoded");
	check(d->nmem == SK_MEMINFO_VARS && d->mem[SK_MEMINFO_RCVBUF] == 131072 &&
	      d->mem[SK_MEMINFO_WMEM_QUEUED] == 2316 && d->mem[SK_MEMINFO_DROPS] == 2,
	      "socket 2: TOY_DIAG_MEMINFO decoded");
	check(d->shutdown == 0 && g.d[1].shutdown == 1 && g.d[0].shutdown == -1,
	      "TOY_DIAG_SHUTDOWN decoded, -1 when absent");
	check(!strcmp(g.d[1].cong, "cubic") && !g.d[0].cong[0] &&
	      !strcmp(d->cong, "renorenorenoren"),
	      "TOY_DIAG_CONG decoded, cut to TOY_CA_NAME_MAX - 1, \"\" when absent");
	check(d->info.ca_state == TOY_CA_LOSS && d->info.snd_cwnd == 1 &&
	      d->info.snd_ssthresh == 7 && d->info.lost == 2,
	      "socket 2: the congestion fields of TOY_DIAG_INFO decoded");
	check(!g.d[3].has_info && g.d[3].nmem == 0 && g.d[3].e.state == 6 &&
	      g.d[3].e.timer == 3 && g.d[3].timer_ms == 200,
	      "socket 3: TIME_WAIT without attributes");
	if (sysconf(_SC_CLK_TCK) == 100)
		check(d->e.timer_when == 120, "expires in ms -> 120 USER_HZ ticks");

	memset(&g, 0, sizeof(g));
	g.stop_after = 2;
	done = false;
	r = toy_diag_parse(nb.b, nb.n, diag_collect, &g, &done);
	check(r == 2 && g.n == 2 && done, "a nonzero callback return stops the walk");

	/* A dump split over two recv()s: the first half has no DONE. */
	memset(&g, 0, sizeof(g));
	done = false;
	h = (struct nlmsghdr *)nb.b;
	r = toy_diag_parse(nb.b, NLMSG_ALIGN(h->nlmsg_len), diag_collect, &g, &done);
	check(r == 1 && !done, "a part of a dump: 1 socket, not done");

	check(toy_diag_parse(nb.b, nb.n - 3, NULL, NULL, &done) == -EINVAL,
	      "a truncated buffer: -EINVAL");

	nb.n = 0;
	memset(&err, 0, sizeof(err));
	err.error = -EPERM;
	nl_msg(&nb, NLMSG_ERROR, 0, &err, sizeof(err));
	done = false;
	check(toy_diag_parse(nb.b, nb.n, NULL, NULL, &done) == -EPERM && done,
	      "NLMSG_ERROR -EPERM: -EPERM");
	nb.n = 0;
	err.error = 0;
	nl_msg(&nb, NLMSG_ERROR, 0, &err, sizeof(err));
	done = false;
	check(toy_diag_parse(nb.b, nb.n, NULL, NULL, &done) == 0 && done,
	      "an ack (NLMSG_ERROR 0): 0, done");
	nb.n = 0;
	neg = -ENOENT;
	nl_msg(&nb, NLMSG_DONE, NLM_F_MULTI, &neg, sizeof(neg));
	check(toy_diag_parse(nb.b, nb.n, NULL, NULL, &done) == -ENOENT,
	      "NLMSG_DONE carrying -ENOENT: -ENOENT");

	nb.n = 0;
	nl_msg(&nb, SOCK_DIAG_BY_FAMILY, NLM_F_MULTI, &m, sizeof(m) - 4);
	check(toy_diag_parse(nb.b, nb.n, NULL, NULL, &done) == -EINVAL,
	      "a reply shorter than struct toy_diag_msg: -EINVAL");

	nb.n = 0;
	m = diag_msg(1, "10.0.2.15", 22000, "10.0.2.2", 51000, 0, 0, 0, 0, 0, 0, 9);
	h = nl_msg(&nb, SOCK_DIAG_BY_FAMILY, NLM_F_MULTI, &m, sizeof(m));
	nl_attr(&nb, h, TOY_DIAG_INFO, shortinfo, sizeof(shortinfo));
	memset(&g, 0, sizeof(g));
	r = toy_diag_parse(nb.b, nb.n, diag_collect, &g, &done);
	check(r == 1 && g.d[0].has_info && g.d[0].info.mss == 0xffbb &&
	      g.d[0].info.rto_us == 0x31f40 && g.d[0].info.srtt_us == 0,
	      "a shorter (older) toy_info: known part kept, rest zero");
	((struct nlattr *)(nb.b + NLMSG_SPACE(sizeof(m))))->nla_len = 200;
	check(toy_diag_parse(nb.b, nb.n, NULL, NULL, &done) == -EINVAL,
	      "an attribute running past its message: -EINVAL");
}

/* ---- toyss from sock_diag ---------------------------------------------------- */

static const struct golden diag_goldens[] = {
	{ "diag-all-info-mem",	"proc",      false, { "--source=diag", "-aim" } },
	{ "diag-extended",	"proc",      false, { "--source=diag", "-e", "-m" } },
	{ "diag-json",		"proc",      false, { "--source=diag", "-aj" } },
	{ "diag-oneline",	"proc",      false, { "--source=diag", "-aimO" } },
};

/* Argument sets whose output must not depend on the source. */
static const char *const same_args[][6] = {
	{ NULL }, { "-a" }, { "-l" }, { "-ae" }, { "-ao" }, { "-aH" },
	{ "state", "time-wait" }, { "-a", "sport", "=", ":7000" },
	{ "dport", ":7000" }, { "-a", "exclude", "listening" }, { "-s" },
	{ "-a", "( sport = :7000 or dst :7000 )" },
};

static void test_toyss_diag(const char *tmpdir)
{
	static char out[65536], out2[65536];
	static struct nlbuf nb;
	bool update = getenv("UPDATE_GOLDEN") != NULL;
	char path[PATH_MAX], dump[PATH_MAX], args[256];
	char *argv[10], *want;
	size_t i, j, got, got2, wlen;
	int rc, rc2;

	diag_fixture(&nb);
	snprintf(dump, sizeof(dump), "%s/diag.bin", tmpdir);
	{
		FILE *f = fopen(dump, "w");

		if (!f || fwrite(nb.b, 1, nb.n, f) != nb.n || fclose(f)) {
			check(false, "write %s", dump);
			return;
		}
	}

	for (i = 0; i < sizeof(same_args) / sizeof(same_args[0]); i++) {
		argv[0] = "toyss";
		argv[1] = "--source=proc";
		args[0] = '\0';
		for (j = 0; same_args[i][j]; j++) {
			argv[j + 2] = (char *)same_args[i][j];
			strcat(args, " ");
			strcat(args, same_args[i][j]);
		}
		argv[j + 2] = NULL;
		diag_file = NULL;
		rc = run_toyss(argv, TESTDATA "/proc", "/nonexistent", out,
			       sizeof(out), &got);
		argv[1] = "--source=diag";
		diag_file = dump;
		rc2 = run_toyss(argv, TESTDATA "/proc", "/nonexistent", out2,
				sizeof(out2), &got2);
		check(rc == 0 && rc2 == 0 && got == got2 && got &&
		      !memcmp(out, out2, got),
		      "toyss%s: --source=diag prints what --source=proc does", args);
		if (got != got2 || memcmp(out, out2, got))
			printf("--- proc\n%s--- diag\n%s---\n", out, out2);
	}

	/* $TOY_DIAG_FILE makes diag the automatic choice despite TOY_PROC_DIR */
	argv[0] = "toyss";
	argv[1] = "-aj";
	argv[2] = NULL;
	rc = run_toyss(argv, TESTDATA "/proc", "/nonexistent", out, sizeof(out), &got);
	check(rc == 0 && strstr(out, "\"cookie\": \"ffff8880"),
	      "toyss -aj: auto source reads $TOY_DIAG_FILE");

	for (i = 0; i < sizeof(diag_goldens) / sizeof(diag_goldens[0]); i++) {
		const struct golden *g = &diag_goldens[i];

		argv[0] = "toyss";
		args[0] = '\0';
		for (j = 0; g->argv[j]; j++) {
			argv[j + 1] = (char *)g->argv[j];
			strcat(args, " ");
			strcat(args, g->argv[j]);
		}
		argv[j + 1] = NULL;
		snprintf(path, sizeof(path), TESTDATA "/golden/%s.out", g->name);
		rc = run_toyss(argv, TESTDATA "/proc", "/nonexistent", out,
			       sizeof(out), &got);
		if (update) {
			write_file(path, out);
			printf("wrote %s\n", path);
			continue;
		}
		want = slurp(path, &wlen);
		check(rc == 0 && want && wlen == got && !memcmp(want, out, got),
		      "toyss%s on the diag fixture matches golden/%s.out", args,
		      g->name);
		if (want && (wlen != got || memcmp(want, out, got)))
			printf("--- want\n%s--- got\n%s---\n", want, out);
	}

	argv[1] = "--source=proc";
	argv[2] = "-K";
	argv[3] = NULL;
	rc = run_toyss(argv, TESTDATA "/proc", "/nonexistent", out, sizeof(out), &got);
	check(rc == 2 && got == 0, "toyss -K --source=proc refuses (exit 2)");
	argv[1] = "--source=bogus";
	argv[2] = NULL;
	rc = run_toyss(argv, TESTDATA "/proc", "/nonexistent", out, sizeof(out), &got);
	check(rc == 2, "toyss --source=bogus exits 2");
	diag_file = NULL;

	if (access(TOY_FAMILY_SYSFS, F_OK) == 0)
		return;
	argv[1] = "--source=diag";
	argv[2] = "-a";
	argv[3] = NULL;
	rc = run_toyss(argv, NULL, "/nonexistent", out, sizeof(out), &got);
	check(rc == 1 && got == 0, "toyss --source=diag without the module exits 1");
}

/* ---- toytrace ------------------------------------------------------------------- */

/*
 * Well-formed enough for any XML parser: one root, tags nest and close,
 * attribute values quoted, no raw '<' or '&' outside markup and entities.
 */
static bool xml_ok(const char *s)
{
	char stack[32][32];
	int depth = 0, roots = 0;
	const char *p = s;

	if (!strncmp(p, "<?xml", 5)) {
		p = strstr(p, "?>");
		if (!p)
			return false;
		p += 2;
	}
	while (*p) {
		if (*p == '&') {
			size_t n = strspn(p + 1, "abcdefghijklmnopqrstuvwxyz#0123456789");

			if (!n || p[1 + n] != ';')
				return false;
			p += n + 2;
		} else if (*p == '<') {
			bool close = p[1] == '/';
			const char *name = p + 1 + close, *end;
			size_t nlen = strcspn(name, " \t\n/>");
			char quote = 0;

			if (!nlen || nlen >= sizeof(stack[0]))
				return false;
			for (end = name + nlen; *end && (quote || *end != '>'); end++) {
				if (quote && *end == quote)
					quote = 0;
				else if (!quote && (*end == '"' || *end == '\''))
					quote = *end;
				else if (!quote && *end == '=' &&
					 end[1] != '"' && end[1] != '\'')
					return false;
				else if (*end == '<')
					return false;
			}
			if (!*end)
				return false;
			if (close) {
				if (!depth || strncmp(stack[depth - 1], name, nlen) ||
				    stack[depth - 1][nlen])
					return false;
				depth--;
			} else if (end[-1] != '/') {
				if (depth == 32)
					return false;
				if (!depth)
					roots++;
				memcpy(stack[depth], name, nlen);
				stack[depth++][nlen] = '\0';
			} else if (!depth) {
				roots++;
			}
			p = end + 1;
		} else {
			if (!depth && !strchr(" \t\r\n", *p))
				return false;
			p++;
		}
	}
	return depth == 0 && roots == 1;
}

static const struct {
	const char	*name;		/* testdata/golden/<name>.out */
	const char	*argv[6];
} trace_goldens[] = {
	{ "trace-full",		{ "-r", TESTDATA "/trace/full.txt" } },
	{ "trace-full-rel-win",	{ "-R", "-w", "-r", TESTDATA "/trace/full.txt" } },
	/* perf script of the same run: the same drawing */
	{ "trace-full-perf",	{ "-r", TESTDATA "/trace/full-perf.txt" } },
	{ "trace-refused",	{ "-r", TESTDATA "/trace/refused.txt" } },
	/* the same with the events' IPv6 fields: an IPv4 socket's are
	 * v4-mapped (the same drawing); an IPv6 socket's name [::1] */
	{ "trace-refused",	{ "-r", TESTDATA "/trace/refused-mapped.txt" } },
	{ "trace-refused6",	{ "-r", TESTDATA "/trace/refused6.txt" } },
	{ "trace-lost-syn",	{ "-r", TESTDATA "/trace/lost-syn.txt" } },
	{ "trace-lost-syn-rel",	{ "--relative", "-r", TESTDATA "/trace/lost-syn.txt" } },
	/* the same, the SYN dropped by toy.ko for a bad checksum */
	{ "trace-dropped-syn",	{ "-r", TESTDATA "/trace/dropped-syn.txt" } },
	{ "trace-all",		{ "-r", TESTDATA "/trace/all.txt" } },
	/* a lost segment, and the ACK whose SACK block reports what followed */
	{ "trace-sack",		{ "-r", TESTDATA "/trace/sack.txt" } },
	{ "trace-sack-rel",	{ "-R", "-r", TESTDATA "/trace/sack.txt" } },
	{ "trace-cwnd",		{ "-c", "/dev/null", "-r", TESTDATA "/trace/cwnd.txt" } },
	/* IPv6 senders by their own addresses, an IPv4 one by its IPv4 */
	{ "trace-cwnd6",	{ "-c", "/dev/null", "-r", TESTDATA "/trace/cwnd6.txt" } },
};

static size_t count(const char *s, const char *what)
{
	size_t n = 0;

	while ((s = strstr(s, what))) {
		n++;
		s += strlen(what);
	}
	return n;
}

static void test_toytrace(const char *tmpdir)
{
	static const struct {
		const char	*file;
		size_t		arrows, lost;
	} svgs[] = {
		{ "full.txt", 11, 0 }, { "refused.txt", 2, 0 },
		{ "lost-syn.txt", 5, 1 }, { "all.txt", 18, 1 },
	};
	static char out[65536];
	bool update = getenv("UPDATE_GOLDEN") != NULL;
	char path[PATH_MAX], svg[PATH_MAX], trace[PATH_MAX], args[256];
	char cmd[PATH_MAX + 128];
	char *argv[10], *want;
	size_t i, j, got, wlen;
	bool python;
	int rc;

	diag_file = NULL;
	for (i = 0; i < sizeof(trace_goldens) / sizeof(trace_goldens[0]); i++) {
		argv[0] = "toytrace";
		args[0] = '\0';
		for (j = 0; trace_goldens[i].argv[j]; j++) {
			argv[j + 1] = (char *)trace_goldens[i].argv[j];
			strcat(args, " ");
			strcat(args, trace_goldens[i].argv[j]);
		}
		argv[j + 1] = NULL;
		snprintf(path, sizeof(path), TESTDATA "/golden/%s.out",
			 trace_goldens[i].name);
		rc = run_prog(TOYTRACE, argv, NULL, NULL, out, sizeof(out), &got);
		if (update) {
			write_file(path, out);
			printf("wrote %s\n", path);
			continue;
		}
		want = slurp(path, &wlen);
		check(rc == 0 && want && wlen == got && !memcmp(want, out, got),
		      "toytrace%s matches golden/%s.out", args, trace_goldens[i].name);
		if (want && (wlen != got || memcmp(want, out, got)))
			printf("--- want\n%s--- got\n%s---\n", want, out);
	}

	/* --cwnd: the plot of a saved run, one panel per sender, marks where due */
	snprintf(svg, sizeof(svg), "%s/cwnd.svg", tmpdir);
	argv[0] = "toytrace";
	argv[1] = "-q";
	argv[2] = "-c";
	argv[3] = svg;
	argv[4] = "-r";
	argv[5] = TESTDATA "/trace/cwnd.txt";
	argv[6] = NULL;
	unlink(svg);
	rc = run_prog(TOYTRACE, argv, NULL, NULL, out, sizeof(out), &got);
	{
		char *s = slurp(svg, &wlen);

		check(rc == 0 && got == 0 && s && xml_ok(s) &&
		      count(s, "<polyline class=\"cwnd\"") == 2 &&
		      count(s, "<polygon class=\"recovery\"") == 1 + 2 &&
		      count(s, "<path class=\"rto\"") == 1 + 2,
		      "toytrace -q -c cwnd.svg: two panels, one fast recovery and one RTO marked (and the legends)");
	}
	argv[1] = "-c";
	argv[2] = svg;
	argv[3] = "-r";
	argv[4] = TESTDATA "/trace/full.txt";
	argv[5] = NULL;
	rc = run_prog(TOYTRACE, argv, NULL, NULL, out, sizeof(out), &got);
	check(rc == 1, "toytrace -c of a trace without toy_cwnd exits 1");

	python = system("python3 -c 'import xml.dom.minidom' >/dev/null 2>&1") == 0;
	for (i = 0; i < sizeof(svgs) / sizeof(svgs[0]); i++) {
		char *s;

		snprintf(svg, sizeof(svg), "%s/out.svg", tmpdir);
		snprintf(trace, sizeof(trace), TESTDATA "/trace/%s", svgs[i].file);
		argv[0] = "toytrace";
		argv[1] = "-q";
		argv[2] = "-o";
		argv[3] = svg;
		argv[4] = "-r";
		argv[5] = trace;
		argv[6] = NULL;
		unlink(svg);
		rc = run_prog(TOYTRACE, argv, NULL, NULL, out, sizeof(out), &got);
		s = slurp(svg, &wlen);
		check(rc == 0 && got == 0 && s && xml_ok(s) &&
		      strstr(s, "<svg xmlns=\"http://www.w3.org/2000/svg\""),
		      "toytrace -q -o out.svg -r %s: well-formed SVG, no text", svgs[i].file);
		check(s && count(s, "<line class=\"seg\"") + count(s, "<line class=\"lost\"") ==
		      svgs[i].arrows && count(s, "<line class=\"lost\"") == svgs[i].lost,
		      "%s: %zu arrows, %zu lost", svgs[i].file, svgs[i].arrows, svgs[i].lost);
		if (python) {
			snprintf(cmd, sizeof(cmd),
				 "python3 -c 'import sys, xml.dom.minidom; xml.dom.minidom.parse(sys.argv[1])' '%s'",
				 svg);
			check(system(cmd) == 0, "%s: python3's XML parser accepts the SVG",
			      svgs[i].file);
		}
	}
	check(!xml_ok("<svg><text>a<b</text></svg>") && !xml_ok("<svg><g></svg>") &&
	      !xml_ok("<svg x=1/>") && !xml_ok("<svg>&</svg>") &&
	      xml_ok("<?xml version=\"1.0\"?>\n<svg a=\"&lt;\"><g/>x &amp; y</svg>\n"),
	      "the XML checker itself catches broken markup");

	/* A garbled toy line is reported and skipped; the rest still renders. */
	snprintf(trace, sizeof(trace), "%s/bad.txt", tmpdir);
	write_file(trace, "# tracer: nop\n"
		   "  toycat-1 [000] ..... 1.000000: toy_segment: out sport=1 garbage\n"
		   "  toycat-1 [000] ..... 1.000001: toy_segment: out sport=40000 dport=7000 saddr=127.0.0.1 daddr=127.0.0.1 flags= seq=7 ack=0 len=0 window=0\n"
		   "  toycat-1 [000] ..... 1.000002: sched_switch: prev_comm=x\n");
	argv[0] = "toytrace";
	argv[1] = "-r";
	argv[2] = trace;
	argv[3] = NULL;
	rc = run_prog(TOYTRACE, argv, NULL, NULL, out, sizeof(out), &got);
	check(rc == 0 && strstr(out, "---- (no flags) seq=7 ") &&
	      strstr(out, "\n1 segment"),
	      "toytrace skips a garbled line and other events; flags= is \"(no flags)\"");
	write_file(trace, "# tracer: nop\n");
	rc = run_prog(TOYTRACE, argv, NULL, NULL, out, sizeof(out), &got);
	check(rc == 0 && !strcmp(out, "No AF_TOY connection in the trace.\n"),
	      "toytrace on an empty trace says so");

	argv[1] = "-r";
	argv[2] = "/nonexistent";
	rc = run_prog(TOYTRACE, argv, NULL, NULL, out, sizeof(out), &got);
	check(rc == 1, "toytrace -r of a missing file exits 1");
	argv[1] = NULL;
	rc = run_prog(TOYTRACE, argv, NULL, NULL, out, sizeof(out), &got);
	check(rc == 2, "toytrace without a command or -r exits 2");
	argv[1] = "-h";
	argv[2] = NULL;
	rc = run_prog(TOYTRACE, argv, NULL, NULL, out, sizeof(out), &got);
	check(rc == 0 && !strncmp(out, "Usage: toytrace", 15), "toytrace -h prints usage");
	argv[1] = "-t";
	argv[2] = (char *)tmpdir;
	argv[3] = "--";
	argv[4] = "true";
	argv[5] = NULL;
	rc = run_prog(TOYTRACE, argv, NULL, NULL, out, sizeof(out), &got);
	check(rc == 1 && got == 0, "toytrace -t with no toy events there exits 1");
}

/*
 * toytrace --fsm: the drawing holds every reachable cell of the table, and
 * nothing else, each with its next state and hit count (the attributes
 * fsmplot.c gives each label); the unreachable ones are not drawn; a
 * table it cannot place, or garbled, is refused. Around a command, the
 * counts are what the command's run took.
 */
struct fsm_row {
	char st[16], ev[16], next[16];
	unsigned long long hits;
};

/* The rows of a toy_fsm table, unreachable ones left out; -1 if garbled. */
static int fsm_rows(const char *path, struct fsm_row *r, int max)
{
	FILE *f = fopen(path, "r");
	char line[256], acts[128];
	int n = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f) && n < max) {
		if (!strncmp(line, "state ", 6))
			continue;
		if (sscanf(line, "%15s %15s %15s %127s %llu", r[n].st, r[n].ev,
			   r[n].next, acts, &r[n].hits) != 5) {
			fclose(f);
			return -1;
		}
		if (strcmp(r[n].next, "unreachable"))
			n++;
	}
	fclose(f);
	return n;
}

/* The cells an SVG of toytrace --fsm draws, as rows. */
static int svg_cells(const char *svg, struct fsm_row *r, int max)
{
	const char *p = svg;
	int n = 0;

	while (n < max && (p = strstr(p, "<text class=\"cell"))) {
		const char *d = strstr(p, "data-state=\"");

		if (!d || sscanf(d, "data-state=\"%15[^\"]\" data-event=\"%15[^\"]\" "
				 "data-next=\"%15[^\"]\" data-hits=\"%llu\"",
				 r[n].st, r[n].ev, r[n].next, &r[n].hits) != 4)
			return -1;
		n++;
		p = d;
	}
	return n;
}

static bool fsm_same(const struct fsm_row *a, int na, const struct fsm_row *b, int nb)
{
	int i, j;

	if (na != nb)
		return false;
	for (i = 0; i < na; i++) {
		for (j = 0; j < nb; j++)
			if (!strcmp(a[i].st, b[j].st) && !strcmp(a[i].ev, b[j].ev))
				break;
		if (j == nb || strcmp(a[i].next, b[j].next) || a[i].hits != b[j].hits) {
			printf("# %s %s: table -> %s x%llu, drawing %s\n", a[i].st,
			       a[i].ev, a[i].next, a[i].hits, j == nb ? "has none" : b[j].next);
			return false;
		}
	}
	return true;
}

static void test_toytrace_fsm(const char *tmpdir)
{
	static struct fsm_row want[160], got[160];
	char svg[PATH_MAX], path[PATH_MAX], cmd[PATH_MAX * 4], out[4096];
	const char *table = TESTDATA "/fsm/table.txt";
	char *s;
	size_t len;
	int nw, ng, rc, i, taken = 0;

	snprintf(svg, sizeof(svg), "%s/fsm.svg", tmpdir);
	snprintf(cmd, sizeof(cmd), "./toytrace -f %s -r %s 2>&1", svg, table);
	rc = run_sh(cmd, out, sizeof(out));
	s = slurp(svg, &len);
	nw = fsm_rows(table, want, 160);
	ng = s ? svg_cells(s, got, 160) : -1;
	check(rc == 0 && s && xml_ok(s) && nw == 85,
	      "toytrace -f fsm.svg -r table.txt: well-formed SVG of a table of 85 reachable cells");
	check(nw > 0 && fsm_same(want, nw, got, ng),
	      "the drawing has every reachable cell, with its next state and hits, and no other");
	for (i = 0; i < nw; i++)
		taken += want[i].hits != 0;
	check(s && count(s, "class=\"cell taken\"") == (size_t)taken,
	      "the cells taken are the ones highlighted");
	check(strstr(out, "transitions taken") != NULL, "toytrace -f says what it drew");

	/* a state the drawing has no place for */
	snprintf(path, sizeof(path), "%s/bad-state.txt", tmpdir);
	write_file(path, "state event next actions hits\n"
		   "ESTABLISHED CLOSE NOWHERE - 1\n");
	snprintf(cmd, sizeof(cmd), "./toytrace -f %s -r %s 2>&1", svg, path);
	rc = run_sh(cmd, out, sizeof(out));
	check(rc == 1 && strstr(out, "no place for"), "a table with an unknown state: exit 1, said so");
	write_file(path, "state event next actions hits\nESTABLISHED CLOSE\n");
	rc = run_sh(cmd, out, sizeof(out));
	check(rc == 1 && strstr(out, "line 2"), "a garbled table: exit 1, the line named");

	/* around a command: what its run took, the rest is 0 */
	snprintf(path, sizeof(path), "%s/live.txt", tmpdir);
	snprintf(cmd, sizeof(cmd), "cp %s %s", table, path);
	rc = system(cmd);
	snprintf(cmd, sizeof(cmd),
		 "TOY_FSM_FILE=%s ./toytrace -f %s -- sed -i "
		 "'s/^\\(TIME-WAIT  *TW_EXPIRE  *CLOSED  *-  *\\)\\([0-9]*\\)/\\1 1000/' %s 2>&1",
		 path, svg, path);
	rc = run_sh(cmd, out, sizeof(out));
	s = slurp(svg, &len);
	ng = s ? svg_cells(s, got, 160) : -1;
	for (i = 0; i < ng && (strcmp(got[i].st, "TIME-WAIT") ||
			       strcmp(got[i].ev, "TW_EXPIRE")); i++)
		;
	check(rc == 0 && ng == 85 && i < ng && count(s, "class=\"cell taken\"") == 1 &&
	      got[i].hits == 1000 - 3,
	      "toytrace -f around a command: only what the run took (TW_EXPIRE x997)");
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
	test_state_names_agree();
	test_no_module();
	test_toycat_args();
	test_toyss_args();
	test_proc(tmpdir);
	test_stat(tmpdir);
	test_toyss(fake);
	test_diag_parse();
	test_toyss_diag(tmpdir);
	test_toytrace(tmpdir);
	test_toytrace_fsm(tmpdir);

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd))
		fprintf(stderr, "could not remove %s\n", tmpdir);
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
