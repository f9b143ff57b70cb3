#!/usr/bin/python3
"""The stateful test: a seeded random walk of a live flowspec-injector against
the real kernel, in network namespaces this script creates and always
deletes (tests/stateful/README.md).

  stateful.py INJECTOR --oracle FS_ORACLE [--seed N] [--events N] [--keep]
              [--no-ecn-flags] [--fail-fast] [--verbose] [--checkpoint-every N]

The seed is printed first; all randomness comes from one random.Random(seed)
(each checkpoint's probe choices from a child generator seeded by it), and
timing never changes the event sequence, so a seed reproduces its run.  Every
failure names its check, the event and commit it happened at, and the diff.
Exit 0 when every check passed, 1 when one failed, 77 when not root or a tool
is missing.
"""
import argparse
import ctypes
import difflib
import ipaddress
import json
import os
import random
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

CHAIN = "FLOWSPEC"
TAG = b"FSDSTATE"
MTU = 9000
WINDOW_MS, MAX_DELAY_MS, HOLD_MS = 20, 100, 3000
QUIET = 0.12            # s without a new commit line: the commit(s) of a burst are done
DETAIL_PER_CHECK = 4    # distinct failures of one check printed in full
LINES_PER_CHECK = 25    # then in one line; repeats of a failure already shown are counted

# ---------------------------------------------------------------- lab ----
PID = os.getpid()
NS_R, NS_S, NS_K = "fsD-rtr-%d" % PID, "fsD-snd-%d" % PID, "fsD-snk-%d" % PID
NS_REF, NS_RT = "fsD-ref-%d" % PID, "fsD-rt-%d" % PID
ALL_NS = (NS_R, NS_S, NS_K, NS_REF, NS_RT)
S_MAC, R_S_MAC = "02:fd:00:00:01:02", "02:fd:00:00:01:01"
K_MAC, R_K_MAC = "02:fd:00:00:02:02", "02:fd:00:00:02:01"
K1_MAC, R_K1_MAC = "02:fd:00:00:03:02", "02:fd:00:00:03:01"
REDIRECT_TABLE = 100
ROUTED4 = ipaddress.ip_network("198.19.0.0/16")
ROUTED6 = ipaddress.ip_network("2001:db8:d::/48")


class Neighbor:
    def __init__(self, peer, local, asn, fams):
        self.peer, self.local, self.asn, self.fams = peer, local, asn, fams
        self.up = False
        self.rib = {}   # key -> (Route, actions): what the controller announces


NEIGHBORS = [
    Neighbor("198.18.0.1", "198.18.0.2", 65001, (4, 6)),
    Neighbor("198.18.0.5", "198.18.0.6", 65002, (4, 6)),
    Neighbor("198.18.0.9", "198.18.0.10", 65003, (4,)),          # IPv4 only
    Neighbor("2001:db8:0:c0::1", "2001:db8:0:c0::2", 65004, (6,)),  # IPv6 only
]
DOWN_REASONS = [
    "peer reset, message (notification received (6,2)) error(Cease / Administrative Shutdown)",
    "peer reset, message (closing connection) error(the TCP connection was closed by the remote end)",
    "peer reset, message (notification received (6,3)) error(Cease / Peer De-configured)",
]

# ------------------------------------------------------- the ExaBGP side ----
PROTO_NAMES = {1: "icmp", 2: "igmp", 6: "tcp", 8: "egp", 17: "udp", 46: "rsvp", 47: "gre",
               50: "esp", 51: "ah", 89: "ospf", 94: "ipip", 103: "pim", 132: "sctp"}
ICMP_NAMES = {0: "echo-reply", 3: "unreachable", 4: "source-quench", 5: "redirect",
              8: "echo-request", 9: "router-advertisement", 10: "router-solicit",
              11: "time-exceeded", 12: "parameter-problem", 13: "timestamp",
              14: "timestamp-reply", 15: "info-request", 16: "info-reply", 17: "mask-request",
              18: "mask-reply", 30: "traceroute", 41: "experimental-mobility",
              42: "extended-echo-request", 43: "extended-echo-reply", 253: "experimental-one",
              254: "experimental-two"}
TCP_BITS = [(1, "fin"), (2, "syn"), (4, "rst"), (8, "push"), (16, "ack"), (32, "urg"),
            (64, "ece"), (128, "cwr"), (256, "ns")]
FRAG_BITS = [(1, "dont-fragment"), (2, "is-fragment"), (4, "first-fragment"), (8, "last-fragment")]
KEYS = {1: ("destination-ipv4", "destination-ipv6"), 2: ("source-ipv4", "source-ipv6"),
        3: ("protocol", "next-header"), 4: ("port",) * 2, 5: ("destination-port",) * 2,
        6: ("source-port",) * 2, 7: ("icmp-type",) * 2, 8: ("icmp-code",) * 2,
        9: ("tcp-flags",) * 2, 10: ("packet-length",) * 2, 11: ("dscp", "traffic-class"),
        12: ("fragment",) * 2, 13: ("flow-label",) * 2}
DMAX = {3: 255, 4: 65535, 5: 65535, 6: 65535, 7: 255, 8: 255, 10: 65535, 11: 63, 13: 0xfffff}


def js(v):
    """JSON in ExaBGP's spacing ({ "k": v }, [ a, b ], [])."""
    if isinstance(v, dict):
        return "{ " + ", ".join('"%s": %s' % (k, js(x)) for k, x in v.items()) + " }" if v else "{}"
    if isinstance(v, list):
        return "[ " + ", ".join(js(x) for x in v) + " ]" if v else "[]"
    return json.dumps(v)


def f32(x):
    return struct.unpack(">I", struct.pack(">f", x))[0]


class Route:
    """One NLRI: family and components (type -> value), in type order.
    prefixes: (int address, length, offset); numeric: [[(op, value)]] (OR of
    AND groups); bitmask: [(and, op, bits)]."""

    def __init__(self, fam, comps):
        self.fam, self.comps = fam, dict(sorted(comps.items()))
        self._s = None

    def prefix_text(self, t):
        a, ln, off = self.comps[t]
        if self.fam == 4:
            return "%s/%d" % (ipaddress.IPv4Address(a), ln)
        return "%s/%d/%d" % (ipaddress.IPv6Address(a).compressed, ln, off)

    def num_text(self, t, op, v):
        if op in ("true", "false"):
            return op
        if t == 3 and v in PROTO_NAMES:
            return op + PROTO_NAMES[v]
        if t == 3:
            return op + "unknown protocol type %d" % v
        if t == 7 and v in ICMP_NAMES:
            return op + ICMP_NAMES[v]
        if t == 7:
            return op + "unknown icmp type type %d" % v
        return "%s%d" % (op, v)

    def bits_text(self, t, bits):
        tab = TCP_BITS if t == 9 else FRAG_BITS
        return "+".join(n for b, n in tab if bits & b)

    def comp(self, t):
        """(JSON list, string value) of component t as ExaBGP 4.2 prints them."""
        v = self.comps[t]
        if t in (1, 2):
            s = self.prefix_text(t)
            return [s], s
        if t in (9, 12):
            tab = TCP_BITS if t == 9 else FRAG_BITS
            words, elems = [], []
            for i, (a, op, bits) in enumerate(v):
                w = ("&" if a else "") + op + self.bits_text(t, bits)
                if a:
                    words[-1] += w
                else:
                    words.append(w)
                if t == 12 and op == "!" and bits == 2 and not a:
                    elems.append("not-a-fragment")     # ExaBGP's list for !is-fragment
                    continue
                for b, n in tab:                        # one element per bit (lossy)
                    if bits & b:
                        e = ("&" if a else "") + op + n
                        if e.startswith("&") and elems and "&" not in elems[-1]:
                            elems[-1] += e
                        else:
                            elems.append(e)
            s = " ".join(words)
            return elems, ("[ %s ]" % s if len(v) > 1 else s)
        groups = ["&".join(self.num_text(t, op, x) for op, x in g) for g in v]
        s = " ".join(groups)
        return groups, ("[ %s ]" % s if sum(len(g) for g in v) > 1 else s)

    def string(self):
        if self._s is None:
            words = ["flow"]
            for t in self.comps:
                words += [KEYS[t][0 if self.fam == 4 else 1], self.comp(t)[1]]
            self._s = " ".join(words)
        return self._s

    def key(self):
        return (self.fam, self.string())

    def nlri(self):
        d = {}
        for t in self.comps:
            d[KEYS[t][0 if self.fam == 4 else 1]] = self.comp(t)[0]
        d["string"] = self.string()
        return d


def ecomms(actions):
    out = []
    for a in actions:
        if a[0] == "rate-b":
            out.append(((0x8006 << 48) | (a[2] << 32) | f32(a[1]), "rate-limit:%d" % int(a[1])))
        elif a[0] == "rate-p":
            out.append(((0x800c << 48) | f32(a[1]), ""))
        elif a[0] == "action":
            bits = (2 if a[1] else 0) | (1 if a[2] else 0)
            out.append(((0x8007 << 48) | bits, "action " + ["", "terminal", "sample",
                                                           "sample-terminal"][bits]))
        elif a[0] == "mark":
            out.append(((0x8009 << 48) | a[1], "mark %d" % a[1]))
        elif a[0] == "redirect":
            out.append(((0x8008 << 48) | (a[1] << 32) | a[2], "redirect:%d:%d" % (a[1], a[2])))
        elif a[0] == "rt":
            out.append(((0x0002 << 48) | (a[1] << 32) | a[2], "target:%d:%d" % (a[1], a[2])))
    return [{"value": v, "string": s} for v, s in sorted(out)]


def act_text(actions):
    return ", ".join(" ".join(str(x) for x in a) for a in actions) or "accept"


class Exa:
    """ExaBGP 4.2 process-API lines, in the shape of tests/fixtures/exabgp."""

    def __init__(self):
        self.counter, self.t = 0, 1795460000.0

    def reset(self):
        self.counter = 0

    def env(self, typ, nb, body):
        self.counter += 1
        self.t += 0.0013
        return ('{ "exabgp": "4.0.1", "time": %.7f, "host" : "vm", "pid" : 4242, "ppid" : 4241, '
                '"counter": %d, "type": "%s", "neighbor": { "address": { "local": "%s", '
                '"peer": "%s" }, "asn": { "local": 65000, "peer": %d } , %s } }'
                % (self.t, self.counter, typ, nb.local, nb.peer, nb.asn, body))

    def state(self, nb, st, reason=None):
        body = '"state": "%s"' % st
        if reason is not None:
            body += ', "reason": %s' % json.dumps(reason)
        return self.env("state", nb, body)

    def eor(self, nb, fam):
        return self.env("update", nb, '"direction": "receive", "message": { "eor": { "afi" : '
                        '"ipv%d", "safi" : "flow" } }' % fam)

    def announce(self, nb, routes, actions):
        attr = {"origin": "igp", "as-path": [nb.asn], "confederation-path": []}
        ec = ecomms(actions)
        if ec:
            attr["extended-community"] = ec
        fam = "ipv%d flow" % routes[0].fam
        msg = {"update": {"attribute": attr, "announce": {fam: {"no-nexthop":
                                                                [r.nlri() for r in routes]}}}}
        return self.env("update", nb, '"direction": "receive", "message": ' + js(msg))

    def withdraw(self, nb, routes):
        fam = "ipv%d flow" % routes[0].fam
        msg = {"update": {"withdraw": {fam: [r.nlri() for r in routes]}}}
        return self.env("update", nb, '"direction": "receive", "message": ' + js(msg))

    def session(self, nb, pack_rng=None):
        """connected, up, the neighbor's whole RIB (packed by action), end-of-RIB per family:
        what ExaBGP sends when a session comes up.  Returns (lines, [(line index, k, key)])."""
        lines = [self.state(nb, "connected"), self.state(nb, "up")]
        where = []
        for fam in nb.fams:
            groups = {}
            for key in sorted(nb.rib):
                r, acts = nb.rib[key]
                if r.fam == fam:
                    groups.setdefault(acts, []).append(r)
            for acts in sorted(groups, key=repr):
                rs = groups[acts]
                n = 64 if pack_rng is None else pack_rng.choice((1, 8, 64))
                for i in range(0, len(rs), n):
                    for k, r in enumerate(rs[i:i + n]):
                        where.append((len(lines), k, r.key()))
                    lines.append(self.announce(nb, rs[i:i + n], acts))
        for fam in nb.fams:
            lines.append(self.eor(nb, fam))
        return lines, where


