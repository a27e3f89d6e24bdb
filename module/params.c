// SPDX-License-Identifier: GPL-2.0
/*
 * Toy Stream Protocol: module parameters and the per-netns state's lookup.
 *
 * A leaf: every file reads these, and this file calls nothing of the
 * module. main.c registers the per-netns operations with toy_net_id.
 */
#include <linux/moduleparam.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>

#include "toy.h"

int toy_family = AF_TOY_DEFAULT;
module_param_named(family, toy_family, int, 0444);
MODULE_PARM_DESC(family, "address family number to register (default 25)");

int toy_ipproto = IPPROTO_TOY;
module_param_named(ipproto, toy_ipproto, int, 0444);
MODULE_PARM_DESC(ipproto, "IP protocol number carrying segments (default 253)");

unsigned int toy_timewait_ms = 60000;
module_param_named(timewait_ms, toy_timewait_ms, uint, 0644);
MODULE_PARM_DESC(timewait_ms, "TIME_WAIT and orphan FIN_WAIT2 lifetime, ms, for timers armed from now on (default 60000)");

unsigned int toy_fixed_isn;
module_param_named(fixed_isn, toy_fixed_isn, uint, 0444);
MODULE_PARM_DESC(fixed_isn, "test only: if nonzero, every ISN is this value plus the local port");

bool toy_sack = true;
module_param_named(sack, toy_sack, bool, 0644);
MODULE_PARM_DESC(sack, "offer and accept selective acknowledgements in new connections (default Y)");

bool toy_gso = true;
module_param_named(gso, toy_gso, bool, 0644);
MODULE_PARM_DESC(gso, "send runs of segments as one super-segment (GSO) (default Y)");

bool toy_hystart = true;
module_param_named(hystart, toy_hystart, bool, 0644);
MODULE_PARM_DESC(hystart, "end the first slow start when the round-trip time rises (HyStart++, RFC 9406), in new connections (default Y)");

/*
 * Round trips of conservative slow start once the RTT rose, 0 to
 * TOY_HS_CSS_ROUNDS_MAX; refused beyond, not clamped.
 */
unsigned int toy_hystart_css_rounds;

static int css_rounds_set(const char *val, const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, 0, TOY_HS_CSS_ROUNDS_MAX);
}

static const struct kernel_param_ops param_ops_css_rounds = {
	.set	= css_rounds_set,
	.get	= param_get_uint,
};

module_param_cb(hystart_css_rounds, &param_ops_css_rounds, &toy_hystart_css_rounds, 0644);
MODULE_PARM_DESC(hystart_css_rounds, "round trips of conservative slow start after HyStart++ saw the RTT rise, in new connections, 0 to 100: 5 is RFC 9406's; 0 (default) ends slow start there, as Linux's CUBIC does");

unsigned int toy_max_orphans = 4096;
module_param_named(max_orphans, toy_max_orphans, uint, 0644);
MODULE_PARM_DESC(max_orphans, "orphans (closed, still finishing) kept before new ones are reset (default 4096)");

unsigned int toy_limit_output_bytes = 1048576;
module_param_named(limit_output_bytes, toy_limit_output_bytes, uint, 0644);
MODULE_PARM_DESC(limit_output_bytes, "most bytes of one socket waiting in qdiscs and devices, 0 for no limit (default 1048576, as tcp_limit_output_bytes)");

/* Orphans alive now, in all namespaces (tcp_orphan_count). */
atomic_t toy_orphans = ATOMIC_INIT(0);

unsigned int toy_net_id __read_mostly;

struct toy_net *toy_pernet(const struct net *net)
{
	return net_generic(net, toy_net_id);
}
