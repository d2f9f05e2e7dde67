/*
 * log.c - registry, append, checkpoints, check mode.
 */
#include "plat.h"
#include "log/str.h"
#include "log/log.h"
#include "log/hash.h"
#include "oracle/oracle.h"

bool log_check_mode;
bool log_record_order;

/* ------------------------------------------------------------------ */
/* Types: rows registered with LOG_TYPE_REGISTER, in the log_types section. */

extern const struct log_type *const __start_log_types[];
extern const struct log_type *const __stop_log_types[];

const struct log_type *const *log_type_all(unsigned *n)
{
	*n = (unsigned)(__stop_log_types - __start_log_types);
	return __start_log_types;
}

const struct log_type *log_type_find(const char *name)
{
	for (const struct log_type *const *t = __start_log_types; t < __stop_log_types; t++)
		if (log_streq((*t)->name, name))
			return *t;
	return 0;
}

const char *log_type_event_name(const struct log_type *t, uint8_t type)
{
	return type < t->nevents ? t->events[type] : "?";
}

static struct log_obj objs[LOG_MAX_OBJS];
static unsigned nobjs;     /* slots ever used (memory kept across resets) */
static unsigned nlive;     /* live objects have ids 0 .. nlive-1 */

static void name_copy(char *dst, const char *src)
{
	unsigned i = 0;
	for (; src[i] && i < LOG_NAME_MAX - 1; i++)
		dst[i] = src[i];
	dst[i] = 0;
}

static void obj_clear(struct log_obj *o, const struct log_type *t)
{
	o->count = 0;
	o->holder = 0;
	o->sync[0] = o->sync[1] = 0;
	o->hash = o->name_hash;
	__builtin_memset(o->state, 0, sizeof o->state);
	if (t->init)
		t->init(o->state);
	o->ck_seq = 0;
	o->ck_next = o->ring_mask + 1;
	o->ck_hash = o->hash;
	__builtin_memcpy(o->ck_state, o->state, sizeof o->state);
	__builtin_memset(o->ring, 0, o->ring_cap * sizeof(struct log_event));
	for (struct log_order_chunk *c = o->order_head; c; c = c->next)
		c->n = 0;
	o->order_tail = o->order_head;
	o->order_runs = 0;
	o->oracle_data = 0;
	o->type = t;
	o->live = true;
}

/*
 * Ids are slots: a new object takes the lowest free slot, so the same
 * program registering and unregistering the same objects in the same order
 * gets the same ids.  A reused slot keeps its ring if it is big enough.
 * Slots below `nkeep` (log_keep_registered: the kernel's own objects) survive
 * log_reset.
 */
static unsigned nkeep;

struct log_obj *log_register(const struct log_type *t, const char *name, uint32_t ring_size)
{
	if (ring_size == 0)
		ring_size = LOG_RING_DEFAULT;
	if (ring_size & (ring_size - 1))
		plat_panic("log: ring size %u of %s is not a power of two", ring_size, name);
	if (t->state_size > LOG_STATE_MAX)
		plat_panic("log: state of type %s too big", t->name);
	if (log_strlen(name) >= LOG_NAME_MAX)
		plat_panic("log: name %s is longer than %u characters: refused", name,
			   LOG_NAME_MAX - 1);
	if (log_find(name))
		plat_panic("log: object %s registered twice", name);

	unsigned slot = 0;
	while (slot < nobjs && objs[slot].live)
		slot++;
	if (slot == LOG_MAX_OBJS)
		plat_panic("log: object table full registering %s", name);
	struct log_obj *o = &objs[slot];
	if (slot == nobjs || o->ring_cap < ring_size) {
		/* (a too-small ring is abandoned: plat_alloc memory is never freed) */
		o->ring = plat_alloc(ring_size * sizeof(struct log_event));
		if (!o->ring)
			plat_panic("log: no memory for ring of %s", name);
		o->ring_cap = ring_size;
		o->order_head = o->order_tail = 0;
		if (slot == nobjs)
			nobjs++;
	}
	/* A reused ring may be bigger; use exactly the size asked for, so the
	 * window kept does not depend on what ran before. */
	o->ring_mask = ring_size - 1;
	name_copy(o->name, name);
	o->name_hash = log_hash_name(o->name);
	o->id = (uint16_t)slot;
	obj_clear(o, t);
	if (slot >= nlive)
		nlive = slot + 1;
	return o;
}

