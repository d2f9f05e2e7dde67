/*
 * stress - big-lock counters hammered by N CPUs; checks the outcome and
 * the lock logs' invariants, reports throughput, fairness and log memory.
 *
 *   stress [--threads=N] [--ops=M] [--lock=ticket|mcs] [--oracle=SPEC]
 *          [--objs=K] [--ring=R] [--check] [--pthreads] [--record-replay]
 *
 * --ops is the total number of critical sections.  hw runs on pthreads,
 * script and replay on cooperative CPUs unless --pthreads.
 * --record-replay records the run (any oracle) with its order streams, then
 * replays it (cooperative CPUs, or --pthreads) and compares every object's
 * event count and chain hash.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "host/cli.h"
#include "host/scenario.h"
#include "lock/biglock.h"
#include "lock/lockcheck.h"
#include "log/logset.h"

/* Upper bounds, so that a mistyped number cannot start a run that does
 * not end: 10^10 sections at ~5 M/s is half an hour; a ring of 65536
 * events is 4 MiB per log, two logs per counter. */
#define STRESS_MAX_OPS 10000000000
#define STRESS_MAX_RING 65536

static const char synopsis[] =
	"usage: stress [--threads=N] [--ops=M] [--lock=ticket|mcs] [--oracle=SPEC] [--objs=K]\n"
	"              [--ring=R] [--check] [--pthreads] [--record-replay]\n";
static const char details[] =
	"  --threads=N      CPUs, 1.." CLI_STR(PLAT_MAX_CPUS) " (default 2)\n"
	"  --ops=M          critical sections in all, N.." CLI_STR(STRESS_MAX_OPS)
	" (default 1000000)\n"
	"  --lock=KIND      ticket (default) or mcs\n"
	"  --oracle=SPEC    hw (default), script:rr, script:random:SEED,\n"
	"                   script:pct:DEPTH:SEED, script:list:CPU,...\n"
	"  --objs=K         lock-protected counters, 1.." CLI_STR(SCEN_MAX_OBJS) " (default 1)\n"
	"  --ring=R         events kept per log: 0 (default) or a power of two\n"
	"                   1.." CLI_STR(STRESS_MAX_RING) "\n"
	"  --check          check mode: every append replays the log and compares\n"
	"  --pthreads       script runs on pthreads too (hw always is)\n"
	"  --record-replay  record the run with its order stream, replay it, compare\n"
	"exit status: 0 ok, 1 the run or its checks failed, 2 usage error\n";

static void report_lock(struct biglock *b, unsigned ncpus)
{
	struct lock_debug *d = lock_dbg(&b->lock);
	const struct lock_stats *st = lockdbg_stats(d);
	uint64_t mn = ~0ull, mx = 0;
	for (unsigned c = 0; c < ncpus; c++) {
		if (st->per_cpu[c] < mn)
			mn = st->per_cpu[c];
		if (st->per_cpu[c] > mx)
			mx = st->per_cpu[c];
	}
	struct lockcheck r;
	bool ok = lockcheck_obj(d->log, ncpus - 1, &r);
	printf("  %-12s acquisitions %lu, contended %.1f%%, wait avg %.0f max %lu ticks, "
	       "per-CPU min/max %lu/%lu\n",
	       d->log->name, (unsigned long)st->acquires,
	       st->acquires ? 100.0 * (double)st->contended / (double)st->acquires : 0.0,
	       st->acquires ? (double)st->wait_sum / (double)st->acquires : 0.0,
	       (unsigned long)st->wait_max, (unsigned long)mn, (unsigned long)mx);
	printf("  %-12s log window %lu events: %s (max bypass %lu, bound %u)\n", d->log->name,
	       (unsigned long)r.checked,
	       ok ? "mutual exclusion, FIFO, bypass OK (releases: checked as they happened)"
		  : r.violation,
	       (unsigned long)r.max_bypass, ncpus - 1);
	if (!ok)
		printf("  first violation at seq %lu\n", (unsigned long)r.seq);
}

static int record_replay(const struct scen_cfg *cfg, const struct oracle_spec *spec,
			 enum host_mode rec_mode, enum host_mode rep_mode)
{
	static struct log_set rec;
	struct host_result res;
	struct oracle_spec rp;

	log_record_order = true;
	if (!scenario_run(cfg, spec, rec_mode, 0, &res)) {
		printf("record run failed: %s\n", res.msg);
		return 1;
	}
	log_snapshot(&rec);
	cli_oracle("replay", &rp);
	double t0 = cli_now();
	bool ok = scenario_run(cfg, &rp, rep_mode, &rec, &res);
	double dt = cli_now() - t0;
	int bad = 0;
	for (unsigned i = 0; i < rec.nobjs; i++) {
		const struct log_objrec *x = &rec.objs[i];
		struct log_obj *o = log_find(x->name);
		bool same = o && o->count == x->count && o->hash == x->hash;
		bad += !same;
		printf("  %-12s %8lu events  recorded %016lx  replayed %016lx  %s\n", x->name,
		       (unsigned long)x->count, (unsigned long)x->hash,
		       (unsigned long)(o ? o->hash : 0), same ? "same" : "DIFFERENT");
	}
	printf("replay (%s CPUs) %s in %.3f s%s%s\n",
	       rep_mode == HOST_COOP ? "cooperative" : "pthread",
	       ok && !bad ? "identical" : "DIVERGED", dt, ok ? "" : ": ", ok ? "" : res.msg);
	return ok && !bad ? 0 : 1;
}

