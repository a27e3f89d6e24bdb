// SPDX-License-Identifier: GPL-2.0
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
 * Used as a library by toy_fsm.c, toy_sack.c, toy_fuzz_seg.c, toy_blind.c
 * and (for its checksum only) toy_malformed.c, which define TOY_PEER_LIB
 * before including this file;
 * as a program it checks the checksum examples of docs/protocol.md
 * sections 5.1 and 5.2:
 *
 *   util_peer csum      print both checksums; exit 0 if they match the text
 */
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

/* Not every program uses every function. */
#define PEER_API	static __attribute__((unused))

#define PEER_HLEN	((int)sizeof(struct toyhdr))	/* 24 */
#define PEER_MAXDATA	2048

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif

/* ---- checksum (section 5) ------------------------------------------------ */

/* Adds bytes as big-endian 16-bit words; an odd tail is padded with 0. */
PEER_API uint32_t peer_sum(uint32_t sum, const void *data, size_t len)
{
	const unsigned char *p = data;

	for (; len > 1; p += 2, len -= 2)
		sum += (p[0] << 8) | p[1];
	if (len)
		sum += p[0] << 8;
	return sum;
}

PEER_API uint16_t peer_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}

/*
 * Folded sum of the pseudo-header (addresses in network order) and the
 * segment as it is: 0xffff over a received segment means the check is right.
 */
PEER_API uint16_t peer_seg_sum(in_addr_t src, in_addr_t dst, int proto,
			     const void *seg, size_t len)
{
	unsigned char ph[12];
	uint16_t l = htons(len);

	memcpy(ph, &src, 4);
	memcpy(ph + 4, &dst, 4);
	ph[8] = 0;
	ph[9] = proto;
	memcpy(ph + 10, &l, 2);
	return peer_fold(peer_sum(peer_sum(0, ph, sizeof(ph)), seg, len));
}

/* The value for `check`: computed with check = 0, stored unchanged (even 0). */
PEER_API uint16_t peer_seg_check(in_addr_t src, in_addr_t dst, int proto,
			       unsigned char *seg, size_t len)
{
	struct toyhdr *h = (struct toyhdr *)seg;

	h->check = 0;
	return (uint16_t)~peer_seg_sum(src, dst, proto, seg, len);
}

/*
 * Section 4, in its order. Returns 0 for a valid segment, else the number
 * of the rule it breaks (1..7).
 */
PEER_API int peer_validate(in_addr_t src, in_addr_t dst, int proto,
			 const unsigned char *seg, size_t len)
{
	const struct toyhdr *h = (const struct toyhdr *)seg;

	int nsack;

	if (len < (size_t)PEER_HLEN)
		return 1;
	/* doff: 6, or 6 + 2 per SACK block on an ACK without SYN (3.1) */
	nsack = (h->doff - TOYHDR_DOFF) / 2;
	if (h->doff < TOYHDR_DOFF || (h->doff - TOYHDR_DOFF) % 2 ||
	    nsack > TOYHDR_SACK_MAX ||
	    (nsack && (h->flags & (TOYHDR_ACK | TOYHDR_SYN)) != TOYHDR_ACK))
		return 2;
	if (h->reserved)
		return 3;
	if (h->flags & ~TOYHDR_FLAGS)
		return 4;
	if ((size_t)h->doff * 4 + ntohs(h->len) != len)
		return 5;
	if (peer_seg_sum(src, dst, proto, seg, len) != 0xffff)
		return 6;
	if ((h->flags & TOYHDR_SYN) && (h->flags & (TOYHDR_FIN | TOYHDR_RST)))
		return 7;
	if ((h->flags & TOYHDR_SACKOK) && !(h->flags & TOYHDR_SYN))
		return 8;
	return 0;
}

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
 * @ip_id: IPv4 identification of the next datagram
 */
