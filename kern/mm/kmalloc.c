/*
 * kmalloc.c - kernel heap: size classes over palloc pages, and a buddy
 * area for blocks of more than a page.
 *
 *   bytes         comes from                          freed
 *   1..1024       a slab: a palloc page cut into      to its slab; an empty
 *                 blocks of one class (64 << k), its  slab goes back to
 *                 first 64 bytes a header             palloc at once
 *   1025..4096    one palloc page                     pfree
 *   4097..16 MiB  a buddy block (4 KiB << order) of   merged with its free
 *                 a static area                       buddy, order by order
 *
 * The area exists because palloc hands out single pages from a free list,
 * never contiguous runs, and rings of locks (8 KiB), the registry's tables
 * and a trace's arrays need more than a page in one piece.
 *
 * The size given to kfree picks the class again (the log code always knows
 * it), so small blocks need no per-block header; the slab header's class
 * catches a block freed with the wrong size.  Every block is 64-byte
 * aligned: the classes are multiples of 64 starting 64 bytes into a page.
 * One spin lock (interrupts off) covers it all.
 *
 * Pages go back to palloc as soon as nothing in them is in use, so that
 * whoever counts free pages (palloc_nfree) around creating and destroying
 * logged objects finds the count it started with.
 */
#include "mm/kmalloc.h"

#include <stdbool.h>

#include "lib/panic.h"
#include "lib/spinlock.h"
#include "lib/string.h"
#include "mm/palloc.h"

#define NCLASS 5 /* 64, 128, 256, 512, 1024 */
#define SLAB_HDR 64
#define BIG_ORDERS 13 /* 4 KiB << 0..12 */
#define BIG_PAGES (1u << (BIG_ORDERS - 1))

_Static_assert(((uint64_t)PGSIZE << (BIG_ORDERS - 1)) == KMALLOC_MAX, "area is the largest block");

struct slab {
	struct slab *next, *prev; /* the class's slabs with free blocks */
	void *free;               /* free blocks, threaded through their first word */
	uint32_t nfree;
	uint32_t cls;
};
_Static_assert(sizeof(struct slab) <= SLAB_HDR, "slab header fits its reserved line");

struct fblk {
	struct fblk *next, *prev;
};

static struct spinlock lk = SPINLOCK_INIT("kmalloc");
static struct slab *partial[NCLASS];
static uint64_t in_use, slab_pages, big_free;

static uint8_t big_area[(size_t)BIG_PAGES * PGSIZE] __attribute__((aligned(PGSIZE)));
/* For the first page of a free block: its order + 1; 0 for every other page. */
static uint8_t big_mark[BIG_PAGES];
static struct fblk *big_list[BIG_ORDERS];
static bool big_ready;

static uint32_t class_size(unsigned c)
{
	return 64u << c;
}
static uint32_t per_slab(unsigned c)
{
	return (PGSIZE - SLAB_HDR) / class_size(c);
}

/* The class of a small request: the smallest 64 << c holding it. */
static unsigned class_of(size_t bytes)
{
	unsigned c = 0;
	while (class_size(c) < bytes)
		c++;
	return c;
}

static unsigned order_of(size_t bytes)
{
	unsigned o = 0;
	while (((size_t)PGSIZE << o) < bytes)
		o++;
	return o;
}

static void slab_link(struct slab *s)
{
	s->prev = 0;
	s->next = partial[s->cls];
	if (s->next)
		s->next->prev = s;
	partial[s->cls] = s;
}

static void slab_unlink(struct slab *s)
{
	if (s->prev)
		s->prev->next = s->next;
	else
		partial[s->cls] = s->next;
	if (s->next)
		s->next->prev = s->prev;
}

static void *slab_alloc(unsigned c)
{
	struct slab *s = partial[c];
	if (!s) {
		s = palloc();
		if (!s)
			return 0;
		slab_pages++;
		s->cls = c;
		s->nfree = per_slab(c);
		uint8_t *b = (uint8_t *)s + SLAB_HDR;
		for (uint32_t i = 0; i < s->nfree; i++) {
			*(void **)(b + (size_t)i * class_size(c)) = s->free;
			s->free = b + (size_t)i * class_size(c);
		}
		slab_link(s);
	}
	void *p = s->free;
	s->free = *(void **)p;
	if (--s->nfree == 0)
		slab_unlink(s);
	memset(p, 0, class_size(c));
	return p;
}

