/*
 * sched.c - per-CPU run queues, switching, sleep/wakeup, preemption points
 * (the design is in sched.h).
 */
#include "thread/sched.h"

#include "dev/lapic.h"
#include "dev/timer.h"
#include "lib/ctx_switch.h"
#include "lib/kprintf.h"
#include "lib/printfmt.h"
#include "lib/panic.h"
#include "lib/string.h"
#include "mm/vm.h"
#include "mp/cpu.h"
#include "oracle/oracle.h"
#include "thread/preempt_replay.h"
#include "x86.h"

struct sched_cpu {
	struct runq rq;
	struct thread *cur;
	struct thread *idle;
	struct thread *prev; /* switched away from: its on_cpu is cleared by the next thread */
	struct thread *want; /* the next switch goes to this queued thread (sched_turn_yield_to) */
	char rqname[16], pname[16];
} __attribute__((aligned(64)));

static struct sched_cpu scpu[MAXCPU];

/* ---- queue operations, under rq->lock ---- */

static void rq_push(struct runq *rq, struct thread *t)
{
	t->next = 0;
	if (rq->tail)
		rq->tail->next = t;
	else
		rq->head = t;
	rq->tail = t;
	rq->len++;
}

/* Take t out of the queue if it is there. */
static bool rq_remove(struct runq *rq, struct thread *t)
{
	for (struct thread **p = &rq->head, *prev = 0; *p; prev = *p, p = &(*p)->next)
		if (*p == t) {
			*p = t->next;
			if (rq->tail == t)
				rq->tail = prev;
			t->next = 0;
			rq->len--;
			return true;
		}
	return false;
}

static struct thread *rq_pop(struct runq *rq)
{
	struct thread *t = rq->head;
	if (!t)
		return 0;
	rq->head = t->next;
	if (!rq->head)
		rq->tail = 0;
	t->next = 0;
	rq->len--;
	return t;
}

/* Append under rq->lock.  Every run-queue event is also an ordered
 * operation for the oracle (rq_turn/rq_done around the locked section, never
 * inside it: waiting for a turn must not hold a spinlock), so replay enforces
 * the recorded order of wakeups, spawns and exits on each CPU. */
static void rq_log(struct runq *rq, uint8_t ev, uint64_t a0, uint64_t a1)
{
	log_append(rq->log, ev, a0, a1);
}

static void rq_turn(struct runq *rq)
{
	oracle_before(rq->log, ORACLE_ORDERED);
}

static void rq_done(struct runq *rq)
{
	oracle_after(rq->log, ORACLE_ORDERED);
}

void sched_runqs_init(void)
{
	for (int i = 0; i < ncpu; i++) {
		struct sched_cpu *s = &scpu[i];
		s->rq.lock = (struct spinlock)SPINLOCK_INIT("runq");
		snprintf(s->rqname, sizeof s->rqname, "runq.cpu%d", i);
		/* A recorded run keeps all its preemptions (a replay reads them
		 * back from preempt.cpuN). */
		s->rq.log = log_register(&runq_log_type, s->rqname, 0);
		snprintf(s->pname, sizeof s->pname, "preempt.cpu%d", i);
		s->rq.preempts = log_register(&preempt_log_type, s->pname,
					      log_record_order ? PREEMPT_RECORD_RING : 0);
	}
}

struct oracle_actor *sched_idle_actor(unsigned cpu)
{
	return &scpu[cpu].idle->actor;
}

/* plat_actors_start: each CPU's running thread (not an idle one), then its
 * queue, CPU by CPU. */
void sched_actors_start(void (*add)(struct oracle_actor *a, unsigned cpu, bool running))
{
	for (int i = 0; i < ncpu_online; i++) {
		struct sched_cpu *s = &scpu[i];
		spin_acquire(&s->rq.lock);
		if (s->cur && s->cur != s->idle)
			add(&s->cur->actor, (unsigned)i, true);
		for (struct thread *t = s->rq.head; t; t = t->next)
			if (t != s->cur)
				add(&t->actor, (unsigned)i, false);
		spin_release(&s->rq.lock);
	}
}

