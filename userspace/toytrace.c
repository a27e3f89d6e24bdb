// SPDX-License-Identifier: GPL-2.0
/*
 * toytrace: run a command with the toy:* tracepoints on and draw every
 * AF_TOY connection it made as a sequence diagram, one arrow per segment
 * with its real flags and numbers, and the state each side enters.
 *
 * The tracepoints (module/trace.h) carry the 4-tuple, so events are
 * grouped by connection without knowing any socket address. Over loopback
 * a segment is traced twice, "out" on the sender and "in" on the receiver:
 * arrows come from the "out" events, and an "out" that never came "in" on
 * a host we saw receive is drawn as lost (--x), with the receiver's
 * reason when toy:toy_drop says it dropped it ("[dropped: CSUM]"). An "in"
 * with no "out" came from a host we do not trace, and is drawn as an
 * arrow too.
 *
 * -r renders a saved trace file instead, so rendering is tested on the host.
 */
#include <ctype.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cwndplot.h"
#include "fsmplot.h"
#include "libtoy.h"

#define TRACEFS_DIR	"/sys/kernel/tracing"
#define DEBUGFS_DIR	"/sys/kernel/debug/tracing"

/* TCP_* numbers: 1..11, named as toy_show_state() does (libtoy.c) */
#define NSTATES		12
enum { ST_SYN_SENT = 2, ST_SYN_RECV = 3, ST_CLOSE = 7, ST_CLOSE_WAIT = 8,
       ST_LISTEN = 10 };

/* TOYHDR_* bits, in the order toy_show_flags() prints them */
static const struct {
	unsigned int	bit;
	const char	*name;
} flag_names[] = {
	{ 0x02, "SYN" }, { 0x01, "FIN" }, { 0x04, "RST" }, { 0x10, "ACK" },
	{ 0x20, "SACKOK" },
};
#define F_FIN	0x01
#define F_SYN	0x02
#define F_RST	0x04
#define F_ACK	0x10

/* ---- events ---------------------------------------------------------------- */

/*
 * An endpoint. An IPv6 one (the events' saddrv6/daddrv6, not v4-mapped)
 * has @v6 and @a6, and @addr folded from them, so that the code that
 * compares and groups by @addr needs no second case (:: folds to 0, the
 * wildcard, as 0.0.0.0 is).
 */
struct ep {
	uint32_t	addr;	/* host order */
	unsigned int	port;
	bool		v6;
	unsigned char	a6[16];
};

enum ev_kind { EV_SEG, EV_STATE, EV_RETRANS, EV_RESET, EV_CWND, EV_DROP };

struct ev {
	enum ev_kind	kind;
	unsigned long long us;	/* trace timestamp */
	bool		out;	/* SEG: out, not in; RESET: sent, not received */
	struct ep	src, dst;	/* SEG: sender, receiver; else local, peer */
	unsigned int	flags, len;
	uint32_t	seq, ack, window;
	int		oldstate, newstate;	/* STATE; RETRANS/RESET: newstate */
	unsigned int	retransmits;
	uint32_t	rto_us;
	/* CWND: the congestion window's event */
	uint32_t	cwnd, ssthresh, in_flight, srtt_us;
	int		ca_state;
	/* set while grouping */
	int		conn;
	int		match;		/* SEG: the in of this out, or -1 */
	bool		matched;	/* SEG in: an out claimed it */
	bool		retrans;	/* SEG out: a retransmission */
	/* DROP: the receiver's reason; SEG out: the same, if it was dropped */
	char		reason[16];
	/* SEG: SACK blocks, [sack[2i], sack[2i+1]) */
	unsigned int	nsack;
	uint32_t	sack[8];
};

struct evs {
	struct ev	*v;
	size_t		n, cap;
};

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p) {
		fprintf(stderr, "toytrace: out of memory\n");
		exit(1);
	}
	return p;
}

static bool ep_eq(struct ep a, struct ep b)
{
	return a.addr == b.addr && a.port == b.port && a.v6 == b.v6 &&
	       (!a.v6 || !memcmp(a.a6, b.a6, sizeof(a.a6)));
}

static const char *ep_str(struct ep e, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN];

	if (e.v6 && inet_ntop(AF_INET6, e.a6, ip, sizeof(ip))) {
		snprintf(buf, len, "[%s]:%u", ip, e.port);
		return buf;
	}
	snprintf(buf, len, "%u.%u.%u.%u:%u", e.addr >> 24, (e.addr >> 16) & 255,
		 (e.addr >> 8) & 255, e.addr & 255, e.port);
	return buf;
}

/* The value of "key=" in @s, up to the next space, into @out. */
static bool field(const char *s, const char *key, char *out, size_t len)
{
	size_t klen = strlen(key), n;
	const char *p = s;

	while ((p = strstr(p, key))) {
		if ((p == s || p[-1] == ' ') && p[klen] == '=') {
			p += klen + 1;
			n = strcspn(p, " \n");
			if (n >= len)
				return false;
			memcpy(out, p, n);
			out[n] = '\0';
			return true;
		}
		p += klen;
	}
	return false;
}

static bool field_u32(const char *s, const char *key, uint32_t *v)
{
	char buf[32], *end;
	unsigned long long x;

	if (!field(s, key, buf, sizeof(buf)) || !isdigit((unsigned char)buf[0]))
		return false;
	errno = 0;
	x = strtoull(buf, &end, 10);
	if (errno || *end || x > UINT32_MAX)
		return false;
	*v = (uint32_t)x;
	return true;
}

static bool field_ip(const char *s, const char *key, uint32_t *v)
{
	unsigned int a, b, c, d;
	char buf[32], tail;

	if (!field(s, key, buf, sizeof(buf)) ||
	    sscanf(buf, "%u.%u.%u.%u%c", &a, &b, &c, &d, &tail) != 4 ||
	    a > 255 || b > 255 || c > 255 || d > 255)
		return false;
	*v = a << 24 | b << 16 | c << 8 | d;
	return true;
}

/* "SYN|ACK" (or "" for none, or with a leftover "0x40") into TOYHDR_* bits */
static bool parse_flags(const char *s, unsigned int *flags)
{
	char buf[64], *tok, *save;
	size_t i;

	*flags = 0;
	snprintf(buf, sizeof(buf), "%s", s);
	for (tok = strtok_r(buf, "|", &save); tok; tok = strtok_r(NULL, "|", &save)) {
		for (i = 0; i < sizeof(flag_names) / sizeof(flag_names[0]); i++)
			if (!strcmp(tok, flag_names[i].name))
				break;
		if (i < sizeof(flag_names) / sizeof(flag_names[0]))
			*flags |= flag_names[i].bit;
		else if (!strncmp(tok, "0x", 2))
			*flags |= (unsigned int)strtoul(tok, NULL, 16);
		else
			return false;
	}
	return true;
}

/* A state name, or the 0x.. __print_symbolic() falls back to */
static bool field_state(const char *s, const char *key, int *state)
{
	char buf[32];
	int i;

	if (!field(s, key, buf, sizeof(buf)))
		return false;
	for (i = 1; i < NSTATES; i++) {
		if (!strcmp(buf, toy_state_names(i)->kernel)) {
			*state = i;
			return true;
		}
	}
	*state = (int)strtol(buf, NULL, 0);
	return true;
}

/*
 * An IPv6 address in "key=" (the events' saddrv6/daddrv6, %pI6c): @e
 * becomes an IPv6 endpoint unless it is v4-mapped (an IPv4 socket's).
 */
