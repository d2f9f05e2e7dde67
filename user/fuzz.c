/*
 * fuzz [CALLS] [SEED] - random system calls, every return code checked.
 *
 * CALLS calls (default 100000) with random and deliberately bad arguments:
 * numbers in and out of range (also with high bits set), pointers into the
 * kernel, below and above the user range, non-canonical, crossing USER_HI,
 * misaligned, huge counts that wrap, bad pids, chids, slots, CPUs and
 * program indexes; the unused argument registers hold garbage.  Every
 * return code must be one docs/syscalls.md allows for that call, and not
 * E_SUCC where an argument is known to be invalid.
 *
 * Never blocking, never harmful: no getc, no exit; recv on our own channel
 * only when is_chan_ready says a message waits (nobody sends us one); send
 * only to invalid channels or to ourselves; sleep 0 or 1 ms (or invalid);
 * kill only invalid pids or ourselves; spawn only with an invalid argument;
 * putc and puts only with arguments that print nothing; monitor only with
 * unknown commands.  The first wrong return prints `fuzz: FAIL ...`.
 */
#include "ulib.h"

#define BIT(e) (1u << (e))
#define OK BIT(E_SUCC)

#define KADDR 0x100000ul
#define KHIGH 0xffffffff80000000ul
#define SCRATCH_SIZE (4 * PAGE_SIZE)

/* What docs/syscalls.md allows for each call (E_SUCC included when it can succeed). */
static const unsigned allowed[SYS_NR] = {
	[SYS_puts] = OK | BIT(E_INVAL_ADDR),
	[SYS_ring0_spawn] = BIT(E_INVAL_CALLNR),
	[SYS_spawn] = OK | BIT(E_MEM) | BIT(E_INVAL_ID) | BIT(E_INVAL_ADDR) | BIT(E_INVAL_PID),
	[SYS_yield] = OK,
	[SYS_sleep] = OK | BIT(E_INVAL_ID),
	[SYS_disk_op] = BIT(E_INVAL_CALLNR),
	[SYS_disk_cap] = BIT(E_INVAL_CALLNR),
	[SYS_is_chan_ready] = OK,
	[SYS_send] = OK | BIT(E_INVAL_CHID) | BIT(E_INVAL_PID) | BIT(E_INVAL_ADDR) | BIT(E_IPC),
	[SYS_recv] = OK | BIT(E_INVAL_CHID) | BIT(E_INVAL_ADDR) | BIT(E_IPC),
	[SYS_get_tsc_per_ms] = OK,
	[SYS_hvm_run_vm... SYS_hvm_handle_wrmsr] = BIT(E_INVAL_HVM),
	[SYS_get_quota] = OK,
	[SYS_putc] = OK | BIT(E_INVAL_ID),
	[SYS_getc] = OK,
	[SYS_exit] = OK,
	[SYS_wait] = OK | BIT(E_INVAL_PID),
	[SYS_getpid] = OK,
	[SYS_kill] = OK | BIT(E_INVAL_PID),
	[SYS_prog_name] = OK | BIT(E_INVAL_ID) | BIT(E_INVAL_ADDR),
	[SYS_proc_info] = OK | BIT(E_INVAL_ID) | BIT(E_INVAL_PID) | BIT(E_INVAL_ADDR),
	[SYS_monitor] = OK | BIT(E_INVAL_ADDR) | BIT(E_INVAL_ID),
	[SYS_getcpu] = OK,
	[SYS_ncpu] = OK,
};

static const char *const names[SYS_NR] = {
	[SYS_puts] = "puts",
	[SYS_ring0_spawn] = "ring0_spawn",
	[SYS_spawn] = "spawn",
	[SYS_yield] = "yield",
	[SYS_sleep] = "sleep",
	[SYS_disk_op] = "disk_op",
	[SYS_disk_cap] = "disk_cap",
	[SYS_is_chan_ready] = "is_chan_ready",
	[SYS_send] = "send",
	[SYS_recv] = "recv",
	[SYS_get_tsc_per_ms] = "get_tsc_per_ms",
	[SYS_hvm_run_vm... SYS_hvm_handle_wrmsr] = "hvm",
	[SYS_get_quota] = "get_quota",
	[SYS_putc] = "putc",
	[SYS_getc] = "getc",
	[SYS_exit] = "exit",
	[SYS_wait] = "wait",
	[SYS_getpid] = "getpid",
	[SYS_kill] = "kill",
	[SYS_prog_name] = "prog_name",
	[SYS_proc_info] = "proc_info",
	[SYS_monitor] = "monitor",
	[SYS_getcpu] = "getcpu",
	[SYS_ncpu] = "ncpu",
};

