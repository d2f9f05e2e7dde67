/* The kernel command line: which keys exist, their values, the actions they trigger. */
#ifndef BOOT_KARGS_H
#define BOOT_KARGS_H

#include <stdbool.h>

void kargs_init(const char *line); /* parse; warn about unknown keys */
const char *karg(const char *key); /* value, or NULL when absent */
/* A number (dflt when absent); one that is not a number panics, naming it.
 * The 0/1 keys are checked at boot, so reading them never does. */
unsigned long karg_ulong(const char *key, unsigned long dflt);
bool karg_record(void); /* record=1 (record=0 or none: the run does not record) */
/* A size a test takes from the command line (dflt when absent): false, with
 * a message, if it is not a number in min..max (the test then fails rather
 * than run another size than asked). */
bool karg_size(const char *key, unsigned long dflt, unsigned long min, unsigned long max,
	       unsigned long *out);
void kargs_run(void);
/* End of a run: write a whole-run recording, finish a whole-run replay;
 * false if the recording could not be written. */
bool kargs_finish(bool session);
/* Write the recording so far now (monitor `trace`): once per run; false if the
 * run does not record, already wrote it, or the write failed. */
bool kargs_save_trace_now(void); /* crash=..., test=... */

#endif
