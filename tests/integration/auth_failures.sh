#!/bin/bash
# auth_failures: digest authentication edge cases, byte by byte (python3
# raw UDP, digests computed from the challenge received; swauth.py).
# sipwarden offers SHA-512-256, SHA-256 and MD5; alice and bob have all
# three HA1s (made by "sipwarden passwd"), carol only MD5.  Each step
# checks the reply (or its absence), what reaches the PBX, and the log
# line it causes:
#  - the challenge: one header per algorithm, in order, fresh nonces;
#  - each algorithm authenticates; the credentials never reach the PBX;
#  - a wrong password, an unknown user and no credentials get the same
#    reply apart from the nonces (compared byte for byte), logged
#    bad_response / unknown_user; an algorithm whose HA1 the user lacks
#    is refused;
#  - malformed credentials and a digest uri other than the Request-URI:
#    bad_header; another realm only: wrong_realm; an altered nonce, or a
#    nonce answered with another algorithm than the one it was issued
#    for: bad_nonce; a nonce from another source address (::1): bad_nonce;
#  - replay: a nonce with an nc already used by another request: replay;
#    a higher nc is fine; without qop a nonce is single-use; a UDP
#    retransmission of the accepted request (same bytes) is forwarded again;
#  - identity: alice's credentials for bob's To or From: 403, identity;
#  - ACK and CANCEL without credentials are forwarded, never challenged;
#    the ACK of our own 407 is absorbed;
#  - in-dialog: the genuine dialog token passes; a forged swt=, another
#    dialog's, a forged flow token, or none on a BYE: 407 (and a valid
#    Proxy-Authorization still gets it through); a forged swt= on an
#    ACK: dropped, reason=bad_token.
set -eu
. "$SRCDIR/lib.sh"
need python3
export SW_AUTH=1

for u in alice bob; do
	printf '%spw\n' "$u" |
	    "$SIPWARDEN" passwd "$T/users" "$REALM" "$u" 2>>"$T/passwd.err" ||
	    fail "sipwarden passwd $u failed"
	sanitizer_check "$T/passwd.err" "sipwarden passwd"
done
users_line carol "$REALM" carolpw >>"$T/users"

V6=0
extra=
if have_ipv6_loopback; then
	V6=1
	extra="listen udp:$(hostport ::1 "$SW2_PORT")"
fi
# Many failures from one source here: no ban, no challenge limit.
sw_config "algorithms SHA-512-256,SHA-256,MD5" "ban_after 0" \
    "challenge_limit 0" ${extra:+"$extra"}
sw_start
log_has 'event=start .*users=3' "three users loaded"

py "$SW_EVLOG" "$V6" <<'PY'
import sys
from swsip import *
from swauth import *

log = Log(sys.argv[1])
V6 = sys.argv[2] == "1"
SW = port("SW")
UAP = port("UA")
ua = sock(UAP)
pbx = sock(port("PBX"))
SRC = re.escape(hostport(UAP))
ALGS = ["SHA-512-256", "SHA-256", "MD5"]
B64U = re.compile(r"[A-Za-z0-9_-]{43}")


def send_req(r, s=ua, to=SW, ip=IP):
    s.sendto(wire(r.text()), (ip, to))


def reply(r, what, s=ua, to=SW, ip=IP):
    """Send r; sipwarden's reply to it (nothing may reach the PBX)."""
    send_req(r, s, to, ip)
    m = expect(s, 5, what, is_reply_to(r))
    expect_nothing(pbx, 0.2, what + ": forwarded to the PBX", is_forward_of(r))
    return m


def challenge(r, what, s=ua, to=SW, ip=IP):
    """r without credentials: its 401 / 407."""
    r.auth = []
    m = reply(r, what, s, to, ip)
    want = 401 if r.method == "REGISTER" else 407
    check(m.code == want, "%s: want %d, got %s" % (what, want, m.first))
    return m


def refused(r, code, what, s=ua, to=SW, ip=IP):
    m = reply(r, what, s, to, ip)
    check(m.code == code, "%s: want %d, got %s" % (what, code, m.first))
    return m


