/*
 * hash.h - the chained hash over a log.
 *
 * Not cryptographic: it only has to make an accidental divergence (another
 * CPU, another argument, a missing event) visible at the first event that
 * differs.  64-bit multiply/xor-shift mixing, integer only (the kernel is
 * built -mgeneral-regs-only).
 */
#ifndef LOG_HASH_H
#define LOG_HASH_H

#include <stdint.h>
#include "log/event.h"

static inline uint64_t log_mix(uint64_t h, uint64_t v)
{
	h ^= v;
	h *= 0x9e3779b97f4a7c15ull;
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ull;
	h ^= h >> 32;
	return h;
}

/* Seed of an object's chain: its symbolic name, so traces survive rebuilds. */
static inline uint64_t log_hash_name(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a */
	while (*s) {
		h ^= (uint8_t)*s++;
		h *= 0x100000001b3ull;
	}
	return h;
}

/* Covers exactly the fields replay must reproduce (see event.h). */
static inline uint64_t log_hash_event(uint64_t prev, const struct log_event *e)
{
	uint64_t h = log_mix(prev, (uint64_t)e->seq | (uint64_t)e->cpu << 32 |
				   (uint64_t)e->type << 40);
	h = log_mix(h, e->thread);
	h = log_mix(h, e->arg0);
	return log_mix(h, e->arg1);
}

#endif
