#!/bin/bash
# FRR sync, one run: BIRD 2 announces N flow4 routes (and N/10 flow6,
# bench/frr-routes.py) over BGP to a real FRR 8.4 bgpd; then
# `flowspec-injector --source frr --once -4` syncs FRR's table into an empty
# kernel (best of 3: vtysh time against our parse and translate+commit time,
# as the injector logs them), polls again with nothing changed (it must not
# commit: no "committed" line, the filter table's counters untouched, no
# IPT_SO_SET_REPLACE under strace; a withdrawn route then shows that a commit
# is seen), and is compared with iptables-legacy-restore of the same rules
# (the dry-run document of the same detail JSON) in the same run.
# Everything runs in network namespaces this script creates and deletes.
# usage: bench/frr-sync.sh [N]   (default 10000); root.  Exits 1 if the
# unchanged poll committed or any check failed.
# FS_BENCH_BUILD=DIR builds there instead of build-bench/.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
n=${1:-10000}
n6=$((n / 10))
[ "$(id -u)" = 0 ] || { echo "frr-sync.sh: needs root (network namespaces)"; exit 1; }
[ "$n" -ge 2 ] || { echo "frr-sync.sh: N must be at least 2"; exit 1; }
"$top/tests/install-deps.sh"
for c in vtysh /usr/lib/frr/bgpd bird birdc jq strace; do
	command -v "$c" >/dev/null || { echo "frr-sync.sh: needs $c (apt-get install frr bird2 jq strace)"; exit 1; }
done
b=${FS_BENCH_BUILD:-$top/build-bench}
cmake -S "$top" -B "$b" -DCMAKE_BUILD_TYPE=Release -DFS_TESTS=OFF >/dev/null
cmake --build "$b" -j "$(nproc 2>/dev/null || echo 2)" --target flowspec-injector >/dev/null
inj="$b/injector/flowspec-injector"
"$inj" --help 2>&1 | grep -q -- --source || { echo "frr-sync.sh: $inj has no --source frr"; exit 1; }

tmp=$(mktemp -d)
chmod 755 "$tmp"
F="fsacl-frr-$$" B="fsacl-bird-$$" R="fsacl-rest-$$"
alive() { local s; s=$(awk '/^State:/ { print $2 }' "/proc/$1/status" 2>/dev/null); [ -n "$s" ] && [ "$s" != Z ]; }
cleanup() {
	set +e
	local f p
	for f in "$tmp/bird/bird.pid" "$tmp/frr/bgpd.pid"; do
		[ -s "$f" ] || continue
		p=$(cat "$f")
		kill "$p" 2>/dev/null
		for _ in $(seq 50); do alive "$p" || break; sleep 0.1; done
		alive "$p" && kill -9 "$p" 2>/dev/null
	done
	for x in "$F" "$B" "$R"; do ip netns del "$x" 2>/dev/null; done
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
export XTABLES_LOCKFILE="$tmp/xtables.lock"
mkdir "$tmp/frr" "$tmp/bird" "$tmp/state"
bad=0
fail() { echo "FAIL: $*"; bad=1; }
ms() { awk -v u="$1" 'BEGIN { printf "%.1f", u / 1000 }'; }   # us -> ms
best() { if [ -z "$1" ] || [ "$2" -lt "$1" ]; then echo "$2"; else echo "$1"; fi; }
# timeit OUT CMD...: runs CMD (inside a namespace: no `ip netns exec` in the time),
# its wall time in microseconds goes to OUT
cat >"$tmp/timeit" <<'EOF'
#!/bin/bash
out=$1; shift
t0=${EPOCHREALTIME/./}; "$@"; rc=$?; t1=${EPOCHREALTIME/./}
echo $((t1 - t0)) >"$out"; exit $rc
EOF
chmod +x "$tmp/timeit"
vty() { ip netns exec "$F" vtysh --vty_socket "$tmp/frr" -c "$1"; }
sumq() { # family -> "state pfxRcd" of the BIRD peer
	vty "show bgp $1 flowspec summary json" 2>/dev/null |
		jq -r '.peers["198.19.1.1"] // {} | "\(.state) \(.pfxRcd)"' 2>/dev/null || true
}
fltr() { ip netns exec "$1" iptables-legacy-save "${@:2}" -t filter | grep -v '^#'; }   # ns [-c]
injlog() { # file what -> the numbers of the injector's log line
	case $2 in
	poll) sed -n 's/.*IPv4 poll: \([0-9]*\) paths, \([0-9]*\) routes; vtysh \([0-9.]*\) ms, parse \([0-9.]*\) ms.*/\1 \2 \3 \4/p' "$1" | tail -1 ;;
	commit) sed -n 's/.*IPv4 committed: \([0-9]*\) routes, \([0-9]*\) installed, \([0-9]*\) refused, \([0-9]*\) rules, \([0-9.]*\) ms.*/\1 \2 \3 \4 \5/p' "$1" | tail -1 ;;
	esac
}
once() { # ns log timefile [extra...]: one poll of the injector, timed inside the namespace
	local ns=$1 log=$2 tf=$3; shift 3
	ip netns exec "$ns" "$tmp/timeit" "$tf" "$@" "$inj" --source frr --once -4 \
		--vtysh-socket "$tmp/frr" --state-dir "$tmp/state" -v 2>"$log"
}

