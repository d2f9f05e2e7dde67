/*
 * trace detect FILE [--fair=RATIO] [--json]: bug detectors over a recorded
 * run (docs/trace-tools.md "trace detect").  Each finding is one block:
 * what, the evidence, and the command that replays the run to that event
 * (make replay TRACE=FILE STOP=OBJ:SEQ, docs/record-replay.md).
 *
 *   unfair-lock   a lock whose busiest thread took more than RATIO times the
 *                 acquisitions of its least busy one (2+ threads, 100+
 *                 acquisitions), from the order stream: who did each ACQ
 *   starvation    a thread made ready on a run queue (SPAWN, WAKE of a
 *                 sleeper, MIGRATE_IN) that performed no event anywhere
 *                 afterwards while other threads of that CPU performed more
 *                 than STARVE_EVENTS
 *   lost-wakeup   a SLEEP(tid) on a run queue right after a WAKE of that
 *                 thread that found it awake (with no event of the thread
 *                 in between but its preemptions): that wakeup was spent
 *                 before the sleep it was meant for, and none reaches it
 *   wake-not-asleep (info) WAKEs whose target was not asleep (arg1 bit 32),
 *                 per waker and target
 *
 * Across objects a trace orders events only by their time stamps, so
 * "after" is what the logs prove (see happens()); a wakeup and the sleep it
 * misses are on one run queue (the sleeper's), so their order is known.
 *
 * Exit status: 0 nothing flagged (info only), 1 a finding, 2 usage / file.
 */
#include <stdlib.h>
#include <string.h>
#include "host/cli.h"
#include "thread/runq_log.h"
#include "tools/trace_tool.h"

#define FAIR_DEFAULT 4
#define FAIR_MIN_ACQ 100                   /* a lock with fewer acquisitions is not judged */
#define STARVE_EVENTS 1000                 /* others' events after the wakeup: more than this */
#define WAKE_NOT_ASLEEP RQ_WAKE_NOT_ASLEEP /* a WAKE's arg1: sched_wakeup, kern/thread/sched.c */

struct detect {
	const char *path;
	struct trace_file *t;
	bool json;
	uint64_t fair;
	unsigned flagged, info, blocks;
	uint32_t *tid; /* every thread id of the run, sorted, unique */
	size_t ntid;
	uint64_t *last; /* [thread index * nobjs + obj]: last seq + 1 it performed, 0: none */
	struct rqev {
		uint32_t obj;
		const struct log_event *e;
	} * rq; /* every kept event of the run queues */
	size_t nrq;
};

/* ---- output: a block per finding, as text or as one JSON object each ---- */

static void json_chars(const char *s)
{
	for (; *s; s++)
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", (unsigned char)*s);
		else
			putchar(*s);
}

static void json_str(const char *s)
{
	putchar('"');
	json_chars(s);
	putchar('"');
}

/* Start a finding: kind, flag or info, the object and event to stop at. */
static void block_begin(struct detect *d, const char *kind, bool flag, const char *obj, uint64_t seq)
{
	*(flag ? &d->flagged : &d->info) += 1;
	if (d->json) {
		printf("%s\n    {\"kind\": ", d->blocks++ ? "," : "");
		json_str(kind);
		printf(", \"severity\": \"%s\", \"object\": ", flag ? "flag" : "info");
		json_str(obj);
		printf(", \"seq\": %lu, \"replay\": \"make replay TRACE=", (unsigned long)seq);
		json_chars(d->path);
		printf(" STOP=%s:%lu\"", obj, (unsigned long)seq);
	} else {
		printf("%s %s %s\n", flag ? "FLAG" : "INFO", kind, obj);
	}
}

/* One number of the evidence (JSON: a member; text: nothing, the line
 * says it). */
static void field(struct detect *d, const char *name, uint64_t v)
{
	if (d->json)
		printf(", \"%s\": %lu", name, (unsigned long)v);
}

