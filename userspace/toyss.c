// SPDX-License-Identifier: GPL-2.0
/*
 * toyss: list AF_TOY sockets the way `ss -tn` lists TCP ones.
 *
 * Rows come from a source backend, sock_diag (NETLINK_SOCK_DIAG, the
 * default) or /proc/net/toy (the fallback when the module has no diag
 * handler), and both fill the same struct row so that they print alike.
 * The state and port filters go into the sock_diag request (the kernel
 * filters) and are applied again here, for /proc. Rows are printed as an
 * ss-style table, as JSON, or counted for the summary; -K destroys them.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>

#include "libtoy.h"

#define PROC_ROOT_ENV	"TOY_PROC_ROOT"	/* where -p looks for /proc/<pid>/fd */
/* Raw netlink replies to decode instead of asking the kernel (tests). */
#define DIAG_FILE_ENV	"TOY_DIAG_FILE"

/* TCP_* state numbers, as in /proc/net/toy */
enum {
	ST_ESTABLISHED = 1, ST_SYN_SENT, ST_SYN_RECV, ST_FIN_WAIT1,
	ST_FIN_WAIT2, ST_TIME_WAIT, ST_CLOSE, ST_CLOSE_WAIT, ST_LAST_ACK,
	ST_LISTEN, ST_CLOSING, ST_MAX
};

#define SB(s)		(1u << (s))
#define SS_ALL		(SB(ST_MAX) - 2)	/* bits 1..11 */
/* ss's default: everything but listeners, unconnected and "bucket" states */
#define SS_CONN		(SS_ALL & ~(SB(ST_LISTEN) | SB(ST_CLOSE) | \
				    SB(ST_TIME_WAIT) | SB(ST_SYN_RECV)))
#define SS_LISTENING	(SB(ST_LISTEN) | SB(ST_CLOSE))	/* what ss -l shows */

/* ---- rows and their sources ------------------------------------------ */

struct owner {
	unsigned long	inode;
	int		pid;
	int		fd;
	char		comm[64];
};

/*
 * A socket from either source. d.e is the /proc view; what only sock_diag
 * knows (info, meminfo, cookie) is flagged absent when it came from /proc.
 */
struct row {
	struct toy_diag_entry	d;
	bool			from_diag;	/* d.cookie is valid: -K works */
	bool			hide;		/* -K could not destroy it */
	const struct owner	**owners;	/* -p: who holds the inode */
	size_t			nowners;
};

struct rows {
	struct row	*v;
	size_t		n, cap;
};

enum source_id {
	SRC_PROC,	/* /proc/net/toy, text */
	SRC_DIAG,	/* sock_diag netlink dump */
	SRC_MAX,
	SRC_AUTO = SRC_MAX,	/* diag, falling back to proc */
};

struct source {
	const char	*name;
	/*
	 * Append the sockets @req selects (a source may return more: the
	 * filters are applied again) to @rows; 0 or -errno, *what names the
	 * culprit.
	 */
	int		(*collect)(struct rows *rows, const struct toy_diag_req *req,
				   const char **what);
};

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p) {
		fprintf(stderr, "toyss: out of memory\n");
		exit(1);
	}
	return p;
}

static struct row *rows_new(struct rows *rows)
{
	if (rows->n == rows->cap) {
		rows->cap = rows->cap ? rows->cap * 2 : 16;
		rows->v = xrealloc(rows->v, rows->cap * sizeof(*rows->v));
	}
	memset(&rows->v[rows->n], 0, sizeof(rows->v[0]));
	return &rows->v[rows->n++];
}

static int proc_add(const struct toy_sock_entry *e, void *arg)
{
	struct row *r = rows_new(arg);

	r->d.e = *e;
	r->d.timer_ms = toy_timer_ms(e);
	r->d.shutdown = -1;
	return 0;
}

static int proc_collect(struct rows *rows, const struct toy_diag_req *req,
			const char **what)
{
	static char path[PATH_MAX], path6[PATH_MAX];
	int n;

	(void)req;	/* /proc has no filter: row_match() does it all */
	n = toy_proc_path("toy", path, sizeof(path));
	*what = path;
	if (n)
		return n;
	n = toy_proc_read(path, proc_add, rows);
	if (n < 0)
		return n;
	/* The IPv6 sockets, where the module has them (not before IPv6). */
	if (toy_proc_path("toy6", path6, sizeof(path6)))
		return 0;
	n = toy_proc_read(path6, proc_add, rows);
	return n < 0 && n != -ENOENT ? n : 0;
}

static int diag_add(const struct toy_diag_entry *d, void *arg)
{
	struct row *r = rows_new(arg);

	r->d = *d;
	r->from_diag = true;
	return 0;
}

/* $TOY_DIAG_FILE: recorded netlink replies, decoded as if just received. */
static int diag_collect_file(const char *path, struct rows *rows)
{
	static char buf[1 << 20] __attribute__((aligned(4)));
	bool done = false;
	size_t len;
	FILE *f;
	int n;

	f = fopen(path, "re");
	if (!f)
		return -errno;
	len = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	n = toy_diag_parse(buf, len, diag_add, rows, &done);
	return n < 0 ? n : 0;
}

static int diag_collect(struct rows *rows, const struct toy_diag_req *req,
			const char **what)
{
	const char *file = getenv(DIAG_FILE_ENV);
	int n;

	if (file && *file) {
		*what = file;
		return diag_collect_file(file, rows);
	}
	*what = "sock_diag";
	n = toy_diag_dump(req, diag_add, rows);
	return n < 0 ? n : 0;
}

static const struct source sources[SRC_MAX] = {
	[SRC_PROC] = { "proc", proc_collect },
	[SRC_DIAG] = { "diag", diag_collect },
};

/* ---- -p: map socket inodes to processes ----------------------------- */

struct owners {
	struct owner	*v;
	size_t		n, cap;
};

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

static void read_comm(const char *root, const char *pid, char *buf, size_t len)
{
	char path[PATH_MAX];
	FILE *f;

	buf[0] = '\0';
	snprintf(path, sizeof(path), "%s/%s/comm", root, pid);
	f = fopen(path, "re");
	if (!f)
		return;
	if (fgets(buf, (int)len, f))
		buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
}

static void scan_pid(const char *root, const char *pid, struct owners *o)
{
	char path[PATH_MAX], lnk[64], comm[64] = "";
	struct dirent *d;
	unsigned long ino;
	ssize_t n;
	DIR *dir;

	snprintf(path, sizeof(path), "%s/%s/fd", root, pid);
	dir = opendir(path);
	if (!dir)
		return;	/* gone, or not ours to look at */
	while ((d = readdir(dir))) {
		if (!all_digits(d->d_name))
			continue;
		snprintf(path, sizeof(path), "%s/%s/fd/%s", root, pid, d->d_name);
		n = readlink(path, lnk, sizeof(lnk) - 1);
		if (n < 0)
			continue;
		lnk[n] = '\0';
		if (sscanf(lnk, "socket:[%lu]", &ino) != 1)
			continue;
		if (!comm[0])
			read_comm(root, pid, comm, sizeof(comm));
		if (o->n == o->cap) {
			o->cap = o->cap ? o->cap * 2 : 64;
			o->v = xrealloc(o->v, o->cap * sizeof(*o->v));
		}
		o->v[o->n].inode = ino;
		o->v[o->n].pid = atoi(pid);
		o->v[o->n].fd = atoi(d->d_name);
		snprintf(o->v[o->n].comm, sizeof(o->v[0].comm), "%s", comm);
		o->n++;
	}
	closedir(dir);
}

