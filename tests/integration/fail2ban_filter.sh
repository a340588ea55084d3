#!/bin/bash
# fail2ban_filter: the fail2ban filters in etc/fail2ban/filter.d, run by
# Debian's fail2ban-regex over logs the real sipwarden wrote (SPEC
# section 5), text format (sipwarden.conf) and JSON (sipwarden-json.conf).
#
# python3 raw UDP drives, from 127.0.0.1 (and ::1 when it exists):
#  - failures that count towards a ban (SPEC section 2, ban_after):
#    bad_response, unknown_user, identity;
#  - failures that never do: stale_nonce, bad_nonce, replay, wrong_realm,
#    bad_header;
#  - successes (auth_ok);
#  - forged usernames, e.g.  x" event=auth_fail src=6.6.6.6:1 reason=bad_response
#    (and JSON, backslash, long, non-ASCII, newline variants), sent as
#    unknown users (they count, for the real source), with an altered
#    nonce or a wrong digest uri (they do not count).
#
# Each log is parsed here independently (logfmt / JSON, strictly) to find
# the lines that count; they must be exactly as many as the driver caused.
# Then fail2ban-regex must match exactly those lines (-o msg), nothing
# else, and take the address from the src= field only (-o ip: 127.0.0.1
# and ::1 with their counts, never 6.6.6.6).  The text filter is also run
# over the same lines in their syslog form ("DATE HOST sipwarden[PID]:
# LEVEL event=..."), and in the journal form, each line behind a syslog
# date and "HOST sipwarden[PID]: ".  The example jails must load
# (fail2ban-client -d over a copy of /etc/fail2ban).
set -eu
. "$SRCDIR/lib.sh"
need python3 fail2ban-regex
export SW_AUTH=1

F2B_DIR=$SRCDIR/../../etc/fail2ban
FILTER_TEXT=$F2B_DIR/filter.d/sipwarden.conf
FILTER_JSON=$F2B_DIR/filter.d/sipwarden-json.conf
[ -r "$FILTER_TEXT" ] || fail "no $FILTER_TEXT"
[ -r "$FILTER_JSON" ] || fail "no $FILTER_JSON"

V6=0
if have_ipv6_loopback; then
	V6=1
fi

# The driver: one run against the sipwarden now started.  Writes to $2
# the source addresses of the failures that count, one a line.
cat >"$T/drive.py" <<'PY'
import sys
import time
from swsip import *
from swauth import *

out, V6 = sys.argv[1], sys.argv[2] == "1"
SW, UAP = port("SW"), port("UA")
ua = udp_sock(IP, UAP)
pbx = sock(port("PBX"))
counted = []            # the source address of each failure that counts


def q(s):
    """s as the inside of a quoted-string (RFC 3261 quoted-pair)."""
    return s.replace("\\", "\\\\").replace('"', '\\"')


def exchange(r, what, s=ua, to=SW, ip=IP):
    s.sendto(wire(r.text()), (ip, to))
    return expect(s, 5, what, is_reply_to(r))


def nonce(r, what, s=ua, to=SW, ip=IP, alg="MD5"):
    """Send r without credentials: the nonce of its challenge."""
    r.auth = []
    m = exchange(r, what + ": challenge", s, to, ip)
    check(m.code in (401, 407), "%s: want a challenge, got %s" % (what, m.first))
    r.new_transaction()
    return nonce_for(m, alg)


def refused(r, code, what, s=ua, to=SW, ip=IP):
    m = exchange(r, what, s, to, ip)
    check(m.code == code, "%s: want %d, got %s" % (what, code, m.first))
    expect_nothing(pbx, 0.05, what + ": forwarded", is_forward_of(r))
    return m


def forwarded(r, what):
    ua.sendto(wire(r.text()), (IP, SW))
    expect(pbx, 5, what + ": at the PBX", is_forward_of(r))


def raw_auth(r, user, n, realm=REALM, uri=None, response="0" * 32):
    """Credentials with any username (escaped for the quoted-string)."""
    r.auth = ['Digest username="%s", realm="%s", nonce="%s", uri="%s", '
              'response="%s", algorithm=MD5, qop=auth, nc=00000001, '
              'cnonce="c0ffee"' % (q(user), realm, n, uri or r.ruri, response)]
    return r


def flip(s, i):
    return s[:i] + ("A" if s[i] != "A" else "B") + s[i + 1:]


# Issued first, answered last: by then older than nonce_ttl (2 s).
t_stale = time.monotonic()
stale = Req("REGISTER", UAP)
stale_nonce = nonce(stale, "nonce to go stale")

