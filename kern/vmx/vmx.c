/*
 * vmx.c - the Intel VMX backend: VMXON per CPU, one VMCS per VM (revision
 * id from IA32_VMX_BASIC, controls adjusted to the capability MSRs), EPT,
 * unrestricted guest (real mode without emulation), VMLAUNCH/VMRESUME in
 * vmx_run.S.
 *
 * Facts from the Intel SDM vol. 3C: chapter 24 (VMCS fields, appendix B
 * encodings), 25-27 (controls, entry checks, exit information), 28 (EPT),
 * appendix A (capability MSRs).
 */
#include "lib/kprintf.h"
#include "lib/string.h"
#include "mm/palloc.h"
#include "mp/cpu.h"
#include "vmx/hvm_impl.h"
#include "x86.h"

#define CPUID1_ECX_VMX (1u << 5)
#define MSR_FEATURE_CONTROL 0x3a
#define FC_LOCK 1ull
#define FC_VMX_OUTSIDE_SMX 4ull
#define MSR_VMX_BASIC 0x480
#define MSR_VMX_PINBASED 0x481
#define MSR_VMX_PROCBASED 0x482
#define MSR_VMX_EXIT 0x483
#define MSR_VMX_ENTRY 0x484
#define MSR_VMX_CR0_FIXED0 0x486
#define MSR_VMX_CR0_FIXED1 0x487
#define MSR_VMX_CR4_FIXED0 0x488
#define MSR_VMX_CR4_FIXED1 0x489
#define MSR_VMX_PROCBASED2 0x48b
#define MSR_VMX_EPT_VPID_CAP 0x48c
#define MSR_VMX_TRUE_PINBASED 0x48d
#define MSR_VMX_TRUE_PROCBASED 0x48e
#define MSR_VMX_TRUE_EXIT 0x48f
#define MSR_VMX_TRUE_ENTRY 0x490
#define MSR_FS_BASE 0xc0000100u
#define MSR_PAT 0x277
#define CR4_VMXE (1ull << 13)

/* Controls */
#define PIN_EXTINT (1u << 0)
#define PIN_NMI (1u << 3)
#define PROC_INTWIN (1u << 2)
#define PROC_TSC_OFFSET (1u << 3)
#define PROC_HLT (1u << 7)
#define PROC_IO_UNCOND (1u << 24)
#define PROC_SECONDARY (1u << 31)
#define PROC2_EPT (1u << 1)
#define PROC2_UNRESTRICTED (1u << 7)
#define EXIT_HOST_64 (1u << 9)
#define EXIT_SAVE_PAT (1u << 18)
#define EXIT_LOAD_PAT (1u << 19)
#define EXIT_SAVE_EFER (1u << 20)
#define EXIT_LOAD_EFER (1u << 21)
#define ENTRY_LOAD_PAT (1u << 14)
#define ENTRY_LOAD_EFER (1u << 15)

