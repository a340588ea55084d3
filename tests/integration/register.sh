#!/bin/bash
# register: 1000 REGISTERs from a sipp client through sipwarden to a sipp
# PBX that checks each forwarded REGISTER (Via stack, received/rport,
# Path, Max-Forwards); all 1000 must succeed on both sides.
set -eu
. "$SRCDIR/lib.sh"
need sipp python3 ss

N=${REGISTER_CALLS:-1000}

sw_config
sw_start
sipp_bg pbx register_pbx "$PBX_PORT" "$N"
sipp_run uac register_uac "$UA_PORT" "$N" -r 500 "$(hostport "$IP" "$SW_PORT")"
sipp_check uac "$SIPP_RC" "$N"
sipp_wait pbx "$N"
sw_alive
log_lacks 'event=drop' "no message of a clean run is dropped"
sw_stop
log_wellformed
