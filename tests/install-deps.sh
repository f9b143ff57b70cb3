#!/bin/bash
# Installs what flowspec-acl needs to build and test, from Debian 12's
# packages.  Idempotent; needs root.
set -eu
pkgs=(build-essential cmake pkg-config
      libjson-c-dev libip4tc-dev libip6tc-dev libyaml-dev check
      iptables iproute2 procps
      exabgp bird2 gobgpd python3-scapy)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	[ "$(id -u)" = 0 ] || { echo "install-deps: need root to install: ${missing[*]}" >&2; exit 1; }
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
