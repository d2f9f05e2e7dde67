/*
 * cli.h - the command-line helpers the host tools share, so that every tool
 * treats bad input the same way: one line saying what is wrong, then the
 * usage, on stderr, and exit status CLI_USAGE (2); never a crash and never
 * a run that does not end.  --help (or -h) prints the usage and what each
 * option means on stdout and exits 0.
 */
#ifndef HOST_CLI_H
#define HOST_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include "oracle/oracle.h"

#define CLI_USAGE 2 /* exit status of a usage error */

/* A numeric macro as a string, for usage texts that state the bounds. */
#define CLI_STR_(x) #x
#define CLI_STR(x) CLI_STR_(x)

/* Name the tool, its synopsis (the usage lines) and the details --help
 * adds (options, exit status), each ending in a newline.  From then on a
 * write error on standard output makes the tool exit CLI_USAGE. */
void cli_init(const char *prog, const char *synopsis, const char *details);
/* Usage error: "prog: MESSAGE", the synopsis, exit CLI_USAGE. */
_Noreturn void cli_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Synopsis and details on stdout, exit 0. */
_Noreturn void cli_help(void);
/* True for --help and -h. */
bool cli_is_help(const char *arg);
/* Anything a tool's parser did not take: unknown option or stray word. */
_Noreturn void cli_bad_arg(const char *arg);

/* "--name=value" -> value, or NULL if arg is not that option; "--name"
 * without a value is a usage error. */
const char *cli_opt(const char *arg, const char *name);
/* A decimal number min..max (no sign, no spaces), or a usage error naming
 * the option.  The one number parser of the host tools. */
uint64_t cli_num(const char *val, const char *name, uint64_t min, uint64_t max);
/* Parse an oracle string or fail with the parser's message. */
void cli_oracle(const char *val, struct oracle_spec *out);
/* A script:list naming a CPU the run does not have is a usage error (the
 * oracle would skip it: not the schedule the user asked for); `what`
 * names where the oracle came from ("--oracle=", "ORACLE "). */
void cli_oracle_cpus(const struct oracle_spec *spec, unsigned ncpus, const char *what);
/* The scenario called `name`, or a usage error listing them. */
const struct scenario *cli_scenario(const char *name);
/* Seconds since an arbitrary point (host tools only). */
double cli_now(void);

#endif
