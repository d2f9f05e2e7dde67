/*
 * test_log - object registry (ten thousand objects, ids, the registry's
 * own log), chained hash, 64-bit seq, ring + checkpoint, check mode, order
 * stream.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "host/host.h"
#include "log/counter.h"
#include "log/log.h"
#include "log/logset.h"
#include "log/hash.h"
#include "lock/lock_type.h"

static struct log_obj *fresh(const char *name, uint32_t ring)
{
	log_reset();
	log_slow.check_mode = false;
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
			case 0:
				e.seq ^= hi ? 1ull << 63 : 1u;
				break;
			case 1:
				e.thread ^= hi ? 1u << 31 : 1u;
				break;
			case 2:
				e.cpu ^= hi ? 0x80 : 1;
				break;
			case 3:
				e.type ^= hi ? 0x80 : 1;
				break;
			case 4:
				e.arg0 ^= hi ? 1ull << 63 : 1;
				break;
			default:
				e.arg1 ^= hi ? 1ull << 63 : 1;
				break;
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

/* An object whose count is near 2^32: the events' seq goes on past it (it
 * used to be 32 bits in the event and wrapped while the count did not), the
 * ring and the checkpoints follow, check mode replays across it. */
static void test_seq_is_64_bit(void **st)
{
	struct log_obj *o = fresh("ctr.t", 8);
	const uint64_t start = (1ull << 32) - 5;
	/* As if `start` ADD(0)s had happened: the checkpoint covers them. */
	struct counter_state *s = (struct counter_state *)(void *)o->state;
	s->ops = start;
	o->count = o->ck_seq = start;
	o->ck_next = start + 8;
	o->ck_hash = o->hash;
	memcpy(o->ck_state, o->state, sizeof o->ck_state);
	log_slow.check_mode = true;
	for (int i = 0; i < 20; i++)
		add(o, 1);
	log_slow.check_mode = false;
	assert_int_equal(o->count, start + 20);
	for (uint64_t q = start + 12; q < start + 20; q++) {
		const struct log_event *e = log_event_at(o, q);
		assert_non_null(e);
		assert_true(e->seq == q);
		assert_int_equal(e->obj, o->id);
	}
	assert_true(o->ck_seq > 1ull << 32);
	assert_int_equal(((const struct counter_state *)log_state(o))->ops, start + 20);
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
	log_slow.check_mode = true; /* every append replays from the checkpoint */
	for (int i = 0; i < 100; i++)
		add(o, 1);
	uint64_t mem = log_mem_bytes();
	assert_int_equal(log_first(o), 92);
	assert_null(log_event_at(o, 91));
	assert_non_null(log_event_at(o, 99));
	/* The checkpoint covers every event no longer in the ring. */
	assert_true(o->ck_seq >= log_first(o) && o->ck_seq <= o->count);
	assert_int_equal(((const struct counter_state *)(void *)o->ck_state)->value,
			 (int64_t)o->ck_seq);
	for (int i = 0; i < 10000; i++)
		add(o, 1);
	assert_int_equal(log_mem_bytes(), mem);
	assert_int_equal(((const struct counter_state *)log_state(o))->value, 10100);
	log_slow.check_mode = false;
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
	log_slow.check_mode = true;
	for (int i = 0; i < 20; i++)
		add(o, 1);
	assert_true(host_try(corrupt_then_append, o, msg, sizeof msg));
	/* Replaying the appended event against the true state fails. */
	assert_non_null(strstr(msg, "log check: ctr.t"));
	log_slow.check_mode = false;
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
	fresh("other", 0);
	log_record_order = true; /* from the object's registration on */
	struct log_obj *o = log_register(&counter_log_type, "ctr.t", 8);
	unsigned who[] = { 0, 0, 0, 0, 0, 1, 1, 0 };
	for (unsigned i = 0; i < 8; i++) {
		host_cpu = who[i];
		host_thread = who[i] + 1;
		add(o, 1);
	}
	host_cpu = 0;
	host_thread = 0;
	/* Nothing recorded yet: the ring (8) still holds every event, and a
	 * snapshot takes them from there (changing nothing) into runs and
	 * short hashes. */
	assert_int_equal(o->rec_events, 0);
	struct log_set set;
	log_record_order = false;
	log_snapshot(&set);
	assert_int_equal(o->rec_events, 0);
	const struct log_objrec *r = log_set_find(&set, "ctr.t");
	assert_non_null(r);
	assert_int_equal(r->order_runs, 3);
	struct log_order_cursor c;
	struct log_sh_cursor sc;
	log_order_begin(&c, r->order);
	log_sh_begin(&sc, r->shash);
	for (unsigned i = 0; i < 8; i++) {
		const struct log_order_run *run = log_order_peek(&c);
		assert_non_null(run);
		assert_int_equal(run->cpu, who[i]);
		assert_int_equal(run->thread, who[i] + 1);
		uint16_t h;
		assert_true(log_sh_next(&sc, &h));
		assert_int_equal(h, log_short_hash(log_event_at(o, i)->hash));
		log_order_next(&c);
	}
	assert_null(log_order_peek(&c));
	log_set_free(&set);
}

