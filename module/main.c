// SPDX-License-Identifier: GPL-2.0
/*
 * Toy Stream Protocol: module init and exit, parameters, per-netns state.
 *
 * Nothing else happens here: the socket calls are in socket.c, the state
 * machine in fsm.c, the wire in input.c/output.c.
 */
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/netlink.h>
#include <linux/percpu.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>
#include <net/protocol.h>

#include "toy.h"

int toy_family = AF_TOY_DEFAULT;
module_param_named(family, toy_family, int, 0444);
MODULE_PARM_DESC(family, "address family number to register (default 25)");

int toy_ipproto = IPPROTO_TOY;
module_param_named(ipproto, toy_ipproto, int, 0444);
MODULE_PARM_DESC(ipproto, "IP protocol number carrying segments (default 253)");

unsigned int toy_timewait_ms = 60000;
module_param_named(timewait_ms, toy_timewait_ms, uint, 0444);
MODULE_PARM_DESC(timewait_ms, "TIME_WAIT and orphan FIN_WAIT2 lifetime, ms (default 60000)");

unsigned int toy_fixed_isn;
module_param_named(fixed_isn, toy_fixed_isn, uint, 0444);
MODULE_PARM_DESC(fixed_isn, "test only: if nonzero, every ISN is this value plus the local port");

bool toy_sack = true;
module_param_named(sack, toy_sack, bool, 0644);
MODULE_PARM_DESC(sack, "offer and accept selective acknowledgements in new connections (default Y)");

unsigned int toy_max_orphans = 4096;
module_param_named(max_orphans, toy_max_orphans, uint, 0644);
MODULE_PARM_DESC(max_orphans, "orphans (closed, still finishing) kept before new ones are reset (default 4096)");

/* Orphans alive now, in all namespaces (tcp_orphan_count). */
atomic_t toy_orphans = ATOMIC_INIT(0);

static unsigned int toy_net_id __read_mostly;

struct toy_net *toy_pernet(const struct net *net)
{
	return net_generic(net, toy_net_id);
}

static int __net_init toy_net_init(struct net *net)
{
	struct toy_net *tn = toy_pernet(net);
	int err;

	toy_table_init(tn);
	tn->mib = alloc_percpu(struct toy_mib);
	if (!tn->mib)
		return -ENOMEM;

	err = toy_proc_init(net);
	if (err)
		goto err_free_mib;
	return 0;

err_free_mib:
	free_percpu(tn->mib);
	return err;
}

static void __net_exit toy_net_exit(struct net *net)
{
	struct toy_net *tn = toy_pernet(net);

	toy_proc_exit(net);
	free_percpu(tn->mib);
}

static struct pernet_operations toy_net_ops = {
	.init = toy_net_init,
	.exit = toy_net_exit,
	.id = &toy_net_id,
	.size = sizeof(struct toy_net),
};

static struct net_protocol toy_protocol = {
	.handler = toy_rcv,
	.err_handler = toy_err,
};

static int __init toy_init(void)
{
	int err;

	BUILD_BUG_ON(sizeof(struct toy_skb_cb) > sizeof_field(struct sk_buff, cb));

	if (toy_family <= 0 || toy_family >= NPROTO) {
		pr_err("family %d out of range 1..%d\n", toy_family, NPROTO - 1);
		return -EINVAL;
	}
	if (toy_ipproto <= 0 || toy_ipproto >= MAX_INET_PROTOS) {
		pr_err("ipproto %d out of range\n", toy_ipproto);
		return -EINVAL;
	}
	toy_family_ops.family = toy_family;

	err = toy_mem_init();
	if (err)
		return err;
	toy_mem_proto(&toy_proto);
	err = proto_register(&toy_proto, 1);
	if (err)
		goto err_mem_exit;

	err = register_pernet_subsys(&toy_net_ops);
	if (err)
		goto err_unreg_proto;

	err = inet_add_protocol(&toy_protocol, toy_ipproto);
	if (err) {
		pr_err("IP protocol %d is taken\n", toy_ipproto);
		err = -EBUSY;
		goto err_unreg_pernet;
	}

	err = sock_register(&toy_family_ops);
	if (err) {
		pr_err("address family %d is taken (%d)\n", toy_family, err);
		goto err_del_protocol;
	}

	err = toy_diag_init();
	if (err)
		goto err_unreg_sock;

	pr_info("AF_TOY registered: family %d, IP protocol %d\n",
		toy_family, toy_ipproto);
	return 0;

err_unreg_sock:
	sock_unregister(toy_family);
err_del_protocol:
	inet_del_protocol(&toy_protocol, toy_ipproto);
	synchronize_net();
err_unreg_pernet:
	unregister_pernet_subsys(&toy_net_ops);
err_unreg_proto:
	proto_unregister(&toy_proto);
err_mem_exit:
	toy_mem_exit();
	return err;
}

static void __exit toy_exit(void)
{
	toy_diag_exit();
	sock_unregister(toy_family);
	inet_del_protocol(&toy_protocol, toy_ipproto);
	/* Wait for input handlers that may still run, then for RCU-freed socks. */
	synchronize_net();
	rcu_barrier();
	unregister_pernet_subsys(&toy_net_ops);
	proto_unregister(&toy_proto);
	toy_mem_exit();
}

module_init(toy_init);
module_exit(toy_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("AF_TOY: the Toy Stream Protocol, a teaching model of a stream socket");
MODULE_ALIAS_NETPROTO(AF_TOY_DEFAULT);
/* sock_diag requests for the family load the module too. */
MODULE_ALIAS_NET_PF_PROTO_TYPE(PF_NETLINK, NETLINK_SOCK_DIAG, AF_TOY_DEFAULT);
