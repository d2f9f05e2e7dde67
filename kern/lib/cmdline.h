/*
 * Kernel command line parser: "key=value key2 key3=\"a b\"".
 *
 *  - Parameters are separated by spaces, tabs or newlines (runs of them are fine).
 *  - A bare key means the value "1"; "key=" gives the empty value "".
 *  - Double quotes group text containing spaces and are removed:
 *    k="a b" and k=a" "b both give  a b . An unterminated quote runs to
 *    the end of the line (warned).
 *  - Everything is copied into the struct cmdline itself: no allocation, the
 *    line may be freed or overwritten after parsing.
 *
 * Problems are reported through warn(msg, arg), one complete message per
 * call (no trailing newline), and parsing carries on:
 *  - unknown key (still stored, with known == false), listing the known keys;
 *  - duplicated key (the last value wins and keeps the first one's position);
 *  - more than CMDLINE_MAX_PAIRS keys, or more text than CMDLINE_BUF_SIZE
 *    holds (the extra keys are dropped and truncated is set);
 *  - empty key ("=x") and unterminated quote.
 */
#ifndef KERN_LIB_CMDLINE_H
#define KERN_LIB_CMDLINE_H

#include <stdbool.h>
#include <stddef.h>

#define CMDLINE_MAX_PAIRS 32
#define CMDLINE_BUF_SIZE 1024 /* keys and values, each NUL-terminated */

/* One key the caller understands; help is for the caller's own listings and may be NULL. */
struct cmdline_key {
	const char *name;
	const char *help;
};

struct cmdline_pair {
	const char *key;   /* points into buf */
	const char *value; /* points into buf, or to a constant "1" for a bare key */
	bool known;        /* false if the key was not in the table passed to cmdline_parse */
};

struct cmdline {
	/* The parse's warn and arg, kept for the getters' own reports. */
	void (*warn)(const char *msg, void *arg);
	void *warn_arg;
	size_t n; /* pairs[0..n) are valid, in order of appearance */
	struct cmdline_pair pairs[CMDLINE_MAX_PAIRS];
	size_t n_unknown; /* how many of them have known == false */
	bool truncated;   /* some keys were dropped for lack of room */
	size_t used;      /* bytes of buf in use */
	char buf[CMDLINE_BUF_SIZE];
};

/*
 * Parses line (NULL is taken as "") into *out, which is fully overwritten.
 * known[0..nknown) is the table of accepted keys; known == NULL disables the
 * check (every key counts as known). warn may be NULL.
 * Returns the number of warnings issued (0: the line was clean), or -1 if
 * out is NULL.
 */
int cmdline_parse(const char *line, const struct cmdline_key *known, size_t nknown,
		  struct cmdline *out, void (*warn)(const char *msg, void *arg), void *arg);

/* Value of key, or NULL if it was not given. */
const char *cmdline_get(const struct cmdline *cl, const char *key);
bool cmdline_has(const struct cmdline *cl, const char *key);

/*
 * value as a whole number (decimal, 0x hex or 0 octal, see kstrtoul) into
 * *out. False, *out untouched, if value is empty, has anything but digits
 * (spaces and signs included), or does not fit: kstrtoul saturates at
 * ULONG_MAX, so that value itself counts as too large.
 */
bool cmdline_parse_ulong(const char *value, unsigned long *out);

/*
 * Value of key as a number, or def if the key is absent. A value that is
 * not a number (see cmdline_parse_ulong) also gives def, and is reported
 * through the parse's warn: the caller may not be able to stop, but a
 * mistyped number must not pass silently for the default.
 */
unsigned long cmdline_get_ulong(const struct cmdline *cl, const char *key, unsigned long def);

#endif /* KERN_LIB_CMDLINE_H */