static void field_ip6(const char *s, const char *key, struct ep *e)
{
	char buf[INET6_ADDRSTRLEN + 1];
	struct in6_addr a;
	int i;

	e->v6 = false;
	if (!field(s, key, buf, sizeof(buf)) ||
	    inet_pton(AF_INET6, buf, &a) != 1 || IN6_IS_ADDR_V4MAPPED(&a))
		return;
	e->v6 = true;
	memcpy(e->a6, &a, sizeof(e->a6));
	e->addr = 0;
	for (i = 0; i < 16; i += 4)
		e->addr ^= (uint32_t)a.s6_addr[i] << 24 | a.s6_addr[i + 1] << 16 |
			   a.s6_addr[i + 2] << 8 | a.s6_addr[i + 3];
}

static bool field_eps(const char *s, struct ep *src, struct ep *dst)
{
	uint32_t sp, dp;

	if (!(field_u32(s, "sport", &sp) && field_u32(s, "dport", &dp) &&
	      sp <= 65535 && dp <= 65535 && field_ip(s, "saddr", &src->addr) &&
	      field_ip(s, "daddr", &dst->addr)))
		return false;
	src->port = sp;
	dst->port = dp;
	field_ip6(s, "saddrv6", src);
	field_ip6(s, "daddrv6", dst);
	return true;
}

/* "   12.345678" just before @end: the timestamp column */
static bool parse_ts(const char *line, const char *end, unsigned long long *us)
{
	const char *p = end, *dot;
	unsigned long long sec = 0, frac = 0;
	int digits = 0;

	while (p > line && isdigit((unsigned char)p[-1]))
		p--;
	if (p == end)
		return false;
	dot = p - 1;
	if (dot > line && *dot == '.') {
		for (const char *q = p; q < end && digits < 6; q++, digits++)
			frac = frac * 10 + (unsigned long long)(*q - '0');
		for (; digits < 6; digits++)
			frac *= 10;
		p = dot;
		while (p > line && isdigit((unsigned char)p[-1]))
			p--;
		if (p == dot)
			return false;
		sec = strtoull(p, NULL, 10);
	} else {
		/* trace_clock=counter: a bare number; call it microseconds */
		frac = strtoull(p, NULL, 10);
	}
	*us = sec * 1000000ULL + frac;
	return true;
}

/*
 * The SACK blocks of a toy_segment line, its last field: "sack={}" or
 * "sack={0x3f2,0x3fc}" from tracefs, "sack=" or "sack=1010 1020" from
 * perf 6.1's parser; into e->sack. None if the field is absent (traces
 * from before it).
 */
static bool field_sack(const char *s, struct ev *e)
{
	const char *p = strstr(s, " sack=");
	char *end;

	e->nsack = 0;
	if (!p)
		return true;
	p += 6;
	if (*p == '{')
		p++;
	for (;;) {
		unsigned long v;

		while (*p == ' ' || *p == ',')
			p++;
		if (*p == '}' || *p == '\0' || *p == '\n')
			break;
		if (e->nsack >= 8)
			return false;
		errno = 0;
		v = strtoul(p, &end, 0);
		if (end == p || errno || v > UINT32_MAX)
			return false;
		e->sack[e->nsack++] = (uint32_t)v;
		p = end;
	}
	if (e->nsack % 2)
		return false;
	e->nsack /= 2;
	return true;
}

/*
 * Where event @name's arguments start in @line, and in *@ts_end the ':'
 * that ends the timestamp; NULL if the line is not that event. Two forms:
 *   tracefs:      "  toycat-123  [001] ..s1.  12.345678: toy_segment: out ..."
 *   perf script:  "  toycat   123 [001]    12.345678:    toy:toy_segment: out ..."
 */
static const char *find_event(const char *line, const char *name,
			      const char **ts_end)
{
	char pat[48];
	const char *t, *e;

	snprintf(pat, sizeof(pat), ": %s: ", name);
	t = strstr(line, pat);
	if (t) {
		*ts_end = t;
		return t + strlen(pat);
	}
	snprintf(pat, sizeof(pat), " toy:%s: ", name);
	t = strstr(line, pat);
	if (!t)
		return NULL;
	for (e = t; e > line && e[-1] == ' '; e--)
		;
	if (e == line || e[-1] != ':')
		return NULL;
	*ts_end = e - 1;
	return t + strlen(pat);
}

/*
 * One line of a trace: tracefs's trace file or `perf script` output (see
 * find_event()). Returns 1 for an event, 0 for a line to skip, -1 for a
 * toy line that does not parse.
 */
static int parse_line(const char *line, struct ev *e)
{
	static const struct {
		const char	*name;
		enum ev_kind	kind;
	} tags[] = {
		{ "toy_segment", EV_SEG },
		{ "toy_set_state", EV_STATE },
		{ "toy_retransmit", EV_RETRANS },
		{ "toy_reset", EV_RESET },
		{ "toy_cwnd", EV_CWND },
		{ "toy_drop", EV_DROP },
	};
	const char *ts_end = NULL, *args = NULL;
	char buf[64];
	size_t i;

	if (line[0] == '#')
		return 0;
	for (i = 0; i < sizeof(tags) / sizeof(tags[0]) && !args; i++) {
		args = find_event(line, tags[i].name, &ts_end);
		if (args)
			e->kind = tags[i].kind;
	}
	if (!args)
		return 0;
	memset((char *)e + sizeof(e->kind), 0, sizeof(*e) - sizeof(e->kind));
	e->match = -1;
	if (!parse_ts(line, ts_end, &e->us) || !field_eps(args, &e->src, &e->dst))
		return -1;

	switch (e->kind) {
	case EV_SEG:
		e->out = !strncmp(args, "out ", 4);
		if (!e->out && strncmp(args, "in ", 3))
			return -1;
		if (!field(args, "flags", buf, sizeof(buf)) ||
		    !parse_flags(buf, &e->flags) ||
		    !field_u32(args, "seq", &e->seq) ||
		    !field_u32(args, "ack", &e->ack) ||
		    !field_u32(args, "len", &e->len) ||
		    !field_u32(args, "window", &e->window) ||
		    !field_sack(args, e))
			return -1;
		break;
	case EV_STATE:
		if (!field_state(args, "oldstate", &e->oldstate) ||
		    !field_state(args, "newstate", &e->newstate))
			return -1;
		break;
	case EV_RETRANS:
		if (!field_state(args, "state", &e->newstate) ||
		    !field_u32(args, "seq", &e->seq) ||
		    !field_u32(args, "retransmits", &e->retransmits) ||
		    !field_u32(args, "rto_us", &e->rto_us))
			return -1;
		break;
	case EV_RESET:
		e->out = !strncmp(args, "sent ", 5);
		if ((!e->out && strncmp(args, "received ", 9)) ||
		    !field_state(args, "state", &e->newstate))
			return -1;
		break;
	case EV_CWND:
		if (!field(args, "ca_state", buf, sizeof(buf)) ||
		    !field_u32(args, "cwnd", &e->cwnd) ||
		    !field_u32(args, "ssthresh", &e->ssthresh) ||
		    !field_u32(args, "in_flight", &e->in_flight) ||
		    !field_u32(args, "srtt_us", &e->srtt_us))
			return -1;
		if (!strcmp(buf, "open"))
			e->ca_state = TOY_CA_OPEN;
		else if (!strcmp(buf, "recovery"))
			e->ca_state = TOY_CA_RECOVERY;
		else if (!strcmp(buf, "loss"))
			e->ca_state = TOY_CA_LOSS;
		else
			return -1;
		break;
	case EV_DROP:
		if (!field(args, "flags", buf, sizeof(buf)) ||
		    !parse_flags(buf, &e->flags) ||
		    !field_u32(args, "seq", &e->seq) ||
		    !field_u32(args, "ack", &e->ack) ||
		    !field_u32(args, "len", &e->len) ||
		    !field(args, "reason", e->reason, sizeof(e->reason)))
			return -1;
		break;
	}
	return 1;
}

