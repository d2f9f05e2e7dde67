/*
 * trace_stream.c - the live order stream on the host (kern/log/stream.h;
 * layout: docs/trace-format.md, "Live stream").
 *
 *   trace stream-check [--quiet] STREAM [TRACE]
 *       validate a stream file (or a guest-RAM file holding one): every
 *       block's framing, number and checksum, every record, each object's
 *       seqs contiguous from where the stream began with it; say how it
 *       ended (an END block: the end of the run or a panic; none: the
 *       kernel stopped or is still running) and, per CPU, the last events
 *       it streamed.  With TRACE (the run's final trace): every streamed
 *       event's performer and short hash against the trace's.  (A
 *       guest-RAM file's region, stream-extract, stream-drain:
 *       trace_ramstream.c.)
 *
 * Exit: 0 valid, complete (and agreeing with TRACE); 1 garbled, truncated,
 * without an END block, or disagreeing (each said precisely); 2 usage.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "host/cli.h"
#include "log/str.h"
#include "log/stream.h"
#include "tools/trace_tool.h"

#define LAST_PER_CPU 4
#define REG_AHEAD 4096 /* see reg_rec */

struct sev {
	uint64_t seq;
	uint32_t thread;
	uint8_t cpu;
	uint16_t sh;
};

struct sobj {
	char name[LOG_NAME_MAX], type[64];
	uint32_t id;
	uint64_t base; /* events it had when the stream named it */
	bool unreg;
	uint64_t final; /* its count at UNREG */
	struct sev *ev;
	size_t n, cap;
};

struct stream {
	const char *path;
	const uint8_t *p;
	size_t len;
	unsigned ncpus, version;
	char build[256], cmdline[1025];
	struct sobj *objs; /* by stream id - 1 */
	size_t nobjs, cap;
	uint64_t blocks, events, records;
	unsigned pending; /* PENDING blocks: CPU buffers found in guest RAM */
	int end;          /* -1: no END block */
	uint64_t end_events;
	struct {
		uint32_t sid;
		struct sev e;
	} last[PLAT_MAX_CPUS][LAST_PER_CPU];
	unsigned nlast[PLAT_MAX_CPUS];
	char err[400];
	uint64_t err_at;
};