def forwarded(r, what, s=ua, to=SW, ip=IP):
    """Send r; it must reach the PBX without our credentials and with no
    reply from sipwarden."""
    send_req(r, s, to, ip)
    m = expect(pbx, 5, what + ": at the PBX", is_forward_of(r))
    for name in ("authorization", "proxy-authorization"):
        for v in m.lines(name):
            check('realm="%s"' % REALM not in v,
                  "%s: our credentials reached the PBX: %s" % (what, v))
    expect_nothing(s, 0.2, what + ": sipwarden replied", is_reply_to(r))
    return m


def fail_line(user, reason, method, what, src=SRC):
    return log.wait(r"WARN event=auth_fail src=%s user=%s reason=%s method=%s$"
                    % (src, user, reason, method), what)


def ok_line(user, method, what, src=SRC):
    return log.wait(r"INFO event=auth_ok src=%s user=%s method=%s$"
                    % (src, user, method), what)


def authenticated(r, alg, password, what, **kw):
    """Challenge r, answer with alg as a new transaction: forwarded."""
    m = challenge(r, what + ": challenge")
    r.new_transaction()
    r.answer(alg, password, nonce_for(m, alg), **kw)
    fm = forwarded(r, what)
    ok_line(r.from_user if "user" not in kw else kw["user"], r.method, what)
    return fm


log.skip()

# ---- the challenge ------------------------------------------------------
for method, code, hname in (("REGISTER", 401, "www-authenticate"),
                            ("INVITE", 407, "proxy-authenticate"),
                            ("OPTIONS", 407, "proxy-authenticate")):
    r = Req(method, UAP)
    m = challenge(r, method + " without credentials")
    cs = challenges(m)
    check([c.get("algorithm") for c in cs] == ALGS,
          "%s: algorithms %r, want %r" % (method, [c.get("algorithm") for c in cs], ALGS))
    for c in cs:
        check(c["scheme"] == "Digest" and c.get("realm") == REALM and
              c.get("qop") == "auth" and "stale" not in c and
              B64U.fullmatch(c.get("nonce", "")),
              "%s: challenge %r" % (method, c))
    check(len({c["nonce"] for c in cs}) == 3, "%s: nonces not distinct" % method)
    check(re.search(r";tag=\S+", m.hdr("to")), "%s: no To tag in %s" % (method, m.hdr("to")))
    v = m.vias()
    check(len(v) == 1 and via_param(v[0], "branch") == r.branch and
          via_param(v[0], "rport") == str(UAP), "%s: Via %r" % (method, v))
    log.lacks(r"event=auth_fail", method + " without credentials is not a failure")
note("challenges: 401 / 407, one header per algorithm in order, fresh nonces")

# ---- every algorithm authenticates --------------------------------------
for alg in ALGS:
    authenticated(Req("REGISTER", UAP), alg, "alicepw", "alice REGISTER " + alg)
    authenticated(Req("INVITE", UAP), alg, "alicepw", "alice INVITE " + alg)
authenticated(Req("REGISTER", UAP, user="bob"), "SHA-256", "bobpw", "bob REGISTER")
authenticated(Req("REGISTER", UAP, user="carol"), "MD5", "carolpw", "carol MD5")
note("SHA-512-256, SHA-256 and MD5 authenticate; credentials stripped")

# ---- wrong password, unknown user, no credentials: the same reply ------
def same_reply(method):
    r = Req(method, UAP)
    plain = challenge(r, method + ": no credentials")
    r.answer("SHA-256", "wrongpw", nonce_for(plain, "SHA-256"))
    wrong = reply(r, method + ": wrong password")
    fail_line("alice", "bad_response", method, method + ": wrong password logged")
    r.answer("SHA-256", "malloryw", nonce_for(plain, "SHA-256"), user="mallory")
    unknown = reply(r, method + ": unknown user")
    fail_line("mallory", "unknown_user", method, method + ": unknown user logged")
    nonces = set()
    norm = []
    for m in (plain, wrong, unknown):
        for c in challenges(m):
            nonces.add(c["nonce"])
        norm.append(re.sub(rb'nonce="[A-Za-z0-9_-]{43}"', b'nonce="-"', m.raw))
    check(len(nonces) == 9, "%s: nonces reused across replies" % method)
    check(len(plain.raw) == len(wrong.raw) == len(unknown.raw),
          "%s: reply lengths differ: %d %d %d" % (method, len(plain.raw),
                                                 len(wrong.raw), len(unknown.raw)))
    # Field by field, for a readable message; then the whole bytes.
    for a, b, what in ((wrong, unknown, "wrong password / unknown user"),
                       (plain, wrong, "no credentials / wrong password")):
        check(a.first == b.first, "%s: %s vs %s" % (what, a.first, b.first))
        check([n for n, _ in a.headers] == [n for n, _ in b.headers],
              "%s: header lines differ" % what)
        for (n, va), (_, vb) in zip(a.headers, b.headers):
            va = re.sub(r'nonce="[^"]*"', 'nonce="-"', va)
            vb = re.sub(r'nonce="[^"]*"', 'nonce="-"', vb)
            check(va == vb, "%s: %s: %r vs %r" % (what, n, va, vb))
    check(norm[0] == norm[1] == norm[2],
          "%s: replies differ beyond the nonces" % method)

