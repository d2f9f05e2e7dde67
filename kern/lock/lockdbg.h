/*
 * lockdbg.h - debug state, statistics and logging shared by every lock kind.
 *
 * xv6-style help when a lock is misused: acquiring a lock this CPU already
 * holds and releasing one it does not hold both panic with the lock's name.
 * The holder also records the acquisition in the lock's log: one event, in
 * one cache line, written while holding the lock (so no atomics).
 *
 * Compile with -DLOCK_LOG_OFF to compile the lock logging out (benchmark
 * "logging on vs off"); debug checks and (optional) statistics stay.
 */
#ifndef LOCK_LOCKDBG_H
#define LOCK_LOCKDBG_H

#include <stddef.h>
#include "plat.h"
#include "log/log.h"
#include "lock/lock_type.h"
#include "lock/deadlock.h"

/*
 * Time stamps.  rdtsc costs as much as the whole uncontended ticket lock
 * (~12 ns on a KVM guest), and time stamps are display data (they stay out
 * of the chained hash), so they are taken only where they pay:
 *
 *                        sampled (seq % LOCK_TIME_PERIOD == 0)
 *                        or every (below)     other
 *   got the lock free    ts, hold             -          (no rdtsc at all)
 *   had to wait          ts, wait, hold       -          (ticket lock)
 *                                             (MCS: reads the clock when
 *                                              it queues, but not when it
 *                                              gets the lock)
 *
 * ts = got time, wait = ticks from queueing to getting, hold = ticks from
 * getting to releasing; a field not taken is 0 (a real one never is), so
 * an untimed event has ts = 0.  One rdtsc serves ts, wait and the hold's
 * start.  A waiter's rdtsc when it gets the lock, and the release's, are
 * on a contended lock's hand-off path, so they are sampled too; a ticket
 * lock's waiter knows its seq (the ticket) and skips the queue-time rdtsc
 * as well.  log_slow.lock_time_all (tests and stress that check mutual exclusion
 * and bounded bypass by time) and check mode (log_slow.check_mode, logcheck=1)
 * time every acquisition and release; lock_stats_on times every waited
 * acquisition (the stats sum the waits).
 */
#define LOCK_TIME_PERIOD 64 /* power of two */
_Static_assert((LOCK_TIME_PERIOD & (LOCK_TIME_PERIOD - 1)) == 0, "period is a power of two");

/* Keep struct lock_stats (stress, tests).  Read anywhere; set only with
 * lock_stats_set (lockdbg.c), which ends every lock's plain window. */
extern bool lock_stats_on;
void lock_stats_set(bool on);
/* log_slow.lock_time_all (log.h): time every acquisition.
 * log_slow.lock_plain_off: test knob, every acquisition and release takes
 * the general path, as under an oracle other than hw (test_lock compares
 * the two paths). */

/* Time every acquisition: asked for, or check mode, which exists to catch
 * what the sampled time stamps would let lockcheck's time-based checks
 * miss (one acquisition in LOCK_TIME_PERIOD left them nearly idle). */
static inline bool lockdbg_time_every(void)
{
	return log_slow.lock_time_all | log_slow.check_mode;
}

/* Does a waiter for acquisition `seq` need its queue time?  (Exactly when
 * lockdbg_got(seq, waited) will read the clock.) */
static inline bool lockdbg_wait_timed(uint64_t seq)
{
#ifndef LOCK_LOG_OFF
	return lockdbg_time_every() || lock_stats_on || (seq & (LOCK_TIME_PERIOD - 1)) == 0;
#else
	(void)seq;
	return lock_stats_on;
#endif
}

/* Optional statistics (lock_stats_on): written only by the holder, on their
 * own cache lines, so that the default path does not move them around.
 * The plain path (below) does not count: its acquisitions are in the log.
 * The general acquisition that ends a plain window counts the window's
 * events from there (lockdbg_tally: acquires and per_cpu of the events
 * after `tallied`) if the statistics were on when the window began
 * (`counting`), and so does lockdbg_stats for a reader; a wait always
 * takes the general path under statistics.  lock_stats_set ends every
 * window, so that no window spans a switch and the counts are exact. */
