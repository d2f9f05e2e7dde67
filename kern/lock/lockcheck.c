/*
 * lockcheck.c - see lockcheck.h.
 */
#include "lock/lockcheck.h"
#include "lock/lock_type.h"

/* Event i of a window that may wrap around a ring. */
struct window {
	const struct log_event *base;
	uint64_t mask, first;
};

static const struct log_event *at(const struct window *w, size_t i)
{
	return &w->base[(w->first + i) & w->mask];
}

static bool fail(struct lockcheck *r, const char *what, const struct log_event *e)
{
	r->violation = what;
	r->seq = e->seq;
	return false;
}

/* rel_known: the events say who released them (a snapshot's or a trace's
 * do; a live ring's say LOG_CPU_NONE, and there lockdbg_leave has checked
 * each release against the holder already). */
static bool check(const struct window *w, size_t n, bool fifo, bool rel_known, uint64_t bound,
		  struct lockcheck *r)
{
	r->violation = 0;
	r->seq = 0;
	r->max_bypass = 0;
	r->checked = n;
	r->timed = 0;
	for (size_t i = 0; i < n; i++) {
		const struct log_event *e = at(w, i);
		if (i > 0 && e->seq != at(w, i - 1)->seq + 1)
			return fail(r, "log not consecutive", e);
		if (rel_known && e->rel_cpu != e->cpu && !(e->rel_cpu == LOG_CPU_NONE && i == n - 1))
			return fail(r, "released by a CPU that did not hold it", e);
		if (fifo && e->arg0 != e->seq)
			return fail(r, "FIFO: acquisition order differs from ticket order", e);
		if (e->ts == 0)
			continue; /* untimed: only the checks above apply */
		r->timed++;
		if (i > 0) {
			const struct log_event *p = at(w, i - 1);
			if (p->ts != 0 && e->ts < p->ts + p->hold)
				return fail(r, "mutual exclusion: got before previous release", e);
		}
		/* Acquisitions that completed while e waited; an untimed one
		 * ends the count (its got time is unknown), so with sampled
		 * time stamps this is a lower bound. */
		uint64_t queued = e->ts - e->wait, bypass = 0;
		for (size_t j = i; j-- > 0 && at(w, j)->ts > queued;)
			bypass++;
		if (bypass > r->max_bypass)
			r->max_bypass = bypass;
		if (bypass > bound)
			return fail(r, "bounded bypass exceeded", e);
	}
	return true;
}

bool lockcheck_events(const struct log_event *ev, size_t n, bool fifo, uint64_t bound,
		      struct lockcheck *r)
{
	struct window w = { ev, ~0ull, 0 };
	return check(&w, n, fifo, true, bound, r);
}

bool lockcheck_obj(const struct log_obj *o, uint64_t bound, struct lockcheck *r)
{
	uint64_t first = log_first(o);
	struct window w = { o->ring, o->ring_mask, first };
	return check(&w, o->count - first, o->type == &tlock_log_type, false, bound, r);
}
