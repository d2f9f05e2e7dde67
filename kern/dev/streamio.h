/*
 * The live order stream's ways out of the machine (kern/log/stream.h;
 * docs/record-replay.md, "Live stream"):
 *
 *   ram (default)  a region of kernel memory (16 MiB, stream_kb=), blocks
 *                  appended one after the other behind a header a host
 *                  finds by its magic; QEMU keeps guest RAM in a host file
 *                  (-object memory-backend-file,share=on,mem-path=F), so
 *                  the stream is in that file as soon as it is written,
 *                  and stays there whatever becomes of the kernel
 *                  (`trace stream-extract F OUT` takes it out; `trace
 *                  stream-drain F OUT` while the run goes, and the region
 *                  becomes a ring).
 *   debugcon       QEMU's (and Bochs's) debug console port 0xe9
 *                  (-debugcon file:F), a block at a time with rep outsb:
 *                  works without a memory file, but each byte is an I/O
 *                  exit (measured ~80 KB/s at 4 CPUs under TCG).
 */
#ifndef DEV_STREAMIO_H
#define DEV_STREAMIO_H

#include <stdbool.h>

/* record=1: start the live stream as stream= says (1 or ram: the RAM
 * region; debugcon: port 0xe9 if a debug console is there; 0: off); says
 * which on the console. */
void kstream_start(const char *cmdline);
/* Bytes the RAM region could not take (it was full). */
unsigned long kstream_dropped(void);

#endif
