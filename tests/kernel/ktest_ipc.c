/*
 * IPC stress: one receiver and one sender thread on every CPU; every sender
 * sends ipc_msgs= messages (default 100) to every receiver's channel, in a
 * seeded random order, of random sizes 1..1024 words (ipc_words=N: 1..N, so
 * that channel and lock events, not copying, dominate a long run).  Every message says
 * who sent it and its number; its other words are a function of those, so
 * the receiver checks each one: nothing lost, duplicated, reordered (per
 * sender) or corrupted.  The channels' logs check the protocol themselves
 * (chan.c) and their final states are compared with what the threads saw.
 * Also: the seeds' errors for a bad channel id and a dead receiver.
 */
#include "boot/kargs.h"
#include "dev/timer.h"
#include "lib/ktest.h"
#include "lib/printfmt.h"
#include "lib/string.h"
#include "mp/cpu.h"
#include "thread/chan.h"
#include "thread/errno.h"
#include "thread/sched.h"
#include "thread/thread.h"

#define CHAN_BASE 100 /* channel ids of this test: CHAN_BASE + cpu */

static uint64_t msgs;      /* per (sender, receiver) pair */
static uint32_t max_words; /* ipc_words=: a message has 1..max_words words */
static int nthr;

static uint32_t word(uint32_t sender, uint32_t seq, uint32_t i)
{
	uint64_t x = ((uint64_t)sender << 40 | (uint64_t)seq << 12 | i) * 0x9e3779b97f4a7c15ull;
	return (uint32_t)(x >> 29);
}

static uint64_t rng_next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

struct rx {
	uint64_t got, words, bad;
	uint32_t next_seq[MAXCPU];
};
static struct rx rxs[MAXCPU];
static volatile uint64_t send_errors;

static void receiver(void *arg)
{
	int me = (int)(uintptr_t)arg;
	static uint32_t bufs[MAXCPU][CHAN_MAX_WORDS];
	uint32_t *buf = bufs[me];
	struct rx *r = &rxs[me];
	uint64_t want = msgs * (uint64_t)nthr;
	while (r->got < want) {
		int n = chan_recv(CHAN_BASE + (uint32_t)me, buf, CHAN_MAX_WORDS);
		if (n < 1) {
			r->bad++;
			break;
		}
		uint32_t sender = buf[0] >> 24, seq = buf[0] & 0xffffff;
		bool ok = sender < (uint32_t)nthr && seq == r->next_seq[sender];
		int i = 1;
		for (; ok && i < n; i++)
			ok = buf[i] == word(sender, seq, (uint32_t)i);
		if (!ok && r->bad++ == 0)
			kprintf("    # receiver %d: bad message from %u seq %u (expected seq %u), %d "
				"words, first bad word %d\n",
				me, sender, seq, sender < (uint32_t)nthr ? r->next_seq[sender] : 0,
				n, i - 1);
		if (sender < (uint32_t)nthr)
			r->next_seq[sender] = seq + 1;
		r->got++;
		r->words += (uint64_t)n;
	}
}

static void sender(void *arg)
{
	int me = (int)(uintptr_t)arg;
	static uint32_t bufs[MAXCPU][CHAN_MAX_WORDS];
	uint32_t *buf = bufs[me];
	uint32_t seq[MAXCPU] = { 0 };
	uint64_t left[MAXCPU];
	uint64_t total = msgs * (uint64_t)nthr, rng = 0x1234567ull + (uint64_t)me * 0x9e37ull;
	for (int i = 0; i < nthr; i++)
		left[i] = msgs;
	for (uint64_t k = 0; k < total; k++) {
		int to = (int)(rng_next(&rng) % (uint64_t)nthr);
		while (!left[to])
			to = (to + 1) % nthr;
		left[to]--;
		uint32_t n = 1 + (uint32_t)(rng_next(&rng) % max_words);
		buf[0] = (uint32_t)me << 24 | seq[to];
		for (uint32_t i = 1; i < n; i++)
			buf[i] = word((uint32_t)me, seq[to], i);
		seq[to]++;
		int r = chan_send(CHAN_BASE + (uint32_t)to, buf, n);
		if (r != (int)n)
			__atomic_fetch_add(&send_errors, 1, __ATOMIC_RELAXED);
		sched_preempt_point();
	}
}

