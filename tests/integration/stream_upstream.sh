#!/bin/bash
# stream_upstream: the PBX on TCP (upstream tcp:127.0.0.2:PORT), phones
# on UDP and on TLS.  python3 plays the PBX (a TCP listener) and phones:
#   - a UDP phone's REGISTER reaches the PBX over a connection sipwarden
#     opened, with our Via "SIP/2.0/TCP" of the tcp listener and a Path
#     with ";transport=tcp"; the PBX's 200 on that connection reaches the
#     phone over UDP;
#   - the PBX opens its own connection to our tcp listener (from its
#     address, another port) and calls the phone through the Path: the
#     INVITE reaches the UDP phone, with two Record-Routes (UDP side,
#     TCP side); the phone's 200 comes back on the PBX's connection;
#   - the PBX closes its connection before the phone answers a second
#     request: the answer reaches the PBX over sipwarden's own connection
#     (RFC 3261 18.2.2: the connection is gone, open one);
#   - the PBX drops sipwarden's connection: the next REGISTER opens a new
#     one (logged upstream_connected twice);
#   - an ACK from a UDP phone without Content-Length, whose body is a whole
#     INVITE, reaches the PBX as one ACK with the exact Content-Length of
#     that body (no request smuggled onto the PBX's stream);
#   - a TLS phone registers through the TCP upstream too.
# One worker: each worker keeps its own connection to the PBX, and this
# case follows one of them.
set -eu
. "$SRCDIR/lib.sh"
need python3 openssl ss

make_cert
TLS_PORT=$AUX_PORT
PBX_IP=127.0.0.2
SW_WORKERS=1
export TLS_PORT PBX_IP
sw_config "listen tcp:$(hostport "$IP" "$SW_PORT")" \
    "listen tls:$(hostport "$IP" "$TLS_PORT")" \
    "tls_cert cert.pem" "tls_key key.pem"
sed -i "s/^upstream .*/upstream tcp:$PBX_IP:$PBX_PORT/" "$SW_CONF"
# The PBX sits on another address than the phones: from a tcp upstream's
# address, every connection is the PBX's.
py_bg pbx <<'PY'
import os, re, select, socket, time
from swsip import *
from swstream import Stream, listener, accept

PBX_IP = os.environ["PBX_IP"]
SW = port("SW")
ls = listener(port("PBX"), PBX_IP)
open(os.path.join(os.environ["T"], "pbx-up"), "w").close()

def ready(name):
    path = os.path.join(os.environ["T"], name)
    for i in range(200):
        if os.path.exists(path):
            return
        time.sleep(0.05)
    fail("no %s signal" % name)

# 1. The REGISTER over sipwarden's connection.
c1 = accept(ls, 20)
reg = c1.expect(10, "the REGISTER over TCP", is_request("REGISTER"))
vias = reg.vias()
check(vias[0].startswith("SIP/2.0/TCP %s;" % hostport(SW)),
      "our Via towards the TCP PBX: %r" % vias[0])
path = reg.values("path")
check(len(path) == 1 and
      re.fullmatch(r"<sip:[A-Za-z0-9_-]{30}@%s;transport=tcp;lr>" %
                   re.escape(hostport(SW)), path[0]),
      "Path towards a TCP PBX: %r" % path)
c1.send(response_to(reg, 200, "OK", "pbx1",
                    "Contact: %s;expires=600\n" % reg.hdr("contact")))
contact = reg.hdr("contact").strip("<>")

# 2. Our own connection to sipwarden's tcp listener, and a call.
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.bind((PBX_IP, 0))
s.connect((IP, SW))
c2 = Stream(s)
me = "%s:%d" % (PBX_IP, s.getsockname()[1])
cid = "up-" + token()
def invite(cid, method="INVITE", cseq=1):
    return ("%s %s SIP/2.0\n"
            "Via: SIP/2.0/TCP %s;branch=%s\n"
            "Route: %s\n"
            "Max-Forwards: 70\n"
            "From: <sip:1000@pbx.test>;tag=pbxtag\n"
            "To: <sip:alice@sipwarden.test>\n"
            "Call-ID: %s\n"
            "CSeq: %d %s\n"
            "Contact: <sip:1000@%s;transport=tcp>\n"
            "Content-Length: 0\n\n") % (method, contact, me, branch(),
                                         path[0], cid, cseq, method, me)
c2.send(invite(cid))
ok = c2.expect(10, "200 on the PBX's own connection",
               is_response(200, "INVITE", cid))
rr = ok.values("record-route")
check(len(rr) == 2, "want two Record-Routes, got %r" % rr)
check(";transport=tcp;" not in rr[0] and ";transport=tcp;" in rr[1],
      "Record-Route order (UDP side first for the phone): %r" % rr)

