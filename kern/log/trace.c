/*
 * trace.c - binary trace format: encoder and validating loader (trace.h;
 * byte layout in docs/trace-format.md).
 *
 *   file    = header(32) section* ; sections in this order:
 *             META, OBJS, { EVTS(i) [ORDR(i) [SHSH(i)]] } for each object i, END
 *   header  = magic[8] major:u16 minor:u16 nsections:u32 file_len:u64
 *             flags:u32 crc32(header[0..28)):u32
 *   section = tag:u32 obj:u32 len:u64 payload[len] crc32(tag..payload):u32
 *   END     = crc32 of every file byte before the END section
 *
 * Everything is little-endian and written field by field, so the file does
 * not depend on struct layout, padding or the host's byte order.  The
 * loader trusts nothing: every length is checked against what remains
 * before it is used, and every allocation is bounded by the file's size.
 * A newer minor version may only add section tags (skipped here); any
 * change to an existing section's fields is a new major version.
 */
#include "log/trace.h"
#include "log/hash.h"
#include "log/str.h"

#define HDR_BYTES 32
#define SEC_HDR 16
#define SEC_CRC 4
#define EV_BYTES 59 /* see put_event */
#define RUN_BYTES 7 /* thread:u32 cpu:u8 count:u16 */
#define SH_BYTES 2  /* a short hash: u16 */

#define TAG(a, b, c, d)                                                                            \
	((uint32_t)(a) | (uint32_t)(b) << 8 | (uint32_t)(c) << 16 | (uint32_t)(d) << 24)
#define TAG_META TAG('M', 'E', 'T', 'A')
#define TAG_OBJS TAG('O', 'B', 'J', 'S')
#define TAG_EVTS TAG('E', 'V', 'T', 'S')
#define TAG_ORDR TAG('O', 'R', 'D', 'R')
#define TAG_SHSH TAG('S', 'H', 'S', 'H') /* 3.1 */
#define TAG_END TAG('E', 'N', 'D', '!')

/* CRC-32 (IEEE, reflected), four bits at a time: a 16-entry table is
 * small enough to keep in the kernel and fast enough for the fuzzer. */
static const uint32_t crc_nib[16] = {
	0x00000000, 0x1db71064, 0x3b6e20c8, 0x26d930ac, 0x76dc4190, 0x6b6b51f4,
	0x4db26158, 0x5005713c, 0xedb88320, 0xf00f9344, 0xd6d6a3e8, 0xcb61b38c,
	0x9b64c2b0, 0x86d3d2d4, 0xa00ae278, 0xbdbdf21c,
};

uint32_t trace_crc32(uint32_t crc, const void *p, size_t n)
{
	const uint8_t *b = p;
	crc = ~crc;
	while (n--) {
		crc ^= *b++;
		crc = (crc >> 4) ^ crc_nib[crc & 15];
		crc = (crc >> 4) ^ crc_nib[crc & 15];
	}
	return ~crc;
}

static size_t str_len(const char *s, size_t max)
{
	size_t n = 0;
	while (n < max && s[n])
		n++;
	return n;
}

static bool has_order(const struct log_objrec *r)
{
	return r->order != 0 && r->order_runs != 0;
}

static bool has_shash(const struct log_objrec *r)
{
	return has_order(r) && r->shash != 0;
}

/* ------------------------------------------------------------------ */
/* Encoder: a staging buffer in front of the caller's sink, with the
 * running section and file checksums. */

struct wr {
	trace_write_fn w;
	void *ctx;
	bool ok;
	uint32_t crc_sec, crc_file;
	size_t n;
	uint8_t buf[256];
};

static void wr_flush(struct wr *o)
{
	if (o->ok && o->n && !o->w(o->ctx, o->buf, o->n))
		o->ok = false;
	o->n = 0;
}

static void put(struct wr *o, const void *p, size_t n)
{
	const uint8_t *b = p;
	o->crc_sec = trace_crc32(o->crc_sec, b, n);
	o->crc_file = trace_crc32(o->crc_file, b, n);
	while (n) {
		size_t k = sizeof o->buf - o->n;
		if (k > n)
			k = n;
		__builtin_memcpy(o->buf + o->n, b, k);
		o->n += k;
		b += k;
		n -= k;
		if (o->n == sizeof o->buf)
			wr_flush(o);
	}
}

