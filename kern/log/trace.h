/*
 * trace.h - a recorded log set as a file: versioned binary format, its
 * loader (which rejects bad files, saying what and where), and the stable
 * one-event-per-line text form.  docs/trace-format.md is the byte-level
 * specification; this header is the API.
 *
 * Portable (kernel and host): no libc, no FILE*.  Bytes go out through a
 * caller's write callback (kernel: a serial/debug port; host: a file or a
 * memory buffer) and come in as one buffer (kernel: a multiboot module).
 * Memory for a loaded set comes from the caller's allocator, so the host
 * can free it and the kernel can hand out never-freed log memory.
 *
 *   record (hw) -> log_snapshot(set) -> trace_save -> file
 *   file -> trace_load(set) -> oracle_start(replay, set)
 */
#ifndef LOG_TRACE_H
#define LOG_TRACE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "log/logset.h"

/* Major changes break old loaders (they refuse by name); minor ones only
 * add fields at the end of a section or new section tags, which an older
 * loader of the same major skips. */
/* 2: one-round chained hash (log_hash_event).  3: 64-bit seq, 32-bit
 * object ids, rows carry the recorded id and a checkpoint digest; 3.1 adds
 * the SHSH section after an object's ORDR.  4: the chained hash's field
 * multipliers fit in 32 bits (log_hash_fields). */
#define TRACE_MAJOR 5
#define TRACE_MINOR 0
#define TRACE_MAGIC "KLOGTRC\x1a" /* 8 bytes; \x1a stops `type`/cat of a binary */
#define TRACE_STR_MAX 256         /* build id, command line, oracle (with NUL) */
#define TRACE_NO_OBJ 0xffffffffu  /* section header: not about one object */

/* What a run was, besides its logs. */
struct trace_meta {
	uint16_t major, minor; /* as found in a loaded file; ignored by save */
	uint32_t ncpus;
	uint64_t seed;
	char build_id[TRACE_STR_MAX]; /* caller-supplied kernel build id or hash */
	char cmdline[TRACE_STR_MAX];
	char oracle[TRACE_STR_MAX]; /* "hw", "script:random:3", ... */
};

/* ---- checksums (own, freestanding) ---- */
uint32_t trace_crc32(uint32_t crc, const void *p, size_t n); /* start with 0 */

/* ---- writing ---- */

/* Sink for encoded bytes; returns false to abort the save. */
typedef bool (*trace_write_fn)(void *ctx, const void *p, size_t n);

/* Size in bytes that trace_save will write. */
uint64_t trace_size(const struct log_set *set, const struct trace_meta *m);
/* Encode `set` and `m`.  False if the sink failed or the set is not
 * consistent (more order runs claimed than chunks hold, too many objects). */
bool trace_save(const struct log_set *set, const struct trace_meta *m, trace_write_fn w, void *ctx);

/* A sink into a fixed buffer: kernel, a static area; host, trace_size()
 * bytes of heap.  Refuses (save fails) rather than overflow. */
struct trace_sink {
	uint8_t *p;
	size_t len, cap;
};
bool trace_sink_write(void *ctx, const void *p, size_t n);

/*
 * Recompute every checksum (sections, whole file, header; also the header's
 * length and section count) of a file whose section framing is intact.  For
 * tests and the fuzzer (to get edited files past the checksums and into the
 * deeper checks) and for hand-edited traces.  False if framing is broken.
 */
bool trace_reseal(void *buf, size_t len);

/* ---- loading ---- */

struct trace_mem {
	void *(*alloc)(void *ctx, size_t bytes); /* zeroed, 64-aligned; NULL if none */
	void (*free)(void *ctx, void *p);        /* may be NULL (a loaded trace is kept) */
	void *ctx;
};

struct trace_err {
	char msg[320];   /* "section EVTS (object lock.sched) at byte 1234: ..." */
	uint64_t offset; /* byte offset in the file of what is wrong */
};

/*
 * Parse and validate buf[0..len): structure, lengths, checksums, the
 * object table against the event arrays, seq contiguity, every chained
 * hash recomputed, the events replayed from each checkpoint with the
 * object type's apply(), the order stream against the counts.  On
 * success fills set and meta (object table, events and order chunks
 * allocated with mem; release them with trace_release) and returns true.
 * On failure returns false with err set, and nothing is left allocated.
 */
bool trace_load(const void *buf, size_t len, struct log_set *set, struct trace_meta *meta,
		const struct trace_mem *mem, struct trace_err *err);
void trace_release(struct log_set *set, const struct trace_mem *mem);

/*
 * Objects of a type this program does not have (log_type_find: a host tool
 * reading a kernel trace, whose run queues and channels are kernel code).
 * false, the default: the file is refused, naming the type.  true: such an
 * object gets a stand-in row (the type's name and state size from the file,
 * no event names, no apply): its chain hash, window and order stream are
 * checked, its events are not replayed and its checkpoint digest is taken
 * as written.  For tools that look at traces, never for replay.
 */
extern bool trace_unknown_types_ok;
/* Is t such a stand-in (from a loaded set)? */
bool trace_type_unknown(const struct log_type *t);

/* ---- text form (trace_text.c) ---- */

/* Bounded string builder: never overflows, always NUL-terminated; `full`
 * says text was cut. */
struct trace_buf {
	char *p;
	size_t len, cap;
	bool full;
};
void tbuf_init(struct trace_buf *b, char *p, size_t cap);
void tbuf_str(struct trace_buf *b, const char *s);
void tbuf_u64(struct trace_buf *b, uint64_t v);
void tbuf_hex(struct trace_buf *b, uint64_t v, unsigned digits); /* zero-padded */
/* printf's subset %s %c %u %x %lu %lx with '0' and width (long is 64-bit
 * on every target: x86-64 kernel and host). */
void tbuf_printf(struct trace_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void tbuf_vprintf(struct trace_buf *b, const char *fmt, va_list ap);

#define TRACE_TEXT_NOTIME 1u /* leave out ts/wait/hold/rel (differ run to run) */

/* One line (no newline) for event e of object r:
 *   lock.sched 17 cpu=2 thr=3 ACQ arg0=17 arg1=0 hash=9f3c... ts=.. wait=.. hold=.. rel=2 */
void trace_text_event(struct trace_buf *b, const struct log_objrec *r, const struct log_event *e,
		      unsigned flags);

/* Line sink for trace_text: one line without its newline. */
typedef void (*trace_line_fn)(void *ctx, const char *line);
/* The whole set as text: header lines, one `object` line per object,
 * its `order` runs, then its events, one per line. */
void trace_text(const struct log_set *set, const struct trace_meta *m, unsigned flags,
		trace_line_fn out, void *ctx);

#endif
