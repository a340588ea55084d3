#!/bin/bash
# sipvicious: the attacker's tools (Debian's sipvicious: svcrack, svwar)
# against an authenticating sipwarden (SW_AUTH=1, ban_after 5, ban_window
# 60, ban_time 600, users alice and bob) in front of a sipp PBX that
# answers every REGISTER 200, while bob's phone (sipp from 127.0.0.2)
# keeps registering, one call every 0.5 s, for the whole attack.
#
#  0. Control, on a fresh sipwarden: svcrack with alice's password third
#     in its list does find it through sipwarden (so "found nothing" below
#     means the list and the ban, not a tool that cannot talk to us).
#  b. svwar (REGISTER, INVITE, OPTIONS) with a dictionary holding alice
#     and bob among names that do not exist: it reports no extension.
#     Plainly, it gives up at its sanity check (an unknown extension is
#     challenged); with --force, the reply to alice and to bob (each
#     probed on its own, the reply printed by --debug) has the same status
#     line as the reply to svwar's random extension, so it finds nothing.
#     svwar's probes carry no credentials: no auth_fail, no ban.
#  a. svcrack against alice with 30 passwords, none of them hers: it
#     finds nothing; sipwarden logs exactly 5 auth_fail (bad_response,
#     user=alice) from 127.0.0.1, then `ban addr=127.0.0.1 failures=5
#     seconds=600`, and after it neither challenges nor authenticates
#     127.0.0.1 again: svcrack's further requests are dropped
#     (reason=banned, the lines rate limited).  Nothing of alice's reaches
#     the PBX.
#  c. bob (127.0.0.2, another source) registered throughout (a) and (b)
#     with 0 failed calls (sipp's statistics, client and PBX), an auth_ok
#     per call, no auth_fail, drop or ban for 127.0.0.2.
#
# sipvicious 0.3.3 answers the first challenge header and knows only MD5
# (it crashes on SHA-256), so MD5 is offered first here.  Its -b
# (bind address) is parsed but never used, so it always sends from
# 127.0.0.1 here: svwar runs before svcrack (its probes cannot count
# towards a ban) and bob's phone is the one on another address.  The
# commands and their output are printed (indented) for the record.
set -eu
. "$SRCDIR/lib.sh"
need sipp ss
SVCRACK=$(command -v sipvicious_svcrack || command -v svcrack || :)
SVWAR=$(command -v sipvicious_svwar || command -v svwar || :)
[ -n "$SVCRACK" ] && [ -n "$SVWAR" ] ||
    skip "sipvicious (svcrack, svwar) is not installed"
[ "$IP" = 127.0.0.1 ] || skip "runs on 127.0.0.1 and 127.0.0.2 only"
export SW_AUTH=1
LEGIT_IP=127.0.0.2
SW=$(hostport "$IP" "$SW_PORT")
TOOL_TIMEOUT=120

sw_config "algorithms MD5,SHA-256" "ban_after 5" "ban_window 60" \
    "ban_time 600"

# run_tool NAME COMMAND...: run a sipvicious command (bounded), print it
# and its output; output in $T/NAME.txt, exit status in TOOL_RC.
run_tool() {
	local name=$1
	shift
	printf '\n$ %s\n' "$*"
	TOOL_RC=0
	timeout "$TOOL_TIMEOUT" "$@" </dev/null >"$T/$name.txt" 2>&1 ||
	    TOOL_RC=$?
	cut -c1-1200 "$T/$name.txt" | sed 's/^/    /'
	printf '    [exit status %s]\n' "$TOOL_RC"
	[ "$TOOL_RC" -ne 124 ] || fail "$name: still running after $TOOL_TIMEOUT s"
}

# sipp_start NAME SCENARIO PORT [options]: sipp in the background with
# no call limit to speak of (1000), until sipp_quit NAME.  $T/NAME.pid
# holds sipp's own PID (timeout execs a shell that execs sipp).
sipp_start() {
	local name=$1 scen=$2 lport=$3 job
	shift 3
	SIPP_TIMEOUT=170
	sipp_cmd "$name" "$scen" "$lport" 1000 "$@"
	rm -f "$T/$name.pid"
	timeout 170 bash -c 'echo $$ >"$0"; exec "$@"' "$T/$name.pid" \
	    "${SIPP_CMD[@]:2}" >"$T/$name.out" 2>&1 &
	job=$!
	track "$job"
	printf -v "JOB_$name" '%s' "$job"
	wait_udp_port "$lport"
}

