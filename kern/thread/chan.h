/*
 * chan.h - synchronous IPC channels (mCertiKOS syncsendto_chan_pre/post,
 * syncreceive_chan, is_chan_ready), as log-backed objects.
 *
 * A channel has one message slot.  Its state is the replay of its log:
 *
 *            SEND(n|sender<<32, digest)        RECV(copied|receiver<<32, digest)
 *     IDLE ---------------------------> FULL --------------------------------> DONE
 *      ^                                                                         |
 *      +------------------------------- ACK(sender, copied) ---------------------+
 *
 *   (phase, sender) tuples:  (IDLE,-) -> (FULL,s) -> (DONE,s) -> (IDLE,-)
 *
 * A send is one critical section of the channel's big lock with two events
 * and a sleep in between: SEND, then release-and-sleep (cond_wait) until the
 * receiver has copied, then ACK.  So a send returns only after the receiver
 * has the words (synchronous), and the next sender enters only after ACK.
 * The payload stays in the sender's memory; the events carry its digest
 * (SEND: the words offered, RECV: the words copied), so the log proves what
 * was copied: replay recomputes both, and apply() rejects a RECV whose
 * digest differs from the SEND's for the same length.
 *
 * Messages are at most CHAN_MAX_WORDS 32-bit words; a longer send is cut
 * to that (the seed's MAX_BUFFSIZE); a receive copies min(sent, its room).
 * A channel belongs to a receiver thread (its owner): sending to a channel
 * whose owner is gone gives E_INVAL_PID, to an id out of range E_INVAL_CHID.
 */
#ifndef THREAD_CHAN_H
#define THREAD_CHAN_H

#include <stdbool.h>
#include <stdint.h>

#include "lock/biglock.h"
#include "thread/cond.h"

#include "thread/chan_log.h"

#define CHAN_NAME_MAX 24

struct chan {
	struct biglock big;
	struct cond senders;  /* wait for IDLE */
	struct cond receiver; /* wait for FULL */
	struct cond done;     /* the sender in the slot waits for DONE */
	const uint32_t *buf;  /* the sender's words while FULL */
	uint32_t owner;       /* receiving thread's id */
	uint32_t id;
	uint64_t blocked; /* sends and receives that had to sleep (contention report) */
	char name[CHAN_NAME_MAX];
};

/* Create channel `id` (0 .. CHAN_MAX-1) owned by `owner`; -E_INVAL_CHID if
 * out of range or taken, -E_MEM without memory. */
#define CHAN_MAX 16384
int chan_create(uint32_t id, uint32_t owner);
/*
 * Process channels (ids 1..63, the receiving process's pid) live on while
 * their pid is reused: chan_open() creates channel `id` with owner 0 (alive
 * until closed) or reopens it after a close (OPEN event); -E_INVAL_CHID if
 * it is open.  chan_close() fails the waiters and every later send (CLOSE),
 * but keeps the channel: a waiter may still be leaving its lock.  A send
 * that began before a reopen fails instead of reaching the new owner.
 */
int chan_open(uint32_t id);
int chan_close(uint32_t id);
/* Destroy it (wakes and fails anyone still waiting); its log is freed. */
void chan_destroy(uint32_t id);
struct chan *chan_get(uint32_t id);

/* Blocking send: words copied by the receiver (>= 0) or -E_INVAL_CHID,
 * -E_INVAL_PID (owner gone or channel closed). */
int chan_send(uint32_t id, const uint32_t *buf, uint32_t n);
/* Blocking receive into buf (room for max words): words copied, or an error. */
int chan_recv(uint32_t id, uint32_t *buf, uint32_t max);
/* 1 if a message waits in the slot, 0 if not, -E_INVAL_CHID. */
int chan_ready(uint32_t id);
/* Print every channel (monitor `chans`). */
void chan_list(void);
unsigned chan_count(void);

#endif
