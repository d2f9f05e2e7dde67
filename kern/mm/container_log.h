/*
 * container_log.h - a container's events and replayed state (container.h).
 * Portable: no kernel header.
 */
#ifndef MM_CONTAINER_LOG_H
#define MM_CONTAINER_LOG_H

#include <stdint.h>

#include "log/type.h"

#define CONTAINER_MAX_CHILDREN 16 /* live at once; a child slot is reused once freed */

/* DESTROY: the container is gone but its log lives on, dormant, for the
 * next INIT of the same id (during a whole-run recording or replay, whose
 * trace must hold every object a run ever appended to). */
enum container_event { CT_INIT, CT_SPLIT, CT_ALLOC, CT_FREE, CT_RECLAIM, CT_DESTROY };

struct container_state {
	uint64_t quota, usage, childq;
	uint32_t parent, nchildren; /* children made so far */
	uint32_t live_children;
	uint32_t slots; /* bit k: child slot k (id parent * MAX_CHILDREN + 1 + k) is live */
	uint32_t inits, dead;
};

extern const struct log_type container_log_type;

#endif
