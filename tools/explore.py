#!/usr/bin/env python3
"""Schedule exploration of one in-kernel test under QEMU (make explore).

  tools/explore.py --build B --test NAME --runs N [--smp 4] [--shard i/n] [--jobs k]
                   [--depth d] [--seed0 s] [--args "k=v ..."] [--timeout SECS]
                   [--out DIR] [--list-seeds] [--shrink ORACLE]

Run k of a campaign (0 <= k < N) boots the kernel with
`test=NAME oracle=O` where the seed is s = SEED0 + k and O is
`script:pct:DEPTH:s` for an even s and `script:random:s` for an odd s: the
oracle is a function of the seed alone, so `--runs 1 --seed0 s` re-runs one
schedule.  `--shard i/n` (1 <= i <= n) takes the i-th of n contiguous, disjoint
slices of the N runs: runs floor((i-1)N/n) .. floor(iN/n)-1.

The campaign stops at the first failing run (QEMU status other than 33, a
panic, a timeout, or a KTAP total with failures), saves its serial log, runs
the same schedule again with record=1 and COM2 on a file to get its trace, and
prints the replay command and the command that re-runs that schedule.

--shrink ORACLE: ORACLE (script:pct:D:S, script:random:S or script:list:...)
must fail; try smaller schedules (lower PCT depths, shorter lists; a random
schedule becomes the list of its picks, which a failed script run prints) and
keep a candidate only if it fails the same way; print the smallest.

Exit status: 0 every run passed (or --list-seeds), 1 a run failed, 2 usage, or explore
could not do its job (QEMU did not start, a run got no result, stdout could not be
written).  Standard library only.  See docs/explore.md.
"""
import os
import re
import shlex
import signal
import subprocess
import sys
import threading
import time

from cliutil import repo_path, run_main, whole_number

PASS_STATUS = 33
FAIL_STATUS = 35
SUMMARY = re.compile(r"^logs: (\d+) objects, (\d+) events, digest ([0-9a-f]+)\s*$", re.M)
TOTALS = re.compile(r"^# Totals: pass:(\d+) fail:(\d+) skip:(\d+)\s*$", re.M)
NO_TEST = re.compile(r"^# no test matches '(.*)'", re.M)
NOT_OK = re.compile(r"^not ok \d+ (\S+).*$", re.M)
FAIL_LINE = re.compile(r"^\s*# FAIL (.*?)(?: \(cpu \d+\))?\s*$", re.M)
PANIC = re.compile(r"^\*\*\* panic on cpu \d+: (.*)$", re.M)
SKIP = re.compile(r"^ok \d+ (\S+) # SKIP (.*)$", re.M)
# A failed script run's picks, as a list schedule (the kernel's debug_exit).
SCHEDULE = re.compile(r"^script: schedule: (\d+) picks: (script:list:[0-9,.]+)\s*$", re.M)
LIST_MAX = 200   # entries: the oracle= value must fit the kernel command line
SEED_MAX = 2**64 - 1   # the kernel's oracle_parse reads a seed as a uint64_t
RUNS_MAX = 10**6
CPUS = re.compile(r" (\d+) cpus$")   # the end of `trace stats FILE`'s first line

USAGE = """\
usage: make explore TEST=NAME RUNS=N [SMP=4] [SHARD=i/n] [JOBS=k] [DEPTH=d] [SEED0=s]
                    [ARGS="k=v ..."] [TIMEOUT=secs] [SHRINK=ORACLE] [FROM=TRACE K=n]
   or: tools/explore.py --build B --test NAME --runs N [--smp n] [--shard i/n] [--jobs k]
                        [--depth d] [--seed0 s] [--args "k=v ..."] [--timeout secs]
                        [--out DIR] [--list-seeds] [--shrink ORACLE] [--budget runs]
                        [--from TRACE --k n]
  TEST   an in-kernel test (`make qemu`, then the monitor's `test` command lists them)
  RUNS   number of schedules, 1..1000000; run k uses seed SEED0+k (default SEED0=0;
         SEED0+RUNS-1 < 2^64): script:pct:DEPTH:SEED for even seeds (default DEPTH=3),
         script:random:SEED for odd
  SHARD  i/n, 1 <= i <= n <= 1000000: only the i-th of n disjoint slices of the RUNS runs
  JOBS   QEMU instances at once (default: the number of host cores)
  TIMEOUT seconds before a run counts as hung, 1..86400 (default 60)
  SHRINK a failing script:pct:D:S, script:random:S or script:list:... schedule to make
         smaller (a random one through the list of its picks, which a failed run prints)
  FROM   a recorded trace: each run replays its first K ordered operations, then runs
         freely under hw (the neighbourhood of a real-hardware recording); ARGS must
         repeat the recording's command line (without oracle=/record=); SMP must be the
         trace's CPU count (without SMP, it is taken from the trace)"""


