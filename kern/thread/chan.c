/*
 * chan.c - synchronous IPC channels (design and state machine in chan.h).
 */
#include "thread/chan.h"

#include "lib/kprintf.h"
#include "lib/printfmt.h"
#include "lib/spinlock.h"
#include "lib/string.h"
#include "log/hash.h"
#include "mm/palloc.h"
#include "thread/errno.h"
#include "thread/sched.h"

_Static_assert(sizeof(struct chan) <= PGSIZE, "a channel fits its page");

/* The table of channels; a slot changes under table_lock (raw: creation
 * and destruction are logged by the registry itself). */
static struct chan *chans[CHAN_MAX];
static struct spinlock table_lock = SPINLOCK_INIT("chans");
static unsigned nchans;

#define CHAN_RING 16 /* events kept per channel: a send is 3 */
/* While recording: each checkpoint of a channel also takes its events into
 * the recording and the stream (log_rec_sync), some 300 guest
 * instructions whatever their number, so a recorded channel checkpoints
 * every 64 events rather than every 16 (3 KiB more per channel). */
#define CHAN_RING_RECORD 64

int chan_create(uint32_t id, uint32_t owner)
{
	if (id >= CHAN_MAX)
		return -E_INVAL_CHID;
	struct chan *c = palloc();
	if (!c)
		return -E_MEM;
	spin_acquire(&table_lock);
	bool taken = chans[id] != 0;
	if (!taken) {
		chans[id] = c;
		nchans++;
	}
	spin_release(&table_lock);
	if (taken) {
		pfree(c);
		return -E_INVAL_CHID;
	}
	c->id = id;
	c->owner = owner;
	snprintf(c->name, sizeof c->name, "chan.%u", id);
	cond_init(&c->senders, "chan send");
	cond_init(&c->receiver, "chan recv");
	cond_init(&c->done, "chan reply");
	big_init(&c->big, LOCK_TICKET, &chan_log_type, c->name,
		 log_record_order ? CHAN_RING_RECORD : CHAN_RING);
	return 0;
}

struct chan *chan_get(uint32_t id)
{
	return id < CHAN_MAX ? __atomic_load_n(&chans[id], __ATOMIC_ACQUIRE) : 0;
}

unsigned chan_count(void)
{
	return nchans;
}

/* The receiver is gone or the channel closed: senders must not wait forever. */
static bool chan_dead(const struct chan *c, const struct chan_state *s, uint32_t opens)
{
	if (s->closed || s->opens != opens)
		return true;
	if (c->owner == 0)
		return false; /* a process's channel: alive until closed */
	struct thread *o = thread_find(c->owner);
	return !o || o->state == TS_DEAD;
}

int chan_send(uint32_t id, const uint32_t *buf, uint32_t n)
{
	struct chan *c = chan_get(id);
	if (!c)
		return -E_INVAL_CHID;
	if (n > CHAN_MAX_WORDS)
		n = CHAN_MAX_WORDS;
	uint32_t me = thread_self()->id;
	const struct chan_state *s = big_acquire(&c->big);
	uint32_t opens = s->opens; /* the channel this send is for (a process channel is reused) */
	while (s->phase != CH_IDLE && !chan_dead(c, s, opens)) {
		c->blocked++;
		cond_wait(&c->senders, &c->big.lock);
	}
	if (chan_dead(c, s, opens)) {
		big_unlock(&c->big);
		return -E_INVAL_PID;
	}
#ifdef BUG_CHAN_UNLOCKED
	/* The seeded bug (BUGS=chan_unlocked, docs/explore.md): "a receiver
	 * already waits, so the slot is ours": the message is published after
	 * the lock is let go, outside the channel's critical section. */
	bool unlocked = c->receiver.head != 0;
	if (unlocked)
		big_unlock(&c->big);
#endif
	c->buf = buf;
	big_push(&c->big, CH_SEND, n | (uint64_t)me << 32, log_hash_words(buf, n));
#ifdef BUG_CHAN_UNLOCKED
	if (unlocked)
		s = big_acquire(&c->big);
#endif
	cond_signal(&c->receiver);
	/* Release-and-sleep until the receiver copied (or the channel died). */
	while (!(s->phase == CH_DONE && s->sender == me) && !s->closed && s->opens == opens)
		cond_wait(&c->done, &c->big.lock);
	int r;
	if (s->phase == CH_DONE && s->sender == me) {
		r = (int)s->copied;
		big_push(&c->big, CH_ACK, me, s->copied);
	} else {
		r = -E_INVAL_PID;
	}
	c->buf = 0;
	cond_signal(&c->senders);
	big_unlock(&c->big);
	return r;
}

