# Sourced by the client drivers in tests/interop/clients/ (sipp.sh,
# baresip.sh): the contract's environment checked, the PIDs of what the
# driver starts tracked and stopped by the EXIT trap (TERM, then KILL
# after a bounded wait), bounded waits, and the STEP / SKIP lines.
set -eu

: "${SW_IP:?}" "${SW_PORT:?}" "${DOMAIN:?}" "${A_USER:?}" "${A_PASS:?}"
: "${B_USER:?}" "${B_PASS:?}" "${CLIENT_PORT_BASE:?}" "${CELL_DIR:?}"
: "${TLS_CA:?}" "${REG_EXPIRES:?}" "${NONCE_TTL:?}"
DRV=$(basename "$0" .sh)
CLIENTS_DIR=$(cd "$(dirname "$0")" && pwd)
DRV_PIDS=

note() {
	printf '%s: %s\n' "$DRV" "$*" >&2
}

skip() {
	echo "SKIP $*"
	exit 77
}

track() {
	DRV_PIDS="$DRV_PIDS $1"
}

alive() {
	local state
	[ -r "/proc/$1/stat" ] || return 1
	state=$(sed 's/^.*) \(.\).*$/\1/' "/proc/$1/stat" 2>/dev/null) || return 1
	[ -n "$state" ] && [ "$state" != Z ] && [ "$state" != X ]
}

# wait_gone PID SECONDS: 0 when PID ended within SECONDS.
wait_gone() {
	local i
	for i in $(seq $(($2 * 10))); do
		alive "$1" || return 0
		sleep 0.1
	done
	! alive "$1"
}

drv_cleanup() {
	local rc=$? p
	trap - EXIT
	for p in $DRV_PIDS; do
		kill -TERM "$p" 2>/dev/null || :
	done
	for p in $DRV_PIDS; do
		wait_gone "$p" 5 || kill -KILL "$p" 2>/dev/null || :
		wait "$p" 2>/dev/null || :
	done
	exit "$rc"
}
trap drv_cleanup EXIT
trap 'exit 130' INT TERM HUP

# wait_port tcp|udp PORT SECONDS: something listens on 127.0.0.1:PORT.
wait_port() {
	local i flag=-Htln
	[ "$1" = udp ] && flag=-Hlun
	for i in $(seq $(($3 * 10))); do
		ss "$flag" "sport = :$2" 2>/dev/null | grep -q . && return 0
		sleep 0.1
	done
	return 1
}

STEPS_FAILED=0
# step NAME ok|fail [WHY]
step() {
	if [ "$2" = ok ]; then
		echo "STEP $1 ok"
	else
		echo "STEP $1 fail ${3:-}"
		STEPS_FAILED=1
	fi
}
