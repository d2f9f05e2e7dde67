/*
 * logset.h - a recorded set of logs: what replay enforces and what a trace
 * file carries (the trace code serializes exactly these structures).
 *
 * Per object: symbolic name and type name (stable across rebuilds), its
 * registry id in the recorded run (events carry it), the event count and
 * final chain hash, the checkpoint, the window of full events still in the
 * ring, and the whole-run order stream (who performed each event,
 * run-length encoded).  Pointers are into memory owned by the set; a
 * serializer writes the arrays after a table of these headers.
 */
#ifndef LOG_LOGSET_H
#define LOG_LOGSET_H

#include "log/log.h"

struct log_objrec {
	char name[LOG_NAME_MAX];
	const struct log_type *type;
	uint32_t id;      /* registry id when recorded: the events' obj */
	uint32_t nevents; /* window of full events: first .. first+nevents-1 */
	uint64_t count;   /* events in the whole run */
	uint64_t hash;    /* chain hash after the last event */
	uint64_t ck_seq;  /* checkpoint: state after ck_seq events */
	uint64_t ck_hash;
	uint64_t ck_digest; /* type->digest(ck_state), 0 if the type has none */
	uint8_t ck_state[LOG_STATE_MAX];
	uint64_t first; /* seq of events[0] */
	struct log_event *events;
	struct log_order_chunk *order; /* NULL if the order was not recorded */
	uint64_t order_runs;
	/* With the order: the short hash of every event, count of them in
	 * chunks; NULL if not recorded (a format 3.0 trace). */
	struct log_sh_chunk *shash;
};

/* objs[nobjs], allocated for the count (a snapshot, a loaded trace). */
struct log_set {
	uint32_t nobjs;
	struct log_objrec *objs;
};

/* Copy every live object into `set`, in id order (memory from plat_alloc;
 * the previous contents of `set` are not freed: see log_set_free). */
void log_snapshot(struct log_set *set);
/* Give back a snapshot's memory (plat_free); the set is then empty. */
void log_set_free(struct log_set *set);
const struct log_objrec *log_set_find(const struct log_set *set, const char *name);

/* Short hashes in sequence (chunks of LOG_SH_CHUNK, the last one partial). */
struct log_sh_cursor {
	const struct log_sh_chunk *chunk;
	uint32_t idx;
};
static inline void log_sh_begin(struct log_sh_cursor *c, const struct log_sh_chunk *head)
{
	c->chunk = head;
	c->idx = 0;
}
/* The next short hash into *h; false at the end. */
static inline bool log_sh_next(struct log_sh_cursor *c, uint16_t *h)
{
	while (c->chunk && c->idx >= c->chunk->n) {
		c->chunk = c->chunk->next;
		c->idx = 0;
	}
	if (!c->chunk)
		return false;
	*h = c->chunk->h[c->idx++];
	return true;
}

#endif
