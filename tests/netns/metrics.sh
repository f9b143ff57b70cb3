#!/bin/bash
# Issue 16, item 2: the Prometheus metrics.  In network namespaces it
# creates and always deletes (a router R with a host H behind a veth pair;
# H's packets cross R's FORWARD), a live injector with --metrics-file reads
# an ExaBGP fixture (both families, rate limits, refusals, long routes)
# and routes of the test's own, and:
#   - the metrics file and `status --prometheus` parse with Debian's
#     prometheus_client, and every value agrees with `status --json`
#     (routes by state and by refusal reason, rules, per-route packets and
#     bytes from the kernel, dropped counters, last commit time, commits,
#     input errors); route labels keep at most 128 bytes of a long route;
#   - the file is rewritten after a commit, and between commits (the
#     kernel's counters move: every 15 s); it is replaced atomically (a
#     reader during 40 commits never sees it half-written), with mode 0644
#     under umask 077, and no temporary file stays;
#   - --source frr --once counts its polls by result (changed, unchanged,
#     failed) for the metrics file and status alike;
#   - status --prometheus with no state prints nothing on stdout.
# usage: metrics.sh INJECTOR FIXTURE_DIR; exits 77 without root or without
# Debian's python3-prometheus-client.
set -u
inj=${1:?usage: metrics.sh INJECTOR FIXTURE_DIR}
dir=${2:?usage: metrics.sh INJECTOR FIXTURE_DIR}
here=$(cd "$(dirname "$0")" && pwd)
[ "$(id -u)" = 0 ] || { echo "skipped: needs root for network namespaces"; exit 77; }
PY=/usr/bin/python3 # Debian's, with python3-prometheus-client (tests/install-deps.sh)
"$PY" -c 'import prometheus_client.parser' 2>/dev/null ||
	{ echo "skipped: needs python3-prometheus-client (tests/install-deps.sh)"; exit 77; }

R="fsJ-m-r-$$" H="fsJ-m-h-$$" F="fsJ-m-f-$$"
tmp=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
	for n in "$R" "$H" "$F"; do ip netns del "$n" 2>/dev/null; done
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
trap '' PIPE # an injector that died fails the checks, not the script
export XTABLES_LOCKFILE="$tmp/xtables.lock" LC_ALL=C

pass=0 fail=0
check() { if eval "$2"; then pass=$((pass + 1)); echo "ok   $1"; else fail=$((fail + 1)); echo "FAIL $1"; fi; }
wait_for() { # condition, tenths of a second
	local i
	for ((i = 0; i < $2; i++)); do eval "$1" && return 0; sleep 0.1; done
	return 1
}

ip netns add "$R" && ip netns add "$H" && ip netns add "$F" || exit 1
ip -n "$R" link add fsJr type veth peer name fsJh netns "$H" || exit 1
ip -n "$R" link set lo up
ip -n "$R" link set fsJr up
ip -n "$R" addr add 198.51.100.1/24 dev fsJr
ip -n "$R" route add 10.0.0.0/8 via 198.51.100.2 dev fsJr
ip netns exec "$R" sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.send_redirects=0 \
	net.ipv4.conf.fsJr.send_redirects=0
ip -n "$H" link set lo up
ip -n "$H" link set fsJh up
ip -n "$H" addr add 198.51.100.2/24 dev fsJh
ip -n "$H" route add default via 198.51.100.1

# ExaBGP JSON lines of the test's own: up | eor | announce ACTION DST... | withdraw DST...
cat >"$tmp/gen.py" <<'EOF'
import struct, sys

NB = ('"neighbor": { "address": { "local": "198.18.9.2", "peer": "198.18.9.1" }, '
      '"asn": { "local": 65000, "peer": 65009 }')

def nlri(d):
    return ('{ "destination-ipv4": [ "%s/32" ], "protocol": [ "=udp" ], "destination-port": [ "=9" ], '
            '"string": "flow destination-ipv4 %s/32 protocol =udp destination-port =9" }' % (d, d))

def line(msg):
    return '{ "exabgp": "4.2.0", "type": "update", %s, "direction": "receive", "message": { %s } } }' % (NB, msg)

kind, args = sys.argv[1], sys.argv[2:]
if kind == "up":
    print('{ "exabgp": "4.2.0", "type": "state", %s, "state": "up" } }' % NB)
elif kind == "eor":
    for afi in ("ipv4", "ipv6"):
        print(line('"eor": { "afi" : "%s", "safi" : "flow" }' % afi))
elif kind == "announce":
    act, dsts = args[0], args[1:]
    rate = 0.0 if act == "discard" else float(act.split(":")[1])
    value = (0x8006 << 48) | struct.unpack(">I", struct.pack(">f", rate))[0]
    print(line('"update": { "attribute": { "origin": "igp", "extended-community": [ { "value": %d, '
               '"string": "rate-limit:%d" } ] }, "announce": { "ipv4 flow": { "no-nexthop": [ %s ] } } }'
               % (value, int(rate), ", ".join(nlri(d) for d in dsts))))
