#!/bin/bash
# Convergence, one run: N routes as ExaBGP JSON (a session: up, UPDATEs,
# end-of-RIB) fed to the real flowspec-injector until the kernel holds them,
# against (a) the floor, one libiptc commit of the same final table built by
# bench_floor, and (b) iptables-legacy-restore of the dry-run document.
# Each in a scratch network namespace this script creates and deletes.
# usage: bench/converge.sh [N ...]   (default: 10000 50000); root.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
[ "$(id -u)" = 0 ] || { echo "converge.sh: needs root (network namespaces)"; exit 1; }
"$top/tests/install-deps.sh"
cmake -S "$top" -B "$top/build-bench" -DCMAKE_BUILD_TYPE=Release -DFS_TESTS=OFF >/dev/null
cmake --build "$top/build-bench" -j "$(nproc 2>/dev/null || echo 2)" >/dev/null
b="$top/build-bench"
tmp=$(mktemp -d)
nss=()
cleanup() { for n in "${nss[@]}"; do ip netns del "$n" 2>/dev/null || true; done; rm -rf "$tmp"; }
trap cleanup EXIT INT TERM
export XTABLES_LOCKFILE="$tmp/lock"
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
best() { if [ -z "$1" ]; then echo "$2"; else awk -v a="$1" -v b="$2" 'BEGIN { print (b < a) ? b : a }'; fi; }

for n in "${@:-10000 50000}"; do
	for n1 in $n; do
	"$b/bench/bench_parse_translate" -n "$n1" -r 1 -j "$tmp/feed" -o "$tmp/doc" >/dev/null
	rules=$(awk '/^\*filter/ {f = 1} /^COMMIT/ {f = 0} f && /^-A /' "$tmp/doc" | wc -l)
	# each measured 3 times, each time in a fresh namespace; the best counts
	inj= floor= rest= got=
	for rep in 1 2 3; do
		ns="fsacl-conv-$$-$rep"; nss+=("$ns")
		# injector: process start to exit; it commits at end-of-RIB, then sees EOF
		ip netns add "$ns"
		t0=$(date +%s.%N)
		ip netns exec "$ns" "$b/injector/flowspec-injector" -q -4 --keep-on-exit --state-dir "$tmp" <"$tmp/feed"
		t1=$(date +%s.%N)
		got=$(ip netns exec "$ns" iptables-legacy-save -t filter | grep -c '^-A ')
		ip netns del "$ns"
		inj=$(best "$inj" "$(secs "$t0" "$t1")")
		# floor: one libiptc commit of the same table, in a fresh namespace
		ip netns add "$ns"
		f=$(ip netns exec "$ns" "$b/bench/bench_floor" "$tmp/feed" 1 | sed -n 's/.*commit: \([0-9.]*\) s.*/\1/p')
		ip netns del "$ns"
		floor=$(best "$floor" "$f")
		# iptables-legacy-restore of the dry-run document
		ip netns add "$ns"
		t0=$(date +%s.%N)
		ip netns exec "$ns" iptables-legacy-restore <"$tmp/doc"
		t1=$(date +%s.%N)
		ip netns del "$ns"
		rest=$(best "$rest" "$(secs "$t0" "$t1")")
	done
	echo "routes $n1: $rules filter rules (kernel after injector: $got)"
	echo "  injector, JSON to kernel: $inj s"
	echo "  floor, one libiptc commit:   $floor s   -> injector / floor = $(awk -v a="$inj" -v b="$floor" 'BEGIN { printf "%.2f", a / b }')"
	echo "  iptables-legacy-restore:   $rest s   -> restore / injector = $(awk -v a="$rest" -v b="$inj" 'BEGIN { printf "%.1f", a / b }')"
	done
done
