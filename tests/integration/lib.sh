# shellcheck shell=bash
# Helpers for the flowspec-acl integration lab (tests/integration).  Source
# this file from a bash test script, then:
#
#   lab_init                 # root check (exit 77), tools, temp dir, traps
#   lab_create               # namespaces ctl rtr cli srv, links, addresses, routes
#   srv_add_addrs ADDR...    # destination addresses behind srv
#   bird_start CONF          # BIRD 2 in ctl (control socket in the temp dir)
#   exabgp_start             # ExaBGP 4.2 in rtr, API process -> $LAB_CAPTURE
#   wait_session_up; wait_eor
#   install_rules            # THE one place that puts rules into rtr
#   sniff_start / probes_send / sniff_stop / probes_judge
#   rule_pkts FAM REGEX [CHAIN]
#
# Everything lives in network namespaces named fsi-<role>-<pid>; nothing in
# the root namespace is touched (no firewall rule, route or sysctl), and the
# EXIT/INT/TERM trap kills every lab process and deletes the namespaces.
# Addresses: 198.18.0.0/15 and 2001:db8::/32 only (link-local generation is
# off, neighbours are static).

LAB_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LAB_TOP=$(cd "$LAB_HERE/../.." && pwd)
LAB_ID=$$
NS_CTL=fsi-ctl-$LAB_ID
NS_RTR=fsi-rtr-$LAB_ID
NS_CLI=fsi-cli-$LAB_ID
NS_SRV=fsi-srv-$LAB_ID
LAB_NSS="$NS_CTL $NS_RTR $NS_CLI $NS_SRV"
LAB_PY=/usr/bin/python3   # Debian's python3: python3-scapy lives there
LAB_INJECTOR=${FS_INJECTOR:-$LAB_TOP/build-integ/injector/flowspec-injector}
# how rules reach rtr: "dryrun" (flowspec-injector --dry-run + *-legacy-restore)
FS_INSTALL_MODE=${FS_INSTALL_MODE:-dryrun}

# Addressing.  Link ctl<->rtr carries BGP; cli and srv are the traffic ends.
CTL_IF=ctl0 RTR_CTL_IF=r-ctl
CLI_IF=cli0 RTR_CLI_IF=r-cli
SRV_IF=srv0 RTR_SRV_IF=r-srv
CTL_V4=198.18.0.1    RTR_CTL_V4=198.18.0.2    # /30
CTL_V6=2001:db8:0:c0::1 RTR_CTL_V6=2001:db8:0:c0::2
CLI_V4=198.18.1.2    RTR_CLI_V4=198.18.1.1    # /24 (probes use other sources in it)
CLI_V6=2001:db8:c1::2 RTR_CLI_V6=2001:db8:c1::1
SRV_V4=198.18.2.2    RTR_SRV_V4=198.18.2.1    # /24
SRV_V6=2001:db8:5e::2 RTR_SRV_V6=2001:db8:5e::1
DST_NET4=198.19.0.0/16                         # probe destinations, behind srv
DST_NET6=2001:db8:d::/48
CTL_MAC=02:f5:00:00:00:01 RTR_CTL_MAC=02:f5:00:00:00:02
CLI_MAC=02:f5:00:00:01:02 RTR_CLI_MAC=02:f5:00:00:01:01
SRV_MAC=02:f5:00:00:02:02 RTR_SRV_MAC=02:f5:00:00:02:01
BGP_ASN_CTL=65001 BGP_ASN_RTR=65000

lab_log() { printf '# %s\n' "$*"; }
lab_die() { printf 'FAIL: %s\n' "$*"; exit 1; }
in_ns() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

# ---------------------------------------------------------------- setup ----
lab_init() {
	[ "$(id -u)" = 0 ] || { echo "skipped: needs root (network namespaces)"; exit 77; }
	local t
	for t in ip bird birdc exabgp iptables-legacy-restore ip6tables-legacy-restore \
		iptables-legacy ip6tables-legacy sysctl; do
		command -v "$t" >/dev/null || lab_die "$t not installed (tests/install-deps.sh)"
	done
	[ -x "$LAB_PY" ] || lab_die "$LAB_PY missing"
	"$LAB_PY" -c 'import scapy.all' 2>/dev/null || lab_die "python3-scapy missing"
	[ -x "$LAB_INJECTOR" ] || lab_die "injector not built: $LAB_INJECTOR"
	LAB_DIR=$(mktemp -d /tmp/fsacl-integ.XXXXXX) || lab_die "mktemp"
	chmod 755 "$LAB_DIR"
	LAB_CAPTURE=$LAB_DIR/capture.jsonl
	LAB_TORN=
	trap 'lab_teardown' EXIT
	trap 'lab_teardown; exit 130' INT
	trap 'lab_teardown; exit 143' TERM
}

