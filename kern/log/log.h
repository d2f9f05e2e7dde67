/*
 * log.h - the object registry and per-object event logs.
 *
 * Every piece of state more than one CPU touches is an object with a log.
 * An object's log lives in a bounded ring plus one checkpoint:
 *
 *     ck_state/ck_hash          ring (size N, slot = seq % N)
 *     (state after ck_seq       [ev ck_seq] [ev ck_seq+1] ... [ev count-1]
 *      events)
 *
 * Before an append would overwrite an event the checkpoint does not cover,
 * the cached state becomes the new checkpoint; so no event is ever dropped
 * without a checkpoint covering it and memory per object is fixed.
 * Separately, an optional "order stream" keeps, for the whole run, who
 * (cpu, thread) performed each event, run-length encoded: that is all a
 * replay needs to enforce (see ARCHITECTURE.md "Schedule versus log").
 *
 * The registry: objects are records allocated from the platform
 * (plat_alloc) with their rings, and given back (plat_free) when they are
 * unregistered, so memory follows the live set.  An object has a 32-bit id
 * (the lowest free one when it is registered: the same program gets the
 * same ids) and a name, found through a hash table keyed by the name's
 * hash.  The registry is itself a logged object, "registry" (id 0): every
 * registration appends REG(id, name hash) to it and every unregistration
 * UNREG(id, final chain hash mixed with the count), so the digest of a run
 * covers the objects destroyed before its end.
 *
 * Concurrency: appends to one object must be serialized by the caller
 * (locks append while holding themselves; big-lock objects append under
 * their lock).  The registry functions take the registry's own spin lock
 * (not an event point: the order of registrations racing on several CPUs
 * is not enforced by replay, only checked at its end).
 */
#ifndef LOG_LOG_H
#define LOG_LOG_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <atomic_ops.h>
#include "log/event.h"
#include "log/type.h"
#include "log/hash.h"
#include "log/stream.h"
#include "oracle/oracle.h"

#define LOG_NAME_MAX 32
#define LOG_RING_DEFAULT 64
#define LOG_ORDER_CHUNK 510 /* runs per 4 KiB chunk */

/* One run of consecutive events by the same (cpu, thread). */
struct log_order_run {
	uint32_t thread;
	uint8_t cpu;
	uint8_t pad;
	uint16_t count; /* 1..65535 */
};

struct log_order_chunk {
	struct log_order_chunk *next;
	uint32_t n;
	uint32_t pad;
	struct log_order_run runs[LOG_ORDER_CHUNK];
};
_Static_assert(sizeof(struct log_order_chunk) == 4096, "order chunk is one page");

/* Short hashes: for every event of the order stream, the low 16 bits of its
 * chained hash (log_short_hash), so that a replay checks every event of the
 * run, not only the kept window's (docs/trace-format.md, SHSH). */
#define LOG_SH_CHUNK 2040 /* hashes per 4 KiB chunk */
struct log_sh_chunk {
	struct log_sh_chunk *next;
	uint32_t n;
	uint32_t pad;
	uint16_t h[LOG_SH_CHUNK];
};
_Static_assert(sizeof(struct log_sh_chunk) == 4096, "short hash chunk is one page");

static inline uint16_t log_short_hash(uint64_t chain_hash)
{
	return (uint16_t)chain_hash;
}

/*
 * What a recording keeps of each event: one word, who performed it and its
 * short hash (log_event_word), in page-sized chunks.  Appends record
 * nothing: the ring holds the same, so each checkpoint (before the ring's
 * slots are reused) copies the ring's events into words (log_rec_sync).
 * The run-length order stream and the short-hash list a trace holds are
 * made from the words and the ring's events since when a trace is written
 * (log_snapshot, which changes no object).
 */
#define LOG_REC_CHUNK 511 /* words per 4 KiB chunk */
struct log_rec_chunk {
	struct log_rec_chunk *next;
	uint64_t w[LOG_REC_CHUNK];
};
_Static_assert(sizeof(struct log_rec_chunk) == 4096, "record chunk is one page");

/* The word of event e (from its ring: the recording, the snapshot, the
 * stream's end): its word 5 (thread | cpu << 32, as the appender wrote it)
 * with the short hash of its chained hash. */
static inline uint64_t log_event_word(const struct log_event *e)
{
	uint64_t w;
	__builtin_memcpy(&w, &e->thread, sizeof w);
	return w | (uint64_t)log_short_hash(e->hash) << 48;
}
static inline uint32_t log_rec_thread(uint64_t w)
{
	return (uint32_t)w;
}
static inline uint8_t log_rec_cpu(uint64_t w)
{
	return (uint8_t)(w >> 32);
}
static inline uint16_t log_rec_short_hash(uint64_t w)
{
	return (uint16_t)(w >> 48);
}

