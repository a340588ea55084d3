#!/bin/bash
# The manual pages (man/) render without a warning (groff -ww) and are
# among what "meson install" installs, under share/man/man5 and man8.
# Usage: manpages.sh SOURCE-ROOT BUILD-DIR
set -u
src=$1 build=$2
command -v groff >/dev/null || { echo "groff is not installed"; exit 77; }
bad=0
for page in "$src"/man/sipwarden.8 "$src"/man/sipwarden.conf.5; do
	out=$(groff -mandoc -Tutf8 -ww -z "$page" 2>&1)
	if [ -n "$out" ]; then
		echo "FAIL: ${page#"$src"/}: groff says: $out"
		bad=1
	fi
	if [ "$(groff -mandoc -Tutf8 "$page" 2>/dev/null | wc -l)" -lt 40 ]; then
		echo "FAIL: ${page#"$src"/}: renders to almost nothing"
		bad=1
	fi
done
installed=$(meson introspect --installed "$build") || exit 2
for want in share/man/man8/sipwarden.8 share/man/man5/sipwarden.conf.5; do
	if ! printf '%s' "$installed" | grep -q "/$want\""; then
		echo "FAIL: meson install does not install $want"
		bad=1
	fi
done
[ "$bad" -eq 0 ] && echo "manual pages: ok"
exit $bad
