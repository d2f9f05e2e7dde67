/*
 * uvm.c - user address spaces (uvm.h).
 */
#include "mm/uvm.h"

#include "boot/layout.h"
#include "lib/panic.h"
#include "lib/string.h"
#include "mm/container.h"
#include "mm/palloc.h"
#include "mm/vm.h"

#define USER_SLOT 1 /* PML4 index of USER_LO */
_Static_assert(USER_LO == (uint64_t)USER_SLOT << 39 && USER_HI == USER_LO + (1ull << 39),
	       "the user range is exactly one PML4 slot");

#define PTE_ADDR 0x000ffffffffff000ull
#define PTE_UPERM (PTE_P | PTE_W | PTE_U)
#define PTE_NX (1ull << 63) /* EFER.NXE is on (boot/entry.S) */

void uvm_init(void)
{
	const uint64_t *k = (const uint64_t *)(uintptr_t)kvm_cr3();
	if (k[USER_SLOT] & PTE_P)
		panic("uvm: the kernel's map reaches the user range (more than 512 GiB of RAM)");
}

static uint64_t *table(uint64_t e)
{
	return (uint64_t *)(uintptr_t)(e & PTE_ADDR);
}

static void *page_get(struct uvm *vm)
{
	void *p = container_alloc_page(vm->container);
	if (p)
		vm->pages++;
	return p;
}

static void page_put(struct uvm *vm, void *p)
{
	container_free_page(vm->container, p);
	vm->pages--;
}

bool uvm_create(struct uvm *vm, uint32_t container)
{
	vm->container = container;
	vm->pages = 0;
	vm->pml4 = page_get(vm);
	if (!vm->pml4)
		return false;
	/* Kernel slots: the same lower tables as the kernel's own map, so a
	 * kernel mapping is seen by every space at once. */
	memcpy(vm->pml4, (const void *)(uintptr_t)kvm_cr3(), PGSIZE);
	vm->pml4[USER_SLOT] = 0;
	return true;
}

/* Free a user table level (`level` 3: PDPT .. 1: PT) and what it maps. */
static void free_level(struct uvm *vm, uint64_t *t, int level)
{
	for (int i = 0; i < 512; i++) {
		if (!(t[i] & PTE_P))
			continue;
		if (level > 1)
			free_level(vm, table(t[i]), level - 1);
		else
			page_put(vm, table(t[i]));
	}
	page_put(vm, t);
}

void uvm_destroy(struct uvm *vm)
{
	if (!vm->pml4)
		return;
	if (vm->pml4[USER_SLOT] & PTE_P)
		free_level(vm, table(vm->pml4[USER_SLOT]), 3);
	page_put(vm, vm->pml4);
	vm->pml4 = 0;
	if (vm->pages)
		panic("uvm: %lu pages left after destroy", vm->pages);
}

bool uvm_range_ok(uint64_t uva, uint64_t n)
{
	return uva >= USER_LO && uva <= USER_HI && n <= USER_HI - uva;
}

/* The present leaf entry for va, reserving (a zeroed page with `leaf`
 * permissions, and the tables above it) if it is missing; NULL if va is
 * outside the range or the quota is exhausted. */
static uint64_t *pte_get(struct uvm *vm, uint64_t va, bool reserve, uint64_t leaf)
{
	if (va < USER_LO || va >= USER_HI)
		return 0;
	uint64_t *t = vm->pml4;
	for (int shift = 39; shift > 12; shift -= 9) {
		uint64_t *e = &t[va >> shift & 511];
		if (!(*e & PTE_P)) {
			if (!reserve)
				return 0;
			void *p = page_get(vm);
			if (!p)
				return 0;
			*e = (uintptr_t)p | PTE_UPERM;
		}
		t = table(*e);
	}
	uint64_t *pte = &t[va >> 12 & 511];
	if (!(*pte & PTE_P)) {
		if (!reserve)
			return 0;
		void *p = page_get(vm);
		if (!p)
			return 0;
		*pte = (uintptr_t)p | leaf;
	}
	return pte;
}

uint64_t uvm_page(struct uvm *vm, uint64_t va, bool reserve)
{
	uint64_t *pte = pte_get(vm, va, reserve, PTE_UPERM | PTE_NX);
	return pte ? *pte & PTE_ADDR : 0;
}

bool uvm_writable(struct uvm *vm, uint64_t va)
{
	uint64_t *pte = pte_get(vm, va, true, PTE_UPERM | PTE_NX);
	return pte && (*pte & PTE_W);
}

bool uvm_load_page(struct uvm *vm, uint64_t va)
{
	return pte_get(vm, va, true, PTE_P | PTE_U | PTE_NX) != 0;
}

void uvm_revoke(struct uvm *vm, uint64_t va, uint64_t n)
{
	for (uint64_t a = va & ~0xfffull; a < va + n; a += PGSIZE) {
		uint64_t *pte = pte_get(vm, a, false, 0);
		if (pte)
			*pte = (*pte & ~PTE_W) | PTE_NX;
	}
}

void uvm_grant(struct uvm *vm, uint64_t va, uint64_t n, bool write, bool exec)
{
	for (uint64_t a = va & ~0xfffull; a < va + n; a += PGSIZE) {
		uint64_t *pte = pte_get(vm, a, false, 0);
		if (!pte)
			continue;
		if (write)
			*pte |= PTE_W;
		if (exec)
			*pte &= ~PTE_NX;
	}
}

/* Walk [uva, uva + n) page by page; `fn` copies each piece. */
static bool walk(struct uvm *vm, uint64_t uva, size_t n, void *kbuf, bool out)
{
	if (!uvm_range_ok(uva, n))
		return false;
	uint8_t *k = kbuf;
	while (n > 0) {
		/* Copies go through the identity map, past the page's own
		 * permissions: writing into a read-only page is refused here. */
		uint64_t *pte = pte_get(vm, uva, true, PTE_UPERM | PTE_NX);
		if (!pte || (out && !(*pte & PTE_W)))
			return false;
		uint64_t pa = *pte & PTE_ADDR;
		size_t off = uva & (PGSIZE - 1), len = PGSIZE - off;
		if (len > n)
			len = n;
		uint8_t *u = (uint8_t *)(uintptr_t)(pa + off);
		if (out)
			memcpy(u, k, len);
		else
			memcpy(k, u, len);
		uva += len;
		k += len;
		n -= len;
	}
	return true;
}

bool uvm_copyin(struct uvm *vm, void *dst, uint64_t uva, size_t n)
{
	return walk(vm, uva, n, dst, false);
}

bool uvm_copyout(struct uvm *vm, uint64_t uva, const void *src, size_t n)
{
	return walk(vm, uva, n, (void *)(uintptr_t)src, true);
}

bool uvm_copyinstr(struct uvm *vm, char *dst, uint64_t uva, size_t max)
{
	/* A page at a time: bytes after the NUL on the same page are read too,
	 * harmlessly (the page is the string's). */
	for (size_t i = 0; i < max;) {
		size_t len = PGSIZE - ((uva + i) & (PGSIZE - 1));
		if (len > max - i)
			len = max - i;
		if (!uvm_copyin(vm, dst + i, uva + i, len))
			return false;
		if (memchr(dst + i, 0, len))
			return true;
		i += len;
	}
	return false;
}
