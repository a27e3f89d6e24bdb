#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Hold a capture of the two-host wire (scripts/wire.sh) to the spec.

    wire-pcap.py [--extra 4a=N,4b=N,6a=N,6b=N] WIRE.PCAP ADDR_A ADDR_B
                 [ADDR6_A ADDR6_B LL_A LL_B]

Decodes the capture with Debian's tshark and wireshark/toy.lua and checks,
printing TAP and ending with "N passed, N failed":

- every IP protocol 253 frame (IPv4, or IPv6 next header 253) decodes as
  Toy, with no expert report (malformed header, bad checksum), and every
  checksum on the wire is complete and right ("Good": neither kernel left
  one to the device, and IPv6's pseudo-header is the one summed), as is
  every IPv4 header checksum;
- per IP version and direction (a's connections to b, then b's to a; a's
  IPv6 addresses are ADDR6_A and its link-local LL_A), each connection's
  handshake is exactly the spec's: SYN seq j; SYN-ACK seq k, ack j+1; the
  client's next segment seq j+1, ack k+1 (retransmitted SYNs and SYN-ACKs
  must repeat j and k);
- per IP version and direction, wire_peer.sh's steps are all there: 7
  established connections (handshake, transfer up, down, half-close,
  reset, lossy, done; plus one per lossy transfer tried again, which
  --extra gives per version and client: wire.sh reads them off the
  guests' output), every one of them but the aborted one closed by a FIN
  from each side, exactly one aborted by the server's RST, and at least
  one SYN refused by an RST that acknowledges it (seq 0, ack j+1: the
  closed port, and any try before the server listened).
"""
import collections
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
LUA = os.path.join(HERE, "..", "wireshark", "toy.lua")
FIELDS = ["frame.number", "ip.src", "ip.dst", "ipv6.src", "ipv6.dst",
          "ip.checksum.status",
          "toy.srcport", "toy.dstport", "toy.seq", "toy.ack", "toy.flags",
          "toy.len", "toy.checksum.status", "_ws.expert.message"]
FIN, SYN, RST, ACK = 0x01, 0x02, 0x04, 0x10
# wire_peer.sh's connections per round: handshake, up, down, half-close,
# reset, lossy, done.
ESTABLISHED = 7


def frames(path):
    cmd = ["tshark", "-n", "-X", "lua_script:" + LUA, "-r", path,
           "-o", "ip.check_checksum:TRUE",
           "-Y", "ip.proto == 253 || ipv6.nxt == 253",
           "-T", "fields", "-E", "separator=\t", "-E", "occurrence=a",
           "-E", "aggregator=,"]
    for f in FIELDS:
        cmd += ["-e", f]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return [dict(zip(FIELDS, line.split("\t")))
            for line in out.stdout.splitlines()]


class Conn:
    """One connection attempt: a client's SYN with ISN j and what followed."""

    def __init__(self, client, j, frame):
        self.client, self.j, self.k, self.frame = client, j, None, frame
        self.bad = []
        self.established = False
        self.refused = False
        self.fin = {"client": False, "server": False}
        self.aborted = False
        self.bytes = 0


def main():
    args = sys.argv[1:]
    extra = {}
    if args[:1] == ["--extra"] and len(args) > 1:
        extra = {k: int(v) for k, v in
                 (kv.split("=") for kv in args[1].split(",") if kv)}
        args = args[2:]
    if len(args) not in (3, 7):
        print(__doc__, file=sys.stderr)
        return 2
    sys.argv[1:] = args
    path, addr_a, addr_b = args[:3]
    # Each host's addresses, per IP version
    hosts = {"a": {4: {addr_a}}, "b": {4: {addr_b}}}
    if len(sys.argv) == 8:
        hosts["a"][6] = {sys.argv[4], sys.argv[6]}
        hosts["b"][6] = {sys.argv[5], sys.argv[7]}
    n = fails = 0

    def check(ok, what):
        nonlocal n, fails
        n += 1
        fails += not ok
        print("%s %d - %s" % ("ok" if ok else "not ok", n, what))

    rows = frames(path)
    for r in rows:
        r["v"] = 6 if r["ipv6.src"] else 4
        if r["v"] == 6:
            r["ip.src"], r["ip.dst"] = r["ipv6.src"], r["ipv6.dst"]
    undecoded = [r["frame.number"] for r in rows if not r["toy.srcport"]]
    experts = [(r["frame.number"], r["_ws.expert.message"]) for r in rows
               if r["_ws.expert.message"]]
    check(rows and not undecoded and not experts,
          "%d frames of IP protocol 253 on the wire (%d over IPv6), each "
          "decoded as Toy with no expert report%s"
          % (len(rows), sum(r["v"] == 6 for r in rows),
             "" if not (undecoded or experts)
                                  else ": undecoded %s, experts %s"
                                  % (undecoded[:5], experts[:5])))
    csum = collections.Counter(r["toy.checksum.status"] for r in rows)
    check(rows and set(csum) == {"Good"},
          "every Toy checksum on the wire is complete and right (%s)"
          % ", ".join("%s %d" % kv for kv in sorted(csum.items())))
    ipcsum = collections.Counter(r["ip.checksum.status"] for r in rows
                                 if r["v"] == 4)
    # tshark prints the status as a number: 1 is good (2 bad, 0 unverified).
    check(rows and set(ipcsum) == {"1"},
          "every IPv4 header checksum is right (%s)"
          % ", ".join("%s %d" % kv for kv in sorted(ipcsum.items())))

    conns = {}     # (client, cport, server, sport) -> latest Conn
    done = []
    for r in rows:
        if not r["toy.srcport"]:
            continue
        src, dst = r["ip.src"], r["ip.dst"]
        sp, dp = int(r["toy.srcport"]), int(r["toy.dstport"])
        seq, ack = int(r["toy.seq"]), int(r["toy.ack"])
        fl, ln = int(r["toy.flags"], 16), int(r["toy.len"] or 0)
        fr = r["frame.number"]
        fwd, rev = (src, sp, dst, dp), (dst, dp, src, sp)
        if fl & (SYN | ACK) == SYN:
            c = conns.get(fwd)
            if c is None or c.j != seq or c.established or c.refused:
                if c is not None:
                    done.append(c)
                conns[fwd] = Conn(src, seq, fr)
            continue
        if fwd in conns:
            c, side = conns[fwd], "client"
        elif rev in conns:
            c, side = conns[rev], "server"
        else:
            continue
        if fl & (SYN | ACK) == SYN | ACK:
            if side != "server":
                c.bad.append("frame %s: SYN-ACK from the client" % fr)
            elif ack != (c.j + 1) % 2**32:
                c.bad.append("frame %s: SYN-ACK ack %d, want j+1 = %d"
                             % (fr, ack, c.j + 1))
            elif c.k is not None and seq != c.k:
                c.bad.append("frame %s: SYN-ACK again with seq %d, first %d"
                             % (fr, seq, c.k))
            c.k = seq
            continue
        if fl & RST:
            if c.k is None and side == "server":
                c.refused = True
                if seq != 0 or not fl & ACK or ack != (c.j + 1) % 2**32:
                    c.bad.append("frame %s: refusing RST seq %d ack %d flags "
                                 "%#x, want seq 0, ACK, ack j+1 = %d"
                                 % (fr, seq, ack, fl, c.j + 1))
            elif c.established and side == "server":
                c.aborted = True
            else:
                c.bad.append("frame %s: RST from the %s" % (fr, side))
            continue
        if side == "client" and not c.established:
            if c.k is None:
                c.bad.append("frame %s: client segment before the SYN-ACK" % fr)
            elif seq != (c.j + 1) % 2**32 or ack != (c.k + 1) % 2**32:
                c.bad.append("frame %s: third segment seq %d ack %d, want "
                             "j+1 = %d, k+1 = %d" % (fr, seq, ack, c.j + 1,
                                                     c.k + 1))
            c.established = True
        if fl & FIN:
            c.fin[side] = True
        c.bytes += ln
    done.extend(conns.values())

    pairs = [(v, c, sv) for v in (4, 6) if v in hosts["a"]
             for c, sv in (("a", "b"), ("b", "a"))]
    for v, cl, sv in pairs:
        client, server = "/".join(sorted(hosts[cl][v])), \
            "/".join(sorted(hosts[sv][v]))
        cs = [c for c in done if c.client in hosts[cl][v]]
        want = ESTABLISHED + extra.get("%d%s" % (v, cl), 0)
        bad = [b for c in cs for b in c.bad]
        est = [c for c in cs if c.established]
        refused = [c for c in cs if c.refused]
        aborted = [c for c in est if c.aborted]
        closed = [c for c in est if not c.aborted and all(c.fin.values())]
        tag = "IPv%d %s -> %s" % (v, client, server)
        for b in bad[:10]:
            print("# " + b)
        check(cs and not bad,
              "%s: %d handshakes, every one SYN j; SYN-ACK k, j+1; ACK j+1, k+1"
              % (tag, len(cs)))
        check(len(est) == want,
              "%s: %d connections established (want %d)"
              % (tag, len(est), want))
        check(len(closed) == want - 1,
              "%s: %d of them closed by a FIN from each side (want %d)"
              % (tag, len(closed), want - 1))
        check(len(aborted) == 1,
              "%s: %d aborted by the server's RST (want 1)" % (tag, len(aborted)))
        check(len(refused) >= 1,
              "%s: %d SYNs refused by an RST that acknowledges them"
              % (tag, len(refused)))
        print("# %s: %d payload bytes over %d connections"
              % (tag, sum(c.bytes for c in est), len(est)))

    print("1..%d" % n)
    print("%d passed, %d failed" % (n - fails, fails))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
