#!/bin/bash
# The micro-segmentation lab (examples/microseg/) as a test: one BIRD 2
# controller announces one policy (bird-controller.conf: 6 flow4, 3 flow6
# routes, each tagged with the route targets of the leaves it is for) over
# eBGP to three leaves; each leaf's ExaBGP 4.2 runs flowspec-injector
# -c leafN.yaml (import-route-targets, apply-untargeted) as its API process.
# Per leaf and family it checks:
#   1. the kernel's filter table (iptables-legacy-save in the leaf) equals the
#      document flowspec-injector --dry-run -c leafN.yaml makes of the leaf's
#      own capture of the same session;
#   2. the FLOWSPEC chain holds exactly the routes the scoping gives the leaf
#      (the table in lab.sh's ms_routes, written by hand), one DROP each;
#   3. flowspec-injector status lists every route of the policy: the leaf's
#      as installed, all the others as not-for-this-host;
#   4. real packets (scapy) from cli through the leaf to its workload: a
#      packet of a route is dropped at the leaves that apply it and arrives
#      through the others; packets of no route arrive everywhere;
#   5. status's packet counter of each installed route grew by exactly the
#      probes it dropped;
# that the three leaves' documents differ, and that the capture holds the
# whole policy (the dry run without scoping installs every route).  Then the
# controller moves route W3 from leaf3 to leaf1 (re-tagged, birdc configure):
# 1-5 again with W3 on leaf1, leaf2's tables unchanged; the injectors logged
# no error; teardown leaves no namespace.
#
# Usage: microseg.sh [INJECTOR]  (absolute path; default build-integ's)
# Root only: exit 77 without root or without BIRD, ExaBGP or scapy.
# FS_INTEG_KEEP=1 keeps the temp dir.  The root namespace is never touched.
# shellcheck source-path=SCRIPTDIR
# shellcheck disable=SC2016,SC2034 # check's tests are single-quoted on purpose (and use variables set for them)
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
FS_INJECTOR=${1:-${FS_INJECTOR:-$TOP/build-integ/injector/flowspec-injector}}
T0=$(date +%s.%N)
MS_NO_MAIN=1
# shellcheck source=../../examples/microseg/lab.sh
. "$TOP/examples/microseg/lab.sh"
case $LAB_INJECTOR in /*) ;; *) echo "FAIL: give the injector as an absolute path"; exit 1 ;; esac

PASS=0 FAIL=0

# routes_for N FAM: the destinations of the routes leaf N applies (sorted)
routes_for() {
	local label fam dst
	while read -r label fam dst _; do
		[ "$fam" = "$2" ] && ms_applies "$label" "$1" && echo "$dst"
	done <"$LAB_DIR/routes.txt" | sort
}
# chain_dsts N FAM: the destinations of the DROP rules in leaf N's FLOWSPEC chain
chain_dsts() {
	ms_save "$1" "$2" | sed -n 's/^-A FLOWSPEC -d \([^ ]*\) .*-j DROP$/\1/p' | sort
}
chain_rules() { ms_save "$1" "$2" | grep -c '^-A FLOWSPEC ' || true; }
# status_states N FAM: "DST STATE" per route of leaf N's status (sorted)
status_states() {
	ms_status "$1" "$2" | awk '$1 ~ /^[0-9]+$/ { for (i = 5; i < NF; i++) if ($i == "dst") print $(i + 1), $2 }' | sort
}
# want_states N FAM: the same, as the scoping means it
want_states() {
	local label fam dst
	while read -r label fam dst _; do
		[ "$fam" = "$2" ] || continue
		if ms_applies "$label" "$1"; then echo "$dst installed"; else echo "$dst not-for-this-host"; fi
	done <"$LAB_DIR/routes.txt" | sort
}
# status_pkts N FAM DST: the packet counter status shows for the route to DST
status_pkts() {
	ms_status "$1" "$2" | awk -v d="$3" '$1 ~ /^[0-9]+$/ { for (i = 5; i < NF; i++) if ($i == "dst" && $(i + 1) == d) print $3 }'
}
# dropped_probes N LABEL: how many probes of LABEL leaf N's table expects dropped
dropped_probes() { awk -v l="$2" '$1 == l && $2 == "drop"' "$LAB_DIR/table$P.$1" | wc -l; }
leaves_of() { awk -v l="$1" '$1 == l { print $4 }' "$LAB_DIR/routes.txt"; }

# check_leaves: assertions 1-3 for every leaf and family
check_leaves() {
	local n fam
	for n in $MS_LEAVES; do
		lab_wait_quiet 10 ms_converged "$n" # then judged below, family by family
		for fam in 4 6; do
			if [ "$(ms_save "$n" "$fam")" = "$(ms_dryrun "$n" "$fam")" ]; then
				ok "leaf$n IPv$fam: kernel filter table = dry run -c leaf$n.yaml of leaf$n's capture ($(chain_rules "$n" "$fam") FLOWSPEC rules)"
			else
				nok "leaf$n IPv$fam: kernel filter table = dry run -c leaf$n.yaml of leaf$n's capture"
				diff <(ms_dryrun "$n" "$fam") <(ms_save "$n" "$fam") | sed 's/^/#   (dry run < > kernel) /'
			fi
			check "leaf$n IPv$fam: FLOWSPEC drops exactly $(routes_for "$n" "$fam" | tr '\n' ' ')" \
				'[ "$(chain_dsts "$n" "$fam")" = "$(routes_for "$n" "$fam")" ] && [ "$(chain_rules "$n" "$fam")" = "$(routes_for "$n" "$fam" | wc -l)" ]'
			check "leaf$n IPv$fam: status: $(want_states "$n" "$fam" | grep -c ' installed$') installed, $(want_states "$n" "$fam" | grep -c ' not-for-this-host$') not-for-this-host (the other leaves' routes)" \
				'[ "$(status_states "$n" "$fam")" = "$(want_states "$n" "$fam")" ]'
			[ "$(status_states "$n" "$fam")" = "$(want_states "$n" "$fam")" ] ||
				ms_status "$n" "$fam" | sed 's/^/#   status: /'
		done
	done
}

# settled N: leaf N's injector has committed through the last line of its
# input (its log's "through input line K" and the capture, which gets the
# same lines); a commit replaces the table, counters included
settled() {
	local k
	k=$(sed -n 's/.* committed: .*(through input line \([0-9]*\),.*/\1/p' "$LAB_DIR/leaf$1/injector.log" | sort -n | tail -1)
	[ "${k:-0}" -ge "$(wc -l <"$LAB_DIR/leaf$1/capture.jsonl")" ]
}

