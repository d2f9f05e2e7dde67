/*
 * crt0.S - where every user program starts (docs/user.md).
 *
 * The kernel enters _start at USER_TEXT with %rsp at the top of the user
 * stack, where it has put argc (8 bytes), then argv[0..argc-1] and a NULL,
 * then the strings.  _start calls main(argc, argv) on a 16-byte aligned
 * stack, then exit(main's value) (which flushes printf's buffer).
 * -mcmodel=large: calls go through a register (the program is above 4 GiB).
 */
	.section .text.entry, "ax"
	.globl	_start
	.type	_start, @function
_start:
	xorl	%ebp, %ebp		/* the end of the frame-pointer chain */
	movq	(%rsp), %rdi		/* argc */
	leaq	8(%rsp), %rsi		/* argv */
	andq	$-16, %rsp
	movabsq	$main, %rax
	call	*%rax
	movl	%eax, %edi
	movabsq	$exit, %rax
	call	*%rax
1:	ud2				/* exit does not return */
	jmp	1b
	.size	_start, . - _start

	.section .note.GNU-stack, "", @progbits
