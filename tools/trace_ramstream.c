/*
 * trace_ramstream.c - the live stream's region in a guest-RAM file
 * (kern/dev/streamio.c; layout: docs/trace-format.md, "Live stream").
 *
 *   trace stream-extract RAMFILE OUT
 *       after the run: the region's blocks, as a stream file, then (if
 *       the run did not end the stream) each CPU's unsent buffer as a
 *       PENDING block
 *   trace stream-drain [--wait=S] RAMFILE OUT
 *       while the run goes: copies each block out as soon as the kernel
 *       has put it in the region, and tells the kernel how far it got, so
 *       that the region is a ring and a recording's stream may be as long
 *       as the run; ends at the END block, or when told to (SIGTERM,
 *       SIGINT: the run is over or dead) with what is left and the
 *       PENDING blocks, as stream-extract would
 *
 * The region wraps only while a drainer copies it out: its header has
 * `used` (bytes of blocks the kernel has put, ever: a block is whole below
 * it) and `drained` (what the drainer copied, which the kernel does not
 * write over).  Offsets here are those logical byte counts; the byte at
 * offset x is at x mod cap in the region.
 *
 * Exit: 0 the stream is out; 1 no region in the file, or the region
 * dropped blocks (it filled, or the drainer was too slow); 2 usage, I/O.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "host/cli.h"
#include "log/str.h"
#include "log/stream.h"
#include "tools/trace_tool.h"

#define RAM_MAGIC "KLOGSTRM"
#define BLK_MAX (LOG_STREAM_HDR + 0xffff) /* what a block header can say */

/* The header (kern/dev/streamio.c, struct ram_hdr); version 1 had the
 * first 64 bytes and never wrapped. */
struct region {
	uint8_t *h;    /* the header, in the file */
	uint64_t cap;  /* bytes of blocks it holds */
	uint64_t bufs; /* per-CPU buffers: file offset, stride, fill offset, count */
	uint64_t stride, n_off, nbufs;
	unsigned version;
};

enum { H_USED = 24, H_DROPPED = 32, H_DRAINED = 64, H_DRAINER = 72, H_RING = 76 };

static uint64_t hget(const struct region *r, unsigned off, unsigned n)
{
	if (n == 8)
		return __atomic_load_n((const uint64_t *)(r->h + off), __ATOMIC_ACQUIRE);
	return __atomic_load_n((const uint32_t *)(r->h + off), __ATOMIC_ACQUIRE);
}

static bool region_ring(const struct region *r)
{
	return r->version >= 2 && hget(r, H_RING, 4) != 0;
}

/* Is the header at h (of a file of len bytes, at offset off) a region's?
 * Its fields filled in r if so.  The magic is written last (streamio.c). */
static bool region_at(uint8_t *h, size_t off, size_t len, struct region *r)
{
	if (memcmp(h, RAM_MAGIC, 8) != 0)
		return false;
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	unsigned v = (unsigned)log_le_get(h + 8, 4);
	uint64_t hdr = log_le_get(h + 12, 4), size = log_le_get(h + 16, 8);
	if (!((v == 1 && hdr == 64) || (v == 2 && hdr == 128)) || size > len - off || size <= hdr)
		return false;
	r->h = h;
	r->version = v;
	r->cap = size - hdr;
	r->bufs = log_le_get(h + 40, 8);
	r->stride = log_le_get(h + 48, 4);
	r->n_off = log_le_get(h + 52, 4);
	r->nbufs = log_le_get(h + 56, 4);
	/* What the kernel writes (stream_kb= 64..): a damaged header is no
	 * region, rather than a walk round a tiny ring 2^40 times. */
	if (r->cap % 8 != 0 || (v == 2 && r->cap < 64 * 1024 - 128))
		return false;
	if ((v == 1 || !region_ring(r)) && log_le_get(h + H_USED, 8) > r->cap)
		return false;
	return true;
}

/* The region of a guest-RAM file (the file offset is the guest-physical
 * address; the header is at a page boundary), or false. */
