/*
 * svm.c - the AMD SVM backend: EFER.SVME, VM_HSAVE_PA, one VMCB per VM,
 * nested paging (NPT), VMRUN with VMLOAD/VMSAVE around it (svm_run.S).
 *
 * Facts from the AMD64 Architecture Programmer's Manual vol. 2, ch. 15 and
 * appendix B (VMCB layout, exit codes).  Offsets below are bytes into the
 * VMCB page: the control area at 0, the state-save area at 0x400.
 */
#include "lib/kprintf.h"
#include "lib/string.h"
#include "mm/palloc.h"
#include "mp/cpu.h"
#include "vmx/hvm_impl.h"
#include "x86.h"

/* CPUID and MSRs */
#define CPUID_EXT_SVM (1u << 2) /* 0x80000001 ECX */
#define SVM_FEAT_NP (1u << 0)   /* 0x8000000A EDX */
#define SVM_FEAT_NRIPS (1u << 3)
#define EFER_SVME (1ull << 12)
#define MSR_VM_CR 0xc0010114u
#define VM_CR_SVMDIS (1ull << 4)
#define MSR_VM_HSAVE_PA 0xc0010117u

/* VMCB control area */
#define C_INTERCEPT_EXC 0x008
#define C_INTERCEPT1 0x00c
#define C_INTERCEPT2 0x010
#define C_IOPM_PA 0x040
#define C_MSRPM_PA 0x048
#define C_TSC_OFFSET 0x050
#define C_ASID 0x058
#define C_TLB_CTL 0x05c
#define C_VINTR 0x060
#define C_INT_SHADOW 0x068
#define C_EXITCODE 0x070
#define C_EXITINFO1 0x078
#define C_EXITINFO2 0x080
#define C_EXITINTINFO 0x088
#define C_NP_ENABLE 0x090
#define C_EVENTINJ 0x0a8
#define C_NCR3 0x0b0
#define C_CLEAN 0x0c0
#define C_NRIP 0x0c8

/* INTERCEPT1 bits */
#define I1_INTR (1u << 0)
#define I1_NMI (1u << 1)
#define I1_VINTR (1u << 4)
#define I1_CPUID (1u << 18)
#define I1_HLT (1u << 24)
#define I1_IOIO (1u << 27)
#define I1_MSR (1u << 28)
#define I1_SHUTDOWN (1u << 31)
/* INTERCEPT2 bits */
#define I2_VMRUN (1u << 0)
#define I2_VMMCALL (1u << 1)

/* VINTR bits */
#define VINTR_V_IRQ (1ull << 8)
#define VINTR_IGN_TPR (1ull << 20)
#define VINTR_MASKING (1ull << 24)

/* State-save area: segments are 16 bytes (sel, attr, limit, base) */
#define S_ES 0x400
#define S_CS 0x410
#define S_SS 0x420
#define S_DS 0x430
#define S_FS 0x440
#define S_GS 0x450
#define S_GDTR 0x460
#define S_LDTR 0x470
#define S_IDTR 0x480
#define S_TR 0x490
#define S_CPL 0x4cb
#define S_EFER 0x4d0
#define S_CR4 0x548
#define S_CR3 0x550
#define S_CR0 0x558
#define S_DR7 0x560
#define S_DR6 0x568
#define S_RFLAGS 0x570
#define S_RIP 0x578
#define S_RSP 0x5d8
#define S_RAX 0x5f8
#define S_CR2 0x640
#define S_GPAT 0x668

/* Exit codes */
#define VMEXIT_EXC0 0x40
#define VMEXIT_INTR 0x60
#define VMEXIT_NMI 0x61
#define VMEXIT_VINTR 0x64
#define VMEXIT_RDTSC 0x6e
#define VMEXIT_CPUID 0x72
#define VMEXIT_HLT 0x78
#define VMEXIT_IOIO 0x7b
#define VMEXIT_MSR 0x7c
#define VMEXIT_SHUTDOWN 0x7f
#define VMEXIT_VMMCALL 0x81
#define VMEXIT_NPF 0x400
#define VMEXIT_INVALID 0xffffffffffffffffull

/* EVENTINJ / EXITINTINFO */
#define EV_VALID (1ull << 31)
#define EV_ERR (1ull << 11)

void svm_vmrun(uint64_t vmcb_pa, struct hvm_gprs *g, uint64_t host_save_pa);