# ns_reap NS...: SIGTERM every process in the namespaces, SIGKILL what is
# left after 2 s, delete the namespaces (also used by tests/fault/fault.sh).
ns_reap() {
	local ns pids i
	for ns in "$@"; do
		pids=$(ip netns pids "$ns" 2>/dev/null)
		# shellcheck disable=SC2086 # one pid per word
		[ -n "$pids" ] && kill -TERM $pids 2>/dev/null
	done
	for i in 1 2 3 4 5 6 7 8 9 10; do
		pids=
		for ns in "$@"; do pids="$pids$(ip netns pids "$ns" 2>/dev/null)"; done
		[ -z "$pids" ] && break
		sleep 0.2
	done
	for ns in "$@"; do
		pids=$(ip netns pids "$ns" 2>/dev/null)
		# shellcheck disable=SC2086 # one pid per word
		[ -n "$pids" ] && kill -KILL $pids 2>/dev/null
		ip netns del "$ns" 2>/dev/null
	done
	return 0
}

# Kill every process of the lab (pid files first, then whatever still runs
# in a lab namespace), delete the namespaces, remove the temp dir.
lab_teardown() {
	[ -n "$LAB_TORN" ] && return 0
	LAB_TORN=1
	local f pid
	for f in "$LAB_DIR"/*.pid; do
		[ -f "$f" ] || continue
		pid=$(cat "$f" 2>/dev/null)
		[ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null
	done
	# shellcheck disable=SC2086 # one namespace per word
	ns_reap $LAB_NSS
	if [ -n "${FS_INTEG_KEEP:-}" ]; then
		echo "# kept $LAB_DIR"
	else
		rm -rf "$LAB_DIR"
	fi
	return 0
}

# sysctl inside one lab namespace
ns_sysctl() { local ns=$1; shift; in_ns "$ns" sysctl -qw "$@" >/dev/null || lab_die "sysctl $* in $ns"; }

# veth pair with both ends created directly in their namespaces (no name
# ever exists in the root namespace); no link-local address, no DAD.
lab_link() { # NS1 IF1 MAC1 NS2 IF2 MAC2
	ip link add "$2" address "$3" netns "$1" type veth peer name "$5" address "$6" netns "$4" ||
		lab_die "veth $1/$2 <-> $4/$5"
	local ns ifc ns_if
	for ns_if in "$1/$2" "$4/$5"; do
		ns=${ns_if%%/*} ifc=${ns_if#*/}
		ip -n "$ns" link set dev "$ifc" addrgenmode none
		ns_sysctl "$ns" "net.ipv6.conf.$ifc.accept_dad=0" "net.ipv6.conf.$ifc.accept_ra=0"
		ip -n "$ns" link set dev "$ifc" up
	done
}

