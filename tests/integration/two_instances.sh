#!/bin/bash
# two_instances: two sipwarden processes (A on SW_PORT, B on SW2_PORT)
# with the same secret_file (64 hex characters, mode 0600) in front of
# one PBX accept each other's nonces and dialog tokens (python3 raw UDP):
#  - a nonce from A's challenge, answered to B: B forwards (auth_ok in
#    B's log) and the PBX's 200 comes back through B;
#  - B refuses a second request with that nonce and nc (replay), takes
#    a higher nc;
#  - the same the other way round (B's nonce at A);
#  - the Record-Route of a call through A lets the BYE through B without
#    a challenge;
#  - a third instance C (PORT_BASE+6) with another secret refuses A's
#    nonce (bad_nonce) and A's dialog token (407): the sharing is what
#    makes the difference.
set -eu
. "$SRCDIR/lib.sh"
need python3
export SW_AUTH=1

SW3_PORT=$((PORT_BASE + 6))
export SW3_PORT
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$T/secrets"
chmod 600 "$T/secrets"
[ "$(wc -c <"$T/secrets")" -eq 64 ] || fail "secret is not 64 hex characters"
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$T/other-secrets"
chmod 600 "$T/other-secrets"

sw_config "secret_file secrets" "ban_after 0" "challenge_limit 0"
sw_start
LOG_A=$SW_LOG

# start_other NAME PORT SECRETS: another instance, config $T/NAME.conf,
# log $T/NAME.log; its PID in OTHER_PID.
start_other() {
	local i
	sed -e "s/^listen .*/listen udp:$(hostport "$IP" "$2")/" \
	    -e "s/^secret_file .*/secret_file $3/" "$SW_CONF" >"$T/$1.conf"
	"$SIPWARDEN" -c "$T/$1.conf" >>"$T/$1.log" 2>&1 &
	OTHER_PID=$!
	track "$OTHER_PID"
	for i in $(seq 100); do
		grep -q 'event=start' "$T/$1.log" 2>/dev/null && return 0
		alive "$OTHER_PID" || fail "instance $1 exited during start-up"
		sleep 0.05
	done
	fail "instance $1 did not start within 5 s"
}

# stop_other NAME PID: SIGTERM, exit 0, no sanitizer report.
stop_other() {
	kill -TERM "$2"
	wait_gone "$2" 15 || fail "instance $1 still running 15 s after SIGTERM"
	reap "$2"
	sanitizer_check "$T/$1.log" "instance $1"
	[ "$REAP_RC" -eq 0 ] || fail "instance $1 exited with status $REAP_RC"
}

start_other b "$SW2_PORT" secrets
B_PID=$OTHER_PID
start_other c "$SW3_PORT" other-secrets
C_PID=$OTHER_PID

py "$LOG_A" "$T/b.log" "$T/c.log" <<'PY'
import sys
from swsip import *
from swauth import *

logs = {"A": Log(sys.argv[1]), "B": Log(sys.argv[2]), "C": Log(sys.argv[3])}
for l in logs.values():
    l.skip()
PORTS = {"A": port("SW"), "B": port("SW2"), "C": port("SW3")}
UAP = port("UA")
ua, pbx = sock(UAP), sock(port("PBX"))
SRC = re.escape(hostport(UAP))


def ask(r, inst, what):
    send(ua, r.text(), PORTS[inst])
    m = expect(ua, 5, what, is_reply_to(r))
    expect_nothing(pbx, 0.2, what + ": forwarded", is_forward_of(r))
    return m


def through(r, inst, what):
    send(ua, r.text(), PORTS[inst])
    f = expect(pbx, 5, what + ": at the PBX", is_forward_of(r))
    check(f.addr[1] == PORTS[inst], "%s: came from port %d, want %s's %d"
          % (what, f.addr[1], inst, PORTS[inst]))
    send(pbx, response_to(f, 200, "OK", "pbx" + token(4)), PORTS[inst])
    ok = expect(ua, 5, what + ": the 200", is_reply_to(r, 200))
    logs[inst].wait(r"INFO event=auth_ok src=%s user=alice method=%s$"
                    % (SRC, r.method), what + ": auth_ok in %s's log" % inst)
    return f, ok


def cross(issuer, verifier):
    r = Req("REGISTER", UAP)
    m = ask(r, issuer, "challenge from " + issuer)
    check(m.code == 401, m.first)
    n = nonce_for(m, "MD5")
    r.new_transaction().answer("MD5", "alicepw", n, nc=1)
    through(r, verifier, "%s's nonce answered to %s" % (issuer, verifier))
    logs[issuer].lacks(r"event=auth_", "%s saw the answer" % issuer, settle=0)
    # Replay at the verifier, a higher nc is fine.
    b = Req("REGISTER", UAP).answer("MD5", "alicepw", n, nc=1)
    m = ask(b, verifier, "%s's nonce, nc 1 again at %s" % (issuer, verifier))
    check(m.code == 401, m.first)
    logs[verifier].wait(r"WARN event=auth_fail src=%s user=alice reason=replay "
                        % SRC, "replay at " + verifier)
    c = Req("REGISTER", UAP).answer("MD5", "alicepw", n, nc=2)
    through(c, verifier, "%s's nonce, nc 2 at %s" % (issuer, verifier))
    note("%s's nonce accepted by %s; replay refused there" % (issuer, verifier))


cross("A", "B")
cross("B", "A")

# Another secret: A's nonce is not C's.
r = Req("REGISTER", UAP)
n = nonce_for(ask(r, "A", "challenge from A for C"), "MD5")
r.new_transaction().answer("MD5", "alicepw", n)
m = ask(r, "C", "A's nonce at C (another secret)")
check(m.code == 401, m.first)
logs["C"].wait(r"WARN event=auth_fail src=%s user=alice reason=bad_nonce " % SRC,
               "A's nonce at C")
note("C, with another secret, refuses A's nonce")

# A dialog through A; its BYE through B needs no credentials, through C it does.
inv = Req("INVITE", UAP)
m = ask(inv, "A", "INVITE challenge from A")
inv.new_transaction().answer("MD5", "alicepw", nonce_for(m, "MD5"))
f, ok = through(inv, "A", "INVITE through A")
rr = f.values("record-route")
check(len(rr) == 1 and ";swt=" in rr[0], "Record-Route %r" % rr)
totag = re.search(r";tag=([^;>\s]+)", ok.hdr("to")).group(1)


def bye(route_to, cseq):
    q = Req("BYE", UAP, callid=inv.callid, cseq=cseq, totag=totag,
            ruri="sip:bob@%s" % hostport(port("PBX")),
            route=rr[0].replace(":%d;" % PORTS["A"], ":%d;" % PORTS[route_to]))
    q.fromtag = inv.fromtag
    return q


q = bye("B", inv.cseq + 1)
send(ua, q.text(), PORTS["B"])
fb = expect(pbx, 5, "BYE with A's dialog token through B", is_forward_of(q))
check(not fb.values("route"), "our Route left in the BYE: %r" % fb.values("route"))
expect_nothing(ua, 0.2, "B answered the BYE itself", is_reply_to(q))
logs["B"].lacks(r"event=auth_", "B authenticated the BYE", settle=0)
q = bye("C", inv.cseq + 2)
m = ask(q, "C", "BYE with A's dialog token through C")
check(m.code == 407, "C: %s" % m.first)
note("A's dialog token passes B, not C")
PY

stop_other b "$B_PID"
stop_other c "$C_PID"
sw_stop
log_wellformed
