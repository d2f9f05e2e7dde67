/*
 * runq_log.c - the run queue's log type (events and state in runq_log.h).
 * Portable: the host's trace tools replay kernel run queues with it.
 */
#include "thread/runq_log.h"

static const char *const runq_events[] = { "SPAWN",       "WAKE", "PREEMPT", "MIGRATE_IN",
					   "MIGRATE_OUT", "EXIT", "SLEEP" };

static const char *runq_apply(void *state, const struct log_event *ev)
{
	struct runq_state *s = state;
	switch (ev->type) {
	case RQ_SPAWN:
	case RQ_MIGRATE_IN:
		s->owned++;
		s->idsum += ev->arg0;
		if (ev->type == RQ_SPAWN)
			s->spawns++;
		else
			s->migrations++;
		return 0;
	case RQ_EXIT:
	case RQ_MIGRATE_OUT:
		if (s->owned == 0 || s->idsum < ev->arg0)
			return "a thread leaves a CPU that does not own it";
		s->owned--;
		s->idsum -= ev->arg0;
		if (ev->type == RQ_EXIT)
			s->exits++;
		return 0;
	case RQ_WAKE:
		s->wakes++;
		return 0;
	case RQ_SLEEP:
		s->sleeps++;
		return ev->arg0 == ev->thread ? 0 : "a thread put to sleep by another";
	case RQ_PREEMPT:
		s->preempts++;
		return ev->arg0 == ev->thread ? 0 : "a thread preempted by another";
	}
	return "unknown run-queue event";
}

const struct log_type runq_log_type = {
	.name = "runq",
	.state_size = sizeof(struct runq_state),
	.events = runq_events,
	.nevents = sizeof runq_events / sizeof runq_events[0],
	.apply = runq_apply,
};
LOG_TYPE_REGISTER(runq_log_type);

static const char *const preempt_events[] = { "SPAWN", "WAKE", "PREEMPT" };

static const char *preempt_apply(void *state, const struct log_event *ev)
{
	struct preempt_state *s = state;
	if (ev->type != RQ_PREEMPT)
		return "a preemption record holds only PREEMPT events";
	if (ev->arg0 != ev->thread)
		return "a thread preempted by another";
	s->preemptions++;
	return 0;
}

const struct log_type preempt_log_type = {
	.name = "preempts",
	.state_size = sizeof(struct preempt_state),
	.events = preempt_events,
	.nevents = sizeof preempt_events / sizeof preempt_events[0],
	.apply = preempt_apply,
};
LOG_TYPE_REGISTER(preempt_log_type);