lab_create() {
	local ns
	for ns in $LAB_NSS; do
		ip netns add "$ns" || lab_die "cannot create namespace $ns"
		ip -n "$ns" link set lo up
		# IPv4 conf is inherited from the root namespace: set what matters
		ns_sysctl "$ns" net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0 \
			net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 \
			net.ipv6.conf.default.accept_dad=0 net.ipv6.conf.all.accept_dad=0 \
			net.ipv6.conf.default.accept_ra=0
	done
	ns_sysctl "$NS_RTR" net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1

	lab_link "$NS_CTL" "$CTL_IF" "$CTL_MAC" "$NS_RTR" "$RTR_CTL_IF" "$RTR_CTL_MAC"
	lab_link "$NS_CLI" "$CLI_IF" "$CLI_MAC" "$NS_RTR" "$RTR_CLI_IF" "$RTR_CLI_MAC"
	lab_link "$NS_SRV" "$SRV_IF" "$SRV_MAC" "$NS_RTR" "$RTR_SRV_IF" "$RTR_SRV_MAC"

	ip -n "$NS_CTL" addr add "$CTL_V4/30" dev "$CTL_IF"
	ip -n "$NS_CTL" -6 addr add "$CTL_V6/64" dev "$CTL_IF" nodad
	ip -n "$NS_RTR" addr add "$RTR_CTL_V4/30" dev "$RTR_CTL_IF"
	ip -n "$NS_RTR" -6 addr add "$RTR_CTL_V6/64" dev "$RTR_CTL_IF" nodad
	ip -n "$NS_CLI" addr add "$CLI_V4/24" dev "$CLI_IF"
	ip -n "$NS_CLI" -6 addr add "$CLI_V6/64" dev "$CLI_IF" nodad
	ip -n "$NS_RTR" addr add "$RTR_CLI_V4/24" dev "$RTR_CLI_IF"
	ip -n "$NS_RTR" -6 addr add "$RTR_CLI_V6/64" dev "$RTR_CLI_IF" nodad
	ip -n "$NS_SRV" addr add "$SRV_V4/24" dev "$SRV_IF"
	ip -n "$NS_SRV" -6 addr add "$SRV_V6/64" dev "$SRV_IF" nodad
	ip -n "$NS_RTR" addr add "$RTR_SRV_V4/24" dev "$RTR_SRV_IF"
	ip -n "$NS_RTR" -6 addr add "$RTR_SRV_V6/64" dev "$RTR_SRV_IF" nodad

	# static neighbours (no link-local addresses, so no ND; no ARP races)
	ip -n "$NS_CLI" neigh replace "$RTR_CLI_V4" lladdr "$RTR_CLI_MAC" dev "$CLI_IF" nud permanent
	ip -n "$NS_CLI" neigh replace "$RTR_CLI_V6" lladdr "$RTR_CLI_MAC" dev "$CLI_IF" nud permanent
	ip -n "$NS_RTR" neigh replace "$SRV_V4" lladdr "$SRV_MAC" dev "$RTR_SRV_IF" nud permanent
	ip -n "$NS_RTR" neigh replace "$SRV_V6" lladdr "$SRV_MAC" dev "$RTR_SRV_IF" nud permanent
	ip -n "$NS_RTR" neigh replace "$CLI_V6" lladdr "$CLI_MAC" dev "$RTR_CLI_IF" nud permanent
	ip -n "$NS_SRV" neigh replace "$RTR_SRV_V4" lladdr "$RTR_SRV_MAC" dev "$SRV_IF" nud permanent
	ip -n "$NS_SRV" neigh replace "$RTR_SRV_V6" lladdr "$RTR_SRV_MAC" dev "$SRV_IF" nud permanent
	ip -n "$NS_CTL" neigh replace "$RTR_CTL_V6" lladdr "$RTR_CTL_MAC" dev "$CTL_IF" nud permanent
	ip -n "$NS_RTR" neigh replace "$CTL_V6" lladdr "$CTL_MAC" dev "$RTR_CTL_IF" nud permanent

	# routes: cli and srv reach everything through rtr; rtr reaches the
	# probe destinations through srv
	ip -n "$NS_CLI" route add default via "$RTR_CLI_V4"
	ip -n "$NS_CLI" -6 route add default via "$RTR_CLI_V6"
	ip -n "$NS_SRV" route add 198.18.0.0/15 via "$RTR_SRV_V4"
	ip -n "$NS_SRV" -6 route add 2001:db8::/32 via "$RTR_SRV_V6"
	ip -n "$NS_RTR" route add "$DST_NET4" via "$SRV_V4"
	ip -n "$NS_RTR" -6 route add "$DST_NET6" via "$SRV_V6"

	# srv only observes: its own stack answers nothing (no RST, no ICMP
	# errors, no echo replies), so rtr forwards nothing but the probes.  The
	# sniffer reads frames before netfilter.
	in_ns "$NS_SRV" iptables-legacy -P INPUT DROP
	in_ns "$NS_SRV" ip6tables-legacy -P INPUT DROP
	lab_log "lab: namespaces $LAB_NSS, temp dir $LAB_DIR"
}

# srv_add_addrs ADDR... : destination addresses (v4 /32, v6 /128) on srv
srv_add_addrs() {
	local a
	for a in "$@"; do
		case $a in
		*:*) ip -n "$NS_SRV" -6 addr add "$a/128" dev "$SRV_IF" nodad ;;
		*) ip -n "$NS_SRV" addr add "$a/32" dev "$SRV_IF" ;;
		esac || lab_die "cannot add $a to srv"
	done
}

