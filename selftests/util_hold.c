// SPDX-License-Identifier: GPL-2.0
/*
 * util_hold: small helper for toy_module.sh.
 *
 *   util_hold listen [SECS]   open a listener on 127.0.0.1, print "ready PORT",
 *                            then hold it for SECS seconds (default 60) or
 *                            until killed
 *   util_hold timewait        make one loopback connection and close it so the
 *                            client is left in TIME_WAIT; print "timewait PORT"
 *                            and exit (the TIME_WAIT socket outlives us)
 *   util_hold probe FAMILY    socket(FAMILY, SOCK_STREAM, 0): exit 0 if that
 *                            works (it may autoload the module), 1 if not
 *   util_hold abort PORT [SECS [6]]  listen on 0.0.0.0:PORT (with 6,
 *                            [::]:PORT), accept one connection within SECS
 *                            seconds (default 60) and abort it: SO_LINGER
 *                            {1, 0}, then close(), which sends an RST
 *                            (wire_peer.sh)
 */
#define _GNU_SOURCE
#include <stdbool.h>

#include "toy_test.h"

static int do_listen(int secs)
{
	int fd, port;

	fd = toy_listener(TOY_LO, 1, &port);
	if (fd < 0) {
		perror("util_hold: listener");
		return 1;
	}
	printf("ready %d\n", port);
	fflush(stdout);
	sleep(secs);
	close(fd);
	return 0;
}

static int do_timewait(void)
{
	int lfd, cfd, sfd, lport, cport;
	char c;

	if (toy_pair(&lfd, &cfd, &sfd, &lport, &cport)) {
		perror("util_hold: connection");
		return 1;
	}
	close(cfd);			/* client: active close */
	if (recv(sfd, &c, 1, 0) != 0) {
		perror("util_hold: no EOF");
		return 1;
	}
	close(sfd);
	close(lfd);
	if (toy_wait_state(cport, lport, TOY_ST_TIME_WAIT, TOY_WAIT_MS)) {
		fprintf(stderr, "util_hold: client never reached TIME_WAIT\n");
		return 1;
	}
	printf("timewait %d\n", cport);
	return 0;
}

static int do_probe(int family)
{
	int fd = socket(family, SOCK_STREAM, 0);

	if (fd < 0) {
		fprintf(stderr, "util_hold: socket(%d, SOCK_STREAM, 0): %s\n",
			family, strerror(errno));
		return 1;
	}
	close(fd);
	return 0;
}

static int do_abort(int port, int secs, bool v6)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	struct sockaddr_toy sa = toy_sa(htonl(INADDR_ANY), port);

	if (v6)
		sa.stoy_ipver = TOY_IPVER_6;	/* :: */
	struct pollfd pfd;
	int lfd, fd;

	lfd = toy_socket();
	if (lfd < 0 || toy_set_int(lfd, SOL_SOCKET, SO_REUSEADDR, 1) ||
	    bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) || listen(lfd, 1)) {
		perror("util_hold: listener");
		return 1;
	}
	pfd = (struct pollfd){ .fd = lfd, .events = POLLIN };
	if (poll(&pfd, 1, secs * 1000) != 1) {
		fprintf(stderr, "util_hold: no connection in %d s\n", secs);
		return 1;
	}
	fd = accept(lfd, NULL, NULL);
	if (fd < 0) {
		perror("util_hold: accept");
		return 1;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg))) {
		perror("util_hold: SO_LINGER");
		return 1;
	}
	close(fd);
	close(lfd);
	printf("aborted\n");
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "listen"))
		return do_listen(argc >= 3 ? atoi(argv[2]) : 60);
	if (argc == 2 && !strcmp(argv[1], "timewait"))
		return do_timewait();
	if (argc == 3 && !strcmp(argv[1], "probe"))
		return do_probe(atoi(argv[2]));
	if (argc >= 3 && !strcmp(argv[1], "abort"))
		return do_abort(atoi(argv[2]), argc >= 4 ? atoi(argv[3]) : 60,
				argc >= 5 && !strcmp(argv[4], "6"));
	fprintf(stderr,
		"usage: %s listen [SECS] | timewait | probe FAMILY | abort PORT [SECS [6]]\n",
		argv[0]);
	return 2;
}
