/*
 * test_oracle - the oracle string, script determinism, hw record -> replay,
 * first-divergence reports.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "host/host.h"
#include "host/scenario.h"
#include "log/logset.h"

static void test_parse_accepts_and_formats(void **st)
{
	const char *ok[] = { "hw",
			     "replay",
			     "script:rr",
			     "script:random:7",
			     "script:pct:3:12345",
			     "script:pct:4:12345@7,19,3",
			     "script:pct:3:1@",
			     "script:list:0,1,1,0",
			     "script:list:0,1.2,1,0.255",
			     "script:random:18446744073709551615" };
	struct oracle_spec s;
	char buf[128];
	for (unsigned i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		assert_null(oracle_parse(ok[i], &s));
		oracle_format(&s, buf, sizeof buf);
		assert_string_equal(buf, ok[i]);
	}
	assert_null(oracle_parse("script:pct:3:99", &s));
	assert_int_equal(s.kind, ORACLE_SCRIPT);
	assert_int_equal(s.sched, OSCHED_PCT);
	assert_int_equal(s.depth, 3);
	assert_int_equal(s.seed, 99);
}

static void test_parse_rejects_with_message(void **st)
{
	struct {
		const char *in, *says;
	} bad[] = {
		{ "", "unknown oracle" },
		{ "hardware", "unknown oracle" },
		{ "script", "unknown oracle" },
		{ "script:", "unknown script schedule" },
		{ "script:random", "unknown script schedule" },
		{ "script:random:", "SEED" },
		{ "script:random:12x", "SEED" },
		{ "script:random:99999999999999999999", "SEED" },
		{ "script:pct:0:1", "DEPTH 1..64" },
		{ "script:pct:3", "DEPTH" },
		{ "script:pct:3:", "SEED" },
		{ "script:pct:3:1@0", "steps >= 1" },
		{ "script:pct:3:1@1,,2", "steps >= 1" },
		{ "script:pct:3:1@1,", "steps >= 1" },
		{ "script:pct:3:1@x", "steps >= 1" },
		{ "script:pct:3:1@1,2,3", "at most DEPTH-1" },
		{ "script:pct:1:1@1", "at most DEPTH-1" },
		{ "script:pct:3:1x@1", "SEED" },
		{ "script:list:", "CPU numbers" },
		{ "script:list:0,,1", "CPU numbers" },
		{ "script:list:0,64", "out of range" },
		{ "script:list:0.256", "K 0..255" },
		{ "script:list:0.", "K 0..255" },
		{ "script:list:0.x", "K 0..255" },
		{ "replay:x", "unknown oracle" },
	};
	struct oracle_spec s;
	for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		const char *m = oracle_parse(bad[i].in, &s);
		assert_non_null(m);
		if (!strstr(m, bad[i].says))
			fail_msg("'%s' -> '%s', expected to mention '%s'", bad[i].in, m, bad[i].says);
	}
}

static uint64_t digest_of(const char *oracle, const struct scen_cfg *cfg, enum host_mode mode)
{
	struct oracle_spec s;
	struct host_result res;
	assert_null(oracle_parse(oracle, &s));
	if (!scenario_run(cfg, &s, mode, 0, &res))
		fail_msg("%s: %s", oracle, res.msg);
	return log_digest();
}

/* Acceptance: the same seed gives bit-identical logs 100 of 100 times;
 * different seeds give different interleavings. */
static void test_same_seed_identical_100(void **st)
{
	const struct scen_cfg cfg = scenario_find("counter3")->cfg;
	const char *specs[] = { "script:random:42", "script:pct:3:12345", "script:rr" };
	for (unsigned k = 0; k < 3; k++) {
		uint64_t d0 = digest_of(specs[k], &cfg, HOST_COOP);
		for (int i = 0; i < 99; i++)
			assert_int_equal(digest_of(specs[k], &cfg, HOST_COOP), d0);
	}
	uint64_t seen[20];
	unsigned distinct = 0;
	for (unsigned i = 0; i < 20; i++) {
		char s[64];
		snprintf(s, sizeof s, "script:random:%u", i);
		uint64_t d = digest_of(s, &cfg, HOST_COOP);
		bool dup = false;
		for (unsigned j = 0; j < distinct; j++)
			dup |= seen[j] == d;
		if (!dup)
			seen[distinct++] = d;
	}
	assert_true(distinct >= 10);
}

/* The script oracle serializes real pthreads just as well: same digest as
 * on cooperative CPUs (this is the turn protocol the kernel uses). */
static void test_script_on_pthreads_matches_coop(void **st)
{
	const struct scen_cfg cfg = scenario_find("counter3")->cfg;
	for (unsigned seed = 1; seed <= 5; seed++) {
		char s[64];
		snprintf(s, sizeof s, "script:pct:2:%u", seed);
		assert_int_equal(digest_of(s, &cfg, HOST_THREADS), digest_of(s, &cfg, HOST_COOP));
	}
}

/* A pct schedule's own change points, given explicitly, are the same
 * schedule (what explore's shrinker starts from); other points, or none,
 * make other runs. */
