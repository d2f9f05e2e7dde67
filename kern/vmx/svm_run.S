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
	mov 8*7(%rsi), %r8
	mov 8*8(%rsi), %r9
	mov 8*9(%rsi), %r10
	mov 8*10(%rsi), %r11
	mov 8*11(%rsi), %r12
	mov 8*12(%rsi), %r13
	mov 8*13(%rsi), %r14
	mov 8*14(%rsi), %r15
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
	mov %r8, 8*7(%rsi)
	mov %r9, 8*8(%rsi)
	mov %r10, 8*9(%rsi)
	mov %r11, 8*10(%rsi)
	mov %r12, 8*11(%rsi)
	mov %r13, 8*12(%rsi)
	mov %r14, 8*13(%rsi)
	mov %r15, 8*14(%rsi)

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
