/*
 * syscall.c - the system-call table and its handlers.
 *
 * Each handler gets the caller's process and its five arguments, returns
 * an error code (E_SUCC or one of the seeds') and may set *ret (%rdx).
 * Every user pointer goes through uvm_copyin/out (range, mapping, quota)
 * before the kernel touches the data: a bad pointer is E_INVAL_ADDR, never
 * a kernel fault.  The `errors` column is what the call may return besides
 * E_SUCC; docs/syscalls.md must list the same (a test compares them).
 */
#include "trap/syscall.h"

#include "dev/console.h"
#include "dev/timer.h"
#include "boot/monitor.h"
#include "lib/kprintf.h"
#include "lib/string.h"
#include "mm/container.h"
#include "mp/cpu.h"
#include "oracle/oracle.h"
#include "proc/proc.h"
#include "proc/uclock.h"
#include "proc/uprog.h"
#include "thread/chan.h"
#include "thread/sched.h"
#include "uapi/syscall.h"
#include "vmx/hvm.h"
#include "x86.h"

typedef int (*sys_fn)(struct proc *p, const uint64_t *a, uint64_t *ret);

#define PUTS_MAX 4096
#define SLEEP_MAX_MS 60000
#define MONITOR_LINE_MAX 128

static int sys_puts(struct proc *p, const uint64_t *a, uint64_t *ret)
{
	if (a[1] > PUTS_MAX || !uvm_copyin(&p->vm, p->msg, a[0], a[1]))
		return E_INVAL_ADDR;
	cons_write((const char *)p->msg, a[1]);
	return E_SUCC;
}

static int sys_putc(struct proc *p, const uint64_t *a, uint64_t *ret)
{
	if (a[0] > 255)
		return E_INVAL_ID;
	char c = (char)a[0];
	cons_write(&c, 1);
	return E_SUCC;
}

static int err_of(int r)
{
	return r < 0 ? -r : E_SUCC;
}

static int sys_spawn(struct proc *p, const uint64_t *a, uint64_t *ret)
{
	char args[SPAWN_ARGS_MAX];
	args[0] = 0;
	if (a[0] >= uprogs_count)
		return E_INVAL_ID;
	if (a[2] && !uvm_copyinstr(&p->vm, args, a[2], sizeof args))
		return E_INVAL_ADDR;
	int64_t cpu = (int64_t)a[3];
	if (cpu != SPAWN_ANY_CPU && (cpu < 0 || cpu >= ncpu_online))
		return E_INVAL_ID;
	int r = proc_spawn((int)a[0], a[1], args, (int)cpu);
	if (r > 0)
		*ret = (uint64_t)r;
	return err_of(r);
}

static int sys_yield(struct proc *p, const uint64_t *a, uint64_t *ret)
{
	sched_yield();
	return E_SUCC;
}

/* Give the CPU up for a while without a sleep queue: run whatever else is
 * queued, or halt until the next interrupt (a tick, a kick). */
static void pause_cpu(void)
{
	if (sched_runq_len((int)cpuid_self()) > 0)
		sched_yield();
	else {
		cli();
		kplat_halt(); /* a kick (a wakeup queued here) ends it too */
		sti();
	}
}

static int sys_sleep(struct proc *p, const uint64_t *a, uint64_t *ret)
{
	if (a[0] > SLEEP_MAX_MS)
		return E_INVAL_ID;
	if (oracle_cur->before) { /* script, replay: no wall-clock time in the run */
		sched_yield();
		return E_SUCC;
	}
	uint64_t end = rdtsc() + tsc_hz() / 1000 * a[0];
	while (rdtsc() < end && !__atomic_load_n(&p->killed, __ATOMIC_ACQUIRE))
		pause_cpu();
	return E_SUCC;
}

static int sys_getc(struct proc *p, const uint64_t *a, uint64_t *ret)
{
	int c;
	while ((c = cons_getc()) < 0 && !__atomic_load_n(&p->killed, __ATOMIC_ACQUIRE))
		pause_cpu();
	*ret = c < 0 ? 0 : (uint64_t)c;
	return E_SUCC;
}

static int sys_is_chan_ready(struct proc *p, const uint64_t *a, uint64_t *ret)
{
	int r = chan_ready((uint32_t)p->pid);
	*ret = r > 0;
	return E_SUCC;
}

static int sys_send(struct proc *p, const uint64_t *a, uint64_t *ret)
{
	uint64_t chid = a[0], n = a[2];
	if (chid == 0 || chid >= PROC_MAX)
		return E_INVAL_CHID;
	if (chid == (uint64_t)p->pid)
		return E_IPC;
	if (n > CHAN_WORDS_MAX)
		n = CHAN_WORDS_MAX;
	if (!uvm_copyin(&p->vm, p->msg, a[1], n * 4))
		return E_INVAL_ADDR;
	int r = chan_send((uint32_t)chid, p->msg, (uint32_t)n);
	if (r == -E_INVAL_CHID)
		r = -E_INVAL_PID; /* no channel yet: no such process has ever run */
	if (r >= 0)
		*ret = (uint64_t)r;
	return err_of(r);
}

