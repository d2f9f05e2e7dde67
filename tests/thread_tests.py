"""System tests of the thread layer under the oracles: determinism of a whole
kernel run under oracle=script (same seed: same console output and digest;
other seeds: other digests), the stall and deadlock reports, the summary
line every run ends with, and the monitor's thread commands.
"""
import os
import re

from harness import FAIL_STATUS, PASS_STATUS, qemu_cmd, qemu_run, run_cmd
import system_tests

SUMMARY = re.compile(r"^logs: (\d+) objects, (\d+) events, digest ([0-9a-f]{16})$", re.M)


def after_smp(log):
    """The console from the 'smp:' line on: what a deterministic run must repeat."""
    i = log.find("smp: ")
    return log[i:] if i >= 0 else ""


def boot(build, smp, args, timeout=120):
    return qemu_run(qemu_cmd(os.path.join(build, "kernel.elf"), smp=smp, args=args), timeout)


def determinism(res, build, smp, seed, repeats, others):
    name = f"threads:determinism:smp{smp}"
    args = f"test=ipc_stress oracle=script:pct:3:{seed}"
    first = None
    for i in range(repeats):
        status, log, _ = boot(build, smp, args)
        m = SUMMARY.search(log)
        if status != PASS_STATUS or not m:
            res.record(name, False, f"boot {i}: status {status}, summary {'found' if m else 'missing'}"
                       f"; serial log: {res.keep_log(name, log)}")
            return
        out = after_smp(log)
        if first is None:
            first = (out, m.group(3))
        elif out != first[0]:
            a, b = first[0].splitlines(), out.splitlines()
            k = next((j for j in range(min(len(a), len(b))) if a[j] != b[j]), min(len(a), len(b)))
            res.record(name, False, f"boot {i} differs from boot 0 at line {k}: "
                       f"{a[k] if k < len(a) else '<end>'!r} vs {b[k] if k < len(b) else '<end>'!r}"
                       f"; serial log: {res.keep_log(name, log)}")
            return
    res.record(name, True)
    if not others:
        return
    name = f"threads:seeds-differ:smp{smp}"
    digests = {first[1]}
    for s in others:
        status, log, _ = boot(build, smp, f"test=ipc_stress oracle=script:pct:3:{s}")
        m = SUMMARY.search(log)
        if status != PASS_STATUS or not m:
            res.record(name, False, f"seed {s}: status {status}; serial log: {res.keep_log(name, log)}")
            return
        digests.add(m.group(3))
    res.record(name, len(digests) == len(others) + 1,
               f"{len(digests)} distinct digests for {len(others) + 1} seeds")


def deadlock(res, build):
    name = "threads:deadlock-report"
    status, log, secs = boot(build, 2, "test=deadlock_pair oracle=script:random:1", timeout=30)
    m = re.search(r"thread (\d+) takes deadlock.a then deadlock.b, thread (\d+)", log)
    want = []
    if m:
        x, y = m.group(1), m.group(2)
        want = [f"thread {x} waits on deadlock.b", f"thread {y} waits on deadlock.a",
                "script: deadlock after"]
    missing = [w for w in want if w not in log] if m else ["the test's thread ids"]
    ok = status == FAIL_STATUS and secs < 10 and not missing and SUMMARY.search(log)
    res.record(name, bool(ok), f"status {status} after {secs:.1f} s, missing {missing}; "
               f"serial log: {res.keep_log(name, log)}")


REPORT_ROW = re.compile(r"^deadlock: thread (\d+) \(cpu (\d+)\) holds (\S+), waits for (\S+) "
                        r"\(held by thread (\d+), cpu (\d+)\)", re.M)
REPORT_FOUND = re.compile(r"^deadlock: found (\d+) ms after the cycle closed", re.M)


