/*
 * thread_log.c - the thread table's log type (thread_log.h).
 */
#include "thread/thread_log.h"

#include "thread/thread.h"

static const char *const table_events[] = { "CREATE", "REAP", "EXIT", "JOIN" };

static const char *table_apply(void *state, const struct log_event *ev)
{
	struct thread_table_state *s = state;
	if (ev->type == TH_CREATE) {
		if (s->live >= THREAD_MAX)
			return "more live threads than slots";
		s->live++;
		s->created++;
		return 0;
	}
	if (ev->type == TH_REAP) {
		if (s->live == 0 || s->reaped == s->exited)
			return "reap of a thread that has not exited";
		s->live--;
		s->reaped++;
		return 0;
	}
	if (ev->type == TH_EXIT) {
		if (s->exited == s->created)
			return "more exits than threads";
		s->exited++;
		return 0;
	}
	if (ev->type == TH_JOIN)
		return 0;
	return "unknown thread-table event";
}

static const char *table_check(const void *state)
{
	const struct thread_table_state *s = state;
	return s->live == s->created - s->reaped ? 0 : "live != created - reaped";
}

const struct log_type thread_table_log_type = {
	.name = "threads",
	.state_size = sizeof(struct thread_table_state),
	.events = table_events,
	.nevents = 4,
	.apply = table_apply,
	.check = table_check,
};
LOG_TYPE_REGISTER(thread_table_log_type);
