/* Physical page allocator: every available 4 KiB page of the multiboot memory map. */
#ifndef MM_PALLOC_H
#define MM_PALLOC_H

#include <stdint.h>

#include "boot/bootinfo.h"

#define PGSIZE 4096

void palloc_init(const struct bootinfo *bi);
void *palloc(void);     /* a zeroed page, or NULL when memory is exhausted */
void pfree(void *page); /* panics on a page that is not ours or already free */
uint64_t palloc_nfree(void);
uint64_t palloc_ntotal(void);
uint64_t mem_top(void); /* end of the highest available RAM region */

#endif
