/*
 * The console: serial output shared by all CPUs (whole kprintf calls are
 * atomic, so lines never tear) and an input ring of CONS_BUFSIZE bytes filled
 * by the COM1 interrupt, as in the seeds' console (512-byte buffer).
 */
#ifndef DEV_CONSOLE_H
#define DEV_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>

#define CONS_BUFSIZE 512

void cons_init(void);
void cons_putc(int c); /* caller holds the console lock (or panic broke it) */
void cons_lock(void);
void cons_unlock(void);
void cons_break_lock(void); /* panic: from now on nobody takes the lock */
int cons_getc(void);        /* next input byte, -1 if none (a GETC event when a byte came) */
void cons_intr(void);
/* n bytes as one unit (lines never tear) and one PUTS event (user output). */
void cons_write(const char *buf, size_t n); /* COM1 interrupt: move received bytes into the ring */

struct log_set;
/* Replay: feed the recording's console input instead of the UART's; false
 * if the recording lost some of it (printed). */
bool cons_replay_load(const struct log_set *ref);

#endif
