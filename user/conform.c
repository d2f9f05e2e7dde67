/*
 * conform - system-call conformance against docs/syscalls.md.
 *
 * A table of calls, each with valid or invalid arguments and the error code
 * (and, for some, the result) the document gives; then sequences that need
 * children: exit status, kill, wait twice, send/recv with an echo child, the
 * caller's own proc_info, registers preserved across `int $0x80`.
 * Every failing check prints `conform: FAIL call(args) got X want Y`; the
 * last line is `conform: PASS N checks` or `conform: FAIL M of N checks`.
 *
 * Argument values from SP_BASE up are placeholders resolved when the check
 * runs (own pid, a dead pid, a valid buffer, quota left + 1, ...).
 * `conform exit N | spin | spinsys | echo PARENT` are the children's roles.
 */
#include "ulib.h"

#define HELLO_QUOTA 32ul
#define KADDR 0x100000l            /* the kernel's image: mapped, supervisor only */
#define KHIGH 0xffffffff80000000ul /* canonical, kernel half */
#define NONCANON 0x8000000000000000ul

/* Placeholders: values no real argument here takes (non-canonical, top bits "SP"). */
#define SP_BASE 0x5350000000000000l
enum sp {
	SP_SELF = SP_BASE, /* own pid */
	SP_PARENT,         /* parent's pid (a live process that is not our child) */
	SP_DEAD,           /* a pid in 1..63 that no live process has */
	SP_BUF,            /* a valid, writable, mapped 8 KiB buffer */
	SP_BUF1,           /* the same, plus 1 (misaligned) */
	SP_STR,            /* "conform" */
	SP_MSG,            /* a line for puts */
	SP_MSGLEN,         /* its length */
	SP_ARGS,           /* spawn args "a b c" */
	SP_MAXARGS,        /* an argument string of exactly SPAWN_ARGS_MAX bytes with its NUL */
	SP_LONGARGS,       /* one byte more */
	SP_MAXWORDS,       /* an argument string of SPAWN_WORDS_MAX words */
	SP_MANYWORDS,      /* one word more */
	SP_ENDSTR,         /* USER_HI - 1, holding a non-NUL byte: the string crosses the end */
	SP_QUOTA1,         /* get_quota() + 1 */
	SP_NCPU,           /* ncpu(): the first invalid CPU */
	SP_LASTCPU,        /* ncpu() - 1 */
	SP_NPROGS,         /* the number of programs: the first invalid index */
	SP_HELLO,          /* the index of program hello */
	SP_MYSLOT,         /* the proc_info slot that holds us */
	SP_FREESLOT,       /* a free proc_info slot */
	SP_BADCMD,         /* "zz-no-such-command" */
	SP_CMD,            /* "procs", a monitor command (its output repeats under script) */
	SP_END
};
#define SP_NAME(sp, name) [(sp)-SP_BASE] = name
static const char *const sp_names[] = {
	SP_NAME(SP_SELF, "self"),         SP_NAME(SP_PARENT, "parent"),
	SP_NAME(SP_DEAD, "deadpid"),      SP_NAME(SP_BUF, "buf"),
	SP_NAME(SP_BUF1, "buf+1"),        SP_NAME(SP_STR, "\"conform\""),
	SP_NAME(SP_MSG, "msg"),           SP_NAME(SP_MSGLEN, "msglen"),
	SP_NAME(SP_ARGS, "\"a b c\""),    SP_NAME(SP_MAXARGS, "maxargs"),
	SP_NAME(SP_LONGARGS, "longargs"), SP_NAME(SP_ENDSTR, "USER_HI-1 'x'"),
	SP_NAME(SP_MAXWORDS, "maxwords"), SP_NAME(SP_MANYWORDS, "manywords"),
	SP_NAME(SP_QUOTA1, "quota+1"),    SP_NAME(SP_NCPU, "ncpu"),
	SP_NAME(SP_LASTCPU, "ncpu-1"),    SP_NAME(SP_NPROGS, "nprogs"),
	SP_NAME(SP_HELLO, "hello"),       SP_NAME(SP_MYSLOT, "myslot"),
	SP_NAME(SP_FREESLOT, "freeslot"), SP_NAME(SP_BADCMD, "badcmd"),
	SP_NAME(SP_CMD, "\"cpus\""),
};

/* What the result (%rdx) must be, besides the error code. */
enum res {
	R_ANY,  /* not checked */
	R_ZERO, /* 0: the call has no result */
	R_EQ,   /* == val */
	R_POS,  /* > 0 */
	R_CPU,  /* 0 .. ncpu-1 */
	R_NCPU, /* 1 .. 64 */
	R_PID,  /* 1 .. 63 */
	R_REAP, /* spawn: a child, which must exit with status val */
};

struct check {
	const char *call;
	long nr;
	int want;
	enum res res;
	long val;
	long a[4];
};

/* clang-format off */
#define ROW(name, want, res, val, ...) { #name, SYS_##name, want, res, val, { __VA_ARGS__ } }
#define RAW(nr, want) { "nr " #nr, nr, want, R_ANY, 0, { 0 } }
#define BAD(name, want, ...) ROW(name, want, R_ANY, 0, __VA_ARGS__)
#define OK(name, res, val, ...) ROW(name, E_SUCC, res, val, __VA_ARGS__)

/* One row: the call, the error it must return and, on success, what its result must be. */
static const struct check table[] = {
	/* numbers nobody implements */
	RAW(SYS_NR, E_INVAL_CALLNR),
	RAW(1000, E_INVAL_CALLNR),
	RAW(-1, E_INVAL_CALLNR),
	RAW(1l << 40, E_INVAL_CALLNR),
	RAW((1l << 32) + SYS_yield, E_INVAL_CALLNR), /* not truncated to 32 bits */
	RAW((1l << 63) + SYS_getpid, E_INVAL_CALLNR),
	RAW(SYS_ring0_spawn, E_INVAL_CALLNR),
	RAW(SYS_disk_op, E_INVAL_CALLNR),
	RAW(SYS_disk_cap, E_INVAL_CALLNR),
	RAW(SYS_hvm_run_vm, E_INVAL_HVM),
	RAW(SYS_hvm_get_exitinfo, E_INVAL_HVM),
	RAW(SYS_hvm_mmap, E_INVAL_HVM),
	RAW(SYS_hvm_set_seg, E_INVAL_HVM),
	RAW(SYS_hvm_set_reg, E_INVAL_HVM),
	RAW(SYS_hvm_get_reg, E_INVAL_HVM),
	RAW(SYS_hvm_get_next_eip, E_INVAL_HVM),
	RAW(SYS_hvm_inject_event, E_INVAL_HVM),
	RAW(SYS_hvm_check_pending_event, E_INVAL_HVM),
	RAW(SYS_hvm_check_int_shadow, E_INVAL_HVM),
	RAW(SYS_hvm_intercept_int_window, E_INVAL_HVM),
	RAW(SYS_hvm_get_tsc_offset, E_INVAL_HVM),
	RAW(SYS_hvm_set_tsc_offset, E_INVAL_HVM),
	RAW(SYS_hvm_handle_rdmsr, E_INVAL_HVM),
	RAW(SYS_hvm_handle_wrmsr, E_INVAL_HVM),

	/* puts */
	OK(puts, R_ZERO, 0, SP_STR, 0),
	OK(puts, R_ZERO, 0, SP_MSG, SP_MSGLEN),
	BAD(puts, E_INVAL_ADDR, 0, 1),
	BAD(puts, E_INVAL_ADDR, KADDR, 8),
	BAD(puts, E_INVAL_ADDR, KHIGH, 8),
	BAD(puts, E_INVAL_ADDR, NONCANON, 8),
	BAD(puts, E_INVAL_ADDR, USER_HI - 1, 2),
	BAD(puts, E_INVAL_ADDR, USER_HI, 1),
	BAD(puts, E_INVAL_ADDR, USER_LO - 8, 8),
	BAD(puts, E_INVAL_ADDR, USER_LO - 8, 16),
	BAD(puts, E_INVAL_ADDR, SP_BUF, 4097),
	BAD(puts, E_INVAL_ADDR, SP_BUF, 1l << 40),
	BAD(puts, E_INVAL_ADDR, SP_BUF, -1),

	/* spawn */
	BAD(spawn, E_MEM, SP_HELLO, SP_QUOTA1, 0, -1),
	BAD(spawn, E_MEM, SP_HELLO, 1l << 40, 0, -1),
	BAD(spawn, E_MEM, SP_HELLO, -1, 0, -1),
	BAD(spawn, E_MEM, SP_HELLO, 0, 0, -1),
	BAD(spawn, E_INVAL_ID, SP_NPROGS, HELLO_QUOTA, 0, -1),
	BAD(spawn, E_INVAL_ID, -1, HELLO_QUOTA, 0, -1),
	BAD(spawn, E_INVAL_ID, 1l << 40, HELLO_QUOTA, 0, -1),
	BAD(spawn, E_INVAL_ID, SP_HELLO, HELLO_QUOTA, 0, SP_NCPU),
	BAD(spawn, E_INVAL_ID, SP_HELLO, HELLO_QUOTA, 0, -2),
	BAD(spawn, E_INVAL_ID, SP_HELLO, HELLO_QUOTA, 0, 1l << 32),
	BAD(spawn, E_INVAL_ADDR, SP_HELLO, HELLO_QUOTA, KADDR, -1),
	BAD(spawn, E_INVAL_ADDR, SP_HELLO, HELLO_QUOTA, KHIGH, -1),
	BAD(spawn, E_INVAL_ADDR, SP_HELLO, HELLO_QUOTA, USER_LO - 8, -1),
	BAD(spawn, E_INVAL_ADDR, SP_HELLO, HELLO_QUOTA, SP_ENDSTR, -1),
	BAD(spawn, E_INVAL_ADDR, SP_HELLO, HELLO_QUOTA, SP_LONGARGS, -1),
	BAD(spawn, E_INVAL_ADDR, SP_HELLO, HELLO_QUOTA, SP_MANYWORDS, -1),
	OK(spawn, R_REAP, 0, SP_HELLO, HELLO_QUOTA, 0, -1),
	OK(spawn, R_REAP, 0, SP_HELLO, HELLO_QUOTA, SP_ARGS, -1),
	OK(spawn, R_REAP, 0, SP_HELLO, HELLO_QUOTA, SP_MAXARGS, 0),
	OK(spawn, R_REAP, 0, SP_HELLO, HELLO_QUOTA, SP_MAXWORDS, 0),
	OK(spawn, R_REAP, 0, SP_HELLO, HELLO_QUOTA, 0, SP_LASTCPU),

	/* yield, sleep */
	OK(yield, R_ZERO, 0, 0),
	OK(sleep, R_ZERO, 0, 0),
	OK(sleep, R_ZERO, 0, 1),
	BAD(sleep, E_INVAL_ID, 60001),
	BAD(sleep, E_INVAL_ID, -1),
	BAD(sleep, E_INVAL_ID, 1l << 32),
	BAD(sleep, E_INVAL_ID, 1l << 40),

	/* channels (valid sends and receives: the echo sequence) */
	OK(is_chan_ready, R_EQ, 0, 0),
	BAD(send, E_INVAL_CHID, 0, SP_BUF, 1),
	BAD(send, E_INVAL_CHID, 64, SP_BUF, 1),
	BAD(send, E_INVAL_CHID, -1, SP_BUF, 1),
	BAD(send, E_INVAL_CHID, 1l << 33, SP_BUF, 1),
	BAD(send, E_IPC, SP_SELF, SP_BUF, 1),
	BAD(send, E_INVAL_PID, SP_DEAD, SP_BUF, 1),
	BAD(recv, E_INVAL_CHID, 0, SP_BUF, 1),
	BAD(recv, E_INVAL_CHID, 64, SP_BUF, 1),
	BAD(recv, E_INVAL_CHID, -1, SP_BUF, 1),
	BAD(recv, E_INVAL_CHID, 1l << 33, SP_BUF, 1),
	BAD(recv, E_INVAL_CHID, SP_DEAD, SP_BUF, 1),
	BAD(recv, E_INVAL_CHID, SP_PARENT, SP_BUF, 1),

	/* results only */
	OK(get_tsc_per_ms, R_POS, 0, 0),
	OK(get_quota, R_POS, 0, 0),
	OK(getpid, R_PID, 0, 0),
	OK(getcpu, R_CPU, 0, 0),
	OK(ncpu, R_NCPU, 0, 0),

	/* putc */
	OK(putc, R_ZERO, 0, '\n'),
	BAD(putc, E_INVAL_ID, 256),
	BAD(putc, E_INVAL_ID, 'A' + 256),
	BAD(putc, E_INVAL_ID, -1),
	BAD(putc, E_INVAL_ID, 1l << 32),

	/* wait, kill: never for a process that is not our child */
	BAD(wait, E_INVAL_PID, 0),
	BAD(wait, E_INVAL_PID, -1),
	BAD(wait, E_INVAL_PID, 64),
	BAD(wait, E_INVAL_PID, 1l << 33),
	BAD(wait, E_INVAL_PID, SP_SELF),
	BAD(wait, E_INVAL_PID, SP_PARENT),
	BAD(wait, E_INVAL_PID, SP_DEAD),
	BAD(kill, E_INVAL_PID, 0),
	BAD(kill, E_INVAL_PID, -1),
	BAD(kill, E_INVAL_PID, 64),
	BAD(kill, E_INVAL_PID, 1l << 33),
	BAD(kill, E_INVAL_PID, SP_SELF),
	BAD(kill, E_INVAL_PID, SP_PARENT),
	BAD(kill, E_INVAL_PID, SP_DEAD),

	/* prog_name */
	OK(prog_name, R_POS, 0, 0, SP_BUF, 32),
	OK(prog_name, R_EQ, 5, SP_HELLO, SP_BUF1, 32),
	BAD(prog_name, E_INVAL_ID, SP_NPROGS, SP_BUF, 32),
	BAD(prog_name, E_INVAL_ID, -1, SP_BUF, 32),
	BAD(prog_name, E_INVAL_ID, 1l << 32, SP_BUF, 32),
	BAD(prog_name, E_INVAL_ADDR, 0, 0, 32),
	BAD(prog_name, E_INVAL_ADDR, 0, KADDR, 32),
	BAD(prog_name, E_INVAL_ADDR, 0, KHIGH, 32),
	BAD(prog_name, E_INVAL_ADDR, 0, USER_HI - 1, 2),
	BAD(prog_name, E_INVAL_ADDR, 0, USER_LO - 8, 8),
	BAD(prog_name, E_INVAL_ADDR, 0, SP_BUF, 1l << 40),

	/* proc_info (its contents: the sequence after the table) */
	OK(proc_info, R_ZERO, 0, SP_MYSLOT, SP_BUF),
	OK(proc_info, R_ZERO, 0, SP_MYSLOT, SP_BUF1),
	BAD(proc_info, E_INVAL_PID, SP_FREESLOT, SP_BUF),
	BAD(proc_info, E_INVAL_ID, 64, SP_BUF),
	BAD(proc_info, E_INVAL_ID, -1, SP_BUF),
	BAD(proc_info, E_INVAL_ID, 1l << 32, SP_BUF),
	BAD(proc_info, E_INVAL_ADDR, SP_MYSLOT, 0),
	BAD(proc_info, E_INVAL_ADDR, SP_MYSLOT, KADDR),
	BAD(proc_info, E_INVAL_ADDR, SP_MYSLOT, KHIGH),
	BAD(proc_info, E_INVAL_ADDR, SP_MYSLOT, USER_HI - 8),
	BAD(proc_info, E_INVAL_ADDR, SP_MYSLOT, USER_LO - 8),

	/* monitor */
	OK(monitor, R_ZERO, 0, SP_CMD),
	BAD(monitor, E_INVAL_ID, SP_BADCMD),
	BAD(monitor, E_INVAL_ADDR, 0),
	BAD(monitor, E_INVAL_ADDR, KADDR),
	BAD(monitor, E_INVAL_ADDR, KHIGH),
	BAD(monitor, E_INVAL_ADDR, USER_LO - 8),
	BAD(monitor, E_INVAL_ADDR, SP_ENDSTR),
};
/* clang-format on */

