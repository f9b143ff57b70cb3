#!/bin/bash
# Issue 14, defects 5 (the commit half), 7 and 10: what a commit keeps, how
# a hand edit is noticed, and what status prints.  In network namespaces
# it creates and always deletes (a router R with a host H behind a veth
# pair; packets from H are forwarded through R's FORWARD):
#   5b. a commit that changes one route keeps the counters of every other
#       route, of the jump and of the built-in chains' policies; so does a
#       commit whose difference is large enough to refill the chain;
#   7.  a hand edit that keeps the rule count (iptables-legacy -R) is seen
#       by status, by --source frr --once (it commits again) and by an
#       injector at start (a warning); SIGHUP's commit repairs it; and for
#       every ExaBGP fixture (IPv4 and IPv6, filter and mangle) the digest
#       recorded at commit is the one status reads back;
#   10. status --json is one JSON document (with -4: IPv4 only), with the
#       last commit's time and a rate-limited route's dropped counters;
#       the text form shows those too; no state file prints nothing.
# usage: defects-state.sh INJECTOR FIXTURE_DIR; exits 77 without root.
set -u
inj=${1:?usage: defects-state.sh INJECTOR FIXTURE_DIR}
dir=${2:?usage: defects-state.sh INJECTOR FIXTURE_DIR}
[ "$(id -u)" = 0 ] || { echo "skipped: needs root for network namespaces"; exit 77; }
command -v python3 >/dev/null || { echo "skipped: needs python3"; exit 77; }

R="fsB-st-r-$$" H="fsB-st-h-$$" F="fsB-st-f-$$" X="fsB-st-x-$$"
tmp=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
	for n in "$R" "$H" "$F" "$X"; do ip netns del "$n" 2>/dev/null; done
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
export XTABLES_LOCKFILE="$tmp/xtables.lock" LC_ALL=C

pass=0 fail=0
check() { if eval "$2"; then pass=$((pass + 1)); echo "ok   $1"; else fail=$((fail + 1)); echo "FAIL $1"; fi; }
wait_for() { # condition, tenths of a second
	local i
	for ((i = 0; i < $2; i++)); do eval "$1" && return 0; sleep 0.1; done
	return 1
}

ip netns add "$R" && ip netns add "$H" && ip netns add "$F" && ip netns add "$X" || exit 1
ip -n "$R" link add fsBr type veth peer name fsBh netns "$H" || exit 1
ip -n "$R" link set lo up
ip -n "$R" link set fsBr up
ip -n "$R" addr add 198.51.100.1/24 dev fsBr
# 10/8 goes back out to H, which does not forward: every packet crosses R's FORWARD once
ip -n "$R" route add 10.0.0.0/8 via 198.51.100.2 dev fsBr
ip netns exec "$R" sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.send_redirects=0 \
	net.ipv4.conf.fsBr.send_redirects=0
ip -n "$H" link set lo up
ip -n "$H" link set fsBh up
ip -n "$H" addr add 198.51.100.2/24 dev fsBh
ip -n "$H" route add default via 198.51.100.1

# ---- feeds (ExaBGP JSON lines; every value here is the test's own) -------------
cat >"$tmp/gen.py" <<'EOF'
"""gen.py KIND ...: ExaBGP 4 JSON lines on stdout.
  up | eor | announce ACTION DST... | withdraw DST...
ACTION: discard or rate-limit:BYTES; every route: DST/32, udp, destination port 9."""
import struct, sys

NB = ('"neighbor": { "address": { "local": "198.18.1.2", "peer": "198.18.1.1" }, '
      '"asn": { "local": 65000, "peer": 65001 }')

def nlri(d):
    return ('{ "destination-ipv4": [ "%s/32" ], "protocol": [ "=udp" ], "destination-port": [ "=9" ], '
            '"string": "flow destination-ipv4 %s/32 protocol =udp destination-port =9" }' % (d, d))

def line(msg):
    return '{ "exabgp": "4.2.0", "type": "update", %s, "direction": "receive", "message": { %s } } }' % (NB, msg)

kind, args = sys.argv[1], sys.argv[2:]
if kind == "up":
    print('{ "exabgp": "4.2.0", "type": "state", %s, "state": "up" } }' % NB)
