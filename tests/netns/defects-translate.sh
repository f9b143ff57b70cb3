#!/bin/bash
# Issue 14, the translator's defects, each against the real kernel and the
# host's own tools (iptables-legacy -S/-L/-save/-restore), in network
# namespaces this script creates (fsA-*) and always deletes:
#
#   1. tcp-flags ECE and CWR: -S, -L and -save must not crash on what the
#      live injector installs, the dry-run text must restore, the save must
#      restore to the same text, the live tables must equal the dry run's;
#      an IPv6 route on those flags is refused by name; real TCP segments
#      with and without CWR/ECE meet the route's verdict.
#   2. rate limits: many byte rates (9600, 500000, 1e6, 1e8, 4e9, edges,
#      seeded random ones) and packet rates, installed live: the save passes
#      restore --test, and restored into a fresh namespace saves to the same
#      text; the dry-run document does the same and equals the live tables.
#   3. a rate changed in place is enforced: 1e8 -> 1000 B/s drops a burst
#      of 300 1000-byte datagrams (well above the new rate, well below the
#      old), 1000 -> 1e8 B/s lets it through; the route's first rule counts
#      every packet it matched, its limit rule the dropped ones.
#   4. in-interface / out-interface with iptables' '+' wildcard (config file
#      and command line): live and dry run save the same, and probes in on
#      (out on) a matching interface meet the drop route; a non-matching
#      prefix does not.
#
# Usage: defects-translate.sh INJECTOR [SEED]   (SEED: the random rates;
# printed, and a failing seed reproduces).  Exits 77 (skipped) without root.
set -u
inj=${1:?usage: defects-translate.sh INJECTOR [SEED]}
seed=${2:-${FS_SEED:-14}}
[ "$(id -u)" = 0 ] || { echo "skipped: needs root for network namespaces"; exit 77; }
for t in ip iptables-legacy iptables-legacy-save iptables-legacy-restore ip6tables-legacy \
	ip6tables-legacy-save ip6tables-legacy-restore python3; do
	command -v "$t" >/dev/null || { echo "FAIL: $t not installed (tests/install-deps.sh)"; exit 1; }
done
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../integration/lib.sh
. "$here/../integration/lib.sh" # ns_reap