struct thread *sched_current(void)
{
	return scpu[thiscpu()->id].cur;
}

void sched_set_current(struct thread *t, struct thread *idle)
{
	struct cpu *c = thiscpu();
	struct sched_cpu *s = &scpu[c->id];
	s->cur = t;
	s->idle = idle;
	c->tid = t->id;
	t->on_cpu = 1;
	t->state = TS_RUN;
}

/* The thread that resumes after a switch lets go of the one it replaced. */
static void finish_switch(void)
{
	struct sched_cpu *s = &scpu[thiscpu()->id];
	struct thread *p = s->prev;
	if (p) {
		s->prev = 0;
		__atomic_store_n(&p->on_cpu, 0, __ATOMIC_RELEASE);
	}
}

/* The address space and kernel stack a thread needs on this CPU: its
 * process's page table (a kernel thread gets the kernel's, never a table
 * that may be freed under it) and, for traps from user mode, the top of
 * its own kernel stack. */
static void switch_space(struct cpu *c, struct thread *next)
{
	uint64_t cr3 = next->cr3 ? next->cr3 : kvm_cr3();
	if (rcr3() != cr3)
		lcr3(cr3);
	if (next->stack)
		c->kstack = c->tss.rsp[0] = (uint64_t)(next->stack + THREAD_STACK_SIZE);
}

/* The script oracle gave this CPU's idle thread the turn (to run a call). */
static bool idle_has_turn(const struct sched_cpu *s)
{
	return s->idle && oracle_counts_actors() &&
	       __atomic_load_n(&s->idle->actor.grant, __ATOMIC_ACQUIRE);
}

/* Interrupts off.  prev is the current thread; its state says what it
 * becomes: RUN (yield: back in the queue), READY (woken before it got
 * away, or migrating: already queued), SLEEP or DEAD (leaves). */
static void schedule(void)
{
	struct cpu *c = thiscpu();
	struct sched_cpu *s = &scpu[c->id];
	struct thread *prev = s->cur, *next;

	spin_acquire(&s->rq.lock);
	if (prev->turn_wait && !prev->idle) {
		/* Waits for an oracle turn: queued in any state, once (READY: a
		 * wakeup queued it already, while it ran). */
		if (prev->state != TS_READY)
			rq_push(&s->rq, prev);
	} else if (prev->state == TS_RUN && !prev->idle) {
		prev->state = TS_READY;
		rq_push(&s->rq, prev);
	}
	/* A thread that migrated here may still be switching off its old
	 * CPU's stack (on_cpu): skip it for now rather than wait for it with
	 * the queue locked: two CPUs exchanging threads would wait for each
	 * other.  The idle loop comes back for it. */
	next = 0;
	/* The idle thread runs a cross-CPU call when the script oracle
	 * granted it the turn for that (smp_call): it goes first. */
	if (idle_has_turn(s) && prev != s->idle)
		next = s->idle;
	struct thread *w = s->want;
	s->want = 0;
	if (!next && w && w != prev && !__atomic_load_n(&w->on_cpu, __ATOMIC_ACQUIRE) &&
	    rq_remove(&s->rq, w))
		next = w;
	for (unsigned k = s->rq.len; k > 0 && !next; k--) {
		struct thread *t = rq_pop(&s->rq);
		/* A turn waiter yields to the others first, itself last. */
		if (t == prev ? !(prev->turn_wait && k > 1)
			      : !__atomic_load_n(&t->on_cpu, __ATOMIC_ACQUIRE))
			next = t;
		else
			rq_push(&s->rq, t);
	}
	if (!next)
		next = s->idle;
	if (next == prev) {
		if (!prev->turn_wait)
			prev->state = TS_RUN;
		spin_release(&s->rq.lock);
		return;
	}
	if (!next->turn_wait)
		next->state = TS_RUN; /* a turn waiter keeps its state (SLEEP, DEAD, ...) */
	next->on_cpu = 1;
	spin_release(&s->rq.lock);

	next->switches++;
	next->slice_start = c->ticks;
	switch_space(c, next);
	s->cur = next;
	c->tid = next->id;
	s->prev = prev;
	ctx_switch(&prev->rsp, next->rsp);
	/* Back in prev, maybe on another CPU. */
	finish_switch();
}

