/* In-kernel tests of devices: timers, interrupts, the console. */
#include "boot/kargs.h"
#include "dev/console.h"
#include "dev/lapic.h"
#include "dev/timer.h"
#include "lib/ktest.h"
#include "lib/printfmt.h"
#include "lib/string.h"
#include "mp/cpu.h"
#include "trap/trapframe.h"
#include "x86.h"

/*
 * The TSC and the LAPIC timer were calibrated and agree: every CPU ticks, at
 * no more than about HZ. The floor is loose on purpose: QEMU drops periodic
 * ticks that fall due while a vCPU thread is descheduled (measured: 38 of 200
 * on a loaded 2-core host) instead of catching up, so only a stopped or
 * grossly slow timer fails it; the ceiling catches a timer running fast.
 */
KTEST(timer_ticks)
{
	KT_EXPECT(tsc_hz() > 1000000);
	KT_EXPECT(lapic_timer_hz() > 10000);
	uint64_t before[MAXCPU];
	for (int i = 0; i < ncpu; i++)
		before[i] = cpus[i].ticks;
	udelay(200000);			/* 200 ms: HZ / 5 ticks each */
	for (int i = 0; i < ncpu; i++) {
		uint64_t n = cpus[i].ticks - before[i];
		if (n < HZ / 50 || n > HZ * 2 / 5)
			kprintf("    # cpu %d: %lu ticks in 200 ms at %d Hz\n", i, n, HZ);
		KT_EXPECT(n >= HZ / 50 && n <= HZ * 2 / 5);
	}
}

/* A self-IPI is delivered to a registered handler, once per send. */
#define T_TEST 0x60
static volatile int self_ipis;
static void on_test_ipi(struct trapframe *tf)
{
	self_ipis++;
}

KTEST(self_ipi)
{
	irq_register(T_TEST, on_test_ipi);
	for (int i = 0; i < 10; i++) {
		lapic_send_ipi(thiscpu()->apic_id, T_TEST);
		for (int spin = 0; spin < 1000000 && self_ipis <= i; spin++)
			cpu_relax();
	}
	KT_EXPECT_EQ(self_ipis, 10);
}

/* The freestanding build of the formatter agrees with what the host tests check. */
KTEST(kernel_snprintf)
{
	char buf[64];
	snprintf(buf, sizeof(buf), "%d|%5u|%-4x|%08lx|%s|%c", -42, 7u, 0xabu, 0xdeadbeeful, "ok", 'z');
	KT_EXPECT(strcmp(buf, "-42|    7|ab  |deadbeef|ok|z") == 0);
}

/* Every CPU prints 1000 lines at once; the driver checks that no line is torn. */
static void flood(void *arg)
{
	for (int i = 0; i < 1000; i++)
		kprintf("flood cpu=%02u line=%04d abcdefghijklmnopqrstuvwxyz0123456789\n", cpuid_self(), i);
}

KTEST_EXPLICIT(console_flood)
{
	smp_call_all(flood, 0);
}

/*
 * Interrupt-driven console input: the driver types a line on the serial port
 * after the prompt; it must arrive whole through the COM1 interrupt and the ring.
 */
KTEST_EXPLICIT(console_input)
{
	char line[64];
	size_t n = 0;
	kprintf("# console_input: type a line\n");
	uint64_t deadline = nsec_since_boot() + 20000000000ull;
	while (n < sizeof(line) - 1 && nsec_since_boot() < deadline) {
		int c = cons_getc();
		if (c < 0) {
			sti_hlt();
			continue;
		}
		if (c == '\r' || c == '\n')
			break;
		line[n++] = (char)c;
	}
	line[n] = 0;
	kprintf("# console_input: got '%s'\n", line);
	const char *want = karg("expect");
	KT_EXPECT(want != 0 && strcmp(line, want) == 0);
}