def deadlock_report_problems(log, cycle, frame):
    """What a hw deadlock report in `log` lacks: `cycle` lists (thread, holds, waits for) of
    every member; each member's stack must show `frame`."""
    problems = []
    if len(re.findall(r"^\*\*\* panic on cpu \d+: deadlock: a cycle of ", log, re.M)) != 1:
        problems.append("one panic starting 'deadlock: a cycle of'")
    rows = {(r[0], r[2], r[3]) for r in REPORT_ROW.findall(log)}
    if rows != set(cycle):
        problems.append(f"cycle {sorted(cycle)}, reported {sorted(rows)}")
    for thread, _, _ in cycle:
        st = re.search(rf"^deadlock: stack of thread {thread} \(cpu \d+\), waiting for \S+:\n"
                       r"(  stopped at .*\n)?  backtrace:\n((    #\d+ .*\n)+)", log, re.M)
        if not st or frame not in st.group(2):
            problems.append(f"stack of thread {thread} through {frame}")
    f = REPORT_FOUND.search(log)
    if not f or int(f.group(1)) >= 1000:
        problems.append(f"found within 1000 ms of forming (found {f and f.group(1)} ms)")
    return problems


def deadlock_hw(res, build):
    """Under hw no oracle watches: the lock waiters find the cycle of waits when it forms
    (lock/deadlock.h) and the run fails at once with one report naming every thread, the
    lock each holds and waits for, each one's stack, and the time since the cycle closed
    (under 1 s; the old report by time took 5 s).  Two threads at SMP 2 and 4, three
    threads on three CPUs (a ticket and an MCS lock among them) at SMP 4."""
    for smp in (2, 4):
        name = "threads:deadlock-report-hw" + ("" if smp == 2 else f"-smp{smp}")
        status, log, secs = boot(build, smp, "test=deadlock_pair", timeout=60)
        m = re.search(r"thread (\d+) takes deadlock.a then deadlock.b, thread (\d+)", log)
        problems = ["the test's thread ids"]
        if m:
            x, y = m.group(1), m.group(2)
            problems = deadlock_report_problems(
                log, [(x, "deadlock.a", "deadlock.b"), (y, "deadlock.b", "deadlock.a")],
                "dl_thread")
        f = REPORT_FOUND.search(log)
        ok = status == FAIL_STATUS and not problems
        res.record(name, ok, f"status {status} after {secs:.1f} s, found after "
                   f"{f and f.group(1)} ms, missing {problems}; serial log: {res.keep_log(name, log)}")
    name = "threads:deadlock-ring-hw"
    status, log, secs = boot(build, 4, "test=deadlock_ring", timeout=60)
    m = re.search(r"deadlock_ring: threads (\d+) (\d+) (\d+) take", log)
    problems = ["the test's thread ids"]
    if m:
        t = m.groups()
        problems = deadlock_report_problems(
            log, [(t[i], f"ring.{i}", f"ring.{(i + 1) % 3}") for i in range(3)], "ring_thread")
    f = REPORT_FOUND.search(log)
    ok = status == FAIL_STATUS and not problems
    res.record(name, ok, f"status {status} after {secs:.1f} s, found after {f and f.group(1)} ms, "
               f"missing {problems}; serial log: {res.keep_log(name, log)}")


def stall(res, build):
    name = "threads:stall-report"
    status, log, secs = boot(build, 2, "test=stall_spin oracle=script:random:1", timeout=30)
    want = ["script: stalled after", "reaches no event point", "at an event point on "]
    missing = [w for w in want if w not in log]
    ok = status == FAIL_STATUS and secs < 10 and not missing and SUMMARY.search(log)
    res.record(name, bool(ok), f"status {status} after {secs:.1f} s, missing {missing}; "
               f"serial log: {res.keep_log(name, log)}")


def order_of(decoded, obj, seq):
    """(cpu, thread) that performed event `seq` of `obj`, from `trace decode`'s order runs."""
    k = 0
    for m in re.finditer(rf"^order {re.escape(obj)} cpu=(\d+) thr=(\d+) n=(\d+)$", decoded, re.M):
        k += int(m.group(3))
        if seq < k:
            return int(m.group(1)), int(m.group(2))
    return None


