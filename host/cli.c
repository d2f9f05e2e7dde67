/*
 * cli.c - see cli.h.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "host/cli.h"
#include "host/scenario.h"

static const char *cli_prog = "?", *cli_synopsis = "", *cli_details = "";

/* At exit: output that could not be written (stdout on a full disk,
 * /dev/full) is an error, exit CLI_USAGE as for a file that cannot be
 * written, never a silent success. */
static void stdout_check(void)
{
	errno = 0; /* what fflush says, not an older error */
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "%s: standard output: %s\n", cli_prog,
			errno ? strerror(errno) : "write failed");
		_exit(CLI_USAGE);
	}
}

void cli_init(const char *prog, const char *synopsis, const char *details)
{
	static bool registered;
	cli_prog = prog;
	cli_synopsis = synopsis;
	cli_details = details;
	if (!registered)
		atexit(stdout_check);
	registered = true;
}

void cli_fail(const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "%s: ", cli_prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n%s(%s --help says more)\n", cli_synopsis, cli_prog);
	exit(CLI_USAGE);
}

void cli_help(void)
{
	fputs(cli_synopsis, stdout);
	fputs(cli_details, stdout);
	exit(0);
}

bool cli_is_help(const char *arg)
{
	return !strcmp(arg, "--help") || !strcmp(arg, "-h");
}

void cli_bad_arg(const char *arg)
{
	if (arg[0] == '-')
		cli_fail("unknown option '%s'", arg);
	cli_fail("unexpected argument '%s'", arg);
}

const char *cli_opt(const char *arg, const char *name)
{
	size_t n = strlen(name);
	if (strncmp(arg, name, n) != 0)
		return 0;
	if (arg[n] == '=')
		return arg + n + 1;
	if (!arg[n])
		cli_fail("%s needs a value: %s=...", name, name);
	return 0;
}

uint64_t cli_num(const char *val, const char *name, uint64_t min, uint64_t max)
{
	/* strtoull alone would take "-5" (as 2^64-5), " 5" and "0x5"; a
	 * 20-digit number saturates.  Digits only, then the range. */
	bool digits = *val != 0 && strspn(val, "0123456789") == strlen(val);
	errno = 0;
	uint64_t v = digits ? strtoull(val, 0, 10) : 0;
	if (!digits)
		cli_fail("%s=%s: not a decimal number (want %lu..%lu)", name, val,
			 (unsigned long)min, (unsigned long)max);
	if (errno == ERANGE || v < min || v > max)
		cli_fail("%s=%s: out of range %lu..%lu", name, val, (unsigned long)min,
			 (unsigned long)max);
	return v;
}

void cli_oracle(const char *val, struct oracle_spec *out)
{
	const char *err = oracle_parse(val, out);
	if (err)
		cli_fail("--oracle=%s: %s", val, err);
}

void cli_oracle_cpus(const struct oracle_spec *spec, unsigned ncpus, const char *what)
{
	char text[128];
	if (spec->kind != ORACLE_SCRIPT || spec->sched != OSCHED_LIST)
		return;
	for (uint32_t i = 0; i < spec->nlist; i++)
		if (spec->list[i] >= ncpus) {
			oracle_format(spec, text, sizeof text);
			cli_fail("%s%s: names cpu %u, the run has %u CPUs (0..%u)", what, text,
				 spec->list[i], ncpus, ncpus - 1);
		}
}

const struct scenario *cli_scenario(const char *name)
{
	const struct scenario *s = scenario_find(name);
	if (s)
		return s;
	char names[256] = "";
	for (s = scenarios; s->name; s++)
		snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s",
			 s == scenarios ? "" : ", ", s->name);
	cli_fail("unknown scenario '%s' (one of: %s)", name, names);
}

double cli_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}
