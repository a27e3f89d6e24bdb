/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * AF_TOY: the Toy Stream Protocol, a teaching model of a stream socket.
 *
 * This header is shared by the kernel module and by userspace. It holds
 * everything a program needs to open AF_TOY sockets, and the wire format
 * (struct toyhdr) that docs/protocol.md describes.
 */
#ifndef _UAPI_LINUX_TOY_H
#define _UAPI_LINUX_TOY_H

#include <linux/types.h>
#include <linux/socket.h>

/*
 * The address family. AF_TOY has no number of its own in <linux/socket.h>:
 * the module borrows AF_WANPIPE (25), which no mainline kernel implements,
 * unless it is loaded with family=N. The number in force is always in
 * /sys/module/toy/parameters/family; tools should read it from there.
 */
#define AF_TOY_DEFAULT		25
#define PF_TOY_DEFAULT		AF_TOY_DEFAULT
#define TOY_FAMILY_SYSFS	"/sys/module/toy/parameters/family"

/*
 * The IP protocol number that carries Toy segments: 253 is reserved for
 * experimentation by RFC 3692. Overridable with ipproto=N; the number in
 * force is in /sys/module/toy/parameters/ipproto.
 */
#define IPPROTO_TOY		253
#define TOY_IPPROTO_SYSFS	"/sys/module/toy/parameters/ipproto"

/* Socket option level for the protocol's own knobs, like SOL_TCP == 6. */
#define SOL_TOY			IPPROTO_TOY

/* stoy_ipver values */
#define TOY_IPVER_4		4	/* stoy_addr.v4 is in use */
#define TOY_IPVER_6		6	/* reserved: not supported yet */

/**
 * struct sockaddr_toy - an AF_TOY endpoint (28 bytes, like sockaddr_in6)
 * @stoy_family: AF_TOY (the number in force, see above)
 * @stoy_port: port, network byte order; 0 in bind() asks for an ephemeral one
 * @stoy_ipver: TOY_IPVER_4; TOY_IPVER_6 is reserved for IPv6 and refused today
 * @stoy_zero: padding, must be zero (EINVAL otherwise)
 * @stoy_addr: the IP address; for IPv4 only @v4 is used and @v6[4..15] must be zero
 * @stoy_scope_id: reserved for IPv6 scope, must be zero
 */
struct sockaddr_toy {
	__kernel_sa_family_t	stoy_family;
	__be16			stoy_port;
	__u8			stoy_ipver;
	__u8			stoy_zero[3];
	union {
		__be32		v4;
		__u8		v6[16];
	} stoy_addr;
	__u32			stoy_scope_id;
};

/*
 * Options at level SOL_TOY: "range, default: meaning". All take an int but
 * TOY_INFO. Out-of-range values are refused with EINVAL; docs/protocol.md
 * 15.3 has the rest (module/sockopt.c is their one table).
 */
#define TOY_NODELAY		1	/* 0..1, default 0: send small segments at once */
#define TOY_SYN_RETRIES		2	/* 1..127, default 6: SYN/SYN-ACK retransmissions */
#define TOY_RETRIES		3	/* 1..255, default 15: data/FIN retransmissions */
#define TOY_RTO_MIN		4	/* ms, 1..60000, default 200: lower bound of RTO */
#define TOY_RTO_MAX		5	/* ms, 1..120000, default 120000: upper bound of RTO */
#define TOY_INFO		6	/* read-only: struct toy_info */
#define TOY_KEEPIDLE		7	/* s, 1..32767, default 7200: idle before probing */
#define TOY_KEEPINTVL		8	/* s, 1..32767, default 75: between keepalive probes */
#define TOY_KEEPCNT		9	/* 1..127, default 9: unanswered probes before ETIMEDOUT */
#define TOY_CONGESTION		10	/* string: congestion control, "reno" or "cubic" */

/* The longest name of a congestion control algorithm, with its NUL. */
#define TOY_CA_NAME_MAX		16

/* toy_info.ca_state: what the sender's congestion control is doing. */
#define TOY_CA_OPEN		0	/* no loss: slow start or avoidance */
#define TOY_CA_RECOVERY		1	/* repairing a loss, window reduced */
#define TOY_CA_LOSS		2	/* after an RTO: slow start from 1 */

/**
 * struct toy_info - getsockopt(SOL_TOY, TOY_INFO): the connection's state
 * @state: TCP_* state number (TCP_ESTABLISHED == 1, ... TCP_CLOSING == 11)
 * @retransmits: retransmissions of the current head segment
 * @rto_us: current retransmission timeout
 * @srtt_us: smoothed round-trip time, 0 until measured
 * @rttvar_us: round-trip time variation
 * @snd_una: oldest unacknowledged sequence number
 * @snd_nxt: next sequence number to send
 * @rcv_nxt: next sequence number expected
 * @snd_wnd: window last advertised by the peer
 * @rcv_wnd: window last advertised to the peer
 * @total_retrans: retransmitted segments over the connection's life
 * @mss: payload bytes per segment
 * @reordering: segments SACKed beyond a hole before it counts as lost
 * @sacked: segments in flight the peer SACKed
 * @options: TOY_INFO_OPT_* agreed for the connection
 * @ca_state: TOY_CA_*
 * @snd_cwnd: congestion window, segments
 * @snd_ssthresh: slow-start threshold, segments (0x7fffffff: none yet)
 * @packets_out: segments sent and not yet cumulatively acknowledged
 * @lost: of those, segments taken as lost
 * @retrans: of those, retransmissions still in flight
 *
 * A program built against an older, shorter struct gets its prefix.
 */
