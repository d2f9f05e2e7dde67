"""System tests of user processes: the system-call table against its documentation,
a shell session on the console, the same results under hw and script, a recorded
shell session replayed, and the IPC stress between processes at SMP 8.
"""
import os
import re

from harness import PASS_STATUS, qemu_cmd, qemu_run, run_cmd

SUMMARY = re.compile(r"^logs: (\d+) objects, (\d+) events, digest ([0-9a-f]{16})$", re.M)
DOCS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "docs", "syscalls.md")


def kernel(build):
    return os.path.join(build, "kernel.elf")


def errors_set(text):
    text = text.strip()
    return set() if text in ("-", "") else {e.strip() for e in text.split(",")}


def docs_table():
    """{nr: (name, errors)} from the table between the syscall-table markers."""
    rows = {}
    inside = False
    with open(DOCS) as f:
        for line in f:
            if "syscall-table: begin" in line:
                inside = True
            elif "syscall-table: end" in line:
                inside = False
            elif inside and re.match(r"^\|\s*\d+\s*\|", line):
                cells = [c.strip() for c in line.strip().strip("|").split("|")]
                rows[int(cells[0])] = (cells[1], errors_set(cells[4]))
    return rows


def syscall_table(res, build):
    """docs/syscalls.md lists exactly the kernel's dispatch table: numbers, names, errors."""
    name = "user:syscall-table"
    status, log, _ = qemu_run(qemu_cmd(kernel(build), smp=1, args="test=syscall_table"), 60)
    kern = {int(m.group(1)): (m.group(2), errors_set(m.group(3)))
            for m in re.finditer(r"^syscall (\d+) (\S+) (.*)$", log, re.M)}
    docs = docs_table()
    diffs = [f"{n}: kernel {kern.get(n)} docs {docs.get(n)}"
             for n in sorted(set(kern) | set(docs)) if kern.get(n) != docs.get(n)]
    ok = status == PASS_STATUS and kern and not diffs
    res.record(name, bool(ok), f"status {status}, {len(kern)} kernel rows, {len(docs)} documented; "
               f"differences: {diffs[:5]}")


SHELL_INPUT = "progs\rhello a b\rps\rconform\rprocs\rfoo\rquit\r"


def shell(res, build):
    """make qemu's console: the shell lists and runs programs, passes monitor commands on,
    rejects unknown ones, and quit ends the run with the summary line."""
    name = "user:shell"
    status, log, _ = qemu_run(qemu_cmd(kernel(build), smp=2, args=""), 120,
                              feed=("$ ", SHELL_INPUT))
    want = [r"^\s*\d+\s+hello$", r'^hello: argv\[2\] = "b"$', r"^\s*1\s+1\s+\d\s+sleep\s+0 .* sh$",
            r"^conform: PASS \d+ checks$", r"^\s+pid\s+name\s+state", r"unknown command: foo",
            SUMMARY.pattern]
    missing = [w for w in want if not re.search(w, log, re.M)]
    ok = status == PASS_STATUS and not missing
    res.record(name, bool(ok), f"status {status}, missing {missing}; "
               f"serial log: {res.keep_log(name, log)}")


def shell_bad_input(res, build):
    """The shell says what is wrong with a line and goes on: a built-in given arguments, a
    shell command typed as a monitor one (!progs), a CPU the machine lacks, more arguments
    than a program can get, a line longer than the shell reads."""
    name = "user:shell-bad-input"
    typed = ("wait 1\r!progs\r!nosuch\rping 5 @9\rhello " + "b " * 40 + "\rhello " + "c " * 150 +
             "\rhello ok\rquit\r")
    status, log, _ = qemu_run(qemu_cmd(kernel(build), smp=2, args=""), 120, feed=("$ ", typed))
    want = ["sh: usage: wait (no arguments: it waits for every background program)",
            "sh: no monitor command 'progs': progs is the shell's; type it without '!'",
            "sh: no monitor command 'nosuch' (try !help)",
            "sh: no cpu 9: this machine has cpus 0..1",
            "sh: hello: 40 arguments, at most 31",
            "sh: line longer than 255 characters: not run",
            'hello: argv[1] = "ok"']
    missing = [w for w in want if w not in log]
    ran = [w for w in ("unknown command: wait", "unknown command: progs", "E_INVAL_ID",
                       'argv[31] = "b"', 'argv[1] = "c"') if w in log]
    ok = status == PASS_STATUS and not missing and not ran
    res.record(name, ok, f"status {status}, missing {missing}, wrong {ran}; "
               f"serial log: {res.keep_log(name, log)}")


def proc_run_unknown(res, build):
    """test=proc_run with a uprog= that names no program names it and lists the programs."""
    name = "user:proc-run-unknown-prog"
    status, log, _ = qemu_run(qemu_cmd(kernel(build), smp=2,
                                       args="test=proc_run uprog=nosuch"), 60)
    listed = re.search(r"^\s*# uprog=nosuch: no such program; programs:.* sh .*hello", log,
                       re.M)
    ok = status != PASS_STATUS and listed and "not ok 1 proc_run" in log
    res.record(name, bool(ok), f"status {status}, listed {bool(listed)}; "
               f"serial log: {res.keep_log(name, log)}")


def after_smp(log):
    i = log.find("smp: ")
    return log[i:] if i >= 0 else ""


