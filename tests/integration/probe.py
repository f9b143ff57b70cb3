#!/usr/bin/python3
"""Probe packets for the flowspec-acl integration lab.

  probe.py send  --table T --id-base N --iface IF --smac M --dmac M --src4 A --src6 A
  probe.py sniff --iface IF --out FILE --ready FILE
  probe.py judge --table T --id-base N --seen FILE --ctr-out FILE
  probe.py dsts  --table T

The table has one probe per line (blank lines and '#' comments ignored):

  ROUTE EXPECT TOKEN...

ROUTE is a label (the route under test), EXPECT one of
  pass      arrives at srv unchanged (same DSCP and ECN)
  drop      never arrives
  dscp=N    arrives with DSCP N (ECN unchanged)
  burst     count>1 packets: some arrive and some do not
and the tokens describe the packet (defaults in brackets):
  dst=ADDR (required; ':' means IPv6)  src=ADDR [the cli address]
  tcp | udp | icmp | icmp6 | proto=N   [udp]
  sport=N [40000] dport=N [9]  flags=LETTERS|none (TCP, scapy letters FSRPAUEC) [A]
  type=N code=N (ICMP / ICMPv6) [echo request, 0]
  len=N    total packet length: IPv4 total length, IPv6 payload length + 40
  dscp=N ecn=N                                           [0 0]
  df mf off=N   IPv4 DF, MF, fragment offset (8-byte units)
  fh            IPv6 fragment header (with mf, off=N); without it no header
  fl=N          IPv6 flow label                          [0]
  count=N       send N copies (distinct tags) back to back [1]
  ctr=NAME[:pass|:drop],...  counter expectations: NAME grows by the number
                of packets of this line (:pass / :drop: only those that
                arrived / did not)
A non-first fragment carries no L4 header: its payload starts with the bytes
an L4 header would have (sport, dport), which no port match may use.

Every packet carries the tag b"FSPROBE" + 7 digits (its id) in its payload;
the sniffer in srv records "ID TOS" (TOS = IPv4 TOS / IPv6 traffic class)
for each tagged frame, and "end 4" / "end 6" for the end markers.
"""
import argparse
import os
import re
import signal
import socket
import struct
import sys
import time

TAG = b"FSPROBE"
TAG_RE = re.compile(rb"FSPROBE(\d{7})")
END_RE = re.compile(rb"FSPEND([46])")


class Probe:
    def __init__(self, lineno, route, expect, toks):
        self.lineno, self.route, self.expect = lineno, route, expect
        self.desc = " ".join(t for t in toks if not t.startswith("ctr="))
        self.o = {}
        self.ctr = []
        for t in toks:
            k, _, v = t.partition("=")
            if k == "ctr":
                for c in v.split(","):
                    name, _, when = c.partition(":")
                    self.ctr.append((name, when or "all"))
            elif k in ("tcp", "udp", "icmp", "icmp6"):
                self.o["l4"] = k
            elif k in ("df", "mf", "fh"):
                self.o[k] = True
            elif k in ("dst", "src", "flags"):
                self.o[k] = v
            elif k in ("proto", "sport", "dport", "type", "code", "len", "dscp",
                       "ecn", "off", "fl", "count"):
                self.o[k] = int(v, 0)
            else:
                raise SystemExit("table line %d: unknown token %r" % (lineno, t))
        if "dst" not in self.o:
            raise SystemExit("table line %d: no dst=" % lineno)
        if expect not in ("pass", "drop", "burst") and not expect.startswith("dscp="):
            raise SystemExit("table line %d: bad expectation %r" % (lineno, expect))
        self.v6 = ":" in self.o["dst"]
        self.count = self.o.get("count", 1)
        self.tos = (self.o.get("dscp", 0) << 2) | self.o.get("ecn", 0)
        self.ids = []


def read_table(path, base):
    probes, nxt = [], base
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.split(" #")[0].strip()
            if not line or line.startswith("#"):
                continue
            w = line.split()
            if len(w) < 3:
                raise SystemExit("table line %d: too short" % n)
            p = Probe(n, w[0], w[1], w[2:])
            p.ids = list(range(nxt, nxt + p.count))
            nxt += p.count
            probes.append(p)
    return probes


