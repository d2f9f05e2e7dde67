/*
 * mcs.c - MCS lock (state machine in mcs.h).
 */
#include "lock/mcs.h"
#include "oracle/oracle.h"

static struct mcs_node nodes[PLAT_MAX_CPUS][MCS_NODES_PER_CPU];
/* Which of a CPU's nodes are in use: one bitmap per CPU, each on its own
 * line, touched only by that CPU (no false sharing between CPUs). */
static struct {
	uint8_t used;
} __attribute__((aligned(PLAT_CACHELINE))) nodes_used[PLAT_MAX_CPUS];

_Static_assert(MCS_NODES_PER_CPU <= 8, "nodes_used is a byte");

static struct mcs_node *node_get(unsigned cpu)
{
	unsigned used = nodes_used[cpu].used;
	if (plat_unlikely(used == (1u << MCS_NODES_PER_CPU) - 1))
		plat_panic("mcs: cpu %u holds more than %u MCS locks", cpu, MCS_NODES_PER_CPU);
	unsigned i = (unsigned)__builtin_ctz(~used);
	nodes_used[cpu].used = (uint8_t)(used | 1u << i);
	return &nodes[cpu][i];
}

static void node_put(unsigned cpu, struct mcs_node *n)
{
	nodes_used[cpu].used &= (uint8_t) ~(1u << (n - nodes[cpu]));
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

/* Link behind p, then wait: (x, 1, y) -> (x, 0, y).  Only this queued
 * path reads the clock or checks recursion (a CPU that holds the lock is
 * in the queue, so it never finds it free).  Out of line, so that the fast
 * path stays short. */
__attribute__((noinline)) static void mcs_wait(struct mcs_lock *l, struct mcs_node *me,
					       struct mcs_node *pred)
{
	uint64_t queued = plat_ticks();
	AO_store_release(&pred->next, (AO_t)me);
	uint32_t spins = 0;
	while (AO_load_acquire(&me->locked))
		lockdbg_wait(&l->dbg, spins++);
	l->dbg.holder_node = me;
	lockdbg_got(&l->dbg, 0, queued, true, mcs_apply);
}

void mcs_acquire(struct mcs_lock *l)
{
	struct log_obj *o = l->dbg.log;
	unsigned cpu = plat_cpu();

	struct mcs_node *me = node_get(cpu);
	me->next = 0;
	me->locked = 1;

	/* (p, -, -) -> (me, 1, 0): the successful CAS is the linearization
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
	l->dbg.holder_node = me;
	lockdbg_got(&l->dbg, 0, 0, false, mcs_apply);
}

void mcs_release(struct mcs_lock *l)
{
	struct log_obj *o = l->dbg.log;
	struct mcs_node *me = l->dbg.holder_node;

	lockdbg_leave(&l->dbg);
	oracle_before(o, ORACLE_FREE);
	struct mcs_node *succ = (struct mcs_node *)AO_load_acquire(&me->next);
	if (!succ) {
		/* (me, 0, 0) -> (0, -, -) unless someone queued meanwhile. */
		if (AO_compare_and_swap_full(&l->tail, (AO_t)me, 0))
			goto done;
		/* (x, 0, 0), x != me: the successor swapped but has not linked. */
		while (!(succ = (struct mcs_node *)AO_load_acquire(&me->next)))
			oracle_wait(o);
	}
	/* Hand over: s.locked 1 -> 0. */
	AO_store_release(&succ->locked, 0);
done:
	oracle_after(o, ORACLE_FREE);
	node_put(plat_cpu(), me);
}
