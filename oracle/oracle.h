/*
 * oracle.h - who may perform the next event on a shared object.
 *
 * The order of events on shared objects is the only channel between CPUs,
 * so fixing that order fixes the run.  The oracle is a small ops table
 * chosen at run time by one string, the same in the kernel (ARGS="oracle=..")
 * and on the host (--oracle=...):
 *
 *   hw                      no control; real CPUs race, logs record
 *   script:rr               deterministic: event points are serialized and
 *   script:random:SEED        the next CPU is picked by the schedule
 *   script:pct:DEPTH:SEED     (PCT: Burckhardt et al., ASPLOS'10)
 *   script:pct:DEPTH:SEED@S1,S2,...  the same priorities, change points at
 *                             the listed steps instead of random ones (the
 *                             preemption decisions, for shrinking)
 *   script:list:0,1,1,0       explicit CPU sequence, then round robin; an entry
 *                             CPU.K picks that CPU's K-th waiting thread
 *   replay                  a recorded log set is enforced per object;
 *                             unrelated objects proceed in parallel
 *
 * Hooks, called by the lock and log code (cpu/thread are the caller's):
 *   before(obj, cpu, thread, op)  about to perform an operation on obj that
 *       other CPUs can observe.  May block until it is this CPU's turn.
 *       op ORDERED: the operation decides the position of this CPU's next
 *       logged event on obj (ticket fetch-and-increment, MCS tail swap);
 *       replay gates these.  op FREE: any other observable step (release).
 *   after(obj, cpu, op)           that operation is done (its linearization
 *       point passed); replay advances obj's turn, script wakes CPUs
 *       waiting on obj.
 *   wait(obj, cpu, key)           the caller spins on obj (lock busy): hw and
 *       replay relax; script blocks the thread until obj next changes
 *       (key 0) or until handoff(obj, key) (a lock handed to this waiter).
 *   handoff(obj, key)             obj was handed to the waiter keyed `key`.
 *   appended(obj, ev)             an event was appended to obj's log (the
 *       full event, with its hash); replay compares it with the recording.
 *   preempt(cpu, thread, kentry)  may the scheduler preempt `thread` at its
 *       kentry-th kernel entry?  ORACLE_PREEMPT_TIMER = decide by the real
 *       timer (hw); YES/NO = the oracle decides (script, replay).
 *
 * Actors.  The actor of an event is a thread (struct oracle_actor, kept in
 * the platform's thread: the kernel's struct thread, the host's CPU).  A
 * thread waiting for its turn blocks through the platform's scheduler
 * (plat_yield: its CPU runs another thread, or parks); which actors exist
 * is told by the actor that holds the turn, so script's decisions see a
 * set that depends on the schedule only:
 *   join(a, cpu)     a became runnable on cpu (woken, spawned, a cross-CPU
 *                    call posted to that CPU's idle thread)
 *   leave(a)         the caller (a) stops being runnable (sleeps, exits,
 *                    waits for something no log orders)
 *   yield_turn(a)    the caller stays runnable but gives the turn up
 *                    (preempted, yields): it is switched out and resumes
 *   resume(a)        the caller is back on its CPU: wait for the turn if
 *                    it has none (a thread never runs between two event
 *                    points without the turn)
 *   busy(a)          the caller, not an actor, has work: join and wait
 *                    (without a decision if nobody else can be picked)
 *   Event points are refused in interrupt handlers (plat_in_interrupt):
 *       a handler records what happened and leaves the work to a thread.
 *
 * (The architecture note's `after(obj, event)` is split in two: `after`
 * at the linearization point, `appended` when the full event exists; for a
 * ticket lock they are different moments.)
 */
#ifndef ORACLE_ORACLE_H
#define ORACLE_ORACLE_H

#include <stdint.h>
#include <stdbool.h>
#include "plat.h"

struct log_obj;
struct log_event;
struct log_set;

/*
 * One actor: what the script oracle knows of a thread.  Zeroed memory is
 * a valid actor that takes no part (epoch 0 is never a run's).  The
 * platform sets `thread` (reports) and keeps `cpu` (its CPU) up to date;
 * the rest is the oracle's, under its lock.
 */
