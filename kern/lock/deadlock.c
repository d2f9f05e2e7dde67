/*
 * deadlock.c - the wait slots and the cycle walk (deadlock.h).
 */
#include "lock/deadlock.h"
#include "lock/lock_type.h"
#include "lock/lockdbg.h"

/*
 * One CPU's wait slot, written only by that CPU (a seqlock: seq is odd
 * while it writes), read by the others' walks.  seq also counts refreshes:
 * a walk's confirmation wants every other member's seq to have moved.
 */
struct dl_slot {
	volatile AO_t seq;
	volatile AO_t lock;   /* struct log_obj * waited for; 0: not waiting */
	volatile AO_t thread; /* the waiting thread */
	volatile AO_t wait;   /* which wait (this CPU's count of published waits) */
	volatile AO_t hcpu;   /* the lock's holder: cpu + 1, 0 if free or changing */
	volatile AO_t hthread;
	volatile AO_t hacq;  /* the lock's acquisitions when last looked at */
	volatile AO_t since; /* plat_ticks() when the wait was published */
} plat_aligned(PLAT_CACHELINE);

/* One member of a cycle as a walk saw it. */
struct dl_member {
	uint32_t cpu, thread;
	struct log_obj *waits;
	uint64_t seq, wait, hacq, since;
};

/* What a CPU's last walk found (its candidate), only touched by that CPU;
 * streak: how many walks before it found the same cycle. */
struct dl_cand {
	unsigned n, streak;
	struct dl_member m[DEADLOCK_MAX_CYCLE];
} plat_aligned(PLAT_CACHELINE);

static struct dl_slot slots[PLAT_MAX_CPUS];
static struct dl_cand cands[PLAT_MAX_CPUS];
static volatile AO_t reporting; /* the first confirmed cycle wins */

/* The report, filled by the winner before it panics. */
static struct {
	unsigned n;
	struct dl_member m[DEADLOCK_MAX_CYCLE];
	uint64_t now, hz;
	uint32_t spins;
} rep;

static void slot_write_begin(struct dl_slot *s)
{
	AO_store(&s->seq, s->seq + 1);
	AO_nop_write();
}

static void slot_write_end(struct dl_slot *s)
{
	AO_store_release_write(&s->seq, s->seq + 1);
}

/* Read cpu's slot consistently into m (the thread, wait and holder fields);
 * false if it is being written or waits for nothing. */
static bool slot_read(unsigned cpu, struct dl_member *m, uint32_t *hcpu, uint32_t *hthread)
{
	struct dl_slot *s = &slots[cpu];
	AO_t seq = AO_load_acquire(&s->seq);
	if (seq & 1)
		return false;
	m->cpu = cpu;
	m->waits = (struct log_obj *)s->lock;
	m->thread = (uint32_t)s->thread;
	m->wait = s->wait;
	m->hacq = s->hacq;
	m->since = s->since;
	*hcpu = (uint32_t)s->hcpu;
	*hthread = (uint32_t)s->hthread;
	AO_nop_read();
	m->seq = seq;
	return AO_load(&s->seq) == seq && m->waits != 0;
}

/* Publish (a new wait) or refresh this CPU's slot: the holder of `lock`
 * now.  The holder's CPU, thread and the count are read between two reads
 * of the count: a count that moved, or no holder, publishes "unknown". */
static void slot_refresh(unsigned cpu, uint32_t thread, struct log_obj *lock)
{
	struct dl_slot *s = &slots[cpu];
	volatile const AO_t *acq = (volatile const AO_t *)&lock->count; /* lock_acquisitions */
	AO_t a1 = AO_load_acquire(acq);
	uint32_t h = ((volatile struct log_obj *)lock)->holder;
	uint32_t ht = lock_last_thread(lock);
	AO_nop_read();
	AO_t a2 = AO_load(acq);
	if (a1 != a2)
		h = 0;
	slot_write_begin(s);
	if (s->lock != (AO_t)lock || s->thread != thread) {
		s->lock = (AO_t)lock;
		s->thread = thread;
		s->wait = s->wait + 1;
		s->since = plat_ticks();
	}
	s->hcpu = h;
	s->hthread = h ? ht : 0;
	s->hacq = a1;
	slot_write_end(s);
}

void deadlock_wait_end(void)
{
	struct dl_slot *s = &slots[plat_cpu()];
	if (!s->lock)
		return;
	slot_write_begin(s);
	s->lock = 0;
	slot_write_end(s);
}

/* Walk from this CPU's (just refreshed) slot through the holders' slots;
 * the number of members of a cycle through us, 0 if none. */
static unsigned walk(unsigned me, uint32_t thread, struct dl_member *m)
{
	unsigned cpu = me, n = 0;
	uint32_t want = thread;
	for (;;) {
		uint32_t hcpu, hthread;
		if (n == DEADLOCK_MAX_CYCLE || !slot_read(cpu, &m[n], &hcpu, &hthread) ||
		    m[n].thread != want || hcpu == 0 || hcpu > PLAT_MAX_CPUS)
			return 0;
		n++;
		unsigned next = hcpu - 1;
		if (next == me)
			return hthread == thread ? n : 0;
		for (unsigned i = 0; i < n; i++)
			if (m[i].cpu == next)
				return 0; /* a cycle not through us: its members report it */
		cpu = next;
		want = hthread;
	}
}

