#!/bin/bash
# package: debian/ builds with dpkg-buildpackage into a .deb that lintian
# finds no error in; installed into a clean Debian 12 root (debootstrap
# minbase, the kind of root the README's two commands are proved in), it
# makes the sipwarden user, /etc/sipwarden (root:sipwarden 2750), the
# config as a conffile (0640), a secret of 32 random bytes and a users file
# (0640), /var/log/sipwarden, leaves the service disabled and the fail2ban
# jail off, and "sipwarden -t" passes as the sipwarden user once a user is
# added; installed again over itself it keeps the secret, the users and an
# edited config; purged, it leaves nothing of that behind.
# Needs root, dpkg-buildpackage and debootstrap (exit 77 otherwise).
# Environment: SRCDIR (this folder); PACKAGE_ROOT_CACHE, a folder where a
# clean root is kept between runs (optional).
set -u
SRCDIR=${SRCDIR:-$(cd "$(dirname "$0")" && pwd)}
TOP=$(cd "$SRCDIR/../.." && pwd)

note() { printf 'package: %s\n' "$*" >&2; }
fail() {
	printf 'FAIL: package: %s\n' "$*" >&2
	exit 1
}
skip() {
	printf 'SKIP: package: %s\n' "$*" >&2
	exit 77
}
[ "$(id -u)" = 0 ] || skip "needs root (a chroot)"
for c in dpkg-buildpackage debootstrap lintian chroot; do
	command -v "$c" >/dev/null || skip "$c is not installed"
done

T=$(mktemp -d "${TMPDIR:-/var/tmp}/sipwarden-package.XXXXXX")
ROOT=$T/root
MOUNTED=
cleanup() {
	local rc=$?
	trap - EXIT
	[ -n "$MOUNTED" ] && umount "$ROOT/proc" 2>/dev/null
	if grep -q " $T/" /proc/mounts; then
		note "left $T (still mounted)"
	else
		rm -rf --one-file-system "$T"
	fi
	exit "$rc"
}
trap cleanup EXIT

# ---- build ----------------------------------------------------------------
mkdir -p "$T/src/sipwarden-0.1.0"
if git -C "$TOP" rev-parse --git-dir >/dev/null 2>&1; then
	(cd "$TOP" && git ls-files -z | xargs -0 cp --parents -t "$T/src/sipwarden-0.1.0")
else
	(cd "$TOP" && tar --exclude='./build*' -cf - .) | tar -C "$T/src/sipwarden-0.1.0" -xf -
fi
(cd "$T/src/sipwarden-0.1.0" && dpkg-buildpackage -us -uc -b >"$T/build.log" 2>&1) ||
	{ tail -30 "$T/build.log" >&2; fail "dpkg-buildpackage failed"; }
DEB=$(ls "$T"/src/sipwarden_*_*.deb 2>/dev/null | head -1)
[ -f "$DEB" ] || fail "no sipwarden_VERSION_ARCH.deb"
note "built ${DEB##*/}"
lintian --tag-display-limit 0 "$DEB" >"$T/lintian.out" 2>&1
grep -v 'running with root privileges' "$T/lintian.out" >&2 || :
if grep -q '^E: ' "$T/lintian.out"; then
	fail "lintian reports errors"
fi
note "lintian: $(grep -c '^E: ' "$T/lintian.out") errors, $(grep -c '^W: ' "$T/lintian.out") warnings"

# ---- a clean root ---------------------------------------------------------
mirror=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null)
[ -n "$mirror" ] || mirror=$(awk '/^deb / {print $2; exit}' /etc/apt/sources.list 2>/dev/null)
cache=${PACKAGE_ROOT_CACHE:-}
if [ -n "$cache" ] && [ -x "$cache/bin/bash" ]; then
	cp -a "$cache/." "$ROOT/" 2>/dev/null || { mkdir -p "$ROOT" && cp -a "$cache/." "$ROOT/"; }
else
	[ -n "$mirror" ] || skip "no Debian mirror configured for debootstrap"
	debootstrap --variant=minbase bookworm "$ROOT" "$mirror" >"$T/debootstrap.log" 2>&1 ||
		{ tail -5 "$T/debootstrap.log" >&2; fail "debootstrap failed"; }
	if [ -f /etc/apt/sources.list.d/debian.sources ]; then
		cp /etc/apt/sources.list.d/debian.sources "$ROOT/etc/apt/sources.list.d/"
		rm -f "$ROOT/etc/apt/sources.list"
	fi
	if [ -n "$cache" ]; then
		mkdir -p "$cache" && cp -a "$ROOT/." "$cache/"
	fi
fi
cp /etc/resolv.conf "$ROOT/etc/" 2>/dev/null || :
mount -t proc proc "$ROOT/proc" && MOUNTED=1
in_root() { chroot "$ROOT" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin "$@"; }
# Nothing starts services in the root.
printf '#!/bin/sh\nexit 101\n' >"$ROOT/usr/sbin/policy-rc.d"
chmod 755 "$ROOT/usr/sbin/policy-rc.d"
cp "$DEB" "$ROOT/tmp/"
in_root apt-get update -qq >"$T/apt.log" 2>&1 || { tail "$T/apt.log" >&2; fail "apt-get update in the root"; }

# ---- install --------------------------------------------------------------
in_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	--no-install-recommends "/tmp/${DEB##*/}" >"$T/install.log" 2>&1 ||
	{ tail -20 "$T/install.log" >&2; fail "apt-get install of the package"; }
