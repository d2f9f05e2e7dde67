/* In-kernel tests of the kernel heap and of the object registry at scale. */
#include "lib/ktest.h"
#include "lib/printfmt.h"
#include "log/counter.h"
#include "log/log.h"
#include "mm/kmalloc.h"
#include "mm/palloc.h"

/* Blocks of every size class are 64-byte aligned, zeroed, do not overlap,
 * and once freed leave the heap (and palloc) as they found it: slabs go
 * back to palloc, buddies merge back. */
#define NBLK 48
static uint8_t *blk[NBLK];

static size_t blk_size(int i)
{
	static const size_t sizes[] = { 1,    40,   64,   65,   200,   512,   1000,   1024,
					1025, 4096, 4097, 8192, 12000, 65536, 300000, 1u << 20 };
	return sizes[i % (int)(sizeof sizes / sizeof sizes[0])];
}

KTEST(kmalloc_classes)
{
	struct kmalloc_stats s0, s1;
	uint64_t free0 = palloc_nfree();
	kmalloc_stats(&s0);
	for (int i = 0; i < NBLK; i++) {
		size_t n = blk_size(i);
		blk[i] = kmalloc(n);
		KT_EXPECT(blk[i] != 0);
		if (!blk[i])
			return;
		KT_EXPECT(((uintptr_t)blk[i] & 63) == 0);
		int zero = 1;
		for (size_t k = 0; k < n; k++)
			zero &= blk[i][k] == 0;
		KT_EXPECT(zero);
		__builtin_memset(blk[i], i + 1, n);
	}
	/* No block was written by another's memset. */
	for (int i = 0; i < NBLK; i++) {
		int same = 1;
		for (size_t k = 0; k < blk_size(i); k++)
			same &= blk[i][k] == (uint8_t)(i + 1);
		KT_EXPECT(same);
	}
	for (int i = 0; i < NBLK; i += 2) /* every other one, then the rest: merges */
		kfree(blk[i], blk_size(i));
	for (int i = 1; i < NBLK; i += 2)
		kfree(blk[i], blk_size(i));
	kmalloc_stats(&s1);
	KT_EXPECT_EQ(s1.in_use, s0.in_use);
	KT_EXPECT_EQ(s1.big_free, s0.big_free);
	KT_EXPECT_EQ(s1.slab_pages, s0.slab_pages);
	KT_EXPECT_EQ(palloc_nfree(), free0);
	KT_EXPECT(kmalloc(KMALLOC_MAX + 1) == 0);
}

/* Ten thousand live objects in the kernel: registered, found by name and
 * by id, unregistered, and every byte of log memory and every page back. */
#define MANY 10000
static struct log_obj *objs[MANY];

KTEST(log_ten_thousand_objects)
{
	char name[LOG_NAME_MAX];
	struct kmalloc_stats s0, s1;
	uint64_t mem0 = log_mem_bytes(), free0 = palloc_nfree();
	unsigned live0 = log_nlive();
	kmalloc_stats(&s0);
	for (unsigned i = 0; i < MANY; i++) {
		snprintf(name, sizeof name, "ktest.obj.%u", i);
		/* rings of 1..64 events: every slab class and whole pages */
		objs[i] = log_register(&counter_log_type, name, 1u << (i % 7));
		log_append(objs[i], COUNTER_ADD, i, i);
	}
	KT_EXPECT_EQ(log_nlive(), live0 + MANY);
	unsigned found = 0;
	for (unsigned i = 0; i < MANY; i++) {
		snprintf(name, sizeof name, "ktest.obj.%u", i);
		found += log_find(name) == objs[i] && log_obj_at(objs[i]->id) == objs[i] &&
			 ((const struct counter_state *)log_state(objs[i]))->value == (int64_t)i;
	}
	KT_EXPECT_EQ(found, MANY);
	for (unsigned i = 0; i < MANY; i++)
		log_unregister(objs[i]);
	KT_EXPECT_EQ(log_nlive(), live0);
	KT_EXPECT(log_find("ktest.obj.0") == 0);
	KT_EXPECT_EQ(log_mem_bytes(), mem0);
	kmalloc_stats(&s1);
	KT_EXPECT_EQ(s1.in_use, s0.in_use);
	KT_EXPECT_EQ(s1.big_free, s0.big_free);
	KT_EXPECT_EQ(palloc_nfree(), free0);
}
