// SPDX-License-Identifier: GPL-2.0
/*
 * The fake Toy peer of peer.h: checksums, section 4's validation, framing
 * IPv4 and Toy segments, and the AF_PACKET socket they go through.
 */
#include "peer.h"

uint32_t peer_sum(uint32_t sum, const void *data, size_t len)
{
	const unsigned char *p = data;

	for (; len > 1; p += 2, len -= 2)
		sum += (p[0] << 8) | p[1];
	if (len)
		sum += p[0] << 8;
	return sum;
}

uint16_t peer_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}

uint16_t peer_seg_sum(in_addr_t src, in_addr_t dst, int proto,
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

uint16_t peer_seg_check(in_addr_t src, in_addr_t dst, int proto,
			unsigned char *seg, size_t len)
{
	struct toyhdr *h = (struct toyhdr *)seg;

	h->check = 0;
	return (uint16_t)~peer_seg_sum(src, dst, proto, seg, len);
}

uint16_t peer_seg_sum6(const struct in6_addr *src, const struct in6_addr *dst,
		       int proto, const void *seg, size_t len)
{
	unsigned char ph[40];
	uint32_t l = htonl(len);

	memcpy(ph, src, 16);
	memcpy(ph + 16, dst, 16);
	memcpy(ph + 32, &l, 4);
	ph[36] = 0;
	ph[37] = 0;
	ph[38] = 0;
	ph[39] = proto;
	return peer_fold(peer_sum(peer_sum(0, ph, sizeof(ph)), seg, len));
}

uint16_t peer_check_out(const struct toy_peer *p, unsigned char *seg,
			size_t len)
{
	struct toyhdr *h = (struct toyhdr *)seg;

	if (!p->v6)
		return peer_seg_check(p->addr, p->dst, p->proto, seg, len);
	h->check = 0;
	return (uint16_t)~peer_seg_sum6(&p->addr6, &p->dst6, p->proto, seg,
					len);
}

void peer_csum_complete(unsigned char *seg, size_t len)
{
	struct toyhdr *h = (struct toyhdr *)seg;

	if (len < PEER_HLEN)
		return;
	h->check = htons((uint16_t)~peer_fold(peer_sum(0, seg, len)));
}

/* Section 4 on a segment whose folded sum with its pseudo-header is @sum. */
static int validate(const unsigned char *seg, size_t len, uint16_t sum)
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
	if (sum != 0xffff)
		return 6;
	if ((h->flags & TOYHDR_SYN) && (h->flags & (TOYHDR_FIN | TOYHDR_RST)))
		return 7;
	if ((h->flags & TOYHDR_SACKOK) && !(h->flags & TOYHDR_SYN))
		return 8;
	return 0;
}

int peer_validate(in_addr_t src, in_addr_t dst, int proto,
		  const unsigned char *seg, size_t len)
{
	return validate(seg, len, peer_seg_sum(src, dst, proto, seg, len));
}

int peer_validate6(const struct in6_addr *src, const struct in6_addr *dst,
		   int proto, const unsigned char *seg, size_t len)
{
	return validate(seg, len, peer_seg_sum6(src, dst, proto, seg, len));
}

int peer_validate_in(const struct toy_peer *p, const unsigned char *seg,
		     size_t len)
{
	if (p->v6)
		return peer_validate6(&p->dst6, &p->addr6, p->proto, seg, len);
	return peer_validate(p->dst, p->addr, p->proto, seg, len);
}

static int open_type(struct toy_peer *p, const char *ifname, int v6)
{
	uint16_t type = v6 ? ETH_P_IPV6 : ETH_P_IP;
	struct sockaddr_ll sll;
	struct ifreq ifr;
	int one = 1;

	memset(p, 0, sizeof(*p));
	p->v6 = v6;
	p->window = 65536;
	p->fd = socket(AF_PACKET, SOCK_RAW, htons(type));
	if (p->fd < 0)
		return -1;
	/* tp_status tells a checksum left to the device (TP_STATUS_CSUMNOTREADY) */
	if (setsockopt(p->fd, SOL_PACKET, PACKET_AUXDATA, &one, sizeof(one)))
		goto fail;
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
	sll.sll_protocol = htons(type);
	sll.sll_ifindex = p->ifindex;
	if (bind(p->fd, (struct sockaddr *)&sll, sizeof(sll)))
		goto fail;
	return 0;
fail:
	close(p->fd);
	p->fd = -1;
	return -1;
}