def build(p, pid, a):
    """The packet (from IP on) for probe p with tag id pid."""
    from scapy.all import (IP, IPv6, IPv6ExtHdrFragment, TCP, UDP, ICMP,
                           ICMPv6Unknown, Raw)
    o = p.o
    tag = TAG + b"%07d" % pid
    l4 = o.get("l4", "udp")
    proto = o.get("proto", {"tcp": 6, "udp": 17, "icmp": 1, "icmp6": 58}[l4])
    off = o.get("off", 0)
    sport, dport = o.get("sport", 40000), o.get("dport", 9)
    if p.v6:
        net = IPv6(src=o.get("src", a.src6), dst=o["dst"], tc=p.tos, fl=o.get("fl", 0), hlim=64)
        if o.get("fh"):
            net = net / IPv6ExtHdrFragment(nh=proto, offset=off, m=1 if o.get("mf") else 0,
                                           id=pid)
        else:
            net.nh = proto
    else:
        net = IP(src=o.get("src", a.src4), dst=o["dst"], tos=p.tos, ttl=64, id=pid & 0xffff,
                 flags=(2 if o.get("df") else 0) | (1 if o.get("mf") else 0), frag=off,
                 proto=proto)
    if off > 0:        # non-first fragment: no L4 header, bytes that look like one
        hdr, body = Raw(struct.pack("!HHHH", sport, dport, 0, 0)), b""
    elif "proto" in o:
        hdr, body = None, b""
    elif l4 == "tcp":
        fl = o.get("flags", "A")
        hdr, body = TCP(sport=sport, dport=dport, flags=0 if fl == "none" else fl, seq=1,
                        window=1024), b""
    elif l4 == "udp":
        hdr, body = UDP(sport=sport, dport=dport), b""
    elif l4 == "icmp":
        hdr, body = ICMP(type=o.get("type", 8), code=o.get("code", 0)), b""
    else:
        hdr, body = ICMPv6Unknown(type=o.get("type", 128), code=o.get("code", 0),
                                  msgbody=b"\0\0\0\0"), b""
    pkt = net / hdr if hdr is not None else net
    pay = body + tag
    size = len(bytes(pkt / Raw(pay)))   # IPv4 total length; IPv6 40 + payload length
    want = o.get("len")
    if want is not None:
        if want < size:
            raise SystemExit("table line %d: len=%d below the minimum %d" % (p.lineno, want, size))
        pay += b"." * (want - size)
    pkt = pkt / Raw(pay)
    if want is not None and len(bytes(pkt)) != want:
        raise SystemExit("table line %d: built %d bytes, not %d" % (p.lineno, len(bytes(pkt)), want))
    return pkt


def cmd_send(a):
    from scapy.all import Ether, IP, IPv6, UDP, Raw, conf
    probes = read_table(a.table, a.id_base)
    frames = []
    for p in probes:
        frames.append([bytes(Ether(src=a.smac, dst=a.dmac, type=0x86DD if p.v6 else 0x0800)
                             / build(p, i, a)) for i in p.ids])
    s = conf.L2socket(iface=a.iface)
    try:
        for fl in frames:
            for fr in fl:          # a burst goes back to back
                s.send(fr)
            time.sleep(0.002)
        time.sleep(0.05)
        for ip, end in ((IP(src=a.src4, dst=a.end4), b"FSPEND4"),
                        (IPv6(src=a.src6, dst=a.end6), b"FSPEND6")):
            s.send(Ether(src=a.smac, dst=a.dmac) / ip / UDP(sport=40000, dport=9) / Raw(end))
    finally:
        s.close()
    print("# sent %d packets (%d probes) from %s" % (sum(len(f) for f in frames), len(probes),
                                                      a.iface))


