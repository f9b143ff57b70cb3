#!/bin/bash
# The micro-segmentation lab: ONE FlowSpec policy on a BIRD 2 controller,
# scoped by route target to three leaves, each of which installs only its
# own rules (flowspec-injector -c leafN.yaml, import-route-targets).
#
#   ctl          BIRD 2 (AS65001), bird-controller.conf: 6 flow4 and 3 flow6
#                routes, each tagged with the route targets of its leaves
#   leaf1..3     ExaBGP 4.2 (AS65000), one eBGP session each to ctl; API
#                processes: flowspec-injector -c leafN.yaml (live, libiptc)
#                and a capture of the JSON; forwarding on
#   cli          the client: one link to each leaf, scapy sends the same
#                packets through each leaf
#   wl1..3       the workload behind each leaf: a sniffer records what the
#                leaf forwarded (it never answers)
#
# It prints each leaf's FLOWSPEC chains and `flowspec-injector status`, then
# the fate of every probe at every leaf, then moves route W3 from leaf3 to
# leaf1 (BIRD re-tags it, birdc configure) and shows the leaves again.
# Exit 0 when every probe meets the fate the scoping means, 1 otherwise, 77
# without root or without BIRD, ExaBGP or scapy.
#
# Usage: examples/microseg/lab.sh [path/to/flowspec-injector]
#   (default build/injector/flowspec-injector; FS_INTEG_KEEP=1 keeps the temp
#   dir with the daemons' logs and the captures)
# The test tests/integration/microseg.sh sources this file (MS_NO_MAIN=1) and
# asserts on the same lab.  Everything runs in network namespaces named
# fsm-<role>-PID, deleted by an EXIT/INT/TERM trap; the root namespace's
# firewall, routes and sysctls are never touched.  Addresses: 198.18.0.0/15
# and 2001:db8::/32 only.
# shellcheck source-path=SCRIPTDIR
set -u
MS_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
MS_TOP=$(cd "$MS_HERE/../.." && pwd)
FS_INJECTOR=${1:-${FS_INJECTOR:-$MS_TOP/build/injector/flowspec-injector}}
FS_INJECTOR=$(realpath "$FS_INJECTOR" 2>/dev/null || echo "$FS_INJECTOR") # ExaBGP needs it absolute
[ "$(id -u)" = 0 ] || { echo "skipped: needs root (network namespaces)"; exit 77; }
for t in ip bird birdc exabgp iptables-legacy ip6tables-legacy iptables-legacy-save \
	ip6tables-legacy-save sysctl; do
	command -v "$t" >/dev/null || { echo "skipped: $t not installed (tests/install-deps.sh)"; exit 77; }
done
/usr/bin/python3 -c 'import scapy.all' 2>/dev/null || { echo "skipped: python3-scapy not installed"; exit 77; }
# shellcheck source=../../tests/integration/lib.sh
. "$MS_TOP/tests/integration/lib.sh"

# ------------------------------------------------------------- topology ----
MS_LEAVES="1 2 3"
NS_CTL=fsm-ctl-$LAB_ID # lib.sh's bird_start, birdc_cmd run BIRD here
NS_CLI=fsm-cli-$LAB_ID
ms_leaf_ns() { echo "fsm-leaf$1-$LAB_ID"; }
ms_wl_ns() { echo "fsm-wl$1-$LAB_ID"; }
LAB_NSS="$NS_CTL $NS_CLI" # every namespace of the lab, for lab_teardown
for n in $MS_LEAVES; do LAB_NSS="$LAB_NSS $(ms_leaf_ns "$n") $(ms_wl_ns "$n")"; done
# Per leaf N: BGP link ctl:c-lN 198.18.0.(4N-3)/30 <-> leafN:l-ctl 198.18.0.(4N-2);
# client link cli:cliN 198.18.(10+N).2/24, 2001:db8:c1:N::2/64 <-> leafN:l-cli .1, ::1;
# workload link leafN:l-wl 198.18.(20+N).1/24, 2001:db8:5e:N::1/64 <-> wlN:wl0 .2, ::2.
# Every leaf routes the probe destinations 198.19.0.0/16 and 2001:db8:d::/48
# to its workload, so the same packet can be tried at each leaf.
ms_ctl4() { echo "198.18.0.$((4 * $1 - 3))"; }
ms_leaf4() { echo "198.18.0.$((4 * $1 - 2))"; }
ms_cli4() { echo "198.18.$((10 + $1)).2"; }
ms_cli6() { echo "2001:db8:c1:$1::2"; }
ms_wl4() { echo "198.18.$((20 + $1)).2"; }
ms_wl6() { echo "2001:db8:5e:$1::2"; }
ms_mac() { printf '02:f5:1%d:0%d:00:%02x\n' "$1" "$2" "$3"; } # LINK(0 ctl,1 cli,2 wl) LEAF SIDE