struct log_obj {
	/* Hot: what an append writes, written only by the appender (who has
	 * exclusion).  With a small state (a lock has none) it is all one
	 * cache line, and that line also holds the object's synchronization
	 * words (a ticket lock's next/owner) and holder: a lock hand-off moves
	 * this one line (plus the protected data), as a plain ticket lock
	 * moves its lock word. */
	uint64_t count; /* events appended so far == next seq */
	uint64_t hash;  /* chain hash after the last event */
	/* For the object's lock, if it is one (ticket lock: next, owner);
	 * not logged, not replayed; zero at registration. */
	volatile AO_t sync[2];
	/* Objects held exclusively (the locks): holding CPU + 1, 0 = free;
	 * hold_bits: which way the holder's release goes (lockdbg.h,
	 * LOCK_HOLD_GENERAL), 0 whenever the lock is free.  One 32-bit word
	 * (16 bits used; 32 so that storing 0 is one instruction, where a
	 * 16-bit immediate store is not: 3% of an MCS acquire + release),
	 * written once per acquisition and once per release, so that a lock's
	 * plain release checks "held by me, plain" with one compare.  Debug
	 * state, not replayed. */
	union {
		struct {
			volatile uint8_t holder;
			uint8_t hold_bits;
		};
		volatile uint32_t holder_word;
	};
	uint8_t state[LOG_STATE_MAX] __attribute__((aligned(8))); /* cached replayed state */

	/* Read-mostly (an append reads them; ck_next changes at checkpoints):
	 * their own line, shared by every CPU without moving. */
	struct log_event *ring __attribute__((aligned(64))); /* ring_mask + 1 slots */
	uint64_t ck_next; /* == ck_seq + ring_mask + 1: the append that must checkpoint first */
	/* A lock's plain path (lockdbg.h) may append event seq only while
	 * seq < plain_until: at most ck_next and the next sampled seq, and
	 * every slot it will reuse below it holds what the plain path leaves
	 * unwritten (lockdbg_plain_window).  0 (take the general path) at
	 * registration and at each checkpoint. */
	uint64_t plain_until;
	/* A lock's ring may hold a slot the plain path cannot reuse as it is
	 * (a timed event's) below this seq; none at or above it. */
	uint64_t dirty_until;
	uint32_t ring_mask;
	uint32_t id; /* registry id, stable while registered */
	const struct log_type *type;

	/* The checkpoint: state and hash after the first ck_seq events. */
	uint64_t ck_seq;
	uint64_t ck_hash;
	uint8_t ck_state[LOG_STATE_MAX] __attribute__((aligned(8)));

	uint64_t name_hash; /* chain seed and hash table key */
	char name[LOG_NAME_MAX];
	bool keep; /* survives log_reset (log_keep_registered, the registry) */

	/* The recording (only while log_record_order): a word per event
	 * (log_event_word) in a chunk list, events [0, rec_events); rec_next,
	 * rec_end: the tail chunk's next free word and its end (both 0 before
	 * the first).  A recording starts only with the object's first event
	 * (the object registered while recording: rec_on) and stops at a gap
	 * (recording off at a checkpoint, so that events left the ring
	 * unrecorded): only one without a gap is a true record of the order. */
	struct log_rec_chunk *rec_head, *rec_tail;
	uint64_t *rec_next, *rec_end;
	uint64_t rec_events;
	bool rec_on; /* log_record_order when the object was registered */
	/* Its number in the live stream (kern/log/stream.h), 0 = none:
	 * unlike ids, never reused within a stream. */
	uint32_t stream_id;

	void *oracle_data; /* reserved for the active oracle (replay: its per-object state) */
} __attribute__((aligned(64)));
_Static_assert(offsetof(struct log_obj, state) + 16 <= 64,
	       "hot fields, sync words and a lock's state share a line");
/* Ten thousand objects: eight records per 4 KiB page (the kernel's
 * allocator has a 512-byte class). */
_Static_assert(sizeof(struct log_obj) <= 512, "an object record is at most 512 bytes");

/* The registry's own log (type "registry", object "registry", id 0). */
enum log_reg_event { LOG_REG, LOG_UNREG };
struct log_reg_state {
	uint64_t live;   /* objects registered and not yet unregistered */
	uint64_t regs;   /* REG events */
	uint64_t unregs; /* UNREG events */
	uint64_t set;    /* sum of log_reg_term(id) over the live ids */
};
extern const struct log_type log_registry_type;
#define LOG_REGISTRY_NAME "registry"

/* One live id's share of log_reg_state.set (a sum, so an UNREG takes back
 * exactly what the REG put in, whatever happened in between). */
static inline uint64_t log_reg_term(uint64_t id)
{
	return log_mix(0x6c6f672d72656731ull, id);
}

/* What an UNREG records of the object's log: its final chain hash and
 * event count, in one word. */
