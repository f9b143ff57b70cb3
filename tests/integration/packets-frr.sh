#!/bin/bash
# Real-parts lab test with FRR as the source (root; exit 77 without it or
# without FRR):
#   BIRD 2 (ctl) announces the FlowSpec routes of bird-frr.conf over eBGP to
#   FRR 8.4's bgpd (rtr, the forwarding router between cli and srv), whose
#   config is examples/frr/bgpd-flowspec.conf, copied unchanged.  bgpd runs
#   alone (-Z, no zebra), with its vty socket in the temp dir.
#   flowspec-injector --source frr --interval 1 runs in rtr and reads FRR's
#   table through vtysh (fork+exec, fixed argv).
#   0. bgpd loads the snippet without a config error, the session comes up
#      and FRR holds the 13 + 3 routes within 4 s (with the route-maps
#      defined after their use, FRR denies the first UPDATEs and has them
#      only after its 5 s route-map timer), and sends nothing back.
#   1. Injector A (--interval 1) commits them, one commit per family, 0
#      refused; the jump is FORWARD's rule 1; the kernel's rules equal those
#      of "--source frr --dry-run" of the same vtysh output (restored into a
#      scratch namespace; both saved and compared line by line).
#   2. Quiet polls: "IPv4/IPv6 unchanged: no commit" lines grow (at -v they
#      are logged on every poll), "committed" lines do not, tables identical.
#   3. scapy probes from cli through rtr to srv, both sides of each boundary
#      (prefixes, protocol, port list and range, ICMP type, TCP flags, packet
#      length, DSCP, fragment; discard, two rates, accept, marking; IPv6);
#      kernel counters grow by exactly the matching probes; status counts.
#   4. Withdraw (birdc configure without the "@withdraw" lines): the two
#      routes' rules go within 5 s, one commit per family; their traffic
#      passes again, the others still apply; kernel = dry run again.
#   5. SIGTERM: injector A removes its chains and jumps, and exits 0.
#   6. Bad vtysh: injector B (--interval 1) runs vtysh through a wrapper the
#      test writes, switched between the real vtysh and (a) exit 1,
#      (b) garbage JSON (a valid NLRI, then a truncated one), (c) hanging
#      past --vtysh-timeout.  B first installs exactly what A had.  In each
#      mode the tables (iptables-legacy-save, all loaded tables, both
#      families, timestamps and chain policy counters blanked) are identical
#      before and after, no commit is logged, the log names vtysh and says
#      the installed rules are kept.  A --once run beside B in rtr is
#      refused (one injector per chain and namespace), naming B's PID; the
#      --once runs get a namespace of their own (vtysh reaches bgpd through
#      its socket directory), where a good run installs B's rules; there a
#      --once run with the same failure (own wrapper; also a missing vtysh)
#      exits 1 and changes nothing; every hung vtysh is killed.  Back to the real vtysh: "unchanged", no
#      commit.  SIGHUP: one commit per family, the same tables.
#   7. BIRD stops (birdc down) while B's vtysh fails: --once --peer-down
#      keep leaves the rules (in its namespace); once B's vtysh works again, B (default
#      --peer-down flush) empties the chains (filter and mangle, both
#      families) with one commit of 0 routes per family, and all traffic
#      passes unmarked.  SIGTERM: B removes its chains and exits 0.
#   8. No sanitizer report in any injector log; teardown leaves no
#      namespace, no process of the lab and no /var/tmp/frr/bgpd.PID.
# Usage: packets-frr.sh [INJECTOR]   FS_INTEG_KEEP=1 keeps the temp dir.
# Nothing from a route reaches a shell: vtysh output goes to files and to
# python's json module; the injector and vtysh get fixed argvs.
# shellcheck disable=SC2016,SC2034 # check's tests are single-quoted on purpose (and use variables set for them)
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
[ $# -ge 1 ] && FS_INJECTOR=$1
BGPD=${FS_BGPD:-/usr/lib/frr/bgpd}
VTYSH=${FS_VTYSH:-/usr/bin/vtysh}
SNIPPET=$TOP/examples/frr/bgpd-flowspec.conf
[ "$(id -u)" = 0 ] || { echo "skipped: needs root (network namespaces)"; exit 77; }
if ! [ -x "$BGPD" ] || ! [ -x "$VTYSH" ]; then
	echo "skipped: FRR not installed ($BGPD, $VTYSH; tests/install-deps.sh)"
	exit 77
fi
# shellcheck source=SCRIPTDIR/lib.sh
. "$HERE/lib.sh"
T0=$(date +%s.%N)
NS_CHK=fsi-chk-$LAB_ID # scratch: the dry run's documents are loaded here
# the --once runs' own namespace: one injector per chain and namespace, and
# injector B runs in rtr meanwhile; vtysh reaches bgpd through its socket
# directory, from any namespace
NS_ONCE=fsi-once-$LAB_ID
LAB_NSS="$LAB_NSS $NS_CHK $NS_ONCE"
lab_init
"$LAB_INJECTOR" --help 2>&1 | grep -q -- '--source' ||
	lab_die "$LAB_INJECTOR has no --source option (FRR source not built in)"
FRR_DIR=$LAB_DIR/frr # bgpd's config copy, vty socket, log
STATE=$LAB_DIR/state # --state-dir of the --interval injectors
mkdir -p "$FRR_DIR" "$STATE" "$LAB_DIR/once" "$LAB_DIR/home"
# the test's own vtysh calls append to $HOME/.history_frr (the injector's
# pass -H /dev/null): keep that in the temp dir, not in root's home
export HOME=$LAB_DIR/home
# bgpd keeps a crash-log dir /var/tmp/frr/bgpd.PID; remove ours, and
# /var/tmp/frr itself when this test created it and it is empty
VARTMP_FRR_EXISTED=$([ -d /var/tmp/frr ] && echo 1)
BGPD_PID=
frr_teardown() {
	[ -n "$LAB_TORN" ] && return 0
	frr_stop
	lab_teardown
	[ -n "$BGPD_PID" ] && rm -rf "/var/tmp/frr/bgpd.$BGPD_PID"
	[ -z "$VARTMP_FRR_EXISTED" ] && rmdir /var/tmp/frr 2>/dev/null
	return 0
}
trap 'frr_teardown' EXIT
trap 'frr_teardown; exit 130' INT
trap 'frr_teardown; exit 143' TERM

PASS=0 FAIL=0
# check NAME 'SHELL-TEST' (single-quoted on purpose, evaluated here; the
# tests read files and numbers, never route text)

# ------------------------------------------------------------ probe table --
# ROUTE EXPECT PACKET (probe.py describes the tokens); routes in bird-frr.conf
cat >"$LAB_DIR/probes1.txt" <<'EOF'
# F01 dst 198.19.1.1 + src 198.18.1.64/26 + udp + dport =7001: discard
F01 drop src=198.18.1.64 dst=198.19.1.1 udp dport=7001 ctr=F01
F01 drop src=198.18.1.127 dst=198.19.1.1 udp dport=7001 ctr=F01
F01 pass src=198.18.1.63 dst=198.19.1.1 udp dport=7001
F01 pass src=198.18.1.128 dst=198.19.1.1 udp dport=7001
F01 pass src=198.18.1.64 dst=198.19.1.1 udp dport=7000
F01 pass src=198.18.1.64 dst=198.19.1.1 udp dport=7002
F01 pass src=198.18.1.64 dst=198.19.1.1 tcp dport=7001
F01 pass src=198.18.1.64 dst=198.19.1.9 udp dport=7001
# F02 tcp dport 22, 80, 443 (OR list; destination port only)
F02 drop dst=198.19.1.2 tcp dport=22 ctr=F02
F02 drop dst=198.19.1.2 tcp dport=80 ctr=F02
F02 drop dst=198.19.1.2 tcp dport=443 ctr=F02
F02 pass dst=198.19.1.2 tcp dport=21
F02 pass dst=198.19.1.2 tcp dport=81
F02 pass dst=198.19.1.2 tcp dport=444
F02 pass dst=198.19.1.2 tcp sport=80 dport=40000
F02 pass dst=198.19.1.2 udp dport=80
# F03 tcp dport 8000..9000 (a range, not ">=8000 or <=9000"; withdrawn later)
F03 pass dst=198.19.1.3 tcp dport=7999
F03 drop dst=198.19.1.3 tcp dport=8000 ctr=F03
F03 drop dst=198.19.1.3 tcp dport=8500 ctr=F03
F03 drop dst=198.19.1.3 tcp dport=9000 ctr=F03
F03 pass dst=198.19.1.3 tcp dport=9001
F03 pass dst=198.19.1.3 tcp dport=80
F03 pass dst=198.19.1.3 udp dport=8500
# F04 icmp type 8
F04 drop dst=198.19.1.4 icmp type=8 ctr=F04
F04 pass dst=198.19.1.4 icmp type=0
F04 pass dst=198.19.1.4 icmp type=13
F04 pass dst=198.19.1.4 udp
# F05 tcp flags SYN set, ACK clear, others free
F05 drop dst=198.19.1.5 tcp flags=S ctr=F05
F05 drop dst=198.19.1.5 tcp flags=FS ctr=F05
F05 pass dst=198.19.1.5 tcp flags=SA
F05 pass dst=198.19.1.5 tcp flags=A
F05 pass dst=198.19.1.5 tcp flags=none
# F06 udp packet length 200..300 (IPv4 total length)
F06 pass dst=198.19.1.6 udp len=199
F06 drop dst=198.19.1.6 udp len=200 ctr=F06
F06 drop dst=198.19.1.6 udp len=300 ctr=F06
F06 pass dst=198.19.1.6 udp len=301
F06 pass dst=198.19.1.6 udp len=100
F06 pass dst=198.19.1.6 tcp len=250
# F07 dscp 8..15 , 32 (ECN bits do not matter)
F07 pass dst=198.19.1.7 udp dscp=7
F07 drop dst=198.19.1.7 udp dscp=8 ctr=F07
F07 drop dst=198.19.1.7 udp dscp=15 ecn=3 ctr=F07
F07 pass dst=198.19.1.7 udp dscp=16
F07 pass dst=198.19.1.7 udp dscp=31
F07 drop dst=198.19.1.7 tcp dscp=32 ctr=F07
F07 pass dst=198.19.1.7 udp dscp=33
F07 pass dst=198.19.1.7 udp dscp=46
# F08 fragment is-fragment (offset != 0): first fragments and DF are not
F08 pass dst=198.19.2.8 udp
F08 pass dst=198.19.2.8 udp df
F08 pass dst=198.19.2.8 udp mf
F08 drop dst=198.19.2.8 udp mf off=8 ctr=F08
F08 drop dst=198.19.2.8 udp off=8 ctr=F08
# F09 traffic-rate 1e6 B/s: far below it, all pass (RETURN counted)
F09 pass dst=198.19.4.1 udp dport=5001 ctr=F09ret
F09 pass dst=198.19.4.1 udp dport=5001 len=1400 ctr=F09ret
F09 pass dst=198.19.4.1 udp dport=5002
# F10 traffic-rate 2000 B/s: 40 x 200 bytes back to back, some cut
F10 burst dst=198.19.4.2 udp dport=5002 len=200 count=40 ctr=F10drop:drop,F10ret:pass
# F11 accept (no action) 198.19.5.1 udp 5000, carved out of F12's /24 discard
F11 pass dst=198.19.5.1 udp dport=5000 ctr=F11acc
F11 drop dst=198.19.5.1 udp dport=5001 ctr=F12
F11 drop dst=198.19.5.1 tcp dport=5000 ctr=F12
F12 drop dst=198.19.5.2 udp dport=5000 ctr=F12
F12 drop dst=198.19.5.254 icmp ctr=F12
F12 pass dst=198.19.6.1 udp dport=5000
# F13 traffic-marking DSCP 46 on TCP SYN: rewritten at srv, ECN kept
F13 dscp=46 dst=198.19.11.1 tcp flags=S ctr=F13mark
F13 dscp=46 dst=198.19.11.1 tcp flags=SA dscp=8 ecn=1 ctr=F13mark
F13 pass dst=198.19.11.1 tcp flags=A
F13 pass dst=198.19.11.1 udp
# F61 v6 dst 2001:db8:d:1::/64 + src 2001:db8:c1::100/120 + udp + dport 7001
F61 drop src=2001:db8:c1::100 dst=2001:db8:d:1::1 udp dport=7001 ctr=F61
F61 drop src=2001:db8:c1::1ff dst=2001:db8:d:1::1 udp dport=7001 ctr=F61
F61 pass src=2001:db8:c1::ff dst=2001:db8:d:1::1 udp dport=7001
F61 pass src=2001:db8:c1::200 dst=2001:db8:d:1::1 udp dport=7001
F61 pass src=2001:db8:c1::100 dst=2001:db8:d:1::1 udp dport=7002
F61 pass src=2001:db8:c1::100 dst=2001:db8:d:1::1 tcp dport=7001
F61 pass src=2001:db8:c1::100 dst=2001:db8:d:9::1 udp dport=7001
# F62 ICMPv6 type 128 (echo request)
F62 drop dst=2001:db8:d:2::1 icmp6 type=128 ctr=F62
F62 pass dst=2001:db8:d:2::1 icmp6 type=129
F62 pass dst=2001:db8:d:2::1 udp
# F63 v6 tcp dport 80, 443 (withdrawn later)
F63 drop dst=2001:db8:d:3::1 tcp dport=80 ctr=F63
F63 drop dst=2001:db8:d:3::1 tcp dport=443 ctr=F63
F63 pass dst=2001:db8:d:3::1 tcp dport=81
F63 pass dst=2001:db8:d:3::1 udp dport=80
EOF

# Phase 2: F03 and F63 withdrawn, the others still in force.
cat >"$LAB_DIR/probes2.txt" <<'EOF'
F03 pass dst=198.19.1.3 tcp dport=8000
F03 pass dst=198.19.1.3 tcp dport=9000
F63 pass dst=2001:db8:d:3::1 tcp dport=80
F63 pass dst=2001:db8:d:3::1 tcp dport=443
F02 drop dst=198.19.1.2 tcp dport=80 ctr=F02
F02 pass dst=198.19.1.2 tcp dport=81
F07 drop dst=198.19.1.7 udp dscp=32 ctr=F07
F11 pass dst=198.19.5.1 udp dport=5000 ctr=F11acc
F12 drop dst=198.19.5.2 udp dport=5000 ctr=F12
F13 dscp=46 dst=198.19.11.1 tcp flags=S ctr=F13mark
F61 drop src=2001:db8:c1::100 dst=2001:db8:d:1::1 udp dport=7001 ctr=F61
F62 drop dst=2001:db8:d:2::1 icmp6 type=128 ctr=F62
EOF

# Phase 3: BIRD stopped, the chains flushed: everything passes unchanged.
cat >"$LAB_DIR/probes3.txt" <<'EOF'
F01 pass src=198.18.1.64 dst=198.19.1.1 udp dport=7001
F02 pass dst=198.19.1.2 tcp dport=80
F08 pass dst=198.19.2.8 udp off=8
F12 pass dst=198.19.5.2 udp dport=5000
F13 pass dst=198.19.11.1 tcp flags=S
F61 pass src=2001:db8:c1::100 dst=2001:db8:d:1::1 udp dport=7001
F62 pass dst=2001:db8:d:2::1 icmp6 type=128
EOF

# Counters: NAME FAM REGEX (on rtr's "-L FLOWSPEC -v -x -n" line without its
# two counter columns; the sum over matching rules).  Expected growth: the
# probes tagged ctr=NAME.
cat >"$LAB_DIR/counters.txt" <<'EOF'
F01      4 ^DROP .* 198\.19\.1\.1[ ]
F02      4 ^DROP .* 198\.19\.1\.2[ ]
F03      4 ^DROP .* 198\.19\.1\.3[ ]
F04      4 ^DROP .* 198\.19\.1\.4[ ]
F05      4 ^DROP .* 198\.19\.1\.5[ ]
F06      4 ^DROP .* 198\.19\.1\.6[ ]
F07      4 ^DROP .* 198\.19\.1\.7[ ]
F08      4 ^DROP .* 198\.19\.2\.8[ ]
F09ret   4 ^RETURN .* 198\.19\.4\.1[ ]
F10drop  4 ^DROP .* 198\.19\.4\.2 .*limit: above
F10ret   4 ^RETURN .* 198\.19\.4\.2[ ]
F11acc   4 ^RETURN .* 198\.19\.5\.1[ ]
F12      4 ^DROP .* 198\.19\.5\.0/24[ ]
F13mark  4 ^MARK .* 198\.19\.11\.1[ ]
F61      6 ^DROP .* 2001:db8:d:1::/64[ ]
F62      6 ^DROP .* 2001:db8:d:2::/64[ ]
F63      6 ^DROP .* 2001:db8:d:3::/64[ ]
EOF
N4=13 N6=3         # routes in bird-frr.conf
N4W=12 N6W=2       # after the withdraw

# ------------------------------------------------------------- helpers ----
now() { date +%s.%N; }
fsub() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a - b }'; }
fle() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a <= b) }'; }