void sched_thread_start(void)
{
	finish_switch();
	sti();
	oracle_resume(&sched_current()->actor); /* script: its first turn */
}

static void schedule_irqsave(void)
{
	uint64_t f = read_rflags();
	cli();
	schedule();
	if (f & RFLAGS_IF)
		sti();
}

void sched_yield(void)
{
	struct thread *t = sched_current();
	oracle_yield_turn(&t->actor);
	schedule_irqsave();
	oracle_resume(&t->actor);
}

/*
 * A thread waiting for an oracle turn gives its CPU to the other threads
 * of the CPU, whatever its state: it may be between sleep_prepare and
 * block (SLEEP) or exiting (DEAD) and still have events to make.  It goes
 * to the back of the queue with its state kept (turn_wait); a wakeup that
 * finds it SLEEP there makes it READY without queueing it again, and it
 * turns that into RUN when it is back (under the queue lock, which wakers
 * hold), so the wakeup is not lost.  A joiner waits for turn_wait to clear
 * before it frees a DEAD thread.
 */
bool sched_turn_yield(void)
{
	return sched_turn_yield_to(0);
}

/* The same, to thread `to` if it is queued here (the script oracle's turn
 * holder): one switch instead of a round through the queue. */
bool sched_turn_yield_to(struct thread *to)
{
	struct cpu *c = thiscpu();
	struct sched_cpu *s = &scpu[c->id];
	struct thread *t = s->cur;
	if (c->intr_depth > 0 || c->ncli > 0 ||
	    (__atomic_load_n(&s->rq.len, __ATOMIC_ACQUIRE) == 0 && !(idle_has_turn(s) && !t->idle)))
		return false;
	uint64_t f = read_rflags();
	cli();
	s->want = to;
	t->turn_wait = 1;
	schedule(); /* an idle thread is never queued: it comes back when nothing else runs */
	struct runq *rq = &scpu[t->cpu].rq;
	spin_acquire(&rq->lock);
	__atomic_store_n(&t->turn_wait, 0, __ATOMIC_RELEASE);
	if (t->state == TS_READY)
		t->state = TS_RUN; /* woken while it waited: it runs */
	spin_release(&rq->lock);
	if (f & RFLAGS_IF)
		sti();
	return true;
}

/* Preempt the current thread t at its point t->kentries: PREEMPT on the
 * run queue (ordered) and on preempt.cpuN (what a replay reads back), then
 * switch. */
static void preempt(struct sched_cpu *s, struct thread *t)
{
	rq_turn(&s->rq);
	uint64_t f = read_rflags();
	cli();
	spin_acquire(&s->rq.lock);
	rq_log(&s->rq, RQ_PREEMPT, t->id, t->kentries);
	log_append(s->rq.preempts, RQ_PREEMPT, t->id, t->kentries); /* under the same lock */
	spin_release(&s->rq.lock);
	rq_done(&s->rq);
	oracle_yield_turn(&t->actor);
	schedule();
	if (f & RFLAGS_IF)
		sti();
	oracle_resume(&t->actor);
}

void sched_preempt_point(void)
{
	struct cpu *c = thiscpu();
	struct sched_cpu *s = &scpu[c->id];
	struct thread *t = s->cur;
	if (t->idle)
		return;
	t->kentries++;
	if (preempt_replay_active()) {
		/* Replay: exactly where the recording was preempted; real ticks
		 * do not count.  The PREEMPT event's turn comes after the wakeups
		 * that filled the queue in the recording. */
		if (!preempt_replay_at(t->id, t->kentries))
			return;
	} else {
		enum oracle_preempt p = oracle_preempt(c->id, t->id, t->kentries);
		if (p == ORACLE_PREEMPT_NO ||
		    (p == ORACLE_PREEMPT_TIMER && c->ticks - t->slice_start < SCHED_SLICE_TICKS))
			return;
		/* hw: nobody to give the CPU to.  script: the turn still goes
		 * to the schedule, whose threads may run on other CPUs. */
		if (p == ORACLE_PREEMPT_TIMER && __atomic_load_n(&s->rq.len, __ATOMIC_ACQUIRE) == 0) {
			t->slice_start = c->ticks;
			return;
		}
	}
	preempt(s, t);
}

