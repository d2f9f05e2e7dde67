/*
 * A free list threaded through the free pages themselves (all RAM is
 * identity-mapped). A bitmap of "free" bits catches double frees and frees
 * of pages the allocator never owned.
 */
#include "mm/palloc.h"

#include <stddef.h>

#include "lib/panic.h"
#include "lib/spinlock.h"
#include "lib/string.h"

#define MAX_PHYS (64ull << 30) /* pages above 64 GiB are not used */
#define NPAGES_MAX (MAX_PHYS / PGSIZE)

extern char _end[];

struct freepage {
	struct freepage *next;
};

static struct spinlock lk = SPINLOCK_INIT("palloc");
static struct freepage *freelist;
static uint64_t nfree, ntotal, top;
static uint8_t freebits[NPAGES_MAX / 8];

static int isfree(uint64_t pn)
{
	return freebits[pn / 8] >> (pn % 8) & 1;
}
static void setfree(uint64_t pn, int f)
{
	if (f)
		freebits[pn / 8] |= (uint8_t)(1u << (pn % 8));
	else
		freebits[pn / 8] &= (uint8_t) ~(1u << (pn % 8));
}

static void push(uint64_t pa)
{
	struct freepage *p = (struct freepage *)(uintptr_t)pa;
	p->next = freelist;
	freelist = p;
	setfree(pa / PGSIZE, 1);
	nfree++;
}

static int reserved(const struct bootinfo *bi, uint64_t pa)
{
	if (pa < (uint64_t)(uintptr_t)_end) /* low memory, the trampoline, the kernel */
		return 1;
	for (int i = 0; i < bi->nmods; i++)
		if (pa + PGSIZE > bi->mods[i].start && pa < bi->mods[i].end)
			return 1;
	return 0;
}

void palloc_init(const struct bootinfo *bi)
{
	for (int i = 0; i < bi->nmmap; i++) {
		const struct boot_mmap *m = &bi->mmap[i];
		if (m->type != MMAP_AVAILABLE)
			continue;
		uint64_t start = (m->base + PGSIZE - 1) & ~(uint64_t)(PGSIZE - 1);
		uint64_t end = (m->base + m->len) & ~(uint64_t)(PGSIZE - 1);
		if (end > MAX_PHYS)
			end = MAX_PHYS;
		if (end > top)
			top = end;
		/* Push high to low so that palloc() hands out low pages first. */
		for (uint64_t pa = end; pa > start;) {
			pa -= PGSIZE;
			if (!reserved(bi, pa)) {
				push(pa);
				ntotal++;
			}
		}
	}
}

void *palloc(void)
{
	spin_acquire(&lk);
	struct freepage *p = freelist;
	if (p) {
		freelist = p->next;
		setfree((uintptr_t)p / PGSIZE, 0);
		nfree--;
	}
	spin_release(&lk);
	if (p)
		memset(p, 0, PGSIZE);
	return p;
}

void pfree(void *page)
{
	uint64_t pa = (uintptr_t)page;
	if ((pa & (PGSIZE - 1)) || pa < (uint64_t)(uintptr_t)_end || pa >= top)
		panic("pfree: %p is not a page of the allocator", page);
	spin_acquire(&lk);
	if (isfree(pa / PGSIZE))
		panic("pfree: double free of page %p", page);
	push(pa);
	spin_release(&lk);
}

uint64_t palloc_nfree(void)
{
	return nfree;
}
uint64_t palloc_ntotal(void)
{
	return ntotal;
}
uint64_t mem_top(void)
{
	return top;
}
