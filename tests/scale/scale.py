"""The scale-out checks of tests/scale/scale.sh, from one process.

scale.sh builds the namespaces (client, balancer, three instances, PBX)
and starts the instances; this script plays the phones (in the client
namespace, one source address each) and the PBX (a registrar that keeps
each binding's Path and can call a phone, in the PBX namespace).  It
enters a namespace with setns(2) before it makes that namespace's
sockets, so one select() loop serves both sides.  Every wait is bounded.

Usage: scale.py test | scale.py bench N
Environment (from scale.sh): NS_CLIENT NS_BAL NS_PBX (the PIDs of the
processes that hold those namespaces), VIP, NODES (the
instance addresses, space separated), NODE_PIDS, NODE_LOGS, PHONES (the
phone addresses), TCP_PHONES, FLOOD_IP, REALM, USERS_PW (user:password per
line file), NFT_TABLE, BAN_AFTER.
"""

import ctypes
import hashlib
import os
import random
import re
import select
import socket
import subprocess
import sys
import time

CLONE_NEWNET = 0x40000000
LIBC = ctypes.CDLL(None, use_errno=True)
E = os.environ
REALM = E["REALM"]
VIP = E["VIP"]
NODES = E["NODES"].split()
PBX_IP = E["PBX_IP"]
PBX_PORT = 5060


def fail(msg):
    sys.stderr.write("FAIL: scale: %s\n" % msg)
    sys.exit(1)


def check(cond, msg):
    if not cond:
        fail(msg)


def note(msg):
    sys.stderr.write("scale: %s\n" % msg)
    sys.stderr.flush()


def enter(ns):
    """Make the sockets created from now on belong to namespace ns.

    A namespace is named by the PID of the process scale.sh holds it with.
    """
    fd = os.open("/proc/%s/ns/net" % ns, os.O_RDONLY)
    try:
        if LIBC.setns(fd, CLONE_NEWNET) != 0:
            fail("setns %s: %s" % (ns, os.strerror(ctypes.get_errno())))
    finally:
        os.close(fd)


def in_ns(ns, *cmd):
    """Run a command in namespace ns; its output, or fail."""
    r = subprocess.run(["nsenter", "--net=/proc/%s/ns/net" % ns, "--"] +
                       list(cmd),
                       capture_output=True, text=True, timeout=20)
    return r


def nft(*args):
    r = in_ns(E["NS_BAL"], "nft", *args)
    check(r.returncode == 0, "nft %s: %s" % (" ".join(args), r.stderr))


def ct_flush(*filt):
    """Forget the balancer's conntrack entries that match filt."""
    # Exit status 1 when nothing matched: that is not a failure here.
    in_ns(E["NS_BAL"], "conntrack", "-D", *filt)


def set_map(buckets):
    """The balancer's bucket -> instance map: buckets[i] is a node index."""
    elems = ", ".join("%d : %s" % (i, NODES[n]) for i, n in enumerate(buckets))
    table = E["NFT_TABLE"]
    nft("flush map ip %s nodes; add element ip %s nodes { %s }" %
        (table, table, elems))


def md5(s):
    return hashlib.md5(s.encode()).hexdigest()


def ha1(user, pw):
    return md5("%s:%s:%s" % (user, REALM, pw))


def tok(n=10):
    return "".join(random.choice("abcdefghijklmnopqrstuvwxyz0123456789")
                   for _ in range(n))


# ---- SIP messages ---------------------------------------------------------

class Msg:
    def __init__(self, data):
        text = data.decode("utf-8", "replace")
        head, _, self.body = text.partition("\r\n\r\n")
        lines = head.split("\r\n")
        self.start = lines[0]
        self.hdrs = []
        for ln in lines[1:]:
            if ":" in ln:
                k, v = ln.split(":", 1)
                self.hdrs.append((k.strip().lower(), v.strip()))
        parts = self.start.split(" ", 2)
        self.is_req = not self.start.startswith("SIP/2.0")
        self.method = parts[0] if self.is_req else None
        self.code = int(parts[1]) if not self.is_req else None

    def all(self, name):
        return [v for k, v in self.hdrs if k == name]

    def hdr(self, name):
        v = self.all(name)
        return v[0] if v else None

    def cseq_method(self):
        return self.hdr("cseq").split()[1]


