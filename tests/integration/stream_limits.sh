#!/bin/bash
# stream_limits: the connection limits of the TCP listener, checked on the
# connections themselves (a refused one is closed at once, an accepted one
# answers a "\r\n\r\n" ping), in the log and in /metrics.  Clients bind
# 127.0.0.2, 127.0.0.3, ... to be different sources.
#   - tcp_max_per_ip 3, tcp_max_connections 5, allow 127.0.0.0/30:
#     three connections from .2 are accepted, a fourth is refused (WARN
#     conn_refused reason=max_per_ip); two from .3 fill the total, a third
#     from .3 and one from .1 are refused (reason=max_connections); after
#     one from .2 closes, one more from .3 is accepted; one from .5
#     (outside allow) is closed at once (drop reason=not_allowed) and not
#     counted as accepted; a request over a limited connection is still
#     forwarded and answered;
#   - /metrics all along: sipwarden_connections goes 0 -> 3 -> 5 -> 4 -> 5
#     and back to 0 when the clients are gone, accepted_total counts the
#     accepted connections only, refused_total{reason=...} and
#     dropped_total{reason="not_allowed"} the refusals, closed_total
#     {reason="eof"} every connection its peer closed and nothing else;
#     handoffs_total moves when answers from the PBX (which land on one
#     worker) go to connections of the other (trusted clients on .1, one
#     after another, 20 at most);
#   - tcp_max_queued 65536: a trusted client with a small SO_RCVBUF sends
#     many OPTIONS and never reads, the PBX answers each with a 60 KB body:
#     once the kernel's buffers are full, the connection is closed
#     (conn_close reason=backpressure, closed_total{reason=
#     "backpressure"} 1);
#   - the PBX is exempt from tcp_max_per_ip (upstream tcp:127.0.0.4:PORT,
#     tcp_max_per_ip 2, tcp_max_connections 9): seven connections from .4
#     are accepted while a third from .2 is refused (max_per_ip); the
#     total does not hold for the PBX either (others filling it must not
#     cut the PBX off from the phones): a tenth from .4 is accepted while
#     one more from .3 is refused (max_connections).
set -eu
. "$SRCDIR/lib.sh"
need python3 ss

MET_PORT=$AUX_PORT
export MET_PORT

