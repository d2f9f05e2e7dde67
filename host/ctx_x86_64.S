/*
 * Minimal x86-64 context switch for cooperative host CPUs (SysV ABI):
 * only callee-saved registers survive a call, so only they are saved.
 * (ucontext's swapcontext makes a sigprocmask system call per switch,
 * which would cap exploration far below 10,000 schedules per second.)
 *
 * void host_ctx_switch(void **save_sp, void *load_sp)
 */
	.text
	.globl host_ctx_switch
	.type host_ctx_switch, @function
host_ctx_switch:
	pushq %rbp
	pushq %rbx
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	movq %rsp, (%rdi)
	movq %rsi, %rsp
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbx
	popq %rbp
	ret
	.size host_ctx_switch, .-host_ctx_switch

/* First "return" of a new context lands here with %rsp 16-byte aligned. */
	.globl host_ctx_start
	.type host_ctx_start, @function
host_ctx_start:
	call host_coop_entry
	ud2
	.size host_ctx_start, .-host_ctx_start

	.section .note.GNU-stack,"",@progbits