# ------------------------------------------------------------- daemons ----
# poll CMD until it succeeds, at most SECONDS (tenths of a second steps)
lab_wait() { # SECONDS WHAT CMD...
	local secs=$1 what=$2 i
	shift 2
	for ((i = 0; i < secs * 10; i++)); do
		"$@" && return 0
		sleep 0.1
	done
	lab_die "timeout after ${secs}s waiting for $what"
}

# bird_start CONF: BIRD 2 in ctl, foreground, logging to the temp dir
bird_start() {
	local conf=$1
	cp "$conf" "$LAB_DIR/bird.conf" || lab_die "no BIRD config $conf"
	LAB_BIRD_SOCK=$LAB_DIR/bird.ctl
	# ip netns exec and bird -f exec in place: $! is BIRD's pid
	ip netns exec "$NS_CTL" bird -f -c "$LAB_DIR/bird.conf" -s "$LAB_BIRD_SOCK" \
		-P "$LAB_DIR/bird.pid" >"$LAB_DIR/bird.log" 2>&1 &
	echo $! >"$LAB_DIR/bird-launch.pid"
	local i
	for ((i = 0; i < 300; i++)); do
		[ -S "$LAB_BIRD_SOCK" ] && break
		kill -0 "$(cat "$LAB_DIR/bird-launch.pid")" 2>/dev/null || break
		sleep 0.1
	done
	if ! [ -S "$LAB_BIRD_SOCK" ]; then
		sed 's/^/#   bird: /' "$LAB_DIR/bird.log"
		lab_die "BIRD did not open its control socket within 30 s (or exited)"
	fi
	lab_log "bird: $(birdc -s "$LAB_BIRD_SOCK" show status | grep -m1 BIRD)"
}

birdc_cmd() { birdc -s "$LAB_BIRD_SOCK" "$@"; }

# bird_reconfigure CONF: replace the config in force and let BIRD apply it
bird_reconfigure() {
	cp "$1" "$LAB_DIR/bird.conf" || lab_die "no BIRD config $1"
	birdc_cmd configure | grep -q 'Reconfigured' || lab_die "birdc configure failed: $(birdc_cmd configure)"
}

# exabgp_start: ExaBGP 4.2 in rtr; it connects out to BIRD (no listener:
# tcp.bind empty); its API process appends the JSON lines to $LAB_CAPTURE.
exabgp_start() {
	local procs="capture"
	: >"$LAB_CAPTURE"
	cat >"$LAB_DIR/exabgp.conf" <<EOF
process capture {
    run $LAB_HERE/capture-jsonl.sh $LAB_CAPTURE;
    encoder json;
}
EOF
	if [ "$FS_INSTALL_MODE" = live ]; then
		# the live injector is ExaBGP's second API process: same messages
		procs="capture injector"
		cat >>"$LAB_DIR/exabgp.conf" <<EOF
process injector {
    run $LAB_HERE/run-injector.sh $LAB_DIR/injector.live.log $LAB_INJECTOR --state-dir $LAB_DIR --window 50;
    encoder json;
}
EOF
	fi
	cat >>"$LAB_DIR/exabgp.conf" <<EOF

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
        processes [ $procs ];
        neighbor-changes;
        receive {
            parsed;
            update;
        }
    }
}
EOF
	# ip netns exec and env exec in place: $! is ExaBGP's pid
	ip netns exec "$NS_RTR" env exabgp.daemon.user=root exabgp.daemon.drop=false \
		exabgp.daemon.daemonize=false exabgp.api.cli=false exabgp.tcp.bind= \
		exabgp.log.destination=stdout \
		exabgp "$LAB_DIR/exabgp.conf" >"$LAB_DIR/exabgp.log" 2>&1 &
	echo $! >"$LAB_DIR/exabgp.pid"
}

# capture_count KIND: how many messages of a kind the capture holds
#   up | down | eor4 | eor6 | announce | withdraw | lines
capture_count() {
	"$LAB_PY" "$LAB_HERE/capture.py" "$LAB_CAPTURE" count "$1"
}
capture_ge() { [ "$(capture_count "$1")" -ge "$2" ]; }

