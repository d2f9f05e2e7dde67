/*
 * test_trace - the binary trace format: save/load round trip, text form,
 * record (script/hw) -> save -> load -> replay, and one test per rejection
 * rule, each checking that the message names what is wrong and where.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "host/scenario.h"
#include "log/counter.h"
#include "log/hash.h"
#include "log/trace.h"

/* Kernel-like memory: a bump arena that is never freed (free == NULL),
 * so these tests also cover loading without a free(). */
static uint8_t arena[16 << 20] __attribute__((aligned(64)));
static size_t arena_used;

static void *arena_alloc(void *ctx, size_t n)
{
	n = (n + 63) & ~(size_t)63;
	if (n > sizeof arena - arena_used)
		return 0;
	void *p = arena + arena_used;
	arena_used += n;
	memset(p, 0, n);
	return p;
}

static const struct trace_mem mem = { arena_alloc, 0, 0 };

static struct log_set rec, got;
static struct trace_meta meta, gmeta;
static struct trace_err err;

/* Record a scenario under `oracle` with the order stream on. */
static void record(const char *oracle, unsigned ncpus, uint64_t ops, enum lock_kind kind,
		   uint32_t ring)
{
	const struct scen_cfg cfg = { ncpus, ops, 2, kind, ring };
	struct oracle_spec spec;
	struct host_result res;
	assert_null(oracle_parse(oracle, &spec));
	log_record_order = true;
	if (!scenario_run(&cfg, &spec, HOST_COOP, 0, &res))
		fail_msg("record: %s", res.msg);
	log_record_order = false;
	log_set_free(&rec);
	log_snapshot(&rec);
	memset(&meta, 0, sizeof meta);
	meta.ncpus = ncpus;
	meta.seed = 7;
	snprintf(meta.build_id, sizeof meta.build_id, "test-build \"q\"");
	snprintf(meta.cmdline, sizeof meta.cmdline, "oracle=%s smp=%u", oracle, ncpus);
	snprintf(meta.oracle, sizeof meta.oracle, "%s", oracle);
}

static uint8_t *save(const struct log_set *set, const struct trace_meta *m, size_t *len)
{
	*len = (size_t)trace_size(set, m);
	struct trace_sink s = { malloc(*len), 0, *len };
	assert_true(trace_save(set, m, trace_sink_write, &s));
	assert_int_equal(s.len, *len);
	return s.p;
}

/* Load must fail with a message containing each of the fragments. */
static void expect_reject(const uint8_t *buf, size_t len, const char *want1, const char *want2)
{
	if (trace_load(buf, len, &got, &gmeta, &mem, &err))
		fail_msg("accepted a bad file (wanted '%s')", want1);
	if (!strstr(err.msg, want1) || (want2 && !strstr(err.msg, want2)))
		fail_msg("message '%s' lacks '%s' / '%s'", err.msg, want1, want2 ? want2 : "");
	assert_int_equal(got.nobjs, 0);
}

static void text_cat(void *ctx, const char *line)
{
	char **s = ctx;
	size_t a = *s ? strlen(*s) : 0, b = strlen(line);
	*s = realloc(*s, a + b + 2);
	memcpy(*s + a, line, b);
	(*s)[a + b] = '\n';
	(*s)[a + b + 1] = 0;
}

static char *text_of(const struct log_set *set, const struct trace_meta *m, unsigned flags)
{
	char *s = 0;
	trace_text(set, m, flags, text_cat, &s);
	return s;
}

static void assert_sets_equal(const struct log_set *a, const struct log_set *b)
{
	assert_int_equal(a->nobjs, b->nobjs);
	for (uint32_t i = 0; i < a->nobjs; i++) {
		const struct log_objrec *x = &a->objs[i], *y = &b->objs[i];
		assert_string_equal(x->name, y->name);
		assert_ptr_equal(x->type, y->type);
		assert_int_equal(x->id, y->id);
		assert_int_equal(x->ck_digest, y->ck_digest);
		assert_int_equal(x->count, y->count);
		assert_int_equal(x->hash, y->hash);
		assert_int_equal(x->ck_seq, y->ck_seq);
		assert_int_equal(x->ck_hash, y->ck_hash);
		assert_memory_equal(x->ck_state, y->ck_state, LOG_STATE_MAX);
		assert_int_equal(x->first, y->first);
		assert_int_equal(x->nevents, y->nevents);
		assert_memory_equal(x->events, y->events, x->nevents * sizeof(struct log_event));
		assert_int_equal(x->order_runs, y->order_runs);
		const struct log_order_chunk *c = x->order, *d = y->order;
		for (; c && d; c = c->next, d = d->next) {
			assert_int_equal(c->n, d->n);
			assert_memory_equal(c->runs, d->runs, c->n * sizeof c->runs[0]);
		}
		assert_ptr_equal(c, d);
	}
}

