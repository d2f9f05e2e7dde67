/*
 * In-kernel tests of hardware virtualization (kern/vmx): the real-mode
 * guest kern/vmx/guests/hello.S runs under whichever backend the CPU has,
 * with its I/O, CPUID and MSR exits emulated here.
 *
 *   hvm_svm_guest   under SVM (QEMU TCG -cpu max / EPYC, Bochs ryzen)
 *   hvm_vmx_guest   under VMX (Bochs corei7_haswell_4770 / tigerlake)
 *   hvm_bench       VM exit/resume round trips per second (test=hvm_bench)
 *
 * Without the backend a test prints why and passes as a skip.
 */
#include "boot/kargs.h"
#include "dev/timer.h"
#include "lib/ktest.h"
#include "lib/string.h"
#include "mm/palloc.h"
#include "mm/uvm.h"
#include "proc/proc.h"
#include "thread/thread.h"
#include "uapi/syscall.h"
#include "log/log.h"
#include "vmx/hvm.h"
#include "vmx/vmpage.h"
#include "vmx/vmpage_log.h"
#include "x86.h"

#define GUEST_PAGES 16 /* guest-physical 0 .. 64 KiB */
#define GUEST_CODE 0x1000
#define GUEST_HOLE 0x30000 /* left unmapped until the guest touches it */

struct guest {
	struct hvm_vm *vm;
	void *pages[GUEST_PAGES];
	void *hole;
};

static bool guest_make(struct guest *g, uint16_t ip)
{
	memset(g, 0, sizeof *g);
	if (hvm_vm_create(&g->vm) != 0)
		return false;
	for (int i = 0; i < GUEST_PAGES; i++) {
		g->pages[i] = palloc();
		if (!g->pages[i] ||
		    hvm_map(g->vm, (uint64_t)i * 4096, (uint64_t)g->pages[i], HVM_PROT_RWX) != 0)
			return false;
	}
	size_t n = (size_t)(guest_hello_end - guest_hello_start);
	memcpy((uint8_t *)g->pages[GUEST_CODE / 4096], guest_hello_start, n);
	hvm_reset_real(g->vm, GUEST_CODE >> 4, ip);
	return true;
}

static void guest_free(struct guest *g)
{
	hvm_vm_destroy(g->vm);
	for (int i = 0; i < GUEST_PAGES; i++)
		if (g->pages[i])
			pfree(g->pages[i]);
	if (g->hole)
		pfree(g->hole);
}

static bool skip_unless(enum hvm_backend_kind want, const char *test)
{
	if (hvm_backend() == want)
		return false;
	if (hvm_backend() == HVM_NONE)
		kprintf("    # SKIP %s: no hardware virtualization: %s\n", test, hvm_why_none());
	else
		kprintf("    # SKIP %s: this CPU has %s\n", test, hvm_backend_name());
	return true;
}

