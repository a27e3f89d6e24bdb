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
 * 6.10 passes accept() its flags in struct proto_accept_arg. The module
 * implements the older (flags, kern) form; this wraps it as @name.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 10, 0)
#define TOY_COMPAT_ACCEPT(name, fn)					\
static int name(struct socket *sock, struct socket *newsock,		\
		struct proto_accept_arg *arg)				\
{									\
	return fn(sock, newsock, arg->flags, arg->kern);		\
}
#else
#define TOY_COMPAT_ACCEPT(name, fn)					\
static int name(struct socket *sock, struct socket *newsock,		\
		int flags, bool kern)					\
{									\
	return fn(sock, newsock, flags, kern);				\
}
#endif

#endif /* _TOY_COMPAT_H */
