/*
 * fuzz_trace - mutation fuzzer for the trace loader (built with ASan and
 * UBSan: see tests/host/trace.mk).
 *
 * Seeds are real recordings (wrapped windows, order streams, no order
 * stream, MCS and ticket locks, an empty set).  Each round copies one
 * into a heap block of exactly the mutated length (so any read past the
 * end is caught), applies 1-4 random edits (bit flips, byte sets,
 * inserts, deletes, truncation, chunk copies, interesting integers) and,
 * half the time, reseals the checksums so that the edit reaches the deep
 * checks instead of dying at a CRC.  The loader must then either reject
 * with a message, leaving nothing allocated, or accept a file that
 * round-trips: save(load(f)) loads again and saves to the same bytes.
 *
 *   test_trace_fuzz [MUTATIONS [SEED]]     default 20000, seed 1
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>
#include "host/cli.h"
#include "host/scenario.h"
#include "log/trace.h"

/* The core's memory outlives the seeds' runs (objects stay registered
 * until the next run resets them); LeakSanitizer would call that a leak.
 * The loader's own allocations are counted below. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "detect_leaks=0";
}

static uint64_t rounds = 20000, rng = 1;
static long live_allocs; /* the loader must leave none behind on a reject */

static void *f_alloc(void *ctx, size_t n)
{
	n = (n + 63) & ~(size_t)63;
	void *p = aligned_alloc(64, n ? n : 64);
	if (p) {
		memset(p, 0, n);
		live_allocs++;
	}
	return p;
}

static void f_free(void *ctx, void *p)
{
	live_allocs--;
	free(p);
}

static const struct trace_mem fmem = { f_alloc, f_free, 0 };

static uint64_t rnd(uint64_t n) /* xorshift64*, uniform enough for 0..n-1 */
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (rng * 0x2545f4914f6cdd1dull) % (n ? n : 1);
}

struct blob {
	uint8_t *p;
	size_t len, cap;
};

#define NSEEDS 5
static struct blob seeds[NSEEDS];

static struct blob encode(const struct log_set *set, const struct trace_meta *m)
{
	struct blob b = { 0, (size_t)trace_size(set, m), 0 };
	struct trace_sink s = { malloc(b.len), 0, b.len };
	assert_true(trace_save(set, m, trace_sink_write, &s));
	b.p = s.p;
	return b;
}

static struct blob seed_from(const char *oracle, unsigned ncpus, uint64_t ops, enum lock_kind k,
			     uint32_t ring, bool order)
{
	static struct log_set set;
	const struct scen_cfg cfg = { ncpus, ops, 2, k, ring };
	struct trace_meta m = { .ncpus = ncpus, .seed = 42 };
	struct oracle_spec spec;
	struct host_result res;
	assert_null(oracle_parse(oracle, &spec));
	log_record_order = order;
	assert_true(scenario_run(&cfg, &spec, HOST_COOP, 0, &res));
	log_record_order = false;
	log_snapshot(&set);
	snprintf(m.oracle, sizeof m.oracle, "%s", oracle);
	snprintf(m.build_id, sizeof m.build_id, "fuzz");
	snprintf(m.cmdline, sizeof m.cmdline, "oracle=%s", oracle);
	struct blob b = encode(&set, &m);
	log_set_free(&set);
	return b;
}

static void make_seeds(void)
{
	static struct log_set empty;
	struct trace_meta m = { .ncpus = 1 };
	seeds[0] = seed_from("script:random:3", 3, 40, LOCK_TICKET, 8, true);
	seeds[1] = seed_from("script:pct:2:5", 2, 30, LOCK_MCS, 4, true);
	seeds[2] = seed_from("script:rr", 2, 12, LOCK_TICKET, 0, false);
	seeds[3] = seed_from("script:random:8", 4, 6, LOCK_MCS, 0, true);
	seeds[4] = encode(&empty, &m);
}

/* One random edit of b (inserts stay within b->cap). */
static void mutate(struct blob *b)
{
	static const uint64_t interesting[] = { 0,     1,  0x7f, 0xff, 0xffff, 0xffffffffull,
						~0ull, 59, 510,  4096 };
	size_t at = b->len ? (size_t)rnd(b->len) : 0;
	switch (rnd(7)) {
	case 0: /* flip a bit */
		if (b->len)
			b->p[at] ^= (uint8_t)(1u << rnd(8));
		break;
	case 1: /* set a byte */
		if (b->len)
			b->p[at] = (uint8_t)rnd(256);
		break;
	case 2: { /* insert bytes */
		size_t n = 1 + (size_t)rnd(8);
		if (b->len + n > b->cap)
			break;
		memmove(b->p + at + n, b->p + at, b->len - at);
		for (size_t i = 0; i < n; i++)
			b->p[at + i] = (uint8_t)rnd(256);
		b->len += n;
		break;
	}
	case 3: { /* delete bytes */
		size_t n = 1 + (size_t)rnd(16);
		if (at + n > b->len)
			n = b->len - at;
		memmove(b->p + at, b->p + at + n, b->len - at - n);
		b->len -= n;
		break;
	}
	case 4: /* truncate */
		b->len = at;
		break;
	case 5: { /* copy a chunk over another place */
		size_t n = 1 + (size_t)rnd(64), from = b->len ? (size_t)rnd(b->len) : 0;
		if (from + n <= b->len && at + n <= b->len)
			memmove(b->p + at, b->p + from, n);
		break;
	}
	default: { /* an interesting little-endian integer */
		uint64_t v = interesting[rnd(sizeof interesting / sizeof interesting[0])];
		unsigned w = 1u << rnd(4);
		for (unsigned i = 0; i < w && at + i < b->len; i++)
			b->p[at + i] = (uint8_t)(v >> (8 * i));
	}
	}
}