int peer_open(struct toy_peer *p, const char *ifname)
{
	return open_type(p, ifname, 0);
}

int peer_open6(struct toy_peer *p, const char *ifname)
{
	return open_type(p, ifname, 1);
}

void peer_close(struct toy_peer *p)
{
	if (p->fd >= 0)
		close(p->fd);
	p->fd = -1;
}

uint16_t peer_ip_check(const unsigned char *iph, size_t len)
{
	return (uint16_t)~peer_fold(peer_sum(0, iph, len));
}

size_t peer_build_seg(const struct toy_peer *p, unsigned char *seg,
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
	h->check = htons(peer_check_out(p, seg, hlen + len));
	return hlen + len;
}

/* @frame (its IP packet of @len bytes filled in) to the other side. */
static int send_frame(struct toy_peer *p, unsigned char *frame, size_t len)
{
	uint16_t type = p->v6 ? ETH_P_IPV6 : ETH_P_IP;
	struct sockaddr_ll to;

	memcpy(frame, p->dst_mac, ETH_ALEN);
	memcpy(frame + ETH_ALEN, p->mac, ETH_ALEN);
	frame[12] = type >> 8;
	frame[13] = type & 0xff;
	memset(&to, 0, sizeof(to));
	to.sll_family = AF_PACKET;
	to.sll_protocol = htons(type);
	to.sll_ifindex = p->ifindex;
	to.sll_halen = ETH_ALEN;
	memcpy(to.sll_addr, p->dst_mac, ETH_ALEN);
	if (sendto(p->fd, frame, ETH_HLEN + len, 0, (struct sockaddr *)&to,
		   sizeof(to)) != (ssize_t)(ETH_HLEN + len))
		return -1;
	return 0;
}

/* The IPv6 extension headers' numbers (RFC 8200 4) that we send. */
#define NH_FRAG		44
#define NH_DSTOPTS	60

/*
 * A Destination Options header in @h: next header @nh, option area @opt
 * padded with Pad1 to a multiple of 8 bytes. Returns its length.
 */
static size_t dstopts(unsigned char *h, int nh, const unsigned char *opt,
		      size_t optlen)
{
	size_t len = (2 + optlen + 7) & ~(size_t)7;

	memset(h, 0, len);
	h[0] = nh;
	h[1] = len / 8 - 1;
	memcpy(h + 2, opt, optlen);
	return len;
}

/*
 * One IPv6 packet: @data (whose first header is @data_nh) behind a
 * Destination Options header if @optlen, or behind a Fragment header
 * (offset @off, M flag @mf, identification @id) if @frag.
 */
static int send6(struct toy_peer *p, int data_nh, uint32_t id,
		 const unsigned char *opt, size_t optlen, int frag,
		 const void *data, size_t len, size_t off, int mf)
{
	unsigned char frame[ETH_HLEN + PEER_IP_MTU];
	unsigned char *ip = frame + ETH_HLEN, *x = ip + PEER_IP6_HLEN;
	size_t xlen = 0;
	uint16_t v16;
	uint32_t v32;

	if (frag && optlen) {	/* a fragment's options are in @data */
		errno = EINVAL;
		return -1;
	}
	if (frag) {
		x[0] = data_nh;
		x[1] = 0;
		v16 = htons((off & 0xfff8) | !!mf);
		memcpy(x + 2, &v16, 2);
		v32 = htonl(id);
		memcpy(x + 4, &v32, 4);
		xlen = 8;
		data_nh = NH_FRAG;
	} else if (optlen) {
		xlen = dstopts(x, data_nh, opt, optlen);
		data_nh = NH_DSTOPTS;
	}
	if (PEER_IP6_HLEN + xlen + len > PEER_IP_MTU) {
		errno = EMSGSIZE;
		return -1;
	}
	v32 = htonl(6U << 28);	/* traffic class and flow label 0 */
	memcpy(ip, &v32, 4);
	v16 = htons(xlen + len);
	memcpy(ip + 4, &v16, 2);
	ip[6] = data_nh;
	ip[7] = 64;
	memcpy(ip + 8, &p->addr6, 16);
	memcpy(ip + 24, &p->dst6, 16);
	memcpy(x + xlen, data, len);
	return send_frame(p, frame, PEER_IP6_HLEN + xlen + len);
}

