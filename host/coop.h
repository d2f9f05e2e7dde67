/*
 * coop.h - cooperative CPUs: contexts on one OS thread, switched only when
 * a CPU relaxes (spins) or parks.  With the script oracle this makes a run
 * a pure function of the schedule, at a few nanoseconds per switch.
 */
#ifndef HOST_COOP_H
#define HOST_COOP_H

#include "host/host.h"

void host_coop_run(unsigned ncpus, void (*fn)(unsigned cpu, void *arg), void *arg,
		   struct host_result *res);
void host_coop_park(void);
void host_coop_kick(unsigned cpu);
_Noreturn void host_coop_fail(const char *msg);
void host_parking_init(void);

#endif
