/* SPDX-License-Identifier: GPL-2.0 */
#ifndef TOY_STATES_H
#define TOY_STATES_H

/*
 * The names of a TCP_* state in each spelling the tools meet: the one
 * table of them for toyss, toytrace and the selftests' parsers. Unknown
 * numbers give "UNKNOWN" in all three.
 */
struct toy_state_names {
	const char *ss;		/* ss's: "ESTAB", "UNCONN" for CLOSE */
	const char *kernel;	/* the kernel's tracepoints: "SYN_RECV", "CLOSE" */
	const char *rfc;	/* RFC 9293's, as /proc/net/toy_fsm prints them */
};

const struct toy_state_names *toy_state_names(int tcp_state);

#endif /* TOY_STATES_H */
