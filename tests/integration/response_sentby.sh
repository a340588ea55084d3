#!/bin/bash
# response_sentby: where relayed responses go (RFC 3261 18.2.2, RFC 3581;
# SPEC 4.5 "send to the next Via's received/rport").  A client sends from
# one port (UA) and names another in its Via (UA2):
#  - with rport, the response goes to the source port (UA);
#  - without rport, to the received address and the Via's sent-by port
#    (UA2) -- as sipwarden's own stateless replies (400) already do.
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
sentby = hostport(port("UA2"))


def options(rport, cid=None):
    cid = cid or "sentby-" + token()
    via = "SIP/2.0/UDP %s;branch=%s%s" % (sentby, branch(),
                                          ";rport" if rport else "")
    send(ua, ("OPTIONS sip:bob@sipwarden.test SIP/2.0\n"
              "Via: %s\n"
              "Max-Forwards: 70\n"
              "From: <sip:alice@sipwarden.test>;tag=a\n"
              "To: <sip:bob@sipwarden.test>\n"
              "Call-ID: %s\nCSeq: 1 OPTIONS\n"
              "Content-Length: 0\n\n") % (via, cid), SW)
    return cid


# With rport: back to the source port.
cid = options(True)
m = expect(pbx, 5, "OPTIONS with rport at the PBX", is_request("OPTIONS", cid))
check(via_param(m.vias()[1], "rport") == str(port("UA")),
      "rport not filled in: %r" % m.vias()[1])
send(pbx, response_to(m, 200, "OK", "pbx"), SW)
expect(ua, 5, "200 at the source port (rport)", is_response(200, "OPTIONS", cid))
expect_nothing(ua2, 0.3, "rport: the 200 went to the sent-by port")

# sipwarden's own 400 to a Via without rport goes to the sent-by port.
send(ua, ("OPTIONS sip:bob@sipwarden.test SIP/2.0\n"
          "Via: SIP/2.0/UDP %s;branch=%s\n"
          "Max-Forwards: 70\n"
          "From: <sip:alice@sipwarden.test>;tag=a\n"
          "To: <sip:bob@sipwarden.test>\n"
          "CSeq: 1 OPTIONS\nContent-Length: 0\n\n") % (sentby, branch()), SW)
expect(ua2, 5, "sipwarden's 400 at the sent-by port", is_response(400))

# Without rport: a relayed response goes to received + sent-by port.
cid = options(False)
m = expect(pbx, 5, "OPTIONS without rport at the PBX", is_request("OPTIONS", cid))
check(via_param(m.vias()[1], "received") == IP and
      via_param(m.vias()[1], "rport") is None,
      "client Via without rport became %r" % m.vias()[1])
send(pbx, response_to(m, 200, "OK", "pbx"), SW)
r = recv(ua2, 2, is_response(200, "OPTIONS", cid))
if r is None:
    wrong = recv(ua, 0.3, is_response(200, "OPTIONS", cid))
    fail("no rport: the PBX's 200 never reached the Via's sent-by port %s%s" %
         (sentby, " (it went to the source port)" if wrong else
          " (sipwarden dropped it)"))
check(r.vias() == [m.vias()[1]], "relayed Vias %r" % r.vias())
expect_nothing(ua, 0.3, "no rport: the 200 went to the source port")
PY
log_lacks 'event=drop' "nothing is dropped"
sw_stop
