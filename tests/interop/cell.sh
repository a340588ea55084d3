#!/bin/bash
# cell.sh CLIENT TRANSPORT UPSTREAM: one cell of the interop matrix.
# Kamailio (tests/interop/kamailio.cfg) is the PBX on 127.0.0.2; sipwarden
# listens on udp, tcp and tls on 127.0.0.1 and forwards to Kamailio over
# UPSTREAM (udp|tcp); the client driver tests/interop/clients/CLIENT.sh
# runs alice and bob over TRANSPORT (udp|tcp|tls) through sipwarden and
# prints one "STEP NAME ok|fail WHY" line per step: register, call,
# refresh, unregister.  Each step then has to be seen where the client
# cannot fake it: in sipwarden's log (auth_ok, forward, the challenges,
# the connection of the right transport) and in Kamailio (its location
# table through kamcmd while the contacts must be there and once they
# must be gone, and its log of what it routed where).
#
# The cell's line of the matrix goes to $RESULT_DIR/CLIENT-TRANSPORT-UPSTREAM
# (printed by tests/interop/table.sh).  Exit 0 when every step is ok, 1
# when one failed, 77 when the client or transport cannot run here.
set -eu
CLIENT=${1:?usage: cell.sh CLIENT TRANSPORT UPSTREAM}
TP=${2:?usage: cell.sh CLIENT TRANSPORT UPSTREAM}
UP=${3:?usage: cell.sh CLIENT TRANSPORT UPSTREAM}
. "$SRCDIR/lib.sh"
CASE=$CLIENT/$TP/$UP
CELL=$CLIENT-$TP-$UP
# lib.sh's fail() ends the cell; its reason goes into the matrix too.
fail() {
	printf 'FAIL: %s: %s\n' "$CASE" "$*" >&2
	add_note "$*"
	exit 1
}
skip() {
	skip_cell "$*"
}
mkdir -p "$RESULT_DIR"
RESULT_FILE=$RESULT_DIR/$CELL
rm -f "$RESULT_FILE"

STEPS="register call refresh unregister"
declare -A RES=() WHY=()
NOTE=
for s in $STEPS; do
	RES[$s]=-
done

# ---- results --------------------------------------------------------

# step_fail STEP WHAT: the step failed (the first reason is kept).
step_fail() {
	printf 'FAIL: %s: %s: %s\n' "$CASE" "$1" "$2" >&2
	if [ "${RES[$1]}" != FAIL ]; then
		RES[$1]=FAIL
		WHY[$1]=$2
	fi
}

step_ok() {
	[ "${RES[$1]}" = FAIL ] || RES[$1]=ok
}

add_note() {
	NOTE="${NOTE:+$NOTE; }$*"
}

write_result() {
	local s line="$CLIENT $TP $UP"
	for s in $STEPS; do
		line="$line ${RES[$s]}"
	done
	{
		printf '%s | %s\n' "$line" "$NOTE"
		for s in $STEPS; do
			[ -z "${WHY[$s]:-}" ] || printf '  %s: %s\n' "$s" "${WHY[$s]}"
		done
	} >"$RESULT_FILE"
}

# Whatever ends the cell (a fail() of lib.sh included) writes its line:
# a step still unchecked then counts as failed.
cell_exit() {
	local rc=$? s
	if [ ! -e "$RESULT_FILE" ]; then
		if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ]; then
			for s in $STEPS; do
				[ "${RES[$s]}" != - ] || RES[$s]=FAIL
			done
			add_note "cell aborted (status $rc)"
		fi
		write_result
	fi
	# lib.sh's cleanup takes the status from $?; errexit would end this
	# trap at the (exit) of a failed cell.
	set +e
	(exit "$rc")
	cleanup
}
trap cell_exit EXIT

# skip_cell REASON: every step skipped with REASON; exit 77.
skip_cell() {
	local s
	for s in $STEPS; do
		RES[$s]=skip
	done
	add_note "skip: $*"
	write_result
	printf 'SKIP: %s: %s\n' "$CASE" "$*" >&2
	exit 77
}

# ---- what the client needs --------------------------------------------