# sipp_quit NAME: SIGUSR1 (sipp places no new call, ends when the calls
# in progress are done); its exit status goes to REAP_RC, its calls to
# CALLS_OK, CALLS_FAILED.
sipp_quit() {
	local name=$1 job
	job=$(eval "printf %s \"\$JOB_$name\"")
	alive "$job" || fail "sipp $name ended before it was told to"
	kill -USR1 "$(cat "$T/$name.pid")"
	wait_gone "$job" 20 || fail "sipp $name still running 20 s after SIGUSR1"
	reap "$job"
	[ -s "$T/$name.csv" ] || fail "sipp $name wrote no statistics"
	CALLS_OK=$(sipp_stat "$name" 'SuccessfulCall(C)')
	CALLS_FAILED=$(sipp_stat "$name" 'FailedCall(C)')
	note "sipp $name: status $REAP_RC, $CALLS_OK successful, $CALLS_FAILED failed calls"
}

# ---- 0. control: svcrack can crack through sipwarden ---------------------
echo "== control: a list holding alice's password (fresh sipwarden)"
SW_LOG=$T/control.log
SW_EVLOG=$SW_LOG
sw_start
sipp_bg control_pbx sipvicious_pbx "$PBX_PORT" 1
printf '%s\n' guess1 guess2 alicepw guess4 >"$T/control.words"
run_tool svcrack_control "$SVCRACK" -u alice -d "$T/control.words" \
    -p "$SW_PORT" -P "$AUX_PORT" -x "$IP" "$IP"
grep -Eq '^\| *alice +\| *alicepw +\|' "$T/svcrack_control.txt" ||
    fail "control: svcrack did not find alice's password (third in its list) through sipwarden: the run below would prove nothing"
sipp_wait control_pbx 1
log_has "INFO event=auth_ok src=$(ip_re "$IP"):$AUX_PORT user=alice method=REGISTER$" \
    "control: svcrack's right guess authenticated"
sw_stop

# ---- the attacked instance, the PBX, bob's phone --------------------------
SW_LOG=$T/sw.log
SW_EVLOG=$SW_LOG
sw_start
sipp_start pbx sipvicious_pbx "$PBX_PORT"
# bob: 2 calls a second from 127.0.0.2 (the later -i wins over lib.sh's).
sipp_start bob sipvicious_uac "$UA_PORT" -i "$LEGIT_IP" -r 2 \
    -auth_uri "$REALM" "$SW"
log_wait "INFO event=auth_ok src=$(ip_re "$LEGIT_IP"):$UA_PORT user=bob method=REGISTER$" 10
t_attack=$(date +%s)

