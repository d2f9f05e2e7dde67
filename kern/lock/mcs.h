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
 * State tuple (tail, my.locked, my.next); p = predecessor, s = successor;
 * locked is FREE (node not in use), WAIT (queued; also kept by a CPU that
 * found the lock free) or GO (the predecessor handed the lock over):
 *
 *   free                         (0, -, -)
 *   take a node                  (-, FREE, -) -> (-, WAIT, 0)
 *   swap tail, no predecessor    (0, WAIT, 0) -> (me, WAIT, 0) got it; linearization
 *   swap tail, predecessor p     (p, WAIT, 0) -> (me, WAIT, 0) linearization, then p.next = me
 *   wait                         (x, WAIT, y) -> (x, GO, y)    written by p's release
 *   release, no successor        (me, -, 0)   -> (0, FREE, -)  CAS tail me -> 0
 *   release, successor s         (x, -, s)    -> s.locked = GO (s holds); my node FREE
 *   release, s still linking     (x, -, 0), x != me: wait for my.next, then as above
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
	volatile AO_t locked; /* MCS_FREE, MCS_WAIT, MCS_GO */
} __attribute__((aligned(PLAT_CACHELINE)));
enum { MCS_FREE, MCS_WAIT, MCS_GO };

_Static_assert(sizeof(struct mcs_node) == PLAT_CACHELINE, "MCS nodes own their cache line");

/* tail alone on the first line: every arriving CPU swaps it; the lock's
 * log pointer (dbg) is on the next, read only.  The holder's node is in the
 * log object's hot line (mcs_holder_node), which the holder writes anyway. */
struct mcs_lock {
	volatile AO_t tail; /* struct mcs_node * of the last waiter, 0 = free */
	struct lock_debug dbg __attribute__((aligned(PLAT_CACHELINE)));
} __attribute__((aligned(PLAT_CACHELINE)));
_Static_assert(offsetof(struct mcs_lock, dbg) == PLAT_CACHELINE, "tail has its own line");

/* The holding CPU's queue node (struct mcs_node *), in log_obj.sync[0]
 * (the ticket lock's next; unused by an MCS lock's log otherwise). */
static inline volatile AO_t *mcs_holder_node(struct log_obj *o)
{
	return &o->sync[0];
}

void mcs_init(struct mcs_lock *l, const char *name);
void mcs_init_ring(struct mcs_lock *l, const char *name, uint32_t ring);
void mcs_acquire(struct mcs_lock *l);
void mcs_release(struct mcs_lock *l);

static inline bool mcs_held(const struct mcs_lock *l)
{
	return lockdbg_held(&l->dbg);
}

#endif
