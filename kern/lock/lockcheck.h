/*
 * lockcheck.h - invariant checkers over a lock's log.
 *
 * They read only the log (the ring window of a live lock, or an array from
 * a trace), so tests, stress and trace tools judge a run the same way:
 *   mutual exclusion   each acquisition starts after the previous release
 *                      (got[i] >= got[i-1] + hold[i-1], in ticks; a hold
 *                      not measured is 0, leaving got order only)
 *   FIFO               acquisition n holds ticket n (ticket locks)
 *   bounded bypass     while one CPU waited, at most `bound` acquisitions
 *                      completed (ticket/MCS: ncpus - 1)
 *   release by holder  every acquisition but a still-held last one was
 *                      released by the CPU that took it (events from a
 *                      snapshot or a trace; a live ring does not keep
 *                      rel_cpu, and lockdbg_leave checked each release)
 * Time stamps are display data and must be comparable across CPUs for the
 * first and third checks (host: invariant TSC).  Untimed events (ts == 0,
 * see lockdbg.h) take part only in the order checks (consecutive, FIFO,
 * release by holder): for a ticket lock those already witness mutual
 * exclusion, since ticket n + 1 is served only after the holder of ticket
 * n released it.  Set log_slow.lock_time_all, or check mode, for the time-based
 * checks on every event; `timed` counts the events they ran on.
 */
#ifndef LOCK_LOCKCHECK_H
#define LOCK_LOCKCHECK_H

#include <stddef.h>
#include <stdbool.h>
#include "log/log.h"

struct lockcheck {
	const char *violation; /* NULL if all hold */
	uint64_t seq;          /* first event that violates it */
	uint64_t max_bypass;
	uint64_t checked; /* events examined */
	uint64_t timed;   /* of those, with time stamps: the time-based checks ran on them */
};

/* ev[0..n-1] consecutive events of one lock. */
bool lockcheck_events(const struct log_event *ev, size_t n, bool fifo, uint64_t bound,
		      struct lockcheck *r);
/* The window still in a lock object's ring (fifo for ticket locks). */
bool lockcheck_obj(const struct log_obj *o, uint64_t bound, struct lockcheck *r);

#endif
