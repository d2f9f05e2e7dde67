/*
 * test_core - the big-lock pull/push API and every scenario in check mode
 * (state recomputed from the checkpoint after every operation), under hw,
 * script and replay.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "host/host.h"
#include "host/scenario.h"
#include "log/counter.h"
#include "log/logset.h"

static struct biglock b;

static void test_pull_is_replayed_log(void **st)
{
	log_reset();
	big_init(&b, LOCK_TICKET, &counter_log_type, "ctr.x", 16);
	for (int i = 1; i <= 40; i++) {
		const struct counter_state *s = big_acquire(&b);
		assert_int_equal(s->value, (i - 1) * (i - 1 + 1) / 2);
		big_release(&b, COUNTER_ADD, (uint64_t)i, (uint64_t)(s->value + i));
	}
	/* One event per critical section, in lock order. */
	assert_int_equal(b.obj->count, 40);
	assert_int_equal(lock_dbg(&b.lock)->log->count, 40);
	assert_ptr_equal(log_find("lock.ctr.x"), lock_dbg(&b.lock)->log);
}

static void push_unlocked(void *p)
{
	big_release(p, COUNTER_ADD, 1, 1);
}

static void test_push_without_lock_panics(void **st)
{
	char msg[256];
	log_reset();
	big_init(&b, LOCK_MCS, &counter_log_type, "ctr.x", 0);
	assert_true(host_try(push_unlocked, &b, msg, sizeof msg));
	assert_non_null(strstr(msg, "mutual-exclusion violation: ctr.x: ADD by thread"));
	assert_non_null(strstr(msg, "without holding its lock lock.ctr.x"));
}

static void big_init_long(void *p)
{
	big_init(&b, LOCK_TICKET, &counter_log_type, p, 0);
}

/* The lock's name is "lock." and the object's: an object name that fits
 * but makes the lock's too long is refused, not cut (two names alike in
 * their first 26 characters would make one lock name). */
static void test_big_lock_name_too_long_refused(void **st)
{
	char msg[256];
	log_reset();
	assert_false(host_try(big_init_long, "ctr.4567890123456789012345", msg, sizeof msg));
	assert_non_null(log_find("lock.ctr.4567890123456789012345"));
	assert_true(host_try(big_init_long, "ctr.45678901234567890123456", msg, sizeof msg));
	assert_non_null(strstr(msg, "lock.ctr.45678901234567890123456 is longer than 31"));
}

/* CPU 1 fails while CPU 0 spins and CPU 2 parks, each waiting for it
 * forever: on pthread CPUs too the run must fail with CPU 1's message and
 * host_run return (it used to abort the process). */
static volatile int never;

static void fail_one(unsigned cpu, void *arg)
{
	if (cpu == 1)
		plat_panic("cpu 1 gives up");
	while (!never) {
		if (cpu == 0)
			plat_relax();
		else
			plat_park();
	}
}

static void count_cpu(unsigned cpu, void *arg)
{
	__atomic_fetch_add((unsigned *)arg, 1, __ATOMIC_RELAXED);
}

static void test_thread_panic_fails_the_run(void **st)
{
	struct host_result res;
	unsigned n = 0;
	host_run(HOST_THREADS, 3, fail_one, 0, &res);
	assert_true(res.failed);
	assert_string_equal(res.msg, "cpu 1 gives up");
	/* The failure does not leak into the next run. */
	host_run(HOST_THREADS, 3, count_cpu, &n, &res);
	assert_false(res.failed);
	assert_int_equal(n, 3);
}

static void run_ok(const struct scen_cfg *cfg, const char *oracle, enum host_mode mode,
		   const struct log_set *ref)
{
	struct oracle_spec s;
	struct host_result res;
	assert_null(oracle_parse(oracle, &s));
	if (!scenario_run(cfg, &s, mode, ref, &res))
		fail_msg("%s: %s", oracle, res.msg);
}

/* Acceptance: all scenarios pass in check mode, under every oracle. */
static void test_all_scenarios_in_check_mode(void **st)
{
	static struct log_set rec;
	log_slow.check_mode = true;
	for (const struct scenario *sc = scenarios; sc->name; sc++) {
		struct scen_cfg cfg = sc->cfg;
		cfg.ring = 8; /* small rings: checkpoints are taken often */
		run_ok(&cfg, "script:pct:3:7", HOST_COOP, 0);
		run_ok(&cfg, "script:random:7", HOST_THREADS, 0);
		log_record_order = true;
		run_ok(&cfg, "hw", HOST_THREADS, 0);
		log_snapshot(&rec);
		run_ok(&cfg, "replay", HOST_COOP, &rec);
		log_record_order = false;
	}
	log_slow.check_mode = false;
}

/* Exploring the correct locks finds nothing (the broken one is in
 * test_lock_broken). */
static void test_explore_correct_locks_clean(void **st)
{
	const char *names[] = { "counter2", "counter2-mcs" };
	for (unsigned n = 0; n < 2; n++) {
		const struct scen_cfg *cfg = &scenario_find(names[n])->cfg;
		oracle_script_set_horizon(20);
		for (unsigned seed = 0; seed < 2000; seed++) {
			struct oracle_spec s = { .kind = ORACLE_SCRIPT,
						 .sched = OSCHED_PCT,
						 .depth = 1 + seed % 3,
						 .seed = seed };
			struct host_result res;
			if (!scenario_run(cfg, &s, HOST_COOP, 0, &res))
				fail_msg("%s seed %u: %s", names[n], seed, res.msg);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pull_is_replayed_log),
		cmocka_unit_test(test_push_without_lock_panics),
		cmocka_unit_test(test_big_lock_name_too_long_refused),
		cmocka_unit_test(test_thread_panic_fails_the_run),
		cmocka_unit_test(test_all_scenarios_in_check_mode),
		cmocka_unit_test(test_explore_correct_locks_clean),
	};
	return cmocka_run_group_tests(tests, 0, 0);
}