/* The recording is taken from the ring at checkpoints: across many of
 * them (ring 4, 1000 events, a word chunk and more), every event's
 * performer and short hash reach the snapshot; with recording off at one
 * checkpoint, events left the ring unrecorded, and the snapshot leaves the
 * order out rather than give a false one. */
static void test_recording_from_the_ring(void **st)
{
	enum { N = 1000 };
	static uint16_t sh[N];
	fresh("other", 0);
	log_record_order = true;
	struct log_obj *o = log_register(&counter_log_type, "ctr.r", 4);
	struct log_obj *gap = log_register(&counter_log_type, "ctr.gap", 4);
	for (unsigned i = 0; i < N; i++) {
		host_cpu = i % 3;
		host_thread = 1 + i % 5;
		add(o, 1);
		sh[i] = log_short_hash(log_event_at(o, i)->hash);
		log_record_order = i < 10 || i >= 20; /* off at gap's checkpoint 16 */
		add(gap, 1);
		log_record_order = true;
	}
	host_cpu = 0;
	host_thread = 0;
	assert_true(o->rec_events >= N - 4 && o->rec_events < N); /* the last ones: in the ring */
	struct log_set set;
	log_snapshot(&set);
	log_record_order = false;
	const struct log_objrec *r = log_set_find(&set, "ctr.r");
	struct log_order_cursor c;
	struct log_sh_cursor sc;
	log_order_begin(&c, r->order);
	log_sh_begin(&sc, r->shash);
	for (unsigned i = 0; i < N; i++) {
		const struct log_order_run *run = log_order_peek(&c);
		assert_non_null(run);
		assert_int_equal(run->cpu, i % 3);
		assert_int_equal(run->thread, 1 + i % 5);
		uint16_t h;
		assert_true(log_sh_next(&sc, &h));
		assert_int_equal(h, sh[i]);
		log_order_next(&c);
	}
	assert_null(log_order_peek(&c));
	const struct log_objrec *g = log_set_find(&set, "ctr.gap");
	assert_int_equal(g->count, N);
	assert_null(g->order);
	assert_int_equal(g->order_runs, 0);
	log_set_free(&set);
}

/* log_reset gives every dropped object's memory back; the same program
 * then gets the same ids (the registry is 0). */
static void test_reset_returns_memory(void **st)
{
	fresh("ctr.t", 64);
	uint64_t mem = log_mem_bytes();
	for (int i = 0; i < 1000; i++)
		fresh("ctr.t", 64);
	assert_int_equal(log_mem_bytes(), mem);
	assert_ptr_equal(log_find("ctr.t"), log_obj_at(1));
	assert_ptr_equal(log_find(LOG_REGISTRY_NAME), log_obj_at(0));
}

#define MANY 10000

static void many_name(char *buf, size_t n, unsigned i)
{
	snprintf(buf, n, "obj.%u", i);
}

/* Ten thousand live objects: registered with ids 1..10000, each found by
 * name and by id, freed ids taken lowest first, and after they are all
 * unregistered the log memory (records, rings, tables) is what it was. */