# ---- 1. topology: FRR <-veth-> BIRD; FRR forwards 10.0.0.0/8 out a second veth (probe path)
ip netns add "$F"; ip netns add "$B"
ip -n "$F" link set lo up; ip -n "$B" link set lo up
ip link add fs-f1 netns "$F" type veth peer name fs-b1 netns "$B"
ip -n "$F" addr add 198.19.1.2/30 dev fs-f1; ip -n "$F" link set fs-f1 up
ip -n "$B" addr add 198.19.1.1/30 dev fs-b1; ip -n "$B" link set fs-b1 up
ip -n "$F" link add fs-d0 type veth peer name fs-d1; ip -n "$F" link set fs-d0 up
ip -n "$F" route add 10.0.0.0/8 dev fs-d0
ip netns exec "$F" sysctl -qw net.ipv4.ip_forward=1
ip -n "$B" route add 10.0.0.0/8 via 198.19.1.2

cat >"$tmp/frr/bgpd.conf" <<EOF
hostname fsacl-frr
log file $tmp/frr/bgpd.log
log timestamp precision 6
debug bgp neighbor-events
router bgp 65001
 bgp router-id 198.19.1.2
 no bgp ebgp-requires-policy
 no bgp default ipv4-unicast
 neighbor 198.19.1.1 remote-as 65000
 neighbor 198.19.1.1 timers connect 5
 address-family ipv4 flowspec
  neighbor 198.19.1.1 activate
  neighbor 198.19.1.1 route-map FS-NO-EXPORT out
 exit-address-family
 address-family ipv6 flowspec
  neighbor 198.19.1.1 activate
  neighbor 198.19.1.1 route-map FS-NO-EXPORT out
 exit-address-family
route-map FS-NO-EXPORT deny 10
EOF
ip netns exec "$F" /usr/lib/frr/bgpd -d -Z -u root -g frrvty -f "$tmp/frr/bgpd.conf" \
	-i "$tmp/frr/bgpd.pid" --vty_socket "$tmp/frr" -P 0 2>>"$tmp/frr/bgpd.stderr"
for _ in $(seq 100); do vty 'show bgp summary json' >/dev/null 2>&1 && break; sleep 0.1; done
vty 'show bgp summary json' >/dev/null || { echo "frr-sync.sh: bgpd does not answer"; exit 1; }

python3 "$top/bench/frr-routes.py" "$n" "$n6" "$tmp/bird" >"$tmp/bird/bird.conf"
bird -p -c "$tmp/bird/bird.conf"
t0=${EPOCHREALTIME/./}
ip netns exec "$B" bird -c "$tmp/bird/bird.conf" -s "$tmp/bird/bird.ctl" -P "$tmp/bird/bird.pid"
# poll the summaries until pfxRcd == n (ipv4) and n6 (ipv6); the transfer time itself
# comes from bgpd's log (microsecond timestamps): Established -> last End-of-RIB received
s4= s6=
while :; do
	s4=$(sumq ipv4)
	now=${EPOCHREALTIME/./}
	if [ "$s4" = "Established $n" ]; then
		s6=$(sumq ipv6)
		[ "$s6" = "Established $n6" ] && break
	fi
	[ $((now - t0)) -lt 120000000 ] || { echo "frr-sync.sh: FRR has not received $n + $n6 routes after 120 s (ipv4: $s4; ipv6: $s6)"; exit 1; }
	sleep 0.05
