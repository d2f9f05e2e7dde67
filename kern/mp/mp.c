/*
 * CPU discovery and AP start-up.
 *
 * CPUs come from the ACPI MADT (SeaBIOS's MP table lists one CPU per socket,
 * so it would miss cores). Each AP is started on its own: INIT, 10 ms, SIPI,
 * 200 us, a second SIPI only if it has not answered, then a time-out; an AP
 * that never answers is reported and boot goes on without it.
 */
#include <stddef.h>

#include "boot/bootinfo.h"
#include "boot/kargs.h"
#include "dev/ioapic.h"
#include "dev/lapic.h"
#include "dev/timer.h"
#include "lib/kprintf.h"
#include "lib/panic.h"
#include "lib/string.h"
#include "mm/vm.h"
#include "mp/acpi.h"
#include "mp/cpu.h"
#include "mp/madt.h"
#include "oracle/oracle.h"
#include "thread/sched.h"
#include "thread/thread.h"
#include "trap/trapframe.h"
#include "x86.h"

#define AP_TIMEOUT_MS 1000

extern struct bootinfo bootinfo;
extern char tramp_start[], tramp_end[], tramp_params[];
static void ipi_call(struct trapframe *tf);
static uint8_t kstacks[MAXCPU][KSTACK_SIZE] __attribute__((aligned(16)));
static struct madt_info madt;
int ncpu_found; /* enabled CPUs in the MADT, including any beyond MAXCPU */

struct tramp_params {
	uint64_t cr3, stack, entry, arg;
};

void mp_init(void)
{
	int allow_x2 = (int)karg_ulong("x2apic", 1);
	const struct acpi_sdt_header *h = acpi_find_table(&bootinfo, "APIC");
	int err = h ? madt_parse(h, h->length, &madt) : -1;
	if (!h || err < 0) {
		kprintf("mp: %s; running on the boot CPU only\n",
			h ? madt_strerror(err) : "no ACPI MADT found");
		lapic_set_base(0xfee00000, allow_x2);
		cpus[0].apic_id = lapic_id();
		ncpu = ncpu_found = 1;
		return;
	}
	lapic_set_base(madt.lapic_addr, allow_x2);
	kprintf("lapic: %s mode\n", lapic_x2apic() ? "x2APIC" : "xAPIC");
	uint32_t self = lapic_id();
	/* The boot CPU is cpus[0]; the others follow in MADT order. */
	ncpu = 1;
	ncpu_found = 0;
	cpus[0].apic_id = self;
	for (uint32_t i = 0; i < madt.n_cpus; i++) {
		if (!madt.cpus[i].enabled)
			continue;
		ncpu_found++;
		if (madt.cpus[i].apic_id == self)
			continue;
		if (ncpu == MAXCPU)
			continue;
		cpus[ncpu].id = (uint32_t)ncpu;
		cpus[ncpu].apic_id = madt.cpus[i].apic_id;
		ncpu++;
	}
	if (ncpu_found > MAXCPU)
		kprintf("mp: %d cpus found, only %d supported (MAXCPU); ignoring the rest\n",
			ncpu_found, MAXCPU);
	for (uint32_t i = 0; i < madt.n_isos; i++)
		ioapic_add_override(madt.isos[i].source_irq, madt.isos[i].gsi, madt.isos[i].flags);
	if (madt.n_ioapics > 0)
		ioapic_init(madt.ioapics[0].address, madt.ioapics[0].gsi_base);
	else
		kprintf("mp: no IOAPIC in the MADT: no device interrupts\n");
}

static void ap_main(struct cpu *c) __attribute__((noreturn));
static void ap_main(struct cpu *c)
{
	cpu_init_self(c); /* first: everything else uses thiscpu() */
	lapic_init();
	lapic_timer_start(HZ);
	thread_init_cpu(); /* this boot stack becomes the CPU's idle thread */
	__atomic_fetch_add(&ncpu_online, 1, __ATOMIC_SEQ_CST);
	__atomic_store_n(&c->state, CPU_ONLINE, __ATOMIC_RELEASE);
	cpu_idle_loop();
}

static int wait_online(struct cpu *c, uint64_t us)
{
	uint64_t end = nsec_since_boot() + us * 1000;
	while (__atomic_load_n(&c->state, __ATOMIC_ACQUIRE) == CPU_STARTING) {
		if (nsec_since_boot() > end)
			return 0;
		cpu_relax();
	}
	return 1;
}

static void start_ap(struct cpu *c)
{
	volatile struct tramp_params *p =
		(void *)(uintptr_t)(TRAMP_BASE + (tramp_params - tramp_start));
	c->kstack_top = (uint64_t)kstacks[c->id] + KSTACK_SIZE;
	p->cr3 = kvm_cr3();
	p->stack = c->kstack_top;
	p->entry = (uint64_t)ap_main;
	p->arg = (uint64_t)c;
	c->state = CPU_STARTING;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);

	lapic_send_init(c->apic_id);
	udelay(10000);
	lapic_send_sipi(c->apic_id, TRAMP_BASE >> 12);
	if (!wait_online(c, 200)) {
		lapic_send_sipi(c->apic_id, TRAMP_BASE >> 12);
		if (!wait_online(c, AP_TIMEOUT_MS * 1000ull)) {
			c->state = CPU_FAILED;
			kprintf("mp: cpu %u (apic id %u) did not answer within %d ms; going on without it\n",
				c->id, c->apic_id, AP_TIMEOUT_MS);
		}
	}
}

void mp_start_aps(void)
{
	irq_register(T_IPI_CALL, ipi_call);
	memcpy((void *)TRAMP_BASE, tramp_start, (size_t)(tramp_end - tramp_start));
	for (int i = 1; i < ncpu; i++)
		start_ap(&cpus[i]);
}

