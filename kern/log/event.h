/*
 * event.h - the fixed-size event record every shared object's log is made of.
 *
 * One record per operation on an object (for a lock: one per acquisition).
 * It fills exactly one cache line so that recording an event is a burst of
 * stores to a single line the recording CPU owns.
 *
 * Hashed (replay must reproduce):   obj (via the chain seed), seq, cpu,
 *                                   thread, type, arg0, arg1.
 * Display only (differ run to run): ts, wait, hold, rel_cpu.
 *
 * Layout is part of the in-memory trace (struct log_set); keep it stable and
 * bump LOG_EVENT_VERSION when it changes.
 */
#ifndef LOG_EVENT_H
#define LOG_EVENT_H

#include <stdint.h>

/* 2: one-round chained hash; ts 0 = not timed.  3: seq 64-bit, obj 32-bit.
 * 4: word 5 is the recording word (thread, cpu, short hash).
 * 5: word 5 is thread | cpu << 32 only (the short hash follows from hash);
 *    rel_cpu is LOG_CPU_NONE in a lock's ring (a snapshot fills it in). */
#define LOG_EVENT_VERSION 5
#define LOG_CPU_NONE 0xffu

struct log_event {
	uint64_t hash; /* chained hash of the object's log up to and including this event */
	uint64_t arg0; /* type-specific (ticket lock: the ticket) */
	uint64_t arg1; /* type-specific */
	uint64_t ts;   /* plat_ticks() when the event took effect (display) */
	uint64_t seq;  /* per-object sequence number, 0, 1, 2, ...: as wide as the
			   * object's count, so it never wraps while a lock's ticket
			   * (a 64-bit counter) still grows */
	/* Word 5: who performed it, one word (thread | cpu << 32) that a
	 * thread appends with every event; the recording word is this word
	 * with the short hash in bits 48-63 (log_event_word in log.h).  Not
	 * storing the short hash here keeps the hash, which is the end of a
	 * chain of loads and multiplies after a lock's atomic instruction,
	 * out of this store (docs/log-lock-oracle.md, round 6). */
	uint32_t thread; /* plat_thread() of the actor */
	uint8_t cpu;     /* plat_cpu() of the actor */
	uint8_t pad0[3]; /* 0 */
	uint32_t obj;    /* object id (registry id; names are the stable key) */
	uint8_t type;    /* event type, meaning given by the object's log_type */
	uint8_t rel_cpu; /* LOG_CPU_NONE, in every ring; a snapshot says which CPU
			  * released a lock's acquisition (the holder: the event's
			  * cpu) unless it is still held (log_snapshot) */
	uint8_t pad1[2];
	uint32_t wait; /* locks: ticks from asking to getting (display) */
	uint32_t hold; /* locks: ticks from getting to releasing (display) */
} __attribute__((aligned(64)));

_Static_assert(sizeof(struct log_event) == 64, "an event is one cache line");

/* log_append_inline writes the small fields as whole little-endian words:
 * seq, (thread, cpu, pad0), (obj, type, rel_cpu, pad1), (wait, hold). */
#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "log_append_inline packs event fields into little-endian words"
#endif
_Static_assert(__builtin_offsetof(struct log_event, seq) == 32, "word 4: seq");
_Static_assert(__builtin_offsetof(struct log_event, thread) == 40 &&
		       __builtin_offsetof(struct log_event, cpu) == 44,
	       "word 5: thread | cpu << 32");
_Static_assert(__builtin_offsetof(struct log_event, obj) == 48 &&
		       __builtin_offsetof(struct log_event, type) == 52 &&
		       __builtin_offsetof(struct log_event, rel_cpu) == 53,
	       "word 6: obj | type << 32 | rel_cpu << 40");
_Static_assert(__builtin_offsetof(struct log_event, wait) == 56 &&
		       __builtin_offsetof(struct log_event, hold) == 60,
	       "word 7: wait | hold << 32");

/* Word 6 of an event: its object, type and releasing CPU. */
static inline uint64_t log_event_word6(uint32_t obj, uint8_t type, uint8_t rel_cpu)
{
	return (uint64_t)obj | (uint64_t)type << 32 | (uint64_t)rel_cpu << 40;
}

#endif
