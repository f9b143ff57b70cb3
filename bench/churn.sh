#!/bin/bash
# Churn, one run: N routes installed by a live flowspec-injector in a
# scratch namespace, then a stream of announce/withdraw lines at RATE/s for
# SECONDS; prints changes/s sustained, line-to-kernel p50/p99, and the
# injector's RSS against the kernel table size.  Root.
# usage: bench/churn.sh [N] [RATE] [SECONDS]   (default 50000 1000 10)
# FS_CHURN_INJECTOR=PATH measures another flowspec-injector binary (an
# older build, to compare); the feed generator is still this tree's.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
n=${1:-50000} rate=${2:-1000} secs=${3:-10}
[ "$(id -u)" = 0 ] || { echo "churn.sh: needs root (network namespaces)"; exit 1; }
"$top/tests/install-deps.sh"
cmake -S "$top" -B "$top/build-bench" -DCMAKE_BUILD_TYPE=Release -DFS_TESTS=OFF >/dev/null
cmake --build "$top/build-bench" -j "$(nproc 2>/dev/null || echo 2)" >/dev/null
b="$top/build-bench"
inj=${FS_CHURN_INJECTOR:-$b/injector/flowspec-injector}
[ -x "$inj" ] || { echo "churn.sh: no injector at $inj"; exit 1; }
echo "injector: $inj"
tmp=$(mktemp -d)
ns="fsacl-churn-$$"
pid=
# no set -e in here: a kill of an injector that already exited must not skip the rest
cleanup() { set +e; [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null; ip netns del "$ns" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT INT TERM
export XTABLES_LOCKFILE="$tmp/lock"
ip netns add "$ns"
"$b/bench/bench_parse_translate" -n "$n" -r 1 -j "$tmp/feed" >/dev/null
mkfifo "$tmp/in"
ip netns exec "$ns" "$inj" -4 --keep-on-exit --state-dir "$tmp" <"$tmp/in" 2>"$tmp/log" &
pid=$!
rules=
python3 "$top/bench/churn.py" "$tmp/feed" "$tmp/in" "$tmp/log" "$rate" "$secs" "$pid" &
py=$!
wait "$py"
rules=$(ip netns exec "$ns" iptables-legacy-save -t filter | grep -c '^-A FLOWSPEC')
echo "kernel: $rules rules in our filter chains for $n routes"