def replay_stop(res, build, trace):
    """stop=OBJ:SEQ stops a replay at that event on the CPU and thread the recording names:
    before an ordered operation (a lock's acquisition), just after an event appended under
    a lock (a channel's); under gdb, `kstop` breaks there with the object and seq at hand;
    a stop that is never reached fails the replay."""
    kernel = os.path.join(build, "kernel.elf")
    st, dec = run_cmd([os.path.join(build, "host", "trace"), "decode", trace], 60)
    base = "test=threads_no_starve,ipc_stress ipc_msgs=30 oracle=replay"
    for obj, when in (("chan.101", "just after"), ("lock.chan.101", "before")):
        name = f"threads:replay-stop-{obj}"
        want = order_of(dec, obj, 7)
        st, log, _ = qemu_run(qemu_cmd(kernel, smp=4, args=f"{base} stop={obj}:7",
                                       extra=["-initrd", trace]), 120)
        m = re.search(rf"^replay: stop at {re.escape(obj)} seq 7 \({when} the event\) "
                      r"on cpu (\d+) thread (\d+)$", log, re.M)
        got = m and (int(m.group(1)), int(m.group(2)))
        ok = st == PASS_STATUS and want is not None and got == want
        res.record(name, ok, f"status {st}, stopped by {got}, recorded {want}; "
                   f"serial log: {res.keep_log(name, log)}")
    # replay_until=K: the recording's first K ordered operations, then free (hw): the run
    # passes and says where it let go; a K the run never reaches fails it. make explore
    # FROM=TRACE K=n runs such branches (it refuses FROM without a file, K without FROM).
    name = "threads:replay-until"
    st, log, _ = qemu_run(qemu_cmd(kernel, smp=4, args=f"{base} replay_until=500",
                                   extra=["-initrd", trace]), 120)
    st2, log2, _ = qemu_run(qemu_cmd(kernel, smp=4, args=f"{base} replay_until=100000000",
                                     extra=["-initrd", trace]), 120)
    tool = ["python3", "tools/explore.py", "--build", build, "--test", "ipc_stress", "--runs", "1"]
    st3, _ = run_cmd(tool + ["--from", "/nonexistent.trace", "--k", "5"], 30)
    st4, _ = run_cmd(tool + ["--k", "5"], 30)
    ok = st == PASS_STATUS and "replay: let go after 500 ordered operations" in log and \
        "then ran freely" in log and st2 == FAIL_STATUS and "before letting go" in log2 and \
        st3 == 2 and st4 == 2
    res.record(name, ok, f"status {st}/{st2}, explore usage {st3}/{st4}; "
               f"serial log: {res.keep_log(name, log + log2)}")
    name = "threads:replay-stop-never-reached"
    st, log, _ = qemu_run(qemu_cmd(kernel, smp=4, args=f"{base} stop=chan.101:99999",
                                   extra=["-initrd", trace]), 120)
    res.record(name, st == FAIL_STATUS and "was never reached" in log,
               f"status {st}; serial log: {res.keep_log(name, log)}")
    name = "threads:replay-gdb-stop"
    gst, out = system_tests.under_gdb(build, 4, f"{base} stop=chan.102:5", ["-initrd", trace],
                                      ["kstop", "continue",
                                       "printf \"STOPPED %s seq %lu\\n\", o->name, seq", "bt",
                                       "kevent", "klog chan.102 3", "kthreads"])
    # kevent: the recording's and the appended event 5 have the same CPU and thread; klog:
    # the object's last events end at seq 5; kthreads: the IPC threads, switched-out ones
    # with their stacks (through schedule).
    rec = re.search(r"^  recorded: seq 5: .*?cpu (\d+) thread (\d+)", out, re.M)
    app = re.search(r"^  appended: seq 5: cpu (\d+) thread (\d+)", out, re.M)
    ok = gst == 0 and "STOPPED chan.102 seq 5" in out and "chan_" in out and \
        rec and app and rec.groups() == app.groups() and \
        re.search(r"^chan.102: type chan, id \d+, 6 events", out, re.M) and \
        re.search(r"^  seq 5: cpu \d+ thread \d+ \w+\(", out, re.M) and \
        re.search(r"^thread \d+ ipc\.\S+ cpu \d+ \w+", out, re.M) and \
        re.search(r"^    #0 0x[0-9a-f]+ schedule$", out, re.M)
    res.record(name, ok, "" if ok else f"gdb status {gst}; output: {res.keep_log(name, out)}")


