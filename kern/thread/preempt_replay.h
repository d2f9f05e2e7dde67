/*
 * preempt_replay.h - where the timer preempted a recorded run, so that its
 * replay preempts the same threads at the same points.
 *
 * A preemption is recorded as PREEMPT(tid, point) on the run queue of the
 * thread's CPU (point: the thread's count of preemption points; there it
 * orders the preemption against the wakeups), and again on preempt.cpuN,
 * which holds nothing else and keeps PREEMPT_RECORD_RING of them in a
 * recorded run.  At the start of a replay those are read into a set of
 * (tid, point); at each preemption point the replay preempts exactly where
 * the set says, and real ticks are ignored.  A run with more preemptions on
 * one CPU than the ring holds loses its early ones, and the replay says so.
 */
#ifndef THREAD_PREEMPT_REPLAY_H
#define THREAD_PREEMPT_REPLAY_H

#include <stdbool.h>
#include <stdint.h>

#include "log/logset.h"

#define PREEMPT_RECORD_RING 4096 /* preemptions a recorded run keeps per CPU */

/* false if the recording's run queues lost events (printed). */
bool preempt_replay_load(const struct log_set *ref);
bool preempt_replay_active(void);
/* Did the recording preempt thread tid at its point-th preemption point? */
bool preempt_replay_at(uint32_t tid, uint64_t point);

#endif