struct oracle_actor {
	uint32_t epoch; /* the oracle run whose actor it is; other runs: OUT */
	uint8_t st;     /* script.c: OUT, RUN, POINT, BLOCKED */
	uint8_t cpu;
	uint32_t thread;
	uint32_t prio;     /* pct */
	uint64_t wait_key; /* BLOCKED: the handoff it waits for (0: any change) */
	volatile uintptr_t grant;
	struct log_obj *blocked_on;
	struct oracle_actor *next, *prev; /* script's list of actors, in join order */
};

enum oracle_op { ORACLE_ORDERED, ORACLE_FREE };
enum oracle_preempt { ORACLE_PREEMPT_TIMER, ORACLE_PREEMPT_NO, ORACLE_PREEMPT_YES };

struct oracle_ops {
	const char *name;
	void (*before)(struct log_obj *obj, unsigned cpu, uint32_t thread, enum oracle_op op);
	void (*after)(struct log_obj *obj, unsigned cpu, enum oracle_op op);
	void (*wait)(struct log_obj *obj, unsigned cpu, uint64_t key);
	void (*handoff)(struct log_obj *obj, uint64_t key);
	void (*appended)(struct log_obj *obj, const struct log_event *ev);
	enum oracle_preempt (*preempt)(unsigned cpu, uint32_t thread, uint64_t kentry);
	void (*join)(struct oracle_actor *a, unsigned cpu);
	void (*leave)(struct oracle_actor *a);
	void (*yield_turn)(struct oracle_actor *a);
	void (*resume)(struct oracle_actor *a);
	void (*busy)(struct oracle_actor *a);
	/* End of run: replay checks every object reached its recorded end. */
	void (*finish)(void);
	/* The platform found every CPU parked with nobody to kick: report who
	 * waits for what (panics). */
	void (*stalled)(void);
};

/* A parsed oracle string. */
enum oracle_kind { ORACLE_HW, ORACLE_SCRIPT, ORACLE_REPLAY };
enum oracle_sched { OSCHED_RR, OSCHED_RANDOM, OSCHED_PCT, OSCHED_LIST };
#define ORACLE_LIST_MAX 4096
#define ORACLE_PCT_MAX_CHANGES 63 /* depth 64 */

struct oracle_spec {
	enum oracle_kind kind;
	enum oracle_sched sched;
	uint64_t seed;
	uint32_t depth; /* pct */
	bool pct_at;    /* pct: change points given (at[0..nat-1]), not drawn */
	uint32_t nat;
	uint64_t at[ORACLE_PCT_MAX_CHANGES];
	uint32_t nlist;                 /* list */
	uint8_t listk[ORACLE_LIST_MAX]; /* list: which waiting thread of that CPU (CPU.K; 0) */
	uint8_t list[ORACLE_LIST_MAX];
};

/* Parse; NULL on success, else a message saying what is wrong. */
const char *oracle_parse(const char *s, struct oracle_spec *out);
/* Canonical text form of a spec (for printing replay commands). */
void oracle_format(const struct oracle_spec *s, char *buf, unsigned len);

/*
 * Install the oracle for a run with `ncpus` CPUs (all busy at start).
 * `ref` is the recording for replay (ignored otherwise).
 */
void oracle_start(const struct oracle_spec *spec, unsigned ncpus, const struct log_set *ref);
/* Did the run start a script oracle as its base (oracle_start_base)? */
bool oracle_base_is_script(void);
/* End of run; returns to the base oracle (hw unless oracle_start_base set one). */
void oracle_stop(void);
/* The oracle for the whole run (the kernel's oracle=script:...): started
 * now, and restarted by every oracle_stop() of a test that ran its own. */
void oracle_start_base(const struct oracle_spec *spec, unsigned ncpus);

/* Replay: call replay_stop() (a breakpoint target) at event `seq` of the
 * object named `name`, on the CPU and thread that performs it. */
void oracle_replay_set_stop(const char *name, uint64_t seq);
void replay_stop(const struct log_obj *o, uint64_t seq, int before);

/* Replay only the first k ordered operations, then let the run go on as
 * under hw; released: it has let go. */
void oracle_replay_set_until(uint64_t k);
bool oracle_replay_released(void);