static int owner_cmp(const void *a, const void *b)
{
	const struct owner *x = a, *y = b;

	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	return x->fd < y->fd ? -1 : x->fd > y->fd;
}

/* Attach owners to rows; sorted by pid and fd so the output is stable. */
static void find_owners(struct rows *rows, struct owners *o)
{
	const char *root = getenv(PROC_ROOT_ENV);
	struct dirent *d;
	size_t i, j;
	DIR *dir;

	if (!root || !*root)
		root = "/proc";
	dir = opendir(root);
	if (!dir)
		return;
	while ((d = readdir(dir)))
		if (all_digits(d->d_name))
			scan_pid(root, d->d_name, o);
	closedir(dir);
	qsort(o->v, o->n, sizeof(*o->v), owner_cmp);

	for (i = 0; i < rows->n; i++) {
		struct row *r = &rows->v[i];

		if (!r->d.e.inode)
			continue;	/* TIME_WAIT: no socket file */
		for (j = 0; j < o->n; j++) {
			if (o->v[j].inode != r->d.e.inode)
				continue;
			r->owners = xrealloc(r->owners,
					     (r->nowners + 1) * sizeof(*r->owners));
			r->owners[r->nowners++] = &o->v[j];
		}
	}
}

/* ---- filters ---------------------------------------------------------- */

/*
 * An expression as ss takes it, after its state words: conditions on the
 * ports (sport, dport) and addresses (src, dst) joined by and (or nothing),
 * or, not and parentheses, in words or in one quoted argument.
 */
enum cmp { CMP_EQ, CMP_NE, CMP_LT, CMP_LE, CMP_GT, CMP_GE };
enum node_kind { N_PORT, N_ADDR, N_AND, N_OR, N_NOT };

struct node {
	enum node_kind	kind;
	bool		dst;		/* N_PORT, N_ADDR: the peer's side */
	enum cmp	op;		/* N_PORT; N_ADDR: CMP_EQ or CMP_NE */
	unsigned int	port;		/* N_PORT; N_ADDR: 0 for any */
	uint32_t	addr, mask;	/* N_ADDR, host order; mask 0: any */
	struct node	*l, *r;		/* N_AND, N_OR: both; N_NOT: l */
};

struct filter {
	unsigned int	states;
	struct node	*expr;		/* NULL: every row */
};

static const struct {
	const char	*name;
	unsigned int	bits;
} state_names[] = {
	{ "established",	SB(ST_ESTABLISHED) },
	{ "syn-sent",		SB(ST_SYN_SENT) },
	{ "syn-recv",		SB(ST_SYN_RECV) },
	{ "fin-wait-1",		SB(ST_FIN_WAIT1) },
	{ "fin-wait-2",		SB(ST_FIN_WAIT2) },
	{ "time-wait",		SB(ST_TIME_WAIT) },
	{ "closed",		SB(ST_CLOSE) },
	{ "unconnected",	SB(ST_CLOSE) },
	{ "close-wait",		SB(ST_CLOSE_WAIT) },
	{ "last-ack",		SB(ST_LAST_ACK) },
	{ "listening",		SB(ST_LISTEN) },
	{ "listen",		SB(ST_LISTEN) },
	{ "closing",		SB(ST_CLOSING) },
	{ "all",		SS_ALL },
	{ "connected",		SS_ALL & ~(SB(ST_LISTEN) | SB(ST_CLOSE)) },
	{ "synchronized",	SS_ALL & ~(SB(ST_LISTEN) | SB(ST_CLOSE) |
					   SB(ST_SYN_SENT)) },
	{ "bucket",		SB(ST_SYN_RECV) | SB(ST_TIME_WAIT) },
	{ "big",		SS_ALL & ~(SB(ST_SYN_RECV) | SB(ST_TIME_WAIT)) },
};

static int scan_state(const char *name, unsigned int *bits)
{
	size_t i;

	for (i = 0; i < sizeof(state_names) / sizeof(state_names[0]); i++) {
		if (!strcasecmp(name, state_names[i].name)) {
			*bits = state_names[i].bits;
			return 0;
		}
	}
	return -1;
}

static int scan_cmp(const char *s, enum cmp *op)
{
	static const struct {
		const char	*s;
		enum cmp	op;
	} ops[] = {
		{ "=", CMP_EQ }, { "==", CMP_EQ }, { "eq", CMP_EQ },
		{ "!=", CMP_NE }, { "ne", CMP_NE }, { "neq", CMP_NE },
		{ "<", CMP_LT }, { "lt", CMP_LT }, { "<=", CMP_LE },
		{ "le", CMP_LE }, { ">", CMP_GT }, { "gt", CMP_GT },
		{ ">=", CMP_GE }, { "ge", CMP_GE },
	};
	size_t i;

	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		if (!strcmp(s, ops[i].s)) {
			*op = ops[i].op;
			return 0;
		}
	}
	return -1;
}

/* ":7000" or "7000" */
static int scan_port(const char *s, unsigned int *port)
{
	char *end;
	unsigned long v;

	if (*s == ':')
		s++;
	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > 65535)
		return -1;
	*port = (unsigned int)v;
	return 0;
}

static bool cmp_ok(enum cmp op, unsigned int a, unsigned int b)
{
	switch (op) {
	case CMP_EQ: return a == b;
	case CMP_NE: return a != b;
	case CMP_LT: return a < b;
	case CMP_LE: return a <= b;
	case CMP_GT: return a > b;
	case CMP_GE: return a >= b;
	}
	return false;
}

static bool node_match(const struct node *n, const struct toy_sock_entry *e)
{
	const struct sockaddr_toy *sa = n->dst ? &e->remote : &e->local;
	uint32_t a;

	switch (n->kind) {
	case N_PORT:
		return cmp_ok(n->op, ntohs(sa->stoy_port), n->port);
	case N_ADDR:
		/* The expression's addresses are IPv4 ones. */
		if (sa->stoy_ipver != TOY_IPVER_4)
			return n->op != CMP_EQ;
		a = ntohl(sa->stoy_addr.v4);
		return ((a & n->mask) == (n->addr & n->mask) &&
			(!n->port || ntohs(sa->stoy_port) == n->port)) ==
		       (n->op == CMP_EQ);
	case N_AND:
		return node_match(n->l, e) && node_match(n->r, e);
	case N_OR:
		return node_match(n->l, e) || node_match(n->r, e);
	case N_NOT:
		return !node_match(n->l, e);
	}
	return false;
}

