/*
 * biglock.c - acquire/pull, push/release (see biglock.h).
 */
#include "lock/biglock.h"

void big_init(struct biglock *b, enum lock_kind kind, const struct log_type *t, const char *name,
	      uint32_t ring_size)
{
	/* Room for a name one too long, so that log_register refuses it (by
	 * its full name) instead of two long names being cut to one. */
	char lname[LOG_NAME_MAX + 1] = "lock.";
	unsigned i = 5, j = 0;
	while (name[j] && i < LOG_NAME_MAX)
		lname[i++] = name[j++];
	lname[i] = 0;
	/* The lock keeps no more events than the object (but at most LOCK_RING). */
	lock_init_ring(&b->lock, kind, lname,
		       ring_size && ring_size < LOCK_RING ? ring_size : LOCK_RING);
	b->obj = log_register(t, name, ring_size);
}

const void *big_acquire(struct biglock *b)
{
	lock_acquire(&b->lock);
	if (plat_unlikely(log_check_mode))
		log_verify(b->obj);
	return log_state(b->obj);
}

const void *big_push(struct biglock *b, uint8_t type, uint64_t arg0, uint64_t arg1)
{
	if (plat_unlikely(!lock_held(&b->lock)))
		plat_panic("big lock %s: push by cpu %u without holding it", b->obj->name,
			   plat_cpu());
	log_append(b->obj, type, arg0, arg1);
	return log_state(b->obj);
}

void big_unlock(struct biglock *b)
{
	lock_release(&b->lock);
}

void big_destroy(struct biglock *b)
{
	lock_destroy(&b->lock);
	log_unregister(b->obj);
	b->obj = 0;
}

void big_release(struct biglock *b, uint8_t type, uint64_t arg0, uint64_t arg1)
{
	big_push(b, type, arg0, arg1);
	big_unlock(b);
}
