#!/bin/bash
# reload_flows: a SIGHUP must not break what sipwarden signed before it
# (SPEC section 1: reload "without closing sockets or dropping traffic";
# section 2: without secret_file, one random secret "per start").
# Before the reload a client registers (the PBX keeps the Path) and sends
# an OPTIONS the PBX has not answered yet.  After the reload:
#  - the PBX's 200 for that OPTIONS (our Via branch made before the
#    reload) must still be relayed to the client;
#  - the PBX's INVITE through the Path it got before the reload (flow
#    token made before the reload) must still reach the client.
# Checked twice: with a secret_file, and without one (the default).
set -eu
. "$SRCDIR/lib.sh"
need python3

export SW_LOG
failures=

# flows LABEL: the check above against the running sipwarden.
flows() {
	local rc=0
	SW_PID=$SW_PID timeout 60 python3 - "$1" <<'PY' || rc=$?
import os, signal, sys, time
from swsip import *

label = sys.argv[1]
SW = port("SW")
ua = sock(port("UA"))
pbx = sock(port("PBX"))
me = hostport(port("UA"))
bad = []


def soft(cond, msg):
    if not cond:
        bad.append(msg)
        note("%s: FAILED: %s" % (label, msg))
    return cond


def reloads():
    return open(os.environ["SW_LOG"]).read().count("event=reload result=ok")


# Register; the PBX keeps the Path.
cid = "flows-reg-" + token()
send(ua, ("REGISTER sip:sipwarden.test SIP/2.0\n"
          "Via: SIP/2.0/UDP %s;branch=%s;rport\n"
          "Max-Forwards: 70\n"
          "From: <sip:alice@sipwarden.test>;tag=reg\n"
          "To: <sip:alice@sipwarden.test>\n"
          "Call-ID: %s\nCSeq: 1 REGISTER\n"
          "Contact: <sip:alice@%s>\nExpires: 3600\nContent-Length: 0\n\n") %
     (me, branch(), cid, me), SW)
reg = expect(pbx, 5, "REGISTER at the PBX", is_request("REGISTER", cid))
path = reg.values("path")[0]
send(pbx, response_to(reg, 200, "OK", "pbx"), SW)
expect(ua, 5, "200 for the REGISTER", is_response(200, "REGISTER", cid))

# An OPTIONS the PBX answers only after the reload.
ocid, obr = "flows-opt-" + token(), branch()
send(ua, ("OPTIONS sip:bob@sipwarden.test SIP/2.0\n"
          "Via: SIP/2.0/UDP %s;branch=%s;rport\n"
          "Max-Forwards: 70\n"
          "From: <sip:alice@sipwarden.test>;tag=o1\n"
          "To: <sip:bob@sipwarden.test>\n"
          "Call-ID: %s\nCSeq: 1 OPTIONS\nContent-Length: 0\n\n") %
     (me, obr, ocid), SW)
opt = expect(pbx, 5, "OPTIONS at the PBX", is_request("OPTIONS", ocid))

n = reloads()
os.kill(int(os.environ["SW_PID"]), signal.SIGHUP)
for i in range(100):
    if reloads() > n:
        break
    time.sleep(0.05)
check(reloads() > n, "no event=reload result=ok after SIGHUP")

# The pending transaction's response.
send(pbx, response_to(opt, 200, "OK", "pbx"), SW)
soft(recv(ua, 2, is_response(200, "OPTIONS", ocid)) is not None,
     "the 200 for an OPTIONS forwarded before the reload was not relayed "
     "after it")

# A call through the Path from before the reload.
icid, ibr = "flows-inv-" + token(), branch()
pbxhp = hostport(port("PBX"))
send(pbx, ("INVITE sip:alice@%s SIP/2.0\n"
           "Via: SIP/2.0/UDP %s;branch=%s;rport\n"
           "Route: %s\n"
           "Max-Forwards: 70\n"
           "From: <sip:1000@pbx.test>;tag=p1\n"
           "To: <sip:alice@sipwarden.test>\n"
           "Call-ID: %s\nCSeq: 1 INVITE\n"
           "Contact: <sip:1000@%s>\nContent-Length: 0\n\n") %
     (me, pbxhp, ibr, path, icid, pbxhp), SW)
soft(recv(ua, 2, is_request("INVITE", icid)) is not None,
     "the PBX's INVITE through a Path issued before the reload did not "
     "reach the registered client")
sys.exit(1 if bad else 0)
PY
	if [ "$rc" -ne 0 ]; then
		failures="$failures $1"
	fi
}

head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$T/secrets"
echo >>"$T/secrets"
chmod 600 "$T/secrets"
sw_config "secret_file secrets"
sw_start
flows with-secret-file
sw_stop

: >"$SW_LOG"
sw_config
sw_start
flows random-secret
grep 'event=drop' "$SW_LOG" | head -n 5 >&2 || :
sw_stop

[ -z "$failures" ] ||
    fail "flows signed before a SIGHUP broke after it:$failures (see FAILED lines above)"
