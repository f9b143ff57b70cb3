#!/bin/bash
# Checks the files in examples/ that no other test runs:
#   1. every systemd unit (examples/**/*.service, *.timer, ...) with
#      "systemd-analyze verify"; a unit passes only when verify exits 0 AND
#      prints nothing (unknown keys, bad values and missing binaries are
#      only warnings with exit 0).  Then "systemd-analyze security --offline"
#      prints each service's exposure score, for information.
#   1b. least privilege: every .service has exactly CAP_NET_ADMIN and
#      CAP_NET_RAW, no wider ambient set, NoNewPrivileges, ProtectSystem=
#      strict, ProtectHome, PrivateTmp, AF_UNIX among the address families
#      when they are restricted (the instance guard), and a "systemd-analyze security"
#      exposure of at most 3.0 (FS_MAX_EXPOSURE); a widened copy must fail.
#   1c. examples/exabgp/exabgp.conf with ExaBGP's own "--validate".
#   2. examples/frr/bgpd-flowspec.conf with FRR's own parser ("bgpd -C",
#      check mode): it must print nothing (bgpd -C exits 0 even on errors,
#      so its output is what counts).
# Exit 77 (skipped) when systemd-analyze is absent; part 2 is skipped (with
# a note) when bgpd is absent or this is not root.
#
# verify wants every Exec*= binary to exist (/usr/local/sbin/flowspec-injector,
# what "cmake --install" gives).  The unit files are NOT edited: they are
# copied byte for byte into a temp root (--root=DIR) under /etc/systemd/system,
# next to a copy of the host's /usr/lib/systemd/system (the targets they
# reference) and, at the paths the units name, the binaries: this tree's
# flowspec-injector (argument 1, or build/injector/flowspec-injector) and
# the host's own touch/kill/vtysh where units name them.  --man=no: the man
# page flowspec-injector(8) is not installed in that root.
#
# bgpd -C still creates /var/tmp/frr/bgpd.PID (its crash-log dir) and
# /run/frr if missing; it runs in a private mount namespace (unshare -m)
# with empty tmpfs over /var/tmp and /run, so nothing on the host changes.
# Nothing here starts a unit.
#
# Usage: tests/examples-units.sh [INJECTOR]
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
inj=$(realpath "${1:-$top/build/injector/flowspec-injector}")
sa=${FS_SYSTEMD_ANALYZE:-/usr/bin/systemd-analyze}
bgpd=${FS_BGPD:-/usr/lib/frr/bgpd}
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $*"; }
nok() { fail=$((fail + 1)); echo "FAIL $*"; }

[ -x "$sa" ] || { echo "skipped: $sa not installed (package systemd)"; exit 77; }
[ -x "$inj" ] || { echo "FAIL: no injector binary at $inj (build first, or give its path)"; exit 1; }