id=$$
SND=fsA-snd-$id RTR=fsA-rtr-$id SNK=fsA-snk-$id
NA=fsA-a-$id NB=fsA-b-$id NC=fsA-c-$id
ALL_NS="$SND $RTR $SNK $NA $NB $NC"
tmp=$(mktemp -d /tmp/fsA-defects.XXXXXX)
inj_pid=
cleanup() {
	[ -n "$inj_pid" ] && kill -9 "$inj_pid" 2>/dev/null
	exec 7>&- 2>/dev/null
	# shellcheck disable=SC2086 # one namespace per word
	ns_reap $ALL_NS
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'cleanup; exit 130' INT
trap 'cleanup; exit 143' TERM
export XTABLES_LOCKFILE="$tmp/xtables.lock"
mkdir -p "$tmp/st"
echo "# seed $seed (defects-translate.sh INJECTOR $seed reproduces)"

pass=0 fail=0
check() { # NAME CONDITION: 0 if it holds, 1 (and counted) if not
	if eval "$2"; then pass=$((pass + 1)); echo "ok   $1"; return 0; fi
	fail=$((fail + 1)); echo "FAIL $1"; return 1
}
in_ns() { local ns=$1; shift; ip netns exec "$ns" "$@"; }
# save NS FAM: the tables as iptables-legacy-save prints them, comments and
# counters out, tables by name (the save lists them in the order the
# namespace loaded them)
save() {
	local cmd=iptables-legacy-save
	[ "$2" = 6 ] && cmd=ip6tables-legacy-save
	in_ns "$1" $cmd | grep -v '^#' | sed 's/\[[0-9]*:[0-9]*\]/[0:0]/' |
		awk '/^\*/ { t = $0 } { print t "\t" $0 }' | sort -s -t "$(printf '\t')" -k1,1 | cut -f2-
}
restore_cmd() { [ "$1" = 6 ] && echo ip6tables-legacy-restore || echo iptables-legacy-restore; }
# flush NS: empty the tables of both families the namespace has loaded
# (opening one would load it, and then it shows in every later save)
flush() {
	local t c f
	for c in iptables-legacy ip6tables-legacy; do
		f=/proc/net/ip_tables_names
		[ "$c" = ip6tables-legacy ] && f=/proc/net/ip6_tables_names
		for t in $(in_ns "$1" cat "$f"); do
			in_ns "$1" $c -t "$t" -F
			in_ns "$1" $c -t "$t" -X
		done
	done
}
# roundtrip NAME NS FAM: the host's tools on what NS holds: -S, -L and -save
# exit 0; the save passes restore --test and, restored into a fresh
# namespace, saves to the same text
roundtrip() {
	local name=$1 ns=$2 fam=$3 ipt=iptables-legacy rc
	[ "$fam" = 6 ] && ipt=ip6tables-legacy
	in_ns "$ns" $ipt -S >/dev/null 2>"$tmp/err"; rc=$?
	check "$name: $ipt -S exits 0 (got $rc)" '[ $rc = 0 ]'
	in_ns "$ns" $ipt -L -n -v >/dev/null 2>"$tmp/err"; rc=$?
	check "$name: $ipt -L exits 0 (got $rc)" '[ $rc = 0 ]'
	in_ns "$ns" $ipt-save >"$tmp/rt.save" 2>"$tmp/err"; rc=$?
	check "$name: $ipt-save exits 0 (got $rc)" '[ $rc = 0 ]'
	in_ns "$ns" "$(restore_cmd "$fam")" --test <"$tmp/rt.save" 2>"$tmp/err"; rc=$?
	check "$name: $ipt-restore --test takes the save ($(head -c 200 "$tmp/err"))" '[ $rc = 0 ]'
	ip netns add "$NC"
	in_ns "$NC" "$(restore_cmd "$fam")" <"$tmp/rt.save" 2>"$tmp/err"
	check "$name: restored into a fresh namespace, it saves to the same text" \
		'diff <(save "$ns" $fam) <(save "$NC" $fam) >"$tmp/diff"' || head -20 "$tmp/diff"
	ip netns del "$NC"
}
# live_vs_dry NAME NS FAM FEED ARGS...: the dry-run document of FEED (with
# ARGS), restored into a fresh namespace, saves to what NS holds
live_vs_dry() {
	local name=$1 ns=$2 fam=$3 feed=$4 rc
	shift 4
	"$inj" -q --dry-run -"$fam" "$@" <"$feed" >"$tmp/doc" 2>"$tmp/err"
	in_ns "$ns" "$(restore_cmd "$fam")" --test <"$tmp/doc" 2>"$tmp/err"; rc=$?
	check "$name: the dry-run document passes restore --test ($(head -c 200 "$tmp/err"))" '[ $rc = 0 ]'
	ip netns add "$NC"
	in_ns "$NC" "$(restore_cmd "$fam")" <"$tmp/doc" 2>/dev/null
	check "$name: live (libiptc) and dry run (restore) save the same" \
		'diff <(save "$ns" $fam) <(save "$NC" $fam) >"$tmp/diff"' || head -20 "$tmp/diff"
	ip netns del "$NC"
}

# ---- ExaBGP lines and packets --------------------------------------------
cat >"$tmp/t.py" <<'PYEOF'
import json, random, socket, struct, sys, time

def ec(kind, v):
    if kind == "bytes":
        return (0x8006 << 48) | struct.unpack(">I", struct.pack(">f", v))[0]
    if kind == "pkts":
        return (0x800c << 48) | struct.unpack(">I", struct.pack(">f", v))[0]
    return 0

def msg(m):
    return json.dumps({"exabgp": "4.0.1", "time": time.time(), "host": "fsA", "pid": 1,
                       "ppid": 1, "counter": 1, "type": m[0],
                       "neighbor": dict({"address": {"local": "198.18.1.2", "peer": "198.18.1.1"},
                                         "asn": {"local": 65000, "peer": 65001}}, **m[1])})

def state(s):
    return msg(("state", {"state": s}))

def eor(afi):
    return msg(("update", {"direction": "receive", "message": {"eor": {"afi": afi, "safi": "flow"}}}))

def route(fam, comps, ecs):
    """comps: [(json key, [values], string form)]; ecs: community values."""
    nlri = {}
    text = "flow"
    for k, vals, s in comps:
        nlri[k] = vals
        text += " " + k + " " + s
    nlri["string"] = text
    attr = {"origin": "igp", "as-path": [65001], "confederation-path": [],
            "extended-community": [{"value": v, "string": "x"} for v in ecs]}
    key = "ipv4 flow" if fam == 4 else "ipv6 flow"
    return msg(("update", {"direction": "receive", "message": {"update": {
        "attribute": attr, "announce": {key: {"no-nexthop": [nlri]}}}}}))

def dst4(a):
    return ("destination-ipv4", [a], a)

def udp_dport(p):
    return [("protocol", ["=udp"], "=udp"), ("destination-port", ["=%d" % p], "=%d" % p)]

def cmd_ece(out):
    # 1: IPv4 routes on ECE/CWR (and one on FIN..URG), one IPv6 on CWR
    d = "198.18.11.2/32"
    tcp = ("protocol", ["=tcp"], "=tcp")
    lines = [state("connected"), state("up"),
             route(4, [dst4(d), tcp, ("destination-port", ["=5001"], "=5001"),
                       ("tcp-flags", ["=cwr"], "=cwr")], [ec("bytes", 0)]),
             route(4, [dst4(d), tcp, ("destination-port", ["=5002"], "=5002"),
                       ("tcp-flags", ["=ece&!syn"], "[ =ece&!syn ]")], [ec("bytes", 0)]),
             route(4, [dst4(d), tcp, ("destination-port", ["=5003"], "=5003"),
                       ("tcp-flags", ["=syn&!ack"], "[ =syn&!ack ]")], [ec("bytes", 0)]),
             route(6, [("destination-ipv6", ["2001:db8:11::2/128/0"], "2001:db8:11::2/128/0"),
                       ("next-header", ["=tcp"], "=tcp"), ("tcp-flags", ["=cwr"], "=cwr")],
                   [ec("bytes", 0)]),
             route(6, [("destination-ipv6", ["2001:db8:11::3/128/0"], "2001:db8:11::3/128/0"),
                       ("next-header", ["=tcp"], "=tcp"), ("tcp-flags", ["=syn"], "=syn")],
                   [ec("bytes", 0)]),
             eor("ipv4"), eor("ipv6")]
    out.write("\n".join(lines) + "\n")

def rates(seed):
    r = random.Random(seed)
    b = [9600, 500000, 1000000, 100000000, 4000000000, 1, 15, 16, 17, 1000, 125000,
         999424, 1048576, 1234567, 16777216, 1073741824, 2147483648, 3999999744]
    b += [r.randint(1, 4000000000) for _ in range(150)] + [r.randint(1, 2000000) for _ in range(50)]
    # what a float carries (RFC 8955's IEEE float): whole numbers only
    b = sorted({int(struct.unpack(">f", struct.pack(">f", float(x)))[0]) for x in b})
    p = [1, 3, 7, 100, 1000, 9999, 10000, 10001, 999999, 1000000, 0.5, 0.25, 0.125, 2.5]
    p += [r.randint(1, 1000000) for _ in range(15)]
    p = sorted({struct.unpack(">f", struct.pack(">f", float(x)))[0] for x in p})
    p = [x for x in p if x == int(x) or x * 60 == int(x * 60)]
    return b, p

def cmd_rates(out, seed):
    b, p = rates(seed)
    lines = [state("connected"), state("up")]
    i = 0
    for kind, vals in (("bytes", b), ("pkts", p)):
        for v in vals:
            i += 1
            lines.append(route(4, [dst4("198.51.%d.%d/32" % (i // 250, i % 250 + 1))],
                               [ec(kind, v)]))
    lines += [eor("ipv4"), eor("ipv6")]
    out.write("\n".join(lines) + "\n")
    low = len([x for x in b if x < 16])
    # the number of routes to be installed, then the number refused (below 16 B/s)
    sys.stderr.write("%d %d %d byte rates (%d below 16 B/s: refused), %d packet rates\n"
                     % (len(b) + len(p) - low, low, len(b), low, len(p)))

def cmd_rate(out, dport, kind, v, start):
    lines = [state("connected"), state("up")] if start else []
    lines.append(route(4, [dst4("198.18.11.2/32")] + udp_dport(int(dport)), [ec(kind, float(v))]))
    if start:
        lines += [eor("ipv4"), eor("ipv6")]
    out.write("\n".join(lines) + "\n")

def cmd_drop(out, dport):
    lines = [state("connected"), state("up"),
             route(4, [dst4("198.18.11.2/32")] + udp_dport(int(dport)), [ec("bytes", 0)]),
             eor("ipv4"), eor("ipv6")]
    out.write("\n".join(lines) + "\n")

def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xffff)
    s += s >> 16
    return ~s & 0xffff

def cmd_send_tcp(src, dst, dport, probes):
    """probes: SPORT:FLAGS,... one TCP segment each (raw socket, no data)"""
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_TCP)
    for pr in probes.split(","):
        sport, flags = (int(x, 0) for x in pr.split(":"))
        hdr = struct.pack("!HHIIBBHHH", sport, int(dport), 1, 0, 5 << 4, flags, 8192, 0, 0)
        pseudo = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack("!BBH", 0, 6, len(hdr))
        c = csum(pseudo + hdr)
        hdr = hdr[:16] + struct.pack("!H", c) + hdr[18:]
        s.sendto(hdr, (dst, 0))
        time.sleep(0.01)

def cmd_recv_tcp(dport, secs, ready):
    """source ports of the TCP segments to dport that arrive within secs"""
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_TCP)
    open(ready, "w").close()
    seen = set()
    end = time.time() + float(secs)
    while time.time() < end:
        s.settimeout(max(0.01, end - time.time()))
        try:
            pkt = s.recv(65535)
        except socket.timeout:
            break
        ihl = (pkt[0] & 15) * 4
        sp, dp = struct.unpack("!HH", pkt[ihl:ihl + 4])
        if dp == int(dport):
            seen.add(sp)
    print(" ".join(str(x) for x in sorted(seen)))

def cmd_send_udp(dst, dport, n, length):
    """n datagrams of length bytes (IPv4 total length), back to back"""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    data = b"x" * (int(length) - 28)
    for i in range(int(n)):
        s.sendto(data, (dst, int(dport)))

def cmd_count_udp(dport, idle, ready):
    """datagrams that arrive on dport until idle seconds pass without one"""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, 33, 8 << 20)  # SO_RCVBUFFORCE: keep the whole burst
    s.bind(("0.0.0.0", int(dport)))
    open(ready, "w").close()
    n = 0
    s.settimeout(float(idle) * 4)
    while True:
        try:
            s.recv(65535)
        except socket.timeout:
            break
        n += 1
        s.settimeout(float(idle))
    print(n)

