"""Tests of tools/explore.py (make explore): bad arguments are usage errors (status 2);
shards of a campaign cover exactly its seeds; against a fake QEMU whose verdict depends
on the schedule: the progress lines, the distinct-digest count, stopping at the first
failing seed, time-outs, and shrinking that keeps only candidates failing the same way;
against the real kernel: a passing campaign, an unknown test, the explicit deadlock_pair
test (stopped at the first run, its log and trace kept, the printed replay command stops
where the recorded run deadlocked, the re-run command fails the same way) and a failing
test (no panic) whose trace the printed `make replay` replays to the same failure; the
seeded bugs of a BUGS= build (found, named by their detector, replayed, shrunk) and their
absence from the normal build."""
import os
import re
import shlex
import subprocess
import sys
import tempfile
import time

from harness import run_cmd

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXPLORE = os.path.join(ROOT, "tools", "explore.py")
TRACE_SMP2 = os.path.join(ROOT, "tests", "data", "trace-seeds", "kernel-ipc-stress-smp2.trc")

# A stand-in for qemu-system-x86_64: reads -append, logs the command line to $FAKE_LOG,
# and passes or fails by rules on the schedule (environment variables).
FAKE_QEMU = r'''#!/usr/bin/env python3
import os, sys, time
argv = sys.argv[1:]
line = argv[argv.index("-append") + 1]
kv = dict(w.split("=", 1) for w in line.split() if "=" in w)
trace = next((a[5:] for a in argv if a.startswith("file:")), None)
with open(os.environ["FAKE_LOG"], "a") as f:
    f.write(line + "\n")
if os.environ.get("FAKE_PID"):   # a hung QEMU, which a closed stdout does not end
    with open(os.environ["FAKE_PID"], "w") as f:
        f.write(str(os.getpid()))
    time.sleep(60)
test, oracle = kv["test"], kv["oracle"]
print("KTAP version 1\n1..1")
if test == "nosuch":
    print("# no test matches 'nosuch'")
    print("# Totals: pass:0 fail:0 skip:0")
    sys.exit(35)
parts = oracle.split(":")


def env(k):
    return [int(x) for x in os.environ.get(k, "").split(",") if x]


fail, d = False, 0
if parts[0] == "replay":   # FROM= runs: replay_until=K, then free
    fail = bool(os.environ.get("FAKE_FROM_FAIL"))
elif parts[1] in ("pct", "random"):
    seed = int(parts[-1].split("@")[0])
    if seed in env("FAKE_HANG"):
        time.sleep(60)
    fail = seed in env("FAKE_FAIL")
    if parts[1] == "pct":
        # change points: 10k+seed for k < depth, unless given after '@'
        depth = int(parts[2])
        at = parts[3].split("@")[1] if "@" in parts[3] else None
        points = [int(x) for x in at.split(",") if x] if at is not None else \
            [10 * k + seed for k in range(1, depth)]
        print("oracle: pct change points: script:pct:%d:%d@%s"
              % (depth, seed, ",".join(map(str, points))))
        print("script: 500 steps, %d cpu switches" % (2 * len(points)))
        if os.environ.get("FAKE_PCT_MIN"):
            fail = depth >= int(os.environ["FAKE_PCT_MIN"])
        if os.environ.get("FAKE_PCT_NEEDS"):
            fail = int(os.environ["FAKE_PCT_NEEDS"]) in points
    d = seed % int(os.environ.get("FAKE_DIGESTS", "1000000"))
elif parts[1] == "list":
    cpus = parts[2].split(",")
    fail = os.environ.get("FAKE_LIST_NEEDS", "x") in cpus or ("other" if "3" in cpus else False)
    d = len(parts[2])
if fail == "other":
    print("    # FAIL fake.c:2: another failure (cpu 0)")
elif fail:
    print("    # FAIL fake.c:1: schedule-dependent failure (cpu 1)")
print(("not ok" if fail else "ok") + " 1 " + test)
print("# Totals: pass:%d fail:%d skip:0" % (0 if fail else 1, 1 if fail else 0))
if kv.get("record") and trace:
    with open(trace, "w") as f:
        f.write("TRACE " + oracle)
    print("trace: saved, 9 bytes, 1 objects written to COM2")
print("logs: 3 objects, 9 events, digest %016x" % (4096 + d))
sys.exit(35 if fail else 33)
'''


def explore(args, timeout=300, env=None, cwd=ROOT):
    e = dict(os.environ)
    e.update(env or {})
    e.pop("TERM", None)
    st, out = run_cmd([sys.executable, EXPLORE] + args, timeout=timeout, env=e, cwd=cwd)
    return st, out


