#!/usr/bin/env python3
"""Where a kernel run's guest instructions go, per function (docs/profiling.md).

  tools/qprof.py run [--build build] [--kernel K] [--smp 4] [--top 30] [--out F.prof]
                     [--timeout 600] ARGS...
      boot K (default BUILD/kernel.elf) with the command line ARGS under
      single-threaded TCG with -icount shift=0 and the qprof plugin
      (BUILD/host/qprof.so), which counts every translated block's executions;
      write the profile to F.prof and print the top functions.
  tools/qprof.py show F.prof [--top 30]
  tools/qprof.py diff A.prof B.prof [--top 30]
      per function, B's instructions minus A's (each against its own kernel's
      symbols, kept in the profile when it was taken): what a change or a
      configuration adds, and where.

Under -icount one instruction is one nanosecond of guest time, and the count does
not depend on what else the host runs: the same kernel and command line give the
same counts per kernel function (at SMP 1 exactly; with more CPUs, as far as the run
is deterministic); the firmware's timer polling varies by a few dozen instructions.
A block's instructions go to the function whose symbol precedes its address; a
function's .cold part is counted with the function.

Exit: 0 profile written of a run that passed (or shown); 1 the kernel run failed (its
profile is written all the same), QEMU wrote none, or a file given is not a readable
profile; 2 usage (--out not writable among them), or stdout could not be written.
"""
import argparse
import bisect
import collections
import os
import subprocess
import sys
import tempfile

from cliutil import ROOT, int_arg, repo_path, run_main
sys.path.insert(0, os.path.join(ROOT, "tests"))
from harness import PASS_STATUS, qemu_cmd, qemu_run  # noqa: E402

HEADER = "# qprof "


def symbols(kernel):
    """Sorted (address, function) of the kernel's text symbols."""
    out = subprocess.run(["nm", "-n", "--defined-only", kernel], capture_output=True,
                         text=True)
    if out.returncode != 0:
        raise SystemExit(f"qprof: nm {kernel}: {out.stderr.strip()}")
    syms = []
    for line in out.stdout.splitlines():
        f = line.split()
        if len(f) == 3 and f[1] in "tTwW":
            syms.append((int(f[0], 16), f[2].split(".")[0]))
    return syms


def load(path):
    """(kernel, command line, Counter function -> instructions) of a profile file."""
    try:
        with open(path) as f:
            lines = f.read().splitlines()
    except OSError as e:
        raise SystemExit(f"qprof: {path}: {e.strerror}")
    except UnicodeDecodeError:   # a binary file (a kernel, a trace): a profile is text
        raise SystemExit(f"qprof: {path}: not a profile written by 'tools/qprof.py run' "
                         "(not text)")
    if not lines or not lines[0].startswith(HEADER) or " args=" not in lines[0]:
        raise SystemExit(f"qprof: {path}: not a profile written by 'tools/qprof.py run'")
    kernel, args = lines[0][len(HEADER):].split(" args=", 1)
    kernel = kernel.removeprefix("kernel=")
    # The kernel's symbols as they were when it ran (the file keeps them: the
    # kernel is usually rebuilt in place before the next profile is taken).
    syms = []
    n = 1
    for n in range(1, len(lines)):
        if not lines[n].startswith("S "):
            break
        f = lines[n].split()
        try:
            syms.append((int(f[1], 16), f[2]))
        except (IndexError, ValueError):
            raise SystemExit(f"qprof: {path}: line {n + 1}: not 'S address name'")
    else:
        n = len(lines)
    if not syms:
        raise SystemExit(f"qprof: {path}: no symbols in it")
    addrs = [a for a, _ in syms]
    etext = next((a for a, n in syms if n == "_etext"), None)
    per = collections.Counter()
    for k, line in enumerate(lines[n:], n + 1):
        f = line.split()
        try:
            pc, insns, runs = int(f[0], 16), int(f[1]), int(f[2])
        except (IndexError, ValueError):
            raise SystemExit(f"qprof: {path}: line {k}: not 'address instructions runs'")
        i = bisect.bisect_right(addrs, pc) - 1
        if i < 0:
            name = "(below the kernel: firmware, the AP start-up code)"
        elif etext is not None and pc >= etext:
            name = "(above the kernel's text: firmware, user programs, guests)"
        else:
            name = syms[i][1]
        per[name] += insns * runs
    return kernel, args, per


