#!/usr/bin/env python3
"""Run every libFuzzer target of a build for a bounded time.

    python3 tests/fuzz/run.py BUILDDIR FUZZDIR

For each fuzz_NAME executable under BUILDDIR: first the regression inputs
in FUZZDIR/regress/NAME/ are run once each, then the target fuzzes for
FUZZ_SECONDS (default 20) on a temporary copy of its seed corpus
(FUZZDIR/corpus/NAME/, plus FUZZDIR/corpus/pkt/ and tests/data/rfc4475/*.dat
for the SIP targets), so the tree is never modified.  One line per target:

    fuzz NAME: ok (N runs)
    fuzz NAME: FAILED (why)

(counted by tests/tools/count.py).  Full logs go to BUILDDIR/fuzz-logs/NAME.log,
crashing inputs to BUILDDIR/fuzz-artifacts/NAME/, and a failing input of
at most 4 KiB is also printed (base64) after the FAILED line, so that a
failure on a machine that is gone afterwards (CI) can be replayed:
`base64 -d > in && build-fuzz/.../fuzz_NAME in`.

FUZZ_SEED sets libFuzzer's -seed.  With CI set in the environment it
defaults to 1, so that CI's fuzzing is the same run every time (a gate
must be repeatable); otherwise each run explores afresh.  Exit status 1
when any target failed.
"""
import base64
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile

SIP_TARGETS = ("pkt", "forward", "pipeline")
TIMEOUT = 10  # seconds for one input
RSS_MB = 2048


def targets(builddir):
    found = {}
    for root, dirs, files in os.walk(builddir):
        dirs[:] = [d for d in dirs if not d.endswith(".p")]
        for f in files:
            path = os.path.join(root, f)
            if (f.startswith("fuzz_") and "." not in f and
                    os.access(path, os.X_OK)):
                found[f[len("fuzz_"):]] = path
    return dict(sorted(found.items()))


def seed_files(fuzzdir, name):
    dirs = [os.path.join(fuzzdir, "corpus", name)]
    if name in SIP_TARGETS:
        dirs.append(os.path.join(fuzzdir, "corpus", "pkt"))
        dirs.append(os.path.join(fuzzdir, "..", "data", "rfc4475"))
    files = []
    for d in dirs:
        files += [p for p in sorted(glob.glob(os.path.join(d, "*")))
                  if os.path.isfile(p) and not p.endswith(".md")]
    return files


def env():
    e = dict(os.environ)
    # UBSan only reports by default; a report must fail the run.
    e.setdefault("UBSAN_OPTIONS", "halt_on_error=1:print_stacktrace=1")
    e.setdefault("ASAN_OPTIONS", "detect_leaks=1")
    return e


def why(log):
    """The first line that says what went wrong."""
    pats = (r"^fuzz_\w+: .*", r"^==\d+==ERROR: .*", r".*runtime error: .*",
            r"^==\d+== ERROR: libFuzzer: .*", r".*deadly signal.*")
    for pat in pats:
        m = re.search(pat, log, re.M)
        if m:
            return m.group(0).strip()[:160]
    return "exit status"


def run_regress(exe, name, fuzzdir, logf):
    files = [f for f in
             sorted(glob.glob(os.path.join(fuzzdir, "regress", name, "*")))
             if os.path.isfile(f) and not f.endswith(".md")]
    failed = []
    for f in files:
        p = subprocess.run([exe, f"-timeout={TIMEOUT}",
                            f"-rss_limit_mb={RSS_MB}", f],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           env=env(), timeout=120, check=False)
        out = p.stdout.decode("utf-8", "replace")
        logf.write(f"--- regress {f}: exit {p.returncode}\n{out}\n")
        if p.returncode != 0:
            failed.append(f"{os.path.basename(f)}: {why(out)}")
    return len(files), failed


def run_fuzz(exe, name, fuzzdir, builddir, seconds, logf):
    artifacts = os.path.join(builddir, "fuzz-artifacts", name)
    os.makedirs(artifacts, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f"fuzz-{name}-") as corpus:
        for i, f in enumerate(seed_files(fuzzdir, name)):
            shutil.copyfile(f, os.path.join(corpus, f"seed{i:03d}"))
        cmd = [exe, f"-max_total_time={seconds}", f"-timeout={TIMEOUT}",
               f"-rss_limit_mb={RSS_MB}", "-print_final_stats=1",
               f"-artifact_prefix={artifacts}/"]
        seed = os.environ.get("FUZZ_SEED",
                              "1" if os.environ.get("CI") else "")
        if seed:
            cmd.append(f"-seed={seed}")
        if name in SIP_TARGETS:
            cmd.append("-dict=" + os.path.join(fuzzdir, "sip.dict"))
        cmd.append(corpus)
        try:
            p = subprocess.run(cmd, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, env=env(),
                               timeout=seconds * 3 + 120, check=False)
        except subprocess.TimeoutExpired:
            return None, "did not stop in time"
    out = p.stdout.decode("utf-8", "replace")
    logf.write(f"--- fuzz {' '.join(cmd)}: exit {p.returncode}\n{out}\n")
    m = (re.search(r"stat::number_of_executed_units:\s*(\d+)", out) or
         re.search(r"Done (\d+) runs", out))
    runs = int(m.group(1)) if m else 0
    if p.returncode != 0:
        art = re.search(r"Test unit written to (\S+)", out)
        where = f"; input {art.group(1)}" if art else ""
        if art and os.path.isfile(art.group(1)) and \
                os.path.getsize(art.group(1)) <= 4096:
            with open(art.group(1), "rb") as f:
                where += "\n  input (base64): " + \
                    base64.b64encode(f.read()).decode()
        return runs, why(out) + where
    return runs, None


def main():
    if len(sys.argv) != 3:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    builddir, fuzzdir = sys.argv[1], sys.argv[2]
    seconds = int(os.environ.get("FUZZ_SECONDS", "20"))
    found = targets(builddir)
    if not found:
        print(f"fuzz all: FAILED (no fuzz_* executable under {builddir})")
        return 1
    logdir = os.path.join(builddir, "fuzz-logs")
    os.makedirs(logdir, exist_ok=True)
    status = 0
    for name, exe in found.items():
        with open(os.path.join(logdir, name + ".log"), "w",
                  encoding="utf-8") as logf:
            nreg, bad = run_regress(exe, name, fuzzdir, logf)
            runs, err = run_fuzz(exe, name, fuzzdir, builddir, seconds, logf)
        problems = []
        if bad:
            problems.append(f"{len(bad)} of {nreg} regression inputs: " +
                            "; ".join(bad))
        if err:
            problems.append(err)
        if problems:
            status = 1
            print(f"fuzz {name}: FAILED ({' | '.join(problems)})", flush=True)
        else:
            print(f"fuzz {name}: ok ({runs} runs)", flush=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
