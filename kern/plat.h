/*
 * plat.h - the only window the portable core (kern/log, kern/lock, oracle/)
 * has onto the machine it runs on.
 *
 * The core is compiled twice: into the freestanding kernel and into host
 * programs.  Everything machine-specific hides behind the items below; the
 * implementation comes from "plat_impl.h", found by include path:
 *   host:   host/plat_impl.h       (CPUs are pthreads or coroutines)
 *   kernel: kern/kplat/plat_impl.h (CPUs are cores, park = hlt, kick = IPI)
 *
 * A platform must provide (as static inline functions or extern symbols):
 *
 *   unsigned plat_cpu(void)
 *       Index of the calling CPU, 0 .. PLAT_MAX_CPUS-1.  Stable while the
 *       caller runs (callers of the core run with preemption off).
 *   unsigned plat_ncpus(void)
 *       Number of CPUs taking part (the oracle waits for all of them).
 *   uint32_t plat_thread(void)
 *       Id of the thread running on this CPU (0 if none); recorded in events
 *       so sleeping locks and replay can name threads.
 *   uint64_t plat_actor_word(void)
 *       plat_thread() | (uint64_t)plat_cpu() << 32, what every event
 *       records of its actor: one load on both platforms (the two ids
 *       side by side), since every log append asks for it.
 *   void plat_relax(void)
 *       One spin-wait iteration (x86: pause).  On the host's cooperative
 *       CPUs it yields to the next CPU, so it must be called in every spin.
 *   uint64_t plat_ticks(void)
 *       A time stamp, monotonic per CPU, comparable across CPUs as well as
 *       the hardware allows.  Display and statistics only: never hashed,
 *       never used to decide anything.
 *   void *plat_alloc(size_t bytes)
 *       Zeroed memory, 64-byte aligned (an event is one cache line and the
 *       object records' hot fields fill one), for logs.  Returns NULL when
 *       out of memory (callers panic with a message).
 *   void plat_free(void *p, size_t bytes)
 *       Give back what plat_alloc(bytes) returned, with the same size (the
 *       kernel's allocator finds the size class from it); NULL is ignored.
 *   int plat_printf(const char *fmt, ...)
 *       Console output.  Must support %d %i %u %x %lx %llx %lu %ld %llu
 *       %p %s %c, field widths and '0' padding; the core uses nothing else.
 *   _Noreturn void plat_panic(const char *fmt, ...)
 *       Print the message (same format subset) and stop this CPU.  The host
 *       may unwind a failing cooperative run instead of exiting.
 *   void plat_park(void)
 *       Wait until kicked, or briefly (it may return spuriously; callers
 *       re-check their condition).  A kick sent to this CPU after its last
 *       check and before/while it parks must not be lost (kernel: sti;hlt
 *       with a per-CPU pending flag, or a short timeout).
 *   void plat_kick(unsigned cpu)
 *       Make that CPU's current or next plat_park() return (kernel: IPI).
 *
 * Optional (defaults below):
 *   struct oracle_actor *plat_actor(void)
 *       The calling thread's actor (oracle.h): the kernel's current thread's,
 *       the host CPU's own.
 *   void plat_actors_start(unsigned ncpus, void (*add)(struct oracle_actor *,
 *                                                      unsigned cpu, bool running))
 *       At oracle start, name every runnable thread with its CPU: the ones
 *       running now (running: each CPU's current thread, not an idle one)
 *       and the ones queued behind them, in a fixed order (host: CPUs 0..ncpus-1).  Kernel: the other
 *       CPUs are quiet then (oracle starts at boot and between tests).
 *   uint64_t plat_irq_save(void) / void plat_irq_restore(uint64_t)
 *       Turn this CPU's interrupts off, returning whether they were on;
 *       put them back as they were (host: no interrupts, no-ops).
 *   uint64_t plat_ticks_hz(void)
 *       plat_ticks() per second, or 0 if unknown (then waiters on a lock do
 *       not report a stall by time).
 *   bool plat_in_interrupt(void)
 *       Is the caller an interrupt handler?  Oracles refuse event points
 *       there: a handler must not wait for a turn.
 *   bool plat_yield(void)
 *       A thread waiting for its turn: give the CPU to another runnable
 *       thread of this CPU (true if it did; it returns when rescheduled).
 *       The actor of an event is a thread: the one whose turn it is may be
 *       queued behind the waiter on the same CPU (kernel: sched_yield when
 *       the run queue is not empty and no spinlock is held; host: false).
 *   bool plat_yield_to(struct oracle_actor *a)
 *       The same, giving the CPU to a's thread if it is queued on this CPU
 *       (default: plat_yield()).
 *   void plat_panic_report(void (*fn)(void))
 *       Have the next plat_panic call fn() after its own message and stack,
 *       once the other CPUs are stopped, so that fn's report is one block
 *       (kernel: the CPUs stopped by NMI; default: call fn() at once).
 *   void plat_cpu_stack(unsigned cpu)
 *       From such a report: print that CPU's stack (kernel: a backtrace
 *       from where the NMI stopped it, or the panicking CPU's own; default:
 *       nothing).
 *   PLAT_STALL_PARKS
 *       How many plat_park() calls a CPU waiting for its turn makes before
 *       it declares the run stalled (default 20000, ~1 ms each on the host;
 *       the kernel's parks last up to one timer tick).
 *
 * Atomics come from libatomic_ops (<atomic_ops.h>, header-only use).
 */
#ifndef PLAT_H
#define PLAT_H

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>

#define PLAT_MAX_CPUS 64

struct oracle_actor;
#define PLAT_CACHELINE 64

#define plat_likely(x) __builtin_expect(!!(x), 1)
#define plat_unlikely(x) __builtin_expect(!!(x), 0)
#define plat_aligned(n) __attribute__((aligned(n)))

#include "plat_impl.h"

#ifndef PLAT_STALL_PARKS
#define PLAT_STALL_PARKS 20000
#endif
#ifndef PLAT_HAS_IRQ_SAVE
static inline uint64_t plat_irq_save(void)
{
	return 0;
}
static inline void plat_irq_restore(uint64_t was)
{
	(void)was;
}
#endif
#ifndef PLAT_HAS_TICKS_HZ
static inline uint64_t plat_ticks_hz(void)
{
	return 0;
}
#endif
#ifndef PLAT_HAS_IN_INTERRUPT
static inline bool plat_in_interrupt(void)
{
	return false;
}
#endif
#ifndef PLAT_HAS_PANIC_REPORT
static inline void plat_panic_report(void (*fn)(void))
{
	fn();
}
static inline void plat_cpu_stack(unsigned cpu)
{
	(void)cpu;
}
#endif
#ifndef PLAT_HAS_YIELD
static inline bool plat_yield(void)
{
	return false;
}
static inline bool plat_yield_to(struct oracle_actor *a)
{
	(void)a;
	return false;
}
#endif

#endif
