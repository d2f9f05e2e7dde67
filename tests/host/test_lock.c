/*
 * test_lock - ticket and MCS locks: misuse panics, the log they keep,
 * mutual exclusion and FIFO on real cores, the log invariant checkers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "host/host.h"
#include "host/scenario.h"
#include "lock/lock.h"
#include "lock/lockcheck.h"
#include "log/logset.h"

static struct lock L, M;

static void setup_locks(void)
{
	log_reset();
	log_slow.check_mode = false;
	lock_stats_set(true);
	lock_init(&L, LOCK_TICKET, "lock.t");
	lock_init(&M, LOCK_MCS, "lock.m");
}

static void test_log_records_each_acquisition(void **st)
{
	setup_locks();
	for (int i = 0; i < 5; i++) {
		lock_acquire(&L);
		assert_true(lock_held(&L));
		lock_release(&L);
		assert_false(lock_held(&L));
	}
	struct log_obj *o = lock_dbg(&L)->log;
	assert_int_equal(o->count, 5);
	for (unsigned q = 0; q < 5; q++) {
		const struct log_event *e = log_event_at(o, q);
		assert_int_equal(e->seq, q);
		assert_int_equal(e->arg0, q);               /* the ticket */
		assert_int_equal(e->rel_cpu, LOG_CPU_NONE); /* a snapshot says */
	}
	assert_int_equal(lockdbg_stats(lock_dbg(&L))->acquires, 5);
	struct lockcheck r;
	assert_true(lockcheck_obj(o, 0, &r));
}

/*
 * Statistics under the plain path: it counts nothing itself, the general
 * path and the reader count its acquisitions from the log (lockdbg_tally).
 * Over many windows and checkpoints, with the CPU changing every 3
 * acquisitions and a contended-looking wait nowhere: every acquisition is
 * counted once, by the CPU that made it.
 */
static void test_stats_count_plain_acquisitions(void **st)
{
	for (int k = 0; k < 2; k++) {
		setup_locks();
		struct lock *x = k ? &M : &L;
		unsigned cpu0 = host_cpu;
		uint64_t by_cpu[2] = { 0, 0 };
		for (unsigned i = 0; i < 1000; i++) {
			host_cpu = (i / 3) % 2;
			by_cpu[host_cpu]++;
			lock_acquire(x);
			lock_release(x);
		}
		host_cpu = cpu0;
		const struct lock_stats *s = lockdbg_stats(lock_dbg(x));
		assert_int_equal(s->acquires, 1000);
		assert_int_equal(s->per_cpu[0], by_cpu[0]);
		assert_int_equal(s->per_cpu[1], by_cpu[1]);
		assert_int_equal(s->contended, 0);
		/* Reading twice counts nothing twice. */
		assert_int_equal(lockdbg_stats(lock_dbg(x))->acquires, 1000);
	}
}

/*
 * Switching the statistics while a lock is in use: only the acquisitions
 * made while they were on are counted, whatever the plain windows
 * (lock_stats_set ends them): on for 11, off for 60, on for 5, off for
 * 70, read while off; and a lock whose statistics were never on counts 0.
 */
static void test_stats_switched_mid_run(void **st)
{
	for (int k = 0; k < 2; k++) {
		setup_locks(); /* statistics on */
		struct lock *x = k ? &M : &L;
		static const unsigned spell[] = { 11, 60, 5, 70 };
		for (unsigned p = 0; p < 4; p++) {
			lock_stats_set(p % 2 == 0);
			for (unsigned i = 0; i < spell[p]; i++) {
				lock_acquire(x);
				lock_release(x);
			}
		}
		assert_int_equal(lockdbg_stats(lock_dbg(x))->acquires, 16);
		lock_stats_set(true);
	}
	log_reset();
	lock_stats_set(false);
	lock_init(&L, LOCK_TICKET, "lock.t");
	for (unsigned i = 0; i < 30; i++) {
		lock_acquire(&L);
		lock_release(&L);
	}
	assert_int_equal(lockdbg_stats(lock_dbg(&L))->acquires, 0);
	lock_stats_set(true);
}

