#!/usr/bin/env python3
"""Generates the malformed ExaBGP JSON corpus for tests/test_exabgp.c.

Every case starts from a real line of tests/fixtures/exabgp/*.jsonl and
mutates it (as parsed JSON, or as raw bytes for syntax damage).  Each case
becomes <name>.jsonl holding exactly one line, and a row of EXPECT.tsv:
file name, error code name (fs_err_code_name) and a substring the error
message must contain.  Deterministic, standard library only:

    python3 tests/bad-input/exabgp/make-corpus.py

rewrites every *.jsonl and EXPECT.tsv in this directory.
"""
import copy
import glob
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
FIX = os.path.join(HERE, '..', '..', 'fixtures', 'exabgp')


def line(name, n):
    """Line n (1-based) of fixture name, without its newline, as bytes."""
    with open(os.path.join(FIX, name), 'rb') as f:
        return f.read().split(b'\n')[n - 1]


def obj(name, n):
    return json.loads(line(name, n))


def dump(d):
    return json.dumps(d).encode()


# Real lines the cases start from.
ANN4 = obj('gobgp-all-components.jsonl', 1)      # every IPv4 component
ANN6 = obj('gobgp-ipv6.jsonl', 1)                # IPv6 prefixes + ports
TCP = obj('gobgp-tcp-flags.jsonl', 2)            # [ !=rst&=syn+ack =fin ]
FRAG = obj('gobgp-fragment.jsonl', 2)            # fragment is-fragment
MULTI = obj('gobgp-multi-action.jsonl', 1)       # four action communities
NH = obj('exabgp-announce-all.jsonl', 8)         # next hop 198.18.9.9
IETF6 = obj('exabgp-announce-all.jsonl', 19)     # attribute-0x19-0xC0
WD = obj('bird-withdraw.jsonl', 1)               # withdraw, two NLRIs
EOR = obj('bird-eor.jsonl', 1)
DOWN = obj('session-down.jsonl', 1)              # state down + reason
NOTIF = obj('bird-all-message-types.jsonl', 15)  # neighbor notification
SHUT = obj('receiver-shutdown.jsonl', 2)         # "notification": "shutdown"
RAW_DOWN = line('session-down.jsonl', 1)
RAW_ANN4 = line('gobgp-all-components.jsonl', 1)

assert NOTIF['type'] == 'notification' and 'neighbor' in NOTIF
assert 'attribute-0x19-0xC0' in IETF6['neighbor']['message']['update']['attribute']
assert '198.18.9.9' in NH['neighbor']['message']['update']['announce']['ipv4 flow']

cases = []  # (name, bytes, code, substring)


def add(name, data, code, sub):
    if isinstance(data, dict):
        data = dump(data)
    assert b'\n' not in data, name
    cases.append((name, data, code, sub))


def mut(base, fn):
    d = copy.deepcopy(base)
    fn(d)
    return d


def upd(d):
    return d['neighbor']['message']['update']


def nlri(d, i=0):
    """The i-th announced (or withdrawn) NLRI object of d."""
    u = upd(d)
    if 'announce' in u:
        fam = next(iter(u['announce'].values()))
        return next(iter(fam.values()))[i]
    return next(iter(u['withdraw'].values()))[i]


def attr(d):
    return upd(d)['attribute']


def set_comp(d, key, values, text, after=None):
    """Sets component key to values and its text in "string".

    An existing component is replaced in place; a new one is inserted
    after component `after` (JSON and string keep the same order)."""
    n = nlri(d)
    s = n['string']
    if key in n:
        old = fmt_value(n[key]) if key not in ('tcp-flags', 'fragment') else None
        if old is None:
            raise ValueError(key)
        s = s.replace(' %s %s' % (key, old), ' %s %s' % (key, text), 1)
        n[key] = values
    else:
        items = list(n.items())
        out = {}
        for k, v in items:
            if k == 'string':
                continue
            out[k] = v
            if k == after:
                out[key] = values
        n.clear()
        n.update(out)
        aft = ' %s %s' % (after, fmt_value(out[after]))
        s = s.replace(aft, aft + ' %s %s' % (key, text), 1)
    n['string'] = s


