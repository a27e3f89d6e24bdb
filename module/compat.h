/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every difference between the kernels toy.ko builds for (Debian 12's 6.1
 * and 6.12) lives here, so the rest of the module reads like one kernel's
 * code. Kbuild force-includes this file into every object.
 */
#ifndef _TOY_COMPAT_H
#define _TOY_COMPAT_H

#include <linux/version.h>
#include <linux/net.h>

/*
 * Sockets speak IPv4 or IPv6 (inet6_add_protocol()), so the kernel needs
 * IPv6 built in, as Debian's is (Kconfig says so for an in-tree build).
 */
#if !IS_BUILTIN(CONFIG_IPV6)
#error "AF_TOY needs a kernel with IPv6 built in (CONFIG_IPV6=y)"
#endif

/*
 * 6.10 passes accept() its flags in struct proto_accept_arg. The module
 * implements the older (flags, kern) form as toy_accept(); proto_ops points
 * at toy_compat_accept(), which is either a wrapper or toy_accept() itself.
 */
struct socket;
int toy_accept(struct socket *sock, struct socket *newsock, int flags,
	       bool kern);

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 10, 0)
#include <net/sock.h>

static inline int toy_compat_accept(struct socket *sock,
				    struct socket *newsock,
				    struct proto_accept_arg *arg)
{
	return toy_accept(sock, newsock, arg->flags, arg->kern);
}
#else
#define toy_compat_accept toy_accept
#endif

#endif /* _TOY_COMPAT_H */
