// SPDX-License-Identifier: GPL-2.0
/*
 * util_peer: the fake peer of peer.h checks the checksum examples of
 * docs/protocol.md sections 5.1 and 5.2, computed from their field values
 * by code written from the document alone.
 *
 *   util_peer csum      print both checksums; exit 0 if they match the text
 */
#include <stdio.h>
#include <string.h>

#include "peer.h"

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
