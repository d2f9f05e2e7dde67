/*
 * lockdbg.c - out-of-line part of the lock debug state.
 */
#include "lock/lockdbg.h"

void lockdbg_init(struct lock_debug *d, const struct log_type *t, const char *name, uint32_t ring)
{
	__builtin_memset(d, 0, sizeof *d);
	d->log = log_register(t, name, ring ? ring : LOCK_RING);
}

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

/* Per CPU: the wait being timed (lock, when the lock last made progress). */
static struct {
	const struct lock_debug *d;
	uint64_t since, acquisitions;
	uint32_t spins;
} waits[PLAT_MAX_CPUS];

/*
 * A stall is a lock that made no progress (no acquisition by anyone) for
 * LOCK_STALL_SECONDS while we wait for it: a ticket waiter far back in a
 * long queue of a busy lock waits long too, but the lock moves (seen at
 * SMP 8 on 2 loaded host cores, where vCPUs queued ahead are descheduled).
 */
void lockdbg_stall_check(const struct lock_debug *d, uint32_t spins)
{
	uint64_t hz = plat_ticks_hz();
	if (!hz)
		return; /* the platform cannot tell seconds (host: its own stall checks) */
	unsigned cpu = plat_cpu();
	uint64_t now = plat_ticks();
	uint64_t acq = AO_load((volatile AO_t *)&d->log->count); /* lock_acquisitions */
	if (waits[cpu].d != d || spins < waits[cpu].spins || acq != waits[cpu].acquisitions) {
		waits[cpu].d = d; /* another wait began, or the lock moved */
		waits[cpu].since = now;
		waits[cpu].acquisitions = acq;
	}
	waits[cpu].spins = spins;
	if (now - waits[cpu].since < LOCK_STALL_SECONDS * hz)
		return;
	int holder = lockdbg_holder(d);
	plat_panic(
		"lock %s: cpu %u (thread %u) has waited %u s for it, and nobody got it "
		"meanwhile; it is held by cpu %d (thread %u, acquisition %lu): a deadlock, or "
		"a holder that never releases",
		lockdbg_name(d), cpu, plat_thread(), LOCK_STALL_SECONDS, holder,
		holder >= 0 ? lock_last_thread(d->log) : 0, (unsigned long)lock_acquisitions(d->log));
}
