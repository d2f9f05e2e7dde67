/*
 * vmm - a user-level virtual machine monitor over the hvm system calls
 * (11..25, docs/syscalls.md, docs/hvm.md "The vmm"):
 *
 *   vmm                 list the guests
 *   vmm GUEST [CPU]     run GUEST (on CPU: a child vmm spawned there)
 *   vmm all             every guest at once, guest i on CPU i % ncpu
 *
 * Guest-physical 0..64 KiB are pages of this program's .bss (hvm_mmap); the
 * guest's code is copied to 0x1000 and starts in real mode at 0100:0000.
 * The monitor loops on hvm_run_vm + hvm_get_exitinfo and emulates:
 *   - an 8250 at 0x3f8..0x3ff: THR prints the guest's console, a line at a
 *     time prefixed "[vm PID] "; LSR (0x3fd) says the transmitter is empty;
 *   - CPUID: leaf 0x40000000 is ours ("LogkernVMM  "), the rest is this
 *     CPU's answer with the hypervisor bit set and SVM/VMX hidden;
 *   - RDMSR/WRMSR: the kernel's per-VM table (hvm_handle_rdmsr/wrmsr);
 *   - a nested page fault below 16 MiB: a fresh page mapped, the guest retried;
 *   - the doorbell port 0x510: the guest asks for interrupt vector AL; it is
 *     injected when the guest can take it (IF set, no shadow, nothing pending),
 *     else the interrupt window is opened and it is injected at that exit,
 *     or at a HLT with IF set (the guest resumes after the HLT);
 *   - port 0x501: the guest's verdict (0: its script checked out);
 *   - HLT with IF clear and nothing to inject: the guest is finished.
 * Exit status 0 when the guest reported 0, took every interrupt it asked
 * for (and acknowledged each one on the serial port: "ack") and went
 * through each kind of exit its script has; else 1 (2: usage, 3: the CPU
 * has no hardware virtualization, E_INVAL_HVM).
 */
#include "ulib.h"

extern const uint8_t guest_real_start[], guest_real_end[];
extern const uint8_t guest_pm_start[], guest_pm_end[];

static const struct guest {
	const char *name;
	const uint8_t *start, *end;
	const char *what;
} guests[] = {
	{ "hello", guest_real_start, guest_real_end, "real mode: serial, CPUID, MSRs, NPF, 2 IRQs" },
	{ "pm", guest_pm_start, guest_pm_end, "switches to protected mode itself, same script" },
};

/* Exit reasons (Intel basic numbers, docs/hvm.md). */
enum {
	X_EXTINT = 1,
	X_INTWIN = 7,
	X_CPUID = 10,
	X_HLT = 12,
	X_IO = 30,
	X_RDMSR = 31,
	X_WRMSR = 32,
	X_NPF = 48,
};
enum { R_EAX, R_EBX, R_ECX, R_EDX, R_ESP = 7, R_EIP, R_EFLAGS };
enum { S_CS };
#define IO_OUT 1
#define IO_REP 2
#define IO_STR 4
#define FL_IF 0x200

#define COM1 0x3f8
#define PORT_DOORBELL 0x510
#define PORT_VERDICT 0x501

#define GUEST_PAGES 16 /* guest-physical 0 .. 64 KiB */
#define POOL_PAGES 4   /* fresh pages for nested page faults */
#define NPF_LIMIT 0x1000000ul
#define MAX_EXITS 200000    /* a guest that never finishes (host interrupts not counted) */
#define MAX_IRQ_EXITS 20000 /* host interrupts: about 20 s of a guest that never exits */

static uint8_t mem[GUEST_PAGES][PAGE_SIZE] __attribute__((aligned(4096)));
static uint8_t pool[POOL_PAGES][PAGE_SIZE] __attribute__((aligned(4096)));

static long hv(long nr, long a1, long a2, long a3, long a4, long a5, long *val)
{
	struct sysret r = usyscall(nr, a1, a2, a3, a4, a5, 0);
	if (val)
		*val = r.val;
	return r.err;
}

static long get_reg(int r)
{
	long v = 0;
	hv(SYS_hvm_get_reg, r, 0, 0, 0, 0, &v);
	return v;
}

