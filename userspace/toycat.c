// SPDX-License-Identifier: GPL-2.0
/*
 * toycat: netcat for AF_TOY. Copies stdin to the connection and the
 * connection to stdout; on stdin EOF it shuts down its sending side and
 * keeps reading until the peer's EOF, so both directions close cleanly.
 * The peer's EOF ends stdout at once (but with -k), so that a command
 * reading it sees the end of the request while toycat may still send its
 * answer: a one-shot request/response server is `toycat -l P <fifo | cmd
 * >fifo`.
 *
 * The socket is non-blocking and what stdin gave is buffered until the
 * socket takes it, so a peer that does not read can never stop us from
 * draining what it sends. stdin and stdout stay as inherited (blocking,
 * shared with the shell), and are only touched when poll() says so.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "libtoy.h"

#define BUFSZ	65536

static bool verbose, quiet, zero_io;
static int timeout_ms = -1;	/* -w: connect and idle timeout */
static int linger_ms = -1;	/* -q: how long to read on after stdin EOF */
static bool stdin_eof;		/* survives across -k connections */
static bool keep_stdout;	/* -k: stdout outlives each connection */
static int ipver;		/* -4 or -6: TOY_IPVER_*, 0 for either */

static void usage(FILE *out)
{
	fprintf(out,
"Usage: toycat [-46Nnvz] [-q secs] [-w secs] [-s addr] [-p port] host port\n"
"       toycat -l [-46Nnkv] [-q secs] [-w secs] [addr] port\n"
"Netcat for AF_TOY stream sockets: copy stdin to the connection and the\n"
"connection to stdout until both sides have sent EOF.\n"
"\n"
"  -l          listen on [addr] port (default addr 0.0.0.0, with -6 ::),\n"
"              accept one connection, then stop listening\n"
"  -k          with -l: keep listening, serving connections one at a time\n"
"  -s addr     connect from this local address\n"
"  -p port     connect from this local port (with -l: the port to listen on)\n"
"  -w secs     give up when connecting, or when a connection is idle, for\n"
"              longer than secs (the wait for a connection in -l mode is\n"
"              not limited)\n"
"  -q secs     after stdin EOF, read what arrives for at most secs more,\n"
"              then quit (0: at once); negative, or no -q: until the\n"
"              peer's EOF\n"
"  -z          connect (or accept), send nothing and close: is the port\n"
"              open? Exit 0 if the handshake completed\n"
"  -v          say \"listening on\", \"connection from\", \"connected to\" on\n"
"              stderr\n"
"  -4, -6      IPv4 or IPv6 only: an address of the other version is an\n"
"              error (without either, the address says which)\n"
"  -N, -n      accepted for nc's sake and always true: the sending side\n"
"              shuts down at stdin EOF, and addresses are never looked up\n"
"  --quiet     print nothing on stderr once the arguments are taken, not\n"
"              even errors (it was -q before -q took nc's meaning)\n"
"  -h, --help  this help\n"
"\n"
"Addresses are IPv4 dotted quads, \"localhost\" or \"*\", or IPv6 ones\n"
"(\"::1\", \"[fe80::1%%eth0]\": a link-local one needs its interface); an\n"
"IPv6 socket is IPv6-only. Ports 0..65535\n"
"(port 0 with -l picks an ephemeral port: see it with -v). At stdin EOF\n"
"toycat shuts down its sending side (the peer reads EOF) and keeps printing\n"
"what arrives until the peer closes too, then exits 0. The peer's EOF\n"
"closes stdout (but with -k) while toycat goes on sending stdin, so that a\n"
"command reading stdout sees the request end. Errors exit 1, bad\n"
"arguments 2. The family number is read from\n"
TOY_FAMILY_SYSFS ".\n"
"\n"
"Examples:\n"
"  toycat -v -l 7000 > got.txt          server: save what one client sends\n"
"  echo hello | toycat 127.0.0.1 7000   client: send a line, print the reply\n"
"  toycat -lk 7000 < /dev/null          print what each client sends, forever\n"
"  toycat -l 7000 <f | wc -c >f         (f a fifo) answer with the byte count\n");
}