/*
 * The ring keeps no rel_cpu (LOG_CPU_NONE), on the plain path and the
 * general one; a snapshot says who released each acquisition (the holder,
 * the event's CPU), and that the last one is not released yet
 * (LOG_CPU_NONE) while the lock is held.
 */
static void test_rel_cpu_in_snapshots(void **st)
{
	for (int plain = 0; plain < 2; plain++) {
		setup_locks();
		lock_stats_set(false);
		log_slow.lock_plain_off = !plain;
		for (int k = 0; k < 2; k++) {
			struct lock *x = k ? &M : &L;
			struct log_obj *o = lock_dbg(x)->log;
			for (int i = 0; i < 3; i++) { /* past seq 0, which is sampled: general */
				lock_acquire(x);
				lock_release(x);
			}
			lock_acquire(x);
			const struct log_event *e = log_event_at(o, 3);
			assert_int_equal(e->rel_cpu, LOG_CPU_NONE);
			struct log_set held, freed;
			log_snapshot(&held);
			lock_release(x);
			log_snapshot(&freed);
			const struct log_objrec *h = log_set_find(&held, o->name);
			const struct log_objrec *f = log_set_find(&freed, o->name);
			assert_non_null(h);
			assert_non_null(f);
			assert_int_equal(h->nevents, 4);
			for (unsigned i = 0; i < 4; i++) {
				assert_int_equal(h->events[i].rel_cpu,
						 i < 3 ? h->events[i].cpu : LOG_CPU_NONE);
				assert_int_equal(f->events[i].rel_cpu, f->events[i].cpu);
			}
			struct lockcheck r;
			assert_true(lockcheck_events(h->events, h->nevents, x == &L, 0, &r));
			log_set_free(&held);
			log_set_free(&freed);
		}
		log_slow.lock_plain_off = false;
	}
}

/*
 * A ticket lock whose counters pass 2^32 (set there directly, as if that
 * many acquisitions had happened): the ticket is 64-bit and so is the
 * event's seq, so the log still shows acquisition n holding ticket n.  With
 * a 32-bit seq the event of ticket 2^32 said seq 0 and lockcheck reported a
 * FIFO violation that was not there.
 */
static void test_fifo_past_2_to_the_32(void **st)
{
	setup_locks();
	struct log_obj *o = lock_dbg(&L)->log;
	const uint64_t start = (1ull << 32) - LOCK_RING / 2;
	*tlock_next(o) = start;
	*tlock_owner(o) = start;
	o->count = o->ck_seq = start;
	o->ck_next = start + LOCK_RING;
	o->ck_hash = o->hash;
	memcpy(o->ck_state, o->state, sizeof o->ck_state);
	for (unsigned i = 0; i < LOCK_RING; i++) {
		lock_acquire(&L);
		lock_release(&L);
	}
	struct lockcheck r;
	if (!lockcheck_obj(o, 0, &r))
		fail_msg("%s at seq %lu", r.violation, (unsigned long)r.seq);
	assert_int_equal(r.checked, LOCK_RING);
	assert_int_equal(log_first(o), start);
	const struct log_event *e = log_event_at(o, 1ull << 32);
	assert_non_null(e);
	assert_true(e->seq == 1ull << 32 && e->arg0 == 1ull << 32);
}

/* Default timing: a free lock is timed only every LOCK_TIME_PERIOD-th
 * acquisition (ts and hold), the others carry no time at all; the order
 * checks still cover every event. */
