/*
 * thread.c - the thread table: spawn, exit, join (reap), ps.
 *
 * The table is itself a logged object, "threads": CREATE(tid, cpu) and
 * REAP(tid) events, appended under the table's raw lock, so the ids handed
 * out in a run are part of its recording.  Its replayed state counts live
 * threads; the invariant "live == created - reaped" is the log's own.
 */
#include "thread/thread.h"

#include "lib/kprintf.h"
#include "lib/printfmt.h"
#include "lib/panic.h"
#include "lib/spinlock.h"
#include "lib/string.h"
#include "log/log.h"
#include "mp/cpu.h"
#include "oracle/oracle.h"
#include "thread/sched.h"
#include "thread/thread_log.h"
#include "x86.h"

static struct thread threads[THREAD_MAX];
static uint8_t stacks[THREAD_MAX][THREAD_STACK_SIZE] __attribute__((aligned(4096)));
static uint32_t generation[THREAD_MAX];
static struct spinlock table_lock = SPINLOCK_INIT("threads");
static struct log_obj *table_log;
static unsigned nlive;
static unsigned next_slot; /* round robin over slots, so ids spread and reuse is late */

static const char *const state_names[] = { "free", "ready", "run", "sleep", "dead" };

const char *thread_state_name(int state)
{
	return state >= 0 && state <= TS_DEAD ? state_names[state] : "?";
}

/* A free slot, marked taken, with a fresh id; NULL when full.  Table lock held. */
static struct thread *slot_take(const char *name, int cpu)
{
	for (unsigned n = 0; n < THREAD_MAX; n++) {
		unsigned i = (next_slot + n) % THREAD_MAX;
		struct thread *t = &threads[i];
		if (t->state != TS_FREE)
			continue;
		next_slot = i + 1;
		generation[i]++;
		memset(t, 0, sizeof *t);
		t->id = generation[i] << THREAD_SLOT_BITS | i;
		t->cpu = cpu;
		t->actor.thread = t->id;
		t->actor.cpu = (uint8_t)cpu;
		t->state = TS_READY;
		strlcpy(t->name, name, sizeof t->name);
		nlive++;
		log_append(table_log, TH_CREATE, t->id, (uint64_t)cpu);
		return t;
	}
	return 0;
}

/* Table changes are ordered operations on the table's log (replay: thread
 * ids come out as recorded); the turn is taken before the raw lock. */
static struct thread *thread_alloc(const char *name, int cpu)
{
	oracle_before(table_log, ORACLE_ORDERED);
	pushcli();
	spin_acquire(&table_lock);
	struct thread *t = slot_take(name, cpu);
	spin_release(&table_lock);
	popcli();
	oracle_after(table_log, ORACLE_ORDERED);
	return t;
}

struct thread *thread_self(void)
{
	return sched_current();
}

/* First frame of every new thread (ctx_switch "returns" here). */
static void thread_entry(void) __attribute__((noreturn));
static void thread_entry(void)
{
	sched_thread_start();
	struct thread *t = sched_current();
	t->fn(t->arg);
	thread_exit();
}

/* A stack on which ctx_switch pops r15 r14 r13 r12 rbx rbp and returns to
 * thread_entry; the slot above keeps the stack 16-byte aligned at entry. */
static void stack_init(struct thread *t, void (*fn)(void *), void *arg)
{
	t->fn = fn;
	t->arg = arg;
	t->stack = stacks[t - threads];
	uint64_t *sp = (uint64_t *)(t->stack + THREAD_STACK_SIZE);
	*--sp = 0;
	*--sp = (uint64_t)thread_entry;
	for (int i = 0; i < 6; i++)
		*--sp = 0;
	t->rsp = (uint64_t)sp;
}

struct thread *thread_spawn(const char *name, int cpu, void (*fn)(void *), void *arg)
{
	if (cpu < 0 || cpu >= ncpu_online)
		return 0;
	struct thread *t = thread_alloc(name, cpu);
	if (!t)
		return 0;
	struct thread *self = sched_current();
	t->container = self ? self->container : 0;
	stack_init(t, fn, arg);
	sched_enqueue_new(t);
	return t;
}

