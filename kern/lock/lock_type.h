/*
 * lock_type.h - rows of the object-type table for the locks themselves.
 *
 * A lock is a shared object whose log has one event per acquisition:
 *   ACQ(arg0 = ticket (ticket lock) or 0 (MCS)), by the acquiring CPU,
 *   appended when the CPU gets the lock, in acquisition order.
 *   Display fields: wait (ticks from queueing to getting), hold (ticks held),
 *   rel_cpu (who released it; must equal cpu).
 * State:  acquisitions so far, last holder (cpu, thread).
 * Invariant (ticket lock): the n-th acquisition holds ticket n (FIFO).
 */
#ifndef LOCK_LOCK_TYPE_H
#define LOCK_LOCK_TYPE_H

#include <stdint.h>
#include "log/type.h"

enum lock_event { LOCK_ACQ };

struct lock_state {
	uint64_t acquisitions;
	uint32_t last_cpu;
	uint32_t last_thread;
};

extern const struct log_type tlock_log_type;
extern const struct log_type mcs_log_type;

#define LOCK_RING 128 /* events kept per lock (power of two) */

#endif