# check_probes PHASE: assertions 4 and 5
check_probes() {
	local n label before got want dst fam
	P=$1
	for n in $MS_LEAVES; do
		# no commit may come between the counters before and after (an
		# injector that commits nothing for a change it does not apply
		# never gets there: 2 s at most)
		lab_wait_quiet 2 settled "$n" || lab_log "leaf$n: no commit through the last input line within 2 s"
		ms_table "$n" >"$LAB_DIR/table$P.$n"
		: >"$LAB_DIR/pkts$P.$n"
		while read -r label fam dst _; do
			ms_applies "$label" "$n" || continue
			echo "$label $fam $dst $(status_pkts "$n" "$fam" "$dst")" >>"$LAB_DIR/pkts$P.$n"
		done <"$LAB_DIR/routes.txt"
	done
	ms_send_probes "$P"
	for n in $MS_LEAVES; do
		echo "## phase $P: probes through leaf$n (route, expectation, packet -> observed at wl$n)"
		cat "$LAB_DIR/judge$P.$n"
		PASS=$((PASS + $(grep -c '^ok ' "$LAB_DIR/judge$P.$n")))
		FAIL=$((FAIL + $(grep -c '^FAIL ' "$LAB_DIR/judge$P.$n")))
		check "leaf$n: every probe judged ($(wc -l <"$LAB_DIR/probes.txt") probes)" \
			'[ "$(grep -c -E "^(ok|FAIL) " "$LAB_DIR/judge$P.$n")" = "$(wc -l <"$LAB_DIR/probes.txt")" ]'
		while read -r label fam dst before; do
			got=$(status_pkts "$n" "$fam" "$dst")
			got=$((${got:-0} - ${before:-0}))
			want=$(dropped_probes "$n" "$label")
			check "leaf$n: status counter of $label ($dst) grew by $got, the probes it dropped: $want" \
				'[ "$got" = "$want" ]'
		done <"$LAB_DIR/pkts$P.$n"
	done
	echo "## phase $P: the matrix (! = unexpected)"
	ms_matrix "$P"
}