class Usage(Exception):
    pass


def usage_error(msg):
    print(f"explore: {msg}", file=sys.stderr)
    print(USAGE, file=sys.stderr)
    sys.exit(2)


def posint(name, v, lo, hi, default=None):
    if v is None or v == "":
        if default is None:
            raise Usage(f"{name} is missing")
        return default
    if not re.fullmatch(r"[0-9]+", v):
        raise Usage(f"{name}={v}: not a number")
    n = whole_number(v, lo, hi)
    if n is None:
        raise Usage(f"{name}={v}: want {lo}..{hi}")
    return n


def parse_args(argv):
    opts = {"build": repo_path("build"), "test": "", "runs": "", "smp": "", "shard": "", "jobs": "",
            "depth": "", "seed0": "", "args": "", "timeout": "", "out": "", "shrink": "",
            "list-seeds": False, "budget": "", "from": "", "k": ""}
    i = 0
    while i < len(argv):
        a = argv[i]
        if a in ("-h", "--help"):
            print(USAGE)
            sys.exit(0)
        if a == "--list-seeds":
            opts["list-seeds"] = True
            i += 1
            continue
        if not a.startswith("--"):
            raise Usage(f"unexpected argument '{a}'")
        key, eq, val = a[2:].partition("=")
        if key not in opts or key == "list-seeds":
            raise Usage(f"unknown option --{key}")
        if not eq:
            if i + 1 >= len(argv):
                raise Usage(f"--{key} wants a value")
            val = argv[i + 1]
            i += 1
        opts[key] = val
        i += 1
    o = {"build": opts["build"], "args": opts["args"].strip(), "list_seeds": opts["list-seeds"]}
    o["test"] = opts["test"].strip()
    if not o["test"]:
        raise Usage("TEST is missing (the in-kernel test to explore)")
    if not re.fullmatch(r"[A-Za-z0-9_]+", o["test"]):
        raise Usage(f"TEST={o['test']}: one test name (letters, digits, _)")
    for w in o["args"].split():
        if w.split("=")[0] in ("test", "oracle", "record"):
            raise Usage(f"ARGS may not set {w.split('=')[0]}= (explore chooses it)")
    o["shrink"] = opts["shrink"].strip()
    if o["shrink"]:
        o["runs"] = 1
    else:
        o["runs"] = posint("RUNS", opts["runs"], 1, RUNS_MAX)
    o["smp"] = posint("SMP", opts["smp"], 1, 64, default=4)
    o["jobs"] = posint("JOBS", opts["jobs"], 1, 256, default=os.cpu_count() or 1)
    o["depth"] = posint("DEPTH", opts["depth"], 1, 64, default=3)
    o["seed0"] = posint("SEED0", opts["seed0"], 0, SEED_MAX, default=0)
    if o["seed0"] + o["runs"] - 1 > SEED_MAX:   # the kernel would refuse the last seeds
        raise Usage(f"SEED0={o['seed0']} RUNS={o['runs']}: the last seed, SEED0+RUNS-1, "
                    f"must be at most 2^64-1 = {SEED_MAX}")
    # (bounded: a huge timeout overflows the wait for QEMU, in a worker thread)
    o["timeout"] = posint("TIMEOUT", opts["timeout"], 1, 86400, default=60)
    o["budget"] = posint("BUDGET", opts["budget"], 1, RUNS_MAX, default=200)
    sh = opts["shard"].strip()
    if sh:
        m = re.fullmatch(r"([0-9]+)/([0-9]+)", sh)
        if not m:
            raise Usage(f"SHARD={sh}: want i/n (for example 2/8)")
        si, sn = whole_number(m.group(1), 1, RUNS_MAX), whole_number(m.group(2), 1, RUNS_MAX)
        if si is None or sn is None or si > sn:
            raise Usage(f"SHARD={sh}: want 1 <= i <= n <= {RUNS_MAX}")
        o["shard"] = (si, sn)
    else:
        o["shard"] = (1, 1)
    o["out"] = opts["out"] or os.path.join(o["build"], "explore")
    # FROM=TRACE K=n: every run replays the recording's first n ordered operations, then
    # runs freely (the kernel's replay_until): the neighbourhood of a recorded run.
    o["from"] = opts["from"].strip()
    o["k"] = 0
    o["user_args"] = o["args"]   # as given: what a printed make explore FROM= command repeats
    if o["from"]:
        if not os.path.isfile(o["from"]):
            raise Usage(f"FROM={o['from']}: no such trace file")
        o["k"] = posint("K", opts["k"], 1, 2**63 - 1)   # the kernel's replay_until
        o["args"] = (o["args"] + f" replay_until={o['k']}").strip()
        if o["shrink"]:
            raise Usage("SHRINK works on script schedules, not on FROM= runs")
        o["smp"] = from_cpus(o, given=opts["smp"] != "")
    elif opts["k"].strip():
        raise Usage("K= needs FROM=TRACE (the recording whose first K operations to replay)")
    return o


