/* Per-CPU descriptor tables, GS base, nested interrupt disabling. */
#include "mp/cpu.h"

#include <stddef.h>

#include "lib/panic.h"
#include "trap/trapframe.h"
#include "x86.h"

struct cpu cpus[MAXCPU];
int ncpu = 1;
volatile int ncpu_online;
int percpu_ready;

/* Stacks for the NMI and double-fault handlers (IST), one pair per CPU. */
static uint8_t ist_stacks[MAXCPU][2][4096] __attribute__((aligned(16)));

static void gdt_init(struct cpu *c)
{
	struct gdt *g = &c->gdt;
	uint64_t tss = (uint64_t)&c->tss;
	g->seg[0] = 0;
	g->seg[SEG_KCODE / 8] = 0x00209a0000000000ull; /* P, DPL0, code, L */
	g->seg[SEG_KDATA / 8] = 0x0000920000000000ull; /* P, DPL0, data, writable */
	g->seg[SEG_UDATA / 8] = 0x0000f20000000000ull; /* P, DPL3, data */
	g->seg[SEG_UCODE / 8] = 0x0020fa0000000000ull; /* P, DPL3, code, L */
	/* 64-bit TSS descriptor: 16 bytes, type 9 (available TSS). */
	g->seg[SEG_TSS / 8] = (sizeof(struct tss) - 1) | (tss & 0xffffff) << 16 |
			      0x0000890000000000ull | ((tss >> 24) & 0xff) << 56;
	g->seg[SEG_TSS / 8 + 1] = tss >> 32;

	c->tss.rsp[0] = c->kstack_top;
	c->tss.ist[IST_NMI - 1] = (uint64_t)ist_stacks[c->id][0] + 4096;
	c->tss.ist[IST_DF - 1] = (uint64_t)ist_stacks[c->id][1] + 4096;
	c->tss.iomap_base = sizeof(struct tss); /* no I/O bitmap */

	struct dtr d = { sizeof(g->seg) - 1, (uint64_t)g->seg };
	lgdt(&d);
	/* Reload CS through a far return, then the data segments. */
	__asm__ volatile(
		"pushq %0\n\t"
		"leaq 1f(%%rip), %%rax\n\t"
		"pushq %%rax\n\t"
		"lretq\n"
		"1:\n\t"
		"movw %w1, %%ds\n\t"
		"movw %w1, %%es\n\t"
		"movw %w1, %%ss\n\t"
		:
		: "i"(SEG_KCODE), "r"(SEG_KDATA)
		: "rax", "memory");
	ltr(SEG_TSS);
}

void cpu_init_self(struct cpu *c)
{
	c->self = c;
	gdt_init(c);
	/* %gs is 0 in long mode; the base comes from the MSR (after the GDT load, which would clear it). */
	wrmsr(MSR_GS_BASE, (uint64_t)c);
	idt_load();
	/* User rdtsc faults: the kernel answers with recorded time (kern/proc/uclock.h). */
	lcr4(rcr4() | CR4_TSD);
	/* System calls: `syscall` enters at syscall_entry with CS SEG_KCODE and
	 * interrupts, traps, direction and alignment check off; the return goes
	 * through the trap frame (iretq), where STAR's user base (SEG_UDATA - 8)
	 * gives sysret's selectors too. */
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
	wrmsr(MSR_STAR, (uint64_t)((SEG_UDATA - 8) | 3) << 48 | (uint64_t)SEG_KCODE << 32);
	wrmsr(MSR_LSTAR, (uint64_t)syscall_entry);
	wrmsr(MSR_SFMASK, RFLAGS_IF | RFLAGS_TF | RFLAGS_DF | RFLAGS_AC | RFLAGS_NT);
}

_Static_assert(offsetof(struct cpu, user_rsp) == CPU_USER_RSP, "trapentry.S: %gs:8");
_Static_assert(offsetof(struct cpu, kstack) == CPU_KSTACK, "trapentry.S: %gs:16");
_Static_assert(offsetof(struct cpu, id) == offsetof(struct cpu, tid) + 4 &&
		       offsetof(struct cpu, tid) % 8 == 0,
	       "plat_actor_word: tid | id << 32 in one aligned load");

void pushcli(void)
{
	uint64_t f = read_rflags();
	cli();
	struct cpu *c = thiscpu();
	if (c->ncli++ == 0)
		c->intena = !!(f & RFLAGS_IF);
}

void popcli(void)
{
	struct cpu *c = thiscpu();
	if (read_rflags() & RFLAGS_IF)
		panic("popcli: interrupts are enabled");
	if (--c->ncli < 0)
		panic("popcli: more popcli than pushcli");
	if (c->ncli == 0 && c->intena)
		sti();
}