static bool bad(struct stream *s, uint64_t at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static bool bad(struct stream *s, uint64_t at, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(s->err, sizeof s->err, fmt, ap);
	va_end(ap);
	s->err_at = at;
	return false;
}

/* A reader of one block's payload. */
struct rd {
	const uint8_t *p;
	size_t off, end;
	bool past;
};

static uint64_t varint(struct rd *r)
{
	uint64_t v = 0;
	for (unsigned sh = 0; sh < 64; sh += 7) {
		if (r->off >= r->end) {
			r->past = true;
			return 0;
		}
		uint8_t b = r->p[r->off++];
		v |= (uint64_t)(b & 0x7f) << sh;
		if (!(b & 0x80))
			return v;
	}
	r->past = true; /* longer than 10 bytes */
	return 0;
}

static uint64_t fixed(struct rd *r, unsigned n)
{
	if (r->end - r->off < n) {
		r->past = true;
		r->off = r->end;
		return 0;
	}
	r->off += n;
	return log_le_get(r->p + r->off - n, n);
}

static bool str(struct rd *r, char *out, size_t cap, unsigned lenbytes)
{
	uint64_t n = fixed(r, lenbytes);
	if (r->past || n >= cap || r->end - r->off < n)
		return false;
	memcpy(out, r->p + r->off, n);
	out[n] = 0;
	r->off += n;
	return true;
}

static struct sobj *obj_of(struct stream *s, uint64_t sid)
{
	return sid >= 1 && sid <= s->nobjs && s->objs[sid - 1].name[0] ? &s->objs[sid - 1] : 0;
}

static bool head_block(struct stream *s, struct rd *r, uint64_t at)
{
	s->version = (unsigned)fixed(r, 1);
	s->ncpus = (unsigned)fixed(r, 1);
	if (s->version != LOG_STREAM_VERSION)
		return bad(s, at, "stream version %u, this tool reads %u", s->version,
			   LOG_STREAM_VERSION);
	if (!str(r, s->build, sizeof s->build, 2) || !str(r, s->cmdline, sizeof s->cmdline, 2))
		return bad(s, at, "HEAD block: build id or command line cut short");
	return true;
}

static bool reg_rec(struct stream *s, struct rd *r, uint64_t sid, uint64_t at)
{
	/* Ids count registrations from 1; CPUs send their REGs at once, so one
	 * comes at most a few ahead of the highest so far (a far one would
	 * only make this table huge). */
	if (sid == 0 || sid > s->nobjs + REG_AHEAD)
		return bad(s, at,
			   "REG of stream id %lu: ids run from 1, at most %u past the highest "
			   "so far (%lu)",
			   (unsigned long)sid, REG_AHEAD, (unsigned long)s->nobjs);
	if (sid > s->cap) {
		size_t cap = s->cap ? s->cap : 64;
		while (cap < sid)
			cap *= 2;
		s->objs = realloc(s->objs, cap * sizeof *s->objs);
		if (!s->objs)
			io_fail(s->path, "out of memory");
		memset(s->objs + s->cap, 0, (cap - s->cap) * sizeof *s->objs);
		s->cap = cap;
	}
	if (sid > s->nobjs)
		s->nobjs = sid;
	struct sobj *o = &s->objs[sid - 1];
	if (o->name[0])
		return bad(s, at, "stream id %lu (%s) named twice", (unsigned long)sid, o->name);
	o->id = (uint32_t)varint(r);
	o->base = varint(r);
	if (!str(r, o->name, sizeof o->name, 1) || !o->name[0] || !str(r, o->type, sizeof o->type, 1))
		return bad(s, at, "REG of stream id %lu: name or type cut short or empty",
			   (unsigned long)sid);
	return true;
}

static bool data_block(struct stream *s, struct rd *r, uint64_t at, unsigned bcpu)
{
	while (r->off < r->end) {
		uint64_t rat = at + LOG_STREAM_HDR + r->off;
		uint64_t v = varint(r), x = v >> 2;
		s->records++;
		switch (v & 3) {
		case LOG_SREC_EVENTS: {
			struct sobj *o = obj_of(s, x);
			if (!o)
				return bad(s, rat, "events of stream id %lu, which no REG named",
					   (unsigned long)x);
			/* padding: the head's words and the events' start 8-byte
			 * aligned in the block (and blocks do) */
			while ((r->off & 7) && r->off < r->end)
				if (r->p[r->off++] != 0)
					return bad(s, rat, "EVENTS record of %s: padding is not zero",
						   o->name);
			uint64_t seq = fixed(r, 8), n = fixed(r, 8);
			if (r->past)
				break;
			if (n == 0)
				return bad(s, rat, "an EVENTS record of %s with no event", o->name);
			if (n > (r->end - r->off) / 8)
				return bad(s, rat,
					   "an EVENTS record of %s says %lu events, its block holds "
					   "%lu more words",
					   o->name, (unsigned long)n,
					   (unsigned long)((r->end - r->off) / 8));
			struct sev e = { 0 };
			for (uint64_t k = 0; k < n; k++) { /* n words are there (above) */
				uint64_t w = fixed(r, 8);
				e.thread = log_rec_thread(w);
				e.cpu = log_rec_cpu(w);
				e.seq = seq + k;
				e.sh = log_rec_short_hash(w);
				if (e.cpu >= PLAT_MAX_CPUS || (w >> 40 & 0xff))
					return bad(s, rat,
						   "%s seq %lu: word %016lx: cpu %u out of range or reserved bits set",
						   o->name, (unsigned long)e.seq, (unsigned long)w,
						   e.cpu);
				if (o->n == o->cap) {
					o->cap = o->cap ? 2 * o->cap : 256;
					o->ev = realloc(o->ev, o->cap * sizeof *o->ev);
					if (!o->ev)
						io_fail(s->path, "out of memory");
				}
				o->ev[o->n++] = e;
				s->events++;
				unsigned c = s->nlast[e.cpu]++ % LAST_PER_CPU;
				s->last[e.cpu][c].sid = (uint32_t)x;
				s->last[e.cpu][c].e = e;
			}
			break;
		}
		case 1:
			return bad(s, rat,
				   "record kind 1 (a version 1 WHO record) in a version %u stream",
				   s->version);
		case LOG_SREC_REG:
			if (!reg_rec(s, r, x, rat))
				return false;
			break;
		case LOG_SREC_UNREG: {
			struct sobj *o = obj_of(s, x);
			uint64_t fin = varint(r);
			if (!o)
				return bad(s, rat, "UNREG of stream id %lu, which no REG named",
					   (unsigned long)x);
			o->unreg = true;
			o->final = fin;
			break;
		}
		}
		if (r->past)
			return bad(s, rat, "block of cpu %u: a record runs past the block's end",
				   bcpu);
	}
	return true;
}

static bool parse(struct stream *s)
{
	uint64_t off = 0;
	s->end = -1;
	while (off < s->len) {
		const uint8_t *h = s->p + off;
		if (s->end >= 0)
			return bad(s, off, "%lu bytes after the END block",
				   (unsigned long)(s->len - off));
		if (s->len - off < LOG_STREAM_HDR)
			return bad(s, off,
				   "truncated: block %lu's header has %lu of its %u bytes (the file "
				   "was cut)",
				   (unsigned long)s->blocks, (unsigned long)(s->len - off),
				   LOG_STREAM_HDR);
		unsigned kind = h[2], cpu = h[3];
		uint64_t plen = log_le_get(h + 4, 2), no = log_le_get(h + 8, 4),
			 crc = log_le_get(h + 12, 4);
		if (log_le_get(h, 2) != LOG_STREAM_MAGIC)
			return bad(s, off, "block %lu: no block magic (garbage, or not a stream)",
				   (unsigned long)s->blocks);
		if (s->len - off - LOG_STREAM_HDR < plen)
			return bad(s, off,
				   "truncated: block %lu (cpu %u) says %lu bytes, the file has %lu "
				   "left",
				   (unsigned long)s->blocks, cpu, (unsigned long)plen,
				   (unsigned long)(s->len - off - LOG_STREAM_HDR));
		uint32_t want = log_stream_check(h, h + LOG_STREAM_HDR, plen);
		if (crc != want)
			return bad(s, off,
				   "block %lu (cpu %u): check word %08lx, computed %08x (garbled)",
				   (unsigned long)s->blocks, cpu, (unsigned long)crc, want);
		if (no != s->blocks)
			return bad(s, off,
				   "block number %lu where %lu was due (a block lost or repeated)",
				   (unsigned long)no, (unsigned long)s->blocks);
		if ((kind == LOG_STREAM_HEAD) != (s->blocks == 0))
			return bad(s, off,
				   "block %lu is of kind %u: the first and only the first is "
				   "HEAD",
				   (unsigned long)s->blocks, kind);
		struct rd r = { .p = h + LOG_STREAM_HDR, .off = 0, .end = plen };
		bool ok = true;
		if (kind == LOG_STREAM_HEAD) {
			ok = head_block(s, &r, off);
		} else if (kind == LOG_STREAM_DATA || kind == LOG_STREAM_PENDING) {
			s->pending += kind == LOG_STREAM_PENDING;
			if (cpu >= PLAT_MAX_CPUS)
				return bad(s, off, "block %lu: cpu %u", (unsigned long)s->blocks,
					   cpu);
			ok = data_block(s, &r, off, cpu);
		} else if (kind == LOG_STREAM_END) {
			s->end = (int)fixed(&r, 1);
			s->end_events = fixed(&r, 8);
			if (r.past || r.off != r.end)
				return bad(s, off, "END block of %lu bytes, want 9",
					   (unsigned long)plen);
		} else {
			return bad(s, off, "block %lu: unknown kind %u", (unsigned long)s->blocks,
				   kind);
		}
		if (!ok)
			return false;
		s->blocks++;
		off += LOG_STREAM_HDR + plen;
	}
	if (s->blocks == 0)
		return bad(s, 0, "empty: not one block");
	return true;
}

static int by_seq(const void *a, const void *b)
{
	const struct sev *x = a, *y = b;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Each object's seqs, sorted: base, base+1, ... with no hole and no
 * repeat.  A hole in a stream that has no END block is what the CPUs had
 * not flushed yet when the kernel stopped: said, not an error of the file. */
static bool seqs_ok(struct stream *s, bool complete)
{
	for (size_t i = 0; i < s->nobjs; i++) {
		struct sobj *o = &s->objs[i];
		if (!o->name[0])
			continue;
		if (o->n > 1) /* (qsort of no array is undefined) */
			qsort(o->ev, o->n, sizeof *o->ev, by_seq);
		for (size_t k = 0; k < o->n; k++) {
			uint64_t want = o->base + k;
			if (o->ev[k].seq == want)
				continue;
			if (o->ev[k].seq < want)
				return bad(s, 0, "%s seq %lu streamed twice", o->name,
					   (unsigned long)o->ev[k].seq);
			if (complete)
				return bad(s, 0, "%s: seq %lu..%lu missing from the stream", o->name,
					   (unsigned long)want, (unsigned long)o->ev[k].seq - 1);
			printf("stream: %s: seq %lu..%lu not streamed (still in a CPU's buffer when "
			       "the run stopped)\n",
			       o->name, (unsigned long)want, (unsigned long)o->ev[k].seq - 1);
			o->n = k; /* the contiguous part */
			break;
		}
		if (o->unreg && complete && o->base + o->n != o->final)
			return bad(s, 0, "%s: %lu events streamed from %lu, UNREG says %lu",
				   o->name, (unsigned long)o->n, (unsigned long)o->base,
				   (unsigned long)o->final);
	}
	return true;
}

/* The stream in a file: a stream file, or the region of a guest-RAM file. */
static void open_stream(struct stream *s, const char *path)
{
	size_t len;
	uint8_t *buf = trace_read_all(path, &len);
	uint64_t dropped = 0;
	s->path = path;
	s->p = buf;
	s->len = len;
	unsigned pending = 0;
	if (len >= 2 && log_le_get(buf, 2) != LOG_STREAM_MAGIC) {
		uint8_t *r = 0;
		size_t n = 0;
		const char *err = ram_stream(buf, len, &r, &n, &dropped, &pending);
		if (err && err != ram_no_region) {
			fprintf(stderr, "%s: %s\n", path, err);
			exit(EXIT_BAD);
		}
		if (!err) {
			s->len = n;
			s->p = r;
			printf("stream: in the guest-RAM file %s, %lu bytes%s%s\n", path,
			       (unsigned long)s->len,
			       pending ? ", with the buffers of CPUs that had not sent them" : "",
			       dropped ? " (the region was full: the rest was dropped)" : "");
			free(buf);
		}
	}
}

static const char *end_name(int end)
{
	return end == LOG_STREAM_END_RUN     ? "the end of the run"
	       : end == LOG_STREAM_END_PANIC ? "a panic"
					     : "an unknown reason";
}

static void summary(struct stream *s, bool quiet)
{
	unsigned nobj = 0;
	for (size_t i = 0; i < s->nobjs; i++)
		nobj += s->objs[i].name[0] != 0;
	printf("stream: version %u, build %s, cmdline \"%s\"\n", s->version, s->build, s->cmdline);
	printf("stream: %lu blocks, %lu bytes, %lu events (%.2f bytes per event), %u objects\n",
	       (unsigned long)s->blocks, (unsigned long)s->len, (unsigned long)s->events,
	       s->events ? (double)s->len / (double)s->events : 0.0, nobj);
	if (s->pending)
		printf("stream: the last %u blocks are CPU buffers that were not sent yet (PENDING)\n",
		       s->pending);
	if (quiet)
		return;
	for (size_t i = 0; i < s->nobjs; i++) {
		const struct sobj *o = &s->objs[i];
		if (o->name[0] && o->n)
			printf("  %-24s %-10s seq %lu..%lu%s\n", o->name, o->type,
			       (unsigned long)o->base, (unsigned long)(o->base + o->n - 1),
			       o->unreg ? " (unregistered)" : "");
	}
}

/* What each CPU streamed last: where the run was when the stream stops. */
static void last_events(struct stream *s)
{
	for (unsigned c = 0; c < PLAT_MAX_CPUS; c++) {
		unsigned n = s->nlast[c] < LAST_PER_CPU ? s->nlast[c] : LAST_PER_CPU;
		for (unsigned k = 0; k < n; k++) {
			unsigned i = (s->nlast[c] - n + k) % LAST_PER_CPU;
			const struct sobj *o = obj_of(s, s->last[c][i].sid);
			const struct sev *e = &s->last[c][i].e;
			printf("  cpu %u thread %u: %s seq %lu hash %04x%s\n", c, e->thread,
			       o ? o->name : "?", (unsigned long)e->seq, e->sh,
			       k + 1 == n ? "   <- its last streamed event" : "");
		}
	}
}

/* The stream against the run's trace: each streamed event's performer and
 * short hash must be the trace's for that seq. */
static bool against(struct stream *s, const char *tpath)
{
	struct trace_file *t = trace_file_load(tpath);
	uint64_t checked = 0, later = 0;
	unsigned objs = 0;
	for (uint32_t i = 0; i < t->set.nobjs; i++) {
		const struct log_objrec *r = &t->set.objs[i];
		const struct sobj *o = 0;
		for (size_t k = s->nobjs; k-- > 0;) /* the latest of that name */
			if (!strcmp(s->objs[k].name, r->name)) {
				o = &s->objs[k];
				break;
			}
		if (!o)
			return bad(s, 0, "%s is in the trace, not in the stream", r->name);
		if (!r->order && o->n == 0)
			continue; /* no event (a trace keeps no stream of none) */
		if (!r->order || !r->shash)
			return bad(s, 0, "%s: the trace has no order stream or short hashes",
				   r->name);
		uint64_t upto = o->base + o->n;
		if (upto > r->count) { /* the trace was written before the stream ended */
			later += upto - r->count;
			upto = r->count;
		}
		struct log_order_cursor oc;
		struct log_sh_cursor sc;
		log_order_begin(&oc, r->order);
		log_sh_begin(&sc, r->shash);
		for (uint64_t q = 0; q < upto; q++) {
			const struct log_order_run *run = log_order_peek(&oc);
			uint16_t sh = 0;
			log_sh_next(&sc, &sh);
			if (q >= o->base) {
				const struct sev *e = &o->ev[q - o->base];
				if (!run || run->cpu != e->cpu || run->thread != e->thread ||
				    sh != e->sh)
					return bad(s, 0,
						   "%s seq %lu: the stream says cpu %u thread %u hash "
						   "%04x, the trace cpu %u thread %u hash %04x",
						   r->name, (unsigned long)q, e->cpu, e->thread,
						   e->sh, run ? run->cpu : 0, run ? run->thread : 0,
						   sh);
				checked++;
			}
			log_order_next(&oc);
		}
		objs++;
	}
	printf("stream: agrees with %s on %lu events of %u objects\n", tpath,
	       (unsigned long)checked, objs);
	if (later)
		printf("stream: and %lu events streamed after the trace was written\n",
		       (unsigned long)later);
	trace_file_free(t);
	return true;
}

static void stream_free(struct stream *s)
{
	for (size_t i = 0; i < s->nobjs; i++)
		free(s->objs[i].ev);
	free(s->objs);
	free((void *)s->p);
	free(s);
}

int cmd_stream_check(int argc, char **argv)
{
	bool quiet = false;
	const char *pos[2];
	int npos = 0;
	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--quiet"))
			quiet = true;
		else if (argv[i][0] == '-' && argv[i][1])
			cli_bad_arg(argv[i]);
		else if (npos == 2)
			cli_fail("stream-check takes STREAM [TRACE]: unexpected '%s'", argv[i]);
		else
			pos[npos++] = argv[i];
	}
	if (npos < 1)
		cli_fail("stream-check takes STREAM [TRACE]");
	struct stream *s = xcalloc(1, sizeof *s, "the stream");
	open_stream(s, pos[0]);
	bool ok = parse(s);
	bool complete = ok && s->end >= 0;
	if (ok) {
		ok = seqs_ok(s, complete);
	} else if (s->blocks) { /* what came before the bad block, all the same */
		struct stream keep = *s;
		seqs_ok(s, false);
		memcpy(s->err, keep.err, sizeof s->err);
		s->err_at = keep.err_at;
	}
	if (s->blocks)
		summary(s, quiet);
	bool said = !ok; /* the error, said once: here, with its byte */
	if (!ok) {
		printf("%s: at byte %lu: %s\n", pos[0], (unsigned long)s->err_at, s->err);
	} else if (!complete) {
		printf("%s: no END block after block %lu: the run stopped without ending the "
		       "stream (a hang, a triple fault, killed) or is still going; up to there:\n",
		       pos[0], (unsigned long)s->blocks - 1);
	} else {
		printf("stream: ended by %s; %lu events streamed (the END block says %lu)\n",
		       end_name(s->end), (unsigned long)s->events, (unsigned long)s->end_events);
		if (s->end_events != s->events)
			ok = bad(s, 0, "the END block says %lu events, the blocks hold %lu",
				 (unsigned long)s->end_events, (unsigned long)s->events);
	}
	if (s->blocks && (!complete || s->end == LOG_STREAM_END_PANIC))
		last_events(s);
	if (ok && npos == 2 && !against(s, pos[1]))
		ok = false;
	if (!ok && !said && s->err[0])
		fprintf(stderr, "%s: %s\n", pos[0], s->err);
	int st = ok && complete ? 0 : EXIT_BAD;
	stream_free(s);
	return st;
}