static bool has_nrips;

/* One I/O permission map (12 KiB) and one MSR permission map (8 KiB) for all
 * VMs: every bit set, every port and MSR intercepted. */
static uint8_t iopm[3 * 4096] __attribute__((aligned(4096)));
static uint8_t msrpm[2 * 4096] __attribute__((aligned(4096)));

static struct svm_cpu {
	bool on;
	void *hsave;     /* VM_HSAVE_PA: VMRUN's host state */
	void *host_vmcb; /* VMSAVE/VMLOAD of the host's FS, GS, TR, LDTR, syscall MSRs */
	uint64_t last;   /* id of the VM that ran here last: every VM uses ASID 1 */
} percpu[MAXCPU];

#define F64(vm, off) (*(volatile uint64_t *)((uint8_t *)(vm)->ctl + (off)))
#define F32(vm, off) (*(volatile uint32_t *)((uint8_t *)(vm)->ctl + (off)))
#define F16(vm, off) (*(volatile uint16_t *)((uint8_t *)(vm)->ctl + (off)))
#define F8(vm, off) (*(volatile uint8_t *)((uint8_t *)(vm)->ctl + (off)))

bool svm_detect(const char **why, const char **name)
{
	uint32_t a, b, c, d;
	cpuid(0x80000000u, 0, &a, &b, &c, &d);
	if (a < 0x8000000au) {
		*why = "no SVM (no CPUID leaf 0x8000000A)";
		return false;
	}
	cpuid(0x80000001u, 0, &a, &b, &c, &d);
	if (!(c & CPUID_EXT_SVM)) {
		*why = "no SVM (CPUID 0x80000001 ECX bit 2 clear)";
		return false;
	}
	if (rdmsr(MSR_VM_CR) & VM_CR_SVMDIS) {
		*why = "SVM disabled by the firmware (VM_CR.SVMDIS)";
		return false;
	}
	cpuid(0x8000000au, 0, &a, &b, &c, &d);
	if (!(d & SVM_FEAT_NP)) {
		*why = "SVM without nested paging";
		return false;
	}
	has_nrips = d & SVM_FEAT_NRIPS;
	*name = has_nrips ? "AMD SVM with nested paging (NRIPS)" : "AMD SVM with nested paging";
	memset(iopm, 0xff, sizeof iopm);
	memset(msrpm, 0xff, sizeof msrpm);
	return true;
}

static int svm_cpu_enable(void)
{
	int id = (int)cpuid_self();
	if (percpu[id].on)
		return 0;
	if (!percpu[id].hsave)
		percpu[id].hsave = palloc();
	if (!percpu[id].host_vmcb)
		percpu[id].host_vmcb = palloc();
	if (!percpu[id].hsave || !percpu[id].host_vmcb)
		return -HVM_ENOMEM;
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SVME);
	wrmsr(MSR_VM_HSAVE_PA, (uint64_t)percpu[id].hsave);
	percpu[id].on = true;
	return 0;
}

static uint64_t svm_npte(uint64_t pa, int prot, bool leaf)
{
	/* Nested walks are user accesses: U/S set at every level. No NX: the
	 * host's EFER.NXE decides whether bit 63 means anything. */
	uint64_t e = pa | 1 /* P */ | 4 /* U */;
	if (!leaf || (prot & HVM_PROT_W))
		e |= 2;
	return e;
}

static void set_seg_raw(struct hvm_vm *vm, unsigned off, uint16_t sel, uint16_t attr,
			uint32_t limit, uint64_t base)
{
	F16(vm, off) = sel;
	F16(vm, off + 2) = attr;
	F32(vm, off + 4) = limit;
	F64(vm, off + 8) = base;
}

static const unsigned seg_off[HVM_SEG_MAX] = {
	[HVM_CS] = S_CS,     [HVM_DS] = S_DS,     [HVM_ES] = S_ES,     [HVM_FS] = S_FS,
	[HVM_GS] = S_GS,     [HVM_SS] = S_SS,     [HVM_LDTR] = S_LDTR, [HVM_TR] = S_TR,
	[HVM_GDTR] = S_GDTR, [HVM_IDTR] = S_IDTR,
};

/* VMX access rights <-> the VMCB's packed attribute (bits 0-7 = AR 0-7, 8-11 = AR 12-15). */
static uint16_t ar_to_attr(uint32_t ar)
{
	if (ar & HVM_AR_UNUSABLE)
		return 0;
	return (uint16_t)((ar & 0xff) | ((ar >> 4) & 0xf00));
}

