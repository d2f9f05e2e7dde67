/*
 * plat_host.c - the platform contract on Linux (see host/plat_impl.h):
 * memory, console, panic, and park/kick for pthread CPUs.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "host/host.h"
#include "host/coop.h"
#include "oracle/oracle.h"

__thread struct host_self host_self;
unsigned host_ncpus = 1;
bool host_quiet;

/* aligned_alloc wants a multiple of the alignment. */
void *plat_alloc(size_t bytes)
{
	size_t n = bytes ? (bytes + 63) & ~(size_t)63 : 64;
	void *p = aligned_alloc(64, n);
	if (p)
		memset(p, 0, n);
	return p;
}

void plat_free(void *p, size_t bytes)
{
	free(p);
}

int plat_printf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vprintf(fmt, ap);
	va_end(ap);
	return n;
}

/* host_try's landing pad for this OS thread. */
static __thread jmp_buf *try_jmp;
static __thread char *try_msg;
static __thread unsigned try_len;

_Noreturn void plat_panic(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	fflush(stdout);
	if (host_coop)
		host_coop_fail(msg); /* does not return */
	if (try_jmp) {
		snprintf(try_msg, try_len, "%s", msg);
		longjmp(*try_jmp, 1);
	}
	if (!host_quiet)
		fprintf(stderr, "panic: cpu %u thread %u: %s\n", host_cpu, host_thread, msg);
	abort();
}

bool host_try(void (*fn)(void *arg), void *arg, char *msg, unsigned len)
{
	jmp_buf jb, *saved = try_jmp;
	msg[0] = 0;
	try_jmp = &jb;
	try_msg = msg;
	try_len = len;
	if (setjmp(jb)) {
		try_jmp = saved;
		return true;
	}
	fn(arg);
	try_jmp = saved;
	return false;
}

/* Park/kick for pthread CPUs: a pending flag so no kick is lost, and a
 * short timeout so a bug shows as slowness rather than a hang. */
static struct {
	pthread_mutex_t m;
	pthread_cond_t cv;
	int pending;
} parking[PLAT_MAX_CPUS];

void host_parking_init(void)
{
	for (unsigned i = 0; i < PLAT_MAX_CPUS; i++) {
		pthread_mutex_init(&parking[i].m, 0);
		pthread_cond_init(&parking[i].cv, 0);
		parking[i].pending = 0;
	}
}

static struct oracle_actor actors[PLAT_MAX_CPUS];

struct oracle_actor *host_actor(unsigned cpu)
{
	return &actors[cpu];
}

struct oracle_actor *plat_actor(void)
{
	return &actors[host_cpu];
}

/* Every CPU of a host run is busy from its start. */
void plat_actors_start(unsigned ncpus,
		       void (*add)(struct oracle_actor *a, unsigned cpu, bool running))
{
	for (unsigned c = 0; c < ncpus; c++) {
		actors[c].thread = c + 1; /* host_thread of that CPU */
		actors[c].cpu = (uint8_t)c;
		add(&actors[c], c, true);
	}
}

void plat_park(void)
{
	if (host_coop)
		return host_coop_park();
	if (host_abandon)
		host_leave_run();
	unsigned c = host_cpu;
	pthread_mutex_lock(&parking[c].m);
	if (!parking[c].pending) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 1000000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&parking[c].cv, &parking[c].m, &ts);
	}
	parking[c].pending = 0;
	pthread_mutex_unlock(&parking[c].m);
}

void plat_kick(unsigned cpu)
{
	if (host_coop)
		return host_coop_kick(cpu);
	pthread_mutex_lock(&parking[cpu].m);
	parking[cpu].pending = 1;
	pthread_cond_signal(&parking[cpu].cv);
	pthread_mutex_unlock(&parking[cpu].m);
}
