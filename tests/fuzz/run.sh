#!/bin/bash
# run.sh BUILD-DIR SECONDS [TARGET...] - runs the libFuzzer targets of a
# -DFS_FUZZ=ON build (clang, ASan+UBSan), each for SECONDS of wall time
# (or FS_FUZZ_RUNS executions, when set), two at a time, each from its
# seed corpus (make-seeds.sh) with its dictionary (dict/TARGET.dict).
# Prints, per target, the executions, the coverage and the corpus it
# reached.  Any crash, leak, timeout or sanitizer report fails the run and
# leaves the input in OUT/TARGET/ (OUT: FS_FUZZ_OUT, default a temp dir
# that is kept only on failure); a crash is then to be copied into
# regress/TARGET/ with its fix, so fuzz_seeds replays it in every build.
# CI: tests/run-all.sh runs every target for 60 s.
set -u
here=$(cd "$(dirname "$0")" && pwd)
bld=${1:?usage: run.sh BUILD-DIR SECONDS [TARGET...]}
secs=${2:?usage: run.sh BUILD-DIR SECONDS [TARGET...]}
shift 2
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(exabgp frr config save route)
out=${FS_FUZZ_OUT:-$(mktemp -d /tmp/fsacl-fuzz.XXXXXX)}
par=${FS_FUZZ_PARALLEL:-2}
mkdir -p "$out"
"$here/make-seeds.sh" "$out/seeds" >/dev/null || exit 1

one() { # one TARGET
	local t=$1 bin="$bld/tests/fuzz/fuzz_$1" corpus="$out/corpus/$1" extra=()
	[ -x "$bin" ] || { echo "$t: no $bin (configure with -DCMAKE_C_COMPILER=clang -DFS_FUZZ=ON)"; return 1; }
	mkdir -p "$corpus" "$out/$t"
	[ -n "${FS_FUZZ_RUNS:-}" ] && extra+=(-runs="$FS_FUZZ_RUNS")
	# -max_len: the real inputs are larger than libFuzzer's default of 4096
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:allocator_may_return_null=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	"$bin" "$corpus" "$out/seeds/$t" -dict="$here/dict/$t.dict" \
		-max_total_time="$secs" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$out/$t/" "${extra[@]}" \
		>"$out/$t.log" 2>&1
	local rc=$?
	local execs cov ft
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/$t.log" | tail -1)
	cov=$(grep -o 'cov: [0-9]*' "$out/$t.log" | tail -1)
	ft=$(grep -o 'corp: [0-9]*/[0-9]*[a-zA-Z]*' "$out/$t.log" | tail -1)
	if [ $rc = 0 ] && [ -z "$(ls -A "$out/$t")" ]; then
		echo "ok   $t: ${execs:-?} executions, $cov, $ft, 0 crashes"
	else
		echo "FAIL $t: exit $rc after ${execs:-?} executions; inputs in $out/$t/, log $out/$t.log:"
		grep -E 'ERROR|fuzz property|SUMMARY|runtime error' "$out/$t.log" | head -8 | sed 's/^/#   /'
		return 1
	fi
}

fail=0
pids=()
for t in "${targets[@]}"; do
	one "$t" >"$out/$t.result" &
	pids+=($!)
	if [ ${#pids[@]} -ge "$par" ]; then
		wait "${pids[0]}" || fail=1
		pids=("${pids[@]:1}")
	fi
done
for p in "${pids[@]}"; do wait "$p" || fail=1; done
for t in "${targets[@]}"; do cat "$out/$t.result"; done
if [ $fail = 0 ] && [ -z "${FS_FUZZ_OUT:-}" ]; then rm -rf "$out"; fi
exit $fail
