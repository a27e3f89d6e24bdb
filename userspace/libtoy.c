// SPDX-License-Identifier: GPL-2.0
/*
 * libtoy: family lookup, address helpers and /proc parsers for AF_TOY.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <stdint.h>
#include <linux/netlink.h>

#include "libtoy.h"

/*
 * Read one decimal integer from a sysfs file. A missing file is not an
 * error here: the caller falls back to the default.
 */
static int read_sysfs_int(const char *path, int *val)
{
	char buf[32], *end;
	ssize_t n;
	long v;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	do {
		n = read(fd, buf, sizeof(buf) - 1);
	} while (n < 0 && errno == EINTR);
	if (n < 0) {
		n = -errno;
		close(fd);
		return n;
	}
	close(fd);
	buf[n] = '\0';

	errno = 0;
	v = strtol(buf, &end, 10);
	if (errno || end == buf || (*end && *end != '\n') || v < 0 ||
	    v > INT_MAX)
		return -EINVAL;
	*val = (int)v;
	return 0;
}

static int cached_sysfs_int(int *cache, const char *path, int def)
{
	int err, v = 0;

	if (*cache > 0)
		return *cache;
	err = read_sysfs_int(path, &v);
	if (err == -ENOENT) {
		/* Module not loaded: socket() will say EAFNOSUPPORT itself. */
		errno = ENOENT;
		return def;
	}
	if (err) {
		errno = -err;
		return -1;
	}
	*cache = v;
	return v;
}

int toy_family(void)
{
	static int family;

	return cached_sysfs_int(&family, TOY_FAMILY_SYSFS, AF_TOY_DEFAULT);
}

int toy_ipproto(void)
{
	static int proto;

	return cached_sysfs_int(&proto, TOY_IPPROTO_SYSFS, IPPROTO_TOY);
}

int toy_socket(int type_flags)
{
	int family = toy_family();

	if (family < 0)
		return -1;
	return socket(family, SOCK_STREAM | type_flags, 0);
}

const char *toy_socket_strerror(int err)
{
	static char buf[160];

	if (err != EAFNOSUPPORT)
		return strerror(err);
	snprintf(buf, sizeof(buf),
		 "AF_TOY (family %d) is not available: is toy.ko loaded? (insmod module/toy.ko, or modprobe toy once installed)",
		 toy_family());
	return buf;
}

/* Strict decimal 0..65535: no sign, no spaces, no hex */
static int parse_port(const char *s, unsigned int *port)
{
	unsigned long v = 0;

	if (!s || !*s)
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		v = v * 10 + (unsigned long)(*s - '0');
		if (v > 65535)
			return -EINVAL;
	}
	*port = (unsigned int)v;
	return 0;
}

/*
 * An IPv6 address, bare or in brackets, with an optional %scope: an
 * interface name or a decimal index. 0 or -EINVAL.
 */
static int parse_v6(const char *host, struct in6_addr *addr, uint32_t *scope)
{
	char buf[INET6_ADDRSTRLEN + IF_NAMESIZE + 4], *pct, *end;
	size_t n = strlen(host);
	unsigned long v;

	if (n >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, host, n + 1);
	if (buf[0] == '[') {
		if (n < 2 || buf[n - 1] != ']')
			return -EINVAL;
		buf[n - 1] = '\0';
		memmove(buf, buf + 1, n - 1);
	}
	*scope = 0;
	pct = strchr(buf, '%');
	if (pct) {
		*pct++ = '\0';
		if (!*pct)
			return -EINVAL;
		errno = 0;
		v = strtoul(pct, &end, 10);
		if (*pct >= '0' && *pct <= '9' && !*end && !errno &&
		    v <= UINT32_MAX)
			*scope = (uint32_t)v;
		else
			*scope = if_nametoindex(pct);
		if (!*scope)
			return -EINVAL;
	}
	return inet_pton(AF_INET6, buf, addr) == 1 ? 0 : -EINVAL;
}

int toy_addr_parse(const char *host, const char *port,
		   struct sockaddr_toy *sa)
{
	struct in6_addr in6;
	struct in_addr in;
	uint32_t scope = 0;
	unsigned int p;
	int family, ipver = TOY_IPVER_4;

	if (parse_port(port, &p))
		return -EINVAL;

	if (!host || !strcmp(host, "*"))
		in.s_addr = htonl(INADDR_ANY);
	else if (!strcmp(host, "localhost"))
		in.s_addr = htonl(INADDR_LOOPBACK);
	else if (inet_pton(AF_INET, host, &in) == 1)	/* dotted quad only */
		;
	else if (strchr(host, ':') && !parse_v6(host, &in6, &scope))
		ipver = TOY_IPVER_6;
	else
		return -EINVAL;