void log_unregister(struct log_obj *o)
{
	o->live = false;
	while (nlive > 0 && !objs[nlive - 1].live)
		nlive--;
}

void log_keep_registered(void)
{
	nkeep = nlive;
}

void log_reset(void)
{
	for (unsigned i = nkeep; i < nlive; i++)
		objs[i].live = false;
	while (nlive > 0 && !objs[nlive - 1].live)
		nlive--;
}

struct log_obj *log_find(const char *name)
{
	for (unsigned i = 0; i < nlive; i++)
		if (objs[i].live && log_streq(objs[i].name, name))
			return &objs[i];
	return 0;
}

struct log_obj *log_obj_at(unsigned id)
{
	return id < nlive && objs[id].live ? &objs[id] : 0;
}

unsigned log_nobjs(void)
{
	return nlive;
}

static void order_record(struct log_obj *o, uint8_t cpu, uint32_t thread)
{
	struct log_order_chunk *c = o->order_tail;
	if (c && c->n) {
		struct log_order_run *r = &c->runs[c->n - 1];
		if (r->cpu == cpu && r->thread == thread && r->count < 0xffff) {
			r->count++;
			return;
		}
	}
	if (!c || c->n == LOG_ORDER_CHUNK) {
		struct log_order_chunk *n = c ? c->next : 0;
		if (!n) {
			n = plat_alloc(sizeof *n);
			if (!n)
				plat_panic("log: no memory for the order stream of %s", o->name);
			if (c)
				c->next = n;
			else
				o->order_head = n;
		}
		n->n = 0;
		o->order_tail = c = n;
	}
	c->runs[c->n++] = (struct log_order_run){ .thread = thread, .cpu = cpu, .count = 1 };
	o->order_runs++;
}

struct log_event *log_append(struct log_obj *o, uint8_t type, uint64_t arg0, uint64_t arg1)
{
	return log_append_at(o, type, arg0, arg1, plat_ticks());
}

struct log_event *log_append_at(struct log_obj *o, uint8_t type, uint64_t arg0, uint64_t arg1,
				uint64_t ts)
{
	return log_append_inline(o, type, arg0, arg1, ts, o->type->apply);
}

void log_checkpoint(struct log_obj *o)
{
	if (log_check_mode)
		log_verify(o);
	o->ck_seq = o->count;
	o->ck_next = o->ck_seq + o->ring_mask + 1;
	o->ck_hash = o->hash;
	__builtin_memcpy(o->ck_state, o->state, o->type->state_size);
}

void log_appended_rare(struct log_obj *o, const struct log_event *e)
{
	if (log_record_order)
		order_record(o, e->cpu, e->thread);
	oracle_appended(o, e);
	if (log_check_mode)
		log_verify(o);
}

void log_apply_failed(const struct log_obj *o, const struct log_event *e, const char *why)
{
	plat_panic("log: %s seq %lu (%s by cpu %u): %s", o->name, (unsigned long)e->seq,
		   log_type_event_name(o->type, e->type), e->cpu, why);
}

uint64_t log_first(const struct log_obj *o)
{
	uint64_t n = o->ring_mask + 1;
	return o->count > n ? o->count - n : 0;
}

const struct log_event *log_event_at(const struct log_obj *o, uint64_t seq)
{
	if (seq >= o->count || seq < log_first(o))
		return 0;
	return &o->ring[seq & o->ring_mask];
}

static void dump_state(const char *what, const uint8_t *s, uint32_t n)
{
	plat_printf("  %s:", what);
	for (uint32_t i = 0; i < n; i++)
		plat_printf("%s%02x", (i % 32) ? "" : "\n    ", s[i]);
	plat_printf("\n");
}

