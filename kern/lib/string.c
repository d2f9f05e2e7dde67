/* Kernel string and memory routines. See string.h for the host-test renaming. */
#include "string.h"

#include <stdint.h>

/* Not <limits.h>: with -nostdinc gcc's copy tries to #include_next libc's. */
#define KLIB_ULONG_MAX (__LONG_MAX__ * 2UL + 1UL)

/*
 * gcc recognises byte loops and may turn them into calls to memcpy/memset,
 * which inside memcpy/memset would be infinite recursion in the kernel.
 */
#define NO_LIBCALL __attribute__((optimize("no-tree-loop-distribute-patterns")))

/* Word-sized accesses into byte buffers: may_alias keeps them legal under strict aliasing. */
typedef unsigned long __attribute__((may_alias)) word_t;

/*
 * Long runs of words (a page being cleared, a recording's chunk, a block
 * of the live stream) go through the string instructions: one `rep stosq`
 * or `rep movsq` moves them at the memory's pace on real CPUs, and
 * retires as one instruction per word under QEMU's -icount (the loops
 * below take five).  Short ones stay in the loops: a rep instruction's
 * start-up costs tens of cycles.
 */
#define REP_MIN 128 /* bytes */

static inline void words_set(unsigned char **d, word_t word, size_t words)
{
#if defined(__x86_64__)
	__asm__ volatile("rep stosq" : "+D"(*d), "+c"(words) : "a"(word) : "memory");
#else
	for (; words; words--, *d += sizeof(word_t))
		*(word_t *)(void *)*d = word;
#endif
}

static inline void words_copy(unsigned char **d, const unsigned char **s, size_t words)
{
#if defined(__x86_64__)
	__asm__ volatile("rep movsq" : "+D"(*d), "+S"(*s), "+c"(words) : : "memory");
#else
	for (; words; words--, *d += sizeof(word_t), *s += sizeof(word_t))
		*(word_t *)(void *)*d = *(const word_t *)(const void *)*s;
#endif
}

NO_LIBCALL void *memcpy(void *restrict dst, const void *restrict src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	/* Word copies when both pointers share alignment. */
	if ((((uintptr_t)d ^ (uintptr_t)s) & (sizeof(word_t) - 1)) == 0) {
		while (n > 0 && ((uintptr_t)d & (sizeof(word_t) - 1)) != 0) {
			*d++ = *s++;
			n--;
		}
		if (n >= REP_MIN) {
			words_copy(&d, &s, n / sizeof(word_t));
			n %= sizeof(word_t);
		}
		while (n >= sizeof(word_t)) {
			*(word_t *)(void *)d = *(const word_t *)(const void *)s;
			d += sizeof(word_t);
			s += sizeof(word_t);
			n -= sizeof(word_t);
		}
	}
	while (n-- > 0)
		*d++ = *s++;
	return dst;
}

NO_LIBCALL void *memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	if (d == s || n == 0)
		return dst;
	if ((uintptr_t)d < (uintptr_t)s || (uintptr_t)d >= (uintptr_t)s + n) {
		while (n-- > 0)
			*d++ = *s++;
	} else {
		/* Overlap with dst above src: copy backwards. */
		d += n;
		s += n;
		while (n-- > 0)
			*--d = *--s;
	}
	return dst;
}

NO_LIBCALL void *memset(void *dst, int c, size_t n)
{
	unsigned char *d = dst;
	word_t word = (unsigned char)c;

	word |= word << 8;
	word |= word << 16;
	word |= word << 32;
	while (n > 0 && ((uintptr_t)d & (sizeof(word_t) - 1)) != 0) {
		*d++ = (unsigned char)c;
		n--;
	}
	if (n >= REP_MIN) {
		words_set(&d, word, n / sizeof(word_t));
		n %= sizeof(word_t);
	}
	while (n >= sizeof(word_t)) {
		*(word_t *)(void *)d = word;
		d += sizeof(word_t);
		n -= sizeof(word_t);
	}
	while (n-- > 0)
		*d++ = (unsigned char)c;
	return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *p = a, *q = b;

	for (; n > 0; n--, p++, q++) {
		if (*p != *q)
			return *p < *q ? -1 : 1;
	}
	return 0;
}

void *memchr(const void *s, int c, size_t n)
{
	const unsigned char *p = s;

	for (; n > 0; n--, p++) {
		if (*p == (unsigned char)c)
			return (void *)p;
	}
	return NULL;
}

size_t strlen(const char *s)
{
	const char *p = s;

	while (*p != '\0')
		p++;
	return (size_t)(p - s);
}

size_t strnlen(const char *s, size_t maxlen)
{
	size_t n = 0;

	while (n < maxlen && s[n] != '\0')
		n++;
	return n;
}

int strcmp(const char *a, const char *b)
{
	while (*a != '\0' && *a == *b) {
		a++;
		b++;
	}
	return (unsigned char)*a - (unsigned char)*b;
}

int strncmp(const char *a, const char *b, size_t n)
{
	for (; n > 0; n--, a++, b++) {
		if (*a != *b || *a == '\0')
			return (unsigned char)*a - (unsigned char)*b;
	}
	return 0;
}

char *strchr(const char *s, int c)
{
	for (;; s++) {
		if (*s == (char)c)
			return (char *)s;
		if (*s == '\0')
			return NULL;
	}
}

char *strrchr(const char *s, int c)
{
	const char *last = NULL;

	for (;; s++) {
		if (*s == (char)c)
			last = s;
		if (*s == '\0')
			return (char *)last;
	}
}

NO_LIBCALL char *strncpy(char *restrict dst, const char *restrict src, size_t n)
{
	size_t i = 0;

	for (; i < n && src[i] != '\0'; i++)
		dst[i] = src[i];
	for (; i < n; i++)
		dst[i] = '\0';
	return dst;
}

NO_LIBCALL size_t strlcpy(char *restrict dst, const char *restrict src, size_t size)
{
	size_t len = strlen(src);

	if (size > 0) {
		size_t n = len < size - 1 ? len : size - 1;
		for (size_t i = 0; i < n; i++)
			dst[i] = src[i];
		dst[n] = '\0';
	}
	return len;
}

static int digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'Z')
		return c - 'A' + 10;
	return 99; /* not a digit in any base */
}

unsigned long kstrtoul(const char *s, const char **endp, int base)
{
	const char *p = s;
	unsigned long val = 0;
	int any = 0, overflow = 0;

	if (endp != NULL)
		*endp = s;
	if (base != 0 && (base < 2 || base > 36))
		return 0;
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '+')
		p++;
	if ((base == 0 || base == 16) && p[0] == '0' && (p[1] == 'x' || p[1] == 'X') &&
	    digit_value(p[2]) < 16) {
		p += 2;
		base = 16;
	} else if (base == 0) {
		base = p[0] == '0' ? 8 : 10;
	}
	for (;; p++) {
		int d = digit_value(*p);
		if (d >= base)
			break;
		any = 1;
		if (val > (KLIB_ULONG_MAX - (unsigned long)d) / (unsigned long)base)
			overflow = 1;
		else
			val = val * (unsigned long)base + (unsigned long)d;
	}
	if (!any)
		return 0;
	if (endp != NULL)
		*endp = p;
	return overflow ? KLIB_ULONG_MAX : val;
}
