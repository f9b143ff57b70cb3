#!/bin/bash
# Packet proofs for two FlowSpec actions, with the LIVE injector (root; exit
# 77 without it or without a tool):
#   BIRD 2 (ctl) announces bird-actions.conf over eBGP to ExaBGP 4.2 (rtr),
#   which runs flowspec-injector --nflog-group 7 as its API process.
#   1. sample -> NFLOG: ulogd2 runs in rtr as an operator would run it (NFLOG
#      group 7 -> BASE -> IFINDEX -> IP2STR -> PRINTPKT -> LOGEMU, to a file);
#      scapy sends N probes that match the sample routes (IPv4 and IPv6) and
#      M that do not: exactly N log lines, each naming its probe's
#      destination, ports and the forwarding interfaces, and every probe still
#      arrives at srv (sample alone does not drop).
#   2. traffic-rate-packets and traffic-rate-bytes: the rate and burst the
#      kernel holds (iptables-legacy-save) give a token bucket; a flood at
#      10x the rate is cut to what that bucket passes on the sender's real
#      timestamps (within a stated tolerance, and the test checks that a
#      limit 10x higher or lower, or none, would fall outside it), then
#      traffic paced at half the rate with no catch-up arrives completely.
# Usage: actions.sh [INJECTOR]   (an absolute path: ExaBGP runs it)
# shellcheck disable=SC2016 # check's tests are single-quoted on purpose
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
[ $# -ge 1 ] && FS_INJECTOR=$1
FS_INSTALL_MODE=live # the routes reach the kernel through ExaBGP's injector
NFLOG_GROUP=7        # not the default 0: proves --nflog-group reaches the rule
# run-injector.sh appends these to the injector's argv (ExaBGP passes its
# environment on to its API processes)
export FS_INJECTOR_EXTRA_ARGS="--nflog-group $NFLOG_GROUP"
# shellcheck source=lib.sh
. "$HERE/lib.sh"
T0=$(date +%s.%N)

[ "$(id -u)" = 0 ] || { echo "skipped: needs root (network namespaces)"; exit 77; }
for t in ulogd bird birdc exabgp iptables-legacy ip6tables-legacy iptables-legacy-save \
	ip6tables-legacy-save ip; do
	command -v "$t" >/dev/null || { echo "skipped: $t not installed (tests/install-deps.sh)"; exit 77; }
done
"$LAB_PY" -c 'import scapy.all' 2>/dev/null || { echo "skipped: python3-scapy not installed"; exit 77; }
lab_init
case $LAB_INJECTOR in /*) ;; *) lab_die "give the injector as an absolute path (ExaBGP starts it)" ;; esac

PASS=0 FAIL=0

# ------------------------------------------------------------ the tables --
# NFLOG probes (probe.py syntax).  S4/S6 match the sample routes: one line
# each in ulogd's file, told apart by their source ports; the others differ
# in one component each (port, destination, protocol) and must not be logged.
cat >"$LAB_DIR/probes1.txt" <<'EOF'
# S4 sample: dst 198.19.6.1/32 udp dport 6000
S4 pass dst=198.19.6.1 udp sport=41001 dport=6000 ctr=S4log,S4ret
S4 pass dst=198.19.6.1 udp sport=41002 dport=6000 ctr=S4log,S4ret
S4 pass dst=198.19.6.1 udp sport=41003 dport=6000 len=1000 ctr=S4log,S4ret
S4 pass dst=198.19.6.1 udp sport=41004 dport=6000 dscp=46 ctr=S4log,S4ret
S4 pass dst=198.19.6.1 udp sport=41005 dport=6000 ctr=S4log,S4ret
S4 pass dst=198.19.6.1 udp sport=41011 dport=6001
S4 pass dst=198.19.6.1 udp sport=41012 dport=5999
S4 pass dst=198.19.6.2 udp sport=41013 dport=6000
S4 pass dst=198.19.6.1 tcp sport=41014 dport=6000
# S6 sample: dst 2001:db8:d:21::1/128 udp dport 6000
S6 pass dst=2001:db8:d:21::1 udp sport=41021 dport=6000 ctr=S6log,S6ret
S6 pass dst=2001:db8:d:21::1 udp sport=41022 dport=6000 ctr=S6log,S6ret
S6 pass dst=2001:db8:d:21::1 udp sport=41023 dport=6000 ctr=S6log,S6ret
S6 pass dst=2001:db8:d:21::1 udp sport=41031 dport=6001
S6 pass dst=2001:db8:d:21::2 udp sport=41032 dport=6000
S6 pass dst=2001:db8:d:21::1 tcp sport=41033 dport=6000
EOF
# expected log lines: FAM DST DPORT SPORTS (the matching probes above)
LOG4_DST=198.19.6.1 LOG4_SPORTS="41001 41002 41003 41004 41005"
LOG6_DST=2001:db8:d:21::1 LOG6_SPORTS="41021 41022 41023"
LOG_DPORT=6000 LOG_OTHER_SPORTS="41011 41012 41013 41014 41031 41032 41033"

# Counters: NAME FAM REGEX (lib.sh run_probes)
cat >"$LAB_DIR/counters.txt" <<'EOF'
S4log    4 ^NFLOG .* 198\.19\.6\.1[ ]
S4ret    4 ^RETURN .* 198\.19\.6\.1[ ]
S6log    6 ^NFLOG .* 2001:db8:d:21::1[ ]
S6ret    6 ^RETURN .* 2001:db8:d:21::1[ ]
EOF

# Rate routes: LABEL MODE DST DPORT LEN RATE (LEN: IPv4 total length of
# every packet, so bytes are known; RATE: the route's traffic-rate in
# bird-actions.conf, packets/s or bytes/s)
RATES=("P4 packets 198.19.4.3 5003 60 200" "Y4 bytes 198.19.4.4 5004 1000 125000")

# ------------------------------------------------------- sender and judge --
cat >"$LAB_DIR/actions.py" <<'PYEOF'
#!/usr/bin/python3
"""actions.sh helpers.

  actions.py send --iface IF --smac M --dmac M --src A --dst A --dport N --len L
                  --id-base N --log FILE PHASE...
      PHASE = flood:RATE:SECONDS | pause:SECONDS | paced:RATE:SECONDS
      Raw frames on an AF_PACKET socket (no scapy: nothing but the packets
      costs time).  flood: packet i is due at start + i/RATE and is sent at
      once when late (catch-up).  paced: each packet leaves at least 1/RATE
      after the previous one actually left (no catch-up, so never faster
      than RATE, whatever the scheduler does).  Every packet carries the
      probe.py tag FSPROBE + id; the log has "PHASE ID MONOTONIC-TIME" per
      packet.  Then the end markers probe.py's sniffer waits for.
  actions.py judge --log FILE --seen FILE --label L --rmode packets|bytes
                   --above S --burst S --len L --route-rate R
                   --ctr "RET_P RET_B DROP_P DROP_B"
      One ok/FAIL line per check, '#' lines with the numbers.
  actions.py rate --above S --len L
      The packets/s of L bytes that the kernel's rule lets through.
"""
import argparse
import re
import socket
import struct
import sys
import time

TAG = b"FSPROBE"


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def mac(m):
    return bytes(int(x, 16) for x in m.split(":"))


def udp4(src, dst, sport, dport, data, ipid):
    u = struct.pack("!HHHH", sport, dport, 8 + len(data), 0) + data  # checksum 0: none (IPv4)
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(u), ipid & 0xFFFF, 0, 64, 17, 0,
                    socket.inet_aton(src), socket.inet_aton(dst))
    return h[:10] + struct.pack("!H", csum(h)) + h[12:] + u


def udp6(src, dst, sport, dport, data):
    s6, d6 = socket.inet_pton(socket.AF_INET6, src), socket.inet_pton(socket.AF_INET6, dst)
    n = 8 + len(data)
    u = struct.pack("!HHHH", sport, dport, n, 0) + data
    c = csum(s6 + d6 + struct.pack("!IxxxB", n, 17) + u) or 0xFFFF
    return struct.pack("!IHBB", 6 << 28, n, 17, 64) + s6 + d6 + u[:6] + struct.pack("!H", c) + u[8:]


def cmd_send(a):
    hdr4 = mac(a.dmac) + mac(a.smac) + b"\x08\x00"
    hdr6 = mac(a.dmac) + mac(a.smac) + b"\x86\xdd"
    plan, pid = [], a.id_base
    for ph in a.phases:
        w = ph.split(":")
        if w[0] == "pause":
            plan.append(("pause", float(w[1]), []))
            continue
        if w[0] not in ("flood", "paced") or len(w) != 3:
            raise SystemExit("bad phase %r" % ph)
        rate, secs = float(w[1]), float(w[2])
        frames = []
        for _ in range(max(1, round(rate * secs))):
            data = TAG + b"%07d" % pid
            data += b"." * (a.len - 28 - len(data))
            fr = hdr4 + udp4(a.src, a.dst, 40000, a.dport, data, pid)
            assert len(fr) == 14 + a.len
            frames.append((pid, fr))
            pid += 1
        plan.append((w[0], 1.0 / rate, frames))
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((a.iface, 0))
    log = []
    for kind, arg, frames in plan:
        if kind == "pause":
            time.sleep(arg)
            continue
        due = time.monotonic()
        for i, fr in frames:
            now = time.monotonic()
            if now < due:
                time.sleep(due - now)
                now = time.monotonic()
            s.send(fr)
            log.append("%s %d %.6f" % (kind, i, now))
            due = due + arg if kind == "flood" else now + arg
    time.sleep(0.05)
    s.send(hdr4 + udp4(a.src, "198.18.2.2", 40000, 9, b"FSPEND4", 1))
    s.send(hdr6 + udp6("2001:db8:c1::2", "2001:db8:5e::2", 40000, 9, b"FSPEND6"))
    s.close()
    with open(a.log, "w") as f:
        f.write("\n".join(log) + "\n")


def parse_above(s):
    """iptables-save's --hashlimit-above: (value, True) in bytes/s or
    (value, False) in packets/s."""
    m = re.fullmatch(r"(\d+)([km]?)b/s", s)
    if m:
        return int(m.group(1)) * {"": 1, "k": 1024, "m": 1 << 20}[m.group(2)], True
    m = re.fullmatch(r"(\d+)/(sec|min|hour|day)", s)
    if m:
        return int(m.group(1)) / {"sec": 1, "min": 60, "hour": 3600, "day": 86400}[m.group(2)], False
    raise SystemExit("cannot read --hashlimit-above %r" % s)


def parse_burst(s, byte_mode):
    """(value, unit): bytes mode prints cfg.burst * rate truncated to whole
    units (b, kb, mb), packets mode the packets (unit 1)."""
    m = re.fullmatch(r"(\d+)([km]?)b", s) if byte_mode else re.fullmatch(r"(\d+)", s)
    if not m:
        raise SystemExit("cannot read --hashlimit-burst %r" % s)
    unit = {"": 1, "k": 1024, "m": 1 << 20}[m.group(2)] if byte_mode else 1
    return int(m.group(1)) * unit, unit


class Bucket:
    """xt_hashlimit (revision 3, no rate-match mode) for one hash entry.

    packets: the entry starts full, holds `burst` packets, refills `rate`
    packets/s, a packet costs one.
    bytes: the unit is the 16-byte chunk; a packet of L bytes (skb->len, the
    IP packet) costs L//16 + 1 chunks.  The entry starts with one second's
    worth of credit, and one second's worth is also the cap; the rule's
    burst is a count of one-off refills: when a packet costs more than the
    credit left and refills remain, the credit is SET to one second's worth
    (the rest is lost) and a refill is used.  So a fresh entry passes
    (1 + refills) seconds of traffic before the rate applies."""

    def __init__(self, byte_mode, rate_pps_or_chunks, burst, refills, cost):
        self.byte_mode, self.rate, self.cap, self.cost = byte_mode, rate_pps_or_chunks, burst, cost
        self.refills, self.credit, self.last = refills, burst, None

    def offer(self, t):
        if self.last is not None:
            self.credit = min(self.cap, self.credit + self.rate * (t - self.last))
        self.last = t
        if self.byte_mode and self.credit < self.cost and self.refills > 0:
            self.refills -= 1
            self.credit = self.cap
        if self.credit >= self.cost:
            self.credit -= self.cost
            return True
        return False


def kernel_pps(above, byte_mode, length):
    """Packets/s of `length` bytes the kernel lets through (see Bucket)."""
    return (above / 16 + 1) / (length // 16 + 1) if byte_mode else above


def cmd_rate(a):
    above, byte_mode = parse_above(a.above)
    print("%.4f" % kernel_pps(above, byte_mode, a.len))
    return 0


def cmd_judge(a):
    above, byte_mode = parse_above(a.above)
    if byte_mode != (a.mode == "bytes"):
        raise SystemExit("%s: the kernel's rule is not in %s mode: %s" % (a.label, a.mode, a.above))
    burst, unit = parse_burst(a.burst, byte_mode)
    if byte_mode:
        # libxt_hashlimit prints (per - 1) * 16 with per = floor((2^32-1) / avg);
        # the kernel refills 2^32 / avg chunks a second: per chunks within 1
        chunks_s = above / 16 + 1
        # cfg.burst, printed as cfg.burst * rate truncated to the unit: the
        # one whole number that fits, or the rule cannot be read exactly
        fit = [k for k in range(burst // int(above), (burst + unit) // int(above) + 1)
               if burst <= k * above < burst + unit]
        if len(fit) != 1:
            raise SystemExit("%s: --hashlimit-burst %s at %s is not one refill count: %s"
                             % (a.label, a.burst, a.above, fit))
        refills = fit[0]
        cost = a.len // 16 + 1
        pps = kernel_pps(above, True, a.len)
        mk = lambda m: Bucket(True, chunks_s * m, chunks_s * m, refills, cost)
        allowance = (1 + refills) * chunks_s / cost
        print("#   %s kernel: --hashlimit-above %s --hashlimit-burst %s = %.0f B/s as shown; "
              "xt_hashlimit refills %.0f chunks/s of 16 B = %.0f charged B/s; a %d-byte packet "
              "is charged %d chunks (%d B): %.2f packets/s = %.0f IP bytes/s; "
              "burst = %d one-off refills of 1 s: a fresh entry passes %.0f packets (%.1f s)"
              % (a.label, a.above, a.burst, above, chunks_s, chunks_s * 16, a.len, cost,
                 cost * 16, pps, pps * a.len, refills, allowance, 1 + refills))
    else:
        pps = above
        mk = lambda m: Bucket(False, above * m, burst * m, 0, 1)
        allowance = burst
        print("#   %s kernel: --hashlimit-above %s --hashlimit-burst %s: %.2f packets/s, bucket "
              "of %d packets, full at the first packet" % (a.label, a.above, a.burst, pps, burst))
    sent = []
    with open(a.log) as f:
        for line in f:
            ph, i, t = line.split()
            sent.append((ph, int(i), float(t)))
    seen = set()
    lost = 0
    with open(a.seen) as f:
        for line in f:
            w = line.split()
            if w and w[0].isdigit():
                seen.add(int(w[0]))
            elif w and w[0] == "stats":
                lost = int(w[2])
    ok = bad = 0

    def check(good, text):
        nonlocal ok, bad
        print("%-4s %s %s" % ("ok" if good else "FAIL", a.label, text))
        ok += good
        bad += not good

    flood = [s for s in sent if s[0] == "flood"]
    paced = [s for s in sent if s[0] == "paced"]
    f_span = flood[-1][2] - flood[0][2]
    p_span = paced[-1][2] - paced[0][2]
    f_got = sum(1 for s in flood if s[1] in seen)
    p_got = sum(1 for s in paced if s[1] in seen)

    def sim(m):
        b = mk(m)
        r = {"flood": 0, "paced": 0, "before": None}
        for ph, _, t in sent:
            passed = b.offer(t)
            r[ph] += passed
            if not passed and r["before"] is None:
                r["before"] = r["flood"]
        return r
    s1, s10, s01 = sim(1), sim(10), sim(0.1)
    # Tolerance on the flood's count: 5% of the model (rate read-back
    # rounding is below 0.1%; the rest is for what the model ignores: the
    # kernel counts in jiffies, 4 ms at HZ=250) + 50 ms of the rate (a
    # packet's forwarding may lag its send timestamp, under load more so;
    # that shifts the bucket's start or end) + 2 packets (rounding).
    tol = 0.05 * s1["flood"] + 0.05 * pps + 2
    lo, hi = s1["flood"] - tol, s1["flood"] + tol
    print("#   %s flood: %d packets in %.3f s (%.0f/s offered, %.1fx the rate); paced: %d in "
          "%.3f s (%.1f/s, %.2fx the rate)" % (a.label, len(flood), f_span,
                                              (len(flood) - 1) / f_span, (len(flood) - 1) / f_span / pps,
                                              len(paced), p_span, (len(paced) - 1) / p_span,
                                              (len(paced) - 1) / p_span / pps))
    print("#   %s token bucket on the real send times: flood passes %d (window %.0f..%.0f), "
          "paced %d of %d; with the limit 10x higher: %d and %d, 10x lower: %d and %d, "
          "none: %d and %d" % (a.label, s1["flood"], lo, hi, s1["paced"], len(paced),
                               s10["flood"], s10["paced"], s01["flood"], s01["paced"],
                               len(flood), len(paced)))
    # the rule is the route's: the rate (hashlimit takes bytes/s in 16-byte
    # chunks: a route of R bytes/s is r = R >> 4 chunks, shown as r * 16 and
    # refilled at r + 1 chunks/s, so the shown value is in (R - 16, R]),
    # and a bounded burst: at least one second's worth (the injector's
    # choice), at most three (byte mode: the first second, plus cfg.burst
    # refills, rounded up)
    if byte_mode:
        check(a.route_rate - 16 < above <= a.route_rate,
              "the kernel's rule is the route's %.0f B/s: shown %.0f b/s, enforced %.0f charged "
              "B/s" % (a.route_rate, above, chunks_s * 16))
        secs = (1 + refills) * chunks_s * 16 / a.route_rate
    else:
        check(above == a.route_rate, "the kernel's rule is the route's %g packets/s: %s"
              % (a.route_rate, a.above))
        secs = burst / a.route_rate
    check(1 <= secs <= 3.01, "bounded burst: a fresh entry passes %.2f s of the route's rate "
          "before it applies (1..3 s)" % secs)
    check(lost == 0, "the sniffer in srv lost %d frames" % lost)
    ret_p, ret_b, drop_p, drop_b = (int(x) for x in a.ctr.split())
    check(ret_p == f_got + p_got and drop_p == len(sent) - f_got - p_got,
          "kernel counters: RETURN %d, hashlimit DROP %d = arrived at srv %d, missing %d"
          % (ret_p, drop_p, f_got + p_got, len(sent) - f_got - p_got))
    check(ret_b == ret_p * a.len and drop_b == drop_p * a.len,
          "kernel byte counters: RETURN %d B, DROP %d B = packets x %d B"
          % (ret_b, drop_b, a.len))
    # (b) the flood is cut to what the bucket passes, and the window tells
    # the real limit from one 10x off or none
    check(lo <= f_got <= hi,
          "flood at %.1fx the rate: %d of %d arrived, the kernel's bucket passes %d +- %.0f"
          % ((len(flood) - 1) / f_span / pps, f_got, len(flood), s1["flood"], tol))
    check(s10["flood"] > hi and s01["flood"] < lo and len(flood) > hi,
          "the window %.0f..%.0f excludes a limit 10x higher (%d), 10x lower (%d) and none (%d)"
          % (lo, hi, s10["flood"], s01["flood"], len(flood)))
    # the rate after the burst: arrivals sent from the first drop to the
    # flood's end, over that time (+-15%: 10x errors are far outside)
    first_drop = next((s for s in flood if s[1] not in seen), None)
    if first_drop is None:
        check(False, "the flood lost nothing: no rate limit")
    else:
        w = [s for s in flood if s[2] >= first_drop[2]]
        n = sum(1 for s in w if s[1] in seen)
        span = flood[-1][2] - first_drop[2]
        meas = n / span if span > 0 else 0
        before = sum(1 for s in flood if s[2] < first_drop[2])
        print("#   %s measured: the first %d packets passed (%.3f s, the burst); then %d in %.3f s "
              "= %.2f packets/s = %.0f IP bytes/s (%.0f charged B/s)"
              % (a.label, before, first_drop[2] - flood[0][2], n, span, meas, meas * a.len,
                 meas * 16 * (a.len // 16 + 1)))
        check(0.85 * pps <= meas <= 1.15 * pps,
              "after the burst the flood passes %.2f packets/s, the kernel's rate %.2f +-15%%"
              % (meas, pps))
        sb = s1["before"] or 0
        btol = 0.05 * sb + 0.05 * pps + 2
        check(abs(before - sb) <= btol,
              "the burst: %d packets passed before the first drop; the bucket: %d +- %.0f "
              "(%.0f of allowance, the rest refilled meanwhile)" % (before, sb, btol, allowance))
    # (a) below the rate everything passes, starting with an emptied bucket
    check(p_got == len(paced),
          "paced at %.2fx the rate right after the flood: %d of %d arrived"
          % ((len(paced) - 1) / p_span / pps, p_got, len(paced)))
    check(s1["paced"] == len(paced) and s01["paced"] < len(paced),
          "the paced phase tells: the bucket passes all %d, a limit 10x lower only %d"
          % (s1["paced"], s01["paced"]))
    print("#   %s: %d ok, %d failed" % (a.label, ok, bad))
    return 1 if bad else 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=("send", "judge", "rate"))
    ap.add_argument("phases", nargs="*")
    for o in ("iface", "smac", "dmac", "src", "dst", "log", "seen", "label", "above", "burst",
              "ctr"):
        ap.add_argument("--" + o)
    ap.add_argument("--rmode", dest="rmode")
    ap.add_argument("--dport", type=int)
    ap.add_argument("--len", type=int)
    ap.add_argument("--route-rate", type=float)
    ap.add_argument("--id-base", type=int)
    a = ap.parse_intermixed_args()
    if a.mode == "send":
        cmd_send(a)
        return 0
    if a.mode == "rate":
        return cmd_rate(a)
    a.mode = a.rmode
    return cmd_judge(a)


if __name__ == "__main__":
    sys.exit(main())
PYEOF

# ------------------------------------------------------------- helpers ----
# rule_bytes FAM REGEX: like rule_pkts (lib.sh), the byte counters
rule_bytes() {
	rule_list "$1" | awk -v re="$2" '
		NR > 2 { n = $2; line = $0; sub(/^ *[0-9]+ +[0-9]+ /, "", line)
		         if ((line " ") ~ re) s += n }
		END { print s + 0 }'
}

# hl_spec DST DPORT: "ABOVE BURST" of the hashlimit rule of that route, as
# iptables-legacy-save prints them from the kernel
hl_spec() {
	in_ns "$NS_RTR" iptables-legacy-save -t filter |
		awk -v d="-d $1/32" -v p="--dport $2 " '
			index($0, d " ") && index($0 " ", p) && /--hashlimit-above/ {
				for (i = 1; i < NF; i++) {
					if ($i == "--hashlimit-above") a = $(i + 1)
					if ($i == "--hashlimit-burst") b = $(i + 1)
				}
				print a, b; exit
			}'
}

# ------------------------------------------------------------------ lab ----
lab_create
# shellcheck disable=SC2046
srv_add_addrs $(probe_dsts "$LAB_DIR/probes1.txt") 198.19.4.3 198.19.4.4
ulogd_start "$NFLOG_GROUP" "$LAB_DIR/nflog.txt"
bird_start "$HERE/bird-actions.conf"
exabgp_start
wait_session_up
wait_eor
install_rules
echo "## the rules in rtr"
in_ns "$NS_RTR" iptables-legacy-save -t filter | grep '^-A FLOWSPEC' | sed 's/^/#   /'
in_ns "$NS_RTR" ip6tables-legacy-save -t filter | grep '^-A FLOWSPEC' | sed 's/^/#   /'
check "no route refused" '[ -z "$(rules_refused)" ]'
check "IPv4 sample route: -j NFLOG --nflog-group $NFLOG_GROUP (the injector's option)" \
	'in_ns "$NS_RTR" iptables-legacy-save -t filter | grep -q -- "-d 198.19.6.1/32 .*-j NFLOG --nflog-group $NFLOG_GROUP\$"'
check "IPv6 sample route: -j NFLOG --nflog-group $NFLOG_GROUP" \
	'in_ns "$NS_RTR" ip6tables-legacy-save -t filter | grep -q -- "-d 2001:db8:d:21::1/128 .*-j NFLOG --nflog-group $NFLOG_GROUP\$"'

# ------------------------------------------------------- sample -> NFLOG --
run_probes 1 "$LAB_DIR/probes1.txt" 1000000
echo "## ulogd2: one line per sampled packet in $LAB_DIR/nflog.txt"
nwant=$(($(wc -w <<<"$LOG4_SPORTS") + $(wc -w <<<"$LOG6_SPORTS")))
for ((i = 0; i < 50; i++)); do
	[ "$(wc -l <"$LAB_DIR/nflog.txt")" -ge "$nwant" ] && break
	sleep 0.1
done
sleep 0.3 # a stray extra line would have arrived by now
sed 's/^/#   /' "$LAB_DIR/nflog.txt"
nlog=$(wc -l <"$LAB_DIR/nflog.txt")
check "ulogd logged $nlog packets: exactly the $nwant probes that match a sample route" '[ "$nlog" = "$nwant" ]'
# log_sports DST PROTO: the source ports of the lines that name this
# destination, protocol and destination port, forwarded r-cli -> r-srv
log_sports() {
	awk -v dst="DST=$1" -v proto="PROTO=$2" -v dpt="DPT=$LOG_DPORT" '
		{ d = p = t = s = i = o = ""
		  for (k = 1; k <= NF; k++) {
			if ($k ~ /^DST=/) d = $k; if ($k ~ /^PROTO=/) p = $k
			if ($k ~ /^DPT=/) t = $k; if ($k ~ /^SPT=/) s = substr($k, 5)
			if ($k ~ /^IN=/) i = $k; if ($k ~ /^OUT=/) o = $k }
		  if (d == dst && p == proto && t == dpt && i == "IN=r-cli" && o == "OUT=r-srv") print s }' \
		"$LAB_DIR/nflog.txt" | sort -n | tr '\n' ' ' | sed 's/ $//'
}
got4=$(log_sports "$LOG4_DST" UDP)
got6=$(log_sports "$LOG6_DST" UDP)
check "IPv4: one line per probe naming DST=$LOG4_DST PROTO=UDP DPT=$LOG_DPORT IN=r-cli OUT=r-srv, source ports [$got4] = [$LOG4_SPORTS]" \
	'[ "$got4" = "$LOG4_SPORTS" ]'
check "IPv6: one line per probe naming DST=$LOG6_DST PROTO=UDP DPT=$LOG_DPORT IN=r-cli OUT=r-srv, source ports [$got6] = [$LOG6_SPORTS]" \
	'[ "$got6" = "$LOG6_SPORTS" ]'
other=$(for p in $LOG_OTHER_SPORTS; do grep -c " SPT=$p " "$LAB_DIR/nflog.txt"; done | awk '{ s += $1 } END { print s + 0 }')
check "no line for the $(wc -w <<<"$LOG_OTHER_SPORTS") probes that match no sample route ($other)" '[ "$other" = 0 ]'

# ---------------------------------------------------------- rate limits --
# Each route: a flood at 10x the kernel's rate for 1.5 s, 0.1 s of quiet,
# then half the rate for 2 s; srv's sniffer records what arrives, the
# kernel counts what its two rules (hashlimit DROP, RETURN) saw.
base=3000000
for spec in "${RATES[@]}"; do
	read -r label mode dst dport len rate <<<"$spec"
	echo "## $label: traffic-rate-$mode, $dst udp dport $dport, $len-byte packets"
	read -r above burst <<<"$(hl_spec "$dst" "$dport")"
	[ -n "${above:-}" ] || lab_die "$label: no hashlimit rule for $dst dport $dport in rtr"
	# byte mode without --hashlimit-burst (the injector's choice): no refills
	[ -z "${burst:-}" ] && [ "$mode" = bytes ] && burst=0b
	[ -n "${burst:-}" ] || lab_die "$label: no --hashlimit-burst in the packet-mode rule for $dst dport $dport"
	# the kernel's rate in packets/s of this size, for the sender
	pps=$("$LAB_PY" "$LAB_DIR/actions.py" rate --above "$above" --len "$len") ||
		lab_die "$label: cannot read the rate $above"
	ddrop="^DROP .* ${dst//./\\.} .*limit: above" dret="^RETURN .* ${dst//./\\.}[ ]"
	c0="$(rule_pkts 4 "$dret") $(rule_bytes 4 "$dret") $(rule_pkts 4 "$ddrop") $(rule_bytes 4 "$ddrop")"
	sniff_start "$LAB_DIR/seen-$label.txt"
	in_ns "$NS_CLI" "$LAB_PY" "$LAB_DIR/actions.py" send --iface "$CLI_IF" --smac "$CLI_MAC" \
		--dmac "$RTR_CLI_MAC" --src "$CLI_V4" --dst "$dst" --dport "$dport" --len "$len" \
		--id-base "$base" --log "$LAB_DIR/sent-$label.txt" \
		"flood:$(awk -v r="$pps" 'BEGIN { print 10 * r }'):1.5" pause:0.1 \
		"paced:$(awk -v r="$pps" 'BEGIN { print r / 2 }'):2" || lab_die "$label: sender failed"
	sniff_stop
	c1="$(rule_pkts 4 "$dret") $(rule_bytes 4 "$dret") $(rule_pkts 4 "$ddrop") $(rule_bytes 4 "$ddrop")"
	ctr=$(paste -d' ' <(tr ' ' '\n' <<<"$c1") <(tr ' ' '\n' <<<"$c0") | awk '{ printf "%d ", $1 - $2 }')
	hlname=$(in_ns "$NS_RTR" iptables-legacy-save -t filter | grep -o -- "-d $dst/32 .*--hashlimit-name [^ ]*" | awk '{ print $NF }')
	lab_log "$label /proc/net/ipt_hashlimit/$hlname (expires src->dst credit credit_cap cost): $(in_ns "$NS_RTR" cat "/proc/net/ipt_hashlimit/$hlname" 2>/dev/null | head -1)"
	"$LAB_PY" "$LAB_DIR/actions.py" judge --log "$LAB_DIR/sent-$label.txt" \
		--seen "$LAB_DIR/seen-$label.txt" --label "$label" --rmode "$mode" --above "$above" \
		--burst "$burst" --len "$len" --route-rate "$rate" --ctr "$ctr" >"$LAB_DIR/judge-$label.txt" 2>&1
	cat "$LAB_DIR/judge-$label.txt"
	grep -q '^#   .*: [0-9]* ok, [0-9]* failed$' "$LAB_DIR/judge-$label.txt" || nok "$label: the judge failed"
	PASS=$((PASS + $(grep -c '^ok ' "$LAB_DIR/judge-$label.txt")))
	FAIL=$((FAIL + $(grep -c '^FAIL ' "$LAB_DIR/judge-$label.txt")))
	base=$((base + 1000000))
done

# ------------------------------------------------------------ teardown ----
echo "## ulogd stops on SIGTERM"
check "ulogd exited within 5 s of SIGTERM" 'ulogd_stop'

T1=$(date +%s.%N)
echo "## runtime $(awk -v a="$T0" -v b="$T1" 'BEGIN { printf "%.1f", b - a }') s"
echo "$PASS passed, $FAIL failed"
[ "$FAIL" = 0 ]
