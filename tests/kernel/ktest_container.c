/*
 * Containers: the seed's quota rules (split, charge, E_MEM past the quota,
 * reclaim), and quota conservation under contention: threads on every CPU
 * charging one container get exactly its quota, no page more.
 */
#include "lib/ktest.h"
#include "lib/printfmt.h"
#include "mm/container.h"
#include "mm/palloc.h"
#include "mp/cpu.h"
#include "thread/errno.h"
#include "thread/sched.h"
#include "thread/thread.h"

KTEST(container_rules)
{
	const struct container_state *root = container_get(0);
	KT_EXPECT(root != 0);
	uint64_t free0 = palloc_nfree();
	int a = container_split(0, 10);
	KT_EXPECT(a > 0);
	KT_EXPECT_EQ(container_get((uint32_t)a)->quota, 10);
	KT_EXPECT_EQ(container_get((uint32_t)a)->parent, 0);
	/* A child cannot take more than its parent can spare. */
	KT_EXPECT_EQ(container_split((uint32_t)a, 11), -E_MEM);
	int b = container_split((uint32_t)a, 4);
	KT_EXPECT_EQ(b, a * CONTAINER_MAX_CHILDREN + 1); /* the seed's id rule */
	/* a: quota 10 = 4 for b + 6 of its own. */
	void *pages[8];
	int got = 0;
	for (int i = 0; i < 8; i++)
		if ((pages[i] = container_alloc_page((uint32_t)a)))
			got++;
	KT_EXPECT_EQ(got, 6);
	KT_EXPECT_EQ(container_get((uint32_t)a)->usage, 6);
	KT_EXPECT(!container_charge((uint32_t)a, 1));              /* E_MEM */
	KT_EXPECT_EQ(container_destroy((uint32_t)a), -E_INVAL_ID); /* not empty */
	for (int i = 0; i < 8; i++)
		if (pages[i])
			container_free_page((uint32_t)a, pages[i]);
	KT_EXPECT_EQ(container_get((uint32_t)a)->usage, 0);
	KT_EXPECT_EQ(container_destroy((uint32_t)a), -E_INVAL_ID); /* b still lives */
	KT_EXPECT_EQ(container_destroy((uint32_t)b), 0);
	KT_EXPECT_EQ(container_destroy((uint32_t)a), 0);
	KT_EXPECT(container_get((uint32_t)a) == 0);
	KT_EXPECT_EQ(container_get(0)->childq, root->childq); /* quota back to the root */
	KT_EXPECT_EQ(palloc_nfree(), free0);
	KT_EXPECT_EQ(container_split(CONTAINER_MAX, 1), -E_INVAL_ID);
	KT_EXPECT_EQ(container_destroy(0), -E_INVAL_ID);
	/* The children limit. */
	int kids[CONTAINER_MAX_CHILDREN + 1];
	int c = container_split(0, CONTAINER_MAX_CHILDREN);
	KT_EXPECT(c > 0);
	for (int i = 0; i < CONTAINER_MAX_CHILDREN; i++)
		kids[i] = container_split((uint32_t)c, 1);
	KT_EXPECT_EQ(container_split((uint32_t)c, 0), -E_INVAL_ID);
	for (int i = 0; i < CONTAINER_MAX_CHILDREN; i++)
		KT_EXPECT_EQ(container_destroy((uint32_t)kids[i]), 0);
	KT_EXPECT_EQ(container_destroy((uint32_t)c), 0);
}

#define RACE_QUOTA 100
#define RACE_TRIES 60

static int race_ctr;
static volatile uint64_t race_got;

static void charger(void *arg)
{
	uint64_t mine = 0;
	for (int i = 0; i < RACE_TRIES; i++) {
		if (container_charge((uint32_t)race_ctr, 1))
			mine++;
		sched_preempt_point();
	}
	__atomic_fetch_add(&race_got, mine, __ATOMIC_RELAXED);
}

KTEST(container_quota_race)
{
	static struct thread *t[MAXCPU * 2];
	race_ctr = container_split(0, RACE_QUOTA);
	KT_EXPECT(race_ctr > 0);
	race_got = 0;
	int n = 0;
	for (int c = 0; c < ncpu_online; c++)
		for (int k = 0; k < 2; k++)
			t[n++] = thread_spawn("charger", c, charger, 0);
	for (int i = 0; i < n; i++)
		thread_join(t[i]);
	uint64_t tries = (uint64_t)n * RACE_TRIES;
	uint64_t want = tries < RACE_QUOTA ? tries : RACE_QUOTA;
	KT_EXPECT_EQ(race_got, want);
	KT_EXPECT_EQ(container_get((uint32_t)race_ctr)->usage, want);
	kprintf("# container_quota_race: %d threads tried %lu charges against quota %d: %lu "
		"granted\n",
		n, tries, RACE_QUOTA, race_got);
	container_uncharge((uint32_t)race_ctr, want);
	KT_EXPECT_EQ(container_destroy((uint32_t)race_ctr), 0);
}
