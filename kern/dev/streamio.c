#include "dev/streamio.h"

#include <stddef.h>
#include <stdint.h>

#include "boot/kargs.h"
#include "dev/traceio.h"
#include "lib/kprintf.h"
#include "lib/string.h"
#include "log/stream.h"
#include "plat.h"
#include "x86.h"

#define DEBUGCON_PORT 0xe9

/* Is a debug console there?  (It reads back 0xe9; an empty port reads 0xff.) */
static bool debugcon_present(void)
{
	return inb(DEBUGCON_PORT) == DEBUGCON_PORT;
}

/* One block; the stream calls its sink with interrupts off, under its output lock. */
static void debugcon_write(const void *p, size_t n)
{
	__asm__ volatile("rep outsb" : "+S"(p), "+c"(n) : "d"((uint16_t)DEBUGCON_PORT) : "memory");
}

/*
 * The RAM region: page-aligned, its first 64 bytes a header (layout in
 * docs/trace-format.md, "Live stream"), then the blocks.  `used` grows
 * after a block's bytes are in place (x86 stores are seen in order), so a
 * reader of the live file never sees a block that is not all there.
 */
#define STREAM_RAM_BYTES (16u << 20)
#define STREAM_RAM_HDR 64
struct ram_hdr {
	char magic[8]; /* "KLOGSTRM" */
	uint32_t version, hdr_bytes;
	uint64_t size;    /* of the region, header included */
	uint64_t used;    /* bytes of blocks after the header */
	uint64_t dropped; /* bytes of blocks that did not fit */
	/* The per-CPU buffers (log_stream_buffers): physical address (the
	 * kernel runs where it is loaded), stride, offset of their fill
	 * count, how many: what a dead run had not sent yet. */
	uint64_t bufs;
	uint32_t stride, n_off, nbufs, pad;
};
_Static_assert(sizeof(struct ram_hdr) == STREAM_RAM_HDR, "RAM stream header is 64 bytes");

static uint8_t ram[STREAM_RAM_BYTES] __attribute__((aligned(4096)));
static struct ram_hdr *const rh = (struct ram_hdr *)ram;

/* Blocks start 8-byte aligned (memcpy then copies words, not bytes). */
static void ram_write(const void *p, size_t n)
{
	size_t room = (n + 7) & ~(size_t)7;
	if (rh->used + room > STREAM_RAM_BYTES - STREAM_RAM_HDR) {
		rh->dropped += n;
		return;
	}
	memcpy(ram + STREAM_RAM_HDR + rh->used, p, n);
	__asm__ volatile("" ::: "memory");
	rh->used += room;
}

unsigned long kstream_dropped(void)
{
	return rh->dropped;
}

void kstream_start(const char *cmdline)
{
	const char *how = karg("stream");
	char id[64];
	ktrace_build_id(id, sizeof id);
	if (how && strcmp(how, "0") == 0) {
		kprintf("stream: off (stream=0)\n");
	} else if (how && strcmp(how, "debugcon") == 0) {
		if (!debugcon_present()) {
			kprintf("stream: off: no debug console at port 0xe9 (QEMU: -debugcon "
				"file:FILE)\n");
			return;
		}
		log_stream_start(debugcon_write, 0, id, cmdline);
		kprintf("stream: on, through the debug console (port 0xe9)\n");
	} else if (!how || strcmp(how, "1") == 0 || strcmp(how, "ram") == 0) {
		memcpy(rh->magic, "KLOGSTRM", 8);
		rh->version = 1;
		rh->hdr_bytes = STREAM_RAM_HDR;
		rh->size = STREAM_RAM_BYTES;
		const void *base;
		log_stream_buffers(&base, &rh->stride, &rh->n_off);
		rh->bufs = (uint64_t)(uintptr_t)base;
		rh->nbufs = PLAT_MAX_CPUS;
		log_stream_start(ram_write, 0, id, cmdline);
		kprintf("stream: on, in RAM at %p (%u MiB)\n", (void *)ram, STREAM_RAM_BYTES >> 20);
	} else {
		kprintf("stream: stream=%s: want 0, 1, ram or debugcon; off\n", how);
	}
}
