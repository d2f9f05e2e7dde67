/*
 * tlock.h - ticket lock whose fetch-and-increment orders its log.
 *
 * Lock word (two counters sharing one cache line):
 *
 *      +------------------------+------------------------+
 *      | next: tickets handed   | owner: ticket being    |
 *      | out so far             | served (holder's)      |
 *      +------------------------+------------------------+
 *
 * State tuple (next, owner, holder); t is the caller's ticket:
 *
 *   free                          (n, n, -)
 *   take ticket  (FAI on next)    (n, o, h) -> (n+1, o, h)    t = n; linearization
 *   got it       (owner == t)     (n, t, -) -> (n, t, me)     log ACQ(t), seq == t
 *   release      (store owner+1)  (n, t, me) -> (n, t+1, -)   only the holder writes owner
 *
 * The ticket is the position of this acquisition in the lock's log, so the
 * log costs nothing to order: the holder fills slot t % N.
 *
 * -DTLOCK_BROKEN (test builds only) takes the ticket with a load and a
 * separate store, each its own event point: two CPUs can draw the same
 * ticket and enter together.  explore-broken shows the bug is found.
 */
#ifndef LOCK_TLOCK_H
#define LOCK_TLOCK_H

#include <stddef.h>
#include <atomic_ops.h>
#include "lock/lockdbg.h"

/* next/owner alone on the first line: waiters spin on it, and the holder's
 * debug writes (dbg, next line) must not steal it from them. */
struct tlock {
	volatile AO_t next;
	volatile AO_t owner;
	struct lock_debug dbg __attribute__((aligned(PLAT_CACHELINE)));
} __attribute__((aligned(PLAT_CACHELINE)));
_Static_assert(offsetof(struct tlock, dbg) == PLAT_CACHELINE, "lock word has its own line");

void tlock_init(struct tlock *l, const char *name);
void tlock_acquire(struct tlock *l);
void tlock_release(struct tlock *l);

static inline bool tlock_held(const struct tlock *l)
{
	return lockdbg_held(&l->dbg);
}

#endif