static char buf[8192];
static char maxargs[SPAWN_ARGS_MAX + 1], longargs[SPAWN_ARGS_MAX + 2];
static char maxwords[2 * SPAWN_WORDS_MAX + 1], manywords[2 * SPAWN_WORDS_MAX + 3];
static const char msg[] = "conform: a line through SYS_puts\n";
static int self, parent, hello, nprogs, ncpu, myslot = -1, freeslot = -1;
static int checks, failures;

/* A placeholder's value; false when there is none (the check is skipped). */
static bool resolve(long v, long *out)
{
	struct proc_info pi;

	switch (v) {
	case SP_SELF:
		*out = self;
		return true;
	case SP_PARENT:
		*out = parent;
		return parent > 0;
	case SP_DEAD: {
		bool live[64] = { false };

		for (int s = 0; s < 64; s++)
			if (sys_proc_info(s, &pi) == E_SUCC && pi.pid > 0 && pi.pid < 64)
				live[pi.pid] = true;
		for (int p = 63; p > 0; p--) {
			if (!live[p]) {
				*out = p;
				return true;
			}
		}
		return false;
	}
	case SP_BUF:
		*out = (long)buf;
		return true;
	case SP_BUF1:
		*out = (long)buf + 1;
		return true;
	case SP_STR:
		*out = (long)"conform";
		return true;
	case SP_MSG:
		*out = (long)msg;
		return true;
	case SP_MSGLEN:
		*out = (long)strlen(msg);
		return true;
	case SP_ARGS:
		*out = (long)"a b c";
		return true;
	case SP_MAXARGS:
		*out = (long)maxargs;
		return true;
	case SP_LONGARGS:
		*out = (long)longargs;
		return true;
	case SP_MAXWORDS:
		*out = (long)maxwords;
		return true;
	case SP_MANYWORDS:
		*out = (long)manywords;
		return true;
	case SP_ENDSTR:
		*out = (long)(USER_HI - 1);
		return true;
	case SP_QUOTA1:
		*out = (long)sys_get_quota() + 1;
		return true;
	case SP_NCPU:
		*out = ncpu;
		return true;
	case SP_LASTCPU:
		*out = ncpu - 1;
		return true;
	case SP_NPROGS:
		*out = nprogs;
		return true;
	case SP_HELLO:
		*out = hello;
		return hello >= 0;
	case SP_MYSLOT:
		*out = myslot;
		return myslot >= 0;
	case SP_FREESLOT:
		*out = freeslot;
		return freeslot >= 0;
	case SP_BADCMD:
		*out = (long)"zz-no-such-command";
		return true;
	case SP_CMD:
		*out = (long)"procs";
		return true;
	default:
		*out = v;
		return true;
	}
}