run_limits() {
	sw_config "listen tcp:$(hostport "$IP" "$SW_PORT")" \
	    "metrics $(hostport "$IP" "$MET_PORT")" \
	    "allow 127.0.0.0/30" \
	    "tcp_max_per_ip 3" "tcp_max_connections 5" "tcp_max_queued 65536"
	sw_start
	wait_tcp_port "$SW_PORT"
	py <<'PY'
import re, socket, time, urllib.request
from swsip import *
from swauth import Req, is_reply_to
from swstream import Stream

SW = port("SW")
URL = "http://%s/metrics" % hostport(port("MET"))
pbx = sock(port("PBX"))


def scrape():
    with urllib.request.urlopen(URL, timeout=5) as r:
        text = r.read().decode()
    vals = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            k, v = line.rsplit(" ", 1)
            vals[k] = int(float(v))
    return vals


def m(vals, name, reason=None):
    key = name if reason is None else '%s{reason="%s"}' % (name, reason)
    check(key in vals, "no %s in /metrics" % key)
    return vals[key]


def wait_gauge(want, what):
    end = time.monotonic() + 5
    while True:
        v = m(scrape(), "sipwarden_connections")
        if v == want:
            return
        if time.monotonic() > end:
            fail("sipwarden_connections is %d, want %d (%s)" % (v, want, what))
        time.sleep(0.05)


def connect(src):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind((src, 0))
    s.settimeout(5)
    s.connect((IP, SW))
    return Stream(s)


def accepted(src, what):
    st = connect(src)
    st.send_raw(b"\r\n\r\n")
    f = st.recv_frame(3)
    check(f == b"\r\n", "%s: ping from %s not answered (%r)" % (what, src, f))
    return st


def log_line(regex, what, timeout=5.0):
    rx = re.compile(regex)
    end = time.monotonic() + timeout
    while True:
        with open(os.environ["SW_LOG"], "rb") as f:
            for line in f.read().decode("utf-8", "replace").splitlines():
                if rx.search(line):
                    return line
        if time.monotonic() > end:
            fail("%s: no log line matching /%s/" % (what, regex))
        time.sleep(0.05)


def refused(src, what, reason):
    st = connect(src)
    p = st.local_port()
    check(st.wait_closed(3), "%s: a connection from %s stays open" %
          (what, src))
    if reason is None:
        log_line(r"INFO event=drop src=%s:%d reason=not_allowed " %
                 (re.escape(src), p), what)
    else:
        log_line(r"WARN event=conn_refused src=%s:%d reason=%s suppressed="
                 r"[0-9]+$" % (re.escape(src), p, reason), what)
    st.close()


REF = "sipwarden_connections_refused_total"
CLOSED = "sipwarden_connections_closed_total"
ACC = "sipwarden_connections_accepted_total"
v = scrape()
check(m(v, "sipwarden_connections") == 0, "connections before any")
check(m(v, ACC) == 0, "accepted before any")
for r in ("max_connections", "max_per_ip"):
    check(m(v, REF, r) == 0, "refused %s before any" % r)
for r in ("eof", "error", "tls", "idle", "timeout", "backpressure",
          "bad_frame", "shutdown"):
    check(m(v, CLOSED, r) == 0, "closed %s before any" % r)
drops0 = m(v, "sipwarden_dropped_total", "not_allowed")

# Per source.
a = [accepted("127.0.0.2", "connection %d from .2" % (i + 1))
     for i in range(3)]
wait_gauge(3, "three from .2")
refused("127.0.0.2", "a fourth from .2", "max_per_ip")
v = scrape()
check(m(v, REF, "max_per_ip") == 1, "refused max_per_ip: %d, want 1" %
      m(v, REF, "max_per_ip"))
check(m(v, ACC) == 3, "accepted %d, want 3" % m(v, ACC))
check(m(v, "sipwarden_connections") == 3, "the refused one counted")

# In all.
b = [accepted("127.0.0.3", "connection %d from .3" % (i + 1))
     for i in range(2)]
wait_gauge(5, "five in all")
refused("127.0.0.3", "a third from .3, six in all", "max_connections")
refused("127.0.0.1", "one from .1, six in all", "max_connections")
v = scrape()
check(m(v, REF, "max_connections") == 2, "refused max_connections: %d, "
      "want 2" % m(v, REF, "max_connections"))
check(m(v, REF, "max_per_ip") == 1, "refused max_per_ip moved")
check(m(v, ACC) == 5, "accepted %d, want 5" % m(v, ACC))

# Room again once one goes.
a.pop(0).close()
wait_gauge(4, "one from .2 closed")
b.append(accepted("127.0.0.3", "connection 3 from .3 after a close"))
wait_gauge(5, "five again")
check(m(scrape(), CLOSED, "eof") == 1, "closed eof after one close")

# Outside the allow list: closed at accept, not a connection.
refused("127.0.0.5", "a connection from .5 (outside allow)", None)
v = scrape()
check(m(v, ACC) == 6, "accepted %d, want 6 (.5 not counted)" % m(v, ACC))
check(m(v, "sipwarden_dropped_total", "not_allowed") == drops0 + 1,
      "dropped not_allowed did not move by 1")
check(m(v, REF, "max_connections") == 2 and m(v, REF, "max_per_ip") == 1,
      "a refusal for not_allowed counted as a limit")

# A limited connection still works (trust is for .1 only: a challenge).
st = b[0]
r = Req("OPTIONS", st.local_port(), ip="127.0.0.3")
r.tp = "TCP"
st.send(r.text())
c = st.expect(5, "an answer on a connection from .3")
check(c.code == 407 and c.hdr("call-id") == r.callid,
      "want a 407 challenge for an untrusted OPTIONS, got %s" % c.first)
wait_gauge(5, "after a request")

for st in a + b:
    st.close()
wait_gauge(0, "all closed")
v = scrape()
check(m(v, CLOSED, "eof") == 6, "closed eof %d, want 6" % m(v, CLOSED, "eof"))
for r in ("error", "tls", "idle", "timeout", "backpressure", "bad_frame",
          "shutdown"):
    check(m(v, CLOSED, r) == 0, "closed %s: %d" % (r, m(v, CLOSED, r)))

# Handoffs: the PBX's answers land on one worker; trusted clients on .1,
# one after the other, until one of them is owned by the other worker.
h0 = m(v, "sipwarden_handoffs_total")
n = 0
while n < 20:
    st = accepted("127.0.0.1", "a trusted client")
    r = Req("OPTIONS", st.local_port())
    r.tp = "TCP"
    st.send(r.text())
    req = expect(pbx, 5, "OPTIONS %d at the PBX" % n, is_request("OPTIONS",
                                                              r.callid))
    send(pbx, response_to(req, 200, "OK", "pbx"), req.addr[1])
    st.expect(5, "the 200 over TCP (%d)" % n, is_reply_to(r, 200))
    st.close()
    n += 1
    h = m(scrape(), "sipwarden_handoffs_total")
    check(h - h0 <= n, "handoffs %d after %d answers" % (h - h0, n))
    if h > h0:
        break
check(h > h0, "no handoff in %d answers (two workers)" % n)
wait_gauge(0, "the trusted clients gone")
note("limits: per source, in all, allow; metrics; handoff after %d "
     "connection(s)" % n)

# Backpressure: a trusted client with a small receive buffer sends K
# OPTIONS at once and never reads; the PBX answers each with a 60 KB
# body.  The kernel takes what fits in our send buffer (at most
# tcp_wmem's maximum) and the client's; after that, tcp_max_queued
# (65536) is reached at the second answer queued at the latest.
with open("/proc/sys/net/ipv4/tcp_wmem") as f:
    wmem = int(f.read().split()[2])
K = (wmem + (1 << 20)) // 60000 + 1
if K > 400:
    note("backpressure not checked: tcp_wmem allows %d bytes queued in the "
         "kernel" % wmem)
else:
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.settimeout(5)
    s.connect((IP, SW))
    st = Stream(s)
    me = st.local_port()
    rs = []
    for i in range(K):
        r = Req("OPTIONS", me)
        r.tp = "TCP"
        rs.append(r)
    s.sendall(b"".join(wire(r.text()) for r in rs))
    gone = re.compile(r"INFO event=conn_close src=%s:%d reason=backpressure "
                      r"transport=tcp " % (re.escape(IP), me))
    n = 0
    t0 = time.monotonic()
    closed = False
    while n < K and not closed:
        req = recv(pbx, 5, is_request("OPTIONS"))
        check(req is not None, "OPTIONS %d of %d not forwarded" % (n + 1, K))
        n += 1
        t = response_to(req, 200, "OK", "pbx").replace(
            "Content-Length: 0\n\n", "Content-Length: 60000\n\n")
        pbx.sendto(wire(t) + b"x" * 60000, req.addr)
        time.sleep(0.005)
        with open(os.environ["SW_LOG"], "rb") as f:
            closed = any(gone.search(l) for l in
                         f.read().decode("utf-8", "replace").splitlines())
    check(closed, "a client that never reads not closed after %d answers of "
          "60 KB (%.1f s)" % (n, time.monotonic() - t0))
    check(st.wait_closed(10), "backpressure: the client sees no close")
    st.close()
    drain(pbx, 0.3, 5)
    v = scrape()
    check(m(v, CLOSED, "backpressure") == 1, "closed backpressure %d, want 1"
          % m(v, CLOSED, "backpressure"))
    wait_gauge(0, "after the backpressure close")
    note("backpressure: closed after %d answers of 60 KB (%.1f s)" %
         (n, time.monotonic() - t0))
PY
	log_lacks 'event=conn_close [^ ]* reason=(error|timeout|bad_frame)' \
	    "no connection closed for anything but its peer leaving"
	sw_stop
	: >"$SW_LOG"
	rm -f "$SW_CONF"
}

