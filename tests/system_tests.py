"""System tests: the real QEMU (boots at several SMP sizes, panics, console),
a GRUB ISO booted from -cdrom, and gdb attached to QEMU's gdb stub."""
import os
import re
import socket
import subprocess
import time

from harness import FAIL_STATUS, PASS_STATUS, TOTALS, qemu_cmd, qemu_run, run_cmd

SUMMARY = re.compile(r"^smp: (\d+) of (\d+) cpus online$", re.M)


def kernel(build):
    return os.path.join(build, "kernel.elf")


def check(res, name, ok, why, log):
    res.record(name, ok, "" if ok else f"{why}; serial log: {res.keep_log(name, log)}")


def boot(res, build, smp, want_online, want_found, single=False, timeout=120):
    name = f"system:boot-smp{smp}"
    cmd = qemu_cmd(kernel(build), smp=smp, args="test=smp_boot", single_thread=single)
    status, log, secs = qemu_run(cmd, timeout)
    m = SUMMARY.search(log)
    summary_ok = m and (int(m.group(1)), int(m.group(2))) == (want_online, want_found)
    check(res, name, status == PASS_STATUS and summary_ok and len(SUMMARY.findall(log)) == 1,
          f"status {status}, summary {m.group(0) if m else 'missing'} "
          f"(want {want_online} of {want_found})", log)
    return log


def over_max(res, build):
    log = boot(res, build, 70, 64, 70, single=True, timeout=300)
    check(res, "system:over-max-cpus-reported",
          "70 cpus found, only 64 supported" in log, "no report of CPUs beyond MAXCPU", log)


# crash kind -> what the report must contain besides the common parts
PANICS = {
    "panic": ["deliberate panic (crash=panic)", "crash+0x"],
    "pf": ["page fault", "cr2 0x0000700000001000", "page not present on write in kernel mode",
           "crash_pf+0x"],
    "gp": ["general protection", "crash+0x"],
    "ud": ["invalid opcode", "crash+0x"],
    "div": ["divide error", "crash+0x"],
    "pf-ap": ["panic on cpu 1: page fault", "crash_pf+0x", "(1 other cpu halted)"],
    "lock-twice": ["lock crash.demo: acquire by cpu 0 which already holds it", "tlock_wait+0x"],
    "lock-release": ["lock crash.demo: release by cpu 0, holder is -1", "tlock_release_any+0x"],
}


def panic_case(res, build, kind):
    name = f"system:panic-{kind}"
    status, log, secs = qemu_run(qemu_cmd(kernel(build), smp=2, args=f"crash={kind}"), 60)
    need = ["*** panic on cpu", "rip ", "backtrace:", "#0 ", "*** kernel stopped"] + PANICS[kind]
    missing = [s for s in need if s not in log]
    check(res, name, status == FAIL_STATUS and not missing,
          f"status {status} (want {FAIL_STATUS}), missing {missing}", log)


FLOOD = re.compile(r"^flood cpu=(\d\d) line=(\d{4}) abcdefghijklmnopqrstuvwxyz0123456789$")


def console_flood(res, build, smp=4):
    name = "system:console-flood-no-torn-lines"
    status, log, secs = qemu_run(qemu_cmd(kernel(build), smp=smp, args="test=console_flood"), 120)
    counts, torn, order_ok = {}, [], True
    for line in log.splitlines():
        if "cpu=" not in line and "line=" not in line and "xyz0123" not in line:
            continue    # not a flood line, nor a piece of one
        m = FLOOD.match(line)
        if not m:
            torn.append(line)
            continue
        cpu, n = int(m.group(1)), int(m.group(2))
        order_ok &= counts.get(cpu, 0) == n     # each CPU's lines in its own order
        counts[cpu] = counts.get(cpu, 0) + 1
    ok = (status == PASS_STATUS and not torn and order_ok and len(counts) == smp
          and all(c == 1000 for c in counts.values()))
    check(res, name, ok, f"status {status}, {len(torn)} torn lines (first: {torn[:2]}), "
          f"lines per cpu {counts}, order ok {order_ok}", log)


