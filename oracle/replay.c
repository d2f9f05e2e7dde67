/*
 * replay.c - enforce a recorded log set, object by object.
 *
 * Per object, the recording's order stream says which (cpu, thread)
 * performed each event.  An ORDERED operation (ticket draw, tail swap) may
 * proceed only when the next recorded event of that object is this CPU's;
 * other objects are not constrained, so unrelated objects replay in
 * parallel.  Every appended event is compared with the recording (who, its
 * short hash, the low bits of its chained hash, when the recording has them
 * (trace format 3.1), and inside the kept window also type, arguments and
 * chain hash); the first
 * difference stops the run with a report naming object, seq, expected and
 * actual event.
 *
 * Gate per object, state tuple (gate_seq, expected):
 *   before(ORDERED) by cpu c   waits while expected != (c, thread)
 *   after(ORDERED)             (s, e) -> (s+1, next run entry); kick its CPU
 */
#include "oracle/impl.h"
#include "log/logset.h"
#include "log/str.h"

#define REPLAY_STALL_PARKS PLAT_STALL_PARKS /* parks before a stall is reported */
#define REPLAY_STALL_YIELDS 10000000u       /* the same for yields to other threads */

/* Per recorded object, reached from the live object's oracle_data once
 * resolved (the first hook call on it in this run). */
struct rp_obj {
	const struct log_objrec *ref;
	struct log_order_cursor gate; /* private to the CPU holding the turn */
	uint64_t gate_seq;
	/* What before() reads: the gate's current run entry, published in one
	 * word (EXPECT_VALID | thread << 8 | cpu; 0 = recording exhausted) so
	 * CPUs waiting on other cores never see a half-advanced cursor. */
	volatile AO_t expect;
	struct log_order_cursor chk; /* next appended event expected */
	struct log_sh_cursor sh;     /* its short hash */
	uint32_t owner;              /* thread whose gated turn is open (replay_until) */
};

#define EXPECT_VALID (1ull << 63)

static void publish(struct rp_obj *r)
{
	const struct log_order_run *run = log_order_peek(&r->gate);
	AO_store_release(&r->expect, run ? EXPECT_VALID | (AO_t)run->thread << 8 | run->cpu : 0);
}

/*
 * replay_until=K: the first K ordered operations of the run follow the
 * recording, then the replay lets go and the run goes on as under hw (real
 * races from a recorded state: make explore FROM=TRACE K=n).  Per object,
 * `owner` marks the thread whose gated turn is open, so that after()
 * advances the gate only for operations before() gated.
 */
static struct {
	uint64_t limit; /* 0: replay the whole run */
	volatile AO_t granted;
	volatile int released;
} until;

void oracle_replay_set_until(uint64_t k)
{
	until.limit = k;
}

bool oracle_replay_released(void)
{
	return until.released;
}

static bool let_go(void)
{
	if (plat_likely(!until.limit))
		return false;
	if (until.released)
		return true;
	if (AO_load(&until.granted) < until.limit)
		return false;
	if (!__atomic_exchange_n(&until.released, 1, __ATOMIC_SEQ_CST))
		plat_printf("replay: let go after %lu ordered operations: the run goes on freely\n",
			    (unsigned long)until.limit);
	return true;
}

/* stop=OBJ:SEQ: the event a user wants to stop at (replay-gdb). */
static struct {
	const char *name; /* the caller's string, kept for the run */
	uint64_t seq;
	bool set;
} stop;

void oracle_replay_set_stop(const char *name, uint64_t seq)
{
	stop.name = name;
	stop.seq = seq;
	stop.set = true;
}

/*
 * A breakpoint target (tools/gdb/kernel.gdb `kstop`): called on the CPU and
 * thread that performs event `seq` of `o`, before it (`before`: the turn for
 * an ordered operation, nothing of the event done yet) or, for an event no
 * ordered operation announces (one appended under a lock), right after it
 * is appended.  Without gdb it only says so.  (Extern and noinline, with a
 * side effect: the compiler keeps it as a function of its own to break in.)
 */
__attribute__((noinline)) void replay_stop(const struct log_obj *o, uint64_t seq, int before)
{
	plat_printf("replay: stop at %s seq %lu (%s the event) on cpu %u thread %u\n", o->name,
		    (unsigned long)seq, before ? "before" : "just after", plat_cpu(), plat_thread());
}

static void stop_check(const struct log_obj *o, uint64_t seq, int before)
{
	if (plat_unlikely(stop.set) && seq == stop.seq && log_streq(o->name, stop.name)) {
		stop.set = false; /* once */
		replay_stop(o, seq, before);
	}
}

static struct {
	volatile AO_t lock;
	const struct log_set *ref;
	unsigned ncpus;
	struct rp_obj *objs; /* objs[i] for ref->objs[i] */
	uint32_t nobjs;
	uint32_t *index;    /* ref objects by name hash: i + 1, 0 = empty */
	uint32_t index_cap; /* power of two, at least twice nobjs */
	/* What each CPU waits for (reported on a stall). */
	struct log_obj *waiting_obj[PLAT_MAX_CPUS];
	uint32_t waiting_thread[PLAT_MAX_CPUS];
	uint32_t lock_spins[PLAT_MAX_CPUS]; /* replay_wait's spins before parking */
	volatile AO_t reporting;            /* a CPU reports the end (report_end) */
} rp;

static void rp_free(void)
{
	plat_free(rp.objs, (rp.nobjs ? rp.nobjs : 1) * sizeof *rp.objs);
	plat_free(rp.index, rp.index_cap * sizeof *rp.index);
	rp.objs = 0;
	rp.index = 0;
}

/* The recorded object named `name`, or NULL (O(1): replay resolves every
 * object of a run, and runs may have ten thousand). */
static const struct log_objrec *ref_find(const char *name)
{
	uint32_t mask = rp.index_cap - 1;
	for (uint32_t i = (uint32_t)log_hash_name(name) & mask; rp.index[i]; i = (i + 1) & mask) {
		const struct log_objrec *x = &rp.ref->objs[rp.index[i] - 1];
		if (log_streq(x->name, name))
			return x;
	}
	return 0;
}

void oracle_replay_start(const struct log_set *ref, unsigned ncpus)
{
	rp_free();
	__builtin_memset((void *)&rp, 0, sizeof rp);
	rp.ref = ref;
	rp.ncpus = ncpus;
	rp.nobjs = ref->nobjs;
	rp.index_cap = 2;
	while (rp.index_cap < 2 * rp.nobjs)
		rp.index_cap *= 2;
	rp.objs = plat_alloc((rp.nobjs ? rp.nobjs : 1) * sizeof *rp.objs);
	rp.index = plat_alloc(rp.index_cap * sizeof *rp.index);
	if (!rp.objs || !rp.index)
		plat_panic("replay: no memory for %u recorded objects", rp.nobjs);
	for (uint32_t i = 0; i < rp.nobjs; i++) {
		uint32_t k = (uint32_t)log_hash_name(ref->objs[i].name) & (rp.index_cap - 1);
		while (rp.index[k])
			k = (k + 1) & (rp.index_cap - 1);
		rp.index[k] = i + 1;
	}
	/* A previous replay's pointers must not survive into this one. */
	for (unsigned id = 0; id < log_nobjs(); id++) {
		struct log_obj *o = log_obj_at(id);
		if (o)
			o->oracle_data = 0;
	}
}

/*
 * o's replay state, set up on the first hook call of the run on it.  The
 * recording's streams start where the object's log started (registration
 * or log_reset); an object that already has `start` events when the
 * replay begins (the registry, a kept object) is followed from there on.
 */
static struct rp_obj *resolve(struct log_obj *o, uint64_t start)
{
	struct rp_obj *r = (struct rp_obj *)AO_load_acquire((volatile AO_t *)&o->oracle_data);
	if (plat_likely(r != 0))
		return r;
	olock_acquire(&rp.lock);
	r = o->oracle_data;
	const struct log_objrec *x = r ? r->ref : ref_find(o->name);
	if (!r && x && x->order) {
		r = &rp.objs[x - rp.ref->objs];
		r->ref = x;
		log_order_begin(&r->gate, x->order);
		log_order_begin(&r->chk, x->order);
		log_sh_begin(&r->sh, x->shash);
		uint16_t skip;
		for (r->gate_seq = 0; r->gate_seq < start; r->gate_seq++) {
			log_order_next(&r->gate);
			log_order_next(&r->chk);
			log_sh_next(&r->sh, &skip);
		}
		publish(r);
		AO_store_release((volatile AO_t *)&o->oracle_data, (AO_t)r);
	}
	olock_release(&rp.lock);
	if (!x)
		plat_panic("replay: divergence: object %s (cpu %u) is not in the recording",
			   o->name, plat_cpu());
	if (!x->order)
		plat_panic("replay: recording of %s has no order stream (record with log_record_order)",
			   o->name);
	return r;
}

