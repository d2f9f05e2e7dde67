/*
 * stream.h - the order stream, streamed out while the run goes on.
 *
 * A whole-run recording (log_record_order) keeps every object's order
 * stream and short hashes in memory and writes the trace at the end
 * (trace.h).  With the live stream on as well, every event also goes, as
 * part of a record (object, first seq, then per event its recording word:
 * who performed it and its short hash), into a per-CPU buffer, when the
 * recording takes it from the object's ring (log.h,
 * log_rec_sync: at the object's checkpoints, so at most a ring's worth of
 * events after it happened, and at the end); each full buffer leaves as
 * one checksummed block through a sink the platform gives (kernel: guest
 * RAM or QEMU's debug console port, kern/dev/streamio.c; host: a file).
 * Objects are named in the stream by REG records, so the stream alone says
 * what happened up to where it ends, but for each object's last ring's
 * worth, even if the kernel never wrote its trace (a hang, a triple
 * fault).  Byte layout: docs/trace-format.md, "Live stream"; reader:
 * tools/trace_stream.c.
 *
 * Portable: no libc; the sink is called with interrupts off, under the
 * stream's own output lock, one block at a time.
 */
#ifndef LOG_STREAM_H
#define LOG_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "log/hash.h"

struct log_obj;
struct log_event;

#define LOG_STREAM_BLOCK 4096   /* bytes of a block, header included */
#define LOG_STREAM_HDR 16       /* magic:u16 kind:u8 cpu:u8 len:u16 pad:u16 no:u32 check:u32 */
#define LOG_STREAM_MAGIC 0x534b /* "KS" little-endian */
#define LOG_STREAM_VERSION 3

/* PENDING: made by a reader, never by the kernel: a CPU's buffer as it was
 * when the run stopped (stream-extract finds it in guest RAM). */
enum log_stream_kind {
	LOG_STREAM_HEAD = 1,
	LOG_STREAM_DATA = 2,
	LOG_STREAM_END = 3,
	LOG_STREAM_PENDING = 4
};
/* Record kinds: the low 2 bits of a record's first varint.  (Version 1
 * had a record per event, kind 0, and WHO records, kind 1; version 2's
 * EVENTS records packed performer and short hash into 3-6 bytes.) */
enum log_stream_rec { LOG_SREC_EVENTS = 0, LOG_SREC_REG = 2, LOG_SREC_UNREG = 3 };
/* Why a stream ended (the END block's first byte). */
enum log_stream_end { LOG_STREAM_END_RUN = 0, LOG_STREAM_END_PANIC = 1 };

typedef void (*log_stream_sink)(const void *p, size_t n);

extern bool log_stream_on;

/* Start streaming: a HEAD block (version, CPU count, build id, command
 * line), then a REG record for every live object (with the events it
 * already has, which the stream does not carry).  Needs log_record_order. */
void log_stream_start(log_stream_sink sink, unsigned ncpus, const char *build_id,
		      const char *cmdline);
/* n recording words (log_event_word) of o's events seq, seq + 1, ... as
 * records (log_rec_sync calls it with each stretch it records). */
void log_stream_words(struct log_obj *o, uint64_t seq, const uint64_t *w, uint64_t n);
/* Registration, under the registry's lock: a REG record, flushed at once
 * (so it leaves before any event of the object can). */
void log_stream_reg(struct log_obj *o);
void log_stream_unreg(struct log_obj *o);
/* The end: every CPU's buffer (the others must be stopped or idle), then
 * an END block saying why; streaming stops.  Safe on the panic path. */
void log_stream_end(enum log_stream_end why);

/* Where the per-CPU buffers are, for a platform that lets a host read its
 * memory (the RAM region's header names them): PLAT_MAX_CPUS of them,
 * `stride` bytes apart; buffer c's bytes [LOG_STREAM_HDR, *n) are records
 * not yet sent (n at byte offset `n_off` of each, a u32). */
void log_stream_buffers(const void **base, uint32_t *stride, uint32_t *n_off);

struct log_stream_stats {
	uint64_t events, records, bytes, blocks;
};
void log_stream_stats(struct log_stream_stats *s);

/* A block's check word: log_mix over its 12 header bytes, then its payload
 * 8 bytes at a time, each word folded into one of two lanes by a rotate and
 * one multiply (h = rotl(h ^ w, 23) * K, a bijection of h and of w: a
 * changed word changes its lane, and every step after keeps it changed;
 * without the rotate a multiply carries a change only upwards, and flips in
 * a word's top bits stayed in the top bits to the end, where 5% of them
 * cancelled out), the lanes joined by log_mix, then the tail zero-padded
 * and mixed in with its length.
 * Not a CRC: a stream pays it for every event (8 bytes each), so it is a
 * multiply per word, not trace_crc32's table walk per byte; any change of a
 * byte changes the word but by chance (2^-32). */
static inline uint64_t log_stream_fold(uint64_t h, uint64_t w)
{
	h ^= w;
	return (h << 23 | h >> 41) * 0x9e3779b97f4a7c15ull;
}

static inline uint32_t log_stream_check(const uint8_t *hdr, const uint8_t *p, size_t n)
{
	uint64_t h = 0x4b53424c4f434b32ull, w = 0; /* "KSBLOCK2" */
	__builtin_memcpy(&w, hdr, 8);
	h = log_mix(h, w);
	w = 0;
	__builtin_memcpy(&w, hdr + 8, 4);
	h = log_mix(h, w);
	/* Two lanes (even and odd words, four words a turn), joined by
	 * log_mix: fewer instructions per word and two multiplies in flight. */
	uint64_t g = h ^ 0x5851f42d4c957f2dull, x0, x1, x2, x3;
	for (; n >= 32; n -= 32, p += 32) {
		__builtin_memcpy(&x0, p, 8);
		__builtin_memcpy(&x1, p + 8, 8);
		__builtin_memcpy(&x2, p + 16, 8);
		__builtin_memcpy(&x3, p + 24, 8);
		h = log_stream_fold(log_stream_fold(h, x0), x2);
		g = log_stream_fold(log_stream_fold(g, x1), x3);
	}
	for (; n >= 8; n -= 8, p += 8) {
		__builtin_memcpy(&w, p, 8);
		h = log_stream_fold(h, w);
	}
	h = log_mix(h, g);
	w = 0;
	__builtin_memcpy(&w, p, n);
	h = log_mix(h, w ^ (uint64_t)n << 56);
	return (uint32_t)(h ^ h >> 32);
}

/* LEB128, shared with the reader: at most 10 bytes. */
static inline unsigned log_stream_put_varint(uint8_t *p, uint64_t v)
{
	unsigned n = 0;
	while (v >= 0x80) {
		p[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	p[n++] = (uint8_t)v;
	return n;
}

#endif
