"""Host tool tests: explore finds a deliberately broken lock and prints a
replay command that reproduces the failure every time; stress keeps log
memory bounded and its hw recording replays to identical hashes; every tool
turns bad arguments into a usage error; the trace tool's check and diff."""
import os
import re
import shlex
import struct
import subprocess
import tempfile
import zlib

from harness import run_cmd


def tool(build, name):
    return os.path.join(build, "host", name)


def explore_broken(res, build):
    name = "tools:explore-catches-broken-lock"
    st, out = run_cmd([tool(build, "explore-broken"), "--test=counter2", "--schedules=10000",
                       "--seed=1000"], timeout=300)
    m = re.search(r"^FAIL after (\d+) schedule\(s\).*?: (.*)$", out, re.M)
    cmd = re.search(r"^replay: (.*)$", out, re.M)
    ok = st == 1 and m and int(m.group(1)) <= 10000 and cmd
    res.record(name, bool(ok), f"status {st}: {out[-400:]}")
    if not ok:
        return
    argv = shlex.split(cmd.group(1))
    same = 0
    for _ in range(20):
        st2, out2 = run_cmd(argv, timeout=60)
        same += st2 == 1 and re.search(r"^FAIL .*: " + re.escape(m.group(2)) + "$", out2,
                                       re.M) is not None
    res.record("tools:explore-replay-command-reproduces-20-of-20", same == 20,
               f"{same} of 20 reproduced '{m.group(2)}' with {cmd.group(1)}")


def explore_clean(res, build):
    st, out = run_cmd([tool(build, "explore"), "--test=counter2", "--schedules=10000"],
                      timeout=300)
    res.record("tools:explore-correct-lock-10000-schedules-clean",
               st == 0 and "no failure" in out, f"status {st}: {out[-400:]}")
    # Check mode: every append recomputes the state from the checkpoint and compares.
    for test in ("counter3", "counter4-mcs"):
        st, out = run_cmd([tool(build, "explore"), f"--test={test}", "--schedules=300",
                           "--check"], timeout=300)
        res.record(f"tools:explore-{test}-check-mode-clean", st == 0 and "no failure" in out,
                   f"status {st}: {out[-400:]}")


MEM = re.compile(r"^log memory: (\d+) bytes", re.M)


def stress_bounded(res, build):
    sizes = {}
    for ops in (20000, 2000000):
        st, out = run_cmd([tool(build, "stress"), "--threads=2", f"--ops={ops}", "--objs=2"],
                          timeout=300)
        m = MEM.search(out)
        if st != 0 or not m or "ok: counters and plain totals agree" not in out:
            res.record("tools:stress-log-memory-bounded", False, f"status {st}: {out[-400:]}")
            return
        sizes[ops] = int(m.group(1))
    res.record("tools:stress-log-memory-bounded", sizes[20000] == sizes[2000000],
               f"log memory by operations: {sizes}")


def stress_record_replay(res, build):
    st, out = run_cmd([tool(build, "stress"), "--threads=2", "--ops=200000", "--objs=4",
                       "--lock=mcs", "--record-replay", "--check"], timeout=300)
    rows = re.findall(r"recorded ([0-9a-f]+)\s+replayed ([0-9a-f]+)\s+(\S+)", out)
    # 4 counters, their 4 locks and the registry
    ok = st == 0 and len(rows) == 9 and all(a == b and s == "same" for a, b, s in rows)
    res.record("tools:stress-hw-recording-replays-identically", ok, f"status {st}: {out[-600:]}")