struct lock_stats {
	uint64_t acquires;
	uint64_t contended; /* had to wait */
	uint64_t wait_sum;  /* ticks */
	uint64_t wait_max;
	uint64_t per_cpu[PLAT_MAX_CPUS]; /* acquisitions by CPU (fairness) */
	uint64_t tallied;                /* the log's events before this are counted */
	bool counting;                   /* lock_stats_on at the last general acquisition */
} __attribute__((aligned(PLAT_CACHELINE)));

/* The first line is read on every operation and written by nobody; keep
 * it one line: _Static_assert below.  The holding CPU (log_obj.holder) and
 * an MCS holder's node (mcs_holder_node) are in the log object's hot line,
 * written with the append, so that a hand-off does not move this line. */
struct lock_debug {
	struct log_obj *log; /* the lock's own log; also its identity for the oracle */
	struct lock_stats stats;
};
_Static_assert(offsetof(struct lock_debug, stats) == PLAT_CACHELINE, "holder state is one line");
_Static_assert(PLAT_MAX_CPUS < 255, "log_obj.holder is a byte: CPU + 1");

/* log_obj.holder_word: holder (CPU + 1) in bits 0-7, then hold_bits: */
/* The release takes the general path (lockdbg_leave and the oracle's
 * hooks): it times the hold (a sampled event, or every event timed), or the
 * acquisition was made where the plain path may not go (another oracle, a
 * mode: lockdbg_plain).  A release follows its acquisition, so that the
 * plain release tests this word alone, not the gate as well. */
#define LOCK_HOLD_GENERAL 0x100u
_Static_assert(PLAT_MAX_CPUS < 256, "holder_word bits 0-7: CPU + 1");

/* ring: events the lock's log keeps (power of two; 0 = LOCK_RING). */
void lockdbg_init(struct lock_debug *d, const struct log_type *t, const char *name, uint32_t ring);
/* Out of line: statistics are off by default.  Not marked cold: the plain
 * path calls it (under lock_stats_on), and gcc then moved that whole path
 * out to the function's cold part, a jump away on every acquisition. */
void lockdbg_count(struct lock_debug *d, unsigned cpu, bool waited, uint64_t wait);
/* Count the plain path's acquisitions since stats.tallied, from the log,
 * if stats.counting. */
void lockdbg_tally(struct lock_debug *d);
/* After a general acquisition's append, while the statistics are or were
 * on: count the window before it (lockdbg_tally) and start the next. */
void lockdbg_tally_general(struct lock_debug *d);

/* The statistics, every acquisition so far counted: for a reader when
 * the lock is quiet (after a run; racy otherwise). */
static inline const struct lock_stats *lockdbg_stats(struct lock_debug *d)
{
	lockdbg_tally(d);
	return &d->stats;
}

static inline const char *lockdbg_name(const struct lock_debug *d)
{
	return d->log->name;
}

/* A lock's acquisitions so far: its log's events (lock_type.h). */
static inline uint64_t lock_acquisitions(const struct log_obj *o)
{
	return o->count;
}

/* The thread of a lock's last acquisition, 0 if unknown (racy unless
 * called by the holder: diagnostics). */
static inline uint32_t lock_last_thread(const struct log_obj *o)
{
	const struct log_event *e = log_last_event(o);
	return e ? e->thread : 0;
}

/* The holding CPU, -1 when free (racy unless called by the holder). */
static inline int32_t lockdbg_holder(const struct lock_debug *d)
{
	return (int32_t)d->log->holder - 1;
}

#define LOCK_RECURSION_SPINS 1024

/*
 * One turn of a waiter's spin loop (`spins` turns so far), which also
 * catches recursion: a CPU waiting for a lock it holds waits forever.  A
 * CPU that finds the lock free cannot hold it, so only waiters check, and
 * not at once: reading the holder (log_obj.holder) pulls the log object's
 * hot line away from the holder, which on a contended lock slowed every
 * hand-off.  Under an oracle
 * that blocks waiters (script, replay) the check comes first, so recursion
 * panics by name instead of ending as a deadlock report.
 */
/* Under hw (where no oracle watches), every DEADLOCK_CHECK_SPINS spins a
 * waiter publishes its wait and looks for a cycle of waiters through it
 * (deadlock.h): a deadlock is reported when it forms.  Every
 * LOCK_STALL_SPINS spins it also looks at the clock: after
 * LOCK_STALL_SECONDS it reports what it waits for and who holds it, so
 * that what is no cycle of spinning waiters (a holder that never releases,
 * or sleeps) ends with a report too, not a silent hang.  Out of line and
 * cold: waiters only, and rarely. */
