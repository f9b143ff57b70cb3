#!/bin/bash
# The Debian package and "cmake --install", checked from the outside
# (README "Install"):
#   1. cpack -G DEB of this build tree; dpkg-deb reads it back: the
#      metadata (Package, Version = the project's, Architecture, Section),
#      Depends naming the Debian package of every shared library the two
#      binaries need (objdump's NEEDED, each found with dpkg -S), the
#      configuration as a conffile, no maintainer script (nothing is
#      enabled or started on install), and exactly the expected files;
#   2. the package extracted into a scratch root (dpkg-deb -x): the shipped
#      flowspec-injector runs there with --check-config on the shipped
#      configuration, flowspec-fetcher with --version, the units name the
#      shipped binary, the ExaBGP snippet too;
#   3. "cmake --install" with DESTDIR twice: the second run keeps an edited
#      /etc/flowspec-acl/injector.yaml.
# Nothing is installed on this host.  Usage: tests/package.sh BUILD_DIR
set -u
build=$(realpath "${1:?usage: package.sh BUILD_DIR}")
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $*"; }
nok() { fail=$((fail + 1)); echo "FAIL $*"; }
for t in cpack dpkg-deb objdump dpkg; do
	command -v "$t" >/dev/null || { echo "skipped: $t not installed"; exit 77; }
done
tmp=$(mktemp -d /tmp/fsacl-pkg.XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT

# ---------------------------------------------------------------- 1 ----
if ! (cd "$tmp" && cpack -G DEB --config "$build/CPackConfig.cmake" -B "$tmp/out") >"$tmp/cpack.log" 2>&1; then
	cat "$tmp/cpack.log"
	echo "FAIL cpack -G DEB"
	exit 1
fi
deb=$(ls "$tmp"/out/*.deb 2>/dev/null | head -1)
[ -n "$deb" ] || { echo "FAIL: cpack made no .deb"; exit 1; }
echo "# $(basename "$deb")"
src=$(sed -n 's/^CMAKE_HOME_DIRECTORY:INTERNAL=//p' "$build/CMakeCache.txt")
version=$(sed -n 's/^project(flowspec-acl VERSION \([0-9.]*\).*/\1/p' "$src/CMakeLists.txt" 2>/dev/null)
[ -n "$version" ] || { echo "FAIL: no project version in $src/CMakeLists.txt"; exit 1; }
field() { dpkg-deb -f "$deb" "$1"; }
[ "$(field Package)" = flowspec-acl ] && ok "Package: flowspec-acl" || nok "Package: $(field Package)"
[ "$(field Version)" = "$version" ] && ok "Version: $version (the project's)" || nok "Version: $(field Version), project $version"
[ "$(field Architecture)" = "$(dpkg --print-architecture)" ] && ok "Architecture: $(field Architecture)" || nok "Architecture: $(field Architecture)"
[ "$(field Section)" = net ] && ok "Section: net" || nok "Section: $(field Section)"
depends=$(field Depends)
echo "# Depends: $depends"
# every NEEDED library of the binaries, by the package that has it
rm -rf "$tmp/root"
dpkg-deb -x "$deb" "$tmp/root" || { echo "FAIL dpkg-deb -x"; exit 1; }
for bin in usr/sbin/flowspec-injector usr/sbin/flowspec-fetcher; do
	for lib in $(objdump -p "$tmp/root/$bin" | awk '$1 == "NEEDED" { print $2 }'); do
		case $lib in ld-linux*|linux-vdso*) continue ;; esac
		path=$(ldconfig -p | awk -v l="$lib" '$1 == l { print $NF; exit }')
		[ -n "$path" ] || { nok "$bin needs $lib, which this host does not have"; continue; }
		pkg=$(dpkg -S "$(realpath "$path")" 2>/dev/null | head -1 | cut -d: -f1)
		[ -n "$pkg" ] || pkg=$(dpkg -S "$path" 2>/dev/null | head -1 | cut -d: -f1)
		case $pkg in *-dev) nok "$bin: $lib comes from a -dev package ($pkg)"; continue ;; esac
		if printf '%s\n' "$depends" | tr ',' '\n' | sed 's/^ *//; s/ .*//' | grep -qx "$pkg"; then
			ok "$bin needs $lib: Depends names $pkg"
		else
			nok "$bin needs $lib ($pkg), Depends does not name it"
		fi
	done
done
dpkg-deb -e "$deb" "$tmp/ctl" || { echo "FAIL dpkg-deb -e"; exit 1; }
[ "$(cat "$tmp/ctl/conffiles" 2>/dev/null)" = /etc/flowspec-acl/injector.yaml ] &&
	ok "conffiles: /etc/flowspec-acl/injector.yaml" || nok "conffiles: $(cat "$tmp/ctl/conffiles" 2>/dev/null)"
scripts=$(cd "$tmp/ctl" && ls preinst postinst prerm postrm 2>/dev/null)
[ -z "$scripts" ] && ok "no maintainer script: nothing enabled or started on install" ||
	nok "maintainer scripts: $scripts"