def fmt_value(values):
    terms = sum(v.count('&') + 1 for v in values)
    j = ' '.join(values)
    return '[ %s ]' % j if terms > 1 else j


def set_ecomms(d, values):
    attr(d)['extended-community'] = [{'value': v, 'string': ''} for v in values]


def drop(d, *path):
    for p in path[:-1]:
        d = d[p]
    del d[path[-1]]


def put(d, value, *path):
    for p in path[:-1]:
        d = d[p]
    d[path[-1]] = value


def rename_family(d, where, old, new):
    u = upd(d)[where]
    u[new] = u.pop(old)


# ---------------------------------------------------------------- JSON level
add('empty-line', b'', 'syntax', 'empty line')
add('whitespace-only', b'   \t ', 'syntax', 'empty line')
add('not-an-object-array', b'[ ' + RAW_DOWN + b' ]', 'syntax', 'not a JSON object')
add('not-an-object-string', b'"state"', 'syntax', 'not a JSON object')
add('truncated-object', RAW_DOWN[:-7], 'syntax', 'truncated JSON')
add('truncated-in-string', RAW_DOWN[:RAW_DOWN.index(b'Cease')], 'syntax', 'truncated JSON')
add('trailing-garbage', RAW_DOWN + b' {}', 'syntax', 'trailing garbage')
add('trailing-second-object', RAW_DOWN + RAW_DOWN, 'syntax', 'trailing garbage')
add('trailing-letters', RAW_DOWN + b' xyz', 'syntax', '"xyz"')
add('nul-byte', RAW_DOWN.replace(b'Cease', b'Ce\x00ase'), 'syntax', 'NUL byte')
add('escaped-nul', RAW_DOWN.replace(b'"state"', b'"state\\u0000x"'), 'syntax', 'escaped NUL')
add('invalid-utf8', RAW_DOWN.replace(b'Cease', b'Ce\xff\xfease'), 'syntax', 'invalid UTF-8')
add('overlong-utf8', RAW_DOWN.replace(b'Cease', b'Ce\xc0\xafase'), 'syntax', '"\\xc0\\xafas"')
add('utf8-surrogate', RAW_DOWN.replace(b'Cease', b'Ce\xed\xa0\x80ase'), 'syntax', 'invalid UTF-8')
add('control-char-in-string', RAW_DOWN.replace(b'Cease', b'Ce\x01ase'), 'syntax', 'control character')
add('single-quoted-key', RAW_DOWN.replace(b'"type"', b"'type'"), 'syntax', 'unexpected character')
add('nan-literal', RAW_DOWN.replace(b'"time": 1795457759.010619', b'"time": NaN'), 'syntax', '"NaN"')
add('infinity-literal', RAW_DOWN.replace(b'"time": 1795457759.010619', b'"time": -Infinity'), 'syntax', '"-Infinity"')
add('comment', RAW_DOWN.replace(b'"type"', b'/* c */ "type"'), 'syntax', 'unexpected character')
add('trailing-comma', RAW_DOWN[:-2] + b', }', 'syntax', 'invalid JSON')
add('missing-colon', RAW_DOWN.replace(b'"type": "state"', b'"type" "state"'), 'syntax', 'invalid JSON')
nest = b'[' * 20 + b'1' + b']' * 20
add('depth-bomb', RAW_ANN4.replace(b'"as-path": [ 65002 ]', b'"as-path": ' + nest), 'limit', 'nested deeper')

# ---------------------------------------------------------------- envelope
add('missing-type', mut(DOWN, lambda d: drop(d, 'type')), 'syntax', 'missing member: type')
add('type-not-string', mut(DOWN, lambda d: put(d, 7, 'type')), 'value', 'expected string')
add('unknown-message-type', mut(DOWN, lambda d: put(d, 'fsm', 'type')), 'unknown', '"fsm"')
add('exabgp-version-not-string', mut(DOWN, lambda d: put(d, 4.0, 'exabgp')), 'value', 'exabgp')
add('missing-neighbor', mut(DOWN, lambda d: drop(d, 'neighbor')), 'syntax', 'neighbor')
add('neighbor-not-object', mut(DOWN, lambda d: put(d, [], 'neighbor')), 'value', 'neighbor')
add('peer-address-invalid', mut(DOWN, lambda d: put(d, '198.18.1.300', 'neighbor', 'address', 'peer')),
    'value', '"198.18.1.300"')
