#!/bin/bash
# forged_response: sipwarden relays a response only when its top Via
# branch is one it made for the address in the second Via.  Forged
# responses (a made-up z9hG4bKsw branch, a real branch with the second Via
# pointing elsewhere, a real branch with one character changed, a branch
# that is not ours, a real branch but only one Via) are dropped, logged
# reason=not_ours (or malformed for the one-Via case), and nothing reaches
# the address they name.  The genuine response, sent last, is relayed:
# the test can see a relay when there is one.  A client Via that claims
# received/rport of another address gets them overwritten.
set -eu
. "$SRCDIR/lib.sh"
need python3

sw_config
sw_start

py <<'PY'
from swsip import *

SW = port("SW")
ua = sock(port("UA"))
pbx = sock(port("PBX"))
victim = sock(port("AUX"))
outsider = sock(port("UA2"))
me = hostport(port("UA"))
vic = hostport(port("AUX"))

cid, cbr = "forge-" + token(), branch()
send(ua, ("OPTIONS sip:bob@sipwarden.test SIP/2.0\n"
          "Via: SIP/2.0/UDP %s;branch=%s;rport\n"
          "Max-Forwards: 70\n"
          "From: <sip:alice@sipwarden.test>;tag=f1\n"
          "To: <sip:bob@sipwarden.test>\n"
          "Call-ID: %s\n"
          "CSeq: 1 OPTIONS\n"
          "Content-Length: 0\n\n") % (me, cbr, cid), SW)
req = expect(pbx, 5, "the OPTIONS at the PBX", is_request("OPTIONS", cid))
vias = req.vias()
check(len(vias) == 2, "Vias %r" % vias)
sb = via_param(vias[0], "branch")
check(re.fullmatch(r"z9hG4bKsw[A-Za-z0-9_-]{30}", sb or ""), "branch %r" % sb)
client_via = vias[1]


def response(top, second):
    v = "Via: %s\n" % top
    if second is not None:
        v += "Via: %s\n" % second
    return ("SIP/2.0 200 OK\n%s"
            "From: <sip:alice@sipwarden.test>;tag=f1\n"
            "To: <sip:bob@sipwarden.test>;tag=pbx\n"
            "Call-ID: %s\n"
            "CSeq: 1 OPTIONS\n"
            "Content-Length: 0\n\n") % (v, cid)


def ours(b):
    return "SIP/2.0/UDP %s;branch=%s" % (hostport(SW), b)


def flip(b, i):
    c = b[i]
    return b[:i] + ("A" if c != "A" else "B") + b[i + 1:]


B64 = ("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
       "0123456789-_")


def pad_bits(b):
    """The same bytes, encoded with the unused low bits of the last
    character set: a second spelling of the same branch."""
    return b[:-1] + B64[B64.index(b[-1]) ^ 1]


victim_via = "SIP/2.0/UDP %s;branch=z9hG4bKvictim;rport" % vic
victim_rcvd = "SIP/2.0/UDP %s;branch=z9hG4bKvictim;received=%s;rport=%d" % (
    vic, IP, port("AUX"))
forgeries = [
    ("made-up sw branch to the victim", ours("z9hG4bKsw" + token(30)), victim_via),
    ("real branch, second Via names the victim", ours(sb), victim_via),
    ("real branch, received/rport name the victim",
     ours(sb), "SIP/2.0/UDP %s;branch=%s;received=%s;rport=%d" %
     (me, cbr, IP, port("AUX"))),
    ("real branch, last character changed", ours(flip(sb, len(sb) - 1)), client_via),
    ("real branch, a middle character changed", ours(flip(sb, 20)), client_via),
    ("real branch, truncated", ours(sb[:-1]), client_via),
    ("real branch, padding bits of the last character set",
     ours(pad_bits(sb)), client_via),
    ("real branch, upper-cased", ours(sb[:9] + sb[9:].upper()), client_via),
    ("branch not ours", ours("z9hG4bKnotours1234"), victim_rcvd),
    ("real branch, only one Via", ours(sb), None),
]
for what, top, second in forgeries:
    for src in (pbx, outsider):
        src.sendto(wire(response(top, second)), (IP, SW))
    expect_nothing(victim, 0.3, what + ": relayed to the victim")
    expect_nothing(ua, 0.3, what + ": relayed to the client")
    note("%s: dropped" % what)

# The genuine response is relayed to the client, and only there.
send(pbx, response(ours(sb), client_via), SW)
r = expect(ua, 5, "the genuine 200", is_response(200, "OPTIONS", cid))
check(r.vias() == [client_via], "relayed Vias %r" % r.vias())
expect_nothing(victim, 0.3, "the victim got something")

# A client whose Via claims received/rport of the victim: sipwarden
# overwrites them with the real source, and the response goes there.
cid2 = "forge-rcvd-" + token()
send(ua, ("OPTIONS sip:bob@sipwarden.test SIP/2.0\n"
          "Via: SIP/2.0/UDP %s;received=%s;branch=%s;rport=%d\n"
          "Max-Forwards: 70\n"
          "From: <sip:alice@sipwarden.test>;tag=f2\n"
          "To: <sip:bob@sipwarden.test>\n"
          "Call-ID: %s\n"
          "CSeq: 1 OPTIONS\n"
          "Content-Length: 0\n\n") % (vic, IP, branch(), port("AUX"), cid2), SW)
req = expect(pbx, 5, "the OPTIONS with a lying Via", is_request("OPTIONS", cid2))
v = req.vias()[1]
check(via_param(v, "rport") == str(port("UA")) and v.count("received=") == 1
      and v.count("rport") == 1,
      "the client's own received/rport survived: %r" % v)
send(pbx, response_to(req, 200, "OK", "pbx"), SW)
expect(ua, 5, "the 200 at the real source", is_response(200, "OPTIONS", cid2))
expect_nothing(victim, 0.3, "a lying Via sent the response to the victim")
PY
log_has 'event=drop src=[^ ]* reason=not_ours' "forged responses are logged not_ours"
log_has 'event=drop src=[^ ]* reason=malformed .*one Via' "a one-Via response is malformed"
sw_stop