# ---- b. svwar: enumerating extensions --------------------------------------
echo "== svwar: extensions 100 101 alice 1000 bob 2000 carol admin"
printf '%s\n' 100 101 alice 1000 bob 2000 carol admin >"$T/extensions"
for m in REGISTER INVITE OPTIONS; do
	case $m in
	REGISTER) code=401 ;;
	*) code=407 ;;
	esac
	run_tool "svwar_$m" "$SVWAR" -m "$m" -d "$T/extensions" \
	    -p "$SW_PORT" -P "$AUX_PORT" -x "$IP" "$IP"
	out=$T/svwar_$m.txt
	[ "$TOOL_RC" -eq 0 ] || fail "svwar -m $m exited with status $TOOL_RC"
	! grep -Eq "exists|Extension +\|" "$out" ||
	    fail "svwar -m $m reports an extension: $(grep -E 'exists|\|' "$out" | head -3)"
	grep -q 'found nothing' "$out" || fail "svwar -m $m did not say 'found nothing'"
	for u in alice bob; do
		printf '%s\n' "$u" >"$T/ext_$u"
		run_tool "svwar_force_${m}_$u" "$SVWAR" --force --debug -m "$m" \
		    -d "$T/ext_$u" -p "$SW_PORT" -P "$AUX_PORT" -x "$IP" "$IP"
		out=$T/svwar_force_${m}_$u.txt
		[ "$TOOL_RC" -eq 0 ] ||
		    fail "svwar --force -m $m ($u) exited with status $TOOL_RC"
		! grep -Eq "exists|Extension +\|" "$out" ||
		    fail "svwar --force -m $m reports $u: $(grep -E 'exists|\|' "$out" | head -3)"
		grep -q 'found nothing' "$out" ||
		    fail "svwar --force -m $m ($u) did not say 'found nothing'"
		# The replies svwar printed (--debug: one b'...' line each):
		# the random extension's, then the probe's for $u.
		grep -q "^b'SIP/2.0 $code [^\\]*\\\\r\\\\n.*From: \"$u\"<sip:$u@" "$out" ||
		    fail "svwar --force -m $m: no $code to the probe for $u in its output"
		[ "$(grep -c "^b'SIP/2.0 $code " "$out")" -eq 2 ] ||
		    fail "svwar --force -m $m ($u): want 2 replies, both $code"
		[ "$(grep "^b'SIP/2.0 " "$out" | sed 's/\\r\\n.*//' | sort -u | wc -l)" -eq 1 ] ||
		    fail "svwar --force -m $m: the replies to $u and to a random extension differ in status"
	done
	ch=$(log_count "DEBUG event=reply src=$(ip_re "$IP"):$AUX_PORT code=$code method=$m why=challenge$")
	[ "$ch" -ge 5 ] || fail "svwar -m $m: $ch challenges logged, want 5 (3 runs)"
done
log_lacks "event=(auth_fail|drop) src=$(ip_re "$IP"):" "svwar's probes: no failure, no drop"
log_lacks 'event=ban ' "svwar's probes ban nobody"
log_lacks 'event=auth_ok src=[^ ]* user=(alice|[0-9]+|carol|admin) ' "svwar authenticated"

# ---- a. svcrack: guessing alice's password ---------------------------------
echo "== svcrack: alice, 30 passwords, hers not among them"
printf '%s\n' 123456 password 1234 12345 alice alice123 alice1 secret \
    qwerty letmein 1111 0000 welcome admin pass sip 100 1000 abc123 \
    changeme pbx voip test test123 iloveyou monkey dragon alicepass \
    password1 alice2024 >"$T/words"
[ "$(wc -l <"$T/words")" -eq 30 ] || fail "the word list is not 30 words"
! grep -qx alicepw "$T/words" || fail "the word list holds alice's password"
run_tool svcrack "$SVCRACK" -vv -u alice -d "$T/words" \
    -p "$SW_PORT" -P "$AUX_PORT" -x "$IP" "$IP"
out=$T/svcrack.txt
[ "$TOOL_RC" -eq 0 ] || fail "svcrack exited with status $TOOL_RC"
! grep -Eq 'alicepw|The password for|Password +\|' "$out" ||
    fail "svcrack found a password: $(grep -E 'alicepw|password for|\|' "$out" | head -3)"
grep -q 'found nothing' "$out" || fail "svcrack did not say 'found nothing'"
tried=$(grep -c 'trying ' "$out" || :)
note "svcrack took $tried passwords from its list of 30 before it gave up"
t_end=$(date +%s)

SRC_RE="src=$(ip_re "$IP"):$AUX_PORT"
BAN_RE="WARN event=ban addr=$(ip_re "$IP") failures=5 seconds=600$"
[ "$(log_count 'event=ban ')" -eq 1 ] ||
    fail "want exactly one ban line: $(grep 'event=ban ' "$SW_EVLOG" | head -3)"
log_has "$BAN_RE" "svcrack's source is banned after 5 failures"
# The lines before and after the ban.
awk -v ban="event=ban addr=$IP failures=5 " \
    'index($0, ban) { after = 1; next } { print > (after ? A : B) }' \
    A="$T/after-ban.log" B="$T/before-ban.log" "$SW_EVLOG"
touch "$T/after-ban.log"
echo "== sipwarden's log of svcrack (127.0.0.1:$AUX_PORT): failures, ban, drops"
grep -E "event=(auth_fail|auth_ok) $SRC_RE |event=(ban|unban) " "$SW_EVLOG" | sed 's/^/    /'
grep -E "event=drop $SRC_RE " "$SW_EVLOG" | head -n 12 | sed 's/^/    /'
fails=$(grep -Ec "event=auth_fail $SRC_RE " "$T/before-ban.log" || :)
counted=$(grep -Ec "WARN event=auth_fail $SRC_RE user=alice reason=(bad_response|unknown_user) method=REGISTER$" "$T/before-ban.log" || :)
note "before the ban: $fails auth_fail lines from svcrack, $counted bad_response/unknown_user"
[ "$counted" -eq 5 ] || fail "$counted counted failures before the ban, want exactly 5 (ban_after 5)"
[ "$fails" -eq 5 ] || fail "$fails auth_fail lines from svcrack before the ban, want 5"
# The request that made the 5th failure still gets its 401 (logged after
# the ban line); svcrack answers it, and from then on 127.0.0.1 is only
# dropped: no other reply, no authentication, nothing forwarded.
awk -v src="$SRC_RE reason=banned " \
    'index($0, "event=drop " src) { after = 1 } { print > (after ? A : B) }' \
    A="$T/dropped.log" B="$T/banning.log" "$T/after-ban.log"
touch "$T/dropped.log" "$T/banning.log"
if grep -Eq "event=(auth_fail|auth_ok|forward) $SRC_RE " "$T/after-ban.log" ||
    grep -Eq "event=reply $SRC_RE " "$T/dropped.log" ||
    [ "$(grep -Ec "event=reply $SRC_RE " "$T/banning.log" || :)" -gt 1 ]; then
	grep -E "event=(auth_fail|auth_ok|reply|forward) $SRC_RE " "$T/after-ban.log" | head -5 >&2
	fail "127.0.0.1 was answered or authenticated after its ban"
fi
drops=$(grep -Ec "INFO event=drop $SRC_RE reason=banned " "$T/after-ban.log" || :)
supp=$(grep -E "INFO event=drop $SRC_RE reason=banned " "$T/after-ban.log" |
    sed 's/.*suppressed=//' | awk '{ s += $1 } END { print s + 0 }')
note "after the ban: $drops drop lines reason=banned for svcrack, $supp more suppressed"
[ "$drops" -ge 1 ] || fail "svcrack's requests after the ban were not dropped reason=banned"
[ $((drops + supp)) -gt 1 ] || fail "svcrack sent nothing after its ban?"
log_lacks "event=auth_ok src=[^ ]* user=alice " "alice authenticated"

# ---- c. bob, all along -------------------------------------------------------
note "attacks took $((t_end - t_attack)) s"
sipp_quit bob
bob_ok=$CALLS_OK
[ "$REAP_RC" -eq 0 ] || fail "bob's sipp exited with status $REAP_RC"
[ "$CALLS_FAILED" = 0 ] || fail "bob: $CALLS_FAILED failed registrations during the attack"
[ "$bob_ok" -ge $(((t_end - t_attack) * 3 / 2)) ] ||
    fail "bob: only $bob_ok registrations in $((t_end - t_attack)) s of attack (2 a second)"
sipp_quit pbx
[ "$REAP_RC" -eq 0 ] || fail "the PBX sipp exited with status $REAP_RC"
[ "$CALLS_FAILED" = 0 ] || fail "the PBX: $CALLS_FAILED failed calls"
[ "$CALLS_OK" = "$bob_ok" ] ||
    fail "the PBX answered $CALLS_OK REGISTERs, bob made $bob_ok: something else reached it"
LEGIT_RE="src=$(ip_re "$LEGIT_IP"):$UA_PORT"
n=$(log_count "INFO event=auth_ok $LEGIT_RE user=bob method=REGISTER$")
[ "$n" -eq "$bob_ok" ] || fail "$n auth_ok lines for bob, want $bob_ok"
log_lacks "event=(auth_fail|drop) $LEGIT_RE " "bob is never refused nor dropped"
log_lacks "event=ban addr=$(ip_re "$LEGIT_IP")" "bob's address is not banned"
note "bob registered $bob_ok times from $LEGIT_IP during the attack, 0 failures"

sw_stop
log_wellformed