static int read_trace(FILE *f, const char *name, struct evs *evs)
{
	char *line = NULL;
	size_t cap = 0, lineno = 0;
	int r, bad = 0;

	while (getline(&line, &cap, f) >= 0) {
		lineno++;
		if (evs->n == evs->cap) {
			evs->cap = evs->cap ? evs->cap * 2 : 256;
			evs->v = xrealloc(evs->v, evs->cap * sizeof(*evs->v));
		}
		if (strstr(line, "[LOST ") && strstr(line, " EVENTS]"))
			fprintf(stderr, "toytrace: %s:%zu: the trace buffer overflowed, events are missing\n",
				name, lineno);
		r = parse_line(line, &evs->v[evs->n]);
		if (r > 0)
			evs->n++;
		else if (r < 0 && bad++ < 5)
			fprintf(stderr, "toytrace: %s:%zu: cannot parse: %s", name,
				lineno, line);
	}
	free(line);
	return ferror(f) ? -EIO : 0;
}

/* ---- connections ------------------------------------------------------------ */

struct listener {
	struct ep	ep;
	unsigned long long us;
	bool		listening;
};

struct conn {
	struct ep	a, b;		/* the two ends, as first seen */
	int		*ev;		/* indices into evs, in time order */
	size_t		n, cap;
	size_t		nseg;
	bool		have_syn;	/* a SYN without ACK was seen */
	uint32_t	syn_seq;
	struct ep	syn_from;
};

struct trace {
	struct evs	evs;
	struct conn	*c;
	size_t		nc;
	struct listener	*l;
	size_t		nl;
	/* addresses that we saw receive or send: their "in" events are traced */
	uint32_t	*hosts;
	size_t		nhosts;
};

static void add_host(struct trace *t, uint32_t addr)
{
	size_t i;

	for (i = 0; i < t->nhosts; i++)
		if (t->hosts[i] == addr)
			return;
	t->hosts = xrealloc(t->hosts, (t->nhosts + 1) * sizeof(*t->hosts));
	t->hosts[t->nhosts++] = addr;
}

static bool traced_host(const struct trace *t, uint32_t addr)
{
	size_t i;

	for (i = 0; i < t->nhosts; i++)
		if (t->hosts[i] == addr)
			return true;
	return false;
}

/* The newest connection between @x and @y, or -1 */
static int find_conn(const struct trace *t, struct ep x, struct ep y)
{
	size_t i;

	for (i = t->nc; i-- > 0;) {
		const struct conn *c = &t->c[i];

		if ((ep_eq(c->a, x) && ep_eq(c->b, y)) ||
		    (ep_eq(c->a, y) && ep_eq(c->b, x)))
			return (int)i;
	}
	return -1;
}

static int new_conn(struct trace *t, struct ep x, struct ep y)
{
	t->c = xrealloc(t->c, (t->nc + 1) * sizeof(*t->c));
	memset(&t->c[t->nc], 0, sizeof(t->c[0]));
	t->c[t->nc].a = x;
	t->c[t->nc].b = y;
	return (int)t->nc++;
}

static void conn_add(struct conn *c, int ev)
{
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 32;
		c->ev = xrealloc(c->ev, c->cap * sizeof(*c->ev));
	}
	c->ev[c->n++] = ev;
}

static int ev_cmp(const void *a, const void *b)
{
	const struct ev *x = a, *y = b;

	return x->us < y->us ? -1 : x->us > y->us;
}

static bool same_segment(const struct ev *o, const struct ev *i)
{
	return ep_eq(o->src, i->src) && ep_eq(o->dst, i->dst) &&
	       o->flags == i->flags && o->seq == i->seq && o->ack == i->ack &&
	       o->len == i->len && o->window == i->window;
}

/*
 * Sort the events in time, split them into connections (a new one starts
 * when a socket enters SYN_SENT, or a SYN carries another ISN than the
 * one the 4-tuple had), pair each "in" with the "out" it confirms, and
 * flag the retransmitted segments.
 */
static void group(struct trace *t)
{
	struct evs *evs = &t->evs;
	size_t i, j;
	int ci;

	/* The file is in time order already; a stable sort keeps it so. */
	for (i = 1; i < evs->n && evs->v[i - 1].us <= evs->v[i].us; i++)
		;
	if (i < evs->n)
		qsort(evs->v, evs->n, sizeof(*evs->v), ev_cmp);

	for (i = 0; i < evs->n; i++) {
		struct ev *e = &evs->v[i];

		e->conn = -1;
		if (e->kind == EV_CWND || e->kind == EV_DROP)
			continue;	/* cwndplot.c's; the drops are matched below */
		if (e->kind == EV_SEG)
			add_host(t, e->out ? e->src.addr : e->dst.addr);
		if (e->kind == EV_STATE && !e->dst.port) {
			/* A listener: no peer. Its state is the server's start. */
			t->l = xrealloc(t->l, (t->nl + 1) * sizeof(*t->l));
			t->l[t->nl].ep = e->src;
			t->l[t->nl].us = e->us;
			t->l[t->nl].listening = e->newstate == ST_LISTEN;
			t->nl++;
			continue;
		}
		if (!e->dst.port)
			continue;
		ci = find_conn(t, e->src, e->dst);
		if (e->kind == EV_STATE && e->newstate == ST_SYN_SENT &&
		    ci >= 0 && t->c[ci].nseg)
			ci = -1;
		if (e->kind == EV_SEG && (e->flags & (F_SYN | F_ACK)) == F_SYN &&
		    ci >= 0 && t->c[ci].have_syn && t->c[ci].syn_seq != e->seq)
			ci = -1;
		if (ci < 0)
			ci = new_conn(t, e->src, e->dst);
		e->conn = ci;
		conn_add(&t->c[ci], (int)i);
		if (e->kind != EV_SEG)
			continue;
		t->c[ci].nseg++;
		if ((e->flags & (F_SYN | F_ACK)) == F_SYN && !t->c[ci].have_syn) {
			t->c[ci].have_syn = true;
			t->c[ci].syn_seq = e->seq;
			t->c[ci].syn_from = e->src;
		}
	}

	/*
	 * Each "in" confirms the newest unconfirmed identical "out" before
	 * it: when a segment was sent twice and arrived once, it is the
	 * retransmission that made it (loopback delivers at once).
	 */
	for (i = 0; i < evs->n; i++) {
		struct ev *in = &evs->v[i];

		if (in->kind != EV_SEG || in->out || in->conn < 0)
			continue;
		for (j = i; j-- > 0;) {
			struct ev *o = &evs->v[j];

			if (o->kind == EV_SEG && o->out && o->match < 0 &&
			    o->conn == in->conn && same_segment(o, in)) {
				o->match = (int)i;
				in->matched = true;
				break;
			}
		}
	}

	/*
	 * A segment the receiver dropped (toy_drop, for a reason) is the
	 * newest unconfirmed "out" before it with its addresses and numbers.
	 */
	for (i = 0; i < evs->n; i++) {
		const struct ev *d = &evs->v[i];

		if (d->kind != EV_DROP)
			continue;
		for (j = i; j-- > 0;) {
			struct ev *o = &evs->v[j];

			if (o->kind == EV_SEG && o->out && o->match < 0 &&
			    !o->reason[0] && ep_eq(o->src, d->src) &&
			    ep_eq(o->dst, d->dst) && o->flags == d->flags &&
			    o->seq == d->seq && o->ack == d->ack && o->len == d->len) {
				memcpy(o->reason, d->reason, sizeof(o->reason));
				break;
			}
		}
	}

	/*
	 * toy_retransmit fires right after the resent segment went out: the
	 * latest "out" of that side at snd_una is the retransmission.
	 */
	for (i = 0; i < evs->n; i++) {
		struct ev *r = &evs->v[i];

		if (r->kind != EV_RETRANS || r->conn < 0)
			continue;
		for (j = i; j-- > 0;) {
			struct ev *o = &evs->v[j];

			if (o->kind == EV_SEG && o->out && o->conn == r->conn &&
			    ep_eq(o->src, r->src) && o->seq == r->seq) {
				o->retrans = true;
				break;
			}
		}
	}
}

