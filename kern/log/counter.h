/*
 * counter.h - the simplest big-lock shared object: a counter.
 *
 * State:  value (signed), ops (number of ADD events).
 * Events: ADD(arg0 = delta, arg1 = value after) - the critical section
 *         pulled `value`, decided on `delta` and pushes both, so replay can
 *         check the section saw the state the log says it saw.
 * Invariant: ops == number of events applied; arg1 == value + delta.
 * Used by the host tests, stress and explore, and by kernel self-tests.
 */
#ifndef LOG_COUNTER_H
#define LOG_COUNTER_H

#include <stdint.h>
#include "log/type.h"

enum counter_event { COUNTER_ADD };

struct counter_state {
	int64_t value;
	uint64_t ops;
};

extern const struct log_type counter_log_type;

#endif
