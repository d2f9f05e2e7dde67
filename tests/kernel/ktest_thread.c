/*
 * In-kernel tests of kern/thread: spawn/exit/join on every CPU, migration,
 * preemption (a spinning thread does not starve a peer), and a cross-CPU
 * producer/consumer on condition variables that must lose no wakeup.
 * Counts come from the command line where a longer run is worth having:
 * cv_ops=N (default 20000).
 */
#include "boot/kargs.h"
#include "dev/timer.h"
#include "lib/ktest.h"
#include "lib/printfmt.h"
#include "lock/biglock.h"
#include "mp/cpu.h"
#include "thread/cond.h"
#include "thread/sched.h"
#include "thread/thread.h"
#include "x86.h"

#define PER_CPU 8
#define YIELDS 50

static volatile uint64_t ran, wrong_cpu;

static void worker(void *arg)
{
	for (int i = 0; i < YIELDS; i++) {
		if ((int)thiscpu()->id != thread_self()->cpu)
			__atomic_fetch_add(&wrong_cpu, 1, __ATOMIC_RELAXED);
		if (i & 1)
			sched_yield();
		else
			sched_preempt_point();
	}
	__atomic_fetch_add(&ran, 1, __ATOMIC_RELAXED);
}

/* Threads that belong to CPUs according to the run queues' logs: spawned
 * or migrated in, not exited or migrated out. */
static uint64_t owned_by_logs(void)
{
	uint64_t n = 0;
	for (int c = 0; c < ncpu_online; c++)
		n += ((const struct runq_state *)log_state(sched_runq_log(c)))->owned;
	return n;
}

static uint64_t spawns_by_logs(void)
{
	uint64_t n = 0;
	for (int c = 0; c < ncpu_online; c++)
		n += ((const struct runq_state *)log_state(sched_runq_log(c)))->spawns;
	return n;
}

KTEST(threads_spawn_join)
{
	static struct thread *t[MAXCPU * PER_CPU];
	unsigned before = thread_count();
	uint64_t owned0 = owned_by_logs(), spawns0 = spawns_by_logs();
	unsigned n = 0;
	ran = wrong_cpu = 0;
	for (int c = 0; c < ncpu_online; c++)
		for (int k = 0; k < PER_CPU; k++) {
			char name[THREAD_NAME_MAX];
			snprintf(name, sizeof name, "worker.%d.%d", c, k);
			t[n] = thread_spawn(name, c, worker, 0);
			KT_EXPECT(t[n] != 0);
			n += t[n] != 0;
		}
	KT_EXPECT_EQ(spawns_by_logs(), spawns0 + n);
	for (unsigned i = 0; i < n; i++)
		thread_join(t[i]);
	KT_EXPECT_EQ(ran, n);
	KT_EXPECT_EQ(wrong_cpu, 0);
	KT_EXPECT_EQ(thread_count(), before);
	KT_EXPECT_EQ(owned_by_logs(), owned0);
	kprintf("# threads_spawn_join: %u threads on %d cpus, %d yields each, all reaped\n", n,
		ncpu_online, YIELDS);
}

static volatile int migrate_bad;

static void migrator(void *arg)
{
	for (int round = 0; round < 3; round++)
		for (int c = 0; c < ncpu_online; c++) {
			sched_migrate(c);
			if ((int)thiscpu()->id != c || thread_self()->cpu != c)
				migrate_bad++;
		}
}

KTEST(threads_migrate)
{
	uint64_t owned0 = owned_by_logs();
	migrate_bad = 0;
	struct thread *a = thread_spawn("migrator.a", 0, migrator, 0);
	struct thread *b = thread_spawn("migrator.b", ncpu_online - 1, migrator, 0);
	KT_EXPECT(a && b);
	if (a)
		thread_join(a);
	if (b)
		thread_join(b);
	KT_EXPECT_EQ(migrate_bad, 0);
	KT_EXPECT_EQ(owned_by_logs(), owned0); /* every MIGRATE_OUT matched a MIGRATE_IN */
}

/*
 * A thread that spins (with preemption points, as every kernel loop has)
 * must not keep a peer on its CPU from running: the peer ends the spin.
 * The spinner gives up after 5 s so that a broken scheduler fails the
 * test instead of hanging it.
 */
static volatile int spin_flag, spin_gave_up;
static volatile uint64_t spins;

