#!/bin/bash
# Benchmarks, one run: our pipeline on 100k fixture-shaped routes, and
# iptables-legacy-restore of the very document it produced, in a scratch
# network namespace this script creates and deletes (root only).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
n=${1:-100000}
"$top/tests/install-deps.sh"
cmake -S "$top" -B "$top/build-bench" -DCMAKE_BUILD_TYPE=Release -DFS_TESTS=OFF >/dev/null
cmake --build "$top/build-bench" -j "$(nproc 2>/dev/null || echo 2)" --target bench_parse_translate >/dev/null
tmp=$(mktemp -d)
ns="fsacl-bench-$$"
cleanup() { ip netns del "$ns" 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT INT TERM

echo "== bench_parse_translate -n $n (best of 3)"
"$top/build-bench/bench/bench_parse_translate" -n "$n" -o "$tmp/doc" | tee "$tmp/out"
ours=$(awk '/^total/ {print $(NF-3)}' "$tmp/out")

if [ "$(id -u)" != 0 ]; then
	echo "(not root: skipping the iptables-legacy-restore comparison)"
	exit 0
fi
ip netns add "$ns"
# one run: at 100k routes a legacy restore takes minutes
t0=$(date +%s.%N)
ip netns exec "$ns" iptables-legacy-restore <"$tmp/doc"
t1=$(date +%s.%N)
best=$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')
rules=$(ip netns exec "$ns" iptables-legacy-save | grep -c '^-A ')
printf "iptables-legacy-restore of the same document (%s rules): %.3f s\n" "$rules" "$best"
printf "ratio: iptables-legacy-restore / our parse+order+translate+render = %.1f\n" \
	"$(awk -v a="$best" -v b="$ours" 'BEGIN { print a / b }')"