static void bad_usage(const char *fmt, const char *arg)
{
	if (fmt) {
		fprintf(stderr, "toycat: ");
		fprintf(stderr, fmt, arg);
		fputc('\n', stderr);
	}
	fprintf(stderr, "Try 'toycat --help' for more.\n");
	exit(2);
}

static void note(const char *what, const struct sockaddr_toy *sa)
{
	char buf[TOY_ADDRSTRLEN];

	if (verbose && !quiet)
		fprintf(stderr, "%s %s\n", what,
			toy_addr_str(sa, buf, sizeof(buf)) ? buf : "?");
}

/* "toycat: <call>: <strerror>" from errno */
static void report(const char *call)
{
	if (!quiet)
		fprintf(stderr, "toycat: %s: %s\n", call, strerror(errno));
}

static void die(const char *call)
{
	report(call);
	exit(1);
}

/* socket() failed: "toycat: socket: ..." naming toy.ko if it is missing */
static void die_socket(void)
{
	if (!quiet)
		fprintf(stderr, "toycat: socket: %s\n", toy_socket_strerror(errno));
	exit(1);
}

/*
 * @host (NULL: the wildcard of -6's version, else 0.0.0.0) and @port, of
 * the version -4 or -6 asks for
 */
static void parse_addr(const char *host, const char *port,
		       struct sockaddr_toy *sa)
{
	if (!host && ipver == TOY_IPVER_6)
		host = "::";
	if (toy_addr_parse(host, port, sa) == 0) {
		if (ipver && sa->stoy_ipver != ipver)
			bad_usage(ipver == TOY_IPVER_6 ? "-6: not an IPv6 address: %s" :
				  "-4: not an IPv4 address: %s", host);
		return;
	}
	if (toy_addr_parse(NULL, port, sa))
		bad_usage("invalid port: %s", port);
	bad_usage("invalid address: %s", host);
}

