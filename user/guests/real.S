/*
 * real.S - the vmm's real-mode guest (user/vmm.c `vmm hello`): 16-bit code
 * the vmm copies to guest-physical 0x1000 and starts at CS:IP = 0100:0000,
 * so an offset in the blob is an IP.  The script (script.inc, docs/hvm.md):
 * prints through the 8250 at 0x3f8; CPUID 0x40000000 and 0; WRMSR and RDMSR
 * 0x174; writes and reads 2000:0010 = guest-physical 0x20010 (unmapped: a
 * nested page fault, the vmm maps a fresh page); vector 0x20 in the IVT,
 * asked for twice (interrupt window, then `sti; hlt`), acknowledged by the
 * handler on the serial port; the verdict on port 0x501; HLT.
 */
#define S guest_real_start
#define ADDR(x) ((x) - S)
#include "script.inc"
	.section .rodata.guests, "a"
	.globl guest_real_start, guest_real_end
	.code16
guest_real_start:
	cli
	mov %cs, %ax
	mov %ax, %ds
	PRINT(m_hello)
	cpuid_msr 0x1234abcd, 0x42
	mov $0x2000, %ax
	mov %ax, %es
	movl $0x600dcafe, %es:0x10
	cmpl $0x600dcafe, %es:0x10
	jne fail
	PRINT(m_mem)
	xor %ax, %ax
	mov %ax, %es
	movw $ADDR(handler), %es:(VEC * 4)
	movw %cs, %es:(VEC * 4 + 2)
	irqs_finish

handler:
	push %ds
	push %cs
	pop %ds
	irq_ack
	pop %ds
	iret

	serial_puts
m_hello: .asciz "real-mode guest: hello\n"
m_mem:	.asciz "0x20010 (not mapped at start) written and read back\n"
	messages
guest_real_end:
	.code64
	.section .note.GNU-stack, "", @progbits
