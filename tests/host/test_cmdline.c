/* Unit tests for kern/lib/cmdline.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "lib/cmdline.h"

static const struct cmdline_key known_keys[] = {
	{ "test", "test to run" }, { "oracle", "oracle mode" }, { "smp", "CPUs to start" },
	{ "log", "log level" },    { "title", NULL },
};
#define NKNOWN (sizeof(known_keys) / sizeof(known_keys[0]))

/* Collected warnings. */
struct warnings {
	int n;
	char msg[48][300];
};

static void collect(const char *msg, void *arg)
{
	struct warnings *w = arg;

	assert_true(strlen(msg) < 256);
	if (w->n < 48)
		snprintf(w->msg[w->n], sizeof(w->msg[0]), "%s", msg);
	w->n++;
}

static struct cmdline cl;
static struct warnings w;

static int parse(const char *line)
{
	memset(&w, 0, sizeof(w));
	return cmdline_parse(line, known_keys, NKNOWN, &cl, collect, &w);
}

static void assert_pair(size_t i, const char *key, const char *value, bool known)
{
	assert_true(i < cl.n);
	assert_string_equal(cl.pairs[i].key, key);
	assert_string_equal(cl.pairs[i].value, value);
	assert_int_equal(cl.pairs[i].known, known);
}

static void test_basic(void **state)
{
	assert_int_equal(parse("test=smp smp=4 oracle"), 0);
	assert_int_equal(w.n, 0);
	assert_int_equal(cl.n, 3);
	assert_pair(0, "test", "smp", true);
	assert_pair(1, "smp", "4", true);
	assert_pair(2, "oracle", "1", true); /* bare key */
	assert_string_equal(cmdline_get(&cl, "test"), "smp");
	assert_null(cmdline_get(&cl, "log"));
	assert_true(cmdline_has(&cl, "oracle"));
	assert_false(cmdline_has(&cl, "log"));
	assert_false(cmdline_has(&cl, "tes")); /* whole-key match only */
	assert_false(cl.truncated);
	assert_int_equal(cl.n_unknown, 0);
}

static void test_empty_and_spaces(void **state)
{
	assert_int_equal(parse(""), 0);
	assert_int_equal(cl.n, 0);
	assert_int_equal(parse(NULL), 0);
	assert_int_equal(cl.n, 0);
	assert_int_equal(parse(" \t\n  "), 0);
	assert_int_equal(cl.n, 0);
	assert_int_equal(parse("   smp=2  \t log=debug\n"), 0);
	assert_int_equal(cl.n, 2);
	assert_pair(0, "smp", "2", true);
	assert_pair(1, "log", "debug", true);
	assert_int_equal(parse("log="), 0); /* empty value */
	assert_pair(0, "log", "", true);
	assert_true(cmdline_has(&cl, "log"));
}

static void test_quotes(void **state)
{
	assert_int_equal(parse("title=\"hello world\" test=a\" \"b log=\"\""), 0);
	assert_int_equal(cl.n, 3);
	assert_pair(0, "title", "hello world", true);
	assert_pair(1, "test", "a b", true);
	assert_pair(2, "log", "", true);
	assert_pair(2, "log", "", true);
	assert_string_equal(cmdline_get(&cl, "title"), "hello world");

	assert_int_equal(parse("smp=1 title=\"never closed  x=y"), 1);
	assert_int_equal(cl.n, 2);
	assert_pair(1, "title", "never closed  x=y", true);
	assert_string_equal(w.msg[0], "cmdline: unterminated quote in the value of 'title'");

	/* '=' inside a value belongs to the value. */
	assert_int_equal(parse("test=a=b"), 0);
	assert_pair(0, "test", "a=b", true);
}

static void test_unknown_key(void **state)
{
	assert_int_equal(parse("foo=1 test=x bar"), 2);
	assert_int_equal(w.n, 2);
	assert_string_equal(w.msg[0],
			    "cmdline: unknown key 'foo' (known: test, oracle, smp, log, title)");
	assert_string_equal(w.msg[1],
			    "cmdline: unknown key 'bar' (known: test, oracle, smp, log, title)");
	/* Still stored, flagged. */
	assert_int_equal(cl.n, 3);
	assert_pair(0, "foo", "1", false);
	assert_pair(1, "test", "x", true);
	assert_pair(2, "bar", "1", false);
	assert_int_equal(cl.n_unknown, 2);
	assert_string_equal(cmdline_get(&cl, "foo"), "1");
}

