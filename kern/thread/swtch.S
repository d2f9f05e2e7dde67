/*
 * swtch(save, rsp): save the callee-saved registers on the current stack,
 * store the stack pointer at *save, load `rsp` and pop the next thread's
 * registers.  Interrupts are off across it (sched.c); the caller-saved
 * registers are the C compiler's to save, and RFLAGS is restored by the
 * caller's own interrupt state bookkeeping.
 */
	.text
	.code64
	.globl swtch
swtch:
	pushq	%rbp
	pushq	%rbx
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	movq	%rsp, (%rdi)
	movq	%rsi, %rsp
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbx
	popq	%rbp
	ret
