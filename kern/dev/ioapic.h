/* I/O APIC: routes device interrupt lines (GSIs) to a CPU's vector. */
#ifndef DEV_IOAPIC_H
#define DEV_IOAPIC_H

#include <stdint.h>

void ioapic_init(uint64_t phys, uint32_t gsi_base); /* masks every input */
/* An ISA IRQ wired to another GSI, or with non-default polarity/trigger (MADT type 2). */
void ioapic_add_override(uint8_t irq, uint32_t gsi, uint16_t flags);
/* Deliver ISA IRQ irq (after overrides) as vector on the CPU with this APIC id. */
void ioapic_route_isa(int irq, int vector, uint32_t apic_id);

#endif