static bool region_find(uint8_t *p, size_t len, struct region *r)
{
	for (size_t off = 0; off + 128 <= len; off += 4096)
		if (region_at(p + off, off, len, r))
			return true;
	return false;
}

/* Bytes [at, at + n) of the blocks, wrapping. */
static void region_copy(const struct region *r, uint64_t at, uint8_t *dst, size_t n)
{
	const uint8_t *base = r->h + (r->version == 1 ? 64 : 128);
	uint64_t off = at % r->cap, first = r->cap - off < n ? r->cap - off : n;
	memcpy(dst, base + off, first);
	if (first < n)
		memcpy(dst + first, base, n - first);
}

/* Taking blocks out of a region, in order, to a sink. */
struct walk {
	uint64_t at;                     /* the next block's offset */
	uint64_t out;                    /* bytes given to the sink */
	uint32_t last;                   /* the last block's number */
	unsigned kind;                   /* and kind (LOG_STREAM_END: the run ended the stream) */
	uint32_t cpu_len[PLAT_MAX_CPUS]; /* each CPU's last block's payload bytes + 1; 0 none */
	uint8_t *cpu_blk;                /* [PLAT_MAX_CPUS][LOG_STREAM_BLOCK]: those payloads */
	uint8_t blk[BLK_MAX];
	bool (*put)(void *arg, const uint8_t *p, size_t n);
	void *arg;
	bool put_failed;
};

static void walk_put(struct walk *w, const uint8_t *p, size_t n)
{
	if (!w->put(w->arg, p, n))
		w->put_failed = true;
	w->out += n;
}

/* The blocks in [w->at, used): each whole block.  `final`: the run is over,
 * so a block the region cuts short (a garbled length) goes out as it is and
 * the reader says so. */
static void walk_blocks(struct walk *w, const struct region *r, uint64_t used, bool final)
{
	while (w->at + LOG_STREAM_HDR <= used && !w->put_failed) {
		region_copy(r, w->at, w->blk, LOG_STREAM_HDR);
		size_t bl = LOG_STREAM_HDR + log_le_get(w->blk + 4, 2);
		if (bl > used - w->at) {
			if (!final)
				return;
			bl = used - w->at;
		}
		region_copy(r, w->at, w->blk, bl);
		walk_put(w, w->blk, bl);
		w->last = (uint32_t)log_le_get(w->blk + 8, 4);
		w->kind = w->blk[2];
		unsigned cpu = w->blk[3];
		if (cpu < PLAT_MAX_CPUS) {
			size_t pl = bl - LOG_STREAM_HDR;
			w->cpu_len[cpu] = (uint32_t)pl + 1;
			memcpy(w->cpu_blk + (size_t)cpu * LOG_STREAM_BLOCK, w->blk + LOG_STREAM_HDR,
			       pl < LOG_STREAM_BLOCK ? pl : LOG_STREAM_BLOCK);
		}
		w->at += (bl + 7) & ~(uint64_t)7;
	}
	if (final && w->at < used) { /* a piece too short for a header */
		size_t n = used - w->at;
		region_copy(r, w->at, w->blk, n < BLK_MAX ? n : BLK_MAX);
		walk_put(w, w->blk, n < BLK_MAX ? n : BLK_MAX);
		w->at = used;
	}
}

/* One PENDING block: records a CPU had not sent, as a block after `no`. */
static size_t pending_block(uint8_t *h, unsigned cpu, uint32_t no, const uint8_t *rec, size_t len)
{
	memset(h, 0, LOG_STREAM_HDR);
	h[0] = LOG_STREAM_MAGIC & 0xff;
	h[1] = LOG_STREAM_MAGIC >> 8;
	h[2] = LOG_STREAM_PENDING;
	h[3] = (uint8_t)cpu;
	h[4] = (uint8_t)len;
	h[5] = (uint8_t)(len >> 8);
	for (unsigned i = 0; i < 4; i++)
		h[8 + i] = (uint8_t)(no >> (8 * i));
	memcpy(h + LOG_STREAM_HDR, rec, len);
	uint32_t c = log_stream_check(h, h + LOG_STREAM_HDR, len);
	for (unsigned i = 0; i < 4; i++)
		h[12 + i] = (uint8_t)(c >> (8 * i));
	return LOG_STREAM_HDR + len;
}

