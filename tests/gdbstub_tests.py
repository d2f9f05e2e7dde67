"""gdb against the kernel's own remote stub (gdbstub=com2, kern/dev/gdbstub.c),
not QEMU's: QEMU's COM2 is a TCP socket, real gdb -batch attaches to it with
the project's script (kstub), and the asserts are on gdb's output and the
kernel's console (COM1)."""
import os
import re
import signal
import subprocess
import threading
import time

from harness import FAIL_STATUS, PASS_STATUS, qemu_cmd, qemu_run
from system_tests import free_port, kernel


class Machine:
    """QEMU with COM1 on stdout (collected) and COM2 on a TCP socket for gdb."""

    def __init__(self, build, smp, args, com2=None):
        self.port = free_port()
        com2 = com2 or f"tcp:127.0.0.1:{self.port},server=on,wait=off"
        self.p = subprocess.Popen(qemu_cmd(kernel(build), smp=smp, args=args,
                                           extra=["-serial", com2]),
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT)
        self.buf = bytearray()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for chunk in iter(lambda: self.p.stdout.read1(4096), b""):
            self.buf += chunk

    def text(self):
        return self.buf.decode("utf-8", "replace").replace("\r\n", "\n")

    def wait_for(self, what, timeout=30):
        end = time.time() + timeout
        while time.time() < end:
            if what in self.text():
                return True
            if self.p.poll() is not None:
                time.sleep(0.2)
                return what in self.text()
            time.sleep(0.05)
        return False

    def type(self, line):
        self.p.stdin.write(line.encode())
        self.p.stdin.flush()

    def status(self, timeout=10):
        """QEMU's exit status, or 'running' if it has not ended within timeout."""
        try:
            status = self.p.wait(timeout)
        except subprocess.TimeoutExpired:
            return "running"
        self.reader.join(5)  # the console's last words
        return status

    def stop(self):
        if self.p.poll() is None:
            self.p.kill()
        self.p.wait()
        self.reader.join(2)


def gdb_cmd(build, port, cmds):
    gdb = ["gdb", "-batch", "-nx", "-x", "tools/gdb/kernel.gdb", kernel(build),
           "-ex", "set remotetimeout 10", "-ex", f"kstub 127.0.0.1:{port}"]
    for c in cmds:
        gdb += ["-ex", c]
    return gdb


def run_gdb(build, port, cmds, timeout=60):
    p = subprocess.run(gdb_cmd(build, port, cmds), stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=timeout)
    return p.stdout.decode("utf-8", "replace")


def verdict(res, name, problems, m, out):
    detail = ""
    if problems:
        log = res.keep_log(name, "gdb:\n" + out + "\nconsole:\n" + m.text())
        detail = "; ".join(problems) + f"\nlog: {log}"
    res.record(name, not problems, detail)


def under_stub(res, build, name, smp, args, body):
    """Boot with the stub, run body(build, machine, problems) -> gdb's output once
    it waits for gdb; then the verdict, with both logs kept if it failed."""
    m = Machine(build, smp, args)
    out = ""
    problems = []
    try:
        if m.wait_for("gdbstub: waiting for gdb"):
            out = body(build, m, problems)
        else:
            problems.append("no 'gdbstub: waiting for gdb' on the console")
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b"").decode("utf-8", "replace")
        problems.append("gdb timed out")
    finally:
        m.stop()
        verdict(res, name, problems, m, out)


def session(res, build):
    """Attach at the boot stop; registers, a variable, one thread per CPU with
    its own backtrace, unmapped memory, a breakpoint every CPU hits, a step, a
    hardware breakpoint, the project's commands, kill."""
    under_stub(res, build, "gdbstub:session", 4, "gdbstub=com2 test=smp_boot", session_gdb)