# 3. The PBX's connection closes before the phone's answer.
cid2 = "up2-" + token()
c2.send(invite(cid2, "OPTIONS"))
time.sleep(0.2)
c2.close()
open(os.path.join(os.environ["T"], "answer"), "w").close()
got = c1.expect(10, "the answer over sipwarden's connection",
                is_response(200, "OPTIONS", cid2))

# 4. Drop sipwarden's connection; the next REGISTER opens another.
c1.close()
open(os.path.join(os.environ["T"], "dropped"), "w").close()
c3 = accept(ls, 20)
reg2 = c3.expect(10, "a REGISTER over a new connection",
                 is_request("REGISTER"))
c3.send(response_to(reg2, 200, "OK", "pbx2"))
# 4b. An ACK without Content-Length over UDP whose body is an INVITE:
# forwarded with a Content-Length of its body, so it stays a body.
ack = c3.expect(10, "the phone's ACK", lambda m: m.method is not None and
                m.first.startswith("ACK "))
check(ack.hdr("content-length") == str(len(ack.body)) and
      ack.body.startswith(b"INVITE sip:smuggled"),
      "ACK forwarded without its exact Content-Length: %r / %r" %
      (ack.hdr("content-length"), ack.body[:40]))
# 5. The TLS phone's REGISTER, on the same connection.
reg3 = c3.expect(10, "the TLS phone's REGISTER", is_request("REGISTER"))
check(reg3.vias()[1].startswith("SIP/2.0/TLS "),
      "TLS phone's Via: %r" % reg3.vias()[1])
c3.send(response_to(reg3, 200, "OK", "pbx3"))
time.sleep(1)
note("pbx: done")
PY
for i in $(seq 100); do [ -e "$T/pbx-up" ] && break; sleep 0.05; done
sw_start
wait_tcp_port "$SW_PORT"

py <<'PY'
import os, time
from swsip import *
from swauth import REALM, Req, is_reply_to
from swstream import Stream

def wait(name):
    path = os.path.join(os.environ["T"], name)
    for i in range(200):
        if os.path.exists(path):
            return
        time.sleep(0.05)
    fail("no %s signal" % name)

ph = sock(port("UA"))
SW = port("SW")
r = Req("REGISTER", port("UA"))
send(ph, r.text(), SW)
expect(ph, 10, "200 for the REGISTER over the TCP PBX", is_reply_to(r, 200))
inv = expect(ph, 10, "the PBX's INVITE over UDP", is_request("INVITE"))
check(inv.vias()[0].startswith("SIP/2.0/UDP "), "our Via: %r" % inv.vias()[0])
send(ph, response_to(inv, 200, "OK", "ph1"), SW)
opt = expect(ph, 10, "the PBX's OPTIONS", is_request("OPTIONS"))
wait("answer")
send(ph, response_to(opt, 200, "OK", "ph2"), SW)
wait("dropped")
time.sleep(0.3)
r.new_transaction()
send(ph, r.text(), SW)
expect(ph, 10, "200 for a REGISTER after the reconnect", is_reply_to(r, 200))
smuggled = ("INVITE sip:smuggled@%s SIP/2.0\r\n"
            "Via: SIP/2.0/TCP 10.0.0.9;branch=z9hG4bKsmuggled\r\n"
            "From: <sip:x@y>;tag=1\r\nTo: <sip:z@y>\r\n"
            "Call-ID: smuggled\r\nCSeq: 1 INVITE\r\nMax-Forwards: 70\r\n"
            "Content-Length: 0\r\n\r\n") % REALM
ph.sendto(("ACK sip:pbx@%s SIP/2.0\r\n"
           "Via: SIP/2.0/UDP %s;branch=%s;rport\r\n"
           "Max-Forwards: 70\r\nFrom: <sip:alice@%s>;tag=a\r\n"
           "To: <sip:pbx@%s>;tag=b\r\nCall-ID: ack-%s\r\nCSeq: 1 ACK\r\n"
           "\r\n%s" % (REALM, hostport(port("UA")), branch(), REALM, REALM,
                        token(), smuggled)).encode(), (IP, SW))
t = Stream.connect(int(os.environ["TLS_PORT"]), tls=True)
r2 = Req("REGISTER", t.local_port(), user="bob")
r2.tp = "TLS"
t.send(r2.text())
t.expect(10, "200 for the TLS phone", is_reply_to(r2, 200))
PY
py_wait pbx
[ "$(log_count 'event=upstream_connected src=127.0.0.2:')" -eq 2 ] ||
    fail "want two upstream_connected lines (first, and after the drop)"
log_lacks "event=drop" "nothing is dropped"
log_lacks "event=flow_failed" "no flow failed"
sw_stop
