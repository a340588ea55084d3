#!/bin/bash
# amplification: how much a flood of REGISTERs without credentials from
# one source gets back (SPEC 2 challenge_limit, 4.1 drops logged rate
# limited).  A python3 client on one UDP socket sends 3000 REGISTERs,
# each a new call, paced over ~2 s, draining its socket as it goes, and
# counts the bytes sent and the bytes (and 401s) received.  Twice, each on
# a fresh sipwarden (SW_AUTH=1, two algorithms, ban_after 0):
#  - challenge_limit 0 (no limit): every request gets its 401, exactly
#    once; the factor (received / sent bytes) is then the size of a
#    challenge over the size of a request (> 1 with two algorithms:
#    printed); no drop is logged;
#  - challenge_limit 50: at most 50 + 50 x elapsed seconds (+ 5) 401s come
#    back, at least half that rate, and the factor is below 0.2; the
#    drops are logged as reason=challenge_limit, at most 5 lines a second
#    per worker, with suppressed= counting the lines left out (lines +
#    suppressed never exceeds the requests dropped).
# Prints "amplification: limit=L sent=B received=B factor=F ..." for each.
set -eu
. "$SRCDIR/lib.sh"
need python3
export SW_AUTH=1
SW_LOGLEVEL=info            # no DEBUG line per challenge: measure the proxy
SW_WORKERS=2

AMP_N=${AMP_N:-3000}
AMP_SECONDS=${AMP_SECONDS:-2}
export AMP_N AMP_SECONDS