/* Numbers with high bits set whose low 32 bits name harmless calls. */
static const long harmless[] = { SYS_yield,     SYS_is_chan_ready, SYS_get_tsc_per_ms,
				 SYS_get_quota, SYS_getpid,        SYS_getcpu,
				 SYS_ncpu };

/* A few pages of the user range that nothing of ours uses: the kernel may map them. */
static const unsigned long spare[] = { USER_LO, USER_LO + (1ul << 30), USER_LO + (256ul << 30),
				       USER_HI - (1ul << 20) };

static char scratch[SCRATCH_SIZE] __attribute__((aligned(4096)));
static int self, ncpu, nprogs;
static unsigned long ncalls, counts[E_INVAL_ID + 2];

static uint64_t pick(uint64_t n)
{
	return rand_below(n);
}

static bool chance(unsigned percent)
{
	return pick(100) < percent;
}

/* A pointer that is certainly invalid for a buffer of len bytes (len > 0). */
static unsigned long bad_ptr(size_t len)
{
	switch (pick(8)) {
	case 0:
		return pick(4) == 0 ? 0 : pick(PAGE_SIZE);
	case 1:
		return KADDR + pick(16ul << 20);
	case 2:
		return pick(USER_LO);
	case 3:
		return USER_LO - 1 - pick(64); /* starts below the range */
	case 4:
		return USER_HI - pick(len < 64 ? len : 64); /* crosses the end (or at it) */
	case 5:
		return USER_HI + pick(1ul << 40);
	case 6:
		return KHIGH + pick(1ul << 30);
	default:
		return (1ul << 47) + pick(1ul << 46); /* non-canonical */
	}
}

/* A pointer into scratch (misaligned too) with room for len bytes, or a spare page. */
static unsigned long good_ptr(size_t len)
{
	if (len > SCRATCH_SIZE)
		len = SCRATCH_SIZE;
	if (chance(5))
		return spare[pick(ARRAY_SIZE(spare))] + pick(64);
	return (unsigned long)scratch + pick(SCRATCH_SIZE - len + 1);
}

/* A count: mostly small, sometimes at or past a limit, sometimes absurd. */
static unsigned long any_len(unsigned long limit)
{
	switch (pick(8)) {
	case 0:
		return 0;
	case 1:
		return limit;
	case 2:
		return limit + 1 + pick(16);
	case 3:
		return 1ul << (32 + pick(31));
	case 4:
		return -(unsigned long)pick(16) - 1; /* wraps around */
	default:
		return 1 + pick(limit);
	}
}

/* A pid or chid: 0, negative, past 63, huge, or (only if allow_valid) 1..63. */
static long any_pid(bool allow_valid)
{
	switch (pick(allow_valid ? 6 : 5)) {
	case 0:
		return 0;
	case 1:
		return -1 - (long)pick(1000);
	case 2:
		return 64 + (long)pick(1000);
	case 3:
		return (long)(1ul << (32 + pick(31))) + (long)pick(64);
	case 4:
		return (long)rand64() | (1l << 40);
	default:
		return 1 + (long)pick(63);
	}
}

static void unterminated(char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (char)('a' + pick(26));
}

struct call {
	long nr;
	long a[6];
	bool must_fail; /* an argument is certainly invalid: E_SUCC is wrong */
};

