/*
 * logset.h - a recorded set of logs: what replay enforces and what a trace
 * file will carry (the trace helper serializes exactly these structures).
 *
 * Per object: symbolic name and type name (stable across rebuilds), the
 * event count and final chain hash, the checkpoint, the window of full
 * events still in the ring, and the whole-run order stream (who performed
 * each event, run-length encoded).  Pointers are into memory owned by the
 * set; a serializer writes the arrays after a table of these headers.
 */
#ifndef LOG_LOGSET_H
#define LOG_LOGSET_H

#include "log/log.h"

struct log_objrec {
	char name[LOG_NAME_MAX];
	const struct log_type *type;
	uint64_t count;       /* events in the whole run */
	uint64_t hash;        /* chain hash after the last event */
	uint64_t ck_seq;      /* checkpoint: state after ck_seq events */
	uint64_t ck_hash;
	uint8_t ck_state[LOG_STATE_MAX];
	uint64_t first;       /* seq of events[0] */
	uint32_t nevents;     /* window of full events: first .. first+nevents-1 */
	struct log_event *events;
	struct log_order_chunk *order; /* NULL if the order was not recorded */
	uint64_t order_runs;
};

struct log_set {
	uint32_t nobjs;
	struct log_objrec objs[LOG_MAX_OBJS];
};

/* Copy every live object into `set` (memory from plat_alloc). */
void log_snapshot(struct log_set *set);
const struct log_objrec *log_set_find(const struct log_set *set, const char *name);

#endif