def from_cpus(o, given):
    """The CPU count for runs that branch from the trace FROM: the trace's own (a replay
    runs each event on the CPU that performed it), which an SMP given must equal.  A file
    that is not a trace this build reads is refused here, not reported as a failing run."""
    tool = os.path.join(o["build"], "host", "trace")
    if not os.access(tool, os.X_OK):
        raise Usage(f"FROM= needs {tool} to read the trace (make B={o['build']} first)")
    chk = subprocess.run([tool, "check", o["from"]], capture_output=True, text=True)
    if chk.returncode != 0:
        why = (chk.stderr.strip() or chk.stdout.strip()).splitlines()
        raise Usage(f"FROM={o['from']}: not a trace to branch from: "
                    f"{why[-1] if why else f'trace check status {chk.returncode}'}")
    st = subprocess.run([tool, "stats", o["from"]], capture_output=True, text=True)
    first = st.stdout.splitlines()[0] if st.returncode == 0 and st.stdout else ""
    m = CPUS.search(first)
    if not m:
        raise Usage(f"FROM={o['from']}: trace stats names no CPU count ({first or st.stderr})")
    cpus = int(m.group(1))
    if given and o["smp"] != cpus:
        raise Usage(f"SMP={o['smp']}, but FROM={o['from']} was recorded on {cpus} CPUs: "
                    f"give SMP={cpus}")
    return cpus


FROM_K = {}   # set by main: {"k": n} when runs branch from a recording (FROM=)


def oracle_for(seed, depth):
    if FROM_K:
        return "replay"   # with replay_until=K in ARGS (parse_args)
    return f"script:pct:{depth}:{seed}" if seed % 2 == 0 else f"script:random:{seed}"


def shard_seeds(o):
    """The shard's seeds as a range: never a list of RUNS numbers."""
    i, n = o["shard"]
    lo, hi = (i - 1) * o["runs"] // n, i * o["runs"] // n
    return range(o["seed0"] + lo, o["seed0"] + hi)


# ---- one QEMU run ----------------------------------------------------------------------------