/* ---- cross-CPU calls ---- */

static void ipi_call(struct trapframe *tf)
{
	/* Nothing to do here: the interrupt only ends the target's hlt; the idle loop runs the call. */
}

/*
 * One mailbox per target, owned from the claim until the target has run the
 * call. Callers waiting for a busy mailbox all see it freed at the same
 * moment; claiming it by a check and a store would let two of them fill it
 * (one call lost, the other run twice), so the claim is one CAS and the
 * losers go on waiting. Interrupts stay off from the claim to the kick: an
 * interrupt handler on this CPU calling the same target would otherwise wait
 * for a mailbox that only the kick we have not sent yet can free.
 */
static void wait_done(struct cpu *c, uint64_t seq);

void smp_call(int cpu, void (*fn)(void *), void *arg)
{
	struct cpu *c = &cpus[cpu];
	if (c == thiscpu()) {
		fn(arg);
		return;
	}
	for (;;) {
		uint32_t expect = CALL_FREE;
		pushcli();
		if (__atomic_compare_exchange_n(&c->call_state, &expect, CALL_BUSY, false,
						__ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
			break;
		popcli();
		/* A call not yet run needs the target's turns (script): wait for
		 * it as smp_call_wait does.  Then only the target's store of FREE
		 * is left, which needs no turn: wait for it in place. */
		wait_done(c, __atomic_load_n(&c->call_seq, __ATOMIC_ACQUIRE));
		while (__atomic_load_n(&c->call_state, __ATOMIC_RELAXED) != CALL_FREE)
			cpu_relax();
	}
	c->call_fn = fn;
	c->call_arg = arg;
	/* Under the target's run-queue lock: its idle loop decides to idle
	 * under that lock after looking for calls (sched_idle_work), so it
	 * cannot idle on a stale look after the oracle counted it woken. */
	sched_runq_lock((unsigned)cpu);
	__atomic_fetch_add(&c->call_seq, 1, __ATOMIC_RELEASE);
	/* script: the target's idle thread, which runs calls, is an actor from now on */
	oracle_join(sched_idle_actor((unsigned)cpu), (unsigned)cpu);
	sched_runq_unlock((unsigned)cpu);
	lapic_send_ipi(c->apic_id, T_IPI_CALL);
	popcli();
}

/* Waits for the calls published so far (ours among them), not for later
 * callers' calls, which could otherwise keep us waiting for ever. */
/*
 * Wait until call `seq` of c is done.  Under script the target runs the call
 * only in turns of its own, so the waiter stops taking part meanwhile; and it
 * must take part again at a point the schedule fixes, not whenever it happens
 * to see call_done: the target, still holding the turn, wakes it through the
 * oracle (call_waiter) before it publishes call_done.  While the waiter holds
 * the turn the target cannot be half-way through its call's end, so the first
 * look at call_done is a function of the schedule too.
 */
static void wait_done(struct cpu *c, uint64_t seq)
{
	if (__atomic_load_n(&c->call_done, __ATOMIC_ACQUIRE) >= seq)
		return;
	struct oracle_actor *me = &sched_current()->actor;
	__atomic_store_n(&c->call_waiter, me, __ATOMIC_RELEASE);
	oracle_leave(me);
	/* Not an actor meanwhile, but still on its CPU: under script the
	 * CPU's turn holder may be queued behind it. */
	while (__atomic_load_n(&c->call_done, __ATOMIC_ACQUIRE) < seq)
		if (!(oracle_counts_actors() && sched_turn_yield()))
			cpu_relax();
	oracle_busy(me);
}

void smp_call_wait(int cpu)
{
	struct cpu *c = &cpus[cpu];
	wait_done(c, __atomic_load_n(&c->call_seq, __ATOMIC_ACQUIRE));
}

bool smp_call_pending(unsigned cpu)
{
	struct cpu *c = &cpus[cpu];
	return __atomic_load_n(&c->call_seq, __ATOMIC_ACQUIRE) !=
	       __atomic_load_n(&c->call_done, __ATOMIC_ACQUIRE);
}

static int run_pending_call(struct cpu *c)
{
	uint64_t seq = __atomic_load_n(&c->call_seq, __ATOMIC_ACQUIRE);
	if (seq == c->call_done)
		return 0;
	sti();
	oracle_busy(sched_idle_actor(c->id)); /* script: wait for the idle thread's turn first */
	c->call_fn(c->call_arg);
	/* A waiter rejoins the schedule now, while this CPU holds the turn
	 * (wait_done), then sees call_done. */
	struct oracle_actor *w = __atomic_exchange_n(&c->call_waiter, 0, __ATOMIC_ACQ_REL);
	if (w)
		oracle_join(w, w->cpu);
	/* call_done first: a caller that claims the freed mailbox bumps call_seq past it. */
	__atomic_store_n(&c->call_done, seq, __ATOMIC_RELEASE);
	__atomic_store_n(&c->call_state, CALL_FREE, __ATOMIC_RELEASE);
	return 1;
}

void smp_call_all(void (*fn)(void *), void *arg)
{
	int self = (int)cpuid_self();
	for (int i = 0; i < ncpu; i++)
		if (i != self && cpus[i].state == CPU_ONLINE)
			smp_call(i, fn, arg);
	fn(arg);
	for (int i = 0; i < ncpu; i++)
		if (i != self && cpus[i].state == CPU_ONLINE)
			smp_call_wait(i);
}

void cpu_idle_loop(void)
{
	struct cpu *c = thiscpu();
	for (;;) {
		cli();
		if (run_pending_call(c) || sched_idle_work() || sched_idle_poll())
			continue;
		kplat_halt(); /* a kick between the check and the hlt still wakes us */
	}
}
