/*
 * plat_impl.h (host) - the platform contract of kern/plat.h on Linux.
 *
 * CPUs are either pthreads (real parallelism, for hw) or cooperative
 * contexts on one OS thread (deterministic and fast, for script/replay);
 * see host/host.h.  The CPU index lives in a thread-local variable which
 * the cooperative scheduler rewrites at every switch.
 */
#ifndef HOST_PLAT_IMPL_H
#define HOST_PLAT_IMPL_H

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>

/* local-exec: libcore is linked statically into executables only, so the
 * variables are at a fixed %fs offset, one load (as the kernel's %gs field).
 * The thread, then the CPU: plat_actor_word reads both with one load. */
struct host_self {
	uint32_t thread;
	uint32_t cpu;
} __attribute__((aligned(8)));
extern __thread struct host_self host_self __attribute__((tls_model("local-exec")));
#define host_cpu (host_self.cpu)
#define host_thread (host_self.thread)
extern unsigned host_ncpus;
extern int host_coop;             /* cooperative CPUs are running */
extern int host_oversubscribed;   /* more pthread CPUs than cores */
extern volatile int host_abandon; /* a pthread CPU failed: the others leave the run */

_Noreturn void host_leave_run(void) __attribute__((cold));

void host_coop_yield(void);
int sched_yield(void);

static inline unsigned plat_cpu(void)
{
	return host_cpu;
}

static inline unsigned plat_ncpus(void)
{
	return host_ncpus;
}

static inline uint32_t plat_thread(void)
{
	return host_thread;
}

static inline uint64_t plat_actor_word(void)
{
	uint64_t a;
	__builtin_memcpy(&a, &host_self, sizeof a);
	return a;
}

/* Cooperative CPUs must give the others a chance in every spin; so must
 * pthread CPUs when they outnumber the cores, or a FIFO lock handed to a
 * descheduled waiter stalls everyone for a whole time slice. */
static inline void plat_relax(void)
{
	if (host_coop)
		host_coop_yield();
	else if (__builtin_expect(host_abandon, 0))
		host_leave_run();
	else if (host_oversubscribed)
		sched_yield();
	else
		__builtin_ia32_pause();
}

/* The TSC: invariant and synchronized across cores on current x86. */
static inline uint64_t plat_ticks(void)
{
	/* lfence: rdtsc may otherwise run before earlier loads complete, e.g.
	 * read the time before the load that saw the lock free; lockcheck's
	 * time-based checks need "got" stamped after the hand-off. */
	__builtin_ia32_lfence();
	return __builtin_ia32_rdtsc();
}

void *plat_alloc(size_t bytes);
void plat_free(void *p, size_t bytes);
int plat_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void plat_panic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void plat_park(void);
void plat_kick(unsigned cpu);

/* A host CPU is one thread: its actor is the CPU's. */
struct oracle_actor;
struct oracle_actor *plat_actor(void);
struct oracle_actor *host_actor(unsigned cpu);
void plat_actors_start(unsigned ncpus,
		       void (*add)(struct oracle_actor *a, unsigned cpu, bool running));

#endif
