/*
 * uclock.h - the clock user code sees (design in uclock_log.h).
 */
#ifndef PROC_UCLOCK_H
#define PROC_UCLOCK_H

#include <stdbool.h>
#include <stdint.h>

void uclock_init(void);
/* The time-stamp counter for a user rdtsc; the TSC rate for get_tsc_per_ms. */
uint64_t uclock_tsc(void);
uint64_t uclock_tsc_per_ms(void);

struct log_set;
/* Replay: hand out the recording's values; false if it lost some (printed). */
bool uclock_replay_load(const struct log_set *ref);

#endif
