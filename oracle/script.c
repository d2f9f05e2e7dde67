/*
 * script.c - the deterministic oracle: serialize every event point and let
 * a schedule pick who goes next.
 *
 * Each CPU is in one state; exactly one CPU runs at a time:
 *
 *     RUN ----before()----> POINT   (parked at an event point)
 *     RUN ----wait(obj)---> BLOCKED (spinning on obj: ineligible until obj changes)
 *     RUN ----idle/done---> IDLE
 *     BLOCKED --after(obj) by another CPU--> POINT
 *     POINT --picked by the schedule--> RUN
 *     IDLE ---cpu_wake by the running CPU--> POINT   (work was made for it)
 *     IDLE ---cpu_busy by itself-----------> POINT   (then decide if nobody runs)
 *
 * At start the calling CPU runs; the others run too, except those the
 * platform says are idle (the kernel's APs in their idle loops): they are
 * IDLE until the running CPU wakes them, so when a CPU joins never depends
 * on when it notices.
 *
 * Turn protocol, state tuple (running, grant):
 *   a CPU leaves RUN          (1, -) -> (0, -)   it decides, under olock:
 *   decide                    (0, -) -> (1, c)   c = sched_pick(POINT CPUs); kick(c)
 *   c sees grant[c]           (1, c) -> (1, -)   c returns from before()/wait()
 * A decision is taken only when no CPU runs, i.e. when every CPU is parked
 * at an event point, blocked or idle; so the code between two event points
 * of one CPU runs alone, and the run is a function of the schedule only.
 * No POINT CPU but some BLOCKED: deadlock, reported with who waits on what.
 */
#include "oracle/impl.h"
#include "oracle/sched.h"
#include "log/log.h"

enum { S_RUN, S_POINT, S_BLOCKED, S_IDLE };