def same_under_oracles(res, build, smp):
    """The process tests pass under hw and under script; a script run repeats itself exactly."""
    name = f"user:hw-and-script:smp{smp}"
    tests = "proc_stress,proc_conform,proc_faults,proc_ping"
    runs = []
    for oracle in ("hw", "script:pct:3:5", "script:pct:3:5"):
        status, log, _ = qemu_run(qemu_cmd(kernel(build), smp=smp,
                                           args=f"test={tests} oracle={oracle}"), 300)
        m = SUMMARY.search(log)
        if status != PASS_STATUS or not m:
            res.record(name, False, f"oracle {oracle}: status {status}; "
                       f"serial log: {res.keep_log(name, log)}")
            return
        runs.append((after_smp(log), m.group(3)))
    ok = runs[1] == runs[2]
    res.record(name, ok, "" if ok else "two script runs differ; serial logs: "
               f"{res.keep_log(name, runs[1][0] + '=====' + runs[2][0])}")


def user_lines(log):
    """What the session showed, without the lines a replay or a recording adds about itself."""
    out = after_smp(log).splitlines()
    return [ln for ln in out if not ln.startswith(("replay:", "trace:", "record:", "stream:", "oracle:"))]


def session_replay(res, build, smp=4):
    """A shell session (IPC stress and fuzzer, typed input) recorded under hw replays with the
    same digest and the same console output, fed from the recording."""
    name = f"user:session-replay:smp{smp}"
    trace = os.path.join(res.logdir, "session.trace")
    if os.path.exists(trace):
        os.remove(trace)
    typed = "stress 3 100\rfuzz 3000 7\rping 20\rquit\r"
    st, log, _ = qemu_run(qemu_cmd(kernel(build), smp=smp, args="record=1",
                                   extra=["-serial", f"file:{trace}"]), 240, feed=("$ ", typed))
    m = SUMMARY.search(log)
    if st != PASS_STATUS or not m or "stress: PASS" not in log or "fuzz: PASS" not in log:
        res.record(name, False, f"record: status {st}; serial log: {res.keep_log(name, log)}")
        return
    st, rlog, _ = qemu_run(qemu_cmd(kernel(build), smp=smp, args="oracle=replay",
                                    extra=["-initrd", trace]), 240)
    r = SUMMARY.search(rlog)
    same = user_lines(log) == user_lines(rlog)
    ok = st == PASS_STATUS and r and r.group(3) == m.group(3) and same and \
        "replay: every object reached its recorded end" in rlog
    res.record(name, bool(ok), f"replay: status {st}, digest {r and r.group(3)}, recorded "
               f"{m.group(3)}, same console output: {same}; "
               f"serial log: {res.keep_log(name, log + '=====' + rlog)}")


def trace_on_demand(res, build):
    """The shell's `trace` (a monitor command) writes the recording so far, once per run;
    the file is a trace the tools accept; without record=1 it says the run does not record."""
    name = "user:trace-on-demand"
    trace = os.path.join(res.logdir, "on-demand.trace")
    if os.path.exists(trace):
        os.remove(trace)
    st, log, _ = qemu_run(qemu_cmd(kernel(build), smp=2, args="record=1",
                                   extra=["-serial", f"file:{trace}"]), 60,
                          feed=("$ ", "hello x\rtrace\rtrace\rquit\r"))
    cst, cout = run_cmd([os.path.join(build, "host", "trace"), "check", trace], 60)
    st2, log2, _ = qemu_run(qemu_cmd(kernel(build), smp=1, args=""), 60,
                            feed=("$ ", "trace\rquit\r"))
    ok = st == PASS_STATUS and log.count("trace: saved") == 1 and \
        "trace: already written" in log and cst == 0 and \
        st2 == PASS_STATUS and "trace: this run does not record" in log2
    res.record(name, ok, f"status {st}/{st2}, trace check {cst}: {cout[-200:]}; "
               f"serial log: {res.keep_log(name, log + log2)}")


def stress_smp8(res, build):
    """Processes on 8 CPUs exchange checksummed messages: none lost, duplicated or corrupted."""
    name = "user:ipc-stress:smp8"
    status, log, _ = qemu_run(qemu_cmd(kernel(build), smp=8,
                                       args="test=proc_stress stress_msgs=1500"), 300)
    m = re.search(r"^stress: (\d+) workers .* = (\d+) messages", log, re.M)
    ok = status == PASS_STATUS and m and "stress: PASS" in log
    res.record(name, bool(ok), f"status {status}, {m and m.group(0)}; "
               f"serial log: {res.keep_log(name, log)}")


def groups(build):
    return [
        ("user:syscall-table", lambda res: syscall_table(res, build)),
        ("user:shell", lambda res: shell(res, build)),
        ("user:shell-bad-input", lambda res: shell_bad_input(res, build)),
        ("user:proc-run-unknown-prog", lambda res: proc_run_unknown(res, build)),
        ("user:hw-and-script:smp4", lambda res: same_under_oracles(res, build, 4)),
        ("user:session-replay:smp4", lambda res: session_replay(res, build)),
        ("user:ipc-stress:smp8", lambda res: stress_smp8(res, build)),
        ("user:trace-on-demand", lambda res: trace_on_demand(res, build)),
    ]