def params(value):
    out = {}
    for m in re.finditer(r'(\w+)=("([^"]*)"|[^,\s]+)', value):
        out[m.group(1).lower()] = m.group(3) if m.group(3) is not None \
            else m.group(2)
    return out


def frame(start, hdrs, body=""):
    lines = [start] + ["%s: %s" % h for h in hdrs]
    lines.append("Content-Length: %d" % len(body))
    return ("\r\n".join(lines) + "\r\n\r\n" + body).encode()


def response_to(req, code, reason, extra=(), totag=None):
    hdrs = []
    for k, v in req.hdrs:
        if k in ("via", "from", "call-id", "cseq", "record-route"):
            hdrs.append((k.capitalize() if k != "call-id" else "Call-ID", v))
        elif k == "to":
            if totag and ";tag=" not in v:
                v += ";tag=" + totag
            hdrs.append(("To", v))
    hdrs.extend(extra)
    return frame("SIP/2.0 %d %s" % (code, reason), hdrs)


# ---- the event loop -------------------------------------------------------

class Loop:
    def __init__(self):
        self.handlers = {}

    def add(self, s, fn):
        self.handlers[s.fileno()] = (s, fn)

    def remove(self, s):
        self.handlers.pop(s.fileno(), None)

    def pump(self, until, timeout, what):
        """Serve every socket until until() holds; fail after timeout."""
        end = time.time() + timeout
        while not until():
            left = end - time.time()
            if left <= 0:
                fail("timed out after %.0f s waiting for %s" % (timeout, what))
            fds = [s for s, _ in self.handlers.values()]
            r, _, _ = select.select(fds, [], [], min(left, 0.2))
            for s in r:
                ent = self.handlers.get(s.fileno())
                if ent is not None:
                    ent[1](s)

    def settle(self, seconds):
        end = time.time() + seconds
        self.pump(lambda: time.time() >= end, seconds + 1, "nothing")


LOOP = Loop()


# ---- the PBX: a registrar that can call its phones ------------------------

class Pbx:
    def __init__(self):
        enter(E["NS_PBX"])
        self.s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
        self.s.bind((PBX_IP, PBX_PORT))
        LOOP.add(self.s, self.on_packet)
        self.bindings = {}   # user -> (contact, [path], instance ip)
        self.registers = {}  # instance ip -> REGISTERs seen
        self.got = []        # everything else that arrived
        self.naddrs = {}

    def on_packet(self, s):
        data, src = s.recvfrom(65535)
        m = Msg(data)
        if m.is_req and m.method == "REGISTER":
            user = re.search(r"sip:([^@>;]+)@", m.hdr("to")).group(1)
            contact = re.search(r"<([^>]+)>", m.hdr("contact")).group(1)
            paths = []
            for p in m.all("path"):
                paths += re.findall(r"<([^>]+)>", p)
            self.bindings[user] = (contact, paths, src[0])
            self.registers[src[0]] = self.registers.get(src[0], 0) + 1
            check(m.hdr("authorization") is None,
                  "the REGISTER reached the PBX with its credentials")
            s.sendto(response_to(m, 200, "OK",
                                 [("Contact", m.hdr("contact") +
                                   ";expires=3600")],
                                 totag="pbx" + tok(6)), src)
            return
        self.got.append((m, src))

    def call(self, user, transport_note):
        """INVITE user at its Contact through its Path; the INVITE sent."""
        contact, paths, inst = self.bindings[user]
        check(paths, "%s registered without a Path" % user)
        hop = re.match(r"sips?:[^@]+@([^:;>]+):(\d+)", paths[0])
        check(hop is not None, "Path %s names no host:port" % paths[0])
        check(hop.group(1) == inst,
              "Path %s does not name the instance %s that forwarded the "
              "REGISTER" % (paths[0], inst))
        cid = "call-%s-%s" % (user, tok())
        inv = frame("INVITE %s SIP/2.0" % contact, [
            ("Via", "SIP/2.0/UDP %s:%d;branch=z9hG4bK%s" %
             (PBX_IP, PBX_PORT, tok())),
            ("Route", ", ".join("<%s>" % p for p in paths)),
            ("Max-Forwards", "70"),
            ("From", "<sip:100@%s>;tag=pbx%s" % (REALM, tok(6))),
            ("To", "<sip:%s@%s>" % (user, REALM)),
            ("Call-ID", cid), ("CSeq", "1 INVITE"),
            ("Contact", "<sip:100@%s:%d>" % (PBX_IP, PBX_PORT))])
        self.s.sendto(inv, (hop.group(1), int(hop.group(2))))
        return cid, inst

    def take(self, pred):
        for i, (m, src) in enumerate(self.got):
            if pred(m):
                del self.got[i]
                return m, src
        return None