static void run_hello(void)
{
	struct guest g;
	bool made = guest_make(&g, 0);
	KT_EXPECT(made);
	if (!made) {
		guest_free(&g);
		return;
	}
	char out[64];
	int nout = 0, ncpuid = 0, nnpf = 0, nrd = 0, nwr = 0, nhlt = 0, nother = 0;
	uint64_t npf_gpa = 0, wrval = 0;
	uint32_t seq[64]; /* exit reasons in order (after the I/O run) */
	int nseq = 0;
	struct hvm_exit ex;
	for (int step = 0; step < 10000 && !nhlt; step++) {
		int r = hvm_run(g.vm, &ex);
		if (r != 0) {
			kprintf("    # hvm_run: %d\n", r);
			KT_EXPECT(r == 0);
			break;
		}
		uint64_t rip = hvm_get_reg(g.vm, HVM_EIP);
		if (ex.reason == HVM_EXIT_EXTINT) /* a host interrupt: the host took it */
			continue;
		if (ex.reason != HVM_EXIT_IO && nseq < 64)
			seq[nseq++] = ex.reason;
		switch (ex.reason) {
		case HVM_EXIT_IO:
			KT_EXPECT_EQ(ex.port, 0x3f8);
			KT_EXPECT_EQ(ex.width, 1);
			KT_EXPECT_EQ(ex.flags, HVM_IO_OUT);
			KT_EXPECT_EQ(ex.next_rip, rip + 1); /* out %al,%dx is one byte */
			if (nout < (int)sizeof out - 1)
				out[nout++] = (char)hvm_get_reg(g.vm, HVM_EAX);
			hvm_set_reg(g.vm, HVM_EIP, hvm_next_rip(g.vm));
			break;
		case HVM_EXIT_CPUID:
			ncpuid++;
			KT_EXPECT_EQ(hvm_get_reg(g.vm, HVM_EAX) & 0xffffffff, 0);
			KT_EXPECT_EQ(ex.next_rip, rip + 2); /* 0f a2 */
			hvm_set_reg(g.vm, HVM_EAX, 1);
			hvm_set_reg(g.vm, HVM_EBX, 0x6b676f4c); /* "LogkernHVMvm" */
			hvm_set_reg(g.vm, HVM_EDX, 0x486e7265);
			hvm_set_reg(g.vm, HVM_ECX, 0x6d764d56);
			hvm_set_reg(g.vm, HVM_EIP, ex.next_rip);
			break;
		case HVM_EXIT_NPF:
			nnpf++;
			npf_gpa = ex.fault_gpa;
			if (nnpf > 1 || (ex.fault_gpa & ~0xfffull) != GUEST_HOLE)
				break; /* a second fault: reported below */
			g.hole = palloc();
			KT_EXPECT(g.hole != NULL);
			if (g.hole)
				KT_EXPECT_EQ(
					hvm_map(g.vm, GUEST_HOLE, (uint64_t)g.hole, HVM_PROT_RWX), 0);
			break; /* not advanced: the write is retried */
		case HVM_EXIT_RDMSR:
			nrd++;
			KT_EXPECT_EQ(hvm_get_reg(g.vm, HVM_ECX) & 0xffffffff, 0x10);
			KT_EXPECT_EQ(ex.next_rip, rip + 2);
			hvm_set_reg(g.vm, HVM_EAX, 41);
			hvm_set_reg(g.vm, HVM_EDX, 7);
			hvm_set_reg(g.vm, HVM_EIP, ex.next_rip);
			break;
		case HVM_EXIT_WRMSR:
			nwr++;
			wrval = (hvm_get_reg(g.vm, HVM_EDX) << 32) |
				(hvm_get_reg(g.vm, HVM_EAX) & 0xffffffff);
			hvm_set_reg(g.vm, HVM_EIP, ex.next_rip);
			break;
		case HVM_EXIT_HLT:
			nhlt++;
			KT_EXPECT_EQ(ex.next_rip, rip + 1);
			break;
		default:
			nother++;
			kprintf("    # unexpected exit %u (raw 0x%lx qual 0x%lx info2 0x%lx err 0x%lx) "
				"at rip 0x%lx\n",
				ex.reason, ex.raw, ex.qual, ex.info2, ex.entry_error, rip);
			nhlt = -1; /* stop */
		}
		if (nnpf > 1)
			break;
	}
	out[nout] = 0;
	bool nl = nout > 0 && out[nout - 1] == '\n';
	kprintf("    # guest said: \"%.*s%s\" (%d I/O exits)\n", nl ? nout - 1 : nout, out,
		nl ? "\\n" : "", nout);
	KT_EXPECT(strcmp(out, "hello from guest\n") == 0);
	KT_EXPECT_EQ(ncpuid, 1);
	KT_EXPECT_EQ(nnpf, 1);
	KT_EXPECT_EQ(npf_gpa, GUEST_HOLE + 0x10);
	KT_EXPECT_EQ(nrd, 1);
	KT_EXPECT_EQ(nwr, 1);
	KT_EXPECT_EQ(wrval, (7ull << 32) | 42);
	KT_EXPECT_EQ(nhlt, 1);
	KT_EXPECT_EQ(nother, 0);
	static const uint32_t want[] = { HVM_EXIT_CPUID, HVM_EXIT_NPF, HVM_EXIT_RDMSR,
					 HVM_EXIT_WRMSR, HVM_EXIT_HLT };
	KT_EXPECT_EQ(nseq, 5);
	for (int i = 0; i < 5 && i < nseq; i++)
		KT_EXPECT_EQ(seq[i], want[i]);
	/* The guest's own view: the vendor string it stored, the value in the hole. */
	const char *vendor =
		(const char *)g.pages[GUEST_CODE / 4096] + (guest_hello_vendor - guest_hello_start);
	KT_EXPECT(memcmp(vendor, "LogkernHVMvm", 12) == 0);
	if (g.hole)
		KT_EXPECT_EQ(*(volatile uint32_t *)((uint8_t *)g.hole + 0x10), 0x600dcafe);
	/* Register and TSC-offset round trips through the interface. */
	hvm_set_tsc_offset(g.vm, 0x123456789ull);
	KT_EXPECT_EQ(hvm_get_tsc_offset(g.vm), 0x123456789ull);
	struct hvm_seg cs;
	hvm_get_seg(g.vm, HVM_CS, &cs);
	KT_EXPECT_EQ(cs.sel, GUEST_CODE >> 4);
	KT_EXPECT_EQ(cs.base, GUEST_CODE);
	KT_EXPECT(!hvm_pending_event(g.vm));
	guest_free(&g);
}

