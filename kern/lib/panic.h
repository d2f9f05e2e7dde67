/* panic(): report, stop every other CPU, and end the run with a failure status. */
#ifndef LIB_PANIC_H
#define LIB_PANIC_H

#include <stdint.h>

struct trapframe;

void panic(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
void panic_trap(struct trapframe *tf) __attribute__((noreturn));
void panic_nmi(struct trapframe *tf);
void backtrace(uint64_t rip, uint64_t rbp);
/* Called once at the end of a panic report, the other CPUs stopped and the
 * console lock broken (kargs: a recording is written). */
void panic_set_hook(void (*fn)(void));
/* Called once by the next panic(), after its message and backtrace, the
 * other CPUs stopped (a deadlock report: lock/deadlock.c). */
void panic_set_report(void (*fn)(void));
/* From such a report: the backtrace of a CPU stopped by the panic's NMI
 * (where it was interrupted), or of the panicking CPU (panic's caller). */
void panic_cpu_backtrace(unsigned cpu);

#define assert(x)                                                                                  \
	do {                                                                                       \
		if (__builtin_expect(!(x), 0))                                                     \
			panic("assertion failed: %s at %s:%d", #x, __FILE__, __LINE__);            \
	} while (0)

#endif
