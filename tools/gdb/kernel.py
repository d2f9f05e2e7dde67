# The project's gdb commands that read the kernel's own tables (loaded by
# tools/gdb/kernel.gdb). They only read memory, so they work over QEMU's
# stub and over the kernel's (gdbstub=com2) alike, on a stopped kernel.
#
#   klog NAME [N]   an object's log: type, events, chain hash, its replayed
#                   state, and its last N events still in the ring (default 8)
#   klogs           every registered object: id, name, type, events
#   kthreads        every thread: id, name, CPU, state, what it waits on, and
#                   the kernel stack of each thread that is not running
#   kevent          at a replay stop (kstop) or divergence (kdivergence): the
#                   event about to happen, with what the recording says of it

import gdb

STATES = ["free", "ready", "run", "sleep", "dead"]


def objects():
    """Every registered struct log_obj * (the registry's id table)."""
    ids = gdb.parse_and_eval("'log.c'::ids")
    top = int(gdb.parse_and_eval("'log.c'::id_top"))
    for i in range(top):
        o = ids[i]
        if int(o) != 0:
            yield o


def find(name):
    for o in objects():
        if o["name"].string() == name:
            return o
    raise gdb.GdbError(f"no object named {name} (klogs lists them)")


def event_name(o, t):
    typ = o["type"]
    if t < int(typ["nevents"]):
        return typ["events"][t].string()
    return f"type{t}"


def event_line(o, e):
    return (f"  seq {int(e['seq'])}: cpu {int(e['cpu'])} thread {int(e['thread'])} "
            f"{event_name(o, int(e['type']))}({int(e['arg0']):#x}, {int(e['arg1']):#x}) "
            f"hash {int(e['hash']):016x}")


class KLog(gdb.Command):
    """klog NAME [N]: an object's log: its type, event count, chain hash, replayed
state (hex) and its last N events still in the ring (default 8)."""

    def __init__(self):
        super().__init__("klog", gdb.COMMAND_USER)

    def invoke(self, arg, from_tty):
        args = gdb.string_to_argv(arg)
        if not args or len(args) > 2:
            raise gdb.GdbError("usage: klog NAME [N]")
        n = int(args[1]) if len(args) > 1 else 8
        o = find(args[0])
        count = int(o["count"])
        ring = int(o["ring_mask"]) + 1
        first = max(0, count - ring)
        size = int(o["type"]["state_size"])
        state = bytes(int(o["state"][i]) & 0xff for i in range(size))
        print(f"{args[0]}: type {o['type']['name'].string()}, id {int(o['id'])}, "
              f"{count} events (ring keeps {first}..{count - 1}), "
              f"hash {int(o['hash']):016x}")
        print(f"  state ({size} bytes): {state.hex()}")
        for seq in range(max(first, count - n), count):
            print(event_line(o, o["ring"][seq & (ring - 1)]))


class KLogs(gdb.Command):
    """klogs: every registered object: id, name, type, events."""

    def __init__(self):
        super().__init__("klogs", gdb.COMMAND_USER)

    def invoke(self, arg, from_tty):
        for o in objects():
            print(f"  {int(o['id']):5} {o['name'].string():24} "
                  f"{o['type']['name'].string():10} {int(o['count'])} events")


def saved_stack(t, depth=12):
    """Frames of a thread that is switched out: ctx_switch left r15 r14 r13 r12
    rbx rbp and the return address on its stack (kern/lib/ctx_switch.S)."""
    u64 = gdb.lookup_type("unsigned long").pointer()
    sp = int(t["rsp"])
    rip = int(gdb.Value(sp + 6 * 8).cast(u64).dereference())
    rbp = int(gdb.Value(sp + 5 * 8).cast(u64).dereference())
    frames = []
    for _ in range(depth):
        frames.append(rip)
        if rbp == 0 or rbp & 7:
            break
        try:
            rip = int(gdb.Value(rbp + 8).cast(u64).dereference())
            rbp = int(gdb.Value(rbp).cast(u64).dereference())
        except gdb.MemoryError:
            break
        if rip == 0:
            break
    return frames


