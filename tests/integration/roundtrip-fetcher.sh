#!/bin/bash
# Round trip through real daemons: a firewall policy -> flowspec-fetcher ->
# BIRD 2 -> BGP FlowSpec -> ExaBGP 4.2 -> flowspec-injector --order sequence
# -> another host's kernel, which must then decide every packet exactly as
# the first host does (root; exit 77 without it or without a daemon).
#
#   host A (fsi-a-PID)  a router whose FORWARD chain (iptables-legacy and
#                       ip6tables-legacy) holds a micro-segmentation policy:
#                       roundtrip-policy.v4.rules / .v6.rules (default DROP;
#                       TCP null and Xmas scans dropped first; fe -> be
#                       tcp/8080 with one fe host carved out by REJECT,
#                       replies "! --syn", be -> db tcp/5432, ICMP echo
#                       everywhere but fe -> db, monitoring udp/9).
#   ctl                 BIRD 2 with roundtrip-bird.conf, which includes the
#                       fetcher's output (flowspec-fetcher run inside A's
#                       namespace: it reads A's kernel through libiptc).
#   host B (rtr)        ExaBGP 4.2 receives the routes and runs
#                       flowspec-injector --order sequence (clean sequence
#                       community 0x80ff, the default) as its API process,
#                       which writes B's kernel through libiptc.  B's FORWARD
#                       policy is ACCEPT, the injector's jump its only rule,
#                       so B's verdict is the FLOWSPEC chain's.
#   cli, srv            the traffic ends.  Two parallel paths:
#                         cli:cli1 -> A -> srv:srv1     (198.18.3/24, 198.18.4/24)
#                         cli:cli0 -> B -> srv:srv0     (lib.sh's lab)
#                       scapy sends the same corpus (roundtrip-probes.txt)
#                       down each path; a sniffer on each srv interface
#                       records what A and B forwarded.  The segments (fe,
#                       be, db, mon: 198.19.0.0/16, 2001:db8:d::/48) are
#                       spoofed sources and destinations routed via srv on
#                       both routers (rp_filter off): the policy matches
#                       addresses only, so one wire per side is enough.
#
# Checks:
#   1. the fetcher reads A's kernel (exit 0): per family as many routes as A
#      has rules + 1, sequence numbers 1..N+1 in order, the last route the
#      default (0.0.0.0/0 / ::/0 both ways) with SEQ N+1 and a discard;
#      BIRD parses it (bird -p -c of a bird.conf that includes it) and its
#      tables hold N+1 routes each.
#   2. B: session up, both End-of-RIBs; flowspec-injector status lists
#      exactly N+1 installed routes per family (A's rules + 1), the i-th
#      applied carrying sequence number i, the log's last commit says the
#      same; B's FORWARD is "-P ACCEPT, -j FLOWSPEC" and nothing else.
#   3. 111 probes (IPv4 and IPv6: every allowed flow, wrong port, wrong
#      direction, wrong protocol, the carved-out host and its neighbours,
#      replies with and without SYN, null and Xmas scans on allowed ports
#      (which RFC 8955 order would let through: only the sequence order
#      keeps them dropped), ICMP echo vs other types, fragments):
#      each has the same fate through A as through B (the test's point), and
#      the fate the policy means on A (so the corpus is known to be right);
#      per family some pass and some drop.
#   4. A's per-rule packet counters (and the policy's) equal, rule by rule,
#      the counters flowspec-injector status shows for B's route with the
#      same sequence number.
#   5. teardown leaves no namespace and no process of the lab.
#
# FRR is not repeated here: FRR 8.4 shows the clean sequence community as
# "UNK:128, 255" without its value (and keeps only the last byte of the paper
# form), so the injector refuses --order sequence with --source frr; without
# the order, a policy with a carve-out (deny before allow) cannot survive.
#
# Usage: roundtrip-fetcher.sh [FETCHER [INJECTOR]]   (absolute paths; default
# build/fetcher/flowspec-fetcher, build/injector/flowspec-injector)
# FS_INTEG_KEEP=1 keeps the temp dir.  The root namespace is never touched.
# shellcheck disable=SC2016,SC2034 # check's tests are single-quoted on purpose (and use variables set for them)
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
FETCHER=${1:-${FS_FETCHER:-$TOP/build/fetcher/flowspec-fetcher}}
FS_INJECTOR=${2:-${FS_INJECTOR:-$TOP/build/injector/flowspec-injector}}
[ "$(id -u)" = 0 ] || { echo "skipped: needs root (network namespaces)"; exit 77; }
for t in bird birdc exabgp iptables-legacy-restore ip6tables-legacy-restore iptables-legacy \
	ip6tables-legacy iptables-legacy-save ip6tables-legacy-save; do
	command -v "$t" >/dev/null || { echo "skipped: $t not installed (tests/install-deps.sh)"; exit 77; }
