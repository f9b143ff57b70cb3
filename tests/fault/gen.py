#!/usr/bin/env python3
"""Helpers for tests/fault/fault.sh (ExaBGP 4.2 JSON lines, as in
tests/fixtures/exabgp; addresses 198.18.0.0/15 and 2001:db8::/32 only).

  gen.py burst N SEED    connected, up, 100 announces, end-of-RIB (v4, v6),
                         then N announce/withdraw lines (about 1 in 10 IPv6)
  gen.py seq N           up, end-of-RIB, then N IPv4 changes (announces, every
                         5th a withdraw of an earlier route), one NLRI each
  gen.py line K          one more IPv4 announce (route number K)
  gen.py stream FILE PROGRESS LINES_PER_TICK TICK_MS
                         copy FILE to stdout, LINES_PER_TICK lines per tick,
                         the number of lines written kept in PROGRESS
  gen.py drive FILE LOG SKIP TIMEOUT_S
                         copy FILE to stdout from line SKIP+1 on, one line at a
                         time, each time waiting until LOG has one more
                         "IPv[46] committed" line; prints written, commits seen
                         and time-outs
"""
import json, os, random, sys, time

HDR = {"exabgp": "4.2.21", "host": "fault", "pid": 1, "ppid": 1}
NEI = {"address": {"local": "198.18.0.2", "peer": "198.18.0.1"},
       "asn": {"local": 65000, "peer": 65001}}
counter = 0


def line(kind, **kw):
    global counter
    counter += 1
    d = dict(HDR, time=1795457752.0 + counter / 1000.0, counter=counter, type=kind)
    d["neighbor"] = dict(NEI, **kw)
    return json.dumps(d)


def state(s):
    return line("state", state=s)


def eor(afi):
    return line("update", direction="receive", message={"eor": {"afi": afi, "safi": "flow"}})


def nlri(k):
    """route k: IPv6 when k % 10 == 9, else IPv4; distinct for distinct k"""
    if k % 10 == 9:
        a = "2001:db8:d:%x::%x/128" % (k // 256, k % 256 + 1)
        return "ipv6 flow", {"destination-ipv6": [a + "/0"], "next-header": ["=udp"],
                             "destination-port": ["=%d" % (1000 + k % 5000)],
                             "string": "flow destination-ipv6 %s/0 next-header =udp destination-port =%d"
                             % (a, 1000 + k % 5000)}
    a = "198.19.%d.%d/32" % (k // 250, k % 250 + 1)
    return "ipv4 flow", {"destination-ipv4": [a], "protocol": ["=udp"],
                         "destination-port": ["=%d" % (1000 + k % 5000)],
                         "string": "flow destination-ipv4 %s protocol =udp destination-port =%d"
                         % (a, 1000 + k % 5000)}


def announce(k):
    fam, n = nlri(k)
    attr = {"origin": "igp", "as-path": [65001], "confederation-path": [],
            "extended-community": [{"value": 9225060886715039744, "string": "rate-limit:0"}]}
    return line("update", direction="receive",
                message={"update": {"attribute": attr, "announce": {fam: {"no-nexthop": [n]}}}})


def withdraw(k):
    fam, n = nlri(k)
    return line("update", direction="receive", message={"update": {"withdraw": {fam: [n]}}})


def main():
    a = sys.argv[1:]
    out = []
    if a[0] == "burst":
        n, rnd = int(a[1]), random.Random(int(a[2]))
        out += [state("connected"), state("up")]
        live = set()
        for k in range(100):
            out.append(announce(k))
            live.add(k)
        out += [eor("ipv4"), eor("ipv6")]
        nxt = 100
        for _ in range(n):
            if live and rnd.random() < 0.3:
                k = rnd.choice(sorted(live))
                live.discard(k)
                out.append(withdraw(k))
            else:
                out.append(announce(nxt))
                live.add(nxt)
                nxt += 1
    elif a[0] == "seq":
        n = int(a[1])
        out += [state("connected"), state("up"), eor("ipv4"), eor("ipv6")]
        k = 0  # IPv4 only (route numbers k * 10); the withdrawn ones are distinct
        for i in range(1, n + 1):
            if i % 5 == 0:
                out.append(withdraw((k - 3) * 10))  # an earlier route, still installed
            else:
                k += 1
                out.append(announce(k * 10))
    elif a[0] == "line":
        out.append(announce(int(a[1])))
    elif a[0] == "stream":
        lines = open(a[1]).read().splitlines(True)
        per, tick = int(a[3]), int(a[4]) / 1000.0
        done = 0
        try:
            for i in range(0, len(lines), per):
                sys.stdout.write("".join(lines[i:i + per]))
                sys.stdout.flush()
                done = min(i + per, len(lines))
                with open(a[2] + ".tmp", "w") as f:
                    f.write("%d\n" % done)
                os.rename(a[2] + ".tmp", a[2])
                time.sleep(tick)
        except BrokenPipeError:
            pass
        return
    elif a[0] == "drive":
        lines = open(a[1]).read().splitlines(True)[int(a[3]):]
        log, tmo = a[2], float(a[4])

        def commits():
            try:
                with open(log) as f:
                    return sum(1 for l in f if " committed: " in l and ("IPv4" in l or "IPv6" in l))
            except OSError:
                return 0
        seen, timeouts, base = 0, 0, commits()
        for l in lines:
            sys.stdout.write(l)
            sys.stdout.flush()
            end = time.monotonic() + tmo
            while commits() <= base + seen and time.monotonic() < end:
                time.sleep(0.001)
            c = commits() - base
            if c <= seen:
                timeouts += 1
            seen = c
        sys.stderr.write("drive: %d written %d commits %d timeouts\n" % (len(lines), seen, timeouts))
        return
    print("\n".join(out))


main()
