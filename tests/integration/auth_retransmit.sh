#!/bin/bash
# auth_retransmit: SPEC 4.4, "A UDP retransmission of a request (the same
# bytes within 32 s) is not a replay: it is forwarded again, so that a lost
# 200 does not cost the client a re-authentication."  python3 raw UDP, the
# same bytes sent again:
#  - the accepted request, retransmitted 3 times: forwarded each time on
#    the same sipwarden branch, the PBX's 200 relayed each time;
#  - a client that used the same nonce for another request (nc 2, e.g.
#    a SUBSCRIBE after its REGISTER) and then retransmits the first one
#    (nc 1, its 200 was lost): still a retransmission, forwarded; and so
#    is the nc 2 request's;
#  - the same with the two requests on two nonces (control).
# Nothing there may be logged auth_fail.  Then the hijack SPEC 4.4 rules
# out: a copy of an accepted REGISTER, sent from the client's address
# within 32 s with the same nonce, nc, Call-ID, CSeq and branch but
# another Contact (or Expires), is a replay: not forwarded, answered with
# a fresh challenge, logged auth_fail reason=replay; the true
# retransmission is still forwarded after it.
set -eu
. "$SRCDIR/lib.sh"
need python3
export SW_AUTH=1

sw_config "ban_after 0" "challenge_limit 0"
sw_start

py "$SW_EVLOG" <<'PY'
import sys
from swsip import *
from swauth import *

log = Log(sys.argv[1])
log.skip()
SW, UAP = port("SW"), port("UA")
ua, pbx = sock(UAP), sock(port("PBX"))


def nonce():
    r = Req("REGISTER", UAP)
    send(ua, r.text(), SW)
    return nonce_for(expect(ua, 5, "a challenge", is_reply_to(r, 401)), "MD5")


def through(r, raw, what, branch=None):
    """raw (r's bytes) reaches the PBX (on branch, if given) and the
    PBX's 200 comes back; the sipwarden branch used."""
    ua.sendto(raw, (IP, SW))
    f = recv(pbx, 3, is_forward_of(r))
    if f is None:
        m = recv(ua, 0.5, is_reply_to(r))
        fail("%s: not forwarded; sipwarden answered %s" %
             (what, m.first if m else "nothing"))
    if branch is not None:
        check(f.top_branch() == branch, "%s: branch %s, first time %s" %
              (what, f.top_branch(), branch))
    send(pbx, response_to(f, 200, "OK", "pbx"), SW)
    expect(ua, 5, what + ": the 200", is_reply_to(r, 200))
    log.lacks(r"event=auth_fail", what)
    return f.top_branch()


# One request, retransmitted.
n = nonce()
a = Req("REGISTER", UAP).answer("MD5", "alicepw", n, nc=1)
araw = wire(a.text())
ab = through(a, araw, "the first REGISTER")
for i in range(3):
    through(a, araw, "its retransmission %d" % (i + 1), ab)
note("a retransmitted request is forwarded again, same branch")

# Control: two requests on two nonces, the first retransmitted after the
# second.
b = Req("REGISTER", UAP).answer("MD5", "alicepw", nonce(), nc=1)
braw = wire(b.text())
bb = through(b, braw, "request b (own nonce)")
c = Req("SUBSCRIBE", UAP, ruri="sip:alice@%s" % REALM, to_user="alice")
c.answer("MD5", "alicepw", nonce(), nc=1)
through(c, wire(c.text()), "request c (own nonce)")
through(b, braw, "b retransmitted after c", bb)
note("control: retransmission after another nonce's use is forwarded")

# One nonce, two requests (nc 1, then nc 2); then the nc 1 request's
# retransmission.
n = nonce()
d = Req("REGISTER", UAP).answer("MD5", "alicepw", n, nc=1)
draw = wire(d.text())
db = through(d, draw, "request d (nc 1)")
e = Req("SUBSCRIBE", UAP, ruri="sip:alice@%s" % REALM, to_user="alice")
e.answer("MD5", "alicepw", n, nc=2)
eraw = wire(e.text())
eb = through(e, eraw, "request e (same nonce, nc 2)")
through(e, eraw, "e retransmitted", eb)
through(d, draw, "d (nc 1) retransmitted after e (nc 2) used its nonce", db)
note("retransmission of the lower nc is forwarded")

# The hijack: the accepted REGISTER with the attacker's Contact.
n = nonce()
h = Req("REGISTER", UAP).answer("MD5", "alicepw", n, nc=1)
hraw = wire(h.text())
hb = through(h, hraw, "the REGISTER to hijack")
mine = "<sip:alice@%s>" % h.me
check(mine.encode() in hraw, "the REGISTER has its Contact")
for what, forged in (
        ("another Contact", hraw.replace(mine.encode(),
                                         b"<sip:alice@192.0.2.66:5060>")),
        ("an Expires added", hraw.replace(b"Content-Length",
                                          b"Expires: 86400\r\nContent-Length"))):
    check(forged != hraw, "the forged copy differs")
    ua.sendto(forged, (IP, SW))
    expect(ua, 5, "a fresh challenge for the copy with %s" % what,
           is_reply_to(h, 401))
    expect_nothing(pbx, 0.5, "the copy with %s reaching the PBX" % what,
                   is_forward_of(h))
    log.wait(r"WARN event=auth_fail src=\S+ user=alice reason=replay "
             r"method=REGISTER$", "the copy with %s logged as a replay" % what)
    note("a copy with %s is a replay" % what)
log.skip()
through(h, hraw, "the true retransmission after the copies", hb)
note("the unchanged retransmission still passes")
PY
sw_stop
