/*
 * Pure ACPI parsing from memory buffers: finding the RSDP and decoding the
 * MADT. No hardware access and no mapping: the caller hands in bytes it has
 * already made readable.
 */
#ifndef KERN_MP_MADT_H
#define KERN_MP_MADT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "acpi_tables.h"

#define MADT_MAX_CPUS 256
#define MADT_MAX_IOAPICS 8
#define MADT_MAX_ISOS 16
#define MADT_MAX_NMIS 16

#define MADT_DEFAULT_LAPIC_ADDR 0xFEE00000u

/* True if the len bytes at p sum to 0 mod 256 (the ACPI checksum rule). */
bool acpi_checksum_ok(const void *p, size_t len);

/*
 * Scans [base, base+len) at 16-byte aligned addresses for "RSD PTR " with a
 * valid checksum; for revision >= 2 the extended length must fit in the
 * buffer and the extended checksum must be valid too. A candidate failing
 * these is skipped and the scan goes on. Returns NULL if none is found.
 * The BIOS areas to pass are the first KiB of the EBDA and 0xE0000-0xFFFFF.
 */
const struct acpi_rsdp *acpi_find_rsdp(const void *base, size_t len);

struct madt_cpu {
	uint32_t apic_id;    /* local APIC id (x2APIC id for x2apic entries) */
	uint32_t acpi_uid;   /* ACPI processor UID */
	bool enabled;        /* usable now */
	bool online_capable; /* not enabled, but can be brought online later */
	bool x2apic;         /* came from a type 9 (x2APIC) entry */
};

struct madt_ioapic {
	uint8_t id;
	uint32_t address; /* physical MMIO base */
	uint32_t gsi_base;
};

struct madt_iso {
	uint8_t bus;        /* 0: ISA */
	uint8_t source_irq; /* bus-relative IRQ, e.g. 0 for the PIT */
	uint32_t gsi;       /* global system interrupt it is wired to */
	uint16_t flags;     /* ACPI_MPS_* polarity and trigger */
};

struct madt_nmi {
	uint8_t acpi_uid; /* 0xFF: all processors */
	uint8_t lint;     /* LINT0 or LINT1 */
	uint16_t flags;   /* ACPI_MPS_* */
};

struct madt_info {
	uint64_t lapic_addr;        /* physical; from type 5 when present */
	bool lapic_addr_overridden; /* a type 5 entry was seen */
	uint32_t flags;             /* ACPI_MADT_PCAT_COMPAT */

	/*
     * Processors (types 0 and 9). Entries with neither the enabled nor the
     * online-capable flag are unusable: only counted, in n_cpus_unusable.
     * n_cpus_total counts all usable ones; the first MADT_MAX_CPUS of them
     * are stored in cpus[0..n_cpus), in table order.
     */
	uint32_t n_cpus;
	uint32_t n_cpus_total;
	uint32_t n_cpus_enabled; /* of n_cpus_total, those with the enabled flag */
	uint32_t n_cpus_unusable;
	struct madt_cpu cpus[MADT_MAX_CPUS];

	/* For each kind: n_x stored (at most the array size), n_x_total seen. */
	uint32_t n_ioapics, n_ioapics_total;
	struct madt_ioapic ioapics[MADT_MAX_IOAPICS];
	uint32_t n_isos, n_isos_total;
	struct madt_iso isos[MADT_MAX_ISOS];
	uint32_t n_nmis, n_nmis_total; /* type 4 only */
	struct madt_nmi nmis[MADT_MAX_NMIS];

	uint32_t n_other_entries; /* entries of types not decoded here */
};

enum madt_error {
	MADT_OK = 0,
	MADT_ERR_NULL = -1,           /* NULL table or output */
	MADT_ERR_TOO_SHORT = -2,      /* buffer or header length smaller than the MADT header */
	MADT_ERR_SIGNATURE = -3,      /* signature is not "APIC" */
	MADT_ERR_LENGTH = -4,         /* header length larger than the buffer */
	MADT_ERR_CHECKSUM = -5,       /* table bytes do not sum to 0 */
	MADT_ERR_ENTRY_ZERO_LEN = -6, /* entry length 0 or 1 (would never advance) */
	MADT_ERR_ENTRY_OVERRUN = -7,  /* entry runs past the end of the table */
	MADT_ERR_ENTRY_SHORT = -8,    /* entry shorter than its type's layout */
};

/*
 * Decodes the MADT at madt (len readable bytes; the table's own length field
 * decides how many are used). Fills *out (fully overwritten) and returns
 * MADT_OK, or a negative enum madt_error; after an error *out holds what was
 * decoded before the bad entry.
 */
int madt_parse(const void *madt, size_t len, struct madt_info *out);

/* Short English description of a madt_parse() result, e.g. "bad checksum". */
const char *madt_strerror(int err);

#endif /* KERN_MP_MADT_H */
