// SPDX-License-Identifier: GPL-2.0
/*
 * cwndplot: see cwndplot.h. Samples are grouped by sender (its 4-tuple),
 * in the order of the trace; each panel is a step plot, because the
 * window holds its value until the next event changes it.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <linux/toy.h>

#include "cwndplot.h"

#define NO_SSTHRESH	0x7fffffffU
#define PANEL_W		760.0
#define PANEL_H		260.0
#define LEFT		70.0
#define TOP		50.0

struct sender {
	const struct cwnd_sample *first;
	size_t *idx;
	size_t n;
};

static bool same_sender(const struct cwnd_sample *a, const struct cwnd_sample *b)
{
	return !strcmp(a->src, b->src) && !strcmp(a->dst, b->dst);
}

/* Group @v by sender; returns how many, *@out allocated (NULL on ENOMEM). */
static size_t senders(const struct cwnd_sample *v, size_t n, struct sender **out)
{
	struct sender *s = NULL, *t;
	size_t ns = 0, i, k;

	for (i = 0; i < n; i++) {
		for (k = 0; k < ns && !same_sender(s[k].first, &v[i]); k++)
			;
		if (k == ns) {
			t = realloc(s, (ns + 1) * sizeof(*s));
			if (!t)
				goto nomem;
			s = t;
			memset(&s[ns++], 0, sizeof(*s));
			s[k].first = &v[i];
			s[k].idx = malloc(n * sizeof(size_t));
			if (!s[k].idx)
				goto nomem;
		}
		s[k].idx[s[k].n++] = i;
	}
	*out = s;
	return ns;
nomem:
	for (k = 0; k < ns; k++)
		free(s[k].idx);
	free(s);
	*out = NULL;
	return 0;
}

static void senders_free(struct sender *s, size_t ns)
{
	size_t k;

	for (k = 0; k < ns; k++)
		free(s[k].idx);
	free(s);
}

static void ep_pair(const struct cwnd_sample *c, char *buf, size_t len)
{
	snprintf(buf, len, "%s -> %s", c->src, c->dst);
}

/* Entries into @state: samples whose state is @state and the previous not. */
static unsigned int entries(const struct cwnd_sample *v, const struct sender *s,
			    int state)
{
	unsigned int count = 0;
	size_t j;

	for (j = 0; j < s->n; j++)
		if (v[s->idx[j]].ca_state == state &&
		    (!j || v[s->idx[j - 1]].ca_state != state))
			count++;
	return count;
}

int cwnd_summary(FILE *f, const struct cwnd_sample *v, size_t n)
{
	struct sender *s;
	size_t ns = senders(v, n, &s), k, j;
	char who[2 * CWND_EP_LEN + 4];

	for (k = 0; k < ns; k++) {
		unsigned int fr = entries(v, &s[k], TOY_CA_RECOVERY);
		unsigned int rto = entries(v, &s[k], TOY_CA_LOSS);
		uint32_t lo = UINT32_MAX, hi = 0;

		for (j = 0; j < s[k].n; j++) {
			const struct cwnd_sample *c = &v[s[k].idx[j]];

			if (c->cwnd < lo)
				lo = c->cwnd;
			if (c->cwnd > hi)
				hi = c->cwnd;
		}
		ep_pair(s[k].first, who, sizeof(who));
		fprintf(f, "cwnd %s: %zu change%s over %.1f ms, cwnd %u..%u segments, %u fast recover%s, %u RTO%s\n",
			who, s[k].n, s[k].n == 1 ? "" : "s",
			(v[s[k].idx[s[k].n - 1]].us - s[k].first->us) / 1000.0,
			lo, hi, fr, fr == 1 ? "y" : "ies", rto, rto == 1 ? "" : "s");
	}
	senders_free(s, ns);
	return (int)ns;
}

