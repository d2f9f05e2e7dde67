/*
 * The GDB remote serial protocol on COM2 (gdbstub=com2), polled.
 *
 * Every CPU is a gdb thread (thread id = CPU id + 1), as QEMU's own stub shows
 * vCPUs. A CPU stops on a breakpoint (int3 patched into the code), at the end
 * of a single step (TF), on gdb's ^C (0x03 on the line, polled on the boot
 * CPU's timer tick) or on an NMI from the CPU that stopped first. Each
 * stopped CPU keeps the trap frame it entered with: gdb's registers of that
 * thread are that frame (written back by G/P), and it spins in park() until
 * told to go. One stopped CPU at a time (`master`) talks to gdb; a CPU that
 * stopped with an event to report (a breakpoint hit while another CPU was
 * already reporting) waits its turn.
 *
 * Resuming: continue releases every CPU; a step releases only the stepping
 * CPU (the others stay stopped, as with `set scheduler-locking step`), whose
 * #DB then makes it the master again. Continuing from an address where one
 * of our breakpoints sits first steps that one instruction with the original
 * byte back in place, then puts the int3 back and releases everyone.
 *
 * Nothing here takes a lock or prints while CPUs are stopped: a stopped CPU
 * may hold the console's or any other lock.
 */
#include "dev/gdbstub.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "boot/kargs.h"
#include "boot/layout.h"
#include "dev/console.h"
#include "dev/lapic.h"
#include "dev/serial.h"
#include "dev/timer.h"
#include "lib/kprintf.h"
#include "lib/panic.h"
#include "lib/printfmt.h"
#include "lib/string.h"
#include "mp/cpu.h"
#include "trap/trapframe.h"
#include "x86.h"

#define T_DEBUG 1
#define RFLAGS_RF 0x10000
#define MSR_FS_BASE 0xC0000100
#define MSR_KERNEL_GS_BASE 0xC0000102
#define PA_MASK 0x000ffffffffff000ull
#define BUFSZ 4096

int gdbstub_active;

/* Why a CPU stopped; the first five are reported to gdb. */
enum reason { R_NONE, R_NMI, R_BOOT, R_BREAK, R_SWBREAK, R_HWBREAK, R_STEP, R_INTR, R_ATTACH };
static const char *const reason_name[] = { "running",     "stopped by NMI", "boot stop",   "int3",
					   "breakpoint",  "hw breakpoint",  "single step", "^C",
					   "gdb attached" };

struct stopped {
	struct trapframe *volatile tf; /* the frame it stopped with (registers) */
	uint64_t fs_base, gs_base, cr3;
	uint16_t ds, es, fs, gs;
	volatile int parked;   /* in park(): stopped, tf valid */
	volatile int go;       /* set by the master: leave park() */
	volatile int reason;   /* an event still to report (R_NONE: none) */
	volatile int nmi_sent; /* an NMI of ours is on its way */
	int last;              /* the reason it last stopped for (thread info) */
};
static struct stopped st[MAXCPU];
static volatile int master = -1;   /* the CPU talking to gdb */
static volatile int stepping = -1; /* the CPU running one step alone: the next master */
static volatile int stop_req;      /* the machine is stopping or stopped */
static volatile int gdb_waiting;   /* gdb resumed us and waits for a stop reply */
static volatile int stepover = -1; /* CPU stepping over one of our breakpoints */
static uint64_t stepover_addr;
static int cur_g, cur_c = -1; /* Hg / Hc: CPU for registers, CPU to resume (-1 all) */

/* Software breakpoints (Z0): the byte under each int3. */
#define NBP 64
static struct bp {
	uint64_t addr;
	uint8_t orig;
	bool used;
} bps[NBP];
/* Recently removed breakpoints: a CPU that executed one of these int3s just
 * before it was removed must re-execute the original instruction. */
static uint64_t removed[16];
static unsigned nremoved;

/* Hardware breakpoints (Z1): DR0-DR3, loaded by every CPU as it resumes. */
static uint64_t hw_addr[4];
static volatile uint64_t hw_dr7;

/* ---- the line ---- */

static int pushback = -1;
static char in[BUFSZ], out[BUFSZ];
static int outn;

