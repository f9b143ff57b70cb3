#!/usr/bin/python3
"""Traffic for examples/demo.sh: an NTP reflection flood and normal traffic.

  flood.py send  --iface IF --smac MAC --dmac MAC --victim A --neighbour A
                 --reflectors A,A,... --client A [--rate 200] [--bg-rate 10]
                 [--seconds 90] [--ready FILE]
  flood.py count --iface IF --victim A --neighbour A --seconds N [--summary FILE]

send (in the client namespace) writes Ethernet frames on IF, paced, until
--seconds have passed or it is killed (so at most seconds * (rate + 3 *
bg-rate) packets):
  flood      UDP 123 -> victim:random port, 440 bytes of NTP mode 7
             (monlist-sized) replies, the reflectors in turn, --rate per second
  query      client:40123 -> victim:123, an NTP client request   (--bg-rate/s)
  mdns       client:5353  -> victim:5353                          (--bg-rate/s)
  neighbour  UDP 123 from the first reflector -> the neighbour host (--bg-rate/s)
Only the flood matches "dst victim/32, proto 17, sport 123".

count (in the server namespace) reads every frame arriving on IF for
--seconds and prints, once a second, how many of each kind arrived; the
totals go to --summary as "flood=N query=N mdns=N neighbour=N".

Only the Python standard library; IPv4 only; no answer is ever sent.
"""
import argparse
import os
import select
import socket
import struct
import sys
import time

ETH_P_ALL = 0x0003
ETH_P_IP = 0x0800
PACKET_OUTGOING = 4
KINDS = ("flood", "query", "mdns", "neighbour")


def mac(s):
    return bytes(int(x, 16) for x in s.split(":"))


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def frame(smac, dmac, src, dst, sport, dport, payload, ident):
    s, d = socket.inet_aton(src), socket.inet_aton(dst)
    ulen = 8 + len(payload)
    pseudo = s + d + struct.pack("!BBH", 0, 17, ulen)
    udp = struct.pack("!HHHH", sport, dport, ulen, 0) + payload
    uc = csum(pseudo + udp) or 0xFFFF
    udp = udp[:6] + struct.pack("!H", uc) + udp[8:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + ulen, ident & 0xFFFF, 0, 64, 17, 0, s, d)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return dmac + smac + struct.pack("!H", ETH_P_IP) + ip + udp


# NTP mode 7 response (R bit, version 2, MON_GETLIST_1), 6 items of 72 bytes
MONLIST = bytes([0x97, 0x00, 0x03, 0x2A, 0x00, 0x06, 0x00, 0x48]) + bytes(432)
# NTP v4 client request (mode 3), 48 bytes
QUERY = bytes([0x23]) + bytes(47)


def cmd_send(a):
    smac, dmac = mac(a.smac), mac(a.dmac)
    refl = a.reflectors.split(",")
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    sock.bind((a.iface, 0))
    if a.ready:
        open(a.ready, "w").close()
    ident = 0
    sent = dict.fromkeys(KINDS, 0)
    t0 = time.monotonic()
    next_flood = next_bg = t0
    step_flood, step_bg = 1.0 / a.rate, 1.0 / a.bg_rate
    while True:
        now = time.monotonic()
        if now - t0 >= a.seconds:
            break
        if now < min(next_flood, next_bg):
            time.sleep(min(next_flood, next_bg) - now)
            continue
        if now - next_flood > 0.2:  # fell behind (a slow machine): no burst
            next_flood = now
        if now - next_bg > 0.2:
            next_bg = now
        if next_flood <= now:
            r = refl[sent["flood"] % len(refl)]
            dport = 1024 + (sent["flood"] * 7919) % 64000
            sock.send(frame(smac, dmac, r, a.victim, 123, dport, MONLIST, ident))
            ident += 1
            sent["flood"] += 1
            next_flood += step_flood
        if next_bg <= now:
            sock.send(frame(smac, dmac, a.client, a.victim, 40123, 123, QUERY, ident))
            sock.send(frame(smac, dmac, a.client, a.victim, 5353, 5353, bytes(64), ident + 1))
            sock.send(frame(smac, dmac, refl[0], a.neighbour, 123, 40000, MONLIST, ident + 2))
            ident += 3
            for k in ("query", "mdns", "neighbour"):
                sent[k] += 1
            next_bg += step_bg
    print("flood.py: sent " + " ".join("%s=%d" % (k, sent[k]) for k in KINDS), file=sys.stderr)


def classify(pkt, victim, neighbour):
    if len(pkt) < 14 + 28 or pkt[12:14] != b"\x08\x00":
        return None
    ip = pkt[14:]
    if ip[0] >> 4 != 4 or ip[9] != 17:
        return None
    ihl = (ip[0] & 15) * 4
    if struct.unpack("!H", ip[6:8])[0] & 0x1FFF:  # not a first fragment
        return None
    dst = ip[16:20]
    sport, dport = struct.unpack("!HH", ip[ihl:ihl + 4])
    if dst == victim:
        if sport == 123:
            return "flood"
        if dport == 123:
            return "query"
        if dport == 5353:
            return "mdns"
    elif dst == neighbour and sport == 123:
        return "neighbour"
    return None


def cmd_count(a):
    victim, neighbour = socket.inet_aton(a.victim), socket.inet_aton(a.neighbour)
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    sock.bind((a.iface, 0))
    sock.setblocking(False)
    total = dict.fromkeys(KINDS, 0)
    cur = dict.fromkeys(KINDS, 0)
    print("      second   NTP flood   NTP query   mDNS   NTP to neighbour", flush=True)
    t0 = time.monotonic()
    sec = 1
    while sec <= a.seconds:
        end = t0 + sec
        now = time.monotonic()
        if now < end:
            r, _, _ = select.select([sock], [], [], end - now)
            while r:
                try:
                    pkt, addr = sock.recvfrom(2048)
                except BlockingIOError:
                    break
                if addr[2] == PACKET_OUTGOING:
                    continue
                k = classify(pkt, victim, neighbour)
                if k:
                    cur[k] += 1
            continue
        print("      %6d   %9d   %9d   %4d   %16d" % (sec, cur["flood"], cur["query"], cur["mdns"],
                                                    cur["neighbour"]), flush=True)
        for k in KINDS:
            total[k] += cur[k]
            cur[k] = 0
        sec += 1
    if a.summary:
        with open(a.summary + ".tmp", "w") as f:
            f.write(" ".join("%s=%d" % (k, total[k]) for k in KINDS) + "\n")
        os.replace(a.summary + ".tmp", a.summary)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("send")
    for o in ("--iface", "--smac", "--dmac", "--victim", "--neighbour", "--reflectors", "--client"):
        s.add_argument(o, required=True)
    s.add_argument("--rate", type=float, default=200)
    s.add_argument("--bg-rate", type=float, default=10)
    s.add_argument("--seconds", type=float, default=90)
    s.add_argument("--ready")
    c = sub.add_parser("count")
    for o in ("--iface", "--victim", "--neighbour"):
        c.add_argument(o, required=True)
    c.add_argument("--seconds", type=int, required=True)
    c.add_argument("--summary")
    a = p.parse_args()
    if a.cmd == "send":
        if not (0 < a.rate <= 10000 and 0 < a.bg_rate <= 1000 and 0 < a.seconds <= 600):
            p.error("rate 0..10000/s, bg-rate 0..1000/s, seconds 0..600")
        cmd_send(a)
    else:
        cmd_count(a)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:  # Ctrl-C in the demo: no traceback
        sys.exit(130)
