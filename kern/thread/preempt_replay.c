/*
 * preempt_replay.c - the recorded preemptions of a run (preempt_replay.h).
 */
#include "thread/preempt_replay.h"

#include "lib/kprintf.h"
#include "oracle/oracle.h"
#include "thread/runq_log.h"

#define SET_CAP 16384 /* power of two; preemptions a replay can hold */

static uint64_t set[SET_CAP]; /* key + 1, 0 = empty */
static unsigned nset;
static bool active;

static uint64_t key(uint32_t tid, uint64_t point)
{
	return ((uint64_t)tid << 40 ^ point) + 1;
}

static unsigned slot(uint64_t k)
{
	return (unsigned)((k * 0x9e3779b97f4a7c15ull) >> 50) & (SET_CAP - 1);
}

static bool add(uint64_t k)
{
	if (nset == SET_CAP / 2)
		return false;
	unsigned i = slot(k);
	while (set[i] && set[i] != k)
		i = (i + 1) & (SET_CAP - 1);
	nset += set[i] == 0;
	set[i] = k;
	return true;
}

bool preempt_replay_load(const struct log_set *ref)
{
	bool complete = true;
	for (uint32_t o = 0; o < ref->nobjs; o++) {
		const struct log_objrec *r = &ref->objs[o];
		if (r->type != &preempt_log_type)
			continue;
		if (r->first != 0) {
			kprintf("replay: %s kept its last %u of %lu preemptions: the ones before "
				"are not replayed\n",
				r->name, r->nevents, r->count);
			complete = false;
		}
		for (uint32_t i = 0; i < r->nevents; i++) {
			const struct log_event *e = &r->events[i];
			if (e->type == RQ_PREEMPT && !add(key((uint32_t)e->arg0, e->arg1))) {
				kprintf("replay: more than %u preemptions recorded\n", SET_CAP / 2);
				complete = false;
			}
		}
	}
	active = true;
	return complete;
}

bool preempt_replay_active(void)
{
	return active && !oracle_replay_released(); /* replay_until: hw's preemptions after */
}

bool preempt_replay_at(uint32_t tid, uint64_t point)
{
	uint64_t k = key(tid, point);
	for (unsigned i = slot(k); set[i]; i = (i + 1) & (SET_CAP - 1))
		if (set[i] == k)
			return true;
	return false;
}
