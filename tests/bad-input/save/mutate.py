#!/usr/bin/env python3
"""mutate.py SAVEFILE OUTDIR - one altered ruleset per file in OUTDIR, each
a copy of SAVEFILE (real iptables-legacy-save or ip6tables-legacy-save
output that tests/bad-input/run.sh makes in its namespace) with one change,
and OUTDIR/EXPECT.tsv, one line per file, tab-separated:

  file     the ruleset
  where    FILE:LINE: (or FILE:) the error must name; for an accepted
           ruleset, the rule number ("rule N") the change is in
  what     what the error must name (as it quotes it: backslash-x-NN for a
           byte outside ASCII); for an accepted ruleset, the body of the
           route the fetcher must write ("proto = 6; dport = 443;"), or
           "matches no packet" for a rule it must leave out with a warning
  outcome  refuse: flowspec-fetcher -i exits 1, and iptables-legacy-restore
           refuses the file too; stricter: the fetcher refuses on purpose a
           file restore takes (see fetcher/flowspec-fetcher.8); accept: both
           take it, and the fetcher writes `what` (exit 0)
  family   4 or 6 when the file is read as the other family's, "-" if not

The family is taken from the file ("-p icmp" or not).  run.sh checks the
fetcher's outcome and, in a scratch namespace, iptables-legacy-restore's
(ip6tables-legacy-restore's) decision on every file."""
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
cases = []  # (name, data, where, what, outcome, family)


def first(tok):
    """index of the first FORWARD rule holding tok"""
    for i in rules:
        if tok in lines[i]:
            return i
    raise SystemExit("mutate.py: no rule with %r in %s" % (tok, src))


def rule(name, tok, new, what=None, outcome="refuse"):
    i = first(tok)
    ls = list(lines)
    ls[i] = ls[i].replace(tok, new, 1)
    cases.append((name, b"\n".join(ls), "%s:%d:" % (name, i + 1),
                  what if what is not None else new.split()[-1].decode("latin-1"), outcome, "-"))


def line(name, i, text, what, outcome="refuse"):
    ls = list(lines)
    ls[i] = text
    cases.append((name, b"\n".join(ls), "%s:%d:" % (name, i + 1), what, outcome, "-"))


def append(name, text, what, outcome="refuse"):
    """a new line after the chain's last rule: refused (at its line), or
    accepted as rule N with `what` its route body or 'matches no packet'"""
    ls = list(lines)
    ls.insert(rules[-1] + 1, text)
    where = ("rule %d" % (len(rules) + 1)) if outcome == "accept" else \
        "%s:%d:" % (name, rules[-1] + 2)
    cases.append((name, b"\n".join(ls), where, what, outcome, "-"))


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
rule("%s-option-unknown.save" % fam, port, port + b" --frobnicate 1", 'unknown option: "--frobnicate"')
rule("%s-option-no-value.save" % fam, port + b" -j ACCEPT", b"--dport", "--dport")
# restore takes the rest of the line into the open quote; a cut file is likelier
rule("%s-quote-open.save" % fam, port, port + b' -m comment --comment "web', "unbalanced quotes",
     "stricter")
# lines that are not rules
line("%s-counters-word.save" % fam, rules[0], b"[a:b] " + lines[rules[0]], "[a:b]")
line("%s-append-no-chain.save" % fam, rules[0], b"-A", "-A")
line("%s-policy-word.save" % fam, policy, b":FORWARD DROPPED [0:0]", "DROPPED")
# restore reads a policy line's counters only with -c (and the rest of the line never)
line("%s-policy-counters.save" % fam, policy, b":FORWARD DROP [x:0]", "[x:0]", "stricter")
line("%s-unknown-line.save" % fam, rules[0], b"?" + lines[rules[0]], "?-A")
line("%s-long-line.save" % fam, rules[0], lines[rules[0]] + b" " + b"x" * 70000, "a line longer than")
# restore's fgets reads past a NUL and its string functions stop there: the
# rule would lose its target
line("%s-nul-byte.save" % fam, rules[0], lines[rules[0]].replace(b" -j ", b" \x00-j ", 1), "a NUL byte",
     "stricter")
line("%s-invalid-utf8.save" % fam, rules[0], lines[rules[0]].replace(b" -j ", b" \xff -j ", 1), '"\\xff"')
ls = lines[:hi] + lines[hi + 1:]
cases.append(("%s-no-commit.save" % fam, b"\n".join(ls), "%s-no-commit.save:" % fam,
              "the filter table ends without COMMIT", "refuse", "-"))
ls = list(lines)
ls.insert(rules[-1] + 1, b"*nat")
cases.append(("%s-table-inside-table.save" % fam, b"\n".join(ls),
              "%s-table-inside-table.save:%d:" % (fam, rules[-1] + 2), '"*nat" before', "refuse", "-"))

