/*
 * lock_type.h - rows of the object-type table for the locks themselves.
 *
 * A lock is a shared object whose log has one event per acquisition:
 *   ACQ(arg0 = ticket (ticket lock) or 0 (MCS)), by the acquiring CPU,
 *   appended when the CPU gets the lock, in acquisition order.
 *   Display fields: wait (ticks from queueing to getting), hold (ticks held),
 *   rel_cpu (who releases it, the holder: a snapshot says so, except for
 *   a last acquisition still held; the ring keeps LOG_CPU_NONE).
 * State:  none kept beside the log.  What a lock's log says of it (its
 *         acquisitions: the count; its last holder: the last event) is read
 *         off the log itself (lockdbg.h, lock_acquisitions and
 *         lock_last_thread), so that an acquisition stores its event and
 *         nothing else: every store in front of the release's atomic
 *         instruction delays it (docs/bench.md, round 5).
 * Invariant (ticket lock): the n-th acquisition holds ticket n (FIFO).
 */
#ifndef LOCK_LOCK_TYPE_H
#define LOCK_LOCK_TYPE_H

#include <stdint.h>
#include "plat.h"
#include "log/type.h"

enum lock_event { LOCK_ACQ };

/* The replay functions are inline so that the locks' own appends call them
 * directly (log_append_inline); the type rows point at the same code.
 * They check; there is no state to change. */
static inline const char *mcs_apply(void *state, const struct log_event *ev)
{
	(void)state;
	if (plat_unlikely(ev->type != LOCK_ACQ))
		return "unknown lock event";
	return 0;
}

static inline const char *tlock_apply(void *state, const struct log_event *ev)
{
	/* acquisition n is event n */
	if (plat_unlikely(ev->arg0 != ev->seq))
		return "ticket order violated: acquisition n does not hold ticket n";
	return mcs_apply(state, ev);
}

extern const struct log_type tlock_log_type;
extern const struct log_type mcs_log_type;

#define LOCK_RING 128 /* events kept per lock (power of two) */

#endif
