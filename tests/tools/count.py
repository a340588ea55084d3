#!/usr/bin/env python3
"""Sum test results into the one closing line CI reads: "N passed, N failed".

Arguments: meson's testlog.json, then fuzz logs (lines "fuzz NAME: ok|FAILED").
A TAP test counts each of its subtests ("ok N", "not ok N"); any other test
counts once (exit 77 = skipped).  Exit status 1 when anything failed.
"""
import json
import re
import sys


def count_meson(path):
    passed = failed = skipped = 0
    with open(path, encoding="utf-8") as f:
        for line in f:
            t = json.loads(line)
            result = t.get("result")
            tap = [l for l in (t.get("stdout") or "").splitlines()
                   if re.match(r"^(not )?ok \d+", l)]
            if tap:
                bad = sum(1 for l in tap if l.startswith("not ok"))
                ok = len(tap) - bad
                passed += ok
                failed += bad
                if bad == 0 and result not in ("OK", "EXPECTEDFAIL"):
                    failed += 1  # crashed or timed out outside a subtest
            elif result == "SKIP":
                skipped += 1
            elif result in ("OK", "EXPECTEDFAIL"):
                passed += 1
            else:
                failed += 1
    return passed, failed, skipped


def count_fuzz(path):
    passed = failed = 0
    try:
        with open(path, encoding="utf-8") as f:
            for line in f:
                m = re.match(r"^fuzz \S+: (ok|FAILED)", line)
                if m:
                    passed += m.group(1) == "ok"
                    failed += m.group(1) != "ok"
    except OSError:
        failed += 1
    return passed, failed


def main():
    passed, failed, skipped = count_meson(sys.argv[1])
    for path in sys.argv[2:]:
        p, f = count_fuzz(path)
        passed += p
        failed += f
    tail = f", {skipped} skipped" if skipped else ""
    print(f"{passed} passed, {failed} failed{tail}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
