/*
 * Kernel entry: multiboot headers, 32-bit protected mode -> long mode, kmain().
 *
 * Both QEMU's -kernel (multiboot1) and GRUB (multiboot2) enter at _start in
 * 32-bit protected mode with paging off, EAX = magic, EBX = info pointer.
 * We identity-map the first 4 GiB with 2 MiB pages (enough for the kernel,
 * the multiboot data and the LAPIC/IOAPIC MMIO), enable long mode, and call
 * kmain(magic, info) on the boot stack. kern/mm builds the real page tables.
 */
#include "boot/layout.h"

#define MB1_MAGIC	0x1BADB002
/* bit 0: page-align modules; bit 1: memory map; bit 16: addresses below are valid */
#define MB1_FLAGS	0x00010003
#define MB2_MAGIC	0xE85250D6

	.section .multiboot, "a"
	.align 4
mb1_header:
	.long MB1_MAGIC
	.long MB1_FLAGS
	.long -(MB1_MAGIC + MB1_FLAGS)
	.long mb1_header		/* header_addr */
	.long _kernel_start		/* load_addr */
	.long _edata			/* load_end_addr */
	.long _end			/* bss_end_addr: the loader zeroes .bss */
	.long _start			/* entry_addr */

	.align 8
mb2_header:
	.long MB2_MAGIC
	.long 0				/* architecture: i386 protected mode */
	.long mb2_end - mb2_header
	.long -(MB2_MAGIC + (mb2_end - mb2_header))
	.short 0, 0			/* end tag */
	.long 8
mb2_end:

	.section .text.boot, "ax"
	.code32
	.globl _start
_start:
	cli
	cld
	movl	$boot_stack_top, %esp
	/* Upper halves of registers are undefined after the switch: keep these in memory. */
	movl	%eax, mb_magic
	movl	%ebx, mb_info

	/* No long mode: say so on COM1 and stop (there is nothing else we can do). */
	movl	$0x80000000, %eax
	cpuid
	cmpl	$0x80000001, %eax
	jb	no_long_mode
	movl	$0x80000001, %eax
	cpuid
	btl	$29, %edx
	jnc	no_long_mode

	/* PML4[0] -> PDPT; PDPT[0..3] -> PD0..PD3; each PD: 512 x 2 MiB identity pages. */
	movl	$boot_pdpt, %eax
	orl	$(PTE_P | PTE_W), %eax
	movl	%eax, boot_pml4
	movl	$boot_pd, %eax
	orl	$(PTE_P | PTE_W), %eax
	xorl	%ecx, %ecx
1:	movl	%eax, boot_pdpt(, %ecx, 8)
	addl	$4096, %eax
	incl	%ecx
	cmpl	$4, %ecx
	jb	1b
	movl	$(PTE_P | PTE_W | PTE_PS), %eax
	xorl	%ecx, %ecx
2:	movl	%eax, boot_pd(, %ecx, 8)	/* high dword stays 0 (.bss) */
	addl	$0x200000, %eax
	incl	%ecx
	cmpl	$2048, %ecx
	jb	2b

	movl	%cr4, %eax
	orl	$(CR4_PAE | CR4_PGE), %eax
	movl	%eax, %cr4
	movl	$boot_pml4, %eax
	movl	%eax, %cr3
	movl	$MSR_EFER, %ecx
	rdmsr
	orl	$(EFER_LME | EFER_NXE), %eax
	wrmsr
	movl	%cr0, %eax
	orl	$(CR0_PG | CR0_WP | CR0_PE), %eax
	movl	%eax, %cr0
	lgdt	boot_gdt_ptr
	ljmp	$SEG_KCODE, $start64

no_long_mode:
	movl	$msg_no_lm, %esi
3:	movb	(%esi), %al
	testb	%al, %al
	jz	4f
	movw	$0x3f8, %dx
	outb	%al, %dx
	incl	%esi
	jmp	3b
4:	hlt
	jmp	4b

	.code64
start64:
	movw	$SEG_KDATA, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	xorw	%ax, %ax
	movw	%ax, %fs
	movw	%ax, %gs
	movq	$boot_stack_top, %rsp
	xorl	%ebp, %ebp		/* terminates frame-pointer backtraces */
	movl	mb_magic(%rip), %edi
	movl	mb_info(%rip), %esi
	call	kmain
5:	cli
	hlt
	jmp	5b

	.section .rodata
msg_no_lm:
	.asciz "boot: this CPU has no long mode (x86-64); stopping\r\n"

	/* Boot GDT: null, 64-bit kernel code, kernel data. Per-CPU GDTs replace it. */
	.align 16
	.globl boot_gdt
boot_gdt:
	.quad 0
	.quad 0x00209a0000000000	/* code: P, DPL0, S, exec/read, L */
	.quad 0x0000920000000000	/* data: P, DPL0, S, read/write */
boot_gdt_end:
	.globl boot_gdt_ptr
boot_gdt_ptr:
	.word boot_gdt_end - boot_gdt - 1
	.long boot_gdt

	.data
	.globl mb_magic, mb_info
mb_magic:	.long 0
mb_info:	.long 0

	.bss
	.align 4096
	.globl boot_pml4
boot_pml4:	.space 4096
boot_pdpt:	.space 4096
boot_pd:	.space 4 * 4096
	.align 16
	.globl boot_stack, boot_stack_top
boot_stack:	.space KSTACK_SIZE
boot_stack_top:
