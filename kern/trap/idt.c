/* The IDT: one shared table, every vector wired to its trapentry.S stub. */
#include <stdint.h>

#include "boot/layout.h"
#include "trap/gdt.h"
#include "trap/trapframe.h"
#include "uapi/syscall.h"
#include "x86.h"

struct gate {
	uint16_t off_lo;
	uint16_t sel;
	uint8_t ist;
	uint8_t type; /* P | DPL | 0 | type (0xE: interrupt gate) */
	uint16_t off_mid;
	uint32_t off_hi;
	uint32_t zero;
} __attribute__((packed));
_Static_assert(sizeof(struct gate) == 16, "a long-mode gate is 16 bytes");

extern char vectors_start[]; /* 256 stubs, 16 bytes apart */
static struct gate idt[256] __attribute__((aligned(16)));

static void set_gate(int n, int ist, int dpl)
{
	uint64_t off = (uint64_t)(vectors_start + 16 * n);
	idt[n] = (struct gate){
		.off_lo = (uint16_t)off,
		.sel = SEG_KCODE,
		.ist = (uint8_t)ist,
		.type = (uint8_t)(0x8e | (dpl << 5)),
		.off_mid = (uint16_t)(off >> 16),
		.off_hi = (uint32_t)(off >> 32),
	};
}

void idt_init(void)
{
	for (int n = 0; n < 256; n++)
		set_gate(n, 0, 0);
	/* NMI (panic stop) and double fault must work even on a broken stack. */
	set_gate(T_NMI, IST_NMI, 0);
	set_gate(T_DBLFLT, IST_DF, 0);
	/* int3 from anywhere, for debugging. */
	set_gate(T_BRKPT, 0, 3);
	/* System calls (uapi/syscall.h). */
	set_gate(T_SYSCALL, 0, 3);
}

void idt_load(void)
{
	struct dtr d = { sizeof(idt) - 1, (uint64_t)idt };
	lidt(&d);
}
