/*
 * script.c - the deterministic oracle: serialize every event point and let
 * a schedule pick which thread goes next.
 *
 * The actor is a thread (struct oracle_actor, oracle.h).  Each actor of the
 * run is in one state; exactly one actor holds the turn at a time:
 *
 *     OUT ----join(a) by the turn holder----> POINT   (woken, spawned, call posted)
 *     RUN ----before()----------------------> POINT   (at an event point)
 *     RUN ----wait(obj)---------------------> BLOCKED (spins on obj: ineligible
 *                                                      until obj changes)
 *     RUN ----yield_turn()------------------> POINT   (preempted: to the back)
 *     RUN ----leave()-----------------------> OUT     (sleeps, exits, waits
 *                                                      outside the logs)
 *     BLOCKED --after(obj) by the holder----> POINT
 *     POINT --picked by the schedule--------> RUN     (granted; it runs on its
 *                                                      CPU until its next point)
 *     OUT ----busy() by itself--------------> POINT, or RUN if nobody else
 *                                             can be picked (no decision)
 *
 * Turn protocol, state tuple (running, holder):
 *   an actor leaves RUN       (1, a) -> (0, -)   it decides, under the lock:
 *   decide                    (0, -) -> (1, b)   b = the schedule's pick among
 *                                                POINT actors; grant b, kick b's CPU
 *   b sees its grant          (1, b)             b returns from before()/wait()/
 *                                                resume()
 * A decision is taken only when no actor runs, i.e. when every runnable
 * thread is at an event point, blocked or asleep; so the code between two
 * event points of one thread runs alone, and the run is a function of the
 * schedule only.  Which actors exist changes only by the holder (join) or by
 * the actor itself while it holds the turn (leave, yield_turn), so the set a
 * decision sees is a function of the schedule too.  No POINT actor but some
 * BLOCKED: deadlock, reported with who waits on what.
 *
 * A waiting thread does not keep its CPU: while the turn holder is queued on
 * the same CPU (granted, or running between two points after a switch), the
 * waiter yields to it through the platform's scheduler (plat_yield); else it
 * parks (the kernel: hlt), and the grant's kick wakes it.
 *
 * At start the platform names the runnable threads (plat_actors_start):
 * each CPU's running thread is RUN (it goes on to its first event point;
 * a host run's CPUs all start at once), the queued ones are POINT.
 */
#include "oracle/impl.h"
#include "oracle/sched.h"
#include "log/log.h"
#include "lock/lock_type.h"

enum { A_OUT, A_RUN, A_POINT, A_BLOCKED };

static struct {
	volatile AO_t lock;
	unsigned ncpus;
	unsigned running;
	uint32_t epoch;
	uint64_t steps;
	uint64_t horizon;
	struct oracle_actor *head, *tail; /* the run's actors (not OUT), in join order */
	/* The actor granted last, while it holds the turn (waiters on its CPU
	 * yield to it); NULL when nobody does. */
	struct oracle_actor *volatile holder;
	struct sched sched;
	/* Since boot, over restarts (oracle_script_totals). */
	uint64_t total_steps, total_switches;
	unsigned last_cpu;
} sc;

void oracle_script_set_horizon(uint64_t steps)
{
	sc.horizon = steps;
}

uint64_t oracle_script_steps(void)
{
	return sc.steps;
}

unsigned oracle_script_changes(uint64_t *at, unsigned max)
{
	unsigned n = 0;
	olock_acquire(&sc.lock);
	if (sc.sched.kind == OSCHED_PCT)
		for (; n < sc.sched.nchange && n < max; n++)
			at[n] = sc.sched.change[n];
	olock_release(&sc.lock);
	return n;
}

/* Without the lock: also read on the panic path, where a stopped CPU may
 * hold it; only a report. */
void oracle_script_totals(uint64_t *steps, uint64_t *switches)
{
	*steps = AO_load((volatile AO_t *)&sc.total_steps);
	*switches = AO_load((volatile AO_t *)&sc.total_switches);
}

/* ---- the actor list, under sc.lock ---- */

static uint8_t st_of(const struct oracle_actor *a)
{
	return a->epoch == sc.epoch ? a->st : A_OUT;
}

static void list_add(struct oracle_actor *a)
{
	a->next = 0;
	a->prev = sc.tail;
	if (sc.tail)
		sc.tail->next = a;
	else
		sc.head = a;
	sc.tail = a;
}

static void list_del(struct oracle_actor *a)
{
	if (a->prev)
		a->prev->next = a->next;
	else
		sc.head = a->next;
	if (a->next)
		a->next->prev = a->prev;
	else
		sc.tail = a->prev;
	a->next = a->prev = 0;
}