def usage_errors(res, build):
    name = "explore:usage-errors"
    cases = [["--test", "x", "--runs", "0"], ["--test", "x", "--runs", "abc"],
             ["--test", "x", "--runs", "4", "--shard", "3/2"],
             ["--test", "x", "--runs", "4", "--shard", "x"],
             ["--test", "x", "--runs", "4", "--shard", "0/2"],
             ["--runs", "4"], ["--test", "", "--runs", "4"], ["--test", "x"],
             ["--test", "x", "--runs", "4", "--smp", "65"],
             ["--test", "x", "--runs", "4", "--args", "oracle=hw"],
             ["--test", "x", "--shrink", "script:pct:3:1@0"],
             ["--test", "x", "--shrink", "script:pct:3:1@1,2,3"],
             ["--test", "x", "--shrink", "script:list:0.300"],
             ["--test", "x", "--shrink", "script:list:70"],
             # bounded: a huge TIMEOUT overflowed the wait in a worker thread (and passed),
             # a huge RUNS built its list of seeds until killed, a seed past 2^64 was
             # refused by the kernel and reported as a failing run
             ["--test", "x", "--runs", "1", "--timeout", "3000000"],
             ["--test", "x", "--runs", "1", "--timeout", "10000000000"],
             ["--test", "x", "--runs", "99999999999999999999", "--list-seeds"],
             ["--test", "x", "--runs", "99999999999999999999"],
             ["--test", "x", "--runs", "1", "--timeout", "9" * 5000],
             ["--test", "x", "--runs", "4", "--shard", "1/" + "9" * 5000],
             ["--test", "x", "--runs", "1", "--seed0", "99999999999999999999"],
             ["--test", "x", "--runs", "2", "--seed0", str(2**64 - 1), "--list-seeds"],
             ["--test", "x", "--shrink", "script:random:99999999999999999999"],
             # a list naming a CPU the run does not have
             ["--test", "x", "--shrink", "script:list:9,9"],
             ["--test", "x", "--smp", "2", "--shrink", "script:list:0,1,2"],
             # FROM= a file that is no trace, or a trace of another CPU count than SMP
             ["--test", "x", "--runs", "1", "--from", "/etc/passwd", "--k", "5"],
             ["--test", "x", "--runs", "1", "--from", TRACE_SMP2, "--k", "5", "--smp", "4"]]
    bad = []
    for c in cases:
        st, out = explore(["--build", build] + c, timeout=30)
        # a bad SHRINK= is refused for itself, before any run
        named = c[c.index("--from") + 1] if "--from" in c else None
        if st != 2 or "usage:" not in out or ("--shrink" in c and f"SHRINK={c[-1]}:" not in out) \
                or "Traceback" in out or (named and f"FROM={named}:" not in out
                                          and "recorded on 2 CPUs" not in out):
            bad.append(f"{' '.join(c)}: status {st}: {out[-200:]}")
    # Through make: the same message; make itself ends with its own status 2.
    st, out = run_cmd(["make", "--no-print-directory", f"B={build}", "explore", "TEST=x",
                       "RUNS=abc"], timeout=600, cwd=ROOT)
    if st == 0 or "RUNS=abc: not a number" not in out or "usage:" not in out:
        bad.append(f"make explore RUNS=abc: status {st}: {out[-300:]}")
    res.record(name, not bad, "\n".join(bad))


def list_seeds(build, runs, shard=None, seed0=7):
    args = ["--build", build, "--test", "t", "--runs", str(runs), "--seed0", str(seed0),
            "--list-seeds"] + (["--shard", shard] if shard else [])
    st, out = explore(args, timeout=30)
    return st, [tuple(line.split()) for line in out.splitlines() if line.strip()]


def shards_cover(res, build):
    name = "explore:shards-cover-the-campaign"
    bad = []
    for runs, n in [(10, 3), (7, 7), (5, 8), (101, 6), (1, 2)]:
        st, whole = list_seeds(build, runs)
        if st != 0 or [int(s) for s, _ in whole] != list(range(7, 7 + runs)):
            bad.append(f"RUNS={runs}: status {st}, seeds {whole[:5]}...")
            continue
        parts = []
        for i in range(1, n + 1):
            st, part = list_seeds(build, runs, f"{i}/{n}")
            if st != 0:
                bad.append(f"RUNS={runs} SHARD={i}/{n}: status {st}")
            parts += part
        if sorted(parts) != sorted(whole) or len(set(parts)) != len(parts):
            bad.append(f"RUNS={runs}, {n} shards: {len(parts)} runs, {len(set(parts))} distinct, "
                       f"the campaign has {len(whole)}")
    # The scheme: pct at depth 3 on even seeds, random on odd ones.
    st, whole = list_seeds(build, 4, seed0=10)
    want = [("10", "script:pct:3:10"), ("11", "script:random:11"), ("12", "script:pct:3:12"),
            ("13", "script:random:13")]
    if whole != want:
        bad.append(f"seeds 10..13: {whole}")
    res.record(name, not bad, "\n".join(bad))