/* If the run did not end the stream: each CPU's buffer that holds records
 * (p, len: the whole file) as a PENDING block, unless it is that CPU's
 * last block already (the run stopped between sending the buffer and
 * emptying it).  How many. */
static unsigned walk_pending(struct walk *w, const struct region *r, const uint8_t *p, size_t len)
{
	if (w->kind == LOG_STREAM_END || w->out == 0 || r->stride < LOG_STREAM_BLOCK ||
	    r->n_off + 4 > r->stride || r->nbufs > PLAT_MAX_CPUS || r->bufs > len ||
	    r->nbufs * r->stride > len - r->bufs)
		return 0;
	unsigned n = 0;
	for (unsigned c = 0; c < r->nbufs; c++) {
		const uint8_t *sb = p + r->bufs + c * r->stride;
		uint64_t fill = log_le_get(sb + r->n_off, 4);
		if (fill <= LOG_STREAM_HDR || fill > LOG_STREAM_BLOCK)
			continue;
		size_t pl = fill - LOG_STREAM_HDR;
		if (w->cpu_len[c] == pl + 1 &&
		    !memcmp(w->cpu_blk + (size_t)c * LOG_STREAM_BLOCK, sb + LOG_STREAM_HDR, pl))
			continue;
		walk_put(w, w->blk, pending_block(w->blk, c, ++w->last, sb + LOG_STREAM_HDR, pl));
		n++;
	}
	return n;
}

static struct walk *walk_new(bool (*put)(void *, const uint8_t *, size_t), void *arg)
{
	struct walk *w = xcalloc(1, sizeof *w, "the stream walk");
	w->cpu_blk = xcalloc(PLAT_MAX_CPUS, LOG_STREAM_BLOCK, "the stream walk");
	w->put = put;
	w->arg = arg;
	return w;
}

static void walk_free(struct walk *w)
{
	free(w->cpu_blk);
	free(w);
}

struct membuf {
	uint8_t *p;
	size_t n, cap;
};

static bool mem_put(void *arg, const uint8_t *p, size_t n)
{
	struct membuf *m = arg;
	if (m->n + n > m->cap) {
		size_t cap = m->cap * 2 + n + 4096;
		uint8_t *q = realloc(m->p, cap);
		if (!q)
			return false;
		m->p = q;
		m->cap = cap;
	}
	memcpy(m->p + m->n, p, n);
	m->n += n;
	return true;
}

const char ram_no_region[] =
	"no stream region in it (was the run recording, record=1, with "
	"stream=1, and this the memory-backend file?)";

const char *ram_stream(uint8_t *p, size_t len, uint8_t **out, size_t *n, uint64_t *dropped,
		       unsigned *pending)
{
	struct region r;
	if (!region_find(p, len, &r))
		return ram_no_region;
	if (region_ring(&r))
		return "its stream region wrapped round while `trace stream-drain` copied it out: "
		       "the stream is in that drainer's output file, not here any more";
	struct membuf m = { 0 };
	struct walk *w = walk_new(mem_put, &m);
	walk_blocks(w, &r, hget(&r, H_USED, 8), true);
	*pending = walk_pending(w, &r, p, len);
	bool failed = w->put_failed;
	walk_free(w);
	if (failed) {
		free(m.p);
		return "out of memory";
	}
	*dropped = hget(&r, H_DROPPED, 8);
	*out = m.p ? m.p : malloc(1);
	*n = m.n;
	return 0;
}

