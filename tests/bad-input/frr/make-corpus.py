#!/usr/bin/env python3
"""make-corpus.py - writes the malformed FRR answers of this directory and
EXPECT.tsv: file, the vtysh command it stands for (ipv4-detail, ipv6-detail,
ipv4-summary, ipv6-summary), and two substrings the error must contain:
where (the NLRI number, or the peer) and what (the bad value or the fault).

Each file is a real capture from tests/fixtures/frr/ with one change made
here (a value, a key, a cut, a byte); the captures themselves are never
edited.  Deterministic; run it again after changing it and commit the
result."""
import os

here = os.path.dirname(os.path.abspath(__file__))
fix = os.path.join(here, "..", "..", "fixtures", "frr")
V4 = open(os.path.join(fix, "detail-all-components.v4.json"), "rb").read()
V6 = open(os.path.join(fix, "detail-all-components.v6.json"), "rb").read()
S4 = open(os.path.join(fix, "summary-all-components.v4.json"), "rb").read()
NOTRUNNING = open(os.path.join(fix, "vtysh-bgpd-not-running.txt"), "rb").read()
cases = []  # (name, slot, data, where, what)


def nlri_of(doc, pos):
    """the 1-based NLRI number of byte pos (arrays start at a line '[')"""
    return doc[:pos].count(b"\n[") + (1 if doc.startswith(b"[") else 0)


def sub(name, slot, doc, old, new, what, where=None, outcome="error"):
    """doc with the one occurrence of old replaced by new"""
    assert doc.count(old) == 1, (name, old)
    pos = doc.index(old)
    data = doc.replace(old, new)
    if where is None:
        where = "NLRI %d" % nlri_of(doc, pos)
    cases.append((name, slot, data, where, what, outcome))


# ---- cuts: the output ends inside an NLRI (as when vtysh is killed) ------
for i, frac in enumerate((0.01, 0.07, 0.13, 0.21, 0.33, 0.41, 0.5, 0.62, 0.77, 0.9, 0.97)):
    cut = int(len(V4) * frac)
    while V4[cut - 1:cut] in (b"]", b"\n") or V4[cut:cut + 2] == b"\n[":
        cut += 1  # never at an NLRI boundary (that is a valid shorter answer)
    cases.append(("v4-cut-%02d.json" % i, "ipv4-detail", V4[:cut],
                  "NLRI %d" % nlri_of(V4, cut), "ends inside a JSON value (byte %d)" % cut))
for i, frac in enumerate((0.1, 0.5, 0.9)):
    cut = int(len(V6) * frac)
    while V6[cut - 1:cut] in (b"]", b"\n") or V6[cut:cut + 2] == b"\n[":
        cut += 1
    cases.append(("v6-cut-%02d.json" % i, "ipv6-detail", V6[:cut],
                  "NLRI %d" % nlri_of(V6, cut), "ends inside a JSON value (byte %d)" % cut))

# ---- numbers out of range, in every numeric component ---------------------
P = b'"port":"= 123 "'
num = [  # (tag, old, new, what)
    ("port-70000", P, b'"port":"= 70000 "', '"= 70000 "'),
    ("port-65536", P, b'"port":"= 65536 "', '"= 65536 "'),
    ("port-huge", P, b'"port":"= 99999999999999999999 "', "99999999999999999999"),
    ("port-negative", P, b'"port":"= -1 "', '"= -1 "'),
    ("port-word", P, b'"port":"= ntp "', '"= ntp "'),
    ("port-hex", P, b'"port":"= 0x7b "', '"= 0x7b "'),
    ("port-fraction", P, b'"port":"= 12.3 "', '"= 12.3 "'),
    ("dstp-70000", b'"dstp":"= 80 "\n  },\n  {\n    "ecomlist":"FS:rate 0.000000 FS:marking 1"',
     b'"dstp":"= 70000 "\n  },\n  {\n    "ecomlist":"FS:rate 0.000000 FS:marking 1"', '"= 70000 "'),
    ("srcp-70000", b'"srcp":"= 53 "', b'"srcp":"= 70000 "', '"= 70000 "'),
    ("pktlen-70000", b'"pktlen":"> 512 "', b'"pktlen":"> 70000 "', '"> 70000 "'),
    ("proto-256", b'"proto":"= 6 , = 17 "', b'"proto":"= 6 , = 256 "', "256"),
    ("type-256", b'"type":"= 3 , = 11 "', b'"type":"= 3 , = 256 "', "256"),
    ("code-256", b'"code":">= 0 , <= 4 "', b'"code":">= 0 , <= 256 "', "256"),
    ("dscp-64", b'"dscp":"= 46 "', b'"dscp":"= 64 "', "0..63"),
]
for tag, old, new, what in num:
    sub("v4-%s.json" % tag, "ipv4-detail", V4, old, new, what)

