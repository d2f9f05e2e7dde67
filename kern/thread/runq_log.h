/*
 * runq_log.h - what a run queue's log holds (see sched.h for when each
 * event is appended).  Portable: no kernel header.
 */
#ifndef THREAD_RUNQ_LOG_H
#define THREAD_RUNQ_LOG_H

#include <stdint.h>

#include "log/type.h"

enum runq_event { RQ_SPAWN, RQ_WAKE, RQ_PREEMPT, RQ_MIGRATE_IN, RQ_MIGRATE_OUT, RQ_EXIT, RQ_SLEEP };

/* The arguments of WAKE(tid, waker | flag) and SLEEP(tid, obj | flag). */
#define RQ_WAKE_NOT_ASLEEP (1ull << 32) /* WAKE: the target was not asleep (a wakeup spent) */
#define RQ_SLEEP_NO_OBJ 0xffffffffu     /* SLEEP: waits on no logged object (join) */
#define RQ_SLEEP_LOST (1ull << 32)      /* SLEEP: a wakeup spent on it came first (lost) */

/* Replayed state of a run queue's log. */
struct runq_state {
	uint64_t owned; /* threads that belong to this CPU (spawned or migrated in, not gone) */
	uint64_t idsum; /* sum of their ids: with `owned`, a digest of the set */
	uint64_t spawns, wakes, preempts, migrations, exits, sleeps;
};

extern const struct log_type runq_log_type;

/* preempt.cpuN: a copy of the run queue's PREEMPT(tid, point) events only.
 * Preemptions are rare, so its ring keeps all of a run's (a replay reads
 * them back), however many other events the run queue had. */
struct preempt_state {
	uint64_t preemptions;
};

extern const struct log_type preempt_log_type;

#endif