/*
 * Exit and join meet under the table lock: the exiter marks itself DEAD
 * and wakes a registered joiner; a joiner registers and sleeps only while
 * the thread is not DEAD, so the wakeup cannot be lost.
 */
void thread_exit(void)
{
	struct thread *t = sched_current();
	if (t->idle)
		panic("thread_exit: the idle thread of cpu %d", t->cpu);
	sched_exit_log();
	oracle_before(table_log, ORACLE_ORDERED);
	pushcli();
	spin_acquire(&table_lock);
	__atomic_store_n(&t->state, TS_DEAD, __ATOMIC_RELEASE);
	struct thread *j = t->joiner;
	log_append(table_log, TH_EXIT, t->id, j ? j->id : 0);
	spin_release(&table_lock);
	popcli();
	oracle_after(table_log, ORACLE_ORDERED);
	if (j)
		sched_wakeup(j);
	sched_exit_current();
}

void thread_join(struct thread *t)
{
	for (;;) {
		oracle_before(table_log, ORACLE_ORDERED);
		pushcli();
		spin_acquire(&table_lock);
		bool dead = t->state == TS_DEAD;
		if (!dead) {
			t->joiner = sched_current();
			sched_sleep_prepare("join");
		}
		log_append(table_log, TH_JOIN, t->id, dead);
		spin_release(&table_lock);
		popcli();
		oracle_after(table_log, ORACLE_ORDERED);
		if (dead)
			break;
		sched_block();
	}
	/* DEAD but maybe still switching off its stack (a few instructions). */
	while (__atomic_load_n(&t->on_cpu, __ATOMIC_ACQUIRE) ||
	       __atomic_load_n(&t->turn_wait, __ATOMIC_ACQUIRE))
		__asm__ volatile("pause");
	oracle_before(table_log, ORACLE_ORDERED);
	pushcli();
	spin_acquire(&table_lock);
	log_append(table_log, TH_REAP, t->id, 0);
	t->state = TS_FREE;
	nlive--;
	spin_release(&table_lock);
	popcli();
	oracle_after(table_log, ORACLE_ORDERED);
}

struct thread *thread_find(uint32_t id)
{
	struct thread *t = &threads[id & (THREAD_MAX - 1)];
	return t->id == id && t->state != TS_FREE ? t : 0;
}

unsigned thread_count(void)
{
	return nlive;
}

void thread_ps(void)
{
	kprintf("  %-10s %-20s %3s  %-6s %-5s %10s %10s  %s\n", "id", "name", "cpu", "state",
		"cont", "kentries", "switches", "waits on");
	for (unsigned i = 0; i < THREAD_MAX; i++) {
		const struct thread *t = &threads[i];
		if (t->state == TS_FREE)
			continue;
		kprintf("  %-10u %-20s %3d  %-6s %-5u %10lu %10lu  %s\n", t->id, t->name, t->cpu,
			thread_state_name(t->state), t->container, t->kentries, t->switches,
			t->wait_what ? t->wait_what : "-");
	}
	kprintf("  %u threads\n", nlive);
}

void thread_init(void)
{
	table_log = log_register(&thread_table_log_type, "threads", 0);
	sched_runqs_init();
}

/*
 * The calling context becomes this CPU's idle thread (an AP's boot stack
 * runs the idle loop), except on the boot CPU, where it becomes "main"
 * and a new idle thread runs cpu_idle_loop on a stack of its own.
 */
static void idle_entry(void *arg)
{
	cpu_idle_loop();
}

void thread_init_cpu(void)
{
	struct cpu *c = thiscpu();
	char name[THREAD_NAME_MAX];
	snprintf(name, sizeof name, "idle.%u", c->id);
	struct thread *idle = thread_alloc(name, (int)c->id);
	if (!idle)
		panic("thread: no slot for %s", name);
	idle->idle = true;
	if (c->id != 0) {
		sched_set_current(idle, idle);
		return;
	}
	struct thread *m = thread_alloc("main", 0);
	if (!m)
		panic("thread: no slot for main");
	sched_set_current(m, idle);
	stack_init(idle, idle_entry, 0);
	idle->state = TS_RUN; /* never queued: the scheduler switches to it when nothing is READY */
}
