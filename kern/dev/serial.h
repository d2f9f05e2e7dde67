/* COM1: polled output, interrupt-driven input (see dev/console.c). */
#ifndef DEV_SERIAL_H
#define DEV_SERIAL_H

void serial_init(void);
void serial_putc(int c);
int serial_getc(void);   /* -1 if no byte is waiting */
void serial_drain(void); /* wait until the transmitter is empty */
void serial_enable_irq(void);

/* COM2: a raw byte channel (traces out, or gdb's line: dev/gdbstub.c), no translation. */
int com2_init(void); /* 0 if no UART answers there */
void com2_putc(int c);
int com2_getc(void); /* -1 if no byte is waiting */
void com2_drain(void);

#endif
