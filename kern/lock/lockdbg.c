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

/* Slot seq is reused at seq + ring size; unless that event is sampled (the
 * general path anyway), the window that reaches it must scan. */
void lockdbg_timed_slot(struct log_obj *o, uint64_t seq)
{
	uint64_t reuse = seq + o->ring_mask + 1;
	if ((reuse & (LOCK_TIME_PERIOD - 1)) != 0 && reuse >= o->dirty_until)
		o->dirty_until = reuse + 1;
}

/*
 * The plain path (lockdbg.h) stores only an event's seq, actor word and
 * hash (and a ticket lock's arg0): the slot it reuses must hold the rest
 * of an untimed lock event already.  Checked here for the slots of the
 * next events up to the next sampled one and the checkpoint, at most
 * LOCK_TIME_PERIOD - 1 of them, once per window: about one slot per
 * acquisition, out of line, where the plain path loaded and tested two
 * words of every slot.  The window ends at the first slot that needs
 * more (it held a timed event); the general path then rewrites that slot
 * whole.  Only timed events leave such slots (the ring starts as the
 * plain path wants it, log.c), so with none in the ring
 * (o->dirty_until, lockdbg_timed_slot) the window is known unread: the
 * scan cost more than the per-acquisition test it replaced.
 */
void lockdbg_plain_window(struct log_obj *o, bool pos_zero)
{
	uint64_t seq = o->count;
	uint64_t until = (seq + LOCK_TIME_PERIOD - 1) & ~(uint64_t)(LOCK_TIME_PERIOD - 1);
	if (until > o->ck_next)
		until = o->ck_next;
	if (seq >= o->dirty_until) { /* no timed event left to clear */
		o->plain_until = until;
		return;
	}
	uint64_t word6 = log_event_word6(o->id, LOCK_ACQ, LOG_CPU_NONE);
	for (; seq < until; seq++) {
		const struct log_event *e = &o->ring[seq & o->ring_mask];
		uint64_t w6, w7;
		__builtin_memcpy(&w6, &e->obj, sizeof w6);
		__builtin_memcpy(&w7, &e->wait, sizeof w7);
		if ((e->ts | w7 | e->arg1 | (pos_zero ? e->arg0 : 0) | (w6 ^ word6)) != 0)
			break;
	}
	o->plain_until = seq;
}

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

/* Count events [stats.tallied, end) of d's log, if stats.counting (they
 * are still in the ring: a window is at most the ring); the caller moves
 * stats.tallied on. */
static void tally_to(struct lock_debug *d, uint64_t end)
{
	const struct log_obj *o = d->log;
	struct lock_stats *s = &d->stats;
	if (s->counting) {
		uint64_t q = s->tallied, first = log_first(o);
		for (q = q > first ? q : first; q < end; q++) {
			s->acquires++;
			s->per_cpu[o->ring[q & o->ring_mask].cpu]++;
		}
	}
}

void lockdbg_tally(struct lock_debug *d)
{
#ifndef LOCK_LOG_OFF
	tally_to(d, d->log->count);
	d->stats.tallied = d->log->count;
#else
	(void)d;
#endif
}

void lockdbg_tally_general(struct lock_debug *d)
{
	/* Not the event just appended: lockdbg_count counts it. */
	tally_to(d, d->log->count - 1);
	d->stats.tallied = d->log->count;
	d->stats.counting = lock_stats_on;
}

static void end_window(struct log_obj *o, void *arg)
{
	(void)arg;
	if (o->type->released_by_actor)
		o->plain_until = 0; /* the next acquisition takes the general path */
}

void lock_stats_set(bool on)
{
	lock_stats_on = on;
	log_each(end_window, 0);
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