# ------------------------------------------------------------ value sets ----
def norm(iv):
    out = []
    for lo, hi in sorted(x for x in iv if x[0] <= x[1]):
        if out and lo <= out[-1][1] + 1:
            out[-1] = (out[-1][0], max(out[-1][1], hi))
        else:
            out.append((lo, hi))
    return out


def inter(a, b):
    return norm([(max(x[0], y[0]), min(x[1], y[1])) for x in a for y in b])


def term_set(op, v, mx):
    if op == "true":
        return [(0, mx)]
    if op == "false":
        return []
    return norm({"=": [(v, v)], ">": [(v + 1, mx)], ">=": [(v, mx)], "<": [(0, v - 1)],
                 "<=": [(0, v)], "!=": [(0, v - 1), (v + 1, mx)]}[op])


def num_set(groups, mx):
    out = []
    for g in groups:
        s = [(0, mx)]
        for op, v in g:
            s = inter(s, term_set(op, v, mx))
        out += s
    return norm(out)


def in_set(iv, v):
    return any(lo <= v <= hi for lo, hi in iv)


def bit_match(terms, data):
    res, cur = False, None
    for a, op, bits in terms:
        m = {"": data & bits != 0, "=": data & bits == bits, "!": data & bits == 0,
             "!=": data & bits != bits}[op]
        if a:
            cur = cur and m
        else:
            if cur is not None:
                res = res or cur
            cur = m
    return res or bool(cur)


def pick(rng, iv):
    lo, hi = rng.choice(iv)
    return rng.randint(lo, hi)


# ---------------------------------------------------------------- routes ----
PORTS = [22, 25, 53, 80, 123, 179, 443, 1023, 1024, 2048, 5000, 8080, 40000, 65535]
LENS = [40, 60, 63, 64, 100, 200, 500, 576, 1000, 1280, 1400, 1500, 4000, 8999, 9000, 9001]
DSCPS = [0, 1, 8, 10, 15, 16, 26, 32, 40, 46, 48, 63]
ICMP4 = [0, 3, 5, 8, 11, 13, 30, 200]
ICMP6 = [1, 2, 3, 4, 128, 129, 133, 135, 136]
CODES = [0, 1, 3, 4, 9, 13]
LABELS = [0, 1, 1000, 2000, 48879, 0xfffff]
PROTOS = [1, 6, 17, 41, 47, 50, 58, 89, 132, 253]


class Gen:
    """Random routes and actions, shaped like what BIRD, GoBGP and ExaBGP send."""

    def __init__(self, rng, ecn):
        self.rng, self.ecn = rng, ecn

    def value(self, pool, mx):
        r = self.rng
        return r.choice(pool) if r.random() < 0.7 else r.randint(0, mx)

    def numeric(self, t, pool):
        r, mx, groups = self.rng, DMAX[t], []
        for _ in range(r.choice((1, 1, 1, 2, 2, 3))):
            k = r.random()
            a, b = sorted((self.value(pool, mx), self.value(pool, mx)))
            if k < 0.42:
                g = [("=", a)]
            elif k < 0.62:
                g = [(">=", a), ("<=", b)] if r.random() < 0.6 else [(">", a), ("<", b)]
            elif k < 0.72:
                g = [("!=", a)]
            elif k < 0.86:
                g = [(r.choice(("<", "<=", ">", ">=")), a)]
            elif k < 0.93:
                g = [("!=", a), ("!=", b)]
            elif k < 0.97:
                g = [("true", None)]
            else:
                g = [("false", None)]
            groups.append(g)
        return groups

    def bitmask(self, t, fam):
        r = self.rng
        if t == 9:
            avail = [1, 2, 4, 8, 16, 32] + ([64, 128] if self.ecn else [])
            if r.random() < 0.02:
                avail.append(256)                    # NS: refused (tcp-flags-beyond-cwr)
        else:
            avail = [2, 4, 8] + ([1] if fam == 4 else [])   # DF on IPv6: the line is rejected
        terms = []
        for i in range(r.choice((1, 1, 2, 2, 3))):
            bits = 0
            for b in r.sample(avail, r.choice((1, 1, 2, 3))):
                bits |= b
            op = r.choice(("=", "=", "", "!", "!=")) if t == 9 else r.choice(("=", "=", "", "!"))
            terms.append((i > 0 and r.random() < 0.4, op, bits))
        if self.ecn and t == 9 and r.random() < 0.3:   # make sure ECE/CWR are exercised
            terms[0] = (False, terms[0][1], terms[0][2] | r.choice((64, 128, 192)))
        return terms

    def prefix(self, fam, dst):
        r = self.rng
        if fam == 4:
            if dst:
                if r.random() < 0.06:
                    return r.choice([(int(ipaddress.IPv4Address("198.16.0.0")), 14, 0),
                                     (int(ipaddress.IPv4Address("198.19.0.0")), 16, 0),
                                     (0, 0, 0), (int(ipaddress.IPv4Address("10.0.0.0")), 8, 0)])
                ln = r.choice((20, 24, 24, 25, 26, 28, 30, 32, 32, 32))
                a = int(ipaddress.IPv4Address("198.19.0.0")) | (r.randrange(16) << 8) | r.randrange(256)
            else:
                ln = r.choice((16, 24, 25, 28, 32))
                base = r.choice(("198.18.1.0", "198.18.1.0", "203.0.113.0", "198.51.100.0"))
                a = int(ipaddress.IPv4Address(base)) | r.randrange(256)
            mask = ((1 << ln) - 1) << (32 - ln) if ln else 0
            return (a & mask, ln, 0)
        if dst:
            if r.random() < 0.05:
                return r.choice([(int(ipaddress.IPv6Address("2001:db8::")), 32, 0), (0, 0, 0)])
            if r.random() < 0.06:                  # an offset prefix inside the routed /48
                off = r.choice((48, 64, 96))
                ln = off + r.choice((8, 16, 32))
                a = r.getrandbits(128) & (((1 << (ln - off)) - 1) << (128 - ln))
                return (a, ln, off)
            ln = r.choice((48, 52, 56, 64, 64, 96, 120, 124, 128, 128))
            a = int(ipaddress.IPv6Address("2001:db8:d::")) | (r.randrange(16) << 64) | r.getrandbits(64)
        else:
            ln = r.choice((48, 64, 64, 112, 128))
            base = r.choice(("2001:db8:c1::", "2001:db8:c1::", "2001:db8:ff::"))
            a = int(ipaddress.IPv6Address(base)) | r.getrandbits(64) | (r.randrange(4) << 64)
        mask = ((1 << ln) - 1) << (128 - ln) if ln else 0
        return (a & mask, ln, 0)

    def route(self, fam):
        r, c = self.rng, {}
        if fam == 6 and r.random() < 0.05:
            c[2] = self.prefix(fam, False)       # source only (BIRD allows it for flow6)
        else:
            c[1] = self.prefix(fam, True)
            if r.random() < 0.3:
                c[2] = self.prefix(fam, False)
        kind = r.choice(("tcp", "tcp", "udp", "udp", "tcpudp", "icmp", "proto", "none", "none"))
        icmp = 1 if fam == 4 else 58
        if kind == "tcp":
            c[3] = [[("=", 6)]]
        elif kind == "udp":
            c[3] = [[("=", 17)]]
        elif kind == "tcpudp":
            c[3] = [[("=", 6)], [("=", 17)]]
        elif kind == "icmp":
            c[3] = [[("=", icmp)]]
        elif kind == "proto":
            c[3] = r.choice([self.numeric(3, PROTOS), [[("!=", 6), ("!=", 17)]],
                             [[("<", 6)], [(">", 17)]]])
        if kind in ("tcp", "udp", "tcpudp") or (kind == "none" and r.random() < 0.3):
            for t in r.sample((4, 5, 6), r.choice((1, 1, 2))):
                c[t] = self.numeric(t, PORTS)
        if kind == "icmp" or (kind == "none" and r.random() < 0.1):
            c[7] = self.numeric(7, ICMP4 if fam == 4 else ICMP6)
            if r.random() < 0.5:
                c[8] = self.numeric(8, CODES)
        if kind == "tcp" and r.random() < 0.6 or kind == "none" and r.random() < 0.15:
            c[9] = self.bitmask(9, fam)
        if r.random() < 0.25:
            c[10] = self.numeric(10, LENS)
        if r.random() < 0.2:
            c[11] = self.numeric(11, DSCPS)
        if r.random() < 0.15:
            c[12] = self.bitmask(12, fam)
        if fam == 6 and r.random() < 0.12:
            c[13] = self.numeric(13, LABELS)
        return Route(fam, c)

    RATE_B = (1000, 9600, 125000, 500000, 1000000, 100000000)
    RATE_P = (10, 100, 1000, 100000)

    def actions(self, not_this=None):
        r = self.rng
        for _ in range(20):
            k = r.choices(range(15), weights=(20, 5, 12, 8, 10, 5, 6, 3, 10, 5, 3, 3, 6, 2, 1))[0]
            a = [[("rate-b", 0.0, 0)], [("rate-p", 0.0)],
                 [("rate-b", float(r.choice(self.RATE_B)), r.choice((0, 0, 65001)))],
                 [("rate-p", float(r.choice(self.RATE_P)))], [], [("action", True, False)],
                 [("action", False, True)], [("action", True, True)],
                 [("mark", r.randrange(64))], [("action", False, True), ("mark", r.randrange(64))],
                 [("action", True, False), ("rate-b", float(r.choice(self.RATE_B)), 0)],
                 [("mark", r.randrange(64)), ("rate-p", float(r.choice(self.RATE_P)))],
                 [("redirect", 65000, 100)], [("redirect", 65000, 200)],
                 [("rate-b", 1000.0, 0), ("rate-b", 2000.0, 0)]][k]
            x = r.random()
            if x < 0.2:
                a.append(("rt", 65000, 10))
            elif x < 0.3:
                a.append(("rt", 65000, 20))
            a = tuple(a)
            if a != not_this:
                return a
        return (("rate-b", 0.0, 0),) if not_this != (("rate-b", 0.0, 0),) else ()


# rate pairs for the rate-change test: (kind, low, high)
RATE_PAIRS = [("rate-b", 1000.0, 100000000.0), ("rate-b", 9600.0, 100000000.0),
              ("rate-p", 10.0, 100000.0)]


def rate_of(actions):
    for a in actions:
        if a[0] in ("rate-b", "rate-p"):
            return a[0], a[1]
    return None


# ---------------------------------------------------------- configuration ----
PROTECT_POOL = ["198.19.1.0/24", "198.19.2.128/25", "198.19.8.0/21", "2001:db8:d:1::/64",
                "2001:db8:d:200::/56"]


