#!/bin/bash
# run.sh INJECTOR - the bad-input corpus through the real injector, in a
# network namespace this script creates and always deletes.  For every
# input it asserts (a) the error names the bad value and where it is (the
# EXPECT.tsv substring, and stdin:LINE or FILE:LINE:COLUMN) and (b) the
# namespace's tables, iptables-legacy-save and ip6tables-legacy-save of
# filter and mangle without the '#' lines, are byte-identical before and
# after.  Inputs:
#   exabgp/*.jsonl  (make-corpus.py) one bad line each, written to ONE live
#                   injector that first installed a real fixture's routes
#   config/*.yaml   (make-corpus.py) each as `-c FILE` at start-up (exit 1),
#                   and the first 5 through SIGHUP of the running injector
#                   (the running configuration kept, the injector alive)
# Exit 77 (skipped) without root.
set -u
inj=${1:?usage: run.sh INJECTOR}
here=$(cd "$(dirname "$0")" && pwd)
fix=$here/../fixtures/exabgp
[ "$(id -u)" = 0 ] || { echo "skipped: needs root for network namespaces"; exit 77; }
command -v iptables-legacy-save >/dev/null || { echo "skipped: no iptables-legacy-save"; exit 77; }

ns="fsacl-bad-$$"
tmp=$(mktemp -d /tmp/fsacl-bad.XXXXXX) || exit 1
pid=
cleanup() {
	[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null
	exec 7>&- 2>/dev/null
	ip netns del "$ns" 2>/dev/null
	[ -n "${FS_BAD_KEEP_LOG:-}" ] && cp "$tmp/log" "$FS_BAD_KEEP_LOG" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
export XTABLES_LOCKFILE="$tmp/xtables.lock"
ip netns add "$ns" || exit 1

pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $*"; }
nok() { fail=$((fail + 1)); echo "FAIL $*"; }
tables() {
	local t
	for t in filter mangle; do
		ip netns exec "$ns" iptables-legacy-save -t "$t"
		ip netns exec "$ns" ip6tables-legacy-save -t "$t"
	done 2>&1 | grep -v '^#'
}
wait_for() { # CMD... : up to 10 s
	local i
	for ((i = 0; i < 100; i++)); do "$@" && return 0; sleep 0.1; done
	return 1
}
log_has() { grep -qF -- "$1" "$tmp/log"; }

# ------------------------------------------------- the installed state ----
feed=$fix/bird-announce-all-components.jsonl
printf 'chain: FLOWSPEC\n' >"$tmp/run.yaml"
mkfifo "$tmp/in"
ip netns exec "$ns" "$inj" -c "$tmp/run.yaml" --state-dir "$tmp" --window 20 <"$tmp/in" 2>>"$tmp/log" &
pid=$!
exec 7>"$tmp/in"
cat "$feed" >&7
nfed=$(wc -l <"$feed")
have_rules() { [ "$(ip netns exec "$ns" iptables-legacy -S 2>/dev/null | grep -c '^-A FLOWSPEC')" -gt 10 ]; }
if ! wait_for have_rules; then
	nok "the fixture's routes were not installed"; sed 's/^/#   /' "$tmp/log" | tail -5; exit 1
fi
sleep 0.3
before=$(tables)
nrules=$(printf '%s\n' "$before" | grep -c '^-A FLOWSPEC')
echo "# installed: $nrules rules in our chains from $(basename "$feed")"

# ----------------------------------------------------------- ExaBGP ----
nex=0
while IFS=$'\t' read -r f code want; do
	case $f in '#'*|'') continue ;; esac
	nex=$((nex + 1))
	# the file as it is (a NUL byte would not survive a shell variable),
	# then the newline that ends the line when the file has none
	cat "$here/exabgp/$f" >&7
	[ "$(tail -c1 "$here/exabgp/$f" | od -An -c | tr -d ' ')" = '\n' ] || printf '\n' >&7
	nfed=$((nfed + 1))
	if [ ! -s "$here/exabgp/$f" ] || [ "$(tr -d '\n' <"$here/exabgp/$f" | wc -c)" = 0 ]; then
		# an empty line carries nothing: the injector counts it and says
		# nothing (injector/main.c feed_one); the library's own error for
		# it is checked in tests/test_exabgp.c
		sleep 0.3
		[ "$(tables)" = "$before" ] && kill -0 "$pid" 2>/dev/null &&
			ok "exabgp/$f: an empty line is skipped, tables identical" ||
			nok "exabgp/$f: tables changed or the injector died"
		continue
	fi
	if ! wait_for log_has "stdin:$nfed:"; then
		nok "exabgp/$f: no error for stdin:$nfed"; continue
	fi
	msg=$(grep -F -- "stdin:$nfed:" "$tmp/log" | head -1)
	if ! printf '%s' "$msg" | grep -qF -- "$want"; then
		nok "exabgp/$f: the error does not name \"$want\": $msg"
	elif [ "$(tables)" != "$before" ]; then
		nok "exabgp/$f: the tables changed"; diff <(printf "%s\n" "$before") <(tables) | head -6 | sed "s/^/#   /"; before=$(tables)
	elif ! kill -0 "$pid" 2>/dev/null; then
		nok "exabgp/$f: the injector died"; break
	else
		ok "exabgp/$f: $(printf '%s' "$msg" | cut -c1-110)"
	fi
done <"$here/exabgp/EXPECT.tsv"

# ----------------------------------------------- config, at SIGHUP ----
nhup=0
while IFS=$'\t' read -r f l c want && [ $nhup -lt 5 ]; do
	case $f in '#'*|'') continue ;; esac
	[ "$l" != 0 ] && [ "$c" != 0 ] || continue
	nhup=$((nhup + 1))
	cp "$here/config/$f" "$tmp/run.yaml"
	kill -HUP "$pid"
	if ! wait_for log_has "run.yaml:$l:$c:"; then
		nok "SIGHUP config/$f: no error naming run.yaml:$l:$c"; continue
	fi
	msg=$(grep -F -- "run.yaml:$l:$c:" "$tmp/log" | tail -1)
	if ! printf '%s' "$msg" | grep -qF -- "$want"; then
		nok "SIGHUP config/$f: the error does not name \"$want\": $msg"
	elif [ "$(tables)" != "$before" ]; then
		nok "SIGHUP config/$f: the tables changed"
	elif ! kill -0 "$pid" 2>/dev/null; then
		nok "SIGHUP config/$f: the injector died"; break
	else
		ok "SIGHUP config/$f: kept the running config: $(printf '%s' "$msg" | cut -c1-100)"
	fi
