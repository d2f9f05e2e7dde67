/*
 * fault KIND - do one thing a process must be killed for.
 *
 * The kernel should kill it (exit status -1, EXIT_KILLED).  If it survives,
 * it prints `fault: survived KIND` and exits with 2; `fault ok` exits with 0;
 * an unknown KIND prints the list and exits with 3.  `faults` runs them all.
 */
#include "ulib.h"

#define KERNEL_ADDR 0x100000ul /* the kernel's image, identity-mapped, supervisor only */

/* The compiler must not know the address (a known-null dereference becomes a trap). */
static uintptr_t opaque(uintptr_t v)
{
	__asm__ volatile("" : "+r"(v));
	return v;
}

static void do_kread(void)
{
	(void)*(volatile long *)opaque(KERNEL_ADDR);
}

static void do_kwrite(void)
{
	*(volatile long *)opaque(KERNEL_ADDR) = 1;
}

static void do_null(void)
{
	(void)*(volatile long *)opaque(0);
}

static void do_noncanonical(void)
{
	(void)*(volatile long *)opaque(0x8000000000000000ul);
}

static void do_kernel_high(void)
{
	(void)*(volatile long *)opaque(0xffffffff80000000ul);
}

static void do_priv(void)
{
	__asm__ volatile("hlt");
}

static void do_cli(void)
{
	__asm__ volatile("cli");
}

static void do_io(void)
{
	__asm__ volatile("outb %%al, $0x80" : : "a"(0));
}

static void do_cr3(void)
{
	unsigned long v;

	__asm__ volatile("mov %%cr3, %0" : "=r"(v));
}

static void do_ud(void)
{
	__asm__ volatile("ud2");
}

static void do_div0(void)
{
	unsigned int zero = (unsigned int)opaque(0);

	/* div by a register: the compiler cannot fold or drop it */
	__asm__ volatile("divl %2" : : "a"(1), "d"(0), "r"(zero));
}

static void do_jump(void)
{
	((void (*)(void))opaque(0x12345))();
}

static void do_kjump(void)
{
	((void (*)(void))opaque(KERNEL_ADDR))();
}

static void do_wx(void)
{
	static uint8_t code[16] = { 0xc3 }; /* ret, in .data: the rw- segment is not executable */

	((void (*)(void))opaque((uintptr_t)code))();
}

/* .text is mapped read-only (the ELF's r-x segment). */
static void do_text_write(void)
{
	*(volatile uint8_t *)opaque((uintptr_t)do_text_write) = 0xc3;
}

/* Deeper and deeper, touching each frame, past the stack's pages. */
static unsigned long recurse(unsigned long depth)
{
	volatile char frame[1024];

	frame[0] = (char)depth;
	frame[sizeof(frame) - 1] = (char)depth;
	if (opaque(depth) == ~0ul) /* never: only so that the recursion may end */
		return 0;
	return recurse(depth + 1) + frame[0];
}

static void do_stack(void)
{
	recurse(0);
}

/* Touch one new heap page after another until the quota runs out. */
static void do_quota(void)
{
	for (;;) {
		volatile char *p = malloc(16 * PAGE_SIZE);

		if (p == NULL)
			return;
		for (unsigned long off = 0; off < 16 * PAGE_SIZE; off += PAGE_SIZE)
			p[off] = 1;
	}
}

static const struct kind {
	const char *name;
	void (*fn)(void);
	const char *what;
} kinds[] = {
	{ "kread", do_kread, "read kernel memory (0x100000)" },
	{ "kwrite", do_kwrite, "write kernel memory (0x100000)" },
	{ "null", do_null, "read address 0" },
	{ "noncanon", do_noncanonical, "read a non-canonical address" },
	{ "khigh", do_kernel_high, "read 0xffffffff80000000" },
	{ "priv", do_priv, "hlt" },
	{ "cli", do_cli, "cli" },
	{ "io", do_io, "outb to port 0x80" },
	{ "cr3", do_cr3, "read %cr3" },
	{ "ud", do_ud, "ud2" },
	{ "div0", do_div0, "divide by zero" },
	{ "jump", do_jump, "jump to 0x12345" },
	{ "kjump", do_kjump, "jump into the kernel (0x100000)" },
	{ "wx", do_wx, "execute .data" },
	{ "textw", do_text_write, "write own .text" },
	{ "stack", do_stack, "recurse past the stack's pages" },
	{ "quota", do_quota, "touch heap pages until past the quota" },
	{ "ok", NULL, "exit 0" },
};

int main(int argc, char **argv)
{
	const char *kind = argc > 1 ? argv[1] : "";

	for (size_t i = 0; i < ARRAY_SIZE(kinds); i++) {
		if (strcmp(kind, kinds[i].name) != 0)
			continue;
		if (kinds[i].fn == NULL)
			return 0;
		kinds[i].fn();
		printf("fault: survived %s\n", kind);
		return 2;
	}
	printf("usage: fault KIND; KIND is one of\n");
	for (size_t i = 0; i < ARRAY_SIZE(kinds); i++)
		printf("  %-8s %s\n", kinds[i].name, kinds[i].what);
	return 3;
}