def deadlock_replay(res, build):
    """A deadlock under hw panics (the deadlock report) and still writes its recording; the
    replay of that recording ends within 10 s naming both threads and the locks they wait for."""
    name = "threads:deadlock-replay"
    kernel = os.path.join(build, "kernel.elf")
    trace = os.path.join(res.logdir, "deadlock.trace")
    if os.path.exists(trace):
        os.remove(trace)
    st, log, _ = qemu_run(qemu_cmd(kernel, smp=2, args="test=deadlock_pair record=1",
                                   extra=["-serial", f"file:{trace}"]), 60)
    if st != FAIL_STATUS or "trace: saved" not in log or not os.path.getsize(trace):
        res.record(name, False, f"record: status {st}; serial log: {res.keep_log(name, log)}")
        return
    st, rlog, secs = qemu_run(qemu_cmd(kernel, smp=2, args="test=deadlock_pair oracle=replay",
                                       extra=["-initrd", trace]), 60)
    m = re.search(r"thread (\d+) takes deadlock.a then deadlock.b, thread (\d+) the", rlog)
    want = [rf"waiting: cpu \d+ thread {m.group(1)} for deadlock.b",
            rf"waiting: cpu \d+ thread {m.group(2)} for deadlock.a"] if m else ["thread ids"]
    missing = [w for w in want if not re.search(w, rlog)]
    ok = st == FAIL_STATUS and secs < 10 and not missing
    res.record(name, ok, f"replay: status {st} after {secs:.1f} s, missing {missing}; "
               f"serial log: {res.keep_log(name, log + rlog)}")


def monitor(res, build):
    """ps, chans and containers answer on the console (typed to the shell, which passes
    them to the monitor); quit ends with the summary line."""
    name = "threads:monitor"
    status, log, _ = qemu_run(qemu_cmd(os.path.join(build, "kernel.elf"), smp=2, args=""), 30,
                              feed=("$ ", "threads\rchans\rcontainers\rquit\r"))
    want = [r"^\s+\d+\s+main\s+0\s+sleep ", r"^\s+\d+\s+idle\.1\s+1\s+", r"\d+ threads$",
            r"\d+ channels$", r"^\s+container\.0\s+0\s+free pages "]
    missing = [w for w in want if not re.search(w, log, re.M)]
    ok = status == PASS_STATUS and not missing and SUMMARY.search(log)
    res.record(name, bool(ok), f"status {status}, missing {missing}; "
               f"serial log: {res.keep_log(name, log)}")


def ipc_hw(res, build):
    """The IPC stress under hw with more messages than test=all sends (25,600 at SMP 8)."""
    name = "threads:ipc-stress-hw-smp8"
    status, log, _ = boot(build, 8, "test=ipc_stress ipc_msgs=400", timeout=240)
    m = re.search(r"# ipc_stress: (\d+) messages, \d+ words, (\d+) bad", log)
    ok = status == PASS_STATUS and m and int(m.group(1)) == 400 * 64 and m.group(2) == "0"
    res.record(name, bool(ok), f"status {status}; serial log: {res.keep_log(name, log)}")


def thread_actors(res, build):
    """Under script the actor of an event is a thread: two threads of one CPU that never
    yield interleave their lock sections under random schedules (with the CPU as the actor
    the first ran all its sections before the second started), and the same seed gives the
    same interleaving again."""
    name = "threads:script-actor-is-the-thread"
    seen, problems = [], []
    for seed in (1, 2, 3, 1):
        status, log, _ = boot(build, 2, f"test=thread_actors oracle=script:random:{seed}", 60)
        m = re.search(r"^# thread_actors: 2 threads on cpu 1, 32 sections, (\d+) switches", log,
                      re.M)
        if status != PASS_STATUS or not m:
            problems.append(f"seed {seed}: status {status}; log {res.keep_log(name, log)}")
            continue
        seen.append(int(m.group(1)))
    if not problems and (min(seen) < 2 or seen[0] != seen[3]):
        problems.append(f"switches per seed 1, 2, 3, 1: {seen}")
    res.record(name, not problems, "; ".join(problems) + f" switches {seen}")


