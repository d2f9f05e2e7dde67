/*
 * run.c - host_run: CPUs as pthreads or cooperative contexts.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "host/coop.h"
#include "oracle/oracle.h"

int host_oversubscribed;

struct tcpu {
	pthread_t t;
	unsigned cpu;
	void (*fn)(unsigned, void *);
	void *arg;
};

static void *thread_main(void *p)
{
	struct tcpu *c = p;
	host_cpu = c->cpu;
	host_thread = c->cpu + 1;
	c->fn(c->cpu, c->arg);
	oracle_cpu_idle(c->cpu);
	return 0;
}

void host_run(enum host_mode mode, unsigned ncpus, void (*fn)(unsigned cpu, void *arg), void *arg,
	      struct host_result *res)
{
	static bool parking_ready;
	memset(res, 0, sizeof *res);
	if (ncpus < 1 || ncpus > PLAT_MAX_CPUS)
		plat_panic("host_run: %u CPUs (1..%d)", ncpus, PLAT_MAX_CPUS);
	host_ncpus = ncpus;
	if (mode == HOST_COOP) {
		host_coop_run(ncpus, fn, arg, res);
		return;
	}
	if (!parking_ready) {
		host_parking_init();
		parking_ready = true;
	}
	host_oversubscribed = ncpus > (unsigned)sysconf(_SC_NPROCESSORS_ONLN);
	struct tcpu c[PLAT_MAX_CPUS];
	for (unsigned i = 0; i < ncpus; i++) {
		c[i] = (struct tcpu){ .cpu = i, .fn = fn, .arg = arg };
		if (pthread_create(&c[i].t, 0, thread_main, &c[i]))
			plat_panic("host_run: pthread_create failed");
	}
	for (unsigned i = 0; i < ncpus; i++)
		pthread_join(c[i].t, 0);
}
