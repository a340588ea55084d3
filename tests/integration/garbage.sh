#!/bin/bash
# garbage: 2000 broken datagrams (random bytes, truncated SIP, NULs, huge
# header blocks, lone start lines, responses with no or forged Vias, and
# the RFC 4475 torture messages) must not stop sipwarden: a valid OPTIONS
# sent afterwards is still forwarded and its 200 relayed, the process is
# alive and stops cleanly (sanitizers quiet), and the drop lines are rate
# limited: at most 5 a second per reason and worker, the rest counted in
# suppressed=.
set -eu
. "$SRCDIR/lib.sh"
need python3

WORKERS=2
SW_WORKERS=$WORKERS SW_LOGLEVEL=info sw_config
sw_start
export TORTURE_DIR=$SRCDIR/../data/rfc4475

py <<'PY'
import glob, os, random, time
from swsip import *

random.seed(4475)
SW = port("SW")
junk = sock(port("AUX"))
ua = sock(port("UA"))
pbx = sock(port("PBX"))
me = hostport(port("UA"))
N = 2000


def valid(cid, br):
    return wire(("OPTIONS sip:bob@sipwarden.test SIP/2.0\n"
                 "Via: SIP/2.0/UDP %s;branch=%s;rport\n"
                 "Max-Forwards: 70\n"
                 "From: <sip:alice@sipwarden.test>;tag=g1\n"
                 "To: <sip:bob@sipwarden.test>\n"
                 "Call-ID: %s\n"
                 "CSeq: 1 OPTIONS\n"
                 "Content-Length: 0\n\n") % (me, br, cid))


torture = [open(f, "rb").read()
           for f in sorted(glob.glob(os.path.join(os.environ["TORTURE_DIR"],
                                                  "*.dat")))]
check(len(torture) >= 40, "RFC 4475 messages not found")
base = valid("garbage-template", branch())


def rnd(n):
    return bytes(random.getrandbits(8) for _ in range(n))


def one(i):
    k = i % 10
    if k == 0:
        return rnd(random.randint(1, 1400))
    if k == 1:
        return base[:random.randint(1, len(base) - 1)]
    if k == 2:
        b = bytearray(base)
        for _ in range(random.randint(1, 8)):
            b[random.randrange(len(b))] = 0
        return bytes(b)
    if k == 3:
        hdrs = b"".join(b"X-H%d: %s\r\n" % (j, b"v" * random.randint(0, 40))
                        for j in range(random.randint(200, 1500)))
        return base.replace(b"Content-Length", hdrs + b"Content-Length", 1)
    if k == 4:
        return base.replace(b"To:", b"X-Big: " + b"a" * random.randint(20000, 60000) + b"\r\nTo:", 1)
    if k == 5:
        return random.choice([b"SIP/2.0 200 OK\r\n\r\n", b"OPTIONS\r\n",
                              b"\r\n\r\n", b"\x00" * 64, b"SIP/2.0\r\n",
                              b"INVITE sip:x SIP/2.0\r\n", b"A" * 1000,
                              b"SIP/2.0 999999999999 X\r\nVia: x\r\n\r\n"])
    if k == 6:
        # a response whose top Via is not ours: not_ours
        return wire(("SIP/2.0 200 OK\n"
                     "Via: SIP/2.0/UDP %s;branch=z9hG4bKsw%s\n"
                     "Via: SIP/2.0/UDP %s;branch=z9hG4bKx\n"
                     "From: <sip:a@b>;tag=1\nTo: <sip:a@b>;tag=2\n"
                     "Call-ID: forged\nCSeq: 1 OPTIONS\n"
                     "Content-Length: 0\n\n") %
                    (hostport(SW), token(30), hostport(port("AUX"))))
    if k == 7:
        return random.choice(torture)
    if k == 8:
        b = bytearray(random.choice(torture))
        for _ in range(random.randint(1, 20)):
            b[random.randrange(len(b))] = random.getrandbits(8)
        return bytes(b)
    return base.replace(b"\r\n", random.choice([b"\n", b"\r", b"\r\n\r\n",
                                                  b" \r\n"]), 3)


start = time.monotonic()
fwd = replies = 0
for i in range(N):
    junk.sendto(one(i), (IP, SW))
    if i % 50 == 49:
        time.sleep(0.02)     # bounded pace: ~1 s in all
        fwd += drain(pbx, 0.001, 0.5)
        replies += drain(junk, 0.001, 0.5)
note("sent %d garbage datagrams in %.1f s" % (N, time.monotonic() - start))
fwd += drain(pbx)
replies += drain(junk)
note("the PBX got %d of them forwarded, the sender %d replies" %
     (fwd, replies))

# sipwarden still works.
cid, br = "after-garbage-" + token(), branch()
send(ua, valid(cid, br), SW)
m = expect(pbx, 5, "the valid OPTIONS after the garbage",
           is_request("OPTIONS", cid))
send(pbx, response_to(m, 200, "OK", "pbx"), SW)
r = expect(ua, 5, "200 for the valid OPTIONS", is_response(200, "OPTIONS", cid))
check(len(r.vias()) == 1 and via_param(r.vias()[0], "branch") == br,
      "relayed 200 has Vias %r" % r.vias())

# After a second, one more of each kind so that the suppressed counts of
# the flood's last second get written.
time.sleep(1.2)
junk.sendto(b"\x00garbage", (IP, SW))
junk.sendto(one(6), (IP, SW))
PY

log_wait 'event=drop .*suppressed=[1-9]' 5
sw_alive
# At most 5 drop lines a second per reason and worker.
worst=$(grep 'event=drop' "$SW_LOG" |
    sed -n 's/^\([0-9T:-]*\)\..* reason=\([a-z_]*\).*$/\1 \2/p' |
    sort | uniq -c | sort -rn | head -n 1)
note "busiest second for one drop reason: ${worst:-none}"
[ -n "$worst" ] || fail "no drop lines at all"
[ "$(echo "$worst" | awk '{print $1}')" -le $((5 * WORKERS)) ] ||
    fail "drop lines not rate limited: $worst"
lines=$(log_count 'event=drop')
[ "$lines" -lt 200 ] || fail "$lines drop lines for 2000 datagrams"
log_has 'event=drop src=[^ ]* reason=malformed' "malformed drops are logged"
log_has 'event=drop src=[^ ]* reason=not_ours' "forged responses are dropped as not_ours"
# Every datagram that was dropped is accounted for, in lines or suppressed=.
total=$(grep 'event=drop' "$SW_LOG" |
    sed -n 's/.*suppressed=\([0-9]*\).*/\1/p' | awk '{s += $1 + 1} END {print s + 0}')
note "$lines drop lines account for $total dropped datagrams"
[ "$total" -ge 400 ] || fail "only $total drops accounted for"
sw_stop
log_wellformed