# ---- operator syntax -------------------------------------------------------
syn = [
    ("op-no-space", b'"port":"=123 "', "space after the operator"),
    ("op-question", b'"port":"? 123 "', '"? 123 "'),
    ("op-semicolon", b'"port":"= 123 ; = 124 "', "between terms"),
    ("op-empty", b'"port":""', "expected a value"),
    ("op-only-space", b'"port":" "', '" "'),
    ("op-trailing-comma", b'"port":"= 123 , "', '"= 123 , "'),
    ("op-leading-comma", b'"port":", = 123 "', '", = 123 "'),
    ("op-double", b'"port":"== 123 "', '"== 123 "'),
    ("op-bang-number", b'"port":"! 123 "', '"! 123 "'),
]
for tag, new, what in syn:
    sub("v4-%s.json" % tag, "ipv4-detail", V4, P, new, what)
sub("v4-tcp-bad-join.json", "ipv4-detail", V4, b'"tcp":"= 1,&= ! 4"', b'"tcp":"= 1,+= 4"',
    '",&" or ",|"')
sub("v4-tcp-bad-op.json", "ipv4-detail", V4, b'"tcp":"= 1,&= ! 4"', b'"tcp":"? 1"', 'expected "=" or')
sub("v4-frag-bad-join.json", "ipv4-detail", V4, b'"pktfrag":"= 4,|= 8"', b'"pktfrag":"= 4,^= 8"',
    '",&" or ",|"')

# ---- wrong JSON types -------------------------------------------------------
T = b'"to":"203.0.113.210/32"'
for tag, new in (("number", b'"to":5'), ("null", b'"to":null'), ("true", b'"to":true'),
                 ("array", b'"to":["203.0.113.210/32"]'), ("object", b'"to":{"p":1}')):
    sub("v4-to-%s.json" % tag, "ipv4-detail", V4, T, new, '"to": expected a string')
for tag, new in (("number", b'"port":123'), ("array", b'"port":["= 123 "]')):
    sub("v4-port-%s.json" % tag, "ipv4-detail", V4, P, new, '"port": expected a string')
sub("v4-ecomlist-number.json", "ipv4-detail", V4, b'"ecomlist":"65000:100"', b'"ecomlist":65000',
    '"ecomlist": expected a string')

# ---- impossible prefixes ----------------------------------------------------
for tag, new, what in (
        ("len-33", b'"to":"203.0.113.210/33"', "203.0.113.210/33"),
        ("len-negative", b'"to":"203.0.113.210/-1"', "203.0.113.210/-1"),
        ("len-word", b'"to":"203.0.113.210/x"', "203.0.113.210/x"),
        ("octet-400", b'"to":"203.0.113.400/32"', "not an IPv4 address"),
        ("no-length", b'"to":"203.0.113.210"', "ADDRESS/LENGTH"),
        ("empty", b'"to":""', "ADDRESS/LENGTH"),
        ("ipv6-in-ipv4", b'"to":"2001:db8::1/128"', "2001:db8::1/128"),
        ("three-octets", b'"to":"203.0.113/24"', "203.0.113/24")):
    sub("v4-prefix-%s.json" % tag, "ipv4-detail", V4, T, new, what)
sub("v4-from-len-40.json", "ipv4-detail", V4, b'"from":"198.51.100.0/24"',
    b'"from":"198.51.100.0/40"', "198.51.100.0/40")