/* One random call: number and arguments, and whether it must fail. */
static void generate(struct call *c)
{
	for (int i = 0; i < 6; i++)
		c->a[i] = (long)rand64();
	c->must_fail = false;
	c->nr = (long)pick(SYS_NR);

	switch (c->nr) {
	case SYS_puts:
		/* Nothing may reach the console: a bad buffer, a too long one, or length 0. */
		if (chance(50)) {
			c->a[1] = 1 + (long)pick(4096);
			c->a[0] = (long)bad_ptr((size_t)c->a[1]);
			c->must_fail = true;
		} else if (chance(70)) {
			c->a[1] = (long)(4097 + pick(16) + (chance(50) ? pick(1ul << 40) : 0));
			c->a[0] = (long)good_ptr(0);
			c->must_fail = true;
		} else {
			c->a[1] = 0;
			c->a[0] = (long)good_ptr(0);
		}
		break;
	case SYS_spawn: {
		int bad = (int)pick(4);

		c->must_fail = true;
		c->a[0] = (long)pick((uint64_t)nprogs);
		c->a[1] = 1 + (long)pick(4);
		c->a[2] = chance(50) ? 0 : (long)"zz";
		c->a[3] = chance(50) ? -1 : (long)pick((uint64_t)ncpu);
		if (bad == 0) { /* program */
			c->a[0] = chance(50) ? nprogs + (long)pick(100) : any_pid(false) | (1l << 33);
		} else if (bad == 1) { /* quota: none, or more than we have */
			c->a[1] = chance(20) ? 0 : (long)sys_get_quota() + 1 + (long)pick(1ul << 20);
		} else if (bad == 2) { /* CPU */
			c->a[3] = chance(50) ? ncpu + (long)pick(100) : -2 - (long)pick(100);
		} else if (chance(70)) { /* args: unreadable */
			c->a[2] = (long)bad_ptr(1);
			if (c->a[2] == 0)
				c->a[2] = (long)KADDR;
		} else { /* args: longer than SPAWN_ARGS_MAX */
			char *s = scratch + pick(SCRATCH_SIZE - SPAWN_ARGS_MAX - 64);
			unterminated(s, SPAWN_ARGS_MAX + pick(32));
			s[SPAWN_ARGS_MAX + 32] = '\0';
			c->a[2] = (long)s;
		}
		break;
	}
	case SYS_sleep:
		if (chance(90)) {
			c->a[0] = 60001 + (long)pick(chance(50) ? 1000 : 1ul << 40);
			if (chance(20))
				c->a[0] = -1 - (long)pick(100);
			c->must_fail = true;
		} else {
			c->a[0] = chance(1) ? 1 : 0;
		}
		break;
	case SYS_send:
		c->a[0] = chance(20) ? self : any_pid(false);
		c->a[2] = (long)any_len(CHAN_WORDS_MAX);
		c->a[1] = (long)(chance(50) ? bad_ptr(4) : good_ptr((size_t)c->a[2] * 4));
		c->must_fail = true;
		break;
	case SYS_recv:
		c->a[2] = (long)any_len(CHAN_WORDS_MAX);
		c->a[1] = (long)(chance(50) ? bad_ptr(4) : good_ptr((size_t)c->a[2] * 4));
		if (chance(10) && sys_is_chan_ready() == 1) {
			c->a[0] = self; /* a message waits: recv does not block */
		} else {
			c->a[0] = any_pid(true);
			if (c->a[0] == self)
				c->a[0] = 0;
			c->must_fail = true;
		}
		break;
	case SYS_putc:
		c->a[0] = chance(50) ? 256 + (long)pick(1ul << 20) : any_pid(false);
		if (c->a[0] >= 0 && c->a[0] <= 255)
			c->a[0] = 256;
		c->must_fail = true;
		break;
	case SYS_getc:
	case SYS_exit:
		c->nr = SYS_yield; /* would block or end us */
		break;
	case SYS_wait: /* we have no children: every pid is wrong, and wait never blocks */
		c->a[0] = chance(10) ? self : any_pid(true);
		c->must_fail = true;
		break;
	case SYS_kill:
		c->a[0] = chance(10) ? self : any_pid(false);
		c->must_fail = true;
		break;
	case SYS_prog_name:
		c->a[0] = chance(70) ? (long)pick((uint64_t)nprogs + 2) : any_pid(false);
		c->a[2] = (long)(chance(70) ? pick(64) : any_len(64));
		if (chance(40)) {
			c->a[1] = (long)bad_ptr(c->a[2] > 0 ? (size_t)c->a[2] : 1);
			c->must_fail = true;
		} else {
			c->a[1] = (long)good_ptr((size_t)c->a[2]);
		}
		if (c->a[0] < 0 || c->a[0] >= nprogs)
			c->must_fail = true;
		break;
	case SYS_proc_info:
		c->a[0] = chance(70) ? (long)pick(70) : any_pid(false);
		if (chance(40)) {
			c->a[1] = (long)bad_ptr(sizeof(struct proc_info));
			c->must_fail = true;
		} else {
			c->a[1] = (long)good_ptr(sizeof(struct proc_info));
		}
		if (c->a[0] < 0 || c->a[0] >= 64)
			c->must_fail = true;
		break;
	case SYS_monitor: {
		c->must_fail = true;
		if (chance(50)) {
			c->a[0] = (long)bad_ptr(1);
		} else {
			/* "zz...": no monitor command starts so (help, ps, quit, run, test, ...) */
			size_t n = chance(90) ? 1 + pick(40) : 200 + pick(4000);
			char *s = scratch + pick(SCRATCH_SIZE - n - 4);
			s[0] = 'z';
			s[1] = 'z';
			unterminated(s + 2, n);
			s[n + 2] = chance(90) ? '\0' : 'x';
			s[n + 3] = '\0';
			c->a[0] = (long)s;
		}
		break;
	}
	default:
		break;
	}

	/* Out of range numbers, some that truncate to harmless calls. */
	if (chance(10)) {
		switch (pick(5)) {
		case 0:
			c->nr = SYS_NR + (long)pick(1000);
			break;
		case 1:
			c->nr = -1 - (long)pick(1ul << 40);
			break;
		case 2:
			c->nr = (long)(1ul << (32 + pick(31))) + harmless[pick(ARRAY_SIZE(harmless))];
			break;
		case 3:
			c->nr = (long)(rand64() | (1ul << 62));
			break;
		default:
			c->nr = SYS_NR + (long)pick(32);
			break;
		}
		c->must_fail = true;
	}
}

