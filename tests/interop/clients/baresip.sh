#!/bin/bash
# baresip.sh TRANSPORT: the interop contract (tests/interop/README.md)
# with two headless baresip instances, alice and bob, with sipwarden as
# their outbound proxy over TRANSPORT (udp, tcp, tls; the CA in TLS_CA
# as sip_cafile).  No audio device: no audio source or player module,
# G.711 only; bob answers on his own (answermode=auto).  baresip_ctl.py
# drives both over ctrl_tcp: register (both report OK), call (dial,
# established on both sides, 1 s, hangup, closed on both), refresh
# (alice's own re-REGISTER at 90 % of REG_EXPIRES, after NONCE_TTL+1 s),
# then both quit, which unregisters them; unregister is ok when each
# one's SIP trace (-s) shows a 200 to its REGISTER with expires=0.
# Ports: CLIENT_PORT_BASE+0..+2 alice's SIP (baresip takes the next port
# for TLS), +3 her ctrl_tcp, +5..+7 bob's SIP, +8 his ctrl_tcp, +10..+19
# RTP.
. "$(dirname "$0")/driver_lib.sh"
TP=${1:?usage: baresip.sh udp|tcp|tls}

command -v baresip >/dev/null 2>&1 || skip "baresip is not installed (Debian baresip-core)"
command -v python3 >/dev/null 2>&1 || skip "python3 (the ctrl_tcp driver) is not installed"
MODS=/usr/lib/baresip/modules
for m in account menu ctrl_tcp g711; do
	[ -e "$MODS/$m.so" ] || skip "baresip module $m.so is missing from $MODS"
done
case $TP in
udp | tcp | tls) ;;
*) skip "unknown transport $TP" ;;
esac

A_SIP=$CLIENT_PORT_BASE
A_CTL=$((CLIENT_PORT_BASE + 3))
B_SIP=$((CLIENT_PORT_BASE + 5))
B_CTL=$((CLIENT_PORT_BASE + 8))
RTP_LO=$((CLIENT_PORT_BASE + 10))
RTP_HI=$((CLIENT_PORT_BASE + 19))

# config USER PASS SIP_PORT CTL_PORT: $CELL_DIR/USER/{config,accounts}
config() {
	local d=$CELL_DIR/$1 params
	mkdir -p "$d"
	cat >"$d/config" <<EOF
# baresip for the interop cell ($TP): written by baresip.sh
poll_method epoll
sip_listen 127.0.0.1:$3
sip_cafile $TLS_CA
net_interface 127.0.0.1
call_local_timeout 30
call_max_calls 2
module_path $MODS
module g711.so
module_app account.so
module_app menu.so
module_app ctrl_tcp.so
ctrl_tcp_listen 127.0.0.1:$4
rtp_ports $RTP_LO-$RTP_HI
EOF
	params=
	[ "$TP" = udp ] || params=";transport=$TP"
	printf '<sip:%s@%s%s>;auth_pass=%s;outbound="sip:%s:%s%s";regint=%s;answermode=auto\n' \
	    "$1" "$DOMAIN" "$params" "$2" "$SW_IP" "$SW_PORT" "$params" \
	    "$REG_EXPIRES" >"$d/accounts"
	: >"$d/contacts"
}

config "$A_USER" "$A_PASS" "$A_SIP" "$A_CTL"
config "$B_USER" "$B_PASS" "$B_SIP" "$B_CTL"

# start USER CTL_PORT: baresip with its SIP trace in $CELL_DIR/USER.trace
start() {
	baresip -f "$CELL_DIR/$1" -s </dev/null >"$CELL_DIR/$1.trace" 2>&1 &
	eval "PID_$1=\$!"
	track "$!"
	wait_port tcp "$2" 10 || {
		tail -n 20 "$CELL_DIR/$1.trace" >&2
		# Installed but not starting is a failure, not a skip.
		echo "STEP register fail baresip for $1 did not open its ctrl_tcp port $2 within 10 s"
		exit 1
	}
}
start "$A_USER" "$A_CTL"
start "$B_USER" "$B_CTL"

BARESIP_A_TRACE=$CELL_DIR/$A_USER.trace python3 "$CLIENTS_DIR/baresip_ctl.py" steps "$A_CTL" "$B_CTL" \
    "sip:$A_USER@$DOMAIN" "sip:$B_USER@$DOMAIN" "sip:$B_USER@$DOMAIN" ||
    STEPS_FAILED=1

# unregister: both were asked to quit; each must be gone within 30 s (a
# callee whose 200 was never ACKed waits for its 32 s timer first) and its
# trace must show the 200 to its REGISTER with expires=0.
why=
for u in "$A_USER" "$B_USER"; do
	eval "pid=\$PID_$u"
	if ! wait_gone "$pid" 30; then
		why="${why:+$why; }$u did not quit within 30 s"
		continue
	fi
	out=$(python3 "$CLIENTS_DIR/baresip_ctl.py" unregistered "$CELL_DIR/$u.trace") ||
	    why="${why:+$why; }$u: $out"
done
if [ -z "$why" ]; then step unregister ok; else step unregister fail "$why"; fi
exit "$STEPS_FAILED"
