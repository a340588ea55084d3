#!/bin/bash
# auth_sipsak: sipsak registers alice through an authenticating sipwarden
# ("sipsak -U -C CONTACT -s sip:alice@SIPWARDEN -a PASSWORD -u alice"):
# the first REGISTER gets the 401, sipsak answers it and the PBX (sipp,
# scenarios/auth_sipsak_pbx.xml: no Authorization left, sipwarden's Via
# and Path) answers 200, so sipsak exits 0.  Done 3 times.  Then with a
# wrong password: sipsak must fail, nothing more reaches the PBX, and
# the log says auth_fail reason=bad_response user=alice.
set -eu
. "$SRCDIR/lib.sh"
need sipp sipsak ss
export SW_AUTH=1

# sipsak answers the first challenge header, and MD5 only.
sw_config "algorithms MD5,SHA-256" "ban_after 0"
sw_start
sipp_bg pbx auth_sipsak_pbx "$PBX_PORT" 3

UA=$(ip_re "$IP"):$UA_PORT
sipsak_run() {
	SIPSAK_RC=0
	timeout 30 sipsak -U -C "sip:alice@$(hostport "$IP" "$UA_PORT")" \
	    -s "sip:alice@$(hostport "$IP" "$SW_PORT")" -a "$1" -u alice \
	    -l "$UA_PORT" -S -H "$IP" --timeout-factor 4 -vvv \
	    >"$T/sipsak-$2.out" 2>&1 || SIPSAK_RC=$?
}

for i in 1 2 3; do
	sipsak_run alicepw "$i"
	[ "$SIPSAK_RC" -eq 0 ] ||
	    fail "sipsak run $i with alice's password exited with status $SIPSAK_RC, want 0"
	grep -q '^SIP/2.0 401 ' "$T/sipsak-$i.out" ||
	    fail "sipsak run $i did not show the 401 challenge"
	grep -q '^SIP/2.0 200 OK' "$T/sipsak-$i.out" ||
	    fail "sipsak run $i did not show the 200"
done
sipp_wait pbx 3
[ "$(log_count "INFO event=auth_ok src=$UA user=alice method=REGISTER")" -eq 3 ] ||
    fail "want 3 auth_ok lines for alice"
log_lacks 'event=auth_fail' "alice's password never fails"

# The wrong password: sipsak gets a second 401 and gives up.
sipsak_run wrongpw bad
[ "$SIPSAK_RC" -ne 0 ] || fail "sipsak with a wrong password exited 0"
[ "$(grep -c '^SIP/2.0 401 ' "$T/sipsak-bad.out")" -ge 2 ] ||
    fail "sipsak with a wrong password did not get a second 401"
if grep -q '^SIP/2.0 200' "$T/sipsak-bad.out"; then
	fail "sipsak with a wrong password got a 200"
fi
log_has "WARN event=auth_fail src=$UA user=alice reason=bad_response method=REGISTER$" \
    "the wrong password is logged"
[ "$(log_count 'event=auth_ok')" -eq 3 ] || fail "the wrong password authenticated"
[ "$(log_count 'event=forward src=[^ ]* method=REGISTER')" -eq 3 ] ||
    fail "a REGISTER with the wrong password was forwarded"
sw_stop
log_wellformed