KTEST(hvm_svm_guest)
{
	if (!skip_unless(HVM_SVM, "hvm_svm_guest"))
		run_hello();
}

KTEST(hvm_vmx_guest)
{
	if (!skip_unless(HVM_VMX, "hvm_vmx_guest"))
		run_hello();
}

/* Exit/resume round trips per second: the guest loops on OUT to port 0x80. */
KTEST_EXPLICIT(hvm_bench)
{
	if (hvm_backend() == HVM_NONE) {
		kprintf("    # SKIP hvm_bench: %s\n", hvm_why_none());
		return;
	}
	unsigned long n;
	if (!karg_size("bench_rounds", 20000, 1, 100000000, &n)) {
		KT_EXPECT(!"bench_rounds is a number 1..10^8");
		return;
	}
	struct guest g;
	bool made = guest_make(&g, (uint16_t)(guest_hello_bench - guest_hello_start));
	KT_EXPECT(made);
	if (!made) {
		guest_free(&g);
		return;
	}
	unsigned long done = 0;
	struct hvm_exit ex;
	uint64_t t0 = rdtsc();
	uint64_t intr = 0;
	while (done < n) {
		if (hvm_run(g.vm, &ex) != 0)
			break;
		if (ex.reason == HVM_EXIT_EXTINT) {
			intr++;
			continue;
		}
		if (ex.reason != HVM_EXIT_IO || ex.port != 0x80)
			break;
		hvm_set_reg(g.vm, HVM_EIP, ex.next_rip);
		done++;
	}
	uint64_t dt = rdtsc() - t0;
	KT_EXPECT_EQ(done, n);
	uint64_t per_s = dt ? done * tsc_hz() / dt : 0;
	kprintf("    # %s: %lu exit/resume round trips in %lu ms: %lu per second, %lu TSC "
		"cycles each (%lu host interrupts)\n",
		hvm_backend_name(), done, dt * 1000 / tsc_hz(), per_s, done ? dt / done : 0, intr);
	guest_free(&g);
}

/*
 * The system calls (kern/vmx/hvm_syscall.c) called as the dispatcher calls
 * them, for a stand-in process with its own user address space: argument
 * checks and error codes, then the hello guest from user pages.
 */
/*
 * Page ownership (kern/vmx/vmpage.c): the pages p gave its VM are its VM's;
 * another process whose address space names one of them (here: q shares
 * p's page tables) is refused it; when p's VM goes, each page is cleared
 * (the guest's 0x600dcafe is gone) and the host's again, so q may have it.
 */