class Fake:
    def __init__(self, tmp):
        self.build = os.path.join(tmp, "build")
        os.makedirs(self.build)
        open(os.path.join(self.build, "kernel.elf"), "w").close()
        self.qemu = os.path.join(tmp, "fake-qemu")
        with open(self.qemu, "w") as f:
            f.write(FAKE_QEMU)
        os.chmod(self.qemu, 0o755)
        self.log = os.path.join(tmp, "calls.log")

    def run(self, args, **env):
        open(self.log, "w").close()
        e = {"QEMU": self.qemu, "FAKE_LOG": self.log}
        e.update({k: str(v) for k, v in env.items()})
        st, out = explore(["--build", self.build, "--smp", "2"] + args, timeout=120, env=e)
        with open(self.log) as f:
            calls = f.read().splitlines()
        return st, out, calls


# A campaign whose worker raises (as a huge timeout once did in the wait for QEMU): the
# exception is reported and the campaign fails, never "all 0 runs passed".
WORKER_RAISES = r'''
import sys
sys.path.insert(0, sys.argv[1])
import explore
def run(self, oracle, record=False, trace=None):
    raise OverflowError("timeout is too large")
explore.Runner.run = run
sys.exit(explore.main(sys.argv[2:]))
'''
# The same in the wait for QEMU itself: the QEMU it started must not outlive it.
WAIT_RAISES = r'''
import subprocess, sys
sys.path.insert(0, sys.argv[1])
import explore
def communicate(self, input=None, timeout=None):
    raise OverflowError("timeout is too large")
subprocess.Popen.communicate = communicate
sys.exit(explore.main(sys.argv[2:]))
'''


def alive(pid_file):
    """The pid in pid_file, if that process still runs (and is then killed), else None."""
    try:
        pid = int(open(pid_file).read())
        os.kill(pid, 0)
    except (OSError, ValueError):
        return None
    os.kill(pid, 9)
    return pid


def fake_errors(res, fk, tmp):
    """Explore that could not run is not a pass and not a failure found (exit 2)."""
    name = "explore:fake:worker-exception-fails-the-campaign"
    st, out = run_cmd([sys.executable, "-c", WORKER_RAISES, os.path.dirname(EXPLORE),
                       "--build", fk.build, "--test", "t", "--runs", "3", "--jobs", "2"], 60)
    res.record(name, st == 2 and "timeout is too large" in out and "passed" not in out,
               f"status {st}: {out[-600:]}")

    name = "explore:fake:wait-exception-reaps-qemu"
    pid_file = os.path.join(tmp, "qemu.pid")
    e = dict(os.environ, QEMU=fk.qemu, FAKE_LOG=fk.log, FAKE_PID=pid_file)
    st, out = run_cmd([sys.executable, "-c", WAIT_RAISES, os.path.dirname(EXPLORE),
                       "--build", fk.build, "--test", "t", "--runs", "1"], 60, env=e)
    time.sleep(2)   # a fake QEMU left running has written its pid by now
    left = alive(pid_file)
    res.record(name, st == 2 and "timeout is too large" in out and left is None,
               f"status {st}, QEMU left running: {left}: {out[-600:]}")

    name = "explore:fake:qemu-missing-is-not-a-failure-found"
    st, out, _ = fk.run(["--test", "t", "--runs", "2"], QEMU=os.path.join(tmp, "no-qemu"))
    res.record(name, st == 2 and "could not run the campaign: cannot start" in out and
               "FAIL" not in out and "passed" not in out, f"status {st}: {out[-600:]}")

    name = "explore:fake:stdout-write-error"
    e = dict(os.environ, QEMU=fk.qemu, FAKE_LOG=fk.log)
    e.pop("TERM", None)
    with open("/dev/full", "w") as full:
        p = subprocess.run([sys.executable, EXPLORE, "--build", fk.build, "--test", "t",
                            "--runs", "4", "--smp", "2"], stdout=full, stderr=subprocess.PIPE,
                           env=e, timeout=120, text=True)
    res.record(name, p.returncode == 2 and "explore: cannot write the output" in p.stderr
               and "Traceback" not in p.stderr, f"status {p.returncode}: {p.stderr[-600:]}")

    # Defaults in the repository: from another directory, explore finds the build.
    name = "explore:fake:default-build-from-any-directory"
    elsewhere = os.path.join(tmp, "elsewhere")   # (tmp has a build/ of its own: the fake's)
    os.makedirs(elsewhere, exist_ok=True)
    st, out = explore(["--test", "t", "--runs", "2", "--smp", "2"], timeout=120, cwd=elsewhere,
                      env={"QEMU": fk.qemu, "FAKE_LOG": fk.log})
    res.record(name, st == 0 and "explore: all 2 runs of t passed" in out,
               f"status {st}: {out[-600:]}")