static int getc_wait(void)
{
	int c = pushback;
	if (c >= 0) {
		pushback = -1;
		return c;
	}
	while ((c = com2_getc()) < 0)
		cpu_relax();
	return c;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static const char hexdig[] = "0123456789abcdef";

/* One packet ($data#cs) into in[], acknowledged; bytes between packets (acks, ^C) are dropped. */
static int get_packet(void)
{
	for (;;) {
		int c;
		while ((c = getc_wait()) != '$')
			;
restart:;
		uint8_t sum = 0;
		int n = 0;
		bool overflow = false;
		for (;;) {
			c = getc_wait();
			if (c == '$')
				goto restart;
			if (c == '#')
				break;
			sum = (uint8_t)(sum + c);
			if (n < BUFSZ - 1)
				in[n++] = (char)c;
			else
				overflow = true;
		}
		int hi = hexval(getc_wait()), lo = hexval(getc_wait());
		in[n] = 0;
		if (!overflow && hi >= 0 && lo >= 0 && (hi << 4 | lo) == sum) {
			com2_putc('+');
			return n;
		}
		com2_putc('-');
	}
}

/* Send out[0..outn) as one packet until gdb acknowledges it. */
static void put_packet(void)
{
	for (int tries = 0; tries < 16; tries++) {
		uint8_t sum = 0;
		com2_putc('$');
		for (int i = 0; i < outn; i++) {
			com2_putc(out[i]);
			sum = (uint8_t)(sum + out[i]);
		}
		com2_putc('#');
		com2_putc(hexdig[sum >> 4]);
		com2_putc(hexdig[sum & 15]);
		for (;;) {
			int c = getc_wait();
			if (c == '+')
				return;
			if (c == '-')
				break;
			if (c == '$') { /* a new packet: our ack was lost, take it as one */
				pushback = c;
				return;
			}
		}
	}
}

static void out_reset(void)
{
	outn = 0;
}

static void out_str(const char *s)
{
	while (*s && outn < BUFSZ - 1)
		out[outn++] = *s++;
}

static void out_hex8(uint8_t b)
{
	if (outn < BUFSZ - 2) {
		out[outn++] = hexdig[b >> 4];
		out[outn++] = hexdig[b & 15];
	}
}

/* n bytes of v, little-endian (gdb's register order in g/p). */
static void out_le(uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		out_hex8((uint8_t)(v >> (8 * i)));
}

static void reply(const char *s)
{
	out_reset();
	out_str(s);
	put_packet();
}

/* A hex number at *p (advanced past it); "-1" gives -1. */
static int64_t parse_hex(const char **p)
{
	const char *s = *p;
	bool neg = *s == '-';
	if (neg)
		s++;
	uint64_t v = 0;
	int d;
	while ((d = hexval(*s)) >= 0) {
		v = v << 4 | (uint64_t)d;
		s++;
	}
	*p = s;
	return neg ? -(int64_t)v : (int64_t)v;
}

/* ---- memory: through the page tables, never a fault ---- */

static bool canonical(uint64_t va)
{
	return (uint64_t)((int64_t)(va << 16) >> 16) == va;
}

/* va -> pa in the address space of cr3 (4-level paging; 1 GiB and 2 MiB pages). */
static bool walk(uint64_t cr3, uint64_t va, uint64_t *pa)
{
	if (!canonical(va))
		return false;
	const uint64_t *t = (const uint64_t *)(uintptr_t)(cr3 & PA_MASK);
	for (int level = 3; level >= 0; level--) {
		uint64_t e = t[(va >> (12 + 9 * level)) & 511];
		if (!(e & PTE_P))
			return false;
		if (level == 0 || (level < 3 && (e & PTE_PS))) {
			uint64_t size = 1ull << (12 + 9 * level);
			*pa = (e & PA_MASK & ~(size - 1)) + (va & (size - 1));
			return true;
		}
		t = (const uint64_t *)(uintptr_t)(e & PA_MASK);
	}
	return false;
}

/* Where the byte at va of the address space cr3 is, as a pointer that is
 * mapped here (the kernel's identity map); NULL if it is not mapped. */
static volatile uint8_t *byte_at_in(uint64_t cr3, uint64_t va)
{
	uint64_t pa, here;
	if (!walk(cr3, va, &pa) || !walk(rcr3(), pa, &here) || here != pa)
		return NULL;
	return (volatile uint8_t *)(uintptr_t)pa;
}

/* The same in a stopped CPU's address space (a user process's, maybe). */
static volatile uint8_t *byte_at(int cpu, uint64_t va)
{
	return byte_at_in(st[cpu].cr3, va);
}

static struct bp *bp_find(uint64_t addr)
{
	for (int i = 0; i < NBP; i++)
		if (bps[i].used && bps[i].addr == addr)
			return &bps[i];
	return NULL;
}

static bool mem_read(int cpu, uint64_t addr, uint8_t *buf, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++) {
		volatile uint8_t *p = byte_at(cpu, addr + i);
		if (!p)
			return false;
		struct bp *b = bp_find(addr + i);
		buf[i] = b ? b->orig : *p; /* gdb sees the code, not our int3s */
	}
	return true;
}

static void wp_off(uint64_t *cr0)
{
	__asm__ volatile("mov %%cr0, %0" : "=r"(*cr0));
	__asm__ volatile("mov %0, %%cr0" : : "r"(*cr0 & ~(uint64_t)CR0_WP) : "memory");
}

static void wp_restore(uint64_t cr0)
{
	__asm__ volatile("mov %0, %%cr0" : : "r"(cr0) : "memory");
}