	family = toy_family();
	if (family < 0)
		family = AF_TOY_DEFAULT;

	memset(sa, 0, sizeof(*sa));
	sa->stoy_family = (__kernel_sa_family_t)family;
	sa->stoy_port = htons((uint16_t)p);
	sa->stoy_ipver = (uint8_t)ipver;
	if (ipver == TOY_IPVER_6) {
		memcpy(sa->stoy_addr.v6, &in6, sizeof(in6));
		sa->stoy_scope_id = scope;
	} else {
		sa->stoy_addr.v4 = in.s_addr;
	}
	return 0;
}

const char *toy_addr_str(const struct sockaddr_toy *sa, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN], scope[16] = "";
	struct in_addr in;
	int n;

	if (sa->stoy_ipver == TOY_IPVER_6) {
		if (!inet_ntop(AF_INET6, sa->stoy_addr.v6, ip, sizeof(ip)))
			return NULL;
		if (sa->stoy_scope_id)
			snprintf(scope, sizeof(scope), "%%%u", sa->stoy_scope_id);
		n = snprintf(buf, len, "[%s%s]:%u", ip, scope,
			     ntohs(sa->stoy_port));
	} else if (sa->stoy_ipver == TOY_IPVER_4) {
		in.s_addr = sa->stoy_addr.v4;
		if (!inet_ntop(AF_INET, &in, ip, sizeof(ip)))
			return NULL;
		n = snprintf(buf, len, "%s:%u", ip, ntohs(sa->stoy_port));
	} else {
		errno = EAFNOSUPPORT;
		return NULL;
	}
	if (n < 0 || (size_t)n >= len) {
		errno = ENOSPC;
		return NULL;
	}
	return buf;
}

const char *toy_state_name(int tcp_state)
{
	return toy_state_names(tcp_state)->ss;
}

const char *toy_timer_name(int timer)
{
	static const char *const names[] = {
		"off", "on", "keepalive", "timewait", "persist",
	};

	if (timer < 0 || timer > TOY_TIMER_PROBE)
		return "unknown";
	return names[timer];
}

unsigned long toy_timer_ms(const struct toy_sock_entry *e)
{
	/* The column is in USER_HZ ticks, as in /proc/net/tcp. */
	long hz = sysconf(_SC_CLK_TCK);

	if (hz <= 0)
		hz = 100;
	return (e->timer_when * 1000 + (unsigned long)hz - 1) / (unsigned long)hz;
}

int toy_proc_path(const char *name, char *buf, size_t len)
{
	const char *dir = getenv(TOY_PROC_DIR_ENV);
	int n;

	if (!dir || !*dir)
		dir = TOY_PROC_DIR_DEFAULT;
	n = snprintf(buf, len, "%s/%s", dir, name);
	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	return 0;
}

static FILE *proc_open(const char *path, const char *name)
{
	char buf[PATH_MAX];
	int err;

	if (!path) {
		err = toy_proc_path(name, buf, sizeof(buf));
		if (err) {
			errno = -err;
			return NULL;
		}
		path = buf;
	}
	return fopen(path, "re");
}

static void set_v4(struct sockaddr_toy *sa, unsigned int addr,
		   unsigned int port, int family)
{
	memset(sa, 0, sizeof(*sa));
	sa->stoy_family = (__kernel_sa_family_t)family;
	sa->stoy_ipver = TOY_IPVER_4;
	/* The kernel printed the __be32 as a native u32: store it back as is. */
	sa->stoy_addr.v4 = addr;
	sa->stoy_port = htons((uint16_t)port);
}

/* The same for /proc/net/toy6's four words, each a __be32 as printed. */
static void set_v6(struct sockaddr_toy *sa, const unsigned int w[4],
		   unsigned int port, int family)
{
	uint32_t words[4];
	int i;

	memset(sa, 0, sizeof(*sa));
	sa->stoy_family = (__kernel_sa_family_t)family;
	sa->stoy_ipver = TOY_IPVER_6;
	for (i = 0; i < 4; i++)
		words[i] = w[i];
	memcpy(sa->stoy_addr.v6, words, sizeof(words));
	sa->stoy_port = htons((uint16_t)port);
}

