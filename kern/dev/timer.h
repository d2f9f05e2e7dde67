/* Time: the TSC (rate from the hypervisor, or measured against the PIT), for delays and time stamps. */
#ifndef DEV_TIMER_H
#define DEV_TIMER_H

#include <stdint.h>

void tsc_calibrate(void);
uint64_t tsc_hz(void);
uint64_t nsec_since_boot(void);
void udelay(uint64_t us);

#endif