# ---- unknown components and keys --------------------------------------------
for tag, new, what in (("bogus", b'"bogus":"= 123 "', '"bogus"'),
                       ("upper", b'"PORT":"= 123 "', '"PORT"'),
                       ("empty-key", b'"":"= 123 "', '""')):
    sub("v4-key-%s.json" % tag, "ipv4-detail", V4, P, new, "unknown component key " + what)
DUP = P + b',\n    "port":"= 124 "'
sub("v4-duplicate-key.json", "ipv4-detail", V4, P, DUP,
    'a key given twice in one object at byte %d: [0]: "port"' % (V4.index(P) + len(P) + 6))

# ---- communities with odd values --------------------------------------------
E = b'"ecomlist":"FS:rate 1.500000 FS:marking 23"'
for tag, new, what in (
        ("marking-256", b'"ecomlist":"FS:rate 1.500000 FS:marking 256"', "FS:marking 0..255"),
        ("marking-word", b'"ecomlist":"FS:rate 1.500000 FS:marking x"', "FS:marking"),
        ("unknown", b'"ecomlist":"zz"', "unrecognised extended community"),
        ("redirect-empty", b'"ecomlist":"FS:redirect VRF RT:"', "RT:"),
        ("redirect-garbage", b'"ecomlist":"FS:redirect VRF RT:a:b"', "RT:a:b")):
    sub("v4-ecom-%s.json" % tag, "ipv4-detail", V4, E, new, what)
# rates FRR does not print: its "FS:rate %f" of a float is digits, a point
# and six decimals (or inf, nan); strtod() took these as 1000 and 16
for tag, rate in (("exponent", "1e3"), ("hex-float", "0x1p4"), ("plus", "+1000.000000"),
                  ("one-decimal", "1000.0"), ("leading-zero", "01000.000000"),
                  ("seven-decimals", "1000.0000000"), ("infinity-word", "infinity")):
    sub("v4-ecom-rate-%s.json" % tag, "ipv4-detail", V4, E,
        b'"ecomlist":"FS:rate ' + rate.encode() + b' FS:marking 23"',
        '"FS:rate %s": not a rate as FRR prints it' % rate, "dst 203.0.113.210/32", "refused")
# the form, but no float prints so: FRR cannot have printed it
sub("v4-ecom-rate-not-a-float.json", "ipv4-detail", V4, E,
    b'"ecomlist":"FS:rate 1000.000001 FS:marking 23"',
    '"FS:rate 1000.000001": no float prints as 1000.000001', "dst 203.0.113.210/32", "refused")
# odd values the reader reads but cannot vouch for: the route is refused
# with the value named (route 203.0.113.210 is refused already for its
# FS:rate 1.5, so the tables stay the same)
for tag, new, what in (
        ("rate-word", b'"ecomlist":"FS:rate abc FS:marking 23"', '"FS:rate abc": not a rate'),
        ("rate-negative", b'"ecomlist":"FS:rate -1.000000 FS:marking 23"',
         '"FS:rate -1.000000": a traffic-rate must be a finite number >= 0'),
        ("action-word", b'"ecomlist":"FS:action explode"', '"FS:action explode"')):
    sub("v4-ecom-%s.json" % tag, "ipv4-detail", V4, E, new, what, "dst 203.0.113.210/32",
        "refused")

