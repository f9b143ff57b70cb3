#!/bin/bash
# The docs' runnable blocks, run (docs/testing.md, "The docs test").
#   ```sh runnable    run by bash -e; one file's blocks in order, in one
#                     scratch dir (links to examples/ and tests/), the built
#                     binaries first on PATH, in a network namespace of its
#                     own and a private mount namespace (/run and /etc/bird
#                     empty tmpfs), with a private XTABLES_LOCKFILE;
#   ```bird runnable  written to a file and parsed by "bird -p -c" there.
# Fails when a block exits non-zero, a command's first word is not found,
# a tree path (examples/..., tests/...) a block names does not exist, or a
# relative link in README.md or docs/*.md points to no file.  It first
# proves it can fail, on planted bad documents.
# Usage: tests/docs.sh INJECTOR FETCHER   (root; exit 77 without)
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
inj=$(realpath "${1:?usage: docs.sh INJECTOR FETCHER}")
fet=$(realpath "${2:?usage: docs.sh INJECTOR FETCHER}")
[ "$(id -u)" = 0 ] || { echo "skipped: needs root (namespaces)"; exit 77; }
for t in bird ip unshare iptables-legacy; do
	command -v "$t" >/dev/null || { echo "skipped: $t not installed"; exit 77; }
done
. "$top/tests/integration/lib.sh" 2>/dev/null || true
tmp=$(mktemp -d /tmp/fsL-docs.XXXXXX) || exit 1
ns=fsL-docs-$$
bindir=$tmp/bin
mkdir -p "$bindir"
ln -s "$inj" "$bindir/flowspec-injector"
ln -s "$fet" "$bindir/flowspec-fetcher"
cleanup() {
	if ip netns list 2>/dev/null | grep -qw "$ns"; then
		for p in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
		ip netns del "$ns" 2>/dev/null
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# extract DOC OUT: OUT gets a bash script running DOC's runnable blocks;
# prints "LINE KIND" per block on stdout.  Static checks go to OUT.static.
extract() {
	/usr/bin/python3 - "$1" "$2" "$top" "$bindir" <<'PY'
import os, re, shlex, shutil, sys
doc, out, top, bindir = sys.argv[1:5]
lines = open(doc).read().split('\n')
blocks, heads, i = [], [], 0
while i < len(lines):
    if lines[i].startswith('#'):
        heads.append(i + 1)
    m = re.match(r'^```(\S*)\s*(.*)$', lines[i])
    if m and lines[i] != '```':
        lang, rest = m.group(1), m.group(2)
        j = i + 1
        while j < len(lines) and lines[j] != '```':
            j += 1
        if 'runnable' in rest.split():
            blocks.append((i + 1, lang, lines[i + 1:j]))
        i = j + 1
        continue
    i += 1
problems = []
path_env = bindir + ':' + os.environ.get('PATH', '')
builtins = {'cd', 'export', 'set', 'echo', 'test', '[', 'true', 'false', 'kill',
            'sleep', 'printf', 'read', 'exit', 'env', 'cat', 'wait'}
# each "## " section starts with empty tables and no injector state
s = ['set -u', 'fails=0', 'fs_reset() {',
     '  for c in iptables-legacy ip6tables-legacy; do for t in filter mangle; do',
     '    $c -t $t -F; $c -t $t -X; for h in INPUT FORWARD OUTPUT; do $c -t $t -P $h ACCEPT; done',
     '  done; done 2>/dev/null; rm -rf /run/flowspec-acl; }']
def section(ln):
    return sum(1 for h in heads if h < ln)
cur = None
for n, (line, lang, body) in enumerate(blocks):
    if section(line) != cur:
        cur = section(line)
        s.append('fs_reset')
    text = '\n'.join(body)
    for m in re.finditer(r'(?<![\w/.$-])((?:examples|tests)/[\w./-]+)', text):
        p = m.group(1).rstrip('.')
        if not os.path.exists(os.path.join(top, p)):
            problems.append('%s:%d: names %s, which does not exist' % (doc, line, p))
    if lang == 'sh':
        for cl in body:
            code = re.sub(r'\$\([^)]*\)', 'X', cl.split(' #')[0])
            if code.lstrip().startswith('#'):
                continue
            for seg in re.split(r'\|\||&&|[|;]', code):
                w = seg.split()
                while w and re.match(r'^\w+=', w[0]):
                    w = w[1:]
                if not w or w[0] in ('then', 'do', 'done', 'fi', 'else', 'while', 'until', 'if', 'for', '!'):
                    continue
                if w[0] == 'env':
                    w = [x for x in w[1:] if not re.match(r'^\w+=', x)]
                    if not w:
                        continue
                cmd = w[0]
                if cmd in builtins or cmd.startswith('"') or cmd.startswith('$'):
                    continue
                if shutil.which(cmd, path=path_env) is None:
                    problems.append('%s:%d: command %s not found' % (doc, line, cmd))
        s.append('echo "## %s:%d (sh)"' % (doc, line))
        s.append("if ! bash -e <<'FS_DOCS_BLOCK_%d'\n%s\nFS_DOCS_BLOCK_%d\nthen echo 'FAIL %s:%d: the block exited non-zero'; fails=$((fails+1)); fi"
                 % (n, text, n, doc, line))
    elif lang == 'bird':
        s.append('echo "## %s:%d (bird -p)"' % (doc, line))
        s.append("cat > block%d.conf <<'FS_DOCS_BLOCK_%d'\n%s\nFS_DOCS_BLOCK_%d" % (n, n, text, n))
        s.append("if ! bird -p -c block%d.conf; then echo 'FAIL %s:%d: bird -p refused the block'; fails=$((fails+1)); fi" % (n, doc, line))
    else:
        problems.append('%s:%d: runnable block of unknown kind %r' % (doc, line, lang))
# relative links
for ln, l in enumerate(lines, 1):
    for m in re.finditer(r'\]\(([^)#\s]+)(#[^)]*)?\)', l):
        t = m.group(1)
        if re.match(r'^[a-z]+:', t):
            continue
        if not os.path.exists(os.path.join(os.path.dirname(doc), t)):
            problems.append('%s:%d: link to %s: no such file' % (doc, ln, t))
s.append('exit $((fails > 0))')
open(out, 'w').write('\n'.join(s) + '\n')
open(out + '.static', 'w').write(''.join(p + '\n' for p in problems))
print(len(blocks))
PY
}

# run_doc DOC: 0 when every check passes; prints what it ran
run_doc() {
	local doc=$1 name script work rc=0 nb
	name=$(basename "$doc" .md)
	work=$tmp/work-$name-$RANDOM
	mkdir -p "$work"
	ln -s "$top/examples" "$work/examples"
	ln -s "$top/tests" "$work/tests"
	script=$work/run.sh
	nb=$(extract "$doc" "$script") || { echo "FAIL $doc: extraction failed"; return 1; }
	if [ -s "$script.static" ]; then
		sed 's/^/FAIL /' "$script.static"
		rc=1
	fi
	[ "$nb" -gt 0 ] || return $rc
	ip netns add "$ns" || return 1
	ip netns exec "$ns" ip link set lo up
	ip netns exec "$ns" unshare -m bash -c '
		mount --make-rprivate / && mount -t tmpfs none /run &&
		mount -t tmpfs none /etc/bird || exit 1
		cd "$1" && PATH="$2:$PATH" XTABLES_LOCKFILE="$1/xtables.lock" exec bash "$1/run.sh"' \
		fs-docs "$work" "$bindir" || rc=1
	# what a block left running: SIGTERM first (bgpd then removes its
	# /var/tmp/frr/bgpd.PID), SIGKILL after 5 s
	local p i
	for p in $(ip netns pids "$ns" 2>/dev/null); do kill "$p" 2>/dev/null; done
	for i in $(seq 50); do [ -z "$(ip netns pids "$ns" 2>/dev/null)" ] && break; sleep 0.1; done
	for p in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
	ip netns del "$ns"
	return $rc
}

# ---- 1: it can fail --------------------------------------------------------
echo "# self-test: planted bad blocks must fail"
st=$tmp/selftest
mkdir -p "$st"
bad=0
plant() { # NAME CONTENT: a doc that must fail
	printf '%s\n' "$2" > "$st/$1.md"
	if run_doc "$st/$1.md" > "$st/$1.out" 2>&1; then
		echo "FAIL self-test: planted $1 passed"; sed 's/^/#   /' "$st/$1.out"; bad=1
	else
		echo "ok   self-test: planted $1 is caught: $(grep -m1 '^FAIL' "$st/$1.out")"
	fi
}
fence='```'
plant exit-nonzero "$fence"'sh runnable
flowspec-injector --check-config -c examples/injector.yaml
flowspec-injector --no-such-option
'"$fence"
plant missing-binary "$fence"'sh runnable
flowspec-nosuch --version || true
'"$fence"
plant missing-file "$fence"'sh runnable
flowspec-injector --check-config -c examples/no-such.yaml || true
'"$fence"
plant bird-syntax "$fence"'bird runnable
flow4 table t4;
protocol static s { flow4 { table t4; }; route flow4 { dst 192.0.2.0/24; dport = ; }; }
'"$fence"
plant broken-link 'see [nowhere](no-such-page.md)'
printf '%s\n' "$fence"'sh runnable' 'flowspec-injector --check-config -c examples/injector.yaml' "$fence" > "$st/good.md"
if run_doc "$st/good.md" > "$st/good.out" 2>&1; then echo "ok   self-test: a good block passes"
else echo "FAIL self-test: a good block failed"; sed 's/^/#   /' "$st/good.out"; bad=1; fi
[ $bad = 0 ] || { echo "FAIL: the test cannot tell good from bad"; exit 1; }

# ---- 2: the docs -------------------------------------------------------------
fail=0 total=0
for doc in "$top/README.md" "$top"/docs/*.md; do
	total=$((total + 1))
	if run_doc "$doc" > "$tmp/out" 2>&1; then
		echo "ok   ${doc#$top/} ($(grep -c '^## ' "$tmp/out") runnable blocks)"
	else
		echo "FAIL ${doc#$top/}"; sed 's/^/#   /' "$tmp/out"; fail=$((fail + 1))
	fi
done
echo "# $total documents, $fail failed"
[ $fail = 0 ]