static void fmt_arg(char *out, size_t n, long v)
{
	if (v >= SP_BASE && v < (long)SP_END)
		snprintf(out, n, "%s", sp_names[v - SP_BASE]);
	else if (v > -100000 && v < 100000)
		snprintf(out, n, "%ld", v);
	else
		snprintf(out, n, "%#lx", v);
}

static const char *res_text(enum res res, long val)
{
	static char text[48];

	switch (res) {
	case R_ZERO:
		return " result 0";
	case R_EQ:
		snprintf(text, sizeof(text), " result %ld", val);
		return text;
	case R_POS:
		return " result > 0";
	case R_CPU:
		return " result < ncpu";
	case R_NCPU:
		return " result 1..64";
	case R_PID:
		return " result 1..63";
	case R_REAP:
		snprintf(text, sizeof(text), " (a child exiting with %ld)", val);
		return text;
	default:
		return "";
	}
}

static bool res_ok(enum res res, long val, long got)
{
	switch (res) {
	case R_ZERO:
		return got == 0;
	case R_EQ:
		return got == val;
	case R_POS:
		return got > 0;
	case R_CPU:
		return got >= 0 && got < ncpu;
	case R_NCPU:
		return got >= 1 && got <= 64;
	case R_PID:
		return got >= 1 && got <= 63;
	default:
		return true;
	}
}

