/*
 * syscall.h - system-call dispatch (ABI: uapi/syscall.h, table: docs/syscalls.md).
 */
#ifndef TRAP_SYSCALL_H
#define TRAP_SYSCALL_H

#include "trap/trapframe.h"

/* Run the call the frame asks for; error code in %rax, result in %rdx. */
void syscall(struct trapframe *tf);
/* Print the dispatch table, one `syscall NR NAME ERRORS` line per number
 * (checked against docs/syscalls.md by the tests). */
void syscall_table_print(void);

#endif
