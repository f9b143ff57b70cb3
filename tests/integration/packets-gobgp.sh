#!/bin/bash
# Real-parts lab test with GoBGP as the controller (root; exit 77 without it):
#   gobgpd 3.10 (ctl) replaces BIRD and peers over eBGP with ExaBGP 4.2 (rtr),
#   which runs the LIVE flowspec-injector as its API process (FS_INSTALL_MODE
#   live, always).  Routes are added with the gobgp CLI, each a fixed argv.
#   1. The routes are in gobgpd's RIB before ExaBGP connects; GoBGP sends them
#      in one burst and no End-of-RIB, so the injector must commit after its
#      start-up hold (1000 ms of quiet input), not after its 50 ms window.
#   2. scapy probes from cli through rtr to srv, both sides of each boundary;
#      kernel counters grow by exactly the matching probes.
#   3. One route is added and one deleted at run time (gobgp ... add / del):
#      the deleted route's traffic passes again, the others still apply.
#   4. gobgpd gets SIGTERM: the session goes down and our chains empty.
#   5. Teardown leaves no namespace and no process of the lab.
# Usage: packets-gobgp.sh [INJECTOR]   (an absolute path: ExaBGP runs it)
# shellcheck disable=SC2016 # check's tests are single-quoted on purpose
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
[ $# -ge 1 ] && FS_INJECTOR=$1
FS_INSTALL_MODE=live # this test is about the live injector only
# shellcheck source=lib.sh
. "$HERE/lib.sh"
T0=$(date +%s.%N)
lab_init
case $LAB_INJECTOR in /*) ;; *) lab_die "give the injector as an absolute path (ExaBGP starts it)" ;; esac

PASS=0 FAIL=0
# check NAME 'SHELL-TEST' (single-quoted on purpose, evaluated here)

# ---------------------------------------------------------------- routes --
# R_<label>: gobgp's address family, then the words after "match".  Passed
# to the CLI as an argv, word for word (route_cmd); nothing is re-parsed by a
# shell.  Probe labels below are these labels.
# shellcheck disable=SC2034,SC1010 # read through a nameref; "then" is gobgp's word
{
R_G01=(ipv4-flowspec destination 198.19.1.1/32 source 198.18.1.64/26 protocol udp destination-port '==7001' then discard)
R_G02=(ipv4-flowspec destination 198.19.1.2/32 protocol tcp port '==22' '==80' '==443' then discard)
R_G03=(ipv4-flowspec destination 198.19.1.3/32 protocol tcp destination-port '>1024&<2048' '>=8000&<=9000' then discard)
R_G04=(ipv4-flowspec destination 198.19.1.7/32 protocol tcp tcp-flags '=S&!A' then discard)
R_G05=(ipv4-flowspec destination 198.19.1.11/32 protocol udp packet-length '>=200&<=300' then discard)
R_G06=(ipv4-flowspec destination 198.19.1.12/32 dscp '>=8&<=15' '==32' then discard)
R_G07=(ipv4-flowspec destination 198.19.2.21/32 fragment 'is-fragment' then discard)
R_G08=(ipv4-flowspec destination 198.19.4.1/32 protocol udp destination-port '==5001' then rate-limit 1000000)
R_G09=(ipv4-flowspec destination 198.19.11.1/32 protocol tcp tcp-flags '=S' then mark 46)
R_G10=(ipv4-flowspec destination 198.19.5.1/32 protocol udp destination-port '==5000' then accept)
R_G11=(ipv4-flowspec destination 198.19.5.0/24 then discard)
R_G12=(ipv6-flowspec destination 2001:db8:d:1::/64 source 2001:db8:c1::100/120 protocol udp destination-port '==7001' then discard)
R_G13=(ipv6-flowspec destination 2001:db8:d:8::/64 label '==48879' then discard)
}
INITIAL="G01 G02 G03 G04 G05 G06 G07 G08 G09 G10 G11 G12" # before ExaBGP connects
N_INITIAL4=11 N_INITIAL6=1

# route_cmd add|del LABEL: gobgp global rib -a FAMILY add|del match WORDS...
route_cmd() {
	local -n r=R_$2
	gobgp_cmd global rib -a "${r[0]}" "$1" match "${r[@]:1}"
}
route_words() { local -n r=R_$1; echo "-a ${r[0]} match ${r[*]:1}"; }
# rib_count FAMILY: routes in gobgpd's global RIB
rib_count() { gobgp_cmd global rib -a "$1" 2>/dev/null | grep -c '^\*' || true; }

# ------------------------------------------------------------ probe table --
# ROUTE EXPECT PACKET (probe.py describes the tokens).  IPv4 fragment bits per
# RFC 8955 §4.2.2.12: IsF = offset != 0, so a first fragment (MF, offset 0)
# is not is-fragment.
cat >"$LAB_DIR/probes1.txt" <<'EOF'
# G01 dst 198.19.1.1 + src 198.18.1.64/26 + udp + dport ==7001: discard
G01 drop src=198.18.1.64 dst=198.19.1.1 udp dport=7001 ctr=G01
G01 drop src=198.18.1.127 dst=198.19.1.1 udp dport=7001 ctr=G01
G01 pass src=198.18.1.63 dst=198.19.1.1 udp dport=7001
G01 pass src=198.18.1.128 dst=198.19.1.1 udp dport=7001
G01 pass src=198.18.1.64 dst=198.19.1.1 udp dport=7000
G01 pass src=198.18.1.64 dst=198.19.1.1 udp dport=7002
G01 pass src=198.18.1.64 dst=198.19.1.1 tcp dport=7001
G01 pass src=198.18.1.64 dst=198.19.1.9 udp dport=7001
# G02 tcp port ==22 ==80 ==443 (either port, OR list)
G02 drop dst=198.19.1.2 tcp sport=40000 dport=22 ctr=G02
G02 drop dst=198.19.1.2 tcp sport=40000 dport=80 ctr=G02
G02 drop dst=198.19.1.2 tcp sport=40000 dport=443 ctr=G02
G02 drop dst=198.19.1.2 tcp sport=443 dport=40000 ctr=G02
G02 pass dst=198.19.1.2 tcp sport=40000 dport=21
G02 pass dst=198.19.1.2 tcp sport=40000 dport=23
G02 pass dst=198.19.1.2 tcp sport=40000 dport=79
G02 pass dst=198.19.1.2 tcp sport=40000 dport=81
G02 pass dst=198.19.1.2 tcp sport=40000 dport=442
G02 pass dst=198.19.1.2 tcp sport=40000 dport=444
G02 pass dst=198.19.1.2 udp sport=40000 dport=80
# G03 tcp dport >1024&<2048 , >=8000&<=9000 (deleted in phase 2)
G03 pass dst=198.19.1.3 tcp dport=1024
G03 drop dst=198.19.1.3 tcp dport=1025 ctr=G03
G03 drop dst=198.19.1.3 tcp dport=2047 ctr=G03
G03 pass dst=198.19.1.3 tcp dport=2048
G03 pass dst=198.19.1.3 tcp dport=7999
G03 drop dst=198.19.1.3 tcp dport=8000 ctr=G03
G03 drop dst=198.19.1.3 tcp dport=9000 ctr=G03
G03 pass dst=198.19.1.3 tcp dport=9001
G03 pass dst=198.19.1.3 udp dport=1500
# G04 tcp-flags =S&!A: SYN set and ACK clear, other bits free
G04 drop dst=198.19.1.7 tcp flags=S ctr=G04
G04 drop dst=198.19.1.7 tcp flags=FS ctr=G04
G04 drop dst=198.19.1.7 tcp flags=SR ctr=G04
G04 drop dst=198.19.1.7 tcp flags=SU ctr=G04
G04 pass dst=198.19.1.7 tcp flags=SA
G04 pass dst=198.19.1.7 tcp flags=SAU
G04 pass dst=198.19.1.7 tcp flags=A
G04 pass dst=198.19.1.7 tcp flags=none
G04 pass dst=198.19.1.7 udp
# G05 udp packet-length >=200&<=300 (IPv4 total length)
G05 pass dst=198.19.1.11 udp len=199
G05 drop dst=198.19.1.11 udp len=200 ctr=G05
G05 drop dst=198.19.1.11 udp len=300 ctr=G05
G05 pass dst=198.19.1.11 udp len=301
G05 pass dst=198.19.1.11 tcp len=250
# G06 dscp >=8&<=15 , ==32 (ECN bits do not matter)
G06 pass dst=198.19.1.12 udp dscp=0
G06 pass dst=198.19.1.12 udp dscp=7
G06 drop dst=198.19.1.12 udp dscp=8 ctr=G06
G06 drop dst=198.19.1.12 udp dscp=15 ctr=G06
G06 pass dst=198.19.1.12 udp dscp=16
G06 pass dst=198.19.1.12 udp dscp=31
G06 drop dst=198.19.1.12 tcp dscp=32 ctr=G06
G06 pass dst=198.19.1.12 udp dscp=33
G06 drop dst=198.19.1.12 udp dscp=8 ecn=3 ctr=G06
G06 pass dst=198.19.1.12 udp dscp=7 ecn=3
# G07 fragment is-fragment (offset != 0): first fragments are not
G07 pass dst=198.19.2.21 udp
G07 pass dst=198.19.2.21 udp df
G07 pass dst=198.19.2.21 udp mf
G07 drop dst=198.19.2.21 udp mf off=8 ctr=G07
G07 drop dst=198.19.2.21 udp off=8 ctr=G07
G07 drop dst=198.19.2.21 udp off=1 ctr=G07
G07 drop dst=198.19.2.21 udp df off=8 ctr=G07
# G08 rate-limit 1000000 (bytes/s) on udp dport 5001: far below, all pass
G08 pass dst=198.19.4.1 udp dport=5001 ctr=G08ret
G08 pass dst=198.19.4.1 udp dport=5001 len=1400 ctr=G08ret
G08 pass dst=198.19.4.1 udp dport=5001 ctr=G08ret
G08 pass dst=198.19.4.1 udp dport=5002
# G09 mark 46 on tcp-flags =S (SYN set, others free): DSCP rewritten at srv
G09 dscp=46 dst=198.19.11.1 tcp flags=S ctr=G09mark
G09 dscp=46 dst=198.19.11.1 tcp flags=SA ctr=G09mark
G09 dscp=46 dst=198.19.11.1 tcp flags=S dscp=8 ecn=1 ctr=G09mark
G09 pass dst=198.19.11.1 tcp flags=A
G09 pass dst=198.19.11.1 tcp flags=A dscp=12 ecn=2
G09 pass dst=198.19.11.1 udp
# G10 accept 198.19.5.1 udp dport 5000, carved out of G11 discard 198.19.5.0/24
G10 pass dst=198.19.5.1 udp dport=5000 ctr=G10acc
G10 drop dst=198.19.5.1 udp dport=5001 ctr=G11drop
G10 drop dst=198.19.5.1 udp dport=4999 ctr=G11drop
G10 drop dst=198.19.5.1 tcp dport=5000 ctr=G11drop
G11 drop dst=198.19.5.2 udp dport=5000 ctr=G11drop
G11 drop dst=198.19.5.254 icmp ctr=G11drop
G11 pass dst=198.19.6.1 udp dport=5000
# G12 v6 dst 2001:db8:d:1::/64 + src 2001:db8:c1::100/120 + udp + dport 7001
G12 drop src=2001:db8:c1::100 dst=2001:db8:d:1::1 udp dport=7001 ctr=G12
G12 drop src=2001:db8:c1::1ff dst=2001:db8:d:1::1 udp dport=7001 ctr=G12
G12 pass src=2001:db8:c1::ff dst=2001:db8:d:1::1 udp dport=7001
G12 pass src=2001:db8:c1::200 dst=2001:db8:d:1::1 udp dport=7001
G12 pass src=2001:db8:c1::100 dst=2001:db8:d:1::1 udp dport=7002
G12 pass src=2001:db8:c1::100 dst=2001:db8:d:1::1 tcp dport=7001
G12 pass src=2001:db8:c1::100 dst=2001:db8:d:2::1 udp dport=7001
# G13 (not announced yet) v6 flow label 48879: passes
G13 pass dst=2001:db8:d:8::1 udp fl=48879
EOF

# Phase 2: G13 added, G03 deleted at run time; the others still in force.
cat >"$LAB_DIR/probes2.txt" <<'EOF'
G03 pass dst=198.19.1.3 tcp dport=1025
G03 pass dst=198.19.1.3 tcp dport=2047
G03 pass dst=198.19.1.3 tcp dport=8000
G03 pass dst=198.19.1.3 tcp dport=9000
G02 drop dst=198.19.1.2 tcp sport=40000 dport=80 ctr=G02
G02 pass dst=198.19.1.2 tcp sport=40000 dport=81
G13 drop dst=2001:db8:d:8::1 udp fl=48879 ctr=G13
G13 pass dst=2001:db8:d:8::1 udp fl=48878
G13 pass dst=2001:db8:d:8::1 udp fl=48880
G13 pass dst=2001:db8:d:8::1 udp fl=114415
G12 drop src=2001:db8:c1::100 dst=2001:db8:d:1::1 udp dport=7001 ctr=G12
G09 dscp=46 dst=198.19.11.1 tcp flags=S ctr=G09mark
G10 pass dst=198.19.5.1 udp dport=5000 ctr=G10acc
G11 drop dst=198.19.5.2 udp dport=5000 ctr=G11drop
EOF

# Phase 3: gobgpd stopped, session down, chains flushed: everything passes
# unchanged (no marking either).
cat >"$LAB_DIR/probes3.txt" <<'EOF'
G01 pass src=198.18.1.64 dst=198.19.1.1 udp dport=7001
G02 pass dst=198.19.1.2 tcp sport=40000 dport=80
G07 pass dst=198.19.2.21 udp off=8
G09 pass dst=198.19.11.1 tcp flags=S
G11 pass dst=198.19.5.2 udp dport=5000
G12 pass src=2001:db8:c1::100 dst=2001:db8:d:1::1 udp dport=7001
G13 pass dst=2001:db8:d:8::1 udp fl=48879
EOF

# Counters: NAME FAM REGEX (on rtr's "-L FLOWSPEC -v -x -n" line without its
# two counter columns; the sum over matching rules).  Expected growth: the
# probes tagged ctr=NAME.
cat >"$LAB_DIR/counters.txt" <<'EOF'
G01      4 ^DROP .* 198\.19\.1\.1[ ]
G02      4 ^DROP .* 198\.19\.1\.2[ ]
G03      4 ^DROP .* 198\.19\.1\.3[ ]
G04      4 ^DROP .* 198\.19\.1\.7[ ]
G05      4 ^DROP .* 198\.19\.1\.11[ ]
G06      4 ^DROP .* 198\.19\.1\.12[ ]
G07      4 ^DROP .* 198\.19\.2\.21[ ]
G08ret   4 ^RETURN .* 198\.19\.4\.1[ ]
G09mark  4 ^MARK .* 198\.19\.11\.1[ ]
G10acc   4 ^RETURN .* 198\.19\.5\.1[ ]
G11drop  4 ^DROP .* 198\.19\.5\.0/24[ ]
G12      6 ^DROP .* 2001:db8:d:1::/64[ ]
G13      6 ^DROP .* 2001:db8:d:8::/64[ ]
EOF


# kernel rule counts in rtr (our chains and their sub-chains)
kernel_rules() { # FAM TABLE ("err" when the table cannot be read)
	local save=iptables-legacy-save out
	[ "$1" = 6 ] && save=ip6tables-legacy-save
	out=$(in_ns "$NS_RTR" "$save" -t "$2" 2>/dev/null) || { echo err; return; }
	grep -c '^-A FLOWSPEC' <<<"$out" || true
}
now() { date +%s.%N; }
fsub() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a - b }'; }
fge() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a >= b) }'; }

# ------------------------------------------------------------------ lab ----
lab_create
# shellcheck disable=SC2046
srv_add_addrs $(for t in 1 2 3; do probe_dsts "$LAB_DIR/probes$t.txt"; done | sort -u)
gobgpd_start "$HERE/gobgpd.toml"
gobgpd_pid=$(cat "$LAB_DIR/gobgpd.pid")
echo "## gobgpd listens only on the ctl address (BGP) and its API socket"
listen=$(in_ns "$NS_CTL" ss -Hlntu | awk '{ print $1, $5 }' | sort | tr '\n' ';')
check "gobgpd: the only TCP/UDP listener in ctl is 198.18.0.1:179 ($listen)" '[ "$listen" = "tcp 198.18.0.1:179;" ]'
check "gobgpd: API on the unix socket in the temp dir" '[ -S "$LAB_GOBGP_SOCK" ]'

echo "## routes into gobgpd's RIB before ExaBGP connects (gobgp CLI, fixed argv)"
for g in $INITIAL; do
	check "gobgp global rib add $(route_words "$g")" 'route_cmd add "$g" >"$LAB_DIR/gobgp.out" 2>&1'
done
check "gobgpd RIB holds $N_INITIAL4 ipv4-flowspec and $N_INITIAL6 ipv6-flowspec routes" \
	'[ "$(rib_count ipv4-flowspec)" = "$N_INITIAL4" ] && [ "$(rib_count ipv6-flowspec)" = "$N_INITIAL6" ]'

echo "## ExaBGP connects and runs the live injector; GoBGP sends no End-of-RIB"
exabgp_start
wait_session_up
for ((i = 0; i < 200; i++)); do
	[ "$(capture_nlris announce)" -ge $((N_INITIAL4 + N_INITIAL6)) ] && break
	sleep 0.1
done
[ "$i" -lt 200 ] || lab_die "timeout after 20s waiting for the announced NLRIs in the capture"
t_last=$(capture_last_time announce)
# the expectation: the dry run of the same capture (it ends at end of input)
for fam in 4 6; do
	"$LAB_INJECTOR" --dry-run -"$fam" -i "$LAB_CAPTURE" >"$LAB_DIR/hold.v$fam" 2>/dev/null ||
		lab_die "dry run -$fam of the capture failed"
done
want4=$(doc_rule_count "$LAB_DIR/hold.v4") want6=$(doc_rule_count "$LAB_DIR/hold.v6")
# poll the kernel: the last time it was still empty, the first time it is full
t_empty='' t_full=''
for ((i = 0; i < 200; i++)); do
	tb=$(now)
	n4=$(kernel_rules 4 filter) n6=$(kernel_rules 6 filter)
	ta=$(now)
	if [ "$n4" = 0 ] && [ "$n6" = 0 ]; then
		t_empty=$tb
	elif [ "$n4" = "$want4" ] && [ "$n6" = "$want6" ]; then
		t_full=$ta
		break
	fi
	sleep 0.03
done
eors="$(capture_count eor4)/$(capture_count eor6)"
check "all $((N_INITIAL4 + N_INITIAL6)) NLRIs arrived (ExaBGP time $t_last)" \
	'[ "$(capture_nlris announce "ipv4 flow")" = "$N_INITIAL4" ] && [ "$(capture_nlris announce "ipv6 flow")" = "$N_INITIAL6" ]'
check "GoBGP sent no End-of-RIB (ipv4/ipv6 EORs in the capture: $eors)" '[ "$eors" = 0/0 ]'
check "start-up hold: kernel still without our rules $( [ -n "$t_empty" ] && fsub "$t_empty" "$t_last" || echo "(never seen empty)") s after the last UPDATE (>= 0.7; window is 0.05)" \
	'[ -n "$t_empty" ] && fge "$(fsub "$t_empty" "$t_last")" 0.7'
check "start-up hold: all $want4 IPv4 + $want6 IPv6 rules in the kernel $( [ -n "$t_full" ] && fsub "$t_full" "$t_last" || echo "(never)") s after the last UPDATE (<= 3; hold is 1)" \
	'[ -n "$t_full" ] && ! fge "$(fsub "$t_full" "$t_last")" 3.0001'
grep -h 'committed' "$LAB_DIR/injector.live.log" | sed 's/^/#   injector: /'
install_rules # the same expectation again, and LAB_RULES4/6 for the checks
echo "## routes refused by the injector (none expected)"
rules_refused | sed 's/^/#   /'
check "no route refused" '[ -z "$(rules_refused)" ]'
run_probes 1 "$LAB_DIR/probes1.txt" 1000000

# ------------------------------------------------------ add and delete ----
echo "## run time: gobgp add G13 (IPv6 flow label), gobgp del G03"
na=$(capture_nlris announce "ipv6 flow") nw=$(capture_nlris withdraw "ipv4 flow")
check "gobgp global rib add $(route_words G13)" 'route_cmd add G13 >"$LAB_DIR/gobgp.out" 2>&1'
check "gobgp global rib del $(route_words G03)" 'route_cmd del G03 >"$LAB_DIR/gobgp.out" 2>&1'
check "gobgpd RIB: G03 gone, G13 there" \
	'! gobgp_cmd global rib -a ipv4-flowspec | grep -q "198\.19\.1\.3/32" && gobgp_cmd global rib -a ipv6-flowspec | grep -q "2001:db8:d:8::/64"'
for ((i = 0; i < 200; i++)); do
	[ "$(capture_nlris announce "ipv6 flow")" -gt "$na" ] && [ "$(capture_nlris withdraw "ipv4 flow")" -gt "$nw" ] && break
	sleep 0.1
done
check "ExaBGP received the ipv6 announce and the ipv4 withdraw" \
	'[ "$(capture_nlris announce "ipv6 flow")" = $((na + 1)) ] && [ "$(capture_nlris withdraw "ipv4 flow")" = $((nw + 1)) ]'
install_rules
check "G03 (198.19.1.3/32) gone from the v4 rules" '! grep -q "198\.19\.1\.3/32" "$LAB_RULES4"'
check "G02 (198.19.1.2/32) still in the v4 rules" 'grep -q "198\.19\.1\.2/32" "$LAB_RULES4"'
check "G13 (2001:db8:d:8::/64) in the v6 rules" 'grep -q "2001:db8:d:8::/64" "$LAB_RULES6"'
run_probes 2 "$LAB_DIR/probes2.txt" 2000000

echo "## status shows the routes with the kernel's counters"
# shellcheck disable=SC2034 # used in the check
st=$(in_ns "$NS_RTR" "$LAB_INJECTOR" -q status -4 --state-dir "$LAB_DIR")
check "status lists G02 as installed with packets counted" \
	'echo "$st" | awk "/dst 198.19.1.2\\/32/ && \$2 == \"installed\" && \$3 > 0" | grep -q .'

# ------------------------------------------------------------- shutdown ----
echo "## gobgpd gets SIGTERM: the session goes down, our chains empty"
gobgpd_stop
lab_wait 20 "ExaBGP's state down" capture_ge down 1
reason=$(grep '"state": "down"' "$LAB_CAPTURE" | head -1 | sed 's/.*"reason": "\([^"]*\)".*/\1/')
check "session down: $reason" 'echo "$reason" | grep -q "Peer De-configured"'
empty() { [ "$(kernel_rules 4 filter)" = 0 ] && [ "$(kernel_rules 6 filter)" = 0 ] && [ "$(kernel_rules 4 mangle)" = 0 ] && [ "$(kernel_rules 6 mangle)" = 0 ]; }
for ((i = 0; i < 100; i++)); do empty && break; sleep 0.1; done
check "after gobgpd stops, FLOWSPEC (filter) is empty in IPv4 and IPv6, and mangle's too" 'empty'
run_probes 3 "$LAB_DIR/probes3.txt" 3000000

# ------------------------------------------------------------- teardown ----
echo "## teardown: no namespace and no process of the lab left"
lab_pids=$({ echo "$gobgpd_pid"; cat "$LAB_DIR/exabgp.pid"; for ns in $LAB_NSS; do ip netns pids "$ns" 2>/dev/null; done; } | sort -un | tr '\n' ' ')
# shellcheck disable=SC2034 # used in the check
lab_dir=$LAB_DIR
lab_teardown
alive() { local p; for p in "$@"; do kill -0 "$p" 2>/dev/null && return 0; done; return 1; }
check "no lab namespace left (fsi-*-$LAB_ID)" '! ip netns list | grep -Eq "^fsi-[a-z]+-$LAB_ID( |$)"'
# shellcheck disable=SC2086 # one pid per word
check "none of the lab's processes left (pids: ${lab_pids:-none})" '! alive $lab_pids'
check "no process names the lab's temp dir" '! pgrep -f -- "$lab_dir" >/dev/null'

T1=$(date +%s.%N)
echo "## runtime $(fsub "$T1" "$T0") s"
echo "$PASS passed, $FAIL failed"
[ "$FAIL" = 0 ]
