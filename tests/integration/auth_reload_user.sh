#!/bin/bash
# auth_reload_user: the users file is re-read on SIGHUP.
#  - carol is not in the file: her REGISTER is refused (unknown_user);
#    "sipwarden passwd" adds her, SIGHUP, reload result=ok users=3, and
#    her REGISTER gets through to the PBX and its 200 back;
#  - a nonce issued before a reload is still good after it;
#  - bob removed from the file: after the reload he is an unknown user;
#  - a users file with a broken line, a missing users file, a directory
#    in its place, and (when not root) a file of mode 000: reload result=failed naming the
#    file, the old users stay: alice and carol still authenticate, bob
#    still does not; the file restored: result=ok.
set -eu
. "$SRCDIR/lib.sh"
need python3
export SW_AUTH=1

sw_config "ban_after 0" "challenge_limit 0"
sw_start
log_has 'event=start .*users=2' "alice and bob at start"

# reg USER PASSWORD WANT [NONCE_FILE MODE]: USER REGISTERs with PASSWORD;
# WANT 200: through to the PBX and its 200 back; WANT 401: refused.
# MODE "save" only gets a challenge and writes its nonce to NONCE_FILE;
# MODE "use" answers the nonce in NONCE_FILE instead of a fresh one.
reg() {
	py "$SW_EVLOG" "$@" <<'PY'
import sys
from swsip import *
from swauth import *

logf, user, pw, want = sys.argv[1:5]
nfile, mode = (sys.argv[5:7] + [None, None])[:2]
log = Log(logf)
log.skip()
SW, UAP = port("SW"), port("UA")
ua, pbx = sock(UAP), sock(port("PBX"))
SRC = re.escape(hostport(UAP))
r = Req("REGISTER", UAP, user=user)
what = "%s REGISTER (want %s)" % (user, want)
if mode == "use":
    nonce = open(nfile).read().strip()
    r.cseq = 2
else:
    send(ua, r.text(), SW)
    m = expect(ua, 5, what + ": challenge", is_reply_to(r, 401))
    nonce = nonce_for(m, "MD5")
    if mode == "save":
        open(nfile, "w").write(nonce)
        sys.exit(0)
    r.new_transaction()
r.answer("MD5", pw, nonce)
send(ua, r.text(), SW)
if want == "200":
    f = expect(pbx, 5, what + ": at the PBX", is_forward_of(r))
    send(pbx, response_to(f, 200, "OK", "pbx"), SW)
    expect(ua, 5, what + ": the 200", is_reply_to(r, 200))
    log.wait(r"INFO event=auth_ok src=%s user=%s method=REGISTER$" % (SRC, user),
             what + ": auth_ok")
else:
    m = expect(ua, 5, what, is_reply_to(r))
    check(m.code == int(want), "%s: got %s" % (what, m.first))
    expect_nothing(pbx, 0.3, what + ": forwarded", is_forward_of(r))
    log.wait(r"WARN event=auth_fail src=%s user=%s reason=unknown_user method=REGISTER$"
             % (SRC, user), what + ": unknown_user")
PY
}

# hup: SIGHUP, and wait (5 s) for the next event=reload line.
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
	grep 'event=reload' "$SW_EVLOG" | tail -n 1
}

reload_ok() {
	hup
	last_reload | grep -Eq "INFO event=reload result=ok .*users=$1( |\$)" ||
	    fail "reload with $1 users: $(last_reload)"
}

reload_failed() {
	hup
	last_reload | grep -Eq 'event=reload result=failed .*users' ||
	    fail "reload ($1) did not fail naming the users file: $(last_reload)"
}

reg carol carolpw 401
reg alice alicepw 200

printf 'carolpw\n' | "$SIPWARDEN" passwd "$T/users" "$REALM" carol 2>"$T/passwd.err" ||
    fail "sipwarden passwd carol failed"
sanitizer_check "$T/passwd.err" "sipwarden passwd"
grep -q '^carol:sipwarden.test:[0-9a-f]\{32\}:[0-9a-f]\{64\}:[0-9a-f]\{64\}$' "$T/users" ||
    fail "no line for carol in the users file"
reg carol carolpw 401     # not before the reload
reload_ok 3
reg carol carolpw 200
reg alice alicepw 200
note "carol added by sipwarden passwd and SIGHUP"

# A nonce issued before a reload verifies after it.
reg alice alicepw 200 "$T/nonce" save
reload_ok 3
reg alice alicepw 200 "$T/nonce" use
note "a nonce survives a reload"

# bob removed.
cp "$T/users" "$T/users.good"
sed -i '/^bob:/d' "$T/users"
reload_ok 2
reg bob bobpw 401
cp "$T/users.good" "$T/users"
reload_ok 3
reg bob bobpw 200
sed -i '/^bob:/d' "$T/users"
reload_ok 2
cp "$T/users" "$T/users.good"

# Broken, missing, unreadable: the old users (alice, carol) stay.
echo "this is not a users line" >>"$T/users"
n=$(wc -l <"$T/users")
reload_failed "broken line"
last_reload | grep -q "/users:$n: " ||
    fail "the failed reload does not name users:$n: $(last_reload)"
reg alice alicepw 200
reg carol carolpw 200
reg bob bobpw 401

rm -f "$T/users"
reload_failed "missing file"
reg alice alicepw 200
reg carol carolpw 200

# A directory where the users file should be: unreadable even for root.
mkdir "$T/users"
reload_failed "a directory"
reg alice alicepw 200
rmdir "$T/users"
cp "$T/users.good" "$T/users"
if [ "$(id -u)" -ne 0 ]; then
	chmod 000 "$T/users"
	reload_failed "unreadable file"
	reg alice alicepw 200
	chmod 600 "$T/users"
else
	note "running as root: the mode 000 step is skipped"
fi
reload_ok 2
reg alice alicepw 200
reg carol carolpw 200
[ "$(log_count 'event=reload result=failed')" -ge 3 ] || fail "want at least 3 failed reloads"
sw_stop
log_wellformed