/* Raw write (breakpoints); the page-table check is the caller's. */
static void poke(volatile uint8_t *p, uint8_t v)
{
	uint64_t cr0;
	wp_off(&cr0); /* read-only user pages too */
	*p = v;
	wp_restore(cr0);
}

static bool mem_write(int cpu, uint64_t addr, const uint8_t *buf, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++)
		if (!byte_at(cpu, addr + i))
			return false;
	for (uint64_t i = 0; i < n; i++) {
		struct bp *b = bp_find(addr + i);
		if (b)
			b->orig = buf[i]; /* the int3 stays; the code under it changes */
		else
			poke(byte_at(cpu, addr + i), buf[i]);
	}
	return true;
}

static bool bp_insert(int cpu, uint64_t addr)
{
	if (bp_find(addr))
		return true;
	for (int i = 0; i < NBP; i++) {
		if (bps[i].used)
			continue;
		volatile uint8_t *p = byte_at(cpu, addr);
		if (!p)
			return false;
		bps[i] = (struct bp){ addr, *p, true };
		poke(p, 0xcc);
		return true;
	}
	return false;
}

static void bp_remove(struct bp *b)
{
	volatile uint8_t *p = byte_at(master, b->addr);
	if (p)
		poke(p, b->orig);
	b->used = false;
	removed[nremoved++ % 16] = b->addr;
}

static bool was_removed(uint64_t addr)
{
	for (int i = 0; i < 16; i++)
		if (removed[i] == addr && addr)
			return true;
	return false;
}

static void bp_remove_all(void)
{
	for (int i = 0; i < NBP; i++)
		if (bps[i].used)
			bp_remove(&bps[i]);
	hw_dr7 = 0;
}

/* ---- registers: gdb's amd64 order (target.xml below) ---- */

enum {
	REG_EFLAGS = 17,
	REG_CS = 18,
	REG_GS = 23,
	REG_ST0 = 24,
	REG_XMM0 = 40,
	REG_MXCSR = 56,
	REG_FS_BASE = 57,
	REG_GS_BASE = 58,
	NREGS = 59
};

static int reg_size(int r)
{
	if (r < REG_EFLAGS)
		return 8;
	if (r < REG_ST0)
		return 4;
	if (r < REG_ST0 + 8)
		return 10;
	if (r < REG_XMM0)
		return 4;
	if (r < REG_MXCSR)
		return 16;
	return r == REG_MXCSR ? 4 : 8;
}

/* Where the frame keeps registers 0..17 (rax .. eflags). */
#define TF(f) offsetof(struct trapframe, f)
static const uint8_t frame_off[] = { TF(rax), TF(rbx), TF(rcx), TF(rdx), TF(rsi), TF(rdi),
				     TF(rbp), TF(rsp), TF(r8),  TF(r9),  TF(r10), TF(r11),
				     TF(r12), TF(r13), TF(r14), TF(r15), TF(rip), TF(rflags) };

/* The frame's slot for register r, NULL for those it does not keep. */
static uint64_t *reg_slot(struct trapframe *tf, int r)
{
	if (r < 0 || r > REG_EFLAGS)
		return NULL;
	return (uint64_t *)((char *)tf + frame_off[r]);
}

/* Register r of a stopped CPU; false if unavailable (x87/SSE: the kernel uses none). */
static bool reg_get(int cpu, int r, uint64_t *v)
{
	struct stopped *s = &st[cpu];
	uint64_t *slot = reg_slot(s->tf, r);
	if (slot) {
		*v = *slot;
		return true;
	}
	const uint64_t other[] = { s->tf->cs, s->tf->ss, s->ds, s->es, s->fs, s->gs };
	if (r >= REG_CS && r <= REG_GS) {
		*v = other[r - REG_CS];
		return true;
	}
	if (r == REG_FS_BASE || r == REG_GS_BASE) {
		*v = r == REG_FS_BASE ? s->fs_base : s->gs_base;
		return true;
	}
	return false;
}

static void out_reg(int cpu, int r)
{
	uint64_t v;
	int n = reg_size(r);
	if (reg_get(cpu, r, &v)) {
		out_le(v, n);
		return;
	}
	for (int i = 0; i < 2 * n; i++)
		out_str("x");
}

/* Write register r from hex at *p; registers the frame does not hold are ignored. */
static bool reg_set(int cpu, int r, const char **p)
{
	int n = reg_size(r);
	uint64_t v = 0;
	for (int i = 0; i < n; i++) {
		int hi = hexval((*p)[0]), lo = hexval((*p)[1]);
		if (hi < 0 || lo < 0)
			return false;
		if (i < 8)
			v |= (uint64_t)(hi << 4 | lo) << (8 * i);
		*p += 2;
	}
	uint64_t *slot = reg_slot(st[cpu].tf, r);
	if (r == REG_EFLAGS)
		v = (v & 0xffffffffull) | 2; /* bit 1 is always set */
	if (slot)
		*slot = v;
	return true;
}