/* Counts one check; prints it if it failed.  what: the call and its arguments. */
static bool expect(const char *what, struct sysret r, int want, enum res res, long val)
{
	bool ok = r.err == want && (r.err != E_SUCC || res_ok(res, val, r.val));

	checks++;
	if (!ok) {
		failures++;
		printf("conform: FAIL %s got %s", what, errname(r.err));
		if (r.err == E_SUCC && res != R_ANY && res != R_REAP)
			printf(" result %ld", r.val);
		printf(" want %s%s\n", errname(want), want == E_SUCC ? res_text(res, val) : "");
	}
	return ok;
}

/* A child we did not want, or one we did: kill it if asked, wait for it, check its status. */
static void reap(const char *what, int pid, bool kill, long want_status)
{
	char desc[160];
	struct sysret r;

	if (kill)
		sys_kill(pid);
	r = usyscall(SYS_wait, pid, 0, 0, 0, 0, 0);
	if (!kill) {
		snprintf(desc, sizeof(desc), "wait(%d) for %s", pid, what);
		expect(desc, r, E_SUCC, R_EQ, want_status);
	}
}

static void run_table(void)
{
	char saved = *(volatile char *)(USER_HI - 1);

	*(volatile char *)(USER_HI - 1) = 'x'; /* for SP_ENDSTR; argv's strings are there */
	/* With SVM or VMX the hvm calls work (kernel test hvm_syscalls checks
	 * them); these rows are for a CPU without. */
	bool hvm = usyscall(SYS_hvm_get_tsc_offset, 0, 0, 0, 0, 0, 0).err != E_INVAL_HVM;
	if (hvm)
		printf("conform: skipped the E_INVAL_HVM rows: this CPU has SVM or VMX\n");
	for (size_t i = 0; i < ARRAY_SIZE(table); i++) {
		const struct check *c = &table[i];
		if (hvm && c->want == E_INVAL_HVM)
			continue;
		char what[192], arg[32];
		long a[4];
		size_t len;
		struct sysret r;
		bool ok = true;

		len = (size_t)snprintf(what, sizeof(what), "%s(", c->call);
		for (int k = 0; k < 4; k++) {
			ok &= resolve(c->a[k], &a[k]);
			fmt_arg(arg, sizeof(arg), c->a[k]);
			if (len < sizeof(what))
				len += (size_t)snprintf(what + len, sizeof(what) - len, "%s%s",
							k > 0 ? ", " : "", arg);
		}
		if (len < sizeof(what))
			snprintf(what + len, sizeof(what) - len, ")");
		if (!ok) {
			printf("conform: skipped %s: no such value here\n", what);
			continue;
		}
		r = usyscall(c->nr, a[0], a[1], a[2], a[3], 0, 0);
		expect(what, r, c->want, c->res, c->val);
		if (c->nr == SYS_spawn && r.err == E_SUCC)
			reap(what, (int)r.val, c->res != R_REAP, c->val);
	}
	*(volatile char *)(USER_HI - 1) = saved;
}

/* Every register but %rax and %rdx comes back as it went in. */
static void check_registers(long nr, int want)
{
	register long r8 __asm__("r8") = 0x0808080808080808;
	register long r9 __asm__("r9") = 0x0909090909090909;
	register long r10 __asm__("r10") = 0x1010101010101010;
	register long r11 __asm__("r11") = 0x1111111111111111;
	register long r12 __asm__("r12") = 0x1212121212121212;
	register long r13 __asm__("r13") = 0x1313131313131313;
	register long r14 __asm__("r14") = 0x1414141414141414;
	register long r15 __asm__("r15") = 0x1515151515151515;
	long rax = nr, rdx = 0x0d0d0d0d0d0d0d0d, rbx = 0x0b0b0b0b0b0b0b0b, rcx = 0x0c0c0c0c0c0c0c0c,
	     rsi = 0x0e0e0e0e0e0e0e0e, rdi = 0x0f0f0f0f0f0f0f0f;
	char what[64];
	int bad = 0;

	__asm__ volatile("int $0x80"
			 : "+a"(rax), "+d"(rdx), "+b"(rbx), "+c"(rcx), "+S"(rsi), "+D"(rdi), "+r"(r8),
			   "+r"(r9), "+r"(r10), "+r"(r11), "+r"(r12), "+r"(r13), "+r"(r14), "+r"(r15)
			 :
			 : "memory", "cc");
	bad += rbx != 0x0b0b0b0b0b0b0b0b;
	bad += rcx != 0x0c0c0c0c0c0c0c0c;
	bad += rsi != 0x0e0e0e0e0e0e0e0e;
	bad += rdi != 0x0f0f0f0f0f0f0f0f;
	bad += r8 != 0x0808080808080808;
	bad += r9 != 0x0909090909090909;
	bad += r10 != 0x1010101010101010;
	bad += r11 != 0x1111111111111111;
	bad += r12 != 0x1212121212121212;
	bad += r13 != 0x1313131313131313;
	bad += r14 != 0x1414141414141414;
	bad += r15 != 0x1515151515151515;
	snprintf(what, sizeof(what), "registers other than rax, rdx changed by nr %ld", nr);
	expect(what, (struct sysret){ E_SUCC, bad }, E_SUCC, R_ZERO, 0);
	snprintf(what, sizeof(what), "nr %ld with every register set", nr);
	expect(what, (struct sysret){ rax, rdx }, want, R_ANY, 0);
}

