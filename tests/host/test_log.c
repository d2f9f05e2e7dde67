/*
 * test_log - object registry, chained hash, ring + checkpoint, check mode,
 * order stream.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "host/host.h"
#include "log/counter.h"
#include "log/log.h"
#include "log/hash.h"

static struct log_obj *fresh(const char *name, uint32_t ring)
{
	log_reset();
	log_check_mode = false;
	log_record_order = false;
	return log_register(&counter_log_type, name, ring);
}

static void add(struct log_obj *o, int64_t d)
{
	const struct counter_state *s = log_state(o);
	log_append(o, COUNTER_ADD, (uint64_t)d, (uint64_t)(s->value + d));
}

static uint64_t run_adds(const int64_t *d, unsigned n)
{
	struct log_obj *o = fresh("ctr.t", 0);
	for (unsigned i = 0; i < n; i++)
		add(o, d[i]);
	return o->hash;
}

static void test_hash_is_deterministic_and_sensitive(void **st)
{
	int64_t a[] = { 1, 2, 3, 4, 5 }, b[] = { 1, 2, 3, 4, 6 };
	uint64_t h1 = run_adds(a, 5), h2 = run_adds(a, 5), h3 = run_adds(b, 5);
	assert_int_equal(h1, h2);
	assert_int_not_equal(h1, h3);
	/* The name seeds the chain: same events on another object differ. */
	struct log_obj *o = fresh("ctr.u", 0);
	for (unsigned i = 0; i < 5; i++)
		add(o, a[i]);
	assert_int_not_equal(o->hash, h1);
}

/* Every hashed field, alone, at its lowest and highest bit, changes the
 * event's hash, and the difference survives any number of later events
 * that are the same in both chains. */
static void test_hash_covers_every_field(void **st)
{
	struct log_event base = { .seq = 7, .thread = 3, .cpu = 1, .type = 2, .arg0 = 5, .arg1 = 9 };
	const uint64_t prev = 0x0123456789abcdefull;
	uint64_t h0 = log_hash_event(prev, &base);
	for (int f = 0; f < 6; f++) {
		for (int hi = 0; hi < 2; hi++) {
			struct log_event e = base;
			switch (f) {
			case 0: e.seq ^= hi ? 1u << 31 : 1u; break;
			case 1: e.thread ^= hi ? 1u << 31 : 1u; break;
			case 2: e.cpu ^= hi ? 0x80 : 1; break;
			case 3: e.type ^= hi ? 0x80 : 1; break;
			case 4: e.arg0 ^= hi ? 1ull << 63 : 1; break;
			default: e.arg1 ^= hi ? 1ull << 63 : 1; break;
			}
			uint64_t a = log_hash_event(prev, &e), b = h0;
			assert_int_not_equal(a, b);
			for (int k = 0; k < 100; k++) {
				a = log_hash_event(a, &base);
				b = log_hash_event(b, &base);
				assert_int_not_equal(a, b);
			}
		}
	}
	/* Display fields are not hashed. */
	struct log_event d = base;
	d.ts = 99;
	d.wait = d.hold = 5;
	d.rel_cpu = 3;
	assert_int_equal(log_hash_event(prev, &d), h0);
}

static void test_seq_and_state(void **st)
{
	struct log_obj *o = fresh("ctr.t", 0);
	for (int i = 0; i < 10; i++)
		add(o, 3);
	const struct counter_state *s = log_state(o);
	assert_int_equal(s->value, 30);
	assert_int_equal(s->ops, 10);
	assert_int_equal(o->count, 10);
	for (unsigned q = 0; q < 10; q++)
		assert_int_equal(log_event_at(o, q)->seq, q);
}

static void verify_obj(void *p)
{
	log_verify(p);
}

static void test_display_fields_not_hashed(void **st)
{
	char msg[512];
	struct log_obj *o = fresh("ctr.t", 0);
	for (int i = 0; i < 5; i++)
		add(o, 1);
	struct log_event *e = (struct log_event *)log_event_at(o, 2);
	e->ts += 12345;
	e->wait = 7;
	e->hold = 9;
	assert_false(host_try(verify_obj, o, msg, sizeof msg));
	e->arg0 = 2; /* a hashed field */
	assert_true(host_try(verify_obj, o, msg, sizeof msg));
	assert_non_null(strstr(msg, "ctr.t seq 2 hash"));
}

static void test_ring_checkpoint_bounded(void **st)
{
	struct log_obj *o = fresh("ctr.t", 8);
	log_check_mode = true; /* every append replays from the checkpoint */
	for (int i = 0; i < 100; i++)
		add(o, 1);
	uint64_t mem = log_mem_bytes();
	assert_int_equal(log_first(o), 92);
	assert_null(log_event_at(o, 91));
	assert_non_null(log_event_at(o, 99));
	/* The checkpoint covers every event no longer in the ring. */
	assert_true(o->ck_seq >= log_first(o) && o->ck_seq <= o->count);
	assert_int_equal(((const struct counter_state *)(void *)o->ck_state)->value, (int64_t)o->ck_seq);
	for (int i = 0; i < 10000; i++)
		add(o, 1);
	assert_int_equal(log_mem_bytes(), mem);
	assert_int_equal(((const struct counter_state *)log_state(o))->value, 10100);
	log_check_mode = false;
}

