/*
 * type.h - one row of the shared-object type table.
 *
 * Each object type (ticket lock, MCS lock, counter, channel, ...) is
 * described in ONE place by a const struct log_type next to the code that
 * owns it: the shape of its state, the names of its events, the pure replay
 * function and its invariants.  The object's state is by definition
 * apply(apply(init, e0), e1)...; the core keeps it cached and, in check
 * mode, recomputes it from the last checkpoint after every operation.
 * log_types[] (types.c) lists every type so a trace loader can map a type
 * name back to its row.
 */
#ifndef LOG_TYPE_H
#define LOG_TYPE_H

#include <stdint.h>
#include "log/event.h"

#define LOG_STATE_MAX 128 /* bytes of replayed state per object */

struct log_type {
	const char *name;          /* "tlock", "mcs", "counter", ... */
	uint32_t state_size;       /* <= LOG_STATE_MAX */
	const char *const *events; /* events[type] = event name */
	uint32_t nevents;
	/* state := initial state (the core has zeroed it). May be NULL. */
	void (*init)(void *state);
	/* Pure: state := state after ev.  Returns NULL, or what ev violates. */
	const char *(*apply)(void *state, const struct log_event *ev);
	/* Invariant of a state; NULL when it holds.  May be NULL. */
	const char *(*check)(const void *state);
};

const char *log_type_event_name(const struct log_type *t, uint8_t type);
const struct log_type *log_type_find(const char *name);

#endif
