#!/usr/bin/env python3
"""make-big.py OUT [N] - writes a "show bgp ipv4 flowspec detail json" answer
of N NLRIs (default 1,000,000) to OUT, in FRR 8.4's own format: one
pretty-printed array per NLRI, as in tests/fixtures/frr/detail-*.v4.json
(an NLRI object, an ecomlist object, a time object), each NLRI a distinct
destination /32.  For limits.sh: the answer that took 1.4 GB of RSS before
max-routes was checked.  Deterministic, standard library only."""
import sys

out = sys.argv[1]
n = int(sys.argv[2]) if len(sys.argv) > 2 else 1000000
assert 0 < n <= 1 << 24
NLRI = ('[\n  {\n    "to":"10.%d.%d.%d/32",\n    "proto":"= 6 ",\n    "dstp":"= 80 "\n  },\n'
        '  {\n    "ecomlist":"FS:rate 0.000000"\n  },\n  {\n    "time":"00:00:02"\n  }\n]\n')
with open(out, "w") as f:
    for i in range(n):
        f.write(NLRI % (i >> 16, (i >> 8) & 255, i & 255))
