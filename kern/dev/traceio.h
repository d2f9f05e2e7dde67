/*
 * Traces in and out of the machine: a log set leaves through COM2 as a binary
 * trace file (QEMU: -serial file:FILE as the second serial port) and comes
 * back as a multiboot module (QEMU: -initrd FILE; GRUB: module2) for replay.
 */
#ifndef DEV_TRACEIO_H
#define DEV_TRACEIO_H

#include <stdbool.h>
#include <stddef.h>

struct log_set;

/* "logkern-text-<hash of the kernel's code>": what a trace's build id says. */
void ktrace_build_id(char *buf, size_t n);
/* Snapshot every live log and write the trace to COM2; false on failure (reported). */
bool ktrace_save(const char *oracle);
/* Was a trace written in this run? */
bool ktrace_saved(void);
/* The recording handed over as a multiboot module, validated; NULL (reported) if none or bad. */
const struct log_set *ktrace_load(void);

#endif
