#!/usr/bin/env python3
"""mutate.py SAVEFILE OUTDIR - one malformed ruleset per file in OUTDIR, each
a copy of SAVEFILE (real iptables-legacy-save or ip6tables-legacy-save
output that tests/bad-input/run.sh makes in its namespace) with one change,
and OUTDIR/EXPECT.tsv: file, where (FILE:LINE: for a malformed line,
"rule N" for a rule FlowSpec cannot carry) and the bad value the fetcher's
error must name (as the error quotes it: backslash-x-NN for a byte outside
ASCII).  The family is taken from the file ("-p icmp" or not)."""
import os, sys

src, out = sys.argv[1], sys.argv[2]
lines = open(src, "rb").read().split(b"\n")
v6 = not any(b"-p icmp " in l or l.endswith(b"-p icmp") for l in lines)
fam = "v6" if v6 else "v4"
# the filter table's lines (iptables-save also prints mangle, raw, ...)
lo = lines.index(b"*filter")
hi = lines.index(b"COMMIT", lo)
rules = [i for i in range(lo, hi) if lines[i].startswith(b"-A FORWARD ")]
policy = [i for i in range(lo, hi) if lines[i].startswith(b":FORWARD ")][0]
cases = []  # (name, data, where, what)


def first(tok):
    """index of the first FORWARD rule holding tok"""
    for i in rules:
        if tok in lines[i]:
            return i
    raise SystemExit("mutate.py: no rule with %r in %s" % (tok, src))


def rule(name, tok, new, what=None):
    i = first(tok)
    ls = list(lines)
    ls[i] = ls[i].replace(tok, new, 1)
    cases.append((name, b"\n".join(ls), "%s:%d:" % (name, i + 1),
                  what if what is not None else new.split()[-1].decode("latin-1")))


def line(name, i, text, what):
    ls = list(lines)
    ls[i] = text
    cases.append((name, b"\n".join(ls), "%s:%d:" % (name, i + 1), what))


# numbers out of range and wrong words in every field
port = b"--dport 8080" if b"--dport 8080" in b"\n".join(lines) else b"--dport 5432"
for tag, new in (("dport-70000", b"--dport 70000"), ("dport-65536", b"--dport 65536"),
                 ("dport-negative", b"--dport -1"), ("dport-word", b"--dport http-alt-x"),
                 ("dport-range-3", b"--dport 1:2:3"), ("dport-range-backwards", b"--dport 9000:8000"),
("dport-huge", b"--dport 99999999999999999999")):
    rule("%s-%s.save" % (fam, tag), port, new)
rule("%s-sport-70000.save" % fam, b"--sport 5432", b"--sport 70000")
rule("%s-proto-256.save" % fam, b"-p tcp", b"-p 256")
rule("%s-proto-word.save" % fam, b"-p tcp", b"-p tcpx")
src_tok = [t for t in lines[first(b" -s ")].split() if b"/" in t][0]
maxlen = 128 if v6 else 32
rule("%s-src-len.save" % fam, b"-s " + src_tok, b"-s " + src_tok.split(b"/")[0] + b"/%d" % (maxlen + 1))
rule("%s-src-len-word.save" % fam, b"-s " + src_tok, b"-s " + src_tok.split(b"/")[0] + b"/x")
rule("%s-src-address.save" % fam, b"-s " + src_tok,
     b"-s 2001:db8::zz/64" if v6 else b"-s 198.19.1.300/32")
rule("%s-src-empty.save" % fam, b"-s " + src_tok, b"-s /24")
rule("%s-tcp-flags-word.save" % fam, b"--tcp-flags FIN,SYN,RST,ACK SYN", b"--tcp-flags FIN,SYN,RST,ACK BOGUS")
rule("%s-tcp-flags-mask-word.save" % fam, b"--tcp-flags FIN,SYN,RST,ACK SYN", b"--tcp-flags FIN,NOPE SYN", "FIN,NOPE")
rule("%s-tcp-flags-one-arg.save" % fam, b"--tcp-flags FIN,SYN,RST,ACK SYN -j ACCEPT",
     b"--tcp-flags FIN,SYN,RST,ACK", "--tcp-flags")
icmp = b"--icmpv6-type" if v6 else b"--icmp-type"
itok = [l for l in (lines[i] for i in rules) if icmp in l][0]
ival = itok.split(icmp + b" ")[1].split()[0]
rule("%s-icmp-type-256.save" % fam, icmp + b" " + ival, icmp + b" 256")
rule("%s-icmp-code-256.save" % fam, icmp + b" " + ival, icmp + b" 8/256" if not v6 else icmp + b" 128/256")
rule("%s-icmp-type-word.save" % fam, icmp + b" " + ival, icmp + b" pingpong")
rule("%s-option-unknown.save" % fam, port, port + b" --frobnicate 1", '"--frobnicate"')
cases[-1] = cases[-1][:2] + ("rule %d" % (rules.index(first(port)) + 1),) + cases[-1][3:]
rule("%s-option-no-value.save" % fam, port + b" -j ACCEPT", b"--dport", "--dport")
rule("%s-quote-open.save" % fam, port, port + b' -m comment --comment "web', "unbalanced quotes")
# lines that are not rules
line("%s-counters-word.save" % fam, rules[0], b"[a:b] " + lines[rules[0]], "[a:b]")
line("%s-append-no-chain.save" % fam, rules[0], b"-A", "-A")
line("%s-policy-word.save" % fam, policy, b":FORWARD DROPPED [0:0]", "DROPPED")
line("%s-policy-counters.save" % fam, policy, b":FORWARD DROP [x:0]", "[x:0]")
line("%s-unknown-line.save" % fam, rules[0], b"?" + lines[rules[0]], "?-A")
line("%s-long-line.save" % fam, rules[0], lines[rules[0]] + b" " + b"x" * 70000, "too many tokens")
line("%s-nul-byte.save" % fam, rules[0], lines[rules[0]].replace(b" -j ", b" \x00-j ", 1), "a NUL byte")
line("%s-invalid-utf8.save" % fam, rules[0], lines[rules[0]].replace(b" -j ", b" \xff -j ", 1), 'unknown option: "\\xff"')
ls = lines[:hi] + lines[hi + 1:]
cases.append(("%s-no-commit.save" % fam, b"\n".join(ls), "%s-no-commit.save:" % fam,
              "the filter table ends without COMMIT"))
ls = list(lines)
ls.insert(rules[-1] + 1, b"*nat")
cases.append(("%s-table-inside-table.save" % fam, b"\n".join(ls),
              "%s-table-inside-table.save:%d:" % (fam, rules[-1] + 2), '"*nat" before'))

os.makedirs(out, exist_ok=True)
with open(os.path.join(out, "EXPECT.tsv"), "w", encoding="latin-1") as t:
    for name, data, ln, what in cases:
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
        t.write("%s\t%s\t%s\n" % (name, ln, what))
