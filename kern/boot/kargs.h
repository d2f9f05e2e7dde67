/* The kernel command line: which keys exist, their values, the actions they trigger. */
#ifndef BOOT_KARGS_H
#define BOOT_KARGS_H

#include <stdbool.h>

void kargs_init(const char *line); /* parse; warn about unknown keys */
const char *karg(const char *key); /* value, or NULL when absent */
unsigned long karg_ulong(const char *key, unsigned long dflt);
void kargs_run(void);
/* End of a run: write a whole-run recording, finish a whole-run replay;
 * false if the recording could not be written. */
bool kargs_finish(void); /* crash=..., test=... */

#endif