static uint32_t attr_to_ar(uint16_t a)
{
	uint32_t ar = (a & 0xffu) | ((uint32_t)(a & 0xf00) << 4);
	return (ar & HVM_AR_P) ? ar : ar | HVM_AR_UNUSABLE;
}

static void svm_get_seg(struct hvm_vm *vm, enum hvm_seg_id s, struct hvm_seg *o)
{
	unsigned off = seg_off[s];
	o->sel = F16(vm, off);
	o->ar = attr_to_ar(F16(vm, off + 2));
	o->limit = F32(vm, off + 4);
	o->base = F64(vm, off + 8);
}

static void svm_set_seg(struct hvm_vm *vm, enum hvm_seg_id s, const struct hvm_seg *in)
{
	set_seg_raw(vm, seg_off[s], in->sel, ar_to_attr(in->ar), in->limit, in->base);
	if (s == HVM_SS) /* CPL is the SS DPL outside real mode */
		F8(vm, S_CPL) = (uint8_t)((in->ar >> 5) & 3);
}

static void svm_reset_real(struct hvm_vm *vm, uint16_t cs, uint16_t ip)
{
	memset((uint8_t *)vm->ctl + 0x400, 0, 4096 - 0x400);
	set_seg_raw(vm, S_CS, cs, 0x9b, 0xffff, (uint64_t)cs << 4);
	set_seg_raw(vm, S_DS, 0, 0x93, 0xffff, 0);
	set_seg_raw(vm, S_ES, 0, 0x93, 0xffff, 0);
	set_seg_raw(vm, S_FS, 0, 0x93, 0xffff, 0);
	set_seg_raw(vm, S_GS, 0, 0x93, 0xffff, 0);
	set_seg_raw(vm, S_SS, 0, 0x93, 0xffff, 0);
	set_seg_raw(vm, S_GDTR, 0, 0, 0xffff, 0);
	set_seg_raw(vm, S_IDTR, 0, 0, 0x3ff, 0);
	set_seg_raw(vm, S_LDTR, 0, 0x82, 0xffff, 0);
	set_seg_raw(vm, S_TR, 0, 0x8b, 0xffff, 0);
	F8(vm, S_CPL) = 0;
	F64(vm, S_EFER) = EFER_SVME; /* VMRUN requires it in the guest's EFER */
	F64(vm, S_CR0) = 0x10;       /* ET; real mode */
	F64(vm, S_DR6) = 0xffff0ff0;
	F64(vm, S_DR7) = 0x400;
	F64(vm, S_RFLAGS) = 2;
	F64(vm, S_RIP) = ip;
	F64(vm, S_GPAT) = 0x0007040600070406ull; /* the reset PAT */
	F64(vm, C_EVENTINJ) = 0;
	F64(vm, C_INT_SHADOW) = 0;
}

static int svm_vm_init(struct hvm_vm *vm)
{
	vm->ctl = palloc();
	if (!vm->ctl)
		return -HVM_ENOMEM;
	F32(vm, C_INTERCEPT1) = I1_INTR | I1_NMI | I1_CPUID | I1_HLT | I1_IOIO | I1_MSR | I1_SHUTDOWN;
	F32(vm, C_INTERCEPT2) = I2_VMRUN | I2_VMMCALL;
	F64(vm, C_IOPM_PA) = (uint64_t)iopm;
	F64(vm, C_MSRPM_PA) = (uint64_t)msrpm;
	F32(vm, C_ASID) = 1;
	F64(vm, C_VINTR) = VINTR_MASKING;
	F64(vm, C_NP_ENABLE) = 1;
	F64(vm, C_NCR3) = vm->nptpa;
	vm->moved = true;
	return 0;
}

static void svm_vm_fini(struct hvm_vm *vm)
{
	pfree(vm->ctl);
}