static void block_end(struct detect *d, const char *obj, uint64_t seq)
{
	if (d->json)
		printf("}");
	else
		printf("  replay: make replay TRACE=%s STOP=%s:%lu\n\n", d->path, obj,
		       (unsigned long)seq);
}

/* ---- threads ---- */

static int u32_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return (x > y) - (x < y);
}

static size_t tix(const struct detect *d, uint32_t id)
{
	const uint32_t *p = bsearch(&id, d->tid, d->ntid, sizeof id, u32_cmp);
	return p ? (size_t)(p - d->tid) : d->ntid; /* every walked id is there */
}

/* The thread ids, then each thread's last seq on each object. */
static void index_threads(struct detect *d)
{
	const struct log_set *s = &d->t->set;
	struct trace_walk w;
	size_t n = 0, cap = 0;
	for (uint32_t i = 0; i < s->nobjs; i++)
		cap += trace_walk_count(&s->objs[i]) ? s->objs[i].order_runs + s->objs[i].nevents : 0;
	d->tid = xcalloc(cap, sizeof *d->tid, "threads");
	for (uint32_t i = 0; i < s->nobjs; i++) {
		uint32_t prev = 0;
		bool any = false;
		for (trace_walk_begin(&w, &s->objs[i]); trace_walk_next(&w);)
			if (!any || w.thread != prev) {
				d->tid[n++] = prev = w.thread;
				any = true;
			}
	}
	qsort(d->tid, n, sizeof *d->tid, u32_cmp);
	for (size_t k = 0; k < n; k++)
		if (!d->ntid || d->tid[d->ntid - 1] != d->tid[k])
			d->tid[d->ntid++] = d->tid[k];
	d->last = xcalloc(d->ntid * s->nobjs, sizeof *d->last, "threads");
	for (uint32_t i = 0; i < s->nobjs; i++)
		for (trace_walk_begin(&w, &s->objs[i]); trace_walk_next(&w);)
			d->last[tix(d, w.thread) * s->nobjs + i] = w.seq + 1;
}

/* The run queues' kept events (full events: arguments, time stamps). */
static void index_runqs(struct detect *d)
{
	const struct log_set *s = &d->t->set;
	size_t cap = 0;
	for (uint32_t i = 0; i < s->nobjs; i++)
		if (!strcmp(s->objs[i].type->name, "runq"))
			cap += s->objs[i].nevents;
	d->rq = xcalloc(cap, sizeof *d->rq, "run queues");
	for (uint32_t i = 0; i < s->nobjs; i++)
		for (uint32_t k = 0;
		     !strcmp(s->objs[i].type->name, "runq") && k < s->objs[i].nevents; k++)
			d->rq[d->nrq++] = (struct rqev){ i, &s->objs[i].events[k] };
}

/* ---- 1. lock fairness ---- */

