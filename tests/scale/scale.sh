#!/bin/bash
# scale: three sipwarden instances behind a real load balancer, in network
# namespaces of their own (README "Scaling out"):
#
#   client ns                balancer ns                  instance ns x3
#   300 phones  --veth-->  10.10.0.1, VIP 10.10.0.10  --bridge--  10.20.0.11..13
#   10.10.1.x              nftables: jhash ip saddr       |
#                          mod 6 -> dnat, snat to VIP     +-- PBX ns 10.20.0.100
#
# The balancer's rules are etc/nftables/sipwarden-balancer.nft, loaded
# as it is with nft -D for the addresses; the instances' configs are
# etc/scale/instance.conf with the instance's address put in.
# tests/scale/scale.py then checks (a) the spread of 300 registrations,
# (b) calls from the PBX to a UDP and a TCP phone, (c) a nonce answered
# to another instance, (d) the failure of an instance, (e) a ban by the
# one instance that sees a guesser.
#
# Usage: scale.sh [bench N]   (bench: CPU per 1000 authenticated
# REGISTERs, three instances beside one, instead of the checks)
# Environment: SIPWARDEN (the binary), SRCDIR (this folder).
# Needs root, network namespaces, nftables and conntrack; exit 77 (skipped,
# with the reason) where the kernel or the machine cannot.
set -u
: "${SIPWARDEN:?SIPWARDEN must name the sipwarden binary}"
SRCDIR=${SRCDIR:-$(cd "$(dirname "$0")" && pwd)}
TOP=$(cd "$SRCDIR/../.." && pwd)
MODE=${1:-test}
BENCH_N=${2:-3000}

note() { printf 'scale: %s\n' "$*" >&2; }
fail() {
	printf 'FAIL: scale: %s\n' "$*" >&2
	exit 1
}
skip() {
	printf 'SKIP: scale: %s\n' "$*" >&2
	exit 77
}

[ "$(id -u)" = 0 ] || skip "needs root (network namespaces)"
for c in ip nft conntrack python3 unshare nsenter; do
	command -v "$c" >/dev/null || skip "$c is not installed"
done

# The IPVS twin of the balancer: its keepalived config must at least
# parse (keepalived -t exits non-zero on an unknown keyword or a bad
# scheduler).
if command -v keepalived >/dev/null; then
	keepalived -t -f "$TOP/etc/keepalived/sipwarden.conf" ||
		fail "keepalived -t refused etc/keepalived/sipwarden.conf"
	note "etc/keepalived/sipwarden.conf: keepalived -t accepts it"
else
	note "keepalived is not installed: etc/keepalived/sipwarden.conf not checked"
fi
if [ -e /proc/net/ip_vs ]; then
	note "this kernel has IPVS; the checks below run with the nftables balancer only"
else
	note "no IPVS here (no /proc/net/ip_vs; not loaded, or not in this kernel): the checks below run with the nftables balancer"
fi

# Each namespace is held by a process of ours ("unshare --net sleep") and
# named by its PID: no mount, no name in /run/netns (so it works in a
# chroot too), nothing another run could touch; it goes when its holder
# is killed, or at the latest when the holder's sleep ends.
NODES="10.20.0.11 10.20.0.12 10.20.0.13"
VIP=10.10.0.10
PBX_IP=10.20.0.100
NFT_TABLE=sipwarden_lb
REALM=sipwarden.test
BAN_AFTER=5
T=$(mktemp -d "${TMPDIR:-/tmp}/sipwarden-scale.XXXXXX")
PIDS=
HOLDERS=

cleanup() {
	local rc=$? p ns
	trap - EXIT
	for p in $PIDS; do
		kill -TERM "$p" 2>/dev/null || :
	done
	for p in $PIDS; do
		for _ in $(seq 50); do
			kill -0 "$p" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$p" 2>/dev/null || :
		wait "$p" 2>/dev/null || :
	done
	for p in $HOLDERS; do
		kill -KILL "$p" 2>/dev/null || :
		wait "$p" 2>/dev/null || :
	done
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ]; then
		for f in "$T"/*.log; do
			[ -s "$f" ] || continue
			printf -- '---- %s (warnings, then the last 20 lines)\n' "${f##*/}" >&2
			grep -E ' (WARN|ERROR) ' "$f" | tail -n 20 | cut -c1-300 >&2
			printf -- '--\n' >&2
			tail -n 20 "$f" | cut -c1-300 >&2
		done
	fi
	[ -n "${KEEP_TMP:-}" ] && note "kept $T" || rm -rf "$T"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# Is PID running (a zombie, killed or exited but not reaped, is not)?
