/*
 * lockdbg.c - out-of-line part of the lock debug state.
 */
#include "lock/lockdbg.h"

void lockdbg_init(struct lock_debug *d, const struct log_type *t, const char *name, uint32_t ring)
{
	__builtin_memset(d, 0, sizeof *d);
	d->log = log_register(t, name, ring ? ring : LOCK_RING);
}

bool lock_time_all;
bool lock_stats_on;

void lockdbg_count(struct lock_debug *d, unsigned cpu, bool waited, uint64_t wait)
{
	struct lock_stats *s = &d->stats;
	s->acquires++;
	s->contended += waited;
	s->wait_sum += wait;
	if (wait > s->wait_max)
		s->wait_max = wait;
	s->per_cpu[cpu]++;
}
