#!/bin/bash
# stream_emfile: out of file descriptors.  sipwarden's open file limit is
# lowered to 48 (prlimit) and 60 TCP clients connect: accept() fails with
# EMFILE; sipwarden must not spin on the still-readable listening socket
# (CPU over 3 s well under a second), logs accept_error (rate limited),
# and once the clients are gone accepts again: a new client's keep-alive
# ping is answered.
set -eu
. "$SRCDIR/lib.sh"
need python3 ss prlimit

SW_WORKERS=1
export SW_WORKERS
sw_config "listen tcp:$(hostport "$IP" "$SW_PORT")" \
    "tcp_max_connections 1000" "tcp_max_per_ip 1000"
sw_start
wait_tcp_port "$SW_PORT"
prlimit --pid "$SW_PID" --nofile=48:48 || skip "prlimit cannot lower the limit here"
ticks() { awk '{print $14 + $15}' "/proc/$SW_PID/stat"; }
export SW_PID
py <<'PY'
import os, socket, time
from swsip import *
from swstream import Stream

SW = port("SW")
pid = os.environ["SW_PID"]
hz = os.sysconf("SC_CLK_TCK")
def cpu():
    f = open("/proc/%s/stat" % pid).read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / hz

conns = []
for i in range(60):
    s = socket.create_connection((IP, SW), timeout=5)
    conns.append(s)
time.sleep(0.5)
c0 = cpu()
time.sleep(3)
used = cpu() - c0
check(used < 1.0, "sipwarden used %.2f s of CPU in 3 s out of descriptors "
      "(spinning on accept?)" % used)
for s in conns:
    s.close()
time.sleep(1.5)
st = Stream.connect(SW)
st.send_raw(b"\r\n\r\n")
pong = st.recv_frame(5)
check(pong == b"\r\n", "no pong after the descriptors came back: %r" % pong)
note("out of descriptors: %.2f s CPU in 3 s; accepting again after" % used)
PY
log_has "WARN event=accept_error src=[^ ]* error=\"Too many open files\" paused_ms=1000" \
    "EMFILE is logged"
[ "$(log_count 'event=accept_error')" -le 20 ] ||
    fail "accept_error logged $(log_count 'event=accept_error') times: not rate limited"
sw_stop