elif kind == "eor":
    for afi in ("ipv4", "ipv6"):
        print(line('"eor": { "afi" : "%s", "safi" : "flow" }' % afi))
elif kind == "announce":
    act, dsts = args[0], args[1:]
    rate = 0.0 if act == "discard" else float(act.split(":")[1])
    value = (0x8006 << 48) | struct.unpack(">I", struct.pack(">f", rate))[0]
    print(line('"update": { "attribute": { "origin": "igp", "extended-community": [ { "value": %d, '
               '"string": "rate-limit:%d" } ] }, "announce": { "ipv4 flow": { "no-nexthop": [ %s ] } } }'
               % (value, int(rate), ", ".join(nlri(d) for d in dsts))))
elif kind == "withdraw":
    print(line('"update": { "withdraw": { "ipv4 flow": [ %s ] } }' % ", ".join(nlri(d) for d in args)))
EOF
gen() { python3 "$tmp/gen.py" "$@"; }
# UDP from H: send DST COUNT SIZE
send() {
	ip netns exec "$H" python3 -c 'import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for _ in range(int(sys.argv[2])): s.sendto(b"x" * int(sys.argv[3]), (sys.argv[1], 9))' "$@"
}

# the live injector on a FIFO the test keeps open (fd 7), with debug logging
start() { # fifo log args...
	local fifo=$1 log=$2
	shift 2
	rm -f "$fifo"; mkfifo "$fifo"
	ip netns exec "$R" "$inj" -v --window 50 --state-dir "$tmp/state" "$@" <"$fifo" 2>>"$log" &
	pids+=($!)
	disown $!
	exec 7>"$fifo"
}
commits() { grep -c "IPv4 committed" "$1" 2>/dev/null; }
# N commits of IPv4 with ROUTES routes in the log: wait_commits ROUTES N
wait_commits() { wait_for "[ \$(grep -c 'IPv4 committed: $1 routes' $log) -ge $2 ]" 300; }
st() { ip netns exec "$R" "$inj" -q status --state-dir "$tmp/state" "$@"; }
# "DST PACKETS" per route of status -4 (the first line of each route)
route_pkts() { st -4 | awk '$1 ~ /^[0-9]+$/ { for (i = 5; i < NF; i++) if ($i == "dst") { print $(i + 1), $3; break } }' | sort; }
# built-in policy counters and the jump's, from iptables-legacy-save -c: "NAME PACKETS"
builtin_ctr() {
	ip netns exec "$R" iptables-legacy-save -c -t filter |
		awk '/^:(INPUT|FORWARD|OUTPUT) / { split($3, c, ":"); print $1, substr(c[1], 2) }
		     /-A FORWARD -j FLOWSPEC$/ { split($1, c, ":"); print "jump", substr(c[1], 2) }' | sort
}
# every line of A ("KEY N") has a line in B with the same key and N' >= N: prints the offenders
not_behind() { join <(echo "$1") <(echo "$2") | awk '$3 < $2'; join -v 1 <(echo "$1") <(echo "$2"); }

mkdir -p "$tmp/state"
log="$tmp/log"

# ---- 5b. one route changes: everything else keeps its counters ----------------------
dsts=()
for i in $(seq 1 40); do dsts+=("10.9.0.$i"); done
{ gen up; gen announce discard "${dsts[@]}"; gen announce rate-limit:1000 10.7.0.1; gen eor; } >"$tmp/feed1"
start "$tmp/f1" "$log"
cat "$tmp/feed1" >&7
check "the first commit" 'wait_commits 41 1'
send 10.8.0.1 1 10; sleep 0.3   # resolve R's address on H
for d in "${dsts[@]}"; do send "$d" 3 100; done
send 10.8.0.1 5 100             # no route: FORWARD's policy counts them
send 10.7.0.1 300 1000          # 1,000 B/s with its burst: most are dropped
ip netns exec "$R" python3 -c 'import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for _ in range(4): s.sendto(b"x", ("127.0.0.1", 9))'   # INPUT's and OUTPUT's policies
sleep 0.3
b1=$(builtin_ctr) r1=$(route_pkts)
echo "$b1" | sed 's/^/#   before: /'
check "before: FORWARD's policy, OUTPUT's policy and the jump counted packets" \
	'[ "$(echo "$b1" | awk "\$1 == \":FORWARD\" && \$2 >= 6 || \$1 == \":OUTPUT\" && \$2 >= 4 || \$1 == \"jump\" && \$2 >= 420" | wc -l)" = 3 ]'
