/*
 * Kernel string and memory routines (freestanding: no libc).
 *
 * The kernel links these under their standard names because gcc may emit
 * calls to memcpy/memset/memmove/memcmp on its own (struct copies, large
 * initialisers), even with -ffreestanding.
 *
 * Host unit tests: the same source is compiled into a hosted test program
 * that is also linked against libc, where the standard names are taken.
 * When KLIB_HOSTED_TEST is defined (tests/host/lib.mk passes
 * -DKLIB_HOSTED_TEST for every object it builds from kern/), the macros
 * below rename each routine to klib_<name>, so string.c defines
 * klib_memcpy etc. and the tests call the kernel's code, not libc's.
 * A hosted file that needs both must include libc's <string.h> before this
 * header; after it, "memcpy" means the kernel's routine.
 */
#ifndef KERN_LIB_STRING_H
#define KERN_LIB_STRING_H

#include <stddef.h>

#ifdef KLIB_HOSTED_TEST
#define memcpy klib_memcpy
#define memmove klib_memmove
#define memset klib_memset
#define memcmp klib_memcmp
#define memchr klib_memchr
#define strlen klib_strlen
#define strnlen klib_strnlen
#define strcmp klib_strcmp
#define strncmp klib_strncmp
#define strchr klib_strchr
#define strrchr klib_strrchr
#define strncpy klib_strncpy
#define strlcpy klib_strlcpy
#endif

void *memcpy(void *restrict dst, const void *restrict src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
void *memchr(const void *s, int c, size_t n);

size_t strlen(const char *s);
/* Length of s, but at most maxlen: never reads s[maxlen] or beyond. */
size_t strnlen(const char *s, size_t maxlen);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
/* First (strchr) or last (strrchr) c in s; c == '\0' finds the terminator. */
char *strchr(const char *s, int c);
char *strrchr(const char *s, int c);
/* C semantics: pads with NULs up to n, does NOT terminate when src is too long. */
char *strncpy(char *restrict dst, const char *restrict src, size_t n);
/* BSD semantics: copies at most size-1 chars, always terminates when size > 0,
 * returns strlen(src) (>= size means truncated). */
size_t strlcpy(char *restrict dst, const char *restrict src, size_t size);

/*
 * strtoul-like: skips leading spaces/tabs, accepts an optional '+' (a '-'
 * is rejected: no digits), then digits in base 2..36; base 0 picks 16 for
 * "0x"/"0X", 8 for a leading "0", 10 otherwise (base 16 also accepts "0x").
 * Saturates at ULONG_MAX on overflow. *endp (if endp != NULL) is set to the
 * first character not consumed, or to s itself when no digit was read.
 */
unsigned long kstrtoul(const char *s, const char **endp, int base);

#endif /* KERN_LIB_STRING_H */
