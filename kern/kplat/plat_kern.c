/* Out-of-line parts of the kernel platform: log memory, park and kick. */
#include "plat.h"

#include "dev/lapic.h"
#include "mm/kmalloc.h"
#include "thread/sched.h"
#include "thread/thread.h"
#include "trap/trapframe.h"

/* Log memory: the kernel heap, whose size classes suit the log's blocks
 * (512-byte object records, one-page rings, multi-page tables). */
void *plat_alloc(size_t bytes)
{
	return kmalloc(bytes);
}

void plat_free(void *p, size_t bytes)
{
	kfree(p, bytes);
}

/*
 * park/kick: a kick sets the target's pending flag, then sends an IPI if
 * the target is parked (in or about to enter hlt).
 *
 *   caller's IF   park does
 *   on            cli; parked = 1; flag set? -> clear, return; else sti;hlt
 *                 (a kick between the check and the hlt still ends the hlt:
 *                 sti delays interrupts by one instruction); cli; clear;
 *                 parked = 0; restore IF
 *   off           one pause and return (the caller polls): interrupts are
 *                 never turned on behind a caller that had them off
 *
 * The IPI only when `parked`: replay kicks the next CPU at every ordered
 * operation, nearly always one that is spinning or running, and an IPI
 * costs an interrupt there (under TCG, an exit from translated code each).
 * No kick is lost: the parker writes `parked` and then reads `kicked`, the
 * kicker writes `kicked` and then reads `parked`, each pair sequentially
 * consistent, so at least one of them sees the other's write (the parker
 * does not halt, or the kicker sends the IPI).
 *
 * Interrupt handlers never reach here: the oracles refuse event points in
 * them (plat_in_interrupt), so a handler cannot wait for a turn.
 */
static volatile uint8_t kicked[MAXCPU];
static volatile uint8_t parked[MAXCPU];

static void kick_intr(struct trapframe *tf)
{
}

void kplat_init(void)
{
	irq_register(T_IPI_KICK, kick_intr);
}

/* Interrupts off: halt until an interrupt, unless a kick came meanwhile
 * (consumed); returns with interrupts off. */
void kplat_halt(void)
{
	unsigned me = plat_cpu();
	__atomic_store_n(&parked[me], 1, __ATOMIC_SEQ_CST);
	if (!__atomic_exchange_n(&kicked[me], 0, __ATOMIC_SEQ_CST)) {
		sti_hlt();
		cli();
		__atomic_store_n(&kicked[me], 0, __ATOMIC_RELEASE);
	}
	__atomic_store_n(&parked[me], 0, __ATOMIC_RELEASE);
}

void plat_park(void)
{
	if (!(read_rflags() & RFLAGS_IF)) {
		cpu_relax();
		return;
	}
	cli();
	kplat_halt();
	sti();
}

struct oracle_actor *plat_actor(void)
{
	return &sched_current()->actor;
}

void plat_actors_start(unsigned ncpus,
		       void (*add)(struct oracle_actor *a, unsigned cpu, bool running))
{
	sched_actors_start(add);
}

void plat_kick(unsigned cpu)
{
	__atomic_store_n(&kicked[cpu], 1, __ATOMIC_SEQ_CST);
	if (cpu != plat_cpu() && __atomic_load_n(&parked[cpu], __ATOMIC_SEQ_CST))
		lapic_send_ipi(cpus[cpu].apic_id, T_IPI_KICK);
}

/* A waiting thread lets the other threads of its CPU run (plat.h). */
bool plat_yield(void)
{
	return sched_turn_yield();
}

bool plat_yield_to(struct oracle_actor *a)
{
	return sched_turn_yield_to(
		(struct thread *)((char *)a - __builtin_offsetof(struct thread, actor)));
}