if __name__ == "__main__":
    a = sys.argv[1:]
    o = sys.stdout
    {"ece": lambda: cmd_ece(o), "rates": lambda: cmd_rates(o, int(a[1])),
     "rate": lambda: cmd_rate(o, a[1], a[2], a[3], a[4] == "start"),
     "drop": lambda: cmd_drop(o, a[1]),
     "send-tcp": lambda: cmd_send_tcp(*a[1:]), "recv-tcp": lambda: cmd_recv_tcp(*a[1:]),
     "send-udp": lambda: cmd_send_udp(*a[1:]), "count-udp": lambda: cmd_count_udp(*a[1:]),
     }[a[0]]()
PYEOF
py() { python3 "$tmp/t.py" "$@"; }

# ---- a router between a sender and a sink ----------------------------------
# snd s0 198.18.10.2 -- rin0 198.18.10.1 [rtr] rout0 198.18.11.1 -- k0 198.18.11.2 snk
topology() {
	local n
	for n in "$SND" "$RTR" "$SNK"; do ip netns add "$n" || return 1; in_ns "$n" ip link set lo up; done
	ip link add s0 netns "$SND" type veth peer name rin0 netns "$RTR" || return 1
	ip link add k0 netns "$SNK" type veth peer name rout0 netns "$RTR" || return 1
	in_ns "$SND" ip addr add 198.18.10.2/24 dev s0
	in_ns "$RTR" ip addr add 198.18.10.1/24 dev rin0
	in_ns "$RTR" ip addr add 198.18.11.1/24 dev rout0
	in_ns "$SNK" ip addr add 198.18.11.2/24 dev k0
	in_ns "$SND" ip link set s0 up
	in_ns "$RTR" ip link set rin0 up
	in_ns "$RTR" ip link set rout0 up
	in_ns "$SNK" ip link set k0 up
	in_ns "$SND" ip route add default via 198.18.10.1
	in_ns "$SNK" ip route add default via 198.18.11.1
	in_ns "$RTR" sysctl -qw net.ipv4.ip_forward=1
	# neighbours resolved before the bursts count (a burst would overflow
	# the queue of packets waiting for ARP)
	in_ns "$SND" python3 "$tmp/t.py" send-udp 198.18.11.2 9 1 100
	sleep 0.5
}

