#!/bin/bash
# maxfwd: a request with Max-Forwards 0 gets a stateless 483 Too Many Hops
# from sipwarden (Via, From, To with a tag, Call-ID, CSeq echoed) and
# nothing reaches the PBX; an ACK with Max-Forwards 0 is dropped without a
# reply; an INVITE with Max-Forwards 0 gets 483 and the client's ACK for
# that 483 (To tag of sipwarden's reply) is absorbed, not forwarded;
# Max-Forwards 1 is forwarded as 0; a request without Max-Forwards is
# forwarded with Max-Forwards 70 added.
set -eu
. "$SRCDIR/lib.sh"
need python3

sw_config
sw_start

py <<'PY'
from swsip import *

SW = port("SW")
ua = sock(port("UA"))
pbx = sock(port("PBX"))
me = hostport(port("UA"))


def options(cid, br, maxfwd, method="OPTIONS"):
    mf = "Max-Forwards: %s\n" % maxfwd if maxfwd is not None else ""
    return ("%s sip:bob@sipwarden.test SIP/2.0\n"
            "Via: SIP/2.0/UDP %s;branch=%s;rport\n"
            "%s"
            "From: \"Alice\" <sip:alice@sipwarden.test>;tag=a1\n"
            "To: <sip:bob@sipwarden.test>\n"
            "Call-ID: %s\n"
            "CSeq: 7 %s\n"
            "Content-Length: 0\n\n") % (method, me, br, mf, cid, method)


# Max-Forwards: 0 -> 483 from sipwarden itself.
cid, br = "mf0-" + token(), branch()
send(ua, options(cid, br, 0), SW)
r = expect(ua, 5, "483 for Max-Forwards 0", is_response(callid=cid))
check(r.code == 483, "got %s, want 483" % r.first)
check(r.first == "SIP/2.0 483 Too Many Hops", "status line %r" % r.first)
check(r.addr[1] == SW, "483 came from %s" % (r.addr,))
vias = r.vias()
check(len(vias) == 1 and via_param(vias[0], "branch") == br,
      "483 Via %r does not echo ours" % vias)
check(vias[0].startswith("SIP/2.0/UDP %s;" % me), "483 Via %r" % vias[0])
check(r.hdr("from") == "\"Alice\" <sip:alice@sipwarden.test>;tag=a1",
      "483 From %r" % r.hdr("from"))
check(re.fullmatch(r"<sip:bob@sipwarden\.test>;tag=\S+", r.hdr("to")),
      "483 To %r has no tag" % r.hdr("to"))
check(r.hdr("cseq") == "7 OPTIONS", "483 CSeq %r" % r.hdr("cseq"))
check(r.hdr("call-id") == cid, "483 Call-ID %r" % r.hdr("call-id"))
expect_nothing(pbx, 1.0, "Max-Forwards 0 must not reach the PBX")

# ACK with Max-Forwards 0: no reply (an ACK is never answered), no forward.
cid = "mf0ack-" + token()
send(ua, options(cid, branch(), 0, "ACK"), SW)
expect_nothing(ua, 0.5, "an ACK with Max-Forwards 0 gets no reply")
expect_nothing(pbx, 0.5, "an ACK with Max-Forwards 0 must not be forwarded")

# INVITE with Max-Forwards 0 -> 483; the ACK for it stays with sipwarden.
cid, br = "mf0inv-" + token(), branch()
send(ua, options(cid, br, 0, "INVITE"), SW)
r = expect(ua, 5, "483 for the INVITE", is_response(483, "INVITE", cid))
ack = options(cid, br, 70, "ACK").replace(
    "To: <sip:bob@sipwarden.test>", "To: " + r.hdr("to"))
send(ua, ack, SW)
expect_nothing(pbx, 1.0, "the ACK for sipwarden's own 483 was forwarded")
expect_nothing(ua, 0.2, "the ACK got a reply")

# Max-Forwards: 1 -> forwarded with 0.
cid, br = "mf1-" + token(), branch()
send(ua, options(cid, br, 1), SW)
m = expect(pbx, 5, "OPTIONS with Max-Forwards 1 at the PBX",
           is_request("OPTIONS", cid))
check(m.lines("max-forwards") == ["0"],
      "forwarded Max-Forwards %r, want ['0']" % m.lines("max-forwards"))
send(pbx, response_to(m, 200, "OK", "pbx"), SW)
r = expect(ua, 5, "200 for the OPTIONS", is_response(200, "OPTIONS", cid))
expect_nothing(ua, 0.3, "no 483 for Max-Forwards 1")

# No Max-Forwards -> forwarded with 70 added.
cid = "mfnone-" + token()
send(ua, options(cid, branch(), None), SW)
m = expect(pbx, 5, "OPTIONS without Max-Forwards at the PBX",
           is_request("OPTIONS", cid))
check(m.lines("max-forwards") == ["70"],
      "forwarded Max-Forwards %r, want ['70']" % m.lines("max-forwards"))
PY
log_has 'event=reply src=[^ ]* code=483' "the 483 is logged"
sw_stop
