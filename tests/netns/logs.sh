#!/bin/bash
# Issue 16, items 3 and 5: logs that help at 3 a.m., and the small things.
# Real runs, in network namespaces it creates and always deletes:
#   a. a wrong option: one line on stderr that points to --help, exit 2 (both
#      tools); --vtysh with a relative path says that an absolute path is needed;
#   b. every stderr line starts with the program name ("flowspec-injector:
#      info: ..."), and commit times are ISO 8601 UTC with milliseconds;
#   c. a neighbor that stays down (ExaBGP's "down"/"connected" lines every 0.5 s
#      for 3 s, through a pipe) is logged once; coming up is logged once;
#   d. a refused route is logged once, at warning level, with the route and the
#      reason's detail, and not again at the next commit; 250 new refusals in one
#      commit make 200 lines and one summary line for the reason;
#   e. --source frr --once with nothing changed logs at most one line (a vtysh
#      of the test's own answers from the FRR fixtures);
#   f. the nft-variant warning (with an iptables that is the nft variant, in a
#      private mount namespace): once by a live injector (ExaBGP, FRR
#      --interval), never by status, a dry run, --once at info, or the
#      fetcher's -i;
#   g. under "log: destination: syslog", a message on /dev/log (a socket the
#      test listens on, in a private mount namespace) carries the program name
#      and the PID.
# usage: logs.sh INJECTOR FETCHER FIXTURE_DIR; exits 77 without root.
set -u
inj=${1:?usage: logs.sh INJECTOR FETCHER FIXTURE_DIR}
fetcher=${2:?usage: logs.sh INJECTOR FETCHER FIXTURE_DIR}
dir=${3:?usage: logs.sh INJECTOR FETCHER FIXTURE_DIR}
[ "$(id -u)" = 0 ] || { echo "skipped: needs root for network namespaces"; exit 77; }
command -v python3 >/dev/null && command -v unshare >/dev/null ||
	{ echo "skipped: needs python3 and unshare"; exit 77; }

ns="fsK-logs-$$"
tmp=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
	# what runs in the namespace (a background function's $! is its subshell)
	ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null
	ip netns del "$ns" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
export XTABLES_LOCKFILE="$tmp/xtables.lock" LC_ALL=C
ip netns add "$ns" || exit 1
nsx() { ip netns exec "$ns" "$@"; }

pass=0 fail=0
check() { if eval "$2"; then pass=$((pass + 1)); echo "ok   $1"; else fail=$((fail + 1)); echo "FAIL $1"; fi; }
show() { sed 's/^/#   /' "$@" | cut -c1-200 | head -12; }

# ---- ExaBGP lines (every value here is the test's own) -----------------------
cat >"$tmp/gen.py" <<'EOF'
"""gen.py KIND: ExaBGP 4 JSON lines on stdout, flushed, with pauses where said.
  flap: up, eor, then "down"+"connected" every 0.5 s for 3 s, then up
  refuse: up, a refused route (redirect to an unmapped target), eor, 1.5 s,
          a route that is installed, 1.5 s
  refuse250: up, 250 refused routes, eor, 1.5 s"""
import sys, time

NB = ('"neighbor": { "address": { "local": "198.18.1.2", "peer": "198.18.1.1" }, '
      '"asn": { "local": 65000, "peer": 65001 }')

def out(l):
    sys.stdout.write(l + "\n")
    sys.stdout.flush()

def state(s, reason=None):
    r = ', "reason": "%s"' % reason if reason else ""
    out('{ "exabgp": "4.2.0", "type": "state", %s, "state": "%s"%s } }' % (NB, s, r))

def eor():
    out('{ "exabgp": "4.2.0", "type": "update", %s, "direction": "receive", "message": { '
        '"eor": { "afi" : "ipv4", "safi" : "flow" } } } }' % NB)

def announce(dst, ecomm):
    out('{ "exabgp": "4.2.0", "type": "update", %s, "direction": "receive", "message": { "update": { '
        '"attribute": { "origin": "igp", "extended-community": [ %s ] }, "announce": { "ipv4 flow": { '
        '"no-nexthop": [ { "destination-ipv4": [ "%s/32" ], "protocol": [ "=udp" ], '
        '"string": "flow destination-ipv4 %s/32 protocol =udp" } ] } } } } } }' % (NB, ecomm, dst, dst))

