/*
 * thread_log.h - the thread table's log ("threads"): CREATE(tid, cpu) and
 * REAP(tid), appended by thread.c.  Portable: no kernel header.
 */
#ifndef THREAD_THREAD_LOG_H
#define THREAD_THREAD_LOG_H

#include <stdint.h>

#include "log/type.h"

/* EXIT(tid, joiner) and JOIN(tid, found dead) order an exit against a
 * join of the same thread: whether the joiner must sleep (and be woken)
 * is decided by their order, which replay must reproduce. */
enum thread_table_event { TH_CREATE, TH_REAP, TH_EXIT, TH_JOIN };

struct thread_table_state {
	uint64_t live, created, reaped, exited;
};

extern const struct log_type thread_table_log_type;

#endif