/* ---- the diagram, as rows ---------------------------------------------------- */

enum row_kind { ROW_STATE, ROW_NOTE, ROW_ARROW };
enum { CLIENT, SERVER };

struct row {
	enum row_kind	kind;
	unsigned long long us;
	bool		has_time;
	/* STATE/NOTE: per side, NULL if none (two states can share a row) */
	char		*text[2];
	/* ARROW */
	int		from;		/* CLIENT or SERVER */
	char		*label;
	bool		lost;
};

struct diagram {
	struct ep	ep[2];
	struct row	*r;
	size_t		n;
	unsigned long long t0;
	unsigned int	nseg, nlost, nretrans, ndropped;
	bool		relative;
};

struct opts {
	bool		relative, window, quiet;
	const char	*svg;
	const char	*cwnd_svg;	/* --cwnd: the window's plot instead */
};

static char *xstrdup_printf(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

static char *xstrdup_printf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0) {
		fprintf(stderr, "toytrace: out of memory\n");
		exit(1);
	}
	va_end(ap);
	return s;
}

static struct row *row_add(struct diagram *d, enum row_kind kind,
			   unsigned long long us, bool has_time)
{
	struct row *r;

	d->r = xrealloc(d->r, (d->n + 1) * sizeof(*d->r));
	r = &d->r[d->n++];
	memset(r, 0, sizeof(*r));
	r->kind = kind;
	r->us = us;
	r->has_time = has_time;
	return r;
}

static const char *state_name(int s)
{
	static char buf[16];

	if (s > 0 && s < NSTATES)
		return toy_state_names(s)->kernel;
	snprintf(buf, sizeof(buf), "state %d", s);
	return buf;
}

static void flags_str(unsigned int flags, char *buf, size_t len)
{
	size_t i, n = 0;

	buf[0] = '\0';
	for (i = 0; i < sizeof(flag_names) / sizeof(flag_names[0]); i++) {
		if (!(flags & flag_names[i].bit))
			continue;
		n += (size_t)snprintf(buf + n, len - n, "%s%s", n ? "|" : "",
				      flag_names[i].name);
		flags &= ~flag_names[i].bit;
	}
	if (flags)
		n += (size_t)snprintf(buf + n, len - n, "%s0x%x", n ? "|" : "", flags);
	if (!n)
		snprintf(buf, len, "(no flags)");
}

/*
 * Each side's initial sequence number, for -R: the seq of its SYN, or the
 * first seq it sent if the trace started after the handshake.
 */
static void find_isn(const struct trace *t, const struct conn *c,
		     const struct ep *ep, uint32_t isn[2])
{
	bool have[2] = { false, false }, syn[2] = { false, false };
	size_t i;
	int s;

	for (i = 0; i < c->n; i++) {
		const struct ev *e = &t->evs.v[c->ev[i]];

		if (e->kind != EV_SEG)
			continue;
		s = ep_eq(e->src, ep[CLIENT]) ? CLIENT : SERVER;
		if ((e->flags & F_SYN) && !syn[s]) {
			isn[s] = e->seq;
			have[s] = syn[s] = true;
		} else if (!have[s]) {
			isn[s] = e->seq;
			have[s] = true;
		}
	}
}

static char *seg_label(const struct ev *e, int from, const uint32_t isn[2],
		       const struct opts *o)
{
	char flags[48], *s;
	uint32_t seq = e->seq, ack = e->ack;

	if (o->relative) {
		seq -= isn[from];
		ack -= isn[!from];
	}
	flags_str(e->flags, flags, sizeof(flags));
	s = xstrdup_printf("%s seq=%u", flags, seq);
	if (e->flags & F_ACK) {
		char *t = xstrdup_printf("%s ack=%u", s, ack);

		free(s);
		s = t;
	}
	for (unsigned int i = 0; i < e->nsack; i++) {
		uint32_t base = o->relative ? isn[!from] : 0;
		char *t = xstrdup_printf("%s%s[%u,%u)", s, i ? "" : " sack=",
					 e->sack[2 * i] - base,
					 e->sack[2 * i + 1] - base);

		free(s);
		s = t;
	}
	if (e->len || o->window) {
		char *t = e->len ? xstrdup_printf("%s len=%u", s, e->len) :
				   xstrdup_printf("%s", s);

		free(s);
		s = t;
	}
	if (o->window) {
		char *t = xstrdup_printf("%s win=%u", s, e->window);

		free(s);
		s = t;
	}
	if (e->retrans) {
		char *t = xstrdup_printf("%s (retransmit)", s);

		free(s);
		s = t;
	}
	return s;
}

static char *reset_note(const struct ev *e)
{
	if (e->out)
		return xstrdup_printf("abort: sends RST");
	switch (e->newstate) {
	case ST_SYN_SENT:
		return xstrdup_printf("RST: connect() fails, ECONNREFUSED");
	case ST_SYN_RECV:
		return xstrdup_printf("RST: half-open connection dropped");
	case ST_CLOSE_WAIT:
		return xstrdup_printf("RST: connection reset, EPIPE");
	default:
		return xstrdup_printf("RST: connection reset, ECONNRESET");
	}
}

/* Which end is the client: the one that sent the first SYN. */
static int pick_client(const struct trace *t, const struct conn *c,
		       struct ep ep[2])
{
	struct ep first = c->a;
	bool have_first = false;
	size_t i, k;

	if (c->have_syn) {
		first = c->syn_from;
		goto found;
	}
	for (i = 0; i < c->n; i++) {
		const struct ev *e = &t->evs.v[c->ev[i]];

		if (e->kind == EV_STATE && e->newstate == ST_SYN_SENT) {
			first = e->src;
			goto found;
		}
	}
	/* A known listener's port is the server. */
	for (k = 0; k < t->nl; k++) {
		if (t->l[k].ep.port == c->a.port &&
		    (!t->l[k].ep.addr || t->l[k].ep.addr == c->a.addr)) {
			first = c->b;
			goto found;
		}
		if (t->l[k].ep.port == c->b.port &&
		    (!t->l[k].ep.addr || t->l[k].ep.addr == c->b.addr)) {
			first = c->a;
			goto found;
		}
	}
	for (i = 0; i < c->n && !have_first; i++) {
		const struct ev *e = &t->evs.v[c->ev[i]];

		if (e->kind == EV_SEG) {
			first = e->src;
			have_first = true;
		}
	}
found:
	ep[CLIENT] = first;
	ep[SERVER] = ep_eq(first, c->a) ? c->b : c->a;
	return 0;
}

/* What the server was before the connection: LISTEN, or no socket at all. */
static void server_start(const struct trace *t, const struct conn *c,
			 struct diagram *d)
{
	const struct ev *first = &t->evs.v[c->ev[0]];
	const struct listener *best = NULL;
	bool child = false, rst = false, states = false;
	struct row *r;
	size_t i;

	for (i = 0; i < t->nl; i++) {
		const struct listener *l = &t->l[i];

		if (l->ep.port == d->ep[SERVER].port && l->us <= first->us &&
		    (!l->ep.addr || l->ep.addr == d->ep[SERVER].addr))
			best = l;
	}
	if (best && best->listening) {
		/* No time: it may be long before; the client's start is t=0. */
		r = row_add(d, ROW_STATE, best->us, false);
		r->text[SERVER] = xstrdup_printf("LISTEN");
		return;
	}
	for (i = 0; i < c->n; i++) {
		const struct ev *e = &t->evs.v[c->ev[i]];

		if (e->kind == EV_STATE && ep_eq(e->src, d->ep[SERVER])) {
			states = true;
			child |= e->oldstate == ST_CLOSE &&
				 e->newstate == ST_SYN_RECV;
		}
		if (e->kind == EV_SEG && e->out && ep_eq(e->src, d->ep[SERVER]) &&
		    (e->flags & F_RST) && !states)
			rst = true;
	}
	if (child) {
		/* Listening since before the trace started. */
		r = row_add(d, ROW_STATE, first->us, false);
		r->text[SERVER] = xstrdup_printf("LISTEN");
	} else if (rst && !states) {
		r = row_add(d, ROW_STATE, first->us, false);
		r->text[SERVER] = xstrdup_printf("(no socket)");
	}
}

