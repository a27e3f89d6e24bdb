// SPDX-License-Identifier: GPL-2.0
/*
 * toydemo: one AF_TOY connection, one system call at a time.
 *
 * A single process plays both the server and the client, so the order of
 * the calls is fixed and every run crosses the same segments: socket, bind,
 * listen, connect, accept, write, read, write, read, close. After each
 * call it prints one line,
 *
 *   [TAG] who: the call = its result
 *
 * and, when stdin is not at EOF, it waits for a line on stdin before the
 * next call: whoever drives it (scripts/demo-guest.sh, selftests/
 * toy_trace.sh) can look at the sockets in between and then say "go on".
 * With stdin at EOF (</dev/null) it runs straight through.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "libtoy.h"

#define MSG		"hello\n"
#define IO_TIMEOUT_S	5	/* no call may block longer than this */

static bool stdin_eof;

static void usage(FILE *out)
{
	fprintf(out,
"Usage: toydemo [-a addr] [-p port] [-c port]\n"
"Walk one AF_TOY connection through its system calls: the server's socket,\n"
"bind and listen, the client's socket and connect, accept, the client's\n"
"write of \"hello\", the server's read and echo, the client's read, and both\n"
"closes. After each call a line \"[tag] who: call = result\" goes to stdout;\n"
"then, unless stdin is at EOF, toydemo waits for a line on stdin, so that\n"
"another program can look at the sockets (toyss -a) between two calls.\n"
"\n"
"  -a addr     server address (default 127.0.0.1)\n"
"  -p port     server port (default 7000)\n"
"  -c port     bind the client to this port first (default: the kernel\n"
"              picks an ephemeral one at connect)\n"
"  -h          this help\n"
"Exit status 0 if every call did what it should, 1 otherwise.\n");
}

/* Print the step's line and wait for the driver, if there is one. */
static void step(const char *tag, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void step(const char *tag, const char *fmt, ...)
{
	char line[64];
	va_list ap;

	printf("[%s] ", tag);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	if (!stdin_eof && !fgets(line, sizeof(line), stdin))
		stdin_eof = true;
}

static void die(const char *what)
{
	printf("[error] %s: %s\n", what, strerror(errno));
	fflush(stdout);
	exit(1);
}

/* socket() failed: naming toy.ko if it is missing */
static void die_socket(void)
{
	printf("[error] socket: %s\n", toy_socket_strerror(errno));
	fflush(stdout);
	exit(1);
}

/* Every blocking call gets a timeout: a broken module must not hang us. */
static void timeouts(int fd)
{
	struct timeval tv = { IO_TIMEOUT_S, 0 };

	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)))
		die("setsockopt(SO_RCVTIMEO/SO_SNDTIMEO)");
}

static const char *addr_str(const struct sockaddr_toy *sa)
{
	static char buf[2][TOY_ADDRSTRLEN];
	static int i;

	i ^= 1;
	if (!toy_addr_str(sa, buf[i], sizeof(buf[i])))
		return "?";
	return buf[i];
}

/* "hello\n" as "hello\n" with the escape shown, for the step lines. */
static const char *shown(const char *s, size_t n)
{
	static char buf[64];
	size_t i, j = 0;

	for (i = 0; i < n && j + 3 < sizeof(buf); i++) {
		if (s[i] == '\n') {
			buf[j++] = '\\';
			buf[j++] = 'n';
		} else {
			buf[j++] = s[i];
		}
	}
	buf[j] = '\0';
	return buf;
}

int main(int argc, char **argv)
{
	const char *host = "127.0.0.1", *port = "7000", *cport = NULL;
	struct sockaddr_toy srv, cli, peer;
	socklen_t plen = sizeof(peer);
	int lfd, cfd, sfd, ch;
	char buf[64];
	ssize_t n, m;

	while ((ch = getopt(argc, argv, "a:p:c:h")) != -1) {
		switch (ch) {
		case 'a': host = optarg; break;
		case 'p': port = optarg; break;
		case 'c': cport = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc || toy_addr_parse(host, port, &srv) ||
	    (cport && toy_addr_parse(host, cport, &cli))) {
		usage(stderr);
		return 2;
	}

	/* The server: a socket, an address, then ready for connections. */
	lfd = toy_socket(0);
	if (lfd < 0)
		die_socket();
	step("socket", "server: socket(AF_TOY, SOCK_STREAM, 0) = %d", lfd);
	if (bind(lfd, (struct sockaddr *)&srv, sizeof(srv)))
		die("bind");
	step("bind", "server: bind(%d, %s) = 0", lfd, addr_str(&srv));
	if (listen(lfd, 8))
		die("listen");
	step("listen", "server: listen(%d, 8) = 0", lfd);

	/* The client: its own socket, then connect() does the handshake. */
	cfd = toy_socket(0);
	if (cfd < 0)
		die_socket();
	timeouts(cfd);
	if (cport && bind(cfd, (struct sockaddr *)&cli, sizeof(cli)))
		die("bind (client)");
	if (cport)
		step("socket-client", "client: socket(AF_TOY, SOCK_STREAM, 0) = %d, bind(%d, %s) = 0",
		     cfd, cfd, addr_str(&cli));
	else
		step("socket-client", "client: socket(AF_TOY, SOCK_STREAM, 0) = %d", cfd);
	if (connect(cfd, (struct sockaddr *)&srv, sizeof(srv)))
		die("connect");
	step("connect", "client: connect(%d, %s) = 0", cfd, addr_str(&srv));

	sfd = accept(lfd, (struct sockaddr *)&peer, &plen);
	if (sfd < 0)
		die("accept");
	timeouts(sfd);
	step("accept", "server: accept(%d) = %d, the client is %s", lfd, sfd,
	     addr_str(&peer));

	/* Data: the client says hello, the server echoes it back. */
	n = write(cfd, MSG, strlen(MSG));
	if (n != (ssize_t)strlen(MSG))
		die("write");
	step("write", "client: write(%d, \"%s\") = %zd", cfd, shown(MSG, n), n);
	n = read(sfd, buf, sizeof(buf));
	if (n <= 0)
		die("read");
	step("read", "server: read(%d) = %zd: \"%s\"", sfd, n, shown(buf, n));
	m = write(sfd, buf, n);
	if (m != n)
		die("write (server)");
	step("write-back", "server: write(%d, \"%s\") = %zd", sfd, shown(buf, n), m);
	n = read(cfd, buf, sizeof(buf));
	if (n <= 0)
		die("read (client)");
	step("read-back", "client: read(%d) = %zd: \"%s\"", cfd, n, shown(buf, n));

	/* The end: the client hangs up first, the server sees EOF and follows. */
	if (close(cfd))
		die("close");
	step("close", "client: close(%d) = 0", cfd);
	n = read(sfd, buf, sizeof(buf));
	if (n != 0) {
		errno = n < 0 ? errno : EPROTO;
		die("read (EOF)");
	}
	step("read-eof", "server: read(%d) = 0 (end of file)", sfd);
	if (close(sfd))
		die("close (server)");
	step("close-server", "server: close(%d) = 0", sfd);
	if (close(lfd))
		die("close (listener)");
	step("close-listener", "server: close(%d) = 0", lfd);
	return 0;
}