def symbol(pc):
    """The ELF symbol (not an inlined function's name) holding pc."""
    out = gdb.execute(f"info symbol {pc:#x}", to_string=True)
    return out.split()[0] if out and not out.startswith("No symbol") else "?"


class KThreads(gdb.Command):
    """kthreads: every thread: id, name, CPU, state, what it waits on, and the kernel
stack of each thread that is not on a CPU (running ones: kbt)."""

    def __init__(self):
        super().__init__("kthreads", gdb.COMMAND_USER)

    def invoke(self, arg, from_tty):
        threads = gdb.parse_and_eval("'thread.c'::threads")
        n = int(gdb.parse_and_eval("sizeof('thread.c'::threads) / sizeof('thread.c'::threads[0])"))
        for i in range(n):
            t = threads[i]
            st = int(t["state"])
            if st == 0:
                continue
            what = t["wait_what"]
            waits = what.string() if int(what) != 0 else "-"
            proc = t["proc"]
            owner = f" proc {int(proc['pid'])}" if int(proc) != 0 else ""
            print(f"thread {int(t['id'])} {t['name'].string()} cpu {int(t['cpu'])} "
                  f"{STATES[st] if st < len(STATES) else st}{owner} waits on {waits}")
            if int(t["on_cpu"]) == 0 and int(t["rsp"]) != 0:
                for k, pc in enumerate(saved_stack(t)):
                    print(f"    #{k} {pc:#018x} {symbol(pc)}")


class KEvent(gdb.Command):
    """kevent: in replay_stop (kstop) or report (kdivergence): the event about to
happen or in question, with what the recording kept of it."""

    def __init__(self):
        super().__init__("kevent", gdb.COMMAND_USER)

    def invoke(self, arg, from_tty):
        frame = gdb.selected_frame()
        while frame is not None and frame.name() not in ("replay_stop", "report", "report_end"):
            frame = frame.older()
        if frame is None:
            raise gdb.GdbError("kevent: not stopped in replay_stop or report (use kstop or "
                               "kdivergence first)")
        o = frame.read_var("o")
        seq = int(frame.read_var("seq")) if frame.name() != "report_end" else int(o["count"])
        name = o["name"].string()
        print(f"{name} seq {seq}: the log has {int(o['count'])} events; "
              f"cpu {int(gdb.parse_and_eval('$_thread')) - 1} (gdb thread) is here")
        rp = o["oracle_data"]
        if int(rp) == 0:
            print("  (no replay state for this object)")
            return
        rp = rp.cast(gdb.lookup_type("struct rp_obj").pointer())
        ref = rp["ref"]
        first, kept = int(ref["first"]), int(ref["nevents"])
        print(f"  recording: {int(ref['count'])} events, kept {first}..{first + kept - 1}")
        if first <= seq < first + kept:
            print("  recorded:" + event_line(o, ref["events"][seq - first])[1:])
        else:
            # The order stream: for an ordered operation (stopped before it) the
            # gate's turn, for an appended event the check cursor's run.
            before = frame.name() == "replay_stop" and int(frame.read_var("before"))
            cur = rp["gate"] if before else rp["chk"]
            chunk = cur["chunk"]
            if int(chunk) != 0:
                run = chunk["runs"][int(cur["idx"])]
                print(f"  recorded: seq {seq}: outside the kept window; the order stream says "
                      f"cpu {int(run['cpu'])} thread {int(run['thread'])}")
        if seq < int(o["count"]):
            ring = int(o["ring_mask"]) + 1
            print("  appended:" + event_line(o, o["ring"][seq & (ring - 1)])[1:])


KLog()
KLogs()
KThreads()
KEvent()
