/*
 * The context switch shared by the kernel's threads and the host's
 * cooperative CPUs (ctx_switch.S).
 */
#ifndef LIB_CTX_SWITCH_H
#define LIB_CTX_SWITCH_H

#include <stdint.h>

/* Registers ctx_switch pops from a stack it switches to, before its ret. */
#define CTX_SAVED_REGS 6

/* Save the callee-saved registers and the stack pointer (at *save), switch
 * to the stack `rsp`, restore its registers and return into it. */
void ctx_switch(uint64_t *save, uint64_t rsp);

#endif
