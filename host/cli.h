/*
 * cli.h - the few command-line helpers the host tools share.
 */
#ifndef HOST_CLI_H
#define HOST_CLI_H

#include <stdint.h>
#include "oracle/oracle.h"

/* "--name=value" -> value, or NULL if arg is not that option. */
const char *cli_opt(const char *arg, const char *name);
/* Parse a number or exit with a message naming the option. */
uint64_t cli_num(const char *val, const char *name);
/* Parse an oracle string or exit with the parser's message. */
void cli_oracle(const char *val, struct oracle_spec *out);
/* Seconds since an arbitrary point (host tools only). */
double cli_now(void);

#endif
