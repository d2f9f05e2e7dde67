#include "boot/kargs.h"

#include <stddef.h>

#include "dev/console.h"
#include "dev/streamio.h"
#include "dev/traceio.h"
#include "lib/cmdline.h"
#include "lib/kprintf.h"
#include "lib/ktest.h"
#include "lib/panic.h"
#include "lib/printfmt.h"
#include "lib/string.h"
#include "mp/cpu.h"
#include "lock/tlock.h"
#include "log/log.h"
#include "log/stream.h"
#include "oracle/oracle.h"
#include "proc/uclock.h"
#include "thread/preempt_replay.h"

static const struct cmdline_key known[] = {
	{ "test", "run in-kernel tests: all, or a comma-separated list of names; KTAP on serial" },
	{ "crash",
	  "deliberate fault after boot: panic, pf, gp, ud, div, pf-ap (on an AP), "
	  "lock-twice, lock-release (lock misuse)" },
	{ "oracle", "event-order oracle: hw, script:..., replay" },
	{ "expect", "the line test=console_input waits for on the serial port" },
	{ "logcheck",
	  "1: check mode for every log (state recomputed and compared after each append)" },
	{ "x2apic", "0: keep the local APICs in xAPIC mode even where x2APIC exists" },
	{ "record", "keep the order streams and write the trace to COM2 (test=locks_cmdline_oracle)" },
	{ "stream", "record=1: the live stream: 1 or ram (default), debugcon (port 0xe9), 0 off" },
	{ "stream_kb",
	  "stream=ram: the region's size in KiB, 64..16384 (default 16384); a ring while `trace "
	  "stream-drain` copies it out" },
	{ "force", "1: replay a trace recorded by another kernel build" },
	{ "ipc_msgs", "test=ipc_stress: messages per sender and receiver (default 100)" },
	{ "ipc_words", "test=ipc_stress: words per message at most (1..1024, default 1024)" },
	{ "cv_ops", "test=cv_prodcons: items (default 20000)" },
	{ "bench_rounds", "test=bench_sched: round trips (default 2000)" },
	{ "bench_time", "1: test=ipc_stress prints its bench: time under any oracle (replay too)" },
	{ "stream_events",
	  "test=stream_bench: events to append, shared by the CPUs (default 1000000)" },
	{ "replay_until",
	  "K: under oracle=replay, follow the recording for K ordered operations, then run as under "
	  "hw (make explore FROM=)" },
	{ "stop",
	  "OBJ:SEQ: under oracle=replay, call replay_stop() at that event (make replay-gdb STOP=)" },
	{ "session", "1: an interactive session (make record: the shell until quit, input included)" },
	{ "shell", "0: boot to the kernel monitor (K>) instead of the user shell" },
	{ "uprog", "test=proc_run: the user program to run" },
	{ "uargs", "test=proc_run: its arguments, words separated by commas" },
	{ "fuzz_calls", "test=proc_fuzz: system calls per fuzzer (default 25000, 4 fuzzers)" },
	{ "stress_msgs", "test=proc_stress: messages per worker (default 300)" },
	{ "gdbstub", "com2: a gdb remote stub on COM2; boot stops for gdb (docs/gdbstub.md)" },
	{ "locks_stride",
	  "how the lock test picks counters (default 7): a changed program for replay" },
};

static struct cmdline args;
static struct oracle_spec boot_oracle;

/* Keys that switch something on (1) or off (0): nothing else means either. */
static const char *const flag_keys[] = { "logcheck",   "x2apic",  "record", "force",
					 "bench_time", "session", "shell" };

/* What crash= can do (crash() below). */
static const char *const crash_kinds[] = { "panic", "pf",    "gp",         "ud",
					   "div",   "pf-ap", "lock-twice", "lock-release" };

static void warn(const char *msg, void *arg)
{
	kprintf("%s\n", msg);
}

static void record_at_panic(void);

/* The lock test records and replays its own workload (its own oracle runs). */
static bool lock_test_only(void)
{
	const char *t = karg("test");
	return t && strcmp(t, "locks_cmdline_oracle") == 0;
}

static bool number_in(const char *v, unsigned long min, unsigned long max, unsigned long *out)
{
	return cmdline_parse_ulong(v, out) && *out >= min && *out <= max;
}

