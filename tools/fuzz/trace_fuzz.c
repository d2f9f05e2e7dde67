/*
 * trace_fuzz - coverage-guided (libFuzzer) harness for the trace loader,
 * trace_load() in kern/log/trace.c.  Built by tools/fuzz.mk with clang,
 * -fsanitize=fuzzer,address,undefined, over a sanitized copy of the loader's
 * part of the portable core (kern/log and every type row the host tools
 * link, so kernel traces replay their events here too).
 * docs/trace-format.md, "Fuzzing the loader", has the commands and numbers.
 *
 * An input is a trace file, as `trace check` would read it.  For each one:
 *   - rejected: the loader must give a message, at a byte offset inside
 *     the file, and leave nothing allocated (counted here, and
 *     LeakSanitizer checks the rest);
 *   - accepted: what a consumer does with a loaded set must work: the text
 *     form (every line printable ASCII: one line stays one line), and
 *     trace_save, whose file must load again and save to the same bytes
 *     (and to the input's own bytes when it is of this loader's version:
 *     nothing the loader accepts is lost or changed); then it is released;
 *     then loaded again with one allocation refused (the first, the last,
 *     one between), it must be rejected as above, saying "out of memory".
 * trace_fuzz_tools (the same file, -DTRACE_FUZZ_TOOLS) also runs every
 * command of the trace tool on each accepted input (run_tools).
 * A broken rule aborts with the reason, so libFuzzer keeps the input.
 *
 * A mutation breaks the checksums, so almost every input would stop at the
 * first CRC.  The custom mutator therefore reseals (trace_reseal) three
 * quarters of the mutated files, recomputing every checksum, length and
 * section count whose framing survived: those reach the parsers behind the
 * checksums, the other quarter keeps testing the checks in front.  A third
 * of the resealed ones then get one header field or the whole-file
 * checksum changed under a recomputed checksum (unseal_one).  The input
 * stored (and saved as a crash) is the file exactly as loaded.
 */
#define _GNU_SOURCE /* memfd_create */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sanitizer/lsan_interface.h>
#include <sys/mman.h>
#include "log/trace.h"

/* tools/trace.c's main, renamed in trace_fuzz_tools (tools/fuzz.mk). */
int trace_main(int argc, char **argv);
size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max);
int LLVMFuzzerInitialize(int *argc, char ***argv);
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max, unsigned int seed);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static long live;                      /* the loader's blocks not given back yet */
static unsigned long nallocs, fail_at; /* allocations so far; the one to refuse */