def explore_pthreads_oracle(res, build):
    """explore-broken --pthreads --oracle=S must run S: the round-robin run
    that measures the horizon fails on the broken lock, and must not take
    the process with it.  Seed 1000 passes, 1001 deadlocks (see above)."""
    for seed, want_st, want in ((1000, 0, r"^PASS counter2 --oracle=script:pct:3:1000: "),
                                (1001, 1, r"^FAIL counter2 --oracle=script:pct:3:1001: "
                                          r"script: deadlock after \d+ steps")):
        argv = [tool(build, "explore-broken"), "--test=counter2",
                f"--oracle=script:pct:3:{seed}"]
        st_c, out_c = run_cmd(argv, timeout=60)
        st, out = run_cmd(argv + ["--pthreads"], timeout=60)
        res.record(f"tools:explore-broken-pthreads-runs-the-schedule:pct:3:{seed}",
                   st == want_st and re.search(want, out, re.M) is not None and
                   (st, out) == (st_c, out_c),
                   f"pthreads status {st}: {out[-400:]}\ncooperative status {st_c}: {out_c[-400:]}")


# ---- the trace tool and the command lines of all tools ----

def run_split(cmd, timeout=20, **kw):
    """(status, stdout, stderr); status 'timeout' if it had to be killed."""
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=timeout, **kw)
        return p.returncode, p.stdout.decode("utf-8", "replace"), \
            p.stderr.decode("utf-8", "replace")
    except subprocess.TimeoutExpired as e:
        return "timeout", (e.stdout or b"").decode("utf-8", "replace"), \
            (e.stderr or b"").decode("utf-8", "replace")


def with_tmp(fn, build):
    def run(res):
        with tempfile.TemporaryDirectory() as tmp:
            fn(res, build, tmp)
    return run


# Trace files by hand (docs/trace-format.md, version 3.0): sections with
# their checksums, so a test can build a file the recorder never writes.
def trace_sections(data):
    off, secs = 32, []
    while off < len(data):
        tag, obj, n = struct.unpack_from("<4sIQ", data, off)
        secs.append([tag, obj, data[off + 16:off + 16 + n]])
        off += 20 + n
    return secs


def trace_build(secs):
    """Header and sections, END! recomputed (any END! in secs is dropped)."""
    body = b""
    secs = [s for s in secs if s[0] != b"END!"]
    for tag, obj, payload in secs:
        sec = struct.pack("<4sIQ", tag, obj, len(payload)) + payload
        body += sec + struct.pack("<I", zlib.crc32(sec))
    total = 32 + len(body) + 24

    def header(crc):
        return b"KLOGTRC\x1a" + struct.pack("<HHIQII", 3, 0, len(secs) + 1, total, 0, crc)
    head = header(zlib.crc32(header(0)[:28]))
    end = struct.pack("<4sIQI", b"END!", 0xffffffff, 4, zlib.crc32(head + body))
    return head + body + end + struct.pack("<I", zlib.crc32(end))


def meta_payload(ncpus):
    strs = b"".join(struct.pack("<H", len(s)) + s for s in (b"test", b"", b"hw"))
    return struct.pack("<IQ", ncpus, 0) + strs


def fnv(name):
    h = 0xcbf29ce484222325
    for b in name.encode():
        h = ((h ^ b) * 0x100000001b3) & 0xffffffffffffffff
    return h


# An object table row after its name and type name: id, count, hash,
# ck_seq, ck_hash, first, nevents, order_runs, has_order, ck_digest, state_len.
ROW = "<IQQQQQIQBQH"


def objs_rows(payload):
    """Object table rows: name, count, first, has_order."""
    n, off, rows = struct.unpack_from("<I", payload)[0], 4, []
    for _ in range(n):
        name = payload[off + 1:off + 1 + payload[off]].decode()
        off += 1 + payload[off]
        off += 1 + payload[off]
        _, count, _, _, _, first, _, _, ordered, _, slen = struct.unpack_from(ROW, payload, off)
        off += struct.calcsize(ROW) + slen
        rows.append((name, count, first, ordered))
    return rows


