/*
 * types.c - the table of every shared-object type the core knows, so that a
 * trace can name types and a loader can find their replay functions.
 * Each row is defined next to the code that owns the type.
 */
#include "log/str.h"
#include "log/type.h"
#include "log/counter.h"
#include "lock/lock_type.h"

static const struct log_type *const log_types[] = {
	&tlock_log_type,
	&mcs_log_type,
	&counter_log_type,
};

const struct log_type *log_type_find(const char *name)
{
	for (unsigned i = 0; i < sizeof log_types / sizeof log_types[0]; i++)
		if (log_streq(log_types[i]->name, name))
			return log_types[i];
	return 0;
}

const char *log_type_event_name(const struct log_type *t, uint8_t type)
{
	return type < t->nevents ? t->events[type] : "?";
}