static struct {
	volatile AO_t lock;
	unsigned ncpus;
	unsigned running;
	uint64_t steps;
	uint64_t horizon;
	uint8_t status[PLAT_MAX_CPUS];
	struct log_obj *blocked_on[PLAT_MAX_CPUS];
	uint32_t thread[PLAT_MAX_CPUS]; /* the thread that stopped there (reports) */
	volatile AO_t grant[PLAT_MAX_CPUS];
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

void oracle_script_start(const struct oracle_spec *spec, unsigned ncpus)
{
	uint64_t horizon = sc.horizon ? sc.horizon : 100;
	/* Under the lock, field by field: a CPU finishing the previous run
	 * (an idle loop's late cpu_idle) must see the old state or the new
	 * one, never a half-cleared one (a zeroed status reads as RUN). */
	olock_acquire(&sc.lock);
	sc.horizon = horizon;
	sc.ncpus = ncpus;
	sc.running = 0;
	sc.steps = 0;
	for (unsigned c = 0; c < PLAT_MAX_CPUS; c++) {
		sc.status[c] = c < ncpus && !plat_cpu_starts_idle(c) ? S_RUN : S_IDLE;
		sc.running += sc.status[c] == S_RUN;
		sc.blocked_on[c] = 0;
		sc.grant[c] = 0;
	}
	sched_init(&sc.sched, spec, ncpus, horizon);
	olock_release(&sc.lock);
}

/* Names the first blocked CPU in the message itself, so explore's one-line
 * report says what is stuck. */
static const char *const status_names[] = { "runs", "at an event point on", "waits on", "idle" };

/* Every CPU's state, thread and object: who waits for what. */
static void report_cpus(void)
{
	for (unsigned c = 0; c < sc.ncpus; c++) {
		const struct log_obj *o = sc.blocked_on[c];
		if (sc.status[c] == S_IDLE)
			continue;
		plat_printf("script:   cpu %u thread %u %s %s\n", c, sc.thread[c],
			    status_names[sc.status[c]],
			    sc.status[c] == S_RUN ? "(reaches no event point)"
			    : o                   ? o->name
						  : "-");
	}
}

/* From the first blocked CPU, follow "waits on a lock held by": a cycle
 * back to it is printed as the deadlock cycle (locks only: their log
 * object knows its holder). */
static void report_cycle(void)
{
	unsigned path[PLAT_MAX_CPUS], n = 0, c = 0;
	while (c < sc.ncpus && sc.status[c] != S_BLOCKED)
		c++;
	while (c < sc.ncpus && sc.status[c] == S_BLOCKED && n < sc.ncpus) {
		path[n++] = c;
		unsigned h = sc.blocked_on[c]->holder;
		if (h == 0 || h - 1 == path[0])
			break;
		c = h - 1;
	}
	if (n == 0 || sc.blocked_on[path[n - 1]]->holder != path[0] + 1)
		return;
	plat_printf("script: deadlock cycle of %u: cpu %u (thread %u)", n, path[0],
		    sc.thread[path[0]]);
	for (unsigned i = 0; i < n; i++) {
		unsigned h = path[(i + 1) % n];
		plat_printf(" waits for %s, held by cpu %u (thread %u)%s",
			    sc.blocked_on[path[i]]->name, h, sc.thread[h],
			    i + 1 < n ? ", which" : "\n");
	}
	const struct log_obj *o = sc.blocked_on[path[0]];
	if (log_record_order && o->count) /* the lock's last acquisition: its holder's */
		plat_printf("script: replay: make replay TRACE=<this run's trace> STOP=%s:%lu\n",
			    o->name, (unsigned long)(o->count - 1));
}

static void report_deadlock(void)
{
	report_cpus();
	report_cycle();
	for (unsigned c = 0; c < sc.ncpus; c++)
		if (sc.status[c] == S_BLOCKED)
			plat_panic(
				"script: deadlock after %lu steps: cpu %u (thread %u) waits on %s "
				"forever",
				(unsigned long)sc.steps, c, sc.thread[c], sc.blocked_on[c]->name);
	plat_panic("script: stalled after %lu steps with no CPU at an event point",
		   (unsigned long)sc.steps);
}

/*
 * Waiting for the turn, with stall detection: if no decision is taken for
 * PLAT_STALL_PARKS parks (about 2 s in the kernel), the CPU that holds the
 * turn never reaches an event point (it spins on something no log orders,
 * or sleeps with the turn): report every CPU and fail the run.
 */
static void wait_grant(unsigned cpu)
{
	unsigned spins = 0;
	uint64_t parks = 0, steps = sc.steps;
	while (!AO_load_acquire(&sc.grant[cpu])) {
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
			report_cpus();
			olock_release(&sc.lock);
			plat_panic(
				"script: stalled after %lu steps: no CPU reached an event point "
				"for %u parks",
				(unsigned long)now, (unsigned)PLAT_STALL_PARKS);
		}
	}
}

static bool any_point(void)
{
	for (unsigned c = 0; c < sc.ncpus; c++)
		if (sc.status[c] == S_POINT)
			return true;
	return false;
}

/* Under sc.lock, by the CPU that just stopped running. */
static void decide(void)
{
	uint8_t el[PLAT_MAX_CPUS];
	unsigned n = 0;
	bool blocked = false;

	if (sc.running)
		return;
	for (unsigned c = 0; c < sc.ncpus; c++) {
		if (sc.status[c] == S_POINT)
			el[n++] = (uint8_t)c;
		blocked |= sc.status[c] == S_BLOCKED;
	}
	if (n == 0) {
		if (blocked) {
			olock_release(&sc.lock);
			report_deadlock();
		}
		return; /* everyone idle: the run is over */
	}
	unsigned c = sched_pick(&sc.sched, el, n, ++sc.steps);
	sc.total_switches += sc.total_steps++ && c != sc.last_cpu;
	sc.last_cpu = c;
	sc.status[c] = S_RUN;
	sc.running++;
	AO_store_release(&sc.grant[c], 1);
	plat_kick(c);
}

