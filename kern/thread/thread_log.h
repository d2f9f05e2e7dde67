/*
 * thread_log.h - the thread table's log ("threads"): CREATE(tid, cpu) and
 * REAP(tid), appended by thread.c.  Portable: no kernel header.
 */
#ifndef THREAD_THREAD_LOG_H
#define THREAD_THREAD_LOG_H

#include <stdint.h>

#include "log/type.h"

enum thread_table_event { TH_CREATE, TH_REAP };

struct thread_table_state {
	uint64_t live, created, reaped;
};

extern const struct log_type thread_table_log_type;

#endif