class Runner:
    """Boots QEMU; kill_all() ends every run in flight (used at the first failure)."""

    def __init__(self, o):
        self.o = o
        self.kernel = os.path.join(o["build"], "kernel.elf")
        self.procs = set()
        self.lock = threading.Lock()
        self.stopped = False

    def cmdline(self, oracle, record=False):
        return " ".join(w for w in [f"test={self.o['test']}", f"oracle={oracle}", self.o["args"],
                                    "record=1" if record else ""] if w)

    def qemu(self, cmdline, trace=None):
        accel = shlex.split(os.environ.get("ACCEL_FLAGS", "") or "-accel tcg")
        cmd = [os.environ.get("QEMU", "qemu-system-x86_64"), "-machine", "q35", "-m", "256M",
               "-smp", str(self.o["smp"]), "-nographic", "-no-reboot", "-nic", "none"] + accel + \
              ["-device", "isa-debug-exit,iobase=0xf4,iosize=0x04", "-serial", "stdio",
               "-monitor", "none"]
        if trace:
            cmd += ["-serial", f"file:{trace}"]   # COM2: where record=1 writes the trace
        if self.o["from"]:
            cmd += ["-initrd", self.o["from"]]    # the recording the runs branch from
        return cmd + ["-kernel", self.kernel, "-append", cmdline]

    def run(self, oracle, record=False, trace=None):
        """(status, log, secs): status is QEMU's exit status, 'timeout', or 'stopped'."""
        t0 = time.time()
        cmd = self.qemu(self.cmdline(oracle, record), trace)
        with self.lock:
            if self.stopped:
                return "stopped", "", 0.0
            try:
                p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, start_new_session=True)
            except OSError as e:
                return "error", f"cannot start {cmd[0]}: {e}\n", 0.0
            self.procs.add(p)
        try:
            out, _ = p.communicate(timeout=self.o["timeout"])
            status = p.returncode
        except subprocess.TimeoutExpired:
            p.kill()
            out, _ = p.communicate()
            status = "timeout"
        finally:
            if p.returncode is None:   # an exception on the way: no QEMU outlives its run
                p.kill()
                p.wait()
        with self.lock:
            self.procs.discard(p)
            if self.stopped and status != PASS_STATUS and status != FAIL_STATUS:
                status = "stopped"
        log = out.decode("utf-8", "replace").replace("\r\n", "\n")
        return status, log, time.time() - t0

    def kill_all(self):
        with self.lock:
            self.stopped = True
            for p in self.procs:
                try:
                    p.kill()
                except OSError:
                    pass


def verdict(status, log):
    """(kind, why): kind is pass, fail, unknown-test or skipped; why is the failure's
    signature: the first failing test line (with its first FAIL line), the panic message
    with its numbers blanked, 'timeout', or the QEMU status."""
    if NO_TEST.search(log):
        return "unknown-test", NO_TEST.search(log).group(0)
    m = TOTALS.search(log)
    if status == PASS_STATUS and m and int(m.group(2)) == 0:
        if int(m.group(1)) == 0 and SKIP.search(log):
            return "skipped", SKIP.search(log).group(0)
        return "pass", ""
    if status == "timeout":
        return "fail", "timeout"
    nok, fl, pm = NOT_OK.search(log), FAIL_LINE.search(log), PANIC.search(log)
    if nok:
        return "fail", nok.group(0).strip() + (f" ({fl.group(1)})" if fl else "")
    if pm:
        return "fail", "panic: " + re.sub(r"\d+", "N", pm.group(1).strip())
    if status == PASS_STATUS:
        return "fail", "status 33 without a clean KTAP total"
    return "fail", f"QEMU status {status}"


def digest_of(log):
    m = SUMMARY.findall(log)
    return m[-1][2] if m else None


# ---- progress ------------------------------------------------------------------------------

class Progress:
    def __init__(self, total):
        self.total, self.done, self.failures = total, 0, 0
        self.digests = set()
        self.t0 = time.time()
        self.tty = sys.stdout.isatty()
        self.next_tenth = 1

    def rate(self):
        mins = (time.time() - self.t0) / 60
        return self.done / mins if mins > 0 else 0.0

    def line(self):
        return (f"explore: {self.done}/{self.total} runs, {self.rate():.1f} runs/min, "
                f"{self.failures} failures, {len(self.digests)} distinct digests")

    def update(self, ok, digest):
        self.done += 1
        self.failures += not ok
        if digest:
            self.digests.add(digest)
        if self.tty:
            sys.stdout.write("\r" + self.line() + "\x1b[K")
            sys.stdout.flush()
        elif self.done * 10 >= self.next_tenth * self.total or self.done == self.total:
            while self.next_tenth * self.total <= self.done * 10:
                self.next_tenth += 1
            print(self.line(), flush=True)

    def end(self):
        if self.tty:
            sys.stdout.write("\n")
            sys.stdout.flush()