struct corrupt_arg {
	struct log_obj *o;
};

static void corrupt_then_append(void *p)
{
	struct log_obj *o = p;
	struct counter_state *s = (struct counter_state *)(void *)o->state;
	s->value += 100; /* the cache no longer equals the replay */
	add(o, 1);       /* consistent with the corrupted value, so apply accepts it */
}

static void test_check_mode_catches_bad_cache(void **st)
{
	char msg[512];
	struct log_obj *o = fresh("ctr.t", 16);
	log_check_mode = true;
	for (int i = 0; i < 20; i++)
		add(o, 1);
	assert_true(host_try(corrupt_then_append, o, msg, sizeof msg));
	/* Replaying the appended event against the true state fails. */
	assert_non_null(strstr(msg, "log check: ctr.t"));
	log_check_mode = false;
	/* Without check mode the same corruption goes unnoticed. */
	o = fresh("ctr.t", 16);
	for (int i = 0; i < 20; i++)
		add(o, 1);
	assert_false(host_try(corrupt_then_append, o, msg, sizeof msg));
}

static void bad_add(void *p)
{
	log_append(p, COUNTER_ADD, 1, 5); /* result does not follow from value 0 */
}

static void test_apply_rejects_impossible_event(void **st)
{
	char msg[512];
	struct log_obj *o = fresh("ctr.t", 0);
	assert_true(host_try(bad_add, o, msg, sizeof msg));
	assert_non_null(strstr(msg, "ctr.t seq 0"));
	assert_non_null(strstr(msg, "does not follow"));
}

static void dup_register(void *p)
{
	log_register(&counter_log_type, "ctr.t", 0);
}

static void test_duplicate_name_panics(void **st)
{
	char msg[256];
	fresh("ctr.t", 0);
	assert_true(host_try(dup_register, 0, msg, sizeof msg));
	assert_non_null(strstr(msg, "registered twice"));
}

static void test_order_stream_rle(void **st)
{
	struct log_obj *o = fresh("ctr.t", 4);
	log_record_order = true;
	unsigned who[] = { 0, 0, 0, 0, 0, 1, 1, 0 };
	for (unsigned i = 0; i < 8; i++) {
		host_cpu = who[i];
		host_thread = who[i] + 1;
		add(o, 1);
	}
	host_cpu = 0;
	host_thread = 0;
	log_record_order = false;
	assert_int_equal(o->order_runs, 3);
	struct log_order_cursor c;
	log_order_begin(&c, o->order_head);
	for (unsigned i = 0; i < 8; i++) {
		const struct log_order_run *r = log_order_peek(&c);
		assert_non_null(r);
		assert_int_equal(r->cpu, who[i]);
		assert_int_equal(r->thread, who[i] + 1);
		log_order_next(&c);
	}
	assert_null(log_order_peek(&c));
}

static void test_reregistration_reuses_memory(void **st)
{
	fresh("ctr.t", 64);
	uint64_t mem = log_mem_bytes();
	for (int i = 0; i < 1000; i++)
		fresh("ctr.t", 64);
	assert_int_equal(log_mem_bytes(), mem);
	assert_ptr_equal(log_find("ctr.t"), log_obj_at(0));
}

/* Every type row registered with LOG_TYPE_REGISTER is found by name. */
static void test_type_rows_found(void **st)
{
	unsigned n;
	const struct log_type *const *all = log_type_all(&n);
	assert_ptr_equal(log_type_find("counter"), &counter_log_type);
	assert_non_null(log_type_find("tlock"));
	assert_non_null(log_type_find("mcs"));
	assert_null(log_type_find("nope"));
	assert_int_equal(n, 3);
	for (unsigned i = 0; i < n; i++)
		assert_ptr_equal(log_type_find(all[i]->name), all[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hash_is_deterministic_and_sensitive),
		cmocka_unit_test(test_hash_covers_every_field),
		cmocka_unit_test(test_seq_and_state),
		cmocka_unit_test(test_display_fields_not_hashed),
		cmocka_unit_test(test_ring_checkpoint_bounded),
		cmocka_unit_test(test_check_mode_catches_bad_cache),
		cmocka_unit_test(test_apply_rejects_impossible_event),
		cmocka_unit_test(test_duplicate_name_panics),
		cmocka_unit_test(test_order_stream_rle),
		cmocka_unit_test(test_reregistration_reuses_memory),
		cmocka_unit_test(test_type_rows_found),
	};
	return cmocka_run_group_tests(tests, 0, 0);
}