struct toy_peer {
	int fd;
	int ifindex;
	unsigned char mac[ETH_ALEN];
	unsigned char dst_mac[ETH_ALEN];
	in_addr_t addr, dst;
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
PEER_API int peer_open(struct toy_peer *p, const char *ifname)
{
	struct sockaddr_ll sll;
	struct ifreq ifr;

	memset(p, 0, sizeof(*p));
	p->window = 65536;
	p->fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_IP));
	if (p->fd < 0)
		return -1;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(p->fd, SIOCGIFINDEX, &ifr))
		goto fail;
	p->ifindex = ifr.ifr_ifindex;
	if (ioctl(p->fd, SIOCGIFHWADDR, &ifr))
		goto fail;
	memcpy(p->mac, ifr.ifr_hwaddr.sa_data, ETH_ALEN);
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_IP);
	sll.sll_ifindex = p->ifindex;
	if (bind(p->fd, (struct sockaddr *)&sll, sizeof(sll)))
		goto fail;
	return 0;
fail:
	close(p->fd);
	p->fd = -1;
	return -1;
}

PEER_API void peer_close(struct toy_peer *p)
{
	if (p->fd >= 0)
		close(p->fd);
	p->fd = -1;
}

/* RFC 791 header checksum. */
PEER_API uint16_t peer_ip_check(const unsigned char *iph, size_t len)
{
	return (uint16_t)~peer_fold(peer_sum(0, iph, len));
}

/* ---- segments and datagrams of any shape (every sender uses these) ------- */

#define PEER_IPOPT_MAX	40	/* IHL is 4 bits: at most 15 words of header */
#define PEER_IP_MTU	1500	/* the veth's: no datagram or fragment above */

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
PEER_API size_t peer_build_seg(const struct toy_peer *p, unsigned char *seg,
			       uint32_t seq, uint32_t ack, int flags,
			       const uint32_t (*sack)[2], int nsack,
			       const void *data, size_t len)
{
	struct toyhdr *h = (struct toyhdr *)seg;
	size_t hlen = PEER_HLEN + 8 * nsack;
	int i;

	if (len > 0xffff || nsack < 0 || nsack > TOYHDR_SACK_MAX)
		return 0;
	memset(seg, 0, hlen);
	h->source = htons(p->port);
	h->dest = htons(p->dport);
	h->seq = htonl(seq);
	h->ack_seq = htonl(flags & TOYHDR_ACK ? ack : 0);
	h->window = htonl(flags & TOYHDR_RST ? 0 : p->window);
	h->len = htons(len);
	h->flags = flags;
	h->doff = TOYHDR_DOFF + 2 * nsack;
	for (i = 0; i < nsack; i++) {
		uint32_t be[2] = { htonl(sack[i][0]), htonl(sack[i][1]) };

		memcpy(seg + PEER_HLEN + 8 * i, be, 8);
	}
	if (len)
		memcpy(seg + hlen, data, len);
	h->check = htons(peer_seg_check(p->addr, p->dst, p->proto, seg,
					hlen + len));
	return hlen + len;
}

/* One IPv4 datagram (or fragment) around @data; @off in bytes, @mf more. */
PEER_API int peer_send_dgram(struct toy_peer *p, uint16_t id,
			     const unsigned char *opt, size_t optlen,
			     const void *data, size_t len, size_t off, int mf)
{
	unsigned char frame[ETH_HLEN + PEER_IP_MTU];
	size_t ihl = 20 + optlen, tot = ihl + len;
	unsigned char *ip = frame + ETH_HLEN;
	struct sockaddr_ll to;
	uint16_t v16;

	if (tot > PEER_IP_MTU) {
		errno = EMSGSIZE;
		return -1;
	}
	memcpy(frame, p->dst_mac, ETH_ALEN);
	memcpy(frame + ETH_ALEN, p->mac, ETH_ALEN);
	frame[12] = ETH_P_IP >> 8;
	frame[13] = ETH_P_IP & 0xff;
	memset(ip, 0, 20);
	ip[0] = 0x40 | ihl / 4;
	v16 = htons(tot);
	memcpy(ip + 2, &v16, 2);
	v16 = htons(id);
	memcpy(ip + 4, &v16, 2);
	v16 = htons((mf ? 0x2000 : 0) | off / 8);	/* DF clear */
	memcpy(ip + 6, &v16, 2);
	ip[8] = 64;
	ip[9] = p->proto;
	memcpy(ip + 12, &p->addr, 4);
	memcpy(ip + 16, &p->dst, 4);
	memcpy(ip + 20, opt, optlen);
	v16 = htons(peer_ip_check(ip, ihl));
	memcpy(ip + 10, &v16, 2);
	memcpy(ip + ihl, data, len);

	memset(&to, 0, sizeof(to));
	to.sll_family = AF_PACKET;
	to.sll_protocol = htons(ETH_P_IP);
	to.sll_ifindex = p->ifindex;
	to.sll_halen = ETH_ALEN;
	memcpy(to.sll_addr, p->dst_mac, ETH_ALEN);
	if (sendto(p->fd, frame, ETH_HLEN + tot, 0, (struct sockaddr *)&to,
		   sizeof(to)) != (ssize_t)(ETH_HLEN + tot))
		return -1;
	return 0;
}

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
PEER_API int peer_send_sack(struct toy_peer *p, uint32_t seq, uint32_t ack,
			    int flags, const uint32_t (*sack)[2], int nsack,
			    const void *data, size_t len)
{
	unsigned char seg[PEER_HLEN + 8 * TOYHDR_SACK_MAX + PEER_MAXDATA];
	size_t seglen;

	if (len > PEER_MAXDATA) {
		errno = EMSGSIZE;
		return -1;
	}
	seglen = peer_build_seg(p, seg, seq, ack, flags, sack, nsack, data, len);
	if (!seglen) {
		errno = EMSGSIZE;
		return -1;
	}
	/* IPv4, no options, DF clear as the module sends (section 2) */
	return peer_send_dgram(p, p->ip_id++, NULL, 0, seg, seglen, 0, 0);
}

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
 * Return: 0, or -1 with errno set.
 */
PEER_API int peer_send_ip(struct toy_peer *p, const void *opt, size_t optlen,
			  const void *payload, size_t len, size_t frag,
			  int flags)
{
	unsigned char o[PEER_IPOPT_MAX] = { 0 };
	const unsigned char *data = payload;
	uint16_t id = p->ip_id++;
	size_t n, i, olen;

	if (optlen > PEER_IPOPT_MAX || (frag && (frag % 8 || frag < 8))) {
		errno = EINVAL;
		return -1;
	}
	memcpy(o, opt, optlen);
	olen = (optlen + 3) & ~(size_t)3;
	if (!frag || frag >= len)
		return peer_send_dgram(p, id, o, olen, data, len, 0, 0);
	n = (len + frag - 1) / frag;
	for (i = 0; i < n; i++) {
		size_t k = flags & PEER_IP_REVERSE ? n - 1 - i : i;
		size_t off = k * frag, l = k == n - 1 ? len - off : frag;

		if (peer_send_dgram(p, id, o, k ? 0 : olen, data + off, l, off,
				    k != n - 1))
			return -1;
	}
	return 0;
}

/* peer_send_sack() without blocks: the usual segment. */
PEER_API int peer_send(struct toy_peer *p, uint32_t seq, uint32_t ack, int flags,
		       const void *data, size_t len)
{
	return peer_send_sack(p, seq, ack, flags, NULL, 0, data, len);
}

PEER_API long peer_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/**
 * peer_recv - wait for the next segment from the other side to our port
 * @p: the peer
 * @s: where the segment goes
 * @ms: how long to wait
 *
 * Frames that are not IPv4 protocol @p->proto from @p->dst to @p->addr,
 * or not between our ports, are skipped. A segment that fails section 4 is
 * counted in @p->bad and skipped too, so the caller asserts on @p->bad.
 *
 * Return: 1 with *s filled, 0 on timeout, -1 on error.
 */
PEER_API int peer_recv(struct toy_peer *p, struct toy_seg *s, int ms)
{
	unsigned char frame[65536 + ETH_HLEN];
	long end = peer_now_ms() + ms;

	for (;;) {
		struct pollfd pfd = { .fd = p->fd, .events = POLLIN };
		long left = end - peer_now_ms();
		struct sockaddr_ll from;
		socklen_t flen = sizeof(from);
		const unsigned char *ip, *seg;
		const struct toyhdr *h;
		size_t ihl, tot;
		in_addr_t sa, da;
		ssize_t n;
		int rule;

		if (left <= 0)
			return 0;
		n = poll(&pfd, 1, left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (!n)
			return 0;
		n = recvfrom(p->fd, frame, sizeof(frame), MSG_DONTWAIT,
			     (struct sockaddr *)&from, &flen);
		if (n < 0)
			continue;
		/* our own frames come back as PACKET_OUTGOING */
		if (from.sll_pkttype == PACKET_OUTGOING)
			continue;
		if (n < ETH_HLEN + 20 || frame[12] != (ETH_P_IP >> 8) ||
		    frame[13] != (ETH_P_IP & 0xff))
			continue;
		ip = frame + ETH_HLEN;
		ihl = (ip[0] & 0x0f) * 4;
		tot = (ip[2] << 8) | ip[3];
		if ((ip[0] >> 4) != 4 || ihl < 20 || tot < ihl ||
		    tot > (size_t)n - ETH_HLEN || ip[9] != p->proto)
			continue;
		/* fragments: the module sends small segments; not reassembled */
		if (((ip[6] << 8) | ip[7]) & 0x3fff)
			continue;
		memcpy(&sa, ip + 12, 4);
		memcpy(&da, ip + 16, 4);
		if (sa != p->dst || da != p->addr)
			continue;
		if (peer_ip_check(ip, ihl) != 0) {
			p->bad++;
			p->bad_rule = 0;
			continue;
		}
		seg = ip + ihl;
		rule = peer_validate(sa, da, p->proto, seg, tot - ihl);
		if (rule) {
			p->bad++;
			p->bad_rule = rule;
			continue;
		}
		h = (const struct toyhdr *)seg;
		if (ntohs(h->dest) != p->port ||
		    (p->dport && ntohs(h->source) != p->dport))
			continue;
		s->sport = ntohs(h->source);
		s->dport = ntohs(h->dest);
		s->seq = ntohl(h->seq);
		s->ack = ntohl(h->ack_seq);
		s->window = ntohl(h->window);
		s->flags = h->flags;
		s->len = ntohs(h->len);
		s->nsack = (h->doff - TOYHDR_DOFF) / 2;
		for (rule = 0; rule < s->nsack; rule++) {
			uint32_t be[2];

			memcpy(be, seg + PEER_HLEN + 8 * rule, 8);
			s->sack[rule][0] = ntohl(be[0]);
			s->sack[rule][1] = ntohl(be[1]);
		}
		memcpy(s->data, seg + h->doff * 4,
		       s->len < PEER_MAXDATA ? s->len : PEER_MAXDATA);
		return 1;
	}
}

/* Flags as text ("SYN|ACK"), for messages. */
PEER_API const char *peer_flags(int flags, char *buf, size_t len)
{
	static const char * const names[] = {
		"FIN", "SYN", "RST", "?08", "ACK", "SACKOK",
	};
	size_t n = 0;
	int i;

	buf[0] = 0;
	for (i = 5; i >= 0; i--)
		if (flags & (1 << i))
			n += snprintf(buf + n, len - n, "%s%s", n ? "|" : "",
				      names[i]);
	if (!n)
		snprintf(buf, len, "-");
	return buf;
}

#ifdef TOY_PEER_LIB
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
#define NETNS_DIR	"/run/netns/"

/*
 * How long an earlier case's sockets in NS_A may take to go (TIME-WAIT is
 * 200 ms in the test runs); then the network is built anew.
 */
#define PEER_IDLE_MS	2000

/* The process that deletes the network at exit: not the harness' children. */
static pid_t peer_net_owner;

static void ns_cleanup(void)
{
	if (!access(NETNS_DIR NS_A, F_OK))
		toy_sh("ip netns del " NS_A);
	if (!access(NETNS_DIR NS_B, F_OK))
		toy_sh("ip netns del " NS_B);
}

__attribute__((constructor)) static void peer_net_init(void)
{
	peer_net_owner = getpid();
	/* A network left by a killed program may be in any state. */
	ns_cleanup();
}

__attribute__((destructor)) static void peer_net_fini(void)
{
	if (getpid() == peer_net_owner)
		ns_cleanup();
}

/* Runs the @n commands of @cmds in one `ip [-n ns] -batch -`. */
static int ns_ip_batch(const char *ns, const char * const *cmds, size_t n)
{
	char cmd[128];
	size_t i;
	FILE *f;
	int st;

	snprintf(cmd, sizeof(cmd), "ip%s%s -batch - >/dev/null 2>&1",
		 ns ? " -n " : "", ns ? ns : "");
	f = popen(cmd, "w");
	if (!f)
		return -1;
	for (i = 0; i < n; i++)
		fprintf(f, "%s\n", cmds[i]);
	st = pclose(f);
	return st == -1 || !WIFEXITED(st) ? -1 : WEXITSTATUS(st);
}

/* Two `ip` runs instead of one per step. */
static int ns_create(void)
{
	static const char * const in_a[] = {
		"link add " IF_A " address " MAC_A " type veth peer name " IF_B
			" address " MAC_B " netns " NS_B,
		"addr add " ADDR_A "/24 dev " IF_A,
		"link set lo up",
		"link set " IF_A " up",
		"neigh replace " ADDR_B " lladdr " MAC_B " dev " IF_A " nud permanent",
	};
	static const char * const in_b[] = {
		"link set " IF_B " up",
	};

	return ns_ip_batch(NS_A, in_a, ARRAY_SIZE(in_a)) ||
	       ns_ip_batch(NS_B, in_b, ARRAY_SIZE(in_b)) ? -1 : 0;
}

static int ns_build(void)
{
	toy_sh("modprobe veth");
	ns_cleanup();
	if (toy_sh("ip netns add " NS_A) || toy_sh("ip netns add " NS_B) ||
	    ns_create()) {
		ns_cleanup();
		return -1;
	}
	return 0;
}

static void mac_parse(const char *s, unsigned char *mac)
{
	unsigned int b[6];
	int i;

	sscanf(s, "%x:%x:%x:%x:%x:%x", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5]);
	for (i = 0; i < 6; i++)
		mac[i] = b[i];
}

