/* The register frame built by trapentry.S for every interrupt and exception. */
#ifndef TRAP_TRAPFRAME_H
#define TRAP_TRAPFRAME_H

#include <stdint.h>

struct trapframe {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t trapno, err;
	/* pushed by the CPU */
	uint64_t rip, cs, rflags, rsp, ss;
};

/* Vectors. 0-31: exceptions; 32-47: legacy PIC range (masked, spurious only). */
#define T_DIVIDE 0
#define T_NMI 2
#define T_BRKPT 3
#define T_DBLFLT 8
#define T_GPFLT 13
#define T_PGFLT 14
#define T_IRQ0 32   /* 32-47: where the (masked) 8259 PIC would deliver */
#define T_GSI0 0x30 /* IOAPIC input n is delivered at vector T_GSI0 + n */
#define IRQ_COM1 4
#define T_TIMER 0x50    /* LAPIC timer */
#define T_IPI_CALL 0xf1 /* smp_call: "look at your mailbox" */
#define T_IPI_KICK 0xf2 /* wake a parked CPU (oracle turns) */
#define T_SPURIOUS 0xff

void trap(struct trapframe *tf);
void syscall_entry(void); /* the `syscall` instruction lands here (trapentry.S) */
void idt_init(void);      /* build the shared IDT (once) */
void idt_load(void);      /* load it on this CPU */
void trap_print_frame(const struct trapframe *tf);
const char *trap_name(uint64_t trapno);

typedef void (*irq_handler_t)(struct trapframe *tf);
void irq_register(int vector, irq_handler_t h);

#endif