# start_inj ARGS...: the live injector in rtr, reading a FIFO on fd 7
start_inj() {
	rm -f "$tmp/fifo"; mkfifo "$tmp/fifo"
	in_ns "$RTR" "$inj" --state-dir "$tmp/st" --window 20 "$@" <"$tmp/fifo" 2>>"$tmp/inj.log" &
	inj_pid=$!
	exec 7>"$tmp/fifo"
}
stop_inj() {
	exec 7>&-
	wait "$inj_pid" 2>/dev/null
	inj_pid=
	flush "$RTR"
}
wait_for() { # condition, tenths of a second
	local i
	for ((i = 0; i < $2; i++)); do eval "$1" && return 0; sleep 0.1; done
	return 1
}
# udp_burst DPORT N LEN: datagrams of LEN bytes sent back to back from snd; prints how many arrived
udp_burst() {
	rm -f "$tmp/ready"
	in_ns "$SNK" python3 "$tmp/t.py" count-udp "$1" 0.5 "$tmp/ready" >"$tmp/count" &
	local rp=$!
	wait_for '[ -e "$tmp/ready" ]' 50
	in_ns "$SND" python3 "$tmp/t.py" send-udp 198.18.11.2 "$1" "$2" "$3"
	wait "$rp"
	cat "$tmp/count"
}
# rule_pkts DPORT N: the packet counter of the N-th FLOWSPEC rule for that dport
rule_pkts() {
	in_ns "$RTR" iptables-legacy -L FLOWSPEC -n -v -x | awk -v p="dpt:$1" -v n="$2" \
		'index($0, p) { if (++k == n) { print $1; exit } }'
}