/* Our own slot: pid, name, state, cpu, parent, quota and usage, syscall counter. */
static void check_proc_info(void)
{
	struct proc_info a, b;
	struct sysret r;
	char what[96];

	if (myslot < 0) {
		expect("a proc_info slot with our pid", (struct sysret){ E_INVAL_PID, 0 }, E_SUCC,
		       R_ANY, 0);
		return;
	}
	sys_proc_info(myslot, &a);
	r = usyscall(SYS_proc_info, myslot, (long)&b, 0, 0, 0, 0);
	expect("proc_info(myslot) twice", r, E_SUCC, R_ZERO, 0);
	snprintf(what, sizeof(what), "proc_info(myslot).pid %d == getpid", b.pid);
	expect(what, (struct sysret){ E_SUCC, b.pid }, E_SUCC, R_EQ, self);
	b.name[PROC_NAME_MAX - 1] = '\0';
	snprintf(what, sizeof(what), "proc_info(myslot).name \"%s\" is conform", b.name);
	expect(what, (struct sysret){ E_SUCC, strcmp(b.name, "conform") }, E_SUCC, R_ZERO, 0);
	expect("proc_info(myslot).state (running)", (struct sysret){ E_SUCC, b.state }, E_SUCC,
	       R_EQ, 1);
	expect("proc_info(myslot).cpu == getcpu", (struct sysret){ E_SUCC, b.cpu }, E_SUCC, R_EQ,
	       sys_getcpu());
	expect("proc_info(myslot).usage <= quota", (struct sysret){ E_SUCC, b.usage <= b.quota },
	       E_SUCC, R_EQ, 1);
	expect("proc_info(myslot).quota - usage >= get_quota",
	       (struct sysret){ E_SUCC, b.quota - b.usage >= sys_get_quota() }, E_SUCC, R_EQ, 1);
	expect("proc_info(myslot).syscalls grows",
	       (struct sysret){ E_SUCC, b.syscalls > a.syscalls }, E_SUCC, R_EQ, 1);
}

/* Children: exit status, wait and kill after the wait, kill of a running child. */
static void check_children(int me)
{
	static const int statuses[] = { 0, 7, 255, -5 };
	char args[32], what[96];
	struct sysret r;
	int pid;

	for (size_t i = 0; i < ARRAY_SIZE(statuses); i++) {
		snprintf(args, sizeof(args), "exit %d", statuses[i]);
		r = usyscall(SYS_spawn, me, HELLO_QUOTA, (long)args, -1, 0, 0);
		snprintf(what, sizeof(what), "spawn(conform, \"%s\")", args);
		if (!expect(what, r, E_SUCC, R_PID, 0))
			continue;
		pid = (int)r.val;
		snprintf(what, sizeof(what), "wait(child \"%s\")", args);
		expect(what, usyscall(SYS_wait, pid, 0, 0, 0, 0, 0), E_SUCC, R_EQ, statuses[i]);
		snprintf(what, sizeof(what), "wait(child \"%s\") again", args);
		expect(what, usyscall(SYS_wait, pid, 0, 0, 0, 0, 0), E_INVAL_PID, R_ANY, 0);
		snprintf(what, sizeof(what), "kill(child \"%s\") after its wait", args);
		expect(what, usyscall(SYS_kill, pid, 0, 0, 0, 0, 0), E_INVAL_PID, R_ANY, 0);
	}

	/* Under script (its virtual clock: 1 GHz) the child spins through system
	 * calls: one that never enters the kernel would hold the turn for ever
	 * once picked (nothing preempts user code deterministically). */
	const char *spin = sys_get_tsc_per_ms() == 1000000 ? "spinsys" : "spin";
	r = usyscall(SYS_spawn, me, HELLO_QUOTA, (long)spin, (sys_getcpu() + 1) % sys_ncpu(), 0, 0);
	if (expect("spawn(conform, \"spin\")", r, E_SUCC, R_PID, 0)) {
		pid = (int)r.val;
		sys_sleep(10);
		expect("kill(spinning child)", usyscall(SYS_kill, pid, 0, 0, 0, 0, 0), E_SUCC,
		       R_ZERO, 0);
		expect("wait(killed child)", usyscall(SYS_wait, pid, 0, 0, 0, 0, 0), E_SUCC, R_EQ,
		       EXIT_KILLED);
	}
}

/*
 * send and recv with an echo child: bad buffers are refused without
 * blocking and without losing the message, counts are cut to the buffer.
 */
