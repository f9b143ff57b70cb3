#!/usr/bin/env python3
"""BIRD 2 config announcing N distinct flow4 routes (and N6 flow6 routes) to
FRR, for bench/frr-sync.sh.  Every route discards (traffic-rate 0).

usage: frr-routes.py N N6 WORKDIR > bird.conf

Route i (0-based) has the victim 10.0.0.0 + i + 1 as its /32 destination,
so all N are distinct; its other components depend on i % 20, shaped like
DDoS mitigation rules and kept inside what FRR 8.4 accepts (no != or true,
at most 5 terms per component):

   0-7  UDP from an amplification source port (NTP, DNS, SSDP, memcached, ...)
   8-12 TCP to one service port
  13-14 UDP to a destination port range
  15-16 UDP from a source /24, source port 123
  17    TCP from a source port range (1..1023)
  18    TCP or UDP, port 53 (either direction)
  19    UDP from port 53 to the ephemeral range 1024..65535

Route 0 is "dst 10.0.0.1/32; proto = 17; sport = 123": frr-sync.sh sends a
packet matching it.  flow6 routes: 2001:db8:: + i + 1 /128, same shapes.
"""
import ipaddress
import sys

AMP = [123, 53, 1900, 11211, 389, 19, 161, 3702]
SVC = [80, 443, 22, 25, 3389, 8080]
DISCARD = "bgp_ext_community.add((generic, 0x80060000, 0));"


def components(i, proto_kw):
    k = i % 20
    if k <= 7:
        return f"{proto_kw} = 17; sport = {AMP[(i // 20 + k) % len(AMP)]};"
    if k <= 12:
        return f"{proto_kw} = 6; dport = {SVC[(i // 20 + k) % len(SVC)]};"
    if k <= 14:
        lo = 1024 + (i * 37) % 60000
        return f"{proto_kw} = 17; dport {lo}..{lo + 15};"
    if k <= 16:
        return None  # needs the source prefix, see route()
    if k == 17:
        return f"{proto_kw} = 6; sport 1..1023;"
    if k == 18:
        return f"{proto_kw} 6, 17; port = 53;"
    return f"{proto_kw} = 17; sport = 53; dport 1024..65535;"


def route4(i):
    dst = ipaddress.IPv4Address("10.0.0.0") + i + 1
    c = components(i, "proto")
    if c is None:
        src = ipaddress.IPv4Address((198 << 24) | ((i & 0xFFFF) << 8))  # 198.x.y.0/24
        c = f"src {src}/24; proto = 17; sport = 123;"
    return f"  route flow4 {{ dst {dst}/32; {c} }} {{ {DISCARD} }};"


def route6(i):
    dst = ipaddress.IPv6Address("2001:db8::") + i + 1
    c = components(i, "next header")
    if c is None:
        src = ipaddress.IPv6Address("2001:db8:ff00::") + ((i % 65536) << 64)
        c = f"src {src}/64; next header = 17; sport = 123;"
    return f"  route flow6 {{ dst {dst}/128; {c} }} {{ {DISCARD} }};"


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    n, n6, work = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    out = [
        f'log "{work}/bird.log" {{ warning, error, fatal, bug }};',
        "router id 198.19.1.1;",
        "flow4 table ft4;",
        "flow6 table ft6;",
        "protocol device {}",
        "protocol bgp frr {",
        "  local 198.19.1.1 as 65000;",
        "  neighbor 198.19.1.2 as 65001;",
        "  connect delay time 1;",
        "  connect retry time 5;",
        "  flow4 { table ft4; import none; export all; };",
        "  flow6 { table ft6; import none; export all; };",
        "}",
        "protocol static fs4 {",
        "  flow4 { table ft4; };",
    ]
    out += [route4(i) for i in range(n)]
    out.append("}")
    out += ["protocol static fs6 {", "  flow6 { table ft6; };"]
    out += [route6(i) for i in range(n6)]
    out.append("}")
    sys.stdout.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
