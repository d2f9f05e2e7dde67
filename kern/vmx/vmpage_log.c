/*
 * vmpage_log.c - the page-ownership log type (vmpage_log.h): its replay
 * function checks every GIVE, RECLAIM and REFUSE against the ownership
 * rules.  Portable.
 */
#include "vmx/vmpage_log.h"

static const char *const vmpage_events[] = { "GIVE", "RECLAIM", "REFUSE" };

static const char *vmpage_apply(void *state, const struct log_event *ev)
{
	struct vmpage_state *s = state;
	uint64_t vpn = ev->arg0;
	uint32_t who = (uint32_t)ev->arg1, other = (uint32_t)(ev->arg1 >> 32);
	if (who == 0)
		return "a page event without an owner (owners are pids, from 1)";
	switch (ev->type) {
	case VP_GIVE:
		if (other != 0 && other != who)
			return "GIVE of a page another VM owns: two owners";
		s->gives++;
		if (other == 0) { /* the host's until now */
			s->owned++;
			s->pairs ^= vmpage_pair(vpn, who);
		}
		return 0;
	case VP_RECLAIM:
		if (other != 0)
			return "RECLAIM of a page that was not cleared";
		if (s->owned == 0)
			return "RECLAIM with no page owned";
		s->owned--;
		s->reclaims++;
		s->pairs ^= vmpage_pair(vpn, who);
		return 0;
	case VP_REFUSE:
		if (other == 0 || other == who)
			return "REFUSE of a page that was free for the asker";
		s->refused++;
		return 0;
	}
	return "unknown vmpage event";
}

static const char *vmpage_check(const void *state)
{
	const struct vmpage_state *s = state;
	if (s->owned == 0 && s->pairs != 0)
		return "no page owned but the pair hash is not empty";
	return 0;
}

const struct log_type vmpage_log_type = {
	.name = "vmpages",
	.state_size = sizeof(struct vmpage_state),
	.events = vmpage_events,
	.nevents = sizeof vmpage_events / sizeof vmpage_events[0],
	.apply = vmpage_apply,
	.check = vmpage_check,
};
LOG_TYPE_REGISTER(vmpage_log_type);