# vty CMD: one vtysh command against our bgpd
vty() { "$VTYSH" --vty_socket "$FRR_DIR" -c "$1"; }

# frr_peer ipv4|ipv6 [KEY]: "STATE PFXRCD" of the BIRD peer in FRR's
# summary (json parsed by python), or the value of KEY
frr_peer() {
	local fam=$1
	shift
	vty "show bgp $fam flowspec summary json" 2>/dev/null | "$LAB_PY" -c '
import json, sys
try:
    p = json.load(sys.stdin)["peers"][sys.argv[1]]
    if len(sys.argv) > 2:
        print(p.get(sys.argv[2], "?"))
    else:
        print(p.get("state", "?"), p.get("pfxRcd", 0))
except Exception:
    print("none 0")' "$CTL_V4" "$@"
}
frr_has() { [ "$(frr_peer ipv4)" = "Established $1" ] && [ "$(frr_peer ipv6)" = "Established $2" ]; }
frr_down() {
	case $(frr_peer ipv4) in Established*) return 1 ;; esac
	case $(frr_peer ipv6) in Established*) return 1 ;; esac
}

# bgpd alone (-Z: no zebra) in rtr, foreground in the background; the
# config is the example snippet, copied byte for byte
frr_start() {
	cp "$SNIPPET" "$FRR_DIR/bgpd.conf" || lab_die "no $SNIPPET"
	# ip netns exec execs in place: $! is bgpd's pid
	ip netns exec "$NS_RTR" "$BGPD" -Z -u root -g frrvty -f "$FRR_DIR/bgpd.conf" \
		-i "$LAB_DIR/bgpd.pid" --vty_socket "$FRR_DIR" -P 0 -l "$RTR_CTL_V4" \
		--log "file:$FRR_DIR/bgpd.log" >"$FRR_DIR/bgpd.out" 2>&1 &
	BGPD_PID=$!
	local i
	for ((i = 0; i < 100; i++)); do
		vty 'show bgp summary json' >/dev/null 2>&1 && break
		kill -0 "$BGPD_PID" 2>/dev/null || break
		sleep 0.1
	done
	if ! vty 'show bgp summary json' >/dev/null 2>&1; then
		sed 's/^/#   bgpd: /' "$FRR_DIR/bgpd.out" "$FRR_DIR/bgpd.log" 2>/dev/null | tail -20
		lab_die "bgpd did not answer vtysh within 10 s (or exited)"
	fi
	lab_log "frr: $("$BGPD" -v | head -1), pid $BGPD_PID, vty socket $FRR_DIR/bgpd.vty"
}
# frr_stop: SIGTERM and wait (bgpd takes a moment), so that it removes its
# /var/tmp/frr/bgpd.PID itself
frr_stop() {
	local i
	[ -n "$BGPD_PID" ] || return 0
	kill -TERM "$BGPD_PID" 2>/dev/null
	for ((i = 0; i < 100; i++)); do
		kill -0 "$BGPD_PID" 2>/dev/null || break
		sleep 0.1
	done
	wait "$BGPD_PID" 2>/dev/null
	return 0
}