static void check_channels(int me)
{
	static uint32_t out[4] = { 0x11111111, 0x22222222, 0x33333333, 0x44444444 };
	static uint32_t in[4];
	char args[32];
	struct sysret r;
	int pid, polls = 0;

	snprintf(args, sizeof(args), "echo %d", self);
	r = usyscall(SYS_spawn, me, HELLO_QUOTA, (long)args, (sys_getcpu() + 1) % ncpu, 0, 0);
	if (!expect("spawn(conform, \"echo\")", r, E_SUCC, R_PID, 0))
		return;
	pid = (int)r.val;

	expect("send(child, 0, 4)", usyscall(SYS_send, pid, 0, 4, 0, 0, 0), E_INVAL_ADDR, R_ANY, 0);
	expect("send(child, KADDR, 4)", usyscall(SYS_send, pid, KADDR, 4, 0, 0, 0), E_INVAL_ADDR,
	       R_ANY, 0);
	expect("send(child, USER_HI-4, 2)", usyscall(SYS_send, pid, (long)USER_HI - 4, 2, 0, 0, 0),
	       E_INVAL_ADDR, R_ANY, 0);
	expect("send(child, USER_LO-8, 2)", usyscall(SYS_send, pid, (long)USER_LO - 8, 2, 0, 0, 0),
	       E_INVAL_ADDR, R_ANY, 0);
	expect("send(child, buf, 4)", usyscall(SYS_send, pid, (long)out, 4, 0, 0, 0), E_SUCC, R_EQ,
	       4);

	/* The child sends the 4 words back. */
	while (!sys_is_chan_ready() && polls++ < 100000)
		sys_yield();
	expect("is_chan_ready() with the echo waiting",
	       usyscall(SYS_is_chan_ready, 0, 0, 0, 0, 0, 0), E_SUCC, R_EQ, 1);
	expect("recv(self, 0, 4)", usyscall(SYS_recv, self, 0, 4, 0, 0, 0), E_INVAL_ADDR, R_ANY, 0);
	expect("recv(self, KADDR, 4)", usyscall(SYS_recv, self, KADDR, 4, 0, 0, 0), E_INVAL_ADDR,
	       R_ANY, 0);
	expect("recv(self, USER_HI-4, 2)", usyscall(SYS_recv, self, (long)USER_HI - 4, 2, 0, 0, 0),
	       E_INVAL_ADDR, R_ANY, 0);
	expect("is_chan_ready() after the refused recvs",
	       usyscall(SYS_is_chan_ready, 0, 0, 0, 0, 0, 0), E_SUCC, R_EQ, 1);
	expect("recv(self, buf, 2) of 4 words", usyscall(SYS_recv, self, (long)in, 2, 0, 0, 0),
	       E_SUCC, R_EQ, 2);
	expect("recv: the words", (struct sysret){ E_SUCC, memcmp(in, out, 2 * sizeof(in[0])) },
	       E_SUCC, R_ZERO, 0);
	expect("is_chan_ready() after the recv", usyscall(SYS_is_chan_ready, 0, 0, 0, 0, 0, 0),
	       E_SUCC, R_EQ, 0);
	/* The child's status is what its send returned: the 2 words we copied. */
	expect("wait(echo child): its send's count", usyscall(SYS_wait, pid, 0, 0, 0, 0, 0), E_SUCC,
	       R_EQ, 2);
}

/*
 * Found in review, each checked here:
 * - a one-shot receiver (recv, then exit) must not turn a delivered send
 *   into an error: the send returns the words copied;
 * - recv into a read-only page (our own text) is E_INVAL_ADDR and the
 *   message is still there for the next recv;
 * - a process whose children are stuck (one sending to a sibling that never
 *   receives) still exits: its children are all killed before it waits.
 */
static void check_review_fixes(int me)
{
	static uint32_t w = 0x5a5a5a5a;
	char args[48];
	struct sysret r;
	int pid;

	snprintf(args, sizeof(args), "recv1");
	r = usyscall(SYS_spawn, me, HELLO_QUOTA, (long)args, sys_getcpu(), 0, 0);
	if (expect("spawn(conform, \"recv1\")", r, E_SUCC, R_PID, 0)) {
		pid = (int)r.val;
		expect("send(one-shot receiver, 1 word): delivered",
		       usyscall(SYS_send, pid, (long)&w, 1, 0, 0, 0), E_SUCC, R_EQ, 1);
		expect("wait(one-shot receiver): the word it got",
		       usyscall(SYS_wait, pid, 0, 0, 0, 0, 0), E_SUCC, R_EQ, 0x5a);
	}
	r = usyscall(SYS_spawn, me, HELLO_QUOTA, (long)"recvro", (sys_getcpu() + 1) % ncpu, 0, 0);
	if (expect("spawn(conform, \"recvro\")", r, E_SUCC, R_PID, 0)) {
		pid = (int)r.val;
		expect("send(receiver into its text first): delivered once",
		       usyscall(SYS_send, pid, (long)&w, 1, 0, 0, 0), E_SUCC, R_EQ, 1);
		expect("wait(receiver into its text first)", usyscall(SYS_wait, pid, 0, 0, 0, 0, 0),
		       E_SUCC, R_EQ, 0x5a);
	}
	/* The check needs a child that spins in user code without system calls.
	 * Under oracle=script such a process holds up the whole schedule (its
	 * CPU never reaches an event point, and ticks do not preempt: a scripted
	 * run would stall), and script's clock is virtual: exactly 1 GHz. */
	if (ncpu < 2 || sys_get_tsc_per_ms() == 1000000) {
		printf("conform: skipped the stuck-children exit: it needs 2 CPUs and oracle=hw\n");
		return;
	}
	r = usyscall(SYS_spawn, me, 4 * HELLO_QUOTA, (long)"stuckkids", sys_getcpu(), 0, 0);
	if (expect("spawn(conform, \"stuckkids\")", r, E_SUCC, R_PID, 0)) {
		pid = (int)r.val;
		expect("wait(a parent whose children are stuck): it exits",
		       usyscall(SYS_wait, pid, 0, 0, 0, 0, 0), E_SUCC, R_EQ, 0);
	}
}

