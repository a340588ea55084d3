#!/bin/bash
# stream_upstream_down: a tcp upstream where nothing listens.  Every
# request a phone sends (UDP and TCP phones) is answered 503 Service
# Unavailable: the one queued while sipwarden tried to connect, one sent
# within the second after a failed connect (no new attempt yet), and one
# after that (a new attempt, which fails again).  Nothing is lost without
# an answer (a phone on TCP never retransmits), and each failure is logged
# flow_failed code=503.
# Then a PBX whose accept queue is full (its SYNs dropped: the connect
# hangs) and tcp_max_queued 65536: 20 requests of 8 KiB from a UDP phone
# overflow the queue of the connecting upstream; every one of them is
# answered 503, those that did not fit at once, the others when the
# connect gives up (tcp_message_timeout 3).
set -eu
. "$SRCDIR/lib.sh"
need python3 ss

SW_WORKERS=1
export SW_WORKERS
sw_config "listen tcp:$(hostport "$IP" "$SW_PORT")"
# Nothing listens on 127.0.0.2:PBX_PORT.
sed -i "s/^upstream .*/upstream tcp:127.0.0.2:$PBX_PORT/" "$SW_CONF"
sw_start
wait_tcp_port "$SW_PORT"
py <<'PY'
import time
from swsip import *
from swauth import Req, is_reply_to
from swstream import Stream

SW = port("SW")
ph = sock(port("UA"))
for i, wait in enumerate((0, 0.2, 1.3)):
    time.sleep(wait)
    r = Req("OPTIONS", port("UA"))
    send(ph, r.text(), SW)
    m = expect(ph, 5, "an answer to request %d" % i, is_reply_to(r))
    check(m.code == 503, "request %d: got %s, want 503" % (i, m.first))
t = Stream.connect(SW)
r = Req("OPTIONS", t.local_port())
r.tp = "TCP"
t.send(r.text())
m = t.expect(5, "an answer over TCP", is_reply_to(r))
check(m.code == 503, "TCP phone: got %s, want 503" % m.first)
PY
n=$(log_count "event=flow_failed src=127.0.0.2:$PBX_PORT method=OPTIONS code=503")
[ "$n" -eq 4 ] || fail "$n flow_failed lines for the upstream, want 4"
log_has "WARN event=conn_close src=127.0.0.2:$PBX_PORT reason=" "the failed connect is logged"
sw_stop

: >"$SW_LOG"
sw_config "listen tcp:$(hostport "$IP" "$SW_PORT")" "tcp_message_timeout 3" \
    "tcp_max_queued 65536"
sed -i "s/^upstream .*/upstream tcp:127.0.0.2:$PBX_PORT/" "$SW_CONF"
sw_start
py <<'PY'
import socket, time
from swsip import *
from swauth import Req, is_reply_to

# A listener that never accepts, its queue filled: more SYNs are dropped.
l = socket.socket()
l.bind(("127.0.0.2", port("PBX")))
l.listen(0)
fill = []
for i in range(3):
    c = socket.socket()
    c.setblocking(False)
    try:
        c.connect(("127.0.0.2", port("PBX")))
    except BlockingIOError:
        pass
    fill.append(c)
time.sleep(0.3)
ph = sock(port("UA"))
reqs = []
for i in range(20):
    r = Req("OPTIONS", port("UA"))
    r.extra = "X-Pad: " + "a" * 8000 + "\n"
    reqs.append(r)
    send(ph, r.text(), port("SW"))
got = {}
end = time.time() + 10
while time.time() < end and len(got) < len(reqs):
    m = recv(ph, 0.5)
    for i, r in enumerate(reqs):
        if m is not None and is_reply_to(r)(m):
            got[i] = m.code
missing = [i for i in range(len(reqs)) if i not in got]
check(not missing, "requests without an answer: %s" % missing)
check(set(got.values()) == {503}, "answers other than 503: %r" % got)
note("a connecting upstream with a full queue: all %d answered 503" %
     len(reqs))
PY
log_lacks "event=unsent" "every queued request was framed and answered"
sw_stop
