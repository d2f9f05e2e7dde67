/*
 * lock.c - the generic lock's out-of-line part.
 */
#include "lock/lock.h"
#include "log/str.h"

void lock_init(struct lock *l, enum lock_kind kind, const char *name)
{
	lock_init_ring(l, kind, name, 0);
}

void lock_init_ring(struct lock *l, enum lock_kind kind, const char *name, uint32_t ring)
{
	l->kind = kind;
	if (kind == LOCK_TICKET)
		tlock_init_ring(&l->u.t, name, ring);
	else
		mcs_init_ring(&l->u.m, name, ring);
}

void lock_destroy(struct lock *l)
{
	struct lock_debug *d = lock_dbg(l);
	if (d->log->holder)
		plat_panic("lock %s: destroyed while held by cpu %d", d->log->name,
			   (int)d->log->holder - 1);
	log_unregister(d->log);
	d->log = 0;
}

bool lock_kind_parse(const char *s, enum lock_kind *out)
{
	if (log_streq(s, "ticket"))
		*out = LOCK_TICKET;
	else if (log_streq(s, "mcs"))
		*out = LOCK_MCS;
	else
		return false;
	return true;
}
