#include "dev/timer.h"

#include "lib/kprintf.h"
#include "lib/string.h"
#include "x86.h"

#define PIT_HZ 1193182u
#define CPUID1_HYPERVISOR (1u << 31)

static uint64_t tsc_per_sec;
static uint64_t tsc_boot;

/* TSC ticks while PIT channel 2 counts down ms milliseconds. */
static uint64_t tsc_over_pit(uint32_t ms)
{
	uint32_t count = PIT_HZ * ms / 1000;
	uint8_t gate = inb(0x61);
	outb(0x61, (uint8_t)((gate & ~0x02) | 0x01)); /* gate on, speaker off */
	outb(0x43, 0xb0);                             /* channel 2, lobyte/hibyte, mode 0 */
	outb(0x42, (uint8_t)count);
	outb(0x42, (uint8_t)(count >> 8)); /* counting starts */
	uint64_t t0 = rdtsc();
	while (!(inb(0x61) & 0x20)) /* OUT2 goes high at terminal count */
		cpu_relax();
	uint64_t t = rdtsc() - t0;
	outb(0x61, gate);
	return t;
}

/*
 * The TSC rate the hypervisor states, in kHz, or 0. KVM (with invtsc) and
 * VMware put it in EAX of CPUID leaf 0x40000010; other hypervisors may use
 * that leaf for something else, so only their signatures are trusted.
 */
static uint32_t hv_tsc_khz(void)
{
	uint32_t a, b, c, d;
	cpuid(1, 0, &a, &b, &c, &d);
	if (!(c & CPUID1_HYPERVISOR))
		return 0;
	uint32_t r[3];
	char sig[13];
	cpuid(0x40000000, 0, &a, &r[0], &r[1], &r[2]);
	memcpy(sig, r, 12);
	sig[12] = 0;
	if (a < 0x40000010 || (strcmp(sig, "KVMKVMKVM") != 0 && strcmp(sig, "VMwareVMware") != 0))
		return 0;
	cpuid(0x40000010, 0, &a, &b, &c, &d);
	return a;
}

/*
 * From the hypervisor where it says: under (nested) KVM every PIT access is
 * an exit, which also made the measurement read about 1% high. Else the
 * shortest of TSC_CAL_RUNS windows of TSC_CAL_MS on the PIT: a vCPU
 * descheduled inside a window only lengthens it (once, on a loaded host,
 * one 10 ms window read 16 GHz for 2.6; later the shortest of three 5 ms
 * windows did too, with a dozen QEMUs on two host cores: more, shorter
 * windows make it likelier that one runs undisturbed).
 */
#define TSC_CAL_MS 2
#define TSC_CAL_RUNS 9

void tsc_calibrate(void)
{
	tsc_boot = rdtsc();
	uint32_t khz = hv_tsc_khz();
	if (khz) {
		tsc_per_sec = khz * 1000ull;
	} else {
		uint64_t best = ~0ull;
		for (int i = 0; i < TSC_CAL_RUNS; i++) {
			uint64_t t = tsc_over_pit(TSC_CAL_MS);
			if (t < best)
				best = t;
		}
		tsc_per_sec = best * (1000 / TSC_CAL_MS);
	}
	if (tsc_per_sec == 0)
		tsc_per_sec = 1000000000ull; /* never divide by zero later */
	kprintf("tsc: %lu kHz (%s)\n", tsc_per_sec / 1000,
		khz ? "from the hypervisor" : "measured against the PIT");
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