same_reply("REGISTER")
same_reply("INVITE")
note("wrong password, unknown user, no credentials: identical replies but for the nonces")

# carol has no SHA-256 HA1: that algorithm cannot authenticate her.
r = Req("REGISTER", UAP, user="carol")
m = challenge(r, "carol")
r.answer("SHA-256", "carolpw", nonce_for(m, "SHA-256"))
refused(r, 401, "carol with SHA-256 (no such HA1)")
log.wait(r"WARN event=auth_fail src=%s user=carol reason=" % SRC, "carol SHA-256 logged")

# ---- bad_header, wrong_realm --------------------------------------------
r = Req("REGISTER", UAP)
m = challenge(r, "for bad headers")
n = nonce_for(m, "MD5")
good = credentials("MD5", "alice", "alicepw", "REGISTER", r.ruri, n)
malformed = [
    ("unterminated quote", 'Digest username="alice, realm="%s", nonce="%s' % (REALM, n)),
    ("no response", 'Digest username="alice", realm="%s", nonce="%s", uri="%s", '
     'algorithm=MD5, qop=auth, nc=00000001, cnonce="x"' % (REALM, n, r.ruri)),
    ("nc not hex", good.replace("nc=00000001", "nc=0000000z")),
    ("nc too short", good.replace("nc=00000001", "nc=1")),
    ("duplicate username", good + ', username="alice"'),
    ("algorithm MD5-sess", good.replace("algorithm=MD5", "algorithm=MD5-sess")),
    ("qop auth-conf", good.replace("qop=auth", "qop=auth-conf")),
    ("garbage after a value", good.replace('algorithm=MD5', 'algorithm=MD5 junk')),
]
for what, val in malformed:
    r.auth = [val]
    refused(r, 401, "malformed credentials (%s)" % what)
    fail_line(r'[^ ]*', "bad_header", "REGISTER", "malformed credentials (%s) logged" % what)
r.auth = [credentials("MD5", "alice", "alicepw", "REGISTER", "sip:elsewhere.test", n)]
refused(r, 401, "digest uri is not the Request-URI")
fail_line("alice", "bad_header", "REGISTER", "uri mismatch logged")

r.auth = [credentials("MD5", "alice", "alicepw", "REGISTER", r.ruri, n,
                      realm="other.test")]
refused(r, 401, "credentials for another realm only")
fail_line(r'[^ ]*', "wrong_realm", "REGISTER", "another realm logged")
note("malformed credentials: bad_header; another realm: wrong_realm")

# ---- bad_nonce -----------------------------------------------------------
def flip(s, i):
    return s[:i] + ("A" if s[i] != "A" else "B") + s[i + 1:]

r = Req("REGISTER", UAP)
m = challenge(r, "for bad nonces")
for i, part in ((1, "secret id"), (6, "issue time"), (12, "counter"),
                (20, "algorithm"), (30, "MAC"), (41, "MAC end")):
    bad = flip(nonce_for(m, "SHA-256"), i)
    r.answer("SHA-256", "alicepw", bad)
    refused(r, 401, "nonce altered at %d (%s)" % (i, part))
    fail_line("alice", "bad_nonce", "REGISTER", "altered nonce (%s) logged" % part)
