/*
 * stream.c - the live order stream (stream.h; layout in
 * docs/trace-format.md, "Live stream").
 *
 * Each CPU fills its own buffer, under its own lock word (taken by the
 * owner on every record, uncontended: only log_stream_end, on another CPU,
 * ever takes it too), with interrupts off so that an event appended by an
 * interrupt handler does not land in the middle of a record.  A full
 * buffer becomes a block: header, then the sink, under the output lock,
 * which also numbers the blocks (so a reader sees a lost or repeated one).
 */
#include "plat.h"
#include "log/log.h"
#include "log/str.h"
#include "log/stream.h"

bool log_stream_on;

struct sbuf {
	uint8_t b[LOG_STREAM_BLOCK];
	uint32_t n; /* bytes in b, the header's room included */
	volatile AO_t lock;
	uint64_t events;  /* events in its EVENTS records */
	uint64_t records; /* records of every kind */
} __attribute__((aligned(64)));

static struct sbuf bufs[PLAT_MAX_CPUS];
static log_stream_sink sink;
static volatile AO_t out_lock;
static volatile AO_t next_sid; /* stream ids: 1, 2, ... never reused */
static uint32_t next_block;
static uint64_t bytes_out, blocks_out;

#define EVENTS_HDR 32 /* an EVENTS record's head: varint, padding, seq and n */
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
	       "EVENTS records carry the recording's words as they are in memory");
#define REG_MAX (3 * 10 + 2 + LOG_NAME_MAX + 64)
#define TYPE_NAME_MAX 63

/* Spin for a lock word; `bounded`: on the panic path, whose other CPUs
 * may have stopped holding it, give up after a while and go on. */
static bool take(volatile AO_t *w, bool bounded)
{
	for (unsigned i = 0; !AO_compare_and_swap_full(w, 0, 1); i++) {
		if (bounded && i > 10000000u)
			return false;
		plat_relax();
	}
	return true;
}

static void give(volatile AO_t *w)
{
	AO_store_release(w, 0);
}

/* Seal s's bytes as one block of `kind` and send it; s starts afresh. */
static void flush(struct sbuf *s, unsigned cpu, enum log_stream_kind kind, bool bounded)
{
	if (s->n <= LOG_STREAM_HDR && kind == LOG_STREAM_DATA)
		return;
	uint8_t *h = s->b;
	bool locked = take(&out_lock, bounded);
	log_le_put(h, LOG_STREAM_MAGIC, 2);
	h[2] = (uint8_t)kind;
	h[3] = (uint8_t)cpu;
	log_le_put(h + 4, s->n - LOG_STREAM_HDR, 2);
	log_le_put(h + 6, 0, 2);
	log_le_put(h + 8, next_block++, 4);
	log_le_put(h + 12, log_stream_check(h, h + LOG_STREAM_HDR, s->n - LOG_STREAM_HDR), 4);
	if (sink)
		sink(h, s->n);
	bytes_out += s->n;
	blocks_out++;
	if (locked)
		give(&out_lock);
	s->n = LOG_STREAM_HDR;
}

static struct sbuf *mine(uint64_t *irq, unsigned *cpu)
{
	*irq = plat_irq_save();
	*cpu = plat_cpu();
	struct sbuf *s = &bufs[*cpu];
	take(&s->lock, false);
	if (s->n < LOG_STREAM_HDR)
		s->n = LOG_STREAM_HDR;
	return s;
}

static void done(struct sbuf *s, uint64_t irq)
{
	give(&s->lock);
	plat_irq_restore(irq);
}

/*
 * n recording words (log_event_word: performer and short hash) of o's events
 * seq, seq + 1, ... as EVENTS records in this CPU's buffer: log_rec_sync
 * hands over each stretch of words it has just made, at o's checkpoints,
 * so the stream costs a copy of them (string instructions, string.c) and
 * their share of the block's check word, not a pass over the events.  The
 * words start 8-byte aligned in the block (padding after the head), so
 * that the copy goes word by word.
 */
void log_stream_words(struct log_obj *o, uint64_t seq, const uint64_t *w, uint64_t n)
{
	uint32_t sid = o->stream_id;
	if (!sid || !n)
		return;
	uint64_t irq;
	unsigned cpu;
	struct sbuf *s = mine(&irq, &cpu);
	while (n) {
		if (s->n + EVENTS_HDR + sizeof *w > LOG_STREAM_BLOCK)
			flush(s, cpu, LOG_STREAM_DATA, false);
		uint8_t *p = s->b + s->n;
		p += log_stream_put_varint(p, (uint64_t)sid << 2 | LOG_SREC_EVENTS);
		/* zero padding up to a word boundary: one store (room is there),
		 * then seq and n as words */
		__builtin_memset(p, 0, sizeof *w);
		p += (uint32_t)(s->b - p) & (sizeof *w - 1);
		uint64_t k = (uint64_t)(s->b + LOG_STREAM_BLOCK - p) / sizeof *w - 2;
		k = k < n ? k : n;
		__builtin_memcpy(p, &seq, sizeof seq);
		__builtin_memcpy(p + 8, &k, sizeof k);
		p += 16;
		__builtin_memcpy(p, w, k * sizeof *w);
		s->n = (uint32_t)(p - s->b + k * sizeof *w);
		s->events += k;
		s->records++;
		seq += k;
		w += k;
		n -= k;
	}
	done(s, irq);
}

/* Events [from, to) of o from its ring, leaving its recording as it is
 * (the end of the stream: log_snapshot reads the same ring tail). */