# ---- issue 15 section 5: what iptables-restore refuses, the fetcher refuses ----
src_b = b"2001:db8:ffff::/48" if v6 else b"203.0.113.0/24"
rule("%s-src-twice.save" % fam, b"-s " + src_tok, b"-s " + src_tok + b" -s " + src_b, "a second -s")
rule("%s-dst-twice.save" % fam, b" -d ", b" -d " + src_b + b" -d ", "a second -d")
rule("%s-proto-twice.save" % fam, b"-p tcp", b"-p tcp -p udp", "a second -p")
rule("%s-dport-twice.save" % fam, port, port + b" --dport 443", "--dport twice in one tcp match")
rule("%s-sport-twice.save" % fam, b"--sport 5432", b"--sport 5432 --source-port 1", "--source-port twice in one tcp match")
rule("%s-jump-twice.save" % fam, b"-j ACCEPT", b"-j ACCEPT -j DROP", "a second -j or -g")
rule("%s-goto-and-jump.save" % fam, b"-j ACCEPT", b"-j ACCEPT -g FORWARD", "a second -j or -g")
acc = [i for i in rules if lines[i].endswith(b"-j ACCEPT")][0]
line("%s-bang-trailing.save" % fam, acc, lines[acc] + b" !", '"!" with nothing after it')
line("%s-bang-twice.save" % fam, acc, lines[acc].replace(b"-p ", b"! ! -p ", 1), 'two "!" in a row')
line("%s-bang-before-jump.save" % fam, acc, lines[acc].replace(b"-j ACCEPT", b"! -j ACCEPT"), '"!" before -j')
line("%s-bang-before-match.save" % fam, acc, lines[acc].replace(b" -m ", b" ! -m ", 1), '"!" before -m')
rule("%s-tcp-port-udp-match.save" % fam, b"-m tcp " + port, b"-m udp " + port, "the udp match needs -p udp")
rule("%s-tcp-match-no-proto.save" % fam, b"-p tcp -m tcp " + port, b"-m tcp " + port, "the tcp match needs -p tcp")
rule("%s-tcp-match-not-tcp.save" % fam, b"-p tcp -m tcp " + port, b"! -p tcp -m tcp " + port,
     "the tcp match needs -p tcp")
line("%s-undeclared-chain.save" % fam, acc, lines[acc].replace(b"-A FORWARD", b"-A NOSUCH", 1), '"NOSUCH"')
line("%s-goto-undeclared.save" % fam, acc, lines[acc].replace(b"-j ACCEPT", b"-g NOSUCH"),
     '-g to a chain the table does not declare')
line("%s-nbsp-after-target.save" % fam, acc, lines[acc] + b" \xc2\xa0", '"\\xc2\\xa0"')
line("%s-nbsp-joined.save" % fam, acc, lines[acc].replace(b" -j ", b"\xc2\xa0-j ", 1), "\\xc2\\xa0-j")
line("%s-target-option.save" % fam, acc, lines[acc] + b" --log-prefix x", 'unknown option: "--log-prefix"')
rule("%s-tcp-flags-ece.save" % fam, b"--tcp-flags FIN,SYN,RST,ACK SYN", b"--tcp-flags ECE,SYN SYN",
     "ECE,SYN")
rule("%s-syn-and-flags.save" % fam, b"--tcp-flags FIN,SYN,RST,ACK SYN", b"--syn --tcp-flags FIN,SYN,RST,ACK SYN",
     "one of --syn and --tcp-flags")
rule("%s-multiport-range-equal.save" % fam, port, b"-m multiport --dports 80:80", "bad port list")
rule("%s-multiport-16-ports.save" % fam, port,
     b"-m multiport --dports " + b",".join(b"%d" % p for p in range(1, 17)), "bad port list")
rule("%s-multiport-two-options.save" % fam, port, b"-m multiport --sports 1 --dports 2",
     "one of --sports, --dports and --ports")
rule("%s-reject-tcp-reset-udp.save" % fam, b"--dport 9 -j ACCEPT", b"--dport 9 -j REJECT --reject-with tcp-reset",
     "needs -p tcp")
icmp_m = b"-m icmp6" if v6 else b"-m icmp"
rule("%s-icmp-match-other-family.save" % fam, icmp_m + b" ", (b"-m icmp " if v6 else b"-m icmp6 "),
     "no such match in IPv%d" % (6 if v6 else 4))
rule("%s-icmp-no-type.save" % fam, icmp + b" " + ival, b"-m comment --comment x", "needs --icmp")
rule("%s-comment-negated.save" % fam, b"-j ACCEPT", b"-m comment ! --comment x -j ACCEPT", "cannot be negated")
rule("%s-proto-all-negated.save" % fam, b"-p tcp", b"! -p all", "matches no packet")
line("%s-crlf.save" % fam, acc, lines[acc] + b"\r", "a carriage return")
line("%s-user-chain-policy.save" % fam, policy, lines[policy] + b"\n:MYCHAIN ACCEPT [0:0]", "no built-in chain")
cases[-1] = cases[-1][:2] + ("%s-user-chain-policy.save:%d:" % (fam, policy + 2),) + cases[-1][3:]
line("%s-chain-twice.save" % fam, policy, lines[policy] + b"\n:MYCHAIN - [0:0]\n:MYCHAIN - [0:0]",
     "declared twice")
