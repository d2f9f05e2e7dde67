/*
 * pm.S - the vmm's protected-mode guest (user/vmm.c `vmm pm`).  The vmm
 * copies it to guest-physical 0x1000 and starts it in real mode at
 * CS:IP = 0100:0000; it loads its own GDT, sets CR0.PE and jumps to 32-bit
 * code (flat 4 GiB segments, the blob at linear 0x1000: LA(x)).  Then the
 * script of real.S (script.inc) in 32-bit code: the unmapped write goes to
 * guest-physical 0x300010, vector 0x20 goes through its own IDT at 0x5000.
 */
#define S guest_pm_start
#define LA(x) (0x1000 + (x) - S)
#define ADDR(x) LA(x)
#define IDT 0x5000
#include "script.inc"
	.section .rodata.guests, "a"
	.globl guest_pm_start, guest_pm_end
	.code16
guest_pm_start:
	cli
	mov %cs, %ax
	mov %ax, %ds
	lgdtl (gdtdesc - S)
	mov %cr0, %eax
	or $1, %eax
	mov %eax, %cr0
	ljmpl $0x08, $LA(pm32)

	.code32
pm32:
	mov $0x10, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	mov %ax, %fs
	mov %ax, %gs
	mov $0x8000, %esp
	PRINT(m_hello)
	cpuid_msr 0x89abcdef, 0x17
	movl $0x600dcafe, 0x300010
	cmpl $0x600dcafe, 0x300010
	jne fail
	PRINT(m_mem)
	mov $LA(handler), %eax
	mov %ax, IDT + VEC * 8
	movw $0x08, IDT + VEC * 8 + 2
	movw $0x8e00, IDT + VEC * 8 + 4
	shr $16, %eax
	mov %ax, IDT + VEC * 8 + 6
	lidt LA(idtdesc)
	irqs_finish

handler:
	irq_ack
	iret

	serial_puts
	.balign 8
gdt:	.quad 0
	.quad 0x00cf9a000000ffff /* 0x08: code, flat, 32-bit */
	.quad 0x00cf92000000ffff /* 0x10: data, flat */
gdtdesc:
	.word 3 * 8 - 1
	.long LA(gdt)
idtdesc:
	.word (VEC + 1) * 8 - 1
	.long IDT
m_hello: .asciz "protected-mode guest: hello (CR0.PE set by the guest)\n"
m_mem:	.asciz "0x300010 (not mapped at start) written and read back\n"
	messages
guest_pm_end:
	.section .note.GNU-stack, "", @progbits