add('peer-address-missing', mut(DOWN, lambda d: drop(d, 'neighbor', 'address', 'peer')),
    'syntax', 'neighbor.address.peer')
add('peer-asn-negative', mut(DOWN, lambda d: put(d, -1, 'neighbor', 'asn', 'peer')),
    'value', 'neighbor.asn.peer')
add('peer-asn-too-big', mut(DOWN, lambda d: put(d, 4294967296, 'neighbor', 'asn', 'peer')),
    'value', '4294967296')
add('peer-asn-float', mut(DOWN, lambda d: put(d, 65001.5, 'neighbor', 'asn', 'local')),
    'value', 'neighbor.asn.local')
add('unknown-state', mut(DOWN, lambda d: put(d, 'established', 'neighbor', 'state')),
    'unknown', '"established"')
add('state-not-string', mut(DOWN, lambda d: put(d, 1, 'neighbor', 'state')), 'value', 'neighbor.state')
add('reason-not-string', mut(DOWN, lambda d: put(d, {}, 'neighbor', 'reason')), 'value', 'neighbor.reason')

# ---------------------------------------------------------------- notification, EOR
add('notification-unknown-string', mut(SHUT, lambda d: put(d, 'restart', 'notification')),
    'unknown', '"restart"')
add('notification-null', mut(SHUT, lambda d: put(d, None, 'notification')), 'value', 'notification')
add('notification-code-out-of-range',
    mut(NOTIF, lambda d: put(d, 256, 'neighbor', 'notification', 'code')),
    'value', 'neighbor.notification.code')
# integers json-c would clamp: the error quotes them as written, not clamped
add('ecomm-value-2-64', mut(ANN4, lambda d: set_ecomms(d, [2**64])), 'value', '18446744073709551616')
add('ecomm-value-huge', mut(ANN4, lambda d: set_ecomms(d, [10**30])), 'value', '1000000000000000000000000000000')
add('asn-below-int64', mut(ANN4, lambda d: put(d, -2**63 - 1, 'neighbor', 'asn', 'peer')),
    'value', '-9223372036854775809')
add('notification-missing-subcode', mut(NOTIF, lambda d: drop(d, 'neighbor', 'notification', 'subcode')),
    'syntax', 'neighbor.notification.subcode')
add('eor-unsupported-family', mut(EOR, lambda d: put(d, 'unicast', 'neighbor', 'message', 'eor', 'safi')),
    'unsupported', '"ipv6 unicast"')
add('eor-missing-safi', mut(EOR, lambda d: drop(d, 'neighbor', 'message', 'eor', 'safi')),
    'syntax', 'neighbor.message.eor.safi')

# ---------------------------------------------------------------- UPDATE structure
add('update-missing-message', mut(ANN4, lambda d: drop(d, 'neighbor', 'message')),
    'syntax', 'neighbor.message')
add('update-empty-message', mut(ANN4, lambda d: put(d, {}, 'neighbor', 'message')),
    'syntax', 'neighbor.message.update')
add('update-direction-send', mut(ANN4, lambda d: put(d, 'send', 'neighbor', 'direction')),
    'unsupported', '"send"')
add('announce-not-object', mut(ANN4, lambda d: put(d, [], 'neighbor', 'message', 'update', 'announce')),
    'value', 'neighbor.message.update.announce')
add('attribute-not-object', mut(ANN4, lambda d: put(d, [], 'neighbor', 'message', 'update', 'attribute')),
    'value', 'neighbor.message.update.attribute')
add('flow-vpn-family', mut(ANN4, lambda d: rename_family(d, 'announce', 'ipv4 flow', 'ipv4 flow-vpn')),
    'unsupported', '"ipv4 flow-vpn"')
add('ipv4-unicast-family', mut(ANN4, lambda d: rename_family(d, 'announce', 'ipv4 flow', 'ipv4 unicast')),
    'unsupported', '"ipv4 unicast"')
add('l2vpn-flowspec-family', mut(WD, lambda d: rename_family(d, 'withdraw', 'ipv4 flow', 'l2vpn flowspec')),
    'unsupported', '"l2vpn flowspec"')
