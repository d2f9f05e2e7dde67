/* Per-CPU GDT and TSS layouts (selectors in boot/layout.h). */
#ifndef TRAP_GDT_H
#define TRAP_GDT_H

#include <stdint.h>

struct tss {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7]; /* ist[0] is IST1: NMI and double fault run on their own stacks */
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __attribute__((packed));
_Static_assert(sizeof(struct tss) == 104, "TSS is 104 bytes");

/* null, kcode, kdata, udata, ucode, tss (16 bytes: two slots) */
struct gdt {
	uint64_t seg[7];
};

#define IST_NMI 1
#define IST_DF 2

#endif