KTEST(ipc_stress)
{
	static struct thread *rt[MAXCPU], *st[MAXCPU];
	nthr = ncpu_online;
	unsigned long m;
	if (!karg_size("ipc_msgs", 100, 1, 0xffffff, &m)) { /* seq has 24 bits in a message */
		KT_EXPECT(!"ipc_msgs is a number 1..16777215");
		return;
	}
	msgs = m;
	if (!karg_size("ipc_words", CHAN_MAX_WORDS, 1, CHAN_MAX_WORDS, &m)) {
		KT_EXPECT(!"ipc_words is a number 1..1024");
		return;
	}
	max_words = (uint32_t)m;
	send_errors = 0;
	memset(rxs, 0, sizeof rxs);
	uint64_t t0 = nsec_since_boot();
	bool stats_were = lock_stats_on;
	lock_stats_set(true); /* count the channel locks' contended acquisitions */
	for (int i = 0; i < nthr; i++) {
		char name[THREAD_NAME_MAX];
		snprintf(name, sizeof name, "ipc.rx.%d", i);
		/* The channel first: the receiver may run at once. */
		KT_EXPECT_EQ(chan_create(CHAN_BASE + (uint32_t)i, thread_self()->id), 0);
		rt[i] = thread_spawn(name, i, receiver, (void *)(uintptr_t)i);
		chan_get(CHAN_BASE + (uint32_t)i)->owner = rt[i]->id;
	}
	for (int i = 0; i < nthr; i++) {
		char name[THREAD_NAME_MAX];
		snprintf(name, sizeof name, "ipc.tx.%d", i);
		st[i] = thread_spawn(name, i, sender, (void *)(uintptr_t)i);
	}
	for (int i = 0; i < nthr; i++) {
		thread_join(st[i]);
		thread_join(rt[i]);
	}
	lock_stats_set(stats_were);
	uint64_t got = 0, words = 0, bad = 0, blocked = 0, ops = 0, acq = 0, waited = 0;
	for (int i = 0; i < nthr; i++) {
		struct rx *r = &rxs[i];
		got += r->got;
		words += r->words;
		bad += r->bad;
		for (int s = 0; s < nthr; s++)
			KT_EXPECT_EQ(r->next_seq[s], msgs); /* every message of every sender, once */
		struct chan *c = chan_get(CHAN_BASE + (uint32_t)i);
		const struct chan_state *cs = log_state(c->big.obj);
		KT_EXPECT_EQ(cs->messages, r->got);
		KT_EXPECT_EQ(cs->words, r->words);
		KT_EXPECT_EQ(cs->phase, CH_IDLE);
		blocked += c->blocked;
		ops += 2 * cs->messages;
		acq += lockdbg_stats(lock_dbg(&c->big.lock))->acquires;
		waited += lockdbg_stats(lock_dbg(&c->big.lock))->contended;
	}
	KT_EXPECT_EQ(got, msgs * (uint64_t)nthr * (uint64_t)nthr);
	KT_EXPECT_EQ(bad, 0);
	KT_EXPECT_EQ(send_errors, 0);
	kprintf("# ipc_stress: %lu messages, %lu words, %lu bad; %lu of %lu channel operations "
		"blocked\n",
		got, words, bad, blocked, ops);
	/* How many lock acquisitions waited is timing, not a function of the
	 * schedule: printed only where no run is compared with another. */
	const char *o = karg("oracle");
	bool compared = karg_record() || (o && strcmp(o, "hw") != 0);
	if (!compared)
		kprintf("# ipc_stress: %lu of %lu channel lock acquisitions waited\n", waited, acq);
	/* Wall time only under hw (recording or not): never under script or
	 * replay, whose output must repeat, unless bench_time=1 asks (replay
	 * time against record time); "bench:" lines are not compared. */
	if (!o || strcmp(o, "hw") == 0 || karg_ulong("bench_time", 0))
		kprintf("bench: ipc_stress took %lu ms%s\n", (nsec_since_boot() - t0) / 1000000,
			karg_record() ? " (recording)" : "");
	/* A recording keeps the channels: a trace holds the logs of the
	 * objects alive at its end, and a replay must find every object it
	 * appends to in the recording. */
	if (!karg_record() && !(o && strcmp(o, "replay") == 0))
		for (int i = 0; i < nthr; i++)
			chan_destroy(CHAN_BASE + (uint32_t)i);
}

static void sleeper(void *arg)
{
}