static void node_free(struct node *n)
{
	if (!n)
		return;
	node_free(n->l);
	node_free(n->r);
	free(n);
}

static bool row_match(const struct filter *f, const struct row *r)
{
	if (r->hide || r->d.e.state <= 0 || r->d.e.state >= ST_MAX ||
	    !(f->states & SB(r->d.e.state)))
		return false;
	return !f->expr || node_match(f->expr, &r->d.e);
}

/* The words of the filter, with parentheses and a leading ! apart. */
struct tokens {
	char	**v;
	int	n, i;
};

static void tok_add(struct tokens *t, const char *s, size_t len)
{
	t->v = xrealloc(t->v, (t->n + 1) * sizeof(*t->v));
	t->v[t->n] = xrealloc(NULL, len + 1);
	memcpy(t->v[t->n], s, len);
	t->v[t->n++][len] = '\0';
}

static void tokenize(int argc, char **argv, struct tokens *t)
{
	int i;

	for (i = 0; i < argc; i++) {
		const char *s = argv[i];

		while (*s) {
			size_t len;

			if (isspace((unsigned char)*s)) {
				s++;
				continue;
			}
			if (*s == '(' || *s == ')' || (*s == '!' && s[1] != '=')) {
				tok_add(t, s++, 1);
				continue;
			}
			for (len = 0; s[len] && !isspace((unsigned char)s[len]) &&
			     s[len] != '(' && s[len] != ')'; len++)
				;
			tok_add(t, s, len);
			s += len;
		}
	}
}

static const char *peek(const struct tokens *t)
{
	return t->i < t->n ? t->v[t->i] : NULL;
}

static bool accept_word(struct tokens *t, const char *const *words)
{
	const char *w = peek(t);

	for (; w && *words; words++) {
		if (!strcmp(w, *words)) {
			t->i++;
			return true;
		}
	}
	return false;
}

static struct node *node_new(enum node_kind kind, struct node *l, struct node *r)
{
	struct node *n = xrealloc(NULL, sizeof(*n));

	memset(n, 0, sizeof(*n));
	n->kind = kind;
	n->l = l;
	n->r = r;
	return n;
}

/* "*", ":PORT", "*:PORT", "A.B.C.D", "A.B.C.D/LEN", each with ":PORT". */
static int scan_addr(const char *s, struct node *n)
{
	char buf[64], *colon, *slash;
	struct in_addr in;
	unsigned long len = 32;
	char *end;

	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	colon = strrchr(buf, ':');
	if (colon) {
		*colon = '\0';
		if (scan_port(colon + 1, &n->port))
			return -1;
	}
	if (!buf[0] || !strcmp(buf, "*")) {
		n->mask = 0;
		return colon ? 0 : (buf[0] ? 0 : -1);
	}
	slash = strchr(buf, '/');
	if (slash) {
		*slash = '\0';
		errno = 0;
		len = strtoul(slash + 1, &end, 10);
		if (errno || *end || !slash[1] || len > 32)
			return -1;
	}
	if (!strcmp(buf, "localhost"))
		strcpy(buf, "127.0.0.1");
	if (inet_pton(AF_INET, buf, &in) != 1)
		return -1;
	n->addr = ntohl(in.s_addr);
	n->mask = len ? 0xffffffffU << (32 - len) : 0;
	return 0;
}

static struct node *parse_or(struct tokens *t, const char **err);

static struct node *parse_cond(struct tokens *t, const char **err)
{
	static const char *const port_words[] = { "sport", "dport", NULL };
	static const char *const addr_words[] = { "src", "dst", NULL };
	const char *w = peek(t);
	struct node *n;
	enum cmp op = CMP_EQ;

	if (!w) {
		*err = "a condition is missing at the end";
		return NULL;
	}
	if (accept_word(t, port_words)) {
		n = node_new(N_PORT, NULL, NULL);
		n->dst = w[0] == 'd';
		if (peek(t) && !scan_cmp(peek(t), &op))
			t->i++;
		n->op = op;
		if (!peek(t) || scan_port(peek(t), &n->port)) {
			*err = "bad port";
			free(n);
			return NULL;
		}
		t->i++;
		return n;
	}
	if (accept_word(t, addr_words)) {
		n = node_new(N_ADDR, NULL, NULL);
		n->dst = w[0] == 'd';
		if (peek(t) && !scan_cmp(peek(t), &op)) {
			if (op != CMP_EQ && op != CMP_NE) {
				*err = "an address compares with = or != only";
				free(n);
				return NULL;
			}
			t->i++;
		}
		n->op = op;
		if (!peek(t) || scan_addr(peek(t), n)) {
			*err = "bad address";
			free(n);
			return NULL;
		}
		t->i++;
		return n;
	}
	*err = "unknown filter word";
	return NULL;
}

static struct node *parse_unary(struct tokens *t, const char **err)
{
	static const char *const not_words[] = { "not", "!", NULL };
	static const char *const open[] = { "(", NULL };
	static const char *const close[] = { ")", NULL };
	struct node *n;

	if (accept_word(t, not_words)) {
		n = parse_unary(t, err);
		return n ? node_new(N_NOT, n, NULL) : NULL;
	}
	if (accept_word(t, open)) {
		n = parse_or(t, err);
		if (n && !accept_word(t, close)) {
			*err = "')' is missing";
			node_free(n);
			return NULL;
		}
		return n;
	}
	return parse_cond(t, err);
}

/* Whether the next word starts a condition: "a b" means "a and b". */
static bool starts_unary(const struct tokens *t)
{
	static const char *const starts[] = {
		"not", "!", "(", "sport", "dport", "src", "dst", NULL,
	};
	const char *w = peek(t);
	const char *const *s;

	for (s = starts; w && *s; s++)
		if (!strcmp(w, *s))
			return true;
	return false;
}

static struct node *parse_and(struct tokens *t, const char **err)
{
	static const char *const and_words[] = { "and", "&&", "&", NULL };
	struct node *n = parse_unary(t, err), *r;

	while (n) {
		if (!accept_word(t, and_words) && !starts_unary(t))
			break;
		r = parse_unary(t, err);
		if (!r) {
			node_free(n);
			return NULL;
		}
		n = node_new(N_AND, n, r);
	}
	return n;
}

static struct node *parse_or(struct tokens *t, const char **err)
{
	static const char *const or_words[] = { "or", "||", "|", NULL };
	struct node *n = parse_and(t, err), *r;

	while (n && accept_word(t, or_words)) {
		r = parse_and(t, err);
		if (!r) {
			node_free(n);
			return NULL;
		}
		n = node_new(N_OR, n, r);
	}
	return n;
}

