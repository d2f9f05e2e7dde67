/*
 * guest_regs.h - for svm_run.S and vmx_run.S: r8..r15 of a guest register
 * block (hvm_impl.h: rax rbx rcx rdx rsi rdi rbp r8..r15, 8 bytes
 * each) loaded before the VM entry and stored after the exit, from and to
 * the block whose address is in `base`.
 */
#ifndef VMX_GUEST_REGS_H
#define VMX_GUEST_REGS_H

/* clang-format off */
.macro GUEST_LOAD_R8_R15 base
	mov 8*7(\base), %r8
	mov 8*8(\base), %r9
	mov 8*9(\base), %r10
	mov 8*10(\base), %r11
	mov 8*11(\base), %r12
	mov 8*12(\base), %r13
	mov 8*13(\base), %r14
	mov 8*14(\base), %r15
.endm

.macro GUEST_STORE_R8_R15 base
	mov %r8, 8*7(\base)
	mov %r9, 8*8(\base)
	mov %r10, 8*9(\base)
	mov %r11, 8*10(\base)
	mov %r12, 8*11(\base)
	mov %r13, 8*12(\base)
	mov %r14, 8*13(\base)
	mov %r15, 8*14(\base)
.endm
/* clang-format on */

#endif