static int sys_recv(struct proc *p, const uint64_t *a, uint64_t *ret)
{
	uint64_t n = a[2];
	if (a[0] != (uint64_t)p->pid)
		return E_INVAL_CHID;
	if (n > CHAN_WORDS_MAX)
		n = CHAN_WORDS_MAX;
	/* Check the buffer before taking a message: a message is never lost
	 * to a bad pointer. */
	if (!uvm_range_ok(a[1], n * 4))
		return E_INVAL_ADDR;
	for (uint64_t va = a[1] & ~0xfffull; va < a[1] + n * 4; va += 4096)
		if (!uvm_writable(&p->vm, va))
			return E_INVAL_ADDR;
	int r = chan_recv((uint32_t)p->pid, p->msg, (uint32_t)n);
	if (r < 0)
		return E_IPC; /* the channel was closed under it: the process is being killed */
	if (!uvm_copyout(&p->vm, a[1], p->msg, (size_t)r * 4))
		return E_INVAL_ADDR;
	*ret = (uint64_t)r;
	return E_SUCC;
}

static int sys_get_tsc_per_ms(struct proc *p, const uint64_t *a, uint64_t *ret)
{
	*ret = uclock_tsc_per_ms(); /* recorded: the calibration differs between boots */
	return E_SUCC;
}

static int sys_nocall(struct proc *p, const uint64_t *a, uint64_t *ret)
{
	return E_INVAL_CALLNR;
}

static int sys_get_quota(struct proc *p, const uint64_t *a, uint64_t *ret)
{
	struct container_state c;
	*ret = container_read(p->container, &c) ? c.quota - c.usage - c.childq : 0;
	return E_SUCC;
}

static int sys_exit(struct proc *p, const uint64_t *a, uint64_t *ret)
{
	proc_exit((int)a[0]);
}

static int sys_wait(struct proc *p, const uint64_t *a, uint64_t *ret)
{
	if (a[0] >= PROC_MAX)
		return E_INVAL_PID;
	int status;
	if (proc_wait((int)a[0], &status) != 0)
		return E_INVAL_PID;
	*ret = (uint64_t)(int64_t)status;
	return E_SUCC;
}

static int sys_getpid(struct proc *p, const uint64_t *a, uint64_t *ret)
{
	*ret = (uint64_t)p->pid;
	return E_SUCC;
}

static int sys_kill(struct proc *p, const uint64_t *a, uint64_t *ret)
{
	return a[0] >= PROC_MAX ? E_INVAL_PID : err_of(proc_kill((int)a[0]));
}

static int sys_prog_name(struct proc *p, const uint64_t *a, uint64_t *ret)
{
	if (a[0] >= uprogs_count)
		return E_INVAL_ID;
	const char *name = uprogs[a[0]].name;
	size_t len = strlen(name);
	if (!uvm_range_ok(a[1], a[2]) || a[2] < len + 1 || !uvm_copyout(&p->vm, a[1], name, len + 1))
		return E_INVAL_ADDR;
	*ret = len;
	return E_SUCC;
}

static int sys_proc_info(struct proc *p, const uint64_t *a, uint64_t *ret)
{
	struct proc_info pi;
	int r = a[0] >= PROC_MAX ? -E_INVAL_ID : proc_info((int)a[0], &pi);
	if (r < 0)
		return -r;
	return uvm_copyout(&p->vm, a[1], &pi, sizeof pi) ? E_SUCC : E_INVAL_ADDR;
}

static int sys_monitor(struct proc *p, const uint64_t *a, uint64_t *ret)
{
	char line[MONITOR_LINE_MAX];
	if (!uvm_copyinstr(&p->vm, line, a[0], sizeof line))
		return E_INVAL_ADDR;
	return monitor_exec(line) ? E_SUCC : E_INVAL_ID;
}

static int sys_getcpu(struct proc *p, const uint64_t *a, uint64_t *ret)
{
	*ret = cpuid_self();
	return E_SUCC;
}

static int sys_ncpu(struct proc *p, const uint64_t *a, uint64_t *ret)
{
	*ret = (uint64_t)ncpu_online;
	return E_SUCC;
}