static void test_sampled_time_stamps(void **st)
{
	setup_locks();
	struct lock *ls[] = { &L, &M };
	for (int k = 0; k < 2; k++) {
		for (unsigned i = 0; i < 2 * LOCK_TIME_PERIOD; i++) {
			lock_acquire(ls[k]);
			lock_release(ls[k]);
		}
		struct log_obj *o = lock_dbg(ls[k])->log;
		for (uint64_t q = log_first(o); q < o->count; q++) {
			const struct log_event *e = log_event_at(o, q);
			bool sampled = q % LOCK_TIME_PERIOD == 0;
			assert_int_equal(e->ts != 0, sampled);
			assert_int_equal(e->hold != 0, sampled);
			assert_int_equal(e->wait, 0);
			assert_int_equal(e->rel_cpu, LOG_CPU_NONE);
		}
		struct lockcheck r;
		assert_true(lockcheck_obj(o, 0, &r));
		assert_int_equal(r.checked, 2 * LOCK_TIME_PERIOD);
	}
}

/*
 * The plain path (lockdbg.h: under hw, without statistics or timing of
 * every acquisition) and the general one keep the same log.  The same
 * acquisitions of a lock of each kind, by changing CPUs and threads, past
 * the sampling period and three rings (checkpoints), with the order stream
 * on: once plain, once through the general path (log_slow.lock_plain_off, which
 * changes no event); every event the same byte for byte but for the
 * sampled time stamps' values, and the same count, chain hash, state,
 * checkpoint and order stream.  The first ring's worth of acquisitions
 * is timed (log_slow.lock_time_all) both times, so that the plain path reuses slots
 * of timed events (and must clear their times).
 */
#define EQ_OPS (3 * LOCK_RING + 7)

struct eq_run {
	struct log_event ev[LOCK_RING];
	uint64_t count, hash, ck_seq, ck_hash, rec_events;
	uint8_t state[LOG_STATE_MAX], ck_state[LOG_STATE_MAX];
	uint64_t rec[EQ_OPS]; /* the recording's words */
	unsigned nruns;       /* runs of one (cpu, thread) in it */
};

static void eq_run(enum lock_kind kind, uint32_t ring, bool plain, struct eq_run *r)
{
	static struct lock X;
	unsigned cpu0 = host_cpu;
	uint32_t thread0 = host_thread;
	log_reset();
	log_slow.check_mode = false;
	log_slow.lock_time_all = false;
	log_slow.lock_plain_off = !plain;
	log_record_order = true;
	lock_init_ring(&X, kind, "lock.eq", ring);
	for (unsigned i = 0; i < EQ_OPS; i++) {
		log_slow.lock_time_all = i < ring;
		if (i == ring)
			assert_int_equal(lockdbg_plain(), plain);
		host_cpu = (i / 7) % 2;
		host_thread = 1 + (i / 5) % 3;
		lock_acquire(&X);
		lock_release(&X);
	}
	host_cpu = cpu0;
	host_thread = thread0;
	log_record_order = false;
	struct log_obj *o = lock_dbg(&X)->log;
	log_rec_sync(o); /* the events since the last checkpoint */
	log_slow.lock_plain_off = false;

	memset(r, 0, sizeof *r);
	for (unsigned i = 0; i < ring; i++) {
		r->ev[i] = *log_event_at(o, EQ_OPS - ring + i);
		assert_int_equal(r->ev[i].ts != 0, r->ev[i].seq % LOCK_TIME_PERIOD == 0);
		r->ev[i].ts = r->ev[i].ts != 0;
		r->ev[i].hold = r->ev[i].hold != 0;
	}
	r->count = o->count;
	r->hash = o->hash;
	r->ck_seq = o->ck_seq;
	r->ck_hash = o->ck_hash;
	memcpy(r->state, o->state, sizeof r->state);
	memcpy(r->ck_state, o->ck_state, sizeof r->ck_state);
	r->rec_events = o->rec_events;
	assert_int_equal(o->rec_events, EQ_OPS);
	const struct log_rec_chunk *c = o->rec_head;
	for (unsigned i = 0; i < EQ_OPS; i++) {
		if (i && i % LOG_REC_CHUNK == 0)
			c = c->next;
		r->rec[i] = c->w[i % LOG_REC_CHUNK];
		assert_int_equal(log_rec_short_hash(r->rec[i]),
				 log_short_hash(log_event_at(o, i) ? log_event_at(o, i)->hash
								   : r->rec[i] >> 48));
		r->nruns += i == 0 || (uint32_t)(r->rec[i] ^ r->rec[i - 1]) != 0 ||
			    log_rec_cpu(r->rec[i]) != log_rec_cpu(r->rec[i - 1]);
	}
	struct lockcheck ck;
	assert_true(lockcheck_obj(o, 1, &ck));
	lock_destroy(&X);
}