#define XREG(name, bits, type) "<reg name=\"" name "\" bitsize=\"" #bits "\" type=\"" type "\"/>"
#define XFLD(name, bit) "<field name=\"" name "\" start=\"" #bit "\" end=\"" #bit "\"/>"
#define XR64(name) XREG(name, 64, "int64")
#define XST(n) XREG("st" #n, 80, "i387_ext")
#define XFP(name) "<reg name=\"" name "\" bitsize=\"32\" type=\"int\" group=\"float\"/>"
#define XMM(n) XREG("xmm" #n, 128, "vec128")
#define XVEC(id, type, n) "<vector id=\"" id "\" type=\"" type "\" count=\"" #n "\"/>"
#define XUF(name, type) "<field name=\"" name "\" type=\"" type "\"/>"

/* gdb's amd64 core + SSE + segment-base registers, in that order (the g packet's). */
/* clang-format off */
static const char target_xml[] =
	"<?xml version=\"1.0\"?><!DOCTYPE target SYSTEM \"gdb-target.dtd\">"
	"<target version=\"1.0\"><architecture>i386:x86-64</architecture>"
	"<feature name=\"org.gnu.gdb.i386.core\"><flags id=\"i386_eflags\" size=\"4\">"
	XFLD("CF", 0) XFLD("", 1) XFLD("PF", 2) XFLD("AF", 4) XFLD("ZF", 6) XFLD("SF", 7)
	XFLD("TF", 8) XFLD("IF", 9) XFLD("DF", 10) XFLD("OF", 11) XFLD("NT", 14) XFLD("RF", 16)
	XFLD("VM", 17) XFLD("AC", 18) XFLD("VIF", 19) XFLD("VIP", 20) XFLD("ID", 21) "</flags>"
	XR64("rax") XR64("rbx") XR64("rcx") XR64("rdx") XR64("rsi") XR64("rdi")
	XREG("rbp", 64, "data_ptr") XREG("rsp", 64, "data_ptr")
	XR64("r8") XR64("r9") XR64("r10") XR64("r11") XR64("r12") XR64("r13") XR64("r14") XR64("r15")
	XREG("rip", 64, "code_ptr") XREG("eflags", 32, "i386_eflags")
	XREG("cs", 32, "int32") XREG("ss", 32, "int32") XREG("ds", 32, "int32")
	XREG("es", 32, "int32") XREG("fs", 32, "int32") XREG("gs", 32, "int32")
	XST(0) XST(1) XST(2) XST(3) XST(4) XST(5) XST(6) XST(7)
	XFP("fctrl") XFP("fstat") XFP("ftag") XFP("fiseg") XFP("fioff") XFP("foseg") XFP("fooff")
	XFP("fop") "</feature><feature name=\"org.gnu.gdb.i386.sse\">"
	XVEC("v4f", "ieee_single", 4) XVEC("v2d", "ieee_double", 2) XVEC("v16i8", "int8", 16)
	XVEC("v8i16", "int16", 8) XVEC("v4i32", "int32", 4) XVEC("v2i64", "int64", 2)
	"<union id=\"vec128\">" XUF("v4_float", "v4f") XUF("v2_double", "v2d")
	XUF("v16_int8", "v16i8") XUF("v8_int16", "v8i16") XUF("v4_int32", "v4i32")
	XUF("v2_int64", "v2i64") XUF("uint128", "uint128") "</union>"
	XMM(0) XMM(1) XMM(2) XMM(3) XMM(4) XMM(5) XMM(6) XMM(7)
	XMM(8) XMM(9) XMM(10) XMM(11) XMM(12) XMM(13) XMM(14) XMM(15)
	"<reg name=\"mxcsr\" bitsize=\"32\" type=\"int\" group=\"vector\"/>"
	"</feature><feature name=\"org.gnu.gdb.i386.segments\">"
	XREG("fs_base", 64, "int") XREG("gs_base", 64, "int") "</feature></target>";
/* clang-format on */

/* ---- stopping and resuming the CPUs ---- */

static bool cpu_running(int i)
{
	return cpus[i].state == CPU_ONLINE;
}

/* Stop every online CPU that is not stopped yet (NMI), and wait up to a second for them. */
static void stop_others(int me)
{
	bool need = false;
	for (int i = 0; i < ncpu; i++)
		if (i != me && cpu_running(i) && !st[i].parked)
			need = true;
	if (!need || !lapic_ready())
		return;
	/* Each other CPU will take one NMI: it knows it is ours by this flag
	 * (a stopped CPU sitting in an NMI handler takes it when it resumes). */
	for (int i = 0; i < ncpu; i++)
		if (i != me && cpu_running(i))
			__atomic_store_n(&st[i].nmi_sent, 1, __ATOMIC_SEQ_CST);
	lapic_send_nmi_others();
	uint64_t end = rdtsc() + tsc_hz();
	for (int i = 0; i < ncpu; i++)
		while (i != me && cpu_running(i) && !st[i].parked && rdtsc() < end)
			cpu_relax();
}

