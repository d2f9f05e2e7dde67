/*
 * biglock.h - lock-protected shared objects (channels, containers, run
 * queues, ...), after mCertiKOS's big2_acquire_lock_SC_spec.
 *
 *   const struct S *s = big_acquire(&b);   lock, then PULL: s is the
 *                                          object's replayed log (read only)
 *   ... decide what to do from *s ...
 *   big_release(&b, EV, a0, a1);           PUSH one event describing the
 *                                          critical section, then unlock
 *
 * A section may also push zero or several events (a blocking send pushes
 * SEND, sleeps with the lock released, and pushes ACK when woken):
 *   big_push(&b, EV, a0, a1);              append while holding the lock
 *   big_unlock(&b);                        release without an event
 *
 * The object's state changes only by replaying the pushed event, so the
 * state is the log by construction, and the lock's ticket order is the
 * object's event order.  In check mode the pull verifies the cached state
 * against a replay from the checkpoint.
 */
#ifndef LOCK_BIGLOCK_H
#define LOCK_BIGLOCK_H

#include "lock/lock.h"

struct biglock {
	struct lock lock;
	struct log_obj *obj;
};

/* Registers the object `name` and its lock "lock.<name>". */
void big_init(struct biglock *b, enum lock_kind kind, const struct log_type *t, const char *name,
	      uint32_t ring_size);
const void *big_acquire(struct biglock *b);
void big_release(struct biglock *b, uint8_t type, uint64_t arg0, uint64_t arg1);
/* Returns the object's state after the event. */
const void *big_push(struct biglock *b, uint8_t type, uint64_t arg0, uint64_t arg1);
void big_unlock(struct biglock *b);
/* Unregister the object and its lock (free, and nobody may use them again). */
void big_destroy(struct biglock *b);

#endif
