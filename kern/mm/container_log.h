/*
 * container_log.h - a container's events and replayed state (container.h).
 * Portable: no kernel header.
 */
#ifndef MM_CONTAINER_LOG_H
#define MM_CONTAINER_LOG_H

#include <stdint.h>

#include "log/type.h"

#define CONTAINER_MAX_CHILDREN 8

enum container_event { CT_INIT, CT_SPLIT, CT_ALLOC, CT_FREE, CT_RECLAIM };

struct container_state {
	uint64_t quota, usage, childq;
	uint32_t parent, nchildren; /* children made so far (ids are not reused) */
	uint32_t live_children, pad;
};

extern const struct log_type container_log_type;

#endif
