#!/usr/bin/env python3
"""Wall time from QEMU start to the kernel's "smp: N of M cpus online" line.

  tools/boottime.py [--runs 5] [--kernel build/kernel.elf] SMP...
Prints the median and the individual runs for each CPU count."""
import argparse
import os
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests"))
from harness import qemu_cmd  # noqa: E402


def one(kernel, smp):
    cmd = qemu_cmd(kernel, smp=smp, args="test=smp_boot", single_thread=smp > 32)
    t0 = time.time()
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT)
    try:
        for raw in p.stdout:
            if raw.startswith(b"smp: "):
                return time.time() - t0, raw.decode().strip()
        return None, "no summary line"
    finally:
        p.kill()
        p.wait()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--kernel", default="build/kernel.elf")
    ap.add_argument("smp", type=int, nargs="+")
    a = ap.parse_args()
    print(f"{'cpus':>5} {'median s':>9}  runs")
    for n in a.smp:
        times, line = [], ""
        for _ in range(a.runs):
            t, line = one(a.kernel, n)
            if t is None:
                print(f"smp {n}: {line}")
                return 1
            times.append(t)
        print(f"{n:>5} {statistics.median(times):>9.3f}  {' '.join(f'{t:.3f}' for t in times)}"
              f"  ({line})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
