/*
 * scenario.h - the host's library of concurrent test programs, shared by
 * explore, stress and the unit tests so that a failing schedule found by
 * one can be re-run by the others by name.
 *
 * A scenario registers its objects, runs one function per CPU and checks
 * its outcome; any violation panics (a failed run in coop mode).
 */
#ifndef HOST_SCENARIO_H
#define HOST_SCENARIO_H

#include "host/host.h"
#include "lock/biglock.h"
#include "oracle/oracle.h"

#define SCEN_MAX_OBJS 16

struct scen_cfg {
	unsigned ncpus;
	uint64_t ops;   /* critical sections per CPU */
	unsigned nobjs; /* counter objects (ops spread over them), 1..SCEN_MAX_OBJS */
	enum lock_kind kind;
	uint32_t ring; /* ring size of each counter's log (0: default) */
};

struct scenario {
	const char *name;
	const char *what;
	struct scen_cfg cfg;
};

extern const struct scenario scenarios[];
const struct scenario *scenario_find(const char *name);

/*
 * Reset the logs, install the oracle, run the scenario, finish the oracle,
 * check the outcome.  Returns false (message in res->msg) on failure.
 * ref: the recording, for replay.
 */
bool scenario_run(const struct scen_cfg *cfg, const struct oracle_spec *spec, enum host_mode mode,
		  const struct log_set *ref, struct host_result *res);

/* The counters of the last run (for reports). */
struct biglock *scenario_counter(unsigned i);

#endif