/* PCT: a thread's priority, above every change point's (1..d-1).  The
 * threads running at start take the seed's initial priorities by CPU (a host
 * run, one thread per CPU, is then the CPU-level PCT of the paper); later
 * ones draw theirs. */
static uint32_t new_prio(unsigned cpu, bool initial)
{
	if (sc.sched.kind != OSCHED_PCT)
		return 0;
	if (initial)
		return sc.sched.prio[cpu];
	return sc.sched.depth + sc.ncpus + (uint32_t)(sched_rand(&sc.sched) % 65536);
}

static void enter(struct oracle_actor *a, unsigned cpu, uint8_t st, bool initial)
{
	a->epoch = sc.epoch;
	a->st = st;
	a->cpu = (uint8_t)cpu;
	a->grant = 0;
	a->blocked_on = 0;
	a->prio = new_prio(cpu, initial);
	list_add(a);
	sc.running += st == A_RUN;
}

/* Takes the lock itself: the platform holds its run-queue locks around
 * the calls, and the kernel's order is run-queue lock, then this one. */
static void add_at_start(struct oracle_actor *a, unsigned cpu, bool running)
{
	olock_acquire(&sc.lock);
	if (cpu < sc.ncpus && st_of(a) == A_OUT)
		enter(a, cpu, running ? A_RUN : A_POINT, running);
	olock_release(&sc.lock);
}

void oracle_script_start(const struct oracle_spec *spec, unsigned ncpus)
{
	uint64_t horizon = sc.horizon ? sc.horizon : 100;
	/* Under the lock, field by field: an actor finishing the previous run
	 * (an idle loop's late leave) must see the old state or the new one,
	 * never a half-cleared one.  A new epoch makes every actor OUT. */
	olock_acquire(&sc.lock);
	sc.horizon = horizon;
	sc.ncpus = ncpus;
	sc.running = 0;
	sc.steps = 0;
	sc.epoch++;
	if (sc.epoch == 0)
		sc.epoch = 1;
	sc.head = sc.tail = 0;
	sc.holder = 0;
	sched_init(&sc.sched, spec, ncpus, horizon);
	olock_release(&sc.lock);
	/* Until these are added nobody is an actor of the new run, so nobody
	 * decides: an idle loop's leave() finds its actor OUT. */
	plat_actors_start(ncpus, add_at_start);
}

/* Names the first blocked actor in the message itself, so explore's
 * one-line report says what is stuck. */
static const char *const st_names[] = { "sleeps", "runs", "at an event point on", "waits on" };

/* Every actor's state and object: who waits for what. */
static void report_actors(void)
{
	if (sc.holder)
		plat_printf("script:   the turn: cpu %u thread %u\n", sc.holder->cpu,
			    sc.holder->thread);
	for (const struct oracle_actor *a = sc.head; a; a = a->next) {
		const struct log_obj *o = a->blocked_on;
		plat_printf("script:   cpu %u thread %u %s %s\n", a->cpu, a->thread, st_names[a->st],
			    a->st == A_RUN ? "(reaches no event point)"
			    : o            ? o->name
					   : "-");
	}
}

/* The BLOCKED actor of thread `thread`, if any. */
static const struct oracle_actor *blocked_thread(uint32_t thread)
{
	for (const struct oracle_actor *a = sc.head; a; a = a->next)
		if (a->st == A_BLOCKED && a->thread == thread)
			return a;
	return 0;
}

/* The thread holding a lock object (its last acquirer while held), 0 if
 * none: only locks' log objects have a holder. */
static uint32_t holder_thread(const struct log_obj *o)
{
	const struct log_event *e = o->holder ? log_last_event(o) : 0;
	return e ? e->thread : 0;
}

/* From the first blocked thread, follow "waits on a lock held by": a cycle
 * back to it is printed as the deadlock cycle (locks only: their log
 * object knows its holder). */
static void report_cycle(void)
{
	const struct oracle_actor *path[PLAT_MAX_CPUS], *a = sc.head;
	unsigned n = 0;
	while (a && a->st != A_BLOCKED)
		a = a->next;
	while (a && n < PLAT_MAX_CPUS) {
		path[n++] = a;
		uint32_t h = holder_thread(a->blocked_on);
		if (h == 0 || h == path[0]->thread)
			break;
		a = blocked_thread(h);
	}
	if (n == 0 || holder_thread(path[n - 1]->blocked_on) != path[0]->thread)
		return;
	plat_printf("script: deadlock cycle of %u: cpu %u (thread %u)", n, path[0]->cpu,
		    path[0]->thread);
	for (unsigned i = 0; i < n; i++) {
		const struct oracle_actor *h = path[(i + 1) % n];
		plat_printf(" waits for %s, held by cpu %u (thread %u)%s", path[i]->blocked_on->name,
			    h->cpu, h->thread, i + 1 < n ? ", which" : "\n");
	}
	const struct log_obj *o = path[0]->blocked_on;
	if (log_record_order && o->count) /* the lock's last acquisition: its holder's */
		plat_printf("script: replay: make replay TRACE=<this run's trace> STOP=%s:%lu\n",
			    o->name, (unsigned long)(o->count - 1));
}

