#include "dev/console.h"

#include <stdint.h>

#include "dev/ioapic.h"
#include "dev/serial.h"
#include "lib/spinlock.h"
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

int cons_getc(void)
{
	int c = -1;
	spin_acquire(&in.lk);
	if (in.rpos != in.wpos)
		c = (uint8_t)in.buf[in.rpos++ % CONS_BUFSIZE];
	spin_release(&in.lk);
	return c;
}

static void com1_irq(struct trapframe *tf)
{
	cons_intr();
}

void cons_init(void)
{
	irq_register(T_GSI0 + IRQ_COM1, com1_irq);
	ioapic_route_isa(IRQ_COM1, T_GSI0 + IRQ_COM1, 0);
	serial_enable_irq();
}
