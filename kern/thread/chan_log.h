/*
 * chan_log.h - a channel's events and replayed state (protocol in chan.h).
 * Portable: no kernel header.
 */
#ifndef THREAD_CHAN_LOG_H
#define THREAD_CHAN_LOG_H

#include <stdint.h>

#include "log/type.h"

#define CHAN_MAX_WORDS 1024

enum chan_phase { CH_IDLE, CH_FULL, CH_DONE };
/* OPEN reopens a closed channel for a new owner (a process channel: its
 * pid was reused); `opens` counts them, so a sender from before can tell. */
enum chan_event { CH_SEND, CH_RECV, CH_ACK, CH_CLOSE, CH_OPEN };

struct chan_state {
	uint32_t phase;
	uint32_t sender;   /* tid in the slot (FULL, DONE) */
	uint32_t count;    /* words offered */
	uint32_t copied;   /* words the receiver took (DONE) */
	uint64_t digest;   /* of the words offered */
	uint64_t messages; /* completed (ACKed) */
	uint64_t words;    /* copied in completed messages */
	uint32_t closed;
	uint32_t opens;
};

extern const struct log_type chan_log_type;

#endif
