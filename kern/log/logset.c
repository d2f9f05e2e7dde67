/*
 * logset.c - snapshot of the live logs (see logset.h).
 */
#include "plat.h"
#include "log/str.h"
#include "log/logset.h"

/* A new empty chunk after `tail` (or the list's first, in *head): order
 * and short-hash chunks both begin with the link to the next. */
_Static_assert(offsetof(struct log_order_chunk, next) == 0 && offsetof(struct log_sh_chunk, next) == 0,
	       "chunks begin with next");
static void *chunk_append(void *tail, void *head)
{
	void *c = plat_alloc(4096);
	if (!c)
		plat_panic("log_snapshot: out of memory");
	__builtin_memset(c, 0, 4096);
	__builtin_memcpy(tail ? tail : head, &c, sizeof c);
	return c;
}

/* The trace's form of a recording, built word by word (log.h,
 * log_event_word): the run-length order stream (a run: consecutive events by
 * one (cpu, thread), at most 65535) and the list of short hashes, both in
 * one-page chunks. */
struct capture {
	struct log_objrec *r;
	struct log_order_chunk *oc;
	struct log_sh_chunk *sc;
	struct log_order_run *run;
};

static void capture_word(struct capture *k, uint64_t w)
{
	uint32_t thread = log_rec_thread(w);
	uint8_t cpu = log_rec_cpu(w);
	struct log_order_run *run = k->run;
	if (!run || run->cpu != cpu || run->thread != thread || run->count == 0xffff) {
		if (!k->oc || k->oc->n == LOG_ORDER_CHUNK)
			k->oc = chunk_append(k->oc, &k->r->order);
		run = k->run = &k->oc->runs[k->oc->n++];
		*run = (struct log_order_run){ .thread = thread, .cpu = cpu };
		k->r->order_runs++;
	}
	run->count++;
	if (!k->sc || k->sc->n == LOG_SH_CHUNK)
		k->sc = chunk_append(k->sc, &k->r->shash);
	k->sc->h[k->sc->n++] = log_rec_short_hash(w);
}

/* o's recording: its words, then the events since its last checkpoint,
 * from the ring (read only: the snapshot changes no object, so that one
 * taken while other CPUs still append, the monitor's `trace`, cannot
 * corrupt a recording they are extending). */
static void capture_recording(const struct log_obj *o, struct log_objrec *r)
{
	struct capture k = { .r = r };
	uint64_t left = o->rec_events;
	r->order = 0;
	r->shash = 0;
	r->order_runs = 0;
	for (const struct log_rec_chunk *c = o->rec_head; c && left; c = c->next) {
		uint64_t n = left < LOG_REC_CHUNK ? left : LOG_REC_CHUNK;
		left -= n;
		for (uint64_t i = 0; i < n; i++)
			capture_word(&k, c->w[i]);
	}
	for (uint64_t s = o->rec_events; s < o->count; s++)
		capture_word(&k, log_event_word(&o->ring[s & o->ring_mask]));
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
		/* Who released each acquisition of a lock: its holder, the
		 * event's CPU (lockdbg_leave panics on any other), except the
		 * last while it is held.  Rings leave rel_cpu at LOG_CPU_NONE:
		 * storing it with every acquisition was one more store in front
		 * of the release's atomic instruction. */
		if (o->type->released_by_actor)
			for (uint32_t k = 0; k < r->nevents; k++)
				if (k + 1 < r->nevents || !o->holder)
					r->events[k].rel_cpu = r->events[k].cpu;
		/* Only a recording from the object's first event with no gap
		 * since (events that left the ring unrecorded) says what
		 * happened: leave any other out. */
		if (o->rec_on && o->count && o->rec_events >= log_first(o)) {
			capture_recording(o, r);
		} else {
			r->order = 0;
			r->order_runs = 0;
			r->shash = 0;
		}
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