/* One panel at @y0. */
static void panel(FILE *f, const struct cwnd_sample *v, const struct sender *s,
		  double y0)
{
	double t0 = (double)s->first->us, span, ymax = 10, x, y, px = 0, py = 0;
	const struct cwnd_sample *last = &v[s->idx[s->n - 1]];
	bool ss_on = false;
	char who[2 * CWND_EP_LEN + 4];
	size_t j;
	int tick;

	span = (double)last->us - t0;
	if (span <= 0)
		span = 1;
	for (j = 0; j < s->n; j++) {
		const struct cwnd_sample *c = &v[s->idx[j]];

		if (c->cwnd > ymax)
			ymax = c->cwnd;
		if (c->ssthresh != NO_SSTHRESH && c->ssthresh > ymax)
			ymax = c->ssthresh;
	}
	ymax *= 1.1;
#define X(us)	(LEFT + ((double)(us) - t0) / span * PANEL_W)
#define Y(w)	(y0 + TOP + PANEL_H - (double)(w) / ymax * PANEL_H)

	ep_pair(s->first, who, sizeof(who));
	fprintf(f, "<text class=\"title\" x=\"10\" y=\"%.1f\">cwnd and ssthresh of %s</text>\n",
		y0 + 24, who);
	fprintf(f, "<rect class=\"frame\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"/>\n",
		LEFT, y0 + TOP, PANEL_W, PANEL_H);
	for (tick = 0; tick <= 4; tick++) {
		fprintf(f, "<text class=\"axis\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%.0f</text>\n",
			LEFT - 6, Y(ymax * tick / 4) + 4, ymax * tick / 4);
		fprintf(f, "<text class=\"axis\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%.0f</text>\n",
			LEFT + PANEL_W * tick / 4, y0 + TOP + PANEL_H + 16,
			span / 1000.0 * tick / 4);
	}
	fprintf(f, "<text class=\"axis\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">time (ms)</text>\n",
		LEFT + PANEL_W / 2, y0 + TOP + PANEL_H + 32);
	fprintf(f, "<text class=\"axis\" x=\"14\" y=\"%.1f\" transform=\"rotate(-90 14 %.1f)\" text-anchor=\"middle\">segments</text>\n",
		y0 + TOP + PANEL_H / 2, y0 + TOP + PANEL_H / 2);

	/* cwnd, a step line */
	fputs("<polyline class=\"cwnd\" points=\"", f);
	for (j = 0; j < s->n; j++) {
		const struct cwnd_sample *c = &v[s->idx[j]];

		x = X(c->us);
		y = Y(c->cwnd);
		if (j)
			fprintf(f, "%.1f,%.1f ", x, py);
		fprintf(f, "%.1f,%.1f ", x, y);
		py = y;
	}
	fputs("\"/>\n", f);

	/* ssthresh, dashed, where set */
	for (j = 0; j < s->n; j++) {
		const struct cwnd_sample *c = &v[s->idx[j]];
		bool on = c->ssthresh != NO_SSTHRESH;

		x = X(c->us);
		y = Y(c->ssthresh);
		if (on && ss_on)
			fprintf(f, "%.1f,%.1f %.1f,%.1f ", x, py, x, y);
		else if (on)
			fprintf(f, "<polyline class=\"ssthresh\" points=\"%.1f,%.1f ", x, y);
		else if (ss_on)
			fprintf(f, "%.1f,%.1f\"/>\n", x, py);
		ss_on = on;
		px = x;
		py = y;
	}
	if (ss_on)
		fprintf(f, "%.1f,%.1f\"/>\n", X(last->us) > px ? X(last->us) : px, py);

	/* where a loss was found: fast recovery (triangle), RTO (cross) */
	for (j = 0; j < s->n; j++) {
		const struct cwnd_sample *c = &v[s->idx[j]];

		if (j && v[s->idx[j - 1]].ca_state == c->ca_state)
			continue;
		x = X(c->us);
		y = Y(c->cwnd);
		if (c->ca_state == TOY_CA_RECOVERY)
			fprintf(f, "<polygon class=\"recovery\" points=\"%.1f,%.1f %.1f,%.1f %.1f,%.1f\"/>\n",
				x, y - 9, x - 6, y - 19, x + 6, y - 19);
		else if (c->ca_state == TOY_CA_LOSS)
			fprintf(f, "<path class=\"rto\" d=\"M%.1f %.1f l10 10 m0 -10 l-10 10\"/>\n",
				x - 5, y - 20);
	}
	fprintf(f, "<line class=\"cwnd\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/><text class=\"axis\" x=\"%.1f\" y=\"%.1f\">cwnd</text>\n",
		LEFT + PANEL_W - 300, y0 + 30, LEFT + PANEL_W - 280, y0 + 30,
		LEFT + PANEL_W - 275, y0 + 34);
	fprintf(f, "<line class=\"ssthresh\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/><text class=\"axis\" x=\"%.1f\" y=\"%.1f\">ssthresh</text>\n",
		LEFT + PANEL_W - 235, y0 + 30, LEFT + PANEL_W - 215, y0 + 30,
		LEFT + PANEL_W - 210, y0 + 34);
	fprintf(f, "<polygon class=\"recovery\" points=\"%.1f,%.1f %.1f,%.1f %.1f,%.1f\"/><text class=\"axis\" x=\"%.1f\" y=\"%.1f\">fast recovery</text>\n",
		LEFT + PANEL_W - 145, y0 + 36, LEFT + PANEL_W - 151, y0 + 26,
		LEFT + PANEL_W - 139, y0 + 26, LEFT + PANEL_W - 132, y0 + 34);
	fprintf(f, "<path class=\"rto\" d=\"M%.1f %.1f l10 10 m0 -10 l-10 10\"/><text class=\"axis\" x=\"%.1f\" y=\"%.1f\">RTO</text>\n",
		LEFT + PANEL_W - 40, y0 + 24, LEFT + PANEL_W - 26, y0 + 34);
#undef X
#undef Y
}

