"""metrics-check.py PROM JSON [key=value ...]: checks a Prometheus exposition
(flowspec-injector's metrics-file or `status --prometheus`) against
`status --json`, parsing it with Debian's prometheus_client (run it with
/usr/bin/python3).  Prints "ok" or what is wrong, one line each.

Options (key=value):
  families=4,6     the families the exposition must describe
  commits_min=N    each family's flowspec_commits_total{result="ok"} >= N
  input_errors=N   flowspec_input_errors_total == N
  polls=4:changed:1,6:unchanged:1  flowspec_frr_polls_total values
  long=1           at least one route label was cut (the text is longer)
"""
import datetime
import json
import sys

from prometheus_client.parser import text_string_to_metric_families

LABEL_MAX = 128  # FS_METRICS_LABEL_MAX

prom_path, json_path = sys.argv[1], sys.argv[2]
opt = dict(a.split("=", 1) for a in sys.argv[3:])
text = open(prom_path).read()
doc = json.load(open(json_path))
bad = []


def expect(cond, msg):
    if not cond:
        bad.append(msg)


expect(text.endswith("\n"), "the exposition does not end with a newline")
fams = {}
try:
    for mf in text_string_to_metric_families(text):
        expect(mf.name not in fams, "metric %s appears twice" % mf.name)
        fams[mf.name] = mf
except Exception as e:  # the parser's refusal is the finding
    print("parse error: %r" % e)
    sys.exit(1)

# every metric has HELP and TYPE lines in the text, and names start with flowspec_
for line in text.splitlines():
    if line.startswith("#"):
        continue
    name = line.split("{")[0].split(" ")[0]
    expect(name.startswith("flowspec_"), "metric without the prefix: %s" % name)
for name, mf in fams.items():
    expect(mf.documentation != "", "%s has no HELP" % name)
    expect(("# TYPE %s " % name) in text or ("# TYPE %s_total " % name) in text,
           "%s has no TYPE line" % name)


def samples(name, sname=None):
    mf = fams.get(name)
    if mf is None:
        bad.append("no metric %s" % name)
        return []
    return [s for s in mf.samples if s.name == (sname or name)]


want_fams = [int(f) for f in opt.get("families", "4,6").split(",")]
expect(fams.get("flowspec_backend_info") is not None and fams["flowspec_backend_info"].type == "gauge",
       "flowspec_backend_info is not a gauge")
bi = samples("flowspec_backend_info")
expect(len(bi) == 1 and bi[0].labels.get("backend") == "iptc" and bi[0].value == 1,
       "flowspec_backend_info: %r" % bi)
ok = {int(s.labels["family"]): s.value for s in samples("flowspec_state_ok")}
expect(sorted(ok) == sorted(want_fams), "flowspec_state_ok families %r" % ok)
expect(all(v == 1 for v in ok.values()), "flowspec_state_ok: %r" % ok)

# routes by state, by family
jf = {f["family"]: f for f in doc["families"]}
expect(sorted(jf) == sorted(want_fams), "status --json families %r" % sorted(jf))
byst = {(int(s.labels["family"]), s.labels["state"]): s.value for s in samples("flowspec_routes")}
for fam, f in jf.items():
    for state, key in (("installed", "installed"), ("no-match", "no_match"), ("refused", "refused")):
        expect(byst.get((fam, state)) == f[key], "IPv%d %s routes: metrics %r, json %r" %
               (fam, state, byst.get((fam, state)), f[key]))
    rules = [s.value for s in samples("flowspec_rules") if int(s.labels["family"]) == fam]
    expect(rules == [f["rules"]], "IPv%d rules: metrics %r, json %r" % (fam, rules, f["rules"]))
    ts = [s.value for s in samples("flowspec_last_commit_timestamp_seconds")
          if int(s.labels["family"]) == fam]
    when = datetime.datetime.strptime(f["last_commit"], "%Y-%m-%dT%H:%M:%SZ").replace(
        tzinfo=datetime.timezone.utc).timestamp()
    expect(ts == [when], "IPv%d last commit: metrics %r, json %s" % (fam, ts, f["last_commit"]))
    cm = {s.labels["result"]: s.value for s in samples("flowspec_commits", "flowspec_commits_total")
          if int(s.labels["family"]) == fam}
    expect(cm.get("ok", -1) >= int(opt.get("commits_min", "1")) and "failed" in cm,
           "IPv%d commits: %r" % (fam, cm))
    if cm.get("ok", 0) > 0:
        d = [s.value for s in samples("flowspec_last_commit_duration_seconds")
             if int(s.labels["family"]) == fam]
        expect(len(d) == 1 and 0 <= d[0] < 60, "IPv%d last commit duration %r" % (fam, d))

