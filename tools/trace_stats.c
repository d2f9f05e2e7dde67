/*
 * trace stats FILE: per object its events, kept window and order runs; per
 * lock its acquisitions per CPU, contention and wait/hold percentiles; a
 * table of events per object and CPU; events per thread.  The numbers and
 * what they are computed from: docs/trace-tools.md.
 */
#include <stdlib.h>
#include <string.h>
#include "log/hash.h"
#include "tools/trace_tool.h"

#define NCPU 256 /* an event's cpu is a byte */

/* ---- per lock ---- */

/* The first two lines are what stats printed before percentiles existed
 * (scripts read them): acquisitions per CPU over the whole run (order
 * stream) and averages over the kept window.  Then contention and
 * percentiles over the acquisitions that were timed (ts != 0: locks time
 * a sample and, with lock_stats_on, every one that waited; a field not
 * taken is 0, see kern/lock/lockdbg.h). */
static void lock_stats(const struct log_objrec *r)
{
	uint64_t per_cpu[NCPU] = { 0 }, contended = 0, wsum = 0, wmax = 0, hsum = 0, hmax = 0;
	uint64_t held = 0, timed = 0, waited = 0, p[4];
	uint64_t *waits = xcalloc(r->nevents, sizeof *waits, r->name);
	uint64_t *holds = xcalloc(r->nevents, sizeof *holds, r->name);
	for (const struct log_order_chunk *c = r->order; c; c = c->next)
		for (uint32_t k = 0; k < c->n; k++)
			per_cpu[c->runs[k].cpu] += c->runs[k].count;
	for (uint32_t k = 0; k < r->nevents; k++) {
		const struct log_event *e = &r->events[k];
		if (!r->order)
			per_cpu[e->cpu]++;
		contended += e->wait != 0;
		wsum += e->wait;
		hsum += e->hold;
		wmax = e->wait > wmax ? e->wait : wmax;
		hmax = e->hold > hmax ? e->hold : hmax;
		if (e->hold)
			holds[held++] = e->hold;
		if (e->ts) {
			waited += e->wait != 0;
			waits[timed++] = e->wait;
		}
	}
	printf("  acquisitions per cpu (%s):", r->order ? "whole run" : "kept window");
	for (unsigned c = 0; c < NCPU; c++)
		if (per_cpu[c])
			printf(" %u:%lu", c, (unsigned long)per_cpu[c]);
	uint64_t n = r->nevents ? r->nevents : 1, nh = held ? held : 1;
	printf("\n  window of %u: contended %lu (%.1f%%), wait avg %lu max %lu, hold avg %lu max %lu "
	       "ticks (hold sampled: %lu)\n",
	       r->nevents, (unsigned long)contended, 100.0 * (double)contended / (double)n,
	       (unsigned long)(wsum / n), (unsigned long)wmax, (unsigned long)(hsum / nh),
	       (unsigned long)hmax, (unsigned long)held);
	printf("  acquisitions %lu, timed %lu of %u in the window", (unsigned long)r->count,
	       (unsigned long)timed, r->nevents);
	if (!timed) {
		printf(": no wait times in this trace, contention unknown\n");
	} else {
		printf(": waited %lu (contention %.1f%% of timed)\n", (unsigned long)waited,
		       100.0 * (double)waited / (double)timed);
		trace_percentiles(waits, timed, p);
		printf("  wait ticks (%lu timed): p50 %lu p90 %lu p99 %lu max %lu\n",
		       (unsigned long)timed, (unsigned long)p[0], (unsigned long)p[1],
		       (unsigned long)p[2], (unsigned long)p[3]);
	}
	if (held) {
		trace_percentiles(holds, held, p);
		printf("  hold ticks (%lu timed): p50 %lu p90 %lu p99 %lu max %lu\n",
		       (unsigned long)held, (unsigned long)p[0], (unsigned long)p[1],
		       (unsigned long)p[2], (unsigned long)p[3]);
	}
	free(waits);
	free(holds);
}

/* ---- per thread: an open-addressing table keyed by thread id ---- */

struct thr {
	uint32_t id, last_obj; /* last_obj: object index + 1 that counted it */
	bool used;
	uint64_t events, objects;
	uint64_t cpus[NCPU / 64];
};

struct thr_table {
	struct thr *slot;
	size_t cap, n;
};