static void report(const char *what, const struct log_obj *o, uint64_t seq,
		   const struct log_event *exp, const struct log_event *act)
{
	const struct log_type *t = o->type;
	plat_printf("replay: first divergence: %s seq %lu: %s\n", o->name, (unsigned long)seq, what);
	if (exp)
		plat_printf("  expected: cpu %u thread %u %s(%lx, %lx) hash %016lx\n", exp->cpu,
			    exp->thread, log_type_event_name(t, exp->type), (unsigned long)exp->arg0,
			    (unsigned long)exp->arg1, (unsigned long)exp->hash);
	if (act)
		plat_printf("  actual:   cpu %u thread %u %s(%lx, %lx) hash %016lx\n", act->cpu,
			    act->thread, log_type_event_name(t, act->type), (unsigned long)act->arg0,
			    (unsigned long)act->arg1, (unsigned long)act->hash);
	plat_panic("replay: divergence at %s seq %lu: %s", o->name, (unsigned long)seq, what);
}

static void report_end(struct log_obj *o) __attribute__((noreturn));

/* The event's short hash is not the recorded one: it, or one before it that
 * nothing else compared (before the kept window only who performed each
 * event is known), differs in content. */
static void report_short(const struct log_obj *o, const struct log_event *e, uint16_t want)
{
	plat_printf(
		"replay: first divergence: %s seq %lu: event differs: expected hash %04x, "
		"actual %04x, cpu %u thread %u\n",
		o->name, (unsigned long)e->seq, want, log_short_hash(e->hash), e->cpu, e->thread);
	plat_printf("  actual:   cpu %u thread %u %s(%lx, %lx) hash %016lx\n", e->cpu, e->thread,
		    log_type_event_name(o->type, e->type), (unsigned long)e->arg0,
		    (unsigned long)e->arg1, (unsigned long)e->hash);
	plat_panic("replay: divergence at %s seq %lu: short hash %04x, recorded %04x", o->name,
		   (unsigned long)e->seq, log_short_hash(e->hash), want);
}

static void replay_before(struct log_obj *o, unsigned cpu, uint32_t thread, enum oracle_op op)
{
	if (op != ORACLE_ORDERED || let_go())
		return;
	struct rp_obj *r = resolve(o, o->count);
	unsigned spins = 0, parks = 0, yields = 0;
	bool look = true; /* the others of this CPU may not have looked yet */
	AO_t mine = EXPECT_VALID | (AO_t)thread << 8 | cpu;
	for (;;) {
		AO_t x = AO_load_acquire(&r->expect);
		if (x == mine) {
			stop_check(o, r->gate_seq, 1);
			break;
		}
		if (let_go())
			return; /* released while waiting (replay_until) */
		if (!x) {
			rp.waiting_obj[cpu] = o;
			rp.waiting_thread[cpu] = thread;
			report_end(o);
		}
		rp.waiting_obj[cpu] = o;
		rp.waiting_thread[cpu] = thread;
		/* The turn may be another thread's of this CPU: let it run (the
		 * thread is the actor, the CPU is not).  Bounded, so threads that
		 * all wait for turns nobody gives still end in a stall report.
		 * A turn of another CPU's thread: let the others here look once
		 * (one may have its turn on another object), then spin and halt
		 * until a kick, and look again.  Yielding on and on, threads that
		 * all waited for other CPUs passed the CPU round among themselves
		 * some 180 times per turn, holding a host core that the vCPU
		 * whose turn it was needed (more vCPUs than host cores). */
		if ((look || (unsigned)(x & 0xff) == cpu) && yields < REPLAY_STALL_YIELDS &&
		    plat_yield()) {
			yields++;
			look = false;
			cpu = plat_cpu(); /* the same, unless it migrated */
			mine = EXPECT_VALID | (AO_t)thread << 8 | cpu;
			continue;
		}
		if (spins < ORACLE_SPINS) {
			spins++;
			plat_relax();
		} else if (++parks < REPLAY_STALL_PARKS) {
			plat_park();
			look = true;
		} else {
			oracle_cur->stalled();
		}
	}
	rp.waiting_obj[cpu] = 0;
	if (until.limit) {
		r->owner = thread;
		AO_fetch_and_add1(&until.granted);
	}
}