REDIRECT = '{ "value": 9225903009542701156, "string": "redirect:65000:100" }'
DISCARD = '{ "value": 9225060886715039744, "string": "rate-limit:0" }'
kind = sys.argv[1]
state("connected")
state("up")
if kind == "flap":
    eor()
    time.sleep(1.5)
    t = time.monotonic()
    while time.monotonic() - t < 3.0:
        state("down", "out loop, peer reset, message [closing connection] error[the TCP connection was closed by the remote end]")
        state("connected")
        time.sleep(0.5)
    state("up")
    time.sleep(0.5)
elif kind == "refuse":
    announce("192.0.2.7", REDIRECT)
    eor()
    time.sleep(1.5)
    announce("192.0.2.8", DISCARD)
    time.sleep(1.5)
elif kind == "refuse250":
    for i in range(250):
        announce("10.1.%d.%d" % (i // 200, i % 200 + 1), REDIRECT)
    eor()
    time.sleep(1.5)
EOF
# live KIND NAME [ARGS]: a live injector fed by gen.py KIND through a pipe; stderr in $tmp/NAME.log
live() {
	local kind=$1 name=$2; shift 2
	python3 "$tmp/gen.py" "$kind" | nsx "$inj" -4 --state-dir "$tmp/s-$name" "$@" 2>"$tmp/$name.log"
}

# ---- a. a wrong option ----------------------------------------------------------
"$inj" --no-such-option >"$tmp/a.out" 2>"$tmp/a.err"; rc=$?
check "a: injector --no-such-option: exit 2, one line on stderr that names it and points to --help" \
	'[ $rc = 2 ] && [ ! -s "$tmp/a.out" ] && [ "$(wc -l <"$tmp/a.err")" = 1 ] && grep -q -- "--no-such-option.*--help" "$tmp/a.err"'
show "$tmp/a.err"
"$inj" -i >/dev/null 2>"$tmp/a2.err"; rc=$?
check "a: injector -i without its value: exit 2, one line" '[ $rc = 2 ] && [ "$(wc -l <"$tmp/a2.err")" = 1 ] && grep -q -- "-i.*needs a value.*--help" "$tmp/a2.err"'
"$fetcher" --no-such-option >"$tmp/a.out" 2>"$tmp/a3.err"; rc=$?
check "a: fetcher --no-such-option: exit 2, one line on stderr that points to --help" \
	'[ $rc = 2 ] && [ ! -s "$tmp/a.out" ] && [ "$(wc -l <"$tmp/a3.err")" = 1 ] && grep -q -- "--no-such-option.*--help" "$tmp/a3.err"'
show "$tmp/a3.err"
"$inj" --source frr --once --vtysh vtysh >/dev/null 2>"$tmp/a4.err"; rc=$?
check "a: --vtysh vtysh: exit 2, says that an absolute path is needed" '[ $rc = 2 ] && grep -q "absolute path" "$tmp/a4.err"'

# ---- c. a neighbor that stays down ---------------------------------------------
live flap flap
check "c: 6 \"down\" reports in 3 s: logged once" \
	'[ "$(grep -c "neighbor 198.18.1.1 down" "$tmp/flap.log")" = 1 ]'
check "c: it came up twice (at start, and at the end): logged twice, once each" \
	'[ "$(grep -c "neighbor 198.18.1.1 up" "$tmp/flap.log")" = 2 ]'
grep "neighbor" "$tmp/flap.log" | show

# ---- b. the program name on every stderr line, ISO 8601 times -------------------
check "b: every stderr line starts with \"flowspec-injector: \" ($(wc -l <"$tmp/flap.log") lines)" \
	'[ -s "$tmp/flap.log" ] && ! grep -qv "^flowspec-injector: \(error\|warning\|info\|debug\): " "$tmp/flap.log"'
check "b: the commit line's time is ISO 8601 UTC with milliseconds" \
	'grep -Eq "IPv4 committed: .*\(through input line [0-9]+, at 20[0-9]{2}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9]\.[0-9]{3}Z\)$" "$tmp/flap.log"'
grep "committed" "$tmp/flap.log" | show
"$fetcher" -4 -i /dev/null >/dev/null 2>"$tmp/b.err"
check "b: the fetcher's lines start with \"flowspec-fetcher: \"" \
	'[ -s "$tmp/b.err" ] && ! grep -qv "^flowspec-fetcher: " "$tmp/b.err"'

# ---- d. refused routes -----------------------------------------------------------
live refuse refuse
check "d: two commits" '[ "$(grep -c "IPv4 committed" "$tmp/refuse.log")" = 2 ]'
check "d: the refused route: one warning line, with the route, the reason and its detail" \
	'[ "$(grep -c "refused: inet dst 192.0.2.7/32" "$tmp/refuse.log")" = 1 ] && grep -q "^flowspec-injector: warning: IPv4 refused: inet dst 192.0.2.7/32 proto =17 => redirect 65000:100: redirect-unmapped: no redirect-map entry for route target 65000:100" "$tmp/refuse.log"'
grep "refused" "$tmp/refuse.log" | show
live refuse250 refuse250
full=$(grep -c "IPv4 refused: inet dst 10\.1\." "$tmp/refuse250.log")
check "d: 250 new refusals in one commit: 200 lines in full ($full), one summary for the other 50" \
	'[ "$(grep -c "IPv4 committed" "$tmp/refuse250.log")" = 1 ] && [ "$full" = 200 ] && [ "$(grep -c "IPv4: 50 more routes refused: redirect-unmapped" "$tmp/refuse250.log")" = 1 ]'
grep -v "refused: inet" "$tmp/refuse250.log" | show

check "every line the test wrote was read (no input error in any log)" \
	'! grep -q "stdin:[0-9]" "$tmp/flap.log" "$tmp/refuse.log" "$tmp/refuse250.log"'

# ---- e. --once with nothing changed ---------------------------------------------
fix=$(cd "$dir/../frr" && pwd)
cat >"$tmp/vtysh" <<EOF
#!/bin/bash
# "show bgp ipv4 flowspec summary json" -> $fix/summary-all-components.v4.json
while [ \$# -gt 0 ]; do case \$1 in -c) cmd=\$2; shift 2 ;; *) shift ;; esac; done
set -- \$cmd
exec cat "$fix/\$5-all-components.v\${3#ipv}.json"
EOF
chmod +x "$tmp/vtysh"
mkdir -p "$tmp/frr"
once() { nsx "$inj" --source frr --once --vtysh "$tmp/vtysh" --state-dir "$tmp/frr" "$@" >/dev/null; }
once 2>"$tmp/e1.log"
once 2>"$tmp/e2.log"
once 2>"$tmp/e3.log"
check "e: the first --once run commits both families and logs its refused routes" \
	'grep -q "IPv4 committed" "$tmp/e1.log" && grep -q "IPv6 committed" "$tmp/e1.log" && grep -q "warning: IPv4 refused: " "$tmp/e1.log"'
check "e: the next two, with nothing changed, log at most one line each ($(wc -l <"$tmp/e2.log"), $(wc -l <"$tmp/e3.log"))" \
	'[ "$(wc -l <"$tmp/e2.log")" -le 1 ] && [ "$(wc -l <"$tmp/e3.log")" -le 1 ]'
show "$tmp/e2.log"

# e2. no session Established while FRR's detail still shows routes: the log
# must not say the table is empty while the routes are applied (the summary
# is the real capture with every peer made Idle, at run time)
python3 - "$fix/summary-all-components.v4.json" "$tmp/idle.v4.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for p in d["peers"].values():
    p["state"], p["pfxRcd"] = "Idle", 0
json.dump(d, open(sys.argv[2], "w"), indent=2)
PY
cat >"$tmp/vtysh-idle" <<VT
#!/bin/bash
while [ \$# -gt 0 ]; do case \$1 in -c) cmd=\$2; shift 2 ;; *) shift ;; esac; done
set -- \$cmd
[ "\$5" = summary ] && exec cat "$tmp/idle.v4.json"
exec cat "$fix/\$5-all-components.v4.json"
VT
chmod +x "$tmp/vtysh-idle"
nsx "$inj" -4 --source frr --once --vtysh "$tmp/vtysh-idle" --state-dir "$tmp/frr-idle" >/dev/null 2>"$tmp/e4.log"
check "e: no session Established but routes in FRR's table: they are committed, and the log does not call the table empty" \
	'grep -q "IPv4 committed: [1-9]" "$tmp/e4.log" && ! grep -q "table is empty" "$tmp/e4.log" && grep -q "still shows [1-9][0-9]* routes" "$tmp/e4.log"'
show "$tmp/e4.log"

# ---- f. the nft-variant warning --------------------------------------------------
# nftx CMD...: CMD in the namespace, in a private mount namespace whose
# /usr/sbin/iptables is the nft variant (a link to a file named so)
: >"$tmp/xtables-nft-multi"
nftx() {
	nsx unshare -m --propagation private bash -c '
		set -e
		mkdir -p "$T/real"
		mount --bind /usr/sbin "$T/real"
		mount -t tmpfs fsK-sbin /usr/sbin
		for f in "$T"/real/*; do ln -s "$f" /usr/sbin/; done
		rm -f /usr/sbin/iptables
		ln -s "$T/xtables-nft-multi" /usr/sbin/iptables
		exec "$@"' nftx "$@"
}
export T="$tmp"
nft_lines() { grep -c "iptables is the nft variant" "$1"; }
python3 "$tmp/gen.py" refuse | nftx "$inj" -4 --state-dir "$tmp/s-nft" 2>"$tmp/f-live.log"
check "f: a live injector (ExaBGP) warns once" '[ "$(nft_lines "$tmp/f-live.log")" = 1 ]'
grep "nft variant" "$tmp/f-live.log" | show
nftx "$inj" status -4 --state-dir "$tmp/s-nft" >/dev/null 2>"$tmp/f-status.log"
check "f: status does not warn" '[ "$(nft_lines "$tmp/f-status.log")" = 0 ]'
python3 "$tmp/gen.py" refuse | nftx "$inj" -4 -n >/dev/null 2>"$tmp/f-dry.log"
check "f: a dry run does not warn" '[ -s "$tmp/f-dry.log" ] && [ "$(nft_lines "$tmp/f-dry.log")" = 0 ]'
nftx "$fetcher" -4 -i /dev/null >/dev/null 2>"$tmp/f-fetch.log"
check "f: the fetcher's -i does not warn" '[ "$(nft_lines "$tmp/f-fetch.log")" = 0 ]'
nftx "$inj" --source frr --once --vtysh "$tmp/vtysh" --state-dir "$tmp/frr" >/dev/null 2>"$tmp/f-once.log"
nftx "$inj" -v --source frr --once --vtysh "$tmp/vtysh" --state-dir "$tmp/frr" >/dev/null 2>"$tmp/f-once-v.log"
check "f: --once warns only at debug level (-v)" \
	'[ "$(nft_lines "$tmp/f-once.log")" = 0 ] && grep -q "debug: this host.s iptables is the nft variant" "$tmp/f-once-v.log"'
nftx "$inj" --source frr --interval 1 --vtysh "$tmp/vtysh" --state-dir "$tmp/frr" >/dev/null 2>"$tmp/f-int.log" &
pids+=($!)
sleep 3.5
# $! is nftx's subshell: SIGTERM the injector itself, in the namespace
ip netns pids "$ns" | xargs -r kill -TERM
wait "${pids[-1]}" 2>/dev/null
check "f: --interval 1, for 3.5 s: warns once" \
	'[ "$(nft_lines "$tmp/f-int.log")" = 1 ]'

# ---- g. syslog -----------------------------------------------------------------------
cat >"$tmp/listen.py" <<'EOF'
# listen.py PATH OUT: the datagrams sent to the AF_UNIX socket PATH, one a line, to OUT
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(5)
with open(sys.argv[2], "w") as out:
    out.write("ready\n"); out.flush()
    try:
        while True:
            out.write(s.recv(4096).decode(errors="replace").rstrip("\n") + "\n"); out.flush()
    except socket.timeout:
        pass
EOF
printf 'log:\n  destination: syslog\n' >"$tmp/syslog.yaml"
# /dev/log is the test's socket in a private mount namespace (a tmpfs over
# /dev, with /dev/null bound from the real one)
nsx unshare -m --propagation private bash -c '
	set -e
	mkdir -p "$T/dev"
	mount --bind /dev "$T/dev"
	mount -t tmpfs fsK-dev /dev
	: >/dev/null; mount --bind "$T/dev/null" /dev/null
	python3 "$T/listen.py" /dev/log "$T/syslog.out" &
	for i in $(seq 50); do grep -q ready "$T/syslog.out" 2>/dev/null && break; sleep 0.1; done
	python3 "$T/gen.py" refuse | "$1" -c "$T/syslog.yaml" -4 -n >/dev/null 2>"$T/g.err" &
	echo $! >"$T/g.pid"
	wait
' logs "$inj" >/dev/null 2>&1
gpid=$(cat "$tmp/g.pid" 2>/dev/null)
check "g: syslog got the summary line with \"flowspec-injector[PID]: \" (PID $gpid)" \
	'[ -n "$gpid" ] && grep -q "^<[0-9]*>.* flowspec-injector\[$gpid\]: summary: " "$tmp/syslog.out"'
show "$tmp/syslog.out"
check "g: and nothing on stderr" '[ ! -s "$tmp/g.err" ]'

echo "logs: $pass passed, $fail failed"
[ "$fail" = 0 ]
