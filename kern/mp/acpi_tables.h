/*
 * ACPI table layouts (ACPI 6.x), as found in memory: packed, little-endian.
 * Only what the kernel reads: RSDP, the common SDT header, and the MADT
 * ("APIC") with the entry types used for SMP and interrupt routing.
 */
#ifndef KERN_MP_ACPI_TABLES_H
#define KERN_MP_ACPI_TABLES_H

#include <stdint.h>

#define ACPI_PACKED __attribute__((packed))

#define ACPI_RSDP_SIGNATURE "RSD PTR " /* 8 bytes, no NUL */
#define ACPI_RSDP_V1_SIZE 20           /* bytes covered by checksum */
#define ACPI_RSDP_V2_SIZE 36           /* minimal length for revision >= 2 */

/* Root System Description Pointer; revision 0 is ACPI 1.0 (first 20 bytes only). */
struct acpi_rsdp {
	char signature[8];
	uint8_t checksum; /* bytes 0..19 sum to 0 */
	char oem_id[6];
	uint8_t revision; /* 0: ACPI 1.0, 2: ACPI 2.0+ */
	uint32_t rsdt_address;
	/* ACPI 2.0+ only: */
	uint32_t length; /* of the whole structure */
	uint64_t xsdt_address;
	uint8_t extended_checksum; /* all length bytes sum to 0 */
	uint8_t reserved[3];
} ACPI_PACKED;

/* Header common to every System Description Table (RSDT, XSDT, MADT, ...). */
struct acpi_sdt_header {
	char signature[4];
	uint32_t length; /* of the whole table, header included */
	uint8_t revision;
	uint8_t checksum; /* all length bytes sum to 0 */
	char oem_id[6];
	char oem_table_id[8];
	uint32_t oem_revision;
	uint32_t creator_id;
	uint32_t creator_revision;
} ACPI_PACKED;

#define ACPI_MADT_SIGNATURE "APIC"

/* Multiple APIC Description Table; variable-length entries follow. */
struct acpi_madt {
	struct acpi_sdt_header hdr;
	uint32_t lapic_address; /* 32-bit physical address of the local APICs */
	uint32_t flags;         /* ACPI_MADT_PCAT_COMPAT */
} ACPI_PACKED;

#define ACPI_MADT_PCAT_COMPAT 0x1 /* dual 8259 PICs present (mask them) */

enum acpi_madt_type {
	ACPI_MADT_LAPIC = 0,
	ACPI_MADT_IOAPIC = 1,
	ACPI_MADT_ISO = 2, /* interrupt source override */
	ACPI_MADT_NMI_SOURCE = 3,
	ACPI_MADT_LAPIC_NMI = 4,
	ACPI_MADT_LAPIC_ADDR_OVERRIDE = 5,
	ACPI_MADT_X2APIC = 9,
	ACPI_MADT_X2APIC_NMI = 10,
};

struct acpi_madt_entry_header {
	uint8_t type;
	uint8_t length; /* of the whole entry, header included */
} ACPI_PACKED;

/* Processor local APIC / x2APIC flags. */
#define ACPI_MADT_ENABLED 0x1
#define ACPI_MADT_ONLINE_CAPABLE 0x2 /* may be enabled later (ACPI 6.3+) */

/* Type 0 (8 bytes). */
struct acpi_madt_lapic {
	struct acpi_madt_entry_header h;
	uint8_t acpi_processor_uid;
	uint8_t apic_id;
	uint32_t flags;
} ACPI_PACKED;

/* Type 1 (12 bytes). */
struct acpi_madt_ioapic {
	struct acpi_madt_entry_header h;
	uint8_t ioapic_id;
	uint8_t reserved;
	uint32_t address;  /* physical */
	uint32_t gsi_base; /* first global system interrupt it handles */
} ACPI_PACKED;

/* Type 2 (10 bytes): ISA IRQ source is delivered as GSI gsi. */
struct acpi_madt_iso {
	struct acpi_madt_entry_header h;
	uint8_t bus; /* 0: ISA */
	uint8_t source;
	uint32_t gsi;
	uint16_t flags; /* ACPI_MPS_* polarity and trigger mode */
} ACPI_PACKED;

/* MPS INTI flags, used by ISO and NMI entries. */
#define ACPI_MPS_POLARITY_MASK 0x3
#define ACPI_MPS_POLARITY_CONFORMS 0x0
#define ACPI_MPS_POLARITY_HIGH 0x1
#define ACPI_MPS_POLARITY_LOW 0x3
#define ACPI_MPS_TRIGGER_MASK 0xC
#define ACPI_MPS_TRIGGER_CONFORMS 0x0
#define ACPI_MPS_TRIGGER_EDGE 0x4
#define ACPI_MPS_TRIGGER_LEVEL 0xC

/* Type 4 (6 bytes): which LINT pin of which processor(s) is wired to NMI. */
struct acpi_madt_lapic_nmi {
	struct acpi_madt_entry_header h;
	uint8_t acpi_processor_uid; /* 0xFF: all processors */
	uint16_t flags;             /* ACPI_MPS_* */
	uint8_t lint;               /* 0 or 1 */
} ACPI_PACKED;

/* Type 5 (12 bytes): 64-bit local APIC address, replaces acpi_madt.lapic_address. */
struct acpi_madt_lapic_addr_override {
	struct acpi_madt_entry_header h;
	uint16_t reserved;
	uint64_t address;
} ACPI_PACKED;

/* Type 9 (16 bytes): processor with an x2APIC id (used for ids >= 255). */
struct acpi_madt_x2apic {
	struct acpi_madt_entry_header h;
	uint16_t reserved;
	uint32_t x2apic_id;
	uint32_t flags;
	uint32_t acpi_processor_uid;
} ACPI_PACKED;

_Static_assert(sizeof(struct acpi_rsdp) == 36, "RSDP layout");
_Static_assert(sizeof(struct acpi_sdt_header) == 36, "SDT header layout");
_Static_assert(sizeof(struct acpi_madt) == 44, "MADT layout");
_Static_assert(sizeof(struct acpi_madt_lapic) == 8, "MADT LAPIC layout");
_Static_assert(sizeof(struct acpi_madt_ioapic) == 12, "MADT IOAPIC layout");
_Static_assert(sizeof(struct acpi_madt_iso) == 10, "MADT ISO layout");
_Static_assert(sizeof(struct acpi_madt_lapic_nmi) == 6, "MADT LAPIC NMI layout");
_Static_assert(sizeof(struct acpi_madt_lapic_addr_override) == 12, "MADT LAPIC override layout");
_Static_assert(sizeof(struct acpi_madt_x2apic) == 16, "MADT x2APIC layout");

#endif /* KERN_MP_ACPI_TABLES_H */
