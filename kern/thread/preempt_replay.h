/*
 * preempt_replay.h - where the timer preempted a recorded run, so that its
 * replay preempts the same threads at the same points.
 *
 * A preemption is recorded as PREEMPT(tid, point) on the run queue of the
 * thread's CPU (point: the thread's count of preemption points).  At the
 * start of a replay the recorded run queues' events are read into a set of
 * (tid, point); at each preemption point the replay preempts exactly where
 * the set says, and real ticks are ignored.  The run queues keep a ring of
 * RUNQ_RECORD_RING events in a recorded run; if a queue had more events than
 * that, its early preemptions are lost and the replay says so.
 */
#ifndef THREAD_PREEMPT_REPLAY_H
#define THREAD_PREEMPT_REPLAY_H

#include <stdbool.h>
#include <stdint.h>

#include "log/logset.h"

#define RUNQ_RECORD_RING 8192 /* run-queue events a recorded run keeps per CPU */

/* false if the recording's run queues lost events (printed). */
bool preempt_replay_load(const struct log_set *ref);
bool preempt_replay_active(void);
/* Did the recording preempt thread tid at its point-th preemption point? */
bool preempt_replay_at(uint32_t tid, uint64_t point);

#endif
