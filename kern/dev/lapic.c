#include "dev/lapic.h"

#include "dev/timer.h"
#include "mp/cpu.h"
#include "trap/trapframe.h"
#include "x86.h"

/* Register offsets (Intel SDM vol. 3, table 11-1). */
#define ID 0x020
#define TPR 0x080
#define EOI 0x0b0
#define SVR 0x0f0
#define ESR 0x280
#define ICRLO 0x300
#define ICRHI 0x310
#define TIMER 0x320
#define LINT0 0x350
#define LINT1 0x360
#define ERROR 0x370
#define TICR 0x380
#define TCCR 0x390
#define TDCR 0x3e0

#define SVR_ENABLE 0x100
#define MASKED 0x10000
#define PERIODIC 0x20000
#define ICR_INIT 0x500
#define ICR_STARTUP 0x600
#define ICR_NMI 0x400
#define ICR_ASSERT 0x4000
#define ICR_LEVEL 0x8000
#define ICR_PENDING 0x1000
#define ICR_OTHERS 0xc0000

/*
 * Two access modes: xAPIC (registers memory-mapped, 8-bit APIC ids) and
 * x2APIC (registers are MSRs 0x800 + offset/16, 32-bit ids, the ICR one
 * 64-bit MSR). x2APIC is used where the CPU has it, unless x2apic=0; if the
 * firmware already switched it on (as on many current PCs) there is no way
 * back, so it is used then in any case.
 */
#define MSR_APIC_BASE 0x1b
#define APIC_BASE_EXTD (1u << 10) /* x2APIC mode */
#define APIC_BASE_EN (1u << 11)
#define MSR_X2APIC(reg) (0x800 + (reg) / 16)
#define CPUID1_X2APIC (1u << 21)

static volatile uint32_t *lapic;
static int x2;
static uint64_t timer_hz;

static inline uint32_t rd(int reg)
{
	return x2 ? (uint32_t)rdmsr(MSR_X2APIC(reg)) : lapic[reg / 4];
}

static inline void wr(int reg, uint32_t v)
{
	if (x2) {
		wrmsr(MSR_X2APIC(reg), v);
		return;
	}
	lapic[reg / 4] = v;
	(void)lapic[ID / 4]; /* read back: the write has reached the APIC */
}

/* Switch the calling CPU's APIC into the chosen mode (every CPU, before any access). */
static void enable_mode(void)
{
	if (x2)
		wrmsr(MSR_APIC_BASE, rdmsr(MSR_APIC_BASE) | APIC_BASE_EN | APIC_BASE_EXTD);
}

void lapic_set_base(uint64_t phys, int allow_x2apic)
{
	uint32_t a, b, c, d;
	cpuid(1, 0, &a, &b, &c, &d);
	lapic = (volatile uint32_t *)phys;
	x2 = (rdmsr(MSR_APIC_BASE) & APIC_BASE_EXTD) || (allow_x2apic && (c & CPUID1_X2APIC));
	enable_mode();
}

int lapic_ready(void)
{
	return lapic != 0;
}
int lapic_x2apic(void)
{
	return x2;
}
uint32_t lapic_id(void)
{
	return x2 ? rd(ID) : rd(ID) >> 24;
}

void lapic_eoi(void)
{
	wr(EOI, 0);
}

void lapic_init(void)
{
	enable_mode();
	wr(SVR, SVR_ENABLE | T_SPURIOUS);
	wr(TIMER, MASKED | T_TIMER);
	wr(LINT0, MASKED);
	wr(LINT1, MASKED);
	wr(ERROR, MASKED | T_SPURIOUS);
	wr(ESR, 0); /* back-to-back writes clear it */
	wr(ESR, 0);
	wr(EOI, 0);
	wr(TPR, 0);
}

static void icr_wait(void)
{
	for (int i = 0; i < 1000000 && (rd(ICRLO) & ICR_PENDING); i++)
		cpu_relax();
}

static void icr_send(uint32_t apic_id, uint32_t lo)
{
	if (x2) { /* one 64-bit write; no delivery-status bit to wait for */
		wrmsr(MSR_X2APIC(ICRLO), (uint64_t)apic_id << 32 | lo);
		return;
	}
	/* Two writes: an interrupt between them whose handler sends an IPI of
	 * its own would replace our destination, so interrupts stay off until
	 * ours is delivered. Flags, not pushcli: panic sends NMIs through here. */
	uint64_t flags = read_rflags();
	cli();
	wr(ICRHI, apic_id << 24);
	wr(ICRLO, lo);
	icr_wait();
	if (flags & RFLAGS_IF)
		sti();
}

void lapic_send_ipi(uint32_t apic_id, int vector)
{
	icr_send(apic_id, (uint32_t)vector);
}
void lapic_send_init(uint32_t apic_id)
{
	icr_send(apic_id, ICR_INIT | ICR_LEVEL | ICR_ASSERT);
}
void lapic_send_sipi(uint32_t apic_id, uint32_t page)
{
	icr_send(apic_id, ICR_STARTUP | page);
}

void lapic_send_nmi_others(void)
{
	icr_send(0, ICR_OTHERS | ICR_NMI | ICR_ASSERT);
}

static void timer_intr(struct trapframe *tf)
{
	thiscpu()->ticks++;
}

/* Against the TSC (calibrated already), not the PIT: a hypervisor traps
 * every PIT access, and the TSC costs nothing to read. */
#define TIMER_CAL_US 10000

void lapic_timer_calibrate(void)
{
	irq_register(T_TIMER, timer_intr);
	wr(TDCR, 0x3); /* divide by 16 */
	wr(TIMER, MASKED | T_TIMER);
	wr(TICR, 0xffffffff);
	uint64_t t0 = rdtsc();
	udelay(TIMER_CAL_US);
	uint64_t t1 = rdtsc();
	uint32_t left = rd(TCCR);
	wr(TICR, 0);
	timer_hz = (uint64_t)(0xffffffffu - left) * tsc_hz() / (t1 - t0);
}

uint64_t lapic_timer_hz(void)
{
	return timer_hz;
}

void lapic_timer_start(uint32_t hz)
{
	wr(TDCR, 0x3);
	wr(TIMER, PERIODIC | T_TIMER);
	wr(TICR, (uint32_t)(timer_hz / hz));
}
