/*
 * mcs.c - MCS lock (state machine in mcs.h).
 */
#include "lock/mcs.h"
#include "oracle/oracle.h"

/* Each CPU's nodes; a node is in use from node_take to node_put, and free
 * while its `locked` word is MCS_FREE, so that finding one (nearly always
 * the first) is a load and taking or freeing one is a store of a word
 * written anyway: no separate in-use bitmap, whose load-modify-store at the
 * release and again at the next acquisition was a chain of dependent
 * accesses in front of the next tail CAS. */
static struct mcs_node nodes[PLAT_MAX_CPUS][MCS_NODES_PER_CPU];

/* A node of this CPU's, set for queueing: (-, WAIT, 0). */
static struct mcs_node *node_take(unsigned cpu)
{
	struct mcs_node *n = nodes[cpu];
	unsigned i = 0;
	while (n[i].locked != MCS_FREE)
		if (plat_unlikely(++i == MCS_NODES_PER_CPU))
			plat_panic("mcs: cpu %u holds more than %u MCS locks", cpu,
				   MCS_NODES_PER_CPU);
	n[i].next = 0;
	n[i].locked = MCS_WAIT;
	return &n[i];
}

/* Nobody else refers to n any more (the release has handed on, or the
 * tail no longer names it). */
static void node_put(struct mcs_node *n)
{
	n->locked = MCS_FREE;
}

void mcs_init(struct mcs_lock *l, const char *name)
{
	mcs_init_ring(l, name, 0);
}

void mcs_init_ring(struct mcs_lock *l, const char *name, uint32_t ring)
{
	l->tail = 0;
	lockdbg_init(&l->dbg, &mcs_log_type, name, ring);
}

/* (x, WAIT or GO, y): got it, general path (lockdbg.h); out of line. */
__attribute__((noinline)) static void mcs_got(struct mcs_lock *l, uint64_t queued, bool waited)
{
	lockdbg_got(&l->dbg, 0, queued, waited, mcs_apply);
}

/* Link behind p, then wait: (x, WAIT, y) -> (x, GO, y).  Only this queued
 * path reads the clock or checks recursion (a CPU that holds the lock is
 * in the queue, so it never finds it free).  Out of line, so that the fast
 * path stays short. */
__attribute__((noinline)) static void mcs_wait(struct mcs_lock *l, struct mcs_node *me,
					       struct mcs_node *pred)
{
	uint64_t queued = plat_ticks();
	AO_store_release(&pred->next, (AO_t)me);
	uint32_t spins = 0;
	while (AO_load_acquire(&me->locked) == MCS_WAIT)
		lockdbg_wait(&l->dbg, spins++, (uint64_t)(uintptr_t)me); /* key: its node */
	lockdbg_wait_end(spins);
	struct log_obj *o = l->dbg.log;
	*mcs_holder_node(o) = (AO_t)me;
	if (!lockdbg_plain() || !lockdbg_got_plain(&l->dbg, o, 0, true, true, mcs_apply))
		mcs_got(l, queued, true);
}

/* Any oracle, any mode: every hook and the general record. */
__attribute__((noinline)) static void mcs_acquire_any(struct mcs_lock *l)
{
	struct log_obj *o = l->dbg.log;
	struct mcs_node *me = node_take(plat_cpu());

	/* (p, -, -) -> (me, WAIT, 0): the successful CAS is the linearization
	 * point.  libatomic_ops has no word-sized swap (AO_test_and_set is a
	 * byte), so: CAS guessing "free", and on failure retry with the value
	 * the CAS returned (no separate load). */
	oracle_before(o, ORACLE_ORDERED);
	AO_t pred = 0, seen;
	while ((seen = AO_fetch_compare_and_swap_full(&l->tail, pred, (AO_t)me)) != pred)
		pred = seen;
	oracle_after(o, ORACLE_ORDERED);

	if (plat_unlikely(pred != 0)) {
		mcs_wait(l, me, (struct mcs_node *)pred);
		return;
	}
	*mcs_holder_node(o) = (AO_t)me;
	mcs_got(l, 0, false);
}

void mcs_acquire(struct mcs_lock *l)
{
	if (plat_unlikely(!lockdbg_plain())) {
		mcs_acquire_any(l);
		return;
	}
	struct log_obj *o = l->dbg.log;
	struct mcs_node *me = node_take(plat_cpu());
	/* (p, -, -) -> (me, WAIT, 0), as in mcs_acquire_any */
	AO_t pred = 0, seen;
	while ((seen = AO_fetch_compare_and_swap_full(&l->tail, pred, (AO_t)me)) != pred)
		pred = seen;
	if (plat_unlikely(pred != 0)) {
		mcs_wait(l, me, (struct mcs_node *)pred);
		return;
	}
	*mcs_holder_node(o) = (AO_t)me;
	if (plat_unlikely(!lockdbg_got_plain(&l->dbg, o, 0, true, false, mcs_apply)))
		mcs_got(l, 0, false);
}

/* Hand over to s: s.locked WAIT -> GO; my node is free again. */
static inline void mcs_hand_to(struct mcs_node *me, struct mcs_node *succ)
{
	AO_store_release(&succ->locked, MCS_GO);
	node_put(me);
}

/* (x, -, 0), x != me: the successor swapped but has not linked; wait for
 * it, then hand over (out of line: the release stays a leaf). */
__attribute__((noinline)) static struct mcs_node *mcs_hand_on_late(struct mcs_lock *l,
								   struct mcs_node *me)
{
	struct mcs_node *succ;
	while (!(succ = (struct mcs_node *)AO_load_acquire(&me->next)))
		oracle_wait(l->dbg.log);
	mcs_hand_to(me, succ);
	return succ;
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
		node_put(me);
		return 0;
	}
	return mcs_hand_on_late(l, me);
}

__attribute__((noinline)) static void mcs_release_any(struct mcs_lock *l)
{
	struct log_obj *o = l->dbg.log;
	struct mcs_node *me = (struct mcs_node *)*mcs_holder_node(o);

	lockdbg_leave(&l->dbg);
	oracle_before(o, ORACLE_FREE);
	/* The handoff only here: the plain path (hw) looks at no oracle hook. */
	struct mcs_node *succ = mcs_hand_on(l, me);
	if (succ) /* the waiter on that node (script: only it may go on) */
		oracle_handoff(o, (uint64_t)(uintptr_t)succ);
	oracle_after(o, ORACLE_FREE);
}

void mcs_release(struct mcs_lock *l)
{
	struct log_obj *o = l->dbg.log;
	if (plat_unlikely(!lockdbg_plain() || !lockdbg_leave_plain(o))) {
		mcs_release_any(l);
		return;
	}
	mcs_hand_on(l, (struct mcs_node *)*mcs_holder_node(o));
}
