/*
 * lock_type.h - rows of the object-type table for the locks themselves.
 *
 * A lock is a shared object whose log has one event per acquisition:
 *   ACQ(arg0 = ticket (ticket lock) or 0 (MCS)), by the acquiring CPU,
 *   appended when the CPU gets the lock, in acquisition order.
 *   Display fields: wait (ticks from queueing to getting), hold (ticks held),
 *   rel_cpu (who releases it: the holder, so written with the acquisition;
 *   LOG_CPU_NONE in a snapshot taken while it is held).
 * State:  acquisitions so far, last holder (cpu, thread).
 * Invariant (ticket lock): the n-th acquisition holds ticket n (FIFO).
 */
#ifndef LOCK_LOCK_TYPE_H
#define LOCK_LOCK_TYPE_H

#include <stdint.h>
#include "plat.h"
#include "log/type.h"

enum lock_event { LOCK_ACQ };

struct lock_state {
	uint64_t acquisitions;
	uint32_t last_cpu;
	uint32_t last_thread;
};
/* It then sits in the log object's hot line (log.h). */
_Static_assert(sizeof(struct lock_state) <= 16, "lock state fits the log object's first line");
_Static_assert(offsetof(struct lock_state, last_thread) == offsetof(struct lock_state, last_cpu) + 4,
	       "last_cpu, last_thread: one little-endian word (see event.h)");

/* The replay functions are inline so that the locks' own appends call them
 * directly (log_append_inline); the type rows point at the same code. */
static inline const char *lock_apply_common(struct lock_state *s, const struct log_event *ev)
{
	if (plat_unlikely(ev->type != LOCK_ACQ))
		return "unknown lock event";
	s->acquisitions++;
	/* last_cpu, last_thread: one 8-byte store (asserted below) */
	uint64_t last = (uint64_t)ev->cpu | (uint64_t)ev->thread << 32;
	__builtin_memcpy(&s->last_cpu, &last, sizeof last);
	return 0;
}

static inline const char *tlock_apply(void *state, const struct log_event *ev)
{
	struct lock_state *s = state;
	if (plat_unlikely(ev->arg0 != s->acquisitions))
		return "ticket order violated: acquisition n does not hold ticket n";
	return lock_apply_common(s, ev);
}

static inline const char *mcs_apply(void *state, const struct log_event *ev)
{
	return lock_apply_common(state, ev);
}

extern const struct log_type tlock_log_type;
extern const struct log_type mcs_log_type;

#define LOCK_RING 128 /* events kept per lock (power of two) */

#endif
