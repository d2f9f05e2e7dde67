/*
 * trace_tool.h - what the parts of the host `trace` tool share (tools/trace.c
 * has main and the small commands; trace_stats.c, trace_timeline.c,
 * trace_coverage.c and trace_detect.c the bigger ones).  docs/trace-tools.md describes them.
 */
#ifndef TOOLS_TRACE_TOOL_H
#define TOOLS_TRACE_TOOL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "log/trace.h"

#define EXIT_BAD 1 /* an invalid or empty trace, traces differ, a run failed */
#define EXIT_IO 2  /* as a usage error: the file cannot be read or written */

struct trace_file {
	struct log_set set;
	struct trace_meta meta;
};

/* "trace: PATH: WHAT" on stderr, exit EXIT_IO. */
_Noreturn void io_fail(const char *path, const char *what);
/* The whole file (read to EOF: pipes work), or exit EXIT_IO naming it. */
uint8_t *trace_read_all(const char *path, size_t *len);
/* Load `path` or exit: EXIT_IO if it cannot be read, EXIT_BAD (with the
 * loader's message) if it is not a valid trace. */
struct trace_file *trace_file_load(const char *path);
void trace_file_free(struct trace_file *t);
/* malloc/calloc or exit EXIT_IO naming `what`. */
void *xcalloc(size_t n, size_t size, const char *what);

/* Output files (trace_out.c): opened for writing or EXIT_IO; closed, and
 * if anything failed EXIT_IO with the old file as it was and no
 * half-written one (a regular file is written beside it and renamed over
 * it at the end; a device or pipe is written in place and never removed).
 * An output that is one of the command's inputs is refused.  A live output
 * (out_open_live) is written in place as it comes. */
FILE *out_open(const char *path);
FILE *out_open_live(const char *path);
void out_close(FILE *f, const char *path, bool ok);
/* trace_read_all notes each input file (out_open refuses to write over it). */
void trace_note_input(int fd);

/* Ticket and MCS locks: one ACQ event per acquisition (kern/lock/lock_type.h). */
bool trace_is_lock(const struct log_objrec *r);

/*
 * Every event of an object that the trace knows of, in seq order: with an
 * order stream, the whole run (who did each seq; the full event only inside
 * the kept window), else the kept window.
 */
struct trace_walk {
	const struct log_objrec *r;
	struct log_order_cursor oc;
	uint64_t next, end;
	/* the current event: */
	uint64_t seq;
	unsigned cpu;
	uint32_t thread;
	const struct log_event *ev; /* NULL outside the kept window */
};
void trace_walk_begin(struct trace_walk *w, const struct log_objrec *r);
bool trace_walk_next(struct trace_walk *w);
/* Does the walk start at seq 0 (order stream, or a window from 0)? */
bool trace_walk_whole(const struct log_objrec *r);
/* How many events the walk visits. */
uint64_t trace_walk_count(const struct log_objrec *r);

/* Nearest-rank percentiles of v[0..n) (sorted in place): p50, p90, p99,
 * max.  All 0 when n == 0. */
void trace_percentiles(uint64_t *v, size_t n, uint64_t out[4]);

/* The commands in the other files. */
int cmd_stats(const char *const *arg, bool opt);
int cmd_timeline(int argc, char **argv);
int cmd_coverage(int argc, char **argv);
int cmd_detect(int argc, char **argv);
int cmd_stream_check(int argc, char **argv);
int cmd_stream_extract(int argc, char **argv);
int cmd_stream_drain(int argc, char **argv);

/* The live stream in a guest-RAM file (trace_ramstream.c): its blocks and
 * the CPUs' unsent buffers as a stream file's bytes (*out, malloc'd), and
 * the bytes the region dropped; or a message: ram_no_region if the file
 * holds no region. */
extern const char ram_no_region[];
const char *ram_stream(uint8_t *p, size_t len, uint8_t **out, size_t *n, uint64_t *dropped,
		       unsigned *pending);

#endif
