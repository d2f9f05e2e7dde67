#include "dev/serial.h"

#include <stdint.h>

#include "x86.h"

#define COM1 0x3f8
#define COM2 0x2f8
#define REG_DATA 0
#define REG_IER 1
#define REG_FCR 2
#define REG_LCR 3
#define REG_MCR 4
#define REG_LSR 5
#define LSR_DR 0x01   /* a byte is waiting */
#define LSR_THRE 0x20 /* transmit holding register empty */
#define LSR_TEMT 0x40 /* transmitter completely empty */

static int present, com2_present;

/* 115200 8N1, FIFOs on; returns whether a UART answers at base. */
static int uart_init(uint16_t base)
{
	outb(base + REG_IER, 0);
	outb(base + REG_LCR, 0x80); /* DLAB: divisor follows */
	outb(base + 0, 1);          /* 115200 baud */
	outb(base + 1, 0);
	outb(base + REG_LCR, 0x03); /* 8N1 */
	outb(base + REG_FCR, 0x07); /* FIFOs on and cleared */
	outb(base + REG_MCR, 0x0b); /* DTR, RTS, OUT2 (OUT2 gates the IRQ line) */
	return inb(base + REG_LSR) != 0xff;
}

static void uart_putc(uint16_t base, int c)
{
	for (int i = 0; i < 1000000 && !(inb(base + REG_LSR) & LSR_THRE); i++)
		cpu_relax();
	outb(base + REG_DATA, (uint8_t)c);
}

void serial_init(void)
{
	present = uart_init(COM1);
}

int com2_init(void)
{
	return com2_present = uart_init(COM2);
}

void com2_putc(int c)
{
	if (com2_present)
		uart_putc(COM2, c);
}

/* Wait (bounded) until the UART at base has sent everything. */
static void uart_drain(uint16_t base, int up)
{
	for (int i = 0; up && i < 1000000 && !(inb(base + REG_LSR) & LSR_TEMT); i++)
		cpu_relax();
}

/* -1 if no byte is waiting (polled: COM2's interrupt stays off). */
int com2_getc(void)
{
	if (!com2_present || !(inb(COM2 + REG_LSR) & LSR_DR))
		return -1;
	return inb(COM2 + REG_DATA);
}

void com2_drain(void)
{
	uart_drain(COM2, com2_present);
}

void serial_enable_irq(void)
{
	if (present)
		outb(COM1 + REG_IER, 0x01); /* received-data interrupt */
}

void serial_putc(int c)
{
	if (present)
		uart_putc(COM1, c);
}

int serial_getc(void)
{
	if (!present || !(inb(COM1 + REG_LSR) & LSR_DR))
		return -1;
	return inb(COM1 + REG_DATA);
}

void serial_drain(void)
{
	uart_drain(COM1, present);
}
