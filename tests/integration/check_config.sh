#!/bin/bash
# check_config: "sipwarden -t -c FILE" prints "FILE: ok" and exits 0 for a
# good config (relative paths resolved against the config's directory,
# whatever the working directory); otherwise one "FILE:LINE: message" per
# problem on stderr and exit 1 (unknown key, bad value, missing required
# key, missing users file, missing config).  Running with a bad config
# exits 1, and a listener that cannot bind exits 2 (SPEC section 1).
set -eu
. "$SRCDIR/lib.sh"

# run_t CONF: run "sipwarden -t -c CONF" from / ; sets RC, OUT, ERR.
run_t() {
	RC=0
	(cd / && timeout 10 "$SIPWARDEN" -t -c "$1") >"$T/out" 2>"$T/err" || RC=$?
	sanitizer_check "$T/err" "sipwarden -t -c $1"
	OUT=$(cat "$T/out")
	ERR=$(cat "$T/err")
}

expect_fail() {
	local what=$1 re=$2
	[ "$RC" -eq 1 ] || fail "$what: exit status $RC, want 1 (stderr: $ERR)"
	printf '%s\n' "$ERR" | grep -Eq -- "$re" ||
	    fail "$what: stderr has no line matching /$re/: $ERR"
	case $OUT in
	*": ok"*) fail "$what: stdout says ok: $OUT" ;;
	esac
}

# A good config, with the users file given relative to the config.
sw_config
run_t "$SW_CONF"
[ "$RC" -eq 0 ] || fail "good config: exit status $RC: $ERR"
[ "$OUT" = "$SW_CONF: ok" ] || fail "good config: stdout '$OUT', want '$SW_CONF: ok'"
[ -z "$ERR" ] || fail "good config: unexpected stderr: $ERR"

# An unknown key names its line (line 9: 8 written by sw_config, then it).
sw_config "frobnicate yes"
n=$(grep -n '^frobnicate' "$SW_CONF" | cut -d: -f1)
run_t "$SW_CONF"
expect_fail "unknown key" "^$SW_CONF:$n: .*frobnicate"

# Two problems: two lines, each with its own line number.
sw_config "workers_typo 3" "log_level loud"
n1=$(grep -n '^workers_typo' "$SW_CONF" | cut -d: -f1)
n2=$(grep -n '^log_level loud' "$SW_CONF" | cut -d: -f1)
run_t "$SW_CONF"
expect_fail "two problems (unknown key)" "^$SW_CONF:$n1: .*workers_typo"
expect_fail "two problems (bad value)" "^$SW_CONF:$n2: .*log_level"

# A bad value.
sw_config
sed -i 's/^workers .*/workers 0/' "$SW_CONF"
n=$(grep -n '^workers' "$SW_CONF" | cut -d: -f1)
run_t "$SW_CONF"
expect_fail "workers 0" "^$SW_CONF:$n: .*workers"

# A missing required key.
sw_config
sed -i '/^upstream /d' "$SW_CONF"
run_t "$SW_CONF"
expect_fail "no upstream" "^$SW_CONF(:[0-9]+)?: .*upstream"

# A missing users file: the message names it (or the line naming it).
sw_config
sed -i 's/^users .*/users no-such-users-file/' "$SW_CONF"
n=$(grep -n '^users' "$SW_CONF" | cut -d: -f1)
run_t "$SW_CONF"
expect_fail "missing users file" "(no-such-users-file|^$SW_CONF:$n: )"

# A missing config file.
run_t "$T/no-such.conf"
expect_fail "missing config" "no-such\\.conf"

# Running (not -t) with a bad config: exit 1, an event=config error line.
sw_config "frobnicate yes"
RC=0
timeout 10 "$SIPWARDEN" -c "$SW_CONF" >"$T/out" 2>"$T/err" || RC=$?
sanitizer_check "$T/err" "running with a bad config"
[ "$RC" -eq 1 ] || fail "running with a bad config: exit status $RC, want 1"
grep -Eq 'ERROR event=config .*frobnicate' "$T/err" ||
    fail "running with a bad config: no event=config error: $(cat "$T/err")"

# A listener that cannot bind: exit 2.
sw_config
sw_start
cp "$SW_CONF" "$T/second.conf"
RC=0
timeout 10 "$SIPWARDEN" -c "$T/second.conf" >"$T/out" 2>"$T/err" || RC=$?
sanitizer_check "$T/err" "second instance that cannot bind"
[ "$RC" -eq 2 ] || fail "second instance on a bound port: exit status $RC, want 2: $(cat "$T/err")"
grep -Eq 'ERROR event=bind ' "$T/err" ||
    fail "second instance: no event=bind error line: $(cat "$T/err")"
sw_stop