/* RUN -> `to`, decide, then wait to be picked. */
static void stop_and_wait(unsigned cpu, uint8_t to, struct log_obj *obj)
{
	if (plat_unlikely(plat_in_interrupt()))
		plat_panic("script: event point on %s in an interrupt handler (cpu %u)",
			   obj ? obj->name : "-", cpu);
	olock_acquire(&sc.lock);
	if (sc.status[cpu] != S_RUN) {
		/* Only a running CPU reaches an event point; anything else means
		 * the CPU acted without being woken through the oracle. */
		olock_release(&sc.lock);
		plat_panic("script: cpu %u at an event point on %s while not running (state %u)",
			   cpu, obj ? obj->name : "-", sc.status[cpu]);
	}
	sc.status[cpu] = to;
	sc.blocked_on[cpu] = obj;
	sc.thread[cpu] = plat_thread();
	sc.running--;
	if (to == S_IDLE)
		sc.grant[cpu] = 0; /* picked, but it found nothing to do: the turn passes on */
	decide();
	olock_release(&sc.lock);
	if (to == S_IDLE)
		return;
	wait_grant(cpu);
	sc.grant[cpu] = 0;
}

static void script_before(struct log_obj *obj, unsigned cpu, uint32_t thread, enum oracle_op op)
{
	stop_and_wait(cpu, S_POINT, obj);
}

static void script_wait(struct log_obj *obj, unsigned cpu)
{
	stop_and_wait(cpu, S_BLOCKED, obj);
}

/* obj changed: CPUs spinning on it may now make progress. */
static void script_after(struct log_obj *obj, unsigned cpu, enum oracle_op op)
{
	olock_acquire(&sc.lock);
	for (unsigned c = 0; c < sc.ncpus; c++)
		if (sc.status[c] == S_BLOCKED && sc.blocked_on[c] == obj)
			sc.status[c] = S_POINT;
	olock_release(&sc.lock);
}

/*
 * Idempotent: the kernel's idle loop says it every time it finds nothing to
 * do.  Only a running CPU goes IDLE.  A woken CPU (POINT) stays POINT even
 * if its idle loop looked at its run queue just before the work arrived:
 * when it learns of the work depends on timing, so it must not change what
 * the schedule sees; the IPI that follows the work makes it find it.
 */
static void script_idle(unsigned cpu)
{
	/* One hold of the lock from the look to the change: a CPU idling late
	 * after one run must not read RUN in it and change the next run. */
	olock_acquire(&sc.lock);
	if (sc.status[cpu] == S_RUN) {
		sc.status[cpu] = S_IDLE;
		sc.blocked_on[cpu] = 0;
		sc.running--;
		sc.grant[cpu] = 0; /* picked, but it found nothing to do: the turn passes on */
		decide();
	}
	olock_release(&sc.lock);
}

/* The CPU has work: join the schedule (if nobody woke it through the
 * oracle) and wait until picked; a CPU already picked (RUN) goes on. */
static void script_busy(unsigned cpu)
{
	olock_acquire(&sc.lock);
	uint8_t st = sc.status[cpu];
	if (st == S_IDLE && sc.running == 0 && !any_point()) {
		/* Nobody else could be picked: taking the turn back is not a
		 * decision (no step, no random draw).  So a CPU that idled only to
		 * wait for others (smp_call_wait) leaves no trace in the schedule
		 * when, by timing, it did not have to wait at all. */
		sc.status[cpu] = S_RUN;
		sc.running++;
		olock_release(&sc.lock);
		return;
	}
	if (st == S_IDLE) {
		sc.status[cpu] = S_POINT;
		decide();
	}
	olock_release(&sc.lock);
	if (st == S_RUN && !AO_load_acquire(&sc.grant[cpu]))
		return; /* running already */
	wait_grant(cpu);
	sc.grant[cpu] = 0;
}

static void script_wake(unsigned cpu)
{
	olock_acquire(&sc.lock);
	if (sc.status[cpu] == S_IDLE)
		sc.status[cpu] = S_POINT;
	olock_release(&sc.lock);
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
	.preempt = script_preempt,
	.cpu_idle = script_idle,
	.cpu_busy = script_busy,
	.cpu_wake = script_wake,
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
	for (uint64_t i = 0; i < s->nhist; i++)
		plat_printf(i ? ",%u" : "%u", s->hist[i]);
	plat_printf("\n");
}
