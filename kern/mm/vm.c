/*
 * The kernel address space: all physical memory identity-mapped with 2 MiB
 * pages (at least the low 4 GiB, where the APIC MMIO lives), global, and the
 * APIC/IOAPIC window uncached. User mappings come later, in per-process tables.
 */
#include "mm/vm.h"

#include "boot/layout.h"
#include "lib/panic.h"
#include "mm/palloc.h"
#include "x86.h"

#define MMIO_START 0xfe000000ull /* IOAPIC 0xfec00000, LAPIC 0xfee00000 */

static uint64_t *kpml4;

static uint64_t *zalloc_table(void)
{
	uint64_t *t = palloc();
	if (!t)
		panic("kvm_init: out of memory for page tables");
	return t;
}

/* The table that entry idx of table points to, allocated on first use. */
static uint64_t *next_level(uint64_t *table, uint64_t idx)
{
	if (!(table[idx] & PTE_P))
		table[idx] = (uintptr_t)zalloc_table() | PTE_P | PTE_W;
	return (uint64_t *)(uintptr_t)(table[idx] & ~0xfffull);
}

void kvm_init(void)
{
	uint64_t top = mem_top() > (4ull << 30) ? mem_top() : (4ull << 30);
	top = (top + (1ull << 30) - 1) & ~((1ull << 30) - 1);
	kpml4 = zalloc_table();
	for (uint64_t pa = 0; pa < top; pa += 1ull << 21) {
		uint64_t *pdpt = next_level(kpml4, pa >> 39 & 511);
		uint64_t *pd = next_level(pdpt, pa >> 30 & 511);
		uint64_t flags = PTE_P | PTE_W | PTE_PS | PTE_G;
		if (pa >= MMIO_START && pa < (4ull << 30))
			flags |= PTE_PCD | PTE_PWT;
		pd[pa >> 21 & 511] = pa | flags;
	}
	lcr3((uintptr_t)kpml4);
}

uint64_t kvm_cr3(void)
{
	return (uintptr_t)kpml4;
}