static void test_roundtrip_binary_and_text(void **st)
{
	size_t len, len2;
	record("script:random:5", 3, 60, LOCK_TICKET, 8); /* ring 8: windows wrap */
	uint8_t *buf = save(&rec, &meta, &len);
	if (!trace_load(buf, len, &got, &gmeta, &mem, &err))
		fail_msg("load: %s", err.msg);
	assert_sets_equal(&rec, &got);
	assert_string_equal(gmeta.build_id, meta.build_id);
	assert_string_equal(gmeta.cmdline, meta.cmdline);
	assert_string_equal(gmeta.oracle, meta.oracle);
	assert_int_equal(gmeta.seed, 7);
	assert_int_equal(gmeta.ncpus, 3);
	assert_int_equal(gmeta.major, TRACE_MAJOR);
	/* A wrapped window: the checkpoint is inside it, not at 0. */
	const struct log_objrec *c = log_set_find(&got, "ctr.0");
	assert_non_null(c);
	assert_true(c->first > 0 && c->ck_seq >= c->first);

	/* encode(decode(x)) == x, byte for byte; text(decode(x)) == text(x). */
	uint8_t *buf2 = save(&got, &gmeta, &len2);
	assert_int_equal(len, len2);
	assert_memory_equal(buf, buf2, len);
	char *t1 = text_of(&rec, &meta, 0), *t2 = text_of(&got, &gmeta, 0);
	assert_string_equal(t1, t2);
	assert_non_null(strstr(t1, "trace 5.0\nbuild \"test-build \\\"q\\\"\"\n"));
	assert_non_null(strstr(t1, "\nobject lock.ctr.0 type=tlock count="));
	assert_non_null(strstr(t1, "\norder lock.ctr.0 cpu="));
	char want[160];
	const struct log_objrec *l = log_set_find(&rec, "lock.ctr.0");
	const struct log_event *e = &l->events[3];
	snprintf(want, sizeof want,
		 "\nlock.ctr.0 %lu cpu=%u thr=%u ACQ arg0=%lu arg1=0 hash=%016lx ts=",
		 (unsigned long)e->seq, e->cpu, e->thread, (unsigned long)e->seq,
		 (unsigned long)e->hash);
	if (!strstr(t1, want))
		fail_msg("text lacks '%s'", want);
	char *t3 = text_of(&got, &gmeta, TRACE_TEXT_NOTIME);
	assert_null(strstr(t3, " ts="));
	free(t1), free(t2), free(t3), free(buf), free(buf2);
	trace_release(&got, &mem);
}

/* record (hw, real threads) -> save -> load -> replay gives the same logs. */
static void test_hw_record_save_load_replay(void **st)
{
	const struct scen_cfg cfg = { 2, 3000, 2, LOCK_MCS, 0 };
	struct oracle_spec spec;
	struct host_result res;
	size_t len;
	assert_null(oracle_parse("hw", &spec));
	log_record_order = true;
	assert_true(scenario_run(&cfg, &spec, HOST_THREADS, 0, &res));
	log_record_order = false;
	log_set_free(&rec);
	log_snapshot(&rec);
	meta = (struct trace_meta){ .ncpus = 2 };
	uint8_t *buf = save(&rec, &meta, &len);
	if (!trace_load(buf, len, &got, &gmeta, &mem, &err))
		fail_msg("load: %s", err.msg);
	assert_null(oracle_parse("replay", &spec));
	if (!scenario_run(&cfg, &spec, HOST_COOP, &got, &res))
		fail_msg("replay of the loaded trace: %s", res.msg);
	for (uint32_t i = 0; i < got.nobjs; i++) {
		struct log_obj *o = log_find(got.objs[i].name);
		assert_non_null(o);
		assert_int_equal(o->count, got.objs[i].count);
		assert_int_equal(o->hash, got.objs[i].hash);
	}
	trace_release(&got, &mem);
	free(buf);
}

