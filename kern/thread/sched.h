/*
 * sched.h - per-CPU run queues and the scheduler.
 *
 * Each CPU runs only the threads of its own run queue (FIFO) and, when it
 * is empty, its idle thread, which halts.  A run queue is a logged object,
 * runq.cpuN; its log holds what another CPU or the timer can change about
 * the queue, so the schedule of a run is recorded:
 *
 *   SPAWN(tid)            a thread was created on this CPU
 *   WAKE(tid, waker)      a sleeping thread became READY
 *   PREEMPT(tid, point)   tid was preempted at its point-th preemption point
 *   MIGRATE_IN(tid, from) / MIGRATE_OUT(tid, to)
 *   EXIT(tid)             the thread ended
 *   SLEEP(tid, obj|lost)  tid is about to sleep on logged object `obj` (the
 *                         lock guarding its condition; RQ_SLEEP_NO_OBJ: none);
 *                         lost (bit 32): a WAKE had already found it awake,
 *                         so no wakeup reaches this sleep (reported: panic)
 *
 * Local dispatch order (FIFO, yield) follows from those events and is not
 * logged.  Appends happen under the queue's raw spinlock, which is below
 * the log layer (never an oracle event point: the scheduler itself must not
 * wait for a turn).
 *
 * Preemption happens only at preemption points (sched_preempt_point(): in
 * loops, at blocking calls, at kernel entries), never in the middle of a
 * critical section; whether a point preempts is the oracle's decision
 * (oracle_preempt): under hw the timer decides (a slice of SCHED_SLICE_TICKS
 * ticks), under script a seeded function of (cpu, thread, point).
 *
 * Sleeping without lost wakeups: the sleeper marks itself SLEEP *before* it
 * releases the lock that protects the condition; a waker (holding that
 * lock) moves SLEEP -> READY under the run-queue lock; sched_block() then
 * switches away only if the state is still SLEEP.
 */
#ifndef THREAD_SCHED_H
#define THREAD_SCHED_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/spinlock.h"
#include "log/log.h"
#include "thread/thread.h"

#define SCHED_SLICE_TICKS 10 /* 10 ms at HZ = 1000 */

#include "thread/runq_log.h"

struct runq {
	struct spinlock lock;
	struct thread *head, *tail; /* READY threads, FIFO */
	volatile unsigned len;
	struct log_obj *log;      /* runq.cpuN */
	struct log_obj *preempts; /* preempt.cpuN: its PREEMPT events again, all kept */
};

void sched_runqs_init(void); /* after thread_init, on the boot CPU: one run queue per CPU */

/* Give the CPU to the next READY thread of this CPU, if any. */
void sched_yield(void);
/* Waiting for an oracle turn: let the CPU's other threads run (any state
 * of the caller); false if nothing else is queued or it may not switch. */
bool sched_turn_yield(void);
struct thread;
bool sched_turn_yield_to(struct thread *to);
/* The script oracle's view: the idle thread's actor of a CPU (it runs
 * cross-CPU calls), and the runnable threads at an oracle's start. */
struct oracle_actor *sched_idle_actor(unsigned cpu);
void sched_actors_start(void (*add)(struct oracle_actor *a, unsigned cpu, bool running));
/* A preemption point: counts it, and yields if the oracle (or the timer) says so. */
void sched_preempt_point(void);
/* A timer tick interrupted user code (hw): preempt if its slice is over. */
void sched_preempt_user_tick(void);
/* Mark the caller SLEEP on `what` (ps shows it); call before releasing the
 * lock that protects the condition, then sched_block(). */
void sched_sleep_prepare(const char *what);
/* The same, naming the logged lock that guards the condition (SLEEP's obj). */
void sched_sleep_prepare_on(const char *what, const struct log_obj *obj);
/* Switch away unless a wakeup came since sched_sleep_prepare(). */
void sched_block(void);
/* SLEEP -> READY on t's CPU; false if t was not asleep. */
bool sched_wakeup(struct thread *t);
/* Move the caller to `cpu` (it continues there). */
void sched_migrate(int cpu);

/* For thread.c. */
void sched_enqueue_new(struct thread *t); /* a new READY thread on t->cpu */
/* Exit in two steps: the EXIT event (an event point), then, once DEAD,
 * switch away for good (no event point: a joiner spins briefly on on_cpu). */
void sched_exit_log(void);
void sched_exit_current(void) __attribute__((noreturn));
struct thread *sched_current(void);
void sched_set_current(struct thread *t, struct thread *idle);
/* First code of a new thread: finish the switch that started it. */
void sched_thread_start(void);

/* The idle loop's step (interrupts off): run READY threads; false if none. */
bool sched_idle_work(void);
/* Then, before halting: watch the queue briefly (interrupts on meanwhile);
 * true if work arrived. */
bool sched_idle_poll(void);
/* The lock under which a CPU decides to idle: whoever posts other work for
 * it (a cross-CPU call) posts it and wakes it under this lock too, so that
 * the CPU either sees the work or is woken after it went idle. */
void sched_runq_lock(unsigned cpu);
void sched_runq_unlock(unsigned cpu);
/* Is this CPU idle (idle thread, nothing queued)?  Racy; for the oracle's start. */
bool sched_cpu_idle(unsigned cpu);
/* Run queue length, for ps/tests. */
unsigned sched_runq_len(int cpu);
const struct log_obj *sched_runq_log(int cpu);

#endif
