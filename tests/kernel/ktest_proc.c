/*
 * User processes: each test runs user programs (user/) from the kernel and
 * checks their exit status, which the programs compute from their own
 * checks (conformance, fuzzing, isolation, quota, IPC), and then checks on
 * the logs what the kernel must conserve: every process reaped, the root
 * container's quota all back, no page of a process left.
 */
#include "boot/kargs.h"
#include "lib/kprintf.h"
#include "lib/ktest.h"
#include "lib/printfmt.h"
#include "lib/string.h"
#include "log/log.h"
#include "mm/container.h"
#include "mp/cpu.h"
#include "proc/proc.h"
#include "proc/uprog.h"
#include "thread/sched.h"
#include "trap/syscall.h"

struct conserved {
	uint64_t childq, usage;
};

static struct conserved conserved_now(void)
{
	const struct container_state *root = container_get(0);
	return (struct conserved){ root->childq, root->usage };
}

/* Spawn NAME with ARGS on CPU; its pid, or 0 (the failure is reported). */
static int spawn(const char *name, const char *args, int cpu)
{
	int prog = proc_prog_find(name);
	KT_EXPECT(prog >= 0);
	if (prog < 0)
		return 0;
	int pid = proc_spawn(prog, PROC_RUN_QUOTA, args, cpu);
	KT_EXPECT(pid > 0);
	return pid > 0 ? pid : 0;
}

/* Run programs at once, one per entry, spread over the CPUs; every one
 * must exit with status 0; quota and table must be back afterwards. */
static void run_all(const char *const *names, const char *const *args, int n)
{
	struct conserved before = conserved_now();
	int pids[16];
	for (int i = 0; i < n; i++)
		pids[i] = spawn(names[i], args[i], i % ncpu_online);
	for (int i = 0; i < n; i++) {
		if (!pids[i])
			continue;
		int status = -1000;
		KT_EXPECT_EQ(proc_wait(pids[i], &status), 0);
		if (status != 0)
			kprintf("# %s %s: exit %d\n", names[i], args[i], status);
		KT_EXPECT_EQ(status, 0);
	}
	struct conserved after = conserved_now();
	KT_EXPECT_EQ(after.childq, before.childq); /* every page of quota came back */
	KT_EXPECT_EQ(after.usage, before.usage);
	const struct proc_table_state *t = log_state(log_find("procs"));
	KT_EXPECT(t != 0);
	if (t) {
		KT_EXPECT_EQ(t->reaped, t->exited);
		KT_EXPECT_EQ(t->exited, t->spawned);
		kprintf("# procs: %lu spawned, %lu killed\n", t->spawned, t->killed);
	}
}

static void run_one(const char *name, const char *args)
{
	run_all(&name, &args, 1);
}

/* test=proc_run uprog=NAME uargs=A,B,C */
KTEST_EXPLICIT(proc_run)
{
	const char *name = karg("uprog");
	char args[SPAWN_ARGS_MAX];
	if (strlcpy(args, karg("uargs") ? karg("uargs") : "", sizeof args) >= sizeof args) {
		ktest_fail(__FILE__, __LINE__, "uargs= longer than SPAWN_ARGS_MAX - 1 bytes");
		return;
	}
	for (char *c = args; *c; c++)
		if (*c == ',')
			*c = ' ';
	if (!name || proc_prog_find(name) < 0) {
		/* Say which programs there are, as the monitor's run does. */
		if (name)
			kprintf("    # uprog=%s: no such program; programs:", name);
		else
			kprintf("    # test=proc_run needs uprog=PROG; programs:");
		for (uint64_t i = 0; i < uprogs_count; i++)
			kprintf(" %s", uprogs[i].name);
		kprintf("\n");
		ktest_fail(__FILE__, __LINE__, "uprog names a program");
		return;
	}
	run_one(name, args);
}

KTEST(proc_hello)
{
	run_one("hello", "a b c");
}

KTEST(proc_conform)
{
	run_one("conform", "");
}

KTEST(proc_faults)
{
	run_one("faults", "");
}

KTEST(proc_quota)
{
	run_one("quota", "");
}

KTEST(proc_ping)
{
	run_one("ping", "200");
}

/* Four fuzzers, one per CPU (fewer CPUs: shared). */
KTEST(proc_fuzz)
{
	unsigned long calls;
	if (!karg_size("fuzz_calls", 25000, 1, 100000000, &calls)) {
		KT_EXPECT(0);
		return;
	}
	static const char *const names[4] = { "fuzz", "fuzz", "fuzz", "fuzz" };
	static char bufs[4][48];
	const char *args[4];
	for (int i = 0; i < 4; i++) {
		snprintf(bufs[i], sizeof bufs[i], "%lu %d", calls, i + 1);
		args[i] = bufs[i];
	}
	run_all(names, args, 4);
}

/* Workers on every CPU send checksummed messages of random sizes to one
 * collector (user/stress.c checks loss, duplicates and corruption). */
KTEST(proc_stress)
{
	unsigned long msgs;
	if (!karg_size("stress_msgs", 300, 1, 10000000, &msgs)) {
		KT_EXPECT(0);
		return;
	}
	char args[48];
	snprintf(args, sizeof args, "%d %lu",
		 ncpu_online < 2   ? 2
		 : ncpu_online > 7 ? 7
				   : ncpu_online,
		 msgs);
	run_one("stress", args);
}

/* The dispatch table, for the docs check (tools:syscall-table). */
KTEST(syscall_table)
{
	syscall_table_print();
}

/* The process benchmark runs (its figures are for make bench / the docs). */
KTEST(proc_ubench)
{
	run_one("ubench", "200");
}