static void build(const struct trace *t, const struct conn *c,
		  const struct opts *o, struct diagram *d)
{
	uint32_t isn[2] = { 0, 0 };
	struct row *r;
	size_t i;
	int side;

	memset(d, 0, sizeof(*d));
	d->relative = o->relative;
	pick_client(t, c, d->ep);
	find_isn(t, c, d->ep, isn);
	server_start(t, c, d);

	for (i = 0; i < c->n; i++) {
		const struct ev *e = &t->evs.v[c->ev[i]];

		side = ep_eq(e->src, d->ep[CLIENT]) ? CLIENT : SERVER;
		switch (e->kind) {
		case EV_SEG:
			/* An "in" that confirms an "out" is not drawn again. */
			if (!e->out && e->matched)
				break;
			r = row_add(d, ROW_ARROW, e->us, true);
			r->from = side;
			r->label = seg_label(e, side, isn, o);
			r->lost = e->out && e->match < 0 &&
				  (traced_host(t, e->dst.addr) || e->reason[0]);
			if (r->lost && e->reason[0]) {
				char *l = xstrdup_printf("%s [dropped: %s]",
							 r->label, e->reason);

				free(r->label);
				r->label = l;
				d->ndropped++;
			}
			d->nseg++;
			d->nlost += r->lost;
			d->nretrans += e->retrans;
			break;
		case EV_STATE:
			r = row_add(d, ROW_STATE, e->us, true);
			r->text[side] = xstrdup_printf("%s", state_name(e->newstate));
			break;
		case EV_RETRANS:
			r = row_add(d, ROW_NOTE, e->us, true);
			r->text[side] = xstrdup_printf("RTO expired: retransmit #%u, next RTO %u ms",
						       e->retransmits, e->rto_us / 1000);
			/*
			 * Before the arrow it explains, which was traced first;
			 * without a time, which would go backwards there.
			 */
			for (size_t k = d->n - 1; k-- > 0;) {
				struct row *a = &d->r[k];

				if (a->kind == ROW_ARROW && a->from == side &&
				    strstr(a->label, "(retransmit)")) {
					struct row tmp = d->r[d->n - 1];

					tmp.has_time = false;
					memmove(a + 1, a, (d->n - 1 - k) * sizeof(*a));
					*a = tmp;
					break;
				}
			}
			break;
		case EV_RESET:
			r = row_add(d, ROW_NOTE, e->us, true);
			r->text[side] = reset_note(e);
			break;
		case EV_CWND:
		case EV_DROP:
			break;	/* never in a connection (group()) */
		}
	}

	/* Two state rows in a row, one per side: one line, as in the docs. */
	for (i = 0; i + 1 < d->n; i++) {
		struct row *a = &d->r[i], *b = &d->r[i + 1];

		if (a->kind != ROW_STATE || b->kind != ROW_STATE ||
		    (a->text[CLIENT] && b->text[CLIENT]) ||
		    (a->text[SERVER] && b->text[SERVER]))
			continue;
		side = b->text[CLIENT] ? CLIENT : SERVER;
		a->text[side] = b->text[side];
		if (!a->has_time) {
			a->us = b->us;
			a->has_time = b->has_time;
		}
		memmove(b, b + 1, (d->n - i - 2) * sizeof(*b));
		d->n--;
	}

	d->t0 = d->n ? d->r[0].us : 0;
	for (i = 0; i < d->n; i++)
		if (d->r[i].has_time && d->r[i].us < d->t0)
			d->t0 = d->r[i].us;
}

static void diagram_free(struct diagram *d)
{
	size_t i;

	for (i = 0; i < d->n; i++) {
		free(d->r[i].text[0]);
		free(d->r[i].text[1]);
		free(d->r[i].label);
	}
	free(d->r);
}

/* ---- text -------------------------------------------------------------------- */

static void repeat(FILE *f, int c, int n)
{
	while (n-- > 0)
		fputc(c, f);
}

/*
 * Layout, one line per row:
 *   TIME  CLIENT_STATE |<-- arrow area (width w) -->| SERVER_STATE
 * time in ms from the connection's first event; client states are right
 * aligned against the client's lifeline, server states follow its own.
 */
static void render_text(FILE *f, const struct diagram *d, int num)
{
	char a[64], b[64];
	int lw = 11, w = 44, i, len, head;
	size_t k;

	for (k = 0; k < d->n; k++) {
		const struct row *r = &d->r[k];

		if (r->kind == ROW_ARROW && (len = (int)strlen(r->label) + 14) > w)
			w = len;
		if (r->kind == ROW_NOTE)
			for (i = 0; i < 2; i++)
				if (r->text[i] && (len = (int)strlen(r->text[i]) + 6) > w)
					w = len;
		if (r->kind == ROW_STATE && r->text[CLIENT] &&
		    (len = (int)strlen(r->text[CLIENT])) > lw)
			lw = len;
	}
	ep_str(d->ep[CLIENT], a, sizeof(a));
	ep_str(d->ep[SERVER], b, sizeof(b));
	fprintf(f, "Connection %d: client %s -> server %s%s\n\n", num, a, b,
		d->relative ? " (relative sequence numbers)" : "");

	/* Headers centred on the lifelines: columns 10+lw+1 and that + w + 1 */
	head = 10 + lw + 1;
	fprintf(f, "%-9s", "time (ms)");
	repeat(f, ' ', head - 9 - 3);
	fprintf(f, "client");
	repeat(f, ' ', w + 1 - 6);
	fprintf(f, "server\n");
	len = (int)strlen(a);
	repeat(f, ' ', head - len / 2 > 0 ? head - len / 2 : 0);
	fprintf(f, "%s", a);
	repeat(f, ' ', w + 1 - (len - len / 2) - (int)strlen(b) / 2);
	fprintf(f, "%s\n", b);

	for (k = 0; k < d->n; k++) {
		const struct row *r = &d->r[k];
		const char *cs = r->kind == ROW_STATE ? r->text[CLIENT] : NULL;

		if (r->has_time)
			fprintf(f, "%9.3f ", (double)(r->us - d->t0) / 1000.0);
		else
			fprintf(f, "%9s ", "");
		fprintf(f, "%*s |", lw, cs ? cs : "");
		switch (r->kind) {
		case ROW_STATE:
			repeat(f, ' ', w);
			fputc('|', f);
			if (r->text[SERVER])
				fprintf(f, " %s", r->text[SERVER]);
			break;
		case ROW_NOTE:
			/* "* note" hugging the lifeline of the side it is about */
			if (r->text[CLIENT]) {
				len = fprintf(f, " * %s", r->text[CLIENT]);
				repeat(f, ' ', w - len);
			} else {
				len = (int)strlen(r->text[SERVER]) + 3;
				repeat(f, ' ', w - len);
				fprintf(f, "* %s ", r->text[SERVER]);
			}
			fputc('|', f);
			break;
		case ROW_ARROW:
			len = (int)strlen(r->label);
			if (r->from == CLIENT) {
				/* |---- LABEL ------->|  or  |---- LABEL ---x   | */
				fprintf(f, "---- %s ", r->label);
				if (r->lost) {
					repeat(f, '-', w - len - 6 - 5);
					fputs("x    ", f);
				} else {
					repeat(f, '-', w - len - 6 - 1);
					fputc('>', f);
				}
			} else if (r->lost) {
				/* |    x--- LABEL -----| */
				fputs("    x--- ", f);
				fprintf(f, "%s ", r->label);
				repeat(f, '-', w - len - 10);
			} else {
				fprintf(f, "<--- %s ", r->label);
				repeat(f, '-', w - len - 6);
			}
			fputc('|', f);
			break;
		}
		fputc('\n', f);
	}
	fprintf(f, "\n%u segment%s", d->nseg, d->nseg == 1 ? "" : "s");
	if (d->nretrans)
		fprintf(f, ", %u retransmitted", d->nretrans);
	if (d->nlost)
		fprintf(f, ", %u lost (x: sent, never received)", d->nlost);
	if (d->ndropped)
		fprintf(f, ", %u of them dropped by the receiver, for the reason shown",
			d->ndropped);
	fputs("\n", f);
}

