/*
 * hvm.c - backend detection, the nested page table, and the calls every
 * backend shares (they forward to svm.c or vmx.c).
 */
#include "vmx/hvm.h"

#include "lib/kprintf.h"
#include "lib/printfmt.h"
#include "lib/string.h"
#include "mm/palloc.h"
#include "mp/cpu.h"
#include "vmx/hvm_impl.h"
#include "vmx/vmpage.h"
#include "x86.h"

static const struct hvm_ops *ops;
static enum hvm_backend_kind kind = HVM_NONE;
static const char *name = "none";
static char why[160];
static bool inited;

void hvm_init(void)
{
	if (inited)
		return;
	inited = true;
	vmpage_init(); /* with or without a backend: every run has the same objects */
	const char *wsvm = "", *wvmx = "", *n = NULL;
	if (svm_detect(&wsvm, &n)) {
		ops = &svm_ops;
		kind = HVM_SVM;
		name = n;
	} else if (vmx_detect(&wvmx, &n)) {
		ops = &vmx_ops;
		kind = HVM_VMX;
		name = n;
	} else {
		snprintf(why, sizeof why, "%s; %s", wsvm, wvmx);
	}
	kprintf("hvm: %s\n", name);
}

enum hvm_backend_kind hvm_backend(void)
{
	hvm_init();
	return kind;
}

const char *hvm_backend_name(void)
{
	hvm_init();
	return name;
}

const char *hvm_why_none(void)
{
	hvm_init();
	return kind == HVM_NONE ? why : "";
}

int hvm_cpu_enable(void)
{
	if (hvm_backend() == HVM_NONE)
		return -HVM_ENOSUPP;
	pushcli();
	int r = ops->cpu_enable();
	popcli();
	return r;
}

int hvm_vm_create(struct hvm_vm **out)
{
	if (hvm_backend() == HVM_NONE)
		return -HVM_ENOSUPP;
	struct hvm_vm *vm = palloc();
	if (!vm)
		return -HVM_ENOMEM;
	_Static_assert(sizeof(struct hvm_vm) <= 4096, "struct hvm_vm fits a page");
	static uint64_t next_id = 1;
	vm->ops = ops;
	vm->cpu = -1;
	vm->id = __atomic_fetch_add(&next_id, 1, __ATOMIC_RELAXED);
	vm->npt = palloc();
	if (!vm->npt) {
		pfree(vm);
		return -HVM_ENOMEM;
	}
	vm->nptpa = (uint64_t)vm->npt;
	int r = ops->vm_init(vm);
	if (r < 0) {
		pfree(vm->npt);
		pfree(vm);
		return r;
	}
	ops->reset_real(vm, 0, 0);
	*out = vm;
	return 0;
}

static void free_table(uint64_t *t, int level)
{
	if (level > 1)
		for (int i = 0; i < 512; i++)
			if (t[i] & 7)
				free_table((uint64_t *)(t[i] & 0x000ffffffffff000ull), level - 1);
	pfree(t);
}

void hvm_vm_destroy(struct hvm_vm *vm)
{
	if (!vm)
		return;
	vm->ops->vm_fini(vm);
	free_table(vm->npt, 4);
	pfree(vm);
}

#define PA_MASK 0x000ffffffffff000ull

/* The leaf entry for gpa, creating tables on the way if `create`. */
static uint64_t *npt_walk(struct hvm_vm *vm, uint64_t gpa, bool create)
{
	uint64_t *t = vm->npt;
	for (int shift = 39; shift > 12; shift -= 9) {
		uint64_t *e = &t[(gpa >> shift) & 511];
		if (!(*e & 7)) { /* P (NPT) or R|W|X (EPT): absent */
			if (!create)
				return NULL;
			uint64_t *n = palloc();
			if (!n)
				return NULL;
			*e = vm->ops->npte((uint64_t)n, HVM_PROT_RWX, false);
		}
		t = (uint64_t *)(*e & PA_MASK);
	}
	return &t[(gpa >> 12) & 511];
}

int hvm_map(struct hvm_vm *vm, uint64_t gpa, uint64_t hpa, int prot)
{
	if ((gpa | hpa) & 0xfff || gpa >> 48 || hpa >> 52 || !(prot & HVM_PROT_RWX))
		return -HVM_EINVAL;
	uint64_t *e = npt_walk(vm, gpa, true);
	if (!e)
		return -HVM_ENOMEM;
	*e = vm->ops->npte(hpa, prot, true);
	/* A remapped page: the next entry flushes (SVM: TLB_CONTROL; VMX: INVEPT). */
	vm->moved = true;
	return 0;
}

uint64_t hvm_gpa_to_hpa(struct hvm_vm *vm, uint64_t gpa)
{
	uint64_t *e = npt_walk(vm, gpa, false);
	if (!e || !(*e & 7))
		return 0;
	return (*e & PA_MASK) | (gpa & 0xfff);
}

