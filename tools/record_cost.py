#!/usr/bin/env python3
"""What recording costs (docs/record-replay.md, "Cost"): the IPC + lock stress under
oracle=hw at SMP 4 on multi-threaded TCG, in four configurations run alternately
(ROUNDS rounds, medians), from the kernel's own `bench: ipc_stress took N ms` line:

  nolog    a kernel built with LOG=off (logging compiled out: the baseline)
  log      the normal kernel, not recording
  record   record=1 stream=0 (order stream and short hashes kept, no live stream)
  stream   record=1 (the live stream into the RAM region, guest RAM in a host file)

then ROUNDS recordings each replayed at once (bench_time=1: the same bench line under
oracle=replay; always on multi-threaded TCG), and the trace's and the stream's bytes per
event (of the last recording of the four configurations).

--icount: single-threaded TCG with -icount shift=0, so that guest time is instructions
executed (1 ns each): the run times then count the work recording adds, whatever else
the host is doing (a loaded machine makes multi-threaded TCG's wall times vary 3x).

  tools/record_cost.py [--build build] [--nolog build-nolog] [--msgs 1000] [--words 8]
                       [--rounds 3] [--icount]

--msgs and --words are the kernel's ipc_msgs= (1..16777215) and ipc_words= (1..1024);
the build directories default to the repository's.  Needs both kernels built:
make && make B=build-nolog LOG=off build-nolog/kernel.elf.
Exit: 0 measured; 1 a run failed; 2 usage, no kernel, or stdout could not be written.
"""
import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile

from cliutil import ROOT, int_arg, repo_path, run_main
sys.path.insert(0, os.path.join(ROOT, "tests"))
from harness import qemu_cmd, qemu_run  # noqa: E402

BENCH = re.compile(r"^bench: ipc_stress took (\d+) ms", re.M)
SUMMARY = re.compile(r"^logs: (\d+) objects, (\d+) events, digest ([0-9a-f]{16})$", re.M)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", default=repo_path("build"))
    ap.add_argument("--nolog", default=repo_path("build-nolog"))
    # The kernel's bounds (tests/kernel/ktest_ipc.c): a message's seq has 24 bits, a
    # message at most CHAN_MAX_WORDS words; beyond them the run fails after the boot.
    ap.add_argument("--msgs", type=int_arg(1, 0xffffff), default=1000)
    ap.add_argument("--words", type=int_arg(1, 1024), default=8)
    ap.add_argument("--rounds", type=int_arg(1, 1000), default=3)
    ap.add_argument("--icount", action="store_true")
    a = ap.parse_args()
    for k in (a.build, a.nolog):
        if not os.path.exists(os.path.join(k, "kernel.elf")):
            print(f"record_cost: no {k}/kernel.elf (see --help)", file=sys.stderr)
            return 2
    tmp = tempfile.mkdtemp(prefix="record-cost.")
    ram = os.path.join("/dev/shm" if os.path.isdir("/dev/shm") else tmp, f"rc-{os.getpid()}.ram")
    try:
        return measure(a, tmp, ram)
    finally:   # ~10 MB of traces and a 256 MiB guest RAM file, whatever happened
        shutil.rmtree(tmp, ignore_errors=True)
        if os.path.exists(ram):
            os.remove(ram)