running() {
	local state
	state=$(sed 's/^.*) \(.\).*$/\1/' "/proc/$1/stat" 2>/dev/null) || return 1
	[ -n "$state" ] && [ "$state" != Z ] && [ "$state" != X ]
}

# newns VAR: a new network namespace; VAR is set to its holder's PID.
newns() {
	local pid i
	unshare --net sleep 900 2>"$T/unshare.err" &
	pid=$!
	HOLDERS="$HOLDERS $pid"
	for i in $(seq 100); do
		[ "$(readlink "/proc/$pid/ns/net" 2>/dev/null)" != "$(readlink /proc/self/ns/net)" ] &&
			[ "$(readlink "/proc/$pid/exe" 2>/dev/null)" != "$(readlink -f "$(command -v unshare)")" ] &&
			break
		running "$pid" || return 1
		sleep 0.02
	done
	running "$pid" || return 1
	printf -v "$1" '%s' "$pid"
	in_ns "$pid" ip link set lo up
}
# in_ns NS COMMAND...: COMMAND in namespace NS (a holder's PID); exec'd,
# not forked, so "in_ns NS prog &" gives prog's own PID.
in_ns() {
	local ns=$1
	shift
	nsenter --net="/proc/$ns/ns/net" -- "$@"
}

# ---- the network ----------------------------------------------------------

if ! newns PROBE; then
	skip "the kernel or this container has no network namespaces: $(cat "$T/unshare.err")"
fi
if ! in_ns "$PROBE" nft add table ip probe 2>"$T/probe.err"; then
	skip "the kernel has no nftables: $(cat "$T/probe.err")"
fi

newns NS_CLIENT || fail "cannot create a network namespace: $(cat "$T/unshare.err")"
newns NS_BAL || fail "cannot create a network namespace"
newns NS_PBX || fail "cannot create a network namespace"
NS_NODES=
for i in 1 2 3; do
	newns NS || fail "cannot create a network namespace"
	NS_NODES="$NS_NODES $NS"
done

# Client side: one veth; the phones' addresses all on it.
ip link add c0 netns "$NS_CLIENT" type veth peer name b0 netns "$NS_BAL" ||
	fail "cannot create a veth pair"
in_ns "$NS_CLIENT" ip link set c0 up
in_ns "$NS_CLIENT" ip addr add 10.10.0.2/16 dev c0
in_ns "$NS_CLIENT" ip route add default via 10.10.0.1
in_ns "$NS_BAL" ip link set b0 up
in_ns "$NS_BAL" ip addr add 10.10.0.1/16 dev b0
in_ns "$NS_BAL" ip addr add "$VIP/32" dev b0

# Instances and PBX on a bridge in the balancer's namespace.
in_ns "$NS_BAL" ip link add br0 type bridge
in_ns "$NS_BAL" ip link set br0 up
in_ns "$NS_BAL" ip addr add 10.20.0.1/24 dev br0
attach() { # NS PORT ADDR: NS's eth0 on the bridge's port PORT
	ip link add eth0 netns "$1" type veth peer name "$2" netns "$NS_BAL" ||
		fail "cannot create a veth pair for $1"
	in_ns "$NS_BAL" ip link set "$2" master br0 up
	in_ns "$1" ip link set eth0 up
	in_ns "$1" ip addr add "$3/24" dev eth0
	in_ns "$1" ip route add default via 10.20.0.1
}
n=0
for a in $NODES; do
	n=$((n + 1))
	attach "$(echo $NS_NODES | cut -d' ' -f$n)" "n$n" "$a"
done
attach "$NS_PBX" pbx "$PBX_IP"
in_ns "$NS_BAL" sysctl -qw net.ipv4.ip_forward=1

# 300 UDP phones, 6 TCP phones and one guesser, each its own address.
PHONES= TCP_PHONES=
{
	for i in $(seq 1 300); do
		a=10.10.$((1 + i / 250)).$((1 + i % 250))
		PHONES="$PHONES $a"
		echo "address add $a/16 dev c0"
	done
	for i in $(seq 1 6); do
		a=10.10.5.$i
		TCP_PHONES="$TCP_PHONES $a"
		echo "address add $a/16 dev c0"
	done
	echo "address add 10.10.6.66/16 dev c0"
} >"$T/addrs"
FLOOD_IP=10.10.6.66
in_ns "$NS_CLIENT" ip -batch "$T/addrs" || fail "cannot add the phones' addresses"

