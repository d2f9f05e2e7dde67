/*
 * str.h - the two string helpers the portable core needs (no libc).
 */
#ifndef LOG_STR_H
#define LOG_STR_H

#include <stdbool.h>

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

#endif
