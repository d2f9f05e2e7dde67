/*
 * Ending an emulator run with a status. QEMU's isa-debug-exit device (port
 * 0xf4) exits with (v << 1) | 1; Bochs ends on "Shutdown" written to 0x8900.
 * On real hardware neither exists and the caller halts.
 */
#ifndef DEV_DEBUGEXIT_H
#define DEV_DEBUGEXIT_H

#define EXIT_PASS 0x10 /* QEMU exit status 33 */
#define EXIT_FAIL 0x11 /* QEMU exit status 35 */

void debug_exit(int code) __attribute__((noreturn));
/* The same without the summary lines: for a panic while panicking, where
 * the summary may be what failed. */
void debug_exit_now(int code) __attribute__((noreturn));

#endif
