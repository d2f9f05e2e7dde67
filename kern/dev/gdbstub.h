/*
 * An in-kernel GDB remote-protocol stub on COM2 (gdbstub=com2): gdb attaches
 * over a serial line, sees one thread per CPU, reads and writes registers and
 * memory, sets breakpoints, steps and continues. See docs/gdbstub.md.
 */
#ifndef DEV_GDBSTUB_H
#define DEV_GDBSTUB_H

#include "trap/trapframe.h"

extern int gdbstub_active; /* gdbstub=com2 took COM2 */

/* Boot CPU, every AP online, before tests or the shell: with gdbstub=com2,
 * take COM2 and stop there until gdb says continue. */
void gdbstub_init(void);

/* From the top of trap() while the stub is active: 1 if the trap was the
 * stub's (a breakpoint, a step, its stop NMI); it also polls COM2 for gdb's
 * ^C on the boot CPU's timer tick (and returns 0: the tick goes on). */
int gdbstub_trap(struct trapframe *tf);

/* A breakpoint compiled into the code: stops here under the stub. */
void gdbstub_breakpoint(void);

#endif