static void text_sink(void *ctx, const char *line)
{
	*(size_t *)ctx += strlen(line);
}

static struct log_set set1, set2;
static struct trace_meta meta1, meta2;

/* An accepted file must round-trip: save, load again, save to the same bytes. */
static void check_roundtrip(void)
{
	struct trace_err err;
	size_t chars = 0;
	struct blob a = encode(&set1, &meta1);
	if (!trace_load(a.p, a.len, &set2, &meta2, &fmem, &err))
		fail_msg("re-encoded accepted file rejected: %s", err.msg);
	struct blob b = encode(&set2, &meta2);
	assert_int_equal(a.len, b.len);
	assert_memory_equal(a.p, b.p, a.len);
	trace_text(&set2, &meta2, 0, text_sink, &chars);
	assert_true(chars > 0);
	trace_release(&set2, &fmem);
	free(a.p);
	free(b.p);
}

static void test_fuzz_loader(void **st)
{
	uint64_t rejected = 0, at_crc = 0, at_len = 0, accepted = 0, resealed = 0, seed = rng;
	make_seeds();
	size_t cap = seeds[0].len + 64 * 4;
	for (unsigned i = 1; i < NSEEDS; i++)
		if (seeds[i].len + 64 * 4 > cap)
			cap = seeds[i].len + 64 * 4;
	uint8_t *work = malloc(cap);
	clock_t t0 = clock();
	for (uint64_t i = 0; i < rounds; i++) {
		const struct blob *s = &seeds[rnd(NSEEDS)];
		struct blob b = { work, s->len, cap };
		memcpy(work, s->p, s->len);
		for (uint64_t k = 1 + rnd(4); k--;)
			mutate(&b);
		if (rnd(2) && trace_reseal(b.p, b.len))
			resealed++;
		/* Exactly b.len bytes on the heap: ASan sees any overread. */
		uint8_t *exact = malloc(b.len ? b.len : 1);
		memcpy(exact, b.p, b.len);
		struct trace_err err;
		/* Every other round, a type name the edits broke loads as a
		 * stand-in (as the trace tool does) and goes deeper. */
		trace_unknown_types_ok = i & 1;
		if (trace_load(exact, b.len, &set1, &meta1, &fmem, &err)) {
			accepted++;
			check_roundtrip();
			trace_release(&set1, &fmem);
		} else {
			rejected++;
			if (strstr(err.msg, "checksum"))
				at_crc++;
			else if (strstr(err.msg, "truncated") || strstr(err.msg, "garbage"))
				at_len++;
			if (!err.msg[0] || set1.nobjs)
				fail_msg("round %lu: rejected without a message or with objects left",
					 (unsigned long)i);
		}
		if (live_allocs)
			fail_msg("round %lu: %ld allocations leaked", (unsigned long)i, live_allocs);
		free(exact);
	}
	printf("fuzz: %lu mutations in %.2f s (seed %lu, %lu resealed): %lu rejected (%lu by length, "
	       "%lu at a checksum, %lu by a structure/consistency check), %lu accepted and "
	       "round-tripped\n",
	       (unsigned long)rounds, (double)(clock() - t0) / CLOCKS_PER_SEC, (unsigned long)seed,
	       (unsigned long)resealed, (unsigned long)rejected, (unsigned long)at_len,
	       (unsigned long)at_crc, (unsigned long)(rejected - at_crc - at_len),
	       (unsigned long)accepted);
	free(work);
}

int main(int argc, char **argv)
{
	cli_init("test_trace_fuzz", "usage: test_trace_fuzz [MUTATIONS [SEED]]\n",
		 "  MUTATIONS  1..1000000000 (default 20000)\n"
		 "  SEED       any 64-bit number (default 1)\n");
	if (argc > 1 && cli_is_help(argv[1]))
		cli_help();
	if (argc > 3)
		cli_bad_arg(argv[3]);
	if (argc > 1)
		rounds = cli_num(argv[1], "MUTATIONS", 1, 1000000000);
	if (argc > 2)
		rng = cli_num(argv[2], "SEED", 0, ~0ull) | 1;
	const struct CMUnitTest tests[] = { cmocka_unit_test(test_fuzz_loader) };
	return cmocka_run_group_tests(tests, 0, 0);
}
