#!/bin/bash
# pbx_calls_contact: a sipp client registers through sipwarden; a python3
# PBX answers the REGISTER and keeps its Path and Contact, then calls that
# Contact with "Route: <Path URI>" sent to sipwarden from the upstream
# address.  The client (sipp UAS on the port it registered from) must get
# the INVITE and answer; the PBX must get the 180 and 200 back through
# sipwarden, and ACK/BYE through the Record-Route must work too.
# The PBX calls again and CANCELs: CANCEL and the ACK for the 487 reach
# the client on the INVITE's branch.
# Then, from the PBX: a request without our Route goes to its Request-URI
# host:port; one whose Route token is forged (one character changed) is
# dropped (reason=bad_token) and reaches no one; one whose Request-URI is
# sipwarden itself gets 482 Loop Detected.
set -eu
. "$SRCDIR/lib.sh"
need sipp python3 ss

sw_config
sw_start

py_bg pbx <<'PY'
import os, time
from swsip import *

pbx = sock(port("PBX"))
SW = port("SW")
ua = hostport(port("UA"))

# Phase 1: the REGISTER, forwarded by sipwarden.
reg = expect(pbx, 20, "the REGISTER", is_request("REGISTER"))
check(reg.addr[1] == SW, "REGISTER came from %s, not sipwarden" % (reg.addr,))
paths = reg.values("path")
check(len(paths) == 1, "want one Path element, got %r" % paths)
path = paths[0]
check(re.fullmatch(r"<sip:[A-Za-z0-9_-]{30,46}@%s;lr>" % re.escape(hostport(SW)),
                   path), "Path is not sipwarden's with a token: %r" % path)
contact = reg.hdr("contact")
check(contact == "<sip:alice@%s>" % ua, "Contact changed: %r" % contact)
send(pbx, response_to(reg, 200, "OK", "pbxreg",
                      "Contact: %s;expires=3600\n" % contact), SW)

# Wait for the test to start the client's UAS on the registered port.
go = os.path.join(os.environ["T"], "go")
for i in range(200):
    if os.path.exists(go):
        break
    time.sleep(0.1)
check(os.path.exists(go), "no go signal within 20 s")

# Phase 2: call the registered Contact through the Path.
ruri = contact.strip("<>")
cid = "pbxcall-" + token()
br = branch()
me = hostport(port("PBX"))
invite = ("INVITE %s SIP/2.0\n"
          "Via: SIP/2.0/UDP %s;branch=%s;rport\n"
          "Route: %s\n"
          "Max-Forwards: 70\n"
          "From: <sip:1000@pbx.test>;tag=pbxtag\n"
          "To: <sip:alice@sipwarden.test>\n"
          "Call-ID: %s\n"
          "CSeq: 10 INVITE\n"
          "Contact: <sip:1000@%s>\n"
          "Content-Length: 0\n\n") % (ruri, me, br, path, cid, me)
send(pbx, invite, SW)
ringing = expect(pbx, 10, "180 for the PBX's INVITE",
                 is_response(180, "INVITE", cid))
ok = expect(pbx, 10, "200 for the PBX's INVITE",
            is_response(200, "INVITE", cid))
for r in (ringing, ok):
    check(r.addr[1] == SW, "response came from %s, not sipwarden" % (r.addr,))
    vias = r.vias()
    check(len(vias) == 1, "relayed response has Vias %r, want only ours" % vias)
    check(via_param(vias[0], "branch") == br, "branch changed: %r" % vias[0])
    check(via_param(vias[0], "received") is not None,
          "our Via lacks received: %r" % vias[0])
rr = ok.values("record-route")
check(len(rr) == 1 and
      re.fullmatch(r"<sip:[A-Za-z0-9_-]{30,46}@%s;lr;swt=[A-Za-z0-9_-]{20}>" % re.escape(hostport(SW)), rr[0]),
      "200 lacks sipwarden's Record-Route: %r" % rr)
to = ok.hdr("to")
check(";tag=" in to, "200 without To tag")
remote = ok.hdr("contact").strip("<>")

def in_dialog(method, cseq):
    return ("%s %s SIP/2.0\n"
            "Via: SIP/2.0/UDP %s;branch=%s;rport\n"
            "Route: %s\n"
            "Max-Forwards: 70\n"
            "From: <sip:1000@pbx.test>;tag=pbxtag\n"
            "To: %s\n"
            "Call-ID: %s\n"
            "CSeq: %d %s\n"
            "Content-Length: 0\n\n") % (method, remote, me, branch(), rr[0],
                                         to, cid, cseq, method)

send(pbx, in_dialog("ACK", 10), SW)
time.sleep(0.05)
send(pbx, in_dialog("BYE", 11), SW)
bye_ok = expect(pbx, 10, "200 for the PBX's BYE", is_response(200, "BYE", cid))
check(len(bye_ok.vias()) == 1, "BYE 200 has %r" % bye_ok.vias())
note("PBX reached the registered contact through the Path")

