/*
 * Every CPU hammers shared ticket- and MCS-locked counters (big-lock objects:
 * acquire pulls the counter's state from its log, release pushes ADD), under
 * the hw oracle (real vCPUs race) and under script:pct (deterministic). The
 * invariants are checked on the logs: mutual exclusion, FIFO for ticket
 * locks, bounded bypass, release by the holder, and no lost or duplicated
 * operation. A script run is repeated and must give bit-identical logs.
 */
#include "boot/kargs.h"
#include "dev/traceio.h"
#include "lib/ktest.h"
#include "lib/printfmt.h"
#include "lib/string.h"
#include "lock/biglock.h"
#include "lock/lockcheck.h"
#include "lock/lockdbg.h"
#include "log/counter.h"
#include "log/log.h"
#include "mp/cpu.h"
#include "oracle/oracle.h"

#define NOBJ 4  /* ctr.0, ctr.1: ticket locks; ctr.2, ctr.3: MCS locks */
#define OPS 150 /* sections per CPU: TCG hands a contended lock over slowly */

static struct biglock ctr[NOBJ];
static volatile uint64_t plain[NOBJ]; /* non-atomic, updated only inside the sections */
static volatile int in_cs[NOBJ];
static volatile int overlaps;
static uint32_t sections[PLAT_MAX_CPUS][NOBJ]; /* what each CPU did: the count to check against */
static unsigned stride = 7; /* which counter each section picks; locks_stride= changes it */

static void hammer(void *arg)
{
	unsigned cpu = plat_cpu();
	for (unsigned i = 0; i < OPS; i++) {
		unsigned k = (cpu * stride + i) % NOBJ;
		const struct counter_state *s = big_acquire(&ctr[k]);
		if (in_cs[k]++)
			overlaps++;
		int64_t v = s->value;
		plain[k] = plain[k] + 1;
		in_cs[k]--;
		big_release(&ctr[k], COUNTER_ADD, 1, (uint64_t)(v + 1));
		sections[cpu][k]++;
	}
}

/* One run under `oracle` (replay follows `ref`); returns the digest of all logs (0 on a failed start). */
static uint64_t run_ref(const char *oracle, const struct log_set *ref)
{
	struct oracle_spec spec;
	const char *err = oracle_parse(oracle, &spec);
	if (err) {
		kprintf("    # oracle '%s': %s\n", oracle, err);
		ktest_fail(__FILE__, __LINE__, "oracle string parses");
		return 0;
	}
	log_reset();
	for (unsigned k = 0; k < NOBJ; k++) {
		char name[16];
		snprintf(name, sizeof(name), "ctr.%u", k);
		big_init(&ctr[k], k < NOBJ / 2 ? LOCK_TICKET : LOCK_MCS, &counter_log_type, name,
			 1024);
		plain[k] = 0;
		in_cs[k] = 0;
	}
	memset(sections, 0, sizeof(sections));
	overlaps = 0;
	oracle_start(&spec, (unsigned)ncpu_online, ref);
	smp_call_all(hammer, NULL);
	oracle_finish();
	oracle_stop();

	uint64_t total = 0, plain_total = 0, checked = 0, timed = 0;
	for (unsigned k = 0; k < NOBJ; k++) {
		uint64_t done = 0;
		for (int c = 0; c < ncpu_online; c++)
			done += sections[c][k];
		const struct counter_state *s = log_state(ctr[k].obj);
		KT_EXPECT_EQ((uint64_t)s->value, s->ops);
		total += (uint64_t)s->value;
		plain_total += plain[k];
		struct lockcheck r;
		const struct log_obj *lo = lock_dbg(&ctr[k].lock)->log;
		if (!lockcheck_obj(lo, (uint64_t)ncpu_online - 1, &r)) {
			kprintf("    # %s: %s at event %lu\n", lo->name, r.violation, r.seq);
			ktest_fail(__FILE__, __LINE__, "lock log invariants");
		}
		KT_EXPECT_EQ(lo->count, done); /* one lock event per section */
		/* The checker saw the whole ring window: the last LOCK_RING sections. */
		KT_EXPECT_EQ(r.checked, done < LOCK_RING ? done : LOCK_RING);
		if (log_slow.lock_time_all || log_slow.check_mode) /* every acquisition timed */
			KT_EXPECT_EQ(r.timed, r.checked);
		checked += r.checked;
		timed += r.timed;
	}
	KT_EXPECT_EQ(total, (uint64_t)OPS * ncpu_online);
	KT_EXPECT_EQ(plain_total, (uint64_t)OPS * ncpu_online);
	KT_EXPECT_EQ(overlaps, 0);
	uint64_t d = log_digest();
	kprintf("    # oracle %s: %lu sections on %d cpus, digest %016lx; lock logs: %lu events "
		"checked, %lu of them by time too\n",
		oracle, total, ncpu_online, d, checked, timed);
	return d;
}

static uint64_t run(const char *oracle)
{
	return run_ref(oracle, NULL);
}

KTEST_CPUS(locks_hw, 2)
{
	run("hw");
}

KTEST_CPUS(locks_script_pct, 2)
{
	uint64_t a = run("script:pct:3:12345");
	uint64_t b = run("script:pct:3:12345");
	uint64_t c = run("script:pct:3:777");
	KT_EXPECT(a != 0 && a == b); /* same seed: bit-identical logs */
	KT_EXPECT(a != c);           /* another seed: another interleaving */
}

/* Check mode: after every append the state is recomputed from the checkpoint and compared. */
KTEST_CPUS(locks_check_mode, 2)
{
	bool was = log_slow.check_mode;
	log_slow.check_mode = true;
	run("hw");
	run("script:random:42");
	log_slow.check_mode = was; /* logcheck=1 on the command line keeps it on everywhere */
}

/*
 * The oracle named on the command line (oracle=..., hw if none). record=1
 * keeps the order streams and writes the trace to COM2 afterwards; with
 * oracle=replay the recording comes back as a multiboot module.
 */
KTEST_CPUS(locks_cmdline_oracle, 2)
{
	const char *o = karg("oracle");
	const struct log_set *ref = NULL;
	/* A mistyped stride would run (and record, or replay) another program:
	 * the boot refuses one that is not a number 0..2^32-1 (kargs_init). */
	stride = (unsigned)karg_ulong("locks_stride", 7);
	if (o && strcmp(o, "replay") == 0) {
		ref = ktrace_load();
		KT_EXPECT(ref != NULL);
		if (!ref)
			return;
	}
	log_record_order = karg_record();
	run_ref(o ? o : "hw", ref);
	if (log_record_order)
		KT_EXPECT(ktrace_save(o ? o : "hw"));
	log_record_order = false;
}
