"""The trace loader under libFuzzer (tools/fuzz.mk, tools/fuzz/trace_fuzz.c): the regression
corpus (tests/data/trace-fuzz/, every input a campaign found a bug with) and the seeds replay
cleanly through both sanitized harnesses (the second also runs the trace tool's commands on what
loads), the regression corpus through `trace check`, and a bounded campaign from the real seeds
finds nothing.  The long campaign (10^6 inputs) is `make fuzz`: docs/trace-format.md."""
import glob
import os
import re
import shutil
import tempfile

from harness import run_cmd

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REGRESS = sorted(glob.glob(os.path.join(ROOT, "tests", "data", "trace-fuzz", "*")))
KERNEL_SEEDS = sorted(glob.glob(os.path.join(ROOT, "tests", "data", "trace-seeds", "*")))
# ~10 s at the rate measured here (about 20000 inputs/s on one core); the time limit bounds a
# slow machine.  Fewer runs missed a removed bounds check (docs/trace-format.md).
CI_RUNS = 200000
CI_SECONDS = 30
MIN_RUNS = 20000    # what even a loaded machine must get through in CI_SECONDS


def make(build, *args, timeout=900):
    return run_cmd(["make", "-j2", "--no-print-directory", f"B={build}", *args], timeout=timeout,
                   cwd=ROOT)


def clean_run(out):
    """No crash, leak, sanitizer report, timeout or memory blow-up in libFuzzer's output."""
    return not re.search(r"^(==\d+==ERROR|SUMMARY: |trace_fuzz: |stream_fuzz: |ERROR: libFuzzer)",
                         out, re.M)


def fuzzers_built(res, name, build):
    if not shutil.which("clang"):
        res.skip(name, "needs clang with libFuzzer (make deps installs clang and "
                 "libclang-rt-14-dev)")
        return False
    st, out = make(build, "fuzz-build")
    if st != 0:
        res.record(name + ":build", False, f"status {st}: {out[-800:]}")
    return st == 0


def campaign(res, name, build, target):
    """A bounded campaign from the seeds, in a corpus of its own, seeded for repeatability."""
    with tempfile.TemporaryDirectory() as corpus:
        st, out = make(build, target, f"FUZZ_RUNS={CI_RUNS}", f"FUZZ_SECONDS={CI_SECONDS}",
                       "FUZZ_SEED=1", f"FUZZ_CORPUS={corpus}", timeout=CI_SECONDS + 120)
    m = re.search(r"^stat::number_of_executed_units: *(\d+)", out, re.M)
    runs = int(m.group(1)) if m else 0
    crash = re.search(r"Test unit written to (\S+)", out)
    res.record(name + ":campaign", st == 0 and clean_run(out) and runs >= MIN_RUNS,
               f"status {st}, {runs} runs" + (f", reproducer {crash.group(1)}" if crash else "")
               + f": {out[-2500:]}")


def fuzz_trace(res, build):
    name = "tools:trace-fuzz"
    if not fuzzers_built(res, name, build):
        return
    fuzzer = os.path.join(build, "fuzz", "trace_fuzz")
    trace = os.path.join(build, "host", "trace")

    # The regression corpus and the seeds (real recordings): once each through the
    # harnesses (sanitized loader, every property; the trace tool's commands on what
    # loads), and the regression corpus through the real tool: a message and exit 1, or a
    # valid trace.
    seeds = sorted(glob.glob(os.path.join(build, "fuzz", "seeds", "*.trc")))
    for binary in (fuzzer, fuzzer + "_tools"):
        st, out = run_cmd([binary, *REGRESS, *seeds], timeout=120)
        res.record(f"{name}:regression-corpus:{os.path.basename(binary)}",
                   bool(REGRESS) and st == 0 and clean_run(out) and
                   f"Running {len(REGRESS) + len(seeds)} inputs" in out,
                   f"status {st}, {len(REGRESS) + len(seeds)} files: {out[-1500:]}")
    bad = []
    for f in REGRESS:
        st, out = run_cmd([trace, "check", f], timeout=30)
        if not (st == 0 or (st == 1 and out.startswith(f + ": ") and len(out.splitlines()) == 1)):
            bad.append(f"{os.path.basename(f)}: status {st}: {out[-300:]}")
    res.record(name + ":regression-corpus-trace-check", not bad, "\n".join(bad))
    # The kernel seed must stay a valid trace, or the campaign starts from a rejected file:
    # record it again when kernel types change (docs/trace-format.md says how).
    for f in KERNEL_SEEDS:
        st, out = run_cmd([trace, "check", f], timeout=30)
        res.record(f"{name}:seed-valid:{os.path.basename(f)}", st == 0, f"status {st}: {out}")

    campaign(res, name, build, "fuzz")


STREAM_SEEDS = sorted(glob.glob(os.path.join(ROOT, "tests", "data", "stream-seeds", "*")))


def fuzz_stream(res, build):
    """The live-stream reader (`trace stream-check`) under libFuzzer (tools/fuzz/stream_fuzz.c):
    the real kernel streams it starts from are still valid, and a bounded campaign from them,
    resealing most mutations so that they reach the record parsers, finds nothing."""
    name = "tools:stream-fuzz"
    if not fuzzers_built(res, name, build):
        return
    trace = os.path.join(build, "host", "trace")
    # A number libFuzzer would misread (as 0 runs, or for ever): a usage error.
    for arg in ("FUZZ_RUNS=abc", "FUZZ_RUNS=-5", "FUZZ_RUNS=0", "FUZZ_SECONDS=1e3"):
        st, out = make(build, "fuzz-stream", arg, timeout=120)
        res.record(f"{name}:usage-error:{arg}", st == 2 and "want " in out and
                   "Running" not in out and "INFO: Seed" not in out,
                   f"status {st}: {out[-600:]}")
    for f in STREAM_SEEDS:
        st, out = run_cmd([trace, "stream-check", "--quiet", f], timeout=30)
        # A seed may be a killed run's stream (no END block: status 1, said so).
        ok = st == 0 or (st == 1 and "no END block" in out and "at byte" not in out)
        res.record(f"{name}:seed-valid:{os.path.basename(f)}", ok, f"status {st}: {out}")
    campaign(res, name, build, "fuzz-stream")


def groups(build):
    return [("tools:trace-fuzz", lambda res: fuzz_trace(res, build)),
            ("tools:stream-fuzz", lambda res: fuzz_stream(res, build))]
