#!/bin/bash
# stream_framing: how sipwarden cuts a TCP (and TLS) byte stream into SIP
# messages, and its timers.  Trust on (127.0.0.1), a python3 UDP PBX that
# answers every forwarded request with a 200 naming the MD5 of the body it
# got (X-Body-MD5), python3 clients (swstream):
#   - a request sent one byte at a time (small sleeps, TCP_NODELAY) is
#     forwarded whole and answered;
#   - three requests in one write (one with a body holding "\r\n\r\n" and a
#     request line, one with a compact "l:" Content-Length) are all
#     forwarded with their bodies and answered back in order;
#   - a "\r\n\r\n" ping is answered with exactly "\r\n" (two pings in one
#     write with two); a lone "\r\n" before a request (same write, or a
#     write of its own) is skipped without an answer;
#   - a request without Content-Length closes the connection: drop
#     reason=malformed why="no Content-Length on a stream", conn_close
#     reason=bad_frame, nothing forwarded;
#   - tcp_max_header 1024: a header block of exactly 1024 bytes passes, one
#     of 1025 closes the connection (drop reason=too_big, bad_frame);
#   - tcp_message_timeout 2 (slowloris): half a request and then nothing,
#     and a request trickled a byte every 0.15 s, are both closed 2 s after
#     their first byte (conn_close reason=timeout); a complete request and
#     then silence is not closed by it, nor is a peer sending requests
#     back to back whose writes always end inside the next request;
#   - tcp_idle_timeout 4: that silent connection is closed about 4 s after
#     its last byte (conn_close reason=idle, DEBUG), while one that sends a
#     ping every second stays open;
#   - the TLS listener: a TCP client that connects and sends nothing is
#     closed at the handshake deadline (reason=timeout transport=tls); a
#     client speaking plain SIP to it is closed with reason=tls; a client
#     that completed its handshake and sent a request is not closed by the
#     message timeout, and its close_notify is logged reason=eof; so is a
#     close without close_notify after reading everything (a FIN);
#   - a lone "\r\n" and then silence (a phone's single-CRLF keep-alive)
#     is not a message begun: not closed by the message timeout.
# The timers use idle 4 (not 2) so that the message timeout and the idle
# timeout can be told apart on one connection.
set -eu
. "$SRCDIR/lib.sh"
need python3 openssl ss

make_cert
TLS_PORT=$AUX_PORT
export TLS_PORT SW_LOG
sw_config "listen tcp:$(hostport "$IP" "$SW_PORT")" \
    "listen tls:$(hostport "$IP" "$TLS_PORT")" \
    "tls_cert cert.pem" "tls_key key.pem" \
    "tcp_max_header 1024" "tcp_message_timeout 2" "tcp_idle_timeout 4"
sw_start
wait_tcp_port "$SW_PORT"
wait_tcp_port "$TLS_PORT"

py <<'PY'
import hashlib, os, re, select, socket, ssl, threading, time
from swsip import *
from swauth import Req, is_reply_to
from swstream import Stream

SW = port("SW")
TLS = int(os.environ["TLS_PORT"])
LOG = os.environ["SW_LOG"]
IPRE = re.escape(IP)

# ---- the PBX: answers every request, remembers what it got ----------------
pbx = sock(port("PBX"))
got = {}            # Call-ID -> [body MD5, ...]
got_lock = threading.Lock()
stop = threading.Event()


def md5(b):
    return hashlib.md5(b).hexdigest()


def pbx_loop():
    while not stop.is_set():
        m = recv(pbx, 0.2)
        if m is None or not m.is_request:
            continue
        with got_lock:
            got.setdefault(m.hdr("call-id"), []).append(md5(m.body))
        send(pbx, response_to(m, 200, "OK", "pbx",
                              "X-Body-MD5: %s\n" % md5(m.body)), m.addr[1])


pt = threading.Thread(target=pbx_loop, daemon=True)
pt.start()


def forwarded(cid):
    with got_lock:
        return list(got.get(cid, []))


# ---- helpers ----------------------------------------------------------------
def options(st, body="", tp="TCP"):
    """An OPTIONS from st's port; body is sent as is (CRLFs and all)."""
    r = Req("OPTIONS", st.local_port(), body=body)
    r.tp = tp
    return r


def wire_req(r, text=None):
    """r on the wire: its head with CRLF line ends, then its body as is."""
    t = r.text() if text is None else text
    return wire(t[:len(t) - len(r.body)]) + r.body.encode("latin-1")


def answered(st, r, what, timeout=5):
    """The 200 for r on st; the PBX got r's body intact."""
    ok = st.expect(timeout, "200 for %s" % what, is_reply_to(r, 200))
    want = md5(r.body.encode("latin-1"))
    check(ok.hdr("x-body-md5") == want,
          "%s: the PBX got another body (%s, want %s)" %
          (what, ok.hdr("x-body-md5"), want))
    check(len(ok.vias()) == 1, "%s: our Via left in the 200" % what)
    return ok