add('nexthop-invalid',
    mut(ANN4, lambda d: upd(d)['announce']['ipv4 flow'].update(
        {'nexthop-foo': upd(d)['announce']['ipv4 flow'].pop('no-nexthop')})),
    'value', '"nexthop-foo"')
add('nlri-list-not-array', mut(ANN4, lambda d: put(d, {}, 'neighbor', 'message', 'update', 'announce',
                                                    'ipv4 flow', 'no-nexthop')),
    'value', '"no-nexthop"')
add('nlri-not-object', mut(WD, lambda d: upd(d)['withdraw']['ipv4 flow'].append('flow')),
    'value', '"ipv4 flow"[2]')
add('withdraw-not-list', mut(WD, lambda d: put(d, {}, 'neighbor', 'message', 'update', 'withdraw',
                                                'ipv4 flow')),
    'value', 'expected array')


def nh_mismatch(d):
    n = nlri(d)
    n['next-hop'] = '198.18.9.8'
    n['string'] = n['string'].replace('next-hop 198.18.9.9', 'next-hop 198.18.9.8')


add('nlri-nexthop-mismatch', mut(NH, nh_mismatch), 'value', '"198.18.9.8"')


def nh_string_mismatch(d):
    n = nlri(d)
    n['string'] = n['string'].replace('next-hop 198.18.9.9', 'next-hop 198.18.9.7')


add('nlri-nexthop-string-mismatch', mut(NH, nh_string_mismatch), 'syntax', '"198.18.9.7"')

# ---------------------------------------------------------------- components
add('unknown-component', mut(ANN6, lambda d: set_comp(d, 'foo-bar', ['=1'], '=1', after='destination-port')),
    'unknown', '"foo-bar"')
add('wrong-family-flow-label', mut(ANN4, lambda d: set_comp(d, 'flow-label', ['=5'], '=5', after='fragment')),
    'unknown', '"flow-label"')
add('ipv6-key-in-ipv4', mut(ANN4, lambda d: set_comp(d, 'destination-ipv6', ['2001:db8::/32/0'],
                                                       '2001:db8::/32/0', after='source-ipv4')),
    'unknown', '"destination-ipv6"')
add('protocol-key-in-ipv6', mut(ANN6, lambda d: set_comp(d, 'protocol', ['=tcp'], '=tcp', after='next-header')),
    'unknown', '"protocol"')
add('component-not-list', mut(ANN4, lambda d: put(nlri(d), '=tcp', 'protocol')), 'value', '.protocol: "=tcp"')
add('component-empty-list', mut(ANN4, lambda d: put(nlri(d), [], 'protocol')), 'value', 'empty component list')
add('component-element-not-string', mut(ANN4, lambda d: put(nlri(d), [443], 'destination-port')),
    'value', '"destination-port"[0]')
add('port-out-of-range', mut(ANN4, lambda d: set_comp(d, 'destination-port', ['=70000'], '=70000')),
    'value', '"=70000"')
add('dscp-out-of-range', mut(ANN4, lambda d: set_comp(d, 'dscp', ['=64'], '=64')), 'value', '"=64"')
add('icmp-code-out-of-range', mut(ANN4, lambda d: set_comp(d, 'icmp-code', ['=256'], '=256')),
    'value', '"=256"')
add('flow-label-out-of-range', mut(ANN6, lambda d: set_comp(d, 'flow-label', ['=1048576'], '=1048576',
                                                             after='destination-port')),
    'value', '"=1048576"')
add('protocol-unknown-name', mut(ANN4, lambda d: set_comp(d, 'protocol', ['=foo'], '=foo')), 'value', '"=foo"')
add('protocol-unknown-type-text', mut(ANN4, lambda d: set_comp(d, 'protocol', ['=unknown protocol type x'],
                                                                '=unknown protocol type x')),
    'value', 'unknown protocol type x')
add('icmp-unknown-name', mut(ANN4, lambda d: set_comp(d, 'icmp-type', ['=echo-requests'], '=echo-requests')),
    'value', '"=echo-requests"')