/* ---- SVG ----------------------------------------------------------------------- */

#define SVG_CHAR	7.8	/* px per character of 13px monospace */
#define SVG_ROW		26
#define SVG_TOP		70

static void xml_text(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		default: fputc(*s, f);
		}
	}
}

static void svg_box(FILE *f, double x, double y, const char *s, bool right)
{
	double w = (double)strlen(s) * SVG_CHAR + 12;

	if (!right)
		x -= w;
	fprintf(f, "<rect class=\"state\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"20\" rx=\"4\"/>\n",
		x, y - 14, w);
	fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">", x + w / 2, y);
	xml_text(f, s);
	fputs("</text>\n", f);
}

/* One connection at vertical offset @y0; returns the height it took. */
static double render_svg_conn(FILE *f, const struct diagram *d, int num,
			      double y0, double cx, double w)
{
	double sx = cx + w, y, x1, x2, tip;
	char a[64], b[64], title[224];
	size_t k;
	int i;

	ep_str(d->ep[CLIENT], a, sizeof(a));
	ep_str(d->ep[SERVER], b, sizeof(b));
	snprintf(title, sizeof(title), "Connection %d: client %s -> server %s%s",
		 num, a, b, d->relative ? " (relative sequence numbers)" : "");
	fprintf(f, "<text class=\"title\" x=\"10\" y=\"%.1f\">", y0 + 20);
	xml_text(f, title);
	fprintf(f, "</text>\n<text class=\"head\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">client %s</text>\n",
		cx, y0 + 48, a);
	fprintf(f, "<text class=\"head\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">server %s</text>\n",
		sx, y0 + 48, b);
	fprintf(f, "<text class=\"time\" x=\"10\" y=\"%.1f\">time (ms)</text>\n", y0 + 48);
	y = y0 + SVG_TOP + (double)d->n * SVG_ROW;
	fprintf(f, "<line class=\"life\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n",
		cx, y0 + 56, cx, y);
	fprintf(f, "<line class=\"life\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n",
		sx, y0 + 56, sx, y);

	for (k = 0; k < d->n; k++) {
		const struct row *r = &d->r[k];

		y = y0 + SVG_TOP + (double)k * SVG_ROW + 10;
		if (r->has_time)
			fprintf(f, "<text class=\"time\" x=\"10\" y=\"%.1f\">%.3f</text>\n",
				y + 4, (double)(r->us - d->t0) / 1000.0);
		switch (r->kind) {
		case ROW_STATE:
			for (i = 0; i < 2; i++)
				if (r->text[i])
					svg_box(f, i == CLIENT ? cx - 8 : sx + 8,
						y + 4, r->text[i], i == SERVER);
			break;
		case ROW_NOTE:
			for (i = 0; i < 2; i++) {
				if (!r->text[i])
					continue;
				fprintf(f, "<text class=\"note\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\">",
					i == CLIENT ? cx + 8 : sx - 8, y + 4,
					i == CLIENT ? "start" : "end");
				xml_text(f, r->text[i]);
				fputs("</text>\n", f);
			}
			break;
		case ROW_ARROW:
			x1 = r->from == CLIENT ? cx : sx;
			x2 = r->from == CLIENT ? sx : cx;
			tip = r->lost ? x1 + (x2 - x1) * 0.7 : x2;
			fprintf(f, "<line class=\"%s\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n",
				r->lost ? "lost" : "seg", x1, y + 6, tip, y + 6);
			if (r->lost) {
				fprintf(f, "<path class=\"x\" d=\"M%.1f %.1f l10 10 m0 -10 l-10 10\"/>\n",
					tip - 5, y + 1);
			} else {
				double dir = x2 > x1 ? -1 : 1;

				fprintf(f, "<polygon class=\"tip\" points=\"%.1f,%.1f %.1f,%.1f %.1f,%.1f\"/>\n",
					x2, y + 6, x2 + dir * 9, y + 2, x2 + dir * 9, y + 10);
			}
			fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">",
				(cx + sx) / 2, y + 1);
			xml_text(f, r->label);
			fputs("</text>\n", f);
			break;
		}
	}
	return SVG_TOP + (double)d->n * SVG_ROW + 40;
}

static int render_svg(const char *path, const struct diagram *ds, size_t nd)
{
	double cx, w = 380, lw = 11, rw = 11, width, height = 0, len;
	size_t i, k;
	FILE *f;
	int j;

	/* One geometry for all connections, so they line up. */
	for (i = 0; i < nd; i++)
		for (k = 0; k < ds[i].n; k++) {
			const struct row *r = &ds[i].r[k];

			if (r->kind == ROW_ARROW &&
			    (len = (double)strlen(r->label) * SVG_CHAR + 60) > w)
				w = len;
			for (j = 0; j < 2; j++) {
				if (!r->text[j])
					continue;
				len = (double)strlen(r->text[j]);
				if (r->kind == ROW_NOTE && len * SVG_CHAR + 30 > w)
					w = len * SVG_CHAR + 30;
				if (r->kind == ROW_STATE && j == CLIENT && len > lw)
					lw = len;
				if (r->kind == ROW_STATE && j == SERVER && len > rw)
					rw = len;
			}
		}
	cx = 90 + lw * SVG_CHAR + 30;
	/* The client header is centred on its lifeline: keep it on the page. */
	if (cx < 200)
		cx = 200;
	width = cx + w + rw * SVG_CHAR + 40;
	if (width < cx + w + 120)
		width = cx + w + 120;	/* room for the server header */
	for (i = 0; i < nd; i++)
		height += SVG_TOP + (double)ds[i].n * SVG_ROW + 40;

	f = fopen(path, "w");
	if (!f)
		return -errno;
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\">\n"
		"<style>\n"
		"text { font-family: monospace; font-size: 13px; fill: #222; }\n"
		".title { font-weight: bold; font-size: 14px; }\n"
		".head { font-weight: bold; }\n"
		".time { fill: #888; font-size: 11px; }\n"
		".note { fill: #a05a00; font-style: italic; font-size: 12px; }\n"
		".life { stroke: #666; stroke-width: 2; }\n"
		".seg { stroke: #1f4e99; stroke-width: 1.5; }\n"
		".lost { stroke: #c62828; stroke-width: 1.5; stroke-dasharray: 6 3; }\n"
		".x { stroke: #c62828; stroke-width: 2.5; fill: none; }\n"
		".tip { fill: #1f4e99; }\n"
		".state { fill: #e8f0fe; stroke: #4a6fa5; }\n"
		"</style>\n"
		"<rect x=\"0\" y=\"0\" width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n",
		width, height + 10, width, height + 10);
	height = 0;
	for (i = 0; i < nd; i++)
		height += render_svg_conn(f, &ds[i], (int)i + 1, height, cx, w);
	fputs("</svg>\n", f);
	if (fclose(f))
		return -errno;
	return 0;
}

/* ---- rendering a trace ------------------------------------------------------- */

