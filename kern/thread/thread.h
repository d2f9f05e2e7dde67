/*
 * thread.h - kernel threads with the seeds' states (mCertiKOS PThread):
 *
 *              spawn                  dispatch
 *     (none) --------> READY -------------------> RUN
 *                        ^  <---- yield/preempt ---+ |
 *                        |                           | sleep (cond_wait, chan)
 *                        +------ wakeup ----- SLEEP <+
 *                                                    | exit
 *                                           DEAD <---+ ---- join/reap ----> (none)
 *
 * Every thread belongs to one CPU at a time (t->cpu) and is queued only on
 * that CPU's run queue; it changes CPU only by migrating itself
 * (thread_migrate).  Wakeups, spawns, exits, migrations and preemptions are
 * events on the run queue's log (runq.cpuN, see sched.h), so the schedule
 * of a run is part of its recording.
 *
 * Ids are 32-bit and never reused within a run: (generation << 10) | slot.
 * 0 means "no thread" (plat_thread() outside any thread).
 */
#ifndef THREAD_THREAD_H
#define THREAD_THREAD_H

#include <stdbool.h>
#include <stdint.h>

#include "oracle/oracle.h"

#define THREAD_SLOT_BITS 10
#define THREAD_MAX (1u << THREAD_SLOT_BITS) /* live threads, idle threads included */
#define THREAD_NAME_MAX 24
#define THREAD_STACK_SIZE 16384 /* kernel stack of a thread (its system calls and traps) */

enum thread_state { TS_FREE, TS_READY, TS_RUN, TS_SLEEP, TS_DEAD };

struct waitq;
struct proc;
struct log_obj;

struct thread {
	uint64_t rsp; /* saved by ctx_switch while not running */
	uint32_t id;
	volatile int state;     /* enum thread_state */
	volatile int cpu;       /* the CPU whose run queue owns it */
	volatile int on_cpu;    /* still running on (or switching off) a CPU's stack */
	volatile int turn_wait; /* queued while it waits for an oracle turn (sched_turn_yield) */
	bool idle;              /* a CPU's idle thread: never queued */
	struct thread *next;    /* run-queue link */
	struct thread *wnext;   /* condition-variable queue link */
	struct thread *joiner;  /* sleeps in thread_join until this one is DEAD */
	void (*fn)(void *);
	void *arg;
	uint64_t kentries;     /* preemption points passed (the replay coordinate) */
	uint64_t switches;     /* times dispatched */
	uint64_t slice_start;  /* the CPU's tick count when last dispatched */
	uint32_t container;    /* container id (kern/mm/container.h) */
	const char *wait_what; /* name of what it sleeps on (ps) */
	uint8_t *stack;        /* NULL: runs on a boot stack */
	struct proc *proc;     /* the user process this thread runs, NULL for a kernel thread */
	uint64_t cr3;          /* its page table (0: the kernel's) */
	/* Sleeping (sched.c): the logged lock that guards what it sleeps on
	 * (SLEEP's object); a WAKE that found it not asleep, as seq + 1 on
	 * runq.cpu<wake_spent_cpu> (0: none since its last SLEEP), by thread
	 * wake_spent_by: the next SLEEP is a lost wakeup; and whether
	 * sched_sleep_prepare logged SLEEP already (else sched_block does). */
	const struct log_obj *wait_obj;
	uint64_t wake_spent;
	uint32_t wake_spent_by;
	int wake_spent_cpu;
	bool sleep_logged;
	char name[THREAD_NAME_MAX];
	struct oracle_actor actor; /* the thread as the script oracle's actor */
};

/* Create a thread on `cpu` (READY), running fn(arg); NULL when the table is full. */
struct thread *thread_spawn(const char *name, int cpu, void (*fn)(void *), void *arg);
/* End the calling thread; a joiner reaps it. */
void thread_exit(void) __attribute__((noreturn));
/* Wait until t is DEAD, then free its slot and stack. */
void thread_join(struct thread *t);
struct thread *thread_self(void);
/* The thread with this id, NULL if none is live. */
struct thread *thread_find(uint32_t id);
/* Live threads (idle threads included). */
unsigned thread_count(void);
/* Print the thread table (monitor `ps`). */
void thread_ps(void);
const char *thread_state_name(int state);

/* Boot: the boot CPU's running context becomes thread "main". */
void thread_init(void);
/* Each CPU (the boot CPU too): the calling context becomes idle.N or, on the
 * boot CPU, a new idle thread is made. */
void thread_init_cpu(void);

#endif