def trace_check_empty(res, build, tmp):
    no_objs = trace_build([[b"META", 0xffffffff, meta_payload(1)],
                           [b"OBJS", 0xffffffff, struct.pack("<I", 0)]])
    h = fnv("ctr.0")
    row = bytes([5]) + b"ctr.0" + bytes([7]) + b"counter" + \
        struct.pack(ROW, 1, 0, h, 0, h, 0, 0, 0, 0, 0, 16) + bytes(16)
    no_events = trace_build([[b"META", 0xffffffff, meta_payload(1)],
                             [b"OBJS", 0xffffffff, struct.pack("<I", 1) + row],
                             [b"EVTS", 0, b""]])
    good = os.path.join(tmp, "good.trc")
    st, out = run_cmd([tool(build, "trace"), "record", "counter2", "script:rr", good], 60)
    for what, data in (("no objects", no_objs), ("objects without events", no_events)):
        path = os.path.join(tmp, what.replace(" ", "-") + ".trc")
        with open(path, "wb") as f:
            f.write(data)
        # decode takes it (the format allows an empty set); check does not.
        sd, _, _ = run_split([tool(build, "trace"), "decode", path])
        st, out, err = run_split([tool(build, "trace"), "check", path])
        res.record(f"tools:trace-check-rejects-empty:{what}",
                   sd == 0 and st == 1 and "empty trace" in err and path in err,
                   f"decode {sd}, check {st}: {out[-300:]} {err[-300:]}")
    st, out, err = run_split([tool(build, "trace"), "check", good])
    res.record("tools:trace-check-accepts-a-recording", st == 0 and "valid trace" in out,
               f"status {st}: {out[-300:]} {err[-300:]}")


def trace_diff_order(res, build, tmp):
    """Two traces alike in counts, final hashes and kept windows, whose order
    streams differ before the windows: diff must say where."""
    name = "tools:trace-diff-order-stream-before-window"
    a, b = os.path.join(tmp, "a.trc"), os.path.join(tmp, "b.trc")
    st, out = run_cmd([tool(build, "trace"), "record", "counter4-mcs", "script:random:3", a], 60)
    with open(a, "rb") as f:
        secs = trace_sections(f.read())
    ncpus = struct.unpack_from("<I", secs[0][2])[0]
    rows = objs_rows(secs[1][2])
    i = [r[0] for r in rows].index("ctr.0")
    first = rows[i][2]
    ordr = [s for s in secs if s[0] == b"ORDR" and s[1] == i][0]
    runs = bytearray(ordr[2])
    thread, cpu, count = struct.unpack_from("<IBH", runs, 0)
    if st != 0 or not first or count > first:
        res.record(name, False, f"record status {st}: want run 0 of ctr.0 ({count} events) "
                   f"before its window (from seq {first})")
        return
    cpu = (cpu + 1) % ncpus
    struct.pack_into("<IBH", runs, 0, cpu + 1, cpu, count)
    ordr[2] = bytes(runs)
    with open(b, "wb") as f:
        f.write(trace_build(secs))
    sc, out_c, err_c = run_split([tool(build, "trace"), "check", b])
    st, out, err = run_split([tool(build, "trace"), "diff", a, b])
    res.record(name, sc == 0 and st == 1 and
               re.search(r"^ctr\.0 seq 0: first divergence \(order stream\): expected cpu=\d+ "
                         rf"thr=\d+, actual cpu={cpu} thr={cpu + 1}$", out, re.M) is not None,
               f"check {sc} {err_c[-200:]}; diff status {st}: {out[-600:]} {err[-200:]}")


def trace_bad_files(res, build, tmp):
    missing = os.path.join(tmp, "missing.trc")
    for path, want in ((tmp, "is a directory"), (missing, "No such file")):
        for cmd in (["check", path], ["decode", path], ["stats", path], ["diff", path, path]):
            st, out, err = run_split([tool(build, "trace")] + cmd)
            res.record(f"tools:trace-unreadable:{cmd[0]} {os.path.basename(path)}",
                       st == 2 and path in err and want in err and
                       len(err.splitlines()) == 1, f"status {st}: {err[-300:]}")


