/*
 * hvm.h - one interface to hardware virtualization, two backends:
 * AMD SVM with nested paging (kern/vmx/svm.c) and Intel VMX with EPT
 * (kern/vmx/vmx.c).  See docs/hvm.md.
 *
 * A VM is one virtual CPU plus its guest-physical memory (a nested page
 * table: NPT or EPT, built from pages the kernel allocates).  hvm_run()
 * enters the guest and returns at its next exit; a host interrupt makes the
 * guest exit too (HVM_EXIT_EXTINT, after the host took it with interrupts
 * back on): the caller just runs again, after any rescheduling or kill
 * check of its own.  Exit reasons use the Intel basic exit
 * reason numbers (the seeds' EXIT_REASON_*); the SVM backend translates.
 *
 * Registers and segments are numbered as in mCertiKOS (GUEST_EAX..,
 * GUEST_CS..); segment access rights use the VMX format (type 0-3, S 4,
 * DPL 5-6, P 7, AVL 12, L 13, D/B 14, G 15, unusable 16) for both backends.
 *
 * A VM belongs to the CPU it first ran on (its VMCS/VMCB is cached
 * there); hvm_run on another CPU fails with -HVM_EMOVED.
 */
#ifndef VMX_HVM_H
#define VMX_HVM_H

#include <stdbool.h>
#include <stdint.h>

enum hvm_backend_kind { HVM_NONE, HVM_SVM, HVM_VMX };

/* Guest registers (mCertiKOS guest_reg_t). */
enum hvm_reg {
	HVM_EAX,
	HVM_EBX,
	HVM_ECX,
	HVM_EDX,
	HVM_ESI,
	HVM_EDI,
	HVM_EBP,
	HVM_ESP,
	HVM_EIP,
	HVM_EFLAGS,
	HVM_CR0,
	HVM_CR2,
	HVM_CR3,
	HVM_CR4,
	HVM_REG_MAX
};

/* Guest segments and descriptor tables (mCertiKOS guest_seg_t). */
enum hvm_seg_id {
	HVM_CS,
	HVM_DS,
	HVM_ES,
	HVM_FS,
	HVM_GS,
	HVM_SS,
	HVM_LDTR,
	HVM_TR,
	HVM_GDTR,
	HVM_IDTR,
	HVM_SEG_MAX
};

/* Access rights (VMX format). */
#define HVM_AR_P (1u << 7)
#define HVM_AR_S (1u << 4)
#define HVM_AR_L (1u << 13)
#define HVM_AR_DB (1u << 14)
#define HVM_AR_G (1u << 15)
#define HVM_AR_UNUSABLE (1u << 16)

struct hvm_seg {
	uint16_t sel;
	uint64_t base;
	uint32_t limit;
	uint32_t ar;
};

/* Exit reasons: Intel basic exit reason numbers. */
#define HVM_EXIT_EXCEPTION 0 /* exception or NMI */
#define HVM_EXIT_EXTINT 1    /* a host interrupt or NMI: nothing to do, run again */
#define HVM_EXIT_TRIPLE_FAULT 2
#define HVM_EXIT_INTWIN 7 /* interrupt window (hvm_intercept_intwin) */
#define HVM_EXIT_CPUID 10
#define HVM_EXIT_HLT 12
#define HVM_EXIT_RDTSC 16
#define HVM_EXIT_VMCALL 18 /* VMCALL / VMMCALL */
#define HVM_EXIT_IO 30
#define HVM_EXIT_RDMSR 31
#define HVM_EXIT_WRMSR 32
#define HVM_EXIT_INVALID 33 /* VM entry failed: invalid guest state */
#define HVM_EXIT_NPF 48     /* EPT violation / nested page fault */
#define HVM_EXIT_NPF_MISCONFIG 49
#define HVM_EXIT_OTHER 0xffff /* anything else: see raw */

/* hvm_exit.flags for I/O (the seeds' get_flags) */
#define HVM_IO_OUT 1 /* the seeds call it `write` */
#define HVM_IO_REP 2
#define HVM_IO_STR 4

struct hvm_exit {
	uint32_t reason;      /* HVM_EXIT_* */
	uint64_t raw;         /* the backend's own code: SVM EXITCODE / VMX exit reason */
	uint64_t qual;        /* SVM EXITINFO1 / VMX exit qualification */
	uint64_t info2;       /* SVM EXITINFO2 / VMX guest-linear address */
	uint16_t port;        /* I/O */
	uint8_t width;        /* I/O: 1, 2 or 4 bytes */
	uint8_t flags;        /* I/O: HVM_IO_* */
	uint64_t fault_gpa;   /* NPF: the guest-physical address */
	uint64_t next_rip;    /* the RIP after the exiting instruction (see docs/hvm.md) */
	uint64_t entry_error; /* HVM_EXIT_INVALID: VM-instruction error / SVM exit code */
};

/* Event types for hvm_inject (mCertiKOS guest_event_t). */
enum hvm_event { HVM_EV_EXTINT, HVM_EV_NMI, HVM_EV_EXCEPTION, HVM_EV_SWINT, HVM_EV_MAX };

