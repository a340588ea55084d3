#!/bin/bash
# stream_restart: a flow token outlives the connection it names.  With a
# secret_file (so tokens from before a restart still verify), phone A
# registers over TCP; sipwarden restarts; phone B connects over TCP (and
# gets the first slot of the new process, as A had).  The PBX's INVITE
# through A's old Path must not reach B: 430 Flow Failed.  Then B
# registers and is reached through its own Path.
set -eu
. "$SRCDIR/lib.sh"
need python3 ss
export SW_AUTH=1

(umask 077 && openssl rand -hex 32 >"$T/secrets")
SW_WORKERS=1
export SW_WORKERS
sw_config "listen tcp:$(hostport "$IP" "$SW_PORT")" "secret_file secrets" \
    "algorithms MD5"

# register NAME: a phone registers over TCP and stays connected until
# $T/NAME.done exists; its Path goes to $T/NAME.path.
register() {
	NAME=$1 py_bg "$1" <<'PY'
import os, time
from swsip import *
from swauth import *
from swstream import Stream

name = os.environ["NAME"]
T = os.environ["T"]
pbx = sock(port("PBX"))
ph = Stream.connect(port("SW"))
r = Req("REGISTER", ph.local_port(), user="alice" if name == "a" else "bob")
r.tp = "TCP"
ph.send(r.text())
c = ph.expect(5, "401", is_reply_to(r, 401))
r.new_transaction().answer("MD5", "alicepw" if name == "a" else "bobpw",
                           nonce_for(c, "MD5"))
ph.send(r.text())
reg = expect(pbx, 5, "the REGISTER", is_forward_of(r))
send(pbx, response_to(reg, 200, "OK", "pbx"), port("SW"))
ph.expect(5, "200", is_reply_to(r, 200))
open(os.path.join(T, name + ".path"), "w").write(reg.values("path")[0])
pbx.close()
got = None
while not os.path.exists(os.path.join(T, name + ".done")):
    m = ph.recv(0.2, is_request("INVITE"))
    if m is not None:
        got = m
        ph.send(response_to(m, 200, "OK", name))
open(os.path.join(T, name + ".got"), "w").write(
    got.hdr("call-id") if got else "")
PY
	for i in $(seq 100); do [ -s "$T/$1.path" ] && return 0; sleep 0.05; done
	fail "phone $1 did not register"
}

# call PATH CALLID: the PBX's INVITE through PATH; prints the status code.
call() {
	python3 - "$1" "$2" <<'PY'
import sys
from swsip import *
pbx = sock(port("PBX"))
path, cid = sys.argv[1], sys.argv[2]
send(pbx, ("INVITE sip:x@%s SIP/2.0\nVia: SIP/2.0/UDP %s;branch=%s;rport\n"
           "Route: %s\nMax-Forwards: 70\nFrom: <sip:1000@pbx.test>;tag=p\n"
           "To: <sip:x@sipwarden.test>\nCall-ID: %s\nCSeq: 1 INVITE\n"
           "Content-Length: 0\n\n") % (hostport(port("UA")),
                                        hostport(port("PBX")), branch(),
                                        path, cid), port("SW"))
m = recv(pbx, 5, is_response(None, "INVITE", cid))
print(m.code if m else "none")
PY
}

sw_start
register a
A_PID=$PY_PID
sw_stop
: >"$SW_LOG"
sw_start
register b
B_PID=$PY_PID
code=$(call "$(cat "$T/a.path")" old-path)
[ "$code" = 430 ] || fail "the PBX's INVITE through A's old Path got $code, want 430"
code=$(call "$(cat "$T/b.path")" new-path)
[ "$code" = 200 ] || fail "the PBX's INVITE through B's Path got $code, want 200"
touch "$T/a.done" "$T/b.done"
PY_PID=$B_PID
py_wait b
[ "$(cat "$T/b.got")" = new-path ] || fail "phone B got call $(cat "$T/b.got"), want only new-path"
PY_PID=$A_PID
py_wait a
log_has "event=flow_failed src=[^ ]* method=INVITE code=430" "the stale flow"
sw_stop