/* --cwnd: the congestion window of each sender, instead of diagrams. */
static int render_cwnd(const struct trace *t, const struct opts *o)
{
	struct cwnd_sample *v;
	size_t i, n = 0;
	int err;

	v = xrealloc(NULL, (t->evs.n ? t->evs.n : 1) * sizeof(*v));
	for (i = 0; i < t->evs.n; i++) {
		const struct ev *e = &t->evs.v[i];

		if (e->kind != EV_CWND)
			continue;
		v[n] = (struct cwnd_sample){
			.us = e->us,
			.cwnd = e->cwnd, .ssthresh = e->ssthresh,
			.in_flight = e->in_flight, .srtt_us = e->srtt_us,
			.ca_state = e->ca_state,
		};
		ep_str(e->src, v[n].src, sizeof(v[n].src));
		ep_str(e->dst, v[n].dst, sizeof(v[n].dst));
		n++;
	}
	if (!n) {
		fprintf(stderr, "toytrace: no toy_cwnd events in the trace\n");
		free(v);
		return 1;
	}
	if (!o->quiet)
		cwnd_summary(stdout, v, n);
	err = cwnd_plot_svg(o->cwnd_svg, v, n, 4);
	if (err)
		fprintf(stderr, "toytrace: %s: %s\n", o->cwnd_svg, strerror(-err));
	free(v);
	return err ? 1 : 0;
}

static int render(struct trace *t, const struct opts *o)
{
	struct diagram *ds;
	size_t i, nd = 0;
	int err = 0;

	if (o->cwnd_svg)
		return render_cwnd(t, o);

	group(t);
	ds = xrealloc(NULL, (t->nc ? t->nc : 1) * sizeof(*ds));
	for (i = 0; i < t->nc; i++)
		if (t->c[i].n)
			build(t, &t->c[i], o, &ds[nd++]);
	if (!nd && !o->quiet)
		printf("No AF_TOY connection in the trace.\n");
	for (i = 0; i < nd && !o->quiet; i++) {
		if (i)
			putchar('\n');
		render_text(stdout, &ds[i], (int)i + 1);
	}
	if (o->svg) {
		err = render_svg(o->svg, ds, nd);
		if (err)
			fprintf(stderr, "toytrace: %s: %s\n", o->svg, strerror(-err));
	}
	for (i = 0; i < nd; i++)
		diagram_free(&ds[i]);
	free(ds);
	return err ? 1 : 0;
}

static void trace_free(struct trace *t)
{
	size_t i;

	for (i = 0; i < t->nc; i++)
		free(t->c[i].ev);
	free(t->c);
	free(t->l);
	free(t->hosts);
	free(t->evs.v);
}

/* ---- tracefs ------------------------------------------------------------------ */

static int write_str(const char *dir, const char *file, const char *val,
		     bool trunc)
{
	char path[512];
	ssize_t n;
	int fd, err = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_WRONLY | O_CLOEXEC | (trunc ? O_TRUNC : 0));
	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	if (n < 0)
		err = -errno;
	close(fd);
	return err;
}

static bool has_trace(const char *dir)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/trace", dir);
	return access(path, R_OK | W_OK) == 0;
}

/*
 * tracefs at /sys/kernel/tracing, or under debugfs. A busybox init
 * mounts neither: try mounting tracefs where it belongs.
 */
static const char *find_tracefs(void)
{
	if (has_trace(TRACEFS_DIR))
		return TRACEFS_DIR;
	if (has_trace(DEBUGFS_DIR))
		return DEBUGFS_DIR;
	if (!mount("nodev", TRACEFS_DIR, "tracefs", 0, NULL) &&
	    has_trace(TRACEFS_DIR))
		return TRACEFS_DIR;
	return NULL;
}

