#!/bin/bash
# Interop driver: Linphone's console client (Debian linphone-cli 5.1,
# linphonec 5.1.65) against sipwarden, one TRANSPORT (udp|tcp|tls) a run.
#
#   bash tests/interop/clients/linphone.sh TRANSPORT
#
# Environment (the interop matrix's driver contract): SW_IP SW_PORT DOMAIN
# A_USER A_PASS B_USER B_PASS CLIENT_PORT_BASE (20 ports from here) CELL_DIR
# TLS_CA REG_EXPIRES NONCE_TTL.
#
# Two linphonec processes (A and B), each with its own HOME, linphonerc
# (from linphonerc.in beside this file) and ports: A uses CLIENT_PORT_BASE
# +0 (SIP) +2 (audio RTP/RTCP) +4 (video) +6 (text), B the same from +10.
# Both bind to 127.0.0.1 only; the account's server address and route are
# sipwarden (SW_IP:SW_PORT;transport=TRANSPORT): linphone 5.1 sends a
# REGISTER to the server address (Request-URI sip:DOMAIN, from the
# identity) and every other request through the route. For TLS the server
# is named "localhost" (linphone verifies the certificate with mbedtls 2,
# which matches DNS names only, never an IP address SAN), resolved to
# SW_IP through /etc/hosts, and checked against TLS_CA (root_ca,
# verify_server_certs=1, verify_server_cn=1).
#
# Each linphonec reads its commands from a FIFO (stdin; no terminal is
# needed: readline reads the FIFO) and writes its console output and its
# log (-d 6 -l FILE) into CELL_DIR/a and CELL_DIR/b. Commands used:
# "soundcard use files" (no sound card: media from/to wav files),
# "status register", "call", "terminate", "register IDENTITY PROXY",
# "unregister", "quit"; B runs with -a (auto-answer). What a step reports
# is what the client printed: the console's registration status and call
# lines ("Call N with X connected.", "... ended (...)"), and the log's
# account state changes ("moving from state [..] to [LinphoneRegistrationOk]",
# "... to [LinphoneRegistrationCleared]") and refresher results
# ("Register refresher [200] ...").
#
# Steps, one "STEP NAME ok" or "STEP NAME fail WHY" line each on stdout:
#   register    A and B register at start-up (REG_EXPIRES); both report
#               "registered, identity=sip:USER@DOMAIN" to "status register"
#   call        A calls sip:B_USER@DOMAIN, B auto-answers, both report the
#               call connected (A: 200 received, ACK sent; B: ACK received),
#               ~1 s later A hangs up ("terminate": BYE), both report it
#               ended
#   refresh     after NONCE_TTL+1 s A is made to register again (see
#               refresh_step: a new REGISTER with the credentials and
#               nonce it holds, stale by then) and its log reports a new
#               LinphoneRegistrationOk
#   unregister  A and B "unregister": each log shows a REGISTER with
#               Expires: 0 sent, its 200 and LinphoneRegistrationCleared,
#               and "status register" says registered=0
# No step takes over 30 s. Exit 0 when all are ok, 1 otherwise, 77 after
# "SKIP why" when linphonec or the transport cannot run here. Every
# process started is ended by the EXIT trap (by PID); every wait is
# bounded.
#
# What linphone does on the wire (seen with sipwarden and Kamailio): it
# sends SHA-256 digests, the Request-URI as the digest uri; its first
# INVITE already carries Proxy-Authorization with the nonce of its
# REGISTER's 401 (nc=00000002), so that INVITE is not challenged while the
# nonce is fresh; with a GRUU from the registrar (Kamailio gives one for
# +sip.instance) its Contact in dialogs is the GRUU; its ACK and BYE carry
# Proxy-Authorization too. TCP/TLS connections come from ephemeral ports
# (linphonec has no setting for their local port).
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
TRANSPORT=${1:-}
case $TRANSPORT in
udp | tcp | tls) ;;
*)
	echo "usage: $0 udp|tcp|tls" >&2
	exit 2
	;;
esac
for v in SW_IP SW_PORT DOMAIN A_USER A_PASS B_USER B_PASS CLIENT_PORT_BASE \
	CELL_DIR REG_EXPIRES NONCE_TTL; do
	if [ -z "${!v:-}" ]; then
		echo "$0: $v is not set" >&2
		exit 2
	fi
done

skip() {
	printf 'SKIP %s\n' "$*"
	exit 77
}