tmp=$(mktemp -d /tmp/fsacl-units.XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT

mapfile -t units < <(find "$top/examples" -type f \( -name '*.service' -o -name '*.timer' \
	-o -name '*.socket' -o -name '*.path' -o -name '*.target' \) | sort)
[ ${#units[@]} -gt 0 ] || { echo "FAIL: no unit files under examples/"; exit 1; }

# --------------------------------------------------- the temp root ----
root=$tmp/root
mkdir -p "$root/etc/systemd/system" "$root/usr/lib/systemd" || exit 1
cp -a /usr/lib/systemd/system "$root/usr/lib/systemd/" || exit 1
for u in "${units[@]}"; do
	cp "$u" "$root/etc/systemd/system/" || exit 1
done
# every absolute path in an Exec*= line (after the optional prefixes
# -@:+!) must exist in the root: this tree's injector for flowspec-injector,
# the host's file for the rest
for u in "${units[@]}"; do
	sed -n 's/^Exec[A-Za-z]*=[-@:+!]*\(\/[^ ]*\).*/\1/p' "$u"
done | sort -u | while read -r bin; do
	mkdir -p "$root$(dirname "$bin")"
	case $(basename "$bin") in
	flowspec-injector) cp "$inj" "$root$bin" ;;
	*) if [ -e "$bin" ]; then cp "$bin" "$root$bin"; else echo "# $bin is not on this host: left out (verify will say so)"; fi ;;
	esac
done

# ------------------------------------------------------------ verify ----
echo "## systemd-analyze verify ($("$sa" --version | head -1))"
for u in "${units[@]}"; do
	name=$(basename "$u")
	rel=${u#"$top"/}
	out=$(cd / && "$sa" verify --man=no --root="$root" "$name" 2>&1)
	rc=$?
	if [ "$rc" = 0 ] && [ -z "$out" ]; then
		ok "$rel: verify clean"
	else
		nok "$rel: verify exit $rc"
		printf '%s\n' "$out" | sed 's/^/#   /'
	fi
	# the copy verified is the file itself
	cmp -s "$u" "$root/etc/systemd/system/$name" || nok "$rel: the verified copy differs"
done

# a unit whose ExecStart= binary is missing must fail here: proves the
# check is not vacuous (the temp root, not the host, is what verify reads);
# the first service whose ExecStart= runs the injector itself
svc=$(for u in "${units[@]}"; do case $u in *.service) grep -q '^ExecStart=.*flowspec-injector' "$u" && { basename "$u"; break; } ;; esac; done)
if [ -n "$svc" ]; then
	mv "$root/usr/local/sbin/flowspec-injector" "$tmp/inj.away" 2>/dev/null
	out=$(cd / && "$sa" verify --man=no --root="$root" "$svc" 2>&1)
	if [ -n "$out" ]; then
		ok "$svc without its binary in the root: verify complains ($(printf '%s' "$out" | head -1 | cut -c1-90))"
	else
		nok "$svc without its binary in the root: verify says nothing"
	fi
	mv "$tmp/inj.away" "$root/usr/local/sbin/flowspec-injector" 2>/dev/null
fi

# ------------------------------------------------- least privilege ----
# Every service: exactly CAP_NET_ADMIN and CAP_NET_RAW in the bounding
# set, no wider ambient set, NoNewPrivileges, ProtectSystem=strict,
# ProtectHome, PrivateTmp, and an exposure score from "systemd-analyze
# security --offline" of at most $max_exposure.  check_priv FILE NAME
# prints what is wrong (nothing when all holds).
max_exposure=${FS_MAX_EXPOSURE:-3.0}
key() { # key FILE KEY: the last value the unit gives KEY
	sed -n "s/^$2=//p" "$1" | tail -1
}
capset() { tr ' ' '\n' | sed '/^$/d' | sort -u | tr '\n' ' '; }
check_priv() {
	local f=$1 name=$2 v score
	v=$(key "$f" CapabilityBoundingSet | capset)
	[ "$v" = "CAP_NET_ADMIN CAP_NET_RAW " ] || echo "CapabilityBoundingSet is \"$v\", not CAP_NET_ADMIN CAP_NET_RAW"
	for c in $(key "$f" AmbientCapabilities); do
		case $c in CAP_NET_ADMIN|CAP_NET_RAW) ;; *) echo "AmbientCapabilities has $c" ;; esac
	done
	[ "$(key "$f" NoNewPrivileges)" = yes ] || echo "NoNewPrivileges is not yes"
	[ "$(key "$f" ProtectSystem)" = strict ] || echo "ProtectSystem is not strict"
	case $(key "$f" ProtectHome) in yes|read-only|tmpfs) ;; *) echo "ProtectHome is not set" ;; esac
	[ "$(key "$f" PrivateTmp)" = yes ] || echo "PrivateTmp is not yes"
	# the one-injector-per-chain guard is an abstract AF_UNIX socket
	v=$(key "$f" RestrictAddressFamilies)
	[ -z "$v" ] || case " $v " in *" AF_UNIX "*) ;; *) echo "RestrictAddressFamilies lacks AF_UNIX (the instance guard)" ;; esac
	score=$(cd / && "$sa" security --offline=true --root="$root" "$name" 2>&1 |
		sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
	if [ -z "$score" ]; then
		echo "no exposure score"
	elif ! awk -v s="$score" -v m="$max_exposure" 'BEGIN { exit !(s <= m) }'; then
		echo "exposure $score above $max_exposure"
	fi
	echo "# exposure $score" >&2
}
echo "## least privilege (systemd-analyze security --offline, at most $max_exposure)"
for u in "${units[@]}"; do
	case $u in *.service) ;; *) continue ;; esac
	name=$(basename "$u")
	rel=${u#"$top"/}
	out=$(check_priv "$root/etc/systemd/system/$name" "$name" 2>"$tmp/score")
	if [ -z "$out" ]; then
		ok "$rel: only CAP_NET_ADMIN CAP_NET_RAW, sandboxed, $(sed 's/^# //' "$tmp/score")"
	else
		nok "$rel: $(printf '%s' "$out" | tr '\n' ';')"
	fi
done
# the check must be able to fail: a copy with a wider bounding set, and
# one without the sandbox, are each caught
svc=$(for u in "${units[@]}"; do case $u in *.service) basename "$u"; break ;; esac; done)
if [ -n "$svc" ]; then
	cp "$root/etc/systemd/system/$svc" "$tmp/$svc.orig"
	sed -i 's/^CapabilityBoundingSet=.*/CapabilityBoundingSet=CAP_NET_ADMIN CAP_NET_RAW CAP_SYS_ADMIN/' \
		"$root/etc/systemd/system/$svc"
	out=$(check_priv "$root/etc/systemd/system/$svc" "$svc" 2>/dev/null)
	case $out in *CAP_SYS_ADMIN*) ok "$svc with CAP_SYS_ADMIN added: caught" ;;
		*) nok "$svc with CAP_SYS_ADMIN added: not caught" ;; esac
	cp "$tmp/$svc.orig" "$root/etc/systemd/system/$svc"
	sed -i '/^\(ProtectSystem\|NoNewPrivileges\|PrivateTmp\|SystemCallFilter\|RestrictAddressFamilies\|ProtectKernel[A-Za-z]*\|PrivateDevices\)=/d' \
		"$root/etc/systemd/system/$svc"
	out=$(check_priv "$root/etc/systemd/system/$svc" "$svc" 2>/dev/null)
	case $out in *"ProtectSystem is not strict"*"exposure"*) ok "$svc without its sandbox: caught ($(printf '%s' "$out" | tail -1))" ;;
		*) nok "$svc without its sandbox: not caught: $out" ;; esac
	cp "$tmp/$svc.orig" "$root/etc/systemd/system/$svc"
