/*
 * proc_log.c - the process table's log type (proc_log.h).  Portable.
 */
#include "proc/proc_log.h"

static const char *const proc_events[] = { "SPAWN", "EXIT", "REAP" };

static const char *proc_apply(void *state, const struct log_event *ev)
{
	struct proc_table_state *s = state;
	uint64_t pid = ev->arg0;
	if (pid == 0 || pid >= PROC_MAX)
		return "pid out of range";
	switch (ev->type) {
	case PR_SPAWN:
		if (s->slot[pid] != PS_FREE)
			return "SPAWN into a slot that is taken";
		s->slot[pid] = PS_LIVE;
		s->spawned++;
		return 0;
	case PR_EXIT:
		if (s->slot[pid] != PS_LIVE)
			return "EXIT of a process that is not live";
		s->slot[pid] = PS_ZOMBIE;
		s->exited++;
		s->killed += (int64_t)ev->arg1 == -1;
		return 0;
	case PR_REAP:
		if (s->slot[pid] != PS_ZOMBIE)
			return "REAP of a process that has not exited";
		s->slot[pid] = PS_FREE;
		s->reaped++;
		return 0;
	}
	return "unknown process-table event";
}

static const char *proc_check(const void *state)
{
	const struct proc_table_state *s = state;
	return s->reaped <= s->exited && s->exited <= s->spawned
		       ? 0
		       : "reaped > exited or exited > spawned";
}

const struct log_type proc_table_log_type = {
	.name = "procs",
	.state_size = sizeof(struct proc_table_state),
	.events = proc_events,
	.nevents = sizeof proc_events / sizeof proc_events[0],
	.apply = proc_apply,
	.check = proc_check,
};
LOG_TYPE_REGISTER(proc_table_log_type);