def session_gdb(build, m, problems):
    cmds = ["info registers rip rsp eflags cs gs_base",
            'printf "GSBASE %#lx CPU0 %#lx\\n", $gs_base, &cpus[0]',
            "p ncpu_online",
            "info threads",
            "thread 3", "bt",
            "x/4xb 0x700000001000",
            "thread 1",
            "break record_self"]
    # record_self runs once on every CPU (smp_call_all): four stops, one per CPU.
    for _ in range(4):
        cmds += ["continue", 'printf "HIT thread=%d\\n", $_thread']
    cmds += ["bt", "kcpu", 'printf "PERCPU thread=%d id=%u\\n", $_thread, $cpu->id',
             "kcpus",
             'printf "PC0 %#lx\\n", $pc', "stepi", 'printf "PC1 %#lx\\n", $pc',
             "delete", "hbreak log_summary", "continue", "kbt", "kill"]
    out = run_gdb(build, m.port, cmds)
    status = m.status()
    console = m.text()
    want = [("connects at the boot stop", r"gdbstub_init \(\) at kern/dev/gdbstub\.c"),
            ("rip register", r"rip\s+0x[0-9a-f]+\s+0x[0-9a-f]+ <gdbstub_init\+\d+>"),
            ("cs register", r"cs\s+0x8\s"),
            ("ncpu_online", r"\$1 = 4\b"),
            ("a breakpoint hit", r"hit Breakpoint 1, record_self"),
            # record_self runs on the boot CPU from smp_call_all, on an AP from its idle loop
            ("a breakpoint's backtrace", r"#0  record_self .*\n#1 .* in (smp_call_all|"
             r"run_pending_call) "),
            ("an NMI-stopped CPU's backtrace", r"#\d .*cpu_idle_loop \(\)"),
            ("unmapped memory is an error",
             r"Cannot access memory at address 0x700000001000"),
            ("kcpus", r"4 cpus found, 4 online"),
            ("kcpu", r"cpu \d \(apic id \d\): state 2"),
            ("hardware breakpoint", r"Thread \d+ hit Breakpoint 2, log_summary"),
            ("hardware breakpoint (DR0-3, #DB)", r"\(cpu \d, apic \d+: hw breakpoint\)"),
            ("kbt: every CPU", r"(?s)Thread 4 .*Thread 3 .*Thread 2 .*Thread 1 ")]
    for what, rx in want:
        if not re.search(rx, out):
            problems.append(f"gdb output lacks {what}")
    g = re.search(r"GSBASE (0x[0-9a-f]+) CPU0 (0x[0-9a-f]+)", out)
    if not g or g.group(1) != g.group(2):
        problems.append("gs_base is not &cpus[0] on the boot CPU")
    threads = re.findall(r"Thread (\d) \(cpu (\d), apic \d+: ([a-zA-Z ]+)\)", out)
    listed = {t for t, c, _ in threads if int(t) == int(c) + 1}
    if listed != {"1", "2", "3", "4"}:
        problems.append(f"info threads: one thread per CPU expected, got {sorted(listed)}")
    if not any(why == "stopped by NMI" for _, _, why in threads):
        problems.append("no thread says it was stopped by NMI")
    hits = set(re.findall(r"HIT thread=(\d)", out))
    if hits != {"1", "2", "3", "4"}:
        problems.append(f"record_self should stop on every CPU, stopped on {sorted(hits)}")
    pc = re.search(r"PERCPU thread=(\d+) id=(\d+)", out)
    if not pc or int(pc.group(2)) != int(pc.group(1)) - 1:
        problems.append("$cpu (GS base) is not the stopped CPU's")
    p0, p1 = re.search(r"PC0 (0x\w+)", out), re.search(r"PC1 (0x\w+)", out)
    if not p0 or not p1 or not 0 < int(p1.group(1), 16) - int(p0.group(1), 16) < 16:
        problems.append("stepi did not move the pc by one instruction")
    if "ok 1 smp_boot" not in console:
        problems.append("the test did not pass after the breakpoints were removed")
    if "gdbstub: killed by gdb" not in console or status != FAIL_STATUS:
        problems.append(f"kill did not end the machine (status {status})")
    return out


def interrupt(res, build):
    """^C from gdb stops a running kernel (the shell), detach lets it run on,
    a second gdb attaches to the running kernel and kills it."""
    under_stub(res, build, "gdbstub:interrupt-detach-attach", 2, "gdbstub=com2", interrupt_gdb)


def interrupt_gdb(build, m, problems):
    g = subprocess.Popen(gdb_cmd(build, m.port, ["continue", "info threads", "kbt",
                                                 "detach"]),
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if not m.wait_for("sh: pid 1"):
        problems.append("the shell did not start after continue")
    time.sleep(1)
    g.send_signal(signal.SIGINT)  # gdb sends ^C (0x03) down the line
    try:
        out = g.communicate(timeout=30)[0].decode("utf-8", "replace")
    finally:
        if g.poll() is None:
            g.kill()
            g.wait()
    if not re.search(r"Thread \d+ received signal SIGINT", out):
        problems.append("^C did not stop the kernel")
    if not re.search(r"Thread 2 \(cpu 1, apic \d+: stopped by NMI\)", out):
        problems.append("the other CPU is not listed as stopped by NMI")
    if "detached" not in out:
        problems.append("detach failed")
    m.type("hello after-detach\r")
    if not m.wait_for('argv[1] = "after-detach"', 20):
        problems.append("the kernel does not run after detach")
    out2 = run_gdb(build, m.port, ["info threads", "kcpus", "kill"])
    out += "\n--- second gdb ---\n" + out2
    if not re.search(r"Thread 1 \(cpu 0, apic \d+: gdb attached\)", out2):
        problems.append("a second gdb could not attach to the running kernel")
    if "2 cpus found, 2 online" not in out2:
        problems.append("kcpus over the re-attached stub failed")
    if m.status() != FAIL_STATUS:
        problems.append("kill did not end the machine")
    return out


def record_refused(res, build):
    """gdbstub=com2 with record=1: both want COM2; the boot is refused, saying so, before
    any test runs or anything is recorded."""
    name = "gdbstub:record-refused"
    m = Machine(build, 2, "gdbstub=com2 record=1 test=smp_boot", com2="null")
    problems = []
    status = m.status(60)
    m.stop()
    text = m.text()
    if not re.search(r"cmdline: gdbstub=com2: needs record=0: record=1 writes its trace to "
                     r"COM2", text):
        problems.append("no refusal message")
    if "waiting for gdb" in text:
        problems.append("the stub started anyway")
    if status != FAIL_STATUS or "ok 1 smp_boot" in text or "trace: saved" in text:
        problems.append(f"the run went on (status {status})")
    # No second serial port at all: the stub cannot run, and the boot says so and stops.
    st2, log2, _ = qemu_run(qemu_cmd(os.path.join(build, "kernel.elf"), smp=2,
                                     args="gdbstub=com2 test=smp_boot"), 60)
    if st2 != FAIL_STATUS or "gdbstub: refused: no UART answers at COM2" not in log2 \
            or "ok 1 smp_boot" in log2:
        problems.append(f"without COM2: status {st2}: {log2[-300:]}")
    verdict(res, name, problems, m, "")


def groups(build):
    return [("gdbstub:session", lambda res: session(res, build)),
            ("gdbstub:interrupt-detach-attach", lambda res: interrupt(res, build)),
            ("gdbstub:record-refused", lambda res: record_refused(res, build))]
