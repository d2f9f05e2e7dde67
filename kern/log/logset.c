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

static struct log_sh_chunk *copy_sh(const struct log_obj *o)
{
	struct log_sh_chunk *head = 0, **link = &head;
	for (const struct log_sh_chunk *c = o->sh_head; c && c->n; c = c->next) {
		struct log_sh_chunk *n = plat_alloc(sizeof *n);
		if (!n)
			plat_panic("log_snapshot: out of memory");
		__builtin_memcpy(n, c, sizeof *n);
		n->next = 0;
		*link = n;
		link = &n->next;
	}
	return head;
}

/* Never 0 bytes, so that every array is a real block to free. */
static size_t events_bytes(uint32_t n)
{
	return (n ? n : 1) * sizeof(struct log_event);
}

static size_t objs_bytes(uint32_t n)
{
	return (n ? n : 1) * sizeof(struct log_objrec);
}

void log_snapshot(struct log_set *set)
{
	/* Objects do not come and go during a snapshot (log.h: the caller
	 * takes it between runs), so the count stays right. */
	unsigned n = log_nlive();
	set->nobjs = 0;
	set->objs = plat_alloc(objs_bytes(n));
	if (!set->objs)
		plat_panic("log_snapshot: out of memory for %u objects", n);
	for (unsigned i = 0; i < log_nobjs(); i++) {
		const struct log_obj *o = log_obj_at(i);
		if (!o)
			continue; /* a free id */
		if (set->nobjs == n)
			plat_panic("log_snapshot: objects registered during the snapshot");
		struct log_objrec *r = &set->objs[set->nobjs++];
		__builtin_memcpy(r->name, o->name, LOG_NAME_MAX);
		r->type = o->type;
		r->id = o->id;
		r->count = o->count;
		r->hash = o->hash;
		r->ck_seq = o->ck_seq;
		r->ck_hash = o->ck_hash;
		__builtin_memcpy(r->ck_state, o->ck_state, LOG_STATE_MAX);
		r->ck_digest = o->type->digest ? o->type->digest(o->ck_state) : 0;
		r->first = log_first(o);
		r->nevents = (uint32_t)(o->count - r->first);
		r->events = plat_alloc(events_bytes(r->nevents));
		if (!r->events)
			plat_panic("log_snapshot: out of memory");
		for (uint32_t k = 0; k < r->nevents; k++)
			r->events[k] = *log_event_at(o, r->first + k);
		/* A stream that misses events (recording began after the
		 * object's first event) says nothing true: leave it out. */
		bool whole = o->order_runs && o->order_events == o->count;
		r->order = whole ? copy_order(o) : 0;
		r->order_runs = whole ? o->order_runs : 0;
		r->shash = whole ? copy_sh(o) : 0;
	}
}

void log_set_free(struct log_set *set)
{
	for (uint32_t i = 0; set->objs && i < set->nobjs; i++) {
		struct log_objrec *r = &set->objs[i];
		plat_free(r->events, events_bytes(r->nevents));
		for (struct log_order_chunk *c = r->order, *n; c; c = n) {
			n = c->next;
			plat_free(c, sizeof *c);
		}
		for (struct log_sh_chunk *c = r->shash, *n; c; c = n) {
			n = c->next;
			plat_free(c, sizeof *c);
		}
	}
	/* The table was sized for the live count at the snapshot, which
	 * nobjs equals (every live object was copied). */
	plat_free(set->objs, objs_bytes(set->nobjs));
	set->objs = 0;
	set->nobjs = 0;
}

const struct log_objrec *log_set_find(const struct log_set *set, const char *name)
{
	for (unsigned i = 0; i < set->nobjs; i++)
		if (log_streq(set->objs[i].name, name))
			return &set->objs[i];
	return 0;
}
