/*
 * coop.c - the cooperative CPU scheduler (see coop.h).
 *
 * CPU states: RUNNABLE -park-> PARKED -kick-> RUNNABLE; -return-> DONE.
 * A kick to a CPU that is not parked is remembered (pending), so the next
 * park returns at once, as plat.h requires.  The scheduler runs on the
 * caller's stack and picks the next RUNNABLE CPU round robin: a fixed
 * policy, so cooperative runs are deterministic.  Nobody RUNNABLE while
 * some CPU is PARKED means the run is stuck: the oracle reports who waits
 * for what.
 */
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include "host/coop.h"
#include "lib/ctx_switch.h"
#include "oracle/oracle.h"

#define COOP_STACK (128 * 1024)
#define COOP_MAX_SWITCHES 100000000ull /* a livelock guard, far above any test */

enum { C_RUNNABLE, C_PARKED, C_DONE };

struct coop_cpu {
	uint64_t sp;
	char *stack;
	int state;
	int pending;
	uint32_t thread;
};

int host_coop;
static struct coop_cpu cpus[PLAT_MAX_CPUS];
static unsigned ncpu, cur;
static uint64_t main_sp;
static void (*run_fn)(unsigned, void *);
static void *run_arg;
static struct host_result *run_res;
static jmp_buf sched_jmp; /* a panic on the scheduler's own stack lands here */
static bool on_cpu;       /* executing a CPU context (not the scheduler) */

static void to_scheduler(void)
{
	struct coop_cpu *c = &cpus[cur];
	c->thread = host_thread;
	on_cpu = false;
	ctx_switch(&c->sp, main_sp);
}

/* A new CPU context starts here (ctx_switch "returns" into it). */
static void coop_entry(void)
{
	run_fn(cur, run_arg);
	oracle_leave(host_actor(cur));
	cpus[cur].state = C_DONE;
	to_scheduler();
	abort(); /* a DONE CPU is never resumed */
}

void host_coop_yield(void)
{
	to_scheduler();
}

void host_coop_park(void)
{
	struct coop_cpu *c = &cpus[cur];
	if (!c->pending) {
		c->state = C_PARKED;
		to_scheduler();
	}
	c->pending = 0;
}

void host_coop_kick(unsigned cpu)
{
	struct coop_cpu *c = &cpus[cpu];
	c->pending = 1;
	if (c->state == C_PARKED)
		c->state = C_RUNNABLE;
}

_Noreturn void host_coop_fail(const char *msg)
{
	if (!run_res->failed) {
		run_res->failed = true;
		snprintf(run_res->msg, sizeof run_res->msg, "%s", msg);
	}
	if (on_cpu) {
		cpus[cur].state = C_DONE;
		to_scheduler();
	}
	longjmp(sched_jmp, 1);
}

static void ctx_init(struct coop_cpu *c)
{
	if (!c->stack && !(c->stack = aligned_alloc(64, COOP_STACK)))
		abort();
	/* ctx_switch pops six registers, then returns into coop_entry,
	 * which must find %rsp as a call leaves it: 8 bytes below a 16-byte
	 * boundary, where a (never used) return address would be. */
	uintptr_t top = ((uintptr_t)c->stack + COOP_STACK) & ~(uintptr_t)15;
	uint64_t *sp = (uint64_t *)(top - 8 * (CTX_SAVED_REGS + 2));
	for (int i = 0; i < CTX_SAVED_REGS; i++)
		sp[i] = 0;
	sp[CTX_SAVED_REGS] = (uint64_t)(uintptr_t)coop_entry;
	sp[CTX_SAVED_REGS + 1] = 0;
	c->sp = (uint64_t)(uintptr_t)sp;
	c->state = C_RUNNABLE;
	c->pending = 0;
}

static int next_runnable(void)
{
	for (unsigned i = 1; i <= ncpu; i++) {
		unsigned c = (cur + i) % ncpu;
		if (cpus[c].state == C_RUNNABLE)
			return (int)c;
	}
	return -1;
}

static void schedule(void)
{
	for (;;) {
		int c = next_runnable();
		if (c < 0) {
			for (unsigned i = 0; i < ncpu; i++)
				if (cpus[i].state == C_PARKED)
					oracle_stalled(); /* panics */
			return;
		}
		if (++run_res->switches > COOP_MAX_SWITCHES)
			plat_panic("coop: more than %llu context switches: livelock?",
				   COOP_MAX_SWITCHES);
		cur = (unsigned)c;
		host_cpu = cur;
		host_thread = cpus[cur].thread;
		on_cpu = true;
		ctx_switch(&main_sp, cpus[cur].sp);
		if (run_res->failed)
			return;
	}
}

void host_coop_run(unsigned ncpus, void (*fn)(unsigned cpu, void *arg), void *arg,
		   struct host_result *res)
{
	unsigned saved_cpu = host_cpu;
	uint32_t saved_thread = host_thread;

	ncpu = ncpus;
	run_fn = fn;
	run_arg = arg;
	run_res = res;
	for (unsigned i = 0; i < ncpus; i++) {
		ctx_init(&cpus[i]);
		cpus[i].thread = i + 1;
	}
	cur = ncpus - 1; /* so CPU 0 starts */
	host_coop = 1;
	if (!setjmp(sched_jmp))
		schedule();
	host_coop = 0;
	on_cpu = false;
	host_cpu = saved_cpu;
	host_thread = saved_thread;
}
