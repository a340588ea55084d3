#!/bin/bash
# ctl: the operator's controls through control_socket (sipwarden ctl).
#  - the socket is mode 0660 and goes away at stop; without the key there
#    is none and ctl says so;
#  - bans: a source banned after ban_after wrong passwords is listed
#    with its failures and seconds left; it is then ignored;
#  - unban ADDR: it is answered again at once (401), logged
#    event=unban addr=... by=ctl; unbanning it again, or an address never
#    banned, is refused; a malformed address is refused;
#  - stats: the /metrics counters (bans_active among them);
#  - reload: ok with what it kept; a broken config: refused with the
#    FILE:LINE reason (exit 1), the old state stays;
#  - bad input: an unknown command, an oversized line (answered "line
#    too long"), a peer that never sends (closed after the timeout)
#    while other commands and SIP traffic go on.
set -eu
. "$SRCDIR/lib.sh"
need python3
export SW_AUTH=1

sw_config "control_socket ctl.sock" "ban_after 3" "challenge_limit 0"
sw_start
SOCK=$T/ctl.sock
[ -S "$SOCK" ] || fail "no control socket at $SOCK"
[ "$(stat -c %a "$SOCK")" = 660 ] || fail "control socket mode $(stat -c %a "$SOCK"), not 660"

ctl() { # ctl ARGS...: run sipwarden ctl; output in $T/ctl.out, status in CTL_RC
	CTL_RC=0
	"$SIPWARDEN" ctl -c "$SW_CONF" "$@" >"$T/ctl.out" 2>"$T/ctl.err" || CTL_RC=$?
	sanitizer_check "$T/ctl.err" "sipwarden ctl"
}

ctl bans
[ "$CTL_RC" -eq 0 ] || fail "ctl bans: status $CTL_RC: $(cat "$T/ctl.err")"
[ "$(cat "$T/ctl.out")" = "0 bans" ] || fail "ctl bans before any ban: $(cat "$T/ctl.out")"

# Three wrong passwords from this address: banned.
py <<'PY'
from swsip import *
from swauth import *
ua = sock(port("UA"))
SW = port("SW")
for i in range(3):
    r = Req("REGISTER", port("UA"), user="alice")
    send(ua, r.text(), SW)
    m = expect(ua, 5, "challenge %d" % i, is_reply_to(r, 401))
    r.answer("MD5", "wrongpw", nonce_for(m, "MD5"))
    send(ua, r.text(), SW)
    expect(ua, 5, "401 for wrong password %d" % i, is_reply_to(r))
r = Req("REGISTER", port("UA"), user="alice")
send(ua, r.text(), SW)
expect_nothing(ua, 1, "a REGISTER from the banned source")
PY
log_wait "event=ban addr=$IP failures=3"
ctl bans
[ "$CTL_RC" -eq 0 ] || fail "ctl bans: status $CTL_RC"
grep -Eq "^$IP failures=3 seconds_left=(59[0-9]|600)\$" "$T/ctl.out" ||
    fail "ctl bans does not list $IP with 3 failures: $(cat "$T/ctl.out")"
grep -qx "1 ban" "$T/ctl.out" || fail "ctl bans: no count line: $(cat "$T/ctl.out")"

ctl stats
[ "$CTL_RC" -eq 0 ] || fail "ctl stats: status $CTL_RC"
grep -q '^sipwarden_bans_active 1$' "$T/ctl.out" ||
    fail "ctl stats: no sipwarden_bans_active 1: $(grep bans_active "$T/ctl.out")"
grep -q '^sipwarden_auth_failures_total{reason="bad_response"} 3$' "$T/ctl.out" ||
    fail "ctl stats: the failures are not counted"

ctl unban 999.1.2.3
[ "$CTL_RC" -eq 1 ] && grep -q "bad address '999.1.2.3'" "$T/ctl.err" ||
    fail "ctl unban of a malformed address: status $CTL_RC, $(cat "$T/ctl.err")"
ctl unban 192.0.2.55
[ "$CTL_RC" -eq 1 ] && grep -q "192.0.2.55 is not banned" "$T/ctl.err" ||
    fail "ctl unban of an address never banned: status $CTL_RC, $(cat "$T/ctl.err")"
