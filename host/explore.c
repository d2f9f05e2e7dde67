/*
 * explore - run a scenario under many scripted schedules, stop at the
 * first failure and print the command that replays it.
 *
 *   explore --test=NAME [--schedules=K] [--sched=pct:D|random] [--seed=S]
 *           [--check] [--pthreads]
 *   explore --test=NAME --oracle=SPEC [--repeat=N] [--check] [--pthreads]
 *   explore --list
 *
 * The second form runs one schedule (N times, checking every run ends the
 * same way: same failure message, or same log digest).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "host/cli.h"
#include "host/scenario.h"
#include "log/log.h"

/* Upper bounds, so that a mistyped number cannot start a run that does
 * not end: 10^9 schedules of the smallest scenario take about an hour. */
#define EXPLORE_MAX_SCHEDULES 1000000000
#define EXPLORE_MAX_REPEAT 1000000

static const char synopsis[] =
	"usage: explore --test=NAME [--schedules=K] [--sched=pct:D|random] [--seed=S] [--check]\n"
	"               [--pthreads]\n"
	"       explore --test=NAME --oracle=SPEC [--repeat=N] [--check] [--pthreads]\n"
	"       explore --list\n";
static const char details[] =
	"  --test=NAME     a scenario (--list shows them)\n"
	"  --schedules=K   schedules to try, 1.." CLI_STR(EXPLORE_MAX_SCHEDULES)
	" (default 10000)\n"
	"  --sched=S       pct:DEPTH (DEPTH 1..64, default pct:3) or random\n"
	"  --seed=S        seed of the first schedule (default 1); seeds S..S+K-1\n"
	"  --oracle=SPEC   run this one schedule: script:rr, script:random:SEED,\n"
	"                  script:pct:DEPTH:SEED or script:list:CPU,...\n"
	"  --repeat=N      with --oracle: run it N times, 1.." CLI_STR(EXPLORE_MAX_REPEAT)
	" (default 1)\n"
	"  --check         check mode: every append replays the log and compares\n"
	"  --pthreads      CPUs are pthreads (default: cooperative CPUs, faster; a\n"
	"                  schedule runs the same on either)\n"
	"exit status: 0 no failure, 1 a schedule failed, 2 usage error,\n"
	"             3 (--repeat) runs of one schedule ended differently\n";

struct outcome {
	bool failed;
	char msg[1024];
	uint64_t digest, steps;
};

static void run_one(const struct scenario *s, const struct oracle_spec *spec, enum host_mode mode,
		    struct outcome *o)
{
	struct host_result res;
	o->failed = !scenario_run(&s->cfg, spec, mode, 0, &res);
	snprintf(o->msg, sizeof o->msg, "%s", res.msg);
	o->digest = log_digest();
	o->steps = oracle_script_steps();
}

static int repeat(const struct scenario *s, const char *argv0, const struct oracle_spec *spec,
		  uint64_t n, enum host_mode mode)
{
	struct outcome first, o;
	char text[128];
	oracle_format(spec, text, sizeof text);
	run_one(s, spec, mode, &first);
	uint64_t same = 1;
	for (uint64_t i = 1; i < n; i++) {
		run_one(s, spec, mode, &o);
		same += o.failed == first.failed && o.digest == first.digest &&
			strcmp(o.msg, first.msg) == 0;
	}
	if (first.failed)
		printf("FAIL %s --oracle=%s: %s\n", s->name, text, first.msg);
	else
		printf("PASS %s --oracle=%s: %lu steps, log digest %016lx\n", s->name, text,
		       (unsigned long)first.steps, (unsigned long)first.digest);
	if (n > 1)
		printf("identical outcome in %lu of %lu runs\n", (unsigned long)same,
		       (unsigned long)n);
	(void)argv0;
	return first.failed ? 1 : (same == n ? 0 : 3);
}

/* Distinct digests seen, in a small open-addressing set. */
#define DSET (1u << 16)
static uint64_t dset[DSET];
static unsigned dcount;

static void dset_add(uint64_t d)
{
	d |= 1;
	for (unsigned i = (unsigned)d & (DSET - 1);; i = (i + 1) & (DSET - 1)) {
		if (dset[i] == d)
			return;
		if (!dset[i]) {
			if (dcount < DSET / 2) {
				dset[i] = d;
				dcount++;
			}
			return;
		}
	}
}