expect="./etc/flowspec-acl/injector.yaml
./lib/systemd/system/flowspec-exabgp.service
./lib/systemd/system/flowspec-injector-frr-loop.service
./lib/systemd/system/flowspec-injector-frr.service
./lib/systemd/system/flowspec-injector-frr.timer
./usr/sbin/flowspec-fetcher
./usr/sbin/flowspec-injector
./usr/share/doc/flowspec-acl/README.md
$(cd "$src" && ls docs/*.md | sed 's|^|./usr/share/doc/flowspec-acl/|')
./usr/share/doc/flowspec-acl/examples/bgpd-flowspec.conf
./usr/share/doc/flowspec-acl/examples/exabgp-README.md
./usr/share/doc/flowspec-acl/examples/exabgp.conf
./usr/share/doc/flowspec-acl/examples/frr-README.md
./usr/share/man/man8/flowspec-fetcher.8.gz
./usr/share/man/man8/flowspec-injector.8.gz"
expect=$(printf '%s\n' "$expect" | LC_ALL=C sort)
got=$(dpkg-deb -c "$deb" | awk '$1 !~ /^d/ { print $6 }' | LC_ALL=C sort)
if [ "$got" = "$expect" ]; then
	ok "the package holds exactly the $(printf '%s\n' "$expect" | wc -l) expected files"
else
	nok "package contents differ:"
	diff <(printf '%s\n' "$expect") <(printf '%s\n' "$got")
fi
modes=$(dpkg-deb -c "$deb" | awk '$6 ~ /sbin\/./ && $1 !~ /^d/ { print $1 }' | sort -u)
[ "$modes" = "-rwxr-xr-x" ] && ok "binaries are 0755" || nok "binary modes: $modes"

# ---------------------------------------------------------------- 2 ----
r=$tmp/root
out=$("$r/usr/sbin/flowspec-injector" --check-config -c "$r/etc/flowspec-acl/injector.yaml" 2>&1)
rc=$?
[ $rc = 0 ] && printf '%s\n' "$out" | grep -q ': ok$' &&
	ok "shipped injector --check-config on the shipped configuration: $out" ||
	nok "shipped injector --check-config (exit $rc): $out"
out=$("$r/usr/sbin/flowspec-fetcher" --version 2>&1)
[ $? = 0 ] && printf '%s\n' "$out" | grep -q "$version" && ok "shipped fetcher --version: $out" ||
	nok "shipped fetcher --version: $out"
for u in "$r"/lib/systemd/system/*.service; do
	bins=$(sed -n 's/^ExecStart=[-@:+!]*\(\/[^ ]*\).*/\1/p' "$u")
	case $bins in
	/usr/sbin/flowspec-injector|/usr/sbin/exabgp) ok "$(basename "$u") runs $bins" ;;
	*) nok "$(basename "$u") runs $bins" ;;
	esac
done
grep -q '^ *run /usr/sbin/flowspec-injector ' "$r/usr/share/doc/flowspec-acl/examples/exabgp.conf" &&
	ok "the shipped ExaBGP snippet runs /usr/sbin/flowspec-injector" ||
	nok "the shipped ExaBGP snippet: $(grep ' run ' "$r/usr/share/doc/flowspec-acl/examples/exabgp.conf")"
zcat "$r/usr/share/man/man8/flowspec-injector.8.gz" | grep -q '^\.TH' && ok "man page is gzip'd roff" ||
	nok "man page unreadable"

# ---------------------------------------------------------------- 3 ----
d=$tmp/destdir
DESTDIR=$d cmake --install "$build" --prefix /usr/local >"$tmp/i1.log" 2>&1 || { cat "$tmp/i1.log"; nok "cmake --install"; }
[ -x "$d/usr/local/sbin/flowspec-injector" ] && [ -f "$d/etc/flowspec-acl/injector.yaml" ] &&
	[ -f "$d/lib/systemd/system/flowspec-injector-frr.service" ] &&
	ok "cmake --install: binary, configuration and units in place" || nok "cmake --install: files missing"
grep -q '^ExecStart=/usr/local/sbin/flowspec-injector ' "$d/lib/systemd/system/flowspec-injector-frr.service" &&
	ok "cmake --install: the units name PREFIX/sbin" || nok "cmake --install: units name $(grep ^ExecStart "$d/lib/systemd/system/flowspec-injector-frr.service")"
echo "# edited by the operator" >>"$d/etc/flowspec-acl/injector.yaml"
sum=$(md5sum <"$d/etc/flowspec-acl/injector.yaml")
DESTDIR=$d cmake --install "$build" --prefix /usr/local >"$tmp/i2.log" 2>&1 || nok "cmake --install (again)"
[ "$(md5sum <"$d/etc/flowspec-acl/injector.yaml")" = "$sum" ] && grep -q 'Kept (not overwritten)' "$tmp/i2.log" &&
	ok "a second cmake --install keeps the edited configuration" || nok "the edited configuration was overwritten"

echo "$pass passed, $fail failed"
[ $fail = 0 ]
