/*
 * sched.h - schedules for the script oracle: given the CPUs parked at an
 * event point, pick the one that goes next.  Pure functions of the spec and
 * the sequence of eligible sets, so the same seed gives the same run.
 */
#ifndef ORACLE_SCHED_H
#define ORACLE_SCHED_H

#include "oracle/oracle.h"

#define SCHED_PCT_MAX_DEPTH 64

struct sched {
	enum oracle_sched kind;
	unsigned ncpus;
	unsigned last;  /* rr: last CPU picked */
	uint64_t rng;   /* random, pct */
	uint32_t depth; /* pct */
	/* pct: priorities (higher runs first) and the steps where they drop */
	uint32_t prio[PLAT_MAX_CPUS];
	uint64_t change[SCHED_PCT_MAX_DEPTH];
	uint32_t nchange;
	/* list */
	const uint8_t *list, *listk;
	uint32_t nlist, pos;
	/* every pick so far, as a list schedule would name it (the first
	 * ORACLE_LIST_MAX; nhist counts them all) */
	uint8_t hist[ORACLE_LIST_MAX], histk[ORACLE_LIST_MAX];
	uint64_t nhist;
};

/* horizon: expected number of steps of the run (pct spreads its d-1
 * priority change points uniformly over it). */
void sched_init(struct sched *s, const struct oracle_spec *spec, unsigned ncpus, uint64_t horizon);
/* The schedule's random stream (random picks; pct: later threads' priorities). */
uint64_t sched_rand(struct sched *s);
/* eligible[0..n-1] ascending CPU numbers, n >= 1; `step` counts picks. */
unsigned sched_pick(struct sched *s, const uint8_t *eligible, unsigned n, uint64_t step);

#endif
