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
import signal
import subprocess
import time

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


def drain_ring(res, build):
    """`trace stream-drain` copies the stream out of the guest-RAM file while the run
    goes, so that a 64 KiB region (stream_kb=64) wraps many times and the stream is
    still whole, every event agreeing with the trace; without the drainer the same
    region fills, the kernel says it dropped blocks and stream-extract fails."""
    kernel = os.path.join(build, "kernel.elf")
    tool = os.path.join(build, "host", "trace")
    name = "stream:drain-ring-64k"
    trace = os.path.join(res.logdir, "drain.trace")
    out = os.path.join(res.logdir, "drain.stream")
    ram, extra = ram_file(res, "drain")
    args = "test=stream_bench stream_events=300000 record=1 stream_kb=64"
    try:
        open(ram, "wb").close()
        drainer = subprocess.Popen([tool, "stream-drain", ram, out], stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT)
        st, log, _ = qemu_run(qemu_cmd(kernel, smp=4, args=args,
                                       extra=["-serial", f"file:{trace}"] + extra), 120)
        try:
            dout = drainer.communicate(timeout=30)[0].decode()
        except subprocess.TimeoutExpired:
            drainer.terminate()
            dout = "did not end at the END block: " + drainer.communicate()[0].decode()
    finally:
        if os.path.exists(ram):
            os.remove(ram)
    wraps = re.search(r"wrapped (\d+) times; the run ended the stream", dout)
    cst, cout = run_cmd([tool, "stream-check", "--quiet", out, trace], 60)
    agree = re.search(r"^stream: agrees with .* on (\d+) events", cout, re.M)
    res.record(name, st == PASS_STATUS and drainer.returncode == 0 and wraps
               and int(wraps.group(1)) >= 20 and cst == 0 and agree
               and int(agree.group(1)) >= 300000,
               f"status {st}; drainer {drainer.returncode}: {dout}\nstream-check {cst}: "
               f"{cout}\nserial log: {res.keep_log(name, log)}")

    name = "stream:full-region-without-drainer"
    ram, extra = ram_file(res, "full")
    try:
        st, log, _ = qemu_run(qemu_cmd(kernel, smp=2, args=args.replace("300000", "30000"),
                                       extra=["-serial", "null"] + extra), 120)
        xst, xout = run_cmd([tool, "stream-extract", ram, out], 60)
    finally:
        if os.path.exists(ram):
            os.remove(ram)
    res.record(name, st == PASS_STATUS and "stream: the RAM region dropped" in log
               and xst == 1 and "the region was full and dropped the rest" in xout,
               f"status {st}; stream-extract {xst}: {xout}\n"
               f"serial log: {res.keep_log(name, log)}")


def drain_stalled(res, build):
    """A drainer that stops taking blocks (SIGSTOP) does not hang the kernel: after 1 s
    it says so and drops the rest, the run goes on, and the drainer fails.  A second
    drainer on the same region is refused while the first lives."""
    kernel = os.path.join(build, "kernel.elf")
    tool = os.path.join(build, "host", "trace")
    name = "stream:drainer-stalled"
    out = os.path.join(res.logdir, "stalled.stream")
    if os.path.exists(out):
        os.remove(out)
    ram, extra = ram_file(res, "stall")
    try:
        open(ram, "wb").close()
        drainer = subprocess.Popen([tool, "stream-drain", ram, out], stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT)
        qemu = subprocess.Popen(qemu_cmd(kernel, smp=2, args="test=stream_bench "
                                         "stream_events=3000000 record=1 stream_kb=64",
                                         extra=["-serial", "null"] + extra),
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT)
        t0 = time.time()
        while not os.path.exists(out) and time.time() - t0 < 60:  # it has attached
            time.sleep(0.005)
        drainer.send_signal(signal.SIGSTOP)
        second = run_cmd([tool, "stream-drain", ram, out + ".2"], 30)
        try:
            log = qemu.communicate(timeout=120)[0].decode("utf-8", "replace")
        except subprocess.TimeoutExpired:
            qemu.kill()
            log = "timeout: " + qemu.communicate()[0].decode("utf-8", "replace")
        drainer.send_signal(signal.SIGCONT)
        drainer.terminate()
        dout = drainer.communicate(timeout=30)[0].decode()
    finally:
        if os.path.exists(ram):
            os.remove(ram)
    res.record(name, qemu.returncode == PASS_STATUS
               and "stream: the drainer took nothing for 1 s: dropping the rest" in log
               and "ok 1 stream_bench" in log and drainer.returncode == 1
               and "the region dropped blocks" in dout and second[0] == 1
               and re.search(r"another drainer \(pid \d+\) is copying this region out",
                             second[1]) and not os.path.exists(out + ".2"),
               f"QEMU {qemu.returncode}; drainer {drainer.returncode}: {dout}\n"
               f"second drainer {second[0]}: {second[1]}\n"
               f"serial log: {res.keep_log(name, log)}")


