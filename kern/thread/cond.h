/*
 * cond.h - condition variables over a logged lock.
 *
 *   lock_acquire(l);
 *   while (!condition)
 *           cond_wait(&cv, l);      sleeps with l released, returns holding l
 *   ...
 *   cond_signal(&cv) / cond_broadcast(&cv), with l held
 *
 * No lost wakeup: the waiter queues itself and marks itself SLEEP while it
 * still holds l, so a signaller (who must hold l) either runs before the
 * waiter queued (and the waiter sees the condition true) or finds it queued
 * and asleep-or-about-to-be, and sched_wakeup() turns SLEEP into READY,
 * which sched_block() then sees.
 */
#ifndef THREAD_COND_H
#define THREAD_COND_H

#include "lock/lock.h"
#include "thread/thread.h"

struct cond {
	struct thread *head, *tail;
	const char *name; /* what a sleeper waits on (ps) */
};

void cond_init(struct cond *cv, const char *name);
void cond_wait(struct cond *cv, struct lock *l);
/* Wake the longest waiter; false if none. */
bool cond_signal(struct cond *cv);
/* Wake every waiter; how many. */
unsigned cond_broadcast(struct cond *cv);

#endif
