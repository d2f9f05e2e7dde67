/*
 * hvm_syscall.c - the hvm system calls (11..25, the seeds' trap_* specs)
 * over the hvm interface.  See docs/hvm.md and docs/syscalls.md.
 *
 * Each process has at most one VM (one vCPU), made at its first hvm call
 * on the CPU it runs on.  The VM is found by pid and checked against the
 * thread id (which carries a generation): a VM left by a process that has
 * exited is destroyed when its pid is reused, never run again.  Every call
 * is E_INVAL_HVM when the CPU has no usable SVM or VMX.
 */
#include "lib/string.h"
#include "proc/proc.h"
#include "thread/thread.h"
#include "uapi/syscall.h"
#include "vmx/hvm.h"
#include "vmx/vmpage.h"
#include "x86.h"

#define VMSR_MAX 16 /* MSRs a guest may write (kept per VM, never the host's) */
#define MSR_TSC 0x10

static struct hvm_slot {
	struct hvm_vm *vm;
	uint32_t tid; /* the owner's thread id */
	struct hvm_exit last;
	uint32_t nmsr;
	struct {
		uint32_t msr;
		uint64_t val;
	} msrs[VMSR_MAX];
} slots[PROC_MAX];

/* The caller's slot with its VM (made on first use), or NULL: no support. */
static struct hvm_slot *slot_of(struct proc *p)
{
	if (hvm_backend() == HVM_NONE || p->pid <= 0 || p->pid >= PROC_MAX)
		return NULL;
	struct hvm_slot *s = &slots[p->pid];
	/* The calling thread, not p->thread: proc_spawn sets that only after
	 * the thread was started, and a child on another CPU may make its
	 * first hvm call before (it read 0 there, and its VM was remade). */
	uint32_t tid = thread_self()->id;
	if (s->vm && s->tid != tid) /* a dead process's VM (proc_exit releases it) */
		hvm_proc_release(p->pid);
	if (!s->vm) {
		if (hvm_vm_create(&s->vm) != 0) {
			s->vm = NULL;
			return NULL;
		}
		s->tid = tid;
	}
	return s;
}

/* The VM goes first (nothing runs on its pages any more), then its pages
 * are cleared and back to the host, before the process frees them. */
void hvm_proc_release(int pid)
{
	if (pid <= 0 || pid >= PROC_MAX || !slots[pid].vm)
		return;
	hvm_vm_destroy(slots[pid].vm);
	memset(&slots[pid], 0, sizeof slots[pid]);
	vmpage_reclaim_all((uint32_t)pid);
}

#define VM_OR_FAIL(s, p)                                                                           \
	struct hvm_slot *s = slot_of(p);                                                           \
	if (!s)                                                                                    \
	return E_INVAL_HVM

int sys_hvm_run_vm(struct proc *p, const uint64_t *a, uint64_t *ret)
{
	VM_OR_FAIL(s, p);
	if (hvm_run(s->vm, &s->last) != 0)
		return E_INVAL_HVM; /* e.g. the process moved to another CPU */
	*ret = s->last.reason;
	return E_SUCC;
}

int sys_hvm_get_exitinfo(struct proc *p, const uint64_t *a, uint64_t *ret)
{
	VM_OR_FAIL(s, p);
	const struct hvm_exit *e = &s->last;
	uint64_t r = e->reason;
	if (e->reason == HVM_EXIT_IO)
		r |= (uint64_t)e->port << 16 | (uint64_t)e->width << 32 | (uint64_t)e->flags << 40;
	else if (e->reason == HVM_EXIT_NPF)
		r |= e->fault_gpa << 16; /* guest-physical addresses are below 2^48 */
	*ret = r;
	return E_SUCC;
}

int sys_hvm_mmap(struct proc *p, const uint64_t *a, uint64_t *ret)
{
	VM_OR_FAIL(s, p);
	uint64_t gpa = a[0], hva = a[1];
	if ((gpa | hva) & 0xfff || gpa >> 48 || hva < USER_LO || hva > USER_HI - 4096)
		return E_INVAL_ADDR;
	uint64_t hpa = uvm_page(&p->vm, hva, true); /* reserved within the quota if missing */
	if (!hpa)
		return E_MEM;
	int held = vmpage_give(hpa & ~0xfffull, hva, (uint32_t)p->pid);
	if (held > 0)
		return E_INVAL_PID; /* the page is another VM's (vmpage.c) */
	if (held < 0)
		return E_MEM; /* VMPAGE_MAX pages given already */
	return hvm_map(s->vm, gpa, hpa & ~0xfffull, HVM_PROT_RWX) == 0 ? E_SUCC : E_MEM;
}

