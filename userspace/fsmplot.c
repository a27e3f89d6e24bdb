// SPDX-License-Identifier: GPL-2.0
/*
 * fsmplot: see fsmplot.h. The states sit where RFC 9293's diagram puts
 * them (opens at the top, ESTABLISHED in the middle, the closes below);
 * all the transitions from one state to another share one arrow, one
 * label line each. An arrow bends to its left, so A->B and B->A do not
 * overlap. CLOSED is reached from almost everywhere (aborts, resets,
 * timeouts): but from its neighbours, those arrows end at a dashed
 * CLOSED beside their state, as drawings of TCP's machine do.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fsmplot.h"

#define WIDTH	1180.0
#define HEIGHT	900.0
#define GHOST_W	64.0
#define GHOST_DX	175.0	/* a ghost CLOSED: this far aside its state */
#define BOX_W	136.0
#define BOX_H	34.0
#define BEND	0.18	/* control point offset, of the arrow's length */

/* @ghost: -1 or 1, the side of its own CLOSED; 0: a real arrow to CLOSED */
static const struct place {
	const char	*name;
	double		x, y;
	int		ghost;
} places[] = {
	{ "CLOSED",		590,  60,  0 },
	{ "LISTEN",		330, 170,  0 },
	{ "SYN-SENT",		860, 170,  0 },
	{ "SYN-RECEIVED",	330, 300, -1 },
	{ "ESTABLISHED",	590, 400, -1 },
	{ "FIN-WAIT-1",		320, 520, -1 },
	{ "CLOSE-WAIT",		870, 520,  1 },
	{ "CLOSING",		590, 610,  1 },
	{ "FIN-WAIT-2",		320, 700, -1 },
	{ "LAST-ACK",		870, 700,  1 },
	{ "TIME-WAIT",		590, 790,  1 },
};

#define NPLACES	(sizeof(places) / sizeof(places[0]))

static const struct place *place_of(const char *name)
{
	size_t i;

	for (i = 0; i < NPLACES; i++)
		if (!strcmp(places[i].name, name))
			return &places[i];
	return NULL;
}

int fsm_parse(FILE *f, struct fsm_cell **out, size_t *n)
{
	struct fsm_cell *v = NULL, *t;
	size_t cap = 0, k = 0, line = 0;
	char buf[512];

	while (fgets(buf, sizeof(buf), f)) {
		struct fsm_cell c;

		line++;
		memset(&c, 0, sizeof(c));
		if (!strncmp(buf, "state ", 6))
			continue;
		if (sscanf(buf, "%15s %15s %15s %95s %llu", c.state, c.event,
			   c.next, c.actions, &c.hits) != 5) {
			free(v);
			*n = line;
			return -EINVAL;
		}
		c.unreachable = !strcmp(c.next, "unreachable");
		if (k == cap) {
			cap = cap ? 2 * cap : 64;
			t = realloc(v, cap * sizeof(*v));
			if (!t) {
				free(v);
				return -ENOMEM;
			}
			v = t;
		}
		v[k++] = c;
	}
	*out = v;
	*n = k;
	return 0;
}

/* "EVENT/actions" as the arrow shows it ("-" for no action: none). */
static void label(FILE *o, const struct fsm_cell *c)
{
	fprintf(o, "%s", c->event);
	if (strcmp(c->actions, "-")) {
		const char *a;

		fputc('/', o);
		for (a = c->actions; *a; a++) {
			if (*a == ',')
				fputs(", ", o);
			else
				fputc(*a, o);
		}
	}
	if (c->hits)
		fprintf(o, " \xc3\x97%llu", c->hits);
}

static void cell_text(FILE *o, const struct fsm_cell *c, double x, double y,
		      const char *anchor)
{
	fprintf(o, "<text class=\"cell%s\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" "
		"data-state=\"%s\" data-event=\"%s\" data-next=\"%s\" data-hits=\"%llu\">",
		c->hits ? " taken" : "", x, y, anchor, c->state, c->event,
		c->next, c->hits);
	label(o, c);
	fputs("</text>\n", o);
}

