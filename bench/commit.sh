#!/bin/bash
# Commit time with N routes installed, as the injector logs it ("IPv4
# committed: ... N ms": translate, align with the kernel, commit): the first
# load of the table, then one route withdrawn, announced again, and a
# SIGHUP that re-commits the same plan.  Best of 3, each run in a scratch
# network namespace this script creates and deletes.
# usage: bench/commit.sh [N ...]   (default: 10000 50000); root.
# FS_INJECTOR and FS_GEN (bench_parse_translate) name the binaries to use
# (default: a Release build in build-bench).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
[ "$(id -u)" = 0 ] || { echo "commit.sh: needs root (network namespaces)"; exit 1; }
if [ -z "${FS_INJECTOR:-}" ] || [ -z "${FS_GEN:-}" ]; then
	cmake -S "$top" -B "$top/build-bench" -DCMAKE_BUILD_TYPE=Release -DFS_TESTS=OFF >/dev/null
	cmake --build "$top/build-bench" -j "$(nproc 2>/dev/null || echo 2)" >/dev/null
fi
inj=${FS_INJECTOR:-$top/build-bench/injector/flowspec-injector}
gen=${FS_GEN:-$top/build-bench/bench/bench_parse_translate}
tmp=$(mktemp -d)
ns="fsacl-commit-$$"
pid=
cleanup() { [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null; ip netns del "$ns" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT INT TERM
export XTABLES_LOCKFILE="$tmp/lock"

# the withdraw and the announce of the feed's route number $2 (0-based) into $3.wd, $3.an
pick() {
	python3 - "$1" "$2" "$3" <<'EOF'
import json, sys
feed, k, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
for line in open(feed):
    d = json.loads(line)
    u = d.get("neighbor", {}).get("message", {}).get("update", {})
    for fam, nh in u.get("announce", {}).items():
        for hop, nlris in nh.items():
            if k >= len(nlris):
                k -= len(nlris)
                continue
            an = json.loads(line)
            an["neighbor"]["message"]["update"]["announce"] = {fam: {hop: [nlris[k]]}}
            wd = json.loads(line)
            wd["neighbor"]["message"]["update"] = {"withdraw": {fam: [nlris[k]]}}
            open(out + ".an", "w").write(json.dumps(an) + "\n")
            open(out + ".wd", "w").write(json.dumps(wd) + "\n")
            sys.exit(0)
sys.exit("no route %s in %s" % (sys.argv[2], feed))
EOF
}
# the ms of the Kth "IPv4 committed" line, once it is there
nth_ms() {
	local i
	for ((i = 0; i < 6000; i++)); do
		if [ "$(grep -c "IPv4 committed" "$tmp/log" || true)" -ge "$1" ]; then
			grep "IPv4 committed" "$tmp/log" | sed -n "${1}p" | sed 's/.* rules, \([0-9]*\) ms.*/\1/'
			return
		fi
		sleep 0.1
	done
	echo "commit $1 did not come" >&2
	exit 1
}
best() { sort -n | head -1; }

[ $# -gt 0 ] || set -- 10000 50000
for n in "$@"; do
	"$gen" -n "$n" -r 1 -j "$tmp/feed" -o "$tmp/doc" >/dev/null
	pick "$tmp/feed" $((n / 2)) "$tmp/one"
	: >"$tmp/first"; : >"$tmp/wd"; : >"$tmp/an"; : >"$tmp/hup"
	for _ in 1 2 3; do
		ip netns add "$ns"
		rm -f "$tmp/fifo" "$tmp/log"; mkfifo "$tmp/fifo"
		ip netns exec "$ns" "$inj" -4 --state-dir "$tmp" <"$tmp/fifo" 2>"$tmp/log" &
		pid=$!
		exec 7>"$tmp/fifo"
		cat "$tmp/feed" >&7
		nth_ms 1 >>"$tmp/first"
		cat "$tmp/one.wd" >&7
		nth_ms 2 >>"$tmp/wd"
		cat "$tmp/one.an" >&7
		nth_ms 3 >>"$tmp/an"
		kill -HUP "$pid"
		nth_ms 4 >>"$tmp/hup"
		exec 7>&-
		kill -9 "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true
		pid=
		ip netns del "$ns"
	done
	rules=$(awk '/^\*filter/ {f = 1} /^COMMIT/ {f = 0} f && /^-A /' "$tmp/doc" | wc -l)
	echo "routes $n ($rules filter rules), ms, best of 3:"
	echo "  first load $(best <"$tmp/first")  one withdrawn $(best <"$tmp/wd")  one announced $(best <"$tmp/an")  SIGHUP, same plan $(best <"$tmp/hup")"
done
