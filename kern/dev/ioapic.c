#include "dev/ioapic.h"

#include "lib/kprintf.h"

#define REG_ID 0x00
#define REG_VER 0x01
#define REG_TABLE 0x10 /* redirection entry n: low dword at 0x10 + 2n */
#define RED_MASKED 0x10000
#define RED_LEVEL 0x8000
#define RED_ACTIVELOW 0x2000

static volatile uint32_t *ioapic;
static uint32_t gsi0, npins;
static struct {
	uint32_t gsi;
	uint16_t flags;
	int set;
} isa[16];

static uint32_t rd(uint32_t reg)
{
	ioapic[0] = reg;
	return ioapic[4];
}

static void wr(uint32_t reg, uint32_t v)
{
	ioapic[0] = reg;
	ioapic[4] = v;
}

void ioapic_init(uint64_t phys, uint32_t gsi_base)
{
	ioapic = (volatile uint32_t *)phys;
	gsi0 = gsi_base;
	npins = ((rd(REG_VER) >> 16) & 0xff) + 1;
	for (uint32_t i = 0; i < npins; i++) {
		wr(REG_TABLE + 2 * i, RED_MASKED);
		wr(REG_TABLE + 2 * i + 1, 0);
	}
}

void ioapic_add_override(uint8_t irq, uint32_t gsi, uint16_t flags)
{
	if (irq < 16)
		isa[irq] = (typeof(isa[0])){ gsi, flags, 1 };
}

void ioapic_route_isa(int irq, int vector, uint32_t apic_id)
{
	uint32_t gsi = isa[irq].set ? isa[irq].gsi : (uint32_t)irq;
	uint32_t lo = (uint32_t)vector;
	/* MPS INTI flags: polarity bits 0-1 (3 = active low), trigger bits 2-3 (3 = level). */
	if (isa[irq].set && (isa[irq].flags & 3) == 3)
		lo |= RED_ACTIVELOW;
	if (isa[irq].set && ((isa[irq].flags >> 2) & 3) == 3)
		lo |= RED_LEVEL;
	if (!ioapic || gsi < gsi0 || gsi - gsi0 >= npins) {
		kprintf("ioapic: cannot route irq %d (gsi %u)\n", irq, gsi);
		return;
	}
	uint32_t pin = gsi - gsi0;
	wr(REG_TABLE + 2 * pin + 1, apic_id << 24);
	wr(REG_TABLE + 2 * pin, lo);
}