# inj_start NAME ARGS...: flowspec-injector --source frr ARGS in rtr,
# stderr to $LAB_DIR/NAME.log, pid in $LAB_DIR/NAME.pid
inj_start() {
	local name=$1
	shift
	ip netns exec "$NS_RTR" "$LAB_INJECTOR" --source frr "$@" \
		>"$LAB_DIR/$name.out" 2>"$LAB_DIR/$name.log" &
	echo $! >"$LAB_DIR/$name.pid"
}
# inj_stop NAME: SIGTERM, wait at most 10 s; the exit status in STOP_RC
# ("timeout" when it still runs).  Not in a subshell: wait needs the parent.
inj_stop() {
	local pid i
	pid=$(cat "$LAB_DIR/$1.pid")
	kill -TERM "$pid" 2>/dev/null
	for ((i = 0; i < 100; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		STOP_RC=timeout
		return
	fi
	wait "$pid"
	STOP_RC=$?
	rm -f "$LAB_DIR/$1.pid"
}
# inj_once NAME ARGS...: one --once run in its own namespace NS_ONCE (killed
# after 20 s, should it hang); the exit status in ONCE_RC, the seconds it
# took in ONCE_T
inj_once() {
	local name=$1 t
	shift
	t=$(now)
	timeout -k 2 20 ip netns exec "$NS_ONCE" "$LAB_INJECTOR" --source frr --once \
		--state-dir "$LAB_DIR/once" "$@" >"$LAB_DIR/$name.out" 2>"$LAB_DIR/$name.log"
	ONCE_RC=$?
	ONCE_T=$(fsub "$(now)" "$t")
}

# log_count NAME FIXED-STRING: lines of an injector log holding it
log_count() { grep -cF -- "$2" "$LAB_DIR/$1.log" 2>/dev/null || true; }
log_ge() { [ "$(log_count "$1" "$2")" -ge "$3" ]; }
commits_ge() { log_ge "$1" "IPv4 committed:" "$2" && log_ge "$1" "IPv6 committed:" "$2"; }
# kept_count NAME: error lines naming vtysh and keeping the rules
kept_count() { grep -F 'the installed rules are kept' "$LAB_DIR/$1.log" 2>/dev/null | grep -c vtysh || true; }
kept_ge() { [ "$(kept_count "$1")" -ge "$2" ]; }
# committed_field NAME FAM N: the Nth number of the last "IPvF committed:" line
# (1 routes, 2 installed, 3 refused, 4 rules)
committed_field() {
	grep -F "IPv$2 committed:" "$LAB_DIR/$1.log" | tail -1 |
		sed -n 's/.*committed: \([0-9]*\) routes, \([0-9]*\) installed, \([0-9]*\) refused, \([0-9]*\) rules.*/\1 \2 \3 \4/p' |
		awk -v n="$3" '{ print $n }'
}

# fw_save: rtr's legacy tables (all loaded ones), IPv4 then IPv6, with the
# timestamp comments removed and the chain policy counters blanked (BGP's
# own packets move INPUT's and OUTPUT's); everything else byte for byte
fw_save() {
	{
		in_ns "$NS_RTR" iptables-legacy-save
		echo "=== IPv6"
		in_ns "$NS_RTR" ip6tables-legacy-save
	} 2>&1 | sed -e '/^#/d' -e 's/ \[[0-9]*:[0-9]*\]$/ [-:-]/'
}
# ours_lines: every line of fw_save that names one of our chains
ours_count() { fw_save | grep -c FLOWSPEC || true; }
# the --once runs' tables, and their FLOWSPEC lines alone
once_save() {
	{
		in_ns "$NS_ONCE" iptables-legacy-save
		echo "=== IPv6"
		in_ns "$NS_ONCE" ip6tables-legacy-save
	} 2>&1 | sed -e '/^#/d' -e 's/ \[[0-9]*:[0-9]*\]$/ [-:-]/'
}
flowspec_lines() { grep -E '^(\*|=== |-A FLOWSPEC|:FLOWSPEC)' || true; }
# kernel_rules FAM TABLE: rules in our chains
kernel_rules() {
	local save=iptables-legacy-save
	[ "$1" = 6 ] && save=ip6tables-legacy-save
	in_ns "$NS_RTR" "$save" -t "$2" 2>/dev/null | grep -c '^-A FLOWSPEC' || true
}
chains_empty() {
	[ "$(kernel_rules 4 filter)" = 0 ] && [ "$(kernel_rules 6 filter)" = 0 ] &&
		[ "$(kernel_rules 4 mangle)" = 0 ] && [ "$(kernel_rules 6 mangle)" = 0 ]
}
has_rule() { fw_save | grep -q -- "$1"; }
alive() { local p; for p in "$@"; do kill -0 "$p" 2>/dev/null && return 0; done; return 1; }

# dryrun_equiv PHASE: the kernel's FLOWSPEC lines equal those of the dry run
# (--source frr --dry-run -i) of FRR's detail output, restored into a fresh
# scratch namespace and saved the same way
dryrun_equiv() {
	local ph=$1 fam restore ok=1
	ip netns del "$NS_CHK" 2>/dev/null
	ip netns add "$NS_CHK" || lab_die "cannot create $NS_CHK"
	for fam in 4 6; do
		vty "show bgp ipv$fam flowspec detail json" >"$LAB_DIR/detail$ph.v$fam.json" ||
			lab_die "vtysh detail ipv$fam failed"
		"$LAB_INJECTOR" --source frr --dry-run -"$fam" -i "$LAB_DIR/detail$ph.v$fam.json" \
			>"$LAB_DIR/doc$ph.v$fam" 2>"$LAB_DIR/dryrun$ph.v$fam.log" ||
			{ nok "dry run -$fam of FRR's detail output: $(tail -2 "$LAB_DIR/dryrun$ph.v$fam.log")"; ok=0; continue; }
		restore=iptables-legacy-restore
		[ "$fam" = 6 ] && restore=ip6tables-legacy-restore
		in_ns "$NS_CHK" "$restore" <"$LAB_DIR/doc$ph.v$fam" 2>"$LAB_DIR/restore$ph.v$fam.log" ||
			{ nok "$restore rejected the dry run's document: $(head -2 "$LAB_DIR/restore$ph.v$fam.log")"; ok=0; }
	done
	[ "$ok" = 1 ] || return 0
	{
		in_ns "$NS_CHK" iptables-legacy-save
		echo "=== IPv6"
		in_ns "$NS_CHK" ip6tables-legacy-save
	} 2>&1 | sed -e '/^#/d' -e 's/ \[[0-9]*:[0-9]*\]$/ [-:-]/' |
		grep -e FLOWSPEC -e '^\*' -e '^===' >"$LAB_DIR/fw-dryrun$ph.txt"
	fw_save | grep -e FLOWSPEC -e '^\*' -e '^===' >"$LAB_DIR/fw-live$ph.txt"
	# tables the dry run names but rtr has not loaded (or the reverse) hold
	# none of our lines: drop empty table sections on both sides
	awk '/^\*/ { t = $0; next } /^===/ { print; next } { if (t != "") { print t; t = "" } print }' \
		"$LAB_DIR/fw-dryrun$ph.txt" >"$LAB_DIR/fw-dryrun$ph.cmp"
	awk '/^\*/ { t = $0; next } /^===/ { print; next } { if (t != "") { print t; t = "" } print }' \
		"$LAB_DIR/fw-live$ph.txt" >"$LAB_DIR/fw-live$ph.cmp"
	local n
	n=$(grep -c '^-A' "$LAB_DIR/fw-live$ph.cmp")
	check "kernel = dry run of the same vtysh output ($n rules and jumps, iptables-legacy-save, both families)" \
		'cmp -s "$LAB_DIR/fw-dryrun$ph.cmp" "$LAB_DIR/fw-live$ph.cmp"'
	if ! cmp -s "$LAB_DIR/fw-dryrun$ph.cmp" "$LAB_DIR/fw-live$ph.cmp"; then
		diff "$LAB_DIR/fw-dryrun$ph.cmp" "$LAB_DIR/fw-live$ph.cmp" | head -20 | sed 's/^/#   /'
	fi
	ip netns del "$NS_CHK"
}

# -------------------------------------------------------- vtysh wrappers --
# make_wrapper NAME: the test's stand-in for vtysh, $LAB_DIR/NAME.  At every
# call it reads its mode from $LAB_DIR/NAME.mode and appends "TIME PID MODE
# ARGV" to $LAB_DIR/NAME.calls.  ok: exec the real vtysh with the same argv.
# fail: a message on stderr, exit 1.  garbage: the detail command answers
# one valid NLRI of its family that FRR does not have, then a truncated one
# (the summary stays real).  hang: records its pid in $LAB_DIR/NAME.hang,
# then sleeps far past --vtysh-timeout (exec: the pid the injector forked is
# the sleeping one).  Two of them: one for the --interval injector, one for
# the --once runs, so that their modes and pids never mix.
make_wrapper() {
	local w=$LAB_DIR/$1
	cat >"$w" <<EOF
#!/bin/bash
mode=ok
[ -r "$w.mode" ] && read -r mode <"$w.mode"
echo "\$EPOCHREALTIME \$\$ \$mode \$*" >>"$w.calls"
case \$mode in
ok) exec "$VTYSH" "\$@" ;;
fail) echo "vtysh-switch: failing on purpose" >&2; exit 1 ;;
garbage)
	case "\$*" in
	*ipv4*detail*) pfx=198.19.9.9/32 ;;
	*ipv6*detail*) pfx="2001:db8:d:99::/64/off 0" ;;
	*) exec "$VTYSH" "\$@" ;;
	esac
	printf '[\n  {\n    "to":"%s"\n  },\n  {\n    "ecomlist":"FS:rate 0.000000"\n  },\n  {\n    "time":"00:00:01"\n  }\n]\n[\n  {\n    "to":"%s",\n    "proto":"= 6 \n' "\$pfx" "\$pfx" ;;
