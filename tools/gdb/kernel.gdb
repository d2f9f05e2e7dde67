# The project's gdb script: `make gdb` loads it with build/kernel.elf.
#
#   kattach [PORT]   connect to QEMU's gdb stub (make qemu-gdb), default 1234
#   kstub [DEV]      connect to the kernel's own stub (gdbstub=com2: a PC's serial
#                    line, default /dev/ttyUSB0 at 115200, or HOST:PORT; docs/gdbstub.md)
#   kcpu             this vCPU's per-CPU data (struct cpu at its GS base); also sets $cpu
#   kcpus            one line per CPU: id, APIC id, state, ticks, interrupts
#   kbt              backtrace of every CPU
#   kthreads         every thread, with the kernel stack of each one not on a CPU
#   klog NAME [N]    an object's log: events, hash, replayed state, last N events
#   klogs            every registered object
#   kstop / kevent   stop at a replay's stop=OBJ:SEQ event; show that event and
#                    what the recording kept of it (tools/gdb/kernel.py)
#
# After every stop, $cpu points at the stopped CPU's struct cpu, so
# `p $cpu->id` or `p *$cpu` work directly. QEMU shows one gdb thread per vCPU,
# and so does the kernel's stub (one per CPU). Only kattach is QEMU's; kcpu,
# kcpus, kbt and kdivergence work over either stub (the kernel's has the GS
# base and hardware breakpoints too).

set pagination off
set confirm off
set print pretty on
# The ELF is 64-bit, but the boot code starts in 32-bit mode: without this an
# i386 guess gives "Remote 'g' packet reply is too long".
set architecture i386:x86-64
# klog, klogs, kthreads, kevent: Python, they read the kernel's tables.
source tools/gdb/kernel.py

define kattach
  if $argc == 1
    target remote localhost:$arg0
  else
    target remote localhost:1234
  end
end
document kattach
Connect to QEMU's gdb stub: kattach [PORT] (default 1234).
end

define kstub
  set serial baud 115200
  if $argc == 1
    target remote $arg0
  else
    target remote /dev/ttyUSB0
  end
end
document kstub
Connect to the kernel's own gdb stub (boot with gdbstub=com2): kstub [DEV|HOST:PORT],
default /dev/ttyUSB0 at 115200 baud. See docs/gdbstub.md.
end

define hook-stop
  if $gs_base != 0
    set $cpu = (struct cpu *)$gs_base
  end
end

define kcpu
  if $gs_base == 0
    printf "this vCPU has no per-CPU data yet (GS base is 0: before cpu_init_self)\n"
  else
    set $cpu = (struct cpu *)$gs_base
    printf "cpu %u (apic id %u): state %d, ticks %lu, interrupts %lu, ncli %d, kstack_top 0x%lx\n", $cpu->id, $cpu->apic_id, $cpu->state, $cpu->ticks, $cpu->nintr, $cpu->ncli, $cpu->kstack_top
  end
end
document kcpu
Print the per-CPU data of the CPU gdb is looking at, and set $cpu to it.
end

define kcpus
  printf "%d cpus found, %d online (states: 0 absent, 1 starting, 2 online, 3 failed, 4 halted)\n", ncpu_found, ncpu_online
  set $i = 0
  while $i < ncpu
    printf "  cpu %2d  apic %3u  state %d  ticks %8lu  intr %8lu\n", $i, cpus[$i].apic_id, cpus[$i].state, cpus[$i].ticks, cpus[$i].nintr
    set $i = $i + 1
  end
end
document kcpus
Print one line per CPU from the cpus[] table.
end

define kbt
  thread apply all bt
end
document kbt
Backtrace every CPU (one gdb thread per vCPU).
end

define kstop
  hbreak replay_stop
end
document kstop
Stop at the event the replay's stop=OBJ:SEQ names (make replay-gdb STOP=OBJ:SEQ),
on the CPU and thread that performs it: before it for an ordered operation (a
lock's acquisition, a run-queue or table change), just after it for an event
appended under a lock (a channel's SEND).  `o` is the object, `seq` the event;
`kcpu` and `bt` show who and how.
end

define kdivergence
  hbreak report
end
document kdivergence
Stop where replay reports the first divergent event (oracle/replay.c report()):
the arguments name the object, the sequence number, and the expected and
actual events; `bt` shows the CPU's way there. Use with make replay-gdb.
end
