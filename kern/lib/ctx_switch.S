/*
 * ctx_switch(save, rsp): save the callee-saved registers on the current
 * stack, store the stack pointer at *save, load `rsp` and pop the other
 * context's registers, then return into it.  The caller-saved registers are
 * the C compiler's to save (SysV ABI), so these six are the whole context.
 *
 * One routine for the kernel's threads (kern/thread/sched.c, interrupts off
 * across it; RFLAGS is the caller's bookkeeping) and the host's cooperative
 * CPUs (host/coop.c; ucontext's swapcontext makes a sigprocmask system call
 * per switch, which would cap exploration far below 10,000 schedules/s).
 *
 * A new context is a stack holding six zero registers and then the address
 * to "return" to (see ctx_switch.h).
 */
	.text
	.code64
	.globl ctx_switch
	.type ctx_switch, @function
ctx_switch:
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
	.size ctx_switch, .-ctx_switch

	.section .note.GNU-stack,"",@progbits
