#!/bin/bash
# Redirects, one run per size: N routes as ExaBGP JSON (bench/redirect-feed.py:
# half discard, half redirect to 65000:100, every 8th of those to one of 4
# next hops) fed to the real flowspec-injector with a redirect configuration,
# process start to exit (filter + mangle PREROUTING committed through libiptc,
# ip rules and routes through rtnetlink), against iptables-legacy-restore of
# the dry-run document of the same input (the same filter and mangle rules,
# no ip rules).  Best of 3, each in a scratch network namespace this script
# creates and deletes.  usage: bench/redirect.sh [N ...] (default 10000); root.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
[ "$(id -u)" = 0 ] || { echo "redirect.sh: needs root (network namespaces)"; exit 1; }
"$top/tests/install-deps.sh"
cmake -S "$top" -B "$top/build-bench" -DCMAKE_BUILD_TYPE=Release -DFS_TESTS=OFF >/dev/null
cmake --build "$top/build-bench" -j "$(nproc 2>/dev/null || echo 2)" >/dev/null
inj="$top/build-bench/injector/flowspec-injector"
tmp=$(mktemp -d)
nss=()
cleanup() { for n in "${nss[@]}"; do ip netns del "$n" 2>/dev/null || true; done; rm -rf "$tmp"; }
trap cleanup EXIT INT TERM
export XTABLES_LOCKFILE="$tmp/lock"
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
best() { if [ -z "$1" ]; then echo "$2"; else awk -v a="$1" -v b="$2" 'BEGIN { print (b < a) ? b : a }'; fi; }
mkns() { # a namespace where the next hops 198.18.9.1..4 are reachable
	ip netns add "$1"; nss+=("$1")
	ip -n "$1" link add v0 type veth peer name v1
	ip -n "$1" link set v0 up; ip -n "$1" link set v1 up
	ip -n "$1" addr add 198.18.9.254/24 dev v0
}
printf 'state-dir: %s\nredirect:\n  map: {"65000:100": 100}\n  ip-tables: 4\n' "$tmp" >"$tmp/r.yaml"

for n in "${@:-10000}"; do
	python3 "$top/bench/redirect-feed.py" "$n" --ip 8 >"$tmp/feed"
	"$inj" -q -n -4 -c "$tmp/r.yaml" -i "$tmp/feed" >"$tmp/doc"
	filt=$(awk '/^\*filter/ {f = 1} /^COMMIT/ {f = 0} f && /^-A /' "$tmp/doc" | wc -l)
	mang=$(awk '/^\*mangle/ {f = 1} /^COMMIT/ {f = 0} f && /^-A /' "$tmp/doc" | wc -l)
	ti= tr= got= rules=
	for rep in 1 2 3; do
		ns="fsacl-rdr-$$-$rep"
		mkns "$ns"
		t0=$(date +%s.%N)
		ip netns exec "$ns" "$inj" -q -4 -c "$tmp/r.yaml" --keep-on-exit <"$tmp/feed"
		t1=$(date +%s.%N)
		got=$(ip netns exec "$ns" iptables-legacy-save | grep -c '^-A ')
		rules=$(ip -n "$ns" rule show | grep -c 'proto 249')/$(ip -n "$ns" route show table all proto 249 | grep -c .)
		ip netns del "$ns"
		ti=$(best "$ti" "$(secs "$t0" "$t1")")
		mkns "$ns"
		t0=$(date +%s.%N)
		ip netns exec "$ns" iptables-legacy-restore <"$tmp/doc"
		t1=$(date +%s.%N)
		ip netns del "$ns"
		tr=$(best "$tr" "$(secs "$t0" "$t1")")
	done
	echo "routes $n: $filt filter + $mang mangle rules (kernel after injector: $got; ip rules/routes of ours: $rules)"
	echo "  injector, JSON to kernel (libiptc + rtnetlink): $ti s"
	echo "  iptables-legacy-restore of the same rules:      $tr s   -> restore / injector = $(awk -v a="$tr" -v b="$ti" 'BEGIN { printf "%.2f", a / b }')"
done