def drain_usage(res, build):
    """stream-drain and stream_kb= with bad input: a usage error (2) or a clear failure."""
    kernel = os.path.join(build, "kernel.elf")
    tool = os.path.join(build, "host", "trace")
    junk = os.path.join(res.logdir, "junk.ram")
    with open(junk, "wb") as f:
        f.write(bytes(random.Random(5).randrange(256) for _ in range(65536)))
    out = os.path.join(res.logdir, "usage.stream")
    cases = [([], 2, "stream-drain takes RAMFILE OUT"),
             ([junk], 2, "stream-drain takes RAMFILE OUT"),
             (["--wait=0", junk, out], 2, "--wait"),
             (["--wait=x", junk, out], 2, "--wait"),
             (["--bogus", junk, out], 2, "--bogus"),
             ([res.logdir, out], 2, "Is a directory"),
             (["/nonexistent/ram", out], 2, "/nonexistent/ram"),
             (["--wait=1", junk, out], 1, "no stream region appeared")]
    for argv, want, says in cases:
        st, text = run_cmd([tool, "stream-drain"] + argv, 30)
        res.record(f"stream:drain-usage:{' '.join(argv) or 'none'}".replace(res.logdir, "DIR"),
                   st == want and says in text and not os.path.exists(out),
                   f"status {st} (want {want}), output: {text}")
    # A damaged header (used far past a ring that never wrapped): refused at once, not
    # walked round 2^40 times.
    damaged = os.path.join(res.logdir, "damaged.ram")
    hdr = bytearray(8192)
    hdr[0:8] = b"KLOGSTRM"
    hdr[8:12] = (2).to_bytes(4, "little")
    hdr[12:16] = (128).to_bytes(4, "little")
    hdr[16:24] = (8192).to_bytes(8, "little")
    hdr[24:32] = (1 << 40).to_bytes(8, "little")
    with open(damaged, "wb") as f:
        f.write(hdr)
    for cmd in (["stream-extract", damaged, out], ["stream-check", damaged]):
        st, text = run_cmd([tool] + cmd, 10)
        res.record(f"stream:damaged-region-refused:{cmd[0]}", st == 1 and not os.path.exists(out),
                   f"status {st}: {text[-300:]}")
    # stream=debugcon: without a debug console refused; with one, the stream is there whole.
    name = "stream:debugcon"
    dc = os.path.join(res.logdir, "debugcon.stream")
    dtrace = os.path.join(res.logdir, "debugcon.trace")
    args = "test=stream_bench stream_events=20000 record=1 stream=debugcon"
    st, log, _ = qemu_run(qemu_cmd(kernel, smp=2, args=args, extra=["-serial", "null"]), 60)
    st2, log2, _ = qemu_run(qemu_cmd(kernel, smp=2, args=args,
                                     extra=["-serial", f"file:{dtrace}", "-debugcon",
                                            f"file:{dc}"]), 120)
    cst, cout = run_cmd([tool, "stream-check", "--quiet", dc, dtrace], 60)
    res.record(name, st != PASS_STATUS and "stream=debugcon: no debug console at port 0xe9" in log
               and "trace: saved" not in log and st2 == PASS_STATUS and cst == 0
               and re.search(r"^stream: agrees with .* on \d+ events", cout, re.M),
               f"without: status {st}; with: status {st2}, stream-check {cst}: {cout[-400:]}\n"
               f"serial logs: {res.keep_log(name, log + log2)}")
    for bad in ("abc", "1", "99999999"):
        name = f"stream:stream_kb={bad}-refused"
        st, log, _ = qemu_run(qemu_cmd(kernel, smp=1, args=f"test=stream_bench "
                                       f"stream_events=10 record=1 stream_kb={bad}"), 60)
        res.record(name, st != PASS_STATUS and f"stream: stream_kb={bad}: want a region size "
                   "in KiB, 64..16384" in log, f"status {st}; serial log: {res.keep_log(name, log)}")


def groups(build):
    return [
        ("stream:record-replay", lambda res: record_and_replay(res, build)),
        ("stream:killed-run", lambda res: killed_run(res, build)),
        ("stream:drain", lambda res: (drain_ring(res, build), drain_stalled(res, build),
                                      drain_usage(res, build))),
    ]