/* VMCS field encodings */
enum {
	G_ES_SEL = 0x800, /* ES CS SS DS FS GS LDTR TR: +2 each */
	H_ES_SEL = 0xc00, /* ES CS SS DS FS GS TR */
	EPT_POINTER = 0x201a,
	TSC_OFFSET = 0x2010,
	GUEST_PHYS = 0x2400,
	LINK_PTR = 0x2800,
	G_DEBUGCTL = 0x2802,
	G_PAT = 0x2804,
	G_EFER = 0x2806,
	H_PAT = 0x2c00,
	H_EFER = 0x2c02,
	PIN_CTLS = 0x4000,
	PROC_CTLS = 0x4002,
	EXC_BITMAP = 0x4004,
	CR3_TARGETS = 0x400a,
	EXIT_CTLS = 0x400c,
	EXIT_MSR_STORE = 0x400e,
	EXIT_MSR_LOAD = 0x4010,
	ENTRY_CTLS = 0x4012,
	ENTRY_MSR_LOAD = 0x4014,
	ENTRY_INTR = 0x4016,
	ENTRY_ERR = 0x4018,
	ENTRY_LEN = 0x401a,
	PROC2_CTLS = 0x401e,
	INSN_ERROR = 0x4400,
	EXIT_REASON = 0x4402,
	EXIT_INTR_INFO = 0x4404,
	IDT_VEC_INFO = 0x4408,
	IDT_VEC_ERR = 0x440a,
	EXIT_LEN = 0x440c,
	G_ES_LIMIT = 0x4800, /* ES .. TR, then GDTR 0x4810, IDTR 0x4812 */
	G_ES_AR = 0x4814,    /* ES .. TR */
	G_INTERRUPTIBILITY = 0x4824,
	G_ACTIVITY = 0x4826,
	G_SYSENTER_CS = 0x482a,
	H_SYSENTER_CS = 0x4c00,
	CR0_MASK = 0x6000,
	CR4_MASK = 0x6002,
	CR0_SHADOW = 0x6004,
	CR4_SHADOW = 0x6006,
	EXIT_QUAL = 0x6400,
	G_LINEAR = 0x640a,
	G_CR0 = 0x6800,
	G_CR3 = 0x6802,
	G_CR4 = 0x6804,
	G_ES_BASE = 0x6806, /* ES .. TR, then GDTR 0x6816, IDTR 0x6818 */
	G_DR7 = 0x681a,
	G_RSP = 0x681c,
	G_RIP = 0x681e,
	G_RFLAGS = 0x6820,
	G_PENDING_DBG = 0x6822,
	G_SYSENTER_ESP = 0x6824,
	G_SYSENTER_EIP = 0x6826,
	H_CR0 = 0x6c00,
	H_CR3 = 0x6c02,
	H_CR4 = 0x6c04,
	H_FS_BASE = 0x6c06,
	H_GS_BASE = 0x6c08,
	H_TR_BASE = 0x6c0a,
	H_GDTR_BASE = 0x6c0c,
	H_IDTR_BASE = 0x6c0e,
	H_SYSENTER_ESP = 0x6c10,
	H_SYSENTER_EIP = 0x6c12,
	H_RSP = 0x6c14,
	H_RIP = 0x6c16,
};

/* Basic exit reasons handled here */
#define ER_EXC_NMI 0
#define ER_EXTINT 1
#define ER_TRIPLE 2
#define ER_INTWIN 7
#define ER_CPUID 10
#define ER_HLT 12
#define ER_RDTSC 16
#define ER_VMCALL 18
#define ER_IO 30
#define ER_RDMSR 31
#define ER_WRMSR 32
#define ER_BAD_GUEST 33
#define ER_EPT 48
#define ER_EPT_MISCONFIG 49

#define INTR_VALID (1u << 31)
#define INTR_ERR (1u << 11)

/* vmx_run.S: enter the guest (VMLAUNCH if !launched, else VMRESUME) and come
 * back at its exit (0), or 1 if the instruction failed. */
int vmx_enter(struct hvm_gprs *g, int launched);
extern const char vmx_exit_point[];

static uint32_t revision;
static uint32_t pin_ctl, proc_ctl, proc2_ctl, exit_ctl, entry_ctl;
static uint64_t cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;

static struct vmx_cpu {
	bool on;
	void *vmxon;
	struct hvm_vm *current; /* the VMCS loaded here */
} percpu[MAXCPU];

static inline uint64_t vmread(uint64_t field)
{
	uint64_t v;
	__asm__ volatile("vmread %1, %0" : "=r"(v) : "r"(field) : "cc");
	return v;
}

static inline bool vmwrite(uint64_t field, uint64_t v)
{
	uint8_t bad;
	__asm__ volatile("vmwrite %2, %1; setna %0" : "=q"(bad) : "r"(field), "r"(v) : "cc");
	return !bad;
}

