# shellcheck shell=bash disable=SC2034 # sets variables demo.sh reads
# Helpers for examples/demo.sh, on top of tests/integration/lib.sh (which
# builds the namespaces and starts BIRD and ExaBGP; this file only adds what
# the demo needs and changes nothing there).  Source this file, then, after
# demo_build has set FS_INJECTOR, lib.sh.
#
#   demo_build                 install deps, build build/ (unless FS_DEMO_NO_BUILD)
#   demo_check_files           every file in examples/ is in examples/README.md
#   demo_traps                 cleanup on EXIT/INT/TERM, with a check that all is gone
#   demo_flood_start / _stop   the traffic sender in cli (examples/flood.py send)
#   demo_watch SECONDS         count arrivals at the victim, one line a second
#   demo_bird announce|withdraw  birdc configure with / without the demo route
#   demo_wait_rule present|absent  wait for the route's rule in rtr's kernel
#   demo_status                flowspec-injector status in rtr, indented

DEMO_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
DEMO_TOP=$(cd "$DEMO_HERE/.." && pwd)

# The lab's cast (lib.sh routes 198.19.0.0/16 from rtr to srv)
VICTIM=198.19.0.10                 # the host under attack, in srv
NEIGHBOUR=198.19.0.11              # another host in srv, not attacked
REFLECTORS=198.18.1.101,198.18.1.102,198.18.1.103,198.18.1.104,198.18.1.105   # in cli's /24
CLIENT=198.18.1.2                  # cli's own address: normal traffic
FLOOD_RATE=200                     # flood packets per second
BG_RATE=10                         # per second, each kind of normal traffic
FLOOD_MAX_SECONDS=90               # the sender stops by itself after this

demo_h() { printf '\n== %s\n' "$*"; }
demo_say() { printf '   %s\n' "$*"; }
demo_indent() { sed 's/\t/    /g; s/^/     /'; }
demo_fail() {
	printf '\nDEMO FAILED: %s\n' "$*" >&2
	[ -n "${LAB_DIR:-}" ] && [ -z "${FS_INTEG_KEEP:-}" ] &&
		printf '(FS_INTEG_KEEP=1 keeps the lab temp dir: daemon and injector logs)\n' >&2
	exit 1
}
demo_ms() { date +%s%3N; }

# demo_build: Debian packages (tests/install-deps.sh) and a Release build of
# flowspec-injector in build/; sets FS_INJECTOR.  FS_DEMO_NO_BUILD=1 skips
# both (CTest: FS_INJECTOR is the binary it built).
demo_build() {
	if [ -n "${FS_DEMO_NO_BUILD:-}" ]; then
		FS_INJECTOR=${FS_INJECTOR:-$DEMO_TOP/build/injector/flowspec-injector}
		demo_say "FS_DEMO_NO_BUILD set: using $FS_INJECTOR"
	else
		local log
		log=$(mktemp /tmp/fsacl-demo-build.XXXXXX) || demo_fail "mktemp"
		demo_say "installing packages (tests/install-deps.sh) ..."
		"$DEMO_TOP/tests/install-deps.sh" >"$log" 2>&1 ||
			{ tail -20 "$log"; rm -f "$log"; demo_fail "tests/install-deps.sh failed"; }
		# the lab sets sysctls in its namespaces; minimal images lack procps
		if ! command -v sysctl >/dev/null; then
			DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
				procps >"$log" 2>&1 || { tail -20 "$log"; rm -f "$log"; demo_fail "apt-get install procps failed"; }
		fi
		demo_say "building flowspec-injector (cmake Release, build/) ..."
		{ cmake -S "$DEMO_TOP" -B "$DEMO_TOP/build" -DCMAKE_BUILD_TYPE=Release &&
			cmake --build "$DEMO_TOP/build" -j "$(nproc 2>/dev/null || echo 2)" \
				--target flowspec-injector; } >"$log" 2>&1 ||
			{ tail -30 "$log"; rm -f "$log"; demo_fail "build failed"; }
		rm -f "$log"
		FS_INJECTOR=$DEMO_TOP/build/injector/flowspec-injector
	fi
	# ExaBGP starts its process from its own working directory
	local abs
	abs=$(realpath "$FS_INJECTOR" 2>/dev/null)
	if [ -z "$abs" ] || ! [ -x "$abs" ]; then
		demo_fail "no flowspec-injector binary at $FS_INJECTOR"
	fi
	FS_INJECTOR=$abs
}

# demo_check_files: every file in examples/ has its row in examples/README.md
# (the project rule: each file there is described, and loaded by a test)
demo_check_files() {
	local f
	for f in "$DEMO_HERE"/*; do
		[ -f "$f" ] || continue
		f=${f##*/}
		grep -q "^| \`$f\` |" "$DEMO_HERE/README.md" ||
			demo_fail "examples/README.md does not describe examples/$f"
	done
}

# demo_traps: replace lib.sh's traps with ones that tear the lab down and
# then check that nothing of it is left (namespaces, processes, temp dir).
demo_traps() {
	trap 'demo_rc=$?; demo_cleanup; exit $demo_rc' EXIT
	trap 'echo; echo "interrupted"; exit 130' INT
	trap 'exit 143' TERM
}
demo_cleanup() {
	trap - EXIT INT TERM
	lab_teardown
	local ns left=
	for ns in $LAB_NSS; do
		ip netns list 2>/dev/null | grep -qw "$ns" && left="$left namespace $ns;"
	done
	[ -d "$LAB_DIR" ] && [ -z "${FS_INTEG_KEEP:-}" ] && left="$left dir $LAB_DIR;"
	if [ -n "$left" ]; then
		printf 'DEMO FAILED: cleanup left:%s\n' "$left" >&2
		[ "$demo_rc" = 0 ] && demo_rc=1
	else
		printf '\n   cleanup: namespaces, processes and %s removed\n' "$LAB_DIR"
	fi
}