def fake_from(res, fk, build):
    """FROM=: SMP defaults to the trace's CPU count; a failing branch's re-run commands
    name the recording, K and the user's ARGS, so that they run that branch again."""
    host = os.path.join(fk.build, "host")
    os.makedirs(host, exist_ok=True)
    if not os.path.exists(os.path.join(host, "trace")):
        os.symlink(os.path.abspath(os.path.join(build, "host", "trace")),
                   os.path.join(host, "trace"))
    e = {"QEMU": fk.qemu, "FAKE_LOG": fk.log}
    st, out = explore(["--build", fk.build, "--test", "t", "--runs", "2", "--from", TRACE_SMP2,
                       "--k", "5"], timeout=120, env=e)
    res.record("explore:fake:from-smp-is-the-traces",
               st == 0 and re.search(r"^explore: test=t replay_until=5, 2 runs, .*SMP=2, ", out,
                                     re.M) is not None, f"status {st}: {out[-600:]}")
    st, out, calls = fk.run(["--test", "t", "--runs", "2", "--jobs", "1", "--from", TRACE_SMP2,
                             "--k", "5", "--args", "ipc_msgs=2"], FAKE_FROM_FAIL=1)
    trace = shlex.quote(TRACE_SMP2)
    rr = re.search(r"^re-run:  make (?:B=\S+ )?replay TRACE=(\S+) SMP=2 "
                   r"ARGS='test=t ipc_msgs=2 replay_until=5'$", out, re.M)
    ex = re.search(r"^     or: make (?:B=\S+ )?explore TEST=t RUNS=1 SEED0=0 SMP=2 FROM=(\S+) K=5 "
                   r"ARGS=ipc_msgs=2$", out, re.M)
    res.record("explore:fake:from-rerun-commands-name-the-recording",
               st == 1 and rr is not None and ex is not None and rr.group(1) == trace and
               ex.group(1) == trace and calls[0] == "test=t oracle=replay ipc_msgs=2 "
               "replay_until=5", f"status {st}, calls {calls}: {out[-900:]}")


def fake_campaigns(res, build):
    with tempfile.TemporaryDirectory() as tmp:
        fk = Fake(tmp)
        fake_errors(res, fk, tmp)
        fake_from(res, fk, build)
        name = "explore:fake:all-pass-progress-and-digests"
        st, out, calls = fk.run(["--test", "t", "--runs", "20", "--jobs", "3"], FAKE_DIGESTS=6)
        prog = [int(m) for m in re.findall(r"^explore: (\d+)/20 runs, [\d.]+ runs/min, 0 failures, "
                                           r"\d+ distinct digests$", out, re.M)]
        m = re.search(r"^explore: all 20 runs of t passed .*, (\d+) distinct digests", out, re.M)
        ok = st == 0 and prog == list(range(2, 21, 2)) and m and m.group(1) == "6" and \
            len(calls) == 20
        res.record(name, bool(ok), f"status {st}, progress at {prog}, {len(calls)} runs: "
                   f"{out[-600:]}")

        name = "explore:fake:stops-at-first-failure"
        st, out, calls = fk.run(["--test", "t", "--runs", "40", "--jobs", "1", "--seed0", "3"],
                                FAKE_FAIL="17,30")
        m = re.search(r"^explore: FAIL after 15 runs: seed 17, oracle=script:random:17: "
                      r"not ok 1 t \(fake.c:1: schedule-dependent failure\)$", out, re.M)
        campaign = [c for c in calls if "record=1" not in c]
        recorded = [c for c in calls if "record=1" in c]
        trace = re.search(r"^explore: trace: (\S+) ", out, re.M)
        replay = re.search(r"^replay:  make (?:B=\S+ )?replay TRACE=(\S+)$", out, re.M)
        rerun = re.search(r"^re-run:  make (?:B=\S+ )?qemu SMP=2 ARGS='test=t "
                          r"oracle=script:random:17'$", out, re.M)
        slog = re.search(r"^explore: serial log: (\S+)$", out, re.M)
        ok = st == 1 and m and len(campaign) == 15 and \
            recorded == ["test=t oracle=script:random:17 record=1"] and trace and replay and \
            replay.group(1) == trace.group(1) and os.path.exists(trace.group(1)) and rerun and \
            slog and "not ok 1 t" in open(slog.group(1)).read()
        res.record(name, bool(ok), f"status {st}, {len(campaign)} runs, recorded {recorded}: "
                   f"{out[-900:]}")

        name = "explore:fake:parallel-stops-early"
        st, out, calls = fk.run(["--test", "t", "--runs", "200", "--jobs", "4"], FAKE_FAIL="5")
        campaign = [c for c in calls if "record=1" not in c]
        ok = st == 1 and "seed 5, oracle=script:random:5" in out and len(campaign) <= 5 + 4 + 4
        res.record(name, bool(ok), f"status {st}, {len(campaign)} runs: {out[-500:]}")

        name = "explore:fake:timeout-is-a-failure"
        st, out, calls = fk.run(["--test", "t", "--runs", "6", "--jobs", "1", "--timeout", "2"],
                                FAKE_HANG="2")
        ok = st == 1 and re.search(r"^explore: FAIL after 3 runs: seed 2, "
                                   r"oracle=script:pct:3:2: timeout$", out, re.M) and \
            "explore: no trace" in out and "TIMEOUT=2" in out
        res.record(name, bool(ok), f"status {st}: {out[-600:]}")

        name = "explore:fake:unknown-test"
        st, out, calls = fk.run(["--test", "nosuch", "--runs", "5"])
        ok = st == 2 and "knows no such test" in out and "usage:" in out
        res.record(name, bool(ok), f"status {st}: {out[-400:]}")

        name = "explore:fake:shrink-list"
        st, out, calls = fk.run(["--test", "t", "--jobs", "2", "--smp", "4", "--shrink",
                                 "script:list:0,1,0,3,1,2,0,1,1,0,3,1"], FAKE_LIST_NEEDS=2)
        # Lists without 2 pass; lists with a 3 fail otherwise: neither may be kept.
        m = re.search(r"^explore: shrink: \d+ runs; smallest schedule that fails the same way: "
                      r"(\S+)$", out, re.M)
        ok = st == 1 and m and m.group(1) == "script:list:2"
        res.record(name, bool(ok), f"status {st}: {out[-600:]}")

        name = "explore:fake:shrink-pct"
        st, out, calls = fk.run(["--test", "t", "--jobs", "2", "--shrink", "script:pct:7:5"],
                                FAKE_PCT_MIN=3)
        m = re.search(r"smallest schedule that fails the same way: (\S+)$", out, re.M)
        # depth 3 fails whatever its change points: none are needed
        ok = st == 1 and m and m.group(1) == "script:pct:3:5@" and \
            "no change points at all still fails" in out
        res.record(name, bool(ok), f"status {st}: {out[-600:]}")

        name = "explore:fake:shrink-pct-change-points"
        st, out, calls = fk.run(["--test", "t", "--jobs", "2", "--shrink", "script:pct:7:5"],
                                FAKE_PCT_NEEDS=35)
        # Depth 4 is the smallest whose change points (15,25,35) include 35; delta debugging
        # over them keeps exactly 35, and no candidate that passes.
        m = re.search(r"smallest schedule that fails the same way: (\S+)$", out, re.M)
        ok = st == 1 and m and m.group(1) == "script:pct:4:5@35" and \
            "explore: shrink: script:pct:4:5@35 makes 2 cpu switches" in out
        res.record(name, bool(ok), f"status {st}: {out[-600:]}")