/* Release every other stopped CPU and give up the line; returns when they
 * are on their way (so that the next master finds them running, not half-parked). */
static void resume_others(int me)
{
	bool released[MAXCPU] = { false };
	__atomic_store_n(&stop_req, 0, __ATOMIC_SEQ_CST);
	for (int i = 0; i < ncpu; i++)
		if (i != me && st[i].parked) {
			released[i] = true;
			__atomic_store_n(&st[i].go, 1, __ATOMIC_SEQ_CST);
		}
	for (int i = 0; i < ncpu; i++)
		while (released[i] && st[i].parked && !st[i].reason)
			cpu_relax();
}

/* Give up the line; next: the only CPU that may take it (a step's), or -1 for any. */
static void release_master(int next)
{
	stepping = next;
	__atomic_store_n(&master, -1, __ATOMIC_SEQ_CST);
}

static void load_debug_regs(void)
{
	uint64_t dr7 = hw_dr7;
	if (!dr7) {
		uint64_t cur;
		__asm__ volatile("mov %%dr7, %0" : "=r"(cur));
		if (cur & 0xff)
			__asm__ volatile("mov %0, %%dr7" : : "r"(0ull));
		return;
	}
	__asm__ volatile("mov %0, %%dr0" : : "r"(hw_addr[0]));
	__asm__ volatile("mov %0, %%dr1" : : "r"(hw_addr[1]));
	__asm__ volatile("mov %0, %%dr2" : : "r"(hw_addr[2]));
	__asm__ volatile("mov %0, %%dr3" : : "r"(hw_addr[3]));
	__asm__ volatile("mov %0, %%dr7" : : "r"(dr7));
}

static void stop_reply(int me)
{
	char buf[64];
	int why = st[me].last;
	const char *sig = why == R_INTR || why == R_ATTACH ? "02" : "05";
	const char *what = why == R_SWBREAK ? "swbreak:;" : why == R_HWBREAK ? "hwbreak:;" : "";
	snprintf(buf, sizeof buf, "T%sthread:%x;%s", sig, me + 1, what);
	reply(buf);
}

static bool thread_ok(int64_t tid)
{
	return tid >= 1 && tid <= ncpu && st[tid - 1].parked;
}

/* The CPU a thread id names in H: 0 "any" and -1 "all" are the master. */
static int thread_cpu(int64_t tid, int me)
{
	return tid <= 0 ? me : (int)tid - 1;
}

/* What a command leaves the master to do. */
enum next { KEEP, LEAVE, PARK }; /* serve on; resume this CPU; stay stopped, not master */

/* Set the step flag of cpu and let it go, alone. */
static enum next step_cpu(int me, int cpu)
{
	st[cpu].tf->rflags |= RFLAGS_TF;
	gdb_waiting = 1;
	release_master(cpu); /* the others stay stopped, even those with a hit to report */
	if (cpu == me)
		return LEAVE;
	__atomic_store_n(&st[cpu].go, 1, __ATOMIC_SEQ_CST);
	return PARK;
}

static enum next continue_all(int me)
{
	gdb_waiting = 1;
	struct bp *b = bp_find(st[me].tf->rip);
	if (b) { /* first step over our own int3, with the code under it back */
		poke(byte_at(me, b->addr), b->orig);
		stepover = me;
		stepover_addr = b->addr;
		st[me].tf->rflags |= RFLAGS_TF;
		release_master(me);
		return LEAVE;
	}
	resume_others(me);
	release_master(-1);
	return LEAVE;
}

/* vCont;ACTION[:TID]...: a step anywhere steps that CPU alone; else continue all. */
static enum next vcont(int me, const char *p)
{
	bool cont = false;
	while (*p == ';') {
		char act = p[1];
		p += 2;
		if (act == 'C' || act == 'S')
			parse_hex(&p); /* the signal: nothing to deliver it to */
		int64_t tid = -1;
		if (*p == ':') {
			p++;
			tid = parse_hex(&p);
		}
		if (act == 's' || act == 'S') {
			int cpu = thread_cpu(tid, me);
			if (!thread_ok(cpu + 1)) {
				reply("E01");
				return KEEP;
			}
			return step_cpu(me, cpu);
		}
		if (act == 'c' || act == 'C')
			cont = true;
		while (*p && *p != ';')
			p++;
	}
	if (!cont) {
		reply("E01");
		return KEEP;
	}
	return continue_all(me);
}

