/*
 * hvm_impl.h - what the two backends (svm.c, vmx.c) share with hvm.c.
 */
#ifndef VMX_HVM_IMPL_H
#define VMX_HVM_IMPL_H

#include "vmx/hvm.h"

/* Guest general registers the entry/exit stubs save and restore, in this
 * order (offsets used by svm_run.S and vmx_run.S).  SVM keeps RAX and RSP in
 * the VMCB, VMX keeps RSP in the VMCS; their slots here are unused then. */
struct hvm_gprs {
	uint64_t rax, rbx, rcx, rdx, rsi, rdi, rbp, r8, r9, r10, r11, r12, r13, r14, r15;
};

struct hvm_ops {
	const char *name;
	int (*cpu_enable)(void);
	int (*vm_init)(struct hvm_vm *vm);
	void (*vm_fini)(struct hvm_vm *vm);
	/* A nested page table entry: non-leaf (table) or leaf (4 KiB page). */
	uint64_t (*npte)(uint64_t pa, int prot, bool leaf);
	void (*reset_real)(struct hvm_vm *vm, uint16_t cs, uint16_t ip);
	int (*run)(struct hvm_vm *vm, struct hvm_exit *ex);
	uint64_t (*get_reg)(struct hvm_vm *vm, enum hvm_reg r);
	void (*set_reg)(struct hvm_vm *vm, enum hvm_reg r, uint64_t v);
	void (*get_seg)(struct hvm_vm *vm, enum hvm_seg_id s, struct hvm_seg *out);
	void (*set_seg)(struct hvm_vm *vm, enum hvm_seg_id s, const struct hvm_seg *in);
	int (*inject)(struct hvm_vm *vm, enum hvm_event type, uint8_t vector, uint32_t err,
		      bool has_err);
	bool (*pending_event)(struct hvm_vm *vm);
	bool (*int_shadow)(struct hvm_vm *vm);
	void (*intwin)(struct hvm_vm *vm, bool on);
	uint64_t (*get_tsc_offset)(struct hvm_vm *vm);
	void (*set_tsc_offset)(struct hvm_vm *vm, uint64_t off);
};

struct hvm_vm {
	const struct hvm_ops *ops;
	int cpu;        /* the CPU it runs on, -1 before its first run */
	uint64_t id;    /* unique over the boot (SVM: a new VM on a CPU flushes its TLB) */
	uint64_t *npt;  /* root of the nested page table (PML4 / EPT PML4) */
	uint64_t nptpa; /* its physical address (identity map: the same) */
	struct hvm_gprs g;
	void *ctl;         /* the VMCB / the VMCS region */
	bool launched;     /* VMX: VMLAUNCH done, VMRESUME next */
	bool moved;        /* SVM: flush the guest TLB at the next entry */
	uint64_t next_rip; /* of the last exit */
	uint64_t cr2;      /* VMX: the guest's CR2 (not in the VMCS) */
};

extern const struct hvm_ops svm_ops, vmx_ops;

/* The save-area slot of EAX..EBP (hvm_reg and hvm_gprs share that order), else NULL. */
static inline uint64_t *hvm_gpr(struct hvm_vm *vm, enum hvm_reg r)
{
	_Static_assert(HVM_EBP == 6 && __builtin_offsetof(struct hvm_gprs, rbp) == 6 * 8,
		       "hvm_reg and hvm_gprs in the same order");
	return r <= HVM_EBP ? &(&vm->g.rax)[r] : NULL;
}

/* Detection, per backend: true if usable; else *why says what is missing. */
bool svm_detect(const char **why, const char **name);
bool vmx_detect(const char **why, const char **name);

/* The length of the instruction at the guest's CS.base + rip when the
 * hardware does not tell (SVM without NRIPS): decoded from guest memory
 * while guest paging is off, else a fixed length per exit; 0 if unknown. */
unsigned hvm_insn_len(struct hvm_vm *vm, uint64_t linear, uint32_t reason);

#endif
