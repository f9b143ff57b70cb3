#!/bin/bash
# make-seeds.sh OUTDIR - the seed corpora of the fuzz targets, from the
# project's real fixtures (captured from ExaBGP, FRR, BIRD and GoBGP; see
# tests/fixtures/*/README.md) and example files:
#   OUTDIR/exabgp  one file per line of tests/fixtures/exabgp/*.jsonl and
#                  of the ExaBGP bad-input corpus
#   OUTDIR/frr     tests/fixtures/frr/*.json as they are
#   OUTDIR/config  examples/**/*.yaml and the config bad-input corpus
#   OUTDIR/save    the fetcher's policies, the round-trip rules and the
#                  dry-run documents in tests/golden (iptables-restore text)
#   OUTDIR/route   the canonical text of every route in tests/golden
# plus, for each target, its regression inputs (tests/fuzz/regress/TARGET).
# Files are named by the SHA-1 of their content, so a seed is stored once.
# Nothing here is edited: each seed is a byte-for-byte slice of a fixture.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:?usage: make-seeds.sh OUTDIR}
mkdir -p "$out"/{exabgp,frr,config,save,route}

put() { # put TARGET < data
	local tmp h
	tmp=$(mktemp "$out/.seed.XXXXXX")
	cat >"$tmp"
	h=$(sha1sum "$tmp" | cut -c1-40)
	mv "$tmp" "$out/$1/$h"
}

shopt -s nullglob globstar
for f in "$top"/tests/fixtures/exabgp/*.jsonl "$top"/tests/bad-input/exabgp/*.jsonl; do
	while IFS= read -r line || [ -n "$line" ]; do
		printf '%s' "$line" | put exabgp
	done <"$f"
done
for f in "$top"/tests/fixtures/frr/*.json "$top"/tests/bad-input/frr/**/*.json; do
	put frr <"$f"
done
for f in "$top"/examples/**/*.yaml "$top"/tests/bad-input/config/**/*.yaml; do
	put config <"$f"
done
for f in "$top"/tests/fetcher/policy.v* "$top"/tests/integration/roundtrip-policy.*.rules \
	"$top"/tests/golden/*/*.txt "$top"/tests/bad-input/fetcher/**/*.save; do
	put save <"$f"
done
for f in "$top"/tests/golden/*/*.txt; do
	sed -n 's/^# \(route [0-9]*\|refused\): \(inet6\? .*\) => .*/\2/p' "$f" |
	while IFS= read -r line; do printf '%s' "$line" | put route; done
done
for t in exabgp frr config save route; do
	for f in "$top"/tests/fuzz/regress/$t/*; do put "$t" <"$f"; done
done
for t in exabgp frr config save route; do
	printf '%s: %s seeds\n' "$t" "$(find "$out/$t" -type f | wc -l)"
done