ctl unban "$IP"
[ "$CTL_RC" -eq 0 ] || fail "ctl unban $IP: status $CTL_RC: $(cat "$T/ctl.err")"
grep -qx "unbanned $IP" "$T/ctl.out" || fail "ctl unban: $(cat "$T/ctl.out")"
log_has "event=unban addr=$IP by=ctl" "the unban by ctl"
ctl unban "$IP"
[ "$CTL_RC" -eq 1 ] || fail "a second unban of $IP was not refused"
py <<'PY'
from swsip import *
from swauth import *
ua = sock(port("UA"))
r = Req("REGISTER", port("UA"), user="alice")
send(ua, r.text(), port("SW"))
expect(ua, 5, "a challenge right after the unban", is_reply_to(r, 401))
PY

ctl frobnicate
[ "$CTL_RC" -eq 1 ] && grep -q "unknown command 'frobnicate'" "$T/ctl.err" ||
    fail "ctl frobnicate: status $CTL_RC, $(cat "$T/ctl.err")"
ctl bans extra
[ "$CTL_RC" -eq 1 ] || fail "ctl bans with an argument was not refused"

# Reload: ok, then a broken config refused with its FILE:LINE.
ctl reload
[ "$CTL_RC" -eq 0 ] && grep -q "^reload ok users=" "$T/ctl.out" ||
    fail "ctl reload: status $CTL_RC, $(cat "$T/ctl.out" "$T/ctl.err")"
cp "$SW_CONF" "$T/good.conf"
echo "nonce_ttl forever" >>"$SW_CONF"
line=$(wc -l <"$SW_CONF")
ctl reload
[ "$CTL_RC" -eq 1 ] || fail "ctl reload of a broken config: status $CTL_RC"
grep -q "reload failed: $SW_CONF:$line: bad value 'forever' for 'nonce_ttl'" "$T/ctl.err" ||
    fail "ctl reload does not give the FILE:LINE reason: $(cat "$T/ctl.err")"
log_has "event=reload result=failed" "the failed reload"
cp "$T/good.conf" "$SW_CONF"

# A peer that never sends, an oversized line: neither holds anything up.
py "$T/ctl.sock" <<'PY'
import socket, sys, time
from swsip import *
from swauth import *
path = sys.argv[1]
idle = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
idle.connect(path)
t0 = time.time()
# Meanwhile: SIP goes on, and so does another control connection.
ua = sock(port("UA"))
r = Req("REGISTER", port("UA"), user="bob")
send(ua, r.text(), port("SW"))
expect(ua, 5, "a challenge while a control peer sits idle", is_reply_to(r, 401))
big = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
big.connect(path)
big.settimeout(5)
big.sendall(b"x" * 5000)
got = b""
while True:
    try:
        c = big.recv(4096)
    except (ConnectionResetError, BrokenPipeError):
        break
    if not c:
        break
    got += c
check(got.startswith(b"error: line too long"), "oversized line: %r" % got[:80])
ok = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
ok.connect(path)
ok.settimeout(5)
ok.sendall(b"bans\n")
ans = b""
while True:
    c = ok.recv(4096)
    if not c:
        break
    ans += c
check(ans.startswith(b"ok\n"), "bans while a peer sits idle: %r" % ans)
idle.settimeout(10)
check(idle.recv(100) == b"", "the idle control peer got an answer")
waited = time.time() - t0
check(4 <= waited <= 8, "the idle peer was closed after %.1f s" % waited)
PY
log_has "event=ctl result=error error=\"no command within the timeout\"" "the idle peer"
log_has "event=ctl result=error error=\"line too long\"" "the oversized line"

sw_stop
[ ! -e "$SOCK" ] || fail "the control socket is still there after stop"

# Without control_socket: no socket, and ctl says so.
sw_config "ban_after 3"
ctl bans
[ "$CTL_RC" -eq 1 ] && grep -q "no control_socket configured" "$T/ctl.err" ||
    fail "ctl without control_socket: status $CTL_RC, $(cat "$T/ctl.err")"
# Nobody at the socket: status 2.
sw_config "control_socket ctl.sock"
ctl bans
[ "$CTL_RC" -eq 2 ] || fail "ctl with nobody at the socket: status $CTL_RC"
