/*
 * In-kernel tests. A test is a function registered in the .ktests section;
 * `test=NAME` (or `test=all`, or a comma list) runs them after boot and prints
 * KTAP on the console, then leaves QEMU through isa-debug-exit: status 33 if
 * all passed, 35 otherwise. The last line is "# Totals: pass:P fail:F skip:S".
 */
#ifndef LIB_KTEST_H
#define LIB_KTEST_H

#include "lib/kprintf.h"

struct ktest {
	const char *name;
	void (*fn)(void);
	int min_cpus;      /* skipped on machines with fewer CPUs online */
	int explicit_only; /* not part of test=all: needs a driver (input, huge output) */
	int hw_only;       /* tests the hardware with CPUs spinning in parallel: runs under
				 * oracle hw whatever oracle= says (no logged object involved) */
};

#define KTEST_DEF_HW(tname, ncpus, explicit, hw)                                                   \
	static void tname(void);                                                                   \
	static const struct ktest ktest_##tname                                                    \
		__attribute__((section(".ktests"), used, aligned(8))) = { #tname, tname, ncpus,    \
									  explicit, hw };          \
	static void tname(void)
#define KTEST_DEF(tname, ncpus, explicit) KTEST_DEF_HW(tname, ncpus, explicit, 0)
#define KTEST(tname) KTEST_DEF(tname, 1, 0)
#define KTEST_CPUS(tname, ncpus) KTEST_DEF(tname, ncpus, 0)
/* Run only when named: test=tname. */
#define KTEST_EXPLICIT(tname) KTEST_DEF(tname, 1, 1)
/* A hardware test (CPUs spinning on each other outside any log): under hw always. */
#define KTEST_HW_CPUS(tname, ncpus) KTEST_DEF_HW(tname, ncpus, 0, 1)

/* Record a failure (the test goes on, so one run shows every broken expectation). */
void ktest_fail(const char *file, int line, const char *what);

#define KT_EXPECT(cond)                                                                            \
	do {                                                                                       \
		if (!(cond))                                                                       \
			ktest_fail(__FILE__, __LINE__, #cond);                                     \
	} while (0)

#define KT_EXPECT_EQ(a, b)                                                                         \
	do {                                                                                       \
		unsigned long long _a = (unsigned long long)(a), _b = (unsigned long long)(b);     \
		if (_a != _b) {                                                                    \
			kprintf("    # %s = %llu (0x%llx), expected %s = %llu (0x%llx)\n", #a, _a, \
				_a, #b, _b, _b);                                                   \
			ktest_fail(__FILE__, __LINE__, #a " == " #b);                              \
		}                                                                                  \
	} while (0)

/* Run the tests named by spec ("all" or "a,b,c") and exit QEMU with the verdict. */
void ktest_run(const char *spec) __attribute__((noreturn));
/* The same without exiting: failures, or -1 if no test matched. */
int ktest_run_only(const char *spec);
/* Tests that ran (passed or failed, not skipped) in the last ktest_run_only. */
int ktest_last_ran(void);
/* Print the names of all tests. */
void ktest_list(void);

#endif
