/*
 * uclock.c - recorded time for user code (uclock.h, uclock_log.h).
 */
#include "proc/uclock.h"

#include "dev/timer.h"
#include "lib/kprintf.h"
#include "lib/spinlock.h"
#include "log/log.h"
#include "log/logset.h"
#include "mp/cpu.h"
#include "oracle/oracle.h"
#include "plat.h"
#include "proc/uclock_log.h"
#include "x86.h"

#define UCLOCK_RECORD_RING 65536 /* values a recording keeps (all, or replay refuses) */

static struct log_obj *clock_log;
static struct spinlock lk = SPINLOCK_INIT("clock");
static struct {
	uint64_t *vals;
	uint64_t n, pos;
	bool active;
} feed;

void uclock_init(void)
{
	clock_log =
		log_register(&uclock_log_type, "clock", log_record_order ? UCLOCK_RECORD_RING : 0);
}

/* One ordered event per value: in a replay the n-th value handed out is
 * the recording's n-th (the order of readers across CPUs is enforced). */
static uint64_t virt; /* the virtual clock's last TSC value */

static uint64_t hand_out(uint8_t type, uint64_t now, uint64_t virt_step)
{
	oracle_before(clock_log, ORACLE_ORDERED);
	pushcli();
	spin_acquire(&lk);
	uint64_t v = now;
	if (virt_step)
		v = virt += virt_step;
	if (feed.active)
		v = feed.pos < feed.n ? feed.vals[feed.pos++] : 0;
	log_append(clock_log, type, v, 0);
	spin_release(&lk);
	popcli();
	oracle_after(clock_log, ORACLE_ORDERED);
	return v;
}

/* Under script the clock is virtual (a run must repeat itself): 1 GHz, and
 * every read is VIRTUAL_TICK later than the one before. */
#define VIRTUAL_HZ 1000000000ull
#define VIRTUAL_TICK 1000

static bool virtual_clock(void)
{
	return oracle_cur->before && !feed.active; /* script */
}

uint64_t uclock_tsc(void)
{
	return virtual_clock() ? hand_out(UC_TSC, 0, VIRTUAL_TICK) : hand_out(UC_TSC, rdtsc(), 0);
}

uint64_t uclock_tsc_per_ms(void)
{
	return hand_out(UC_RATE, virtual_clock() ? VIRTUAL_HZ / 1000 : tsc_hz() / 1000, 0);
}

bool uclock_replay_load(const struct log_set *ref)
{
	const struct log_objrec *r = log_set_find(ref, "clock");
	if (!r || r->count == 0)
		return true;
	if (r->first != 0) {
		kprintf("replay: clock kept its last %u of %lu values: time not replayed\n",
			r->nevents, r->count);
		return false;
	}
	feed.vals = plat_alloc(r->nevents * sizeof *feed.vals);
	if (!feed.vals)
		return false;
	for (uint32_t i = 0; i < r->nevents; i++)
		feed.vals[feed.n++] = r->events[i].arg0;
	feed.active = true;
	return true;
}