static void test_ten_thousand_objects(void **st)
{
	static struct log_obj *objs[MANY];
	char name[LOG_NAME_MAX];
	fresh("ctr.first", 2);
	log_unregister(log_find("ctr.first"));
	uint64_t mem0 = log_mem_bytes();
	assert_int_equal(log_nlive(), 1);
	for (unsigned i = 0; i < MANY; i++) {
		many_name(name, sizeof name, i);
		/* rings of 1..128 events, to exercise every size */
		objs[i] = log_register(&counter_log_type, name, 1u << (i % 8));
		assert_int_equal(objs[i]->id, i + 1);
		add(objs[i], (int64_t)i);
	}
	assert_int_equal(log_nlive(), MANY + 1);
	assert_true(log_mem_bytes() > mem0 + MANY * sizeof(struct log_obj));
	for (unsigned i = 0; i < MANY; i++) {
		many_name(name, sizeof name, i);
		assert_ptr_equal(log_find(name), objs[i]);
		assert_ptr_equal(log_obj_at(i + 1), objs[i]);
		assert_int_equal(((const struct counter_state *)log_state(objs[i]))->value, i);
	}
	assert_null(log_find("obj.10000"));
	assert_null(log_find("obj."));

	/* Every third goes; new objects take the freed ids, lowest first. */
	for (unsigned i = 0; i < MANY; i += 3)
		log_unregister(objs[i]);
	for (unsigned i = 0; i < MANY; i++) {
		many_name(name, sizeof name, i);
		assert_ptr_equal(log_find(name), i % 3 ? objs[i] : 0);
	}
	for (unsigned i = 0; i < MANY; i += 3) {
		snprintf(name, sizeof name, "new.%u", i);
		objs[i] = log_register(&counter_log_type, name, 0);
		assert_int_equal(objs[i]->id, i + 1);
	}
	assert_int_equal(log_nobjs(), MANY + 1);

	/* All gone, from the top id down (the tables shrink on the way). */
	for (unsigned i = MANY; i-- > 0;)
		log_unregister(objs[i]);
	assert_int_equal(log_nlive(), 1);
	assert_int_equal(log_nobjs(), 1);
	assert_int_equal(log_mem_bytes(), mem0);
	/* And bottom up: the highest id goes last. */
	for (unsigned i = 0; i < MANY; i++) {
		many_name(name, sizeof name, i);
		objs[i] = log_register(&counter_log_type, name, 4);
	}
	for (unsigned i = 0; i < MANY; i++)
		log_unregister(objs[i]);
	assert_int_equal(log_mem_bytes(), mem0);
}

/* Expect event seq of the registry to be (type, arg0, arg1). */
static void expect_reg_event(uint64_t seq, uint8_t type, uint64_t a0, uint64_t a1)
{
	const struct log_event *e = log_event_at(log_find(LOG_REGISTRY_NAME), seq);
	assert_non_null(e);
	assert_int_equal(e->type, type);
	assert_int_equal(e->arg0, a0);
	assert_int_equal(e->arg1, a1);
}

/* Creation and destruction are events of the registry, whose replayed
 * state is the live set; an UNREG carries the object's final hash and
 * count, so the run's digest covers objects gone before its end. */
static void test_registry_log_and_digest(void **st)
{
	struct log_obj *a = fresh("ctr.a", 0), *b = log_register(&counter_log_type, "ctr.b", 0);
	struct log_obj *reg = log_find(LOG_REGISTRY_NAME);
	assert_int_equal(reg->id, 0);
	assert_ptr_equal(reg->type, &log_registry_type);
	add(a, 5);
	add(a, 6);
	uint64_t fin = log_final_digest(a);
	log_unregister(a);
	expect_reg_event(0, LOG_REG, 0, log_hash_name(LOG_REGISTRY_NAME));
	expect_reg_event(1, LOG_REG, 1, log_hash_name("ctr.a"));
	expect_reg_event(2, LOG_REG, 2, log_hash_name("ctr.b"));
	expect_reg_event(3, LOG_UNREG, 1, fin);
	assert_int_equal(reg->count, 4);
	const struct log_reg_state *s = log_state(reg);
	assert_int_equal(s->live, 2);
	assert_int_equal(s->regs, 3);
	assert_int_equal(s->unregs, 1);
	assert_int_equal(s->set, log_reg_term(0) + log_reg_term(2));
	log_verify(reg); /* the state is the replay of that log */
	assert_int_equal(b->id, 2);

	/* The same program gives the same digest; one event more on the
	 * object destroyed before the end gives another. */
	uint64_t d[3];
	for (int run = 0; run < 3; run++) {
		a = fresh("ctr.a", 0);
		log_register(&counter_log_type, "ctr.b", 0);
		add(a, 5);
		add(a, run == 2 ? 7 : 6);
		log_unregister(a);
		d[run] = log_digest();
	}
	assert_int_equal(d[0], d[1]);
	assert_int_not_equal(d[0], d[2]);

	/* A reset restarts the registry's log from its kept objects. */
	fresh("ctr.c", 0);
	assert_int_equal(reg->count, 2);
	expect_reg_event(1, LOG_REG, 1, log_hash_name("ctr.c"));
}

static void unregister_stranger(void *p)
{
	struct log_obj o = { .id = 1, .name = "ctr.stranger" };
	log_unregister(&o);
}