#define LOCK_STALL_SPINS (1u << 16)
_Static_assert(LOCK_STALL_SPINS % DEADLOCK_CHECK_SPINS == 0, "a stall check is a deadlock check");
#define LOCK_STALL_SECONDS 5
__attribute__((cold)) void lockdbg_stall_check(const struct lock_debug *d, uint32_t spins);

static inline void lockdbg_wait(const struct lock_debug *d, uint32_t spins, uint64_t key)
{
	/* The same CPU and the same thread: two threads of one CPU can meet on
	 * a lock in a replay, where a waiting thread yields its CPU. */
	if (plat_unlikely(spins == (oracle_cur->wait ? 0 : LOCK_RECURSION_SPINS)) &&
	    d->log->holder == plat_cpu() + 1 && lock_last_thread(d->log) == plat_thread())
		plat_panic("lock %s: acquire by cpu %u which already holds it", lockdbg_name(d),
			   plat_cpu());
	/* Only under hw: under script and replay a holder may wait long for
	 * its turns, and those oracles report stalls themselves. */
	if (plat_unlikely((spins & (DEADLOCK_CHECK_SPINS - 1)) == DEADLOCK_CHECK_SPINS - 1) &&
	    !oracle_cur->before) {
		deadlock_check(d->log, spins);
		if ((spins & (LOCK_STALL_SPINS - 1)) == LOCK_STALL_SPINS - 1)
			lockdbg_stall_check(d, spins);
	}
	oracle_wait_key(d->log, key);
}

/* The wait loop ended after `spins` turns, before the waiter records its
 * acquisition: a wait long enough to have been published is withdrawn. */
static inline void lockdbg_wait_end(uint32_t spins)
{
	if (plat_unlikely(spins >= DEADLOCK_CHECK_SPINS))
		deadlock_wait_end();
}

static inline uint32_t lockdbg_sat32(uint64_t v)
{
	return (uint32_t)(v > 0xffffffffu ? 0xffffffffu : v);
}

/* May this operation take the plain path (below, lockdbg_got_plain)? */
static inline bool lockdbg_plain(void)
{
#ifdef TLOCK_BROKEN
	return false;
#else
	return log_slow.any == 0; /* hw, no check mode, no lock knob */
#endif
}

/* Event seq (in its slot of o's ring) is timed: the plain path must not
 * reuse the slot as it is (lockdbg_plain_window).  Out of line: sampled
 * events' slots are reused by sampled events (the general path), so this
 * is for every event timed otherwise (check mode, lock_time_all, waits
 * timed for the statistics). */
void lockdbg_timed_slot(struct log_obj *o, uint64_t seq);

/* Out of line (the general path calls it once per plain window): the
 * plain path's next window, o->plain_until (lockdbg_got_plain). */
void lockdbg_plain_window(struct log_obj *o, bool pos_zero);

/* The caller now holds the lock: `pos` is its ticket (or 0: `pos_zero`,
 * an MCS lock); if `waited`, it queued at t_queued (ticks; 0 if it did not
 * read the clock, see lockdbg_wait_timed), else t_queued is unused.
 * `apply` is the lock type's replay function (a constant: a direct
 * call). */