/* The result where the call has one to check; false if it is wrong. */
static bool result_ok(const struct call *c, struct sysret r)
{
	if (r.err != E_SUCC)
		return true;
	switch (c->nr) {
	case SYS_is_chan_ready:
		return r.val == 0 || r.val == 1;
	case SYS_getpid:
		return r.val == self;
	case SYS_getcpu:
		return r.val >= 0 && r.val < ncpu;
	case SYS_ncpu:
		return r.val == ncpu;
	case SYS_prog_name:
		return r.val > 0 && (unsigned long)r.val < (unsigned long)c->a[2];
	default:
		return true;
	}
}

static int fail(const struct call *c, struct sysret r, unsigned mask)
{
	const char *name = c->nr >= 0 && c->nr < SYS_NR ? names[c->nr] : "nr";

	printf("fuzz: FAIL call %lu: %s %#lx(%#lx, %#lx, %#lx, %#lx) got %s result %ld, want",
	       ncalls, name, c->nr, c->a[0], c->a[1], c->a[2], c->a[3], errname(r.err), r.val);
	for (int e = 0; e <= E_INVAL_ID; e++)
		if (mask & BIT(e))
			printf(" %s", errname(e));
	printf(mask & OK ? " (a valid result)\n" : "\n");
	if (c->nr == SYS_spawn && r.err == E_SUCC) {
		int status;

		sys_kill((int)r.val);
		sys_wait((int)r.val, &status);
	}
	return 1;
}

int main(int argc, char **argv)
{
	long calls = 100000, seed = 1;

	if ((argc > 1 && (!parse_long(argv[1], &calls) || calls < 0)) ||
	    (argc > 2 && !parse_long(argv[2], &seed)) || argc > 3) {
		printf("usage: fuzz [CALLS] [SEED]\n");
		return 2;
	}
	srand64((uint64_t)seed);
	self = sys_getpid();
	ncpu = sys_ncpu();
	nprogs = prog_count();
	printf("fuzz: %ld calls, seed %ld, pid %d, %d programs, %lu pages\n", calls, seed, self,
	       nprogs, sys_get_quota());
	/* With SVM or VMX the hvm calls do what docs/syscalls.md says (the
	 * random ones drive a garbage VM: its entries must fail cleanly). */
	bool hvm = usyscall(SYS_hvm_get_tsc_offset, 0, 0, 0, 0, 0, 0).err != E_INVAL_HVM;
	if (hvm)
		printf("fuzz: hvm calls answered by a backend\n");

	for (ncalls = 0; ncalls < (unsigned long)calls; ncalls++) {
		struct call c;
		struct sysret r;
		unsigned mask;

		generate(&c);
		mask = c.nr >= 0 && c.nr < SYS_NR ? allowed[c.nr] : BIT(E_INVAL_CALLNR);
		if (hvm && c.nr >= SYS_hvm_run_vm && c.nr <= SYS_hvm_handle_wrmsr)
			mask = OK | BIT(E_INVAL_HVM) | BIT(E_INVAL_ADDR) | BIT(E_MEM) |
			       BIT(E_INVAL_SEG) | BIT(E_INVAL_REG) | BIT(E_INVAL_EVENT);
		else if (c.must_fail)
			mask &= ~OK;
		r = usyscall(c.nr, c.a[0], c.a[1], c.a[2], c.a[3], c.a[4], c.a[5]);
		if (r.err < 0 || r.err > E_INVAL_ID || !(mask & BIT(r.err)) || !result_ok(&c, r))
			return fail(&c, r, mask);
		counts[r.err]++;
	}

	printf("fuzz: results:");
	for (int e = 0; e <= E_INVAL_ID; e++)
		if (counts[e] > 0)
			printf(" %s %lu", errname(e), counts[e]);
	printf(", %lu pages left\n", sys_get_quota());
	printf("fuzz: PASS %lu calls\n", ncalls);
	return 0;
}