static void lock_fairness(struct detect *d, uint32_t oi)
{
	const struct log_objrec *r = &d->t->set.objs[oi];
	uint64_t *acq = xcalloc(d->ntid, sizeof *acq, r->name), total = 0;
	uint64_t run = 0, best = 0, best_end = 0;
	uint32_t run_thr = 0, best_thr = 0;
	bool bracketed = false; /* the run began after another thread's acquisition */
	struct trace_walk w;
	for (trace_walk_begin(&w, r); trace_walk_next(&w); total++) {
		acq[tix(d, w.thread)]++;
		if (total && w.thread == run_thr) {
			run++;
			continue;
		}
		/* a run ends where another thread acquires: that one waited */
		if (bracketed && run > best) {
			best = run;
			best_end = w.seq - 1;
			best_thr = run_thr;
		}
		bracketed = total > 0;
		run = 1;
		run_thr = w.thread;
	}
	size_t hi = d->ntid, lo = d->ntid, nthr = 0;
	for (size_t k = 0; k < d->ntid; k++)
		if (acq[k]) {
			nthr++;
			hi = hi == d->ntid || acq[k] > acq[hi] ? k : hi;
			lo = lo == d->ntid || acq[k] < acq[lo] ? k : lo;
		}
	if (nthr < 2 || total < FAIR_MIN_ACQ || acq[hi] <= d->fair * acq[lo]) {
		free(acq);
		return;
	}
	/* Proof of a waiter from the display fields: the acquisition that
	 * ended the longest run, if timed, queued at ts - wait; every timed
	 * acquisition of the run at or after that time (and all after it in
	 * lock order) happened while it waited. */
	uint64_t proven = 0, q = 0;
	const struct log_event *next = 0;
	if (best && best_end + 1 >= r->first && best_end + 1 < r->count)
		next = &r->events[best_end + 1 - r->first];
	if (next && next->ts && next->wait) {
		q = next->ts - next->wait;
		for (uint64_t s = best_end + 1 - best; s <= best_end; s++) {
			const struct log_event *e = s >= r->first ? &r->events[s - r->first] : 0;
			if (e && e->ts && e->ts >= q) {
				proven = best_end - s + 1;
				break;
			}
		}
	}
	uint64_t stop = best ? best_end : r->count - 1;
	block_begin(d, "unfair-lock", true, r->name, stop);
	field(d, "acquisitions", total);
	field(d, "threads", nthr);
	field(d, "max_thread", d->tid[hi]);
	field(d, "max", acq[hi]);
	field(d, "min_thread", d->tid[lo]);
	field(d, "min", acq[lo]);
	field(d, "fair", d->fair);
	field(d, "longest_run", best);
	field(d, "longest_run_thread", best_thr);
	field(d, "longest_run_first", best ? best_end + 1 - best : 0);
	field(d, "longest_run_last", best ? best_end : 0);
	field(d, "waiting_proven", proven);
	if (d->json) {
		printf(", \"per_thread\": {");
		for (size_t k = 0, n = 0; k < d->ntid; k++)
			if (acq[k])
				printf("%s\"%u\": %lu", n++ ? ", " : "", d->tid[k],
				       (unsigned long)acq[k]);
		printf("}");
	} else {
		printf("  acquisitions %lu by %zu threads (%s):", (unsigned long)total, nthr,
		       r->order ? "whole run, order stream" : "kept window only");
		for (size_t k = 0; k < d->ntid; k++)
			if (acq[k])
				printf(" %u:%lu", d->tid[k], (unsigned long)acq[k]);
		printf("\n  ratio max/min %.2f: thread %u took %lu, thread %u took %lu "
		       "(--fair=%lu)\n",
		       (double)acq[hi] / (double)acq[lo], d->tid[hi], (unsigned long)acq[hi],
		       d->tid[lo], (unsigned long)acq[lo], (unsigned long)d->fair);
		if (best)
			printf("  longest run: %lu consecutive acquisitions by thread %u, seq "
			       "%lu..%lu, between other threads' (seq %lu by thread %u ended it)\n",
			       (unsigned long)best, best_thr, (unsigned long)(best_end + 1 - best),
			       (unsigned long)best_end, (unsigned long)(best_end + 1),
			       next ? next->thread : 0);
		else
			printf("  longest run: none between other threads' acquisitions\n");
		if (proven)
			printf("  waiting proven: the acquisition at seq %lu queued at ts %lu (wait "
			       "%u), before the last %lu of the run\n",
			       (unsigned long)(best_end + 1), (unsigned long)q, next->wait,
			       (unsigned long)proven);
		else
			printf("  waiting: not timed (others waiting approximated by interleaving: "
			       "a run counts between two other threads' acquisitions)\n");
	}
	block_end(d, r->name, stop);
	free(acq);
}

/* ---- 2. starvation ---- */

/*
 * Does event `seq` of object `o` happen after (1), before (-1) the event
 * at time `ts`, `rseq` of object `ro`, or is it unknown (0)?  Within one
 * object, seq order is real order; across objects only time stamps order
 * events, and a kept timed event orders every event on its side of it in
 * its object (the TSCs of the CPUs are taken to agree).
 */