topology || { echo "FAIL: cannot build the namespaces"; exit 1; }

# ==== 1. tcp-flags ECE and CWR ================================================
echo "## 1. tcp-flags ECE and CWR"
py ece >"$tmp/ece.jsonl"
"$inj" -q --dry-run -4 <"$tmp/ece.jsonl" >"$tmp/ece.doc4" 2>/dev/null
in_ns "$SNK" iptables-legacy-restore --test <"$tmp/ece.doc4" 2>"$tmp/err"; rc=$?
check "1a dry run: iptables-legacy-restore --test takes the ECE/CWR routes ($(head -c 120 "$tmp/err"))" '[ $rc = 0 ]'
start_inj
cat "$tmp/ece.jsonl" >&7
# both families committed (each has its own commit)
wait_for '[ "$(in_ns "$RTR" iptables-legacy-save 2>/dev/null | grep -c "^-A FLOWSPEC")" -ge 3 ] &&
	[ "$(in_ns "$RTR" ip6tables-legacy-save 2>/dev/null | grep -c "^-A FLOWSPEC")" -ge 1 ]' 100
sleep 0.3
roundtrip "1b live IPv4" "$RTR" 4
roundtrip "1c live IPv6" "$RTR" 6
live_vs_dry "1d IPv4" "$RTR" 4 "$tmp/ece.jsonl"
live_vs_dry "1e IPv6" "$RTR" 6 "$tmp/ece.jsonl"
"$inj" --dry-run -6 <"$tmp/ece.jsonl" >/dev/null 2>"$tmp/err6"
check "1f the IPv6 route on CWR is refused by name (tcp-flags-ece-cwr-ipv6), the one on SYN installed" \
	'grep -q "refused: .*2001:db8:11::2/128.*tcp-flags-ece-cwr-ipv6" "$tmp/err6" && [ "$(save "$RTR" 6 | grep -c -- "-d 2001:db8:11::3/128 -p tcp -m tcp --tcp-flags SYN SYN -j DROP")" = 1 ]'
