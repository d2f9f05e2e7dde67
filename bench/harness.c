/*
 * harness.c - one lock benchmark, compiled once per lock (ck style).
 *
 * The lock comes from the header named by -DLOCK_HEADER (bench/lock_*.h),
 * which defines LOCK_NAME, LOCK_DECL(l), LOCK_INIT(l), LOCK_THREAD_INIT(idx),
 * LOCK_ACQUIRE(l) and LOCK_RELEASE(l), and LOCK_RECORD() if the lock keeps a
 * log whose order stream can be recorded; everything else is this file, so
 * every lock runs exactly the same code around it.
 *
 *   lock-NAME [--round=R] [--ms=D] [--iters=I] [--reps=K] [--threads=N] [--record]
 *
 * --record: our logged locks keep the order stream too (log_record_order,
 * what `make record` and record=1 turn on); the other locks ignore it.
 *
 * Measures, printing one CSV row each (header: bench/report.py):
 *   uncontended  one pinned thread, I acquire+release pairs (critical
 *                section included) per repetition, median of K repetitions,
 *                in ns (clock_gettime) and TSC ticks.
 *   throughput   1..N pinned threads for D ms each: total ops/s, and
 *                per-thread ops min/max and Jain's fairness index.
 * Each row ends with the CPU share: thread CPU time / (threads x wall time),
 * below 1 when the OS ran something else on our cores meanwhile.
 * N defaults to the online CPUs (at least 2).  Every run checks mutual
 * exclusion: a plain counter incremented in the critical section must equal
 * the operations counted outside it; any difference fails with exit 1.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include LOCK_HEADER

#define MAX_THREADS 64
#define CACHELINE 64

static LOCK_DECL(bench_lock) __attribute__((aligned(CACHELINE)));

/* What the lock protects, on its own line: a plain read-modify-write that
 * loses increments as soon as two threads are inside together. */
static struct {
	volatile uint64_t count;
} __attribute__((aligned(CACHELINE))) shared;

static struct {
	volatile int go;
	volatile int stop;
	int ready;
} __attribute__((aligned(CACHELINE))) ctl;

struct worker {
	pthread_t t;
	unsigned idx;
	int cpu; /* -1: not pinned */
	uint64_t ops;
	double cpu_time; /* ns of CPU time while measuring */
} __attribute__((aligned(CACHELINE)));

static struct worker workers[MAX_THREADS];
static int cpus[MAX_THREADS]; /* CPUs we may run on, in order */
static unsigned ncpus_allowed;
static int pinned_ok = 1;

static const char *opt_round = "1";

