#!/bin/bash
# The live injector in a network namespace it creates and always deletes:
# crash and restart, start-up hold, SIGTERM and --keep-on-exit, a busy
# xtables lock, and a concurrent iptables-legacy writer during a burst.
# Exits 77 (skipped) without root.
set -u
inj=${1:?usage: live-test.sh INJECTOR FIXTURE_DIR}
dir=${2:?usage: live-test.sh INJECTOR FIXTURE_DIR}
[ "$(id -u)" = 0 ] || { echo "skipped: needs root for network namespaces"; exit 77; }

ns="fsacl-live-$$"
tmp=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
	ip netns del "$ns" 2>/dev/null; rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
export XTABLES_LOCKFILE="$tmp/xtables.lock"
ip netns add "$ns" || exit 1
feed="$dir/bird-announce-all-components.jsonl"
many="$dir/bird-packed-many-routes.jsonl"

pass=0 fail=0
check() { if eval "$2"; then pass=$((pass + 1)); echo "ok   $1"; else fail=$((fail + 1)); echo "FAIL $1"; fi; }
rules() { ip netns exec "$ns" iptables-legacy -S 2>/dev/null | grep -c '^-A FLOWSPEC'; }
jumps() { ip netns exec "$ns" iptables-legacy -S FORWARD | grep -c -- '-j FLOWSPEC$'; }
filter_rules() { awk '/^\*filter/ {f = 1} /^COMMIT/ {f = 0} f && /^-A FLOWSPEC/' | wc -l; }
want=$("$inj" -q --dry-run -4 <"$feed" | filter_rules)
wait_for() { # condition, tenths of a second
	local i
	for ((i = 0; i < $2; i++)); do eval "$1" && return 0; sleep 0.1; done
	return 1
}
start() { # feed-fifo args...: the injector reads a FIFO we keep open
	local fifo=$1; shift
	rm -f "$fifo"; mkfifo "$fifo"
	ip netns exec "$ns" "$inj" --state-dir "$tmp" "$@" <"$fifo" 2>>"$tmp/log" &
	pids+=($!)
	exec 7>"$fifo"
}