static int run(char **argv)
{
	struct sigaction ign = { .sa_handler = SIG_IGN }, oint, oquit;
	int status = 0;
	pid_t pid;

	/* ^C is for the command: we still have a trace to draw. */
	sigaction(SIGINT, &ign, &oint);
	sigaction(SIGQUIT, &ign, &oquit);
	pid = fork();
	if (pid < 0) {
		perror("toytrace: fork");
		return 127;
	}
	if (pid == 0) {
		sigaction(SIGINT, &oint, NULL);
		sigaction(SIGQUIT, &oquit, NULL);
		execvp(argv[0], argv);
		fprintf(stderr, "toytrace: %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	sigaction(SIGINT, &oint, NULL);
	sigaction(SIGQUIT, &oquit, NULL);
	fflush(stdout);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

/* A /proc/net/toy_fsm (or a saved copy) into *@c, *@n; 0 or 1 after saying why. */
static int fsm_read(const char *path, struct fsm_cell **c, size_t *n)
{
	FILE *f = fopen(path, "re");
	int err;

	if (!f) {
		fprintf(stderr, "toytrace: %s: %s\n", path, strerror(errno));
		return 1;
	}
	err = fsm_parse(f, c, n);
	fclose(f);
	if (err == -EINVAL)
		fprintf(stderr, "toytrace: %s: line %zu is not a state table row\n",
			path, *n);
	else if (err)
		fprintf(stderr, "toytrace: %s: %s\n", path, strerror(-err));
	return err ? 1 : 0;
}

/*
 * --fsm: the state table as a diagram. From a saved copy (-r), or from
 * /proc/net/toy_fsm: as it stands, or, around a command, what the
 * command's run took (the counts after, less those before).
 */
static int render_fsm(const char *svg, const char *saved, char **argv)
{
	const char *proc = getenv("TOY_FSM_FILE") ?: "/proc/net/toy_fsm";
	struct fsm_cell *c = NULL, *before = NULL;
	size_t n = 0, nb = 0, i, taken = 0;
	int status = 0, err;

	if (saved) {
		if (fsm_read(saved, &c, &n))
			return 1;
	} else {
		if (argv[0] && fsm_read(proc, &before, &nb))
			return 1;
		if (argv[0])
			status = run(argv);
		if (fsm_read(proc, &c, &n)) {
			free(before);
			return 1;
		}
		if (before && nb != n) {
			fprintf(stderr, "toytrace: %s changed shape during the run\n", proc);
			free(before);
			free(c);
			return 1;
		}
		for (i = 0; before && i < n; i++)
			c[i].hits -= c[i].hits >= before[i].hits ? before[i].hits : c[i].hits;
		free(before);
	}
	err = fsm_plot_svg(svg, c, n);
	if (err) {
		fprintf(stderr, "toytrace: %s: %s\n", svg,
			err == -EINVAL ? "a state the diagram has no place for" :
					 strerror(-err));
		free(c);
		return 1;
	}
	for (i = 0; i < n; i++)
		taken += !c[i].unreachable && c[i].hits;
	printf("%s: the state table, %zu transitions taken%s\n", svg, taken,
	       argv[0] ? " by the command" : "");
	free(c);
	return status;
}

/* Events the ring buffer of @dir dropped: the overrun of every CPU. */
static unsigned long long overruns(const char *dir)
{
	unsigned long long total = 0, v;
	char path[640], line[128];
	int cpu;

	for (cpu = 0; cpu < 4096; cpu++) {
		FILE *f;

		snprintf(path, sizeof(path), "%s/per_cpu/cpu%d/stats", dir, cpu);
		f = fopen(path, "re");
		if (!f)
			break;
		while (fgets(line, sizeof(line), f))
			if (sscanf(line, "overrun: %llu", &v) == 1)
				total += v;
		fclose(f);
	}
	return total;
}

/*
 * Record the toy events of a command's run in a tracefs instance of our
 * own (instances/toytrace.PID), so that the global buffer, its on/off
 * switch and whoever else traces are left alone, and no one else's events
 * land in ours; where instances cannot be made, in the global buffer as
 * before (cleared first). A buffer that overran is said to have.
 */
static int record(const char *dir, char **argv, const char *save,
		  bool cwnd_only, struct trace *t, int *cmd_status)
{
	const char *events = cwnd_only ? "events/toy/toy_cwnd/enable" :
					 "events/toy/enable";
	char path[512], inst[400];
	const char *where;
	unsigned long long lost;
	bool own = false;
	FILE *f, *out;
	int err;

	if (!dir)
		dir = find_tracefs();
	if (!dir) {
		fprintf(stderr, "toytrace: no tracefs at " TRACEFS_DIR " or " DEBUGFS_DIR
			" (mount -t tracefs nodev " TRACEFS_DIR ")\n");
		return 1;
	}
	snprintf(path, sizeof(path), "%s/%s", dir, events);
	if (access(path, W_OK)) {
		fprintf(stderr, "toytrace: %s: %s (is the toy module loaded? are you root?)\n",
			path, strerror(errno));
		return 1;
	}
	snprintf(inst, sizeof(inst), "%s/instances/toytrace.%d", dir, (int)getpid());
	if (!mkdir(inst, 0700)) {
		own = true;
		where = inst;
		/* room for a long transfer's every cwnd change (KB per CPU) */
		write_str(where, "buffer_size_kb", cwnd_only ? "8192" : "4096", false);
		err = 0;
	} else {
		where = dir;
		/* Clear the buffer so only this command's connections show. */
		err = write_str(where, "trace", "", true);
	}
	if (!err)
		err = write_str(where, events, "1", false);
	if (!err)
		err = write_str(where, "tracing_on", "1", false);
	if (err) {
		fprintf(stderr, "toytrace: cannot set up tracing in %s: %s\n",
			where, strerror(-err));
		write_str(where, events, "0", false);
		if (own)
			rmdir(inst);
		return 1;
	}

	*cmd_status = run(argv);

	write_str(where, events, "0", false);
	lost = overruns(where);
	snprintf(path, sizeof(path), "%s/trace", where);
	f = fopen(path, "re");
	if (!f) {
		fprintf(stderr, "toytrace: %s: %s\n", path, strerror(errno));
		if (own)
			rmdir(inst);
		return 1;
	}
	err = 0;
	if (save) {
		char buf[65536];
		size_t n;

		out = fopen(save, "w");
		if (!out) {
			fprintf(stderr, "toytrace: %s: %s\n", save, strerror(errno));
			err = 1;
		} else {
			while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
				fwrite(buf, 1, n, out);
			if (fclose(out))
				fprintf(stderr, "toytrace: %s: %s\n", save, strerror(errno));
			rewind(f);
		}
	}
	if (!err) {
		err = read_trace(f, path, &t->evs);
		if (err)
			fprintf(stderr, "toytrace: %s: %s\n", path, strerror(-err));
	}
	fclose(f);
	if (own && rmdir(inst))
		fprintf(stderr, "toytrace: rmdir %s: %s\n", inst, strerror(errno));
	if (lost)
		fprintf(stderr, "toytrace: the trace buffer overran: %llu events were lost, "
			"so segments may be missing from the drawing\n", lost);
	return err ? 1 : 0;
}

static void usage(FILE *out)
{
	fprintf(out,
"Usage: toytrace [-Rqw] [-o out.svg | -c cwnd.svg] [-s saved.txt] [-t tracefs] -- command [args...]\n"
"       toytrace [-Rqw] [-o out.svg | -c cwnd.svg] -r saved.txt\n"
"       toytrace -f fsm.svg [-r saved_toy_fsm.txt | -- command [args...]]\n"
"Run a command with the toy:* tracepoints enabled and draw each AF_TOY\n"
"connection it made as a sequence diagram: the client (who sent the first\n"
"SYN) on the left, the server on the right, one arrow per segment with its\n"
"flags and numbers, and the state each side enters.\n"
"\n"
"  -o FILE       also write the diagrams as an SVG picture\n"
"  -r FILE       draw a saved trace (a copy of tracefs's trace file, or the\n"
"                output of `perf script` after `perf record -e 'toy:*'`) instead\n"
"                of running a command\n"
"  -s FILE       save the raw trace there too (for -r later)\n"
"  -t DIR        tracefs directory (default " TRACEFS_DIR ", else\n"
"                " DEBUGFS_DIR ")\n"
"  -R, --relative  sequence numbers relative to each side's ISN, as\n"
"                Wireshark shows them (default: the real numbers)\n"
"  -w, --window  show each segment's window too\n"
"  -q            no text diagram (with -o), no summary (with -c)\n"
"  -c, --cwnd FILE  instead of diagrams, plot each sender's congestion\n"
"                window and slow-start threshold over time as SVG, loss\n"
"                events marked, and print a line per sender (records the\n"
"                toy_cwnd event alone)\n"
"  -f, --fsm FILE  instead, draw the module's state table (/proc/net/toy_fsm,\n"
"                or a copy of it with -r) as a state diagram in SVG: every\n"
"                transition an arrow labelled event/actions, those taken in\n"
"                red with their counts (around a command: during its run)\n"
"  -h, --help    this help\n"
"\n"
"It records in a tracefs instance of its own (instances/toytrace.PID), and\n"
"says if its buffer overran.\n"
"\n"
"Arrows: ---> delivered, ---x sent but never received (lost; \"[dropped: WHY]\"\n"
"when the receiver's toy:toy_drop gave a reason); \"(retransmit)\"\n"
"marks a segment sent again; \"*\" lines are notes. Times are ms since the\n"
"connection's first event.\n"
"Exit status: the command's (drawing happens anyway), 1 on toytrace errors.\n"
"\n"
"Example: toytrace -o hs.svg -- sh -c 'toycat -l 7000 & sleep 1;\n"
"             echo hi | toycat 127.0.0.1 7000; wait'\n");
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "relative",	no_argument, NULL, 'R' },
		{ "window",	no_argument, NULL, 'w' },
		{ "cwnd",	required_argument, NULL, 'c' },
		{ "fsm",	required_argument, NULL, 'f' },
		{ "help",	no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *replay = NULL, *tracefs = NULL, *save = NULL, *fsm = NULL;
	struct opts o = { 0 };
	struct trace t = { 0 };
	int ch, rc, cmd_status = 0;
	FILE *f;

	while ((ch = getopt_long(argc, argv, "+o:r:s:t:c:f:Rwqh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'f': fsm = optarg; break;
		case 'o': o.svg = optarg; break;
		case 'c': o.cwnd_svg = optarg; break;
		case 'r': replay = optarg; break;
		case 's': save = optarg; break;
		case 't': tracefs = optarg; break;
		case 'R': o.relative = true; break;
		case 'w': o.window = true; break;
		case 'q': o.quiet = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (fsm) {
		if (replay && optind < argc) {
			fprintf(stderr, "toytrace: give -r FILE or a command, not both\n");
			return 2;
		}
		return render_fsm(fsm, replay, argv + optind);
	}
	if (!replay == (optind == argc)) {
		fprintf(stderr, "toytrace: give either -r FILE or a command after --\n");
		usage(stderr);
		return 2;
	}

	if (replay) {
		f = strcmp(replay, "-") ? fopen(replay, "re") : stdin;
		if (!f) {
			fprintf(stderr, "toytrace: %s: %s\n", replay, strerror(errno));
			return 1;
		}
		rc = read_trace(f, replay, &t.evs);
		if (f != stdin)
			fclose(f);
		if (rc) {
			fprintf(stderr, "toytrace: %s: %s\n", replay, strerror(-rc));
			return 1;
		}
	} else if (record(tracefs, argv + optind, save, o.cwnd_svg != NULL, &t,
			  &cmd_status)) {
		return 1;
	}

	rc = render(&t, &o);
	trace_free(&t);
	if (fflush(stdout) || ferror(stdout))
		rc = 1;
	return rc ? rc : cmd_status;
}
