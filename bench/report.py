#!/usr/bin/env python3
"""report.py RAW.csv OUT.csv - the lock benchmark table (see docs/bench.md).

RAW.csv holds the rows printed by every bench/harness.c binary, all rounds.
Prints per-lock medians over the rounds side by side, then the ratios with
their targets (goals, reported, never asserted), and writes OUT.csv: every
raw row plus one "median" row per (lock, test, threads).
"""
import csv
import os
import statistics
import sys

COLS = ["round", "lock", "test", "threads", "ns_per_op", "tsc_per_op", "ops_per_s",
        "thread_min", "thread_max", "max_over_min", "jain", "pinned", "cpu_share"]
ORDER = ["tlock", "tlock-nolog", "mcs", "mcs-nolog", "pthread-spin", "ck-ticket", "ck-mcs"]
NUM = COLS[4:11] + ["cpu_share"]


def load(path):
    with open(path) as f:
        rows = [dict(zip(COLS, r)) for r in csv.reader(f) if r]
    for r in rows:
        if len(r) != len(COLS):
            sys.exit("report: malformed row %r" % r)
    return rows


CLEAN = 0.9  # CPU share above which a round counts as undisturbed


def medians(rows):
    """Median per (lock, test, threads) over the undisturbed rounds if there
    are any, else over all rounds (then flagged)."""
    groups = {}
    for r in rows:
        groups.setdefault((r["lock"], r["test"], int(r["threads"])), []).append(r)
    out = {}
    for key, rs in groups.items():
        clean = [r for r in rs if float(r["cpu_share"]) >= CLEAN]
        use = clean or rs
        m = {"round": "median", "lock": key[0], "test": key[1], "threads": str(key[2]),
             "pinned": "1" if all(r["pinned"] == "1" for r in use) else "0"}
        for c in NUM:
            vals = [float(r[c]) for r in use if r[c] != ""]
            m[c] = statistics.median(vals) if vals else None
        m["rounds"] = len(use)
        m["disturbed"] = not clean
        out[key] = m
    return out


def fmt(v, spec):
    return "-" if v is None else format(v, spec)


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: report.py RAW.csv OUT.csv")
    rows = load(sys.argv[1])
    med = medians(rows)
    locks = [l for l in ORDER if (l, "uncontended", 1) in med]
    locks += sorted({k[0] for k in med} - set(locks))
    counts = sorted({k[2] for k in med if k[1] == "throughput"})
    rounds = max(m["rounds"] for m in med.values())
    pinned = all(r["pinned"] == "1" for r in rows)
    ncpu = os.cpu_count() or 0
    load1 = os.getloadavg()[0]

    print("lock benchmark: %d CPUs, threads %s, median of the undisturbed rounds (CPU share "
          ">= %.0f%%) of %d; every run checked mutual exclusion" %
          (ncpu, "pinned" if pinned else "NOT pinned", CLEAN * 100, rounds))
    head1 = "%-13s %16s" % ("", "uncontended")
    head2 = "%-13s %8s %7s" % ("lock", "ns/op", "tsc/op")
    for n in counts:
        if n == 1:
            head1 += " %9s" % "1 thread"
            head2 += " %9s" % "Mops/s"
        else:
            head1 += "  %-30s" % ("%d threads" % n)
            head2 += "  %8s %8s %7s %4s" % ("Mops/s", "max/min", "Jain", "cpu")
    print(head1)
    print(head2)
    for l in locks:
        u = med.get((l, "uncontended", 1))
        line = "%-13s %8s %7s" % (l, fmt(u and u["ns_per_op"], ".2f"), fmt(u and u["tsc_per_op"], ".1f"))
        flagged = bool(u and u["disturbed"])
        for n in counts:
            t = med.get((l, "throughput", n))
            mops = t and t["ops_per_s"] / 1e6
            if n == 1:
                line += " %9s" % fmt(mops, ".2f")
            else:
                line += "  %8s %8s %7s %3s%%" % (fmt(mops, ".2f"), fmt(t and t["max_over_min"], ".2f"),
                                                fmt(t and t["jain"], ".3f"),
                                                fmt(t and t["cpu_share"] * 100, ".0f"))
            flagged = flagged or bool(t and t["disturbed"])
        print(line + ("  *" if flagged else ""))
    if any(m["disturbed"] for m in med.values()):
        print("* no undisturbed round for some entries of this lock: medians over all rounds")

    def ns(l):
        m = med.get((l, "uncontended", 1))
        return m and m["ns_per_op"]

    def tput(l, n):
        m = med.get((l, "throughput", n))
        return m and m["ops_per_s"]

    def ratio(a, b):
        return a / b if a and b else None

    two = 2 if 2 in counts else (counts[-1] if counts else 1)
    print()
    print("%-58s %9s %9s" % ("ratio", "measured", "target"))
    checks = [
        ("tlock / ck-ticket, uncontended time", ratio(ns("tlock"), ns("ck-ticket")), "<=", 1.3),
        ("tlock / ck-ticket, %d-thread throughput" % two,
         ratio(tput("tlock", two), tput("ck-ticket", two)), ">=", 0.8),
        ("logging on / off (tlock / tlock-nolog), uncontended time",
         ratio(ns("tlock"), ns("tlock-nolog")), "<=", 1.2),
        ("logging on / off, %d-thread throughput" % two,
         ratio(tput("tlock", two), tput("tlock-nolog", two)), "", None),
        ("tlock-nolog / ck-ticket, uncontended time",
         ratio(ns("tlock-nolog"), ns("ck-ticket")), "", None),
        ("mcs / ck-mcs, uncontended time", ratio(ns("mcs"), ns("ck-mcs")), "<=", 1.5),
        ("mcs logging on / off (mcs / mcs-nolog), uncontended time",
         ratio(ns("mcs"), ns("mcs-nolog")), "", None),
        ("mcs-nolog / ck-mcs, uncontended time", ratio(ns("mcs-nolog"), ns("ck-mcs")), "", None),
        ("mcs / ck-mcs, %d-thread throughput" % two,
         ratio(tput("mcs", two), tput("ck-mcs", two)), "", None),
    ]
    missed = 0
    for name, v, op, goal in checks:
        verdict = ""
        if goal is not None and v is not None:
            ok = v <= goal if op == "<=" else v >= goal
            verdict = "met" if ok else "MISSED"
            missed += not ok
        print("%-58s %8sx %9s %s" % (name, fmt(v, ".2f"), "%s %.1fx" % (op, goal) if goal else "",
                                     verdict))
    if load1 > 0.5 * ncpu:
        print("\nnote: load average %.1f on %d CPUs while measuring: other processes "
              "compete for the cores, so the multi-thread numbers (ticket locks above all, "
              "whose next-in-line waiter may be descheduled) are noisy." % (load1, ncpu))
    if missed:
        print("%d target(s) missed (goals, not assertions; see docs/bench.md)" % missed)

    with open(sys.argv[2], "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(COLS)
        for r in rows:
            w.writerow([r[c] for c in COLS])
        for key in sorted(med):
            m = med[key]
            w.writerow([("" if m[c] is None else "%.10g" % m[c]) if c in NUM else m[c]
                        for c in COLS])
    print("csv: %s" % sys.argv[2])


if __name__ == "__main__":
    main()