# The balancer: the rules file of etc/, as it is.
set -- $NODES
in_ns "$NS_BAL" nft -D SW_VIP="$VIP" -D SW_CLIENT_IF="\"b0\"" \
	-D SW_NODE0="$1" -D SW_NODE1="$2" -D SW_NODE2="$3" \
	-f "$TOP/etc/nftables/sipwarden-balancer.nft" ||
	fail "nft refused etc/nftables/sipwarden-balancer.nft"

# ---- users, secret, instances ---------------------------------------------

: >"$T/users.pw"
: >"$T/users"
for i in $(seq 1 320); do
	u=$(printf 'ph%03d' "$i")
	pw=pw-$i-$RANDOM
	echo "$u $pw" >>"$T/users.pw"
	printf '%s:%s:%s\n' "$u" "$REALM" \
		"$(printf '%s:%s:%s' "$u" "$REALM" "$pw" | md5sum | cut -d' ' -f1)" >>"$T/users"
done
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$T/secrets"
chmod 600 "$T/users" "$T/secrets"

NODE_PIDS= NODE_LOGS=
n=0
for a in $NODES; do
	n=$((n + 1))
	sed -e "s/@NODE@/$a/g" -e "s/@VIP@/$VIP/g" -e "s/@PBX@/$PBX_IP/g" \
		"$TOP/etc/scale/instance.conf" >"$T/node$n.conf"
	{
		echo "users $T/users"
		echo "secret_file $T/secrets"
		echo "realm $REALM"
		echo "ban_after $BAN_AFTER"
		echo "log $T/node$n.log"
		echo "log_level info"
		echo "workers 1"
	} >>"$T/node$n.conf"
	"$SIPWARDEN" -t -c "$T/node$n.conf" >"$T/node$n.check" 2>&1 ||
		fail "instance $n config: $(cat "$T/node$n.check")"
	# nsenter itself, not in_ns: a function in the background is a
	# subshell, and $! must be sipwarden's own PID.
	nsenter --net="/proc/$(echo $NS_NODES | cut -d' ' -f$n)/ns/net" -- \
		"$SIPWARDEN" -c "$T/node$n.conf" >"$T/node$n.err.log" 2>&1 &
	PIDS="$PIDS $!"
	NODE_PIDS="$NODE_PIDS $!"
	NODE_LOGS="$NODE_LOGS $T/node$n.log"
done
for n in 1 2 3; do
	for _ in $(seq 100); do
		grep -q 'event=start' "$T/node$n.log" 2>/dev/null && break
		sleep 0.05
	done
	grep -q 'event=start' "$T/node$n.log" 2>/dev/null ||
		fail "instance $n did not start within 5 s"
done
for p in $NODE_PIDS; do
	[ "$(cat "/proc/$p/comm" 2>/dev/null)" = sipwarden ] ||
		fail "PID $p is not sipwarden: $(cat "/proc/$p/comm" 2>/dev/null)"
done
note "3 instances up ($NODES), balancer at $VIP, PBX at $PBX_IP"

export NS_CLIENT NS_BAL NS_PBX VIP NODES PBX_IP NODE_PIDS NODE_LOGS PHONES \
	TCP_PHONES FLOOD_IP REALM NFT_TABLE BAN_AFTER
export USERS_PW=$T/users.pw
if [ "$MODE" = bench ]; then
	timeout 600 python3 "$SRCDIR/scale.py" bench "$BENCH_N" || fail "the benchmark failed"
else
	timeout 240 python3 "$SRCDIR/scale.py" test || fail "a check failed"
fi

# The survivors stop cleanly, without a sanitizer report.
n=0
for p in $NODE_PIDS; do
	n=$((n + 1))
	if ! running "$p"; then
		wait "$p"
		rc=$?
		# The one the failover check killed, with SIGKILL.
		[ "$MODE" = test ] && [ "$n" -eq 3 ] && [ "$rc" -eq 137 ] && continue
		fail "instance $n died during the run (status $rc)"
	fi
	kill -TERM "$p"
	for _ in $(seq 150); do
		running "$p" || break
		sleep 0.1
	done
	if running "$p"; then
		kill -KILL "$p"
		wait "$p"
		fail "instance $n still running 15 s after SIGTERM"
	fi
	wait "$p"
	rc=$?
	if grep -Eq 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$T/node$n.err.log"; then
		grep -E -A12 'ERROR: |runtime error:' "$T/node$n.err.log" | head -n 30 >&2
		fail "sanitizer report from instance $n"
	fi
	[ "$rc" -eq 0 ] || fail "instance $n exited with status $rc"
done
note "passed"