# real segments: SPORT:FLAGS to dport 5001 (drop =cwr) and 5002 (drop ece&!syn)
rm -f "$tmp/ready"
in_ns "$SNK" python3 "$tmp/t.py" recv-tcp 5001 3 "$tmp/ready" >"$tmp/seen1" &
r1=$!
wait_for '[ -e "$tmp/ready" ]' 50
in_ns "$SND" python3 "$tmp/t.py" send-tcp 198.18.10.2 198.18.11.2 5001 \
	40001:0x02,40002:0x82,40003:0x80,40004:0x42,40005:0x10,40006:0x90,40007:0x40
wait "$r1"
check "1g dport 5001 (tcp-flags =cwr): the segments with CWR dropped, the others arrive ($(cat "$tmp/seen1"))" \
	'[ "$(cat "$tmp/seen1")" = "40001 40004 40005 40007" ]'
rm -f "$tmp/ready"
in_ns "$SNK" python3 "$tmp/t.py" recv-tcp 5002 3 "$tmp/ready" >"$tmp/seen2" &
r1=$!
wait_for '[ -e "$tmp/ready" ]' 50
in_ns "$SND" python3 "$tmp/t.py" send-tcp 198.18.10.2 198.18.11.2 5002 \
	40011:0x02,40012:0x42,40013:0x40,40014:0x50,40015:0xc0,40016:0x80
wait "$r1"
check "1h dport 5002 (tcp-flags ece&!syn): ECE without SYN dropped, the others arrive ($(cat "$tmp/seen2"))" \
	'[ "$(cat "$tmp/seen2")" = "40011 40012 40016" ]'
stop_inj

# ==== 2. rate limits through save and restore ===============================
echo "## 2. byte and packet rates through iptables-legacy-save and -restore"
py rates "$seed" >"$tmp/rates.jsonl" 2>"$tmp/nrates"
read -r nr nlow what <"$tmp/nrates"
echo "# $what"
start_inj
cat "$tmp/rates.jsonl" >&7
wait_for '[ "$(in_ns "$RTR" iptables-legacy-save 2>/dev/null | grep -c -- "--hashlimit-above")" -ge $nr ]' 100
check "2a the $nr expressible rate routes installed live, each with one hashlimit rule" \
	'[ "$(in_ns "$RTR" iptables-legacy-save | grep -c -- "--hashlimit-above")" = $nr ]'
"$inj" --dry-run -4 <"$tmp/rates.jsonl" >/dev/null 2>"$tmp/err"
check "2b the $nlow byte rates below 16 B/s are refused by name (rate-not-expressible)" \
	'[ "$(grep -c "refused: .*rate-not-expressible: traffic-rate-bytes [0-9]*: below" "$tmp/err")" = $nlow ]'
