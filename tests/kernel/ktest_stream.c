/*
 * stream_bench: how fast events are logged and, with record=1, streamed
 * (docs/record-replay.md, "Live stream").  One thread per CPU appends
 * stream_events= events (default 1000000, shared out) to a counter object
 * of its own: no lock and no wait, so the time is the log's and the
 * stream's.  Prints "bench: stream_bench N events in T ms (E events/s)".
 */
#include "boot/kargs.h"
#include "dev/timer.h"
#include "lib/ktest.h"
#include "lib/printfmt.h"
#include "log/counter.h"
#include "log/log.h"
#include "mp/cpu.h"
#include "thread/thread.h"

static uint64_t per_cpu;

static void appender(void *arg)
{
	struct log_obj *o = arg;
	for (uint64_t i = 0; i < per_cpu; i++) {
		const struct counter_state *s = log_state(o);
		log_append(o, COUNTER_ADD, 1, (uint64_t)(s->value + 1));
	}
}

KTEST_EXPLICIT(stream_bench)
{
	static struct thread *t[MAXCPU];
	static struct log_obj *objs[MAXCPU];
	unsigned long n;
	if (!karg_size("stream_events", 1000000, 1, 1ul << 32, &n)) {
		KT_EXPECT(!"stream_events is a number 1..2^32");
		return;
	}
	int nc = ncpu_online;
	per_cpu = n / (unsigned long)nc;
	for (int i = 0; i < nc; i++) {
		char name[LOG_NAME_MAX];
		snprintf(name, sizeof name, "sbench.%d", i);
		objs[i] = log_register(&counter_log_type, name, 0);
	}
	uint64_t t0 = nsec_since_boot();
	for (int i = 0; i < nc; i++) {
		char name[THREAD_NAME_MAX];
		snprintf(name, sizeof name, "sbench.%d", i);
		t[i] = thread_spawn(name, i, appender, objs[i]);
	}
	for (int i = 0; i < nc; i++)
		thread_join(t[i]);
	uint64_t ms = (nsec_since_boot() - t0) / 1000000, total = per_cpu * (uint64_t)nc;
	for (int i = 0; i < nc; i++)
		KT_EXPECT_EQ(objs[i]->count, per_cpu);
	kprintf("bench: stream_bench %lu events in %lu ms (%lu events/s)%s\n", total, ms,
		total * 1000 / (ms ? ms : 1), log_stream_on ? " streaming" : "");
}
