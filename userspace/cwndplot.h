/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cwndplot: the congestion window over time, from toy:toy_cwnd events
 * (toytrace --cwnd): a text summary per sender and an SVG plot of cwnd
 * and ssthresh, with each fast recovery and each RTO marked.
 */
#ifndef _CWNDPLOT_H
#define _CWNDPLOT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define CWND_EP_LEN	64	/* "[ffff:...:ffff]:65535" and NUL */

/* One toy_cwnd event. */
struct cwnd_sample {
	unsigned long long us;		/* trace timestamp */
	/* the sender and its peer as printed: "10.0.0.1:7000", "[::1]:7000" */
	char src[CWND_EP_LEN], dst[CWND_EP_LEN];
	uint32_t cwnd, ssthresh, in_flight, srtt_us;
	int ca_state;			/* TOY_CA_* */
};

/*
 * One line per sender (4-tuple): changes, span, cwnd range, fast
 * recoveries and RTOs entered. Returns the number of senders.
 */
int cwnd_summary(FILE *f, const struct cwnd_sample *v, size_t n);

/*
 * The plot, one panel per sender (the @max_panels with most events), to
 * @path. Returns 0 or -errno.
 */
int cwnd_plot_svg(const char *path, const struct cwnd_sample *v, size_t n,
		  int max_panels);

#endif
