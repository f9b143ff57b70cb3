#!/bin/bash
# The fetcher's two readers must agree: in a network namespace this script
# creates (and always deletes), each policy file is loaded with
# iptables-legacy-restore / ip6tables-legacy-restore; then flowspec-fetcher
# reads the chain from the kernel (libiptc) and from the namespace's own
# iptables-legacy-save output (-i), and the two BIRD configurations must be
# the same route for route (the kernel has no rule text for the comments, and
# the header names the source).  Both must pass BIRD's own parser
# (bird -p -c), and both must hold the routes policy.vF.expect lists for
# the rules that repeat a match (each instance holds, as in the kernel).
# A rule with -m state is refused by that name from the kernel too (the
# kernel holds it as conntrack's alias).  Root only; exits 77 without it.
set -u
fetcher=${1:?usage: kernel-vs-save.sh FETCHER}
here=$(cd "$(dirname "$0")" && pwd)
[ "$(id -u)" = 0 ] || { echo "skipped: needs root for network namespaces"; exit 77; }
ns="fsE-fetch-$$"
tmp=$(mktemp -d)
cleanup() { ip netns del "$ns" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT INT TERM
export XTABLES_LOCKFILE="$tmp/xtables.lock"
ip netns add "$ns" || { echo "FAIL: cannot create namespace $ns"; exit 1; }
fail=0
for fam in 4 6; do
	if [ $fam = 4 ]; then restore=iptables-legacy-restore save=iptables-legacy-save
	else restore=ip6tables-legacy-restore save=ip6tables-legacy-save; fi
	ip netns exec "$ns" $restore <"$here/policy.v$fam" || { echo "FAIL: $restore rejected policy.v$fam"; exit 1; }
	ip netns exec "$ns" $save >"$tmp/saved.v$fam"
	ip netns exec "$ns" "$fetcher" -$fam -q >"$tmp/kernel.v$fam" || { echo "FAIL: IPv$fam kernel read"; fail=1; continue; }
	"$fetcher" -$fam -q -i "$tmp/saved.v$fam" >"$tmp/file.v$fam" || { echo "FAIL: IPv$fam file read"; fail=1; continue; }
	# routes only (comments and the header differ by design)
	grep -v '^ *#' "$tmp/kernel.v$fam" >"$tmp/k"
	grep -v '^ *#' "$tmp/file.v$fam" >"$tmp/f"
	nroutes=$(grep -c 'route flow' "$tmp/k")
	nrules=$(grep -c '^-A FORWARD' "$here/policy.v$fam")
	if ! cmp -s "$tmp/k" "$tmp/f"; then
		echo "FAIL: IPv$fam kernel and save-file readers differ:"; diff "$tmp/k" "$tmp/f"; fail=1
	elif [ "$nroutes" != $((nrules + 1)) ]; then
		echo "FAIL: IPv$fam $nroutes routes for $nrules rules + policy"; fail=1
	else
		echo "ok: IPv$fam kernel and save file give the same $nroutes routes"
	fi
	nexp=0 nmiss=0
	while IFS= read -r body; do
		case $body in '#'*|'') continue ;; esac
		nexp=$((nexp + 1))
		for src in kernel file; do
			if ! grep -qF -- "route flow$fam { $body }" "$tmp/$src.v$fam"; then
				echo "FAIL: IPv$fam $src: no \"route flow$fam { $body }\""; nmiss=$((nmiss + 1)); fail=1
			fi
		done
	done <"$here/policy.v$fam.expect"
	[ "$nmiss" = 0 ] && echo "ok: IPv$fam the $nexp routes of repeated matches, from the kernel and from the file"
	printf 'router id 192.0.2.1;\ninclude "%s";\n' "$tmp/kernel.v$fam" >"$tmp/bird.v$fam.conf"
	if bird -p -c "$tmp/bird.v$fam.conf"; then echo "ok: IPv$fam output passes bird -p -c"
	else echo "FAIL: IPv$fam output rejected by bird -p -c"; fail=1; fi
done
# a refused rule: exit 1, nothing on stdout, the rule number and match named
ip netns exec "$ns" iptables-legacy -A FORWARD -i eth9 -j DROP
out=$(ip netns exec "$ns" "$fetcher" -4 2>"$tmp/err"); rc=$?
n=$(ip netns exec "$ns" iptables-legacy -S FORWARD | grep -c '^-A')
if [ $rc = 1 ] && [ -z "$out" ] && grep -q "rule $n: FlowSpec cannot carry \"-i eth9\"" "$tmp/err"; then
	echo "ok: an interface match is refused by rule number, exit 1, no output"
else
	echo "FAIL: refusal: rc=$rc, stdout ${#out} bytes, stderr: $(cat "$tmp/err")"; fail=1
fi
# -m state is conntrack's alias in the kernel: refused by the name it was written with
ip netns exec "$ns" iptables-legacy -D FORWARD -i eth9 -j DROP
ip netns exec "$ns" iptables-legacy -A FORWARD -m state --state NEW -j ACCEPT
out=$(ip netns exec "$ns" "$fetcher" -4 2>"$tmp/err"); rc=$?
n=$(ip netns exec "$ns" iptables-legacy -S FORWARD | grep -c '^-A')
if [ $rc = 1 ] && [ -z "$out" ] && grep -q "rule $n: FlowSpec cannot carry \"-m state\"" "$tmp/err"; then
	echo "ok: -m state from the kernel is refused as \"-m state\""
else
	echo "FAIL: -m state: rc=$rc, stderr: $(cat "$tmp/err")"; fail=1
fi
exit $fail
