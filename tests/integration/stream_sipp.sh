#!/bin/bash
# stream_sipp: authenticated REGISTERs from sipp over TCP and over TLS
# through an authenticating sipwarden (no trust line) to a sipp PBX on
# UDP, with the auth_register scenarios (scenarios/auth_register_*.xml)
# made to expect the phone's Via over TCP and sipwarden's longer branch
# (it names the connection).
#   - TCP: sipp -t t1 straight to the tcp listener;
#   - TLS: Debian's sipp has no TLS, so sipp -t t1 talks to a socat
#     tunnel (TCP-LISTEN, one connection only, to OPENSSL:...:TLSPORT).
# Each run: 200 calls at 50 a second; each REGISTER is challenged (401),
# answered with alice's password and forwarded to the PBX, which checks
# that sipwarden's credentials are gone; every call must succeed on both
# sides.  The log must have an auth_ok line for each call, from the one
# connection the run opened (one conn_open with transport=tcp or tls,
# accepted_total 1 more in /metrics), and no auth_fail, no drop, no
# connection closed for anything but its peer leaving.
set -eu
. "$SRCDIR/lib.sh"
need sipp socat openssl ss python3
export SW_AUTH=1

N=${STREAM_SIPP_CALLS:-200}
TLS_PORT=$AUX_PORT
MET_PORT=$SW2_PORT
TUNNEL_PORT=$((PORT_BASE + 6))

make_cert
sw_config "listen tcp:$(hostport "$IP" "$SW_PORT")" \
    "listen tls:$(hostport "$IP" "$TLS_PORT")" \
    "tls_cert cert.pem" "tls_key key.pem" \
    "metrics $(hostport "$IP" "$MET_PORT")" \
    "algorithms MD5,SHA-256" "challenge_limit 0" "ban_after 0"
sw_start
wait_tcp_port "$SW_PORT"
wait_tcp_port "$TLS_PORT"

# The scenarios over a stream: the phone's Via says TCP; over TCP sipp's
# connection comes from its -p port (rport=@UA_PORT@), through the tunnel
# from socat's (any rport); our branch towards the PBX names the
# connection, so it is longer than over UDP.
for tp in tcp tls; do
	mkdir "$T/$tp"
	python3 - "$SRCDIR/scenarios" "$T/$tp" "$tp" <<'PY' ||
import sys
src, dst, tp = sys.argv[1:]
rport = "@UA_PORT@" if tp == "tcp" else "[0-9]+"
phone = (r"SIP/2\.0/UDP @UA_RE@;branch=z9hG4bK[^,;]*;received=@IP_RE@;"
         r"rport=@UA_PORT@$")
ours = r"z9hG4bKsw[A-Za-z0-9_-]{30}$"
for s, want in (("uac", (2, 0)), ("pbx", (1, 1))):
    text = open("%s/auth_register_%s.xml" % (src, s)).read()
    if (text.count(phone), text.count(ours)) != want:
        sys.exit("auth_register_%s.xml changed: fix stream_sipp.sh" % s)
    text = text.replace(phone, phone.replace("UDP", "TCP").replace(
        "rport=@UA_PORT@", "rport=" + rport))
    text = text.replace(ours, ours.replace("{30}", "{30,64}"))
    open("%s/stream_register_%s.xml" % (dst, s), "w").write(text)
PY
	    fail "could not make the $tp scenarios from auth_register_*.xml"
done

metric() {
	python3 - "$1" <<'PY'
import os, sys, urllib.request
url = "http://127.0.0.1:%s/metrics" % os.environ["MET_PORT"]
with urllib.request.urlopen(url, timeout=5) as r:
    for line in r.read().decode().splitlines():
        k, _, v = line.rpartition(" ")
        if k == sys.argv[1]:
            print(int(float(v)))
            sys.exit(0)
sys.exit("no %s in /metrics" % sys.argv[1])
PY
}
export MET_PORT

# run NAME TRANSPORT DEST: N authenticated REGISTERs from sipp to DEST
# (host:port) over one connection that sipwarden sees as TRANSPORT.
run() {
	local name=$1 tp=$2 dest=$3 acc0 acc1 opens src ok
	acc0=$(metric sipwarden_connections_accepted_total)
	opens=$(log_count "DEBUG event=conn_open src=[^ ]* transport=$tp$")
	SCEN_DIR=$T/$name sipp_bg "pbx_$name" stream_register_pbx "$PBX_PORT" "$N"
	SCEN_DIR=$T/$name sipp_run "uac_$name" stream_register_uac "$UA_PORT" \
	    "$N" -t t1 -r 50 -auth_uri "$REALM" "$dest"
	sipp_check "uac_$name" "$SIPP_RC" "$N"
	sipp_wait "pbx_$name" "$N"
	sw_alive
	acc1=$(metric sipwarden_connections_accepted_total)
	[ "$acc1" -eq $((acc0 + 1)) ] ||
	    fail "$name: $((acc1 - acc0)) connections accepted, want 1"
	[ "$(log_count "DEBUG event=conn_open src=[^ ]* transport=$tp$")" -eq \
	    $((opens + 1)) ] || fail "$name: not one conn_open transport=$tp"
	src=$(grep -E "DEBUG event=conn_open src=[^ ]* transport=$tp$" \
	    "$SW_EVLOG" | tail -n 1 | sed 's/.* src=\([^ ]*\) .*/\1/')
	ok=$(log_count "INFO event=auth_ok src=$src user=alice method=REGISTER$")
	[ "$ok" -eq "$N" ] ||
	    fail "$name: $ok auth_ok lines from $src, want $N"
	note "$name: $N REGISTERs over one $tp connection from $src"
}

SW_HP=$(hostport "$IP" "$SW_PORT")
run tcp tcp "$SW_HP"

# TLS through socat: one connection (no fork), verification off (the
# certificate is made at test time).
socat -d "TCP-LISTEN:$TUNNEL_PORT,bind=$IP,reuseaddr" \
    "OPENSSL:$IP:$TLS_PORT,verify=0" 2>"$T/socat.err" &
SOCAT_PID=$!
track "$SOCAT_PID"
wait_tcp_port "$TUNNEL_PORT"
run tls tls "$(hostport "$IP" "$TUNNEL_PORT")"

[ "$(log_count 'event=auth_ok')" -eq $((2 * N)) ] ||
    fail "$(log_count 'event=auth_ok') auth_ok lines, want $((2 * N))"
log_lacks 'event=auth_fail' "no authentication fails"
log_lacks 'event=drop' "nothing is dropped"
log_lacks 'event=conn_(refused|close) [^ ]* reason=(error|tls|timeout|bad_frame|backpressure|max_)' \
    "no connection refused or closed for a fault"
ch=$(log_count "DEBUG event=reply src=[^ ]* code=401 method=REGISTER why=challenge")
[ "$ch" -ge $((2 * N)) ] || fail "$ch challenges logged, want $((2 * N))"
sw_stop
log_wellformed