static void test_pct_given_change_points(void **st)
{
	const struct scen_cfg cfg = scenario_find("counter3")->cfg;
	unsigned differ = 0;
	for (unsigned seed = 1; seed <= 20; seed++) {
		char s[64], at[1280];
		struct oracle_spec spec;
		snprintf(s, sizeof s, "script:pct:4:%u", seed);
		uint64_t d = digest_of(s, &cfg, HOST_COOP);
		assert_null(oracle_parse(s, &spec));
		spec.pct_at = true;
		spec.nat = oracle_script_changes(spec.at, ORACLE_PCT_MAX_CHANGES);
		assert_int_equal(spec.nat, 3);
		oracle_format(&spec, at, sizeof at);
		assert_int_equal(digest_of(at, &cfg, HOST_COOP), d);
		snprintf(s, sizeof s, "script:pct:4:%u@", seed);
		differ += digest_of(s, &cfg, HOST_COOP) != d;
	}
	assert_true(differ >= 5);
}

static void test_list_schedule_orders_first_acquisition(void **st)
{
	const struct scen_cfg cfg = scenario_find("counter2")->cfg;
	for (unsigned first = 0; first < 2; first++) {
		char s[64];
		snprintf(s, sizeof s, "script:list:%u,%u,%u", first, first, first);
		digest_of(s, &cfg, HOST_COOP);
		const struct log_event *e = log_event_at(log_find("lock.ctr.0"), 0);
		assert_int_equal(e->cpu, first);
	}
}

static struct log_set rec;

static void record(const struct scen_cfg *cfg, const char *oracle, enum host_mode mode)
{
	log_record_order = true;
	digest_of(oracle, cfg, mode);
	log_snapshot(&rec);
}

static bool replay(const struct scen_cfg *cfg, enum host_mode mode, struct host_result *res)
{
	struct oracle_spec s;
	assert_null(oracle_parse("replay", &s));
	return scenario_run(cfg, &s, mode, &rec, res);
}

/* Acceptance: logs recorded with hw on pthreads replay to identical
 * per-object hashes (on cooperative CPUs and on pthreads). */
static void test_hw_record_replays_identically(void **st)
{
	const struct scen_cfg cfg = { 2, 20000, 3, LOCK_TICKET, 0 };
	enum host_mode modes[] = { HOST_COOP, HOST_THREADS };
	record(&cfg, "hw", HOST_THREADS);
	for (unsigned m = 0; m < 2; m++) {
		struct host_result res;
		if (!replay(&cfg, modes[m], &res))
			fail_msg("replay failed: %s", res.msg);
		assert_int_equal(log_nobjs(), rec.nobjs);
		for (unsigned i = 0; i < rec.nobjs; i++) {
			struct log_obj *o = log_find(rec.objs[i].name);
			assert_non_null(o);
			assert_int_equal(o->count, rec.objs[i].count);
			assert_int_equal(o->hash, rec.objs[i].hash);
		}
	}
	log_record_order = false;
}

/* Acceptance: altering one recorded event yields a report naming it. */
static void test_altered_event_first_divergence(void **st)
{
	const struct scen_cfg cfg = { 2, 500, 2, LOCK_MCS, 0 };
	struct host_result res;
	record(&cfg, "hw", HOST_THREADS);
	struct log_objrec *x = (struct log_objrec *)log_set_find(&rec, "ctr.1");
	assert_non_null(x);
	uint64_t seq = x->first + 10;
	x->events[10].arg1 += 1; /* "the section saw another value" */
	assert_false(replay(&cfg, HOST_COOP, &res));
	char want[64];
	snprintf(want, sizeof want, "divergence at ctr.1 seq %lu: event differs", (unsigned long)seq);
	if (!strstr(res.msg, want))
		fail_msg("report '%s' lacks '%s'", res.msg, want);

	/* A changed actor in a lock's window is named the same way. */
	record(&cfg, "hw", HOST_THREADS);
	x = (struct log_objrec *)log_set_find(&rec, "lock.ctr.0");
	x->events[5].cpu ^= 1;
	assert_false(replay(&cfg, HOST_COOP, &res));
	snprintf(want, sizeof want, "divergence at lock.ctr.0 seq %lu",
		 (unsigned long)(x->first + 5));
	if (!strstr(res.msg, want))
		fail_msg("report '%s' lacks '%s'", res.msg, want);
	log_record_order = false;
}

/* A replay with more work than the recording stops at the first extra event. */
static void test_replay_longer_run_diverges(void **st)
{
	struct scen_cfg cfg = { 2, 100, 1, LOCK_TICKET, 0 };
	struct host_result res;
	record(&cfg, "script:random:3", HOST_COOP);
	cfg.ops = 101;
	assert_false(replay(&cfg, HOST_COOP, &res));
	assert_non_null(strstr(res.msg, "seq 200"));
	log_record_order = false;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_accepts_and_formats),
		cmocka_unit_test(test_parse_rejects_with_message),
		cmocka_unit_test(test_same_seed_identical_100),
		cmocka_unit_test(test_script_on_pthreads_matches_coop),
		cmocka_unit_test(test_pct_given_change_points),
		cmocka_unit_test(test_list_schedule_orders_first_acquisition),
		cmocka_unit_test(test_hw_record_replays_identically),
		cmocka_unit_test(test_altered_event_first_divergence),
		cmocka_unit_test(test_replay_longer_run_diverges),
	};
	return cmocka_run_group_tests(tests, 0, 0);
}
