/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fsmplot: the module's own state table (/proc/net/toy_fsm) drawn as a
 * state diagram in SVG (toytrace --fsm): every transition an arrow
 * labelled event/actions, those this run took highlighted with their hit
 * counts; transitions that stay in their state listed under it.
 */
#ifndef _FSMPLOT_H
#define _FSMPLOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* One line of /proc/net/toy_fsm. */
struct fsm_cell {
	char			state[16], event[16], next[16], actions[96];
	unsigned long long	hits;
	bool			unreachable;	/* next is "unreachable" */
};

/*
 * The cells of a /proc/net/toy_fsm (its header line skipped) into *@out,
 * allocated, and their number into *@n. Returns 0, or -EINVAL with the
 * offending line number in *@n.
 */
int fsm_parse(FILE *f, struct fsm_cell **out, size_t *n);

/*
 * The diagram of the @n cells to @path. Each reachable cell is one
 * <text class="cell"> element with data-state, data-event, data-next and
 * data-hits, so that a test can hold the drawing to the table. Returns 0,
 * -EINVAL for a state it has no place for, or -errno.
 */
int fsm_plot_svg(const char *path, const struct fsm_cell *c, size_t n);

#endif