void log_verify(const struct log_obj *o)
{
	uint8_t st[LOG_STATE_MAX] __attribute__((aligned(8)));
	uint32_t n = o->type->state_size;
	uint64_t h = o->ck_hash;

	__builtin_memcpy(st, o->ck_state, n);
	for (uint64_t q = o->ck_seq; q < o->count; q++) {
		const struct log_event *e = &o->ring[q & o->ring_mask];
		if (e->seq != (uint32_t)q)
			plat_panic("log check: %s slot for seq %lu holds seq %u", o->name,
				   (unsigned long)q, e->seq);
		h = log_hash_event(h, e);
		if (h != e->hash)
			plat_panic("log check: %s seq %lu hash %lx, recomputed %lx", o->name,
				   (unsigned long)q, (unsigned long)e->hash, (unsigned long)h);
		const char *bad = o->type->apply(st, e);
		if (bad)
			plat_panic("log check: %s seq %lu replays badly: %s", o->name,
				   (unsigned long)q, bad);
	}
	if (h != o->hash)
		plat_panic("log check: %s chain hash %lx, recomputed %lx", o->name,
			   (unsigned long)o->hash, (unsigned long)h);
	if (__builtin_memcmp(st, o->state, n) != 0) {
		plat_printf("log check: %s: cached state differs from replay of seq %lu..%lu\n",
			    o->name, (unsigned long)o->ck_seq, (unsigned long)o->count);
		dump_state("cached  ", o->state, n);
		dump_state("replayed", st, n);
		plat_panic("log check: %s cached state != replayed state", o->name);
	}
	const char *bad = o->type->check ? o->type->check(o->state) : 0;
	if (bad)
		plat_panic("log check: %s invariant: %s", o->name, bad);
}

void log_order_begin(struct log_order_cursor *c, const struct log_order_chunk *head)
{
	c->chunk = head;
	c->idx = 0;
	c->within = 0;
}

const struct log_order_run *log_order_peek(const struct log_order_cursor *c)
{
	if (!c->chunk || c->idx >= c->chunk->n)
		return 0;
	return &c->chunk->runs[c->idx];
}

void log_order_next(struct log_order_cursor *c)
{
	const struct log_order_run *r = log_order_peek(c);
	if (!r)
		return;
	if (++c->within < r->count)
		return;
	c->within = 0;
	if (++c->idx >= c->chunk->n && c->chunk->next && c->chunk->next->n) {
		c->chunk = c->chunk->next;
		c->idx = 0;
	}
}

uint64_t log_mem_bytes(void)
{
	uint64_t b = sizeof objs;
	for (unsigned i = 0; i < nobjs; i++) {
		b += (uint64_t)objs[i].ring_cap * sizeof(struct log_event);
		for (struct log_order_chunk *c = objs[i].order_head; c; c = c->next)
			b += sizeof *c;
	}
	return b;
}

void log_print_event(const struct log_obj *o, const struct log_event *e)
{
	plat_printf("%s %u cpu %u thread %u %s %lx %lx hash %016lx\n", o->name, e->seq, e->cpu,
		    e->thread, log_type_event_name(o->type, e->type), (unsigned long)e->arg0,
		    (unsigned long)e->arg1, (unsigned long)e->hash);
}

static int name_cmp(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return (int)(uint8_t)*a - (int)(uint8_t)*b;
}

static void sift_down(const struct log_obj **h, unsigned r, unsigned n)
{
	for (;;) {
		unsigned c = 2 * r + 1;
		if (c >= n)
			return;
		if (c + 1 < n && name_cmp(h[c]->name, h[c + 1]->name) < 0)
			c++;
		if (name_cmp(h[r]->name, h[c]->name) >= 0)
			return;
		const struct log_obj *t = h[r];
		h[r] = h[c];
		h[c] = t;
		r = c;
	}
}

/* Live objects sorted by name (heap sort: no recursion, no allocation). */
static unsigned by_name(const struct log_obj **out)
{
	unsigned n = 0;
	for (unsigned i = 0; i < nlive; i++)
		if (objs[i].live)
			out[n++] = &objs[i];
	for (unsigned r = n / 2; r-- > 0;)
		sift_down(out, r, n);
	for (unsigned end = n; end-- > 1;) {
		const struct log_obj *t = out[0];
		out[0] = out[end];
		out[end] = t;
		sift_down(out, 0, end);
	}
	return n;
}

/* Over every live object's (name, count, chain hash) in name order, so
 * that it does not depend on registration order (ids). */
uint64_t log_digest(void)
{
	static const struct log_obj *sorted[LOG_MAX_OBJS];
	unsigned n = by_name(sorted);
	uint64_t h = 0;
	for (unsigned i = 0; i < n; i++) {
		h = log_mix(h, sorted[i]->name_hash);
		h = log_mix(h, sorted[i]->count);
		h = log_mix(h, sorted[i]->hash);
	}
	return h;
}

void log_summary(void)
{
	unsigned n = 0;
	uint64_t events = 0;
	for (unsigned i = 0; i < nlive; i++)
		if (objs[i].live) {
			n++;
			events += objs[i].count;
		}
	plat_printf("logs: %u objects, %lu events, digest %016lx\n", n, (unsigned long)events,
		    (unsigned long)log_digest());
}