done
/usr/bin/python3 -c 'import scapy.all' 2>/dev/null || { echo "skipped: python3-scapy not installed"; exit 77; }
# shellcheck source=lib.sh
. "$HERE/lib.sh"
T0=$(date +%s.%N)
NS_A=fsi-a-$LAB_ID # host A: the policy's home, a router on a path of its own
LAB_NSS="$LAB_NSS $NS_A"
lab_init
[ -x "$FETCHER" ] || lab_die "fetcher not built: $FETCHER"
case $LAB_INJECTOR in /*) ;; *) lab_die "give the injector as an absolute path (ExaBGP runs it from its own directory)" ;; esac

POLICY4=$HERE/roundtrip-policy.v4.rules
POLICY6=$HERE/roundtrip-policy.v6.rules
PROBES=$HERE/roundtrip-probes.txt
# A's two links (lib.sh's addressing plan: 198.18.0.0/15, 2001:db8::/32)
CLI1_IF=cli1 A_CLI_IF=a-cli A_SRV_IF=a-srv SRV1_IF=srv1
CLI1_MAC=02:f5:00:00:03:02 A_CLI_MAC=02:f5:00:00:03:01
A_SRV_MAC=02:f5:00:00:04:01 SRV1_MAC=02:f5:00:00:04:02
CLI1_V4=198.18.3.2 A_CLI_V4=198.18.3.1 A_SRV_V4=198.18.4.1 SRV1_V4=198.18.4.2
CLI1_V6=2001:db8:c3::2 A_CLI_V6=2001:db8:c3::1 A_SRV_V6=2001:db8:5f::1 SRV1_V6=2001:db8:5f::2
# probe.py's end-of-probes markers: udp/9 from the monitoring host, which
# the policy lets through (rule 11 of each family)
MON4=198.19.9.9 MON6=2001:db8:d:9::9 END4=198.19.9.1 END6=2001:db8:d:9::1
BASE_A=1000000 BASE_B=2000000 # probe ids of the two paths

PASS=0 FAIL=0
now() { date +%s.%N; }
fsub() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", a - b }'; }
ipt_a() { local fam=$1; shift
	if [ "$fam" = 6 ]; then in_ns "$NS_A" ip6tables-legacy "$@"; else in_ns "$NS_A" iptables-legacy "$@"; fi; }
alive() { local p; for p in "$@"; do kill -0 "$p" 2>/dev/null && return 0; done; return 1; }

# ------------------------------------------------------------------ lab ----
lab_create # ctl, rtr (host B), cli, srv; and A, still unconnected
ns_sysctl "$NS_A" net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
lab_link "$NS_CLI" "$CLI1_IF" "$CLI1_MAC" "$NS_A" "$A_CLI_IF" "$A_CLI_MAC"
lab_link "$NS_A" "$A_SRV_IF" "$A_SRV_MAC" "$NS_SRV" "$SRV1_IF" "$SRV1_MAC"
ip -n "$NS_CLI" addr add "$CLI1_V4/24" dev "$CLI1_IF"
ip -n "$NS_CLI" -6 addr add "$CLI1_V6/64" dev "$CLI1_IF" nodad
ip -n "$NS_A" addr add "$A_CLI_V4/24" dev "$A_CLI_IF"
ip -n "$NS_A" -6 addr add "$A_CLI_V6/64" dev "$A_CLI_IF" nodad
ip -n "$NS_A" addr add "$A_SRV_V4/24" dev "$A_SRV_IF"
ip -n "$NS_A" -6 addr add "$A_SRV_V6/64" dev "$A_SRV_IF" nodad
ip -n "$NS_SRV" addr add "$SRV1_V4/24" dev "$SRV1_IF"
ip -n "$NS_SRV" -6 addr add "$SRV1_V6/64" dev "$SRV1_IF" nodad
ip -n "$NS_A" neigh replace "$SRV1_V4" lladdr "$SRV1_MAC" dev "$A_SRV_IF" nud permanent
ip -n "$NS_A" neigh replace "$SRV1_V6" lladdr "$SRV1_MAC" dev "$A_SRV_IF" nud permanent
ip -n "$NS_A" route add "$DST_NET4" via "$SRV1_V4"
ip -n "$NS_A" -6 route add "$DST_NET6" via "$SRV1_V6"

echo "## host A: the policy (iptables-legacy-restore, ip6tables-legacy-restore)"
in_ns "$NS_A" iptables-legacy-restore <"$POLICY4" || lab_die "iptables-legacy-restore rejected $POLICY4"
in_ns "$NS_A" ip6tables-legacy-restore <"$POLICY6" || lab_die "ip6tables-legacy-restore rejected $POLICY6"
N4=$(ipt_a 4 -S FORWARD | grep -c '^-A FORWARD')
N6=$(ipt_a 6 -S FORWARD | grep -c '^-A FORWARD')
check "A: FORWARD holds $N4 IPv4 and $N6 IPv6 rules, policy DROP in both" \
	'[ "$N4" -ge 5 ] && [ "$N6" -ge 5 ] && ipt_a 4 -S FORWARD | grep -qx -- "-P FORWARD DROP" && ipt_a 6 -S FORWARD | grep -qx -- "-P FORWARD DROP"'

# ------------------------------------------------------------- fetcher ----
echo "## flowspec-fetcher in A's namespace (A's kernel, through libiptc)"
FETCHED=$LAB_DIR/fetched.conf
in_ns "$NS_A" "$FETCHER" >"$FETCHED" 2>"$LAB_DIR/fetcher.log"
rc=$?
sed 's/^/#   fetcher: /' "$LAB_DIR/fetcher.log"
grep '^# flowspec-fetcher' "$FETCHED" | sed 's/^# /#   /'
check "fetcher exit 0 ($rc), $(wc -l <"$FETCHED") lines of BIRD config" '[ "$rc" = 0 ] && [ -s "$FETCHED" ]'

# fam_routes FAM: the "route flowF" lines of the fetched config, in order
fam_routes() { grep -E "^[[:space:]]*route flow$1 " "$FETCHED"; }
# seqs FAM: their sequence numbers (the clean community), space separated
seqs() { fam_routes "$1" | sed -n 's/.*(generic, 0x80ff0000, \([0-9]*\)).*/\1/p' | tr '\n' ' ' | sed 's/ $//'; }
for fam in 4 6; do
	n=$N4 def='dst 0.0.0.0/0; src 0.0.0.0/0;'
	[ "$fam" = 6 ] && n=$N6 def='dst ::/0; src ::/0;'
	want=$(seq 1 $((n + 1)) | tr '\n' ' ' | sed 's/ $//')
	last=$(fam_routes "$fam" | tail -1)
	check "IPv$fam: $(fam_routes "$fam" | wc -l) routes for $n rules + the policy" \
		'[ "$(fam_routes "$fam" | wc -l)" = $((n + 1)) ]'
	check "IPv$fam: sequence numbers in order: $(seqs "$fam")" '[ "$(seqs "$fam")" = "$want" ]'
	check "IPv$fam: the last route is the DROP policy: { $def } SEQ $((n + 1)), discard" \
		'case $last in *"flow$fam { $def }"*"(generic, 0x80ff0000, $((n + 1)))"*"(generic, 0x80060000, 0)"*) true ;; *) false ;; esac'