# A nonce answered with another algorithm than its header's: no downgrade.
for issued, used in (("SHA-256", "MD5"), ("SHA-512-256", "SHA-256"), ("MD5", "SHA-256")):
    r.answer(used, "alicepw", nonce_for(m, issued))
    refused(r, 401, "%s nonce answered with %s" % (issued, used))
    fail_line("alice", "bad_nonce", "REGISTER", "%s nonce with %s logged" % (issued, used))
r.answer("SHA-256", "alicepw", "A" * 43)
refused(r, 401, "made-up nonce")
fail_line("alice", "bad_nonce", "REGISTER", "made-up nonce logged")
r.answer("SHA-256", "alicepw", nonce_for(m, "SHA-256")[:-1])
refused(r, 401, "truncated nonce")
fail_line("alice", "bad_nonce", "REGISTER", "truncated nonce logged")
# The nonce itself was fine: the same one still authenticates.
r.answer("SHA-256", "alicepw", nonce_for(m, "SHA-256"))
forwarded(r, "the unaltered nonce")
ok_line("alice", "REGISTER", "the unaltered nonce")

if V6:
    SW6 = port("SW2")
    ua6 = udp_sock("::1", port("AUX"))
    SRC6 = re.escape(hostport(port("AUX"), "::1"))
    r4 = Req("REGISTER", UAP)
    n4 = nonce_for(challenge(r4, "nonce for 127.0.0.1"), "MD5")
    r6 = Req("REGISTER", port("AUX"), ip="::1")
    r6.answer("MD5", "alicepw", n4)
    refused(r6, 401, "127.0.0.1's nonce presented from ::1", ua6, SW6, "::1")
    fail_line("alice", "bad_nonce", "REGISTER", "nonce from another address logged", SRC6)
    m6 = challenge(r6, "nonce for ::1", ua6, SW6, "::1")
    r6.new_transaction().answer("MD5", "alicepw", nonce_for(m6, "MD5"))
    forwarded(r6, "::1 with its own nonce", ua6, SW6, "::1")
    ok_line("alice", "REGISTER", "::1 with its own nonce", SRC6)
    note("a nonce is bound to its source address")
note("altered, made-up and cross-algorithm nonces: bad_nonce")

# ---- replay, retransmission ---------------------------------------------
r = Req("REGISTER", UAP)
n = nonce_for(challenge(r, "for replay"), "SHA-256")
a = Req("REGISTER", UAP).answer("SHA-256", "alicepw", n, nc=1)
a_bytes = wire(a.text())
fa = forwarded(a, "first use, nc 1")
ok_line("alice", "REGISTER", "first use")
a_branch = fa.top_branch()

ua.sendto(a_bytes, (IP, SW))
fa2 = expect(pbx, 5, "retransmission of the accepted request at the PBX",
             is_forward_of(a))
check(fa2.top_branch() == a_branch, "the retransmission got another branch: %s vs %s"
      % (fa2.top_branch(), a_branch))
expect_nothing(ua, 0.2, "retransmission: sipwarden replied", is_reply_to(a))
log.lacks(r"event=auth_fail", "a retransmission is not a replay")

b = Req("REGISTER", UAP).answer("SHA-256", "alicepw", n, nc=1)
refused(b, 401, "same nonce and nc, another request")
fail_line("alice", "replay", "REGISTER", "replay logged")
m = refused(b, 401, "the replay again")
fail_line("alice", "replay", "REGISTER", "second replay logged")
check(all("stale" not in c for c in challenges(m)), "a replay is not stale")

# After a refused replay the accepted request's retransmission still goes.
ua.sendto(a_bytes, (IP, SW))
fa3 = expect(pbx, 5, "retransmission after a refused replay", is_forward_of(a))
check(fa3.top_branch() == a_branch, "branch changed")
log.lacks(r"event=auth_fail", "the retransmission after a refused replay")

