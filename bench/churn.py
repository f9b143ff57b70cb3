#!/usr/bin/env python3
"""Churn: with N routes installed, a stream of announce/withdraw lines at a
fixed rate into a running flowspec-injector; reports changes/s sustained and
the p50/p99 latency from writing a line to the commit that holds it.

usage: churn.py FEED FIFO LOG RATE SECONDS PID
  FEED: the initial session (bench_parse_translate -j), written first
  FIFO: the injector's stdin; LOG: its stderr (the commit lines)
The injector must already be reading FIFO with its stderr going to LOG.
"""
import calendar
import json, os, re, sys, time

feed, fifo, logpath, rate, secs = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4]), float(sys.argv[5])
pid = sys.argv[6]

def rss_kib():
    with open("/proc/%s/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0
NB = ('"neighbor": { "address": { "local": "198.18.1.2", "peer": "198.18.1.1" }, '
      '"asn": { "local": 65000, "peer": 65001 }, "direction": "receive"')

def update(kind, i):
    dst = "10.%d.%d.%d/32" % (200 + (i >> 16) % 50, (i >> 8) & 255, i & 255)
    nlri = ('{ "destination-ipv4": [ "%s" ], "protocol": [ "=udp" ], "source-port": [ "=123" ], '
            '"string": "flow destination-ipv4 %s protocol =udp source-port =123" }' % (dst, dst))
    if kind == "announce":
        body = ('"update": { "attribute": { "origin": "igp", "extended-community": [ '
                '{ "value": 9225060886715039744, "string": "rate-limit:0" } ] }, '
                '"announce": { "ipv4 flow": { "no-nexthop": [ %s ] } } }' % nlri)
    else:
        body = '"update": { "withdraw": { "ipv4 flow": [ %s ] } }' % nlri
    return '{ "exabgp": "4.0.1", "type": "update", %s, "message": { %s } } }\n' % (NB, body)

def commits():
    """(input line, wall time) of each commit: the log says "at" in ISO 8601 UTC
    (2026-12-07T20:33:18.801Z); older builds (FS_CHURN_INJECTOR) in epoch seconds."""
    out = []
    with open(logpath) as f:
        for line in f:
            m = re.search(r"through input line (\d+), at (\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)\.(\d+)Z", line)
            if m:
                g = [int(x) for x in m.groups()]
                t = calendar.timegm((g[1], g[2], g[3], g[4], g[5], g[6], 0, 0, 0)) + g[7] / 1000.0
                out.append((g[0], t))
                continue
            m = re.search(r"through input line (\d+), at (\d+)\.(\d+)", line)
            if m:
                out.append((int(m.group(1)), int(m.group(2)) + int(m.group(3)) / 1000.0))
    return out

fd = os.open(fifo, os.O_WRONLY)
with open(feed, "rb") as f:
    base = f.read()
os.write(fd, base)
nbase = base.count(b"\n")
# wait for the initial commit
t0 = time.time()
while not any(l >= nbase for l, _ in commits()):
    if time.time() - t0 > 600:
        sys.exit("no initial commit within 600 s")
    time.sleep(0.05)
print("initial table committed after %.2f s; injector RSS %d MiB" % (time.time() - t0, rss_kib() // 1024))
# the stream: alternate announce of a new route and withdraw of an older one
sent = []   # (line number, wall time)
lineno = nbase
start = time.time()
i = 0
while time.time() - start < secs:
    due = start + i / rate
    now = time.time()
    if due > now:
        time.sleep(due - now)
    kind = "announce" if i % 2 == 0 else "withdraw"
    os.write(fd, update(kind, i // 2).encode())
    lineno += 1
    sent.append((lineno, time.time()))
    i += 1
elapsed = time.time() - start
# wait for the last line to be committed (the idle window after the stream)
t1 = time.time()
while not any(l >= lineno for l, _ in commits()):
    if time.time() - t1 > 600:
        sys.exit("the stream was not committed within 600 s")
    time.sleep(0.05)
done = time.time()
cs = commits()
lat = []
for ln, ts in sent:
    ct = min(t for l, t in cs if l >= ln and t >= ts - 0.001)
    lat.append(ct - ts)
lat.sort()
p = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))]
print("stream: %d changes in %.2f s offered (%.0f/s); all committed %.2f s after the last"
      % (len(sent), elapsed, len(sent) / elapsed, done - sent[-1][1]))
print("sustained: %.0f changes/s (offered changes / time until the last was in the kernel)"
      % (len(sent) / (done - start)))
print("commits during the stream: %d" % sum(1 for l, t in cs if l > nbase))
print("line-to-kernel latency: p50 %.0f ms, p99 %.0f ms, max %.0f ms" % (p(0.5) * 1000, p(0.99) * 1000, lat[-1] * 1000))
print("injector RSS after the stream: %d MiB" % (rss_kib() // 1024))
os.close(fd)
