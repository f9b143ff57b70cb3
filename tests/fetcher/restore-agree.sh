#!/bin/bash
# restore-agree.sh FETCHER [N] - flowspec-fetcher -i takes exactly the save
# files iptables-legacy-restore takes (issue 15 section 5), within the
# matches and targets the fetcher reads: N (default 400) random rule lines
# per family, made of real and broken options, values, negations,
# abbreviations and "--opt=value" forms of -s -d -p -f, tcp, udp,
# multiport, icmp, icmp6, length, dscp and comment, the targets and
# REJECT's --reject-with, each in a file of its own, go to
# iptables-legacy-restore / ip6tables-legacy-restore in a namespace this
# script creates (and always deletes), and to the fetcher (with
# --skip-unsupported: a rule FlowSpec cannot carry is no error of the file).
# Both must take the file, or both refuse it.  The generator leaves out what
# the fetcher refuses on purpose (host names, short addresses: see its man
# page) and what it cannot judge (the options of matches it does not read,
# a target that may be an extension, a udp port above 65535, which
# iptables wraps).  Root only; exits 77 without it.
set -u
fetcher=${1:?usage: restore-agree.sh FETCHER [N]}
n=${2:-400}
[ "$(id -u)" = 0 ] || { echo "skipped: needs root for network namespaces"; exit 77; }
command -v iptables-legacy-restore >/dev/null || { echo "skipped: no iptables-legacy-restore"; exit 77; }
ns="fsE-agree-$$"
tmp=$(mktemp -d /tmp/fs-fetch-agree.XXXXXX) || exit 1
cleanup() { ip netns del "$ns" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
export XTABLES_LOCKFILE="$tmp/xtables.lock"
ip netns add "$ns" || { echo "FAIL: cannot create namespace $ns"; exit 1; }

gen() { # gen SEED N FAMILY: N rule lines
	python3 - "$@" <<'EOF_GEN'
import random, sys
seed, n, fam = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
R = random.Random(seed)
addr = (["10.0.0.0/8", "10.1.2.3/32", "192.0.2.0/255.255.255.0", "10.0.0.300", "2001:db8::/32",
         "0.0.0.0/0", "10.0.0.0/33", "10.0.0.0/+8", "10.0.0.0/255.0.255.0", ""] if fam == 4 else
        ["2001:db8::/32", "2001:db8::1/128", "::/0", "10.0.0.0/8", "2001:db8::/129",
         "2001:db8::/ffff:ffff::", "2001:db8::/x"])
protos = ["tcp", "udp", "icmp", "ipv6-icmp", "6", "17", "1", "58", "all", "0", "ipip", "gre",
          "TCP", "esp", "nosuch", "256", "0x6", "icmpv6"]
ports = ["80", "80:90", "90:80", ":80", "80:", ":", "http", "domain", "0x50", "-1", "70000", "80x",
         "+80", "010", ""]
plists = ["80", "80,443", "80:90,443", "80:80", "90:80", ",".join(str(i) for i in range(1, 16)),
          ",".join(str(i) for i in range(1, 17)), "80,", "http,domain",
          "1:2,3:4,5:6,7:8,9:10,11:12,13:14,15", "1:2,3:4,5:6,7:8,9:10,11:12,13:14,15:16"]
flags = ["SYN", "FIN,SYN", "ALL", "NONE", "syn,ack", "ECE", ",", "SYN,BOGUS", "FIN,SYN,RST,ACK"]
icmps = ["8", "8/0", "any", "echo-request", "echo-req", "echo", "255", "255/3", "3/1/2", "256",
         "pingpong", "ping", "TTL-EXCEEDED", "t", "0x8", "128", "128/0", "1/4", "neighbor-sol",
         "neighbour", "300", "pong"]
lens = ["100", "100:200", "200:100", ":200", "200:", ":", "-1", "70000", "1:2:3", "0x10:0x20"]
targets = ["ACCEPT", "DROP", "REJECT", "RETURN", "MYCHAIN", "accept", "QUEUE", "FORWARD"]
rejects = ["icmp-port-unreachable", "tcp-reset", "icmp6-port-unreachable", "icmp-h", "port-unreach",
           "t", "nosuch", "ICMP-HOST-PROHIBITED", "icmp6-adm"]
def pick(l): return R.choice(l)
def good(g, b): return pick(g) if R.random() < 0.85 else pick(b)
def bang(): return "! " if R.random() < 0.2 else ""
gaddr = [a for a in addr if a in ("10.0.0.0/8", "10.1.2.3/32", "192.0.2.0/255.255.255.0", "0.0.0.0/0",
         "2001:db8::/32", "2001:db8::1/128", "::/0", "2001:db8::/ffff:ffff::") and (":" in a) == (fam == 6)]
gports = ["80", "80:90", ":80", "80:", ":", "http", "0x50", "+80", "010", "1000:2000", "domain", "90:80"]
bports = [p for p in ports if p not in gports]
gplists = ["80", "80,443", "80:90,443", ",".join(str(i) for i in range(1, 16)), "http,domain",
           "1:2,3:4,5:6,7:8,9:10,11:12,13:14,15"]
bplists = [p for p in plists if p not in gplists]
gflags = ["SYN", "FIN,SYN", "ALL", "NONE", "syn,ack", "FIN,SYN,RST,ACK", ","]
gicmp = ["8", "8/0", "any", "echo-request", "echo-req", "255", "255/3", "ping", "TTL-EXCEEDED",
         "0x8", "pong"] if fam == 4 else ["128", "128/0", "1/4", "echo-request", "neighbor-sol",
         "ping", "255", "pong"]
glens = ["100", "100:200", "200:100", ":200", "200:", ":", "0x10:0x20"]
def matchgroup(proto, real):
    k = pick(["tcp", "udp", "multiport", "icmp", "icmp6", "length", "dscp", "comment",
              "tcp", "udp", "multiport", "icmp" if fam == 4 else "icmp6"])
    if R.random() < 0.85 and k in ("tcp", "udp"):
        k = {"tcp": "tcp", "udp": "udp", "6": "tcp", "17": "udp"}.get(proto, k)
    out = [] if (k in ("tcp", "udp") and R.random() < 0.2) else ["-m " + k]  # implicit
    for _ in range(R.randrange(0 if R.random() < 0.1 else 1, 3)):
        if k in ("tcp", "udp"):
            # udp reads a number above 65535 modulo 65536, which the fetcher refuses
            bp = ([b for b in bports if b not in ("70000", "99999999999")]
                  if k == "udp" or real in ("udp", "17") else bports)
            o = pick(["--sport", "--dport", "--source-port", "--destination-port", "--dpo", "--dport="]
                     + (["--syn", "--tcp-flags", "--tcp-option"] if k == "tcp" else []))
            if o == "--syn": out.append(bang() + o)
            elif o == "--tcp-flags": out.append(bang() + o + " " + good(gflags, flags) + " " + good(gflags, flags))
            elif o == "--tcp-option": out.append(bang() + o + " " + pick(["2", "0", "256"]))
            elif o.endswith("="): out.append(bang() + o + good(gports, bp))
            else: out.append(bang() + o + " " + good(gports, bp))
        elif k == "multiport":
            out.append(bang() + pick(["--sports", "--dports", "--ports", "--destination-ports"]) + " " +
                       good(gplists, bplists))
        elif k in ("icmp", "icmp6"):
            out.append(bang() + pick(["--icmp-type", "--icmpv6-type"] if R.random() < 0.2 else
                                     ["--icmp-type" if k == "icmp" else "--icmpv6-type"]) + " " + good(gicmp, icmps))
        elif k == "length":
            out.append(bang() + "--length " + good(glens, lens))
        elif k == "dscp":
            out.append(bang() + pick(["--dscp " + pick(["10", "0x2e", "63", "64", "-1", "ef"]),
                                      "--dscp-class " + pick(["EF", "af11", "AF44", "CS7", "BE", "EFX", "CS10"])]))
        elif k == "comment":
            out.append(("! " if R.random() < 0.05 else "") + "--comment " + pick(["x", '"a b"', '""', "-j"]))
    return out
for i in range(n):
    toks = []
    if R.random() < 0.4: toks.append(bang() + "-s " + good(gaddr, addr))
    if R.random() < 0.3: toks.append(bang() + pick(["-d ", "--dst ", "--destination "]) + good(gaddr, addr))
    proto = real = ""
    if R.random() < 0.8:
        proto = good(["tcp", "udp", "icmp" if fam == 4 else "ipv6-icmp", "6", "17", "TCP", "gre", "all"], protos)
        toks.append(("! " if R.random() < 0.1 else "") + pick(["-p ", "--protocol "]) + proto)
        real = proto.lower()
        if real in ("udp", "17") and R.random() < 0.1:
            proto = "tcp"  # options of the tcp match on a udp rule, sometimes
    if fam == 4 and R.random() < 0.1: toks.append(bang() + "-f")
    for _ in range(R.randrange(0, 4)):
        toks += matchgroup(proto.lower(), real)
    if R.random() < 0.9:
        t = pick(targets)
        toks.append(pick(["-j ", "-j ", "--jump ", "-g "]) + t)
        if t == "REJECT" and R.random() < 0.6: toks.append("--reject-with " + pick(rejects))
    if R.random() < 0.15:
        toks.insert(R.randrange(len(toks) + 1), pick(["!", "foo", "-x", "--frob", "-c 1 2", "-c 1 x",
                                                   "-i eth0", "-o " + "x" * 16, "--reject-with port-unreach"]))
    print("-A FORWARD " + " ".join(toks))
EOF_GEN
}

fail=0
for fam in 4 6; do
	r=iptables-legacy-restore
	[ $fam = 6 ] && r=ip6tables-legacy-restore
	gen $((${FS_AGREE_SEED:-1000} + fam)) "$n" $fam >"$tmp/rules.$fam" || { echo "FAIL: the generator"; exit 1; }
	agree=0 dis=0 taken=0
	while IFS= read -r line; do
		printf '*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n:MYCHAIN - [0:0]\n%s\nCOMMIT\n' \
			"$line" >"$tmp/t.save"
		ip netns exec "$ns" $r <"$tmp/t.save" >/dev/null 2>"$tmp/judge"
		jrc=$?
		"$fetcher" -$fam -q --skip-unsupported -i "$tmp/t.save" >/dev/null 2>"$tmp/err"
		frc=$?
		if [ $jrc = 0 ] && [ $frc = 0 ]; then
			agree=$((agree + 1)) taken=$((taken + 1))
		elif [ $jrc != 0 ] && [ $frc = 1 ] && grep -Eq '^(flowspec-fetcher: )?error: .*t.save:6:' "$tmp/err"; then
			agree=$((agree + 1))
		else
			dis=$((dis + 1))
			[ $dis -le 10 ] && echo "FAIL: IPv$fam: $r $([ $jrc = 0 ] && echo takes || echo refuses), the fetcher $([ $frc = 0 ] && echo takes || echo "refuses (exit $frc)"): $line" &&
				echo "#   $r: $(head -c 160 "$tmp/judge" | tr '\n' ' ')" &&
				echo "#   fetcher: $(grep -v '^skipped' "$tmp/err" | head -c 200 | tr '\n' ' ')"
		fi
	done <"$tmp/rules.$fam"
	if [ $dis = 0 ]; then
		echo "ok: IPv$fam: $agree random rule lines, the fetcher and $r agree ($taken taken, $((agree - taken)) refused)"
	else
		echo "FAIL: IPv$fam: $dis of $((agree + dis)) random rule lines judged otherwise than by $r"
		fail=1
	fi
done
exit $fail
