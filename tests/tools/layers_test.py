#!/usr/bin/env python3
"""Self-test of layers.py, so that the layering check cannot pass silently.

    python3 tests/tools/layers_test.py

Writes small trees into a temporary folder and runs layers.py on each: a
clean tree must pass; a tree with one planted violation or cycle must fail
and name where.  Prints TAP (one line a case); exit status 1 when any case
fails.
"""
import os
import subprocess
import sys
import tempfile

LAYERS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "layers.py")

# A tree that keeps every rule: each folder includes what it may, X.c its
# own X.h, proxy/ includes libevent and the generated version.h.
CLEAN = {
    "core/a.h": "#include <stddef.h>\n",
    "core/a.c": '#include <string.h>\n\n#include "core/a.h"\n',
    "auth/x.h": '#include "core/a.h"\n',
    "auth/x.c": '#include <openssl/evp.h>\n#include "auth/x.h"\n',
    "sip/s.h": '#include "auth/x.h"\n',
    "sip/s.c": '#include "core/a.h"\n#include "sip/s.h"\n',
    "proxy/p.h": '#include "sip/s.h"\n',
    "proxy/p.c": ('#include <event2/event.h>\n\n#include "proxy/p.h"\n'
                  '#include "proxy/q.h"\n#include "version.h"\n'),
    "proxy/q.h": '#include "proxy/r.h"\n',
    "proxy/r.c": '#include "proxy/r.h"\n#include "core/a.h"\n',
    "proxy/r.h": "",
    "version.h": "",
}

# (name, files changed from CLEAN, what the output must name)
CASES = [
    ("core/ includes auth/", {"core/a.c": '#include "core/a.h"\n#include "auth/x.h"\n'},
     ["core/a.c:2:", '"auth/x.h"']),
    ("core/ includes a top-level header", {"core/a.h": '#include "version.h"\n'},
     ["core/a.h:1:", '"version.h"']),
    ("auth/ includes sip/", {"auth/x.c": '\n\n#include "sip/s.h"\n'},
     ["auth/x.c:3:", '"sip/s.h"']),
    ("sip/ includes proxy/", {"sip/s.c": '#include "proxy/p.h"\n'},
     ["sip/s.c:1:", '"proxy/p.h"']),
    ("core/ includes event2", {"core/a.c": "#include <event2/event.h>\n"},
     ["core/a.c:1:", "<event2/event.h>"]),
    ("auth/ includes event2", {"auth/x.h": "# include <event2/buffer.h>\n"},
     ["auth/x.h:1:", "<event2/buffer.h>"]),
    ("sip/ includes event2", {"sip/s.h": '#include "auth/x.h"\n#include <event2/util.h>\n'},
     ["sip/s.h:2:", "<event2/util.h>"]),
    ("header cycle a.h -> b.h -> a.h",
     {"proxy/a.h": '#include "proxy/b.h"\n', "proxy/b.h": '#include "proxy/a.h"\n'},
     ["include cycle", "proxy/a.h:1:", "proxy/b.h:1:"]),
    ("cycle through .c files (X.c and X.h one node)",
     {"proxy/a.c": '#include "proxy/a.h"\n#include "proxy/b.h"\n', "proxy/a.h": "",
      "proxy/b.c": '#include "proxy/b.h"\n#include "proxy/a.h"\n', "proxy/b.h": ""},
     ["include cycle", "proxy/a.c:2:", "proxy/b.c:2:"]),
    ("three-node cycle in sip/",
     {"sip/t.h": '#include "sip/u.h"\n', "sip/u.h": '#include "sip/v.h"\n',
      "sip/v.c": '#include "sip/t.h"\n'},
     ["include cycle", "sip/t.h:1:", "sip/u.h:1:", "sip/v.c:1:"]),
    ("cycle by a relative include",
     {"proxy/a.h": '#include "b.h"\n', "proxy/b.h": '#include "proxy/a.h"\n'},
     ["include cycle", "proxy/a.h:1:"]),
]


def write_tree(top, files):
    for path, text in files.items():
        full = os.path.join(top, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "w", encoding="utf-8") as f:
            f.write(text)


def run(files):
    with tempfile.TemporaryDirectory(prefix="sw-layers-") as top:
        write_tree(top, files)
        r = subprocess.run([sys.executable, LAYERS, top], capture_output=True,
                           text=True, check=False)
        return r.returncode, r.stdout + r.stderr


def main():
    print(f"1..{len(CASES) + 2}")
    bad = 0
    rc, out = run(CLEAN)
    ok = rc == 0 and "0 problems" in out
    bad += not ok
    print(f"{'ok' if ok else 'not ok'} 1 - a clean tree passes")
    if not ok:
        print("# " + out.replace("\n", "\n# "))
    rc, out = run({"README": ""})
    ok = rc == 2
    bad += not ok
    print(f"{'ok' if ok else 'not ok'} 2 - a tree without core/ is refused")
    for i, (name, change, want) in enumerate(CASES, 3):
        files = dict(CLEAN)
        files.update(change)
        rc, out = run(files)
        missing = [w for w in want if w not in out]
        ok = rc == 1 and not missing
        bad += not ok
        print(f"{'ok' if ok else 'not ok'} {i} - {name} fails")
        if not ok:
            print(f"# exit {rc}, missing {missing}")
            print("# " + out.replace("\n", "\n# "))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