DRIVER=$INTEROP_DIR/clients/$CLIENT.sh
[ -f "$DRIVER" ] || skip_cell "driver missing (tests/interop/clients/$CLIENT.sh)"
command -v kamailio >/dev/null 2>&1 || skip_cell "kamailio is not installed"
command -v kamcmd >/dev/null 2>&1 || skip_cell "kamcmd is not installed"
need openssl ss timeout

# The digest algorithms sipwarden offers, and how the refresh must look,
# per client:
#   baresip (libre 1.1.0) gives up on a 401 with any challenge that is not
#   MD5 ("Function not implemented"), so it gets MD5 only; it answers
#   only the challenge of the moment and never sends a nonce again, so
#   its refresh is a fresh challenge and 200, never a stale nonce;
#   (and over TLS it does not verify sipwarden's certificate: given
#   another CA as sip_cafile it registers just the same);
#   sipp answers the first challenge header: MD5 first;
#   others get sipwarden's default (SHA-256,MD5) and must show the stale
#   round trip.
# And whether alice's first INVITE must be challenged (407): linphone
# (belle-sip) sends Proxy-Authorization at once, on the nonce it holds
# from the REGISTER's 401 (same realm, same address: a valid answer), so
# there a 407 is not required.
# Registrations last 30 s (longer than a cell: a contact that is gone was
# unregistered, not expired), 10 s for baresip, whose refresh is its own
# timer (90 % of the interval).
ALGS=
REFRESH=stale
INVITE407=required
REG_EXPIRES=30
case $CLIENT in
linphone) INVITE407=optional ;;
baresip)
	ALGS=MD5
	REFRESH=fresh
	REG_EXPIRES=10
	add_note "algorithms MD5 only"
	# Found by running it with another CA: it registers all the same.
	[ "$TP" != tls ] || add_note "TLS: server certificate not verified (baresip 1.0 cannot)"
	;;
sipp) ALGS=MD5,SHA-256 ;;
esac

# ---- sipwarden and Kamailio ---------------------------------------------

make_ca
make_users alice alicepw bob bobpw
NONCE_TTL=5
SW_CONF=$T/sw.conf
{
	echo "# interop cell $CASE: written by cell.sh"
	if [ "$UP" = tcp ]; then
		echo "listen tcp:127.0.0.1:$SW_TCP"
		echo "listen udp:127.0.0.1:$SW_UDP"
	else
		echo "listen udp:127.0.0.1:$SW_UDP"
		echo "listen tcp:127.0.0.1:$SW_TCP"
	fi
	echo "listen tls:127.0.0.1:$SW_TLS"
	echo "tls_cert cert.pem"
	echo "tls_key key.pem"
	echo "upstream $UP:$KAM_IP:$KAM_PORT"
	echo "realm $DOMAIN"
	echo "users users"
	echo "nonce_ttl $NONCE_TTL"
	echo "log_level debug"
	echo "workers 2"
	[ -z "$ALGS" ] || echo "algorithms $ALGS"
} >"$SW_CONF"
"$SIPWARDEN" -t -c "$SW_CONF" >"$T/check.log" 2>&1 ||
    fail "sipwarden -t refuses the cell's config: $(head -n 3 "$T/check.log")"

kam_start
sw_start
wait_udp_port "$SW_UDP"
wait_tcp_port "$SW_TCP"
wait_tcp_port "$SW_TLS"

case $TP in
udp) SW_PORT=$SW_UDP ;;
tcp) SW_PORT=$SW_TCP ;;
tls) SW_PORT=$SW_TLS ;;
*) fail "unknown transport $TP" ;;
esac
# The listener the PBX reaches sipwarden on (the Path it must store).
if [ "$UP" = tcp ]; then
	FACE_PORT=$SW_TCP
	FACE_RE="127\\.0\\.0\\.1:$SW_TCP;[^>]*transport=tcp"
	KAM_SRC_RE="127\\.0\\.0\\.2:[0-9]+"
else
	FACE_PORT=$SW_UDP
	FACE_RE="127\\.0\\.0\\.1:${SW_UDP}[;>]"
	KAM_SRC_RE="127\\.0\\.0\\.2:$KAM_PORT"
fi
KAM_DST="$KAM_IP:$KAM_PORT"

