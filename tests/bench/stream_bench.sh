#!/bin/bash
# CPU per authenticated REGISTER through sipwarden over UDP, TCP and TLS,
# beside Kamailio over UDP, with the sipp UAC/UAS and users of
# ../shared/peers (the harness bench.sh measures UDP only).
#
#   tests/bench/stream_bench.sh [-n TRANSACTIONS] [-r RATE] [-k ROUNDS] SIPWARDEN [PEERS_DIR]
#
# Each transaction is REGISTER -> 401 -> REGISTER (MD5 digest) -> 200.
# Over TCP and TLS, sipp (-t t1) sends every transaction on one
# connection: connection reuse, as a phone does.  Debian's sipp has no
# TLS, so over TLS it talks TCP to a local socat that holds the one TLS
# connection to sipwarden (socat's CPU is not counted).  Prints, per
# target, successes, failures and CPU (user+sys from /proc) per 1000
# transactions; with ROUNDS > 1 the median.  Ports 5170-5176 on 127.0.0.1.
# Needs sipp, socat, openssl, kamailio.
set -u
n=10000 rate=1000 rounds=1
while getopts n:r:k: o; do
	case $o in
	n) n=$OPTARG ;; r) rate=$OPTARG ;; k) rounds=$OPTARG ;;
	*) exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -ge 1 ] || { sed -n '2,17p' "$0"; exit 2; }
sw=$(realpath "$1")
peers=$(realpath "${2:-$(dirname "$0")/../../../shared/peers}")
work=$(mktemp -d)
pids=
trap 'for p in $pids; do kill "$p" 2>/dev/null; done; rm -rf "$work"' EXIT
tck=$(getconf CLK_TCK)
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -days 2 -subj /CN=bench.test -keyout "$work/key.pem" \
    -out "$work/cert.pem" >/dev/null 2>&1
chmod 600 "$work/key.pem"
install -m 600 "$peers/users" "$work/users"

cpu() { # ticks of a process and its children
	local s=0 p
	for p in $1 $(pgrep -P "$1"); do
		[ -r "/proc/$p/stat" ] && s=$((s + $(awk '{print $14+$15}' "/proc/$p/stat")))
	done
	echo "$s"
}

run_one() { # udp|tcp|tls|kamailio -> "ok failed cpu-ms-per-1000"
	local mode=$1 cmd tp=u1 dst=127.0.0.1:5170 tun=
	cp "$peers/sipwarden-bench.conf" "$work/sipwarden.conf"
	case $mode in
	kamailio)
		cmd=(kamailio -f "$peers/kamailio-auth.cfg" -DD -E -m 64 -M 16 -P "$work/k.pid" -Y "$work") ;;
	udp) cmd=("$sw" -c "$work/sipwarden.conf") ;;
	tcp)
		echo "listen tcp:127.0.0.1:5170" >>"$work/sipwarden.conf"
		tp=t1
		cmd=("$sw" -c "$work/sipwarden.conf") ;;
	tls)
		printf 'listen tls:127.0.0.1:5171\ntls_cert cert.pem\ntls_key key.pem\n' >>"$work/sipwarden.conf"
		tp=t1 dst=127.0.0.1:5176
		cmd=("$sw" -c "$work/sipwarden.conf") ;;
	esac
	timeout 600 sipp -sf "$peers/uas.xml" -i 127.0.0.1 -p 5180 -nostdin >/dev/null 2>&1 &
	local uas=$!
	pids="$pids $uas"
	sleep 0.5
	"${cmd[@]}" >"$work/proxy.log" 2>&1 &
	local proxy=$!
	pids="$pids $proxy"
	sleep 1
	if [ "$mode" = tls ]; then
		timeout 600 socat TCP-LISTEN:5176,bind=127.0.0.1,reuseaddr \
		    OPENSSL:127.0.0.1:5171,verify=0 2>/dev/null &
		tun=$!
		pids="$pids $tun"
		sleep 0.3
	fi
	local c0 c1 ok fail
	c0=$(cpu "$proxy")
	(cd "$work" && timeout 600 sipp -sf "$peers/uac.xml" -t "$tp" -i 127.0.0.1 -p 5190 "$dst" \
	    -auth_uri bench.test -m "$n" -r "$rate" -l 2000 -nostdin -trace_stat \
	    -stf "$work/stat.csv" -recv_timeout 5000 >/dev/null 2>&1)
	c1=$(cpu "$proxy")
	kill "$proxy" "$uas" $tun 2>/dev/null
	wait "$proxy" "$uas" $tun 2>/dev/null
	ok=$(tail -1 "$work/stat.csv" | awk -F';' '{print $16}')
	fail=$(tail -1 "$work/stat.csv" | awk -F';' '{print $18}')
	rm -f "$work/stat.csv"
	echo "$ok $fail $(echo "($c1 - $c0) * 1000 * 1000 / $tck / $n" | bc -l)"
}

declare -A figs
modes="kamailio udp tcp tls"
for ((r = 0; r < rounds; r++)); do
	for m in $modes; do
		read -r ok fail c < <(run_one "$m")
		figs[$m]+="$c "
		printf '%s: round %d: %s ok, %s failed, %.1f cpu-ms per 1000 at %s/s\n' \
		    "$m" $((r + 1)) "$ok" "$fail" "$c" "$rate"
	done
done
median() { tr ' ' '\n' | sed '/^$/d' | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
for m in $modes; do
	printf '%s: median %.1f cpu-ms per 1000 authenticated REGISTERs\n' "$m" \
	    "$(echo "${figs[$m]}" | median)"
done
