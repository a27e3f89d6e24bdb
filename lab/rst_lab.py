#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""The RST lab (docs/lab-scapy.md): forge resets with Scapy, watch toy.ko.

An AF_TOY connection over loopback (two sockets of this program, made
with ctypes since Python's socket module has no sockaddr for family 25),
a Scapy sniffer on lo, and three forged RSTs, as a blind attacker would
send them, from the client's address and port to the server:

1. seq far outside the server's receive window: dropped without a word
   (docs/protocol.md 11.2);
2. seq inside the window but not exactly rcv_nxt: not accepted; the
   server answers with a challenge ACK (RFC 5961 3.2), ChallengeACKs
   grows, and the connection goes on;
3. seq exactly rcv_nxt, learnt from the sniffed stream: accepted; the
   server's next recv() fails with ECONNRESET.

Every claim it prints was observed in this run: the segments come from
the sniffer, the counters from /proc/net/toy_stat, the errors from the
sockets. Exit status 0 only when all of it happened as the spec says.
Run as root (raw sockets) in a machine with toy.ko loaded:

    python3 lab/rst_lab.py [--port 7000] [-v]
"""
import argparse
import ctypes
import errno
import os
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from scapy.config import conf  # noqa: E402
from scapy.layers.inet import IP  # noqa: E402
from scapy.sendrecv import AsyncSniffer  # noqa: E402
from scapy.supersocket import L3RawSocket  # noqa: E402

from toy_scapy import Toy  # noqa: E402

LO = "127.0.0.1"
TOY_IPVER_4 = 4
DEADLINE = 30.0		# seconds to wait for anything; QEMU's clock is uneven

libc = ctypes.CDLL(None, use_errno=True)


def family():
    try:
        with open("/sys/module/toy/parameters/family") as f:
            return int(f.read())
    except OSError:
        return 25


def sockaddr(fam, addr, port):
    """struct sockaddr_toy (<linux/toy.h>), 28 bytes."""
    return (struct.pack("=H", fam) + struct.pack("!H", port) +
            bytes([TOY_IPVER_4, 0, 0, 0]) + socket.inet_aton(addr) +
            bytes(12) + bytes(4))


def sys_addr(call, sock, sa):
    buf = ctypes.create_string_buffer(sa, len(sa))
    if call(sock.fileno(), buf, len(sa)) < 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))


def local_port(sock):
    buf = ctypes.create_string_buffer(28)
    n = ctypes.c_uint32(28)
    if libc.getsockname(sock.fileno(), buf, ctypes.byref(n)) < 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))
    return struct.unpack("!H", buf.raw[2:4])[0]


def counter(name):
    with open("/proc/net/toy_stat") as f:
        lines = f.read().split("\n")
    names, values = lines[0].split()[1:], lines[1].split()[1:]
    return int(dict(zip(names, values))[name])


class Lab:
    def __init__(self, port, verbose):
        self.port = port
        self.verbose = verbose
        self.fails = 0
        self.sniffer = None
        self.seen = []

    def say(self, ok, text):
        print(("  " if ok else "  FAILED: ") + text)
        self.fails += not ok
        return ok

    def segments(self):
        """The Toy segments the sniffer has seen so far, in order."""
        return list(self.seen)

    def wait_for(self, what, pred, start=0):
        """The first segment from index start on that pred accepts."""
        end = time.monotonic() + DEADLINE
        while time.monotonic() < end:
            for t in self.segments()[start:]:
                if pred(t):
                    return t
            time.sleep(0.05)
        self.say(False, "no %s within %d s" % (what, DEADLINE))
        return None

    def show(self, t, who):
        if self.verbose:
            print("    %-6s %s" % (who, t.summary()))

    def run(self):
        fam = family()
        conf.verb = 0
        # An L2 socket, not a listening one: it skips lo's outgoing copy,
        # so each segment is seen once (as tcpdump shows lo).
        # (results exist only once stopped: prn collects them as they come)
        self.sniffer = AsyncSniffer(opened_socket=conf.L2socket(iface="lo"),
                                    store=False, lfilter=lambda p: Toy in p,
                                    prn=lambda p: self.seen.append(p[Toy]))
        self.sniffer.start()
        time.sleep(0.2)		# the sniffer's socket exists once started
        lst = socket.socket(fam, socket.SOCK_STREAM, 0)
        sys_addr(libc.bind, lst, sockaddr(fam, LO, self.port))
        lst.listen(1)
        cli = socket.socket(fam, socket.SOCK_STREAM, 0)
        # connect() blocks here (ctypes bypasses the socket's timeout,
        # which would make it non-blocking): loopback answers at once.
        sys_addr(libc.connect, cli, sockaddr(fam, LO, self.port))
        cli.settimeout(DEADLINE)
        # accept() too: Python's wants to decode the peer's address.
        fd = libc.accept(lst.fileno(), None, None)
        if fd < 0:
            raise OSError(ctypes.get_errno(), "accept")
        srv = socket.socket(fam, socket.SOCK_STREAM, 0, fileno=fd)
        srv.settimeout(DEADLINE)
        cport = local_port(cli)
        print("An AF_TOY connection %s:%d -> %s:%d, sniffed on lo by Scapy."
              % (LO, cport, LO, self.port))

        def from_cli(t):
            return t.sport == cport and t.dport == self.port

        def from_srv(t):
            return t.sport == self.port and t.dport == cport

        cli.sendall(b"hello")
        self.say(srv.recv(100) == b"hello", 'the server reads "hello"')
        data = self.wait_for("data segment", lambda t: from_cli(t) and t.len == 5)
        if not data:
            return 1
        rcv_nxt = data.seq + 5
        ack = self.wait_for("ACK of hello", lambda t: from_srv(t) and
                            t.flags.A and t.ack == rcv_nxt)
        if not ack:
            return 1
        self.show(data, "client")
        self.show(ack, "server")
        win = ack.window
        print('"hello" went as seq %d..%d; the server ACKed %d with a window '
              "of %d: it takes an RST only at seq %d exactly."
              % (data.seq, rcv_nxt, ack.ack, win, rcv_nxt))

        def forge(seq):
            rst = IP(src=LO, dst=LO) / Toy(sport=cport, dport=self.port,
                                           seq=seq & 0xffffffff, flags="R",
                                           window=0)
            # Through a raw IP socket, as Scapy's docs advise for lo: the
            # default packet socket would give it a broadcast MAC address,
            # and toy.ko, like TCP, drops what is not PACKET_HOST.
            segs, errs = counter("InSegs"), counter("InErrs")
            with L3RawSocket() as s:
                s.send(rst)
            # It reached toy.ko, valid, when InSegs grows and InErrs not.
            end = time.monotonic() + DEADLINE
            while counter("InSegs") == segs and time.monotonic() < end:
                time.sleep(0.05)
            self.say(counter("InSegs") > segs and counter("InErrs") == errs,
                     "toy.ko received it, valid (InSegs grew, InErrs +%d)"
                     % (counter("InErrs") - errs))
            return rst[Toy]

        def exchange(text):
            """Send text client -> server; return the server's ACK of it."""
            nonlocal rcv_nxt
            start = len(self.segments())
            cli.sendall(text)
            got = srv.recv(100)
            rcv_nxt += len(text)
            a = self.wait_for("ACK of %r" % text, lambda t: from_srv(t) and
                              t.flags.A and t.ack == rcv_nxt, start)
            return got, a

        # 1. outside the window
        seq = rcv_nxt + (1 << 31)
        print("\n1. A forged RST with seq %d, outside the window:"
              % (seq & 0xffffffff))
        mark = len(self.segments())
        forge(seq)
        got, a = exchange(b"ping")
        # Everything the server sent after the forgery: the ACK of "ping"
        # (which the loop above waited for), and nothing else.
        replies = [t for t in self.segments()[mark:]
                   if from_srv(t) and t.ack != rcv_nxt]
        self.say(not replies, "no reply to it: dropped silently%s" %
                 ("" if not replies else " (got %s)" % replies[0].summary()))
        self.say(got == b"ping" and a is not None,
                 'the connection goes on: "ping" arrives and is ACKed')

        # 2. in the window, not exact
        seq = rcv_nxt + 1000
        before_ch = counter("ChallengeACKs")
        print("\n2. A forged RST with seq %d, in the window but %d past "
              "rcv_nxt:" % (seq, 1000))
        mark = len(self.segments())
        forge(seq)
        ch = self.wait_for("challenge ACK", lambda t: from_srv(t) and
                           t.flags == "A" and t.ack == rcv_nxt, mark)
        if ch:
            self.show(ch, "server")
            self.say(True, "the server answers a challenge ACK: seq=%d ack=%d "
                     "(the client, alive, just ignores it)" % (ch.seq, ch.ack))
        after_ch = counter("ChallengeACKs")
        self.say(after_ch == before_ch + 1, "ChallengeACKs %d -> %d"
                 % (before_ch, after_ch))
        got, a = exchange(b"still here")
        self.say(got == b"still here" and a is not None,
                 'the connection goes on: "still here" arrives')

        # 3. exact
        resets = counter("EstabResets")
        print("\n3. A forged RST with seq %d, exactly rcv_nxt:" % rcv_nxt)
        forge(rcv_nxt)
        try:
            got = srv.recv(100)
            self.say(False, "the server's recv() returned %r, not ECONNRESET"
                     % got)
        except ConnectionResetError:
            self.say(True, "the server's recv() fails: ECONNRESET")
        except OSError as e:
            self.say(False, "the server's recv() fails: %s, not ECONNRESET"
                     % errno.errorcode.get(e.errno, e.errno))
        self.say(counter("EstabResets") == resets + 1, "EstabResets %d -> %d"
                 % (resets, counter("EstabResets")))
        print("\nSo a blind attacker must guess the sequence number exactly: "
              "1 chance in 2^32 per forged RST. Were any number in the "
              "window taken (RFC 793), it would be 1 in 2^32/%d = 1 in %d."
              % (win, (1 << 32) // max(win, 1)))
        for s in (srv, cli, lst):
            s.close()
        self.sniffer.stop()
        print("rst_lab: %s" % ("every step as docs/protocol.md 11.2 says"
                               if not self.fails else
                               "%d step(s) differ from the spec" % self.fails))
        return 1 if self.fails else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--port", type=int, default=7000)
    ap.add_argument("-v", "--verbose", action="store_true",
                    help="print each sniffed segment the lab relies on")
    args = ap.parse_args()
    if os.geteuid() != 0:
        print("rst_lab: needs root (raw and packet sockets)", file=sys.stderr)
        return 2
    try:
        return Lab(args.port, args.verbose).run()
    except OSError as e:
        if e.errno == errno.EAFNOSUPPORT:
            print("rst_lab: AF_TOY is not available: load toy.ko",
                  file=sys.stderr)
        else:
            print("rst_lab: %s" % e, file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
