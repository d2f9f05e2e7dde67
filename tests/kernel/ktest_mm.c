/* In-kernel tests of the page allocator and the kernel page tables. */
#include "lib/ktest.h"
#include "mm/palloc.h"
#include "mm/vm.h"
#include "mp/cpu.h"
#include "x86.h"

#define N 1000
static void *pages[N];

/* Pages are distinct, aligned, zeroed, and every one comes back. */
KTEST(palloc_distinct_zeroed)
{
	uint64_t before = palloc_nfree();
	for (int i = 0; i < N; i++) {
		pages[i] = palloc();
		KT_EXPECT(pages[i] != 0);
		if (!pages[i])
			return;
		KT_EXPECT(((uintptr_t)pages[i] & (PGSIZE - 1)) == 0);
		const uint64_t *w = pages[i];
		int zero = 1;
		for (int k = 0; k < PGSIZE / 8; k++)
			zero &= w[k] == 0;
		KT_EXPECT(zero);
		__builtin_memset(pages[i], 0xa5, PGSIZE); /* dirty: the next palloc must clear */
	}
	KT_EXPECT_EQ(palloc_nfree(), before - N);
	/* Distinct: mark each page with its index and read every mark back. */
	for (int i = 0; i < N; i++)
		*(uint64_t *)pages[i] = (uint64_t)i;
	for (int i = 0; i < N; i++)
		KT_EXPECT_EQ(*(uint64_t *)pages[i], (uint64_t)i);
	for (int i = 0; i < N; i++)
		pfree(pages[i]);
	KT_EXPECT_EQ(palloc_nfree(), before);
}

/* Every CPU runs on the kernel's page tables, and the top of RAM is mapped 1:1. */
static volatile uint64_t cr3_seen[MAXCPU];
static void read_cr3(void *arg)
{
	cr3_seen[cpuid_self()] = rcr3();
}

KTEST(kernel_page_tables)
{
	smp_call_all(read_cr3, 0);
	for (int i = 0; i < ncpu; i++)
		KT_EXPECT_EQ(cr3_seen[i], kvm_cr3());
	volatile uint64_t *top = (volatile uint64_t *)(uintptr_t)(mem_top() - 8);
	uint64_t old = *top;
	*top = 0x1122334455667788ull;
	KT_EXPECT_EQ(*top, 0x1122334455667788ull);
	*top = old;
}
