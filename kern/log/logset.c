/*
 * logset.c - snapshot of the live logs (see logset.h).
 */
#include "plat.h"
#include "log/str.h"
#include "log/logset.h"

/*
 * A copy of a chunk list, up to its first empty chunk: the order stream's
 * runs and the short hashes are both lists of one-page chunks that begin
 * with the link to the next and the count of entries in use.
 */
#define CHUNK_BYTES 4096
_Static_assert(sizeof(struct log_order_chunk) == CHUNK_BYTES &&
		       sizeof(struct log_sh_chunk) == CHUNK_BYTES,
	       "chunks are one page");
_Static_assert(offsetof(struct log_order_chunk, next) == 0 &&
		       offsetof(struct log_sh_chunk, next) == 0 &&
		       offsetof(struct log_order_chunk, n) == sizeof(void *) &&
		       offsetof(struct log_sh_chunk, n) == sizeof(void *),
	       "chunks begin with next, then n");

static void *copy_chunks(const void *head)
{
	void *first = 0, *prev = 0;
	for (const uint8_t *c = head; c;) {
		const void *next;
		uint32_t n;
		__builtin_memcpy(&next, c, sizeof next);
		__builtin_memcpy(&n, c + sizeof next, sizeof n);
		if (!n)
			break;
		uint8_t *copy = plat_alloc(CHUNK_BYTES);
		if (!copy)
			plat_panic("log_snapshot: out of memory");
		__builtin_memcpy(copy, c, CHUNK_BYTES);
		__builtin_memset(copy, 0, sizeof next); /* the copy's list ends here */
		if (prev)
			__builtin_memcpy(prev, &copy, sizeof copy);
		else
			first = copy;
		prev = copy;
		c = next;
	}
	return first;
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
		r->order = whole ? copy_chunks(o->order_head) : 0;
		r->order_runs = whole ? o->order_runs : 0;
		r->shash = whole ? copy_chunks(o->sh_head) : 0;
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