ms_create() {
	local ns n l w
	for ns in $LAB_NSS; do
		ip netns add "$ns" || lab_die "cannot create namespace $ns"
		ip -n "$ns" link set lo up
		ns_sysctl "$ns" net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0 \
			net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 \
			net.ipv6.conf.default.accept_dad=0 net.ipv6.conf.all.accept_dad=0 \
			net.ipv6.conf.default.accept_ra=0
	done
	for n in $MS_LEAVES; do
		l=$(ms_leaf_ns "$n") w=$(ms_wl_ns "$n")
		ns_sysctl "$l" net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
		lab_link "$NS_CTL" "c-l$n" "$(ms_mac 0 "$n" 1)" "$l" l-ctl "$(ms_mac 0 "$n" 2)"
		lab_link "$NS_CLI" "cli$n" "$(ms_mac 1 "$n" 2)" "$l" l-cli "$(ms_mac 1 "$n" 1)"
		lab_link "$l" l-wl "$(ms_mac 2 "$n" 1)" "$w" wl0 "$(ms_mac 2 "$n" 2)"
		ip -n "$NS_CTL" addr add "$(ms_ctl4 "$n")/30" dev "c-l$n"
		ip -n "$l" addr add "$(ms_leaf4 "$n")/30" dev l-ctl
		ip -n "$NS_CLI" addr add "$(ms_cli4 "$n")/24" dev "cli$n"
		ip -n "$NS_CLI" -6 addr add "$(ms_cli6 "$n")/64" dev "cli$n" nodad
		ip -n "$l" addr add "198.18.$((10 + n)).1/24" dev l-cli
		ip -n "$l" -6 addr add "2001:db8:c1:$n::1/64" dev l-cli nodad
		ip -n "$l" addr add "198.18.$((20 + n)).1/24" dev l-wl
		ip -n "$l" -6 addr add "2001:db8:5e:$n::1/64" dev l-wl nodad
		ip -n "$w" addr add "$(ms_wl4 "$n")/24" dev wl0
		ip -n "$w" -6 addr add "$(ms_wl6 "$n")/64" dev wl0 nodad
		# static neighbours on the probe path (no link-local addresses, no ND)
		ip -n "$l" neigh replace "$(ms_wl4 "$n")" lladdr "$(ms_mac 2 "$n" 2)" dev l-wl nud permanent
		ip -n "$l" neigh replace "$(ms_wl6 "$n")" lladdr "$(ms_mac 2 "$n" 2)" dev l-wl nud permanent
		ip -n "$l" route add "$DST_NET4" via "$(ms_wl4 "$n")"
		ip -n "$l" -6 route add "$DST_NET6" via "$(ms_wl6 "$n")"
		# the workload only observes: its stack answers nothing
		in_ns "$w" iptables-legacy -w -P INPUT DROP
		in_ns "$w" ip6tables-legacy -w -P INPUT DROP
	done
	lab_log "lab: namespaces $LAB_NSS, temp dir $LAB_DIR"
}

