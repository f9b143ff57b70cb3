#!/bin/bash
# Fault tests of the live flowspec-injector against the real kernel, in
# network namespaces this script creates and always deletes (README.md here):
#   1. kill -9 in the middle of a burst, restart with the full input
#   2. peer flap x FS_FLAPS (default 100) through real BIRD 2 -> ExaBGP 4.2
#   3. a concurrent iptables-legacy -w writer (1000 rules) during 1000 commits
#   4. the xtables lock held longer than --lock-wait with a change pending
#   5. the kernel refusing the table (LD_PRELOAD shim, ENOMEM)
# Usage: fault.sh INJECTOR   (absolute path; ExaBGP starts it)
# Env: FS_FLAPS (default 100), FS_FAULT_ONLY="1 3" (run some scenarios),
#      FS_ASAN=1 (treat the binary as sanitized: RSS growth only reported).
# Exits 77 when not root or a tool/daemon is missing; 1 when a check failed.
# shellcheck disable=SC2016 # check's tests are single-quoted on purpose
set -u
inj=${1:?usage: fault.sh INJECTOR}
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
case $inj in /*) ;; *) inj=$(cd "$(dirname "$inj")" && pwd)/$(basename "$inj") ;; esac
[ "$(id -u)" = 0 ] || { echo "skipped: needs root for network namespaces"; exit 77; }
for t in ip iptables-legacy ip6tables-legacy iptables-legacy-save ip6tables-legacy-save \
	iptables-legacy-restore ip6tables-legacy-restore python3 bird birdc exabgp cc flock; do
	command -v "$t" >/dev/null || { echo "skipped: $t not installed"; exit 77; }
done
[ -x "$inj" ] || { echo "FAIL: injector $inj not executable"; exit 1; }
FLAPS=${FS_FLAPS:-100}
ONLY=${FS_FAULT_ONLY:-1 2 3 4 5}
ASAN=${FS_ASAN:-0}
{ ldd "$inj" 2>/dev/null | grep -q libasan || nm "$inj" 2>/dev/null | grep -q __asan_init; } && ASAN=1
GEN="python3 $HERE/gen.py"

ID=$$
NS=fsf-main-$ID   # scenarios 1, 3, 4, 5: the injector's namespace
REF=fsf-ref-$ID   # where dry-run documents are restored, to compare normalized
CTL=fsf-ctl-$ID   # scenario 2: BIRD
RTR=fsf-rtr-$ID   # scenario 2: ExaBGP + injector
NSS="$NS $REF $CTL $RTR"
tmp=$(mktemp -d /tmp/fsacl-fault.XXXXXX)
chmod 755 "$tmp"
pids=()
# shellcheck source=../integration/lib.sh
. "$TOP/tests/integration/lib.sh" # ns_reap
cleanup() {
	local p
	exec 7>&- 2>/dev/null
	for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
	# shellcheck disable=SC2086 # one namespace per word
	ns_reap $NSS
	if [ -n "${FS_FAULT_KEEP:-}" ]; then echo "# kept $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
export XTABLES_LOCKFILE="$tmp/xtables.lock"
LOCK=$XTABLES_LOCKFILE
for n in $NS $REF; do ip netns add "$n" || { echo "FAIL: cannot create namespace $n"; exit 1; }; done

pass=0 fail=0
check() { if eval "$2"; then pass=$((pass + 1)); echo "ok   $1"; else fail=$((fail + 1)); echo "FAIL $1"; fi; }
note() { printf '# %s\n' "$*"; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }
wait_for() { # CONDITION TENTHS: poll every 0.1 s
	local i
	for ((i = 0; i < $2; i++)); do eval "$1" && return 0; sleep 0.1; done
	eval "$1"
}
want() { [[ " $ONLY " == *" $1 "* ]]; }

# --- the kernel's view, normalized -----------------------------------------
save() { # NS FAM TABLE: save without comments and counters
	local s=iptables-legacy-save
	[ "$2" = 6 ] && s=ip6tables-legacy-save
	ip netns exec "$1" "$s" -t "$3" 2>/dev/null | grep -v '^#' | sed 's/ \[[0-9]*:[0-9]*\]$//'
}
snapshot() { # NS: both families, filter and mangle, exactly (counters included)
	local f s
	for f in 4 6; do
		s=iptables-legacy-save
		[ $f = 6 ] && s=ip6tables-legacy-save
		ip netns exec "$1" "$s" 2>/dev/null | grep -v '^#'
	done
}
nrules() { # NS FAM: rules in our chains (filter and mangle)
	{ save "$1" "$2" filter; save "$1" "$2" mangle; } | grep -c '^-A FLOWSPEC'
}
# expect FILE DIRNAME [ARGS...]: the dry-run documents of FILE (the injector
# given ARGS too) restored into a fresh REF namespace and saved back (same
# normalization as the live side)
expect() {
	local in=$1 name=$2 f r
	shift 2
	ip netns del "$REF" 2>/dev/null
	ip netns add "$REF"
	for f in 4 6; do
		r=iptables-legacy-restore
		[ $f = 6 ] && r=ip6tables-legacy-restore
		"$inj" -q --dry-run -$f "$@" <"$in" >"$tmp/$name.doc$f" 2>/dev/null || return 1
		ip netns exec "$REF" "$r" <"$tmp/$name.doc$f" || return 1
		{ save "$REF" $f filter; save "$REF" $f mangle; } >"$tmp/$name.want$f"
	done
}
live_is() { # NS DIRNAME: the live tables equal the expectation (both families)
	local f
	for f in 4 6; do
		# chains of other writers (scenario 3's OTHER) are not ours to compare
		{ save "$1" $f filter; save "$1" $f mangle; } | grep -v -E '^(:|-A )OTHER( |$)' >"$tmp/$2.got$f"
		cmp -s "$tmp/$2.got$f" "$tmp/$2.want$f" || return 1
	done
}
# start FIFO LOG ARGS...: the live injector in $NS reading a FIFO kept open
# on fd 7, with the environment START_ENV (NAME=VALUE words) added
START_ENV=()
start() {
	local fifo=$1 log=$2
	shift 2
	rm -f "$fifo"
	mkfifo "$fifo"
	ip netns exec "$NS" env "${START_ENV[@]}" "$inj" --state-dir "$tmp/state" "$@" <"$fifo" 2>>"$log" &
	IPID=$!
	pids+=("$IPID")
	exec 7>"$fifo"
}
stop() { # kill the injector started last (and close its input)
	kill -9 "$IPID" 2>/dev/null
	wait "$IPID" 2>/dev/null
	exec 7>&-
}
commits() { grep -c 'IPv[46] committed' "$1" 2>/dev/null; }
T_ALL=$(now)
note "injector $inj$([ "$ASAN" = 1 ] && echo ' (ASan build)'), namespaces $NSS, temp $tmp"

# ============================================================================
# 1. kill -9 in the middle of a burst, restart with the full input
if want 1; then
	T=$(now)
	note "== 1. kill -9 mid-burst"
	in1=$tmp/burst.jsonl
	$GEN burst 3000 7 >"$in1"
	total=$(wc -l <"$in1")
	expect "$in1" s1 || { echo "FAIL dry-run/restore of the burst"; exit 1; }
	w4=$(grep -c '^-A FLOWSPEC' "$tmp/s1.want4") w6=$(grep -c '^-A FLOWSPEC' "$tmp/s1.want6")
	log=$tmp/s1.log
	start "$tmp/f1" "$log" --window 5 --max-delay 20
	# 20 lines every 10 ms: ~1.6 s for the burst, commits every few ms
	$GEN stream "$in1" "$tmp/s1.progress" 20 10 >&7 &
	writer=$!
	pids+=("$writer")
	exec 7>&-
	wait_for '[ "$(commits "$log")" -ge 1 ]' 100
	sleep 0.1 # a few more commits: the kill lands among them
	done_at_kill=$(cat "$tmp/s1.progress" 2>/dev/null || echo 0)
	writer_alive=0
	kill -0 "$writer" 2>/dev/null && writer_alive=1
	c_at_kill=$(commits "$log")
	kill -9 "$IPID"
	wait "$IPID" 2>/dev/null
	wait "$writer" 2>/dev/null
	k4=$(nrules "$NS" 4) k6=$(nrules "$NS" 6)
	note "killed after $c_at_kill commits, $done_at_kill of $total lines written; kernel then: $k4 + $k6 rules (final: $w4 + $w6)"
	check "kill -9 landed mid-stream (>= 1 commit seen, writer still writing, $done_at_kill < $total lines)" \
		'[ "$c_at_kill" -ge 1 ] && [ "$writer_alive" = 1 ] && [ "$done_at_kill" -lt "$total" ]'
	check "the kernel kept a partial table after kill -9 ($k4 + $k6 rules != $w4 + $w6)" \
		'[ "$k4" != "$w4" ] || [ "$k6" != "$w6" ]'
	# restart: the full input (its end-of-RIB inside), input kept open
	start "$tmp/f1b" "$tmp/s1b.log" --window 5 --max-delay 20
	cat "$in1" >&7
	check "after restart the live tables equal the dry-run documents, both families (filter + mangle)" \
		'wait_for "live_is $NS s1" 200'
	g4=$(grep -c '^-A FLOWSPEC' "$tmp/s1.got4") g6=$(grep -c '^-A FLOWSPEC' "$tmp/s1.got6")
	d4=$(grep '^-A' "$tmp/s1.got4" | sort | uniq -d | wc -l)
	d6=$(grep '^-A' "$tmp/s1.got6" | sort | uniq -d | wc -l)
	lost=$(cat "$tmp/s1.want4" "$tmp/s1.want6" | grep '^-A' | sort -u |
		comm -23 - <(cat "$tmp/s1.got4" "$tmp/s1.got6" | grep '^-A' | sort -u) | wc -l)
	chains=$(cat "$tmp/s1.got4" "$tmp/s1.got6" | grep -c '^:FLOWSPEC')
	wchains=$(cat "$tmp/s1.want4" "$tmp/s1.want6" | grep -c '^:FLOWSPEC')
	note "restart: $g4 IPv4 + $g6 IPv6 rules (want $w4 + $w6), $d4 + $d6 duplicates, $lost lost, $chains chains of ours (want $wchains)"
	check "zero duplicate rules" '[ "$d4" = 0 ] && [ "$d6" = 0 ]'
	check "zero lost routes (every expected rule present)" '[ "$lost" = 0 ]'
	check "no stale chain of ours (FLOWSPEC chains exactly those of the dry run)" '[ "$chains" = "$wchains" ]'
	j=$(save "$NS" 4 filter | grep -c -- '-A FORWARD -j FLOWSPEC$')
	check "exactly one jump from FORWARD" '[ "$j" = 1 ]'
	stop
	note "scenario 1: $(since "$T") s"
fi

# ============================================================================
# 3. a concurrent iptables-legacy -w writer while we make 1000 commits
if want 3; then
	T=$(now)
	note "== 3. concurrent writer: 1000 foreign rules vs 1000 of our commits"
	ip netns exec "$NS" iptables-legacy -N OTHER
	in3=$tmp/seq.jsonl
	$GEN seq 1000 >"$in3"
	expect "$in3" s3 || { echo "FAIL dry-run/restore of the sequence"; exit 1; }
	log=$tmp/s3.log
	start "$tmp/f3" "$log" --window 0 --max-delay 0 --keep-on-exit
	head -4 "$in3" >&7 # connected, up, end-of-RIB x2: the first (empty) commit
	wait_for '[ "$(commits "$log")" -ge 1 ]' 50
	base=$(commits "$log")
	for i in $(seq 1 1000); do echo "-A OTHER -s 198.18.$((i / 250)).$((i % 250 + 1))/32 -p tcp -m tcp --dport $((2000 + i)) -j RETURN"; done >"$tmp/other.want"
	# the other writer: one iptables-legacy -w per rule, our lock file
	(
		while read -r rule; do
			# shellcheck disable=SC2086 # the rule's words
			ip netns exec "$NS" iptables-legacy -w $rule || echo "writer: failed: $rule"
		done <"$tmp/other.want" >"$tmp/writer.log" 2>&1
		echo "done" >>"$tmp/writer.log"
	) &
	wpid=$!
	pids+=("$wpid")
	tw=$(now)
	$GEN drive "$in3" "$log" 4 3 >&7 2>"$tmp/drive.log"
	td=$(since "$tw")
	wait "$wpid"
	tww=$(since "$tw")
	ours=$(($(commits "$log") - base))
	note "$(cat "$tmp/drive.log"); our 1000 changes took ${td} s, the writer ${tww} s"
	other=$(ip netns exec "$NS" iptables-legacy -S OTHER | grep -- '^-A OTHER')
	check "all 1000 of the other writer's rules present and exact, in order" \
		'[ "$other" = "$(cat "$tmp/other.want")" ] && ! grep -q failed "$tmp/writer.log"'
	check "ours exactly the desired state (dry run of the same 1000 changes)" 'wait_for "live_is $NS s3" 50'
	check "our commit count >= 990 of 1000 changes ($ours commits)" '[ "$ours" -ge 990 ]'
	stop
	ip netns exec "$NS" iptables-legacy -F OTHER
	ip netns exec "$NS" iptables-legacy -X OTHER
	note "scenario 3: $(since "$T") s"
fi

# ============================================================================
# 4. the lock held longer than --lock-wait while a change is pending
if want 4; then
	T=$(now)
	note "== 4. xtables lock held longer than --lock-wait"
	in4=$tmp/s4.jsonl
	$GEN seq 20 >"$in4"
	log=$tmp/s4.log
	start "$tmp/f4" "$log" --lock-wait 300 --window 0 --max-delay 0 --keep-on-exit
	cat "$in4" >&7
	expect "$in4" s4 || exit 1
	check "the first 20 changes are committed" 'wait_for "live_is $NS s4" 50'
	{ cat "$in4"; $GEN line 9000; $GEN line 9010; } >"$tmp/s4b.jsonl"
	expect "$tmp/s4b.jsonl" s4b || exit 1 # restores into REF: not while the lock is held
	before=$(snapshot "$NS")
	# another process holds the lock (flock(2), as iptables does) for as long as we like
	rm -f "$tmp/held"
	(exec 9>>"$LOCK"; flock 9; : >"$tmp/held"; exec sleep 60) &
	holder=$!
	pids+=("$holder")
	wait_for '[ -e "$tmp/held" ]' 50
	e0=$(grep -c 'is held by another process' "$log")
	th=$(now)
	$GEN line 9000 >&7
	check "a clear error in the log (xtables lock ... is held by another process for more than 300 ms)" \
		'wait_for "grep -q \"xtables lock $LOCK is held by another process for more than 300 ms\" \"$log\"" 30'
	sleep 2 # the holder keeps it > 6 x --lock-wait: retries fail meanwhile
	e1=$(($(grep -c 'is held by another process' "$log") - e0))
	held=$(since "$th")
	check "the tables are byte-identical while the lock is held (${held} s)" '[ "$(snapshot "$NS")" = "$before" ]'
	check "the injector is alive" 'kill -0 "$IPID"'
	check "it retries at a steady pace, no log flood ($e1 lock errors in ${held} s)" '[ "$e1" -ge 1 ] && [ "$e1" -le 10 ]'
	# and it still reads its input while it waits: one more change queued
	$GEN line 9010 >&7
	tr=$(now)
	kill "$holder"
	wait "$holder" 2>/dev/null
	check "after the lock is released the pending changes land without a restart" 'wait_for "live_is $NS s4b" 50'
	note "landed $(since "$tr") s after the release; same process: $(kill -0 "$IPID" && echo yes)"
	stop
	note "scenario 4: $(since "$T") s"
fi

# ============================================================================
# 5. the kernel refuses the table (IPT_SO_SET_REPLACE -> ENOMEM, LD_PRELOAD)
if want 5; then
	T=$(now)
	note "== 5. kernel commit failure (LD_PRELOAD shim: SO_SET_REPLACE -> ENOMEM)"
	if ! cc -shared -fPIC -O2 -o "$tmp/fail-commit.so" "$HERE/fail-commit.c" -ldl 2>"$tmp/cc.log"; then
		cat "$tmp/cc.log"
		check "the shim builds" false
	else
		in5=$tmp/s5.jsonl
		$GEN seq 10 >"$in5"
		log=$tmp/s5.log
		flag=$tmp/fail.flag
		rm -f "$flag"
		echo 'protected-prefixes: []' >"$tmp/s5.yaml"
		START_ENV=(LD_PRELOAD="$tmp/fail-commit.so" FS_FAIL_COMMIT_FLAG="$flag"
			ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0")
		start "$tmp/f5" "$log" -c "$tmp/s5.yaml" --window 0 --max-delay 0 --keep-on-exit
		START_ENV=()
		cat "$in5" >&7
		expect "$in5" s5 || exit 1
		check "with the shim loaded but no flag, commits work" 'wait_for "live_is $NS s5" 50'
		{ cat "$in5"; $GEN line 9100; $GEN line 9110; } >"$tmp/s5b.jsonl"
		expect "$tmp/s5b.jsonl" s5b || exit 1
		before=$(snapshot "$NS")
		: >"$flag"
		f0=$(grep -c 'commit failed' "$log")
		tf=$(now)
		$GEN line 9100 >&7
		check "a new route while failing: an error naming the cause in the log" \
			'wait_for "grep -q \"IPv4 commit failed, the kernel keeps its previous rules: .*\(Memory allocation problem\|Cannot allocate memory\)\" \"$log\"" 30'
		sleep 2
		f1=$(($(grep -c 'commit failed' "$log") - f0))
		failing=$(since "$tf")
		grep -m1 'commit failed' "$log" | sed 's/^/#   log: /'
		check "the tables are byte-identical while failing (${failing} s)" '[ "$(snapshot "$NS")" = "$before" ]'
		check "the injector is alive" 'kill -0 "$IPID"'
		check "it retries at a steady pace, no log flood ($f1 failures in ${failing} s)" '[ "$f1" -ge 1 ] && [ "$f1" -le 10 ]'
		# SIGHUP is still handled while failing (the loop still polls)
		kill -HUP "$IPID"
		check "SIGHUP is still handled while failing" 'wait_for "grep -q \"SIGHUP: re-rendering\" \"$log\"" 30'
		rm -f "$flag"
		tr=$(now)
		$GEN line 9110 >&7
		check "flag removed: the next change commits and the chain is exactly right" 'wait_for "live_is $NS s5b" 50'
		note "recovered $(since "$tr") s after the flag was removed"
		# a SIGHUP whose commit fails is retried too, with no new input: a
		# new configuration protects 198.19.36.0/24, so routes 9100 and 9110
		# (198.19.36.101 and .111, discards) must go once commits work again
		echo 'protected-prefixes: [ "198.19.36.0/24" ]' >"$tmp/s5c.yaml"
		expect "$tmp/s5b.jsonl" s5c -c "$tmp/s5c.yaml" || exit 1
		check "the new configuration changes the rules (the test can tell)" \
			'! cmp -s "$tmp/s5b.want4" "$tmp/s5c.want4"'
		before=$(snapshot "$NS")
		: >"$flag"
		cp "$tmp/s5c.yaml" "$tmp/s5.yaml"
		f0=$(grep -c 'commit failed' "$log")
		kill -HUP "$IPID"
		check "the SIGHUP's commit fails while the flag is there" \
			'wait_for "[ \$(grep -c \"commit failed\" \"$log\") -gt $f0 ]" 30'
		check "the tables are byte-identical meanwhile" '[ "$(snapshot "$NS")" = "$before" ]'
		rm -f "$flag"
		tr=$(now)
		check "flag removed, no new input: the SIGHUP's commit is retried and lands" \
			'wait_for "live_is $NS s5c" 50'
		note "the SIGHUP's state landed $(since "$tr") s after the flag was removed"
		stop
	fi
	note "scenario 5: $(since "$T") s"
fi

# ============================================================================
# 2. peer flap through real BIRD 2 -> ExaBGP 4.2 -> injector
if want 2; then
	T=$(now)
	note "== 2. peer flap x$FLAPS through BIRD 2 and ExaBGP 4.2"
	for n in $CTL $RTR; do ip netns add "$n"; ip -n "$n" link set lo up; done
	ip link add c0 netns "$CTL" type veth peer name r0 netns "$RTR"
	ip -n "$CTL" addr add 198.18.0.1/30 dev c0
	ip -n "$RTR" addr add 198.18.0.2/30 dev r0
	ip -n "$CTL" link set c0 up
	ip -n "$RTR" link set r0 up
	N4=20 N6=5
	{
		echo 'log stderr all;'
		echo 'router id 198.18.0.1;'
		echo 'flow4 table ft4; flow6 table ft6;'
		echo 'protocol device { }'
		echo 'protocol static fs4 { flow4 { table ft4; };'
		for i in $(seq 1 $N4); do
			echo "  route flow4 { dst 198.19.1.$i/32; proto = 17; dport = $((7000 + i)); } { bgp_ext_community.add((generic, 0x80060000, 0x00000000)); };"
		done
		echo '}'
		echo 'protocol static fs6 { flow6 { table ft6; };'
		for i in $(seq 1 $N6); do
			echo "  route flow6 { dst 2001:db8:d:1::$i/128; next header = 17; dport = $((7000 + i)); } { bgp_ext_community.add((generic, 0x80060000, 0x00000000)); };"
		done
		echo '}'
		echo 'protocol bgp exa {'
		# BIRD connects (1 s after enable), ExaBGP listens: ExaBGP's own
		# reconnect timer backs off after every reset (to 60 s by flap 20)
		echo '  local 198.18.0.1 as 65001; neighbor 198.18.0.2 as 65000;'
		echo '  strict bind on;'
		echo '  hold time 9; keepalive time 3; connect delay time 1; connect retry time 1;'
		echo '  error wait time 1,2; error forget time 1;'
		echo '  flow4 { table ft4; import none; export all; };'
		echo '  flow6 { table ft6; import none; export all; };'
		echo '}'
	} >"$tmp/bird.conf"
	ip netns exec "$CTL" bird -f -c "$tmp/bird.conf" -s "$tmp/bird.ctl" -P "$tmp/bird.pid" >"$tmp/bird.log" 2>&1 &
	pids+=($!)
	bc() { birdc -s "$tmp/bird.ctl" "$@"; }
	if ! wait_for '[ -S "$tmp/bird.ctl" ]' 100; then
		sed 's/^/#   bird: /' "$tmp/bird.log" | tail
		check "BIRD starts" false
	else
		: >"$tmp/capture.jsonl"
		cat >"$tmp/exabgp.conf" <<EOF
process capture {
    run $TOP/tests/integration/capture-jsonl.sh $tmp/capture.jsonl;
    encoder json;
}
process injector {
    run $TOP/tests/integration/run-injector.sh $tmp/s2.log $inj --state-dir $tmp/state2 --window 20;
    encoder json;
}
neighbor 198.18.0.1 {
    router-id 198.18.0.2;
    local-address 198.18.0.2;
    local-as 65000;
    peer-as 65001;
    passive true;
    listen 179;
    family { ipv4 flow; ipv6 flow; }
    api {
        processes [ capture injector ];
        neighbor-changes;
        receive { parsed; update; }
    }
}
EOF
		ip netns exec "$RTR" env exabgp.daemon.user=root exabgp.daemon.drop=false \
			exabgp.daemon.daemonize=false exabgp.api.cli=false exabgp.tcp.bind= \
			exabgp.log.destination=stdout XTABLES_LOCKFILE="$LOCK" \
			exabgp "$tmp/exabgp.conf" >"$tmp/exabgp.log" 2>&1 &
		pids+=($!)
		r4() { nrules "$RTR" 4; }
		r6() { nrules "$RTR" 6; }
		injpid() {
			local p
			for p in $(ip netns pids "$RTR"); do
				[ "$(readlink "/proc/$p/exe" 2>/dev/null)" = "$inj" ] && { echo "$p"; return; }
			done
		}
		rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null; }
		ups() { grep -c '"state": "up"' "$tmp/capture.jsonl"; }
		if ! wait_for '[ "$(r4)" -ge 1 ]' 300; then
			sed 's/^/#   exabgp: /' "$tmp/exabgp.log" | tail
			sed 's/^/#   bird: /' "$tmp/bird.log" | tail
			check "the session comes up and the routes are installed" false
		else
			wait_for '[ "$(r4)" = "$N4" ] && [ "$(r6)" = "$N6" ]' 100
			# the expectation: the dry run of what ExaBGP received
			expect "$tmp/capture.jsonl" s2 || exit 1
			W4=$(grep -c '^-A FLOWSPEC' "$tmp/s2.want4") W6=$(grep -c '^-A FLOWSPEC' "$tmp/s2.want6")
			check "session up: the live tables equal the dry run of the capture ($W4 + $W6 rules, $N4 + $N6 routes)" \
				'wait_for "live_is $RTR s2" 50 && [ "$W4" = "$N4" ] && [ "$W6" = "$N6" ]'
			P=$(injpid)
			note "injector pid $P, RSS $(rss "$P") KiB; BIRD $(bc show status | grep -m1 -o 'BIRD [0-9.]*')"
			bad_down=0 bad_up=0 restarted=0 tf=$(now) rss10='' rss_end=''
			for ((f = 1; f <= FLAPS; f++)); do
				u=$(ups)
				bc disable exa >/dev/null
				if ! wait_for '[ "$(r4)" = 0 ] && [ "$(r6)" = 0 ]' 100; then
					bad_down=$((bad_down + 1))
					note "flap $f: still $(r4) + $(r6) rules 10 s after the session went down"
				fi
				bc enable exa >/dev/null
				if ! wait_for '[ "$(ups)" -gt "$u" ] && [ "$(r4)" = "$W4" ] && [ "$(r6)" = "$W6" ]' 150; then
					bad_up=$((bad_up + 1))
					note "flap $f: $(r4) + $(r6) rules 15 s after enable (want $W4 + $W6)"
				fi
				[ "$(injpid)" = "$P" ] || restarted=$((restarted + 1))
				[ "$f" = 10 ] && rss10=$(rss "$P")
				if [ $((f % 25)) = 0 ]; then note "flap $f: $(since "$tf") s so far"; fi
			done
			rss_end=$(rss "$P")
			per=$(awk -v t="$(since "$tf")" -v n="$FLAPS" 'BEGIN { printf "%.2f", t / n }')
			note "$FLAPS flaps in $(since "$tf") s ($per s per flap); ExaBGP saw $(ups) ups, $(grep -c '"state": "down"' "$tmp/capture.jsonl") downs"
			check "after each of $FLAPS downs the chains emptied (no stale rule): $bad_down misses" '[ "$bad_down" = 0 ]'
			check "after each of $FLAPS ups the chains held exactly $W4 + $W6 rules: $bad_up misses" '[ "$bad_up" = 0 ]'
			check "the same injector process throughout (pid $P)" '[ "$restarted" = 0 ] && kill -0 "$P"'
			check "after the last flap the live tables equal the dry run exactly" 'wait_for "live_is $RTR s2" 50'
			if [ "$FLAPS" -ge 10 ] && [ -n "$rss10" ] && [ -n "$rss_end" ]; then
				grow=$((rss_end - rss10))
				note "RSS after flap 10: $rss10 KiB, after flap $FLAPS: $rss_end KiB, growth $grow KiB"
				if [ "$ASAN" = 1 ]; then
					note "ASan build: RSS growth only reported (the sanitizer's quarantine grows by design)"
				else
					check "RSS growth from flap 10 to flap $FLAPS below 512 KiB ($grow KiB)" '[ "$grow" -lt 512 ]'
				fi
			fi
		fi
	fi
	note "scenario 2: $(since "$T") s"
fi

note "total: $(since "$T_ALL") s"
echo "fault: $pass passed, $fail failed"
[ "$fail" = 0 ]