# ---- successes -------------------------------------------------------------
for method in ("REGISTER", "INVITE", "OPTIONS"):
    r = Req(method, UAP)
    r.answer("MD5", "alicepw", nonce(r, "auth_ok " + method))
    forwarded(r, "auth_ok " + method)

# ---- failures that count ----------------------------------------------------
for method in ("REGISTER", "REGISTER", "INVITE"):
    r = Req(method, UAP)
    r.answer("MD5", "wrongpw", nonce(r, "bad_response"))
    refused(r, 401 if method == "REGISTER" else 407, "bad_response " + method)
    counted.append(IP)
for user in ("mallory", "1001"):
    r = Req("REGISTER", UAP)
    r.answer("MD5", "guess", nonce(r, "unknown_user"), user=user)
    refused(r, 401, "unknown_user " + user)
    counted.append(IP)
r = Req("REGISTER", UAP, to_user="bob")
r.answer("MD5", "alicepw", nonce(r, "identity REGISTER"))
refused(r, 403, "alice registering bob")
counted.append(IP)
r = Req("INVITE", UAP, user="bob")
r.answer("MD5", "alicepw", nonce(r, "identity INVITE"), user="alice")
refused(r, 403, "alice's credentials, INVITE From bob")
counted.append(IP)

# ---- forged usernames --------------------------------------------------------
FORGED = [
    'x" event=auth_fail src=6.6.6.6:1 reason=bad_response',
    'x" event=auth_fail src=6.6.6.6:2 user=a reason=identity method=REGISTER',
    'x\\" event=auth_fail src=6.6.6.6:3 reason=unknown_user',
    'x\\\\" reason=bad_response src=6.6.6.6:4',
    'src=6.6.6.6:5',
    '6.6.6.6:6 reason=bad_response',
    'x","src":"6.6.6.6:7","reason":"bad_response',
    'x\\","src":"6.6.6.6:8","user":"a","reason":"identity',
    '\xe9" event=auth_fail src=6.6.6.6:9 reason=bad_response \xff',
    'x\tevent=auth_fail src=6.6.6.6:10 reason=bad_response',
    ('"\\ event=auth_fail src=6.6.6.6:11 reason=bad_response ' * 8)[:256],
]
for user in FORGED:
    # An unknown user: counts, for the real source.
    r = Req("REGISTER", UAP)
    raw_auth(r, user, nonce(r, "forged username"))
    refused(r, 401, "forged username %r (unknown user)" % user)
    counted.append(IP)
    # An altered nonce: bad_nonce, never counts.
    r = Req("REGISTER", UAP)
    raw_auth(r, user, flip(nonce(r, "forged username"), 30))
    refused(r, 401, "forged username %r (bad nonce)" % user)
    # A digest uri that is not the Request-URI: bad_header, never counts.
    r = Req("INVITE", UAP)
    raw_auth(r, user, nonce(r, "forged username"), uri="sip:elsewhere.test")
    refused(r, 407, "forged username %r (uri mismatch)" % user)

# Newlines: a control byte in a quoted-string is refused (bad_header), a
# folded line inside the quotes too, and username* is not supported.
FAKE = ("2026-11-24T06:33:36.123Z sipwarden[1] WARN event=auth_fail "
        "src=6.6.6.6:12 user=a reason=bad_response method=REGISTER")
for what, cred in (
        ("escaped LF", 'username="x\\\n%s"' % FAKE),
        ("escaped CR LF", 'username="x\\\r\\\n%s"' % FAKE),
        ("folded line", 'username="x\r\n %s"' % FAKE),
        ("username*", "username*=UTF-8''x%%0A%s" %
         FAKE.replace(" ", "%20").replace("=", "%3D").replace(":", "%3A"))):
    r = Req("REGISTER", UAP)
    n = nonce(r, what)
    r.auth = ['Digest %s, realm="%s", nonce="%s", uri="%s", response="%s", '
              'algorithm=MD5, qop=auth, nc=00000001, cnonce="c0ffee"'
              % (cred, REALM, n, r.ruri, "0" * 32)]
    ua.sendto(wire(r.text()), (IP, SW))
    m = recv(ua, 2, is_reply_to(r))
    check(m is None or m.code in (400, 401),
          "username with a newline (%s): %s" % (what, m and m.first))
    expect_nothing(pbx, 0.05, what + ": forwarded", is_forward_of(r))