/* Write all of @buf, through partial writes, EINTR and a non-blocking fd. */
static int write_all(int fd, const char *buf, size_t len)
{
	struct pollfd p = { .fd = fd, .events = POLLOUT };
	ssize_t n;

	while (len) {
		n = write(fd, buf, len);
		if (n > 0) {
			buf += n;
			len -= (size_t)n;
		} else if (n < 0 && errno == EAGAIN) {
			if (poll(&p, 1, -1) < 0 && errno != EINTR)
				return -1;
		} else if (n < 0 && errno != EINTR) {
			return -1;
		}
	}
	return 0;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/*
 * The peer's EOF: nothing more will come, so end stdout for whoever reads
 * it (a pipe's reader sees EOF once our copy is gone). /dev/null takes its
 * place so that fd 1 is never reused by something else.
 */
static int end_stdout(void)
{
	int fd;

	if (keep_stdout)
		return 0;
	fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (fd < 0 || dup2(fd, STDOUT_FILENO) < 0)
		return -1;
	close(fd);
	return 0;
}

/* Move bytes both ways until both EOFs; 0 on a clean finish, 1 on error. */
static int pump(int sock)
{
	static char in[BUFSZ], out[BUFSZ];
	size_t out_len = 0, out_off = 0;	/* stdin bytes not yet sent */
	bool sock_eof = false, shut = false;
	long long quit_at = 0;		/* -q: when to stop reading, ms */
	int r, wait_ms;
	struct pollfd p[2];
	ssize_t n;

	if (zero_io)
		return 0;
	for (;;) {
		if (stdin_eof && !out_len && !shut) {
			if (shutdown(sock, SHUT_WR) < 0) {
				report("shutdown");
				return 1;
			}
			shut = true;
			if (linger_ms >= 0)
				quit_at = now_ms() + linger_ms;
		}
		if (shut && sock_eof)
			return 0;
		wait_ms = timeout_ms;
		if (shut && linger_ms >= 0) {
			if (now_ms() >= quit_at)
				return 0;	/* nc -q: quit, whatever is left */
			if (wait_ms < 0 || quit_at - now_ms() < wait_ms)
				wait_ms = (int)(quit_at - now_ms());
		}

		p[0].fd = sock;
		p[0].events = (sock_eof ? 0 : POLLIN) | (out_len ? POLLOUT : 0);
		if (!p[0].events)
			p[0].fd = -1;	/* else POLLHUP would spin us */
		p[1].fd = !stdin_eof && !out_len ? STDIN_FILENO : -1;
		p[1].events = POLLIN;
		p[0].revents = p[1].revents = 0;

		r = poll(p, 2, wait_ms);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			report("poll");
			return 1;
		}
		if (r == 0 && shut && linger_ms >= 0 && now_ms() >= quit_at)
			return 0;
		if (r == 0) {
			errno = ETIMEDOUT;
			report("poll");
			return 1;
		}

		if (!sock_eof && (p[0].revents & (POLLIN | POLLHUP | POLLERR))) {
			n = recv(sock, in, sizeof(in), 0);
			if (n > 0) {
				if (write_all(STDOUT_FILENO, in, (size_t)n)) {
					report("write");
					return 1;
				}
			} else if (n == 0) {
				sock_eof = true;
				if (end_stdout()) {
					report("close stdout");
					return 1;
				}
			} else if (errno != EINTR && errno != EAGAIN) {
				report("recv");
				return 1;
			}
		}

		if (out_len && (p[0].revents & (POLLOUT | POLLHUP | POLLERR))) {
			n = send(sock, out + out_off, out_len, MSG_NOSIGNAL);
			if (n > 0) {
				out_off += (size_t)n;
				out_len -= (size_t)n;
			} else if (n < 0 && errno != EINTR && errno != EAGAIN) {
				report("send");
				return 1;
			}
		}

		if (p[1].revents & POLLNVAL) {
			stdin_eof = true;	/* no stdin at all: nothing to send */
		} else if (p[1].revents & (POLLIN | POLLHUP | POLLERR)) {
			n = read(STDIN_FILENO, out, sizeof(out));
			if (n > 0) {
				out_off = 0;
				out_len = (size_t)n;
			} else if (n == 0) {
				stdin_eof = true;
			} else if (errno != EINTR && errno != EAGAIN) {
				report("read");
				return 1;
			}
		}
	}
}

static int do_listen(const struct sockaddr_toy *local, bool keep)
{
	struct sockaddr_toy sa;
	socklen_t len;
	int fd, c, one = 1, rc = 0;

	fd = toy_socket(SOCK_CLOEXEC);
	if (fd < 0)
		die_socket();
	/* A restarted server must not trip over its last TIME_WAIT. */
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0)
		die("setsockopt");
	if (bind(fd, (const struct sockaddr *)local, sizeof(*local)) < 0)
		die("bind");
	if (listen(fd, keep ? 16 : 1) < 0)
		die("listen");
	len = sizeof(sa);
	if (getsockname(fd, (struct sockaddr *)&sa, &len) < 0)
		die("getsockname");
	note("listening on", &sa);

	for (;;) {
		len = sizeof(sa);
		c = accept4(fd, (struct sockaddr *)&sa, &len,
			    SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (c < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			die("accept");
		}
		if (!keep)
			close(fd);	/* one connection only: refuse others */
		note("connection from", &sa);
		rc = pump(c);
		close(c);
		if (!keep)
			return rc;
	}
}

