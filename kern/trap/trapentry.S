/*
 * 256 interrupt entry stubs. Each pushes a dummy error code where the CPU
 * pushes none (so every frame has the same shape), its vector, and jumps to
 * alltraps, which saves the general registers and calls trap(tf).
 */
#include "boot/layout.h"
#include "uapi/syscall.h"

	.text
	.code64

/* Vectors for which the CPU pushes an error code. */
#define HAS_ERR(n) ((n) == 8 || ((n) >= 10 && (n) <= 14) || (n) == 17 || (n) == 21 || (n) == 29 || (n) == 30)

	.altmacro
	.macro VEC n
	.align 16
vector\n:
	.if (HAS_ERR(\n)) == 0
	pushq	$0
	.endif
	pushq	$\n
	jmp	alltraps
	.endm

	.align 16
	.globl vectors_start
vectors_start:
	.set i, 0
	.rept 256
	VEC %i
	.set i, i + 1
	.endr

/*
 * From user mode (the CS the CPU pushed has RPL 3) the GS base is the
 * user's: swapgs brings back the kernel's per-CPU pointer (kept in
 * KERNEL_GS_BASE while user code runs), and the way out swaps again.
 */
alltraps:
	testb	$3, 24(%rsp)	/* trapno, err, rip, cs */
	jz	1f
	swapgs
1:
alltraps_regs:
	pushq	%rax
	pushq	%rbx
	pushq	%rcx
	pushq	%rdx
	pushq	%rsi
	pushq	%rdi
	pushq	%rbp
	pushq	%r8
	pushq	%r9
	pushq	%r10
	pushq	%r11
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	movq	%rsp, %rdi
	/* Make the frame look like a call from the interrupted RIP, for backtraces. */
	pushq	17*8(%rsp)
	pushq	%rbp
	movq	%rsp, %rbp
	cld
	call	trap
	addq	$16, %rsp
	.globl trapret
trapret:
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%r11
	popq	%r10
	popq	%r9
	popq	%r8
	popq	%rbp
	popq	%rdi
	popq	%rsi
	popq	%rdx
	popq	%rcx
	popq	%rbx
	popq	%rax
	addq	$16, %rsp	/* trapno, err */
	testb	$3, 8(%rsp)	/* rip, cs */
	jz	2f
	swapgs
2:
	iretq

/*
 * syscall_entry: the `syscall` instruction from ring 3 (kern/uapi/syscall.h):
 * %rcx = user %rip, %r11 = user %rflags, interrupts off (SFMASK), still on
 * the user stack.  Switch to the thread's kernel stack and build the same
 * frame an interrupt would (vector T_SYSCALL), so there is one way in to
 * trap() and one way out (iretq, which restores %rcx and %r11 too).
 */
	.globl syscall_entry
syscall_entry:
	swapgs
	movq	%rsp, %gs:CPU_USER_RSP
	movq	%gs:CPU_KSTACK, %rsp
	pushq	$(SEG_UDATA | 3)	/* ss */
	pushq	%gs:CPU_USER_RSP	/* rsp */
	pushq	%r11			/* rflags */
	pushq	$(SEG_UCODE | 3)	/* cs */
	pushq	%rcx			/* rip */
	pushq	$0			/* err */
	pushq	$T_SYSCALL		/* trapno */
	jmp	alltraps_regs

/* user_enter(tf): leave for user mode with this frame (interrupts off). */
	.globl user_enter
user_enter:
	movq	%rdi, %rsp
	jmp	trapret