/*
 * Whether @ifname, in the caller's namespace, is up with hardware address
 * @mac and, unless NULL, IPv4 address @addr. @fd is any socket there.
 */
static int ns_if_ok(int fd, const char *ifname, const char *mac,
		    const char *addr)
{
	unsigned char want[ETH_ALEN];
	struct sockaddr_in sin;
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) || !(ifr.ifr_flags & IFF_UP))
		return 0;
	if (mac) {
		mac_parse(mac, want);
		if (ioctl(fd, SIOCGIFHWADDR, &ifr) ||
		    memcmp(ifr.ifr_hwaddr.sa_data, want, ETH_ALEN))
			return 0;
	}
	if (addr) {
		if (ioctl(fd, SIOCGIFADDR, &ifr))
			return 0;
		memcpy(&sin, &ifr.ifr_addr, sizeof(sin));
		if (sin.sin_addr.s_addr != inet_addr(addr))
			return 0;
	}
	return 1;
}

/* NS_A, which the caller is in, as ns_create() left it. */
static int ns_a_ok(void)
{
	char line[256], ip[64], hw[64], dev[64];
	unsigned int type, flags;
	int fd, ok, neigh = 0;
	FILE *f;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	ok = ns_if_ok(fd, "lo", NULL, NULL) &&
	     ns_if_ok(fd, IF_A, MAC_A, ADDR_A);
	close(fd);
	f = fopen("/proc/net/arp", "r");
	if (!f)
		return 0;
	/* IP address, HW type, Flags, HW address, Mask, Device */
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%63s %x %x %63s %*s %63s", ip, &type, &flags,
			   hw, dev) == 5 &&
		    !strcmp(ip, ADDR_B) && (flags & 0x4 /* ATF_PERM */) &&
		    !strcasecmp(hw, MAC_B) && !strcmp(dev, IF_A))
			neigh = 1;
	fclose(f);
	return ok && neigh;
}