def measure(a, tmp, ram):
    """The runs and the table; tmp holds the trace and stream, ram the guest RAM file."""
    stress = f"test=ipc_stress ipc_msgs={a.msgs} ipc_words={a.words}"
    icount = ["-icount", "shift=0"] if a.icount else []
    trace, stream = os.path.join(tmp, "trace.bin"), os.path.join(tmp, "stream.bin")
    ramx = ["-object", f"memory-backend-file,id=ram0,size=256M,mem-path={ram},share=on",
            "-machine", "memory-backend=ram0"]
    configs = {
        "nolog": (a.nolog, stress, []),
        "log": (a.build, stress, []),
        "record": (a.build, stress + " record=1 stream=0", ["-serial", f"file:{trace}"]),
        "stream": (a.build, stress + " record=1", ["-serial", f"file:{trace}"] + ramx),
    }
    ms = {k: [] for k in configs}
    events = 0
    for r in range(a.rounds):
        for k, (b, args, extra) in configs.items():
            st, log, _ = qemu_run(qemu_cmd(os.path.join(b, "kernel.elf"), smp=4, args=args,
                                              extra=extra + icount, single_thread=a.icount),
                                     600)
            m, s = BENCH.search(log), SUMMARY.search(log)
            if st != 33 or not m:
                print(f"record_cost: {k} round {r}: status {st}\n{log[-2000:]}", file=sys.stderr)
                return 1
            ms[k].append(int(m.group(1)))
            print(f"round {r} {k:7} {m.group(1):>6} ms  ({s and s.group(2)} events)", flush=True)
            if k == "stream":
                events = int(s.group(2))
                x = subprocess.run([os.path.join(a.build, "host", "trace"), "stream-extract",
                                    ram, stream], stdout=subprocess.DEVNULL)
                os.remove(ram)
                if x.returncode != 0:
                    print(f"record_cost: {k} round {r}: trace stream-extract failed "
                          f"(status {x.returncode})", file=sys.stderr)
                    return 1
    trace_bytes, stream_bytes = os.path.getsize(trace), os.path.getsize(stream)
    # Replay against record: each round records the stress (live stream on) and
    # replays it at once, on multi-threaded TCG even with --icount (a replay's waits for
    # its turn would count as guest instructions there, on one host thread), from the
    # same bench line (bench_time=1 under replay).
    ratios = []
    for r in range(a.rounds):
        st, log, _ = qemu_run(qemu_cmd(os.path.join(a.build, "kernel.elf"), smp=4,
                                       args=stress + " record=1",
                                       extra=["-serial", f"file:{trace}"] + ramx), 600)
        if os.path.exists(ram):
            os.remove(ram)
        m, s = BENCH.search(log), SUMMARY.search(log)
        if st != 33 or not m or not s:
            print(f"record_cost: recording {r}: status {st}\n{log[-2000:]}", file=sys.stderr)
            return 1
        rec_ms, recorded = int(m.group(1)), s.group(3)
        st, log, _ = qemu_run(qemu_cmd(os.path.join(a.build, "kernel.elf"), smp=4,
                                       args=stress + " oracle=replay bench_time=1",
                                       extra=["-initrd", trace]), 600)
        s, m = SUMMARY.search(log), BENCH.search(log)
        if st != 33 or not s or s.group(3) != recorded or not m:
            print(f"record_cost: replay {r}: status {st}\n{log[-2000:]}", file=sys.stderr)
            return 1
        ratios.append((int(m.group(1)) / rec_ms, int(m.group(1)), rec_ms))
        print(f"replay {r}: {m.group(1)} ms, its recording {rec_ms} ms "
              f"(multi-threaded TCG)", flush=True)
    med = {k: statistics.median(v) for k, v in ms.items()}
    how = "single-threaded TCG, -icount shift=0" if a.icount else "multi-threaded TCG"
    print(f"\nIPC + lock stress, {stress}, SMP 4, {how}, {a.rounds} rounds, medians:")
    print("| configuration | run time (ms) | / nolog |")
    print("| --- | --- | --- |")
    for k in configs:
        print(f"| {k} | {med[k]:.0f} ({', '.join(map(str, ms[k]))}) | {med[k] / med['nolog']:.2f}x |")
    print("replay / record (multi-threaded TCG, each replay against its own recording): "
          + ", ".join(f"{p} / {q} ms" for _, p, q in ratios)
          + f"; median {statistics.median(x for x, _, _ in ratios):.2f}x")
    print(f"trace: {trace_bytes} bytes, {events} events: {trace_bytes / events:.2f} bytes per "
          "event")
    print(f"stream: {stream_bytes} bytes: {stream_bytes / events:.2f} bytes per event")
    return 0


if __name__ == "__main__":
    run_main("record_cost", main)
