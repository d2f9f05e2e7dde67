/*
 * ulib.h - the user library: system-call stubs, printf, malloc and helpers
 * (docs/user.md).  Every user program includes only this header.
 *
 * System calls (kern/include/uapi/syscall.h, docs/syscalls.md): each sys_*
 * stub returns the call's error code (E_SUCC = 0 on success) and stores the
 * result, if any, through its last pointer argument (which may be NULL).
 * The calls that cannot fail return their result directly.  usyscall() is
 * the raw entry for tests that pass arbitrary numbers and arguments.
 *
 * Formatting is the kernel's engine (kern/lib/printfmt.c, compiled into the
 * library); string and memory routines are kern/lib/string.c.
 */
#ifndef USER_ULIB_H
#define USER_ULIB_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "uapi/syscall.h"
#include "printfmt.h"
#include "string.h"

#define PAGE_SIZE 4096ul
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Every program's entry point, called by crt0 (user/lib/crt0.S). */
int main(int argc, char **argv);

/* The raw call: %rax = err, %rdx = val on return. */
struct sysret {
	long err;
	long val;
};
struct sysret usyscall(long nr, long a1, long a2, long a3, long a4, long a5, long a6);

int sys_puts(const char *buf, size_t len);
int sys_spawn(int prog, unsigned long quota, const char *args, int cpu, int *pid);
void sys_yield(void);
int sys_sleep(unsigned long ms);
int sys_is_chan_ready(void);
int sys_send(int chid, const void *buf, size_t words, size_t *copied);
int sys_recv(int chid, void *buf, size_t words, size_t *copied);
unsigned long sys_get_tsc_per_ms(void);
unsigned long sys_get_quota(void);
int sys_putc(int c);
int sys_getc(void);
__attribute__((noreturn)) void sys_exit(int status);
int sys_wait(int pid, int *status);
int sys_getpid(void);
int sys_kill(int pid);
int sys_prog_name(int prog, char *buf, size_t len, size_t *namelen);
int sys_proc_info(int slot, struct proc_info *info);
int sys_monitor(const char *line);
int sys_getcpu(void);
int sys_ncpu(void);

/* "E_MEM" etc. for an error code; "E_?" for an unknown one. */
const char *errname(long err);

/*
 * Output: printf formats into a line buffer and hands it to the kernel with
 * one SYS_puts per line (or per 512 bytes), so lines of different CPUs never
 * mix.  A partial line stays buffered until flush(), exit() or a newline.
 */
int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int vprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));
int puts(const char *s); /* s and a newline */
void flush(void);
/* flush(), then SYS_exit. Returning from main() calls it with main's value. */
__attribute__((noreturn)) void exit(int status);

/* Heap from `end` (after .bss) upwards; 16-byte aligned blocks. NULL when out of room. */
void *malloc(size_t n);
void *calloc(size_t n, size_t size);
void free(void *p);

/* Decimal (or 0x hex) with an optional '-'; 0 when s is not a number. */
int atoi(const char *s);
/* The whole of s is a number (decimal, 0x hex, optional '-'): *out, true. */
bool parse_long(const char *s, long *out);

/* xorshift64*: a per-process stream; seed 0 is replaced by a fixed constant. */
void srand64(uint64_t seed);
uint64_t rand64(void);
uint64_t rand_below(uint64_t n); /* 0 .. n-1 (n > 0) */

/* FNV-1a over 32-bit words (ping and stress checksums). */
uint32_t fnv32(const uint32_t *w, size_t n);

/* Programs linked into the kernel: count, index of a name (-1 if none), name of an index. */
int prog_count(void);
int prog_find(const char *name);
bool prog_get_name(int prog, char *buf, size_t len);

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

#endif /* USER_ULIB_H */