# 1. a session's burst is committed at end-of-RIB
start "$tmp/f1"
cat "$feed" >&7
check "end-of-RIB commits the whole table ($want rules)" 'wait_for "[ \$(rules) = $want ]" 50'
pid=${pids[-1]}
st() { ip netns exec "$ns" "$inj" -q status "$@" --state-dir "$tmp"; }
check "status lists the 24 installed IPv4 routes of the feed, in order" '[ "$(st -4 | grep -c " installed ")" = 24 ] && st -4 | sed -n 3p | grep -q "^1 .*dst 192.0.2.1/32"'
check "status --json is an array with every route (28 IPv4)" '[ "$(st -4 --json | grep -c "\"order\"")" = 28 ]'
ip netns exec "$ns" iptables-legacy -A FLOWSPEC -j RETURN
check "status notices a hand-edited chain" '! st -4 >/dev/null 2>&1'
ip netns exec "$ns" iptables-legacy -D FLOWSPEC -j RETURN
# 2. kill -9: the kernel keeps the rules
kill -9 "$pid"; exec 7>&-; sleep 0.2
check "after kill -9 the $want rules are still installed" '[ "$(rules)" = "$want" ]'
# 3. restart: only 'connected' and 'up' so far -> the old rules stay (hold)
start "$tmp/f2" --window 50
head -2 "$feed" >&7
sleep 0.5
check "restart holds the old rules until the state is complete" '[ "$(rules)" = "$want" ]'
# ... then the same feed again: one commit, no duplicates
tail -n +3 "$feed" >&7
sleep 0.5
check "after end-of-RIB the chain equals the desired state" '[ "$(rules)" = "$want" ]'
check "exactly one jump from FORWARD" '[ "$(jumps)" = 1 ]'
kill -9 "${pids[-1]}"; exec 7>&-
# 3b. a session up that sends nothing (a GoBGP peer with an empty RIB, no
# end-of-RIB): after --hold of quiet the empty state replaces the old rules
start "$tmp/f2b" --hold 400
head -2 "$feed" >&7
sleep 0.2
check "within --hold the old rules stay" '[ "$(rules)" = "$want" ]'
check "after --hold of quiet the empty state is committed" 'wait_for "[ \$(rules) = 0 ]" 30'
tail -n +3 "$feed" >&7
check "and the routes that follow are installed" 'wait_for "[ \$(rules) = $want ]" 30'
# 3c. SIGHUP re-renders and re-commits everything: same rules, one more commit
commits() { grep -c "IPv4 committed" "$tmp/log"; }
before=$(commits)
kill -HUP "${pids[-1]}"
check "SIGHUP re-commits (a new commit is logged)" 'wait_for "[ \$(commits) -gt $before ]" 30'
check "... and the chain is unchanged" '[ "$(rules)" = "$want" ] && [ "$(jumps)" = 1 ]'
# 4. SIGTERM without --keep-on-exit removes everything of ours
kill -TERM "${pids[-1]}"
check "SIGTERM removes our rules" 'wait_for "[ \$(rules) = 0 ] && [ \$(jumps) = 0 ]" 50'
exec 7>&-
# 5. --keep-on-exit keeps them, and pending changes are committed first
start "$tmp/f3" --keep-on-exit --window 60000
cat "$feed" >&7
sleep 0.3
kill -TERM "${pids[-1]}"
sleep 0.5
check "--keep-on-exit leaves the rules after SIGTERM" '[ "$(rules)" = "$want" ]'
exec 7>&-
# 6. the lock held by someone else longer than --lock-wait: clear error, nothing changed
flock "$XTABLES_LOCKFILE" sleep 3 &
holder=$!; pids+=($holder); sleep 0.2
out=$(ip netns exec "$ns" "$inj" --lock-wait 300 </dev/null 2>&1); rc=$?
check "a busy lock fails start-up with exit 1" '[ $rc = 1 ]'
check "... and says so" 'echo "$out" | grep -q "xtables lock .* is held by another process"'
check "... and touches nothing" '[ "$(rules)" = "$want" ]'
wait "$holder"
# 6b. not root: start-up fails with exit 1 and says why, nothing changes
out=$(ip netns exec "$ns" setpriv --reuid=65534 --regid=65534 --clear-groups "$inj" --state-dir "$tmp" </dev/null 2>&1); rc=$?
check "without CAP_NET_ADMIN start-up fails with exit 1" '[ $rc = 1 ]'
check "... saying permission denied" 'echo "$out" | grep -q "permission denied (needs root or CAP_NET_ADMIN)"'
check "... and the rules are untouched" '[ "$(rules)" = "$want" ]'
# 7. a concurrent writer on another chain during a burst: nobody loses an update
ip netns exec "$ns" iptables-legacy -N OTHER
start "$tmp/f4" --keep-on-exit --window 20
( for i in $(seq 1 200); do ip netns exec "$ns" iptables-legacy -w -A OTHER -s 198.18.200.$((i % 250))/32 -j RETURN; done ) &
writer=$!
cat "$many" >&7
wait "$writer"
sleep 0.5
many_want=$("$inj" -q --dry-run -4 <"$many" | filter_rules)
check "the other writer's 200 rules all arrived" '[ "$(ip netns exec "$ns" iptables-legacy -S OTHER | grep -c -- "-A OTHER")" = 200 ]'
check "and our $many_want rules too" 'wait_for "[ \$(rules) = $many_want ]" 50'
exec 7>&-
# 8. the configuration file and its reload: route-target scoping from -c;
# SIGHUP with a broken file keeps the running configuration; SIGHUP with a
# good one applies it (the expected counts come from dry runs with each file)
printf 'import-route-targets: [ "65000:100" ]\n' >"$tmp/c1.yaml"
printf 'import-route-targets: [ "65000:100" ]\napply-untargeted: true\n' >"$tmp/c2.yaml"
want1=$("$inj" -q -c "$tmp/c1.yaml" --dry-run -4 <"$feed" | filter_rules)
want2=$("$inj" -q -c "$tmp/c2.yaml" --dry-run -4 <"$feed" | filter_rules)
check "the two files give different rule sets ($want1, $want2 rules)" '[ "$want1" -lt "$want2" ]'
cp "$tmp/c1.yaml" "$tmp/cfg.yaml"
start "$tmp/f8" -c "$tmp/cfg.yaml"
cat "$feed" >&7
check "-c: only this host's routes are installed ($want1 rules)" 'wait_for "[ \$(rules) = $want1 ]" 50'
check "status lists the others as not-for-this-host" \
	'ip netns exec "$ns" "$inj" -q status -4 --state-dir "$tmp" -c "$tmp/cfg.yaml" | grep -q "not-for-this-host"'
printf 'import-route-targets: [ "65000:100" \n' >"$tmp/cfg.yaml"
kill -HUP "${pids[-1]}"
check "SIGHUP with a broken file: logged with file:line:column, the running configuration stays" \
	'wait_for "grep -q \"SIGHUP: $tmp/cfg.yaml:2:1: .*the running configuration stays\" \"$tmp/log\"" 30'
check "... and the rules are unchanged" '[ "$(rules)" = "$want1" ]'
cp "$tmp/c2.yaml" "$tmp/cfg.yaml"
kill -HUP "${pids[-1]}"
check "SIGHUP with a good file applies it ($want2 rules)" 'wait_for "[ \$(rules) = $want2 ]" 50'
exec 7>&-
check "end of input removes the rules" 'wait_for "[ \$(rules) = 0 ]" 50'
echo "live-test: $pass passed, $fail failed"
[ "$fail" = 0 ]
