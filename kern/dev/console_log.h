/*
 * console_log.h - the console's input log: every byte a thread takes from
 * the console (cons_getc) is an event GETC(byte), so a recorded run's input
 * is in its trace and a replay feeds the same bytes.  Portable.
 */
#ifndef DEV_CONSOLE_LOG_H
#define DEV_CONSOLE_LOG_H

#include <stdint.h>

#include "log/type.h"

/* PUTS(bytes, digest): a user process's output, on "console.out" (an
 * ordered operation, so lines of different CPUs come out in the recorded
 * order in a replay and in the schedule's order under script). */
enum console_event { CONS_GETC, CONS_PUTS };

struct console_state {
	uint64_t bytes;  /* taken so far */
	uint64_t digest; /* of the bytes, in order */
};

extern const struct log_type console_log_type;

#endif
