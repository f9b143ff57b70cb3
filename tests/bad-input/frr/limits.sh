#!/bin/bash
# limits.sh INJECTOR - the FRR reader's limits hold while it reads, in the
# dry run as in --once (no kernel, no root):
#   1. a 1,000,000-NLRI detail answer in FRR's format (make-big.py) through
#      `--source frr --dry-run -4 -i big.json` with the default max-routes
#      (100,000): refused at NLRI 100,001, naming max-routes, and the peak
#      RSS (VmHWM: getrusage's ru_maxrss of the finished child) below
#      200 MB (it was 1.7 GB: the whole answer, then every route, then
#      no limit at all in the dry run; not checked under ASan, FS_ASAN=1);
#   2. a real capture (30 NLRIs) against max-routes and
#      max-routes-per-neighbor: over either, exit 1 and the limit named;
#      at the limit, the document.
set -u
inj=${1:?usage: limits.sh INJECTOR}
here=$(cd "$(dirname "$0")" && pwd)
cap=$here/../../fixtures/frr/detail-all-components.v4.json
command -v python3 >/dev/null || { echo "skipped: no python3"; exit 77; }
tmp=$(mktemp -d /tmp/fsacl-frr-limits.XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $*"; }
nok() { fail=$((fail + 1)); echo "FAIL $*"; }

# peak OUT CMD...: runs CMD (stdout to OUT, stderr to OUT.err); prints its
# exit code and its peak RSS in kB
peak() {
	python3 - "$@" <<'EOF'
import resource, subprocess, sys
out = sys.argv[1]
with open(out, "wb") as o, open(out + ".err", "wb") as e:
    rc = subprocess.call(sys.argv[2:], stdout=o, stderr=e)
print(rc, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
EOF
}

# ------------------------------------------------- 1. a million NLRIs ----
printf 'chain: FLOWSPEC\n' >"$tmp/default.yaml"
python3 "$here/make-big.py" "$tmp/big.json" 1000000 || { nok "make-big.py failed"; exit 1; }
echo "# big.json: $(wc -c <"$tmp/big.json") bytes, 1000000 NLRIs"
read -r rc kb < <(peak "$tmp/big.out" "$inj" -c "$tmp/default.yaml" --source frr --dry-run -4 \
	-i "$tmp/big.json")
want='big.json: NLRI 100001: more than 100000 routes, the limit max-routes'
echo "# --source frr --dry-run -4 -i big.json: exit $rc, peak RSS $((kb / 1024)) MB"
if [ "$rc" != 1 ]; then
	nok "big.json: exit $rc, not 1"
elif ! grep -qF -- "$want" "$tmp/big.out.err"; then
	nok "big.json: no \"$want\": $(grep -v nft "$tmp/big.out.err" | head -2)"
else
	ok "big.json: refused at the limit: $(grep -F -- "$want" "$tmp/big.out.err")"
fi
if [ -n "${FS_ASAN:-}" ]; then
	echo "# FS_ASAN: the sanitizer's shadow memory counts in RSS; the 200 MB bound is not checked"
elif [ "$kb" -lt $((200 * 1024)) ]; then
	ok "big.json: peak RSS $((kb / 1024)) MB < 200 MB"
else
	nok "big.json: peak RSS $((kb / 1024)) MB, not below 200 MB"
fi
rm -f "$tmp/big.json"

# --------------------------------------- 2. the limits on a real capture ----
while IFS='|' read -r conf want_rc want; do
	printf 'chain: FLOWSPEC\n%b' "$conf" >"$tmp/lim.yaml"
	out=$("$inj" -c "$tmp/lim.yaml" --source frr --dry-run -4 -i "$cap" 2>&1 >"$tmp/doc")
	rc=$?
	name=$(printf '%b' "$conf" | tr '\n' ' ')
	if [ "$rc" != "$want_rc" ]; then
		nok "$name: exit $rc, not $want_rc: $(printf '%s\n' "$out" | grep -v nft | head -2)"
	elif ! printf '%s\n' "$out" | grep -qF -- "$want"; then
		nok "$name: no \"$want\": $(printf '%s\n' "$out" | grep -v nft | head -2)"
	elif [ "$want_rc" = 0 ] && ! grep -q '^COMMIT' "$tmp/doc"; then
		nok "$name: no document"
	else
		ok "$name: exit $rc, \"$want\""
	fi
done <<'EOF'
max-routes: 5\n|1|NLRI 6: more than 5 routes, the limit max-routes
max-routes: 29\n|1|NLRI 30: more than 29 routes, the limit max-routes
max-routes: 30\n|0|30 NLRIs, 30 paths; IPv4: 30 routes
max-routes-per-neighbor: 7\n|1|NLRI 8: more than 7 routes, the limit max-routes-per-neighbor
max-routes: 10\nmax-routes-per-neighbor: 20\n|1|NLRI 11: more than 10 routes, the limit max-routes
max-routes-per-neighbor: 30\n|0|30 NLRIs, 30 paths; IPv4: 30 routes
EOF
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