wait_session_up() {
	local i
	for ((i = 0; i < 300; i++)); do
		capture_ge up 1 && { lab_log "bgp: session up"; return 0; }
		if ! kill -0 "$(cat "$LAB_DIR/exabgp.pid")" 2>/dev/null; then
			sed 's/^/#   exabgp: /' "$LAB_DIR/exabgp.log" | tail -20
			lab_die "ExaBGP exited before the session came up"
		fi
		sleep 0.1
	done
	sed 's/^/#   exabgp: /' "$LAB_DIR/exabgp.log" | tail -20
	sed 's/^/#   bird: /' "$LAB_DIR/bird.log" | tail -20
	lab_die "timeout after 30s waiting for the BGP session (ExaBGP state up)"
}

wait_eor() {
	lab_wait 30 "End-of-RIB ipv4 flow" capture_ge eor4 1
	lab_wait 30 "End-of-RIB ipv6 flow" capture_ge eor6 1
	lab_log "bgp: End-of-RIB for ipv4 flow and ipv6 flow, $(capture_count announce) announce UPDATEs"
}

# -------------------------------------------------------------- rules ----
# install_rules: bring the routes ExaBGP received (the capture so far) into
# rtr's kernel.  The only function that knows HOW; the live injector will
# replace the dryrun branch.
install_rules() {
	case $FS_INSTALL_MODE in
	dryrun) install_rules_dryrun ;;
	live) install_rules_live ;;
	*) lab_die "unknown FS_INSTALL_MODE=$FS_INSTALL_MODE" ;;
	esac
}

# dry run: the injector prints the complete documents for the capture; they
# replace filter (and mangle) in rtr, which is all right in the lab.
install_rules_dryrun() {
	local fam restore
	for fam in 4 6; do
		restore=iptables-legacy-restore
		[ "$fam" = 6 ] && restore=ip6tables-legacy-restore
		"$LAB_INJECTOR" --dry-run -"$fam" -i "$LAB_CAPTURE" \
			>"$LAB_DIR/rules.v$fam" 2>"$LAB_DIR/injector.v$fam.log" ||
			lab_die "injector -$fam failed: $(tail -3 "$LAB_DIR/injector.v$fam.log")"
		in_ns "$NS_RTR" "$restore" <"$LAB_DIR/rules.v$fam" 2>"$LAB_DIR/restore.v$fam.log" ||
			lab_die "$restore rejected the v$fam document: $(cat "$LAB_DIR/restore.v$fam.log")"
	done
	LAB_RULES4=$LAB_DIR/rules.v4 LAB_RULES6=$LAB_DIR/rules.v6
	lab_log "rules: $(head -1 "$LAB_RULES4" | sed 's/^# //')"
	lab_log "rules: $(head -1 "$LAB_RULES6" | sed 's/^# //')"
}

# live: ExaBGP's own process, flowspec-injector, has been writing rtr's
# kernel through libiptc all along; wait until our chains hold exactly what
# the dry-run of the same capture says (the documents stay the expectation).
live_rule_count() { # FAM: rules in our filter chains in rtr
	local save=iptables-legacy-save
	[ "$1" = 6 ] && save=ip6tables-legacy-save
	in_ns "$NS_RTR" "$save" -t filter 2>/dev/null | grep -c '^-A FLOWSPEC' || true
}
doc_rule_count() { # FILE: rules of our filter chains in a document
	awk '/^\*filter/ {f = 1} /^COMMIT/ {f = 0} f && /^-A FLOWSPEC/' "$1" | wc -l
}
install_rules_live() {
	local fam i want4 want6
	for fam in 4 6; do
		"$LAB_INJECTOR" --dry-run -"$fam" -i "$LAB_CAPTURE" \
			>"$LAB_DIR/rules.v$fam" 2>"$LAB_DIR/injector.v$fam.log" ||
			lab_die "injector -$fam failed: $(tail -3 "$LAB_DIR/injector.v$fam.log")"
	done
	LAB_RULES4=$LAB_DIR/rules.v4 LAB_RULES6=$LAB_DIR/rules.v6
	want4=$(doc_rule_count "$LAB_RULES4") want6=$(doc_rule_count "$LAB_RULES6")
	for ((i = 0; i < 100; i++)); do
		[ "$(live_rule_count 4)" = "$want4" ] && [ "$(live_rule_count 6)" = "$want6" ] && break
		sleep 0.1
	done
	[ "$i" -lt 100 ] || lab_die "live injector: kernel has $(live_rule_count 4)/$(live_rule_count 6) rules, dry run says $want4/$want6; log: $(tail -5 "$LAB_DIR/injector.live.log")"
	lab_log "rules (live, through libiptc): $want4 IPv4 and $want6 IPv6 FLOWSPEC rules, as the dry run says"
}

