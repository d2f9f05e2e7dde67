/*
 * lock_type.c - replay functions of the lock objects (see lock_type.h).
 */
#include "lock/lock_type.h"

static const char *const lock_events[] = { "ACQ" };

static const char *lock_apply_common(struct lock_state *s, const struct log_event *ev)
{
	if (ev->type != LOCK_ACQ)
		return "unknown lock event";
	s->acquisitions++;
	s->last_cpu = ev->cpu;
	s->last_thread = ev->thread;
	return 0;
}

static const char *tlock_apply(void *state, const struct log_event *ev)
{
	struct lock_state *s = state;
	if (ev->arg0 != s->acquisitions)
		return "ticket order violated: acquisition n does not hold ticket n";
	return lock_apply_common(s, ev);
}

static const char *mcs_apply(void *state, const struct log_event *ev)
{
	return lock_apply_common(state, ev);
}

const struct log_type tlock_log_type = {
	.name = "tlock",
	.state_size = sizeof(struct lock_state),
	.events = lock_events,
	.nevents = 1,
	.apply = tlock_apply,
};

const struct log_type mcs_log_type = {
	.name = "mcs",
	.state_size = sizeof(struct lock_state),
	.events = lock_events,
	.nevents = 1,
	.apply = mcs_apply,
};
