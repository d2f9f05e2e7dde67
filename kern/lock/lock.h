/*
 * lock.h - one spinlock API over either implementation, so that callers
 * (big-lock objects, the kernel, benchmarks) choose the kind at init.
 */
#ifndef LOCK_LOCK_H
#define LOCK_LOCK_H

#include "lock/tlock.h"
#include "lock/mcs.h"

enum lock_kind { LOCK_TICKET, LOCK_MCS };

struct lock {
	enum lock_kind kind;
	union {
		struct tlock t;
		struct mcs_lock m;
	} u;
};

void lock_init(struct lock *l, enum lock_kind kind, const char *name);
/* With `ring` events kept in the lock's log (0: LOCK_RING): objects made by
 * the thousand (channels) keep small ones. */
void lock_init_ring(struct lock *l, enum lock_kind kind, const char *name, uint32_t ring);
/* The lock's log leaves the registry; the lock must be free and unused. */
void lock_destroy(struct lock *l);
/* "ticket" or "mcs" -> kind; returns false for anything else. */
bool lock_kind_parse(const char *s, enum lock_kind *out);

static inline void lock_acquire(struct lock *l)
{
	if (l->kind == LOCK_TICKET)
		tlock_acquire_call(&l->u.t);
	else
		mcs_acquire_call(&l->u.m);
}

static inline void lock_release(struct lock *l)
{
	if (l->kind == LOCK_TICKET)
		tlock_release_call(&l->u.t);
	else
		mcs_release_call(&l->u.m);
}

/*
 * Interrupt-saving variants, for state an interrupt handler on this CPU
 * could otherwise find half-changed: interrupts are off from before the
 * ticket draw to after the release, and stay off while the caller waits for
 * the lock or for an oracle turn (parking polls then: it never turns
 * interrupts on behind its caller).
 */
static inline uint64_t lock_acquire_irqsave(struct lock *l)
{
	uint64_t was = plat_irq_save();
	lock_acquire(l);
	return was;
}

static inline void lock_release_irqrestore(struct lock *l, uint64_t was)
{
	lock_release(l);
	plat_irq_restore(was);
}

static inline struct lock_debug *lock_dbg(struct lock *l)
{
	return l->kind == LOCK_TICKET ? &l->u.t.dbg : &l->u.m.dbg;
}

static inline bool lock_held(struct lock *l)
{
	return lockdbg_held(lock_dbg(l));
}

#endif