def console_input(res, build):
    name = "system:console-input-interrupt"
    cmd = qemu_cmd(kernel(build), smp=2, args='test=console_input expect="ping 12345"')
    status, log, secs = qemu_run(cmd, 60, feed=("type a line", "ping 12345\r"))
    check(res, name, status == PASS_STATUS and "got 'ping 12345'" in log,
          f"status {status}", log)


def monitor(res, build, smp=4):
    """make qemu without test=: the shell passes typed monitor commands on to the monitor."""
    name = "system:console-monitor"
    status, log, secs = qemu_run(qemu_cmd(kernel(build), smp=smp, args=""), 60,
                                 feed=("$ ", "cpus\rtest smp_boot\rnosuch\rquit\r"))
    rows = re.findall(r"^\s+(\d+)\s+(\d+)\s+online\s+\d+\s+\d+$", log, re.M)
    ok = (status == PASS_STATUS and len(rows) == smp and "ok 1 smp_boot" in log
          and "sh: unknown command: nosuch" in log)
    check(res, name, ok, f"status {status}, {len(rows)} cpu rows", log)


def cmdline_unknown(res, build):
    name = "system:cmdline-unknown-key-warned"
    cmd = qemu_cmd(kernel(build), smp=1, args="bogus_key=1 test=smp_boot")
    status, log, secs = qemu_run(cmd, 60)
    warned = [l for l in log.splitlines() if "unknown" in l and "bogus_key" in l]
    check(res, name, status == PASS_STATUS and warned, f"status {status}, warning {warned}", log)


def cmdline_bad_number(res, build):
    """A number with a typo that only a test reads is reported on the console, not read as
    the default; the test that needs it fails. (It was x2apic=abc, read as the default 1
    with a warning: such a key is now refused at boot, see cmdline_refused.)"""
    name = "system:cmdline-bad-number-reported"
    cmd = qemu_cmd(kernel(build), smp=2, args="ipc_msgs=12abc test=ipc_stress")
    status, log, secs = qemu_run(cmd, 60)
    need = ["cmdline: ipc_msgs=12abc: want a number 1..16777215", "not ok 1 ipc_stress"]
    missing = [s for s in need if s not in log]
    check(res, name, status == FAIL_STATUS and not missing,
          f"status {status} (want {FAIL_STATUS}), missing {missing}", log)


# A command line the kernel cannot use -> what its refusal must say (key, value, what is
# wanted); the boot stops there (status 35), before any test runs or anything records.
REFUSED = {
    "record=2": "cmdline: record=2: want 0 or 1",
    "logcheck=abc": "cmdline: logcheck=abc: want 0 or 1",
    "x2apic=abc": "cmdline: x2apic=abc: want 0 or 1",
    "force=abc": "cmdline: force=abc: want 0 or 1",
    "bench_time=abc": "cmdline: bench_time=abc: want 0 or 1",
    "crash=bogus": "cmdline: crash=bogus: want one of panic, pf, gp, ud, div, pf-ap, "
                   "lock-twice, lock-release",
    "crash=": "cmdline: crash=: want one of panic, pf,",
    "record=1 stream=bogus": "cmdline: stream=bogus: want 0, 1, ram or debugcon",
    "gdbstub=com1": "cmdline: gdbstub=com1: want com2",
    "stop=chan.101:7": "cmdline: stop=chan.101:7: needs oracle=replay",
    "replay_until=5": "cmdline: replay_until=5: needs oracle=replay",
    "oracle=replay stop=lock.x:3 test=locks_cmdline_oracle":
        "cmdline: stop=lock.x:3: needs a replay of a whole run",
    "stream=ram": "cmdline: stream=ram: needs record=1",
    "stream_kb=64": "cmdline: stream_kb=64: needs record=1",
    "locks_stride=99999999999": "cmdline: locks_stride=99999999999: want a number 0..4294967295",
}


