/*
 * uvm.h - user address spaces.
 *
 * A process's page table shares the kernel's identity map (every PML4 slot
 * but the user one, supervisor-only, global) and owns PML4 slot 1, which
 * is exactly [USER_LO, USER_HI) (uapi/syscall.h).  Every page under it,
 * page-table pages included, is charged to the process's container, so a
 * process can never hold more memory than its quota.
 *
 * Pages are reserved on first touch (the seed's ptResv): a page fault in
 * the range, or a system call reading or writing a user buffer there,
 * maps a zeroed page if the container has quota left.  Nothing is ever
 * unmapped while the space lives, which is why a buffer checked by
 * uvm_copyin/out cannot go away under the copy.  The copies go through
 * the identity map (physical addresses), so they work whatever CR3 the
 * calling CPU has loaded: a receiver copies from a sender's space.
 */
#ifndef MM_UVM_H
#define MM_UVM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "uapi/syscall.h"

struct uvm {
	uint64_t *pml4;
	uint32_t container; /* pays for every page below */
	uint64_t pages;     /* pages held (tables included) */
};

/* Boot: check the kernel map leaves PML4 slot 1 free. */
void uvm_init(void);
/* A new, empty space charged to `container`; false without quota or memory. */
bool uvm_create(struct uvm *vm, uint32_t container);
/* Free every page (back to the container, cleared on reuse by palloc). */
void uvm_destroy(struct uvm *vm);
/* Physical address of the page holding va, reserving it (zeroed) if it is
 * in range and missing; 0 if va is outside [USER_LO, USER_HI) or the quota
 * is exhausted.  `write`: the page must be writable (every user page is). */
uint64_t uvm_page(struct uvm *vm, uint64_t va, bool reserve);
/* The page holding va, reserved if missing, may be written by the program. */
bool uvm_writable(struct uvm *vm, uint64_t va);
/* Program loading: reserve a page read-only and not executable, then
 * grant what the segments on it need (a page two segments share gets both). */
bool uvm_load_page(struct uvm *vm, uint64_t va);
void uvm_grant(struct uvm *vm, uint64_t va, uint64_t n, bool write, bool exec);
/* Back to read-only, not executable (before the grants). */
void uvm_revoke(struct uvm *vm, uint64_t va, uint64_t n);
/* Copy between kernel memory and the user range; false (nothing or part
 * copied) if any byte is outside the range or cannot be reserved. */
bool uvm_copyin(struct uvm *vm, void *dst, uint64_t uva, size_t n);
/* (copyout also fails on a page the program may not write: its text.) */
bool uvm_copyout(struct uvm *vm, uint64_t uva, const void *src, size_t n);
/* A NUL-terminated string of at most max bytes (NUL included); false if it
 * is longer, or unreadable. */
bool uvm_copyinstr(struct uvm *vm, char *dst, uint64_t uva, size_t max);
/* [uva, uva + n) lies inside the user range (no overflow). */
bool uvm_range_ok(uint64_t uva, uint64_t n);

#endif