/* Guest memory protections for hvm_map. */
#define HVM_PROT_R 1
#define HVM_PROT_W 2
#define HVM_PROT_X 4
#define HVM_PROT_RWX 7

/* Errors (negated). */
#define HVM_ENOSUPP 1 /* no SVM/VMX */
#define HVM_ENOMEM 2
#define HVM_EINVAL 3
#define HVM_EMOVED 4 /* hvm_run on another CPU than the VM's */
#define HVM_EHW 5    /* VMXON/VMPTRLD/... failed */

struct hvm_vm;

/* Detect the backend (CPUID) and print which one; once, at boot. */
void hvm_init(void);
enum hvm_backend_kind hvm_backend(void);
const char *hvm_backend_name(void); /* "AMD SVM with nested paging", ... or "none" */
/* Why there is no backend ("" if there is one): for test skips. */
const char *hvm_why_none(void);
/* Turn virtualization on on the calling CPU (idempotent; hvm_run does it). */
int hvm_cpu_enable(void);

/* A VM with no memory, its vCPU in real mode at 0000:0000 (hvm_reset_real). */
int hvm_vm_create(struct hvm_vm **out);
void hvm_vm_destroy(struct hvm_vm *vm); /* frees the nested tables, not the mapped pages */
/* Map guest-physical page gpa to host-physical page hpa (both 4 KiB aligned). */
int hvm_map(struct hvm_vm *vm, uint64_t gpa, uint64_t hpa, int prot);
/* Host-physical address gpa maps to, 0 if unmapped. */
uint64_t hvm_gpa_to_hpa(struct hvm_vm *vm, uint64_t gpa);
/* Reset the vCPU to real mode, CS:IP = cs:ip, SS:SP = 0:0, flat 64 KiB segments. */
void hvm_reset_real(struct hvm_vm *vm, uint16_t cs, uint16_t ip);

/* Enter the guest; return at its next exit (0, *ex filled) or -HVM_E*. */
int hvm_run(struct hvm_vm *vm, struct hvm_exit *ex);

uint64_t hvm_get_reg(struct hvm_vm *vm, enum hvm_reg r);
void hvm_set_reg(struct hvm_vm *vm, enum hvm_reg r, uint64_t v);
void hvm_get_seg(struct hvm_vm *vm, enum hvm_seg_id s, struct hvm_seg *out);
void hvm_set_seg(struct hvm_vm *vm, enum hvm_seg_id s, const struct hvm_seg *in);
/* Next RIP of the last exit (the instruction after the one that exited). */
uint64_t hvm_next_rip(struct hvm_vm *vm);
/* Queue an event for the next entry; -HVM_EINVAL for a bad type/vector. */
int hvm_inject(struct hvm_vm *vm, enum hvm_event type, uint8_t vector, uint32_t errcode,
	       bool has_errcode);
bool hvm_pending_event(struct hvm_vm *vm); /* an injected event not yet delivered */
bool hvm_int_shadow(struct hvm_vm *vm);    /* guest in an STI/MOV SS shadow */
void hvm_intercept_intwin(struct hvm_vm *vm, bool on);
uint64_t hvm_get_tsc_offset(struct hvm_vm *vm);
void hvm_set_tsc_offset(struct hvm_vm *vm, uint64_t off);

/* The system calls 11..25 (kern/vmx/hvm_syscall.c; table in kern/trap/syscall.c). */
struct proc;
#define HVM_SYSCALL(name) int sys_##name(struct proc *p, const uint64_t *a, uint64_t *ret)
HVM_SYSCALL(hvm_run_vm);
HVM_SYSCALL(hvm_get_exitinfo);
HVM_SYSCALL(hvm_mmap);
HVM_SYSCALL(hvm_set_seg);
HVM_SYSCALL(hvm_set_reg);
HVM_SYSCALL(hvm_get_reg);
HVM_SYSCALL(hvm_get_next_eip);
HVM_SYSCALL(hvm_inject_event);
HVM_SYSCALL(hvm_check_pending_event);
HVM_SYSCALL(hvm_check_int_shadow);
HVM_SYSCALL(hvm_intercept_int_window);
HVM_SYSCALL(hvm_get_tsc_offset);
HVM_SYSCALL(hvm_set_tsc_offset);
HVM_SYSCALL(hvm_handle_rdmsr);
HVM_SYSCALL(hvm_handle_wrmsr);
/* Destroy the VM of process `pid` (its exit; without a call a dead process's
 * VM goes when the pid is reused). */
void hvm_proc_release(int pid);

/* The in-kernel guests (kern/vmx/guests/): 16-bit real-mode code blobs. */
extern const uint8_t guest_hello_start[], guest_hello_end[];
/* Inside the hello blob: the benchmark loop's entry point, the 12 bytes where
 * the guest stores the CPUID vendor string. */
extern const uint8_t guest_hello_bench[], guest_hello_vendor[];

#endif