roundtrip "2c live" "$RTR" 4
live_vs_dry "2d" "$RTR" 4 "$tmp/rates.jsonl"
stop_inj
# every shared fixture: its tables, saved, restore and save to the same text
bad=""
nfix=0
for f in "$here"/../fixtures/exabgp/*.jsonl; do
	for fam in 4 6; do
		"$inj" -q --dry-run -$fam <"$f" >"$tmp/fdoc" 2>/dev/null || { bad="$bad $(basename "$f")/v$fam(dry-run)"; continue; }
		ip netns add "$NA"; ip netns add "$NB"
		in_ns "$NA" "$(restore_cmd $fam)" <"$tmp/fdoc" 2>/dev/null
		if [ "$fam" = 4 ]; then in_ns "$NA" iptables-legacy-save >"$tmp/fsave"
		else in_ns "$NA" ip6tables-legacy-save >"$tmp/fsave"; fi
		if ! in_ns "$NB" "$(restore_cmd $fam)" <"$tmp/fsave" 2>/dev/null ||
			! diff <(save "$NA" $fam) <(save "$NB" $fam) >/dev/null; then
			bad="$bad $(basename "$f" .jsonl)/v$fam"
		fi
		nfix=$((nfix + 1))
		ip netns del "$NA"; ip netns del "$NB"
	done
done
check "2e the tables of all $nfix fixture documents save, restore and save again to the same text (failed:${bad:- none})" '[ -z "$bad" ]'

# ==== 3. a rate changed in place ==============================================
echo "## 3. a rate changed in place is enforced (300 datagrams of 1000 bytes back to back)"
above() { in_ns "$RTR" iptables-legacy-save | grep -- "--dport $1 " | grep -o -- "--hashlimit-above [^ ]*"; }
start_inj
py rate 6001 bytes 100000000 start >&7
py rate 6002 bytes 1000 no >&7
wait_for '[ -n "$(above 6001)" ] && [ -n "$(above 6002)" ]' 50
n=$(udp_burst 6001 300 1000)
check "3a dport 6001 at 1e8 B/s ($(above 6001)): $n of 300 arrive (>= 290)" '[ "$n" -ge 290 ]'
n=$(udp_burst 6002 300 1000)
check "3b dport 6002 at 1000 B/s ($(above 6002)): $n of 300 arrive (<= 30)" '[ "$n" -le 30 ]'
# the route's first rule counts what it matched, its limit rule what it dropped
c1=$(rule_pkts 6002 1) c2=$(rule_pkts 6002 2)
check "3c dport 6002: the route's first rule counted the 300 it matched ($c1), its limit rule the $((300 - n)) dropped ($c2)" \
	'[ "$c1" = 300 ] && [ "$c2" = $((300 - n)) ]'
py rate 6001 bytes 1000 no >&7
py rate 6002 bytes 100000000 no >&7
wait_for '[ "$(above 6001)" = "--hashlimit-above 992b/s" ] && [ "$(above 6002)" != "--hashlimit-above 992b/s" ]' 50
sleep 0.3
n=$(udp_burst 6001 300 1000)
check "3d dport 6001 changed in place to 1000 B/s ($(above 6001)): $n of 300 arrive (<= 30)" '[ "$n" -le 30 ]'
n=$(udp_burst 6002 300 1000)
check "3e dport 6002 changed in place to 1e8 B/s ($(above 6002)): $n of 300 arrive (>= 290)" '[ "$n" -ge 290 ]'
roundtrip "3f after the changes" "$RTR" 4
stop_inj

# ==== 4. interface wildcards ==================================================
echo "## 4. in-interface / out-interface with iptables' '+' wildcard"
py drop 6100 >"$tmp/drop.jsonl"
# iface_case NAME EXPECT ARGS...: the drop route for dport 6100 with ARGS;
# EXPECT = arrivals of 5 probes (0: dropped, 5: not ours)
iface_case() {
	local name=$1 want=$2 n
	shift 2
	start_inj --keep-on-exit "$@"
	cat "$tmp/drop.jsonl" >&7
	wait_for '[ "$(in_ns "$RTR" iptables-legacy-save 2>/dev/null | grep -c -- "--dport 6100 -j DROP")" = 1 ]' 50
	n=$(udp_burst 6100 5 100)
	check "$name: $n of 5 probes in on rin0, out on rout0 arrive (want $want)" '[ "$n" = "$want" ]'
	live_vs_dry "$name" "$RTR" 4 "$tmp/drop.jsonl" "$@"
	stop_inj
}
printf 'in-interface: "rin+"\n' >"$tmp/iif.yaml"
iface_case "4a config in-interface rin+" 0 -c "$tmp/iif.yaml"
iface_case "4b --out-interface rout+" 0 --out-interface rout+
iface_case "4c --in-interface + (every interface)" 0 --in-interface +
iface_case "4d --in-interface rin0 (exact)" 0 --in-interface rin0
iface_case "4e --in-interface rout+ (another interface's prefix)" 5 --in-interface rout+
iface_case "4f --out-interface rin+ (another interface's prefix)" 5 --out-interface rin+
check "4g the command line refuses a blank in an interface name" \
	'! "$inj" --dry-run --in-interface "r s+" </dev/null >/dev/null 2>&1'

echo "defects-translate: $pass passed, $fail failed (seed $seed)"
[ "$fail" = 0 ]
