"""Host unit tests: every build/host/tests/test_* (cmocka), each test case counted."""
import glob
import os
import re

from harness import run_cmd

RESULT = re.compile(r"^\[\s*(OK|FAILED|SKIPPED|ERROR)\s*\] (\S+)\s*$")


def run_binary(res, path):
    base = os.path.basename(path)
    status, out = run_cmd([path], timeout=600)
    ok, failed = [], []
    for line in out.splitlines():
        m = RESULT.match(line)
        if not m or m.group(2) in ok + failed:
            continue
        if m.group(1) == "OK":
            ok.append(m.group(2))
        elif m.group(1) in ("FAILED", "ERROR"):
            failed.append(m.group(2))
    for name in ok:
        res.record(f"host:{base}:{name}", True)
    for name in failed:
        res.record(f"host:{base}:{name}", False, res.keep_log(f"host-{base}", out))
    if status != 0 and not failed:
        res.record(f"host:{base}", False, f"exit status {status}; log: {res.keep_log(base, out)}")
    if status == 0 and not ok:
        res.record(f"host:{base}", False, "ran no test case")


def groups(build):
    return [(f"host:{os.path.basename(p)}", lambda res, p=p: run_binary(res, p))
            for p in sorted(glob.glob(os.path.join(build, "host", "tests", "test_*")))
            if os.access(p, os.X_OK) and not p.endswith((".o", ".d"))]
