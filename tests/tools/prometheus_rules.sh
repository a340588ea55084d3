#!/bin/bash
# etc/prometheus/: the alerting rules pass "promtool check rules" and their
# unit tests ("promtool test rules" on the recorded series of
# sipwarden-alerts.test.yml).  etc/grafana/sipwarden.json: valid JSON whose
# every query parses as PromQL (promtool, with Grafana's variables put in),
# names only metrics that sipwarden exports (proxy/metrics.c), and covers
# challenges, authentications by reason, bans, drops by reason,
# connections and reloads.
# Usage: prometheus_rules.sh SOURCE-ROOT
set -u
src=$1
command -v promtool >/dev/null || { echo "promtool is not installed (Debian: prometheus)"; exit 77; }
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
bad=0
promtool check rules "$src/etc/prometheus/sipwarden-alerts.yml" >"$t/check" 2>&1 ||
	{ cat "$t/check"; bad=1; }
promtool test rules "$src/etc/prometheus/sipwarden-alerts.test.yml" >"$t/test" 2>&1 ||
	{ cat "$t/test"; bad=1; }
python3 - "$src" "$t/exprs.yml" <<'PY' || bad=1
import json, re, sys
src, out = sys.argv[1], sys.argv[2]
d = json.load(open(src + "/etc/grafana/sipwarden.json"))
exported = set(re.findall(r'"(sipwarden_[a-z_]+)"',
                          open(src + "/proxy/metrics.c").read()))
used, rules, bad = set(), [], False
for p in d["panels"]:
    if not p.get("targets"):
        print("FAIL: panel %r has no query" % p.get("title")); bad = True
    for t in p.get("targets", []):
        e = t["expr"]
        names = set(re.findall(r"\bsipwarden_[a-z_]+", e))
        for n in names - exported:
            print("FAIL: panel %r: %s is not a metric of sipwarden" %
                  (p["title"], n)); bad = True
        used |= names
        e = (e.replace("$__rate_interval", "5m").replace("$__range", "6h")
             .replace("$instance", ".*"))
        rules.append({"record": "dashboard:q%d" % len(rules), "expr": e})
for need in ("sipwarden_challenges_total", "sipwarden_auth_success_total",
             "sipwarden_auth_failures_total", "sipwarden_bans_active",
             "sipwarden_dropped_total", "sipwarden_connections",
             "sipwarden_reloads_total"):
    if need not in used:
        print("FAIL: the dashboard shows nothing of %s" % need); bad = True
json.dump({"groups": [{"name": "dashboard", "rules": rules}]}, open(out, "w"))
sys.exit(1 if bad else 0)
PY
# JSON is YAML: every query as a recording rule, for promtool to parse.
promtool check rules "$t/exprs.yml" >"$t/exprs.out" 2>&1 ||
	{ echo "FAIL: a dashboard query does not parse:"; cat "$t/exprs.out"; bad=1; }
[ "$bad" -eq 0 ] && echo "prometheus rules and grafana dashboard: ok"
exit $bad
