#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""lab/toy_scapy.py against the spec, a real capture and the dissector.

1. docs/protocol.md's worked examples (5.1, 5.2, 5.3): Scapy builds them
   byte for byte as the spec prints them, and decodes those bytes back.
2. wireshark/testdata/real.pcap, captured from a real run in the VM:
   every segment decodes, its checksum is right (or left to the device),
   and its fields are the ones recorded in real.fields.
3. Differential: N random well-formed segments (seed printed; TOY_SEED
   repeats a run) built by Scapy and decoded by tshark with
   wireshark/toy.lua, two decoders written apart: every field agrees and
   every checksum is good.
Prints TAP, then "N passed, N failed". Needs Debian's python3-scapy and,
for part 3, tshark.
"""
import os
import random
import re
import shutil
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)

from scapy.layers.inet import IP  # noqa: E402
from scapy.layers.inet6 import IPv6  # noqa: E402
from scapy.packet import Raw  # noqa: E402
from scapy.utils import rdpcap  # noqa: E402

from toy_scapy import Toy, ToySack  # noqa: E402

N = int(os.environ.get("TOY_SCAPY_N", "200"))
LO = "127.0.0.1"

tests = fails = 0


def check(ok, what):
    global tests, fails
    tests += 1
    fails += not ok
    print("%s %d - %s" % ("ok" if ok else "not ok", tests, what))
    return ok


def spec_segments():
    """The hex of every "The segment as sent" block in docs/protocol.md 5."""
    text = open(os.path.join(ROOT, "docs", "protocol.md"), encoding="utf-8").read()
    sec5 = text[text.index("## 5. Checksum"):text.index("## 6. ")]
    out = []
    for block in re.findall(r"```\n((?:[0-9a-f]{2}[ \n]+)+)```", sec5):
        out.append(bytes.fromhex(block.replace("\n", " ")))
    return out


def part_spec():
    built = [
        ("5.1's SYN", IP(src=LO, dst=LO) /
         Toy(sport=40000, dport=7000, seq=1000, flags="S")),
        ("5.2's ACK with abc", IP(src=LO, dst=LO) /
         Toy(sport=40000, dport=7000, seq=1001, ack=5001, flags="A") / b"abc"),
        ("5.3's ACK with a SACK block", IP(src=LO, dst=LO) /
         Toy(sport=7000, dport=40000, seq=5001, ack=1004, flags="A",
             sack=[ToySack(start=1010, end=1020)])),
    ]
    # 5.1 prints the header and the segment; keep the segments (24+ bytes
    # that start with a port): the last three blocks of hex.
    want = [s for s in spec_segments() if len(s) >= 24][-3:]
    check(len(want) == 3, "docs/protocol.md 5 prints three segments")
    for (what, pkt), seg in zip(built, want):
        got = bytes(pkt)[20:]
        if got != seg:
            print("# built %s\n# spec  %s" % (got.hex(), seg.hex()))
        check(got == seg, "%s built byte for byte as the spec prints it "
              "(checksum 0x%s)" % (what, seg[20:22].hex()))
        back = IP(bytes(pkt))
        t = back[Toy]
        check(t.checksum_ok() and t.fields == Toy(seg).fields and
              bytes(t.payload) == bytes(pkt[Toy].payload),
              "%s decodes back: %s" % (what, t.summary()))
    syn = IP(bytes(built[0][1]))
    bad = IP(bytes(syn)[:-1] + b"\x01")
    check(not bad[Toy].checksum_ok() and bad[Toy].reserved == 1,
          "one flipped bit: checksum_ok() is False")
    check(IP(dst=LO) / Toy() and (IP(dst=LO) / Toy()).proto == 253,
          "IP()/Toy() sets protocol 253")
    sack4 = Toy(bytes(IP(src=LO, dst=LO) / Toy(
        flags="A", sack=[ToySack(start=i, end=i + 1) for i in range(4)]))[20:])
    check(sack4.doff == 14 and [b.end for b in sack4.sack] == [1, 2, 3, 4],
          "four SACK blocks: doff 14, decoded in order")
    padded = IP(bytes(built[1][1])[:20] + bytes(built[1][1])[20:] + b"zz")
    check(padded[Toy].len == 3 and bytes(padded[Toy].payload)[:3] == b"abc",
          "bytes past len are padding, not payload")
    synack = IP(src=LO, dst=LO) / Toy(sport=7000, dport=40000, flags="RA")
    check(synack[Toy].answers(built[0][1][Toy]) and
          not built[0][1][Toy].answers(built[0][1][Toy]),
          "an RST|ACK from the other port answers the SYN; the SYN does not")


def part_real():
    path = os.path.join(ROOT, "wireshark", "testdata", "real.pcap")
    fields = path[:-5] + ".fields"
    pkts = [p for p in rdpcap(path) if Toy in p]
    want = open(fields, encoding="utf-8").read().splitlines()
    check(len(pkts) == len(want) and pkts,
          "real.pcap: %d Toy segments (real.fields has %d)"
          % (len(pkts), len(want)))
    bad_sum = []
    for i, p in enumerate(pkts):
        t = p[Toy]
        if not t.checksum_ok() and not partial(p):
            bad_sum.append(i + 1)
    check(not bad_sum, "real.pcap: every checksum right or left to the "
          "device%s" % (" (not: %s)" % bad_sum[:5] if bad_sum else ""))
    diff = []
    for i, (p, line) in enumerate(zip(pkts, want)):
        w = line.split("\t")
        t = p[Toy]
        got = [str(t.sport), str(t.dport), str(t.seq), str(t.ack),
               str(t.window), str(t.len), "0x%02x" % int(t.flags), str(t.doff)]
        exp = [w[0], w[1], w[2], w[4], w[6], w[7], w[8], w[9]]
        if got != exp:
            diff.append((i + 1, got, exp))
    if diff:
        print("# segment %d: scapy %s, tshark %s" % diff[0])
    check(not diff, "real.pcap: sport dport seq ack window len flags doff "
          "of every segment as tshark recorded them")


def partial(p):
    """The pseudo-header sum a capture on loopback shows (CHECKSUM_PARTIAL)."""
    t = p[Toy]
    seglen = 24 + 8 * len(t.sack) + (t.len or 0)
    words = [int.from_bytes(bytes(map(int, p[IP].src.split("."))), "big"),
             int.from_bytes(bytes(map(int, p[IP].dst.split("."))), "big")]
    s = sum(w >> 16 for w in words) + sum(w & 0xffff for w in words) + 253 + seglen
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return t.chksum == s


def random_segment(rnd, i):
    flags = rnd.choice(["S", "SO", "SA", "SAO", "A", "FA", "R", "RA"])
    nsack = rnd.randint(0, 4) if flags in ("A", "FA") else 0
    plen = rnd.choice([0, 0, 1, 2, 3, rnd.randint(4, 200)]) if "S" not in flags \
        and "R" not in flags else 0
    t = Toy(sport=rnd.randint(1, 65535), dport=rnd.randint(1, 65535),
            seq=rnd.getrandbits(32), ack=rnd.getrandbits(32) if "A" in flags else 0,
            window=rnd.getrandbits(32), flags=flags,
            sack=[ToySack(start=rnd.getrandbits(32), end=rnd.getrandbits(32))
                  for _ in range(nsack)])
    if plen:
        t = t / Raw(bytes(rnd.getrandbits(8) for _ in range(plen)))
    if i % 2:	# every other one over IPv6: the other pseudo-header
        src = "2001:db8:%x::%x" % (rnd.getrandbits(16), rnd.getrandbits(16) or 1)
        return IPv6(src=src, dst="::1") / t
    src = "10.%d.%d.%d" % (rnd.randint(0, 255), rnd.randint(0, 255), rnd.randint(1, 254))
    return IP(src=src, dst=LO, id=i + 1) / t


def part_differential():
    if not shutil.which("tshark"):
        check(False, "tshark is installed (scripts/deps.sh installs it)")
        return
    seed = int(os.environ.get("TOY_SEED", random.randrange(1 << 32)))
    print("# differential: %d segments, seed %d (TOY_SEED=%d repeats it)"
          % (N, seed, seed))
    rnd = random.Random(seed)
    pkts = [(IPv6 if i % 2 else IP)(bytes(random_segment(rnd, i)))
            for i in range(N)]
    fields = ["toy.srcport", "toy.dstport", "toy.seq", "toy.ack", "toy.window",
              "toy.len", "toy.flags", "toy.doff", "toy.checksum",
              "toy.checksum.status", "toy.sack.start", "toy.sack.end",
              "toy.payload"]
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "rand.pcap")
        with open(path, "wb") as f:
            # classic pcap, LINKTYPE_RAW (101): the IP header first
            f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 101))
            for p in pkts:
                b = bytes(p)
                f.write(struct.pack("<IIII", 1000, 0, len(b), len(b)) + b)
        cmd = ["tshark", "-n", "-X", "lua_script:" +
               os.path.join(ROOT, "wireshark", "toy.lua"), "-r", path,
               "-T", "fields", "-E", "separator=\t", "-E", "occurrence=a",
               "-E", "aggregator=,"]
        for f in fields:
            cmd += ["-e", f]
        out = subprocess.run(cmd, check=True, capture_output=True, text=True,
                             env=dict(os.environ, HOME=tmp)).stdout
    rows = [line.split("\t") for line in out.splitlines()]
    check(len(rows) == N, "tshark decodes all %d segments (%d)" % (N, len(rows)))
    diff = []
    for i, (p, row) in enumerate(zip(pkts, rows)):
        t = p[Toy]
        want = [str(t.sport), str(t.dport), str(t.seq), str(t.ack), str(t.window),
                str(t.len), "0x%02x" % int(t.flags), str(t.doff),
                "0x%04x" % t.chksum, "Good",
                ",".join(str(b.start) for b in t.sack),
                ",".join(str(b.end) for b in t.sack),
                bytes(t.payload).hex()]
        if row != want or not t.checksum_ok():
            diff.append((i + 1, row, want))
    if diff:
        print("# segment %d: tshark %s\n#   scapy %s" % diff[0])
    check(not diff, "%d random segments, half over IPv6: every field as Scapy "
          "built it, every checksum good in both" % N)


def main():
    part_spec()
    part_real()
    part_differential()
    print("1..%d" % tests)
    print("%d passed, %d failed" % (tests - fails, fails))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
