#!/bin/bash
# metrics: /metrics on the proxy's event loop serves Prometheus text while
# traffic flows; the counters move by exactly what was sent (forwarded
# requests and responses, drops, challenges, auth failures, reloads), the
# output passes `promtool check metrics` where promtool is installed, and
# other paths are 404.
set -eu
. "$SRCDIR/lib.sh"
need python3

sw_config "metrics $IP:$AUX_PORT"
sw_start

py <<'PY'
import os
import urllib.request
import urllib.error
from swsip import *

SW = port("SW")
ua = sock(port("UA"))
pbx = sock(port("PBX"))
me = hostport(port("UA"))
URL = "http://%s/metrics" % hostport(port("AUX"))


def scrape():
    with urllib.request.urlopen(URL, timeout=5) as r:
        check(r.status == 200, "status %s" % r.status)
        check(r.headers["Content-Type"].startswith("text/plain; version=0.0.4"),
              "content type %r" % r.headers["Content-Type"])
        text = r.read().decode()
    vals = {}
    for line in text.splitlines():
        if line.startswith("#") or not line:
            continue
        k, v = line.rsplit(" ", 1)
        vals[k] = int(v)
    return text, vals


def options(cid):
    return ("OPTIONS sip:bob@sipwarden.test SIP/2.0\n"
            "Via: SIP/2.0/UDP %s;branch=%s;rport\n"
            "Max-Forwards: 70\n"
            "From: <sip:alice@sipwarden.test>;tag=a1\n"
            "To: <sip:bob@sipwarden.test>\n"
            "Call-ID: %s\nCSeq: 1 OPTIONS\nContent-Length: 0\n\n"
            % (me, branch(), cid))


text0, v0 = scrape()
with open(os.path.join(os.environ["T"], "metrics0.txt"), "w") as f:
    f.write(text0)
check(v0['sipwarden_build_info{version="0.1.0"}'] == 1, "build_info")
N = 20
for i in range(N):
    cid = "m-%d-%s" % (i, token())
    send(ua, options(cid), SW)
    req = expect(pbx, 5, "OPTIONS %d at the PBX" % i, is_request("OPTIONS", cid))
    send(pbx, response_to(req, 200, "OK"), SW)
    expect(ua, 5, "200 %d" % i, is_response(200, callid=cid))
G = 7
for i in range(G):
    send(ua, "garbage %d\r\n\r\n" % i, SW)
expect_nothing(ua, 0.5, "garbage gets no answer")
text1, v1 = scrape()
with open(os.path.join(os.environ["T"], "metrics1.txt"), "w") as f:
    f.write(text1)


def moved(key):
    return v1.get(key, 0) - v0.get(key, 0)


check(moved('sipwarden_requests_total{method="OPTIONS"}') == N,
      "OPTIONS counted %d, want %d" % (moved('sipwarden_requests_total{method="OPTIONS"}'), N))
check(moved('sipwarden_responses_total{class="2xx"}') == N, "2xx moved %d"
      % moved('sipwarden_responses_total{class="2xx"}'))
check(moved("sipwarden_forwarded_total") == 2 * N, "forwarded moved %d"
      % moved("sipwarden_forwarded_total"))
check(moved('sipwarden_dropped_total{reason="malformed"}') == G,
      "malformed drops moved %d" % moved('sipwarden_dropped_total{reason="malformed"}'))
check(moved("sipwarden_challenges_total") == 0, "trusted client challenged")
check(v1["sipwarden_uptime_seconds"] >= 0, "uptime")
try:
    urllib.request.urlopen(URL.replace("/metrics", "/other"), timeout=5)
    fail("/other answered")
except urllib.error.HTTPError as e:
    check(e.code == 404, "/other gave %d" % e.code)
PY

# A reload is counted.
kill -HUP "$SW_PID"
log_wait 'event=reload result=ok' 5
py <<'PY'
import urllib.request
from swsip import *
with urllib.request.urlopen("http://%s/metrics" % hostport(port("AUX")),
                            timeout=5) as r:
    text = r.read().decode()
check('sipwarden_reloads_total{result="ok"} 1\n' in text, "reload not counted")
PY

if command -v promtool >/dev/null; then
	promtool check metrics <"$T/metrics1.txt" >"$T/promtool.out" 2>&1 ||
	    fail "promtool: $(cat "$T/promtool.out")"
else
	note "promtool not installed: the exposition format was not checked by it"
fi
sw_stop
