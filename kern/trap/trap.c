/*
 * Trap dispatch: exceptions are fatal in the kernel (a readable panic with the
 * frame), device interrupts and IPIs go to registered handlers, spurious
 * interrupts are counted and dropped without an EOI.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dev/gdbstub.h"
#include "dev/lapic.h"
#include "lib/kprintf.h"
#include "lib/panic.h"
#include "mp/cpu.h"
#include "proc/proc.h"
#include "trap/syscall.h"
#include "trap/trapframe.h"
#include "x86.h"

static irq_handler_t handlers[256];
static volatile uint64_t nspurious;

static const char *const exc_names[32] = {
	"divide error",
	"debug",
	"NMI",
	"breakpoint",
	"overflow",
	"bound range",
	"invalid opcode",
	"device not available",
	"double fault",
	"coprocessor overrun",
	"invalid TSS",
	"segment not present",
	"stack fault",
	"general protection",
	"page fault",
	"reserved",
	"x87 FP error",
	"alignment check",
	"machine check",
	"SIMD FP error",
	"virtualization",
	"control protection",
};

const char *trap_name(uint64_t trapno)
{
	if (trapno < 32)
		return exc_names[trapno] ? exc_names[trapno] : "reserved";
	if (trapno == T_SPURIOUS)
		return "spurious";
	return trapno == T_TIMER ? "timer" : "interrupt";
}

void irq_register(int vector, irq_handler_t h)
{
	handlers[vector] = h;
}

void trap_print_frame(const struct trapframe *tf)
{
	kprintf_raw("  trap %lu (%s) err 0x%lx on cpu %u\n", tf->trapno, trap_name(tf->trapno),
		    tf->err, cpuid_self());
	if (tf->trapno == T_PGFLT)
		kprintf_raw("  cr2 0x%016lx: %s %s in %s mode\n", rcr2(),
			    (tf->err & 1) ? "protection violation" : "page not present",
			    (tf->err & 16)  ? "on instruction fetch"
			    : (tf->err & 2) ? "on write"
					    : "on read",
			    (tf->err & 4) ? "user" : "kernel");
	kprintf_raw("  rip %016lx  cs %04lx  rflags %08lx  rsp %016lx  ss %04lx\n", tf->rip, tf->cs,
		    tf->rflags, tf->rsp, tf->ss);
	kprintf_raw("  rax %016lx  rbx %016lx  rcx %016lx  rdx %016lx\n", tf->rax, tf->rbx, tf->rcx,
		    tf->rdx);
	kprintf_raw("  rsi %016lx  rdi %016lx  rbp %016lx  r8  %016lx\n", tf->rsi, tf->rdi, tf->rbp,
		    tf->r8);
	kprintf_raw("  r9  %016lx  r10 %016lx  r11 %016lx  r12 %016lx\n", tf->r9, tf->r10, tf->r11,
		    tf->r12);
	kprintf_raw("  r13 %016lx  r14 %016lx  r15 %016lx  cr3 %016lx\n", tf->r13, tf->r14, tf->r15,
		    rcr3());
}

void trap(struct trapframe *tf)
{
	if (gdbstub_active && gdbstub_trap(tf))
		return; /* gdbstub=com2: a breakpoint, a step, its stop NMI (and ^C polling) */
	if (tf->trapno == T_NMI) {
		panic_nmi(tf); /* another CPU panicked (or a real NMI): stop here */
		return;
	}
	bool user = (tf->cs & 3) == 3;
	if (tf->trapno == T_SYSCALL) {
		if (!user)
			panic_trap(tf);
		sti(); /* on the thread's own kernel stack: it may block */
		syscall(tf);
		proc_user_return(tf, 1);
		return;
	}
	if (tf->trapno < 32) {
		if (!user)
			panic_trap(tf);
		proc_fault(tf); /* returns only if the fault was resolved */
		proc_user_return(tf, 1);
		return;
	}
	if (tf->trapno == T_SPURIOUS || (tf->trapno >= T_IRQ0 && tf->trapno < T_IRQ0 + 16)) {
		nspurious++; /* LAPIC spurious or a masked legacy-PIC line: no EOI */
		return;
	}
	struct cpu *c = thiscpu();
	c->nintr++;
	c->intr_depth++; /* handlers must not wait for an oracle turn (plat_in_interrupt) */
	if (handlers[tf->trapno])
		handlers[tf->trapno](tf);
	else
		kprintf("trap: unexpected interrupt %lu on cpu %u\n", tf->trapno, cpuid_self());
	c->intr_depth--;
	lapic_eoi();
	if (user)
		proc_user_return(tf, 0); /* killed? a tick's preemption */
}