# ---- phones ---------------------------------------------------------------

class Phone:
    """A phone on its own source address, over UDP or TCP."""

    def __init__(self, ip, user, pw, tcp=False):
        self.ip, self.user, self.pw, self.tcp = ip, user, pw, tcp
        self.port = 5060
        self.cid = "reg-%s-%s" % (user, tok())
        self.cseq = 0
        self.nonce = None
        self.nc = 0
        self.inbox = []
        self.buf = b""
        self.challenges = 0
        enter(E["NS_CLIENT"])
        if tcp:
            self.s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            self.s.bind((ip, 0))
            self.s.settimeout(5)
            self.s.connect((VIP, 5060))
            self.s.setblocking(False)
            self.port = self.s.getsockname()[1]
        else:
            self.s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            self.s.bind((ip, self.port))
        LOOP.add(self.s, self.on_readable)

    def close(self):
        LOOP.remove(self.s)
        self.s.close()

    def on_readable(self, s):
        if not self.tcp:
            data, src = s.recvfrom(65535)
            self.inbox.append((Msg(data), src))
            return
        try:
            chunk = s.recv(65535)
        except BlockingIOError:
            return
        if not chunk:
            LOOP.remove(s)
            return
        self.buf += chunk
        while True:
            self.buf = self.buf.lstrip(b"\r\n")
            head, sep, rest = self.buf.partition(b"\r\n\r\n")
            if not sep:
                return
            n = int(re.search(rb"(?im)^(?:content-length|l)\s*:\s*(\d+)",
                              head).group(1))
            if len(rest) < n:
                return
            self.inbox.append((Msg(head + sep + rest[:n]),
                               self.s.getpeername()))
            self.buf = rest[n:]

    def send(self, data):
        if self.tcp:
            self.s.setblocking(True)
            self.s.sendall(data)
            self.s.setblocking(False)
        else:
            self.s.sendto(data, (VIP, 5060))

    def tp(self):
        return "TCP" if self.tcp else "UDP"

    def register(self, auth=None):
        """Send a REGISTER (with credentials when auth says so)."""
        self.cseq += 1
        self.branch = "z9hG4bK" + tok()
        uri = "sip:%s" % REALM
        hdrs = [
            ("Via", "SIP/2.0/%s %s:%d;branch=%s;rport" %
             (self.tp(), self.ip, self.port, self.branch)),
            ("Max-Forwards", "70"),
            ("From", "<sip:%s@%s>;tag=%s" % (self.user, REALM, tok(8))),
            ("To", "<sip:%s@%s>" % (self.user, REALM)),
            ("Call-ID", self.cid), ("CSeq", "%d REGISTER" % self.cseq),
            ("Contact", "<sip:%s@%s:%d%s>" %
             (self.user, self.ip, self.port,
              ";transport=tcp" if self.tcp else "")),
            ("Expires", "3600")]
        if auth and self.nonce:
            self.nc += 1
            nc = "%08x" % self.nc
            cnonce = tok(8)
            h1 = ha1(self.user, self.pw)
            h2 = md5("REGISTER:" + uri)
            resp = md5(":".join([h1, self.nonce, nc, cnonce, "auth", h2]))
            hdrs.append(("Authorization",
                         'Digest username="%s", realm="%s", nonce="%s", '
                         'uri="%s", response="%s", algorithm=MD5, '
                         'qop=auth, nc=%s, cnonce="%s"' %
                         (self.user, REALM, self.nonce, uri, resp, nc,
                          cnonce)))
        self.inbox = [x for x in self.inbox if x[0].is_req]
        self.send(frame("REGISTER %s SIP/2.0" % uri, hdrs))

    def final(self):
        """The final response to the last REGISTER, or None."""
        for m, _ in self.inbox:
            if not m.is_req and m.code >= 200 and \
                    m.cseq_method() == "REGISTER" and \
                    m.hdr("cseq").split()[0] == str(self.cseq):
                return m
        return None

    def take_challenge(self, m):
        for v in m.all("www-authenticate"):
            p = params(v)
            if p.get("algorithm", "MD5").upper() == "MD5":
                self.nonce, self.nc = p["nonce"], 0
                self.challenges += 1
                return
        fail("%s: 401 without an MD5 challenge" % self.user)

    def take_req(self, method):
        for i, (m, src) in enumerate(self.inbox):
            if m.is_req and m.method == method:
                del self.inbox[i]
                return m, src
        return None


