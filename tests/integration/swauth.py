"""Digest authentication helpers for the sipwarden integration cases.

Imported by the python3 parts of the auth_* cases (lib.sh puts this
directory on PYTHONPATH), next to swsip.py.  Digests are computed here
from the challenge received (RFC 7616 / RFC 8760: MD5, SHA-256,
SHA-512-256; qop=auth or none), and the log is read as it grows, so a
step can wait (bounded) for the very line it caused.
"""

import hashlib
import re
import socket
import time

from swsip import IP, Msg, check, fail, hostport, recv, send, token, branch

REALM = "sipwarden.test"


def _sha512_256(data):
    return hashlib.new("sha512_256", data)


HASHES = {
    "MD5": hashlib.md5,
    "SHA-256": hashlib.sha256,
    "SHA-512-256": _sha512_256,
}


def H(alg, text):
    return HASHES[alg](text.encode("utf-8")).hexdigest()


def ha1(alg, user, password, realm=REALM):
    return H(alg, "%s:%s:%s" % (user, realm, password))


def digest_response(alg, user, password, method, uri, nonce, nc="00000001",
                    cnonce="0a4f113b", qop="auth", realm=REALM):
    """The response of RFC 7616 3.4.1 (qop auth) or RFC 2069 (qop None)."""
    a1 = ha1(alg, user, password, realm)
    a2 = H(alg, "%s:%s" % (method, uri))
    if qop is None:
        return H(alg, "%s:%s:%s" % (a1, nonce, a2))
    return H(alg, "%s:%s:%s:%s:%s:%s" % (a1, nonce, nc, cnonce, qop, a2))


def credentials(alg, user, password, method, uri, nonce, nc=1,
                cnonce="0a4f113b", qop="auth", realm=REALM, response=None,
                hash_user=None, hash_realm=None):
    """A credentials value ("Digest username=..., ...").  The digest is
    computed for hash_user / hash_realm when given (else user / realm), so a
    wrong password, another user's name or another realm can be sent with
    an otherwise correct response."""
    ncs = "%08x" % nc
    if response is None:
        response = digest_response(alg, hash_user or user, password, method,
                                   uri, nonce, ncs, cnonce, qop,
                                   hash_realm or realm)
    v = ('Digest username="%s", realm="%s", nonce="%s", uri="%s", '
         'response="%s", algorithm=%s' % (user, realm, nonce, uri, response,
                                          alg))
    if qop is not None:
        v += ', qop=%s, nc=%s, cnonce="%s"' % (qop, ncs, cnonce)
    return v


def parse_params(value):
    """The parameters of a challenge value 'Digest a="b", c=d' as a dict
    (names lowercased), plus "scheme"."""
    scheme, _, rest = value.strip().partition(" ")
    out = {"scheme": scheme}
    for m in re.finditer(r'\s*([A-Za-z0-9_-]+)\s*=\s*("((?:[^"\\]|\\.)*)"|[^,\s]*)\s*,?',
                         rest):
        out[m.group(1).lower()] = (m.group(3) if m.group(3) is not None
                                   else m.group(2))
    return out


def challenges(m):
    """The challenges of a 401 / 407 in order, each a dict of parameters;
    fails on a status that is not a challenge."""
    if m.code == 401:
        vals = m.lines("www-authenticate")
        check(not m.lines("proxy-authenticate"), "401 with Proxy-Authenticate")
    elif m.code == 407:
        vals = m.lines("proxy-authenticate")
        check(not m.lines("www-authenticate"), "407 with WWW-Authenticate")
    else:
        fail("want a 401 or 407 challenge, got:\n%s" % m)
    check(vals, "challenge without a challenge header:\n%s" % m)
    return [parse_params(v) for v in vals]


def nonce_for(m, alg):
    """The nonce of m's challenge header for alg."""
    for c in challenges(m):
        if c.get("algorithm", "MD5").upper() == alg.upper():
            return c["nonce"]
    fail("no %s challenge in:\n%s" % (alg, m))


def udp_sock(ip, p):
    fam = socket.AF_INET6 if ":" in ip else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    s.bind((ip, p))
    return s