static void thread_info(int64_t tid)
{
	char buf[96];
	int cpu = (int)tid - 1;
	if (!thread_ok(tid)) {
		reply("E01");
		return;
	}
	int n = snprintf(buf, sizeof buf, "cpu %d, apic %u: %s", cpu, cpus[cpu].apic_id,
			 reason_name[st[cpu].last]);
	out_reset();
	for (int i = 0; i < n && buf[i]; i++)
		out_hex8((uint8_t)buf[i]);
	put_packet();
}

static void xfer_features(const char *p)
{
	static const char prefix[] = "target.xml:";
	if (strncmp(p, prefix, sizeof prefix - 1) != 0) {
		reply("E00");
		return;
	}
	p += sizeof prefix - 1;
	uint64_t off = (uint64_t)parse_hex(&p);
	if (*p++ != ',') {
		reply("E00");
		return;
	}
	uint64_t len = (uint64_t)parse_hex(&p), size = sizeof target_xml - 1;
	if (len > BUFSZ - 8)
		len = BUFSZ - 8;
	out_reset();
	if (off >= size) {
		out_str("l");
	} else {
		uint64_t n = size - off < len ? size - off : len;
		out_str(off + n < size ? "m" : "l");
		for (uint64_t i = 0; i < n; i++)
			out[outn++] = target_xml[off + i];
	}
	put_packet();
}

static void query(int me, const char *p)
{
	static int next_thread;
	if (strncmp(p, "qSupported", 10) == 0) {
		reply("PacketSize=f00;qXfer:features:read+;swbreak+;hwbreak+");
	} else if (strcmp(p, "qC") == 0) {
		out_reset();
		out_str("QC");
		char buf[16];
		snprintf(buf, sizeof buf, "%x", me + 1);
		out_str(buf);
		put_packet();
	} else if (strcmp(p, "qfThreadInfo") == 0 || strcmp(p, "qsThreadInfo") == 0) {
		if (p[1] == 'f')
			next_thread = 0;
		out_reset();
		char buf[16];
		for (; next_thread < ncpu && outn < 512; next_thread++) {
			if (!st[next_thread].parked)
				continue;
			snprintf(buf, sizeof buf, "%s%x", outn ? "," : "m", next_thread + 1);
			out_str(buf);
		}
		if (!outn)
			out_str("l");
		put_packet();
	} else if (strncmp(p, "qThreadExtraInfo,", 17) == 0) {
		p += 17;
		thread_info(parse_hex(&p));
	} else if (strcmp(p, "qAttached") == 0) {
		reply("1");
	} else if (strncmp(p, "qXfer:features:read:", 20) == 0) {
		xfer_features(p + 20);
	} else if (strncmp(p, "qSymbol", 7) == 0) {
		reply("OK");
	} else {
		reply("");
	}
}

/* Z/z TYPE,ADDR,KIND: 0 software (int3), 1 hardware (DR0-DR3). */
static void breakpoint(int me, const char *p)
{
	bool insert = p[0] == 'Z';
	int type = p[1] - '0';
	p += 3;
	uint64_t addr = (uint64_t)parse_hex(&p);
	if (type == 0) {
		if (insert) {
			reply(bp_insert(cur_g, addr) ? "OK" : "E14");
			return;
		}
		struct bp *b = bp_find(addr);
		if (b)
			bp_remove(b);
		reply("OK");
		return;
	}
	if (type == 1) {
		int free_slot = -1;
		for (int i = 0; i < 4; i++) {
			bool on = hw_dr7 & (1ull << (2 * i));
			if (on && hw_addr[i] == addr) {
				if (!insert)
					hw_dr7 &= ~(3ull << (2 * i));
				reply("OK");
				return;
			}
			if (!on && free_slot < 0)
				free_slot = i;
		}
		if (!insert) {
			reply("OK");
			return;
		}
		if (free_slot < 0) {
			reply("E01");
			return;
		}
		hw_addr[free_slot] = addr;
		/* local enable, R/W 00 (execute), LEN 00; bit 10 always set */
		hw_dr7 = (hw_dr7 | 1ull << (2 * free_slot) | 0x400) &
			 ~(0xfull << (16 + 4 * free_slot));
		reply("OK");
		return;
	}
	reply(""); /* watchpoints: not supported */
}

static void kill_machine(void)
{
	bp_remove_all();
	cons_break_lock(); /* a stopped CPU may hold it */
	kprintf_raw("gdbstub: killed by gdb\n");
	serial_drain();
	outl(0xf4, 0x11); /* QEMU's isa-debug-exit: status 35; on a PC, halt */
	for (;;)
		hlt();
}