def raw(st, first=2.0, quiet=0.4):
    """The bytes st receives: wait first s for some, then until quiet."""
    out = b""
    t = first
    while True:
        if not st._fill(time.time() + t):
            break
        out += st.buf
        st.buf = b""
        t = quiet
    return out


def log_find(regex, what, timeout=5.0):
    """Wait (bounded) for a line of the whole log matching regex."""
    rx = re.compile(regex)
    end = time.monotonic() + timeout
    while True:
        with open(LOG, "rb") as f:
            for line in f.read().decode("utf-8", "replace").splitlines():
                if rx.search(line):
                    return line
        if time.monotonic() > end:
            fail("%s: no log line matching /%s/ within %g s" %
                 (what, regex, timeout))
        time.sleep(0.05)


def log_none(regex, what):
    rx = re.compile(regex)
    with open(LOG, "rb") as f:
        for line in f.read().decode("utf-8", "replace").splitlines():
            check(not rx.search(line), "%s: unexpected log line: %s" %
                  (what, line))


def closed_line(p, reason, tp="tcp"):
    return (r"event=conn_close src=%s:%d reason=%s transport=%s( |$)" %
            (IPRE, p, reason, tp))


def connect(p=SW, tls=False):
    st = Stream.connect(p, tls=tls)
    st.s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return st


# ---- 1. a request one byte at a time ---------------------------------------
st = connect()
r = options(st, body="v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\n")
data = wire_req(r)
for i in range(len(data)):
    st.send_raw(data[i:i + 1])
    time.sleep(0.002)
answered(st, r, "a request sent byte by byte")
check(forwarded(r.callid) == [md5(r.body.encode())],
      "the byte-by-byte request forwarded %d times" % len(forwarded(r.callid)))
note("split: %d writes of one byte, forwarded once and answered" % len(data))

# ---- 2. three requests in one write -----------------------------------------
rs = [options(st, body="first\r\n\r\nINVITE sip:x@y SIP/2.0\r\nVia: x\r\n\r\n"),
      options(st),
      options(st, body="third body")]
texts = [rs[0].text(), rs[1].text(),
         rs[2].text().replace("Content-Length: 10\n", "l: 10\n")]
check("l: 10\n" in texts[2], "could not make the compact Content-Length")
st.send_raw(b"".join(wire_req(r, t) for r, t in zip(rs, texts)))
seen = []
for i in range(3):
    m = st.expect(5, "answer %d of 3 coalesced requests" % (i + 1))
    seen.append(m.hdr("call-id"))
check(seen == [r.callid for r in rs],
      "coalesced requests answered out of order or not all: %r" % seen)
for r in rs:
    check(forwarded(r.callid) == [md5(r.body.encode())],
          "coalesced %s forwarded as %r" % (r.callid, forwarded(r.callid)))
note("coalesced: three requests in one write, forwarded and answered in order")

# ---- 3. keep-alives ----------------------------------------------------------
st.send_raw(b"\r\n\r\n")
pong = raw(st)
check(pong == b"\r\n", "ping answered with %r, want exactly CRLF" % pong)
st.send_raw(b"\r\n\r\n\r\n\r\n")
pong = raw(st)
check(pong == b"\r\n\r\n", "two pings answered with %r" % pong)
# A lone CRLF in front of a request (same write) is skipped, not answered.
r = options(st)
st.send_raw(b"\r\n" + wire(r.text()))
back = raw(st)
check(back.startswith(b"SIP/2.0 200 "), "CRLF + request got %r" % back[:40])
check(not back.endswith(b"\r\n\r\n\r\n"), "a CRLF after the 200: %r" % back[-8:])
check(Msg(back).hdr("call-id") == r.callid, "200 for another request")
# ... and in a write of its own, the request following shortly.
r = options(st)
st.send_raw(b"\r\n")
time.sleep(0.3)
st.send_raw(wire(r.text()))
back = raw(st)
check(back.startswith(b"SIP/2.0 200 "), "CRLF, then request got %r" % back[:40])
check(Msg(back).hdr("call-id") == r.callid, "200 for another request")
check(not st.closed, "connection closed after keep-alives")
st.close()
note("keep-alives: ping -> CRLF, leading CRLF skipped")

# ---- 4. no Content-Length ----------------------------------------------------
st = connect()
me = st.local_port()
r = options(st)
st.send_raw(wire(r.text().replace("Content-Length: 0\n", "")))
check(st.wait_closed(3), "a request without Content-Length: still open")
log_find(r'INFO event=drop src=%s:%d reason=malformed '
         r'why="no Content-Length on a stream" suppressed=[0-9]+$' % (IPRE, me),
         "drop of a request without Content-Length")
