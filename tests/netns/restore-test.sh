#!/bin/bash
# Every dry-run document built from the ExaBGP fixtures (and, when the
# directory has a sibling frr/, from FRR's detail captures) must be accepted by
# the kernel's legacy tables: iptables-legacy-restore --test, then a real
# restore in a network namespace this script creates (and always deletes),
# where iptables-legacy-save must show exactly the rules of the document.
# Needs root; exits 77 (skipped) without it.
set -u
inj=${1:?usage: restore-test.sh INJECTOR FIXTURE_DIR}
dir=${2:?usage: restore-test.sh INJECTOR FIXTURE_DIR}
[ "$(id -u)" = 0 ] || { echo "skipped: needs root for network namespaces"; exit 77; }
command -v iptables-legacy-restore >/dev/null || { echo "FAIL: iptables-legacy-restore not installed"; exit 1; }

ns="fsacl-restore-$$"
tmp=$(mktemp -d)
cleanup() { ip netns del "$ns" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT INT TERM
ip netns add "$ns" || { echo "FAIL: cannot create namespace $ns"; exit 1; }

pass=0 fail=0
inputs=("$dir"/*.jsonl)
[ -d "$dir/../frr" ] && inputs+=("$dir"/../frr/detail-*.json)
for f in "${inputs[@]}"; do
	name=$(basename "$f")
	for fam in 4 6; do
		if [ "$fam" = 4 ]; then restore=iptables-legacy-restore save=iptables-legacy-save
		else restore=ip6tables-legacy-restore save=ip6tables-legacy-save; fi
		doc="$tmp/$name.v$fam"
		case $name in
		*.v4.json) [ "$fam" = 4 ] || continue
			src=(--source frr -i "$f") ;;
		*.v6.json) [ "$fam" = 6 ] || continue
			src=(--source frr -i "$f") ;;
		*) src=(-i "$f") ;;
		esac
		if ! "$inj" --dry-run -q -$fam "${src[@]}" >"$doc"; then
			echo "FAIL $name v$fam: injector exited non-zero"; fail=$((fail + 1)); continue
		fi
		if ! ip netns exec "$ns" $restore --test <"$doc" 2>"$tmp/err"; then
			echo "FAIL $name v$fam: --test rejected it: $(cat "$tmp/err")"; fail=$((fail + 1)); continue
		fi
		if ! ip netns exec "$ns" $restore <"$doc" 2>"$tmp/err"; then
			echo "FAIL $name v$fam: restore rejected it: $(cat "$tmp/err")"; fail=$((fail + 1)); continue
		fi
		# the kernel must now hold exactly the document's rules, table by table
		want=$(grep -c '^-A ' "$doc")
		got=$(ip netns exec "$ns" $save | grep -c '^-A ')
		if [ "$want" != "$got" ]; then
			echo "FAIL $name v$fam: document has $want rules, kernel shows $got"; fail=$((fail + 1)); continue
		fi
		pass=$((pass + 1))
		# empty the namespace's tables for the next document
		for t in filter mangle; do
			ip netns exec "$ns" ${restore%-restore} -t $t -F
			ip netns exec "$ns" ${restore%-restore} -t $t -X
		done
	done
done
echo "restore-test: $pass passed, $fail failed"
[ "$fail" = 0 ] && [ "$pass" -gt 0 ]