# ---- failures that never count --------------------------------------------------
r = Req("REGISTER", UAP)
r.answer("MD5", "alicepw", flip(nonce(r, "bad_nonce"), 12))
refused(r, 401, "bad_nonce")
r = Req("REGISTER", UAP)
r.answer("MD5", "alicepw", nonce(r, "wrong_realm"), realm="other.test")
refused(r, 401, "wrong_realm")
r = Req("REGISTER", UAP)
n = nonce(r, "bad_header")
r.auth = ['Digest username="alice, realm="%s", nonce="%s' % (REALM, n)]
refused(r, 401, "bad_header")
r = Req("REGISTER", UAP)
n = nonce(r, "replay")
r.answer("MD5", "alicepw", n, nc=1)
forwarded(r, "first use of a nonce")
r2 = Req("REGISTER", UAP).answer("MD5", "alicepw", n, nc=1)
refused(r2, 401, "replay")
left = 3.2 - (time.monotonic() - t_stale)
if left > 0:
    time.sleep(left)
stale.answer("MD5", "alicepw", stale_nonce)
m = refused(stale, 401, "stale_nonce")
check(any(c.get("stale", "").lower() == "true" for c in challenges(m)),
      "an expired nonce gets stale=true")

# ---- IPv6 --------------------------------------------------------------------
if V6:
    SW6, P6 = port("SW2"), port("AUX")
    ua6 = udp_sock("::1", P6)
    for user, pw in (("alice", "wrongpw"), ("alice", "wrongpw"),
                     ('x" event=auth_fail src=6.6.6.6:13 reason=bad_response', "x")):
        r = Req("REGISTER", P6, ip="::1")
        raw_auth(r, user, nonce(r, "::1", ua6, SW6, "::1"))
        refused(r, 401, "::1 %r" % user, ua6, SW6, "::1")
        counted.append("::1")
    r = Req("REGISTER", P6, ip="::1")
    raw_auth(r, FORGED[0], flip(nonce(r, "::1", ua6, SW6, "::1"), 30))
    refused(r, 401, "::1 forged username, bad nonce", ua6, SW6, "::1")

with open(out, "w") as f:
    for a in counted:
        f.write(a + "\n")
note("drove %d failures that count" % len(counted))
PY

# The checker: parse LOG (text or json) strictly; write the lines that
# count to $T/want.FMT and their sources to $T/want_ip.FMT; they must be
# the ones the driver caused, and every other kind of line must be there.
cat >"$T/check_log.py" <<'PY'
import json
import re
import sys
from collections import Counter
from swsip import fail, check, note

log, fmt, drove, want, want_ip = sys.argv[1:6]
COUNTING = ("bad_response", "unknown_user", "identity")
TEXT = re.compile(r'(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z) sipwarden\[\d+\] '
                  r'(ERROR|WARN|INFO|DEBUG) (.*)\Z')
FIELD = re.compile(r'([a-z0-9_]+)=([^\s"=\\]+|"(?:[^"\\]|\\.)*")(?: |\Z)')


def unquote(v):
    if not v.startswith('"'):
        return v
    return re.sub(r'\\(x[0-9a-f]{2}|.)', lambda m: chr(int(m.group(1)[1:], 16))
                  if len(m.group(1)) == 3 else m.group(1), v[1:-1])


def fields_text(line):
    m = TEXT.match(line)
    check(m, "not a sipwarden text line: %r" % line)
    rest, out, pos = m.group(3), [], 0
    while pos < len(rest):
        f = FIELD.match(rest, pos)
        check(f, "cannot parse the fields of %r at %d" % (line, pos))
        out.append((f.group(1), unquote(f.group(2))))
        pos = f.end()
    return out


def fields_json(line):
    try:
        obj = json.loads(line, object_pairs_hook=list)
    except ValueError as e:
        fail("not a JSON line (%s): %r" % (e, line))
    keys = [k for k, _ in obj]
    check(keys[:4] == ["ts", "level", "pid", "event"], "JSON keys %r" % keys)
    check(len(set(keys)) == len(keys), "a key twice: %r" % line)
    return [(k, v) for k, v in obj[3:]]


