#!/bin/bash
# ipv6: the register case over IPv6: sipwarden listens on [::1], the
# upstream is [::1], the sipp client and PBX use ::1.  The PBX checks the
# Via stack (received=::1, rport), the Path (an IPv6 flow token) and
# Max-Forwards; 200 REGISTERs must all succeed.  Then a dialog with the
# PBX hanging up (its BYE routed by the IPv6 flow token).  Skipped (77)
# when ::1 cannot be bound.
set -eu
CASE_IP=::1
. "$SRCDIR/lib.sh"
need sipp python3 ss

have_ipv6_loopback || skip "cannot bind UDP on ::1"

N=200
SW=$(hostport "$IP" "$SW_PORT")
sw_config
sw_start
log_has "event=start .*listen=udp:\\[::1\\]:$SW_PORT upstream=udp:\\[::1\\]:$PBX_PORT" \
    "start line names the IPv6 listener and upstream"

sipp_bg pbx register_pbx "$PBX_PORT" "$N"
sipp_run uac register_uac "$UA_PORT" "$N" -r 200 "$SW"
sipp_check uac "$SIPP_RC" "$N"
sipp_wait pbx "$N"

sipp_bg pbx2 dialog_pbx_pbxbye "$PBX_PORT" 5
sipp_run uac2 dialog_uac_pbxbye "$UA_PORT" 5 -r 10 "$SW"
sipp_check uac2 "$SIPP_RC" 5
sipp_wait pbx2 5

log_has "event=forward src=\\[::1\\]:$UA_PORT method=REGISTER dst=\\[::1\\]:$PBX_PORT" \
    "IPv6 addresses are logged as [addr]:port"
log_lacks 'event=drop' "nothing is dropped"
sw_stop
log_wellformed
