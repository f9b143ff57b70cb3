#!/bin/bash
# run.sh INJECTOR [FETCHER] - the bad-input corpus through the real injector, in a
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
#   frr/*           (make-corpus.py) each as one of the four vtysh answers
#                   of `--source frr --once`, the others real captures:
#                   exit 1 and the error (or, for odd values the reader can
#                   read but not vouch for, exit 0 and the route refused,
#                   naming the value), the tables as the capture left them
#   save/mutate.py  (with FETCHER) altered copies of a real
#                   iptables-legacy-save of the round-trip policies, made
#                   here, through flowspec-fetcher -i: exit 1 and the error,
#                   or for a file iptables reads as it is, exit 0 and the
#                   exact route; and iptables-legacy-restore, in a scratch
#                   namespace, must take or refuse each file as EXPECT.tsv
#                   says (the fetcher's -i accepts what restore accepts)
# Exit 77 (skipped) without root.
set -u
inj=${1:?usage: run.sh INJECTOR [FETCHER]}
fetcher=${2:-}
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
	[ -n "${jns:-}" ] && ip netns del "$jns" 2>/dev/null
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

# the running injector still holds exactly the state
kill -0 "$pid" 2>/dev/null && ok "the injector is alive after $nex bad lines and $nhup bad reloads" ||
	nok "the injector is gone"
[ "$(tables)" = "$before" ] && ok "tables identical to the installed state at the end ($nrules rules)" ||
	nok "tables differ at the end"

# ------------------------------------------------------------- FRR ----
# The ExaBGP injector leaves (SIGTERM: its rules go); then the FRR mode
# (--once) installs a real capture's routes, and each bad answer replaces one
# of the four vtysh answers it reads.  The test's stand-in for vtysh prints
# the file in its slot for the command it is given (the real FRR path is
# covered by tests/integration/packets-frr.sh); the injector's argv to it is
# fixed, nothing reaches a shell.
kill -TERM "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
pid=
exec 7>&-
ffix=$here/../fixtures/frr
mkdir -p "$tmp/slots"
cat >"$tmp/vtysh" <<'EOF_VTYSH'
#!/usr/bin/python3
# bad-input/run.sh: answers "show bgp FAMILY flowspec WHAT json" (after -c)
# with the file slots/FAMILY-WHAT next to this script
import os, sys
w = sys.argv[sys.argv.index("-c") + 1].split()
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "slots",
                       "%s-%s" % (w[2], w[4])), "rb") as f:
    sys.stdout.buffer.write(f.read())
EOF_VTYSH
chmod 755 "$tmp/vtysh"
good_slots() {
	cp "$ffix/detail-all-components.v4.json" "$tmp/slots/ipv4-detail"
	cp "$ffix/detail-all-components.v6.json" "$tmp/slots/ipv6-detail"
	cp "$ffix/summary-all-components.v4.json" "$tmp/slots/ipv4-summary"
	cp "$ffix/summary-all-components.v6.json" "$tmp/slots/ipv6-summary"
}
frr_once() { ip netns exec "$ns" "$inj" --source frr --once --vtysh "$tmp/vtysh" --state-dir "$tmp/frr" </dev/null 2>&1; }
good_slots
out=$(frr_once)
rc=$?
before=$(tables)
nrules=$(printf '%s\n' "$before" | grep -c '^-A FLOWSPEC')
if [ $rc != 0 ] || [ "$nrules" -lt 20 ]; then
	nok "FRR: the capture's routes were not installed (exit $rc, $nrules rules)"
	printf '%s\n' "$out" | grep -v refused | tail -5 | sed 's/^/#   /'
else
	echo "# FRR: installed $nrules rules in our chains from detail-all-components.v4/v6.json"
fi
nfrr=0
while IFS=$'\t' read -r f slot where what outcome; do
	case $f in '#'*|'') continue ;; esac
	nfrr=$((nfrr + 1))
	good_slots
	cp "$here/frr/$f" "$tmp/slots/$slot"
	origin="vtysh ${slot%-*} ${slot#*-}"
	out=$(frr_once)
	rc=$?
	if [ "$outcome" = error ]; then
		want_rc=1
		msg=$(printf '%s\n' "$out" | grep -F -- "$origin" | grep -E '^(flowspec-injector: )?error' | head -1)
	else
		want_rc=0
		msg=$(printf '%s\n' "$out" | grep -F 'refused: ' | grep -F -- "$where" | grep -F -- "$what" | head -1)
	fi
	if [ $rc != $want_rc ]; then
		nok "frr/$f: exit $rc, not $want_rc: $(printf '%s' "$out" | grep -v refused | head -2)"
	elif [ -z "$msg" ] || ! printf '%s' "$msg" | grep -qF -- "$where" ||
		! printf '%s' "$msg" | grep -qF -- "$what"; then
		nok "frr/$f: no $outcome naming \"$origin\", \"$where\" and \"$what\": $(printf '%s' "$out" | grep -v refused | head -2)"
	elif [ "$(tables)" != "$before" ]; then
		nok "frr/$f: the tables changed"
		diff <(printf "%s\n" "$before") <(tables) | head -6 | sed "s/^/#   /"
	else
		ok "frr/$f: $(printf '%s' "$msg" | cut -c1-110)"
	fi
done <"$here/frr/EXPECT.tsv"
# and the good answers still reconcile to the same state
good_slots
out=$(frr_once)
rc=$?
[ $rc = 0 ] && [ "$(tables)" = "$before" ] && ok "FRR: the good answers again: exit 0, the same $nrules rules" ||
	nok "FRR: the good answers again: exit $rc or the tables changed"
