#!/bin/bash
# sipsak: "sipsak -s sip:alice@SIPWARDEN" sends an OPTIONS to sipwarden,
# which forwards it to a sipp PBX that checks the Via stack and answers
# 200; the 200 relayed back makes sipsak exit 0.  Done 5 times.  A second
# run with no PBX listening must make sipsak fail (it exits non-zero when
# no reply comes), so the first result means something.
set -eu
. "$SRCDIR/lib.sh"
need sipp sipsak ss

sw_config
sw_start
sipp_bg pbx options_pbx "$PBX_PORT" 5

sipsak_run() {
	SIPSAK_RC=0
	timeout 30 sipsak -s "sip:alice@$(hostport "$IP" "$SW_PORT")" \
	    -l "$UA_PORT" -S -H "$IP" --timeout-factor 4 -vv \
	    >>"$T/sipsak.out" 2>&1 || SIPSAK_RC=$?
}

for i in 1 2 3 4 5; do
	sipsak_run
	[ "$SIPSAK_RC" -eq 0 ] ||
	    fail "sipsak run $i exited with status $SIPSAK_RC, want 0"
done
grep -q 'SIP/2.0 200 OK' "$T/sipsak.out" || fail "sipsak did not show the 200"
sipp_wait pbx 5

# Nobody answers now: sipsak must not succeed.
sipsak_run
[ "$SIPSAK_RC" -ne 0 ] || fail "sipsak succeeded with no PBX behind sipwarden"
log_has "event=forward src=$(ip_re "$IP"):$UA_PORT method=OPTIONS" \
    "sipsak's OPTIONS forwarded"
sw_stop
