#!/bin/bash
# The two commands of README's Quick start, and what .ci/run calls.
#
#   bash tests/quickstart.sh run    install what is missing, build, run the
#                                   proxy in the foreground on etc/sipwarden.conf
#   bash tests/quickstart.sh test   install what is missing, build, run every
#                                   test (unit, integration, RFC 4475, the
#                                   real-client interop matrix, fuzz)
#
# Needs root on a machine that lacks the packages (it runs apt-get).
# CI=true builds with -Werror and ASan+UBSan.  The last line of `test` is
# "N passed, N failed".
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 2

build_pkgs="gcc pkg-config meson ninja-build libre-dev libevent-dev libssl-dev check"
test_pkgs="python3 sip-tester sipsak clang clang-format libclang-rt-14-dev procps iproute2 openssl fail2ban systemd prometheus sipvicious socat kamailio baresip-core linphone-cli nftables conntrack keepalived groff-base build-essential debhelper lintian dpkg-dev fakeroot debootstrap"

install_missing() { # PACKAGE...: apt-get install those not installed
	local missing=() p
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	echo "quickstart: installing ${missing[*]}" >&2
	if [ "$(id -u)" != 0 ]; then
		echo "quickstart: missing packages; run as root or: apt-get install ${missing[*]}" >&2
		exit 2
	fi
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >/dev/null || exit 2
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || exit 2
}

build() { # DIR MESON-OPTIONS...
	local dir=$1
	shift
	if [ ! -f "$dir/build.ninja" ]; then
		meson setup "$dir" "$@" >"$dir.setup.log" 2>&1 || { cat "$dir.setup.log"; exit 2; }
	fi
	ninja -C "$dir" >"$dir.ninja.log" 2>&1 || { cat "$dir.ninja.log"; exit 2; }
}

case "${1:-}" in
run)
	install_missing $build_pkgs
	build build
	# git does not keep file modes: sipwarden refuses a users file that
	# other users can read.
	chmod 600 etc/users.example
	exec build/sipwarden -c etc/sipwarden.conf
	;;
test)
	install_missing $build_pkgs $test_pkgs
	opts=()
	dir=build-test
	if [ "${CI:-}" = true ]; then
		opts=(-Dwerror=true -Db_sanitize=address,undefined -Db_lundef=false)
		dir=build-ci
	fi
	build "$dir" "${opts[@]}"
	export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
	# Each interop cell writes its line of the matrix here (table below).
	rm -rf "$dir/tests/interop/results"
	meson test -C "$dir" --num-processes 2 --print-errorlogs >"$dir.test.log" 2>&1
	tail -25 "$dir.test.log"
	CC=clang build build-fuzz -Dfuzz=true -Dtests=false -Db_sanitize=address,undefined -Db_lundef=false
	python3 tests/fuzz/run.py build-fuzz tests/fuzz >build-fuzz.log 2>&1
	tail -15 build-fuzz.log
	bash tests/interop/table.sh "$dir/tests/interop/results"
	exec python3 tests/tools/count.py "$dir/meson-logs/testlog.json" build-fuzz.log
	;;
*)
	sed -n '2,12p' "$0"
	exit 1
	;;
esac
