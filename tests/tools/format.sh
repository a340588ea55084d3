#!/bin/bash
# Every C file of the project is as clang-format (.clang-format) writes it.
set -u
cd "$(dirname "$0")/../.." || exit 2
command -v clang-format >/dev/null || { echo "clang-format is not installed"; exit 77; }
bad=0
for f in $(find auth core proxy sip tests -name '*.[ch]' | sort); do
	if ! clang-format --dry-run -Werror "$f" >/dev/null 2>&1; then
		echo "not formatted: $f (clang-format -i $f)"
		bad=1
	fi
done
exit $bad
