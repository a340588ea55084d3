#!/bin/bash
# example_config: etc/sipwarden.conf as shipped passes `sipwarden -t`
# once its users file is private (git keeps no file modes), and is refused,
# naming the users file, while other users can read it.
set -eu
. "$SRCDIR/lib.sh"

cp "$SRCDIR/../../etc/sipwarden.conf" "$SRCDIR/../../etc/users.example" "$T/"
chmod 644 "$T/users.example"
if "$SIPWARDEN" -t -c "$T/sipwarden.conf" >"$T/open.out" 2>"$T/open.err"; then
	fail "-t accepted a users file other users can read"
fi
grep -q "^$T/users.example: open to other users (mode 0644): chmod 600 " \
    "$T/open.err" || fail "no clear error: $(cat "$T/open.err")"
chmod 600 "$T/users.example"
out=$("$SIPWARDEN" -t -c "$T/sipwarden.conf" 2>&1) ||
    fail "-t refused the example config: $out"
[ "$out" = "$T/sipwarden.conf: ok" ] || fail "unexpected -t output: $out"
