/*
 * container_log.c - the container's log type: the quota invariant lives in
 * its replay function (container_log.h, container.h).  Portable.
 */
#include "mm/container_log.h"

static const char *const ct_events[] = { "INIT", "SPLIT", "ALLOC", "FREE", "RECLAIM", "DESTROY" };

static const char *ct_check(const void *state)
{
	const struct container_state *s = state;
	if (s->usage + s->childq > s->quota)
		return "usage plus the children's quotas exceed the quota";
	if (s->live_children > CONTAINER_MAX_CHILDREN)
		return "more live children than allowed";
	return 0;
}

static const char *ct_apply(void *state, const struct log_event *ev)
{
	struct container_state *s = state;
	switch (ev->type) {
	case CT_INIT: {
		if (s->inits && !s->dead)
			return "INIT of a container that is live";
		uint32_t inits = s->inits + 1;
		*s = (struct container_state){ .quota = ev->arg0, .parent = (uint32_t)ev->arg1 };
		s->inits = inits;
		break;
	}
	case CT_DESTROY:
		if (s->usage || s->live_children || s->dead)
			return "DESTROY of a container that holds pages or children";
		s->dead = 1;
		break;
	case CT_SPLIT: {
		uint32_t k = (uint32_t)((ev->arg0 - 1) % CONTAINER_MAX_CHILDREN);
		if (ev->arg0 == 0 || s->slots & 1u << k)
			return "SPLIT into a child slot that is live";
		s->slots |= 1u << k;
		s->childq += ev->arg1;
		s->nchildren++;
		s->live_children++;
		break;
	}
	case CT_ALLOC:
		s->usage += ev->arg0;
		break;
	case CT_FREE:
		if (ev->arg0 > s->usage)
			return "FREE of more pages than are charged";
		s->usage -= ev->arg0;
		break;
	case CT_RECLAIM: {
		uint32_t k = (uint32_t)((ev->arg0 - 1) % CONTAINER_MAX_CHILDREN);
		if (ev->arg1 > s->childq || s->live_children == 0 || ev->arg0 == 0 ||
		    !(s->slots & 1u << k))
			return "RECLAIM of quota no child holds";
		s->slots &= ~(1u << k);
		s->childq -= ev->arg1;
		s->live_children--;
		break;
	}
	default:
		return "unknown container event";
	}
	return ct_check(s);
}

const struct log_type container_log_type = {
	.name = "container",
	.state_size = sizeof(struct container_state),
	.events = ct_events,
	.nevents = sizeof ct_events / sizeof ct_events[0],
	.apply = ct_apply,
	.check = ct_check,
};
LOG_TYPE_REGISTER(container_log_type);
