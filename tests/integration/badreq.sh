#!/bin/bash
# badreq: requests too broken to forward but complete enough to answer get
# a stateless 400 Bad Request from sipwarden, echoing the request's Via,
# From, To (with a tag added), Call-ID and CSeq; nothing reaches the PBX.
# Cases: no Call-ID, CSeq method differing from the request's, two
# Call-IDs, a non-numeric Max-Forwards.  Without rport the 400 goes to
# the Via's sent-by port (RFC 3261 18.2.2), with rport to the source port.
set -eu
. "$SRCDIR/lib.sh"
need python3

sw_config
sw_start

py <<'PY'
from swsip import *

SW = port("SW")
ua = sock(port("UA"))
ua2 = sock(port("UA2"))
pbx = sock(port("PBX"))
me = hostport(port("UA"))

FROM = "\"Alice\" <sip:alice@sipwarden.test>;tag=from1"
TO = "Bob <sip:bob@sipwarden.test>"


def request(method, cseq, cid_lines, via, extra=""):
    return ("%s sip:bob@sipwarden.test SIP/2.0\n"
            "Via: %s\n"
            "Max-Forwards: 70\n"
            "From: %s\n"
            "To: %s\n"
            "%s"
            "CSeq: %s\n"
            "%s"
            "Content-Length: 0\n\n") % (method, via, FROM, TO,
                                         "".join("Call-ID: %s\n" % c
                                                 for c in cid_lines),
                                         cseq, extra)


def check_400(r, what, via, cseq, cids):
    check(r.first == "SIP/2.0 400 Bad Request",
          "%s: got %r, want 400" % (what, r.first))
    check(r.addr[1] == SW, "%s: reply came from %s" % (what, r.addr))
    vias = r.vias()
    check(len(vias) == 1, "%s: Vias %r" % (what, vias))
    check(via_base(vias[0]) == via_base(via),
          "%s: Via %r does not echo %r" % (what, vias[0], via))
    check(via_param(vias[0], "received") == IP,
          "%s: Via %r lacks received=%s" % (what, vias[0], IP))
    check(r.hdr("from") == FROM, "%s: From %r" % (what, r.hdr("from")))
    to = r.hdr("to") or ""
    check(to.startswith(TO + ";tag=") and len(to) > len(TO + ";tag="),
          "%s: To %r lacks an added tag" % (what, to))
    check(r.hdr("cseq") == cseq, "%s: CSeq %r, want %r" % (what, r.hdr("cseq"), cseq))
    check(r.lines("call-id") == cids, "%s: Call-ID lines %r, want %r" %
          (what, r.lines("call-id"), cids))


cases = [
    ("no Call-ID", "OPTIONS", "3 OPTIONS", [], ""),
    ("CSeq method mismatch", "INVITE", "4 OPTIONS", ["mismatch-" + token()],
     ""),
    ("two Call-IDs", "OPTIONS", "5 OPTIONS", ["a-" + token(), "b-" + token()],
     ""),
    ("bad Max-Forwards", "OPTIONS", "6 OPTIONS", ["mfbad-" + token()],
     "Max-Forwards: abc\n"),
]
for what, method, cseq, cids, extra in cases:
    br = branch()
    via = "SIP/2.0/UDP %s;branch=%s;rport" % (me, br)
    msg = request(method, cseq, cids, via, extra)
    if extra.startswith("Max-Forwards"):
        msg = msg.replace("Max-Forwards: 70\n", "")
    send(ua, msg, SW)
    r = expect(ua, 5, "400 for " + what)
    check_400(r, what, via, cseq, cids)
    check(via_param(r.vias()[0], "rport") == str(port("UA")),
          "%s: rport not filled in: %r" % (what, r.vias()[0]))
    note("%s: 400 ok" % what)

# No rport: the reply goes to the sent-by port, not the source port.
via = "SIP/2.0/UDP %s;branch=%s" % (hostport(port("UA2")), branch())
send(ua, request("OPTIONS", "8 OPTIONS", [], via), SW)
r = expect(ua2, 5, "400 at the Via sent-by port (no rport)")
check_400(r, "no rport", via, "8 OPTIONS", [])
expect_nothing(ua, 0.3, "no rport: nothing goes to the source port")

expect_nothing(pbx, 1.0, "broken requests must not reach the PBX")
PY
[ "$(log_count 'event=reply src=[^ ]* code=400')" -eq 5 ] ||
    fail "want 5 'event=reply code=400' log lines"
log_lacks 'event=forward' "nothing was forwarded"
sw_stop