static struct thr *thr_get(struct thr_table *t, uint32_t id)
{
	if (2 * (t->n + 1) > t->cap) {
		struct thr_table g = { xcalloc(t->cap ? 2 * t->cap : 64, sizeof *g.slot, "threads"),
				       t->cap ? 2 * t->cap : 64, 0 };
		for (size_t i = 0; i < t->cap; i++)
			if (t->slot[i].used)
				*thr_get(&g, t->slot[i].id) = t->slot[i];
		free(t->slot);
		*t = g;
	}
	size_t i = log_mix(0, id) & (t->cap - 1);
	while (t->slot[i].used && t->slot[i].id != id)
		i = (i + 1) & (t->cap - 1);
	if (!t->slot[i].used) {
		t->slot[i].used = true;
		t->slot[i].id = id;
		t->n++;
	}
	return &t->slot[i];
}

static int thr_cmp(const void *a, const void *b)
{
	const struct thr *x = a, *y = b;
	if (x->used != y->used)
		return x->used ? -1 : 1;
	return (x->id > y->id) - (x->id < y->id);
}

/* ---- the tables ---- */

static void per_object_cpu(const struct trace_file *t)
{
	uint64_t *n = xcalloc((size_t)t->set.nobjs * NCPU, sizeof *n, "stats");
	uint64_t col[NCPU] = { 0 }, all = 0;
	bool partial = false;
	struct thr_table threads = { 0 };
	struct trace_walk w;
	for (uint32_t i = 0; i < t->set.nobjs; i++)
		for (trace_walk_begin(&w, &t->set.objs[i]); trace_walk_next(&w);) {
			struct thr *th = thr_get(&threads, w.thread);
			n[(size_t)i * NCPU + w.cpu]++;
			col[w.cpu]++;
			th->events++;
			th->cpus[w.cpu / 64] |= 1ull << (w.cpu % 64);
			if (th->last_obj != i + 1) {
				th->last_obj = i + 1;
				th->objects++;
			}
		}
	printf("events per object and cpu (whole run from the order stream; * kept window only):\n");
	printf("%-20s %10s", "object", "events");
	for (unsigned c = 0; c < NCPU; c++)
		if (col[c]) {
			char head[8];
			snprintf(head, sizeof head, "cpu%u", c);
			printf(" %11s", head);
		}
	printf("\n");
	for (uint32_t i = 0; i < t->set.nobjs; i++) {
		const struct log_objrec *r = &t->set.objs[i];
		bool whole = trace_walk_whole(r);
		partial |= !whole;
		printf("%-20s %10lu%s", r->name, (unsigned long)trace_walk_count(r),
		       whole ? "" : "*");
		for (unsigned c = 0; c < NCPU; c++)
			if (col[c])
				printf(" %11lu", (unsigned long)n[(size_t)i * NCPU + c]);
		printf("\n");
		all += trace_walk_count(r);
	}
	printf("%-20s %10lu%s", "all", (unsigned long)all, partial ? "*" : "");
	for (unsigned c = 0; c < NCPU; c++)
		if (col[c])
			printf(" %11lu", (unsigned long)col[c]);
	printf("\n");

	qsort(threads.slot, threads.cap, sizeof *threads.slot, thr_cmp);
	printf("events per thread (%zu threads):\n%-12s %10s %8s  cpus\n", threads.n, "thread",
	       "events", "objects");
	for (size_t k = 0; k < threads.n; k++) {
		const struct thr *th = &threads.slot[k];
		const char *sep = "";
		printf("%-12u %10lu %8lu  ", th->id, (unsigned long)th->events,
		       (unsigned long)th->objects);
		for (unsigned c = 0; c < NCPU; c++)
			if (th->cpus[c / 64] >> (c % 64) & 1) {
				printf("%s%u", sep, c);
				sep = ",";
			}
		printf("\n");
	}
	free(threads.slot);
	free(n);
}

int cmd_stats(const char *const *arg, bool opt)
{
	struct trace_file *t = trace_file_load(arg[0]);
	printf("trace %u.%u  build \"%s\"  oracle \"%s\" seed %lu  %u cpus\n", t->meta.major,
	       t->meta.minor, t->meta.build_id, t->meta.oracle, (unsigned long)t->meta.seed,
	       t->meta.ncpus);
	printf("cmdline \"%s\"\n", t->meta.cmdline);
	for (uint32_t i = 0; i < t->set.nobjs; i++) {
		const struct log_objrec *r = &t->set.objs[i];
		printf("%-20s %-8s %10lu events  window %lu..%lu  order runs %lu\n", r->name,
		       r->type->name, (unsigned long)r->count, (unsigned long)r->first,
		       (unsigned long)r->count, (unsigned long)(r->order ? r->order_runs : 0));
		if (trace_is_lock(r))
			lock_stats(r);
	}
	per_object_cpu(t);
	trace_file_free(t);
	return 0;
}
