/*
 * stress - many senders, one receiver, messages checked end to end.
 *
 *   stress [WORKERS] [MSGS]               (default 4 workers, 1000 messages each)
 *   stress worker PARENT MSGS SEED        a worker (spawned by stress itself)
 *
 * Workers run on CPUs 0, 1, ... in turn and each sends MSGS messages of
 * 3..1024 random words to the parent, the collector: word 0 is the sender's
 * pid, word 1 the sequence number (0, 1, ...), word 2 an FNV checksum of the
 * rest and of the length.  (A message needs these three words, so 3 is the
 * smallest size.)  The collector checks each message: a known sender, the
 * next sequence number of that sender (no loss, no duplicate, in order),
 * the checksum (no corruption); then that every worker exited with 0.
 */
#include "ulib.h"

#define WORKERS_MAX 62
#define HDR_WORDS 3
#define WORKER_QUOTA 64ul
#define WORKER_QUOTA_MIN 24ul
/* Collector: spins this many times on an empty channel before a blocking recv. */
#define POLLS 16

static uint32_t buf[CHAN_WORDS_MAX];

static uint32_t msg_sum(const uint32_t *w, size_t n)
{
	return fnv32(w + HDR_WORDS, n - HDR_WORDS) ^ (uint32_t)n;
}

static int worker(int argc, char **argv)
{
	long parent, msgs, seed;
	uint32_t me = (uint32_t)sys_getpid();

	if (argc != 5 || !parse_long(argv[2], &parent) || !parse_long(argv[3], &msgs) ||
	    !parse_long(argv[4], &seed)) {
		printf("stress: worker: FAIL bad arguments\n");
		return 1;
	}
	srand64((uint64_t)seed * 0x100000001b3ull + me);
	for (long seq = 0; seq < msgs; seq++) {
		size_t n = HDR_WORDS + rand_below(CHAN_WORDS_MAX - HDR_WORDS + 1), sent;
		int err;

		buf[0] = me;
		buf[1] = (uint32_t)seq;
		for (size_t i = HDR_WORDS; i < n; i++)
			buf[i] = (uint32_t)rand64();
		buf[2] = msg_sum(buf, n);
		err = sys_send((int)parent, buf, n, &sent);
		if (err != E_SUCC || sent != n) {
			printf("stress: worker %u: FAIL send %ld: %s, %zu of %zu words\n", me, seq,
			       errname(err), sent, n);
			return 1;
		}
	}
	return 0;
}

static int pids[WORKERS_MAX];
static long next_seq[WORKERS_MAX];
static int nworkers;

static int worker_index(uint32_t pid)
{
	for (int i = 0; i < nworkers; i++)
		if ((uint32_t)pids[i] == pid)
			return i;
	return -1;
}

/* A worker that still owes messages but has exited (or is gone): its index, else -1. */
static int dead_worker(long msgs)
{
	bool alive[WORKERS_MAX] = { false };
	struct proc_info pi;

	for (int slot = 0; slot < 64; slot++) {
		int i;

		if (sys_proc_info(slot, &pi) != E_SUCC || pi.state == 3)
			continue;
		i = worker_index((uint32_t)pi.pid);
		if (i >= 0)
			alive[i] = true;
	}
	for (int i = 0; i < nworkers; i++)
		if (next_seq[i] < msgs && !alive[i])
			return i;
	return -1;
}

static int fail(const char *what)
{
	int status;

	printf("stress: FAIL %s\n", what);
	for (int i = 0; i < nworkers; i++)
		if (sys_kill(pids[i]) == E_SUCC)
			sys_wait(pids[i], &status);
	return 1;
}