int main(int argc, char **argv)
{
	const char *test = 0, *sched = "pct:3", *v;
	struct oracle_spec spec;
	bool have_oracle = false, exploring = false, have_repeat = false, list = false;
	uint64_t schedules = 10000, seed = 1, nrep = 1;
	enum host_mode mode = HOST_COOP;

	cli_init("explore", synopsis, details);
	for (int i = 1; i < argc; i++) {
		if (cli_is_help(argv[i]))
			cli_help();
		else if ((v = cli_opt(argv[i], "--test")))
			test = v;
		else if ((v = cli_opt(argv[i], "--oracle"))) {
			cli_oracle(v, &spec);
			have_oracle = true;
		} else if ((v = cli_opt(argv[i], "--schedules"))) {
			schedules = cli_num(v, "--schedules", 1, EXPLORE_MAX_SCHEDULES);
			exploring = true;
		} else if ((v = cli_opt(argv[i], "--sched"))) {
			sched = v;
			exploring = true;
		} else if ((v = cli_opt(argv[i], "--seed"))) {
			seed = cli_num(v, "--seed", 0, ~0ull);
			exploring = true;
		} else if ((v = cli_opt(argv[i], "--repeat"))) {
			nrep = cli_num(v, "--repeat", 1, EXPLORE_MAX_REPEAT);
			have_repeat = true;
		} else if (!strcmp(argv[i], "--pthreads"))
			mode = HOST_THREADS;
		else if (!strcmp(argv[i], "--check"))
			log_slow.check_mode = true;
		else if (!strcmp(argv[i], "--list"))
			list = true;
		else
			cli_bad_arg(argv[i]);
	}
	if (list) {
		for (const struct scenario *s = scenarios; s->name; s++)
			printf("%-14s %s\n", s->name, s->what);
		return 0;
	}
	if (!test)
		cli_fail("missing --test=NAME (--list shows the scenarios)");
	const struct scenario *s = cli_scenario(test);
	if (have_oracle && spec.kind != ORACLE_SCRIPT)
		cli_fail("--oracle must be a script:... schedule");
	if (have_oracle)
		cli_oracle_cpus(&spec, s->cfg.ncpus, "--oracle=");
	if (have_oracle && exploring)
		cli_fail("--oracle runs one schedule: --schedules, --sched and --seed explore");
	if (have_repeat && !have_oracle)
		cli_fail("--repeat needs --oracle=SPEC");
	if (seed + (schedules - 1) < seed)
		cli_fail("--seed=%lu with --schedules=%lu: the last seed would pass 2^64-1",
			 (unsigned long)seed, (unsigned long)schedules);
	char base[64], text[128];
	snprintf(base, sizeof base, "script:%s:", sched);
	if (!have_oracle) {
		/* The schedule strings explore will make, checked once up front so
		 * the message names --sched, not a made-up --oracle. */
		char str[96];
		const char *err;
		snprintf(str, sizeof str, "%s%lu", base, (unsigned long)seed);
		if (strncmp(sched, "pct:", 4) && strcmp(sched, "random"))
			cli_fail("--sched=%s: pct:DEPTH or random", sched);
		if ((err = oracle_parse(str, &spec)))
			cli_fail("--sched=%s: %s", sched, err);
	}

	/* Measure the run length once (round robin) so PCT spreads its
	 * priority change points over the whole run.  Both forms do this the
	 * same way, so a printed replay command reproduces the schedule.  On
	 * cooperative CPUs whatever the mode: a script run is the same on
	 * either (same steps, same digest), and a failing round robin run (a
	 * broken lock) must not keep the requested schedule from running. */
	struct outcome o;
	struct oracle_spec rr;
	cli_oracle("script:rr", &rr);
	run_one(s, &rr, HOST_COOP, &o);
	oracle_script_set_horizon(o.steps ? o.steps : 1);
	if (have_oracle)
		return repeat(s, argv[0], &spec, nrep, mode);

	double t0 = cli_now();
	for (uint64_t i = 0; i < schedules; i++) {
		char str[96];
		snprintf(str, sizeof str, "%s%lu", base, (unsigned long)(seed + i));
		cli_oracle(str, &spec);
		run_one(s, &spec, mode, &o);
		dset_add(o.digest);
		if (o.failed) {
			oracle_format(&spec, text, sizeof text);
			printf("FAIL after %lu schedule(s) (%.3f s): %s\n", (unsigned long)(i + 1),
			       cli_now() - t0, o.msg);
			printf("replay: %s --test=%s --oracle=%s%s\n", argv[0], s->name, text,
			       mode == HOST_THREADS ? " --pthreads" : "");
			return 1;
		}
	}
	double dt = cli_now() - t0;
	printf("%s: %lu schedules (%s, seeds %lu..%lu), no failure, %lu distinct logs, "
	       "%.0f schedules/s, %lu steps per run\n",
	       s->name, (unsigned long)schedules, sched, (unsigned long)seed,
	       (unsigned long)(seed + schedules - 1), (unsigned long)dcount, (double)schedules / dt,
	       (unsigned long)o.steps);
	return 0;
}
