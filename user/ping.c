/*
 * ping - cross-CPU IPC ping-pong.
 *
 *   ping [ROUNDS] [CPU]          spawn the echo child on CPU (default: the next
 *                                CPU after ours), ROUNDS round trips (default 100)
 *   ping child PARENT ROUNDS     the echo child (spawned by ping itself)
 *
 * Each round the parent sends a message of 1..64 random words whose word 0
 * is a checksum of the rest and of the length; the child checks it and sends
 * it back; the parent checks that the echo is the message it sent.  The
 * round trip (send, then recv of the echo) is timed with rdtsc.
 */
#include "ulib.h"

#define MSG_WORDS_MAX 64
#define CHILD_QUOTA 64ul

static uint32_t buf[CHAN_WORDS_MAX];

static uint32_t msg_sum(const uint32_t *w, size_t n)
{
	return fnv32(w + 1, n - 1) ^ (uint32_t)n;
}

static int child(int argc, char **argv)
{
	int me = sys_getpid(), bad = 0;
	long parent, rounds;

	if (argc != 4 || !parse_long(argv[2], &parent) || !parse_long(argv[3], &rounds)) {
		printf("ping: child: FAIL bad arguments\n");
		return 1;
	}
	for (long r = 0; r < rounds; r++) {
		size_t n, sent;
		int err = sys_recv(me, buf, CHAN_WORDS_MAX, &n);

		if (err != E_SUCC) {
			printf("ping: child: FAIL recv round %ld: %s\n", r, errname(err));
			return 1;
		}
		if (n == 0 || buf[0] != msg_sum(buf, n)) {
			if (bad++ == 0)
				printf("ping: child: FAIL round %ld: %zu words, bad checksum\n", r,
				       n);
		}
		/* Echo even a bad message: the parent is waiting for it and compares. */
		err = sys_send((int)parent, buf, n, &sent);
		if (err != E_SUCC || sent != n) {
			printf("ping: child: FAIL send round %ld: %s, %zu of %zu words\n", r,
			       errname(err), sent, n);
			return 1;
		}
	}
	return bad == 0 ? 0 : 1;
}

static int fail(int pid, const char *what)
{
	int status;

	printf("ping: FAIL %s\n", what);
	if (pid > 0 && sys_kill(pid) == E_SUCC)
		sys_wait(pid, &status);
	return 1;
}

int main(int argc, char **argv)
{
	static uint32_t msg[MSG_WORDS_MAX];
	char args[64], why[128];
	long rounds = 100, cpu;
	int me = sys_getpid(), ncpu = sys_ncpu(), prog, pid, err, status;
	uint64_t total = 0, lo = ~0ull, hi = 0, words = 0;
	unsigned long quota = sys_get_quota() / 2, tpm = sys_get_tsc_per_ms();

	if (argc > 1 && strcmp(argv[1], "child") == 0)
		return child(argc, argv);
	cpu = ncpu > 1 ? (sys_getcpu() + 1) % ncpu : 0;
	if ((argc > 1 && (!parse_long(argv[1], &rounds) || rounds < 1)) ||
	    (argc > 2 && !parse_long(argv[2], &cpu)) || argc > 3) {
		printf("usage: ping [ROUNDS] [CPU]\n");
		return 2;
	}
	prog = prog_find(argv[0]);
	if (prog < 0)
		return fail(0, "no program 'ping' to spawn");
	if (quota > CHILD_QUOTA)
		quota = CHILD_QUOTA;
	srand64(rdtsc() ^ (uint64_t)me);
	snprintf(args, sizeof(args), "child %d %ld", me, rounds);
	err = sys_spawn(prog, quota, args, (int)cpu, &pid);
	if (err != E_SUCC) {
		snprintf(why, sizeof(why), "spawn on cpu %ld: %s", cpu, errname(err));
		return fail(0, why);
	}

	for (long r = 0; r < rounds; r++) {
		size_t n = 1 + rand_below(MSG_WORDS_MAX), sent, got;
		uint64_t t0, dt;

		for (size_t i = 1; i < n; i++)
			msg[i] = (uint32_t)rand64();
		msg[0] = msg_sum(msg, n);
		t0 = rdtsc();
		err = sys_send(pid, msg, n, &sent);
		if (err != E_SUCC || sent != n) {
			snprintf(why, sizeof(why), "send round %ld: %s, %zu of %zu words", r,
				 errname(err), sent, n);
			return fail(pid, why);
		}
		err = sys_recv(me, buf, CHAN_WORDS_MAX, &got);
		dt = rdtsc() - t0;
		if (err != E_SUCC) {
			snprintf(why, sizeof(why), "recv round %ld: %s", r, errname(err));
			return fail(pid, why);
		}
		if (got != n || memcmp(buf, msg, n * sizeof(msg[0])) != 0) {
			snprintf(why, sizeof(why), "round %ld: sent %zu words, echo of %zu differs",
				 r, n, got);
			return fail(pid, why);
		}
		total += dt;
		words += n;
		lo = dt < lo ? dt : lo;
		hi = dt > hi ? dt : hi;
	}

	err = sys_wait(pid, &status);
	if (err != E_SUCC || status != 0) {
		snprintf(why, sizeof(why), "child %d: wait %s, status %d", pid, errname(err), status);
		return fail(0, why);
	}
	printf("ping: %ld rounds cpu %d -> cpu %ld, %lu words, round trip mean %lu min %lu max %lu "
	       "ticks (mean %lu ns)\n",
	       rounds, sys_getcpu(), cpu, words, total / rounds, lo, hi,
	       tpm > 0 ? total / rounds * 1000000 / tpm : 0);
	printf("ping: PASS\n");
	return 0;
}