static void test_empty_set_and_unordered(void **st)
{
	size_t len;
	struct log_set *empty = calloc(1, sizeof *empty);
	struct trace_meta m = { .ncpus = 1 };
	uint8_t *buf = save(empty, &m, &len);
	if (!trace_load(buf, len, &got, &gmeta, &mem, &err))
		fail_msg("load: %s", err.msg);
	assert_int_equal(got.nobjs, 0);
	free(buf);
	/* Without the order stream: no ORDR sections. */
	const struct scen_cfg cfg = { 2, 20, 1, LOCK_TICKET, 0 };
	struct oracle_spec spec;
	struct host_result res;
	assert_null(oracle_parse("script:rr", &spec));
	assert_true(scenario_run(&cfg, &spec, HOST_COOP, 0, &res));
	log_set_free(&rec);
	log_snapshot(&rec);
	m.ncpus = 2;
	buf = save(&rec, &m, &len);
	if (!trace_load(buf, len, &got, &gmeta, &mem, &err))
		fail_msg("load: %s", err.msg);
	assert_sets_equal(&rec, &got);
	assert_null(got.objs[0].order);
	trace_release(&got, &mem);
	free(buf);
	free(empty);
}

static void *heap_alloc(void *ctx, size_t n)
{
	n = (n + 63) & ~(size_t)63;
	void *p = aligned_alloc(64, n ? n : 64);
	if (p)
		memset(p, 0, n ? n : 64);
	return p;
}

static void heap_free(void *ctx, void *p)
{
	free(p);
}

/*
 * Ten thousand objects, every other one unregistered before the snapshot:
 * the rows keep the ids the run gave them (events carry those, with holes
 * between them), and the set round-trips through the file and the text.
 */
static void test_roundtrip_many_objects_with_holes(void **st)
{
	static struct log_obj *objs[10000];
	const struct trace_mem hmem = { heap_alloc, heap_free, 0 };
	char name[LOG_NAME_MAX];
	size_t len, len2;
	log_reset();
	log_record_order = true;
	for (unsigned i = 0; i < 10000; i++) {
		snprintf(name, sizeof name, "c.%u", i);
		objs[i] = log_register(&counter_log_type, name, 4);
		for (unsigned k = 0; k < i % 7; k++)
			log_append(objs[i], COUNTER_ADD, 1, k + 1);
	}
	for (unsigned i = 0; i < 10000; i += 2)
		log_unregister(objs[i]);
	log_record_order = false;
	log_set_free(&rec);
	log_snapshot(&rec);
	assert_int_equal(rec.nobjs, 5001);
	assert_string_equal(rec.objs[1].name, "c.1");
	assert_int_equal(rec.objs[1].id, 2);
	assert_int_equal(rec.objs[5000].id, 10000);
	struct trace_meta m = { .ncpus = 1 };
	uint8_t *buf = save(&rec, &m, &len);
	if (!trace_load(buf, len, &got, &gmeta, &hmem, &err))
		fail_msg("load: %s", err.msg);
	assert_sets_equal(&rec, &got);
	const struct log_objrec *r = log_set_find(&got, "c.9999");
	assert_non_null(r);
	assert_int_equal(r->events[0].obj, 10000);
	assert_true(r->events[r->nevents - 1].seq == 9999 % 7 - 1);
	uint8_t *buf2 = save(&got, &gmeta, &len2);
	assert_int_equal(len, len2);
	assert_memory_equal(buf, buf2, len);
	char *t1 = text_of(&rec, &m, 0), *t2 = text_of(&got, &gmeta, 0);
	assert_string_equal(t1, t2);
	free(t1), free(t2), free(buf), free(buf2);
	trace_release(&got, &hmem);
	log_reset();
}

