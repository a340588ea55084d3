#!/bin/bash
# auth_stale: nonce_ttl 2.  A correct answer on a nonce 3 s old gets a
# fresh challenge with stale=true on every header (401 for REGISTER, 407
# for INVITE) and is logged reason=stale_nonce; answering one of the new
# nonces gets through to the PBX and its 200 back.  Only a correct
# response on a genuine nonce is stale: a wrong password on an old nonce
# is bad_response, an altered old nonce bad_nonce, neither with stale=true.
# A nonce answered at once (the control) is fine.  The users are lib.sh's
# (MD5 HA1s only), so every answer here is MD5.
set -eu
. "$SRCDIR/lib.sh"
need python3
export SW_AUTH=1

sw_config "nonce_ttl 2" "ban_after 0" "challenge_limit 0"
sw_start

py "$SW_EVLOG" <<'PY'
import sys
import time
from swsip import *
from swauth import *

log = Log(sys.argv[1])
SW = port("SW")
UAP = port("UA")
ua = sock(UAP)
pbx = sock(port("PBX"))
SRC = re.escape(hostport(UAP))
log.skip()


def ask(r, what):
    send(ua, r.text(), SW)
    m = expect(ua, 5, what, is_reply_to(r))
    expect_nothing(pbx, 0.2, what + ": forwarded", is_forward_of(r))
    return m


def through(r, what):
    """r reaches the PBX; the PBX's 200 reaches the client."""
    send(ua, r.text(), SW)
    f = expect(pbx, 5, what + " at the PBX", is_forward_of(r))
    send(pbx, response_to(f, 200, "OK", "pbx"), SW)
    expect(ua, 5, what + ": the 200", is_reply_to(r, 200))
    log.wait(r"INFO event=auth_ok src=%s user=alice method=%s$" % (SRC, r.method),
             what + " logged")


def stale_case(method, code):
    # Control: a nonce answered at once is fine.
    r = Req(method, UAP)
    m = ask(r, method + ": first challenge")
    check(m.code == code, "%s: %s" % (method, m.first))
    check(all("stale" not in c for c in challenges(m)), "a fresh challenge says stale")
    r.new_transaction().answer("MD5", "alicepw", nonce_for(m, "MD5"))
    through(r, method + " answered at once")

    # The same, answered 3 s later (nonce_ttl 2): stale.
    old = ask(r.new_transaction(), method + ": challenge to let age")
    t0 = time.monotonic()
    time.sleep(3.0)
    r.new_transaction().answer("MD5", "alicepw", nonce_for(old, "MD5"))
    st = ask(r, method + ": correct answer on an expired nonce")
    check(st.code == code, "%s on an expired nonce: %s" % (method, st.first))
    cs = challenges(st)
    check(len(cs) == 2, "%s: %d challenge headers" % (method, len(cs)))
    for c in cs:
        check(c.get("stale", "").lower() == "true",
              "%s: stale nonce without stale=true: %r" % (method, c))
        check(c["nonce"] not in [x["nonce"] for x in challenges(old)],
              "%s: the stale challenge reuses an old nonce" % method)
    log.wait(r"WARN event=auth_fail src=%s user=alice reason=stale_nonce method=%s$"
             % (SRC, method), method + ": stale_nonce logged")

    # A wrong password on an expired nonce is not stale.
    r.answer("MD5", "bobpw", nonce_for(old, "MD5"))
    m = ask(r, method + ": wrong password on an expired nonce")
    check(m.code == code, "%s: %s" % (method, m.first))
    check(all("stale" not in c for c in challenges(m)),
          "%s: a wrong password on an expired nonce got stale=true" % method)
    log.wait(r"WARN event=auth_fail src=%s user=alice reason=bad_response method=%s$"
             % (SRC, method), method + ": wrong password on old nonce logged")

    # An altered expired nonce is not stale either.
    n = nonce_for(old, "MD5")
    bad = n[:30] + ("A" if n[30] != "A" else "B") + n[31:]
    r.answer("MD5", "alicepw", bad)
    m = ask(r, method + ": altered expired nonce")
    check(all("stale" not in c for c in challenges(m)),
          "%s: an altered nonce got stale=true" % method)
    log.wait(r"WARN event=auth_fail src=%s user=alice reason=bad_nonce method=%s$"
             % (SRC, method), method + ": altered old nonce logged")

    # The fresh nonce of the stale challenge works.
    r.new_transaction().answer("MD5", "alicepw", nonce_for(st, "MD5"))
    through(r, method + " answered with the fresh nonce")
    note("%s: expired nonce -> %d stale=true, fresh nonce -> 200 (%.1f s)"
         % (method, code, time.monotonic() - t0))


stale_case("REGISTER", 401)
stale_case("INVITE", 407)
PY
sw_stop
log_wellformed
