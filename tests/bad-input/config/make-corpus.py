#!/usr/bin/env python3
"""make-corpus.py - writes the malformed configuration files of this
directory and EXPECT.tsv: file, line, column, and a substring the error
must contain (the bad value or key this script put there).  Deterministic;
run it again after changing it and commit the result."""
import os

here = os.path.dirname(os.path.abspath(__file__))
cases = []  # (name, text, line, col, substring)


def add(name, text, line, col, sub, token=None):
    """col None: the column of token (default sub) in that line, quote included."""
    if col is None:
        ln = text.split("\n")[line - 1]
        tok = token if token is not None else sub
        i = ln.find('"' + tok) if ('"' + tok) in ln else ln.find(tok)
        col = i + 1
    cases.append((name, text, line, col, sub))


# integers: out of range above and below, wrong types
ints = [
    ("window-ms", "commit", 60000), ("max-pending", "commit", 10000000),
    ("max-delay-ms", "commit", 600000), ("hold-ms", "commit", 600000),
    ("lock-wait-ms", None, 600000), ("nflog-group", None, 65535),
    ("max-routes", None, 1000000), ("max-routes-per-neighbor", None, 1000000),
    ("vtysh-timeout", "frr", 3600), ("interval", "frr", 86400),
    ("rule-priority", "redirect", 32765), ("ip-tables", "redirect", 64),
]
for key, parent, hi in ints:
    for tag, val, sub in (("too-big", str(hi + 1), str(hi + 1)),
                          ("huge", "99999999999999999999", "99999999999999999999"),
                          ("negative", "-1", "-1"),
                          ("string", '"abc"', "abc"),
                          ("float", "1.5", "1.5")):
        name = "%s%s-%s.yaml" % (parent + "-" if parent else "", key, tag)
        if parent:
            add(name, "%s:\n  %s: %s\n" % (parent, key, val), 2, None, sub, val)
        else:
            add(name, "%s: %s\n" % (key, val), 1, None, sub, val)

# words out of their set, and wrong types for them
for key, bad in (("source", "bird"), ("order", "random"), ("sequence-community", "dirty"),
                 ("accept", "drop"), ("apply-untargeted", "maybe"), ("protect-bgp-peers", "2")):
    add("%s-bad-word.yaml" % key, "%s: %s\n" % (key, bad), 1, None, bad)
for key, parent, bad in (("level", "log", "loud"), ("destination", "log", "file"),
                         ("peer-down", "frr", "forget")):
    add("%s-%s-bad-word.yaml" % (parent, key), "%s:\n  %s: %s\n" % (parent, key, bad), 2,
        None, bad)

# names: chains, hooks, interfaces, paths
for key, bad in (("chain", "FLOW SPEC"), ("chain", "A" * 40), ("hook", "FOR;WARD"),
                 ("in-interface", "eth0/1"), ("in-interface", "x" * 16),
                 ("out-interface", "a b")):
    add("%s-%s.yaml" % (key, "long" if len(bad) > 12 else "bad"), "%s: \"%s\"\n" % (key, bad),
        1, None, bad)
add("metrics-file-relative.yaml", "metrics-file: flowspec.prom\n", 1, None, "flowspec.prom")
add("sequence-type-too-big.yaml", "sequence-type: 0x1ffff\n", 1, None, "0x1ffff")
add("sequence-type-string.yaml", "sequence-type: \"80ff\"\n", 1, None, "80ff")

# route targets and prefixes
for i, bad in enumerate(("65000", "65000:", "x:1", "65536:4294967296", "4294967296:1",
                         "192.0.2.1:65536", "256.0.0.1:1", "65000:-1")):
    add("import-rt-%d.yaml" % i, "import-route-targets: [ \"%s\" ]\n" % bad, 1, None, bad)
for i, bad in enumerate(("192.0.2.0/33", "192.0.2.1/24", "2001:db8::/129", "2001:db8::1/32",
                         "192.0.2.0", "banana/8", "192.0.2.0/-1", "::/0/0")):
    add("protected-prefix-%d.yaml" % i, "protected-prefixes: [ \"%s\" ]\n" % bad, 1, None, bad)

# redirect: odd masks and maps
for i, (text, line, col, sub) in enumerate((
        ("redirect:\n  mark-mask: 0x0000f0f0\n", 2, 14, "0x0000f0f0"),
        ("redirect:\n  mark-mask: 0x00ff0000\n", 2, 14, "0x00ff0000"),
        ("redirect:\n  mark-mask: 0\n", 2, 14, "0"),
        ("redirect:\n  map: { \"65000:1\": 0 }\n", 2, 21, "0"),
        ("redirect:\n  map: { \"65000:1\": 254 }\n", 2, 21, "254"),
        ("redirect:\n  map: { \"nope\": 100 }\n", 2, 0, "nope"),
        ("redirect:\n  map: { \"65000:1\": 100, \"65000:1\": 101 }\n", 2, 0, "65000:1"))):
    add("redirect-%d.yaml" % i, text, line, col, sub)

# sequence types that are an action's, a redirect's or a route target's (the
# types lib/src/ecomm.c decodes): each would turn those communities into
# sequence numbers (a rate-limit 0 into no action), or refuse them
for t in ("0x8006", "0x8007", "0x8008", "0x8108", "0x8208", "0x8009", "0x800c", "0x0002",
          "0x0102", "0x0202", "0x010c", "0x0800", "32774"):
    add("sequence-type-%s.yaml" % t, "sequence-type: %s\n" % t, 1, None, t)