def make_config(rng):
    c = {"accept": rng.choice(("return", "return", "accept")), "nflog": rng.choice((0, 0, 3, 7)),
         "protected": sorted(rng.sample(PROTECT_POOL, rng.choice((0, 0, 1, 2)))),
         "scope": rng.random() < 0.2, "untargeted": rng.random() < 0.5}
    return c


def config_text(c):
    out = ["# flowspec-acl stateful test: the injector's configuration (-c), changed by SIGHUP",
           "accept: %s" % c["accept"], "nflog-group: %d" % c["nflog"],
           "protected-prefixes: [ %s ]" % ", ".join('"%s"' % p for p in c["protected"])]
    if c["scope"]:
        out += ['import-route-targets: [ "65000:10" ]',
                "apply-untargeted: %s" % ("true" if c["untargeted"] else "false")]
    out += ["redirect:", "  map:", '    "65000:100": %d' % REDIRECT_TABLE]
    return "\n".join(out) + "\n"


# ------------------------------------------------------------ processes ----
ENV = dict(os.environ, LC_ALL="C")


def run(argv, input=None, timeout=60):
    p = subprocess.run(argv, input=input.encode() if isinstance(input, str) else input,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=ENV, timeout=timeout)
    return p.returncode, p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")


def nsrun(ns, argv, input=None, timeout=60):
    return run(["nsenter", "--net=/run/netns/" + ns] + argv, input, timeout)


def runs(cmds, timeout=60):
    """Runs the commands (argv lists) at once; [(rc, stdout, stderr)] in order.  Output
    goes to files: a command holding the xtables lock must never wait on a full pipe
    that is read only after another command that waits for the lock."""
    ps = []
    for c in cmds:
        o, e = tempfile.TemporaryFile(), tempfile.TemporaryFile()
        ps.append((subprocess.Popen(c, stdout=o, stderr=e, env=ENV), o, e))
    out = []
    for p, o, e in ps:
        p.wait(timeout=timeout)
        o.seek(0)
        e.seek(0)
        out.append((p.returncode, o.read().decode(errors="replace"), e.read().decode(errors="replace")))
        o.close()
        e.close()
    return out


def ns(ns_name, argv):
    return ["nsenter", "--net=/run/netns/" + ns_name] + argv


def must(argv, what=None):
    rc, out, err = run(argv)
    if rc != 0:
        raise SystemExit("setup failed: %s: %s" % (what or " ".join(argv), err.strip()))
    return out


def rc_text(rc):
    if rc < 0:
        try:
            return "killed by %s" % signal.Signals(-rc).name
        except ValueError:
            return "killed by signal %d" % -rc
    return "exit %d" % rc


libc = ctypes.CDLL("libc.so.6", use_errno=True)
CLONE_NEWNET = 0x40000000


def socket_in(ns, iface):
    """An AF_PACKET socket bound to iface in namespace ns (setns on this thread, then back)."""
    home = os.open("/proc/self/ns/net", os.O_RDONLY)
    fd = os.open("/run/netns/" + ns, os.O_RDONLY)
    try:
        if libc.setns(fd, CLONE_NEWNET) != 0:
            raise SystemExit("setns %s: %s" % (ns, os.strerror(ctypes.get_errno())))
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
        s.setsockopt(socket.SOL_SOCKET, 33, 32 << 20)   # SO_RCVBUFFORCE: lose nothing
        s.bind((iface, 0))
    finally:
        libc.setns(home, CLONE_NEWNET)
        os.close(fd)
        os.close(home)
    return s


# ------------------------------------------------------ save text helpers ----
def tables(text):
    """iptables-save text -> {table: [lines]} without comments; rule counters kept apart."""
    out, cur = {}, None
    for l in text.splitlines():
        if l.startswith("#") or not l.strip():
            continue
        if l.startswith("*"):
            cur = l[1:]
            out[cur] = []
        elif l == "COMMIT":
            cur = None
        elif cur is not None:
            out[cur].append(l)
    return out


CTR = re.compile(r"^\[(\d+):(\d+)\] ")
POL = re.compile(r"^:(\S+) (\S+) \[(\d+):(\d+)\]$")


def strip(lines):
    out = []
    for l in lines:
        l = CTR.sub("", l)
        m = POL.match(l)
        out.append(":%s %s" % (m.group(1), m.group(2)) if m else l)
    return out


def is_ours_chain(c):
    return c.startswith(CHAIN)


def jumps_to_us(l):
    return re.search(r" -[jg] %s\S*( |$)" % CHAIN, l) is not None


def ours(lines):
    """Our chains, their rules, and the rules (elsewhere) that jump to them."""
    keep = []
    for l in lines:
        if l.startswith(":"):
            if is_ours_chain(l[1:].split()[0]):
                keep.append(l)
        elif l.startswith("-A "):
            if is_ours_chain(l.split()[1]) or jumps_to_us(l):
                keep.append(l)
    return keep


def udiff(a, b, na, nb, limit=60):
    d = list(difflib.unified_diff(a, b, na, nb, lineterm="", n=2))
    if len(d) > limit:
        d = d[:limit] + ["... (%d more diff lines)" % (len(d) - limit)]
    return "\n".join("    " + x for x in d)


def save_doc(tabs):
    """A restore document of {table: lines}, filter and mangle always present (so a
    restore replaces both)."""
    out = []
    for t in sorted(set(tabs) | {"filter", "mangle"}):
        out.append("*" + t)
        out += tabs.get(t, [])
        out.append("COMMIT")
    return "\n".join(out) + "\n"


def parse_status(text, fam):
    """status --json: one document {"routes": [...]} (each with "family"), or today's
    arrays (one per family, in -4/-6 order).  -> {(fam, route): entry}"""
    dec, i, docs = json.JSONDecoder(), 0, []
    text = text.strip()
    while i < len(text):
        d, j = dec.raw_decode(text, i)
        docs.append(d)
        i = j
        while i < len(text) and text[i] in " \n\r\t":
            i += 1
    out = {}
    for d in docs:
        routes = d.get("routes", []) if isinstance(d, dict) else d
        for e in routes:
            f = e.get("family", fam)
            out[(int(f), e["route"])] = e
    return out


# ----------------------------------------------------------------- probes ----
ROUTER_ADDRS = {int(ipaddress.ip_address(x)) for x in (
    "198.18.1.1", "198.18.2.1", "198.18.3.1", "2001:db8:c1::1", "2001:db8:5e::1", "2001:db8:5f::1")}


def bad_src(fam, s):
    """A source the router drops as a martian (or its own address)."""
    if s in ROUTER_ADDRS:
        return True
    if fam == 4:
        return s >> 24 in (0, 127) or s >> 28 >= 14 or \
            (s >> 8 in (0xc61201, 0xc61202, 0xc61203) and s & 0xff in (0, 255))
    return s >> 120 == 0xff or s >> 64 == 0 or s >> 118 == 0x3fa   # multicast, ::/64, fe80::/10

def l4_of(p):
    return p["off"] == 0


def min_len(p):
    n = 20 if p["fam"] == 4 else 40 + (8 if p.get("fh") else 0)
    if not l4_of(p):
        n += 8
    elif p["proto"] == 6:
        n += 20
    elif p["proto"] in (17, 1, 58):
        n += 8
    return n + len(TAG) + 4


def probe_line(pid, p):
    return ("%d %d src=%s dst=%s proto=%d sport=%d dport=%d type=%d code=%d flags=%d len=%d "
            "dscp=%d df=%d mf=%d off=%d fh=%d fl=%d" %
            (pid, p["fam"], p["src"], p["dst"], p["proto"], p["sport"], p["dport"], p["type"],
             p["code"], p["flags"], p["len"], p["dscp"], p["df"], p["mf"], p["off"],
             p.get("fh", 0), p["fl"]))


def probe_desc(p):
    frag = ("" if not (p["mf"] or p["off"] or p.get("fh")) else
            " frag(mf=%d off=%d%s)" % (p["mf"], p["off"], " fh" if p.get("fh") else ""))
    return ("IPv%d proto %d %s:%d -> %s:%d len %d dscp %d flags 0x%02x icmp %d/%d%s%s%s" %
            (p["fam"], p["proto"], p["src"], p["sport"], p["dst"], p["dport"], p["len"], p["dscp"],
             p["flags"], p["type"], p["code"], " df" if p["df"] else "", frag,
             " fl=%d" % p["fl"] if p["fam"] == 6 else ""))


def build_frame(p, pid):
    from scapy.layers.inet import IP, TCP, UDP
    from scapy.layers.inet6 import IPv6, IPv6ExtHdrFragment
    from scapy.layers.l2 import Ether
    from scapy.packet import Raw
    tag = TAG + struct.pack("!I", pid)
    v6 = p["fam"] == 6
    if v6:
        net = IPv6(src=p["src"], dst=p["dst"], tc=p["dscp"] << 2, fl=p["fl"], hlim=64)
        if p.get("fh"):
            net = net / IPv6ExtHdrFragment(nh=p["proto"], offset=p["off"], m=p["mf"], id=pid)
        else:
            net.nh = p["proto"]
    else:
        net = IP(src=p["src"], dst=p["dst"], tos=p["dscp"] << 2, ttl=64, id=pid & 0xffff,
                 flags=(2 if p["df"] else 0) | (1 if p["mf"] else 0), frag=p["off"],
                 proto=p["proto"])
    if not l4_of(p):      # a non-first fragment: bytes that look like ports, no L4 header
        pkt = net / Raw(struct.pack("!HHHH", p["sport"], p["dport"], 0, 0))
    elif p["proto"] == 6:
        pkt = net / TCP(sport=p["sport"], dport=p["dport"], flags=p["flags"], seq=1, window=1024)
    elif p["proto"] == 17:
        pkt = net / UDP(sport=p["sport"], dport=p["dport"])
    elif p["proto"] in (1, 58) and v6 == (p["proto"] == 58):
        # an 8-byte ICMP header whatever the type (scapy's ICMP grows to 20 bytes for a
        # timestamp, type 13/14); a router forwards it without reading the checksum
        pkt = net / Raw(struct.pack("!BBHI", p["type"], p["code"], 0, 0))
    else:
        pkt = net
    size = len(bytes(pkt / Raw(tag)))
    pay = tag + b"." * (p["len"] - size)
    data = bytes(Ether(src=S_MAC, dst=R_S_MAC, type=0x86DD if v6 else 0x0800) / pkt / Raw(pay))
    if len(data) - 14 != p["len"]:
        raise RuntimeError("probe %d: built %d bytes, not %d: %s (%r)" %
                           (pid, len(data) - 14, p["len"], probe_desc(p), p))
    return data


class Failure(Exception):
    pass