/* Byte offsets of the sections of a valid file (for targeted edits). */
static size_t section_at(const uint8_t *f, size_t len, const char *tag, unsigned nth)
{
	size_t off = 32;
	while (off + 20 <= len) {
		uint64_t plen;
		memcpy(&plen, f + off + 8, 8);
		if (!memcmp(f + off, tag, 4) && nth-- == 0)
			return off;
		off += 20 + plen;
	}
	fail_msg("no section %s", tag);
	return 0;
}

static void test_reject_framing(void **st)
{
	size_t len;
	record("script:random:9", 2, 20, LOCK_TICKET, 0);
	uint8_t *buf = save(&rec, &meta, &len), *b = malloc(len + 16);

	expect_reject(buf, 10, "header at byte 10: truncated", 0);
	expect_reject(buf, len - 1, "truncated: header says", 0);
	memcpy(b, buf, len);
	b[len] = 0;
	expect_reject(b, len + 1, "1 bytes of garbage after the end", 0);
	b[0] = 'X';
	expect_reject(b, len, "header at byte 0: not a trace file (bad magic)", 0);

	memcpy(b, buf, len);
	b[8] = 6; /* major 6: refused by name, even with a valid header checksum */
	assert_true(trace_reseal(b, len));
	expect_reject(b, len, "version 6.0 is newer than this loader (5.0)", 0);
	b[8] = 4; /* the previous major: locks had a state */
	assert_true(trace_reseal(b, len));
	expect_reject(b, len,
		      "header at byte 8: trace format version 4.0 is older than this "
		      "loader (5.0), which reads only 5.x (locks now keep no state beside "
		      "their events)",
		      "record the run again");
	b[8] = 3; /* another chained hash */
	assert_true(trace_reseal(b, len));
	expect_reject(b, len,
		      "header at byte 8: trace format version 3.0 is older than this "
		      "loader (5.0), which reads only 5.x (the chained hash is computed "
		      "another way)",
		      "record the run again");
	b[8] = 2; /* 32-bit seq numbers */
	assert_true(trace_reseal(b, len));
	expect_reject(b, len,
		      "header at byte 8: trace format version 2.0 is older than this "
		      "loader (5.0)",
		      "64-bit seq numbers");
	b[8] = 0;
	assert_true(trace_reseal(b, len));
	expect_reject(b, len, "unknown trace format version 0.0", 0);

	/* A flipped bit in an event: that section's checksum names it. */
	memcpy(b, buf, len);
	size_t ev = section_at(b, len, "EVTS", 1);
	b[ev + 16 + 20] ^= 4;
	char want[96];
	snprintf(want, sizeof want, "section 5 EVTS (object %s) at byte", rec.objs[1].name);
	expect_reject(b, len, want, "checksum");
	memcpy(b, buf, len);
	b[len - 10] ^= 1; /* END's stored file checksum */
	expect_reject(b, len, "section", "END!");
	memcpy(b, buf, len);
	b[20] ^= 1; /* header file length */
	expect_reject(b, len, "header at byte 28: header checksum", 0);
	free(buf);
	free(b);
}