done <"$here/config/EXPECT.tsv"

# ----------------------------------------------- config, at start-up ----
ncf=0
while IFS=$'\t' read -r f l c want; do
	case $f in '#'*|'') continue ;; esac
	ncf=$((ncf + 1))
	loc="$f:$l:$c:"
	[ "$c" = 0 ] && loc="$f:$l:"
	[ "$l" = 0 ] && loc="$f:"
	out=$(ip netns exec "$ns" "$inj" -c "$here/config/$f" --state-dir "$tmp/s2" </dev/null 2>&1)
	rc=$?
	if [ $rc != 1 ]; then
		nok "config/$f: exit $rc, not 1"
	elif ! printf '%s' "$out" | grep -qF -- "$loc" || ! printf '%s' "$out" | grep -qF -- "$want"; then
		nok "config/$f: the error does not name $loc and \"$want\": $out"
	elif [ "$(tables)" != "$before" ]; then
		nok "config/$f: the tables changed"
	else
		ok "config/$f: $(printf '%s' "$out" | grep -F -- "$loc" | head -1 | sed 's|.*/config/||' | cut -c1-100)"
	fi
done <"$here/config/EXPECT.tsv"

# the running injector still holds exactly the state, and still works:
# one more route from the feed's family commits
kill -0 "$pid" 2>/dev/null && ok "the injector is alive after $nex bad lines and $nhup bad reloads" ||
	nok "the injector is gone"
[ "$(tables)" = "$before" ] && ok "tables identical to the installed state at the end ($nrules rules)" ||
	nok "tables differ at the end"
echo "# inputs: $nex ExaBGP lines, $ncf config files at start-up, $nhup config files at SIGHUP: $((nex + ncf + nhup))"
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
