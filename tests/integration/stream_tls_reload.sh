#!/bin/bash
# stream_tls_reload: the TLS listener's certificate and protocol versions.
#   - TLS 1.2 and TLS 1.3 handshakes succeed; TLS 1.1 (and older) is
#     refused; a TLS 1.2 client offering only CBC/RSA-kex ciphers is
#     refused (forward-secret AEAD only);
#   - SIGHUP after the certificate files were replaced: a new connection
#     gets the new certificate, a connection opened before keeps working
#     (an OPTIONS through it is answered), and the reload is logged ok;
#   - a SIGHUP with a key that does not match the certificate fails
#     (result=failed naming the key file) and the running certificate
#     stays in use;
#   - a reload whose file drops the tls listener and its certificate
#     fails: the listener (kept: listen needs a restart) still needs one;
#   - sipwarden_tls_cert_expiry_seconds is the notAfter of the
#     certificate in use, before and after the reload.
set -eu
. "$SRCDIR/lib.sh"
need python3 openssl ss

make_cert
TLS_PORT=$AUX_PORT
export TLS_PORT
METRICS_PORT=$SW2_PORT
sw_config "listen tls:$(hostport "$IP" "$TLS_PORT")" \
    "tls_cert cert.pem" "tls_key key.pem" "metrics $(hostport "$IP" "$METRICS_PORT")"
sw_start
wait_tcp_port "$TLS_PORT"

hup() {
	local n
	n=$(log_count 'event=reload')
	kill -HUP "$SW_PID"
	for i in $(seq 100); do
		[ "$(log_count 'event=reload')" -gt "$n" ] && return 0
		sleep 0.05
	done
	fail "no event=reload line within 5 s of SIGHUP"
}

