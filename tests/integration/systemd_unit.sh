#!/bin/bash
# systemd_unit: etc/sipwarden.service.
#  - systemd-analyze verify finds nothing to say about it (a copy whose
#    /usr/sbin/sipwarden is the binary under test: verify wants the
#    commands to exist);
#  - the hardening the issue asks for is there, setting by setting, and
#    systemd-analyze security rates the unit's exposure at most 2.0 ("OK");
#  - ExecStartPre's and ExecStart's command lines are what sipwarden
#    accepts (-t -c FILE prints "FILE: ok").
# Skipped when systemd-analyze is not installed or cannot run here (it
# must verify a trivial unit first).
set -eu
. "$SRCDIR/lib.sh"
need systemd-analyze

UNIT=$SRCDIR/../../etc/sipwarden.service
[ -r "$UNIT" ] || fail "no $UNIT"

# Can systemd-analyze work at all in this environment?
mkdir "$T/probe" "$T/unit"
printf '[Unit]\nDescription=probe\n[Service]\nExecStart=/bin/true\n' \
    >"$T/probe/probe.service"
if ! timeout 60 systemd-analyze verify "$T/probe/probe.service" \
    >"$T/probe.out" 2>&1; then
	skip "systemd-analyze verify cannot run here: $(head -n 2 "$T/probe.out" | tr '\n' ' ')"
fi

# ---- the settings, as written ----------------------------------------------
# want KEY=VALUE: a line exactly KEY=VALUE in [Service] (or [Unit]).
want() {
	grep -Fxq -- "$1" "$UNIT" || fail "the unit has no line '$1'"
}
for l in \
    'Type=simple' \
    'User=sipwarden' \
    'Group=sipwarden' \
    'ExecStartPre=/usr/sbin/sipwarden -t -c /etc/sipwarden/sipwarden.conf' \
    'ExecStart=/usr/sbin/sipwarden -c /etc/sipwarden/sipwarden.conf' \
    'ExecReload=/bin/kill -HUP $MAINPID' \
    'Restart=on-failure' \
    'CapabilityBoundingSet=CAP_NET_BIND_SERVICE' \
    'AmbientCapabilities=CAP_NET_BIND_SERVICE' \
    'NoNewPrivileges=yes' \
    'ProtectSystem=strict' \
    'ProtectHome=yes' \
    'PrivateTmp=yes' \
    'PrivateDevices=yes' \
    'ProtectKernelTunables=yes' \
    'ProtectKernelModules=yes' \
    'ProtectControlGroups=yes' \
    'RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX' \
    'RestrictNamespaces=yes' \
    'LockPersonality=yes' \
    'MemoryDenyWriteExecute=yes' \
    'SystemCallFilter=@system-service' \
    'StandardError=journal' \
    'WantedBy=multi-user.target'; do
	want "$l"
done
# Nothing that would fork away from systemd or log elsewhere.
if grep -Eq '^(Type=forking|PIDFile=|DynamicUser=yes|PrivateUsers=yes)' "$UNIT"; then
	fail "the unit has $(grep -E '^(Type=forking|PIDFile=|DynamicUser=yes|PrivateUsers=yes)' "$UNIT")"
fi
[ "$(grep -c '/usr/sbin/sipwarden' "$UNIT")" -ge 2 ] || fail "where is /usr/sbin/sipwarden?"

# ---- systemd-analyze verify ----------------------------------------------------
# The copy runs the binary under test; nothing else changes.
sed "s#/usr/sbin/sipwarden#$SIPWARDEN#g" "$UNIT" >"$T/unit/sipwarden.service"
[ "$(diff "$UNIT" "$T/unit/sipwarden.service" | grep -c '^>')" -eq 2 ] ||
    fail "the copy changed other lines than ExecStartPre and ExecStart"
rc=0
(cd "$T/unit" && timeout 60 systemd-analyze verify sipwarden.service) \
    >"$T/verify.out" 2>&1 || rc=$?
if [ "$rc" -ne 0 ] || grep -q . "$T/verify.out"; then
	cat "$T/verify.out" >&2
	fail "systemd-analyze verify: status $rc"
fi
note "systemd-analyze verify: clean"

# ---- systemd-analyze security (systemd >= 250: --offline) ----------------------
if systemd-analyze security --help 2>&1 | grep -q -- '--offline'; then
	rc=0
	(cd "$T/unit" && timeout 60 systemd-analyze security --offline=true \
	    --threshold=20 --no-pager sipwarden.service) >"$T/security.out" 2>&1 || rc=$?
	score=$(sed -n 's/^.*Overall exposure level for sipwarden.service: \([0-9.]*\).*$/\1/p' \
	    "$T/security.out")
	[ -n "$score" ] || fail "systemd-analyze security: no exposure level (status $rc): $(tail -n 3 "$T/security.out")"
	[ "$rc" -eq 0 ] || fail "systemd-analyze security: exposure $score above 2.0"
	note "systemd-analyze security: exposure $score"
fi

# ---- the command lines ------------------------------------------------------------
sw_config
out=$("$SIPWARDEN" -t -c "$SW_CONF" 2>&1) || fail "sipwarden -t -c: $out"
[ "$out" = "$SW_CONF: ok" ] || fail "sipwarden -t -c printed '$out'"
