/*
 * quota - quota containers from user space.
 *
 *   1. spawn with more pages than get_quota reports, and with 0 pages: E_MEM;
 *   2. spawn `fault quota` with FAULT_QUOTA pages (or the next size up if the
 *      kernel needs more to load it: spawn says E_MEM): it touches pages until
 *      it is killed (status -1);
 *   3. conservation: once the child is waited for, get_quota is what it was
 *      before the spawn.
 * Steps 2 and 3 run ROUNDS times; the first round only warms up (our own
 * code, stack and buffers may be mapped on first touch, which changes our
 * usage), every later round must give the pages back exactly.
 */
#include "ulib.h"

#define FAULT_QUOTA 8ul
#define FAULT_QUOTA_MAX 64ul
#define ROUNDS 3

static int failed;

static void check(bool ok, const char *what, long got, long want)
{
	if (!ok) {
		printf("quota: FAIL %s: got %ld want %ld\n", what, got, want);
		failed++;
	}
}

int main(int argc, char **argv)
{
	int hello = prog_find("hello"), fault = prog_find("fault"), pid, err, status;
	unsigned long left[ROUNDS], back[ROUNDS], q = FAULT_QUOTA;

	if (hello < 0 || fault < 0) {
		printf("quota: FAIL programs hello and fault are needed\n");
		return 1;
	}
	printf("quota: %lu pages left\n", sys_get_quota());

	err = sys_spawn(hello, sys_get_quota() + 1, NULL, SPAWN_ANY_CPU, &pid);
	check(err == E_MEM, "spawn with quota left + 1", err, E_MEM);
	if (err == E_SUCC)
		sys_wait(pid, &status);
	err = sys_spawn(hello, 1ul << 40, NULL, SPAWN_ANY_CPU, &pid);
	check(err == E_MEM, "spawn with quota 2^40", err, E_MEM);
	if (err == E_SUCC)
		sys_wait(pid, &status);
	err = sys_spawn(hello, 0, NULL, SPAWN_ANY_CPU, &pid);
	check(err == E_MEM, "spawn with quota 0", err, E_MEM);
	if (err == E_SUCC)
		sys_wait(pid, &status);

	/* The smallest quota (from FAULT_QUOTA up) the kernel can start `fault` in. */
	while ((err = sys_spawn(fault, q, "ok", SPAWN_ANY_CPU, &pid)) == E_MEM && q < FAULT_QUOTA_MAX)
		q *= 2;
	check(err == E_SUCC, "spawn fault ok", err, E_SUCC);
	if (err == E_SUCC) {
		err = sys_wait(pid, &status);
		check(err == E_SUCC && status == 0, "wait fault ok", status, 0);
	}
	if (q != FAULT_QUOTA)
		printf("quota: `fault` does not start in %lu pages: children get %lu\n",
		       FAULT_QUOTA, q);

	for (int r = 0; r < ROUNDS; r++) {
		left[r] = sys_get_quota();
		err = sys_spawn(fault, q, "quota", SPAWN_ANY_CPU, &pid);
		check(err == E_SUCC, "spawn fault quota", err, E_SUCC);
		if (err != E_SUCC)
			break;
		err = sys_wait(pid, &status);
		check(err == E_SUCC, "wait fault quota", err, E_SUCC);
		check(status == EXIT_KILLED, "status of fault quota", status, EXIT_KILLED);
		back[r] = sys_get_quota();
		if (r > 0)
			check(back[r] == left[r], "pages left after the child", (long)back[r],
			      (long)left[r]);
		if (r > 1)
			check(left[r] == left[r - 1],
			      "pages left before the child, round against round", (long)left[r],
			      (long)left[r - 1]);
		printf("quota: round %d: %lu pages left, child of %lu killed, %lu left\n", r + 1,
		       left[r], q, back[r]);
	}

	if (failed > 0) {
		printf("quota: FAIL %d checks\n", failed);
		return 1;
	}
	printf("quota: PASS\n");
	return 0;
}
