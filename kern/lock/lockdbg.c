/*
 * lockdbg.c - out-of-line part of the lock debug state.
 */
#include "lock/lockdbg.h"

void lockdbg_init(struct lock_debug *d, const struct log_type *t, const char *name)
{
	__builtin_memset(d, 0, sizeof *d);
	d->holder_cpu = -1;
	d->log = log_register(t, name, LOCK_RING);
}