void hvm_reset_real(struct hvm_vm *vm, uint16_t cs, uint16_t ip)
{
	memset(&vm->g, 0, sizeof vm->g);
	vm->ops->reset_real(vm, cs, ip);
}

int hvm_run(struct hvm_vm *vm, struct hvm_exit *ex)
{
	memset(ex, 0, sizeof *ex);
	int r = hvm_cpu_enable();
	if (r < 0)
		return r;
	if (vm->cpu < 0)
		vm->cpu = (int)cpuid_self();
	if (vm->cpu != (int)cpuid_self())
		return -HVM_EMOVED;
	return vm->ops->run(vm, ex);
}

uint64_t hvm_get_reg(struct hvm_vm *vm, enum hvm_reg r)
{
	return r < HVM_REG_MAX ? vm->ops->get_reg(vm, r) : 0;
}

void hvm_set_reg(struct hvm_vm *vm, enum hvm_reg r, uint64_t v)
{
	if (r < HVM_REG_MAX)
		vm->ops->set_reg(vm, r, v);
}

void hvm_get_seg(struct hvm_vm *vm, enum hvm_seg_id s, struct hvm_seg *out)
{
	memset(out, 0, sizeof *out);
	if (s < HVM_SEG_MAX)
		vm->ops->get_seg(vm, s, out);
}

void hvm_set_seg(struct hvm_vm *vm, enum hvm_seg_id s, const struct hvm_seg *in)
{
	if (s < HVM_SEG_MAX)
		vm->ops->set_seg(vm, s, in);
}

uint64_t hvm_next_rip(struct hvm_vm *vm)
{
	return vm->next_rip;
}

int hvm_inject(struct hvm_vm *vm, enum hvm_event type, uint8_t vector, uint32_t err, bool has_err)
{
	if (type >= HVM_EV_MAX || (type == HVM_EV_EXCEPTION && vector >= 32))
		return -HVM_EINVAL;
	return vm->ops->inject(vm, type, vector, err, has_err);
}

bool hvm_pending_event(struct hvm_vm *vm)
{
	return vm->ops->pending_event(vm);
}

bool hvm_int_shadow(struct hvm_vm *vm)
{
	return vm->ops->int_shadow(vm);
}

void hvm_intercept_intwin(struct hvm_vm *vm, bool on)
{
	vm->ops->intwin(vm, on);
}

uint64_t hvm_get_tsc_offset(struct hvm_vm *vm)
{
	return vm->ops->get_tsc_offset(vm);
}

void hvm_set_tsc_offset(struct hvm_vm *vm, uint64_t off)
{
	vm->ops->set_tsc_offset(vm, off);
}

/* One byte of guest memory at guest-physical gpa; -1 if unmapped. */
static int guest_byte(struct hvm_vm *vm, uint64_t gpa)
{
	uint64_t hpa = hvm_gpa_to_hpa(vm, gpa);
	return hpa ? *(volatile uint8_t *)hpa : -1;
}

unsigned hvm_insn_len(struct hvm_vm *vm, uint64_t linear, uint32_t reason)
{
	if (!(hvm_get_reg(vm, HVM_CR0) & 0x80000000u)) { /* paging off: linear = physical */
		unsigned n = 0;
		int b;
		for (;;) { /* legacy prefixes (and REX: harmless in 16/32-bit code, we never see it) */
			if (n >= 15 || (b = guest_byte(vm, linear + n)) < 0)
				return 0;
			if (b == 0x66 || b == 0x67 || b == 0xf0 || b == 0xf2 || b == 0xf3 ||
			    b == 0x2e || b == 0x36 || b == 0x3e || b == 0x26 || b == 0x64 ||
			    b == 0x65)
				n++;
			else
				break;
		}
		if (b == 0xf4) /* HLT */
			return n + 1;
		if (b == 0x0f) {
			int b2 = guest_byte(vm, linear + n + 1);
			switch (b2) {
			case 0xa2: /* CPUID */
			case 0x30: /* WRMSR */
			case 0x31: /* RDTSC */
			case 0x32: /* RDMSR */
			case 0x33: /* RDPMC */
			case 0x08: /* INVD */
			case 0x09: /* WBINVD */
				return n + 2;
			case 0x01: /* 0f 01 d9 VMMCALL, 0f 01 c1 VMCALL, 0f 01 f9 RDTSCP */
				return n + 3;
			}
		}
		return 0;
	}
	switch (reason) { /* paging on: the unprefixed lengths */
	case HVM_EXIT_HLT:
		return 1;
	case HVM_EXIT_CPUID:
	case HVM_EXIT_RDMSR:
	case HVM_EXIT_WRMSR:
	case HVM_EXIT_RDTSC:
		return 2;
	case HVM_EXIT_VMCALL:
		return 3;
	}
	return 0;
}