static int parse_sock_line(const char *line, struct toy_sock_entry *e,
			   int family)
{
	unsigned int laddr, lport, raddr, rport, st, tr;
	int n;

	unsigned int l6[4], r6[4];

	memset(e, 0, sizeof(*e));
	n = sscanf(line, " %u: %8X:%4X %8X:%4X %2X %8X:%8X %2X:%8lX %8X %u %d %lu",
		   &e->sl, &laddr, &lport, &raddr, &rport, &st,
		   &e->tx_queue, &e->rx_queue, &tr, &e->timer_when,
		   &e->retransmits, &e->uid, &e->timeout, &e->inode);
	if (n == 14) {
		set_v4(&e->local, laddr, lport, family);
		set_v4(&e->remote, raddr, rport, family);
	} else {
		/* /proc/net/toy6: four words per address, as tcp6 */
		memset(e, 0, sizeof(*e));
		n = sscanf(line, " %u: %8X%8X%8X%8X:%4X %8X%8X%8X%8X:%4X %2X %8X:%8X %2X:%8lX %8X %u %d %lu",
			   &e->sl, &l6[0], &l6[1], &l6[2], &l6[3], &lport,
			   &r6[0], &r6[1], &r6[2], &r6[3], &rport, &st,
			   &e->tx_queue, &e->rx_queue, &tr, &e->timer_when,
			   &e->retransmits, &e->uid, &e->timeout, &e->inode);
		if (n != 20)
			return -EINVAL;
		set_v6(&e->local, l6, lport, family);
		set_v6(&e->remote, r6, rport, family);
	}
	e->state = (int)st;
	e->timer = (int)tr;
	return 0;
}

int toy_proc_read(const char *path, toy_proc_cb cb, void *arg)
{
	struct toy_sock_entry e;
	char *line = NULL;
	size_t cap = 0;
	int count = 0, err = 0, family;
	FILE *f;

	f = proc_open(path, "toy");
	if (!f)
		return -errno;

	family = toy_family();
	if (family < 0)
		family = AF_TOY_DEFAULT;

	/* The first line is the column header. */
	if (getline(&line, &cap, f) < 0) {
		err = ferror(f) ? -EIO : 0;
		goto out;
	}
	while (getline(&line, &cap, f) >= 0) {
		if (line[strspn(line, " \t\n")] == '\0')
			continue;
		err = parse_sock_line(line, &e, family);
		if (err)
			break;
		count++;
		if (cb && cb(&e, arg))
			break;
	}
	if (!err && ferror(f))
		err = -EIO;
out:
	free(line);
	fclose(f);
	return err ? err : count;
}

/* Split "Prefix: a b c" into the prefix and the words after it. */
static char *split_prefix(char *line, char **rest)
{
	char *colon = strchr(line, ':');

	if (!colon)
		return NULL;
	*colon = '\0';
	*rest = colon + 1;
	return line;
}

static int parse_stat_pair(char *names, char *values, struct toy_stat *st)
{
	char *np, *vp, *nsave, *vsave, *end;
	const char *sep = " \t\n";

	np = strtok_r(names, sep, &nsave);
	vp = strtok_r(values, sep, &vsave);
	while (np && vp) {
		if (st->n >= TOY_STAT_MAX || strlen(np) >= TOY_STAT_NAMELEN)
			return -EINVAL;
		errno = 0;
		st->v[st->n].value = strtoll(vp, &end, 10);
		if (errno || *end)
			return -EINVAL;
		strcpy(st->v[st->n].name, np);
		st->n++;
		np = strtok_r(NULL, sep, &nsave);
		vp = strtok_r(NULL, sep, &vsave);
	}
	return (np || vp) ? -EINVAL : 0;
}

int toy_stat_read(const char *path, struct toy_stat *st)
{
	char *names = NULL, *values = NULL, *nrest, *vrest, *np, *vp;
	size_t ncap = 0, vcap = 0;
	int err = 0;
	FILE *f;

	st->n = 0;
	f = proc_open(path, "toy_stat");
	if (!f)
		return -errno;

	while (getline(&names, &ncap, f) >= 0) {
		if (names[strspn(names, " \t\n")] == '\0')
			continue;
		if (getline(&values, &vcap, f) < 0) {
			err = -EINVAL;
			break;
		}
		np = split_prefix(names, &nrest);
		vp = split_prefix(values, &vrest);
		if (!np || !vp || strcmp(np, vp)) {
			err = -EINVAL;
			break;
		}
		err = parse_stat_pair(nrest, vrest, st);
		if (err)
			break;
	}
	if (!err && ferror(f))
		err = -EIO;
	free(names);
	free(values);
	fclose(f);
	return err ? err : (int)st->n;
}

int toy_stat_get(const struct toy_stat *st, const char *name, long long *value)
{
	size_t i;

	for (i = 0; i < st->n; i++) {
		if (!strcmp(st->v[i].name, name)) {
			*value = st->v[i].value;
			return 0;
		}
	}
	return -ENOENT;
}

