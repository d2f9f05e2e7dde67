/*
 * Multiboot1 and multiboot2 information parsing (kern/boot/bootinfo.c).
 * Multiboot1 structures hold 32-bit physical addresses, so the test builds
 * them in memory mapped below 4 GiB (MAP_32BIT), as a loader would.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#include <cmocka.h>

#include "boot/bootinfo.h"

static uint8_t *low; /* 64 KiB below 4 GiB */

static uint32_t put(size_t off, const void *p, size_t n)
{
	memcpy(low + off, p, n);
	return (uint32_t)(uintptr_t)(low + off);
}

static int setup(void **state)
{
	low = mmap(NULL, 65536, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1,
		   0);
	return low == MAP_FAILED ? -1 : 0;
}

static void test_mb1(void **state)
{
	memset(low, 0, 65536);
	uint32_t info[22] = { 0 };
	info[0] = (1u << 2) | (1u << 3) | (1u << 6) | (1u << 9); /* cmdline, mods, mmap, loader */
	info[4] = put(0x1000, "/boot/kernel.elf test=all oracle=hw", 36);
	uint32_t mods[8] = { 0x200000, 0x201000, 0, 0, 0x300000, 0x300800, 0, 0 };
	mods[2] = put(0x1100, "trace.bin", 10);
	mods[6] = put(0x1120, "init", 5);
	info[5] = 2;
	info[6] = put(0x1200, mods, sizeof(mods));
	struct __attribute__((packed)) {
		uint32_t size;
		uint64_t base, len;
		uint32_t type;
	} mm[3] = {
		{ 20, 0, 0x9fc00, 1 },
		{ 20, 0xf0000, 0x10000, 2 },
		{ 20, 0x100000, 0x7ee0000, 1 },
	};
	info[11] = sizeof(mm);
	info[12] = put(0x1300, mm, sizeof(mm));
	info[16] = put(0x1400, "GRUB", 5);
	const void *p = low + put(0x2000, info, sizeof(info)) - (uint32_t)(uintptr_t)low;

	struct bootinfo bi;
	const char *why = NULL;
	assert_int_equal(bootinfo_parse(&bi, MB1_BOOT_MAGIC, p, &why), 0);
	assert_int_equal(bi.version, 1);
	assert_string_equal(bi.cmdline, "test=all oracle=hw"); /* file name dropped */
	assert_string_equal(bi.loader, "GRUB");
	assert_int_equal(bi.nmods, 2);
	assert_int_equal(bi.mods[0].start, 0x200000);
	assert_int_equal(bi.mods[0].end, 0x201000);
	assert_string_equal(bi.mods[0].cmdline, "trace.bin");
	assert_string_equal(bi.mods[1].cmdline, "init");
	assert_int_equal(bi.nmmap, 3);
	assert_int_equal(bi.mmap[2].base, 0x100000);
	assert_int_equal(bi.mmap[2].len, 0x7ee0000);
	assert_int_equal(bi.mmap[1].type, 2);
}

/* Append one multiboot2 tag at *off (8-byte aligned) and return its body. */
static uint8_t *tag(uint8_t *buf, uint32_t *off, uint32_t type, uint32_t bodylen)
{
	uint32_t *t = (uint32_t *)(buf + *off);
	t[0] = type;
	t[1] = 8 + bodylen;
	*off = (*off + 8 + bodylen + 7) & ~7u;
	return (uint8_t *)(t + 2);
}

static uint32_t build_mb2(uint8_t *buf, int with_end)
{
	memset(buf, 0, 4096);
	uint32_t off = 8;
	strcpy((char *)tag(buf, &off, 1, 20), "test=smp_boot x=1");
	strcpy((char *)tag(buf, &off, 2, 8), "GRUB 2");
	uint32_t *m = (uint32_t *)tag(buf, &off, 3, 8 + 6);
	m[0] = 0x400000;
	m[1] = 0x402000;
	strcpy((char *)(m + 2), "trace");
	uint32_t *mm = (uint32_t *)tag(buf, &off, 6, 8 + 2 * 24);
	mm[0] = 24;
	mm[1] = 0;
	uint64_t *e = (uint64_t *)(mm + 2);
	e[0] = 0;
	e[1] = 0x9f000;
	((uint32_t *)&e[2])[0] = 1;
	e[3] = 0x100000;
	e[4] = 0xff00000;
	((uint32_t *)&e[5])[0] = 1;
	uint8_t *rsdp = tag(buf, &off, 14, 20);
	memcpy(rsdp, "RSD PTR ", 8);
	if (with_end)
		tag(buf, &off, 0, 0);
	((uint32_t *)buf)[0] = off;
	return off;
}

static void test_mb2(void **state)
{
	uint8_t buf[4096] __attribute__((aligned(8)));
	build_mb2(buf, 1);
	struct bootinfo bi;
	const char *why = NULL;
	assert_int_equal(bootinfo_parse(&bi, MB2_BOOT_MAGIC, buf, &why), 0);
	assert_int_equal(bi.version, 2);
	assert_string_equal(bi.cmdline, "test=smp_boot x=1"); /* multiboot2 has no file name */
	assert_string_equal(bi.loader, "GRUB 2");
	assert_int_equal(bi.nmods, 1);
	assert_int_equal(bi.mods[0].start, 0x400000);
	assert_string_equal(bi.mods[0].cmdline, "trace");
	assert_int_equal(bi.nmmap, 2);
	assert_int_equal(bi.mmap[1].len, 0xff00000);
	assert_int_equal(bi.has_rsdp, 1);
	assert_memory_equal(bi.rsdp, "RSD PTR ", 8);
}

static void test_mb2_malformed(void **state)
{
	uint8_t buf[4096] __attribute__((aligned(8)));
	struct bootinfo bi;
	const char *why = NULL;

	build_mb2(buf, 0);
	assert_int_equal(bootinfo_parse(&bi, MB2_BOOT_MAGIC, buf, &why), -1);
	assert_string_equal(why, "multiboot2 information has no end tag");

	uint32_t len = build_mb2(buf, 1);
	((uint32_t *)buf)[3] = len; /* first tag claims to be as long as everything */
	assert_int_equal(bootinfo_parse(&bi, MB2_BOOT_MAGIC, buf, &why), -1);
	assert_string_equal(why, "multiboot2 tag runs past the end");

	((uint32_t *)buf)[0] = 8;
	assert_int_equal(bootinfo_parse(&bi, MB2_BOOT_MAGIC, buf, &why), -1);
	assert_string_equal(why, "multiboot2 information shorter than its end tag");
}

static void test_bad_magic(void **state)
{
	struct bootinfo bi;
	const char *why = NULL;
	assert_int_equal(bootinfo_parse(&bi, 0x12345678, low, &why), -1);
	assert_non_null(strstr(why, "bad magic"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mb1),
		cmocka_unit_test(test_mb2),
		cmocka_unit_test(test_mb2_malformed),
		cmocka_unit_test(test_bad_magic),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