/* PCT needs the expected number of steps; explore measures and sets it. */
void oracle_script_set_horizon(uint64_t steps);
/* Steps (granted event points) of the current script run. */
uint64_t oracle_script_steps(void);
/* The current script run's pct change points (the steps where the running
 * actor's priority drops), into at[0..max-1]; returns how many (0 unless pct). */
unsigned oracle_script_changes(uint64_t *at, unsigned max);
/* Decisions since boot, over every restart of the schedule: steps, and
 * steps that went to another CPU than the step before (context switches
 * the schedule made). */
void oracle_script_totals(uint64_t *steps, uint64_t *switches);
/* Under script: print the run's picks as `script: schedule: N picks: script:list:...`. */
void oracle_script_print_schedule(void);

extern const struct oracle_ops *oracle_cur;
extern const struct oracle_ops oracle_hw_ops;

/* Is the oracle hw (every hook NULL)?  One compare, for fast paths (the
 * locks') that skip all their hooks at once under hw. */
static inline bool oracle_is_hw(void)
{
	return oracle_cur == &oracle_hw_ops;
}

/* The fast path: hw leaves hooks NULL, so they cost a load and a branch. */
static inline void oracle_before(struct log_obj *o, enum oracle_op op)
{
	if (plat_unlikely(oracle_cur->before != 0))
		oracle_cur->before(o, plat_cpu(), plat_thread(), op);
}

static inline void oracle_after(struct log_obj *o, enum oracle_op op)
{
	if (plat_unlikely(oracle_cur->after != 0))
		oracle_cur->after(o, plat_cpu(), op);
}

static inline void oracle_wait(struct log_obj *o)
{
	if (plat_unlikely(oracle_cur->wait != 0))
		oracle_cur->wait(o, plat_cpu(), 0);
	else
		plat_relax();
}

/* A wait that only handoff(o, key) ends (not every change of o): the
 * ticket lock's waiter for its ticket, the MCS waiter for its node.  With
 * many threads queued on one lock, script then picks only the one that
 * can go on. */
static inline void oracle_wait_key(struct log_obj *o, uint64_t key)
{
	if (plat_unlikely(oracle_cur->wait != 0))
		oracle_cur->wait(o, plat_cpu(), key);
	else
		plat_relax();
}

static inline void oracle_handoff(struct log_obj *o, uint64_t key)
{
	if (plat_unlikely(oracle_cur->handoff != 0))
		oracle_cur->handoff(o, key);
}

static inline void oracle_appended(struct log_obj *o, const struct log_event *e)
{
	if (plat_unlikely(oracle_cur->appended != 0))
		oracle_cur->appended(o, e);
}

static inline enum oracle_preempt oracle_preempt(unsigned cpu, uint32_t thread, uint64_t kentry)
{
	return oracle_cur->preempt ? oracle_cur->preempt(cpu, thread, kentry) : ORACLE_PREEMPT_TIMER;
}

static inline void oracle_finish(void)
{
	if (oracle_cur->finish)
		oracle_cur->finish();
}

static inline void oracle_stalled(void)
{
	if (oracle_cur->stalled)
		oracle_cur->stalled();
	plat_panic("oracle %s: every CPU is parked and nobody will wake them", oracle_cur->name);
}

static inline void oracle_join(struct oracle_actor *a, unsigned cpu)
{
	if (oracle_cur->join)
		oracle_cur->join(a, cpu);
}

static inline void oracle_leave(struct oracle_actor *a)
{
	if (oracle_cur->leave)
		oracle_cur->leave(a);
}

static inline void oracle_yield_turn(struct oracle_actor *a)
{
	if (oracle_cur->yield_turn)
		oracle_cur->yield_turn(a);
}

static inline void oracle_resume(struct oracle_actor *a)
{
	if (oracle_cur->resume)
		oracle_cur->resume(a);
}

static inline void oracle_busy(struct oracle_actor *a)
{
	if (oracle_cur->busy)
		oracle_cur->busy(a);
}

/* Does the oracle count actors (script)?  Then a thread that waits for
 * something no log orders must let the other threads of its CPU run. */
static inline bool oracle_counts_actors(void)
{
	return oracle_cur->join != 0;
}

#endif
