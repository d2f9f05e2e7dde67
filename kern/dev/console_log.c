/*
 * console_log.c - the console input log's type (console_log.h).
 */
#include "dev/console_log.h"

#include "log/hash.h"

static const char *const console_events[] = { "GETC", "PUTS" };

static const char *console_apply(void *state, const struct log_event *ev)
{
	struct console_state *s = state;
	if (ev->type == CONS_PUTS) {
		s->bytes += ev->arg0;
		s->digest = log_mix(s->digest, ev->arg1);
		return 0;
	}
	if (ev->type != CONS_GETC)
		return "unknown console event";
	if (ev->arg0 > 0xff)
		return "GETC of something that is not a byte";
	s->bytes++;
	s->digest = log_mix(s->digest, ev->arg0);
	return 0;
}

const struct log_type console_log_type = {
	.name = "console",
	.state_size = sizeof(struct console_state),
	.events = console_events,
	.nevents = 2,
	.apply = console_apply,
};
LOG_TYPE_REGISTER(console_log_type);