static inline uint64_t log_final_digest(const struct log_obj *o)
{
	return log_mix(o->hash, o->count);
}

/* Record o's events still only in its ring (log_checkpoint, before the
 * ring's slots are reused; the stream's REG and UNREG).  The caller has
 * o's exclusion. */
void log_rec_sync(struct log_obj *o);

/* Runtime switches. */
/*
 * Why the fast paths (the locks' plain path, lockdbg.h) must not be taken:
 * a byte per reason, in one word, so that a fast path tests every reason
 * with one compare (three separate flags and the oracle pointer were four
 * loads and compares on each side of an uncontended lock).  Options and
 * tests set the bytes directly; oracle_start and oracle_stop keep
 * oracle_not_hw.
 */
union log_slow {
	struct {
		bool check_mode;     /* recompute and compare state after every append */
		bool lock_time_all;  /* time every lock acquisition (lockdbg.h) */
		bool lock_plain_off; /* test knob: every lock operation takes the general path */
		bool oracle_not_hw;  /* the oracle watches every event (script, replay) */
	};
	uint32_t any;
};
extern union log_slow log_slow;
extern bool log_record_order; /* record who performed every event of every object */
/* A whole-run recording or replay: an object type whose instances come and
 * go (containers) keeps a destroyed one's log dormant for the next object of
 * that name, since a trace holds the logs alive at its end. */
extern bool log_whole_run;

/*
 * Register an object.  ring_size: power of two >= 2*PLAT_MAX_CPUS is safest
 * for locks; 0 means LOG_RING_DEFAULT.  Panics on a duplicate live name, a
 * name longer than LOG_NAME_MAX - 1, or no memory.
 */
struct log_obj *log_register(const struct log_type *t, const char *name, uint32_t ring_size);
/* The object leaves the registry: its id is free again and its memory goes
 * back to the platform (the pointer is dead). */
void log_unregister(struct log_obj *o);
/* Objects registered so far survive log_reset (the kernel's own: run queues...). */
void log_keep_registered(void);
/*
 * A new run: unregister every object but the kept ones (their memory goes
 * back, with no UNREG events) and restart the registry's log with one REG
 * per kept object in id order, so that the same program after a reset
 * gives the same logs and digest whatever ran before.
 */
void log_reset(void);
struct log_obj *log_find(const char *name); /* O(1) on average */
/* fn(o, arg) for every live object, under the registry's lock: fn must not
 * register, unregister or look up objects. */
void log_each(void (*fn)(struct log_obj *, void *), void *arg);
struct log_obj *log_obj_at(unsigned id); /* NULL if not live */
unsigned log_nobjs(void);                /* ids are below log_nobjs(); some may be free */
unsigned log_nlive(void);                /* live objects, the registry included */

/*
 * Append one event of `type` by the calling CPU/thread, apply it to the
 * cached state (panicking on an invariant violation), show it to the oracle
 * and, in check mode, verify the object.  Returns the ring slot so that the
 * caller may fill the display-only fields (wait, hold, rel_cpu).
 */
struct log_event *log_append(struct log_obj *o, uint8_t type, uint64_t arg0, uint64_t arg1);
/* The same with the display time stamp given by the caller (a lock reuses
 * the one it took anyway, or passes 0: "not timed", see lockdbg.h). */
struct log_event *log_append_at(struct log_obj *o, uint8_t type, uint64_t arg0, uint64_t arg1,
				uint64_t ts);

/* Out of line parts of log_append_inline: rare, or the error path.  cold:
 * kept away from the fast path's code and register allocation. */
__attribute__((cold)) void log_checkpoint(struct log_obj *o);
__attribute__((cold)) void log_appended_rare(struct log_obj *o, const struct log_event *e);
__attribute__((cold)) _Noreturn void log_apply_failed(const struct log_obj *o,
						      const struct log_event *e, const char *why);

/*
 * log_append_at as a straight line for callers that know the object's type
 * (the locks): `apply` must be o->type->apply, passed as a constant so that
 * it is a direct, inlinable call.  Every rare case (checkpoint due, check
 * mode, order stream, an oracle watching appends) leaves through one
 * unlikely branch each, to the out-of-line code, in log_append's order:
 * apply, order stream, oracle, check mode.
 */
/* One aligned 8-byte store of w at p (an event's field packed with its
 * neighbours, see log_append_inline); memcpy keeps it free of aliasing
 * questions and compiles to a single mov. */
static inline void log_store_word(void *p, uint64_t w)
{
	__builtin_memcpy(p, &w, sizeof w);
}

/*
 * LOG_OFF (make LOG=off; docs/record-replay.md, "Cost"): logging compiled
 * out, the baseline a recording's cost is measured against.  The object's
 * state still moves only through its type's apply(), so the kernel works
 * as before, but nothing is kept: no chained hash, no event history (every
 * event is built in the ring's slot 0), no checkpoint, no order stream,
 * short hash or live stream.  Only oracle=hw makes sense there.
 */
