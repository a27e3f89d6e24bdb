#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""tshark with wireshark/toy.lua against segments whose every field is known.

Writes a pcap (raw IPv4) of one connection built from docs/protocol.md's
worked examples (5.1's SYN, 5.2's ACK with "abc", 5.3's ACK with a SACK
block) and the segments around them (SYN|ACK, FIN|ACK, RST), plus a bad
checksum, a checksum left to the device (the pseudo-header sum a capture
on loopback shows) and a malformed header; then checks, field by field,
what tshark decodes. Also, if given a pcap captured from a real run and
its expected fields (wireshark/testdata/*.pcap and .fields), that every
segment in it decodes with a good or partial checksum and as expected.
Prints TAP, then "N passed, N failed".
"""
import os
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
LO = bytes([127, 0, 0, 1])
LO6 = bytes(15) + b"\1"
DOC6 = bytes.fromhex("20010db8000000000000000000000001")  # 2001:db8::1
FIELDS = ["toy.srcport", "toy.dstport", "toy.seq", "toy.seq_rel", "toy.ack",
          "toy.ack_rel", "toy.window", "toy.len", "toy.flags", "toy.doff",
          "toy.checksum", "toy.checksum.status", "toy.sack.start",
          "toy.sack.end", "toy.payload", "_ws.expert.message"]


def sum16(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return s


def seg(sport, dport, seq, ack, flags, window=65536, payload=b"",
        sack=(), check=None, doff=None, src=LO, dst=LO):
    hdr_words = 6 + 2 * len(sack)
    body = b"".join(struct.pack("!II", s, e) for s, e in sack) + payload
    h = struct.pack("!HHIIIHBBHH", sport, dport, seq, ack, window,
                    len(payload), flags, doff or hdr_words, 0, 0)
    s = h + body
    # IPv4's pseudo-header (RFC 9293 3.1), or IPv6's (RFC 8200 8.1:
    # 32-bit length, three zero bytes, next header)
    if len(src) == 16:
        pseudo = src + dst + struct.pack("!IxxxB", len(s), 253)
    else:
        pseudo = src + dst + struct.pack("!xBH", 253, len(s))
    if check is None:
        check = (~sum16(pseudo + s)) & 0xffff
    elif check == "partial":
        check = sum16(pseudo)
    return s[:20] + struct.pack("!H", check) + s[22:]


def ipv4(payload, src=LO, dst=LO, ident=1):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident, 0,
                    64, 253, 0, src, dst)
    c = (~sum16(h)) & 0xffff
    return h[:10] + struct.pack("!H", c) + h[12:] + payload


def ipv6(payload, src=LO6, dst=LO6):
    return struct.pack("!IHBB16s16s", 6 << 28, len(payload), 253, 64,
                       src, dst) + payload


def pcap(path, packets):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 101))
        for i, p in enumerate(packets):
            f.write(struct.pack("<IIII", 1000 + i, 0, len(p), len(p)))
            f.write(p)


# (what, segment, {field: expected value})
CASES = [
    ("5.1's SYN", seg(40000, 7000, 1000, 0, 0x02),
     {"toy.srcport": "40000", "toy.dstport": "7000", "toy.seq": "1000",
      "toy.seq_rel": "0", "toy.flags": "0x02", "toy.doff": "6",
      "toy.checksum": "0x4360", "toy.checksum.status": "Good", "toy.len": "0",
      "toy.window": "65536"}),
    ("the SYN|ACK", seg(7000, 40000, 5000, 1001, 0x12),
     {"toy.seq": "5000", "toy.seq_rel": "0", "toy.ack": "1001",
      "toy.ack_rel": "1", "toy.flags": "0x12", "toy.checksum.status": "Good"}),
    ("5.2's ACK with abc", seg(40000, 7000, 1001, 5001, 0x10, payload=b"abc"),
     {"toy.seq_rel": "1", "toy.ack_rel": "1", "toy.len": "3",
      "toy.payload": "616263", "toy.checksum": "0x5d6d",
      "toy.checksum.status": "Good"}),
    ("5.3's ACK with a SACK block",
     seg(7000, 40000, 5001, 1004, 0x10, sack=[(1010, 1020)]),
     {"toy.doff": "8", "toy.sack.start": "1010", "toy.sack.end": "1020",
      "toy.checksum": "0x19db", "toy.checksum.status": "Good",
      "toy.ack_rel": "4"}),
    ("four SACK blocks",
     seg(7000, 40000, 5001, 1004, 0x10,
         sack=[(1100, 1200), (1010, 1020), (1030, 1040), (1050, 1060)]),
     {"toy.doff": "14", "toy.sack.start": "1100,1010,1030,1050",
      "toy.sack.end": "1200,1020,1040,1060", "toy.checksum.status": "Good"}),
    ("a FIN|ACK", seg(40000, 7000, 1004, 5001, 0x11),
     {"toy.flags": "0x11", "toy.seq_rel": "4", "toy.checksum.status": "Good"}),
    ("an RST", seg(7000, 40000, 5001, 0, 0x04, window=0),
     {"toy.flags": "0x04", "toy.seq_rel": "1", "toy.ack_rel": "",
      "toy.checksum.status": "Good"}),
    ("a bad checksum", seg(40000, 7000, 1000, 0, 0x02, check=0x4361),
     {"toy.checksum": "0x4361", "toy.checksum.status": "Bad",
      "_ws.expert.message": "Bad checksum"}),
    ("a checksum left to the device",
     seg(40000, 7000, 1004, 5001, 0x10, check="partial"),
     {"toy.checksum.status": "Partial"}),
    ("doff 7", seg(40000, 7000, 1004, 5001, 0x10, doff=7),
     {"toy.doff": "7", "toy.sack.start": "",
      "_ws.expert.message": "doff must be 6, or 6 plus 2 per SACK block (at most 4)"}),
]


# The same over IPv6, between 2001:db8::1 and ::1 (raw IPv6 packets)
CASES6 = [
    ("IPv6: a SYN", seg(40000, 7000, 1000, 0, 0x02, src=DOC6, dst=LO6),
     {"toy.seq": "1000", "toy.seq_rel": "0", "toy.flags": "0x02",
      "toy.checksum.status": "Good"}),
    ("IPv6: the SYN|ACK", seg(7000, 40000, 5000, 1001, 0x12, src=LO6, dst=DOC6),
     {"toy.ack_rel": "1", "toy.flags": "0x12", "toy.checksum.status": "Good"}),
    ("IPv6: an ACK with abc",
     seg(40000, 7000, 1001, 5001, 0x10, payload=b"abc", src=DOC6, dst=LO6),
     {"toy.seq_rel": "1", "toy.ack_rel": "1", "toy.payload": "616263",
      "toy.checksum.status": "Good"}),
    ("IPv6: a checksum over IPv4's pseudo-header is bad",
     seg(40000, 7000, 1004, 5001, 0x10,
         check=int.from_bytes(seg(40000, 7000, 1004, 5001, 0x10, src=DOC6[12:],
                                  dst=LO6[12:])[20:22], "big"),
         src=DOC6, dst=LO6),
     {"toy.checksum.status": "Bad", "_ws.expert.message": "Bad checksum"}),
    ("IPv6: a checksum left to the device",
     seg(40000, 7000, 1004, 5001, 0x10, check="partial", src=DOC6, dst=LO6),
     {"toy.checksum.status": "Partial"}),
]


def tshark(path, extra=()):
    cmd = ["tshark", "-n", "-X", "lua_script:" + os.path.join(HERE, "toy.lua"),
           "-r", path, "-T", "fields", "-E", "separator=\t",
           "-E", "occurrence=a", "-E", "aggregator=,"]
    for fld in FIELDS:
        cmd += ["-e", fld]
    cmd += list(extra)
    out = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return [dict(zip(FIELDS, line.split("\t")))
            for line in out.stdout.splitlines()]


def write_fields(pcap_path):
    """Record what tshark decodes of a capture, for later runs."""
    rows = tshark(pcap_path, ["-Y", "toy"])
    out = pcap_path[:-5] + ".fields"
    with open(out, "w", encoding="utf-8") as f:
        for r in rows:
            f.write("\t".join(r[k] for k in FIELDS[:10]) + "\n")
    return 0


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--write-fields":
        return write_fields(sys.argv[2])
    n = fails = 0

    def check(ok, what):
        nonlocal n, fails
        n += 1
        fails += not ok
        print("%s %d - %s" % ("ok" if ok else "not ok", n, what))

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "toy.pcap")
        pcap(path, [ipv4(s, ident=i + 1) for i, (_, s, _) in enumerate(CASES)])
        rows = tshark(path)
        check(len(rows) == len(CASES), "tshark decodes %d packets (want %d)"
              % (len(rows), len(CASES)))
        for (what, _, want), got in zip(CASES, rows):
            bad = ["%s=%r (want %r)" % (k, got.get(k), v)
                   for k, v in want.items() if got.get(k) != v]
            if bad:
                print("# " + "; ".join(bad))
            check(not bad, what + ": " + ", ".join(
                "%s=%s" % (k.split(".", 1)[1], v) for k, v in want.items()
                if v)[:150])
        info = subprocess.run(
            ["tshark", "-n", "-X", "lua_script:" + os.path.join(HERE, "toy.lua"),
             "-r", path], check=True, capture_output=True, text=True).stdout
        check("40000 \u2192 7000 TOY" in info or "TOY" in info.splitlines()[0],
              "the summary line names the protocol TOY")
        check("[SYN] Seq=0 Win=65536 Len=0" in info,
              "5.1's SYN summarised as [SYN] Seq=0 Win=65536 Len=0")
        check("SACK blocks=1" in info and "[BAD CHECKSUM]" in info,
              "the summaries tell the SACK blocks and the bad checksum")

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "toy6.pcap")
        pkts = []
        for _, sg, _ in CASES6:
            src, dst = (LO6, DOC6) if sg[:2] == struct.pack("!H", 7000) \
                else (DOC6, LO6)
            pkts.append(ipv6(sg, src, dst))
        pcap(path, pkts)
        rows = tshark(path)
        check(len(rows) == len(CASES6), "tshark decodes %d IPv6 packets (want %d)"
              % (len(rows), len(CASES6)))
        for (what, _, want), got in zip(CASES6, rows):
            bad = ["%s=%r (want %r)" % (k, got.get(k), v)
                   for k, v in want.items() if got.get(k) != v]
            if bad:
                print("# " + "; ".join(bad))
            check(not bad, what)

    # real captures, if any: every segment decodes, sums are good or partial
    tdir = os.path.join(HERE, "testdata")
    for name in sorted(os.listdir(tdir)) if os.path.isdir(tdir) else []:
        if not name.endswith(".pcap"):
            continue
        rows = tshark(os.path.join(tdir, name), ["-Y", "toy"])
        want_path = os.path.join(tdir, name[:-5] + ".fields")
        check(rows and all(r["toy.checksum.status"] in ("Good", "Partial")
                           for r in rows),
              "%s: %d segments, every checksum good or left to the device"
              % (name, len(rows)))
        def fl(r):
            return int(r["toy.flags"] or "0", 16)

        kinds = {
            "a SYN": any(fl(r) & 0x12 == 0x02 for r in rows),
            "a SYN|ACK": any(fl(r) & 0x12 == 0x12 for r in rows),
            "data": any(r["toy.len"] not in ("", "0") for r in rows),
            "SACK blocks": any(r["toy.sack.start"] for r in rows),
            "a FIN": any(fl(r) & 0x01 for r in rows),
            "an RST": any(fl(r) & 0x04 for r in rows),
        }
        check(all(kinds.values()), "%s: has %s" % (name, ", ".join(
            k if v else "NO " + k for k, v in kinds.items())))
        if os.path.exists(want_path):
            want = open(want_path, encoding="utf-8").read().splitlines()
            got = ["\t".join(r[k] for k in FIELDS[:10]) for r in rows]
            diff = [i for i, (a, b) in enumerate(zip(want, got)) if a != b]
            if diff or len(want) != len(got):
                print("# first difference at segment %s" %
                      (diff[0] + 1 if diff else min(len(want), len(got)) + 1))
            check(not diff and len(want) == len(got),
                  "%s: the fields of every segment as in %s"
                  % (name, os.path.basename(want_path)))

    print("1..%d" % n)
    print("%d passed, %d failed" % (n - fails, fails))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