flood() { # LIMIT
	SW_LOG=$T/sw-limit$1.log
	SW_EVLOG=$SW_LOG
	sw_config "challenge_limit $1" "ban_after 0" "algorithms SHA-256,MD5"
	sw_start
	py "$1" "$SW_EVLOG" "$SW_WORKERS" <<'PY'
import os
import re
import select
import sys
import time
from swsip import *

LIMIT = int(sys.argv[1])
LOG = sys.argv[2]
WORKERS = int(sys.argv[3])
REALM = os.environ["REALM"]
N = int(os.environ["AMP_N"])
SECONDS = float(os.environ["AMP_SECONDS"])
SW = port("SW")
UAP = port("UA")
me = hostport(UAP)

s = sock(UAP)
s.setblocking(False)
dst = (IP, SW)

# Every request is a new REGISTER, as a flood of phones (or of a spoofer)
# would send them; built before the clock starts.
reqs = []
for i in range(N):
    cid = "amp-%d-%s" % (i, token(10))
    reqs.append((cid, wire(
        "REGISTER sip:%s SIP/2.0\n"
        "Via: SIP/2.0/UDP %s;branch=%s;rport\n"
        "Max-Forwards: 70\n"
        "From: <sip:alice@%s>;tag=%s\n"
        "To: <sip:alice@%s>\n"
        "Call-ID: %s\n"
        "CSeq: 1 REGISTER\n"
        "Contact: <sip:alice@%s>\n"
        "Expires: 3600\n"
        "Content-Length: 0\n\n"
        % (REALM, me, branch(), REALM, token(8), REALM, cid, me))))
ours = {cid for cid, _ in reqs}

sent_bytes = 0
recv_bytes = 0
replies = 0
answered = {}
bad = []


def take():
    """Read everything waiting on the socket."""
    global recv_bytes, replies
    while True:
        try:
            data = s.recv(70000)
        except BlockingIOError:
            return
        recv_bytes += len(data)
        replies += 1
        try:
            m = Msg(data)
            cid = m.hdr("call-id")
            ok = (not m.is_request and m.code == 401 and cid in ours and
                  len(m.lines("www-authenticate")) == 2)
        except (ValueError, IndexError, AttributeError):
            ok, cid = False, None
        if not ok:
            bad.append(data[:200])
        else:
            answered[cid] = answered.get(cid, 0) + 1


period = SECONDS / N
t0 = time.monotonic()
for i, (cid, data) in enumerate(reqs):
    due = t0 + i * period
    while True:
        left = due - time.monotonic()
        if left <= 0:
            break
        r, _, _ = select.select([s], [], [], left)
        if r:
            take()
    s.sendto(data, dst)
    sent_bytes += len(data)
    take()
t_last = time.monotonic()
elapsed = t_last - t0
# The replies still on their way: until 0.5 s of quiet (5 s at most).
end = t_last + 5
while time.monotonic() < end:
    r, _, _ = select.select([s], [], [], 0.5)
    if not r:
        break
    take()

check(not bad, "%d replies that are not a 401 with two challenges to one of "
      "our requests, e.g. %r" % (len(bad), bad[:1]))
dups = [c for c, k in answered.items() if k > 1]
check(not dups, "%d requests answered more than once" % len(dups))
factor = recv_bytes / sent_bytes
req_size = sent_bytes / N
chal_size = recv_bytes / replies if replies else 0
print("amplification: limit=%d sent=%d received=%d factor=%.3f "
      "(requests=%d in %.2f s, %.0f/s, %.0f bytes each; challenges=%d, "
      "%.0f bytes each)" % (LIMIT, sent_bytes, recv_bytes, factor, N,
                            elapsed, N / elapsed, req_size, replies,
                            chal_size))
sys.stdout.flush()

drops = []
with open(LOG, encoding="latin-1") as f:
    for line in f:
        if " event=drop " in line:
            drops.append(line.rstrip("\n"))

if LIMIT == 0:
    check(replies == N, "no limit: %d of %d requests answered" % (replies, N))
    check(not drops, "no limit, yet drops logged: %s" % drops[:3])
    note("no limit: every request answered once; a challenge is %.2f times "
         "the size of a request" % factor)
    sys.exit(0)

most = LIMIT + LIMIT * elapsed + 5
least = LIMIT + LIMIT * elapsed * 0.5
note("limit %d over %.2f s: %d challenges (allowed %.0f at most, want at "
     "least %.0f)" % (LIMIT, elapsed, replies, most, least))
check(replies <= most, "%d challenges in %.2f s with challenge_limit %d: "
      "more than %.0f" % (replies, elapsed, LIMIT, most))
check(replies >= least, "%d challenges in %.2f s with challenge_limit %d: "
      "fewer than %.0f" % (replies, elapsed, LIMIT, least))
check(factor < 0.2, "factor %.3f with challenge_limit %d, want < 0.2"
      % (factor, LIMIT))

# The drops: reason=challenge_limit from our source, rate limited.
pat = re.compile(r"^(\S{19})\.\d{3}Z sipwarden\[\d+\] INFO event=drop "
                 r"src=%s reason=challenge_limit .*suppressed=(\d+)$"
                 % re.escape(me))
per_sec = {}
lines = 0
suppressed = 0
for line in drops:
    m = pat.match(line)
    check(m, "unexpected drop line: %s" % line)
    per_sec[m.group(1)] = per_sec.get(m.group(1), 0) + 1
    lines += 1
    suppressed += int(m.group(2))
dropped = N - replies
note("drop lines: %d in %d seconds (most in one second: %d), suppressed= "
     "sum %d; requests dropped: %d" % (lines, len(per_sec),
     max(per_sec.values()) if per_sec else 0, suppressed, dropped))
check(lines > 0, "no drop reason=challenge_limit line logged")
check(max(per_sec.values()) <= 5 * WORKERS,
      "drop lines not rate limited: %r" % per_sec)
check(suppressed > 0, "no drop line counts suppressed lines")
check(lines + suppressed <= dropped,
      "drop lines (%d) + suppressed (%d) exceed the requests dropped (%d)"
      % (lines, suppressed, dropped))
# Only the lines left out in the last second of the flood can be unsaid.
check(lines + suppressed >= dropped - (N / SECONDS) * 1.5,
      "drop lines (%d) + suppressed (%d) far below the requests dropped (%d)"
      % (lines, suppressed, dropped))
PY
	sw_alive
	log_lacks 'event=(auth_fail|ban) ' "a flood without credentials fails no authentication"
	sw_stop
	log_wellformed
}

flood 0
flood 50
