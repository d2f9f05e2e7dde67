/*
 * panic: the first CPU to panic stops all others with an NMI, prints the CPU,
 * the message, its registers and a symbolic frame-pointer backtrace, then
 * ends the run with a failure status (never a hang, never a silent reboot).
 */
#include "lib/panic.h"

#include <stdarg.h>

#include "dev/console.h"
#include "dev/debugexit.h"
#include "dev/lapic.h"
#include "lib/kprintf.h"
#include "lib/ksyms.h"
#include "lib/printfmt.h"
#include "mp/cpu.h"
#include "trap/trapframe.h"
#include "x86.h"

extern char _kernel_start[], _end[];
static volatile int panicking;
static volatile int nstopped;

static void putch(int c, void *arg)
{
	cons_putc(c);
}

static uint32_t safe_cpu_id(void)
{
	return percpu_ready ? cpuid_self() : 0;
}

/* Become the one panicking CPU, or stop quietly if another already is. */
static void (*panic_hook)(void);
static volatile int in_hook;
static uint32_t panic_cpu;

void panic_set_hook(void (*fn)(void))
{
	panic_hook = fn;
}

static void panic_begin(void)
{
	cli();
	if (__atomic_exchange_n(&panicking, 1, __ATOMIC_SEQ_CST)) {
		if (in_hook && safe_cpu_id() == panic_cpu) {
			kprintf_raw("\n*** panic in the panic hook (saving the trace): it is lost\n");
			debug_exit(EXIT_FAIL);
		}
		/* The panicking CPU again (its report or its summary failed):
		 * end the run now rather than halt it for ever. */
		if (safe_cpu_id() == panic_cpu) {
			kprintf_raw("\n*** panic while panicking: the run ends here\n");
			debug_exit_now(EXIT_FAIL);
		}
		for (;;)
			hlt();
	}
	panic_cpu = safe_cpu_id();
	if (lapic_ready()) {
		lapic_send_nmi_others();
		/* Give the others a moment to stop, so their output does not mix with ours. */
		for (int i = 0; i < 10000000 && nstopped < ncpu_online - 1; i++)
			cpu_relax();
	}
	cons_break_lock();
}

static void panic_end(void) __attribute__((noreturn));
static void panic_end(void)
{
	if (panic_hook && !in_hook) {
		in_hook = 1;
		panic_hook(); /* e.g. write the recording of the run that panicked */
	}
	kprintf_raw("*** kernel stopped (%d other cpu%s halted)\n", nstopped,
		    nstopped == 1 ? "" : "s");
	debug_exit(EXIT_FAIL);
}

static int frame_ok(uint64_t rbp)
{
	return rbp && !(rbp & 7) && rbp >= (uint64_t)_kernel_start && rbp < 0x100000000ull;
}

void backtrace(uint64_t rip, uint64_t rbp)
{
	kprintf_raw("  backtrace:\n");
	for (int depth = 0; depth < 32; depth++) {
		uint64_t off = 0;
		const char *name = ksym_lookup(rip, &off);
		if (name)
			kprintf_raw("    #%d %016lx %s+0x%lx\n", depth, rip, name, off);
		else
			kprintf_raw("    #%d %016lx ?\n", depth, rip);
		if (!frame_ok(rbp))
			break;
		rip = ((uint64_t *)rbp)[1];
		rbp = ((uint64_t *)rbp)[0];
		if (!rip)
			break;
	}
}

/* The report (panic_set_report) and the stacks it may print: where each CPU
 * stopped (the NMI's frame) and where the panicking one called panic. */
static void (*panic_report)(void);
static struct trapframe *volatile stopped_tf[MAXCPU];
static uint64_t panic_rip, panic_rbp;

void panic_set_report(void (*fn)(void))
{
	panic_report = fn;
}

void panic_cpu_backtrace(unsigned cpu)
{
	if (cpu == panic_cpu) {
		backtrace(panic_rip, frame_ok(panic_rbp) ? ((uint64_t *)panic_rbp)[0] : 0);
		return;
	}
	struct trapframe *tf = cpu < MAXCPU ? stopped_tf[cpu] : 0;
	if (!tf) {
		kprintf_raw("  (cpu %u did not stop for the panic: no stack)\n", cpu);
		return;
	}
	kprintf_raw("  stopped at rip %016lx  rsp %016lx  rbp %016lx\n", tf->rip, tf->rsp, tf->rbp);
	backtrace(tf->rip, tf->rbp);
}

void panic(const char *fmt, ...)
{
	uint64_t rbp = read_rbp();
	uint64_t rip = (uint64_t)__builtin_return_address(0);
	panic_begin();
	kprintf_raw("\n*** panic on cpu %u: ", safe_cpu_id());
	va_list ap;
	va_start(ap, fmt);
	vprintfmt(putch, 0, fmt, ap);
	va_end(ap);
	kprintf_raw("\n  rip %016lx (caller)  rsp %016lx  rbp %016lx  rflags %08lx\n", rip,
		    (uint64_t)__builtin_frame_address(0), rbp, read_rflags());
	kprintf_raw("  cr0 %016lx  cr2 %016lx  cr3 %016lx  cr4 %016lx\n", rcr0(), rcr2(), rcr3(),
		    rcr4());
	/* Start from our caller: panic's own frame says nothing. */
	backtrace(rip, frame_ok(rbp) ? ((uint64_t *)rbp)[0] : 0);
	if (panic_report) {
		void (*fn)(void) = panic_report;
		panic_report = 0;
		panic_rip = rip;
		panic_rbp = rbp;
		fn();
	}
	panic_end();
}

void panic_trap(struct trapframe *tf)
{
	panic_begin();
	kprintf_raw("\n*** panic on cpu %u: %s at rip %016lx\n", safe_cpu_id(),
		    trap_name(tf->trapno), tf->rip);
	trap_print_frame(tf);
	backtrace(tf->rip, tf->rbp);
	panic_end();
}

void panic_nmi(struct trapframe *tf)
{
	if (!panicking) {
		kprintf("nmi: unexpected NMI on cpu %u at rip %lx, ignored\n", cpuid_self(), tf->rip);
		return;
	}
	if (percpu_ready && cpuid_self() < MAXCPU)
		stopped_tf[cpuid_self()] = tf;
	__atomic_fetch_add(&nstopped, 1, __ATOMIC_SEQ_CST);
	if (percpu_ready)
		thiscpu()->state = CPU_HALTED;
	for (;;) /* NMIs stay blocked: we never return from this one */
		hlt();
}