check "before: each of the 40 discard routes counted its 3 packets" \
	'[ "$(echo "$r1" | awk "/^10\.9\./ && \$2 == 3" | wc -l)" = 40 ]'
gen withdraw 10.9.0.20 >&7
gen announce discard 10.9.0.41 >&7
check "withdrawing one route and announcing another: committed" 'wait_commits 41 2'
sleep 0.2
b2=$(builtin_ctr) r2=$(route_pkts)
echo "$b2" | sed 's/^/#   after:  /'
check "after: the built-in chains' policy counters and the jump's did not go back" \
	'[ -z "$(not_behind "$b1" "$b2")" ]'
not_behind "$b1" "$b2" | sed 's/^/#   went back: /'
check "after: the 40 routes' counters did not go back (but the withdrawn one's)" \
	'[ -z "$(not_behind "$(echo "$r1" | grep -v "^10\.9\.0\.20/32 ")" "$r2")" ]'
not_behind "$(echo "$r1" | grep -v '^10\.9\.0\.20/32 ')" "$r2" | head -5 | sed 's/^/#   went back: /'
check "the commit kept the unchanged rules in place (debug log)" \
	'grep -q "FLOWSPEC: .* kept in place" "$log"'

# ---- 10. status: one JSON document, the commit time, dropped counters -------------------
json_check() { python3 -c "$1" 2>&1; }
st --json >"$tmp/all.json"
check "status --json is one JSON document" 'python3 -m json.tool "$tmp/all.json" >/dev/null'
check "status --json: version, chain, backend, both families with their counts and an ISO 8601 UTC last commit" \
	'[ "$(json_check "import json, re, sys
