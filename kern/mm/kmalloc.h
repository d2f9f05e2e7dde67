/*
 * Kernel heap for blocks of any size (the logs' object records, rings,
 * registry tables, snapshots and traces): zeroed, 64-byte aligned, given
 * back with the size they were asked with.  See kmalloc.c for the classes.
 */
#ifndef MM_KMALLOC_H
#define MM_KMALLOC_H

#include <stddef.h>
#include <stdint.h>

#define KMALLOC_MAX (16u << 20) /* the largest block (the multi-page area) */

void *kmalloc(size_t bytes);       /* NULL when out of memory or bytes > KMALLOC_MAX */
void kfree(void *p, size_t bytes); /* bytes as given to kmalloc; NULL is ignored */

struct kmalloc_stats {
	uint64_t in_use;     /* bytes of blocks handed out (rounded to their class) */
	uint64_t slab_pages; /* palloc pages holding small blocks */
	uint64_t big_free;   /* bytes free in the multi-page area */
};
void kmalloc_stats(struct kmalloc_stats *s);

#endif
