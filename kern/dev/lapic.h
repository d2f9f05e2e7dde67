/* Local APIC (xAPIC, memory-mapped): IPIs, EOI, the per-CPU timer. */
#ifndef DEV_LAPIC_H
#define DEV_LAPIC_H

#include <stdint.h>

/* From the MADT, on the boot CPU: also picks xAPIC or x2APIC mode. */
void lapic_set_base(uint64_t phys, int allow_x2apic);
int lapic_x2apic(void);
void lapic_init(void); /* on each CPU: enable, spurious vector, timer */
int lapic_ready(void);
uint32_t lapic_id(void);
void lapic_eoi(void);
void lapic_send_ipi(uint32_t apic_id, int vector);
void lapic_send_nmi_others(void);
void lapic_send_init(uint32_t apic_id);
void lapic_send_sipi(uint32_t apic_id, uint32_t page);
#define HZ 1000 /* timer ticks per second on every CPU */

void lapic_timer_calibrate(void);    /* boot CPU, once, after tsc_calibrate: against the TSC */
void lapic_timer_start(uint32_t hz); /* periodic, on the calling CPU */
uint64_t lapic_timer_hz(void);       /* bus ticks per second (after calibration) */

#endif