static int by_size(const void *a, const void *b)
{
	const struct sender *x = a, *y = b;

	return x->n < y->n ? 1 : x->n > y->n ? -1 : 0;
}

int cwnd_plot_svg(const char *path, const struct cwnd_sample *v, size_t n,
		  int max_panels)
{
	struct sender *s;
	size_t ns = senders(v, n, &s), k, np;
	double h;
	FILE *f;

	if (!ns)
		return -ENOENT;
	qsort(s, ns, sizeof(*s), by_size);
	np = ns < (size_t)max_panels ? ns : (size_t)max_panels;
	h = (double)np * (TOP + PANEL_H + 50);
	f = fopen(path, "w");
	if (!f) {
		senders_free(s, ns);
		return -errno;
	}
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\">\n"
		"<style>\n"
		"text { font-family: monospace; font-size: 13px; fill: #222; }\n"
		".title { font-weight: bold; font-size: 14px; }\n"
		".axis { fill: #555; font-size: 11px; }\n"
		".frame { fill: none; stroke: #888; }\n"
		".cwnd { fill: none; stroke: #1f4e99; stroke-width: 1.5; }\n"
		".ssthresh { fill: none; stroke: #e08000; stroke-width: 1.5; stroke-dasharray: 6 3; }\n"
		".recovery { fill: #e08000; }\n"
		".rto { stroke: #c62828; stroke-width: 2.5; fill: none; }\n"
		"</style>\n"
		"<rect x=\"0\" y=\"0\" width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n",
		LEFT + PANEL_W + 30, h, LEFT + PANEL_W + 30, h);
	for (k = 0; k < np; k++)
		panel(f, v, &s[k], (double)k * (TOP + PANEL_H + 50));
	fputs("</svg>\n", f);
	senders_free(s, ns);
	return fclose(f) ? -errno : 0;
}
