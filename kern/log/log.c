/*
 * log.c - registry, append, checkpoints, check mode.
 */
#include "plat.h"
#include "log/str.h"
#include "log/log.h"
#include "log/hash.h"
#include "log/stream.h"
#include "oracle/oracle.h"

union log_slow log_slow;
bool log_record_order;
bool log_whole_run;

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

/* A trace names types: two rows with one name would make it ambiguous. */
static void types_check_unique(void)
{
	for (const struct log_type *const *a = __start_log_types; a < __stop_log_types; a++)
		for (const struct log_type *const *b = a + 1; b < __stop_log_types; b++)
			if (log_streq((*a)->name, (*b)->name))
				plat_panic("log: two object types are named %s", (*a)->name);
}

/* ------------------------------------------------------------------ */
/* The registry's own type. */

static const char *const reg_events[] = { "REG", "UNREG" };

static const char *reg_apply(void *state, const struct log_event *ev)
{
	struct log_reg_state *s = state;
	if (ev->arg0 > 0xffffffffu)
		return "object id beyond 32 bits";
	switch (ev->type) {
	case LOG_REG:
		s->live++;
		s->regs++;
		s->set += log_reg_term(ev->arg0);
		return 0;
	case LOG_UNREG:
		if (s->live == 0)
			return "UNREG with no live object";
		s->live--;
		s->unregs++;
		s->set -= log_reg_term(ev->arg0);
		return 0;
	}
	return "unknown registry event";
}

static const char *reg_check(const void *state)
{
	const struct log_reg_state *s = state;
	return s->live == s->regs - s->unregs ? 0 : "live != registered - unregistered";
}

static uint64_t reg_digest(const void *state)
{
	const struct log_reg_state *s = state;
	return log_mix(s->set, s->live);
}

const struct log_type log_registry_type = {
	.name = "registry",
	.state_size = sizeof(struct log_reg_state),
	.events = reg_events,
	.nevents = sizeof reg_events / sizeof reg_events[0],
	.apply = reg_apply,
	.check = reg_check,
	.digest = reg_digest,
};
LOG_TYPE_REGISTER(log_registry_type);

/* ------------------------------------------------------------------ */
/* Log memory: every allocation goes through here, so log_mem_bytes() is
 * what the registry holds right now. */

static volatile AO_t mem_in_use; /* bytes */
/* Recordings' chunks (record=1), counted apart (not in mem_in_use), so that
 * the memory of the objects alone is one read (log_mem_bytes_objects). */
static volatile AO_t rec_in_use;

/* Atomic: recordings grow on every CPU at once, each under its own
 * object's exclusion only. */
static void *mem_alloc(size_t bytes)
{
	void *p = plat_alloc(bytes);
	if (p)
		AO_fetch_and_add(&mem_in_use, (AO_t)bytes);
	return p;
}

static void mem_free(void *p, size_t bytes)
{
	if (!p)
		return;
	plat_free(p, bytes);
	AO_fetch_and_add(&mem_in_use, (AO_t)0 - (AO_t)bytes);
}

/* ------------------------------------------------------------------ */
/*
 * The registry's tables, under reg_lock:
 *
 *   ids[id]   the object with that id, NULL = free; `busy` has one bit per
 *             id (set = taken), so the lowest free id is found a word at a
 *             time from `id_hint` (no free id lies below it).
 *   names     open addressing with linear probing on the name's hash
 *             (already computed: it seeds the chain), load <= 1/2;
 *             deletion shifts the following entries back, so no tombstones.
 *
 * Both grow by doubling and shrink by halving when they are mostly empty,
 * so after the objects are gone their memory is back at its starting size.
 */
/* The smallest tables (about a 4 KiB page each) hold a kernel's usual
 * hundred-odd objects, so only many more make them grow and shrink. */
#define ID_MIN 256   /* ids[] slots at least (a multiple of 64) */
#define NAME_MIN 256 /* hash slots at least (a power of two) */

static volatile AO_t reg_lock_word;
static struct log_obj *reg;  /* the registry object, id 0 */
static struct log_obj **ids; /* id_cap pointers, then id_cap / 64 busy words */
static uint64_t *busy;
static uint32_t id_cap, id_top, id_hint; /* id_top: highest live id + 1 */
static struct log_obj **names;
static uint32_t name_cap, nlive;
static uint64_t live_set; /* sum of log_reg_term(id) over live ids */

