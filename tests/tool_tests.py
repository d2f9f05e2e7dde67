"""Host tool tests: explore finds a deliberately broken lock and prints a
replay command that reproduces the failure every time; stress keeps log
memory bounded and its hw recording replays to identical hashes."""
import os
import re
import shlex

from harness import run_cmd


def tool(build, name):
    return os.path.join(build, "host", name)


def explore_broken(res, build):
    name = "tools:explore-catches-broken-lock"
    st, out = run_cmd([tool(build, "explore-broken"), "--test=counter2", "--schedules=10000",
                       "--seed=1000"], timeout=300)
    m = re.search(r"^FAIL after (\d+) schedule\(s\).*?: (.*)$", out, re.M)
    cmd = re.search(r"^replay: (.*)$", out, re.M)
    ok = st == 1 and m and int(m.group(1)) <= 10000 and cmd
    res.record(name, bool(ok), f"status {st}: {out[-400:]}")
    if not ok:
        return
    argv = shlex.split(cmd.group(1))
    same = 0
    for _ in range(20):
        st2, out2 = run_cmd(argv, timeout=60)
        same += st2 == 1 and re.search(r"^FAIL .*: " + re.escape(m.group(2)) + "$", out2,
                                       re.M) is not None
    res.record("tools:explore-replay-command-reproduces-20-of-20", same == 20,
               f"{same} of 20 reproduced '{m.group(2)}' with {cmd.group(1)}")


def explore_clean(res, build):
    st, out = run_cmd([tool(build, "explore"), "--test=counter2", "--schedules=10000"],
                      timeout=300)
    res.record("tools:explore-correct-lock-10000-schedules-clean",
               st == 0 and "no failure" in out, f"status {st}: {out[-400:]}")
    # Check mode: every append recomputes the state from the checkpoint and compares.
    for test in ("counter3", "counter4-mcs"):
        st, out = run_cmd([tool(build, "explore"), f"--test={test}", "--schedules=300",
                           "--check"], timeout=300)
        res.record(f"tools:explore-{test}-check-mode-clean", st == 0 and "no failure" in out,
                   f"status {st}: {out[-400:]}")


MEM = re.compile(r"^log memory: (\d+) bytes", re.M)


def stress_bounded(res, build):
    sizes = {}
    for ops in (20000, 2000000):
        st, out = run_cmd([tool(build, "stress"), "--threads=2", f"--ops={ops}", "--objs=2"],
                          timeout=300)
        m = MEM.search(out)
        if st != 0 or not m or "ok: counters and plain totals agree" not in out:
            res.record("tools:stress-log-memory-bounded", False, f"status {st}: {out[-400:]}")
            return
        sizes[ops] = int(m.group(1))
    res.record("tools:stress-log-memory-bounded", sizes[20000] == sizes[2000000],
               f"log memory by operations: {sizes}")


def stress_record_replay(res, build):
    st, out = run_cmd([tool(build, "stress"), "--threads=2", "--ops=200000", "--objs=4",
                       "--lock=mcs", "--record-replay", "--check"], timeout=300)
    rows = re.findall(r"recorded ([0-9a-f]+)\s+replayed ([0-9a-f]+)\s+(\S+)", out)
    ok = st == 0 and len(rows) == 8 and all(a == b and s == "same" for a, b, s in rows)
    res.record("tools:stress-hw-recording-replays-identically", ok, f"status {st}: {out[-600:]}")


def explore_pthreads_oracle(res, build):
    """explore-broken --pthreads --oracle=S must run S: the round-robin run
    that measures the horizon fails on the broken lock, and must not take
    the process with it.  Seed 1000 passes, 1001 deadlocks (see above)."""
    for seed, want_st, want in ((1000, 0, r"^PASS counter2 --oracle=script:pct:3:1000: "),
                                (1001, 1, r"^FAIL counter2 --oracle=script:pct:3:1001: "
                                          r"script: deadlock after \d+ steps")):
        argv = [tool(build, "explore-broken"), "--test=counter2",
                f"--oracle=script:pct:3:{seed}"]
        st_c, out_c = run_cmd(argv, timeout=60)
        st, out = run_cmd(argv + ["--pthreads"], timeout=60)
        res.record(f"tools:explore-broken-pthreads-runs-the-schedule:pct:3:{seed}",
                   st == want_st and re.search(want, out, re.M) is not None and
                   (st, out) == (st_c, out_c),
                   f"pthreads status {st}: {out[-400:]}\ncooperative status {st_c}: {out_c[-400:]}")


def groups(build):
    return [("tools:explore-broken", lambda res: explore_broken(res, build)),
            ("tools:explore-clean", lambda res: explore_clean(res, build)),
            ("tools:stress-bounded", lambda res: stress_bounded(res, build)),
            ("tools:stress-record-replay", lambda res: stress_record_replay(res, build)),
            ("tools:explore-broken-pthreads", lambda res: explore_pthreads_oracle(res, build))]
