#!/bin/bash
# Memory per idle connection: sipwarden's resident memory before and
# after N connections (TCP, then TLS) that each sent one OPTIONS, got it
# answered and then stay open doing nothing.
#
#   tests/bench/idle_conns.sh SIPWARDEN [N]
#
# Prints RSS (from /proc/PID/status) and the difference divided by N.
# Ports 5270-5272 on 127.0.0.1; a python3 UDP "PBX" answers the OPTIONS.
set -u
sw=$(realpath "$1")
n=${2:-1000}
work=$(mktemp -d)
pids=
trap 'for p in $pids; do kill "$p" 2>/dev/null; done; cat "$work/sw.log"; rm -rf "$work"' EXIT
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -days 2 -subj /CN=bench.test -keyout "$work/key.pem" \
    -out "$work/cert.pem" >/dev/null 2>&1
chmod 600 "$work/key.pem"
: >"$work/users"
chmod 600 "$work/users"
ulimit -n 20000 2>/dev/null || :
cat >"$work/sw.conf" <<CONF
listen udp:127.0.0.1:5270
listen tcp:127.0.0.1:5270
listen tls:127.0.0.1:5271
upstream udp:127.0.0.1:5272
realm bench.test
users users
trust 127.0.0.1/32
tls_cert cert.pem
tls_key key.pem
tcp_max_connections 100000
tcp_max_per_ip 100000
log_level warn
workers 1
CONF
"$sw" -c "$work/sw.conf" >"$work/sw.log" 2>&1 &
swpid=$!
pids="$pids $swpid"
python3 - <<'PY' &
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
s.bind(("127.0.0.1", 5272))
s.settimeout(120)
try:
    while True:
        data, addr = s.recvfrom(65536)
        head = data.split(b"\r\n\r\n")[0].decode()
        lines = head.split("\r\n")
        keep = [l for l in lines[1:] if l.split(":")[0].lower() in
                ("via", "from", "to", "call-id", "cseq")]
        s.sendto(("SIP/2.0 200 OK\r\n" + "\r\n".join(keep) +
                  "\r\nContent-Length: 0\r\n\r\n").encode(), addr)
except socket.timeout:
    pass
PY
pids="$pids $!"
sleep 1
rss() { awk '/^VmRSS/ {print $2}' "/proc/$swpid/status"; }
SWPID=$swpid N=$n python3 - <<'PY'
import os, socket, ssl, time

n = int(os.environ["N"])
pid = os.environ["SWPID"]
def rss():
    for l in open("/proc/%s/status" % pid):
        if l.startswith("VmRSS"):
            return int(l.split()[1])
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE

def options(i, port):
    return ("OPTIONS sip:pbx@bench.test SIP/2.0\r\n"
            "Via: SIP/2.0/TCP 127.0.0.1:%d;branch=z9hG4bK%d\r\n"
            "Max-Forwards: 70\r\nFrom: <sip:a@bench.test>;tag=%d\r\n"
            "To: <sip:pbx@bench.test>\r\nCall-ID: idle-%d\r\n"
            "CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n" %
            (port, i, i, i)).encode()

for name, port, tls in (("tcp", 5270, False), ("tls", 5271, True)):
    conns = []
    before = rss()
    for i in range(n):
        s = socket.create_connection(("127.0.0.1", port), timeout=10)
        if tls:
            s = ctx.wrap_socket(s)
        s.sendall(options(i, s.getsockname()[1]))
        conns.append(s)
        # Read the answers a hundred at a time: the UDP "PBX" must not
        # lose a burst of thousands.
        if len(conns) % 100 == 0 or i == n - 1:
            for c in conns[-(len(conns) % 100 or 100):]:
                c.settimeout(10)
                got = c.recv(4096)
                assert got.startswith(b"SIP/2.0 200"), got[:40]
    time.sleep(1)
    after = rss()
    print("%s: %d idle connections: RSS %d KiB -> %d KiB: %.1f KiB per "
          "connection" % (name, n, before, after, (after - before) / n))
    for s in conns:
        s.close()
    time.sleep(1)
PY