hang) echo \$\$ >>"$w.hang"; exec sleep 30 ;;
*) echo "vtysh-switch: unknown mode \$mode" >&2; exit 2 ;;
esac
EOF
	chmod 755 "$w"
	set_mode "$1" ok
}
# set_mode NAME MODE: atomically, so that a call never reads half a file
set_mode() { echo "$2" >"$LAB_DIR/$1.mode.tmp" && mv "$LAB_DIR/$1.mode.tmp" "$LAB_DIR/$1.mode"; }
# hung_pids NAME: the pids of its hung calls so far
hung_pids() { tr '\n' ' ' <"$LAB_DIR/$1.hang" 2>/dev/null; }
make_wrapper vtysh-b    # injector B's
make_wrapper vtysh-once # the --once runs'
WRAP=$LAB_DIR/vtysh-b WRAP1=$LAB_DIR/vtysh-once

# ------------------------------------------------------------------ lab ----
lab_create
# shellcheck disable=SC2046
srv_add_addrs $(for t in 1 2 3; do probe_dsts "$LAB_DIR/probes$t.txt"; done | sort -u)

echo "## BIRD 2 (ctl) and FRR bgpd (rtr) with examples/frr/bgpd-flowspec.conf"
bird_start "$HERE/bird-frr.conf" # passive: listens first, bgpd connects at once
t=$(now)
frr_start
check "bgpd runs examples/frr/bgpd-flowspec.conf unchanged" 'cmp -s "$SNIPPET" "$FRR_DIR/bgpd.conf"'
check "bgpd accepted every line of it (no config error in its log)" \
	'! grep -Eqi "Config Failed|No such command|Unknown command|Ambiguous command|Command incomplete" "$FRR_DIR/bgpd.log" "$FRR_DIR/bgpd.out"'