static inline __attribute__((always_inline)) void
lockdbg_got(struct lock_debug *d, uint64_t pos, bool pos_zero, uint64_t t_queued, bool waited,
	    const char *(*apply)(void *, const struct log_event *))
{
	unsigned cpu = plat_cpu();
	struct log_obj *o = d->log;
	unsigned h = o->holder;

	if (plat_unlikely(h != 0))
		plat_panic("lock %s: cpu %u got it while cpu %d holds it (mutual exclusion)",
			   lockdbg_name(d), cpu, (int)h - 1);
#ifndef LOCK_LOG_OFF
	/* The release times the hold of a sampled event (lockdbg_leave). */
	bool sampled = lockdbg_time_every() || (o->count & (LOCK_TIME_PERIOD - 1)) == 0;
	o->holder_word =
		(uint32_t)((cpu + 1) | (sampled || !lockdbg_plain() ? LOCK_HOLD_GENERAL : 0));
	bool timed = sampled || (waited && lock_stats_on);
	uint64_t now = timed ? plat_ticks() : 0;
	uint64_t w = 0;
	struct log_event *e = log_append_inline(o, LOCK_ACQ, pos, 0, now, apply);
	if (plat_unlikely(waited) && timed && t_queued != 0) {
		w = now - t_queued;
		e->wait = lockdbg_sat32(w);
	}
	if (timed)
		lockdbg_timed_slot(o, e->seq);
	if (plat_unlikely(d->stats.counting | lock_stats_on))
		lockdbg_tally_general(d);
	/* Under hw, the plain path's window ends at this event: the next. */
	if (lockdbg_plain() && o->count >= o->plain_until)
		lockdbg_plain_window(o, pos_zero);
#else
	o->holder_word = (uint32_t)((cpu + 1) | (!lockdbg_plain() ? LOCK_HOLD_GENERAL : 0));
	(void)pos;
	(void)pos_zero;
	(void)apply;
	uint64_t w = 0;
	if (plat_unlikely(lock_stats_on) && waited)
		w = plat_ticks() - t_queued;
#endif
	if (plat_unlikely(lock_stats_on))
		lockdbg_count(d, cpu, waited, w);
}

/* Before handing the lock on: the caller must hold it. */
static inline void lockdbg_leave(struct lock_debug *d)
{
	unsigned cpu = plat_cpu();
	struct log_obj *o = d->log;
	unsigned h = o->holder;
	if (plat_unlikely(h != cpu + 1))
		plat_panic("lock %s: release by cpu %u, holder is %d", lockdbg_name(d), cpu,
			   (int)h - 1);
#ifndef LOCK_LOG_OFF
	/* Only the holder appends to a lock's log, so its event is the last.
	 * Hold is measured from the event's own time stamp, before handing
	 * the lock on, so that got + hold never exceeds the real release time
	 * (lockcheck relies on it).  The releasing CPU is the holder (checked
	 * above), so a snapshot says so (rel_cpu, log_snapshot): a release
	 * that stored it here had a chain of loads (count, ring, mask) in
	 * front of its atomic instruction, 0.6 ns of an uncontended MCS lock's
	 * 8.3. */
	uint64_t seq = o->count - 1;
	struct log_event *e = &o->ring[seq & o->ring_mask];
	if (plat_unlikely((seq & (LOCK_TIME_PERIOD - 1)) == 0 || lockdbg_time_every())) {
		e->hold = lockdbg_sat32(plat_ticks() - e->ts);
		lockdbg_timed_slot(o, seq);
	}
#endif
	o->holder_word = 0; /* holder and hold_bits */
}

static inline bool lockdbg_held(const struct lock_debug *d)
{
	return d->log->holder == plat_cpu() + 1;
}

/*
 * The plain path: what most acquisitions under hw do.  An x86 locked
 * instruction (the ticket draw, the MCS tail swap and release) waits until
 * every earlier store has left the store buffer, and beyond about six
 * pending stores each one adds about a cycle to it (an acquire + release
 * that stores every field of the event, and saves registers around its
 * hook calls, issues some 25 stores where ck's locks issue 2 or 3).  So
 * the plain path records the same event with as few stores as it can:
 *
 * - no hooks: under hw every oracle hook is NULL (one compare, not three
 *   table loads), and the general path (lockdbg_got, lockdbg_leave and
 *   the hooks, out of line in tlock.c and mcs.c) takes every other case;
 * - an event in a lock's ring differs from what its slot held before only
 *   in seq, thread, cpu and hash (and a ticket lock's ticket, arg0), when
 *   that slot holds what every untimed lock event has: 0 in arg1, ts, wait
 *   and hold (and an MCS lock's arg0), and the object, ACQ and
 *   LOG_CPU_NONE in word 6 (rel_cpu: a snapshot fills it in).  So the
 *   plain path stores only those words.  The general path checks the
 *   slots ahead (lockdbg_plain_window, in lockdbg.c) and sets the window
 *   o->plain_until: the plain path appends event seq only below it, so
 *   its one compare covers a slot that needs more (a timed event's, one
 *   written under another oracle), the sampled events (seq %
 *   LOCK_TIME_PERIOD == 0: ts and hold) and the append that must
 *   checkpoint first (o->ck_next), where it used to load and test each;
 * - a misuse (the panics) takes the general path too, before the plain
 *   one has stored anything.
 *
 * A window stays true whatever happens inside it: an event's timing is
 * written into its own slot only, which is reused at seq + ring size,
 * past the checkpoint, so past the window.
 *
 * What the log holds is the same either way: the same event, hash, state
 * and order stream, byte for byte (test_lock checks the two paths against
 * each other).  Not taken under any other oracle, with log_slow.lock_time_all,
 * check mode, log_slow.lock_plain_off, or -DTLOCK_BROKEN.  lock_stats_on keeps it
 * for an acquisition that did not wait (counted later from the log,
 * lockdbg_tally: not even a test of the flag here); one that waited takes
 * the general path, which times the wait for the statistics.
 */