static int happens(const struct log_objrec *o, uint64_t seq, const struct log_objrec *ro,
		   uint64_t rseq, uint64_t ts)
{
	if (o == ro)
		return seq > rseq ? 1 : seq < rseq ? -1 : 0;
	for (uint32_t k = 0; k < o->nevents; k++) {
		const struct log_event *e = &o->events[k];
		if (!e->ts)
			continue;
		if (e->ts > ts && seq >= e->seq)
			return 1;
		if (e->ts < ts && seq <= e->seq)
			return -1;
	}
	return 0;
}

/* Others' events on `cpu` proven after the ready event. */
static uint64_t others_after(const struct detect *d, uint32_t thr, unsigned cpu,
			     const struct log_objrec *ro, uint64_t rseq, uint64_t ts)
{
	const struct log_set *s = &d->t->set;
	struct trace_walk w;
	uint64_t n = 0;
	for (uint32_t i = 0; i < s->nobjs; i++) {
		const struct log_objrec *o = &s->objs[i];
		int known = -1; /* the seqs are in order: once after, all after */
		for (trace_walk_begin(&w, o); trace_walk_next(&w);) {
			if (w.cpu != cpu || w.thread == thr)
				continue;
			if (known != 1)
				known = happens(o, w.seq, ro, rseq, ts);
			n += known == 1;
		}
	}
	return n;
}

struct ready {
	uint32_t obj;
	uint64_t seq, ts;
	uint8_t type;
	uint32_t by;
	bool seen;
};

static void starvation(struct detect *d)
{
	const struct log_set *s = &d->t->set;
	struct ready *last = xcalloc(d->ntid, sizeof *last, "starvation");
	/* each thread's last ready-making event (by time stamp) */
	for (size_t k = 0; k < d->nrq; k++) {
		const struct log_event *e = d->rq[k].e;
		bool ready = e->type == RQ_SPAWN || e->type == RQ_MIGRATE_IN ||
			     (e->type == RQ_WAKE && !(e->arg1 & WAKE_NOT_ASLEEP));
		size_t t = tix(d, (uint32_t)e->arg0);
		if (!ready || e->arg0 > UINT32_MAX || t == d->ntid || !e->ts)
			continue; /* a thread that never acts is not in tid[] */
		if (!last[t].seen || e->ts >= last[t].ts)
			last[t] = (struct ready){ d->rq[k].obj, e->seq,    e->ts,
						  e->type,      e->thread, true };
	}
	for (size_t t = 0; t < d->ntid; t++) {
		if (!last[t].seen)
			continue;
		const struct log_objrec *ro = &s->objs[last[t].obj];
		unsigned cpu;
		if (sscanf(ro->name, "runq.cpu%u", &cpu) != 1)
			continue;
		/* every event of the thread must be proven before */
		bool before = true;
		for (uint32_t i = 0; i < s->nobjs && before; i++) {
			uint64_t l = d->last[t * s->nobjs + i];
			before = !l || happens(&s->objs[i], l - 1, ro, last[t].seq, last[t].ts) < 0;
		}
		if (!before)
			continue;
		uint64_t n = others_after(d, d->tid[t], cpu, ro, last[t].seq, last[t].ts);
		if (n <= STARVE_EVENTS)
			continue;
		static const char *const what[] = {
			[RQ_SPAWN] = "SPAWN", [RQ_WAKE] = "WAKE", [RQ_MIGRATE_IN] = "MIGRATE_IN"
		};
		block_begin(d, "starvation", true, ro->name, last[t].seq);
		field(d, "thread", d->tid[t]);
		field(d, "cpu", cpu);
		field(d, "others_after", n);
		field(d, "made_ready_by", last[t].by);
		field(d, "ts", last[t].ts);
		if (d->json) {
			printf(", \"ready_event\": \"%s\"", what[last[t].type]);
		} else {
			printf("  thread %u on cpu %u: made ready by %s at %s seq %lu (by thread %u, "
			       "ts %lu), then no event of it anywhere\n",
			       d->tid[t], cpu, what[last[t].type], ro->name,
			       (unsigned long)last[t].seq, last[t].by, (unsigned long)last[t].ts);
			printf("  other threads on cpu %u made %lu events after it (more than %d)\n",
			       cpu, (unsigned long)n, STARVE_EVENTS);
		}
		block_end(d, ro->name, last[t].seq);
	}
	free(last);
}

