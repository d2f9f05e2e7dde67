#include "dev/console.h"

#include <stdint.h>

#include "dev/console_log.h"
#include "dev/ioapic.h"
#include "dev/serial.h"
#include "lib/kprintf.h"
#include "lib/spinlock.h"
#include "log/hash.h"
#include "log/logset.h"
#include "oracle/oracle.h"
#include "plat.h"
#include "trap/trapframe.h"

static struct spinlock cons_lk = SPINLOCK_INIT("console");
static volatile int broken;

/* Input ring: rpos/wpos only grow; the ring holds wpos - rpos bytes. */
static struct {
	struct spinlock lk;
	char buf[CONS_BUFSIZE];
	uint32_t rpos, wpos;
	uint64_t dropped;
} in = { .lk = SPINLOCK_INIT("console.in") };

void cons_putc(int c)
{
	if (c == '\n')
		serial_putc('\r');
	serial_putc(c);
}

void cons_lock(void)
{
	if (!broken)
		spin_acquire(&cons_lk);
}

void cons_unlock(void)
{
	if (!broken)
		spin_release(&cons_lk);
}

void cons_break_lock(void)
{
	broken = 1;
}

void cons_intr(void)
{
	int c;
	spin_acquire(&in.lk);
	while ((c = serial_getc()) >= 0) {
		if (in.wpos - in.rpos == CONS_BUFSIZE) {
			in.dropped++; /* full: keep the older bytes, as the seeds' ring does */
			continue;
		}
		in.buf[in.wpos++ % CONS_BUFSIZE] = (char)c;
	}
	spin_release(&in.lk);
}

/*
 * Input as events: a byte a thread takes is GETC(byte) on the "console"
 * object (an ordered operation: readers on several CPUs take bytes in the
 * recorded order).  In a replay the bytes come from the recording, not from
 * the UART, and run out where the recording's did.
 */
static struct log_obj *in_log;
static struct {
	uint8_t *bytes;
	uint64_t n, pos;
	bool active;
} feed;

int cons_getc(void)
{
	int c = -1;
	if (feed.active && __atomic_load_n(&feed.pos, __ATOMIC_ACQUIRE) == feed.n)
		return -1;
	if (!feed.active && __atomic_load_n(&in.rpos, __ATOMIC_ACQUIRE) ==
				    __atomic_load_n(&in.wpos, __ATOMIC_ACQUIRE))
		return -1;
	oracle_before(in_log, ORACLE_ORDERED);
	spin_acquire(&in.lk);
	if (feed.active && feed.pos < feed.n)
		c = feed.bytes[feed.pos++];
	else if (!feed.active && in.rpos != in.wpos)
		c = (uint8_t)in.buf[in.rpos++ % CONS_BUFSIZE];
	/* Logged whether or not a byte came (arg1), so that an ordered
	 * operation always appends exactly one event. */
	log_append(in_log, CONS_GETC, c < 0 ? 0 : (uint64_t)c, c < 0);
	spin_release(&in.lk);
	oracle_after(in_log, ORACLE_ORDERED);
	return c;
}

bool cons_replay_load(const struct log_set *ref)
{
	const struct log_objrec *r = log_set_find(ref, "console");
	if (!r || r->count == 0)
		return true; /* the recording took no input: none is fed */
	if (r->first != 0) {
		kprintf("replay: console kept its last %u of %lu bytes: input not replayed\n",
			r->nevents, r->count);
		return false;
	}
	feed.bytes = plat_alloc(r->nevents);
	if (!feed.bytes)
		return false;
	for (uint32_t i = 0; i < r->nevents; i++)
		feed.bytes[feed.n++] = (uint8_t)r->events[i].arg0;
	feed.active = true;
	return true;
}

/* Bytes of a user process's puts/putc: one unit on the console, and one
 * ordered event on "console.out" (see console_log.h). */
static struct log_obj *out_log;
static struct spinlock out_lk = SPINLOCK_INIT("console.out");

void cons_write(const char *buf, size_t n)
{
	uint64_t h = log_hash_bytes((const uint8_t *)buf, n);
	oracle_before(out_log, ORACLE_ORDERED);
	/* out_lk orders the output and the events alike (hw has no oracle to
	 * do it) and serializes the appends; the console lock is let go before
	 * the append, where a replay's divergence report prints. */
	spin_acquire(&out_lk);
	cons_lock();
	for (size_t i = 0; i < n; i++)
		cons_putc((uint8_t)buf[i]);
	cons_unlock();
	log_append(out_log, CONS_PUTS, n, h);
	spin_release(&out_lk);
	oracle_after(out_log, ORACLE_ORDERED);
}

static void com1_irq(struct trapframe *tf)
{
	cons_intr();
}

void cons_init(void)
{
	/* A recorded run keeps all its input (a replay feeds it back). */
	in_log = log_register(&console_log_type, "console", log_record_order ? 4096 : 0);
	out_log = log_register(&console_log_type, "console.out", 0);
	irq_register(T_GSI0 + IRQ_COM1, com1_irq);
	ioapic_route_isa(IRQ_COM1, T_GSI0 + IRQ_COM1, 0);
	serial_enable_irq();
}
