/*
 * ubench - costs between processes, side by side in one run:
 *
 *   ubench [ROUNDS]              (default 2000)
 *
 *   null system call     getpid, ROUNDS times
 *   switch               two processes on one CPU yielding to each other
 *                        (one switch per yield)
 *   IPC same CPU         1-word send + reply with a process on this CPU
 *   IPC cross CPU        the same with a process on the next CPU
 *
 * Each figure is time-stamp-counter ticks per operation, measured over all
 * ROUNDS (two rdtsc per figure: a user rdtsc is answered by the kernel's
 * recorded clock, a few microseconds under emulation, so it is amortized
 * over the rounds), and nanoseconds from get_tsc_per_ms.  Under QEMU with
 * -icount shift=0 one nanosecond is one guest instruction, so the ns column
 * is then instructions per operation.
 *
 *   ubench echo PARENT ROUNDS    the IPC partner
 *   ubench yield ROUNDS          the switch partner
 */
#include "ulib.h"

#define CHILD_QUOTA 64ul

static int child_main(int argc, char **argv)
{
	long a = 0, b = 0;
	if (strcmp(argv[1], "yield") == 0 && argc == 3 && parse_long(argv[2], &a)) {
		for (long i = 0; i < a; i++)
			sys_yield();
		return 0;
	}
	if (strcmp(argv[1], "echo") == 0 && argc == 4 && parse_long(argv[2], &a) &&
	    parse_long(argv[3], &b)) {
		uint32_t w = 0;
		size_t n;
		for (long i = 0; i < b; i++)
			if (sys_recv(sys_getpid(), &w, 1, &n) != E_SUCC ||
			    sys_send((int)a, &w, 1, &n) != E_SUCC)
				return 1;
		return 0;
	}
	printf("ubench: bad child arguments\n");
	return 2;
}

static unsigned long per_ms;

static void report(const char *what, uint64_t ticks, long rounds)
{
	uint64_t t = ticks / (uint64_t)rounds;
	printf("ubench: %-18s %10lu ticks %10lu ns\n", what, (unsigned long)t,
	       (unsigned long)(t * 1000000 / per_ms));
}

static int spawn_self(const char *args, int cpu)
{
	int pid = 0;
	int err = sys_spawn(prog_find("ubench"), CHILD_QUOTA, args, cpu, &pid);
	if (err != E_SUCC) {
		printf("ubench: FAIL spawn: %s\n", errname(err));
		return 0;
	}
	return pid;
}

static bool ipc(const char *what, int cpu, long rounds)
{
	char args[48];
	snprintf(args, sizeof args, "echo %d %ld", sys_getpid(), rounds);
	int pid = spawn_self(args, cpu), status = -1;
	if (!pid)
		return false;
	uint32_t w = 7;
	size_t n;
	uint64_t t0 = rdtsc();
	for (long i = 0; i < rounds; i++)
		if (sys_send(pid, &w, 1, &n) != E_SUCC || sys_recv(sys_getpid(), &w, 1, &n) != E_SUCC)
			return false;
	uint64_t t1 = rdtsc();
	report(what, t1 - t0, rounds);
	return sys_wait(pid, &status) == E_SUCC && status == 0;
}

int main(int argc, char **argv)
{
	if (argc > 1 && (strcmp(argv[1], "yield") == 0 || strcmp(argv[1], "echo") == 0))
		return child_main(argc, argv);
	long rounds = 2000;
	if (argc > 2 || (argc > 1 && (!parse_long(argv[1], &rounds) || rounds < 1))) {
		printf("usage: ubench [ROUNDS]   (ROUNDS: a number, 1 or more; default 2000)\n");
		return 2;
	}
	per_ms = sys_get_tsc_per_ms();
	int cpu = sys_getcpu(), ncpu = sys_ncpu();

	uint64_t t0 = rdtsc();
	for (long i = 0; i < rounds; i++)
		sys_getpid();
	report("null system call", rdtsc() - t0, rounds);

	char args[32];
	snprintf(args, sizeof args, "yield %ld", rounds);
	int pid = spawn_self(args, cpu), status = -1;
	if (!pid)
		return 1;
	sys_yield(); /* let it start */
	t0 = rdtsc();
	for (long i = 0; i < rounds; i++)
		sys_yield();
	report("switch", (rdtsc() - t0) / 2, rounds);
	if (sys_wait(pid, &status) != E_SUCC || status != 0)
		return 1;

	if (!ipc("IPC same CPU", cpu, rounds))
		return 1;
	if (ncpu > 1 && !ipc("IPC cross CPU", (cpu + 1) % ncpu, rounds))
		return 1;
	printf("ubench: PASS %ld rounds\n", rounds);
	return 0;
}
