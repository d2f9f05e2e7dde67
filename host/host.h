/*
 * host.h - running the portable core on Linux: N CPUs as pthreads or as
 * cooperative contexts, with panics turned into a failed run.
 */
#ifndef HOST_HOST_H
#define HOST_HOST_H

#include <stdbool.h>
#include <stdint.h>
#include "plat.h"

enum host_mode {
	HOST_THREADS, /* one pthread per CPU: real races on real cores */
	HOST_COOP,    /* contexts on the calling thread, switched only at plat_relax/park */
};

struct host_result {
	bool failed;
	char msg[1024];    /* the panic message of the first failure */
	uint64_t switches; /* coop: context switches */
};

/*
 * Run fn(cpu, arg) on ncpus CPUs and wait for all.  Each CPU's thread id is
 * cpu + 1.  When fn returns the CPU goes idle for the oracle.  A panic on
 * a CPU fails the run (message in res) and host_run() returns: in coop mode
 * the other CPUs are abandoned, with threads they leave the run at their
 * next plat_relax() or plat_park().  Either way the state the run left
 * (locks, oracle) is only fit to be reset by the next run.
 */
void host_run(enum host_mode mode, unsigned ncpus, void (*fn)(unsigned cpu, void *arg), void *arg,
	      struct host_result *res);

/*
 * Call fn(arg) on this thread, catching a plat_panic: returns true if it
 * panicked, with the message in msg.  For tests of misuse panics.
 */
bool host_try(void (*fn)(void *arg), void *arg, char *msg, unsigned len);

/* Silence panic messages on stderr (explore prints its own report). */
extern bool host_quiet;

#endif