static void report_deadlock(void)
{
	report_actors();
	report_cycle();
	for (const struct oracle_actor *a = sc.head; a; a = a->next)
		if (a->st == A_BLOCKED)
			plat_panic(
				"script: deadlock after %lu steps: cpu %u (thread %u) waits on %s "
				"forever",
				(unsigned long)sc.steps, a->cpu, a->thread, a->blocked_on->name);
	plat_panic("script: stalled after %lu steps with no thread at an event point",
		   (unsigned long)sc.steps);
}

/* The k-th POINT actor in list order. */
static struct oracle_actor *nth_point(unsigned k)
{
	for (struct oracle_actor *a = sc.head; a; a = a->next)
		if (a->st == A_POINT && k-- == 0)
			return a;
	return 0;
}

/*
 * The schedule's pick among n >= 1 POINT actors:
 *   random  uniformly among them (list order);
 *   pct     the highest priority (the first on ties); at change point k the
 *           picked thread drops to priority k+1;
 *   rr/list the CPU (round robin, or the list), then that CPU's first
 *           POINT thread in list order.
 * With one thread per CPU (a host run) this is exactly the CPU-level
 * schedule of earlier versions.
 */
static struct oracle_actor *pick(unsigned n, uint64_t step)
{
	struct sched *s = &sc.sched;
	struct oracle_actor *best = 0;
	switch (s->kind) {
	case OSCHED_RANDOM:
		return nth_point((unsigned)(sched_rand(s) % n));
	case OSCHED_PCT:
		for (struct oracle_actor *a = sc.head; a; a = a->next)
			if (a->st == A_POINT && (!best || a->prio > best->prio))
				best = a;
		for (uint32_t k = 0; k < s->nchange; k++)
			if (s->change[k] == step)
				best->prio = k + 1;
		return best;
	default: {
		uint32_t pos = s->pos;
		uint8_t el[PLAT_MAX_CPUS];
		unsigned ne = 0;
		uint64_t seen = 0;
		for (struct oracle_actor *a = sc.head; a; a = a->next)
			if (a->st == A_POINT)
				seen |= 1ull << a->cpu;
		for (unsigned c = 0; c < sc.ncpus; c++)
			if (seen >> c & 1)
				el[ne++] = (uint8_t)c;
		unsigned c = sched_pick(s, el, ne, step);
		/* list entry CPU.K: that CPU's K-th waiting thread (the first if
		 * it has fewer) */
		unsigned k = s->kind == OSCHED_LIST && pos < s->nlist && s->list[pos] == c
				     ? s->listk[pos]
				     : 0;
		struct oracle_actor *first = 0;
		for (struct oracle_actor *a = sc.head; a && !best; a = a->next)
			if (a->st == A_POINT && a->cpu == c) {
				first = first ? first : a;
				best = k-- == 0 ? a : 0;
			}
		return best ? best : first ? first : nth_point(0);
	}
	}
}

/* The pick as a list entry, CPU.K (K: its rank among that CPU's waiting
 * threads), so that script:list replays any schedule exactly. */
static void record_pick(const struct oracle_actor *a)
{
	struct sched *s = &sc.sched;
	unsigned k = 0;
	for (const struct oracle_actor *b = sc.head; b != a; b = b->next)
		k += b->st == A_POINT && b->cpu == a->cpu;
	if (s->nhist < ORACLE_LIST_MAX) {
		s->hist[s->nhist] = a->cpu;
		s->histk[s->nhist] = (uint8_t)(k < 255 ? k : 255);
	}
	s->nhist++;
}