done
logts() { # bgpd log line pattern -> its time of day in seconds (last match)
	sed -n "s#^[0-9/]* \([0-9:.]*\) BGP: .*$1.*#\1#p" "$tmp/frr/bgpd.log" | tail -1 |
		awk -F: 'NF == 3 { printf "%.6f", $1 * 3600 + $2 * 60 + $3 }'
}
l_est=$(logts 'went from OpenConfirm to Established')
l_eor4=$(logts 'rcvd End-of-RIB for IPv4 Flowspec')
l_eor6=$(logts 'rcvd End-of-RIB for IPv6 Flowspec')
if [ -n "$l_est" ] && [ -n "$l_eor4" ] && [ -n "$l_eor6" ]; then
	bgp_s=$(awk -v e="$l_est" -v a="$l_eor4" -v b="$l_eor6" 'BEGIN { m = a > b ? a : b; d = m - e; if (d < 0) d += 86400; printf "%.3f", d }')
	eor4_s=$(awk -v e="$l_est" -v a="$l_eor4" 'BEGIN { d = a - e; if (d < 0) d += 86400; printf "%.3f", d }')
	eor6_s=$(awk -v e="$l_est" -v a="$l_eor6" 'BEGIN { d = a - e; if (d < 0) d += 86400; printf "%.3f", d }')
	how="Established -> End-of-RIB: ipv4 $eor4_s s, ipv6 $eor6_s s (bgpd log)"
else
	bgp_s='?' how="no Established / End-of-RIB lines in bgpd.log"
fi
echo "BGP: $n flow4 + $n6 flow6 routes counted in FRR's summary $(ms $((now - t0))) ms after BIRD started;" \
	"transfer $bgp_s s: $how"

# ---- 2. raw vtysh, best of 3, timed inside the FRR namespace
vt_det= vt_sum=
for rep in 1 2 3; do
	ip netns exec "$F" "$tmp/timeit" "$tmp/t" vtysh --vty_socket "$tmp/frr" \
		-c 'show bgp ipv4 flowspec detail json' >"$tmp/detail.v4.json"
	vt_det=$(best "$vt_det" "$(cat "$tmp/t")")
	ip netns exec "$F" "$tmp/timeit" "$tmp/t" vtysh --vty_socket "$tmp/frr" \
		-c 'show bgp ipv4 flowspec summary json' >"$tmp/summary.v4.json"
	vt_sum=$(best "$vt_sum" "$(cat "$tmp/t")")
done
det_bytes=$(stat -c %s "$tmp/detail.v4.json")
arrays=$(grep -c '^\[' "$tmp/detail.v4.json" || true)
[ "$arrays" = "$n" ] || fail "detail json holds $arrays NLRIs, expected $n"
echo "vtysh (best of 3): ipv4 detail json $(ms "$vt_det") ms, $det_bytes bytes, $arrays NLRIs;" \
	"summary json $(ms "$vt_sum") ms; summary + detail + summary, as the injector runs them:" \
	"$(ms $((vt_sum * 2 + vt_det))) ms"

# the same rules as an iptables-restore document, from the saved detail
"$inj" --source frr --dry-run -4 -i "$tmp/detail.v4.json" >"$tmp/doc" 2>"$tmp/dry.log" ||
	{ cat "$tmp/dry.log"; echo "frr-sync.sh: dry run failed"; exit 1; }
rules=$(awk '/^\*filter/ {f = 1} /^COMMIT/ {f = 0} f && /^-A /' "$tmp/doc" | wc -l)

# ---- 3. first sync, empty kernel -> N routes, best of 3 (tables and state emptied between)
inj_wall= best_rep=
for rep in 1 2 3; do
	if [ "$rep" -gt 1 ]; then
		ip netns exec "$F" iptables-legacy -F; ip netns exec "$F" iptables-legacy -X
		rm -rf "$tmp/state"; mkdir "$tmp/state"
	fi
	once "$F" "$tmp/sync$rep.log" "$tmp/t" || { cat "$tmp/sync$rep.log"; echo "frr-sync.sh: first sync failed"; exit 1; }
	w=$(cat "$tmp/t")
	if [ -z "$inj_wall" ] || [ "$w" -lt "$inj_wall" ]; then inj_wall=$w best_rep=$rep; fi