/* ---- sock_diag -------------------------------------------------------------- */

static void diag_addr(struct sockaddr_toy *sa, int family, __be32 addr,
		      __be16 port)
{
	memset(sa, 0, sizeof(*sa));
	sa->stoy_family = (__kernel_sa_family_t)family;
	sa->stoy_ipver = TOY_IPVER_4;
	sa->stoy_addr.v4 = addr;
	sa->stoy_port = port;
}

/* An IPv6 socket's addresses replace the zeros of the v4 fields. */
static void diag_addrs6(struct toy_diag_entry *d, const void *data)
{
	struct toy_diag_addrs6 a;

	memcpy(&a, data, sizeof(a));
	d->e.local.stoy_ipver = TOY_IPVER_6;
	d->e.remote.stoy_ipver = TOY_IPVER_6;
	memcpy(d->e.local.stoy_addr.v6, a.src, sizeof(a.src));
	memcpy(d->e.remote.stoy_addr.v6, a.dst, sizeof(a.dst));
	d->e.local.stoy_scope_id = a.scope_id;
	d->e.remote.stoy_scope_id = a.scope_id;
}

/* One SOCK_DIAG_BY_FAMILY reply: struct toy_diag_msg, then attributes. */
static int diag_decode(const struct nlmsghdr *nlh, unsigned int sl,
		       struct toy_diag_entry *d)
{
	size_t len = nlh->nlmsg_len - NLMSG_HDRLEN, off;
	const unsigned char *p = NLMSG_DATA(nlh);
	const struct toy_diag_msg *m = (const void *)p;
	long hz = sysconf(_SC_CLK_TCK);

	if (len < sizeof(*m))
		return -EINVAL;
	if (hz <= 0)
		hz = 100;
	memset(d, 0, sizeof(*d));
	d->shutdown = -1;
	d->e.sl = sl;
	diag_addr(&d->e.local, m->tdiag_family, m->tdiag_src, m->tdiag_sport);
	diag_addr(&d->e.remote, m->tdiag_family, m->tdiag_dst, m->tdiag_dport);
	d->e.state = m->tdiag_state;
	d->e.tx_queue = m->tdiag_wqueue;
	d->e.rx_queue = m->tdiag_rqueue;
	d->e.timer = m->tdiag_timer;
	d->e.timer_when = ((unsigned long)m->tdiag_expires * (unsigned long)hz +
			   999) / 1000;
	d->e.retransmits = m->tdiag_retrans;
	d->e.uid = m->tdiag_uid;
	d->e.inode = m->tdiag_inode;
	d->timer_ms = m->tdiag_expires;
	d->cookie[0] = m->tdiag_cookie[0];
	d->cookie[1] = m->tdiag_cookie[1];

	for (off = NLMSG_ALIGN(sizeof(*m)); off + NLA_HDRLEN <= len;) {
		const struct nlattr *a = (const void *)(p + off);
		const void *data = p + off + NLA_HDRLEN;
		size_t alen;

		if (a->nla_len < NLA_HDRLEN || off + a->nla_len > len)
			return -EINVAL;
		alen = a->nla_len - NLA_HDRLEN;
		switch (a->nla_type & NLA_TYPE_MASK) {
		case TOY_DIAG_INFO:
			/* An older or newer struct: take what both know. */
			memcpy(&d->info, data, alen < sizeof(d->info) ?
			       alen : sizeof(d->info));
			d->has_info = true;
			break;
		case TOY_DIAG_MEMINFO:
			d->nmem = (unsigned int)(alen / sizeof(__u32));
			if (d->nmem > SK_MEMINFO_VARS)
				d->nmem = SK_MEMINFO_VARS;
			memcpy(d->mem, data, d->nmem * sizeof(__u32));
			break;
		case TOY_DIAG_SHUTDOWN:
			if (alen >= 1)
				d->shutdown = *(const __u8 *)data;
			break;
		case TOY_DIAG_CONG:
			/* NUL-terminated, or cut short: ours is either way. */
			if (alen >= sizeof(d->cong))
				alen = sizeof(d->cong) - 1;
			memcpy(d->cong, data, alen);
			d->cong[alen] = '\0';
			break;
		case TOY_DIAG_ADDRS6:
			if (alen >= sizeof(struct toy_diag_addrs6))
				diag_addrs6(d, data);
			break;
		}
		off += NLA_ALIGN(a->nla_len);
	}
	return 0;
}