def qemu_pass(res, build):
    name = "explore:qemu:passing-campaign"
    st, out = explore(["--build", build, "--test", "container_quota_race", "--runs", "4",
                       "--smp", "2", "--jobs", "2", "--seed0", "40"])
    m = re.search(r"^explore: all 4 runs of container_quota_race passed \(seeds 40..43\), "
                  r"(\d+) distinct digests, ([\d.]+) runs/min$", out, re.M)
    res.record(name, st == 0 and m is not None and m.group(1) == "4", f"status {st}: {out[-600:]}")

    name = "explore:qemu:unknown-test"
    st, out = explore(["--build", build, "--test", "no_such_test", "--runs", "3", "--smp", "2"])
    res.record(name, st == 2 and "knows no such test" in out and "usage:" in out,
               f"status {st}: {out[-400:]}")


PANIC_SIG = re.compile(r"^\*\*\* panic on cpu \d+: (script: deadlock after \d+ steps: .*)$", re.M)
DIGEST = re.compile(r"^logs: \d+ objects, \d+ events, digest ([0-9a-f]+)$", re.M)
REFUSED = "another build replays another program"


def qemu_deadlock(res, build):
    """deadlock_pair fails under every schedule: the campaign stops at its first run, keeps
    the log and the trace (the kernel writes it from the panic), the printed re-run command
    fails with the identical report and the printed replay command stops where the recorded
    run stopped: the same threads waiting on the same locks, the same digest."""
    for attempt in range(2):   # again if the kernel was rebuilt between record and replay
        with tempfile.TemporaryDirectory() as out_dir:
            if deadlock_once(res, build, out_dir, attempt == 1):
                return