static void test_no_table_and_no_warn(void **state)
{
	struct cmdline c2;

	/* known == NULL: no checking at all. */
	assert_int_equal(cmdline_parse("anything=goes x", NULL, 0, &c2, NULL, NULL), 0);
	assert_int_equal(c2.n, 2);
	assert_true(c2.pairs[0].known && c2.pairs[1].known);
	/* warn == NULL: still counted, no crash. */
	assert_int_equal(cmdline_parse("zzz", known_keys, NKNOWN, &c2, NULL, NULL), 1);
	assert_false(c2.pairs[0].known);
	/* Empty table: every key unknown. */
	memset(&w, 0, sizeof(w));
	assert_int_equal(cmdline_parse("k", known_keys, 0, &c2, collect, &w), 1);
	assert_string_equal(w.msg[0], "cmdline: unknown key 'k' (known: none)");
	assert_int_equal(cmdline_parse("x", NULL, 0, NULL, NULL, NULL), -1);
}

static void test_long_known_list_is_cut(void **state)
{
	static struct cmdline_key many[40];
	static char names[40][16];
	struct cmdline c2;

	for (int i = 0; i < 40; i++) {
		snprintf(names[i], sizeof(names[i]), "option_%02d", i);
		many[i].name = names[i];
	}
	memset(&w, 0, sizeof(w));
	assert_int_equal(cmdline_parse("nope", many, 40, &c2, collect, &w), 1);
	assert_int_equal(strlen(w.msg[0]), 255);
	assert_memory_equal(w.msg[0], "cmdline: unknown key 'nope' (known: option_00, option_01", 56);
	assert_string_equal(w.msg[0] + 251, "...)");
}

static void test_duplicate(void **state)
{
	assert_int_equal(parse("smp=2 test=a smp=8"), 1);
	assert_string_equal(w.msg[0], "cmdline: duplicate key 'smp': value '2' replaced by '8'");
	assert_int_equal(cl.n, 2);
	assert_pair(0, "smp", "8", true); /* last wins, first position kept */
	assert_pair(1, "test", "a", true);
	assert_int_equal(cmdline_get_ulong(&cl, "smp", 0), 8);

	assert_int_equal(parse("oracle=0 oracle"), 1);
	assert_pair(0, "oracle", "1", true);
	assert_int_equal(cl.n, 1);

	/* An unknown duplicate: unknown warned once, duplicate once. */
	assert_int_equal(parse("foo=1 foo=2"), 2);
	assert_int_equal(cl.n, 1);
	assert_int_equal(cl.n_unknown, 1);
	assert_pair(0, "foo", "2", false);
}

static void test_empty_key(void **state)
{
	assert_int_equal(parse("=oops smp=3 ="), 2);
	assert_string_equal(w.msg[0], "cmdline: empty key in '=oops', ignored");
	assert_string_equal(w.msg[1], "cmdline: empty key in '=', ignored");
	assert_int_equal(cl.n, 1);
	assert_pair(0, "smp", "3", true);
}

static void test_too_many_pairs(void **state)
{
	char line[1024];
	size_t len = 0;

	for (int i = 0; i < 35; i++)
		len += (size_t)snprintf(line + len, sizeof(line) - len, "k%d=%d ", i, i);
	struct cmdline c2;
	memset(&w, 0, sizeof(w));
	assert_int_equal(cmdline_parse(line, NULL, 0, &c2, collect, &w), 3);
	assert_int_equal(c2.n, CMDLINE_MAX_PAIRS);
	assert_true(c2.truncated);
	assert_string_equal(w.msg[0], "cmdline: too many keys (max 32), 'k32' ignored");
	assert_string_equal(w.msg[2], "cmdline: too many keys (max 32), 'k34' ignored");
	assert_string_equal(cmdline_get(&c2, "k31"), "31");
	assert_null(cmdline_get(&c2, "k32"));
	/* A duplicate still updates an existing key after the table is full. */
	strcat(line, "k0=zero");
	assert_int_equal(cmdline_parse(line, NULL, 0, &c2, NULL, NULL), 4);
	assert_string_equal(cmdline_get(&c2, "k0"), "zero");
}

