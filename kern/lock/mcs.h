/*
 * mcs.h - MCS queue lock whose tail swap orders its log.
 *
 * Lock word and per-CPU queue nodes:
 *
 *   tail ---> [node C] <-next- [node B] <-next- [node A]   (A holds, C last)
 *             +-------+-------+
 *   node:     | next  | locked|    one cache line per node, per CPU
 *             +-------+-------+
 *
 * State tuple (tail, my.locked, my.next); p = predecessor, s = successor:
 *
 *   free                         (0, -, -)
 *   swap tail, no predecessor    (0, -, -)   -> (me, 0, 0)   got it; linearization
 *   swap tail, predecessor p     (p, -, -)   -> (me, 1, 0)   linearization, then p.next = me
 *   wait                         (x, 1, y)   -> (x, 0, y)    written by p's release
 *   release, no successor        (me, 0, 0)  -> (0, -, -)    CAS tail me -> 0
 *   release, successor s         (x, 0, s)   -> s.locked = 0 (s holds)
 *   release, s still linking     (x, 0, 0), x != me: wait for my.next, then as above
 *
 * Acquisitions enter the lock's log in swap order (the queue order).
 * Each CPU has MCS_NODES_PER_CPU nodes, so it may hold that many MCS locks
 * at once, released in any order.
 */
#ifndef LOCK_MCS_H
#define LOCK_MCS_H

#include <stddef.h>
#include <atomic_ops.h>
#include "lock/lockdbg.h"

#define MCS_NODES_PER_CPU 8

struct mcs_node {
	volatile AO_t next;   /* struct mcs_node *, 0 = none yet */
	volatile AO_t locked; /* 1 while waiting */
} __attribute__((aligned(PLAT_CACHELINE)));

_Static_assert(sizeof(struct mcs_node) == PLAT_CACHELINE, "MCS nodes own their cache line");

/* tail alone on the first line: every arriving CPU swaps it; the holder's
 * state (dbg, with the holder's node in dbg.holder_node) is on the next. */
struct mcs_lock {
	volatile AO_t tail; /* struct mcs_node * of the last waiter, 0 = free */
	struct lock_debug dbg __attribute__((aligned(PLAT_CACHELINE)));
} __attribute__((aligned(PLAT_CACHELINE)));
_Static_assert(offsetof(struct mcs_lock, dbg) == PLAT_CACHELINE, "tail has its own line");

void mcs_init(struct mcs_lock *l, const char *name);
void mcs_init_ring(struct mcs_lock *l, const char *name, uint32_t ring);
void mcs_acquire(struct mcs_lock *l);
void mcs_release(struct mcs_lock *l);

static inline bool mcs_held(const struct mcs_lock *l)
{
	return lockdbg_held(&l->dbg);
}

#endif