def cmdline_refused(res, build):
    for bad, want in REFUSED.items():
        name = "system:cmdline-refused:" + bad.replace(" ", "+")
        args = bad if "test=" in bad else f"{bad} test=smp_boot"
        status, log, secs = qemu_run(qemu_cmd(kernel(build), smp=2, args=args), 60)
        ran = [s for s in ("# Totals", "trace: ", "stream: on") if s in log]
        check(res, name, status == FAIL_STATUS and want in log and not ran,
              f"status {status} (want {FAIL_STATUS}), refusal {want!r} "
              f"{'seen' if want in log else 'missing'}, went on: {ran}", log)


def cmdline_record_off(res, build):
    """record=0 is off: no stream, no trace at the end, the monitor's trace says so."""
    name = "system:cmdline-record-0-off"
    status, log, secs = qemu_run(qemu_cmd(kernel(build), smp=2, args="record=0 shell=0"), 60,
                                 feed=("K> ", "trace\rtest smp_boot\rquit\r"))
    recorded = [s for s in ("stream: on", "trace: saved", "trace: no second serial port")
                if s in log]
    # gdbstub=com2 steps back only for a recording, which would own COM2: not for record=0.
    gst, glog, _ = qemu_run(qemu_cmd(kernel(build), smp=2, args="gdbstub=com2 record=0",
                                     extra=["-serial", "null"]), 5)
    stub = "gdbstub: waiting for gdb on COM2" in glog and "gdbstub: refused" not in glog
    ok = status == PASS_STATUS and "trace: this run does not record" in log and \
        "ok 1 smp_boot" in log and not recorded and stub
    check(res, name, ok, f"status {status}, recorded: {recorded}, stub waits: {stub}",
          log + glog)


def cmdline_bench_rounds(res, build):
    """hvm_bench's bench_rounds out of range fails the test (0 ran no round and passed)."""
    name = "system:cmdline-bench-rounds-range"
    status, log, secs = qemu_run(qemu_cmd(kernel(build), smp=2, extra=["-cpu", "max"],
                                          args="test=hvm_bench bench_rounds=0"), 60)
    need = ["cmdline: bench_rounds=0: want a number 1..100000000", "not ok 1 hvm_bench"]
    missing = [s for s in need if s not in log]
    check(res, name, status == FAIL_STATUS and not missing,
          f"status {status} (want {FAIL_STATUS}), missing {missing}", log)


def monitor_usage(res, build):
    """shell=0: a monitor command given arguments it does not take says so, runs nothing,
    and the monitor goes on."""
    name = "system:monitor-usage"
    status, log, secs = qemu_run(qemu_cmd(kernel(build), smp=2, args="shell=0"), 60,
                                 feed=("K> ", "logs extra\rcpus 99\rmem x\rrun\rcpus\rquit\r"))
    need = ["usage: logs (no arguments; 'extra' not taken)",
            "usage: cpus (no arguments; '99' not taken)",
            "usage: mem (no arguments; 'x' not taken)", "usage: run PROG [ARGS]"]
    missing = [s for s in need if s not in log]
    rows = re.findall(r"^\s+(\d+)\s+(\d+)\s+online\s+\d+\s+\d+$", log, re.M)
    check(res, name, status == PASS_STATUS and not missing and len(rows) == 2 and
          "pages free" not in log and "bytes of log memory" not in log,
          f"status {status}, missing {missing}, {len(rows)} cpu rows (want 2: the bare cpus)", log)


def iso_boot(res, build):
    name = "system:iso-cdrom-boot"
    iso = os.path.join(build, "test-boot.iso")
    st, out = run_cmd(["make", "--no-print-directory", iso, f"ISO={iso}",
                       "ISO_ARGS=test=smp_boot"], timeout=120)
    if st != 0:
        res.record(name, False, f"make {iso} failed: {out[-500:]}")
        return
    status, log, secs = qemu_run(qemu_cmd(iso=iso, smp=4), 120)
    m = SUMMARY.search(log)
    check(res, name, status == PASS_STATUS and m and m.group(1) == m.group(2) == "4"
          and "multiboot2" in log, f"status {status}, summary {m and m.group(0)}", log)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def under_gdb(build, smp, args, qemu_extra, gdb_cmds):
    """Start QEMU stopped with its gdb stub, run gdb -batch with the project's
    script and gdb_cmds, then end both. Returns gdb's (status, output)."""
    port = free_port()
    cmd = qemu_cmd(kernel(build), smp=smp, args=args,
                   extra=list(qemu_extra) + ["-S", "-gdb", f"tcp::{port}"])
    q = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT)
    try:
        time.sleep(0.5)
        gdb = ["gdb", "-batch", "-nx", "-x", "tools/gdb/kernel.gdb", kernel(build),
               "-ex", f"kattach {port}"]
        for c in list(gdb_cmds) + ["kill"]:
            gdb += ["-ex", c]
        return run_cmd(gdb, timeout=90)
    finally:
        q.kill()
        q.wait()