grep -q "installed, not started: add a user first" "$T/install.log" ||
	fail "the install does not say the service waits for a user"

# mode_is PATH MODE OWNER:GROUP
mode_is() {
	local got
	got=$(in_root stat -c '%a %U:%G' "$1") || fail "$1 is missing"
	[ "$got" = "$2 $3" ] || fail "$1: $got, not $2 $3"
}
check_installed() { # WHAT
	in_root getent passwd sipwarden >/dev/null || fail "$1: no sipwarden user"
	uid=$(in_root id -u sipwarden)
	[ "$uid" -lt 1000 ] || fail "$1: sipwarden is not a system user (uid $uid)"
	mode_is /usr/sbin/sipwarden 755 root:root
	mode_is /etc/sipwarden 2750 root:sipwarden
	mode_is /etc/sipwarden/sipwarden.conf 640 root:sipwarden
	mode_is /etc/sipwarden/secrets 640 root:sipwarden
	mode_is /etc/sipwarden/users 640 root:sipwarden
	mode_is /var/log/sipwarden 2750 sipwarden:adm
	mode_is /lib/systemd/system/sipwarden.service 644 root:root
	for f in /usr/share/man/man8/sipwarden.8.gz /usr/share/man/man5/sipwarden.conf.5.gz \
		/etc/logrotate.d/sipwarden /etc/fail2ban/filter.d/sipwarden.conf \
		/usr/share/doc/sipwarden/examples/users.example \
		/usr/share/doc/sipwarden/README.Debian; do
		[ -f "$ROOT$f" ] || fail "$1: $f is missing"
	done
	grep -Eq '^[0-9a-f]{64}$' "$ROOT/etc/sipwarden/secrets" ||
		fail "$1: the secret is not 64 hex digits"
	[ ! -e "$ROOT/etc/systemd/system/multi-user.target.wants/sipwarden.service" ] ||
		fail "$1: the service is enabled"
	awk '/^\[sipwarden\]/ {s = 1; next} /^\[/ {s = 0} s && /^enabled/ {print $3}' \
		"$ROOT/etc/fail2ban/jail.d/sipwarden.conf" | grep -qx false ||
		fail "$1: the fail2ban jail is not disabled"
	grep -q '/etc/sipwarden/sipwarden.conf' "$ROOT/var/lib/dpkg/info/sipwarden.conffiles" ||
		fail "$1: sipwarden.conf is not a conffile"
}
check_installed "install"
note "installed: user, /etc/sipwarden 2750, config, secret and users 0640, log folder, service disabled, jail off"

# A user, then the check as the service's user passes.
printf 'alicepw\n' | in_root sipwarden passwd /etc/sipwarden/users sipwarden.test alice ||
	fail "sipwarden passwd in the root"
mode_is /etc/sipwarden/users 640 root:sipwarden
in_root runuser -u sipwarden -- sipwarden -t -c /etc/sipwarden/sipwarden.conf >"$T/t.out" 2>&1 ||
	{ cat "$T/t.out" >&2; fail "sipwarden -t as the sipwarden user"; }
grep -q ': ok$' "$T/t.out" || fail "sipwarden -t said: $(cat "$T/t.out")"

# ---- upgrade over itself --------------------------------------------------
secret=$(sha256sum <"$ROOT/etc/sipwarden/secrets")
users=$(sha256sum <"$ROOT/etc/sipwarden/users")
sed -i 's/^log_level info$/log_level debug/' "$ROOT/etc/sipwarden/sipwarden.conf"
grep -q '^log_level debug$' "$ROOT/etc/sipwarden/sipwarden.conf" || fail "could not edit the config"
in_root env DEBIAN_FRONTEND=noninteractive dpkg -i "/tmp/${DEB##*/}" >"$T/upgrade.log" 2>&1 ||
	{ tail -20 "$T/upgrade.log" >&2; fail "dpkg -i over the installed package"; }
check_installed "upgrade"
[ "$(sha256sum <"$ROOT/etc/sipwarden/secrets")" = "$secret" ] || fail "the upgrade changed the secret"
[ "$(sha256sum <"$ROOT/etc/sipwarden/users")" = "$users" ] || fail "the upgrade changed the users"
grep -q '^log_level debug$' "$ROOT/etc/sipwarden/sipwarden.conf" ||
	fail "the upgrade lost the edited config"
in_root runuser -u sipwarden -- sipwarden -t -c /etc/sipwarden/sipwarden.conf >/dev/null 2>&1 ||
	fail "sipwarden -t after the upgrade"
note "upgraded over itself: secret, users and the edited config kept"

# ---- purge ----------------------------------------------------------------
in_root env DEBIAN_FRONTEND=noninteractive dpkg --purge sipwarden >"$T/purge.log" 2>&1 ||
	{ tail -20 "$T/purge.log" >&2; fail "dpkg --purge"; }
for f in /usr/sbin/sipwarden /etc/sipwarden /var/log/sipwarden \
	/lib/systemd/system/sipwarden.service /etc/logrotate.d/sipwarden \
	/etc/fail2ban/jail.d/sipwarden.conf; do
	[ ! -e "$ROOT$f" ] || fail "purge left $f"
done
! in_root getent passwd sipwarden >/dev/null || fail "purge left the sipwarden user"
! in_root getent group sipwarden >/dev/null || fail "purge left the sipwarden group"
note "purged: nothing left"
note "passed"