/* Spinning for a lock: its holder may be a thread of this CPU that yielded
 * while it waited for a turn; let it run. */
static void replay_wait(struct log_obj *o, unsigned cpu, uint64_t key)
{
	/* Waiting for a lock whose recording has no acquisition left: the
	 * recorded run never granted it either (it ended here: a deadlock, a
	 * stall, a panic).  Say so now rather than spin forever. */
	const struct rp_obj *r = o->oracle_data;
	rp.waiting_obj[cpu] = o;
	rp.waiting_thread[cpu] = plat_thread();
	if (r && o->count == r->ref->count && r->ref->count > 0 && !let_go())
		report_end(o);
	/* Once, then again after each halt (as in replay_before). */
	if (rp.lock_spins[cpu] == 0 && plat_yield()) {
		rp.lock_spins[cpu] = 1;
		return;
	}
	/* The holder may be waiting for its own turns meanwhile, on a CPU that
	 * needs this one's host core (more vCPUs than host cores): after a
	 * short spin, halt until the release kicks (replay_after, FREE). */
	if (rp.lock_spins[cpu]++ < ORACLE_SPINS) {
		plat_relax();
	} else {
		rp.lock_spins[cpu] = 0;
		plat_park();
	}
}

/* A lock released: wake the CPUs waiting for it (replay_wait), if parked. */
static void kick_lock_waiters(const struct log_obj *o)
{
	for (unsigned c = 0; c < rp.ncpus; c++)
		if (rp.waiting_obj[c] == o)
			plat_kick(c);
}

static void replay_after(struct log_obj *o, unsigned cpu, enum oracle_op op)
{
	if (op != ORACLE_ORDERED) {
		kick_lock_waiters(o);
		return;
	}
	struct rp_obj *r = o->oracle_data; /* resolved by before() */
	if (until.limit) {
		if (!r || r->owner != plat_thread())
			return; /* not gated (released): no turn to pass on */
		r->owner = 0;
	}
	log_order_next(&r->gate);
	r->gate_seq++;
	publish(r);
	/* The next turn's CPU, unless it is this one (running, not parked). */
	AO_t x = r->expect;
	if (x && (unsigned)(x & 0xff) != cpu)
		plat_kick((unsigned)(x & 0xff));
}

static void replay_appended(struct log_obj *o, const struct log_event *e)
{
	stop_check(o, e->seq, 0);
	if (until.released)
		return; /* the run has left the recording on purpose */
	struct rp_obj *r = resolve(o, e->seq);
	const struct log_objrec *ref = r->ref;
	const struct log_order_run *run = log_order_peek(&r->chk);

	if (e->seq >= ref->count || !run)
		report("event beyond the end of the recording", o, e->seq, 0, e);
	if (e->seq >= ref->first && e->seq < ref->first + ref->nevents) {
		const struct log_event *x = &ref->events[e->seq - ref->first];
		if (x->cpu != e->cpu || x->thread != e->thread || x->type != e->type ||
		    x->arg0 != e->arg0 || x->arg1 != e->arg1)
			report("event differs", o, e->seq, x, e);
		if (x->hash != e->hash)
			report("chain hash differs (an earlier event differed)", o, e->seq, x, e);
	} else if (run->cpu != e->cpu || run->thread != e->thread) {
		struct log_event x = { .cpu = run->cpu, .thread = run->thread, .type = e->type };
		report("performed by another cpu/thread", o, e->seq, &x, e);
	}
	uint16_t sh;
	if (ref->shash && log_sh_next(&r->sh, &sh) && sh != log_short_hash(e->hash))
		report_short(o, e, sh);
	log_order_next(&r->chk);
}

