#!/bin/bash
# flowspec-fetcher on a large chain: N rules (default 10,000; tcp/udp ports,
# prefixes, ICMP, alternating ACCEPT/DROP) loaded into FORWARD of a scratch
# namespace with iptables-legacy-restore; then, best of 3 each:
#   - flowspec-fetcher -4 reading the kernel (libiptc) and writing BIRD config,
#   - flowspec-fetcher -4 -i on the namespace's iptables-save output,
#   - iptables-legacy-save of the same table (the reference: reading the
#     same rules back as text), and the ratios.
# usage: bench/fetch.sh [N]; root.  FS_BENCH_BUILD=DIR builds there.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
n=${1:-10000}
[ "$(id -u)" = 0 ] || { echo "fetch.sh: needs root (network namespaces)"; exit 1; }
b=${FS_BENCH_BUILD:-$top/build-bench}
cmake -S "$top" -B "$b" -DCMAKE_BUILD_TYPE=Release -DFS_TESTS=OFF >/dev/null
cmake --build "$b" -j "$(nproc 2>/dev/null || echo 2)" --target flowspec-fetcher >/dev/null
fetcher="$b/fetcher/flowspec-fetcher"
ns="fsacl-bfetch-$$"
tmp=$(mktemp -d)
cleanup() { ip netns del "$ns" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT INT TERM
ip netns add "$ns"
{
	echo "*filter"; echo ":FORWARD DROP [0:0]"
	for ((i = 0; i < n; i++)); do
		a=$((i / 250 % 250)) c=$((i % 250))
		case $((i % 4)) in
		0) echo "-A FORWARD -s 10.$a.$c.0/24 -d 172.16.$c.1/32 -p tcp -m tcp --dport $((1024 + i % 60000)) -j ACCEPT" ;;
		1) echo "-A FORWARD -d 10.$a.$c.7/32 -p udp -m multiport --dports 53,123,$((2000 + i % 1000)):$((3000 + i % 1000)) -j DROP" ;;
		2) echo "-A FORWARD -s 192.$a.$c.0/24 -p icmp -m icmp --icmp-type 8 -j ACCEPT" ;;
		3) echo "-A FORWARD -d 10.$a.$c.9/32 -p tcp -m tcp --tcp-flags FIN,SYN,RST,ACK SYN -j DROP" ;;
		esac
	done
	echo "COMMIT"
} >"$tmp/rules"
ip netns exec "$ns" iptables-legacy-restore <"$tmp/rules"
ip netns exec "$ns" iptables-legacy-save -t filter >"$tmp/saved"
ms() { local t0 t1; t0=$(date +%s%N); "$@" >/dev/null; t1=$(date +%s%N); echo $(((t1 - t0) / 1000000)); }
best() { local b=999999 t; for _ in 1 2 3; do t=$(ms "$@"); [ "$t" -lt "$b" ] && b=$t; done; echo "$b"; }
k=$(best ip netns exec "$ns" "$fetcher" -4 -q)
f=$(best "$fetcher" -4 -q -i "$tmp/saved")
s=$(best ip netns exec "$ns" iptables-legacy-save -t filter)
routes=$(ip netns exec "$ns" "$fetcher" -4 -q | grep -c 'route flow4')
[ "$routes" = $((n + 1)) ] || { echo "fetch.sh: $routes routes for $n rules + policy"; exit 1; }
printf '%-46s %s\n' "rules" "$n" "routes written (rules + policy)" "$routes" \
    "fetcher, kernel (libiptc) -> BIRD config" "$k ms" "fetcher, iptables-save file -> BIRD config" "$f ms" \
    "iptables-legacy-save, same table" "$s ms"
awk -v k="$k" -v f="$f" -v s="$s" 'BEGIN { printf "%-46s %.2f\n%-46s %.2f\n", "ratio fetcher (kernel) / iptables-legacy-save", k / s, "ratio fetcher (file) / iptables-legacy-save", f / s }'
