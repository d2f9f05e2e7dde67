/*
 * AP start-up trampoline, copied to TRAMP_BASE and entered by a SIPI in real
 * mode at TRAMP_BASE:0. It goes straight from real mode to long mode (PAE,
 * CR3, EFER.LME, then CR0.PE|PG at once) and jumps to ap_entry64 with the
 * stack and argument that the boot CPU left in the parameter block at the end.
 *
 * Assembled at its link address but run at TRAMP_BASE: every absolute
 * address below is computed as TRAMP_BASE + (label - tramp_start).
 */
#include "boot/layout.h"

#define T(x)	(TRAMP_BASE + ((x) - tramp_start))

	.section .rodata
	.code16
	.globl tramp_start, tramp_end, tramp_params
tramp_start:
	cli
	cld
	xorw	%ax, %ax
	movw	%ax, %ds
	lgdtl	T(tramp_gdt_ptr)	/* lgdtl: the 32-bit base, not a 24-bit one */
	movl	%cr4, %eax
	orl	$(CR4_PAE | CR4_PGE), %eax
	movl	%eax, %cr4
	movl	T(tp_cr3), %eax
	movl	%eax, %cr3
	movl	$MSR_EFER, %ecx
	rdmsr
	orl	$(EFER_LME | EFER_NXE), %eax
	wrmsr
	movl	%cr0, %eax
	orl	$(CR0_PE | CR0_PG | CR0_WP), %eax
	movl	%eax, %cr0
	ljmpl	$SEG_KCODE, $T(tramp64)

	.code64
tramp64:
	movw	$SEG_KDATA, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	movq	T(tp_stack), %rsp
	movq	T(tp_arg), %rdi
	xorl	%ebp, %ebp
	movq	T(tp_entry), %rax
	callq	*%rax
1:	cli
	hlt
	jmp	1b

	.align 16
tramp_gdt:
	.quad 0
	.quad 0x00209a0000000000
	.quad 0x0000920000000000
tramp_gdt_ptr:
	.word tramp_gdt_ptr - tramp_gdt - 1
	.long T(tramp_gdt)

	/* Parameter block, filled by the boot CPU before each SIPI (see mp_start_ap). */
	.align 8
tramp_params:
tp_cr3:		.quad 0
tp_stack:	.quad 0
tp_entry:	.quad 0
tp_arg:		.quad 0
tramp_end:
