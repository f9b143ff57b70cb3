#!/bin/bash
# run-seeds.sh BINDIR - every seed (make-seeds.sh: the real fixtures, the
# bad-input corpora, the crash regressions in regress/) through every fuzz
# target's plain driver (BINDIR/fuzzrun_TARGET).  Fails when a property of
# fuzz.h breaks or a sanitizer reports, and when a corpus is smaller than
# the fixtures give today (so a seed source that silently vanished is seen).
set -u
here=$(cd "$(dirname "$0")" && pwd)
bin=${1:?usage: run-seeds.sh BINDIR}
seeds=$(mktemp -d /tmp/fsacl-seeds.XXXXXX) || exit 1
trap 'rm -rf "$seeds"' EXIT
"$here/make-seeds.sh" "$seeds" || exit 1
fail=0
# the least each corpus holds (what the fixtures in this tree give)
declare -A min=([exabgp]=400 [frr]=26 [config]=4 [save]=60 [route]=500)
for t in exabgp frr config save route; do
	n=$(find "$seeds/$t" -type f | wc -l)
	if [ "$n" -lt "${min[$t]}" ]; then
		echo "FAIL $t: $n seeds, fewer than ${min[$t]}"; fail=1; continue
	fi
	if "$bin/fuzzrun_$t" "$seeds/$t"; then
		echo "ok   $t: $n seeds"
	else
		echo "FAIL $t: the driver failed (above)"; fail=1
	fi
done
exit $fail
