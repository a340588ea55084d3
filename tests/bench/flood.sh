#!/bin/bash
# CPU per 1000 datagrams of a flood, for sipwarden and Kamailio side by side (issue 13).
#
#   tests/bench/flood.sh [-n COUNT] [-r RATE] [-m] [-p RATES] TARGET...
#
# TARGET is `kamailio` (../shared/peers/kamailio-auth.cfg, its allow list set to 127.0.0.0/10)
# or the path of a sipwarden binary (run with the config below). Each target in turn listens on
# 127.0.0.1:5170 (the bench harness's port: do not run beside bench.sh) and gets five floods from
# tests/bench/flood.c, COUNT datagrams each (default 100000) at RATE a second (default 10000;
# 0: as fast as the generator can), every one from a source address of its own class:
#
#   a not_allowed  REGISTERs from 65536 sources outside `allow` (127.100.0.0 up)     sipwarden: dropped
#   b banned       REGISTERs from 256 sources banned first (a wrong digest each, ban_after 1)
#                                                                                    sipwarden: dropped
#   c challenged   unauthenticated REGISTERs from 65536 allowed sources (127.1.0.0 up),
#                  each source far below challenge_limit                             answered 401
#   d over_limit   REGISTERs from 16 allowed sources (127.4.0.0 up), far beyond challenge_limit
#                                                                                    sipwarden: dropped
#   e garbage      datagrams that are not SIP, from 65536 allowed sources            dropped
#
# Kamailio's config has no bans and no challenge limit: it answers b and d with 401s, as it would
# in front of a PBX.  Output, one line per target and class:
#
#   TARGET CLASS sent=N replies=M kernel_drops=K cpu_ms_per_1000=C rss_kib=R
#
# cpu_ms_per_1000: user+system CPU of the target and its children (from /proc) per 1000 datagrams
# it read (sent less kernel_drops); replies: datagrams the target sent back (401s); kernel_drops:
# the growth of the system's UDP RcvbufErrors during the flood (non-zero: the target could not
# keep up; it was saturated, and its figure is the cost at full load); rss_kib: the target's
# resident memory after the flood (summed over its processes).  Then, per class, each target's figure divided by the first target's:
#
#   ratio CLASS TARGET R          (so name kamailio first for ratios to Kamailio)
#
# With -m, sipwarden targets also get the memory run: 1 000 000 unauthenticated REGISTERs from
# 65536 sources, RSS and PSS (KiB) every 100 000:
#
#   TARGET memory after=N rss_kib=R pss_kib=P
#
# With -p RATES (a comma list of flood rates, 0: as fast as the generator can), each target also
# gets the phones run: for each rate, a fresh target (challenge_limit 1000: 200 phones behind one
# address), a flood of unauthenticated REGISTERs from 65536 sources for 12 s, and meanwhile 200
# phones (sipp, ../shared/peers/uac.xml: REGISTER, 401, REGISTER with MD5 digest, 200; 2000
# registrations at 200/s, at most 200 at once, from 127.0.0.1 to a sipp UAS behind the target):
#
#   TARGET phones flood_rate=R offered=X phones_ok=N phones_failed=F kernel_drops=K
#   TARGET phones highest_flood_rate_with_0_failures=R     (offered=X of that run; none: 0)
#
# Needs gcc, sip-tester (sipp) for -p, kamailio for the kamailio target.  Loopback only; every flood stops by itself.
set -u
here=$(cd "$(dirname "$0")" && pwd)
peers=$(cd "$here/../../../shared/peers" 2>/dev/null && pwd)
count=100000 rate=10000 memory=0 prates=
while getopts n:r:mp: o; do
	case $o in
	n) count=$OPTARG ;; r) rate=$OPTARG ;; m) memory=1 ;; p) prates=$OPTARG ;;
	*) sed -n '2,40p' "$0"; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -ge 1 ] || { sed -n '2,40p' "$0"; exit 2; }
