/*
 * uclock_log.c - the user clock's log type (uclock_log.h).  Portable.
 */
#include "proc/uclock_log.h"

#include "log/hash.h"

static const char *const uclock_events[] = { "TSC", "RATE" };

static const char *uclock_apply(void *state, const struct log_event *ev)
{
	struct uclock_state *s = state;
	if (ev->type != UC_TSC && ev->type != UC_RATE)
		return "unknown clock event";
	s->reads++;
	s->digest = log_mix(s->digest, ev->arg0);
	return 0;
}

const struct log_type uclock_log_type = {
	.name = "clock",
	.state_size = sizeof(struct uclock_state),
	.events = uclock_events,
	.nevents = 2,
	.apply = uclock_apply,
};
LOG_TYPE_REGISTER(uclock_log_type);