done
check "tables fsfetch_t4 / fsfetch_t6, protocols fsfetch_s4 / fsfetch_s6" \
	'grep -qx "flow4 table fsfetch_t4;" "$FETCHED" && grep -qx "flow6 table fsfetch_t6;" "$FETCHED" && grep -q "^protocol static fsfetch_s4 " "$FETCHED" && grep -q "^protocol static fsfetch_s6 " "$FETCHED"'
cp "$HERE/roundtrip-bird.conf" "$LAB_DIR/bird.conf"
check "bird -p -c: BIRD parses a bird.conf that includes it" \
	'bird -p -c "$LAB_DIR/bird.conf" >"$LAB_DIR/bird-p.log" 2>&1'
[ "$FAIL" = 0 ] || { sed 's/^/#   /' "$LAB_DIR/bird-p.log"; lab_die "no usable fetcher output, stopping here"; }

# ------------------------------------------------- BIRD -> ExaBGP -> B ----
echo "## BIRD 2 (ctl) -> ExaBGP 4.2 + flowspec-injector --order sequence (B)"
bird_start "$HERE/roundtrip-bird.conf" # the copy in $LAB_DIR includes $LAB_DIR/fetched.conf
bird_count() { birdc_cmd show route count table "$1" | sed -n 's/^\([0-9]*\) of .*/\1/p'; }
check "BIRD: fsfetch_t4 holds $(bird_count fsfetch_t4), fsfetch_t6 $(bird_count fsfetch_t6) routes (want $((N4 + 1)), $((N6 + 1)))" \
	'[ "$(bird_count fsfetch_t4)" = $((N4 + 1)) ] && [ "$(bird_count fsfetch_t6)" = $((N6 + 1)) ]'

