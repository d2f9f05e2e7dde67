/*
 * lockdbg.h - debug state, statistics and logging shared by every lock kind.
 *
 * xv6-style help when a lock is misused: acquiring a lock this CPU already
 * holds and releasing one it does not hold both panic with the lock's name.
 * The holder also records the acquisition in the lock's log: one event, in
 * one cache line, written while holding the lock (so no atomics).
 *
 * Compile with -DLOCK_LOG_OFF to compile the lock logging out (benchmark
 * "logging on vs off"); debug checks and statistics stay.
 */
#ifndef LOCK_LOCKDBG_H
#define LOCK_LOCKDBG_H

#include "plat.h"
#include "log/log.h"
#include "lock/lock_type.h"

struct lock_stats {
	uint64_t acquires;
	uint64_t contended; /* had to wait */
	uint64_t wait_sum;  /* ticks */
	uint64_t wait_max;
	uint64_t per_cpu[PLAT_MAX_CPUS]; /* acquisitions by CPU (fairness) */
};

struct lock_debug {
	volatile int32_t holder_cpu; /* -1 when free */
	uint32_t holder_thread;
	struct log_obj *log; /* the lock's own log; also its identity for the oracle */
	struct log_event *held; /* event of the current acquisition */
	uint64_t t_got;
	struct lock_stats stats;
};

void lockdbg_init(struct lock_debug *d, const struct log_type *t, const char *name);

static inline const char *lockdbg_name(const struct lock_debug *d)
{
	return d->log->name;
}

/* Before queueing: no recursion. */
static inline void lockdbg_enter(const struct lock_debug *d)
{
	if (plat_unlikely(d->holder_cpu == (int32_t)plat_cpu()))
		plat_panic("lock %s: acquire by cpu %u which already holds it", lockdbg_name(d),
			   plat_cpu());
}

/* The caller now holds the lock: it queued at t_queued (ticks), `pos` is
 * its ticket (or 0). */
static inline void lockdbg_got(struct lock_debug *d, uint64_t pos, uint64_t t_queued, bool waited)
{
	unsigned cpu = plat_cpu();
	uint64_t now = plat_ticks();
	uint64_t w = now - t_queued;

	if (plat_unlikely(d->holder_cpu != -1))
		plat_panic("lock %s: cpu %u got it while cpu %d holds it (mutual exclusion)",
			   lockdbg_name(d), cpu, d->holder_cpu);
	d->holder_cpu = (int32_t)cpu;
	d->holder_thread = plat_thread();
	d->t_got = now;
	d->stats.acquires++;
	d->stats.contended += waited;
	d->stats.wait_sum += w;
	if (w > d->stats.wait_max)
		d->stats.wait_max = w;
	d->stats.per_cpu[cpu]++;
#ifndef LOCK_LOG_OFF
	d->held = log_append(d->log, LOCK_ACQ, pos, 0);
	d->held->wait = (uint32_t)(w > 0xffffffffu ? 0xffffffffu : w);
#else
	(void)pos;
#endif
}

/* Before handing the lock on: the caller must hold it. */
static inline void lockdbg_leave(struct lock_debug *d)
{
	unsigned cpu = plat_cpu();
	if (plat_unlikely(d->holder_cpu != (int32_t)cpu))
		plat_panic("lock %s: release by cpu %u, holder is %d", lockdbg_name(d), cpu,
			   d->holder_cpu);
#ifndef LOCK_LOG_OFF
	/* Measured from the event's own time stamp so that got + hold never
	 * exceeds the real release time (lockcheck relies on it). */
	uint64_t h = plat_ticks() - d->held->ts;
	d->held->hold = (uint32_t)(h > 0xffffffffu ? 0xffffffffu : h);
	d->held->rel_cpu = (uint8_t)cpu;
#endif
	d->holder_cpu = -1;
}

static inline bool lockdbg_held(const struct lock_debug *d)
{
	return d->holder_cpu == (int32_t)plat_cpu();
}

#endif
