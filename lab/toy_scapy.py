# SPDX-License-Identifier: GPL-2.0
"""Scapy layer for the Toy Stream Protocol (IP protocol 253, IPv4 or IPv6).

    >>> import sys; sys.path.insert(0, "lab")
    >>> from toy_scapy import Toy, ToySack
    >>> from scapy.layers.inet import IP
    >>> p = IP(dst="127.0.0.1") / Toy(sport=40000, dport=7000, seq=1000, flags="S")
    >>> hex(Toy(bytes(p)[20:]).chksum)        # filled in, as docs/protocol.md 5.1
    '0x4360'

Every field of docs/protocol.md section 3 is here under the name of
`struct toyhdr`, except `ack_seq` (`ack`) and `check` (`chksum`), named
as Scapy's TCP names them so that habits carry over. Fields left at None
are computed when the packet is built: `len` (the payload's length),
`doff` (6 + 2 per SACK block) and `chksum` (the Internet checksum over
the IPv4 pseudo-header, section 5). Set any of them to lie on purpose.

Flags are TCP's letters at TCP's bit positions, plus O for SACKOK
(0x20): flags="S", "SA", "A", "FA", "R", "RA", "SO" (a SYN offering SACK).

SACK blocks (section 3.1) are `ToySack(start=, end=)` items in `sack`;
a received segment decodes as many as `doff` announces. The payload
ends where `len` says: bytes after it are Padding, as Scapy shows them
for TCP behind a short IP length.

`Toy.checksum_ok()` says whether a received segment's checksum is right.
"""
from scapy.fields import (ByteField, FlagsField, IntField, PacketListField,
                          ShortField, XShortField)
from scapy.layers.inet import IP, in4_chksum
from scapy.layers.inet6 import IPv6, in6_chksum
from scapy.error import warning
from scapy.packet import Packet, bind_layers

IPPROTO_TOY = 253
TOYHDR_LEN = 24
TOYHDR_DOFF = 6
TOYHDR_SACK_MAX = 4

# Bit 0 first: FIN SYN RST (PSH) ACK SACKOK (ECE) (CWR). The bracketed
# ones are TCP's and must be 0 in Toy; they are named so that a test can
# set them and watch the segment dropped.
TOY_FLAGS = "FSRPAOEC"


class ToySack(Packet):
    """One SACK block: the receiver holds [start, end)."""
    name = "Toy SACK block"
    fields_desc = [IntField("start", 0), IntField("end", 0)]

    def extract_padding(self, s):
        return b"", s


def _sack_count(pkt):
    if pkt.doff is None or pkt.doff <= TOYHDR_DOFF:
        return 0
    return (pkt.doff - TOYHDR_DOFF) // 2


class Toy(Packet):
    """The Toy header, its SACK blocks and its payload."""
    name = "Toy"
    fields_desc = [
        ShortField("sport", 0),
        ShortField("dport", 0),
        IntField("seq", 0),
        IntField("ack", 0),
        IntField("window", 65536),
        ShortField("len", None),
        FlagsField("flags", 0x02, 8, TOY_FLAGS),
        ByteField("doff", None),
        XShortField("chksum", None),
        ShortField("reserved", 0),
        PacketListField("sack", [], ToySack, count_from=_sack_count),
    ]

    def post_build(self, p, pay):
        hdr = bytearray(p)
        if self.len is None:
            hdr[16:18] = len(pay).to_bytes(2, "big")
        if self.doff is None:
            hdr[19] = (len(hdr)) // 4
        p = bytes(hdr) + pay
        if self.chksum is None and isinstance(self.underlayer, (IP, IPv6)):
            p = p[:20] + _checksum(self.underlayer, p).to_bytes(2, "big") + p[22:]
        elif self.chksum is None:
            warning("Toy: no IP header below, checksum left 0")
        return p

    def extract_padding(self, s):
        if self.len is None:
            return s, b""
        return s[:self.len], s[self.len:]

    def checksum_ok(self):
        """True if the received checksum is right for the IP header below."""
        seg = bytes(self)
        if self.underlayer is not None:
            # Whatever the IP header says is payload, padding included:
            # the checksum covers exactly what the receiver checks.
            seg = seg[:TOYHDR_LEN + 8 * len(self.sack) + (self.len or 0)]
        zeroed = seg[:20] + b"\0\0" + seg[22:]
        return _checksum(self.underlayer, zeroed) == self.chksum

    def hashret(self):
        return (min(self.sport, self.dport).to_bytes(2, "big") +
                max(self.sport, self.dport).to_bytes(2, "big"))

    def answers(self, other):
        if not isinstance(other, Toy):
            return 0
        return int(self.sport == other.dport and self.dport == other.sport)

    def mysummary(self):
        return self.sprintf("Toy %Toy.sport% > %Toy.dport% %Toy.flags% "
                            "seq=%Toy.seq% ack=%Toy.ack% len=%Toy.len%")


def _checksum(ip, seg):
    """Internet checksum of segment bytes seg (check field zeroed) under ip."""
    if isinstance(ip, IP):
        return in4_chksum(IPPROTO_TOY, ip, seg)
    if isinstance(ip, IPv6):
        # RFC 8200 8.1's pseudo-header: the final destination (a routing
        # header's last address, which in6_chksum finds), next header 253
        return in6_chksum(IPPROTO_TOY, ip, seg)
    raise ValueError("a Toy checksum needs the IP header below it")


bind_layers(IP, Toy, proto=IPPROTO_TOY)
bind_layers(IPv6, Toy, nh=IPPROTO_TOY)