# ---- the driver ---------------------------------------------------------

CELL_DIR=$T/client
mkdir -p "$CELL_DIR"
export SW_IP=127.0.0.1 SW_PORT DOMAIN CLIENT_PORT_BASE CELL_DIR
export A_USER=alice A_PASS=alicepw B_USER=bob B_PASS=bobpw
export TLS_CA=$T/ca.pem REG_EXPIRES NONCE_TTL

# Kamailio's location table while the driver runs: the contacts (with
# sipwarden's Path) once both registered, none once both unregistered.
check_kam_registered() {
	local u c
	for u in alice bob; do
		c=$(kam_contacts "$u")
		printf '%s\n' "---- ul.lookup $u after register" "$c" >>"$T/kam_ul.out"
		if [ -z "$c" ]; then
			step_fail register "Kamailio has no contact for $u after STEP register"
			continue
		fi
		printf '%s\n' "$c" | grep -Eq "Path: <sip:[A-Za-z0-9_-]+@$FACE_RE" ||
		    step_fail register "$u's contact in Kamailio has no Path naming sipwarden's listener 127.0.0.1:$FACE_PORT ($UP) first; saw: $(printf '%s\n' "$c" | grep -E 'Path|Address' | tr -s '\t\n' '  ')"
	done
}

check_kam_unregistered() {
	local u c
	for u in alice bob; do
		c=$(kam_contacts "$u")
		printf '%s\n' "---- ul.lookup $u after unregister" "$c" >>"$T/kam_ul.out"
		[ -z "$c" ] ||
		    step_fail unregister "Kamailio still has a contact for $u after STEP unregister: $(printf '%s\n' "$c" | grep -E 'Address' | tr -s '\t\n' '  ')"
	done
}

timeout 120 bash "$DRIVER" "$TP" >"$T/driver.steps" 2>"$T/driver.err" &
DRV_PID=$!
track "$DRV_PID"
reg_seen= unreg_seen=
# poll_steps: Kamailio's table checked as soon as the step's line is out.
poll_steps() {
	if [ -z "$reg_seen" ] && grep -q '^STEP register ' "$T/driver.steps"; then
		reg_seen=1
		! grep -q '^STEP register ok' "$T/driver.steps" || check_kam_registered
	fi
	if [ -z "$unreg_seen" ] && grep -q '^STEP unregister ' "$T/driver.steps"; then
		unreg_seen=1
		! grep -q '^STEP unregister ok' "$T/driver.steps" || check_kam_unregistered
	fi
}
for i in $(seq 1300); do
	poll_steps
	alive "$DRV_PID" || break
	sleep 0.1
done
# The last line may have come just before the driver ended.
poll_steps
if alive "$DRV_PID"; then
	kill -TERM "$DRV_PID" 2>/dev/null || :
	wait_gone "$DRV_PID" 10 || kill -KILL "$DRV_PID" 2>/dev/null || :
fi
reap "$DRV_PID"
DRV_RC=$REAP_RC
sed 's/^/driver: /' "$T/driver.steps" >&2

if [ "$DRV_RC" -eq 77 ]; then
	skip_cell "$(sed -n 's/^SKIP //p' "$T/driver.steps" | head -n 1)"
fi
[ "$DRV_RC" -eq 0 ] || [ "$DRV_RC" -eq 1 ] ||
    add_note "driver exited with status $DRV_RC"

# What the driver said about each step.
for s in $STEPS; do
	line=$(grep -E "^STEP $s " "$T/driver.steps" | head -n 1) || :
	case $line in
	"STEP $s ok"*) ;;
	"STEP $s fail"*) step_fail "$s" "client: ${line#"STEP $s fail"}" ;;
	*) step_fail "$s" "the driver printed no STEP $s line (status $DRV_RC)" ;;
	esac
done

# ---- sipwarden's log and Kamailio's, step by step ------------------------

swl() { # REGEX: the matching lines of sipwarden's log
	grep -E -- "$1" "$SW_LOG" || :
}
has() { # REGEX: sipwarden's log has a line matching REGEX
	grep -Eq -- "$1" "$SW_LOG"
}
kam_has() {
	grep -Eq -- "$1" "$KAM_LOG"
}
src_of() { # a log line -> its src= value
	sed -n 's/.* src=\([^ ]*\) .*/\1/p' | head -n 1
}
re() { # a literal address as a regex
	printf '%s' "$1" | sed 's/[.[\]]/\\&/g'
}