/*
 * The trailing filter: state words (`state NAME`, `exclude NAME`), and
 * expressions, each one and-ed to the others. Returns 0 or -1 after
 * printing why in one line.
 */
static int parse_filter(int argc, char **argv, struct filter *f)
{
	static const char *const state_words[] = { "state", "exclude", "excl", NULL };
	struct tokens t = { 0 };
	bool saw_states = false;
	const char *err = NULL;
	unsigned int bits;
	int rc = 0;

	tokenize(argc, argv, &t);
	while (!rc && peek(&t)) {
		const char *w = peek(&t);
		struct node *n;

		if (accept_word(&t, state_words)) {
			bool excl = w[0] == 'e';

			if (!peek(&t) || scan_state(peek(&t), &bits)) {
				fprintf(stderr, "toyss: wrong state name: %s\n",
					peek(&t) ? peek(&t) : "(none)");
				rc = -1;
				break;
			}
			t.i++;
			if (!saw_states)
				f->states = excl ? SS_ALL : 0;
			f->states = excl ? f->states & ~bits : f->states | bits;
			saw_states = true;
			continue;
		}
		n = parse_or(&t, &err);
		if (!n) {
			fprintf(stderr, "toyss: %s in the filter at '%s'\n", err,
				peek(&t) ? peek(&t) : "(end)");
			rc = -1;
			break;
		}
		f->expr = f->expr ? node_new(N_AND, f->expr, n) : n;
	}
	while (t.n)
		free(t.v[--t.n]);
	free(t.v);
	return rc;
}

/*
 * A port the expression requires exactly (an and-chain of conditions
 * holding sport = N, say), for the kernel to filter on; 0 if none.
 */
static unsigned int port_required(const struct node *n, bool dst)
{
	unsigned int p;

	if (!n)
		return 0;
	if (n->kind == N_PORT && n->dst == dst && n->op == CMP_EQ)
		return n->port;
	if (n->kind != N_AND)
		return 0;
	p = port_required(n->l, dst);
	return p ? p : port_required(n->r, dst);
}

/*
 * What the kernel can filter for us: the state bitmap as is (its bits are
 * 1 << TCP_*, as tdiag_states), and a port the expression requires.
 * Everything is checked again by row_match().
 */
static void filter_req(const struct filter *f, struct toy_diag_req *req)
{
	memset(req, 0, sizeof(*req));
	req->tdiag_states = f->states;
	req->tdiag_sport = htons((uint16_t)port_required(f->expr, false));
	req->tdiag_dport = htons((uint16_t)port_required(f->expr, true));
}

/* ---- the ss-style table ------------------------------------------------ */

enum col {
	COL_STATE, COL_RECVQ, COL_SENDQ, COL_ADDR, COL_SERV, COL_RADDR,
	COL_RSERV, COL_EXT, COL_MAX,
	COL_TAIL = COL_MAX,	/* -i/-m: a second line, "\t skmem:(...) rto:..." */
};

enum align { ALIGN_LEFT, ALIGN_RIGHT };

/* The same layout as ss's columns[]: headers, alignment, left delimiters. */
struct column {
	enum align	align;
	const char	*header;
	const char	*ldelim;
	bool		disabled;
	int		width;
	int		max_len;
};

static struct column columns[COL_MAX] = {
	[COL_STATE] = { ALIGN_LEFT,  "State",		"" , false, 0, 0 },
	[COL_RECVQ] = { ALIGN_LEFT,  "Recv-Q",		" ", false, 0, 0 },
	[COL_SENDQ] = { ALIGN_LEFT,  "Send-Q",		" ", false, 0, 0 },
	[COL_ADDR]  = { ALIGN_RIGHT, "Local Address:",	" ", false, 0, 0 },
	[COL_SERV]  = { ALIGN_LEFT,  "Port",		"" , false, 0, 0 },
	[COL_RADDR] = { ALIGN_RIGHT, "Peer Address:",	" ", false, 0, 0 },
	[COL_RSERV] = { ALIGN_LEFT,  "Port",		"" , false, 0, 0 },
	[COL_EXT]   = { ALIGN_LEFT,  "Process",		"" , false, 0, 0 },
};

/* A table of cells; a NULL cell is a disabled column. */
struct table {
	char	*(*cells)[COL_MAX + 1];
	size_t	n, cap;
	size_t	nheader;	/* leading header rows */
	bool	oneline;	/* -O */
};

static char *xasprintf(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

static char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0) {
		fprintf(stderr, "toyss: out of memory\n");
		exit(1);
	}
	va_end(ap);
	return s;
}

/* Append to a growing string (the Process/extension column). */
static void strcatf(char **s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void strcatf(char **s, const char *fmt, ...)
{
	char *add, *cat;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&add, fmt, ap) < 0) {
		fprintf(stderr, "toyss: out of memory\n");
		exit(1);
	}
	va_end(ap);
	cat = xasprintf("%s%s", *s ? *s : "", add);
	free(add);
	free(*s);
	*s = cat;
}

static char **table_add(struct table *t)
{
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 16;
		t->cells = xrealloc(t->cells, t->cap * sizeof(*t->cells));
	}
	memset(t->cells[t->n], 0, sizeof(t->cells[0]));
	return t->cells[t->n++];
}

static void table_free(struct table *t)
{
	size_t i;
	int c;

	for (i = 0; i < t->n; i++)
		for (c = 0; c <= COL_TAIL; c++)
			free(t->cells[i][c]);
	free(t->cells);
}

static int screen_width(void)
{
	struct winsize w;

	if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &w) != -1 &&
	    w.ws_col > 0)
		return w.ws_col;
	return -1;
}

/*
 * ss's render_calc_width(): each column is as wide as its widest cell
 * plus its delimiter; on a terminal, the slack up to the screen width is
 * spread over the columns (a line that does not fit wraps, as in ss).
 */
static void calc_width(void)
{
	int sw = screen_width(), len = 0, linecols = 0;
	struct column *c, *tmp, *eol = columns - 1;
	bool first = true, compact = sw < 0;

	if (compact)
		sw = INT_MAX;
	for (c = columns; c < columns + COL_MAX; c++) {
		if (c->disabled)
			continue;
		c->width = c->max_len;
		if (!first && c->max_len)
			c->width += (int)strlen(c->ldelim);
		if (c->width > sw)
			c->width = sw;
		if (c->width)
			first = false;
	}
	if (compact)
		return;

	for (c = columns; c < columns + COL_MAX; c++) {
		int pad, spacing, rem;
		bool last = true;

		if (!c->width)
			continue;
		linecols++;
		len += c->width;
		for (tmp = c + 1; tmp < columns + COL_MAX; tmp++)
			if (tmp->width)
				last = false;
		if (!last && len < sw)
			continue;
		if (len > sw) {
			len -= c->width;
			c--;
			linecols--;
		}
		if (len < sw && linecols > 0) {
			pad = sw - len;
			spacing = pad / linecols;
			rem = pad % linecols;
			for (tmp = c; tmp > eol; tmp--) {
				if (!tmp->width)
					continue;
				tmp->width += spacing;
				if (rem) {
					tmp->width++;
					rem--;
				}
			}
		}
		eol = c;
		len = 0;
		linecols = 0;
	}
}

