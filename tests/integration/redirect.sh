#!/bin/bash
# Redirects with real packets: BIRD (ctl) announces a redirect to the route
# target 65000:100, a redirect-to-IP to 198.18.3.2, a discard that comes
# first by RFC 8955 order, and a redirect nobody mapped.  ExaBGP (rtr) runs
# the live flowspec-injector with a redirect configuration; it marks in
# mangle PREROUTING and manages the ip rules and the next hop's route
# through rtnetlink.  Packets from cli must arrive in a fifth namespace,
# scr (the "scrubber"), not in srv, exactly when a redirect applies.
# Arrivals are counted by the kernel of scr and srv (raw PREROUTING rules).
#
# Usage: tests/integration/redirect.sh [path/to/flowspec-injector]  (root)
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"
[ $# -ge 1 ] && LAB_INJECTOR=$1
FS_INSTALL_MODE=live
PASS=0 FAIL=0
T0=$(date +%s.%N)

NS_SCR=fsi-scr-$LAB_ID
LAB_NSS="$LAB_NSS $NS_SCR"
SCR_IF=scr0 RTR_SCR_IF=r-scr
SCR_V4=198.18.3.2 RTR_SCR_V4=198.18.3.1
SCR_MAC=02:f5:00:00:03:02 RTR_SCR_MAC=02:f5:00:00:03:01
N=5   # packets per probe

lab_init
lab_create
lab_link "$NS_RTR" "$RTR_SCR_IF" "$RTR_SCR_MAC" "$NS_SCR" "$SCR_IF" "$SCR_MAC"
ip -n "$NS_RTR" addr add "$RTR_SCR_V4/24" dev "$RTR_SCR_IF"
ip -n "$NS_SCR" addr add "$SCR_V4/24" dev "$SCR_IF"
ip -n "$NS_RTR" neigh replace "$SCR_V4" lladdr "$SCR_MAC" dev "$RTR_SCR_IF" nud permanent
ip -n "$NS_SCR" neigh replace "$RTR_SCR_V4" lladdr "$RTR_SCR_MAC" dev "$SCR_IF" nud permanent
# the operator's side of a redirect-map: table 100 leads to the scrubber
ip -n "$NS_RTR" route add default via "$SCR_V4" dev "$RTR_SCR_IF" table 100
srv_add_addrs 198.19.20.1 198.19.20.2 198.19.20.3
# scr and srv count what arrives (raw PREROUTING sees it first), answer nothing
for ns in "$NS_SCR" "$NS_SRV"; do
	for d in 198.19.20.1 198.19.20.2 198.19.20.3; do
		in_ns "$ns" iptables-legacy -t raw -A PREROUTING -d "$d" -p udp
	done
	in_ns "$ns" iptables-legacy -P INPUT DROP
done

cat >"$LAB_DIR/redirect.yaml" <<EOF
state-dir: $LAB_DIR
redirect:
  mark-mask: 0x0000ff00
  rule-priority: 1000
  map:
    "65000:100": 100
  ip-tables: 4
  ip-table-base: 2000
EOF
export FS_INJECTOR_EXTRA_ARGS="-c $LAB_DIR/redirect.yaml"

# arrived NS DST: packets the kernel of NS saw for DST
arrived() {
	in_ns "$1" iptables-legacy -t raw -L PREROUTING -v -x -n |
		awk -v d="$2" '$0 ~ (" " d "[ ]") || $NF == d { n += $1 } END { print n + 0 }'
}
# send SRC DST DPORT: N UDP packets from cli
send() {
	in_ns "$NS_CLI" "$LAB_PY" -c "
import sys
from scapy.all import Ether, IP, UDP, Raw, sendp
p = Ether(src='$CLI_MAC', dst='$RTR_CLI_MAC') / IP(src='$1', dst='$2') / UDP(sport=40000, dport=$3) / Raw(b'redirect-probe')
sendp([p] * $N, iface='$CLI_IF', verbose=False)
" || lab_die "scapy send failed"
}
# probe NAME SRC DST DPORT WANT_SCR WANT_SRV
probe() {
	local s0 v0 s1 v1
	s0=$(arrived "$NS_SCR" "$3") v0=$(arrived "$NS_SRV" "$3")
	send "$2" "$3" "$4"
	sleep 0.3
	s1=$(arrived "$NS_SCR" "$3") v1=$(arrived "$NS_SRV" "$3")
	check "$1: $2 -> $3:$4 arrives $5x in scr, $6x in srv (saw $((s1 - s0)), $((v1 - v0)))" \
		"[ $((s1 - s0)) = $5 ] && [ $((v1 - v0)) = $6 ]"
}
rules_249() { ip -n "$NS_RTR" rule show | grep -c 'proto 249' || true; }
routes_249() { ip -n "$NS_RTR" route show table all proto 249 | grep -c . || true; }
pre_marks() { in_ns "$NS_RTR" iptables-legacy-save -t mangle | grep -c '^-A FLOWSPEC4-pre .*MARK --set-xmark 0x[1-9a-f]' || true; }
marks_are() { [ "$(pre_marks)" = "$1" ]; }
rules_are() { [ "$(rules_249)" = "$1" ]; }
routes_are() { [ "$(routes_249)" = "$1" ]; }

bird_start "$HERE/bird-redirect.conf"
exabgp_start
wait_session_up
lab_wait 20 "the injector's redirect marks in mangle PREROUTING" marks_are 2

echo "## what the injector installed"
in_ns "$NS_RTR" iptables-legacy-save -t mangle | grep -E '^-A (PREROUTING|FLOWSPEC4-pre)' | sed 's/^/#   /'
ip -n "$NS_RTR" rule show | grep 'proto 249' | sed 's/^/#   /'
ip -n "$NS_RTR" route show table all proto 249 | sed 's/^/#   /'
check "ip rule fwmark 0x100/0xff00 -> table 100 (redirect-map)" \
	"ip -n $NS_RTR rule show | grep -q 'fwmark 0x100/0xff00 lookup 100 proto 249'"
check "ip rule fwmark 0xff00/0xff00 -> table 2000 (first redirect-ip slot)" \
	"ip -n $NS_RTR rule show | grep -q 'fwmark 0xff00/0xff00 lookup 2000 proto 249'"
check "route default via 198.18.3.2 in table 2000, proto 249" \
	"ip -n $NS_RTR route show table 2000 | grep -q 'default via 198.18.3.2 .*proto 249'"
check "exactly 2 ip rules and 1 route of ours" '[ "$(rules_249)" = 2 ] && [ "$(routes_249)" = 1 ]'
st=$(in_ns "$NS_RTR" "$LAB_INJECTOR" -q status -4 --state-dir "$LAB_DIR")
echo "$st" | sed 's/^/#   /'
check "status: the redirect to 65000:999 is refused as redirect-unmapped" \
	'echo "$st" | grep "198.19.20.3" | grep -q "redirect-unmapped"'

echo "## packets"
probe "R1 redirect 65000:100" "$CLI_V4" 198.19.20.1 7001 "$N" 0
probe "R0 discard before R1" 198.18.1.66 198.19.20.1 7001 0 0
probe "R1 does not match dport 7002" "$CLI_V4" 198.19.20.1 7002 0 "$N"
probe "R2 redirect-to-IP 198.18.3.2" "$CLI_V4" 198.19.20.2 9 "$N" 0
probe "R3 unmapped redirect: not redirected" "$CLI_V4" 198.19.20.3 9 0 "$N"

echo "## withdraw R2: its rule and route go, its traffic takes the normal path"
grep -v '@withdraw' "$HERE/bird-redirect.conf" >"$LAB_DIR/bird-withdrawn.conf"
bird_reconfigure "$LAB_DIR/bird-withdrawn.conf"
lab_wait 20 "one redirect mark left" marks_are 1
lab_wait 5 "the redirect-ip rule and route to go" routes_are 0
check "1 ip rule (the map's) and 0 routes of ours" '[ "$(rules_249)" = 1 ] && [ "$(routes_249)" = 0 ]'
probe "R2 withdrawn" "$CLI_V4" 198.19.20.2 9 0 "$N"
probe "R1 still redirects" "$CLI_V4" 198.19.20.1 7001 "$N" 0

echo "## ExaBGP stops: the injector sees end of input and removes everything"
kill "$(cat "$LAB_DIR/exabgp.pid")" 2>/dev/null
lab_wait 20 "our ip rules to go" rules_are 0
check "no ip rule, route or mangle chain of ours left" \
	'[ "$(rules_249)" = 0 ] && [ "$(routes_249)" = 0 ] && ! in_ns "$NS_RTR" iptables-legacy-save -t mangle | grep -q FLOWSPEC'
probe "R1 gone: normal path" "$CLI_V4" 198.19.20.1 7001 0 "$N"

T1=$(date +%s.%N)
echo "## runtime $(awk -v a="$T0" -v b="$T1" 'BEGIN { printf "%.1f", b - a }') s"
echo "$PASS passed, $FAIL failed"
[ "$FAIL" = 0 ]