class Req:
    """A request from a client at ip:port (its Via and Contact).  Every
    field may be set; text() builds the message; a Req is reused for
    retransmissions (same branch, Call-ID, CSeq)."""

    def __init__(self, method, me_port, ip=IP, ruri=None, user="alice",
                 to_user=None, callid=None, cseq=1, totag=None, route=None,
                 body=""):
        self.method = method
        self.ip = ip
        self.me = hostport(me_port, ip)
        self.ruri = ruri or ("sip:%s" % REALM if method == "REGISTER"
                             else "sip:bob@%s" % REALM)
        self.from_user = user
        self.to_user = to_user or (user if method == "REGISTER" else "bob")
        self.fromtag = token(8)
        self.totag = totag
        self.callid = callid or "auth-%s-%s" % (method.lower(), token(12))
        self.cseq = cseq
        self.branch = branch()
        self.route = route
        self.auth = []          # credential header values
        self.auth_name = ("Authorization" if method == "REGISTER"
                          else "Proxy-Authorization")
        self.extra = ""
        self.body = body
        self.tp = "UDP"         # the Via transport

    def new_transaction(self, method=None):
        """The next request of the same call: new branch, CSeq + 1."""
        if method is not None:
            self.method = method
        self.branch = branch()
        self.cseq += 1
        self.auth = []
        return self

    def text(self):
        to = "<sip:%s@%s>" % (self.to_user, REALM)
        if self.totag:
            to += ";tag=" + self.totag
        out = "%s %s SIP/2.0\n" % (self.method, self.ruri)
        out += "Via: SIP/2.0/%s %s;branch=%s;rport\n" % (self.tp, self.me,
                                                        self.branch)
        if self.route:
            out += "Route: %s\n" % self.route
        out += "Max-Forwards: 70\n"
        out += "From: <sip:%s@%s>;tag=%s\n" % (self.from_user, REALM,
                                               self.fromtag)
        out += "To: %s\n" % to
        out += "Call-ID: %s\nCSeq: %d %s\n" % (self.callid, self.cseq,
                                              self.method)
        out += "Contact: <sip:%s@%s>\n" % (self.from_user, self.me)
        for a in self.auth:
            out += "%s: %s\n" % (self.auth_name, a)
        out += self.extra
        out += "Content-Length: %d\n\n" % len(self.body)
        return out + self.body

    def answer(self, alg, password, nonce, user=None, **kw):
        """Set credentials for this request's method and Request-URI."""
        self.auth = [credentials(alg, user or self.from_user, password,
                                 self.method, self.ruri, nonce, **kw)]
        return self


def is_reply_to(req, code=None):
    def f(m):
        return (not m.is_request and m.hdr("call-id") == req.callid and
                m.hdr("cseq") == "%d %s" % (req.cseq, req.method) and
                (code is None or m.code == code))
    return f


def is_forward_of(req):
    def f(m):
        return (m.is_request and m.hdr("call-id") == req.callid and
                m.hdr("cseq") == "%d %s" % (req.cseq, req.method))
    return f


class Log:
    """The sipwarden log as it grows: wait() for the next line matching a
    regex after the last one seen."""

    def __init__(self, path):
        self.path = path
        self.pos = 0

    def _new_lines(self, advance=True):
        with open(self.path, "rb") as f:
            f.seek(self.pos)
            data = f.read()
        end = data.rfind(b"\n") + 1
        if advance:
            self.pos += end
        return data[:end].decode("utf-8", "replace").splitlines()

    def skip(self):
        """Forget what is there now."""
        self._new_lines()

    def wait(self, regex, what, timeout=5.0):
        """The first new line matching regex (within timeout seconds);
        the lines before it are passed over."""
        rx = re.compile(regex)
        end = time.monotonic() + timeout
        seen = []
        while True:
            for line in self._new_lines():
                if rx.search(line):
                    return line
                seen.append(line)
            if time.monotonic() > end:
                fail("%s: no log line matching /%s/ within %.0f s; new lines:\n%s"
                     % (what, regex, timeout, "\n".join(seen[-10:])))
            time.sleep(0.05)

    def lacks(self, regex, what, settle=0.3):
        """No new line (after settle seconds) matches regex; the lines
        stay new for the next wait()."""
        rx = re.compile(regex)
        time.sleep(settle)
        for line in self._new_lines(advance=False):
            if rx.search(line):
                fail("%s: unexpected log line: %s" % (what, line))
