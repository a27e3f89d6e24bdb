// SPDX-License-Identifier: GPL-2.0
/*
 * The names of the TCP_* states, in each spelling the tools meet: the one
 * table of them, for toyss, toytrace and the selftests' parsers. A file of
 * its own, so that the selftests can link it without the rest of libtoy.
 */
#include "states.h"

const struct toy_state_names *toy_state_names(int tcp_state)
{
	/* Indexed by TCP_* number: ss's, the kernel's, RFC 9293's. */
	static const struct toy_state_names names[] = {
		[0] = { "UNKNOWN", "UNKNOWN", "UNKNOWN" },
		[1] = { "ESTAB", "ESTABLISHED", "ESTABLISHED" },
		[2] = { "SYN-SENT", "SYN_SENT", "SYN-SENT" },
		[3] = { "SYN-RECV", "SYN_RECV", "SYN-RECEIVED" },
		[4] = { "FIN-WAIT-1", "FIN_WAIT1", "FIN-WAIT-1" },
		[5] = { "FIN-WAIT-2", "FIN_WAIT2", "FIN-WAIT-2" },
		[6] = { "TIME-WAIT", "TIME_WAIT", "TIME-WAIT" },
		[7] = { "UNCONN", "CLOSE", "CLOSED" },
		[8] = { "CLOSE-WAIT", "CLOSE_WAIT", "CLOSE-WAIT" },
		[9] = { "LAST-ACK", "LAST_ACK", "LAST-ACK" },
		[10] = { "LISTEN", "LISTEN", "LISTEN" },
		[11] = { "CLOSING", "CLOSING", "CLOSING" },
	};

	if (tcp_state <= 0 || tcp_state >= (int)(sizeof(names) / sizeof(names[0])))
		return &names[0];
	return &names[tcp_state];
}
