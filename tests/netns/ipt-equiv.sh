#!/bin/bash
# The libiptc backend against the dry-run: for every ExaBGP fixture, what
# flowspec-injector installs through libiptc must read back through
# iptables-legacy-save exactly as iptables-legacy-restore of its dry-run
# document does.  Also: it owns only its chains and one jump at position 1
# (a foreign rule and chain survive, a second run adds no duplicate), and at
# end of input without --keep-on-exit it removes exactly what it added.
# Runs in network namespaces it creates and always deletes; exits 77
# (skipped) without root.
set -u
inj=${1:?usage: ipt-equiv.sh INJECTOR FIXTURE_DIR}
dir=${2:?usage: ipt-equiv.sh INJECTOR FIXTURE_DIR}
[ "$(id -u)" = 0 ] || { echo "skipped: needs root for network namespaces"; exit 77; }

A="fsacl-eqA-$$" B="fsacl-eqB-$$"
tmp=$(mktemp -d)
cleanup() { ip netns del "$A" 2>/dev/null; ip netns del "$B" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT INT TERM
export XTABLES_LOCKFILE="$tmp/xtables.lock"

pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }

# A table with no rule, no chain of its own and every policy ACCEPT is left
# out: the kernel loads a table on first use, and a commit in the middle of a
# feed (at its end-of-RIB) may have loaded mangle, which the final state
# leaves empty while the dry-run document never names it.  Such a table
# decides nothing.
save() { # ns fam -> normalised save output
	local cmd=iptables-legacy-save
	[ "$2" = 6 ] && cmd=ip6tables-legacy-save
	ip netns exec "$1" $cmd | grep -v '^#' | sed 's/\[[0-9]*:[0-9]*\]/[0:0]/' | awk '
		/^\*/ { n = 0; used = 0 }
		{ buf[n++] = $0 }
		/^-/ { used = 1 }
		/^:/ && !($2 == "ACCEPT" && $1 ~ /^:(PREROUTING|INPUT|FORWARD|OUTPUT|POSTROUTING)$/) { used = 1 }
		/^COMMIT$/ { if (used) for (i = 0; i < n; i++) print buf[i]; n = 0 }'
}
foreign() { # a rule and a chain that are not ours
	local ns=$1
	for t in iptables-legacy ip6tables-legacy; do
		ip netns exec "$ns" $t -N OTHER
		ip netns exec "$ns" $t -A OTHER -j RETURN
		ip netns exec "$ns" $t -A FORWARD -j OTHER
	done
	ip netns exec "$ns" iptables-legacy -A FORWARD -s 198.18.99.1/32 -j ACCEPT
	ip netns exec "$ns" ip6tables-legacy -A FORWARD -s 2001:db8:99::1/128 -j ACCEPT
}

for f in "$dir"/*.jsonl; do
	name=$(basename "$f" .jsonl)
	ip netns add "$A" && ip netns add "$B" || { bad "cannot create namespaces"; break; }
	foreign "$A"
	foreign "$B"
	# A: through libiptc, twice (a restart on the same feed)
	for run in 1 2; do
		if ! ip netns exec "$A" "$inj" -q --keep-on-exit <"$f" 2>"$tmp/err"; then
			bad "$name: injector run $run failed: $(cat "$tmp/err")"
		fi
	done
	for fam in 4 6; do
		# B: the dry-run document, restored on top of the same foreign rules
		"$inj" -q --dry-run -$fam <"$f" >"$tmp/doc" 2>/dev/null
		restore=iptables-legacy-restore; [ $fam = 6 ] && restore=ip6tables-legacy-restore
		# the document declares FORWARD with only our jump; put the foreign rules back after it
		ip netns exec "$B" $restore --noflush <"$tmp/doc" 2>"$tmp/err" || bad "$name v$fam: restore: $(cat "$tmp/err")"
		t=iptables-legacy; [ $fam = 6 ] && t=ip6tables-legacy
		src=198.18.99.1/32; [ $fam = 6 ] && src=2001:db8:99::1/128
		ip netns exec "$B" $t -F FORWARD
		ip netns exec "$B" $t -A FORWARD -j FLOWSPEC
		ip netns exec "$B" $t -A FORWARD -j OTHER
		ip netns exec "$B" $t -A FORWARD -s $src -j ACCEPT
		if diff <(save "$A" $fam) <(save "$B" $fam) >"$tmp/diff"; then ok
		else bad "$name v$fam: libiptc and restore differ:"; head -20 "$tmp/diff"; fi
		# one jump, at position 1
		jumps=$(ip netns exec "$A" $t -S FORWARD | grep -c -- '-j FLOWSPEC$')
		first=$(ip netns exec "$A" $t -S FORWARD | sed -n 2p)
		if [ "$jumps" = 1 ] && [ "$first" = "-A FORWARD -j FLOWSPEC" ]; then ok
		else bad "$name v$fam: $jumps jumps, first rule '$first'"; fi
	done
	# end of input without --keep-on-exit: ours go, the foreign rules stay
	ip netns exec "$A" "$inj" -q <"$f" 2>/dev/null || bad "$name: removing run failed"
	for fam in 4 6; do
		t=iptables-legacy; [ $fam = 6 ] && t=ip6tables-legacy
		left=$(save "$A" $fam | grep -c 'FLOWSPEC')
		others=$(save "$A" $fam | grep -c -- '-A FORWARD -s .* -j ACCEPT\|-A FORWARD -j OTHER\|-A OTHER -j RETURN')
		if [ "$left" = 0 ] && [ "$others" = 3 ]; then ok
		else bad "$name v$fam: after exit $left FLOWSPEC lines left, $others of 3 foreign rules"; fi
	done
	ip netns del "$A"; ip netns del "$B"
done
echo "ipt-equiv: $pass passed, $fail failed"
[ "$fail" = 0 ] && [ "$pass" -gt 0 ]
