// SPDX-License-Identifier: GPL-2.0
/*
 * toyss: list AF_TOY sockets the way `ss -tn` lists TCP ones.
 *
 * Rows come from a source backend (today /proc/net/toy; a sock_diag
 * netlink backend can be added to `sources[]` later and feed the same
 * struct row), then pass the state and port filters, and are printed as
 * an ss-style table, as JSON, or counted for the summary.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "libtoy.h"

#define PROC_ROOT_ENV	"TOY_PROC_ROOT"	/* where -p looks for /proc/<pid>/fd */

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

struct row {
	struct toy_sock_entry	e;
	const struct owner	**owners;	/* -p: who holds the inode */
	size_t			nowners;
};

struct rows {
	struct row	*v;
	size_t		n, cap;
};

enum source_id {
	SRC_PROC,	/* /proc/net/toy, text */
	/* SRC_NETLINK: sock_diag, to be written */
	SRC_MAX
};

struct source {
	const char	*name;
	/* Append every socket to @rows; 0 or -errno, *what names the culprit */
	int		(*collect)(struct rows *rows, const char **what);
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

static int rows_add(const struct toy_sock_entry *e, void *arg)
{
	struct rows *rows = arg;

	if (rows->n == rows->cap) {
		rows->cap = rows->cap ? rows->cap * 2 : 16;
		rows->v = xrealloc(rows->v, rows->cap * sizeof(*rows->v));
	}
	memset(&rows->v[rows->n], 0, sizeof(rows->v[0]));
	rows->v[rows->n++].e = *e;
	return 0;
}

static int proc_collect(struct rows *rows, const char **what)
{
	static char path[PATH_MAX];
	int n;

	n = toy_proc_path("toy", path, sizeof(path));
	*what = path;
	if (n)
		return n;
	n = toy_proc_read(path, rows_add, rows);
	return n < 0 ? n : 0;
}

static const struct source sources[SRC_MAX] = {
	[SRC_PROC] = { "proc", proc_collect },
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

		if (!r->e.inode)
			continue;	/* TIME_WAIT: no socket file */
		for (j = 0; j < o->n; j++) {
			if (o->v[j].inode != r->e.inode)
				continue;
			r->owners = xrealloc(r->owners,
					     (r->nowners + 1) * sizeof(*r->owners));
			r->owners[r->nowners++] = &o->v[j];
		}
	}
}

/* ---- filters ---------------------------------------------------------- */

enum cmp { CMP_EQ, CMP_NE, CMP_LT, CMP_LE, CMP_GT, CMP_GE };

struct port_cond {
	bool		dst;	/* dport rather than sport */
	enum cmp	op;
	unsigned int	port;
};

struct filter {
	unsigned int		states;
	struct port_cond	*conds;
	size_t			nconds;
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

static bool cond_match(const struct port_cond *c, const struct toy_sock_entry *e)
{
	unsigned int p = ntohs(c->dst ? e->remote.stoy_port : e->local.stoy_port);

	switch (c->op) {
	case CMP_EQ: return p == c->port;
	case CMP_NE: return p != c->port;
	case CMP_LT: return p < c->port;
	case CMP_LE: return p <= c->port;
	case CMP_GT: return p > c->port;
	case CMP_GE: return p >= c->port;
	}
	return false;
}

static bool row_match(const struct filter *f, const struct row *r)
{
	size_t i;

	if (r->e.state <= 0 || r->e.state >= ST_MAX ||
	    !(f->states & SB(r->e.state)))
		return false;
	for (i = 0; i < f->nconds; i++)
		if (!cond_match(&f->conds[i], &r->e))
			return false;
	return true;
}

/*
 * The trailing expression: `state NAME`, `exclude NAME`, `sport [OP] :N`,
 * `dport [OP] :N`, joined by nothing or `and`. Returns 0 or -1 after
 * printing why.
 */
static int parse_filter(int argc, char **argv, struct filter *f)
{
	bool saw_states = false;
	unsigned int bits;
	int i;

	for (i = 0; i < argc; i++) {
		const char *w = argv[i];

		if (!strcmp(w, "and") || !strcmp(w, "&&"))
			continue;
		if (!strcmp(w, "state") || !strcmp(w, "exclude") ||
		    !strcmp(w, "excl")) {
			bool excl = w[0] == 'e';

			if (++i == argc || scan_state(argv[i], &bits)) {
				fprintf(stderr, "toyss: wrong state name: %s\n",
					i < argc ? argv[i] : "(none)");
				return -1;
			}
			if (!saw_states)
				f->states = excl ? SS_ALL : 0;
			f->states = excl ? f->states & ~bits : f->states | bits;
			saw_states = true;
		} else if (!strcmp(w, "sport") || !strcmp(w, "dport") ||
			   !strcmp(w, "src") || !strcmp(w, "dst")) {
			struct port_cond c = { .dst = w[0] == 'd', .op = CMP_EQ };

			if (!strcmp(w, "src") || !strcmp(w, "dst")) {
				fprintf(stderr, "toyss: '%s' filters are not supported, use sport/dport\n", w);
				return -1;
			}
			if (i + 1 < argc && !scan_cmp(argv[i + 1], &c.op))
				i++;
			if (++i == argc || scan_port(argv[i], &c.port)) {
				fprintf(stderr, "toyss: bad port in '%s' filter: %s\n",
					w, i < argc ? argv[i] : "(none)");
				return -1;
			}
			f->conds = xrealloc(f->conds, (f->nconds + 1) * sizeof(c));
			f->conds[f->nconds++] = c;
		} else {
			fprintf(stderr, "toyss: unknown filter word: %s\n", w);
			return -1;
		}
	}
	return 0;
}

/* ---- the ss-style table ------------------------------------------------ */

enum col {
	COL_STATE, COL_RECVQ, COL_SENDQ, COL_ADDR, COL_SERV, COL_RADDR,
	COL_RSERV, COL_EXT, COL_MAX
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
	char	*(*cells)[COL_MAX];
	size_t	n, cap;
	size_t	nheader;	/* leading header rows */
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
		for (c = 0; c < COL_MAX; c++)
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
		putchar('\n');
	}
}

