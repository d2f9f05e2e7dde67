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

/*
 * Covers exactly the fields replay must reproduce (see event.h).
 *
 * The fields are first folded into one word w by a sum of products with odd
 * constants: odd numbers are invertible mod 2^64, so changing any single
 * field always changes w.  They are below 2^31, so that each multiply takes
 * its constant as an immediate (x86 imul r64, r/m64, imm32 sign-extends):
 * no register and no 10-byte load for it on every append.  seq's constant
 * is 1: seq is the one field loaded after a lock's atomic instruction, and
 * a multiply there lengthened the chain in front of the release's.  w does not depend on prev, so those multiplies
 * run in parallel; only one multiply-xorshift round is chained through the
 * log (it is on every lock hand-off's path).  That round is a bijection of
 * prev ^ w, so a difference introduced at one event never cancels out by
 * itself later: the first differing event and every one after it differ.
 */
/* actor: thread | cpu << 32 (an event's word 5, plat_actor_word()), cpu < 256. */
static inline uint64_t log_hash_actor(uint64_t prev, uint64_t seq, uint64_t actor, uint8_t type,
				      uint64_t arg0, uint64_t arg1)
{
	uint64_t w = seq + (actor | (uint64_t)type << 40) * 0x2c1b3c6dull + arg0 * 0x297a2d39ull +
		     arg1 * 0x27d4eb2full;
	uint64_t h = (prev ^ w) * 0xbf58476d1ce4e5b9ull;
	return h ^ (h >> 31);
}

static inline uint64_t log_hash_fields(uint64_t prev, uint64_t seq, uint32_t thread, uint8_t cpu,
				       uint8_t type, uint64_t arg0, uint64_t arg1)
{
	return log_hash_actor(prev, seq, (uint64_t)thread | (uint64_t)cpu << 32, type, arg0, arg1);
}

/* Digest of a payload that does not fit in an event (a message's words):
 * the event carries it so that replay checks what was copied. */
static inline uint64_t log_hash_words(const uint32_t *p, uint32_t n)
{
	uint64_t h = log_mix(0x6a09e667f3bcc909ull, n);
	for (uint32_t i = 0; i < n; i++)
		h = log_mix(h, p[i]);
	return h;
}

/* The same for bytes (a process's console output). */
static inline uint64_t log_hash_bytes(const uint8_t *p, uint64_t n)
{
	uint64_t h = log_mix(0xbb67ae8584caa73bull, n);
	for (uint64_t i = 0; i < n; i++)
		h = log_mix(h, p[i]);
	return h;
}

static inline uint64_t log_hash_event(uint64_t prev, const struct log_event *e)
{
	return log_hash_fields(prev, e->seq, e->thread, e->cpu, e->type, e->arg0, e->arg1);
}

#endif
