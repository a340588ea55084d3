#!/bin/bash
# auth_register: 500 REGISTERs from a sipp client (alice) through an
# authenticating sipwarden (no trust line) to a sipp PBX.  Each REGISTER
# is challenged (401, WWW-Authenticate for realm sipwarden.test, qop
# auth), answered with alice's password, and the answer forwarded to the
# PBX, which checks that sipwarden's credentials are gone and another
# realm's are kept (scenarios/auth_register_*.xml).  All 500 must succeed
# on both sides; the log must have an auth_ok line for each, with
# user=alice, and no auth_fail.  A second run with bob's password for
# alice must fail every call: the first result means something.
set -eu
. "$SRCDIR/lib.sh"
need sipp ss
export SW_AUTH=1

N=${AUTH_REGISTER_CALLS:-500}
SW=$(hostport "$IP" "$SW_PORT")

# sipp answers the first challenge header, and MD5 only: offer MD5
# first.  Its digest uri is the remote address unless told: -auth_uri
# makes it sip:sipwarden.test, the Request-URI (sipp adds the scheme);
# both are accepted (the second run below has no -auth_uri).  challenge_limit
# and ban_after are off: this case measures authentication, and the
# wrong-password run below must not get the source banned.
sw_config "algorithms MD5,SHA-256" "challenge_limit 0" "ban_after 0"
sw_start

sipp_bg pbx auth_register_pbx "$PBX_PORT" "$N"
sipp_run uac auth_register_uac "$UA_PORT" "$N" -r 100 -auth_uri "$REALM" "$SW"
sipp_check uac "$SIPP_RC" "$N"
sipp_wait pbx "$N"
sw_alive

ok=$(log_count "INFO event=auth_ok src=$(ip_re "$IP"):$UA_PORT user=alice method=REGISTER$")
[ "$ok" -ge "$N" ] || fail "$ok auth_ok lines with user=alice, want at least $N"
[ "$(log_count 'event=auth_ok')" -eq "$ok" ] ||
    fail "auth_ok lines for someone other than alice"
log_lacks 'event=auth_fail' "no authentication of a clean run fails"
log_lacks 'event=drop' "no message of a clean run is dropped"
ch=$(log_count "DEBUG event=reply src=[^ ]* code=401 method=REGISTER why=challenge")
[ "$ch" -ge "$N" ] || fail "$ch challenges logged, want at least $N"

# sipp's own default digest uri (no -auth_uri) names the proxy it sends
# to, sip:IP:PORT, not the Request-URI: sipwarden itself, accepted (SPEC
# 4.4).  -auth_uri sip:x would make it sip:sip:x, refused (unit tests).
sipp_bg pbx2 auth_register_pbx "$PBX_PORT" 20
sipp_run uac2 auth_register_uac "$UA_PORT" 20 -r 50 "$SW"
grep -q "uri=\"sip:$SW\"" "$T/uac2.msg" ||
    fail "sipp without -auth_uri did not write uri=\"sip:$SW\""
sipp_check uac2 "$SIPP_RC" 20
sipp_wait pbx2 20
log_lacks 'event=auth_fail' "sipp's default uri is accepted"

# The same client with the wrong password: every call fails at the
# client (a 401 again where it wants the 200; -recv_timeout 2000, as
# these calls are meant to time out), nothing reaches the PBX.
fwd=$(log_count 'event=forward src=[^ ]* method=REGISTER')
mkdir "$T/bad"
sed 's/password=alicepw/password=bobpw/' \
    "$SRCDIR/scenarios/auth_register_uac.xml" >"$T/bad/auth_register_bad.xml"
grep -q 'password=bobpw' "$T/bad/auth_register_bad.xml" ||
    fail "could not make the wrong-password scenario"
SCEN_DIR=$T/bad sipp_run bad auth_register_bad "$UA_PORT" 5 -r 20 \
    -recv_timeout 2000 -auth_uri "$REALM" "$SW"
[ "$SIPP_RC" -ne 0 ] || fail "sipp with the wrong password exited 0"
[ "$(sipp_stat bad 'SuccessfulCall(C)')" = 0 ] ||
    fail "a call with the wrong password succeeded"
[ "$(log_count 'event=auth_fail src=[^ ]* user=alice reason=bad_response method=REGISTER')" -ge 5 ] ||
    fail "wrong passwords not logged as bad_response"
[ "$(log_count 'event=forward src=[^ ]* method=REGISTER')" -eq "$fwd" ] ||
    fail "a REGISTER with the wrong password was forwarded"
sw_stop
log_wellformed