# --------------------------------------------------- the fetcher ----
# A real ruleset (the round-trip lab's policies) in this namespace's FORWARD,
# saved by iptables-legacy-save/ip6tables-legacy-save, and save/mutate.py's
# altered copies of that output through flowspec-fetcher -i: exit 1 and the
# error naming the place and the value, or (a file iptables reads as it is)
# exit 0 and the exact route; the kernel read directly still gives exit 0.
# Each file also goes to iptables-legacy-restore in a scratch namespace of
# its own ($ns-judge), whose decision must be the one EXPECT.tsv records:
# the same as the fetcher's, or "stricter" where the fetcher refuses on
# purpose what restore takes (fetcher/flowspec-fetcher.8 lists those).
nsave=0
if [ -n "$fetcher" ]; then
	for f in 4 6; do
		p=ip; [ $f = 6 ] && p=ip6
		for t in filter mangle; do
			ip netns exec "$ns" ${p}tables-legacy -t $t -F
			ip netns exec "$ns" ${p}tables-legacy -t $t -X
		done
	done
	ip netns exec "$ns" iptables-legacy-restore <"$here/../integration/roundtrip-policy.v4.rules" &&
		ip netns exec "$ns" ip6tables-legacy-restore <"$here/../integration/roundtrip-policy.v6.rules" ||
		nok "the round-trip policies do not load"
	mkdir -p "$tmp/save"
	jns="$ns-judge"
	ip netns add "$jns" || nok "cannot create the judge's namespace $jns"
	ip netns exec "$ns" iptables-legacy-save >"$tmp/policy.v4.save"
	ip netns exec "$ns" ip6tables-legacy-save >"$tmp/policy.v6.save"
	python3 "$here/save/mutate.py" "$tmp/policy.v4.save" "$tmp/save/4" &&
		python3 "$here/save/mutate.py" "$tmp/policy.v6.save" "$tmp/save/6" || nok "save/mutate.py failed"
	before=$(tables)
	for f in 4 6; do
		out=$(ip netns exec "$ns" "$fetcher" -$f -q 2>&1 >"$tmp/fetched.$f")
		rc=$?
		[ $rc = 0 ] && grep -q "route flow$f" "$tmp/fetched.$f" &&
			ok "fetcher -$f: the kernel's FORWARD read: exit 0, $(grep -c "route flow$f" "$tmp/fetched.$f") routes" ||
			nok "fetcher -$f: the kernel's FORWARD: exit $rc: $out"
		while IFS=$'\t' read -r file where what outcome fam; do
			nsave=$((nsave + 1))
			[ "$fam" = - ] && fam=$f
			# -i with a bare name: the error's origin is the file's name
			q=-q
			[ "$outcome" = accept ] && q= # its warnings are part of the answer
			out=$(cd "$tmp/save/$f" && ip netns exec "$ns" "$fetcher" -$fam $q -i "$file" 2>&1 >"$tmp/fetched")
			rc=$?
			# the judge: iptables-legacy-restore (-c when rules carry counters) into
			# a namespace of its own, which the file replaces the tables of
			r=iptables-legacy-restore
			[ "$fam" = 6 ] && r=ip6tables-legacy-restore
			c=
			grep -qa '^\[' "$tmp/save/$f/$file" && c=-c
			ip netns exec "$jns" $r $c <"$tmp/save/$f/$file" >/dev/null 2>"$tmp/judge"
			jrc=$?
			msg=
			case $outcome in
			refuse|stricter)
				if [ $rc != 1 ]; then
					msg="exit $rc, not 1"
				elif ! printf '%s' "$out" | grep -qaF -- "$where" || ! printf '%s' "$out" | grep -qaF -- "$what"; then
					msg="the error does not name \"$where\" and \"$what\": $(printf '%s' "$out" | head -2)"
				elif [ $outcome = refuse ] && [ $jrc = 0 ]; then
					msg="$r accepts it: the fetcher must too"
				elif [ $outcome = stricter ] && [ $jrc != 0 ]; then
					msg="marked stricter, but $r refuses it too: $(head -c 120 "$tmp/judge")"
				fi ;;
			accept)
				if [ $rc != 0 ]; then
					msg="exit $rc, not 0: $(printf '%s' "$out" | head -2)"
				elif [ "$what" = "matches no packet" ] && ! printf '%s' "$out" | grep -qF -- "$where: matches no packet"; then
					msg="no warning \"$where: matches no packet\": $(printf '%s' "$out" | head -2)"
				elif [ "$what" != "matches no packet" ] && ! grep -qF -- "route flow$fam { $what }" "$tmp/fetched"; then
					msg="not \"route flow$fam { $what }\": $(grep -A1 -F "# $where:" "$tmp/fetched" | tail -1 | cut -c1-100)"
				elif [ $jrc != 0 ]; then
					msg="$r refuses it: the fetcher must too: $(head -c 120 "$tmp/judge")"
				fi ;;
			*)
				msg="unknown outcome \"$outcome\" in EXPECT.tsv" ;;
			esac
			if [ -n "$msg" ]; then
				nok "save/$file: $msg"
			elif [ "$(tables)" != "$before" ]; then
				nok "save/$file: the tables changed"
			elif [ $outcome = accept ]; then
				ok "save/$file: exit 0, $what ($r agrees)"
			else
				ok "save/$file ($outcome, $r $([ $jrc = 0 ] && echo takes || echo refuses) it): $(printf '%s' "$out" | grep -a -m1 -F -- "$where" | cut -c1-100)"
			fi
		done <"$tmp/save/$f/EXPECT.tsv"
	done
fi
echo "# inputs: $nex ExaBGP lines, $ncf config files at start-up, $nhup config files at SIGHUP, $nfrr FRR answers, $nsave fetcher rulesets: $((nex + ncf + nhup + nfrr + nsave))"
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
