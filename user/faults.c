/*
 * faults [KIND...] - the isolation test: every `fault KIND` child is killed.
 *
 * Spawns `fault KIND` for each KIND (default: all of them) on CPUs 0, 1, ...
 * in turn, plus `fault ok` and a `hello`, as many at a time as the quota
 * allows, and waits for each: every fault child must end with status -1
 * (EXIT_KILLED), `fault ok` and `hello` with 0.  Then the pages lent to the
 * children must be back.  Prints `faults: PASS N children` or FAILs.
 */
#include "ulib.h"

#define CHILD_QUOTA 32ul
#define QUOTA_KIND_QUOTA 16ul
/* Pages our own use may grow by while we run (lazily mapped stack, heap, code). */
#define OWN_SLACK 8ul

static const char *const all_kinds[] = {
	"kread", "kwrite", "null", "noncanon", "khigh", "priv",  "cli",   "io",    "cr3",
	"ud",    "div0",   "jump", "kjump",    "wx",    "textw", "stack", "quota",
};

struct job {
	const char *prog, *arg;
	int want;
	int pid, cpu;
};

static struct job jobs[64];
static int njobs;

static void add(const char *prog, const char *arg, int want)
{
	if (njobs < (int)ARRAY_SIZE(jobs))
		jobs[njobs++] = (struct job){ prog, arg, want, 0, 0 };
}

int main(int argc, char **argv)
{
	int ncpu = sys_ncpu(), failed = 0, next = 0;
	unsigned long before, after;

	if (argc > 1) {
		for (int i = 1; i < argc; i++)
			add("fault", argv[i], EXIT_KILLED);
	} else {
		for (size_t i = 0; i < ARRAY_SIZE(all_kinds); i++)
			add("fault", all_kinds[i], EXIT_KILLED);
	}
	add("fault", "ok", 0);
	add("hello", "from faults", 0);

	printf("faults: %d children on %d cpus, %lu pages left\n", njobs, ncpu, sys_get_quota());
	before = sys_get_quota();
	while (next < njobs) {
		unsigned long left = sys_get_quota();
		int batch = 0;

		if (left < CHILD_QUOTA + OWN_SLACK) {
			printf("faults: FAIL %lu pages left, a child needs %lu\n", left, CHILD_QUOTA);
			return 1;
		}
		/* Spawn as many as the quota and the children limit allow, then
		 * wait for them. */
		for (int i = next;
		     i < njobs && left >= CHILD_QUOTA + OWN_SLACK && batch < SPAWN_MAX_CHILDREN; i++) {
			struct job *j = &jobs[i];
			unsigned long q =
				strcmp(j->arg, "quota") == 0 ? QUOTA_KIND_QUOTA : CHILD_QUOTA;
			int prog = prog_find(j->prog),
			    err = prog < 0 ? E_INVAL_ID
					   : sys_spawn(prog, q, j->arg, i % ncpu, &j->pid);

			j->cpu = i % ncpu;
			if (err != E_SUCC) {
				printf("faults: FAIL spawn %s %s on cpu %d: %s\n", j->prog, j->arg,
				       j->cpu, errname(err));
				j->pid = 0;
				failed++;
			}
			left -= q;
			batch++;
		}
		for (int i = next; i < next + batch; i++) {
			struct job *j = &jobs[i];
			int status, err;

			if (j->pid == 0)
				continue;
			err = sys_wait(j->pid, &status);
			if (err != E_SUCC || status != j->want) {
				printf("faults: FAIL %s %s on cpu %d (pid %d): %s, status %d, want %d\n",
				       j->prog, j->arg, j->cpu, j->pid, errname(err), status,
				       j->want);
				failed++;
			} else {
				printf("faults: %s %s on cpu %d (pid %d): status %d\n", j->prog,
				       j->arg, j->cpu, j->pid, status);
			}
		}
		next += batch;
	}
	after = sys_get_quota();
	if (after + OWN_SLACK < before) {
		printf("faults: FAIL %lu pages left before, %lu after: the children's pages leaked\n",
		       before, after);
		failed++;
	}
	if (failed > 0) {
		printf("faults: FAIL %d of %d children\n", failed, njobs);
		return 1;
	}
	printf("faults: PASS %d children\n", njobs);
	return 0;
}
