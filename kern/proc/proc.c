/*
 * proc.c - user processes (design in proc.h).
 */
#include "proc/proc.h"

#include "boot/layout.h"
#include "lib/kprintf.h"
#include "lib/panic.h"
#include "lib/spinlock.h"
#include "lib/string.h"
#include "log/log.h"
#include "mm/container.h"
#include "mm/palloc.h"
#include "mm/vm.h"
#include "mp/cpu.h"
#include "oracle/oracle.h"
#include "proc/elf.h"
#include "proc/uclock.h"
#include "proc/uprog.h"
#include "thread/chan.h"
#include "thread/errno.h"
#include "thread/sched.h"
#include "vmx/hvm.h"
#include "x86.h"

static struct proc procs[PROC_MAX];
static struct spinlock table_lock = SPINLOCK_INIT("procs");
static struct log_obj *table_log;

#define ARGV_MAX (SPAWN_WORDS_MAX + 1) /* the name, then the words */

_Static_assert(SPAWN_MAX_CHILDREN == CONTAINER_MAX_CHILDREN, "uapi says what containers allow");

void proc_init(void)
{
	uvm_init();
	table_log = log_register(&proc_table_log_type, "procs", 0);
	uclock_init();
}

/* Table changes are ordered operations (replay: pids come out as recorded). */
static void table_begin(void)
{
	oracle_before(table_log, ORACLE_ORDERED);
	pushcli();
	spin_acquire(&table_lock);
}

static void table_end(void)
{
	spin_release(&table_lock);
	popcli();
	oracle_after(table_log, ORACLE_ORDERED);
}

struct proc *proc_self(void)
{
	struct thread *t = sched_current();
	return t ? t->proc : 0;
}

static int self_pid(void)
{
	struct proc *p = proc_self();
	return p ? p->pid : 0;
}

