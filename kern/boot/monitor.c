/*
 * A small console monitor on the boot CPU, for `make qemu` without test=:
 * look at the CPUs, memory and logs, and run in-kernel tests by hand. Input
 * comes through the COM1 interrupt and the console ring.
 */
#include "boot/monitor.h"

#include <stddef.h>

#include "boot/kargs.h"
#include "dev/console.h"
#include "dev/debugexit.h"
#include "lib/kprintf.h"
#include "lib/ktest.h"
#include "lib/string.h"
#include "log/log.h"
#include "mm/container.h"
#include "mm/palloc.h"
#include "mp/cpu.h"
#include "proc/proc.h"
#include "proc/uprog.h"
#include "thread/chan.h"
#include "trap/syscall.h"
#include "thread/thread.h"
#include "x86.h"

static const char *const state_names[] = { "absent", "starting", "online", "failed", "halted" };

static void cmd_cpus(const char *arg)
{
	kprintf("  cpu  apic  state     ticks      interrupts\n");
	for (int i = 0; i < ncpu; i++)
		kprintf("  %3d  %4u  %-8s  %9lu  %9lu\n", i, cpus[i].apic_id,
			state_names[cpus[i].state], cpus[i].ticks, cpus[i].nintr);
}

static void cmd_mem(const char *arg)
{
	kprintf("  %lu of %lu pages free (%lu MiB of %lu MiB)\n", palloc_nfree(), palloc_ntotal(),
		palloc_nfree() * PGSIZE >> 20, palloc_ntotal() * PGSIZE >> 20);
}

static void cmd_logs(const char *arg)
{
	unsigned shown = 0;
	for (unsigned id = 0; id < log_nobjs(); id++) {
		const struct log_obj *o = log_obj_at(id);
		if (!o)
			continue;
		kprintf("  %3u  %-20s %-8s %8lu events  hash %016lx\n", id, o->name, o->type->name,
			o->count, o->hash);
		shown++;
	}
	kprintf("  %u objects, %lu bytes of log memory\n", shown, log_mem_bytes());
}

static void cmd_ps(const char *arg)
{
	thread_ps();
}

static void cmd_chans(const char *arg)
{
	chan_list();
}

static void cmd_containers(const char *arg)
{
	container_list();
}

static void cmd_test(const char *arg)
{
	if (!arg[0]) {
		ktest_list();
		return;
	}
	ktest_run_only(arg);
}

static void cmd_procs(const char *arg)
{
	proc_list();
}

/* The recording so far, written now (a replay of it ends where it ends). */
static void cmd_trace(const char *arg)
{
	kargs_save_trace_now();
}

static void cmd_syscalls(const char *arg)
{
	syscall_table_print();
}

/* run PROG [ARGS]: spawn a user program from the kernel and wait for it. */
static void cmd_run(const char *arg)
{
	char name[PROC_NAME_MAX];
	size_t n = 0;
	while (arg[n] && arg[n] != ' ' && n + 1 < sizeof name) {
		name[n] = arg[n];
		n++;
	}
	name[n] = 0;
	const char *args = arg + n;
	while (*args == ' ')
		args++;
	if (!name[0]) {
		kprintf("  usage: run PROG [ARGS]\n");
		return;
	}
	int prog = proc_prog_find(name);
	if (prog < 0) {
		kprintf("  run: no program '%s'; programs:", name);
		for (uint64_t i = 0; i < uprogs_count; i++)
			kprintf(" %s", uprogs[i].name);
		kprintf("\n");
		return;
	}
	int pid = proc_spawn(prog, PROC_RUN_QUOTA, args, SPAWN_ANY_CPU);
	if (pid == -E_INVAL_ADDR) {
		kprintf("  run: %s: at most %d argument words and %d bytes\n", name,
			SPAWN_WORDS_MAX, SPAWN_ARGS_MAX - 1);
		return;
	}
	if (pid < 0) {
		kprintf("  run: spawn %s: error %d\n", name, -pid);
		return;
	}
	int status = 0;
	proc_wait(pid, &status);
	kprintf("  [%d] exit %d\n", pid, status);
}

