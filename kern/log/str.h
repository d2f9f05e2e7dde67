/*
 * str.h - the string and byte helpers the portable core needs (no libc).
 */
#ifndef LOG_STR_H
#define LOG_STR_H

#include <stdbool.h>
#include <stdint.h>

static inline unsigned log_strlen(const char *s)
{
	unsigned n = 0;
	while (s[n])
		n++;
	return n;
}

static inline bool log_streq(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return *a == *b;
}

/* Does s start with prefix p?  Returns the rest, or NULL. */
static inline const char *log_strprefix(const char *s, const char *p)
{
	while (*p)
		if (*s++ != *p++)
			return 0;
	return s;
}

/* Little-endian fields of the trace and stream formats, n bytes (<= 8). */
static inline uint64_t log_le_get(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static inline void log_le_put(uint8_t *p, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

#endif
