/* SPDX-License-Identifier: GPL-2.0 */
/*
 * libtoy: the small helpers every AF_TOY tool needs. It finds the family
 * number in force, opens sockets, parses and prints struct sockaddr_toy,
 * names TCP states the way ss does, and parses /proc/net/toy and
 * /proc/net/toy_stat.
 *
 * The proc directory is $TOY_PROC_DIR (default /proc/net) so that the
 * parsers can be exercised on the host with fixture files.
 */
#ifndef _LIBTOY_H
#define _LIBTOY_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>
#include <linux/sock_diag.h>
#include <linux/toy.h>

/*
 * "255.255.255.255:65535", or "[" an IPv6 address (46 with its NUL) "%" a
 * scope id (10) "]:65535"
 */
#define TOY_ADDRSTRLEN		(46 + 1 + 10 + 8)

#define TOY_PROC_DIR_ENV	"TOY_PROC_DIR"
#define TOY_PROC_DIR_DEFAULT	"/proc/net"

/*
 * The family and IP protocol numbers in force, read once from sysfs and
 * cached. If the sysfs file does not exist (module not loaded) they return
 * the compiled-in default and leave errno at ENOENT; any other failure
 * (unreadable or garbled file) returns -1 with errno set.
 */
int toy_family(void);
int toy_ipproto(void);

/* socket(toy_family(), SOCK_STREAM | type_flags, 0); -1 and errno on error */
int toy_socket(int type_flags);

/*
 * strerror() for a failed toy_socket(). Without toy.ko, socket() fails
 * with EAFNOSUPPORT ("Address family not supported by protocol"), which
 * names no module: this says which one is missing.
 */
const char *toy_socket_strerror(int err);

/*
 * Fill @sa from a host and a port. @host is a dotted quad, "localhost",
 * "*" or NULL (both 0.0.0.0), or an IPv6 address, bare or in brackets,
 * with an optional %scope (an interface name or number: "fe80::1%eth0");
 * @port is decimal 0..65535. Returns 0 or -EINVAL, leaving @sa untouched
 * on error.
 */
int toy_addr_parse(const char *host, const char *port,
		   struct sockaddr_toy *sa);

/*
 * "127.0.0.1:7000", or "[::1]:7000" ("[fe80::1%2]:7000" with a scope), into
 * @buf; NULL (errno ENOSPC/EAFNOSUPPORT) if it can't
 */
const char *toy_addr_str(const struct sockaddr_toy *sa, char *buf, size_t len);

#include "states.h"

/* ss's name for a TCP_* state ("ESTAB", "LISTEN", "UNCONN" for CLOSE...) */
const char *toy_state_name(int tcp_state);

/*
 * "$TOY_PROC_DIR/<name>" into @buf. Returns 0, or -ENAMETOOLONG.
 */
int toy_proc_path(const char *name, char *buf, size_t len);

/* Timer kinds in the "tr" column of /proc/net/toy */
enum toy_timer {
	TOY_TIMER_NONE		= 0,
	TOY_TIMER_RETRANS	= 1,
	TOY_TIMER_KEEPALIVE	= 2,
	TOY_TIMER_TIMEWAIT	= 3,
	TOY_TIMER_PROBE		= 4,
};

/* One line of /proc/net/toy, every column */
struct toy_sock_entry {
	unsigned int		sl;
	struct sockaddr_toy	local;
	struct sockaddr_toy	remote;
	int			state;		/* TCP_* number */
	unsigned int		tx_queue;	/* bytes */
	unsigned int		rx_queue;	/* bytes; accept queue if LISTEN */
	int			timer;		/* enum toy_timer */
	unsigned long		timer_when;	/* clock ticks until it fires */
	unsigned int		retransmits;
	unsigned int		uid;
	int			timeout;	/* probes; 0 today */
	unsigned long		inode;
};

/* Return nonzero from the callback to stop the walk early. */
typedef int (*toy_proc_cb)(const struct toy_sock_entry *e, void *arg);

/*
 * Parse @path (NULL: $TOY_PROC_DIR/toy) and call @cb for every socket line.
 * Returns the number of lines handed to @cb, or -errno: the open error, or
 * -EINVAL for a line that does not have the documented format.
 */
int toy_proc_read(const char *path, toy_proc_cb cb, void *arg);

/* The timer's remaining time in ms, rounded up like ss does. */
unsigned long toy_timer_ms(const struct toy_sock_entry *e);

/* ss's names for the timer kinds: "off", "on", "keepalive", ... */
const char *toy_timer_name(int timer);

#define TOY_STAT_MAX		64
#define TOY_STAT_NAMELEN	48

struct toy_stat_pair {
	char		name[TOY_STAT_NAMELEN];
	long long	value;
};

/* /proc/net/toy_stat: counters in the file's order */
struct toy_stat {
	size_t			n;
	struct toy_stat_pair	v[TOY_STAT_MAX];
};

/*
 * Parse @path (NULL: $TOY_PROC_DIR/toy_stat), a /proc/net/snmp-style file
 * of "Prefix: names" / "Prefix: values" line pairs. Returns the number of
 * counters or -errno (-EINVAL when names and values do not pair up).
 */
int toy_stat_read(const char *path, struct toy_stat *st);

/* Look a counter up by name: 0 and *value, or -ENOENT */
int toy_stat_get(const struct toy_stat *st, const char *name, long long *value);

/* ---- sock_diag ---------------------------------------------------------- */

/*
 * One socket of a SOCK_DIAG_BY_FAMILY dump. @e holds what a /proc/net/toy
 * line would (sl is the position in the dump, timer_when the expiry in
 * USER_HZ ticks, timeout 0); the rest only sock_diag knows.
 */
struct toy_diag_entry {
	struct toy_sock_entry	e;
	unsigned long		timer_ms;	/* tdiag_expires */
	__u32			cookie[2];	/* for SOCK_DESTROY */
	bool			has_info;	/* TOY_DIAG_INFO was there */
	struct toy_info		info;
	unsigned int		nmem;		/* __u32s of TOY_DIAG_MEMINFO */
	__u32			mem[SK_MEMINFO_VARS];
	int			shutdown;	/* TOY_DIAG_SHUTDOWN, -1 if absent */
	char			cong[TOY_CA_NAME_MAX];	/* TOY_DIAG_CONG, or "" */
};

/* Return nonzero from the callback to stop the walk early. */
typedef int (*toy_diag_cb)(const struct toy_diag_entry *d, void *arg);

/*
 * Decode one recv() worth of netlink messages answering a dump: call @cb
 * for every socket; set *@done at NLMSG_DONE (or an ack). Returns the
 * number of sockets, -errno from an NLMSG_ERROR or a negative NLMSG_DONE,
 * or -EINVAL for a truncated or malformed message.
 */
int toy_diag_parse(const void *buf, size_t len, toy_diag_cb cb, void *arg,
		   bool *done);

/*
 * Dump the sockets @req selects (family filled in if 0) through
 * NETLINK_SOCK_DIAG. Returns the number of sockets or -errno: -ENOENT or
 * -EINVAL when the module has no sock_diag handler, -EOPNOTSUPP, ...
 */
int toy_diag_dump(const struct toy_diag_req *req, toy_diag_cb cb, void *arg);

/*
 * SOCK_DESTROY the connection @d describes (4-tuple and cookie). Returns 0
 * or -errno: -EPERM without CAP_NET_ADMIN, -ENOENT if it is gone.
 */
int toy_diag_destroy(const struct toy_diag_entry *d);

#endif /* _LIBTOY_H */