PIDS=
cleanup() {
	local p any
	for p in $PIDS; do kill -TERM "$p" 2>/dev/null || :; done
	for _ in $(seq 1 30); do
		any=
		for p in $PIDS; do kill -0 "$p" 2>/dev/null && any=1; done
		[ -n "$any" ] || break
		sleep 0.1
	done
	for p in $PIDS; do kill -KILL "$p" 2>/dev/null || :; done
}
trap cleanup EXIT
trap 'exit 143' TERM INT

# ---- can it run here? ------------------------------------------------------

command -v linphonec >/dev/null 2>&1 ||
	skip "linphonec not found (Debian package linphone-cli)"
LP_VERSION=$(linphonec -v 2>/dev/null | sed -n 's/^version: *//p' | head -n 1)
case $LP_VERSION in
5.*) ;;
*) skip "linphonec version '${LP_VERSION:-unknown}': this driver knows linphonec 5.x (its commands, output and linphonerc keys)" ;;
esac
command -v mkfifo >/dev/null 2>&1 || skip "mkfifo not found"
[ -r "$HERE/linphonerc.in" ] || { echo "$0: $HERE/linphonerc.in missing" >&2; exit 2; }

SW_HOST=$SW_IP
if [ "$TRANSPORT" = tls ]; then
	if [ -z "${TLS_CA:-}" ] || [ ! -r "$TLS_CA" ]; then
		echo "$0: TLS_CA is not a readable file (${TLS_CA:-unset})" >&2
		exit 2
	fi
	# mbedtls 2 (Debian 12) checks a certificate against DNS names only:
	# name sipwarden "localhost", which must lead to SW_IP.
	getent ahostsv4 localhost 2>/dev/null | awk '{print $1}' | grep -qx "$SW_IP" ||
		skip "tls: 'localhost' does not resolve to $SW_IP here, and linphone (mbedtls 2) cannot verify a certificate for an IP address"
	SW_HOST=localhost
fi

mkdir -p "$CELL_DIR"

# ---- the two clients -------------------------------------------------------

# sedrep STRING: STRING as the replacement of a sed s|||
sedrep() { printf '%s' "$1" | sed -e 's/[\\|&]/\\&/g'; }

# client_start NAME USER PASS PORT_OFFSET [linphonec options]
# Leaves NAME's directory in D_NAME, its command fd in FD_NAME, its PID
# in PID_NAME.
client_start() {
	local name=$1 user=$2 pass=$3 off=$4 dir port udp=0 tcp=0 tls=0 fd
	shift 4
	dir=$CELL_DIR/$name
	rm -rf "$dir"
	mkdir -p "$dir/home/.local/share/linphone"
	port=$((CLIENT_PORT_BASE + off))
	case $TRANSPORT in
	udp) udp=$port ;;
	tcp) tcp=$port ;;
	tls) tls=$port ;;
	esac
	sed -e "s|@SIP_UDP_PORT@|$udp|g" -e "s|@SIP_TCP_PORT@|$tcp|g" \
		-e "s|@SIP_TLS_PORT@|$tls|g" \
		-e "s|@AUDIO_RTP_PORT@|$((port + 2))|g" \
		-e "s|@VIDEO_RTP_PORT@|$((port + 4))|g" \
		-e "s|@TEXT_RTP_PORT@|$((port + 6))|g" \
		-e "s|@TLS_CA@|$(sedrep "${TLS_CA:-}")|g" \
		-e "s|@HOME@|$(sedrep "$dir/home")|g" \
		-e "s|@TRANSPORT@|$TRANSPORT|g" -e "s|@SW_HOST@|$(sedrep "$SW_HOST")|g" \
		-e "s|@SW_PORT@|$SW_PORT|g" -e "s|@REG_EXPIRES@|$REG_EXPIRES|g" \
		-e "s|@USER@|$(sedrep "$user")|g" -e "s|@PASS@|$(sedrep "$pass")|g" \
		-e "s|@DOMAIN@|$(sedrep "$DOMAIN")|g" \
		"$HERE/linphonerc.in" | grep -v '^#' >"$dir/linphonerc"
	chmod 600 "$dir/linphonerc"
	mkfifo "$dir/in"
	# Held open read-write here, so that linphonec never sees EOF.
	exec {fd}<>"$dir/in"
	# Its files under $dir only: no XDG folder of the caller's.
	env -u XDG_CONFIG_HOME -u XDG_DATA_HOME -u XDG_CACHE_HOME \
	    -u XDG_STATE_HOME HOME="$dir/home" linphonec -c "$dir/linphonerc" -d 6 -l "$dir/linphone.log" "$@" \
		<"$dir/in" >"$dir/out" 2>"$dir/err" &
	PIDS="$PIDS $!"
	printf -v "PID_$name" %s "$!"
	printf -v "FD_$name" %s "$fd"
	printf -v "D_$name" %s "$dir"
}