/*
 * A timer tick that interrupted user code, on its way back (hw only: user
 * code runs between system calls without events, so under script and
 * replay only system calls are preemption points).  The preemption counts
 * as one: it is logged at point kentries + 1, which a replay finds at the
 * thread's next system call (sched_preempt_point), with no logged event of
 * the thread's in between.
 */
void sched_preempt_user_tick(void)
{
	struct cpu *c = thiscpu();
	struct sched_cpu *s = &scpu[c->id];
	struct thread *t = s->cur;
	/* Only hw preempts on ticks (and a replay that has let go: replay_until). */
	if (preempt_replay_active() || (oracle_cur->preempt && !oracle_replay_released()))
		return;
	if (c->ticks - t->slice_start < SCHED_SLICE_TICKS ||
	    __atomic_load_n(&s->rq.len, __ATOMIC_ACQUIRE) == 0)
		return;
	t->kentries++;
	preempt(s, t);
}

/*
 * SLEEP(tid, obj | lost) on this CPU's run queue: t is about to sleep on
 * `obj` (the lock guarding its condition; RQ_SLEEP_NO_OBJ if none).  A
 * wakeup already spent on t (sched_wakeup found it awake, after it had
 * queued itself where wakers look) will never reach this sleep: a lost
 * wakeup, reported here, where it forms, with the panic (and the trace).
 */
static void log_sleep(struct thread *t, bool set_state)
{
	struct sched_cpu *s = &scpu[thiscpu()->id];
	rq_turn(&s->rq);
	uint64_t f = read_rflags();
	cli();
	spin_acquire(&s->rq.lock);
	uint64_t spent = t->wake_spent;
	t->wake_spent = 0;
	uint64_t obj = t->wait_obj ? t->wait_obj->id : RQ_SLEEP_NO_OBJ;
	uint64_t seq = log_append(s->rq.log, RQ_SLEEP, t->id, obj | (spent ? RQ_SLEEP_LOST : 0))->seq;
	/* SLEEP in the same hold of the queue lock as the event: a waker (which
	 * takes this lock) sees it exactly when its WAKE comes after the SLEEP
	 * in the log, so a replay that keeps the log's order keeps what the
	 * waker saw. */
	if (set_state)
		__atomic_store_n(&t->state, TS_SLEEP, __ATOMIC_SEQ_CST);
	spin_release(&s->rq.lock);
	if (__builtin_expect(spent != 0, 0)) {
		const char *on = t->wait_obj ? t->wait_obj->name : "-";
		kprintf("lost wakeup: thread %u (%s) sleeps on '%s' (%s) since %s seq %lu; the wakeup "
			"at runq.cpu%d seq %lu by thread %u found it awake and did not reach it\n",
			t->id, t->name, t->wait_what ? t->wait_what : "-", on, s->rqname,
			(unsigned long)seq, t->wake_spent_cpu, (unsigned long)(spent - 1),
			t->wake_spent_by);
		if (log_record_order)
			kprintf("lost wakeup: replay: make replay TRACE=<this run's trace> STOP=%s:%lu\n",
				s->rqname, (unsigned long)seq);
		panic("lost wakeup: thread %u sleeps on %s since %s seq %lu; the wakeup at "
		      "runq.cpu%d seq %lu did not reach it",
		      t->id, on, s->rqname, (unsigned long)seq, t->wake_spent_cpu,
		      (unsigned long)(spent - 1));
	}
	rq_done(&s->rq);
	if (f & RFLAGS_IF)
		sti();
}