int chan_recv(uint32_t id, uint32_t *buf, uint32_t max)
{
	struct chan *c = chan_get(id);
	if (!c)
		return -E_INVAL_CHID;
	uint32_t me = thread_self()->id;
	const struct chan_state *s = big_acquire(&c->big);
	while (s->phase != CH_FULL && !s->closed) {
		c->blocked++;
		cond_wait(&c->receiver, &c->big.lock);
	}
	if (s->phase != CH_FULL) {
		big_unlock(&c->big);
		return -E_INVAL_PID;
	}
	uint32_t n = s->count < max ? s->count : max;
	memcpy(buf, c->buf, (size_t)n * sizeof(uint32_t));
	big_push(&c->big, CH_RECV, n | (uint64_t)me << 32, log_hash_words(buf, n));
	cond_signal(&c->done);
	big_unlock(&c->big);
	return (int)n;
}

int chan_ready(uint32_t id)
{
	struct chan *c = chan_get(id);
	if (!c)
		return -E_INVAL_CHID;
	const struct chan_state *s = big_acquire(&c->big);
	int r = s->phase == CH_FULL;
	big_unlock(&c->big);
	return r;
}

/* CLOSE, and wake every waiter to see it; under the channel's lock. */
static void close_locked(struct chan *c, const struct chan_state *s)
{
	if (!s->closed)
		big_push(&c->big, CH_CLOSE, 0, 0);
	cond_broadcast(&c->senders);
	cond_broadcast(&c->receiver);
	cond_broadcast(&c->done);
}

int chan_close(uint32_t id)
{
	struct chan *c = chan_get(id);
	if (!c)
		return -E_INVAL_CHID;
	close_locked(c, big_acquire(&c->big));
	big_unlock(&c->big);
	return 0;
}

int chan_open(uint32_t id)
{
	struct chan *c = chan_get(id);
	if (!c) {
		int r = chan_create(id, 0);
		if (r == -E_INVAL_CHID)
			return chan_open(id); /* lost a race to create it */
		if (r == 0) /* a process channel lives on like the kernel's own objects */
			chan_get(id)->big.obj->keep = true;
		return r;
	}
	const struct chan_state *s = big_acquire(&c->big);
	/* A message its old owner took just before it went still awaits its
	 * sender's ACK (the sender was woken by the CLOSE): let it finish. */
	while (s->closed && s->phase != CH_IDLE) {
		big_unlock(&c->big);
		sched_yield();
		s = big_acquire(&c->big);
	}
	int r = s->closed ? 0 : -E_INVAL_CHID;
	if (s->closed) {
		c->owner = 0;
		big_push(&c->big, CH_OPEN, 0, 0);
	}
	big_unlock(&c->big);
	return r;
}

void chan_destroy(uint32_t id)
{
	struct chan *c = chan_get(id);
	if (!c)
		return;
	close_locked(c, big_acquire(&c->big));
	big_unlock(&c->big);
	spin_acquire(&table_lock);
	chans[id] = 0;
	nchans--;
	spin_release(&table_lock);
	/* Woken waiters may still be leaving the lock: the caller destroys a
	 * channel only when its users are done (joined). */
	big_destroy(&c->big);
	pfree(c);
}

void chan_list(void)
{
	kprintf("  %-12s %-10s %-5s %10s %12s %8s  %s\n", "channel", "owner", "phase", "messages",
		"words", "blocked", "hash");
	for (uint32_t i = 0; i < CHAN_MAX; i++) {
		struct chan *c = chan_get(i);
		if (!c)
			continue;
		const struct chan_state *s = log_state(c->big.obj);
		static const char *const ph[] = { "idle", "full", "done" };
		kprintf("  %-12s %-10u %-5s %10lu %12lu %8lu  %016lx\n", c->name, c->owner,
			s->phase <= CH_DONE ? ph[s->phase] : "?", s->messages, s->words, c->blocked,
			c->big.obj->hash);
	}
	kprintf("  %u channels\n", nchans);
}