elif kind == "long":  # one route whose text is long: 60 destination ports
    d = args[0]
    ps = ["=%d" % p for p in range(1000, 1060)]
    print(line('"update": { "attribute": { "origin": "igp", "extended-community": [ { "value": %d, '
               '"string": "rate-limit:0" } ] }, "announce": { "ipv4 flow": { "no-nexthop": [ '
               '{ "destination-ipv4": [ "%s/32" ], "protocol": [ "=udp" ], "destination-port": [ %s ], '
               '"string": "flow destination-ipv4 %s/32 protocol =udp destination-port [ %s ]" } ] } } }'
               % (0x8006 << 48, d, ", ".join('"%s"' % p for p in ps), d, " ".join(ps))))
elif kind == "withdraw":
    print(line('"update": { "withdraw": { "ipv4 flow": [ %s ] } }' % ", ".join(nlri(d) for d in args)))
EOF
gen() { python3 "$tmp/gen.py" "$@"; }
send() { # DST COUNT SIZE: UDP from H to port 9
	ip netns exec "$H" python3 -c 'import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for _ in range(int(sys.argv[2])): s.sendto(b"x" * int(sys.argv[3]), (sys.argv[1], 9))' "$@"
}
st() { ip netns exec "$R" "$inj" -q status --state-dir "$tmp/state" "$@"; }
mcheck() { "$PY" "$here/metrics-check.py" "$@"; }
mfile="$tmp/prom/flowspec.prom"
log="$tmp/log"
mkdir -p "$tmp/state" "$tmp/prom"
commits() { grep -c "IPv4 committed" "$log" 2>/dev/null; }

# ---- the live injector, under umask 077 -------------------------------------------------
rm -f "$tmp/fifo"; mkfifo "$tmp/fifo"
(umask 077; exec ip netns exec "$R" "$inj" -v --window 50 --state-dir "$tmp/state" \
	--metrics-file "$mfile" <"$tmp/fifo" 2>>"$log") &
pids+=($!)
exec 7<>"$tmp/fifo" # read-write: never blocks, even when the injector is gone
check "the metrics file is written at start, before any commit" 'wait_for "[ -s $mfile ]" 50'
printf 'not json\n{"exabgp": "4.2.0", "type": "nonsense"}\n' >&7   # two input errors
cat "$dir/bird-announce-all-components.jsonl" >&7
{ gen up; gen announce discard 10.9.0.1 10.9.0.2; gen announce rate-limit:1000 10.7.0.1
  gen long 10.5.0.1; gen eor; } >&7
check "both families committed" \
	'wait_for "grep -q \"IPv4 committed\" $log && grep -q \"IPv6 committed\" $log" 100'
sleep 0.3
# shellcheck disable=SC2034 # used in the checks
c0=$(commits)

# packets: counted by the kernel, seen by status at once, by the file at its refresh
send 10.8.0.1 1 10; sleep 0.3
send 10.9.0.1 7 100
send 10.7.0.1 300 1000
sleep 0.3
st --json >"$tmp/s.json"
st --prometheus >"$tmp/s.prom"
check "status --prometheus parses and agrees with status --json (2 input errors, a long route cut)" \
	'mcheck "$tmp/s.prom" "$tmp/s.json" input_errors=2 long=1'
check "the counters are not all zero (7 packets of 128 bytes on 10.9.0.1, 300 on the rate limit)" \
	'grep -E "^flowspec_route_packets_total\{family=\"4\",id=\"[0-9a-f]{16}\",route=\"[^\"]*10\.9\.0\.1/32[^\"]*\"\} 7$" "$tmp/s.prom" >/dev/null &&
	 grep -E "^flowspec_route_bytes_total\{[^}]*10\.9\.0\.1/32[^}]*\} 896$" "$tmp/s.prom" >/dev/null &&
	 grep -E "^flowspec_route_dropped_packets_total\{[^}]*10\.7\.0\.1/32[^}]*\} [1-9][0-9]*$" "$tmp/s.prom" >/dev/null'
grep -E '^flowspec_route_(packets|dropped_packets)_total\{[^}]*10\.(9\.0\.1|7\.0\.1)/' "$tmp/s.prom" | sed 's/^/#   /'
check "every route label keeps at most 128 bytes and a cut one ends in ..." \
	'! grep -E "route=\"[^\"]{132,}\"" "$tmp/s.prom" >/dev/null && grep -E "route=\"[^\"]{128}\.\.\.\"" "$tmp/s.prom" >/dev/null'

# the file, refreshed between commits by the long-running injector (every 15 s)
check "the metrics file catches up with the kernel's counters without a commit (within 20 s)" \
	'wait_for "grep -qE \"^flowspec_route_packets_total\\{[^}]*10\\.9\\.0\\.1/32[^}]*\\} 7$\" $mfile" 200 &&
	 [ "$(commits)" = "$c0" ]'
st --json >"$tmp/s.json"
check "the metrics file parses and agrees with status --json" \
	'mcheck "$mfile" "$tmp/s.json" input_errors=2 long=1'
check "the metrics file has mode 0644 (the injector runs under umask 077)" \
	'[ "$(stat -c %a "$mfile")" = 644 ]'

