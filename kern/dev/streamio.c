#include "dev/streamio.h"

#include <stddef.h>
#include <stdint.h>

#include "boot/kargs.h"
#include "dev/traceio.h"
#include "dev/timer.h"
#include "lib/kprintf.h"
#include "lib/panic.h"
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
 * The RAM region: page-aligned, its first 128 bytes a header (layout in
 * docs/trace-format.md, "Live stream"), then the blocks.  `used` grows
 * after a block's bytes are in place (x86 stores are seen in order), so a
 * reader of the live file never sees a block that is not all there.
 *
 * Alone, the region fills once: what does not fit is dropped (counted),
 * and the trace at the end still has everything.  A host drainer (`trace
 * stream-drain`, which maps the same file) makes it a ring:
 *
 *   linear --(drainer set, nothing dropped)--> ring
 *   linear --(full, no drainer)--> dropping
 *   ring --(drainer silent 1 s, or gone)--> dropping
 *
 * (A stream with a hole is no stream: once dropping, every later block is
 * dropped too, and the reader says so.)
 *
 * In the ring, block bytes go to offset (used mod cap), wrapping; the
 * writer waits while used + room - drained > cap, drained being what the
 * drainer has copied out (it advances it after the copy, the writer reads
 * it before writing over: x86 keeps a load before a later store).  The
 * wait is spin with interrupts off, under the stream's output lock: the
 * host copies at memory speed, so it is short, and bounded.
 */
#define STREAM_RAM_BYTES (16u << 20)
#define STREAM_RAM_HDR 128
/* Below the script oracle's stall report (~2 s of parked CPUs): a stalled
 * drainer costs the stream, not the run. */
#define STREAM_DRAIN_WAIT_S 1
struct ram_hdr {
	char magic[8]; /* "KLOGSTRM" */
	uint32_t version, hdr_bytes;
	uint64_t size;    /* of the region, header included */
	uint64_t used;    /* bytes of blocks after the header, ever */
	uint64_t dropped; /* bytes of blocks that did not fit */
	/* The per-CPU buffers (log_stream_buffers): physical address (the
	 * kernel runs where it is loaded), stride, offset of their fill
	 * count, how many: what a dead run had not sent yet. */
	uint64_t bufs;
	uint32_t stride, n_off, nbufs, pad;
	/* Version 2: written by the host drainer, read here. */
	volatile uint64_t drained; /* bytes of blocks copied out */
	volatile uint32_t drainer; /* its process id; 0: none */
	uint32_t ring;             /* 1 once the kernel treats the region as a ring */
	uint8_t spare[STREAM_RAM_HDR - 80];
};
_Static_assert(sizeof(struct ram_hdr) == STREAM_RAM_HDR, "RAM stream header is 128 bytes");

static uint8_t ram[STREAM_RAM_BYTES] __attribute__((aligned(4096)));
static struct ram_hdr *const rh = (struct ram_hdr *)ram;
static uint64_t cap; /* bytes of the region behind the header (stream_kb=) */

static void ram_put(uint64_t at, const void *p, size_t n)
{
	uint64_t off = at % cap, first = cap - off < n ? cap - off : n;
	memcpy(ram + STREAM_RAM_HDR + off, p, first);
	if (first < n)
		memcpy(ram + STREAM_RAM_HDR, (const uint8_t *)p + first, n - first);
}

/* Room for `room` more bytes: at once while the region has not filled, in
 * a ring when the drainer has copied enough out (waiting for it, bounded). */
static bool ram_room(uint64_t room)
{
	if (rh->dropped)
		return false;
	if (rh->used + room <= cap)
		return true;
	if (!rh->drainer)
		return false;
	uint64_t t0 = plat_ticks(), limit = tsc_hz() * STREAM_DRAIN_WAIT_S;
	while (rh->used + room - rh->drained > cap) {
		uint32_t d = rh->drainer; /* 0: it has exited (trace stream-drain clears it) */
		if (!d || plat_ticks() - t0 > limit) {
			kprintf("stream: the drainer %s: dropping the rest\n",
				d ? "took nothing for 1 s" : "has gone");
			return false;
		}
		__builtin_ia32_pause();
	}
	rh->ring = 1; /* stream-extract: the start is gone, the drainer has it */
	return true;
}

/* Blocks start 8-byte aligned (memcpy then copies words, not bytes). */
static void ram_write(const void *p, size_t n)
{
	size_t room = (n + 7) & ~(size_t)7;
	if (!ram_room(room)) {
		rh->dropped += n;
		return;
	}
	ram_put(rh->used, p, n);
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
		/* Asked for and not there: a recording without the stream asked
		 * for would leave nothing if it dies (as stream= refused). */
		if (!debugcon_present())
			panic("stream: stream=debugcon: no debug console at port 0xe9 (QEMU: "
			      "-debugcon file:FILE; Bochs: port_e9_hack)");
		log_stream_start(debugcon_write, 0, id, cmdline);
		kprintf("stream: on, through the debug console (port 0xe9)\n");
	} else if (!how || strcmp(how, "1") == 0 || strcmp(how, "ram") == 0) {
		unsigned long kb;
		if (!karg_size("stream_kb", STREAM_RAM_BYTES >> 10, 64, STREAM_RAM_BYTES >> 10, &kb))
			panic("stream: stream_kb=%s: want a region size in KiB, 64..%u",
			      karg("stream_kb"), STREAM_RAM_BYTES >> 10);
		cap = kb * 1024 - STREAM_RAM_HDR;
		rh->version = 2;
		rh->hdr_bytes = STREAM_RAM_HDR;
		rh->size = kb * 1024;
		const void *base;
		log_stream_buffers(&base, &rh->stride, &rh->n_off);
		rh->bufs = (uint64_t)(uintptr_t)base;
		rh->nbufs = PLAT_MAX_CPUS;
		/* The magic last: a drainer that finds it finds the rest in place. */
		__asm__ volatile("" ::: "memory");
		memcpy(rh->magic, "KLOGSTRM", 8);
		log_stream_start(ram_write, 0, id, cmdline);
		kprintf("stream: on, in RAM at %p (%lu KiB; a ring while `trace stream-drain` "
			"copies it out)\n",
			(void *)ram, kb);
	} else {
		/* A recording without the stream asked for would pass for one with it. */
		panic("cmdline: stream=%s: want 0, 1, ram or debugcon", how);
	}
}