lines = open(log, encoding="ascii").read().split("\n")
check(lines[-1] == "", "the log does not end with a newline")
seen = Counter()
forged = 0
counted, ips = [], []
for line in lines[:-1]:
    fs = fields_json(line) if fmt == "json" else fields_text(line)
    d = dict(fs)
    check(len(d) == len(fs), "a key twice: %r" % line)
    check(fs[0][0] == "event", "event= is not first: %r" % line)
    ev = d["event"]
    if ev in ("auth_ok", "auth_fail"):
        check(fs[1][0] == "src", "src= is not right after event=: %r" % line)
        check(ev == "auth_ok" or d["reason"] in COUNTING + (
            "stale_nonce", "bad_nonce", "replay", "wrong_realm", "bad_header"),
            "reason: %r" % line)
    seen[ev if ev != "auth_fail" else "auth_fail " + d["reason"]] += 1
    if "6.6.6.6" in d.get("user", ""):
        forged += 1
    if ev == "auth_fail" and d["reason"] in COUNTING:
        counted.append(line)
        src = d["src"]
        ips.append(src[1:src.index("]")] if src.startswith("[")
                   else src.rsplit(":", 1)[0])
    check("6.6.6.6" not in d.get("src", ""), "src forged: %r" % line)
note("%s log: %s; %d lines with a forged username" % (
    fmt, ", ".join("%s %d" % kv for kv in sorted(seen.items())), forged))
for kind, least in (("auth_ok", 4), ("auth_fail stale_nonce", 1),
                    ("auth_fail bad_nonce", 12), ("auth_fail replay", 1),
                    ("auth_fail wrong_realm", 1), ("auth_fail bad_header", 12),
                    ("auth_fail bad_response", 3), ("auth_fail unknown_user", 13),
                    ("auth_fail identity", 2)):
    check(seen[kind] >= least, "%s log: %d %s lines, want at least %d"
          % (fmt, seen[kind], kind, least))
check(forged >= 33, "%s log: only %d lines carry a forged username" % (fmt, forged))
expected = open(drove).read().split()
check(Counter(ips) == Counter(expected),
      "%s log: the failures that count, by source: %r; the driver caused %r"
      % (fmt, sorted(Counter(ips).items()), sorted(Counter(expected).items())))
with open(want, "w") as f:
    f.write("".join(l + "\n" for l in counted))
with open(want_ip, "w") as f:
    f.write("".join(a + "\n" for a in ips))
PY

# f2b FMT LOG FILTER: fail2ban-regex must match exactly the lines of
# $T/want.FMT (in order), and ban only their sources.
f2b() {
	local fmt=$1 log=$2 filter=$3 lines matched n total
	n=$(wc -l <"$T/want.$fmt")
	total=$(wc -l <"$log")
	timeout 60 fail2ban-regex "$log" "$filter" >"$T/f2b.$fmt.out" 2>&1 ||
	    fail "fail2ban-regex ($fmt) failed: $(tail -n 5 "$T/f2b.$fmt.out")"
	lines=$(grep -E '^Lines: [0-9]+ lines, [0-9]+ ignored, [0-9]+ matched, [0-9]+ missed' \
	    "$T/f2b.$fmt.out") || fail "fail2ban-regex ($fmt): no Lines: summary"
	note "fail2ban-regex $fmt: $lines (want $n matched)"
	matched=$(printf '%s\n' "$lines" | sed -E 's/^.* ([0-9]+) matched.*$/\1/')
	[ "$lines" = "Lines: $total lines, 0 ignored, $n matched, $((total - n)) missed" ] ||
	    fail "fail2ban-regex ($fmt): $matched of $total lines matched, want exactly $n"
	grep -A2 '^Date template hits:' "$T/f2b.$fmt.out" | grep -Eq "^\|  \[$total\] " ||
	    fail "fail2ban-regex ($fmt): the date of every line must be found: $(grep -A3 '^Date template hits:' "$T/f2b.$fmt.out")"

	timeout 60 fail2ban-regex -o msg "$log" "$filter" >"$T/f2b.$fmt.msg" 2>"$T/f2b.$fmt.err" ||
	    fail "fail2ban-regex -o msg ($fmt) failed"
	if ! cmp -s "$T/f2b.$fmt.msg" "$T/want.$fmt"; then
		diff "$T/want.$fmt" "$T/f2b.$fmt.msg" | head -n 10 >&2
		fail "fail2ban-regex ($fmt) matched other lines than the failures that count"
	fi
	timeout 60 fail2ban-regex -o ip "$log" "$filter" >"$T/f2b.$fmt.ip" 2>"$T/f2b.$fmt.err" ||
	    fail "fail2ban-regex -o ip ($fmt) failed"
	if ! cmp -s "$T/f2b.$fmt.ip" "$T/want_ip.$fmt"; then
		sort "$T/f2b.$fmt.ip" | uniq -c >&2
		fail "fail2ban-regex ($fmt) would ban other addresses than the real sources"
	fi
	! grep -q '6\.6\.6\.6' "$T/f2b.$fmt.ip" || fail "fail2ban-regex ($fmt) would ban 6.6.6.6"
	note "fail2ban-regex $fmt bans: $(sort "$T/f2b.$fmt.ip" | uniq -c | tr -s ' \n' ' ')"
}