static inline __attribute__((always_inline)) struct log_event *
log_append_inline(struct log_obj *o, uint8_t type, uint64_t arg0, uint64_t arg1, uint64_t ts,
		  const char *(*apply)(void *, const struct log_event *))
{
	uint64_t seq = o->count;
#ifndef LOG_OFF
	/* The slot about to be reused holds event seq - N: checkpoint first if
	 * the checkpoint does not cover it yet. */
	if (plat_unlikely(seq >= o->ck_next))
		log_checkpoint(o);
	struct log_event *e = &o->ring[seq & o->ring_mask];
#else
	struct log_event *e = &o->ring[0];
#endif
	uint64_t actor = plat_actor_word(); /* thread | cpu << 32 */
#ifndef LOG_OFF
	uint64_t h = log_hash_actor(o->hash, seq, actor, type, arg0, arg1);
	/* The event is built in registers and written as the line's eight
	 * 8-byte words in struct order (offsets asserted in event.h): hash,
	 * arg0, arg1, ts, seq, the actor word (thread, cpu),
	 * obj|type|rel_cpu (LOG_CPU_NONE), wait|hold (0); the hash from
	 * registers, not read back. */
	e->hash = h;
#endif
	e->arg0 = arg0;
	e->arg1 = arg1;
	e->ts = ts;
	e->seq = seq;
	log_store_word(&e->thread, actor);
	log_store_word(&e->obj, log_event_word6(o->id, type, LOG_CPU_NONE));
	log_store_word(&e->wait, 0);
#ifndef LOG_OFF
	o->hash = h;
#endif
	o->count = seq + 1;

	const char *bad = apply(o->state, e);
	if (plat_unlikely(bad != 0))
		log_apply_failed(o, e, bad);
#ifndef LOG_OFF
	if (plat_unlikely(log_slow.check_mode | (oracle_cur->appended != 0)))
#else
	if (plat_unlikely(oracle_cur->appended != 0))
#endif
		log_appended_rare(o, e);
	return e;
}

static inline const void *log_state(const struct log_obj *o)
{
	return o->state;
}

/* The last event appended, if it is still in the ring, else NULL (racy
 * unless the caller has the object's exclusion: diagnostics only). */
static inline const struct log_event *log_last_event(const struct log_obj *o)
{
	uint64_t n = o->count;
	if (n == 0 || n <= o->ck_seq)
		return 0;
	return &o->ring[(n - 1) & o->ring_mask];
}

/* Event `seq` if it is still in the ring, else NULL. */
const struct log_event *log_event_at(const struct log_obj *o, uint64_t seq);
/* First seq still in the ring. */
uint64_t log_first(const struct log_obj *o);

/* Recompute state and hash from the checkpoint; panic showing both on mismatch. */
void log_verify(const struct log_obj *o);

/* Order stream: who performed event `seq` (sequential readers use a cursor). */
struct log_order_cursor {
	const struct log_order_chunk *chunk;
	uint32_t idx;    /* run index in chunk */
	uint32_t within; /* events already consumed from that run */
};
/* Inline: replay steps two cursors per event. */
static inline void log_order_begin(struct log_order_cursor *c, const struct log_order_chunk *head)
{
	c->chunk = head;
	c->idx = 0;
	c->within = 0;
}

/* Current run entry, or NULL at the end. */
static inline const struct log_order_run *log_order_peek(const struct log_order_cursor *c)
{
	if (!c->chunk || c->idx >= c->chunk->n)
		return 0;
	return &c->chunk->runs[c->idx];
}

static inline void log_order_next(struct log_order_cursor *c)
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

/* Bytes of log memory in use: object records, rings, order streams and the
 * registry's tables (which shrink again as objects go). */
uint64_t log_mem_bytes(void);
/* Of those, the recordings' (record=1): they grow with the run, since the
 * registry's recording holds every creation and destruction. */
uint64_t log_rec_mem_bytes(void);
/* The rest: the objects, rings, order streams and tables (one read, not
 * a difference of two counters another CPU may move in between). */
uint64_t log_mem_bytes_objects(void);

/* Print one event as a text line (stable text form). */
void log_print_event(const struct log_obj *o, const struct log_event *e);

/* One number summarizing every live object's (name, count, chain hash, and
 * the type's state digest if it has one): a sum of per-object terms, so it
 * does not depend on ids or registration order, and needs no memory (the
 * panic path prints it); the registry's chain covers the objects already
 * gone. */
uint64_t log_digest(void);
/* The end-of-run line tools rely on:
 * "logs: N objects, M events, digest XXXXXXXXXXXXXXXX". */
void log_summary(void);

#endif