static void test_line_too_long(void **state)
{
	static char line[4096];
	char big[600];

	memset(big, 'v', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	/* Two 600-byte values do not fit in 1024 bytes; the small key after them does. */
	snprintf(line, sizeof(line), "test=%s title=%s smp=4", big, big);
	assert_int_equal(parse(line), 1);
	assert_string_equal(
		w.msg[0],
		"cmdline: line too long (max 1024 bytes of keys and values), 'title' ignored");
	assert_true(cl.truncated);
	assert_int_equal(cl.n, 2);
	assert_string_equal(cmdline_get(&cl, "test"), big);
	assert_null(cmdline_get(&cl, "title"));
	assert_string_equal(cmdline_get(&cl, "smp"), "4");
	assert_true(cl.used <= CMDLINE_BUF_SIZE);

	/* Filling the buffer exactly: key and value both count their NULs. */
	char exact[CMDLINE_BUF_SIZE + 1];
	memset(exact, 'x', sizeof(exact));
	memcpy(exact, "log=", 4);
	exact[CMDLINE_BUF_SIZE - 1] = '\0'; /* "log" + NUL + 1019 chars + NUL = 1024 */
	assert_int_equal(parse(exact), 0);
	assert_int_equal(cl.used, CMDLINE_BUF_SIZE);
	assert_int_equal(strlen(cmdline_get(&cl, "log")), CMDLINE_BUF_SIZE - 5);
	exact[CMDLINE_BUF_SIZE - 1] = 'x';
	exact[CMDLINE_BUF_SIZE] = '\0'; /* one byte more */
	assert_int_equal(parse(exact), 1);
	assert_int_equal(cl.n, 0);
	assert_true(cl.truncated);
}

static void test_copied_not_referenced(void **state)
{
	char line[] = "test=abc smp=2";

	assert_int_equal(parse(line), 0);
	memset(line, 'X', sizeof(line) - 1);
	assert_string_equal(cmdline_get(&cl, "test"), "abc");
	assert_string_equal(cl.pairs[1].key, "smp");
	for (size_t i = 0; i < cl.n; i++) {
		assert_true(cl.pairs[i].key >= cl.buf && cl.pairs[i].key < cl.buf + sizeof(cl.buf));
		assert_true(cl.pairs[i].value >= cl.buf &&
			    cl.pairs[i].value < cl.buf + sizeof(cl.buf));
	}
}

static void test_get_ulong(void **state)
{
	assert_int_equal(parse("smp=16 log=0x20 test=010 oracle title=12abc"), 0);
	assert_int_equal(cmdline_get_ulong(&cl, "smp", 99), 16);
	assert_int_equal(cmdline_get_ulong(&cl, "log", 99), 32);
	assert_int_equal(cmdline_get_ulong(&cl, "test", 99), 8);
	assert_int_equal(cmdline_get_ulong(&cl, "oracle", 99), 1); /* bare key */
	assert_int_equal(cmdline_get_ulong(&cl, "absent", 99), 99);
	assert_int_equal(w.n, 0);
}

/* A value that is not a number gives the default, and says so. */
static void test_get_ulong_malformed(void **state)
{
	assert_int_equal(parse("smp=abc log=12abc test= title=\" 5\" oracle=-1"), 0);
	assert_int_equal(cmdline_get_ulong(&cl, "smp", 7), 7);
	assert_int_equal(w.n, 1);
	assert_string_equal(w.msg[0], "cmdline: smp=abc is not a number; using the default 7");
	assert_int_equal(cmdline_get_ulong(&cl, "log", 3), 3);
	assert_string_equal(w.msg[1], "cmdline: log=12abc is not a number; using the default 3");
	assert_int_equal(cmdline_get_ulong(&cl, "test", 4), 4);
	assert_string_equal(w.msg[2], "cmdline: test= is not a number; using the default 4");
	assert_int_equal(cmdline_get_ulong(&cl, "title", 5), 5);
	assert_string_equal(w.msg[3], "cmdline: title= 5 is not a number; using the default 5");
	assert_int_equal(cmdline_get_ulong(&cl, "oracle", 6), 6);
	assert_int_equal(w.n, 5);

	/* Without a warn callback the default still comes back. */
	assert_int_equal(cmdline_parse("smp=x", known_keys, NKNOWN, &cl, NULL, NULL), 0);
	assert_int_equal(cmdline_get_ulong(&cl, "smp", 9), 9);
}

static void test_parse_ulong(void **state)
{
	unsigned long v = 42;

	assert_true(cmdline_parse_ulong("0", &v));
	assert_int_equal(v, 0);
	assert_true(cmdline_parse_ulong("0x10", &v));
	assert_int_equal(v, 16);
	assert_true(cmdline_parse_ulong("18446744073709551614", &v));
	assert_true(v == 18446744073709551614ul);
	v = 42;
	const char *bad[] = { "",
			      "abc",
			      "7x",
			      "+7",
			      " 7",
			      "-1",
			      "0x",
			      "09",
			      "18446744073709551615",
			      "99999999999999999999999" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_false(cmdline_parse_ulong(bad[i], &v));
		assert_int_equal(v, 42); /* untouched */
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basic),
		cmocka_unit_test(test_empty_and_spaces),
		cmocka_unit_test(test_quotes),
		cmocka_unit_test(test_unknown_key),
		cmocka_unit_test(test_no_table_and_no_warn),
		cmocka_unit_test(test_long_known_list_is_cut),
		cmocka_unit_test(test_duplicate),
		cmocka_unit_test(test_empty_key),
		cmocka_unit_test(test_too_many_pairs),
		cmocka_unit_test(test_line_too_long),
		cmocka_unit_test(test_copied_not_referenced),
		cmocka_unit_test(test_get_ulong),
		cmocka_unit_test(test_get_ulong_malformed),
		cmocka_unit_test(test_parse_ulong),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