/* Under lockdbg_plain, the caller (of lock d, whose log is o) now holds the
 * lock without having waited for it, or (`waited`) waited untimed: record
 * it as lockdbg_got would and return true, or return false having changed
 * nothing (then the caller calls lockdbg_got).  `pos`: the ticket, or 0 if
 * `pos_zero` (MCS). */
static inline __attribute__((always_inline)) bool
lockdbg_got_plain(struct lock_debug *d, struct log_obj *o, uint64_t pos, bool pos_zero, bool waited,
		  const char *(*apply)(void *, const struct log_event *))
{
	unsigned cpu = plat_cpu();
	if (plat_unlikely(o->holder_word != 0) || (waited && lock_stats_on))
		return false;
#ifndef LOCK_LOG_OFF
	uint64_t seq = o->count;
	if (plat_unlikely(seq >= o->plain_until))
		return false;
	uint64_t actor = plat_actor_word(); /* thread | cpu << 32 */
	/* A recording (and the live stream) take the event from the ring at
	 * the next checkpoint (log_rec_sync). */
	o->holder_word = (uint32_t)(cpu + 1); /* plain; the whole word, as the release reads it */
	struct log_event *e = &o->ring[seq & o->ring_mask];
	uint64_t h = log_hash_actor(o->hash, seq, actor, LOCK_ACQ, pos, 0);
	/* The stores that wait for nothing first, the two of the hash (the
	 * end of a chain of loads and multiplies that starts at the lock's
	 * atomic instruction) last: stores leave the store buffer in order,
	 * and the release's atomic instruction waits until all have. */
	if (!pos_zero)
		e->arg0 = pos;
	e->seq = seq;
	o->count = seq + 1; /* between seq and actor: two stores, not one built in SSE registers */
	log_store_word(&e->thread, actor);
	/* apply sees the event from registers: its checked fields (seq, the
	 * ticket, the type, which the window vouches for in the slot) need no
	 * load back from the slot. */
	struct log_event ev = { .seq = seq, .arg0 = pos, .type = LOCK_ACQ };
	const char *bad = apply(o->state, &ev);
	if (plat_unlikely(bad != 0))
		log_apply_failed(o, e, bad);
	e->hash = h;
	o->hash = h;
	(void)d; /* statistics: counted from the log (lockdbg_tally) */
#else
	(void)pos;
	(void)pos_zero;
	(void)apply;
	o->holder_word = (uint32_t)(cpu + 1); /* plain; the whole word, as the release reads it */
	if (plat_unlikely(lock_stats_on))
		lockdbg_count(d, cpu, false, 0); /* no log to count from */
#endif
	return true;
}

/* Before handing the lock on: lockdbg_leave for an acquisition made on the
 * plain path's terms, returning true; or false having changed nothing
 * (then the caller calls lockdbg_leave and the hooks: LOCK_HOLD_GENERAL,
 * or a misuse to report).  Not lockdbg_plain() first: the acquisition
 * said which way its release goes (LOCK_HOLD_GENERAL). */
static inline bool lockdbg_leave_plain(struct log_obj *o)
{
	/* Held by me, and no LOCK_HOLD_GENERAL: one compare of holder and
	 * hold_bits. */
	if (plat_unlikely(o->holder_word != plat_cpu() + 1))
		return false;
	o->holder_word = 0;
	return true;
}

#endif
