/*
 * tlock.c - ticket lock (state machine in tlock.h).
 */
#include "lock/tlock.h"
#include "oracle/oracle.h"

void tlock_init(struct tlock *l, const char *name)
{
	tlock_init_ring(l, name, 0);
}

void tlock_init_ring(struct tlock *l, const char *name, uint32_t ring)
{
	lockdbg_init(&l->dbg, &tlock_log_type, name, ring);
	*tlock_next(l->dbg.log) = 0;
	*tlock_owner(l->dbg.log) = 0;
}

/* (n, o, h) -> (n+1, o, h): returns t = n. */
static AO_t take_ticket(struct tlock *l)
{
	struct log_obj *o = l->dbg.log;
	oracle_before(o, ORACLE_ORDERED);
#ifdef TLOCK_BROKEN
	/* Deliberately wrong: load and store are two separate shared accesses,
	 * so each is its own event point; another CPU may load in between. */
	AO_t t = AO_load(tlock_next(o));
	oracle_after(o, ORACLE_ORDERED);
	oracle_before(o, ORACLE_FREE);
	AO_store(tlock_next(o), t + 1);
	oracle_after(o, ORACLE_FREE);
#else
	AO_t t = AO_fetch_and_add1_full(tlock_next(o));
	oracle_after(o, ORACLE_ORDERED);
#endif
	return t;
}

/* (n, t, -) -> (n, t, me), general path (lockdbg.h). */
static void tlock_got(struct tlock *l, AO_t t, uint64_t queued, bool waited)
{
	lockdbg_got(&l->dbg, t, false, queued, waited, tlock_apply);
}

/* The plain path got ticket t's turn but cannot record it itself (a
 * sampled event, a checkpoint due, a misuse to report). */
void tlock_got_plain_failed(struct tlock *l, AO_t t)
{
	tlock_got(l, t, 0, false);
}

/* (n, o, h) with o != t: spin (script: block) until owner reaches t.  Only
 * this slow path checks recursion (a CPU holding the lock would find
 * o != t); it reads the clock only if acquisition t is timed (lockdbg.h). */
void tlock_wait(struct tlock *l, AO_t t)
{
	uint64_t queued = plat_unlikely(lockdbg_wait_timed(t)) ? plat_ticks() : 0;
	volatile AO_t *owner = tlock_owner(l->dbg.log);
	uint32_t spins = 0;
	do
		lockdbg_wait(&l->dbg, spins++, t + 1); /* key: its ticket (nonzero) */
	while (AO_load_acquire(owner) != t);
	lockdbg_wait_end(spins);
	/* (n, t, -) -> (n, t, me) */
	if (!lockdbg_plain() || !lockdbg_got_plain(&l->dbg, l->dbg.log, t, false, true, tlock_apply))
		tlock_got(l, t, queued, true);
}

/* Any oracle, any mode: every hook and the general record. */
void tlock_acquire_any(struct tlock *l)
{
	AO_t t = take_ticket(l);
	if (plat_unlikely(AO_load_acquire(tlock_owner(l->dbg.log)) != t)) {
		tlock_wait(l, t);
		return;
	}
	tlock_got(l, t, 0, false);
}

void tlock_release_any(struct tlock *l)
{
	lockdbg_leave(&l->dbg);
	struct log_obj *o = l->dbg.log;
	oracle_before(o, ORACLE_FREE);
	/* (n, t, me) -> (n, t+1, -): only the holder writes owner, so a plain
	 * load and a release store suffice. */
	volatile AO_t *owner = tlock_owner(o);
	AO_store_release(owner, *owner + 1);
	oracle_handoff(o, *owner + 1); /* the waiter with that ticket */
	oracle_after(o, ORACLE_FREE);
}

void tlock_acquire_call(struct tlock *l)
{
	tlock_acquire(l);
}

void tlock_release_call(struct tlock *l)
{
	tlock_release(l);
}
