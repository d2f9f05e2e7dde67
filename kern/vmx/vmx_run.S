/*
 * vmx_run.S - one guest entry and exit on VMX.
 *
 * int vmx_enter(struct hvm_gprs *g, int launched)
 *
 * Called with interrupts off and the VM's VMCS current.  Writes HOST_RSP
 * (this stack, below the saved registers), loads the guest's general
 * registers from *g (RSP and RIP are in the VMCS), and VMLAUNCHes (launched
 * == 0) or VMRESUMEs.  The VM exit lands at vmx_exit_point (HOST_RIP) with
 * the host's RSP: the guest's registers go back to *g and 0 is returned.
 * If the instruction itself fails (CF or ZF: VM-instruction error field)
 * it falls through and 1 is returned.
 */
#define HOST_RSP 0x6c14

#include "vmx/guest_regs.h"

	.text
	.globl vmx_enter, vmx_exit_point
	.type vmx_enter, @function
vmx_enter:
	push %rbp
	mov %rsp, %rbp
	push %rbx
	push %r12
	push %r13
	push %r14
	push %r15
	push %rdi		/* 0(%rsp): g, found again at the exit */
	mov $HOST_RSP, %eax
	vmwrite %rsp, %rax
	jbe 2f

	cmp $0, %esi		/* flags kept through the moves below */
	mov 8*0(%rdi), %rax
	mov 8*1(%rdi), %rbx
	mov 8*2(%rdi), %rcx
	mov 8*3(%rdi), %rdx
	mov 8*4(%rdi), %rsi
	mov 8*6(%rdi), %rbp
	GUEST_LOAD_R8_R15 %rdi
	mov 8*5(%rdi), %rdi
	jne 1f
	vmlaunch
	jmp 2f
1:	vmresume
2:	/* VMLAUNCH/VMRESUME failed: the host's registers are still ours but
	 * rbx, rbp, r12-r15 may hold the guest's: restore from the stack. */
	add $8, %rsp
	mov $1, %eax
	jmp 3f

vmx_exit_point:
	push %rdi		/* the guest's; g is at 8(%rsp) */
	mov 8(%rsp), %rdi
	mov %rax, 8*0(%rdi)
	mov %rbx, 8*1(%rdi)
	mov %rcx, 8*2(%rdi)
	mov %rdx, 8*3(%rdi)
	mov %rsi, 8*4(%rdi)
	popq 8*5(%rdi)
	mov %rbp, 8*6(%rdi)
	GUEST_STORE_R8_R15 %rdi
	add $8, %rsp
	xor %eax, %eax
3:	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %rbx
	pop %rbp
	ret
	.size vmx_enter, . - vmx_enter