# ------------------------------------------------------------------ test ----
class Test:
    def __init__(self, a):
        self.a = a
        self.inj = a.injector
        self.oracle = a.oracle
        self.seed = a.seed
        self.rng = random.Random(a.seed)
        self.gen = Gen(self.rng, not a.no_ecn_flags)
        self.exa = Exa()
        self.tmp = tempfile.mkdtemp(prefix="fsacl-stateful.")
        os.chmod(self.tmp, 0o755)
        ENV["XTABLES_LOCKFILE"] = os.path.join(self.tmp, "xtables.lock")
        self.cfg_path = os.path.join(self.tmp, "injector.yaml")
        self.state_dir = os.path.join(self.tmp, "state")
        self.log_path = os.path.join(self.tmp, "injector.log")
        self.proc = None
        self.log_off = 0
        self.lines_in = 0            # lines written to the running injector
        self.events = 0
        self.bursts = 0
        self.commits = 0
        self.restarts = self.sighups = self.writes = self.checkpoints = 0
        self.probes = self.rate_tests = 0
        self.fails = {}              # check -> [count, first where]
        self.stats = {}              # check -> runs
        self.cfg = make_config(self.rng)
        self.foreign = {}            # (fam, table) -> [rule lines]: the other writer's chains
        self.other_n = 0
        self.texts = {}              # route key -> canonical text (from the oracle)
        self.plan = {}               # (fam, text) -> (state, action, idx)
        self.plan_prev = {}
        self.expect_cache = None
        self.snap = None             # the last counters snapshot
        self.wtables = set()         # (family, table) the other writer wrote in this burst
        self.pending_rate = []       # rate changes waiting for the next checkpoint
        self.new_rate = []           # rate changes of this burst (validated at its check)
        self.where = ""
        self.dead = False
        self.times = {}

    # ---------------------------------------------------------- reporting --
    def say(self, msg):
        print(msg, flush=True)

    def fail(self, check, msg, detail="", sig=None):
        """One failed check.  A failure whose message (numbers aside) was already
        shown is only counted; the summary lists every distinct one."""
        n = self.fails.setdefault(check, [0, self.where, {}])
        n[0] += 1
        sig = sig or re.sub(r"\d+", "#", msg)
        d = n[2].setdefault(sig, [0, self.where, self.where, msg])
        d[0] += 1
        d[2] = self.where
        if self.a.verbose:
            self.say("FAIL [%s] %s: %s" % (check, self.where, msg))
            if detail:
                self.say(detail)
        elif d[0] == 1:
            if len(n[2]) <= DETAIL_PER_CHECK:
                self.say("FAIL [%s] %s: %s" % (check, self.where, msg))
                if detail:
                    self.say(detail)
            elif len(n[2]) <= DETAIL_PER_CHECK + LINES_PER_CHECK:
                self.say("FAIL [%s] %s: %s" % (check, self.where, msg))
        if self.a.fail_fast:
            raise Failure()

    def ran(self, check):
        self.stats[check] = self.stats.get(check, 0) + 1

    # ---------------------------------------------------------------- lab --
    def setup(self):
        for ns in ALL_NS:
            must(["ip", "netns", "add", ns])
            must(["ip", "-n", ns, "link", "set", "lo", "up"])
        for ns in (NS_R, NS_S, NS_K):
            must(["ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv4.ip_forward=0",
                  "net.ipv4.conf.all.rp_filter=0", "net.ipv4.conf.default.rp_filter=0",
                  "net.ipv6.conf.all.accept_dad=0", "net.ipv6.conf.default.accept_dad=0",
                  "net.ipv6.conf.default.accept_ra=0", "net.ipv6.conf.all.forwarding=0"])
        must(["ip", "netns", "exec", NS_R, "sysctl", "-qw", "net.ipv4.ip_forward=1",
              "net.ipv6.conf.all.forwarding=1"])
        for n1, i1, m1, n2, i2, m2 in ((NS_S, "s0", S_MAC, NS_R, "r-snd", R_S_MAC),
                                       (NS_K, "k0", K_MAC, NS_R, "r-snk", R_K_MAC),
                                       (NS_K, "k1", K1_MAC, NS_R, "r-snk2", R_K1_MAC)):
            must(["ip", "link", "add", i1, "address", m1, "netns", n1, "type", "veth", "peer",
                  "name", i2, "address", m2, "netns", n2])
            for ns, i in ((n1, i1), (n2, i2)):
                must(["ip", "-n", ns, "link", "set", "dev", i, "addrgenmode", "none", "mtu", str(MTU)])
                must(["ip", "-n", ns, "link", "set", "dev", i, "up"])
        for ns, i, a in ((NS_S, "s0", "198.18.1.2/24"), (NS_S, "s0", "2001:db8:c1::2/64"),
                         (NS_R, "r-snd", "198.18.1.1/24"), (NS_R, "r-snd", "2001:db8:c1::1/64"),
                         (NS_K, "k0", "198.18.2.2/24"), (NS_K, "k0", "2001:db8:5e::2/64"),
                         (NS_R, "r-snk", "198.18.2.1/24"), (NS_R, "r-snk", "2001:db8:5e::1/64"),
                         (NS_K, "k1", "198.18.3.2/24"), (NS_K, "k1", "2001:db8:5f::2/64"),
                         (NS_R, "r-snk2", "198.18.3.1/24"), (NS_R, "r-snk2", "2001:db8:5f::1/64")):
            must(["ip", "-n", ns, "addr", "add", a, "dev", i] + (["nodad"] if ":" in a else []))
        for a, mac, dev in (("198.18.2.2", K_MAC, "r-snk"), ("2001:db8:5e::2", K_MAC, "r-snk"),
                            ("198.18.3.2", K1_MAC, "r-snk2"), ("2001:db8:5f::2", K1_MAC, "r-snk2")):
            must(["ip", "-n", NS_R, "neigh", "replace", a, "lladdr", mac, "dev", dev, "nud",
                  "permanent"])
        must(["ip", "-n", NS_R, "route", "add", str(ROUTED4), "via", "198.18.2.2"])
        must(["ip", "-n", NS_R, "-6", "route", "add", str(ROUTED6), "via", "2001:db8:5e::2"])
        # the redirect map's table: the same destinations through the sink's second link
        must(["ip", "-n", NS_R, "route", "add", str(ROUTED4), "via", "198.18.3.2", "table",
              str(REDIRECT_TABLE)])
        must(["ip", "-n", NS_R, "-6", "route", "add", str(ROUTED6), "via", "2001:db8:5f::2",
              "table", str(REDIRECT_TABLE)])
        for t in ("iptables-legacy", "ip6tables-legacy"):
            must(["nsenter", "--net=/run/netns/" + NS_K, t, "-P", "INPUT", "DROP"])
        # the other writer's chains, jumped to after ours (ours is inserted at position 1)
        for fam in (4, 6):
            ipt = "iptables-legacy" if fam == 4 else "ip6tables-legacy"
            net = str(ROUTED4 if fam == 4 else ROUTED6)
            for table, chain, hook in (("filter", "OTHER", "FORWARD"),
                                       ("mangle", "OTHERM", "POSTROUTING")):
                for cmd in (["-N", chain], ["-A", hook, "-j", chain], ["-A", chain, "-d", net]):
                    must(["nsenter", "--net=/run/netns/" + NS_R, ipt, "-w", "-t", table] + cmd)
                self.foreign[(fam, table)] = ["-A %s -d %s" % (chain, net)]
        os.makedirs(self.state_dir)
        self.tx = socket_in(NS_S, "s0")
        self.rx = [socket_in(NS_K, "k0"), socket_in(NS_K, "k1")]
        for s in self.rx:
            s.setblocking(False)

    def teardown(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        for ns in ALL_NS:
            rc, out, _ = run(["ip", "netns", "pids", ns])
            for p in out.split():
                try:
                    os.kill(int(p), signal.SIGKILL)
                except (ProcessLookupError, ValueError):
                    pass
            run(["ip", "netns", "del", ns])
        if self.a.keep:
            self.say("# kept %s" % self.tmp)
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)

    # ----------------------------------------------------------- injector --
    def write_config(self):
        tmp = self.cfg_path + ".tmp"
        with open(tmp, "w") as f:
            f.write(config_text(self.cfg))
        os.rename(tmp, self.cfg_path)

    def start(self):
        self.exa.reset()
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            ["ip", "netns", "exec", NS_R, self.inj, "-c", self.cfg_path, "--state-dir",
             self.state_dir, "--window", str(WINDOW_MS), "--max-delay", str(MAX_DELAY_MS),
             "--hold", str(HOLD_MS), "--lock-wait", "10000"],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=log, env=ENV)
        log.close()
        self.lines_in = 0

    def alive(self):
        if self.proc.poll() is not None:
            self.dead = True
            self.fail("injector", "the injector exited (%s)" % rc_text(self.proc.returncode),
                      "    last log lines:\n" + "\n".join("    " + l for l in self.log_tail(15)))
            raise Failure()

    def log_tail(self, n):
        with open(self.log_path, errors="replace") as f:
            return f.read().splitlines()[-n:]

    def feed(self, lines):
        if not lines:
            return
        with open(os.path.join(self.tmp, "feed.jsonl"), "a") as f:
            f.write("# %s\n%s\n" % (self.where, "\n".join(lines)))
        try:
            self.proc.stdin.write(("\n".join(lines) + "\n").encode())
            self.proc.stdin.flush()
        except BrokenPipeError:
            self.alive()
        self.lines_in += len(lines)

    def new_log(self):
        with open(self.log_path, "rb") as f:
            f.seek(self.log_off)
            data = f.read()
        cut = data.rfind(b"\n") + 1
        self.log_off += cut
        lines = data[:cut].decode(errors="replace").splitlines()
        self.commits += sum(1 for l in lines if re.search(r"IPv[46] committed", l))
        for l in lines:
            # "flowspec-injector: " starts each line (older builds: nothing)
            if re.match(r"(?:flowspec-injector: )?(warning|error): stdin:\d+", l):
                self.fail("input", "the injector rejected a generated line: " + l[:300])
            elif "commit failed" in l or re.match(r"(?:flowspec-injector: )?error: ", l):
                self.fail("commit", "the injector logged: " + l[:400])
        return lines

    def wait_commit(self, need, timeout, what="waiting for commits"):
        t0 = time.monotonic()
        try:
            n = self.wait_commit1(need, timeout)
            if n == 0:
                self.times["bursts with no commit"] = self.times.get("bursts with no commit", 0) + 1
            return n
        finally:
            self.timed(what, t0)

    def wait_commit1(self, need, timeout):
        """Waits for commits that cover every line written so far, then for QUIET.
        Returns the number of commits seen."""
        seen, last, t_end = 0, None, time.monotonic() + timeout
        covered = False
        while True:
            now = time.monotonic()
            for l in self.new_log():
                if "commit failed" in l:     # an attempt too (reported by new_log)
                    seen, last, covered = seen + 1, now, True
                    continue
                m = re.search(r"IPv([46]) committed", l)
                if not m:
                    continue
                seen += 1
                last = now
                t = re.search(r"through input line (\d+)", l)
                if t is None or int(t.group(1)) >= need:
                    covered = True
            if covered and now - last >= QUIET:
                return seen
            if not covered and now > t_end:
                return seen
            if self.proc.poll() is not None:
                self.alive()
            time.sleep(0.01)

    # ------------------------------------------------------------- model --
    def desired(self):
        """key -> (Route, actions, neighbor): the applied route of every NLRI (the lowest
        neighbor address, in string order, wins)."""
        out = {}
        for nb in sorted(NEIGHBORS, key=lambda n: n.peer):
            if nb.up:
                for key, (r, acts) in nb.rib.items():
                    out.setdefault(key, (r, acts, nb))
        return out

    def want_file(self):
        lines, where = [], []
        exa = Exa()
        for nb in sorted(NEIGHBORS, key=lambda n: n.peer):
            if nb.up:
                ls, w = exa.session(nb)
                where += [(len(lines) + i, k, key) for i, k, key in w]
                lines += ls
        return lines, where

    # ---------------------------------------------------------- expected --
    def expected(self):
        """Writes the desired state, runs the oracle (texts, plan) and the dry runs
        restored into the scratch namespace.  -> {fam: {table: [lines]}}"""
        lines, where = self.want_file()
        cfg = config_text(self.cfg)
        key = ("\n".join(lines), cfg)
        self.want_path = os.path.join(self.tmp, "want.jsonl")
        with open(self.want_path, "w") as f:
            f.write("\n".join(lines) + ("\n" if lines else ""))
        if self.expect_cache is not None and self.expect_cache[0] == key:
            self.plan_prev = self.plan
            return self.expect_cache[1]
        # the oracle and both dry runs at once
        (rc, out, err), d4, d6 = runs([
            [self.oracle, "-c", self.cfg_path, "-i", self.want_path],
            [self.inj, "-q", "--dry-run", "-4", "-c", self.cfg_path, "-i", self.want_path],
            [self.inj, "-q", "--dry-run", "-6", "-c", self.cfg_path, "-i", self.want_path]])
        if rc != 0:
            self.fail("oracle", "fs_oracle failed (%s): %s" % (rc_text(rc), err.strip()[:600]))
            raise Failure()
        nl = {}
        self.plan_prev, self.plan = self.plan, {}
        for l in out.splitlines():
            w = l.split(" ", 3)
            if w[0] == "nlri":
                nl[(int(w[1]), int(w[2]))] = w[3]
            elif w[0] == "route":
                state, text, act = w[3].split("\t")
                self.plan[(int(w[1]), text)] = (state, act, int(w[2]))
        for i, k, rk in where:
            self.texts[rk] = nl[(i + 1, k)]
        exp = {}
        for fam, (rc, doc, err) in ((4, d4), (6, d6)):
            if rc != 0:
                self.fail("expected", "the dry run -%d of the desired state failed (%s)" %
                          (fam, rc_text(rc)), "    " + err.strip())
                exp[fam] = None
                continue
            restore = "iptables-legacy-restore" if fam == 4 else "ip6tables-legacy-restore"
            rc, _, err = nsrun(NS_REF, [restore], save_doc(tables(doc)))
            if rc != 0:
                self.fail("expected", "%s refused the dry-run document -%d (%s)" %
                          (restore, fam, rc_text(rc)), "    " + err.strip())
                exp[fam] = None
                continue
            save = "iptables-legacy-save" if fam == 4 else "ip6tables-legacy-save"
            rc, out, err = nsrun(NS_REF, [save])
            if rc != 0:
                self.fail("expected", "%s in the scratch namespace: %s" % (save, rc_text(rc)),
                          "    " + err.strip())
                exp[fam] = None
                continue
            exp[fam] = {t: strip(ls) for t, ls in tables(out).items()}
        self.expect_cache = (key, exp)
        return exp

    # ---------------------------------------------------------- the live --
    def live(self, fam):
        """The router's tables read by the host's tools: save -c, -S, -L.
        -> (tables with counters or None, {tool: (rc, out, err)})"""
        ipt = "iptables-legacy" if fam == 4 else "ip6tables-legacy"
        res = dict(zip(("save", "S", "S mangle", "L"), runs([
            ns(NS_R, [ipt + "-save", "-c"]), ns(NS_R, [ipt, "-w", "-S"]),
            ns(NS_R, [ipt, "-w", "-t", "mangle", "-S"]), ns(NS_R, [ipt, "-w", "-L", "-n", "-v", "-x"])])))
        tabs = tables(res["save"][1]) if res["save"][0] == 0 else None
        return tabs, res

    # -------------------------------------------------------------- checks --
    def check_state(self, exp, live, label="state", retry=True):
        """(a) our chains and jumps in the live tables equal the dry run's, and our jumps
        come first in their hook chains.  Re-reads for up to 2 s before failing."""
        if all(exp.get(f) is None for f in (4, 6)):
            return live        # nothing to compare with ("expected" failed)
        self.ran(label)
        deadline = time.monotonic() + (2.0 if retry else 0)
        while True:
            bad = []
            for fam in (4, 6):
                if exp.get(fam) is None:
                    continue
                tabs = live[fam][0]
                if tabs is None:
                    bad.append((fam, "save", "iptables-save failed: %s" % rc_text(live[fam][1]["save"][0]), ""))
                    continue
                for t in ("filter", "mangle"):
                    want = ours(exp[fam].get(t, []))
                    got_all = strip(tabs.get(t, []))
                    got = ours(got_all)
                    if got != want:
                        bad.append((fam, t, "our chains differ from the dry run of the desired state",
                                    udiff(want, got, "dry run (restored, saved)", "live (saved)")))
                        continue
                    for hook in sorted({l.split()[1] for l in want if l.startswith("-A ") and
                                        not is_ours_chain(l.split()[1])}):
                        mine = [l for l in want if l.startswith("-A %s " % hook)]
                        rules = [l for l in got_all if l.startswith("-A %s " % hook)]
                        if rules[:len(mine)] != mine:
                            bad.append((fam, t, "our jump is not the first rule of %s" % hook,
                                        "\n".join("    " + l for l in rules[:5])))
            if not bad or time.monotonic() > deadline:
                break
            time.sleep(0.2)
            live = {f: self.live(f) for f in (4, 6)}
        for fam, t, msg, d in bad:
            self.fail(label, "IPv%d %s: %s" % (fam, t, msg), d)
        return live

    def check_tools(self, live):
        """(b) the host's tools: -S, -L and -save exit 0; their output passes restore --test;
        restored into a fresh namespace and read again it gives the same text."""
        self.ran("tools")
        for fam in (4, 6):
            ipt = "iptables-legacy" if fam == 4 else "ip6tables-legacy"
            tabs, res = live[fam]
            crashed = False
            for tool, (rc, out, err) in res.items():
                if rc != 0:
                    crashed = True
                    cmd = {"save": ipt + "-save -c", "S": ipt + " -S", "S mangle":
                           ipt + " -t mangle -S", "L": ipt + " -L -n -v -x"}[tool]
                    self.fail("tools", "IPv%d: `%s` in the router namespace: %s" %
                              (fam, cmd, rc_text(rc)), "    " + (err.strip() or "(no stderr)")[:800])
            if crashed:
                continue
            restore = ipt + "-restore"
            sdoc = save_doc({t: strip(ls) for t, ls in tabs.items()})
            Sdoc = save_doc({"filter": res["S"][1].splitlines(),
                             "mangle": res["S mangle"][1].splitlines()})
            for name, doc in (("the -save output", sdoc), ("the -S output", Sdoc)):
                rc, _, err = nsrun(NS_RT, [restore, "--test"], doc)
                if rc != 0:
                    self.fail("tools", "IPv%d: `%s --test` rejects %s (%s)" % (fam, restore, name, rc_text(rc)),
                              "    " + err.strip()[:800])
            # save round trip
            rc, _, err = nsrun(NS_RT, [restore], sdoc)
            if rc != 0:
                self.fail("tools", "IPv%d: `%s` cannot load the -save output (%s)" % (fam, restore, rc_text(rc)),
                          "    " + err.strip()[:800])
                continue
            rc, out, err = nsrun(NS_RT, [ipt + "-save"])
            if rc != 0:
                self.fail("tools", "IPv%d: %s-save of the restored copy: %s" % (fam, ipt, rc_text(rc)))
                continue
            a = [l for t in sorted(tabs) for l in ["*" + t] + strip(tabs[t])]
            rt = tables(out)
            b = [l for t in sorted(rt) for l in ["*" + t] + strip(rt[t])]
            if a != b:
                self.fail("tools", "IPv%d: the -save output restored into a fresh namespace and "
                          "saved again differs" % fam, udiff(a, b, "router save", "restored and saved"))

    def check_foreign(self, live):
        """The other writer's chains hold exactly its rules, in order, and stay jumped to."""
        self.ran("foreign")
        for fam in (4, 6):
            tabs = live[fam][0]
            if tabs is None:
                continue
            for table, chain, hook in (("filter", "OTHER", "FORWARD"), ("mangle", "OTHERM", "POSTROUTING")):
                got = [l for l in strip(tabs.get(table, [])) if l.startswith("-A %s " % chain)]
                want = self.foreign[(fam, table)]
                if got != want:
                    self.fail("foreign", "IPv%d %s: the other writer's chain %s is not what it wrote"
                              % (fam, table, chain), udiff(want, got, "written", "live"))
                if "-A %s -j %s" % (hook, chain) not in strip(tabs.get(table, [])):
                    self.fail("foreign", "IPv%d %s: the jump -A %s -j %s is gone" % (fam, table, hook, chain))

    def status(self):
        out = {}
        res = runs([ns(NS_R, [self.inj, "-q", "status", "--json", "-%d" % fam, "--state-dir",
                              self.state_dir, "-c", self.cfg_path]) for fam in (4, 6)])
        for fam, (rc, text, err) in zip((4, 6), res):
            if rc != 0:
                self.fail("counters", "`flowspec-injector status --json -%d` failed (%s)" % (fam, rc_text(rc)),
                          "    " + err.strip()[:800])
                return None
            try:
                out.update(parse_status(text, fam))
            except (ValueError, KeyError) as e:
                self.fail("counters", "status --json -%d is not JSON we can read: %s" % (fam, e),
                          "    " + text[:400])
                return None
        return out

    def snapshot(self, live):
        st = self.status()
        pol, frn = {}, {}
        for fam in (4, 6):
            tabs = live[fam][0]
            if tabs is None:
                return None
            for t, ls in tabs.items():
                for l in ls:
                    m = POL.match(l)
                    if m and m.group(2) != "-":
                        pol[(fam, t, m.group(1))] = (int(m.group(3)), int(m.group(4)))
                    m = CTR.match(l)
                    if m and l[m.end():].split()[1] in ("OTHER", "OTHERM"):
                        frn[(fam, t, l[m.end():])] = (int(m.group(1)), int(m.group(2)))
        return {"routes": st, "policy": pol, "foreign": frn, "places": self.places()}

    def places(self):
        """(fam, route text) -> its counting rules (chain:pos,...) from the state files,
        to say in a counters failure where the route's rules were and went."""
        out = {}
        for fam in (4, 6):
            try:
                with open(os.path.join(self.state_dir, "%s.v%d" % (CHAIN, fam))) as f:
                    for l in f:
                        w = l.rstrip("\n").split("\t")
                        if not l.startswith("#") and len(w) >= 5:
                            out[(fam, w[2])] = w[4]
            except OSError:
                pass
        return out

    def check_counters(self, snap, touched, all_touched):
        """(c) counters of routes the commit did not touch, the built-in chains' policy
        counters and the other writer's rule counters never go backwards."""
        self.ran("counters")
        prev = self.snap
        if prev is None or snap is None:
            return
        if prev["routes"] is not None and snap["routes"] is not None:
            back = []
            for k, e in sorted(snap["routes"].items()):
                p = prev["routes"].get(k)
                if p is None or k[1] in touched or all_touched(k, e):
                    continue
                if p.get("state") != e.get("state") or p.get("action") != e.get("action"):
                    continue
                for f in ("packets", "bytes", "dropped_packets", "dropped_bytes"):
                    if f in e and f in p and e[f] < p[f]:
                        back.append("IPv%d %s => %s: %s %d -> %d (counting rules %s -> %s)" %
                                    (k[0], k[1], e.get("action"), f, p[f], e[f],
                                     prev["places"].get(k, "?"), snap["places"].get(k, "?")))
            if back:
                self.fail("counters", "%d route(s) untouched by this commit lost counts (status)" % len(back),
                          "\n".join("    " + b for b in back[:20]))
        for what, name in (("policy", "built-in chain policy"), ("foreign", "other writer's rule")):
            back = ["IPv%d %s %s: %s -> %s" % (k[0], k[1], k[2], prev[what][k], v)
                    for k, v in sorted(snap[what].items())
                    if k in prev[what] and (v[0] < prev[what][k][0] or v[1] < prev[what][k][1])
                    and not (what == "policy" and (k[0], k[1]) in self.wtables)]
            if back:
                self.fail("counters", "%s counters went backwards" % name,
                          "\n".join("    " + b for b in back[:20]))

    def timed(self, what, t0):
        self.times[what] = self.times.get(what, 0.0) + time.monotonic() - t0

    def check_after(self, touched_keys, sighup_old=None, label="state"):
        """Every check after a commit."""
        t0 = time.monotonic()
        exp = self.expected()
        self.timed("expected", t0)
        t0 = time.monotonic()
        live = {f: self.live(f) for f in (4, 6)}
        live = self.check_state(exp, live, label)
        self.timed("state", t0)
        t0 = time.monotonic()
        self.check_tools(live)
        self.check_foreign(live)
        self.timed("tools", t0)
        t0 = time.monotonic()
        touched = {self.texts[k] for k in touched_keys if k in self.texts}
        acc_changed = sighup_old is not None and sighup_old["accept"] != self.cfg["accept"]
        nflog_changed = sighup_old is not None and sighup_old["nflog"] != self.cfg["nflog"]

        def all_touched(k, e):
            act = e.get("action", "")
            if acc_changed and not re.fullmatch(r"rate-(bytes|packets) 0(, rt \S+)*", act):
                return True
            return nflog_changed and "sample" in act
        snap = self.snapshot(live)
        self.check_counters(snap, touched, all_touched)
        self.snap = snap
        self.timed("counters", t0)
        # rate changes of this burst are tested at the next checkpoint when the old
        # rate was installed before and the new one is installed now
        for key, old, new in self.new_rate:
            t = self.texts.get(key)
            p, n = self.plan_prev.get((key[0], t)), self.plan.get((key[0], t))
            if t and p and n and p[0] == "installed" and n[0] == "installed" and p[1] != n[1]:
                self.pending_rate = [x for x in self.pending_rate if x[0] != key] + [(key, old, new)]
        self.new_rate = []

    # ------------------------------------------------------------- events --
    def pick_up(self, fams=(4, 6)):
        ups = [nb for nb in NEIGHBORS if nb.up and any(f in nb.fams for f in fams)]
        return self.rng.choice(ups) if ups else None

    def gen_burst(self):
        """One burst: events applied to the model, and what to do: lines for the
        injector, the other writer's commands, and at most one SIGHUP or restart
        (which ends the burst).  Only the RNG and the model decide."""
        r = self.rng
        n = r.randint(1, 20)
        b = {"lines": [], "writer": [], "sighup": None, "restart": False, "events": 0,
             "touched": set(), "kinds": {}}
        start_keys = {nb.peer: dict(nb.rib) for nb in NEIGHBORS}
        while b["events"] < n:
            kind = r.choices(("announce", "withdraw", "change", "rate", "down", "up", "noise",
                              "sighup", "restart", "writer"),
                             weights=(26, 12, 20, 4, 2, 3, 1, 1.2, 0.6, 6))[0]
            b["kinds"][kind] = b["kinds"].get(kind, 0) + 1
            if kind == "restart":
                b["restart"] = True
                b["events"] += 1
                break
            if kind == "sighup":
                old = dict(self.cfg)
                for _ in range(10):
                    self.cfg = make_config(r)
                    if self.cfg != old:
                        break
                b["sighup"] = old
                b["events"] += 1
                break
            if kind == "writer":
                self.writer_event(b)
                b["events"] += 1
                continue
            if kind == "down":
                ups = [nb for nb in NEIGHBORS if nb.up]
                if len(ups) >= 2:
                    nb = r.choice(ups)
                    b["lines"].append(self.exa.state(nb, "down", r.choice(DOWN_REASONS)))
                    nb.up = False
                    b["touched"] |= set(nb.rib)
                    b["events"] += 1
                    continue
                kind = "announce"
            if kind in ("up", "noise"):
                downs = [nb for nb in NEIGHBORS if not nb.up]
                if downs:
                    nb = r.choice(downs)
                    if kind == "noise":   # a reconnect attempt that fails
                        b["lines"] += [self.exa.state(nb, "connected"), self.exa.state(
                            nb, "down", "peer reset, message () error(Broken TCP connection)")]
                    else:
                        ls, _ = self.exa.session(nb, r)
                        b["lines"] += ls
                        nb.up = True
                        b["touched"] |= set(nb.rib)
                    b["events"] += 1
                    continue
                kind = "announce"
            nb = self.pick_up()
            fam = r.choice(nb.fams)
            mine = sorted(k for k in nb.rib if k[0] == fam)
            if kind == "rate":
                # a rate changed in place, low <-> high, on a route installed before this burst
                cands = [k for k in sorted(start_keys[nb.peer]) if k[0] == fam and k in nb.rib and
                         nb.rib[k] == start_keys[nb.peer][k] and
                         any(rate_of(nb.rib[k][1]) in ((p[0], p[1]), (p[0], p[2])) for p in RATE_PAIRS)]
                if cands:
                    k = r.choice(cands)
                    rt, acts = nb.rib[k]
                    kd, v = rate_of(acts)
                    pair = [p for p in RATE_PAIRS if p[0] == kd and v in p[1:]][0]
                    nv = pair[2] if v == pair[1] else pair[1]
                    new = tuple((a[0], nv) + a[2:] if a[0] == kd else a for a in acts)
                    nb.rib[k] = (rt, new)
                    b["lines"].append(self.exa.announce(nb, [rt], new))
                    b["touched"].add(k)
                    self.new_rate.append((k, v, nv))
                    b["events"] += 1
                    continue
                # none yet: announce a new route with one of the pair's rates
                p = r.choice(RATE_PAIRS)
                acts = ((p[0], r.choice(p[1:]), 0) if p[0] == "rate-b" else (p[0], r.choice(p[1:])),)
                rts = [self.gen.route(fam)]
                k = rts[0].key()
                if k in nb.rib:
                    continue
                nb.rib[k] = (rts[0], acts)
                b["lines"].append(self.exa.announce(nb, rts, acts))
                b["touched"].add(k)
                b["events"] += 1
                continue
            if kind == "withdraw" and mine:
                ks = r.sample(mine, min(len(mine), r.choice((1, 1, 1, 2, 4))))
                b["lines"].append(self.exa.withdraw(nb, [nb.rib[k][0] for k in ks]))
                for k in ks:
                    del nb.rib[k]
                    b["touched"].add(k)
                b["events"] += len(ks)
                continue
            if kind == "change" and mine:
                k = r.choice(mine)
                rt, acts = nb.rib[k]
                new = self.gen.actions(not_this=acts)
                nb.rib[k] = (rt, new)
                b["lines"].append(self.exa.announce(nb, [rt], new))
                b["touched"].add(k)
                b["events"] += 1
                continue
            # announce: new NLRIs (sometimes one another neighbor has), packed
            acts = self.gen.actions()
            rts = []
            for _ in range(r.choice((1, 1, 1, 1, 2, 3, 6))):
                others = [k for o in NEIGHBORS if o is not nb for k in o.rib if k[0] == fam]
                if others and r.random() < 0.12:
                    o = [x for x in NEIGHBORS if x is not nb and any(k[0] == fam for k in x.rib)]
                    src = r.choice(o)
                    rt = src.rib[r.choice(sorted(k for k in src.rib if k[0] == fam))][0]
                else:
                    rt = self.gen.route(fam)
                if rt.key() not in nb.rib and rt.key() not in {x.key() for x in rts}:
                    rts.append(rt)
            if not rts:
                continue
            for rt in rts:
                nb.rib[rt.key()] = (rt, acts)
                b["touched"].add(rt.key())
            b["lines"].append(self.exa.announce(nb, rts, acts))
            b["events"] += len(rts)
        return b

    def writer_event(self, b):
        r = self.rng
        fam = r.choice((4, 6))
        table = r.choice(("filter", "filter", "mangle"))
        chain = "OTHER" if table == "filter" else "OTHERM"
        rules = self.foreign[(fam, table)]
        mine = [x for x in rules if " -s " in x]
        if mine and r.random() < 0.35:
            rule = r.choice(mine)
            rules.remove(rule)
            cmd = ["-D"] + rule.split()[1:]
        else:
            self.other_n += 1
            n = self.other_n
            src = ("198.18.7.%d/32" % (n % 250 + 1) if fam == 4 else "2001:db8:7::%x/128" % (n + 1))
            spec = ["-s", src, "-p", "udp", "-m", "udp", "--dport", str(1000 + n), "-j", "RETURN"]
            rule = " ".join(["-A", chain] + spec)
            if r.random() < 0.3:
                rules.insert(0, rule)
                cmd = ["-I", chain, "1"] + spec
            else:
                rules.append(rule)
                cmd = ["-A", chain] + spec
        ipt = "iptables-legacy" if fam == 4 else "ip6tables-legacy"
        b["writer"].append(["nsenter", "--net=/run/netns/" + NS_R, ipt, "-w", "-t", table] + cmd)
        b.setdefault("wtables", set()).add((fam, table))

    # --------------------------------------------------------------- run --
    def run_writer(self, cmds, errs):
        for c in cmds:
            rc, _, err = run(c)
            if rc != 0:
                errs.append("%s: %s: %s" % (" ".join(c[2:]), rc_text(rc), err.strip()))

    def do_burst(self, b):
        self.bursts += 1
        self.where = "event %d (burst %d), commit %d" % (self.events + b["events"], self.bursts,
                                                         self.commits)
        errs = []
        th = None
        if b["writer"]:
            self.writes += len(b["writer"])
            th = threading.Thread(target=self.run_writer, args=(b["writer"], errs))
            th.start()
        self.feed(b["lines"])
        if b["sighup"] is not None:
            self.sighups += 1
            self.write_config()
            self.proc.send_signal(signal.SIGHUP)
        if th is not None:
            th.join()
        for e in errs:
            self.fail("foreign", "the other writer's iptables-legacy -w failed: " + e)
        # iptables-legacy itself (libiptc 1.8.9, netfilter bugzilla 912) zeroes the
        # built-in policy counters of the table it writes: those are not judged
        self.wtables = b.get("wtables", set())
        changed = bool(b["lines"]) or b["sighup"] is not None
        if changed:
            self.wait_commit(self.lines_in, 6.0 if self.want_changed() or b["sighup"] else 0.5)
        self.events += b["events"]
        self.where = "event %d (burst %d), commit %d" % (self.events, self.bursts, self.commits)
        self.check_after(b["touched"], b["sighup"])
        if b["restart"]:
            self.restart()

    def want_changed(self):
        lines, _ = self.want_file()
        return self.expect_cache is None or self.expect_cache[0][0] != "\n".join(lines)

    def restart(self):
        """kill -9, the kernel keeps the rules; a new injector gets each neighbor's full
        state then end-of-RIB, one neighbor at a time, as ExaBGP would; until the last
        one the kernel must keep every rule."""
        self.restarts += 1
        self.where = "event %d (burst %d, restart %d), commit %d" % (self.events, self.bursts,
                                                                     self.restarts, self.commits)
        self.proc.kill()
        self.proc.wait()
        try:
            self.proc.stdin.close()
        except BrokenPipeError:
            pass
        self.new_log()
        exp = self.expected()
        self.check_state(exp, {f: self.live(f) for f in (4, 6)}, "restart", retry=False)
        self.start()
        ups = sorted((nb for nb in NEIGHBORS if nb.up), key=lambda n: n.peer)
        self.rng.shuffle(ups)
        for i, nb in enumerate(ups):
            ls, _ = self.exa.session(nb, self.rng)
            self.feed(ls)
            if i < len(ups) - 1:
                t0 = time.monotonic()
                time.sleep(0.3)
                self.timed("waiting for restart commits", t0)
                self.where = ("event %d (restart %d: %d of %d neighbors re-sent, last %s), commit %d"
                              % (self.events, self.restarts, i + 1, len(ups), nb.peer, self.commits))
                self.new_log()
                self.check_state(exp, {f: self.live(f) for f in (4, 6)}, "restart", retry=False)
        self.wait_commit(self.lines_in, HOLD_MS / 1000.0 + 4, "waiting for restart commits")
        self.where = "event %d (after restart %d), commit %d" % (self.events, self.restarts, self.commits)
        self.check_after(set(), None)
        self.checkpoint()

    # -------------------------------------------------------- checkpoint --
    def checkpoint(self):
        """Real packets for a sample of routes, judged against the reference evaluator;
        rate changes judged by a burst; every route's counters grow exactly."""
        t0 = time.monotonic()
        try:
            self.checkpoint1()
        finally:
            self.timed("packets", t0)

    def checkpoint1(self):
        self.checkpoints += 1
        crng = random.Random(self.rng.getrandbits(64))
        self.ran("packets")
        want = self.desired()
        bytext = {}
        for k, (rt, acts, nb) in want.items():
            if k in self.texts:
                bytext[(k[0], self.texts[k])] = (rt, acts)
        installed = sorted(x for x, v in self.plan.items() if v[0] == "installed" and x in bytext)
        sample = []
        for fam in (4, 6):
            c = [x for x in installed if x[0] == fam]
            sample += crng.sample(c, min(len(c), 8))
        # candidates: 3 inside, 3 just outside a boundary, per sampled route
        cands = []
        for x in sample:
            rt = bytext[x][0]
            for inside in (True, True, True, False, False, False):
                p = self.make_probe(crng, rt, inside)
                if p is not None:
                    cands.append((x, inside, p))
        rates = []
        for key, old, new in self.pending_rate:
            t = self.texts.get(key)
            if t is None or (key[0], t) not in bytext or self.plan.get((key[0], t), ("",))[0] != "installed":
                continue
            cur = rate_of(bytext[(key[0], t)][1])
            if cur is None or cur[1] != new:
                continue
            rt = bytext[(key[0], t)][0]
            for _ in range(6):
                p = self.make_probe(crng, rt, True, rate=cur)
                if p is not None:
                    cands.append(((key[0], t), "rate", p))
            rates.append(((key[0], t), cur[0], old, new))
        self.pending_rate = []
        res = self.oracle_eval([p for _, _, p in cands])
        if res is None:
            return
        probes, chosen = [], set()
        for i, (x, inside, p) in enumerate(cands):
            v = res[i]
            idx = self.plan[x][2]
            hit = idx in v["match"]
            if (x, inside) in chosen:
                continue
            if inside == "rate":
                # the rate route decides the packet both ways: pass within, drop above
                if not hit or v["under"][3] != idx or v["over"][3] != idx or \
                        v["under"][0] == "drop" or v["over"][0] != "drop":
                    continue
            elif hit != inside:
                continue
            chosen.add((x, inside))
            probes.append((x, inside, p, v))
        self.send_and_judge(probes, rates)

    def make_probe(self, r, rt, inside, rate=None):
        """A packet inside route rt (every component satisfied), or one just outside one
        of its boundaries; None when none can be built or routed."""
        fam, c = rt.fam, rt.comps
        W = 32 if fam == 4 else 128
        routed = ROUTED4 if fam == 4 else ROUTED6
        p = {"fam": fam, "sport": 40000, "dport": 9, "type": 8 if fam == 4 else 128, "code": 0,
             "flags": 0x10, "dscp": 0, "df": 0, "mf": 0, "off": 0, "fl": 0}

        def addr_in(pref, lo_net):
            a, ln, off = pref
            base = int(lo_net.network_address)
            plen = lo_net.prefixlen
            if off == 0:
                if ln >= plen:
                    if (a >> (W - plen)) != (base >> (W - plen)):
                        return None
                    x = a | (r.getrandbits(W - ln) if ln < W else 0)
                else:
                    if (base >> (W - ln) if ln else 0) != (a >> (W - ln) if ln else 0):
                        return None
                    x = base | r.getrandbits(W - plen)
            else:
                if off < plen:
                    return None
                x = base | r.getrandbits(W - plen)
                m = ((1 << (ln - off)) - 1) << (W - ln)
                x = (x & ~m) | (a & m)
            return x

        def addr_out(pref, lo_net):
            a, ln, off = pref
            if off != 0 or ln == 0:
                return None
            x = r.choice((a - 1, a + (1 << (W - ln))))
            if x < 0 or x >= 1 << W or (lo_net is not None and
                                         not (int(lo_net.network_address) <= x <= int(lo_net.broadcast_address))):
                return None
            return x

        def fmt(x):
            return str(ipaddress.IPv4Address(x) if fam == 4 else ipaddress.IPv6Address(x))

        # which component to push outside
        out_t = None
        if not inside:
            out_t = r.choice(list(c))
        # addresses
        if 1 in c:
            d = addr_out(c[1], routed) if out_t == 1 else addr_in(c[1], routed)
        else:
            d = int(routed.network_address) | r.getrandbits(W - routed.prefixlen)
        if d is None:
            return None
        srcnet = ipaddress.ip_network("198.18.1.0/24" if fam == 4 else "2001:db8:c1::/64")
        s = None
        for _ in range(8):
            if 2 in c:
                s = addr_out(c[2], None) if out_t == 2 else addr_in(c[2], ipaddress.ip_network(
                    "0.0.0.0/0" if fam == 4 else "::/0"))
            else:
                s = int(srcnet.network_address) | (r.randrange(3, 250))
            if s is None or not bad_src(fam, s):
                break
            s = None
        if s is None:
            return None
        p["dst"], p["src"] = fmt(d), fmt(s)

        def numval(t, dom_lo=0, dom_hi=None):
            mx = DMAX[t]
            iv = num_set(c[t], mx)
            if out_t == t:
                edges = []
                for lo, hi in iv:
                    for e in (lo - 1, hi + 1):
                        if 0 <= e <= mx and not in_set(iv, e):
                            edges.append(e)
                if not edges:
                    return None
                return r.choice(edges)
            iv = inter(iv, [(dom_lo, dom_hi if dom_hi is not None else mx)])
            return pick(r, iv) if iv else None

        # protocol
        icmp = 1 if fam == 4 else 58
        allowed = [(0, 255)]
        if any(t in c for t in (4, 5, 6)):
            allowed = [(6, 6), (17, 17)]
        if 9 in c:
            allowed = inter(allowed, [(6, 6)])
        if 7 in c or 8 in c:
            allowed = inter(allowed, [(icmp, icmp)])
        EXT6 = (0, 43, 44, 51, 59, 60)   # what ip6tables skips to find the upper layer
        if 3 in c:
            if out_t == 3:
                pr = numval(3)
            else:
                iv = inter(num_set(c[3], 255), allowed)
                pr = pick(r, iv) if iv else None
        else:
            pr = pick(r, allowed) if allowed else None
            if allowed == [(0, 255)]:
                pr = r.choice((6, 17, 17, icmp, 47))
        if pr is None or (fam == 6 and pr in EXT6):
            return None
        p["proto"] = pr
        # fragments
        states = [(0, 0, 0, 0)]
        if 12 in c:
            states = ([(0, 0, 0, 0), (1, 0, 0, 0), (0, 1, 0, 0), (0, 1, 37, 0), (0, 0, 37, 0)]
                      if fam == 4 else
                      [(0, 0, 0, 0), (0, 1, 0, 1), (0, 1, 37, 1), (0, 0, 37, 1), (0, 0, 0, 1)])

            def fbits(df, mf, off, fh):
                return (1 if df else 0) | (2 if off else 0) | (4 if off == 0 and mf else 0) | \
                    (8 if off and not mf else 0)
            want_match = out_t != 12
            ok = [st for st in states if bit_match(c[12], fbits(*st)) == want_match]
            if any(t in c for t in (4, 5, 6, 7, 8, 9)) or rate:
                ok = [st for st in ok if st[2] == 0] or ok
            if not ok:
                return None
            states = ok
        p["df"], p["mf"], p["off"], fh = r.choice(states)
        if fam == 6:
            p["fh"] = fh
        elif r.random() < 0.1 and 12 not in c:
            p["df"] = 1
        # L4 fields
        for t, f in ((5, "dport"), (6, "sport")):
            if t in c:
                v = numval(t)
                if v is None:
                    return None
                p[f] = v
        if 4 in c:
            v = numval(4)
            if v is None:
                return None
            if r.random() < 0.5:
                p["dport"] = v
                if out_t == 4:
                    p["sport"] = v
            else:
                p["sport"] = v
                if out_t == 4:
                    p["dport"] = v
        for t, f in ((7, "type"), (8, "code")):
            if t in c:
                v = numval(t)
                if v is None:
                    return None
                p[f] = v
        if 9 in c:
            want_match = out_t != 9
            vals = list(range(256))
            r.shuffle(vals)
            for v in vals:
                if bit_match(c[9], v) == want_match:
                    p["flags"] = v
                    break
            else:
                return None
        if 11 in c:
            v = numval(11)
            if v is None:
                return None
            p["dscp"] = v
        if 13 in c:
            v = numval(13)
            if v is None:
                return None
            p["fl"] = v
        lo = min_len(p)
        hi = MTU
        if rate is not None:
            lo = max(lo, 1000 if rate[0] == "rate-b" else lo)
        if 10 in c:
            v = numval(10, lo, hi)
            if v is None or v < lo or v > hi:
                return None
            p["len"] = v
        else:
            p["len"] = 1000 if rate is not None and rate[0] == "rate-b" else r.randint(lo, min(hi, 300))
        if rate is not None and rate[0] == "rate-b" and p["len"] > 1400:
            return None
        return p

    def oracle_eval(self, probes):
        if not probes:
            return []
        text = "".join(probe_line(i, p) + "\n" for i, p in enumerate(probes))
        rc, out, err = run([self.oracle, "-c", self.cfg_path, "-i", self.want_path, "-p"], text)
        if rc != 0:
            self.fail("oracle", "fs_oracle -p failed (%s): %s" % (rc_text(rc), err.strip()[:600]))
            raise Failure()
        res = {}
        for l in out.splitlines():
            if not l.startswith("verdict "):
                continue
            w = l.split()
            d = {}
            for x in w[2:]:
                k, _, v = x.partition("=")
                if k in ("under", "over"):
                    vv = v.split("/")
                    d[k] = (vv[0], int(vv[1]), int(vv[2], 16), int(vv[3]))
                elif k == "match":
                    d[k] = [] if v == "-" else [int(y) for y in v.split(",")]
            res[int(w[1])] = d
        return res

    def send_and_judge(self, probes, rates):
        before = self.status()
        base = self.checkpoints * 100000
        sent = []      # (pid, (route, inside, probe, verdicts))
        pid = base
        # rate bursts first, on fresh buckets
        bursts = []
        for x, fam_kind, old, new in rates:
            cand = [q for q in probes if q[0] == x and q[1] == "rate"]
            if not cand:
                continue
            _, _, p, v = cand[0]
            size = p["len"]
            cost = (size // 16 + 1) * 16
            lo_allow = (3 * new / cost if fam_kind == "rate-b" else new) if new < old else None
            n = 200
            if lo_allow is not None:
                n = int(min(1000, max(200, 6 * lo_allow)))
            bursts.append((x, fam_kind, old, new, p, v, list(range(pid, pid + n))))
            pid += n
        normal = [q for q in probes if q[1] != "rate"]
        for q in normal:
            sent.append((pid, q))
            pid += 1
        # send
        for s in self.rx:
            while True:
                try:
                    s.recv(65535)
                except BlockingIOError:
                    break
        t_bursts = []
        for x, kind, old, new, p, v, ids in bursts:
            data = [build_frame(p, i) for i in ids]
            t0 = time.monotonic()
            for d in data:
                self.tx.send(d)
            t_bursts.append(time.monotonic() - t0)
        for i, (x, inside, p, v) in sent:
            self.tx.send(build_frame(p, i))
        seen = {}
        t_end = time.monotonic() + 0.4
        while time.monotonic() < t_end:
            got = False
            for n, s in enumerate(self.rx):
                try:
                    data = s.recv(65535)
                except BlockingIOError:
                    continue
                got = True
                j = data.find(TAG)
                if j < 0 or len(data) < j + len(TAG) + 4:
                    continue
                i = struct.unpack("!I", data[j + len(TAG):j + len(TAG) + 4])[0]
                et = data[12:14]
                tos = data[15] if et == b"\x08\x00" else ((data[14] & 0x0F) << 4) | (data[15] >> 4)
                seen[i] = ("k%d" % n, tos >> 2)
            if not got:
                time.sleep(0.005)
        after = self.status()
        self.probes += len(sent)
        # judge single probes
        plan_f = {}
        for (f, t), v in self.plan.items():
            plan_f[(f, v[2])] = (t, v[1])

        def obs_of(o, dscp):
            if o[0] == "drop":
                return None
            return ("k1" if o[2] else "k0", o[1] if o[1] >= 0 else dscp)
        for i, (x, inside, p, v) in sent:
            ok = {obs_of(v["under"], p["dscp"]), obs_of(v["over"], p["dscp"])}
            got = seen.get(i)
            if got not in ok:
                def show(o):
                    return "dropped" if o is None else "arrived at %s with DSCP %d" % o
                rr = plan_f.get((x[0], self.plan[x][2]))
                self.fail("packets", "probe %d %s route IPv%d '%s => %s': expected %s, observed %s" %
                          (i, "inside" if inside else "just outside", x[0], x[1], rr[1] if rr else "?",
                           " or ".join(sorted(show(o) for o in ok)), show(got)),
                          "    packet: %s\n    oracle: under=%s over=%s; matches, in order: %s" %
                          (probe_desc(p), v["under"], v["over"],
                           "; ".join("%d %s => %s" % (m, plan_f[(x[0], m)][0], plan_f[(x[0], m)][1])
                                     for m in v["match"]) or "none"))
        # judge rate bursts
        for (x, kind, old, new, p, v, ids), dt in zip(bursts, t_bursts):
            self.rate_tests += 1
            self.ran("rate")
            n = len(ids)
            arrived = sum(1 for i in ids if i in seen)
            cost = (p["len"] // 16 + 1) * 16
            unit = "B/s" if kind == "rate-b" else "packets/s"
            if new < old:
                allow = (3 * new + new * dt) / cost if kind == "rate-b" else new * (1 + dt)
                good = arrived <= allow * 1.5 + 3
                want = "at most about %d (the new rate; the old one would pass all %d)" % (allow * 1.5 + 3, n)
            else:
                good = arrived >= 0.9 * n
                want = "at least %d of %d (the new rate is far above the burst; the old one would " \
                       "pass only a few)" % (int(0.9 * n), n)
            if not good:
                self.fail("rate", "IPv%d '%s': rate changed in place from %g to %g %s; a burst of %d "
                          "packets of %d bytes in %.3f s: %d arrived, want %s" %
                          (x[0], x[1], old, new, unit, n, p["len"], dt, arrived, want),
                          "    packet: %s" % probe_desc(p))
        # counters: each route grew by exactly the packets that reached it
        if before is None or after is None:
            return
        self.ran("counters-exact")
        exp = {}
        allp = [(i, p, v) for i, (x, inside, p, v) in sent]
        for x, kind, old, new, p, v, ids in bursts:
            allp += [(i, p, v) for i in ids]
        for i, p, v in allp:
            fam = p["fam"]
            su, so = v["under"][3], v["over"][3]
            for m in v["match"]:
                a = su == -1 or m <= su
                b = so == -1 or m <= so
                e = exp.setdefault((fam, m), [0, 0, 0, 0, 0])
                e[0] += min(a, b)
                e[1] += max(a, b)
                e[2] += p["len"] * min(a, b)
                e[3] += p["len"] * max(a, b)
                # dropped by this route (a rate limit) = its packets that did not arrive
                if su == m and so == m and i not in seen and v["over"][0] == "drop" and \
                        v["under"][0] != "drop":
                    e[4] += 1
        bad = []
        for (f, t), (state, act, idx) in sorted(self.plan.items()):
            if state != "installed":
                continue
            k = (f, t)
            if k not in before or k not in after:
                bad.append("IPv%d %s => %s: not in status" % (f, t, act))
                continue
            e = exp.get((f, idx), [0, 0, 0, 0, 0])
            dp = after[k].get("packets", 0) - before[k].get("packets", 0)
            db = after[k].get("bytes", 0) - before[k].get("bytes", 0)
            if not (e[0] <= dp <= e[1]) or not (e[2] <= db <= e[3]):
                bad.append("IPv%d %s => %s: packets +%d, bytes +%d; want packets +%s, bytes +%s" %
                           (f, t, act, dp, db, e[0] if e[0] == e[1] else "%d..%d" % (e[0], e[1]),
                            e[2] if e[2] == e[3] else "%d..%d" % (e[2], e[3])))
            if "dropped_packets" in after[k] and "dropped_packets" in before[k] and \
                    re.search(r"rate-(bytes|packets) [1-9]", act):
                dd = after[k]["dropped_packets"] - before[k]["dropped_packets"]
                if dd != e[4]:
                    bad.append("IPv%d %s => %s: dropped_packets +%d; want +%d" % (f, t, act, dd, e[4]))
        if bad:
            self.fail("counters-exact", "%d route(s) whose status counters did not grow by exactly the "
                      "probes that reached them" % len(bad), "\n".join("    " + x for x in bad[:20]))
        self.snap = dict(self.snap or {}, routes=after) if self.snap is not None else None

    # -------------------------------------------------------------- main --
    def main(self):
        self.write_config()
        self.setup()
        self.start()
        # the first sessions: every neighbor up with some routes, then end-of-RIB
        lines = []
        for nb in NEIGHBORS:
            for _ in range(self.rng.randint(4, 12)):
                fam = self.rng.choice(nb.fams)
                rt = self.gen.route(fam)
                nb.rib.setdefault(rt.key(), (rt, self.gen.actions()))
            self.events += len(nb.rib)
            ls, _ = self.exa.session(nb, self.rng)
            lines += ls
            nb.up = True
        self.bursts += 1
        self.feed(lines)
        self.wait_commit(self.lines_in, HOLD_MS / 1000.0 + 4)
        self.where = "event %d (burst 1: the first sessions), commit %d" % (self.events, self.commits)
        self.check_after(set(), None)
        self.checkpoint()
        next_cp = (self.events // self.a.checkpoint_every + 1) * self.a.checkpoint_every
        while self.events < self.a.events:
            b = self.gen_burst()
            self.do_burst(b)
            if self.events >= next_cp:
                self.checkpoint()
                next_cp = (self.events // self.a.checkpoint_every + 1) * self.a.checkpoint_every
                d = self.desired()
                self.say("# %s: %d routes applied (%d IPv4), %d installed; %d failures so far" %
                         (self.where, len(d), sum(1 for k in d if k[0] == 4),
                          sum(1 for v in self.plan.values() if v[0] == "installed"),
                          sum(v[0] for v in self.fails.values())))
        # end of input: our chains go, the other writer's stay
        self.where = "end of input, after event %d, commit %d" % (self.events, self.commits)
        self.proc.stdin.close()
        try:
            rc = self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.fail("exit", "the injector did not exit within 20 s of the end of its input")
            return
        if rc != 0:
            self.fail("exit", "the injector exited with %s at the end of its input" % rc_text(rc),
                      "\n".join("    " + l for l in self.log_tail(10)))
        live = {f: self.live(f) for f in (4, 6)}
        self.ran("exit")
        for fam in (4, 6):
            tabs = live[fam][0]
            if tabs is None:
                self.fail("exit", "IPv%d: iptables-save failed after the injector exited" % fam)
                continue
            left = [l for t in tabs for l in ours(strip(tabs[t]))]
            if left:
                self.fail("exit", "IPv%d: our rules are still there after the end of input" % fam,
                          "\n".join("    " + l for l in left[:10]))
        self.check_foreign(live)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("injector")
    ap.add_argument("--oracle", required=True, help="the fs_oracle tool (tests/tools)")
    ap.add_argument("--seed", type=int, help="default: a fresh one")
    ap.add_argument("--events", type=int, default=2000)
    ap.add_argument("--checkpoint-every", type=int, default=100)
    ap.add_argument("--keep", action="store_true", help="keep the temp dir (logs, documents)")
    ap.add_argument("--no-ecn-flags", action="store_true",
                    help="no ECE/CWR in tcp-flags (to see past issue 14 defect 1)")
    ap.add_argument("--fail-fast", action="store_true", help="stop at the first failure")
    ap.add_argument("--verbose", action="store_true", help="every failure in full, repeats too")
    a = ap.parse_args()
    if a.seed is None:
        a.seed = random.SystemRandom().randrange(1, 2 ** 31)
    print("stateful: seed %d" % a.seed, flush=True)
    if os.geteuid() != 0:
        print("skipped: needs root for network namespaces")
        return 77
    for t in ("ip", "nsenter", "iptables-legacy", "ip6tables-legacy", "iptables-legacy-save",
              "ip6tables-legacy-save", "iptables-legacy-restore", "ip6tables-legacy-restore"):
        if shutil.which(t) is None:
            print("skipped: %s not installed" % t)
            return 77
    import importlib.util
    if importlib.util.find_spec("scapy") is None:
        print("skipped: python3-scapy not installed")
        return 77
    a.injector = os.path.abspath(a.injector)
    a.oracle = os.path.abspath(a.oracle)
    t = Test(a)
    t0 = time.monotonic()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    signal.signal(signal.SIGINT, signal.default_int_handler)   # even when started with it ignored
    try:
        t.main()
    except Failure:
        pass
    except KeyboardInterrupt:
        print("interrupted")
        return 130
    finally:
        t.teardown()
    nf = sum(v[0] for v in t.fails.values())
    print("stateful: seed %d, %d events in %d bursts, %d commits, %d restarts (kill -9), %d SIGHUPs, "
          "%d writes by the other writer, %d checkpoints (%d probes, %d rate tests), %.0f s" %
          (a.seed, t.events, t.bursts, t.commits, t.restarts, t.sighups, t.writes, t.checkpoints,
           t.probes, t.rate_tests, time.monotonic() - t0))
    print("  time: " + ", ".join("%s %.0f s" % (k, v) for k, v in sorted(t.times.items())))
    for c in sorted(set(t.stats) | set(t.fails)):
        f = t.fails.get(c, [0, "", {}])
        print("  %-15s %5d runs  %5d failures%s" % (c, t.stats.get(c, 0), f[0],
                                                     ", first at " + f[1] if f[0] else ""))
        for sig, (k, first, last, msg) in sorted(f[2].items(), key=lambda x: -x[1][0])[:12]:
            print("      %4dx  %s\n             first at %s, last at %s" % (k, msg[:200], first, last))
    if nf:
        print("FAILED: %d failures; reproduce with: %s %s --oracle %s --seed %d --events %d" %
              (nf, sys.argv[0], a.injector, a.oracle, a.seed, a.events))
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
