/*
 * printf-style formatting core (freestanding, no floating point).
 *
 * Conversions: %d %i %u %x %X %o %c %s %p %%
 * Length:      hh h l ll z j t
 * Flags:       '-' '0' ' ' '+' '#'; field width and precision, either may be '*'
 *              (a negative '*' width means '-' flag; a negative '*' precision
 *              means none).
 * %s of NULL prints "(null)"; %p prints "0x" and 16 hex digits.
 * An unknown conversion (including %n) is printed literally, e.g. "%-4q" ->
 * "%-4q"; a lone '%' at the end of fmt prints "%".
 *
 * Host unit tests: as for string.h, KLIB_HOSTED_TEST renames snprintf and
 * vsnprintf to klib_* so they do not collide with libc.
 */
#ifndef KERN_LIB_PRINTFMT_H
#define KERN_LIB_PRINTFMT_H

#include <stdarg.h>
#include <stddef.h>

#ifdef KLIB_HOSTED_TEST
#define snprintf klib_snprintf
#define vsnprintf klib_vsnprintf
#endif

/* Formats into putch(ch, arg) one char at a time; returns the number of chars output. */
int vprintfmt(void (*putch)(int ch, void *arg), void *arg, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

/*
 * Writes at most n-1 chars plus a NUL into buf (nothing when n == 0; buf may
 * then be NULL) and returns the length the full output would have had.
 */
int vsnprintf(char *buf, size_t n, const char *fmt, va_list ap) __attribute__((format(printf, 3, 0)));
int snprintf(char *buf, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif /* KERN_LIB_PRINTFMT_H */
