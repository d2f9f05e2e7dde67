/*
 * lock_type.c - replay functions of the lock objects (see lock_type.h).
 */
#include "lock/lock_type.h"

static const char *const lock_events[] = { "ACQ" };

const struct log_type tlock_log_type = {
	.name = "tlock",
	.state_size = 0, /* lock_type.h: read off the log */
	.events = lock_events,
	.nevents = 1,
	.apply = tlock_apply,
	.released_by_actor = true,
};

const struct log_type mcs_log_type = {
	.name = "mcs",
	.state_size = 0, /* lock_type.h: read off the log */
	.events = lock_events,
	.nevents = 1,
	.apply = mcs_apply,
	.released_by_actor = true,
};
LOG_TYPE_REGISTER(tlock_log_type);
LOG_TYPE_REGISTER(mcs_log_type);