/*
 * The checks below refuse a value the kernel cannot use before anything
 * runs: a run under another setting than the one asked for proves nothing
 * the user wanted, and a test verdict or the monitor's quit would end it
 * with a pass.  (The code that reads a key later may have no way to stop.)
 */
static void check_flags(void)
{
	for (size_t i = 0; i < sizeof(flag_keys) / sizeof(flag_keys[0]); i++) {
		const char *v = karg(flag_keys[i]);
		if (v && strcmp(v, "0") != 0 && strcmp(v, "1") != 0)
			panic("cmdline: %s=%s: want 0 or 1", flag_keys[i], v);
	}
}

static void check_crash(void)
{
	const char *v = karg("crash");
	char kinds[128];
	size_t len = 0;
	if (!v)
		return;
	for (size_t i = 0; i < sizeof(crash_kinds) / sizeof(crash_kinds[0]); i++) {
		if (strcmp(v, crash_kinds[i]) == 0)
			return;
		len += (size_t)snprintf(kinds + len, sizeof kinds - len, "%s%s", i ? ", " : "",
					crash_kinds[i]);
	}
	panic("cmdline: crash=%s: want one of %s", v, kinds);
}

/* A number only a test reads, checked here when the test could not say its range. */
static void check_number(const char *key, unsigned long min, unsigned long max)
{
	const char *v = karg(key);
	unsigned long n;
	if (v && !number_in(v, min, max, &n))
		panic("cmdline: %s=%s: want a number %lu..%lu", key, v, min, max);
}

/* A key that only means something under a condition: refused without it. */
static void check_needs(const char *key, bool met, const char *what)
{
	const char *v = karg(key);
	if (v && !met)
		panic("cmdline: %s=%s: needs %s", key, v, what);
}

/* Keys whose condition the rest of the line must meet (the oracle is parsed). */
static void check_conditions(bool record)
{
	bool replay = boot_oracle.kind == ORACLE_REPLAY;
	const char *whole =
		"a replay of a whole run (test=locks_cmdline_oracle replays only its "
		"own workload)";
	/* Before the recording's panic hook: a refused line records nothing. */
	check_needs("gdbstub", !record,
		    "record=0: record=1 writes its trace to COM2, the port the stub would own; "
		    "boot with one or the other");
	check_needs("stop", replay, "oracle=replay");
	check_needs("stop", !lock_test_only(), whole);
	check_needs("replay_until", replay, "oracle=replay");
	check_needs("replay_until", !lock_test_only(), whole);
	/* A replay is handed the recording's command line (make replay): its
	 * stream keys come back without record=1, and mean nothing there. */
	if (replay && !record) {
		if (karg("stream") || karg("stream_kb"))
			kprintf("cmdline: stream=, stream_kb= ignored: a replay does not record\n");
		return;
	}
	check_needs("stream", record, "record=1 (the live stream of a recording)");
	check_needs("stream_kb", record, "record=1 (the live stream of a recording)");
}

void kargs_init(const char *line)
{
	if (line[0])
		kprintf("cmdline: %s\n", line);
	cmdline_parse(line, known, sizeof(known) / sizeof(known[0]), &args, warn, NULL);
	check_flags();
	check_crash();
	/* The lock test's program: one out of range would run another (it
	 * could only say "not a number"). */
	check_number("locks_stride", 0, 0xffffffffu);
	log_slow.check_mode = karg_ulong("logcheck", 0) != 0;
	/* From the first object on, so that a whole run can be replayed. */
	log_record_order = karg_record();
#ifdef LOG_OFF
	if (log_record_order)
		kprintf("cmdline: record=1 ignored: this kernel is built with LOG=off (logging "
			"compiled out)\n");
	log_record_order = false;
#endif
	const char *o = karg("oracle");
	const char *err = o ? oracle_parse(o, &boot_oracle) : NULL;
	/* A run under another schedule than the one asked for proves nothing
	 * the user wanted: stop (the monitor's `quit` or a test verdict would
	 * otherwise end it with a pass). */
	if (err)
		panic("cmdline: oracle '%s' rejected: %s", o, err);
	check_conditions(karg_record());
	if (log_record_order) {
		kstream_start(line); /* before the first object: each is named */
		/* After it: a stream= it refuses leaves no run to record. */
		panic_set_hook(record_at_panic);
	}
	log_whole_run = log_record_order || (boot_oracle.kind == ORACLE_REPLAY && !lock_test_only());
}