int peer_send_dgram(struct toy_peer *p, uint16_t id,
		    const unsigned char *opt, size_t optlen,
		    const void *data, size_t len, size_t off, int mf)
{
	unsigned char frame[ETH_HLEN + PEER_IP_MTU];
	size_t ihl = 20 + optlen, tot = ihl + len;
	unsigned char *ip = frame + ETH_HLEN;
	uint16_t v16;

	if (p->v6)
		return send6(p, p->proto, id, opt, optlen, off || mf, data,
			     len, off, mf);
	if (tot > PEER_IP_MTU) {
		errno = EMSGSIZE;
		return -1;
	}
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
	return send_frame(p, frame, tot);
}

int peer_send_sack(struct toy_peer *p, uint32_t seq, uint32_t ack,
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
	/* no options, IPv4's DF clear as the module sends (section 2) */
	return peer_send_dgram(p, p->ip_id++, NULL, 0, seg, seglen, 0, 0);
}

/* peer_send_ip() for an IPv6 peer. */
static int send_ip6(struct toy_peer *p, const unsigned char *opt,
		    size_t optlen, const void *payload, size_t len,
		    size_t frag, int flags)
{
	unsigned char buf[PEER_IPOPT_MAX + 8 + 65536];
	uint32_t id = 0x70790000 | p->ip_id++;
	size_t n, i, xlen = 0, total;
	int nh = p->proto;

	if (!frag || frag >= len + ((2 + optlen + 7) & ~(size_t)7) * !!optlen)
		return send6(p, p->proto, 0, opt, optlen, 0, payload, len,
			     0, 0);
	/* the options header is part of what is fragmented (RFC 8200 4.5) */
	if (optlen) {
		xlen = dstopts(buf, nh, opt, optlen);
		nh = NH_DSTOPTS;
	}
	/*
	 * At most what a payload length can say, and a first fragment that
	 * holds the start of the segment: Linux drops one that does not
	 * (ipv6frag_thdr_truncated()), and the rest then wait in vain.
	 */
	if (frag > PEER_IP6_FRAG || xlen + len > 65535 || frag <= xlen) {
		errno = EINVAL;
		return -1;
	}
	memcpy(buf + xlen, payload, len);
	total = xlen + len;
	n = (total + frag - 1) / frag;
	for (i = 0; i < n; i++) {
		size_t k = flags & PEER_IP_REVERSE ? n - 1 - i : i;
		size_t off = k * frag, l = k == n - 1 ? total - off : frag;

		if (send6(p, nh, id, NULL, 0, 1, buf + off, l, off,
			  k != n - 1))
			return -1;
	}
	return 0;
}

