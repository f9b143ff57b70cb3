#!/bin/bash
# Demo (dry run): builds flowspec-injector and feeds it a real ExaBGP
# capture of a BIRD 2 controller announcing FlowSpec routes, then prints the
# exact iptables ruleset it would install and the routes it refuses, and why.
# Changes nothing on this machine.  The kernel lab demo (an NTP reflection
# flood filtered in network namespaces) arrives with the libiptc backend.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/tests/install-deps.sh"
cmake -S "$top" -B "$top/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$top/build" -j "$(nproc 2>/dev/null || echo 2)" --target flowspec-injector >/dev/null
feed="$top/tests/fixtures/exabgp/bird-announce-all-components.jsonl"
echo "== ExaBGP JSON from a real BIRD 2 session: $(wc -l <"$feed") lines"
echo "== flowspec-injector --dry-run -4"
"$top/build/injector/flowspec-injector" --dry-run -4 <"$feed"
echo
echo "== flowspec-injector --dry-run -6"
"$top/build/injector/flowspec-injector" --dry-run -6 <"$feed"