/*
 * oracle=script:... governs every logged object from here on (all CPUs
 * online, before the first test or monitor thread acts).  oracle=replay
 * still replays only the lock workload (test=locks_cmdline_oracle), which
 * loads the recording itself.
 */
static bool whole_replay; /* oracle=replay governs the whole run */

/* stop=OBJ:SEQ (the object's name may itself hold ':'; SEQ follows the last). */
static void stop_arg(void)
{
	static char name[LOG_NAME_MAX];
	const char *v = karg("stop");
	if (!v)
		return;
	const char *colon = strrchr(v, ':');
	const char *end;
	unsigned long seq = colon ? kstrtoul(colon + 1, &end, 10) : 0;
	size_t n = colon ? (size_t)(colon - v) : 0;
	if (!colon || end == colon + 1 || *end || n == 0 || n >= sizeof name)
		panic("replay: stop=%s: want OBJECT:SEQ (an object name of at most %u "
		      "characters and a decimal event number)",
		      v, (unsigned)sizeof name - 1);
	memcpy(name, v, n);
	name[n] = 0;
	oracle_replay_set_stop(name, seq);
	kprintf("replay: will stop at %s seq %lu (replay_stop)\n", name, seq);
}

/* A recording of a run that panics is written all the same: that is the run
 * a user wants to replay.  (The other CPUs are stopped wherever they were:
 * one of them holding the allocator's lock would stop this too, reported as
 * a panic in the hook.) */
bool kargs_save_trace_now(void)
{
	char buf[64];
	if (!karg_record()) {
		kprintf("trace: this run does not record (boot with record=1)\n");
		return false;
	}
	if (ktrace_saved()) {
		kprintf("trace: already written: COM2 holds one trace per run\n");
		return false;
	}
	oracle_format(&boot_oracle, buf, sizeof buf);
	return ktrace_save(buf);
}

/* The end of the live stream, and what it carried. */
static void stream_summary(void)
{
	struct log_stream_stats st;
	if (!log_stream_on)
		return;
	log_stream_end(LOG_STREAM_END_RUN);
	log_stream_stats(&st);
	kprintf("stream: %lu events, %lu bytes in %lu blocks (%lu.%02lu bytes per event)\n",
		st.events, st.bytes, st.blocks, st.bytes / (st.events ? st.events : 1),
		st.bytes * 100 / (st.events ? st.events : 1) % 100);
	if (kstream_dropped())
		kprintf("stream: the RAM region dropped %lu bytes of blocks: the stream stops "
			"there (the region filled without a drainer, or the drainer stopped)\n",
			kstream_dropped());
}

static void record_at_panic(void)
{
	char buf[64];
	if (ktrace_saved())
		return;
	log_stream_end(LOG_STREAM_END_PANIC);
	oracle_format(&boot_oracle, buf, sizeof buf);
	kprintf("trace: writing the recording of the run that panicked\n");
	ktrace_save(buf);
}

static void oracle_boot(void)
{
	char buf[1280]; /* a pct schedule with 63 change points */
	if (boot_oracle.kind == ORACLE_REPLAY && !lock_test_only()) {
		const struct log_set *ref = ktrace_load();
		if (!ref)
			panic("replay: no recording to replay (see the trace: line above)");
		kprintf("oracle: replay governs the kernel\n");
		preempt_replay_load(ref); /* an incomplete record is reported, and diverges */
		cons_replay_load(ref);    /* input from the recording, not the UART */
		uclock_replay_load(ref);  /* time handed to user code, too */
		stop_arg();
		if (karg("replay_until")) {
			unsigned long k;
			if (!karg_size("replay_until", 0, 1, ~0ul >> 1, &k))
				panic("replay: replay_until wants a number of ordered operations");
			oracle_replay_set_until(k);
			kprintf("replay: the first %lu ordered operations follow the recording\n", k);
		}
		oracle_start(&boot_oracle, (unsigned)ncpu_online, ref);
		whole_replay = true;
		return;
	}
	if (boot_oracle.kind != ORACLE_SCRIPT)
		return;
	for (uint32_t i = 0; i < boot_oracle.nlist; i++)
		if (boot_oracle.list[i] >= (unsigned)ncpu_online)
			panic("oracle: script:list names cpu %u, but %d cpus are online",
			      boot_oracle.list[i], ncpu_online);
	oracle_format(&boot_oracle, buf, sizeof buf);
	kprintf("oracle: %s governs the kernel\n", buf);
	oracle_start_base(&boot_oracle, (unsigned)ncpu_online);
	if (boot_oracle.sched == OSCHED_PCT) {
		/* Its preemption decisions, as a schedule of their own: what
		 * explore's shrinker takes apart. */
		struct oracle_spec at = boot_oracle;
		at.pct_at = true;
		at.nat = oracle_script_changes(at.at, ORACLE_PCT_MAX_CHANGES);
		oracle_format(&at, buf, sizeof buf);
		kprintf("oracle: pct change points: %s\n", buf);
	}
}