c = Req("REGISTER", UAP).answer("SHA-256", "alicepw", n, nc=2)
forwarded(c, "same nonce, nc 2")
ok_line("alice", "REGISTER", "nc 2")
c5 = Req("REGISTER", UAP).answer("SHA-256", "alicepw", n, nc=5)
forwarded(c5, "same nonce, nc 5 (gaps are fine)")
ok_line("alice", "REGISTER", "nc 5")
d = Req("REGISTER", UAP).answer("SHA-256", "alicepw", n, nc=2)
refused(d, 401, "nc 2 again by another request")
fail_line("alice", "replay", "REGISTER", "nc 2 replay logged")
d.answer("SHA-256", "alicepw", n, nc=3)
forwarded(d, "nc 3, below the highest used but unused")
ok_line("alice", "REGISTER", "nc 3")
# The same bytes as a, changed only in the branch: another request.
e = Req("REGISTER", UAP)
e.callid, e.cseq, e.fromtag = a.callid, a.cseq, a.fromtag
e.answer("SHA-256", "alicepw", n, nc=1)
refused(e, 401, "nc 1 again with a new Via branch")
fail_line("alice", "replay", "REGISTER", "new branch replay logged")

# Without qop a nonce is single-use.
r = Req("REGISTER", UAP)
n = nonce_for(challenge(r, "for no-qop"), "MD5")
f = Req("REGISTER", UAP).answer("MD5", "alicepw", n, qop=None)
f_bytes = wire(f.text())
forwarded(f, "RFC 2069 response (no qop)")
ok_line("alice", "REGISTER", "no qop")
ua.sendto(f_bytes, (IP, SW))
expect(pbx, 5, "retransmission of the no-qop request", is_forward_of(f))
g = Req("REGISTER", UAP).answer("MD5", "alicepw", n, qop=None)
refused(g, 401, "no-qop nonce used a second time")
fail_line("alice", "replay", "REGISTER", "no-qop reuse logged")
note("replays refused, nc may grow, retransmissions forwarded again")

# ---- identity ------------------------------------------------------------
r = Req("REGISTER", UAP, to_user="bob")
m = challenge(r, "REGISTER To bob")
r.answer("SHA-256", "alicepw", nonce_for(m, "SHA-256"))
m = refused(r, 403, "alice's credentials registering bob")
check(not m.lines("www-authenticate"), "the 403 carries a challenge")
fail_line("alice", "identity", "REGISTER", "identity logged")

r = Req("REGISTER", UAP, user="bob", to_user="alice")
m = challenge(r, "REGISTER From bob To alice")
r.answer("SHA-256", "alicepw", nonce_for(m, "SHA-256"), user="alice")
refused(r, 403, "alice's credentials in a REGISTER From bob")
fail_line("alice", "identity", "REGISTER", "From identity logged")

r = Req("INVITE", UAP, user="bob")
m = challenge(r, "INVITE From bob")
r.answer("SHA-256", "alicepw", nonce_for(m, "SHA-256"), user="alice")
refused(r, 403, "alice's credentials on an INVITE From bob")
fail_line("alice", "identity", "INVITE", "INVITE identity logged")
note("another user's identity: 403, reason=identity")

# ---- ACK and CANCEL are never challenged ---------------------------------
inv = Req("INVITE", UAP)
m = challenge(inv, "INVITE for CANCEL")
ack407 = Req("ACK", UAP, callid=inv.callid, cseq=inv.cseq)
ack407.fromtag, ack407.branch = inv.fromtag, inv.branch
ack407.totag = re.search(r";tag=([^;>\s]+)", m.hdr("to")).group(1)
send_req(ack407)
expect_nothing(pbx, 0.5, "the ACK of our own 407 was forwarded", is_forward_of(ack407))
expect_nothing(ua, 0.1, "the ACK of our 407 was answered", is_reply_to(ack407))

inv.new_transaction()
inv.answer("MD5", "alicepw", nonce_for(m, "MD5"))
fi = forwarded(inv, "INVITE for CANCEL")
sb = fi.top_branch()
cancel = Req("CANCEL", UAP, callid=inv.callid, cseq=inv.cseq)
cancel.fromtag, cancel.branch = inv.fromtag, inv.branch
fc = forwarded(cancel, "CANCEL without credentials")
check(fc.top_branch() == sb, "CANCEL branch %s, INVITE's %s" % (fc.top_branch(), sb))
send(pbx, response_to(fi, 487, "Request Terminated", "pbx487"), SW)
expect(ua, 5, "the 487", is_reply_to(inv, 487))
ack = Req("ACK", UAP, callid=inv.callid, cseq=inv.cseq, totag="pbx487")
ack.fromtag, ack.branch = inv.fromtag, inv.branch
fk = forwarded(ack, "ACK of the 487 without credentials")
check(fk.top_branch() == sb, "ACK branch %s, INVITE's %s" % (fk.top_branch(), sb))