add('numeric-missing-operator', mut(ANN4, lambda d: set_comp(d, 'destination-port', ['443'], '443')),
    'syntax', '"443"')
add('numeric-empty-and', mut(ANN4, lambda d: set_comp(d, 'source-port', ['>=1024&'], '[ >=1024& ]')),
    'syntax', '">=1024&"')
add('numeric-leading-and', mut(ANN4, lambda d: set_comp(d, 'source-port', ['>=1024', '&<=2048'],
                                                        '[ >=1024 &<=2048 ]')),
    'syntax', '"&<=2048"')
add('numeric-bad-operator', mut(ANN4, lambda d: set_comp(d, 'destination-port', ['<>80'], '<>80')),
    'value', '"<>80"')
add('numeric-negative', mut(ANN4, lambda d: set_comp(d, 'destination-port', ['=-1'], '=-1')), 'value', '"=-1"')
add('numeric-huge', mut(ANN4, lambda d: set_comp(d, 'packet-length', ['=99999999999'], '=99999999999')),
    'value', '"=99999999999"')
add('numeric-true-with-value', mut(ANN4, lambda d: set_comp(d, 'packet-length', ['true5'], 'true5')),
    'syntax', '"true5"')
dports = ['=%d' % i for i in range(1, 66)]
add('too-many-terms', mut(ANN4, lambda d: set_comp(d, 'destination-port', dports, fmt_value(dports))),
    'limit', '65 elements in destination-port')
# 64 + 64 + 64 + 64 + 1 terms: each component fits, the route does not.
big = {k: ['&'.join('!=%d' % i for i in range(1, 65))] for k in ('port', 'destination-port', 'source-port',
                                                                   'packet-length')}


def route_terms(d):
    for k, v in big.items():
        set_comp(d, k, v, fmt_value(v))
    set_comp(d, 'icmp-code', ['=0'], '=0')


add('too-many-route-terms', mut(ANN4, route_terms), 'limit', '"packet-length"[0]')
anded = ['&'.join('!=%d' % i for i in range(1, 66))]
add('too-many-anded-terms', mut(ANN4, lambda d: set_comp(d, 'destination-port', anded, fmt_value(anded))),
    'limit', '65 terms in destination-port')

# ---------------------------------------------------------------- prefixes
add('prefix-len-33', mut(ANN4, lambda d: set_comp(d, 'destination-ipv4', ['192.0.2.0/33'], '192.0.2.0/33')),
    'value', '"192.0.2.0/33"')
add('prefix-no-length', mut(ANN4, lambda d: set_comp(d, 'destination-ipv4', ['192.0.2.0'], '192.0.2.0')),
    'syntax', '"192.0.2.0"')
add('prefix-bad-address', mut(ANN4, lambda d: set_comp(d, 'source-ipv4', ['203.0.113/24'], '203.0.113/24')),
    'value', '"203.0.113/24"')
add('prefix-ipv6-in-ipv4', mut(ANN4, lambda d: set_comp(d, 'destination-ipv4', ['2001:db8::/32'],
                                                        '2001:db8::/32')),
    'value', '"2001:db8::/32"')
add('prefix-ipv4-offset', mut(ANN4, lambda d: set_comp(d, 'destination-ipv4', ['192.0.2.0/24/8'],
                                                       '192.0.2.0/24/8')),
    'value', '"192.0.2.0/24/8"')
add('prefix-two-elements', mut(ANN4, lambda d: set_comp(d, 'destination-ipv4', ['192.0.2.0/24', '10.0.0.0/8'],
                                                        '[ 192.0.2.0/24 10.0.0.0/8 ]')),
    'value', '"[ 192.0.2.0/24 10.0.0.0/8 ]"')
add('ipv6-offset-gt-len', mut(ANN6, lambda d: set_comp(d, 'destination-ipv6', ['2001:db8:1::/48/64'],
                                                       '2001:db8:1::/48/64')),
    'value', '"2001:db8:1::/48/64"')
add('ipv6-missing-offset', mut(ANN6, lambda d: set_comp(d, 'source-ipv6', ['2001:db8:ff::/64'],
                                                        '2001:db8:ff::/64')),
    'syntax', '"2001:db8:ff::/64"')