static void set_reg(int r, long v)
{
	hv(SYS_hvm_set_reg, r, v, 0, 0, 0, 0);
}

static void skip(void)
{
	long rip = 0;
	hv(SYS_hvm_get_next_eip, 0, 0, 0, 0, 0, &rip);
	set_reg(R_EIP, rip);
}

struct vmm {
	int pid;
	char line[128];
	int nline;
	long exits, by[64], other;
	int want;     /* vector asked for on the doorbell, -1: none */
	int injected; /* interrupts injected */
	int acks;     /* "ack" lines from the guest */
	bool window;  /* interrupt window open */
	int verdict;  /* -1: none yet */
	int pool_used;
};

static void console(struct vmm *v, char c)
{
	if (c != '\n' && v->nline < (int)sizeof v->line - 1) {
		v->line[v->nline++] = c;
		return;
	}
	v->line[v->nline] = 0;
	printf("[vm %d] %s\n", v->pid, v->line);
	if (v->nline >= 4 && strcmp(v->line + v->nline - 4, " ack") == 0)
		v->acks++; /* the guest's interrupt handler: "irq VEC ack" */
	v->nline = 0;
}

/* Inject the asked-for interrupt if the guest can take it now; else open
 * the interrupt window.  `at_hlt`: the guest is at a HLT (resumed after it). */
static void try_inject(struct vmm *v, bool at_hlt)
{
	if (v->want < 0)
		return;
	long pending = 0, shadow = 0;
	hv(SYS_hvm_check_pending_event, 0, 0, 0, 0, 0, &pending);
	hv(SYS_hvm_check_int_shadow, 0, 0, 0, 0, 0, &shadow);
	bool ok = (get_reg(R_EFLAGS) & FL_IF) && !pending && (at_hlt || !shadow);
	if (ok) {
		if (at_hlt)
			skip(); /* ends the STI shadow of `sti; hlt` too */
		long err = hv(SYS_hvm_inject_event, 0 /* external */, v->want, 0, 0, 0, 0);
		if (err)
			printf("vmm: hvm_inject_event: %s\n", errname(err));
		else
			v->injected++;
		v->want = -1;
	}
	if (ok == v->window) {
		v->window = !ok;
		hv(SYS_hvm_intercept_int_window, v->window, 0, 0, 0, 0, 0);
	}
}

static void cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	__asm__ volatile("cpuid"
			 : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
			 : "a"(leaf), "c"(sub));
}

static void do_cpuid(void)
{
	uint32_t leaf = (uint32_t)get_reg(R_EAX), r[4];
	if (leaf == 0x40000000) {
		r[0] = 0x40000000;
		memcpy(&r[1], "LogkernVMM  ", 12); /* EBX, ECX, EDX */
	} else {
		cpuid(leaf, (uint32_t)get_reg(R_ECX), r);
		if (leaf == 1)
			r[2] = (r[2] | 1u << 31) & ~(1u << 5); /* hypervisor; no VMX */
		if (leaf == 0x80000001)
			r[2] &= ~(1u << 2); /* no SVM */
	}
	for (int i = 0; i < 4; i++)
		set_reg(R_EAX + i, r[i]);
	skip();
}

/* One I/O exit; false: the guest did something this monitor cannot do. */
static bool do_io(struct vmm *v, uint64_t info)
{
	unsigned port = (info >> 16) & 0xffff, width = (info >> 32) & 0xff,
		 flags = (info >> 40) & 0xff;
	if (flags & (IO_REP | IO_STR)) {
		printf("vmm: string I/O on port %#x is not emulated\n", port);
		return false;
	}
	long mask = width >= 4 ? 0xffffffffl : (1l << (8 * width)) - 1;
	long val = get_reg(R_EAX) & mask;
	if (flags & IO_OUT) {
		if (port == COM1)
			console(v, (char)val);
		else if (port == PORT_DOORBELL)
			v->want = (int)(val & 0xff);
		else if (port == PORT_VERDICT)
			v->verdict = (int)(val & 0xff);
	} else {
		long in = mask; /* a port nobody decodes reads all ones */
		if (port == COM1 + 5)
			in = 0x60; /* LSR: THR and transmitter empty */
		else if (port >= COM1 && port < COM1 + 8)
			in = 0;
		set_reg(R_EAX, (get_reg(R_EAX) & ~mask) | in);
	}
	skip();
	if (port == PORT_DOORBELL)
		try_inject(v, false);
	return true;
}

