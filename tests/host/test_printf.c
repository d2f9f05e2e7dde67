/* Unit tests for kern/lib/printfmt.c (snprintf/vsnprintf built as klib_*). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <string.h>

/* libc's snprintf, taken before lib/printfmt.h renames the name to the kernel's. */
static int (*const libc_snprintf)(char *, size_t, const char *, ...) = snprintf;

#include "lib/printfmt.h"

/* Formats with the kernel's snprintf; checks the text and the returned length. */
#define CHECK(want, ...)                                                                           \
	do {                                                                                       \
		char buf_[256];                                                                    \
		int n_ = snprintf(buf_, sizeof(buf_), __VA_ARGS__);                                \
		assert_string_equal(buf_, want);                                                   \
		assert_int_equal(n_, strlen(want));                                                \
	} while (0)

static void test_renamed(void **state)
{
	assert_true((void *)snprintf == (void *)klib_snprintf);
	assert_true((void *)libc_snprintf != (void *)klib_snprintf);
}

static void test_plain_and_percent(void **state)
{
	CHECK("", "%s", "");
	CHECK("hello, world", "hello, world");
	CHECK("100%", "100%%");
	CHECK("%%", "%%%%");
	CHECK("a\tb\n", "a\tb\n");
}

static void test_signed(void **state)
{
	CHECK("0 1 -1", "%d %i %d", 0, 1, -1);
	CHECK("2147483647 -2147483648", "%d %d", INT_MAX, INT_MIN);
	CHECK("-9223372036854775808", "%lld", (long long)INT64_MIN);
	CHECK("9223372036854775807", "%lld", (long long)INT64_MAX);
	CHECK("-9223372036854775808", "%ld", LONG_MIN);
	CHECK("-5 -5", "%zd %td", (ptrdiff_t)-5, (ptrdiff_t)-5);
	CHECK("-1 127", "%hhd %hhd", 255, 127); /* converted to signed char */
	CHECK("-1 4660", "%hd %hd", 65535, 0x1234);
	CHECK("-7", "%jd", (intmax_t)-7);
}

static void test_unsigned_bases(void **state)
{
	CHECK("18446744073709551615", "%llu", ULLONG_MAX);
	CHECK("ffffffffffffffff FFFFFFFFFFFFFFFF", "%llx %llX", ULLONG_MAX, ULLONG_MAX);
	CHECK("1777777777777777777777", "%llo", ULLONG_MAX);
	CHECK("4294967295", "%u", UINT_MAX);
	CHECK("4294967295", "%u", -1);
	CHECK("deadbeef DEADBEEF", "%x %X", 0xdeadbeefu, 0xdeadbeefu);
	CHECK("17 0", "%o %o", 15u, 0u);
	CHECK("255 ff", "%hhu %hhx", 0x1ff, 0x1ff);
	CHECK("65535", "%hu", 0x1ffff);
	CHECK("18446744073709551615", "%zu", SIZE_MAX);
	CHECK("123456789abc", "%lx", 0x123456789abcUL);
}

static void test_width_flags(void **state)
{
	CHECK("   42|42   |00042", "%5d|%-5d|%05d", 42, 42, 42);
	CHECK("  -42|-42  |-0042", "%5d|%-5d|%05d", -42, -42, -42);
	CHECK("+42 +0 -1", "%+d %+d %+d", 42, 0, -1);
	CHECK(" 42 -42", "% d % d", 42, -42);
	CHECK("0x1f 0X1F 0 0x0001f", "%#x %#X %#x %#07x", 31, 31, 0, 31);
	CHECK("017 0 00017", "%#o %#o %#05o", 15, 0, 15);
	CHECK("42", "%1d", 42);
	CHECK("    ab|ab    |", "%6s|%-6s|", "ab", "ab");
	CHECK("  x|x  |", "%3c|%-3c|", 'x', 'x');
}