def deadlock_once(res, build, out_dir, last):
    name = "explore:qemu:deadlock-pair-stops-with-trace"
    st, out = explore(["--build", build, "--test", "deadlock_pair", "--runs", "8", "--smp",
                       "2", "--jobs", "1", "--seed0", "4", "--out", out_dir])
    m = re.search(r"^explore: FAIL after 1 run: seed 4, oracle=script:pct:3:4: panic: "
                  r"script: deadlock after N steps", out, re.M)
    slog = re.search(r"^explore: serial log: (\S+)$", out, re.M)
    tr = re.search(r"^explore: trace: (\S+) \(the schedule run again with record=1 failed the "
                   r"same way, digest ([0-9a-f]+); its log: (\S+)\)$", out, re.M)
    rp = re.search(r"^replay:  (make (?:B=\S+ )?replay TRACE=(\S+))$", out, re.M)
    rerun = re.search(r"^re-run:  (make .*)$", out, re.M)
    first = open(slog.group(1)).read() if slog else ""
    want = PANIC_SIG.search(first)
    # The trace is of the failing schedule: the recorded run ends with the failing run's digest.
    ok = st == 1 and m and want and tr and rp and rp.group(2) == tr.group(1) and rerun and \
        os.path.getsize(tr.group(1)) > 0 and DIGEST.findall(first) == [tr.group(2)]
    res.record(name, bool(ok), f"status {st}: {out[-900:]}")
    if not ok:
        return True
    rlog = open(tr.group(3)).read()
    waits = set(re.findall(r"^script:\s+cpu (\d+) thread (\d+) waits on (\S+)$", rlog, re.M))
    st2, out2 = run_cmd(shlex.split(rp.group(1)), timeout=300, cwd=ROOT)
    out2 = out2.replace("\r\n", "\n")
    if REFUSED in out2 and not last:
        return False
    got = set(re.findall(r"^  waiting: cpu (\d+) thread (\d+) for (\S+)$", out2, re.M))
    ok = st2 != 0 and "oracle: replay governs the kernel" in out2 and \
        "the recording ends here" in out2 and len(waits) == 2 and got == waits and \
        DIGEST.findall(out2) == [tr.group(2)]
    res.record("explore:qemu:deadlock-replay-command-reproduces", bool(ok),
               f"{rp.group(1)}: status {st2}, recorded waits {sorted(waits)}, replayed "
               f"{sorted(got)}, digests {DIGEST.findall(out2)} (recorded {tr.group(2)}): "
               f"{out2[-700:]}")
    st3, out3 = run_cmd(shlex.split(rerun.group(1)), timeout=300, cwd=ROOT)
    again = PANIC_SIG.search(out3.replace("\r\n", "\n"))
    res.record("explore:qemu:deadlock-rerun-command-fails-the-same-way",
               st3 != 0 and again is not None and again.group(0) == want.group(0),
               f"{rerun.group(1)}: status {st3}, want {want.group(0)!r}: {out3[-600:]}")
    return True


def qemu_trace_replay(res, build):
    """test=proc_run without uprog= fails its KT_EXPECT (no panic): through make explore,
    the campaign stops, records the schedule again, and `make replay` of the printed trace
    fails the same way with the same digest."""
    for attempt in range(2):   # again if the kernel was rebuilt between record and replay
        if trace_replay_once(res, build, attempt == 1):
            return


def trace_replay_once(res, build, last):
    name = "explore:qemu:make-explore-trace-replays-the-failure"
    st, out = run_cmd(["make", "--no-print-directory", f"B={build}", "explore", "TEST=proc_run",
                       "RUNS=6", "SMP=2", "JOBS=2", "SEED0=21"], timeout=600, cwd=ROOT)
    m = re.search(r"^explore: FAIL after \d+ runs?: seed (21|22), oracle=\S+: not ok 1 proc_run "
                  r"\(tests/kernel/ktest_proc.c:\d+: uprog names a program\)$", out, re.M)
    tr = re.search(r"^explore: trace: (\S+) \(the schedule run again with record=1 failed the "
                   r"same way, digest ([0-9a-f]+); its log: (\S+)\)$", out, re.M)
    rp = re.search(r"^replay:  (make (?:B=\S+ )?replay TRACE=(\S+))$", out, re.M)
    ok = st != 0 and m and tr and rp and rp.group(2) == tr.group(1) and \
        os.path.getsize(os.path.join(ROOT, tr.group(1))) > 0
    res.record(name, bool(ok), f"status {st}: {out[-900:]}")
    if not ok:
        return True
    st2, out2 = run_cmd(shlex.split(rp.group(1)), timeout=300, cwd=ROOT)
    out2 = out2.replace("\r\n", "\n")
    if REFUSED in out2 and not last:
        return False
    dg = DIGEST.findall(out2)
    ok = "oracle: replay governs the kernel" in out2 and \
        re.search(r"^not ok 1 proc_run$", out2, re.M) and \
        "replay: every object reached its recorded end" in out2 and dg == [tr.group(2)]
    res.record("explore:qemu:replay-command-reproduces", bool(ok),
               f"{rp.group(1)}: status {st2}, digests {dg} (recorded {tr.group(2)}): "
               f"{out2[-700:]}")
    return True


def qemu_shrink(res, build):
    name = "explore:qemu:shrink-deadlock-list"
    st, out = explore(["--build", build, "--test", "deadlock_pair", "--smp", "2", "--jobs", "2",
                       "--shrink", "script:list:0,1,1,0,1,0,0,1"])
    # deadlock_pair deadlocks under every schedule: no forced switch at all (round robin)
    m = re.search(r"smallest schedule that fails the same way: script:rr$", out, re.M)
    res.record(name, st == 1 and m is not None and "no entries at all still fails" in out,
               f"status {st}: {out[-600:]}")


