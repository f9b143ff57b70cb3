#!/bin/bash
# Real-parts lab test (root; exit 77 without it):
#   BIRD 2 (ctl) announces bird-all.conf over eBGP to ExaBGP 4.2 (rtr), whose
#   API process captures the JSON; flowspec-injector --dry-run turns the
#   capture into iptables-legacy documents loaded into rtr; scapy in cli sends
#   the probes below through rtr to srv, where a sniffer records what arrived
#   (and with which DSCP).  Each probe's fate must be the one its route means;
#   several rules' kernel counters must have grown by exactly the number of
#   probes that match them.  Then BIRD withdraws two routes, the new capture
#   is installed again, and their traffic must pass.
# Usage: packets-dryrun.sh [INJECTOR]   (default build-integ/injector/flowspec-injector)
# shellcheck disable=SC2016 # check's tests are single-quoted on purpose
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
[ $# -ge 1 ] && FS_INJECTOR=$1
# shellcheck source=lib.sh
. "$HERE/lib.sh"
T0=$(date +%s.%N)
lab_init

PASS=0 FAIL=0
# check NAME 'SHELL-TEST' (single-quoted on purpose, evaluated here)

# ------------------------------------------------------------ probe table --
# ROUTE EXPECT PACKET (probe.py describes the tokens).  The route labels are
# the comments in bird-all.conf.  Fragment expectations follow RFC 8955
# §4.2.2.12 / RFC 8956 §3.6: IsF = "is a fragment other than the first"
# (offset != 0), FF = offset 0 and MF, LF = offset != 0 and no MF.
cat >"$LAB_DIR/probes1.txt" <<'EOF'
# A01 dst + src 198.18.1.64/26 + proto udp + dport 7001
A01 drop src=198.18.1.64 dst=198.19.1.1 udp dport=7001 ctr=A01
A01 drop src=198.18.1.127 dst=198.19.1.1 udp dport=7001 ctr=A01
A01 pass src=198.18.1.63 dst=198.19.1.1 udp dport=7001
A01 pass src=198.18.1.128 dst=198.19.1.1 udp dport=7001
A01 pass src=198.18.1.64 dst=198.19.1.1 udp dport=7002
A01 pass src=198.18.1.64 dst=198.19.1.1 udp dport=7000
A01 pass src=198.18.1.64 dst=198.19.1.1 tcp dport=7001
# A02 tcp port 22,80,443 (either port)
A02 drop dst=198.19.1.2 tcp sport=40000 dport=80 ctr=A02
A02 drop dst=198.19.1.2 tcp sport=443 dport=40000 ctr=A02
A02 drop dst=198.19.1.2 tcp sport=40000 dport=22 ctr=A02
A02 pass dst=198.19.1.2 tcp sport=40000 dport=21
A02 pass dst=198.19.1.2 tcp sport=40000 dport=23
A02 pass dst=198.19.1.2 tcp sport=40000 dport=81
A02 pass dst=198.19.1.2 tcp sport=40000 dport=442
A02 drop dst=198.19.1.2 tcp sport=40000 dport=443 ctr=A02
A02 pass dst=198.19.1.2 tcp sport=40000 dport=444
A02 pass dst=198.19.1.2 tcp sport=79 dport=40000
A02 pass dst=198.19.1.2 udp sport=40000 dport=80
# A03 tcp dport >1024&<2048 , >=8000&<=9000 (withdrawn in phase 2)
A03 pass dst=198.19.1.3 tcp dport=1024
A03 drop dst=198.19.1.3 tcp dport=1025 ctr=A03
A03 drop dst=198.19.1.3 tcp dport=2047 ctr=A03
A03 pass dst=198.19.1.3 tcp dport=2048
A03 pass dst=198.19.1.3 tcp dport=7999
A03 drop dst=198.19.1.3 tcp dport=8000 ctr=A03
A03 drop dst=198.19.1.3 tcp dport=9000 ctr=A03
A03 pass dst=198.19.1.3 tcp dport=9001
A03 pass dst=198.19.1.3 udp dport=1500
# A04 udp sport >=1024, dport !=53
A04 pass dst=198.19.1.4 udp sport=1023 dport=5000
A04 drop dst=198.19.1.4 udp sport=1024 dport=5000
A04 drop dst=198.19.1.4 udp sport=65535 dport=5000
A04 pass dst=198.19.1.4 udp sport=2000 dport=53
A04 drop dst=198.19.1.4 udp sport=2000 dport=52
A04 drop dst=198.19.1.4 udp sport=2000 dport=54
A04 pass dst=198.19.1.4 tcp sport=2000 dport=5000
# A05 icmp type 8 code 0
A05 drop dst=198.19.1.5 icmp type=8 code=0
A05 pass dst=198.19.1.5 icmp type=8 code=1
A05 pass dst=198.19.1.5 icmp type=0 code=0
A05 pass dst=198.19.1.5 icmp type=9 code=0
A05 pass dst=198.19.1.5 icmp type=7 code=0
A05 pass dst=198.19.1.5 udp dport=8
# A06 icmp type 3,11 code <4
A06 drop dst=198.19.1.6 icmp type=3 code=0
A06 drop dst=198.19.1.6 icmp type=3 code=3
A06 pass dst=198.19.1.6 icmp type=3 code=4
A06 drop dst=198.19.1.6 icmp type=11 code=0
A06 drop dst=198.19.1.6 icmp type=11 code=1
A06 pass dst=198.19.1.6 icmp type=11 code=4
A06 pass dst=198.19.1.6 icmp type=2 code=0
A06 pass dst=198.19.1.6 icmp type=4 code=0
A06 pass dst=198.19.1.6 icmp type=10 code=0
A06 pass dst=198.19.1.6 icmp type=12 code=0
# A07 tcp flags SYN set, ACK clear (0x02/0x12)
A07 drop dst=198.19.1.7 tcp flags=S ctr=A07
A07 pass dst=198.19.1.7 tcp flags=SA
A07 pass dst=198.19.1.7 tcp flags=A
A07 drop dst=198.19.1.7 tcp flags=FS ctr=A07
A07 drop dst=198.19.1.7 tcp flags=SR ctr=A07
A07 drop dst=198.19.1.7 tcp flags=SU ctr=A07
A07 pass dst=198.19.1.7 tcp flags=SAU
A07 pass dst=198.19.1.7 tcp flags=none
A07 pass dst=198.19.1.7 udp
# A08 tcp flags (!RST & SYN+ACK) , FIN
A08 drop dst=198.19.1.8 tcp flags=SA
A08 pass dst=198.19.1.8 tcp flags=SAR
A08 drop dst=198.19.1.8 tcp flags=SAP
A08 pass dst=198.19.1.8 tcp flags=S
A08 pass dst=198.19.1.8 tcp flags=A
A08 drop dst=198.19.1.8 tcp flags=F
A08 drop dst=198.19.1.8 tcp flags=FR
A08 drop dst=198.19.1.8 tcp flags=FA
A08 pass dst=198.19.1.8 tcp flags=R
A08 pass dst=198.19.1.8 tcp flags=none
# A09 tcp flags 0x03/0x0f: FIN+SYN set, RST+PSH clear
A09 drop dst=198.19.1.9 tcp flags=FS
A09 drop dst=198.19.1.9 tcp flags=FSA
A09 drop dst=198.19.1.9 tcp flags=FSU
A09 pass dst=198.19.1.9 tcp flags=FSP
A09 pass dst=198.19.1.9 tcp flags=FSR
A09 pass dst=198.19.1.9 tcp flags=FSAR
A09 pass dst=198.19.1.9 tcp flags=S
A09 pass dst=198.19.1.9 tcp flags=F
# A10 length <64 , >1000 (any protocol)
A10 drop dst=198.19.1.10 udp len=42 ctr=A10
A10 drop dst=198.19.1.10 udp len=63 ctr=A10
A10 pass dst=198.19.1.10 udp len=64
A10 pass dst=198.19.1.10 udp len=1000
A10 drop dst=198.19.1.10 udp len=1001 ctr=A10
A10 drop dst=198.19.1.10 udp len=1500 ctr=A10
A10 drop dst=198.19.1.10 icmp len=63 ctr=A10
A10 pass dst=198.19.1.10 tcp len=500
# A11 udp length >=200&<=300
A11 pass dst=198.19.1.11 udp len=199
A11 drop dst=198.19.1.11 udp len=200
A11 drop dst=198.19.1.11 udp len=300
A11 pass dst=198.19.1.11 udp len=301
A11 pass dst=198.19.1.11 tcp len=250
# A12 dscp 8..15 , 32 (ECN bits must not matter)
A12 pass dst=198.19.1.12 udp dscp=0
A12 pass dst=198.19.1.12 udp dscp=7
A12 drop dst=198.19.1.12 udp dscp=8 ctr=A12
A12 drop dst=198.19.1.12 udp dscp=15 ctr=A12
A12 pass dst=198.19.1.12 udp dscp=16
A12 pass dst=198.19.1.12 udp dscp=31
A12 drop dst=198.19.1.12 udp dscp=32 ctr=A12
A12 pass dst=198.19.1.12 udp dscp=33
A12 pass dst=198.19.1.12 udp dscp=63
A12 drop dst=198.19.1.12 udp dscp=8 ecn=3 ctr=A12
A12 pass dst=198.19.1.12 udp dscp=7 ecn=3
# A13 proto !=6 & !=17
A13 pass dst=198.19.1.13 tcp
A13 pass dst=198.19.1.13 udp
A13 drop dst=198.19.1.13 icmp
A13 drop dst=198.19.1.13 proto=5
A13 drop dst=198.19.1.13 proto=7
A13 drop dst=198.19.1.13 proto=16
A13 drop dst=198.19.1.13 proto=18
A13 drop dst=198.19.1.13 proto=47
# A14 proto <6 , >17
A14 drop dst=198.19.1.14 icmp
A14 drop dst=198.19.1.14 proto=5
A14 pass dst=198.19.1.14 tcp
A14 pass dst=198.19.1.14 proto=7
A14 pass dst=198.19.1.14 proto=16
A14 pass dst=198.19.1.14 udp
A14 drop dst=198.19.1.14 proto=18
A14 drop dst=198.19.1.14 proto=132
# A15 proto 41,47,50,132
A15 drop dst=198.19.1.15 proto=41 ctr=A15
A15 drop dst=198.19.1.15 proto=47 ctr=A15
A15 drop dst=198.19.1.15 proto=50 ctr=A15
A15 drop dst=198.19.1.15 proto=132 ctr=A15
A15 pass dst=198.19.1.15 proto=40
A15 pass dst=198.19.1.15 proto=46
A15 pass dst=198.19.1.15 proto=48
A15 pass dst=198.19.1.15 proto=49
A15 pass dst=198.19.1.15 proto=51
A15 pass dst=198.19.1.15 proto=131
A15 pass dst=198.19.1.15 proto=133
A15 pass dst=198.19.1.15 udp
# A20 fragment dont-fragment
A20 pass dst=198.19.2.20 udp
A20 drop dst=198.19.2.20 udp df ctr=A20
A20 pass dst=198.19.2.20 udp mf
A20 pass dst=198.19.2.20 udp mf off=8
A20 pass dst=198.19.2.20 udp off=8
A20 drop dst=198.19.2.20 udp df mf ctr=A20
A20 drop dst=198.19.2.20 udp df off=8 ctr=A20
# A21 fragment is-fragment (offset != 0)
A21 pass dst=198.19.2.21 udp
A21 pass dst=198.19.2.21 udp df
A21 pass dst=198.19.2.21 udp mf
A21 drop dst=198.19.2.21 udp mf off=8
A21 drop dst=198.19.2.21 udp off=8
A21 drop dst=198.19.2.21 udp off=1
A21 drop dst=198.19.2.21 udp df off=8
# A22 fragment first-fragment , last-fragment
A22 pass dst=198.19.2.22 udp
A22 drop dst=198.19.2.22 udp mf ctr=A22
A22 pass dst=198.19.2.22 udp mf off=8
A22 drop dst=198.19.2.22 udp off=8 ctr=A22
A22 pass dst=198.19.2.22 udp df
# A23 fragment !is-fragment (offset 0)
A23 drop dst=198.19.2.23 udp
A23 drop dst=198.19.2.23 udp df
A23 drop dst=198.19.2.23 udp mf
A23 pass dst=198.19.2.23 udp mf off=8
A23 pass dst=198.19.2.23 udp off=8
# A24 fragment is-fragment & !dont-fragment
A24 pass dst=198.19.2.24 udp
A24 pass dst=198.19.2.24 udp mf
A24 drop dst=198.19.2.24 udp mf off=8
A24 drop dst=198.19.2.24 udp off=8
A24 pass dst=198.19.2.24 udp df mf off=8
A24 pass dst=198.19.2.24 udp df off=8
# A25 udp dport 9999: the L4 header is only in the first fragment
A25 drop dst=198.19.2.25 udp dport=9999
A25 drop dst=198.19.2.25 udp dport=9999 mf
A25 pass dst=198.19.2.25 udp dport=9999 mf off=8
A25 pass dst=198.19.2.25 udp dport=9999 off=8
A25 pass dst=198.19.2.25 udp dport=9998
# B01 rate-bytes 1e6 B/s: within the rate, accepted
B01 pass dst=198.19.4.1 udp dport=5001 ctr=B01ret
B01 pass dst=198.19.4.1 udp dport=5001 len=1400 ctr=B01ret
B01 pass dst=198.19.4.1 udp dport=5001 ctr=B01ret
B01 pass dst=198.19.4.1 udp dport=5002
# B02 rate-packets 1000/s
B02 pass dst=198.19.4.2 udp dport=1 ctr=B02ret
B02 pass dst=198.19.4.2 udp dport=2 ctr=B02ret
B02 pass dst=198.19.4.2 udp dport=3 ctr=B02ret
B02 pass dst=198.19.4.2 tcp dport=1
# B03 rate-packets 10/s: 50 back to back, some cut
B03 burst dst=198.19.4.3 udp dport=5003 count=50 ctr=B03drop:drop,B03ret:pass
# B04 accept /32 (no action) before discard /24
B04 pass dst=198.19.5.1 udp dport=5000 ctr=B04acc
B04 drop dst=198.19.5.1 udp dport=5001 ctr=B04drop
B04 drop dst=198.19.5.1 tcp dport=5000 ctr=B04drop
B04 drop dst=198.19.5.2 udp dport=5000 ctr=B04drop
# B05 sample (NFLOG), T clear
B05 pass dst=198.19.6.1 udp dport=6000 ctr=B05log
B05 pass dst=198.19.6.1 udp dport=6010 ctr=B05log
B05 pass dst=198.19.6.1 udp dport=5999
B05 pass dst=198.19.6.1 udp dport=6011
# B06 sample with T set before discard /24: the discard applies
B06 drop dst=198.19.7.1 udp dport=7000 ctr=B06log,B06drop
B06 drop dst=198.19.7.1 udp dport=7001 ctr=B06drop
B06 drop dst=198.19.7.2 udp dport=7000 ctr=B06drop
# B07 sample with T clear before discard /24: the discard does not apply
B07 pass dst=198.19.8.1 udp dport=7000 ctr=B07log
B07 drop dst=198.19.8.1 udp dport=7001 ctr=B07drop
B07 drop dst=198.19.8.2 udp dport=7000 ctr=B07drop
# B08 mark 10 with T set, then rate-limited accept /24: both apply
B08 dscp=10 dst=198.19.9.1 udp ctr=B08mark,B08ret
B08 dscp=10 dst=198.19.9.1 udp dscp=33 ecn=2 ctr=B08mark,B08ret
B08 pass dst=198.19.9.2 udp ctr=B08ret
B08 pass dst=198.19.9.1 tcp
# B09 mark 46 on TCP SYN
B09 dscp=46 dst=198.19.11.1 tcp flags=S ctr=B09mark
B09 dscp=46 dst=198.19.11.1 tcp flags=SA ctr=B09mark
B09 dscp=46 dst=198.19.11.1 tcp flags=S dscp=8 ecn=1 ctr=B09mark
B09 pass dst=198.19.11.1 tcp flags=A
B09 pass dst=198.19.11.1 tcp flags=A dscp=12
B09 pass dst=198.19.11.1 udp
# B10 mark 0 on DSCP 46
B10 dscp=0 dst=198.19.11.2 udp dscp=46
B10 dscp=0 dst=198.19.11.2 udp dscp=46 ecn=2
B10 pass dst=198.19.11.2 udp dscp=45
B10 pass dst=198.19.11.2 udp dscp=47
# B11 mark 40 (T set) on DSCP 10..20, then discard DSCP 40: decided on arrival DSCP
B11 dscp=40 dst=198.19.12.1 udp dscp=10 ctr=B11mark
B11 dscp=40 dst=198.19.12.1 udp dscp=12 ctr=B11mark
B11 dscp=40 dst=198.19.12.1 udp dscp=20 ctr=B11mark
B11 pass dst=198.19.12.1 udp dscp=9
B11 pass dst=198.19.12.1 udp dscp=21
B11 drop dst=198.19.12.1 udp dscp=40 ctr=B11drop
B11 drop dst=198.19.12.2 udp dscp=40 ctr=B11drop
B11 pass dst=198.19.12.2 udp dscp=12
# C01 v6 dst + src 2001:db8:c1::100/120 + udp + dport 7001
C01 drop src=2001:db8:c1::100 dst=2001:db8:d:1::1 udp dport=7001 ctr=C01
C01 drop src=2001:db8:c1::1ff dst=2001:db8:d:1::1 udp dport=7001 ctr=C01
C01 pass src=2001:db8:c1::ff dst=2001:db8:d:1::1 udp dport=7001
C01 pass src=2001:db8:c1::200 dst=2001:db8:d:1::1 udp dport=7001
C01 pass src=2001:db8:c1::100 dst=2001:db8:d:1::1 udp dport=7002
C01 pass src=2001:db8:c1::100 dst=2001:db8:d:1::1 tcp dport=7001
# C02 v6 tcp sport 1024..2048 and port 80,443
C02 drop dst=2001:db8:d:2::1 tcp sport=1024 dport=80
C02 pass dst=2001:db8:d:2::1 tcp sport=1023 dport=80
C02 drop dst=2001:db8:d:2::1 tcp sport=2048 dport=443
C02 pass dst=2001:db8:d:2::1 tcp sport=2049 dport=443
C02 pass dst=2001:db8:d:2::1 tcp sport=1500 dport=81
C02 pass dst=2001:db8:d:2::1 udp sport=1500 dport=80
# C03 v6 icmp6 type 128 code 0
C03 drop dst=2001:db8:d:3::1 icmp6 type=128 code=0 ctr=C03
C03 pass dst=2001:db8:d:3::1 icmp6 type=128 code=1
C03 pass dst=2001:db8:d:3::1 icmp6 type=129 code=0
C03 pass dst=2001:db8:d:3::1 icmp6 type=127 code=0
# C04 v6 icmp6 type 1,3 code <=1
C04 drop dst=2001:db8:d:4::1 icmp6 type=1 code=0
C04 drop dst=2001:db8:d:4::1 icmp6 type=1 code=1
C04 pass dst=2001:db8:d:4::1 icmp6 type=1 code=2
C04 drop dst=2001:db8:d:4::1 icmp6 type=3 code=0
C04 drop dst=2001:db8:d:4::1 icmp6 type=3 code=1
C04 pass dst=2001:db8:d:4::1 icmp6 type=3 code=2
C04 pass dst=2001:db8:d:4::1 icmp6 type=2 code=0
C04 pass dst=2001:db8:d:4::1 icmp6 type=4 code=0
# C05 v6 tcp flags SYN set, ACK clear
C05 drop dst=2001:db8:d:5::1 tcp flags=S
C05 pass dst=2001:db8:d:5::1 tcp flags=SA
C05 pass dst=2001:db8:d:5::1 tcp flags=A
# C06 v6 length <100 , >=1281 (payload length + 40)
C06 drop dst=2001:db8:d:6::1 udp len=62 ctr=C06
C06 drop dst=2001:db8:d:6::1 udp len=99 ctr=C06
C06 pass dst=2001:db8:d:6::1 udp len=100
C06 pass dst=2001:db8:d:6::1 udp len=1280
C06 drop dst=2001:db8:d:6::1 udp len=1281 ctr=C06
# C07 v6 dscp 8..15 , 32
C07 pass dst=2001:db8:d:7::1 udp dscp=7
C07 drop dst=2001:db8:d:7::1 udp dscp=8
C07 drop dst=2001:db8:d:7::1 udp dscp=15
C07 pass dst=2001:db8:d:7::1 udp dscp=16
C07 pass dst=2001:db8:d:7::1 udp dscp=31
C07 drop dst=2001:db8:d:7::1 udp dscp=32
C07 pass dst=2001:db8:d:7::1 udp dscp=33
C07 drop dst=2001:db8:d:7::1 udp dscp=8 ecn=3
# C08 v6 flow label 48879 (withdrawn in phase 2)
C08 drop dst=2001:db8:d:8::1 udp fl=48879 ctr=C08
C08 pass dst=2001:db8:d:8::1 udp fl=48878
C08 pass dst=2001:db8:d:8::1 udp fl=48880
C08 pass dst=2001:db8:d:8::1 udp fl=114415
C08 pass dst=2001:db8:d:8::1 udp fl=0
# C09 v6 flow label >1000 & <2000
C09 pass dst=2001:db8:d:9::1 udp fl=1000
C09 drop dst=2001:db8:d:9::1 udp fl=1001 ctr=C09
C09 drop dst=2001:db8:d:9::1 udp fl=1999 ctr=C09
C09 pass dst=2001:db8:d:9::1 udp fl=2000
C09 pass dst=2001:db8:d:9::1 udp fl=66537
# C10 v6 fragment first-fragment (offset 0, M)
C10 pass dst=2001:db8:d:10::1 udp
C10 drop dst=2001:db8:d:10::1 udp fh mf
C10 pass dst=2001:db8:d:10::1 udp fh mf off=8
C10 pass dst=2001:db8:d:10::1 udp fh off=8
C10 pass dst=2001:db8:d:10::1 udp fh
# C11 v6 fragment last-fragment (offset != 0, no M)
C11 pass dst=2001:db8:d:11::1 udp
C11 pass dst=2001:db8:d:11::1 udp fh mf
C11 pass dst=2001:db8:d:11::1 udp fh mf off=8
C11 drop dst=2001:db8:d:11::1 udp fh off=8
C11 pass dst=2001:db8:d:11::1 udp fh
# C12 v6 fragment is-fragment (offset != 0)
C12 pass dst=2001:db8:d:12::1 udp
C12 pass dst=2001:db8:d:12::1 udp fh mf
C12 drop dst=2001:db8:d:12::1 udp fh mf off=8
C12 drop dst=2001:db8:d:12::1 udp fh off=8
C12 pass dst=2001:db8:d:12::1 udp fh
# C13 v6 fragment !is-fragment (offset 0)
C13 drop dst=2001:db8:d:13::1 udp
C13 drop dst=2001:db8:d:13::1 udp fh mf
C13 pass dst=2001:db8:d:13::1 udp fh mf off=8
C13 pass dst=2001:db8:d:13::1 udp fh off=8
C13 drop dst=2001:db8:d:13::1 udp fh
# C14 v6 next header !=6 & !=17 (the upper-layer header)
C14 pass dst=2001:db8:d:14::1 tcp
C14 pass dst=2001:db8:d:14::1 udp
C14 drop dst=2001:db8:d:14::1 icmp6
C14 drop dst=2001:db8:d:14::1 proto=47
C14 pass dst=2001:db8:d:14::1 udp fh mf
C14 pass dst=2001:db8:d:14::1 udp fh off=8
# D01 v6 mark 46 on UDP
D01 dscp=46 dst=2001:db8:d:20::1 udp ctr=D01mark
D01 dscp=46 dst=2001:db8:d:20::1 udp dscp=10 ecn=1 ctr=D01mark
D01 pass dst=2001:db8:d:20::1 tcp dscp=10
# D02 v6 sample, T clear
D02 pass dst=2001:db8:d:21::1 udp dport=6000 ctr=D02log
D02 pass dst=2001:db8:d:21::1 udp dport=6011
# D03 v6 T set (no action) before discard /64: the discard applies
D03 drop dst=2001:db8:d:22::1 udp dport=7000 ctr=D03t,D03drop
D03 drop dst=2001:db8:d:22::1 udp dport=7001 ctr=D03drop
D03 drop dst=2001:db8:d:22::2 udp dport=7000 ctr=D03drop
# D04 v6 accept (no action) before discard /64
D04 pass dst=2001:db8:d:23::1 udp dport=7000 ctr=D04acc
D04 drop dst=2001:db8:d:23::1 udp dport=7001 ctr=D04drop
D04 drop dst=2001:db8:d:23::2 udp dport=7000 ctr=D04drop
# D05 v6 rate-bytes 1e6 B/s: accepted
D05 pass dst=2001:db8:d:24::1 udp ctr=D05ret
D05 pass dst=2001:db8:d:24::1 udp len=1400 ctr=D05ret
EOF

# Phase 2: A03 and C08 withdrawn; the others still in force.
cat >"$LAB_DIR/probes2.txt" <<'EOF'
A03 pass dst=198.19.1.3 tcp dport=1025
A03 pass dst=198.19.1.3 tcp dport=8000
C08 pass dst=2001:db8:d:8::1 udp fl=48879
A02 drop dst=198.19.1.2 tcp sport=40000 dport=80 ctr=A02
C09 drop dst=2001:db8:d:9::1 udp fl=1001 ctr=C09
B09 dscp=46 dst=198.19.11.1 tcp flags=S
EOF

# Counters: NAME FAM REGEX (on the rtr's "-L FLOWSPEC -v -x -n" line without
# its two counter columns; the sum over matching rules).  Expected: the
# probes tagged ctr=NAME.
cat >"$LAB_DIR/counters.txt" <<'EOF'
A01      4 ^DROP .* 198\.19\.1\.1[ ]
A02      4 ^DROP .* 198\.19\.1\.2[ ]
A03      4 ^DROP .* 198\.19\.1\.3[ ]
A07      4 ^DROP .* 198\.19\.1\.7[ ]
A10      4 ^DROP .* 198\.19\.1\.10[ ]
A12      4 ^DROP .* 198\.19\.1\.12[ ]
A15      4 ^DROP .* 198\.19\.1\.15[ ]
A20      4 ^DROP .* 198\.19\.2\.20[ ]
A22      4 ^DROP .* 198\.19\.2\.22[ ]
B01ret   4 ^RETURN .* 198\.19\.4\.1[ ]
B02ret   4 ^RETURN .* 198\.19\.4\.2[ ]
B03drop  4 ^DROP .* 198\.19\.4\.3 .*limit: above
B03ret   4 ^RETURN .* 198\.19\.4\.3[ ]
B04acc   4 ^RETURN .* 198\.19\.5\.1[ ]
B04drop  4 ^DROP .* 198\.19\.5\.0/24[ ]
B05log   4 ^NFLOG .* 198\.19\.6\.1[ ]
B06log   4 ^NFLOG .* 198\.19\.7\.1[ ]
B06drop  4 ^DROP .* 198\.19\.7\.0/24[ ]
B07log   4 ^NFLOG .* 198\.19\.8\.1[ ]
B07drop  4 ^DROP .* 198\.19\.8\.0/24[ ]
B08mark  4 ^MARK .* 198\.19\.9\.1[ ]
B08ret   4 ^RETURN .* 198\.19\.9\.0/24[ ]
B09mark  4 ^MARK .* 198\.19\.11\.1[ ]
B11mark  4 ^MARK .* 198\.19\.12\.1[ ]
B11drop  4 ^DROP .* 198\.19\.12\.0/24[ ]
C01      6 ^DROP .* 2001:db8:d:1::/64[ ]
C03      6 ^DROP .* 2001:db8:d:3::/64[ ]
C06      6 ^DROP .* 2001:db8:d:6::/64[ ]
C08      6 ^DROP .* 2001:db8:d:8::/64[ ]
C09      6 ^DROP .* 2001:db8:d:9::/64[ ]
D01mark  6 ^MARK .* 2001:db8:d:20::/64[ ]
D02log   6 ^NFLOG .* 2001:db8:d:21::/64[ ]
D03t     6 ^ +17 .* 2001:db8:d:22::1[ ]
D03drop  6 ^DROP .* 2001:db8:d:22::/64[ ]
D04acc   6 ^RETURN .* 2001:db8:d:23::1[ ]
D04drop  6 ^DROP .* 2001:db8:d:23::/64[ ]
D05ret   6 ^RETURN .* 2001:db8:d:24::/64[ ]
EOF


# ------------------------------------------------------------------ lab ----
lab_create
# shellcheck disable=SC2046
srv_add_addrs $(probe_dsts "$LAB_DIR/probes1.txt")
bird_start "$HERE/bird-all.conf"
exabgp_start
wait_session_up
wait_eor
install_rules
echo "## routes refused by the injector (none expected)"
rules_refused | sed 's/^/#   /'
check "no route refused" '[ -z "$(rules_refused)" ]'
run_probes 1 "$LAB_DIR/probes1.txt" 1000000

# ------------------------------------------------------------- withdraw ----
echo "## withdraw A03 and C08 (birdc configure without them)"
nw=$(capture_count withdraw)
grep -v '@withdraw' "$HERE/bird-all.conf" >"$LAB_DIR/bird-withdrawn.conf"
bird_reconfigure "$LAB_DIR/bird-withdrawn.conf"
lab_wait 20 "the withdraw UPDATEs (ipv4 and ipv6)" capture_ge withdraw $((nw + 2))
install_rules
check "A03 (198.19.1.3) gone from the v4 document" '! grep -q "198\.19\.1\.3/32" "$LAB_RULES4"'
check "C08 (2001:db8:d:8::/64) gone from the v6 document" '! grep -q "2001:db8:d:8::/64" "$LAB_RULES6"'
check "A02 still in the v4 document" 'grep -q "198\.19\.1\.2/32" "$LAB_RULES4"'
run_probes 2 "$LAB_DIR/probes2.txt" 2000000

if [ "$FS_INSTALL_MODE" = live ]; then
	echo "## live: status shows the routes with the kernel's counters"
	st=$(in_ns "$NS_RTR" "$LAB_INJECTOR" -q status -4 --state-dir "$LAB_DIR")
	check "status lists A02 as installed with packets counted" \
		'echo "$st" | awk "/dst 198.19.1.2\\/32/ && \$2 == \"installed\" && \$3 > 0" | grep -q .'
	echo "## live: BIRD stops; the session goes down and the chains empty"
	kill "$(cat "$LAB_DIR/bird.pid")" 2>/dev/null || birdc_cmd down >/dev/null
	lab_wait 20 "our IPv4 and IPv6 chains to empty" \
		sh -c "[ \"\$(ip netns exec $NS_RTR iptables-legacy-save -t filter | grep -c '^-A FLOWSPEC')\" = 0 ] && [ \"\$(ip netns exec $NS_RTR ip6tables-legacy-save -t filter | grep -c '^-A FLOWSPEC')\" = 0 ]"
	check "after BIRD stops, FLOWSPEC is empty in both families" 'true'
fi

T1=$(date +%s.%N)
echo "## runtime $(awk -v a="$T0" -v b="$T1" 'BEGIN { printf "%.1f", b - a }') s"
echo "$PASS passed, $FAIL failed"
[ "$FAIL" = 0 ]
