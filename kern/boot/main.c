/*
 * The boot CPU's bring-up, in order. Each step says why it comes where it does.
 * The APs' own bring-up is ap_main() in kern/mp/mp.c.
 */
#include <stdint.h>

#include "boot/bootinfo.h"
#include "boot/kargs.h"
#include "boot/monitor.h"
#include "dev/console.h"
#include "dev/debugexit.h"
#include "dev/gdbstub.h"
#include "dev/lapic.h"
#include "dev/pic.h"
#include "dev/serial.h"
#include "dev/timer.h"
#include "lib/kprintf.h"
#include "lib/ktest.h"
#include "log/log.h"
#include "lib/panic.h"
#include "mm/container.h"
#include "mm/palloc.h"
#include "mm/vm.h"
#include "proc/proc.h"
#include "plat.h"
#include "mp/cpu.h"
#include "thread/thread.h"
#include "trap/trapframe.h"
#include "vmx/hvm.h"
#include "x86.h"

struct bootinfo bootinfo;
extern char boot_stack_top[], _kernel_start[], _edata[], _end[];

void kmain(uint32_t magic, uint32_t info) __attribute__((noreturn));
void kmain(uint32_t magic, uint32_t info)
{
	const char *why = "";
	int bad = bootinfo_parse(&bootinfo, magic, (const void *)(uintptr_t)info, &why);
	/* first: low memory is reused below */
	serial_init(); /* so that everything after can report */
	cpus[0].kstack_top = (uint64_t)boot_stack_top;
	cpu_init_self(&cpus[0]); /* per-CPU data: locks and kprintf need thiscpu() */
	percpu_ready = 1;
	idt_init(); /* from here on a fault is a readable panic */
	kprintf("\nlogkern: booting (multiboot%d, loader '%s')\n", bootinfo.version,
		bootinfo.loader[0] ? bootinfo.loader : "qemu");
	if (bad)
		panic("boot: %s", why);
	kargs_init(bootinfo.cmdline); /* warns about unknown keys */
	tsc_calibrate();              /* udelay() for the AP start-up below */
	palloc_init(&bootinfo);       /* after bootinfo: it must skip modules */
	kvm_init();                   /* our page tables; APs load the same CR3 */
	kprintf("mm: %lu MiB free of %lu MiB; kernel %lu KiB loaded, %lu KiB with .bss\n",
		palloc_nfree() * PGSIZE >> 20, mem_top() >> 20,
		(uint64_t)(_edata - _kernel_start) >> 10, (uint64_t)(_end - _kernel_start) >> 10);
	mp_init();     /* CPUs, LAPIC and IOAPIC from the MADT */
	pic_disable(); /* before lapic_init: only APIC interrupts from now */
	lapic_init();
	lapic_timer_calibrate(); /* against the TSC, once for all CPUs */
	lapic_timer_start(HZ);   /* a tick also bounds every hlt (parked CPUs) */
	cons_init();             /* COM1 input interrupts, through the IOAPIC */
	kplat_init();            /* park/kick IPIs, before the oracle's first turn */
	thread_init();           /* thread table, run queues: before any CPU idles */
	thread_init_cpu();       /* this context becomes thread "main" */
	container_init();        /* the root container holds every free page */
	proc_init();             /* process table; checks the user range is free */
	ncpu_online = 1;
	cpus[0].state = CPU_ONLINE;
	mp_start_aps(); /* needs kvm_cr3() and the calibrated TSC */
	kprintf("smp: %d of %d cpus online\n", ncpu_online, ncpu_found);
	hvm_init();            /* "hvm: <backend>": SVM, VMX or none */
	log_keep_registered(); /* run queues, thread table: they outlive test resets */
	gdbstub_init();        /* gdbstub=com2: every CPU online, nothing run yet: wait for gdb */
	sti();

	kargs_run();                /* crash=, test=: the actions the command line asks for */
	if (karg_ulong("shell", 1)) /* nothing asked: the console is the user's */
		proc_run_shell();
	monitor();
}