/* Edits that keep every checksum valid (resealed): the consistency rules. */
static void test_reject_inconsistent(void **st)
{
	size_t len;
	record("script:random:11", 2, 20, LOCK_TICKET, 0);
	uint8_t *buf = save(&rec, &meta, &len), *b = malloc(len);
	const struct log_objrec *l0 = log_set_find(&rec, "lock.ctr.0");
	unsigned i0 = (unsigned)(l0 - rec.objs);
	size_t ev = section_at(buf, len, "EVTS", i0) + 16; /* lock.ctr.0's events */
	char want[96];

	memcpy(b, buf, len);
	b[ev + 59 * 2 + 18] ^= 1; /* arg0 of seq 2 */
	assert_true(trace_reseal(b, len));
	snprintf(want, sizeof want, "EVTS (object lock.ctr.0) at byte %zu", ev + 59 * 2);
	expect_reject(b, len, want, "event seq 2: chained hash");

	memcpy(b, buf, len);
	b[ev + 59 * 3] ^= 0x40; /* seq of the 4th event */
	assert_true(trace_reseal(b, len));
	expect_reject(b, len, "event 3 has seq 67, expected 3 (not contiguous)", 0);

	memcpy(b, buf, len);
	b[ev + 59 * 3 + 8] = 9; /* obj id */
	assert_true(trace_reseal(b, len));
	snprintf(want, sizeof want, "event 3 belongs to object id 9, not %u", l0->id);
	expect_reject(b, len, want, 0);

	/* The object table's count no longer matches the event array: the
	 * first row's (the registry's; name, type name, id, count). */
	memcpy(b, buf, len);
	size_t ob = section_at(b, len, "OBJS", 0) + 16 + 4;
	const char *n0 = rec.objs[0].name;
	size_t cnt = ob + 1 + strlen(n0) + 1 + strlen(rec.objs[0].type->name) + 4;
	b[cnt] ^= 1;
	assert_true(trace_reseal(b, len));
	snprintf(want, sizeof want, "object %s: window first=0", n0);
	expect_reject(b, len, "section 1 OBJS at byte", want);

	/* Two rows with one id. */
	memcpy(b, buf, len);
	b[cnt - 4] = 1;
	assert_true(trace_reseal(b, len));
	expect_reject(b, len, "section 1 OBJS at byte", "id 1 used twice");

	/* An unknown object type. */
	memcpy(b, buf, len);
	b[ob + 1 + strlen(n0) + 1] = 'X';
	assert_true(trace_reseal(b, len));
	expect_reject(b, len, "unknown object type 'Xegistry'", 0);

	/* Sections out of order. */
	memcpy(b, buf, len);
	memcpy(b + section_at(b, len, "EVTS", 0), "ORDR", 4);
	assert_true(trace_reseal(b, len));
	expect_reject(b, len, "expected section EVTS of the next object, found ORDR", 0);
	free(buf);
	free(b);
}

/* Recompute the chain of r through its window (and the checkpoint hash
 * on it), so only the check under test can object to an edited event. */
static void rechain(struct log_objrec *r)
{
	uint64_t h = r->first == 0 ? log_hash_name(r->name) : r->events[0].hash;
	for (uint32_t k = r->first == 0 ? 0 : 1; k < r->nevents; k++)
		h = r->events[k].hash = log_hash_event(h, &r->events[k]);
	r->hash = h;
	if (r->ck_seq > r->first)
		r->ck_hash = r->events[r->ck_seq - r->first - 1].hash;
}

static void test_reject_replay_and_order(void **st)
{
	size_t len;
	record("script:random:13", 2, 20, LOCK_TICKET, 0);
	struct log_objrec *c = (struct log_objrec *)log_set_find(&rec, "ctr.1");
	c->events[4].arg1 += 1; /* "the section saw another value" */
	rechain(c);
	uint8_t *buf = save(&rec, &meta, &len);
	expect_reject(buf, len, "(object ctr.1)", "event seq 4 (ADD by cpu");
	assert_non_null(strstr(err.msg, "does not replay: ADD result"));
	free(buf);

	record("script:random:13", 2, 20, LOCK_TICKET, 0);
	struct log_objrec *l = (struct log_objrec *)log_set_find(&rec, "lock.ctr.0");
	l->order->runs[0].cpu ^= 1;
	buf = save(&rec, &meta, &len);
	expect_reject(buf, len, "ORDR (object lock.ctr.0)", "order stream says seq 0 was cpu=");
	free(buf);
}

/* Run k of r's order stream and the first seq it covers. */
static struct log_order_run *order_run(struct log_objrec *r, uint64_t k, uint64_t *seq)
{
	*seq = 0;
	for (struct log_order_chunk *c = r->order; c; c = c->next)
		for (uint32_t i = 0; i < c->n; i++, k--) {
			if (!k)
				return &c->runs[i];
			*seq += c->runs[i].count;
		}
	fail_msg("%s has no order run %lu", r->name, (unsigned long)k);
	return 0;
}

/*
 * Ids a replay uses as indexes must be in range for the trace itself: a
 * CPU the recorded run did not have (meta.ncpus = 2 here), in the order
 * stream before the kept window (where no event cross-checks it), in an
 * event or as its releasing CPU; and an event type the object's type does
 * not have, before the checkpoint (where apply() never sees it).
 */
