#!/bin/bash
# passwd_cli: "sipwarden passwd FILE REALM USER" (SPEC section 1).
# From a pipe:
#  - a new FILE is created with mode 0600 and one line
#    user:realm:md5:sha256:sha512-256, the three HA1s right (computed
#    here with python3 hashlib), the password nowhere in it; only the
#    first line of stdin is the password;
#  - an existing user's line is replaced in place, every other line
#    (comments, blank lines, other users, the same user in another realm)
#    kept byte for byte; the file is replaced by rename (new inode, no
#    temporary file left); a new user is appended;
#  - an empty password, no input at all, a user or realm with ':', and a
#    wrong argument count exit 1 and leave the file as it was;
#  - sipwarden -t accepts a config naming the file.
# On a terminal (python3 pty, every read bounded):
#  - "Password:" then "Again:", echo off while each is read (checked on
#    the terminal's flags and in its output, where the password never
#    appears); the same password twice: exit 0 and the right line;
#  - two different passwords: exit 1 and the file is not written.
set -eu
. "$SRCDIR/lib.sh"
need python3

F=$T/pw/users
mkdir "$T/pw"

# expect_line FILE USER REALM PASSWORD: FILE has exactly one line for
# USER in REALM, with the three HA1s of PASSWORD.
expect_line() {
	python3 - "$@" <<'PY' || fail "wrong or missing line for $2 in $1"
import hashlib, sys
path, user, realm, pw = sys.argv[1:5]
a1 = ("%s:%s:%s" % (user, realm, pw)).encode()
want = "%s:%s:%s:%s:%s" % (user, realm, hashlib.md5(a1).hexdigest(),
                           hashlib.sha256(a1).hexdigest(),
                           hashlib.new("sha512_256", a1).hexdigest())
lines = [l for l in open(path).read().split("\n")
         if l.startswith("%s:%s:" % (user, realm))]
if lines != [want]:
    sys.stderr.write("want %r\ngot  %r\n" % (want, lines))
    sys.exit(1)
PY
}

# pw_pipe INPUT FILE REALM USER: run passwd with INPUT on a pipe; status
# in PW_RC, stderr in $T/pw.err.
pw_pipe() {
	local input=$1
	shift
	PW_RC=0
	printf '%b' "$input" | timeout 10 "$SIPWARDEN" passwd "$@" \
	    >"$T/pw.out" 2>"$T/pw.err" || PW_RC=$?
	cat "$T/pw.err" >>"$T/all.stderr"
}

# ---- from a pipe ----------------------------------------------------------
pw_pipe 'secret one\nsecond line\n' "$F" "$REALM" alice
[ "$PW_RC" -eq 0 ] || fail "creating $F: status $PW_RC: $(cat "$T/pw.err")"
[ "$(stat -c %a "$F")" = 600 ] || fail "new file has mode $(stat -c %a "$F"), want 600"
[ "$(wc -l <"$F")" -eq 1 ] || fail "new file has $(wc -l <"$F") lines, want 1"
expect_line "$F" alice "$REALM" 'secret one'
if grep -q 'secret' "$F"; then
	fail "the password is in the file"
fi
[ ! -s "$T/pw.out" ] || fail "passwd wrote to stdout: $(cat "$T/pw.out")"
note "new file: mode 600, three HA1s of the first stdin line"

# A file with comments, blank lines, other users, alice in another realm.
cat >"$F" <<EOF
# users of $REALM
alice:other.realm:0123456789abcdef0123456789abcdef

bob:$REALM:$(printf 'bob:%s:bobpw' "$REALM" | md5sum | cut -d' ' -f1)
  # an indented comment