lab_wait 30 "FRR: session Established with $N4 IPv4 + $N6 IPv6 FlowSpec routes" frr_has "$N4" "$N6"
t_routes=$(fsub "$(now)" "$t")
check "FRR: Established, all $N4 + $N6 routes $t_routes s after bgpd started (<= 4: no route-map delay)" \
	'fle "$t_routes" 4'
check "FRR sends nothing back to the controller (outbound deny; pfxSnt $(frr_peer ipv4 pfxSnt)/$(frr_peer ipv6 pfxSnt))" \
	'[ "$(frr_peer ipv4 pfxSnt)/$(frr_peer ipv6 pfxSnt)" = 0/0 ]'

# ------------------------------------------------- phase 1: --interval 1 --
# -v: "unchanged" is logged at info once after a change, then at debug on
# every further quiet poll; the test counts those
echo "## injector A: --source frr --interval 1 -v in rtr"
t=$(now)
inj_start injA --interval 1 --vtysh-socket "$FRR_DIR" --state-dir "$STATE" -v
lab_wait 15 "injector A's first IPv4 and IPv6 commits" commits_ge injA 1
lab_log "injector A: committed $(fsub "$(now)" "$t") s after start"
grep -F 'committed:' "$LAB_DIR/injA.log" | sed 's/^/#   injector: /'
check "IPv4 committed: $N4 routes, $N4 installed, 0 refused" \
	'[ "$(committed_field injA 4 1) $(committed_field injA 4 2) $(committed_field injA 4 3)" = "$N4 $N4 0" ]'