fi

# ------------------------------------------------ ExaBGP's own check ----
echo "## examples/exabgp/exabgp.conf through exabgp --validate"
exaconf=$top/examples/exabgp/exabgp.conf
if [ ! -f "$exaconf" ]; then
	echo "# no $exaconf"
elif ! command -v exabgp >/dev/null; then
	echo "# skipped: exabgp not installed (package exabgp)"
else
	# ExaBGP checks that the process's program exists: a copy of the file
	# whose only change is the injector's path, pointed at this tree's
	sed "s|/usr/local/sbin/flowspec-injector|$inj|" "$exaconf" >"$tmp/exabgp.conf"
	[ "$(diff "$exaconf" "$tmp/exabgp.conf" | grep -c '^[<>]')" = 2 ] || nok "exabgp.conf: the run line is not where expected"
	if (cd "$tmp" && env exabgp.api.cli=false timeout 60 exabgp --validate "$tmp/exabgp.conf") >"$tmp/exa.out" 2>&1; then
		ok "exabgp --validate: accepted ($(exabgp --version 2>&1 | grep -o 'ExaBGP : [0-9.]*\|[0-9]\.[0-9]*\.[0-9]*' | head -1))"
	else
		nok "exabgp --validate: refused"
		grep -E 'error|line|invalid|locate' "$tmp/exa.out" | head -5 | sed 's/^/#   /'
	fi
	{ cat "$tmp/exabgp.conf"; printf 'neighbor 192.0.2.9 {\n    no-such-keyword 1;\n}\n'; } >"$tmp/exabgp-bad.conf"
	if (cd "$tmp" && env exabgp.api.cli=false timeout 60 exabgp --validate "$tmp/exabgp-bad.conf") >/dev/null 2>&1; then
		nok "exabgp --validate on the file plus a bad keyword: accepted"
	else
		ok "exabgp --validate on the file plus a bad keyword: refused"
	fi
fi

# -------------------------------------------------------- FRR snippet ----
echo "## examples/frr/bgpd-flowspec.conf through bgpd -C"
snippet=$top/examples/frr/bgpd-flowspec.conf
if [ ! -f "$snippet" ]; then
	echo "# no $snippet"
elif [ ! -x "$bgpd" ]; then
	echo "# skipped: $bgpd not installed (package frr)"
elif [ "$(id -u)" != 0 ] || ! command -v unshare >/dev/null; then
	echo "# skipped: bgpd -C needs root and unshare (a private mount namespace)"
else
	# shellcheck disable=SC2016 # $@ is expanded by the inner bash
	out=$(unshare -m --propagation private -- bash -c \
		'mount -t tmpfs tmpfs /var/tmp && mount -t tmpfs tmpfs /run && exec "$@"' \
		_ "$bgpd" -C -Z -u root -g frrvty -P 0 -p 0 -f "$snippet" 2>&1)
	rc=$?
	if [ "$rc" = 0 ] && [ -z "$out" ]; then
		ok "bgpd -C: every line accepted ($("$bgpd" -v | head -1))"
	else
		nok "bgpd -C: exit $rc"
		printf '%s\n' "$out" | sed 's/^/#   /'
	fi
	# the check must be able to fail: one bad line appended
	{ cat "$snippet"; echo "router bgp 65000"; echo " no-such-command 1"; } >"$tmp/bad.conf"
	out=$(unshare -m --propagation private -- bash -c \
		'mount -t tmpfs tmpfs /var/tmp && mount -t tmpfs tmpfs /run && exec "$@"' \
		_ "$bgpd" -C -Z -u root -g frrvty -P 0 -p 0 -f "$tmp/bad.conf" 2>&1)
	if [ -n "$out" ]; then
		ok "bgpd -C on the snippet plus a bad line complains ($(printf '%s' "$out" | head -1 | cut -c1-80))"
	else
		nok "bgpd -C on the snippet plus a bad line says nothing"
	fi
fi

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
