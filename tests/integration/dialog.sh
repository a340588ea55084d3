#!/bin/bash
# dialog: INVITE / 180 / 200 / ACK / BYE through sipwarden's Record-Route.
# Part 1: the client hangs up (ACK and BYE routed by the client's Route
# set to sipwarden, on to the PBX).  Part 2: the PBX hangs up (its BYE
# goes to sipwarden with the Route from the Record-Route, sipwarden sends
# it to the client named by the flow token).  The sipp scenarios check the
# headers at each hop.  Part 3 (python3): which requests get a
# Record-Route (INVITE, SUBSCRIBE, REFER without To tag) or a Path
# (REGISTER), and that only our own Route entries are removed.
set -eu
. "$SRCDIR/lib.sh"
need sipp python3 ss

N=${DIALOG_CALLS:-20}
SW=$(hostport "$IP" "$SW_PORT")

sw_config
sw_start

sipp_bg pbx dialog_pbx "$PBX_PORT" "$N"
sipp_run uac dialog_uac "$UA_PORT" "$N" -r 20 "$SW"
sipp_check uac "$SIPP_RC" "$N"
sipp_wait pbx "$N"

sipp_bg pbx2 dialog_pbx_pbxbye "$PBX_PORT" "$N"
sipp_run uac2 dialog_uac_pbxbye "$UA_PORT" "$N" -r 20 "$SW"
sipp_check uac2 "$SIPP_RC" "$N"
sipp_wait pbx2 "$N"

py <<'PY'
from swsip import *

SW = port("SW")
ua = sock(port("UA"))
pbx = sock(port("PBX"))
me = hostport(port("UA"))
RR = r"<sip:[A-Za-z0-9_-]{30,46}@%s;lr;swt=[A-Za-z0-9_-]{20}>" % re.escape(hostport(SW))


def forward(method, totag=None, route=None, via=None):
    cid, br = "rr-%s-%s" % (method, token()), branch()
    via = via or "SIP/2.0/UDP %s;branch=%s;rport" % (me, br)
    msg = ("%s sip:bob@sipwarden.test SIP/2.0\n"
           "Via: %s\n"
           "%s"
           "Max-Forwards: 70\n"
           "From: <sip:alice@sipwarden.test>;tag=a\n"
           "To: <sip:bob@sipwarden.test>%s\n"
           "Call-ID: %s\nCSeq: 1 %s\n"
           "Contact: <sip:alice@%s>\n"
           "Content-Length: 0\n\n") % (
        method, via, "Route: %s\n" % route if route else "",
        ";tag=" + totag if totag else "", cid, method, me)
    send(ua, msg, SW)
    return expect(pbx, 5, method + " at the PBX", is_request(method, cid))


for method in ("INVITE", "SUBSCRIBE", "REFER"):
    m = forward(method)
    rr = m.values("record-route")
    check(len(rr) == 1 and re.fullmatch(RR, rr[0]),
          "%s without To tag: Record-Route %r" % (method, rr))
    check(not m.values("path"), "%s got a Path" % method)
for method, totag in (("INVITE", "re"), ("SUBSCRIBE", "re"), ("OPTIONS", None),
                      ("MESSAGE", None), ("INFO", "t"), ("NOTIFY", "t")):
    m = forward(method, totag)
    check(not m.values("record-route"),
          "%s (To tag %r) got a Record-Route %r" % (method, totag,
                                                    m.values("record-route")))
m = forward("REGISTER")
check(not m.values("record-route"), "REGISTER got a Record-Route")
PATH = r"<sip:[A-Za-z0-9_-]{30,46}@%s;lr>" % re.escape(hostport(SW))
check(len(m.values("path")) == 1 and re.fullmatch(PATH, m.values("path")[0]),
      "REGISTER Path %r" % m.values("path"))

# Only our own Route entries are removed, with or without a token.
foreign = "<sip:proxy2@192.0.2.7:5070;lr>"
m = forward("OPTIONS", route="<sip:%s;lr>, %s" % (hostport(SW), foreign))
check(m.values("route") == [foreign], "Route after ours: %r" % m.values("route"))
m = forward("OPTIONS", route="%s, <sip:%s;lr>" % (foreign, hostport(SW)))
check(m.values("route") == [foreign, "<sip:%s;lr>" % hostport(SW)],
      "a Route entry not on top was touched: %r" % m.values("route"))
PY

log_lacks 'event=drop' "no message of a clean run is dropped"
# The client's INVITE, ACK and BYE, and the PBX's BYE were forwarded.
[ "$(log_count 'event=forward src=[^ ]* method=BYE')" -ge $((2 * N)) ] ||
    fail "fewer than $((2 * N)) BYEs forwarded"
[ "$(log_count 'event=forward src=[^ ]* method=ACK')" -ge $((2 * N)) ] ||
    fail "fewer than $((2 * N)) ACKs forwarded"
sw_stop
log_wellformed