static const struct {
	const char *name;
	sys_fn fn;
	const char *errors; /* besides E_SUCC, as in docs/syscalls.md */
} calls[SYS_NR] = {
	[SYS_puts] = { "puts", sys_puts, "E_INVAL_ADDR" },
	[SYS_ring0_spawn] = { "ring0_spawn", sys_nocall, "E_INVAL_CALLNR" },
	[SYS_spawn] = { "spawn", sys_spawn, "E_MEM, E_INVAL_ID, E_INVAL_ADDR, E_INVAL_PID" },
	[SYS_yield] = { "yield", sys_yield, "-" },
	[SYS_sleep] = { "sleep", sys_sleep, "E_INVAL_ID" },
	[SYS_disk_op] = { "disk_op", sys_nocall, "E_INVAL_CALLNR" },
	[SYS_disk_cap] = { "disk_cap", sys_nocall, "E_INVAL_CALLNR" },
	[SYS_is_chan_ready] = { "is_chan_ready", sys_is_chan_ready, "-" },
	[SYS_send] = { "send", sys_send, "E_INVAL_CHID, E_INVAL_PID, E_INVAL_ADDR, E_IPC" },
	[SYS_recv] = { "recv", sys_recv, "E_INVAL_CHID, E_INVAL_ADDR, E_IPC" },
	[SYS_get_tsc_per_ms] = { "get_tsc_per_ms", sys_get_tsc_per_ms, "-" },
	[SYS_hvm_run_vm] = { "hvm_run_vm", sys_hvm_run_vm, "E_INVAL_HVM" },
	[SYS_hvm_get_exitinfo] = { "hvm_get_exitinfo", sys_hvm_get_exitinfo, "E_INVAL_HVM" },
	[SYS_hvm_mmap] = { "hvm_mmap", sys_hvm_mmap, "E_INVAL_HVM, E_INVAL_ADDR, E_MEM, E_INVAL_PID" },
	[SYS_hvm_set_seg] = { "hvm_set_seg", sys_hvm_set_seg, "E_INVAL_HVM, E_INVAL_SEG" },
	[SYS_hvm_set_reg] = { "hvm_set_reg", sys_hvm_set_reg, "E_INVAL_HVM, E_INVAL_REG" },
	[SYS_hvm_get_reg] = { "hvm_get_reg", sys_hvm_get_reg, "E_INVAL_HVM, E_INVAL_REG" },
	[SYS_hvm_get_next_eip] = { "hvm_get_next_eip", sys_hvm_get_next_eip, "E_INVAL_HVM" },
	[SYS_hvm_inject_event] = { "hvm_inject_event", sys_hvm_inject_event,
				   "E_INVAL_HVM, E_INVAL_EVENT" },
	[SYS_hvm_check_pending_event] = { "hvm_check_pending_event", sys_hvm_check_pending_event,
					  "E_INVAL_HVM" },
	[SYS_hvm_check_int_shadow] = { "hvm_check_int_shadow", sys_hvm_check_int_shadow,
				       "E_INVAL_HVM" },
	[SYS_hvm_intercept_int_window] = { "hvm_intercept_int_window", sys_hvm_intercept_int_window,
					   "E_INVAL_HVM" },
	[SYS_hvm_get_tsc_offset] = { "hvm_get_tsc_offset", sys_hvm_get_tsc_offset, "E_INVAL_HVM" },
	[SYS_hvm_set_tsc_offset] = { "hvm_set_tsc_offset", sys_hvm_set_tsc_offset, "E_INVAL_HVM" },
	[SYS_hvm_handle_rdmsr] = { "hvm_handle_rdmsr", sys_hvm_handle_rdmsr, "E_INVAL_HVM" },
	[SYS_hvm_handle_wrmsr] = { "hvm_handle_wrmsr", sys_hvm_handle_wrmsr, "E_INVAL_HVM" },
	[SYS_get_quota] = { "get_quota", sys_get_quota, "-" },
	[SYS_putc] = { "putc", sys_putc, "E_INVAL_ID" },
	[SYS_getc] = { "getc", sys_getc, "-" },
	[SYS_exit] = { "exit", sys_exit, "-" },
	[SYS_wait] = { "wait", sys_wait, "E_INVAL_PID" },
	[SYS_getpid] = { "getpid", sys_getpid, "-" },
	[SYS_kill] = { "kill", sys_kill, "E_INVAL_PID" },
	[SYS_prog_name] = { "prog_name", sys_prog_name, "E_INVAL_ID, E_INVAL_ADDR" },
	[SYS_proc_info] = { "proc_info", sys_proc_info, "E_INVAL_ID, E_INVAL_PID, E_INVAL_ADDR" },
	[SYS_monitor] = { "monitor", sys_monitor, "E_INVAL_ADDR, E_INVAL_ID" },
	[SYS_getcpu] = { "getcpu", sys_getcpu, "-" },
	[SYS_ncpu] = { "ncpu", sys_ncpu, "-" },
};

void syscall(struct trapframe *tf)
{
	struct proc *p = proc_self();
	/* A system call is a preemption point (its kentries count is the
	 * replay coordinate of a preemption: sched.h). */
	sched_preempt_point();
	p->syscalls++;
	uint64_t a[5] = { tf->rdi, tf->rsi, tf->rdx, tf->r10, tf->r8 };
	uint64_t ret = 0;
	uint64_t nr = tf->rax;
	int err = nr < SYS_NR && calls[nr].fn ? calls[nr].fn(p, a, &ret) : E_INVAL_CALLNR;
	tf->rax = (uint64_t)err;
	tf->rdx = ret;
}

void syscall_table_print(void)
{
	for (unsigned i = 0; i < SYS_NR; i++)
		kprintf("syscall %u %s %s\n", i, calls[i].name ? calls[i].name : "?",
			calls[i].errors ? calls[i].errors : "?");
}
