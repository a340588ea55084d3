#!/bin/bash
# log_json: "log_format json" with "log FILE" (a path relative to the
# config's directory).  Every line written is one JSON object whose first
# keys are ts, level (lowercase), pid, event; lines about a message carry
# src right after event; values from the network (an odd method, a
# Call-ID with quotes, backslashes and control bytes) come out as valid
# JSON.  Nothing but sanitizer output may go to stderr.
set -eu
. "$SRCDIR/lib.sh"
need python3

SW_EVLOG=$T/sw.json
SW_START_RE='"event":"start"'
SW_STOP_RE='"event":"stop"'
sw_config "log_format json" "log sw.json"
sw_start
export SW_EVLOG TORTURE_DIR=$SRCDIR/../data/rfc4475

py <<'PY'
import os
from swsip import *

SW = port("SW")
ua = sock(port("UA"))
pbx = sock(port("PBX"))
me = hostport(port("UA"))


def opt(cid, extra=""):
    return wire(("OPTIONS sip:bob@sipwarden.test SIP/2.0\n"
                 "Via: SIP/2.0/UDP %s;branch=%s;rport\n"
                 "Max-Forwards: 70\n"
                 "From: <sip:alice@sipwarden.test>;tag=a\n"
                 "To: <sip:bob@sipwarden.test>\n"
                 "%s"
                 "CSeq: 1 OPTIONS\nContent-Length: 0\n\n") %
                (me, branch(), extra)).replace(b"CID", cid)

cid = b"json-" + token().encode()
ua.sendto(opt(cid, "Call-ID: CID\n"), (IP, SW))
m = expect(pbx, 5, "OPTIONS at the PBX", is_request("OPTIONS"))
send(pbx, response_to(m, 200, "OK", "pbx"), SW)
expect(ua, 5, "200", is_response(200, "OPTIONS"))
ua.sendto(opt(b"", ""), (IP, SW))                         # 400
expect(ua, 5, "400", is_response(400))
ua.sendto(open(os.path.join(os.environ["TORTURE_DIR"], "intmeth.dat"),
               "rb").read(), (IP, SW))                     # odd method
ua.sendto(b"\x00\x01\x02garbage \"quoted\" \\ \r\n\r\n", (IP, SW))
ua.sendto(b"INVITE sip:x SIP/2.0\r\nVia: SIP/2.0/UDP \x01\"\\;branch=1\r\n\r\n",
          (IP, SW))
drain(ua, 0.5)
drain(pbx, 0.1)
PY
kill -HUP "$SW_PID"
log_wait '"event":"reload"'
sw_stop
[ -s "$SW_EVLOG" ] || fail "nothing written to the log file"
if grep -v -e '^ *$' "$SW_LOG" | grep -q .; then
	fail "log lines on stderr although log is a file: $(head -n 3 "$SW_LOG")"
fi

py <<'PY'
import json, os, re
from swsip import *

path = os.environ["SW_EVLOG"]
events = []
for n, line in enumerate(open(path, "rb").read().split(b"\n"), 1):
    if not line:
        continue
    try:
        obj = json.loads(line)
    except ValueError as e:
        fail("line %d is not JSON (%s): %r" % (n, e, line[:200]))
    keys = list(obj)
    check(keys[:4] == ["ts", "level", "pid", "event"],
          "line %d: first keys %r" % (n, keys[:5]))
    check(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", obj["ts"]),
          "line %d: ts %r" % (n, obj["ts"]))
    check(obj["level"] in ("error", "warn", "info", "debug"),
          "line %d: level %r" % (n, obj["level"]))
    check(isinstance(obj["pid"], int), "line %d: pid %r" % (n, obj["pid"]))
    if "src" in obj:
        check(keys[4] == "src", "line %d: src is not right after event" % n)
    events.append(obj)
names = [e["event"] for e in events]
for want in ("start", "forward", "reply", "drop", "reload", "stop"):
    check(want in names, "no %r event in %r" % (want, sorted(set(names))))
for e in events:
    if e["event"] in ("forward", "reply", "drop"):
        check(re.fullmatch(r"127\.0\.0\.1:\d+", e.get("src", "")),
              "%s line without src: %r" % (e["event"], e))
odd = [e for e in events if e.get("method", "").startswith("!interesting")]
check(odd, "the odd method of intmeth.dat was not logged as is")
note("%d JSON lines, events %s" % (len(events), ",".join(sorted(set(names)))))
PY