# ---- structure ---------------------------------------------------------------
first = V4[:V4.index(b"\n]") + 2]  # NLRI 1 with its own newline
rest = V4[len(first):]
cases += [
    ("v4-bgpd-not-running.txt", "ipv4-detail", NOTRUNNING, "byte 0", "invalid JSON"),
    ("v4-object.json", "ipv4-detail", b'{"to":"203.0.113.210/32"}\n' + V4, "NLRI 1",
     "one JSON array per NLRI"),
    ("v4-number.json", "ipv4-detail", rest + b"5\n", "NLRI 30", "one JSON array per NLRI"),
    ("v4-empty-array.json", "ipv4-detail", b"[]\n" + V4, "NLRI 1", "without an NLRI object"),
    ("v4-empty-object.json", "ipv4-detail", b"[{}]\n" + V4, "NLRI 1", "without components"),
    ("v4-array-of-number.json", "ipv4-detail", V4 + b"[5]\n", "NLRI 31", "expected an object"),
    ("v4-ecomlist-first.json", "ipv4-detail",
     b'[{"ecomlist":"FS:rate 0.000000"},{"to":"203.0.113.1/32"}]\n' + V4, "NLRI 1",
     "without its NLRI"),
    ("v4-time-first.json", "ipv4-detail", b'[{"time":"00:00:01"}]\n' + V4, "NLRI 1",
     "before any NLRI"),
    ("v4-two-nlri.json", "ipv4-detail",
     b'[{"to":"203.0.113.1/32"},{"time":"x"},{"to":"203.0.113.2/32"},{"time":"x"}]\n' + V4,
     "NLRI 1", "different NLRIs"),
    ("v4-out-of-order.json", "ipv4-detail",
     b'[{"dstp":"= 80 ","to":"203.0.113.1/32"}]\n' + V4, "NLRI 1", "out of order"),
    ("v4-trailing-garbage.json", "ipv4-detail", V4 + b"Exiting\n", "NLRI 31", "invalid JSON"),
    ("v4-deep-nesting.json", "ipv4-detail", b"[" * 5000 + b"]" * 5000 + b"\n" + V4, "NLRI 1",
     "JSON nested deeper than 8 at byte 8"),
    ("v4-invalid-utf8.json", "ipv4-detail", V4.replace(T, b'"to":"203.0.113.210/32\xff"'),
     "NLRI %d" % nlri_of(V4, V4.index(T)), "invalid JSON"),
    ("v4-nul-byte.json", "ipv4-detail", V4.replace(T, b'"to":"203.0.113.210/32\x00"'),
     "NLRI %d" % nlri_of(V4, V4.index(T)),
     "NUL byte at byte %d: [0].to" % (V4.index(T) + len(T) - 1)),
    ("v4-huge-term-list.json", "ipv4-detail",
     V4.replace(P, b'"port":"' + b" , ".join(b"= %d" % i for i in range(1, 20001)) + b' "'),
     "NLRI 1", "terms"),
]

# ---- what json-c lets through: the strictness check refuses the answer ------
# (lib/src/json_strict.c; json-c keeps the last of two equal keys, and a
# C string ends at an escaped NUL, so FRR's strings were read cut short)
def at(doc, old, new, marker):
    """doc with old replaced by new, and the byte offset of marker in new"""
    assert doc.count(old) == 1, old
    return doc.replace(old, new), doc.index(old) + new.index(marker)


NUL = b"\\u0000"
for tag, old, new, path in (
        # the route then read "65000:1": RETURN instead of DROP
        ("ecomlist-nul", b'"ecomlist":"FS:rate 0.000000 FS:marking 18"',
         b'"ecomlist":"65000:1\\u0000 FS:rate 0.000000 FS:marking 18"', "[1].ecomlist"),
        # the protocol then read "= 6": narrowed to TCP
        ("proto-nul", b'"proto":"= 6 , = 17 "', b'"proto":"= 6 \\u0000, = 17 "', "[0].proto"),
        ("to-nul", b'"to":"203.0.113.0/24"', b'"to":"203.0.113.0/24\\u0000junk"', "[0].to")):
    data, off = at(V4, old, new, NUL)
    cases.append(("v4-%s.json" % tag, "ipv4-detail", data, "NLRI %d" % nlri_of(V4, V4.index(old)),
                  'escaped NUL (\\u0000) at byte %d: %s: "\\\\u0000"' % (off, path)))

# ---- IPv6 -----------------------------------------------------------------------
T6 = b'"to":"2001:db8:a00::/64/off 0"'
for tag, new, what in (
        ("len-129", b'"to":"2001:db8:a00::/129/off 0"', "2001:db8:a00::/129"),
        ("offset-word", b'"to":"2001:db8:a00::/64/off x"', "off x"),
        ("ipv4-in-ipv6", b'"to":"203.0.113.1/32/off 0"', "203.0.113.1"),
        ("bad-address", b'"to":"2001:db8:g00::/64/off 0"', "2001:db8:g00::"),
        ("no-length", b'"to":"2001:db8:a00::"', "2001:db8:a00::")):
    sub("v6-prefix-%s.json" % tag, "ipv6-detail", V6, T6, new, what)