static void *fz_alloc(void *ctx, size_t n)
{
	if (++nallocs == fail_at)
		return 0;
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

static void put32(uint8_t *p, uint32_t v)
{
	for (unsigned i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/*
 * A resealed file with one thing made inconsistent behind a right
 * checksum, for the checks that only such a file reaches: a header field
 * (section count, length, version, flags) under a recomputed header
 * checksum, or the whole-file checksum in END under a recomputed END one.
 */
static void unseal_one(uint8_t *f, size_t len, unsigned r)
{
	static const uint8_t end_tag[4] = { 'E', 'N', 'D', '!' };
	unsigned bit = 1u << (r >> 8 & 7);
	switch (r & 3) {
	case 0: /* a bit of the header after the magic */
		f[8 + (r >> 2 & 63) % 20] ^= (uint8_t)bit;
		break;
	case 1: /* file_len = the real length (trailing bytes after END) */
		for (unsigned i = 0; i < 8; i++)
			f[16 + i] = (uint8_t)((uint64_t)len >> (8 * i));
		break;
	case 2: /* the whole-file checksum, if END is last */
		if (len < 32 + 24 || memcmp(f + len - 24, end_tag, 4))
			return;
		f[len - 8 + (r >> 2 & 3)] ^= (uint8_t)bit;
		put32(f + len - 4, trace_crc32(0, f + len - 24, 20));
		return;
	default: /* the section count, one off */
		put32(f + 12, (uint32_t)(f[12] | f[13] << 8 | f[14] << 16 | (uint32_t)f[15] << 24) +
				      (r & 4 ? 1 : ~0u));
	}
	put32(f + 28, trace_crc32(0, f, 28));
}

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max, unsigned int seed)
{
	size = LLVMFuzzerMutate(data, size, max);
	switch (seed & 3) {
	case 0: /* as mutated: the checks in front of the checksums */
		break;
	case 3: /* resealed, then one inconsistency behind a right checksum */
		if (trace_reseal(data, size))
			unseal_one(data, size, seed >> 2);
		break;
	default: /* resealed: the parsers behind the checksums */
		trace_reseal(data, size);
	}
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

#ifdef TRACE_FUZZ_TOOLS
/*
 * trace_fuzz_tools: the trace tool's commands on an accepted file, as a
 * user runs them.  Each must return (never exit: a valid file is no usage
 * error) with a status its page allows, and a file is the same as itself.
 * The commands keep what they load until the program exits, so their
 * blocks are no leaks here; a campaign's memory grows with them, and they
 * make it several times slower: hence a target of its own.
 */
static void run_tools(const uint8_t *data, size_t size)
{
	static const struct {
		int maxst; /* highest exit status allowed */
		const char *argv[8];
	} runs[] = {
		{ 0, { "decode", "F" } },
		{ 1, { "check", "F" } }, /* 1: valid but empty */
		{ 0, { "stats", "F" } },
		{ 1, { "detect", "F" } }, /* 1: something flagged */
		{ 1, { "detect", "F", "--json" } },
		{ 0, { "timeline", "F", "--json", "/dev/null", "--html", "/dev/./null" } },
		{ 0, { "timeline", "F", "--html", "/dev/null", "--clock=seq", "--max-events=50" } },
		{ 0, { "coverage", "F", "F" } },
		{ 0, { "diff", "F", "F" } }, /* a file is the same as itself */
	};
	static char path[64]; /* the input, in memory, as a file name */
	static int fd = -1;
	if (fd < 0) {
		fd = memfd_create("trace_fuzz", 0);
		snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
		/* The commands' output (libFuzzer reports on stderr). */
		if (fd < 0 || !freopen("/dev/null", "w", stdout))
			broken("no memfd or /dev/null", 0);
	}
	if (ftruncate(fd, 0) || pwrite(fd, data, size, 0) != (ssize_t)size)
		broken("cannot write the input for the tools", 0);
	__lsan_disable();
	for (unsigned i = 0; i < sizeof runs / sizeof runs[0]; i++) {
		char *argv[10] = { "trace" };
		int argc = 1;
		for (const char *const *a = runs[i].argv; *a; a++)
			argv[argc++] = (char *)(strcmp(*a, "F") ? *a : path);
		int st = trace_main(argc, argv);
		fflush(stdout);
		if (st < 0 || st > runs[i].maxst)
			broken("a trace command failed on an accepted file", runs[i].argv[0]);
	}
	__lsan_enable();
}
#else
static void run_tools(const uint8_t *data, size_t size)
{
}
#endif

/* A rejection: a message about a place in the file, nothing left. */
static void check_rejected(const struct log_set *set, const struct trace_err *err, size_t size)
{
	if (!err->msg[0])
		broken("rejected without a message", 0);
	if (err->offset > size)
		broken("the message points past the end of the file", err->msg);
	if (set->objs || set->nobjs)
		broken("rejected with the object table left in the set", err->msg);
	if (live)
		broken(live > 0 ? "blocks left allocated" : "a block freed twice", err->msg);
}

/* Allocation k refused, in a load that succeeds with all of them: a
 * rejection like any other, which says why. */
static void load_short_of_memory(const uint8_t *data, size_t size, unsigned long k)
{
	struct log_set set;
	struct trace_meta meta;
	struct trace_err err;
	nallocs = 0;
	fail_at = k;
	bool ok = trace_load(data, size, &set, &meta, &fz_mem, &err);
	fail_at = 0;
	if (ok)
		broken("loaded with an allocation refused", 0);
	check_rejected(&set, &err, size);
	if (!strstr(err.msg, "out of memory"))
		broken("an allocation was refused and the message does not say so", err.msg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct log_set set;
	struct trace_meta meta;
	struct trace_err err;
	nallocs = 0;
	if (!trace_load(data, size, &set, &meta, &fz_mem, &err)) {
		check_rejected(&set, &err, size);
		return 0;
	}
	unsigned long n = nallocs;
	consume(&set, &meta, data, size);
	trace_release(&set, &fz_mem);
	if (live)
		broken(live > 0 ? "blocks left allocated" : "a block freed twice", 0);
	run_tools(data, size);
	/* Out of memory at the first allocation, the last, and one between
	 * that the input chooses (the cleanup of each stage). */
	if (n)
		load_short_of_memory(data, size, 1);
	if (n > 1)
		load_short_of_memory(data, size, n);
	if (n > 2)
		load_short_of_memory(data, size, 2 + size % (n - 2));
	return 0;
}