# ExaBGP as lib.sh's exabgp_start runs it, with the injector in sequence mode
# (lib.sh's live mode has no --order); the capture process serves the waits
: >"$LAB_CAPTURE"
mkdir -p "$LAB_DIR/state"
INJ_LOG=$LAB_DIR/injector.log
cat >"$LAB_DIR/exabgp.conf" <<EOF
process capture {
    run $HERE/capture-jsonl.sh $LAB_CAPTURE;
    encoder json;
}
process injector {
    run $HERE/run-injector.sh $INJ_LOG $LAB_INJECTOR --order sequence --state-dir $LAB_DIR/state --window 50;
    encoder json;
}

neighbor $CTL_V4 {
    router-id $RTR_CTL_V4;
    local-address $RTR_CTL_V4;
    local-as $BGP_ASN_RTR;
    peer-as $BGP_ASN_CTL;
    family {
        ipv4 flow;
        ipv6 flow;
    }
    api {
        processes [ capture injector ];
        neighbor-changes;
        receive {
            parsed;
            update;
        }
    }
}
EOF
t=$(now)
ip netns exec "$NS_RTR" env exabgp.daemon.user=root exabgp.daemon.drop=false \
	exabgp.daemon.daemonize=false exabgp.api.cli=false exabgp.tcp.bind= \
	exabgp.log.destination=stdout \
	exabgp "$LAB_DIR/exabgp.conf" >"$LAB_DIR/exabgp.log" 2>&1 &
echo $! >"$LAB_DIR/exabgp.pid"
wait_session_up
wait_eor

