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
	if (plat_unlikely(log_slow.check_mode))
		log_verify(b->obj);
	return log_state(b->obj);
}

/* An event pushed by a thread that does not hold the object's lock: its
 * update is outside the critical section, where another thread may be. */
__attribute__((cold, noreturn)) static void outside(struct biglock *b, uint8_t type)
{
	struct log_obj *l = lock_dbg(&b->lock)->log;
	uint32_t h = l->holder;
	if (h)
		plat_printf(
			"mutual-exclusion violation: %s: thread %u (cpu %u) is in its critical "
			"section, holding %s since that lock's seq %lu\n",
			b->obj->name, lock_last_thread(l), h - 1, l->name,
			(unsigned long)(lock_acquisitions(l) - 1));
	/* The replay stops at the object's last event, or its lock's if it has none. */
	const struct log_obj *at = b->obj->count ? b->obj : l;
	if (log_record_order && at->count)
		plat_printf(
			"mutual-exclusion violation: replay: make replay TRACE=<this run's "
			"trace> STOP=%s:%lu\n",
			at->name, (unsigned long)(at->count - 1));
	plat_panic(
		"mutual-exclusion violation: %s: %s by thread %u (cpu %u) without holding "
		"its lock %s",
		b->obj->name, log_type_event_name(b->obj->type, type), plat_thread(), plat_cpu(),
		l->name);
}

const void *big_push(struct biglock *b, uint8_t type, uint64_t arg0, uint64_t arg1)
{
	if (plat_unlikely(!lock_held(&b->lock)))
		outside(b, type);
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