int cmd_stream_extract(int argc, char **argv)
{
	if (argc != 2)
		cli_fail("stream-extract takes RAMFILE OUT");
	for (int i = 0; i < argc; i++)
		if (argv[i][0] == '-' && argv[i][1])
			cli_bad_arg(argv[i]);
	size_t len, n = 0;
	uint64_t dropped = 0;
	unsigned pending = 0;
	uint8_t *buf = trace_read_all(argv[0], &len), *r = 0;
	const char *err = ram_stream(buf, len, &r, &n, &dropped, &pending);
	if (err) {
		fprintf(stderr, "%s: %s\n", argv[0], err);
		free(buf);
		return EXIT_BAD;
	}
	FILE *f = out_open(argv[1]);
	out_close(f, argv[1], fwrite(r, 1, n, f) == n);
	printf("%s: %lu bytes of stream%s%s\n", argv[1], (unsigned long)n,
	       pending ? ", with the buffers of CPUs that had not sent them" : "",
	       dropped ? "; the region was full and dropped the rest" : "");
	free(buf);
	free(r);
	return dropped ? EXIT_BAD : 0;
}

/* ---- stream-drain ---- */

static volatile sig_atomic_t drain_stop;

static void on_stop(int sig)
{
	(void)sig;
	drain_stop = 1;
}

static bool file_put(void *arg, const uint8_t *p, size_t n)
{
	return fwrite(p, 1, n, arg) == n;
}

static void nap_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };
	nanosleep(&ts, 0);
}

/* The offset of the region's header in the RAM file, found with pread:
 * reading a hole of the sparse file allocates nothing (touching every page
 * of a mapping of it would fill /dev/shm with the whole guest RAM). */
static bool drain_find(int fd, size_t len, size_t *at)
{
	uint8_t h[128];
	struct region r;
	for (size_t off = 0; off + sizeof h <= len; off += 4096)
		if (pread(fd, h, sizeof h, (off_t)off) == (ssize_t)sizeof h &&
		    !memcmp(h, RAM_MAGIC, 8) && region_at(h, 0, len - off, &r)) {
			*at = off;
			return true;
		}
	return false;
}

/* The RAM file mapped once QEMU has sized it and the kernel has put its
 * region in it, or NULL once told to stop or after `wait_s` seconds.  Only
 * the region and the CPUs' buffers are ever touched in the mapping. */
