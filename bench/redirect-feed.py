#!/usr/bin/env python3
"""ExaBGP JSON (process API) for bench/redirect.sh: a session with N IPv4
FlowSpec routes, dst 10.x.y.z/32 udp dport 53: even ones discard, odd ones
redirect to 65000:100 (and, with --ip K, every K-th odd one redirects to
one of 4 next hops 198.18.9.1..4 instead), then End-of-RIB.
usage: redirect-feed.py N [--ip K] > feed.jsonl"""
import sys

PEER = ('{ "address": { "local": "198.18.1.2", "peer": "198.18.1.1" }, '
        '"asn": { "local": 65000, "peer": 65001 }')


def state(s):
    return '{ "exabgp": "4.0.1", "type": "state", "neighbor": %s, "state": "%s" } }' % (PEER, s)


def update(community, nlris, nh="no-nexthop", counter=1):
    routes = []
    for i in nlris:
        d = "10.%d.%d.%d/32" % ((i >> 16) & 255, (i >> 8) & 255, i & 255)
        routes.append('{ "destination-ipv4": [ "%s" ], "protocol": [ "=udp" ], '
                      '"destination-port": [ "=53" ], "string": "flow destination-ipv4 %s '
                      'protocol =udp destination-port =53" }' % (d, d))
    return ('{ "exabgp": "4.0.1", "time": 1795457752.0, "host" : "vm", "pid" : 1, "ppid" : 1, '
            '"counter": %d, "type": "update", "neighbor": %s , "direction": "receive", '
            '"message": { "update": { "attribute": { "origin": "igp", "as-path": [ 65001 ], '
            '"confederation-path": [], "extended-community": [ %s ] }, "announce": '
            '{ "ipv4 flow": { "%s": [ %s ] } } } } } }'
            % (counter, PEER, community, nh, ", ".join(routes)))


def main():
    n = int(sys.argv[1])
    ipk = int(sys.argv[3]) if len(sys.argv) > 3 and sys.argv[2] == "--ip" else 0
    discard = '{ "value": 9225060886715039744, "string": "rate-limit:0" }'
    redir = '{ "value": 9225903009542701156, "string": "redirect:65000:100" }'
    print(state("connected"))
    print(state("up"))
    even = list(range(0, n, 2))
    odd = [i for i in range(1, n, 2) if not (ipk and (i // 2) % ipk == 0)]
    ip = [i for i in range(1, n, 2) if ipk and (i // 2) % ipk == 0]
    c = 1
    for group, comm in ((even, discard), (odd, redir)):
        for k in range(0, len(group), 500):
            print(update(comm, group[k:k + 500], counter=c))
            c += 1
    for h in range(4):
        part = ip[h::4]
        comm = ('{ "value": %d, "string": "redirect-to-nexthop-ietf 198.18.9.%d" }'
                % ((0x010c << 48) | ((0xc6120900 + h + 1) << 16), h + 1))
        for k in range(0, len(part), 500):
            print(update(comm, part[k:k + 500], counter=c))
            c += 1
    print('{ "exabgp": "4.0.1", "type": "update", "neighbor": %s, "direction": "receive", '
          '"message": { "eor": { "afi" : "ipv4", "safi" : "flow" } } } }' % PEER)


main()