/* NLMSG_OK() without its int/__u32 comparisons (clang's -Wsign-compare) */
static bool nlmsg_ok(const struct nlmsghdr *nlh, int rest)
{
	return rest >= NLMSG_HDRLEN &&
	       nlh->nlmsg_len >= (unsigned int)NLMSG_HDRLEN &&
	       nlh->nlmsg_len <= (unsigned int)rest;
}

int toy_diag_parse(const void *buf, size_t len, toy_diag_cb cb, void *arg,
		   bool *done)
{
	const struct nlmsghdr *nlh = buf;
	struct toy_diag_entry d;
	int count = 0, err;
	int rest = (int)len;

	for (; nlmsg_ok(nlh, rest); nlh = NLMSG_NEXT(nlh, rest)) {
		const void *data = NLMSG_DATA(nlh);
		size_t plen = nlh->nlmsg_len - NLMSG_HDRLEN;

		switch (nlh->nlmsg_type) {
		case NLMSG_DONE:
			*done = true;
			/* A dump that failed half-way says so here. */
			if (plen >= sizeof(int) && *(const int *)data < 0)
				return *(const int *)data;
			return count;
		case NLMSG_ERROR: {
			const struct nlmsgerr *e = data;

			if (plen < sizeof(*e))
				return -EINVAL;
			*done = true;
			return e->error < 0 ? e->error : count;
		}
		case SOCK_DIAG_BY_FAMILY:
			err = diag_decode(nlh, (unsigned int)count, &d);
			if (err)
				return err;
			count++;
			if (cb && cb(&d, arg)) {
				*done = true;
				return count;
			}
			break;
		default:
			break;	/* NLMSG_NOOP and friends */
		}
	}
	/* Leftover bytes that do not make a whole message: truncated. */
	return rest ? -EINVAL : count;
}

static int diag_open(void)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int fd;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

static int diag_send(int fd, __u16 type, __u16 flags,
		     const struct toy_diag_req *req)
{
	struct {
		struct nlmsghdr		nlh;
		struct toy_diag_req	req;
	} msg;
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	int family;

	memset(&msg, 0, sizeof(msg));
	msg.nlh.nlmsg_len = sizeof(msg);
	msg.nlh.nlmsg_type = type;
	msg.nlh.nlmsg_flags = NLM_F_REQUEST | flags;
	msg.nlh.nlmsg_seq = 1;
	msg.req = *req;
	if (!msg.req.sdiag_family) {
		family = toy_family();
		if (family < 0)
			return -errno;
		msg.req.sdiag_family = (__u8)family;
	}
	if (sendto(fd, &msg, sizeof(msg), 0, (struct sockaddr *)&kernel,
		   sizeof(kernel)) < 0)
		return -errno;
	return 0;
}

/* Read replies until NLMSG_DONE or an error; @cb may be NULL (acks). */
static int diag_recv(int fd, toy_diag_cb cb, void *arg)
{
	static char buf[32768] __attribute__((aligned(NLMSG_ALIGNTO)));
	int count = 0, n;
	bool done = false;
	ssize_t got;

	while (!done) {
		got = recv(fd, buf, sizeof(buf), 0);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (got == 0)
			return -EIO;
		n = toy_diag_parse(buf, (size_t)got, cb, arg, &done);
		if (n < 0)
			return n;
		count += n;
	}
	return count;
}

int toy_diag_dump(const struct toy_diag_req *req, toy_diag_cb cb, void *arg)
{
	int fd, err;

	fd = diag_open();
	if (fd < 0)
		return fd;
	err = diag_send(fd, SOCK_DIAG_BY_FAMILY, NLM_F_DUMP, req);
	if (!err)
		err = diag_recv(fd, cb, arg);
	close(fd);
	return err;
}

int toy_diag_destroy(const struct toy_diag_entry *d)
{
	struct toy_diag_req req;
	int fd, err;

	memset(&req, 0, sizeof(req));
	req.sdiag_family = (__u8)d->e.local.stoy_family;
	req.tdiag_sport = d->e.local.stoy_port;
	req.tdiag_dport = d->e.remote.stoy_port;
	req.tdiag_src = d->e.local.stoy_addr.v4;
	req.tdiag_dst = d->e.remote.stoy_addr.v4;
	req.tdiag_cookie[0] = d->cookie[0];
	req.tdiag_cookie[1] = d->cookie[1];

	fd = diag_open();
	if (fd < 0)
		return fd;
	err = diag_send(fd, SOCK_DESTROY, NLM_F_ACK, &req);
	if (!err)
		err = diag_recv(fd, NULL, NULL);
	close(fd);
	return err < 0 ? err : 0;
}
