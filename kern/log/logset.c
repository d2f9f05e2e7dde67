/*
 * logset.c - snapshot of the live logs (see logset.h).
 */
#include "plat.h"
#include "log/str.h"
#include "log/logset.h"

static struct log_order_chunk *copy_order(const struct log_obj *o)
{
	struct log_order_chunk *head = 0, **link = &head;
	for (const struct log_order_chunk *c = o->order_head; c && c->n; c = c->next) {
		struct log_order_chunk *n = plat_alloc(sizeof *n);
		if (!n)
			plat_panic("log_snapshot: out of memory");
		__builtin_memcpy(n, c, sizeof *n);
		n->next = 0;
		*link = n;
		link = &n->next;
	}
	return head;
}

void log_snapshot(struct log_set *set)
{
	set->nobjs = 0;
	for (unsigned i = 0; i < log_nobjs(); i++) {
		const struct log_obj *o = log_obj_at(i);
		if (!o)
			continue; /* a free slot */
		struct log_objrec *r = &set->objs[set->nobjs++];
		__builtin_memcpy(r->name, o->name, LOG_NAME_MAX);
		r->type = o->type;
		r->count = o->count;
		r->hash = o->hash;
		r->ck_seq = o->ck_seq;
		r->ck_hash = o->ck_hash;
		__builtin_memcpy(r->ck_state, o->ck_state, LOG_STATE_MAX);
		r->first = log_first(o);
		r->nevents = (uint32_t)(o->count - r->first);
		r->events = plat_alloc(r->nevents * sizeof(struct log_event) + 1);
		if (!r->events)
			plat_panic("log_snapshot: out of memory");
		for (uint32_t k = 0; k < r->nevents; k++)
			r->events[k] = *log_event_at(o, r->first + k);
		r->order = copy_order(o);
		r->order_runs = o->order_runs;
	}
}

const struct log_objrec *log_set_find(const struct log_set *set, const char *name)
{
	for (unsigned i = 0; i < set->nobjs; i++)
		if (log_streq(set->objs[i].name, name))
			return &set->objs[i];
	return 0;
}