const char *karg(const char *key)
{
	return cmdline_get(&args, key);
}

/* Refused at boot if not a number: the caller could only guess. */
unsigned long karg_ulong(const char *key, unsigned long dflt)
{
	const char *v = karg(key);
	unsigned long n = dflt;
	if (v && !cmdline_parse_ulong(v, &n))
		panic("cmdline: %s=%s: want a number", key, v);
	return n;
}

bool karg_record(void)
{
	return karg_ulong("record", 0) != 0;
}

bool karg_size(const char *key, unsigned long dflt, unsigned long min, unsigned long max,
	       unsigned long *out)
{
	const char *v = karg(key);
	*out = dflt;
	if (!v)
		return true;
	if (!number_in(v, min, max, out)) {
		kprintf("cmdline: %s=%s: want a number %lu..%lu\n", key, v, min, max);
		return false;
	}
	return true;
}

/* ---- crash=: faults on purpose, for the panic tests ---- */

/* Canonical but never mapped: the kernel maps physical memory only, below 64 GiB. */
static volatile uint64_t *volatile bad_ptr = (uint64_t *)0x700000001000ull;
static volatile uint32_t zero;

static __attribute__((noinline)) void crash_pf(void *arg)
{
	*bad_ptr = 1;
}

static __attribute__((noinline)) void crash_on_ap(void)
{
	if (ncpu < 2)
		panic("cmdline: crash=pf-ap: needs a second CPU to fault on (boot with -smp 2 or "
		      "more)");
	smp_call(ncpu - 1, crash_pf, NULL);
}

/* Misuse of a logged lock: its debug state must catch it and name the lock. */
static __attribute__((noinline)) void crash_lock(const char *how)
{
	static struct tlock l;
	tlock_init(&l, "crash.demo");
	if (strcmp(how, "lock-twice") == 0) {
		tlock_acquire(&l);
		tlock_acquire(&l);
	} else {
		tlock_release(&l);
	}
}

static __attribute__((noinline)) void crash(const char *how)
{
	kprintf("crash: %s, on purpose\n", how);
	if (strcmp(how, "panic") == 0)
		panic("deliberate panic (crash=panic)");
	else if (strcmp(how, "pf") == 0)
		crash_pf(NULL);
	else if (strcmp(how, "gp") == 0)
		*(volatile uint64_t *)0x8000000000000000ull = 1; /* non-canonical */
	else if (strcmp(how, "ud") == 0)
		__asm__ volatile("ud2");
	else if (strcmp(how, "div") == 0)
		__asm__ volatile("divl %0" : : "r"(zero), "a"(1), "d"(0));
	else if (strcmp(how, "pf-ap") == 0)
		crash_on_ap();
	else /* lock-twice or lock-release: check_crash refused any other kind */
		crash_lock(how);
}

/*
 * End of a run (ktest_run, before the verdict; or the monitor's quit ending
 * a console session, `session`): a whole-run recording is
 * written (unless the lock test wrote its own), a whole-run replay checks
 * that every object reached its recorded end (a divergence panics).
 */
bool kargs_finish(bool session)
{
	char buf[64];
	if (karg_record() && !ktrace_saved() && !session && ktest_last_ran() == 0) {
		kprintf("trace: no test ran (all skipped or none named): nothing to record\n");
		return false;
	}
	stream_summary(); /* the run is over, whoever wrote the trace */
	if (karg_record() && !ktrace_saved()) {
		oracle_format(&boot_oracle, buf, sizeof buf);
		if (!ktrace_save(buf))
			return false;
	}
	if (whole_replay) {
		oracle_finish();
		if (!oracle_replay_released())
			kprintf("replay: every object reached its recorded end\n");
	}
	return true;
}

void kargs_run(void)
{
	const char *v;
	oracle_boot();
	if ((v = karg("crash")))
		crash(v);
	if ((v = karg("test")))
		ktest_run(v);
}
