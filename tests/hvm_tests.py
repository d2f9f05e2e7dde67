"""Hardware virtualization through the user-level VMM (user/vmm.c, docs/hvm.md "The vmm").

QEMU TCG -cpu max has SVM with nested paging: each guest alone, both at once on two
CPUs, the in-kernel hvm tests (page ownership included) and the exit/resume benchmark,
a two-VM shell session recorded and replayed. Bochs runs both guests at once with VMX
(corei7_haswell_4770, tigerlake) and SVM (ryzen). -cpu qemu64 has no usable SVM: the
vmm says E_INVAL_HVM and exits 3. Verdicts come from the serial log."""
import os
import re

from harness import FAIL_STATUS, PASS_STATUS, TOTALS, qemu_cmd, qemu_run
import system_tests

SUMMARY = re.compile(r"^logs: (\d+) objects, (\d+) events, digest ([0-9a-f]{16})$", re.M)
BENCH = re.compile(r"# (.*): (\d+) exit/resume round trips in (\d+) ms: (\d+) per second")
GUEST_RUN = re.compile(r"^vmm: (\w+): (\d+) exits .* (\d+) k TSC cycles$", re.M)
TSC = re.compile(r"^tsc: (\d+) kHz", re.M)
HELLO = {"hello": "real-mode guest: hello", "pm": "protected-mode guest: hello"}


def kernel(build):
    return os.path.join(build, "kernel.elf")


def vmm_problems(log, guests):
    """What is missing from a log where `guests` ran under the vmm (empty: all there)."""
    bad = []
    for g in guests:
        m = re.search(r"^vmm: %s \(\d+ bytes\) on cpu (\d+)$" % g, log, re.M)
        pid = re.search(r"^\[vm (\d+)\] %s" % re.escape(HELLO[g]), log, re.M)
        if not m or not pid:
            bad.append(f"{g}: did not start or print")
            continue
        mine = re.findall(r"^\[vm %s\] (.*)$" % pid.group(1), log, re.M)
        want = ["cpuid 0x40000000: LogkernVMM  ", "msr 0x174 written and read back",
                "irq 0x20 ack", "done"]
        bad += [f"{g}: no line '{w}'" for w in want if w not in mine]
        if mine.count("irq 0x20 ack") != 2:
            bad.append(f"{g}: {mine.count('irq 0x20 ack')} interrupts acknowledged, not 2")
        if f"vmm: {g}: ok (guest verdict 0)" not in log:
            bad.append(f"{g}: no 'vmm: {g}: ok'")
    return bad


def guest_times(log):
    """The vmm prints TSC cycles (replayable); ms from the boot's TSC rate."""
    khz = TSC.search(log)
    return ", ".join(f"{g} {int(kc) * 1000 // int(khz.group(1)) if khz else '?'} ms ({n} exits)"
                     for g, n, kc in GUEST_RUN.findall(log))


def qemu_vmm(res, build, uargs, guests, cpus_differ=False):
    name = f"hvm:qemu-svm:vmm-{uargs}"
    st, log, secs = qemu_run(qemu_cmd(kernel(build), smp=2, extra=["-cpu", "max"],
                                      args=f"test=proc_run uprog=vmm uargs={uargs}"), 120)
    bad = vmm_problems(log, guests)
    if st != PASS_STATUS:
        bad.append(f"status {st}")
    if cpus_differ:
        cpus = set(re.findall(r"^vmm: \w+ \(\d+ bytes\) on cpu (\d+)$", log, re.M))
        if len(cpus) != len(guests):
            bad.append(f"the guests ran on cpus {sorted(cpus)}, not one each")
    res.record(name, not bad, f"{'; '.join(bad)}; serial log: {res.keep_log(name, log)}")
    if not bad:
        print(f"# {name}: {guest_times(log)}; {secs:.1f} s in QEMU", flush=True)


def qemu_ktests(res, build):
    """The in-kernel tests (guest, system calls, page ownership) and the benchmark."""
    name = "hvm:qemu-svm:ktests"
    tests = "hvm_svm_guest,hvm_syscalls,hvm_bench"
    st, log, _ = qemu_run(qemu_cmd(kernel(build), smp=2, extra=["-cpu", "max"],
                                   args=f"test={tests} bench_rounds=20000"), 120)
    t = TOTALS.search(log)
    ok = st == PASS_STATUS and t and t.group(1) == "3" and t.group(3) == "0" and \
        "SKIP" not in log
    res.record(name, bool(ok), f"status {st}, {t and t.group(0)}; "
               f"serial log: {res.keep_log(name, log)}")
    b = BENCH.search(log)
    if b:
        print(f"# {name}: {b.group(1)}: {b.group(4)} exit/resume round trips per second",
              flush=True)


