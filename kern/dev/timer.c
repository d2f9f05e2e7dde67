#include "dev/timer.h"

#include "x86.h"

#define PIT_HZ 1193182u

static uint64_t tsc_per_sec;
static uint64_t tsc_boot;

void pit_wait_ms(uint32_t ms)
{
	uint32_t count = PIT_HZ * ms / 1000;
	uint8_t gate = inb(0x61);
	outb(0x61, (uint8_t)((gate & ~0x02) | 0x01));	/* gate on, speaker off */
	outb(0x43, 0xb0);				/* channel 2, lobyte/hibyte, mode 0 */
	outb(0x42, (uint8_t)count);
	outb(0x42, (uint8_t)(count >> 8));
	while (!(inb(0x61) & 0x20))			/* OUT2 goes high at terminal count */
		cpu_relax();
	outb(0x61, gate);
}

void tsc_calibrate(void)
{
	tsc_boot = rdtsc();
	uint64_t t0 = rdtsc();
	pit_wait_ms(10);
	tsc_per_sec = (rdtsc() - t0) * 100;
	if (tsc_per_sec == 0)
		tsc_per_sec = 1000000000ull;	/* never divide by zero later */
}

uint64_t tsc_hz(void)
{
	return tsc_per_sec;
}

uint64_t nsec_since_boot(void)
{
	uint64_t d = rdtsc() - tsc_boot;
	return d / tsc_per_sec * 1000000000ull + d % tsc_per_sec * 1000000000ull / tsc_per_sec;
}

void udelay(uint64_t us)
{
	uint64_t end = rdtsc() + tsc_per_sec / 1000000 * us;
	while (rdtsc() < end)
		cpu_relax();
}