static void test_reject_ids_out_of_range(void **st)
{
	size_t len;
	uint64_t seq;
	char want[128];
	record("script:random:17", 2, 41, LOCK_TICKET, 8); /* ctr.*: 8-event rings */
	struct log_objrec *l = (struct log_objrec *)log_set_find(&rec, "ctr.0");
	assert_true(l->first > 0 && l->order->runs[0].count <= l->first);
	l->order->runs[0].cpu = 5;
	uint8_t *buf = save(&rec, &meta, &len);
	expect_reject(buf, len, "ORDR (object ctr.0)",
		      "order run 0 at seq 0: cpu 5 out of range: the trace has cpus=2 (0..1)");
	free(buf);

	/* The same for the last run, which lies in the window: the range
	 * check speaks before the cross-check with the event would. */
	record("script:random:17", 2, 41, LOCK_TICKET, 8);
	l = (struct log_objrec *)log_set_find(&rec, "ctr.0");
	order_run(l, l->order_runs - 1, &seq)->cpu = 2;
	buf = save(&rec, &meta, &len);
	snprintf(want, sizeof want, "order run %lu at seq %lu: cpu 2 out of range",
		 (unsigned long)(l->order_runs - 1), (unsigned long)seq);
	expect_reject(buf, len, want, "the trace has cpus=2 (0..1)");
	free(buf);

	/* Events: without an order stream nothing else names the CPU. */
	record("script:random:17", 2, 41, LOCK_TICKET, 8);
	l = (struct log_objrec *)log_set_find(&rec, "ctr.0");
	l->order = 0;
	l->order_runs = 0;
	l->events[1].cpu = 9;
	rechain(l);
	buf = save(&rec, &meta, &len);
	snprintf(want, sizeof want, "event seq %lu: cpu 9 out of range", (unsigned long)l->first + 1);
	expect_reject(buf, len, want, "the trace has cpus=2 (0..1)");
	free(buf);

	record("script:random:17", 2, 41, LOCK_TICKET, 8);
	l = (struct log_objrec *)log_set_find(&rec, "ctr.0");
	l->events[2].rel_cpu = 3; /* display only: no rechain needed */
	buf = save(&rec, &meta, &len);
	snprintf(want, sizeof want, "event seq %lu: releasing cpu 3 out of range",
		 (unsigned long)l->first + 2);
	expect_reject(buf, len, want, "the trace has cpus=2 (0..1)");
	free(buf);

	record("script:random:17", 2, 41, LOCK_TICKET, 8);
	l = (struct log_objrec *)log_set_find(&rec, "ctr.0");
	assert_true(l->ck_seq > l->first); /* event 0 is before the checkpoint */
	l->events[0].type = 7;
	rechain(l);
	buf = save(&rec, &meta, &len);
	snprintf(want, sizeof want, "event seq %lu: event type 7 out of range: counter has 1",
		 (unsigned long)l->first);
	expect_reject(buf, len, "(object ctr.0)", want);
	free(buf);
}

/* 3.1: the short hashes.  One per event, each inside the kept window the
 * low bits of that event's chained hash; without them (3.0) a trace loads
 * and replay checks who performed each event only. */