# refused routes reported by the last install (one per line)
rules_refused() { grep -h 'refused: ' "$LAB_DIR"/injector.v4.log "$LAB_DIR"/injector.v6.log 2>/dev/null; }

# ----------------------------------------------------------- counters ----
# ipt FAM ARGS...: iptables-legacy / ip6tables-legacy in rtr
ipt() { local fam=$1; shift
	if [ "$fam" = 6 ]; then in_ns "$NS_RTR" ip6tables-legacy "$@"; else in_ns "$NS_RTR" iptables-legacy "$@"; fi; }

# rule_list FAM [CHAIN] [TABLE]: the kernel's rules with exact counters
rule_list() { ipt "$1" -t "${3:-filter}" -L "${2:-FLOWSPEC}" -v -x -n; }

# rule_pkts FAM REGEX [CHAIN] [TABLE]: sum of the packet counters of the rules
# whose listing line (without the two counter columns, a space appended)
# matches the extended REGEX, e.g. '^DROP .* 198\.19\.1\.1 '
rule_pkts() {
	rule_list "$1" "${3:-FLOWSPEC}" "${4:-filter}" | awk -v re="$2" '
		NR > 2 { n = $1; line = $0; sub(/^ *[0-9]+ +[0-9]+ /, "", line)
		         if ((line " ") ~ re) s += n }
		END { print s + 0 }'
}

# ------------------------------------------------------------- probes ----
# sniff_start OUT: record in srv every frame that carries a probe tag
sniff_start() {
	LAB_SEEN=$1
	rm -f "$LAB_SEEN" "$LAB_SEEN.ready"
	ip netns exec "$NS_SRV" "$LAB_PY" "$LAB_HERE/probe.py" sniff --iface "$SRV_IF" \
		--out "$LAB_SEEN" --ready "$LAB_SEEN.ready" >"$LAB_SEEN.log" 2>&1 &
	echo $! >"$LAB_DIR/sniff.pid"
	lab_wait 10 "the sniffer in srv" test -e "$LAB_SEEN.ready"
}

# sniff_stop: wait until the end marker arrived (or 3 s), then stop
sniff_stop() {
	local pid i
	pid=$(cat "$LAB_DIR/sniff.pid")
	for ((i = 0; i < 30; i++)); do
		[ "$(grep -c '^end ' "$LAB_SEEN" 2>/dev/null)" -ge 2 ] && break
		sleep 0.1
	done
	sleep 0.2
	kill -TERM "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	rm -f "$LAB_DIR/sniff.pid"
	[ "$(grep -c '^end ' "$LAB_SEEN")" -ge 2 ] || lab_log "warning: an end marker never reached srv"
}

# probes_send TABLE IDBASE: craft and send the table's packets from cli
probes_send() {
	in_ns "$NS_CLI" "$LAB_PY" "$LAB_HERE/probe.py" send --iface "$CLI_IF" \
		--smac "$CLI_MAC" --dmac "$RTR_CLI_MAC" --src4 "$CLI_V4" --src6 "$CLI_V6" \
		--table "$1" --id-base "$2" || lab_die "probe sender failed"
}

# probes_judge TABLE IDBASE SEEN CTRFILE: one line per probe, counter
# expectations to CTRFILE
probes_judge() {
	"$LAB_PY" "$LAB_HERE/probe.py" judge --table "$1" --id-base "$2" --seen "$3" --ctr-out "$4"
}

# probe_dsts TABLE: every destination address the table uses
probe_dsts() {
	"$LAB_PY" "$LAB_HERE/probe.py" dsts --table "$1"
}

# ------------------------------------------------------------- GoBGP ----
# gobgpd 3.10 in ctl as the controller instead of BIRD (packets-gobgp.sh).
# Its BGP listener is the one address of its config's local-address-list
# (the ctl address, port 179); its gRPC API is a unix socket in the temp dir
# (--api-hosts unix://...), pprof is off: it opens no other port.  Routes are
# added with gobgp_cmd, a fixed argv (never a shell string built from data).