static void register_registry(void *p)
{
	log_register(&counter_log_type, LOG_REGISTRY_NAME, 0);
}

static void unregister_registry(void *p)
{
	log_unregister(log_find(LOG_REGISTRY_NAME));
}

/* The registry refuses what would corrupt it, and goes on working. */
static void test_registry_refusals(void **st)
{
	char msg[256];
	fresh("ctr.a", 0); /* id 1, so the stranger's id is taken, by another */
	assert_true(host_try(unregister_stranger, 0, msg, sizeof msg));
	assert_non_null(strstr(msg, "ctr.stranger, which is not registered"));
	assert_true(host_try(register_registry, 0, msg, sizeof msg));
	assert_non_null(strstr(msg, "registry registered twice"));
	assert_true(host_try(unregister_registry, 0, msg, sizeof msg));
	assert_non_null(strstr(msg, "cannot be unregistered"));
	assert_non_null(log_register(&counter_log_type, "ctr.b", 0));
}

/* Kept objects survive a reset, with their logs and ids. */
static void test_kept_objects_survive_reset(void **st)
{
	struct log_obj *k = fresh("ctr.kept", 0);
	add(k, 3);
	log_keep_registered();
	log_register(&counter_log_type, "ctr.gone", 0);
	log_reset();
	assert_ptr_equal(log_find("ctr.kept"), k);
	assert_null(log_find("ctr.gone"));
	assert_int_equal(k->count, 1);
	assert_int_equal(log_find(LOG_REGISTRY_NAME)->count, 2); /* REG registry, REG ctr.kept */
	log_unregister(k); /* leave the registry as the other tests expect it */
}

static void register_name(void *p)
{
	log_register(&counter_log_type, p, 0);
}

/* A name is at most LOG_NAME_MAX - 1 characters; a longer one is refused,
 * never cut (two long names would become one). */
static void test_long_name_refused(void **st)
{
	char msg[256], name[LOG_NAME_MAX + 1];
	fresh("ctr.t", 0);
	memset(name, 'n', LOG_NAME_MAX - 1);
	name[LOG_NAME_MAX - 1] = 0;
	assert_false(host_try(register_name, name, msg, sizeof msg));
	assert_non_null(log_find(name));
	name[LOG_NAME_MAX - 1] = 'x';
	name[LOG_NAME_MAX] = 0;
	assert_true(host_try(register_name, name, msg, sizeof msg));
	assert_non_null(strstr(msg, "longer than 31 characters: refused"));
	assert_null(log_find(name));
}

/* Every type row registered with LOG_TYPE_REGISTER is found by name: the
 * core's, and any other the program links (the kernel's portable ones). */
static void test_type_rows_found(void **st)
{
	unsigned n, core = 0;
	const struct log_type *const *all = log_type_all(&n);
	assert_ptr_equal(log_type_find("counter"), &counter_log_type);
	assert_ptr_equal(log_type_find("registry"), &log_registry_type);
	assert_null(log_type_find("nope"));
	for (unsigned i = 0; i < n; i++) {
		assert_ptr_equal(log_type_find(all[i]->name), all[i]);
		core += all[i] == &counter_log_type || all[i] == &log_registry_type ||
			all[i] == &tlock_log_type || all[i] == &mcs_log_type;
	}
	assert_int_equal(core, 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hash_is_deterministic_and_sensitive),
		cmocka_unit_test(test_hash_covers_every_field),
		cmocka_unit_test(test_seq_and_state),
		cmocka_unit_test(test_seq_is_64_bit),
		cmocka_unit_test(test_display_fields_not_hashed),
		cmocka_unit_test(test_ring_checkpoint_bounded),
		cmocka_unit_test(test_check_mode_catches_bad_cache),
		cmocka_unit_test(test_apply_rejects_impossible_event),
		cmocka_unit_test(test_duplicate_name_panics),
		cmocka_unit_test(test_order_stream_rle),
		cmocka_unit_test(test_recording_from_the_ring),
		cmocka_unit_test(test_reset_returns_memory),
		cmocka_unit_test(test_ten_thousand_objects),
		cmocka_unit_test(test_registry_log_and_digest),
		cmocka_unit_test(test_registry_refusals),
		cmocka_unit_test(test_kept_objects_survive_reset),
		cmocka_unit_test(test_long_name_refused),
		cmocka_unit_test(test_type_rows_found),
	};
	return cmocka_run_group_tests(tests, 0, 0);
}
