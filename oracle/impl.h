/*
 * impl.h - what the oracle implementations share (not for callers).
 */
#ifndef ORACLE_IMPL_H
#define ORACLE_IMPL_H

#include <atomic_ops.h>
#include "oracle/oracle.h"

extern const struct oracle_ops oracle_hw_ops;
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

/*
 * Wait for *flag to become non-zero: spin briefly with relax (the turn
 * usually comes quickly), then park until kicked.  Never burns a CPU for
 * long: under QEMU a spinning vCPU steals the host core of the one whose
 * turn it is.  Returns the number of parks (for stall detection).
 */
#define ORACLE_SPINS 64
static inline void oracle_wait_flag(volatile AO_t *flag)
{
	unsigned spins = 0;
	while (!AO_load_acquire(flag)) {
		if (spins < ORACLE_SPINS) {
			spins++;
			plat_relax();
		} else {
			plat_park();
		}
	}
}

#endif
