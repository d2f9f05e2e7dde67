/*
 * hello.S - the in-kernel test guest: 16-bit real-mode code, assembled here
 * and linked into the kernel as bytes (guest_hello_start..guest_hello_end).
 * The host copies it to guest-physical 0x1000 and starts it at CS:IP = 0100:0000,
 * so an offset in the blob is an IP.  See tests/kernel/ktest_hvm.c.
 *
 *   - writes "hello from guest\n" to COM1 (port 0x3f8) one OUT at a time;
 *   - CPUID leaf 0, stores EBX/EDX/ECX (the vendor string the host made up)
 *     at offset `vendor`;
 *   - writes 0x600dcafe to 3000:0010 = guest-physical 0x30010 (the host
 *     leaves that page unmapped: a nested page fault, then maps it);
 *   - RDMSR 0x10 and WRMSR it back + 1 to MSR 0x10 (the TSC);
 *   - HLT.
 * guest_hello_bench: OUT to port 0x80 in a loop (VM exit round trips).
 */
	.section .rodata.guests, "a"
	.globl guest_hello_start, guest_hello_end, guest_hello_bench, guest_hello_vendor
	.code16
guest_hello_start:
	mov %cs, %ax
	mov %ax, %ds
	mov $(msg - guest_hello_start), %si
	mov $0x3f8, %dx
1:	lodsb
	test %al, %al
	jz 2f
	outb %al, %dx
	jmp 1b
2:	xor %eax, %eax
	cpuid
	mov %ebx, (vendor - guest_hello_start)
	mov %edx, (vendor - guest_hello_start + 4)
	mov %ecx, (vendor - guest_hello_start + 8)
	mov $0x3000, %ax
	mov %ax, %es
	movl $0x600dcafe, %es:0x10
	mov $0x10, %ecx
	rdmsr
	add $1, %eax
	wrmsr
	hlt
3:	jmp 3b
msg:	.asciz "hello from guest\n"
guest_hello_vendor:
vendor:	.fill 12, 1, 0
	.byte 0

guest_hello_bench:
4:	outb %al, $0x80
	jmp 4b
guest_hello_end:
	.code64
