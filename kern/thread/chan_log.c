/*
 * chan_log.c - the channel's log type: its replay function is the channel
 * protocol's state machine (chan_log.h, chan.h).  Portable.
 */
#include "thread/chan_log.h"

static const char *const chan_events[] = { "SEND", "RECV", "ACK", "CLOSE", "OPEN" };

static const char *chan_apply(void *state, const struct log_event *ev)
{
	struct chan_state *s = state;
	uint32_t n = (uint32_t)ev->arg0, who = (uint32_t)(ev->arg0 >> 32);
	switch (ev->type) {
	case CH_SEND:
		if (s->phase != CH_IDLE)
			return "SEND while the slot is taken";
		if (s->closed)
			return "SEND on a closed channel";
		if (n > CHAN_MAX_WORDS)
			return "SEND longer than CHAN_MAX_WORDS";
		if (who != ev->thread)
			return "SEND names another thread as sender";
		s->phase = CH_FULL;
		s->sender = who;
		s->count = n;
		s->digest = ev->arg1;
		return 0;
	case CH_RECV:
		if (s->phase != CH_FULL)
			return "RECV with no message in the slot";
		if (n > s->count)
			return "RECV copied more words than were sent";
		if (n == s->count && ev->arg1 != s->digest)
			return "RECV copied other words than were sent (payload digest)";
		s->phase = CH_DONE;
		s->copied = n;
		return 0;
	case CH_ACK:
		if (s->phase != CH_DONE)
			return "ACK before the receiver copied";
		if ((uint32_t)ev->arg0 != s->sender || ev->thread != s->sender)
			return "ACK by a thread that did not send";
		if (ev->arg1 != s->copied)
			return "ACK reports another count than was copied";
		s->phase = CH_IDLE;
		s->messages++;
		s->words += s->copied;
		s->sender = 0;
		return 0;
	case CH_CLOSE:
		/* A message nobody took is dropped (its sender gets an error); one
		 * the receiver copied (DONE) stays for its sender to ACK: it was
		 * delivered. */
		s->closed = 1;
		if (s->phase == CH_FULL) {
			s->phase = CH_IDLE;
			s->sender = 0;
		}
		return 0;
	case CH_OPEN:
		if (!s->closed)
			return "OPEN of a channel that is open";
		if (s->phase != CH_IDLE)
			return "OPEN while a delivered message awaits its ACK";
		s->closed = 0;
		s->opens++;
		return 0;
	}
	return "unknown channel event";
}

const struct log_type chan_log_type = {
	.name = "chan",
	.state_size = sizeof(struct chan_state),
	.events = chan_events,
	.nevents = sizeof chan_events / sizeof chan_events[0],
	.apply = chan_apply,
};
LOG_TYPE_REGISTER(chan_log_type);