check "IPv6 committed: $N6 routes, $N6 installed, 0 refused" \
	'[ "$(committed_field injA 6 1) $(committed_field injA 6 2) $(committed_field injA 6 3)" = "$N6 $N6 0" ]'
check "jump to FLOWSPEC at position 1 of FORWARD (IPv4 and IPv6)" \
	'[ "$(in_ns "$NS_RTR" iptables-legacy -S FORWARD 1)" = "-A FORWARD -j FLOWSPEC" ] && [ "$(in_ns "$NS_RTR" ip6tables-legacy -S FORWARD 1)" = "-A FORWARD -j FLOWSPEC" ]'
dryrun_equiv 1

echo "## quiet polls: nothing changes in FRR, nothing is committed"
c4=$(log_count injA 'IPv4 committed:') c6=$(log_count injA 'IPv6 committed:')
u4=$(log_count injA 'IPv4 unchanged: no commit') u6=$(log_count injA 'IPv6 unchanged: no commit')
fw0=$(fw_save)
t=$(now)
for ((i = 0; i < 150; i++)); do
	log_ge injA 'IPv4 unchanged: no commit' $((u4 + 3)) && log_ge injA 'IPv6 unchanged: no commit' $((u6 + 3)) && break
	sleep 0.1
done
c4b=$(log_count injA 'IPv4 committed:') c6b=$(log_count injA 'IPv6 committed:')
u4b=$(log_count injA 'IPv4 unchanged: no commit') u6b=$(log_count injA 'IPv6 unchanged: no commit')
check "$(fsub "$(now)" "$t") s of polls: 'IPv4 unchanged: no commit' $u4 -> $u4b, 'IPv6 unchanged: no commit' $u6 -> $u6b (>= +3 each)" \
	'[ "$u4b" -ge $((u4 + 3)) ] && [ "$u6b" -ge $((u6 + 3)) ]'
check "... and 'committed' lines stay at $c4/$c6 (IPv4/IPv6), since the first poll: 1/1" \
	'[ "$c4b/$c6b" = "$c4/$c6" ] && [ "$c4/$c6" = 1/1 ]'
check "... and the tables are identical" '[ "$(fw_save)" = "$fw0" ]'

run_probes 1 "$LAB_DIR/probes1.txt" 1000000

echo "## status shows the routes with the kernel's counters"
st=$(in_ns "$NS_RTR" "$LAB_INJECTOR" -q status -4 --state-dir "$STATE" 2>&1)
echo "$st" | head -3 | sed 's/^/#   /'
check "status -4 lists $N4 routes, all installed" \
	'[ "$(echo "$st" | awk "\$2 == \"installed\"" | wc -l)" = "$N4" ]'
check "status lists F02 (dst 198.19.1.2/32) as installed with packets counted" \
	'echo "$st" | awk "/dst 198.19.1.2\\/32/ && \$2 == \"installed\" && \$3 > 0" | grep -q .'

# --------------------------------------------------- phase 2: withdraw ----
echo "## withdraw: birdc configure without the @withdraw lines (F03, F63)"
grep -v '@withdraw' "$HERE/bird-frr.conf" >"$LAB_DIR/bird-withdraw.conf"
c4=$(log_count injA 'IPv4 committed:') c6=$(log_count injA 'IPv6 committed:')
t=$(now)
bird_reconfigure "$LAB_DIR/bird-withdraw.conf"
lab_wait 10 "FRR: $N4W + $N6W routes" frr_has "$N4W" "$N6W"
t_frr=$(fsub "$(now)" "$t")
for ((i = 0; i < 100; i++)); do
	! has_rule '198\.19\.1\.3/32' && ! has_rule '2001:db8:d:3::/64' && break
	sleep 0.1
