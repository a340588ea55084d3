#!/bin/bash
# sipp.sh TRANSPORT: the interop contract (tests/interop/README.md) with
# sipp (Debian sip-tester) and the scenarios in clients/sipp/, every
# challenge answered by [authentication] with -au/-ap, and no -auth_uri:
# sipp writes its default digest uri (sip:REMOTE_IP:REMOTE_PORT, the
# address of sipwarden's listener).
#   register    bob (callee.xml) and alice (register_refresh.xml) register;
#               each logs "registered" on its 200;
#   call        alice (caller.xml) calls bob: 407, INVITE with
#               credentials, 200, ACK, 1 s, BYE, 200; bob takes the call
#               in the process (and over TCP/TLS the connection) that
#               registered, which sipp can do only for the Call-ID of its
#               REGISTER: the caller sends its INVITE with that Call-ID;
#   refresh     alice's register_refresh.xml, after its pause (NONCE_TTL
#               + 3 s from her 200), answers the old challenge again: 401
#               with stale=true, then 200;
#   unregister  unregister.xml for alice, then bob: Contact: *, Expires: 0,
#               401, 200 without a Contact.
# Debian's sipp has no TLS (-t l1): over TLS every sipp talks TCP to a
# socat tunnel of its own (one connection, the CA in TLS_CA verified,
# name localhost) to sipwarden's tls listener.  Through the tunnel sipp's
# default uri would name the tunnel, so there -auth_uri gives the value
# sipp writes without it (SW_IP:SW_PORT): the same uri as over UDP/TCP.
# Ports: CLIENT_PORT_BASE+0..+4 the five sipp runs, +10..+14 their
# tunnels.
. "$(dirname "$0")/driver_lib.sh"
TP=${1:?usage: sipp.sh udp|tcp|tls}
SCEN=$CLIENTS_DIR/sipp

command -v sipp >/dev/null 2>&1 || skip "sipp is not installed (Debian sip-tester)"
case $TP in
udp) TOPT=u1 ;;
tcp) TOPT=t1 ;;
tls)
	TOPT=t1
	command -v socat >/dev/null 2>&1 ||
	    skip "Debian's sipp has no TLS and socat (the tunnel) is not installed"
	;;
*) skip "unknown transport $TP" ;;
esac

# Bob's REGISTER and alice's INVITE share this Call-ID (see above).
CID="interop-$$-$CLIENT_PORT_BASE@127.0.0.1"

# sipp_bg NAME SCENARIO N USER PASS [sipp options]: start sipp as USER
# from port CLIENT_PORT_BASE+N (over TLS through tunnel +10+N); its PID in
# PID_NAME, its traces in $CELL_DIR/NAME.*, its <log> lines in NAME.log.
sipp_bg() {
	local name=$1 scen=$2 n=$3 user=$4 pass=$5 dest=$SW_IP:$SW_PORT tport
	shift 5
	local extra=("$@")
	if [ "$TP" = tls ]; then
		tport=$((CLIENT_PORT_BASE + 10 + n))
		socat -d "TCP-LISTEN:$tport,bind=127.0.0.1,reuseaddr" \
		    "OPENSSL:$SW_IP:$SW_PORT,cafile=$TLS_CA,commonname=localhost" \
		    2>"$CELL_DIR/$name.socat" &
		track "$!"
		wait_port tcp "$tport" 5 || {
			echo "socat tunnel for $name does not listen on $tport" >&2
			return 1
		}
		dest=127.0.0.1:$tport
		extra+=(-auth_uri "$SW_IP:$SW_PORT")
	fi
	timeout 60 sipp -sf "$SCEN/$scen.xml" -i 127.0.0.1 \
	    -p $((CLIENT_PORT_BASE + n)) -t "$TOPT" -m 1 -nostdin -nd \
	    -s "$user" -au "$user" -ap "$pass" \
	    -key domain "$DOMAIN" -key expires "$REG_EXPIRES" -key callee "$B_USER" \
	    -recv_timeout 20000 -timeout 55s -timeout_error \
	    -trace_err -error_file "$CELL_DIR/$name.err" \
	    -trace_msg -message_file "$CELL_DIR/$name.msg" \
	    -trace_logs -log_file "$CELL_DIR/$name.log" \
	    "${extra[@]}" "$dest" >"$CELL_DIR/$name.out" 2>&1 &
	eval "PID_$name=\$!"
	track "$!"
}

# logged NAME TEXT: NAME's sipp logged TEXT (a <log> action).
logged() {
	grep -qx -- "$2" "$CELL_DIR/$1.log" 2>/dev/null
}

# finish NAME SECONDS: wait for NAME's sipp to end; its status in RC (124
# when it is still running after SECONDS, then stopped).
finish() {
	local pid st=0
	eval "pid=\$PID_$1"
	RC=0
	if ! wait_gone "$pid" "$2"; then
		kill -TERM "$pid" 2>/dev/null || :
		RC=124
	fi
	wait "$pid" || st=$?
	[ "$RC" -ne 0 ] || RC=$st
}

# why NAME: a short reason from NAME's sipp error file.
why() {
	local e
	e=$(grep -E '^[0-9-]+[[:space:]]+[0-9:.]+[[:space:]]+[0-9.]+: ' "$CELL_DIR/$1.err" 2>/dev/null |
	    tail -n 1 | sed -E 's/^[0-9-]+[[:space:]]+[0-9:.]+[[:space:]]+[0-9.]+: //' |
	    cut -c1-200) || :
	printf '%s' "${e:-no error logged}"
}

# register
sipp_bg bob callee 1 "$B_USER" "$B_PASS" -cid_str "$CID"
sipp_bg alice register_refresh 0 "$A_USER" "$A_PASS" -d $(((NONCE_TTL + 3) * 1000))
ok=
for i in $(seq 150); do
	if logged alice registered && logged bob registered; then
		ok=1
		break
	fi
	alive "$PID_alice" && alive "$PID_bob" || break
	sleep 0.1
done
if [ -n "$ok" ]; then
	step register ok
else
	w=
	logged alice registered || w="alice not registered ($(why alice))"
	logged bob registered || w="${w:+$w; }bob not registered ($(why bob))"
	step register fail "$w"
	exit 1
fi

# call
sipp_bg call caller 2 "$A_USER" "$A_PASS" -cid_str "$CID"
finish call 30
crc=$RC
finish bob 15
if [ "$crc" -eq 0 ] && logged call "call ended" && [ "$RC" -eq 0 ] && logged bob "call ended"; then
	step call ok
else
	step call fail "caller status $crc ($(why call)); callee status $RC ($(why bob))"
fi

# refresh: alice's sipp is in its pause, then the stale round trip.
finish alice $((NONCE_TTL + 25))
if [ "$RC" -eq 0 ] && logged alice stale && logged alice refreshed; then
	step refresh ok
else
	w="status $RC"
	logged alice stale || w="$w, no 401 with stale=true"
	logged alice refreshed || w="$w, no 200 after it"
	step refresh fail "$w ($(why alice))"
fi

# unregister
w=
for u in alice bob; do
	if [ "$u" = alice ]; then n=3 user=$A_USER pass=$A_PASS; else n=4 user=$B_USER pass=$B_PASS; fi
	sipp_bg "unreg_$u" unregister "$n" "$user" "$pass"
	finish "unreg_$u" 25
	if [ "$RC" -ne 0 ] || ! logged "unreg_$u" unregistered; then
		w="${w:+$w; }$u: status $RC ($(why "unreg_$u"))"
	fi
done
if [ -z "$w" ]; then step unregister ok; else step unregister fail "$w"; fi
exit "$STEPS_FAILED"
