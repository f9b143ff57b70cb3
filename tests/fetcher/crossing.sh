#!/bin/bash
# crossing.sh FETCHER INJECTOR FS_FETCH2EXA [N] - what flowspec-fetcher
# exports, flowspec-injector installs (issue 15 section 6).
#
# Per family, a save file of N (default 200) random rules the fetcher reads
# (addresses, protocols, tcp/udp ports and multiport, tcp flags and --syn,
# icmp and icmp6 types and codes, length, dscp, fragments, with negations
# and repeated matches, which the fetcher intersects), plus the issue's
# rule "! --icmpv6-type 128" and its IPv4 twin "! --icmp-type 5":
#   1. flowspec-fetcher -i FILE --skip-unsupported writes BIRD routes;
#   2. fs_fetch2exa reads FILE through the same library calls, writes the
#      same BIRD text (checked equal, so its routes are the fetcher's) and
#      the routes as ExaBGP lines; fs_oracle reads those lines back to the
#      same canonical route text (so the lines carry the same routes);
#   3. flowspec-injector --dry-run --order sequence on those lines must
#      install every route: a route the injector refuses must be one the
#      fetcher already refused or warned about, and those never cross.
# As root (else that part is skipped, the rest still runs), the ICMPv6 and
# ICMP dry-run documents of a small fixed policy are restored with the real
# ip6tables-legacy-restore / iptables-legacy-restore (not --test) in a
# namespace this script creates and always deletes, with OUTPUT jumping to
# the FlowSpec chain; the kernel then judges: a raw ICMP send of the
# excluded type passes, the other types are dropped (sendto: EPERM).  Two
# ICMPv6 forms the fetcher never exports (every type and code; a code set
# over every type) are added from hand-written ExaBGP lines, and the
# injector's libiptc writer installs all of them in a second namespace,
# which must read back through ip6tables-legacy-save as the restored
# document does.  FS_KEEP=1 keeps the temporary directory.
set -u
fetcher=${1:?usage: crossing.sh FETCHER INJECTOR FS_FETCH2EXA [N]}
injector=${2:?usage: crossing.sh FETCHER INJECTOR FS_FETCH2EXA [N]}
conv=${3:?usage: crossing.sh FETCHER INJECTOR FS_FETCH2EXA [N]}
n=${4:-200}
oracle=${FS_ORACLE:-$(dirname "$conv")/fs_oracle}
tmp=$(mktemp -d /tmp/fsI-crossing.XXXXXX) || exit 1
ns="fsI-cross-$$"
# shellcheck disable=SC2317 # cleanup runs from the trap
cleanup() {
	ip netns del "$ns" 2>/dev/null
	ip netns del "$ns-b" 2>/dev/null
	if [ -n "${FS_KEEP:-}" ]; then echo "kept $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
export XTABLES_LOCKFILE="$tmp/xtables.lock"
fail=0
bad() { echo "FAIL: $*"; fail=1; }

gen() { # gen SEED N FAMILY: a save file of N random rules the fetcher reads
	python3 - "$@" <<'EOF_GEN'
import random, sys
seed, n, fam = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
R = random.Random(seed)
def pick(l): return R.choice(l)
def bang(p=0.3): return "! " if R.random() < p else ""
a4 = ["10.0.0.0/8", "10.1.2.3/32", "192.0.2.0/24", "198.51.100.0/24", "203.0.113.128/25"]
a6 = ["2001:db8::/32", "2001:db8:1::1/128", "2001:db8:99::/48", "2001:db8:2::/64", "fd00::/8"]
ports = ["22", "53", "80", "443", "1000:2000", "1024:65535", "0:1023", "8080"]
plists = ["80,443", "22,80:90,443", "53,123", "1:10,20,30:40"]
tflags = [("SYN,ACK", "SYN"), ("FIN,SYN,RST,ACK", "SYN"), ("ALL", "NONE"), ("ALL", "FIN,PSH,URG"),
          ("SYN,RST", "SYN,RST"), ("ACK", "ACK"), ("FIN", "FIN")]
it4 = ["0", "3", "3/1", "5", "8", "8/0", "11", "11/1", "12", "13", "30"]
it6 = ["1", "1/3", "1/4", "2", "3", "3/0", "4", "128", "129", "128/0", "133", "135", "136", "143"]
lens = ["0:100", "100:200", "64", "1280:65535", "40:1500", "576"]
targets = ["DROP", "ACCEPT", "REJECT", "DROP", "DROP"]
out = ["*filter", ":INPUT ACCEPT [0:0]", ":FORWARD %s [0:0]" % pick(["ACCEPT", "DROP"]),
       ":OUTPUT ACCEPT [0:0]"]
if fam == 4:
    out.append("-A FORWARD -d 198.51.100.0/24 -p icmp -m icmp ! --icmp-type 5 -j DROP")
else:
    out.append("-A FORWARD -d 2001:db8:99::/48 -p ipv6-icmp -m icmp6 ! --icmpv6-type 128 -j DROP")
for i in range(n):
    w = ["-A FORWARD"]
    if R.random() < 0.4:
        w.append("%s-s %s" % (bang(0.1), pick(a4 if fam == 4 else a6)))
    if R.random() < 0.4:
        w.append("%s-d %s" % (bang(0.1), pick(a4 if fam == 4 else a6)))
    if fam == 4 and R.random() < 0.05:
        w.append("%s-f" % bang(0.5))
    k = R.random()
    icmpname = "icmp" if fam == 4 else "ipv6-icmp"
    if k < 0.35:
        p = pick(["tcp", "udp"])
        w.append("-p %s" % p)
        for _ in range(R.randint(1, 3)):
            m = R.random()
            if m < 0.45:
                w.append("-m %s %s--%s %s" % (p, bang(), pick(["dport", "sport"]), pick(ports)))
            elif m < 0.7:
                w.append("-m multiport %s--%s %s" % (bang(0.2), pick(["dports", "sports", "ports"]),
                                                     pick(plists)))
            elif p == "tcp" and m < 0.85:
                f = pick(tflags)
                w.append("-m tcp %s--tcp-flags %s %s" % (bang(0.2), f[0], f[1]))
            elif p == "tcp":
                w.append("-m tcp %s--syn" % bang(0.4))
    elif k < 0.7:
        w.append("-p %s" % icmpname)
        for _ in range(R.choice([1, 1, 1, 2, 2, 3])):
            if fam == 4:
                w.append("-m icmp %s--icmp-type %s" % (bang(0.5), pick(it4)))
            else:
                w.append("-m icmp6 %s--icmpv6-type %s" % (bang(0.5), pick(it6)))
    elif k < 0.8:
        w.append("%s-p %s" % (bang(0.3), pick(["gre", "esp", "47", "132", icmpname, "tcp"])))
    if R.random() < 0.15:
        w.append("-m length %s--length %s" % (bang(0.3), pick(lens)))
    if R.random() < 0.1:
        w.append("-m dscp %s--dscp %d" % (bang(0.3), pick([0, 10, 46, 63])))
    t = pick(targets)
    if t == "REJECT" and fam == 6:
        t = "REJECT --reject-with icmp6-adm-prohibited"
    w.append("-j " + t)
    out.append(" ".join(w))
out.append("COMMIT")
print("\n".join(out))
EOF_GEN
}

# family seed: run the chain of one save file through both tools
cross() {
	local fam=$1 save=$2 tag=$3
	local exported refused warned routes installed
	"$fetcher" -"$fam" -i "$save" --skip-unsupported >"$tmp/$tag.fetch" 2>"$tmp/$tag.fetch.err" ||
		{ bad "$tag: flowspec-fetcher failed: $(head -3 "$tmp/$tag.fetch.err")"; return; }
	"$conv" -"$fam" -i "$save" "$tmp/$tag.bird" "$tmp/$tag.jsonl" >"$tmp/$tag.map" 2>"$tmp/$tag.conv.err" ||
		{ bad "$tag: fs_fetch2exa failed: $(head -3 "$tmp/$tag.conv.err")"; return; }
	# the same route objects as the fetcher's: the same BIRD text
	if ! diff <(grep -v '^#' "$tmp/$tag.fetch" | grep -v '^$') <(grep -v '^$' "$tmp/$tag.bird") >"$tmp/$tag.bdiff"; then
		bad "$tag: fs_fetch2exa's BIRD routes differ from the fetcher's:"; head -5 "$tmp/$tag.bdiff"
		return
	fi
	# the ExaBGP lines carry those routes: the injector's reader gives the same text back
	if [ -x "$oracle" ]; then
		"$oracle" -i "$tmp/$tag.jsonl" 2>"$tmp/$tag.oracle.err" | awk '$1 == "nlri" { $1 = $2 = $3 = ""; sub(/^ +/, ""); print }' >"$tmp/$tag.read"
		awk '$1 == "exported" { $1 = $2 = ""; sub(/^ +/, ""); print }' "$tmp/$tag.map" >"$tmp/$tag.sent"
		cmp -s "$tmp/$tag.read" "$tmp/$tag.sent" ||
			{ bad "$tag: the ExaBGP lines read back differently"; diff "$tmp/$tag.sent" "$tmp/$tag.read" | head -5; }
	fi
	exported=$(grep -c '^exported ' "$tmp/$tag.map")
	refused=$(grep -c '^refused ' "$tmp/$tag.map")
	warned=$(grep -c '^warned ' "$tmp/$tag.map")
	"$injector" --dry-run -"$fam" --order sequence --state-dir "$tmp/state" -i "$tmp/$tag.jsonl" \
		>"$tmp/$tag.doc" 2>"$tmp/$tag.inj.err" ||
		{ bad "$tag: flowspec-injector --dry-run failed: $(grep -v nft "$tmp/$tag.inj.err" | head -3)"; return; }
	# "# flowspec-injector dry-run: IPv6, 3 routes installed, 0 refused"
	read -r installed refused_inj < <(sed -n 's/^# flowspec-injector dry-run: IPv[46], \([0-9]*\) routes\{0,1\} installed, \([0-9]*\) refused.*/\1 \2/p' "$tmp/$tag.doc")
	routes=$(grep -c '^exported ' "$tmp/$tag.map")
	echo "$tag: $((exported + refused + warned - 1)) rules + policy: fetcher exported $exported routes" \
		"(refused $refused rules, warned about $warned); injector installed ${installed:-?}, refused ${refused_inj:-?}"
	if [ "${installed:-x}" != "$routes" ] || [ "${refused_inj:-x}" != 0 ]; then
		bad "$tag: the injector lost routes the fetcher exported:"
		grep 'refused:' "$tmp/$tag.inj.err" | head -5
	fi
}

for fam in 4 6; do
	for seed in 1 2; do
		gen "$((seed * 10 + fam))" "$n" "$fam" >"$tmp/r$fam-$seed.save"
		cross "$fam" "$tmp/r$fam-$seed.save" "ipv$fam-seed$seed"
	done
done
# the ICMPv6 sets of the issue and its relatives, and the IPv4 twin (the
# fetcher refuses the third ICMPv6 rule: "! T/C" is no types x codes set,
# so 2001:db8:97::/48 has no route and its probes pass)
cat >"$tmp/icmp6.save" <<'EOF'
*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
-A FORWARD -d 2001:db8:99::/48 -p ipv6-icmp -m icmp6 ! --icmpv6-type 128 -j DROP
-A FORWARD -d 2001:db8:98::/48 -p ipv6-icmp -m icmp6 ! --icmpv6-type 1 -m icmp6 ! --icmpv6-type 2 -j DROP
-A FORWARD -d 2001:db8:97::/48 -p ipv6-icmp -m icmp6 ! --icmpv6-type 1/3 -j DROP
COMMIT
EOF
cat >"$tmp/icmp4.save" <<'EOF'
*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
-A FORWARD -d 198.51.100.0/24 -p icmp -m icmp ! --icmp-type 5 -j DROP
-A FORWARD -d 198.51.99.0/24 -p icmp -m icmp ! --icmp-type 3 -m icmp ! --icmp-type 4 -j DROP
COMMIT
EOF
cross 6 "$tmp/icmp6.save" icmp6
cross 4 "$tmp/icmp4.save" icmp4

# Two ICMPv6 forms no fetcher output has, straight from ExaBGP lines: every
# type and code (two disjoint rules, "! --icmpv6-type 255" and
# "--icmpv6-type 255"), and code != 0 of every type (a sub-chain entered on
# "! --icmpv6-type 0/0" that RETURNs on the other types' code 0).
upd() { # upd COUNTER SEQ-COMMUNITY NLRI-MEMBERS STRING
	printf '{ "exabgp": "4.0.1", "time": 1795460%03d.5, "host" : "vm", "pid" : 4242, "ppid" : 4241, "counter": %d, "type": "update", "neighbor": { "address": { "local": "198.18.1.2", "peer": "198.18.1.1" }, "asn": { "local": 65000, "peer": 65001 } , "direction": "receive", "message": { "update": { "attribute": { "origin": "igp", "as-path": [ 65001 ], "confederation-path": [], "extended-community": [ { "value": %s, "string": "" }, { "value": 9225060886715039744, "string": "rate-limit:0" } ] }, "announce": { "ipv6 flow": { "no-nexthop": [ { %s, "string": "%s" } ] } } } } } }\n' \
		"$1" "$1" "$2" "$3" "$4"
}
{
	upd 11 9295148155915993099 '"destination-ipv6": [ "2001:db8:9a::/48/0" ], "next-header": [ "=58" ], "icmp-type": [ "true" ]' \
		'flow destination-ipv6 2001:db8:9a::/48/0 next-header =58 icmp-type true'
	upd 12 9295148155915993100 '"destination-ipv6": [ "2001:db8:9b::/48/0" ], "next-header": [ "=58" ], "icmp-code": [ "!=0" ]' \
		'flow destination-ipv6 2001:db8:9b::/48/0 next-header =58 icmp-code !=0'
} >"$tmp/icmp6x.jsonl"
"$injector" --dry-run -6 --order sequence --state-dir "$tmp/state" -i "$tmp/icmp6x.jsonl" \
	>"$tmp/icmp6x.doc" 2>"$tmp/icmp6x.err"
grep -q '^# flowspec-injector dry-run: IPv6, 2 routes installed, 0 refused' "$tmp/icmp6x.doc" ||
	bad "icmp6x: the injector did not install both ICMPv6 routes: $(grep refused: "$tmp/icmp6x.err" | head -2)"

# The kernel as judge of the ICMP documents (root only).
if [ "$(id -u)" != 0 ] || ! command -v ip6tables-legacy-restore >/dev/null ||
	! command -v iptables-legacy-restore >/dev/null; then
	echo "kernel part skipped: needs root and the legacy restore tools"
elif [ -s "$tmp/icmp6.doc" ] && [ -s "$tmp/icmp4.doc" ] && [ -s "$tmp/icmp6x.doc" ]; then
	ip netns add "$ns" || { echo "FAIL: cannot create namespace $ns"; exit 1; }
	ip -n "$ns" link set lo up
	# a veth pair inside the namespace: a device to route the probes out of
	ip -n "$ns" link add d0 type veth peer name d1
	ip -n "$ns" link set d0 up && ip -n "$ns" link set d1 up
	ip -n "$ns" addr add 192.0.2.1/24 dev d0
	ip -n "$ns" -6 addr add 2001:db8:1::1/64 dev d0 nodad
	ip -n "$ns" route add 198.51.96.0/20 via 192.0.2.2 dev d0
	ip -n "$ns" -6 route add 2001:db8:90::/44 via 2001:db8:1::2 dev d0
	ip -n "$ns" neigh add 192.0.2.2 lladdr 02:00:00:00:00:02 dev d0
	ip -n "$ns" -6 neigh add 2001:db8:1::2 lladdr 02:00:00:00:00:02 dev d0
	# the document as the injector wrote it, and OUTPUT into its chain
	# (icmp6x's chains are renamed FSX so both documents can live in one table)
	sed 's/FLOWSPEC/FSX/g; /^:FORWARD /d; /^-A FORWARD /d' "$tmp/icmp6x.doc" >"$tmp/icmpx.doc"
	for fam in 4 6 x; do
		r=iptables-legacy-restore; [ "$fam" != 4 ] && r=ip6tables-legacy-restore
		if ! ip netns exec "$ns" "$r" --noflush <"$tmp/icmp$fam.doc" 2>"$tmp/restore$fam.err"; then
			bad "IPv$fam: $r refused the injector's document: $(head -3 "$tmp/restore$fam.err")"
			continue
		fi
		s=iptables-legacy; [ "$fam" != 4 ] && s=ip6tables-legacy
		c=FLOWSPEC; [ "$fam" = x ] && c=FSX
		ip netns exec "$ns" "$s" -A OUTPUT -j "$c"
	done
	# DST TYPE CODE EXPECT: one raw ICMP send each; EPERM is a drop
	ip netns exec "$ns" python3 - >"$tmp/judge" 2>&1 <<'EOF_PY'
import errno, socket
cases = [
    ("2001:db8:99::5", 128, 0, "pass"), ("2001:db8:99::5", 129, 0, "drop"),
    ("2001:db8:99::5", 1, 3, "drop"), ("2001:db8:99::5", 255, 0, "drop"),
    ("2001:db8:98::5", 1, 0, "pass"), ("2001:db8:98::5", 2, 0, "pass"),
    ("2001:db8:98::5", 3, 0, "drop"), ("2001:db8:98::5", 128, 0, "drop"),
    ("2001:db8:97::5", 1, 3, "pass"), ("2001:db8:97::5", 1, 4, "pass"),
    ("2001:db8:97::5", 2, 3, "pass"), ("2001:db8:96::5", 129, 0, "pass"),
    ("198.51.100.5", 5, 0, "pass"), ("198.51.100.5", 5, 1, "pass"), ("198.51.100.5", 8, 0, "drop"),
    ("198.51.100.5", 255, 0, "drop"), ("198.51.99.5", 3, 1, "pass"), ("198.51.99.5", 4, 0, "pass"),
    ("198.51.99.5", 0, 0, "drop"), ("198.51.98.5", 8, 0, "pass"),
    ("2001:db8:9a::5", 128, 0, "drop"), ("2001:db8:9a::5", 255, 0, "drop"),
    ("2001:db8:9a::5", 255, 7, "drop"), ("2001:db8:9a::5", 0, 0, "drop"),
    ("2001:db8:9b::5", 128, 0, "pass"), ("2001:db8:9b::5", 128, 1, "drop"),
    ("2001:db8:9b::5", 0, 0, "pass"), ("2001:db8:9b::5", 0, 5, "drop"),
    ("2001:db8:9b::5", 255, 0, "pass"), ("2001:db8:9b::5", 255, 9, "drop"),
]
for dst, t, c, want in cases:
    v6 = ":" in dst
    s = socket.socket(socket.AF_INET6 if v6 else socket.AF_INET, socket.SOCK_RAW,
                      socket.IPPROTO_ICMPV6 if v6 else socket.IPPROTO_ICMP)
    msg = bytearray([t, c, 0, 0, 0, 1, 0, 1]) + b"fsI-crossing"
    if not v6:  # the kernel fills in the ICMPv6 checksum, not the ICMP one
        sm = 0
        for i in range(0, len(msg), 2):
            sm += (msg[i] << 8) + msg[i + 1]
        sm = (sm >> 16) + (sm & 0xffff); sm += sm >> 16
        msg[2], msg[3] = (~sm >> 8) & 0xff, ~sm & 0xff
    try:
        s.sendto(bytes(msg), (dst, 0))
        got = "pass"
    except OSError as e:
        got = "drop" if e.errno == errno.EPERM else "error %s" % e
    print("%s %s type %d code %d: %s (want %s)" % ("ok  " if got == want else "FAIL", dst, t, c, got, want))
EOF_PY
	cat "$tmp/judge"
	# libiptc writes the inverted atoms as ip6tables-legacy-restore does: the
	# injector installs the same lines in a second namespace, and both read
	# back the same through ip6tables-legacy-save
	ip netns add "$ns-b" || bad "cannot create namespace $ns-b"
	# one session: icmp6's lines up to its end-of-RIB, icmp6x's routes (sequence 11, 12), the end-of-RIB
	{ sed '$d' "$tmp/icmp6.jsonl"; cat "$tmp/icmp6x.jsonl"; tail -n 1 "$tmp/icmp6.jsonl"; } >"$tmp/icmp6all.jsonl"
	"$injector" --dry-run -6 --order sequence --state-dir "$tmp/state" -i "$tmp/icmp6all.jsonl" \
		>"$tmp/icmp6all.doc" 2>/dev/null
	if ip netns exec "$ns-b" "$injector" -q --keep-on-exit --order sequence --state-dir "$tmp/state-b" \
		<"$tmp/icmp6all.jsonl" 2>"$tmp/live.err"; then
		ip netns exec "$ns-b" ip6tables-legacy-save -t filter | grep '^[-:]' |
			sed 's/\[[0-9]*:[0-9]*\]//' >"$tmp/live.save"
		ip netns exec "$ns" ip6tables-legacy -F
		ip netns exec "$ns" ip6tables-legacy -X
		ip netns exec "$ns" ip6tables-legacy-restore <"$tmp/icmp6all.doc" &&
			ip netns exec "$ns" ip6tables-legacy-save -t filter | grep '^[-:]' |
			sed 's/\[[0-9]*:[0-9]*\]//' >"$tmp/restored.save"
		if ! cmp -s "$tmp/live.save" "$tmp/restored.save" || ! grep -q -- '! --icmpv6-type' "$tmp/live.save"; then
			bad "libiptc's ICMPv6 rules differ from ip6tables-legacy-restore's:"
			diff "$tmp/restored.save" "$tmp/live.save" | head -5
		else
			echo "libiptc and ip6tables-legacy-restore agree on $(grep -c '^-A' "$tmp/live.save") ICMPv6 rules"
		fi
	else
		bad "the injector could not install the ICMPv6 routes: $(head -3 "$tmp/live.err")"
	fi
	grep -q '^FAIL\|Traceback' "$tmp/judge" && bad "the kernel decided an ICMP packet otherwise"
	[ "$(grep -c '^ok ' "$tmp/judge")" = 30 ] || bad "the kernel judged $(grep -c '^ok ' "$tmp/judge") of 30 packets right"
fi
[ "$fail" = 0 ] && echo "PASS: every route the fetcher exported crossed into the injector's plan"
exit "$fail"
