/*
 * run.c - host_run: CPUs as pthreads or cooperative contexts.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "host/coop.h"
#include "oracle/oracle.h"

int host_oversubscribed;
volatile int host_abandon;

struct tcpu {
	pthread_t t;
	unsigned cpu;
	void (*fn)(unsigned, void *);
	void *arg;
	struct host_result *res;
};

static pthread_mutex_t fail_lock = PTHREAD_MUTEX_INITIALIZER;

static void cpu_body(void *p)
{
	struct tcpu *c = p;
	c->fn(c->cpu, c->arg);
}

/* A panic on one CPU fails the run, as in coop mode, instead of aborting
 * the process (explore must report the failing schedule and go on): the
 * first message wins, and host_abandon makes every other CPU leave at its
 * next plat_relax or plat_park, where all waiting happens. */
static void *thread_main(void *p)
{
	struct tcpu *c = p;
	char msg[sizeof c->res->msg];
	host_cpu = c->cpu;
	host_thread = c->cpu + 1;
	if (!host_try(cpu_body, c, msg, sizeof msg)) {
		oracle_leave(host_actor(c->cpu));
		return 0;
	}
	pthread_mutex_lock(&fail_lock);
	if (!c->res->failed) {
		c->res->failed = true;
		snprintf(c->res->msg, sizeof c->res->msg, "%s", msg);
	}
	host_abandon = 1;
	pthread_mutex_unlock(&fail_lock);
	return 0;
}

void host_leave_run(void)
{
	plat_panic("cpu %u left the run: another CPU failed", host_cpu);
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
	host_abandon = 0;
	struct tcpu c[PLAT_MAX_CPUS];
	for (unsigned i = 0; i < ncpus; i++) {
		c[i] = (struct tcpu){ .cpu = i, .fn = fn, .arg = arg, .res = res };
		if (pthread_create(&c[i].t, 0, thread_main, &c[i]))
			plat_panic("host_run: pthread_create failed");
	}
	for (unsigned i = 0; i < ncpus; i++)
		pthread_join(c[i].t, 0);
	host_abandon = 0;
}