void sched_sleep_prepare_on(const char *what, const struct log_obj *obj)
{
	struct thread *t = sched_current();
	struct cpu *c = thiscpu();
	t->wait_what = what;
	t->wait_obj = obj;
	/* SLEEP is an event point (a wakeup may come while it waits for its
	 * turn), so only where the caller may wait for one: not under a raw
	 * spinlock (thread_join): there sched_block logs it. */
	t->sleep_logged = c->ncli == 0 && c->intr_depth == 0;
	if (t->sleep_logged)
		log_sleep(t, true);
	else
		__atomic_store_n(&t->state, TS_SLEEP, __ATOMIC_SEQ_CST);
}

void sched_sleep_prepare(const char *what)
{
	sched_sleep_prepare_on(what, 0);
}

void sched_block(void)
{
	struct thread *t = sched_current();
	if (!t->sleep_logged)
		log_sleep(t, false); /* SLEEP set by the prepare, under the caller's lock */
	t->sleep_logged = false;
	/* Still SLEEP: no wakeup came while it held the turn (a wakeup by the
	 * holder after a point in between made it READY), so it takes no part
	 * until one comes (the waker joins it). */
	if (__atomic_load_n(&t->state, __ATOMIC_ACQUIRE) == TS_SLEEP)
		oracle_leave(&t->actor);
	schedule_irqsave();
	oracle_resume(&t->actor);
	t->wait_what = 0;
	t->wait_obj = 0;
}

/* A thread becomes READY on cpu: the oracle learns it now (under script,
 * from the turn holder, so the next decision sees it), before the thread is
 * queued, where its CPU may switch to it at once (it then waits for its
 * turn: oracle_resume). */
static void ready(struct runq *rq, struct thread *t, int cpu)
{
	oracle_join(&t->actor, (unsigned)cpu);
	rq_push(rq, t);
}

/* ... and the CPU by an IPI if it is halted in its idle loop. */
static void kick_cpu(int cpu)
{
	if (cpu != (int)thiscpu()->id)
		plat_kick((unsigned)cpu);
}

/* t must not migrate meanwhile: a thread moves only itself, while it runs,
 * and the threads woken here sleep (or are about to, under the caller's lock). */
bool sched_wakeup(struct thread *t)
{
	int cpu = t->cpu;
	struct runq *rq = &scpu[cpu].rq;
	rq_turn(rq);
	uint64_t f = read_rflags();
	cli();
	spin_acquire(&rq->lock);
	bool asleep = t->state == TS_SLEEP;
	if (asleep) {
		t->state = TS_READY;
		if (!t->turn_wait) /* else it is queued already (sched_turn_yield) */
			ready(rq, t, cpu);
		else
			oracle_join(&t->actor, (unsigned)cpu);
	}
	/* Logged either way (arg1 says which), so the event count per wakeup
	 * call does not depend on timing. */
	uint64_t seq = log_append(rq->log, RQ_WAKE, t->id,
				  thiscpu()->tid | (asleep ? 0 : RQ_WAKE_NOT_ASLEEP))
			       ->seq;
	if (!asleep && !t->idle) { /* spent: a sleep that follows never gets it (log_sleep) */
		t->wake_spent = seq + 1;
		t->wake_spent_by = thiscpu()->tid;
		t->wake_spent_cpu = cpu;
	}
	spin_release(&rq->lock);
	rq_done(rq);
	if (asleep)
		kick_cpu(cpu);
	if (f & RFLAGS_IF)
		sti();
	return asleep;
}

void sched_enqueue_new(struct thread *t)
{
	struct runq *rq = &scpu[t->cpu].rq;
	rq_turn(rq);
	uint64_t f = read_rflags();
	cli();
	spin_acquire(&rq->lock);
	t->state = TS_READY;
	rq_log(rq, RQ_SPAWN, t->id, 0);
	ready(rq, t, t->cpu);
	spin_release(&rq->lock);
	rq_done(rq);
	kick_cpu(t->cpu);
	if (f & RFLAGS_IF)
		sti();
}