static void fill_exit(struct hvm_vm *vm, struct hvm_exit *ex)
{
	uint64_t code = F64(vm, C_EXITCODE), i1 = F64(vm, C_EXITINFO1), i2 = F64(vm, C_EXITINFO2);
	ex->raw = code;
	ex->qual = i1;
	ex->info2 = i2;
	uint64_t rip = F64(vm, S_RIP);
	switch (code) {
	case VMEXIT_IOIO:
		ex->reason = HVM_EXIT_IO;
		ex->port = (uint16_t)(i1 >> 16);
		ex->width = (i1 & (1u << 4)) ? 1 : (i1 & (1u << 5)) ? 2 : 4;
		ex->flags = (uint8_t)(((i1 & 1) ? 0 : HVM_IO_OUT) | ((i1 & 8) ? HVM_IO_REP : 0) |
				      ((i1 & 4) ? HVM_IO_STR : 0));
		break;
	case VMEXIT_NPF:
		ex->reason = HVM_EXIT_NPF;
		ex->fault_gpa = i2;
		break;
	case VMEXIT_CPUID:
		ex->reason = HVM_EXIT_CPUID;
		break;
	case VMEXIT_HLT:
		ex->reason = HVM_EXIT_HLT;
		break;
	case VMEXIT_RDTSC:
		ex->reason = HVM_EXIT_RDTSC;
		break;
	case VMEXIT_VMMCALL:
		ex->reason = HVM_EXIT_VMCALL;
		break;
	case VMEXIT_MSR:
		ex->reason = i1 ? HVM_EXIT_WRMSR : HVM_EXIT_RDMSR;
		break;
	case VMEXIT_VINTR:
		ex->reason = HVM_EXIT_INTWIN;
		break;
	case VMEXIT_SHUTDOWN:
		ex->reason = HVM_EXIT_TRIPLE_FAULT;
		break;
	case VMEXIT_INTR:
	case VMEXIT_NMI:
		ex->reason = HVM_EXIT_EXTINT;
		break;
	case VMEXIT_INVALID:
		ex->reason = HVM_EXIT_INVALID;
		ex->entry_error = code;
		break;
	default:
		ex->reason = (code >= VMEXIT_EXC0 && code < VMEXIT_EXC0 + 32) ? HVM_EXIT_EXCEPTION
									      : HVM_EXIT_OTHER;
	}
	/* Next RIP: NRIPS if the CPU saves it; IOIO: EXITINFO2 (always);
	 * otherwise decoded (hvm_insn_len), or rip if unknown. */
	if (has_nrips && ex->reason != HVM_EXIT_NPF && ex->reason != HVM_EXIT_EXTINT)
		ex->next_rip = F64(vm, C_NRIP);
	else if (code == VMEXIT_IOIO)
		ex->next_rip = i2;
	else
		ex->next_rip = rip + hvm_insn_len(vm, F64(vm, S_CS + 8) + rip, ex->reason);
	vm->next_rip = ex->next_rip;
}

static int svm_run(struct hvm_vm *vm, struct hvm_exit *ex)
{
	struct svm_cpu *pc = &percpu[vm->cpu];
	bool intena = read_rflags() & 0x200;
	F64(vm, C_EXITCODE) = 0;
	if (pc->last != vm->id) /* another VM's translations may be cached under ASID 1 */
		vm->moved = true;
	pc->last = vm->id;
	F8(vm, C_TLB_CTL) = vm->moved ? 1 : 0; /* 1: flush the whole TLB */
	vm->moved = false;
	F32(vm, C_CLEAN) = 0; /* nothing cached: the VMCB is re-read every time */
	/* The interrupt window stays asked for until it is turned off: a #VMEXIT
	 * may write V_IRQ back clear (Bochs ryzen did, after a host interrupt
	 * exit, and the guest spun with IF=1 and no VINTR exit).  Not while the
	 * guest is in an interrupt shadow: the window is shut there anyway, and
	 * QEMU TCG then took the VINTR exit between `sti` and `hlt` (entered
	 * again after a host interrupt exit there), so the injected interrupt
	 * came before the HLT instead of waking it.  The next entry sets it. */
	if (F32(vm, C_INTERCEPT1) & I1_VINTR) {
		if (F64(vm, C_INT_SHADOW) & 1)
			F64(vm, C_VINTR) &= ~VINTR_V_IRQ;
		else
			F64(vm, C_VINTR) |= VINTR_V_IRQ | VINTR_IGN_TPR;
	}
	cli();
	__asm__ volatile("clgi" ::: "memory");
	sti(); /* GIF=0 holds interrupts until the guest runs (V_INTR_MASKING: then they exit) */
	svm_vmrun((uint64_t)vm->ctl, &vm->g, (uint64_t)pc->host_vmcb);
	cli();
	__asm__ volatile("stgi" ::: "memory");
	/* An event that was being delivered goes back into EVENTINJ. */
	uint64_t ii = F64(vm, C_EXITINTINFO);
	F64(vm, C_EVENTINJ) = (ii & EV_VALID) ? ii : 0;
	fill_exit(vm, ex);
	if (intena)
		sti(); /* an interrupt that made the guest exit is taken here */
	return 0;
}

