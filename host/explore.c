/*
 * explore - run a scenario under many scripted schedules, stop at the
 * first failure and print the command that replays it.
 *
 *   explore --test=NAME [--schedules=K] [--sched=pct:D|random] [--seed=S]
 *           [--check] [--list]
 *   explore --test=NAME --oracle=SPEC [--repeat=N] [--pthreads]
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

static void usage(void)
{
	fprintf(stderr, "usage: explore --test=NAME [--schedules=K] [--sched=pct:D|random] "
			"[--seed=S] [--check]\n"
			"       explore --test=NAME --oracle=SPEC [--repeat=N] [--pthreads]\n"
			"       explore --list\n");
	exit(2);
}

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
		printf("identical outcome in %lu of %lu runs\n", (unsigned long)same, (unsigned long)n);
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
	bool have_oracle = false;
	uint64_t schedules = 10000, seed = 1, nrep = 1;
	enum host_mode mode = HOST_COOP;

	for (int i = 1; i < argc; i++) {
		if ((v = cli_opt(argv[i], "--test")))
			test = v;
		else if ((v = cli_opt(argv[i], "--oracle"))) {
			cli_oracle(v, &spec);
			have_oracle = true;
		} else if ((v = cli_opt(argv[i], "--schedules")))
			schedules = cli_num(v, "--schedules");
		else if ((v = cli_opt(argv[i], "--sched")))
			sched = v;
		else if ((v = cli_opt(argv[i], "--seed")))
			seed = cli_num(v, "--seed");
		else if ((v = cli_opt(argv[i], "--repeat")))
			nrep = cli_num(v, "--repeat");
		else if (!strcmp(argv[i], "--pthreads"))
			mode = HOST_THREADS;
		else if (!strcmp(argv[i], "--check"))
			log_check_mode = true;
		else if (!strcmp(argv[i], "--list")) {
			for (const struct scenario *s = scenarios; s->name; s++)
				printf("%-14s %s\n", s->name, s->what);
			return 0;
		} else
			usage();
	}
	const struct scenario *s = test ? scenario_find(test) : 0;
	if (!s) {
		fprintf(stderr, "explore: unknown or missing --test (try --list)\n");
		return 2;
	}
	if (have_oracle && spec.kind != ORACLE_SCRIPT) {
		fprintf(stderr, "explore: --oracle must be a script:... schedule\n");
		return 2;
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

	char base[64], text[128];
	snprintf(base, sizeof base, "script:%s:", strcmp(sched, "random") ? sched : "random");
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
			printf("replay: %s --test=%s --oracle=%s\n", argv[0], s->name, text);
			return 1;
		}
	}
	double dt = cli_now() - t0;
	printf("%s: %lu schedules (%s, seeds %lu..%lu), no failure, %lu distinct logs, "
	       "%.0f schedules/s, %lu steps per run\n",
	       s->name, (unsigned long)schedules, sched, (unsigned long)seed,
	       (unsigned long)(seed + schedules - 1), (unsigned long)dcount,
	       (double)schedules / dt, (unsigned long)o.steps);
	return 0;
}