d = json.load(open(\"$tmp/all.json\"))
assert d[\"version\"] == 1 and d[\"chain\"] == \"FLOWSPEC\" and d[\"backend\"] == \"iptc\"
assert [f[\"family\"] for f in d[\"families\"]] == [4, 6]
f = d[\"families\"][0]
assert re.fullmatch(r\"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\", f[\"last_commit\"])
assert f[\"routes\"] == 41 and f[\"installed\"] == 41 and f[\"refused\"] == 0 and f[\"no_match\"] == 0 and f[\"rules\"] > 41
assert len(d[\"routes\"]) == 41 and all(r[\"family\"] == 4 for r in d[\"routes\"])
print(\"yes\")")" = yes ]'
check "status --json: the rate-limited route counts what it matched (300) and what it dropped (most of it)" \
	'[ "$(json_check "import json
d = json.load(open(\"$tmp/all.json\"))
r = [r for r in d[\"routes\"] if \"10.7.0.1/32\" in r[\"route\"]][0]
assert r[\"packets\"] == 300 and 200 < r[\"dropped_packets\"] < 300, r
assert r[\"dropped_bytes\"] == r[\"dropped_packets\"] * 1028, r
assert all(\"dropped_packets\" not in x for x in d[\"routes\"] if x is not r)
print(\"yes\")")" = yes ]'
check "status -4 --json has IPv4 only" \
	'[ "$(st -4 --json | json_check "import json, sys
d = json.load(sys.stdin)
assert [f[\"family\"] for f in d[\"families\"]] == [4] and all(r[\"family\"] == 4 for r in d[\"routes\"])
print(\"yes\")")" = yes ]'
check "status (text): a heading with the last commit, and a dropped line under the rate-limited route" \
	'st -4 | head -1 | grep -Eq "^IPv4: last commit [0-9-]{10}T[0-9:]{8}Z; 41 routes: 41 installed" &&
	 st -4 | grep -A1 "dst 10.7.0.1/32" | tail -1 | grep -Eq "^ +dropped +[0-9]+ +[0-9]+$"'
check "status with no state file prints nothing on stdout" \
	'[ -z "$(ip netns exec "$R" "$inj" -q status --state-dir "$tmp/none" 2>/dev/null)" ] &&
	 [ -z "$(ip netns exec "$R" "$inj" -q status --json --state-dir "$tmp/none" 2>/dev/null)" ]'

# ---- 5b. a large difference: the chain is refilled, the kept rules' counters carried ----
big=()
for i in $(seq 0 2999); do big+=("10.10.$((i / 250)).$((i % 250 + 1))"); done
gen announce discard "${big[@]}" >&7
check "3,000 more routes: committed" 'wait_commits 3041 1'
sample=()
for i in $(seq 0 150 2999); do sample+=("${big[$i]}"); done   # 20 routes, all even-numbered
for d in "${sample[@]}"; do send "$d" 2 100; done
sleep 0.3
r3=$(route_pkts)
check "the 20 sampled routes counted their packets" \
	'[ "$(echo "$r3" | awk "/^10\.10\./ && \$2 == 2" | wc -l)" = 20 ]'
odd=()
for i in $(seq 1 2 2999); do odd+=("${big[$i]}"); done
printf '%s/32\n' "${odd[@]}" 10.9.0.20 >"$tmp/gone"
gen withdraw "${odd[@]}" >&7
check "withdrawing every other one (1,500): committed" 'wait_commits 1541 1'
check "that commit refilled the chain (debug log)" 'grep -q "FLOWSPEC: .* refilled" "$log"'
r4=$(route_pkts)
# the kept routes' lines of A not behind B (the withdrawn ones aside)
kept_not_behind() { not_behind "$1" "$2" | awk 'NR == FNR { gone[$1]; next } !($1 in gone)' "$tmp/gone" -; }
check "after the refill no counter of a kept route went back (the 20 sampled, the 40 first)" \
	'[ -z "$(kept_not_behind "$r3" "$r4")" ] && [ "$(echo "$r4" | awk "\$2 > 0" | wc -l)" = 60 ]'
kept_not_behind "$r3" "$r4" | head -5 | sed 's/^/#   went back: /'
# shellcheck disable=SC2034 # used in the check
b4=$(builtin_ctr)
check "and the policy counters did not go back" '[ -z "$(not_behind "$b2" "$b4")" ]'
gen withdraw "${big[@]}" >&7   # the odd ones are withdrawn twice: harmless
wait_commits 41 3

# ---- 7. a hand edit that keeps the rule count -------------------------------------------
# rule NUM of FLOWSPEC that drops 10.9.0.5, replaced with an ACCEPT of the same packets
num=$(ip netns exec "$R" iptables-legacy -S FLOWSPEC | grep -n -- '-d 10.9.0.5/32 .*-j DROP$' | cut -d: -f1)
num=$((num - 1))   # -S prints "-N FLOWSPEC" first
# shellcheck disable=SC2034 # used in the check
rules_before=$(ip netns exec "$R" iptables-legacy -S FLOWSPEC | wc -l)
check "status -4 before the edit exits 0" 'st -4 >/dev/null 2>&1'
ip netns exec "$R" iptables-legacy -R FLOWSPEC "$num" -d 10.9.0.5/32 -p udp -m udp --dport 9 -j ACCEPT
check "iptables-legacy -R kept the rule count" '[ "$(ip netns exec "$R" iptables-legacy -S FLOWSPEC | wc -l)" = "$rules_before" ]'
check "status -4 notices the replaced rule (exit 1, \"changed by hand\" on stderr)" \
	'! st -4 >/dev/null 2>"$tmp/st.err" && grep -q "changed by hand" "$tmp/st.err"'
n=$(commits "$log")
kill -HUP "${pids[-1]}"
check "SIGHUP commits again" 'wait_for "[ \$(commits $log) -gt $n ]" 50'
check "and that commit put the DROP back: status -4 exits 0" \
	'ip netns exec "$R" iptables-legacy -S FLOWSPEC | grep -q -- "-d 10.9.0.5/32 .*-j DROP$" && st -4 >/dev/null 2>&1'
# at start: an injector that finds our chains changed while none ran says so
kill -9 "${pids[-1]}"; exec 7>&-; sleep 0.2
ip netns exec "$R" iptables-legacy -R FLOWSPEC "$num" -d 10.9.0.5/32 -p udp -m udp --dport 9 -j ACCEPT
start "$tmp/f2" "$tmp/log2"
check "a restarted injector warns that our chains are not what the last commit installed" \
	'wait_for "grep -q \"not what the last commit installed\" $tmp/log2" 50'
kill -9 "${pids[-1]}"; exec 7>&-

# --source frr --once, with a vtysh of the test's own that answers from the FRR fixtures
fix=$(cd "$dir/../frr" && pwd)
cat >"$tmp/vtysh" <<EOF
#!/bin/bash
# "show bgp ipv4 flowspec summary json" -> $fix/summary-all-components.v4.json
while [ \$# -gt 0 ]; do case \$1 in -c) cmd=\$2; shift 2 ;; *) shift ;; esac; done
set -- \$cmd
exec cat "$fix/\$5-all-components.v\${3#ipv}.json"
EOF
chmod +x "$tmp/vtysh"
once() { ip netns exec "$F" "$inj" --source frr --once -4 --vtysh "$tmp/vtysh" --state-dir "$tmp/frr" >/dev/null 2>"$tmp/once.log"; }
mkdir -p "$tmp/frr"
once
check "frr --once: the first run commits" 'grep -q "IPv4 committed" "$tmp/once.log"'
once
check "frr --once: the second run finds nothing changed" 'grep -q "IPv4 unchanged: no commit" "$tmp/once.log"'
fnum=$(ip netns exec "$F" iptables-legacy -S FLOWSPEC | grep -n -- '-j DROP$' | head -1 | cut -d: -f1)
fnum=$((fnum - 1))
# shellcheck disable=SC2034 # used in the check
frules=$(ip netns exec "$F" iptables-legacy -S FLOWSPEC | wc -l)
ip netns exec "$F" iptables-legacy -R FLOWSPEC "$fnum" -d 203.0.113.77/32 -j ACCEPT
check "frr: the hand edit kept the rule count" '[ "$(ip netns exec "$F" iptables-legacy -S FLOWSPEC | wc -l)" = "$frules" ]'
once
check "frr --once after a hand edit that keeps the count: it commits again" \
	'grep -q "IPv4 committed" "$tmp/once.log" && ! grep -q "unchanged" "$tmp/once.log"'
check "and the kernel is back to what status expects" \
	'ip netns exec "$F" "$inj" -q status -4 --state-dir "$tmp/frr" >/dev/null 2>&1'

# ---- 7. the digest recorded at commit is the one read back, over every fixture -----------
cat >"$tmp/cfg.yaml" <<'EOF'
redirect:
  map:
    "65000:100": 100
    "65535:100": 101
    "65000:200": 200
  ip-tables: 4
EOF
ip -n "$X" link set lo up
n4=0 n6=0 nm=0 bad=""
for f in "$dir"/*.jsonl; do
	name=$(basename "$f" .jsonl)
	ip netns exec "$X" "$inj" -q -c "$tmp/cfg.yaml" --keep-on-exit --state-dir "$tmp/x" <"$f" 2>/dev/null
	for fam in 4 6; do
		[ -e "$tmp/x/FLOWSPEC.v$fam" ] || continue
		if ip netns exec "$X" "$inj" -q -c "$tmp/cfg.yaml" status -$fam --state-dir "$tmp/x" >/dev/null 2>"$tmp/x.err"; then
			[ $fam = 4 ] && n4=$((n4 + 1)) || n6=$((n6 + 1))
		else
			bad="$bad $name/v$fam"
			sed "s/^/#   $name v$fam: /" "$tmp/x.err"
		fi
	done
	t=iptables-legacy-save
	ip netns exec "$X" $t -t mangle 2>/dev/null | grep -q '^-A FLOWSPEC' && nm=$((nm + 1))
	ip netns exec "$X" ip6tables-legacy-save -t mangle 2>/dev/null | grep -q '^-A FLOWSPEC' && nm=$((nm + 1))
	rm -f "$tmp/x"/FLOWSPEC.v4 "$tmp/x"/FLOWSPEC.v6
done
echo "#   fixtures: $n4 IPv4 and $n6 IPv6 states agree with the kernel, $nm of them with mangle chains"
check "status agrees with the kernel right after each fixture's commit (both families, filter and mangle)" \
	'[ -z "$bad" ] && [ "$n4" -gt 20 ] && [ "$n6" -gt 20 ] && [ "$nm" -gt 0 ]'

echo "defects-state: $pass passed, $fail failed"
[ "$fail" = 0 ]
