/*
 * replay.c - enforce a recorded log set, object by object.
 *
 * Per object, the recording's order stream says which (cpu, thread)
 * performed each event.  An ORDERED operation (ticket draw, tail swap) may
 * proceed only when the next recorded event of that object is this CPU's;
 * other objects are not constrained, so unrelated objects replay in
 * parallel.  Every appended event is compared with the recording (who, and
 * inside the kept window also type, arguments and chain hash); the first
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

struct rp_obj {
	const struct log_objrec *ref; /* NULL: not in the recording */
	bool resolved;
	struct log_order_cursor gate; /* private to the CPU holding the turn */
	uint64_t gate_seq;
	/* What before() reads: the gate's current run entry, published in one
	 * word (EXPECT_VALID | thread << 8 | cpu; 0 = recording exhausted) so
	 * CPUs waiting on other cores never see a half-advanced cursor. */
	volatile AO_t expect;
	struct log_order_cursor chk;  /* next appended event expected */
};

#define EXPECT_VALID (1ull << 63)

static void publish(struct rp_obj *r)
{
	const struct log_order_run *run = log_order_peek(&r->gate);
	AO_store_release(&r->expect,
			 run ? EXPECT_VALID | (AO_t)run->thread << 8 | run->cpu : 0);
}

static struct {
	volatile AO_t lock;
	const struct log_set *ref;
	unsigned ncpus;
	struct rp_obj objs[LOG_MAX_OBJS];
	/* What each CPU waits for (reported on a stall). */
	struct log_obj *waiting_obj[PLAT_MAX_CPUS];
	uint32_t waiting_thread[PLAT_MAX_CPUS];
} rp;

void oracle_replay_start(const struct log_set *ref, unsigned ncpus)
{
	__builtin_memset((void *)&rp, 0, sizeof rp);
	rp.ref = ref;
	rp.ncpus = ncpus;
}

static struct rp_obj *resolve(struct log_obj *o)
{
	struct rp_obj *r = &rp.objs[o->id];
	if (plat_likely(r->resolved))
		return r;
	olock_acquire(&rp.lock);
	if (!r->resolved) {
		r->ref = log_set_find(rp.ref, o->name);
		if (r->ref) {
			log_order_begin(&r->gate, r->ref->order);
			log_order_begin(&r->chk, r->ref->order);
			publish(r);
		}
		AO_store_release((volatile AO_t *)&r->resolved, 1);
	}
	olock_release(&rp.lock);
	if (!r->ref)
		plat_panic("replay: divergence: object %s (cpu %u) is not in the recording", o->name,
			   plat_cpu());
	if (!r->ref->order)
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

static void replay_before(struct log_obj *o, unsigned cpu, uint32_t thread, enum oracle_op op)
{
	if (op != ORACLE_ORDERED)
		return;
	struct rp_obj *r = resolve(o);
	unsigned spins = 0, parks = 0;
	AO_t mine = EXPECT_VALID | (AO_t)thread << 8 | cpu;
	for (;;) {
		AO_t x = AO_load_acquire(&r->expect);
		if (x == mine)
			break;
		if (!x) {
			struct log_event act = { .cpu = (uint8_t)cpu, .thread = thread };
			report("the run goes on past the end of the recording", o, r->gate_seq, 0,
			       &act);
		}
		rp.waiting_obj[cpu] = o;
		rp.waiting_thread[cpu] = thread;
		if (spins < ORACLE_SPINS) {
			spins++;
			plat_relax();
		} else if (++parks < REPLAY_STALL_PARKS) {
			plat_park();
		} else {
			oracle_cur->stalled();
		}
	}
	rp.waiting_obj[cpu] = 0;
}

static void replay_after(struct log_obj *o, unsigned cpu, enum oracle_op op)
{
	if (op != ORACLE_ORDERED)
		return;
	struct rp_obj *r = &rp.objs[o->id];
	log_order_next(&r->gate);
	r->gate_seq++;
	publish(r);
	AO_t x = r->expect;
	if (x)
		plat_kick((unsigned)(x & 0xff));
}

static void replay_appended(struct log_obj *o, const struct log_event *e)
{
	struct rp_obj *r = resolve(o);
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
	log_order_next(&r->chk);
}

static void replay_finish(void)
{
	for (unsigned i = 0; i < rp.ref->nobjs; i++) {
		const struct log_objrec *x = &rp.ref->objs[i];
		struct log_obj *o = log_find(x->name);
		if (!o)
			plat_panic("replay: divergence: %s was recorded but never created", x->name);
		if (o->count != x->count)
			plat_panic("replay: divergence: %s has %lu events, the recording %lu", x->name,
				   (unsigned long)o->count, (unsigned long)x->count);
		if (o->hash != x->hash)
			plat_panic("replay: divergence: %s final hash %016lx, recorded %016lx", x->name,
				   (unsigned long)o->hash, (unsigned long)x->hash);
	}
}

static void replay_stalled(void)
{
	for (unsigned c = 0; c < rp.ncpus; c++) {
		struct log_obj *o = rp.waiting_obj[c];
		if (!o)
			continue;
		struct rp_obj *r = &rp.objs[o->id];
		const struct log_order_run *run = log_order_peek(&r->gate);
		struct log_event exp = { .cpu = run ? run->cpu : 0, .thread = run ? run->thread : 0 };
		struct log_event act = { .cpu = (uint8_t)c, .thread = rp.waiting_thread[c] };
		report("stalled: the CPU the recording names never comes", o, r->gate_seq, &exp,
		       &act);
	}
	plat_panic("replay: stalled with no CPU waiting at an object");
}

/* Replay ignores real ticks: preemption comes from the recording only
 * (preempt events are not recorded yet, so never). */
static enum oracle_preempt replay_preempt(unsigned cpu, uint32_t thread, uint64_t kentry)
{
	return ORACLE_PREEMPT_NO;
}

const struct oracle_ops oracle_replay_ops = {
	.name = "replay",
	.before = replay_before,
	.after = replay_after,
	.appended = replay_appended,
	.preempt = replay_preempt,
	.finish = replay_finish,
	.stalled = replay_stalled,
};