/* Where the line from the box centred at (x, y) towards (tx, ty) leaves it. */
static void box_edge(double x, double y, double tx, double ty,
		     double *ex, double *ey)
{
	double dx = tx - x, dy = ty - y, s, sx, sy;

	sx = dx ? (BOX_W / 2 + 4) / fabs(dx) : INFINITY;
	sy = dy ? (BOX_H / 2 + 4) / fabs(dy) : INFINITY;
	s = sx < sy ? sx : sy;
	*ex = x + dx * s;
	*ey = y + dy * s;
}

/* The arrow from @a to @b and the label lines of @cells (all a -> b). */
static void arrow(FILE *o, const struct place *a, const struct place *b,
		  const struct fsm_cell *const *cells, size_t k)
{
	double mx = (a->x + b->x) / 2, my = (a->y + b->y) / 2;
	double dx = b->x - a->x, dy = b->y - a->y;
	double cx = mx + dy * BEND, cy = my - dx * BEND;
	double x0, y0, x1, y1, lx, ly;
	unsigned long long hits = 0;
	size_t i;

	for (i = 0; i < k; i++)
		hits += cells[i]->hits;
	box_edge(a->x, a->y, cx, cy, &x0, &y0);
	box_edge(b->x, b->y, cx, cy, &x1, &y1);
	fprintf(o, "<path class=\"arrow%s\" d=\"M%.1f,%.1f Q%.1f,%.1f %.1f,%.1f\" "
		"marker-end=\"url(#%s)\"/>\n", hits ? " taken" : "",
		x0, y0, cx, cy, x1, y1, hits ? "head-taken" : "head");
	/* the curve's middle, then one line per cell */
	lx = 0.25 * x0 + 0.5 * cx + 0.25 * x1;
	ly = 0.25 * y0 + 0.5 * cy + 0.25 * y1 - 5.5 * (double)(k - 1);
	for (i = 0; i < k; i++)
		cell_text(o, cells[i], lx, ly + 11.0 * (double)i, "middle");
}

/* @p's own dashed CLOSED beside it, the arrow to it, and the labels. */
static void ghost(FILE *o, const struct place *p,
		  const struct fsm_cell *const *cells, size_t k)
{
	double gx = p->x + p->ghost * GHOST_DX, gy = p->y - 12;
	unsigned long long hits = 0;
	size_t i;

	for (i = 0; i < k; i++)
		hits += cells[i]->hits;
	fprintf(o, "<path class=\"arrow%s\" d=\"M%.1f,%.1f L%.1f,%.1f\" "
		"marker-end=\"url(#%s)\"/>\n", hits ? " taken" : "",
		p->x + p->ghost * (BOX_W / 2 + 2), p->y - 4,
		gx - p->ghost * (GHOST_W / 2 + 3), gy, hits ? "head-taken" : "head");
	fprintf(o, "<rect class=\"ghost\" x=\"%.1f\" y=\"%.1f\" width=\"%.0f\" "
		"height=\"18\" rx=\"6\"/>\n<text class=\"gname\" x=\"%.1f\" "
		"y=\"%.1f\" text-anchor=\"middle\">CLOSED</text>\n",
		gx - GHOST_W / 2, gy - 9, GHOST_W, gx, gy + 4);
	for (i = 0; i < k; i++)
		cell_text(o, cells[i], gx, gy + 21 + 10.0 * (double)i, "middle");
}