static void spinner(void *arg)
{
	uint64_t deadline = nsec_since_boot() + 5000000000ull;
	while (!__atomic_load_n(&spin_flag, __ATOMIC_ACQUIRE)) {
		spins++;
		sched_preempt_point();
		if (nsec_since_boot() > deadline) {
			spin_gave_up = 1;
			break;
		}
	}
}

static void peer(void *arg)
{
	__atomic_store_n(&spin_flag, 1, __ATOMIC_RELEASE);
}

KTEST(threads_no_starve)
{
	int cpu = ncpu_online - 1;
	spin_flag = spin_gave_up = 0;
	spins = 0;
	struct thread *s = thread_spawn("spinner", cpu, spinner, 0);
	struct thread *p = thread_spawn("peer", cpu, peer, 0);
	KT_EXPECT(s && p);
	if (s)
		thread_join(s);
	if (p)
		thread_join(p);
	KT_EXPECT_EQ(spin_gave_up, 0);
	KT_EXPECT_EQ(spin_flag, 1);
}

/*
 * Producer/consumer over a bounded buffer, each side on its own CPU, both
 * sleeping on condition variables (full / empty).  A lost wakeup leaves
 * one side asleep for ever: the oracle's stall report or the harness's
 * time-out catches it.  The buffer is a logged object: PUT/GET events, its
 * replayed state checks 0 <= count <= capacity and the sums.
 */
#define PC_CAP 4

enum { PC_PUT, PC_GET };

struct pc_state {
	uint64_t count, puts, gets, put_sum, get_sum;
};

static const char *const pc_events[] = { "PUT", "GET" };

static const char *pc_apply(void *state, const struct log_event *ev)
{
	struct pc_state *s = state;
	if (ev->type == PC_PUT) {
		if (s->count == PC_CAP)
			return "PUT into a full buffer";
		s->count++;
		s->puts++;
		s->put_sum += ev->arg0;
		return 0;
	}
	if (ev->type == PC_GET) {
		if (s->count == 0)
			return "GET from an empty buffer";
		s->count--;
		s->gets++;
		s->get_sum += ev->arg0;
		return 0;
	}
	return "unknown buffer event";
}

static const struct log_type pc_log_type = {
	.name = "pcbuf",
	.state_size = sizeof(struct pc_state),
	.events = pc_events,
	.nevents = 2,
	.apply = pc_apply,
};
LOG_TYPE_REGISTER(pc_log_type);

static struct biglock pc;
static struct cond pc_notfull, pc_notempty;
static uint64_t pc_ring[PC_CAP], pc_head, pc_tail;
static uint64_t pc_ops, pc_consumed_sum, pc_order_bad, pc_prod_sleeps, pc_cons_sleeps;

static void producer(void *arg)
{
	for (uint64_t i = 1; i <= pc_ops; i++) {
		const struct pc_state *s = big_acquire(&pc);
		while (s->count == PC_CAP) {
			pc_prod_sleeps++;
			cond_wait(&pc_notfull, &pc.lock);
		}
		pc_ring[pc_tail++ % PC_CAP] = i;
		big_push(&pc, PC_PUT, i, 0);
		cond_signal(&pc_notempty);
		big_unlock(&pc);
		sched_preempt_point();
	}
}

static void consumer(void *arg)
{
	for (uint64_t i = 1; i <= pc_ops; i++) {
		const struct pc_state *s = big_acquire(&pc);
		while (s->count == 0) {
			pc_cons_sleeps++;
			cond_wait(&pc_notempty, &pc.lock);
		}
		uint64_t v = pc_ring[pc_head++ % PC_CAP];
		if (v != i)
			pc_order_bad++;
		pc_consumed_sum += v;
		big_push(&pc, PC_GET, v, 0);
		cond_signal(&pc_notfull);
		big_unlock(&pc);
		sched_preempt_point();
	}
}

