/*
 * syscall.c - one stub per system call (kern/include/uapi/syscall.h).
 *
 * `syscall`: %rax = number, arguments in %rdi %rsi %rdx %r10 %r8 %r9;
 * back: %rax = error code, %rdx = result.  The instruction itself uses %rcx
 * (return address) and %r11 (flags); the kernel preserves every other
 * register, so the asm clobbers only those and what it names as outputs,
 * plus memory (the kernel reads and writes our buffers) and the flags.
 */
#include "ulib.h"

struct sysret usyscall(long nr, long a1, long a2, long a3, long a4, long a5, long a6)
{
	register long rax __asm__("rax") = nr;
	register long rdi __asm__("rdi") = a1;
	register long rsi __asm__("rsi") = a2;
	register long rdx __asm__("rdx") = a3;
	register long r10 __asm__("r10") = a4;
	register long r8 __asm__("r8") = a5;
	register long r9 __asm__("r9") = a6;

	__asm__ volatile("syscall"
			 : "+r"(rax), "+r"(rdx)
			 : "r"(rdi), "r"(rsi), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory", "cc");
	return (struct sysret){ rax, rdx };
}

static inline struct sysret sys0(long nr)
{
	return usyscall(nr, 0, 0, 0, 0, 0, 0);
}

static inline struct sysret sys1(long nr, long a1)
{
	return usyscall(nr, a1, 0, 0, 0, 0, 0);
}

static inline struct sysret sys3(long nr, long a1, long a2, long a3)
{
	return usyscall(nr, a1, a2, a3, 0, 0, 0);
}

int sys_puts(const char *buf, size_t len)
{
	return (int)sys3(SYS_puts, (long)buf, (long)len, 0).err;
}

int sys_spawn(int prog, unsigned long quota, const char *args, int cpu, int *pid)
{
	struct sysret r = usyscall(SYS_spawn, prog, (long)quota, (long)args, cpu, 0, 0);

	if (pid != NULL)
		*pid = r.err == E_SUCC ? (int)r.val : 0;
	return (int)r.err;
}

void sys_yield(void)
{
	sys0(SYS_yield);
}

int sys_sleep(unsigned long ms)
{
	return (int)sys1(SYS_sleep, (long)ms).err;
}

int sys_is_chan_ready(void)
{
	return (int)sys0(SYS_is_chan_ready).val;
}

int sys_send(int chid, const void *buf, size_t words, size_t *copied)
{
	struct sysret r = sys3(SYS_send, chid, (long)buf, (long)words);

	if (copied != NULL)
		*copied = r.err == E_SUCC ? (size_t)r.val : 0;
	return (int)r.err;
}

int sys_recv(int chid, void *buf, size_t words, size_t *copied)
{
	struct sysret r = sys3(SYS_recv, chid, (long)buf, (long)words);

	if (copied != NULL)
		*copied = r.err == E_SUCC ? (size_t)r.val : 0;
	return (int)r.err;
}

unsigned long sys_get_tsc_per_ms(void)
{
	return (unsigned long)sys0(SYS_get_tsc_per_ms).val;
}

unsigned long sys_get_quota(void)
{
	return (unsigned long)sys0(SYS_get_quota).val;
}

int sys_putc(int c)
{
	return (int)sys1(SYS_putc, c).err;
}

int sys_getc(void)
{
	return (int)sys0(SYS_getc).val;
}

void sys_exit(int status)
{
	sys1(SYS_exit, status);
	for (;;) /* not reached: exit does not return */
		__asm__ volatile("ud2");
}

int sys_wait(int pid, int *status)
{
	struct sysret r = sys1(SYS_wait, pid);

	if (status != NULL)
		*status = r.err == E_SUCC ? (int)r.val : 0;
	return (int)r.err;
}

int sys_getpid(void)
{
	return (int)sys0(SYS_getpid).val;
}

int sys_kill(int pid)
{
	return (int)sys1(SYS_kill, pid).err;
}

int sys_prog_name(int prog, char *buf, size_t len, size_t *namelen)
{
	struct sysret r = sys3(SYS_prog_name, prog, (long)buf, (long)len);

	if (namelen != NULL)
		*namelen = r.err == E_SUCC ? (size_t)r.val : 0;
	return (int)r.err;
}

int sys_proc_info(int slot, struct proc_info *info)
{
	return (int)usyscall(SYS_proc_info, slot, (long)info, 0, 0, 0, 0).err;
}

int sys_monitor(const char *line)
{
	return (int)sys1(SYS_monitor, (long)line).err;
}

int sys_getcpu(void)
{
	return (int)sys0(SYS_getcpu).val;
}

int sys_ncpu(void)
{
	return (int)sys0(SYS_ncpu).val;
}
