/*
 * What the boot loader told us, copied out of the multiboot1 or multiboot2
 * information before low memory is reused (QEMU puts it near 0x9500, next to
 * where the AP trampoline goes). Pure parsing: also built into host tests.
 */
#ifndef BOOT_BOOTINFO_H
#define BOOT_BOOTINFO_H

#include <stdint.h>

#define MB1_BOOT_MAGIC 0x2BADB002u
#define MB2_BOOT_MAGIC 0x36d76289u

#define BOOT_MAX_MMAP 64
#define BOOT_MAX_MODS 16
#define MMAP_AVAILABLE 1

struct boot_mmap {
	uint64_t base, len;
	uint32_t type; /* 1 = available RAM */
};

struct boot_module {
	uint64_t start, end; /* physical, end exclusive */
	char cmdline[128];
};

struct bootinfo {
	int version; /* 1 or 2 */
	char loader[64];
	char cmdline[512];
	int nmmap, nmods;
	struct boot_mmap mmap[BOOT_MAX_MMAP];
	struct boot_module mods[BOOT_MAX_MODS];
	uint64_t info_start, info_end; /* where the loader's own structure lies */
	int has_rsdp;                  /* multiboot2 hands over a copy of the ACPI RSDP */
	uint8_t rsdp[36];
};

/* Returns 0, or -1 with *why set when magic or layout is not multiboot. */
int bootinfo_parse(struct bootinfo *bi, uint32_t magic, const void *info, const char **why);

#endif
