/*
 * cli.c - see cli.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "host/cli.h"

const char *cli_opt(const char *arg, const char *name)
{
	size_t n = strlen(name);
	if (strncmp(arg, name, n) == 0 && arg[n] == '=')
		return arg + n + 1;
	return 0;
}

uint64_t cli_num(const char *val, const char *name)
{
	char *end;
	uint64_t v = strtoull(val, &end, 0);
	if (!*val || *end) {
		fprintf(stderr, "%s: not a number: '%s'\n", name, val);
		exit(2);
	}
	return v;
}

void cli_oracle(const char *val, struct oracle_spec *out)
{
	const char *err = oracle_parse(val, out);
	if (err) {
		fprintf(stderr, "--oracle=%s: %s\n", val, err);
		exit(2);
	}
}

double cli_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}