# A CANCEL for an INVITE sipwarden never forwarded: still not challenged.
lone = Req("CANCEL", UAP)
forwarded(lone, "a CANCEL of an unknown INVITE")
lack = Req("ACK", UAP, totag="someone")
forwarded(lack, "an ACK without a Route")
log.lacks(r"event=(auth_fail|reply) src=[^ ]* .*method=(ACK|CANCEL)", "ACK / CANCEL challenged")
note("ACK and CANCEL forwarded without credentials; the ACK of a 407 absorbed")

# ---- dialog tokens --------------------------------------------------------
def dialog(what):
    """An authenticated INVITE answered 200 by the PBX: (request, Route
    value from the Record-Route, PBX To tag)."""
    r = Req("INVITE", UAP)
    m = challenge(r, what)
    r.new_transaction().answer("MD5", "alicepw", nonce_for(m, "MD5"))
    fi = forwarded(r, what)
    rr = fi.values("record-route")
    check(len(rr) == 1 and ";swt=" in rr[0], "%s: Record-Route %r" % (what, rr))
    send(pbx, response_to(fi, 200, "OK", "pbx" + token(4)), SW)
    ok = expect(ua, 5, what + ": the 200", is_reply_to(r, 200))
    check(ok.values("record-route") == rr, "%s: 200's Record-Route %r" %
          (what, ok.values("record-route")))
    totag = re.search(r";tag=([^;>\s]+)", ok.hdr("to")).group(1)
    return r, rr[0], totag


d1, rr1, tag1 = dialog("dialog 1")
d2, rr2, tag2 = dialog("dialog 2")
swt1 = re.search(r";swt=([A-Za-z0-9_-]+)", rr1).group(1)
user1 = re.search(r"<sip:([^@]+)@", rr1).group(1)


def in_dialog(method, route, what):
    q = Req(method, UAP, callid=d1.callid, cseq=d1.cseq + (0 if method == "ACK" else 1),
            totag=tag1, route=route, ruri="sip:bob@%s" % hostport(port("PBX")))
    q.fromtag = d1.fromtag
    return q


ack1 = in_dialog("ACK", rr1, "ACK with the genuine token")
forwarded(ack1, "ACK with the genuine token")
for what, route in (
        ("forged swt", rr1.replace(swt1, flip(swt1, 10))),
        ("swt truncated", rr1.replace(swt1, swt1[:-1])),
        ("another dialog's Record-Route", rr2),
        ("forged flow token, genuine swt", rr1.replace(user1, flip(user1, 8))),
        ("no swt", rr1.replace(";swt=" + swt1, "")),
        ("no Route at all", None)):
    bye = in_dialog("BYE", route, "BYE, " + what)
    m = refused(bye, 407, "BYE, " + what)
    challenges(m)
    # Answering the challenge gets it through all the same.
    bye.new_transaction().answer("SHA-256", "alicepw", nonce_for(m, "SHA-256"))
    forwarded(bye, "BYE, %s, with Proxy-Authorization" % what)
    ok_line("alice", "BYE", "BYE, %s, authenticated" % what)
bye = in_dialog("BYE", rr1, "BYE with the genuine token")
bye.cseq += 10
forwarded(bye, "BYE with the genuine token")
log.lacks(r"event=auth_ok src=[^ ]* user=alice method=BYE", "the genuine token needs no credentials")

for what, route in (("forged swt", rr1.replace(swt1, flip(swt1, 3))),
                    ("another dialog's token", rr2)):
    fack = in_dialog("ACK", route, "ACK, " + what)
    send_req(fack)
    expect_nothing(pbx, 0.5, "ACK with a %s was forwarded" % what, is_forward_of(fack))
    expect_nothing(ua, 0.1, "ACK with a %s was answered" % what, is_reply_to(fack))
    log.wait(r"INFO event=drop src=%s reason=bad_token" % SRC, "ACK with a %s dropped" % what)
note("dialog tokens: genuine passes; forged, foreign or missing: 407; forged on ACK: dropped")
PY

sw_alive
log_lacks 'event=auth_fail src=[^ ]* user=[^ ]* reason=(stale_nonce)' "nothing here is stale"
sw_stop
log_wellformed