static void test_plain_path_keeps_the_same_log(void **st)
{
	static struct eq_run a, b;
	enum lock_kind kinds[] = { LOCK_TICKET, LOCK_MCS };
	for (unsigned k = 0; k < 4; k++) {
		uint32_t ring = k < 2 ? LOCK_RING : 16;
		eq_run(kinds[k % 2], ring, true, &a);
		eq_run(kinds[k % 2], ring, false, &b);
		assert_int_equal(a.count, EQ_OPS);
		assert_int_equal(a.rec_events, EQ_OPS);
		assert_true(a.nruns > EQ_OPS / 5);
		assert_memory_equal(&a, &b, sizeof a);
	}
}

static void recurse(void *p)
{
	lock_acquire(p);
	lock_acquire(p);
}

static void release_unheld(void *p)
{
	lock_release(p);
}

static void test_misuse_panics(void **st)
{
	char msg[256];
	struct lock *ls[] = { &L, &M };
	for (int i = 0; i < 2; i++) {
		setup_locks();
		assert_true(host_try(recurse, ls[i], msg, sizeof msg));
		assert_non_null(strstr(msg, "already holds it"));
		assert_non_null(strstr(msg, i ? "lock.m" : "lock.t"));
		setup_locks();
		assert_true(host_try(release_unheld, ls[i], msg, sizeof msg));
		assert_non_null(strstr(msg, "release by cpu 0, holder is -1"));
	}
}

static void test_mcs_nested_any_order(void **st)
{
	static struct lock A, B2;
	log_reset();
	lock_init(&A, LOCK_MCS, "lock.a");
	lock_init(&B2, LOCK_MCS, "lock.b");
	for (int i = 0; i < 20; i++) {
		lock_acquire(&A);
		lock_acquire(&B2);
		lock_release(&A); /* not LIFO */
		lock_release(&B2);
	}
	assert_int_equal(lock_dbg(&A)->log->count, 20);
	assert_int_equal(lock_dbg(&B2)->log->count, 20);
}

static void test_kind_parse(void **st)
{
	enum lock_kind k;
	assert_true(lock_kind_parse("ticket", &k));
	assert_int_equal(k, LOCK_TICKET);
	assert_true(lock_kind_parse("mcs", &k));
	assert_int_equal(k, LOCK_MCS);
	assert_false(lock_kind_parse("spin", &k));
}

/* Real cores: 2 pthreads x 100k sections on 2 counters; the scenario checks
 * in-section exclusion and that no increment was lost or duplicated; the
 * lock logs must pass every checker. */
static void stress_kind(enum lock_kind kind)
{
	struct scen_cfg cfg = { 2, 100000, 2, kind, 0 };
	struct oracle_spec hw;
	struct host_result res;
	assert_null(oracle_parse("hw", &hw));
	lock_stats_set(true);
	log_slow.lock_time_all = true; /* every event takes part in the time-based checks */
	bool ok = scenario_run(&cfg, &hw, HOST_THREADS, 0, &res);
	log_slow.lock_time_all = false;
	assert_true(ok);
	for (unsigned k = 0; k < 2; k++) {
		struct lock_debug *d = lock_dbg(&scenario_counter(k)->lock);
		struct lockcheck r;
		assert_int_equal(lockdbg_stats(d)->acquires, 100000);
		assert_true(lockcheck_obj(d->log, 1, &r));
		assert_int_equal(r.checked, LOCK_RING);
	}
}

static void test_ticket_exclusion_fifo_on_cores(void **st)
{
	stress_kind(LOCK_TICKET);
}