/* Talk to gdb until it resumes the machine; true: this CPU leaves park(). */
static bool serve(int me)
{
	cur_g = me;
	cur_c = -1;
	if (gdb_waiting) {
		gdb_waiting = 0;
		stop_reply(me);
	}
	for (;;) {
		get_packet();
		const char *p = in + 1;
		switch (in[0]) {
		case '?':
			stop_reply(me);
			break;
		case 'g':
			out_reset();
			for (int r = 0; r < NREGS; r++)
				out_reg(cur_g, r);
			put_packet();
			break;
		case 'G':
			for (int r = 0; r < NREGS && *p; r++)
				if (!reg_set(cur_g, r, &p))
					break;
			reply("OK");
			break;
		case 'p': {
			int64_t r = parse_hex(&p);
			if (r < 0 || r >= NREGS) {
				reply("E00");
				break;
			}
			out_reset();
			out_reg(cur_g, (int)r);
			put_packet();
			break;
		}
		case 'P': {
			int64_t r = parse_hex(&p);
			if (r < 0 || r >= NREGS || *p++ != '=') {
				reply("E00");
				break;
			}
			reply(reg_set(cur_g, (int)r, &p) ? "OK" : "E00");
			break;
		}
		case 'm': {
			uint64_t addr = (uint64_t)parse_hex(&p);
			uint64_t len = *p == ',' ? (p++, (uint64_t)parse_hex(&p)) : 0;
			uint8_t buf[256];
			if (len > sizeof buf)
				len = sizeof buf; /* gdb asks again for the rest */
			if (!mem_read(cur_g, addr, buf, len)) {
				reply("E14");
				break;
			}
			out_reset();
			for (uint64_t i = 0; i < len; i++)
				out_hex8(buf[i]);
			put_packet();
			break;
		}
		case 'M': {
			uint64_t addr = (uint64_t)parse_hex(&p);
			uint64_t len = *p == ',' ? (p++, (uint64_t)parse_hex(&p)) : 0;
			uint8_t buf[BUFSZ / 2];
			bool ok = *p++ == ':' && len <= sizeof buf;
			for (uint64_t i = 0; ok && i < len; i++, p += 2) {
				int hi = hexval(p[0]), lo = hexval(p[1]);
				ok = hi >= 0 && lo >= 0;
				buf[i] = (uint8_t)(hi << 4 | lo);
			}
			reply(ok ? (mem_write(cur_g, addr, buf, len) ? "OK" : "E14") : "E00");
			break;
		}
		case 'H': {
			char which = *p++;
			int64_t tid = parse_hex(&p);
			if (tid > 0 && !thread_ok(tid)) {
				reply("E01");
				break;
			}
			if (which == 'g')
				cur_g = thread_cpu(tid, me);
			else
				cur_c = tid > 0 ? (int)tid - 1 : -1;
			reply("OK");
			break;
		}
		case 'T':
			reply(thread_ok(parse_hex(&p)) ? "OK" : "E01");
			break;
		case 'q':
			query(me, in);
			break;
		case 'v':
			if (strcmp(in, "vCont?") == 0)
				reply("vCont;c;C;s;S");
			else if (strncmp(in, "vCont;", 6) == 0) {
				enum next n = vcont(me, in + 5);
				if (n != KEEP)
					return n == LEAVE;
			} else if (strncmp(in, "vKill", 5) == 0)
				kill_machine();
			else
				reply("");
			break;
		case 'c':
		case 's': {
			int cpu = in[0] == 's' && cur_c >= 0 ? cur_c : me;
			if (*p)
				st[cpu].tf->rip = (uint64_t)parse_hex(&p);
			return (in[0] == 'c' ? continue_all(me) : step_cpu(me, cpu)) == LEAVE;
		}
		case 'Z':
		case 'z':
			breakpoint(me, in);
			break;
		case 'D':
			bp_remove_all();
			reply("OK");
			gdb_waiting = 0;
			resume_others(me);
			release_master(-1);
			return true;
		case 'k':
			kill_machine();
			break;
		default:
			reply("");
			break;
		}
	}
}

/* ---- entering the stub ---- */

static bool session(int me)
{
	struct stopped *s = &st[me];
	int why = s->reason;
	s->reason = R_NONE;
	__atomic_store_n(&stop_req, 1, __ATOMIC_SEQ_CST);
	stop_others(me);
	if (why == R_STEP && stepover == me) { /* past our breakpoint: back in, go on */
		stepover = -1;
		struct bp *b = bp_find(stepover_addr);
		if (b)
			poke(byte_at(me, b->addr), 0xcc);
		s->last = R_SWBREAK;
		resume_others(me);
		release_master(-1);
		return true;
	}
	if (why == R_SWBREAK && !bp_find(s->tf->rip)) {
		/* hit, then removed while it waited its turn: the original code runs */
		resume_others(me);
		release_master(-1);
		return true;
	}
	return serve(me);
}