/* Under sc.lock, by the actor that just stopped running. */
static void decide(void)
{
	unsigned n = 0;
	bool blocked = false;

	if (sc.running)
		return;
	sc.holder = 0;
	for (const struct oracle_actor *a = sc.head; a; a = a->next) {
		n += a->st == A_POINT;
		blocked |= a->st == A_BLOCKED;
	}
	if (n == 0) {
		if (blocked) {
			olock_release(&sc.lock);
			report_deadlock();
		}
		return; /* every thread asleep or gone: nothing to decide */
	}
	struct oracle_actor *a = pick(n, ++sc.steps);
	record_pick(a);
	sc.total_switches += sc.total_steps++ && a->cpu != sc.last_cpu;
	sc.last_cpu = a->cpu;
	a->st = A_RUN;
	sc.running++;
	sc.holder = a;
	AO_store_release(&a->grant, 1);
	plat_kick(a->cpu);
}

/*
 * Waiting for the turn.  While the holder is a thread of this CPU (granted,
 * or between two points after it was switched out), let it run; else park.
 * Stall detection: if no decision is taken for PLAT_STALL_PARKS parks
 * (about 2 s in the kernel), the holder never reaches an event point (it
 * spins on something no log orders, or sleeps with the turn): report every
 * actor and fail the run.
 */
static void wait_grant(struct oracle_actor *a)
{
	unsigned spins = 0;
	uint64_t parks = 0, steps = sc.steps;
	while (!AO_load_acquire(&a->grant)) {
		struct oracle_actor *h = sc.holder;
		if (h && h != a && h->cpu == a->cpu && plat_yield_to(h))
			continue;
		if (spins < ORACLE_SPINS) {
			spins++;
			plat_relax();
			continue;
		}
		plat_park();
		uint64_t now = AO_load((volatile AO_t *)&sc.steps);
		if (now != steps) {
			steps = now;
			parks = 0;
		} else if (++parks == PLAT_STALL_PARKS) {
			olock_acquire(&sc.lock);
			report_actors();
			olock_release(&sc.lock);
			plat_panic(
				"script: stalled after %lu steps: no thread reached an event point "
				"for %u parks",
				(unsigned long)now, (unsigned)PLAT_STALL_PARKS);
		}
	}
	a->grant = 0;
}

/* RUN -> `to`, decide, then wait to be picked. */
static void stop_and_wait(uint8_t to, struct log_obj *obj)
{
	struct oracle_actor *a = plat_actor();
	if (plat_unlikely(plat_in_interrupt()))
		plat_panic("script: event point on %s in an interrupt handler (cpu %u)",
			   obj ? obj->name : "-", plat_cpu());
	olock_acquire(&sc.lock);
	if (st_of(a) != A_RUN) {
		/* Only the running actor reaches an event point; anything else
		 * means a thread ran without the turn. */
		report_actors();
		olock_release(&sc.lock);
		plat_panic(
			"script: thread %u on cpu %u at an event point on %s without the turn "
			"(state %u)",
			plat_thread(), plat_cpu(), obj ? obj->name : "-", st_of(a));
	}
	a->st = to;
	a->grant = 0; /* a grant it never waited for (it was picked while switched out) */
	a->blocked_on = obj;
	a->cpu = (uint8_t)plat_cpu();
	sc.running--;
	decide();
	olock_release(&sc.lock);
	wait_grant(a);
}

static void script_before(struct log_obj *obj, unsigned cpu, uint32_t thread, enum oracle_op op)
{
	stop_and_wait(A_POINT, obj);
}

static void script_wait(struct log_obj *obj, unsigned cpu, uint64_t key)
{
	plat_actor()->wait_key = key;
	stop_and_wait(A_BLOCKED, obj);
}

/* obj changed: actors spinning on it may now make progress (those that
 * wait for a handoff keep waiting for theirs). */
static void script_after(struct log_obj *obj, unsigned cpu, enum oracle_op op)
{
	olock_acquire(&sc.lock);
	for (struct oracle_actor *a = sc.head; a; a = a->next)
		if (a->st == A_BLOCKED && a->blocked_on == obj && !a->wait_key)
			a->st = A_POINT;
	olock_release(&sc.lock);
}

static void script_handoff(struct log_obj *obj, uint64_t key)
{
	olock_acquire(&sc.lock);
	for (struct oracle_actor *a = sc.head; a; a = a->next)
		if (a->st == A_BLOCKED && a->blocked_on == obj && a->wait_key == key)
			a->st = A_POINT;
	olock_release(&sc.lock);
}

/* By the holder: a became runnable on cpu (idempotent: an actor stays). */
static void script_join(struct oracle_actor *a, unsigned cpu)
{
	olock_acquire(&sc.lock);
	if (st_of(a) == A_OUT && cpu < sc.ncpus)
		enter(a, cpu, A_POINT, false);
	olock_release(&sc.lock);
}

/* The caller stops being runnable; the turn passes on.  Idempotent (the
 * kernel's idle loop says it every time it finds nothing to do). */
