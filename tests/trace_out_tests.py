"""The trace tool's messages and output files (tools/trace_out.c): a failed write costs the user no
file (a device stays, a symlink stays, an old file stays as it was), an output that is
also an input is refused before anything is written, and a write error on standard
output is an error (exit 2), never a silent exit 0."""
import hashlib
import os
import stat
import subprocess
import tempfile

from harness import run_cmd

TRACE_EXIT_IO = 2


def sha(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def outputs(res, build):
    tool = os.path.join(build, "host", "trace")
    with tempfile.TemporaryDirectory() as tmp:
        trc = os.path.join(tmp, "t.trc")
        st, out = run_cmd([tool, "record", "counter2", "script:rr", trc], 60)
        if st != 0:
            res.record("tools:trace-out:setup", False, f"trace record: {st}: {out}")
            return
        full = os.path.join(tmp, "full")
        os.symlink("/dev/full", full)
        for what, argv in (("timeline-json", ["timeline", trc, "--json", full]),
                           ("timeline-html", ["timeline", trc, "--html", full]),
                           ("record", ["record", "counter2", "script:rr", full])):
            st, out = run_cmd([tool] + argv, 60)
            kept = os.path.islink(full) and stat.S_ISCHR(os.stat("/dev/full").st_mode)
            res.record(f"tools:trace-out:device-kept:{what}",
                       st == TRACE_EXIT_IO and "No space left on device" in out and kept,
                       f"status {st}: {out[-300:]}; symlink and /dev/full kept: {kept}")
        before = sha(trc)
        st, out = run_cmd([tool, "timeline", trc, "--json", trc], 60)
        res.record("tools:trace-out:input-refused",
                   st == TRACE_EXIT_IO and "is also an input of this command" in out
                   and sha(trc) == before, f"status {st}: {out[-300:]}")
        # A new output appears whole, with a new file's mode, and no temporary left.
        js = os.path.join(tmp, "t.json")
        st, out = run_cmd([tool, "timeline", trc, "--json", js], 60)
        left = [f for f in os.listdir(tmp) if ".tmp-" in f]
        mode = stat.S_IMODE(os.stat(js).st_mode) if os.path.exists(js) else None
        umask = os.umask(0)
        os.umask(umask)
        res.record("tools:trace-out:written-whole",
                   st == 0 and not left and mode == 0o666 & ~umask,
                   f"status {st}; mode {mode and oct(mode)}; temporaries left: {left}")
        # In place, never renamed over: a hard-linked file keeps its links, a dangling
        # symlink gets its target written, /dev/stdout into a file is that file.
        keep = os.path.join(tmp, "keep.json")
        with open(keep, "w") as f:
            f.write("old")
        os.link(keep, os.path.join(tmp, "hard.json"))
        st1, _ = run_cmd([tool, "timeline", trc, "--json", os.path.join(tmp, "hard.json")], 60)
        os.symlink("target.json", os.path.join(tmp, "dangling.json"))
        st2, _ = run_cmd([tool, "timeline", trc, "--json", os.path.join(tmp, "dangling.json")],
                         60)
        so = os.path.join(tmp, "so.json")
        with open(so, "w") as f:
            p = subprocess.run([tool, "timeline", trc, "--json", "/dev/stdout"], stdout=f,
                               stderr=subprocess.PIPE, timeout=60)
        with open(keep) as f:
            linked = f.read().rstrip().endswith("]}") and os.stat(keep).st_nlink == 2
        with open(so) as f:
            so_text = f.read()
        res.record("tools:trace-out:in-place",
                   st1 == 0 and linked and st2 == 0
                   and os.path.islink(os.path.join(tmp, "dangling.json"))
                   and os.path.getsize(os.path.join(tmp, "target.json")) > 0
                   and p.returncode == 0 and "timeline: wrote /dev/stdout" in so_text
                   and '"traceEvents"' in so_text,
                   f"hard link {st1} kept {linked}; dangling {st2}; /dev/stdout {p.returncode}")
        st, out = decode_to_full(tool, trc)
        res.record("tools:trace-out:stdout-error", st == TRACE_EXIT_IO
                   and "standard output: No space left on device" in out,
                   f"status {st}: {out[-300:]}")


def decode_to_full(tool, trc):
    """trace decode with standard output on /dev/full: (status, stderr)."""
    with open("/dev/full", "w") as full:
        p = subprocess.run([tool, "decode", trc], stdout=full, stderr=subprocess.PIPE,
                           timeout=60)
    return p.returncode, p.stderr.decode("utf-8", "replace")


def messages(res, build):
    """Usage errors name what the user gave, where they gave it."""
    tool = os.path.join(build, "host", "trace")
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "x.trc")
        trc = os.path.join(tmp, "c.trc")
        run_cmd([tool, "record", "counter2", "script:rr", trc], 60)
        for name, argv, says in (
                ("list-cpu", ["record", "counter4-mcs", "script:list:9,9", out],
                 "record: ORACLE script:list:9,9: names cpu 9, the run has 4 CPUs"),
                ("pct-no-seed", ["record", "counter4-mcs", "script:pct:3", out],
                 "script:pct:DEPTH:SEED: the SEED is missing"),
                ("pct-depth", ["record", "counter4-mcs", "script:pct:99:1", out],
                 "wants DEPTH 1..64"),
                ("alter-no-window", ["alter", trc, "ctr.0:0", out],
                 "ctr.0 keeps all its 6 events in full")):
            st, text = run_cmd([tool] + argv, 60)
            res.record(f"tools:trace-messages:{name}", st == 2 and says in text
                       and "--oracle" not in text and not os.path.exists(out),
                       f"status {st}: {text[-400:]}")


def host_tools_stdout(res, build):
    """Every host tool (host/cli.c): a write error on standard output exits 2."""
    for argv in (["stress", "--threads=2", "--ops=100", "--lock=ticket"],
                 ["explore", "--test=counter2", "--schedules=2"]):
        with open("/dev/full", "w") as full:
            p = subprocess.run([os.path.join(build, "host", argv[0])] + argv[1:], stdout=full,
                               stderr=subprocess.PIPE, timeout=60)
        err = p.stderr.decode("utf-8", "replace")
        res.record(f"tools:trace-out:stdout-error:{argv[0]}",
                   p.returncode == 2 and "standard output: No space left on device" in err,
                   f"status {p.returncode}: {err[-300:]}")


def groups(build):
    return [("tools:trace-out", lambda res: outputs(res, build)),
            ("tools:trace-out-host", lambda res: host_tools_stdout(res, build)),
            ("tools:trace-messages", lambda res: messages(res, build))]
