/*
 * malloc.c - a small first-fit allocator over a heap that grows from `end`
 * (the linker script's first byte after .bss) towards the stack.
 *
 * The kernel maps a page of the process's range on its first touch, charged
 * to the process's quota, so growing the heap is just moving `heap_top`: a
 * process that touches more pages than its quota allows is killed (that is
 * `fault quota`).  Free blocks are kept in address order and merged with
 * their neighbours.  Blocks are 16-byte aligned, with a 16-byte header.
 */
#include "ulib.h"

extern char end[];

struct block {
	size_t size;        /* bytes, header included, a multiple of 16 */
	struct block *next; /* next free block by address (free blocks only) */
};

#define ALIGN 16ul
/* The heap stops this far below the stack's top: the stack's pages and a gap. */
#define HEAP_LIMIT (USER_STACK_TOP - (USER_STACK_PAGES + 256) * PAGE_SIZE)

static struct block *free_list;
static uintptr_t heap_top;

static uintptr_t align_up(uintptr_t v, uintptr_t a)
{
	return (v + a - 1) & ~(a - 1);
}

void *malloc(size_t n)
{
	struct block **pp, *b;
	size_t size;

	if (n == 0)
		n = 1;
	if (n > HEAP_LIMIT - USER_LO)
		return NULL;
	size = align_up(n, ALIGN) + sizeof(struct block);

	for (pp = &free_list; (b = *pp) != NULL; pp = &b->next) {
		if (b->size < size)
			continue;
		if (b->size - size >= 2 * sizeof(struct block)) {
			struct block *rest = (struct block *)((char *)b + size);
			rest->size = b->size - size;
			rest->next = b->next;
			*pp = rest;
			b->size = size;
		} else {
			*pp = b->next;
		}
		return b + 1;
	}

	if (heap_top == 0)
		heap_top = align_up((uintptr_t)end, ALIGN);
	if (size > HEAP_LIMIT - heap_top)
		return NULL;
	b = (struct block *)heap_top;
	heap_top += size;
	b->size = size;
	return b + 1;
}

void *calloc(size_t n, size_t size)
{
	void *p;

	if (size != 0 && n > (size_t)-1 / size)
		return NULL;
	p = malloc(n * size);
	if (p != NULL)
		memset(p, 0, n * size);
	return p;
}

void free(void *p)
{
	struct block *b, *prev = NULL, *next;

	if (p == NULL)
		return;
	b = (struct block *)p - 1;
	for (next = free_list; next != NULL && next < b; next = next->next)
		prev = next;
	b->next = next;
	if (next != NULL && (char *)b + b->size == (char *)next) {
		b->size += next->size;
		b->next = next->next;
	}
	if (prev == NULL) {
		free_list = b;
	} else if ((char *)prev + prev->size == (char *)b) {
		prev->size += b->size;
		prev->next = b->next;
	} else {
		prev->next = b;
	}
}
