/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A fake Toy peer that speaks raw Ethernet, written from docs/protocol.md
 * and <linux/toy.h> only (no module source): the independent implementation
 * of the wire format the protocol document promises. It frames IPv4 + Toy
 * segments itself, computes and verifies both checksums and validates what
 * it receives in the order of section 4, so the module never has the last
 * word on its own wire format.
 *
 * It owns an IPv4 address that no interface has: the segments go through an
 * AF_PACKET socket, so the host stack (and toy.ko) of the namespace the
 * peer lives in never sees them. The other side needs a static neighbour
 * entry for that address, since nobody answers ARP for it.
 *
 * peer.c frames, checks, sends and receives; peer_net.c builds the test
 * network the peer lives on. Tests link both (toy_malformed.c, which uses
 * the checksum alone, links peer.c), and util_peer.c checks the checksum
 * examples of docs/protocol.md with them.
 */
#ifndef TOY_PEER_H
#define TOY_PEER_H

#include <arpa/inet.h>
#include <errno.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <linux/if_packet.h>
#include <linux/toy.h>

#define PEER_HLEN	((int)sizeof(struct toyhdr))	/* 24 */
#define PEER_MAXDATA	2048

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif

struct toy_peer;

/* ---- checksum (section 5) ------------------------------------------------ */

/* Adds bytes as big-endian 16-bit words; an odd tail is padded with 0. */
uint32_t peer_sum(uint32_t sum, const void *data, size_t len);
uint16_t peer_fold(uint32_t sum);

/*
 * Folded sum of the pseudo-header (addresses in network order) and the
 * segment as it is: 0xffff over a received segment means the check is right.
 */
uint16_t peer_seg_sum(in_addr_t src, in_addr_t dst, int proto,
		      const void *seg, size_t len);

/* The value for `check`: computed with check = 0, stored unchanged (even 0). */
uint16_t peer_seg_check(in_addr_t src, in_addr_t dst, int proto,
			unsigned char *seg, size_t len);

/* The same over IPv6's pseudo-header (section 5: RFC 8200's, 40 bytes). */
uint16_t peer_seg_sum6(const struct in6_addr *src, const struct in6_addr *dst,
		       int proto, const void *seg, size_t len);

/* Our segment's `check` and section 4 for what we receive, either version. */
uint16_t peer_check_out(const struct toy_peer *p, unsigned char *seg,
			size_t len);
int peer_validate_in(const struct toy_peer *p, const unsigned char *seg,
		     size_t len);

/*
 * A segment sent with its checksum left to the device (CHECKSUM_PARTIAL:
 * check holds the pseudo-header's sum) that a capture saw before any
 * device filled it in: fill it in as the device would, summing the
 * segment from its first byte and storing the complement. The result is
 * valid only if the module's pseudo-header sum was right.
 */
void peer_csum_complete(unsigned char *seg, size_t len);

/*
 * Section 4, in its order. Returns 0 for a valid segment, else the number
 * of the rule it breaks (1..7).
 */
int peer_validate(in_addr_t src, in_addr_t dst, int proto,
		  const unsigned char *seg, size_t len);
int peer_validate6(const struct in6_addr *src, const struct in6_addr *dst,
		   int proto, const unsigned char *seg, size_t len);

/* ---- the peer ----------------------------------------------------------- */

/**
 * struct toy_peer - one end of a conversation over raw Ethernet
 * @fd: AF_PACKET/SOCK_RAW socket bound to the interface, ETH_P_IP only
 * @ifindex: that interface
 * @mac: its hardware address (our source MAC)
 * @dst_mac: the other side's MAC (no ARP: the caller knows it)
 * @addr: our IPv4 address, network order; configured on no interface
 * @dst: the other side's IPv4 address, network order
 * @proto: IP protocol number in force
 * @port: our Toy port, host order
 * @dport: the other side's port, host order; 0 accepts any
 * @window: the window we advertise
 * @bad: invalid segments received (section 4), for the caller to assert on
 * @bad_rule: the section 4 rule the last invalid segment broke
 * @ip_id: IPv4 identification of the next datagram (IPv6: of the next
 *	fragmented one)
 * @v6: the peer speaks IPv6 (peer_open6()): @addr6 and @dst6 are the
 *	addresses, @addr and @dst unused
 * @addr6, @dst6: ours, configured on no interface, and the other side's
 */
struct toy_peer {
	int fd;
	int ifindex;
	unsigned char mac[ETH_ALEN];
	unsigned char dst_mac[ETH_ALEN];
	in_addr_t addr, dst;
	int v6;
	struct in6_addr addr6, dst6;
	int proto;
	uint16_t port, dport;
	uint32_t window;
	unsigned int bad, bad_rule;
	uint16_t ip_id;
};