add('ipv6-len-129', mut(ANN6, lambda d: set_comp(d, 'destination-ipv6', ['2001:db8:1::/129/0'],
                                                 '2001:db8:1::/129/0')),
    'value', '"2001:db8:1::/129/0"')
add('ipv6-prefix-in-ipv4-syntax', mut(ANN6, lambda d: set_comp(d, 'destination-ipv6', ['10.0.0.0/8/0'],
                                                               '10.0.0.0/8/0')),
    'value', '"10.0.0.0/8/0"')

# ---------------------------------------------------------------- "string" and bitmasks


def set_string(d, fn):
    n = nlri(d)
    n['string'] = fn(n['string'])


add('string-missing', mut(ANN4, lambda d: drop(nlri(d), 'string')), 'syntax', '.string')
add('string-not-string', mut(ANN4, lambda d: put(nlri(d), 5, 'string')), 'value', '.string')
add('string-not-flow', mut(ANN4, lambda d: set_string(d, lambda s: 'route' + s[4:])), 'syntax', '"route')
add('string-disagrees', mut(ANN4, lambda d: set_string(d, lambda s: s.replace('destination-port =443',
                                                                              'destination-port =444'))),
    'syntax', '"=444"')
add('string-extra-key', mut(ANN6, lambda d: set_string(d, lambda s: s + ' tcp-flags syn')),
    'syntax', 'tcp-flags syn')
add('tcp-flags-missing-in-string', mut(TCP, lambda d: set_string(d, lambda s: s[:s.index(' tcp-flags')])),
    'syntax', 'tcp-flags')
add('tcp-flags-missing-in-json', mut(TCP, lambda d: drop(nlri(d), 'tcp-flags')),
    'syntax', 'tcp-flags [')
add('tcp-flags-unknown-bit', mut(TCP, lambda d: set_string(d, lambda s: s.replace('=syn+ack', '=syn+foo'))),
    'value', '"[ !=rst&=syn+foo =fin ]"')
add('tcp-flags-repeated-bit', mut(TCP, lambda d: set_string(d, lambda s: s.replace('=syn+ack', '=syn+syn'))),
    'syntax', '=syn+syn')
add('tcp-flags-unterminated-bracket', mut(TCP, lambda d: set_string(d, lambda s: s[:-2])),
    'syntax', 'unterminated')
add('tcp-flags-empty-and', mut(TCP, lambda d: set_string(d, lambda s: s.replace('=syn+ack', ''))),
    'syntax', '"[ !=rst& =fin ]"')
add('tcp-flags-empty-bit', mut(TCP, lambda d: set_string(d, lambda s: s.replace('=syn+ack', '=syn++ack'))),
    'value', '=syn++ack')
add('tcp-flags-not-list', mut(TCP, lambda d: put(nlri(d), '=fin', 'tcp-flags')), 'value', '"tcp-flags"')
add('fragment-unknown-name', mut(FRAG, lambda d: set_string(d, lambda s: s.replace('is-fragment',
                                                                                   'is-fragmented'))),
    'value', '"is-fragmented"')
add('fragment-not-a-fragment-combined',
    mut(FRAG, lambda d: set_string(d, lambda s: s.replace('is-fragment', 'not-a-fragment+is-fragment'))),
    'syntax', 'not-a-fragment+is-fragment')


LABEL6 = obj('gobgp-ipv6.jsonl', 3)  # destination-ipv6 + flow-label
assert 'flow-label' in nlri(LABEL6)
add('fragment-df-ipv6', mut(LABEL6, lambda d: set_comp(d, 'fragment', ['=dont-fragment'], '=dont-fragment',
                                                       after='destination-ipv6')),
    'value', 'fragment =dont-fragment')
add('nlri-no-component', mut(WD, lambda d: put(upd(d)['withdraw'], [{'string': 'flow'}], 'ipv4 flow')),
    'value', '"flow"')

# ---------------------------------------------------------------- duplicate keys
# json-c keeps the last of two equal keys and says nothing; the reader's
# strictness check (lib/src/json_strict.c) refuses a key given twice in any
# object, compared decoded, naming the offset of the second, the path of
# the object and the key.
DUPTAG = '~dup~'
TWICE = 'a key given twice in one object'