/* Drops whatever the packet socket caught before it was bound to IF_B. */
static void peer_drain(struct toy_peer *p)
{
	unsigned char b[64];

	while (recv(p->fd, b, sizeof(b), MSG_DONTWAIT) >= 0)
		;
}

/*
 * Opens the peer in the network as it is. Returns 0, leaving the caller in
 * NS_A; 1 if the network is missing, incomplete or not idle; -1 on another
 * error, errno set. @fresh: just built, nothing to wait for.
 */
static int ns_enter(struct toy_peer *p, int *ns_a, int fresh)
{
	int ns_b, err = 1;

	ns_b = open(NETNS_DIR NS_B, O_RDONLY | O_CLOEXEC);
	*ns_a = open(NETNS_DIR NS_A, O_RDONLY | O_CLOEXEC);
	if (ns_b < 0 || *ns_a < 0)
		goto out;
	err = -1;
	if (setns(*ns_a, CLONE_NEWNET))
		goto out;
	err = 1;
	if (!ns_a_ok())
		goto out;
	if (!fresh && toy_wait_idle(PEER_IDLE_MS)) {
		printf("# peer network: Toy sockets of an earlier case still in "
		       NS_A " after %d ms; building it anew\n", PEER_IDLE_MS);
		fflush(stdout);
		goto out;
	}
	err = -1;
	if (setns(ns_b, CLONE_NEWNET))
		goto out;
	err = 1;
	if (peer_open(p, IF_B))
		goto out;
	if (!ns_if_ok(p->fd, IF_B, MAC_B, NULL))
		goto out;
	peer_drain(p);
	err = -1;
	if (setns(*ns_a, CLONE_NEWNET))
		goto out;
	err = 0;
out:
	if (ns_b >= 0)
		close(ns_b);
	if (err > 0)
		errno = ENODEV;
	if (err) {
		peer_close(p);
		if (*ns_a >= 0)
			close(*ns_a);
		*ns_a = -1;
	}
	return err;
}

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
PEER_API int peer_netns_open(struct toy_peer *p, int *ns_a)
{
	int orig, err;

	p->fd = -1;
	*ns_a = -1;
	orig = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (orig < 0)
		return -1;
	err = ns_enter(p, ns_a, 0);
	if (err > 0) {
		/* `ip` runs where the caller was, not in what is deleted */
		if (setns(orig, CLONE_NEWNET))
			err = -1;
		else if (ns_build())
			err = 1;
		else	/* just built: it is as ns_create() says or broken */
			err = ns_enter(p, ns_a, 1) ? -1 : 0;
	}
	close(orig);
	if (err)
		return err;
	mac_parse(MAC_A, p->dst_mac);
	p->addr = inet_addr(ADDR_B);
	p->dst = inet_addr(ADDR_A);
	p->proto = toy_ipproto();
	return 0;
}

/*
 * The state table counts per namespace, and ours may go with the program:
 * leave what it took where run_tests.sh's coverage finds it (TOY_FSM_DIR).
 */
