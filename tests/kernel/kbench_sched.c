/*
 * test=bench_sched (explicit): what a context switch and an IPC round trip
 * cost, in TSC ticks and in nanoseconds of the kernel's clock.  Under
 * `-icount shift=0,sleep=off` QEMU runs one guest instruction per virtual
 * nanosecond, so the ns figures are guest instructions there.
 *   switch   two threads on one CPU yield to each other
 *   ipc      a request/reply pair of one-word messages over two channels,
 *            both threads on one CPU, then on two CPUs
 */
#include "boot/kargs.h"
#include "dev/timer.h"
#include "lib/ktest.h"
#include "mp/cpu.h"
#include "thread/chan.h"
#include "thread/sched.h"
#include "thread/thread.h"
#include "x86.h"

#define BENCH_CH 200 /* channel ids of this bench: BENCH_CH, BENCH_CH + 1 */

static uint64_t rounds;
static volatile int yield_go;

static void yielder(void *arg)
{
	while (!yield_go)
		sched_yield();
	for (uint64_t i = 0; i < rounds; i++)
		sched_yield();
}

static uint64_t ns_of(uint64_t ticks)
{
	return ticks * 1000000000ull / tsc_hz();
}

static void bench_switch(void)
{
	yield_go = 0;
	struct thread *a = thread_spawn("bench.y1", 0, yielder, 0);
	struct thread *b = thread_spawn("bench.y2", 0, yielder, 0);
	sched_yield(); /* both started and waiting */
	uint64_t t0 = rdtsc();
	yield_go = 1;
	thread_join(a);
	thread_join(b);
	uint64_t per = (rdtsc() - t0) / (2 * rounds);
	kprintf("bench: context switch (yield, same cpu): %lu ticks, %lu ns\n", per, ns_of(per));
}

static void server(void *arg)
{
	uint32_t w;
	for (uint64_t i = 0; i < rounds; i++) {
		chan_recv(BENCH_CH, &w, 1);
		w++;
		chan_send(BENCH_CH + 1, &w, 1);
	}
}

static void client(void *arg)
{
	uint32_t w = 0;
	for (uint64_t i = 0; i < rounds; i++) {
		chan_send(BENCH_CH, &w, 1);
		chan_recv(BENCH_CH + 1, &w, 1);
	}
}

static void bench_ipc(int server_cpu)
{
	chan_create(BENCH_CH, 0);
	chan_create(BENCH_CH + 1, 0);
	struct thread *s = thread_spawn("bench.server", server_cpu, server, 0);
	chan_get(BENCH_CH)->owner = s->id;
	uint64_t t0 = rdtsc();
	struct thread *c = thread_spawn("bench.client", 0, client, 0);
	chan_get(BENCH_CH + 1)->owner = c->id;
	thread_join(c);
	thread_join(s);
	uint64_t per = (rdtsc() - t0) / rounds;
	kprintf("bench: ipc round trip (%s): %lu ticks, %lu ns\n",
		server_cpu == 0 ? "same cpu" : "cross cpu", per, ns_of(per));
	chan_destroy(BENCH_CH);
	chan_destroy(BENCH_CH + 1);
}

/* The parts of a switch: a yield that finds nobody else to run, and the
 * instructions that could trap to a hypervisor. */
static void bench_parts(void)
{
	uint64_t t0 = rdtsc();
	for (uint64_t i = 0; i < rounds; i++)
		sched_yield();
	uint64_t t1 = rdtsc();
	for (uint64_t i = 0; i < rounds; i++) {
		cli();
		sti();
	}
	uint64_t t2 = rdtsc();
	for (uint64_t i = 0; i < rounds; i++)
		(void)rdtsc();
	uint64_t t3 = rdtsc();
	kprintf("bench: yield to nobody %lu ns, cli+sti %lu ns, rdtsc %lu ns\n",
		ns_of((t1 - t0) / rounds), ns_of((t2 - t1) / rounds), ns_of((t3 - t2) / rounds));
}

KTEST_EXPLICIT(bench_sched)
{
	unsigned long r;
	if (!karg_size("bench_rounds", 2000, 1, 100000000, &r)) {
		KT_EXPECT(!"bench_rounds is a number 1..10^8");
		return;
	}
	rounds = r;
	bench_parts();
	bench_switch();
	bench_ipc(0);
	if (ncpu_online > 1)
		bench_ipc(1);
}