def path_text(path):
    """A JSON path as the reader writes it: plain keys bare, others quoted."""
    out = ''
    for p in path:
        if isinstance(p, int):
            out += '[%d]' % p
        else:
            q = p if p and all(c.isalnum() or c == '_' for c in p) else '"%s"' % p
            out += ('.' if out else '') + q
    return out


def twice(name, base, path, key, first, spelled=None):
    """base with key given twice in the object at path: first `first`, then
    the value it has (the one json-c keeps).  spelled: how the first is
    written (an escaped spelling of the same key)."""
    d = copy.deepcopy(base)
    o = d
    for p in path:
        o = o[p]
    items = list(o.items())
    assert key in o, (name, key)
    o.clear()
    for k, v in items:
        if k == key:
            o[key + DUPTAG] = first
        o[k] = v
    data = dump(d)
    tag = ('"%s%s"' % (key, DUPTAG)).encode()
    assert data.count(tag) == 1, name
    at = data.index(tag)
    data = data.replace(tag, (spelled or '"%s"' % key).encode())
    second = data.index(('"%s": ' % key).encode(), at + 1)
    where = path_text(path)
    add(name, data, 'syntax', '%s at offset %d: %s"%s"' % (TWICE, second, where + ': ' if where else '', key))


# "type": "update" then "type": "state" on a line that carries a state
# down and an update: json-c kept "state", and the down flushed the peer.
DOWN_UPDATE = copy.deepcopy(DOWN)
DOWN_UPDATE['neighbor']['direction'] = 'receive'
DOWN_UPDATE['neighbor']['message'] = copy.deepcopy(ANN4['neighbor']['message'])
twice('duplicate-type', DOWN_UPDATE, [], 'type', 'update')
twice('duplicate-type-escaped', DOWN_UPDATE, [], 'type', 'update', spelled='"t\\u0079pe"')
# two attribute objects, the first with rate-limit:0: the drop became RETURN
RATE0_ATTR = copy.deepcopy(attr(ANN4))
RATE0_ATTR['extended-community'] = [{'value': 0x8006000000000000, 'string': 'rate-limit:0'}]
NO_ECOMM = mut(ANN4, lambda d: attr(d).pop('extended-community'))
twice('duplicate-attribute', NO_ECOMM, ['neighbor', 'message', 'update'], 'attribute', RATE0_ATTR)
twice('duplicate-extended-community', ANN4, ['neighbor', 'message', 'update', 'attribute'],
      'extended-community', [{'value': 0x8006000000000000, 'string': 'rate-limit:0'}])
twice('duplicate-ecomm-value', ANN4, ['neighbor', 'message', 'update', 'attribute', 'extended-community', 0],
      'value', 0x8006000000000000)
twice('duplicate-ipv4-flow', ANN4, ['neighbor', 'message', 'update', 'announce'], 'ipv4 flow',
      {'no-nexthop': copy.deepcopy(upd(WD)['withdraw']['ipv4 flow'])})
twice('duplicate-no-nexthop', ANN4, ['neighbor', 'message', 'update', 'announce', 'ipv4 flow'], 'no-nexthop',
      copy.deepcopy(upd(WD)['withdraw']['ipv4 flow']))
twice('duplicate-update', ANN4, ['neighbor', 'message'], 'update', copy.deepcopy(upd(WD)))
twice('duplicate-direction', ANN4, ['neighbor'], 'direction', 'send')
twice('duplicate-peer', DOWN, ['neighbor', 'address'], 'peer', '198.18.1.99')
twice('duplicate-component-key', ANN4, ['neighbor', 'message', 'update', 'announce', 'ipv4 flow', 'no-nexthop', 0],
      'destination-ipv4', ['10.0.0.0/8'])
twice('duplicate-notification', NOTIF, ['neighbor', 'notification'], 'code', 1)

# ---------------------------------------------------------------- more of what json-c lets through
add('utf16-lone-surrogate', dump(mut(DOWN, lambda d: put(d, 'x', 'neighbor', 'reason'))).replace(
    b'"reason": "x"', b'"reason": "x\\ud800y"'), 'syntax', 'unpaired UTF-16 surrogate escape')