static void table_print(const struct table *t)
{
	size_t i;
	int c;

	for (i = 0; i < t->n; i++)
		for (c = 0; c < COL_MAX; c++) {
			int l;

			if (columns[c].disabled || !t->cells[i][c])
				continue;
			/*
			 * ss measures a cell when it moves on to the next one,
			 * so the very last cell never counts: mimic that so the
			 * output is byte-identical to ss's.
			 */
			if (i == t->n - 1 && i >= t->nheader && c == COL_EXT)
				continue;
			l = (int)strlen(t->cells[i][c]);
			if (l > columns[c].max_len)
				columns[c].max_len = l;
		}
	calc_width();

	for (i = 0; i < t->n; i++) {
		bool started = false;

		for (c = 0; c < COL_MAX; c++) {
			const struct column *col = &columns[c];
			const char *s = t->cells[i][c] ? t->cells[i][c] : "";
			int printed = 0, len = (int)strlen(s);

			if (col->disabled)
				continue;
			if (started)
				printed = printf("%s", col->ldelim);
			started = true;
			if (col->width && col->align == ALIGN_RIGHT &&
			    col->width - len - printed > 0)
				printed += printf("%*s", col->width - len - printed, "");
			printed += printf("%s", s);
			if (col->width && col->align == ALIGN_LEFT &&
			    col->width - printed > 0)
				printf("%*s", col->width - printed, "");
		}
		/* -O: the -i/-m details on the row's own line, as ss -O */
		if (t->oneline && t->cells[i][COL_TAIL])
			printf(" %s", t->cells[i][COL_TAIL]);
		putchar('\n');
		if (!t->oneline && t->cells[i][COL_TAIL])
			printf("\t%s\n", t->cells[i][COL_TAIL]);
	}
}

/* ---- formatting a row --------------------------------------------------- */

struct opts {
	bool		numeric, header, summary, json, users, timer, details;
	bool		info, mem, kill, oneline;
	enum source_id	source;
};

/*
 * "127.0.0.1:" and "7000", or "[::1]:" ("[fe80::1%eth0]:" with a scope)
 * for IPv6; port 0 is "*" as in ss
 */
static void split_addr(const struct sockaddr_toy *sa, char **addr, char **port)
{
	char ip[INET6_ADDRSTRLEN] = "?", dev[IF_NAMESIZE + 1] = "";
	struct in_addr in = { .s_addr = sa->stoy_addr.v4 };
	unsigned int p = ntohs(sa->stoy_port);

	if (sa->stoy_ipver == TOY_IPVER_6) {
		inet_ntop(AF_INET6, sa->stoy_addr.v6, ip, sizeof(ip));
		if (sa->stoy_scope_id && if_indextoname(sa->stoy_scope_id, dev + 1))
			dev[0] = '%';
		*addr = xasprintf("[%s%s]:", ip, dev);
	} else {
		inet_ntop(AF_INET, &in, ip, sizeof(ip));
		*addr = xasprintf("%s:", ip);
	}
	*port = p ? xasprintf("%u", p) : xasprintf("*");
}

/* ss's print_ms_timer(): "59sec", "1.200ms", "1min10sec" */
static const char *ms_timer(unsigned long timeout, char *buf, size_t len)
{
	unsigned long secs = timeout / 1000, minutes = secs / 60;
	unsigned long msecs = timeout % 1000;
	size_t n = 0;

	secs %= 60;
	buf[0] = '\0';
	if (minutes) {
		msecs = 0;
		n += (size_t)snprintf(buf + n, len - n, "%lumin", minutes);
		if (minutes > 9)
			secs = 0;
	}
	if (secs) {
		if (secs > 9)
			msecs = 0;
		n += (size_t)snprintf(buf + n, len - n, "%lu%s", secs,
				      msecs ? "." : "sec");
	}
	if (msecs)
		snprintf(buf + n, len - n, "%03lums", msecs);
	return buf;
}

/* As ss does for /proc/net/tcp: the count shown is retransmits for the
 * retransmit timer and probes otherwise. */
static unsigned int timer_count(const struct toy_sock_entry *e)
{
	return e->timer == TOY_TIMER_RETRANS ? e->retransmits :
	       (unsigned int)e->timeout;
}

/* ss's print_skmeminfo(): bl and d only when the kernel sent them */
static void skmem_str(const struct toy_diag_entry *d, char **s)
{
	const __u32 *m = d->mem;

	strcatf(s, " skmem:(r%u,rb%u,t%u,tb%u,f%u,w%u,o%u",
		m[SK_MEMINFO_RMEM_ALLOC], m[SK_MEMINFO_RCVBUF],
		m[SK_MEMINFO_WMEM_ALLOC], m[SK_MEMINFO_SNDBUF],
		m[SK_MEMINFO_FWD_ALLOC], m[SK_MEMINFO_WMEM_QUEUED],
		m[SK_MEMINFO_OPTMEM]);
	if (d->nmem > SK_MEMINFO_BACKLOG)
		strcatf(s, ",bl%u", m[SK_MEMINFO_BACKLOG]);
	if (d->nmem > SK_MEMINFO_DROPS)
		strcatf(s, ",d%u", m[SK_MEMINFO_DROPS]);
	strcatf(s, ")");
}

static const char *ca_state_name(unsigned int state)
{
	switch (state) {
	case TOY_CA_OPEN:
		return "open";
	case TOY_CA_RECOVERY:
		return "recovery";
	case TOY_CA_LOSS:
		return "loss";
	}
	return "?";
}

/*
 * As ss -i prints tcp_info: the congestion control first, times in ms
 * with %g, rtt only once measured, ssthresh only once set, retrans as
 * head/total only when there was one. The congestion state (when not
 * open) and the sequence numbers are Toy's own addition: they are what a
 * beginner wants to compare.
 */
