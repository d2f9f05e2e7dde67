"""The live order stream and the per-event short hash (docs/record-replay.md, "Live
stream"; docs/trace-format.md): an IPC + lock stress recorded at SMP 4 on multi-threaded
TCG with the stream on replays three times with the recorded digest and test output, and
its stream agrees with its trace event by event; one event's content altered before any
kept window stops the replay at exactly that event; a cut stream is refused saying where;
a run killed before it wrote its trace still leaves a stream that says what each CPU did
last.
"""
import os
import random
import re

from harness import FAIL_STATUS, PASS_STATUS, qemu_cmd, qemu_run, run_cmd
from thread_tests import SUMMARY, alter_before_window, replays_same
# Threads, run queues, channels and their locks; small messages: events, not copying.
STRESS = "test=threads_no_starve,ipc_stress ipc_msgs=150 ipc_words=8"


def ram_file(res, tag):
    """Guest RAM as a host file (the kernel's stream region is in it)."""
    shm = "/dev/shm" if os.path.isdir("/dev/shm") else res.logdir
    path = os.path.join(shm, f"logkern-test-{os.getpid()}-{tag}.ram")
    extra = ["-object", f"memory-backend-file,id=ram0,size=256M,mem-path={path},share=on",
             "-machine", "memory-backend=ram0"]
    return path, extra


def record_and_replay(res, build):
    name = "stream:record-smp4-replay-x3"
    kernel = os.path.join(build, "kernel.elf")
    tool = os.path.join(build, "host", "trace")
    trace = os.path.join(res.logdir, "stream-run.trace")
    stream = os.path.join(res.logdir, "stream-run.stream")
    for f in (trace, stream):
        if os.path.exists(f):
            os.remove(f)
    ram, extra = ram_file(res, "rec")
    try:
        st, log, _ = qemu_run(qemu_cmd(kernel, smp=4, args=STRESS + " record=1",
                                       extra=["-serial", f"file:{trace}"] + extra), 120)
        xst, xout = run_cmd([tool, "stream-extract", ram, stream], 60)
    finally:
        if os.path.exists(ram):
            os.remove(ram)
    m = SUMMARY.search(log)
    if st != PASS_STATUS or not m or "trace: saved" not in log or "stream: on" not in log:
        res.record(name, False, f"record: status {st}; serial log: {res.keep_log(name, log)}")
        return
    cst, cout = run_cmd([tool, "stream-check", "--quiet", stream, trace], 60)
    agree = re.search(r"^stream: agrees with .* on (\d+) events", cout, re.M)
    if xst != 0 or cst != 0 or not agree or int(agree.group(1)) < 10000:
        res.record(name, False, f"stream-extract {xst}: {xout}; stream-check {cst}: {cout}")
        return
    times = int(os.environ.get("STREAM_REPLAYS", "3"))  # the acceptance run: 20
    if not replays_same(res, name, kernel, STRESS, trace, log, m.group(3), times):
        return
    res.record(name, True)
    altered_content(res, build, trace)
    cut_stream(res, build, stream)


def altered_content(res, build, trace):
    """One event's content altered (its short hash), before the kept window, where the
    trace keeps no full event: the replay stops at exactly that object and seq, saying
    the expected and actual hash, CPU and thread."""
    kernel = os.path.join(build, "kernel.elf")
    tool = os.path.join(build, "host", "trace")
    for obj in ("lock.chan.102", "runq.cpu1"):
        name = f"stream:altered-content-{obj}"
        seq, altered, why = alter_before_window(
            tool, trace, obj, 3, 20, ["--content"],
            os.path.join(res.logdir, f"altered-content-{obj}.trace"))
        if why:
            res.record(name, False, why)
            continue
        st, alog, _ = qemu_run(qemu_cmd(kernel, smp=4, args=STRESS + " oracle=replay",
                                        extra=["-initrd", altered]), 60)
        d = re.search(r"replay: first divergence: (\S+) seq (\d+): event differs: expected "
                      r"hash ([0-9a-f]{4}), actual ([0-9a-f]{4}), cpu \d+ thread \d+", alog)
        res.record(name, st == FAIL_STATUS and d and d.group(1) == obj
                   and int(d.group(2)) == seq and d.group(3) != d.group(4),
                   f"altered {obj} seq {seq}; status {st}, first divergence "
                   f"{d and d.group(0)}; serial log: {res.keep_log(name, alog)}")