int main(int argc, char **argv)
{
	long workers = 4, msgs = 1000, received = 0, words = 0;
	int me = sys_getpid(), ncpu = sys_ncpu(), prog, err;
	unsigned long quota = WORKER_QUOTA, tpm = sys_get_tsc_per_ms();
	char args[96], why[160];
	uint64_t t0, dt;

	if (argc > 1 && strcmp(argv[1], "worker") == 0)
		return worker(argc, argv);
	if ((argc > 1 && (!parse_long(argv[1], &workers) || workers < 1 || workers > WORKERS_MAX)) ||
	    (argc > 2 && (!parse_long(argv[2], &msgs) || msgs < 0)) || argc > 3) {
		printf("usage: stress [WORKERS (1..%d)] [MSGS]\n", WORKERS_MAX);
		return 2;
	}
	prog = prog_find(argv[0]);
	if (prog < 0)
		return fail("no program 'stress' to spawn");
	if (sys_get_quota() / (unsigned long)(workers + 1) < quota)
		quota = sys_get_quota() / (unsigned long)(workers + 1);
	if (quota < WORKER_QUOTA_MIN) {
		snprintf(why, sizeof(why), "%lu pages left: not enough for %ld workers of %lu",
			 sys_get_quota(), workers, WORKER_QUOTA_MIN);
		return fail(why);
	}

	t0 = rdtsc();
	for (int i = 0; i < workers; i++) {
		snprintf(args, sizeof(args), "worker %d %ld %lu", me, msgs, rdtsc());
		err = sys_spawn(prog, quota, args, i % ncpu, &pids[i]);
		if (err != E_SUCC) {
			snprintf(why, sizeof(why), "spawn worker %d on cpu %d: %s", i, i % ncpu,
				 errname(err));
			return fail(why);
		}
		nworkers++;
	}

	while (received < workers * msgs) {
		size_t n;
		int i, polls = 0;

		while (!sys_is_chan_ready() && polls++ < POLLS)
			sys_yield();
		if (polls > POLLS && (i = dead_worker(msgs)) >= 0) {
			snprintf(why, sizeof(why),
				 "worker %d (pid %d) ended after %ld of %ld messages", i, pids[i],
				 next_seq[i], msgs);
			return fail(why);
		}
		err = sys_recv(me, buf, CHAN_WORDS_MAX, &n);
		if (err != E_SUCC) {
			snprintf(why, sizeof(why), "recv: %s", errname(err));
			return fail(why);
		}
		if (n < HDR_WORDS) {
			snprintf(why, sizeof(why), "message of %zu words", n);
			return fail(why);
		}
		i = worker_index(buf[0]);
		if (i < 0) {
			snprintf(why, sizeof(why), "message from unknown sender %u", buf[0]);
			return fail(why);
		}
		if (buf[1] != (uint32_t)next_seq[i]) {
			snprintf(why, sizeof(why),
				 "worker %d (pid %d): message %u, expected %ld (%s)", i, pids[i],
				 buf[1], next_seq[i], buf[1] < next_seq[i] ? "duplicate" : "lost");
			return fail(why);
		}
		if (buf[2] != msg_sum(buf, n)) {
			snprintf(why, sizeof(why),
				 "worker %d (pid %d) message %u: %zu words corrupted", i, pids[i],
				 buf[1], n);
			return fail(why);
		}
		next_seq[i]++;
		received++;
		words += (long)n;
	}
	dt = rdtsc() - t0;

	for (int i = 0; i < nworkers; i++) {
		int status;

		err = sys_wait(pids[i], &status);
		if (err != E_SUCC || status != 0) {
			snprintf(why, sizeof(why), "worker %d (pid %d): wait %s, status %d", i,
				 pids[i], errname(err), status);
			pids[i] = 0;
			return fail(why);
		}
		pids[i] = 0;
	}
	printf("stress: %ld workers on %d cpus x %ld messages = %ld messages, %ld words, %lu ms\n",
	       workers, ncpu < workers ? ncpu : (int)workers, msgs, received, words,
	       tpm > 0 ? dt / tpm : 0);
	printf("stress: PASS\n");
	return 0;
}
