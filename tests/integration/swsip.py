"""Raw-UDP SIP helpers for the sipwarden integration cases.

Imported by the python3 parts of tests/integration/*.sh (lib.sh puts this
directory on PYTHONPATH).  Addresses and ports come from the environment
that lib.sh exports: IP (127.0.0.1 or ::1), SW_PORT, PBX_PORT, UA_PORT, ...
Every receive has a timeout, so nothing here can hang.
"""

import os
import random
import re
import socket
import sys
import time

IP = os.environ.get("IP", "127.0.0.1")
FAMILY = socket.AF_INET6 if ":" in IP else socket.AF_INET
CASE = os.environ.get("CASE", "case")

COMPACT = {
    "v": "via", "f": "from", "t": "to", "i": "call-id", "m": "contact",
    "l": "content-length", "c": "content-type", "k": "supported",
    "s": "subject", "e": "content-encoding",
}


def port(name):
    """The port lib.sh exported as NAME_PORT (e.g. port("SW"))."""
    return int(os.environ[name + "_PORT"])


def hostport(p, ip=IP):
    return "[%s]:%d" % (ip, p) if ":" in ip else "%s:%d" % (ip, p)


def fail(msg):
    sys.stderr.write("FAIL: %s: %s\n" % (CASE, msg))
    sys.exit(1)


def check(cond, msg):
    if not cond:
        fail(msg)


def note(msg):
    sys.stderr.write("%s: %s\n" % (CASE, msg))


def sock(p):
    """A UDP socket bound to IP:p."""
    s = socket.socket(FAMILY, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    s.bind((IP, p))
    return s


def dest(p, ip=IP):
    return (ip, p)


def wire(text):
    """Message text with \\n line ends -> bytes with CRLF line ends."""
    if isinstance(text, bytes):
        return text
    lines = text.split("\n")
    return "\r\n".join(lines).encode("latin-1")


def send(s, msg, p, ip=IP):
    s.sendto(wire(msg), (ip, p))


def recv_raw(s, timeout):
    """(bytes, addr) of the next datagram, or (None, None) after timeout."""
    s.settimeout(max(timeout, 0.001))
    try:
        data, addr = s.recvfrom(70000)
    except socket.timeout:
        return None, None
    return data, addr


class Msg:
    """A parsed SIP message: first line, headers in order, body."""

    def __init__(self, data, addr=None):
        self.raw = data
        self.addr = addr
        head, sep, body = data.partition(b"\r\n\r\n")
        self.body = body
        text = head.decode("latin-1")
        lines = re.split(r"\r\n(?![ \t])", text)
        self.first = lines[0]
        self.headers = []
        for line in lines[1:]:
            name, _, val = line.partition(":")
            name = name.strip()
            self.headers.append((name, val.strip()))
        parts = self.first.split(" ", 2)
        if parts[0].startswith("SIP/"):
            self.is_request = False
            self.code = int(parts[1])
            self.method = None
        else:
            self.is_request = True
            self.code = None
            self.method = parts[0]
            self.ruri = parts[1] if len(parts) > 1 else ""

    @staticmethod
    def _norm(name):
        n = name.lower()
        return COMPACT.get(n, n)

    def lines(self, name):
        """The values of every header line called name, in order."""
        key = self._norm(name)
        return [v for n, v in self.headers if self._norm(n) == key]

    def values(self, name):
        """Every comma-separated element of the header name, in order."""
        out = []
        for v in self.lines(name):
            out.extend(split_list(v))
        return out

    def hdr(self, name):
        """The first line of header name, or None."""
        v = self.lines(name)
        return v[0] if v else None

    def vias(self):
        return self.values("via")

    def top_branch(self):
        return via_param(self.vias()[0], "branch")

    def cseq_method(self):
        return self.hdr("cseq").split()[1]

    def __str__(self):
        return self.raw.decode("latin-1", "replace")


def split_list(v):
    """Split a header value at commas outside <> and quotes."""
    out, cur, depth, quoted = [], "", 0, False
    for ch in v:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch == "<":
            depth += 1
        elif not quoted and ch == ">":
            depth -= 1
        if ch == "," and depth == 0 and not quoted:
            out.append(cur.strip())
            cur = ""
        else:
            cur += ch
    if cur.strip():
        out.append(cur.strip())
    return out


def via_param(via, name):
    """The value of parameter name of one Via element (None if absent,
    "" if present without a value)."""
    for p in via.split(";")[1:]:
        k, eq, v = p.partition("=")
        if k.strip().lower() == name:
            return v.strip() if eq else ""
    return None


def via_base(via):
    """One Via element without its received and rport parameters (the
    ones a server adds or fills in)."""
    parts = via.split(";")
    keep = [p for p in parts[1:]
            if p.split("=", 1)[0].strip().lower() not in ("received", "rport")]
    return ";".join([parts[0].strip()] + keep)


def recv(s, timeout, want=None):
    """The next message on s that want(msg) accepts (all if None), within
    timeout seconds; None when none came.  Others are skipped."""
    end = time.monotonic() + timeout
    while True:
        left = end - time.monotonic()
        if left <= 0:
            return None
        data, addr = recv_raw(s, left)
        if data is None:
            return None
        try:
            m = Msg(data, addr)
        except (ValueError, IndexError):
            continue
        if want is None or want(m):
            return m


def drain(s, quiet=0.3, limit=10.0):
    """Read and discard until s has been quiet for `quiet` seconds (at most
    `limit` seconds in all); returns how many datagrams were read."""
    n, end = 0, time.monotonic() + limit
    while time.monotonic() < end:
        data, _ = recv_raw(s, quiet)
        if data is None:
            break
        n += 1
    return n


def expect(s, timeout, what, want=None):
    m = recv(s, timeout, want)
    if m is None:
        fail("timed out after %.1f s waiting for %s" % (timeout, what))
    return m


def expect_nothing(s, timeout, what, want=None):
    """Fail if a message (that want accepts) arrives within timeout."""
    m = recv(s, timeout, want)
    if m is not None:
        fail("%s: got unexpected message:\n%s" % (what, m))


def is_request(method, callid=None):
    def f(m):
        return (m.is_request and m.method == method and
                (callid is None or m.hdr("call-id") == callid))
    return f


def is_response(code=None, method=None, callid=None):
    def f(m):
        return (not m.is_request and (code is None or m.code == code) and
                (method is None or m.cseq_method() == method) and
                (callid is None or m.hdr("call-id") == callid))
    return f


def token(n=10):
    return "".join(random.choice("abcdefghijklmnopqrstuvwxyz0123456789")
                   for _ in range(n))


def branch():
    return "z9hG4bK" + token(16)


def response_to(req, code, reason, totag=None, extra=""):
    """A response to req (a Msg) echoing Via, From, To, Call-ID, CSeq;
    totag is added to To when To has none."""
    to = req.hdr("to")
    if totag is not None and ";tag=" not in to:
        to += ";tag=" + totag
    out = "SIP/2.0 %d %s\n" % (code, reason)
    for v in req.lines("via"):
        out += "Via: %s\n" % v
    for rr in req.lines("record-route"):
        out += "Record-Route: %s\n" % rr
    out += "From: %s\nTo: %s\nCall-ID: %s\nCSeq: %s\n" % (
        req.hdr("from"), to, req.hdr("call-id"), req.hdr("cseq"))
    out += extra
    out += "Content-Length: 0\n\n"
    return out
