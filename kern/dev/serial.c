#include "dev/serial.h"

#include <stdint.h>

#include "x86.h"

#define COM1		0x3f8
#define REG_DATA	0
#define REG_IER		1
#define REG_FCR		2
#define REG_LCR		3
#define REG_MCR		4
#define REG_LSR		5
#define LSR_DR		0x01	/* a byte is waiting */
#define LSR_THRE	0x20	/* transmit holding register empty */
#define LSR_TEMT	0x40	/* transmitter completely empty */

static int present;

void serial_init(void)
{
	outb(COM1 + REG_IER, 0);
	outb(COM1 + REG_LCR, 0x80);	/* DLAB: divisor follows */
	outb(COM1 + 0, 1);		/* 115200 baud */
	outb(COM1 + 1, 0);
	outb(COM1 + REG_LCR, 0x03);	/* 8N1 */
	outb(COM1 + REG_FCR, 0x07);	/* FIFOs on and cleared */
	outb(COM1 + REG_MCR, 0x0b);	/* DTR, RTS, OUT2 (OUT2 gates the IRQ line) */
	present = inb(COM1 + REG_LSR) != 0xff;
}

void serial_enable_irq(void)
{
	if (present)
		outb(COM1 + REG_IER, 0x01);	/* received-data interrupt */
}

void serial_putc(int c)
{
	if (!present)
		return;
	for (int i = 0; i < 1000000 && !(inb(COM1 + REG_LSR) & LSR_THRE); i++)
		cpu_relax();
	outb(COM1 + REG_DATA, (uint8_t)c);
}

int serial_getc(void)
{
	if (!present || !(inb(COM1 + REG_LSR) & LSR_DR))
		return -1;
	return inb(COM1 + REG_DATA);
}

void serial_drain(void)
{
	for (int i = 0; present && i < 1000000 && !(inb(COM1 + REG_LSR) & LSR_TEMT); i++)
		cpu_relax();
}