static int do_connect(const struct sockaddr_toy *remote,
		      const struct sockaddr_toy *local)
{
	struct pollfd p;
	socklen_t len;
	int fd, r, err;

	fd = toy_socket(SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd < 0)
		die_socket();
	if (local && bind(fd, (const struct sockaddr *)local,
			  sizeof(*local)) < 0)
		die("bind");

	/* Non-blocking connect, so that -w can bound it and EINTR is harmless */
	if (connect(fd, (const struct sockaddr *)remote, sizeof(*remote)) < 0) {
		if (errno != EINPROGRESS && errno != EINTR)
			die("connect");
		p.fd = fd;
		p.events = POLLOUT;
		do {
			r = poll(&p, 1, timeout_ms);
		} while (r < 0 && errno == EINTR);
		if (r < 0)
			die("poll");
		if (r == 0) {
			errno = ETIMEDOUT;
			die("connect");
		}
		len = sizeof(err);
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
			die("getsockopt");
		if (err) {
			errno = err;
			die("connect");
		}
	}
	note("connected to", remote);
	r = pump(fd);
	close(fd);
	return r;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "quiet", no_argument, NULL, 'Q' },
		{ NULL, 0, NULL, 0 },
	};
	const char *src_host = NULL, *src_port = NULL, *host, *port;
	struct sockaddr_toy remote, local;
	bool listen_mode = false, keep = false;
	unsigned long secs;
	char *end, opt[2] = "";
	long qsecs;
	int ch, nargs;

	/* ':' first: a missing argument is reported as such, as nc does. */
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+:46hklNnq:vw:s:p:z", longopts,
				 NULL)) != -1) {
		switch (ch) {
		case 'h':
			usage(stdout);
			return 0;
		case 'k':
			keep = true;
			keep_stdout = true;
			break;
		case 'l':
			listen_mode = true;
			break;
		case '4':
			ipver = TOY_IPVER_4;
			break;
		case '6':
			ipver = TOY_IPVER_6;
			break;
		case 'N':
		case 'n':
			break;	/* what toycat always does: see usage() */
		case 'q':
			errno = 0;
			qsecs = strtol(optarg, &end, 10);
			if (errno || *end || !*optarg || qsecs > INT_MAX / 1000)
				bad_usage("invalid -q seconds: %s", optarg);
			linger_ms = qsecs < 0 ? -1 : (int)qsecs * 1000;
			break;
		case 'Q':
			quiet = true;
			verbose = false;
			break;
		case 'z':
			zero_io = true;
			break;
		case 'v':
			verbose = true;
			quiet = false;
			break;
		case 'w':
			errno = 0;
			secs = strtoul(optarg, &end, 10);
			if (errno || *end || !*optarg || optarg[0] == '-' ||
			    secs == 0 || secs > INT_MAX / 1000)
				bad_usage("invalid timeout: %s", optarg);
			timeout_ms = (int)secs * 1000;
			break;
		case 's':
			src_host = optarg;
			break;
		case 'p':
			src_port = optarg;
			break;
		case ':':
			opt[0] = (char)optopt;
			bad_usage("option -%s needs an argument", opt);
			break;
		default:
			opt[0] = (char)optopt;
			if (optopt)
				bad_usage("unknown option -%s", opt);
			bad_usage("unknown option %s", argv[optind - 1]);
		}
	}
	nargs = argc - optind;

	/* Report our own errors, not a signal, when a reader goes away. */
	signal(SIGPIPE, SIG_IGN);

	if (listen_mode) {
		/* toycat -l [addr] port, or the traditional -l [-s addr] -p port */
		if (nargs > 2 || (nargs == 0 && !src_port))
			bad_usage(nargs ? "too many arguments" : "missing port",
				  NULL);
		host = nargs == 2 ? argv[optind] : src_host;
		port = nargs ? argv[argc - 1] : src_port;
		if (nargs && src_port)
			bad_usage("give the port once", NULL);
		parse_addr(host, port, &local);
		return do_listen(&local, keep);
	}

	if (keep)
		bad_usage("-k needs -l", NULL);
	if (nargs != 2)
		bad_usage(nargs < 2 ? "missing host or port" :
			  "too many arguments", NULL);
	parse_addr(argv[optind], argv[optind + 1], &remote);
	if (src_host || src_port)
		parse_addr(src_host, src_port ? src_port : "0", &local);
	return do_connect(&remote, src_host || src_port ? &local : NULL);
}