# The seeded bugs (docs/explore.md "Seeded bugs"): (BUGS name, test, seed0, the failure's
# signature as explore prints it).  In the BUGS build seed0 passes and seed0 + 1 (a random
# schedule) fails; in the normal build both pass.
BUGS = "lost_wakeup,lock_order,chan_unlocked"
SEEDED = [
    ("lost_wakeup", "bug_lost_wakeup", 16,
     r"panic: lost wakeup: thread N sleeps on bug\.lw\.N since runq\.cpuN seq N; the wakeup at "
     r"runq\.cpuN seq N did not reach it"),
    ("lock_order", "bug_lock_order", 0,
     r"panic: script: deadlock after N steps: cpu N \(thread N\) waits on bug\.lo\.[ab] forever"),
    ("chan_unlocked", "bug_chan_race", 9,
     r"panic: mutual-exclusion violation: chan\.N: SEND by thread N \(cpu N\) without holding "
     r"its lock lock\.chan\.N"),
]
REPLAYS = 2   # CI; by hand: see docs/explore.md
PANIC_LINE = re.compile(r"^\*\*\* panic on cpu \d+: (.*)$", re.M)


def seeded_normal(res, build):
    """The normal build has no seeded bug, and the bug workloads pass there under the very
    schedules that fail in the BUGS build."""
    with open(os.path.join(build, "kernel.elf"), "rb") as f:
        image = f.read()
    listed = open(os.path.join(build, "bugs.list")).read().strip() \
        if os.path.exists(os.path.join(build, "bugs.list")) else ""
    res.record("explore:bugs:normal-build-has-none",
               b"# seeded bugs" not in image and listed == "",
               f"bugs.list {listed!r}, '# seeded bugs' in the image: {b'# seeded bugs' in image}")
    for bug, test, seed0, _ in SEEDED:
        st, out = explore(["--build", build, "--test", test, "--runs", "2", "--smp", "2",
                           "--jobs", "2", "--seed0", str(seed0)])
        res.record(f"explore:bugs:{test}-passes-in-normal-build",
                   st == 0 and f"explore: all 2 runs of {test} passed" in out,
                   f"status {st}: {out[-600:]}")


def seeded_bugs(res, build):
    bb = os.path.join(build, "bugs")
    st, out = run_cmd(["make", "--no-print-directory", "-j2", f"B={bb}", f"BUGS={BUGS}",
                       os.path.join(bb, "kernel.elf"), os.path.join(bb, "host", "trace")],
                      timeout=900, cwd=ROOT)
    with open(os.path.join(bb, "kernel.elf"), "rb") as f:
        image = f.read() if st == 0 else b""
    res.record("explore:bugs:build", st == 0 and b"# seeded bugs" in image,
               f"status {st}: {out[-800:]}")
    if st != 0:
        return
    with tempfile.TemporaryDirectory() as out_dir:
        for bug, test, seed0, sig in SEEDED:
            seeded_one(res, bb, out_dir, bug, test, seed0, sig)


