#!/bin/bash
# auth_invite: calls through an authenticating sipwarden (sipp on both
# sides, scenarios/auth_invite_*.xml): INVITE -> 407 (Proxy-Authenticate)
# -> ACK of the 407 (absorbed by sipwarden) -> INVITE with
# Proxy-Authorization -> forwarded -> 180/200 with Record-Route -> ACK ->
# BYE through the Route set.  The ACK and the BYE carry sipwarden's
# dialog token (swt=) and must pass without a challenge.  Checked here
# too: the log has one auth_ok per call (user=alice, method=INVITE), a
# 407 only for INVITEs, never for BYE; no ACK with CSeq 1 (the ACK of a
# 407) reached the PBX.
set -eu
. "$SRCDIR/lib.sh"
need sipp ss
export SW_AUTH=1

N=${AUTH_INVITE_CALLS:-50}
SW=$(hostport "$IP" "$SW_PORT")

# sipp answers the first challenge header, and MD5 only: offer MD5 first.
# -auth_uri makes the digest uri the Request-URI (sipp adds "sip:").
sw_config "algorithms MD5,SHA-256" "challenge_limit 0" "ban_after 0"
sw_start

sipp_bg pbx auth_invite_pbx "$PBX_PORT" "$N"
sipp_run uac auth_invite_uac "$UA_PORT" "$N" -r 20 \
    -auth_uri "bob@$REALM" "$SW"
sipp_check uac "$SIPP_RC" "$N"
sipp_wait pbx "$N"
sw_alive

UA=$(ip_re "$IP"):$UA_PORT
ok=$(log_count "INFO event=auth_ok src=$UA user=alice method=INVITE$")
[ "$ok" -ge "$N" ] || fail "$ok auth_ok lines for alice's INVITEs, want $N"
[ "$(log_count 'event=auth_ok')" -eq "$ok" ] ||
    fail "auth_ok lines for something else than alice's INVITEs"
log_lacks 'event=auth_fail' "no authentication of a clean run fails"
ch=$(log_count "DEBUG event=reply src=$UA code=407 method=INVITE why=challenge")
[ "$ch" -ge "$N" ] || fail "$ch INVITE challenges, want $N"
log_lacks 'event=reply src=[^ ]* code=[0-9]+ method=(BYE|ACK)' \
    "BYE and ACK are never answered by sipwarden (no 407)"
log_lacks 'code=401' "no 401 for anything but REGISTER"
[ "$(log_count "event=forward src=$UA method=BYE")" -ge "$N" ] ||
    fail "fewer than $N BYEs forwarded"
acks=$(log_count "event=forward src=$UA method=ACK")
[ "$acks" -eq "$N" ] ||
    fail "$acks ACKs forwarded, want $N (the 2xx ACKs; the ACKs of the 407s are absorbed)"
[ "$(grep -c '^CSeq: 1 ACK' "$T/uac.msg")" -ge "$N" ] ||
    fail "the client did not ACK every 407 (scenario broken?)"
if grep -q '^CSeq: 1 ACK' "$T/pbx.msg"; then
	fail "the ACK of a 407 reached the PBX"
fi
grep -q '^CSeq: 2 ACK' "$T/pbx.msg" || fail "the PBX's message trace has no ACK (trace broken?)"
log_lacks 'event=drop' "no message of a clean run is dropped"
sw_stop
log_wellformed