[ -n "$peers" ] || { echo "flood.sh: ../shared/peers not found beside the project"; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tck=$(getconf CLK_TCK)
gcc -O2 -std=c11 -o "$work/flood" "$here/flood.c" || exit 1

pids() { # a process and its children
	echo "$1" $(pgrep -P "$1")
}

tree_cpu() { # ticks used by a process and its children
	local s=0 p
	for p in $(pids "$1"); do
		[ -r /proc/$p/stat ] && s=$((s + $(awk '{print $14+$15}' /proc/$p/stat)))
	done
	echo $s
}

tree_mem() { # KEY (Rss or Pss): KiB summed over a process and its children
	local s=0 p v
	for p in $(pids "$1"); do
		v=$(awk -v k="$2:" '$1 == k {print $2}' /proc/$p/smaps_rollup 2>/dev/null)
		s=$((s + ${v:-0}))
	done
	echo $s
}

rcvbuf_errors() {
	awk '/^Udp:/ { if (!h) { for (i = 2; i <= NF; i++) col[$i] = i; h = 1 } else print $col["RcvbufErrors"] }' /proc/net/snmp
}

start_target() { # TARGET [CHALLENGE_LIMIT] -> sets $proxy
	local target=$1 climit=${2:-5}
	case $target in
	kamailio)
		command -v kamailio >/dev/null || { echo "flood.sh: kamailio is not installed"; exit 2; }
		cp "$peers/kamailio-auth.cfg" "$work/kamailio.cfg"
		printf '1 127.0.0.0 10 0 flood allow list\n' >"$work/kamailio-allow.list"
		(cd "$work" && exec kamailio -f "$work/kamailio.cfg" -DD -E -m 64 -M 16 -P "$work/k.pid" \
			-Y "$work") >"$work/proxy.log" 2>&1 &
		;;
	*)
		install -m 600 "$peers/users" "$work/users"
		cat >"$work/sipwarden.conf" <<-EOF
			listen          udp:127.0.0.1:5170
			upstream        udp:127.0.0.1:5180
			realm           bench.test
			users           users
			algorithms      MD5
			allow           127.0.0.0/10
			challenge_limit $climit
			ban_after       1
			ban_window      60
			ban_time        600
			log_level       warn
			workers         1
		EOF
		"$target" -c "$work/sipwarden.conf" >"$work/proxy.log" 2>&1 &
		;;
	esac
	proxy=$!
	sleep 1.5
	kill -0 "$proxy" 2>/dev/null || { echo "flood.sh: $target did not start:"; cat "$work/proxy.log"; exit 1; }
}

stop_target() {
	kill "$proxy" 2>/dev/null
	wait "$proxy" 2>/dev/null
}

declare -A cost
classes="not_allowed banned challenged over_limit garbage"

one_flood() { # TARGET CLASS KIND FIRST SOURCES
	local t=$1 cls=$2 c0 c1 k0 k1 out sent replies read
	k0=$(rcvbuf_errors)
	c0=$(tree_cpu "$proxy")
	out=$("$work/flood" -k "$3" -a "$4" -s "$5" -n "$count" -r "$rate" -t 120 127.0.0.1:5170)
	sleep 0.3
	c1=$(tree_cpu "$proxy")
	k1=$(rcvbuf_errors)
	sent=$(sed -n 's/.* sent=\([0-9]*\).*/\1/p' <<<"$out")
	replies=$(sed -n 's/.* replies=\([0-9]*\).*/\1/p' <<<"$out")
	read=$((sent - (k1 - k0)))
	[ "$read" -gt 0 ] || read=1
	cost[$cls,$t]=$(awk -v c=$((c1 - c0)) -v t="$tck" -v n="$read" 'BEGIN { printf "%.1f", c * 1000 / t * 1000 / n }')
	printf '%s %s sent=%s replies=%s kernel_drops=%s cpu_ms_per_1000=%s rss_kib=%s\n' "$t" "$cls" \
		"$sent" "$replies" $((k1 - k0)) "${cost[$cls,$t]}" "$(tree_mem "$proxy" Rss)"
}