int proc_prog_find(const char *name)
{
	for (uint64_t i = 0; i < uprogs_count; i++)
		if (strcmp(uprogs[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* The next word of an argument string at or after s (words are split at
 * spaces), its length in *len; NULL when there is none. */
static const char *next_word(const char *s, size_t *len)
{
	while (*s == ' ')
		s++;
	if (!*s)
		return 0;
	const char *e = s;
	while (*e && *e != ' ')
		e++;
	*len = (size_t)(e - s);
	return s;
}

/* An argument string the child can be given whole (proc_spawn). */
static bool args_fit(const char *args)
{
	size_t len, n = 0;
	if (strlen(args) >= SPAWN_ARGS_MAX)
		return false;
	for (const char *s = args; (s = next_word(s, &len)); s += len)
		if (++n > SPAWN_WORDS_MAX)
			return false;
	return true;
}

/* argc, argv[] and the strings at the top of the user stack; the start
 * %rsp (16-byte aligned, pointing at argc), 0 without quota. */
static uint64_t stack_init(struct proc *p)
{
	char *scratch = (char *)p->msg; /* one page, not yet used for IPC */
	uint64_t argv[ARGV_MAX + 1];
	int argc = 0;
	uint64_t top = USER_STACK_TOP, sp = top;
	/* The words: the program's name, then args split at spaces. */
	const char *words[ARGV_MAX];
	size_t lens[ARGV_MAX];
	words[argc] = p->name;
	lens[argc++] = strlen(p->name);
	for (const char *s = p->args; argc < ARGV_MAX && (s = next_word(s, &lens[argc]));) {
		words[argc] = s;
		s += lens[argc++];
	}
	/* Strings, packed downwards in the scratch page, then copied out. */
	size_t used = 0;
	for (int i = argc - 1; i >= 0; i--) {
		used += lens[i] + 1;
		memcpy(scratch + PGSIZE - used, words[i], lens[i]);
		scratch[PGSIZE - used + lens[i]] = 0;
		argv[i] = top - used;
	}
	argv[argc] = 0;
	sp = (top - used) & ~15ull;
	size_t vec = (size_t)(argc + 2) * 8; /* argc, argv[0..argc] */
	sp = (sp - vec) & ~15ull;
	if (!uvm_copyout(&p->vm, top - used, scratch + PGSIZE - used, used))
		return 0;
	uint64_t ac = (uint64_t)argc;
	if (!uvm_copyout(&p->vm, sp, &ac, 8) ||
	    !uvm_copyout(&p->vm, sp + 8, argv, (size_t)(argc + 1) * 8))
		return 0;
	return sp;
}

static void proc_entry(void *arg) __attribute__((noreturn));
static void proc_entry(void *arg)
{
	struct proc *p = arg;
	struct thread *t = sched_current();
	p->thread = t; /* before any system call reads it (the spawner sets it too, later) */
	t->container = p->container;
	cli();
	t->proc = p;
	t->cr3 = (uint64_t)(uintptr_t)p->vm.pml4;
	lcr3(t->cr3);
	thiscpu()->kstack = thiscpu()->tss.rsp[0] = (uint64_t)(t->stack + THREAD_STACK_SIZE);
	struct trapframe tf;
	memset(&tf, 0, sizeof tf);
	tf.rip = p->entry;
	tf.cs = SEG_UCODE | 3;
	tf.ss = SEG_UDATA | 3;
	tf.rflags = RFLAGS_IF;
	tf.rsp = p->ustack;
	user_enter(&tf);
}

/* Undo a spawn that failed half way (the slot goes LIVE -> ZOMBIE -> FREE). */
static void spawn_undo(struct proc *p)
{
	chan_close((uint32_t)p->pid);
	uvm_destroy(&p->vm);
	if (p->msg)
		pfree(p->msg);
	container_destroy(p->container);
	table_begin();
	log_append(table_log, PR_EXIT, (uint64_t)p->pid, (uint64_t)EXIT_KILLED);
	log_append(table_log, PR_REAP, (uint64_t)p->pid, (uint64_t)EXIT_KILLED);
	p->state = PS_FREE;
	table_end();
}

int proc_spawn(int prog, uint64_t quota, const char *args, int cpu)
{
	struct proc *self = proc_self();
	if (prog < 0 || (uint64_t)prog >= uprogs_count)
		return -E_INVAL_ID;
	if (cpu == SPAWN_ANY_CPU)
		cpu = sched_current()->cpu;
	if (cpu < 0 || cpu >= ncpu_online)
		return -E_INVAL_ID;
	if (quota == 0 || quota > (1ull << 40))
		return -E_MEM;
	/* More words (or bytes) than the child can get: refused, not cut. */
	if (args && !args_fit(args))
		return -E_INVAL_ADDR;
	uint32_t pc = self ? self->container : sched_current()->container;
	int cid = container_split(pc, quota);
	if (cid < 0)
		return -E_MEM; /* no quota, or no child container left to split into */

	table_begin();
	struct proc *p = 0;
	for (int i = 1; i < PROC_MAX && !p; i++)
		if (procs[i].state == PS_FREE)
			p = &procs[i];
	if (p) {
		memset(p, 0, sizeof *p);
		p->pid = (int)(p - procs);
		p->state = PS_LIVE;
		p->parent = self_pid();
		log_append(table_log, PR_SPAWN, (uint64_t)p->pid,
			   (uint64_t)prog | (uint64_t)p->parent << 32);
	}
	table_end();
	if (!p) {
		container_destroy((uint32_t)cid);
		return -E_INVAL_PID;
	}
	p->prog = prog;
	p->cpu = cpu;
	p->container = (uint32_t)cid;
	strlcpy(p->name, uprogs[prog].name, sizeof p->name);
	strlcpy(p->args, args ? args : "", sizeof p->args);
	p->msg = palloc();
	int err = -E_MEM;
	if (!p->msg || !uvm_create(&p->vm, p->container))
		goto fail;
	const char *why = elf_load(&p->vm, uprogs[prog].elf, uprogs[prog].size, &p->entry);
	if (why) {
		if (strcmp(why, "out of quota") != 0)
			kprintf("spawn %s: bad program: %s\n", p->name, why);
		goto fail;
	}
	uint64_t sp = stack_init(p);
	if (!sp)
		goto fail;
	p->ustack = sp;
	err = -E_INVAL_PID;
	if (chan_open((uint32_t)p->pid) != 0)
		goto fail;
	struct thread *t = thread_spawn(p->name, cpu, proc_entry, p);
	if (!t)
		goto fail;
	p->thread = t;
	return p->pid;
fail:
	spawn_undo(p);
	return err;
}

static bool is_child(const struct proc *p, int parent)
{
	return p->state != PS_FREE && p->parent == parent;
}

static void kill_one(struct proc *p)
{
	__atomic_store_n(&p->killed, 1, __ATOMIC_RELEASE);
	chan_close((uint32_t)p->pid); /* a receive it sleeps in returns */
}

int proc_kill(int pid)
{
	if (pid <= 0 || pid >= PROC_MAX || !is_child(&procs[pid], self_pid()))
		return -E_INVAL_PID;
	kill_one(&procs[pid]);
	return 0;
}

int proc_wait(int pid, int *statusp)
{
	if (pid <= 0 || pid >= PROC_MAX || !is_child(&procs[pid], self_pid()))
		return -E_INVAL_PID;
	struct proc *p = &procs[pid];
	thread_join(p->thread);
	int status = p->status;
	*statusp = status;
	table_begin();
	log_append(table_log, PR_REAP, (uint64_t)pid, (uint64_t)(int64_t)status);
	p->state = PS_FREE;
	table_end();
	return 0;
}

void proc_exit(int status)
{
	struct proc *p = proc_self();
	struct thread *t = sched_current();
	if (!p)
		panic("proc_exit in kernel thread %u", t->id);
	sti();
	p->status = status;
	chan_close((uint32_t)p->pid); /* senders to it fail from now on */
	/* Children never outlive their parent: each has a waiter.  Kill them
	 * all first, then wait: a child asleep sending to a sibling wakes only
	 * when that sibling's channel closes (its kill), so killing and
	 * waiting one by one could wait forever. */
	for (int i = 1; i < PROC_MAX; i++)
		if (is_child(&procs[i], p->pid))
			kill_one(&procs[i]);
	for (int i = 1; i < PROC_MAX; i++)
		if (is_child(&procs[i], p->pid)) {
			int st;
			proc_wait(i, &st);
		}
	p->exiting = 1;           /* its container is about to go: proc_info stops reading it */
	hvm_proc_release(p->pid); /* its VM, if it ran one */
	cli();
	t->cr3 = 0;
	lcr3(kvm_cr3());
	t->proc = 0; /* from here on a kernel thread */
	sti();
	uvm_destroy(&p->vm);
	pfree(p->msg);
	p->msg = 0;
	int r = container_destroy(p->container);
	if (r != 0)
		panic("proc %d: its container %u would not go (%d)", p->pid, p->container, r);
	table_begin();
	p->state = PS_ZOMBIE;
	log_append(table_log, PR_EXIT, (uint64_t)p->pid, (uint64_t)(int64_t)status);
	table_end();
	thread_exit();
}

/* rdtsc (0f 31) and rdtscp (0f 01 f9) fault in user mode (CR4.TSD): the
 * value comes from the user clock, recorded and replayed (uclock.h). */
static bool emulate_rdtsc(struct proc *p, struct trapframe *tf)
{
	uint8_t insn[3];
	if (!uvm_copyin(&p->vm, insn, tf->rip, 2) || insn[0] != 0x0f)
		return false;
	unsigned len = 2;
	if (insn[1] == 0x01) {
		if (!uvm_copyin(&p->vm, insn, tf->rip, 3) || insn[2] != 0xf9)
			return false;
		len = 3;
		tf->rcx = (uint64_t)p->cpu; /* TSC_AUX: the CPU the process runs on */
	} else if (insn[1] != 0x31) {
		return false;
	}
	uint64_t t = uclock_tsc();
	tf->rax = (uint32_t)t;
	tf->rdx = t >> 32;
	tf->rip += len;
	return true;
}

void proc_fault(struct trapframe *tf)
{
	struct proc *p = proc_self();
	sti();
	/* A kernel entry that may touch shared objects (the clock for rdtsc, the
	 * container for a page): a preemption point like a system call, so a
	 * recorded tick preemption is replayed before these events, not after. */
	sched_preempt_point();
	uint64_t addr = tf->rip;
	const char *what = trap_name(tf->trapno);
	if (tf->trapno == T_GPFLT && emulate_rdtsc(p, tf)) {
		cli();
		return;
	}
	if (tf->trapno == T_PGFLT) {
		addr = rcr2();
		if (!(tf->err & 1) && uvm_range_ok(addr, 1)) {
			if (uvm_page(&p->vm, addr, true)) {
				cli();
				return; /* reserved: run on */
			}
			what = "page fault past quota";
		}
	}
	kprintf("proc %d (%s) cpu %u killed: %s at 0x%lx rip 0x%lx\n", p->pid, p->name,
		cpuid_self(), what, addr, tf->rip);
	proc_exit(EXIT_KILLED);
}

void proc_user_return(struct trapframe *tf, int from_syscall)
{
	struct proc *p = proc_self();
	if (!p)
		return;
	if (__atomic_load_n(&p->killed, __ATOMIC_ACQUIRE)) {
		sti();
		kprintf("proc %d (%s) cpu %u killed\n", p->pid, p->name, cpuid_self());
		proc_exit(EXIT_KILLED);
	}
	if (!from_syscall) {
		sti();
		sched_preempt_user_tick();
	}
	cli();
}

int proc_info(int slot, struct proc_info *out)
{
	if (slot < 0 || slot >= PROC_MAX)
		return -E_INVAL_ID;
	const struct proc *p = &procs[slot];
	if (p->state == PS_FREE)
		return -E_INVAL_PID;
	memset(out, 0, sizeof *out);
	out->pid = p->pid;
	out->cpu = p->cpu;
	out->parent = p->parent;
	const struct thread *t = p->thread;
	out->state = p->state == PS_ZOMBIE ? 3 : t && t->state == TS_SLEEP ? 2 : 1;
	/* Unlocked, and no event: whether another process is still live is a
	 * matter of timing, and an ordered operation taken or not on that
	 * account would make a replay diverge.  (So the figures are a moment's
	 * view; get_quota, on the caller's own container, is exact.) */
	const struct container_state *c =
		p->state == PS_LIVE && !p->exiting ? container_get(p->container) : 0;
	if (c) {
		out->quota = c->quota;
		out->usage = c->usage;
	}
	out->syscalls = p->syscalls;
	strlcpy(out->name, p->name, sizeof out->name);
	return 0;
}

void proc_list(void)
{
	kprintf("  %-4s %-12s %-6s %3s %6s %8s %8s %10s  %s\n", "pid", "name", "state", "cpu",
		"parent", "quota", "usage", "syscalls", "args");
	for (int i = 1; i < PROC_MAX; i++) {
		struct proc_info pi;
		if (proc_info(i, &pi) != 0)
			continue;
		static const char *const st[] = { "?", "run", "sleep", "exited" };
		kprintf("  %-4d %-12s %-6s %3d %6d %8lu %8lu %10lu  %s\n", pi.pid, pi.name,
			st[pi.state], pi.cpu, pi.parent, pi.quota, pi.usage, pi.syscalls,
			procs[i].args);
	}
}

bool proc_run_shell(void)
{
	int prog = proc_prog_find("sh");
	if (prog < 0)
		return false;
	int pid = proc_spawn(prog, PROC_RUN_QUOTA, "", 0);
	if (pid < 0) {
		kprintf("shell: spawn failed: error %d\n", -pid);
		return false;
	}
	int status = 0;
	proc_wait(pid, &status);
	kprintf("shell: exit %d; the kernel monitor takes over\n", status);
	return true;
}
