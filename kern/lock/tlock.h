/*
 * tlock.h - ticket lock whose fetch-and-increment orders its log.
 *
 * Lock word (two counters sharing one cache line: the hot line of the
 * lock's log object, log_obj.sync[], which the holder writes anyway):
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

/* next/owner are not here but on the log object's hot line (tlock_next,
 * tlock_owner), with its count, chain hash, state and holder: a hand-off
 * then moves one line (as a plain ticket lock does) instead of two.  This
 * line (dbg) is only read. */
struct tlock {
	struct lock_debug dbg;
} __attribute__((aligned(PLAT_CACHELINE)));

static inline volatile AO_t *tlock_next(struct log_obj *o)
{
	return &o->sync[0];
}

static inline volatile AO_t *tlock_owner(struct log_obj *o)
{
	return &o->sync[1];
}

void tlock_init(struct tlock *l, const char *name);
/* The same with `ring` events kept in the lock's log (0: LOCK_RING). */
void tlock_init_ring(struct tlock *l, const char *name, uint32_t ring);

/*
 * tlock_acquire and tlock_release are inline, as Concurrency Kit's locks
 * are (see mcs.h): the plain path (lockdbg.h) is a straight line, every
 * other case leaves through one unlikely branch to tlock.c.  lock_acquire
 * (lock.h) calls the out-of-line copies (tlock_acquire_call).
 */
void tlock_acquire_any(struct tlock *l);
void tlock_wait(struct tlock *l, AO_t t);
void tlock_got_plain_failed(struct tlock *l, AO_t t);
void tlock_release_any(struct tlock *l);
void tlock_acquire_call(struct tlock *l);
void tlock_release_call(struct tlock *l);

static inline __attribute__((always_inline)) void tlock_acquire(struct tlock *l)
{
	struct log_obj *o = l->dbg.log;
	if (plat_unlikely(!lockdbg_plain())) {
		tlock_acquire_any(l);
		return;
	}
	/* (n, o, h) -> (n+1, o, h): t = n, the linearization point */
	AO_t t = AO_fetch_and_add1_full(tlock_next(o));
	if (plat_unlikely(AO_load_acquire(tlock_owner(o)) != t)) {
		tlock_wait(l, t);
		return;
	}
	/* (n, t, -) -> (n, t, me) */
	if (plat_unlikely(!lockdbg_got_plain(&l->dbg, o, t, false, false, tlock_apply)))
		tlock_got_plain_failed(l, t);
}

static inline __attribute__((always_inline)) void tlock_release(struct tlock *l)
{
	struct log_obj *o = l->dbg.log;
	if (plat_unlikely(!lockdbg_leave_plain(o))) {
		tlock_release_any(l);
		return;
	}
	/* (n, t, me) -> (n, t+1, -): only the holder writes owner */
	volatile AO_t *owner = tlock_owner(o);
	AO_store_release(owner, *owner + 1);
}

static inline bool tlock_held(const struct tlock *l)
{
	return lockdbg_held(&l->dbg);
}

#endif
