"""In-kernel tests: boot with test=all, read KTAP, count each subtest.

A run passes only with QEMU's pass status (33) *and* a final Totals line with
fail:0; anything else (timeout, triple fault, panic) fails and keeps the log.
"""
import os
import re

from harness import PASS_STATUS, TOTALS, qemu_cmd, qemu_run

KTAP_LINE = re.compile(r"^(ok|not ok) (\d+) (\S+)(.*)$", re.M)


def run_ktap(res, build, smp, spec="all", timeout=120, tag=None, extra_args=""):
    kernel = os.path.join(build, "kernel.elf")
    tag = tag or f"kernel:smp{smp}"
    status, log, secs = qemu_run(qemu_cmd(kernel, smp=smp, args=f"test={spec} {extra_args}"),
                                 timeout)
    seen = 0
    for m in KTAP_LINE.finditer(log):
        seen += 1
        name = f"{tag}:{m.group(3)}"
        if "# SKIP" in m.group(4):
            continue
        ok = m.group(1) == "ok"
        res.record(name, ok, "" if ok else f"serial log: {res.keep_log(name, log)}")
    totals = TOTALS.search(log)
    good_end = status == PASS_STATUS and totals and totals.group(2) == "0"
    if not good_end or seen == 0:
        res.record(f"{tag}:run", False,
                   f"status {status}, totals {'missing' if not totals else totals.group(0)}, "
                   f"{seen} results; serial log: {res.keep_log(tag, log)}")


def groups(build):
    g = [(f"kernel:smp{n}", lambda res, n=n: run_ktap(res, build, n)) for n in (1, 2, 4, 8)]
    # Every in-kernel test again with check mode on for every log.
    g.append(("kernel:smp4-logcheck",
              lambda res: run_ktap(res, build, 4, tag="kernel:smp4-logcheck",
                                   extra_args="logcheck=1")))
    return g