dir_of() { local v=D_$1; printf %s "${!v}"; }

# send NAME COMMAND: one console command
send() {
	local v=FD_$1
	printf '%s\n' "$2" >&"${!v}"
}

alive() { local v=PID_$1; kill -0 "${!v}" 2>/dev/null; }

# count NAME out|log REGEX: lines of the console output / log matching
count() {
	local f=linphone.log
	[ "$2" != out ] || f=out
	grep -c -E -- "$3" "$(dir_of "$1")/$f" 2>/dev/null || :
}

# The bound of the step under way: every wait ends by STEP_END (SECONDS).
STEP_END=$((SECONDS + 30))
step_start() { STEP_END=$((SECONDS + 30)); }
# capped SECONDS: SECONDS, or less if the step's bound is nearer
capped() {
	local left=$((STEP_END - SECONDS))
	[ "$left" -gt 0 ] || left=0
	if [ "$1" -lt "$left" ]; then echo "$1"; else echo "$left"; fi
}

# wait_count NAME out|log REGEX N SECONDS: until at least N lines match
wait_count() {
	local n
	for _ in $(seq 1 $(($(capped "$5") * 10))); do
		n=$(count "$1" "$2" "$3")
		[ "${n:-0}" -ge "$4" ] && return 0
		alive "$1" || return 1
		sleep 0.1
	done
	return 1
}

# ask NAME COMMAND REGEX SECONDS: send COMMAND and print the first line
# of output after it that matches REGEX (status 1 if none in time)
ask() {
	local out off line
	out=$(dir_of "$1")/out
	off=$(($(stat -c %s "$out") + 1))
	send "$1" "$2"
	for _ in $(seq 1 $(($4 * 10))); do
		line=$(tail -c "+$off" "$out" | grep -m 1 -o -E -- "$3" || :)
		if [ -n "$line" ]; then
			printf '%s\n' "$line"
			return 0
		fi
		sleep 0.1
	done
	return 1
}

# reg_status NAME: the answer to "status register" (registered, identity=...
# duration=N | registered=-1 (enabled, not registered) | registered=0)
reg_status() {
	ask "$1" "status register" 'registered(, identity=[^ ]+ duration=[0-9]+|=-?[0-9]+)' 3 ||
		echo "no answer to 'status register'"
}

# registered NAME USER: does NAME say it is registered as USER?
registered() {
	case $(reg_status "$1") in
	"registered, identity=sip:$2@$DOMAIN "*) return 0 ;;
	esac
	return 1
}

# password_prompt NAME: did linphonec stop to ask for a password (it does
# when its credentials were refused; its main loop waits for the answer)?
password_prompt() {
	grep -q 'Password for .* on .*:' "$(dir_of "$1")/out" 2>/dev/null
}

# why_reg NAME: what the client last said about its registration
why_reg() {
	local d st last
	d=$(dir_of "$1")
	if ! alive "$1"; then
		printf 'linphonec %s exited: %s' "$1" "$(tail -n 1 "$d/err" 2>/dev/null)"
		return
	fi
	if password_prompt "$1"; then
		printf '%s: linphonec asks for a password (credentials refused)' "$1"
		return
	fi
	st=$(reg_status "$1")
	last=$(grep -o -E 'Register refresher \[[0-9]+\] reason \[[^]]*\]' "$d/linphone.log" | tail -n 1)
	printf '%s: %s; last: %s' "$1" "$st" "${last:-no REGISTER answered}"
	if [ "$TRANSPORT" = tls ]; then
		local t
		t=$(grep -o -E 'SSL handshake failed : .*|Found certificate depth=\[0\], flags=\[[^]]*[^ ]\s*\]' "$d/linphone.log" | tail -n 2 | tr '\n' ' ')
		[ -z "$t" ] || printf '; tls: %s' "$t"
	fi
}

client_quit() {
	local v=PID_$1
	alive "$1" || return 0
	send "$1" quit
	for _ in $(seq 1 50); do
		alive "$1" || return 0
		sleep 0.1
	done
	kill -TERM "${!v}" 2>/dev/null || :
}