# register: alice and bob were challenged (401), answered, were forwarded
# to Kamailio, from a connection of the cell's transport.
A_SRC=$(swl "INFO event=auth_ok src=[^ ]+ user=alice method=REGISTER$" | src_of)
B_SRC=$(swl "INFO event=auth_ok src=[^ ]+ user=bob method=REGISTER$" | src_of)
for u in alice bob; do
	if [ "$u" = alice ]; then src=$A_SRC; else src=$B_SRC; fi
	if [ -z "$src" ]; then
		step_fail register "sipwarden logged no auth_ok for $u's REGISTER"
		continue
	fi
	has "DEBUG event=reply src=$(re "$src") code=401 method=REGISTER why=challenge" ||
	    step_fail register "no 401 challenge to $u's REGISTER from $src"
	has "DEBUG event=forward src=$(re "$src") method=REGISTER dst=$(re "$KAM_DST")$" ||
	    step_fail register "$u's REGISTER from $src was not forwarded to Kamailio $KAM_DST"
	if [ "$TP" = udp ]; then
		! has "event=conn_open src=$(re "$src") " ||
		    step_fail register "$u registered from $src over a connection, want UDP"
	else
		has "event=conn_open src=$(re "$src") transport=$TP$" ||
		    step_fail register "$u's REGISTER from $src did not come over a $TP connection"
	fi
	kam_has "INTEROP registered $u .*src=$UP:127\\.0\\.0\\.1:" ||
	    step_fail register "Kamailio logged no REGISTER of $u from sipwarden over $UP"
done
if [ "$UP" = tcp ]; then
	has "INFO event=upstream_connected" ||
	    step_fail register "sipwarden logged no upstream_connected (tcp upstream)"
fi
[ -n "$reg_seen" ] || step_fail register "Kamailio's table was not checked (no STEP register line)"
step_ok register

# call: alice's INVITE challenged (407), answered, forwarded to Kamailio,
# which looked bob up and sent it to sipwarden's Path, which sent it on
# bob's flow; ACK and BYE the same way, never challenged.
AC=$(swl "INFO event=auth_ok src=[^ ]+ user=alice method=INVITE$" | src_of)
if [ -z "$AC" ]; then
	step_fail call "sipwarden logged no auth_ok for alice's INVITE"
else
	if ! has "DEBUG event=reply src=127\\.0\\.0\\.1:[0-9]+ code=407 method=INVITE why=challenge"; then
		if [ "$INVITE407" = required ]; then
			step_fail call "no 407 challenge to alice's first INVITE"
		else
			add_note "INVITE authenticated without a 407 (nonce from the REGISTER)"
		fi
	fi
	for m in INVITE ACK BYE; do
		has "DEBUG event=forward src=$(re "$AC") method=$m dst=$(re "$KAM_DST")$" ||
		    step_fail call "alice's $m from $AC was not forwarded to Kamailio $KAM_DST"
		if [ -n "$B_SRC" ]; then
			has "DEBUG event=forward src=$KAM_SRC_RE method=$m dst=$(re "$B_SRC")$" ||
			    step_fail call "Kamailio's $m was not forwarded to bob's flow $B_SRC"
		fi
	done
	! has "event=reply src=[^ ]+ code=40[17] method=(BYE|ACK)" ||
	    step_fail call "sipwarden challenged an in-dialog request: $(swl 'code=40[17] method=(BYE|ACK)' | head -n 1)"
fi
kam_has "INTEROP lookup bob ruri=[^ ]* du=sip:[A-Za-z0-9_-]+@$FACE_RE" ||
    step_fail call "Kamailio did not route the INVITE for bob to sipwarden's Path (127.0.0.1:$FACE_PORT)"
kam_has "INTEROP in-dialog BYE " ||
    step_fail call "Kamailio saw no in-dialog BYE (loose_route over the Record-Route)"
step_ok call