# status FAM: B's routes in applied order (one line each, the header dropped)
status() { in_ns "$NS_RTR" "$LAB_INJECTOR" -q status -"$1" --state-dir "$LAB_DIR/state" 2>/dev/null; }
installed() { status "$1" | awk '$2 == "installed"' | wc -l; }
b_ready() { [ "$(installed 4)" = $((N4 + 1)) ] && [ "$(installed 6)" = $((N6 + 1)) ]; }
for ((i = 0; i < 100; i++)); do b_ready && break; sleep 0.1; done
lab_log "B: rules installed $(fsub "$(now)" "$t") s after ExaBGP started"
grep -F 'committed:' "$INJ_LOG" | tail -2 | sed 's/^/#   injector: /'
status 4 >"$LAB_DIR/status4.0" 2>&1
status 6 >"$LAB_DIR/status6.0" 2>&1
sed 's/^/#   status -4: /' "$LAB_DIR/status4.0"
sed 's/^/#   status -6: /' "$LAB_DIR/status6.0"
check "B: status -4 lists $(installed 4) installed routes, A has $N4 rules + the policy" '[ "$(installed 4)" = $((N4 + 1)) ]'
check "B: status -6 lists $(installed 6) installed routes, A has $N6 rules + the policy" '[ "$(installed 6)" = $((N6 + 1)) ]'
# in_order FAM N: status lists N routes, all installed, the i-th with "seq i"
in_order() { status "$1" | awk -v want="$2" '/^[0-9]/ { n++; if ($2 != "installed" || $1 != n || $NF != n) bad++ }
	END { exit !(n == want && !bad) }'; }
check "B: every route listed is installed, applied in sequence order (the i-th carries seq i), IPv4 and IPv6" \
	'in_order 4 $((N4 + 1)) && in_order 6 $((N6 + 1))'
last_commit() { grep -F "IPv$1 committed:" "$INJ_LOG" | tail -1 | sed -n 's/.*committed: \([0-9]*\) routes, \([0-9]*\) installed, \([0-9]*\) refused.*/\1 \2 \3/p'; }
check "B: the injector's last commits: IPv4 $(last_commit 4), IPv6 $(last_commit 6) (routes installed refused)" \
	'[ "$(last_commit 4)" = "$((N4 + 1)) $((N4 + 1)) 0" ] && [ "$(last_commit 6)" = "$((N6 + 1)) $((N6 + 1)) 0" ]'
check "B: FORWARD is policy ACCEPT and the jump to FLOWSPEC only (IPv4 and IPv6)" \
	'[ "$(in_ns "$NS_RTR" iptables-legacy -S FORWARD | tr "\n" "|")" = "-P FORWARD ACCEPT|-A FORWARD -j FLOWSPEC|" ] && [ "$(in_ns "$NS_RTR" ip6tables-legacy -S FORWARD | tr "\n" "|")" = "-P FORWARD ACCEPT|-A FORWARD -j FLOWSPEC|" ]'

# ------------------------------------------------------------- probes ----
# sniff IF NAME: probe.py's sniffer on srv's interface IF, records to
# $LAB_DIR/seen-NAME.txt, pid in $LAB_DIR/sniff-NAME.pid
sniff() {
	rm -f "$LAB_DIR/seen-$2.txt" "$LAB_DIR/seen-$2.ready"
	ip netns exec "$NS_SRV" "$LAB_PY" "$HERE/probe.py" sniff --iface "$1" \
		--out "$LAB_DIR/seen-$2.txt" --ready "$LAB_DIR/seen-$2.ready" >"$LAB_DIR/sniff-$2.log" 2>&1 &
	echo $! >"$LAB_DIR/sniff-$2.pid"
}
ends() { grep -c '^end ' "$LAB_DIR/seen-$1.txt" 2>/dev/null || true; }
unsniff() {
	local pid i
	for ((i = 0; i < 30; i++)); do [ "$(ends "$1")" -ge 2 ] && break; sleep 0.1; done
	sleep 0.2
	pid=$(cat "$LAB_DIR/sniff-$1.pid")
	kill -TERM "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	rm -f "$LAB_DIR/sniff-$1.pid"
}
# send IF SMAC DMAC BASE: the corpus from cli out of IF
send() {
	in_ns "$NS_CLI" "$LAB_PY" "$HERE/probe.py" send --iface "$1" --smac "$2" --dmac "$3" \
		--src4 "$MON4" --src6 "$MON6" --end4 "$END4" --end6 "$END6" \
		--table "$PROBES" --id-base "$4" || lab_die "probe sender failed"
}
echo "## the corpus through A (cli1 -> A -> srv1) and through B (cli0 -> B -> srv0)"
sniff "$SRV1_IF" A
sniff "$SRV_IF" B
lab_wait 10 "the sniffers in srv" test -e "$LAB_DIR/seen-A.ready" -a -e "$LAB_DIR/seen-B.ready"
send "$CLI1_IF" "$CLI1_MAC" "$A_CLI_MAC" "$BASE_A"
send "$CLI_IF" "$CLI_MAC" "$RTR_CLI_MAC" "$BASE_B"
unsniff A
unsniff B
check "the end markers (udp/9 from the monitoring host) crossed A ($(ends A)/2) and B ($(ends B)/2)" \
	'[ "$(ends A)" = 2 ] && [ "$(ends B)" = 2 ]'
# probe.py's judge: one line per probe against the expectation column,
# "ok|FAIL LABEL EXPECT PACKET -> OBSERVED", in table order
"$LAB_PY" "$HERE/probe.py" judge --table "$PROBES" --id-base "$BASE_A" \
	--seen "$LAB_DIR/seen-A.txt" --ctr-out "$LAB_DIR/ctr-A.txt" >"$LAB_DIR/judge-A.txt"
"$LAB_PY" "$HERE/probe.py" judge --table "$PROBES" --id-base "$BASE_B" \
	--seen "$LAB_DIR/seen-B.txt" --ctr-out "$LAB_DIR/ctr-B.txt" >"$LAB_DIR/judge-B.txt"
NPROBES=$(grep -c '^[46]' "$PROBES")
check "the judge read $NPROBES probes for each path, and the sniffers lost no frame" \
	'[ "$(grep -Ec "^(ok|FAIL) +[46]" "$LAB_DIR/judge-A.txt")" = "$NPROBES" ] && [ "$(grep -Ec "^(ok|FAIL) +[46]" "$LAB_DIR/judge-B.txt")" = "$NPROBES" ] && ! grep -q "lost" "$LAB_DIR/judge-A.txt" "$LAB_DIR/judge-B.txt"'
echo "## probe by probe: LABEL POLICY-SAYS PACKET: A's fate / B's fate"
# One check per probe: B's fate is A's, and A's is what the policy means.
paste -d '\t' "$LAB_DIR/judge-A.txt" "$LAB_DIR/judge-B.txt" | awk -F '\t' '
	function obs(l) { sub(/.* -> /, "", l); return l }
	$1 ~ /^(ok|FAIL) +[46]/ {
		a = obs($1); b = obs($2); lab = $1; split(lab, w, " ")
		d = $1; sub(/^(ok|FAIL) +[^ ]+ +[^ ]+ +/, "", d); sub(/ +-> .*/, "", d)
		good = (a == b) && (w[1] == "ok")
		why = (a != b) ? "  <- A and B differ" : ((w[1] != "ok") ? "  <- A is not what the policy says" : "")
		printf "%-4s %-4s %-4s %-60s A %s / B %s%s\n", good ? "ok" : "FAIL", w[2], w[3], d, a, b, why
	}' >"$LAB_DIR/compare.txt"
cat "$LAB_DIR/compare.txt"
PASS=$((PASS + $(grep -c '^ok ' "$LAB_DIR/compare.txt")))
FAIL=$((FAIL + $(grep -c '^FAIL ' "$LAB_DIR/compare.txt")))
# fates FAM arrived|dropped: how many probes of the family had that fate on A
fates() { awk -v f="$1" -v o="$2" '$2 ~ "^" f && index($0, "A " o) { n++ } END { print n + 0 }' "$LAB_DIR/compare.txt"; }
for fam in 4 6; do
	check "IPv$fam: not trivial: $(fates "$fam" arrived) probes forwarded, $(fates "$fam" dropped) dropped (by A; B the same)" \
		'[ "$(fates "$fam" arrived)" -ge 5 ] && [ "$(fates "$fam" dropped)" -ge 5 ]'
done

# ----------------------------------------------------------- counters ----
echo "## counters: A's rule N (and policy) = B's route with sequence number N"
# a_ctr FAM: A's FORWARD packet counters, rule 1..N, then the policy's
a_ctr() {
	ipt_a "$1" -L FORWARD -v -x -n | awk '
		NR == 1 { for (i = 1; i <= NF; i++) if ($i == "packets,") pol = $(i - 1); next }
		NR > 2 { printf "%s ", $1 }
		END { print pol }' | sed 's/ *$//'
}
# b_ctr FAM: B's status packet counters, in applied order (= sequence order)
b_ctr() { status "$1" | awk '$2 == "installed" { printf "%s ", $3 } END { print "" }' | sed 's/ *$//'; }
for fam in 4 6; do
	check "IPv$fam: A's FORWARD counters [$(a_ctr "$fam")] = B's routes' [$(b_ctr "$fam")]" \
		'[ -n "$(b_ctr "$fam")" ] && [ "$(a_ctr "$fam")" = "$(b_ctr "$fam")" ]'
done

# ------------------------------------------------------------- teardown ----
echo "## teardown: no namespace and no process of the lab left"
lab_pids=$({ cat "$LAB_DIR/bird-launch.pid" "$LAB_DIR/exabgp.pid"; for ns in $LAB_NSS; do ip netns pids "$ns" 2>/dev/null; done; } | sort -un | tr '\n' ' ')
lab_dir=$LAB_DIR
lab_teardown
check "no lab namespace left (fsi-*-$LAB_ID)" '! ip netns list | grep -Eq "^fsi-[a-z]+-$LAB_ID( |$)"'
# shellcheck disable=SC2086 # one pid per word
check "none of the lab's processes left (pids: ${lab_pids:-none})" '! alive $lab_pids'
check "no process names the lab's temp dir" '! pgrep -f -- "$lab_dir" >/dev/null'

echo "## runtime $(fsub "$(now)" "$T0") s"
echo "$PASS passed, $FAIL failed"
[ "$FAIL" = 0 ]