static int run_guest(const struct guest *g)
{
	struct vmm v = { .pid = sys_getpid(), .want = -1, .verdict = -1 };
	/* The first hvm call makes the VM: no support shows here. */
	long err = hv(SYS_hvm_set_reg, R_EIP, 0, 0, 0, 0, 0);
	if (err == E_INVAL_HVM) {
		printf("vmm: E_INVAL_HVM: this CPU has no usable hardware virtualization "
		       "(SVM with nested paging or VMX with EPT and unrestricted guest)\n");
		return 3;
	}
	size_t len = (size_t)(g->end - g->start);
	memcpy(mem[1], g->start, len);
	for (long i = 0; i < GUEST_PAGES; i++) {
		err = hv(SYS_hvm_mmap, i * (long)PAGE_SIZE, (long)mem[i], 6, 0, 0, 0);
		if (err) {
			printf("vmm: hvm_mmap %#lx: %s\n", i * PAGE_SIZE, errname(err));
			return 1;
		}
	}
	hv(SYS_hvm_set_seg, S_CS, 0x100, 0x1000, 0xffff, 0x9b, 0);
	set_reg(R_EIP, 0);
	set_reg(R_ESP, 0x8000);
	set_reg(R_EFLAGS, 2);
	printf("vmm: %s (%lu bytes) on cpu %d\n", g->name, len, sys_getcpu());

	uint64_t t0 = rdtsc();
	bool ok = true, done = false;
	while (ok && !done) {
		long reason = 0, info = 0;
		err = hv(SYS_hvm_run_vm, 0, 0, 0, 0, 0, &reason);
		if (err) {
			printf("vmm: hvm_run_vm: %s\n", errname(err));
			ok = false;
			break;
		}
		hv(SYS_hvm_get_exitinfo, 0, 0, 0, 0, 0, &info);
		v.exits++;
		if (reason >= 0 && reason < 64)
			v.by[reason]++;
		if (v.exits - v.by[X_EXTINT] > MAX_EXITS || v.by[X_EXTINT] > MAX_IRQ_EXITS) {
			printf("vmm: %ld exits (%ld for host interrupts) and the guest has not "
			       "finished\n",
			       v.exits, v.by[X_EXTINT]);
			ok = false;
			break;
		}
		switch (reason) {
		case X_EXTINT: /* a host interrupt: run again */
			break;
		case X_IO:
			ok = do_io(&v, (uint64_t)info);
			break;
		case X_CPUID:
			do_cpuid();
			break;
		case X_RDMSR:
			ok = hv(SYS_hvm_handle_rdmsr, 0, 0, 0, 0, 0, 0) == E_SUCC;
			break;
		case X_WRMSR:
			ok = hv(SYS_hvm_handle_wrmsr, 0, 0, 0, 0, 0, 0) == E_SUCC;
			break;
		case X_INTWIN:
			try_inject(&v, false);
			break;
		case X_HLT:
			if (v.want >= 0 && (get_reg(R_EFLAGS) & FL_IF)) {
				try_inject(&v, true); /* resumed after the HLT */
				break;
			}
			if (v.want >= 0)
				printf("vmm: HLT with IF clear and vector %#x asked for: deadlock\n",
				       v.want);
			done = true;
			break;
		case X_NPF: {
			uint64_t gpa = (uint64_t)info >> 16;
			if (gpa >= NPF_LIMIT || v.pool_used == POOL_PAGES) {
				printf("vmm: guest access to %#lx: no memory there\n", gpa);
				ok = false;
				break;
			}
			err = hv(SYS_hvm_mmap, (long)(gpa & ~0xffful), (long)pool[v.pool_used], 6,
				 0, 0, 0);
			if (err) {
				printf("vmm: hvm_mmap %#lx: %s\n", gpa & ~0xffful, errname(err));
				ok = false;
			} else
				printf("vmm: nested page fault at %#lx: a fresh page there\n", gpa);
			v.pool_used++;
			break;
		}
		default:
			printf("vmm: unexpected exit %ld (info %#lx) at eip %#lx\n", reason, info,
			       get_reg(R_EIP));
			ok = false;
		}
	}
	uint64_t dt = rdtsc() - t0;
	if (v.nline)
		console(&v, '\n');
	/* Exits for host interrupts are left out: how many there are depends on
	 * the timer, and a replayed run must print what the recorded one did.
	 * The time is in TSC cycles (user rdtsc is recorded and replayed), not
	 * ms: the TSC rate is measured at each boot and a replay's differs. */
	printf("vmm: %s: %ld exits (io %ld, cpuid %ld, rdmsr %ld, wrmsr %ld, npf %ld, "
	       "intwin %ld, hlt %ld), %d irqs injected, %d acked, %lu k TSC cycles\n",
	       g->name, v.exits - v.by[X_EXTINT], v.by[X_IO], v.by[X_CPUID], v.by[X_RDMSR],
	       v.by[X_WRMSR], v.by[X_NPF], v.by[X_INTWIN], v.by[X_HLT], v.injected, v.acks,
	       dt / 1000);
	bool script = ok && done && v.verdict == 0 && v.injected == 2 && v.acks == 2 &&
		      v.by[X_CPUID] >= 2 && v.by[X_RDMSR] >= 1 && v.by[X_WRMSR] >= 1 &&
		      v.by[X_NPF] >= 1 && v.by[X_INTWIN] >= 1;
	printf("vmm: %s: %s (guest verdict %d)\n", g->name, script ? "ok" : "FAILED", v.verdict);
	return script ? 0 : 1;
}

