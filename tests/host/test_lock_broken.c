/*
 * test_lock_broken - linked against the core built with -DTLOCK_BROKEN
 * (ticket drawn by a load and a separate store).  Scripted exploration must
 * find a failing schedule within 10,000 schedules, and that schedule must
 * fail the same way every time it is re-run.
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

static bool run(const struct scen_cfg *cfg, const char *oracle, struct host_result *res)
{
	struct oracle_spec s;
	assert_null(oracle_parse(oracle, &s));
	return scenario_run(cfg, &s, HOST_COOP, 0, res);
}

static void explore(const char *sched)
{
	const struct scen_cfg *cfg = &scenario_find("counter2")->cfg;
	struct host_result res, again;
	char spec[64];
	unsigned i;
	oracle_script_set_horizon(20);
	for (i = 0; i < 10000; i++) {
		snprintf(spec, sizeof spec, "script:%s:%u", sched, 1000 + i);
		if (!run(cfg, spec, &res))
			break;
	}
	if (i == 10000)
		fail_msg("broken ticket lock not caught in 10000 %s schedules", sched);
	print_message("caught by %s after %u schedule(s): %s\n", spec, i + 1, res.msg);
	for (int k = 0; k < 100; k++) {
		assert_false(run(cfg, spec, &again));
		assert_string_equal(again.msg, res.msg);
	}
}

static void test_pct_catches_broken_lock(void **st)
{
	explore("pct:3");
}

static void test_random_catches_broken_lock(void **st)
{
	explore("random");
}

/* Round robin alone happens to interleave the load and store too. */
static void test_failure_names_the_lock(void **st)
{
	struct host_result res;
	const struct scen_cfg *cfg = &scenario_find("counter2")->cfg;
	assert_false(run(cfg, "script:rr", &res));
	assert_non_null(strstr(res.msg, "lock.ctr.0"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pct_catches_broken_lock),
		cmocka_unit_test(test_random_catches_broken_lock),
		cmocka_unit_test(test_failure_names_the_lock),
	};
	return cmocka_run_group_tests(tests, 0, 0);
}