static double clock_ns(clockid_t c)
{
	struct timespec ts;
	clock_gettime(c, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static double now_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

/* CPU time of the calling thread: compared with wall time it shows whether
 * the OS let the thread run for the whole measurement. */
static double cpu_ns(void)
{
	return clock_ns(CLOCK_THREAD_CPUTIME_ID);
}

__attribute__((format(printf, 1, 2))) _Noreturn static void die(const char *fmt, ...)
{
	va_list ap;
	fflush(stdout);
	fprintf(stderr, "bench %s: ", LOCK_NAME);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	exit(1);
}

static void pin(int cpu)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (pthread_setaffinity_np(pthread_self(), sizeof set, &set) != 0)
		__atomic_store_n(&pinned_ok, 0, __ATOMIC_RELAXED);
}

static void find_cpus(void)
{
	cpu_set_t set;
	if (sched_getaffinity(0, sizeof set, &set) != 0) {
		pinned_ok = 0;
		return;
	}
	for (int c = 0; c < CPU_SETSIZE && ncpus_allowed < MAX_THREADS; c++)
		if (CPU_ISSET(c, &set))
			cpus[ncpus_allowed++] = c;
}

static int cpu_for(unsigned idx)
{
	return ncpus_allowed ? cpus[idx % ncpus_allowed] : -1;
}

/* The measured operation; identical for every lock. */
/* always_inline: the loop around it is the same for every lock, whatever
 * the lock's size (gcc inlined the small ones only). */
static inline __attribute__((always_inline)) void op(void)
{
	LOCK_ACQUIRE(bench_lock);
	shared.count = shared.count + 1;
	LOCK_RELEASE(bench_lock);
}

static void check_exclusion(const char *what, uint64_t ops)
{
	if (shared.count != ops)
		die("MUTUAL EXCLUSION VIOLATED (%s): counter %lu, operations %lu", what,
		    (unsigned long)shared.count, (unsigned long)ops);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double median(double *v, unsigned n)
{
	qsort(v, n, sizeof *v, cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void uncontended(uint64_t iters, unsigned reps)
{
	double ns[64], tsc[64], share[64];
	if (reps > 64)
		reps = 64;
	if (cpu_for(0) >= 0)
		pin(cpu_for(0));
	LOCK_THREAD_INIT(0);
	shared.count = 0;
	for (uint64_t i = 0; i < iters / 10; i++) /* warm up caches and branch predictors */
		op();
	for (unsigned r = 0; r < reps; r++) {
		double t0 = now_ns(), u0 = cpu_ns();
		uint64_t c0 = __builtin_ia32_rdtsc();
		for (uint64_t i = 0; i < iters; i++)
			op();
		uint64_t c1 = __builtin_ia32_rdtsc();
		double t1 = now_ns();
		share[r] = (cpu_ns() - u0) / (t1 - t0);
		ns[r] = (t1 - t0) / (double)iters;
		tsc[r] = (double)(c1 - c0) / (double)iters;
	}
	check_exclusion("uncontended", iters / 10 + iters * reps);
	double m = median(ns, reps);
	printf("%s,%s,uncontended,1,%.2f,%.1f,%.0f,,,,,%d,%.3f\n", opt_round, LOCK_NAME, m,
	       median(tsc, reps), 1e9 / m, pinned_ok, median(share, reps));
}

static void *worker_main(void *p)
{
	struct worker *w = p;
	if (w->cpu >= 0)
		pin(w->cpu);
	LOCK_THREAD_INIT(w->idx);
	__atomic_add_fetch(&ctl.ready, 1, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&ctl.go, __ATOMIC_ACQUIRE))
		__builtin_ia32_pause();
	uint64_t n = 0;
	double u0 = cpu_ns();
	while (!__atomic_load_n(&ctl.stop, __ATOMIC_RELAXED)) {
		op();
		n++;
	}
	w->cpu_time = cpu_ns() - u0;
	w->ops = n;
	return 0;
}

static void throughput(unsigned nthreads, unsigned ms)
{
	shared.count = 0;
	ctl.go = 0;
	ctl.stop = 0;
	ctl.ready = 0;
	for (unsigned i = 0; i < nthreads; i++) {
		workers[i] = (struct worker){ .idx = i, .cpu = cpu_for(i) };
		int e = pthread_create(&workers[i].t, 0, worker_main, &workers[i]);
		if (e)
			die("pthread_create: %s (thread %u of %u)", strerror(e), i, nthreads);
	}
	while (__atomic_load_n(&ctl.ready, __ATOMIC_ACQUIRE) != (int)nthreads)
		sched_yield();
	double t0 = now_ns();
	__atomic_store_n(&ctl.go, 1, __ATOMIC_RELEASE);
	struct timespec d = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };
	while (nanosleep(&d, &d) != 0 && errno == EINTR)
		;
	__atomic_store_n(&ctl.stop, 1, __ATOMIC_RELAXED);
	double t1 = now_ns();
	uint64_t total = 0, mn = UINT64_MAX, mx = 0;
	double sum = 0, sum2 = 0, cpu = 0;
	for (unsigned i = 0; i < nthreads; i++) {
		pthread_join(workers[i].t, 0);
		uint64_t x = workers[i].ops;
		total += x;
		mn = x < mn ? x : mn;
		mx = x > mx ? x : mx;
		sum += (double)x;
		sum2 += (double)x * (double)x;
		cpu += workers[i].cpu_time;
	}
	check_exclusion("throughput", total);
	/* A thread the OS kept off its CPU for the whole run: not a lock bug,
	 * but the run measured fewer threads than it claims. */
	if (mn == 0)
		fprintf(stderr,
			"bench %s: a thread made no progress in %u ms with %u threads "
			"(descheduled? the machine is busy)\n",
			LOCK_NAME, ms, nthreads);
	double secs = (t1 - t0) / 1e9;
	printf("%s,%s,throughput,%u,%.2f,,%.0f,%lu,%lu,%.3f,%.4f,%d,%.3f\n", opt_round, LOCK_NAME,
	       nthreads, (t1 - t0) / (double)total, (double)total / secs, (unsigned long)mn,
	       (unsigned long)mx, mn ? (double)mx / (double)mn : 1e9,
	       sum * sum / ((double)nthreads * sum2), pinned_ok,
	       cpu / ((double)nthreads * (t1 - t0)));
}

#define USAGE "[--round=R] [--ms=D] [--iters=I] [--reps=K] [--threads=N] [--record]"
static const char *prog;

/* A bad command line: what is wrong, the usage, exit 2. */
__attribute__((format(printf, 1, 2))) _Noreturn static void bad_arg(const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "bench %s: ", LOCK_NAME);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nusage: %s " USAGE "\n", prog);
	exit(2);
}

/* A decimal number in lo..hi (a run must end: no absurd sizes). */
static unsigned long arg_num(const char *s, const char *name, unsigned long lo, unsigned long hi)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);
	if (!*s || *end || *s == '-' || *s == '+' || *s == ' ')
		bad_arg("%s: not a number: %s", name, s);
	if (v < lo || v > hi)
		bad_arg("%s: %s is out of range %lu..%lu", name, s, lo, hi);
	return v;
}

int main(int argc, char **argv)
{
	unsigned long ms = 200, iters = 1000000, reps = 7;
	int record = 0;
	prog = argv[0];
	long online = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned long maxthreads = online < 2 ? 2 : (unsigned long)online;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strncmp(a, "--round=", 8))
			opt_round = a + 8;
		else if (!strncmp(a, "--ms=", 5))
			ms = arg_num(a + 5, "--ms", 1, 60000);
		else if (!strncmp(a, "--iters=", 8))
			iters = arg_num(a + 8, "--iters", 1, 1000000000);
		else if (!strncmp(a, "--reps=", 7))
			reps = arg_num(a + 7, "--reps", 1, 64);
		else if (!strncmp(a, "--threads=", 10))
			maxthreads = arg_num(a + 10, "--threads", 1, MAX_THREADS);
		else if (!strcmp(a, "--record"))
			record = 1;
		else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			printf("usage: %s " USAGE "\n", prog);
			return 0;
		} else
			bad_arg("unknown option %s", a);
	}

	find_cpus();
#ifdef LOCK_RECORD
	if (record)
		LOCK_RECORD();
#else
	(void)record;
#endif
	LOCK_INIT(bench_lock);
	uncontended(iters, (unsigned)reps);
	for (unsigned n = 1; n <= maxthreads; n++)
		throughput(n, (unsigned)ms);
	return 0;
}