done
t_gone=$(fsub "$(now)" "$t")
# the commit's log line comes after the kernel and the state file: wait for it
for ((i = 0; i < 50; i++)); do
	[ "$(log_count injA 'IPv4 committed:')" -gt "$c4" ] && [ "$(log_count injA 'IPv6 committed:')" -gt "$c6" ] && break
	sleep 0.1
done
check "F03 and F63 rules gone $t_gone s after birdc configure (FRR had it after $t_frr s; <= 5 s)" \
	'! has_rule "198\.19\.1\.3/32" && ! has_rule "2001:db8:d:3::/64" && fle "$t_gone" 5'
check "one new commit per family (IPv4 $c4 -> $(log_count injA 'IPv4 committed:'), IPv6 $c6 -> $(log_count injA 'IPv6 committed:'))" \
	'[ "$(log_count injA "IPv4 committed:")" = $((c4 + 1)) ] && [ "$(log_count injA "IPv6 committed:")" = $((c6 + 1)) ]'
check "IPv4 committed: $N4W routes, $N4W installed; IPv6: $N6W, $N6W" \
	'[ "$(committed_field injA 4 1) $(committed_field injA 4 2) $(committed_field injA 6 1) $(committed_field injA 6 2)" = "$N4W $N4W $N6W $N6W" ]'
check "F02 (198.19.1.2/32) and F61 (2001:db8:d:1::/64) still there" \
	'has_rule "198\.19\.1\.2/32" && has_rule "2001:db8:d:1::/64"'
dryrun_equiv 2
run_probes 2 "$LAB_DIR/probes2.txt" 2000000

# ------------------------------------------------------------ SIGTERM ----
echo "## SIGTERM: injector A removes its chains and jumps"
fwA=$(fw_save)
inj_stop injA
check "injector A exited 0 after SIGTERM (status: $STOP_RC)" '[ "$STOP_RC" = 0 ]'
check "no FLOWSPEC chain, rule or jump left in any table (IPv4, IPv6)" '[ "$(ours_count)" = 0 ]'
grep -E 'SIGTERM|removed' "$LAB_DIR/injA.log" | sed 's/^/#   injector: /'

# ------------------------------------------------------------ bad vtysh ----
echo "## injector B: --interval 1 -v --vtysh $WRAP (the real vtysh behind it, for now)"
inj_start injB --interval 1 --vtysh "$WRAP" --vtysh-socket "$FRR_DIR" --vtysh-timeout 2 \
	--state-dir "$STATE" -v
lab_wait 15 "injector B's first commits" commits_ge injB 1
lab_wait 5 "injector B: a quiet poll" log_ge injB 'IPv4 unchanged: no commit' 1
check "a new injector through the wrapper installs exactly what A had (tables identical)" \
	'[ "$(fw_save)" = "$fwA" ]'

# A second injector on B's chain in rtr is refused, names B, changes nothing
fwB=$(fw_save)
timeout -k 2 20 ip netns exec "$NS_RTR" "$LAB_INJECTOR" --source frr --once \
	--vtysh-socket "$FRR_DIR" --state-dir "$LAB_DIR/once" >/dev/null 2>"$LAB_DIR/second.log"
rc=$?
check "a --once run beside injector B in rtr is refused (exit $rc), names B's PID, tables identical" \
	'[ "$rc" = 1 ] && grep -q "PID $(cat "$LAB_DIR/injB.pid")" "$LAB_DIR/second.log" && [ "$(fw_save)" = "$fwB" ]'
head -1 "$LAB_DIR/second.log" | cut -c1-220 | sed 's/^/#   second: /'

# The --once runs get a namespace of their own, filled by a good run first
inj_once once-ok --vtysh-socket "$FRR_DIR"
fwO=$(once_save)
check "--once (real vtysh) in its own namespace: exit 0 ($ONCE_RC), the same FLOWSPEC rules as injector B" \
	'[ "$ONCE_RC" = 0 ] && [ "$(flowspec_lines <<<"$fwO")" = "$(fw_save | flowspec_lines)" ] && [ "$(grep -c "^-A FLOWSPEC" <<<"$fwO")" -gt 0 ]'

# bad_mode MODE WANT: switch B's wrapper, wait for WANT more error lines,
# compare the tables and the commit count; then the same failure for a
# --once run (own wrapper): exit 1, an error line, the tables unchanged
bad_mode() {
	local mode=$1 want=$2 k0 c0 fw1 fw1o k1 i
	fw1=$(fw_save) fw1o=$(once_save)
	k0=$(kept_count injB) c0=$(log_count injB 'committed:')
	set_mode vtysh-b "$mode"
	for ((i = 0; i < 120; i++)); do
		kept_ge injB $((k0 + want)) && break
		sleep 0.1
	done
	k1=$(kept_count injB)
	check "vtysh $mode, --interval: $((k1 - k0)) polls logged 'vtysh ... the installed rules are kept' (want >= $want)" \
		'[ "$k1" -ge $((k0 + want)) ]'
	grep -F 'the installed rules are kept' "$LAB_DIR/injB.log" | tail -1 | cut -c1-220 | sed 's/^/#   injector: /'
	check "vtysh $mode, --interval: no commit, tables identical" \
		'[ "$(log_count injB "committed:")" = "$c0" ] && [ "$(fw_save)" = "$fw1" ]'
	set_mode vtysh-once "$mode"
	inj_once "once-$mode" --vtysh "$WRAP1" --vtysh-socket "$FRR_DIR" --vtysh-timeout 1
	check "vtysh $mode, --once: exit 1 ($ONCE_RC) after $ONCE_T s, the log says so, tables identical" \
		'[ "$ONCE_RC" = 1 ] && kept_ge "once-$mode" 1 && [ "$(once_save)" = "$fw1o" ]'
	grep -F 'the installed rules are kept' "$LAB_DIR/once-$mode.log" | head -1 | cut -c1-220 | sed 's/^/#   --once: /'
}

bad_mode fail 2
inj_once once-missing --vtysh "$LAB_DIR/no-such-vtysh" --vtysh-socket "$FRR_DIR"
check "vtysh missing, --once: exit 1 ($ONCE_RC), the log says so, tables identical" \
	'[ "$ONCE_RC" = 1 ] && kept_ge once-missing 1 && [ "$(once_save)" = "$fwO" ]'