int main(int argc, char **argv)
{
	struct scen_cfg cfg = { 2, 0, 1, LOCK_TICKET, 0 };
	struct oracle_spec spec;
	uint64_t ops = 1000000;
	bool pthreads = false, rr = false;
	const char *v;

	cli_init("stress", synopsis, details);
	cli_oracle("hw", &spec);
	/* stress reports statistics and judges every event by time. */
	lock_stats_set(true);
	log_slow.lock_time_all = true;
	for (int i = 1; i < argc; i++) {
		if (cli_is_help(argv[i]))
			cli_help();
		else if ((v = cli_opt(argv[i], "--threads")))
			cfg.ncpus = (unsigned)cli_num(v, "--threads", 1, PLAT_MAX_CPUS);
		else if ((v = cli_opt(argv[i], "--ops")))
			ops = cli_num(v, "--ops", 1, STRESS_MAX_OPS);
		else if ((v = cli_opt(argv[i], "--objs")))
			cfg.nobjs = (unsigned)cli_num(v, "--objs", 1, SCEN_MAX_OBJS);
		else if ((v = cli_opt(argv[i], "--ring"))) {
			cfg.ring = (uint32_t)cli_num(v, "--ring", 0, STRESS_MAX_RING);
			if (cfg.ring & (cfg.ring - 1))
				cli_fail("--ring=%s: not a power of two", v);
		} else if ((v = cli_opt(argv[i], "--lock"))) {
			if (!lock_kind_parse(v, &cfg.kind))
				cli_fail("--lock=%s: ticket or mcs", v);
		} else if ((v = cli_opt(argv[i], "--oracle")))
			cli_oracle(v, &spec);
		else if (!strcmp(argv[i], "--check"))
			log_slow.check_mode = true;
		else if (!strcmp(argv[i], "--pthreads"))
			pthreads = true;
		else if (!strcmp(argv[i], "--record-replay"))
			rr = true;
		else
			cli_bad_arg(argv[i]);
	}
	if (spec.kind == ORACLE_REPLAY)
		cli_fail("--oracle=replay: use --record-replay to replay a run");
	cli_oracle_cpus(&spec, cfg.ncpus, "--oracle=");
	if (ops < cfg.ncpus)
		cli_fail("--ops=%lu leaves CPUs without a section: want at least --threads=%u",
			 (unsigned long)ops, cfg.ncpus);
	cfg.ops = ops / cfg.ncpus;
	enum host_mode mode = spec.kind == ORACLE_HW || pthreads ? HOST_THREADS : HOST_COOP;
	char text[128];
	oracle_format(&spec, text, sizeof text);
	printf("stress: %u CPUs (%s), %lu sections, %u object(s), %s lock, oracle %s%s%s\n",
	       cfg.ncpus, mode == HOST_COOP ? "cooperative" : "pthreads",
	       (unsigned long)(cfg.ops * cfg.ncpus), cfg.nobjs,
	       cfg.kind == LOCK_TICKET ? "ticket" : "mcs", text,
	       log_slow.check_mode ? ", check mode" : "",
#ifdef LOCK_LOG_OFF
	       ", lock logging compiled out"
#else
	       ""
#endif
	);
	if (rr)
		return record_replay(&cfg, &spec, mode, pthreads ? HOST_THREADS : HOST_COOP);

	struct host_result res;
	double t0 = cli_now();
	bool ok = scenario_run(&cfg, &spec, mode, 0, &res);
	double dt = cli_now() - t0;
	if (!ok) {
		printf("FAIL: %s\n", res.msg);
		return 1;
	}
	uint64_t total = cfg.ops * cfg.ncpus;
	printf("ok: counters and plain totals agree (%lu), %.3f s, %.2f M sections/s, %.1f ns each\n",
	       (unsigned long)total, dt, (double)total / dt / 1e6, dt * 1e9 / (double)total);
	for (unsigned k = 0; k < cfg.nobjs; k++)
		report_lock(scenario_counter(k), cfg.ncpus);
	printf("log memory: %lu bytes for %u objects (bounded: rings + checkpoints, no order stream)\n",
	       (unsigned long)log_mem_bytes(), log_nobjs());
	printf("log digest %016lx\n", (unsigned long)log_digest());
	return 0;
}
