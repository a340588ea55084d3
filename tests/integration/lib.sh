# Sourced by every integration case (tests/integration/*.sh).
#
# Environment (set by tests/integration/meson.build):
#   SIPWARDEN  the binary under test
#   PORT_BASE  first of the 10 UDP ports this case may use (plus
#              SW_PORT_OFFSET from the caller's environment, if set)
#   SRCDIR     this directory (scenarios/, swsip.py)
#
# Ports of a case: SW_PORT (sipwarden), PBX_PORT (the upstream), UA_PORT
# and UA2_PORT (clients), AUX_PORT (anything else), SW2_PORT .. PORT_BASE+9
# spare.  Only loopback addresses are used.
#
# Every process started here is recorded by PID; the EXIT trap stops
# exactly those (TERM, then KILL after a bounded wait) and removes the
# temporary directory (kept when KEEP_TMP is set, for debugging).  Every
# wait is bounded.

set -eu

: "${SIPWARDEN:?SIPWARDEN must name the sipwarden binary}"
: "${PORT_BASE:?PORT_BASE must be set by the test registration}"
: "${SRCDIR:?SRCDIR must name tests/integration}"

CASE=$(basename "$0" .sh)
PORT_BASE=$((PORT_BASE + ${SW_PORT_OFFSET:-0}))
SCEN_DIR=$SRCDIR/scenarios
IP=${CASE_IP:-127.0.0.1}
SW_PORT=$PORT_BASE
PBX_PORT=$((PORT_BASE + 1))
UA_PORT=$((PORT_BASE + 2))
UA2_PORT=$((PORT_BASE + 3))
AUX_PORT=$((PORT_BASE + 4))
SW2_PORT=$((PORT_BASE + 5))
REALM=sipwarden.test
export CASE IP SW_PORT PBX_PORT UA_PORT UA2_PORT AUX_PORT SW2_PORT REALM
export PYTHONPATH=$SRCDIR${PYTHONPATH:+:$PYTHONPATH}
export PYTHONDONTWRITEBYTECODE=1

T=$(mktemp -d "${TMPDIR:-/tmp}/sipwarden-$CASE.XXXXXX")
export T
SW_CONF=$T/sw.conf
SW_LOG=$T/sw.log     # sipwarden's stderr (its log, and sanitizer reports)
SW_EVLOG=$SW_LOG     # where its log lines go (a case using "log FILE" moves it)
SW_START_RE='event=start'
SW_STOP_RE='INFO event=stop'
SW_PID=
PIDS=

# ---- messages and failure ------------------------------------------------

note() {
	printf '%s: %s\n' "$CASE" "$*" >&2
}

fail() {
	printf 'FAIL: %s: %s\n' "$CASE" "$*" >&2
	exit 1
}

skip() {
	printf 'SKIP: %s: %s\n' "$CASE" "$*" >&2
	exit 77
}

# ---- processes -----------------------------------------------------------

track() {
	PIDS="$PIDS $1"
}

untrack() {
	local p out=
	for p in $PIDS; do
		[ "$p" = "$1" ] || out="$out $p"
	done
	PIDS=$out
}

# Is PID running (a zombie counts as gone)?
alive() {
	local state
	[ -r "/proc/$1/stat" ] || return 1
	state=$(sed 's/^.*) \(.\).*$/\1/' "/proc/$1/stat" 2>/dev/null) ||
	    return 1
	[ -n "$state" ] && [ "$state" != Z ] && [ "$state" != X ]
}

# Wait up to $2 seconds (default 10) for PID $1 to end; 1 if it did not.
wait_gone() {
	local i n=$((${2:-10} * 10))
	for i in $(seq "$n"); do
		alive "$1" || return 0
		sleep 0.1
	done
	! alive "$1"
}

# Reap PID $1 (one we started); its exit status goes to REAP_RC.
reap() {
	REAP_RC=0
	wait "$1" || REAP_RC=$?
	untrack "$1"
}

cleanup() {
	local rc=$? p
	trap - EXIT
	for p in $PIDS; do
		kill -TERM "$p" 2>/dev/null || :
	done
	for p in $PIDS; do
		wait_gone "$p" 5 || kill -KILL "$p" 2>/dev/null || :
		wait "$p" 2>/dev/null || :
	done
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ]; then
		dump_logs
	fi
	if [ -n "${KEEP_TMP:-}" ]; then
		note "kept $T"
	else
		rm -rf "$T"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# Show what we have when a case fails.