# refresh: alice's REGISTER after the nonce expired.
if [ "$REFRESH" = stale ]; then
	# One stale_nonce for alice, and her next REGISTER after it is
	# accepted: one round trip.  Before it, one accepted REGISTER only
	# (the register step): the refresh is the first REGISTER that reuses
	# that nonce, after it expired, not one of several sent meanwhile.
	awk -v out="$T/refresh.out" '
	    / event=(auth_ok|auth_fail) .* user=alice .*method=REGISTER/ {
		if (!stale && / reason=stale_nonce /) { stale = NR; next }
		if (!stale && / event=auth_ok /) { before++ }
		if (stale && !next_line) { next_line = $0 }
	    }
	    END {
		if (!stale) { print "none" > out; exit }
		if (before != 1) { print "before " before > out; exit }
		print next_line > out
	    }' "$SW_LOG"
	after=$(cat "$T/refresh.out")
	case $after in
	"before "*) step_fail refresh "alice had ${after#before } REGISTERs accepted before the stale nonce, want 1 (the register step)" ;;
	none) step_fail refresh "sipwarden logged no auth_fail reason=stale_nonce for alice's REGISTER" ;;
	*"INFO event=auth_ok "*) ;;
	"") step_fail refresh "no REGISTER of alice after the stale nonce" ;;
	*) step_fail refresh "after the stale nonce alice's next REGISTER was not accepted: $after" ;;
	esac
else
	n=$(swl "INFO event=auth_ok src=[^ ]+ user=alice method=REGISTER$" | wc -l)
	[ "$n" -ge 3 ] ||
	    step_fail refresh "$n auth_ok lines for alice's REGISTER, want 3 or more (register, refresh, unregister)"
	! has "event=auth_fail src=[^ ]+ user=alice reason=stale_nonce" ||
	    step_fail refresh "alice got a stale nonce: this client was thought never to send one again"
	add_note "refresh: no stale (never resends a nonce)"
fi
step_ok refresh

# unregister: Kamailio removed both contacts (checked above, when the
# driver said so, well before they could expire) on a REGISTER with
# expires 0 that came through sipwarden.
for u in alice bob; do
	kam_has "INTEROP registered $u (hdr_expires=0 |.*contact=(\\*|.*expires=0))" ||
	    step_fail unregister "Kamailio logged no REGISTER of $u with expires 0"
done
[ -n "$unreg_seen" ] || step_fail unregister "Kamailio's table was not checked (no STEP unregister line)"
step_ok unregister

# Credentials of our realm never reach the PBX (nor, through it, the
# callee): the request that carried some fails its step.
while read -r m; do
	case $m in
	REGISTER) step_fail register "Kamailio received a REGISTER with credentials" ;;
	*) step_fail call "Kamailio received a $m with credentials" ;;
	esac
done < <(sed -n 's/.*INTEROP credentials reached the PBX: \([A-Z]*\) .*/\1/p' "$KAM_LOG" | sort -u)

# ---- the end ------------------------------------------------------------

bad=$(swl "WARN event=auth_fail " | grep -v "reason=stale_nonce" | head -n 1)
if [ -n "$bad" ]; then
	add_note "unexpected ${bad#* WARN event=}"
	printf 'FAIL: %s: unexpected auth_fail: %s\n' "$CASE" "$bad" >&2
fi
if ! alive "$SW_PID"; then
	add_note "sipwarden died"
	bad=died
else
	kill -TERM "$SW_PID"
	wait_gone "$SW_PID" 15 || {
		add_note "sipwarden still running 15 s after SIGTERM"
		kill -KILL "$SW_PID"
	}
	reap "$SW_PID"
	SW_PID=
	[ "$REAP_RC" -eq 0 ] || { add_note "sipwarden exited $REAP_RC"; bad=exit; }
fi
if grep -Eq 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$SW_LOG"; then
	add_note "sanitizer report: $(grep -E -m1 'SUMMARY: |runtime error:' "$SW_LOG" | cut -c1-120)"
	bad=sanitizer
fi
kam_stop
write_result
for s in $STEPS; do
	[ "${RES[$s]}" = ok ] || exit 1
done
[ -z "$bad" ] || exit 1
note "all steps ok"