/* The end of a console session: a recording is written, a replay checked. */
static void cmd_quit(const char *arg)
{
	debug_exit(kargs_finish(true) ? EXIT_PASS : EXIT_FAIL);
}

static void cmd_help(const char *arg);

/* args: what follows the name (shown by help and in a usage line); NULL: nothing. */
static const struct {
	const char *name, *args, *help;
	void (*fn)(const char *arg);
} cmds[] = {
	{ "help", NULL, "this list", cmd_help },
	{ "cpus", NULL, "every CPU: APIC id, state, timer ticks, interrupts", cmd_cpus },
	{ "mem", NULL, "free physical memory", cmd_mem },
	{ "logs", NULL, "the shared objects' logs: events and chained hash", cmd_logs },
	{ "ps", NULL, "threads: id, name, cpu, state, container, preemption points, switches",
	  cmd_ps },
	{ "threads", NULL,
	  "the same as ps (in the shell, ps is the user program listing processes)", cmd_ps },
	{ "chans", NULL, "IPC channels: owner, phase, messages, words, blocked operations",
	  cmd_chans },
	{ "containers", NULL, "quota containers: parent, quota, usage, children", cmd_containers },
	{ "test", "[NAME,NAME|all]", "run in-kernel tests (no name: list them)", cmd_test },
	{ "procs", NULL, "user processes: pid, name, state, cpu, parent, quota, usage, syscalls",
	  cmd_procs },
	{ "run", "PROG [ARGS]", "run a user program and wait for it", cmd_run },
	{ "syscalls", NULL, "the system-call table: number, name, errors", cmd_syscalls },
	{ "trace", NULL, "write the recording so far to COM2 now (record=1; once per run)",
	  cmd_trace },
	{ "quit", NULL, "leave QEMU", cmd_quit },
};

static void cmd_help(const char *arg)
{
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (cmds[i].args)
			kprintf("  %-10s %s %s: %s\n", cmds[i].name, cmds[i].name, cmds[i].args,
				cmds[i].help);
		else
			kprintf("  %-10s %s\n", cmds[i].name, cmds[i].help);
	}
}

/* Read one line, echoing; backspace edits. */
static void readline(char *buf, size_t n)
{
	size_t len = 0;
	for (;;) {
		int c = cons_getc();
		if (c < 0) {
			cli();
			kplat_halt(); /* a key's interrupt, a tick or a kick */
			sti();
			continue;
		}
		if (c == '\r' || c == '\n') {
			kprintf("\n");
			break;
		}
		if ((c == 0x7f || c == '\b') && len > 0) {
			len--;
			kprintf("\b \b");
		} else if (c >= ' ' && c < 0x7f && len + 1 < n) {
			buf[len++] = (char)c;
			kprintf("%c", c);
		}
	}
	buf[len] = 0;
}

bool monitor_exec(char *line)
{
	char *arg = line;
	while (*arg && *arg != ' ')
		arg++;
	if (*arg)
		*arg++ = 0;
	if (!line[0])
		return true;
	while (*arg == ' ')
		arg++;
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (strcmp(line, cmds[i].name) != 0)
			continue;
		/* Arguments a command would ignore: the user meant something else. */
		if (!cmds[i].args && arg[0])
			kprintf("  usage: %s (no arguments; '%s' not taken)\n", cmds[i].name, arg);
		else
			cmds[i].fn(arg);
		return true;
	}
	return false;
}

void monitor(void)
{
	char line[128];
	kprintf("monitor: type 'help' (Ctrl-A X leaves QEMU)\n");
	for (;;) {
		kprintf("K> ");
		readline(line, sizeof(line));
		if (!monitor_exec(line))
			kprintf("  unknown command '%s' (try help)\n", line);
	}
}
