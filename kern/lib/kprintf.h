/* Kernel console printing. A whole kprintf() call is atomic with respect to other CPUs. */
#ifndef LIB_KPRINTF_H
#define LIB_KPRINTF_H

#include <stdarg.h>

int kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int vkprintf(const char *fmt, va_list ap);
/* Without the console lock: for panic paths, where the lock may be held forever. */
int kprintf_raw(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
