/*
 * Finding the MADT in physical memory: the RSDP comes from the multiboot2
 * copy (GRUB, also on UEFI machines) or from a scan of the EBDA and the BIOS
 * area; it points at the XSDT (ACPI 2+) or RSDT. Parsing is in madt.c.
 */
#include "mp/acpi.h"

#include <stddef.h>

#include "lib/kprintf.h"
#include "lib/string.h"
#include "mp/acpi_tables.h"
#include "mp/madt.h"

static const struct acpi_rsdp *find_rsdp(const struct bootinfo *bi)
{
	if (bi->has_rsdp && acpi_find_rsdp(bi->rsdp, sizeof(bi->rsdp)))
		return (const struct acpi_rsdp *)bi->rsdp;
	/* The EBDA segment is at 0x40e; gcc 12 wrongly warns on this fixed low address
	 * unless built with --param=min-pagesize=0 (see kern.mk). */
	uint64_t ebda = (uint64_t)(*(volatile uint16_t *)0x40e) << 4;
	const struct acpi_rsdp *r = NULL;
	if (ebda >= 0x80000 && ebda < 0xa0000)
		r = acpi_find_rsdp((const void *)(uintptr_t)ebda, 1024);
	if (!r)
		r = acpi_find_rsdp((const void *)0xe0000, 0x20000);
	return r;
}

const struct acpi_sdt_header *acpi_find_table(const struct bootinfo *bi, const char sig[4])
{
	const struct acpi_rsdp *r = find_rsdp(bi);
	if (!r)
		return NULL;
	int wide = r->revision >= 2 && r->xsdt_address;
	const struct acpi_sdt_header *root =
		(const void *)(uintptr_t)(wide ? r->xsdt_address : r->rsdt_address);
	if (!acpi_checksum_ok(root, root->length)) {
		kprintf("acpi: root table checksum bad, ignored\n");
		return NULL;
	}
	size_t esize = wide ? 8 : 4;
	size_t n = (root->length - sizeof(*root)) / esize;
	const uint8_t *ents = (const uint8_t *)(root + 1);
	for (size_t i = 0; i < n; i++) {
		uint64_t pa = 0;
		memcpy(&pa, ents + i * esize, esize);
		const struct acpi_sdt_header *h = (const void *)(uintptr_t)pa;
		if (h && memcmp(h->signature, sig, 4) == 0)
			return h;
	}
	return NULL;
}