# demo_flood_start: the sender in cli, in the background, bounded by
# FLOOD_MAX_SECONDS; demo_flood_stop kills it (by its pid)
demo_flood_start() {
	rm -f "$LAB_DIR/flood.ready"
	ip netns exec "$NS_CLI" "$LAB_PY" "$DEMO_HERE/flood.py" send --iface "$CLI_IF" \
		--smac "$CLI_MAC" --dmac "$RTR_CLI_MAC" --victim "$VICTIM" --neighbour "$NEIGHBOUR" \
		--reflectors "$REFLECTORS" --client "$CLIENT" --rate "$FLOOD_RATE" \
		--bg-rate "$BG_RATE" --seconds "$FLOOD_MAX_SECONDS" --ready "$LAB_DIR/flood.ready" \
		>"$LAB_DIR/flood.log" 2>&1 &
	echo $! >"$LAB_DIR/flood.pid"
	lab_wait 10 "the traffic sender in cli" test -e "$LAB_DIR/flood.ready"
}
demo_flood_stop() {
	local pid
	pid=$(cat "$LAB_DIR/flood.pid" 2>/dev/null) || return 0
	kill -TERM "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	rm -f "$LAB_DIR/flood.pid"
}

# demo_watch SECONDS: the sniffer in srv prints what reaches the victim each
# second; afterwards W_FLOOD W_QUERY W_MDNS W_NEIGHBOUR hold the totals
demo_watch() {
	local sum=$LAB_DIR/watch.sum
	rm -f "$sum"
	kill -0 "$(cat "$LAB_DIR/flood.pid")" 2>/dev/null || demo_fail "the traffic sender is not running"
	ip netns exec "$NS_SRV" "$LAB_PY" "$DEMO_HERE/flood.py" count --iface "$SRV_IF" \
		--victim "$VICTIM" --neighbour "$NEIGHBOUR" --seconds "$1" --summary "$sum" ||
		demo_fail "the sniffer in srv failed"
	[ -s "$sum" ] || demo_fail "the sniffer in srv wrote no summary"
	local kv line
	W_FLOOD=0 W_QUERY=0 W_MDNS=0 W_NEIGHBOUR=0
	read -r line <"$sum"
	for kv in $line; do
		case $kv in
		flood=*) W_FLOOD=${kv#*=} ;;
		query=*) W_QUERY=${kv#*=} ;;
		mdns=*) W_MDNS=${kv#*=} ;;
		neighbour=*) W_NEIGHBOUR=${kv#*=} ;;
		esac
	done
}

# demo_bird announce|withdraw: birdc configure with the route line tagged
# @demo uncommented (announce) or bird-demo.conf as it is (withdraw)
demo_bird() {
	local conf=$LAB_DIR/bird-$1.conf out
	case $1 in
	announce) sed 's/^\( *\)#@demo /\1/' "$DEMO_HERE/bird-demo.conf" >"$conf" ;;
	withdraw) cp "$DEMO_HERE/bird-demo.conf" "$conf" ;;
	esac
	cp "$conf" "$LAB_DIR/bird.conf" || demo_fail "cannot write the BIRD config"
	out=$(birdc_cmd configure 2>&1)
	echo "$out" | grep -q Reconfigured || demo_fail "birdc configure: $out"
	demo_say "\$ birdc configure"
	echo "$out" | grep -v '^BIRD .* ready\.$' | demo_indent
}

# demo_wait_rule present|absent: poll rtr's FLOWSPEC chain for the victim's
# rule (at most 10 s)
demo_rule_there() { ipt 4 -S FLOWSPEC 2>/dev/null | grep -q -- "-d $VICTIM/32 "; }
demo_wait_rule() {
	local i
	for ((i = 0; i < 500; i++)); do
		if demo_rule_there; then
			[ "$1" = present ] && break
		else
			[ "$1" = absent ] && break
		fi
		sleep 0.02
	done
	[ "$i" -lt 500 ] || demo_fail "the victim's rule is not $1 in the router's kernel after 10 s (injector log: $(tail -3 "$LAB_DIR/injector.live.log"))"
}

# demo_normal_arrives STEP: every kind of normal traffic reached srv in the
# last demo_watch
demo_normal_arrives() {
	local kv
	for kv in "NTP query:$W_QUERY" "mDNS:$W_MDNS" "NTP to the neighbour:$W_NEIGHBOUR"; do
		[ "${kv##*:}" -gt 0 ] || demo_fail "step $1: no ${kv%:*} traffic arrived (it must always pass)"
	done
}

# demo_status LABEL: flowspec-injector status -4 in rtr, without its "IPv4: last commit ..."
# title line; DEMO_PKTS is the packet counter of the victim's route
demo_status() {
	local out
	out=$(in_ns "$NS_RTR" "$LAB_INJECTOR" -q status -4 --state-dir "$LAB_DIR" 2>&1) ||
		demo_fail "flowspec-injector status: $out"
	printf '   %s $ flowspec-injector status -4\n' "$1"
	echo "$out" | grep -v '^IPv4: last commit ' | demo_indent
	DEMO_PKTS=$(echo "$out" | awk -v v="dst $VICTIM/32" 'index($0, v) { print $3; exit }')
	[ -n "$DEMO_PKTS" ] || demo_fail "status does not list the route for $VICTIM"
}

# the injector's last commit, as it logged it
demo_last_commit() {
	grep 'IPv4 committed' "$LAB_DIR/injector.live.log" | tail -1 |
		sed 's/^.*\(IPv4 committed\)/\1/; s/ (through input line.*//'
}
