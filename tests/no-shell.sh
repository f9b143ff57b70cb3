#!/bin/bash
# No shell, ever: no code path passes route or peer data to system(),
# popen() or a shell.  A static check of the sources and the binaries:
#   1. no C file under lib/ injector/ fetcher/ calls system, popen,
#      execl/execlp/execle/execvp/execvpe/fexecve, posix_spawn/posix_spawnp,
#      or names /bin/sh or "sh -c" (comments are stripped first);
#   2. the only exec call is execv(), in lib/src/proc.c, with the argv its
#      caller built: no PATH search, no shell;
#   3. fs_proc_run() has one caller, vtysh() in injector/main.c, and every
#      vtysh() call passes a string literal as the command word.  Its argv
#      is then fixed: the vtysh path and socket from the configuration or
#      the command line (the operator's, never a route's), "-H /dev/null",
#      "-c" and "show bgp ipv4|ipv6 flowspec <literal> json".  Nothing read
#      from BGP (routes, communities, peer addresses) reaches it;
#   4. the linked binaries import none of system, popen, execvp, execlp,
#      execvpe, posix_spawn, posix_spawnp (nm -D --undefined-only);
#   5. the check can fail: a planted popen() in a copy of the sources and
#      a planted execvp are each caught.
# Usage: tests/no-shell.sh [BINARY...]
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $*"; }
nok() { fail=$((fail + 1)); echo "FAIL $*"; }
tmp=$(mktemp -d /tmp/fsacl-noshell.XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT

banned='\b(system|popen|execl|execlp|execle|execvp|execvpe|fexecve|posix_spawnp?)[[:space:]]*\('

# strip /* */ and // comments (line numbers kept):
# comment text may name the banned calls (this file's subject), code may not
strip() { # strip FILE -> the code without comments, line numbers kept
	perl -0777 -pe 's{/\*.*?\*/}{ my $c = $&; $c =~ s/[^\n]//g; $c }gse; s{//[^\n]*}{}g' "$1"
}

scan() { # scan DIR: prints FILE:LINE: TEXT for every offence
	local d=$1 f
	while IFS= read -r f; do
		strip "$f" | grep -nE "$banned|\"/bin/(ba|da)?sh\"|\"sh\"[[:space:]]*,[[:space:]]*\"-c\"" |
			sed "s|^|${f#"$d"/}:|"
		strip "$f" | grep -nE '\bexecv?e?[[:space:]]*\(' | sed "s|^|${f#"$d"/}:|" |
			grep -v '^lib/src/proc.c:[0-9]*:[[:space:]]*execv(argv\[0\], argv);$' | sed 's/$/  (exec outside proc.c)/'
	done < <(cd "$d" && find lib injector fetcher -name '*.[ch]' | sort | sed "s|^|$d/|")
}

# 1 and 2
out=$(scan "$top")
n=$(cd "$top" && find lib injector fetcher -name '*.[ch]' | wc -l)
if [ -z "$out" ]; then
	ok "$n C files: no system/popen/exec*p/posix_spawn/shell, the one exec is execv in lib/src/proc.c"
else
	nok "banned calls:"; printf '%s\n' "$out" | sed 's/^/#   /'
fi
grep -q 'execv(argv\[0\], argv);' "$top/lib/src/proc.c" && ok "lib/src/proc.c execs with execv (no PATH search)" ||
	nok "lib/src/proc.c: no execv(argv[0], argv) found (has the runner changed? review this check)"

# 3
callers=$(cd "$top" && grep -rn 'fs_proc_run(' lib injector fetcher --include='*.c' | grep -v '^lib/src/proc.c:' )
if [ "$(printf '%s\n' "$callers" | grep -c .)" = 1 ] && printf '%s' "$callers" | grep -q '^injector/main.c:.*rc = fs_proc_run(argv, '; then
	ok "fs_proc_run has one caller: $(printf '%s' "$callers" | cut -d: -f1,2)"
else
	nok "fs_proc_run callers changed (review what reaches argv):"; printf '%s\n' "$callers" | sed 's/^/#   /'
fi
calls=$(strip "$top/injector/main.c" | grep -nE '\bvtysh\(o, ' )
nonlit=$(printf '%s\n' "$calls" | grep -vE 'vtysh\(o, [a-z_]+, "[a-z]+", ' )
if [ -n "$calls" ] && [ -z "$nonlit" ]; then
	ok "$(printf '%s\n' "$calls" | grep -c .) vtysh() calls, each with a literal command word ($(printf '%s\n' "$calls" | grep -oE '"[a-z]+"' | sort -u | tr '\n' ' '))"
else
	nok "a vtysh() call without a literal command word (or none found):"; printf '%s\n' "${nonlit:-$calls}" | sed 's/^/#   /'
fi

# 4
bins=("$@")
[ ${#bins[@]} -gt 0 ] || bins=("$top/build/injector/flowspec-injector" "$top/build/fetcher/flowspec-fetcher")
for b in "${bins[@]}"; do
	if [ ! -x "$b" ]; then nok "$b: not built"; continue; fi
	imp=$(nm -D --undefined-only "$b" 2>/dev/null | awk '{print $NF}' | sed 's/@.*//' |
		grep -xE 'system|popen|execl|execlp|execle|execvp|execvpe|fexecve|posix_spawnp?' | sort -u | tr '\n' ' ')
	if [ -z "$imp" ]; then
		ok "$(basename "$b") imports none of system/popen/execvp/execlp/posix_spawn ($(nm -D --undefined-only "$b" | grep -cw 'execv') execv)"
	else
		nok "$(basename "$b") imports $imp"
	fi
done

# 5
mkdir -p "$tmp/src"
cp -a "$top/lib" "$top/injector" "$top/fetcher" "$tmp/src/"
printf '\nstatic void planted(void) { FILE *p = popen("x", "r"); (void)p; }\n' >>"$tmp/src/fetcher/main.c"
case $(scan "$tmp/src") in *"fetcher/main.c"*popen*) ok "a planted popen() in fetcher/main.c is caught" ;;
	*) nok "a planted popen() is not caught" ;; esac
cp "$top/fetcher/main.c" "$tmp/src/fetcher/main.c"
printf '\n/* popen( in a comment is fine */\nstatic void planted2(char **v) { execvp(v[0], v); }\n' >>"$tmp/src/lib/src/log.c"
out=$(scan "$tmp/src")
case $out in *"lib/src/log.c"*execvp*) ok "a planted execvp() in lib/src/log.c is caught, the comment is not ($(printf '%s\n' "$out" | grep -c .) finding)" ;;
	*) nok "a planted execvp() is not caught: $out" ;; esac

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