static void script_leave(struct oracle_actor *a)
{
	olock_acquire(&sc.lock);
	uint8_t st = st_of(a);
	if (st != A_OUT) {
		list_del(a);
		a->st = A_OUT;
		a->grant = 0;
		if (st == A_RUN) {
			sc.running--;
			decide();
		}
	}
	olock_release(&sc.lock);
}

/* The caller gives the turn up and stays runnable, behind the others. */
static void script_yield_turn(struct oracle_actor *a)
{
	olock_acquire(&sc.lock);
	if (st_of(a) == A_RUN) {
		list_del(a);
		list_add(a);
		/* pct: a thread that yields goes below every thread that did not
		 * (ties: list order), else one that polls through system calls
		 * would starve the rest for ever */
		if (sc.sched.kind == OSCHED_PCT && a->prio > sc.sched.depth)
			a->prio = sc.sched.depth;
		a->st = A_POINT;
		a->grant = 0;
		a->blocked_on = 0;
		sc.running--;
		decide();
	}
	olock_release(&sc.lock);
}

/* The caller is on its CPU again: without the turn, wait for it. */
static void script_resume(struct oracle_actor *a)
{
	olock_acquire(&sc.lock);
	uint8_t st = st_of(a);
	a->cpu = (uint8_t)plat_cpu();
	if (st == A_RUN)
		a->grant = 0; /* picked while switched out: it has the turn already */
	olock_release(&sc.lock);
	if (st == A_POINT)
		wait_grant(a);
}

/* The caller, which takes no part, has work: join and wait for the turn.
 * If nobody else could be picked, taking the turn is not a decision (no
 * step, no random draw): a thread that stopped taking part only to wait
 * for another CPU (smp_call_wait) leaves no trace in the schedule when, by
 * timing, it did not have to wait at all. */
static void script_busy(struct oracle_actor *a)
{
	unsigned cpu = plat_cpu();
	olock_acquire(&sc.lock);
	uint8_t st = st_of(a);
	if (st == A_RUN)
		a->grant = 0;
	if (st == A_OUT) {
		bool alone = sc.running == 0;
		for (const struct oracle_actor *b = sc.head; alone && b; b = b->next)
			alone = b->st != A_POINT;
		enter(a, cpu, alone ? A_RUN : A_POINT, false);
		if (alone)
			sc.holder = a;
		else
			decide();
		st = a->st;
	}
	olock_release(&sc.lock);
	if (st == A_POINT)
		wait_grant(a);
}

/* Preempt at a kernel entry: a seeded function of (cpu, thread, kentry),
 * about one entry in eight, so preemption points vary with the seed. */
static enum oracle_preempt script_preempt(unsigned cpu, uint32_t thread, uint64_t kentry)
{
	uint64_t x = sc.sched.rng ^ ((uint64_t)cpu << 56) ^ ((uint64_t)thread << 32) ^ kentry;
	x *= 0x9e3779b97f4a7c15ull;
	return (x >> 61) == 0 ? ORACLE_PREEMPT_YES : ORACLE_PREEMPT_NO;
}

static void script_stalled(void)
{
	report_deadlock();
}

const struct oracle_ops oracle_script_ops = {
	.name = "script",
	.before = script_before,
	.after = script_after,
	.wait = script_wait,
	.handoff = script_handoff,
	.preempt = script_preempt,
	.join = script_join,
	.leave = script_leave,
	.yield_turn = script_yield_turn,
	.resume = script_resume,
	.busy = script_busy,
	.stalled = script_stalled,
};

/*
 * A failed run's schedule as a list (debug_exit): under any script
 * schedule, the CPUs picked, in order, as `script:list:...` would pick them,
 * so that explore can shrink a random schedule's failure by delta debugging
 * the list.  (Preemption decisions draw on the schedule's seed: a list run
 * preempts elsewhere where a thread shares its CPU; explore checks that the
 * list fails the same way before it shrinks it.)
 */
void oracle_script_print_schedule(void)
{
	if (oracle_cur != &oracle_script_ops)
		return;
	const struct sched *s = &sc.sched;
	if (s->nhist > ORACLE_LIST_MAX) {
		plat_printf("script: schedule: %lu picks, too many for a list\n",
			    (unsigned long)s->nhist);
		return;
	}
	plat_printf("script: schedule: %lu picks: script:list:", (unsigned long)s->nhist);
	for (uint64_t i = 0; i < s->nhist; i++) {
		plat_printf(i ? ",%u" : "%u", s->hist[i]);
		if (s->histk[i])
			plat_printf(".%u", s->histk[i]);
	}
	plat_printf("\n");
}
