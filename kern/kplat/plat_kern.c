/* Out-of-line parts of the kernel platform: log memory, park and kick. */
#include "plat.h"

#include "dev/lapic.h"
#include "trap/trapframe.h"

/*
 * Log memory: a bump arena in .bss. Logs are allocated at registration and
 * never freed (plat.h allows that), so nothing smarter is needed.
 */
#define ARENA_SIZE (16u << 20)
static uint8_t arena[ARENA_SIZE] __attribute__((aligned(64)));
static size_t arena_used;

void *plat_alloc(size_t bytes)
{
	size_t n = (bytes + 63) & ~(size_t)63;
	size_t at = __atomic_fetch_add(&arena_used, n, __ATOMIC_RELAXED);
	if (at + n > ARENA_SIZE)
		return NULL;
	__builtin_memset(arena + at, 0, n);
	return arena + at;
}

/*
 * park/kick: a kick sets the target's pending flag, then sends an IPI. park
 * checks the flag with interrupts off and halts with `sti; hlt`, so a kick that
 * lands between the check and the hlt still ends the hlt. Interrupts are on
 * while parked: handlers must not touch oracle-ordered objects.
 */
static volatile uint8_t kicked[MAXCPU];

static void kick_intr(struct trapframe *tf)
{
}

void kplat_init(void)
{
	irq_register(T_IPI_KICK, kick_intr);
}

void plat_park(void)
{
	unsigned me = plat_cpu();
	uint64_t flags = read_rflags();
	cli();
	if (!__atomic_exchange_n(&kicked[me], 0, __ATOMIC_ACQ_REL)) {
		sti_hlt();
		cli();
		__atomic_store_n(&kicked[me], 0, __ATOMIC_RELEASE);
	}
	if (flags & RFLAGS_IF)
		sti();
}

void plat_kick(unsigned cpu)
{
	__atomic_store_n(&kicked[cpu], 1, __ATOMIC_RELEASE);
	if (cpu != plat_cpu())
		lapic_send_ipi(cpus[cpu].apic_id, T_IPI_KICK);
}