cases[-1] = cases[-1][:2] + ("%s-chain-twice.save:%d:" % (fam, policy + 3),) + cases[-1][3:]
ls = [b"-A FORWARD -j ACCEPT"] + list(lines)
cases.append(("%s-rule-outside-table.save" % fam, b"\n".join(ls), "%s-rule-outside-table.save:1:" % fam,
              "outside a table", "refuse", "-"))
ls = list(lines)
ls[lo] = b"*filterx"
cases.append(("%s-table-name.save" % fam, b"\n".join(ls), "%s-table-name.save:%d:" % (fam, lo + 1),
              "not a table of iptables", "refuse", "-"))
# two filter tables: restore commits the first, then replaces it with the
# second; the fetcher would have to pick one (issue 15: refuse it)
ls = lines[:hi + 1] + lines[lo:hi + 1] + lines[hi + 1:]
cases.append(("%s-filter-twice.save" % fam, b"\n".join(ls), "%s-filter-twice.save:%d:" % (fam, hi + 2),
              "a second filter table", "stricter", "-"))
# a built-in chain with policy "-" keeps whatever policy the kernel had
line("%s-policy-dash.save" % fam, policy, b":FORWARD - [0:0]", "its policy must be ACCEPT or DROP", "stricter")

# ---- the other family's file ----
other = "4" if v6 else "6"
cases.append(("%s-read-as-v%s.save" % (fam, other), b"\n".join(lines), "%s-read-as-v%s.save:1:" % (fam, other),
              "read it with -%d" % (6 if v6 else 4), "refuse", other))
ls = [l for l in lines if not l.startswith(b"#")]
n_first = [k for k, l in enumerate(ls) if l.startswith(b"-A FORWARD ") and (b"-s " in l or b"-d " in l)][0]
cases.append(("%s-read-as-v%s-no-header.save" % (fam, other), b"\n".join(ls),
              "%s-read-as-v%s-no-header.save:%d:" % (fam, other, n_first + 1),
              "read it with -%d" % (6 if v6 else 4), "refuse", other))

# ---- repeated matches: every instance holds (the last one won before) ----
P = b"next header" if v6 else b"proto"
def acc_case(tag, text, what):
    append("%s-%s.save" % (fam, tag), b"-A FORWARD " + text, what, "accept")
acc_case("repeat-dport-range", b"-p tcp -m tcp --dport 1000:2000 -m tcp ! --dport 1500 -j DROP",
         "%s = 6; dport >= 1000 && <= 1499 || >= 1501 && <= 2000;" % P.decode())
acc_case("repeat-syn-fin", b"-p tcp -m tcp --syn -m tcp --tcp-flags FIN FIN -j DROP", "matches no packet")
acc_case("repeat-syn-fin-implicit", b"-p tcp --syn -m tcp --tcp-flags FIN FIN -j DROP", "matches no packet")
acc_case("repeat-dport-53-54", b"-p udp -m udp --dport 53 -m udp --dport 54 -j DROP", "matches no packet")
acc_case("repeat-multiport", b"-p tcp -m multiport --dports 80,443 -m multiport --dports 443,8443 -j DROP",
         "%s = 6; dport = 443;" % P.decode())
acc_case("repeat-dport-multiport", b"-p tcp -m tcp --dport 22 -m multiport --dports 80,443 -j DROP",
         "matches no packet")
acc_case("repeat-length", b"-m length --length 100:200 -m length --length 300:400 -j DROP", "matches no packet")
acc_case("repeat-length-overlap", b"-m length --length 100:300 -m length --length 200:400 -j DROP",
         "length >= 200 && <= 300;")
acc_case("repeat-dscp", b"-m dscp --dscp 0x0a -m dscp --dscp 0x0c -j DROP", "matches no packet")
acc_case("repeat-tcp-flags", b"-p tcp -m tcp --tcp-flags SYN,ACK SYN -m tcp ! --tcp-flags FIN FIN -j DROP",
         "%s = 6; tcp flags 0x2/0x13;" % P.decode())
acc_case("implicit-tcp-match", b"-p tcp --dport 8443 -j DROP", "%s = 6; dport = 8443;" % P.decode())
acc_case("length-reversed", b"-m length --length 200:100 -j DROP", "matches no packet")
if not v6:
    acc_case("proto-ipip", b"-p ipip -j DROP", "proto = 94;")
    acc_case("icmp-type-255", b"-p icmp -m icmp --icmp-type 255/3 -j DROP", "proto = 1; icmp type >= 0 && <= 255;")

os.makedirs(out, exist_ok=True)
with open(os.path.join(out, "EXPECT.tsv"), "w", encoding="latin-1") as t:
    for name, data, ln, what, outcome, family in cases:
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
        t.write("%s\t%s\t%s\t%s\t%s\n" % (name, ln, what, outcome, family))
