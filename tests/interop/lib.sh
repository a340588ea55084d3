# Sourced by tests/interop/cell.sh: the integration harness
# (tests/integration/lib.sh: process tracking, the EXIT trap, sipwarden
# start/stop, log assertions) plus what a cell of the interop matrix needs
# on top: a test CA and a server certificate, the users file, Kamailio as
# the PBX, and the per-step results.
#
# Environment (set by tests/interop/meson.build):
#   SIPWARDEN   the binary under test
#   PORT_BASE   first of the 40 ports this cell may use (27000-27999)
#   SRCDIR      tests/interop
#   RESULT_DIR  where the cell writes its line of the matrix
#
# Ports of a cell: PORT_BASE Kamailio (UDP and TCP, on 127.0.0.2: from a
# tcp upstream's address every connection is the PBX's, so the phones on
# 127.0.0.1 must not share it), +1 sipwarden udp, +2 tcp, +3 tls, +4..+9
# spare, +10..+29 the client driver's (CLIENT_PORT_BASE).

: "${SRCDIR:?SRCDIR must name tests/interop}"
: "${RESULT_DIR:?RESULT_DIR must be set by the test registration}"
INTEROP_DIR=$SRCDIR
SRCDIR=$INTEROP_DIR/../integration
# shellcheck source=../integration/lib.sh
. "$SRCDIR/lib.sh"

DOMAIN=interop.test
KAM_IP=127.0.0.2
KAM_PORT=$PORT_BASE
SW_UDP=$((PORT_BASE + 1))
SW_TCP=$((PORT_BASE + 2))
SW_TLS=$((PORT_BASE + 3))
CLIENT_PORT_BASE=$((PORT_BASE + 10))
KAM_LOG=$T/kamailio.log
KAM_CTL=$T/kamailio.ctl
KAM_PID=
# A failed cell shows the tail of sipwarden's log and of $T/*.err and
# $T/*.out (lib.sh's dump_logs): Kamailio's table as read (kam_ul.out)
# and the INTEROP lines of its log (kamailio.out, written at the end).

# make_ca: a test CA and a server certificate signed by it for
# 127.0.0.1 / localhost (EC P-256), made now: $T/ca.pem, $T/cert.pem,
# $T/key.pem (mode 600).
make_ca() {
	{
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
		    -nodes -days 2 -subj "/CN=sipwarden interop test CA" \
		    -addext basicConstraints=critical,CA:TRUE \
		    -addext keyUsage=critical,keyCertSign,cRLSign \
		    -keyout "$T/ca.key" -out "$T/ca.pem" &&
		openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
		    -nodes -subj /CN=localhost \
		    -keyout "$T/key.pem" -out "$T/server.csr" &&
		printf '%s\n' 'subjectAltName=IP:127.0.0.1,DNS:localhost' \
		    'basicConstraints=CA:FALSE' 'extendedKeyUsage=serverAuth' \
		    >"$T/server.ext" &&
		openssl x509 -req -in "$T/server.csr" -CA "$T/ca.pem" \
		    -CAkey "$T/ca.key" -CAcreateserial -days 2 \
		    -extfile "$T/server.ext" -out "$T/cert.pem" &&
		openssl verify -CAfile "$T/ca.pem" "$T/cert.pem"
	} >"$T/openssl.log" 2>&1 || {
		cat "$T/openssl.log" >&2
		fail "openssl could not make the test CA and certificate"
	}
	chmod 600 "$T/key.pem" "$T/ca.key"
}

# make_users USER PASS...: the users file ($T/users, mode 0600) with the
# three HA1 hashes of each user, written by `sipwarden passwd`.
make_users() {
	while [ $# -ge 2 ]; do
		printf '%s\n' "$2" | "$SIPWARDEN" passwd "$T/users" "$DOMAIN" "$1" \
		    >>"$T/passwd.log" 2>&1 ||
		    fail "sipwarden passwd could not add $1 (see passwd.log)"
		shift 2
	done
	[ "$(stat -c %a "$T/users")" = 600 ] ||
	    fail "users file is mode $(stat -c %a "$T/users"), want 600"
}

# ---- Kamailio ---------------------------------------------------------

# kam_start: Kamailio on KAM_IP:KAM_PORT (UDP and TCP) with
# tests/interop/kamailio.cfg, in the foreground (-DD), its log on
# stderr into $KAM_LOG, its control socket at $KAM_CTL; wait (10 s at
# most) until it answers there.
kam_start() {
	local i
	mkdir -p "$T/kamrun"
	kamailio -DD -E -f "$INTEROP_DIR/kamailio.cfg" -Y "$T/kamrun" \
	    -P "$T/kamailio.pid" -m 32 -M 4 \
	    -l "udp:$KAM_IP:$KAM_PORT" -l "tcp:$KAM_IP:$KAM_PORT" \
	    -A "CTL_SOCK=\"unix:$KAM_CTL\"" >"$KAM_LOG" 2>&1 &
	KAM_PID=$!
	track "$KAM_PID"
	for i in $(seq 100); do
		if [ -S "$KAM_CTL" ] &&
		    timeout 5 kamcmd -s "unix:$KAM_CTL" core.version 2>/dev/null |
		    grep -q kamailio; then
			return 0
		fi
		alive "$KAM_PID" || {
			tail -n 20 "$KAM_LOG" >&2
			fail "kamailio exited during start-up"
		}
		sleep 0.1
	done
	fail "kamailio did not answer on $KAM_CTL within 10 s"
}

# kam_rpc CMD ARGS...: a kamcmd call on our Kamailio (5 s at most).
kam_rpc() {
	timeout 5 kamcmd -s "unix:$KAM_CTL" "$@" 2>&1 || :
}

# kam_contacts USER: what Kamailio's location table holds for USER
# (kamcmd ul.lookup), or nothing when it holds no contact.
kam_contacts() {
	local out
	out=$(kam_rpc ul.lookup location "$1")
	case $out in
	*"AOR not found"* | "") ;;
	*) printf '%s\n' "$out" ;;
	esac
}

kam_stop() {
	grep -E 'INTEROP ' "$KAM_LOG" | sed 's/^.*<script>: //' >"$T/kamailio.out" || :
	[ -n "$KAM_PID" ] || return 0
	kill -TERM "$KAM_PID" 2>/dev/null || :
	wait_gone "$KAM_PID" 10 || kill -KILL "$KAM_PID" 2>/dev/null || :
	reap "$KAM_PID"
	KAM_PID=
}