static void test_short_hashes(void **st)
{
	size_t len;
	record("script:random:5", 2, 200, LOCK_TICKET, 8); /* ring 8: windows wrap */
	const struct log_objrec *r = log_set_find(&rec, "lock.ctr.0");
	assert_non_null(r);
	assert_true(r->first > 0);
	uint8_t *buf = save(&rec, &meta, &len), *b = malloc(len);
	if (!trace_load(buf, len, &got, &gmeta, &mem, &err))
		fail_msg("load: %s", err.msg);
	const struct log_objrec *g = log_set_find(&got, "lock.ctr.0");
	struct log_sh_cursor c;
	uint16_t h;
	uint64_t n = 0;
	log_sh_begin(&c, g->shash);
	while (log_sh_next(&c, &h)) {
		if (n >= g->first)
			assert_int_equal(h, log_short_hash(g->events[n - g->first].hash));
		n++;
	}
	assert_int_equal(n, g->count);
	trace_release(&got, &mem);

	/* Which object's SHSH is lock.ctr.0's: the nth after as many ORDRs. */
	unsigned idx = (unsigned)(r - rec.objs), nth = 0;
	for (unsigned i = 0; i < idx; i++)
		nth += rec.objs[i].shash != 0;
	size_t at = section_at(buf, len, "SHSH", nth) + 16;
	char want[160];
	/* One inside the window: the loader sees it. */
	memcpy(b, buf, len);
	b[at + 2 * r->first] ^= 1;
	assert_true(trace_reseal(b, len));
	snprintf(want, sizeof want, "short hash of seq %lu is", (unsigned long)r->first);
	expect_reject(b, len, "(object lock.ctr.0)", want);
	/* One before the window: a valid trace (only replay can tell). */
	memcpy(b, buf, len);
	b[at] ^= 1;
	assert_true(trace_reseal(b, len));
	if (!trace_load(b, len, &got, &gmeta, &mem, &err))
		fail_msg("load: %s", err.msg);
	trace_release(&got, &mem);
	/* The section one hash short. */
	memcpy(b, buf, len);
	uint64_t plen;
	memcpy(&plen, b + at - 8, 8);
	plen -= 2;
	memcpy(b + at - 8, &plen, 8);
	memmove(b + at + plen, b + at + plen + 2, len - (at + plen + 2));
	assert_true(trace_reseal(b, len - 2));
	snprintf(want, sizeof want, "bytes of short hashes, the object has %lu events",
		 (unsigned long)r->count);
	expect_reject(b, len - 2, "SHSH (object lock.ctr.0)", want);
	/* No short hashes at all (what 3.0 wrote): loads. */
	for (uint32_t i = 0; i < rec.nobjs; i++) {
		for (struct log_sh_chunk *k = rec.objs[i].shash, *next; k; k = next) {
			next = k->next;
			plat_free(k, sizeof *k);
		}
		rec.objs[i].shash = 0;
	}
	free(buf);
	buf = save(&rec, &meta, &len);
	if (!trace_load(buf, len, &got, &gmeta, &mem, &err))
		fail_msg("load without SHSH: %s", err.msg);
	assert_null(log_set_find(&got, "lock.ctr.0")->shash);
	trace_release(&got, &mem);
	free(buf);
	free(b);
}

/* A newer minor version may add sections; this loader skips them. */
static void test_newer_minor_skips_new_sections(void **st)
{
	size_t len;
	record("script:rr", 2, 10, LOCK_TICKET, 0);
	uint8_t *buf = save(&rec, &meta, &len), *b = malloc(len + 24);
	size_t at = section_at(buf, len, "OBJS", 0);
	memcpy(b, buf, at);
	memcpy(b + at, "XTRA\xff\xff\xff\xff\4\0\0\0\0\0\0\0abcd\0\0\0\0", 24);
	memcpy(b + at + 24, buf + at, len - at);
	assert_true(trace_reseal(b, len + 24));
	expect_reject(b, len + 24, "section 1 XTRA at byte", "expected section OBJS, found XTRA");
	b[10] = 2; /* minor 2 */
	assert_true(trace_reseal(b, len + 24));
	if (!trace_load(b, len + 24, &got, &gmeta, &mem, &err))
		fail_msg("load: %s", err.msg);
	assert_int_equal(gmeta.minor, 2);
	assert_sets_equal(&rec, &got);
	trace_release(&got, &mem);
	free(buf);
	free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip_binary_and_text),
		cmocka_unit_test(test_hw_record_save_load_replay),
		cmocka_unit_test(test_empty_set_and_unordered),
		cmocka_unit_test(test_roundtrip_many_objects_with_holes),
		cmocka_unit_test(test_reject_framing),
		cmocka_unit_test(test_reject_inconsistent),
		cmocka_unit_test(test_reject_replay_and_order),
		cmocka_unit_test(test_reject_ids_out_of_range),
		cmocka_unit_test(test_newer_minor_skips_new_sections),
		cmocka_unit_test(test_short_hashes),
	};
	return cmocka_run_group_tests(tests, 0, 0);
}