def no_hvm(res, build):
    """A CPU without usable SVM/VMX: the vmm says so and exits nonzero (3)."""
    name = "hvm:qemu64:vmm-no-hvm"
    st, log, _ = qemu_run(qemu_cmd(kernel(build), smp=2, extra=["-cpu", "qemu64"],
                                   args="test=proc_run uprog=vmm uargs=hello"), 60)
    ok = st == FAIL_STATUS and "hvm: none" in log and "vmm: E_INVAL_HVM: " in log and \
        re.search(r"^# vmm hello: exit 3$", log, re.M) and "[vm " not in log
    res.record(name, bool(ok), f"status {st}; serial log: {res.keep_log(name, log)}")


def record_replay(res, build):
    """Two VMs from the shell, recorded under hw, replay to the same digest and output."""
    name = "hvm:qemu-svm:two-vms-record-replay"
    trace = os.path.join(res.logdir, "hvm-two-vms.trace")
    if os.path.exists(trace):
        os.remove(trace)
    st, log, _ = qemu_run(qemu_cmd(kernel(build), smp=2, args="record=1",
                                   extra=["-cpu", "max", "-serial", f"file:{trace}"]), 120,
                          feed=("$ ", "vmm all\rquit\r"))
    m = SUMMARY.search(log)
    bad = vmm_problems(log, ["hello", "pm"])
    if st != PASS_STATUS or not m or bad:
        res.record(name, False, f"record: status {st}, {'; '.join(bad)}; "
                   f"serial log: {res.keep_log(name, log)}")
        return
    st, rlog, _ = qemu_run(qemu_cmd(kernel(build), smp=2, args="oracle=replay",
                                    extra=["-cpu", "max", "-initrd", trace]), 120)
    r = SUMMARY.search(rlog)
    drop = ("replay:", "trace:", "record:", "stream:", "oracle:")
    lines = [[ln for ln in text[text.find("smp: "):].splitlines() if not ln.startswith(drop)]
             for text in (log, rlog)]
    ok = st == PASS_STATUS and r and r.group(3) == m.group(3) and lines[0] == lines[1] and \
        "replay: every object reached its recorded end" in rlog
    res.record(name, bool(ok), f"replay: status {st}, digest {r and r.group(3)}, recorded "
               f"{m.group(3)}, same console output: {lines[0] == lines[1]}; "
               f"serial log: {res.keep_log(name, log + '=====' + rlog)}")


BOCHS = {  # model: (the kernel's hvm line, its in-kernel guest test)
    "corei7_haswell_4770": ("hvm: Intel VMX with EPT", "hvm_vmx_guest"),
    "tigerlake": ("hvm: Intel VMX with EPT", "hvm_vmx_guest"),
    "ryzen": ("hvm: AMD SVM with nested paging", "hvm_svm_guest"),
}


def bochs(res, build, model):
    """Both guests at once on 2 CPUs, the in-kernel guest test and the benchmark."""
    name = f"hvm:bochs-{model}:smp2"
    line, ktest = BOCHS[model]
    tests = f"{ktest},proc_run,hvm_bench"
    st, log = system_tests.run_bochs(build, f"test={tests} uprog=vmm uargs=all bench_rounds=2000",
                                     2, f"hvm-{model}", model=model, timeout=240)
    if st is None:
        res.record(name, False, log)
        return
    t = TOTALS.search(log)
    bad = vmm_problems(log, ["hello", "pm"])
    if line not in log:
        bad.append(f"no '{line}'")
    if not t or t.group(1) != "3" or t.group(2) != "0" or "SKIP" in log:
        bad.append(f"totals {t and t.group(0)}")
    if "vmm: all: ok" not in log:
        bad.append("no 'vmm: all: ok'")
    res.record(name, not bad, f"bochs status {st}: {'; '.join(bad)}; "
               f"serial log: {res.keep_log(name, log)}")
    b = BENCH.search(log)
    print(f"# {name}: {guest_times(log)}; "
          f"bench: {b.group(4) + ' round trips per emulated second' if b else 'none'}",
          flush=True)


def groups(build):
    g = [("hvm:qemu-svm:vmm-hello", lambda res: qemu_vmm(res, build, "hello", ["hello"])),
         ("hvm:qemu-svm:vmm-pm", lambda res: qemu_vmm(res, build, "pm", ["pm"])),
         ("hvm:qemu-svm:vmm-all", lambda res: qemu_vmm(res, build, "all", ["hello", "pm"],
                                                        cpus_differ=True)),
         ("hvm:qemu-svm:ktests", lambda res: qemu_ktests(res, build)),
         ("hvm:qemu64:vmm-no-hvm", lambda res: no_hvm(res, build)),
         ("hvm:qemu-svm:two-vms-record-replay", lambda res: record_replay(res, build))]
    # Bochs first among themselves: they take longest.
    return [(f"hvm:bochs-{m}:smp2", lambda res, m=m: bochs(res, build, m)) for m in BOCHS] + g
