// SPDX-License-Identifier: GPL-2.0
/*
 * Toy Stream Protocol: segmentation offload (GSO).
 *
 * A sender with several full segments to send hands IP one super-segment
 * (output.c): one Toy header, then the payload of up to TOY_GSO_MAX_SEGS
 * segments, in the page fragments of a clone of the queued skb, as TCP's
 * TSO skbs carry theirs. Loopback, veth and the other software devices
 * carry it whole, so the IP layer, the qdisc, the device and the
 * receiver's input path run once for up to TOY_GSO_MAX_SEGS segments, as
 * they do for TCP's. Where segments must be
 * cut (a device that cannot carry it, tbf and netem, IPsec, a forwarder
 * with a smaller MTU), the stack calls toy_gso_segment() through
 * inet_offloads[], as it calls tcp4_gso_segment() for TCP.
 *
 * The stack has no GSO type for a protocol it does not know. We use
 * SCTP's, the one software-only type, whose segments are whatever the
 * protocol's callback makes them; gso_size is the segment's payload, as
 * for TCP, and every segment is that long but the last. No hardware
 * advertises it, so no NIC is ever asked to cut our segments the way it
 * would cut TCP's; only the software devices do
 * (NETIF_F_GSO_SOFTWARE), and ethtool's tx-sctp-segmentation turns it off
 * on one of them: the super-segment is then cut before the device, and a
 * capture there sees each segment.
 *
 * If another module holds the offload slot of our IP protocol, we send
 * one segment at a time (toy_gso_ok is false).
 */
#include <linux/skbuff.h>
#include <net/checksum.h>
#include <net/ip.h>
#include <net/protocol.h>

#include "toy.h"

bool toy_gso_ok __read_mostly;

/* The checksum of segment @seg, its Toy header at the transport header. */
static int seg_csum(struct sk_buff *seg, netdev_features_t features)
{
	struct toyhdr *th = (struct toyhdr *)skb_transport_header(seg);
	const struct iphdr *iph = ip_hdr(seg);
	unsigned int len = seg->len - skb_transport_offset(seg);

	th->check = ~csum_tcpudp_magic(iph->saddr, iph->daddr, len,
				       iph->protocol, 0);
	seg->ip_summed = CHECKSUM_PARTIAL;
	seg->csum_start = skb_transport_header(seg) - seg->head;
	seg->csum_offset = offsetof(struct toyhdr, check);
	/* A device that sums only TCP and UDP (NETIF_F_IP_CSUM) can't. */
	if (!(features & NETIF_F_HW_CSUM))
		return skb_checksum_help(seg);
	return 0;
}

/*
 * Whether @skb, its header at skb->data, is a super-segment as output.c
 * builds it: the header linear, the payload in page fragments, more than
 * one segment of gso_size and at most TOY_GSO_MAX_SEGS. It may come from
 * elsewhere (inet_gso_segment() picks the callback by IP protocol alone,
 * whatever gso_type says), so nothing skb_segment() relies on is taken
 * on trust.
 */
static bool gso_valid(struct sk_buff *skb, unsigned int *hlen)
{
	const struct skb_shared_info *shinfo = skb_shinfo(skb);
	unsigned int mss = shinfo->gso_size, payload;
	const struct toyhdr *th;

	if (!mss || mss == GSO_BY_FRAGS ||
	    !(shinfo->gso_type & SKB_GSO_SCTP) ||
	    (shinfo->gso_type & SKB_GSO_DODGY) || skb_has_frag_list(skb) ||
	    !pskb_may_pull(skb, TOY_HLEN))
		return false;
	th = (const struct toyhdr *)skb->data;
	*hlen = th->doff * 4;
	if (*hlen < TOY_HLEN || !pskb_may_pull(skb, *hlen))
		return false;
	th = (const struct toyhdr *)skb->data;
	/* Only data (and ACK) segments travel this way. */
	if ((th->flags & ~TOYHDR_ACK) || skb_headlen(skb) != *hlen)
		return false;
	payload = skb->len - *hlen;
	return payload == ntohs(th->len) && payload > mss &&
	       DIV_ROUND_UP(payload, mss) <= TOY_GSO_MAX_SEGS;
}

/*
 * The segments of a super-segment its socket owned (tsq.c) are owned in
 * its place, each for its truesize, so that the socket learns of each as
 * the qdisc lets it go; the super-segment, freed by our caller, no longer
 * is (tcp_gso_segment()).
 */
static void gso_own(struct sk_buff *gso, struct sk_buff *segs)
{
	struct sock *sk = gso->sk;
	unsigned int sum = 0;
	struct sk_buff *seg;
	int delta;

	for (seg = segs; seg; seg = seg->next) {
		seg->sk = sk;
		seg->destructor = gso->destructor;
		sum += seg->truesize;
	}
	delta = (int)sum - (int)gso->truesize;
	gso->sk = NULL;
	gso->destructor = NULL;
	if (delta >= 0)
		refcount_add(delta, &sk->sk_wmem_alloc);
	else
		WARN_ON_ONCE(refcount_sub_and_test(-delta, &sk->sk_wmem_alloc));
}

/*
 * Cut a super-segment into its segments: each gets the header, its own
 * sequence number, length and checksum (tcp_gso_segment()); the IP layer
 * (inet_gso_segment()) then fixes each IP header.
 */
static struct sk_buff *toy_gso_segment(struct sk_buff *skb,
				       netdev_features_t features)
{
	struct sk_buff *segs, *seg;
	unsigned int hlen;
	u32 seq;

	if (!gso_valid(skb, &hlen))
		return ERR_PTR(-EINVAL);
	seq = ntohl(((struct toyhdr *)skb->data)->seq);
	__skb_pull(skb, hlen);

	/*
	 * Scatter-gather keeps skb_segment() on the path that shares the
	 * page fragments, cutting them where segments end; a device without
	 * it gets linear segments below.
	 * No GSO feature goes in: skb_segment() would leave some segments
	 * whole for the device (GSO_PARTIAL).
	 */
	segs = skb_segment(skb, (features & ~NETIF_F_GSO_MASK) |
			   NETIF_F_SG | NETIF_F_HW_CSUM);
	if (IS_ERR(segs))
		return segs;

	for (seg = segs; seg; seg = seg->next) {
		struct toyhdr *th = (struct toyhdr *)skb_transport_header(seg);
		unsigned int len = seg->len - skb_transport_offset(seg) - hlen;

		th->seq = htonl(seq);
		th->len = htons(len);
		seq += len;
		if ((!(features & NETIF_F_SG) && skb_linearize(seg)) ||
		    seg_csum(seg, features)) {
			kfree_skb_list(segs);
			return ERR_PTR(-ENOMEM);
		}
	}
	if (toy_tsq_owned(skb))
		gso_own(skb, segs);
	return segs;
}

static const struct net_offload toy_offload = {
	.callbacks = {
		.gso_segment = toy_gso_segment,
	},
};

/* Take our IP protocol's offload slot, or do without GSO. */
void toy_offload_init(void)
{
	toy_gso_ok = !inet_add_offload(&toy_offload, toy_ipproto);
	if (!toy_gso_ok)
		pr_warn("IP protocol %d has an offload already: no GSO\n",
			toy_ipproto);
}

void toy_offload_exit(void)
{
	if (toy_gso_ok)
		inet_del_offload(&toy_offload, toy_ipproto);
}

#if IS_ENABLED(CONFIG_TOY_KUNIT_TEST)
#include "test/offload-test.c"
#endif
