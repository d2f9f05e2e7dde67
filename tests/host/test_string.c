/* Unit tests for kern/lib/string.c (built as klib_* names, see kern/lib/string.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>

#include "lib/string.h" /* from here on, memcpy & co. are the kernel's */

/* Catches a missing rename: the kernel's routine must not be libc's. */
static void test_renamed(void **state)
{
	char a[4] = "abc", b[4];

	assert_ptr_equal(klib_memcpy(b, a, 4), b);
	assert_string_equal(b, "abc");
	assert_true((void *)memcpy == (void *)klib_memcpy);
}

/* Lengths to try: every one up to 80 (the byte and word loops), then
 * around and past REP_MIN (128, string.c), where the string instructions
 * take the words. */
static size_t next_len(size_t n)
{
	static const size_t big[] = { 119, 127, 128, 129, 135, 136, 137, 255, 256, 257, 300, 520 };
	if (n < 80)
		return n + 1;
	for (size_t i = 0; i < sizeof big / sizeof big[0]; i++)
		if (big[i] > n)
			return big[i];
	return (size_t)-1;
}

static void test_memcpy_sizes_and_alignments(void **state)
{
	unsigned char src[544], dst[560];

	for (size_t i = 0; i < sizeof(src); i++)
		src[i] = (unsigned char)(i * 7 + 1);
	for (size_t soff = 0; soff < 8; soff++) {
		for (size_t doff = 0; doff < 8; doff++) {
			for (size_t n = 0; n != (size_t)-1; n = next_len(n)) {
				for (size_t i = 0; i < sizeof(dst); i++)
					dst[i] = 0xEE;
				assert_ptr_equal(memcpy(dst + doff, src + soff, n), dst + doff);
				for (size_t i = 0; i < doff; i++)
					assert_int_equal(dst[i], 0xEE);
				for (size_t i = 0; i < n; i++)
					assert_int_equal(dst[doff + i], src[soff + i]);
				for (size_t i = doff + n; i < sizeof(dst); i++)
					assert_int_equal(dst[i], 0xEE);
			}
		}
	}
}

static void test_memmove_overlap(void **state)
{
	char buf[64];

	for (size_t n = 0; n <= 40; n++) {
		for (int shift = -9; shift <= 9; shift++) {
			char ref[64];
			for (size_t i = 0; i < sizeof(buf); i++)
				buf[i] = ref[i] = (char)('A' + i % 26);
			size_t src = 12, dst = (size_t)((int)src + shift);
			/* Reference result computed through a temporary. */
			char tmp[64];
			for (size_t i = 0; i < n; i++)
				tmp[i] = ref[src + i];
			for (size_t i = 0; i < n; i++)
				ref[dst + i] = tmp[i];
			assert_ptr_equal(memmove(buf + dst, buf + src, n), buf + dst);
			assert_memory_equal(buf, ref, sizeof(buf));
		}
	}
}

static void test_memset(void **state)
{
	unsigned char buf[544];

	for (size_t off = 0; off < 8; off++) {
		for (size_t n = 0; n != (size_t)-1; n = next_len(n)) {
			for (size_t i = 0; i < sizeof(buf); i++)
				buf[i] = 0x11;
			assert_ptr_equal(memset(buf + off, 0x1A5, n), buf + off); /* only the low byte */
			for (size_t i = 0; i < sizeof(buf); i++)
				assert_int_equal(buf[i], i >= off && i < off + n ? 0xA5 : 0x11);
		}
	}
}

static void test_memcmp_memchr(void **state)
{
	const unsigned char a[] = { 1, 2, 3, 0x80 }, b[] = { 1, 2, 3, 0x7F };

	assert_int_equal(memcmp(a, b, 3), 0);
	assert_true(memcmp(a, b, 4) > 0); /* compares as unsigned char */
	assert_true(memcmp(b, a, 4) < 0);
	assert_int_equal(memcmp(a, b, 0), 0);
	assert_ptr_equal(memchr(a, 3, 4), a + 2);
	assert_ptr_equal(memchr(a, 0x80, 4), a + 3);
	assert_ptr_equal(memchr(a, 0x180, 4), a + 3); /* c converted to unsigned char */
	assert_null(memchr(a, 3, 2));
	assert_null(memchr(a, 9, 4));
}

static void test_strlen_strnlen(void **state)
{
	char buf[40];

	for (size_t n = 0; n < 32; n++) {
		for (size_t i = 0; i < n; i++)
			buf[i] = 'x';
		buf[n] = '\0';
		assert_int_equal(strlen(buf), n);
		assert_int_equal(strnlen(buf, 100), n);
		assert_int_equal(strnlen(buf, 5), n < 5 ? n : 5);
	}
	/* strnlen must not read past maxlen: no terminator in range. */
	char unterminated[3] = { 'a', 'b', 'c' };
	assert_int_equal(strnlen(unterminated, 3), 3);
	assert_int_equal(strnlen(unterminated, 0), 0);
}