/* ---- 3. lost wakeups ---- */

static const char *obj_name(const struct detect *d, uint64_t id)
{
	const struct log_set *s = &d->t->set;
	for (uint32_t i = 0; i < s->nobjs; i++)
		if (s->objs[i].id == id)
			return s->objs[i].name;
	return id == RQ_SLEEP_NO_OBJ ? "no object (join)" : "an object gone by the end";
}

/* The WAKE of thread t that came last before events[k] of run queue r and
 * found t awake, if no other event of t's (but a PREEMPT) lies between. */
static const struct log_event *spent_wake(const struct log_objrec *r, uint32_t k, uint64_t t)
{
	while (k-- > 0) {
		const struct log_event *p = &r->events[k];
		if (p->arg0 != t || p->type == RQ_PREEMPT)
			continue;
		return p->type == RQ_WAKE && (p->arg1 & WAKE_NOT_ASLEEP) ? p : 0;
	}
	return 0;
}

static void lost_wakeups(struct detect *d)
{
	const struct log_set *s = &d->t->set;
	for (uint32_t i = 0; i < s->nobjs; i++) {
		const struct log_objrec *r = &s->objs[i];
		for (uint32_t k = 0; !strcmp(r->type->name, "runq") && k < r->nevents; k++) {
			const struct log_event *e = &r->events[k], *w;
			if (e->type != RQ_SLEEP || !(w = spent_wake(r, k, e->arg0)))
				continue;
			const struct log_event *later = 0;
			for (uint32_t j = k + 1; j < r->nevents && !later; j++)
				if (r->events[j].type == RQ_WAKE && r->events[j].arg0 == e->arg0 &&
				    !(r->events[j].arg1 & WAKE_NOT_ASLEEP))
					later = &r->events[j];
			const char *on = obj_name(d, (uint32_t)e->arg1);
			block_begin(d, "lost-wakeup", true, r->name, e->seq);
			field(d, "thread", e->arg0);
			field(d, "sleep_seq", e->seq);
			field(d, "wake_seq", w->seq);
			field(d, "waker", (uint32_t)w->arg1);
			field(d, "woken_later", later != 0);
			if (d->json) {
				printf(", \"sleeps_on\": ");
				json_str(on);
			} else {
				printf("  lost wakeup: thread %lu sleeps on %s since %s seq %lu; the wakeup "
				       "at seq %lu (by thread %u) found it awake and did not reach it\n",
				       (unsigned long)e->arg0, on, r->name, (unsigned long)e->seq,
				       (unsigned long)w->seq, (uint32_t)w->arg1);
				if (later)
					printf("  woken again at seq %lu by thread %u\n",
					       (unsigned long)later->seq, (uint32_t)later->arg1);
				else
					printf("  no later wakeup of it in the kept window: it sleeps at the "
					       "end of the recording%s\n",
					       e->arg1 & RQ_SLEEP_LOST ? " (the kernel reported it)"
								       : "");
			}
			block_end(d, r->name, e->seq);
		}
	}
}

/* ---- 4. wakeups of threads that were not asleep ---- */

struct pair {
	uint32_t waker, target, obj;
	uint64_t n, first;
};

static int pair_cmp(const void *a, const void *b)
{
	const struct pair *x = a, *y = b;
	if (x->waker != y->waker)
		return (x->waker > y->waker) - (x->waker < y->waker);
	return (x->target > y->target) - (x->target < y->target);
}