# ms_exabgp_start N: ExaBGP 4.2 in leafN, connecting to BIRD; API processes:
# the capture ($LAB_DIR/leafN/capture.jsonl) and the live injector with leafN.yaml
ms_exabgp_start() {
	local n=$1 d=$LAB_DIR/leaf$1
	mkdir -p "$d/state"
	: >"$d/capture.jsonl"
	cat >"$d/exabgp.conf" <<EOF
process capture {
    run $LAB_HERE/capture-jsonl.sh $d/capture.jsonl;
    encoder json;
}
process injector {
    run $LAB_HERE/run-injector.sh $d/injector.log $LAB_INJECTOR -c $MS_HERE/leaf$n.yaml --state-dir $d/state --window 50;
    encoder json;
}

neighbor $(ms_ctl4 "$n") {
    router-id $(ms_leaf4 "$n");
    local-address $(ms_leaf4 "$n");
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
	# ip netns exec and env exec in place: $! is ExaBGP's pid.  The injector
	# inherits XTABLES_LOCKFILE: the lab's own lock (its tables are its own)
	ip netns exec "$(ms_leaf_ns "$n")" env exabgp.daemon.user=root exabgp.daemon.drop=false \
		exabgp.daemon.daemonize=false exabgp.api.cli=false exabgp.tcp.bind= \
		exabgp.log.destination=stdout XTABLES_LOCKFILE="$XTABLES_LOCKFILE" \
		exabgp "$d/exabgp.conf" >"$d/exabgp.log" 2>&1 &
	echo $! >"$LAB_DIR/exabgp$n.pid"
}

# ms_capture N ARGS...: capture.py on leafN's capture (count up, eor4, ...)
ms_capture() { local n=$1; shift; "$LAB_PY" "$LAB_HERE/capture.py" "$LAB_DIR/leaf$n/capture.jsonl" "$@"; }
ms_capture_ge() { [ "$(ms_capture "$1" count "$2")" -ge "$3" ]; }

# ms_start: the lab, BIRD, the three ExaBGPs; returns when every leaf has its
# session up and both End-of-RIBs
ms_start() {
	local n
	lab_init
	export XTABLES_LOCKFILE=$LAB_DIR/xtables.lock
	ms_create
	bird_start "$MS_HERE/bird-controller.conf"
	for n in $MS_LEAVES; do ms_exabgp_start "$n"; done
	for n in $MS_LEAVES; do
		if ! lab_wait_quiet 30 ms_capture_ge "$n" up 1; then
			sed 's/^/#   exabgp: /' "$LAB_DIR/leaf$n/exabgp.log" | tail -20
			sed 's/^/#   bird: /' "$LAB_DIR/bird.log" | tail -20
			lab_die "leaf$n: no BGP session within 30 s"
		fi
		lab_wait 30 "leaf$n: End-of-RIB ipv4 flow" ms_capture_ge "$n" eor4 1
		lab_wait 30 "leaf$n: End-of-RIB ipv6 flow" ms_capture_ge "$n" eor6 1
		lab_log "leaf$n: session up, End-of-RIB for ipv4 and ipv6 flow, $(ms_capture "$n" nlris announce) NLRIs"
	done
}
# lab_wait without dying: 0 when CMD succeeded within SECONDS
lab_wait_quiet() {
	local secs=$1 i
	shift
	for ((i = 0; i < secs * 10; i++)); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}

# ---------------------------------------------------------------- rules ----
# ms_save N FAM: leafN's filter table as iptables-legacy-save prints it,
# without comments, counters, and the INPUT and OUTPUT policies (which the
# dry-run document does not name; a rule in them would still show)
ms_save() {
	local save=iptables-legacy-save
	[ "$2" = 6 ] && save=ip6tables-legacy-save
	in_ns "$(ms_leaf_ns "$1")" "$save" -t filter 2>/dev/null | ms_norm
}
ms_norm() { sed -e '/^#/d' -e '/^:INPUT /d' -e '/^:OUTPUT /d' -e 's/ \[[0-9]*:[0-9]*\]$//'; }
# ms_dryrun N FAM: the document flowspec-injector --dry-run -c leafN.yaml
# makes of leafN's capture so far (its filter table, normalised like ms_save)
ms_dryrun() {
	local d=$LAB_DIR/leaf$1
	"$LAB_INJECTOR" --dry-run -"$2" -c "$MS_HERE/leaf$1.yaml" -i "$d/capture.jsonl" \
		>"$d/dryrun.v$2" 2>"$d/dryrun.v$2.log" ||
		lab_die "leaf$1: flowspec-injector --dry-run -$2 failed: $(tail -3 "$d/dryrun.v$2.log")"
	awk '/^\*filter/ {f = 1} f {print} /^COMMIT/ {f = 0}' "$d/dryrun.v$2" | ms_norm
}
# ms_converged N: leafN's kernel equals the dry run of its capture, both families
ms_converged() {
	[ "$(ms_save "$1" 4)" = "$(ms_dryrun "$1" 4)" ] && [ "$(ms_save "$1" 6)" = "$(ms_dryrun "$1" 6)" ]
}
# ms_wait_converged: every leaf converged, at most 10 s; 1 when one did not
ms_wait_converged() {
	local n
	for n in $MS_LEAVES; do
		lab_wait_quiet 10 ms_converged "$n" || return 1
	done
}
# ms_status N FAM: `flowspec-injector status` in leafN
ms_status() {
	in_ns "$(ms_leaf_ns "$1")" "$LAB_INJECTOR" -q status -"$2" -c "$MS_HERE/leaf$1.yaml" \
		--state-dir "$LAB_DIR/leaf$1/state"
}

# ms_show N: what leafN installed, and its status
ms_show() {
	local n=$1 fam
	echo "## leaf$n (leaf$n.yaml: $(grep -E '^(import-route-targets|apply-untargeted):' "$MS_HERE/leaf$n.yaml" | awk '{ printf "%s%s", s, $0; s = ", " }'))"
	for fam in 4 6; do
		if [ "$fam" = 4 ]; then echo "#  iptables-legacy-save:"; else echo "#  ip6tables-legacy-save:"; fi
		ms_save "$n" "$fam" | grep -E '^-A (FLOWSPEC|FORWARD)' | sed 's/^/     /'
		echo "#  flowspec-injector status -$fam:"
		ms_status "$n" "$fam" | sed 's/^/     /'
	done
}

# --------------------------------------------------------------- probes ----
# The intended scoping, written by hand from bird-controller.conf and the
# three YAML files: LABEL FAMILY DESTINATION LEAVES ("-" = none).
ms_routes() {
	cat <<'EOF'
W1  4 198.19.1.0/24      1
W2  4 198.19.2.0/24      2
W3  4 198.19.3.0/24      3
W12 4 198.19.12.0/24     12
W4  4 198.19.4.0/24      -
WU  4 198.19.66.0/24     13
V3  6 2001:db8:d:3::/64  3
V12 6 2001:db8:d:12::/64 12
VU  6 2001:db8:d:66::/64 13
EOF
}
# The probes: LABEL hit|miss PACKET (probe.py's tokens).  "hit" matches the
# route LABEL: dropped at the leaves that apply it, forwarded by the others;
# "miss" matches no route: forwarded everywhere.
ms_probes() {
	cat <<'EOF'
W1  hit  dst=198.19.1.10 tcp dport=22
W1  hit  dst=198.19.1.200 tcp sport=22 dport=22
W1  miss dst=198.19.1.10 tcp dport=23
W1  miss dst=198.19.1.10 udp dport=22
W2  hit  dst=198.19.2.10 tcp dport=5432
W2  miss dst=198.19.2.10 tcp dport=5433
W3  hit  dst=198.19.3.10 udp dport=161
W3  miss dst=198.19.3.10 tcp dport=161
W12 hit  dst=198.19.12.10 tcp dport=3389
W12 hit  dst=198.19.12.99 tcp dport=3389
W12 miss dst=198.19.12.10 tcp dport=3390
W4  hit  dst=198.19.4.10 tcp dport=80
WU  hit  dst=198.19.66.10 udp dport=9
WU  hit  dst=198.19.66.10 icmp
WU  miss dst=198.19.67.10 udp dport=9
V3  hit  dst=2001:db8:d:3::10 tcp dport=22
V3  miss dst=2001:db8:d:4::10 tcp dport=22
V12 hit  dst=2001:db8:d:12::10 udp dport=53
V12 miss dst=2001:db8:d:12::10 tcp dport=53
VU  hit  dst=2001:db8:d:66::10 tcp dport=443
VU  hit  dst=2001:db8:d:66::ffff icmp6
EOF
}
# ms_applies LABEL N [ROUTES]: whether leaf N applies route LABEL
ms_applies() {
	local leaves
	leaves=$(awk -v l="$1" '$1 == l { print $4 }' "${3:-$LAB_DIR/routes.txt}")
	[ -n "$leaves" ] && [ "${leaves#*"$2"}" != "$leaves" ]
}
# ms_table N: probe.py's table for leaf N, from the probes and the scoping
ms_table() {
	local n=$1 label kind pkt
	while read -r label kind pkt; do
		if [ "$kind" = hit ] && ms_applies "$label" "$n"; then
			echo "$label drop $pkt"
		else
			echo "$label pass $pkt"
		fi
	done <"$LAB_DIR/probes.txt"
}

# ms_send_probes PHASE: sniff at every workload, send leaf N's table through
# leaf N, judge; the verdicts go to $LAB_DIR/judgeP.N
ms_send_probes() {
	local p=$1 n seen pid i senders=()
	for n in $MS_LEAVES; do
		ms_table "$n" >"$LAB_DIR/table$p.$n"
		seen=$LAB_DIR/seen$p.$n
		rm -f "$seen" "$seen.ready"
		ip netns exec "$(ms_wl_ns "$n")" "$LAB_PY" "$LAB_HERE/probe.py" sniff --iface wl0 \
			--out "$seen" --ready "$seen.ready" >"$seen.log" 2>&1 &
		echo $! >"$LAB_DIR/sniff$n.pid"
	done
	for n in $MS_LEAVES; do
		lab_wait 10 "the sniffer in wl$n" test -e "$LAB_DIR/seen$p.$n.ready"
	done
	for n in $MS_LEAVES; do
		in_ns "$NS_CLI" "$LAB_PY" "$LAB_HERE/probe.py" send --iface "cli$n" \
			--smac "$(ms_mac 1 "$n" 2)" --dmac "$(ms_mac 1 "$n" 1)" \
			--src4 "$(ms_cli4 "$n")" --src6 "$(ms_cli6 "$n")" \
			--end4 "$(ms_wl4 "$n")" --end6 "$(ms_wl6 "$n")" \
			--table "$LAB_DIR/table$p.$n" --id-base $((n * 100000 + p * 10000)) \
			>"$LAB_DIR/send$p.$n.log" 2>&1 &
		senders+=($!)
	done
	for pid in "${senders[@]}"; do
		wait "$pid" || lab_die "a probe sender failed: $(cat "$LAB_DIR"/send"$p".*.log)"
	done
	for n in $MS_LEAVES; do
		seen=$LAB_DIR/seen$p.$n
		for ((i = 0; i < 50; i++)); do
			[ "$(grep -c '^end ' "$seen" 2>/dev/null)" -ge 2 ] && break
			sleep 0.1
		done
	done
	sleep 0.2
	for n in $MS_LEAVES; do
		pid=$(cat "$LAB_DIR/sniff$n.pid")
		kill -TERM "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		rm -f "$LAB_DIR/sniff$n.pid"
		seen=$LAB_DIR/seen$p.$n
		[ "$(grep -c '^end ' "$seen")" -ge 2 ] || lab_log "warning: an end marker never reached wl$n"
		"$LAB_PY" "$LAB_HERE/probe.py" judge --table "$LAB_DIR/table$p.$n" \
			--id-base $((n * 100000 + p * 10000)) --seen "$seen" \
			--ctr-out "$LAB_DIR/ctr$p.$n" >"$LAB_DIR/judge$p.$n"
	done
}

# ms_matrix PHASE: one line per probe, its fate at each leaf ("!" = not
# the fate the scoping means); the number of such misses to $LAB_DIR/badPHASE
ms_matrix() {
	local p=$1
	printf '%-4s %-4s %-36s %-7s %-7s %-7s\n' route kind packet leaf1 leaf2 leaf3
	paste -d '\t' "$LAB_DIR/probes.txt" "$LAB_DIR/judge$p.1" "$LAB_DIR/judge$p.2" "$LAB_DIR/judge$p.3" |
		awk -F '\t' -v out="$LAB_DIR/bad$p" '
		function fate(j) { split(j, w, " "); f = (j ~ /-> dropped/) ? "drop" : "pass"
		                   if (w[1] != "ok") { f = f "!"; bad++ }
		                   return f }
		{ split($1, a, " "); pkt = $1; sub(/^[^ ]+ +[^ ]+ +/, "", pkt)
		  printf "%-4s %-4s %-36s %-7s %-7s %-7s\n", a[1], a[2], pkt, fate($2), fate($3), fate($4) }
		END { print bad + 0 > out }'
}

# ms_move: BIRD re-tags route W3 (the line tagged @move) from leaf3's route
# target to leaf1's, birdc configure; waits until every leaf got the UPDATE
ms_move() {
	local n before=()
	for n in $MS_LEAVES; do before[n]=$(ms_capture "$n" count announce); done
	sed '/@move/ s/(rt, 65000, 3)/(rt, 65000, 1)/' "$MS_HERE/bird-controller.conf" >"$LAB_DIR/bird-moved.conf"
	grep -q '(rt, 65000, 1)); }; # @move' "$LAB_DIR/bird-moved.conf" || lab_die "no @move line in bird-controller.conf"
	bird_reconfigure "$LAB_DIR/bird-moved.conf"
	for n in $MS_LEAVES; do
		lab_wait 10 "leaf$n: the UPDATE of W3" ms_capture_ge "$n" announce $((before[n] + 1))
	done
	sed 's/^W3 \(.*\) 3$/W3 \1 1/' "$LAB_DIR/routes.txt" >"$LAB_DIR/routes.moved" &&
		mv "$LAB_DIR/routes.moved" "$LAB_DIR/routes.txt"
}

# ----------------------------------------------------------------- main ----
ms_main() {
	local n bad=0
	echo "micro-segmentation lab: one BIRD 2 policy, route targets, three leaves"
	ms_start
	ms_routes >"$LAB_DIR/routes.txt"
	ms_probes >"$LAB_DIR/probes.txt"
	ms_wait_converged || lab_die "a leaf's kernel did not reach its dry run within 10 s"
	for n in $MS_LEAVES; do ms_show "$n"; done
	echo "## probes from cli through each leaf to its workload (drop / pass; ! = unexpected)"
	ms_send_probes 1
	ms_matrix 1
	bad=$((bad + $(cat "$LAB_DIR/bad1")))
	echo "## W3's workload moves to leaf1: BIRD re-tags W3 (rt, 65000, 3) -> (rt, 65000, 1)"
	ms_move
	ms_wait_converged || lab_die "a leaf's kernel did not reach its dry run within 10 s"
	for n in 1 3; do ms_show "$n"; done
	ms_probes | grep '^W3 ' >"$LAB_DIR/probes.txt"
	ms_send_probes 2
	ms_matrix 2
	bad=$((bad + $(cat "$LAB_DIR/bad2")))
	echo "## $bad unexpected fates"
	[ "$bad" = 0 ]
}

if [ -z "${MS_NO_MAIN:-}" ]; then
	ms_main
fi