done
poll=$(injlog "$tmp/sync$best_rep.log" poll) commit=$(injlog "$tmp/sync$best_rep.log" commit)
[ -n "$poll" ] || fail "no 'IPv4 poll:' line in the first sync's log"
[ -n "$commit" ] || fail "no 'IPv4 committed:' line in the first sync's log"
read -r p_paths p_routes vt_ms parse_ms <<<"${poll:-x x 0 0}"
read -r c_routes c_inst c_ref c_rules commit_ms <<<"${commit:-x x x x 0}"
[ "$p_paths $p_routes" = "$n $n" ] || fail "poll logged '$p_paths paths, $p_routes routes', expected $n, $n"
[ "$c_routes $c_inst $c_ref" = "$n $n 0" ] || fail "commit logged '$c_routes routes, $c_inst installed, $c_ref refused', expected $n, $n, 0"
got=$(fltr "$F" | grep -c '^-A ' || true)
[ "$got" = "$rules" ] || fail "kernel holds $got filter rules after the sync, the dry-run document $rules"
echo "first sync (best of 3 by wall time, run $best_rep): wall $(ms "$inj_wall") ms; logged vtysh $vt_ms ms," \
	"parse $parse_ms ms, translate+commit $commit_ms ms, $c_rules rules; kernel: $got rules (document: $rules)"
sed -n 's/^/  | /p' "$tmp/sync$best_rep.log" | grep -Ev 'nft variant' | head -5

# ---- 4. poll with nothing changed: no commit.  Counters made nonzero first: a
# commit rebuilds our chains, which zeroes them (step 4c shows it does).
ip netns exec "$B" python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("198.19.1.1", 123))
for _ in range(5):
    s.sendto(b"x" * 64, ("10.0.0.1", 9))'
for _ in $(seq 40); do
	fltr "$F" -c | grep -q -- '^\[[1-9][0-9]*:[0-9]*\] -A FLOWSPEC[^ ]* .*-d 10.0.0.1/32 ' && break; sleep 0.05
done
fltr "$F" -c >"$tmp/before"
hit=$(grep -c -e '^\[[1-9][0-9]*:[0-9]*\] -A FORWARD .*-j FLOWSPEC' -e '^\[[1-9][0-9]*:[0-9]*\] -A FLOWSPEC[^ ]* .*-d 10.0.0.1/32 ' "$tmp/before" || true)
[ "$hit" -ge 2 ] || fail "the probe packets did not count on the FORWARD jump and route 0's rule"
un_wall= un_rep= un_commits=0
for rep in 1 2 3; do
	once "$F" "$tmp/un$rep.log" "$tmp/t" || { cat "$tmp/un$rep.log"; fail "unchanged poll $rep exited non-zero"; }
	w=$(cat "$tmp/t")
	if [ -z "$un_wall" ] || [ "$w" -lt "$un_wall" ]; then un_wall=$w un_rep=$rep; fi
	grep -q 'IPv4 unchanged: no commit' "$tmp/un$rep.log" || fail "unchanged poll $rep did not log 'IPv4 unchanged: no commit'"
	c=$(grep -c 'committed' "$tmp/un$rep.log" || true)
	un_commits=$((un_commits + c))
done
fltr "$F" -c >"$tmp/after"
if ! cmp -s "$tmp/before" "$tmp/after"; then
	fail "the filter table changed during the unchanged polls (counters reset = a commit):"
	diff "$tmp/before" "$tmp/after" | head -5
	un_commits=$((un_commits + 1))
fi
# 4b. one more unchanged poll under strace: no IPT_SO_SET_REPLACE at all
ip netns exec "$F" strace -f -qq --seccomp-bpf -e trace=setsockopt -o "$tmp/strace" \
	"$inj" --source frr --once -4 --vtysh-socket "$tmp/frr" --state-dir "$tmp/state" 2>"$tmp/un-strace.log" ||
	fail "unchanged poll under strace exited non-zero"
replaces=$(grep -c 'IPT_SO_SET_REPLACE' "$tmp/strace" || true)
[ "$replaces" = 0 ] || fail "unchanged poll under strace replaced the table $replaces times"
un_commits=$((un_commits + replaces))
read -r _ _ un_vt un_parse <<<"$(injlog "$tmp/un$un_rep.log" poll)"
un_rest=$(awk -v w="$un_wall" -v a="${un_vt:-0}" -v b="${un_parse:-0}" 'BEGIN { printf "%.1f", w / 1000 - a - b }')
echo "unchanged poll (best of 3): wall $(ms "$un_wall") ms; logged vtysh ${un_vt:-?} ms, parse ${un_parse:-?} ms," \
	"the rest (start-up, plan, compare, kernel check) $un_rest ms; commits: $un_commits" \
	"(3 timed polls: log lines and counters; 1 more under strace: $replaces IPT_SO_SET_REPLACE)"