# refusal reasons add up to the refused routes, per reason as status has them
reasons = {}
for r in doc["routes"]:
    if r["state"] not in ("installed", "no-match"):
        reasons[(r["family"], r["state"])] = reasons.get((r["family"], r["state"]), 0) + 1
for s in samples("flowspec_routes_refused"):
    k = (int(s.labels["family"]), s.labels["reason"])
    expect(s.value == reasons.pop(k, 0), "refused %r: metrics %r" % (k, s.value))
expect(not reasons, "refusal reasons missing from the metrics: %r" % reasons)


# per route: one sample of each counter, labelled by family, a unique id and the bounded text
def label_of(t):
    return t if len(t) <= LABEL_MAX else t[:LABEL_MAX] + "..."


per = {}
for metric in ("flowspec_route_packets", "flowspec_route_bytes", "flowspec_route_dropped_packets",
               "flowspec_route_dropped_bytes"):
    for s in samples(metric, metric + "_total"):
        key = (int(s.labels["family"]), s.labels["id"])
        expect((metric, key) not in per, "%s: id %r twice" % (metric, key))
        per[(metric, key)] = s
        expect(len(s.labels["route"]) <= LABEL_MAX + 3, "a route label of %d characters" %
               len(s.labels["route"]))
info = {(int(s.labels["family"]), s.labels["id"]): s for s in samples("flowspec_route_info")}
expect(len(info) == len(doc["routes"]), "flowspec_route_info: %d routes, json %d" %
       (len(info), len(doc["routes"])))
cut = 0
for r in doc["routes"]:
    m = [k for k, s in info.items() if k[0] == r["family"] and s.labels["order"] == str(r["order"])]
    if len(m) != 1:
        bad.append("IPv%d route %d: %d info samples" % (r["family"], r["order"], len(m)))
        continue
    key = m[0]
    s = info[key]
    cut += len(r["route"]) > LABEL_MAX
    expect(s.labels["route"] == label_of(r["route"]), "IPv%d route %d: label %r for %r" %
           (r["family"], r["order"], s.labels["route"], r["route"]))
    expect(s.labels["state"] == r["state"] and s.labels["action"] == label_of(r["action"]),
           "IPv%d route %d: state/action %r" % (r["family"], r["order"], s.labels))
    for metric, field in (("flowspec_route_packets", "packets"), ("flowspec_route_bytes", "bytes"),
                          ("flowspec_route_dropped_packets", "dropped_packets"),
                          ("flowspec_route_dropped_bytes", "dropped_bytes")):
        got = per.pop((metric, key), None)
        if field not in r:
            expect(got is None, "IPv%d route %d: %s without a rate limit" % (r["family"], r["order"], metric))
            continue
        expect(got is not None and got.value == r[field] and got.labels["route"] == label_of(r["route"]),
               "IPv%d route %d: %s %r, json %r" % (r["family"], r["order"], metric,
                                                   got and got.value, r[field]))
expect(not per, "per-route samples of no route: %r" % list(per)[:3])
if opt.get("long") == "1":
    expect(cut > 0, "no route text is longer than %d: the bound was not tested" % LABEL_MAX)
if "input_errors" in opt:
    ie = samples("flowspec_input_errors", "flowspec_input_errors_total")
    expect([s.value for s in ie] == [int(opt["input_errors"])], "input errors %r" % ie)
for p in filter(None, opt.get("polls", "").split(",")):
    fam, res, n = p.split(":")
    v = [s.value for s in samples("flowspec_frr_polls", "flowspec_frr_polls_total")
         if s.labels["family"] == fam and s.labels["result"] == res]
    expect(v == [int(n)], "IPv%s polls %s: %r, want %s" % (fam, res, v, n))

for b in bad:
    print(b)
print("ok" if not bad else "%d problems" % len(bad))
sys.exit(1 if bad else 0)