static void fsm_snapshot(void)
{
	const char *dir = getenv("TOY_FSM_DIR");
	char path[256], buf[4096];
	FILE *in, *out;
	size_t n;

	if (!dir)
		return;
	snprintf(path, sizeof(path), "%s/netns.%d", dir, (int)getpid());
	in = fopen("/proc/net/toy_fsm", "r");
	out = in ? fopen(path, "w") : NULL;
	while (out && (n = fread(buf, 1, sizeof(buf), in)) > 0)
		if (fwrite(buf, 1, n, out) != n)
			break;
	if (out)
		fclose(out);
	if (in)
		fclose(in);
}

/*
 * Back to the namespace @ns_orig. The network stays for the next case;
 * the program's first process deletes it at exit.
 */
PEER_API void peer_netns_close(int ns_orig, int ns_a)
{
	fsm_snapshot();
	if (ns_a >= 0)
		close(ns_a);
	if (ns_orig >= 0)
		setns(ns_orig, CLONE_NEWNET);
}

/*
 * A test case's setup: note the namespace the caller is in (*@ns_orig),
 * then peer_netns_open() with the peer on @port. Returns what that returns
 * (0, 1 to skip, -1 with errno); the descriptors are -1 if not opened.
 */
PEER_API int peer_case_open(struct toy_peer *p, uint16_t port, int *ns_orig,
			    int *ns_a)
{
	int err;

	p->fd = -1;
	*ns_a = -1;
	*ns_orig = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (*ns_orig < 0)
		return -1;
	err = peer_netns_open(p, ns_a);
	p->port = port;
	return err;
}

/*
 * A test case's teardown: the module's socket *@fd aborted (SO_LINGER 0,
 * no FIN that would outlive the case), *@fd and *@lfd closed, the peer
 * closed, and the caller back in @ns_orig.
 */
PEER_API void peer_case_close(struct toy_peer *p, int *fd, int *lfd,
			      int ns_orig, int ns_a)
{
	struct linger lg = { 1, 0 };

	if (*fd >= 0) {
		setsockopt(*fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		close(*fd);
	}
	if (*lfd >= 0)
		close(*lfd);
	*fd = *lfd = -1;
	peer_close(p);
	peer_netns_close(ns_orig, ns_a);
}

/*
 * In a kselftest harness case: the next segment from the module, within
 * @ms, into *@s, and it passed section 4; else the case fails here.
 */
#define PEER_ASSERT_SEG(p, s, ms) do {					\
	ASSERT_EQ(1, peer_recv((p), (s), (ms))) TH_LOG("no segment");	\
	ASSERT_EQ(0U, (p)->bad) TH_LOG("invalid segment, rule %u",	\
				       (p)->bad_rule);			\
} while (0)
#endif /* TOY_PEER_LIB */

#ifndef TOY_PEER_LIB
/* The examples of docs/protocol.md 5.1 and 5.2, from their field values. */
static int csum_examples(void)
{
	unsigned char seg[PEER_HLEN + 3];
	struct toyhdr *h = (struct toyhdr *)seg;
	in_addr_t lo = htonl(INADDR_LOOPBACK);
	uint16_t c1, c2;

	memset(seg, 0, sizeof(seg));
	h->source = htons(40000);
	h->dest = htons(7000);
	h->seq = htonl(1000);
	h->window = htonl(65536);
	h->flags = TOYHDR_SYN;
	h->doff = TOYHDR_DOFF;
	c1 = peer_seg_check(lo, lo, IPPROTO_TOY, seg, PEER_HLEN);

	h->seq = htonl(1001);
	h->ack_seq = htonl(5001);
	h->len = htons(3);
	h->flags = TOYHDR_ACK;
	memcpy(seg + PEER_HLEN, "abc", 3);
	c2 = peer_seg_check(lo, lo, IPPROTO_TOY, seg, sizeof(seg));

	printf("5.1 SYN: 0x%04x (document: 0x4360)\n", c1);
	printf("5.2 ACK+abc: 0x%04x (document: 0x5d6d)\n", c2);
	return c1 == 0x4360 && c2 == 0x5d6d ? 0 : 1;
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "csum"))
		return csum_examples();
	fprintf(stderr, "usage: %s csum\n", argv[0]);
	return 2;
}
#endif