/* A received segment, host order; sack[i] = { start, end }. */
struct toy_seg {
	uint16_t sport, dport;
	uint32_t seq, ack, window;
	uint8_t flags;
	uint16_t len;
	int nsack;
	uint32_t sack[TOYHDR_SACK_MAX][2];
	unsigned char data[PEER_MAXDATA];
};

/*
 * Opens the packet socket on ifname (in the caller's network namespace).
 * The caller fills in the addresses, ports, proto and dst_mac.
 */
int peer_open(struct toy_peer *p, const char *ifname);
/* The same for an IPv6 peer: ETH_P_IPV6 frames, p->v6 set. */
int peer_open6(struct toy_peer *p, const char *ifname);
void peer_close(struct toy_peer *p);

/* RFC 791 header checksum. */
uint16_t peer_ip_check(const unsigned char *iph, size_t len);

/* ---- segments and datagrams of any shape (every sender uses these) ------- */

#define PEER_IPOPT_MAX	40	/* IHL is 4 bits: at most 15 words of header */
#define PEER_IP_MTU	1500	/* the veth's: no datagram or fragment above */
#define PEER_IP6_HLEN	40
#define PEER_IP6_FRAG	1448	/* fragment payload: 40 + 8 + 1448 <= 1500 */

/* peer_send_ip() flags */
#define PEER_IP_REVERSE	0x1	/* fragments last first */

/**
 * peer_build_seg - lay out a segment the way peer_send_sack() sends it
 * @p: the peer (ports, window, and addresses for the checksum)
 * @seg: room for PEER_HLEN + 8 * @nsack + @len bytes
 * @seq, @ack, @flags, @sack, @nsack, @data, @len: as peer_send_sack()
 *
 * The caller may then break any field (and fix the checksum with
 * peer_seg_check() or not) before peer_send_ip().
 *
 * Return: the segment's length, or 0 if @nsack or @len is out of range.
 */
size_t peer_build_seg(const struct toy_peer *p, unsigned char *seg,
		      uint32_t seq, uint32_t ack, int flags,
		      const uint32_t (*sack)[2], int nsack,
		      const void *data, size_t len);

/*
 * One IPv4 datagram (or fragment) around @data; @off in bytes, @mf more.
 * An IPv6 peer sends an IPv6 packet: @opt is then a Destination Options
 * header's option area, and a packet with @off or @mf set carries a
 * Fragment header (RFC 8200 4.5) with identification @id; @data is the
 * fragmentable part (the options header, if any, is in it: @opt must be
 * empty for a fragment).
 */
int peer_send_dgram(struct toy_peer *p, uint16_t id,
		    const unsigned char *opt, size_t optlen,
		    const void *data, size_t len, size_t off, int mf);

/**
 * peer_send_sack - send one segment, with SACK blocks after the header
 * @p: the peer
 * @seq, @ack: sequence and acknowledgement numbers (ack sent as 0 without ACK)
 * @flags: TOYHDR_*
 * @sack, @nsack: blocks { start, end } (section 3.1); doff = 6 + 2 * @nsack
 * @data, @len: payload
 *
 * Return: 0, or -1 with errno set.
 */
int peer_send_sack(struct toy_peer *p, uint32_t seq, uint32_t ack,
		   int flags, const uint32_t (*sack)[2], int nsack,
		   const void *data, size_t len);

/**
 * peer_send_ip - send bytes as the payload of IPv4 datagrams we frame
 * @p: the peer
 * @opt, @optlen: IP options after the 20-byte header, up to
 *	PEER_IPOPT_MAX bytes; padded with zeros (EOL) to a multiple of 4,
 *	so IHL = 5 + (@optlen + 3) / 4. Only the first fragment has them, as
 *	RFC 791 allows for options without the copied flag.
 * @payload, @len: the IP payload: a segment, well formed or not
 * @frag: 0 for a single datagram; else the payload bytes per fragment, a
 *	multiple of 8 (RFC 791) and at least 8
 * @flags: PEER_IP_REVERSE sends the fragments last first, so that the
 *	receiver has to hold them all before it can reassemble
 *
 * Section 2: the receiver looks at a segment only at IHL * 4 and only
 * after reassembly, so a well formed segment sent either way must be taken
 * like one sent by peer_send().
 *
 * An IPv6 peer sends @opt as the option area of a Destination Options
 * header (padded with Pad1 to a multiple of 8 bytes: the caller's bytes
 * are options, RFC 8200 4.2, well formed or not), and fragments with
 * Fragment headers, the options header in the first fragment's
 * fragmentable part; @frag is then at most PEER_IP6_FRAG.
 *
 * Return: 0, or -1 with errno set.
 */
