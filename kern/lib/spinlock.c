#include "lib/spinlock.h"

#include "lib/panic.h"
#include "mp/cpu.h"
#include "x86.h"

int spin_holding(const struct spinlock *l)
{
	return l->cpu == (int)cpuid_self() && l->owner != l->next;
}

void spin_acquire(struct spinlock *l)
{
	pushcli();
	if (spin_holding(l))
		panic("spinlock %s: recursive acquire (taken at %p)", l->name, (void *)l->pc);
	uint32_t t = __atomic_fetch_add(&l->next, 1, __ATOMIC_RELAXED);
	while (__atomic_load_n(&l->owner, __ATOMIC_ACQUIRE) != t)
		cpu_relax();
	l->cpu = (int)cpuid_self();
	l->pc = (uint64_t)__builtin_return_address(0);
}

void spin_release(struct spinlock *l)
{
	if (!spin_holding(l))
		panic("spinlock %s: release by cpu %u, not the holder (cpu %d)", l->name,
		      cpuid_self(), l->cpu);
	l->cpu = -1;
	__atomic_store_n(&l->owner, l->owner + 1, __ATOMIC_RELEASE);
	popcli();
}
