/*
 * The kernel's raw spinlock: a ticket lock with xv6-style debug state, used
 * only below the log layer (console, page allocator) where a logged lock would
 * recurse into itself. Shared objects use kern/lock instead.
 *
 *   word: [ next | owner ]   acquire: t = next++ ; wait owner == t
 *                            release: owner++
 */
#ifndef LIB_SPINLOCK_H
#define LIB_SPINLOCK_H

#include <stdint.h>

struct spinlock {
	volatile uint32_t next;
	volatile uint32_t owner;
	const char *name;
	int cpu;     /* holder, -1 when free */
	uint64_t pc; /* where the holder acquired it */
};

#define SPINLOCK_INIT(n)                                                                           \
	{                                                                                          \
		0, 0, (n), -1, 0                                                                   \
	}

void spin_acquire(struct spinlock *l);
void spin_release(struct spinlock *l);
int spin_holding(const struct spinlock *l);

#endif
