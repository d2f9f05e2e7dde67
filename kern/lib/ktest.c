#include "lib/ktest.h"

#include <stddef.h>

#include "boot/kargs.h"
#include "dev/debugexit.h"
#include "lib/string.h"
#include "mp/cpu.h"
#include "oracle/impl.h"

extern const struct ktest __ktests_start[], __ktests_end[];
static volatile int failures;
static int last_ran;

int ktest_last_ran(void)
{
	return last_ran;
}

void ktest_fail(const char *file, int line, const char *what)
{
	__atomic_fetch_add(&failures, 1, __ATOMIC_SEQ_CST);
	kprintf("    # FAIL %s:%d: %s (cpu %u)\n", file, line, what, cpuid_self());
}

/* Is the test one of the comma-separated entries of spec (or is spec "all")? */
static int selected(const char *spec, const struct ktest *t)
{
	if (strcmp(spec, "all") == 0)
		return !t->explicit_only;
	const char *name = t->name;
	size_t n = strlen(name);
	for (const char *p = spec; *p;) {
		const char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		if (len == n && strncmp(p, name, n) == 0)
			return 1;
		p += len + (e ? 1 : 0);
	}
	return 0;
}

int ktest_run_only(const char *spec)
{
	int total = 0, pass = 0, fail = 0, skip = 0;
	for (const struct ktest *t = __ktests_start; t < __ktests_end; t++)
		total += selected(spec, t);
	kprintf("KTAP version 1\n1..%d\n", total);
#ifdef SEEDED_BUGS
	/* make BUGS=... (kern/kern.mk): a kernel for testing explore and the detectors */
	kprintf("# seeded bugs: %s\n", SEEDED_BUGS);
#endif
	if (total == 0)
		kprintf("# no test matches '%s'\n", spec);
	int n = 0;
	for (const struct ktest *t = __ktests_start; t < __ktests_end; t++) {
		if (!selected(spec, t))
			continue;
		n++;
		if (ncpu_online < t->min_cpus) {
			skip++;
			kprintf("ok %d %s # SKIP needs %d cpus, %d online\n", n, t->name,
				t->min_cpus, ncpu_online);
			continue;
		}
		failures = 0;
		if (t->hw_only && oracle_cur != &oracle_hw_ops) {
			static const struct oracle_spec hw = { .kind = ORACLE_HW };
			oracle_start(&hw, (unsigned)ncpu_online, 0);
			t->fn();
			oracle_stop(); /* back to the oracle the kernel booted with */
		} else {
			t->fn();
		}
		if (failures) {
			fail++;
			kprintf("not ok %d %s\n", n, t->name);
		} else {
			pass++;
			kprintf("ok %d %s\n", n, t->name);
		}
	}
	kprintf("# Totals: pass:%d fail:%d skip:%d\n", pass, fail, skip);
	last_ran = pass + fail;
	return total == 0 ? -1 : fail;
}

void ktest_run(const char *spec)
{
	int r = ktest_run_only(spec);
	bool finished = kargs_finish(false);
	debug_exit(r == 0 && finished ? EXIT_PASS : EXIT_FAIL);
}

void ktest_list(void)
{
	for (const struct ktest *t = __ktests_start; t < __ktests_end; t++)
		kprintf("  %-24s%s\n", t->name, t->explicit_only ? " (only when named)" : "");
}
