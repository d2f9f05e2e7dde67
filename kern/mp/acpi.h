/* ACPI table lookup in physical memory (identity-mapped). */
#ifndef MP_ACPI_H
#define MP_ACPI_H

#include "boot/bootinfo.h"
#include "mp/acpi_tables.h"

/* The first table with this signature, e.g. "APIC" for the MADT; NULL if none. */
const struct acpi_sdt_header *acpi_find_table(const struct bootinfo *bi, const char sig[4]);

#endif
