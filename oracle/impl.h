/*
 * impl.h - what the oracle implementations share (not for callers).
 */
#ifndef ORACLE_IMPL_H
#define ORACLE_IMPL_H

#include <atomic_ops.h>
#include "oracle/oracle.h"

extern const struct oracle_ops oracle_script_ops;
extern const struct oracle_ops oracle_replay_ops;

void oracle_script_start(const struct oracle_spec *spec, unsigned ncpus);
void oracle_replay_start(const struct log_set *ref, unsigned ncpus);

/*
 * The oracle's own tiny lock.  Not a logged lock (that would recurse into
 * the oracle); held only for a few loads and stores, never across a park.
 */
static inline void olock_acquire(volatile AO_t *l)
{
	while (!AO_compare_and_swap_acquire(l, 0, 1))
		while (AO_load(l))
			plat_relax();
}

static inline void olock_release(volatile AO_t *l)
{
	AO_store_release(l, 0);
}

/* Spins before a waiter for its turn parks: the turn usually comes
 * quickly, but a spinning vCPU steals the host core of the one whose turn
 * it is, so waits end in plat_park. */
#define ORACLE_SPINS 64

#endif