static void test_strcmp_strncmp(void **state)
{
	assert_int_equal(strcmp("", ""), 0);
	assert_int_equal(strcmp("abc", "abc"), 0);
	assert_true(strcmp("abc", "abd") < 0);
	assert_true(strcmp("abd", "abc") > 0);
	assert_true(strcmp("ab", "abc") < 0);
	assert_true(strcmp("abc", "ab") > 0);
	assert_true(strcmp("\x80", "\x7f") > 0); /* unsigned comparison */
	assert_int_equal(strncmp("abcX", "abcY", 3), 0);
	assert_true(strncmp("abcX", "abcY", 4) < 0);
	assert_int_equal(strncmp("abc", "abd", 0), 0);
	assert_int_equal(strncmp("ab", "ab", 10), 0); /* stops at the terminator */
	assert_true(strncmp("ab", "abc", 10) < 0);
}

static void test_strchr_strrchr(void **state)
{
	const char *s = "a/b/c";

	assert_ptr_equal(strchr(s, '/'), s + 1);
	assert_ptr_equal(strrchr(s, '/'), s + 3);
	assert_ptr_equal(strchr(s, 'a'), s);
	assert_ptr_equal(strrchr(s, 'a'), s);
	assert_ptr_equal(strchr(s, '\0'), s + 5);
	assert_ptr_equal(strrchr(s, '\0'), s + 5);
	assert_null(strchr(s, 'z'));
	assert_null(strrchr(s, 'z'));
	assert_null(strchr("", 'a'));
}

static void test_strncpy(void **state)
{
	char buf[8];

	memset(buf, 'Z', sizeof(buf));
	assert_ptr_equal(strncpy(buf, "ab", 6), buf);
	assert_memory_equal(buf, "ab\0\0\0\0ZZ", 8); /* padded with NULs up to n */
	memset(buf, 'Z', sizeof(buf));
	strncpy(buf, "abcdefgh", 4);
	assert_memory_equal(buf, "abcdZZZZ", 8); /* not terminated when too long */
	strncpy(buf, "q", 0);
	assert_int_equal(buf[0], 'a');
}

static void test_strlcpy(void **state)
{
	char buf[8];

	memset(buf, 'Z', sizeof(buf));
	assert_int_equal(strlcpy(buf, "hello", sizeof(buf)), 5);
	assert_string_equal(buf, "hello");
	assert_int_equal(buf[6], 'Z'); /* no padding */
	assert_int_equal(strlcpy(buf, "0123456789", sizeof(buf)), 10);
	assert_string_equal(buf, "0123456");
	assert_int_equal(strlcpy(buf, "", sizeof(buf)), 0);
	assert_string_equal(buf, "");
	buf[0] = 'Q';
	assert_int_equal(strlcpy(buf, "abc", 0), 3);
	assert_int_equal(buf[0], 'Q'); /* size 0 writes nothing */
	assert_int_equal(strlcpy(buf, "abc", 1), 3);
	assert_string_equal(buf, "");
}

static void check_ul(const char *s, int base, unsigned long want, size_t consumed)
{
	const char *end = NULL;
	unsigned long got = kstrtoul(s, &end, base);

	if (got != want || end != s + consumed)
		fail_msg("kstrtoul(\"%s\", %d) = %lu, consumed %td; want %lu, consumed %zu", s,
			 base, got, end - s, want, consumed);
}

static void test_kstrtoul(void **state)
{
	check_ul("0", 10, 0, 1);
	check_ul("12345", 10, 12345, 5);
	check_ul("  42xyz", 10, 42, 4);
	check_ul("+7", 10, 7, 2);
	check_ul("-7", 10, 0, 0); /* negative: rejected */
	check_ul("", 10, 0, 0);
	check_ul("abc", 10, 0, 0);
	check_ul("0x1F", 0, 31, 4);
	check_ul("0X1f", 16, 31, 4);
	check_ul("1f", 16, 31, 2);
	check_ul("0x", 0, 0, 1); /* "0" parsed, 'x' left over */
	check_ul("0xg", 16, 0, 1);
	check_ul("017", 0, 15, 3);
	check_ul("019", 0, 1, 2); /* '9' is not octal */
	check_ul("17", 8, 15, 2);
	check_ul("1010102", 2, 42, 6);
	check_ul("zz", 36, 35 * 36 + 35, 2);
	check_ul("10", 1, 0, 0); /* invalid base */
	check_ul("10", 37, 0, 0);
	check_ul("18446744073709551615", 10, ULONG_MAX, 20);
	check_ul("18446744073709551616", 10, ULONG_MAX, 20); /* saturates, consumes all digits */
	check_ul("0xffffffffffffffff", 0, ULONG_MAX, 18);
	check_ul("0x10000000000000000", 0, ULONG_MAX, 19);
	check_ul("4294967296", 0, 4294967296UL, 10);
	assert_int_equal(kstrtoul("99", NULL, 10), 99); /* endp may be NULL */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_renamed),
		cmocka_unit_test(test_memcpy_sizes_and_alignments),
		cmocka_unit_test(test_memmove_overlap),
		cmocka_unit_test(test_memset),
		cmocka_unit_test(test_memcmp_memchr),
		cmocka_unit_test(test_strlen_strnlen),
		cmocka_unit_test(test_strcmp_strncmp),
		cmocka_unit_test(test_strchr_strrchr),
		cmocka_unit_test(test_strncpy),
		cmocka_unit_test(test_strlcpy),
		cmocka_unit_test(test_kstrtoul),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