def groups(build):
    return [
        ("threads:determinism:smp4",
         lambda res: determinism(res, build, 4, 7, 3, [11, 12, 13, 14, 15])),
        ("threads:determinism:smp8", lambda res: determinism(res, build, 8, 3, 2, [])),
        ("threads:script-actor-is-the-thread", lambda res: thread_actors(res, build)),
        ("threads:deadlock-report", lambda res: deadlock(res, build)),
        ("threads:deadlock-report-hw", lambda res: deadlock_hw(res, build)),
        ("threads:stall-report", lambda res: stall(res, build)),
        ("threads:deadlock-replay", lambda res: deadlock_replay(res, build)),
        ("threads:monitor", lambda res: monitor(res, build)),
        ("threads:ipc-stress-hw-smp8", lambda res: ipc_hw(res, build)),
        ("threads:whole-run-replay", lambda res: whole_replay(res, build)),
        ("threads:bochs-and-qemu-same-digest", lambda res: bochs_same_digest(res, build)),
        ("threads:console-input-replayed", lambda res: console_replay(res, build)),
    ] + groups_workflow(build)


def record_replay_workflow(res, build):
    """make record / make replay as a new user meets them (tools/kreplay.sh): a recording
    that records nothing fails and keeps the previous trace; a replay that replays nothing,
    or under another oracle, fails; a good recording replays."""
    import shutil
    import subprocess
    tool = ["tools/kreplay.sh"]
    trace = os.path.join(build, "trace.bin")
    saved = trace + ".keep"
    had = os.path.exists(trace)
    if had:
        shutil.copy(trace, saved)

    def run(*args):
        p = subprocess.run(tool + list(args), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           timeout=120)
        return p.returncode, p.stdout.decode("utf-8", "replace")

    try:
        st, out = run("record", build, "oracle=hw", "2")
        res.record("threads:record-hw", st == 0 and os.path.getsize(trace) > 0, out[-1500:])
        before = open(trace, "rb").read()
        st, out = run("record", build, "", "1")
        res.record("threads:record-nothing-keeps-trace",
                   st != 0 and "nothing recorded" in out and open(trace, "rb").read() == before,
                   f"status {st}: {out[-800:]}")
        st, out = run("replay", build, trace, "", "")
        res.record("threads:replay-replays", st == 0 and "the recording replayed" in out,
                   f"status {st}: {out[-1500:]}")
        st, out = run("replay", build, trace, "", "1")
        res.record("threads:replay-nothing-fails", st != 0, f"status {st}: {out[-800:]}")
        st, out = run("replay", build, trace, "oracle=hw", "")
        res.record("threads:replay-other-oracle-refused", st == 2 and "oracle=replay" in out,
                   f"status {st}: {out[-800:]}")
        st, out = run("replay", build, build, "", "")
        res.record("threads:replay-directory-refused",
                   st == 2 and "is a directory, not a trace file" in out, f"status {st}: {out}")
        # ARGS change the recorded command line key by key: force=1 (what the kernel's
        # refusal of another build's trace advises) adds itself to it, and the recorded
        # test (not the lock workload) is what replays.
        st, out = run("record", build, "test=ipc_stress ipc_msgs=2", "2")
        st2, out2 = run("replay", build, trace, "force=1", "")
        res.record("threads:replay-args-add-to-the-recorded-line",
                   st == 0 and st2 == 0 and "the recording replayed" in out2
                   and "cmdline: oracle=replay test=ipc_stress ipc_msgs=2 force=1" in out2,
                   f"record {st}: {out[-400:]}\nreplay {st2}: {out2[-1500:]}")
        # stream=debugcon: make record gives QEMU the debug console, and the stream is whole.
        st, out = run("record", build, "stream=debugcon", "2")
        res.record("threads:record-stream-debugcon",
                   st == 0 and re.search(r"^stream: agrees with \S+ on \d+ events", out, re.M)
                   and "through the debug console" in out, f"status {st}: {out[-800:]}")
        for smp in ("0", "65", "abc"):
            p = subprocess.run(["make", "-s", "qemu", f"B={build}", f"SMP={smp}"],
                               stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, timeout=120)
            text = p.stdout.decode("utf-8", "replace")
            res.record(f"threads:make-qemu-SMP={smp}-refused",
                       p.returncode == 2 and f"SMP={smp}: want a CPU count 1..64" in text,
                       f"status {p.returncode}: {text[-400:]}")
    finally:
        if had:
            shutil.move(saved, trace)


