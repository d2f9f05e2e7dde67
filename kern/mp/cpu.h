/*
 * Per-CPU data. Each CPU's GS base points at its own struct cpu, whose first
 * field points at itself, so thiscpu() is one %gs-relative load: O(1), no
 * APIC read, valid as soon as cpu_init_self() has run on that CPU.
 */
#ifndef MP_CPU_H
#define MP_CPU_H

#include <stdbool.h>
#include <stdint.h>

#include "boot/layout.h"
#include "trap/gdt.h"

struct oracle_actor;

enum cpu_state { CPU_ABSENT, CPU_STARTING, CPU_ONLINE, CPU_FAILED, CPU_HALTED };
enum call_state { CALL_FREE, CALL_BUSY };

struct cpu {
	struct cpu *self; /* %gs:0 */
	/* The syscall entry (trapentry.S) has no stack: it parks the user
	 * %rsp in %gs:8 and takes the running thread's kernel stack top from
	 * %gs:16 (kept equal to tss.rsp[0] by the scheduler). */
	uint64_t user_rsp;
	uint64_t kstack;
	/* tid, then id: one 64-bit load reads both (plat_actor_word, cpu.c). */
	uint32_t tid; /* id of the thread running here (plat_thread) */
	uint32_t id;  /* dense index 0..ncpu-1; the boot CPU is 0 */
	uint32_t apic_id;
	volatile int state; /* enum cpu_state */
	int ncli;           /* depth of pushcli() nesting */
	int intena;         /* were interrupts on before the first pushcli? */
	uint64_t kstack_top;
	volatile uint64_t ticks; /* LAPIC timer interrupts taken */
	volatile uint64_t nintr; /* device/IPI interrupts taken */
	/*
	 * Cross-CPU calls (smp_call): a caller claims the mailbox (call_state
	 * CALL_FREE -> CALL_BUSY, one CAS), fills fn/arg, bumps call_seq and
	 * kicks; this CPU runs the call, sets call_done = call_seq, then frees
	 * the mailbox.
	 */
	void (*volatile call_fn)(void *);
	void *volatile call_arg;
	volatile uint64_t call_seq, call_done;
	volatile uint32_t call_state;              /* enum call_state */
	struct oracle_actor *volatile call_waiter; /* the thread waiting for this CPU's call (script) */
	int intr_depth; /* > 0 inside an interrupt handler (the oracle refuses it) */
	struct gdt gdt;
	struct tss tss;
} __attribute__((aligned(64)));

extern struct cpu cpus[MAXCPU];
extern int ncpu; /* CPUs found in the MADT (capped at MAXCPU) */
extern volatile int ncpu_online;
extern int ncpu_found;   /* enabled CPUs in the MADT, even beyond MAXCPU */
extern int percpu_ready; /* GS base valid on every running CPU */

static inline struct cpu *thiscpu(void)
{
	struct cpu *c;
	__asm__ volatile("movq %%gs:0, %0" : "=r"(c));
	return c;
}

/* A field of this CPU's struct cpu, read %gs-relative: one load, not two
 * (thiscpu() then the field).  Every log append reads the CPU and thread
 * ids this way.  Volatile, as thiscpu(): a thread that migrates reads
 * another CPU's copy the next time. */
#define CPU_GS_LOAD(type, mov, field)                                                              \
	({                                                                                         \
		type v_;                                                                           \
		__asm__ volatile(mov " %%gs:%c1, %0"                                               \
				 : "=r"(v_)                                                        \
				 : "i"(__builtin_offsetof(struct cpu, field)));                    \
		v_;                                                                                \
	})
#define CPU_FIELD32(field)                                                                         \
	({                                                                                         \
		_Static_assert(sizeof(((struct cpu *)0)->field) == 4, "a 32-bit field");           \
		CPU_GS_LOAD(uint32_t, "movl", field);                                              \
	})
/* An aligned 64-bit field, or the first of two 32-bit ones (as one word). */
#define CPU_FIELD64(field)                                                                         \
	({                                                                                         \
		_Static_assert((sizeof(((struct cpu *)0)->field) == 8 ||                           \
				sizeof(((struct cpu *)0)->field) == 4) &&                          \
				       __builtin_offsetof(struct cpu, field) % 8 == 0,             \
			       "an aligned 64-bit field, or the first of two 32-bit ones");        \
		CPU_GS_LOAD(uint64_t, "movq", field);                                              \
	})

static inline uint32_t cpuid_self(void)
{
	return CPU_FIELD32(id);
}

/* Nested interrupt disabling, as in xv6: pushcli/popcli pairs may nest. */
void pushcli(void);
void popcli(void);

void cpu_init_self(struct cpu *c); /* GDT, TSS, IDT and GS base for the calling CPU */
void mp_init(void);                /* discover CPUs (ACPI MADT) */
void mp_start_aps(void);           /* INIT-SIPI-SIPI each AP, with a timeout */
void smp_call(int cpu, void (*fn)(void *), void *arg); /* run fn(arg) on cpu, asynchronously */
void smp_call_wait(int cpu);                           /* wait until that call returned */
bool smp_call_pending(unsigned cpu);              /* a call posted to that CPU has not run yet */
void smp_call_all(void (*fn)(void *), void *arg); /* run on every online CPU, incl. self; wait */
void cpu_idle_loop(void) __attribute__((noreturn));

#endif