run_exempt() {
	sw_config "listen tcp:$(hostport "$IP" "$SW_PORT")" \
	    "metrics $(hostport "$IP" "$MET_PORT")" \
	    "tcp_max_per_ip 2" "tcp_max_connections 9"
	sed -i "s/^upstream .*/upstream tcp:127.0.0.4:$PBX_PORT/" "$SW_CONF"
	sw_start
	wait_tcp_port "$SW_PORT"
	py <<'PY'
import re, socket, time, urllib.request
from swsip import *
from swstream import Stream

SW = port("SW")
URL = "http://%s/metrics" % hostport(port("MET"))


def gauge():
    with urllib.request.urlopen(URL, timeout=5) as r:
        for line in r.read().decode().splitlines():
            if line.startswith("sipwarden_connections "):
                return int(line.split()[1])
    fail("no sipwarden_connections in /metrics")


def connect(src):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind((src, 0))
    s.settimeout(5)
    s.connect((IP, SW))
    st = Stream(s)
    st.send_raw(b"\r\n\r\n")
    f = st.recv_frame(3)
    return st, f == b"\r\n"


def log_has(regex, what):
    end = time.monotonic() + 5
    rx = re.compile(regex)
    while time.monotonic() < end:
        with open(os.environ["SW_LOG"]) as f:
            if any(rx.search(l) for l in f):
                return
        time.sleep(0.05)
    fail("%s: no log line matching /%s/" % (what, regex))


pbx = []
for i in range(6):
    st, ok = connect("127.0.0.4")
    check(ok, "connection %d from the PBX's address refused" % (i + 1))
    pbx.append(st)
ph = []
for i in range(2):
    st, ok = connect("127.0.0.2")
    check(ok, "connection %d from .2 refused" % (i + 1))
    ph.append(st)
st, ok = connect("127.0.0.2")
check(not ok and st.wait_closed(3), "a third connection from .2 accepted")
log_has(r"WARN event=conn_refused src=127\.0\.0\.2:%d reason=max_per_ip " %
        st.local_port(), "a third from .2")
check(gauge() == 8, "sipwarden_connections %d, want 8" % gauge())
st, ok = connect("127.0.0.4")
check(ok, "a seventh connection from the PBX's address refused")
pbx.append(st)
check(gauge() == 9, "sipwarden_connections %d, want 9" % gauge())
st, ok = connect("127.0.0.4")
check(ok, "a tenth connection (the PBX's) refused at the total")
pbx.append(st)
st, ok = connect("127.0.0.3")
check(not ok and st.wait_closed(3), "an eleventh connection (.3) accepted")
log_has(r"WARN event=conn_refused src=127\.0\.0\.3:%d reason=max_connections "
        % st.local_port(), "beyond the total, not from the PBX")
for st in pbx + ph:
    st.close()
end = time.monotonic() + 5
while gauge() != 0 and time.monotonic() < end:
    time.sleep(0.05)
check(gauge() == 0, "connections left open: %d" % gauge())
note("the PBX's address: ten connections with tcp_max_per_ip 2 and "
     "tcp_max_connections 9; others still refused")
PY
	sw_stop
}

export SW_LOG
run_limits
run_exempt
log_wellformed
