/*
 * cond.c - condition variables (see cond.h).
 */
#include "thread/cond.h"

#include "thread/sched.h"

void cond_init(struct cond *cv, const char *name)
{
	cv->head = cv->tail = 0;
	cv->name = name;
}

void cond_wait(struct cond *cv, struct lock *l)
{
	struct thread *t = thread_self();
	t->wnext = 0;
	if (cv->tail)
		cv->tail->wnext = t;
	else
		cv->head = t;
	cv->tail = t;
	sched_sleep_prepare_on(cv->name, lock_dbg(l)->log);
	lock_release(l);
	sched_block();
	lock_acquire(l);
}

bool cond_signal(struct cond *cv)
{
	struct thread *t = cv->head;
	if (!t)
		return false;
	cv->head = t->wnext;
	if (!cv->head)
		cv->tail = 0;
	t->wnext = 0;
	sched_wakeup(t);
	return true;
}

unsigned cond_broadcast(struct cond *cv)
{
	unsigned n = 0;
	while (cond_signal(cv))
		n++;
	return n;
}
