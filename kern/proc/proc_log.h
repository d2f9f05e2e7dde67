/*
 * proc_log.h - the process table's log ("procs").  Portable: no kernel header.
 *
 *   SPAWN(pid, prog | parent << 32)   a slot is taken
 *   EXIT(pid, status)                 the process is gone, its slot waits for wait()
 *   REAP(pid, status)                 its parent (or the kernel) took the status
 *
 * A slot goes FREE -SPAWN-> LIVE -EXIT-> ZOMBIE -REAP-> FREE; apply()
 * rejects any other order, so the table's whole history is checked.
 */
#ifndef PROC_PROC_LOG_H
#define PROC_PROC_LOG_H

#include <stdint.h>

#include "log/type.h"

#define PROC_MAX 64 /* pids 1..63; 0 is "the kernel" */

enum proc_event { PR_SPAWN, PR_EXIT, PR_REAP };
enum proc_slot_state { PS_FREE, PS_LIVE, PS_ZOMBIE };

struct proc_table_state {
	uint8_t slot[PROC_MAX]; /* enum proc_slot_state */
	uint64_t spawned, exited, reaped, killed;
};

extern const struct log_type proc_table_log_type;

#endif