static void check_ownership(struct proc *p, uint64_t hole)
{
	static struct proc q;
	uint64_t ret = 0;
	memset(&q, 0, sizeof q);
	q.pid = PROC_MAX - 2;
	q.thread = thread_self();
	q.vm = p->vm; /* the same pages: what no two processes have, but a bug could make */
	KT_EXPECT(hole != 0);
	if (!hole)
		return;
	KT_EXPECT_EQ(vmpage_owner(hole), (uint32_t)p->pid);
	KT_EXPECT_EQ(sys_hvm_mmap(&q, (const uint64_t[3]){ 0, USER_LO + 0x100000, 6 }, &ret),
		     E_INVAL_PID);
	KT_EXPECT_EQ(sys_hvm_mmap(&q, (const uint64_t[3]){ 0, USER_LO + 0x200000, 6 }, &ret),
		     E_SUCC); /* a page nobody gave */
	const struct vmpage_state *vs = log_state(log_find("vmpages"));
	KT_EXPECT(vs && vs->refused >= 1 && vs->owned >= GUEST_PAGES + 2);
	KT_EXPECT(vmpage_check() == NULL);
	hvm_proc_release(p->pid);
	KT_EXPECT_EQ(vmpage_owner(hole), 0);
	uint64_t nonzero = 0;
	for (int i = 0; i < 512; i++)
		nonzero += ((volatile uint64_t *)hole)[i] != 0;
	KT_EXPECT_EQ(nonzero, 0); /* cleared before it went back */
	KT_EXPECT_EQ(sys_hvm_mmap(&q, (const uint64_t[3]){ 0x1000, USER_LO + 0x100000, 6 }, &ret),
		     E_SUCC);
	KT_EXPECT_EQ(vmpage_owner(hole), (uint32_t)q.pid);
	hvm_proc_release(q.pid);
	KT_EXPECT_EQ(vmpage_owner(hole), 0);
	KT_EXPECT(vmpage_check() == NULL);
	p->vm = q.vm; /* its count has the page q reserved: p's destroy frees it */
}

#define SYS(name, ...) sys_##name(&p, (const uint64_t[5]){ __VA_ARGS__ }, &ret)