KTEST(cv_prodcons)
{
	unsigned long n;
	if (!karg_size("cv_ops", 20000, 1, 1000000000, &n)) {
		KT_EXPECT(!"cv_ops is a number 1..10^9");
		return;
	}
	pc_ops = n;
	pc_head = pc_tail = pc_consumed_sum = pc_order_bad = pc_prod_sleeps = pc_cons_sleeps = 0;
	big_init(&pc, LOCK_TICKET, &pc_log_type, "pcbuf", 0);
	cond_init(&pc_notfull, "pcbuf full");
	cond_init(&pc_notempty, "pcbuf empty");
	struct thread *p = thread_spawn("producer", 0, producer, 0);
	struct thread *c = thread_spawn("consumer", ncpu_online - 1, consumer, 0);
	KT_EXPECT(p && c);
	if (p)
		thread_join(p);
	if (c)
		thread_join(c);
	const struct pc_state *s = log_state(pc.obj);
	KT_EXPECT_EQ(s->puts, pc_ops);
	KT_EXPECT_EQ(s->gets, pc_ops);
	KT_EXPECT_EQ(s->count, 0);
	KT_EXPECT_EQ(s->put_sum, pc_ops * (pc_ops + 1) / 2);
	KT_EXPECT_EQ(s->get_sum, s->put_sum);
	KT_EXPECT_EQ(pc_consumed_sum, s->put_sum);
	KT_EXPECT_EQ(pc_order_bad, 0);
	kprintf("# cv_prodcons: %lu items from cpu 0 to cpu %d; producer slept %lu times, "
		"consumer %lu\n",
		pc_ops, ncpu_online - 1, pc_prod_sleeps, pc_cons_sleeps);
	big_destroy(&pc);
}

/*
 * Test-only deadlock (test=deadlock_pair, never part of test=all): two
 * threads on two CPUs take two logged locks in opposite orders, after a
 * condition-variable barrier that makes both hold their first lock.  Under
 * script the oracle reports the cycle (both CPUs, threads and the locks
 * they wait on) and the run fails; the system test checks the report.
 */
static struct lock dl_a, dl_b, dl_m;
static struct cond dl_cv;
static int dl_arrived;

/* Return once n threads have called it (deadlock_pair, deadlock_ring). */
static void dl_barrier(int n)
{
	lock_acquire(&dl_m);
	if (++dl_arrived == n)
		cond_broadcast(&dl_cv);
	while (dl_arrived < n)
		cond_wait(&dl_cv, &dl_m);
	lock_release(&dl_m);
}

static void dl_thread(void *arg)
{
	struct lock *first = arg ? &dl_a : &dl_b, *second = arg ? &dl_b : &dl_a;
	lock_acquire(first);
	dl_barrier(2);
	lock_acquire(second); /* never: the other thread holds it and wants ours */
	lock_release(second);
	lock_release(first);
}

KTEST_DEF(deadlock_pair, 2, 1)
{
	lock_init(&dl_a, LOCK_TICKET, "deadlock.a");
	lock_init(&dl_b, LOCK_TICKET, "deadlock.b");
	lock_init(&dl_m, LOCK_TICKET, "deadlock.barrier");
	cond_init(&dl_cv, "deadlock barrier");
	dl_arrived = 0;
	struct thread *x = thread_spawn("deadlock.x", 0, dl_thread, (void *)1);
	struct thread *y = thread_spawn("deadlock.y", 1, dl_thread, 0);
	kprintf("# deadlock_pair: thread %u takes deadlock.a then deadlock.b, thread %u the "
		"other way round\n",
		x->id, y->id);
	thread_join(x);
	thread_join(y);
	KT_EXPECT(0); /* not reached: the oracle reports the deadlock */
}

/*
 * Test-only deadlock of three (test=deadlock_ring, never part of test=all):
 * thread i on cpu i takes ring.i, then, once all three hold theirs (the
 * same barrier as deadlock_pair), ring.(i+1 mod 3).  Under hw the waiters
 * find the cycle of three (lock/deadlock.h) and the run fails.
 */
static struct lock ring_l[3];

static void ring_thread(void *arg)
{
	int i = (int)(uintptr_t)arg;
	lock_acquire(&ring_l[i]);
	dl_barrier(3);
	lock_acquire(&ring_l[(i + 1) % 3]); /* never: the next thread holds it */
	lock_release(&ring_l[(i + 1) % 3]);
	lock_release(&ring_l[i]);
}

KTEST_DEF(deadlock_ring, 3, 1)
{
	static const char *const names[3] = { "ring.0", "ring.1", "ring.2" };
	struct thread *t[3];
	for (int i = 0; i < 3; i++)
		lock_init(&ring_l[i], i == 1 ? LOCK_MCS : LOCK_TICKET, names[i]);
	lock_init(&dl_m, LOCK_TICKET, "deadlock.barrier");
	cond_init(&dl_cv, "deadlock barrier");
	dl_arrived = 0;
	for (int i = 0; i < 3; i++)
		t[i] = thread_spawn("ring", i, ring_thread, (void *)(uintptr_t)i);
	kprintf("# deadlock_ring: threads %u %u %u take ring.0 ring.1 ring.2, then the next\n",
		t[0]->id, t[1]->id, t[2]->id);
	for (int i = 0; i < 3; i++)
		thread_join(t[i]);
	KT_EXPECT(0); /* not reached: the deadlock is reported */
}