int sys_hvm_set_seg(struct proc *p, const uint64_t *a, uint64_t *ret)
{
	VM_OR_FAIL(s, p);
	if (a[0] >= HVM_SEG_MAX)
		return E_INVAL_SEG;
	struct hvm_seg seg = { (uint16_t)a[1], a[2], (uint32_t)a[3], (uint32_t)a[4] };
	hvm_set_seg(s->vm, (enum hvm_seg_id)a[0], &seg);
	return E_SUCC;
}

int sys_hvm_set_reg(struct proc *p, const uint64_t *a, uint64_t *ret)
{
	VM_OR_FAIL(s, p);
	if (a[0] >= HVM_REG_MAX)
		return E_INVAL_REG;
	hvm_set_reg(s->vm, (enum hvm_reg)a[0], a[1]);
	return E_SUCC;
}

int sys_hvm_get_reg(struct proc *p, const uint64_t *a, uint64_t *ret)
{
	VM_OR_FAIL(s, p);
	if (a[0] >= HVM_REG_MAX)
		return E_INVAL_REG;
	*ret = hvm_get_reg(s->vm, (enum hvm_reg)a[0]);
	return E_SUCC;
}

int sys_hvm_get_next_eip(struct proc *p, const uint64_t *a, uint64_t *ret)
{
	VM_OR_FAIL(s, p);
	*ret = hvm_next_rip(s->vm);
	return E_SUCC;
}

int sys_hvm_inject_event(struct proc *p, const uint64_t *a, uint64_t *ret)
{
	VM_OR_FAIL(s, p);
	if (a[0] >= HVM_EV_MAX || a[1] > 255 || a[2] > 0xffffffffull)
		return E_INVAL_EVENT;
	int r = hvm_inject(s->vm, (enum hvm_event)a[0], (uint8_t)a[1], (uint32_t)a[2], a[3] != 0);
	return r == 0 ? E_SUCC : E_INVAL_EVENT;
}

int sys_hvm_check_pending_event(struct proc *p, const uint64_t *a, uint64_t *ret)
{
	VM_OR_FAIL(s, p);
	*ret = hvm_pending_event(s->vm);
	return E_SUCC;
}

int sys_hvm_check_int_shadow(struct proc *p, const uint64_t *a, uint64_t *ret)
{
	VM_OR_FAIL(s, p);
	*ret = hvm_int_shadow(s->vm);
	return E_SUCC;
}

int sys_hvm_intercept_int_window(struct proc *p, const uint64_t *a, uint64_t *ret)
{
	VM_OR_FAIL(s, p);
	hvm_intercept_intwin(s->vm, a[0] != 0);
	return E_SUCC;
}

int sys_hvm_get_tsc_offset(struct proc *p, const uint64_t *a, uint64_t *ret)
{
	VM_OR_FAIL(s, p);
	*ret = hvm_get_tsc_offset(s->vm); /* all 64 bits in one result */
	return E_SUCC;
}

int sys_hvm_set_tsc_offset(struct proc *p, const uint64_t *a, uint64_t *ret)
{
	VM_OR_FAIL(s, p);
	hvm_set_tsc_offset(s->vm, a[0] << 32 | (a[1] & 0xffffffffull)); /* (high, low) */
	return E_SUCC;
}

static void skip_insn(struct hvm_vm *vm)
{
	hvm_set_reg(vm, HVM_EIP, hvm_next_rip(vm));
}

int sys_hvm_handle_rdmsr(struct proc *p, const uint64_t *a, uint64_t *ret)
{
	VM_OR_FAIL(s, p);
	uint32_t msr = (uint32_t)hvm_get_reg(s->vm, HVM_ECX);
	uint64_t v = 0;
	if (msr == MSR_TSC)
		v = rdtsc() + hvm_get_tsc_offset(s->vm);
	for (uint32_t i = 0; i < s->nmsr; i++)
		if (s->msrs[i].msr == msr)
			v = s->msrs[i].val;
	hvm_set_reg(s->vm, HVM_EAX, v & 0xffffffffull);
	hvm_set_reg(s->vm, HVM_EDX, v >> 32);
	skip_insn(s->vm);
	return E_SUCC;
}

int sys_hvm_handle_wrmsr(struct proc *p, const uint64_t *a, uint64_t *ret)
{
	VM_OR_FAIL(s, p);
	uint32_t msr = (uint32_t)hvm_get_reg(s->vm, HVM_ECX);
	uint64_t v =
		hvm_get_reg(s->vm, HVM_EDX) << 32 | (hvm_get_reg(s->vm, HVM_EAX) & 0xffffffffull);
	uint32_t i = 0;
	while (i < s->nmsr && s->msrs[i].msr != msr)
		i++;
	if (i == VMSR_MAX) { /* full: the oldest entry goes */
		i = VMSR_MAX - 1;
		memmove(&s->msrs[0], &s->msrs[1], sizeof s->msrs[0] * i);
	} else if (i == s->nmsr) {
		s->nmsr++;
	}
	s->msrs[i].msr = msr;
	s->msrs[i].val = v;
	skip_insn(s->vm);
	return E_SUCC;
}