KTEST(hvm_syscalls)
{
	static struct proc p; /* pid 63, the caller's thread, a fresh address space */
	memset(&p, 0, sizeof p);
	p.pid = PROC_MAX - 1;
	p.thread = thread_self();
	uint64_t ret = 0;
	if (hvm_backend() == HVM_NONE) {
		KT_EXPECT_EQ(SYS(hvm_run_vm, 0), E_INVAL_HVM);
		KT_EXPECT_EQ(SYS(hvm_set_reg, 99, 0), E_INVAL_HVM); /* support is checked first */
		kprintf("    # SKIP hvm_syscalls: %s (all E_INVAL_HVM)\n", hvm_why_none());
		return;
	}
	KT_EXPECT(uvm_create(&p.vm, 0));
	KT_EXPECT_EQ(SYS(hvm_set_reg, HVM_REG_MAX, 0), E_INVAL_REG);
	KT_EXPECT_EQ(SYS(hvm_get_reg, HVM_REG_MAX), E_INVAL_REG);
	KT_EXPECT_EQ(SYS(hvm_set_seg, HVM_SEG_MAX, 0, 0, 0, 0), E_INVAL_SEG);
	KT_EXPECT_EQ(SYS(hvm_inject_event, HVM_EV_MAX, 0, 0, 0), E_INVAL_EVENT);
	KT_EXPECT_EQ(SYS(hvm_inject_event, HVM_EV_EXCEPTION, 32, 0, 0), E_INVAL_EVENT);
	KT_EXPECT_EQ(SYS(hvm_mmap, 0x1001, USER_LO, 0), E_INVAL_ADDR);
	KT_EXPECT_EQ(SYS(hvm_mmap, 0, USER_LO + 1, 0), E_INVAL_ADDR);
	KT_EXPECT_EQ(SYS(hvm_mmap, 0, 0x100000, 0), E_INVAL_ADDR); /* kernel memory */
	KT_EXPECT_EQ(SYS(hvm_mmap, 0, USER_HI, 0), E_INVAL_ADDR);
	KT_EXPECT_EQ(SYS(hvm_set_tsc_offset, 0x12, 0x3456789a), E_SUCC);
	KT_EXPECT_EQ(SYS(hvm_get_tsc_offset), E_SUCC);
	KT_EXPECT_EQ(ret, 0x123456789aull);
	/* Guest memory 0..64 KiB from user pages USER_LO.., the code at 0x1000. */
	for (uint64_t i = 0; i < GUEST_PAGES; i++)
		KT_EXPECT_EQ(SYS(hvm_mmap, i * 4096, USER_LO + i * 4096, 6), E_SUCC);
	uint64_t code = uvm_page(&p.vm, USER_LO + GUEST_CODE, false);
	KT_EXPECT(code != 0);
	if (code)
		memcpy((void *)code, guest_hello_start,
		       (size_t)(guest_hello_end - guest_hello_start));
	KT_EXPECT_EQ(SYS(hvm_set_seg, HVM_CS, GUEST_CODE >> 4, GUEST_CODE, 0xffff, 0x9b), E_SUCC);
	KT_EXPECT_EQ(SYS(hvm_set_reg, HVM_EIP, 0), E_SUCC);
	char out[32];
	int nout = 0, seen_npf = 0, seen_hlt = 0;
	for (int step = 0; step < 10000 && !seen_hlt; step++) {
		KT_EXPECT_EQ(SYS(hvm_run_vm), E_SUCC);
		uint64_t reason = ret;
		KT_EXPECT_EQ(SYS(hvm_get_exitinfo), E_SUCC);
		KT_EXPECT_EQ(ret & 0xffff, reason);
		if (reason == HVM_EXIT_IO) {
			KT_EXPECT_EQ(ret >> 16, 0x3f8 | 1ull << 16 | (uint64_t)HVM_IO_OUT << 24);
			SYS(hvm_get_reg, HVM_EAX);
			if (nout < (int)sizeof out - 1)
				out[nout++] = (char)ret;
			SYS(hvm_get_next_eip);
			SYS(hvm_set_reg, HVM_EIP, ret);
		} else if (reason == HVM_EXIT_CPUID) {
			SYS(hvm_get_next_eip);
			SYS(hvm_set_reg, HVM_EIP, ret);
		} else if (reason == HVM_EXIT_NPF) {
			seen_npf++;
			KT_EXPECT_EQ(ret >> 16, GUEST_HOLE + 0x10);
			KT_EXPECT_EQ(SYS(hvm_mmap, GUEST_HOLE, USER_LO + 0x100000, 6), E_SUCC);
		} else if (reason == HVM_EXIT_RDMSR) {
			KT_EXPECT_EQ(SYS(hvm_handle_rdmsr), E_SUCC); /* the TSC + the offset */
		} else if (reason == HVM_EXIT_WRMSR) {
			KT_EXPECT_EQ(SYS(hvm_handle_wrmsr), E_SUCC); /* kept in the VM, not the host */
		} else if (reason == HVM_EXIT_HLT) {
			seen_hlt = 1;
		} else if (reason != HVM_EXIT_EXTINT) {
			kprintf("    # unexpected exit %lu\n", reason);
			break;
		}
	}
	out[nout] = 0;
	KT_EXPECT(strcmp(out, "hello from guest\n") == 0);
	KT_EXPECT_EQ(seen_npf, 1);
	KT_EXPECT_EQ(seen_hlt, 1);
	uint64_t hole = uvm_page(&p.vm, USER_LO + 0x100000, false) & ~0xfffull;
	KT_EXPECT(hole && *(volatile uint32_t *)(hole + 0x10) == 0x600dcafe);
	/* The guest's WRMSR went to the VM's own MSR table: reading it back. */
	SYS(hvm_set_reg, HVM_ECX, 0x10);
	KT_EXPECT_EQ(SYS(hvm_handle_rdmsr), E_SUCC);
	SYS(hvm_get_reg, HVM_EAX);
	uint64_t lo = ret;
	KT_EXPECT(lo != 0);
	check_ownership(&p, hole);
	uvm_destroy(&p.vm);
}