int peer_send_ip(struct toy_peer *p, const void *opt, size_t optlen,
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
	if (p->v6)
		return send_ip6(p, opt, optlen, payload, len, frag, flags);
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

size_t peer_quote_ip(const struct toy_peer *p, unsigned char *iph,
		     size_t len)
{
	uint16_t v16;

	if (p->v6) {
		uint32_t v32 = htonl(6U << 28);

		memset(iph, 0, PEER_IP6_HLEN);
		memcpy(iph, &v32, 4);
		v16 = htons(len);
		memcpy(iph + 4, &v16, 2);
		iph[6] = p->proto;
		iph[7] = 64;
		memcpy(iph + 8, &p->dst6, 16);
		memcpy(iph + 24, &p->addr6, 16);
		return PEER_IP6_HLEN;
	}
	memset(iph, 0, 20);
	iph[0] = 0x45;
	v16 = htons(20 + len);
	memcpy(iph + 2, &v16, 2);
	iph[8] = 64;
	iph[9] = p->proto;
	memcpy(iph + 12, &p->dst, 4);
	memcpy(iph + 16, &p->addr, 4);
	v16 = htons(peer_ip_check(iph, 20));
	memcpy(iph + 10, &v16, 2);
	return 20;
}

int peer_send_icmp(struct toy_peer *p, unsigned char *msg, size_t len)
{
	int proto = p->proto, err;
	uint16_t v16;

	if (len < 8) {
		errno = EINVAL;
		return -1;
	}
	msg[2] = 0;
	msg[3] = 0;
	if (p->v6)
		v16 = htons((uint16_t)~peer_seg_sum6(&p->addr6, &p->dst6,
						     IPPROTO_ICMPV6, msg, len));
	else
		v16 = htons((uint16_t)~peer_fold(peer_sum(0, msg, len)));
	memcpy(msg + 2, &v16, 2);
	p->proto = p->v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP;
	err = peer_send_ip(p, NULL, 0, msg, len, 0, 0);
	p->proto = proto;
	return err;
}

int peer_send(struct toy_peer *p, uint32_t seq, uint32_t ack, int flags,
	      const void *data, size_t len)
{
	return peer_send_sack(p, seq, ack, flags, NULL, 0, data, len);
}

long peer_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

int peer_recv(struct toy_peer *p, struct toy_seg *s, int ms)
{
	unsigned char frame[65536 + ETH_HLEN];
	long end = peer_now_ms() + ms;

	for (;;) {
		struct pollfd pfd = { .fd = p->fd, .events = POLLIN };
		long left = end - peer_now_ms();
		union {
			struct cmsghdr h;
			char buf[CMSG_SPACE(sizeof(struct tpacket_auxdata))];
		} ctl;
		struct iovec iov = { frame, sizeof(frame) };
		struct msghdr msg = {
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = &ctl, .msg_controllen = sizeof(ctl),
		};
		struct sockaddr_ll from;
		const unsigned char *ip, *seg;
		struct cmsghdr *cm;
		int csum_unready = 0;
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
		msg.msg_name = &from;
		msg.msg_namelen = sizeof(from);
		n = recvmsg(p->fd, &msg, MSG_DONTWAIT);
		if (n < 0)
			continue;
		for (cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
			struct tpacket_auxdata aux;

			if (cm->cmsg_level != SOL_PACKET ||
			    cm->cmsg_type != PACKET_AUXDATA)
				continue;
			memcpy(&aux, CMSG_DATA(cm), sizeof(aux));
			csum_unready = !!(aux.tp_status & TP_STATUS_CSUMNOTREADY);
		}
		/* our own frames come back as PACKET_OUTGOING */
		if (from.sll_pkttype == PACKET_OUTGOING)
			continue;
		ip = frame + ETH_HLEN;
		if (p->v6) {
			ihl = PEER_IP6_HLEN;
			tot = ihl + ((ip[4] << 8) | ip[5]);
			if (n < ETH_HLEN + PEER_IP6_HLEN ||
			    frame[12] != (ETH_P_IPV6 >> 8) ||
			    frame[13] != (ETH_P_IPV6 & 0xff) ||
			    (ip[0] >> 4) != 6 || ip[6] != p->proto ||
			    tot > (size_t)n - ETH_HLEN ||
			    memcmp(ip + 8, &p->dst6, 16) ||
			    memcmp(ip + 24, &p->addr6, 16))
				continue;
		} else {
			if (n < ETH_HLEN + 20 || frame[12] != (ETH_P_IP >> 8) ||
			    frame[13] != (ETH_P_IP & 0xff))
				continue;
			ihl = (ip[0] & 0x0f) * 4;
			tot = (ip[2] << 8) | ip[3];
			if ((ip[0] >> 4) != 4 || ihl < 20 || tot < ihl ||
			    tot > (size_t)n - ETH_HLEN || ip[9] != p->proto)
				continue;
			/* fragments: the module sends small segments */
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
		}
		/* left to the device, which had not filled it in yet */
		if (csum_unready)
			peer_csum_complete(frame + ETH_HLEN + ihl, tot - ihl);
		seg = ip + ihl;
		rule = peer_validate_in(p, seg, tot - ihl);
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

const char *peer_flags(int flags, char *buf, size_t len)
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

/* The process that deletes the network at exit: not the harness' children. */
