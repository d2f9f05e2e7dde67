/*
 * svm_run.S - one guest entry and exit on SVM.
 *
 * void svm_vmrun(uint64_t vmcb_pa, struct hvm_gprs *g, uint64_t host_save_pa)
 *
 * Called with GIF=0 (clgi).  VMRUN saves and restores only part of the
 * host state (RSP, RIP, RFLAGS, RAX, CR0/3/4, EFER, CS/SS/DS/ES, GDTR/IDTR):
 * the host's FS/GS bases, TR, LDTR and syscall MSRs go through VMSAVE into
 * host_save_pa and come back with VMLOAD; the guest's are VMLOADed from its
 * VMCB before VMRUN and VMSAVEd after.  General registers other than RAX and
 * RSP (which live in the VMCB) are swapped here: the host's callee-saved ones
 * on the stack, the guest's in *g (struct hvm_gprs: rax rbx rcx rdx rsi rdi
 * rbp r8..r15, 8 bytes each).
 */
#include "vmx/guest_regs.h"

	.text
	.globl svm_vmrun
	.type svm_vmrun, @function
svm_vmrun:
	push %rbp
	mov %rsp, %rbp
	push %rbx
	push %r12
	push %r13
	push %r14
	push %r15
	push %rsi		/* 16(%rsp): g */
	push %rdi		/* 8(%rsp): vmcb */
	push %rdx		/* 0(%rsp): host save area */

	mov %rdx, %rax
	vmsave			/* the host's FS, GS, TR, LDTR, KernelGSBase, STAR... */
	mov 8(%rsp), %rax
	vmload			/* the guest's */

	mov 8*1(%rsi), %rbx
	mov 8*2(%rsi), %rcx
	mov 8*3(%rsi), %rdx
	mov 8*5(%rsi), %rdi
	mov 8*6(%rsi), %rbp
	GUEST_LOAD_R8_R15 %rsi
	mov 8*4(%rsi), %rsi

	vmrun			/* %rax: the VMCB; back here at #VMEXIT with GIF=0 */

	push %rsi		/* the guest's; g is now at 24(%rsp) */
	mov 24(%rsp), %rsi
	mov %rbx, 8*1(%rsi)
	mov %rcx, 8*2(%rsi)
	mov %rdx, 8*3(%rsi)
	popq 8*4(%rsi)
	mov %rdi, 8*5(%rsi)
	mov %rbp, 8*6(%rsi)
	GUEST_STORE_R8_R15 %rsi

	mov 8(%rsp), %rax
	vmsave			/* the guest's FS, GS, TR, ... back into its VMCB */
	mov 0(%rsp), %rax
	vmload			/* the host's */

	add $24, %rsp
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %rbx
	pop %rbp
	ret
	.size svm_vmrun, . - svm_vmrun
