// SPDX-License-Identifier: GPL-2.0
/*
 * Toy Stream Protocol: module init and exit, and a network namespace's.
 *
 * Nothing else happens here: the parameters and per-netns state are in
 * params.c, the socket calls in socket.c, the state machine in fsm.c, the
 * wire in input.c/output.c. Nothing calls into this file.
 */
#include <linux/module.h>
#include <linux/netlink.h>
#include <linux/percpu.h>
#include <net/net_namespace.h>
#include <net/protocol.h>
#include <net/ipv6.h>

#include "toy.h"

static int __net_init toy_net_init(struct net *net)
{
	struct toy_net *tn = toy_pernet(net);
	int err;

	err = toy_table_init(net, tn);
	if (err)
		return err;
	err = -ENOMEM;
	tn->mib = alloc_percpu(struct toy_mib);
	if (!tn->mib)
		goto err_table;

	err = toy_proc_init(net);
	if (err)
		goto err_free_mib;
	return 0;

err_free_mib:
	free_percpu(tn->mib);
err_table:
	toy_table_exit(tn);
	return err;
}

static void __net_exit toy_net_exit(struct net *net)
{
	struct toy_net *tn = toy_pernet(net);

	toy_proc_exit(net);
	free_percpu(tn->mib);
	toy_table_exit(tn);
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

/*
 * FINAL: no other header follows ours. Without NOPOLICY the stack checks
 * the IPsec inbound policy before toy_v6_rcv(), as IPv4's does for toy_rcv().
 */
static const struct inet6_protocol toy_v6_protocol = {
	.handler = toy_v6_rcv,
	.err_handler = toy_v6_err,
	.flags = INET6_PROTO_FINAL,
};

/*
 * IPv6 is up (not booted with ipv6.disable=1, which leaves its routing
 * tables unmade): only then do sockets take IPv6 addresses.
 */
bool toy_ipv6_ok __read_mostly;

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

	toy_ipv6_ok = ipv6_mod_enabled();
	if (toy_ipv6_ok && inet6_add_protocol(&toy_v6_protocol, toy_ipproto)) {
		pr_err("IPv6 next header %d is taken\n", toy_ipproto);
		err = -EBUSY;
		goto err_del_protocol;
	}

	toy_offload_init();
	toy_tsq_init();
	err = sock_register(&toy_family_ops);
	if (err) {
		pr_err("address family %d is taken (%d)\n", toy_family, err);
		goto err_del_protocol6;
	}

	err = toy_diag_init();
	if (err)
		goto err_unreg_sock;

	pr_info("AF_TOY registered: family %d, IP protocol %d%s\n",
		toy_family, toy_ipproto, toy_ipv6_ok ? "" : " (IPv4 only: IPv6 is disabled)");
	return 0;

err_unreg_sock:
	sock_unregister(toy_family);
err_del_protocol6:
	toy_tsq_exit();
	toy_offload_exit();
	if (toy_ipv6_ok)
		inet6_del_protocol(&toy_v6_protocol, toy_ipproto);
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
	toy_offload_exit();
	if (toy_ipv6_ok)
		inet6_del_protocol(&toy_v6_protocol, toy_ipproto);
	inet_del_protocol(&toy_protocol, toy_ipproto);
	/* Wait for input handlers that may still run, then for RCU-freed socks. */
	synchronize_net();
	rcu_barrier();
	unregister_pernet_subsys(&toy_net_ops);
	proto_unregister(&toy_proto);
	toy_tsq_exit();
	toy_mem_exit();
}

module_init(toy_init);
module_exit(toy_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("AF_TOY: the Toy Stream Protocol, a teaching model of a stream socket");
/* dkms.conf's PACKAGE_VERSION (scripts/install-check.sh) */
MODULE_VERSION("0.9");
MODULE_ALIAS_NETPROTO(AF_TOY_DEFAULT);
/* sock_diag requests for the family load the module too. */
MODULE_ALIAS_NET_PF_PROTO_TYPE(PF_NETLINK, NETLINK_SOCK_DIAG, AF_TOY_DEFAULT);
