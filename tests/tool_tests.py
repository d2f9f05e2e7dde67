"""Host tool tests: explore finds a deliberately broken lock and prints a
replay command that reproduces the failure every time; stress keeps log
memory bounded and its hw recording replays to identical hashes; every tool
turns bad arguments into a usage error; the trace tool's check and diff."""
import html.parser
import json
import os
import re
import shlex
import shutil
import struct
import subprocess
import sys
import tempfile
import xml.etree.ElementTree
import zlib

from harness import run_cmd

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")


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


# Trace files by hand (docs/trace-format.md, version 5.0): sections with
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
        return b"KLOGTRC\x1a" + struct.pack("<HHIQII", 5, 0, len(secs) + 1, total, 0, crc)
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
        for cmd in (["check", path], ["decode", path], ["stats", path], ["diff", path, path],
                    ["stream-check", path], ["stream-extract", path, os.path.join(tmp, "o")]):
            st, out, err = run_split([tool(build, "trace")] + cmd)
            res.record(f"tools:trace-unreadable:{cmd[0]} {os.path.basename(path)}",
                       st == 2 and path in err and want in err and
                       "not a trace file" not in err and  # stream files are not traces
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
              ["record", "counter2", "script:list:1,2", "OUT"],
              ["stats"], ["stats", "a", "b"], ["stats", "--bogus", "a"],
              ["timeline"], ["timeline", "a"], ["timeline", "--json", "OUT"],
              ["timeline", "a", "--json"], ["timeline", "a", "--html", ""],
              ["timeline", "a", "b", "--json", "OUT"], ["timeline", "a", "--bogus", "OUT"],
              ["timeline", "a", "--json", "OUT", "--clock=wall"],
              ["timeline", "a", "--json", "OUT", "--clock"],
              ["timeline", "a", "--json", "OUT", "--max-events=0"],
              ["timeline", "a", "--json", "OUT", "--max-events=-1"],
              ["timeline", "a", "--json", "OUT", "--html", "OUT"],
              ["coverage"], ["coverage", "--bogus", "a"], ["coverage", "a", "-x"],
              ["detect"], ["detect", "a", "b"], ["detect", "a", "--fair=0"],
              ["detect", "a", "--fair=-1"], ["detect", "a", "--fair=2.5"], ["detect", "a", "--fair"],
              ["detect", "a", "--bogus"]],
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



# ---- trace stats, timeline, coverage (docs/trace-tools.md) ----

EVT = "<QIBBIQQQQIIB"  # one event of an EVTS section: 59 bytes
EV_LINE = re.compile(r"^(\S+) (\d+) cpu=(\d+) thr=(\d+) (\S+) arg0=(\d+) arg1=(\d+) "
                     r"hash=([0-9a-f]{16}) ts=(\d+) wait=(\d+) hold=(\d+) rel=(\S+)$")
OBJ_LINE = re.compile(r"^object (\S+) type=(\S+) count=(\d+) .*window=(\d+)\+(\d+) .*"
                      r"order_runs=(\d+)$")
ORDER_LINE = re.compile(r"^order (\S+) cpu=(\d+) thr=(\d+) n=(\d+)$")


def decoded(build, path):
    """`trace decode` of path, parsed: header (ncpus), and per object (in table
    order) its type, count, window, order runs and kept events."""
    st, out, err = run_split([tool(build, "trace"), "decode", path], 60)
    if st != 0:
        raise RuntimeError(f"trace decode {path}: status {st}: {err[-300:]}")
    objs, ncpus = {}, int(re.search(r"^oracle .* cpus=(\d+)", out, re.M).group(1))
    for line in out.splitlines():
        m = OBJ_LINE.match(line)
        if m:
            objs[m.group(1)] = {"type": m.group(2), "count": int(m.group(3)),
                                "first": int(m.group(4)), "order": [], "events": []}
            continue
        m = ORDER_LINE.match(line)
        if m:
            objs[m.group(1)]["order"].append(tuple(int(x) for x in m.group(2, 3, 4)))
            continue
        m = EV_LINE.match(line)
        if m and m.group(1) in objs:
            g = m.groups()
            objs[g[0]]["events"].append({
                "seq": int(g[1]), "cpu": int(g[2]), "thr": int(g[3]), "type": g[4],
                "arg0": int(g[5]), "arg1": int(g[6]), "hash": g[7], "ts": int(g[8]),
                "wait": int(g[9]), "hold": int(g[10])})
    return ncpus, objs


def actors(o):
    """(seq, cpu, thread) of every event the trace knows of: the order stream
    for the whole run, else the kept window."""
    if o["order"]:
        seq, out = 0, []
        for cpu, thr, n in o["order"]:
            for _ in range(n):
                out.append((seq, cpu, thr))
                seq += 1
        return out
    return [(e["seq"], e["cpu"], e["thr"]) for e in o["events"]]