/* Where a guest register lives: the VMCB or the stub's save area. */
static volatile uint64_t *reg_loc(struct hvm_vm *vm, enum hvm_reg r)
{
	static const unsigned vmcb_off[HVM_REG_MAX] = {
		[HVM_EAX] = S_RAX, [HVM_ESP] = S_RSP, [HVM_EIP] = S_RIP, [HVM_EFLAGS] = S_RFLAGS,
		[HVM_CR0] = S_CR0, [HVM_CR2] = S_CR2, [HVM_CR3] = S_CR3, [HVM_CR4] = S_CR4,
	};
	static uint64_t none;
	if (r != HVM_EAX && hvm_gpr(vm, r)) /* RAX is in the VMCB */
		return hvm_gpr(vm, r);
	return vmcb_off[r] ? &F64(vm, vmcb_off[r]) : &none;
}

static uint64_t svm_get_reg(struct hvm_vm *vm, enum hvm_reg r)
{
	return *reg_loc(vm, r);
}

static void svm_set_reg(struct hvm_vm *vm, enum hvm_reg r, uint64_t v)
{
	*reg_loc(vm, r) = r == HVM_EFLAGS ? v | 2 : v;
	if (r == HVM_EIP) /* the instruction completed: its STI shadow ends */
		F64(vm, C_INT_SHADOW) &= ~1ull;
}

static int svm_inject(struct hvm_vm *vm, enum hvm_event type, uint8_t vector, uint32_t err,
		      bool has_err)
{
	static const uint64_t svm_type[HVM_EV_MAX] = { 0, 2, 3, 4 };
	uint64_t e = vector | (svm_type[type] << 8) | EV_VALID;
	if (type == HVM_EV_NMI)
		e = 2 | (2ull << 8) | EV_VALID;
	if (has_err && type == HVM_EV_EXCEPTION)
		e |= EV_ERR | ((uint64_t)err << 32);
	F64(vm, C_EVENTINJ) = e;
	return 0;
}

static bool svm_pending_event(struct hvm_vm *vm)
{
	return F64(vm, C_EVENTINJ) & EV_VALID;
}

static bool svm_int_shadow(struct hvm_vm *vm)
{
	return F64(vm, C_INT_SHADOW) & 1;
}

static void svm_intwin(struct hvm_vm *vm, bool on)
{
	/* A virtual interrupt request that the guest cannot see as such
	 * (intercepted before delivery): VINTR exits as soon as it could be taken. */
	if (on) {
		F32(vm, C_INTERCEPT1) |= I1_VINTR;
		F64(vm, C_VINTR) |= VINTR_V_IRQ | VINTR_IGN_TPR;
	} else {
		F32(vm, C_INTERCEPT1) &= ~I1_VINTR;
		F64(vm, C_VINTR) &= ~(VINTR_V_IRQ | VINTR_IGN_TPR);
	}
}

static uint64_t svm_get_tsc_offset(struct hvm_vm *vm)
{
	return F64(vm, C_TSC_OFFSET);
}

static void svm_set_tsc_offset(struct hvm_vm *vm, uint64_t off)
{
	F64(vm, C_TSC_OFFSET) = off;
}

const struct hvm_ops svm_ops = {
	.name = "svm",
	.cpu_enable = svm_cpu_enable,
	.vm_init = svm_vm_init,
	.vm_fini = svm_vm_fini,
	.npte = svm_npte,
	.reset_real = svm_reset_real,
	.run = svm_run,
	.get_reg = svm_get_reg,
	.set_reg = svm_set_reg,
	.get_seg = svm_get_seg,
	.set_seg = svm_set_seg,
	.inject = svm_inject,
	.pending_event = svm_pending_event,
	.int_shadow = svm_int_shadow,
	.intwin = svm_intwin,
	.get_tsc_offset = svm_get_tsc_offset,
	.set_tsc_offset = svm_set_tsc_offset,
};
