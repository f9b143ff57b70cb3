#!/bin/bash
# Installs what flowspec-acl needs to build and test, from Debian 12's
# packages.  Idempotent; needs root.
set -eu
pkgs=(build-essential cmake pkg-config
      libjson-c-dev libip4tc-dev libip6tc-dev libyaml-dev check
      iptables iproute2 procps
      exabgp bird2 gobgpd python3-scapy
      python3-prometheus-client   # tests/netns/metrics.sh: Prometheus' own exposition parser
      frr systemd    # frr: bgpd/vtysh for the FRR lab; systemd: systemd-analyze
      ulogd2         # ulogd2: the NFLOG consumer of the actions lab
      valgrind clang libclang-rt-14-dev perl)  # memcheck of the suites; libFuzzer; tests/no-shell.sh
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	[ "$(id -u)" = 0 ] || { echo "install-deps: need root to install: ${missing[*]}" >&2; exit 1; }
	export DEBIAN_FRONTEND=noninteractive
	# frr's package starts its service (zebra, bgpd, ... in the root
	# namespace) on install, and ulogd2's its ulogd (NFLOG group 0 in the
	# root namespace); the tests run their own in namespaces.
	# policy-rc.d answering 101 ("action forbidden") stops that; ours only
	# when none exists, and removed again whatever happens.
	policy=/usr/sbin/policy-rc.d
	if [[ " ${missing[*]} " == *" frr "* || " ${missing[*]} " == *" ulogd2 "* ]] && [ ! -e "$policy" ]; then
		trap 'rm -f "$policy"' EXIT
		trap 'exit 130' INT
		trap 'exit 143' TERM
		printf '#!/bin/sh\n# tests/install-deps.sh: no service starts while frr or ulogd2 is installed\nexit 101\n' >"$policy"
		chmod 755 "$policy"
	fi
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
