#!/bin/bash
# stream_register: phones on TCP and on TLS (a certificate made at test
# time), the PBX on UDP.  For each transport, python3 plays the phone and
# the PBX:
#   - REGISTER -> 401 -> REGISTER with credentials -> 200, all on one
#     connection; the PBX sees a Path naming the connection (flow token),
#     our Via over UDP, the phone's Via with received and rport;
#   - the PBX calls the registered Contact through the Path: the INVITE
#     reaches the phone over its connection (Via SIP/2.0/TCP or TLS of our
#     stream listener), the phone's 180/200 reach the PBX, and the 200
#     carries two Record-Routes (stream side and UDP side differ);
#   - an in-dialog BYE from the PBX through that Record-Route set reaches
#     the phone over the same connection;
#   - the phone closes: the PBX's next INVITE through the Path gets
#     430 Flow Failed from sipwarden (logged flow_failed), and nothing is
#     sent anywhere else.
# Then the same with workers 4, so that the PBX's datagrams land on other
# workers than the connection's and are handed over.
set -eu
. "$SRCDIR/lib.sh"
need python3 openssl ss
export SW_AUTH=1

make_cert
TLS_PORT=$AUX_PORT
export TLS_PORT

run() {
	sw_config "listen tcp:$(hostport "$IP" "$SW_PORT")" \
	    "listen tls:$(hostport "$IP" "$TLS_PORT")" \
	    "tls_cert cert.pem" "tls_key key.pem" "algorithms MD5"
	sw_start
	wait_tcp_port "$SW_PORT"
	wait_tcp_port "$TLS_PORT"
	py <<'PY'
import os, re
from swsip import *
from swauth import *
from swstream import Stream

SW = port("SW")
TLS = int(os.environ["TLS_PORT"])
pbx = sock(port("PBX"))

for tp, lport in (("TCP", SW), ("TLS", TLS)):
    tls = tp == "TLS"
    ph = Stream.connect(lport, tls=tls)
    me = ph.local_port()
    # 1. REGISTER, challenged and answered on one connection.
    r = Req("REGISTER", me)
    r.tp = tp
    ph.send(r.text())
    c = ph.expect(5, "401 over %s" % tp, is_reply_to(r, 401))
    nonce = nonce_for(c, "MD5")
    r.new_transaction().answer("MD5", "alicepw", nonce)
    ph.send(r.text())
    reg = expect(pbx, 5, "the REGISTER at the PBX (%s)" % tp,
                 is_forward_of(r))
    check(reg.addr[1] == SW, "REGISTER from %s, not sipwarden" % (reg.addr,))
    vias = reg.vias()
    check(vias[0].startswith("SIP/2.0/UDP %s;" % hostport(SW)),
          "our Via towards the UDP PBX: %r" % vias[0])
    check(via_param(vias[1], "received") == IP and
          via_param(vias[1], "rport") == str(me),
          "phone's Via lacks received/rport: %r" % vias[1])
    path = reg.values("path")
    check(len(path) == 1, "one Path, got %r" % path)
    m = re.fullmatch(r"<sip:([A-Za-z0-9_-]{40,56})@%s;lr>" %
                     re.escape(hostport(SW)), path[0])
    check(m, "Path is not our UDP side with a flow token: %r" % path[0])
    check(reg.hdr("authorization") is None, "credentials reached the PBX")
    send(pbx, response_to(reg, 200, "OK", "pbx1",
                          "Contact: <sip:alice@%s>;expires=600\n" %
                          hostport(me)), SW)
    ok = ph.expect(5, "200 for the REGISTER (%s)" % tp, is_reply_to(r, 200))
    check(len(ok.vias()) == 1, "our Via left in the 200: %r" % ok.vias())

    # 2. The PBX calls the phone through the Path.
    cid = "call-" + token()
    inv = ("INVITE sip:alice@%s SIP/2.0\n"
           "Via: SIP/2.0/UDP %s;branch=%s;rport\n"
           "Route: %s\n"
           "Max-Forwards: 70\n"
           "From: <sip:1000@pbx.test>;tag=pbxtag\n"
           "To: <sip:alice@%s>\n"
           "Call-ID: %s\n"
           "CSeq: 1 INVITE\n"
           "Contact: <sip:1000@%s>\n"
           "Content-Length: 0\n\n") % (hostport(me), hostport(port("PBX")),
                                        branch(), path[0], REALM, cid,
                                        hostport(port("PBX")))
    send(pbx, inv, SW)
    got = ph.expect(5, "the PBX's INVITE over %s" % tp,
                    is_request("INVITE", cid))
    top = got.vias()[0]
    check(top.startswith("SIP/2.0/%s %s;" % (tp, hostport(lport))),
          "our Via towards the phone: %r" % top)
    rr = got.values("record-route")
    check(len(rr) == 2, "want two Record-Routes (%s and UDP), got %r" %
          (tp, rr))
    extra = ";transport=tls" if tls else ";transport=tcp"
    check(re.fullmatch(r"<sip:[A-Za-z0-9_-]+@%s%s;lr;swt=[A-Za-z0-9_-]{20}>"
                       % (re.escape(hostport(lport)), extra), rr[0]),
          "first Record-Route is not the %s side: %r" % (tp, rr[0]))
    check(re.fullmatch(r"<sip:[A-Za-z0-9_-]+@%s;lr;swt=[A-Za-z0-9_-]{20}>"
                       % re.escape(hostport(SW)), rr[1]),
          "second Record-Route is not the UDP side: %r" % rr[1])
    ph.send(response_to(got, 180, "Ringing", "ph1"))
    ph.send(response_to(got, 200, "OK", "ph1",
                        "Contact: <sip:alice@%s;transport=%s>\n" %
                        (hostport(me), tp.lower())))
    expect(pbx, 5, "180 at the PBX (%s)" % tp, is_response(180, "INVITE", cid))
    ok = expect(pbx, 5, "200 at the PBX (%s)" % tp,
                is_response(200, "INVITE", cid))
    prr = ok.values("record-route")
    check(prr == rr, "Record-Route changed on the way back: %r" % prr)

    # 3. BYE from the PBX along its route set (the reverse order).
    bye = ("BYE sip:alice@%s;transport=%s SIP/2.0\n"
           "Via: SIP/2.0/UDP %s;branch=%s;rport\n"
           "Route: %s, %s\n"
           "Max-Forwards: 70\n"
           "From: <sip:1000@pbx.test>;tag=pbxtag\n"
           "To: <sip:alice@%s>;tag=ph1\n"
           "Call-ID: %s\n"
           "CSeq: 2 BYE\n"
           "Content-Length: 0\n\n") % (hostport(me), tp.lower(),
                                        hostport(port("PBX")), branch(),
                                        rr[1], rr[0], REALM, cid)
    send(pbx, bye, SW)
    b = ph.expect(5, "the PBX's BYE over %s" % tp, is_request("BYE", cid))
    check(b.hdr("route") is None, "our Routes left in the BYE: %r" %
          b.values("route"))
    ph.send(response_to(b, 200, "OK"))
    expect(pbx, 5, "200 for the BYE (%s)" % tp, is_response(200, "BYE", cid))

    # 4. The phone goes away; the next call fails cleanly.
    ph.close()
    time.sleep(0.3)
    cid2 = "call2-" + token()
    send(pbx, inv.replace(cid, cid2).replace("branch=", "branch=x"), SW)
    f = expect(pbx, 5, "430 for a call to a closed %s flow" % tp,
               is_response(None, "INVITE", cid2))
    check(f.code == 430, "want 430 Flow Failed, got %s" % f.first)
    check(len(f.vias()) == 1, "430 keeps only the PBX's Via: %r" % f.vias())
    note("%s: register, call, BYE and 430 after close: ok" % tp)
PY
	log_has "event=flow_failed src=[^ ]* method=INVITE code=430" \
	    "the failed flow is logged"
	log_has "event=auth_ok src=[^ ]* user=alice method=REGISTER" "auth_ok"
	log_lacks "event=drop" "nothing is dropped"
	sw_stop
	: >"$SW_LOG"
	rm -f "$SW_CONF"
}

SW_WORKERS=1 run
SW_WORKERS=4 run