# log_size NAME: bytes in NAME's log now (a mark for log_since)
log_size() { stat -c %s "$(dir_of "$1")/linphone.log" 2>/dev/null || echo 0; }

# log_since NAME MARK: NAME's log from MARK on
log_since() { tail -c "+$(($2 + 1))" "$(dir_of "$1")/linphone.log" 2>/dev/null || :; }

# sent REGEX: does a message that the log on stdin shows as sent ("message
# sent to ...", then the message up to the next log line) have a line
# matching REGEX (awk)?
sent() {
	awk -v re="$1" '
	    / message sent to / { s = 1; next }
	    /^[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9] / { s = 0 }
	    s && $0 ~ re { f = 1 }
	    END { exit !f }'
}

# call_end NAME: how NAME's last call went (the console's error/end line)
call_end() {
	grep -o -E 'Call [0-9]+ (with|to) [^ ]+ (error|ended \([^)]*\))\.' "$(dir_of "$1")/out" | tail -n 1
}

# pause SECONDS: sleep in short steps (a TERM is handled between them)
pause() {
	for _ in $(seq 1 $(($1 * 5))); do sleep 0.2; done
}

RC=0
WHY=
step() { # step NAME ok | step NAME fail WHY
	printf 'STEP %s\n' "$*"
	[ "$2" = ok ] || RC=1
}

# ---- start -----------------------------------------------------------------

client_start a "$A_USER" "$A_PASS" 0
client_start b "$B_USER" "$B_PASS" 10 -a
for c in a b; do
	if ! ask "$c" "soundcard use files" 'Using wav files instead of soundcard' 10 >/dev/null; then
		# Installed but not starting is a failure, not a skip.
		if alive "$c"; then
			echo "STEP register fail linphonec $c does not answer its console (no reply to 'soundcard use files' in 10 s)"
			exit 1
		fi
		echo "STEP register fail linphonec $c exits at start: $(tail -n 3 "$(dir_of "$c")/err" | tr '\n' ' ')"
		exit 1
	fi
done
# Its listening point for TRANSPORT (opened once linphone finds the
# network up, which it does at start)
LP=${TRANSPORT^^}
START_WHY=
for c in a b; do
	if ! wait_count "$c" log "Creating listening point .*transport=$LP\]" 1 5; then
		echo "STEP register fail $TRANSPORT: linphonec $c opened no $LP listening point"
		exit 1
	fi
	sleep 0.2
	e=$(grep -o -E '(belle-sip|liblinphone)-error-.*(bind|listen)\(\) failed.*' "$(dir_of "$c")/linphone.log" | tail -n 1)
	[ -z "$e" ] || START_WHY="${START_WHY:+$START_WHY; }$c: ${e#*-error-}"
done

# ---- register --------------------------------------------------------------

register_step() {
	local a="" b=""
	WHY=$START_WHY
	[ -z "$WHY" ] || return 1
	for _ in $(seq 1 "$(capped 20)"); do
		[ -n "$a" ] || ! registered a "$A_USER" || a=1
		[ -n "$b" ] || ! registered b "$B_USER" || b=1
		[ -z "$a" ] || [ -z "$b" ] || return 0
		if ! alive a || ! alive b; then break; fi
		password_prompt a && break
		password_prompt b && break
		[ "$SECONDS" -lt "$STEP_END" ] || break
		sleep 1
	done
	WHY=
	[ -n "$a" ] || WHY=$(why_reg a)
	[ -n "$b" ] || WHY="${WHY:+$WHY; }$(why_reg b)"
	return 1
}
step_start
REG_OK=
if register_step; then
	REG_OK=1
	step register ok
else
	step register fail "$WHY"
fi

# ---- call ------------------------------------------------------------------