int fsm_plot_svg(const char *path, const struct fsm_cell *c, size_t n)
{
	const struct fsm_cell **group;
	size_t i, j, k, cells = 0, taken = 0;
	FILE *o;

	for (i = 0; i < n; i++) {
		if (c[i].unreachable)
			continue;
		if (!place_of(c[i].state) || !place_of(c[i].next))
			return -EINVAL;
		cells++;
		taken += c[i].hits != 0;
	}
	group = calloc(n ? n : 1, sizeof(*group));
	if (!group)
		return -ENOMEM;
	o = fopen(path, "w");
	if (!o) {
		free(group);
		return -errno;
	}
	fprintf(o, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
		"viewBox=\"0 0 %.0f %.0f\" font-family=\"sans-serif\">\n"
		"<style>\n"
		".box { fill: #f4f4f4; stroke: #555; }\n"
		".ghost { fill: white; stroke: #888; stroke-dasharray: 4 3; }\n"
		".gname { font-size: 10px; fill: #666; }\n"
		".name { font-size: 13px; font-weight: bold; }\n"
		".arrow { fill: none; stroke: #bbb; stroke-width: 1; }\n"
		".arrow.taken { stroke: #c0392b; stroke-width: 2.2; }\n"
		".cell { font-size: 8.5px; fill: #999; }\n"
		".cell.taken { fill: #c0392b; font-weight: bold; }\n"
		".title { font-size: 15px; }\n"
		"</style>\n"
		"<defs>\n"
		"<marker id=\"head\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" "
		"markerWidth=\"7\" markerHeight=\"7\" orient=\"auto\">"
		"<path d=\"M0,0 L10,5 L0,10 z\" fill=\"#bbb\"/></marker>\n"
		"<marker id=\"head-taken\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" "
		"markerWidth=\"6\" markerHeight=\"6\" orient=\"auto\">"
		"<path d=\"M0,0 L10,5 L0,10 z\" fill=\"#c0392b\"/></marker>\n"
		"</defs>\n"
		"<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n"
		"<text class=\"title\" x=\"14\" y=\"24\">AF_TOY's state table "
		"(/proc/net/toy_fsm): %zu transitions, %zu taken in this run "
		"(red, \xc3\x97 times)</text>\n",
		WIDTH, HEIGHT, WIDTH, HEIGHT, cells, taken);

	/* one arrow per (state, next) pair, in the table's order */
	for (i = 0; i < n; i++) {
		const struct place *from = place_of(c[i].state);

		if (c[i].unreachable || !strcmp(c[i].state, c[i].next))
			continue;
		for (j = 0; j < i; j++)
			if (!c[j].unreachable && !strcmp(c[j].state, c[i].state) &&
			    !strcmp(c[j].next, c[i].next))
				break;
		if (j < i)
			continue;	/* drawn with the first of its pair */
		for (k = 0, j = i; j < n; j++)
			if (!c[j].unreachable && !strcmp(c[j].state, c[i].state) &&
			    !strcmp(c[j].next, c[i].next))
				group[k++] = &c[j];
		if (from->ghost && !strcmp(c[i].next, "CLOSED"))
			ghost(o, from, group, k);
		else
			arrow(o, from, place_of(c[i].next), group, k);
	}

	/* the boxes, over the arrows, and what stays in each under it */
	for (i = 0; i < NPLACES; i++) {
		const struct place *p = &places[i];
		double y = p->y + BOX_H / 2 + 10;

		fprintf(o, "<rect class=\"box\" x=\"%.1f\" y=\"%.1f\" width=\"%.0f\" "
			"height=\"%.0f\" rx=\"8\"/>\n<text class=\"name\" x=\"%.1f\" "
			"y=\"%.1f\" text-anchor=\"middle\">%s</text>\n",
			p->x - BOX_W / 2, p->y - BOX_H / 2, BOX_W, BOX_H, p->x,
			p->y + 4.5, p->name);
		for (j = 0; j < n; j++) {
			if (c[j].unreachable || strcmp(c[j].state, p->name) ||
			    strcmp(c[j].next, p->name))
				continue;
			cell_text(o, &c[j], p->x, y, "middle");
			y += 10;
		}
	}
	fputs("</svg>\n", o);
	free(group);
	return fclose(o) ? -errno : 0;
}
