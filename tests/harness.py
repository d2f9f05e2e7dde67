"""Shared pieces of the test runner: result counting, QEMU runs, logs."""
import os
import re
import subprocess
import threading
import time

QEMU = os.environ.get("QEMU", "qemu-system-x86_64")
PASS_STATUS = 33     # isa-debug-exit with 0x10
FAIL_STATUS = 35     # isa-debug-exit with 0x11
TOTALS = re.compile(r"^# Totals: pass:(\d+) fail:(\d+) skip:(\d+)\s*$", re.M)


class Results:
    def __init__(self, build, only):
        self.build = build
        self.only = only
        self.passed = 0
        self.failed = 0
        self.skipped = 0
        self.lock = threading.Lock()
        self.logdir = os.path.join(build, "test-logs")
        os.makedirs(self.logdir, exist_ok=True)

    def wanted(self, name):
        return self.only in name

    def record(self, name, ok, detail=""):
        with self.lock:
            if ok:
                self.passed += 1
            else:
                self.failed += 1
            line = f"{'ok  ' if ok else 'FAIL'} {name}"
            if detail and not ok:
                line += "\n       " + detail.replace("\n", "\n       ")
            print(line, flush=True)

    def skip(self, name, why):
        """A group that cannot run on this machine: counted and said, neither passed nor failed."""
        with self.lock:
            self.skipped += 1
            print(f"skip {name}: {why}", flush=True)

    def keep_log(self, name, text):
        path = os.path.join(self.logdir, re.sub(r"[^A-Za-z0-9_.=-]", "_", name) + ".log")
        with open(path, "w") as f:
            f.write(text)
        return path


# As the Makefile's ACCEL_FLAGS_kvm (see there for why each flag).
KVM_FLAGS = ["-accel", "kvm", "-cpu", "host,-arch-capabilities,+invtsc"]
KVM_FIRMWARE = ["-bios", "qboot.rom"]   # -kernel boots only: qboot boots no CD


def kvm_unusable():
    """Why QEMU cannot use KVM here, or None if it can."""
    if not os.path.exists("/dev/kvm"):
        return "no /dev/kvm"
    if not os.access("/dev/kvm", os.R_OK | os.W_OK):
        return "/dev/kvm is not writable by this user"
    return None


def qemu_cmd(kernel=None, smp=4, args="", iso=None, extra=(), single_thread=False, mem="256M",
             accel=None):
    """accel: "tcg" or "kvm"; None takes $QEMU_ACCEL, else tcg (e.g. for tools/boottime.py)."""
    accel = accel or os.environ.get("QEMU_ACCEL", "tcg")
    # -nic none: no network card, so no iPXE option ROM to wait for.
    cmd = [QEMU, "-machine", "q35", "-m", mem, "-smp", str(smp), "-nographic", "-no-reboot",
           "-nic", "none", "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
           "-serial", "stdio", "-monitor", "none"]
    if accel == "kvm":
        cmd += KVM_FLAGS + ([] if iso else KVM_FIRMWARE)
    elif single_thread:
        cmd += ["-accel", "tcg,thread=single"]
    else:
        cmd += ["-accel", "tcg"]
    if iso:
        cmd += ["-cdrom", iso, "-boot", "d"]
    else:
        cmd += ["-kernel", kernel, "-append", args]
    return cmd + list(extra)


def qemu_run(cmd, timeout, feed=None):
    """Run QEMU; feed = (prompt, text): write text to the serial port once prompt appears.
    Returns (status, serial output, seconds); status is 'timeout' when killed."""
    t0 = time.time()
    p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT)
    out = bytearray()
    fed = feed is None
    os.set_blocking(p.stdout.fileno(), False)
    status = None
    while True:
        chunk = None
        try:
            chunk = p.stdout.read()
        except BlockingIOError:
            pass
        if chunk:
            out += chunk
            if not fed and feed[0].encode() in out:
                p.stdin.write(feed[1].encode())
                p.stdin.flush()
                fed = True
        rc = p.poll()
        if rc is not None:
            rest = p.stdout.read()
            if rest:
                out += rest
            status = rc
            break
        if time.time() - t0 > timeout:
            p.kill()
            p.wait()
            status = "timeout"
            break
        time.sleep(0.01)
    text = out.decode("utf-8", "replace").replace("\r\n", "\n")
    return status, text, time.time() - t0


def run_cmd(cmd, timeout, **kw):
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           timeout=timeout, **kw)
        return p.returncode, p.stdout.decode("utf-8", "replace")
    except subprocess.TimeoutExpired as e:
        return "timeout", (e.stdout or b"").decode("utf-8", "replace")