# ---- the campaign --------------------------------------------------------------------------

def make_var(name, v):
    return f"{name}={shlex.quote(v)}" if v else ""


def rerun_commands(o, seed, oracle):
    b = f"B={o['build']} " if o["build"] != "build" else ""
    if o["from"]:
        return rerun_from(o, seed, b)
    args = " ".join(w for w in [f"test={o['test']}", f"oracle={oracle}", o["args"]] if w)
    cmds = [f"make {b}qemu SMP={o['smp']} ARGS={shlex.quote(args)}"]
    if seed is not None:
        extra = " ".join(w for w in [make_var("ARGS", o["args"]),
                                     f"TIMEOUT={o['timeout']}" if o["timeout"] != 60 else ""] if w)
        cmds.append(f"make {b}explore TEST={o['test']} RUNS=1 SEED0={seed} SMP={o['smp']} "
                    f"DEPTH={o['depth']}" + (" " + extra if extra else ""))
    return cmds


def rerun_from(o, seed, b):
    """A FROM= run again: the recording as the module, its first K operations replayed
    (replay_until=K, in o["args"]), then free; or the same one-run campaign."""
    args = " ".join(w for w in [f"test={o['test']}", o["args"]] if w)
    extra = " ".join(w for w in [make_var("ARGS", o["user_args"]),
                                 f"TIMEOUT={o['timeout']}" if o["timeout"] != 60 else ""] if w)
    trace = shlex.quote(o["from"])
    return [f"make {b}replay TRACE={trace} SMP={o['smp']} ARGS={shlex.quote(args)}",
            f"make {b}explore TEST={o['test']} RUNS=1 SEED0={seed} SMP={o['smp']} "
            f"FROM={trace} K={o['k']}" + (" " + extra if extra else "")]


def save_failure(o, runner, seed, oracle, why, log):
    """Keep the failing run's log, record the same schedule again for its trace, and
    print what reproduces it."""
    os.makedirs(o["out"], exist_ok=True)
    stem = os.path.join(o["out"], f"{o['test']}-{oracle.replace(':', '-')}")
    with open(stem + ".log", "w") as f:
        f.write(log)
    print(f"explore: serial log: {stem}.log")
    trace, rlog_path = stem + ".trace", stem + ".record.log"
    if os.path.exists(trace):
        os.remove(trace)
    runner.stopped = False
    st, rlog, _ = runner.run(oracle, record=True, trace=trace)
    with open(rlog_path, "w") as f:
        f.write(rlog)
    _, rwhy = verdict(st, rlog)
    saved = re.search(r"^trace: saved", rlog, re.M) and os.path.getsize(trace) > 0 \
        if os.path.exists(trace) else False
    b = f"B={o['build']} " if o["build"] != "build" else ""
    if saved and rwhy == why:
        print(f"explore: trace: {trace} (the schedule run again with record=1 failed the same "
              f"way, digest {digest_of(rlog)}; its log: {rlog_path})")
        print(f"replay:  make {b}replay TRACE={trace}")
    elif saved:
        print(f"explore: trace: {trace}, but the run with record=1 ended otherwise: {rwhy} "
              f"(its log: {rlog_path}); its replay may not show the failure")
        print(f"replay:  make {b}replay TRACE={trace}")
    else:
        reason = ("the run timed out, and a hung kernel writes no trace" if st == "timeout" else
                  "the kernel wrote none (no 'trace: saved' line)")
        print(f"explore: no trace: the schedule run again with record=1 ({rlog_path}) "
              f"ended '{rwhy}'; {reason}; the re-run below is deterministic")
        if os.path.exists(trace) and os.path.getsize(trace) == 0:
            os.remove(trace)
    for i, c in enumerate(rerun_commands(o, seed, oracle)):
        print(("re-run:  " if i == 0 else "     or: ") + c)
    if oracle.startswith("script:"):
        extra = " " + make_var("ARGS", o["args"]) if o["args"] else ""
        print(f"shrink:  make {b}explore TEST={o['test']} SMP={o['smp']} SHRINK={oracle}{extra}")