# after a commit: rewritten at once
gen announce discard 10.9.0.3 >&7
check "a new route: committed" 'wait_for "[ \$(commits) -gt $c0 ]" 100'
check "the metrics file has the new route right after the commit" \
	'wait_for "grep -q \"10\\.9\\.0\\.3/32\" $mfile" 20'
st --json >"$tmp/s.json"
check "and agrees with status --json again" 'mcheck "$mfile" "$tmp/s.json" input_errors=2'

# atomic replacement: a reader parses every version it sees during 40 commits
cat >"$tmp/reader.py" <<'EOF'
import os, sys, time
from prometheus_client.parser import text_string_to_metric_families
path, stop = sys.argv[1], sys.argv[2]
seen = inodes = bad = 0
last = None
while not os.path.exists(stop):
    try:
        with open(path) as f:
            ino, t = os.fstat(f.fileno()).st_ino, f.read()
    except FileNotFoundError:
        bad += 1
        print("missing")
        continue
    seen += 1
    if ino != last:
        inodes += 1
        last = ino
    try:
        names = [m.name for m in text_string_to_metric_families(t)]
        if not t.endswith("\n") or names[-1] != "flowspec_input_errors" or "flowspec_backend_info" not in names:
            raise ValueError("incomplete")
    except Exception as e:
        bad += 1
        print("half-written: %r (%d bytes)" % (e, len(t)))
print("reads %d versions %d bad %d" % (seen, inodes, bad))
sys.exit(1 if bad or inodes < 10 else 0)
EOF
rm -f "$tmp/stop"
"$PY" "$tmp/reader.py" "$mfile" "$tmp/stop" >"$tmp/reader.out" 2>&1 &
rpid=$!
c1=$(commits)
for i in $(seq 1 20); do
	gen announce discard 10.6.0.$i >&7; sleep 0.12
	gen withdraw 10.6.0.$i >&7; sleep 0.12
done
wait_for "[ \$(commits) -ge $((c1 + 30)) ]" 100
sleep 0.3
touch "$tmp/stop"
wait "$rpid"
# shellcheck disable=SC2034 # used in the check
rrc=$?
sed 's/^/#   reader: /' "$tmp/reader.out" | tail -3
check "a reader during $(( $(commits) - c1 )) commits never saw the file half-written or missing (and saw it replaced)" \
	'[ "$rrc" = 0 ]'
check "no temporary file stays next to it" '[ "$(ls "$tmp/prom")" = flowspec.prom ]'
kill -TERM "${pids[0]}"; exec 7>&-
wait_for "! kill -0 ${pids[0]} 2>/dev/null" 50

check "status --prometheus with no state file prints nothing on stdout (and fails)" \
	'out=$(ip netns exec "$R" "$inj" -q status --prometheus --state-dir "$tmp/none" 2>/dev/null); rc=$?;
	 [ -z "$out" ] && [ "$rc" = 1 ]'
check "--prometheus outside status, and with --json, is refused" \
	'! "$inj" --prometheus --dry-run </dev/null 2>/dev/null && ! "$inj" status --json --prometheus 2>/dev/null'

# ---- FRR: polls counted by result -----------------------------------------------------------
fix=$(cd "$dir/../frr" && pwd)
cat >"$tmp/vtysh" <<EOF
#!/bin/bash
[ -e "$tmp/vtysh-fails" ] && { echo "bgpd is not running" >&2; exit 1; }
while [ \$# -gt 0 ]; do case \$1 in -c) cmd=\$2; shift 2 ;; *) shift ;; esac; done
set -- \$cmd
exec cat "$fix/\$5-all-components.v\${3#ipv}.json"
EOF
chmod +x "$tmp/vtysh"
mkdir -p "$tmp/frr"
once() { ip netns exec "$F" "$inj" --source frr --once --vtysh "$tmp/vtysh" --state-dir "$tmp/frr" \
	--metrics-file "$tmp/frr.prom" >/dev/null 2>"$tmp/once.log"; }
fst() { ip netns exec "$F" "$inj" -q status --state-dir "$tmp/frr" "$@"; }
once
fst --json >"$tmp/f.json"
check "frr --once: the first poll is changed in both families (file and status)" \
	'mcheck "$tmp/frr.prom" "$tmp/f.json" polls=4:changed:1,4:unchanged:0,6:changed:1,6:failed:0 &&
	 fst --prometheus >"$tmp/f.prom" && mcheck "$tmp/f.prom" "$tmp/f.json" polls=4:changed:1,6:changed:1'
once
fst --json >"$tmp/f.json"
check "frr --once again: unchanged" \
	'mcheck "$tmp/frr.prom" "$tmp/f.json" commits_min=0 polls=4:changed:0,4:unchanged:1,6:unchanged:1'
touch "$tmp/vtysh-fails"
once
fst --json >"$tmp/f.json"
check "frr --once with vtysh failing: failed (the routes stay, as status shows)" \
	'mcheck "$tmp/frr.prom" "$tmp/f.json" commits_min=0 polls=4:failed:1,6:failed:1,4:changed:0'

echo "metrics: $pass passed, $fail failed"
[ "$fail" = 0 ]
