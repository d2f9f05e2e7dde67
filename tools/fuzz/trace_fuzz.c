/*
 * trace_fuzz - coverage-guided (libFuzzer) harness for the trace loader,
 * trace_load() in kern/log/trace.c.  Built by tools/fuzz.mk with clang,
 * -fsanitize=fuzzer,address,undefined, over a sanitized copy of the whole
 * portable core (every type row the host tools link, so kernel traces
 * replay their events here too).  docs/trace-format.md, "Fuzzing the
 * loader", has the commands and the numbers.
 *
 * An input is a trace file, as `trace check` would read it.  For each one:
 *   - rejected: the loader must give a message, at a byte offset inside
 *     the file, and leave nothing allocated (counted here, and
 *     LeakSanitizer checks the rest);
 *   - accepted: what a consumer does with a loaded set must work: the text
 *     form (every line printable ASCII: one line stays one line), and
 *     trace_save, whose file must load again and save to the same bytes
 *     (and to the input's own bytes when it is of this loader's version:
 *     nothing the loader accepts is lost or changed); then it is released.
 * A broken rule aborts with the reason, so libFuzzer keeps the input.
 *
 * A mutation breaks the checksums, so almost every input would stop at the
 * first CRC.  The custom mutator therefore reseals (trace_reseal) half of
 * the mutated files, recomputing every checksum, length and section count
 * whose framing survived: those reach the parsers behind the checksums,
 * the other half keep testing the checks in front.  The input stored (and
 * saved as a crash) is the file exactly as loaded.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "log/trace.h"

size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max);
int LLVMFuzzerInitialize(int *argc, char ***argv);
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max, unsigned int seed);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static long live; /* the loader's blocks not given back yet */

static void *fz_alloc(void *ctx, size_t n)
{
	n = (n + 63) & ~(size_t)63;
	void *p = aligned_alloc(64, n ? n : 64);
	if (p) {
		memset(p, 0, n ? n : 64);
		live++;
	}
	return p;
}

static void fz_free(void *ctx, void *p)
{
	live--;
	free(p);
}

static const struct trace_mem fz_mem = { fz_alloc, fz_free, 0 };

static _Noreturn void broken(const char *what, const char *detail)
{
	fprintf(stderr, "trace_fuzz: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
	abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	/* As the host tools have it: objects of a type this program lacks
	 * load with a stand-in row (more of the loader to reach). */
	trace_unknown_types_ok = true;
	return 0;
}

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max, unsigned int seed)
{
	size = LLVMFuzzerMutate(data, size, max);
	if (seed & 1)
		trace_reseal(data, size);
	return size;
}

static void text_line(void *ctx, const char *line)
{
	for (const char *c = line; *c; c++)
		if (*c < ' ' || *c > '~')
			broken("a text line holds a byte that is not printable ASCII", line);
	*(size_t *)ctx += 1;
}

/* trace_save into an exact heap buffer of trace_size() bytes. */
static uint8_t *save(const struct log_set *set, const struct trace_meta *m, size_t *len)
{
	uint64_t n = trace_size(set, m);
	struct trace_sink s = { malloc(n ? n : 1), 0, n };
	if (!s.p)
		broken("out of memory for the saved copy", 0);
	if (!trace_save(set, m, trace_sink_write, &s) || s.len != n)
		broken("an accepted set does not save (or not in trace_size bytes)", 0);
	*len = s.len;
	return s.p;
}

/* What a consumer does with an accepted file. */
static void consume(const struct log_set *set, const struct trace_meta *m, const uint8_t *in,
		    size_t inlen)
{
	struct log_set set2;
	struct trace_meta m2;
	struct trace_err err;
	size_t lines = 0, alen, blen;
	trace_text(set, m, 0, text_line, &lines);
	if (lines < 4)
		broken("the text form has no header", 0);
	uint8_t *a = save(set, m, &alen);
	if (m->minor == TRACE_MINOR && (alen != inlen || memcmp(a, in, inlen)))
		broken("saving an accepted file does not give it back byte for byte", 0);
	if (!trace_load(a, alen, &set2, &m2, &fz_mem, &err))
		broken("the saved copy of an accepted file is rejected", err.msg);
	uint8_t *b = save(&set2, &m2, &blen);
	if (alen != blen || memcmp(a, b, alen))
		broken("save(load(save(x))) differs from save(x)", 0);
	trace_release(&set2, &fz_mem);
	free(a);
	free(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct log_set set;
	struct trace_meta meta;
	struct trace_err err;
	if (trace_load(data, size, &set, &meta, &fz_mem, &err)) {
		consume(&set, &meta, data, size);
		trace_release(&set, &fz_mem);
	} else {
		if (!err.msg[0])
			broken("rejected without a message", 0);
		if (err.offset > size)
			broken("the message points past the end of the file", err.msg);
		if (set.objs || set.nobjs)
			broken("rejected with the object table left in the set", err.msg);
	}
	if (live)
		broken(live > 0 ? "blocks left allocated" : "a block freed twice", err.msg);
	return 0;
}