def register_all(phones, what, fresh=True, allow_challenge=True):
    """Register every phone: answer one challenge; each must end with 200.

    fresh: start without credentials (the first registration); otherwise
    send the last nonce with the next nc, as a phone refreshing does.
    Returns the number of challenges each phone needed.
    """
    before = {p: p.challenges for p in phones}
    state = {}
    for p in phones:
        p.register(auth=not fresh)
        state[p] = "sent"

    def step():
        for p in phones:
            if state[p] in ("sent", "answered"):
                m = p.final()
                if m is None:
                    continue
                if m.code == 401 and state[p] == "sent" and allow_challenge:
                    p.take_challenge(m)
                    p.register(auth=True)
                    state[p] = "answered"
                elif m.code == 200:
                    state[p] = "ok"
                else:
                    fail("%s: %s answered %d (%s)" %
                         (what, p.user, m.code, m.start))
        return all(v == "ok" for v in state.values())

    LOOP.pump(step, 30, "%s (%d of %d registered)" %
              (what, sum(v == "ok" for v in state.values()), len(phones)))
    return {p: p.challenges - before[p] for p in phones}


# ---- instances ------------------------------------------------------------

def metric(node, name):
    """The value of metric name (labels included) at instance node."""
    enter(E["NS_PBX"])
    s = socket.create_connection((node, 9187), timeout=5)
    s.sendall(b"GET /metrics HTTP/1.0\r\nHost: x\r\n\r\n")
    data = b""
    while True:
        c = s.recv(65536)
        if not c:
            break
        data += c
    s.close()
    for ln in data.decode().splitlines():
        if ln.startswith(name + " "):
            return float(ln.split()[1])
    return 0.0


def logs():
    return E["NODE_LOGS"].split()


def log_text(i):
    with open(logs()[i], errors="replace") as f:
        return f.read()