# Phase 3: the PBX calls again and CANCELs; the client is python now,
# on the registered port (free once the sipp UAS has finished).
client = None
for i in range(100):
    try:
        client = sock(port("UA"))
        break
    except OSError:
        time.sleep(0.1)
check(client is not None, "the registered port did not become free")
cid3, br3 = "pbxcancel-" + token(), branch()


def pbx_req(method, cseq_method, totag=""):
    return ("%s %s SIP/2.0\n"
            "Via: SIP/2.0/UDP %s;branch=%s;rport\n"
            "Route: %s\n"
            "Max-Forwards: 70\n"
            "From: <sip:1000@pbx.test>;tag=pbxtag\n"
            "To: <sip:alice@sipwarden.test>%s\n"
            "Call-ID: %s\n"
            "CSeq: 20 %s\n"
            "Contact: <sip:1000@%s>\n"
            "Content-Length: 0\n\n") % (method, ruri, me, br3, path, totag,
                                          cid3, cseq_method, me)


send(pbx, pbx_req("INVITE", "INVITE"), SW)
inv = expect(client, 5, "the second INVITE at the client", is_request("INVITE", cid3))
sb = inv.top_branch()
send(client, response_to(inv, 180, "Ringing", "ua3"), SW)
expect(pbx, 5, "180 at the PBX", is_response(180, "INVITE", cid3))
send(pbx, pbx_req("CANCEL", "CANCEL"), SW)
can = expect(client, 5, "the PBX's CANCEL at the client", is_request("CANCEL", cid3))
check(can.top_branch() == sb, "CANCEL branch %s, INVITE's %s" %
      (can.top_branch(), sb))
send(client, response_to(can, 200, "OK", "ua3"), SW)
send(client, response_to(inv, 487, "Request Terminated", "ua3"), SW)
expect(pbx, 5, "200 for the CANCEL at the PBX", is_response(200, "CANCEL", cid3))
expect(pbx, 5, "487 at the PBX", is_response(487, "INVITE", cid3))
send(pbx, pbx_req("ACK", "ACK", ";tag=ua3"), SW)
ack = expect(client, 5, "the ACK for the 487 at the client", is_request("ACK", cid3))
check(ack.top_branch() == sb, "ACK branch %s, INVITE's %s" % (ack.top_branch(), sb))
note("the PBX's CANCEL and ACK reached the client on the INVITE's branch")

# Phase 4: PBX requests without a (valid) flow token.
other = sock(port("UA2"))


def pbx_options(ruri, route=None):
    c = "pbxopt-" + token()
    send(pbx, ("OPTIONS %s SIP/2.0\n"
               "Via: SIP/2.0/UDP %s;branch=%s;rport\n"
               "%s"
               "Max-Forwards: 70\n"
               "From: <sip:1000@pbx.test>;tag=pbxtag\n"
               "To: <sip:carol@sipwarden.test>\n"
               "Call-ID: %s\nCSeq: 1 OPTIONS\n"
               "Content-Length: 0\n\n") %
         (ruri, me, branch(), "Route: %s\n" % route if route else "", c), SW)
    return c


c = pbx_options("sip:carol@%s" % hostport(port("UA2")))
m = expect(other, 5, "the PBX's OPTIONS at its Request-URI host:port",
           is_request("OPTIONS", c))
check(m.addr[1] == SW, "it came from %s, not sipwarden" % (m.addr,))
check(len(m.vias()) == 2, "Vias %r" % m.vias())

tok = re.match(r"<sip:([^@]+)@", path).group(1)
bad = tok[:5] + ("A" if tok[5] != "A" else "B") + tok[6:]
c = pbx_options("sip:carol@%s" % hostport(port("UA2")),
                path.replace(tok, bad))
expect_nothing(other, 1.0, "a forged flow token was followed",
               is_request("OPTIONS", c))
expect_nothing(pbx, 0.3, "a forged flow token was answered", is_response(callid=c))

c = pbx_options("sip:carol@%s" % hostport(SW))
r = expect(pbx, 5, "482 for a Request-URI naming sipwarden", is_response(callid=c))
check(r.code == 482, "got %r, want 482" % r.first)
PY
pbx_pid=$PY_PID

sipp_run reg register_uac "$UA_PORT" 1 "$(hostport "$IP" "$SW_PORT")"
sipp_check reg "$SIPP_RC" 1
sipp_bg uas contact_uas "$UA_PORT" 1
touch "$T/go"
PY_PID=$pbx_pid
py_wait pbx
sipp_wait uas 1
log_has 'event=drop src=[^ ]* reason=bad_token' "the forged token is logged"
[ "$(log_count 'event=drop')" -eq 1 ] || fail "unexpected drops"
log_has 'event=forward src=[^ ]*:'"$PBX_PORT"' method=INVITE dst=[^ ]*:'"$UA_PORT"'( |$)' \
    "the PBX's INVITE went to the registered client"
sw_stop