/* The children's roles. */
static int role(int argc, char **argv)
{
	static uint32_t words[CHAN_WORDS_MAX];
	long v;
	size_t n;

	if (strcmp(argv[1], "exit") == 0 && argc == 3 && parse_long(argv[2], &v))
		return (int)v;
	if (strcmp(argv[1], "spin") == 0)
		for (;;)
			__asm__ volatile("pause");
	if (strcmp(argv[1], "spinsys") == 0)
		for (;;)
			sys_getpid();
	if (strcmp(argv[1], "recv1") == 0) { /* one message, then gone at once */
		if (sys_recv(sys_getpid(), words, 1, &n) != E_SUCC || n != 1)
			return 100;
		return (int)(words[0] & 0xff);
	}
	if (strcmp(argv[1], "recvro") == 0) { /* our text is read-only: refused, not lost */
		if (sys_recv(sys_getpid(), (void *)(uintptr_t)main, 1, &n) != E_INVAL_ADDR)
			return 101;
		if (sys_recv(sys_getpid(), words, 1, &n) != E_SUCC || n != 1)
			return 102;
		return (int)(words[0] & 0xff);
	}
	if (strcmp(argv[1], "stuckkids") == 0) {
		/* Child B spins on another CPU and never receives; child A sends to
		 * B; then we exit with both alive: both must be killed, A while
		 * asleep in its send.  (B on another CPU: under script a process
		 * that makes no system call keeps its CPU, ticks do not preempt.) */
		int a = 0, b = 0;
		char line[32];
		if (sys_spawn(prog_find("conform"), HELLO_QUOTA, "spin",
			      (sys_getcpu() + 1) % sys_ncpu(), &b) != E_SUCC)
			return 103;
		snprintf(line, sizeof(line), "sendto %d", b);
		if (sys_spawn(prog_find("conform"), HELLO_QUOTA, line, sys_getcpu(), &a) != E_SUCC)
			return 104;
		return 0;
	}
	if (strcmp(argv[1], "sendto") == 0 && argc == 3 && parse_long(argv[2], &v)) {
		uint32_t x = 1;
		sys_send((int)v, &x, 1, &n);
		return 0;
	}
	if (strcmp(argv[1], "echo") == 0 && argc == 3 && parse_long(argv[2], &v)) {
		/* Exit status: the words our echo delivered (the parent takes 2 of 4), or 100+. */
		if (sys_recv(sys_getpid(), words, CHAN_WORDS_MAX, &n) != E_SUCC || n != 4)
			return 100 + (int)n;
		return sys_send((int)v, words, n, &n) == E_SUCC ? (int)n : 99;
	}
	printf("conform: unknown role '%s'\n", argv[1]);
	return 1;
}

int main(int argc, char **argv);

int main(int argc, char **argv)
{
	struct proc_info pi;
	int me;

	if (argc > 1)
		return role(argc, argv);

	self = sys_getpid();
	ncpu = sys_ncpu();
	hello = prog_find("hello");
	me = prog_find("conform");
	nprogs = prog_count();
	for (int s = 0; s < 64; s++) {
		int err = sys_proc_info(s, &pi);

		if (err == E_SUCC && pi.pid == self) {
			myslot = s;
			parent = pi.parent;
		} else if (err == E_INVAL_PID && freeslot < 0) {
			freeslot = s;
		}
	}
	memset(maxargs, 'm', SPAWN_ARGS_MAX - 1);
	memset(longargs, 'l', SPAWN_ARGS_MAX);
	/* "w w ... w": SPAWN_WORDS_MAX words, and one more */
	memset(maxwords, ' ', sizeof(maxwords) - 2);
	memset(manywords, ' ', sizeof(manywords) - 2);
	for (int i = 0; i < SPAWN_WORDS_MAX + 1; i++) {
		if (i < SPAWN_WORDS_MAX)
			maxwords[2 * i] = 'w';
		manywords[2 * i] = 'w';
	}
	memset(buf, 0, sizeof(buf));
	printf("conform: pid %d slot %d parent %d, %d programs, %d cpus, %lu pages\n", self, myslot,
	       parent, nprogs, ncpu, sys_get_quota());

	run_table();
	check_registers(SYS_getpid, E_SUCC);
	check_registers(SYS_NR, E_INVAL_CALLNR);
	check_proc_info();
	if (me >= 0) {
		check_children(me);
		check_channels(me);
		check_review_fixes(me);
	} else {
		expect("prog_find(conform)", (struct sysret){ E_INVAL_ID, 0 }, E_SUCC, R_ANY, 0);
	}

	if (failures > 0) {
		printf("conform: FAIL %d of %d checks\n", failures, checks);
		return 1;
	}
	printf("conform: PASS %d checks\n", checks);
	return 0;
}