log_find(closed_line(me, "bad_frame"), "conn_close after no Content-Length")
check(not forwarded(r.callid), "a request without Content-Length forwarded")
note("no Content-Length: closed, logged")

# ---- 5. tcp_max_header 1024 --------------------------------------------------
def sized(st, hlen):
    """A request whose header block (through the blank line) is hlen bytes."""
    r = options(st)
    r.extra = "X-Pad: \n"
    n = hlen - len(wire(r.text()))
    check(n >= 0, "header block too small to pad")
    r.extra = "X-Pad: %s\n" % ("p" * n)
    check(len(wire(r.text())) == hlen, "padding went wrong")
    return r


st = connect()
r = sized(st, 1024)
st.send(r.text())
answered(st, r, "a 1024-byte header block")
st.close()
st = connect()
me = st.local_port()
r = sized(st, 1025)
st.send(r.text())
check(st.wait_closed(3), "a 1025-byte header block: still open")
log_find(r'INFO event=drop src=%s:%d reason=too_big why=' % (IPRE, me),
         "drop of a 1025-byte header block")
log_find(closed_line(me, "bad_frame"), "conn_close after a too big header")
check(not forwarded(r.callid), "a too big header block was forwarded")
note("tcp_max_header: 1024 passes, 1025 closes")

# ---- 6. timers, in parallel -------------------------------------------------
errors = []
results = {}


def runner(name, fn):
    def run():
        try:
            results[name] = fn()
        except SystemExit:
            errors.append(name)
        except Exception as e:          # noqa: BLE001
            errors.append("%s: %r" % (name, e))
            note("%s: %r" % (name, e))
    t = threading.Thread(target=run, name=name)
    t.start()
    return t