def groups_workflow(build):
    return [("threads:record-replay-workflow", lambda res: record_replay_workflow(res, build))]


def test_lines(text):
    """What a replay's console must repeat of the recorded run's."""
    return [ln for ln in text.splitlines()
            if ln.startswith(("# ipc_stress", "# threads", "ok ", "not ok"))]


def replays_same(res, name, kernel, args, trace, log, recorded, times):
    """Replay `trace` (recorded by a run of `args` at SMP 4 whose console was `log` and
    digest `recorded`) `times` times: each must reach every object's recorded end with
    that digest and test output.  On the first that does not, record the failure."""
    for i in range(times):
        st, rlog, _ = qemu_run(qemu_cmd(kernel, smp=4, args=args + " oracle=replay",
                                        extra=["-initrd", trace]), 120)
        r = SUMMARY.search(rlog)
        ok = (st == PASS_STATUS and r and r.group(3) == recorded
              and "replay: every object reached its recorded end" in rlog
              and test_lines(rlog) == test_lines(log))
        if not ok:
            res.record(name, False, f"replay {i}: status {st}, digest {r and r.group(3)}, "
                       f"recorded {recorded}; serial log: {res.keep_log(name, log + rlog)}")
            return False
    return True


def alter_before_window(tool, trace, obj, part, least, opts, out_path):
    """`trace alter` one event of obj before its kept window (at 1/part of the window's
    start, which must be at least `least`): (seq, the altered copy, None), or
    (None, None, what went wrong)."""
    st, stats = run_cmd([tool, "stats", trace], 60)
    w = re.search(rf"^{re.escape(obj)}\s+\S+\s+\d+ events\s+window (\d+)\.\.", stats, re.M)
    if st != 0 or not w or int(w.group(1)) < least:
        return None, None, f"trace stats: status {st}, window {w and w.group(1)}"
    seq = int(w.group(1)) // part
    st, out = run_cmd([tool, "alter"] + opts + [trace, f"{obj}:{seq}", out_path], 60)
    if st != 0:
        return None, None, f"trace alter: status {st}: {out}"
    return seq, out_path, None


def whole_replay(res, build):
    """A whole kernel run recorded under hw on multi-threaded TCG (real parallel vCPUs):
    a spinning thread preempted by the timer, then the IPC stress's threads, run queues,
    channels and locks. It replays with the recorded digest and test output, three times
    (the recorded preemptions replayed where they struck); a changed program stops at a
    divergence."""
    name = "threads:whole-run-replay"
    kernel = os.path.join(build, "kernel.elf")
    trace = os.path.join(res.logdir, "whole-run.trace")
    if os.path.exists(trace):
        os.remove(trace)
    st, log, _ = qemu_run(qemu_cmd(kernel, smp=4,
                                   args="test=threads_no_starve,ipc_stress ipc_msgs=30 record=1",
                                   extra=["-serial", f"file:{trace}"]), 120)
    m = SUMMARY.search(log)
    if st != PASS_STATUS or not m or "trace: saved" not in log:
        res.record(name, False, f"record: status {st}; serial log: {res.keep_log(name, log)}")
        return
    recorded = m.group(3)
    st, dec = run_cmd([os.path.join(build, "host", "trace"), "decode", trace], 60)
    preempts = dec.count(" PREEMPT ")
    if st != 0 or preempts == 0:
        res.record(name, False, f"trace decode status {st}, {preempts} timer preemptions recorded")
        return
    if not replays_same(res, name, kernel, "test=threads_no_starve,ipc_stress ipc_msgs=30",
                        trace, log, recorded, 3):
        return
    res.record(name, True)
    replay_stop(res, build, trace)
    name = "threads:whole-run-replay-divergence"
    st, dlog, secs = qemu_run(qemu_cmd(kernel, smp=4, args="test=threads_no_starve,ipc_stress "
                                       "ipc_msgs=31 oracle=replay", extra=["-initrd", trace]), 60)
    res.record(name, st == FAIL_STATUS and "replay: first divergence" in dlog,
               f"status {st} after {secs:.1f} s; serial log: {res.keep_log(name, dlog)}")
    # One event altered in the order stream, before any kept window: the replay stops at
    # exactly that object and seq.  (Channels: their events are compared as they are
    # appended.  An altered ticket on a lock makes the two CPUs wait for each other, and
    # the stall report may name the other lock of that cycle.)
    tool = os.path.join(build, "host", "trace")
    for obj in ("chan.101", "chan.102"):
        name = f"threads:whole-run-replay-altered-{obj}"
        seq, altered, why = alter_before_window(tool, trace, obj, 2, 2, [],
                                                os.path.join(res.logdir, f"altered-{obj}.trace"))
        if why:
            res.record(name, False, why)
            continue
        st, alog, _ = qemu_run(qemu_cmd(kernel, smp=4, args="test=threads_no_starve,ipc_stress "
                                        "ipc_msgs=30 oracle=replay", extra=["-initrd", altered]),
                               60)
        d = re.search(r"replay: first divergence: (\S+) seq (\d+)", alog)
        res.record(name, st == FAIL_STATUS and d and d.group(1) == obj and int(d.group(2)) == seq,
                   f"altered {obj} seq {seq}; status {st}, first divergence "
                   f"{d and d.group(0)}; serial log: {res.keep_log(name, alog)}")


