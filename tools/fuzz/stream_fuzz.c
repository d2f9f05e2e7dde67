/*
 * stream_fuzz - coverage-guided (libFuzzer) harness for the live-stream
 * reader, `trace stream-check` (tools/trace_stream.c; format in
 * docs/trace-format.md, "Live stream").  Built by tools/fuzz.mk with clang,
 * ASan + UBSan, over the same sanitized objects as trace_fuzz_tools.
 *
 * An input is a stream file, or a guest-RAM file holding one, as
 * stream-check reads it.  The reader must answer every input with exit 0
 * (a valid, ended stream) or 1 (garbled, truncated, without an END block:
 * said with a message), never crash, read out of bounds, hang or leak.
 *
 * Every block ends its 16-byte header with a check word over the block, so
 * almost every mutation would stop at the first block.  The custom mutator
 * therefore reseals three quarters of the mutated inputs: it walks the
 * blocks whose framing survived (magic, a length inside the file) and
 * renumbers them and recomputes their check words, so that the record
 * parsers behind the check see the mutations; the other quarter keeps
 * testing the checks in front.
 */
#define _GNU_SOURCE /* memfd_create */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include "log/str.h"
#include "log/stream.h"

int cmd_stream_check(int argc, char **argv);
/* libFuzzer's entry points and its mutator. */
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max, unsigned seed);
size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max);

static int fd = -1;
static char path[64];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fd = memfd_create("stream", 0);
	if (fd < 0) {
		perror("stream_fuzz: memfd_create");
		abort();
	}
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	/* The reader's report goes to stdout: not wanted here, thousands of
	 * times a second (its errors still reach stderr). */
	int null = open("/dev/null", O_WRONLY);
	if (null < 0 || dup2(null, 1) < 0) {
		perror("stream_fuzz: /dev/null");
		abort();
	}
	close(null);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != (ssize_t)size) {
		perror("stream_fuzz: memfd");
		abort();
	}
	char quiet[] = "--quiet";
	char *argv[] = { quiet, path, 0 };
	int st = cmd_stream_check(2, argv);
	fflush(stdout);
	if (st != 0 && st != 1) {
		fprintf(stderr, "stream_fuzz: stream-check exited %d (want 0 or 1)\n", st);
		abort();
	}
	return 0;
}

/* Renumber and recheck every block whose framing holds, from the first. */
static void reseal(uint8_t *p, size_t n)
{
	uint32_t no = 0;
	for (size_t off = 0; off + LOG_STREAM_HDR <= n; no++) {
		uint8_t *h = p + off;
		size_t len = log_le_get(h + 4, 2);
		if (log_le_get(h, 2) != LOG_STREAM_MAGIC || len > n - off - LOG_STREAM_HDR)
			return;
		log_le_put(h + 8, no, 4);
		log_le_put(h + 12, log_stream_check(h, h + LOG_STREAM_HDR, len), 4);
		off += LOG_STREAM_HDR + len;
	}
}

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max, unsigned seed)
{
	size = LLVMFuzzerMutate(data, size, max);
	if (seed % 4 != 0)
		reseal(data, size);
	return size;
}