/* The state beyond the frame, read on the CPU where it stopped. */
static void save(struct stopped *s, struct trapframe *tf)
{
	uint16_t ds, es, fs, gs;
	__asm__ volatile("mov %%ds, %0; mov %%es, %1; mov %%fs, %2; mov %%gs, %3"
			 : "=r"(ds), "=r"(es), "=r"(fs), "=r"(gs));
	s->ds = ds;
	s->es = es;
	s->fs = fs;
	s->gs = gs;
	s->cr3 = rcr3();
	s->fs_base = rdmsr(MSR_FS_BASE);
	/* From user mode the entry swapped GS: the interrupted code's base is the other one. */
	s->gs_base = rdmsr((tf->cs & 3) ? MSR_KERNEL_GS_BASE : MSR_GS_BASE);
	s->tf = tf;
}

/* A CPU stops: it reports why when it is its turn (R_NMI: nothing to report),
 * then waits until told to go. */
static void park(struct trapframe *tf, int reason)
{
	int me = (int)cpuid_self();
	struct stopped *s = &st[me];
	save(s, tf);
	tf->rflags &= ~(uint64_t)RFLAGS_TF; /* set only by us, for one step */
	s->last = reason;
	s->reason = reason == R_NMI ? R_NONE : reason;
	s->go = 0;
	__atomic_store_n(&s->parked, 1, __ATOMIC_SEQ_CST);
	for (;;) {
		int none = -1;
		if (s->reason && (stepping < 0 || stepping == me) &&
		    __atomic_compare_exchange_n(&master, &none, me, false, __ATOMIC_SEQ_CST,
						__ATOMIC_SEQ_CST)) {
			if (session(me))
				break;
			continue;
		}
		if (s->go) {
			s->go = 0;
			if (!s->reason)
				break;
		}
		cpu_relax();
	}
	load_debug_regs();
	__atomic_store_n(&s->parked, 0, __ATOMIC_SEQ_CST);
}

static volatile int booting; /* the int3 of gdbstub_init */

static void bp_hit(struct trapframe *tf)
{
	uint64_t at = tf->rip - 1;
	if (bp_find(at)) {
		tf->rip = at; /* gdb wants the breakpoint's address (swbreak) */
		park(tf, R_SWBREAK);
		return;
	}
	volatile uint8_t *p = byte_at_in(rcr3(), at);
	if (was_removed(at) && p && *p != 0xcc) {
		tf->rip = at; /* gdb removed it as we hit it: run what is there now */
		return;
	}
	park(tf, booting ? R_BOOT : R_BREAK);
}

int gdbstub_trap(struct trapframe *tf)
{
	int me;
	switch (tf->trapno) {
	case T_NMI:
		me = (int)cpuid_self();
		if (!__atomic_exchange_n(&st[me].nmi_sent, 0, __ATOMIC_SEQ_CST))
			return 0; /* not ours: a panic's */
		if (stop_req && !st[me].parked)
			park(tf, R_NMI);
		return 1;
	case T_BRKPT:
		if (tf->cs & 3)
			return 0; /* a user program's int3: its own fault */
		bp_hit(tf);
		return 1;
	case T_DEBUG: {
		if (tf->cs & 3)
			return 0;
		uint64_t dr6;
		__asm__ volatile("mov %%dr6, %0" : "=r"(dr6));
		__asm__ volatile("mov %0, %%dr6" : : "r"(0xffff0ff0ull));
		if (dr6 & 0xf) {
			tf->rflags |= RFLAGS_RF; /* resume past the breakpoint once */
			park(tf, R_HWBREAK);
		} else {
			park(tf, R_STEP);
		}
		return 1;
	}
	case T_TIMER:
		if (stop_req || cpuid_self() != 0)
			return 0;
		int c = com2_getc();
		if (c == 0x03) {
			park(tf, R_INTR); /* gdb's ^C */
		} else if (c == '$') {
			pushback = c; /* gdb (re)attaching to a running kernel */
			gdb_waiting = 0;
			park(tf, R_ATTACH);
		}
		return 0; /* the tick itself goes on */
	default:
		return 0;
	}
}

void __attribute__((noinline)) gdbstub_breakpoint(void)
{
	if (gdbstub_active)
		__asm__ volatile("int3");
}

void gdbstub_init(void)
{
	const char *v = karg("gdbstub");
	if (!v)
		return;
	/* A run without the stub asked for would go on as if it were fine. */
	if (strcmp(v, "com2") != 0)
		panic("cmdline: gdbstub=%s: want com2 (the stub runs on COM2 only)", v);
	/* Nor would one whose stub cannot run: refused, not booted without it
	 * (record=1, which owns COM2 too, is refused with it in kargs_init). */
	if (!com2_init())
		panic("gdbstub: refused: no UART answers at COM2 (0x2f8) for gdbstub=com2");
	while (com2_getc() >= 0) /* whatever the line held before */
		;
	gdbstub_active = 1;
	kprintf("gdbstub: waiting for gdb on COM2 (0x2f8, 115200 8N1), %d cpus stopped\n",
		ncpu_online);
	booting = 1;
	__asm__ volatile("int3"); /* gdb attaches here; every CPU is stopped */
	booting = 0;
	kprintf("gdbstub: running under gdb\n");
}