def cut_stream(res, build, stream):
    """A stream cut in the middle of a block, and one with a byte flipped: refused, naming
    the block and the byte; what came before is still shown."""
    tool = os.path.join(build, "host", "trace")
    name = "stream:cut-or-garbled-refused"
    with open(stream, "rb") as f:
        data = f.read()
    cut = os.path.join(res.logdir, "cut.stream")
    with open(cut, "wb") as f:
        f.write(data[:len(data) // 2])
    st, out = run_cmd([tool, "stream-check", "--quiet", cut], 60)
    ok = st == 1 and re.search(r"at byte \d+: truncated: block \d+ \(cpu \d+\) says \d+ bytes, "
                               r"the file has \d+ left", out)
    bad = bytearray(data)
    bad[len(bad) // 3] ^= 0x40
    garbled = os.path.join(res.logdir, "garbled.stream")
    with open(garbled, "wb") as f:
        f.write(bad)
    st2, out2 = run_cmd([tool, "stream-check", "--quiet", garbled], 60)
    ok2 = st2 == 1 and re.search(r"block \d+ \(cpu \d+\): check word [0-9a-f]{8}, computed "
                                 r"[0-9a-f]{8} \(garbled\)", out2)
    # Single bit flips all over the file: every one refused (a check word that carried
    # a change only upwards let one in twenty through, those in a word's top bits).
    rnd = random.Random(len(data))
    missed = []
    for _ in range(300):
        pos = rnd.randrange(len(data))
        flip = bytearray(data)
        flip[pos] ^= 1 << rnd.randrange(8)
        with open(garbled, "wb") as f:
            f.write(flip)
        if run_cmd([tool, "stream-check", "--quiet", garbled], 60)[0] != 1:
            missed.append(pos)
    res.record(name, bool(ok and ok2) and not missed,
               f"cut: status {st}: {out}\ngarbled: status {st2}: {out2}\n"
               f"bit flips accepted: {len(missed)} of 300, at bytes {missed[:10]}")


def killed_run(res, build):
    """A recording killed in the middle (as a hang or a triple fault ends it: no trace
    written): the stream in the guest-RAM file still says what happened up to there, per
    object and per CPU, and that it has no end; with the CPUs' unsent buffers (read from
    guest RAM) no event is missing up to each object's last."""
    name = "stream:killed-run-leaves-its-stream"
    kernel = os.path.join(build, "kernel.elf")
    tool = os.path.join(build, "host", "trace")
    ram, extra = ram_file(res, "kill")
    try:
        st, log, _ = qemu_run(qemu_cmd(kernel, smp=4,
                                       args="test=ipc_stress ipc_msgs=100000 ipc_words=8 record=1",
                                       extra=extra), 12)
        cst, out = run_cmd([tool, "stream-check", ram], 60)
    finally:
        if os.path.exists(ram):
            os.remove(ram)
    ev = re.search(r"^stream: \d+ blocks, \d+ bytes, (\d+) events", out, re.M)
    ok = (st == "timeout" and "trace: saved" not in log and cst == 1 and ev
          and int(ev.group(1)) > 1000 and "no END block after block" in out
          and re.search(r"^stream: the last [1-4] blocks are CPU buffers that were not sent",
                        out, re.M)
          and "not streamed" not in out
          and len(re.findall(r"<- its last streamed event", out)) == 4
          and re.search(r"^  lock\.chan\.10[0-3] ", out, re.M))
    res.record(name, bool(ok), f"status {st}; stream-check {cst}:\n{out}\n"
               f"serial log: {res.keep_log(name, log)}")


def groups(build):
    return [
        ("stream:record-replay", lambda res: record_and_replay(res, build)),
        ("stream:killed-run", lambda res: killed_run(res, build)),
    ]