static void info_str(const struct toy_diag_entry *d, char **s)
{
	const struct toy_info *in = &d->info;

	if (d->cong[0])
		strcatf(s, " %s", d->cong);
	if (in->rto_us)
		strcatf(s, " rto:%g", in->rto_us / 1000.0);
	if (in->srtt_us)
		strcatf(s, " rtt:%g/%g", in->srtt_us / 1000.0,
			in->rttvar_us / 1000.0);
	if (in->mss)
		strcatf(s, " mss:%u", in->mss);
	if (in->snd_cwnd)
		strcatf(s, " cwnd:%u", in->snd_cwnd);
	if (in->snd_ssthresh && in->snd_ssthresh < 0x7fffffff)
		strcatf(s, " ssthresh:%u", in->snd_ssthresh);
	if (in->ca_state != TOY_CA_OPEN)
		strcatf(s, " ca_state:%s", ca_state_name(in->ca_state));
	if (in->packets_out)
		strcatf(s, " unacked:%u", in->packets_out);
	if (in->lost)
		strcatf(s, " lost:%u", in->lost);
	if (in->retransmits || in->total_retrans)
		strcatf(s, " retrans:%u/%u", in->retransmits, in->total_retrans);
	if (in->options & TOY_INFO_OPT_SACK)
		strcatf(s, " sack reordering:%u", in->reordering);
	if (in->sacked)
		strcatf(s, " sacked:%u", in->sacked);
	strcatf(s, " snd_wnd:%u rcv_wnd:%u snd_una:%u snd_nxt:%u rcv_nxt:%u",
		in->snd_wnd, in->rcv_wnd, in->snd_una, in->snd_nxt, in->rcv_nxt);
}

static void row_cells(const struct row *r, const struct opts *o, char **cells)
{
	const struct toy_sock_entry *e = &r->d.e;
	char tbuf[64];
	size_t i;

	cells[COL_STATE] = xasprintf("%s", toy_state_name(e->state));
	cells[COL_RECVQ] = xasprintf("%-6u", e->rx_queue);
	cells[COL_SENDQ] = xasprintf("%-6u", e->tx_queue);
	split_addr(&e->local, &cells[COL_ADDR], &cells[COL_SERV]);
	split_addr(&e->remote, &cells[COL_RADDR], &cells[COL_RSERV]);

	/* Everything after the peer lands in the last column, in ss's order. */
	if (o->users && r->nowners) {
		strcatf(&cells[COL_EXT], " users:(");
		for (i = 0; i < r->nowners; i++)
			strcatf(&cells[COL_EXT], "%s(\"%s\",pid=%d,fd=%d)",
				i ? "," : "", r->owners[i]->comm,
				r->owners[i]->pid, r->owners[i]->fd);
		strcatf(&cells[COL_EXT], ")");
	}
	if (o->timer && e->timer)
		strcatf(&cells[COL_EXT], " timer:(%s,%s,%u)",
			toy_timer_name(e->timer),
			ms_timer(r->d.timer_ms, tbuf, sizeof(tbuf)),
			timer_count(e));
	if (o->details) {
		if (e->uid)
			strcatf(&cells[COL_EXT], " uid:%u", e->uid);
		strcatf(&cells[COL_EXT], " ino:%lu", e->inode);
	}
	if (o->mem && r->d.nmem)
		skmem_str(&r->d, &cells[COL_TAIL]);
	if (o->info && r->d.has_info)
		info_str(&r->d, &cells[COL_TAIL]);
}

static void print_table(const struct rows *rows, const struct filter *f,
			const struct opts *o)
{
	struct table t = { .oneline = o->oneline };
	size_t i;
	int c;

	/* Like ss: a filter that leaves one state hides the State column. */
	columns[COL_STATE].disabled = !(f->states & (f->states - 1));

	if (o->header) {
		char **h = table_add(&t);

		for (c = 0; c < COL_MAX; c++)
			h[c] = xasprintf("%s", columns[c].header);
		t.nheader = 1;
	}
	for (i = 0; i < rows->n; i++)
		if (row_match(f, &rows->v[i]))
			row_cells(&rows->v[i], o, table_add(&t));
	table_print(&t);
	table_free(&t);
}

/* ---- JSON ---------------------------------------------------------------- */

static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			printf("\\%c", ch);
		else if (ch < 0x20)
			printf("\\u%04x", ch);
		else
			putchar(ch);
	}
	putchar('"');
}

static void json_addr(const struct sockaddr_toy *sa)
{
	char *addr, *port, *s;

	split_addr(sa, &addr, &port);
	s = xasprintf("%s%s", addr, port);
	json_str(s);
	free(s);
	free(addr);
	free(port);
}

/* TOY_INFO as JSON: every field ss -i would show, by name. */
static void json_info(const struct toy_diag_entry *d)
{
	const struct toy_info *in = &d->info;

	printf("{\"rto_ms\": %g, \"rtt_ms\": %g, \"rttvar_ms\": %g, "
	       "\"mss\": %u, \"retransmits\": %u, \"total_retrans\": %u, "
	       "\"snd_wnd\": %u, \"rcv_wnd\": %u, \"snd_una\": %u, "
	       "\"snd_nxt\": %u, \"rcv_nxt\": %u, \"sack\": %s, "
	       "\"reordering\": %u, \"sacked\": %u, \"cong\": ",
	       in->rto_us / 1000.0, in->srtt_us / 1000.0,
	       in->rttvar_us / 1000.0, in->mss, in->retransmits,
	       in->total_retrans, in->snd_wnd, in->rcv_wnd, in->snd_una,
	       in->snd_nxt, in->rcv_nxt,
	       in->options & TOY_INFO_OPT_SACK ? "true" : "false",
	       in->reordering, in->sacked);
	if (d->cong[0])
		json_str(d->cong);
	else
		printf("null");
	printf(", \"ca_state\": ");
	json_str(ca_state_name(in->ca_state));
	printf(", \"cwnd\": %u, \"ssthresh\": ", in->snd_cwnd);
	if (in->snd_ssthresh && in->snd_ssthresh < 0x7fffffff)
		printf("%u", in->snd_ssthresh);
	else
		printf("null");
	printf(", \"unacked\": %u, \"lost\": %u, \"retrans_out\": %u}",
	       in->packets_out, in->lost, in->retrans);
}

/* The sock_diag-only fields: null when the row came from /proc. */
static void json_diag(const struct row *r)
{
	const struct toy_diag_entry *d = &r->d;

	printf(", \"cookie\": ");
	if (r->from_diag)
		printf("\"%08x%08x\"", d->cookie[1], d->cookie[0]);
	else
		printf("null");
	printf(", \"shutdown\": ");
	if (d->shutdown >= 0)
		printf("%d", d->shutdown);
	else
		printf("null");
	printf(", \"info\": ");
	if (d->has_info)
		json_info(d);
	else
		printf("null");
	printf(", \"skmem\": ");
	if (d->nmem > SK_MEMINFO_OPTMEM) {
		static const char *const names[SK_MEMINFO_VARS] = {
			"r", "rb", "t", "tb", "f", "w", "o", "bl", "d",
		};
		unsigned int i;

		for (i = 0; i < d->nmem && i < SK_MEMINFO_VARS; i++)
			printf("%s\"%s\": %u", i ? ", " : "{", names[i], d->mem[i]);
		putchar('}');
	} else {
		printf("null");
	}
}