def bochs_same_digest(res, build):
    """The IPC stress under the script oracle on Bochs (another machine model, booted from
    the GRUB ISO) gives QEMU's digest and test output: the schedule decides, not the machine."""
    import system_tests
    name = "threads:bochs-and-qemu-same-digest"
    args = "test=ipc_stress ipc_msgs=5 oracle=script:pct:3:7"
    st, blog = system_tests.run_bochs(build, args, 4, "bochs-ipc")
    if st is None:
        res.record(name, False, blog)
        return
    status, qlog, _ = boot(build, 4, args)
    b, q = SUMMARY.search(blog), SUMMARY.search(qlog)

    def lines(text):
        return [ln for ln in text.replace("\r", "").splitlines()
                if ln.startswith(("# ipc_stress", "ok ", "not ok"))]

    ok = status == PASS_STATUS and b and q and b.group(3) == q.group(3) and \
        lines(blog) == lines(qlog) and lines(qlog)
    res.record(name, bool(ok), f"bochs {b and b.group(0)}, qemu {q and q.group(0)}; "
               f"serial logs: {res.keep_log(name, blog + qlog)}")


def console_replay(res, build):
    """Console input is an event: a run that read a typed line is recorded, and its replay,
    with nothing typed, reads the same line from the recording and ends with the same digest."""
    name = "threads:console-input-replayed"
    kernel = os.path.join(build, "kernel.elf")
    trace = os.path.join(res.logdir, "console.trace")
    if os.path.exists(trace):
        os.remove(trace)
    args = "test=console_input expect=ping12345"
    st, log, _ = qemu_run(qemu_cmd(kernel, smp=2, args=args + " record=1",
                                   extra=["-serial", f"file:{trace}"]), 60,
                          feed=("type a line", "ping12345\r"))
    m = SUMMARY.search(log)
    if st != PASS_STATUS or not m:
        res.record(name, False, f"record: status {st}; serial log: {res.keep_log(name, log)}")
        return
    st, rlog, _ = qemu_run(qemu_cmd(kernel, smp=2, args=args + " oracle=replay",
                                    extra=["-initrd", trace]), 60)
    r = SUMMARY.search(rlog)
    ok = st == PASS_STATUS and r and r.group(3) == m.group(3) and \
        "got 'ping12345'" in rlog and "replay: every object reached its recorded end" in rlog
    res.record(name, bool(ok), f"replay: status {st}, digest {r and r.group(3)}, recorded "
               f"{m.group(3)}; serial log: {res.keep_log(name, log + rlog)}")
