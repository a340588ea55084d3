#!/bin/bash
# reload: SIGHUP re-reads the config and the files it names.
#  - a good, changed config: event=reload result=ok, and the change is in
#    force (log_level info -> debug: forward lines appear; a user added to
#    the users file: users=3);
#  - a broken config: result=failed naming FILE:LINE, the old state stays
#    (still debug) and traffic still flows;
#  - a changed workers / listen value (a listener's advertise alone
#    included): result=ok, the line says which keys
#    kept their old value, the old listener still works;
#  - reloads under load: 400 REGISTERs at 200/s with 5 SIGHUPs among them
#    all succeed;
#  - SIGTERM: exit 0 with event=stop.
# The config has a secret_file, so that what is signed before a reload
# verifies after it; reload_flows checks the default (no secret_file).
set -eu
. "$SRCDIR/lib.sh"
need sipp python3 ss

# options_roundtrip LABEL: an OPTIONS from the client through sipwarden
# to the PBX and its 200 back.
options_roundtrip() {
	py "$1" <<'PY'
import sys
from swsip import *
label = sys.argv[1]
SW = port("SW")
ua = sock(port("UA"))
pbx = sock(port("PBX"))
cid, br = "reload-%s-%s" % (label, token()), branch()
send(ua, ("OPTIONS sip:bob@sipwarden.test SIP/2.0\n"
          "Via: SIP/2.0/UDP %s;branch=%s;rport\n"
          "Max-Forwards: 70\n"
          "From: <sip:alice@sipwarden.test>;tag=r1\n"
          "To: <sip:bob@sipwarden.test>\n"
          "Call-ID: %s\nCSeq: 1 OPTIONS\nContent-Length: 0\n\n") %
     (hostport(port("UA")), br, cid), SW)
m = expect(pbx, 5, label + ": OPTIONS at the PBX", is_request("OPTIONS", cid))
send(pbx, response_to(m, 200, "OK", "pbx"), SW)
expect(ua, 5, label + ": 200 at the client", is_response(200, "OPTIONS", cid))
PY
}

# hup: send SIGHUP and wait for the next event=reload line.
hup() {
	local before i
	before=$(log_count 'event=reload')
	kill -HUP "$SW_PID"
	for i in $(seq 100); do
		[ "$(log_count 'event=reload')" -gt "$before" ] && return 0
		sleep 0.05
	done
	fail "no event=reload line within 5 s of SIGHUP"
}

last_reload() {
	grep 'event=reload' "$SW_LOG" | tail -n 1
}

# sw_config with the secret_file line.
conf() {
	sw_config "secret_file secrets" "$@"
}
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$T/secrets"
chmod 600 "$T/secrets"

SW_LOGLEVEL=info conf
sw_start
log_has 'event=start .*users=2' "two users at start"
options_roundtrip before
log_lacks 'event=forward' "no debug lines at log_level info"

# A good change: debug logging, a third user.
SW_LOGLEVEL=debug conf
users_line carol "$REALM" carolpw >>"$T/users"
hup
last_reload | grep -Eq 'INFO event=reload result=ok( |$)' ||
    fail "good reload: $(last_reload)"
last_reload | grep -q 'users=3' || fail "users file not re-read: $(last_reload)"
options_roundtrip after-good
log_has 'DEBUG event=forward ' "log_level debug in force after the reload"

# A broken config: failed, naming the line; the old state stays.
SW_LOGLEVEL=info conf "frobnicate yes"
n=$(grep -n '^frobnicate' "$SW_CONF" | cut -d: -f1)
hup
last_reload | grep -Eq 'event=reload result=failed ' ||
    fail "broken reload: $(last_reload)"
last_reload | grep -q "sw.conf:$n: " ||
    fail "broken reload does not name sw.conf:$n: $(last_reload)"
fwd=$(log_count 'DEBUG event=forward ')
options_roundtrip after-broken
[ "$(log_count 'DEBUG event=forward ')" -gt "$fwd" ] ||
    fail "the failed reload changed the log level (old state not kept)"

# A users file that breaks: failed too, old users kept.
SW_LOGLEVEL=debug conf
echo "this line is not a users line" >>"$T/users"
hup
last_reload | grep -Eq 'event=reload result=failed .*users' ||
    fail "broken users file: $(last_reload)"
options_roundtrip after-broken-users
sed -i '$d' "$T/users"

# Keys that need new sockets or threads keep their value, and say so.
SW_WORKERS=3 SW_LOGLEVEL=debug conf
sed -i "s/^listen .*/listen udp:$(hostport "$IP" "$SW2_PORT")/" "$SW_CONF"
hup
last_reload | grep -Eq 'event=reload result=ok .*kept=[a-z,]*listen' ||
    fail "changed listen: reload line does not say it was kept: $(last_reload)"
last_reload | grep -Eq 'kept=[a-z,]*workers' ||
    fail "changed workers: reload line does not say it was kept: $(last_reload)"
options_roundtrip old-listener-after-kept

# A listener's advertise goes with it: changing only that is kept too
# (dialogs in progress name the listener as advertised).
SW_LOGLEVEL=debug conf
sed -i "s/^listen .*/& advertise 198.51.100.77/" "$SW_CONF"
hup
last_reload | grep -Eq 'event=reload result=ok .*kept=[a-z,]*listen' ||
    fail "changed advertise on listen: reload line does not say it was kept: $(last_reload)"
options_roundtrip old-advertise-after-kept

# Reloads under load: nothing fails.
SW_WORKERS=2 SW_LOGLEVEL=info conf
hup
sipp_bg pbx register_pbx "$PBX_PORT" 400
sipp_cmd uac register_uac "$UA_PORT" 400 -r 200 "$(hostport "$IP" "$SW_PORT")"
"${SIPP_CMD[@]}" >"$T/uac.out" 2>&1 &
uac_pid=$!
track "$uac_pid"
for _ in 1 2 3 4 5; do
	sleep 0.25
	hup
done
reap "$uac_pid"
sipp_check uac "$REAP_RC" 400
sipp_wait pbx 400
[ "$(log_count 'event=reload result=ok')" -ge 8 ] ||
    fail "not every reload under load succeeded"
log_lacks 'event=drop' "nothing is dropped across reloads"

sw_stop
log_wellformed