static void wakeups(struct detect *d)
{
	const struct log_set *s = &d->t->set;
	size_t n = 0;
	struct pair *p = xcalloc(d->nrq, sizeof *p, "wakeups");
	for (size_t k = 0; k < d->nrq; k++) {
		const struct log_event *e = d->rq[k].e;
		if (e->type == RQ_WAKE && e->arg1 & WAKE_NOT_ASLEEP)
			p[n++] = (struct pair){ e->thread, (uint32_t)e->arg0, d->rq[k].obj, 1,
						e->seq };
	}
	qsort(p, n, sizeof *p, pair_cmp); /* stable enough: firsts compared below */
	for (size_t k = 0; k < n;) {
		size_t j = k + 1;
		struct pair g = p[k];
		for (; j < n && !pair_cmp(&p[j], &g); j++) {
			g.n++;
			if (p[j].obj < g.obj || (p[j].obj == g.obj && p[j].first < g.first)) {
				g.obj = p[j].obj;
				g.first = p[j].first;
			}
		}
		const char *obj = s->objs[g.obj].name;
		block_begin(d, "wake-not-asleep", false, obj, g.first);
		field(d, "waker", g.waker);
		field(d, "target", g.target);
		field(d, "count", g.n);
		if (!d->json)
			printf("  thread %u woke thread %u %lu times while it was not asleep (kept "
			       "windows; first at %s seq %lu); harmless unless the target then slept "
			       "(lost-wakeup above)\n",
			       g.waker, g.target, (unsigned long)g.n, obj, (unsigned long)g.first);
		block_end(d, obj, g.first);
		k = j;
	}
	free(p);
}

static const char lost_note[] =
	"lost wakeups are found in the run queues' kept windows only (SLEEP after a WAKE that "
	"found the thread awake); deadlocks and mutual-exclusion violations are reported by the "
	"kernel when they form (the recording ends there; make replay shows them again)";

int cmd_detect(int argc, char **argv)
{
	struct detect d = { .fair = FAIR_DEFAULT };
	const char *v;
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--json"))
			d.json = true;
		else if ((v = cli_opt(a, "--fair")))
			d.fair = cli_num(v, "--fair", 1, 1000000);
		else if (a[0] == '-' && a[1])
			cli_fail("detect: unknown option '%s'", a);
		else if (d.path)
			cli_fail("detect takes one FILE: unexpected '%s'", a);
		else
			d.path = a;
	}
	if (!d.path)
		cli_fail("detect takes FILE");
	d.t = trace_file_load(d.path);
	if (d.json) {
		printf("{\"trace\": ");
		json_str(d.path);
		printf(", \"cmdline\": ");
		json_str(d.t->meta.cmdline);
		printf(", \"cpus\": %u, \"fair\": %lu, \"findings\": [", d.t->meta.ncpus,
		       (unsigned long)d.fair);
	} else {
		printf("detect: %s: %u objects, %u cpus, cmdline \"%s\"\n\n", d.path,
		       d.t->set.nobjs, d.t->meta.ncpus, d.t->meta.cmdline);
	}
	index_threads(&d);
	index_runqs(&d);
	for (uint32_t i = 0; i < d.t->set.nobjs; i++)
		if (trace_is_lock(&d.t->set.objs[i]))
			lock_fairness(&d, i);
	starvation(&d);
	lost_wakeups(&d);
	wakeups(&d);
	if (d.json) {
		printf("%s], \"flagged\": %u, \"info\": %u, \"note\": ", d.blocks ? "\n  " : "",
		       d.flagged, d.info);
		json_str(lost_note);
		printf("}\n");
	} else {
		printf("note: %s\n", lost_note);
		printf("detect: %u flagged, %u info\n", d.flagged, d.info);
	}
	free(d.tid);
	free(d.last);
	free(d.rq);
	trace_file_free(d.t);
	return d.flagged ? EXIT_BAD : 0;
}