/* Plain spin lock (no event point: see log.h), relaxing so that the host's
 * cooperative CPUs let the holder go on. */
static void reg_lock(void)
{
	while (!AO_compare_and_swap_full(&reg_lock_word, 0, 1))
		plat_relax();
}

static void reg_unlock(void)
{
	AO_store_release(&reg_lock_word, 0);
}

/* Panic with the registry unlocked: the host's tests catch panics
 * (host_try) and go on registering. */
#define reg_panic(...)                                                                             \
	do {                                                                                       \
		reg_unlock();                                                                      \
		plat_panic(__VA_ARGS__);                                                           \
	} while (0)

static size_t ids_bytes(uint32_t cap)
{
	return (size_t)cap * sizeof(struct log_obj *) + cap / 64 * sizeof(uint64_t);
}

static void ids_resize(uint32_t cap)
{
	struct log_obj **n = mem_alloc(ids_bytes(cap));
	if (!n)
		reg_panic("log: no memory for %u object ids", cap);
	uint64_t *nb = (uint64_t *)(n + cap);
	uint32_t keep = id_cap < cap ? id_cap : cap;
	if (ids) {
		__builtin_memcpy(n, ids, keep * sizeof *ids);
		__builtin_memcpy(nb, busy, keep / 64 * sizeof *busy);
	}
	mem_free(ids, ids_bytes(id_cap));
	ids = n;
	busy = nb;
	id_cap = cap;
}

static uint32_t id_take(struct log_obj *o)
{
	uint32_t w = id_hint / 64;
	while (w < id_cap / 64 && busy[w] == ~0ull)
		w++;
	uint32_t id = w < id_cap / 64 ? w * 64 + (uint32_t)__builtin_ctzll(~busy[w]) : id_cap;
	if (id == 0xffffffffu)
		reg_panic("log: out of object ids registering %s", o->name);
	if (id >= id_cap)
		ids_resize(id_cap * 2);
	busy[id / 64] |= 1ull << (id % 64);
	ids[id] = o;
	id_hint = id + 1;
	if (id >= id_top)
		id_top = id + 1;
	return id;
}

static void id_put(uint32_t id)
{
	ids[id] = 0;
	busy[id / 64] &= ~(1ull << (id % 64));
	if (id < id_hint)
		id_hint = id;
	while (id_top > 0 && !ids[id_top - 1])
		id_top--;
	uint32_t cap = id_cap;
	while (cap > ID_MIN && id_top <= cap / 4)
		cap /= 2;
	if (cap != id_cap)
		ids_resize(cap);
}

static struct log_obj *name_lookup(const char *name, uint64_t h)
{
	for (uint32_t i = (uint32_t)h & (name_cap - 1);; i = (i + 1) & (name_cap - 1)) {
		struct log_obj *o = names[i];
		if (!o || (o->name_hash == h && log_streq(o->name, name)))
			return o;
	}
}

static void name_place(struct log_obj **tab, uint32_t cap, struct log_obj *o)
{
	uint32_t i = (uint32_t)o->name_hash & (cap - 1);
	while (tab[i])
		i = (i + 1) & (cap - 1);
	tab[i] = o;
}

static void names_resize(uint32_t cap)
{
	struct log_obj **n = mem_alloc((size_t)cap * sizeof *n);
	if (!n)
		reg_panic("log: no memory for a name table of %u slots", cap);
	for (uint32_t i = 0; i < name_cap; i++)
		if (names[i])
			name_place(n, cap, names[i]);
	mem_free(names, (size_t)name_cap * sizeof *names);
	names = n;
	name_cap = cap;
}

static void name_insert(struct log_obj *o)
{
	if ((nlive + 1) * 2 > name_cap)
		names_resize(name_cap * 2);
	name_place(names, name_cap, o);
}