def half():
    st = connect()
    r = options(st)
    data = wire(r.text())
    t0 = time.monotonic()
    st.send_raw(data[:len(data) // 2])
    check(st.wait_closed(6), "half a request: still open after 6 s")
    el = time.monotonic() - t0
    check(1.5 <= el <= 4.5, "half a request closed after %.1f s, want ~2" % el)
    log_find(closed_line(st.local_port(), "timeout"), "slowloris close")
    check(not forwarded(r.callid), "half a request forwarded")
    return "half a request closed after %.1f s" % el


def trickle():
    st = connect()
    r = options(st)
    data = wire(r.text())
    t0 = time.monotonic()
    el = None
    i = 0
    while time.monotonic() - t0 < 6 and i < len(data):
        try:
            st.send_raw(data[i:i + 1])
            i += 1
        except OSError:
            el = time.monotonic() - t0
            break
        rd, _, _ = select.select([st.s], [], [], 0.15)
        if rd and not st._fill(time.time() + 0.01) and st.closed:
            el = time.monotonic() - t0
            break
    check(el is not None, "a request trickled over %.0f s was not cut off" %
          (time.monotonic() - t0))
    check(1.5 <= el <= 4.5, "trickle closed after %.1f s, want ~2" % el)
    log_find(closed_line(st.local_port(), "timeout"), "trickle close")
    check(not forwarded(r.callid), "the trickled request forwarded")
    return "trickle closed after %.1f s (%d bytes sent)" % (el, i)


def silent():
    st = connect()
    r = options(st)
    st.send(r.text())
    t0 = time.monotonic()
    answered(st, r, "the request before silence")
    check(not st.wait_closed(3.5 - (time.monotonic() - t0)),
          "closed after a complete request (message timeout 2 s)")
    check(st.wait_closed(3.5), "still open 7 s after its last byte (idle 4)")
    el = time.monotonic() - t0
    check(3.5 <= el <= 6.5, "idle close after %.1f s, want ~4" % el)
    log_find(r"DEBUG " + closed_line(st.local_port(), "idle"), "idle close")
    return "silent connection closed idle after %.1f s" % el


def pinger():
    st = connect()
    t0 = time.monotonic()
    n = 0
    while time.monotonic() - t0 < 6:
        st.send_raw(b"\r\n\r\n")
        pong = raw(st, 2.0, 0.2)
        check(pong == b"\r\n", "ping %d answered with %r" % (n, pong))
        n += 1
        time.sleep(0.8)
    r = options(st)
    st.send(r.text())
    answered(st, r, "a request after 6 s of pings")
    st.close()
    return "%d pings over 6 s kept the connection open" % n


def busy():
    """Requests back to back, each write ending inside the next one."""
    st = connect()
    rs = [options(st, body="b" * 40) for i in range(30)]
    data = b"".join(wire(r.text()) for r in rs)
    step = len(wire(rs[0].text()))      # they are all this long
    check(len(data) == 30 * step, "requests of different lengths")
    # Writes end in the middle of request 1, 2, ..., 30, 0.12 s apart:
    # each request is whole 0.12 s after its first byte, but the buffer
    # is never empty for 3.6 s.
    ends = [step // 2 + step * k for k in range(30)] + [len(data)]
    t0 = time.monotonic()
    prev = 0
    for e in ends:
        try:
            st.send_raw(data[prev:e])
        except OSError:
            break
        prev = e
        time.sleep(0.12)
    for i, r in enumerate(rs):
        m = st.recv(3, is_reply_to(r, 200))
        if m is None:
            time.sleep(0.3)
            with open(LOG, "rb") as f:
                why = [l for l in f.read().decode("utf-8", "replace")
                       .splitlines() if ":%d " % st.local_port() in l and
                       "conn_close" in l]
            fail("back-to-back request %d of 30 not answered after %.1f s "
                 "(each request was whole within 0.12 s of its first byte): "
                 "%s" % (i + 1, time.monotonic() - t0,
                         why or "connection still open"))
    check(not st.closed, "back-to-back connection closed")
    st.close()
    return "30 back-to-back requests over %.1f s, all answered" % (
        time.monotonic() - t0)


def tls_silent():
    s = socket.socket(FAMILY, socket.SOCK_STREAM)
    s.settimeout(5)
    s.connect((IP, TLS))
    st = Stream(s)
    t0 = time.monotonic()
    check(st.wait_closed(6), "a silent client on the TLS port still open")
    el = time.monotonic() - t0
    check(1.5 <= el <= 4.5, "handshake deadline after %.1f s, want ~2" % el)
    log_find(closed_line(st.local_port(), "timeout", "tls"),
             "handshake deadline")
    return "no handshake: closed after %.1f s" % el


def tls_plain():
    s = socket.socket(FAMILY, socket.SOCK_STREAM)
    s.settimeout(5)
    s.connect((IP, TLS))
    st = Stream(s)
    r = options(st)
    st.send(r.text())
    check(st.wait_closed(3), "plain SIP to the TLS port: still open")
    log_find(closed_line(st.local_port(), "tls", "tls"), "plain SIP on TLS")
    check(not forwarded(r.callid), "plain SIP on the TLS port forwarded")
    return "plain SIP on the TLS port: closed, reason=tls"


def tls_ok():
    st = connect(TLS, tls=True)
    r = options(st, tp="TLS")
    st.send(r.text())
    t0 = time.monotonic()
    answered(st, r, "a request over TLS")
    check(not st.wait_closed(3.2 - (time.monotonic() - t0)),
          "TLS connection closed after a complete request")
    r = options(st, tp="TLS")
    st.send(r.text())
    answered(st, r, "a second request over TLS")
    me = st.local_port()
    try:
        st.s.unwrap()       # close_notify: a clean close is an eof
    except (OSError, ssl.SSLError):
        pass
    st.close()
    log_find(r"DEBUG " + closed_line(me, "eof", "tls"), "TLS close_notify")
    return "TLS after the handshake: not closed by the message timeout"


def lone_crlf():
    st = connect()
    st.send_raw(b"\r\n")
    check(not st.wait_closed(3.0), "closed 3 s after a lone CRLF (message "
          "timeout 2 s): a keep-alive is not a message begun")
    r = options(st)
    st.send(r.text())
    answered(st, r, "a request after a lone CRLF")
    st.close()
    return "a lone CRLF then 3 s of silence: still open"


def tls_fin():
    st = connect(TLS, tls=True)
    r = options(st, tp="TLS")
    st.send(r.text())
    answered(st, r, "a request over TLS before a close without close_notify")
    me = st.local_port()
    st.s.close()        # no unwrap: FIN without close_notify
    log_find(r"DEBUG " + closed_line(me, "eof", "tls"),
             "TLS close without close_notify")
    return "TLS FIN without close_notify: eof"


time.sleep(1.1)   # the conn_close lines above are rate limited per second
ts = [runner(n, f) for n, f in (("half", half), ("trickle", trickle),
                                ("silent", silent), ("pinger", pinger),
                                ("busy", busy), ("tls_silent", tls_silent),
                                ("tls_plain", tls_plain), ("tls_ok", tls_ok),
                                ("lone_crlf", lone_crlf),
                                ("tls_fin", tls_fin))]
for t in ts:
    t.join(30)
    check(not t.is_alive(), "check %s did not finish" % t.name)
for n in sorted(results):
    note("%s: %s" % (n, results[n]))
check(not errors, "timer checks failed: %s" % ", ".join(errors))
stop.set()
pt.join(2)
PY
log_lacks 'event=conn_close [^ ]* reason=(error|backpressure)' \
    "no connection closed for an error or backpressure"
log_lacks 'event=drop src=[^ ]* reason=(not_allowed|banned)' "no refusal"
sw_stop
log_wellformed