static void slab_free(void *p, unsigned c)
{
	struct slab *s = (struct slab *)((uintptr_t)p & ~(uintptr_t)(PGSIZE - 1));
	uintptr_t off = (uintptr_t)p - (uintptr_t)s;
	if (s->cls != c || off < SLAB_HDR || (off - SLAB_HDR) % class_size(c) ||
	    s->nfree >= per_slab(c))
		panic("kfree: %p is not a %u-byte block in use", p, class_size(c));
	*(void **)p = s->free;
	s->free = p;
	if (s->nfree++ == 0)
		slab_link(s);
	if (s->nfree == per_slab(c)) {
		slab_unlink(s);
		slab_pages--;
		pfree(s);
	}
}

static void big_push(uint32_t pg, unsigned o)
{
	struct fblk *b = (struct fblk *)(big_area + (size_t)pg * PGSIZE);
	b->prev = 0;
	b->next = big_list[o];
	if (b->next)
		b->next->prev = b;
	big_list[o] = b;
	big_mark[pg] = (uint8_t)(o + 1);
}

static void big_remove(uint32_t pg, unsigned o)
{
	struct fblk *b = (struct fblk *)(big_area + (size_t)pg * PGSIZE);
	if (b->prev)
		b->prev->next = b->next;
	else
		big_list[o] = b->next;
	if (b->next)
		b->next->prev = b->prev;
	big_mark[pg] = 0;
}

static void *big_alloc(unsigned o)
{
	if (!big_ready) {
		big_push(0, BIG_ORDERS - 1);
		big_free = sizeof big_area;
		big_ready = true;
	}
	unsigned j = o;
	while (j < BIG_ORDERS && !big_list[j])
		j++;
	if (j == BIG_ORDERS)
		return 0;
	uint32_t pg = (uint32_t)(((uint8_t *)big_list[j] - big_area) / PGSIZE);
	big_remove(pg, j);
	while (j > o) { /* split: the upper half stays free */
		j--;
		big_push(pg + (1u << j), j);
	}
	big_free -= (uint64_t)PGSIZE << o;
	void *p = big_area + (size_t)pg * PGSIZE;
	memset(p, 0, (size_t)PGSIZE << o);
	return p;
}

static void big_release(void *p, unsigned o)
{
	uint32_t pg = (uint32_t)(((uint8_t *)p - big_area) / PGSIZE);
	if (((uint8_t *)p - big_area) % ((uint64_t)PGSIZE << o) || big_mark[pg])
		panic("kfree: %p is not a %lu-byte block in use", p, (uint64_t)PGSIZE << o);
	big_free += (uint64_t)PGSIZE << o;
	while (o < BIG_ORDERS - 1) {
		uint32_t buddy = pg ^ (1u << o);
		if (big_mark[buddy] != o + 1)
			break;
		big_remove(buddy, o);
		pg &= ~(1u << o);
		o++;
	}
	big_push(pg, o);
}

/* Bytes a request really takes (its class), for the in-use count. */
static uint64_t rounded(size_t bytes)
{
	if (bytes <= class_size(NCLASS - 1))
		return class_size(class_of(bytes));
	if (bytes <= PGSIZE)
		return PGSIZE;
	return (uint64_t)PGSIZE << order_of(bytes);
}

void *kmalloc(size_t bytes)
{
	if (bytes == 0)
		bytes = 1;
	if (bytes > KMALLOC_MAX)
		return 0;
	void *p;
	spin_acquire(&lk);
	if (bytes <= class_size(NCLASS - 1))
		p = slab_alloc(class_of(bytes));
	else if (bytes <= PGSIZE)
		p = palloc();
	else
		p = big_alloc(order_of(bytes));
	if (p)
		in_use += rounded(bytes);
	spin_release(&lk);
	return p;
}

void kfree(void *p, size_t bytes)
{
	if (!p)
		return;
	if (bytes == 0)
		bytes = 1;
	bool big = (uint8_t *)p >= big_area && (uint8_t *)p < big_area + sizeof big_area;
	if (big != (bytes > PGSIZE) || bytes > KMALLOC_MAX)
		panic("kfree: %p freed as %lu bytes, which it was not allocated as", p,
		      (uint64_t)bytes);
	spin_acquire(&lk);
	if (bytes <= class_size(NCLASS - 1))
		slab_free(p, class_of(bytes));
	else if (bytes <= PGSIZE)
		pfree(p);
	else
		big_release(p, order_of(bytes));
	in_use -= rounded(bytes);
	spin_release(&lk);
}

void kmalloc_stats(struct kmalloc_stats *s)
{
	spin_acquire(&lk);
	s->in_use = in_use;
	s->slab_pages = slab_pages;
	s->big_free = big_ready ? big_free : sizeof big_area;
	spin_release(&lk);
}