# expiry_is FILE WHAT: the metric says FILE's notAfter.
expiry_is() {
	local want got
	want=$(date -d "$(openssl x509 -in "$1" -noout -enddate | cut -d= -f2)" +%s)
	got=$(python3 -c 'import sys, urllib.request
t = urllib.request.urlopen("http://%s/metrics" % sys.argv[1], timeout=5).read().decode()
print([l.split()[1] for l in t.splitlines()
       if l.startswith("sipwarden_tls_cert_expiry_seconds ")][0])' \
	    "$(hostport "$IP" "$METRICS_PORT")") || fail "$2: no metric"
	[ "$got" = "$want" ] || fail "$2: sipwarden_tls_cert_expiry_seconds $got, notAfter $want"
}
expiry_is "$T/cert.pem" "the first certificate"

# fingerprint of the certificate a fresh connection gets, into $T/$1
py_fp() {
	python3 - "$1" <<'PY'
import hashlib, os, ssl, sys
from swstream import Stream
s = Stream.connect(int(os.environ["TLS_PORT"]), tls=True)
der = s.s.getpeercert(binary_form=True)
open(os.path.join(os.environ["T"], sys.argv[1]), "w").write(
    hashlib.sha256(der).hexdigest())
s.close()
PY
}

py <<'PY'
import os, ssl, socket, warnings
warnings.simplefilter("ignore", DeprecationWarning)
from swsip import *
from swstream import Stream, tls_client_context

port_ = int(os.environ["TLS_PORT"])
def handshake(ctx):
    try:
        s = Stream.connect(port_, tls=True, ctx=ctx)
    except (ssl.SSLError, ConnectionResetError, OSError) as e:
        return None
    v = s.s.version()
    s.close()
    return v

for v, name in ((ssl.TLSVersion.TLSv1_2, "TLSv1.2"),
                (ssl.TLSVersion.TLSv1_3, "TLSv1.3")):
    ctx = tls_client_context()
    ctx.minimum_version = ctx.maximum_version = v
    got = handshake(ctx)
    check(got == name, "%s handshake: got %r" % (name, got))
ctx = tls_client_context()
try:
    ctx.minimum_version = ssl.TLSVersion.TLSv1
    ctx.maximum_version = ssl.TLSVersion.TLSv1_1
    ctx.set_ciphers("ALL:@SECLEVEL=0")
    got = handshake(ctx)
    check(got is None, "a TLS 1.1 client was let in (%r)" % got)
except ValueError:
    note("this OpenSSL cannot even offer TLS 1.1: skipped that check")
ctx = tls_client_context()
ctx.maximum_version = ssl.TLSVersion.TLSv1_2
ctx.set_ciphers("AES128-SHA:AES256-SHA:AES128-GCM-SHA256")
check(handshake(ctx) is None, "a client without forward-secret AEAD "
      "ciphers was let in")
note("TLS versions and ciphers: ok")
PY

py_fp fp1
# A connection opened before the reload, kept open across it.
py_bg old <<'PY'
import os, time
from swsip import *
from swstream import Stream
pbx = sock(port("PBX"))
s = Stream.connect(int(os.environ["TLS_PORT"]), tls=True)
open(os.path.join(os.environ["T"], "old-up"), "w").close()
path = os.path.join(os.environ["T"], "reloaded")
for i in range(200):
    if os.path.exists(path):
        break
    time.sleep(0.05)
check(os.path.exists(path), "no reload signal")
cid = "old-" + token()
me = s.local_port()
s.send(("OPTIONS sip:pbx@sipwarden.test SIP/2.0\n"
        "Via: SIP/2.0/TLS %s;branch=%s;rport\n"
        "Max-Forwards: 70\nFrom: <sip:alice@sipwarden.test>;tag=a1\n"
        "To: <sip:pbx@sipwarden.test>\nCall-ID: %s\nCSeq: 1 OPTIONS\n"
        "Content-Length: 0\n\n") % (hostport(me), branch(), cid))
req = expect(pbx, 5, "the OPTIONS at the PBX", is_request("OPTIONS", cid))
send(pbx, response_to(req, 200, "OK", "pbx"), port("SW"))
s.expect(5, "the 200 over the connection opened before the reload",
         is_response(200, "OPTIONS", cid))
PY
for i in $(seq 100); do [ -e "$T/old-up" ] && break; sleep 0.05; done
[ -e "$T/old-up" ] || fail "the first client did not connect"

mv "$T/cert.pem" "$T/cert1.pem"
mv "$T/key.pem" "$T/key1.pem"
make_cert 30
hup
log_has "event=reload .*result=ok" "the reload with a new certificate"
touch "$T/reloaded"
py_wait old
py_fp fp2
[ "$(cat "$T/fp1")" != "$(cat "$T/fp2")" ] ||
    fail "a new connection still gets the old certificate after SIGHUP"
[ "$(cat "$T/fp2")" = "$(openssl x509 -in "$T/cert.pem" -outform der | sha256sum | cut -d' ' -f1)" ] ||
    fail "the certificate served is not the new cert.pem"
expiry_is "$T/cert.pem" "the certificate after the reload"

# A key of another pair: refused, the running certificate stays.
cp "$T/key1.pem" "$T/key.pem"
hup
log_has "event=reload .*result=failed.*key.pem: the key does not match tls_cert" \
    "a mismatched key is refused on reload"
py_fp fp3
[ "$(cat "$T/fp3")" = "$(cat "$T/fp2")" ] ||
    fail "a failed reload changed the certificate in use"

grep -v -e '^listen tls:' -e '^tls_' "$SW_CONF" >"$T/notls.conf"
cp "$T/notls.conf" "$SW_CONF"
hup
log_has "event=reload .*result=failed.*the running tls listener needs 'tls_cert' and 'tls_key'" \
    "a reload without the certificate of the running tls listener"
py_fp fp4
[ "$(cat "$T/fp4")" = "$(cat "$T/fp2")" ] ||
    fail "the tls listener changed after a failed reload"
sw_stop