# gobgpd_start CONF: gobgpd in ctl, logging to the temp dir; returns when its
# API answers
gobgpd_start() {
	local conf=$1 i
	if ! command -v gobgpd >/dev/null || ! command -v gobgp >/dev/null; then
		lab_die "gobgpd/gobgp not installed (tests/install-deps.sh)"
	fi
	cp "$conf" "$LAB_DIR/gobgpd.toml" || lab_die "no gobgpd config $conf"
	LAB_GOBGP_SOCK=$LAB_DIR/gobgp.sock
	# ip netns exec execs in place: $! is gobgpd's pid
	ip netns exec "$NS_CTL" gobgpd -f "$LAB_DIR/gobgpd.toml" -t toml -p -l info \
		--api-hosts "unix://$LAB_GOBGP_SOCK" --pprof-disable >"$LAB_DIR/gobgpd.log" 2>&1 &
	echo $! >"$LAB_DIR/gobgpd.pid"
	for ((i = 0; i < 300; i++)); do
		[ -S "$LAB_GOBGP_SOCK" ] && gobgp_cmd global >/dev/null 2>&1 && break
		kill -0 "$(cat "$LAB_DIR/gobgpd.pid")" 2>/dev/null || break
		sleep 0.1
	done
	if ! gobgp_cmd global >/dev/null 2>&1; then
		sed 's/^/#   gobgpd: /' "$LAB_DIR/gobgpd.log" | tail -20
		lab_die "gobgpd did not answer on its API socket within 30 s (or exited)"
	fi
	lab_log "gobgpd: $(gobgpd --version 2>&1 | head -1), AS $(gobgp_cmd global | awk '/^AS:/ { print $2 }')"
}

# gobgp_cmd ARGS...: the gobgp CLI against our gobgpd, in ctl
gobgp_cmd() {
	in_ns "$NS_CTL" gobgp --target "unix://$LAB_GOBGP_SOCK" "$@"
}