dump_logs() {
	local f
	local ev=
	[ "$SW_EVLOG" = "$SW_LOG" ] || ev=$SW_EVLOG
	for f in "$SW_LOG" $ev "$T"/*.err "$T"/*.out; do
		[ -s "$f" ] || continue
		printf -- '---- %s (last 30 lines)\n' "${f#"$T"/}" >&2
		grep -v -e '^ *|' -e '^--' "$f" | tail -n 30 | cut -c1-400 >&2
	done
}

# ---- sipwarden -----------------------------------------------------------

# Hash a password the htdigest way: user:realm:md5(user:realm:password).
users_line() {
	printf '%s:%s:%s\n' "$1" "$2" \
	    "$(printf '%s:%s:%s' "$1" "$2" "$3" | md5sum | cut -d' ' -f1)"
}

# hostport IP PORT: 127.0.0.1:5060 or [::1]:5060
hostport() {
	case $1 in
	*:*) printf '[%s]:%s' "$1" "$2" ;;
	*) printf '%s:%s' "$1" "$2" ;;
	esac
}

# Write $SW_CONF (and the users file) for this case.  Extra arguments
# are appended as lines; "workers" and "log_level" may be overridden by
# SW_WORKERS and SW_LOGLEVEL.
sw_config() {
	local line
	if [ ! -e "$T/users" ]; then
		{
			echo "# integration test users"
			users_line alice "$REALM" alicepw
			users_line bob "$REALM" bobpw
		} >"$T/users"
		chmod 600 "$T/users"
	fi
	{
		echo "# $CASE: written by lib.sh"
		echo "listen udp:$(hostport "$IP" "$SW_PORT")"
		echo "upstream udp:$(hostport "$IP" "$PBX_PORT")"
		echo "realm $REALM"
		echo "users users"
		echo "workers ${SW_WORKERS:-2}"
		echo "log_level ${SW_LOGLEVEL:-debug}"
		# The forwarding cases trust their loopback clients; the
		# authentication cases set SW_AUTH=1 and answer challenges.
		if [ -z "${SW_AUTH:-}" ]; then
			case $IP in
			*:*) echo "trust $IP/128" ;;
			*) echo "trust $IP/32" ;;
			esac
		fi
		for line in "$@"; do
			echo "$line"
		done
	} >"$SW_CONF"
}

# Start sipwarden on $SW_CONF; wait (5 s at most) for event=start.
sw_start() {
	local i
	[ -e "$SW_CONF" ] || sw_config
	"$SIPWARDEN" -c "$SW_CONF" >>"$SW_LOG" 2>&1 &
	SW_PID=$!
	track "$SW_PID"
	for i in $(seq 100); do
		if grep -Eq "$SW_START_RE" "$SW_EVLOG" 2>/dev/null; then
			return 0
		fi
		if ! alive "$SW_PID"; then
			reap "$SW_PID"
			fail "sipwarden exited during start-up (status $REAP_RC)"
		fi
		sleep 0.05
	done
	fail "sipwarden did not log /$SW_START_RE/ within 5 s"
}

# sanitizer_check FILE [WHAT]: fail if FILE (the stderr of a sipwarden
# run) has a sanitizer report: UBSan "runtime error:", an ASan error, or
# LeakSanitizer's leaks at exit.
sanitizer_check() {
	local summary
	if grep -Eq 'ERROR: (Address|Leak|Thread|Memory)Sanitizer|runtime error:|SUMMARY: (Address|Undefined)' "$1"; then
		grep -E -A12 'ERROR: |runtime error:' "$1" | head -n 40 >&2
		summary=$(grep -E -m1 'SUMMARY: |runtime error:' "$1" | cut -c1-200)
		fail "sanitizer report from sipwarden${2:+ ($2)}: $summary"
	fi
}

sw_sanitizer_check() {
	sanitizer_check "$SW_LOG"
}

# SIGTERM sipwarden; it must exit 0 within 15 s and log event=stop.
sw_stop() {
	local rc
	[ -n "$SW_PID" ] || fail "sw_stop: sipwarden is not running"
	if ! alive "$SW_PID"; then
		reap "$SW_PID"
		sw_sanitizer_check
		fail "sipwarden died before the end of the case (status $REAP_RC)"
	fi
	kill -TERM "$SW_PID"
	wait_gone "$SW_PID" 15 || fail "sipwarden still running 15 s after SIGTERM"
	reap "$SW_PID"
	rc=$REAP_RC
	SW_PID=
	sw_sanitizer_check
	[ "$rc" -eq 0 ] || fail "sipwarden exited with status $rc after SIGTERM (want 0)"
	log_has "$SW_STOP_RE" "SIGTERM logs event=stop"
}

sw_alive() {
	alive "$SW_PID" || fail "sipwarden is not running any more"
}

# ---- log assertions ------------------------------------------------------

# log_has REGEX [WHAT]: the sipwarden log has a line matching REGEX.
log_has() {
	grep -Eq -- "$1" "$SW_EVLOG" ||
	    fail "log has no line matching /$1/${2:+ ($2)}"
}

# log_lacks REGEX [WHAT]: no line of the sipwarden log matches REGEX.
log_lacks() {
	if grep -Eq -- "$1" "$SW_EVLOG"; then
		grep -E -- "$1" "$SW_EVLOG" | head -n 5 >&2
		fail "log has a line matching /$1/${2:+ ($2)}"
	fi
}

# log_count REGEX: how many lines match.
log_count() {
	grep -Ec -- "$1" "$SW_EVLOG" || :
}

# log_wait REGEX [SECONDS]: wait (default 5 s) for a line matching REGEX.
log_wait() {
	local i n=$((${2:-5} * 20))
	for i in $(seq "$n"); do
		grep -Eq -- "$1" "$SW_EVLOG" && return 0
		sleep 0.05
	done
	fail "no log line matching /$1/ within ${2:-5} s"
}

# A log line must be well formed: time, name[pid], level, event= first.
log_wellformed() {
	local bad
	bad=$(grep -Ev '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z sipwarden\[[0-9]+\] (ERROR|WARN|INFO|DEBUG) event=[a-z_]+( |$)' \
	    "$SW_EVLOG" | head -n 5) || :
	[ -z "$bad" ] || fail "malformed log lines:
$bad"
}

# ---- peers ---------------------------------------------------------------

# Wait (5 s at most) until something listens on UDP port $1.
wait_udp_port() {
	local i
	for i in $(seq 100); do
		if ss -Hlun "sport = :$1" 2>/dev/null | grep -q .; then
			return 0
		fi
		sleep 0.05
	done
	fail "nothing listens on UDP port $1 after 5 s"
}

# The regex form of IP (for scenario regexps).
ip_re() {
	printf '%s' "$1" | sed 's/\./\\./g'
}

hostport_re() {
	case $1 in
	*:*) printf '\\[%s\\]:%s' "$(ip_re "$1")" "$2" ;;
	*) printf '%s:%s' "$(ip_re "$1")" "$2" ;;
	esac
}

# scenario NAME: scenarios/NAME.xml with the @...@ placeholders filled
# in, written to $T; its path goes to SCEN_FILE.
scenario() {
	local src=$SCEN_DIR/$1.xml dst=$T/$1.xml
	[ -r "$src" ] || fail "no scenario $src"
	SCEN_FILE=$dst
	sed -e "s/@SW_RE@/$(hostport_re "$IP" "$SW_PORT" | sed 's/\\/\\\\/g')/g" \
	    -e "s/@UA_RE@/$(hostport_re "$IP" "$UA_PORT" | sed 's/\\/\\\\/g')/g" \
	    -e "s/@PBX_RE@/$(hostport_re "$IP" "$PBX_PORT" | sed 's/\\/\\\\/g')/g" \
	    -e "s/@IP_RE@/$(ip_re "$IP" | sed 's/\\/\\\\/g')/g" \
	    -e "s/@SW_PORT@/$SW_PORT/g" -e "s/@UA_PORT@/$UA_PORT/g" \
	    -e "s/@PBX_PORT@/$PBX_PORT/g" \
	    "$src" >"$dst"
}

# sipp_cmd NAME SCENARIO LOCAL_PORT CALLS [sipp options...]: set the
# array SIPP_CMD to the sipp command line (bounded by timeout, no stdin,
# no default behaviours), with its traces in $T/NAME.*
SIPP_TIMEOUT=60
sipp_cmd() {
	local name=$1 scen=$2 lport=$3 calls=$4
	shift 4
	scenario "$scen"
	SIPP_CMD=(timeout "$SIPP_TIMEOUT" sipp -sf "$SCEN_FILE"
	    -i "$IP" -p "$lport" -m "$calls" -nostdin -nd
	    -timeout "$((SIPP_TIMEOUT - 10))s" -recv_timeout 10000
	    -trace_err -error_file "$T/$name.err"
	    -trace_stat -stf "$T/$name.csv" -fd 1
	    -trace_screen -screen_file "$T/$name.screen"
	    -trace_msg -message_file "$T/$name.msg"
	    "$@")
}

# sipp_bg NAME SCENARIO LOCAL_PORT CALLS [options]: start sipp in the
# background (a UAS), wait until it listens; its PID is in SIPP_PID.
sipp_bg() {
	local name=$1 lport=$3
	sipp_cmd "$@"
	"${SIPP_CMD[@]}" >"$T/$name.out" 2>&1 &
	SIPP_PID=$!
	track "$SIPP_PID"
	wait_udp_port "$lport"
}

# sipp_run NAME SCENARIO LOCAL_PORT CALLS [options]: run sipp (a UAC) in
# the foreground; its exit status is in SIPP_RC.
sipp_run() {
	local name=$1
	sipp_cmd "$@"
	SIPP_RC=0
	"${SIPP_CMD[@]}" >"$T/$name.out" 2>&1 || SIPP_RC=$?
}

# The value of column COL on the last line of sipp's stat file.
sipp_stat() {
	awk -F';' -v col="$2" '
	    NR == 1 { for (i = 1; i <= NF; i++) if ($i == col) c = i; next }
	    { last = $c }
	    END { if (c) print last; else print "none" }' "$T/$1.csv"
}

# sipp_check NAME RC CALLS: sipp exited 0 with CALLS successful calls
# and no failed one.
sipp_check() {
	local name=$1 rc=$2 calls=$3 ok failed
	[ -s "$T/$name.csv" ] || fail "sipp $name wrote no statistics (status $rc)"
	ok=$(sipp_stat "$name" 'SuccessfulCall(C)')
	failed=$(sipp_stat "$name" 'FailedCall(C)')
	note "sipp $name: status $rc, $ok successful, $failed failed calls"
	[ "$rc" -eq 0 ] || fail "sipp $name exited with status $rc ($ok successful, $failed failed)"
	[ "$failed" = 0 ] || fail "sipp $name: $failed failed calls"
	[ "$ok" = "$calls" ] || fail "sipp $name: $ok successful calls, want $calls"
}

# sipp_wait NAME CALLS: reap the background sipp and check it.
sipp_wait() {
	reap "$SIPP_PID"
	sipp_check "$1" "$REAP_RC" "$2"
}

# py [ARGS]: run the python3 script on stdin (60 s at most); a non-zero
# status fails the case.
py() {
	local rc=0
	timeout 60 python3 - "$@" || rc=$?
	[ "$rc" -eq 0 ] || fail "python3 part exited with status $rc"
}

# py_bg NAME: start the python3 script on stdin in the background (60 s
# at most), output in $T/NAME.out; its PID is in PY_PID.
py_bg() {
	cat >"$T/$1.py"
	timeout 60 python3 "$T/$1.py" >"$T/$1.out" 2>&1 &
	PY_PID=$!
	track "$PY_PID"
}

# py_wait NAME: reap the background python3 script; it must exit 0.
py_wait() {
	reap "$PY_PID"
	[ "$REAP_RC" -eq 0 ] || fail "python3 part $1 exited with status $REAP_RC"
}

# make_cert: a self-signed certificate for CN sipwarden.test (EC P-256)
# into $T/cert.pem and $T/key.pem (mode 600), made at test time.
make_cert() { # [DAYS]: valid for DAYS days (default 2)
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
	    -nodes -days "${1:-2}" -subj /CN=sipwarden.test \
	    -keyout "$T/key.pem" -out "$T/cert.pem" >"$T/openssl.err" 2>&1 ||
	    fail "openssl could not make a test certificate"
	chmod 600 "$T/key.pem"
}

# wait_tcp_port PORT: wait (5 s at most) until something listens on PORT.
wait_tcp_port() {
	local i
	for i in $(seq 50); do
		ss -Htln "sport = :$1" | grep -q . && return 0
		sleep 0.1
	done
	fail "nothing listens on TCP port $1 after 5 s"
}

# need PROG...: skip the case when a program it needs is not installed.
need() {
	local p
	for p in "$@"; do
		command -v "$p" >/dev/null 2>&1 || skip "$p is not installed"
	done
}

# Can we bind UDP on ::1?
have_ipv6_loopback() {
	python3 -c 'import socket; s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); s.bind(("::1", 0))' 2>/dev/null
}