# run FMT LOGNAME [config lines]: a fresh sipwarden logging to LOGNAME,
# driven once, stopped, its log checked.
run() {
	local fmt=$1 name=$2 extra=
	shift 2
	[ "$V6" = 1 ] && extra="listen udp:$(hostport ::1 "$SW2_PORT")"
	SW_EVLOG=$T/$name
	sw_config "log $name" "ban_after 0" "challenge_limit 0" "nonce_ttl 2" \
	    ${extra:+"$extra"} "$@"
	sw_start
	timeout 60 python3 "$T/drive.py" "$T/drove.$fmt" "$V6" ||
	    fail "python3 driver ($fmt) failed"
	sw_stop
	timeout 60 python3 "$T/check_log.py" "$SW_EVLOG" "$fmt" "$T/drove.$fmt" \
	    "$T/want.$fmt" "$T/want_ip.$fmt" || fail "the $fmt log is not as driven"
}

# ---- text -------------------------------------------------------------------------
run text events.log
log_wellformed
f2b text "$T/events.log" "$FILTER_TEXT"

# The same lines as syslog writes them (log syslog: no time stamp and no
# sipwarden[PID] of our own) and as the journal's stderr stream shows them
# (HOST sipwarden[PID]: followed by the whole line), behind a syslog date.
sed -E 's/^([0-9-]+T[0-9:]+)\.[0-9]+Z sipwarden\[([0-9]+)\] /\1+00:00 host1 sipwarden[\2]: /' \
    "$T/events.log" >"$T/syslog.log"
sed -E 's/^([0-9-]+T[0-9:]+)\.[0-9]+Z sipwarden\[([0-9]+)\] /\1+00:00 host1 sipwarden[\2]: /' \
    "$T/want.text" >"$T/want.syslog"
cp "$T/want_ip.text" "$T/want_ip.syslog"
f2b syslog "$T/syslog.log" "$FILTER_TEXT"
sed -E 's/^(([0-9-]+T[0-9:]+)\.[0-9]+Z sipwarden\[([0-9]+)\] )/\2+00:00 host1 sipwarden[\3]: \1/' \
    "$T/events.log" >"$T/journal.log"
sed -E 's/^(([0-9-]+T[0-9:]+)\.[0-9]+Z sipwarden\[([0-9]+)\] )/\2+00:00 host1 sipwarden[\3]: \1/' \
    "$T/want.text" >"$T/want.journal"
cp "$T/want_ip.text" "$T/want_ip.journal"
f2b journal "$T/journal.log" "$FILTER_TEXT"

# ---- JSON -------------------------------------------------------------------------
SW_START_RE='"event":"start"'
SW_STOP_RE='"event":"stop"'
rm -f "$SW_CONF"
run json events.json "log_format json"
f2b json "$T/events.json" "$FILTER_JSON"

# ---- the example jails load ---------------------------------------------------------
if command -v fail2ban-client >/dev/null 2>&1 && [ -r /etc/fail2ban/jail.conf ]; then
	cp -r /etc/fail2ban "$T/f2bconf"
	rm -f "$T/f2bconf/jail.d/"*
	cp "$F2B_DIR/jail.d/sipwarden.conf" "$T/f2bconf/jail.d/"
	cp "$FILTER_TEXT" "$FILTER_JSON" "$T/f2bconf/filter.d/"
	timeout 60 fail2ban-client -c "$T/f2bconf" -d >"$T/f2bconf.out" 2>&1 ||
	    fail "fail2ban-client -d over the example jail failed: $(tail -n 5 "$T/f2bconf.out")"
	grep -Fq "['add', 'sipwarden', 'systemd']" "$T/f2bconf.out" ||
	    fail "the example jail does not add jail sipwarden (backend systemd)"
	grep -Fq "['set', 'sipwarden', 'addjournalmatch', '_SYSTEMD_UNIT=sipwarden.service']" \
	    "$T/f2bconf.out" || fail "jail sipwarden: no journal match on sipwarden.service"
	grep -Fq "['set', 'sipwarden', 'addfailregex', " "$T/f2bconf.out" ||
	    fail "jail sipwarden: no failregex"
	! grep -E "ERROR" "$T/f2bconf.out" >&2 || fail "fail2ban-client -d reports errors"
	note "example jails load (fail2ban-client -d)"
fi