/* The seeds' errors: a channel id out of range, a receiver that is gone. */
KTEST(ipc_errors)
{
	uint32_t w = 7;
	KT_EXPECT_EQ(chan_send(CHAN_MAX, &w, 1), -E_INVAL_CHID);
	KT_EXPECT_EQ(chan_recv(CHAN_MAX + 5, &w, 1), -E_INVAL_CHID);
	KT_EXPECT_EQ(chan_ready(CHAN_MAX), -E_INVAL_CHID);
	KT_EXPECT_EQ(chan_send(CHAN_BASE + 99, &w, 1), -E_INVAL_CHID); /* never created */
	struct thread *t = thread_spawn("ipc.gone", 0, sleeper, 0);
	KT_EXPECT(t != 0);
	uint32_t owner = t->id;
	thread_join(t);
	KT_EXPECT_EQ(chan_create(CHAN_BASE + 99, owner), 0);
	KT_EXPECT_EQ(chan_create(CHAN_BASE + 99, owner), -E_INVAL_CHID); /* taken */
	KT_EXPECT_EQ(chan_send(CHAN_BASE + 99, &w, 1), -E_INVAL_PID);
	KT_EXPECT_EQ(chan_ready(CHAN_BASE + 99), 0);
	chan_destroy(CHAN_BASE + 99);
	KT_EXPECT(chan_get(CHAN_BASE + 99) == 0);
}

/*
 * Scale: 10,000 channels (each a log object and its lock's) and 1,000 threads
 * created and destroyed; the registry, the thread table and log memory
 * return to where they started.  Also reports the log memory one channel
 * and one thread cost.
 */
#define SCALE_CHANS 10000
#define SCALE_THREADS 1000
#define SCALE_BASE 1000 /* channel ids SCALE_BASE .. SCALE_BASE + SCALE_CHANS - 1 */

static struct lock scale_lock;
static struct cond scale_cv;
static int scale_release;

static void scale_thread(void *arg)
{
	lock_acquire(&scale_lock);
	while (!scale_release)
		cond_wait(&scale_cv, &scale_lock);
	lock_release(&scale_lock);
}

/* Log memory without the recordings: under record=1 the registry's
 * recording keeps every REG and UNREG (the run's history), so that part
 * grows by design; the rest must come back. */
static uint64_t scale_mem(void)
{
	return log_mem_bytes_objects();
}

KTEST(scale_objects)
{
	static struct thread *t[SCALE_THREADS];
	uint64_t rec0 = log_rec_mem_bytes(), mem0 = scale_mem();
	unsigned live0 = log_nlive(), threads0 = thread_count(), chans0 = chan_count();
	int bad = 0;
	for (uint32_t i = 0; i < SCALE_CHANS; i++)
		bad += chan_create(SCALE_BASE + i, thread_self()->id) != 0;
	KT_EXPECT_EQ(bad, 0);
	KT_EXPECT_EQ(log_nlive(), live0 + 2 * SCALE_CHANS);
	uint64_t per_chan = (scale_mem() - mem0) / SCALE_CHANS;
	/* Every channel is found by name and works. */
	uint32_t w = 1;
	KT_EXPECT(log_find("chan.10999") != 0);
	KT_EXPECT_EQ(chan_ready(SCALE_BASE + SCALE_CHANS - 1), 0);
	KT_EXPECT_EQ(chan_send(SCALE_BASE + SCALE_CHANS, &w, 1), -E_INVAL_CHID);
	for (uint32_t i = 0; i < SCALE_CHANS; i++)
		chan_destroy(SCALE_BASE + i);
	KT_EXPECT_EQ(chan_count(), chans0);
	KT_EXPECT_EQ(log_nlive(), live0);
	KT_EXPECT_EQ(scale_mem(), mem0);

	lock_init(&scale_lock, LOCK_TICKET, "scale.lock");
	cond_init(&scale_cv, "scale");
	scale_release = 0;
	uint64_t mem1 = scale_mem();
	int n = 0;
	for (int i = 0; i < SCALE_THREADS; i++)
		if ((t[n] = thread_spawn("scale", i % ncpu_online, scale_thread, 0)))
			n++;
	KT_EXPECT_EQ(n, SCALE_THREADS);
	KT_EXPECT_EQ(thread_count(), threads0 + (unsigned)n);
	uint64_t per_thread = (scale_mem() - mem1) / (uint64_t)(n ? n : 1);
	lock_acquire(&scale_lock);
	scale_release = 1;
	cond_broadcast(&scale_cv);
	lock_release(&scale_lock);
	for (int i = 0; i < n; i++)
		thread_join(t[i]);
	KT_EXPECT_EQ(thread_count(), threads0);
	lock_destroy(&scale_lock);
	KT_EXPECT_EQ(scale_mem(), mem0);
	kprintf("# scale_objects: %d channels and %d threads created and destroyed; log memory "
		"%lu bytes per channel, %lu per thread, back to %lu bytes",
		SCALE_CHANS, n, per_chan, per_thread, scale_mem());
	if (log_record_order)
		kprintf("; recordings %lu bytes more (the run's events, the registry's "
			"REG and UNREG among them)",
			log_rec_mem_bytes() - rec0);
	kprintf("\n");
}