static void ring_words(struct log_obj *o, uint64_t from, uint64_t to)
{
	uint64_t w[64];
	while (from < to) {
		uint64_t k = to - from < 64 ? to - from : 64;
		for (uint64_t i = 0; i < k; i++)
			w[i] = log_event_word(&o->ring[(from + i) & o->ring_mask]);
		log_stream_words(o, from, w, k);
		from += k;
	}
}

/* A record that must leave now (its block follows every earlier one). */
static void put_now(const uint8_t *rec, unsigned len)
{
	uint64_t irq;
	unsigned cpu;
	struct sbuf *s = mine(&irq, &cpu);
	if (s->n + len > LOG_STREAM_BLOCK)
		flush(s, cpu, LOG_STREAM_DATA, false);
	__builtin_memcpy(s->b + s->n, rec, len);
	s->n += len;
	s->records++;
	flush(s, cpu, LOG_STREAM_DATA, false);
	done(s, irq);
}

void log_stream_reg(struct log_obj *o)
{
	uint8_t rec[REG_MAX], *p = rec;
	/* The events it has are recorded, not streamed: the REG says how many
	 * (the stream starts there). */
	o->stream_id = 0;
	log_rec_sync(o);
	o->stream_id = (uint32_t)AO_fetch_and_add1(&next_sid) + 1;
	p += log_stream_put_varint(p, (uint64_t)o->stream_id << 2 | LOG_SREC_REG);
	p += log_stream_put_varint(p, o->id);
	p += log_stream_put_varint(p, o->count);
	unsigned n = log_strlen(o->name), t = log_strlen(o->type->name);
	if (t > TYPE_NAME_MAX)
		t = TYPE_NAME_MAX;
	*p++ = (uint8_t)n;
	__builtin_memcpy(p, o->name, n);
	p += n;
	*p++ = (uint8_t)t;
	__builtin_memcpy(p, o->type->name, t);
	p += t;
	put_now(rec, (unsigned)(p - rec));
}

void log_stream_unreg(struct log_obj *o)
{
	uint8_t rec[20], *p = rec;
	if (!o->stream_id)
		return;
	log_rec_sync(o); /* its last events, before the UNREG */
	p += log_stream_put_varint(p, (uint64_t)o->stream_id << 2 | LOG_SREC_UNREG);
	p += log_stream_put_varint(p, o->count);
	put_now(rec, (unsigned)(p - rec));
}

static void put_str(uint8_t **p, const char *s, unsigned max)
{
	unsigned n = log_strlen(s);
	if (n > max)
		n = max;
	log_le_put(*p, n, 2);
	__builtin_memcpy(*p + 2, s, n);
	*p += 2 + n;
}

void log_stream_start(log_stream_sink fn, unsigned ncpus, const char *build_id, const char *cmdline)
{
	uint64_t irq;
	unsigned cpu;
	sink = fn;
	struct sbuf *s = mine(&irq, &cpu);
	flush(s, cpu, LOG_STREAM_DATA, false); /* nothing should be there */
	uint8_t *p = s->b + s->n;
	*p++ = LOG_STREAM_VERSION;
	*p++ = (uint8_t)ncpus;
	put_str(&p, build_id, 255);
	put_str(&p, cmdline, 1024);
	s->n = (uint32_t)(p - s->b);
	flush(s, cpu, LOG_STREAM_HEAD, false);
	done(s, irq);
	/* From here on new objects name themselves; the ones already there
	 * are named now (at boot: nothing registers meanwhile). */
	log_stream_on = true;
	for (unsigned id = 0; id < log_nobjs(); id++) {
		struct log_obj *o = log_obj_at(id);
		if (o && !o->stream_id)
			log_stream_reg(o);
	}
}

void log_stream_end(enum log_stream_end why)
{
	if (!log_stream_on)
		return;
	bool bounded = why == LOG_STREAM_END_PANIC;
	/* Every object's events since its last checkpoint, from its ring (the
	 * run is over: the other CPUs are idle, or stopped by the panic; the
	 * object's recording itself is left alone, see log_snapshot). */
	for (unsigned id = 0; id < log_nobjs(); id++) {
		struct log_obj *o = log_obj_at(id);
		if (o && o->rec_on && o->rec_events >= log_first(o))
			ring_words(o, o->rec_events, o->count);
	}
	log_stream_on = false;
	uint64_t irq = plat_irq_save(), events = 0;
	for (unsigned c = 0; c < PLAT_MAX_CPUS; c++) {
		struct sbuf *s = &bufs[c];
		bool locked = take(&s->lock, bounded);
		flush(s, c, LOG_STREAM_DATA, bounded);
		events += s->events;
		if (locked)
			give(&s->lock);
	}
	struct sbuf *s = &bufs[plat_cpu()];
	bool locked = take(&s->lock, bounded);
	s->n = LOG_STREAM_HDR;
	s->b[s->n++] = (uint8_t)why;
	log_le_put(s->b + s->n, events, 8);
	s->n += 8;
	flush(s, plat_cpu(), LOG_STREAM_END, bounded);
	if (locked)
		give(&s->lock);
	plat_irq_restore(irq);
}

void log_stream_buffers(const void **base, uint32_t *stride, uint32_t *n_off)
{
	*base = bufs;
	*stride = sizeof bufs[0];
	*n_off = (uint32_t) __builtin_offsetof(struct sbuf, n);
}

void log_stream_stats(struct log_stream_stats *st)
{
	st->events = st->records = 0;
	for (unsigned c = 0; c < PLAT_MAX_CPUS; c++) {
		st->events += bufs[c].events;
		st->records += bufs[c].records;
	}
	st->bytes = bytes_out;
	st->blocks = blocks_out;
}