add('utf16-lone-low-surrogate', dump(mut(DOWN, lambda d: put(d, 'x', 'neighbor', 'reason'))).replace(
    b'"reason": "x"', b'"reason": "\\udc00"'), 'syntax', 'neighbor.reason: "\\\\udc00"')
add('escaped-nul-in-value', dump(mut(DOWN, lambda d: put(d, 'x', 'neighbor', 'reason'))).replace(
    b'"reason": "x"', b'"reason": "Cease\\u0000 and more"'), 'syntax', 'escaped NUL (\\u0000) at offset')
POINT = RAW_DOWN.replace(b'"time": 1795457759.010619', b'"time": 1795457759.')
add('number-trailing-point', POINT, 'syntax',
    'invalid JSON literal at offset %d: time: "1795457759."' % POINT.index(b'1795457759.'))

# ---------------------------------------------------------------- extended communities
RATE0 = 0x8006000000000000
add('ecomm-string-instead-of-value',
    mut(ANN4, lambda d: put(attr(d), [{'string': 'rate-limit:0'}], 'extended-community')),
    'syntax', '"extended-community"[0].value')
add('ecomm-value-string',
    mut(ANN4, lambda d: put(attr(d), [{'value': str(RATE0), 'string': 'rate-limit:0'}], 'extended-community')),
    'value', '"9225060886715039744"')
add('ecomm-value-negative', mut(ANN4, lambda d: set_ecomms(d, [-1])), 'value', 'out of range')
add('ecomm-value-float', mut(ANN4, lambda d: set_ecomms(d, [9.2e18])), 'value', 'expected integer')
add('ecomm-value-too-big', mut(ANN4, lambda d: set_ecomms(d, [2 ** 64])), 'value', 'out of range')
add('ecomm-not-list', mut(ANN4, lambda d: put(attr(d), {}, 'extended-community')),
    'value', '"extended-community"')
add('ecomm-element-not-object', mut(ANN4, lambda d: put(attr(d), [RATE0], 'extended-community')),
    'value', '"extended-community"[0]')
add('rate-nan', mut(MULTI, lambda d: set_ecomms(d, [0x800600007fc00000])), 'value', '0x800600007fc00000')
add('rate-infinite', mut(MULTI, lambda d: set_ecomms(d, [0x800600007f800000])), 'value', '0x800600007f800000')
add('rate-negative', mut(MULTI, lambda d: set_ecomms(d, [0x8006fde8bf800000])), 'value', '0x8006fde8bf800000')
add('rate-packets-nan', mut(MULTI, lambda d: set_ecomms(d, [0x800c0000ffc00000])), 'value', '0x800c0000ffc00000')
rts = [0x0002fde800000000 + i for i in range(17)]
add('too-many-rts', mut(MULTI, lambda d: set_ecomms(d, rts)), 'limit', '0x0002fde800000010')
add('seq-clean-nonzero-bytes', mut(MULTI, lambda d: set_ecomms(d, [0x80ff000100000005])),
    'value', '0x80ff000100000005')
add('ietf6-bad-address',
    mut(IETF6, lambda d: put(attr(d), 'redirect-to-nexthop-ietf 2001:db8::zz', 'attribute-0x19-0xC0')),
    'value', '"redirect-to-nexthop-ietf 2001:db8::zz"')
add('ietf6-not-string', mut(IETF6, lambda d: put(attr(d), ['x'], 'attribute-0x19-0xC0')),
    'value', 'attribute-0x19-0xC0')


def main():
    for old in glob.glob(os.path.join(HERE, '*.jsonl')):
        os.remove(old)
    names = set()
    rows = []
    for name, data, code, sub in cases:
        assert name not in names, name
        names.add(name)
        fn = name + '.jsonl'
        with open(os.path.join(HERE, fn), 'wb') as f:
            f.write(data + b'\n')
        assert '\t' not in sub and '\n' not in sub
        rows.append('%s\t%s\t%s\n' % (fn, code, sub))
    with open(os.path.join(HERE, 'EXPECT.tsv'), 'w') as f:
        f.write('# file\terror code\tsubstring of the message (generated by make-corpus.py)\n')
        f.writelines(sorted(rows))
    print('%d cases' % len(cases))


if __name__ == '__main__':
    main()
