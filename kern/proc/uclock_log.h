/*
 * uclock_log.h - time handed to user code, as events on "clock": every
 * rdtsc a program executes (the kernel sets CR4.TSD and emulates it) and
 * every get_tsc_per_ms is TSC(value) or RATE(value).  A replay feeds the
 * recorded values back, so a program that times itself or seeds its
 * random numbers from the clock replays exactly.  Under script the clock
 * is virtual (1 GHz, a fixed step per read), so a scripted run repeats
 * itself too.  Portable.
 */
#ifndef PROC_UCLOCK_LOG_H
#define PROC_UCLOCK_LOG_H

#include <stdint.h>

#include "log/type.h"

enum uclock_event { UC_TSC, UC_RATE };

struct uclock_state {
	uint64_t reads;  /* values handed out */
	uint64_t digest; /* of the values, in order */
};

extern const struct log_type uclock_log_type;

#endif
