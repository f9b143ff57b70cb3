#!/usr/bin/env python3
"""Questions about the lab's capture of ExaBGP JSON lines (one per line).

usage: capture.py FILE count KIND       KIND: lines | up | down | eor4 | eor6 | announce | withdraw
       capture.py FILE nlris KIND [FAM] KIND: announce | withdraw; FAM e.g. "ipv4 flow"
       capture.py FILE last-time KIND   ExaBGP's "time" of the last message of a kind, 0 if none
"""
import json
import sys


def messages(path):
    """Every parsable line: (message, neighbor dict, message dict)."""
    with open(path) as f:
        for line in f:
            try:
                m = json.loads(line)
            except ValueError:
                continue
            nb = m.get("neighbor", {})
            if not isinstance(nb, dict):
                nb = {}
            yield m, nb, nb.get("message", {})


def count(path, kind):
    n = 0
    for m, nb, msg in messages(path):
        if kind == "lines":
            n += 1
        elif kind in ("up", "down") and m.get("type") == "state":
            n += nb.get("state") == kind
        elif kind.startswith("eor") and "eor" in msg:
            n += msg["eor"].get("afi") == ("ipv4" if kind == "eor4" else "ipv6")
        elif kind in ("announce", "withdraw"):
            n += kind in msg.get("update", {})
    return n


def nlris(path, kind, fam):
    n = 0
    for _, _, msg in messages(path):
        for fk, v in msg.get("update", {}).get(kind, {}).items():
            if fam and fk != fam:
                continue
            if kind == "announce":      # {family: {next-hop: [NLRI, ...]}}
                n += sum(len(l) for l in v.values())
            else:                       # {family: [NLRI, ...]}
                n += len(v)
    return n


def last_time(path, kind):
    t = 0
    for m, nb, msg in messages(path):
        if kind in ("up", "down"):
            hit = m.get("type") == "state" and nb.get("state") == kind
        else:
            hit = kind in msg.get("update", {})
        if hit:
            t = m.get("time", t)
    return t


def main(argv):
    path, what, kind = argv[1], argv[2], argv[3]
    if what == "count":
        print(count(path, kind))
    elif what == "nlris":
        print(nlris(path, kind, argv[4] if len(argv) > 4 else ""))
    elif what == "last-time":
        print(last_time(path, kind))
    else:
        sys.exit("capture.py: unknown question %r" % what)


if __name__ == "__main__":
    main(sys.argv)