for t in "$@"; do
	start_target "$t"
	one_flood "$t" not_allowed register 127.100.0.0 65536
	# ban 256 sources: a wrong digest from each (sipwarden bans after 1)
	"$work/flood" -k badauth -a 127.3.0.0 -s 256 -t 30 127.0.0.1:5170 >/dev/null
	one_flood "$t" banned register 127.3.0.0 256
	one_flood "$t" challenged register 127.1.0.0 65536
	one_flood "$t" over_limit register 127.4.0.0 16
	one_flood "$t" garbage garbage 127.1.0.0 65536
	if [ "$memory" = 1 ] && [ "$t" != kamailio ]; then
		for i in 1 2 3 4 5 6 7 8 9 10; do
			"$work/flood" -k register -a 127.8.0.0 -s 65536 -n 100000 -r "$rate" -t 120 \
				127.0.0.1:5170 >/dev/null
			printf '%s memory after=%d rss_kib=%s pss_kib=%s\n' "$t" $((i * 100000)) \
				"$(tree_mem "$proxy" Rss)" "$(tree_mem "$proxy" Pss)"
		done
	fi
	stop_target
done
phones_run() { # TARGET RATE -> prints a line, sets $phones_failed and $phones_offered
	local t=$1 r=$2 n k0 k1 out uas ok fail
	n=$((r * 12))
	[ "$r" = 0 ] && n=100000000
	timeout 120 sipp -sf "$peers/uas.xml" -i 127.0.0.1 -p 5180 -nostdin >/dev/null 2>&1 &
	uas=$!
	start_target "$t" 1000
	k0=$(rcvbuf_errors)
	"$work/flood" -k register -a 127.1.0.0 -s 65536 -n "$n" -r "$r" -t 12 127.0.0.1:5170 \
		>"$work/flood.out" &
	local fl=$!
	sleep 1
	rm -f "$work/stat.csv"
	(cd "$work" && timeout 60 sipp -sf "$peers/uac.xml" -i 127.0.0.1 -p 5190 127.0.0.1:5170 \
		-auth_uri bench.test -m 2000 -r 200 -l 200 -nostdin -trace_stat -stf "$work/stat.csv" \
		-recv_timeout 4000 >/dev/null 2>&1)
	wait "$fl"
	k1=$(rcvbuf_errors)
	ok=$(tail -1 "$work/stat.csv" 2>/dev/null | awk -F';' '{print $16}')
	fail=$(tail -1 "$work/stat.csv" 2>/dev/null | awk -F';' '{print $18}')
	stop_target
	kill "$uas" 2>/dev/null
	wait "$uas" 2>/dev/null
	phones_failed=${fail:-2000}
	[ -n "$ok" ] || phones_failed=2000
	phones_offered=$(sed -n 's/.* offered_rate=\([0-9]*\).*/\1/p' "$work/flood.out")
	printf '%s phones flood_rate=%s offered=%s phones_ok=%s phones_failed=%s kernel_drops=%s\n' \
		"$t" "$r" "$phones_offered" "${ok:-0}" "$phones_failed" $((k1 - k0))
}

if [ -n "$prates" ]; then
	command -v sipp >/dev/null || { echo "flood.sh: sipp is not installed (apt-get install sip-tester)"; exit 2; }
	for t in "$@"; do
		best=none
		for r in ${prates//,/ }; do
			phones_run "$t" "$r"
			[ "$phones_failed" = 0 ] && best="$r (offered=$phones_offered)"
		done
		printf '%s phones highest_flood_rate_with_0_failures=%s\n' "$t" "$best"
	done
fi
for cls in $classes; do
	for t in "$@"; do
		awk -v a="${cost[$cls,$t]}" -v b="${cost[$cls,$1]}" -v c="$cls" -v t="$t" \
			'BEGIN { printf "ratio %s %s %.2f\n", c, t, (b > 0 ? a / b : 0) }'
	done
done
