#!/bin/bash
# table.sh RESULT_DIR: print the interop matrix from the lines the cells
# (tests/interop/cell.sh) wrote into RESULT_DIR: one row per client,
# transport and upstream, one column per step (ok, FAIL, skip, - when not
# checked), the note (skip reason, client-specific settings), then why
# each failed step failed.  A cell that wrote no line is "not run".
# Exit 0 (the cells' results are counted by meson, not here).
set -eu
dir=${1:?usage: table.sh RESULT_DIR}
clients="sipp baresip linphone"
fmt='%-9s %-4s %-4s %-9s %-5s %-8s %-10s %s\n'

echo "---- interop matrix: client x transport (to sipwarden) x upstream (to Kamailio)"
printf "$fmt" client tp up register call refresh unregister note
fails=
for c in $clients; do
	for tp in udp tcp tls; do
		for up in udp tcp; do
			f=$dir/$c-$tp-$up
			if [ ! -s "$f" ]; then
				printf "$fmt" "$c" "$tp" "$up" - - - - "not run"
				continue
			fi
			head=$(head -n 1 "$f")
			# "client tp up reg call refresh unreg | note"
			read -r _ _ _ reg call refresh unreg _ <<<"${head%%|*}"
			note=${head#*| }
			printf "$fmt" "$c" "$tp" "$up" "$reg" "$call" "$refresh" "$unreg" "$note"
			if [ "$(wc -l <"$f")" -gt 1 ]; then
				fails="$fails$c/$tp/$up:
$(tail -n +2 "$f")
"
			fi
		done
	done
done
if [ -n "$fails" ]; then
	echo "---- why"
	printf '%s' "$fails"
fi
echo "----"
