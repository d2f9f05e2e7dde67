/* In-kernel tests of the kernel heap. */
#include "lib/ktest.h"
#include "mm/kmalloc.h"
#include "mm/palloc.h"

/* Blocks of every size class are 64-byte aligned, zeroed, do not overlap,
 * and once freed leave the heap (and palloc) as they found it: slabs go
 * back to palloc, buddies merge back. */
#define NBLK 48
static uint8_t *blk[NBLK];

static size_t blk_size(int i)
{
	static const size_t sizes[] = { 1, 40, 64, 65, 200, 512, 1000, 1024, 1025, 4096, 4097,
					8192, 12000, 65536, 300000, 1u << 20 };
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
	for (int i = 0; i < NBLK; i += 2)	/* every other one, then the rest: merges */
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