call_step() {
	local e
	WHY="not tried: register failed"
	[ -n "$REG_OK" ] || return 1
	send a "call sip:$B_USER@$DOMAIN"
	if ! wait_count b out 'Receiving new incoming call from' 1 8; then
		e=$(call_end a)
		WHY="B saw no INVITE${e:+; A: $e}"
		return 1
	fi
	if ! wait_count a out "Call [0-9]+ with [^ ]*$B_USER@[^ ]* connected\." 1 6; then
		e=$(call_end a)
		WHY="A's call did not connect${e:+ ($e)}"
		return 1
	fi
	if ! wait_count b out "Call [0-9]+ with [^ ]*$A_USER@[^ ]* connected\." 1 4; then
		e=$(call_end b)
		WHY="B's call did not connect (no ACK?)${e:+ ($e)}"
		return 1
	fi
	sleep 1
	if [ "$(count a out 'Call [0-9]+ with .* ended')" -ne 0 ]; then
		WHY="A's call ended by itself after it connected: $(call_end a)"
		return 1
	fi
	send a terminate
	if ! wait_count a out "Call [0-9]+ with [^ ]*$B_USER@[^ ]* ended" 1 5; then
		WHY="A did not see its call end after 'terminate'"
		return 1
	fi
	if ! wait_count b out "Call [0-9]+ with [^ ]*$A_USER@[^ ]* ended" 1 5; then
		WHY="B did not see the call end (no BYE?)"
		return 1
	fi
}
step_start
if call_step; then step call ok; else step call fail "$WHY"; fi

# ---- refresh ---------------------------------------------------------------

# linphonec 5.1 has no refresh command, and "register IDENTITY PROXY" with
# the settings the account already has does nothing. Given the same proxy
# with a ";method=REGISTER" parameter (a URI that is not equal to the old
# one under RFC 3261 §19.1.4, with the same host, port and transport;
# used only as the next hop of the REGISTER, never sent), linphone takes
# the server address as "weakly" changed: it stops the old registration's
# refresher without unregistering and registers again: a new REGISTER for
# the same contact, with the credentials (and nonce) it holds, stale by
# now.
refresh_step() {
	local n st mark seg proxy="<sip:$SW_HOST:$SW_PORT;transport=$TRANSPORT;method=REGISTER>"
	WHY="not tried: register failed"
	[ -n "$REG_OK" ] || return 1
	pause $((NONCE_TTL + 1))
	step_start
	n=$(count a log 'to \[LinphoneRegistrationOk\]')
	mark=$(log_size a)
	send a "register sip:$A_USER@$DOMAIN $proxy"
	if ! wait_count a log 'to \[LinphoneRegistrationOk\]' $((n + 1)) 20; then
		WHY="no new registration reported in 20 s: $(why_reg a)"
		return 1
	fi
	seg=$(log_since a "$mark")
	if ! sent '^REGISTER ' <<<"$seg" || ! grep -q 'Register refresher \[200\]' <<<"$seg"; then
		WHY="A reports registered but its log shows no REGISTER sent and answered 200 since 'register'"
		return 1
	fi
	st=$(reg_status a)
	case $st in
	"registered, identity=sip:$A_USER@$DOMAIN "*) return 0 ;;
	*)
		WHY="A: '$st' after the new registration"
		return 1
		;;
	esac
}
if refresh_step; then step refresh ok; else step refresh fail "$WHY"; fi

# ---- unregister ------------------------------------------------------------

# "unregister" disables registration on the default account: linphone
# sends REGISTER with Expires: 0 and, on the 200, moves the account to
# LinphoneRegistrationCleared; "status register" then says registered=0.
unregister_step() {
	local c st seg n mark
	WHY="not tried: register failed"
	[ -n "$REG_OK" ] || return 1
	WHY=
	for c in a b; do
		printf -v "MARK_$c" %s "$(log_size "$c")"
		printf -v "CLEARED_$c" %s "$(count "$c" log 'to \[LinphoneRegistrationCleared\]')"
		send "$c" unregister
	done
	for c in a b; do
		n=CLEARED_$c
		mark=MARK_$c
		if ! wait_count "$c" log 'to \[LinphoneRegistrationCleared\]' $((${!n} + 1)) 15; then
			WHY="${WHY:+$WHY; }$c: not cleared in 15 s: $(why_reg "$c")"
			continue
		fi
		seg=$(log_since "$c" "${!mark}")
		if ! sent '^Expires: 0' <<<"$seg"; then
			WHY="${WHY:+$WHY; }$c: cleared without sending Expires: 0"
		elif ! grep -q 'Register refresher \[200\]' <<<"$seg"; then
			WHY="${WHY:+$WHY; }$c: cleared without a 200 to its REGISTER"
		else
			st=$(reg_status "$c")
			[ "$st" = registered=0 ] || WHY="${WHY:+$WHY; }$c: '$st' after unregister"
		fi
	done
	[ -z "$WHY" ]
}
step_start
if unregister_step; then step unregister ok; else step unregister fail "$WHY"; fi

client_quit a
client_quit b
exit $RC