# ------------------------------------------------------------- phase 1 ----
ms_start
ms_routes >"$LAB_DIR/routes.txt"
ms_probes >"$LAB_DIR/probes.txt"
echo "## phase 1: the policy as bird-controller.conf has it"
check_leaves
for fam in 4 6; do
	check "IPv$fam: the three leaves' dry-run documents differ from each other" \
		'[ "$(ms_dryrun 1 "$fam")" != "$(ms_dryrun 2 "$fam")" ] && [ "$(ms_dryrun 1 "$fam")" != "$(ms_dryrun 3 "$fam")" ] && [ "$(ms_dryrun 2 "$fam")" != "$(ms_dryrun 3 "$fam")" ]'
done
: >"$LAB_DIR/unscoped.yaml"
for n in $MS_LEAVES; do
	for fam in 4 6; do
		all=$(awk -v f="$fam" '$2 == f' "$LAB_DIR/routes.txt" | wc -l)
		"$LAB_INJECTOR" --dry-run -"$fam" -c "$LAB_DIR/unscoped.yaml" -i "$LAB_DIR/leaf$n/capture.jsonl" \
			>"$LAB_DIR/unscoped$n.v$fam" 2>/dev/null
		check "leaf$n IPv$fam: its capture holds the whole policy (unscoped dry run: one rule for each of the $all routes)" \
			'[ "$(doc_rule_count "$LAB_DIR/unscoped$n.v$fam")" = "$all" ]'
	done
done
check_probes 1

# ------------------------------------------------------------- phase 2 ----
echo "## phase 2: W3 moves from leaf3 to leaf1 (BIRD re-tags it: rt 65000:3 -> 65000:1)"
leaf2_before4=$(ms_save 2 4) leaf2_before6=$(ms_save 2 6)
ms_move
check "the scoping table now gives W3 to leaf1 only" '[ "$(leaves_of W3)" = 1 ]'
check_leaves
check "leaf2: its tables did not change" '[ "$(ms_save 2 4)" = "$leaf2_before4" ] && [ "$(ms_save 2 6)" = "$leaf2_before6" ]'
check_probes 2

# ------------------------------------------------------------ the end ----
# injector_alive N: a flowspec-injector process runs in leaf N
injector_alive() {
	local p
	for p in $(ip netns pids "$(ms_leaf_ns "$1")"); do
		[ "$(readlink "/proc/$p/exe")" = "$LAB_INJECTOR" ] && return 0
	done
	return 1
}
for n in $MS_LEAVES; do
	check "leaf$n: the injector still runs and logged no error or sanitizer report" \
		'injector_alive "$n" && ! grep -E "^(flowspec-injector: )?error|[Ss]anitizer|runtime error" "$LAB_DIR/leaf$n/injector.log"'
done
lab_teardown
check "teardown: no namespace of the lab is left" '! ip netns list | grep -q -- "^fsm-[a-z0-9]*-$LAB_ID\\b"'
echo "microseg: $PASS passed, $FAIL failed ($(awk -v a="$(date +%s.%N)" -v b="$T0" 'BEGIN { printf "%.1f", a - b }') s)"
[ "$FAIL" = 0 ]