def campaign(o):
    seeds = shard_seeds(o)
    i, n = o["shard"]
    if o["list_seeds"]:
        for s in seeds:
            print(s, oracle_for(s, o["depth"]))
        return 0
    shard = f" (shard {i}/{n})" if n > 1 else ""
    if not seeds:
        print(f"explore: shard {i}/{n} of {o['runs']} runs is empty: nothing to run")
        return 0
    if not os.path.exists(os.path.join(o["build"], "kernel.elf")):
        raise Usage(f"no kernel {o['build']}/kernel.elf (make B={o['build']} first)")
    jobs = min(o["jobs"], len(seeds))
    how = (f"from {o['from']}: its first {o['k']} ordered operations, then free (hw)"
           if o["from"] else f"pct depth {o['depth']} on even seeds, random on odd")
    print(f"explore: test={o['test']}{' ' + o['args'] if o['args'] else ''}, {len(seeds)} "
          f"runs{shard}, seeds {seeds[0]}..{seeds[-1]} ({how}), SMP={o['smp']}, "
          f"{jobs} at once", flush=True)
    runner = Runner(o)
    prog = Progress(len(seeds))
    results = {}   # seed -> (kind, why, log)
    cond = threading.Condition()
    todo = iter(seeds)
    first_bad = []
    errors = []   # a worker's exception: the campaign could not run, whatever else passed

    def worker():
        try:
            work()
        except BaseException as e:
            with cond:
                errors.append(str(e) or type(e).__name__)
            runner.kill_all()

    def work():
        while True:
            with cond:
                seed = next(todo, None)
                if seed is None or first_bad or errors:
                    return
            oracle = oracle_for(seed, o["depth"])
            st, log, _ = runner.run(oracle)
            if st == "stopped":
                return
            if st == "error":   # QEMU did not start: not a verdict on the schedule
                raise RuntimeError(log.strip())
            kind, why = verdict(st, log)
            with cond:
                results[seed] = (kind, why, log)
                if kind == "pass":
                    prog.update(True, digest_of(log))
                elif not first_bad:
                    first_bad.append(seed)
                    if kind == "fail":
                        prog.update(False, digest_of(log))
                    runner.kill_all()
                cond.notify_all()

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(jobs)]
    for t in threads:
        t.start()
    try:
        for t in threads:
            while t.is_alive():
                t.join(0.2)
    except KeyboardInterrupt:
        runner.kill_all()
        prog.end()
        print("explore: interrupted")
        return 130
    prog.end()
    if errors:
        print(f"explore: could not run the campaign: {errors[0]}", file=sys.stderr)
        return 2
    if first_bad:
        seed = first_bad[0]
        kind, why, log = results[seed]
        if kind == "unknown-test":
            raise Usage(f"TEST={o['test']}: the kernel knows no such test (it said: {why}); "
                        "the monitor's `test` command lists them (make qemu, then K> test)")
        if kind == "skipped":
            raise Usage(f"TEST={o['test']} was skipped at SMP={o['smp']}: {why}")
        oracle = oracle_for(seed, o["depth"])
        runs = f"{prog.done} run" + ("s" if prog.done != 1 else "")
        print(f"explore: FAIL after {runs}{shard}: seed {seed}, "
              f"oracle={oracle}: {why}")
        save_failure(o, runner, seed, oracle, why, log)
        return 1
    if len(results) != len(seeds):   # a pass needs every seed's verdict
        print(f"explore: could not run the campaign: {len(seeds) - len(results)} of "
              f"{len(seeds)} runs got no result", file=sys.stderr)
        return 2
    print(f"explore: all {prog.done} runs of {o['test']} passed{shard} (seeds {seeds[0]}.."
          f"{seeds[-1]}), {len(prog.digests)} distinct digests, {prog.rate():.1f} runs/min")
    return 0


# ---- shrinking -------------------------------------------------------------------------------

def seed_of(s, v):
    """A seed or step of schedule s: the kernel reads them as uint64_t."""
    n = whole_number(v, 0, SEED_MAX)
    if n is None:
        raise Usage(f"SHRINK={s}: {v} is more than 2^64-1 (seeds and steps are 64-bit)")
    return n