static const struct guest *find(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(guests); i++)
		if (strcmp(guests[i].name, name) == 0)
			return &guests[i];
	return NULL;
}

static void list(void)
{
	printf("usage: vmm GUEST [CPU] | vmm all\nguests:\n");
	for (size_t i = 0; i < ARRAY_SIZE(guests); i++)
		printf("  %-6s %s\n", guests[i].name, guests[i].what);
}

/* Run `vmm ARGS` on each CPU of cpus[] at once; 0 if every one exits 0. */
static int spawn_wait(const char *const *args, const int *cpus, int n)
{
	int prog = prog_find("vmm"), pids[8], bad = 0;
	unsigned long quota = sys_get_quota() / (unsigned long)(n + 1);
	for (int i = 0; i < n; i++) {
		long err = sys_spawn(prog, quota, args[i], cpus[i], &pids[i]);
		if (err) {
			printf("vmm: spawn on cpu %d: %s\n", cpus[i], errname(err));
			pids[i] = 0;
			bad++;
		}
	}
	for (int i = 0; i < n; i++) {
		int st = -1;
		if (pids[i] && (sys_wait(pids[i], &st) != E_SUCC || st != 0)) {
			printf("vmm: %s on cpu %d: exit %d\n", args[i], cpus[i], st);
			bad++;
		}
	}
	return bad ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		list();
		return 0;
	}
	if (strcmp(argv[1], "all") == 0) {
		const char *args[ARRAY_SIZE(guests)];
		int cpus[ARRAY_SIZE(guests)];
		for (size_t i = 0; i < ARRAY_SIZE(guests); i++) {
			args[i] = guests[i].name;
			cpus[i] = (int)i % sys_ncpu();
		}
		int r = spawn_wait(args, cpus, (int)ARRAY_SIZE(guests));
		printf("vmm: all: %s\n", r ? "FAILED" : "ok");
		return r;
	}
	const struct guest *g = find(argv[1]);
	if (!g) {
		printf("vmm: no guest %s\n", argv[1]);
		list();
		return 2;
	}
	if (argc > 2) {
		long cpu;
		if (!parse_long(argv[2], &cpu) || cpu < 0 || cpu >= sys_ncpu()) {
			printf("vmm: no cpu %s\n", argv[2]);
			return 2;
		}
		if (cpu != sys_getcpu()) /* a VM runs where it was made: a vmm there */
			return spawn_wait((const char *const[]){ g->name },
					  (const int[]){ (int)cpu }, 1);
	}
	return run_guest(g);
}