void sched_migrate(int cpu)
{
	struct thread *t = sched_current();
	int from = t->cpu;
	if (cpu == from || cpu < 0 || cpu >= ncpu_online)
		return;
	struct runq *src = &scpu[from].rq, *dst = &scpu[cpu].rq;
	rq_turn(src);
	uint64_t f = read_rflags();
	cli();
	spin_acquire(&src->lock);
	rq_log(src, RQ_MIGRATE_OUT, t->id, (uint64_t)cpu);
	spin_release(&src->lock);
	if (f & RFLAGS_IF)
		sti();
	rq_done(src);
	rq_turn(dst);
	cli();
	spin_acquire(&dst->lock);
	t->cpu = cpu;
	t->actor.cpu = (uint8_t)cpu; /* script: it keeps the turn, on its new CPU */
	t->state = TS_READY;
	rq_log(dst, RQ_MIGRATE_IN, t->id, (uint64_t)from);
	rq_push(dst, t);
	spin_release(&dst->lock);
	rq_done(dst);
	kick_cpu(cpu);
	schedule(); /* READY: leaves this CPU without being queued here */
	if (f & RFLAGS_IF)
		sti();
	oracle_resume(&t->actor);
}

void sched_exit_log(void)
{
	struct sched_cpu *s = &scpu[thiscpu()->id];
	struct thread *t = s->cur;
	rq_turn(&s->rq);
	uint64_t f = read_rflags();
	cli();
	spin_acquire(&s->rq.lock);
	rq_log(&s->rq, RQ_EXIT, t->id, 0);
	spin_release(&s->rq.lock);
	rq_done(&s->rq);
	if (f & RFLAGS_IF)
		sti();
}

void sched_exit_current(void)
{
	oracle_leave(&sched_current()->actor);
	cli();
	schedule(); /* DEAD (set by thread_exit): never comes back */
	panic("thread %u: ran again after exit", sched_current()->id);
}

bool sched_idle_work(void)
{
	unsigned cpu = thiscpu()->id;
	struct sched_cpu *s = &scpu[cpu];
	/* Empty, and telling the oracle so, under the queue lock: a look at
	 * an empty queue just before a waker's push, reported after the waker
	 * already handed this CPU the turn, would idle it with work queued. */
	spin_acquire(&s->rq.lock);
	/* A cross-CPU call posted to this CPU is work too: the caller woke this
	 * CPU through the oracle (smp_call), which may have picked it already. */
	bool call = smp_call_pending(cpu), empty = s->rq.len == 0 && !call;
	/* The idle thread takes part only to run a call (smp_call joins it,
	 * under this lock); that done, the turn passes on.  The threads it
	 * switches to wait for their own turns (oracle_resume). */
	if (!call)
		oracle_leave(&s->idle->actor);
	spin_release(&s->rq.lock);
	if (empty)
		return false;
	schedule();
	return true;
}

/*
 * Before halting, watch the run queue for a short while: a wakeup from
 * another CPU is often right behind (a reply to the message this CPU just
 * sent), and under QEMU's TCG a halted vCPU takes hundreds of microseconds
 * to wake on an IPI (a cross-CPU IPC round trip measured 1.4 ms halting at
 * once, 18 us polling first).  Bounded in time, so idle CPUs do not steal
 * the host from busy ones for long.
 */
#define IDLE_POLL_US 50

bool sched_idle_poll(void)
{
	struct sched_cpu *s = &scpu[thiscpu()->id];
	uint64_t end = rdtsc() + tsc_hz() / (1000000 / IDLE_POLL_US);
	bool work = false;
	sti();
	while (!(work = __atomic_load_n(&s->rq.len, __ATOMIC_RELAXED) != 0) && rdtsc() < end)
		cpu_relax();
	cli();
	return work;
}

void sched_runq_lock(unsigned cpu)
{
	spin_acquire(&scpu[cpu].rq.lock);
}

void sched_runq_unlock(unsigned cpu)
{
	spin_release(&scpu[cpu].rq.lock);
}

bool sched_cpu_idle(unsigned cpu)
{
	struct sched_cpu *s = &scpu[cpu];
	return (!s->cur || s->cur == s->idle) && s->rq.len == 0;
}

unsigned sched_runq_len(int cpu)
{
	return scpu[cpu].rq.len;
}

const struct log_obj *sched_runq_log(int cpu)
{
	return scpu[cpu].rq.log;
}