static void put_le(struct wr *o, uint64_t v, unsigned bytes)
{
	uint8_t b[8];
	for (unsigned i = 0; i < bytes; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	put(o, b, bytes);
}

/* Strings: u16 length, bytes, no NUL; `lenbytes` is 1 for names. */
static void put_str(struct wr *o, const char *s, size_t max, unsigned lenbytes)
{
	size_t n = str_len(s, max - 1);
	put_le(o, n, lenbytes);
	put(o, s, n);
}

static void sec_begin(struct wr *o, uint32_t tag, uint32_t obj, uint64_t len)
{
	o->crc_sec = 0;
	put_le(o, tag, 4);
	put_le(o, obj, 4);
	put_le(o, len, 8);
}

static void sec_end(struct wr *o)
{
	uint32_t c = o->crc_sec;
	put_le(o, c, 4);
}

/* An event in the file: these fields, in this order, little-endian (59
 * bytes; pad is not stored).  One table for the encoder and the loader. */
#define EV_FIELD(f)                                                                                \
	{                                                                                          \
		offsetof(struct log_event, f), sizeof(((struct log_event *)0)->f)                  \
	}
static const struct {
	uint8_t off, bytes;
} ev_fields[] = {
	EV_FIELD(seq),    EV_FIELD(obj),  EV_FIELD(cpu),  EV_FIELD(type),
	EV_FIELD(thread), EV_FIELD(arg0), EV_FIELD(arg1), EV_FIELD(hash),
	EV_FIELD(ts),     EV_FIELD(wait), EV_FIELD(hold), EV_FIELD(rel_cpu),
};
#define EV_NFIELDS (sizeof ev_fields / sizeof ev_fields[0])

/* Native field <-> integer, by width (the struct is in host byte order). */
static uint64_t field_get(const struct log_event *e, unsigned i)
{
	const uint8_t *p = (const uint8_t *)e + ev_fields[i].off;
	uint8_t u8;
	uint16_t u16;
	uint32_t u32;
	uint64_t u64;
	switch (ev_fields[i].bytes) {
	case 1:
		__builtin_memcpy(&u8, p, 1);
		return u8;
	case 2:
		__builtin_memcpy(&u16, p, 2);
		return u16;
	case 4:
		__builtin_memcpy(&u32, p, 4);
		return u32;
	default:
		__builtin_memcpy(&u64, p, 8);
		return u64;
	}
}

static void field_set(struct log_event *e, unsigned i, uint64_t v)
{
	uint8_t *p = (uint8_t *)e + ev_fields[i].off;
	uint8_t u8 = (uint8_t)v;
	uint16_t u16 = (uint16_t)v;
	uint32_t u32 = (uint32_t)v;
	switch (ev_fields[i].bytes) {
	case 1:
		__builtin_memcpy(p, &u8, 1);
		break;
	case 2:
		__builtin_memcpy(p, &u16, 2);
		break;
	case 4:
		__builtin_memcpy(p, &u32, 4);
		break;
	default:
		__builtin_memcpy(p, &v, 8);
	}
}

static void put_event(struct wr *o, const struct log_event *e)
{
	for (unsigned i = 0; i < EV_NFIELDS; i++)
		put_le(o, field_get(e, i), ev_fields[i].bytes);
}

static const char *type_name(const struct log_objrec *r)
{
	return r->type ? r->type->name : "";
}

static uint32_t state_len(const struct log_objrec *r)
{
	return r->type ? r->type->state_size : 0;
}

static uint64_t meta_len(const struct trace_meta *m)
{
	return 4 + 8 + 6 + str_len(m->build_id, TRACE_STR_MAX - 1) +
	       str_len(m->cmdline, TRACE_STR_MAX - 1) + str_len(m->oracle, TRACE_STR_MAX - 1);
}

/* Per object: name, type, id, count, hash, ck_seq, ck_hash, first,
 * nevents, order_runs, has_order, ck_digest, state. */
#define OBJREC_FIXED (4 + 8 * 6 + 4 + 1 + 8 + 2) /* the fields of fixed size */
#define OBJREC_MIN (1 + 1 + 1 + OBJREC_FIXED)    /* one-letter name and type, no state */

static uint64_t objrec_len(const struct log_objrec *r)
{
	return 1 + str_len(r->name, LOG_NAME_MAX - 1) + 1 + str_len(type_name(r), 255) +
	       OBJREC_FIXED + state_len(r);
}

static uint64_t objs_len(const struct log_set *set)
{
	uint64_t n = 4;
	for (uint32_t i = 0; i < set->nobjs; i++)
		n += objrec_len(&set->objs[i]);
	return n;
}

static uint32_t nsections(const struct log_set *set)
{
	uint32_t n = 3;
	for (uint32_t i = 0; i < set->nobjs; i++)
		n += 1 + has_order(&set->objs[i]) + has_shash(&set->objs[i]);
	return n;
}

uint64_t trace_size(const struct log_set *set, const struct trace_meta *m)
{
	const uint64_t frame = SEC_HDR + SEC_CRC;
	uint64_t n = HDR_BYTES + frame + meta_len(m) + frame + objs_len(set) + frame + 4;
	for (uint32_t i = 0; i < set->nobjs; i++) {
		const struct log_objrec *r = &set->objs[i];
		n += frame + (uint64_t)r->nevents * EV_BYTES;
		if (has_order(r))
			n += frame + r->order_runs * RUN_BYTES;
		if (has_shash(r))
			n += frame + r->count * SH_BYTES;
	}
	return n;
}

static void put_header(struct wr *o, const struct log_set *set, const struct trace_meta *m)
{
	uint8_t h[HDR_BYTES];
	__builtin_memcpy(h, TRACE_MAGIC, 8);
	log_le_put(h + 8, TRACE_MAJOR, 2);
	log_le_put(h + 10, TRACE_MINOR, 2);
	log_le_put(h + 12, nsections(set), 4);
	log_le_put(h + 16, trace_size(set, m), 8);
	log_le_put(h + 24, 0, 4); /* flags */
	log_le_put(h + 28, trace_crc32(0, h, 28), 4);
	put(o, h, HDR_BYTES);
}

static void put_objrec(struct wr *o, const struct log_objrec *r)
{
	put_str(o, r->name, LOG_NAME_MAX, 1);
	put_str(o, type_name(r), 256, 1);
	put_le(o, r->id, 4);
	put_le(o, r->count, 8);
	put_le(o, r->hash, 8);
	put_le(o, r->ck_seq, 8);
	put_le(o, r->ck_hash, 8);
	put_le(o, r->first, 8);
	put_le(o, r->nevents, 4);
	put_le(o, has_order(r) ? r->order_runs : 0, 8);
	put_le(o, has_order(r), 1);
	put_le(o, r->ck_digest, 8);
	put_le(o, state_len(r), 2);
	put(o, r->ck_state, state_len(r));
}

static void put_order(struct wr *o, const struct log_objrec *r, uint32_t id)
{
	sec_begin(o, TAG_ORDR, id, r->order_runs * RUN_BYTES);
	uint64_t left = r->order_runs;
	for (const struct log_order_chunk *c = r->order; c && left; c = c->next)
		for (uint32_t k = 0; k < c->n && left; k++, left--) {
			put_le(o, c->runs[k].thread, 4);
			put_le(o, c->runs[k].cpu, 1);
			put_le(o, c->runs[k].count, 2);
		}
	/* A set whose chunks hold fewer runs than order_runs says cannot be
	 * written truthfully; refuse rather than write a file that lies. */
	if (left)
		o->ok = false;
	sec_end(o);
}

static void put_shash(struct wr *o, const struct log_objrec *r, uint32_t id)
{
	sec_begin(o, TAG_SHSH, id, r->count * SH_BYTES);
	uint64_t left = r->count;
	for (const struct log_sh_chunk *c = r->shash; c && left; c = c->next)
		for (uint32_t k = 0; k < c->n && left; k++, left--)
			put_le(o, c->h[k], SH_BYTES);
	if (left) /* fewer hashes than events: refused, as put_order */
		o->ok = false;
	sec_end(o);
}

bool trace_save(const struct log_set *set, const struct trace_meta *m, trace_write_fn w, void *ctx)
{
	struct wr o = { .w = w, .ctx = ctx, .ok = true };
	put_header(&o, set, m);

	sec_begin(&o, TAG_META, TRACE_NO_OBJ, meta_len(m));
	put_le(&o, m->ncpus, 4);
	put_le(&o, m->seed, 8);
	put_str(&o, m->build_id, TRACE_STR_MAX, 2);
	put_str(&o, m->cmdline, TRACE_STR_MAX, 2);
	put_str(&o, m->oracle, TRACE_STR_MAX, 2);
	sec_end(&o);

	sec_begin(&o, TAG_OBJS, TRACE_NO_OBJ, objs_len(set));
	put_le(&o, set->nobjs, 4);
	for (uint32_t i = 0; i < set->nobjs; i++)
		put_objrec(&o, &set->objs[i]);
	sec_end(&o);

	for (uint32_t i = 0; i < set->nobjs; i++) {
		const struct log_objrec *r = &set->objs[i];
		sec_begin(&o, TAG_EVTS, i, (uint64_t)r->nevents * EV_BYTES);
		for (uint32_t k = 0; k < r->nevents; k++)
			put_event(&o, &r->events[k]);
		sec_end(&o);
		if (has_order(r))
			put_order(&o, r, i);
		if (has_shash(r))
			put_shash(&o, r, i);
	}

	uint32_t file_crc = o.crc_file;
	sec_begin(&o, TAG_END, TRACE_NO_OBJ, 4);
	put_le(&o, file_crc, 4);
	sec_end(&o);
	wr_flush(&o);
	return o.ok;
}

bool trace_sink_write(void *ctx, const void *p, size_t n)
{
	struct trace_sink *s = ctx;
	if (n > s->cap - s->len)
		return false;
	__builtin_memcpy(s->p + s->len, p, n);
	s->len += n;
	return true;
}

/* Walk the section framing; with `seal`, recompute each checksum (the
 * header must be final by then: the whole-file checksum covers it). */
static bool reseal_walk(uint8_t *f, size_t len, bool seal, uint32_t *nsec, uint64_t *end)
{
	uint64_t off = HDR_BYTES;
	for (uint32_t n = 1;; n++) {
		if (len - off < SEC_HDR + SEC_CRC)
			return false;
		uint32_t tag = (uint32_t)log_le_get(f + off, 4);
		uint64_t plen = log_le_get(f + off + 8, 8);
		if (plen > len - off - SEC_HDR - SEC_CRC)
			return false;
		if (seal && tag == TAG_END && plen == 4)
			log_le_put(f + off + SEC_HDR, trace_crc32(0, f, (size_t)off), 4);
		if (seal)
			log_le_put(f + off + SEC_HDR + plen,
				   trace_crc32(0, f + off, (size_t)(SEC_HDR + plen)), 4);
		off += SEC_HDR + plen + SEC_CRC;
		if (tag == TAG_END) {
			*nsec = n;
			*end = off;
			return true;
		}
	}
}

bool trace_reseal(void *buf, size_t len)
{
	uint8_t *f = buf;
	uint32_t n;
	uint64_t end;
	if (len < HDR_BYTES || !reseal_walk(f, len, false, &n, &end))
		return false;
	log_le_put(f + 12, n, 4);
	log_le_put(f + 16, end, 8);
	log_le_put(f + 28, trace_crc32(0, f, 28), 4);
	return reseal_walk(f, len, true, &n, &end);
}

/* ------------------------------------------------------------------ */
/* Loader.  Every failure goes through fail(), which says where: the
 * section, the object it is about, and the byte offset in the file. */

struct ld {
	const uint8_t *file;
	uint64_t len;
	struct log_set *set;
	struct trace_meta *meta;
	const struct trace_mem *mem;
	struct trace_err *err;
	bool newer; /* file minor > ours: unknown section tags are skipped */
	int secno;  /* section being read (-1: the header), for messages */
	char tag[5];
	int obj; /* object it is about, or -1 */
	/* While the object table is read: its names and ids so far, by hash
	 * (open addressing; row index + 1, 0 = empty), to refuse duplicates
	 * in one pass however many objects there are. */
	uint32_t *seen_names, *seen_ids, seen_mask;
};

/* Bounded little-endian reader over [off, end) of the file. */
struct rd {
	const uint8_t *file;
	uint64_t off, end;
	bool past; /* a read went past end: the values read are 0 */
};

static uint64_t get(struct rd *r, unsigned bytes)
{
	uint64_t v = 0;
	if (r->past || r->end - r->off < bytes) {
		r->past = true;
		return 0;
	}
	for (unsigned i = 0; i < bytes; i++)
		v |= (uint64_t)r->file[r->off + i] << (8 * i);
	r->off += bytes;
	return v;
}

/* Copy a length-prefixed string into dst[max] (NUL-terminated). */
static bool get_str(struct rd *r, char *dst, size_t max, unsigned lenbytes)
{
	uint64_t n = get(r, lenbytes);
	if (r->past || n >= max || r->end - r->off < n)
		return false;
	for (uint64_t i = 0; i < n; i++) {
		dst[i] = (char)r->file[r->off + i];
		if (!dst[i])
			return false;
	}
	dst[n] = 0;
	r->off += n;
	return true;
}

static bool fail(struct ld *l, uint64_t off, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static bool fail(struct ld *l, uint64_t off, const char *fmt, ...)
{
	struct trace_buf b;
	va_list ap;
	tbuf_init(&b, l->err->msg, sizeof l->err->msg);
	if (l->secno < 0)
		tbuf_str(&b, "header");
	else
		tbuf_printf(&b, "section %u %s", (unsigned)l->secno, l->tag);
	if (l->obj >= 0 && l->obj < (int)l->set->nobjs)
		tbuf_printf(&b, " (object %s)", l->set->objs[l->obj].name);
	tbuf_printf(&b, " at byte %lu: ", (unsigned long)off);
	va_start(ap, fmt);
	tbuf_vprintf(&b, fmt, ap);
	va_end(ap);
	l->err->offset = off;
	return false;
}

static void *ld_alloc(struct ld *l, uint64_t bytes)
{
	if (bytes > l->len * 128 + 4096) /* never more than the file can justify */
		return 0;
	return l->mem->alloc(l->mem->ctx, (size_t)bytes);
}

bool trace_unknown_types_ok;

/* A row for a type this program lacks: its name and state size, as the
 * file gives them, and nothing to replay with (apply NULL marks it). */
struct standin {
	struct log_type t;
	char name[256];
};

bool trace_type_unknown(const struct log_type *t)
{
	return t->apply == 0;
}

static const struct log_type *standin_type(struct ld *l, const char *name, uint64_t state_size)
{
	if (state_size > LOG_STATE_MAX)
		return 0;
	struct standin *s = ld_alloc(l, sizeof *s);
	if (!s)
		return 0;
	for (unsigned i = 0; name[i] && i < sizeof s->name - 1; i++)
		s->name[i] = name[i];
	s->t.name = s->name;
	s->t.state_size = (uint32_t)state_size;
	return &s->t;
}

static bool load_meta(struct ld *l, struct rd *r)
{
	struct trace_meta *m = l->meta;
	m->ncpus = (uint32_t)get(r, 4);
	m->seed = get(r, 8);
	if (!get_str(r, m->build_id, TRACE_STR_MAX, 2) ||
	    !get_str(r, m->cmdline, TRACE_STR_MAX, 2) || !get_str(r, m->oracle, TRACE_STR_MAX, 2))
		return fail(l, r->off,
			    "bad or truncated string (longer than %u bytes, NUL inside, "
			    "or past the section end)",
			    TRACE_STR_MAX - 1);
	if (m->ncpus == 0 || m->ncpus > 256)
		return fail(l, r->off, "CPU count %u out of range 1..256", m->ncpus);
	return true;
}

static bool name_ok(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s <= ' ' || *s > '~')
			return false;
	return true;
}

/* Has an earlier row the same name (by_name) or id?  Else remember row i. */
static bool seen_before(struct ld *l, uint32_t *tab, uint64_t key, uint32_t i, bool by_name)
{
	const struct log_objrec *o = &l->set->objs[i];
	for (uint32_t k = (uint32_t)log_mix(0, key) & l->seen_mask;; k = (k + 1) & l->seen_mask) {
		if (!tab[k]) {
			tab[k] = i + 1;
			return false;
		}
		const struct log_objrec *p = &l->set->objs[tab[k] - 1];
		if (by_name ? log_streq(p->name, o->name) : p->id == o->id)
			return true;
	}
}

/* One object table row into set->objs[i]; the structural rules that do
 * not need the events. */
static bool load_objrec(struct ld *l, struct rd *r, uint32_t i)
{
	struct log_objrec *o = &l->set->objs[i];
	char tname[256];
	uint64_t at = r->off;
	if (!get_str(r, o->name, LOG_NAME_MAX, 1) || !name_ok(o->name))
		return fail(l, at,
			    "object %u: name missing, too long (max %u) or not printable "
			    "without spaces",
			    i, LOG_NAME_MAX - 1);
	if (seen_before(l, l->seen_names, log_hash_name(o->name), i, true))
		return fail(l, at, "object %u: name %s used twice", i, o->name);
	at = r->off;
	/* Printable too: an unknown type's name is kept and printed. */
	if (!get_str(r, tname, sizeof tname, 1) || !name_ok(tname))
		return fail(l, at, "object %s: type name missing or not printable without spaces",
			    o->name);
	o->type = log_type_find(tname);
	if (!o->type && !trace_unknown_types_ok)
		return fail(l, at, "object %s: unknown object type '%s'", o->name, tname);
	at = r->off;
	o->id = (uint32_t)get(r, 4);
	if (!r->past && seen_before(l, l->seen_ids, o->id, i, false))
		return fail(l, at, "object %s: id %u used twice", o->name, o->id);
	o->count = get(r, 8);
	o->hash = get(r, 8);
	o->ck_seq = get(r, 8);
	o->ck_hash = get(r, 8);
	o->first = get(r, 8);
	o->nevents = (uint32_t)get(r, 4);
	o->order_runs = get(r, 8);
	uint64_t ordered = get(r, 1);
	o->ck_digest = get(r, 8);
	at = r->off;
	uint64_t slen = get(r, 2);
	if (r->past || r->end - r->off < slen)
		return fail(l, r->off, "object %s: row truncated", o->name);
	if (!o->type && !(o->type = standin_type(l, tname, slen)))
		return fail(l, at,
			    "object %s: type %s: state of %lu bytes (at most %u), or out of "
			    "memory",
			    o->name, tname, slen, LOG_STATE_MAX);
	if (slen != o->type->state_size)
		return fail(l, at, "object %s: checkpoint state is %lu bytes, type %s has %u",
			    o->name, slen, tname, o->type->state_size);
	__builtin_memcpy(o->ck_state, r->file + r->off, (size_t)slen);
	r->off += slen;
	if (o->nevents > o->count || o->first != o->count - o->nevents)
		return fail(l, at, "object %s: window first=%lu + %u events != count %lu", o->name,
			    o->first, o->nevents, o->count);
	if (o->ck_seq < o->first || o->ck_seq > o->count)
		return fail(l, at, "object %s: checkpoint seq %lu outside the window %lu..%lu",
			    o->name, o->ck_seq, o->first, o->count);
	/* From here on order_runs != 0 is what says an ORDR section follows. */
	if (ordered > 1 || (ordered && (o->order_runs == 0 || o->order_runs > o->count)) ||
	    (!ordered && o->order_runs))
		return fail(l, at, "object %s: order flag %lu with %lu runs for %lu events",
			    o->name, ordered, o->order_runs, o->count);
	uint64_t dg = o->type->digest ? o->type->digest(o->ck_state) : 0;
	if (o->ck_digest != dg && !trace_type_unknown(o->type))
		return fail(l, at, "object %s: checkpoint digest %016lx, the state's is %016lx",
			    o->name, o->ck_digest, dg);
	return true;
}

static bool load_objs(struct ld *l, struct rd *r)
{
	uint64_t n = get(r, 4);
	/* Bounded by the payload before anything is allocated for it. */
	if (r->past || n > (r->end - r->off) / OBJREC_MIN)
		return fail(l, r->off, "%lu objects cannot fit in %lu bytes (rows take %u at least)",
			    n, r->end - r->off, OBJREC_MIN);
	if (!n)
		return true;
	l->set->objs = ld_alloc(l, n * sizeof(struct log_objrec));
	uint32_t cap = 2;
	while (cap < 2 * n)
		cap *= 2;
	l->seen_mask = cap - 1;
	l->seen_names = ld_alloc(l, 2 * (uint64_t)cap * sizeof(uint32_t));
	if (!l->set->objs || !l->seen_names) {
		if (l->seen_names && l->mem->free)
			l->mem->free(l->mem->ctx, l->seen_names);
		return fail(l, r->off, "out of memory for %lu objects", n);
	}
	l->seen_ids = l->seen_names + cap;
	bool ok = true;
	for (uint32_t i = 0; ok && i < n; i++) {
		l->set->nobjs = i + 1; /* so fail() can name it and release can free it */
		ok = load_objrec(l, r, i);
	}
	if (l->mem->free)
		l->mem->free(l->mem->ctx, l->seen_names);
	l->seen_names = l->seen_ids = 0;
	return ok;
}

static void get_event(struct rd *r, struct log_event *e)
{
	for (unsigned i = 0; i < EV_NFIELDS; i++)
		field_set(e, i, get(r, ev_fields[i].bytes));
}

/* The chained hash through the window, the checkpoint on the chain, the
 * final hash at its end; then replay from the checkpoint. */
static bool check_chain(struct ld *l, const struct log_objrec *o, uint64_t base)
{
	uint64_t h = log_hash_name(o->name);
	bool known = o->first == 0;
	for (uint64_t q = o->first; q <= o->count; q++) {
		const struct log_event *e = &o->events[q - o->first];
		uint64_t at = base + (q - o->first) * EV_BYTES;
		if (q == o->ck_seq) {
			if (known && h != o->ck_hash)
				return fail(l, at,
					    "checkpoint hash %016lx at seq %lu, chain has %016lx",
					    o->ck_hash, q, h);
			h = o->ck_hash;
			known = true;
		}
		if (q == o->count)
			break;
		uint64_t want = log_hash_event(h, e);
		if (known && want != e->hash)
			return fail(l, at, "event seq %lu: chained hash %016lx, recomputed %016lx",
				    q, e->hash, want);
		h = e->hash;
		known = true;
	}
	if (h != o->hash)
		return fail(l, base, "final hash %016lx in the object table, chain ends at %016lx",
			    o->hash, h);
	if (trace_type_unknown(o->type))
		return true; /* nothing to replay with */

	uint8_t st[LOG_STATE_MAX] __attribute__((aligned(8)));
	__builtin_memcpy(st, o->ck_state, LOG_STATE_MAX);
	for (uint64_t q = o->ck_seq; q < o->count; q++) {
		const struct log_event *e = &o->events[q - o->first];
		const char *bad = o->type->apply(st, e);
		if (bad)
			return fail(l, base + (q - o->first) * EV_BYTES,
				    "event seq %lu (%s by cpu %u) does not replay: %s", q,
				    log_type_event_name(o->type, e->type), e->cpu, bad);
	}
	const char *bad = o->type->check ? o->type->check(st) : 0;
	if (bad)
		return fail(l, base, "replayed state breaks the invariant: %s", bad);
	return true;
}

/* CPU ids index per-CPU arrays in replay and in the tools, so each must be
 * a CPU the recorded run had (META comes first: ncpus is known).  `fmt`
 * says which field of what. */
static bool fail_cpu(struct ld *l, uint64_t at, unsigned cpu, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static bool fail_cpu(struct ld *l, uint64_t at, unsigned cpu, const char *fmt, ...)
{
	char what[96];
	struct trace_buf b;
	va_list ap;
	tbuf_init(&b, what, sizeof what);
	va_start(ap, fmt);
	tbuf_vprintf(&b, fmt, ap);
	va_end(ap);
	return fail(l, at, "%s %u out of range: the trace has cpus=%u (0..%u)", what, cpu,
		    l->meta->ncpus, l->meta->ncpus - 1);
}

/* One kept event's own fields: ids against the object and the trace. */
static bool event_ok(struct ld *l, const struct log_objrec *o, uint32_t k,
		     const struct log_event *e, uint64_t at)
{
	uint64_t seq = o->first + k;
	if (e->obj != o->id)
		return fail(l, at, "event %u belongs to object id %u, not %u", k, e->obj, o->id);
	if (e->seq != seq)
		return fail(l, at, "event %u has seq %lu, expected %lu (not contiguous)", k, e->seq,
			    seq);
	if (e->cpu >= l->meta->ncpus)
		return fail_cpu(l, at, e->cpu, "event seq %lu: cpu", seq);
	if (e->rel_cpu != LOG_CPU_NONE && e->rel_cpu >= l->meta->ncpus)
		return fail_cpu(l, at, e->rel_cpu, "event seq %lu: releasing cpu", seq);
	/* apply() sees only the events from the checkpoint on. */
	if (e->type >= o->type->nevents && !trace_type_unknown(o->type))
		return fail(l, at, "event seq %lu: event type %u out of range: %s has %u", seq,
			    e->type, o->type->name, o->type->nevents);
	return true;
}

static bool load_events(struct ld *l, struct rd *r, uint32_t i)
{
	struct log_objrec *o = &l->set->objs[i];
	uint64_t base = r->off, plen = r->end - r->off;
	if (plen != (uint64_t)o->nevents * EV_BYTES)
		return fail(l, base,
			    "%lu bytes hold %lu events of %u bytes (and %lu over), the "
			    "object table says %u events",
			    plen, plen / EV_BYTES, EV_BYTES, plen % EV_BYTES, o->nevents);
	o->events = ld_alloc(l, ((uint64_t)o->nevents + 1) * sizeof(struct log_event));
	if (!o->events)
		return fail(l, base, "out of memory for %u events", o->nevents);
	for (uint32_t k = 0; k < o->nevents; k++) {
		struct log_event *e = &o->events[k];
		uint64_t at = r->off;
		get_event(r, e);
		if (!event_ok(l, o, k, e, at))
			return false;
	}
	return check_chain(l, o, base);
}

/* The order stream against the events kept in the window: each run of
 * seqs [q, q+count) was performed by one (cpu, thread). */
static bool check_order(struct ld *l, const struct log_objrec *o, uint64_t base)
{
	uint64_t q = 0;
	for (const struct log_order_chunk *c = o->order; c; c = c->next)
		for (uint32_t k = 0; k < c->n; k++) {
			const struct log_order_run *run = &c->runs[k];
			for (uint64_t s = q > o->first ? q : o->first; s < q + run->count; s++) {
				const struct log_event *e = &o->events[s - o->first];
				if (run->cpu != e->cpu || run->thread != e->thread)
					return fail(l, base,
						    "order stream says seq %lu was cpu=%u "
						    "thr=%u, the event says cpu=%u thr=%u",
						    (unsigned long)s, run->cpu, run->thread, e->cpu,
						    e->thread);
			}
			q += run->count;
		}
	return true;
}

static bool load_order(struct ld *l, struct rd *r, uint32_t i)
{
	struct log_objrec *o = &l->set->objs[i];
	uint64_t base = r->off, plen = r->end - r->off, sum = 0;
	if (plen != o->order_runs * RUN_BYTES)
		return fail(l, base, "%lu bytes, the object table says %lu runs of %u bytes", plen,
			    o->order_runs, RUN_BYTES);
	struct log_order_chunk **link = &o->order, *c = 0;
	for (uint64_t k = 0; k < o->order_runs; k++) {
		if (!c || c->n == LOG_ORDER_CHUNK) {
			c = ld_alloc(l, sizeof *c);
			if (!c)
				return fail(l, r->off, "out of memory for the order stream");
			*link = c;
			link = &c->next;
		}
		uint64_t at = r->off;
		struct log_order_run *run = &c->runs[c->n++];
		run->thread = (uint32_t)get(r, 4);
		run->cpu = (uint8_t)get(r, 1);
		run->count = (uint16_t)get(r, 2);
		if (run->count == 0)
			return fail(l, at, "run %lu has count 0", k);
		if (run->cpu >= l->meta->ncpus)
			return fail_cpu(l, at, run->cpu, "order run %lu at seq %lu: cpu", k, sum);
		sum += run->count;
	}
	if (sum != o->count)
		return fail(l, base, "runs cover %lu events, the object table says %lu", sum,
			    o->count);
	return check_order(l, o, base);
}

/* The short hashes (3.1): one per event of the run, and inside the kept
 * window each the low bits of that event's chained hash. */
static bool load_shash(struct ld *l, struct rd *r, uint32_t i)
{
	struct log_objrec *o = &l->set->objs[i];
	uint64_t base = r->off, plen = r->end - r->off;
	if (plen != o->count * SH_BYTES)
		return fail(l, base,
			    "%lu bytes of short hashes, the object has %lu events (%u bytes each)",
			    plen, o->count, SH_BYTES);
	struct log_sh_chunk **link = &o->shash, *c = 0;
	for (uint64_t q = 0; q < o->count; q++) {
		if (!c || c->n == LOG_SH_CHUNK) {
			c = ld_alloc(l, sizeof *c);
			if (!c)
				return fail(l, r->off, "out of memory for the short hashes");
			*link = c;
			link = &c->next;
		}
		uint64_t at = r->off;
		uint16_t h = (uint16_t)get(r, SH_BYTES);
		c->h[c->n++] = h;
		if (q >= o->first && h != log_short_hash(o->events[q - o->first].hash))
			return fail(l, at,
				    "short hash of seq %lu is %04x, the event's chained hash %016lx "
				    "ends in %04x",
				    q, h, o->events[q - o->first].hash,
				    log_short_hash(o->events[q - o->first].hash));
	}
	return true;
}

static void tag_name(uint32_t tag, char out[5])
{
	for (unsigned i = 0; i < 4; i++) {
		char ch = (char)(tag >> (8 * i));
		out[i] = ch > ' ' && ch <= '~' ? ch : '?';
	}
	out[4] = 0;
}

static bool load_header(struct ld *l, uint32_t *nsec)
{
	struct rd r = { .file = l->file, .off = 8, .end = l->len };
	if (l->len < HDR_BYTES)
		return fail(l, l->len, "truncated: %lu bytes, shorter than the %u-byte header",
			    l->len, HDR_BYTES);
	if (__builtin_memcmp(l->file, TRACE_MAGIC, 8) != 0)
		return fail(l, 0, "not a trace file (bad magic)");
	uint32_t major = (uint32_t)get(&r, 2), minor = (uint32_t)get(&r, 2);
	*nsec = (uint32_t)get(&r, 4);
	uint64_t flen = get(&r, 8), flags = get(&r, 4), crc = get(&r, 4);
	uint32_t want = trace_crc32(0, l->file, 28);
	if (crc != want)
		return fail(l, 28, "header checksum %08lx, computed %08lx (corrupt header)", crc,
			    (uint64_t)want);
	if (major > TRACE_MAJOR)
		return fail(l, 8,
			    "trace format version %u.%u is newer than this loader (%u.%u): "
			    "use tools built from a newer tree",
			    major, minor, TRACE_MAJOR, TRACE_MINOR);
	if (major >= 1 && major < TRACE_MAJOR)
		return fail(l, 8,
			    "trace format version %u.%u is older than this loader (%u.%u), "
			    "which reads only %u.x (%s): record the run again with these tools",
			    major, minor, TRACE_MAJOR, TRACE_MINOR, TRACE_MAJOR,
			    major < 3 ? "events now carry 64-bit seq numbers and 32-bit object ids"
			    : major < 4 ? "the chained hash is computed another way"
					: "locks now keep no state beside their events");
	if (major != TRACE_MAJOR)
		return fail(l, 8, "unknown trace format version %u.%u", major, minor);
	if (flags)
		return fail(l, 24, "unknown header flags %lx", flags);
	if (flen > l->len)
		return fail(l, l->len, "truncated: header says %lu bytes, file has %lu", flen,
			    l->len);
	if (flen < l->len)
		return fail(l, flen, "%lu bytes of garbage after the end (%lu bytes)",
			    l->len - flen, flen);
	l->meta->major = (uint16_t)major;
	l->meta->minor = (uint16_t)minor;
	l->newer = minor > TRACE_MINOR;
	return true;
}

/* What the next section must be, after `known` sections, with objects
 * 0..obj-1 complete and object obj's EVTS read or not. */
static uint32_t expected_tag(struct ld *l, uint32_t known, uint32_t obj, bool evts_done)
{
	if (known == 0)
		return TAG_META;
	if (known == 1)
		return TAG_OBJS;
	if (obj >= l->set->nobjs)
		return TAG_END;
	return evts_done ? TAG_ORDR : TAG_EVTS;
}

static bool known_tag(uint32_t tag)
{
	return tag == TAG_META || tag == TAG_OBJS || tag == TAG_EVTS || tag == TAG_ORDR ||
	       tag == TAG_SHSH || tag == TAG_END;
}

static bool load_sections(struct ld *l, uint32_t nsec)
{
	uint64_t off = HDR_BYTES;
	uint32_t seen = 0, skipped = 0, obj = 0;
	bool evts_done = false;
	int64_t sh_for = -1; /* the object whose ORDR came last: its SHSH may follow */
	char en[5];
	for (;; seen++) {
		struct rd r = { .file = l->file, .off = off, .end = l->len };
		l->secno = (int)seen;
		l->obj = -1;
		__builtin_memcpy(l->tag, "?", 2);
		if (l->len - off < SEC_HDR + SEC_CRC)
			return fail(l, off, "truncated: the section header does not fit");
		uint32_t tag = (uint32_t)get(&r, 4), id = (uint32_t)get(&r, 4);
		uint64_t plen = get(&r, 8);
		tag_name(tag, l->tag);
		l->obj = id < l->set->nobjs ? (int)id : -1;
		if (plen > l->len - r.off - SEC_CRC)
			return fail(l, off, "payload of %lu bytes runs past the end of the file",
				    (unsigned long)plen);
		r.end = r.off + plen;
		uint32_t stored = (uint32_t)log_le_get(l->file + r.end, 4);
		uint32_t want = trace_crc32(0, l->file + off, (size_t)(SEC_HDR + plen));
		if (stored != want)
			return fail(l, r.end, "checksum %08x, computed %08x (corrupt section)",
				    stored, want);
		off = r.end + SEC_CRC;
		uint32_t exp = expected_tag(l, seen - skipped, obj, evts_done);
		if (tag == TAG_SHSH && sh_for >= 0) {
			if (id != (uint32_t)sh_for)
				return fail(l, r.off - 12, "section is for object id %u, expected %u",
					    id, (uint32_t)sh_for);
			l->obj = (int)sh_for;
			bool ok = load_shash(l, &r, (uint32_t)sh_for);
			sh_for = -1;
			if (!ok)
				return false;
			if (r.off != r.end)
				return fail(l, r.off,
					    "%lu unexpected bytes at the end of the section",
					    (unsigned long)(r.end - r.off));
			continue;
		}
		sh_for = -1;
		if (tag != exp && l->newer && !known_tag(tag)) {
			skipped++; /* a newer minor version's addition */
			continue;
		}
		if (tag != exp) {
			tag_name(exp, en);
			return fail(l, r.off - SEC_HDR, "expected section %s%s, found %s", en,
				    exp == TAG_EVTS || exp == TAG_ORDR ? " of the next object" : "",
				    l->tag);
		}
		if ((tag == TAG_EVTS || tag == TAG_ORDR) != (id != TRACE_NO_OBJ) ||
		    (id != TRACE_NO_OBJ && id != obj))
			return fail(l, r.off - 12, "section is for object id %u, expected %u", id,
				    tag == TAG_EVTS || tag == TAG_ORDR ? obj : TRACE_NO_OBJ);
		bool ok = true;
		if (tag == TAG_META) {
			ok = load_meta(l, &r);
		} else if (tag == TAG_OBJS) {
			ok = load_objs(l, &r);
		} else if (tag == TAG_EVTS) {
			ok = load_events(l, &r, obj);
			evts_done = l->set->objs[obj].order_runs != 0;
			obj += !evts_done;
		} else if (tag == TAG_ORDR) {
			ok = load_order(l, &r, obj);
			evts_done = false;
			sh_for = obj++;
		} else {
			uint32_t fcrc = (uint32_t)get(&r, 4);
			uint32_t fwant = trace_crc32(0, l->file, (size_t)(r.off - 4 - SEC_HDR));
			if (fcrc != fwant)
				return fail(l, r.off - 4, "whole-file checksum %08x, computed %08x",
					    fcrc, fwant);
		}
		if (!ok)
			return false;
		if (r.past)
			return fail(l, r.end, "section ends in the middle of a field");
		if (r.off != r.end)
			return fail(l, r.off, "%lu unexpected bytes at the end of the section",
				    (unsigned long)(r.end - r.off));
		if (tag == TAG_END)
			break;
	}
	l->secno = -1;
	l->obj = -1;
	if (seen + 1 != nsec)
		return fail(l, 12, "header says %u sections, file has %u", nsec, seen + 1);
	if (off != l->len)
		return fail(l, off, "%lu bytes after the END section", (unsigned long)(l->len - off));
	return true;
}

bool trace_load(const void *buf, size_t len, struct log_set *set, struct trace_meta *meta,
		const struct trace_mem *mem, struct trace_err *err)
{
	struct ld l = { .file = buf,
			.len = len,
			.set = set,
			.meta = meta,
			.mem = mem,
			.err = err,
			.obj = -1,
			.secno = -1 };
	uint32_t nsec = 0;
	__builtin_memset(set, 0, sizeof *set);
	__builtin_memset(meta, 0, sizeof *meta);
	err->msg[0] = 0;
	err->offset = 0;
	if (load_header(&l, &nsec) && load_sections(&l, nsec))
		return true;
	trace_release(set, mem);
	return false;
}

void trace_release(struct log_set *set, const struct trace_mem *mem)
{
	for (uint32_t i = 0; set->objs && i < set->nobjs; i++) {
		struct log_objrec *o = &set->objs[i];
		if (mem->free && o->events)
			mem->free(mem->ctx, o->events);
		if (mem->free && o->type && trace_type_unknown(o->type))
			mem->free(mem->ctx, (void *)o->type);
		for (struct log_order_chunk *c = o->order, *n; mem->free && c; c = n) {
			n = c->next;
			mem->free(mem->ctx, c);
		}
		for (struct log_sh_chunk *c = o->shash, *n; mem->free && c; c = n) {
			n = c->next;
			mem->free(mem->ctx, c);
		}
		o->events = 0;
		o->order = 0;
		o->shash = 0;
	}
	if (mem->free && set->objs)
		mem->free(mem->ctx, set->objs);
	set->objs = 0;
	set->nobjs = 0;
}