/* The same cycle as the candidate: the same members, waits and holders. */
static bool same(const struct dl_cand *c, const struct dl_member *m, unsigned n)
{
	if (c->n != n)
		return false;
	for (unsigned i = 0; i < n; i++) {
		const struct dl_member *a = &c->m[i], *b = &m[i];
		if (a->cpu != b->cpu || a->thread != b->thread || a->waits != b->waits ||
		    a->wait != b->wait || a->hacq != b->hacq)
			return false;
	}
	return true;
}

/* Every member but us refreshed its slot since the candidate's walk. */
static bool refreshed(const struct dl_cand *c, const struct dl_member *m, unsigned n)
{
	for (unsigned i = 1; i < n; i++)
		if (m[i].seq == c->m[i].seq)
			return false;
	return true;
}

static const char *lock_name(const struct log_obj *o)
{
	return o->name;
}

/* Called by the panic once the other CPUs are stopped (plat_panic_report). */
static void print_report(void)
{
	unsigned n = rep.n;
	for (unsigned i = 0; i < n; i++) {
		const struct dl_member *a = &rep.m[i], *holder = &rep.m[(i + 1) % n];
		const struct dl_member *prev = &rep.m[(i + n - 1) % n];
		plat_printf(
			"deadlock: thread %u (cpu %u) holds %s, waits for %s (held by thread "
			"%u, cpu %u)",
			a->thread, a->cpu, lock_name(prev->waits), lock_name(a->waits),
			holder->thread, holder->cpu);
		if (rep.hz)
			plat_printf(", waiting for %lu ms",
				    (unsigned long)((rep.now - a->since) * 1000 / rep.hz));
		plat_printf("\n");
	}
	if (rep.hz) {
		/* The cycle closed when its last thread began to wait: it published
		 * DEADLOCK_CHECK_SPINS spins later, which took about as long as
		 * that many of our own spins since we published. */
		uint64_t last = 0;
		for (unsigned i = 0; i < n; i++)
			if (rep.m[i].since > last)
				last = rep.m[i].since;
		uint64_t ours = rep.now - rep.m[0].since;
		uint32_t spun = rep.spins - (DEADLOCK_CHECK_SPINS - 1);
		uint64_t pre = spun ? ours * DEADLOCK_CHECK_SPINS / spun : 0;
		plat_printf(
			"deadlock: found %lu ms after the cycle closed (%lu ms after its last "
			"thread published its wait, and about %lu ms for the %u spins before "
			"that), by cpu %u at spin %u\n",
			(unsigned long)((rep.now - last + pre) * 1000 / rep.hz),
			(unsigned long)((rep.now - last) * 1000 / rep.hz),
			(unsigned long)(pre * 1000 / rep.hz), DEADLOCK_CHECK_SPINS, rep.m[0].cpu,
			rep.spins);
	}
	if (log_record_order && rep.m[0].waits->count)
		plat_printf("deadlock: replay: make replay TRACE=<this run's trace> STOP=%s:%lu\n",
			    lock_name(rep.m[0].waits), (unsigned long)(rep.m[0].waits->count - 1));
	for (unsigned i = 0; i < n; i++) {
		plat_printf("deadlock: stack of thread %u (cpu %u), waiting for %s:\n",
			    rep.m[i].thread, rep.m[i].cpu, lock_name(rep.m[i].waits));
		plat_cpu_stack(rep.m[i].cpu);
	}
}

void deadlock_check(struct log_obj *lock, uint32_t spins)
{
	unsigned me = plat_cpu();
	uint32_t thread = plat_thread();
	slot_refresh(me, thread, lock);
	struct dl_member m[DEADLOCK_MAX_CYCLE];
	struct dl_cand *c = &cands[me];
	unsigned n = walk(me, thread, m);
	/*
	 * Confirmed: a third walk in a row finds the same cycle, and every
	 * other member refreshed its slot since the second.  The first walk
	 * saw each member's wait published; the second began after it; so
	 * each refresh seen now was made while the next member was already in
	 * that same wait (it still is), and found it holding the lock: no
	 * member can release what it holds, they all wait for ever.
	 */
	bool confirmed = false;
	if (n && same(c, m, n)) {
		confirmed = c->streak >= 1 && refreshed(c, m, n);
		c->streak++;
	} else {
		c->streak = 0;
	}
	c->n = n;
	for (unsigned i = 0; i < n; i++)
		c->m[i] = m[i];
	if (!confirmed)
		return;
	if (!AO_compare_and_swap_full(&reporting, 0, 1))
		return; /* another member reports it */
	rep.n = n;
	for (unsigned i = 0; i < n; i++)
		rep.m[i] = m[i];
	rep.now = plat_ticks();
	rep.hz = plat_ticks_hz();
	rep.spins = spins;
	plat_panic_report(print_report);
	plat_panic(
		"deadlock: a cycle of %u threads, each waiting for a lock the next one holds: "
		"thread %u (cpu %u) waits for %s, held by thread %u (cpu %u); the cycle and "
		"each thread's stack follow",
		n, thread, me, lock_name(lock), m[n > 1 ? 1 : 0].thread, m[n > 1 ? 1 : 0].cpu);
}