/* ---- formatting a row --------------------------------------------------- */

struct opts {
	bool		numeric, header, summary, json, users, timer, details;
	enum source_id	source;
};

/* "127.0.0.1:" and "7000"; port 0 is "*" as in ss */
static void split_addr(const struct sockaddr_toy *sa, char **addr, char **port)
{
	char ip[INET_ADDRSTRLEN] = "?";
	struct in_addr in = { .s_addr = sa->stoy_addr.v4 };
	unsigned int p = ntohs(sa->stoy_port);

	inet_ntop(AF_INET, &in, ip, sizeof(ip));
	*addr = xasprintf("%s:", ip);
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

static void row_cells(const struct row *r, const struct opts *o, char **cells)
{
	const struct toy_sock_entry *e = &r->e;
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
			ms_timer(toy_timer_ms(e), tbuf, sizeof(tbuf)),
			timer_count(e));
	if (o->details) {
		if (e->uid)
			strcatf(&cells[COL_EXT], " uid:%u", e->uid);
		strcatf(&cells[COL_EXT], " ino:%lu", e->inode);
	}
}

static void print_table(const struct rows *rows, const struct filter *f,
			const struct opts *o)
{
	struct table t = { 0 };
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

static void json_row(const struct row *r, const struct opts *o)
{
	const struct toy_sock_entry *e = &r->e;
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
		printf(", \"ms\": %lu, \"retrans\": %u}", toy_timer_ms(e),
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
		if (rows->v[i].e.state > 0 && rows->v[i].e.state < ST_MAX)
			count[rows->v[i].e.state]++;

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

static void usage(FILE *out)
{
	fprintf(out,
"Usage: toyss [-alnpeoHsj] [FILTER]\n"
"List AF_TOY sockets like `ss -tn` lists TCP sockets.\n"
"\n"
"  -a, --all          all sockets (default: connected and closing ones)\n"
"  -l, --listening    listening (and bound but unconnected) sockets only\n"
"  -n, --numeric      numeric output (always; accepted for ss habits)\n"
"  -p, --processes    show the processes using each socket\n"
"  -e, --extended     show timer, uid and inode\n"
"  -o, --options      show timer information\n"
"  -H, --no-header    do not print the header line\n"
"  -s, --summary      socket counts by state and the toy_stat counters\n"
"  -j, --json         JSON array of sockets (state, recv_q, send_q, local,\n"
"                     peer, uid, inode, timer, process)\n"
"  -t, --tcp          ignored (toyss only knows AF_TOY)\n"
"  -h, --help         this help\n"
"\n"
"FILTER: any of, all must match:\n"
"  state NAME         established, syn-sent, syn-recv, fin-wait-1,\n"
"                     fin-wait-2, time-wait, close-wait, last-ack,\n"
"                     listening, closing, closed, connected, all;\n"
"                     repeat to add states\n"
"  exclude NAME       all states but NAME\n"
"  sport [OP] :PORT   local port; OP is = (default) != < <= > >=\n"
"  dport [OP] :PORT   peer port\n"
"\n"
"Environment: TOY_PROC_DIR (default /proc/net) holds toy and toy_stat;\n"
"TOY_PROC_ROOT (default /proc) is scanned for -p.\n"
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
		{ "no-header",	no_argument, NULL, 'H' },
		{ "summary",	no_argument, NULL, 's' },
		{ "json",	no_argument, NULL, 'j' },
		{ "tcp",	no_argument, NULL, 't' },
		{ "help",	no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct opts o = { .header = true, .source = SRC_PROC };
	struct filter f = { .states = SS_CONN };
	struct owners owners = { 0 };
	struct rows rows = { 0 };
	const char *what = "";
	int ch, err;
	size_t i;

	while ((ch = getopt_long(argc, argv, "+alnpeoHsjth", longopts,
				 NULL)) != -1) {
		switch (ch) {
		case 'a': f.states = SS_ALL; break;
		case 'l': f.states = SS_LISTENING; break;
		case 'n': o.numeric = true; break;
		case 'p': o.users = true; break;
		case 'e': o.details = o.timer = true; break;
		case 'o': o.timer = true; break;
		case 'H': o.header = false; break;
		case 's': o.summary = true; break;
		case 'j': o.json = true; break;
		case 't': break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (parse_filter(argc - optind, argv + optind, &f)) {
		usage(stderr);
		return 2;
	}

	err = sources[o.source].collect(&rows, &what);
	if (err) {
		fprintf(stderr, "toyss: %s: %s%s\n", what, strerror(-err),
			err == -ENOENT ? " (is the toy module loaded?)" : "");
		return 1;
	}
	if (o.users)
		find_owners(&rows, &owners);

	if (o.summary)
		err = print_summary(&rows);
	else if (o.json)
		print_json(&rows, &f, &o);
	else
		print_table(&rows, &f, &o);

	for (i = 0; i < rows.n; i++)
		free(rows.v[i].owners);
	free(rows.v);
	free(owners.v);
	free(f.conds);
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "toyss: write: %s\n", strerror(errno));
		return 1;
	}
	return err;
}
