/*
 * counter.c - replay function of the counter object (see counter.h).
 */
#include "log/counter.h"

static const char *const counter_events[] = { "ADD" };

static const char *counter_apply(void *state, const struct log_event *ev)
{
	struct counter_state *s = state;
	if (ev->type != COUNTER_ADD)
		return "unknown counter event";
	if ((int64_t)ev->arg1 != s->value + (int64_t)ev->arg0)
		return "ADD result does not follow from the replayed value";
	s->value += (int64_t)ev->arg0;
	s->ops++;
	return 0;
}

const struct log_type counter_log_type = {
	.name = "counter",
	.state_size = sizeof(struct counter_state),
	.events = counter_events,
	.nevents = 1,
	.apply = counter_apply,
};
LOG_TYPE_REGISTER(counter_log_type);
