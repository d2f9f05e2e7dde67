#!/usr/bin/env python3
"""The project's test runner: host unit tests, in-kernel KTAP tests under QEMU,
and system tests that drive the real QEMU, GRUB and gdb.

Every test case counts once; the last line is "N passed, N failed".
The serial log of every failing QEMU run is kept in build/test-logs/.

  tests/run.py [--build DIR] [--only SUBSTRING] [--list]
"""
import argparse
import concurrent.futures
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Results  # noqa: E402
import explore_tests  # noqa: E402
import fuzz_tests  # noqa: E402
import gdbstub_tests  # noqa: E402
import host_tests  # noqa: E402
import hvm_tests  # noqa: E402
import kernel_tests  # noqa: E402
import stream_tests  # noqa: E402
import system_tests  # noqa: E402
import thread_tests  # noqa: E402
import tool_tests  # noqa: E402
import trace_out_tests  # noqa: E402
import user_tests  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--only", default="", help="run only tests whose name contains this")
    ap.add_argument("--list", action="store_true", help="list the test groups and stop")
    ap.add_argument("--jobs", type=int, default=2, help="QEMU runs at once")
    args = ap.parse_args()

    res = Results(args.build, args.only)
    groups = host_tests.groups(args.build) + tool_tests.groups(args.build) + \
        trace_out_tests.groups(args.build) + \
        fuzz_tests.groups(args.build) + \
        kernel_tests.groups(args.build) + system_tests.groups(args.build) + \
        thread_tests.groups(args.build) + user_tests.groups(args.build) + \
        explore_tests.groups(args.build) + gdbstub_tests.groups(args.build) + \
        hvm_tests.groups(args.build) + stream_tests.groups(args.build)
    if args.list:
        for name, _ in groups:
            print(name)
        return 0
    t0 = time.time()
    # Host tests and tools use both cores themselves: run them first, alone.
    host_side = ("host:", "tools:")
    for name, fn in groups:
        if name.startswith(host_side) and res.wanted(name):
            fn(res)
    qemu_groups = [(n, f) for n, f in groups if not n.startswith(host_side) and res.wanted(n)]
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        for fut in [pool.submit(fn, res) for _, fn in qemu_groups]:
            fut.result()
    print(f"# total time {time.time() - t0:.1f} s")
    print(f"{res.passed} passed, {res.failed} failed"
          + (f", {res.skipped} skipped" if res.skipped else ""))
    return 0 if res.failed == 0 and res.passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