def parse_schedule(s):
    m = re.fullmatch(r"script:pct:([0-9]+):([0-9]+)(@(?:[1-9][0-9]*(?:,[1-9][0-9]*)*)?)?", s)
    if m:
        at = None if m.group(3) is None else \
            [seed_of(s, x) for x in m.group(3)[1:].split(",") if x]
        return "pct", (whole_number(m.group(1), 0, 999), seed_of(s, m.group(2)), at)
    # an entry: CPU, or CPU.K (that CPU's K-th waiting thread)
    m = re.fullmatch(r"script:list:([0-9]+(?:\.[0-9]+)?(?:,[0-9]+(?:\.[0-9]+)?)*)", s)
    if m:
        entries = m.group(1).split(",")
        if any(int(e.split(".")[0]) > 63 or int((e + ".0").split(".")[1]) > 255 for e in entries):
            raise Usage(f"SHRINK={s}: a list entry is CPU (0..63) or CPU.K (K 0..255)")
        return "list", entries
    m = re.fullmatch(r"script:random:([0-9]+)", s)
    if m:
        return "random", seed_of(s, m.group(1))
    if s == "script:rr":   # what an empty list runs (a list shrunk to nothing)
        return "list", []
    raise Usage(f"SHRINK={s}: want script:pct:DEPTH:SEED[@STEP,...] (STEP >= 1), "
                "script:random:SEED, script:list:CPU,CPU,... or script:rr")


CHANGES = re.compile(r"^oracle: pct change points: (\S+)\s*$", re.M)
SWITCHES = re.compile(r"^script: (\d+) steps, (\d+) cpu switches\s*$", re.M)


def switches(log):
    """The cpu switches the schedule made (the kernel's last word on it), or a big number."""
    m = SWITCHES.findall(log)
    return int(m[-1][1]) if m else 1 << 62