sub("v6-prefix-offset-past-length.json", "ipv6-detail", V6, b'"to":"db8:400:381::/48/off 16"',
    b'"to":"db8:400:381::/48/off 49"', "db8:400:381::/48/off 49: FRR 8.4 decodes", "dst",
    "refused")
sub("v6-flowlabel-2-20.json", "ipv6-detail", V6, b'"flwlbl":">= 100 , <= 200 , = 300 "',
    b'"flwlbl":">= 100 , <= 200 , = 1048576 "', "1048576")
sub("v6-nexthdr-256.json", "ipv6-detail", V6, b'"proto":"= 58 "', b'"proto":"= 256 "', "256")

# ---- the summary ------------------------------------------------------------------
S = b'"state":"Established"'
cases += [
    ("s4-cut.json", "ipv4-summary", S4[:len(S4) // 2], "byte", "invalid JSON"),
    ("s4-bgpd-not-running.txt", "ipv4-summary", NOTRUNNING, "byte 0", "invalid JSON"),
    ("s4-array.json", "ipv4-summary", b"[" + S4 + b"]", "summary", "expected a JSON object"),
    ("s4-peers-array.json", "ipv4-summary", S4.replace(b'"peers":{', b'"peers":[{', 1)
     .replace(b'\n  },\n  "failedPeers"', b'\n  }],\n  "failedPeers"', 1), "summary", '"peers" is not an object'),
    ("s4-state-number.json", "ipv4-summary", S4.replace(S, b'"state":6', 1), '"198.19.1.1"',
     '"state" (string)'),
    ("s4-pfxrcd-negative.json", "ipv4-summary", S4.replace(b'"pfxRcd":30', b'"pfxRcd":-1', 1),
     '"198.19.1.1"', '"pfxRcd" (integer >= 0)'),
    ("s4-pfxrcd-string.json", "ipv4-summary", S4.replace(b'"pfxRcd":30', b'"pfxRcd":"30"', 1),
     '"198.19.1.1"', '"pfxRcd" (integer >= 0)'),
]
# the same peer twice (json-c kept the second, Idle: the rules went), one
# peer Established and Idle, and a state cut by an escaped NUL
B1 = S4[S4.index(b'    "198.19.1.1":{'):S4.index(b'    "198.19.2.1":{')]
IDLE = B1.replace(S, b'"state":"Idle"').replace(b'"pfxRcd":30', b'"pfxRcd":0')
data = S4.replace(B1, B1 + IDLE, 1)
cases.append(("s4-peer-twice.json", "ipv4-summary", data, "summary",
              'a key given twice in one object at byte %d: peers: "198.19.1.1"' %
              (S4.index(B1) + len(B1) + 4)))
data, off = at(S4, S + b",", S + b',\n      "state":"Idle",', b'"state":"Idle"')
cases.append(("s4-state-twice.json", "ipv4-summary", data, "summary",
              'a key given twice in one object at byte %d: peers."198.19.1.1": "state"' % off))
data, off = at(S4, S, b'"state":"Established\\u0000Idle"', NUL)
cases.append(("s4-state-nul.json", "ipv4-summary", data, "summary",
              'escaped NUL (\\u0000) at byte %d: peers."198.19.1.1".state' % off))

old = [f for f in os.listdir(here) if f.startswith(("v4-", "v6-", "s4-"))]
for f in old:
    os.unlink(os.path.join(here, f))
with open(os.path.join(here, "EXPECT.tsv"), "w") as tsv:
    tsv.write("# file\tvtysh answer it replaces\twhere\twhat\terror (the answer refused) or "
              "refused (the route) (generated by make-corpus.py)\n")
    for c in cases:
        name, slot, data, where, what = c[:5]
        outcome = c[5] if len(c) > 5 else "error"
        assert "\t" not in where + what and "\n" not in where + what, name
        with open(os.path.join(here, name), "wb") as f:
            f.write(data)
        tsv.write("%s\t%s\t%s\t%s\t%s\n" % (name, slot, where, what, outcome))
print("%d files" % len(cases))