def cmd_sniff(a):
    ETH_P_ALL = 0x0003
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.setsockopt(socket.SOL_SOCKET, 33, 16 << 20)  # SO_RCVBUFFORCE: never lose a probe
    s.bind((a.iface, 0))
    s.settimeout(0.2)
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    out = open(a.out, "w")
    open(a.ready, "w").close()
    while not stop:
        try:
            data, addr = s.recvfrom(65535)
        except socket.timeout:
            continue
        except InterruptedError:
            continue
        if addr[2] == socket.PACKET_OUTGOING:
            continue
        et = data[12:14]
        if et == b"\x08\x00":
            tos = data[15]
        elif et == b"\x86\xdd":
            tos = ((data[14] & 0x0F) << 4) | (data[15] >> 4)
        else:
            continue
        m = TAG_RE.search(data)
        if m:
            out.write("%d %d\n" % (int(m.group(1)), tos))
        else:
            m = END_RE.search(data)
            if m:
                out.write("end %s\n" % m.group(1).decode())
        out.flush()
    st = s.getsockopt(263, 6, 8)  # SOL_PACKET, PACKET_STATISTICS
    pk, dr = struct.unpack("II", st)
    out.write("stats %d %d\n" % (pk, dr))
    out.close()


def cmd_judge(a):
    probes = read_table(a.table, a.id_base)
    seen, drops = {}, 0
    with open(a.seen) as f:
        for line in f:
            w = line.split()
            if w and w[0] == "stats":
                drops = int(w[2])
            elif w and w[0].isdigit():
                seen.setdefault(int(w[0]), []).append(int(w[1]))
    ok = bad = 0
    ctr = {}
    for p in probes:
        got = [seen.get(i) for i in p.ids]
        arrived = sum(1 for g in got if g)
        dups = [i for i in p.ids if seen.get(i) and len(seen[i]) > 1]
        ecn = p.tos & 3
        if p.expect == "burst":
            good = p.count > 1 and 0 < arrived < p.count
            obs = "%d of %d arrived" % (arrived, p.count)
        elif p.expect == "drop":
            good = arrived == 0
            obs = "dropped" if arrived == 0 else "arrived (%d of %d)" % (arrived, p.count)
        else:
            want = p.tos if p.expect == "pass" else (int(p.expect[5:]) << 2) | ecn
            tos_all = [g[0] for g in got if g]
            good = arrived == p.count and all(t == want for t in tos_all)
            if arrived == 0:
                obs = "dropped"
            else:
                obs = "arrived dscp %s ecn %s" % (
                    ",".join(sorted({str(t >> 2) for t in tos_all})),
                    ",".join(sorted({str(t & 3) for t in tos_all})))
                if arrived != p.count:
                    obs += " (%d of %d)" % (arrived, p.count)
        if dups:
            good, obs = False, obs + " (duplicated)"
        for name, when in p.ctr:
            n = {"all": p.count, "pass": arrived, "drop": p.count - arrived}[when]
            ctr[name] = ctr.get(name, 0) + n
        print("%-4s %-4s %-7s %-58s -> %s" % ("ok" if good else "FAIL", p.route, p.expect,
                                            p.desc, obs))
        ok += good
        bad += not good
    if drops:
        print("FAIL the sniffer in srv lost %d frames: the results above are not reliable" % drops)
        bad += 1
    with open(a.ctr_out, "w") as f:
        for k in sorted(ctr):
            f.write("%s %d\n" % (k, ctr[k]))


def cmd_dsts(a):
    seen = []
    for p in read_table(a.table, 0):
        if p.o["dst"] not in seen:
            seen.append(p.o["dst"])
    print("\n".join(seen))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=("send", "sniff", "judge", "dsts"))
    ap.add_argument("--table")
    ap.add_argument("--id-base", type=int, default=1000000)
    ap.add_argument("--iface")
    ap.add_argument("--smac")
    ap.add_argument("--dmac")
    ap.add_argument("--src4")
    ap.add_argument("--src6")
    ap.add_argument("--end4", default="198.18.2.2")
    ap.add_argument("--end6", default="2001:db8:5e::2")
    ap.add_argument("--out")
    ap.add_argument("--ready")
    ap.add_argument("--seen")
    ap.add_argument("--ctr-out")
    a = ap.parse_args()
    {"send": cmd_send, "sniff": cmd_sniff, "judge": cmd_judge, "dsts": cmd_dsts}[a.mode](a)


if __name__ == "__main__":
    main()