int peer_send_ip(struct toy_peer *p, const void *opt, size_t optlen,
		 const void *payload, size_t len, size_t frag,
		 int flags);

/**
 * peer_quote_ip - the IP header of a datagram the other side sent us
 * @p: the peer: the header is from @p->dst (@p->dst6) to @p->addr
 *	(@p->addr6), protocol @p->proto, TTL (hop limit) 64
 * @iph: room for PEER_IP6_HLEN bytes
 * @len: the payload length the header is to claim
 *
 * What an ICMP error quotes of the datagram it reports (RFC 792; RFC 4443
 * 2.4 (c)), before the first bytes of that datagram's payload.
 *
 * Return: the header's length: 20, or PEER_IP6_HLEN for an IPv6 peer.
 */
size_t peer_quote_ip(const struct toy_peer *p, unsigned char *iph,
		     size_t len);

/**
 * peer_send_icmp - send an ICMP error (an IPv6 peer: ICMPv6) from the peer
 * @p: the peer
 * @msg: the message: type, code, the checksum (filled in here), the rest
 *	of the 8-byte header (an MTU, a pointer), then the quote
 * @len: bytes at @msg, at least 8
 *
 * The checksum covers the message, and for ICMPv6 the pseudo-header too.
 *
 * Return: 0, or -1 with errno set.
 */
int peer_send_icmp(struct toy_peer *p, unsigned char *msg, size_t len);

/* peer_send_sack() without blocks: the usual segment. */
int peer_send(struct toy_peer *p, uint32_t seq, uint32_t ack, int flags,
	      const void *data, size_t len);

long peer_now_ms(void);

/**
 * peer_recv - wait for the next segment from the other side to our port
 * @p: the peer
 * @s: where the segment goes
 * @ms: how long to wait
 *
 * Frames that are not IPv4 (or, for an IPv6 peer, IPv6 with no extension
 * header) protocol @p->proto from @p->dst to @p->addr, or not between our
 * ports, are skipped. A segment that fails section 4 is
 * counted in @p->bad and skipped too, so the caller asserts on @p->bad.
 *
 * Return: 1 with *s filled, 0 on timeout, -1 on error.
 */
int peer_recv(struct toy_peer *p, struct toy_seg *s, int ms);

/* Flags as text ("SYN|ACK"), for messages. */
const char *peer_flags(int flags, char *buf, size_t len);

/*
 * ---- the test network ------------------------------------------------------
 *
 * Namespace NS_A holds ADDR_A on one end of a veth; the peer's packet socket
 * sits on the other end, in NS_B, and owns ADDR_B. Needs toy_sh(),
 * toy_ipproto() and toy_wait_idle() (toy_test.h).
 *
 * Building it takes several `ip` runs, seconds under TCG, so a program
 * builds it once and its cases share it. peer_netns_open() checks each time
 * that it is whole and that no Toy socket of an earlier case is left in
 * NS_A, and builds it anew if not: a leftover could answer or retransmit to
 * the new case's peer (same addresses, same port) and would move the
 * counters of /proc/net/toy_stat, which are per namespace. The harness runs
 * every case in a child of its own, so the network outlives the case that
 * built it; the program's first process deletes it when it exits. One left
 * by a program that was killed is deleted when the next one starts.
 */
#define NS_A		"toyfsm-a"
#define NS_B		"toyfsm-b"
#define IF_A		"toyfsm-a"
#define IF_B		"toyfsm-b"
#define MAC_A		"02:77:00:00:00:01"
#define MAC_B		"02:77:00:00:00:02"
#define ADDR_A		"10.77.0.1"
#define ADDR_B		"10.77.0.2"
#define ADDR6_A		"fd00:77::1"	/* IF_A has it too, where IPv6 is up */
#define ADDR6_B		"fd00:77::2"
#define NETNS_DIR	"/run/netns/"

/*
 * How long an earlier case's sockets in NS_A may take to go (TIME-WAIT is
 * 200 ms in the test runs); then the network is built anew.
 */
#define PEER_IDLE_MS	2000

/**
 * peer_netns_open - open the peer in the test network, built if need be
 * @p: the peer; addresses, protocol and MACs are filled in
 * @ns_a: out: a descriptor of NS_A, which the caller is left in
 *
 * The network is the one an earlier case of the program used if it is
 * whole and NS_A holds no Toy socket any more, else it is built anew. The
 * packet socket is new either way: nothing queued for an earlier case.
 *
 * Return: 0; 1 if namespaces or veth are not available (skip); -1 on
 * another error, errno set.
 */