struct toy_info {
	__u8	state;
	__u8	retransmits;
	__u16	mss;
	__u32	rto_us;
	__u32	srtt_us;
	__u32	rttvar_us;
	__u32	snd_una;
	__u32	snd_nxt;
	__u32	rcv_nxt;
	__u32	snd_wnd;
	__u32	rcv_wnd;
	__u32	total_retrans;
	__u32	reordering;
	__u32	sacked;
	__u8	options;
	__u8	ca_state;
	__u8	pad[2];
	__u32	snd_cwnd;
	__u32	snd_ssthresh;
	__u32	packets_out;
	__u32	lost;
	__u32	retrans;
};

#define TOY_INFO_OPT_SACK	0x01	/* selective acknowledgments in use */

/*
 * The wire format: a Toy segment directly follows the IPv4 header. All
 * fields are in network byte order. See docs/protocol.md.
 */
#define TOYHDR_FIN		0x01
#define TOYHDR_SYN		0x02
#define TOYHDR_RST		0x04
#define TOYHDR_ACK		0x10
#define TOYHDR_SACKOK		0x20	/* SYN only: I send and take SACK blocks */
#define TOYHDR_FLAGS		(TOYHDR_FIN | TOYHDR_SYN | TOYHDR_RST | \
				 TOYHDR_ACK | TOYHDR_SACKOK)
#define TOYHDR_DOFF		6	/* header length in 32-bit words */
#define TOYHDR_SACK_MAX		4	/* SACK blocks a header may carry */

struct toyhdr {
	__be16	source;
	__be16	dest;
	__be32	seq;
	__be32	ack_seq;
	__be32	window;		/* free receive space, bytes */
	__be16	len;		/* payload bytes after the header */
	__u8	flags;		/* TOYHDR_*; other bits must be zero */
	__u8	doff;		/* header length in 32-bit words: TOYHDR_DOFF */
	__sum16	check;		/* Internet checksum, IPv4 pseudo-header + segment */
	__be16	reserved;	/* must be zero */
};

/*
 * Selective acknowledgment (the idea of RFC 2018): when both SYNs carried
 * TOYHDR_SACKOK, an ACK may describe out-of-order data the receiver holds
 * in up to TOYHDR_SACK_MAX blocks right after the header, doff growing by
 * two words per block. Each block is the half-open range [start, end).
 */
struct toy_sack_block {
	__be32	start;
	__be32	end;
};

/*
 * sock_diag: NETLINK_SOCK_DIAG, nlmsg_type SOCK_DIAG_BY_FAMILY with
 * NLM_F_DUMP lists sockets; SOCK_DESTROY (CAP_NET_ADMIN) aborts the one
 * whose 4-tuple and cookie the request names, with RST where TCP sends one.
 */
struct toy_diag_req {
	__u8	sdiag_family;	/* AF_TOY (the number in force) */
	__u8	sdiag_protocol;	/* 0 */
	__u16	pad;		/* 0 */
	__u32	tdiag_states;	/* bitmap of 1 << TCP_*; 0 means all */
	__be16	tdiag_sport;	/* local port to match, 0 for any */
	__be16	tdiag_dport;	/* peer port to match, 0 for any */
	__be32	tdiag_src;	/* SOCK_DESTROY: local address */
	__be32	tdiag_dst;	/* SOCK_DESTROY: peer address */
	__u32	tdiag_cookie[2];	/* SOCK_DESTROY: from the dump; ~0 ~0 for any */
};

/* What TOY_DIAG_INFO and the fixed reply carry. */
struct toy_diag_msg {
	__u8	tdiag_family;
	__u8	tdiag_state;	/* TCP_* */
	__u8	tdiag_timer;	/* 0 none, 1 retransmit, 2 keepalive, 3 TIME-WAIT, 4 probe */
	__u8	tdiag_retrans;	/* retransmissions of the head segment */
	__be16	tdiag_sport;
	__be16	tdiag_dport;
	__be32	tdiag_src;
	__be32	tdiag_dst;
	__u32	tdiag_expires;	/* ms until the timer fires */
	__u32	tdiag_rqueue;	/* bytes to read; listener: accept queue */
	__u32	tdiag_wqueue;	/* bytes unacknowledged; listener: backlog */
	__u32	tdiag_uid;
	__u32	tdiag_inode;
	__u32	tdiag_cookie[2];
};

/* TOY_DIAG_ADDRS6: the addresses of an IPv6 socket. */
struct toy_diag_addrs6 {
	__u8	src[16];
	__u8	dst[16];
	__u32	scope_id;	/* the interface of a link-local address, else 0 */
};

/* Netlink attributes after struct toy_diag_msg. */
enum {
	TOY_DIAG_NONE,
	TOY_DIAG_INFO,		/* struct toy_info */
	TOY_DIAG_MEMINFO,	/* __u32[SK_MEMINFO_VARS], as INET_DIAG_SKMEMINFO */
	TOY_DIAG_SHUTDOWN,	/* __u8: RCV_SHUTDOWN 1 | SEND_SHUTDOWN 2 */
	TOY_DIAG_CONG,		/* string: the congestion control's name */
	TOY_DIAG_ADDRS6,	/* IPv6: struct toy_diag_addrs6 (tdiag_src, _dst 0) */
	__TOY_DIAG_MAX,
};

#define TOY_DIAG_MAX (__TOY_DIAG_MAX - 1)

#endif /* _UAPI_LINUX_TOY_H */