# 4c. control: BIRD withdraws one route, the next poll must commit (and zero the counters)
python3 "$top/bench/frr-routes.py" "$((n - 1))" "$n6" "$tmp/bird" >"$tmp/bird/bird.conf"
ip netns exec "$B" birdc -s "$tmp/bird/bird.ctl" configure >/dev/null
for _ in $(seq 200); do set -- $(sumq ipv4); [ "${2:-}" = $((n - 1)) ] && break; sleep 0.05; done
[ "${2:-}" = $((n - 1)) ] || fail "FRR did not see the withdraw (ipv4: $*)"
once "$F" "$tmp/chg.log" "$tmp/t" || { cat "$tmp/chg.log"; fail "poll after the withdraw exited non-zero"; }
chg_wall=$(cat "$tmp/t")
chg=$(injlog "$tmp/chg.log" commit)
[ "${chg%% *}" = $((n - 1)) ] || fail "poll after the withdraw logged no commit of $((n - 1)) routes ('$chg')"
fltr "$F" -c | grep -- '-A FLOWSPEC[^ ]* .*-d 10.0.0.1/32 ' | grep -qv '^\[0:0\]' &&
	fail "route 0's counters survived the commit after the withdraw: the counter check proves nothing"
echo "control, one route withdrawn: poll+commit wall $(ms "$chg_wall") ms, logged: $chg"

# ---- 5. iptables-legacy-restore of the same rules, best of 3, fresh namespace each
rest=
for rep in 1 2 3; do
	ip netns add "$R"
	ip netns exec "$R" "$tmp/timeit" "$tmp/t" iptables-legacy-restore <"$tmp/doc"
	rest=$(best "$rest" "$(cat "$tmp/t")")
	[ "$rep" = 3 ] && fltr "$R" | grep '^-A ' >"$tmp/restored"
	ip netns del "$R"
done
# what the injector installed (first sync, saved before the withdraw) reads back as the restored document
sed 's/^\[[0-9]*:[0-9]*\] //' "$tmp/before" | grep '^-A ' >"$tmp/installed"
cmp -s "$tmp/installed" "$tmp/restored" || fail "the injector's rules differ from the restored document's ($(diff "$tmp/installed" "$tmp/restored" | grep -c '^[<>]') lines)"
echo "iptables-legacy-restore (best of 3): $(ms "$rest") ms, $rules rules"

# ---- 6. summary
total=$(awk -v a="$vt_ms" -v b="$parse_ms" -v c="$commit_ms" 'BEGIN { print a + b + c }')
r1=$(awk -v c="$commit_ms" -v r="$rest" 'BEGIN { printf "%.2f", c / (r / 1000) }')
r2=$(awk -v p="$parse_ms" -v c="$commit_ms" -v r="$rest" 'BEGIN { printf "%.2f", (p + c) / (r / 1000) }')
r3=$(awk -v t="$total" -v r="$rest" 'BEGIN { printf "%.2f", t / (r / 1000) }')
echo
printf '%-46s %s\n' \
	"routes (flow4; + flow6 not synced)" "$n (+ $n6)" \
	"filter rules" "$rules" \
	"BGP transfer, Established -> End-of-RIB" "$bgp_s s" \
	"vtysh ipv4 detail json (size)" "$(ms "$vt_det") ms ($det_bytes B)" \
	"vtysh ipv4 summary json" "$(ms "$vt_sum") ms" \
	"injector first sync = vtysh + parse + commit" "$total ms = $vt_ms + $parse_ms + $commit_ms (wall $(ms "$inj_wall") ms)" \
	"iptables-legacy-restore, same rules" "$(ms "$rest") ms" \
	"ratio injector commit / restore" "$r1" \
	"ratio injector (parse + commit) / restore" "$r2" \
	"ratio injector total (with vtysh) / restore" "$r3" \
	"unchanged poll, wall = vtysh + parse + rest" "$(ms "$un_wall") ms = ${un_vt:-?} + ${un_parse:-?} + $un_rest" \
	"commits on the unchanged polls" "$un_commits"
[ "$un_commits" = 0 ] || { echo "FAIL: the unchanged poll committed"; exit 1; }
[ "$bad" = 0 ] || { echo "FAIL: see above"; exit 1; }