int peer_netns_open(struct toy_peer *p, int *ns_a);

/*
 * The same for an IPv6 peer, ADDR6_B talking to ADDR6_A; 1 (skip) also if
 * IPv6 is disabled.
 */
int peer_netns_open6(struct toy_peer *p, int *ns_a);

/**
 * peer_if_feature - `ethtool -K @ifname @name on|off`
 * @ifname: an interface of the caller's namespace
 * @name: the feature as ethtool names it ("tx-sctp-segmentation"); its
 *	bit is looked up in the kernel's own list (ETH_SS_FEATURES)
 * @on: 1 on, 0 off
 *
 * peer_netns_open() turns tx-sctp-segmentation off on IF_A: the module's
 * super-segments (docs/protocol.md 13.1) are cut before IF_A, so the peer
 * reads segments, and each case runs the module's GSO callback.
 *
 * Return: 0, or -1 with errno set.
 */
int peer_if_feature(const char *ifname, const char *name, int on);

/* The network as a whole: deleted (the first process does at exit). */
void peer_net_delete(void);
void peer_mac_parse(const char *s, unsigned char *mac);

/*
 * Back to the namespace @ns_orig. The network stays for the next case;
 * the program's first process deletes it at exit.
 */
void peer_netns_close(int ns_orig, int ns_a);

/*
 * A test case's setup: note the namespace the caller is in (*@ns_orig),
 * then peer_netns_open() with the peer on @port. Returns what that returns
 * (0, 1 to skip, -1 with errno); the descriptors are -1 if not opened.
 */
int peer_case_open(struct toy_peer *p, uint16_t port, int *ns_orig,
		   int *ns_a);

/*
 * A test case's teardown: the module's socket *@fd aborted (SO_LINGER 0,
 * no FIN that would outlive the case), *@fd and *@lfd closed, the peer
 * closed, and the caller back in @ns_orig.
 */
void peer_case_close(struct toy_peer *p, int *fd, int *lfd,
		     int ns_orig, int ns_a);

/*
 * In a kselftest harness case: the next segment from the module, within
 * @ms, into *@s, and it passed section 4; else the case fails here.
 */
/**
 * struct peer_open - a connection the peer opened to the module
 * @lfd: the module's listener on ADDR_A, -1 if none
 * @fd: the connection it accepted, -1 until then
 * @lport: the listener's port
 * @m_nxt: the module's next sequence number (its ISS + 1)
 * @p_nxt: the peer's (its ISS + 1)
 * @synack: the flags of the module's SYN-ACK
 */
struct peer_open {
	int lfd, fd, lport;
	uint32_t m_nxt, p_nxt;
	int synack;
};

/**
 * peer_passive - a passive open of the module, from the peer
 * @p: the peer, in the test network (the caller in NS_A); p->dport is set
 * @iss: the peer's ISS
 * @syn_flags: added to the SYN's TOYHDR_SYN (TOYHDR_SACKOK, say)
 * @rto_ms: both RTO bounds of the accepted socket (no RTO in a test: long)
 * @ms: how long each answer may take
 * @o: out; its descriptors are the caller's to close, whatever the result
 *
 * A listener on ADDR_A, the peer's SYN, the module's SYN-ACK (whose ack
 * must be @iss + 1; its flags are left in @o->synack for the caller to
 * check), the peer's ACK, accept().
 *
 * Return: 0, or -1 with errno set and *@why the step that failed.
 */
int peer_passive(struct toy_peer *p, uint32_t iss, int syn_flags, int rto_ms,
		 int ms, struct peer_open *o, const char **why);

/*
 * A fixture's setup: its peer in a test network of its own (peer_case_open()),
 * or SKIP without namespaces or veth. @self has p, ns_orig and ns_a.
 */
#define PEER_CASE_SETUP(self, port) do {				\
	int __err = peer_case_open(&(self)->p, (port), &(self)->ns_orig,	\
				   &(self)->ns_a);			\
	if (__err > 0)							\
		SKIP(return, "no network namespaces or veth (modprobe veth?)"); \
	ASSERT_EQ(0, __err) TH_LOG("peer network: %s", strerror(errno)); \
} while (0)

#define PEER_ASSERT_SEG(p, s, ms) do {					\
	ASSERT_EQ(1, peer_recv((p), (s), (ms))) TH_LOG("no segment");	\
	ASSERT_EQ(0U, (p)->bad) TH_LOG("invalid segment, rule %u",	\
				       (p)->bad_rule);			\
} while (0)

#endif /* TOY_PEER_H */