/* Test-only stall (test=stall_spin): a thread spins on a plain variable
 * that no log orders; under script the waiting CPUs report it. */
static volatile int stall_never;

static void stall_thread(void *arg)
{
	struct lock *l = arg;
	lock_acquire(l);
	while (!stall_never)
		__asm__ volatile("pause");
	lock_release(l);
}

KTEST_DEF(stall_spin, 2, 1)
{
	static struct lock l;
	lock_init(&l, LOCK_TICKET, "stall.lock");
	struct thread *t = thread_spawn("stall.spinner", 1, stall_thread, &l);
	lock_acquire(&l);
	lock_release(&l);
	thread_join(t);
	KT_EXPECT(0);
}

/*
 * The interrupt-saving lock variants keep interrupts off through the whole
 * section, also while waiting for the lock and for oracle turns (a peer on
 * another CPU holds the lock in turns with us), and restore them after.
 */
static struct lock irq_lock;
static volatile int irq_seen_on, irq_rounds;

static void irq_peer(void *arg)
{
	for (int i = 0; i < 200; i++) {
		lock_acquire(&irq_lock);
		irq_rounds++;
		lock_release(&irq_lock);
		sched_preempt_point();
	}
}

KTEST(lock_irqsave)
{
	lock_init(&irq_lock, LOCK_TICKET, "irqsave.lock");
	irq_seen_on = irq_rounds = 0;
	struct thread *p = thread_spawn("irq.peer", ncpu_online - 1, irq_peer, 0);
	for (int i = 0; i < 200; i++) {
		uint64_t was = lock_acquire_irqsave(&irq_lock);
		if (read_rflags() & RFLAGS_IF)
			irq_seen_on++;
		irq_rounds++;
		lock_release_irqrestore(&irq_lock, was);
		KT_EXPECT(read_rflags() & RFLAGS_IF); /* back as they were: on */
	}
	thread_join(p);
	KT_EXPECT_EQ(irq_seen_on, 0);
	KT_EXPECT_EQ(irq_rounds, 400);
	lock_destroy(&irq_lock);
}

/*
 * The script oracle's actor is a thread: two threads of one CPU, neither
 * ever yielding or reaching a preemption point, still interleave their
 * lock sections under a random schedule, because each event point is a
 * decision among threads, and a thread waiting for its turn gives the CPU
 * to the one picked.  (With the CPU as the actor the first would run all
 * its sections before the second started.)  Explicit: under pct a run may
 * keep one priority order throughout.
 */
#define ACTOR_SECTIONS 16
static struct lock actor_lock;
static uint32_t actor_seq[2 * ACTOR_SECTIONS];
static unsigned actor_n;

static void actor_worker(void *arg)
{
	for (int i = 0; i < ACTOR_SECTIONS; i++) {
		lock_acquire(&actor_lock);
		actor_seq[actor_n++] = thread_self()->id;
		lock_release(&actor_lock);
	}
}

KTEST_EXPLICIT(thread_actors)
{
	int cpu = ncpu_online - 1;
	lock_init(&actor_lock, LOCK_TICKET, "actors.lock");
	actor_n = 0;
	struct thread *a = thread_spawn("actor.a", cpu, actor_worker, 0);
	struct thread *b = thread_spawn("actor.b", cpu, actor_worker, 0);
	KT_EXPECT(a && b);
	if (!a || !b)
		return;
	thread_join(a);
	thread_join(b);
	KT_EXPECT_EQ(actor_n, 2 * ACTOR_SECTIONS);
	unsigned switches = 0;
	for (unsigned i = 1; i < actor_n; i++)
		switches += actor_seq[i] != actor_seq[i - 1];
	kprintf("# thread_actors: 2 threads on cpu %d, %u sections, %u switches between them\n",
		cpu, actor_n, switches);
	if (oracle_counts_actors())
		KT_EXPECT(switches >= 2);
	lock_destroy(&actor_lock);
}
