/*
 * mcs.c - MCS lock (state machine in mcs.h): the out-of-line part.
 */
#include "lock/mcs.h"
#include "oracle/oracle.h"

struct mcs_node mcs_nodes[PLAT_MAX_CPUS][MCS_NODES_PER_CPU];

_Noreturn static void mcs_too_many(unsigned cpu)
{
	plat_panic("mcs: cpu %u holds more than %u MCS locks", cpu, MCS_NODES_PER_CPU);
}

/* mcs_node_take's first node is in use: one of the others. */
struct mcs_node *mcs_node_find(unsigned cpu)
{
	struct mcs_node *n = mcs_nodes[cpu];
	for (unsigned i = 1; i < MCS_NODES_PER_CPU; i++)
		if (n[i].locked == MCS_FREE)
			return &n[i];
	mcs_too_many(cpu);
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

/* (x, WAIT or GO, y): got it, general path (lockdbg.h). */
static void mcs_got(struct mcs_lock *l, uint64_t queued, bool waited)
{
	lockdbg_got(&l->dbg, 0, true, queued, waited, mcs_apply);
}

/* The plain path found the lock free but cannot record the acquisition
 * itself (a sampled event, a checkpoint due, a misuse to report). */
void mcs_got_plain_failed(struct mcs_lock *l)
{
	mcs_got(l, 0, false);
}

/* Link behind p, then wait: (x, WAIT, y) -> (x, GO, y).  Only this queued
 * path reads the clock or checks recursion (a CPU that holds the lock is
 * in the queue, so it never finds it free). */
void mcs_wait(struct mcs_lock *l, struct mcs_node *me, struct mcs_node *pred)
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

/* (p, -, -) -> (me, WAIT, 0): CAS the tail from `seen` (the last value a
 * CAS returned, 0 at first: a guess of "free"), retrying with the value
 * each CAS returns (no separate load), until one succeeds; returns p. */
static AO_t mcs_swap_tail(struct mcs_lock *l, struct mcs_node *me, AO_t seen)
{
	AO_t pred;
	do
		pred = seen;
	while ((seen = AO_fetch_compare_and_swap_full(&l->tail, pred, (AO_t)me)) != pred);
	return pred;
}

/* mcs_acquire's CAS found the tail at `seen` (p != 0 likely): swap, then
 * wait, or (the lock was freed meanwhile) hold it. */
void mcs_queue(struct mcs_lock *l, struct mcs_node *me, AO_t seen)
{
	AO_t pred = mcs_swap_tail(l, me, seen);
	if (pred != 0) {
		mcs_wait(l, me, (struct mcs_node *)pred);
		return;
	}
	struct log_obj *o = l->dbg.log;
	*mcs_holder_node(o) = (AO_t)me;
	if (!lockdbg_plain() || !lockdbg_got_plain(&l->dbg, o, 0, true, false, mcs_apply))
		mcs_got(l, 0, false);
}

/* Any oracle, any mode: every hook and the general record. */
void mcs_acquire_any(struct mcs_lock *l)
{
	struct log_obj *o = l->dbg.log;
	struct mcs_node *me = mcs_node_take(plat_cpu());

	/* (p, -, -) -> (me, WAIT, 0): the linearization point */
	oracle_before(o, ORACLE_ORDERED);
	AO_t pred = mcs_swap_tail(l, me, 0);
	oracle_after(o, ORACLE_ORDERED);

	if (plat_unlikely(pred != 0)) {
		mcs_wait(l, me, (struct mcs_node *)pred);
		return;
	}
	*mcs_holder_node(o) = (AO_t)me;
	mcs_got(l, 0, false);
}

/* (x, -, 0), x != me: the successor swapped but has not linked; wait for
 * it, then hand over. */
struct mcs_node *mcs_hand_on_late(struct mcs_lock *l, struct mcs_node *me)
{
	struct mcs_node *succ;
	while (!(succ = (struct mcs_node *)AO_load_acquire(&me->next)))
		oracle_wait(l->dbg.log);
	mcs_hand_to(me, succ);
	return succ;
}

void mcs_release_any(struct mcs_lock *l)
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

void mcs_acquire_call(struct mcs_lock *l)
{
	mcs_acquire(l);
}

void mcs_release_call(struct mcs_lock *l)
{
	mcs_release(l);
}