grep -F 'the installed rules are kept' "$LAB_DIR/once-missing.log" | head -1 | cut -c1-220 | sed 's/^/#   --once: /'

bad_mode garbage 2
check "the valid NLRIs before the garbage (198.19.9.9/32, 2001:db8:d:99::/64) were never installed" \
	'! has_rule "198\.19\.9\.9" && ! has_rule "2001:db8:d:99:"'

bad_mode hang 1
check "--once gave up after its --vtysh-timeout 1 per family ($ONCE_T s < 5, not vtysh's 30 s)" 'fle "$ONCE_T" 5'
set_mode vtysh-b fail # no new hanging calls; the last one runs out its 2 s
sleep 2.5
hung=$(hung_pids vtysh-b) hung1=$(hung_pids vtysh-once)
# shellcheck disable=SC2086 # one pid per word
check "every hung vtysh was killed at its timeout (--interval: ${hung:-none}; --once: ${hung1:-none})" \
	'[ -n "$hung" ] && [ -n "$hung1" ] && ! alive $hung $hung1'

echo "## the real vtysh again: unchanged, no commit"
c0=$(log_count injB 'committed:') u0=$(log_count injB 'IPv4 unchanged: no commit')
set_mode vtysh-b ok
lab_wait 10 "injector B: an 'unchanged' poll after the failures" log_ge injB 'IPv4 unchanged: no commit' $((u0 + 1))
check "vtysh back: 'IPv4 unchanged: no commit', no commit, tables identical" \
	'[ "$(log_count injB "committed:")" = "$c0" ] && [ "$(fw_save)" = "$fwA" ]'

echo "## SIGHUP: injector B polls and commits again, the same rules"
kill -HUP "$(cat "$LAB_DIR/injB.pid")"
for ((i = 0; i < 50; i++)); do
	[ "$(log_count injB 'committed:')" -ge $((c0 + 2)) ] && break
	sleep 0.1
done
check "SIGHUP: one commit per family ($c0 -> $(log_count injB 'committed:') 'committed' lines), tables identical" \
	'[ "$(log_count injB "committed:")" = $((c0 + 2)) ] && [ "$(fw_save)" = "$fwA" ]'

# ---------------------------------------------------------- peer down ----
echo "## BIRD stops (birdc down): session down"
set_mode vtysh-b fail # injector B keeps the rules while its vtysh fails
k0=$(kept_count injB)
lab_wait 5 "injector B: a failed poll" kept_ge injB $((k0 + 1))
birdc_cmd down >/dev/null 2>&1
lab_wait 15 "FRR: the BIRD session is down" frr_down
lab_log "frr: session $(frr_peer ipv4) / $(frr_peer ipv6)"
inj_once once-keep --peer-down keep --vtysh-socket "$FRR_DIR"
check "--once --peer-down keep (real vtysh), no session Established: exit 0 ($ONCE_RC), tables identical" \
	'[ "$ONCE_RC" = 0 ] && [ "$(once_save)" = "$fwO" ]'
sed 's/^/#   --once --peer-down keep: /' "$LAB_DIR/once-keep.log" | grep -v 'nft variant' | head -5
c0=$(log_count injB 'committed:')
t=$(now)
set_mode vtysh-b ok # injector B (default --peer-down flush) now sees the session down
for ((i = 0; i < 100; i++)); do chains_empty && break; sleep 0.1; done
check "--peer-down flush (default): FLOWSPEC empty in filter and mangle, IPv4 and IPv6, $(fsub "$(now)" "$t") s after vtysh works again" \
	'chains_empty'
check "... by one commit per family of 0 routes" \
	'[ "$(log_count injB "committed:")" = $((c0 + 2)) ] && [ "$(committed_field injB 4 1)/$(committed_field injB 6 1)" = 0/0 ]'
grep -F 'committed:' "$LAB_DIR/injB.log" | tail -2 | sed 's/^/#   injector: /'
run_probes 3 "$LAB_DIR/probes3.txt" 3000000

echo "## SIGTERM: injector B removes its (empty) chains and jumps"
inj_stop injB
check "injector B exited 0 after SIGTERM (status: $STOP_RC)" '[ "$STOP_RC" = 0 ]'
check "no FLOWSPEC chain, rule or jump left in any table (IPv4, IPv6)" '[ "$(ours_count)" = 0 ]'

check "no sanitizer report in any injector log (ASan/UBSan builds)" \
	'! grep -lE "AddressSanitizer|LeakSanitizer|runtime error:" "$LAB_DIR"/inj*.log "$LAB_DIR"/once-*.log "$LAB_DIR"/dryrun*.log >/dev/null 2>&1'
lab_log "vtysh's own history went to $(ls "$HOME"/.history_frr 2>/dev/null || echo "(none)") ($(wc -l <"$HOME/.history_frr" 2>/dev/null || echo 0) lines)"

# ------------------------------------------------------------- teardown ----
echo "## teardown: no namespace and no process of the lab left"
lab_pids=$({ echo "$BGPD_PID"; cat "$LAB_DIR/bird-launch.pid"; for ns in $LAB_NSS; do ip netns pids "$ns" 2>/dev/null; done; } | sort -un | tr '\n' ' ')
# shellcheck disable=SC2034 # used in the check
lab_dir=$LAB_DIR
bgpd_pid=$BGPD_PID
frr_teardown
check "no lab namespace left (fsi-*-$LAB_ID)" '! ip netns list | grep -Eq "^fsi-[a-z]+-$LAB_ID( |$)"'
# shellcheck disable=SC2086 # one pid per word
check "none of the lab's processes left (pids: ${lab_pids:-none})" '! alive $lab_pids'
check "no process names the lab's temp dir" '! pgrep -f -- "$lab_dir" >/dev/null'
check "bgpd's /var/tmp/frr/bgpd.$bgpd_pid is gone" '! [ -e "/var/tmp/frr/bgpd.$bgpd_pid" ]'

T1=$(date +%s.%N)
echo "## runtime $(fsub "$T1" "$T0") s"
echo "$PASS passed, $FAIL failed"
[ "$FAIL" = 0 ]
