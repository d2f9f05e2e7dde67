"""In-kernel tests: boot with test=all, read KTAP, count each subtest.

A run passes only with QEMU's pass status (33) *and* a final Totals line with
fail:0; anything else (timeout, triple fault, panic) fails and keeps the log.
"""
import os
import re

from harness import PASS_STATUS, TOTALS, kvm_unusable, qemu_cmd, qemu_run

KTAP_LINE = re.compile(r"^(ok|not ok) (\d+) (\S+)(.*)$", re.M)


def run_ktap(res, build, smp, spec="all", timeout=120, tag=None, extra_args="", accel="tcg",
             extra=()):
    kernel = os.path.join(build, "kernel.elf")
    tag = tag or f"kernel:smp{smp}"
    status, log, secs = qemu_run(qemu_cmd(kernel, smp=smp, args=f"test={spec} {extra_args}",
                                          accel=accel, extra=extra), timeout)
    seen = 0
    for m in KTAP_LINE.finditer(log):
        seen += 1
        name = f"{tag}:{m.group(3)}"
        if "# SKIP" in m.group(4):
            continue
        ok = m.group(1) == "ok"
        res.record(name, ok, "" if ok else f"serial log: {res.keep_log(name, log)}")
    totals = TOTALS.search(log)
    good_end = status == PASS_STATUS and totals and totals.group(2) == "0"
    if not good_end or seen == 0:
        res.record(f"{tag}:run", False,
                   f"status {status}, totals {'missing' if not totals else totals.group(0)}, "
                   f"{seen} results; serial log: {res.keep_log(tag, log)}")


# On real cores (KVM) races happen at real speed and with the real memory model: the SMP
# and lock stress tests again. Not every test: on 2 host cores 4 spinning vCPUs preempt
# lock holders, and the check-mode and script runs took minutes there (the stress tests
# here stop after 2 s each).
KVM_TESTS = ("smp_boot,apic_ids_distinct,ipi_call,smp_call_contended,spinlock_exclusion,"
             "ipi_icr_interleave,locks_hw,ipc_stress,threads_spawn_join")


def groups(build):
    g = [(f"kernel:smp{n}", lambda res, n=n: run_ktap(res, build, n)) for n in (1, 2, 4, 8)]
    # Every in-kernel test again with check mode on for every log.
    g.append(("kernel:smp4-logcheck",
              lambda res: run_ktap(res, build, 4, tag="kernel:smp4-logcheck",
                                   extra_args="logcheck=1")))
    # Objects created and destroyed while recording: log memory (the recordings aside,
    # which keep the run's history) comes back all the same.
    g.append(("kernel:smp2-record",
              lambda res: run_ktap(res, build, 2, spec="scale_objects", tag="kernel:smp2-record",
                                   extra_args="record=1 stream=0",
                                   extra=["-serial", "null"])))  # the trace goes to COM2
    why = kvm_unusable()
    if why:
        g.append(("kernel-kvm", lambda res: res.skip("kernel-kvm", f"{why}; TCG runs only")))
        return g
    # SMP 2 in x2APIC mode (-cpu host has it); SMP 4 in xAPIC mode, where an IPI is two
    # register writes and ipi_icr_interleave (3+ CPUs) can catch them split.
    for smp, apic in ((2, ""), (4, "x2apic=0")):
        tag = f"kernel-kvm:smp{smp}" + ("-xapic" if apic else "")
        g.append((tag, lambda res, smp=smp, apic=apic, tag=tag:
                  run_ktap(res, build, smp, spec=KVM_TESTS, tag=tag,
                           extra_args=apic + " ipc_msgs=20", accel="kvm")))
    return g