def cpu_ticks(pids):
    total = 0
    for pid in pids:
        with open("/proc/%s/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    return total


# ---- the checks -----------------------------------------------------------

def load_users():
    users = []
    with open(E["USERS_PW"]) as f:
        for ln in f:
            u, pw = ln.split()
            users.append((u, pw))
    return users


def make_phones():
    users = load_users()
    ips = E["PHONES"].split()
    tcp_ips = E["TCP_PHONES"].split()
    check(len(users) >= len(ips) + len(tcp_ips), "not enough users")
    udp = [Phone(ip, *users[i]) for i, ip in enumerate(ips)]
    tcp = [Phone(ip, *users[len(ips) + i], tcp=True)
           for i, ip in enumerate(tcp_ips)]
    return udp, tcp


def instance_of(pbx, phone):
    return pbx.bindings[phone.user][2]


def check_spread(pbx, udp):
    """(a) 300 phones through the VIP, spread over the three instances."""
    register_all(udp, "(a) first registration")
    n = len(udp)
    counts = [metric(node, "sipwarden_auth_success_total") for node in NODES]
    via = [sum(1 for p in udp if instance_of(pbx, p) == node)
           for node in NODES]
    note("(a) %d phones registered; auth_ok per instance %s, REGISTERs "
         "the PBX saw per instance %s" %
         (n, [int(c) for c in counts], via))
    for i, c in enumerate(counts):
        check(0.20 * n <= c <= 0.47 * n,
              "(a) instance %s authenticated %d of %d phones, outside "
              "20%%..47%%" % (NODES[i], c, n))
        check(c == via[i], "(a) instance %s: %d auth_ok but the PBX saw "
              "%d of its phones" % (NODES[i], c, via[i]))


def answer_call(phone, what):
    got = phone.take_req("INVITE")
    check(got is not None, what + ": no INVITE")
    inv, src = got
    phone.send_to = src
    reply = response_to(inv, 200, "OK",
                        [("Contact", "<sip:%s@%s:%d>" %
                          (phone.user, phone.ip, phone.port))],
                        totag="ph" + tok(6))
    if phone.tcp:
        phone.send(reply)
    else:
        phone.s.sendto(reply, src)
    return inv, src


def pbx_call(pbx, phone, what):
    """The PBX calls phone, which answers 200; (cid, INVITE, source, RRs)."""
    cid, _ = pbx.call(phone.user, phone.tp())
    LOOP.pump(lambda: any(m.is_req and m.method == "INVITE"
                          for m, _ in phone.inbox), 10, what)
    inv, src = answer_call(phone, what)
    rrs = re.findall(r"<([^>]+)>", ",".join(inv.all("record-route")))
    LOOP.pump(lambda: pbx.take(lambda m: not m.is_req and
                               m.hdr("call-id") == cid and
                               m.code == 200) is not None, 10,
              what + ": the 200 at the PBX")
    return cid, inv, src, rrs


def phone_bye(pbx, phone, inv, cid, rrs, what):
    """The phone hangs up along its route set; the BYE at the PBX, and
    where it came from."""
    bye = frame("BYE sip:100@%s:%d SIP/2.0" % (PBX_IP, PBX_PORT), [
        ("Via", "SIP/2.0/%s %s:%d;branch=z9hG4bK%s;rport" %
         (phone.tp(), phone.ip, phone.port, tok())),
        ("Route", ", ".join("<%s>" % r for r in rrs)), ("Max-Forwards", "70"),
        ("From", inv.hdr("to") + ";tag=ph" + tok(4)
         if ";tag=" not in inv.hdr("to") else inv.hdr("to")),
        ("To", inv.hdr("from")), ("Call-ID", cid), ("CSeq", "2 BYE")])
    phone.send(bye)
    LOOP.pump(lambda: any(m.is_req and m.method == "BYE" and
                          m.hdr("call-id") == cid
                          for m, _ in pbx.got), 10,
              what + ": the phone's BYE at the PBX")
    return pbx.take(lambda m: m.is_req and m.method == "BYE" and
                    m.hdr("call-id") == cid)


def check_calls(pbx, udp, tcp):
    """(b) the PBX calls a UDP phone and a TCP phone on another instance."""
    register_all(tcp, "(b) TCP phones' registration")
    t = tcp[0]
    t_inst = instance_of(pbx, t)
    u = next((p for p in udp if instance_of(pbx, p) != t_inst), None)
    check(u is not None, "(b) every UDP phone is on the TCP phone's instance")
    u_inst = instance_of(pbx, u)
    for phone, inst in ((u, u_inst), (t, t_inst)):
        what = "(b) the PBX calls %s (%s, through %s)" % \
            (phone.user, phone.tp(), inst)
        cid, inv, src, rrs = pbx_call(pbx, phone, what)
        check(src == (VIP, 5060),
              "%s: the INVITE came from %s:%d, not from the VIP %s:5060" %
              (what, src[0], src[1], VIP))
        via = inv.all("via")[0]
        check(via.startswith("SIP/2.0/%s %s:5060;" % (phone.tp(), VIP)),
              "%s: our Via names %s, not the VIP" % (what, via))
        check(len(rrs) == 2 and "@%s:5060" % VIP in rrs[0] and
              "@%s:5060" % inst in rrs[1],
              "%s: Record-Route %s: not the VIP then the instance" %
              (what, rrs))
        # Through the VIP, no challenge (the dialog token), on to the PBX.
        bye, bsrc = phone_bye(pbx, phone, inv, cid, rrs, what)
        check(not bye.all("route"),
              "%s: the BYE reached the PBX with Route %s: both entries are "
              "ours and go" % (what, bye.all("route")))
        check(bsrc[0] == inst, "%s: the BYE came through %s, not %s" %
              (what, bsrc[0], inst))
        note("%s: INVITE from %s:%d over %s, Record-Route VIP then %s, "
             "BYE back without a challenge" %
             (what, src[0], src[1], phone.tp(), inst))
    for p in tcp:
        p.close()


def check_phone_calls(pbx, udp):
    """(b) a phone calls the PBX: 407, the answer, the route set."""
    p = udp[2]
    inst = instance_of(pbx, p)
    what = "(b) %s calls the PBX through %s" % (p.user, inst)
    cid = "out-%s-%s" % (p.user, tok())
    ruri = "sip:100@%s" % REALM

    def invite(cseq, auth=None):
        hdrs = [("Via", "SIP/2.0/UDP %s:%d;branch=z9hG4bK%s;rport" %
                 (p.ip, p.port, tok())),
                ("Max-Forwards", "70"),
                ("From", "<sip:%s@%s>;tag=ph%s" % (p.user, REALM, cid[-6:])),
                ("To", "<%s>" % ruri), ("Call-ID", cid),
                ("CSeq", "%d INVITE" % cseq),
                ("Contact", "<sip:%s@%s:%d>" % (p.user, p.ip, p.port))]
        if auth:
            hdrs.append(("Proxy-Authorization", auth))
        p.send(frame("INVITE %s SIP/2.0" % ruri, hdrs))

    def reply(code):
        for m, _ in p.inbox:
            if not m.is_req and m.hdr("call-id") == cid and m.code == code:
                return m
        return None

    invite(1)
    LOOP.pump(lambda: reply(407) is not None, 10, what + ": 407")
    ch = [params(v) for v in reply(407).all("proxy-authenticate")]
    ch = [c for c in ch if c.get("algorithm", "MD5").upper() == "MD5"][0]
    cnonce, nc = tok(8), "00000001"
    resp = md5(":".join([ha1(p.user, p.pw), ch["nonce"], nc, cnonce, "auth",
                         md5("INVITE:" + ruri)]))
    invite(2, 'Digest username="%s", realm="%s", nonce="%s", uri="%s", '
           'response="%s", algorithm=MD5, qop=auth, nc=%s, cnonce="%s"' %
           (p.user, REALM, ch["nonce"], ruri, resp, nc, cnonce))
    LOOP.pump(lambda: any(m.is_req and m.method == "INVITE" and
                          m.hdr("call-id") == cid for m, _ in pbx.got), 10,
              what + ": the INVITE at the PBX")
    inv, src = pbx.take(lambda m: m.is_req and m.method == "INVITE" and
                        m.hdr("call-id") == cid)
    check(src[0] == inst, "%s: the INVITE came through %s" % (what, src[0]))
    rrs = re.findall(r"<([^>]+)>", ",".join(inv.all("record-route")))
    check(len(rrs) == 2 and "@%s:5060" % inst in rrs[0] and
          "@%s:5060" % VIP in rrs[1],
          "%s: Record-Route %s: not the instance then the VIP" % (what, rrs))
    check(inv.hdr("proxy-authorization") is None,
          what + ": the credentials reached the PBX")
    via = inv.all("via")[0]
    check(via.startswith("SIP/2.0/UDP %s:5060;" % inst),
          "%s: our Via %s does not name the instance" % (what, via))
    pbx.s.sendto(response_to(inv, 200, "OK", [
        ("Contact", "<sip:100@%s:%d>" % (PBX_IP, PBX_PORT))],
        totag="pbx" + tok(6)), src)
    LOOP.pump(lambda: reply(200) is not None, 10, what + ": the 200")
    ok = reply(200)
    # The phone's route set is the Record-Route reversed: the VIP first.
    route = list(reversed(re.findall(r"<([^>]+)>",
                                     ",".join(ok.all("record-route")))))
    check(len(route) == 2 and "@%s:5060" % VIP in route[0],
          "%s: the 200's Record-Route %s" % (what, route))
    note("%s: 407, then the INVITE at the PBX with Record-Route %s then "
         "the VIP; the phone's route set starts at the VIP" %
         (what, inst))


def node_index(ip):
    return NODES.index(ip)


def check_nonce_moves(pbx, udp):
    """(c) a nonce from one instance, answered to another."""
    p = udp[0]
    a = node_index(instance_of(pbx, p))
    b = (a + 1) % len(NODES)
    p.nonce = None
    p.register(auth=False)
    LOOP.pump(lambda: p.final() is not None, 10, "(c) the challenge")
    m = p.final()
    check(m.code == 401, "(c) %s: %d, not 401" % (p.user, m.code))
    p.take_challenge(m)
    # Every bucket of instance a now goes to b; the phone's flow is
    # forgotten so its next packet is balanced afresh.
    buckets = [i % len(NODES) for i in range(6)]
    set_map([b if n == a else n for n in buckets])
    ct_flush("-s", p.ip)
    ok_b = metric(NODES[b], "sipwarden_auth_success_total")
    p.register(auth=True)
    LOOP.pump(lambda: p.final() is not None, 10, "(c) the answer at b")
    m = p.final()
    check(m.code == 200, "(c) %s's answer to %s's nonce at %s: %d" %
          (p.user, NODES[a], NODES[b], m.code))
    check(instance_of(pbx, p) == NODES[b],
          "(c) the REGISTER reached the PBX through %s, not %s" %
          (instance_of(pbx, p), NODES[b]))
    check(metric(NODES[b], "sipwarden_auth_success_total") == ok_b + 1,
          "(c) %s did not count the authentication" % NODES[b])
    set_map(buckets)
    ct_flush("-s", p.ip)
    register_all([p], "(c) back on its own instance", fresh=False)
    check(instance_of(pbx, p) == NODES[a], "(c) not back on %s" % NODES[a])
    note("(c) %s's nonce from %s accepted by %s after the map changed" %
         (p.user, NODES[a], NODES[b]))


def check_failover(pbx, udp):
    """(d) an instance dies; its phones move, the others see nothing."""
    dead = len(NODES) - 1
    pid = E["NODE_PIDS"].split()[dead]
    with open("/proc/%s/comm" % pid) as f:
        check(f.read().strip() == "sipwarden", "(d) PID %s is not sipwarden"
              % pid)
    mine = [p for p in udp if instance_of(pbx, p) == NODES[dead]]
    # A call in progress through it, from the PBX to one of its phones.
    victim = mine[0]
    what = "(d) %s's call through %s" % (victim.user, NODES[dead])
    cid, inv, _, rrs = pbx_call(pbx, victim, what)
    os.kill(int(pid), 9)
    end = time.time() + 5
    while time.time() < end:
        try:
            with open("/proc/%s/stat" % pid) as f:
                if f.read().rsplit(")", 1)[1].split()[0] in ("Z", "X"):
                    break
        except FileNotFoundError:
            break  # gone, and reaped by scale.sh already
        time.sleep(0.05)
    else:
        fail("(d) instance %s still running 5 s after SIGKILL" % NODES[dead])
    others = [p for p in udp if instance_of(pbx, p) != NODES[dead]]
    # Its buckets go to the survivors, one each; its flows are forgotten.
    buckets = [i % len(NODES) for i in range(6)]
    alive = [n for n in range(len(NODES)) if n != dead]
    moved, k = [], 0
    for n in buckets:
        if n == dead:
            n = alive[k % len(alive)]
            k += 1
        moved.append(n)
    set_map(moved)
    ct_flush("-r", NODES[dead])
    before = {p: instance_of(pbx, p) for p in others}
    ch = register_all(mine + others, "(d) refresh after %s died" %
                      NODES[dead], fresh=False)
    check(all(ch[p] <= 1 for p in mine),
          "(d) a phone of the dead instance needed %d challenges" %
          max(ch[p] for p in mine))
    check(all(ch[p] == 0 for p in others),
          "(d) phones of the live instances challenged again: %s" %
          ["%s at %s" % (p.user, before[p]) for p in others if ch[p]])
    check(all(instance_of(pbx, p) == before[p] for p in others),
          "(d) a phone of a live instance moved")
    check(all(instance_of(pbx, p) != NODES[dead] for p in mine),
          "(d) a phone still registered through the dead instance")
    # The call's BYE from the phone: a survivor removes the VIP's entry
    # and the dead instance's own, and the PBX gets it without a Route.
    bye, bsrc = phone_bye(pbx, victim, inv, cid, rrs, what)
    check(not bye.all("route") and bsrc[0] in [NODES[n] for n in alive],
          "%s: the BYE after the failure came through %s with Route %s" %
          (what, bsrc[0], bye.all("route")))
    note("%s: the phone's BYE after the failure reached the PBX through %s "
         "without the dead instance's Route entry" % (what, bsrc[0]))
    note("(d) %s killed: its %d phones registered again through %s with "
         "%d challenges in all (%d without one); the %d other phones: "
         "0 failures, 0 challenges, none moved" %
         (NODES[dead], len(mine), [NODES[n] for n in alive],
          sum(ch[p] for p in mine), sum(1 for p in mine if ch[p] == 0),
          len(others)))
    return alive


def check_flood_ban(pbx, udp, alive):
    """(e) one source guesses; the one instance that sees it bans it."""
    enter(E["NS_CLIENT"])
    ip = E["FLOOD_IP"]
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((ip, 5060))
    inbox = []
    LOOP.add(s, lambda so: inbox.append(Msg(so.recvfrom(65535)[0])))
    user = udp[1].user
    sent = 0
    nonce = None
    ban_after = int(E["BAN_AFTER"])
    for i in range(ban_after + 20):
        cid = "guess-%d" % i
        hdrs = [("Via", "SIP/2.0/UDP %s:5060;branch=z9hG4bK%s;rport" %
                 (ip, tok())),
                ("Max-Forwards", "70"),
                ("From", "<sip:%s@%s>;tag=g%d" % (user, REALM, i)),
                ("To", "<sip:%s@%s>" % (user, REALM)),
                ("Call-ID", cid), ("CSeq", "1 REGISTER"),
                ("Contact", "<sip:%s@%s:5060>" % (user, ip))]
        if nonce:
            hdrs.append(("Authorization",
                         'Digest username="%s", realm="%s", nonce="%s", '
                         'uri="sip:%s", response="%s", algorithm=MD5' %
                         (user, REALM, nonce, REALM, md5(tok()))))
        inbox.clear()
        s.sendto(frame("REGISTER sip:%s SIP/2.0" % REALM, hdrs), (VIP, 5060))
        sent += 1
        t_end = time.time() + 0.5
        LOOP.pump(lambda: bool(inbox) or time.time() > t_end, 3,
                  "(e) an answer or silence")
        if not inbox:
            break
        for v in inbox[-1].all("www-authenticate"):
            p = params(v)
            if p.get("algorithm", "MD5").upper() == "MD5":
                nonce = p["nonce"]
    check(sent > ban_after, "(e) the guesser was silenced after %d tries, "
          "before ban_after %d" % (sent, ban_after))
    check(sent <= ban_after + 2, "(e) %d guesses were answered, ban_after "
          "is %d" % (sent, ban_after))
    banned = [i for i in range(len(NODES))
              if re.search(r"event=ban addr=%s " % re.escape(ip),
                           log_text(i))]
    check(len(banned) == 1, "(e) %d instances logged the ban of %s" %
          (len(banned), ip))
    w = banned[0]
    check(w in alive, "(e) the dead instance banned")
    for i in range(len(NODES)):
        if i != w:
            check(ip not in log_text(i),
                  "(e) instance %s saw the guesser %s" % (NODES[i], ip))
    # The real phone of that user still registers (it is on its own
    # address, which nobody banned).
    register_all([udp[1]], "(e) the guessed user's own phone", fresh=False)
    LOOP.remove(s)
    s.close()
    note("(e) %s banned by %s alone after %d guesses; the other instances "
         "never saw it; %s still registers" %
         (ip, NODES[w], sent - 1, user))


def run_test():
    pbx = Pbx()
    udp, tcp = make_phones()
    check_spread(pbx, udp)
    check_calls(pbx, udp, tcp)
    check_phone_calls(pbx, udp)
    check_nonce_moves(pbx, udp)
    alive = check_failover(pbx, udp)
    check_flood_ban(pbx, udp, alive)
    note("all checks passed")


def bench_round(udp, n, pids):
    """n authenticated REGISTERs (401 then 200), phones in turn."""
    t0 = cpu_ticks(pids)
    w0 = time.time()
    done = 0
    while done < n:
        batch = udp[:min(len(udp), n - done)]
        for p in batch:
            p.nonce = None
        register_all(batch, "bench")
        done += len(batch)
    ticks = cpu_ticks(pids) - t0
    hz = os.sysconf("SC_CLK_TCK")
    return ticks * 1000.0 / hz * 1000.0 / n, time.time() - w0


def run_bench(n):
    pbx = Pbx()
    udp, tcp = make_phones()
    for p in tcp:
        p.close()
    pids = E["NODE_PIDS"].split()
    register_all(udp, "warm-up")
    three, w3 = bench_round(udp, n, pids)
    set_map([0] * 6)
    ct_flush("-d", VIP)
    one, w1 = bench_round(udp, n, pids[:1])
    check(pbx.registers, "no REGISTER reached the PBX")
    print("scale bench: %d authenticated REGISTERs (REGISTER, 401, REGISTER, "
          "200) from %d sources" % (n, len(udp)))
    print("scale bench: 3 instances behind the balancer: %.1f cpu-ms per "
          "1000 (all instances together; %.1f s)" % (three, w3))
    print("scale bench: 1 instance behind the balancer:  %.1f cpu-ms per "
          "1000 (%.1f s)" % (one, w1))


if __name__ == "__main__":
    random.seed()
    if len(sys.argv) > 1 and sys.argv[1] == "bench":
        run_bench(int(sys.argv[2]))
    else:
        run_test()
