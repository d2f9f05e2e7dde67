/*
 * The workloads of the seeded bugs (docs/explore.md "Seeded bugs").  Each
 * passes on a normal build under every schedule; a kernel built with
 * BUGS=... (kern/kern.mk) compiles a small, realistic mistake into one of
 * them that goes wrong only under some interleavings, for `make explore`
 * to find and the detectors to name:
 *
 *   bug_lost_wakeup  BUG_LOST_WAKEUP: a hand-rolled sleep lets its lock go
 *                    before it marks itself asleep (lost wakeup)
 *   bug_lock_order   BUG_LOCK_ORDER: one thread takes two locks the other
 *                    way round on a rare path (deadlock cycle)
 *   bug_chan_race    BUG_CHAN_UNLOCKED (in kern/thread/chan.c): a send
 *                    publishes its message outside the channel's lock
 *                    (mutual-exclusion violation)
 */
#include "lib/ktest.h"
#include "lock/lock.h"
#include "thread/chan.h"
#include "thread/sched.h"
#include "thread/thread.h"

/*
 * bug_lost_wakeup: two threads on two CPUs pass a token back and forth
 * through two one-slot boxes, LW_ROUNDS times.  A taker that finds its box
 * empty registers itself as the box's sleeper and sleeps; a putter fills
 * the box and wakes the registered sleeper, both under the box's lock.
 */
#define LW_ROUNDS 3

struct lw_box {
	struct lock lock;
	int full;
	struct thread *sleeper;
};
static struct lw_box lw_box[2];
static unsigned lw_taken[2];

static void lw_take(struct lw_box *b)
{
	lock_acquire(&b->lock);
	while (!b->full) {
		b->sleeper = thread_self();
#ifdef BUG_LOST_WAKEUP
		/* The seeded bug: the lock goes before the thread is marked
		 * asleep.  A putter in between finds it awake, spends its wakeup
		 * on it, and the sleep below never ends. */
		lock_release(&b->lock);
		sched_sleep_prepare_on("bug.lw box", lock_dbg(&b->lock)->log);
#else
		sched_sleep_prepare_on("bug.lw box", lock_dbg(&b->lock)->log);
		lock_release(&b->lock);
#endif
		sched_block();
		lock_acquire(&b->lock);
	}
	b->full = 0;
	lock_release(&b->lock);
}

static void lw_put(struct lw_box *b)
{
	lock_acquire(&b->lock);
	b->full = 1;
	struct thread *t = b->sleeper;
	b->sleeper = 0;
	if (t)
		sched_wakeup(t);
	lock_release(&b->lock);
}

static void lw_thread(void *arg)
{
	int me = (int)(uintptr_t)arg;
	for (int i = 0; i < LW_ROUNDS; i++) {
		if (me == 0)
			lw_put(&lw_box[0]);
		lw_take(&lw_box[me ^ 1]);
		lw_taken[me]++;
		if (me == 1)
			lw_put(&lw_box[1]);
	}
}

KTEST_CPUS(bug_lost_wakeup, 2)
{
	static const char *const names[2] = { "bug.lw.0", "bug.lw.1" };
	for (int i = 0; i < 2; i++) {
		lock_init(&lw_box[i].lock, LOCK_TICKET, names[i]);
		lw_box[i].full = 0;
		lw_box[i].sleeper = 0;
		lw_taken[i] = 0;
	}
	struct thread *t0 = thread_spawn("bug.lw.ping", 0, lw_thread, (void *)0);
	struct thread *t1 = thread_spawn("bug.lw.pong", 1, lw_thread, (void *)1);
	KT_EXPECT(t0 && t1);
	if (t0)
		thread_join(t0);
	if (t1)
		thread_join(t1);
	KT_EXPECT_EQ(lw_taken[0], LW_ROUNDS);
	KT_EXPECT_EQ(lw_taken[1], LW_ROUNDS);
	for (int i = 0; i < 2; i++)
		lock_destroy(&lw_box[i].lock);
}

/*
 * bug_lock_order: two threads on two CPUs add to a sum guarded by two
 * locks, taken a then b, LO_ROUNDS times each.
 */
#define LO_ROUNDS 6

static struct lock lo_a, lo_b;
static uint64_t lo_sum;

static void lo_thread(void *arg)
{
	int me = (int)(uintptr_t)arg;
	for (int i = 0; i < LO_ROUNDS; i++) {
#ifdef BUG_LOCK_ORDER
		/* The seeded bug: every third round thread 1 "only needs b
		 * first" and takes the locks the other way round; with thread 0
		 * holding a and waiting for b at that moment, a cycle. */
		bool reverse = me == 1 && i % 3 == 2;
#else
		bool reverse = false;
#endif
		struct lock *first = reverse ? &lo_b : &lo_a, *second = reverse ? &lo_a : &lo_b;
		lock_acquire(first);
		lock_acquire(second);
		lo_sum += (uint64_t)me + 1;
		lock_release(second);
		lock_release(first);
	}
}

KTEST_CPUS(bug_lock_order, 2)
{
	lock_init(&lo_a, LOCK_TICKET, "bug.lo.a");
	lock_init(&lo_b, LOCK_TICKET, "bug.lo.b");
	lo_sum = 0;
	struct thread *t0 = thread_spawn("bug.lo.0", 0, lo_thread, (void *)0);
	struct thread *t1 = thread_spawn("bug.lo.1", 1, lo_thread, (void *)1);
	KT_EXPECT(t0 && t1);
	if (t0)
		thread_join(t0);
	if (t1)
		thread_join(t1);
	KT_EXPECT_EQ(lo_sum, 3 * LO_ROUNDS);
	lock_destroy(&lo_a);
	lock_destroy(&lo_b);
}

/*
 * bug_chan_race: a sender on cpu 0 sends one message on a channel whose
 * receiver runs on cpu 1; the receiver must get exactly its words.
 */
#define CR_CHAN 200 /* channel id of this test */
#define CR_WORDS 4

static uint32_t cr_got[CR_WORDS];
static int cr_recv_n, cr_send_n;

static void cr_receiver(void *arg)
{
	cr_recv_n = chan_recv(CR_CHAN, cr_got, CR_WORDS);
}

static void cr_sender(void *arg)
{
	static const uint32_t words[CR_WORDS] = { 11, 22, 33, 44 };
	cr_send_n = chan_send(CR_CHAN, words, CR_WORDS);
}

KTEST_CPUS(bug_chan_race, 2)
{
	cr_recv_n = cr_send_n = -1;
	for (int i = 0; i < CR_WORDS; i++)
		cr_got[i] = 0;
	KT_EXPECT_EQ(chan_create(CR_CHAN, thread_self()->id), 0);
	struct thread *r = thread_spawn("bug.cr.recv", 1, cr_receiver, 0);
	struct thread *s = thread_spawn("bug.cr.send", 0, cr_sender, 0);
	KT_EXPECT(r && s);
	if (s)
		thread_join(s);
	if (r)
		thread_join(r);
	KT_EXPECT_EQ(cr_send_n, CR_WORDS);
	KT_EXPECT_EQ(cr_recv_n, CR_WORDS);
	KT_EXPECT_EQ(cr_got[0] + cr_got[1] + cr_got[2] + cr_got[3], 110);
	chan_destroy(CR_CHAN);
}
