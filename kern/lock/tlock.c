/*
 * tlock.c - ticket lock (state machine in tlock.h).
 */
#include "lock/tlock.h"
#include "oracle/oracle.h"

void tlock_init(struct tlock *l, const char *name)
{
	l->next = 0;
	l->owner = 0;
	lockdbg_init(&l->dbg, &tlock_log_type, name);
}

/* (n, o, h) -> (n+1, o, h): returns t = n. */
static AO_t take_ticket(struct tlock *l)
{
	struct log_obj *o = l->dbg.log;
	oracle_before(o, ORACLE_ORDERED);
#ifdef TLOCK_BROKEN
	/* Deliberately wrong: load and store are two separate shared accesses,
	 * so each is its own event point; another CPU may load in between. */
	AO_t t = AO_load(&l->next);
	oracle_after(o, ORACLE_ORDERED);
	oracle_before(o, ORACLE_FREE);
	AO_store(&l->next, t + 1);
	oracle_after(o, ORACLE_FREE);
#else
	AO_t t = AO_fetch_and_add1_full(&l->next);
	oracle_after(o, ORACLE_ORDERED);
#endif
	return t;
}

/* (n, o, h) with o != t: spin (script: block) until owner reaches t.  Only
 * this slow path reads the clock (a free lock costs no rdtsc) or checks
 * recursion (a CPU holding the lock would find o != t).  Out of line, so
 * that the fast path stays short. */
__attribute__((noinline)) static void tlock_wait(struct tlock *l, AO_t t)
{
	uint64_t queued = plat_ticks();
	uint32_t spins = 0;
	do
		lockdbg_wait(&l->dbg, spins++);
	while (AO_load_acquire(&l->owner) != t);
	/* (n, t, -) -> (n, t, me) */
	lockdbg_got(&l->dbg, t, queued, true, tlock_apply);
}

void tlock_acquire(struct tlock *l)
{
	AO_t t = take_ticket(l);
	if (plat_unlikely(AO_load_acquire(&l->owner) != t)) {
		tlock_wait(l, t);
		return;
	}
	/* (n, t, -) -> (n, t, me) */
	lockdbg_got(&l->dbg, t, 0, false, tlock_apply);
}

void tlock_release(struct tlock *l)
{
	lockdbg_leave(&l->dbg);
	struct log_obj *o = l->dbg.log;
	oracle_before(o, ORACLE_FREE);
	/* (n, t, me) -> (n, t+1, -): only the holder writes owner, so a plain
	 * load and a release store suffice. */
	AO_store_release(&l->owner, l->owner + 1);
	oracle_after(o, ORACLE_FREE);
}