def table(per, top):
    total = sum(per.values())
    print(f"{total:>14,d}  100.0%  total guest instructions")
    for name, n in per.most_common(top):
        print(f"{n:>14,d}  {100 * n / total if total else 0:5.1f}%  {name}")


def unwritable(path):
    """Why the profile cannot be written to path, or None."""
    if os.path.isdir(path):
        return "a directory, not a file"
    d = os.path.dirname(path) or "."
    if not os.path.isdir(d):
        return f"no directory {d}"
    if not os.access(path if os.path.exists(path) else d, os.W_OK):
        return "not writable"
    return None


def cmd_run(a):
    kernel = a.kernel or os.path.join(a.build, "kernel.elf")
    plugin = os.path.join(a.build, "host", "qprof.so")
    for p, what in ((kernel, "kernel"), (plugin, "plugin (make builds it)")):
        if not os.path.exists(p):
            print(f"qprof: no {what} at {p}", file=sys.stderr)
            return 2
    args = " ".join(a.args)
    out = a.out or os.path.join(a.build, "qprof.prof")
    why = unwritable(out)
    if why:   # before the run, which may take minutes
        print(f"qprof: --out {out}: {why}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        raw = os.path.join(tmp, "blocks")
        # A second serial port, so that a recording (record=1) can write its trace.
        extra = ["-icount", "shift=0", "-plugin", f"{os.path.abspath(plugin)},out={raw}",
                 "-serial", "null"]
        st, log, secs = qemu_run(qemu_cmd(kernel, smp=a.smp, args=args, extra=extra,
                                          single_thread=True), a.timeout)
        if not os.path.exists(raw):
            print(f"qprof: QEMU wrote no profile (status {st}); its output ends:\n"
                  f"{log[-1500:]}", file=sys.stderr)
            return 1
        with open(raw) as f, open(out, "w") as g:
            g.write(f"{HEADER}kernel={os.path.abspath(kernel)} args={args}\n")
            g.writelines(f"S {a:x} {name}\n" for a, name in symbols(kernel))
            g.write(f.read())
    print(f"qprof: {out} (kernel status {st}, {secs:.1f} s)")
    table(load(out)[2], a.top)
    if st != PASS_STATUS:
        print(f"qprof: the kernel run failed (QEMU status {st}, {PASS_STATUS} is a pass): "
              f"the profile above is of that run; its output ends:\n{log[-1500:]}",
              file=sys.stderr)
        return 1
    return 0


def cmd_show(a):
    kernel, args, per = load(a.prof)
    print(f"qprof: {a.prof}: {kernel} {args}")
    table(per, a.top)
    return 0


def cmd_diff(a):
    ka, aa, pa = load(a.a)
    kb, ab, pb = load(a.b)
    ta, tb = sum(pa.values()), sum(pb.values())
    print(f"A: {ka} {aa}\nB: {kb} {ab}")
    print(f"{tb - ta:>+14,d}  {ta:>14,d}  {tb:>14,d}  total")
    delta = {k: pb[k] - pa[k] for k in set(pa) | set(pb)}
    for k in sorted(delta, key=lambda k: (-abs(delta[k]), k))[:a.top]:
        if delta[k]:
            print(f"{delta[k]:>+14,d}  {pa[k]:>14,d}  {pb[k]:>14,d}  {k}")
    return 0


TOP = int_arg(1, 10**6)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("--build", default=repo_path("build"))
    r.add_argument("--kernel")
    r.add_argument("--smp", type=int_arg(1, 64), default=4)
    r.add_argument("--top", type=TOP, default=30)
    r.add_argument("--out")
    r.add_argument("--timeout", type=int_arg(1, 86400), default=600)
    r.add_argument("args", nargs="+", help="the kernel command line, e.g. test=ipc_stress")
    s = sub.add_parser("show")
    s.add_argument("prof")
    s.add_argument("--top", type=TOP, default=30)
    d = sub.add_parser("diff")
    d.add_argument("a")
    d.add_argument("b")
    d.add_argument("--top", type=TOP, default=30)
    a = ap.parse_args()
    return {"run": cmd_run, "show": cmd_show, "diff": cmd_diff}[a.cmd](a)


if __name__ == "__main__":
    run_main("qprof", main)