def pcts(v):
    """Nearest-rank p50, p90, p99 and max."""
    v = sorted(v)
    return [v[(p * len(v) + 99) // 100 - 1] for p in (50, 90, 99)] + [v[-1]] if v else []


def retime(src, dst, obj_name):
    """A copy of trace src with every event of obj_name timed: display fields
    only (outside the chained hash), checksums recomputed, so it stays valid.
    Every third acquisition waited."""
    with open(src, "rb") as f:
        secs = trace_sections(f.read())
    names = [r[0] for r in objs_rows(secs[1][2])]
    i = names.index(obj_name)
    evts = [s for s in secs if s[0] == b"EVTS" and s[1] == i][0]
    data = bytearray(evts[2])
    for k in range(len(data) // 59):
        f = list(struct.unpack_from(EVT, data, 59 * k))
        f[8] = 1000000 + 5000 * k                          # ts
        f[9] = 0 if k % 3 else 100 + (k * 37) % 900        # wait
        f[10] = 200 + (k * 53) % 1700                      # hold
        struct.pack_into(EVT, data, 59 * k, *f)
    evts[2] = bytes(data)
    with open(dst, "wb") as f:
        f.write(trace_build(secs))


def stats_parsed(out):
    """trace stats output: per lock its contention and percentile lines, the
    object x cpu table and the thread table."""
    locks, table, threads, cur, part = {}, {}, {}, None, "objects"
    for line in out.splitlines():
        if line.startswith("events per object and cpu"):
            part = "table"
            continue
        if line.startswith("events per thread"):
            part = "threads"
            continue
        w = line.split()
        if part == "objects":
            m = re.match(r"^(\S+)\s+(\S+)\s+(\d+) events\s+window", line)
            if m:
                cur = m.group(1)
                locks.setdefault(cur, {}) if m.group(2) in ("tlock", "mcs") else None
            m = re.match(r"^  acquisitions (\d+), timed (\d+) of (\d+) in the window(: waited "
                         r"(\d+) \(contention ([\d.]+)% of timed\))?", line)
            if m:
                locks[cur].update(acq=int(m.group(1)), timed=int(m.group(2)),
                                  waited=m.group(5) and int(m.group(5)),
                                  share=m.group(6) and float(m.group(6)))
            m = re.match(r"^  (wait|hold) ticks \((\d+) timed\): p50 (\d+) p90 (\d+) p99 (\d+) "
                         r"max (\d+)$", line)
            if m:
                locks[cur][m.group(1)] = [int(x) for x in m.group(3, 4, 5, 6)]
                locks[cur][m.group(1) + "_n"] = int(m.group(2))
            m = re.match(r"^  acquisitions per cpu \(whole run\):(.*)$", line)
            if m:
                locks[cur]["per_cpu"] = {int(a): int(b) for a, b in
                                         (x.split(":") for x in m.group(1).split())}
        elif part == "table" and w and w[0] != "object":
            table[w[0]] = [int(w[1].rstrip("*"))] + [int(x) for x in w[2:]]
        elif part == "threads" and w and w[0] != "thread":
            threads[int(w[0])] = (int(w[1]), int(w[2]), w[3] if len(w) > 3 else "")
    return locks, table, threads


def stats_expected(ncpus, objs):
    """What trace stats must print, computed from the decoded text."""
    locks, table, threads, seen = {}, {}, {}, {}
    cols = sorted({c for o in objs.values() for _, c, _ in actors(o)})
    for name, o in objs.items():
        acts = actors(o)
        table[name] = [len(acts)] + [sum(1 for _, c, _ in acts if c == col) for col in cols]
        for _, c, t in acts:
            ev, ob, cpus = threads.get(t, (0, 0, set()))
            threads[t] = (ev + 1, ob + (seen.get(t) != name), cpus | {c})
            seen[t] = name
        if o["type"] not in ("tlock", "mcs"):
            continue
        timed = [e for e in o["events"] if e["ts"]]
        holds = [e["hold"] for e in o["events"] if e["hold"]]
        waited = sum(1 for e in timed if e["wait"])
        per_cpu = {}
        for _, c, _ in acts:
            per_cpu[c] = per_cpu.get(c, 0) + 1
        locks[name] = {"acq": o["count"], "timed": len(timed),
                       "waited": waited if timed else None,
                       "share": round(100.0 * waited / len(timed), 1) if timed else None}
        if per_cpu:  # a lock nobody took (lock.vmpages without a VM) has no per-CPU line
            locks[name]["per_cpu"] = per_cpu
        if timed:
            locks[name].update(wait=pcts([e["wait"] for e in timed]), wait_n=len(timed))
        if holds:
            locks[name].update(hold=pcts(holds), hold_n=len(holds))
    table["all"] = [sum(r[i] for r in table.values()) for i in range(len(cols) + 1)]
    threads = {t: (ev, ob, ",".join(str(c) for c in sorted(cpus)))
               for t, (ev, ob, cpus) in threads.items()}
    return locks, table, threads


def trace_stats(res, build, tmp):
    """stats against decode: for a hw recording on threads (a few sampled times)
    and a copy with every acquisition of one lock timed (a third of them waited):
    acquisitions, per-cpu counts, contention, wait/hold percentiles, the object x
    cpu table and the thread table all agree with what decode shows."""
    hw = os.path.join(tmp, "hw.trc")
    timed = os.path.join(tmp, "timed.trc")
    st, out = run_cmd([tool(build, "trace"), "record", "--threads", "counter4-mcs", "hw", hw], 60)
    if st != 0:
        res.record("tools:trace-stats:record", False, out[-400:])
        return
    retime(hw, timed, "lock.ctr.1")
    for label, path in (("hw-recording", hw), ("every-acquisition-timed", timed)):
        name = f"tools:trace-stats-matches-decode:{label}"
        st, out, err = run_split([tool(build, "trace"), "stats", path])
        if st != 0:
            res.record(name, False, f"status {st}: {err[-300:]}")
            continue
        got, want = stats_parsed(out), stats_expected(*decoded(build, path))
        # the lines stats printed before (scripts read them) are still there
        old = re.search(r"^lock\.ctr\.0\s+mcs\s+\d+ events\s+window \d+\.\.\d+\s+order runs "
                        r"\d+\n  acquisitions per cpu \(whole run\): .*\n  window of \d+: "
                        r"contended \d+", out, re.M)
        bad = [f"{what}: stats {g!r}, decode {w!r}"
               for what, g, w in (("locks", got[0], want[0]), ("objects x cpus", got[1], want[1]),
                                  ("threads", got[2], want[2])) if g != w]
        res.record(name, not bad and old is not None and len(got[0]) == 3,
                   "\n".join(bad) or f"old lines missing or locks {sorted(got[0])}:\n{out}")
    # the timed copy: contention and percentiles from the numbers retime() put there
    st, out, _ = run_split([tool(build, "trace"), "stats", timed])
    lk = stats_parsed(out)[0].get("lock.ctr.1", {})
    n = lk.get("acq", 0)
    waits = [0 if k % 3 else 100 + (k * 37) % 900 for k in range(n)]
    holds = [200 + (k * 53) % 1700 for k in range(n)]
    ok = n > 0 and lk.get("timed") == n and lk.get("waited") == sum(1 for w in waits if w) and \
        lk.get("wait") == pcts(waits) and lk.get("hold") == pcts(holds)
    res.record("tools:trace-stats-percentiles-of-known-times", ok, f"{lk}\n{out[-1500:]}")


def trace_timeline_json(res, build, tmp):
    """timeline --json: valid JSON (json module), a track per CPU, thread and
    object, every event of the run in each of the three, with its object, seq,
    type name and arguments as decode shows them; in seq order per object; the
    note saying that the order is by seq.  With --clock=ts on a timed copy:
    time stamps, complete events lasting the hold time."""
    trc = os.path.join(tmp, "r.trc")
    js = os.path.join(tmp, "r.json")
    run_cmd([tool(build, "trace"), "record", "counter4-mcs", "script:random:3", trc], 60)
    st, out, err = run_split([tool(build, "trace"), "timeline", trc, "--json", js])
    name = "tools:trace-timeline-json"
    try:
        with open(js) as f:
            doc = json.load(f)
        ncpus, objs = decoded(build, trc)
    except (OSError, ValueError, RuntimeError) as e:
        res.record(name, False, f"status {st}: {e} {out[-300:]} {err[-300:]}")
        return
    evs = doc.get("traceEvents", [])
    meta = [e for e in evs if e.get("ph") == "M"]
    marks = [e for e in evs if e.get("ph") in ("i", "X")]
    procs = {e["pid"]: e["args"]["name"] for e in meta if e["name"] == "process_name"}
    tracks = {}
    for e in meta:
        if e["name"] == "thread_name":
            tracks.setdefault(procs.get(e["pid"]), set()).add(e["args"]["name"])
    threads = {t for o in objs.values() for _, _, t in actors(o)}
    total = sum(len(actors(o)) for o in objs.values())
    want_tracks = {"cpus": {f"cpu {c}" for c in range(ncpus)},
                   "threads": {f"thread {t}" for t in threads}, "objects": set(objs)}
    problems = []
    if tracks != want_tracks:
        problems.append(f"tracks {tracks}, want {want_tracks}")
    by_pid = {}
    for e in marks:
        by_pid.setdefault(procs.get(e["pid"]), []).append(e)
    for proc, key in (("cpus", "cpu"), ("threads", "thread"), ("objects", None)):
        got = by_pid.get(proc, [])
        if len(got) != total:
            problems.append(f"{proc}: {len(got)} events, the run has {total}")
        if key and any(e["tid"] != e["args"][key] for e in got):
            problems.append(f"{proc}: an event on another {key}'s track")
    kept = {(n, e["seq"]): e for n, o in objs.items() for e in o["events"]}
    last = {}
    for e in sorted(by_pid.get("objects", []), key=lambda e: e["ts"]):
        a = e["args"]
        if a["seq"] <= last.get(a["object"], -1):
            problems.append(f"{a['object']} seq {a['seq']} after seq {last[a['object']]}")
        last[a["object"]] = a["seq"]
        k = kept.get((a["object"], a["seq"]))
        if k and (e["name"], a["type"], a["arg0"], a["arg1"], a["cpu"], a["thread"], a["hash"]) \
                != (k["type"], k["type"], k["arg0"], k["arg1"], k["cpu"], k["thr"], k["hash"]):
            problems.append(f"{a['object']} seq {a['seq']}: {a}, decode {k}")
    other = doc.get("otherData", {})
    if other.get("clock") != "seq" or "per-object seq" not in other.get("note", "") or \
            "per-object seq" not in out:
        problems.append(f"clock/note: {other}; stdout {out[-300:]}")
    res.record(name, st == 0 and not problems, f"status {st}: " + "\n".join(problems[:10]))

    name = "tools:trace-timeline-json-clock-ts"
    timed = os.path.join(tmp, "timed.trc")
    retime(trc, timed, "lock.ctr.0")
    st, out, err = run_split([tool(build, "trace"), "timeline", timed, "--clock=ts", "--json", js])
    try:
        with open(js) as f:
            doc = json.load(f)
    except (OSError, ValueError) as e:
        res.record(name, False, f"status {st}: {e} {err[-300:]}")
        return
    _, objs = decoded(build, timed)
    marks = [e for e in doc["traceEvents"] if e.get("ph") in ("i", "X") and e["pid"] == 3]
    lock = {e["seq"]: e for e in objs["lock.ctr.0"]["events"]}
    want_n = sum(1 for o in objs.values() for e in o["events"] if e["ts"])
    t0 = min(e["ts"] for o in objs.values() for e in o["events"] if e["ts"])
    got_lock = [e for e in marks if e["cat"] == "lock.ctr.0"]
    ok = st == 0 and doc["otherData"]["clock"] == "ts" and len(marks) == want_n and \
        len(got_lock) == len(lock) and \
        all(e["ph"] == "X" and e["dur"] == lock[e["args"]["seq"]]["hold"] and
            e["ts"] == lock[e["args"]["seq"]]["ts"] - t0 for e in got_lock)
    res.record(name, ok, f"status {st}: {len(marks)} events, want {want_n}; "
               f"{got_lock[:2]} {err[-300:]}")


class TagBalance(html.parser.HTMLParser):
    """Start and end tags must match (void elements aside)."""
    VOID = {"meta", "br", "img", "hr", "link", "input"}

    def __init__(self):
        super().__init__()
        self.stack, self.errors, self.tags = [], [], 0

    def handle_starttag(self, tag, attrs):
        self.tags += 1
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.tags += 1

    def handle_endtag(self, tag):
        if not self.stack or self.stack.pop() != tag:
            self.errors.append(f"unbalanced </{tag}>")


def trace_timeline_html(res, build, tmp):
    """timeline --html: one file, no network; parses as HTML (html.parser, tags
    balanced) and as XML (xml.etree); its SVG has one row per CPU, one mark per
    event on its CPU's row, a hover title naming the event as decode does, one
    color per object; the page says the order is by seq."""
    name = "tools:trace-timeline-html"
    trc = os.path.join(tmp, "r.trc")
    page = os.path.join(tmp, "r.html")
    run_cmd([tool(build, "trace"), "record", "counter4-mcs", "script:random:5", trc], 60)
    st, out, err = run_split([tool(build, "trace"), "timeline", trc, "--html", page])
    try:
        with open(page, encoding="utf-8") as f:
            text = f.read()
        ncpus, objs = decoded(build, trc)
        bal = TagBalance()
        bal.feed(text)
        bal.close()
        root = xml.etree.ElementTree.fromstring(text)
    except (OSError, ValueError, RuntimeError, xml.etree.ElementTree.ParseError) as e:
        res.record(name, False, f"status {st}: {e} {err[-300:]}")
        return
    svgns, problems = "{http://www.w3.org/2000/svg}", list(bal.errors)
    svgs = list(root.iter(svgns + "svg"))
    rows = [g for g in root.iter(svgns + "g") if g.get("class") == "cpu"]
    if len(svgs) != 1 or len(rows) != ncpus:
        problems.append(f"{len(svgs)} svg, {len(rows)} cpu rows for {ncpus} cpus")
    kept = {(n, e["seq"]): e for n, o in objs.items() for e in o["events"]}
    fills, marks = {}, 0
    for c, g in enumerate(rows):
        for r in g.iter(svgns + "rect"):
            if r.get("class") != "ev":
                continue
            marks += 1
            title = r.find(svgns + "title")
            obj, seq = r.get("data-obj"), int(r.get("data-seq"))
            fills.setdefault(obj, set()).add(r.get("fill"))
            t = title.text if title is not None else ""
            k = kept.get((obj, seq))
            want = f"{obj} {seq} cpu={c} thr="
            if not t.startswith(want) or (k and f" {k['type']} arg0={k['arg0']} " not in t):
                problems.append(f"row cpu{c}: mark {obj}:{seq} titled {t!r}")
    total = sum(len(actors(o)) for o in objs.values())
    if marks != total:
        problems.append(f"{marks} marks, the run has {total} events")
    if any(len(f) != 1 for f in fills.values()) or \
            len({next(iter(f)) for f in fills.values()}) != len(fills):
        problems.append(f"colors by object: {fills}")
    if re.search(r"(src|href)=\"(https?:)?//", text) or "per-object seq" not in text:
        problems.append("refers to the network, or says nothing of the seq order")
    res.record(name, st == 0 and bal.tags > 0 and not problems,
               f"status {st}: " + "\n".join(problems[:10]))


def png_rgba(data):
    """Decode an 8-bit RGBA, non-interlaced PNG (what rsvg-convert writes):
    (width, height, rows of bytes)."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    pos, idat, w = 8, b"", 0
    while pos < len(data):
        n, tag = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if tag == b"IHDR":
            w, h, depth, ctype, _, _, lace = struct.unpack(">IIBBBBB", body)
            if (depth, ctype, lace) != (8, 6, 0):
                raise ValueError(f"PNG depth {depth} color type {ctype} interlace {lace}")
        elif tag == b"IDAT":
            idat += body
        pos += 12 + n
    raw, bpp, stride = zlib.decompress(idat), 4, w * 4
    rows, prev = [], bytearray(stride)
    for y in range(h):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return w, h, rows


def trace_timeline_rendered(res, build, tmp):
    """The HTML page's SVG rendered by a real renderer (rsvg-convert, librsvg):
    the picture has the SVG's size, and on every CPU's row the columns the
    renderer colored are the columns the SVG's marks cover (within 10% and a
    few pixels of anti-aliasing), one row per CPU of the run."""
    name = "tools:trace-timeline-rendered"
    trc = os.path.join(tmp, "r.trc")
    page, svg, png = (os.path.join(tmp, "r." + x) for x in ("html", "svg", "png"))
    run_cmd([tool(build, "trace"), "record", "counter4-mcs", "script:pct:3:4", trc], 60)
    st, out, err = run_split([tool(build, "trace"), "timeline", trc, "--html", page])
    try:
        with open(page, encoding="utf-8") as f:
            text = f.read()
        with open(svg, "w", encoding="utf-8") as f:
            f.write(text[text.index("<svg"):text.index("</svg>") + 6])
        r = subprocess.run(["rsvg-convert", svg, "-o", png], capture_output=True, text=True,
                           timeout=60)
        with open(png, "rb") as f:
            w, h, pix = png_rgba(f.read())
        root = xml.etree.ElementTree.parse(svg).getroot()
    except (OSError, ValueError, subprocess.SubprocessError, zlib.error,
            xml.etree.ElementTree.ParseError) as e:
        res.record(name, False, f"status {st}: {e} {err[-300:]}")
        return
    ns, problems = "{http://www.w3.org/2000/svg}", []
    if r.returncode != 0 or (w, h) != (int(root.get("width")), int(root.get("height"))):
        problems.append(f"rsvg-convert {r.returncode} {r.stderr[-200:]}: {w}x{h}, svg "
                        f"{root.get('width')}x{root.get('height')}")
    rows = [g for g in root.iter(ns + "g") if g.get("class") == "cpu"]
    for g in rows:
        rects = list(g.iter(ns + "rect"))
        row = [x for x in rects if x.get("class") == "row"][0]
        x0, x1 = int(row.get("x")), int(row.get("x")) + int(row.get("width"))
        want = set()
        for m in rects:
            if m.get("class") == "ev":
                mx, mw = float(m.get("x")), float(m.get("width"))
                want.update(range(int(mx + 0.5), int(mx + mw + 0.5)))
                ymid = int(float(m.get("y")) + float(m.get("height")) / 2)
        line = pix[ymid] if want and ymid < h else b""
        got = {x for x in range(x0, x1) if line and
               max(line[4 * x:4 * x + 3]) - min(line[4 * x:4 * x + 3]) > 40}
        if not want or abs(len(got) - len(want)) > len(want) // 10 + 4 or \
                len(got & want) < len(want) * 9 // 10:
            problems.append(f"row {g.get('id')}: {len(got)} colored columns, the marks "
                            f"cover {len(want)} ({len(got & want)} in common)")
    if len(rows) != 4:
        problems.append(f"{len(rows)} cpu rows, the run has 4 cpus")
    res.record(name, st == 0 and not problems, f"status {st}: " + "\n".join(problems[:10]))


def coverage_expected(build, paths):
    """The pair-outcome measure of docs/trace-tools.md, from decode's order lines."""
    runs = []
    for p in paths:
        _, objs = decoded(build, p)
        pos = {}
        for n, o in objs.items():
            per = {}
            for seq, cpu, _ in actors(o):
                per.setdefault(cpu, []).append(seq)
            if len(per) >= 2:
                pos[n] = per
        runs.append(pos)
    names = []
    for r in runs:
        names += [n for n in r if n not in names]
    seen = space = 0
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            cpus = sorted({c for r in runs for o in (a, b) if o in r for c in r[o]})
            for ci, c in enumerate(cpus):
                for d in cpus[ci + 1:]:
                    outcomes, kmax = set(), 0
                    for r in runs:
                        if a not in r or b not in r:
                            continue
                        lists = [r[o].get(x, []) for o in (a, b) for x in (c, d)]
                        k = min(len(x) for x in lists)
                        kmax = max(kmax, k)
                        outcomes |= {(j, lists[0][j] < lists[1][j], lists[2][j] < lists[3][j])
                                     for j in range(k)}
                    seen += len(outcomes)
                    space += 4 * kmax
    return seen, space


def trace_coverage(res, build, tmp):
    """coverage: two seeds cover more pair outcomes than one, a run given twice
    covers what it covers once, and the numbers are the documented measure
    computed here from decode's order stream."""
    paths = []
    for seed in (3, 4):
        paths.append(os.path.join(tmp, f"s{seed}.trc"))
        run_cmd([tool(build, "trace"), "record", "counter4-mcs", f"script:random:{seed}",
                 paths[-1]], 60)
    got = {}
    for label, files in (("one", paths[:1]), ("twice", paths[:1] * 2), ("two", paths)):
        st, out, err = run_split([tool(build, "trace"), "coverage"] + files)
        m = re.search(r"^coverage: (\d+) of (\d+) pair outcomes", out, re.M)
        d = re.search(r"^object pairs \d+, cpu pairs \d+; runs with distinct orderings: (\d+) "
                      r"of (\d+)$", out, re.M)
        got[label] = (st, m and (int(m.group(1)), int(m.group(2))),
                      d and (int(d.group(1)), int(d.group(2))), out[-600:] + err[-300:])
    one, twice, two = got["one"], got["twice"], got["two"]
    ok = all(g[0] == 0 and g[1] and g[2] for g in got.values())
    res.record("tools:trace-coverage-two-seeds-cover-more",
               ok and two[1][0] > one[1][0] and two[1][1] == one[1][1] and two[2] == (2, 2),
               f"{got}")
    res.record("tools:trace-coverage-same-run-twice-adds-nothing",
               ok and twice[1] == one[1] and twice[2] == (1, 2), f"{got}")
    want = coverage_expected(build, paths)
    res.record("tools:trace-coverage-is-the-documented-measure", ok and two[1] == want,
               f"trace coverage {two[1]}, computed from decode {want}")


def trace_new_bad_files(res, build, tmp):
    """stats, timeline and coverage on files that are not traces: exit 1 and the
    loader's message naming the file, never a crash, no output file; an output
    that cannot be written: exit 2 naming it.  A trace of a type the tool does
    not have (a stand-in row) still gets its timeline."""
    good = os.path.join(tmp, "good.trc")
    run_cmd([tool(build, "trace"), "record", "counter2", "script:rr", good], 60)
    with open(good, "rb") as f:
        data = f.read()
    secs = trace_sections(data)
    flipped = bytearray(data)
    flipped[len(data) // 2] ^= 0x40
    evts = [s for s in secs if s[0] == b"EVTS" and len(s[2]) >= 59][0]
    payload = bytearray(evts[2])
    payload[20] ^= 1  # an event's thread: the chained hash no longer matches
    evts[2] = bytes(payload)
    resealed = trace_build(secs)
    bad = {"truncated": data[:len(data) - 100], "garbage": b"not a trace at all\n" * 10,
           "empty": b"", "bit-flip": bytes(flipped), "resealed-bad-event": resealed}
    out_json = os.path.join(tmp, "out.json")
    for what, blob in bad.items():
        path = os.path.join(tmp, what + ".trc")
        with open(path, "wb") as f:
            f.write(blob)
        for cmd in (["stats", path], ["timeline", path, "--json", out_json, "--html",
                                      out_json + ".html"], ["coverage", good, path]):
            st, out, err = run_split([tool(build, "trace")] + cmd)
            res.record(f"tools:trace-malformed:{cmd[0]} {what}",
                       st == 1 and path in err and err.count("\n") == 1 and
                       not os.path.exists(out_json), f"status {st}: {err[-300:]}")
    for path, want in ((tmp, "is a directory"), (os.path.join(tmp, "missing.trc"),
                                                 "No such file")):
        for cmd in (["timeline", path, "--json", out_json], ["coverage", good, path]):
            st, out, err = run_split([tool(build, "trace")] + cmd)
            res.record(f"tools:trace-unreadable:{cmd[0]} {os.path.basename(path)}",
                       st == 2 and path in err and want in err and len(err.splitlines()) == 1,
                       f"status {st}: {err[-300:]}")
    st, out, err = run_split([tool(build, "trace"), "timeline", good, "--html", tmp])
    res.record("tools:trace-timeline-output-unwritable", st == 2 and tmp in err,
               f"status {st}: {err[-300:]}")



# ---- trace detect (docs/trace-tools.md) ----

M64 = (1 << 64) - 1


def chain_hash(prev, seq, thread, cpu, typ, arg0, arg1):
    """log_hash_fields (kern/log/hash.h)."""
    w = (seq + (thread | cpu << 32 | typ << 40) * 0x2c1b3c6d +
         arg0 * 0x297a2d39 + arg1 * 0x27d4eb2f) & M64
    h = ((prev ^ w) * 0xbf58476d1ce4e5b9) & M64
    return h ^ (h >> 31)


STATE_LEN = {"mcs": 0, "tlock": 0, "runq": 64}


def synth_trace(path, ncpus, objects):
    """A trace written from scratch: objects = [(name, type, [event])], each
    event a dict cpu, thr, type, arg0, arg1, ts, wait; the whole run kept
    (window from seq 0) with its order stream, chained hashes computed here."""
    rows, secs = b"", []
    for i, (name, typ, evs) in enumerate(objects):
        h, data, runs = fnv(name), b"", []
        for seq, e in enumerate(evs):
            h = chain_hash(h, seq, e["thr"], e["cpu"], e.get("type", 0), e.get("arg0", 0),
                           e.get("arg1", 0))
            rel = e["cpu"] if typ in ("mcs", "tlock") else 0xff
            data += struct.pack(EVT, seq, i + 1, e["cpu"], e.get("type", 0), e["thr"],
                                e.get("arg0", 0), e.get("arg1", 0), h, e.get("ts", 0),
                                e.get("wait", 0), 0, rel)
            if runs and runs[-1][:2] == [e["thr"], e["cpu"]] and runs[-1][2] < 65535:
                runs[-1][2] += 1
            else:
                runs.append([e["thr"], e["cpu"], 1])
        rows += bytes([len(name)]) + name.encode() + bytes([len(typ)]) + typ.encode() + \
            struct.pack(ROW, i + 1, len(evs), h, 0, fnv(name), 0, len(evs), len(runs), 1, 0,
                        STATE_LEN[typ]) + bytes(STATE_LEN[typ])
        secs += [[b"EVTS", i, data],
                 [b"ORDR", i, b"".join(struct.pack("<IBH", *r) for r in runs)]]
    with open(path, "wb") as f:
        f.write(trace_build([[b"META", 0xffffffff, meta_payload(ncpus)],
                             [b"OBJS", 0xffffffff, struct.pack("<I", len(objects)) + rows]] +
                            secs))


def detect_blocks(out):
    """trace detect's text findings: [(FLAG|INFO, kind, object, lines, replay)]."""
    found = []
    for block in out.split("\n\n"):
        lines = block.strip().splitlines()
        m = lines and re.match(r"^(FLAG|INFO) (\S+) (\S+)$", lines[0])
        if m:
            r = re.search(r"^  replay: make replay TRACE=(\S+) STOP=(\S+):(\d+)$", block, re.M)
            found.append((m.group(1), m.group(2), m.group(3), "\n".join(lines[1:]),
                          r and (r.group(1), r.group(2), int(r.group(3)))))
    return found


def lock_events(owners, ts0=1000, waits=None):
    """ACQ events of an MCS lock by (cpu, thread) pairs in order, all timed."""
    waits = waits or {}
    return [{"cpu": c, "thr": t, "ts": ts0 + 10 * k, "wait": waits.get(k, 0)}
            for k, (c, t) in enumerate(owners)]


def run_stats(owners):
    """Acquisitions per thread and the longest run between other threads'."""
    per, best, k = {}, (0, None, None), 0
    for c, t in owners:
        per[t] = per.get(t, 0) + 1
    while k < len(owners):
        j = k
        while j < len(owners) and owners[j][1] == owners[k][1]:
            j += 1
        if k > 0 and j < len(owners) and j - k > best[0]:
            best = (j - k, owners[k][1], j - 1)
        k = j
    return per, best


def trace_detect(res, build, tmp):
    """trace detect: an unfair lock (one thread 300 times in a row, waiting
    proven by a timed acquisition) and a starved thread (spawned and woken,
    never acting again while its CPU's other thread made 1500 events) are
    flagged with the numbers computed here and their replay command; a fair
    lock, a thread that acted after its wakeup, a host recording: nothing
    flagged, exit 0; wakeups of threads not asleep are info; --fair moves the
    line; --json says the same; bad input as every command."""
    trc = lambda n: os.path.join(tmp, n + ".trc")  # noqa: E731
    rr = [(t - 1, t) for t in (1, 2, 3, 4)]
    unfair = rr * 10 + [(0, 1)] * 300 + [(1, 2)] + rr * 15
    fair = [rr[(k * 7 + k // 5) % 4] for k in range(400)]
    synth_trace(trc("unfair"), 4, [("lock.u", "mcs", lock_events(unfair, waits={340: 1400}))])
    synth_trace(trc("fair"), 4, [("lock.f", "mcs", lock_events(fair))])

    def detect(path, *opts):
        st, out, err = run_split([tool(build, "trace"), "detect", path] + list(opts), 60)
        return st, out, err, detect_blocks(out)

    st, out, err, found = detect(trc("unfair"))
    per, (run, run_thr, run_end) = run_stats(unfair)
    want_line = f"  acquisitions {len(unfair)} by 4 threads (whole run, order stream): " + \
        " ".join(f"{t}:{per[t]}" for t in sorted(per))
    ok = st == 1 and len(found) == 1 and found[0][:3] == ("FLAG", "unfair-lock", "lock.u") and \
        want_line in found[0][3].splitlines() and \
        f"ratio max/min {per[1] / min(per.values()):.2f}: thread 1 took {per[1]}" in found[0][3] \
        and f"longest run: {run} consecutive acquisitions by thread {run_thr}, seq " \
            f"{run_end + 1 - run}..{run_end}," in found[0][3] and \
        "waiting proven: the acquisition at seq 340 queued at ts 3000 (wait 1400), before " \
        "the last 140 of the run" in found[0][3] and \
        found[0][4] == (trc("unfair"), "lock.u", run_end) and "1 flagged, 0 info" in out
    res.record("tools:trace-detect-unfair-lock-flagged", ok,
               f"status {st}: {out[-1500:]} {err[-300:]}; want {want_line!r}, run {run} "
               f"by {run_thr} ending {run_end}")
    st2, out2, _, found2 = detect(trc("unfair"), "--fair=20")
    res.record("tools:trace-detect-fair-option-moves-the-line",
               st2 == 0 and not found2 and "0 flagged" in out2, f"status {st2}: {out2[-600:]}")
    st, out, err, found = detect(trc("fair"))
    res.record("tools:trace-detect-fair-lock-not-flagged",
               st == 0 and not found and "0 flagged, 0 info" in out,
               f"status {st}: {out[-800:]} {err[-300:]}")

    # Run queue of cpu 0: threads 5 and 6 spawned, 5 woken (asleep) by 6,
    # then 6 wakes 7 (not asleep) 1500 times.  lock.a: 5 twice before the
    # wakeup (ts), 6 twice after; in the control 5 acquires once more at the
    # end, untimed: after the wakeup because a later timed event precedes it.
    def runq(extra_lock):
        rq = [{"cpu": 0, "thr": 1, "type": 0, "arg0": 5, "ts": 100},
              {"cpu": 0, "thr": 1, "type": 0, "arg0": 6, "ts": 110},
              {"cpu": 1, "thr": 6, "type": 1, "arg0": 5, "arg1": 6, "ts": 1000}]
        rq += [{"cpu": 0, "thr": 6, "type": 1, "arg0": 7, "arg1": 6 | 1 << 32,
                "ts": 2000 + k} for k in range(1500)]
        lock = lock_events([(0, 5), (0, 5)], ts0=300) + \
            lock_events([(0, 6), (0, 6)], ts0=5000)
        if extra_lock:
            lock.append({"cpu": 0, "thr": 5, "ts": 0})
        return [("runq.cpu0", "runq", rq), ("lock.a", "mcs", lock)]
    synth_trace(trc("starve"), 2, runq(False))
    synth_trace(trc("acted"), 2, runq(True))
    st, out, err, found = detect(trc("starve"))
    flags = [f for f in found if f[0] == "FLAG"]
    info = [f for f in found if f[0] == "INFO"]
    ok = st == 1 and len(flags) == 1 and flags[0][1:3] == ("starvation", "runq.cpu0") and \
        "thread 5 on cpu 0: made ready by WAKE at runq.cpu0 seq 2 (by thread 6, ts 1000)" \
        in flags[0][3] and "other threads on cpu 0 made 1502 events after it" in flags[0][3] \
        and flags[0][4] == (trc("starve"), "runq.cpu0", 2)
    res.record("tools:trace-detect-starved-thread-flagged", ok,
               f"status {st}: {out[-1500:]} {err[-300:]}")
    res.record("tools:trace-detect-wake-not-asleep-is-info",
               len(info) == 1 and info[0][1:3] == ("wake-not-asleep", "runq.cpu0") and
               "thread 6 woke thread 7 1500 times while it was not asleep" in info[0][3] and
               info[0][4] == (trc("starve"), "runq.cpu0", 3) and
               "SLEEP after a WAKE that found the thread awake" in out,
               f"{info} {out[-600:]}")
    st, out, err, found = detect(trc("acted"))
    res.record("tools:trace-detect-thread-acting-after-wakeup-not-flagged",
               st == 0 and [f[1] for f in found] == ["wake-not-asleep"] and
               "0 flagged, 1 info" in out, f"status {st}: {out[-800:]} {err[-300:]}")

    st, out, err = run_split([tool(build, "trace"), "detect", trc("starve"), "--json"], 60)
    try:
        doc = json.loads(out)
    except ValueError as e:
        doc = {"error": str(e)}
    kinds = [(f.get("kind"), f.get("severity"), f.get("object"), f.get("seq"))
             for f in doc.get("findings", [])]
    starved = [f for f in doc.get("findings", []) if f.get("kind") == "starvation"]
    res.record("tools:trace-detect-json", st == 1 and
               kinds == [("starvation", "flag", "runq.cpu0", 2),
                         ("wake-not-asleep", "info", "runq.cpu0", 3)] and
               starved[0]["thread"] == 5 and starved[0]["others_after"] == 1502 and
               starved[0]["replay"] == f"make replay TRACE={trc('starve')} STOP=runq.cpu0:2"
               and doc["flagged"] == 1 and doc["info"] == 1 and "SLEEP" in doc["note"],
               f"status {st}: {out[-1200:]} {err[-300:]}")

    # Lost wakeup: thread 6 wakes thread 7 while 7 is awake (WAKE arg1 bit 32), then 7
    # sleeps (SLEEP, type 6, on object id 2: lock.a), and nothing wakes it again.  The
    # control: 7 sleeps first, then the same wakeup finds it asleep, twice over (a wakeup
    # that reached its sleeper, right before the next sleep, is no lost one).
    def sleeper(lost):
        wake = {"cpu": 1, "thr": 6, "type": 1, "arg0": 7, "arg1": 6 | (1 << 32 if lost else 0),
                "ts": 200}
        sleep = {"cpu": 0, "thr": 7, "type": 6, "arg0": 7, "arg1": 2, "ts": 300}
        rq = [{"cpu": 0, "thr": 1, "type": 0, "arg0": 7, "ts": 100},
              {"cpu": 0, "thr": 7, "type": 2, "arg0": 7, "arg1": 1, "ts": 150}]
        rq += [wake, sleep] if lost else [sleep, wake, dict(sleep, ts=400), dict(wake, ts=500)]
        return [("runq.cpu0", "runq", rq), ("lock.a", "mcs", lock_events([(0, 7)], ts0=50))]
    synth_trace(trc("lost"), 2, sleeper(True))
    synth_trace(trc("slept"), 2, sleeper(False))
    st, out, err, found = detect(trc("lost"))
    flags = [f for f in found if f[0] == "FLAG"]
    res.record("tools:trace-detect-lost-wakeup-flagged",
               st == 1 and len(flags) == 1 and flags[0][1:3] == ("lost-wakeup", "runq.cpu0") and
               "lost wakeup: thread 7 sleeps on lock.a since runq.cpu0 seq 3; the wakeup at seq 2 "
               "(by thread 6) found it awake and did not reach it" in flags[0][3] and
               "it sleeps at the end of the recording" in flags[0][3] and
               flags[0][4] == (trc("lost"), "runq.cpu0", 3),
               f"status {st}: {out[-1200:]} {err[-300:]}")
    st, out, err, found = detect(trc("slept"))
    res.record("tools:trace-detect-sleep-then-wakeup-not-flagged",
               st == 0 and not found and "0 flagged, 0 info" in out,
               f"status {st}: {out[-800:]} {err[-300:]}")

    run_cmd([tool(build, "trace"), "record", "--threads", "counter4-mcs", "hw", trc("hw")], 60)
    st, out, err, found = detect(trc("hw"))
    res.record("tools:trace-detect-host-recording-clean",
               st == 0 and not found and "0 flagged, 0 info" in out,
               f"status {st}: {out[-800:]} {err[-300:]}")

    with open(trc("hw"), "rb") as f:
        data = f.read()
    bad = {"truncated": data[:len(data) - 100], "garbage": b"not a trace\n" * 10, "empty": b""}
    for what, blob in bad.items():
        with open(trc(what), "wb") as f:
            f.write(blob)
        st, out, err = run_split([tool(build, "trace"), "detect", trc(what)])
        res.record(f"tools:trace-malformed:detect {what}",
                   st == 1 and trc(what) in err and err.count("\n") == 1 and out == "",
                   f"status {st}: {out[-200:]} {err[-300:]}")
    for path, want in ((tmp, "is a directory"), (trc("missing"), "No such file")):
        st, out, err = run_split([tool(build, "trace"), "detect", path])
        res.record(f"tools:trace-unreadable:detect {os.path.basename(path)}",
                   st == 2 and path in err and want in err and len(err.splitlines()) == 1,
                   f"status {st}: {err[-300:]}")


def reorder_before_window(src, dst, obj, thr, cpu):
    """A copy of src in which every event of obj before its kept window was
    performed by (cpu, thr), in the order stream (outside the chained hash)."""
    with open(src, "rb") as f:
        secs = trace_sections(f.read())
    rows = objs_rows(secs[1][2])
    i = [r[0] for r in rows].index(obj)
    first = rows[i][2]
    ordr = [s for s in secs if s[0] == b"ORDR" and s[1] == i][0]
    who = []
    for k in range(len(ordr[2]) // 7):
        t, c, n = struct.unpack_from("<IBH", ordr[2], 7 * k)
        who += [(t, c)] * n
    who[:first] = [(thr, cpu)] * first
    runs = []
    for t, c in who:
        if runs and runs[-1][:2] == [t, c] and runs[-1][2] < 65535:
            runs[-1][2] += 1
        else:
            runs.append([t, c, 1])
    ordr[2] = b"".join(struct.pack("<IBH", *r) for r in runs)
    # the row's order_runs
    payload, off = bytearray(secs[1][2]), 4
    for k in range(len(rows)):
        off += 1 + payload[off]
        off += 1 + payload[off]
        slen = struct.unpack_from(ROW, payload, off)[-1]
        if k == i:
            struct.pack_into("<Q", payload, off + struct.calcsize("<IQQQQQI"), len(runs))
        off += struct.calcsize(ROW) + slen
    secs[1][2] = bytes(payload)
    with open(dst, "wb") as f:
        f.write(trace_build(secs))


def trace_detect_kernel(res, build, tmp, trc, objs, name):
    """detect over a kernel recording: no crash, a summary, JSON that parses;
    then the lock with the most events before its kept window, all of those
    given to one thread in the order stream: flagged unfair, with the numbers
    computed here from decode."""
    st, out, err = run_split([tool(build, "trace"), "detect", trc], 120)
    sj, js, ej = run_split([tool(build, "trace"), "detect", trc, "--json"], 120)
    try:
        doc = json.loads(js)
    except ValueError as e:
        doc = {"error": str(e)}
    m = re.search(r"^detect: (\d+) flagged, (\d+) info$", out, re.M)
    res.record(name, st in (0, 1) and m is not None and (st == 1) == (int(m.group(1)) > 0) and
               sj == st and doc.get("flagged") == int(m.group(1)) and
               len(doc.get("findings", [])) == int(m.group(1)) + int(m.group(2)),
               f"status {st}/{sj}: {out[-1500:]} {err[-300:]} {ej[-300:]}")
    locks = [(o["first"], n) for n, o in objs.items() if o["type"] in ("tlock", "mcs") and
             o["order"] and len({t for _, _, t in actors(o)}) >= 2]
    if not locks:
        res.record(name + "-unfair-copy", False, "no lock with 2+ threads in the recording")
        return
    first, lock = max(locks)
    acts = actors(objs[lock])
    _, cpu, thr = acts[-1]
    unfair = os.path.join(tmp, "k-unfair.trc")
    reorder_before_window(trc, unfair, lock, thr, cpu)
    per = {}
    for seq, _, t in acts:
        t = thr if seq < first else t
        per[t] = per.get(t, 0) + 1
    flagged = len(acts) >= 100 and max(per.values()) > 4 * min(per.values())
    st, out, err = run_split([tool(build, "trace"), "detect", unfair], 120)
    blocks = {f[2]: f for f in detect_blocks(out) if f[1] == "unfair-lock"}
    want = f"acquisitions {len(acts)} by {len(per)} threads (whole run, order stream): " + \
        " ".join(f"{t}:{per[t]}" for t in sorted(per))
    res.record(name + "-unfair-copy", flagged and st == 1 and lock in blocks and
               want in blocks[lock][3] and blocks[lock][4][1] == lock,
               f"{lock}: {first} events before the window given to thread {thr}, want "
               f"{want!r} (flag {flagged}); status {st}: {out[-1500:]} {err[-300:]}")


def trace_kernel_recording(res, build, tmp):
    """A kernel run recorded under hw (threads, run queues, channels and their
    locks; kernel-only types load as stand-ins here): stats agrees with decode,
    the timeline's JSON and HTML parse with a track per CPU, thread and object
    and every event of the run, no event unnamed, and coverage takes it."""
    import shutil
    name = "tools:trace-kernel-recording"
    kernel = os.path.join(build, "kernel.elf")
    if not shutil.which("qemu-system-x86_64") or not os.path.exists(kernel):
        res.skip(name, "needs qemu-system-x86_64 and " + kernel)
        return
    from harness import PASS_STATUS, qemu_cmd, qemu_run
    trc = os.path.join(tmp, "k.trc")
    st, log, _ = qemu_run(qemu_cmd(kernel, smp=4, args="test=ipc_stress ipc_msgs=10 record=1",
                                   extra=["-serial", f"file:{trc}"]), 120)
    if st != PASS_STATUS or "trace: saved" not in log:
        res.record(name, False, f"record: status {st}; serial log: {res.keep_log(name, log)}")
        return
    st, out, err = run_split([tool(build, "trace"), "stats", trc], 60)
    ncpus, objs = decoded(build, trc)
    got, want = stats_parsed(out), stats_expected(ncpus, objs)
    res.record(name + ":stats-matches-decode", st == 0 and got == want and
               any(o["type"] == "runq" for o in objs.values()),
               f"status {st}: {err[-300:]}\nstats {got}\ndecode {want}")
    js, page = os.path.join(tmp, "k.json"), os.path.join(tmp, "k.html")
    st, out, err = run_split([tool(build, "trace"), "timeline", trc, "--json", js, "--html",
                              page], 60)
    try:
        with open(js) as f:
            doc = json.load(f)
        root = xml.etree.ElementTree.parse(page).getroot()
    except (OSError, ValueError, xml.etree.ElementTree.ParseError) as e:
        res.record(name + ":timeline", False, f"status {st}: {e} {err[-300:]}")
        return
    total = sum(len(actors(o)) for o in objs.values())
    names = {e["args"]["name"] for e in doc["traceEvents"] if e.get("ph") == "M" and
             e["name"] == "thread_name" and e["pid"] == 3}
    marks = [e for e in doc["traceEvents"] if e.get("ph") in ("i", "X")]
    rows = [g for g in root.iter("{http://www.w3.org/2000/svg}g") if g.get("class") == "cpu"]
    unnamed = {e["name"] for e in marks if e["name"] == "?"}
    res.record(name + ":timeline", st == 0 and names == set(objs) and len(marks) == 3 * total
               and len(rows) == ncpus and not unnamed,
               f"status {st}: {len(marks)} events for {total}, {len(rows)} rows, tracks {names}")
    trace_detect_kernel(res, build, tmp, trc, objs, name + ":detect")
    st, out, err = run_split([tool(build, "trace"), "coverage", trc, trc], 60)
    res.record(name + ":coverage", st == 0 and re.search(r"^coverage: \d+ of \d+ pair outcomes",
                                                         out, re.M) is not None,
               f"status {st}: {out[-300:]} {err[-300:]}")

def format_check(res):
    """One formatting style: every tracked C file is as tools/format.sh (.clang-format) wants it."""
    name = "tools:format-check"
    status, out = run_cmd(["tools/format.sh", "check"], 120)
    res.record(name, status == 0, out[-2000:])


# ---- tools/qprof.py (docs/profiling.md) ----

QPROF = os.path.join(ROOT, "tools", "qprof.py")
QPROF_ROW = re.compile(r"^ +([\d,]+) +[\d.]+%  (\S.*)$", re.M)


def qprof(res, build, tmp):
    """The guest instruction profile of a real boot: written, attributed to the kernel's
    functions (the TSC calibration's busy loop is near the top of any boot), the same
    per kernel function when the same run is made again (-icount, SMP 1), and a diff of
    two different runs names where the instructions went."""
    a, b, c = (os.path.join(tmp, f"{x}.prof") for x in "abc")
    outs = []
    for prof, args in ((a, "test=smp_boot"), (b, "test=smp_boot"),
                       (c, "test=ipc_stress ipc_msgs=20")):
        st, out = run_cmd([sys.executable, QPROF, "run", "--build", build, "--smp", "1",
                           "--top", "5", "--out", prof, args], 300)
        outs.append((st, out))
    st, out = outs[0]
    rows = {name: int(n.replace(",", "")) for n, name in QPROF_ROW.findall(out)}
    total = rows.get("total guest instructions", 0)
    res.record("tools:qprof:run-profiles-a-boot",
               st == 0 and total > 10**6 and "tsc_calibrate" in rows
               and 0 < rows["tsc_calibrate"] < total,
               f"status {st}: {out[-1500:]}")
    st, out = run_cmd([sys.executable, QPROF, "diff", a, b, "--top", "200"], 60)
    moved = [name for n, name in QPROF_ROW.findall(out)
             if not name.startswith("(") and name != "total"]
    st2, out2 = run_cmd([sys.executable, QPROF, "diff", a, c, "--top", "200"], 60)
    res.record("tools:qprof:same-run-same-counts",
               st == 0 and outs[1][0] == 0 and not moved and "total" in out,
               f"status {st}; kernel functions that differ: {moved}\n{out[-1500:]}")
    res.record("tools:qprof:diff-names-the-difference",
               st2 == 0 and outs[2][0] == 0 and re.search(r"^ +\+[\d,]+ .* chan_send$", out2, re.M),
               f"status {st2}: {out2[-1500:]}")
    bad = [["run"], ["run", "--smp", "0", "x"], ["run", "--smp", "x", "x"],
           ["run", "--top", "-1", "x"], ["diff", a], ["show"], ["bogus"]]
    for args in bad:
        st, out = run_cmd([sys.executable, QPROF] + args, 30)
        res.record(f"tools:qprof:usage-error:{' '.join(args[:3]).replace(tmp, 'TMP')}",
                   st == 2 and "usage:" in out, f"status {st}: {out[-500:]}")
    # The profile keeps the kernel's symbols: it still reads after the kernel is
    # rebuilt in place (here: replaced by something else).
    k = os.path.join(tmp, "k.elf")
    shutil.copy(os.path.join(build, "kernel.elf"), k)
    st, out = run_cmd([sys.executable, QPROF, "run", "--kernel", k, "--build", build,
                       "--smp", "1", "--out", a, "test=smp_boot"], 300)
    with open(k, "wb") as f:
        f.write(b"not a kernel any more")
    st2, out2 = run_cmd([sys.executable, QPROF, "show", a, "--top", "5"], 60)
    res.record("tools:qprof:profile-outlives-its-kernel",
               st == 0 and st2 == 0 and " tsc_calibrate" in out2, f"status {st}, {st2}: {out2}")
    # A kernel run that fails is not a successful profile (exit 1), but its
    # profile is written all the same.
    bad_run = os.path.join(tmp, "failed.prof")
    st, out = run_cmd([sys.executable, QPROF, "run", "--build", build, "--smp", "1",
                       "--out", bad_run, "test=no_such_test"], 300)
    res.record("tools:qprof:failed-run-exits-1", st == 1 and os.path.exists(bad_run)
               and "the kernel run failed" in out, f"status {st}: {out[-800:]}")
    st, out = run_cmd([sys.executable, QPROF, "show", os.path.join(ROOT, "README.md")], 30)
    res.record("tools:qprof:not-a-profile", st == 1 and "not a profile" in out,
               f"status {st}: {out[-500:]}")


def run_to_full(cmd, timeout, **kw):
    """(status, stderr) of cmd with its stdout on /dev/full: every write fails."""
    with open("/dev/full", "w") as full:
        p = subprocess.run(cmd, stdout=full, stderr=subprocess.PIPE, timeout=timeout, text=True,
                           **kw)
    return p.returncode, p.stderr


def write_error_exits_2(res, name, tool, cmd, **kw):
    st, err = run_to_full(cmd, 120, **kw)
    res.record(name, st == 2 and f"{tool}: cannot write the output" in err
               and "Traceback" not in err, f"status {st}: {err[-600:]}")


# A profile as `qprof.py run` writes it: header, the kernel's symbols, then blocks.
SMALL_PROFILE = "# qprof kernel=/k args=test=x\nS 1000 main\nS 2000 _etext\n1000 5 3\n1010 2 1\n"


def qprof_files(res, build, tmp):
    """No QEMU: what qprof refuses before running, and how it fails on files and stdout."""
    st, out = run_cmd([sys.executable, QPROF, "show", os.path.join(build, "kernel.elf")], 30)
    res.record("tools:qprof-files:binary-is-not-a-profile",
               st == 1 and "kernel.elf: not a profile" in out and "Traceback" not in out,
               f"status {st}: {out[-500:]}")
    # --out is checked before the run (minutes of QEMU), not after it
    st, out = run_cmd([sys.executable, QPROF, "run", "--build", build, "--out", tmp,
                       "test=smp_boot"], 30)
    res.record("tools:qprof-files:out-is-a-directory",
               st == 2 and f"--out {tmp}: a directory" in out and "Traceback" not in out,
               f"status {st}: {out[-500:]}")
    # from another directory the default --build is still the repository's
    nodir = os.path.join(tmp, "nodir", "x.prof")
    st, out = run_cmd([sys.executable, QPROF, "run", "--out", nodir, "test=smp_boot"], 30,
                      cwd=tmp)
    res.record("tools:qprof-files:default-build-from-any-directory",
               st == 2 and f"--out {nodir}: no directory" in out, f"status {st}: {out[-500:]}")
    prof = os.path.join(tmp, "small.prof")
    with open(prof, "w") as f:
        f.write(SMALL_PROFILE)
    st, out = run_cmd([sys.executable, QPROF, "show", prof], 30)
    res.record("tools:qprof-files:show", st == 0 and re.search(r"^ +17  100\.0%  main$", out, re.M)
               is not None, f"status {st}: {out[-500:]}")
    write_error_exits_2(res, "tools:qprof-files:show-write-error", "qprof",
                        [sys.executable, QPROF, "show", prof])
    write_error_exits_2(res, "tools:qprof-files:diff-write-error", "qprof",
                        [sys.executable, QPROF, "diff", prof, prof])


# ---- tools/record_cost.py (docs/record-replay.md, "Cost") ----

RECORD_COST = os.path.join(ROOT, "tools", "record_cost.py")
# A stand-in for QEMU: the bench line of a run that passed, except the configuration
# with guest RAM in a file (the live stream), which it creates (and names in $FAKE_RAM)
# and then fails.
FAKE_BENCH_QEMU = r'''#!/usr/bin/env python3
import os, re, sys
ram = re.search(r"mem-path=([^,]+)", " ".join(sys.argv))
if ram:
    open(ram.group(1), "w").close()
    with open(os.environ["FAKE_RAM"], "w") as f:
        f.write(ram.group(1))
    sys.exit(35)
print("bench: ipc_stress took 5 ms\nlogs: 3 objects, 9 events, digest 0123456789abcdef")
sys.exit(33)
'''


def record_cost(res, build, tmp):
    """Bounds of the kernel's own, the repository's build by default, and nothing left in
    /tmp or /dev/shm when a configuration fails."""
    for args in (["--words", "2000"], ["--words", "0"], ["--msgs", "16777216"],
                 ["--rounds", "x"]):
        st, out = run_cmd([sys.executable, RECORD_COST] + args, 30)
        res.record(f"tools:record-cost:usage-error:{' '.join(args)}",
                   st == 2 and "usage:" in out, f"status {st}: {out[-500:]}")
    qemu = os.path.join(tmp, "fake-qemu")
    with open(qemu, "w") as f:
        f.write(FAKE_BENCH_QEMU)
    os.chmod(qemu, 0o755)
    work = os.path.join(tmp, "tmp")
    os.makedirs(work)
    ram = os.path.join(tmp, "ram-path")
    e = dict(os.environ, QEMU=qemu, TMPDIR=work, FAKE_RAM=ram)
    st, out = run_cmd([sys.executable, RECORD_COST, "--build", build, "--nolog", build,
                       "--rounds", "1"], 60, env=e)
    ram = open(ram).read() if os.path.exists(ram) else ""
    res.record("tools:record-cost:failed-run-leaves-nothing",
               st == 1 and "stream round 0: status 35" in out and os.listdir(work) == []
               and ram and not os.path.exists(ram),
               f"status {st}, left in TMPDIR {os.listdir(work)}, RAM file {ram!r} "
               f"{'left' if ram and os.path.exists(ram) else ''}: {out[-500:]}")
    # from another directory: the default --build is the repository's
    st, out = run_cmd([sys.executable, RECORD_COST, "--nolog", os.path.abspath(build),
                       "--rounds", "1"], 60, env=e, cwd=tmp)
    res.record("tools:record-cost:default-build-from-any-directory",
               st == 1 and "round 0 log" in out and "stream round 0: status 35" in out,
               f"status {st}: {out[-500:]}")


# ---- bench/pair.py and the lock benchmark binaries (docs/bench.md) ----

PAIR = os.path.join(ROOT, "bench", "pair.py")


def bench_pair(res, build):
    """Each lock benchmark binary runs and checks mutual exclusion; pair.py measures a
    lock against another in alternating runs and prints their ratio, and refuses a bad
    command line with its usage (exit 2)."""
    bdir = os.path.join(build, "bench")
    for name in ("tlock", "tlock-nolog", "mcs", "mcs-nolog", "ck-ticket", "ck-mcs"):
        st, out = run_cmd([os.path.join(bdir, "lock-" + name), "--threads=2", "--ms=20",
                           "--iters=20000", "--reps=1"], 60)
        rows = [line.split(",") for line in out.splitlines() if line.count(",") == 12]
        res.record(f"tools:bench:{name}-runs",
                   st == 0 and any(r[2] == "uncontended" and float(r[4]) > 0 for r in rows)
                   and any(r[2] == "throughput" and r[3] == "2" for r in rows),
                   f"status {st}: {out[-800:]}")
    st, out = run_cmd([sys.executable, PAIR, "--pairs", "3", "--iters", "20000", "--dir", bdir,
                       "mcs", "ck-mcs"], 120)
    m = re.search(r"^mcs / ck-mcs, uncontended, 3 pairs: ratio ([\d.]+)x \(quartiles "
                  r"([\d.]+)-([\d.]+)\); median ([\d.]+) / ([\d.]+) TSC ticks$", out, re.M)
    res.record("tools:bench:pair-prints-the-ratio",
               st == 0 and m is not None and float(m.group(1)) > 0
               and float(m.group(2)) <= float(m.group(1)) <= float(m.group(3))
               # the median of the ratios is near the ratio of the medians: A / B, not B / A
               and 0.67 <= float(m.group(1)) * float(m.group(5)) / float(m.group(4)) <= 1.5,
               f"status {st}: {out[-800:]}")
    mcs = os.path.join(bdir, "lock-mcs")
    for arg in ("--iters=abc", "--iters=-1", "--iters=99999999999999", "--ms=0", "--reps=65",
                "--threads=0", "--bogus"):
        st, out = run_cmd([mcs, arg], 30)
        res.record(f"tools:bench:usage-error:{arg}", st == 2 and "usage:" in out,
                   f"status {st}: {out[-500:]}")
    st, out = run_cmd([mcs, "--help"], 30)
    res.record("tools:bench:help", st == 0 and out.startswith("usage:"), f"status {st}: {out}")
    for args in ([], ["mcs"], ["--pairs", "0", "mcs", "ck-mcs"], ["--pairs", "x", "mcs", "ck-mcs"],
                 ["--iters", "99999999999999", "mcs", "ck-mcs"], ["--pairs", "20000", "mcs", "ck-mcs"],
                 ["--dir", bdir, "mcs", "no-such-lock"]):
        st, out = run_cmd([sys.executable, PAIR] + args, 30)
        res.record(f"tools:bench:pair-usage-error:{' '.join(args).replace(bdir, 'BENCH')}",
                   st == 2 and "usage:" in out, f"status {st}: {out[-500:]}")
    st, out = run_cmd([sys.executable, PAIR, "--help"], 30)
    desc = out.split("\n\n")[1] if out.count("\n\n") else ""
    res.record("tools:bench:pair-help-says-whole-sentences",
               st == 0 and desc.rstrip().endswith("."), f"status {st}: {out[-800:]}")
    # From another directory: the default --dir is the repository's build/bench.
    with tempfile.TemporaryDirectory() as tmp:
        st, out = run_cmd([sys.executable, PAIR, "--pairs", "1", "--iters", "1000", "mcs",
                           "ck-mcs"], 60, cwd=tmp)
        res.record("tools:bench:pair-default-dir-from-any-directory",
                   st == 0 and "mcs / ck-mcs" in out, f"status {st}: {out[-500:]}")
    write_error_exits_2(res, "tools:bench:pair-write-error", "pair",
                        [sys.executable, PAIR, "--pairs", "1", "--iters", "1000", "--dir", bdir,
                         "mcs", "ck-mcs"])


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
            ("tools:trace-stats", with_tmp(trace_stats, build)),
            ("tools:trace-timeline-json", with_tmp(trace_timeline_json, build)),
            ("tools:trace-timeline-html", with_tmp(trace_timeline_html, build)),
            ("tools:trace-timeline-rendered", with_tmp(trace_timeline_rendered, build)),
            ("tools:trace-coverage", with_tmp(trace_coverage, build)),
            ("tools:trace-malformed", with_tmp(trace_new_bad_files, build)),
            ("tools:trace-detect", with_tmp(trace_detect, build)),
            ("tools:trace-kernel-recording", with_tmp(trace_kernel_recording, build)),
            ("tools:explore-broken-pthreads", lambda res: explore_pthreads_oracle(res, build)),
            ("tools:qprof", with_tmp(qprof, build)),
            ("tools:qprof-files", with_tmp(qprof_files, build)),
            ("tools:record-cost", with_tmp(record_cost, build)),
            ("tools:bench", lambda res: bench_pair(res, build))]