static void json_row(const struct row *r, const struct opts *o)
{
	const struct toy_sock_entry *e = &r->d.e;
	size_t i;

	printf("{\"state\": ");
	json_str(toy_state_name(e->state));
	printf(", \"recv_q\": %u, \"send_q\": %u, \"local\": ",
	       e->rx_queue, e->tx_queue);
	json_addr(&e->local);
	printf(", \"peer\": ");
	json_addr(&e->remote);
	printf(", \"uid\": %u, \"inode\": %lu, \"timer\": ", e->uid, e->inode);
	if (e->timer) {
		printf("{\"kind\": ");
		json_str(toy_timer_name(e->timer));
		printf(", \"ms\": %lu, \"retrans\": %u}", r->d.timer_ms,
		       timer_count(e));
	} else {
		printf("null");
	}
	printf(", \"process\": ");
	if (!o->users) {
		printf("null");
	} else {
		putchar('[');
		for (i = 0; i < r->nowners; i++) {
			printf("%s{\"comm\": ", i ? ", " : "");
			json_str(r->owners[i]->comm);
			printf(", \"pid\": %d, \"fd\": %d}", r->owners[i]->pid,
			       r->owners[i]->fd);
		}
		putchar(']');
	}
	json_diag(r);
	putchar('}');
}

static void print_json(const struct rows *rows, const struct filter *f,
		       const struct opts *o)
{
	bool first = true;
	size_t i;

	putchar('[');
	for (i = 0; i < rows->n; i++) {
		if (!row_match(f, &rows->v[i]))
			continue;
		printf("%s\n  ", first ? "" : ",");
		json_row(&rows->v[i], o);
		first = false;
	}
	printf("%s]\n", first ? "" : "\n");
}

/* ---- -s ------------------------------------------------------------------ */

static int print_summary(const struct rows *rows)
{
	unsigned int count[ST_MAX] = { 0 };
	char path[PATH_MAX];
	struct toy_stat st;
	size_t i, w = 0;
	int s, err;

	for (i = 0; i < rows->n; i++)
		if (rows->v[i].d.e.state > 0 && rows->v[i].d.e.state < ST_MAX)
			count[rows->v[i].d.e.state]++;

	printf("Total: %zu\n", rows->n);
	for (s = 1; s < ST_MAX; s++)
		printf("%-12s%u\n", toy_state_name(s), count[s]);

	toy_proc_path("toy_stat", path, sizeof(path));
	err = toy_stat_read(path, &st);
	if (err < 0) {
		fprintf(stderr, "toyss: %s: %s\n", path, strerror(-err));
		return 1;
	}
	for (i = 0; i < st.n; i++)
		if (strlen(st.v[i].name) > w)
			w = strlen(st.v[i].name);
	putchar('\n');
	for (i = 0; i < st.n; i++)
		printf("%-*s %lld\n", (int)w, st.v[i].name, st.v[i].value);
	return 0;
}

/* ---- main ---------------------------------------------------------------- */

/* ---- -K ------------------------------------------------------------------ */

/*
 * SOCK_DESTROY every row the filter selects, as ss -K does: the ones that
 * were destroyed stay to be printed, the ones that are gone (ENOENT) or
 * cannot be destroyed (EOPNOTSUPP) are hidden, and any other error stops
 * the killing (what is left is hidden too). Returns 0 or 1.
 */
static int kill_rows(struct rows *rows, const struct filter *f)
{
	char l[TOY_ADDRSTRLEN], p[TOY_ADDRSTRLEN];
	bool stop = false;
	int err, rc = 0;
	size_t i;

	for (i = 0; i < rows->n; i++) {
		struct row *r = &rows->v[i];

		if (!row_match(f, r))
			continue;
		if (stop) {
			r->hide = true;
			continue;
		}
		err = toy_diag_destroy(&r->d);
		if (!err)
			continue;
		r->hide = true;
		if (err == -ENOENT || err == -EOPNOTSUPP)
			continue;
		fprintf(stderr, "toyss: SOCK_DESTROY %s -> %s: %s%s\n",
			toy_addr_str(&r->d.e.local, l, sizeof(l)) ? l : "?",
			toy_addr_str(&r->d.e.remote, p, sizeof(p)) ? p : "?",
			strerror(-err), err == -EPERM ?
			" (-K needs CAP_NET_ADMIN: run it as root)" : "");
		stop = true;
		rc = 1;
	}
	return rc;
}

/*
 * Fill @rows from the source @o asks for. Auto means sock_diag, unless
 * $TOY_PROC_DIR points at other proc files (then the user wants those), and
 * /proc/net/toy when sock_diag fails: a module built without diag answers
 * ENOENT, an old kernel EINVAL or EOPNOTSUPP. Returns 0 or 1.
 */
static int collect(struct opts *o, const struct toy_diag_req *req,
		   struct rows *rows)
{
	const char *what = "", *env = getenv(TOY_PROC_DIR_ENV);
	int err;

	if (o->source == SRC_AUTO) {
		if (env && *env && !getenv(DIAG_FILE_ENV)) {
			o->source = SRC_PROC;
		} else {
			err = sources[SRC_DIAG].collect(rows, req, &what);
			if (!err) {
				o->source = SRC_DIAG;
				return 0;
			}
			rows->n = 0;
			o->source = SRC_PROC;
		}
	}
	err = sources[o->source].collect(rows, req, &what);
	if (err) {
		fprintf(stderr, "toyss: %s: %s%s\n", what, strerror(-err),
			err == -ENOENT ? " (is the toy module loaded?)" : "");
		return 1;
	}
	return 0;
}

static void try_help(void)
{
	fprintf(stderr, "Try 'toyss --help' for more.\n");
}

/*
 * -N NAME: the named network namespace of `ip netns` (/run/netns, where
 * Debian's iproute2 keeps them; /var/run/netns, iproute2's own default),
 * or a path to one.
 */