alice:$REALM:ffffffffffffffffffffffffffffffff
carol:$REALM:$(printf 'carol:%s:carolpw' "$REALM" | md5sum | cut -d' ' -f1)
# last line without a newline
EOF
printf '# the end' >>"$F"
chmod 600 "$F"
cp "$F" "$T/before"
ino=$(stat -c %i "$F")
pw_pipe 'newpw\n' "$F" "$REALM" alice
[ "$PW_RC" -eq 0 ] || fail "replacing alice: status $PW_RC: $(cat "$T/pw.err")"
expect_line "$F" alice "$REALM" newpw
[ "$(stat -c %i "$F")" != "$ino" ] || fail "the file was rewritten in place, not replaced"
[ "$(stat -c %a "$F")" = 600 ] || fail "mode after replace: $(stat -c %a "$F")"
# Everything but alice's line is as it was, in order.
diff <(grep -v "^alice:$REALM:" "$T/before" | sed '$a\') \
    <(grep -v "^alice:$REALM:" "$F" | sed '$a\') >"$T/diff" ||
    fail "other lines changed: $(cat "$T/diff")"
[ "$(grep -n "^alice:$REALM:" "$F" | cut -d: -f1)" = 6 ] ||
    fail "alice's line moved from line 6 to $(grep -n "^alice:$REALM:" "$F" | cut -d: -f1)"
[ "$(ls -A "$T/pw")" = users ] || fail "files left next to the users file: $(ls -A "$T/pw")"
note "replace: alice's line rewritten in place, every other line kept, new inode"

# A new user is added, the rest kept.
cp "$F" "$T/before"
pw_pipe 'davepw\n' "$F" "$REALM" dave
[ "$PW_RC" -eq 0 ] || fail "adding dave: status $PW_RC"
expect_line "$F" dave "$REALM" davepw
expect_line "$F" alice "$REALM" newpw
diff <(sed '$a\' "$T/before") <(grep -v '^dave:' "$F") >"$T/diff" ||
    fail "adding dave changed other lines: $(cat "$T/diff")"

# Refusals: exit 1, file untouched.
cp "$F" "$T/before"
for args in "\\n|$REALM|alice|empty password" \
    "|$REALM|alice|no input at all" \
    "x\\n|$REALM|al:ice|a user with a colon" \
    "x\\n|re:alm|alice|a realm with a colon" \
    "x\\n||alice|an empty realm"; do
	IFS='|' read -r input realm user what <<<"$args"
	pw_pipe "$input" "$F" "$realm" "$user"
	[ "$PW_RC" -eq 1 ] || fail "$what: status $PW_RC, want 1"
	[ -s "$T/pw.err" ] || fail "$what: no message on stderr"
	cmp -s "$F" "$T/before" || fail "$what: the file changed"
done
PW_RC=0
printf 'x\n' | timeout 10 "$SIPWARDEN" passwd "$F" "$REALM" >/dev/null 2>>"$T/all.stderr" || PW_RC=$?
[ "$PW_RC" -eq 1 ] || fail "passwd with two arguments: status $PW_RC, want 1"
PW_RC=0
printf 'x\n' | timeout 10 "$SIPWARDEN" passwd "$F" "$REALM" alice extra >/dev/null 2>>"$T/all.stderr" || PW_RC=$?
[ "$PW_RC" -eq 1 ] || fail "passwd with four arguments: status $PW_RC, want 1"
cmp -s "$F" "$T/before" || fail "a usage error changed the file"
pw_pipe 'x\n' "$T/nodir/users" "$REALM" alice
[ "$PW_RC" -eq 1 ] || fail "a file in a missing directory: status $PW_RC, want 1"
note "empty password, no input, bad names, bad usage: exit 1, nothing written"

# The daemon accepts the file (the comment-only last line included).
cat >"$T/pw/sw.conf" <<EOF
listen udp:$(hostport "$IP" "$SW_PORT")
upstream udp:$(hostport "$IP" "$PBX_PORT")
realm $REALM
users users
EOF
"$SIPWARDEN" -t -c "$T/pw/sw.conf" >"$T/check.out" 2>&1 ||
    fail "sipwarden -t refuses the file: $(cat "$T/check.out")"
cat "$T/check.out" >>"$T/all.stderr"
rm "$T/pw/sw.conf"

# ---- on a terminal ----------------------------------------------------------
tty_run() {
	timeout 30 python3 - "$SIPWARDEN" "$@" <<'PY'
import os, pty, select, sys, termios, time

sw, path, realm, user, first, second, want_rc = sys.argv[1:8]
want_rc = int(want_rc)
CASE = os.environ.get("CASE", "passwd_cli")


def fail(msg):
    sys.stderr.write("FAIL: %s: tty: %s\n" % (CASE, msg))
    sys.exit(1)


pid, fd = pty.fork()
if pid == 0:
    os.execv(sw, [sw, "passwd", path, realm, user])
out = b""


def read_until(marker, timeout=5.0):
    global out
    end = time.monotonic() + timeout
    while marker not in out:
        left = end - time.monotonic()
        if left <= 0:
            fail("no %r within %.0f s; output %r" % (marker, timeout, out))
        r, _, _ = select.select([fd], [], [], left)
        if r:
            try:
                data = os.read(fd, 1024)
            except OSError:
                fail("terminal closed before %r; output %r" % (marker, out))
            if not data:
                fail("EOF before %r; output %r" % (marker, out))
            out += data


def echo_off(timeout=5.0):
    """Wait until the terminal's ECHO flag is off (the program reads with
    echo off), bounded."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if not termios.tcgetattr(fd)[3] & termios.ECHO:
            return
        time.sleep(0.01)
    fail("echo still on %.0f s after the prompt" % timeout)


def answer(prompt, pw):
    read_until(prompt)
    echo_off()
    os.write(fd, pw.encode() + b"\n")


answer(b"Password:", first)
answer(b"Again:", second)
end = time.monotonic() + 10
status = None
while time.monotonic() < end:
    r, _, _ = select.select([fd], [], [], 0.1)
    if r:
        try:
            data = os.read(fd, 1024)
        except OSError:
            data = b""
        out += data
    wp, st = os.waitpid(pid, os.WNOHANG)
    if wp == pid:
        status = st
        break
if status is None:
    os.kill(pid, 9)
    os.waitpid(pid, 0)
    fail("passwd still running 10 s after the second answer")
# What it wrote before exiting (sanitizer reports included), bounded.
for _ in range(50):
    r, _, _ = select.select([fd], [], [], 0.1)
    if not r:
        break
    try:
        data = os.read(fd, 4096)
    except OSError:
        break
    if not data:
        break
    out += data
rc = os.waitstatus_to_exitcode(status)
for pw in {first, second}:
    if pw.encode() in out:
        fail("the password %r appears on the terminal: %r" % (pw, out))
if rc != want_rc:
    fail("status %d, want %d; output %r" % (rc, want_rc, out))
if b"Password:" not in out or b"Again:" not in out:
    fail("prompts missing: %r" % out)
print(out.decode("latin-1").replace("\r", "").strip())
PY
}

G=$T/pw/tty-users
tty_run "$G" "$REALM" erin 'tty secret' 'tty secret' 0 >"$T/tty1.out" ||
    fail "terminal, same password twice"
expect_line "$G" erin "$REALM" 'tty secret'
[ "$(stat -c %a "$G")" = 600 ] || fail "tty-made file has mode $(stat -c %a "$G")"
tty_run "$G" "$REALM" frank 'one secret' 'another secret' 1 >"$T/tty2.out" ||
    fail "terminal, two different passwords"
if grep -q '^frank:' "$G"; then
	fail "a mismatch wrote frank's line"
fi
grep -qi 'differ' "$T/tty2.out" || fail "a mismatch does not say so: $(cat "$T/tty2.out")"
cp "$G" "$T/before"
tty_run "$G" "$REALM" erin 'changed' 'changed!' 1 >"$T/tty3.out" ||
    fail "terminal, mismatch for an existing user"
cmp -s "$G" "$T/before" || fail "a mismatch changed the file"
tty_run "$T/pw/never" "$REALM" gina 'gina-pw-1' 'gina-pw-2' 1 >"$T/tty4.out" ||
    fail "terminal, mismatch, no file yet"
[ ! -e "$T/pw/never" ] || fail "a mismatch created the file"
note "terminal: two prompts, echo off, password never shown, mismatch refused"
# Under ASan / UBSan: no report from any of the runs (the terminal runs'
# stderr went to the terminal, so it is in tty*.out).
for f in "$T/all.stderr" "$T"/tty*.out; do
	sanitizer_check "$f" "sipwarden passwd"
done