# gobgpd_stop: SIGTERM (GoBGP sends Cease / Peer De-configured), wait for exit
gobgpd_stop() {
	local pid i
	pid=$(cat "$LAB_DIR/gobgpd.pid" 2>/dev/null) || return 0
	kill -TERM "$pid" 2>/dev/null
	for ((i = 0; i < 100; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	wait "$pid" 2>/dev/null
	kill -0 "$pid" 2>/dev/null && lab_die "gobgpd ($pid) still runs 10 s after SIGTERM"
	rm -f "$LAB_DIR/gobgpd.pid"
}

# capture_nlris KIND [FAMILY]: NLRIs (not UPDATEs) of announce | withdraw in
# the capture, for "ipv4 flow", "ipv6 flow" or both
capture_nlris() {
	"$LAB_PY" "$LAB_HERE/capture.py" "$LAB_CAPTURE" nlris "$1" "${2:-}"
}

# capture_last_time KIND: ExaBGP's "time" of the last message of a kind
# (announce | withdraw | up | down), 0 when none
capture_last_time() {
	"$LAB_PY" "$LAB_HERE/capture.py" "$LAB_CAPTURE" last-time "$1"
}

# ------------------------------------------------------------- checks ----
# Shared by the lab tests: one line per check, counted in PASS and FAIL.
PASS=${PASS:-0} FAIL=${FAIL:-0}
ok() { PASS=$((PASS + 1)); echo "ok   $*"; }
nok() { FAIL=$((FAIL + 1)); echo "FAIL $*"; }
check() { if eval "$2"; then ok "$1"; else nok "$1"; fi; }

# run_probes PHASE TABLE IDBASE: send, judge, compare counters
run_probes() {
	local phase=$1 table=$2 base=$3 name fam re want got before line
	local seen=$LAB_DIR/seen$phase.txt ctr=$LAB_DIR/ctr$phase.txt
	: >"$LAB_DIR/before$phase.txt"
	while read -r name fam re; do
		echo "$name $(rule_pkts "$fam" "$re")" >>"$LAB_DIR/before$phase.txt"
	done <"$LAB_DIR/counters.txt"
	sniff_start "$seen"
	probes_send "$table" "$base"
	sniff_stop
	echo "## phase $phase: probes (route, expectation, packet -> observed at srv)"
	probes_judge "$table" "$base" "$seen" "$ctr" >"$LAB_DIR/judge$phase.txt"
	cat "$LAB_DIR/judge$phase.txt"
	PASS=$((PASS + $(grep -c '^ok ' "$LAB_DIR/judge$phase.txt")))
	FAIL=$((FAIL + $(grep -c '^FAIL ' "$LAB_DIR/judge$phase.txt")))
	[ -s "$ctr" ] || return 0
	echo "## phase $phase: kernel packet counters (growth = matching probes)"
	while read -r name want; do
		line=$(grep "^$name " "$LAB_DIR/counters.txt") || { nok "counter $name: no regex"; continue; }
		read -r _ fam re <<<"$line"
		before=$(awk -v n="$name" '$1 == n { print $2 }' "$LAB_DIR/before$phase.txt")
		got=$(($(rule_pkts "$fam" "$re") - before))
		if [ "$got" = "$want" ]; then
			ok "counter $name v$fam /$re/ grew by $got"
		else
			nok "counter $name v$fam /$re/ grew by $got, want $want"
		fi
	done <"$ctr"
}

# ------------------------------------------------------- NFLOG consumer ----
# ulogd_start GROUP OUT: ulogd2 in rtr, in the foreground, as an operator runs
# it for the sample action: NFLOG group GROUP -> BASE -> IFINDEX -> IP2STR ->
# PRINTPKT -> LOGEMU, one line per logged packet written to OUT.  Its config,
# pid file and own log are in the temp dir (nothing in /etc, /var or /run);
# returns when rtr's kernel shows the nfnetlink_log instance for GROUP bound
# (/proc/net/netfilter/nfnetlink_log, which is per namespace).
ulogd_start() {
	local group=$1 out=$2 dir="" p i
	for dir in /usr/lib/*/ulogd /usr/lib/ulogd; do
		[ -e "$dir/ulogd_inppkt_NFLOG.so" ] && break
	done
	[ -e "$dir/ulogd_inppkt_NFLOG.so" ] || lab_die "ulogd2's plugins not found (tests/install-deps.sh)"
	{
		printf '[global]\nlogfile="%s"\nloglevel=3\n' "$LAB_DIR/ulogd.log"
		for p in inppkt_NFLOG raw2packet_BASE filter_IFINDEX filter_IP2STR filter_PRINTPKT output_LOGEMU; do
			printf 'plugin="%s/ulogd_%s.so"\n' "$dir" "$p"
		done
		printf 'stack=log1:NFLOG,base1:BASE,ifi1:IFINDEX,ip2str1:IP2STR,print1:PRINTPKT,emu1:LOGEMU\n'
		printf '\n[log1]\ngroup=%s\n\n[emu1]\nfile="%s"\nsync=1\n' "$group" "$out"
	} >"$LAB_DIR/ulogd.conf"
	: >"$out"
	# ip netns exec execs in place: $! is ulogd's pid (ulogd -p writes it too)
	ip netns exec "$NS_RTR" ulogd -c "$LAB_DIR/ulogd.conf" -p "$LAB_DIR/ulogd-own.pid" \
		>"$LAB_DIR/ulogd.out" 2>&1 &
	echo $! >"$LAB_DIR/ulogd.pid"
	for ((i = 0; i < 100; i++)); do
		# shellcheck disable=SC2016 # awk's own $1
		in_ns "$NS_RTR" awk -v g="$group" '$1 == g { f = 1 } END { exit !f }' \
			/proc/net/netfilter/nfnetlink_log 2>/dev/null && break
		kill -0 "$(cat "$LAB_DIR/ulogd.pid")" 2>/dev/null || break
		sleep 0.1
	done
	if [ "$i" -ge 100 ] || ! kill -0 "$(cat "$LAB_DIR/ulogd.pid")" 2>/dev/null; then
		sed 's/^/#   ulogd: /' "$LAB_DIR/ulogd.out" "$LAB_DIR/ulogd.log" 2>/dev/null | tail -20
		lab_die "ulogd did not bind NFLOG group $group in $NS_RTR within 10 s (or exited)"
	fi
	lab_log "ulogd: $(ulogd -V 2>&1 | head -1), pid $(cat "$LAB_DIR/ulogd.pid"), NFLOG group $group in $NS_RTR -> $out"
}

# ulogd_stop: SIGTERM, wait for it to exit (fails when it does not in 5 s)
ulogd_stop() {
	local pid i
	pid=$(cat "$LAB_DIR/ulogd.pid" 2>/dev/null) || return 0
	kill -TERM "$pid" 2>/dev/null
	for ((i = 0; i < 50; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	wait "$pid" 2>/dev/null
	kill -0 "$pid" 2>/dev/null && return 1
	rm -f "$LAB_DIR/ulogd.pid"
}