# Arguments a new user might get wrong; each must be a usage error (status
# 2, "TOOL: what is wrong" then the usage on stderr), never a crash, an
# endless run or a silently changed value.
BAD_ARGS = {
    "stress": [["--ops=-5"], ["--ops=99999999999999999999"], ["--ops=10000000001"],
               ["--threads=4294967298"], ["--threads=0"], ["--threads=65"], ["--objs=0"],
               ["--objs=17"], ["--ring=3"], ["--ring=1048576"], ["--lock=spin"],
               ["--oracle=script:pct:0:1"], ["--oracle=replay"], ["--oracle=script:list:0,2"],
               ["--ops"], ["--ops="],
               ["--ops=1e6"], ["--ops= 5"], ["--threads=3", "--ops=2"], ["--bogus"], ["stray"]],
    "explore": [["--test=counter2", "--schedules=-1"],
                ["--test=counter2", "--schedules=99999999999999999999"],
                ["--test=counter2", "--schedules=0"], ["--test=counter2", "--seed=-1"],
                ["--test=counter2", "--seed=18446744073709551615", "--schedules=2"],
                ["--test=counter2", "--sched=rr"], ["--test=counter2", "--sched=pct:99"],
                ["--test=nope"], [], ["--test"], ["--test=counter2", "--oracle=hw"],
                ["--test=counter2", "--oracle=script:list:7"],
                ["--test=counter2", "--oracle=script:rr", "--repeat=0"],
                ["--test=counter2", "--repeat=5"],
                ["--test=counter2", "--oracle=script:rr", "--schedules=5"],
                ["--test=counter2", "--bogus"], ["--list", "--bogus"]],
    "trace": [[], ["bogus"], ["--bogus"], ["check"], ["check", "a", "b"], ["diff", "a"],
              ["decode", "--threads", "a"], ["record", "counter2", "script:rr"],
              ["record", "counter2", "replay", "OUT"], ["record", "nope", "script:rr", "OUT"],
              ["record", "counter2", "script:bogus", "OUT"],
              ["record", "counter2", "script:list:1,2", "OUT"]],
}


def cli_bad_args(res, build, tmp):
    for name, cases in BAD_ARGS.items():
        for args in cases:
            args = [os.path.join(tmp, "never.trc") if a == "OUT" else a for a in args]
            st, out, err = run_split([tool(build, name)] + args, timeout=10)
            lines = err.splitlines()
            ok = st == 2 and len(lines) >= 2 and lines[0].startswith(name + ": ") and \
                lines[1].startswith("usage:") and out == ""
            res.record(f"tools:cli-rejects:{name} {' '.join(args)}", ok,
                       f"status {st}\nstdout: {out[-300:]}\nstderr: {err[-300:]}")
    res.record("tools:cli-rejects:trace record writes no file",
               not os.path.exists(os.path.join(tmp, "never.trc")))


def cli_help(res, build):
    for name in ("stress", "explore", "explore-broken", "trace"):
        st, out, err = run_split([tool(build, name), "--help"])
        res.record(f"tools:cli-help:{name}", st == 0 and out.startswith("usage:") and
                   "exit status" in out and err == "", f"status {st}: {out[-300:]} {err[-300:]}")


def format_check(res):
    """One formatting style: every tracked C file is as tools/format.sh (.clang-format) wants it."""
    name = "tools:format-check"
    status, out = run_cmd(["tools/format.sh", "check"], 120)
    res.record(name, status == 0, out[-2000:])


def groups(build):
    return [("tools:format-check", format_check),
            ("tools:explore-broken", lambda res: explore_broken(res, build)),
            ("tools:explore-clean", lambda res: explore_clean(res, build)),
            ("tools:stress-bounded", lambda res: stress_bounded(res, build)),
            ("tools:stress-record-replay", lambda res: stress_record_replay(res, build)),
            ("tools:cli-rejects", with_tmp(cli_bad_args, build)),
            ("tools:cli-help", lambda res: cli_help(res, build)),
            ("tools:trace-unreadable", with_tmp(trace_bad_files, build)),
            ("tools:trace-check-empty", with_tmp(trace_check_empty, build)),
            ("tools:trace-diff-order", with_tmp(trace_diff_order, build)),
            ("tools:explore-broken-pthreads", lambda res: explore_pthreads_oracle(res, build))]
