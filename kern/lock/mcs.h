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

void mcs_init(struct mcs_lock *l, const char *name);
void mcs_init_ring(struct mcs_lock *l, const char *name, uint32_t ring);

/*
 * mcs_acquire and mcs_release are inline, as Concurrency Kit's locks are:
 * the plain path (lockdbg.h) is a straight line, and every other case
 * (another oracle, a wait, a sampled event, a misuse) leaves through one
 * unlikely branch to the out-of-line part in mcs.c.  The call and return
 * of an out-of-line lock, and the register saves around them, were about a
 * fifth of an uncontended acquire + release.  lock_acquire (lock.h) calls
 * the out-of-line copies (mcs_acquire_call), so that its many call sites
 * do not each carry both kinds of lock.
 */
extern struct mcs_node mcs_nodes[PLAT_MAX_CPUS][MCS_NODES_PER_CPU];
void mcs_acquire_any(struct mcs_lock *l);
void mcs_got_plain_failed(struct mcs_lock *l);
void mcs_wait(struct mcs_lock *l, struct mcs_node *me, struct mcs_node *pred);
void mcs_queue(struct mcs_lock *l, struct mcs_node *me, AO_t seen);
void mcs_release_any(struct mcs_lock *l);
struct mcs_node *mcs_hand_on_late(struct mcs_lock *l, struct mcs_node *me);
struct mcs_node *mcs_node_find(unsigned cpu);
void mcs_acquire_call(struct mcs_lock *l);
void mcs_release_call(struct mcs_lock *l);

/* A node of this CPU's, set for queueing: (-, WAIT, 0).  A node is in use
 * from mcs_node_take to mcs_node_put, and free while its `locked` word is
 * MCS_FREE, so that finding one (nearly always the first) is a load and
 * taking or freeing one is a store of a word written anyway: no separate
 * in-use bitmap, whose load-modify-store at the release and again at the
 * next acquisition was a chain of dependent accesses in front of the next
 * tail CAS. */
static inline struct mcs_node *mcs_node_take(unsigned cpu)
{
	/* The first node, unless this CPU holds (or waits for) another MCS
	 * lock: the search for another is out of line (5% of an uncontended
	 * acquire + release was the loop's set-up). */
	struct mcs_node *n = mcs_nodes[cpu];
	if (plat_unlikely(n->locked != MCS_FREE))
		n = mcs_node_find(cpu);
	/* next is 0 already: a free node's always is (mcs_hand_to) */
	n->locked = MCS_WAIT;
	return n;
}

/* Nobody else refers to n any more (the release has handed on, or the
 * tail no longer names it); its next is 0. */
static inline void mcs_node_put(struct mcs_node *n)
{
	n->locked = MCS_FREE;
}

/* The holding CPU's queue node (struct mcs_node *), in log_obj.sync[0]
 * (the ticket lock's next; unused by an MCS lock's log otherwise).  A
 * stored pointer, not an index in the holder word: computing the node's
 * address from an index put an and, a shift and an add between the
 * release's first load and its CAS, 10% of an uncontended acquire +
 * release (paired runs). */
static inline volatile AO_t *mcs_holder_node(struct log_obj *o)
{
	return &o->sync[0];
}

static inline __attribute__((always_inline)) void mcs_acquire(struct mcs_lock *l)
{
	if (plat_unlikely(!lockdbg_plain())) {
		mcs_acquire_any(l);
		return;
	}
	struct log_obj *o = l->dbg.log;
	struct mcs_node *me = mcs_node_take(plat_cpu());
	/* (p, -, -) -> (me, WAIT, 0): the successful CAS is the linearization
	 * point.  libatomic_ops has no word-sized swap (AO_test_and_set is a
	 * byte), so: CAS guessing "free"; if it was not, mcs_queue swaps. */
	AO_t pred = AO_fetch_compare_and_swap_full(&l->tail, 0, (AO_t)me);
	if (plat_unlikely(pred != 0)) {
		mcs_queue(l, me, pred);
		return;
	}
	*mcs_holder_node(o) = (AO_t)me;
	if (plat_unlikely(!lockdbg_got_plain(&l->dbg, o, 0, true, false, mcs_apply)))
		mcs_got_plain_failed(l);
}

/* Hand over to s: s.locked WAIT -> GO; my node is free again (with next
 * 0 again: nobody links to it any more). */
static inline void mcs_hand_to(struct mcs_node *me, struct mcs_node *succ)
{
	AO_store_release(&succ->locked, MCS_GO);
	me->next = 0;
	mcs_node_put(me);
}

/* Hand the lock on from node me (the caller holds it, its record done),
 * and free the node; returns the successor's node, NULL if none. */
static inline struct mcs_node *mcs_hand_on(struct mcs_lock *l, struct mcs_node *me)
{
	struct mcs_node *succ = (struct mcs_node *)AO_load_acquire(&me->next);
	if (succ) {
		mcs_hand_to(me, succ);
		return succ;
	}
	/* (me, -, 0) -> (0, -, -) unless someone queued meanwhile. */
	if (AO_compare_and_swap_full(&l->tail, (AO_t)me, 0)) {
		mcs_node_put(me);
		return 0;
	}
	return mcs_hand_on_late(l, me);
}

static inline __attribute__((always_inline)) void mcs_release(struct mcs_lock *l)
{
	struct log_obj *o = l->dbg.log;
	if (plat_unlikely(!lockdbg_leave_plain(o))) {
		mcs_release_any(l);
		return;
	}
	mcs_hand_on(l, (struct mcs_node *)*mcs_holder_node(o));
}

static inline bool mcs_held(const struct mcs_lock *l)
{
	return lockdbg_held(&l->dbg);
}

#endif