static void replay_finish(void)
{
	if (until.limit) {
		if (!until.released)
			plat_panic(
				"replay: replay_until=%lu: the run ended after %lu ordered "
				"operations, before letting go",
				(unsigned long)until.limit, (unsigned long)AO_load(&until.granted));
		plat_printf(
			"replay: followed the recording for %lu ordered operations, then ran "
			"freely\n",
			(unsigned long)until.limit);
		return;
	}
	if (stop.set)
		plat_panic(
			"replay: stop=%s:%lu was never reached (no such object, or it has "
			"fewer events)",
			stop.name, (unsigned long)stop.seq);
	for (unsigned i = 0; i < rp.ref->nobjs; i++) {
		const struct log_objrec *x = &rp.ref->objs[i];
		struct log_obj *o = log_find(x->name);
		if (!o)
			plat_panic("replay: divergence: %s was recorded but never created", x->name);
		if (o->count != x->count)
			plat_panic("replay: divergence: %s has %lu events, the recording %lu",
				   x->name, (unsigned long)o->count, (unsigned long)x->count);
		if (o->hash != x->hash)
			plat_panic("replay: divergence: %s final hash %016lx, recorded %016lx",
				   x->name, (unsigned long)o->hash, (unsigned long)x->hash);
	}
}

/* Every CPU waiting on an object, then the verdict (panics). */
static void report_end(struct log_obj *o)
{
	/* Wait a while first, letting the other threads of this CPU run: the
	 * other waiters show up meanwhile, and a recording that ends in a
	 * panic (a detector's) ends the same way here, when the thread that
	 * panicked gets there, which may be later than this one (replay runs
	 * threads in parallel where the recorded run had them wait). */
	unsigned parks = 0, yields = 0;
	while (parks < 1000 && yields < 100000) {
		if (plat_yield())
			yields++;
		else if (++parks & 1)
			plat_park();
		else
			for (unsigned i = 0; i < 1000; i++)
				plat_relax();
	}
	/* One CPU reports (several may get here: each waiter at the end);
	 * the others wait for its panic to stop them, so that the lines do
	 * not interleave. */
	if (!AO_compare_and_swap_full(&rp.reporting, 0, 1))
		for (;;)
			plat_park();
	plat_printf(
		"replay: first divergence: %s seq %lu: the recording ends here, and cpu %u "
		"thread %u wants it (the recorded run stopped at this point: a deadlock, a "
		"stall, a panic; or this run does more than the recorded one)\n",
		o->name, (unsigned long)o->count, plat_cpu(), plat_thread());
	for (unsigned c = 0; c < rp.ncpus; c++)
		if (rp.waiting_obj[c])
			plat_printf("  waiting: cpu %u thread %u for %s\n", c, rp.waiting_thread[c],
				    rp.waiting_obj[c]->name);
	plat_panic("replay: divergence at %s seq %lu: the run goes on past the end of the recording",
		   o->name, (unsigned long)o->count);
}

static void replay_stalled(void)
{
	for (unsigned c = 0; c < rp.ncpus; c++) {
		struct log_obj *o = rp.waiting_obj[c];
		if (!o)
			continue;
		struct rp_obj *r = o->oracle_data;
		const struct log_order_run *run = r ? log_order_peek(&r->gate) : 0;
		struct log_event exp = { .cpu = run ? run->cpu : 0, .thread = run ? run->thread : 0 };
		struct log_event act = { .cpu = (uint8_t)c, .thread = rp.waiting_thread[c] };
		report("stalled: the CPU the recording names never comes", o, r ? r->gate_seq : 0,
		       &exp, &act);
	}
	plat_panic("replay: stalled with no CPU waiting at an object");
}

/* Replay ignores real ticks: preemption comes from the recording only
 * (preempt events are not recorded yet, so never). */
static enum oracle_preempt replay_preempt(unsigned cpu, uint32_t thread, uint64_t kentry)
{
	return until.released ? ORACLE_PREEMPT_TIMER : ORACLE_PREEMPT_NO;
}

const struct oracle_ops oracle_replay_ops = {
	.name = "replay",
	.before = replay_before,
	.after = replay_after,
	.wait = replay_wait,
	.appended = replay_appended,
	.preempt = replay_preempt,
	.finish = replay_finish,
	.stalled = replay_stalled,
};