/* VMXON / VMCLEAR / VMPTRLD take the physical address in memory. */
#define VMX_PA_INSN(insn)                                                                          \
	static inline bool insn##_pa(uint64_t pa)                                                  \
	{                                                                                          \
		uint8_t bad;                                                                       \
		__asm__ volatile(#insn " %1; setna %0" : "=q"(bad) : "m"(pa) : "cc", "memory");    \
		return !bad;                                                                       \
	}
VMX_PA_INSN(vmxon)
VMX_PA_INSN(vmclear)
VMX_PA_INSN(vmptrld)

static uint64_t ept_caps;
#define EPT_CAP_INVEPT (1ull << 20)
#define EPT_CAP_SINGLE (1ull << 25)
#define EPT_CAP_ALL (1ull << 26)

static uint64_t eptp(struct hvm_vm *vm)
{
	return vm->nptpa | 6 /* write-back */ | (3 << 3) /* 4 levels */;
}

/* Invalidate the guest-physical translations cached for vm's EPT (one
 * context if the CPU can, else all). */
static void invept(struct hvm_vm *vm)
{
	if (!(ept_caps & EPT_CAP_INVEPT))
		return;
	struct {
		uint64_t eptp, zero;
	} desc = { eptp(vm), 0 };
	uint64_t type = (ept_caps & EPT_CAP_SINGLE) ? 1 : 2;
	__asm__ volatile("invept %0, %1" ::"m"(desc), "r"(type) : "cc", "memory");
}

/* A control value the CPU accepts: allowed-0 bits (low word) forced on,
 * allowed-1 bits (high word) the only ones kept. */
static uint32_t adjust(uint32_t msr, uint32_t want)
{
	uint64_t cap = rdmsr(msr);
	return (want | (uint32_t)cap) & (uint32_t)(cap >> 32);
}

bool vmx_detect(const char **why, const char **name)
{
	uint32_t a, b, c, d;
	cpuid(0, 0, &a, &b, &c, &d);
	cpuid(1, 0, &a, &b, &c, &d);
	if (!(c & CPUID1_ECX_VMX)) {
		*why = "no VMX (CPUID 1 ECX bit 5 clear)";
		return false;
	}
	uint64_t fc = rdmsr(MSR_FEATURE_CONTROL);
	if ((fc & FC_LOCK) && !(fc & FC_VMX_OUTSIDE_SMX)) {
		*why = "VMX disabled by the firmware (IA32_FEATURE_CONTROL locked)";
		return false;
	}
	uint64_t basic = rdmsr(MSR_VMX_BASIC);
	revision = (uint32_t)basic & 0x7fffffff;
	bool true_ctls = basic & (1ull << 55);
	pin_ctl = adjust(true_ctls ? MSR_VMX_TRUE_PINBASED : MSR_VMX_PINBASED, PIN_EXTINT | PIN_NMI);
	proc_ctl = adjust(true_ctls ? MSR_VMX_TRUE_PROCBASED : MSR_VMX_PROCBASED,
			  PROC_TSC_OFFSET | PROC_HLT | PROC_IO_UNCOND | PROC_SECONDARY);
	if (!(proc_ctl & PROC_SECONDARY)) {
		*why = "VMX without secondary controls (no EPT)";
		return false;
	}
	proc2_ctl = adjust(MSR_VMX_PROCBASED2, PROC2_EPT | PROC2_UNRESTRICTED);
	if ((proc2_ctl & (PROC2_EPT | PROC2_UNRESTRICTED)) != (PROC2_EPT | PROC2_UNRESTRICTED)) {
		*why = "VMX without EPT and unrestricted guest";
		return false;
	}
	uint64_t ept = ept_caps = rdmsr(MSR_VMX_EPT_VPID_CAP);
	if (!(ept & (1ull << 6)) || !(ept & (1ull << 14))) {
		*why = "EPT without 4-level walks or write-back memory";
		return false;
	}
	exit_ctl = adjust(true_ctls ? MSR_VMX_TRUE_EXIT : MSR_VMX_EXIT,
			  EXIT_HOST_64 | EXIT_SAVE_PAT | EXIT_LOAD_PAT | EXIT_SAVE_EFER |
				  EXIT_LOAD_EFER);
	entry_ctl = adjust(true_ctls ? MSR_VMX_TRUE_ENTRY : MSR_VMX_ENTRY,
			   ENTRY_LOAD_PAT | ENTRY_LOAD_EFER);
	if (!(exit_ctl & EXIT_HOST_64)) {
		*why = "VMX without a 64-bit host";
		return false;
	}
	cr0_fixed0 = rdmsr(MSR_VMX_CR0_FIXED0);
	cr0_fixed1 = rdmsr(MSR_VMX_CR0_FIXED1);
	cr4_fixed0 = rdmsr(MSR_VMX_CR4_FIXED0);
	cr4_fixed1 = rdmsr(MSR_VMX_CR4_FIXED1);
	*name = "Intel VMX with EPT";
	return true;
}

static int vmx_cpu_enable(void)
{
	struct vmx_cpu *pc = &percpu[cpuid_self()];
	if (pc->on)
		return 0;
	if (!pc->vmxon && !(pc->vmxon = palloc()))
		return -HVM_ENOMEM;
	uint64_t fc = rdmsr(MSR_FEATURE_CONTROL);
	if (!(fc & FC_LOCK))
		wrmsr(MSR_FEATURE_CONTROL, fc | FC_LOCK | FC_VMX_OUTSIDE_SMX);
	/* CR0.NE is required in VMX operation (fixed0); this kernel uses no x87. */
	uint64_t cr0 = rcr0() | (cr0_fixed0 & 0x20);
	__asm__ volatile("mov %0, %%cr0" ::"r"(cr0));
	if ((cr0 & cr0_fixed0) != cr0_fixed0 || (cr0 & ~cr0_fixed1)) {
		kprintf("hvm: cpu %u: CR0 %lx does not fit VMX (fixed0 %lx fixed1 %lx)\n",
			cpuid_self(), cr0, cr0_fixed0, cr0_fixed1);
		return -HVM_EHW;
	}
	lcr4((rcr4() | cr4_fixed0 | CR4_VMXE) & cr4_fixed1);
	*(uint32_t *)pc->vmxon = revision;
	if (!vmxon_pa((uint64_t)pc->vmxon)) {
		kprintf("hvm: cpu %u: VMXON failed\n", cpuid_self());
		return -HVM_EHW;
	}
	pc->on = true;
	return 0;
}

static uint64_t vmx_npte(uint64_t pa, int prot, bool leaf)
{
	if (!leaf)
		return pa | 7; /* R W X: the leaves decide */
	return pa | (uint64_t)(prot & 7) | (6u << 3) /* write-back */;
}

/* Make vm's VMCS the current one on this CPU. */
static bool load(struct hvm_vm *vm)
{
	struct vmx_cpu *pc = &percpu[cpuid_self()];
	if (pc->current == vm)
		return true;
	if (!vmptrld_pa((uint64_t)vm->ctl))
		return false;
	pc->current = vm;
	return true;
}

static const uint32_t seg_index[HVM_SEG_MAX] = {
	/* hvm_seg_id -> VMCS order ES CS SS DS FS GS LDTR TR (GDTR 8, IDTR 9) */
	[HVM_ES] = 0, [HVM_CS] = 1,   [HVM_SS] = 2, [HVM_DS] = 3,   [HVM_FS] = 4,
	[HVM_GS] = 5, [HVM_LDTR] = 6, [HVM_TR] = 7, [HVM_GDTR] = 8, [HVM_IDTR] = 9,
};

static void vmx_get_seg(struct hvm_vm *vm, enum hvm_seg_id s, struct hvm_seg *o)
{
	if (!load(vm))
		return;
	uint32_t i = seg_index[s];
	o->base = vmread(G_ES_BASE + 2 * i);
	o->limit = (uint32_t)vmread(G_ES_LIMIT + 2 * i);
	if (i < 8) {
		o->sel = (uint16_t)vmread(G_ES_SEL + 2 * i);
		o->ar = (uint32_t)vmread(G_ES_AR + 2 * i);
	}
}

static void vmx_set_seg(struct hvm_vm *vm, enum hvm_seg_id s, const struct hvm_seg *in)
{
	if (!load(vm))
		return;
	uint32_t i = seg_index[s];
	vmwrite(G_ES_BASE + 2 * i, in->base);
	vmwrite(G_ES_LIMIT + 2 * i, in->limit);
	if (i < 8) {
		vmwrite(G_ES_SEL + 2 * i, in->sel);
		vmwrite(G_ES_AR + 2 * i, in->ar);
	}
}

static void vmx_reset_real(struct hvm_vm *vm, uint16_t cs, uint16_t ip)
{
	if (!load(vm))
		return;
	static const struct hvm_seg data = { 0, 0, 0xffff, 0x93 };
	for (int s = 0; s < HVM_SEG_MAX; s++)
		vmx_set_seg(vm, s, &data);
	vmx_set_seg(vm, HVM_CS, &(struct hvm_seg){ cs, (uint64_t)cs << 4, 0xffff, 0x9b });
	vmx_set_seg(vm, HVM_LDTR, &(struct hvm_seg){ 0, 0, 0xffff, 0x82 });
	vmx_set_seg(vm, HVM_TR, &(struct hvm_seg){ 0, 0, 0xffff, 0x8b });
	vmx_set_seg(vm, HVM_GDTR, &(struct hvm_seg){ 0, 0, 0xffff, 0 });
	vmx_set_seg(vm, HVM_IDTR, &(struct hvm_seg){ 0, 0, 0x3ff, 0 });
	/* Unrestricted guest: PE and PG may be 0; the other fixed bits (NE) hold. */
	uint64_t pe_pg = 0x80000001ull;
	vmwrite(G_CR0, (0x10 | (cr0_fixed0 & ~pe_pg)) & cr0_fixed1);
	vmwrite(CR0_SHADOW, 0x10);
	vmwrite(G_CR3, 0);
	vmwrite(G_CR4, cr4_fixed0 & cr4_fixed1); /* VMXE, hidden by the mask */
	vmwrite(CR4_SHADOW, 0);
	vmwrite(G_DR7, 0x400);
	vmwrite(G_RSP, 0);
	vmwrite(G_RIP, ip);
	vmwrite(G_RFLAGS, 2);
	vmwrite(G_EFER, 0);
	vmwrite(G_PAT, 0x0007040600070406ull);
	vmwrite(G_INTERRUPTIBILITY, 0);
	vmwrite(G_ACTIVITY, 0);
	vmwrite(G_PENDING_DBG, 0);
	vmwrite(ENTRY_INTR, 0);
}

static int vmx_vm_init(struct hvm_vm *vm)
{
	vm->ctl = palloc();
	if (!vm->ctl)
		return -HVM_ENOMEM;
	*(uint32_t *)vm->ctl = revision;
	/* The VMCS is loaded (and so bound) on the creating CPU; hvm_run checks
	 * it runs there. */
	pushcli();
	int r = vmx_cpu_enable();
	if (r == 0 && (!vmclear_pa((uint64_t)vm->ctl) || !load(vm)))
		r = -HVM_EHW;
	if (r < 0) {
		popcli();
		pfree(vm->ctl);
		return r;
	}
	vm->cpu = (int)cpuid_self();
	vmwrite(PIN_CTLS, pin_ctl);
	vmwrite(PROC_CTLS, proc_ctl);
	vmwrite(PROC2_CTLS, proc2_ctl);
	vmwrite(EXIT_CTLS, exit_ctl);
	vmwrite(ENTRY_CTLS, entry_ctl);
	vmwrite(EXC_BITMAP, 0);
	vmwrite(CR3_TARGETS, 0);
	vmwrite(EXIT_MSR_STORE, 0);
	vmwrite(EXIT_MSR_LOAD, 0);
	vmwrite(ENTRY_MSR_LOAD, 0);
	/* NE only: the guest sees the shadow's NE (VMX needs it set).  PE and PG
	 * are the guest's own (unrestricted guest): a guest switches to
	 * protected mode with a plain MOV to CR0, no CR-access exit. */
	vmwrite(CR0_MASK, 0x20);
	vmwrite(CR4_MASK, CR4_VMXE);
	vmwrite(EPT_POINTER, eptp(vm));
	vmwrite(LINK_PTR, ~0ull);
	vmwrite(G_DEBUGCTL, 0);
	vmwrite(TSC_OFFSET, 0);
	vmwrite(G_SYSENTER_CS, 0);
	vmwrite(G_SYSENTER_ESP, 0);
	vmwrite(G_SYSENTER_EIP, 0);
	/* The host: this kernel's state, the same on every entry but RSP (vmx_run.S). */
	struct dtr gdtr, idtr;
	__asm__ volatile("sgdt %0; sidt %1" : "=m"(gdtr), "=m"(idtr));
	vmwrite(H_CR0, rcr0());
	vmwrite(H_CR3, rcr3());
	vmwrite(H_CR4, rcr4());
	vmwrite(H_ES_SEL, SEG_KDATA);
	vmwrite(H_ES_SEL + 2, SEG_KCODE);
	vmwrite(H_ES_SEL + 4, SEG_KDATA);
	vmwrite(H_ES_SEL + 6, SEG_KDATA);
	vmwrite(H_ES_SEL + 8, 0);
	vmwrite(H_ES_SEL + 10, 0);
	vmwrite(H_ES_SEL + 12, SEG_TSS);
	vmwrite(H_FS_BASE, rdmsr(MSR_FS_BASE));
	vmwrite(H_GS_BASE, rdmsr(MSR_GS_BASE));
	vmwrite(H_TR_BASE, (uint64_t)&thiscpu()->tss);
	vmwrite(H_GDTR_BASE, gdtr.base);
	vmwrite(H_IDTR_BASE, idtr.base);
	vmwrite(H_SYSENTER_CS, 0);
	vmwrite(H_SYSENTER_ESP, 0);
	vmwrite(H_SYSENTER_EIP, 0);
	vmwrite(H_PAT, rdmsr(MSR_PAT));
	vmwrite(H_EFER, rdmsr(MSR_EFER));
	vmwrite(H_RIP, (uint64_t)vmx_exit_point);
	popcli();
	return 0;
}

static void vmclear_here(void *arg)
{
	struct hvm_vm *vm = arg;
	vmclear_pa((uint64_t)vm->ctl);
	if (percpu[cpuid_self()].current == vm)
		percpu[cpuid_self()].current = NULL;
}

static void vmx_vm_fini(struct hvm_vm *vm)
{
	/* Flush the VMCS out of its CPU before its page is reused. */
	pushcli();
	bool here = vm->cpu == (int)cpuid_self();
	if (here)
		vmclear_here(vm);
	popcli();
	if (!here) {
		smp_call(vm->cpu, vmclear_here, vm);
		smp_call_wait(vm->cpu);
	}
	pfree(vm->ctl);
}

static void fill_exit(struct hvm_vm *vm, struct hvm_exit *ex, uint32_t reason)
{
	uint64_t q = vmread(EXIT_QUAL);
	uint32_t basic = reason & 0xffff;
	ex->raw = reason;
	ex->qual = q;
	ex->info2 = vmread(G_LINEAR);
	switch (basic) {
	case ER_IO:
		ex->reason = HVM_EXIT_IO;
		ex->port = (uint16_t)(q >> 16);
		ex->width = (uint8_t)((q & 7) + 1);
		ex->flags = (uint8_t)(((q & 8) ? 0 : HVM_IO_OUT) | ((q & 32) ? HVM_IO_REP : 0) |
				      ((q & 16) ? HVM_IO_STR : 0));
		break;
	case ER_EPT:
	case ER_EPT_MISCONFIG:
		ex->reason = basic;
		ex->fault_gpa = vmread(GUEST_PHYS);
		break;
	case ER_EXC_NMI:
	case ER_EXTINT:
	case ER_TRIPLE:
	case ER_INTWIN:
	case ER_CPUID:
	case ER_HLT:
	case ER_RDTSC:
	case ER_VMCALL:
	case ER_RDMSR:
	case ER_WRMSR:
		ex->reason = basic; /* the interface uses these numbers */
		break;
	case ER_BAD_GUEST:
		ex->reason = HVM_EXIT_INVALID;
		ex->entry_error = q;
		break;
	default:
		ex->reason = HVM_EXIT_OTHER;
	}
	if (reason & (1u << 31)) { /* VM-entry failure */
		ex->reason = HVM_EXIT_INVALID;
		ex->entry_error = reason;
	}
	vm->next_rip = ex->next_rip = vmread(G_RIP) + vmread(EXIT_LEN);
}

static int vmx_run(struct hvm_vm *vm, struct hvm_exit *ex)
{
	bool intena = read_rflags() & 0x200;
	for (;;) {
		cli();
		if (!load(vm)) {
			if (intena)
				sti();
			return -HVM_EHW;
		}
		if (vm->moved) { /* a changed mapping: drop what the CPU cached of this EPT */
			vm->moved = false;
			invept(vm);
		}
		__asm__ volatile("mov %0, %%cr2" ::"r"(vm->cr2));
		int failed = vmx_enter(&vm->g, vm->launched);
		vm->cr2 = rcr2();
		if (failed) {
			ex->reason = HVM_EXIT_INVALID;
			ex->entry_error = vmread(INSN_ERROR);
			if (intena)
				sti();
			return 0;
		}
		vm->launched = true;
		uint32_t reason = (uint32_t)vmread(EXIT_REASON);
		/* An event that was being delivered goes back into the entry fields. */
		uint32_t idt = (uint32_t)vmread(IDT_VEC_INFO);
		if (idt & INTR_VALID) {
			vmwrite(ENTRY_INTR, idt & ~(1u << 12));
			vmwrite(ENTRY_ERR, vmread(IDT_VEC_ERR));
			vmwrite(ENTRY_LEN, vmread(EXIT_LEN));
		}
		if ((reason & 0xffff) == ER_EXC_NMI &&
		    (vmread(EXIT_INTR_INFO) & (INTR_VALID | 0x700)) == (INTR_VALID | 0x200)) {
			__asm__ volatile("int $2"); /* a host NMI: to the host's handler */
			continue;
		}
		fill_exit(vm, ex, reason);
		if (intena)
			sti(); /* an external interrupt (not acknowledged on exit) is taken here */
		return 0;
	}
}

/* Registers: the stub's save area or a VMCS field. */
static const uint32_t reg_field[HVM_REG_MAX] = {
	[HVM_ESP] = G_RSP, [HVM_EIP] = G_RIP, [HVM_EFLAGS] = G_RFLAGS,
	[HVM_CR0] = G_CR0, [HVM_CR3] = G_CR3, [HVM_CR4] = G_CR4,
};

static uint64_t vmx_get_reg(struct hvm_vm *vm, enum hvm_reg r)
{
	uint64_t *p = hvm_gpr(vm, r);
	if (p)
		return *p;
	if (r == HVM_CR2) /* VMX does not switch CR2: vmx_run does */
		return vm->cr2;
	if (!load(vm))
		return 0;
	if (r == HVM_CR0) /* what the guest believes: the shadow for masked bits */
		return (vmread(G_CR0) & ~vmread(CR0_MASK)) | (vmread(CR0_SHADOW) & vmread(CR0_MASK));
	if (r == HVM_CR4)
		return (vmread(G_CR4) & ~vmread(CR4_MASK)) | (vmread(CR4_SHADOW) & vmread(CR4_MASK));
	return vmread(reg_field[r]);
}

static void vmx_set_reg(struct hvm_vm *vm, enum hvm_reg r, uint64_t v)
{
	uint64_t *p = hvm_gpr(vm, r);
	if (p) {
		*p = v;
		return;
	}
	if (r == HVM_CR2) {
		vm->cr2 = v;
		return;
	}
	if (!load(vm))
		return;
	if (r == HVM_CR0) {
		vmwrite(CR0_SHADOW, v);
		vmwrite(G_CR0,
			((v | cr0_fixed0) & cr0_fixed1 & ~0x80000001ull) | (v & 0x80000001ull));
	} else if (r == HVM_CR4) {
		vmwrite(CR4_SHADOW, v);
		vmwrite(G_CR4, (v | cr4_fixed0) & cr4_fixed1);
	} else {
		vmwrite(reg_field[r], r == HVM_EFLAGS ? v | 2 : v);
		/* A new RIP completes the instruction: an STI or MOV SS shadow
		 * ends (else injecting after `sti; hlt` fails the VM entry). */
		if (r == HVM_EIP)
			vmwrite(G_INTERRUPTIBILITY, vmread(G_INTERRUPTIBILITY) & ~3ull);
	}
}

static int vmx_inject(struct hvm_vm *vm, enum hvm_event type, uint8_t vector, uint32_t err,
		      bool has_err)
{
	static const uint32_t vmx_type[HVM_EV_MAX] = { 0, 2, 3, 4 };
	if (!load(vm))
		return -HVM_EHW;
	uint32_t info = vector | (vmx_type[type] << 8) | INTR_VALID;
	if (type == HVM_EV_NMI)
		info = 2 | (2u << 8) | INTR_VALID;
	if (has_err && type == HVM_EV_EXCEPTION) {
		info |= INTR_ERR;
		vmwrite(ENTRY_ERR, err);
	}
	if (type == HVM_EV_SWINT) /* INT n: the length of the instruction that raised it */
		vmwrite(ENTRY_LEN, 2);
	vmwrite(ENTRY_INTR, info);
	return 0;
}

static bool vmx_pending_event(struct hvm_vm *vm)
{
	return load(vm) && (vmread(ENTRY_INTR) & INTR_VALID);
}

static bool vmx_int_shadow(struct hvm_vm *vm)
{
	return load(vm) && (vmread(G_INTERRUPTIBILITY) & 3);
}

static void vmx_intwin(struct hvm_vm *vm, bool on)
{
	if (!load(vm))
		return;
	uint32_t p = (uint32_t)vmread(PROC_CTLS);
	vmwrite(PROC_CTLS, on ? p | PROC_INTWIN : p & ~PROC_INTWIN);
}

static uint64_t vmx_get_tsc_offset(struct hvm_vm *vm)
{
	return load(vm) ? vmread(TSC_OFFSET) : 0;
}

static void vmx_set_tsc_offset(struct hvm_vm *vm, uint64_t off)
{
	if (load(vm))
		vmwrite(TSC_OFFSET, off);
}

const struct hvm_ops vmx_ops = {
	.name = "vmx",
	.cpu_enable = vmx_cpu_enable,
	.vm_init = vmx_vm_init,
	.vm_fini = vmx_vm_fini,
	.npte = vmx_npte,
	.reset_real = vmx_reset_real,
	.run = vmx_run,
	.get_reg = vmx_get_reg,
	.set_reg = vmx_set_reg,
	.get_seg = vmx_get_seg,
	.set_seg = vmx_set_seg,
	.inject = vmx_inject,
	.pending_event = vmx_pending_event,
	.int_shadow = vmx_int_shadow,
	.intwin = vmx_intwin,
	.get_tsc_offset = vmx_get_tsc_offset,
	.set_tsc_offset = vmx_set_tsc_offset,
};