static void name_remove(struct log_obj *o)
{
	uint32_t mask = name_cap - 1, i = (uint32_t)o->name_hash & mask;
	while (names[i] != o)
		i = (i + 1) & mask;
	/* Backward shift: an entry after the hole moves into it unless its
	 * home slot lies cyclically in (hole, its slot]. */
	for (uint32_t j = (i + 1) & mask; names[j]; j = (j + 1) & mask) {
		uint32_t home = (uint32_t)names[j]->name_hash & mask;
		if (((j - home) & mask) >= ((j - i) & mask)) {
			names[i] = names[j];
			i = j;
		}
	}
	names[i] = 0;
	uint32_t cap = name_cap;
	while (cap > NAME_MIN && (nlive - 1) * 8 < cap)
		cap /= 2;
	if (cap != name_cap)
		names_resize(cap);
}

static size_t ring_bytes(const struct log_obj *o)
{
	return ((size_t)o->ring_mask + 1) * sizeof(struct log_event);
}

static void rec_free(struct log_obj *o)
{
	for (struct log_rec_chunk *c = o->rec_head, *n; c; c = n) {
		n = c->next;
		plat_free(c, sizeof *c);
		AO_fetch_and_add(&rec_in_use, (AO_t) - sizeof *c);
	}
	o->rec_head = o->rec_tail = 0;
	o->rec_next = o->rec_end = 0;
	o->rec_events = 0;
}

/* Empty slots as a lock's plain path leaves them (lockdbg.h): all 0 but
 * word 6, the object and LOG_CPU_NONE (type 0 is a lock's ACQ).  Once its
 * id is known (log_register takes the id after obj_clear, so that the
 * id table never names a half-cleared object). */
static void ring_prefill(struct log_obj *o)
{
	for (uint32_t i = 0; i <= o->ring_mask; i++)
		log_store_word(&o->ring[i].obj, log_event_word6(o->id, 0, LOG_CPU_NONE));
}

static void obj_clear(struct log_obj *o, const struct log_type *t)
{
	o->count = 0;
	o->holder_word = 0;
	o->sync[0] = o->sync[1] = 0;
	o->hash = o->name_hash;
	__builtin_memset(o->state, 0, sizeof o->state);
	if (t->init)
		t->init(o->state);
	o->ck_seq = 0;
	o->ck_next = o->ring_mask + 1;
	o->plain_until = 0;
	o->dirty_until = 0;
	o->ck_hash = o->hash;
	__builtin_memcpy(o->ck_state, o->state, sizeof o->state);
	__builtin_memset(o->ring, 0, ring_bytes(o));
	rec_free(o);
	o->rec_on = log_record_order;
	o->oracle_data = 0;
	o->stream_id = 0;
	o->type = t;
}

/* Append to the registry's log (under reg_lock), then hold its replayed
 * state against the tables: they must agree on the live set. */
static void reg_event(uint8_t type, uint32_t id, uint64_t arg)
{
	log_append(reg, type, id, arg);
	const struct log_reg_state *s = log_state(reg);
	if (s->live != nlive || s->set != live_set)
		reg_panic(
			"log: registry log says %lu live objects (set %016lx), the table has %u "
			"(set %016lx)",
			(unsigned long)s->live, (unsigned long)s->set, nlive,
			(unsigned long)live_set);
}

static struct log_obj *obj_new(const struct log_type *t, const char *name, uint32_t ring_size)
{
	struct log_obj *o = mem_alloc(sizeof *o);
	struct log_event *ring = mem_alloc(ring_size * sizeof(struct log_event));
	if (!o || !ring)
		reg_panic("log: no memory for object %s", name);
	o->ring = ring;
	o->ring_mask = ring_size - 1;
	unsigned i = 0;
	for (; name[i]; i++)
		o->name[i] = name[i];
	o->name[i] = 0;
	o->name_hash = log_hash_name(o->name);
	obj_clear(o, t);
	o->id = id_take(o);
	ring_prefill(o);
	if (log_stream_on)
		log_stream_reg(o);
	name_insert(o);
	nlive++;
	live_set += log_reg_term(o->id);
	return o;
}

static void obj_drop(struct log_obj *o)
{
	if (log_stream_on)
		log_stream_unreg(o);
	name_remove(o);
	nlive--;
	live_set -= log_reg_term(o->id);
	id_put(o->id);
	rec_free(o);
	mem_free(o->ring, ring_bytes(o));
	mem_free(o, sizeof *o);
}

