/*
 * scenario.c - counters behind big locks: each CPU repeatedly pulls a
 * counter, adds one and pushes ADD(1, value+1).  A plain (non-atomic)
 * shared integer and an in-critical-section flag are updated inside the
 * sections too, so a lock that lets two CPUs in is caught directly, and
 * the totals are checked at the end.
 */
#include <stdio.h>
#include "host/scenario.h"
#include "log/counter.h"
#include "log/str.h"
#include "lock/biglock.h"

const struct scenario scenarios[] = {
	{ "counter2",
	  "2 CPUs x 3 sections on one ticket-locked counter (~20 events)",
	  { 2, 3, 1, LOCK_TICKET, 0 } },
	{ "counter2-mcs", "2 CPUs x 3 sections on one MCS-locked counter", { 2, 3, 1, LOCK_MCS, 0 } },
	{ "counter3", "3 CPUs x 4 sections on two ticket-locked counters", { 3, 4, 2, LOCK_TICKET, 0 } },
	{ "counter4-mcs",
	  "4 CPUs x 50 sections on three MCS-locked counters",
	  { 4, 50, 3, LOCK_MCS, 0 } },
	{ 0, 0, { 0, 0, 0, LOCK_TICKET, 0 } },
};

static struct biglock counters[SCEN_MAX_OBJS];
static volatile uint64_t plain[SCEN_MAX_OBJS]; /* updated without atomics, under the lock */
static volatile int in_cs[SCEN_MAX_OBJS];
static const struct scen_cfg *cur_cfg;

const struct scenario *scenario_find(const char *name)
{
	for (const struct scenario *s = scenarios; s->name; s++)
		if (log_streq(s->name, name))
			return s;
	return 0;
}

struct biglock *scenario_counter(unsigned i)
{
	return &counters[i];
}

static void cpu_main(unsigned cpu, void *arg)
{
	const struct scen_cfg *cfg = cur_cfg;
	for (uint64_t i = 0; i < cfg->ops; i++) {
		unsigned k = (unsigned)((cpu * 7 + i) % cfg->nobjs);
		struct biglock *b = &counters[k];
		const struct counter_state *s = big_acquire(b);
		if (in_cs[k]++)
			plat_panic("mutual exclusion violated on %s: cpu %u entered while occupied",
				   b->obj->name, cpu);
		int64_t v = s->value;
		plain[k] = plain[k] + 1;
		in_cs[k]--;
		big_release(b, COUNTER_ADD, 1, (uint64_t)(v + 1));
	}
}

static void check(const struct scen_cfg *cfg)
{
	uint64_t total = 0, plain_total = 0;
	for (unsigned k = 0; k < cfg->nobjs; k++) {
		const struct counter_state *s = log_state(counters[k].obj);
		total += (uint64_t)s->value;
		plain_total += plain[k];
		if ((uint64_t)s->value != s->ops)
			plat_panic("%s: value %ld after %lu ADD(1)s", counters[k].obj->name,
				   (long)s->value, (unsigned long)s->ops);
	}
	uint64_t want = (uint64_t)cfg->ncpus * cfg->ops;
	if (total != want || plain_total != want)
		plat_panic("lost or duplicated operations: counters %lu, plain %lu, expected %lu",
			   (unsigned long)total, (unsigned long)plain_total, (unsigned long)want);
}

struct run_ctx {
	const struct scen_cfg *cfg;
	const struct oracle_spec *spec;
	enum host_mode mode;
	const struct log_set *ref;
	struct host_result *res;
};

static void run_body(void *p)
{
	struct run_ctx *c = p;
	host_run(c->mode, c->cfg->ncpus, cpu_main, 0, c->res);
	if (c->res->failed)
		return;
	oracle_finish();
	check(c->cfg);
}

bool scenario_run(const struct scen_cfg *cfg, const struct oracle_spec *spec, enum host_mode mode,
		  const struct log_set *ref, struct host_result *res)
{
	if (cfg->nobjs < 1 || cfg->nobjs > SCEN_MAX_OBJS)
		plat_panic("scenario: 1..%d objects", SCEN_MAX_OBJS);
	log_reset();
	cur_cfg = cfg;
	for (unsigned k = 0; k < cfg->nobjs; k++) {
		char name[16];
		snprintf(name, sizeof name, "ctr.%u", k);
		big_init(&counters[k], cfg->kind, &counter_log_type, name, cfg->ring);
		plain[k] = 0;
		in_cs[k] = 0;
	}
	oracle_start(spec, cfg->ncpus, ref);
	struct run_ctx c = { cfg, spec, mode, ref, res };
	char msg[sizeof res->msg];
	bool panicked = host_try(run_body, &c, msg, sizeof msg);
	oracle_stop();
	if (panicked && !res->failed) {
		res->failed = true;
		snprintf(res->msg, sizeof res->msg, "%s", msg);
	}
	return !res->failed;
}