def gdb_ap_percpu(res, build):
    """gdb -batch attaches to QEMU, breaks in a function running on an AP and
    reads that CPU's per-CPU data through its GS base."""
    name = "system:gdb-ap-percpu"
    # bump() runs on every CPU (the test's cross-CPU calls): stop on an AP.
    st, out = under_gdb(build, 2, "test=ipi_call", [],
                        ["hbreak bump if $_thread > 1", "continue", "bt 1", "kcpu",
                         "printf \"PERCPU thread=%d id=%u apic=%u\\n\", $_thread, $cpu->id, "
                         "$cpu->apic_id"])
    m = re.search(r"PERCPU thread=(\d+) id=(\d+) apic=(\d+)", out)
    # QEMU numbers gdb threads by vCPU index from 1; our ids follow the MADT order.
    ok = st == 0 and m and int(m.group(2)) >= 1 and int(m.group(2)) == int(m.group(1)) - 1 \
        and "bump" in out
    res.record(name, bool(ok), "" if ok else f"gdb status {st}; output: {res.keep_log(name, out)}")


DIGEST = re.compile(r"# oracle (\S+): \d+ sections on (\d+) cpus, digest ([0-9a-f]{16})")


def oracle_cmdline(res, build, smp=4):
    """oracle= on the kernel command line: the same script seed gives the same
    logs on every boot, another seed other logs; a bad string is rejected."""
    name = "system:oracle-cmdline-deterministic"
    digests = {}
    logs = ""
    for seed in (99, 99, 99, 5):
        spec = f"script:pct:3:{seed}"
        status, log, secs = qemu_run(qemu_cmd(kernel(build), smp=smp,
                                              args=f"oracle={spec} test=locks_cmdline_oracle"), 120)
        logs += log
        m = DIGEST.search(log)
        if status != PASS_STATUS or not m or m.group(1) != spec:
            check(res, name, False, f"status {status}, digest line {m and m.group(0)}", log)
            return
        digests.setdefault(seed, set()).add(m.group(3))
    ok = len(digests[99]) == 1 and digests[5].isdisjoint(digests[99])
    check(res, name, ok, f"digests by seed {digests}", logs)

    name = "system:oracle-cmdline-bad-string"
    status, log, secs = qemu_run(qemu_cmd(kernel(build), smp=1,
                                          args="oracle=script:pct:x test=smp_boot"), 60)
    check(res, name, status == FAIL_STATUS and "oracle 'script:pct:x' rejected:" in log
          and "ok 1 smp_boot" not in log, f"status {status} (want {FAIL_STATUS})", log)