static void test_mcs_exclusion_on_cores(void **st)
{
	stress_kind(LOCK_MCS);
}

/* A clean synthetic log of n acquisitions alternating between 2 CPUs. */
static void make_log(struct log_event *ev, unsigned n)
{
	memset(ev, 0, n * sizeof *ev);
	for (unsigned i = 0; i < n; i++) {
		ev[i].seq = i;
		ev[i].arg0 = i;
		ev[i].cpu = ev[i].rel_cpu = (uint8_t)(i % 2);
		ev[i].ts = 100 + 10 * i;
		ev[i].hold = 5;
		ev[i].wait = 3;
	}
}

static void test_checkers_catch_violations(void **st)
{
	struct log_event ev[8];
	struct lockcheck r;

	make_log(ev, 8);
	assert_true(lockcheck_events(ev, 8, true, 1, &r));

	make_log(ev, 8);
	ev[4].ts = ev[3].ts + 2; /* got before 3 released (hold 5) */
	assert_false(lockcheck_events(ev, 8, true, 1, &r));
	assert_non_null(strstr(r.violation, "mutual exclusion"));
	assert_int_equal(r.seq, 4);

	make_log(ev, 8);
	ev[5].arg0 = 6; /* took ticket 6 at position 5 */
	assert_false(lockcheck_events(ev, 8, true, 1, &r));
	assert_non_null(strstr(r.violation, "FIFO"));
	assert_true(lockcheck_events(ev, 8, false, 1, &r)); /* MCS: no tickets */

	make_log(ev, 8);
	ev[2].rel_cpu = 1; /* released by a CPU that did not hold it */
	assert_false(lockcheck_events(ev, 8, true, 1, &r));
	assert_non_null(strstr(r.violation, "did not hold"));
	make_log(ev, 8);
	ev[7].rel_cpu = LOG_CPU_NONE; /* still held at the end: fine */
	assert_true(lockcheck_events(ev, 8, true, 1, &r));

	/* Untimed events (ts 0) skip the time checks, timed ones still fail. */
	make_log(ev, 8);
	ev[3].ts = ev[3].wait = ev[3].hold = 0;
	assert_true(lockcheck_events(ev, 8, true, 1, &r));
	ev[6].ts = ev[5].ts + 2; /* got before 5 released */
	assert_false(lockcheck_events(ev, 8, true, 1, &r));
	assert_non_null(strstr(r.violation, "mutual exclusion"));
	assert_int_equal(r.seq, 6);
	make_log(ev, 8);
	ev[3].ts = 0;
	ev[3].arg0 = 4; /* untimed events still take part in FIFO */
	assert_false(lockcheck_events(ev, 8, true, 1, &r));
	assert_non_null(strstr(r.violation, "FIFO"));

	make_log(ev, 8);
	ev[6].wait = 45; /* waited through 4 acquisitions */
	assert_false(lockcheck_events(ev, 8, true, 3, &r));
	assert_non_null(strstr(r.violation, "bypass"));
	assert_int_equal(r.max_bypass, 4);
	assert_true(lockcheck_events(ev, 8, true, 4, &r));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_log_records_each_acquisition),
		cmocka_unit_test(test_stats_count_plain_acquisitions),
		cmocka_unit_test(test_stats_switched_mid_run),
		cmocka_unit_test(test_rel_cpu_in_snapshots),
		cmocka_unit_test(test_fifo_past_2_to_the_32),
		cmocka_unit_test(test_sampled_time_stamps),
		cmocka_unit_test(test_plain_path_keeps_the_same_log),
		cmocka_unit_test(test_misuse_panics),
		cmocka_unit_test(test_mcs_nested_any_order),
		cmocka_unit_test(test_kind_parse),
		cmocka_unit_test(test_ticket_exclusion_fifo_on_cores),
		cmocka_unit_test(test_mcs_exclusion_on_cores),
		cmocka_unit_test(test_checkers_catch_violations),
	};
	return cmocka_run_group_tests(tests, 0, 0);
}