# chain names iptables cannot address or that are not ours to own, and the
# hooks' built-in chains
for i, bad in enumerate(("INPUT", "OUTPUT", "FORWARD", "PREROUTING", "POSTROUTING", "-j", "-X",
                         "DROP", "RETURN", "LOG", "MARK", "standard", "FLOWSPEC4-pre",
                         "FS6-0123abcd", "ABCDEFGHIJKLMNO", "ABCDEFGHIJKLMNOPQRST")):
    add("chain-refused-%d.yaml" % i, "chain: %s\n" % bad, 1, None, bad)
for i, (key, bad) in enumerate((("hook", "MYCHAIN"), ("hook", "PREROUTING"),
                                ("hook", "POSTROUTING"), ("hook", "forward"),
                                ("mangle-hook", "PREROUTING"), ("mangle-hook", "FORWARD"),
                                ("mangle-hook", "MYMANGLE"))):
    add("%s-refused-%d.yaml" % (key, i), "%s: %s\n" % (key, bad), 1, None, bad)

# keys that cannot go together: at the one further down, naming it
add("across-hook-output-in-interface.yaml", "hook: OUTPUT\nin-interface: eth0\n", 2, None, "eth0")
add("across-in-interface-hook-output.yaml", "in-interface: eth0\nhook: OUTPUT\n", 2, None,
    "OUTPUT")
add("across-hook-input-out-interface.yaml", "hook: INPUT\nout-interface: eth1\n", 2, None, "eth1")
add("across-frr-sequence.yaml", "source: frr\norder: sequence\n", 2, None, "sequence")
add("across-sequence-frr.yaml", "order: sequence\nsource: frr\n", 2, None, "frr")

# redirect keys together: at the value that brings the conflict, as written
add("redirect-reserved-hex.yaml", "redirect:\n  ip-tables: 3\n  ip-table-base: 0xfc\n", 3, None,
    "0xfc")
add("redirect-table-in-map.yaml",
    "redirect:\n  map: { \"65000:1\": 2001 }\n  ip-tables: 2\n  ip-table-base: 2000\n", 4, None,
    "2000")
add("redirect-marks-short.yaml", "redirect:\n  mark-mask: 0x3\n  ip-tables: 4\n", 2, None, "0x3")

# numbers: 2^64 and beyond, quoted as written
add("nflog-group-2-64.yaml", "nflog-group: 18446744073709551616\n", 1, None,
    "18446744073709551616")
add("max-routes-2-64-hex.yaml", "max-routes: 0x10000000000000000\n", 1, None,
    "0x10000000000000000")

# structure
add("unknown-key.yaml", "chian: FLOWSPEC\n", 1, 1, "chian")
add("unknown-nested-key.yaml", "commit:\n  windw-ms: 10\n", 2, 3, "windw-ms")
add("duplicate-key.yaml", "chain: A\nchain: B\n", 2, 1, "chain")
add("duplicate-nested-key.yaml", "commit:\n  hold-ms: 1\n  hold-ms: 2\n", 3, 3, "hold-ms")
add("alias.yaml", "max-routes: &x 10\nmax-pending: *x\n", 0, 0, "")
add("tag.yaml", "max-routes: !!str 10\n", 1, 13, "tag")
add("tab-indent.yaml", "commit:\n\twindow-ms: 10\n", 2, 1, "")
add("second-document.yaml", "chain: A\n---\nchain: B\n", 2, 1, "")
add("top-level-list.yaml", "- chain\n- A\n", 1, 1, "")
add("top-level-scalar.yaml", "FLOWSPEC\n", 1, 1, "FLOWSPEC")
add("map-for-scalar.yaml", "chain: { a: 1 }\n", 1, 8, "chain")
add("list-for-scalar.yaml", "max-routes: [ 1 ]\n", 1, 13, "max-routes")
add("scalar-for-map.yaml", "commit: 5\n", 1, 9, "5")
add("unterminated-quote.yaml", "chain: \"FLOW\n", 2, 1, "")
add("unterminated-flow.yaml", "import-route-targets: [ \"65000:1\"\n", 2, 1, "")
add("deep-nesting.yaml", "commit: " + "[" * 200 + "]" * 200 + "\n", 1, 9, "commit")
add("invalid-utf8.yaml", "chain: \"FL\xffOW\"\n", 1, 0, "#xFF")
add("nul-byte.yaml", "chain: FL\x00OW\n", 1, 0, "#x0")
add("empty-key.yaml", "\"\": 1\n", 1, 1, "")
add("null-value.yaml", "max-routes: ~\n", 1, 13, "max-routes")

for n in os.listdir(here):
    if n.endswith(".yaml"):
        os.remove(os.path.join(here, n))
with open(os.path.join(here, "EXPECT.tsv"), "w") as f:
    f.write("# file\tline\tcolumn\tsubstring of the message (generated by make-corpus.py; "
            "line/column 0 = any)\n")
    for name, text, line, col, sub in cases:
        with open(os.path.join(here, name), "wb") as y:
            y.write(text.encode("latin-1"))
        f.write("%s\t%d\t%d\t%s\n" % (name, line, col, sub))
print("%d files" % len(cases))