static int enter_netns(const char *name)
{
	char path[PATH_MAX];
	int fd;

	if (strchr(name, '/'))
		snprintf(path, sizeof(path), "%s", name);
	else
		snprintf(path, sizeof(path), "/run/netns/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT && !strchr(name, '/')) {
		snprintf(path, sizeof(path), "/var/run/netns/%s", name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
	}
	if (fd < 0 || setns(fd, CLONE_NEWNET)) {
		fprintf(stderr, "toyss: cannot enter network namespace %s: %s\n",
			name, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

static void usage(FILE *out)
{
	fprintf(out,
"Usage: toyss [-alnpeoimKHsjO4] [-N NETNS] [--source=diag|proc] [FILTER]\n"
"List AF_TOY sockets like `ss -tn` lists TCP sockets.\n"
"\n"
"  -a, --all          all sockets (default: connected and closing ones)\n"
"  -l, --listening    listening (and bound but unconnected) sockets only\n"
"  -n, --numeric      numeric output (always; accepted for ss habits)\n"
"  -p, --processes    show the processes using each socket\n"
"  -e, --extended     show timer, uid and inode\n"
"  -o, --options      show timer information\n"
"  -i, --info         show protocol internals on a second line: rto, rtt\n"
"                     (srtt/rttvar), mss, retrans (head/total), windows,\n"
"                     snd_una, snd_nxt, rcv_nxt (times in ms, as ss -i)\n"
"  -m, --memory       show socket memory: skmem:(r,rb,t,tb,f,w,o,bl,d)\n"
"  -K, --kill         destroy (SOCK_DESTROY) every socket listed, like\n"
"                     ss -K: needs CAP_NET_ADMIN; prints what it destroyed\n"
"  -H, --no-header    do not print the header line\n"
"  -s, --summary      socket counts by state and the toy_stat counters\n"
"  -j, --json         JSON array of sockets (state, recv_q, send_q, local,\n"
"                     peer, uid, inode, timer, process, and from sock_diag\n"
"                     cookie, shutdown, info, skmem; null from /proc)\n"
"      --source=SRC   diag: sock_diag netlink only; proc: /proc/net/toy only\n"
"                     (default: diag, falling back to proc)\n"
"  -O, --oneline      -i and -m on the socket's own line\n"
"  -N, --net NETNS    in that network namespace (ip netns's name, or a path)\n"
"  -4, --ipv4         accepted: AF_TOY has IPv4 only\n"
"  -t, --tcp          ignored (toyss only knows AF_TOY)\n"
"  -h, --help         this help\n"
"\n"
"FILTER, as ss's: state words, then an expression:\n"
"  state NAME         established, syn-sent, syn-recv, fin-wait-1,\n"
"                     fin-wait-2, time-wait, close-wait, last-ack,\n"
"                     listening, closing, closed, connected, all;\n"
"                     repeat to add states\n"
"  exclude NAME       all states but NAME\n"
"  sport [OP] :PORT   local port; OP is = (default) != < <= > >=\n"
"                     (or eq ne lt le gt ge)\n"
"  dport [OP] :PORT   peer port\n"
"  src [=|!=] ADDR    local address: A.B.C.D[/LEN][:PORT], *:PORT, :PORT\n"
"  dst [=|!=] ADDR    peer address\n"
"  joined by and (or nothing), or, not (or !), and ( ), in separate\n"
"  words or in one: toyss state established '( dport = :7000 or dst 10.0.0.2 )'\n"
"\n"
"Environment: TOY_PROC_DIR (default /proc/net) holds toy and toy_stat (when\n"
"set, the default source is proc); TOY_PROC_ROOT (default /proc) is scanned\n"
"for -p; TOY_DIAG_FILE holds raw netlink replies to decode instead of\n"
"asking the kernel (for tests).\n"
"Examples: toyss -ltn    toyss -a state time-wait    toyss sport = :7000\n");
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "all",	no_argument, NULL, 'a' },
		{ "listening",	no_argument, NULL, 'l' },
		{ "numeric",	no_argument, NULL, 'n' },
		{ "processes",	no_argument, NULL, 'p' },
		{ "extended",	no_argument, NULL, 'e' },
		{ "options",	no_argument, NULL, 'o' },
		{ "info",	no_argument, NULL, 'i' },
		{ "memory",	no_argument, NULL, 'm' },
		{ "kill",	no_argument, NULL, 'K' },
		{ "source",	required_argument, NULL, 'S' },
		{ "no-header",	no_argument, NULL, 'H' },
		{ "summary",	no_argument, NULL, 's' },
		{ "json",	no_argument, NULL, 'j' },
		{ "tcp",	no_argument, NULL, 't' },
		{ "ipv4",	no_argument, NULL, '4' },
		{ "oneline",	no_argument, NULL, 'O' },
		{ "net",	required_argument, NULL, 'N' },
		{ "help",	no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct opts o = { .header = true, .source = SRC_AUTO };
	struct toy_diag_req req;
	struct filter f = { .states = SS_CONN };
	struct owners owners = { 0 };
	struct rows rows = { 0 };
	int ch, err;
	size_t i;

	opterr = 0;	/* one line of ours, then where help is */
	while ((ch = getopt_long(argc, argv, "+:alnpeoimKHsjth4ON:", longopts,
				 NULL)) != -1) {
		switch (ch) {
		case 'a': f.states = SS_ALL; break;
		case 'l': f.states = SS_LISTENING; break;
		case 'n': o.numeric = true; break;
		case 'p': o.users = true; break;
		case 'e': o.details = o.timer = true; break;
		case 'o': o.timer = true; break;
		case 'i': o.info = true; break;
		case 'm': o.mem = true; break;
		case 'K': o.kill = true; break;
		case 'S':
			if (!strcmp(optarg, "diag")) {
				o.source = SRC_DIAG;
			} else if (!strcmp(optarg, "proc")) {
				o.source = SRC_PROC;
			} else {
				fprintf(stderr, "toyss: --source is diag or proc, not %s\n",
					optarg);
				try_help();
				return 2;
			}
			break;
		case 'H': o.header = false; break;
		case 's': o.summary = true; break;
		case 'j': o.json = true; break;
		case 't': break;
		case '4': break;
		case 'O': o.oneline = true; break;
		case 'N':
			if (enter_netns(optarg))
				return 1;
			break;
		case 'h': usage(stdout); return 0;
		case ':':
			if (optopt)
				fprintf(stderr, "toyss: option -%c needs an argument\n", optopt);
			else
				fprintf(stderr, "toyss: option %s needs an argument\n",
					argv[optind - 1]);
			try_help();
			return 2;
		default:
			if (optopt)
				fprintf(stderr, "toyss: unknown option -%c\n", optopt);
			else
				fprintf(stderr, "toyss: unknown option %s\n", argv[optind - 1]);
			try_help();
			return 2;
		}
	}
	if (parse_filter(argc - optind, argv + optind, &f)) {
		try_help();
		return 2;
	}

	if (o.kill && o.source == SRC_PROC) {
		fprintf(stderr, "toyss: -K needs sock_diag, not --source=proc\n");
		return 2;
	}

	/* -s counts every state: only a listing is filtered in the kernel. */
	filter_req(&f, &req);
	if (o.summary)
		memset(&req, 0, sizeof(req));
	if (collect(&o, &req, &rows))
		return 1;
	if (o.kill && o.source != SRC_DIAG) {
		fprintf(stderr, "toyss: -K needs sock_diag, which this toy module does not offer\n");
		return 1;
	}
	if ((o.info || o.mem) && o.source != SRC_DIAG)
		fprintf(stderr, "toyss: -i/-m need sock_diag: reading /proc/net/toy, which has neither\n");

	err = o.kill ? kill_rows(&rows, &f) : 0;
	if (o.users)
		find_owners(&rows, &owners);

	if (o.summary)
		err |= print_summary(&rows);
	else if (o.json)
		print_json(&rows, &f, &o);
	else
		print_table(&rows, &f, &o);

	for (i = 0; i < rows.n; i++)
		free(rows.v[i].owners);
	free(rows.v);
	free(owners.v);
	node_free(f.expr);
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "toyss: write: %s\n", strerror(errno));
		return 1;
	}
	return err;
}