def delta_debug(cur, fails_same, render, units):
    """Delta debugging (ddmin's complements) over the decisions `cur`: drop one of n
    chunks, n = 2, 4, ... up to single entries, keeping a candidate only if it fails
    the same way.  The empty schedule is tried first."""
    if cur and fails_same([render([])]) is not None:
        print(f"explore: shrink: no {units[1]} at all still fails", flush=True)
        return []
    n = 2
    while len(cur) >= 2:
        size = -(-len(cur) // n)
        comps = [cur[:s] + cur[s + size:] for s in range(0, len(cur), size)]
        j = fails_same([render(c) for c in comps])
        if j is not None:
            cur = comps[j]
            n = max(n - 1, 2)
            print(f"explore: shrink: {len(cur)} {units[len(cur) != 1]} still fail", flush=True)
            continue
        if n >= len(cur):
            break
        n = min(len(cur), 2 * n)
    return cur


def shrink(o):
    kind, val = parse_schedule(o["shrink"])
    cpus = [int(e.split(".")[0]) for e in val] if kind == "list" else []
    if any(c >= o["smp"] for c in cpus):   # the kernel would pick another CPU instead
        raise Usage(f"SHRINK={o['shrink']}: CPU {max(cpus)} in the list, but SMP={o['smp']} "
                    f"has CPUs 0..{o['smp'] - 1}")
    if kind == "pct" and (val[0] is None or not 1 <= val[0] <= 64):
        raise Usage(f"SHRINK={o['shrink']}: DEPTH wants 1..64")
    if kind == "pct" and val[2] is not None and len(val[2]) > val[0] - 1:
        raise Usage(f"SHRINK={o['shrink']}: at most DEPTH-1 change points")
    if not os.path.exists(os.path.join(o["build"], "kernel.elf")):
        raise Usage(f"no kernel {o['build']}/kernel.elf (make B={o['build']} first)")
    runner = Runner(o)
    st, log, _ = runner.run(o["shrink"])
    k, why = verdict(st, log)
    if k == "unknown-test":
        raise Usage(f"TEST={o['test']}: the kernel knows no such test (it said: {why})")
    if k != "fail":
        print(f"explore: shrink: {o['shrink']} does not fail ({k}): nothing to shrink")
        return 2
    print(f"explore: shrink: {o['shrink']} fails: {why}", flush=True)
    tried = [1]
    logs = {o["shrink"]: log}
    if kind == "random":
        # The kernel printed the run's picks as a list: the same schedule, which delta
        # debugging can cut (if it fails the same way: preemptions draw on the seed).
        m = SCHEDULE.search(log)
        lst = m.group(2)[len("script:list:"):].split(",") if m else []
        if not m or len(lst) > LIST_MAX:
            print("explore: shrink: " + (f"its {len(lst)} picks are too many for a list "
                                         f"(max {LIST_MAX})" if m else
                                         "the run printed no 'script: schedule:' list") +
                  f"; smallest schedule that fails the same way: {o['shrink']}")
            return 1
        st, log2, _ = runner.run(m.group(2))
        tried[0] += 1
        k2, why2 = verdict(st, log2)
        if k2 != "fail" or why2 != why:
            print(f"explore: shrink: its {len(lst)} picks as a list end otherwise ({why2 or k2})"
                  f"; smallest schedule that fails the same way: {o['shrink']}")
            return 1
        print(f"explore: shrink: as a list of its {len(lst)} picks it fails the same way: "
              f"{m.group(2)}", flush=True)
        kind, val = "list", lst
        logs[m.group(2)] = log2

    def fails_same(oracles):
        """Run candidates JOBS at a time; of the first batch with a candidate that fails
        the same way, the index of the one that made the fewest cpu switches."""
        oracles = oracles[:max(0, o["budget"] - tried[0])]
        for lo in range(0, len(oracles), o["jobs"]):
            batch = oracles[lo:lo + o["jobs"]]
            out = [None] * len(batch)

            def one(j):
                s, lg, _ = runner.run(batch[j])
                out[j] = verdict(s, lg) + (lg,)
            ts = [threading.Thread(target=one, args=(j,)) for j in range(len(batch))]
            for t in ts:
                t.start()
            for t in ts:
                t.join()
            tried[0] += len(batch)
            same = [j for j, (kk, w, _) in enumerate(out) if kk == "fail" and w == why]
            if same:
                j = min(same, key=lambda j: (switches(out[j][2]), j))
                logs[batch[j]] = out[j][2]
                return lo + j
        return None

    if kind == "pct":
        # Fewer preemptions first: a smaller depth with the same seed (a search: another
        # depth is another schedule), then delta debugging over the change points of the
        # schedule that failed, which the kernel prints (oracle: pct change points: ...).
        depth, seed, at = val
        best = o["shrink"]
        if at is None:
            cands = [f"script:pct:{d}:{seed}" for d in range(1, depth)]
            j = fails_same(cands)
            best = cands[j] if j is not None else best
        m = CHANGES.search(logs.get(best, ""))
        if m and parse_schedule(m.group(1))[1][2]:
            d, sd, points = parse_schedule(m.group(1))[1]

            def render(c):
                return f"script:pct:{d}:{sd}@" + ",".join(map(str, c))
            best = render(delta_debug(points, fails_same, render,
                                      ("change point", "change points")))
    else:
        def render(c):  # an empty list is round robin from the start
            return "script:list:" + ",".join(map(str, c)) if c else "script:rr"
        cur = delta_debug(val, fails_same, render, ("entry", "entries"))
        best = render(cur)
        print(f"explore: shrink: {len(cur)} of {len(val)} entries", flush=True)
    if best in logs and SWITCHES.search(logs[best]):
        print(f"explore: shrink: {best} makes {switches(logs[best])} cpu switches")
    print(f"explore: shrink: {tried[0]} runs; smallest schedule that fails the same way: {best}")
    for i, c in enumerate(rerun_commands(o, None, best)):
        print(("re-run:  " if i == 0 else "     or: ") + c)
    return 1


def main(argv):
    try:
        o = parse_args(argv)
        if o["from"]:
            FROM_K["k"] = o["k"]
        return shrink(o) if o["shrink"] else campaign(o)
    except Usage as e:
        usage_error(str(e))


if __name__ == "__main__":
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    run_main("explore", lambda: main(sys.argv[1:]))
