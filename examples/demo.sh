#!/bin/bash
# flowspec-acl demo: an NTP reflection flood, stopped by a BGP FlowSpec route.
#
# As root on Debian 12.  Installs the packages (tests/install-deps.sh),
# builds flowspec-injector (Release, build/), then, in network namespaces it
# creates and always deletes:
#   ctl  BIRD 2, the FlowSpec controller (examples/bird-demo.conf)
#   rtr  ExaBGP 4.2 running flowspec-injector (live) as its API process; forwards
#   cli  the reflectors: UDP from port 123, 200 packets/s, and normal traffic
#   srv  the victim 198.19.0.10, where a sniffer counts arrivals each second
# and shows the flood arriving, the discard route announced from BIRD and
# installed in the router's kernel, the flood gone while normal traffic still
# arrives, and the flood back after the withdraw.  It is also a smoke test:
# exit 0 when every step behaves, 1 with a message otherwise, 77 without root.
#
# FS_DEMO_NO_BUILD=1 skips install and build; FS_INJECTOR=PATH picks the binary.
# shellcheck source-path=SCRIPTDIR
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
T0=$(date +%s%3N)
if [ "$(id -u)" != 0 ]; then
	echo "skipped: the demo needs root (it creates network namespaces)"
	exit 77
fi
. "$HERE/demo-lib.sh"

echo "flowspec-acl demo: an NTP reflection flood, stopped by a BGP FlowSpec route"
echo "   BIRD 2 --BGP FlowSpec--> ExaBGP 4.2 --JSON--> flowspec-injector --libiptc--> iptables (legacy)"

demo_h "0. Setup"
demo_check_files
demo_build
export FS_INSTALL_MODE=live   # ExaBGP runs the injector itself, as in production
# shellcheck source=../tests/integration/lib.sh
. "$DEMO_TOP/tests/integration/lib.sh"
# shellcheck disable=SC2317 # called by lib.sh
lab_log() { :; }                 # quiet: the demo says what matters
# shellcheck disable=SC2317
lab_die() { demo_fail "$*"; }
lab_init
demo_traps
lab_create
srv_add_addrs "$VICTIM" "$NEIGHBOUR"
bird_start "$HERE/bird-demo.conf"
exabgp_start
wait_session_up
wait_eor
lab_wait 10 "the standing route in the router's kernel" sh -c \
	"ip netns exec $NS_RTR iptables-legacy -S FLOWSPEC 2>/dev/null | grep -q -- '--dport 23'"
demo_say "namespaces: $NS_CTL (BIRD 2), $NS_RTR (ExaBGP + flowspec-injector),"
demo_say "            $NS_CLI (reflectors, clients), $NS_SRV (victim $VICTIM, neighbour $NEIGHBOUR)"
demo_say "BGP session BIRD (AS$BGP_ASN_CTL) -> ExaBGP (AS$BGP_ASN_RTR) is up; BIRD announces one standing route"
demo_say "the router's FLOWSPEC chain (iptables-legacy -S FLOWSPEC):"
ipt 4 -S FLOWSPEC | demo_indent

demo_h "1. The attack: an NTP reflection flood hits $VICTIM"
demo_say "5 reflectors (${REFLECTORS%%,*} .. ${REFLECTORS##*,}) send monlist-sized NTP replies,"
demo_say "UDP from port 123, $FLOOD_RATE packets/s in all.  Normal traffic, $BG_RATE packets/s each:"
demo_say "an NTP query to the victim (UDP 40123 -> 123), mDNS to the victim (5353 -> 5353),"
demo_say "and NTP replies to the neighbour $NEIGHBOUR, which is not under attack."
demo_flood_start
demo_say "packets arriving in $NS_SRV, per second (a sniffer on its link):"
demo_watch 3
[ "$W_FLOOD" -ge $((3 * FLOOD_RATE / 2)) ] ||
	demo_fail "step 1: only $W_FLOOD flood packets arrived in 3 s (expected about $((3 * FLOOD_RATE)))"
demo_normal_arrives 1
demo_say "=> the flood arrives: $W_FLOOD packets in 3 s"

demo_h "2. The operator announces a FlowSpec discard route from BIRD"
demo_say "new line in the BIRD config (traffic-rate 0 = discard):"
grep '#@demo' "$HERE/bird-demo.conf" | sed 's/^ *#@demo //' | demo_indent
t_announce=$(demo_ms)
demo_bird announce
demo_wait_rule present
took=$(($(demo_ms) - t_announce))
demo_say "BIRD's FlowSpec table (birdc show route table flowtab4 all):"
birdc_cmd show route table flowtab4 all | grep -v '^BIRD .* ready\.$' | demo_indent
demo_say "the router's kernel, $took ms after birdc configure (iptables-legacy -S FLOWSPEC):"
ipt 4 -S FLOWSPEC | demo_indent
ipt 4 -S FLOWSPEC | grep -qx -- "-A FLOWSPEC -d $VICTIM/32 -p udp -m udp --sport 123 -j DROP" ||
	demo_fail "step 2: the kernel's rule is not '-d $VICTIM/32 -p udp -m udp --sport 123 -j DROP'"
demo_say "flowspec-injector's log: $(demo_last_commit)"
demo_say "flowspec-injector status -4, three times, 1 s apart: the route's counters climb"
demo_status "t+0s"
p1=$DEMO_PKTS
sleep 1
demo_status "t+1s"
p2=$DEMO_PKTS
sleep 1
demo_status "t+2s"
p3=$DEMO_PKTS
if ! [ "$p1" -lt "$p2" ] || ! [ "$p2" -lt "$p3" ]; then
	demo_fail "step 2: the route's packet counter did not climb ($p1, $p2, $p3)"
fi
demo_say "=> $((p3 - p1)) flood packets dropped by the router in about 2 s"

demo_h "3. At the victim: the flood is gone, normal traffic still arrives"
demo_say "packets arriving in $NS_SRV, per second:"
demo_watch 3
[ "$W_FLOOD" = 0 ] || demo_fail "step 3: $W_FLOOD flood packets reached the victim while the route was installed"
demo_normal_arrives 3
demo_say "=> flood: 0 packets in 3 s; normal traffic: $W_QUERY NTP queries, $W_MDNS mDNS, $W_NEIGHBOUR to the neighbour"

demo_h "4. The operator withdraws the route (birdc configure with the old config)"
t_withdraw=$(demo_ms)
demo_bird withdraw
demo_wait_rule absent
demo_say "the router's kernel, $(($(demo_ms) - t_withdraw)) ms after birdc configure (iptables-legacy -S FLOWSPEC):"
ipt 4 -S FLOWSPEC | demo_indent
demo_say "packets arriving in $NS_SRV, per second:"
demo_watch 3
[ "$W_FLOOD" -ge $((3 * FLOOD_RATE / 2)) ] ||
	demo_fail "step 4: only $W_FLOOD flood packets arrived after the withdraw (expected about $((3 * FLOOD_RATE)))"
demo_normal_arrives 4
demo_say "=> the flood arrives again: $W_FLOOD packets in 3 s"
demo_flood_stop

demo_h "Done: announced, dropped exactly the flood, withdrawn, in $((($(demo_ms) - T0) / 1000)) s"
exit 0