/* First use: the tables and the registry object (id 0, its own first REG). */
static void reg_init(void)
{
	if (reg)
		return;
	types_check_unique();
	ids_resize(ID_MIN);
	names_resize(NAME_MIN);
	reg = obj_new(&log_registry_type, LOG_REGISTRY_NAME, LOG_RING_DEFAULT);
	reg->keep = true;
	reg_event(LOG_REG, reg->id, reg->name_hash);
}

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
	reg_lock();
	reg_init();
	if (name_lookup(name, log_hash_name(name)))
		reg_panic("log: object %s registered twice", name);
	struct log_obj *o = obj_new(t, name, ring_size);
	reg_event(LOG_REG, o->id, o->name_hash);
	reg_unlock();
	return o;
}

void log_unregister(struct log_obj *o)
{
	reg_lock();
	if (o->id >= id_top || ids[o->id] != o)
		reg_panic("log: unregistering %s, which is not registered", o->name);
	if (o == reg)
		reg_panic("log: the registry cannot be unregistered");
	uint32_t id = o->id;
	uint64_t fin = log_final_digest(o);
	obj_drop(o);
	reg_event(LOG_UNREG, id, fin);
	reg_unlock();
}

void log_keep_registered(void)
{
	reg_lock();
	reg_init();
	for (uint32_t i = 0; i < id_top; i++)
		if (ids[i])
			ids[i]->keep = true;
	reg_unlock();
}

void log_reset(void)
{
	reg_lock();
	reg_init();
	for (uint32_t i = id_top; i-- > 0;)
		if (ids[i] && !ids[i]->keep)
			obj_drop(ids[i]);
	if (log_stream_on)
		log_rec_sync(reg); /* the events of its log so far, before it restarts */
	obj_clear(reg, &log_registry_type);
	ring_prefill(reg);
	if (log_stream_on)
		log_stream_reg(reg); /* its log starts again: a new object for the stream */
	uint64_t live = nlive, set = live_set;
	nlive = 0; /* counted back up by the REGs below, as reg_event checks */
	live_set = 0;
	for (uint32_t i = 0; i < id_top; i++)
		if (ids[i]) {
			nlive++;
			live_set += log_reg_term(i);
			reg_event(LOG_REG, i, ids[i]->name_hash);
		}
	if (nlive != live || live_set != set)
		reg_panic("log: reset lost track of the kept objects");
	reg_unlock();
}

struct log_obj *log_find(const char *name)
{
	reg_lock();
	reg_init();
	struct log_obj *o = name_lookup(name, log_hash_name(name));
	reg_unlock();
	return o;
}

void log_each(void (*fn)(struct log_obj *, void *), void *arg)
{
	reg_lock();
	reg_init();
	for (uint32_t i = 0; i < id_top; i++)
		if (ids[i])
			fn(ids[i], arg);
	reg_unlock();
}

struct log_obj *log_obj_at(unsigned id)
{
	reg_lock();
	reg_init();
	struct log_obj *o = id < id_top ? ids[id] : 0;
	reg_unlock();
	return o;
}

unsigned log_nobjs(void)
{
	return id_top;
}

unsigned log_nlive(void)
{
	return nlive;
}

/* ------------------------------------------------------------------ */
/* Appending. */

static void rec_grow(struct log_obj *o)
{
	struct log_rec_chunk *n = plat_alloc(sizeof *n);
	if (!n)
		plat_panic("log: no memory for the recording of %s", o->name);
	AO_fetch_and_add(&rec_in_use, (AO_t)sizeof *n);
	n->next = 0;
	if (o->rec_tail)
		o->rec_tail->next = n;
	else
		o->rec_head = n;
	o->rec_tail = n;
	o->rec_next = n->w;
	o->rec_end = n->w + LOG_REC_CHUNK;
}