static void test_precision(void **state)
{
	CHECK("00042 -00042", "%.5d %.5d", 42, -42);
	CHECK("   00042", "%8.5d", 42);
	CHECK("|", "%.0d|", 0); /* zero with precision 0: no digits */
	CHECK("   |", "%3.0d|", 0);
	CHECK("0x0000ff", "%#.6x", 255);
	CHECK("abc", "%.3s", "abcdef");
	CHECK("  abc", "%5.3s", "abcdef");
	CHECK("abcdef", "%.10s", "abcdef");
	CHECK("", "%.0s", "abc");
}

static void test_star(void **state)
{
	CHECK("   42", "%*d", 5, 42);
	CHECK("42   |", "%*d|", -5, 42); /* negative width: left-justify */
	CHECK("00042", "%.*d", 5, 42);
	CHECK("42", "%.*d", -3, 42); /* negative precision: as if none */
	CHECK("   ab", "%*.*s", 5, 2, "abcdef");
	CHECK("x   7", "%c%*d", 'x', 4, 7); /* arguments stay in order */
}

static void test_strings_chars_pointers(void **state)
{
	char unterminated[3] = { 'a', 'b', 'c' };

	CHECK("ab", "%.2s", unterminated); /* precision: no read past it */
	CHECK("A%B", "%c%%%c", 'A', 'B');
	CHECK("0x0000000000000000", "%p", NULL);
	CHECK("0x00000000deadbeef", "%p", (void *)0xdeadbeefUL);
	CHECK("0xffff800000001000", "%p", (void *)0xffff800000001000UL);
	CHECK("  0x0000000000000001|", "%20p|", (void *)1);
	CHECK("0x0000000000000001  |", "%-20p|", (void *)1);
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat"
#pragma GCC diagnostic ignored "-Wformat-extra-args"
#pragma GCC diagnostic ignored "-Wformat-overflow"
/* Cases gcc's format checker (rightly) flags as odd, but whose result is defined. */
static void test_conflicting_flags_and_null(void **state)
{
	CHECK("+42", "%+ d", 42);            /* '+' wins over ' ' */
	CHECK("42   |", "%-05d|", 42);       /* '-' wins over '0' */
	CHECK("42 2a", "%+u % x", 42u, 42u); /* sign flags do not apply to unsigned */
	CHECK("   42", "%05.2d", 42);        /* precision disables '0' */
	CHECK("(null)", "%s", (char *)NULL);
	CHECK("  (null)|(nu", "%8s|%.3s", (char *)NULL, (char *)NULL);
}

static void test_unknown_conversion(void **state)
{
	int n = 0;

	CHECK("%q", "%q");
	CHECK("a %-5q b", "a %-5q b");
	CHECK("x=1 %y 2", "x=%d %y %d", 1, 2); /* no argument consumed by %y */
	CHECK("%n", "%n", &n);                 /* %n is not supported: no write */
	assert_int_equal(n, 0);
	CHECK("end %", "end %");
	CHECK("end %-3", "end %-3");
}
#pragma GCC diagnostic pop

static void test_truncation(void **state)
{
	char buf[8];

	memset(buf, 'Z', sizeof(buf));
	assert_int_equal(snprintf(buf, 5, "%d", 1234567), 7); /* would-be length */
	assert_string_equal(buf, "1234");
	assert_int_equal(buf[5], 'Z');
	assert_int_equal(snprintf(buf, 1, "abc"), 3);
	assert_string_equal(buf, "");
	buf[0] = 'Q';
	assert_int_equal(snprintf(buf, 0, "abc"), 3);
	assert_int_equal(buf[0], 'Q'); /* n == 0 writes nothing */
	assert_int_equal(snprintf(NULL, 0, "%s-%d", "ab", 12), 5);
	assert_int_equal(snprintf(buf, sizeof(buf), "1234567"), 7);
	assert_string_equal(buf, "1234567");
	assert_int_equal(snprintf(buf, sizeof(buf), "12345678"), 8);
	assert_string_equal(buf, "1234567");
}

struct collect {
	char text[64];
	int calls;
};

static void collect_putch(int ch, void *arg)
{
	struct collect *c = arg;

	c->text[c->calls++] = (char)ch;
}

static int via_vprintfmt(struct collect *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int via_vprintfmt(struct collect *c, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vprintfmt(collect_putch, c, fmt, ap);
	va_end(ap);
	return n;
}

static void test_vprintfmt_callback(void **state)
{
	struct collect c = { { 0 }, 0 };

	assert_int_equal(via_vprintfmt(&c, "[%3d|%s]", 7, "ok"), 8);
	assert_int_equal(c.calls, 8);
	assert_memory_equal(c.text, "[  7|ok]", 8);
	c.calls = 0;
	assert_int_equal(via_vprintfmt(&c, "%s", ""), 0);
	assert_int_equal(c.calls, 0);
}

/* Every combination of flags, widths and precisions against libc's snprintf. */
static void test_matches_libc(void **state)
{
	static const char *const flagsets[] = { "",   "-",  "0",  "+",  " ",  "#",   "-+",
						"0+", "0 ", "#0", "-#", "+ ", "-0+#" };
	static const char *const widths[] = { "", "1", "5", "12", "25" };
	static const char *const precs[] = { "", ".", ".0", ".1", ".3", ".20" };
	static const char *const convs[] = { "d", "i", "u", "x", "X", "o" };
	static const long long values[] = {
		0,          1,         -1,         7,
		-42,        255,       0x7fffffff, -65536,
		1000000007, INT64_MIN, INT64_MAX,  (long long)0x8000000000000000ULL + 5
	};
	static const char *const strs[] = { "", "a", "hello", "(null)x" };
	char fmt[32], want[128], got[128];
	int checked = 0;

	for (size_t f = 0; f < sizeof(flagsets) / sizeof(flagsets[0]); f++) {
		for (size_t w = 0; w < sizeof(widths) / sizeof(widths[0]); w++) {
			for (size_t p = 0; p < sizeof(precs) / sizeof(precs[0]); p++) {
				for (size_t c = 0; c < sizeof(convs) / sizeof(convs[0]); c++) {
					for (size_t v = 0; v < sizeof(values) / sizeof(values[0]);
					     v++) {
						libc_snprintf(fmt, sizeof(fmt), "%%%s%s%sll%s",
							      flagsets[f], widths[w], precs[p],
							      convs[c]);
						int nw = libc_snprintf(want, sizeof(want), fmt,
								       values[v]);
						int ng = snprintf(got, sizeof(got), fmt, values[v]);
						if (nw != ng || strcmp(want, got) != 0)
							fail_msg("format \"%s\" value %lld: libc \"%s\" (%d), kernel \"%s\" (%d)",
								 fmt, values[v], want, nw, got, ng);
						checked++;
					}
				}
				for (size_t s = 0; s < sizeof(strs) / sizeof(strs[0]); s++) {
					if (strchr(flagsets[f], '0') != NULL ||
					    strchr(flagsets[f], '#') != NULL)
						continue; /* undefined for %s */
					libc_snprintf(fmt, sizeof(fmt), "%%%s%s%ss|%%%s%sc",
						      flagsets[f], widths[w], precs[p], flagsets[f],
						      widths[w]);
					int nw = libc_snprintf(want, sizeof(want), fmt, strs[s], 'c');
					int ng = snprintf(got, sizeof(got), fmt, strs[s], 'c');
					if (nw != ng || strcmp(want, got) != 0)
						fail_msg("format \"%s\" arg \"%s\": libc \"%s\" (%d), kernel \"%s\" (%d)",
							 fmt, strs[s], want, nw, got, ng);
					checked++;
				}
			}
		}
	}
	assert_true(checked > 5000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_renamed),
		cmocka_unit_test(test_plain_and_percent),
		cmocka_unit_test(test_signed),
		cmocka_unit_test(test_unsigned_bases),
		cmocka_unit_test(test_width_flags),
		cmocka_unit_test(test_precision),
		cmocka_unit_test(test_star),
		cmocka_unit_test(test_strings_chars_pointers),
		cmocka_unit_test(test_conflicting_flags_and_null),
		cmocka_unit_test(test_unknown_conversion),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_vprintfmt_callback),
		cmocka_unit_test(test_matches_libc),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
