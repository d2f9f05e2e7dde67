#!/usr/bin/env python3
"""The uncontended time of lock A against lock B, in alternating short runs.

pair.py [--pairs N] [--iters I] [--dir D] A B: runs A, then B, N times, so that
both see the same moment of the machine; prints the median ratio A/B with its
quartiles and each lock's median TSC ticks per acquire + release.

Why: on a shared host, quiet and busy spells last seconds; `make bench`
rounds (each binary ~1 s) land in different spells, while a pair of short
runs lands in the same one.  A and B name binaries D/lock-NAME (default D:
the repository's build/bench; see docs/bench.md).  Exit 2 on a bad command
line (or when stdout cannot be written), 1 if a run fails.
"""
import argparse
import os
import statistics
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools"))
from cliutil import int_arg, repo_path, run_main  # noqa: E402


def run(binary, iters):
    out = subprocess.run([binary, "--threads=1", "--ms=1", "--reps=5", "--iters=%d" % iters],
                         capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit("pair: %s failed (status %d): %s" % (binary, out.returncode,
                                                        out.stderr.strip()))
    for line in out.stdout.splitlines():
        f = line.split(",")
        if len(f) > 5 and f[2] == "uncontended":
            return float(f[5])
    sys.exit("pair: %s printed no uncontended row" % binary)


def quartiles(v):
    v = sorted(v)
    return v[len(v) // 4], statistics.median(v), v[(3 * len(v)) // 4]


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pairs", type=int_arg(1, 10000), default=41)
    ap.add_argument("--iters", type=int_arg(1000, 10**9), default=2000000)
    ap.add_argument("--dir", default=repo_path("build", "bench"))
    ap.add_argument("a")
    ap.add_argument("b")
    o = ap.parse_args()
    bins = [os.path.join(o.dir, "lock-" + n) for n in (o.a, o.b)]
    for b in bins:
        if not os.access(b, os.X_OK):
            ap.error("no benchmark binary %s (make builds build/bench/lock-*)" % b)
    ta, tb = [], []
    for _ in range(o.pairs):
        ta.append(run(bins[0], o.iters))
        tb.append(run(bins[1], o.iters))
    r = quartiles([a / b for a, b in zip(ta, tb)])
    print("%s / %s, uncontended, %d pairs: ratio %.2fx (quartiles %.2f-%.2f); "
          "median %.1f / %.1f TSC ticks" % (o.a, o.b, o.pairs, r[1], r[0], r[2],
                                            statistics.median(ta), statistics.median(tb)))
    return 0


if __name__ == "__main__":
    run_main("pair", main)