def seeded_one(res, bb, out_dir, bug, test, seed0, sig):
    """make explore finds the bug (seed0 passes, seed0 + 1 fails: random on odd seeds, pct on
    even ones), its trace replays it
    REPLAYS times with the recorded digest and the detector's report, the shrunk schedule is
    no longer and fails the same way, and the report names the kind."""
    name = f"explore:bugs:{bug}"
    st, out = explore(["--build", bb, "--test", test, "--runs", "4", "--smp", "2", "--jobs", "1",
                       "--seed0", str(seed0), "--out", out_dir])
    m = re.search(rf"^explore: FAIL after 2 runs: seed {seed0 + 1}, "
                  rf"oracle=(script:(?:random|pct:3):{seed0 + 1}): ({sig})$", out, re.M)
    tr = re.search(r"^explore: trace: (\S+) \(the schedule run again with record=1 failed the "
                   r"same way, digest ([0-9a-f]+); its log: (\S+)\)$", out, re.M)
    rp = re.search(r"^replay:  (make B=\S+ replay TRACE=(\S+))$", out, re.M)
    sh = re.search(r"^shrink:  make B=\S+ explore .* SHRINK=(\S+)$", out, re.M)
    ok = st == 1 and m and tr and rp and sh and rp.group(2) == tr.group(1)
    res.record(f"{name}-found-by-explore", bool(ok), f"status {st}: {out[-900:]}")
    if not ok:
        return
    oracle, why, trace, digest = m.group(1), m.group(2), tr.group(1), tr.group(2)
    rlog = open(tr.group(3)).read()
    panic = PANIC_LINE.search(rlog).group(1)

    # The detector names the kind, in the kernel (and for a lost wakeup in trace detect).
    if bug == "lost_wakeup":
        k = re.search(r"since (runq\.cpu\d+) seq (\d+)", panic)
        st2, det = run_cmd([os.path.join(bb, "host", "trace"), "detect", trace], timeout=60)
        ok = k and st2 == 1 and re.search(r"^FLAG lost-wakeup " + k.group(1) + "$", det, re.M) \
            and f"replay: make replay TRACE={trace} STOP={k.group(1)}:{k.group(2)}" in det and \
            "lost wakeup: replay: make replay TRACE=" in rlog
        res.record(f"{name}-detector-names-lost-wakeup", bool(ok), f"{panic}\n{det[-900:]}")
    elif bug == "lock_order":
        ok = re.search(r"^script: deadlock cycle of 2: cpu 0 \(thread \d+\) waits for bug\.lo\.b, "
                       r"held by cpu 1 \(thread \d+\), which waits for bug\.lo\.a, held by cpu 0 ",
                       rlog, re.M) and "script: replay: make replay TRACE=" in rlog
        res.record(f"{name}-detector-names-deadlock-cycle", bool(ok), rlog[-900:])
    else:
        ok = panic.startswith("mutual-exclusion violation: chan.") and \
            "mutual-exclusion violation: replay: make replay TRACE=" in rlog
        res.record(f"{name}-detector-names-mutual-exclusion-violation", bool(ok), rlog[-900:])

    # The saved trace replays the failure, every time.
    outs = []
    for _ in range(REPLAYS):
        st2, o2 = run_cmd(shlex.split(rp.group(1)), timeout=300, cwd=ROOT)
        outs.append((st2, o2.replace("\r\n", "\n")))
    def replayed(st2, o2):
        if st2 == 0 or "oracle: replay governs the kernel" not in o2 or \
                DIGEST.findall(o2) != [digest]:
            return False
        if bug == "lock_order":   # the recording ends in the cycle: the replay stops there
            waits = set(re.findall(r"^script:\s+cpu (\d+) thread (\d+) waits on (\S+)$",
                                   rlog, re.M))
            got = set(re.findall(r"^  waiting: cpu (\d+) thread (\d+) for (\S+)$", o2, re.M))
            return "the recording ends here" in o2 and len(waits) == 2 and got == waits
        p2 = PANIC_LINE.search(o2)
        return p2 is not None and p2.group(1) == panic   # the detector fires again, the same
    res.record(f"{name}-trace-replays-it-{REPLAYS}-times",
               all(replayed(*x) for x in outs),
               f"recorded digest {digest}, panic {panic!r}: " +
               " | ".join(f"status {x[0]}: {x[1][-500:]}" for x in outs))

    # Shrinking: a schedule no longer than the failing one that fails the same way.
    st3, o3 = explore(["--build", bb, "--test", test, "--smp", "2", "--jobs", "2",
                       "--budget", "12", "--shrink", sh.group(1)])
    if oracle.startswith("script:pct:"):
        # pct: fewer change points (preemptions) than the depth's d-1, at no greater depth
        best = re.search(r"smallest schedule that fails the same way: (script:pct:(\d+):\d+"
                         r"(?:@([0-9,]*))?)$", o3, re.M)
        d = int(oracle.split(":")[2])
        ok = st3 == 1 and sh.group(1) == oracle and best and int(best.group(2)) <= d and \
            len([x for x in (best.group(3) or "").split(",") if x] if best.group(3) is not None
                else range(int(best.group(2)) - 1)) <= d - 1
    else:
        n = re.search(r"^explore: shrink: as a list of its (\d+) picks it fails the same way",
                      o3, re.M)
        best = re.search(r"smallest schedule that fails the same way: (script:list:([0-9,.]+)|"
                         r"script:rr)$", o3, re.M)   # rr: the empty list
        ok = st3 == 1 and sh.group(1) == oracle and n and best and \
            len(best.group(2).split(",") if best.group(2) else []) <= int(n.group(1))
    res.record(f"{name}-shrunk-no-longer", bool(ok), f"status {st3}: {o3[-900:]}")
    if not ok:
        return
    st4, o4 = explore(["--build", bb, "--test", test, "--smp", "2", "--budget", "1",
                       "--shrink", best.group(1)])
    res.record(f"{name}-shrunk-still-fails-the-same-way",
               st4 == 1 and f"explore: shrink: {best.group(1)} fails: {why}" in o4,
               f"want {why!r}; status {st4}: {o4[-600:]}")


def groups(build):
    return [("explore:args", lambda res: (usage_errors(res, build), shards_cover(res, build))),
            ("explore:fake", lambda res: fake_campaigns(res, build)),
            ("explore:qemu", lambda res: (qemu_pass(res, build), qemu_deadlock(res, build),
                                          qemu_trace_replay(res, build), qemu_shrink(res, build))),
            ("explore:bugs", lambda res: (seeded_normal(res, build), seeded_bugs(res, build)))]