void log_rec_sync(struct log_obj *o)
{
	uint64_t s = o->rec_events, to = o->count;
	if (!o->rec_on || s < log_first(o))
		return; /* a gap: events left the ring unrecorded */
	/* In stretches that neither wrap the ring nor fill the chunk, with
	 * everything in registers: the word stores cannot touch o. */
	const struct log_event *ring = o->ring;
	uint64_t mask = o->ring_mask;
	while (s < to) {
		if (plat_unlikely(o->rec_next == o->rec_end))
			rec_grow(o);
		uint64_t *w = o->rec_next;
		uint64_t n = to - s, wrap = mask + 1 - (s & mask), room = (uint64_t)(o->rec_end - w);
		n = n < wrap ? n : wrap;
		n = n < room ? n : room;
		const struct log_event *e = &ring[s & mask];
#pragma GCC unroll 4
		for (uint64_t i = 0; i < n; i++)
			w[i] = log_event_word(&e[i]);
		o->rec_next = w + n;
		if (log_stream_on)
			log_stream_words(o, s, w, n);
		s += n;
	}
	o->rec_events = s;
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
	if (log_record_order & o->rec_on)
		log_rec_sync(o); /* the ring's events, before their slots are reused */
	if (log_slow.check_mode)
		log_verify(o);
	o->ck_seq = o->count;
	o->ck_next = o->ck_seq + o->ring_mask + 1;
	o->plain_until = 0;
	o->ck_hash = o->hash;
	__builtin_memcpy(o->ck_state, o->state, o->type->state_size);
}

void log_appended_rare(struct log_obj *o, const struct log_event *e)
{
	/* The registry's events are not shown to the oracle: registration is
	 * no event point (log.h), and replay compares its count and final
	 * hash at the end like any object's. */
	if (o != reg)
		oracle_appended(o, e);
	if (log_slow.check_mode)
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
		if (e->seq != q)
			plat_panic("log check: %s slot for seq %lu holds seq %lu", o->name,
				   (unsigned long)q, (unsigned long)e->seq);
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

uint64_t log_mem_bytes(void)
{
	reg_lock();
	reg_init();
	uint64_t b = AO_load(&mem_in_use) + AO_load(&rec_in_use);
	reg_unlock();
	return b;
}

uint64_t log_rec_mem_bytes(void)
{
	return AO_load(&rec_in_use);
}

uint64_t log_mem_bytes_objects(void)
{
	reg_lock();
	reg_init();
	uint64_t b = AO_load(&mem_in_use);
	reg_unlock();
	return b;
}

void log_print_event(const struct log_obj *o, const struct log_event *e)
{
	plat_printf("%s %lu cpu %u thread %u %s %lx %lx hash %016lx\n", o->name,
		    (unsigned long)e->seq, e->cpu, e->thread, log_type_event_name(o->type, e->type),
		    (unsigned long)e->arg0, (unsigned long)e->arg1, (unsigned long)e->hash);
}

/* ------------------------------------------------------------------ */
/* Digest and summary. */

/* One object's term of the digest. */
static uint64_t digest_term(const struct log_obj *o)
{
	uint64_t h = log_mix(log_mix(o->name_hash, o->count), o->hash);
	if (o->type->digest)
		h = log_mix(h, o->type->digest(o->state));
	return h;
}

/* The sum of every live object's term: independent of ids and of the order
 * objects were registered in, and computed without allocating or sorting,
 * so that a panic (out of memory, inside the registry) can still print it. */
static uint64_t digest_of_live(uint64_t *events)
{
	uint64_t h = 0, ev = 0;
	for (uint32_t i = 0; i < id_top; i++)
		if (ids[i]) {
			h += digest_term(ids[i]);
			ev += ids[i]->count;
		}
	*events = ev;
	return log_mix(h, nlive);
}

uint64_t log_digest(void)
{
	uint64_t events;
	reg_lock();
	reg_init();
	uint64_t h = digest_of_live(&events);
	reg_unlock();
	return h;
}

/* Also on the panic path: if the registry stays locked (the panicking CPU
 * held it), read it anyway rather than hang. */
void log_summary(void)
{
	unsigned spins = 0;
	bool locked;
	while (!(locked = AO_compare_and_swap_full(&reg_lock_word, 0, 1)) && spins++ < 1000000)
		plat_relax();
	/* Not reg_init: a run that ends before log memory exists (an early
	 * panic) has no objects, and allocating here would fail again. */
	uint64_t events = 0, h = 0;
	if (reg)
		h = digest_of_live(&events);
	unsigned n = nlive;
	if (locked)
		reg_unlock();
	plat_printf("logs: %u objects, %lu events, digest %016lx\n", n, (unsigned long)events,
		    (unsigned long)h);
}
