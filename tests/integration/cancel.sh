#!/bin/bash
# cancel: stateless CANCEL (RFC 3261 16.11).  A client INVITEs, the PBX
# rings (180), the client retransmits the INVITE and then CANCELs it; the
# PBX answers 200 to the CANCEL and 487 to the INVITE, and the client ACKs
# the 487.  The retransmission, the CANCEL and the ACK must all reach the
# PBX with the same sipwarden branch as the INVITE, and every response must
# reach the client with sipwarden's Via removed.  Run once with an RFC 3261
# branch and once with an RFC 2543 client (no branch parameter).
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
seen_branches = []


def req(method, via_branch, cid, totag=None):
    via = "SIP/2.0/UDP %s;rport" % me
    if via_branch is not None:
        via = "SIP/2.0/UDP %s;branch=%s;rport" % (me, via_branch)
    to = "<sip:bob@sipwarden.test>" + (";tag=" + totag if totag else "")
    return ("%s sip:bob@sipwarden.test SIP/2.0\n"
            "Via: %s\n"
            "Max-Forwards: 70\n"
            "From: <sip:alice@sipwarden.test>;tag=alicetag\n"
            "To: %s\n"
            "Call-ID: %s\n"
            "CSeq: 1 %s\n"
            "Contact: <sip:alice@%s>\n"
            "Content-Length: 0\n\n") % (method, via, to, cid, method, me)


def at_pbx(method, cid, what):
    m = expect(pbx, 5, what, is_request(method, cid))
    check(m.addr[1] == SW, "%s came from %s" % (what, m.addr))
    vias = m.vias()
    check(len(vias) == 2, "%s: want 2 Vias, got %r" % (what, vias))
    sb = via_param(vias[0], "branch")
    check(sb is not None and re.fullmatch(r"z9hG4bKsw[A-Za-z0-9_-]{30}", sb),
          "%s: top Via is not sipwarden's: %r" % (what, vias[0]))
    check(via_param(vias[1], "received") is not None and
          via_param(vias[1], "rport") == str(port("UA")),
          "%s: client Via lacks received/rport: %r" % (what, vias[1]))
    check(m.hdr("max-forwards") == "69",
          "%s: Max-Forwards %r" % (what, m.hdr("max-forwards")))
    return m, sb


def at_client(code, method, cid, what, cbranch):
    m = expect(ua, 5, what, is_response(code, method, cid))
    vias = m.vias()
    check(len(vias) == 1, "%s: want only the client's Via, got %r" % (what, vias))
    check(via_param(vias[0], "branch") == cbranch,
          "%s: client branch changed: %r" % (what, vias[0]))
    return m


def transaction(cbranch, label):
    cid = "cancel-%s-%s" % (label, token())
    invite = req("INVITE", cbranch, cid)
    send(ua, invite, SW)
    inv, sb = at_pbx("INVITE", cid, label + " INVITE")
    check(inv.values("record-route"), label + " INVITE lacks Record-Route")

    send(ua, invite, SW)   # a retransmission
    _, sb2 = at_pbx("INVITE", cid, label + " INVITE retransmission")
    check(sb2 == sb, "%s: retransmission got branch %s, INVITE %s" %
          (label, sb2, sb))

    send(pbx, response_to(inv, 180, "Ringing", "pbxtag"), SW)
    at_client(180, "INVITE", cid, label + " 180", cbranch)

    send(ua, req("CANCEL", cbranch, cid), SW)
    cancel, cb = at_pbx("CANCEL", cid, label + " CANCEL")
    check(cb == sb, "%s: CANCEL branch %s differs from the INVITE's %s" %
          (label, cb, sb))
    check(cancel.hdr("cseq") == "1 CANCEL", "CSeq %r" % cancel.hdr("cseq"))
    check(not cancel.values("record-route"), label + " CANCEL got a Record-Route")

    send(pbx, response_to(cancel, 200, "OK", "pbxtag"), SW)
    send(pbx, response_to(inv, 487, "Request Terminated", "pbxtag"), SW)
    at_client(200, "CANCEL", cid, label + " 200 for CANCEL", cbranch)
    r487 = at_client(487, "INVITE", cid, label + " 487", cbranch)
    totag = via_param(";" + r487.hdr("to").split(";", 1)[1], "tag")
    check(totag == "pbxtag", "487 To tag %r" % totag)

    send(ua, req("ACK", cbranch, cid, totag), SW)
    ack, ab = at_pbx("ACK", cid, label + " ACK for 487")
    check(ab == sb, "%s: ACK branch %s differs from the INVITE's %s" %
          (label, ab, sb))
    expect_nothing(ua, 0.3, label + ": nothing more for the client")
    seen_branches.append(sb)
    note("%s: INVITE, retransmission, CANCEL and ACK all on branch %s" %
         (label, sb))


transaction(branch(), "rfc3261")
transaction(None, "rfc2543")
transaction(branch(), "rfc3261-2")
check(len(set(seen_branches)) == 3,
      "different transactions got the same branch: %r" % seen_branches)
PY
log_lacks 'event=drop' "nothing is dropped"
sw_stop
