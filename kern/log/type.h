/*
 * type.h - one row of the shared-object type table.
 *
 * Each object type (ticket lock, MCS lock, counter, channel, ...) is
 * described in ONE place by a const struct log_type next to the code that
 * owns it: the shape of its state, the names of its events, the pure replay
 * function and its invariants.  The object's state is by definition
 * apply(apply(init, e0), e1)...; the core keeps it cached and, in check
 * mode, recomputes it from the last checkpoint after every operation.
 *
 * LOG_TYPE_REGISTER(row) next to the row puts a pointer to it in the
 * `log_types` linker section, which log_type_find() searches, so that a
 * trace loader can map a type name back to its row: a new object type
 * edits no core file.  The kernel's linker script collects the section
 * (kern/boot/kernel.ld); on the host the linker's __start_/__stop_ symbols
 * bound it.  A row is in a program only if its object file is linked: the
 * host links the core with --whole-archive for that reason (host/host.mk).
 */
#ifndef LOG_TYPE_H
#define LOG_TYPE_H

#include <stdbool.h>
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
	/* Optional: one word standing for a state, for a type whose state
	 * summarizes data kept outside the log (a table, a payload; events
	 * carry only digests of it).  A checkpoint records it next to the
	 * state (log_objrec.ck_digest, in traces), and log_digest() covers it,
	 * so that two runs compare on it without a type-specific walk. */
	uint64_t (*digest)(const void *state);
	/* Its objects are locks: each event is an acquisition, released by
	 * the CPU that made it (a snapshot's rel_cpu, log_snapshot). */
	bool released_by_actor;
};

#define LOG_TYPE_SECTION "log_types"
#define LOG_TYPE_CAT_(a, b) a##b
#define LOG_TYPE_CAT(a, b) LOG_TYPE_CAT_(a, b)
/* Make `row` (a struct log_type defined in this file, static or not)
 * known to log_type_find().  One line after the row's definition. */
#define LOG_TYPE_REGISTER(row)                                                                     \
	static const struct log_type *const LOG_TYPE_CAT(log_type_entry_, row)                     \
		__attribute__((used, section(LOG_TYPE_SECTION), aligned(sizeof(void *)))) = &(row)

const char *log_type_event_name(const struct log_type *t, uint8_t type);
/* The registered row named `name`, or NULL. */
const struct log_type *log_type_find(const char *name);
/* Every registered row, in link order: *n rows from the returned array. */
const struct log_type *const *log_type_all(unsigned *n);

#endif
