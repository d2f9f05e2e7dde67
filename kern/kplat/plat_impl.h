/*
 * plat_impl.h (kernel) - the platform contract of kern/plat.h in the kernel.
 * CPUs are cores; parking halts until a kick IPI; log memory comes from the
 * kernel heap (kern/mm/kmalloc.c).
 */
#ifndef KPLAT_PLAT_IMPL_H
#define KPLAT_PLAT_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/kprintf.h"
#include "lib/panic.h"
#include "mp/cpu.h"
#include "x86.h"

static inline unsigned plat_cpu(void)
{
	return CPU_FIELD32(id);
}
static inline unsigned plat_ncpus(void)
{
	return (unsigned)ncpu_online;
}
static inline uint32_t plat_thread(void)
{
	return CPU_FIELD32(tid);
}
static inline uint64_t plat_actor_word(void)
{
	return CPU_FIELD64(tid); /* tid, then id (cpu.h) */
}
static inline void plat_relax(void)
{
	cpu_relax();
}
/* lfence: stamp after earlier loads (the hand-off), as lockcheck assumes. */
static inline uint64_t plat_ticks(void)
{
	__asm__ volatile("lfence" ::: "memory");
	return rdtsc();
}

/* A parked CPU wakes at the latest on its next tick (HZ = 1000): about 2 s. */
#define PLAT_STALL_PARKS 2000

void *plat_alloc(size_t bytes);
void plat_free(void *p, size_t bytes);
#define plat_printf kprintf
#define plat_panic panic
void plat_park(void);
void plat_kick(unsigned cpu);
void kplat_init(void); /* boot CPU, before the portable core runs */
/* Interrupts off: halt until an interrupt or a kick (plat_kick); the way
 * every wait for a kick halts (the idle loop too), since a kick sends its
 * IPI only to a CPU halted so. */
void kplat_halt(void);

struct oracle_actor *plat_actor(void);
void plat_actors_start(unsigned ncpus,
		       void (*add)(struct oracle_actor *a, unsigned cpu, bool running));
#define PLAT_HAS_IRQ_SAVE
static inline uint64_t plat_irq_save(void)
{
	uint64_t f = read_rflags();
	cli();
	return f & RFLAGS_IF;
}
static inline void plat_irq_restore(uint64_t was)
{
	if (was)
		sti();
}
#define PLAT_HAS_TICKS_HZ
uint64_t tsc_hz(void);
static inline uint64_t plat_ticks_hz(void)
{
	return tsc_hz();
}
#define PLAT_HAS_IN_INTERRUPT
static inline bool plat_in_interrupt(void)
{
	return thiscpu()->intr_depth > 0;
}

/* lib/panic.c: the report after the panic's own stack, the others stopped. */
#define PLAT_HAS_PANIC_REPORT
static inline void plat_panic_report(void (*fn)(void))
{
	panic_set_report(fn);
}
static inline void plat_cpu_stack(unsigned cpu)
{
	panic_cpu_backtrace(cpu);
}

#define PLAT_HAS_YIELD
bool plat_yield(void);
bool plat_yield_to(struct oracle_actor *a);

#endif