static uint8_t *drain_attach(const char *path, int fd, size_t *len, struct region *r, uint64_t wait_s)
{
	for (uint64_t ms = 0; !drain_stop && ms < wait_s * 1000; ms += 20) {
		struct stat st;
		size_t at;
		if (fstat(fd, &st) != 0)
			io_fail(path, strerror(errno));
		if (st.st_size > 0 && drain_find(fd, (size_t)st.st_size, &at)) {
			*len = (size_t)st.st_size;
			uint8_t *p = mmap(0, *len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
			if (p == MAP_FAILED)
				io_fail(path, strerror(errno));
			if (!region_at(p + at, at, *len, r))
				io_fail(path, "the stream region changed under the drainer");
			if (r->version < 2) {
				fprintf(stderr,
					"%s: a version 1 stream region: its kernel does not "
					"wrap it; use stream-extract after the run\n",
					path);
				return 0;
			}
			return p;
		}
		nap_ms(20);
	}
	return 0;
}

/* Another drainer, alive, or one that already took blocks (the region's
 * start is gone): this one would hand on a stream without its beginning,
 * or let the kernel write over what the other has not copied yet. */
static const char *drain_taken(const struct region *r)
{
	uint32_t other = (uint32_t)hget(r, H_DRAINER, 4);
	if (other && (kill((pid_t)other, 0) == 0 || errno == EPERM))
		return "another drainer (pid %u) is copying this region out";
	if (hget(r, H_DRAINED, 8) || region_ring(r))
		return "an earlier drainer took blocks from this region: the stream's start is only "
		       "in its output";
	return 0;
}

/* The drainer's pid leaves the region whenever it stops (exit, io_fail),
 * so that the kernel does not wait for a drainer that is gone. */
static uint8_t *drain_hdr;

static void drain_detach(void)
{
	if (drain_hdr)
		__atomic_store_n((uint32_t *)(drain_hdr + H_DRAINER), 0, __ATOMIC_RELEASE);
	drain_hdr = 0; /* once: the mapping goes before the exit */
}

int cmd_stream_drain(int argc, char **argv)
{
	const char *pos[2];
	int npos = 0;
	uint64_t wait_s = 60;
	for (int i = 0; i < argc; i++) {
		const char *v;
		if ((v = cli_opt(argv[i], "--wait")))
			wait_s = cli_num(v, "--wait", 1, 3600);
		else if (argv[i][0] == '-' && argv[i][1])
			cli_bad_arg(argv[i]);
		else if (npos == 2)
			cli_fail("stream-drain takes RAMFILE OUT: unexpected '%s'", argv[i]);
		else
			pos[npos++] = argv[i];
	}
	if (npos != 2)
		cli_fail("stream-drain takes RAMFILE OUT");
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_stop;
	sa.sa_flags = SA_RESTART; /* a write to a pipe is not cut short by the stop */
	sigaction(SIGTERM, &sa, 0);
	sigaction(SIGINT, &sa, 0);
	int fd = open(pos[0], O_RDWR);
	if (fd < 0)
		io_fail(pos[0], strerror(errno));
	trace_note_input(fd);
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
		io_fail(pos[0],
			"not a regular file (the guest-RAM file QEMU maps: "
			"memory-backend-file,share=on,mem-path=FILE)");
	size_t len = 0;
	struct region r;
	uint8_t *p = drain_attach(pos[0], fd, &len, &r, wait_s);
	if (!p) {
		fprintf(stderr, "%s: no stream region appeared in it%s\n", pos[0],
			drain_stop ? " before the drainer was stopped" : "");
		return EXIT_BAD;
	}
	const char *taken = drain_taken(&r);
	if (taken) {
		char why[160];
		snprintf(why, sizeof why, taken, (unsigned)hget(&r, H_DRAINER, 4));
		fprintf(stderr, "%s: %s\n", pos[0], why);
		return EXIT_BAD;
	}
	FILE *f = out_open_live(pos[1]);
	/* From here the kernel may wrap the region: it waits for `drained`. */
	drain_hdr = r.h;
	atexit(drain_detach);
	__atomic_store_n((uint32_t *)(r.h + H_DRAINER), (uint32_t)getpid(), __ATOMIC_RELEASE);
	struct walk *w = walk_new(file_put, f);
	uint64_t wraps = 0;
	bool damaged = false;
	for (;;) {
		bool stop = drain_stop; /* read before `used`: a last look follows a stop */
		uint64_t used = hget(&r, H_USED, 8), at = w->at;
		/* The kernel never gets more than the ring ahead of `drained`. */
		if (used < at || used - at > r.cap) {
			damaged = true;
			break;
		}
		walk_blocks(w, &r, used, stop);
		if (w->at != at) {
			if (fflush(f) != 0)
				w->put_failed = true;
			wraps += w->at / r.cap != at / r.cap;
			__atomic_store_n((uint64_t *)(r.h + H_DRAINED), w->at, __ATOMIC_RELEASE);
		}
		if (stop || w->kind == LOG_STREAM_END || w->put_failed)
			break;
		if (w->at == at)
			nap_ms(1);
	}
	drain_detach();
	unsigned pending = damaged ? 0 : walk_pending(w, &r, p, len);
	uint64_t dropped = hget(&r, H_DROPPED, 8), bytes = w->out;
	bool ok = !w->put_failed && fflush(f) == 0;
	bool ended = w->kind == LOG_STREAM_END;
	walk_free(w);
	out_close(f, pos[1], ok);
	printf("%s: %lu bytes of stream, the region (%lu KiB) wrapped %lu times%s%s%s\n", pos[1],
	       (unsigned long)bytes, (unsigned long)((r.cap + 128) >> 10), (unsigned long)wraps,
	       ended ? "; the run ended the stream" : "; no END block (the run stopped or died)",
	       pending ? ", with the buffers of CPUs that had not sent them" : "",
	       dropped ? "; the region dropped blocks (full, or this drainer too slow)" : "");
	if (damaged)
		fprintf(stderr,
			"%s: the region's header is damaged (used %lu, %lu bytes taken, ring of "
			"%lu): stopped there\n",
			pos[0], (unsigned long)hget(&r, H_USED, 8), (unsigned long)bytes,
			(unsigned long)r.cap);
	munmap(p, len);
	close(fd);
	return dropped || damaged ? EXIT_BAD : 0;
}