def record_replay(res, build, oracle, smp):
    """Record the lock test in the kernel, the trace leaving through COM2;
    check the file with the host tool; replay it in the kernel from a
    multiboot module: the logs must come out identical. Then a changed
    program must be stopped at the first divergence, and a corrupted trace
    must be rejected with a message."""
    tag = f"system:record-replay-{oracle.split(':')[0]}-smp{smp}"
    trace = os.path.join(build, "test-logs", f"rec-{oracle.replace(':', '_')}-{smp}.trace")
    if os.path.exists(trace):
        os.remove(trace)
    rec_cmd = qemu_cmd(kernel(build), smp=smp,
                       args=f"oracle={oracle} record=1 test=locks_cmdline_oracle",
                       extra=["-serial", f"file:{trace}"])
    status, log, secs = qemu_run(rec_cmd, 120)
    m = DIGEST.search(log)
    if status != PASS_STATUS or not m or "trace: saved" not in log:
        check(res, tag + "-record", False, f"status {status}, digest {m and m.group(0)}", log)
        return
    st, out = run_cmd([os.path.join(build, "host", "trace"), "check", trace], timeout=60)
    check(res, tag + "-host-check", st == 0, f"trace check: {out}", log)

    status, rlog, secs = qemu_run(qemu_cmd(kernel(build), smp=smp, extra=["-initrd", trace],
                                           args="oracle=replay test=locks_cmdline_oracle"), 120)
    r = DIGEST.search(rlog)
    check(res, tag + "-identical", status == PASS_STATUS and r and r.group(3) == m.group(3),
          f"status {status}, recorded {m.group(3)}, replayed {r and r.group(3)}", log + rlog)

    status, dlog, secs = qemu_run(qemu_cmd(kernel(build), smp=smp, extra=["-initrd", trace],
                                           args="oracle=replay locks_stride=5 "
                                                "test=locks_cmdline_oracle"), 120)
    div = re.search(r"replay: first divergence: (\S+) seq (\d+)", dlog)
    check(res, tag + "-divergence-named", status == FAIL_STATUS and div is not None
          and "expected: cpu" in dlog and "actual:   cpu" in dlog,
          f"status {status}, report {div and div.group(0)}", dlog)

    if smp == 4:
        replay_gdb(res, build, trace, smp)

    with open(trace, "rb") as f:
        data = bytearray(f.read())
    data[len(data) // 2] ^= 0x40
    bad = trace + ".corrupt"
    with open(bad, "wb") as f:
        f.write(data)
    status, blog, secs = qemu_run(qemu_cmd(kernel(build), smp=smp, extra=["-initrd", bad],
                                           args="oracle=replay test=locks_cmdline_oracle"), 60)
    rej = re.search(r"trace: module '.*' rejected: (.+)", blog)
    check(res, tag + "-corrupt-rejected", status == FAIL_STATUS and rej is not None
          and "replay: first divergence" not in blog, f"status {status}", blog)


def replay_gdb(res, build, trace, smp):
    """Replay a changed program under gdb and stop at the first divergent event."""
    name = "system:replay-gdb-stops-at-divergence"
    st, out = under_gdb(build, smp, "oracle=replay locks_stride=5 test=locks_cmdline_oracle",
                        ["-initrd", trace],
                        ["kdivergence", "continue",
                         "printf \"DIVERGED %s seq %lu\\n\", o->name, seq", "bt"])
    m = re.search(r"DIVERGED (lock\.ctr\.\d|ctr\.\d) seq (\d+)", out)
    ok = st == 0 and m is not None and "hammer" in out
    res.record(name, ok, "" if ok else f"gdb status {st}; output: {res.keep_log(name, out)}")


BOCHS_TESTS = "smp_boot,ipi_call,locks_hw,locks_script_pct"


def run_bochs(build, args, cpus, tag, model=None, timeout=300):
    """Boot a GRUB ISO whose kernel command line is `args` on Bochs with `cpus` CPUs
    (CPU `model` instead of bochsrc.in's if given).
    Returns (status, COM1 log), or (None, why) if the ISO could not be made."""
    iso = os.path.abspath(os.path.join(build, f"test-{tag}.iso"))
    st, out = run_cmd(["make", "--no-print-directory", f"B={build}", iso, f"ISO={iso}",
                       f"ISO_ARGS={args}"], timeout=120)
    if st != 0:
        return None, f"make {iso} failed: {out[-500:]}"
    work = os.path.abspath(os.path.join(build, tag))
    os.makedirs(work, exist_ok=True)
    com1 = os.path.join(work, "com1.txt")
    if os.path.exists(com1):
        os.remove(com1)
    with open("tests/bochsrc.in") as f:
        rc = f.read()
    rc = rc.replace("@CPUS@", str(cpus)).replace("@ISO@", iso).replace("@COM1@", com1) \
        .replace("@LOG@", os.path.join(work, "bochs.log"))
    if model:
        rc = re.sub(r"model=\S+,", f"model={model},", rc)
    with open(os.path.join(work, "bochsrc"), "w") as f:
        f.write(rc)
    with open(os.path.join(work, "cont"), "w") as f:
        f.write("c\n")     # Debian's Bochs starts in its debugger: continue at once
    env = dict(os.environ, TERM="dumb")
    st, out = run_cmd(["bochs", "-q", "-f", os.path.join(work, "bochsrc"), "-rc",
                       os.path.join(work, "cont")], timeout=timeout, env=env,
                      stdin=subprocess.DEVNULL)
    return st, open(com1, errors="replace").read() if os.path.exists(com1) else out


def bochs_boot(res, build, cpus=4):
    """The GRUB ISO on a second machine model: Bochs (multiboot2 from the CD, x2APIC).
    All tests pass there, and the script oracle gives the same logs on Bochs
    as on QEMU: the schedule, not the machine, decides the interleaving."""
    name = f"system:bochs-iso-smp{cpus}"
    st, log = run_bochs(build, f"test={BOCHS_TESTS}", cpus, "bochs")
    if st is None:
        res.record(name, False, log)
        return
    m = SUMMARY.search(log)
    totals = TOTALS.search(log)
    check(res, name, m is not None and m.group(1) == m.group(2) == str(cpus) and totals is not None
          and totals.group(2) == "0" and int(totals.group(1)) == len(BOCHS_TESTS.split(",")),
          f"bochs status {st}, summary {m and m.group(0)}, totals {totals and totals.group(0)}",
          log)
    # Bochs's Haswell model has x2APIC (QEMU 7.2's TCG has not): the MSR path runs here.
    check(res, "system:bochs-x2apic-mode", "lapic: x2APIC mode" in log, "not in x2APIC mode", log)

    status, qlog, secs = qemu_run(qemu_cmd(kernel(build), smp=cpus, args="test=locks_script_pct"),
                                  120)
    bd = [d for o, n, d in DIGEST.findall(log) if o.startswith("script")]
    qd = [d for o, n, d in DIGEST.findall(qlog) if o.startswith("script")]
    check(res, "system:bochs-and-qemu-same-script-logs", status == PASS_STATUS and len(bd) == 3
          and bd == qd, f"bochs {bd}, qemu {qd}", log + qlog)


def groups(build):
    g = [(f"system:boot-smp{n}", lambda res, n=n: boot(res, build, n, n, n)) for n in (1, 2, 4, 8)]
    g += [("system:boot-smp64", lambda res: boot(res, build, 64, 64, 64, single=True, timeout=300)),
          ("system:over-max-cpus", lambda res: over_max(res, build))]
    g += [(f"system:panic-{k}", lambda res, k=k: panic_case(res, build, k)) for k in PANICS]
    g += [("system:console-flood", lambda res: console_flood(res, build)),
          ("system:console-input", lambda res: console_input(res, build)),
          ("system:cmdline-unknown", lambda res: cmdline_unknown(res, build)),
          ("system:cmdline-bad-number", lambda res: cmdline_bad_number(res, build)),
          ("system:cmdline-refused", lambda res: cmdline_refused(res, build)),
          ("system:cmdline-record-0", lambda res: cmdline_record_off(res, build)),
          ("system:cmdline-bench-rounds", lambda res: cmdline_bench_rounds(res, build)),
          ("system:monitor", lambda res: monitor(res, build)),
          ("system:monitor-usage", lambda res: monitor_usage(res, build)),
          ("system:iso-boot", lambda res: iso_boot(res, build)),
          ("system:gdb", lambda res: gdb_ap_percpu(res, build)),
          ("system:oracle", lambda res: oracle_cmdline(res, build)),
          ("system:record-replay-hw", lambda res: record_replay(res, build, "hw", 4)),
          ("system:bochs", lambda res: bochs_boot(res, build)),
          ("system:record-replay-script",
           lambda res: record_replay(res, build, "script:pct:3:4242", 2))]
    return g
